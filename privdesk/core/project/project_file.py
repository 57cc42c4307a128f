"""The Project class: creating and opening the project file, and its dataset reference.

Detections, review decisions, policy/runs/settings, sealed settings and the secret come from mixins,
one module each; the package docstring describes the file as a whole.""" 

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from pathlib import Path
from typing import Literal

from privdesk import __version__
from privdesk.core.errors import PrivDeskError, ProjectError
from privdesk.core.project import keys, schema
from privdesk.core.project.base import json_dump
from privdesk.core.project.connections import (
    ThreadConnections,
    connect,
    project_error_from,
    sqlite_errors_as_project_errors,
)
from privdesk.core.project.detection_table import DetectionTableMixin
from privdesk.core.project.fingerprint import dataset_fingerprint
from privdesk.core.project.policy_runs_settings import PolicyRunsSettingsMixin
from privdesk.core.project.records import PROJECT_SUFFIX, DatasetRef, to_text, utc_now
from privdesk.core.project.review_log import ReviewLogMixin
from privdesk.core.project.sealed_settings import SealedSettingsMixin
from privdesk.core.project.secret_store import SecretStoreMixin
from privdesk.core.types import ColumnRole

_SQLITE_MAGIC = b"SQLite format 3\x00"
DatasetStatus = Literal["ok", "changed", "missing"]


def _project_path(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


def _fingerprint_or_error(dataset_path: Path) -> str:
    try:
        return dataset_fingerprint(dataset_path)
    except (OSError, PrivDeskError) as error:
        problem = error.problem if isinstance(error, PrivDeskError) else (error.strerror or str(error))
        raise ProjectError(f"the dataset cannot be read to fingerprint it ({problem.rstrip('.')}).",
                           path=dataset_path, hint="Check that it exists and is readable.") from None


def _check_header(path: Path) -> None:
    """Name the problem before SQLite does: missing, a folder, empty, or not a SQLite file at all."""
    if not path.exists():
        raise ProjectError("the project file does not exist.", path=path,
                           hint="Check the path, or create a new project.")
    if not path.is_file():
        raise ProjectError("this is not a file.", path=path, hint=f"Choose a {PROJECT_SUFFIX} project file.")
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
    except OSError as error:
        raise ProjectError(f"the project file cannot be read ({error.strerror}).", path=path,
                           hint="Check the file's permissions.") from None
    if not header.startswith(_SQLITE_MAGIC):
        what = "it is empty" if not header else "it is not a SQLite database"
        raise ProjectError(f"this is not a PrivDesk project ({what}).", path=path,
                           hint=f"Choose a {PROJECT_SUFFIX} file made by PrivDesk.")


def _check_identity_and_version(conn: sqlite3.Connection, path: Path) -> int:
    if schema.read_application_id(conn) != schema.APPLICATION_ID:
        raise ProjectError("this is not a PrivDesk project (a SQLite database made by another program).", path=path,
                           hint=f"Choose a {PROJECT_SUFFIX} file made by PrivDesk.")
    version = schema.read_user_version(conn)
    latest = schema.latest_version()
    if version > latest:
        raise ProjectError(
            f"the project was saved by a newer PrivDesk (schema version {version}; this program reads up to {latest}).",
            path=path, hint="Update PrivDesk to open it.")
    if version < 1:
        raise ProjectError("the project file is incomplete: its creation did not finish.", path=path,
                           hint="Create the project again.")
    return version


def _check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    if problems != ["ok"]:
        details = " ".join(" ".join(problems).replace("*** in database main ***", "").split())
        raise ProjectError(f"the project file is corrupt ({details}).", path=path,
                           hint="Restore it from a backup, or create a new project.")


class Project(DetectionTableMixin, ReviewLogMixin, SealedSettingsMixin, PolicyRunsSettingsMixin, SecretStoreMixin):
    """An open PrivDesk project. Make one with Project.create or Project.open, and close it when done.

    Thread safety: every thread gets its own SQLite connection (threading.local), so a worker thread
    can add detections while the GUI thread reads and records decisions. Each write method is one
    transaction. close() closes the connections of all threads; call it once no worker uses the project.
    """

    def __init__(self, path: Path, connections: ThreadConnections, project_id: str):
        """Internal: use Project.create or Project.open."""
        self.path = path
        self._connections = connections
        self.project_id = project_id
        self._secret: bytes | None = None

    # ---- life cycle -------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, *, passphrase: str | None = None) -> "Project":
        """Create a new project file (`.privdesk` is appended when the name lacks it); never overwrites one.

        Without a passphrase the project secret is protected by a key file `<project file>.key`
        created next to it; with one, by the passphrase alone (see the package docstring).
        """
        path = _project_path(path)
        if path.suffix != PROJECT_SUFFIX:
            path = path.with_name(path.name + PROJECT_SUFFIX)
        keys.check_passphrase(passphrase, path)
        key_path = keys.key_file_path(path)
        if passphrase is None and key_path.exists():
            raise ProjectError("a key file for a project of this name already exists.", path=key_path,
                               hint="It may be the only key to another copy of the project: move it away, "
                                    "or choose another project name.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL claims the name atomically: two windows creating the same project cannot both win.
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            raise ProjectError("a file of this name already exists; PrivDesk never overwrites it.", path=path,
                               hint="Choose another name, or open the existing project.") from None
        except OSError as error:
            raise ProjectError(f"the project file cannot be created ({error.strerror}).", path=path,
                               hint="Check that the folder exists and is writable.") from None
        os.close(fd)
        project_id = uuid.uuid4().hex
        secret = keys.new_secret()
        wrote_key_file = False
        try:
            if passphrase is None:
                kek = keys.new_secret()
                keys.write_key_file(key_path, kek, project_id)
                wrote_key_file = True
                wrapped = keys.wrap_with_key(secret, kek, project_id)
            else:
                wrapped = keys.wrap_with_passphrase(secret, passphrase, project_id)
            cls._initialise(path, project_id, wrapped)
        except BaseException as error:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
                leftover.unlink(missing_ok=True)
            if wrote_key_file:
                key_path.unlink(missing_ok=True)
            if isinstance(error, sqlite3.Error):
                raise project_error_from(error, path) from error
            raise
        project = cls.open(path)
        project._secret = secret
        return project

    @staticmethod
    def _initialise(path: Path, project_id: str, wrapped: keys.WrappedSecret) -> None:
        conn = connect(path, create=True)
        try:
            # Everything in one transaction, in rollback-journal mode: a crash leaves an empty file,
            # which open() reports as not a project, never a half-made one.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
            schema.apply_in_open_transaction(conn, 0)
            now = to_text(utc_now())
            conn.executemany("INSERT INTO project_info (key, value) VALUES (?, ?)",
                             [("project_id", project_id), ("created_at", now), ("created_by", f"privdesk {__version__}")])
            conn.execute("INSERT INTO secret_key (id, scheme, kdf, nonce, wrapped, updated_at) VALUES (1, ?, ?, ?, ?, ?)",
                         (wrapped.scheme, keys.kdf_to_json(wrapped.kdf), wrapped.nonce, wrapped.wrapped, now))
            conn.execute("COMMIT")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise ProjectError(f"the project file could not be switched to WAL mode (got {mode}).", path=path,
                                   hint="Keep projects on a local disk.")
        finally:
            conn.close()

    @classmethod
    def open(cls, path: str | Path, *, passphrase: str | None = None) -> "Project":
        """Open an existing project, upgrading an older schema in place.

        With a passphrase, it is checked at once (a wrong one raises ProjectError). Without one the
        project opens and project_secret() asks for it later.
        """
        path = _project_path(path)
        with_suffix = path.with_name(path.name + PROJECT_SUFFIX)
        if not path.exists() and path.suffix != PROJECT_SUFFIX and with_suffix.is_file():
            path = with_suffix  # "study" names study.privdesk, as it does for create()
        _check_header(path)
        try:
            conn = connect(path)
        except sqlite3.Error as error:
            raise project_error_from(error, path) from error
        try:
            with sqlite_errors_as_project_errors(path):
                version = _check_identity_and_version(conn, path)
                _check_integrity(conn, path)
                conn.execute("PRAGMA journal_mode = WAL")
                cls._upgrade(conn, path, version)
                row = conn.execute("SELECT value FROM project_info WHERE key = 'project_id'").fetchone()
            if row is None:
                raise ProjectError("the project file has no project id; it is damaged.", path=path,
                                   hint="Restore it from a backup, or create a new project.")
        except BaseException:
            conn.close()
            raise
        project = cls(path, ThreadConnections(path, first=conn), str(row[0]))
        try:
            if passphrase is not None:
                project.project_secret(passphrase)
            # Not a schema migration: a migration sees only the connection, and a passphrase project
            # has no secret until the passphrase is entered. Without the secret at hand this does
            # nothing, and the first read after unlocking seals instead.
            project._seal_legacy_settings_quietly()
        except BaseException:
            project.close()
            raise
        return project

    @staticmethod
    def _upgrade(conn: sqlite3.Connection, path: Path, version: int) -> None:
        latest = schema.latest_version()
        if version == latest:
            return
        try:
            schema.upgrade(conn, version)
        except ProjectError:
            raise
        except sqlite3.Error as error:
            raise project_error_from(error, path) from error
        except Exception as error:
            raise ProjectError(
                f"the project could not be upgraded from schema version {version} to {latest} ({error}); "
                f"it was left at version {schema.read_user_version(conn)}.", path=path,
                hint="Report this problem; the file itself is intact.") from error

    def close(self) -> None:
        self._connections.close()
        self._secret = None

    @property
    def closed(self) -> bool:
        return self._connections.closed

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<Project {self.name!r} ({state}) at {self.path}>"

    @property
    def name(self) -> str:
        return self.path.name[: -len(PROJECT_SUFFIX)] if self.path.name.endswith(PROJECT_SUFFIX) else self.path.name

    @property
    def key_path(self) -> Path:
        """Where the key file of a project without passphrase lives (it may not exist)."""
        return keys.key_file_path(self.path)

    @property
    def schema_version(self) -> int:
        with self._connections.query() as conn:
            return schema.read_user_version(conn)
    # ---- dataset ----------------------------------------------------------------------------------

    def set_dataset(self, path: str | Path, *, format: str, options: dict, num_rows: int,
                    sha256: str | None = None) -> DatasetRef:
        """Record the dataset this project works on (a reference only: the file is never written).

        Pointing at a moved copy of the same data (same fingerprint, format and options) keeps all
        detections and decisions. Pointing at different data while detections or decisions exist is
        refused, because their offsets would then point at the wrong text: clear them first.
        """
        dataset_path = Path(path).expanduser().resolve()
        if num_rows < 0:
            raise ValueError("num_rows must be >= 0")
        if sha256 is None:
            sha256 = _fingerprint_or_error(dataset_path)
        options_text = json_dump(options, "dataset options")
        with self._connections.write() as conn:
            current = conn.execute("SELECT sha256, format, options FROM dataset WHERE id = 1").fetchone()
            same_data = current is not None and tuple(current) == (sha256, format, options_text)
            if current is not None and not same_data and self._holds_review_work(conn):
                raise ProjectError(
                    "the project already holds detections or decisions for another dataset (or other read options).",
                    path=self.path, hint="Clear the detections and decisions first, or create a new project.")
            conn.execute(
                'INSERT OR REPLACE INTO dataset (id, path, sha256, format, options, num_rows, set_at) '
                'VALUES (1, ?, ?, ?, ?, ?, ?)',
                (str(dataset_path), sha256, format, options_text, int(num_rows), to_text(utc_now())))
        ref = self.dataset_ref()
        assert ref is not None
        return ref

    @staticmethod
    def _holds_review_work(conn: sqlite3.Connection) -> bool:
        return (conn.execute("SELECT EXISTS (SELECT 1 FROM detections)").fetchone()[0]
                or conn.execute("SELECT EXISTS (SELECT 1 FROM decisions)").fetchone()[0])

    def dataset_ref(self) -> DatasetRef | None:
        with self._connections.read() as conn:
            row = conn.execute("SELECT path, sha256, format, options, num_rows FROM dataset WHERE id = 1").fetchone()
            if row is None:
                return None
            roles = self._read_column_roles(conn)
        return DatasetRef(path=Path(row[0]), sha256=row[1], format=row[2], options=json.loads(row[3]),
                          num_rows=row[4], column_roles=roles)

    def dataset_status(self) -> DatasetStatus:
        """"ok" when the dataset on disk still has the recorded fingerprint, else "changed" or "missing"."""
        ref = self.dataset_ref()
        if ref is None:
            raise ProjectError("the project has no dataset yet.", path=self.path, hint="Load a dataset first.")
        if not ref.path.exists():
            return "missing"
        return "ok" if _fingerprint_or_error(ref.path) == ref.sha256 else "changed"

    def verify_dataset(self) -> bool:
        """True when the dataset file (or folder) on disk still has the fingerprint recorded for it."""
        return self.dataset_status() == "ok"

    def set_column_roles(self, roles: dict[str, ColumnRole]) -> None:
        """Replace the column roles (order kept)."""
        rows = []
        for position, (column, role) in enumerate(roles.items()):
            if not isinstance(role, ColumnRole):
                raise TypeError(f"role of column {column!r} must be a ColumnRole, not {type(role).__name__}")
            rows.append((str(column), str(role), position))
        with self._connections.write() as conn:
            conn.execute("DELETE FROM column_roles")
            conn.executemany("INSERT INTO column_roles (column_name, role, position) VALUES (?, ?, ?)", rows)

    def column_roles(self) -> dict[str, ColumnRole]:
        with self._connections.query() as conn:
            return self._read_column_roles(conn)

    @staticmethod
    def _read_column_roles(conn: sqlite3.Connection) -> dict[str, ColumnRole]:
        rows = conn.execute("SELECT column_name, role FROM column_roles ORDER BY position").fetchall()
        return {column: ColumnRole.parse(role) for column, role in rows}
