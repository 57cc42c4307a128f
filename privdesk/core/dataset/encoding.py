"""Text encodings: detect them from bytes, check them, and refuse binary files early.

Detection order: a byte-order mark decides (UTF-8-sig, UTF-16, UTF-32); then UTF-16 without a mark
when every other byte of the sample is zero (Latin-script text as some Windows tools write it), with a
warning; otherwise the whole file is checked as UTF-8 in streaming chunks (one bad byte deep in a
large file would otherwise surface mid-way through a read); otherwise cp1252, the usual encoding of
spreadsheet exports on Windows, with a warning (which also says when parts of the file are UTF-8);
latin-1 as the last resort because it decodes any byte.

The same passes look for NUL bytes: the first 64 KiB decide whether a file is binary, and a NUL
byte further in is refused too, so where the damage sits does not change the outcome.
"""

from __future__ import annotations

import array
import codecs
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from privdesk.core.errors import DatasetError

SAMPLE_BYTES = 64 * 1024
_SCAN_CHUNK = 1024 * 1024
_MIXED_SCAN_BYTES = 16 * 1024 * 1024

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_CONTROL_CHARS = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r", "\f", "\x0b"}


@dataclass
class EncodingChoice:
    """The encoding a text file is read with, and what the analyst should know about the choice."""

    name: str
    warnings: list[str] = field(default_factory=list)


def normalize_encoding(name: str, path: Path) -> str:
    """The codec's canonical name, or a DatasetError when Python has no such codec."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise DatasetError(
            f"unknown text encoding {name!r}.",
            path=path,
            hint="Use a Python codec name such as utf-8, utf-8-sig, utf-16, cp1252 or latin-1.",
        ) from None


def read_head(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def bom_encoding(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def refuse_binary(path: Path, head: bytes, encoding: str | None = None) -> None:
    """Raise a DatasetError for compressed archives and binary files posing as text."""
    if head.startswith(_GZIP_MAGIC):
        raise DatasetError("is a gzip-compressed file, not plain text.", path=path,
                           hint="Decompress it first (for example with gunzip) and open the result.")
    if head.startswith(b"PAR1"):
        raise DatasetError("is a Parquet file, not plain text.", path=path,
                           hint="Rename it to .parquet or choose the parquet format.")
    if head.startswith(_ZIP_MAGIC):
        raise DatasetError("is a ZIP archive (an Excel .xlsx workbook is one), not plain text.", path=path,
                           hint="Extract it, or export the sheet as CSV, and open that file.")
    wide = encoding is not None and codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    if b"\x00" in head and not wide and bom_encoding(head) not in ("utf-16", "utf-32"):
        if _text_but_for_nul_bytes(head):
            refuse_nul_byte(path, head, 0)  # say where, as for a NUL byte further in
        raise DatasetError("contains binary data (NUL bytes), so it is not a text file.", path=path,
                           hint="If it is UTF-16 text without a byte-order mark, pass the encoding "
                                "(utf-16-le or utf-16-be); otherwise open the original data file.")


def _text_but_for_nul_bytes(head: bytes) -> bool:
    """A few NUL bytes in what is otherwise clean UTF-8 text: a damaged text file, not a binary one
    (nor UTF-16, where every other byte of Latin text is NUL)."""
    if head.count(b"\x00") * 10 > len(head):
        return False
    rest = head.replace(b"\x00", b"")
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(rest, final=False)
    controls = sum(1 for char in text if char in _CONTROL_CHARS)
    return bool(text.strip()) and "\ufffd" not in text and controls <= len(text) // 100


def bomless_utf16(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for a sample without a byte-order mark in which every other byte is
    zero and the others never are, and that decodes to clean text; else None."""
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    for name, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) < 0.9 * len(zeros) or others.count(0):
            continue
        text = codecs.getincrementaldecoder(name)(errors="replace").decode(sample, final=False)
        controls = sum(1 for char in text if char in _CONTROL_CHARS)
        if "\ufffd" not in text and controls <= len(text) // 100:
            return name
    return None


def refuse_control_characters(path: Path, text: str) -> None:
    """A text that decodes but is full of control characters is a binary file in disguise."""
    if not text:
        return
    controls = sum(1 for char in text if char in _CONTROL_CHARS)
    if controls > max(8, len(text) // 20):
        raise DatasetError("looks like a binary file: it is full of control characters, not text.", path=path,
                           hint="Open the original text data file instead.")


def _split_incomplete_utf8_tail(data: bytes) -> tuple[bytes, bytes]:
    """Split off the start of a multi-byte UTF-8 character cut by the end of a chunk."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:  # a continuation byte: keep looking for the lead byte
            continue
        if byte >= 0xC0:
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            if needed > back:
                return data[:-back], data[-back:]
        break
    return data, b""


def _line_of_offset(path: Path, offset: int) -> int:
    lines = 1
    with open(path, "rb") as handle:
        while offset > 0 and (chunk := handle.read(min(_SCAN_CHUNK, offset))):
            lines += chunk.count(b"\n")
            offset -= len(chunk)
    return lines


def refuse_nul_byte(path: Path, chunk: bytes, chunk_offset: int) -> None:
    """A DatasetError naming the line of the first NUL byte in `chunk` (which starts at `chunk_offset`)."""
    index = chunk.find(b"\x00")
    if index == -1:
        return
    offset = chunk_offset + index
    raise DatasetError(f"has a NUL byte on line {_line_of_offset(path, offset):,} (byte {offset:,}); text files hold "
                       "none, so it is damaged or is not text.", path=path,
                       hint="Remove the NUL bytes or export the data again; if it is UTF-16 text without a "
                            "byte-order mark, pass the encoding (utf-16-le or utf-16-be).")


def _is_utf8(path: Path) -> bool:
    """Validate the whole file as UTF-8 with Arrow, which checks bytes without building Python strings.

    Refuses a NUL byte anywhere up to the first invalid byte (the fallback passes check the rest).
    """
    carry = b""
    offset = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_SCAN_CHUNK):
            refuse_nul_byte(path, chunk, offset)
            offset += len(chunk)
            if not carry and chunk.isascii():
                continue
            body, carry = _split_incomplete_utf8_tail(carry + chunk if carry else chunk)
            # One binary value over the chunk's own bytes (no copy); casting it to string validates it.
            offsets = pa.py_buffer(array.array("i", [0, len(body)]).tobytes())
            value = pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(body)])
            try:
                value.cast(pa.string())
            except pa.ArrowInvalid:
                return False
    return not carry


def _decodes_fully(path: Path, encoding: str) -> tuple[bool, bool]:
    """(whether the whole file decodes, whether it holds UTF-8 sequences); refuses NUL bytes."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    utf8_seen = False
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_SCAN_CHUNK):
                refuse_nul_byte(path, chunk, offset)
                offset += len(chunk)
                if not utf8_seen and offset <= _MIXED_SCAN_BYTES:  # a hint for the warning: a prefix will do
                    utf8_seen = _holds_utf8_characters(chunk)
                decoder.decode(chunk, final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, utf8_seen
    return True, utf8_seen


def _holds_utf8_characters(chunk: bytes) -> bool:
    """Whether some non-ASCII bytes form valid UTF-8 characters: in a file that is not UTF-8 as a
    whole, that part of it is (it mixes encodings). Only C-speed string operations."""
    text = chunk.decode("utf-8", errors="replace")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii > text.count("\ufffd")


def _refuse_nul_bytes_anywhere(path: Path) -> None:
    offset = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_SCAN_CHUNK):
            refuse_nul_byte(path, chunk, offset)
            offset += len(chunk)


def _mixed_note(utf8_seen: bool) -> str:
    if not utf8_seen:
        return ""
    return (" Parts of it are UTF-8, so it mixes encodings: those parts show as \u00c3\u00a9-style characters; "
            "convert the file to one encoding first.")


def detect_encoding(path: Path, head: bytes | None = None) -> EncodingChoice:
    """Pick the encoding of a text file (see the module docstring for the order)."""
    head = read_head(path) if head is None else head
    from_bom = bom_encoding(head)
    if from_bom:
        return EncodingChoice(from_bom)
    if _is_utf8(path):
        return EncodingChoice("utf-8")
    cp1252, utf8_seen = _decodes_fully(path, "cp1252")
    if cp1252:
        return EncodingChoice("cp1252", [
            f"{path.name}: not valid UTF-8; read as cp1252 (Windows Western European). "
            "Check accented characters, or pass the right encoding." + _mixed_note(utf8_seen)])
    _refuse_nul_bytes_anywhere(path)  # the cp1252 pass stopped at its first undecodable byte
    return EncodingChoice("latin-1", [
        f"{path.name}: neither UTF-8 nor cp1252; read as latin-1, which accepts any byte. "
        "Characters may be wrong: pass the right encoding." + _mixed_note(utf8_seen)])


def choose_encoding(path: Path, requested: str | None, head: bytes | None = None) -> EncodingChoice:
    """The requested encoding (checked) or a detected one; binary files are refused either way."""
    head = read_head(path) if head is None else head
    if requested:
        name = normalize_encoding(requested, path)
        refuse_binary(path, head, name)
        if name == "utf-8" and head.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"  # the same text; the BOM must not end up glued to the first value
        return EncodingChoice(name)
    if bom_encoding(head) is None and (utf16 := bomless_utf16(head)):
        return EncodingChoice(utf16, [f"{path.name}: no byte-order mark, but every other byte is zero: read as "
                                      f"{utf16.upper()}. Pass the encoding if that is wrong."])
    refuse_binary(path, head)
    return detect_encoding(path, head)


def decode_sample(path: Path, head: bytes, encoding: str) -> str:
    """Decode the first bytes of a file, tolerating a multi-byte character cut at the sample's end."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(head, final=False)
    except UnicodeDecodeError as error:
        raise DatasetError(f"cannot be decoded as {encoding} (byte {error.start}).", path=path,
                           hint="Pass the right encoding (for example cp1252 or utf-16).") from None
