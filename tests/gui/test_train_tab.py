"""The Train tab, driven through its widgets with real training on the tiny model in a real thread pool."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool, Qt
from PySide6.QtWidgets import QMessageBox

from privdesk.core.dataset import read_dataset
from privdesk.core.project import Project
from privdesk.core.train import read_run
from privdesk.gui.models.runs_model import RunsModel, read_entry
from privdesk.gui.tabs.train_tab import TrainTab, default_runs_root

TIMEOUT_MS = 120_000


@pytest.fixture
def notes_csv(tmp_path: Path) -> Path:
    path = tmp_path / "notes_sanitized.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["note_id", "note_text"])
        for index in range(100):
            writer.writerow([f"N{index:03d}", f"Visit {index}: <PERSON> reports mild pain; follow-up in {index % 7 + 1} weeks."])
    return path


@pytest.fixture
def project(tmp_path: Path):
    project = Project.create(tmp_path / "study.privdesk")
    yield project
    project.close()


@pytest.fixture
def pool():
    pool = QThreadPool()
    yield pool
    pool.waitForDone(TIMEOUT_MS)


@pytest.fixture
def tab(qtbot, pool, project, notes_csv):
    tab = TrainTab(thread_pool=pool)
    qtbot.addWidget(tab)
    tab.set_context(project, read_dataset(notes_csv))
    tab.form.set_model("tiny")
    tab.form.set_export_path(notes_csv)
    tab.form.epochs_spin.setValue(3)
    tab.form.batch_spin.setValue(10)
    tab.form.max_length_spin.setValue(32)
    yield tab
    tab.shutdown()


def test_without_a_project_the_tab_says_what_to_do_first(qtbot):
    tab = TrainTab(thread_pool=QThreadPool())
    qtbot.addWidget(tab)
    assert not tab.hint_label.isHidden() and "project" in tab.hint_label.text().lower()
    assert not tab.start_button.isEnabled() and not tab.pause_button.isEnabled()


def test_form_validates_and_warns_about_raw_data(tab, qtbot, monkeypatch, notes_csv):
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: warnings.append(text))
    tab.form.export_path.setText(str(Path(tab.runs_root()) / "missing.csv"))
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert warnings and "does not exist" in warnings[-1] and tab._train_worker is None

    tab.form.dataset_radio.setChecked(True)
    assert not tab.form.raw_warning.isHidden() and "UNMASKED" in tab.form.raw_warning.text()
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)  # the raw-data question is answered No
    assert "raw, unmasked" in warnings[-1] and tab._train_worker is None

    tab.form.set_export_path(notes_csv)
    assert tab.form.raw_warning.isHidden()
    tab.form.delta_edit.setText("0.5")
    qtbot.mouseClick(tab.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "failed" in tab.plan_label.text(), timeout=60_000)
    assert "1/N" in tab.plan_label.text()  # it says why


@pytest.mark.slow
def test_plan_readout_shows_sigma_q_and_steps(tab, qtbot):
    qtbot.mouseClick(tab.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "σ =" in tab.plan_label.text(), timeout=TIMEOUT_MS)
    text = tab.plan_label.text()
    assert "q = 0.1111" in text and "27 steps (3 × 9)" in text and "10 held out" in text


@pytest.mark.slow
def test_start_pause_resume_cancel_then_resume_from_the_list(tab, qtbot, project, qtmodeltester):
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert tab.is_training and not tab.form.isEnabled()
    qtbot.waitUntil(lambda: len(tab.charts.loss[0]) >= 1, timeout=TIMEOUT_MS)
    assert len(tab.charts.loss_line.get_xdata()) >= 1  # the loss line got points

    qtbot.mouseClick(tab.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab._last_phase == "paused", timeout=TIMEOUT_MS)
    paused_at = tab.charts.loss[0][-1]
    qtbot.wait(400)
    assert tab.charts.loss[0][-1] == paused_at and tab.resume_button.isEnabled()

    qtbot.mouseClick(tab.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.charts.loss[0][-1] > paused_at, timeout=TIMEOUT_MS)

    qtbot.mouseClick(tab.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.is_training, timeout=TIMEOUT_MS)
    run_dir = tab._run_dir
    assert run_dir.parent == default_runs_root(project)
    assert read_run(run_dir).status == "cancelled"
    assert tab.selected_run().folder == run_dir and tab.resume_button.isEnabled()
    log = tab.log_view.toPlainText()
    assert "paused" in log and "cancelled" in log and "<PERSON>" not in log and "Visit" not in log

    with qtbot.waitSignal(tab.run_finished, timeout=TIMEOUT_MS) as finished:
        qtbot.mouseClick(tab.resume_button, Qt.MouseButton.LeftButton)
    assert finished.args == [run_dir]
    info = read_run(run_dir)
    assert info.status == "done" and info.model_path is not None
    assert tab.selected_run().status == "done"
    assert "model card" in tab.model_card_view.toPlainText().lower() or "ε" in tab.model_card_view.toPlainText()
    assert len(tab.charts.loss[0]) == info.plan["steps"]
    assert tab.charts.held_out == ([info.plan["steps"]], [pytest.approx(info.results["held_out_loss"])])
    assert [run.status for run in project.runs(kind="training")][-1] == "done"
    qtmodeltester.check(tab.runs_model)


def test_runs_model_passes_the_model_tester(qtmodeltester, tmp_path):
    model = RunsModel()
    assert read_entry(tmp_path) is None  # not a run folder
    qtmodeltester.check(model)
