"""Review decisions: what they may say, and how they combine into the effective state of each span.

A decision targets a detection (by id), a span the analyst added earlier (by the id of its `add`
decision), or, for `add`, a new range given by record, column and offsets. Decisions on one span
apply in the order they were made, so the latest one sets the status:

- accept: the span is PII as detected (keeping any earlier relabel or resize);
- reject: the span is not PII;
- relabel: the span is PII of another entity type (accepted);
- resize: the span is PII with other offsets (accepted);
- add: a span the detectors missed (accepted, recognizer "analyst").

Undo works on steps: one record_decision call, or one bulk call, is one step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Literal, Sequence

from privdesk.core.project.records import Detection
from privdesk.core.types import Span

Action = Literal["accept", "reject", "relabel", "add", "resize"]
Status = Literal["pending", "accepted", "rejected"]
ACTIONS: tuple[str, ...] = ("accept", "reject", "relabel", "add", "resize")
ANALYST_RECOGNIZER = "analyst"


@dataclass(frozen=True)
class DecisionRequest:
    """A decision to record; Project.record_decision builds one from its keyword arguments."""

    action: Action
    detection_id: int | None = None
    added_span: int | None = None
    record: int | None = None
    column: str | None = None
    start: int | None = None
    end: int | None = None
    entity_type: str | None = None

    def validate(self) -> None:
        """Raise ValueError when the fields do not fit the action (a caller's mistake, not the analyst's)."""
        if self.action not in ACTIONS:
            raise ValueError(f"unknown review action {self.action!r}; expected one of {', '.join(ACTIONS)}")
        if self.action == "add":
            if self.detection_id is not None or self.added_span is not None:
                raise ValueError("an 'add' decision names a new range, not a detection or added span")
            if self.record is None or self.record < 0:
                raise ValueError("an 'add' decision needs a record index >= 0")
            if not self.column:
                raise ValueError("an 'add' decision needs a column")
            self._check_offsets()
            if not self.entity_type:
                raise ValueError("an 'add' decision needs an entity type")
            return
        if (self.detection_id is None) == (self.added_span is None):
            raise ValueError(f"a {self.action!r} decision needs exactly one of detection_id or added_span")
        if self.action == "relabel" and not self.entity_type:
            raise ValueError("a 'relabel' decision needs the new entity type")
        if self.action == "resize":
            self._check_offsets()
        if self.action != "relabel" and self.entity_type is not None:
            raise ValueError(f"a {self.action!r} decision takes no entity type")
        if self.action != "resize" and (self.start is not None or self.end is not None):
            raise ValueError(f"a {self.action!r} decision takes no offsets")

    def _check_offsets(self) -> None:
        if self.start is None or self.end is None:
            raise ValueError(f"a {self.action!r} decision needs start and end offsets")
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"bad offsets {self.start}..{self.end}: need 0 <= start < end")


@dataclass(frozen=True)
class Decision:
    """A recorded decision. record and column are always filled (copied from the target); start/end
    are set for add and resize, entity_type for add and relabel."""

    id: int
    action: Action
    detection_id: int | None
    record: int
    column: str
    start: int | None
    end: int | None
    entity_type: str | None
    created_at: datetime
    added_span: int | None = None
    step: int = 0
    state: Literal["active", "undone", "discarded"] = "active"


@dataclass
class _SpanState:
    record: int
    column: str
    start: int
    end: int
    entity_type: str
    score: float
    recognizer: str
    status: Status
    detection_id: int | None = None
    added_span: int | None = None
    decision_id: int | None = None
    extra: dict = field(default_factory=dict)

    def apply(self, decision: Decision) -> None:
        if decision.action == "reject":
            self.status = "rejected"
        else:
            self.status = "accepted"
        if decision.action == "relabel" and decision.entity_type:
            self.entity_type = decision.entity_type
        if decision.action == "resize" and decision.start is not None and decision.end is not None:
            self.start, self.end = decision.start, decision.end
        self.decision_id = decision.id

    def to_span(self) -> Span:
        return Span(self.record, self.column, self.start, self.end, self.entity_type, self.score, self.recognizer,
                    extra={"detection_id": self.detection_id, "added_span": self.added_span,
                           "decision_id": self.decision_id})


def apply_decisions(detections: Iterable[Detection], decisions: Sequence[Decision]) -> list[tuple[Span, Status]]:
    """The effective spans of a record: its detections with their active decisions applied, plus added spans.

    Each Span's `extra` holds `detection_id` (or None for an added span), `added_span` (the id of the
    `add` decision that created it) and `decision_id` (the latest decision applied, None if pending),
    which is what a view needs to record the next decision on that span.
    """
    states: dict[tuple[str, int], _SpanState] = {}
    for detection in detections:
        states[("detection", detection.id)] = _SpanState(
            detection.record, detection.column, detection.start, detection.end, detection.entity_type,
            detection.score, detection.recognizer, "pending", detection_id=detection.id)
    for decision in sorted(decisions, key=lambda item: item.id):
        if decision.state != "active":
            continue
        if decision.action == "add":
            assert decision.start is not None and decision.end is not None and decision.entity_type
            states[("added", decision.id)] = _SpanState(
                decision.record, decision.column, decision.start, decision.end, decision.entity_type,
                1.0, ANALYST_RECOGNIZER, "accepted", added_span=decision.id, decision_id=decision.id)
            continue
        key = ("detection", decision.detection_id) if decision.detection_id is not None else ("added", decision.added_span)
        state = states.get(key)  # type: ignore[arg-type]
        if state is not None:
            state.apply(decision)
    ordered = sorted(states.values(), key=lambda s: (s.column, s.start, s.end, s.entity_type, s.detection_id or 0))
    return [(state.to_span(), state.status) for state in ordered]
