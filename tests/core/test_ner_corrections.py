"""Tuning the PII tagger on the analyst's review decisions: which records teach it, the sealed weights."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from privdesk.core.dataset import ReadOptions, read_dataset, write_dataset
from privdesk.core.errors import PrivDeskError, ProjectError
from privdesk.core.ner.corrections import (RUN_KIND, examples_from_project, split_holdout, reviewed_records,
                                           tagger_folder, tune_tagger_from_project)
from privdesk.core.ner.data import TextExample
from privdesk.core.progress import CancelToken, Cancelled
from privdesk.core.project import DecisionRequest, Project
from privdesk.core.types import ColumnRole, Span

NOTES = ["Ann Lee called from Boston.", "Bob Stone, 612-928-6690.", "Met Carl Diaz in Paris.", "nothing here at all",
         "Dana Fox wrote.", "Call Eve Park today."]
COMMENTS = ["", "", "moved to Rome", "", "", "fine"]
EMAILS = ["ann@example.org", "bob@example.org", "", "", "", "eve@example.org"]


def small_project(tmp_path: Path) -> tuple[Project, object]:
    """Six records reviewed to different degrees (see the comments), two text columns, one identifier column."""
    path = tmp_path / "notes.csv"
    write_dataset(pa.table({"note": NOTES, "comment": COMMENTS, "email": EMAILS}), path)
    dataset = read_dataset(path, ReadOptions(format="csv"))
    project = Project.create(tmp_path / "study.privdesk")
    project.set_dataset(path, format="csv", options={"format": "csv"}, num_rows=len(NOTES))
    project.set_column_roles({"note": ColumnRole("text"), "comment": ColumnRole("text"),
                              "email": ColumnRole("identifier", "EMAIL_ADDRESS")})
    project.add_detections([
        Span(0, "note", 0, 7, "PERSON", 0.9, "spacy"),          # accepted
        Span(0, "note", 20, 26, "LOCATION", 0.5, "spacy"),      # rejected
        Span(0, "email", 0, 15, "EMAIL_ADDRESS", 1.0, "column:email"),  # accepted, but not a text column
        Span(1, "note", 0, 9, "PERSON", 0.9, "spacy"),          # accepted ...
        Span(1, "note", 11, 23, "PHONE_NUMBER", 0.4, "re"),     # ... this one pending: record 1 is out
        Span(2, "note", 4, 13, "PERSON", 0.6, "spacy"),         # relabelled ORGANIZATION
        Span(3, "note", 0, 7, "PERSON", 0.3, "spacy"),          # rejected: record 3 teaches "no PII"
        Span(4, "note", 0, 8, "PERSON", 0.8, "spacy"),          # never decided: record 4 is out
        Span(5, "note", 5, 8, "PERSON", 0.7, "spacy"),          # resized to "Eve Park"
    ])
    ids = {(d.record, d.column, d.start): d.id for d in project.detections()}
    project.record_decisions([
        DecisionRequest("accept", detection_id=ids[(0, "note", 0)]),
        DecisionRequest("reject", detection_id=ids[(0, "note", 20)]),
        DecisionRequest("accept", detection_id=ids[(0, "email", 0)]),
        DecisionRequest("accept", detection_id=ids[(1, "note", 0)]),
        DecisionRequest("relabel", detection_id=ids[(2, "note", 4)], entity_type="ORGANIZATION"),
        DecisionRequest("add", record=2, column="note", start=17, end=22, entity_type="LOCATION"),
        DecisionRequest("add", record=2, column="comment", start=9, end=13, entity_type="LOCATION"),
        DecisionRequest("reject", detection_id=ids[(3, "note", 0)]),
        DecisionRequest("resize", detection_id=ids[(5, "note", 5)], start=5, end=13),
    ])
    return project, dataset


def test_examples_come_from_fully_reviewed_records_and_text_columns_only(tmp_path):
    project, dataset = small_project(tmp_path)
    with project:
        records = reviewed_records(project, dataset)
        examples = examples_from_project(project, dataset, min_records=1)
    assert [record.record for record in records] == [0, 2, 3, 5]
    assert examples == [
        TextExample(NOTES[0], ((0, 7, "PERSON"),)),                       # the rejected LOCATION is no entity
        TextExample(NOTES[2], ((4, 13, "ORGANIZATION"), (17, 22, "LOCATION"))),
        TextExample(COMMENTS[2], ((9, 13, "LOCATION"),)),
        TextExample(NOTES[3], ()),
        TextExample(NOTES[5], ((5, 13, "PERSON"),)),
        TextExample(COMMENTS[5], ()),
    ]
    assert not any("example.org" in example.text for example in examples)  # the identifier column stays out


def test_too_few_reviewed_records_say_how_many_are_needed_and_how_many_there_are(tmp_path):
    project, dataset = small_project(tmp_path)
    with project:
        with pytest.raises(ProjectError) as caught:
            examples_from_project(project, dataset, min_records=30)
        message = caught.value.message
        assert "at least 30 fully reviewed records" in message and "4 are fully reviewed" in message
        assert "Review" in message and str(project.path) in message
        with pytest.raises(ProjectError, match="4 are fully reviewed"):
            tune_tagger_from_project(project, dataset, tmp_path / "tagger", min_records=5)
        assert not (tmp_path / "tagger").exists() and project.runs(RUN_KIND) == []


def test_decisions_that_do_not_fit_the_dataset_are_reported(tmp_path):
    project, _ = small_project(tmp_path)
    other = tmp_path / "other.csv"
    write_dataset(pa.table({"note": ["short"] * 6, "comment": [""] * 6, "email": [""] * 6}), other)
    with project:
        with pytest.raises(ProjectError, match="not the one the project was reviewed on"):
            reviewed_records(project, read_dataset(other, ReadOptions(format="csv")))


def test_the_holdout_is_a_seeded_disjoint_fifth():
    from privdesk.core.ner.corrections import ReviewedRecord

    records = [ReviewedRecord(index, (TextExample(f"text {index}"),)) for index in range(50)]
    kept, held = split_holdout(records, 0.2, seed=4)
    assert len(held) == 10 and len(kept) == 40
    assert {r.record for r in kept}.isdisjoint({r.record for r in held})
    assert split_holdout(records, 0.2, seed=4) == (kept, held)
    assert split_holdout(records, 0.2, seed=5)[1] != held
    assert len(split_holdout(records[:2], 0.2)[1]) == 1  # always one to score on, one to train on


# --- a tiny tuning run --------------------------------------------------------------------------------


@pytest.fixture
def synth_project(tmp_path):
    """12 synthetic notes whose gold spans the analyst added by hand: every record fully reviewed."""
    from privdesk.core.synth import generate_dataset

    data = generate_dataset("notes", 12, seed=5, template_set="heldout")
    path = tmp_path / "synth.csv"
    write_dataset(pa.table({column: [str(value) for value in values] for column, values in data.columns.items()}),
                  path)
    dataset = read_dataset(path, ReadOptions(format="csv"))
    project = Project.create(tmp_path / "synth.privdesk")
    project.set_dataset(path, format="csv", options={"format": "csv"}, num_rows=dataset.num_rows)
    project.set_column_roles(dict(data.roles))
    text_columns = {column for column, role in data.roles.items() if role.kind == "text"}
    project.record_decisions([
        DecisionRequest("add", record=span.record, column=span.column, start=span.start, end=span.end,
                        entity_type=span.entity_type) for span in data.spans if span.column in text_columns])
    values = {data.value(span) for span in data.spans if span.column in text_columns and span.end - span.start >= 5}
    reviewed = {span.record for span in data.spans if span.column in text_columns}
    yield project, dataset, values, reviewed
    project.close()


def tiny_run(project, dataset, folder, **kwargs):
    return tune_tagger_from_project(project, dataset, folder, epochs=1, max_steps=2, min_records=5,
                                    synthetic_share=0.25, **kwargs)


@pytest.mark.slow
def test_a_tiny_tuning_run_seals_its_weights_and_loads_back(synth_project, tmp_path):
    from privdesk.core.ner.model import SEALED_MANIFEST, SEALED_WEIGHTS, PiiTagger
    from privdesk.core.ner.recognizer import TransformerRecognizer

    project, dataset, values, reviewed = synth_project
    assert len(values) > 10 and len(reviewed) >= 8
    seen = []
    result = tiny_run(project, dataset, tagger_folder(project), progress=seen.append)
    folder = tagger_folder(project)
    assert result.folder == folder and folder.name == "synth.privdesk.tagger"
    assert result.steps == 2 and result.reviewed_records == len(reviewed)
    assert result.holdout_records == round(len(reviewed) * 0.2) and result.training_records == len(reviewed) - result.holdout_records
    assert result.synthetic_texts == result.training_texts // 4
    held_gold = result.after["ALL"]["tp"] + result.after["ALL"]["fn"]
    assert held_gold == result.before["ALL"]["tp"] + result.before["ALL"]["fn"] > 0
    assert any(info.message.startswith("training") for info in seen) and seen[-1].done == seen[-1].total

    # Nothing but the sealed weights and a plain description; no trained-on value in clear anywhere.
    assert sorted(path.name for path in folder.iterdir()) == [SEALED_MANIFEST, SEALED_WEIGHTS]
    contents = b"".join(path.read_bytes() for path in folder.iterdir())
    found = [value for value in values if value.encode("utf-8") in contents or value.lower().encode() in contents]
    assert found == []
    assert b"safetensors" not in contents.lower() and b"classifier.weight" not in contents
    assert (folder / SEALED_WEIGHTS).read_bytes().startswith(b"PRIVDESK-SEAL-")

    # It loads back (the secret read from the project's key file, or given) and tags.
    text = "Please call Margaret Thompson at margaret.thompson@example.com tomorrow."
    tagger = PiiTagger.load(folder)
    spans = tagger.predict([text, ""])
    assert spans[1] == [] and all(0 <= start < end <= len(text) for start, end, _type, _score in spans[0])
    recognizer = TransformerRecognizer(folder, secret=project.project_secret())
    assert [(r.start, r.end, r.entity_type) for r in recognizer.analyze(text)] == [
        s[:3] for s in spans[0] if s[2] in recognizer.supported_entities]
    with pytest.raises(PrivDeskError, match="cannot be opened.*key is wrong"):
        PiiTagger.load(folder, secret=bytes(32))

    # The run is in the project: settings and scores, never a value.
    [run] = project.runs(RUN_KIND)
    assert run.status == "done" and run.artefacts["tagger"] == folder
    assert run.results["after"]["ALL"] == result.after["ALL"] and run.params["epochs"] == 1
    recorded = json.dumps([run.params, run.results])
    assert not [value for value in values if value in recorded]


@pytest.mark.slow
def test_the_detection_engine_uses_a_sealed_tuned_tagger_as_its_gap_filler(synth_project, tmp_path):
    from privdesk.core.detect import DetectionEngine, DetectionSettings
    from privdesk.core.types import ColumnRole

    project, dataset, _values, _reviewed = synth_project
    folder = tiny_run(project, dataset, tagger_folder(project)).folder
    settings = DetectionSettings(use_transformer=True, transformer_model=str(folder))
    text = "Please call Margaret Thompson at margaret.thompson@example.com tomorrow."
    with DetectionEngine(settings) as engine:  # key-file project: the secret comes from beside the folder
        [spans] = list(engine.detect_records([{"note": text}], {"note": ColumnRole("text")}))
    assert ("EMAIL_ADDRESS", "margaret.thompson@example.com") in {(s.entity_type, text[s.start:s.end]) for s in spans}
    with pytest.raises(PrivDeskError):
        with DetectionEngine(settings, tagger_secret=bytes(32)) as engine:
            list(engine.detect_records([{"note": text}], {"note": ColumnRole("text")}))


@pytest.mark.slow
def test_cancelling_during_training_leaves_no_folder_and_records_the_cancel(synth_project, tmp_path):
    project, dataset, _, _ = synth_project
    token = CancelToken()

    def cancel_once_training(info):
        if info.message.startswith("training"):
            token.cancel()

    with pytest.raises(Cancelled):
        tiny_run(project, dataset, tmp_path / "tagger", progress=cancel_once_training, cancel=token)
    assert not (tmp_path / "tagger").exists()
    assert [run.status for run in project.runs(RUN_KIND)] == ["cancelled"]


def test_a_sealed_folder_of_another_project_is_refused(tmp_path):
    """The loader matches the folder to its project by id before decrypting anything."""
    from privdesk.core.ner.model import SEALED_FORMAT, SEALED_MANIFEST, SEALED_VERSION, PiiTagger

    project, _ = small_project(tmp_path)
    project.close()
    folder = tagger_folder(project)
    folder.mkdir()

    def manifest(**fields):
        (folder / SEALED_MANIFEST).write_text(json.dumps({
            "format": SEALED_FORMAT, "version": SEALED_VERSION, "project_id": project.project_id,
            "project_file": "study.privdesk", "spec": {"method": "top"}, **fields}))

    manifest(project_id="someone-else")
    with pytest.raises(PrivDeskError, match="sealed for another project"):
        PiiTagger.load(folder)
    manifest(project_file="../study.privdesk")
    with pytest.raises(PrivDeskError, match="not beside it"):
        PiiTagger.load(folder)
    manifest(version=99)
    with pytest.raises(PrivDeskError, match="not a sealed tagger description"):
        PiiTagger.load(folder)


def test_the_cli_names_the_shortfall_without_training(tmp_path, capsys):
    from privdesk.cli import main

    project, _ = small_project(tmp_path)
    project.close()
    assert main(["tune-tagger", str(project.path), "--min-records", "5"]) == 2
    error = capsys.readouterr().err
    assert "at least 5 fully reviewed records" in error and "4 are fully reviewed" in error
    assert not tagger_folder(project).exists()
