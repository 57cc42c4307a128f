"""Authenticated encryption of run files (checkpoints, canaries) under a key from the project secret or a passphrase.

Files are sealed in 4 MiB chunks with AES-256-GCM, so a multi-gigabyte checkpoint needs no second
copy in memory and stays below GCM's per-message limit. Each chunk's nonce is a random per-file
prefix plus the chunk number; the associated data binds the file's purpose ("checkpoint",
"canaries"), the chunk number and a last-chunk flag, so chunks cannot be reordered, dropped,
truncated or moved to a file of another purpose without the tag check failing.

Keys: HKDF-SHA256 of the 32-byte project secret (or of scrypt(passphrase, salt) when there is no
project; the salt and scrypt cost sit in the run folder's key.json), one subkey per purpose.
"""

from __future__ import annotations

import json
import os
import struct
import unicodedata
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from privdesk.core.atomic import atomic_open, atomic_write_text
from privdesk.core.train.errors import TrainingError

MAGIC = b"PRIVDESK-SEAL-1\n"
CHUNK_BYTES = 4 * 1024 * 1024
_TAG_BYTES = 16
_PREFIX_BYTES = 8
KEY_FILE = "key.json"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


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
            if n > 2**22 or r > 64 or p > 16:
                raise TrainingError("asks for absurd scrypt costs; refusing it.", path=path)
        else:
            salt, n, r, p = os.urandom(16), SCRYPT_N, SCRYPT_R, SCRYPT_P
            atomic_write_text(path, json.dumps({"kdf": "scrypt", "salt": salt.hex(), "n": n, "r": r, "p": p}, indent=2))
        material = unicodedata.normalize("NFC", passphrase).encode("utf-8")
        stretched = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(material)
        return cls(_hkdf(stretched, b"privdesk training root v1"), origin="passphrase")

    def _aead(self, purpose: str) -> AESGCM:
        return AESGCM(_hkdf(self._root, f"privdesk sealed {purpose}".encode("utf-8")))

    # ---- files -------------------------------------------------------------------------------------

    def seal_to_file(self, path: str | Path, data: bytes | memoryview, purpose: str) -> None:
        """Write `data` encrypted to `path`, atomically."""
        aead = self._aead(purpose)
        prefix = os.urandom(_PREFIX_BYTES)
        view = memoryview(data)
        count = max(1, -(-len(view) // CHUNK_BYTES))
        with atomic_open(path, "wb") as handle:
            handle.write(MAGIC + prefix + struct.pack(">Q", len(view)))
            for index in range(count):
                chunk = view[index * CHUNK_BYTES:(index + 1) * CHUNK_BYTES]
                last = index == count - 1
                handle.write(aead.encrypt(_nonce(prefix, index), bytes(chunk), _associated(purpose, index, last)))

    def open_file(self, path: str | Path, purpose: str) -> bytes:
        """The plaintext of a sealed file; TrainingError when the key is wrong or the file was changed."""
        path = Path(path)
        aead = self._aead(purpose)
        try:
            with open(path, "rb") as handle:
                return _read_chunks(handle, aead, purpose, path, self.origin)
        except OSError as error:
            raise TrainingError(f"cannot be read ({error.strerror}).", path=path) from None


def _read_chunks(handle: IO[bytes], aead: AESGCM, purpose: str, path: Path, origin: str) -> bytes:
    header = handle.read(len(MAGIC) + _PREFIX_BYTES + 8)
    if len(header) < len(MAGIC) + _PREFIX_BYTES + 8 or not header.startswith(MAGIC):
        raise TrainingError("is not a PrivDesk encrypted file.", path=path)
    prefix = header[len(MAGIC):len(MAGIC) + _PREFIX_BYTES]
    (total,) = struct.unpack(">Q", header[-8:])
    count = max(1, -(-total // CHUNK_BYTES))
    plain = bytearray()
    for index in range(count):
        last = index == count - 1
        size = (total - index * CHUNK_BYTES if last else CHUNK_BYTES) + _TAG_BYTES
        sealed = handle.read(size)
        try:
            plain += aead.decrypt(_nonce(prefix, index), sealed, _associated(purpose, index, last))
        except (InvalidTag, ValueError):
            raise TrainingError(f"cannot be decrypted with this {origin}: the key is wrong, or the file was "
                                "damaged or changed.", path=path,
                                hint="Open the project this run belongs to, or type the passphrase the run was "
                                     "started with.") from None
    if handle.read(1):
        raise TrainingError("has bytes after its last encrypted chunk: damaged or changed.", path=path)
    return bytes(plain)


def _hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _associated(purpose: str, index: int, last: bool) -> bytes:
    return f"privdesk sealed {purpose}".encode("utf-8") + struct.pack(">Q?", index, last)
