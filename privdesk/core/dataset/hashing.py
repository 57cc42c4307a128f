"""Content hashes for the project file's reference to its dataset."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .source import check_readable, os_errors_as_dataset_errors
from .text_reader import list_text_files

_CHUNK_BYTES = 1024 * 1024


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file, read in chunks (hex). For a folder of .txt files (a txtdir dataset): the
    SHA-256 of its listing, one 'relative/path<TAB>file-sha256' line per .txt file in sorted order, so
    adding, removing, renaming or editing any file changes the hash."""
    path = Path(path)
    check_readable(path)
    with os_errors_as_dataset_errors(path):
        if not path.is_dir():
            return _file_digest(path)
        listing = "".join(f"{file.relative_to(path).as_posix()}\t{_file_digest(file)}\n" for file in list_text_files(path))
        return hashlib.sha256(listing.encode("utf-8")).hexdigest()
