"""The project secret outside a project: a file of 32 random bytes (mode 0600), made when missing.

Keyed hashes, consistent surrogates, date offsets and encryption all derive from the secret, so the
same file gives the same output in every run; losing it means encrypted values can only be
restored through a vault.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from privdesk.core.atomic import atomic_path
from privdesk.core.mask.errors import MaskingError
from privdesk.core.mask.keying import SECRET_BYTES


def load_or_create_secret(path: str | Path) -> tuple[bytes, bool]:
    """(secret, created): read the secret file, or create it with fresh random bytes when it does not exist."""
    path = Path(path)
    if path.exists():
        if path.is_dir():
            raise MaskingError("is a folder, not a secret file.", path=path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise MaskingError(f"the secret file cannot be read ({error.strerror}).", path=path) from None
        if len(data) != SECRET_BYTES:
            raise MaskingError(f"is not a PrivDesk secret file (it holds {len(data)} bytes, not {SECRET_BYTES}).",
                               path=path, hint="Point --secret-file at the file PrivDesk created, or at a new name.")
        return data, False
    secret = os.urandom(SECRET_BYTES)
    with atomic_path(path) as tmp:
        os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR)  # before a single byte of it is written
        with open(tmp, "wb") as handle:
            handle.write(secret)
    return secret, True
