"""Bulk rules: accept or reject every span of a type above or below a score, as one undo step.

A rule only produces DecisionRequests; the caller records them with Project.record_decisions,
which makes the whole rule one transaction and one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from privdesk.core.project.decisions import DecisionRequest
from privdesk.core.review.index import ReviewIndex

Comparison = Literal["at_least", "below"]


@dataclass(frozen=True)
class ScoreRule:
    """"<action> every <statuses> <entity_type> span scoring <comparison> <score>"."""

    action: Literal["accept", "reject"]
    entity_type: str
    comparison: Comparison
    score: float
    statuses: tuple[str, ...] = ("pending",)  # which spans it touches; ("pending", "accepted", ...) to override

    def __post_init__(self) -> None:
        if self.action not in ("accept", "reject"):
            raise ValueError(f"a score rule accepts or rejects, not {self.action!r}")
        if self.comparison not in ("at_least", "below"):
            raise ValueError(f"unknown comparison {self.comparison!r}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} is outside [0, 1]")

    def describe(self) -> str:
        verb = "Accept" if self.action == "accept" else "Reject"
        where = f"scoring at least {self.score:.2f}" if self.comparison == "at_least" else f"scoring below {self.score:.2f}"
        which = " or ".join(self.statuses)
        return f"{verb} every {which} {self.entity_type} span {where}"


def rule_rows(index: ReviewIndex, rule: ScoreRule) -> np.ndarray:
    """Index rows the rule changes: detector spans of the type, in the given statuses, in the score range,
    not already in the rule's outcome."""
    target = "accepted" if rule.action == "accept" else "rejected"
    statuses = [status for status in rule.statuses if status != target]
    if not statuses:
        return np.zeros(0, np.int64)
    if rule.comparison == "at_least":
        rows = index.rows(entity_type=rule.entity_type, statuses=statuses, min_score=rule.score, detectors_only=True)
    else:
        rows = index.rows(entity_type=rule.entity_type, statuses=statuses, detectors_only=True)
        rows = rows[index.rows_snapshot(rows).score < np.float32(rule.score) - np.float32(1e-6)]
    return rows


def rule_requests(index: ReviewIndex, rule: ScoreRule) -> list[DecisionRequest]:
    return index.requests(rule_rows(index, rule), rule.action)


def decision_requests(index: ReviewIndex, rows: np.ndarray, action: str) -> list[DecisionRequest]:
    """accept/reject requests for the given rows, skipping spans already in that state."""
    if not len(rows):
        return []
    target = 1 if action == "accept" else 2
    snapshot = index.rows_snapshot(rows)
    return index.requests(rows[snapshot.status != target], action)


def accept_pending_requests(index: ReviewIndex, record: int) -> list[DecisionRequest]:
    """Accept every pending span of `record` that the current filter shows ("accept the rest")."""
    rows = index.rows(statuses=["pending"], visible_only=True)
    snapshot = index.rows_snapshot(rows)
    return index.requests(rows[snapshot.record == record], "accept")


def count_records(index: ReviewIndex, rows: np.ndarray) -> int:
    return int(len(index.records_of_rows(rows))) if len(rows) else 0


def requests_summary(requests: Sequence[DecisionRequest]) -> dict[str, int]:
    summary: dict[str, int] = {}
    for request in requests:
        summary[request.action] = summary.get(request.action, 0) + 1
    return summary
