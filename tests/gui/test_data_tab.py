"""The Data tab: loading a dataset, its summary and column roles, errors, cancelling."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication, QHeaderView, QMessageBox

from privdesk.core.dataset import ReadOptions, inspect_dataset
from privdesk.core.errors import DatasetError
from privdesk.core.types import IGNORE, ColumnRole
from privdesk.gui import tasks
from privdesk.gui.tabs.data_tab import DataTab, human_size



@pytest.fixture
def tab(qtbot, sync_pool) -> DataTab:
    widget = DataTab(thread_pool=sync_pool)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    return widget


def error_dialogs() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.objectName() == "errorDialog"]


def close_dialogs(dialogs: list[QMessageBox]) -> None:
    for dialog in dialogs:
        dialog.done(0)


def test_opening_a_csv_fills_the_model_the_summary_and_the_columns(tab, patients_csv, qtbot, patient_rows, patient_header):
    assert tab.pages.currentWidget() is tab.empty_hint
    with qtbot.waitSignal(tab.dataset_loaded, timeout=5000) as loaded:
        tab.open_dataset(patients_csv)
    assert loaded.args[0] is tab.dataset
    assert not tab.is_loading and not tab.progress_row.isVisibleTo(tab)

    assert tab.model.rowCount() == len(patient_rows)
    assert tab.model.columnCount() == len(patient_header)
    assert tab.table_view.model() is tab.model
    assert tab.pages.currentWidget() is tab.splitter
    assert tab.model.data(tab.model.index(1, 1)) == "Bruno Keller"

    summary = tab.summary_label.text()
    assert "patients.csv" in summary
    assert "3 rows \u00d7 4 columns" in summary
    assert "CSV" in summary
    assert "utf-8" in summary.lower()
    assert human_size(patients_csv.stat().st_size) in summary
    assert "no warnings" in summary

    roles_table = tab.columns_table
    assert roles_table.rowCount() == 4
    assert [roles_table.item(row, 0).text() for row in range(4)] == list(patient_header)
    assert set(tab.roles()) == set(patient_header)
    for row, name in enumerate(patient_header):
        assert roles_table.cellWidget(row, 2).currentText() == str(tab.roles()[name])
    assert tab.roles() == {column.name: column.role for column in tab.summary.columns}


def test_long_multiline_cells_are_one_line_in_the_table_with_the_full_text_as_tooltip(tab, tmp_path, qtbot, write_csv):
    note = "Line one of a long note.\nLine two " + "with more words " * 40
    path = write_csv(tmp_path / "long.csv", ["id", "note"], [[1, note]])
    with qtbot.waitSignal(tab.dataset_loaded, timeout=5000):
        tab.open_dataset(path)
    index = tab.model.index(0, 1)
    assert "\n" not in tab.model.data(index)
    assert note.strip().replace("\n", "<br>") in tab.model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert not tab.table_view.wordWrap()
    assert tab.table_view.textElideMode() == Qt.TextElideMode.ElideRight
    # Column widths come from a sample, capped so one long note cannot push the others off screen.
    assert tab.table_view.columnWidth(0) < tab.table_view.columnWidth(1) <= max(200, tab.table_view.viewport().width())


def test_editing_a_role_emits_roles_changed_and_can_be_undone(tab, patients_csv, qtbot):
    with qtbot.waitSignal(tab.dataset_loaded, timeout=5000):
        tab.open_dataset(patients_csv)
    original = tab.roles()
    combo = tab.columns_table.role_combo("email")
    target = "identifier:EMAIL_ADDRESS" if original["email"] != ColumnRole.parse("identifier:EMAIL_ADDRESS") else "ignore"

    with qtbot.waitSignal(tab.roles_changed, timeout=1000) as changed:
        combo.setCurrentIndex(combo.findText(target))
    roles = changed.args[0]
    assert roles["email"] == ColumnRole.parse(target)
    assert {name: role for name, role in roles.items() if name != "email"} == {
        name: role for name, role in original.items() if name != "email"
    }
    assert tab.roles() == roles
    assert tab.undo_stack.canUndo()

    with qtbot.waitSignal(tab.roles_changed, timeout=1000) as undone:
        tab.undo_stack.undo()
    assert undone.args[0] == original
    assert combo.currentText() == str(original["email"])

    with qtbot.waitSignal(tab.roles_changed, timeout=1000) as redone:
        tab.undo_stack.redo()
    assert redone.args[0]["email"] == ColumnRole.parse(target)


def test_the_role_combo_offers_text_every_identifier_type_and_ignore(tab, patients_csv, qtbot):
    with qtbot.waitSignal(tab.dataset_loaded, timeout=5000):
        tab.open_dataset(patients_csv)
    combo = tab.columns_table.role_combo("note")
    items = [combo.itemText(i) for i in range(combo.count())]
    assert items[0] == "text" and items[-1] == "ignore"
    assert "identifier:PERSON" in items and "identifier:EMAIL_ADDRESS" in items
    combo.setCurrentIndex(items.index("ignore"))
    assert tab.roles()["note"] == IGNORE


def test_a_binary_file_named_csv_shows_the_dataset_error_in_a_critical_dialog(tab, patients_csv, tmp_path, qtbot, patient_rows):
    with qtbot.waitSignal(tab.dataset_loaded, timeout=5000):
        tab.open_dataset(patients_csv)
    bad = tmp_path / "x.csv"
    bad.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(DatasetError) as expected:
        inspect_dataset(bad, ReadOptions())

    with qtbot.waitSignal(tab.load_failed, timeout=5000):
        tab.open_dataset(bad)
    dialogs = error_dialogs()
    try:
        assert len(dialogs) == 1
        dialog = dialogs[0]
        assert dialog.icon() == QMessageBox.Icon.Critical
        assert dialog.isVisible()
        assert expected.value.message in dialog.informativeText()
        assert "Traceback" not in dialog.text() + dialog.informativeText() + dialog.detailedText()
    finally:
        close_dialogs(dialogs)
    # The dataset shown before is still there.
    assert tab.model.rowCount() == len(patient_rows)
    assert "patients.csv" in tab.summary_label.text()
    assert not tab.is_loading


def test_an_unexpected_error_says_so_and_logs_a_traceback_without_data(tab, patients_csv, qtbot, monkeypatch, caplog):
    secret = "-".join(["Alice Martin", "555", "0134"])

    def broken_read(*args, **kwargs):
        raise KeyError(secret)

    monkeypatch.setattr(tasks, "read_dataset", broken_read)
    with caplog.at_level(logging.INFO), qtbot.waitSignal(tab.load_failed, timeout=5000):
        tab.open_dataset(patients_csv)
    dialogs = error_dialogs()
    try:
        assert len(dialogs) == 1
        text = dialogs[0].text() + " " + dialogs[0].informativeText()
        assert "Unexpected error" in text
        assert "written to the log" in text
        assert secret not in text and "Traceback" not in text
    finally:
        close_dialogs(dialogs)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Traceback" in logged and "KeyError" in logged
    assert secret not in logged


def test_cancel_during_loading_stops_it_and_leaves_the_tab_as_it_was(tab, patients_csv, qtbot):
    cancelled = []
    tab.load_cancelled.connect(lambda: cancelled.append(True))

    def click_cancel_when_the_summary_arrives(loading: bool) -> None:
        if loading:
            assert tab.cancel_button.isVisibleTo(tab) and tab.cancel_button.isEnabled()
            tab.loading_worker.signals.partial_result.connect(
                lambda _summary: qtbot.mouseClick(tab.cancel_button, Qt.MouseButton.LeftButton)
            )

    tab.loading_changed.connect(click_cancel_when_the_summary_arrives)
    tab.open_dataset(patients_csv)
    assert cancelled == [True]
    assert tab.dataset is None and tab.model.rowCount() == 0
    assert tab.pages.currentWidget() is tab.empty_hint
    assert not tab.is_loading and not tab.progress_row.isVisibleTo(tab)


def test_cancel_on_the_real_thread_pool(qtbot, patients_csv, monkeypatch):
    inspecting = threading.Event()

    def slow_inspect(path, options, *, progress=None, cancel=None):
        # Stands in for inspecting a huge file: inspect_dataset checks its token between batches.
        inspecting.set()
        while True:
            cancel.raise_if_cancelled()
            threading.Event().wait(0.005)

    monkeypatch.setattr(tasks, "inspect_dataset", slow_inspect)
    pool = QThreadPool()
    tab = DataTab(thread_pool=pool)
    qtbot.addWidget(tab)
    tab.show()
    tab.open_dataset(patients_csv)
    assert inspecting.wait(10)
    assert tab.is_loading and tab.cancel_button.isVisible()
    with qtbot.waitSignal(tab.load_cancelled, timeout=5000):
        qtbot.mouseClick(tab.cancel_button, Qt.MouseButton.LeftButton)
    assert not tab.is_loading and tab.dataset is None
    assert not tab.progress_row.isVisible()
    assert pool.waitForDone(5000)


def test_loading_on_the_real_thread_pool(qtbot, tmp_path, write_csv):
    path = write_csv(tmp_path / "many.csv", ["id", "text"], [[i, f"row {i}"] for i in range(5000)])
    pool = QThreadPool()
    tab = DataTab(thread_pool=pool)
    qtbot.addWidget(tab)
    tab.show()
    with qtbot.waitSignal(tab.dataset_loaded, timeout=20000):
        tab.open_dataset(path)
    assert tab.model.rowCount() == 5000
    assert tab.model.data(tab.model.index(4999, 1)) == "row 4999"
    assert "5,000 rows" in tab.summary_label.text()
    assert pool.waitForDone(5000)


def test_a_newer_load_replaces_one_still_running(qtbot, tmp_path, monkeypatch, write_csv):
    first = write_csv(tmp_path / "first.csv", ["a"], [[1]])
    second = write_csv(tmp_path / "second.csv", ["b", "c"], [[1, 2], [3, 4]])
    release = threading.Event()
    real_read = tasks.read_dataset

    def read_first_slowly(path, options=None, **kwargs):
        if Path(path).name == "first.csv":
            release.wait(10)
        return real_read(path, options, **kwargs)

    monkeypatch.setattr(tasks, "read_dataset", read_first_slowly)
    pool = QThreadPool()
    tab = DataTab(thread_pool=pool)
    qtbot.addWidget(tab)
    tab.show()
    loaded: list[object] = []
    tab.dataset_loaded.connect(loaded.append)
    tab.open_dataset(first)
    with qtbot.waitSignal(tab.dataset_loaded, timeout=10000):
        tab.open_dataset(second)
    release.set()
    assert pool.waitForDone(10000)
    qtbot.wait(50)  # let any late signal of the first load arrive; it must be ignored
    assert [Path(dataset.path).name for dataset in loaded] == ["second.csv"]
    assert tab.model.columnCount() == 2


def test_the_table_view_scrolls_through_a_million_rows_painting_only_what_is_visible(tab, qtbot):
    rows = 1_000_000
    ids = pa.array(range(rows), pa.int64())
    notes = pc.binary_join_element_wise(pa.repeat("Patient note", rows), pc.cast(ids, pa.string()), " #")
    tab.model.set_table(pa.table({"id": ids, "note": notes}))
    tab.pages.setCurrentWidget(tab.splitter)
    view = tab.table_view
    assert view.verticalHeader().sectionResizeMode(0) == QHeaderView.ResizeMode.Fixed
    assert view.horizontalHeader().sectionResizeMode(0) != QHeaderView.ResizeMode.ResizeToContents
    scrollbar = view.verticalScrollBar()

    start = time.perf_counter()
    for step in range(21):  # jump through the whole table, painting each screenful
        scrollbar.setValue(scrollbar.maximum() * step // 20)
        view.viewport().grab()
    elapsed = time.perf_counter() - start

    last_visible = view.rowAt(view.viewport().height() - 1)
    assert last_visible == rows - 1
    assert tab.model.data(tab.model.index(last_visible, 1)) == f"Patient note #{rows - 1}"
    assert elapsed < 3.0, f"21 screenfuls took {elapsed:.2f}s"
    # Each screenful touched at most a couple of blocks per column; nothing else was converted.
    assert tab.model.cached_block_count() <= 21 * 2 * 2


def test_the_file_panel_shows_how_the_file_was_read_and_its_warnings(tab, tmp_path, qtbot):
    # cp1252 bytes (é as 0xE9) are not UTF-8: the core falls back and warns, and the tab must show it.
    path = tmp_path / "legacy.csv"
    path.write_bytes("id;name\n1;Ren\u00e9e Dupr\u00e9\n2;Zo\u00e9 Lef\u00e8vre\n".encode("cp1252"))
    with qtbot.waitSignal(tab.dataset_loaded, timeout=5000):
        tab.open_dataset(path)
    summary = tab.summary
    assert summary.warnings, "the core is expected to warn about a non-UTF-8 file"
    count = len(summary.warnings)
    assert f"{count} warning{'s' if count != 1 else ''}" in tab.summary_label.text()
    assert "semicolon-separated" in tab.summary_label.text()
    details = tab.details
    assert details.value("Path") == str(summary.path)
    assert details.value("Delimiter") == "semicolon"
    assert details.value("Encoding") == summary.encoding
    assert details.value("Rows") == "2" and details.value("Columns") == "2"
    for warning in summary.warnings:
        assert warning in details.value("Warnings")
    assert tab.model.data(tab.model.index(0, 1)) == "Ren\u00e9e Dupr\u00e9"


def test_a_big_file_shows_its_first_rows_before_it_is_read(tab, tmp_path, qtbot, write_csv, monkeypatch):
    monkeypatch.setattr(tasks, "PREVIEW_MIN_BYTES", 0)  # every file counts as big here
    monkeypatch.setattr(tasks, "PREVIEW_ROWS", 10)
    path = write_csv(tmp_path / "big.csv", ["id", "text"], [[i, f"row {i}"] for i in range(50)])
    seen: list[int] = []
    tab.loading_changed.connect(
        lambda loading: loading and tab.loading_worker.signals.partial_result.connect(
            lambda value: seen.append(tab.model.rowCount()) if isinstance(value, tasks.DatasetPreview) else None))
    with qtbot.waitSignal(tab.dataset_loaded, timeout=5000):
        tab.open_dataset(path)
    assert seen == [10]  # the preview was on screen first
    assert tab.model.rowCount() == 50 and "50 rows" in tab.summary_label.text()


def test_cancelling_after_the_preview_shows_the_previous_dataset_again(tab, patients_csv, tmp_path, qtbot, write_csv,
                                                                      monkeypatch, patient_rows):
    with qtbot.waitSignal(tab.dataset_loaded, timeout=5000):
        tab.open_dataset(patients_csv)
    monkeypatch.setattr(tasks, "PREVIEW_MIN_BYTES", 0)
    path = write_csv(tmp_path / "big.csv", ["id", "text"], [[i, f"row {i}"] for i in range(50)])

    def cancel_after_preview(loading: bool) -> None:
        if loading:
            tab.loading_worker.signals.partial_result.connect(
                lambda value: tab.cancel_loading() if isinstance(value, tasks.DatasetPreview) else None)

    tab.loading_changed.connect(cancel_after_preview)
    with qtbot.waitSignal(tab.load_cancelled, timeout=5000):
        tab.open_dataset(path)
    assert tab.model.rowCount() == len(patient_rows)
    assert "patients.csv" in tab.summary_label.text()
