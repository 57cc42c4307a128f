"""Atomic file writes: a crash mid-write never leaves a half file under the final name."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open folders; its rename is already durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import: os.umask() can only be read by setting it, which races with other threads.
_UMASK = _read_umask()


def _give_usual_permissions(tmp: Path, final: Path) -> None:
    """mkstemp creates files 0600; the result should have the mode a plain open() would give it.

    Replacing an existing file keeps that file's mode, so a file the user locked down stays locked down.
    """
    try:
        mode = final.stat().st_mode & 0o7777 if final.exists() else 0o666 & ~_UMASK
        os.chmod(tmp, mode)
    except OSError:
        pass


@contextlib.contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the same folder as `final`; on success fsync it and rename it over `final`.

    On any exception the temporary file is removed and `final` is left as it was.
    Use this for writers that insist on opening the path themselves (pyarrow, pandas).
    """
    final = Path(final)
    folder = final.parent if str(final.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".partial", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    _give_usual_permissions(tmp, final)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
        _fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_open(final: str | Path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file for writing; it replaces `final` only when the block finishes without error."""
    if "b" in mode:
        encoding = None
    with atomic_path(final) as tmp:
        with open(tmp, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def atomic_write_bytes(final: str | Path, data: bytes) -> None:
    with atomic_open(final, "wb") as handle:
        handle.write(data)


def atomic_write_text(final: str | Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_open(final, "w", encoding=encoding, newline="") as handle:
        handle.write(text)
