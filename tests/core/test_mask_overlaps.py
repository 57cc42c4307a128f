"""Overlapping and nested spans: no character of a span survives unmasked (Presidio issues #1156, #1925)."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from privdesk.core.mask import Masker, OperatorSpec, Policy
from privdesk.core.mask.overlaps import resolve_overlaps
from privdesk.core.mask.reidentify import CellRestore, restore_text
from privdesk.core.types import Span

SECRET = hashlib.sha256(b"overlap tests").digest()
TYPES = ["PERSON", "LOCATION", "PHONE_NUMBER", "EMAIL_ADDRESS", "NRP"]


def test_nested_span_masks_the_outer_one_whole():
    # Presidio #1156: a PERSON inside a LOCATION left the rest of the location in clear.
    text = "Visit Martin Luther King Jr. Boulevard today"
    spans = [Span(0, "c", 6, 38, "LOCATION"), Span(0, "c", 6, 24, "PERSON")]
    result = Masker(Policy("t"), SECRET).mask_text(text, spans, column="c")
    assert result.text == "Visit <LOCATION> today"
    assert result.replacements[0].merged_spans == 2


def test_partly_overlapping_spans_are_masked_as_their_union():
    # Presidio #1925: overlapping results left characters between them in clear.
    text = "Call John Smith Street office"
    spans = [Span(0, "c", 5, 15, "PERSON"), Span(0, "c", 10, 22, "LOCATION")]
    result = Masker(Policy("t"), SECRET).mask_text(text, spans, column="c")
    assert result.text == "Call <LOCATION> office"  # the longer span names the region
    assert "Smith" not in result.text and "John" not in result.text and "Street" not in result.text


def test_a_span_to_keep_never_shields_an_overlapping_span_to_mask():
    policy = Policy("t", entities={"NRP": OperatorSpec("keep")})
    text = "a Catholic Church St address"
    spans = [Span(0, "c", 2, 17, "NRP"), Span(0, "c", 11, 20, "LOCATION")]
    result = Masker(policy, SECRET).mask_text(text, spans, column="c")
    assert result.text == "a <LOCATION> address"


def test_touching_spans_stay_separate():
    groups = resolve_overlaps([Span(0, "c", 0, 4, "PERSON"), Span(0, "c", 4, 8, "PERSON")])
    assert [(g.start, g.end) for g in groups] == [(0, 4), (4, 8)]


@st.composite
def text_and_spans(draw):
    text = draw(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs", "P", "S"]),
                        min_size=1, max_size=60))
    count = draw(st.integers(min_value=0, max_value=8))
    spans = []
    for _ in range(count):
        start = draw(st.integers(min_value=0, max_value=len(text)))
        end = draw(st.integers(min_value=start, max_value=len(text)))
        spans.append(Span(0, "c", start, end, draw(st.sampled_from(TYPES)), draw(st.floats(0, 1))))
    return text, spans


@settings(max_examples=200, deadline=None)
@given(case=text_and_spans())
def test_groups_cover_exactly_the_union_of_the_spans(case):
    _, spans = case
    groups = resolve_overlaps(spans)
    covered = {i for span in spans for i in range(span.start, span.end)}
    assert {i for g in groups for i in range(g.start, g.end)} == covered
    assert all(a.end <= b.start for a, b in zip(groups, groups[1:]))
    assert all(g.entity_type in {m.entity_type for m in g.members} for g in groups)


@settings(max_examples=200, deadline=None)
@given(case=text_and_spans(), keep=st.sets(st.sampled_from(TYPES)), numbered=st.booleans())
def test_no_character_of_a_masked_span_survives(case, keep, numbered):
    text, spans = case
    policy = Policy("t", default=OperatorSpec("tag", {"numbered": numbered}),
                    entities={entity: OperatorSpec("keep") for entity in keep})
    result = Masker(policy, SECRET).mask_text(text, spans, column="c")
    replaced = result.replacements
    # Every character of a span whose type is masked lies inside a region that was replaced.
    masked_regions = [(r.start, r.end) for r in replaced if r.operator != "keep"]
    for span in spans:
        if span.entity_type not in keep:
            for index in range(span.start, span.end):
                assert any(start <= index < end for start, end in masked_regions)
    # What is outside the replaced regions is copied unchanged, in order.
    kept_original, kept_output, position, new_position = [], [], 0, 0
    for r in replaced:
        kept_original.append(text[position:r.start])
        kept_output.append(result.text[new_position:r.new_start])
        assert result.text[r.new_start:r.new_end] == (text[r.start:r.end] if r.operator == "keep" else
                                                     result.text[r.new_start:r.new_end])
        position, new_position = r.end, r.new_end
    kept_original.append(text[position:])
    kept_output.append(result.text[new_position:])
    assert kept_original == kept_output
    # The replacements hold all a vault needs to give the text back.
    cell = CellRestore([(r.new_start, r.new_end, text[r.start:r.end]) for r in replaced])
    assert restore_text(result.text, cell) == text
