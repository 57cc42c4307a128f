"""The plain records a project hands out: dataset reference, detections, runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from privdesk.core.types import ColumnRole, Span

PROJECT_SUFFIX = ".privdesk"

RUN_STATUSES = ("pending", "running", "done", "failed", "cancelled")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def to_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class DatasetRef:
    """Where the project's dataset lives and what it looked like when the project took it on."""

    path: Path
    sha256: str
    format: str
    options: dict
    num_rows: int
    column_roles: dict[str, ColumnRole] = field(default_factory=dict)


@dataclass(frozen=True, order=True)
class Detection(Span):
    """A detected span as stored in the project: a Span plus its row id and the detection run that found it."""

    id: int = 0
    run_id: int | None = None

    def as_span(self) -> Span:
        return Span(self.record, self.column, self.start, self.end, self.entity_type, self.score, self.recognizer)


@dataclass(frozen=True)
class Run:
    """A detection, training or evaluation run. params and results hold settings and metrics, never data values."""

    id: int
    kind: str
    status: str
    created_at: datetime
    updated_at: datetime
    params: dict
    results: dict
    artefacts: dict[str, Path]
