"""SQLite connections to one project file: one connection per thread, all set up the same way.

Why one per thread rather than one shared connection behind a lock: the GUI thread keeps reading
(the review table, counts) while a worker thread writes a long batch of detections. In WAL mode
readers never wait for a writer, but only if they use their own connection. Writers still take
turns: SQLite serialises them and a connection waits up to BUSY_TIMEOUT_S for the write lock.

Every connection runs with foreign keys on and synchronous=FULL: in WAL mode that fsyncs the log at
each commit, so a committed review decision survives a kill -9 or a power cut. For bulk detection
inserts it costs one fsync per batch, which is nothing next to the insert itself.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

from privdesk.core.errors import ProjectError

BUSY_TIMEOUT_S = 30.0

_CORRUPT_MARKERS = ("malformed", "not a database", "corrupt")


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """Open a connection; without `create`, a missing file is an error rather than a new empty database."""
    mode = "rwc" if create else "rw"
    conn = sqlite3.connect(
        f"{path.as_uri()}?mode={mode}",
        uri=True,
        timeout=BUSY_TIMEOUT_S,
        isolation_level=None,  # autocommit: transactions are explicit BEGIN ... COMMIT below
        check_same_thread=False,  # only so close() may close the connections of other threads
    )
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA temp_store = MEMORY")
        # A bigger page cache (32 MiB, allocated only as used) keeps bulk inserts into indexed tables fast.
        conn.execute("PRAGMA cache_size = -32768")
    except BaseException:
        conn.close()
        raise
    return conn


def project_error_from(error: sqlite3.Error, path: Path) -> ProjectError:
    """Turn a SQLite error into a message the analyst can act on."""
    text = str(error)
    lowered = text.lower()
    if any(marker in lowered for marker in _CORRUPT_MARKERS):
        return ProjectError(f"the project file is corrupt ({text}).", path=path,
                            hint="Restore it from a backup, or create a new project.")
    if "locked" in lowered or "busy" in lowered:
        return ProjectError("the project file is busy: another program or window is writing to it.", path=path,
                            hint="Close the other PrivDesk window or wait for its work to finish, then try again.")
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return ProjectError("the disk is full, so the project could not be saved.", path=path,
                            hint="Free some disk space and try again.")
    if "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
        return ProjectError(f"the project file cannot be written ({text}).", path=path,
                            hint="Check that the file and its folder are writable.")
    if isinstance(error, sqlite3.IntegrityError):
        return ProjectError(f"the change breaks a rule of the project file ({text}).", path=path)
    if isinstance(error, sqlite3.ProgrammingError) and "closed" in lowered:
        return ProjectError("the project is closed.", path=path, hint="Open it again.")
    return ProjectError(f"the project file could not be read or written ({text}).", path=path)


@contextlib.contextmanager
def sqlite_errors_as_project_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as error:
        raise project_error_from(error, path) from error


class ThreadConnections:
    """Hands each thread its own connection to the project file and closes them all on close()."""

    def __init__(self, path: Path, first: sqlite3.Connection | None = None):
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._owned: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._closed = False
        if first is not None:
            self._adopt(first)

    @property
    def closed(self) -> bool:
        return self._closed

    def _adopt(self, conn: sqlite3.Connection) -> None:
        self._local.conn = conn
        self._owned.append((threading.current_thread(), conn))

    def _close_connections_of_finished_threads(self) -> None:
        # Worker threads come and go; their connections would otherwise stay open until close().
        alive = []
        for thread, conn in self._owned:
            if thread.is_alive():
                alive.append((thread, conn))
            else:
                conn.close()
        self._owned = alive

    def get(self) -> sqlite3.Connection:
        if self._closed:
            raise ProjectError("the project is closed.", path=self.path, hint="Open it again.")
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        with self._lock:
            if self._closed:
                raise ProjectError("the project is closed.", path=self.path, hint="Open it again.")
            self._close_connections_of_finished_threads()
            with sqlite_errors_as_project_errors(self.path):
                conn = connect(self.path)
            self._adopt(conn)
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises.

        BEGIN IMMEDIATE takes the write lock up front, so two threads that read and then write
        never deadlock on a lock upgrade.
        """
        conn = self.get()
        with sqlite_errors_as_project_errors(self.path):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot over several queries (a single query needs no block of its own)."""
        conn = self.get()
        with sqlite_errors_as_project_errors(self.path):
            if conn.in_transaction:  # already inside this thread's write or read block
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    @contextlib.contextmanager
    def query(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, with SQLite errors reported as ProjectError."""
        conn = self.get()
        with sqlite_errors_as_project_errors(self.path):
            yield conn

    def close(self) -> None:
        """Close every thread's connection. Call it when no other thread is still using the project."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            owned, self._owned = self._owned, []
        for _, conn in owned:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
