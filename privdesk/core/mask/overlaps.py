"""Overlapping and nested spans, resolved so that no character of any span survives unmasked.

Presidio's anonymizer has leaked text here (issues #1156 and #1925): with nested or overlapping
results, parts of the outer span were left in clear. PrivDesk merges every group of overlapping
spans into one region covering their union and masks that region once, as the entity type of the
span that best describes it: a span that is to be masked beats one that is to be kept, then the
longer span, then the higher score, then the type listed first in ENTITY_TYPES. Spans that only
touch ("ab" and "cd" in "abcd") stay separate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from privdesk.core.types import ENTITY_TYPES, Span

_TYPE_RANK = {name: rank for rank, name in enumerate(ENTITY_TYPES)}


@dataclass(frozen=True)
class SpanGroup:
    """A region [start, end) to mask as one value of `entity_type`; `members` are the spans it covers."""

    start: int
    end: int
    entity_type: str
    members: tuple[Span, ...]

    @property
    def merged(self) -> bool:
        return len(self.members) > 1


def resolve_overlaps(spans: Iterable[Span], *, is_masked: Callable[[Span], bool] = lambda span: True) -> list[SpanGroup]:
    """Non-overlapping regions in text order whose union is exactly the union of the non-empty spans."""
    ordered = sorted((span for span in spans if span.end > span.start), key=lambda span: (span.start, span.end))
    groups: list[SpanGroup] = []
    current: list[Span] = []
    current_end = -1
    for span in ordered:
        if current and span.start < current_end:
            current.append(span)
            current_end = max(current_end, span.end)
            continue
        if current:
            groups.append(_group(current, is_masked))
        current = [span]
        current_end = span.end
    if current:
        groups.append(_group(current, is_masked))
    return groups


def _group(members: list[Span], is_masked: Callable[[Span], bool]) -> SpanGroup:
    start = min(span.start for span in members)
    end = max(span.end for span in members)
    if len(members) == 1:
        return SpanGroup(start, end, members[0].entity_type, (members[0],))
    best = min(members, key=lambda span: (
        not is_masked(span), -span.length, -span.score, _TYPE_RANK.get(span.entity_type, len(_TYPE_RANK)),
        span.entity_type, span.start))
    return SpanGroup(start, end, best.entity_type, tuple(members))
