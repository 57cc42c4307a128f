"""Export from the Policy tab (each format, the unreviewed-data warning, cancel, summary) and re-identification."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from privdesk.core.dataset import read_dataset
from privdesk.core.project import Project
from privdesk.core.types import Span
from privdesk.gui.dialogs import export_dialog as export_module
from privdesk.gui.dialogs.export_dialog import passphrase_strength
from privdesk.gui.tabs.policy_tab import PolicyTab

SPANS = [
    Span(0, "patient", 0, 12, "PERSON", 0.85, "test"),  # Alice Martin
    Span(0, "email", 0, 24, "EMAIL_ADDRESS", 0.95, "test"),  # alice.martin@example.org
    Span(1, "patient", 0, 12, "PERSON", 0.85, "test"),  # Bruno Keller
    Span(1, "email", 0, 20, "EMAIL_ADDRESS", 0.95, "test"),  # b.keller@example.com
    Span(2, "patient", 0, 8, "PERSON", 0.85, "test"),  # Chen Wei
    Span(2, "note", 12, 27, "PHONE_NUMBER", 0.75, "test"),  # +1 415 555 0134
    Span(2, "email", 0, 20, "EMAIL_ADDRESS", 0.2, "test"),  # below the threshold: stays in clear
]
SECRETS = ("Alice Martin", "Bruno Keller", "Chen Wei", "alice.martin@example.org", "b.keller@example.com",
           "+1 415 555 0134")
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def tab(qtbot, sync_pool, tmp_path, patients_csv):
    project = Project.create(tmp_path / "study")
    dataset = read_dataset(patients_csv)
    project.set_dataset(patients_csv, format=dataset.format, options={}, num_rows=dataset.num_rows)
    project.add_detections(SPANS)
    widget = PolicyTab(thread_pool=sync_pool)
    qtbot.addWidget(widget)
    widget.set_context(project, dataset)
    yield widget
    project.close()


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    """Answers Yes to the unreviewed-data warning and keeps its text."""
    shown: list[str] = []

    def answer(parent, title, text, *args, **kwargs):
        shown.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(export_module.QMessageBox, "warning", staticmethod(answer))
    return shown


@pytest.fixture
def opened_urls(monkeypatch) -> list[str]:
    urls: list[str] = []
    monkeypatch.setattr(export_module.QDesktopServices, "openUrl", staticmethod(lambda url: urls.append(url.toLocalFile()) or True))
    return urls


def error_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def choose_format(dialog, name: str) -> None:
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(name))


def read_rows(path: Path, fmt: str) -> list[dict]:
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return pq.read_table(path).to_pylist()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_each_format_masks_the_file_and_shows_a_summary(tab, tmp_path, qtbot, warnings, opened_urls, fmt):
    dialog = tab.open_export_dialog()
    choose_format(dialog, fmt)
    assert dialog.output_path().suffix == f".{fmt}"
    output = tmp_path / "out" / f"patients.masked.{fmt}"
    dialog.output_edit.setText(str(output))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)

    assert len(warnings) == 1
    rows = read_rows(output, fmt)
    assert len(rows) == 3
    text = json.dumps(rows)
    assert not any(secret in text for secret in SECRETS)
    assert rows[0]["patient"] == "<PERSON_1>" and rows[1]["patient"] == "<PERSON_2>"
    assert rows[2]["email"] == "chen.wei@example.net"  # below the threshold and unreviewed: not masked
    assert "Seen on 2024-03-02" in rows[0]["note"]  # no DATE_TIME span in this project

    assert dialog.pages.currentIndex() == 1
    summary = dialog.summary_label.text()
    assert "3</b> records" in summary and "Person" in summary and "E-mail" in summary and " s." in summary
    assert dialog.summary.counts.by_entity() == {"EMAIL_ADDRESS": 2, "PERSON": 3, "PHONE_NUMBER": 1}
    report = output.with_name("patients.masked.report.html")
    assert report.exists() and report.with_suffix(".json").exists()
    qtbot.mouseClick(dialog.open_folder_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.open_report_button, Qt.MouseButton.LeftButton)
    assert opened_urls == [str(output.parent), str(report)]


def test_the_warning_counts_unreviewed_data_and_the_report_records_it(tab, tmp_path, qtbot, warnings):
    dialog = tab.open_export_dialog()
    output = tmp_path / "out.csv"
    dialog.output_edit.setText(str(output))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "3 record(s) have findings nobody reviewed" in warnings[0]
    assert "1 unreviewed finding(s) score below the threshold 0.40" in warnings[0]
    report = json.loads(output.with_name("out.report.json").read_text(encoding="utf-8"))
    flat = json.dumps(report)
    assert '"pending_below_threshold": 1' in flat and '"reviewed_records": 0' in flat


def test_declining_the_warning_exports_nothing(tab, tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(export_module.QMessageBox, "warning",
                        staticmethod(lambda *args, **kwargs: QMessageBox.StandardButton.No))
    dialog = tab.open_export_dialog()
    dialog.output_edit.setText(str(tmp_path / "out.csv"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert not (tmp_path / "out.csv").exists()
    assert dialog.pages.currentIndex() == 0


def test_no_warning_once_everything_is_reviewed(tab, tmp_path, qtbot, warnings):
    project = tab.project
    for detection in project.detections():
        project.record_decision("accept", detection_id=detection.id)
    dialog = tab.open_export_dialog()
    dialog.output_edit.setText(str(tmp_path / "out.csv"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert warnings == []
    rows = read_rows(tmp_path / "out.csv", "csv")
    assert "chen.wei@example.net" not in json.dumps(rows)  # accepted now, so masked despite its low score


def test_cancel_leaves_no_file(tab, tmp_path, qtbot, warnings):
    dialog = tab.open_export_dialog()
    dialog.batch_rows = 1  # three batches: the cancel lands between two of them
    output = tmp_path / "cancelled" / "out.csv"
    dialog.output_edit.setText(str(output))
    dialog.vault_check.setChecked(True)
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.passphrase_repeat.setText(PASSPHRASE)
    clicks = []

    def click_cancel(_info) -> None:
        if not clicks:
            clicks.append(dialog.cancel_button.text())
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    dialog.progress_bar.valueChanged.connect(click_cancel)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert clicks == ["Cancel export"]
    assert list(output.parent.iterdir()) == []  # no output, vault, report or temporary file
    assert "cancelled" in dialog.status_label.text()
    assert dialog.pages.currentIndex() == 0 and dialog.isVisible()


def test_vault_passphrase_must_be_typed_twice_and_is_not_kept(tab, tmp_path):
    dialog = tab.open_export_dialog()
    dialog.vault_check.setChecked(True)
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.passphrase_repeat.setText(PASSPHRASE + "!")
    assert not dialog.export_button.isEnabled()
    assert "differ" in dialog.problem_label.text()
    assert "strong" in dialog.strength_label.text()
    dialog.passphrase_repeat.setText(PASSPHRASE)
    assert dialog.export_button.isEnabled()


def test_passphrase_strength_hint():
    assert passphrase_strength("abc")[0] == "too short"
    assert passphrase_strength("abcdefgh")[0] == "weak"
    assert passphrase_strength("Abcdefgh1234")[0] == "fair"
    assert passphrase_strength(PASSPHRASE)[0] == "strong"


def test_reidentify_restores_and_a_wrong_passphrase_gets_a_clear_message(tab, tmp_path, qtbot, warnings, patients_csv):
    dialog = tab.open_export_dialog()
    output = tmp_path / "out.csv"
    dialog.output_edit.setText(str(output))
    dialog.vault_check.setChecked(True)
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.passphrase_repeat.setText(PASSPHRASE)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.summary.vault_path == tmp_path / "out.vault"
    assert dialog.passphrase_edit.text() == ""  # not kept in the dialog
    assert PASSPHRASE not in json.dumps(tab.project.settings())
    dialog.accept()

    restore = tab.open_reidentify_dialog()
    qtbot.keyClicks(restore.masked_edit, str(output))
    assert restore.vault_edit.text() == str(tmp_path / "out.vault")
    qtbot.keyClicks(restore.passphrase_edit, "not the passphrase")
    qtbot.mouseClick(restore.restore_button, Qt.MouseButton.LeftButton)
    boxes = [box for box in error_boxes() if "passphrase is wrong" in box.informativeText()]
    assert boxes  # earlier tests may have left other boxes open: look for ours
    assert "Traceback" not in boxes[-1].informativeText()
    assert not Path(restore.output_edit.text()).exists()
    for box in boxes:
        box.close()

    restore.passphrase_edit.setText(PASSPHRASE)
    qtbot.mouseClick(restore.restore_button, Qt.MouseButton.LeftButton)
    restored = Path(restore.output_edit.text())
    assert restored.read_bytes() == patients_csv.read_bytes()
    assert "Restored" in restore.status_label.text()
