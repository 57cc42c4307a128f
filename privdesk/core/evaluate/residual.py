"""Residual PII in a sanitized export: original values still there, and what the detector finds now.

    values = original_values(dataset_path, accepted_spans_by_record)      # value -> entity types
    report = scan_export("notes.masked.csv", values, engine=engine)      # engine: optional DetectionEngine

Two checks:
- every original value the analyst accepted as PII is searched for, verbatim and as a whole token,
  in every cell of the export. Each hit is a leak; the count must be zero;
- the detector reads the text of the export's columns (see _text_columns). Surrogates look like PII by design, so it will
  flag them: its findings are listed for the analyst to judge, not counted as leaks.
Hits and findings give record, column, offsets and entity type. Values are kept only when the caller
asks (`include_values`), because this report exists to be shown and shared.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from privdesk.core.dataset import ReadOptions, iter_batches
from privdesk.core.dataset.model import cell_text
from privdesk.core.evaluate.value_search import DEFAULT_MIN_LENGTH, ValueMatcher
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker
from privdesk.core.types import ColumnRole, Span

log = logging.getLogger(__name__)

DEFAULT_MAX_LISTED = 5_000  # hits and findings listed one by one; the counts always cover all of them
_BATCH_ROWS = 5_000


@dataclass(frozen=True)
class ResidualHit:
    """An original PII value found in the export."""

    record: int
    column: str
    start: int
    end: int
    entity_type: str  # the type(s) the analyst gave the value, "/"-joined when it had several
    value: str | None = None  # only with include_values

    def to_dict(self) -> dict[str, Any]:
        data = {"record": self.record, "column": self.column, "start": self.start, "end": self.end,
                "entity_type": self.entity_type}
        if self.value is not None:
            data["value"] = self.value
        return data


@dataclass(frozen=True)
class DetectorFinding:
    """A span the detector flags in the export (often a surrogate, which is expected)."""

    record: int
    column: str
    start: int
    end: int
    entity_type: str
    score: float
    recognizer: str
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"record": self.record, "column": self.column, "start": self.start, "end": self.end,
                "entity_type": self.entity_type, "score": round(self.score, 4), "recognizer": self.recognizer}
        if self.value is not None:
            data["value"] = self.value
        return data


@dataclass
class ResidualReport:
    export_file: str  # the name only, never the folder
    records: int
    cells: int
    values_checked: int
    values_too_short: int
    min_length: int
    hits: list[ResidualHit] = field(default_factory=list)
    hit_count: int = 0
    hits_by_type: dict[str, int] = field(default_factory=dict)
    findings: list[DetectorFinding] | None = None  # None: the detector was not run
    finding_count: int = 0
    findings_by_type: dict[str, int] = field(default_factory=dict)
    detector_columns: tuple[str, ...] = ()
    include_values: bool = False

    @property
    def clean(self) -> bool:
        """No original value is left in the export (what must hold before sharing it)."""
        return self.hit_count == 0

    def to_dict(self) -> dict[str, Any]:
        return {"export_file": self.export_file, "records": self.records, "cells": self.cells,
                "values_checked": self.values_checked, "values_too_short": self.values_too_short,
                "min_length": self.min_length, "clean": self.clean, "hit_count": self.hit_count,
                "hits_by_type": dict(self.hits_by_type), "hits": [hit.to_dict() for hit in self.hits],
                "detector_run": self.findings is not None, "detector_columns": list(self.detector_columns),
                "finding_count": self.finding_count, "findings_by_type": dict(self.findings_by_type),
                "findings": [finding.to_dict() for finding in self.findings or []],
                "include_values": self.include_values}


def _records(path: Path, options: ReadOptions | None) -> Iterator[tuple[int, dict[str, Any]]]:
    record = 0
    for batch in iter_batches(path, options, batch_rows=_BATCH_ROWS):
        for row in batch.to_pylist():
            yield record, row
            record += 1


def original_values(dataset_path: str | Path, spans_by_record: Iterable[Sequence[Span]], *,
                    read_options: ReadOptions | None = None, cancel: CancelToken | None = None) -> dict[str, set[str]]:
    """The text under each span in the original dataset: value -> entity types it was given.

    `spans_by_record` gives one list per record, in record order (as spans_to_mask yields them).
    """
    values: dict[str, set[str]] = {}
    spans_iter = iter(spans_by_record)
    for record, row in _records(Path(dataset_path), read_options):
        if cancel is not None and record % _BATCH_ROWS == 0:
            cancel.raise_if_cancelled()
        try:
            spans = next(spans_iter)
        except StopIteration:
            break
        for span in spans:
            text = cell_text(row.get(span.column))
            value = text[span.start:span.end]
            if value.strip():
                values.setdefault(value, set()).add(span.entity_type)
    return values


def accepted_values_from_project(project: Any, *, cancel: CancelToken | None = None) -> dict[str, set[str]]:
    """Original values of the spans the analyst accepted (or added) in a project, read from its dataset."""
    from privdesk.core.dataset import ReadOptions as Options
    from privdesk.core.errors import ProjectError
    from privdesk.core.mask.project_spans import spans_to_mask

    ref = project.dataset_ref()
    if ref is None:
        raise ProjectError("the project has no dataset yet.", path=project.path, hint="Load a dataset first.")
    # An infinite threshold keeps exactly the accepted spans: pending ones never reach it.
    accepted = spans_to_mask(project, threshold=float("inf"))
    return original_values(ref.path, accepted, read_options=Options(**ref.options), cancel=cancel)


def scan_export(export_path: str | Path, values: Mapping[str, Iterable[str]], *, read_options: ReadOptions | None = None,
                engine: Any = None, column_roles: Mapping[str, ColumnRole] | None = None,
                include_values: bool = False, min_length: int = DEFAULT_MIN_LENGTH,
                max_listed: int = DEFAULT_MAX_LISTED, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None) -> ResidualReport:
    """Search the export for `values` (value -> entity types) and, with an `engine`, run the detector on it.

    The detector reads every column `column_roles` does not ignore (default: every string column) as
    text; the value search covers every column.
    """
    export_path = Path(export_path)
    matcher = ValueMatcher(values, min_length=min_length)
    types = {value: "/".join(sorted(kinds)) for value, kinds in values.items()}
    report = ResidualReport(export_file=export_path.name, records=0, cells=0, values_checked=len(matcher),
                            values_too_short=matcher.too_short, min_length=min_length, include_values=include_values)
    hit_types: Counter[str] = Counter()
    tracker = ProgressTracker(progress, None)
    for record, row in _records(export_path, read_options):
        if cancel is not None and record % 1000 == 0:
            cancel.raise_if_cancelled()
        report.records += 1
        for column, cell in row.items():
            report.cells += 1
            for start, end, value in matcher.finditer(cell_text(cell)):
                report.hit_count += 1
                hit_types[types[value]] += 1
                if len(report.hits) < max_listed:
                    report.hits.append(ResidualHit(record, column, start, end, types[value],
                                                   value if include_values else None))
        tracker.advance(1, "searching for original values")
    report.hits_by_type = dict(sorted(hit_types.items()))
    if report.hit_count:
        log.warning("%d original PII value occurrence(s) remain in %s", report.hit_count, export_path.name)
    if engine is not None:
        _run_detector(report, export_path, engine, read_options, column_roles, include_values, max_listed,
                      progress, cancel)
    return report


def _text_columns(export_path: Path, read_options: ReadOptions | None,
                  column_roles: Mapping[str, ColumnRole] | None) -> dict[str, ColumnRole]:
    """The columns the detector reads, all as free text: those the roles do not ignore, or without roles
    every string column. In an export an identifier column holds surrogates, hashes or tags, and only
    reading its text tells which still look like PII; thoroughness beats speed in a final check."""
    from privdesk.core.dataset import inspect_dataset
    from privdesk.core.types import TEXT

    if column_roles is None:
        columns = inspect_dataset(export_path, read_options).columns
        return {column.name: TEXT for column in columns if "string" in column.dtype}
    return {name: TEXT for name, role in column_roles.items() if role.kind != "ignore"}


def _run_detector(report: ResidualReport, export_path: Path, engine: Any, read_options: ReadOptions | None,
                  column_roles: Mapping[str, ColumnRole] | None, include_values: bool, max_listed: int,
                  progress: ProgressCallback | None, cancel: CancelToken | None) -> None:
    roles = _text_columns(export_path, read_options, column_roles)
    report.detector_columns = tuple(roles)
    report.findings = []
    if not roles:
        return
    rows = (row for _, row in _records(export_path, read_options))
    rows_for_values = _records(export_path, read_options) if include_values else None
    by_type: Counter[str] = Counter()
    for record, spans in enumerate(engine.detect_records(rows, roles, progress=progress, cancel=cancel)):
        row = next(rows_for_values)[1] if rows_for_values is not None else None
        for span in spans:
            report.finding_count += 1
            by_type[span.entity_type] += 1
            if len(report.findings) < max_listed:
                value = cell_text(row.get(span.column))[span.start:span.end] if row is not None else None
                report.findings.append(DetectorFinding(record, span.column, span.start, span.end, span.entity_type,
                                                       float(span.score), span.recognizer, value))
    report.findings_by_type = dict(sorted(by_type.items()))
