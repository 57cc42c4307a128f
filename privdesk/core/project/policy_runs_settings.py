"""The masking policy, runs (detection, training, evaluation) and project settings."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from privdesk.core.errors import ProjectError
from privdesk.core.project.base import ProjectBase, json_dump
from privdesk.core.project.records import RUN_STATUSES, Run, from_text, to_text, utc_now

RUN_COLUMNS = "id, kind, status, created_at, updated_at, params, results, artefacts"


def run_from_row(row: Sequence) -> Run:
    return Run(id=row[0], kind=row[1], status=row[2], created_at=from_text(row[3]), updated_at=from_text(row[4]),
               params=json.loads(row[5]), results=json.loads(row[6]),
               artefacts={name: Path(value) for name, value in json.loads(row[7]).items()})


class PolicyRunsSettingsMixin(ProjectBase):
    """Project methods for the masking policy, runs and settings."""

    # ---- masking policy ---------------------------------------------------------------------------

    def set_policy(self, yaml_text: str, name: str) -> None:
        with self._connections.write() as conn:
            conn.execute("INSERT OR REPLACE INTO policy (id, name, yaml_text, updated_at) VALUES (1, ?, ?, ?)",
                         (name, yaml_text, to_text(utc_now())))

    def policy(self) -> tuple[str, str] | None:
        """(yaml_text, name) of the project's masking policy, or None when none was set."""
        with self._connections.query() as conn:
            row = conn.execute("SELECT yaml_text, name FROM policy WHERE id = 1").fetchone()
        return None if row is None else (row[0], row[1])

    def policy_updated_at(self) -> datetime | None:
        with self._connections.query() as conn:
            row = conn.execute("SELECT updated_at FROM policy WHERE id = 1").fetchone()
        return None if row is None else from_text(row[0])

    # ---- runs ---------------------------------------------------------------------------------------

    def start_detection_run(self, params: dict) -> int:
        """A run of kind "detection" in status "running"; pass its id to add_detections."""
        return self.add_run("detection", params, status="running")

    def add_run(self, kind: str, params: dict, *, status: str = "pending") -> int:
        """Record a run (kinds in use: "detection", "training", "evaluation"). params must not hold data values."""
        if not kind:
            raise ValueError("a run needs a kind")
        self._check_status(status)
        now = to_text(utc_now())
        with self._connections.write() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (kind, status, created_at, updated_at, params, results, artefacts) "
                "VALUES (?, ?, ?, ?, ?, '{}', '{}')", (kind, status, now, now, json_dump(params, "run params")))
            return int(cursor.lastrowid)

    @staticmethod
    def _check_status(status: str) -> None:
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}; expected one of {', '.join(RUN_STATUSES)}")

    def update_run(self, run_id: int, *, status: str | None = None, results: dict | None = None,
                   artefacts: dict[str, str | Path] | None = None) -> Run:
        """Change what is given: status, results (replaced) and artefacts (name -> path, merged into the
        existing ones so a run can add them as it goes)."""
        if status is not None:
            self._check_status(status)
        with self._connections.write() as conn:
            row = conn.execute("SELECT artefacts FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise ProjectError(f"there is no run with id {run_id}.", path=self.path)
            changes, params = ["updated_at = ?"], [to_text(utc_now())]
            if status is not None:
                changes.append("status = ?")
                params.append(status)
            if results is not None:
                changes.append("results = ?")
                params.append(json_dump(results, "run results"))
            if artefacts is not None:
                merged = {**json.loads(row[0]), **{str(name): str(path) for name, path in artefacts.items()}}
                changes.append("artefacts = ?")
                params.append(json_dump(merged, "run artefacts"))
            conn.execute(f"UPDATE runs SET {', '.join(changes)} WHERE id = ?", (*params, run_id))
            run_row = conn.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        return run_from_row(run_row)

    def run(self, run_id: int) -> Run | None:
        with self._connections.query() as conn:
            row = conn.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else run_from_row(row)

    def runs(self, kind: str | None = None) -> list[Run]:
        """Runs in the order they were created, optionally of one kind."""
        sql = f"SELECT {RUN_COLUMNS} FROM runs"
        params: tuple = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind,)
        with self._connections.query() as conn:
            return [run_from_row(row) for row in conn.execute(sql + " ORDER BY id", params)]

    # ---- settings -----------------------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._connections.query() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value (numbers, strings, lists, dicts) under key."""
        text = json_dump(value, f"setting {key!r}")
        with self._connections.write() as conn:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, text))

    def delete_setting(self, key: str) -> None:
        with self._connections.write() as conn:
            conn.execute("DELETE FROM settings WHERE key = ?", (key,))

    def settings(self) -> dict[str, Any]:
        with self._connections.query() as conn:
            return {key: json.loads(value) for key, value in conn.execute("SELECT key, value FROM settings ORDER BY key")}
