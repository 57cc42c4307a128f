"""The Evaluate tab: detection quality from review decisions or a gold file, residual PII in an export,
a real tiny DP training run's leakage charts, the report, cancel and errors."""

from __future__ import annotations

import csv
import json
import os
import random
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

pytest.importorskip("torch")

from privdesk.core.evaluate import LeakageOptions  # noqa: E402
from privdesk.core.project import Project  # noqa: E402
from privdesk.core.types import Span  # noqa: E402
from privdesk.gui.tabs.evaluate_tab import EvaluateTab  # noqa: E402

NAMES = ("Ann Lee", "Bob Stone", "Cid Moor", "Dee Hart", "Eve Lund", "Fay Rowe")
CITIES = ("Boston", "Paris", "Lima", "Oslo")
NAME_PATTERN = re.compile(r"[A-Z][a-z]+ [A-Z][a-z]+")


def note(index: int) -> str:
    rng = random.Random(index)
    return f"{NAMES[index % len(NAMES)]} visited {rng.choice(CITIES)} on day {rng.randint(1, 28)}."


class NameEngine:
    """A detector with the two methods Evaluate uses: detect_records (export scan) and analyze_texts (extraction)."""

    def __init__(self) -> None:
        self.closed = False

    def analyze_texts(self, texts):
        return [[Span(0, "text", m.start(), m.end(), "PERSON", 0.8, "names") for m in NAME_PATTERN.finditer(t)]
                for t in texts]

    def detect_records(self, rows, roles, *, progress=None, cancel=None):
        for row in rows:
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield [Span(0, column, m.start(), m.end(), "PERSON", 0.8, "names")
                   for column in roles for m in NAME_PATTERN.finditer(str(row.get(column) or ""))]

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A project over 60 short notes: records 0-5 fully reviewed, one tiny DP run trained on the notes."""
    import torch

    from privdesk.core.train import SealKey, TrainConfig, train

    folder = tmp_path_factory.mktemp("study")
    data = folder / "notes.csv"
    texts = [note(index) for index in range(60)]
    with open(data, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["note"])
        writer.writerows([text] for text in texts)
    project = Project.create(folder / "study.privdesk")
    project.set_dataset(data, format="csv", options={}, num_rows=len(texts))
    spans = []
    for record in range(7):
        text = texts[record]
        name_end = text.index(" visited")
        city_start = name_end + len(" visited ")
        spans.append(Span(record, "note", 0, name_end, "PERSON", 0.9, "names"))
        spans.append(Span(record, "note", city_start, text.index(" on day"), "LOCATION", 0.4, "cities"))
    project.add_detections(spans)
    for detection in project.detections():
        if detection.record == 6 and detection.entity_type == "LOCATION":
            continue  # record 6 stays partly reviewed: not gold
        action = "accept" if detection.entity_type == "PERSON" or detection.record % 2 == 0 else "reject"
        project.record_decision(action, detection_id=detection.id)
    before = torch.get_num_threads()
    config = TrainConfig(data_path=data, model="tiny", text_columns=("note",), epochs=1, batch_size=20,
                         physical_batch_size=20, max_length=24, epsilon=8.0, tiny_hidden=32, tiny_layers=1,
                         tiny_heads=2, tiny_vocab_size=300, canaries=2, canary_repeats=2,
                         canary_format="my pin is ####", held_out_fraction=0.25, num_threads=1)
    train(config, folder / "runs" / "eps8", key=SealKey.from_secret(project.project_secret()), project=project)
    torch.set_num_threads(before)
    yield project, data, texts
    project.close()


@pytest.fixture
def tab(qtbot, sync_pool, study):
    widget = EvaluateTab(sync_pool, engine_factory=NameEngine,
                         leakage_options=LeakageOptions(generations=6, max_new_tokens=12, prompt_tokens=1,
                                                        batch_size=8))
    qtbot.addWidget(widget)
    widget.resize(1360, 860)
    widget.show()
    return widget


def remove_all_runs(tab: EvaluateTab, qtbot) -> None:
    tab.runs_list.selectAll()
    qtbot.mouseClick(tab.remove_run_button, Qt.MouseButton.LeftButton)
    assert tab.run_folders() == []


def test_without_a_project_the_tab_says_what_to_do_first(tab, qtbot):
    assert tab.objectName() == "evaluateTab"
    assert tab.hint.isVisible() and "Data tab" in tab.hint.text()
    assert not tab.body.isEnabled() and not tab.export_button.isEnabled()


def test_detection_quality_from_review_decisions_shows_the_table_and_charts(tab, study, qtbot, qtmodeltester):
    project, _, _ = study
    tab.set_context(project, None)
    assert not tab.hint.isVisible() and len(tab.run_folders()) == 1  # found from the project's training runs
    remove_all_runs(tab, qtbot)
    qtbot.mouseClick(tab.evaluate_button, Qt.MouseButton.LeftButton)

    rows = {row[0]: row for row in (tab.detection_model.row_values(r) for r in range(tab.detection_model.rowCount()))}
    # records 0-5 are gold: 6 names all accepted; cities accepted on even records only (3 of 6 predictions)
    assert rows["PERSON"][1:4] == [6, 6, 6] and rows["PERSON"][4] == rows["PERSON"][5] == 1.0
    assert rows["LOCATION"][1:4] == [3, 6, 3] and rows["LOCATION"][4] == pytest.approx(0.5)
    assert rows["all types"][1:4] == [9, 12, 9]
    assert "partly reviewed" in tab.detection_summary.text() and "6 records" in tab.detection_summary.text()
    qtmodeltester.check(tab.detection_model)
    assert tab.detection_model.data(tab.detection_model.index(0, 4)) == "0.500"  # LOCATION sorts first
    assert {chart.figure is not None for chart in (tab.per_entity_chart, tab.sweep_chart, tab.confusion_chart)} == {True}
    assert tab.models_model.rowCount() == 0 and "No training run" in tab.models_summary.text()
    assert tab.export_button.isEnabled()


def test_an_imported_gold_file_replaces_the_review_decisions(tab, study, qtbot, tmp_path, monkeypatch):
    project, _, texts = study
    gold = tmp_path / "gold.jsonl"
    lines = []
    for record in range(3):  # names only: every city detection is a false alarm against this gold
        end = texts[record].index(" visited")
        lines.append(json.dumps({"record": record, "spans": [
            {"column": "note", "start": 0, "end": end, "entity_type": "PERSON"}]}))
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tab.set_context(project, None)
    remove_all_runs(tab, qtbot)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(gold), ""))
    qtbot.mouseClick(tab.import_gold_button, Qt.MouseButton.LeftButton)
    assert "gold.jsonl" in tab.gold_label.text() and tab.review_gold_button.isEnabled()
    qtbot.mouseClick(tab.evaluate_button, Qt.MouseButton.LeftButton)
    rows = {row[0]: row for row in (tab.detection_model.row_values(r) for r in range(tab.detection_model.rowCount()))}
    assert rows["PERSON"][1:4] == [3, 3, 3] and rows["LOCATION"][1:4] == [0, 3, 0]
    assert "gold.jsonl" in tab.detection_summary.text()

    qtbot.mouseClick(tab.review_gold_button, Qt.MouseButton.LeftButton)
    assert "review decisions" in tab.gold_label.text()


@pytest.mark.slow
def test_a_tiny_run_export_and_report_show_every_section(tab, study, qtbot, tmp_path, monkeypatch):
    project, _, texts = study
    export = tmp_path / "notes.masked.csv"
    with open(export, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["note"])
        for record, text in enumerate(texts):
            # cities masked everywhere; record 3 keeps its name (the one residual hit), the others get a
            # surrogate name the detector still flags
            masked = re.sub("|".join(CITIES), "<LOCATION>", text)
            writer.writerow([masked if record == 3 else NAME_PATTERN.sub("Zed Quill", masked)])
    tab.set_context(project, None)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(export), ""))
    qtbot.mouseClick(tab.choose_export_button, Qt.MouseButton.LeftButton)
    assert tab.export_label.text() == "notes.masked.csv"
    qtbot.mouseClick(tab.evaluate_button, Qt.MouseButton.LeftButton)
    assert tab.status_label.text() == "Evaluation finished."

    verdict = tab.residual_verdict.text()
    assert "1 original PII value(s) left" in verdict and "must be zero" in verdict
    assert "#cf222e" in tab.residual_verdict.styleSheet()
    kinds = tab.residual_model.column_values("kind")
    assert kinds.count("original value left") == 1 and kinds.count("detector finding") == 60
    assert "value" not in tab.residual_model.headers
    hit = tab.residual_model.row_values(0)
    assert hit[1:3] == [4, "note"] and hit[4] == "PERSON"  # record 4 as the analyst counts (index 3)
    tab.show_values_check.setChecked(True)
    assert tab.residual_model.column_values("value")[0] == NAMES[3]

    models = tab.models_model
    labels = models.column_values("model")
    assert len(labels) == 2 and labels[0].startswith("eps8 (ε=") and labels[1].startswith("base:")
    run_row = models.row_values(0)
    assert run_row[1] is True and run_row[3] > 1 and 0 <= run_row[6] <= 1  # DP, perplexity, membership AUC
    assert run_row[5] == pytest.approx(__import__("math").log2(10_000))  # "####": at most log2 10^4 bits
    figures = tab.chart_canvases()
    # per entity, sweep, confusion, residual, exposure, ROC (linear + log-log), privacy against utility
    assert len(figures) == 7
    assert tab.tradeoff_chart.figure is not None
    roc = [chart for chart in figures if len(chart.figure.axes) == 2]
    assert roc and roc[0].figure.axes[1].get_xscale() == "log"

    report = tmp_path / "out" / "evaluation.html"
    report.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(report), ""))
    assert not tab.include_examples_check.isChecked()
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    assert tab.status_label.text().startswith("Report written")
    page = report.read_text(encoding="utf-8")
    for heading in ("Summary", "Detection quality", "Threshold sweep", "Entity type confusion",
                    "Residual PII in the export", "Detector findings in the export", "Model leakage and utility",
                    "Privacy against utility", "Model card"):
        assert heading in page, heading
    text = re.sub(r'src="data:image/png;base64,[^"]+"', "", page)
    assert not any(name in text for name in NAMES)  # shown in the tab on request, never in the report by default
    assert report.with_suffix(".pdf").read_bytes().startswith(b"%PDF")

    tab.include_examples_check.setChecked(True)
    tab.pdf_check.setChecked(False)
    tab.export_report_to(tmp_path / "out" / "with-examples.html")
    assert NAMES[3] in (tmp_path / "out" / "with-examples.html").read_text(encoding="utf-8")


def test_add_run_folder_accepts_run_folders_once_and_explains_other_folders(tab, study, qtbot, tmp_path, monkeypatch):
    project, _, _ = study
    tab.set_context(project, None)
    run = tab.run_folders()[0]
    tab.add_run_folder(run.parent)  # a folder holding run folders: its runs, not added twice
    assert tab.run_folders() == [run]
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    tab.add_run_folder(tmp_path)
    assert tab.run_folders() == [run] and "no run.json" in warnings[0]


def test_cancel_stops_the_evaluation_and_a_bad_gold_file_shows_its_message(tab, study, qtbot, tmp_path, monkeypatch):
    project, data, _ = study
    tab.set_context(project, None)
    remove_all_runs(tab, qtbot)
    tab.set_export_path(data)

    def engine_then_cancel():
        qtbot.mouseClick(tab.cancel_button, Qt.MouseButton.LeftButton)  # the analyst clicks Cancel while it loads
        return NameEngine()

    tab._engine_factory = engine_then_cancel
    qtbot.mouseClick(tab.evaluate_button, Qt.MouseButton.LeftButton)
    assert tab.status_label.text() == "Cancelled." and tab.evaluation is None
    assert tab.evaluate_button.isEnabled() and not tab.cancel_button.isEnabled()

    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(empty), ""))
    qtbot.mouseClick(tab.import_gold_button, Qt.MouseButton.LeftButton)
    tab.detector_check.setChecked(False)
    qtbot.mouseClick(tab.evaluate_button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(QMessageBox, "errorDialog")
    assert dialog is not None and "empty.jsonl" in dialog.informativeText() and "is empty" in dialog.informativeText()
    assert tab.status_label.text() == "Evaluating failed."
    dialog.close()
