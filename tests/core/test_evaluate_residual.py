"""Residual PII: original values left in an export (exact places, values only on request), detector findings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pytest

from privdesk.core.dataset import write_dataset
from privdesk.core.evaluate import accepted_values_from_project, original_values, scan_export
from privdesk.core.evaluate.value_search import ValueMatcher
from privdesk.core.mask import export_dataset, load_preset
from privdesk.core.mask.project_spans import spans_to_mask
from privdesk.core.project import Project
from privdesk.core.types import Span

NOTES = ["Ann Lee called from Boston.", "No PII here.", "Bob Stone, 612-928-6690.", "Met Carl Diaz in Paris."]


def test_value_matcher_finds_whole_tokens_only():
    matcher = ValueMatcher(["Ann Lee", "Ann", "Bob", "Bobby", "+1 555-0100", "42", "a.b@example.com"])
    assert matcher.too_short == 1 and len(matcher) == 6
    text = "Ann Lee met Annual Bob and Bobby (42, not 1420); +1 555-0100 or a.b@example.com."
    found = [(start, end, value) for start, end, value in matcher.finditer(text)]
    assert found == [(0, 7, "Ann Lee"), (19, 22, "Bob"), (27, 32, "Bobby"), (49, 60, "+1 555-0100"),
                     (64, 79, "a.b@example.com")]
    assert list(matcher.finditer("AnnLee BobStone")) == []
    assert matcher.found_in(["hello Ann", "Bobby!"]) == {"Ann", "Bobby"}
    assert list(ValueMatcher([]).finditer("anything")) == []
    assert "Ann" not in repr(matcher)


def test_value_matcher_scales_to_many_values():
    values = [f"Person{index:05d} Name" for index in range(20_000)]
    matcher = ValueMatcher(values)
    text = "x " * 1000 + "Person12345 Name" + " y" * 1000
    assert [value for _, _, value in matcher.finditer(text)] == ["Person12345 Name"]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "notes.csv"
    write_dataset(pa.table({"id": ["a1", "a2", "a3", "a4"], "note": NOTES}), path)
    return path


def test_original_values_read_the_text_under_each_span(dataset: Path):
    spans = [[Span(0, "note", 0, 7, "PERSON"), Span(0, "note", 20, 26, "LOCATION")], [],
             [Span(2, "note", 11, 23, "PHONE_NUMBER")], [Span(3, "note", 4, 13, "PERSON")]]
    values = original_values(dataset, spans)
    assert values == {"Ann Lee": {"PERSON"}, "Boston": {"LOCATION"}, "612-928-6690": {"PHONE_NUMBER"},
                      "Carl Diaz": {"PERSON"}}


def test_scan_reports_where_values_remain_without_the_values(dataset: Path, tmp_path: Path):
    export = tmp_path / "masked.jsonl"
    rows = [{"id": "a1", "note": "<PERSON> called from <LOCATION>."}, {"id": "a2", "note": "No PII here."},
            {"id": "a3", "note": "<PERSON>, 612-928-6690."}, {"id": "a4", "note": "Met <PERSON>; Ann Lee again"}]
    export.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    values = {"Ann Lee": {"PERSON"}, "Boston": {"LOCATION"}, "612-928-6690": {"PHONE_NUMBER"},
              "Carl Diaz": {"PERSON"}, "Al": {"PERSON"}}
    report = scan_export(export, values)
    assert not report.clean and report.hit_count == 2
    assert [(h.record, h.column, h.start, h.end, h.entity_type, h.value) for h in report.hits] == [
        (2, "note", 10, 22, "PHONE_NUMBER", None), (3, "note", 14, 21, "PERSON", None)]
    assert report.hits_by_type == {"PERSON": 1, "PHONE_NUMBER": 1}
    assert (report.records, report.cells, report.values_checked, report.values_too_short) == (4, 8, 4, 1)
    assert report.findings is None
    serialised = json.dumps(report.to_dict())
    assert "612-928-6690" not in serialised and "Ann Lee" not in serialised

    with_values = scan_export(export, values, include_values=True)
    assert [h.value for h in with_values.hits] == ["612-928-6690", "Ann Lee"]


class RegexEngine:
    """A stand-in detector with DetectionEngine.detect_records' contract: phone numbers and <TAGS>."""

    pattern = re.compile(r"\d{3}-\d{3}-\d{4}|<[A-Z_]+>")

    def __init__(self):
        self.roles_seen = None

    def detect_records(self, rows, column_roles, *, progress=None, cancel=None):
        self.roles_seen = dict(column_roles)
        for record, row in enumerate(rows):
            spans = []
            for column in column_roles:
                for match in self.pattern.finditer(str(row.get(column) or "")):
                    kind = "PHONE_NUMBER" if match.group()[0].isdigit() else "TAG"
                    spans.append(Span(record, column, match.start(), match.end(), kind, 0.8, "regex"))
            yield spans


def test_a_project_export_is_clean_and_detector_findings_are_listed(dataset: Path, tmp_path: Path):
    with Project.create(tmp_path / "study.privdesk") as project:
        project.set_dataset(dataset, format="csv", options={}, num_rows=len(NOTES))
        project.add_detections([
            Span(0, "note", 0, 7, "PERSON", 0.95, "spacy"),
            Span(0, "note", 20, 26, "LOCATION", 0.9, "spacy"),   # rejected: "Boston" stays, and is no leak
            Span(2, "note", 11, 23, "PHONE_NUMBER", 0.9, "re"),
        ])
        ids = {(d.record, d.start): d.id for d in project.detections()}
        project.record_decision("accept", detection_id=ids[(0, 0)])
        project.record_decision("reject", detection_id=ids[(0, 20)])
        project.record_decision("accept", detection_id=ids[(2, 11)])
        project.record_decision("add", record=3, column="note", start=4, end=13, entity_type="PERSON")
        values = accepted_values_from_project(project)
        assert values == {"Ann Lee": {"PERSON"}, "612-928-6690": {"PHONE_NUMBER"}, "Carl Diaz": {"PERSON"}}
        export = tmp_path / "masked.csv"
        export_dataset(dataset, spans_to_mask(project), load_preset("hipaa_safe_harbor"), project.project_secret(),
                       export)
    engine = RegexEngine()
    report = scan_export(export, values, engine=engine)
    assert report.clean and report.hit_count == 0 and report.values_checked == 3
    assert report.detector_columns == ("id", "note") and set(engine.roles_seen) == {"id", "note"}
    assert report.finding_count == len(report.findings) > 0
    assert sum(report.findings_by_type.values()) == report.finding_count
    assert all(finding.value is None for finding in report.findings)
    # a leak planted into the export is found at its place
    leaked = tmp_path / "leaked.csv"
    text = export.read_text(encoding="utf-8").replace("No PII here.", "No PII here. Carl Diaz")
    leaked.write_text(text, encoding="utf-8")
    report = scan_export(leaked, values, engine=RegexEngine(), include_values=True)
    assert [(h.record, h.column, h.start, h.value) for h in report.hits] == [(1, "note", 13, "Carl Diaz")]
    assert all(finding.value is not None for finding in report.findings)


@pytest.mark.slow
def test_the_real_detector_flags_what_is_left_in_the_export(tmp_path: Path):
    from privdesk.core.detect import DetectionEngine, DetectionSettings

    export = tmp_path / "masked.csv"
    write_dataset(pa.table({"note": ["write to ann@example.com", "nothing", "call 612-928-6690"]}), export)
    with DetectionEngine(DetectionSettings(entities=("EMAIL_ADDRESS", "PHONE_NUMBER"))) as engine:
        report = scan_export(export, {"ann@example.com": {"EMAIL_ADDRESS"}}, engine=engine)
    assert report.hit_count == 1 and report.hits[0].record == 0
    assert [(f.record, f.entity_type) for f in report.findings] == [(0, "EMAIL_ADDRESS"), (2, "PHONE_NUMBER")]
