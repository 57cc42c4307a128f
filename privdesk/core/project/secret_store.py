"""The project secret as seen from the Project: unlocking it, caching it, changing its protection (see keys.py)."""

from __future__ import annotations

from privdesk.core.errors import ProjectError
from privdesk.core.project import keys
from privdesk.core.project.base import ProjectBase
from privdesk.core.project.records import to_text, utc_now


class SecretStoreMixin(ProjectBase):
    """Project methods for the project secret."""

    def _wrapped_secret(self) -> keys.WrappedSecret:
        with self._connections.query() as conn:
            row = conn.execute("SELECT scheme, kdf, nonce, wrapped FROM secret_key WHERE id = 1").fetchone()
        if row is None:
            raise ProjectError("the project has no secret key; the file is damaged.", path=self.path,
                               hint="Restore it from a backup.")
        return keys.WrappedSecret(row[0], keys.kdf_from_json(row[1], self.path), bytes(row[2]), bytes(row[3]))

    @property
    def needs_passphrase(self) -> bool:
        """True when the project secret is protected by a passphrase rather than a key file."""
        return self._wrapped_secret().scheme == "passphrase"

    def project_secret(self, passphrase: str | None = None) -> bytes:
        """The project's 32-byte secret. Needs the passphrase once per opening for a passphrase project
        (it is then kept in memory until close), the key file otherwise."""
        wrapped = self._wrapped_secret()
        if wrapped.scheme == "keyfile":
            if passphrase is not None:
                raise ProjectError("this project has no passphrase; its secret is protected by its key file.",
                                   path=self.path, hint="Open it without a passphrase.")
            if self._secret is None:
                kek = keys.read_key_file(self.key_path, self.project_id)
                self._secret = keys.unwrap_with_key(wrapped, kek, self.project_id, self.key_path)
            return self._secret
        if passphrase is None:
            if self._secret is not None:
                return self._secret
            raise ProjectError("the project secret is protected by a passphrase.", path=self.path,
                               hint="Enter the project's passphrase.")
        keys.check_passphrase(passphrase, self.path)
        self._secret = keys.unwrap_with_passphrase(wrapped, passphrase, self.project_id, self.path)
        return self._secret

    def change_passphrase(self, old: str | None, new: str | None) -> None:
        """Protect the secret with a new passphrase, or with a key file when `new` is None.

        The secret itself does not change, so everything made with it stays readable.
        """
        keys.check_passphrase(new, self.path)
        secret = self.project_secret(old)
        was_key_file = self._wrapped_secret().scheme == "keyfile"
        if new is None and was_key_file:
            return
        wrote_key_file = False
        if new is None:
            kek = keys.new_secret()
            if self.key_path.exists():
                raise ProjectError("a key file of this project's name already exists.", path=self.key_path,
                                   hint="Move it away first; it may belong to another copy of the project.")
            keys.write_key_file(self.key_path, kek, self.project_id)
            wrote_key_file = True
            wrapped = keys.wrap_with_key(secret, kek, self.project_id)
        else:
            wrapped = keys.wrap_with_passphrase(secret, new, self.project_id)
        try:
            with self._connections.write() as conn:
                conn.execute("UPDATE secret_key SET scheme = ?, kdf = ?, nonce = ?, wrapped = ?, updated_at = ? "
                             "WHERE id = 1", (wrapped.scheme, keys.kdf_to_json(wrapped.kdf), wrapped.nonce,
                                              wrapped.wrapped, to_text(utc_now())))
        except BaseException:
            if wrote_key_file:
                self.key_path.unlink(missing_ok=True)
            raise
        if was_key_file:
            # The old key file only unwraps the old wrapping, which no longer exists.
            self.key_path.unlink(missing_ok=True)
