"""privdesk.core.review: the span index, bulk rules, value groups, allow/deny lists, explanations;
and privdesk.core.project_files: automatic project paths, Save as, checkpoints."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from privdesk.core.dataset import Dataset
from privdesk.core.errors import ProjectError
from privdesk.core.project import Project
from privdesk.core.project_files import automatic_project_path, checkpoint, save_project_as
from privdesk.core.review import (
    RecordState,
    ReviewLists,
    ScoreRule,
    ViewFilter,
    accept_pending_requests,
    allow_list_requests,
    build_index,
    deny_list_requests,
    describe_recognizer,
    explain_span,
    group_values,
    normalise_value,
    occurrence_requests,
    parse_terms,
    read_lists,
    rule_requests,
    span_texts,
    surrounding_words,
    write_lists,
)
from privdesk.core.review.index import ReviewIndex, scanned_ranges
from privdesk.core.review.lists import ReviewListError
from privdesk.core.review.values import occurrence_ids
from privdesk.core.types import Span

NOTES = [
    "Dr. Jane Roe met Acme Corp on 2024-03-02.",
    "Acme Corp called Dr. Ali Khan.",
    "Nothing to see here.",
    "Jane Roe wrote to acme  corp again.",
]


def note_spans() -> list[Span]:
    """Known detections over NOTES (offsets computed from the texts, so they are exact)."""
    def at(record: int, value: str, entity: str, score: float, recognizer: str, nth: int = 0) -> Span:
        text = NOTES[record]
        start = -1
        for _ in range(nth + 1):
            start = text.index(value, start + 1)
        return Span(record, "note", start, start + len(value), entity, score, recognizer)

    return [
        at(0, "Dr.", "PERSON", 0.35, "SpacyNerRecognizer"),
        at(0, "Jane Roe", "PERSON", 0.9, "PersonCueRecognizer"),
        at(0, "Acme Corp", "ORGANIZATION", 0.7, "OrganizationRecognizer"),
        at(0, "2024-03-02", "DATE_TIME", 0.6, "DatePatternRecognizer"),
        at(1, "Acme Corp", "ORGANIZATION", 0.65, "OrganizationRecognizer"),
        at(1, "Dr.", "PERSON", 0.3, "SpacyNerRecognizer"),
        at(1, "Ali Khan", "PERSON", 0.85, "PersonCueRecognizer"),
        at(3, "Jane Roe", "PERSON", 0.8, "SpacyNerRecognizer"),
        at(3, "acme  corp", "ORGANIZATION", 0.5, "SpacyNerRecognizer"),
    ]


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    path = tmp_path / "notes.csv"
    path.write_text("note\n" + "\n".join(f'"{note}"' for note in NOTES) + "\n", encoding="utf-8")
    return Dataset(pa.table({"note": NOTES}), path, "csv")


@pytest.fixture
def project(tmp_path: Path, dataset: Dataset) -> Project:
    project = Project.create(tmp_path / "study.privdesk")
    project.set_dataset(dataset.path, format="csv", options={}, num_rows=len(NOTES))
    run_id = project.start_detection_run({"start_record": 0, "fresh": True})
    project.add_detections(note_spans(), run_id)
    project.update_run(run_id, status="done", results={"records_done": len(NOTES)})
    yield project
    project.close()


def index_of(project: Project) -> ReviewIndex:
    return build_index(project, len(NOTES))


def test_the_index_counts_findings_and_states_per_record(project):
    index = index_of(project)
    assert index.span_count == 9
    assert index.visible.tolist() == [4, 3, 0, 2]
    assert index.pending.tolist() == [4, 3, 0, 2]
    assert [RecordState(s) for s in index.state] == [RecordState.UNREVIEWED, RecordState.UNREVIEWED,
                                                      RecordState.NO_FINDINGS, RecordState.UNREVIEWED]
    assert index.min_pending_score[0] == pytest.approx(0.35)
    assert index.progress() == (0, 3)
    assert index.type_counts() == {"PERSON": 5, "ORGANIZATION": 3, "DATE_TIME": 1}


def test_decisions_move_records_to_in_progress_and_done(project):
    index = index_of(project)
    detections = project.detections(record=3)
    project.record_decision("accept", detection_id=detections[0].id)
    index.replace_record(3, project.effective_spans(3))
    assert RecordState(index.state[3]) == RecordState.IN_PROGRESS
    project.record_decision("reject", detection_id=detections[1].id)
    index.replace_record(3, project.effective_spans(3))
    assert RecordState(index.state[3]) == RecordState.DONE
    assert index.pending[3] == 0 and index.visible[3] == 2
    assert index.progress() == (1, 3)
    assert index.span_count == 9  # replaced, not duplicated


def test_the_filter_hides_low_scores_and_types_but_keeps_analyst_spans(project):
    added = project.record_decision("add", record=2, column="note", start=0, end=7, entity_type="PERSON")
    index = index_of(project)
    index.set_filter(ViewFilter(threshold=0.6))
    assert index.visible.tolist() == [3, 2, 1, 1]
    assert RecordState(index.state[2]) == RecordState.DONE  # only the accepted analyst span
    index.set_filter(ViewFilter(threshold=0.0, hidden_types=frozenset({"PERSON"})))
    assert index.visible.tolist() == [2, 1, 0, 1]
    assert index.type_counts() == {"PERSON": 6, "ORGANIZATION": 3, "DATE_TIME": 1}  # a legend still counts hidden types
    # Rejecting an analyst span deletes it from view.
    project.record_decision("reject", added_span=added.id)
    index.set_filter(ViewFilter())
    index.replace_record(2, project.effective_spans(2))
    assert index.visible[2] == 0 and RecordState(index.state[2]) == RecordState.NO_FINDINGS


def test_order_puts_the_least_certain_first_and_filters_by_state(project):
    index = index_of(project)
    assert index.order("confidence").tolist() == [1, 0, 3, 2]  # 0.30, 0.35, 0.50, nothing pending
    assert index.order("record").tolist() == [0, 1, 2, 3]
    assert index.order("findings").tolist() == [0, 1, 3, 2]
    assert index.order("record", states=[RecordState.UNREVIEWED]).tolist() == [0, 1, 3]
    among = np.array([3, 1])
    assert index.order("record", among=among).tolist() == [1, 3]


def test_records_beyond_the_scanned_range_are_not_scanned(tmp_path, dataset):
    with Project.create(tmp_path / "partial.privdesk") as project:
        run_id = project.start_detection_run({"start_record": 0, "fresh": True})
        project.add_detections([s for s in note_spans() if s.record < 2], run_id)
        project.update_run(run_id, status="cancelled", results={"records_done": 2})
        assert scanned_ranges(project) == [(0, 2)]
        index = build_index(project, len(NOTES))
        assert [RecordState(s) for s in index.state][2:] == [RecordState.NOT_SCANNED, RecordState.NOT_SCANNED]


def test_a_score_rule_is_one_undo_step_over_pending_spans_of_its_type(project):
    index = index_of(project)
    rule = ScoreRule("reject", "PERSON", "below", 0.4)
    requests = rule_requests(index, rule)
    assert len(requests) == 2 and {r.action for r in requests} == {"reject"}
    project.record_decisions(requests)
    statuses = {(span.record, span.start): status for r in (0, 1) for span, status in project.effective_spans(r)
                if span.entity_type == "PERSON"}
    assert statuses == {(0, 0): "rejected", (0, 4): "pending", (1, 17): "rejected", (1, 21): "pending"}
    project.undo()
    assert all(status == "pending" for span, status in project.effective_spans(0))
    accept = ScoreRule("accept", "PERSON", "at_least", 0.85)
    assert len(rule_requests(index, accept)) == 2  # 0.9 and 0.85 (inclusive), not 0.8
    assert "at least 0.85" in accept.describe()
    with pytest.raises(ValueError):
        ScoreRule("relabel", "PERSON", "below", 0.4)  # type: ignore[arg-type]


def test_accept_the_rest_of_a_record_takes_only_visible_pending_spans(project):
    index = index_of(project)
    project.record_decision("reject", detection_id=project.detections(record=0)[0].id)
    index.replace_record(0, project.effective_spans(0))
    index.set_filter(ViewFilter(threshold=0.65))
    requests = accept_pending_requests(index, 0)
    assert len(requests) == 2  # Jane Roe 0.9 and Acme Corp 0.7; the date (0.6) is hidden, Dr. already rejected


def test_values_group_by_type_and_normalised_text(project, dataset):
    index = index_of(project)
    texts = span_texts(index.rows_snapshot(), dataset)
    assert sorted(texts.texts) == sorted(["Dr.", "Jane Roe", "Acme Corp", "2024-03-02", "Acme Corp", "Dr.",
                                          "Ali Khan", "Jane Roe", "acme  corp"])
    groups = group_values(texts)
    assert list(groups) == ["PERSON", "ORGANIZATION", "DATE_TIME"]
    organisation = groups["ORGANIZATION"][0]
    assert (organisation.key, organisation.value, organisation.count) == ("acme corp", "Acme Corp", 3)
    assert organisation.records.tolist() == [0, 1, 3] and organisation.pending == 3
    assert [(g.key, g.count) for g in groups["PERSON"]] == [("dr.", 2), ("jane roe", 2), ("ali khan", 1)]


def test_apply_to_every_occurrence_of_a_value(project, dataset):
    index = index_of(project)
    texts = span_texts(index.rows_snapshot(), dataset)
    detection_ids, added = occurrence_ids(texts, "DR.")
    requests = occurrence_requests(index, detection_ids, added, "reject")
    assert len(requests) == 2
    project.record_decisions(requests)
    for record in (0, 1):
        index.replace_record(record, project.effective_spans(record))
    rejected = [span.start for r in (0, 1) for span, status in project.effective_spans(r) if status == "rejected"]
    assert len(rejected) == 2
    # Once applied, the same request finds nothing more to change.
    assert occurrence_requests(index, detection_ids, added, "reject") == []
    # Typed: only ORGANIZATION spans reading "acme corp".
    ids, added = occurrence_ids(texts, "Acme Corp", "ORGANIZATION")
    assert len(occurrence_requests(index, ids, added, "accept")) == 3
    assert occurrence_ids(texts, "Acme Corp", "PERSON")[0].size == 0


def test_normalise_value_matches_the_engines_allow_list_rule():
    from privdesk.core.detect.lists import normalise_term

    for text in ("  Acme   Corp ", "DR.", "Straße", "Zoë\tÅngström"):
        assert normalise_value(text) == normalise_term(text)


def test_lists_are_parsed_stored_and_validated(project):
    assert parse_terms("Acme Corp\n\n# a comment\nacme  corp\n Dr. \n") == ["Acme Corp", "Dr."]
    assert read_lists(project) == ReviewLists([], {})
    lists = ReviewLists(["Dr."], {"ORGANIZATION": ["Globex"]})
    write_lists(project, lists)
    assert read_lists(project) == lists
    assert lists.detection_fields() == {"allow_list": ("Dr.",), "deny_list": {"ORGANIZATION": ["Globex"]}}
    with pytest.raises(ReviewListError):
        write_lists(project, ReviewLists([], {"organisation": ["x"]}))


def test_allow_list_rejects_pending_spans_of_its_terms(project, dataset):
    index = index_of(project)
    texts = span_texts(index.rows_snapshot(), dataset)
    requests = allow_list_requests(index, texts, ["dr."])
    assert len(requests) == 2 and all(r.action == "reject" for r in requests)
    assert allow_list_requests(index, texts, []) == []


def test_deny_list_adds_missed_occurrences_only(project, dataset):
    index = index_of(project)
    requests = deny_list_requests(index.rows_snapshot(), dataset, ["note"], {"ORGANIZATION": ["acme corp"], "PERSON": ["Nothing"]})
    # Every "Acme Corp" is already a pending span; "Nothing" in record 2 is new.
    assert [(r.action, r.record, r.start, r.end, r.entity_type) for r in requests] == [("add", 2, 0, 7, "PERSON")]
    project.record_decisions(requests)
    index.replace_record(2, project.effective_spans(2))
    assert deny_list_requests(index.rows_snapshot(), dataset, ["note"], {"PERSON": ["nothing"]}) == []


def test_surrounding_words_and_descriptions():
    text = "Please call the patient Jane Roe on her mobile today"
    start = text.index("Jane")
    assert surrounding_words(text, start, start + 8) == ["please", "call", "patient", "mobile", "today"]
    assert describe_recognizer("SpacyNerRecognizer")[0] == "model"
    assert describe_recognizer("column:email")[0] == "column"
    assert "deny list" in describe_recognizer("DenyList:PERSON")[1]
    assert describe_recognizer("SomethingNew")[0] == "unknown"


def test_explain_names_the_pattern_and_the_supporting_context():
    text = "Patient said his ssn is 536 22 8726, phone (555) 010-9999."
    start = text.index("536")
    span = Span(0, "note", start, start + 11, "US_SSN", 0.8, "UsSsnRecognizer")
    explanation = explain_span(span, text)
    assert explanation.kind == "pattern"
    assert explanation.pattern  # the name of the SSN pattern that matched
    assert explanation.raw_score is not None and explanation.raw_score < explanation.score
    assert "ssn" in explanation.context_words
    assert "ssn" in explanation.supportive_words
    assert "Pattern:" in explanation.as_text()
    model = explain_span(Span(0, "note", 8, 11, "PERSON", 0.8, "SpacyNerRecognizer"), text, rerun=False)
    assert model.kind == "model" and model.pattern is None
    analyst = explain_span(Span(0, "note", 0, 7, "PERSON", 1.0, "analyst"), text)
    assert analyst.summary.startswith("Added by hand")


# -- project files ----------------------------------------------------------------------------------


def test_automatic_project_path_is_stable_and_distinct(tmp_path):
    folder = tmp_path / "projects"
    first = automatic_project_path(folder, tmp_path / "a" / "notes.csv")
    assert first == automatic_project_path(folder, tmp_path / "a" / ".." / "a" / "notes.csv")
    assert first != automatic_project_path(folder, tmp_path / "b" / "notes.csv")
    assert first.parent == folder and first.name.startswith("notes-") and first.suffix == ".privdesk"
    odd = automatic_project_path(folder, tmp_path / "my data (v2).csv")
    assert " " not in odd.name and "(" not in odd.name


def test_save_as_copies_every_committed_decision_and_the_key(project, tmp_path):
    detection = project.detections(record=0)[1]
    project.record_decision("accept", detection_id=detection.id)
    target = save_project_as(project, tmp_path / "copy")
    assert target == (tmp_path / "copy.privdesk").resolve()
    assert not Path(f"{target}-wal").exists()
    with Project.open(target) as copy:
        assert [d.detection_id for d in copy.decisions()] == [detection.id]
        assert copy.project_id == project.project_id
        assert copy.project_secret() == project.project_secret()  # the key file came along
    with pytest.raises(ProjectError):
        save_project_as(project, target)  # never overwrites unless asked
    save_project_as(project, target, overwrite=True)
    with pytest.raises(ProjectError):
        save_project_as(project, project.path)


def test_checkpoint_empties_the_write_ahead_log(project):
    project.record_decision("accept", detection_id=project.detections(record=1)[0].id)
    checkpoint(project)
    wal = Path(f"{project.path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(f"{project.path.as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 1
