"""The synthetic PII generator: exact gold spans, valid identifiers, disjoint template sets, files."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest

from privdesk.core.dataset import ReadOptions, read_dataset
from privdesk.core.errors import DatasetError
from privdesk.core.synth import KINDS, TEMPLATE_SETS, SynthDataset, generate_dataset, read_gold, write_synth
from privdesk.core.synth.checksums import is_dea_valid, is_iban_valid, is_luhn_valid, is_valid_ssn
from privdesk.core.synth.context import RecordContext, Style
from privdesk.core.synth.pools import pools_for
from privdesk.core.synth.samples import BUNDLED_SAMPLES
from privdesk.core.synth.template_sets import sentence_templates, template_problems, templates_for
from privdesk.core.synth.templating import TextBuilder, expansions
from privdesk.core.synth.values import PHONE_COUNTRIES, ValueFactory, phone_number
from privdesk.core.synth.writer import gold_path_for
from privdesk.core.types import ENTITY_TYPES, Span
from privdesk.paths import samples_dir

SAMPLE_ROWS = 500


@pytest.fixture(scope="module")
def samples() -> dict[tuple[str, str], SynthDataset]:
    """500 records of every kind in both template sets (about a second to make)."""
    return {(kind, template_set): generate_dataset(kind, SAMPLE_ROWS, seed=0, template_set=template_set)
            for kind in KINDS for template_set in TEMPLATE_SETS}


def _values(data: SynthDataset, entity_type: str) -> list[str]:
    return [data.value(span) for span in data.spans if span.entity_type == entity_type]


def _all_values(samples: dict, entity_type: str) -> list[str]:
    return [value for data in samples.values() for value in _values(data, entity_type)]


# --- the public API ---

def test_kinds_and_columns(samples):
    assert KINDS == ("notes", "tickets", "transactions", "chat")
    expected = {
        "notes": ["note_id", "patient_name", "dob", "mrn", "note_text"],
        "tickets": ["ticket_id", "customer_email", "phone", "subject", "body"],
        "transactions": ["txn_id", "date", "amount", "currency", "account_iban", "memo"],
        "chat": ["conversation_id", "turn", "speaker", "message"],
    }
    for (kind, _), data in samples.items():
        assert data.kind == kind
        assert list(data.columns) == expected[kind]
        assert all(len(values) == SAMPLE_ROWS for values in data.columns.values())
        frame = data.to_pandas()
        assert list(frame.columns) == expected[kind] and len(frame) == SAMPLE_ROWS


def test_spans_by_record_groups_in_order(samples):
    data = samples[("tickets", "dev")]
    grouped = data.spans_by_record()
    assert len(grouped) == SAMPLE_ROWS
    assert [span for spans in grouped for span in spans] == data.spans
    assert all(span.record == index for index, spans in enumerate(grouped) for span in spans)


def test_same_arguments_give_the_same_data():
    first = generate_dataset("notes", 60, seed=11, template_set="heldout")
    second = generate_dataset("notes", 60, seed=11, template_set="heldout")
    assert first.columns == second.columns and first.spans == second.spans
    other_seed = generate_dataset("notes", 60, seed=12, template_set="heldout")
    assert other_seed.columns["note_text"] != first.columns["note_text"]
    other_set = generate_dataset("notes", 60, seed=11, template_set="dev")
    assert other_set.columns["note_text"] != first.columns["note_text"]


def _fingerprint_script() -> str:
    return (
        "import hashlib, json\n"
        "from privdesk.core.synth import generate_dataset\n"
        "parts = []\n"
        "for kind in ('notes', 'chat'):\n"
        "    d = generate_dataset(kind, 40, seed=5)\n"
        "    parts.append(json.dumps([d.columns, [s.to_json(with_record=True) for s in d.spans]], sort_keys=True))\n"
        "print(hashlib.sha256(''.join(parts).encode()).hexdigest())\n"
    )


@pytest.mark.slow
def test_deterministic_across_processes():
    """Hash randomisation differs per process; the data must not depend on it."""
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run([sys.executable, "-c", _fingerprint_script()], capture_output=True, text=True,
                                env=env, cwd=Path(__file__).resolve().parents[2], timeout=120)
        assert result.returncode == 0, result.stderr
        digests.add(result.stdout.strip())
    assert len(digests) == 1


def test_bad_arguments_give_clear_errors():
    with pytest.raises(ValueError, match=r"unknown synthetic data kind 'emails'.*notes, tickets, transactions, chat"):
        generate_dataset("emails", 5)
    with pytest.raises(ValueError, match=r"unknown template set 'test'.*dev, heldout"):
        generate_dataset("notes", 5, template_set="test")
    with pytest.raises(ValueError, match="rows"):
        generate_dataset("notes", -1)
    assert generate_dataset("chat", 0).num_rows == 0


# --- gold spans ---

def test_every_span_lies_in_its_cell_and_is_a_clean_value(samples):
    for data in samples.values():
        for span in data.spans:
            assert span.entity_type in ENTITY_TYPES
            assert span.score == 1.0 and span.recognizer == "gold"
            cell = data.columns[span.column][span.record]
            assert isinstance(cell, str)
            assert 0 <= span.start < span.end <= len(cell)
            value = cell[span.start:span.end]
            assert value == value.strip() and value, (span, value)


def test_spans_do_not_overlap(samples):
    for data in samples.values():
        ordered = sorted(data.spans, key=lambda span: (span.record, span.column, span.start))
        for before, after in zip(ordered, ordered[1:]):
            assert not before.overlaps(after), (before, after)


def test_identifier_cells_are_one_whole_span_and_ids_have_none(samples):
    for data in samples.values():
        by_cell = Counter((span.record, span.column) for span in data.spans)
        for column, role in data.roles.items():
            for record, cell in enumerate(data.columns[column]):
                spans = [span for span in data.spans if span.record == record and span.column == column] \
                    if by_cell[(record, column)] else []
                if role.kind == "ignore":
                    assert not spans, (column, record)
                elif role.kind == "identifier":
                    if role.entity_type == "PERSON" and column == "speaker" and not spans:
                        continue  # an agent, or a customer shown as "customer"
                    if cell == "":
                        assert not spans
                        continue
                    assert len(spans) == 1, (column, record, spans)
                    assert (spans[0].start, spans[0].end, spans[0].entity_type) == (0, len(cell), role.entity_type)


def test_every_entity_type_appears_in_both_template_sets(samples):
    for template_set in TEMPLATE_SETS:
        seen = Counter(span.entity_type for (_, chosen), data in samples.items() if chosen == template_set
                       for span in data.spans)
        assert set(ENTITY_TYPES) <= set(seen), set(ENTITY_TYPES) - set(seen)


def test_identifiers_pass_their_validators(samples):
    cards = _all_values(samples, "CREDIT_CARD")
    ibans = _all_values(samples, "IBAN_CODE")
    ssns = _all_values(samples, "US_SSN")
    deas = _all_values(samples, "MEDICAL_LICENSE")
    assert len(cards) > 50 and len(ibans) > 500 and len(ssns) > 50 and len(deas) > 30
    assert all(is_luhn_valid(card) for card in cards)
    assert all(is_iban_valid(iban) for iban in ibans)
    assert all(is_valid_ssn(ssn) for ssn in ssns)
    assert all(is_dea_valid(dea) for dea in deas)
    # several shapes of each
    assert any(" " in card for card in cards) and any("-" in card for card in cards) and any(card.isdigit() for card in cards)
    assert any(" " in iban for iban in ibans) and any(" " not in iban for iban in ibans)
    assert len({iban[:2] for iban in ibans}) >= 8
    assert any("-" in ssn for ssn in ssns) and any(ssn.isdigit() for ssn in ssns)


def test_checksum_functions_on_known_values():
    assert is_luhn_valid("4111 1111 1111 1111") and not is_luhn_valid("4111 1111 1111 1112")
    assert is_iban_valid("GB82 WEST 1234 5698 7654 32") and is_iban_valid("DE89370400440532013000")
    assert not is_iban_valid("DE89370400440532013001") and not is_iban_valid("XX89370400440532013000")
    assert is_dea_valid("AB1234563") and not is_dea_valid("AB1234564")
    assert is_valid_ssn("536-22-8726") and is_valid_ssn("536228726")
    for bad in ("078-05-1120", "666-12-3456", "000-12-3456", "912-12-3456", "536-00-8726", "536-22-0000", "536-22 8726"):
        assert not is_valid_ssn(bad), bad


def test_phone_numbers_are_valid_in_every_country():
    rng = random.Random(3)
    for country in PHONE_COUNTRIES:
        for _ in range(40):
            text = phone_number(rng, country)
            assert phonenumbers.is_valid_number(phonenumbers.parse(text.replace("(0)", ""), country)), (country, text)


def test_value_formats_are_varied(samples):
    phones = _all_values(samples, "PHONE_NUMBER")
    for pattern in (r"^\+44 \d{2,4} ", r"^\(\d{3}\) \d{3}-\d{4}$", r"^\d{3}\.\d{3}\.\d{4}$", r"^0\d{2} \d{7,8}$",
                    r"^\+33 \d( \d\d){4}$", r"^\+\d{10,13}$"):
        assert any(re.search(pattern, phone) for phone in phones), pattern
    dates = _all_values(samples, "DATE_TIME")
    for pattern in (r"^\d\d/\d\d/\d{4}$", r"^\d\d\.\d\d\.\d{4}$", r"^[A-Z][a-z]+ \d{1,2}, \d{4}$", r"^\d{4}-\d\d-\d\d$",
                    r"^\d\d [A-Z][a-z]{2} \d{4}$"):
        assert any(re.search(pattern, date) for date in dates), pattern
    ips = _all_values(samples, "IP_ADDRESS")
    assert any(":" in ip for ip in ips) and any(re.fullmatch(r"[\d.]+", ip) for ip in ips)
    emails = _all_values(samples, "EMAIL_ADDRESS")
    assert all(re.fullmatch(r"[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]{2,}", email) for email in emails)
    # A record repeats its customer's address; across records addresses should rarely repeat.
    per_record = {(key, span.record, data.value(span)) for key, data in samples.items()
                  for span in data.spans if span.entity_type == "EMAIL_ADDRESS"}
    assert len(set(emails)) > 0.95 * len(per_record)


def test_ages_are_numbers_in_varied_phrases(samples):
    contexts = Counter()
    for data in samples.values():
        for span in data.spans:
            if span.entity_type == "AGE":
                text = data.columns[span.column][span.record]
                assert data.value(span).isdigit()
                around = text[max(0, span.start - 6):span.end + 10]
                for phrase in ("-year-old", "aged ", "age: ", " y/o", "yo", " years old", "yrs"):
                    if phrase in around:
                        contexts[phrase] += 1
    assert len(contexts) >= 6, contexts


def test_titles_stay_outside_person_spans(samples):
    titles_before = 0
    for data in samples.values():
        for span in data.spans:
            if span.entity_type != "PERSON":
                continue
            value = data.value(span)
            assert not re.match(r"(Dr|Mr|Mrs|Ms|Miss|Prof)\.? ", value), value
            text = data.columns[span.column][span.record]
            if re.search(r"(Dr|Mr|Mrs|Ms|Prof)\.? $", text[:span.start]):
                titles_before += 1
    assert titles_before > 100


def test_names_come_from_many_locales_and_sometimes_lower_case(samples):
    people = _all_values(samples, "PERSON")
    assert any(re.search(r"[äöüßéèñçãłąęśżó]", person) for person in people)
    assert any(person.islower() for person in people)
    assert len(set(people)) > 0.6 * len(people)


def test_addresses_come_multi_line_and_on_one_line(samples):
    locations = _all_values(samples, "LOCATION")
    multi_line = [value for value in locations if "\n" in value]
    one_line = [value for value in locations if "\n" not in value and "," in value and re.search(r"\d", value)]
    assert len(multi_line) > 50 and len(one_line) > 50
    assert any(re.search(r"\n\d{5} \S", value) for value in multi_line)  # German style: PLZ before the town
    assert any(re.search(r"\n[^\n]+, [A-Z]{2} \d{5}", value) for value in multi_line)  # US style


def test_noise_and_texts_without_pii(samples):
    notes = samples[("notes", "dev")]
    text_spans = [[span for span in spans if span.column == "note_text"] for spans in notes.spans_by_record()]
    assert sum(1 for spans in text_spans if not spans) > 10
    dosage = re.compile(r"\b\d+(\.\d+)? ?(mg|mcg|mL|g)\b")
    found = 0
    for record, text in enumerate(notes.columns["note_text"]):
        for match in dosage.finditer(text):
            found += 1
            assert not any(span.start < match.end() and match.start() < span.end for span in text_spans[record])
    assert found > 50


def test_free_text_has_no_blank_lines_or_outer_whitespace(samples):
    for data in samples.values():
        for column, role in data.roles.items():
            if role.kind != "text":
                continue
            for text in data.columns[column]:
                assert text and text == text.strip()
                assert all(line.strip() for line in text.split("\n")), text
                assert "  " not in text, text


def test_typos_change_literal_words_only():
    values = ValueFactory(random.Random(1), pools_for("dev"))
    context = RecordContext(values, templates_for("dev", "notes"), anchor=dt.date(2022, 5, 1),
                            style=Style(typo_rate=1.0))
    built = context.render("Patient {patient} tolerated the procedure extremely well.")
    text = built.text()
    (start, end, entity_type), = built.spans
    assert entity_type == "PERSON" and text[start:end] == context.person("patient").full
    assert "tolerated" not in text and "procedure" not in text


def test_text_builder_tidies_joins_without_moving_spans():
    out = TextBuilder()
    out.literal("  Seen by ")
    out.entity("Ada Lovelace", "PERSON")
    out.literal(" ")
    out.literal(" today ")
    out.literal("\nPlan: rest.")
    out.literal("\n")
    text = out.text()
    assert text == "Seen by Ada Lovelace today\nPlan: rest."
    assert [text[start:end] for start, end, _ in out.spans] == ["Ada Lovelace"]


# --- the two template sets ---

def test_template_sets_are_sound():
    for template_set in TEMPLATE_SETS:
        assert template_problems(template_set) == []


def test_template_checks_catch_mistakes(monkeypatch):
    from privdesk.core.synth import template_sets

    broken = {kind: dict(pools) for kind, pools in template_sets._SETS["dev"].items()}
    broken["notes"]["plain"] = ("{no_such_slot}", "{patient:nickname}", "{@missing}", "{date:yesterday}", "[unclosed")
    monkeypatch.setitem(template_sets._SETS, "dev", broken)
    problems = "\n".join(template_sets.template_problems("dev"))
    for expected in ("unknown slot 'no_such_slot'", "unknown variant 'nickname'", "missing pool 'missing'",
                     "unknown variant 'yesterday'", "unclosed '['"):
        assert expected in problems


def test_every_template_renders_with_exact_spans():
    for template_set in TEMPLATE_SETS:
        values = ValueFactory(random.Random(template_set), pools_for(template_set))
        for kind in KINDS:
            pools = templates_for(template_set, kind)
            for name, pool in pools.items():
                if name == "script":
                    continue
                for template in pool:
                    context = RecordContext(values, pools, anchor=dt.date(2021, 3, 14), style=Style())
                    built = context.render(template)
                    text = built.text()
                    assert text, template
                    for start, end, entity_type in built.spans:
                        assert entity_type in ENTITY_TYPES and 0 <= start < end <= len(text)


def test_template_sets_are_large():
    for kind in KINDS:
        for template_set in TEMPLATE_SETS:
            assert len(sentence_templates(template_set, kind)) >= 40, (kind, template_set)


_SLOT = re.compile(r"\{[^}]*\}")


def _shape(expansion: str) -> str:
    return " ".join(re.findall(r"[a-z']+", _SLOT.sub(" ", expansion.lower())))


def test_dev_and_heldout_templates_are_disjoint():
    for kind in KINDS:
        dev = sentence_templates("dev", kind)
        heldout = sentence_templates("heldout", kind)
        assert not set(dev) & set(heldout)
        dev_expanded = {text for template in dev for text in expansions(template)}
        heldout_expanded = {text for template in heldout for text in expansions(template)}
        assert not dev_expanded & heldout_expanded
        # Also by wording alone (slots removed), for every shape that has a few words of its own.
        dev_shapes = {_shape(text) for text in dev_expanded if len(_shape(text).split()) >= 3}
        heldout_shapes = {_shape(text) for text in heldout_expanded if len(_shape(text).split()) >= 3}
        assert not dev_shapes & heldout_shapes, dev_shapes & heldout_shapes
    assert not set(templates_for("dev", "chat")["script"]) & set(templates_for("heldout", "chat")["script"])


def test_dev_and_heldout_vocabularies_are_disjoint():
    dev, heldout = pools_for("dev"), pools_for("heldout")
    for locale, dev_pool in dev.locales.items():
        held_pool = heldout.locales[locale]
        for field in ("first_male", "first_female", "last", "companies"):
            dev_values, held_values = getattr(dev_pool, field), getattr(held_pool, field)
            if dev_values != held_values:  # a pool too small to split is shared whole
                assert not set(dev_values) & set(held_values), (locale, field)
    assert not set(dev.merchants) & set(heldout.merchants)


# --- files ---

@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl", "parquet", "txt"])
@pytest.mark.parametrize("kind", KINDS)
def test_write_synth_round_trip(tmp_path, kind, fmt):
    data = generate_dataset(kind, 40, seed=9, template_set="heldout")
    dataset_path, gold_path = write_synth(data, tmp_path / f"sample.{fmt}")
    assert dataset_path == tmp_path / f"sample.{fmt}" and gold_path == tmp_path / "sample.gold.jsonl"
    read = read_dataset(dataset_path, ReadOptions(text_split="paragraph") if fmt == "txt" else None)
    gold = read_gold(gold_path)
    assert read.num_rows == len(gold) == 40
    lines = gold_path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["record"] for line in lines] == list(range(40))
    expected = data.spans_by_record()
    for record, spans in enumerate(gold):
        if fmt == "txt":
            assert read.columns == ["text"]
            want = [(s.start, s.end, s.entity_type) for s in expected[record] if s.column == data.text_column]
            assert [(s.start, s.end, s.entity_type) for s in spans] == want
            assert all(s.column == "text" for s in spans)
        else:
            assert [(s.column, s.start, s.end, s.entity_type) for s in spans] == \
                   [(s.column, s.start, s.end, s.entity_type) for s in expected[record]]
        for span in spans:
            assert read.text(record, span.column)[span.start:span.end] == span.extra["value"]


def test_txt_keeps_one_record_per_paragraph_even_without_newlines(tmp_path):
    data = generate_dataset("transactions", 30, seed=1)
    assert not any("\n" in memo for memo in data.columns["memo"])
    dataset_path, _ = write_synth(data, tmp_path / "memos.txt")
    read = read_dataset(dataset_path, ReadOptions(text_split="paragraph"))
    assert read.column_values("text") == data.columns["memo"]


def test_gold_path_and_format_argument(tmp_path):
    assert gold_path_for(tmp_path / "a.b.csv") == tmp_path / "a.b.gold.jsonl"
    data = generate_dataset("chat", 10)
    dataset_path, gold_path = write_synth(data, tmp_path / "chat.data", format="jsonl")
    assert gold_path == tmp_path / "chat.gold.jsonl"
    assert read_dataset(dataset_path, ReadOptions(format="jsonl")).num_rows == 10
    with pytest.raises(DatasetError, match="extension"):
        write_synth(data, tmp_path / "noextension")


def test_read_gold_reports_bad_files(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        read_gold(tmp_path / "missing.gold.jsonl")
    broken = tmp_path / "broken.gold.jsonl"
    broken.write_text('{"record": 0, "spans": []}\n{"record": 1, "spans": [{"start": 1}]}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match="line 2"):
        read_gold(broken)
    gappy = tmp_path / "gappy.jsonl"
    gappy.write_text('{"record": 2, "spans": [{"column": "text", "start": 0, "end": 3, "entity_type": "PERSON", '
                     '"score": 0.7, "recognizer": "spacy"}]}\n', encoding="utf-8")
    assert read_gold(gappy) == [[], [], [Span(2, "text", 0, 3, "PERSON", 0.7, "spacy")]]


def test_cli_synth_writes_data_and_gold(tmp_path):
    from privdesk.cli import main

    output = tmp_path / "tickets.csv"
    assert main(["synth", "--kind", "tickets", "--rows", "12", "--seed", "4", "--templates", "heldout",
                 "-o", str(output)]) == 0
    assert read_dataset(output).num_rows == 12
    assert len(read_gold(tmp_path / "tickets.gold.jsonl")) == 12


def test_bundled_samples_exist_and_line_up_with_their_gold():
    folder = samples_dir()
    assert (folder / "clinical_notes.csv").is_file()  # what `make run` opens
    assert (folder / "README.md").is_file()
    for sample in BUNDLED_SAMPLES:
        path = folder / sample.file_name
        assert path.is_file() and path.stat().st_size < 500_000, path
        gold_path = gold_path_for(path)
        assert gold_path.stat().st_size < 500_000
        read = read_dataset(path, ReadOptions(text_split="paragraph") if path.suffix == ".txt" else None)
        gold = read_gold(gold_path)
        assert read.num_rows == sample.rows and len(gold_path.read_text(encoding="utf-8").splitlines()) == sample.rows
        types = set()
        for record, spans in enumerate(gold):
            for span in spans:
                assert read.text(record, span.column)[span.start:span.end] == span.extra["value"]
                types.add(span.entity_type)
        assert len(types) >= 10, (path, types)
