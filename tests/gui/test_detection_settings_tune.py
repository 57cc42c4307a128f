"""Detection settings: "Train from my reviewed records…" runs the tuning in a worker with a progress
dialog (ETA, Cancel), shows the held-out scores, and offers to switch the transformer to the tuned tagger.

The tuner is a stand-in with tune_tagger_from_project's signature (the real one is tested in
tests/core/test_ner_corrections.py; it takes minutes), run on a synchronous pool."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from privdesk.core.dataset import write_dataset
from privdesk.core.detect.project_settings import read_detection_options
from privdesk.core.errors import ProjectError
from privdesk.core.ner.corrections import MIN_REVIEWED_RECORDS, TuningResult, tagger_folder
from privdesk.core.ner.model import SEALED_MANIFEST
from privdesk.core.project import DecisionRequest, Project
from privdesk.core.types import ColumnRole
from privdesk.gui.dialogs.detection_settings_dialog import DetectionSettingsDialog

RECORDS = 40


def scores(tp: int, fp: int, fn: int) -> dict:
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(2 * precision * recall / (precision + recall), 4)}


def make_project(tmp_path: Path, reviewed: int) -> Project:
    notes = [f"Note {index}: Ann Lee called." for index in range(RECORDS)]
    path = tmp_path / "notes.csv"
    write_dataset(pa.table({"note": notes}), path)
    project = Project.create(tmp_path / "study.privdesk")
    project.set_dataset(path, format="csv", options={"format": "csv"}, num_rows=RECORDS)
    project.set_column_roles({"note": ColumnRole("text")})
    start = len("Note 0: ")
    project.record_decisions([
        DecisionRequest("add", record=record, column="note", start=start + len(str(record)) - 1,
                        end=start + len(str(record)) + 6, entity_type="PERSON") for record in range(reviewed)])
    return project


class FakeTuner:
    """Reports a few training steps, checks the cancel token, writes a sealed-looking folder, returns scores."""

    def __init__(self, during=None, error: Exception | None = None, improved: bool = True):
        self.calls: list[tuple] = []
        self.during = during  # called at the second step, e.g. to press Cancel
        self.error = error
        self.improved = improved

    def __call__(self, project, dataset, *, progress=None, cancel=None) -> TuningResult:
        self.calls.append((project, dataset))
        for step in range(1, 5):
            progress(_info(step, 4, f"training: epoch 1/1, loss 0.{9 - step}"))
            if step == 2 and self.during is not None:
                self.during()
            cancel.raise_if_cancelled()
        if self.error is not None:
            raise self.error
        folder = tagger_folder(project)
        folder.mkdir(exist_ok=True)
        (folder / SEALED_MANIFEST).write_text(json.dumps({"format": "privdesk-sealed-tagger"}))
        after = scores(15, 5, 5) if self.improved else scores(5, 5, 15)
        return TuningResult(folder=folder, run_id=1, before={"ALL": scores(10, 10, 10), "PERSON": scores(10, 10, 10)},
                            after={"ALL": after, "PERSON": after}, reviewed_records=35, training_records=28,
                            holdout_records=7, training_texts=28, synthetic_texts=28, holdout_texts=7, steps=4,
                            seconds=12.0)


def _info(done: int, total: int, message: str):
    from privdesk.core.progress import ProgressInfo

    return ProgressInfo(done, total, message, elapsed_s=10.0 * done)


@pytest.fixture
def reviewed_project(tmp_path):
    project = make_project(tmp_path, reviewed=35)
    yield project
    project.close()


def open_dialog(qtbot, project, tuner, sync_pool, dataset=None) -> DetectionSettingsDialog:
    dialog = DetectionSettingsDialog(project, "", dataset=dataset, thread_pool=sync_pool, tuner=tuner)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def offer_box(dialog) -> QMessageBox:
    box = dialog.findChild(QMessageBox, "tunedTaggerOffer")
    assert box is not None and box.isVisible()
    return box


def test_the_button_waits_for_enough_reviewed_records(qtbot, tmp_path, sync_pool):
    project = make_project(tmp_path, reviewed=MIN_REVIEWED_RECORDS - 1)
    with project:
        dialog = open_dialog(qtbot, project, FakeTuner(), sync_pool)
        assert not dialog.tune_button.isEnabled()
        assert dialog.tune_label.text().startswith(f"{MIN_REVIEWED_RECORDS - 1} fully reviewed records; at least "
                                                    f"{MIN_REVIEWED_RECORDS} are needed")
        project.record_decision("add", record=RECORDS - 1, column="note", start=0, end=4, entity_type="PERSON")
        again = open_dialog(qtbot, project, FakeTuner(), sync_pool)
        assert again.tune_button.isEnabled()
        assert again.tune_label.text() == f"{MIN_REVIEWED_RECORDS} fully reviewed records to learn from."


def test_training_shows_progress_then_the_scores_and_the_offer_applies_the_tuned_tagger(qtbot, reviewed_project,
                                                                                       sync_pool):
    seen = {}

    def look_at_progress():
        progress = dialog.progress_dialog
        seen["label"], seen["value"], seen["max"] = progress.labelText(), progress.value(), progress.maximum()
        seen["button"] = dialog.tune_button.isEnabled()

    tuner = FakeTuner(during=look_at_progress)
    dialog = open_dialog(qtbot, reviewed_project, tuner, sync_pool)
    assert not dialog.transformer_check.isChecked()
    qtbot.mouseClick(dialog.tune_button, Qt.MouseButton.LeftButton)

    assert len(tuner.calls) == 1
    assert seen["label"] == "Training: epoch 1/1, loss 0.7 \u00b7 about 20 s left"
    assert seen["value"] == seen["max"] // 2 and seen["button"] is False  # one run at a time
    assert dialog.progress_dialog is None and dialog.tune_button.isEnabled()
    assert dialog.tune_label.text().startswith("Held-out F1 0.500 \u2192 0.750 \u00b7 recall 0.500 \u2192 0.750 "
                                               "(7 reviewed records never trained on")
    box = offer_box(dialog)
    assert "does better than the current tagger" in box.text()
    assert "PERSON" in box.detailedText() and "0.750" in box.detailedText()

    qtbot.mouseClick(box.findChild(QPushButton, "useTunedTaggerButton"), Qt.MouseButton.LeftButton)
    folder = tagger_folder(reviewed_project)
    assert dialog.transformer_check.isChecked()
    assert dialog.folder_label.text() == f"The tagger tuned on your reviewed records (encrypted): {folder}"
    assert "Save to use it" in dialog.tune_label.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    options = read_detection_options(reviewed_project)
    assert options.use_transformer and options.transformer_model == str(folder)


def test_keeping_the_current_settings_changes_nothing(qtbot, reviewed_project, sync_pool):
    dialog = open_dialog(qtbot, reviewed_project, FakeTuner(improved=False), sync_pool)
    qtbot.mouseClick(dialog.tune_button, Qt.MouseButton.LeftButton)
    box = offer_box(dialog)
    assert "does not do better" in box.text()
    assert box.defaultButton() is box.findChild(QPushButton, "keepTaggerButton")
    qtbot.mouseClick(box.findChild(QPushButton, "keepTaggerButton"), Qt.MouseButton.LeftButton)
    assert not dialog.transformer_check.isChecked() and dialog.options().transformer_model is None


def test_cancel_in_the_progress_dialog_stops_the_training(qtbot, reviewed_project, sync_pool):
    def press_cancel():
        button = dialog.progress_dialog.findChild(QPushButton)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    tuner = FakeTuner(during=press_cancel)
    dialog = open_dialog(qtbot, reviewed_project, tuner, sync_pool)
    qtbot.mouseClick(dialog.tune_button, Qt.MouseButton.LeftButton)
    assert dialog.tune_label.text() == "Training cancelled; nothing was changed."
    assert dialog.progress_dialog is None and dialog.findChild(QMessageBox, "tunedTaggerOffer") is None
    assert not tagger_folder(reviewed_project).exists() and dialog.tune_button.isEnabled()


def test_an_error_is_shown_as_its_message(qtbot, reviewed_project, sync_pool, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: warnings.append((title, text)))
    error = ProjectError("the tagger needs at least 30 fully reviewed records to learn from, and 29 are fully "
                         "reviewed.", path=reviewed_project.path)
    dialog = open_dialog(qtbot, reviewed_project, FakeTuner(error=error), sync_pool)
    qtbot.mouseClick(dialog.tune_button, Qt.MouseButton.LeftButton)
    assert warnings == [("Cannot train the tagger", error.message)]
    assert dialog.progress_dialog is None and dialog.tune_button.isEnabled()


def test_without_a_loaded_dataset_the_worker_reads_the_projects_own(qtbot, reviewed_project, sync_pool):
    tuner = FakeTuner()
    dialog = open_dialog(qtbot, reviewed_project, tuner, sync_pool, dataset=None)
    qtbot.mouseClick(dialog.tune_button, Qt.MouseButton.LeftButton)
    [(project, dataset)] = tuner.calls
    assert project is reviewed_project and dataset.num_rows == RECORDS
    assert dataset.text(3, "note") == "Note 3: Ann Lee called."
    offer_box(dialog).close()


def test_a_tuned_tagger_folder_can_be_chosen_again_later(qtbot, reviewed_project, sync_pool, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text: warnings.append(title))
    folder = tagger_folder(reviewed_project)
    folder.mkdir()
    (folder / SEALED_MANIFEST).write_text("{}")
    dialog = open_dialog(qtbot, reviewed_project, FakeTuner(), sync_pool)
    dialog.transformer_check.setChecked(True)
    dialog.set_transformer_folder(str(tmp_path))  # neither a Hugging Face model nor a PrivDesk tagger
    assert warnings == ["Not a model folder"] and dialog.options().transformer_model is None
    dialog.set_transformer_folder(str(folder))
    assert dialog.options().transformer_model == str(folder) and len(warnings) == 1
    assert "tuned on your reviewed records" in dialog.folder_label.text()
