"""Sealed settings: project settings stored encrypted under a key derived from the project secret.

Why: some settings are values the analyst typed that may be PII themselves, a deny-list term above
all ("always flag Zorblax Quintavius"), and the project file must hold no values in clear. A sealed
setting lives in the ordinary settings table as an envelope

    {"sealed": 1, "nonce": "<24 hex digits>", "data": "<base64 of AES-256-GCM ciphertext + tag>"}

keyed by HKDF-SHA256(project secret, info=b"privdesk sealed settings v1"), with the project id and
the setting key as associated data, so an envelope copied to another key or another project fails
to open instead of yielding a value where it does not belong.

Reading: get_sealed_setting() (and get_setting(), which opens envelopes too, so no caller ever sees
one) decrypts an envelope and returns anything else as it is: PrivDesk releases before sealing
wrote LEGACY_PLAINTEXT_KEYS in clear, and those projects must still open. Such plaintext is sealed
in place as soon as the secret is at hand without asking anyone: when the project opens (a key-file
project, or a passphrase given to Project.open), else at the first read after the passphrase was
entered, else at the next write of the setting.

Overwriting runs with SQLite's secure_delete on, so replacing a value written in clear zeroes the
old bytes in the page instead of leaving them in its free space. Nothing here logs a value or a key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import sqlite3
from typing import Any, Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from privdesk.core.errors import ProjectError
from privdesk.core.project.base import json_dump
from privdesk.core.project.policy_runs_settings import PolicyRunsSettingsMixin
from privdesk.core.project.secret_store import SecretStoreMixin

log = logging.getLogger(__name__)

SEALED_SETTINGS_INFO = b"privdesk sealed settings v1"
ENVELOPE_VERSION = 1
NONCE_BYTES = 12  # 96 bits, GCM's native nonce size; random, so never reused under one key in practice
# Settings that PrivDesk releases before sealing stored in clear; they are sealed when a project is opened.
# The modules that own them (privdesk.core.review.lists, privdesk.core.detect.project_settings) write
# them with set_sealed_setting; a test checks that their keys are listed here.
LEGACY_PLAINTEXT_KEYS: tuple[str, ...] = ("detection.allow_list", "detection.deny_list", "detection.options")
PAD_BYTES = 64
_ENVELOPE_FIELDS = frozenset({"sealed", "nonce", "data"})
_MISSING = object()  # tells "no such setting" from a setting stored as JSON null


def is_envelope(value: Any) -> bool:
    """True for a stored sealed value; plain settings (numbers, lists, option objects) never have these three fields."""
    return isinstance(value, dict) and set(value) == _ENVELOPE_FIELDS


def _associated_data(project_id: str, key: str) -> bytes:
    # The project id is hex, so the NUL cannot occur in it and the pair reads back unambiguously.
    return f"{project_id}\x00{key}".encode("utf-8")


def _settings_cipher(secret: bytes) -> AESGCM:
    subkey = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SEALED_SETTINGS_INFO).derive(secret)
    return AESGCM(subkey)


def seal_value(secret: bytes, project_id: str, key: str, value: Any) -> dict[str, Any]:
    """The envelope of `value` (JSON-encoded first) for setting `key` of project `project_id`."""
    plaintext = json_dump(value, f"setting {key!r}").encode("utf-8")
    # GCM keeps the length; padding with spaces (which JSON ignores) to 64-byte steps hides a term's exact length.
    plaintext += b" " * (-len(plaintext) % PAD_BYTES)
    nonce = os.urandom(NONCE_BYTES)
    data = _settings_cipher(secret).encrypt(nonce, plaintext, _associated_data(project_id, key))
    return {"sealed": ENVELOPE_VERSION, "nonce": nonce.hex(), "data": base64.b64encode(data).decode("ascii")}


class SealedSettingsMixin(PolicyRunsSettingsMixin, SecretStoreMixin):
    """Project methods for settings whose values are encrypted in the file (see the module docstring)."""

    # ---- the public API -----------------------------------------------------------------------------

    def set_sealed_setting(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value under key, encrypted. Needs the project secret: the key file, or
        the passphrase entered once since the project was opened (ProjectError otherwise)."""
        envelope = seal_value(self.project_secret(), self.project_id, key, value)
        with self._secure_delete():
            self.set_setting(key, envelope)

    def get_sealed_setting(self, key: str, default: Any = None) -> Any:
        """The value stored under key, decrypted; `default` when there is none.

        A value an older PrivDesk stored in clear is returned as it is, and sealed in place when the
        secret is at hand. A sealed value that does not open (another project's key file, a value
        moved between keys or projects, a changed byte) raises ProjectError naming the project file.
        """
        stored = super().get_setting(key, _MISSING)
        if stored is _MISSING:
            return default
        if is_envelope(stored):
            return self._unseal(key, stored)
        self._seal_legacy_settings_quietly(extra_keys=(key,))
        return stored

    def seal_legacy_settings(self) -> int:
        """Seal, in place, every LEGACY_PLAINTEXT_KEYS setting still stored in clear; returns how many.

        Needs the project secret (ProjectError when it is locked). Project.open does the same, without
        failing, whenever the secret is at hand; calling it again is harmless.
        """
        return self._seal_plaintext(LEGACY_PLAINTEXT_KEYS)

    # ---- plain readers open envelopes too, so no caller ever handles one --------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        """The value stored under key (decrypted when sealed, which needs the secret); `default` when none."""
        stored = super().get_setting(key, _MISSING)
        if stored is _MISSING:
            return default
        return self._unseal(key, stored) if is_envelope(stored) else stored

    def settings(self) -> dict[str, Any]:
        """Every setting, sealed ones decrypted (so a locked passphrase project holding one raises ProjectError)."""
        return {key: self._unseal(key, value) if is_envelope(value) else value
                for key, value in super().settings().items()}

    # ---- internals ----------------------------------------------------------------------------------

    def _unseal(self, key: str, envelope: dict[str, Any]) -> Any:
        if envelope["sealed"] != ENVELOPE_VERSION:
            raise ProjectError(f"the sealed setting {key!r} was written by a newer PrivDesk (format "
                               f"{envelope['sealed']!r}).", path=self.path, hint="Update PrivDesk to read it.")
        try:
            nonce = bytes.fromhex(envelope["nonce"])
            data = base64.b64decode(envelope["data"], validate=True)
            if len(nonce) != NONCE_BYTES:
                raise ValueError("wrong nonce length")
        except (TypeError, ValueError, binascii.Error):
            raise ProjectError(f"the sealed setting {key!r} is damaged (its envelope cannot be read).",
                               path=self.path, hint="Set it again, or restore the project from a backup.") from None
        secret = self.project_secret()
        try:
            plaintext = _settings_cipher(secret).decrypt(nonce, data, _associated_data(self.project_id, key))
        except InvalidTag:
            raise ProjectError(
                f"the sealed setting {key!r} cannot be decrypted: the project key does not match "
                "(it was sealed by another project, or moved from another setting, or changed since).",
                path=self.path,
                hint="Open the project with the key file or passphrase it was created with; if that is the "
                     "right one, set the setting again.") from None
        return json.loads(plaintext.decode("utf-8"))

    def _secret_at_hand(self) -> bytes | None:
        """The project secret when it can be had without asking anyone: already unlocked, or a readable
        key file. None for a locked passphrase project, or a key file that is missing or wrong."""
        if self._secret is not None:
            return self._secret
        try:
            if self.needs_passphrase:
                return None
            return self.project_secret()
        except ProjectError:
            return None

    @staticmethod
    def _plaintext_values(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, Any]:
        """key -> value of the given keys stored as readable JSON that is not an envelope. Damaged text is
        left alone: the code that owns the setting reports it when it reads it."""
        wanted = sorted(set(keys))
        placeholders = ", ".join("?" * len(wanted))
        plain: dict[str, Any] = {}
        for key, text in conn.execute(f"SELECT key, value FROM settings WHERE key IN ({placeholders})", wanted):
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if not is_envelope(value):
                plain[key] = value
        return plain

    def _holds_plaintext(self, keys: Iterable[str]) -> bool:
        with self._connections.query() as conn:
            return bool(self._plaintext_values(conn, keys))

    def _seal_plaintext(self, keys: Iterable[str]) -> int:
        keys = tuple(keys)
        if not self._holds_plaintext(keys):
            return 0
        secret = self.project_secret()
        # Read and rewrite in one transaction, so a newer value another thread wrote meanwhile is never
        # replaced by a re-sealed stale one.
        with self._secure_delete(), self._connections.write() as conn:
            plain = self._plaintext_values(conn, keys)
            for key, value in plain.items():
                envelope = seal_value(secret, self.project_id, key, value)
                conn.execute("UPDATE settings SET value = ? WHERE key = ?", (json_dump(envelope, "envelope"), key))
        return len(plain)

    def _seal_legacy_settings_quietly(self, extra_keys: Iterable[str] = ()) -> None:
        """Seal plaintext settings when that needs nobody's help; otherwise leave them for a later try.

        Called on opening and on reading a plaintext value: neither may fail because the key file is
        away, the passphrase not yet entered, or the file read-only; the value is still readable then.
        """
        keys = (*LEGACY_PLAINTEXT_KEYS, *extra_keys)
        try:
            if not self._holds_plaintext(keys) or self._secret_at_hand() is None:
                return
            count = self._seal_plaintext(keys)
        except ProjectError as error:
            log.warning("settings stored in clear by an older PrivDesk could not be sealed yet (%s); "
                        "they will be sealed at a later opening", error.problem)
            return
        if count:
            log.info("sealed %d setting(s) an older PrivDesk stored in clear", count)

    @contextlib.contextmanager
    def _secure_delete(self) -> Iterator[None]:
        """SQLite zeroes what a write deletes or overwrites while this lasts (a value replaced in clear
        would otherwise linger in the page's free space); the connection's own setting comes back after."""
        with self._connections.query() as conn:
            previous = int(conn.execute("PRAGMA secure_delete").fetchone()[0])
            conn.execute("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            with self._connections.query() as conn:
                # PRAGMA takes no parameters; previous is an int SQLite gave us.
                conn.execute(f"PRAGMA secure_delete = {previous}")
