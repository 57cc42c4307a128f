"""The BIO tag scheme over PrivDesk's entity types, and the conversions between spans and tags.

Every token (or word) gets one tag: "O" outside any entity, "B-<TYPE>" on the first unit of an
entity and "I-<TYPE>" on the units that continue it. The conversions work on *units*: anything
with a character range, so the same code tags word pieces for training and decodes whole words
at inference time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from privdesk.core.types import ENTITY_TYPES

OUTSIDE = "O"
IGNORED = -100  # the label id torch's cross-entropy skips: special tokens and padding

CharSpan = tuple[int, int, str]  # (start, end, entity_type), end exclusive


@dataclass(frozen=True)
class LabelScheme:
    """The tag set of one model: "O" plus a B- and an I- tag per entity type, in a fixed order."""

    entity_types: tuple[str, ...] = ENTITY_TYPES

    @property
    def labels(self) -> tuple[str, ...]:
        tags = [OUTSIDE]
        for entity in self.entity_types:
            tags += [f"B-{entity}", f"I-{entity}"]
        return tuple(tags)

    @property
    def num_labels(self) -> int:
        return 1 + 2 * len(self.entity_types)

    def begin_id(self, entity_type: str) -> int:
        return 1 + 2 * self.entity_types.index(entity_type)

    def inside_id(self, entity_type: str) -> int:
        return self.begin_id(entity_type) + 1

    def entity_of(self, label_id: int) -> str | None:
        """The entity type a tag belongs to; None for "O"."""
        if label_id <= 0:
            return None
        return self.entity_types[(label_id - 1) // 2]

    def is_begin(self, label_id: int) -> bool:
        return label_id > 0 and (label_id - 1) % 2 == 0


def spans_to_tags(units: Sequence[tuple[int, int]], spans: Sequence[CharSpan], scheme: LabelScheme) -> list[int]:
    """Tag each unit by the gold span it overlaps: B- on the first overlapping unit, I- on the rest.

    Units with an empty range (special tokens) get IGNORED. Where spans overlap each other the
    longer one wins, so a nested span never splits an enclosing one. Spans of a type the scheme
    does not know are left out (tagged "O").
    """
    tags = [IGNORED if start == end else 0 for start, end in units]
    known = [s for s in spans if s[2] in scheme.entity_types and s[1] > s[0]]
    taken = [False] * len(units)
    for span_start, span_end, entity in sorted(known, key=lambda s: (s[0] - s[1], s[0])):
        covered = [
            index for index, (start, end) in enumerate(units)
            if start < end and start < span_end and span_start < end
        ]
        if not covered or any(taken[index] for index in covered):
            continue
        for position, index in enumerate(covered):
            tags[index] = scheme.begin_id(entity) if position == 0 else scheme.inside_id(entity)
            taken[index] = True
    return tags


def tags_to_spans(units: Sequence[tuple[int, int]], tags: Sequence[int], scheme: LabelScheme) -> list[CharSpan]:
    """Read entities off a tag sequence; an I- tag that does not continue an entity of its type starts one."""
    spans: list[CharSpan] = []
    current: list | None = None  # [start, end, entity]
    for (start, end), tag in zip(units, tags):
        if start == end or tag == IGNORED:
            continue
        entity = scheme.entity_of(tag)
        if entity is None:
            current = None
            continue
        if current is not None and current[2] == entity and not scheme.is_begin(tag):
            current[1] = end
            spans[-1] = (current[0], current[1], entity)
            continue
        current = [start, end, entity]
        spans.append((start, end, entity))
    return spans
