"""Span texts across the dataset: grouped by entity type and distinct value, and every occurrence of one.

The analyst often decides about a value rather than a span: "Dr." is never a name, "Acme Corp"
always is. Grouping reads each span's text from the dataset (column by column, a window of
records at a time, so a million records never become Python objects at once) and counts the
spans per (type, normalised value). The texts live in memory only, never in the project or a log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from privdesk.core.dataset.model import cell_text
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker
from privdesk.core.project.decisions import DecisionRequest
from privdesk.core.review.index import ACCEPTED, PENDING, REJECTED, ReviewIndex, SpanRows
from privdesk.core.review.rules import decision_requests

READ_WINDOW = 4096  # records read per column_values call


def normalise_value(text: str) -> str:
    """How span texts are compared: case-folded, inner whitespace collapsed, outer stripped.

    The same rule as the detection engine's allow list (privdesk.core.detect.lists.normalise_term),
    restated here so the GUI can use it without loading the detection engine.
    """
    return " ".join(text.split()).casefold()


@dataclass
class SpanTexts:
    """Rows of the index and the text each one covers, in the same order."""

    rows: SpanRows
    texts: list[str]


def span_texts(rows: SpanRows, dataset: Any, *, progress: ProgressCallback | None = None,
               cancel: CancelToken | None = None) -> SpanTexts:
    """Read the text of every span in `rows` from `dataset` (anything with column_values)."""
    texts = [""] * len(rows)
    tracker = ProgressTracker(progress, len(rows))
    available = set(getattr(dataset, "columns", []))
    order = np.lexsort((rows.record, rows.column))
    position = 0
    while position < len(order):
        if cancel is not None:
            cancel.raise_if_cancelled()
        first = order[position]
        column_code = rows.column[first]
        column = rows.columns[column_code]
        low = int(rows.record[first])
        high = low + READ_WINDOW
        values = dataset.column_values(column, low, high) if column in available else []
        done = position
        while done < len(order) and rows.column[order[done]] == column_code and rows.record[order[done]] < high:
            row = order[done]
            offset = int(rows.record[row]) - low
            if offset < len(values):
                texts[row] = cell_text(values[offset])[int(rows.start[row]):int(rows.end[row])]
            done += 1
        tracker.advance(done - position, "reading span texts")
        position = done
    return SpanTexts(rows, texts)


@dataclass
class ValueGroup:
    """Every span of one entity type whose text normalises to `key`."""

    entity_type: str
    key: str
    value: str  # the most frequent spelling, for display
    count: int = 0
    pending: int = 0
    accepted: int = 0
    rejected: int = 0
    detection_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    added_spans: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    records: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def record_count(self) -> int:
        return len(self.records)


def group_values(span_texts_: SpanTexts, *, cancel: CancelToken | None = None) -> dict[str, list[ValueGroup]]:
    """Entity type -> its distinct values, most frequent first (ties by value)."""
    rows, texts = span_texts_.rows, span_texts_.texts
    members: dict[tuple[int, str], list[int]] = {}
    for row, text in enumerate(texts):
        if cancel is not None and row % 50_000 == 0:
            cancel.raise_if_cancelled()
        key = normalise_value(text)
        if key:
            members.setdefault((int(rows.entity[row]), key), []).append(row)
    grouped: dict[str, list[ValueGroup]] = {}
    for (entity_code, key), row_list in members.items():
        selected = np.asarray(row_list, np.int64)
        spellings: dict[str, int] = {}
        for row in row_list:
            spelling = " ".join(texts[row].split())
            spellings[spelling] = spellings.get(spelling, 0) + 1
        statuses = rows.status[selected]
        group = ValueGroup(
            entity_type=rows.types[entity_code], key=key,
            value=max(spellings.items(), key=lambda item: (item[1], item[0]))[0],
            count=len(row_list),
            pending=int(np.count_nonzero(statuses == PENDING)),
            accepted=int(np.count_nonzero(statuses == ACCEPTED)),
            rejected=int(np.count_nonzero(statuses == REJECTED)),
            detection_ids=rows.detection_id[selected][rows.detection_id[selected] >= 0],
            added_spans=rows.added_span[selected][rows.added_span[selected] >= 0],
            records=np.unique(rows.record[selected]))
        grouped.setdefault(group.entity_type, []).append(group)
    for groups in grouped.values():
        groups.sort(key=lambda group: (-group.count, group.key))
    return dict(sorted(grouped.items(), key=lambda item: -sum(group.count for group in item[1])))


def occurrence_ids(span_texts_: SpanTexts, value: str, entity_type: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(detection ids, added-span ids) of every span whose text normalises like `value`
    (and of `entity_type`, when given)."""
    key = normalise_value(value)
    rows = span_texts_.rows
    wanted_code = rows.types.index(entity_type) if entity_type is not None and entity_type in rows.types else None
    if entity_type is not None and wanted_code is None:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    matches = [row for row, text in enumerate(span_texts_.texts)
               if normalise_value(text) == key and (wanted_code is None or rows.entity[row] == wanted_code)]
    selected = np.asarray(matches, np.int64)
    detection_ids = rows.detection_id[selected]
    added = rows.added_span[selected]
    return detection_ids[detection_ids >= 0], added[added >= 0]


def occurrence_requests(index: ReviewIndex, detection_ids: np.ndarray, added_spans: np.ndarray,
                        action: str) -> list[DecisionRequest]:
    """accept/reject requests for the spans with these ids that are not in that state already."""
    return decision_requests(index, index.find_rows_by_ids(detection_ids, added_spans), action)
