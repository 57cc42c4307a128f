"""Atomic file writes: a crash mid-write never leaves a half file under the final name.

The data goes to a temporary file beside the final one, named `.<final name>.<8 random>.partial`,
which is renamed over the final name once complete. A process killed mid-write (kill -9, power
loss) cannot delete its temporary file, so the next write to the same final name removes the
temporary files that no live writer holds. Who holds one is told by an advisory lock (flock) that
the writer keeps while it writes: the kernel drops it when the writer dies, however it dies. On
systems without flock (Windows) nothing is swept; there a file in use could not be deleted anyway.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Iterator

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

TEMP_SUFFIX = ".partial"
# mkstemp's random part: 8 characters of this alphabet (tempfile._RandomNameSequence).
_RANDOM_PART = r"[a-z0-9_]{8}"


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


def temporary_name_pattern(final_name: str | None = None) -> re.Pattern[str]:
    """The names atomic_path gives temporary files: for one final name, or (None) for any."""
    name = re.escape(final_name) if final_name is not None else r".+"
    return re.compile(rf"^\.{name}\.{_RANDOM_PART}{re.escape(TEMP_SUFFIX)}$")


def _hold(fd: int) -> bool:
    """Take the writer's lock on `fd` (waits for a sweeper that is looking at the file). False if unsupported."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:  # a file system without locks: write unlocked, and sweepers there never remove anything
        return False
    return True


def _still_linked(fd: int, path: str) -> bool:
    try:
        return os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
    except OSError:
        return False


def _create_held_temporary(folder: Path, final_name: str) -> tuple[Path, int | None]:
    """A new temporary file for `final_name` and the descriptor that holds its lock (None without flock)."""
    while True:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{final_name}.", suffix=TEMP_SUFFIX, dir=folder)
        if fcntl is None:
            os.close(fd)  # Windows cannot rename a file that is still open
            return Path(tmp_name), None
        if not _hold(fd) or _still_linked(fd, tmp_name):
            return Path(tmp_name), fd
        # Another process swept it between mkstemp and the lock (it looked abandoned): make another.
        os.close(fd)


def remove_abandoned_temporaries(folder: str | Path, final_name: str | None = None) -> int:
    """Delete temporary files that killed writers left in `folder`: those of `final_name`, or (None) all of them.

    A file is removed only when no process holds its lock, that is when its writer is gone. Returns
    how many were removed. Without flock (Windows) it removes nothing.
    """
    if fcntl is None:
        return 0
    pattern = temporary_name_pattern(final_name)
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not pattern.match(entry.name):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:  # gone already, a symlink, or not ours to read
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # a live writer holds it (or the file system has no locks: leave it)
                continue
            if _still_linked(fd, entry.path):
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
        finally:
            os.close(fd)
    return removed


@contextlib.contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the same folder as `final`; on success fsync it and rename it over `final`.

    On any exception the temporary file is removed and `final` is left as it was.
    Use this for writers that insist on opening the path themselves (pyarrow, pandas).
    """
    with atomic_paths(final) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_paths(*finals: str | Path) -> Iterator[list[Path]]:
    """Temporary paths for files that belong together (an export and its vault): on success every one is
    fsynced first and only then are they renamed, one right after the other, so the window in which a crash
    leaves a new file beside an old partner is two renames wide, not a whole write. On any exception every
    temporary file is removed and no final file changes."""
    entered: list[tuple[Path, Path, int | None]] = []
    try:
        for final in map(Path, finals):
            folder = final.parent if str(final.parent) else Path(".")
            folder.mkdir(parents=True, exist_ok=True)
            remove_abandoned_temporaries(folder, final.name)
            tmp, lock_fd = _create_held_temporary(folder, final.name)
            entered.append((final, tmp, lock_fd))
            _give_usual_permissions(tmp, final)
        yield [tmp for _, tmp, _ in entered]
        for _, tmp, _ in entered:
            with open(tmp, "rb+") as handle:
                handle.flush()
                os.fsync(handle.fileno())
        for final, tmp, _ in entered:
            os.replace(tmp, final)
        for folder in {final.parent if str(final.parent) else Path(".") for final, _, _ in entered}:
            _fsync_dir(folder)
    except BaseException:
        for _, tmp, _ in entered:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
    finally:
        for _, _, lock_fd in entered:
            if lock_fd is not None:
                os.close(lock_fd)


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
