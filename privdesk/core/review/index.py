"""ReviewIndex: every span of a project in a few numpy arrays, for the numbers a review needs at once.

The record list of the Review tab shows, for up to a million records, how many findings each has,
how many are still to review, the lowest score among those, and whether the record is unreviewed,
in progress or done, all under a live filter (a score threshold and hidden entity types), sorted
lowest-confidence first. Python objects per span would make every slider move a long pause; one
row per span in columnar arrays makes it a few vectorised passes (about 50 ms for 7 million spans).

Rows are appended as detection streams in or a record is re-read after a decision; a replaced
record's old rows are marked dead, and the arrays are compacted when half of them are. The index
holds offsets, types, scores and ids, never the text (see values.py for that).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

import numpy as np

from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker
from privdesk.core.project.decisions import ANALYST_RECOGNIZER, DecisionRequest, Status
from privdesk.core.types import Span

STATUSES: tuple[Status, ...] = ("pending", "accepted", "rejected")
STATUS_CODES: dict[str, int] = {status: code for code, status in enumerate(STATUSES)}
PENDING, ACCEPTED, REJECTED = 0, 1, 2
NO_ID = -1

SortOrder = Literal["confidence", "record", "findings"]


class RecordState(enum.IntEnum):
    """Where a record stands, judged on the findings the current filter shows."""

    NOT_SCANNED = 0  # detection has not reached it yet and the analyst added nothing
    NO_FINDINGS = 1
    UNREVIEWED = 2  # every finding still pending
    IN_PROGRESS = 3
    DONE = 4  # every finding accepted or rejected


RECORD_STATES: dict[RecordState, str] = {
    RecordState.NOT_SCANNED: "not scanned",
    RecordState.NO_FINDINGS: "no findings",
    RecordState.UNREVIEWED: "unreviewed",
    RecordState.IN_PROGRESS: "in progress",
    RecordState.DONE: "done",
}


@dataclass(frozen=True)
class ViewFilter:
    """Which spans the analyst sees: detector spans scoring at least `threshold`, of types not hidden.

    Spans the analyst added are always shown (they have no detector score), except once rejected:
    rejecting one's own span is how it is deleted.
    """

    threshold: float = 0.0
    hidden_types: frozenset[str] = frozenset()

    def shows(self, entity_type: str, score: float, status: str, recognizer: str) -> bool:
        if entity_type in self.hidden_types:
            return False
        if recognizer == ANALYST_RECOGNIZER:
            return status != "rejected"
        return score >= self.threshold - 1e-9


@dataclass
class _Columns:
    """The growable span arrays (capacity doubles, so appending a chunk costs only that chunk)."""

    record: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    column: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    entity: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    score: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    detection_id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    added_span: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    NAMES = ("record", "column", "start", "end", "entity", "score", "status", "detection_id", "added_span", "alive")

    def grow(self, capacity: int) -> None:
        for name in self.NAMES:
            old = getattr(self, name)
            new = np.zeros(capacity, old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def take(self, keep: np.ndarray) -> None:
        for name in self.NAMES:
            setattr(self, name, getattr(self, name)[keep].copy())


class ReviewIndex:
    """Spans and per-record review numbers of one project, for `num_records` records.

    Not thread-safe: the GUI thread owns it. Workers build a fresh one (build_index) or get a
    copy of some rows (`rows_snapshot`).
    """

    def __init__(self, num_records: int) -> None:
        if num_records < 0:
            raise ValueError("num_records must be >= 0")
        self.num_records = num_records
        self.types: list[str] = []
        self.columns: list[str] = []
        self._type_codes: dict[str, int] = {}
        self._column_codes: dict[str, int] = {}
        self._data = _Columns()
        self._size = 0
        self._dead = 0
        self.scanned = np.zeros(num_records, bool)
        self.filter = ViewFilter()
        self.visible = np.zeros(num_records, np.int32)
        self.pending = np.zeros(num_records, np.int32)
        self.min_pending_score = np.full(num_records, np.inf, np.float32)
        self.state = np.zeros(num_records, np.int8)

    # -- codes ----------------------------------------------------------------------------------

    def type_code(self, entity_type: str) -> int:
        code = self._type_codes.get(entity_type)
        if code is None:
            code = self._type_codes[entity_type] = len(self.types)
            self.types.append(entity_type)
        return code

    def column_code(self, column: str) -> int:
        code = self._column_codes.get(column)
        if code is None:
            code = self._column_codes[column] = len(self.columns)
            self.columns.append(column)
        return code

    # -- size -----------------------------------------------------------------------------------

    @property
    def span_count(self) -> int:
        """Spans currently held (alive rows)."""
        return self._size - self._dead

    def _arrays(self) -> _Columns:
        """Views of the used part of every array."""
        data, size = self._data, self._size
        view = _Columns()
        for name in _Columns.NAMES:
            setattr(view, name, getattr(data, name)[:size])
        return view

    # -- adding and replacing -------------------------------------------------------------------

    def add_spans(self, items: Iterable[tuple[Span, str]]) -> int:
        """Append spans with their status (as Project.effective_spans gives them); returns how many.

        Does not touch rows already there and does not refresh the per-record numbers: call
        refresh() or refresh_records() when a batch is in. Columns are filled a whole batch at a
        time (detection hands over thousands of spans per chunk while the analyst works).
        """
        items = list(items)
        if not items:
            return 0
        count = len(items)
        needed = self._size + count
        if needed > len(self._data.record):
            self._data.grow(max(needed, 2 * len(self._data.record), 1024))
        spans = [span for span, _status in items]
        records = np.fromiter((span.record for span in spans), np.int64, count)
        if records.min() < 0 or records.max() >= self.num_records:
            bad = int(records.max() if records.max() >= self.num_records else records.min())
            raise IndexError(f"span of record {bad} is outside 0..{self.num_records - 1}")
        column_code, type_code = self.column_code, self.type_code
        detection_ids, added_spans = [], []
        for span in spans:
            detection_id = span.extra.get("detection_id")
            if detection_id is None and span.recognizer != ANALYST_RECOGNIZER:
                detection_id = getattr(span, "id", None)  # a project Detection (fresh from a detection run)
            added = span.extra.get("added_span")
            detection_ids.append(NO_ID if detection_id is None else int(detection_id))
            added_spans.append(NO_ID if added is None else int(added))
        rows = slice(self._size, needed)
        data = self._data
        data.record[rows] = records
        data.column[rows] = [column_code(span.column) for span in spans]
        data.start[rows] = [span.start for span in spans]
        data.end[rows] = [span.end for span in spans]
        data.entity[rows] = [type_code(span.entity_type) for span in spans]
        data.score[rows] = [span.score for span in spans]
        data.status[rows] = [STATUS_CODES[status] for _span, status in items]
        data.detection_id[rows] = detection_ids
        data.added_span[rows] = added_spans
        data.alive[rows] = True
        self._size = needed
        return count

    def replace_record(self, record: int, items: Iterable[tuple[Span, str]]) -> None:
        """Replace every span of `record` (after a decision on it) and refresh its numbers."""
        self._kill_rows(self.rows_of(record))
        self.add_spans(items)
        self.refresh_records([record])
        self._compact_if_sparse()

    def replace_records(self, spans_by_record: dict[int, list[tuple[Span, str]]]) -> None:
        if not spans_by_record:
            return
        records = np.fromiter(spans_by_record, np.int64, len(spans_by_record))
        data = self._arrays()
        self._kill_rows(np.flatnonzero(data.alive & np.isin(data.record, records)))
        for items in spans_by_record.values():
            self.add_spans(items)
        self.refresh_records(records)
        self._compact_if_sparse()

    def clear(self) -> None:
        """Forget every span (detections were cleared for a new run); analyst spans come back via replace."""
        self._data = _Columns()
        self._size = self._dead = 0
        self.scanned[:] = False
        self.refresh()

    def mark_scanned(self, start: int, stop: int) -> None:
        self.scanned[max(0, start):min(self.num_records, stop)] = True

    def _kill_rows(self, rows: np.ndarray) -> None:
        if len(rows):
            self._data.alive[rows] = False
            self._dead += len(rows)

    def _compact_if_sparse(self) -> None:
        if self._dead > 4096 and self._dead * 2 > self._size:
            keep = np.flatnonzero(self._data.alive[: self._size])
            self._data.take(keep)
            self._size, self._dead = len(keep), 0

    # -- looking up -----------------------------------------------------------------------------

    def rows_of(self, record: int) -> np.ndarray:
        data = self._arrays()
        return np.flatnonzero(data.alive & (data.record == record))

    def rows(self, *, entity_type: str | None = None, statuses: Sequence[str] | None = None,
             min_score: float | None = None, max_score: float | None = None, visible_only: bool = False,
             detectors_only: bool = False) -> np.ndarray:
        """Alive rows matching every given condition (scores inclusive); `detectors_only` leaves out analyst spans."""
        data = self._arrays()
        mask = data.alive.copy()
        if entity_type is not None:
            code = self._type_codes.get(entity_type)
            if code is None:
                return np.zeros(0, np.int64)
            mask &= data.entity == code
        if statuses is not None:
            mask &= np.isin(data.status, [STATUS_CODES[s] for s in statuses])
        if min_score is not None:
            mask &= data.score >= np.float32(min_score) - np.float32(1e-6)
        if max_score is not None:
            mask &= data.score <= np.float32(max_score) + np.float32(1e-6)
        if detectors_only:
            mask &= data.detection_id != NO_ID
        if visible_only:
            mask &= self._visible_mask(data)
        return np.flatnonzero(mask)

    def requests(self, rows: np.ndarray, action: str) -> list[DecisionRequest]:
        """accept/reject requests for the spans at `rows` (by detection id, or added-span id)."""
        if action not in ("accept", "reject"):
            raise ValueError(f"bulk requests are accept or reject, not {action!r}")
        data = self._data
        out = []
        for row in rows.tolist():
            detection_id, added_span = int(data.detection_id[row]), int(data.added_span[row])
            if detection_id != NO_ID:
                out.append(DecisionRequest(action, detection_id=detection_id))  # type: ignore[arg-type]
            elif added_span != NO_ID:
                out.append(DecisionRequest(action, added_span=added_span))  # type: ignore[arg-type]
        return out

    def records_of_rows(self, rows: np.ndarray) -> np.ndarray:
        return np.unique(self._data.record[rows])

    def rows_snapshot(self, rows: np.ndarray | None = None) -> "SpanRows":
        """A copy of some rows (default: every alive one), safe to hand to a worker thread."""
        data = self._arrays()
        if rows is None:
            rows = np.flatnonzero(data.alive)
        return SpanRows(
            record=data.record[rows].copy(), column=data.column[rows].copy(), start=data.start[rows].copy(),
            end=data.end[rows].copy(), entity=data.entity[rows].copy(), score=data.score[rows].copy(),
            status=data.status[rows].copy(), detection_id=data.detection_id[rows].copy(),
            added_span=data.added_span[rows].copy(), columns=list(self.columns), types=list(self.types))

    def find_rows_by_ids(self, detection_ids: np.ndarray, added_spans: np.ndarray) -> np.ndarray:
        data = self._arrays()
        mask = data.alive & ((np.isin(data.detection_id, detection_ids) & (data.detection_id != NO_ID))
                             | (np.isin(data.added_span, added_spans) & (data.added_span != NO_ID)))
        return np.flatnonzero(mask)

    # -- filter and per-record numbers ----------------------------------------------------------

    def set_filter(self, view_filter: ViewFilter) -> None:
        self.filter = view_filter
        self.refresh()

    def _visible_mask(self, data: _Columns) -> np.ndarray:
        hidden = np.zeros(max(len(self.types), 1), bool)
        for entity_type in self.filter.hidden_types:
            code = self._type_codes.get(entity_type)
            if code is not None:
                hidden[code] = True
        analyst = data.detection_id == NO_ID
        shown_score = data.score >= np.float32(self.filter.threshold) - np.float32(1e-6)
        mask = data.alive & ~hidden[data.entity] if len(data.entity) else data.alive.copy()
        return mask & np.where(analyst, data.status != REJECTED, shown_score)

    def refresh(self) -> None:
        """Recompute every record's numbers (after a filter change or a batch of new spans)."""
        data = self._arrays()
        visible = self._visible_mask(data)
        records = data.record[visible]
        n = self.num_records
        self.visible = np.bincount(records, minlength=n).astype(np.int32)[:n]
        pending_rows = visible & (data.status == PENDING)
        self.pending = np.bincount(data.record[pending_rows], minlength=n).astype(np.int32)[:n]
        self.min_pending_score = np.full(n, np.inf, np.float32)
        if pending_rows.any():
            np.minimum.at(self.min_pending_score, data.record[pending_rows], data.score[pending_rows])
        self._refresh_states(slice(None))

    def refresh_records(self, records: Iterable[int] | np.ndarray) -> None:
        """Recompute the numbers of a few records (after decisions on them)."""
        records = np.unique(np.asarray(list(records) if not isinstance(records, np.ndarray) else records, np.int64))
        if not len(records):
            return
        data = self._arrays()
        if records[-1] - records[0] + 1 == len(records):  # a contiguous range (a detection chunk): no isin needed
            in_records = data.alive & (data.record >= records[0]) & (data.record <= records[-1])
        else:
            in_records = data.alive & np.isin(data.record, records)
        rows = np.flatnonzero(in_records)
        sub = _Columns()
        for name in _Columns.NAMES:
            setattr(sub, name, getattr(data, name)[rows])
        visible = self._visible_mask(sub)
        self.visible[records] = 0
        self.pending[records] = 0
        self.min_pending_score[records] = np.inf
        np.add.at(self.visible, sub.record[visible], 1)
        pending_rows = visible & (sub.status == PENDING)
        np.add.at(self.pending, sub.record[pending_rows], 1)
        np.minimum.at(self.min_pending_score, sub.record[pending_rows], sub.score[pending_rows])
        self._refresh_states(records)

    def _refresh_states(self, where: slice | np.ndarray) -> None:
        visible, pending = self.visible[where], self.pending[where]
        state = np.where(self.scanned[where], RecordState.NO_FINDINGS, RecordState.NOT_SCANNED).astype(np.int8)
        state = np.where(visible > 0, RecordState.IN_PROGRESS, state)
        state = np.where((visible > 0) & (pending == visible), RecordState.UNREVIEWED, state)
        state = np.where((visible > 0) & (pending == 0), RecordState.DONE, state)
        self.state[where] = state

    # -- what the record list shows ---------------------------------------------------------------

    def order(self, sort: SortOrder = "confidence", states: Iterable[RecordState] | None = None,
              among: np.ndarray | None = None) -> np.ndarray:
        """Record numbers to list: those in `states` (all when None) and in `among` (a bool mask or
        record numbers), sorted. "confidence" puts the record with the least certain pending finding
        first and records with nothing left to review last; "findings" the most findings first."""
        mask = np.ones(self.num_records, bool)
        if states is not None:
            mask &= np.isin(self.state, [int(state) for state in states])
        if among is not None:
            if among.dtype == bool:
                mask &= among
            else:
                chosen = np.zeros(self.num_records, bool)
                chosen[among[(among >= 0) & (among < self.num_records)]] = True
                mask &= chosen
        records = np.flatnonzero(mask)
        if sort == "record":
            return records
        if sort == "confidence":
            keys = self.min_pending_score[records]
            return records[np.lexsort((records, keys))]
        if sort == "findings":
            return records[np.lexsort((records, -self.visible[records]))]
        raise ValueError(f"unknown sort order {sort!r}")

    def progress(self) -> tuple[int, int]:
        """(records done, records with findings) under the current filter."""
        with_findings = int(np.count_nonzero(self.visible))
        done = int(np.count_nonzero(self.state == RecordState.DONE))
        return done, with_findings

    def type_counts(self, *, apply_threshold: bool = True) -> dict[str, int]:
        """Alive spans per entity type (rejected analyst spans left out), under the threshold but
        ignoring hidden types, so a legend can show the count of a type it hides."""
        data = self._arrays()
        mask = data.alive & ~((data.detection_id == NO_ID) & (data.status == REJECTED))
        if apply_threshold:
            mask &= (data.detection_id == NO_ID) | (data.score >= np.float32(self.filter.threshold) - np.float32(1e-6))
        counts = np.bincount(data.entity[mask], minlength=len(self.types))
        return {entity_type: int(counts[code]) for code, entity_type in enumerate(self.types) if counts[code]}

    def status_counts(self, *, visible_only: bool = True) -> dict[str, int]:
        data = self._arrays()
        mask = self._visible_mask(data) if visible_only else data.alive
        counts = np.bincount(data.status[mask], minlength=3)
        return {status: int(counts[code]) for code, status in enumerate(STATUSES)}


@dataclass
class SpanRows:
    """A copy of some index rows, with the code tables to read them (for worker threads)."""

    record: np.ndarray
    column: np.ndarray
    start: np.ndarray
    end: np.ndarray
    entity: np.ndarray
    score: np.ndarray
    status: np.ndarray
    detection_id: np.ndarray
    added_span: np.ndarray
    columns: list[str]
    types: list[str]

    def __len__(self) -> int:
        return len(self.record)


def scanned_ranges(project) -> list[tuple[int, int]]:
    """[start, stop) record ranges the detection runs since the last fresh start have covered.

    Each detection run records {"start_record", "fresh"} in its params and {"records_done"} in its
    results as it goes, so a run stopped by a crash still tells how far it got.
    """
    ranges: list[tuple[int, int]] = []
    for run in project.runs("detection"):
        if run.params.get("fresh", True):
            ranges = []
        start = int(run.params.get("start_record", 0))
        done = int(run.results.get("records_done", 0))
        if done > 0:
            ranges.append((start, start + done))
    return ranges


def build_index(project, num_records: int, *, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None) -> ReviewIndex:
    """An index of every effective span in `project` (one streaming pass; run it in a worker)."""
    index = ReviewIndex(num_records)
    for start, stop in scanned_ranges(project):
        index.mark_scanned(start, stop)
    tracker = ProgressTracker(progress, None)
    batch: list[tuple[Span, str]] = []
    for count, (record, spans) in enumerate(project.iter_effective_spans(), start=1):
        if record >= num_records:
            continue  # a record past the end of the dataset: the data changed; verify_dataset says so
        batch.extend(spans)
        if count % 2000 == 0:
            if cancel is not None:
                cancel.raise_if_cancelled()
            index.add_spans(batch)
            batch = []
            tracker.advance(2000, "reading findings")
    index.add_spans(batch)
    index.refresh()
    return index
