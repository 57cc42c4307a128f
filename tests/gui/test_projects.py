"""Projects in the main window: automatic projects, opening .privdesk files, Save as, New project,
a dataset that changed or moved, and `privdesk PROJECT` on the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from privdesk.core.project import Project
from privdesk.gui import app as gui_app
from privdesk.gui.main_window import MainWindow


def detect_and_accept_first(window: MainWindow) -> None:
    window.review_tab.run_detection()
    assert window.review_tab.accept_selected()


def click_in_next_box(button_text: str, object_name: str) -> None:
    def click() -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.objectName() == object_name and w.isVisible())
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, click)


def test_a_dataset_gets_an_automatic_project_that_is_reopened(main_window, patients_csv, isolated_projects,
                                                             qtbot, sync_pool, fake_engine_factory, tmp_path, write_csv,
                                                             patient_header, patient_rows):
    main_window.open_dataset(patients_csv)
    project = main_window.project
    assert project is not None and project.path.parent == isolated_projects.resolve()
    assert project.name.startswith("patients-")
    assert project.dataset_ref().path == patients_csv.resolve()
    assert project.column_roles() == main_window.data_tab.roles()
    assert main_window.project_status.text() == "Project saved automatically"
    assert main_window.save_action.isEnabled()
    detect_and_accept_first(main_window)
    path = project.path
    main_window.close()

    again = MainWindow(thread_pool=sync_pool, engine_factory=fake_engine_factory)
    qtbot.addWidget(again)
    again.open_dataset(patients_csv)
    assert again.project.path == path and len(again.project.decisions()) == 1
    # The same name in another folder is another dataset, with its own project.
    (tmp_path / "elsewhere").mkdir()
    other = write_csv(tmp_path / "elsewhere" / "patients.csv", patient_header, patient_rows)
    again.open_dataset(other)
    assert again.project.path != path and again.project.decisions() == []


def test_opening_a_project_file_loads_its_dataset_and_review(main_window, patients_csv, qtbot, sync_pool,
                                                              fake_engine_factory):
    main_window.open_dataset(patients_csv)
    detect_and_accept_first(main_window)
    path = main_window.project.path
    main_window.close()

    window = MainWindow(thread_pool=sync_pool, engine_factory=fake_engine_factory)
    qtbot.addWidget(window)
    window.open_path(path)
    assert window.project.path == path
    assert window.data_tab.dataset is not None and Path(window.data_tab.dataset.path) == patients_csv.resolve()
    assert window.review_tab.index.span_count > 0
    assert any(f.status == "accepted" for f in window.review_tab.findings())
    assert Path(window.recent_file_actions()[0].data()) == path


def test_the_command_line_opens_a_project(main_window, patients_csv, qtbot):
    main_window.open_dataset(patients_csv)
    path = main_window.project.path
    main_window.close()
    window = gui_app.create_window(path)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.review_tab.session.ready, timeout=10000)
    assert window.project.path == path
    window.close()


def test_save_as_copies_the_project_and_continues_in_the_copy(main_window, patients_csv, tmp_path):
    main_window.open_dataset(patients_csv)
    detect_and_accept_first(main_window)
    original = main_window.project.path
    copy = main_window.save_project_as_path(tmp_path / "kept" / "study")
    assert copy == (tmp_path / "kept" / "study.privdesk").resolve()
    assert main_window.project.path == copy
    assert main_window.project_status.text() == "Project: study"
    assert main_window.windowTitle() == "study \u2014 patients.csv \u2014 PrivDesk"
    main_window.review_tab.reject_selected()
    assert len(main_window.project.decisions()) == 2
    with Project.open(original) as old:
        assert len(old.decisions()) == 1  # the original stays as it was


def test_new_project_takes_the_open_dataset(main_window, patients_csv, tmp_path, monkeypatch):
    main_window.open_dataset(patients_csv)
    target = tmp_path / "named"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args: (str(target), "")))
    main_window.new_project_action.trigger()
    assert main_window.project.path == target.with_suffix(".privdesk").resolve()
    assert main_window.project.dataset_ref().path == patients_csv.resolve()
    assert main_window.review_tab.session.ready


def test_a_changed_dataset_can_start_a_fresh_review(main_window, patients_csv, isolated_projects, qtbot, write_csv,
                                                    patient_header, patient_rows):
    main_window.open_dataset(patients_csv)
    detect_and_accept_first(main_window)
    write_csv(patients_csv, patient_header, list(patient_rows) + [(4, "Dora Diaz", "dora@example.com", "New row.")])
    click_in_next_box("Start a fresh review", "datasetChangedDialog")
    main_window.open_dataset(patients_csv)
    assert main_window.project.decisions() == [] and main_window.project.detection_count() == 0
    kept = sorted(p.name for p in isolated_projects.glob("*.privdesk"))
    assert len(kept) == 2 and any("-replaced-" in name for name in kept)


def test_keeping_a_changed_dataset_warns_in_the_review_tab(main_window, patients_csv, write_csv, patient_header,
                                                          patient_rows):
    main_window.open_dataset(patients_csv)
    detect_and_accept_first(main_window)
    write_csv(patients_csv, patient_header, [row for row in patient_rows][:2] + [(3, "Chen Wei", "c@x.net", "Edited.")])
    click_in_next_box("Keep the old findings", "datasetChangedDialog")
    main_window.open_dataset(patients_csv)
    assert len(main_window.project.decisions()) == 1
    assert main_window.review_tab.banner.isVisibleTo(main_window.review_tab)
    assert "changed" in main_window.review_tab.banner.text()


def test_a_moved_dataset_can_be_located(main_window, patients_csv, tmp_path, qtbot, sync_pool, fake_engine_factory,
                                        monkeypatch):
    main_window.open_dataset(patients_csv)
    detect_and_accept_first(main_window)
    project_path = main_window.project.path
    main_window.close()
    moved = tmp_path / "moved.csv"
    shutil.move(patients_csv, moved)
    window = MainWindow(thread_pool=sync_pool, engine_factory=fake_engine_factory)
    qtbot.addWidget(window)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *args: (str(moved), "")))
    click_in_next_box("Locate\u2026", "datasetMissingDialog")
    window.open_path(project_path)
    assert window.project.path == project_path
    assert window.project.dataset_ref().path == moved.resolve()
    assert len(window.project.decisions()) == 1 and window.review_tab.session.ready


def test_dropping_a_project_file_opens_it(main_window, patients_csv, qtbot, sync_pool, fake_engine_factory, drag_event):
    main_window.open_dataset(patients_csv)
    path = main_window.project.path
    main_window.close()
    window = MainWindow(thread_pool=sync_pool, engine_factory=fake_engine_factory)
    qtbot.addWidget(window)
    window.show()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = drag_event(QDragEnterEvent, 20, 20, mime)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = drag_event(QDropEvent, 20, 20, mime)
    QApplication.sendEvent(window, drop)
    assert window.project is not None and window.project.path == path


def test_closing_the_window_closes_the_project(main_window, patients_csv):
    main_window.open_dataset(patients_csv)
    project = main_window.project
    assert main_window.close()
    assert project.closed and main_window.project is None
    wal = Path(f"{project.path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed: the file alone is complete


@pytest.mark.parametrize("name", ["notes.csv", "notes.jsonl"])
def test_is_project_path_tells_projects_from_datasets(name):
    from privdesk.gui.main_window import is_project_path

    assert not is_project_path(Path(name)) and is_project_path(Path("study.privdesk"))
