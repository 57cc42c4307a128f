"""Masking a project's dataset after review: accepted spans masked, rejected kept, pending by threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from privdesk.core.dataset import read_dataset, write_dataset
from privdesk.core.mask import VaultError, export_dataset, load_preset, reidentify_file
from privdesk.core.mask import vault as vault_module
from privdesk.core.mask.project_spans import review_summary, spans_to_mask
from privdesk.core.project import Project
from privdesk.core.types import Span

NOTES = ["Ann Lee called from Boston.", "No PII here.", "Bob Stone, 612-928-6690.", "Met Carl Diaz in Paris."]


@pytest.fixture
def project(tmp_path: Path):
    dataset = tmp_path / "notes.csv"
    write_dataset(pa.table({"note": NOTES}), dataset)
    made = Project.create(tmp_path / "study.privdesk")
    made.set_dataset(dataset, format="csv", options={}, num_rows=len(NOTES))
    made.add_detections([
        Span(0, "note", 0, 7, "PERSON", 0.95, "spacy"),      # accepted
        Span(0, "note", 20, 26, "LOCATION", 0.9, "spacy"),   # rejected
        Span(2, "note", 0, 9, "PERSON", 0.85, "spacy"),      # pending, above the threshold
        Span(2, "note", 11, 23, "PHONE_NUMBER", 0.3, "re"),  # pending, below: not masked, counted
        Span(3, "note", 4, 13, "PERSON", 0.2, "spacy"),      # relabelled (accepted) despite its score
    ])
    by_start = {(d.record, d.start): d.id for d in made.detections()}
    made.record_decision("accept", detection_id=by_start[(0, 0)])
    made.record_decision("reject", detection_id=by_start[(0, 20)])
    made.record_decision("relabel", detection_id=by_start[(3, 4)], entity_type="ORGANIZATION")
    made.record_decision("add", record=3, column="note", start=17, end=22, entity_type="LOCATION")
    yield made, dataset
    made.close()


def test_spans_to_mask_follow_the_review(project):
    made, _ = project
    spans = list(spans_to_mask(made, threshold=0.5))
    assert len(spans) == len(NOTES)
    assert [(s.start, s.entity_type) for s in spans[0]] == [(0, "PERSON")]
    assert spans[1] == []
    assert [(s.start, s.entity_type) for s in spans[2]] == [(0, "PERSON")]
    assert sorted((s.start, s.entity_type) for s in spans[3]) == [(4, "ORGANIZATION"), (17, "LOCATION")]
    summary = review_summary(made, threshold=0.5)
    assert (summary.reviewed_records, summary.total_records, summary.unreviewed_records) == (2, 4, 2)
    assert (summary.pending_spans, summary.pending_below_threshold) == (2, 1)


def test_export_from_a_project_uses_its_secret_and_binds_the_vault_to_it(project, tmp_path, monkeypatch):
    monkeypatch.setattr(vault_module, "SCRYPT_N", 2**10)
    made, dataset = project
    output, vault, report = tmp_path / "masked.csv", tmp_path / "masked.vault", tmp_path / "report.json"
    export_dataset(dataset, spans_to_mask(made), load_preset("hipaa_safe_harbor"), made.project_secret(), output,
                   report_path=report, vault_path=vault, passphrase="pw", project_id=made.project_id,
                   review=review_summary(made))
    masked = read_dataset(output).column_values("note")
    assert masked == ["<PERSON_1> called from Boston.", "No PII here.", "<PERSON_2>, 612-928-6690.",
                      "Met <ORGANIZATION> in <LOCATION>."]
    audit = json.loads(report.read_text(encoding="utf-8"))
    assert audit["review"]["pending_below_threshold"] == 1 and audit["project_id"] == made.project_id
    reidentify_file(output, vault, "pw", tmp_path / "back.csv", expected_project_id=made.project_id)
    assert (tmp_path / "back.csv").read_bytes() == dataset.read_bytes()
    with pytest.raises(VaultError, match="another project"):
        reidentify_file(output, vault, "pw", tmp_path / "back2.csv", expected_project_id="someone-else")
