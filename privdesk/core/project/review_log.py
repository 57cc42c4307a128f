"""Review decisions in the project file: recording, undo/redo, effective spans, progress.

Each record_decision call is its own transaction, committed with synchronous=FULL, so a decision
is on disk when the call returns. The decisions table keeps every decision with a state (active,
undone, discarded) and decision_history logs each record/undo/redo/discard with its time.
"""

from __future__ import annotations

import itertools
import sqlite3
from datetime import datetime
from typing import Iterable, Iterator, Sequence

from privdesk.core.errors import ProjectError
from privdesk.core.project.base import ProjectBase
from privdesk.core.project.decisions import Action, Decision, DecisionRequest, Status, apply_decisions
from privdesk.core.project.detection_table import DETECTION_COLUMNS, detection_from_row
from privdesk.core.project.records import from_text, to_text, utc_now
from privdesk.core.types import Span

DECISION_COLUMNS = ('id, action, detection_id, record, column_name, start, "end", entity_type, created_at, '
                    'added_span, step, state')


def decision_from_row(row: Sequence) -> Decision:
    return Decision(id=row[0], action=row[1], detection_id=row[2], record=row[3], column=row[4], start=row[5],
                    end=row[6], entity_type=row[7], created_at=from_text(row[8]), added_span=row[9], step=row[10],
                    state=row[11])


class ReviewLogMixin(ProjectBase):
    """Project methods for review decisions."""

    def record_decision(self, action: Action, *, detection_id: int | None = None, added_span: int | None = None,
                        record: int | None = None, column: str | None = None, start: int | None = None,
                        end: int | None = None, entity_type: str | None = None) -> Decision:
        """Record one decision, committed and on disk when this returns; it is one undo step.

        Target a detection with detection_id, a span added earlier with added_span (the id of its
        "add" decision), or give record/column/start/end/entity_type for action "add".
        """
        request = DecisionRequest(action, detection_id, added_span, record, column, start, end, entity_type)
        return self.record_decisions([request])[0]

    def record_decisions(self, requests: Iterable[DecisionRequest]) -> list[Decision]:
        """Record many decisions in one transaction and one undo step (bulk rules: "accept all emails")."""
        requests = list(requests)
        for request in requests:
            request.validate()
        if not requests:
            return []
        now = to_text(utc_now())
        with self._connections.write() as conn:
            self._discard_redo_stack(conn, now)
            step = int(conn.execute("SELECT COALESCE(MAX(step), 0) + 1 FROM decisions").fetchone()[0])
            ids = [self._insert_decision(conn, request, step, now) for request in requests]
            conn.executemany("INSERT INTO decision_history (decision_id, event, at) VALUES (?, 'record', ?)",
                             [(decision_id, now) for decision_id in ids])
            return self._read_decisions(conn, "step = ?", (step,))

    def _insert_decision(self, conn: sqlite3.Connection, request: DecisionRequest, step: int, now: str) -> int:
        if request.action == "add":
            record, column = request.record, request.column
        elif request.detection_id is not None:
            target = conn.execute("SELECT record, column_name FROM detections WHERE id = ?",
                                  (request.detection_id,)).fetchone()
            if target is None:
                raise ProjectError(f"there is no detection with id {request.detection_id}.", path=self.path,
                                   hint="The detections may have been re-run; reload the record.")
            record, column = target
        else:
            target = conn.execute("SELECT record, column_name FROM decisions WHERE id = ? AND action = 'add' "
                                  "AND state = 'active'", (request.added_span,)).fetchone()
            if target is None:
                raise ProjectError(f"there is no added span with id {request.added_span}.", path=self.path,
                                   hint="It may have been undone; reload the record.")
            record, column = target
        cursor = conn.execute(
            'INSERT INTO decisions (step, action, detection_id, added_span, record, column_name, start, "end", '
            'entity_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (step, request.action, request.detection_id, request.added_span, record, column, request.start,
             request.end, request.entity_type, now))
        return int(cursor.lastrowid)

    @staticmethod
    def _discard_redo_stack(conn: sqlite3.Connection, now: str) -> None:
        # A new decision after an undo forks history: the undone steps can no longer be redone.
        conn.execute("INSERT INTO decision_history (decision_id, event, at) "
                     "SELECT id, 'discard', ? FROM decisions WHERE state = 'undone'", (now,))
        conn.execute("UPDATE decisions SET state = 'discarded' WHERE state = 'undone'")

    @staticmethod
    def _read_decisions(conn: sqlite3.Connection, where: str, params: Sequence) -> list[Decision]:
        rows = conn.execute(f"SELECT {DECISION_COLUMNS} FROM decisions WHERE {where} ORDER BY id", params)
        return [decision_from_row(row) for row in rows]

    def decisions(self, record: int | None = None, *, include_inactive: bool = False) -> list[Decision]:
        """Decisions in the order they were made: the active ones, or with include_inactive also the
        undone (redoable) and discarded ones."""
        where, params = ("1", []) if include_inactive else ("state = 'active'", [])
        if record is not None:
            where += " AND record = ?"
            params.append(int(record))
        with self._connections.query() as conn:
            return self._read_decisions(conn, where, params)

    def decision_history(self, decision_id: int) -> list[tuple[str, datetime]]:
        """(event, timestamp) pairs for one decision: record, undo, redo, discard."""
        with self._connections.query() as conn:
            rows = conn.execute("SELECT event, at FROM decision_history WHERE decision_id = ? ORDER BY id",
                                (decision_id,)).fetchall()
        return [(event, from_text(at)) for event, at in rows]

    def effective_spans(self, record: int) -> list[tuple[Span, Status]]:
        """The record's spans after review: detections with their latest decision applied, plus added spans.

        Status is "pending", "accepted" or "rejected"; span.extra carries detection_id, added_span and
        decision_id (see decisions.apply_decisions).
        """
        with self._connections.read() as conn:
            rows = conn.execute(f"SELECT {DETECTION_COLUMNS} FROM detections WHERE record = ?", (int(record),))
            detections = [detection_from_row(row) for row in rows]
            decisions = self._read_decisions(conn, "record = ? AND state = 'active'", (int(record),))
        return apply_decisions(detections, decisions)

    def iter_effective_spans(self) -> Iterator[tuple[int, list[tuple[Span, Status]]]]:
        """(record, effective spans) for every record that has detections or active decisions, in record order.

        One pass over the detections, for masking or exporting the whole dataset. The decisions are
        read once at the start; the iteration is not one snapshot, so do not write meanwhile.
        """
        with self._connections.query() as conn:
            by_record: dict[int, list[Decision]] = {}
            for decision in self._read_decisions(conn, "state = 'active'", ()):
                by_record.setdefault(decision.record, []).append(decision)
        decided_records = sorted(by_record)
        next_decided = 0
        for record, group in itertools.groupby(self.iter_detections(), key=lambda detection: detection.record):
            # Records with only added spans have no detections; yield them in their place.
            while next_decided < len(decided_records) and decided_records[next_decided] < record:
                only_added = decided_records[next_decided]
                yield only_added, apply_decisions([], by_record[only_added])
                next_decided += 1
            if next_decided < len(decided_records) and decided_records[next_decided] == record:
                next_decided += 1
            yield record, apply_decisions(list(group), by_record.get(record, []))
        for only_added in decided_records[next_decided:]:
            yield only_added, apply_decisions([], by_record[only_added])

    def undo(self) -> list[Decision]:
        """Undo the latest step (one decision, or one bulk call); returns its decisions, now undone."""
        return self._move_step(from_state="active", to_state="undone", pick="MAX", event="undo")

    def redo(self) -> list[Decision]:
        """Redo the step undone most recently, unless a new decision was recorded since."""
        return self._move_step(from_state="undone", to_state="active", pick="MIN", event="redo")

    def undo_last_decision(self) -> Decision | None:
        """Undo the latest step; returns its last decision, or None when there is nothing to undo."""
        undone = self.undo()
        return undone[-1] if undone else None

    def redo_decision(self) -> Decision | None:
        """Redo the step undone most recently; returns its last decision, or None when there is nothing to redo."""
        redone = self.redo()
        return redone[-1] if redone else None

    def _move_step(self, *, from_state: str, to_state: str, pick: str, event: str) -> list[Decision]:
        # Active steps always precede undone ones (a new decision discards the undone), so the latest
        # active step is the highest and the most recently undone step is the lowest undone one.
        now = to_text(utc_now())
        with self._connections.write() as conn:
            step = conn.execute(f"SELECT {pick}(step) FROM decisions WHERE state = ?", (from_state,)).fetchone()[0]
            if step is None:
                return []
            conn.execute("INSERT INTO decision_history (decision_id, event, at) "
                         "SELECT id, ?, ? FROM decisions WHERE step = ? AND state = ?", (event, now, step, from_state))
            conn.execute("UPDATE decisions SET state = ? WHERE step = ? AND state = ?", (to_state, step, from_state))
            return self._read_decisions(conn, "step = ?", (step,))

    def can_undo(self) -> bool:
        with self._connections.query() as conn:
            return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM decisions WHERE state = 'active')").fetchone()[0])

    def can_redo(self) -> bool:
        with self._connections.query() as conn:
            return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM decisions WHERE state = 'undone')").fetchone()[0])

    def clear_decisions(self) -> int:
        """Delete every decision and its history (a fresh review); returns how many decisions went."""
        with self._connections.write() as conn:
            conn.execute("DELETE FROM decision_history")
            # Follow-ups on added spans go with them (ON DELETE CASCADE), so count first.
            count = int(conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])
            conn.execute("DELETE FROM decisions")
            return count

    def reviewed_records(self) -> set[int]:
        """Records with at least one active decision."""
        with self._connections.query() as conn:
            return {row[0] for row in conn.execute("SELECT DISTINCT record FROM decisions WHERE state = 'active'")}

    def pending_records(self) -> list[int]:
        """Records that still have a detection without any active decision, in order."""
        with self._connections.query() as conn:
            rows = conn.execute(
                "SELECT DISTINCT record FROM detections AS d WHERE NOT EXISTS "
                "(SELECT 1 FROM decisions AS x WHERE x.detection_id = d.id AND x.state = 'active') ORDER BY record")
            return [row[0] for row in rows]

    def review_progress(self) -> tuple[int, int]:
        """(reviewed records, total): total is the dataset's row count, or without a dataset the number of
        records that have detections."""
        with self._connections.read() as conn:
            reviewed = int(conn.execute(
                "SELECT COUNT(DISTINCT record) FROM decisions WHERE state = 'active'").fetchone()[0])
            row = conn.execute("SELECT num_rows FROM dataset WHERE id = 1").fetchone()
            if row is not None:
                total = int(row[0])
            else:
                total = int(conn.execute("SELECT COUNT(DISTINCT record) FROM detections").fetchone()[0])
        return reviewed, total
