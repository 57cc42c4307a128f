"""Detections in the project file: bulk insert, queries, counts."""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from privdesk.core.errors import ProjectError
from privdesk.core.project.base import ProjectBase
from privdesk.core.project.records import Detection
from privdesk.core.types import Span

DETECTION_COLUMNS = 'id, record, column_name, start, "end", entity_type, score, recognizer, run_id'


def detection_from_row(row: Sequence) -> Detection:
    return Detection(record=row[1], column=row[2], start=row[3], end=row[4], entity_type=row[5], score=row[6],
                     recognizer=row[7], id=row[0], run_id=row[8])


class DetectionTableMixin(ProjectBase):
    """Project methods for detections."""

    def add_detections(self, spans: Iterable[Span], run_id: int | None = None) -> int:
        """Store detected spans in one transaction (all or none); returns how many were stored.

        Streams: `spans` may be a generator. Each call is one transaction, so a detection engine
        that calls it per batch keeps every finished batch even if it is cancelled later.
        """
        count = 0

        def rows() -> Iterator[tuple]:
            nonlocal count
            for span in spans:
                count += 1
                yield (span.record, span.column, span.start, span.end, span.entity_type, float(span.score),
                       span.recognizer, run_id)

        with self._connections.write() as conn:
            if run_id is not None and conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise ProjectError(f"there is no run with id {run_id}.", path=self.path,
                                   hint="Start a detection run first (start_detection_run).")
            conn.executemany(
                'INSERT INTO detections (record, column_name, start, "end", entity_type, score, recognizer, run_id) '
                'VALUES (?, ?, ?, ?, ?, ?, ?, ?)', rows())
        return count

    def iter_detections(self, record: int | None = None, *, entity_type: str | Iterable[str] | None = None,
                        min_score: float | None = None, max_score: float | None = None,
                        column: str | None = None, run_id: int | None = None) -> Iterator[Detection]:
        """Stream detections matching every given filter, ordered by record, column and offsets.

        Scores filter inclusively: min_score <= score <= max_score.
        """
        where, params = [], []
        if record is not None:
            where.append("record = ?")
            params.append(int(record))
        if entity_type is not None:
            types = [entity_type] if isinstance(entity_type, str) else list(entity_type)
            where.append(f"entity_type IN ({', '.join('?' * len(types))})" if types else "0")
            params.extend(types)
        if min_score is not None:
            where.append("score >= ?")
            params.append(float(min_score))
        if max_score is not None:
            where.append("score <= ?")
            params.append(float(max_score))
        if column is not None:
            where.append("column_name = ?")
            params.append(column)
        if run_id is not None:
            where.append("run_id = ?")
            params.append(int(run_id))
        sql = f"SELECT {DETECTION_COLUMNS} FROM detections"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += ' ORDER BY record, column_name, start, "end", id'
        with self._connections.query() as conn:
            cursor = conn.execute(sql, params)
            while batch := cursor.fetchmany(10_000):
                for row in batch:
                    yield detection_from_row(row)

    def detections(self, record: int | None = None, *, entity_type: str | Iterable[str] | None = None,
                   min_score: float | None = None, max_score: float | None = None,
                   column: str | None = None, run_id: int | None = None) -> list[Detection]:
        """Detections matching every given filter (see iter_detections)."""
        return list(self.iter_detections(record, entity_type=entity_type, min_score=min_score, max_score=max_score,
                                         column=column, run_id=run_id))

    def detection(self, detection_id: int) -> Detection | None:
        with self._connections.query() as conn:
            row = conn.execute(f"SELECT {DETECTION_COLUMNS} FROM detections WHERE id = ?", (detection_id,)).fetchone()
        return None if row is None else detection_from_row(row)

    def detection_count(self) -> int:
        with self._connections.query() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM detections").fetchone()[0])

    def entity_counts(self) -> dict[str, int]:
        """Number of detections per entity type (as detected, before review)."""
        with self._connections.query() as conn:
            rows = conn.execute("SELECT entity_type, COUNT(*) FROM detections GROUP BY entity_type ORDER BY entity_type")
            return {entity_type: count for entity_type, count in rows}

    def clear_detections(self) -> int:
        """Delete every detection, and with them the decisions about them; returns how many detections went.

        Spans the analyst added (and decisions about those) stay.
        """
        with self._connections.write() as conn:
            return conn.execute("DELETE FROM detections").rowcount
