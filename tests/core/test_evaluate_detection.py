"""Detection quality: matching modes, span and character scores, per entity, sweep, confusion, gold sources."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from privdesk.core.dataset import write_dataset
from privdesk.core.errors import DatasetError
from privdesk.core.evaluate import (
    evaluate_detection,
    gold_from_project,
    match_spans,
    read_span_file,
    threshold_sweep,
)
from privdesk.core.evaluate.matching import Scores, character_scores, intersection_length, merge_intervals
from privdesk.core.project import Project
from privdesk.core.types import Span


def span(start: int, end: int, entity: str = "PERSON", record: int = 0, score: float = 1.0, column: str = "note") -> Span:
    return Span(record, column, start, end, entity, score)


def test_scores_follow_their_definitions():
    scores = Scores(true_positives=3, predicted=4, gold=6)
    assert scores.precision == 0.75
    assert scores.recall == 0.5
    # F2 = 5PR / (4P + R) = 5 * .75 * .5 / (3 + .5)
    assert scores.f2 == pytest.approx(1.875 / 3.5)
    assert Scores(0, 0, 5).precision == 1.0 and Scores(0, 0, 5).f2 == 0.0
    assert Scores(0, 0, 0).f2 == 1.0


def test_a_perfect_detector_scores_one_everywhere():
    gold = [span(0, 8), span(20, 31, "EMAIL_ADDRESS"), span(3, 9, "LOCATION", record=1)]
    quality = evaluate_detection(gold, list(gold))
    for scores in quality.span.values():
        assert (scores.precision, scores.recall, scores.f2) == (1.0, 1.0, 1.0)
    assert quality.chars[True].f2 == 1.0 and quality.chars[False].f2 == 1.0
    assert all(q.span.f2 == 1.0 and q.chars.f2 == 1.0 for q in quality.per_entity.values())
    assert quality.confusion.count("PERSON", "PERSON") == 1
    assert quality.confusion.counts[-1].sum() == 0 and quality.confusion.counts[:, -1].sum() == 0


def test_match_modes_differ_as_defined():
    gold = [span(0, 10)]
    near = [span(0, 11)]       # IoU 10/11 = 0.909: an IoU match, not exact
    shifted = [span(5, 15)]    # IoU 5/15: only an overlap
    apart = [span(10, 20)]     # touching, no shared character
    assert match_spans(gold, near, mode="exact") == []
    assert match_spans(gold, near, mode="iou") == [(0, 0)]
    assert match_spans(gold, shifted, mode="iou") == []
    assert match_spans(gold, shifted, mode="overlap") == [(0, 0)]
    assert match_spans(gold, apart, mode="overlap") == []
    assert match_spans(gold, [span(0, 10, "LOCATION")], typed=True) == []
    assert match_spans(gold, [span(0, 10, "LOCATION")], typed=False) == [(0, 0)]
    assert match_spans(gold, [span(0, 10, column="other")], typed=False) == []
    assert match_spans(gold, [span(0, 10, record=1)], typed=False) == []
    with pytest.raises(ValueError):
        match_spans(gold, near, mode="fuzzy")


def test_matching_is_one_to_one_and_prefers_the_best_overlap():
    gold = [span(0, 10), span(12, 20)]
    pred = [span(0, 20)]  # overlaps both; may be credited once
    assert len(match_spans(gold, pred, mode="overlap")) == 1
    # the closer of two predictions takes the gold span; the other is a false alarm
    pairs = match_spans([span(0, 10)], [span(0, 13), span(0, 10)], mode="overlap")
    assert pairs == [(0, 1)]


def test_hand_computed_example_per_entity_and_characters():
    gold = [span(0, 10, "PERSON"), span(20, 30, "LOCATION"), span(40, 45, "PERSON", record=1)]
    pred = [span(0, 10, "PERSON", score=0.9),       # exact hit
            span(20, 25, "LOCATION", score=0.6),    # half the location: IoU 0.5
            span(40, 45, "LOCATION", score=0.4, record=1),  # right place, wrong type
            span(50, 54, "PERSON", score=0.3, record=1)]  # false alarm
    quality = evaluate_detection(gold, pred, mode="iou")
    assert quality.span[("iou", True)] == Scores(1, 4, 3)
    assert quality.span[("iou", False)] == Scores(2, 4, 3)
    assert quality.span[("overlap", True)] == Scores(2, 4, 3)
    assert quality.span[("overlap", False)] == Scores(3, 4, 3)
    assert quality.span[("exact", True)] == Scores(1, 4, 3)
    assert quality.per_entity["PERSON"].span == Scores(1, 2, 2)
    assert quality.per_entity["LOCATION"].span == Scores(0, 2, 1)
    # characters, typed: PERSON gold 15 chars, predicted 14, shared 10; LOCATION gold 10, predicted 10, shared 5
    assert quality.per_entity["PERSON"].chars == Scores(10, 14, 15)
    assert quality.per_entity["LOCATION"].chars == Scores(5, 10, 10)
    assert quality.chars[True] == Scores(15, 24, 25)
    # untyped: the mistyped record-1 span now covers its 5 gold characters
    assert quality.chars[False] == Scores(20, 24, 25)
    assert quality.confusion.count("PERSON", "LOCATION") == 1
    assert quality.confusion.count("PERSON", "(none)") == 0  # matched untyped
    assert quality.confusion.count("LOCATION", "(none)") == 1  # IoU 0.5 is no match
    assert quality.confusion.count("(none)", "PERSON") == 1


def test_character_helpers_merge_and_intersect():
    assert merge_intervals([(5, 8), (0, 3), (2, 4), (8, 9), (10, 10)]) == [(0, 4), (5, 9)]
    assert intersection_length([(0, 4), (5, 9)], [(3, 6), (8, 20)]) == 1 + 1 + 1
    overall, per_type = character_scores([span(0, 4), span(2, 6)], [span(0, 6)], typed=True)
    assert overall == Scores(6, 6, 6) and per_type["PERSON"] == Scores(6, 6, 6)


def test_threshold_sweep_drops_low_scores_and_rematches():
    gold = [span(0, 10), span(20, 30)]
    pred = [span(0, 10, score=0.9), span(20, 30, score=0.5), span(40, 50, score=0.2)]
    sweep = threshold_sweep(gold, pred, [0.0, 0.3, 0.6, 0.95])
    assert sweep.predicted.tolist() == [3, 2, 1, 0]
    assert sweep.precision.tolist() == pytest.approx([2 / 3, 1.0, 1.0, 1.0])
    assert sweep.recall.tolist() == pytest.approx([1.0, 1.0, 0.5, 0.0])
    assert sweep.best_f2_threshold() == 0.3
    # matching is redone per threshold: without the better candidate the worse one is credited
    gold = [span(0, 10)]
    pred = [span(0, 10, score=0.9), span(0, 11, score=0.1)]
    assert threshold_sweep(gold, pred, [0.0, 0.95]).recall.tolist() == [1.0, 0.0]
    assert threshold_sweep(gold, [pred[1]], [0.0]).recall.tolist() == [1.0]


def test_gold_from_project_uses_fully_reviewed_records_only(tmp_path: Path):
    notes = ["Ann Lee called from Boston.", "Bob Stone, 612-928-6690.", "Met Carl Diaz in Paris.", "nothing"]
    dataset = tmp_path / "notes.csv"
    write_dataset(pa.table({"note": notes}), dataset)
    with Project.create(tmp_path / "study.privdesk") as project:
        project.set_dataset(dataset, format="csv", options={}, num_rows=len(notes))
        project.add_detections([
            Span(0, "note", 0, 7, "PERSON", 0.95, "spacy"),        # accepted
            Span(0, "note", 20, 26, "LOCATION", 0.9, "spacy"),     # rejected: a false alarm
            Span(1, "note", 0, 9, "PERSON", 0.85, "spacy"),        # accepted ...
            Span(1, "note", 11, 23, "PHONE_NUMBER", 0.3, "re"),    # ... but this one is pending: record 1 is out
            Span(2, "note", 4, 13, "PERSON", 0.6, "spacy"),        # relabelled to ORGANIZATION
        ])
        ids = {(d.record, d.start): d.id for d in project.detections()}
        project.record_decision("accept", detection_id=ids[(0, 0)])
        project.record_decision("reject", detection_id=ids[(0, 20)])
        project.record_decision("accept", detection_id=ids[(1, 0)])
        project.record_decision("relabel", detection_id=ids[(2, 4)], entity_type="ORGANIZATION")
        project.record_decision("add", record=2, column="note", start=17, end=22, entity_type="LOCATION")
        standard = gold_from_project(project)
    assert standard.records == 2
    assert sorted((s.record, s.start, s.end, s.entity_type) for s in standard.gold) == [
        (0, 0, 7, "PERSON"), (2, 4, 13, "ORGANIZATION"), (2, 17, 22, "LOCATION")]
    assert sorted((s.record, s.start, s.entity_type) for s in standard.predictions) == [
        (0, 0, "PERSON"), (0, 20, "LOCATION"), (2, 4, "PERSON")]
    assert any("1 partly reviewed" in note for note in standard.notes)
    quality = evaluate_detection(standard.gold, standard.predictions)
    assert quality.overall == Scores(1, 3, 3)  # the relabel is a type error, the added span a miss
    assert quality.span[("iou", False)] == Scores(2, 3, 3)


def test_presidio_research_json_and_our_jsonl(tmp_path: Path):
    samples = [{"full_text": "Hi Ann Lee, call 555-0100.", "spans": [
        {"entity_type": "PER", "entity_value": "Ann Lee", "start_position": 3, "end_position": 10},
        {"entity_type": "PHONE_NUMBER", "entity_value": "555-0100", "start_position": 17, "end_position": 25}]},
        {"full_text": "Nothing here.", "spans": []}]
    presidio = tmp_path / "gold.json"
    presidio.write_text(json.dumps(samples), encoding="utf-8")
    standard = read_span_file(presidio, column="note", entity_map={"PER": "PERSON"})
    assert standard.records == 2 and standard.texts == ["Hi Ann Lee, call 555-0100.", "Nothing here."]
    assert [(s.record, s.column, s.start, s.end, s.entity_type) for s in standard.gold] == [
        (0, "note", 3, 10, "PERSON"), (0, "note", 17, 25, "PHONE_NUMBER")]

    ours = tmp_path / "detections.jsonl"
    ours.write_text(json.dumps({"record": 0, "spans": [{"column": "note", "start": 3, "end": 10,
                                                        "entity_type": "PERSON", "score": 0.7}]}) + "\n"
                    + json.dumps({"record": 1, "spans": []}) + "\n", encoding="utf-8")
    predictions = read_span_file(ours)
    assert predictions.records == 2 and predictions.texts is None
    quality = evaluate_detection(standard.gold, predictions.gold)
    assert quality.overall == Scores(1, 1, 2)

    samples[0]["spans"][0]["end_position"] = 9  # offsets that do not cover the value
    presidio.write_text(json.dumps(samples), encoding="utf-8")
    with pytest.raises(DatasetError, match="sample 0"):
        read_span_file(presidio)
    presidio.write_text('[{"spans": []}]', encoding="utf-8")
    with pytest.raises(DatasetError, match="not a valid presidio-research sample"):
        read_span_file(presidio)
    with pytest.raises(DatasetError, match="does not exist"):
        read_span_file(tmp_path / "missing.json")


def test_quality_to_dict_is_json_ready():
    quality = evaluate_detection([span(0, 5)], [span(0, 5, score=0.7), span(9, 12, "AGE", score=0.2)])
    data = json.loads(json.dumps(quality.to_dict()))
    assert data["span"]["iou typed"]["precision"] == 0.5
    assert data["sweep"]["thresholds"][0] == 0.0 and len(data["sweep"]["recall"]) == 21
    assert np.array(data["confusion"]["counts"]).shape == (3, 3)
