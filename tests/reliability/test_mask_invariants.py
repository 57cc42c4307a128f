"""Masking invariants, by property tests: for random texts and random sets of accepted spans, with every operator.

tests/core/test_mask_overlaps.py already shows, with the tag and keep operators on one column, that the
overlap groups cover exactly the union of the spans, that no character of a masked span survives and
that the replacements restore the text. This module extends that to:
  - every operator, reversible (encrypt, SIV and GCM) and irreversible (redact, tag, numbered tag, mask,
    hash, surrogate, date_shift, generalize, with their fallbacks), mixed per entity type in one policy;
  - text with astral-plane emoji and ZWJ sequences, combining marks, right-to-left script and bidi
    controls, CJK and line breaks, in two columns of a record;
  - each replacement differs from what it replaced (mask: every letter and digit became the mask character);
  - the masked regions are computed here independently (overlapping and nested spans merge, touching
    ones do not, empty ones mask nothing) and the replacement record maps each onto the right place of
    the output after earlier replacements changed the length;
  - the real export writes a vault, and re-identification through the real reader restores the input
    file byte for byte; the encrypt operator's output decrypts back to the original with the key alone.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privdesk.core.dataset import write_dataset
from privdesk.core.mask import Masker, OperatorSpec, Policy, VaultReader, export_dataset, reidentify_file
from privdesk.core.mask import vault as vault_module
from privdesk.core.mask.encryption import decrypt_value
from privdesk.core.mask.reidentify import CellRestore, restore_text
from privdesk.core.types import Span

SECRET = bytes(range(32))
PASSPHRASE = "invariants passphrase"
COLUMNS = ("a", "b")
ENTITY_TYPES = ("PERSON", "LOCATION", "EMAIL_ADDRESS", "PHONE_NUMBER", "DATE_TIME", "AGE", "US_SSN", "ZIP_CODE",
                "CREDIT_CARD", "NRP")
OPERATOR_SPECS = (
    OperatorSpec("redact"),
    OperatorSpec("redact", {"replacement": "[gone]"}),
    OperatorSpec("tag"),
    OperatorSpec("tag", {"numbered": True}),
    OperatorSpec("mask"),
    OperatorSpec("mask", {"keep_separators": False, "char": "#"}),
    OperatorSpec("hash", {"length": 8}),
    OperatorSpec("encrypt", {"mode": "siv"}),
    OperatorSpec("encrypt", {"mode": "gcm"}),
    OperatorSpec("surrogate"),
    OperatorSpec("surrogate", {"fallback": "redact"}),
    OperatorSpec("date_shift"),
    OperatorSpec("generalize"),
)
# Characters that break naive offset arithmetic or naive readers.
SPECIAL = ["😀", "👩\u200d💻", "🇫🇷", "e\u0301", "\u0308", "\u0338", "ש", "ל", "ו", "م", "ر", "\u202e", "\u200f",
           "\u200e", "中", "文", "\n", "\r\n", "\t", " ", "@", ".", "-", "0", "7", "*", "#"]
TEXT_CHARACTERS = st.one_of(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]),
                            st.sampled_from([special for special in SPECIAL if len(special) == 1]))


@pytest.fixture(scope="module", autouse=True)
def cheap_vault_key():
    """The vault's scrypt cost has nothing to do with these invariants (test_crypto.py checks the real one);
    at the real cost every example would spend a second deriving keys. The header records the cost used."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vault_module, "SCRYPT_N", 2**10)
        yield


@st.composite
def cell_with_spans(draw, record: int, column: str) -> tuple[str, list[Span]]:
    pieces = draw(st.lists(st.one_of(st.text(TEXT_CHARACTERS, min_size=1, max_size=6), st.sampled_from(SPECIAL)),
                           min_size=0, max_size=16))
    text = "".join(pieces)
    spans = []
    for _ in range(draw(st.integers(0, 8))):
        shape = draw(st.sampled_from(["short"] * 5 + ["any", "at start", "at end", "whole", "adjacent", "nested"]))
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        if shape == "short":  # short spans apart from each other: several regions, so offsets shift in between
            end = min(len(text), start + draw(st.integers(1, 4)))
        elif shape == "at start":
            start = 0
        elif shape == "at end":
            end = len(text)
        elif shape == "whole":
            start, end = 0, len(text)
        elif shape == "adjacent" and spans:
            start = spans[-1].end
            end = draw(st.integers(start, len(text)))
        elif shape == "nested" and spans and spans[-1].end > spans[-1].start:
            start = draw(st.integers(spans[-1].start, spans[-1].end))
            end = draw(st.integers(start, spans[-1].end))
        start, end = min(start, end), max(start, end)
        spans.append(Span(record, column, start, end, draw(st.sampled_from(ENTITY_TYPES)),
                          draw(st.floats(0.0, 1.0)), "property"))
    return text, spans


@st.composite
def records(draw, count: int) -> list[tuple[dict[str, str], list[Span]]]:
    made = []
    for record in range(count):
        cells, spans = {}, []
        for column in COLUMNS:
            cells[column], column_spans = draw(cell_with_spans(record, column))
            spans.extend(column_spans)
        made.append((cells, spans))
    return made


@st.composite
def policies(draw) -> Policy:
    overrides = draw(st.dictionaries(st.sampled_from(ENTITY_TYPES), st.sampled_from(OPERATOR_SPECS), max_size=4))
    return Policy("property", default=draw(st.sampled_from(OPERATOR_SPECS)), entities=overrides)


def masked_regions(spans: list[Span]) -> list[tuple[int, int]]:
    """The regions to replace, worked out here: overlapping or nested spans merge, touching ones do not,
    empty ones are nothing."""
    regions: list[list[int]] = []
    for span in sorted((s for s in spans if s.end > s.start), key=lambda s: (s.start, s.end)):
        if regions and span.start < regions[-1][1]:
            regions[-1][1] = max(regions[-1][1], span.end)
        else:
            regions.append([span.start, span.end])
    return [(start, end) for start, end in regions]


def check_replacement(original: str, new: str, spec: OperatorSpec) -> None:
    """The replacement of one region hides it: mask hides every letter and digit, the others change the text."""
    assert original, "an empty region is never replaced"
    assert spec.operator != "keep"
    if spec.operator == "mask":
        assert len(new) == len(original)
        for old_char, new_char in zip(original, new):
            if spec.param("keep_separators") and not old_char.isalnum():
                assert new_char == old_char
            else:
                assert new_char == spec.param("char")
    else:
        assert new != original


def used_spec(policy: Policy, entity_type: str, column: str, operator: str) -> OperatorSpec:
    """The spec a region was masked with: the policy's, or the fallback (tag or redact) it fell back to."""
    chosen = policy.operator_for(entity_type, column)
    return chosen if chosen.operator == operator else OperatorSpec(operator)


def check_cell(text: str, output: str, replaced: list[tuple[int, int, str, OperatorSpec]],
               regions: list[tuple[int, int]]) -> None:
    """`replaced`: (new_start, new_end, original, spec used) per region, in order; `regions` in the original text.

    The output is the original's gaps, unchanged and in order, with each region's replacement between them
    exactly where the record says it is.
    """
    assert [original for _, _, original, _ in replaced] == [text[start:end] for start, end in regions]
    position = new_position = 0
    for (start, end), (new_start, new_end, original, spec) in zip(regions, replaced):
        assert output[new_position:new_start] == text[position:start]
        check_replacement(original, output[new_start:new_end], spec)
        position, new_position = end, new_end
    assert output[new_position:] == text[position:]
    assert restore_text(output, CellRestore([(s, e, o) for s, e, o, _ in replaced])) == text


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(made=records(1), policy=policies())
def test_every_operator_replaces_each_region_and_the_record_maps_it_back(made, policy):
    (cells, spans), = made
    masker = Masker(policy, SECRET)
    results = masker.mask_record(cells, spans, record=0)
    for column, text in cells.items():
        own = [span for span in spans if span.column == column]
        regions = masked_regions(own)
        result = results.get(column)
        if result is None:
            assert not own
            continue
        replacements = result.replacements
        assert [(r.start, r.end) for r in replacements] == regions
        check_cell(text, result.text, [(r.new_start, r.new_end, text[r.start:r.end],
                                        used_spec(policy, r.entity_type, column, r.operator)) for r in replacements],
                   regions)
        for r in replacements:
            group_types = {span.entity_type for span in own if r.start <= span.start and span.end <= r.end}
            assert r.entity_type in group_types  # the region is named after one of the spans it merges
            if r.fallback_from is not None:
                assert r.operator in ("tag", "redact")
            if r.operator == "encrypt":
                mode = policy.operator_for(r.entity_type, column).param("mode")
                encrypted = result.text[r.new_start:r.new_end]
                assert decrypt_value(encrypted, SECRET, r.entity_type, mode) == text[r.start:r.end]


def _write_input(folder: Path, made) -> Path:
    table = pa.table({"id": pa.array(range(len(made)), pa.int64()),
                      **{column: pa.array([cells[column] for cells, _ in made], pa.string()) for column in COLUMNS}})
    return write_dataset(table, folder / "input.jsonl")


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(made=st.integers(1, 4).flatmap(records), policy=policies())
def test_the_export_and_its_vault_restore_the_exact_input_through_the_real_files(made, policy):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source = _write_input(folder, made)
        output, vault = folder / "masked.jsonl", folder / "masked.vault"
        export_dataset(source, [spans for _, spans in made], policy, SECRET, output, vault_path=vault,
                       passphrase=PASSPHRASE)

        masked_rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
        assert len(masked_rows) == len(made)
        recorded: dict[tuple[int, str], list[tuple[int, int, str, str]]] = {}
        for item in VaultReader(vault, PASSPHRASE).entries():
            if item["type"] == "r":
                spec = used_spec(policy, item["t"], item["c"], item["op"])
                recorded.setdefault((item["r"], item["c"]), []).append((item["s"], item["e"], item["o"], spec))
        for record, (cells, spans) in enumerate(made):
            assert masked_rows[record]["id"] == record
            for column in COLUMNS:
                regions = masked_regions([span for span in spans if span.column == column])
                replaced = sorted(recorded.pop((record, column), []), key=lambda entry: entry[0])
                check_cell(cells[column], masked_rows[record][column], replaced, regions)
        assert recorded == {}  # the vault holds nothing for cells without accepted spans

        restored = folder / "restored.jsonl"
        reidentify_file(output, vault, PASSPHRASE, restored)
        assert restored.read_bytes() == source.read_bytes()
