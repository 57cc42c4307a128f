"""The Review tab's models: Qt's model tester on each, laziness over a million records, and what
the cells say."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt

from privdesk.core.review import RecordState, ReviewIndex, ValueGroup, ViewFilter
from privdesk.core.types import Span
from privdesk.gui.models.findings_model import Finding, FindingsModel, recognizer_text
from privdesk.gui.models.record_list_model import RECORD_ROLE, RecordListModel
from privdesk.gui.models.value_groups_model import BATCH, GROUP_ROLE, ValueGroupsModel


def small_index() -> ReviewIndex:
    index = ReviewIndex(5)
    index.add_spans([
        (Span(0, "note", 0, 5, "PERSON", 0.9, "SpacyNerRecognizer", {"detection_id": 1}), "pending"),
        (Span(0, "note", 7, 12, "DATE_TIME", 0.3, "DatePatternRecognizer", {"detection_id": 2}), "accepted"),
        (Span(2, "note", 0, 4, "PERSON", 0.5, "SpacyNerRecognizer", {"detection_id": 3}), "rejected"),
        (Span(3, "note", 1, 3, "AGE", 1.0, "analyst", {"added_span": 9}), "accepted"),
    ])
    index.mark_scanned(0, 5)
    index.refresh()
    return index


def test_record_list_model_passes_the_model_tester_and_reads_the_index(qtmodeltester):
    index = small_index()
    model = RecordListModel()
    model.set_content(index, index.order("record"))
    qtmodeltester.check(model)
    assert model.rowCount() == 5 and model.columnCount() == 5
    row0 = [model.data(model.index(0, column)) for column in range(5)]
    assert row0 == ["1", "in progress", "2", "1", "0.90"]
    assert model.data(model.index(2, 1)) == "done"  # only a rejected detection... is still a decided finding
    assert model.data(model.index(3, 1)) == "done" and model.data(model.index(3, 4)) == "\u2013"
    assert model.data(model.index(1, 1)) == "no findings"
    assert model.data(model.index(4, 0), RECORD_ROLE) == 4
    assert model.data(model.index(0, 1), Qt.ItemDataRole.DecorationRole) is not None
    model.append_records(np.array([1]))
    qtmodeltester.check(model)
    assert model.row_of(1) == 1 and model.record_at(5) == 1


def test_record_list_is_lazy_over_a_million_records(qtmodeltester):
    records = 1_000_000
    index = ReviewIndex(records)
    rng = np.random.default_rng(3)
    chosen = rng.choice(records, size=20_000, replace=False)
    index.add_spans((Span(int(r), "text", 0, 4, "PERSON", float(s), "SpacyNerRecognizer", {"detection_id": i}), "pending")
                    for i, (r, s) in enumerate(zip(chosen, rng.random(20_000))))
    index.mark_scanned(0, records)
    started = time.perf_counter()
    index.set_filter(ViewFilter(0.2))
    order = index.order("confidence")
    elapsed = time.perf_counter() - started
    model = RecordListModel()
    model.set_content(index, order)
    assert model.rowCount() == records
    assert elapsed < 2.0, f"filtering and sorting a million records took {elapsed:.2f} s"
    first = model.record_at(0)
    assert index.min_pending_score[first] == index.min_pending_score[np.isfinite(index.min_pending_score)].min()
    assert RecordState(index.state[model.record_at(records - 1)]) in (RecordState.NO_FINDINGS, RecordState.UNREVIEWED)


def test_findings_model_passes_the_model_tester(qtmodeltester):
    model = FindingsModel()
    findings = [
        Finding(Span(0, "note", 0, 5, "PERSON", 0.9, "SpacyNerRecognizer", {"detection_id": 1}), "pending", "Alice"),
        Finding(Span(0, "email", 0, 9, "EMAIL_ADDRESS", 0.9, "column:email", {"detection_id": 2}), "rejected", "a@b.c.org"),
        Finding(Span(0, "note", 7, 9, "AGE", 1.0, "analyst", {"added_span": 5}), "accepted", "42"),
    ]
    model.set_findings(findings)
    qtmodeltester.check(model)
    assert [model.data(model.index(0, c)) for c in range(5)] == ["Person", "Alice", "0.90", "spaCy NER", "pending"]
    assert model.data(model.index(1, 3)) == "column \u201cemail\u201d"
    assert model.data(model.index(1, 0), Qt.ItemDataRole.FontRole).strikeOut()
    assert [model.data(model.index(2, c)) for c in (2, 3, 4)] == ["\u2013", "you", "added"]
    assert model.row_of(("added", 5)) == 2
    assert "in email" in model.data(model.index(1, 1), Qt.ItemDataRole.ToolTipRole)  # several columns: say which
    assert recognizer_text("PhoneNumberRecognizer") == "PhoneNumber"


def test_value_groups_model_passes_the_model_tester_and_fetches_lazily(qtmodeltester):
    groups = {
        "PERSON": [ValueGroup("PERSON", f"name {i}", f"Name {i}", count=1000 - i, pending=1000 - i,
                              records=np.array([i])) for i in range(BATCH + 50)],
        "EMAIL_ADDRESS": [ValueGroup("EMAIL_ADDRESS", "a@b.org", "a@b.org", count=2, accepted=2, records=np.array([0, 1]))],
    }
    model = ValueGroupsModel()
    model.set_groups(groups)
    person = model.index(0, 0)
    assert model.data(person) == f"Person ({BATCH + 50:,} distinct)"
    assert model.rowCount(person) == BATCH and model.canFetchMore(person)
    model.fetchMore(person)
    assert model.rowCount(person) == BATCH + 50 and not model.canFetchMore(person)
    qtmodeltester.check(model)
    first = model.index(0, 0, person)
    assert model.data(first) == "Name 0" and model.data(model.index(0, 1, person)) == "1,000"
    assert model.data(first, GROUP_ROLE).key == "name 0"
    assert model.data(model.index(1, 4)) == "2"  # EMAIL_ADDRESS: accepted total
    fresh = ValueGroupsModel()
    fresh.set_groups(groups)
    qtmodeltester.check(fresh)  # the tester fetches every batch itself
