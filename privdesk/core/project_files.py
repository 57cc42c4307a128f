"""Project files on disk: the automatic project of a dataset, "Save as" copies, and flushing the log.

A project is a SQLite file in WAL mode: committed work may sit in `<file>-wal` until SQLite
checkpoints it. Copying the main file alone could therefore lose recent decisions, so copies
use SQLite's online backup API, which reads a consistent snapshot through SQLite itself while
the project stays open. The copy is written next to its final name and renamed into place
(privdesk.core.atomic), and the key file that protects the project secret goes with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

from privdesk.core.atomic import atomic_path
from privdesk.core.errors import ProjectError
from privdesk.core.project import PROJECT_SUFFIX, Project, key_file_path

_SAFE_STEM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def automatic_project_path(projects_folder: Path, dataset_path: Path) -> Path:
    """Where the project of a dataset opened without one lives: `<stem>-<8 hex>.privdesk`.

    The hash is of the dataset's absolute path, so opening the same file again finds the same
    project, and two files with the same name in different folders get different projects.
    """
    resolved = Path(dataset_path).expanduser().resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:8]
    stem = "".join(char if char in _SAFE_STEM_CHARS else "_" for char in resolved.stem)[:60] or "dataset"
    return Path(projects_folder) / f"{stem}-{digest}{PROJECT_SUFFIX}"


def with_project_suffix(path: str | Path) -> Path:
    path = Path(path).expanduser()
    return path if path.suffix == PROJECT_SUFFIX else path.with_name(path.name + PROJECT_SUFFIX)


def checkpoint(project: Project) -> None:
    """Move everything committed from the WAL into the main file (so the file alone is complete).

    Uses a connection of its own: SQLite lets any connection checkpoint. A busy reader only makes
    the checkpoint partial, never wrong.
    """
    with contextlib.closing(sqlite3.connect(f"{project.path.as_uri()}?mode=rw", uri=True, timeout=10)) as conn:
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as error:
            raise ProjectError(f"the project could not be saved ({error}).", path=project.path,
                               hint="Close other programs that use the file and try again.") from error


def save_project_as(project: Project, target: str | Path, *, overwrite: bool = False) -> Path:
    """Copy the open project to `target` (".privdesk" appended when missing) and return the new path.

    The copy is a consistent snapshot taken with SQLite's backup API, renamed into place only once
    complete. The project's key file (when it has one) is copied to the target's key file path.
    The project itself stays open and unchanged.
    """
    target = with_project_suffix(target).resolve()
    if target == project.path:
        raise ProjectError("this is the project's own file.", path=target, hint="Choose another name.")
    if target.exists() and not overwrite:
        raise ProjectError("a file of this name already exists.", path=target,
                           hint="Choose another name, or confirm that it may be replaced.")
    source_key, target_key = key_file_path(project.path), key_file_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as temporary:
            with contextlib.closing(sqlite3.connect(f"{project.path.as_uri()}?mode=ro", uri=True, timeout=30)) as src, \
                    contextlib.closing(sqlite3.connect(str(temporary))) as dst:
                src.backup(dst)
                # The copy is a standalone file: no WAL next to it until it is opened.
                dst.execute("PRAGMA journal_mode = DELETE")
            for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
                # A log left by the file being replaced would be replayed into the copy: remove it.
                leftover.unlink(missing_ok=True)
            if source_key.exists():
                with atomic_path(target_key) as temporary_key:
                    shutil.copyfile(source_key, temporary_key)
                    os.chmod(temporary_key, 0o600)
    except sqlite3.Error as error:
        raise ProjectError(f"the project could not be copied ({error}).", path=target,
                           hint="Check that the folder is writable and has free space.") from error
    except OSError as error:
        raise ProjectError(f"the project could not be copied ({error.strerror or error}).", path=target,
                           hint="Check that the folder is writable and has free space.") from error
    return target
