"""The re-identification vault: how to undo a masking run, encrypted under a passphrase.

For every replaced region it holds the original text with its record, column, offsets in the
masked output, entity type and operator (plus, per cell, whether a CSV formula guard was added and
the original value's type), so `reidentify` can give back the input exactly.

File layout (all integers big-endian):

    b"PDVAULT\\x01"  | u32 header length | header (JSON) | chunks: u32 length | AES-GCM ciphertext ...

The header holds the format version, the project id the vault is bound to, the scrypt parameters
and salt, a random nonce prefix and a key check value. The key is scrypt(passphrase), expanded with
HKDF into an encryption key and the check value, so a wrong passphrase is told apart from a modified
file. The body is a sequence of chunks (zlib-compressed JSON lines) sealed with AES-GCM as in the
STREAM construction: nonce = prefix | chunk counter | last-chunk flag, and the SHA-256 of the
header as associated data. So reordering, dropping, truncating or appending chunks, or editing the
header (the project id included), makes decryption fail, and the reader says so instead of
returning garbage. The reader authenticates the whole file before it hands out a single entry.
The file is created with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import struct
import unicodedata
import zlib
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from privdesk.core.mask.errors import VaultError
from privdesk.core.mask.masker import Replacement
from privdesk.core.project.keys import SCRYPT_N, SCRYPT_P, SCRYPT_R

MAGIC = b"PDVAULT\x01"
FORMAT = "privdesk-vault"
VERSION = 1
_CHUNK_PLAINTEXT_BYTES = 512 * 1024
_MAX_CHUNK_BYTES = 64 * 1024 * 1024
_MAX_HEADER_BYTES = 64 * 1024
_MAX_SCRYPT_N = 2**22
_NONCE_PREFIX_BYTES = 7


def _normalised_passphrase(passphrase: str, path: Path) -> bytes:
    if not passphrase:
        raise VaultError("the vault passphrase is empty.", path=path, hint="Put a passphrase in the passphrase file.")
    # The same passphrase typed on another system may arrive in another Unicode normal form.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive_keys(passphrase: bytes, kdf: dict) -> tuple[bytes, bytes]:
    master = Scrypt(salt=kdf["salt"], length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(passphrase)
    expanded = HKDF(algorithm=hashes.SHA256(), length=48, salt=None, info=b"privdesk vault v1 keys").derive(master)
    return expanded[:32], expanded[32:]


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


def read_passphrase_file(path: str | Path) -> str:
    """The passphrase in a file: its text without the final line break."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VaultError("the passphrase file does not exist.", path=path) from None
    except UnicodeDecodeError:
        raise VaultError("the passphrase file is not UTF-8 text.", path=path) from None
    except OSError as error:
        raise VaultError(f"the passphrase file cannot be read ({error.strerror}).", path=path) from None
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise VaultError("the passphrase file is empty.", path=path, hint="Write the passphrase into it.")
    return text


class VaultWriter:
    """Writes a vault to `path` (give it a temporary path and rename it once the export is complete).

    Entries must be added in record order; `close(trailer)` seals the last chunk.
    """

    def __init__(self, path: str | Path, passphrase: str, *, project_id: str, meta: dict[str, Any]):
        self.path = Path(path)
        salt = os.urandom(16)
        kdf = {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt}
        self._key, check = _derive_keys(_normalised_passphrase(passphrase, self.path), kdf)
        self._prefix = os.urandom(_NONCE_PREFIX_BYTES)
        header = {
            "format": FORMAT, "version": VERSION, "project_id": project_id,
            "kdf": {**kdf, "salt": base64.b64encode(salt).decode("ascii")},
            "nonce_prefix": base64.b64encode(self._prefix).decode("ascii"),
            "key_check": base64.b64encode(check).decode("ascii"),
        }
        header_bytes = json.dumps(header, sort_keys=True).encode("utf-8")
        self._associated = hashlib.sha256(MAGIC + header_bytes).digest()
        self._aead = AESGCM(self._key)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._handle: BinaryIO = os.fdopen(fd, "wb")
        _restrict(self.path)
        self._handle.write(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes)
        self._lines: list[bytes] = []
        self._buffered = 0
        self._counter = 0
        self.entries = 0
        self.closed = False
        self._add({"type": "meta", **meta})

    def _add(self, item: dict[str, Any]) -> None:
        line = json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
        self._lines.append(line)
        self._buffered += len(line) + 1
        if self._buffered >= _CHUNK_PLAINTEXT_BYTES:
            self._seal(last=False)

    def _seal(self, *, last: bool) -> None:
        plaintext = zlib.compress(b"\n".join(self._lines), 6)
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), plaintext, self._associated)
        self._handle.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1
        self._lines = []
        self._buffered = 0

    def add_replacement(self, record: int, column: str, replacement: Replacement, original: str) -> None:
        self._add({"type": "r", "r": record, "c": column, "s": replacement.new_start, "e": replacement.new_end,
                   "o": original, "t": replacement.entity_type, "op": replacement.operator})
        self.entries += 1

    def add_cell_note(self, record: int, column: str, *, kind: str | None = None, escaped: bool = False) -> None:
        """What reidentify needs besides the replacements: the original value's type, a CSV formula guard."""
        note: dict[str, Any] = {"type": "cell", "r": record, "c": column}
        if kind is not None:
            note["kind"] = kind
        if escaped:
            note["esc"] = True
        self._add(note)

    def end_batch(self, next_record: int) -> None:
        """Everything about records before `next_record` has been written (lets the reader work batch by batch)."""
        self._add({"type": "batch", "end": next_record})

    def close(self, trailer: dict[str, Any] | None = None) -> None:
        if self.closed:
            return
        self._add({"type": "end", "entries": self.entries, **(trailer or {})})
        self._seal(last=True)
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self.closed = True

    def abort(self) -> None:
        if not self.closed:
            self._handle.close()
            self.closed = True


def _restrict(path: Path) -> None:
    try:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    except OSError:  # file systems without POSIX modes
        pass


class VaultReader:
    """Opens a vault: checks the passphrase and project, authenticates every chunk, then serves entries."""

    def __init__(self, path: str | Path, passphrase: str, *, expected_project_id: str | None = None):
        self.path = Path(path)
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            raise VaultError("the vault file does not exist.", path=self.path) from None
        except OSError as error:
            raise VaultError(f"the vault file cannot be read ({error.strerror}).", path=self.path) from None
        self._size = size
        with self._open() as handle:
            self.header, self._body_offset, self._associated = self._read_header(handle)
        self.project_id = str(self.header.get("project_id", ""))
        if expected_project_id is not None and self.project_id != expected_project_id:
            raise VaultError("this vault belongs to another project.", path=self.path,
                             hint="Use the vault that was written when this project's data was masked.")
        kdf = self._kdf()
        key, check = _derive_keys(_normalised_passphrase(passphrase, self.path), kdf)
        if not hmac.compare_digest(check, self._b64(self.header.get("key_check"), "key check")):
            raise VaultError("the passphrase is wrong (or the vault's header was changed).", path=self.path,
                             hint="Use the passphrase the vault was written with.")
        self._aead = AESGCM(key)
        self._prefix = self._b64(self.header.get("nonce_prefix"), "nonce prefix")
        if len(self._prefix) != _NONCE_PREFIX_BYTES:
            raise self._damaged("the nonce prefix has the wrong length")
        self.meta: dict[str, Any] = {}
        self.trailer: dict[str, Any] = {}
        count = 0
        for index, item in enumerate(self._items()):
            if (index == 0) != (item["type"] == "meta"):
                raise self._damaged("its first entry is not its description")
            if item["type"] == "meta":
                self.meta = item
            elif item["type"] == "end":
                self.trailer = item
            count += item["type"] == "r"
        if count != self.trailer.get("entries"):
            raise self._damaged("the number of entries does not match its trailer")

    def _open(self) -> BinaryIO:
        try:
            return open(self.path, "rb")
        except OSError as error:
            raise VaultError(f"the vault file cannot be read ({error.strerror}).", path=self.path) from None

    def _damaged(self, detail: str) -> VaultError:
        return VaultError(f"the vault was modified or is damaged ({detail}).", path=self.path,
                          hint="Restore the vault from a backup; a changed vault is never used.")

    def _b64(self, value: Any, name: str) -> bytes:
        try:
            return base64.b64decode(str(value), validate=True)
        except (ValueError, TypeError):
            raise self._damaged(f"its {name} is not valid") from None

    def _read_header(self, handle: BinaryIO) -> tuple[dict, int, bytes]:
        magic = handle.read(len(MAGIC))
        if magic != MAGIC:
            if magic[:7] == MAGIC[:7]:
                raise VaultError("the vault was written by a newer PrivDesk.", path=self.path, hint="Update PrivDesk.")
            raise VaultError("this is not a PrivDesk re-identification vault.", path=self.path)
        raw_length = handle.read(4)
        if len(raw_length) != 4:
            raise self._damaged("it ends inside its header")
        (length,) = struct.unpack(">I", raw_length)
        if length > _MAX_HEADER_BYTES:
            raise self._damaged("its header is too long")
        header_bytes = handle.read(length)
        if len(header_bytes) != length:
            raise self._damaged("it ends inside its header")
        try:
            header = json.loads(header_bytes)
        except (ValueError, UnicodeDecodeError):
            raise self._damaged("its header is not readable") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise self._damaged("its header does not describe a vault")
        if header.get("version") != VERSION:
            raise VaultError(f"the vault has version {header.get('version')}, which this PrivDesk cannot read.",
                             path=self.path, hint="Update PrivDesk.")
        return header, len(MAGIC) + 4 + length, hashlib.sha256(MAGIC + header_bytes).digest()

    def _kdf(self) -> dict:
        raw = self.header.get("kdf")
        try:
            kdf = {"name": raw["name"], "n": int(raw["n"]), "r": int(raw["r"]), "p": int(raw["p"]),
                   "salt": self._b64(raw["salt"], "salt")}
        except (KeyError, TypeError, ValueError):
            raise self._damaged("its key parameters are not readable") from None
        if kdf["name"] != "scrypt" or not (2 <= kdf["n"] <= _MAX_SCRYPT_N) or kdf["n"] & (kdf["n"] - 1) \
                or not (1 <= kdf["r"] <= 32) or not (1 <= kdf["p"] <= 16):
            raise self._damaged("its key parameters are out of range")
        return kdf

    def _chunks(self) -> Iterator[bytes]:
        with self._open() as handle:
            handle.seek(self._body_offset)
            counter = 0
            finished = False
            while True:
                raw_length = handle.read(4)
                if not raw_length:
                    break
                if finished:
                    raise self._damaged("there is data after its last chunk")
                if len(raw_length) != 4:
                    raise self._damaged("it ends inside a chunk")
                (length,) = struct.unpack(">I", raw_length)
                if length > _MAX_CHUNK_BYTES:
                    raise self._damaged("a chunk is too long")
                sealed = handle.read(length)
                if len(sealed) != length:
                    raise self._damaged("it is truncated")
                plaintext = None
                for last in (False, True):
                    try:
                        plaintext = self._aead.decrypt(_nonce(self._prefix, counter, last), sealed, self._associated)
                    except InvalidTag:
                        continue
                    finished = last
                    break
                if plaintext is None:
                    raise self._damaged(f"chunk {counter} fails authentication")
                try:
                    yield zlib.decompress(plaintext)
                except zlib.error:
                    raise self._damaged(f"chunk {counter} does not decompress") from None
                counter += 1
            if not finished:
                raise self._damaged("it is truncated: its last chunk is missing")

    def _items(self) -> Iterator[dict[str, Any]]:
        for chunk in self._chunks():
            for line in chunk.split(b"\n"):
                if not line:
                    continue
                try:
                    item = json.loads(line.decode("utf-8", "surrogatepass"))
                except ValueError:
                    raise self._damaged("an entry is not readable") from None
                if not isinstance(item, dict) or "type" not in item:
                    raise self._damaged("an entry has no type")
                yield item

    def entries(self) -> Iterator[dict[str, Any]]:
        """Replacements ("r"), cell notes ("cell") and batch ends ("batch"), in the order they were written."""
        for item in self._items():
            if item["type"] in ("r", "cell", "batch"):
                yield item
