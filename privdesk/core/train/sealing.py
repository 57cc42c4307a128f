"""Authenticated encryption of run files (checkpoints, canaries) under a key from the project secret or a passphrase.

Files are sealed in 4 MiB chunks with AES-256-GCM, so a multi-gigabyte checkpoint needs no second
copy in memory and stays below GCM's per-message limit. Each chunk's nonce is a random per-file
prefix plus the chunk number; the associated data binds the file's purpose ("checkpoint",
"canaries"), the chunk number and a last-chunk flag, so chunks cannot be reordered, dropped,
truncated or moved to a file of another purpose without the tag check failing.

Layout: magic | nonce prefix (8) | plaintext length (u64) | key check (16) | sealed chunks. The key
check value (HKDF of the purpose key) tells a wrong key from a damaged file, and the length tells a
truncated file from a changed one, so each gets its own message. Files of the first layout (no key
check) still open; for them a wrong key and a changed chunk look the same. Sealed files and the
run's key.json are created 0600.

Keys: HKDF-SHA256 of the 32-byte project secret (or of scrypt(passphrase, salt) when there is no
project; the salt and scrypt cost sit in the run folder's key.json), one subkey per purpose.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import stat
import struct
import unicodedata
from pathlib import Path
from typing import IO, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from privdesk.core.atomic import atomic_path
from privdesk.core.project.keys import SCRYPT_N, SCRYPT_P, SCRYPT_R
from privdesk.core.train.errors import TrainingError

MAGIC_V1 = b"PRIVDESK-SEAL-1\n"
MAGIC = b"PRIVDESK-SEAL-2\n"
CHUNK_BYTES = 4 * 1024 * 1024
_TAG_BYTES = 16
_PREFIX_BYTES = 8
_CHECK_BYTES = 16
KEY_FILE = "key.json"
_MAX_SCRYPT_N = 2**22


class SealKey:
    """A 32-byte root key; seal() and open() derive one AES key per purpose from it."""

    def __init__(self, root: bytes, *, origin: str):
        if len(root) != 32:
            raise ValueError("a sealing key needs 32 bytes")
        self._root = root
        self.origin = origin  # "project secret", "secret file" or "passphrase": recorded in run.json, named in errors

    def __repr__(self) -> str:  # never the key
        return f"SealKey(origin={self.origin!r})"

    @classmethod
    def from_secret(cls, secret: bytes, *, origin: str = "project secret") -> "SealKey":
        """From the project secret (Project.project_secret()) or another 32-byte secret (origin "secret file")."""
        return cls(_hkdf(secret, b"privdesk training root v1"), origin=origin)

    @classmethod
    def from_passphrase(cls, passphrase: str, run_dir: str | Path) -> "SealKey":
        """scrypt(passphrase) with the salt in run_dir/key.json, created on first use."""
        if not passphrase:
            raise TrainingError("the passphrase is empty.", hint="Type a passphrase, or train inside a project.")
        path = Path(run_dir) / KEY_FILE
        if path.exists():
            try:
                settings = json.loads(path.read_text(encoding="utf-8"))
                salt = bytes.fromhex(settings["salt"])
                n, r, p = int(settings["n"]), int(settings["r"]), int(settings["p"])
            except (OSError, ValueError, KeyError, TypeError):
                raise TrainingError("is not a PrivDesk key settings file.", path=path) from None
            if not (2 <= n <= _MAX_SCRYPT_N) or n & (n - 1) or not (1 <= r <= 64) or not (1 <= p <= 16):
                raise TrainingError("asks for scrypt costs this program does not accept; refusing it.", path=path)
        else:
            salt, n, r, p = os.urandom(16), SCRYPT_N, SCRYPT_R, SCRYPT_P
            with _private_file(path, "w") as handle:
                handle.write(json.dumps({"kdf": "scrypt", "salt": salt.hex(), "n": n, "r": r, "p": p}, indent=2))
        material = unicodedata.normalize("NFC", passphrase).encode("utf-8")
        stretched = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(material)
        return cls(_hkdf(stretched, b"privdesk training root v1"), origin="passphrase")

    def _aead(self, purpose: str) -> AESGCM:
        return AESGCM(_hkdf(self._root, f"privdesk sealed {purpose}".encode("utf-8")))

    def _check(self, purpose: str) -> bytes:
        return _hkdf(self._root, f"privdesk sealed {purpose} key check".encode("utf-8"))[:_CHECK_BYTES]

    # ---- files -------------------------------------------------------------------------------------

    def seal_to_file(self, path: str | Path, data: bytes | memoryview, purpose: str) -> None:
        """Write `data` encrypted to `path`, atomically."""
        aead = self._aead(purpose)
        prefix = os.urandom(_PREFIX_BYTES)
        view = memoryview(data)
        count = max(1, -(-len(view) // CHUNK_BYTES))
        with _private_file(path, "wb") as handle:
            handle.write(MAGIC + prefix + struct.pack(">Q", len(view)) + self._check(purpose))
            for index in range(count):
                chunk = view[index * CHUNK_BYTES:(index + 1) * CHUNK_BYTES]
                last = index == count - 1
                handle.write(aead.encrypt(_nonce(prefix, index), bytes(chunk), _associated(purpose, index, last)))

    def open_file(self, path: str | Path, purpose: str) -> bytes:
        """The plaintext of a sealed file; TrainingError saying whether the key is wrong, the file is
        truncated, or it was changed."""
        path = Path(path)
        try:
            with open(path, "rb") as handle:
                return self._read(handle, purpose, path)
        except OSError as error:
            raise TrainingError(f"cannot be read ({error.strerror}).", path=path) from None

    def _read(self, handle: IO[bytes], purpose: str, path: Path) -> bytes:
        magic = handle.read(len(MAGIC))
        if magic not in (MAGIC, MAGIC_V1):
            if magic and (MAGIC.startswith(magic) or MAGIC_V1.startswith(magic)):
                raise _truncated(path)
            raise TrainingError("is not a PrivDesk encrypted file.", path=path)
        has_check = magic == MAGIC
        header_size = len(MAGIC) + _PREFIX_BYTES + 8 + (_CHECK_BYTES if has_check else 0)
        header = handle.read(header_size - len(MAGIC))
        if len(header) < header_size - len(MAGIC):
            raise _truncated(path)
        prefix = header[:_PREFIX_BYTES]
        (total,) = struct.unpack(">Q", header[_PREFIX_BYTES:_PREFIX_BYTES + 8])
        if has_check and not hmac.compare_digest(header[_PREFIX_BYTES + 8:], self._check(purpose)):
            raise TrainingError(f"cannot be decrypted with this {self.origin}: the key is wrong (or this is not "
                                f"a {purpose} file).", path=path,
                                hint="Open the project this run belongs to, or type the passphrase the run was "
                                     "started with.")
        count = max(1, -(-total // CHUNK_BYTES))
        expected = header_size + total + count * _TAG_BYTES
        size = os.fstat(handle.fileno()).st_size
        if size < expected:
            raise _truncated(path, size, expected)
        if size > expected:
            raise TrainingError("has bytes after its last encrypted chunk: damaged or changed.", path=path)
        aead = self._aead(purpose)
        plain = bytearray()
        for index in range(count):
            last = index == count - 1
            sealed = handle.read((total - index * CHUNK_BYTES if last else CHUNK_BYTES) + _TAG_BYTES)
            try:
                plain += aead.decrypt(_nonce(prefix, index), sealed, _associated(purpose, index, last))
            except (InvalidTag, ValueError):
                if has_check:
                    raise TrainingError(f"was damaged or changed: its encrypted chunk {index} fails authentication "
                                        "(the key is right).", path=path,
                                        hint="Use an earlier checkpoint, or start the run again.") from None
                raise TrainingError(f"cannot be decrypted with this {self.origin}: the key is wrong, or the file "
                                    "was damaged or changed.", path=path,
                                    hint="Open the project this run belongs to, or type the passphrase the run was "
                                         "started with.") from None
        return bytes(plain)


def _truncated(path: Path, size: int | None = None, expected: int | None = None) -> TrainingError:
    detail = f" (it holds {size:,} of its {expected:,} bytes)" if size is not None else ""
    return TrainingError(f"is truncated{detail}: its writing was interrupted or the copy is incomplete.", path=path,
                         hint="Use an earlier checkpoint, or copy the file again.")


@contextlib.contextmanager
def _private_file(path: str | Path, mode: str) -> Iterator[IO]:
    """An atomic write into a file that is 0600 before the first byte goes in."""
    with atomic_path(path) as tmp:
        try:
            os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR)
        except OSError:  # file systems without POSIX modes
            pass
        with open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def _hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _associated(purpose: str, index: int, last: bool) -> bytes:
    return f"privdesk sealed {purpose}".encode("utf-8") + struct.pack(">Q?", index, last)
