"""The project file's schema and the ordered migrations that build it.

`PRAGMA user_version` holds the schema version of a file. Migration N takes a file from version N-1
to version N; migration 1 creates the schema from nothing. A later version appends a step to
MIGRATIONS and never edits an earlier one, because files written by older releases replay them.
Each step runs in its own transaction together with the version bump, so a crash mid-upgrade leaves
the file at the last version that finished.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Callable, Sequence

# "PDsk": marks a SQLite file as a PrivDesk project, so any other SQLite file is refused by name.
APPLICATION_ID = int.from_bytes(b"PDsk", "big")


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _run_statements(statements: Sequence[str]) -> Callable[[sqlite3.Connection], None]:
    # executescript() would commit the surrounding transaction first, so run the statements one by one.
    def apply(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return apply


# Detections and decisions hold offsets and entity types, never the text they point at.
_SCHEMA_V1 = (
    """CREATE TABLE project_info (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE dataset (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        format TEXT NOT NULL,
        options TEXT NOT NULL,
        num_rows INTEGER NOT NULL CHECK (num_rows >= 0),
        set_at TEXT NOT NULL
    )""",
    """CREATE TABLE column_roles (
        column_name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        position INTEGER NOT NULL
    )""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        params TEXT NOT NULL,
        results TEXT NOT NULL,
        artefacts TEXT NOT NULL
    )""",
    """CREATE TABLE detections (
        id INTEGER PRIMARY KEY,
        record INTEGER NOT NULL CHECK (record >= 0),
        column_name TEXT NOT NULL,
        start INTEGER NOT NULL CHECK (start >= 0),
        "end" INTEGER NOT NULL,
        entity_type TEXT NOT NULL,
        score REAL NOT NULL,
        recognizer TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        CHECK ("end" >= start)
    )""",
    "CREATE INDEX detections_by_record ON detections(record)",
    "CREATE INDEX detections_by_type ON detections(entity_type)",
    """CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        step INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('accept', 'reject', 'relabel', 'add', 'resize')),
        detection_id INTEGER REFERENCES detections(id) ON DELETE CASCADE,
        added_span INTEGER REFERENCES decisions(id) ON DELETE CASCADE,
        record INTEGER NOT NULL CHECK (record >= 0),
        column_name TEXT NOT NULL,
        start INTEGER,
        "end" INTEGER,
        entity_type TEXT,
        state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'undone', 'discarded')),
        created_at TEXT NOT NULL,
        CHECK (detection_id IS NULL OR added_span IS NULL)
    )""",
    "CREATE INDEX decisions_by_record ON decisions(record, state)",
    "CREATE INDEX decisions_by_detection ON decisions(detection_id)",
    "CREATE INDEX decisions_by_added_span ON decisions(added_span)",
    "CREATE INDEX decisions_by_state_step ON decisions(state, step)",
    "CREATE INDEX decisions_by_step ON decisions(step)",
    """CREATE TABLE decision_history (
        id INTEGER PRIMARY KEY,
        decision_id INTEGER NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
        event TEXT NOT NULL CHECK (event IN ('record', 'undo', 'redo', 'discard')),
        at TEXT NOT NULL
    )""",
    "CREATE INDEX decision_history_by_decision ON decision_history(decision_id)",
    """CREATE TABLE policy (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL,
        yaml_text TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE secret_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        scheme TEXT NOT NULL CHECK (scheme IN ('passphrase', 'keyfile')),
        kdf TEXT,
        nonce BLOB NOT NULL,
        wrapped BLOB NOT NULL,
        updated_at TEXT NOT NULL
    )""",
)

MIGRATIONS: list[Migration] = [
    Migration(1, "create the schema", _run_statements(_SCHEMA_V1)),
]


def latest_version(migrations: Sequence[Migration] | None = None) -> int:
    """The version a file has after every migration ran (read at call time, so tests can extend MIGRATIONS)."""
    steps = MIGRATIONS if migrations is None else migrations
    check_migrations(steps)
    return steps[-1].version if steps else 0


SCHEMA_VERSION: int = MIGRATIONS[-1].version


def check_migrations(migrations: Sequence[Migration]) -> None:
    """Migrations must be numbered 1, 2, 3, ... with no gap, or a file could skip a step."""
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise RuntimeError(f"migration list is out of order: expected version {expected}, found {migration.version}")


def read_user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def read_application_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA application_id").fetchone()[0])


def pending_migrations(current: int) -> list[Migration]:
    check_migrations(MIGRATIONS)
    return [migration for migration in MIGRATIONS if migration.version > current]


def apply_in_open_transaction(conn: sqlite3.Connection, current: int) -> int:
    """Run every pending step inside the caller's transaction (project creation); returns the new version."""
    version = current
    for migration in pending_migrations(current):
        migration.apply(conn)
        version = migration.version
    # PRAGMA takes no parameters; the version is an int we computed, never user text.
    conn.execute(f"PRAGMA user_version = {int(version)}")
    return version


def upgrade(conn: sqlite3.Connection, current: int) -> int:
    """Bring an existing file up to date, one transaction per step; returns the new version.

    A step that fails rolls back alone and the exception propagates; the file stays at the last
    version that finished.
    """
    version = current
    for migration in pending_migrations(current):
        conn.execute("BEGIN IMMEDIATE")
        try:
            migration.apply(conn)
            conn.execute(f"PRAGMA user_version = {int(migration.version)}")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        version = migration.version
    return version
