"""Masking one text, or one record, with a policy: the core of the mask stage and of the GUI's live preview.

    masker = Masker(policy, secret)
    result = masker.mask_text("Call Jane Roe on 555-0100", spans, record=0, column="note")
    result.text            # "Call <PERSON> on <PHONE_NUMBER>"
    result.replacements    # where each replaced part was, and is now, with its type and operator

Overlapping spans are merged first (overlaps.py), so every character of every span is replaced.
A Masker keeps state across calls (tag numbers, surrogate caches, counts): use one per export so
<PERSON_1> means the same person throughout.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Mapping, Sequence

from privdesk.core.mask.errors import MaskingError
from privdesk.core.mask.keying import normalise_value
from privdesk.core.mask.operators import (
    CannotMask,
    MaskContext,
    Operator,
    OperatorServices,
    RecordOriginals,
    build_operator,
    fallback_spec,
)
from privdesk.core.mask.overlaps import resolve_overlaps
from privdesk.core.mask.policy import OperatorSpec, Policy
from privdesk.core.types import Span

if TYPE_CHECKING:
    from privdesk.core.mask.vault import VaultWriter

log = logging.getLogger(__name__)

_DATE_OFFSET_ATTEMPTS = 8


@dataclass(slots=True)
class Replacement:
    """One replaced region: [start, end) in the original text, [new_start, new_end) in the masked text."""

    start: int
    end: int
    new_start: int
    new_end: int
    entity_type: str
    operator: str
    fallback_from: str | None = None  # the operator that could not handle the value, when a fallback was used
    merged_spans: int = 1  # how many overlapping spans this region merges


@dataclass(slots=True)
class MaskedText:
    text: str
    replacements: list[Replacement] = field(default_factory=list)


@dataclass
class MaskingCounts:
    """What a masking run did, without any value: for the audit report and the GUI."""

    by_entity_operator: Counter = field(default_factory=Counter)  # (entity_type, operator) -> regions
    spans: int = 0
    merged_regions: int = 0
    fallbacks: int = 0

    def by_entity(self) -> dict[str, int]:
        totals: Counter = Counter()
        for (entity, _), count in self.by_entity_operator.items():
            totals[entity] += count
        return dict(sorted(totals.items()))

    def by_operator(self) -> dict[str, int]:
        totals: Counter = Counter()
        for (_, operator), count in self.by_entity_operator.items():
            totals[operator] += count
        return dict(sorted(totals.items()))


class Masker:
    def __init__(self, policy: Policy, secret: bytes, *, locale: str | None = None, vault: "VaultWriter | None" = None):
        self.policy = policy
        self.services = OperatorServices(secret, locale or policy.locale or "en_US")
        self.vault = vault
        self.counts = MaskingCounts()
        self._operators: dict[int, Operator] = {}  # by id(spec): the policy keeps its specs alive
        self.person_column = next((spec.param("person_column") for spec in policy.all_specs()
                                    if spec.operator == "date_shift" and spec.param("by") == "person"
                                    and spec.param("person_column")), None)
        self._needs_person = any(spec.operator == "date_shift" and spec.param("by") == "person"
                                 for spec in policy.all_specs())

    def _operator(self, spec: OperatorSpec) -> Operator:
        operator = self._operators.get(id(spec))
        if operator is None:
            operator = self._operators[id(spec)] = build_operator(spec, self.services)
        return operator

    def mask_text(self, text: str, spans: Sequence[Span], *, record: int = 0, column: str = "text",
                  person_key: str | None = None) -> MaskedText:
        """Mask the spans of `column` in `text` (spans of other columns are ignored)."""
        own = [span for span in spans if span.column == column]
        context = self._record_context(record, {column: text}, own, person_key)
        return self._mask_cell(text, own, context.for_column(column))

    def _record_context(self, record: int, cells: Mapping[str, str], spans: Sequence[Span],
                        person_key: str | None) -> MaskContext:
        """The record's context: its original values, and a date offset that lands no date on another one."""
        texts = [cells[span.column][span.start:span.end] for span in spans]
        context = MaskContext(record, "", person_key, RecordOriginals.of(texts))
        dates = [(text, self.policy.operator_for(span.entity_type, span.column)) for span, text in zip(spans, texts)
                 if span.entity_type == "DATE_TIME"]
        dates = [(text, spec) for text, spec in dates if spec.operator == "date_shift"]
        if not dates:
            return context
        for attempt in range(_DATE_OFFSET_ATTEMPTS):
            candidate = replace(context, date_attempt=attempt)
            shifted = [self._operator(spec).shifted(text, candidate) for text, spec in dates]  # type: ignore[attr-defined]
            if not any(new is not None and context.originals.collides(new) for new in shifted):
                return candidate
        return context

    def _mask_cell(self, text: str, own: list[Span], context: MaskContext) -> MaskedText:
        record, column = context.record, context.column
        for span in own:
            if span.end > len(text):
                raise MaskingError(f"record {record}, column '{column}': a {span.entity_type} span at "
                                   f"{span.start}..{span.end} lies outside the cell ({len(text)} characters).",
                                   hint="The detections do not belong to this dataset (or to this version of it).")
        if not own:
            return MaskedText(text, [])
        groups = resolve_overlaps(own, is_masked=lambda span: self.policy.operator_for(span.entity_type, column).operator != "keep")
        pieces: list[str] = []
        replacements: list[Replacement] = []
        position = 0
        length = 0
        for group in groups:
            kept = text[position:group.start]
            pieces.append(kept)
            length += len(kept)
            original = text[group.start:group.end]
            spec = self.policy.operator_for(group.entity_type, column)
            fallback_from = None
            try:
                new = self._operator(spec).apply(original, group.entity_type, context)
            except CannotMask:
                fallback_from = spec.operator
                spec = fallback_spec(spec)
                new = self._operator(spec).apply(original, group.entity_type, context)
                self.counts.fallbacks += 1
                log.debug("record %d column %r: %s fell back to %s at %d..%d", record, column, fallback_from,
                          spec.operator, group.start, group.end)
            replacement = Replacement(group.start, group.end, length, length + len(new), group.entity_type,
                                      spec.operator, fallback_from, len(group.members))
            replacements.append(replacement)
            pieces.append(new)
            length += len(new)
            position = group.end
            self.counts.spans += len(group.members)
            self.counts.merged_regions += group.merged
            self.counts.by_entity_operator[(group.entity_type, spec.operator)] += 1
            if self.vault is not None and spec.operator != "keep":
                self.vault.add_replacement(record, column, replacement, original)
        pieces.append(text[position:])
        return MaskedText("".join(pieces), replacements)

    def person_key(self, cells: Mapping[str, str], spans: Sequence[Span]) -> str | None:
        """Who a record is about, for date_shift by person: the person column, else the first PERSON span."""
        if not self._needs_person:
            return None
        if self.person_column and cells.get(self.person_column, "").strip():
            return normalise_value("PERSON", cells[self.person_column])
        order = {name: index for index, name in enumerate(cells)}
        people = sorted((span for span in spans if span.entity_type == "PERSON" and span.column in cells),
                        key=lambda span: (order[span.column], span.start))
        for span in people:
            text = cells[span.column][span.start:span.end]
            if text.strip():
                return normalise_value("PERSON", text)
        return None

    def mask_record(self, cells: Mapping[str, str], spans: Sequence[Span], *, record: int) -> dict[str, MaskedText]:
        """Mask every cell of one record that has spans; `cells` maps column -> cell text (in column order)."""
        for span in spans:
            if span.column not in cells:
                raise MaskingError(f"record {record}: a {span.entity_type} span names column '{span.column}', "
                                   "which the dataset does not have.",
                                   hint="The detections do not belong to this dataset.")
        context = self._record_context(record, cells, spans, self.person_key(cells, spans))
        order = {name: index for index, name in enumerate(cells)}
        columns = sorted(dict.fromkeys(span.column for span in spans), key=order.__getitem__)
        return {column: self._mask_cell(cells[column], [span for span in spans if span.column == column],
                                        context.for_column(column))
                for column in columns}
