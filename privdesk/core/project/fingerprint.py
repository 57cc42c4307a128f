"""SHA-256 fingerprints of a dataset on disk, so the project notices when its dataset changed.

Review decisions point at character offsets in the dataset; if the file changes under them they
point at the wrong text. The dataset module owns the definition (privdesk.core.dataset.sha256_file)
and this module uses it, so a hash the loader computed and passed to set_dataset() is the same one
verify_dataset() recomputes. Only when that module cannot be imported does the identical fallback
below run: a file is the SHA-256 of its bytes; a folder of .txt files is the SHA-256 of the lines
`<relative path>\\t<sha256 of the file>\\n`, one per visible .txt file at any depth, in sorted path
order, so an added, removed, renamed or edited file changes the fingerprint.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def _sha256_stream(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _visible_text_files(folder: Path) -> list[Path]:
    files = []
    for candidate in folder.rglob("*"):
        relative = candidate.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue  # .DS_Store, editor swap files: not part of the dataset
        if candidate.suffix.lower() == ".txt" and candidate.is_file():
            files.append(candidate)
    return sorted(files, key=lambda item: item.relative_to(folder).as_posix())


def fallback_fingerprint(path: Path) -> str:
    """The fingerprint computed here, without the dataset module (same definition as its sha256_file)."""
    if not path.is_dir():
        return _sha256_stream(path)
    listing = "".join(f"{file.relative_to(path).as_posix()}\t{_sha256_stream(file)}\n"
                      for file in _visible_text_files(path))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def dataset_fingerprint(path: Path) -> str:
    """SHA-256 (hex) of a dataset file, or of a folder of .txt files (see the module docstring).

    Raises OSError or privdesk.core.errors.DatasetError when the path cannot be read.
    """
    try:
        from privdesk.core.dataset import sha256_file
    except ImportError:
        return fallback_fingerprint(path)
    return str(sha256_file(path))
