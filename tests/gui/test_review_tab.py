"""The Review tab driven like an analyst would: detection, decisions by mouse and keyboard, undo/redo,
filters, bulk actions, lists, explanations, and finding every decision again after reopening."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QSlider, QTableView, QTextEdit

from privdesk.core.project import Project
from privdesk.core.review import RecordState
from privdesk.gui.main_window import MainWindow
from privdesk.gui.widgets.lists_dialog import APPLY_NOW, RERUN

NOTES_HEADER = ("id", "note")
NOTES = (
    (1, "Alice Martin wrote on 2024-03-02 from alice@example.org about January."),
    (2, "Bruno Keller called +1 415 555 0134 in March; Alice Martin joined."),
    (3, "Nothing personal in this one."),
    (4, "Chen Wei met Alice Martin on 2024-04-01."),
)


@pytest.fixture
def notes_csv(tmp_path, write_csv) -> Path:
    return write_csv(tmp_path / "notes.csv", NOTES_HEADER, NOTES)


@pytest.fixture
def window(main_window, qtbot) -> MainWindow:
    main_window.resize(1280, 800)
    main_window.show()
    qtbot.waitExposed(main_window)
    main_window.activateWindow()
    return main_window


def open_and_detect(window: MainWindow, path: Path) -> None:
    window.open_dataset(path)
    assert window.project is not None, "opening a dataset creates its project"
    window.tabs.setCurrentWidget(window.review_tab)
    window.review_tab.run_detection()
    QApplication.processEvents()


def texts(window: MainWindow) -> list[tuple[str, str, str]]:
    return [(f.span.entity_type, f.text, f.status) for f in window.review_tab.findings()]


def select_record_in_order(window: MainWindow, record: int) -> None:
    tab = window.review_tab
    tab.record_panel.set_sort_order("record")
    assert tab.select_record(record)


def span_point(tab, text: str) -> QPoint:
    """The viewport position of the middle of the finding that reads `text`."""
    span = next(s for s, f in zip(tab.text_view.spans(), tab.findings()) if f.text == text)
    rect = tab.text_view._span_rects(span)[0]
    return rect.center().toPoint()


def press(widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    widget.setFocus()
    QApplication.processEvents()
    from pytestqt.qtbot import QtBot  # noqa: F401 - the qtbot fixture is what tests use; QTest does the work

    from PySide6.QtTest import QTest

    QTest.keyClick(widget, key, modifier)
    QApplication.processEvents()


def decisions(project: Project) -> list[tuple[str, int]]:
    return [(d.action, d.record) for d in project.decisions()]


def test_detection_fills_the_record_list_text_view_and_findings_table(window, notes_csv):
    tab = window.review_tab
    for name, kind in (("recordList", QTableView), ("spanTextView", QTextEdit), ("findingsTable", QTableView),
                       ("thresholdSlider", QSlider)):
        assert window.findChild(kind, name) is not None
    open_and_detect(window, notes_csv)
    assert tab.index.span_count == 11
    # Default view: records with findings, least certain first (record 0 holds the 0.35 "January").
    assert tab.record_panel.model.order.tolist()[0] == 0
    assert 2 not in tab.record_panel.model.order.tolist()  # no findings
    assert tab.current_record == 0
    assert texts(window) == [("PERSON", "Alice Martin", "pending"), ("DATE_TIME", "2024-03-02", "pending"),
                             ("EMAIL_ADDRESS", "alice@example.org", "pending")]  # January (0.35) is under 0.40
    assert "January" in tab.text_view.toPlainText()
    assert tab.text_view.selected_key == tab.findings()[0].key  # the first finding is selected at once
    assert "13 findings" not in tab.record_title.text() and "Record 1 of 4" in tab.record_title.text()
    assert window.review_status.text().startswith("Reviewed 0 of 3 records")


def test_accept_and_reject_by_mouse(window, notes_csv, qtbot):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    qtbot.mouseClick(tab.text_view.viewport(), Qt.MouseButton.LeftButton, pos=span_point(tab, "2024-03-02"))
    assert tab.selected_finding().text == "2024-03-02"
    qtbot.mouseClick(tab.reject_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.text_view.viewport(), Qt.MouseButton.LeftButton, pos=span_point(tab, "Alice Martin"))
    qtbot.mouseClick(tab.accept_button, Qt.MouseButton.LeftButton)
    assert texts(window)[:2] == [("PERSON", "Alice Martin", "accepted"), ("DATE_TIME", "2024-03-02", "rejected")]
    assert RecordState(tab.index.state[0]) == RecordState.IN_PROGRESS
    # Selecting a row of the findings table selects the finding in the text too.
    tab.findings_table.selectRow(2)
    assert tab.text_view.selected_key == tab.findings()[2].key
    assert decisions(window.project) == [("reject", 0), ("accept", 0)]


def test_accept_and_reject_by_keyboard_advance_to_the_next_finding(window, notes_csv, qtbot):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    press(tab.text_view, Qt.Key.Key_A)
    assert texts(window)[0][2] == "accepted"
    assert tab.selected_finding().text == "2024-03-02"  # moved on to the next one to review
    press(tab.text_view, Qt.Key.Key_R)
    press(tab.text_view, Qt.Key.Key_X)  # X rejects too
    assert [t[2] for t in texts(window)] == ["accepted", "rejected", "rejected"]
    assert RecordState(tab.index.state[0]) == RecordState.DONE
    qtbot.waitUntil(lambda: window.review_status.text().startswith("Reviewed 1 of 3 records"), timeout=2000)
    press(tab.text_view, Qt.Key.Key_Tab)
    assert tab.selected_finding().text == "Alice Martin"  # Tab wraps around
    press(tab.text_view, Qt.Key.Key_Backtab)
    assert tab.selected_finding().text == "alice@example.org"


def test_next_and_previous_record_keys(window, notes_csv):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    select_record_in_order(window, 0)
    press(tab.text_view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert tab.current_record == 1
    press(tab.text_view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert tab.current_record == 3  # record 2 has no findings and is not listed
    press(tab.text_view, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert tab.current_record == 1


def test_add_a_span_by_selecting_text_with_the_mouse_and_pressing_a_label_key(window, notes_csv, qtbot):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    select_record_in_order(window, 2)  # "Nothing personal in this one."
    tab.record_panel.filter_combo.setCurrentIndex(tab.record_panel.filter_combo.count() - 1)
    assert tab.select_record(2)
    view = tab.text_view
    start_range = view.document_range("note", 0, 7)
    cursor = view.textCursor()
    cursor.setPosition(start_range[0])
    start_point = view.cursorRect(cursor).center()
    cursor.setPosition(start_range[1])
    end_point = view.cursorRect(cursor).center()
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start_point)
    qtbot.mouseMove(view.viewport(), end_point)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end_point)
    assert view.text_selection() == ("note", 0, 7)
    press(view, Qt.Key.Key_O)  # O: organisation
    assert texts(window) == [("ORGANIZATION", "Nothing", "accepted")]
    assert tab.selected_finding().span.recognizer == "analyst"
    [decision] = window.project.decisions(record=2)
    assert (decision.action, decision.start, decision.end, decision.entity_type) == ("add", 0, 7, "ORGANIZATION")
    # Deleting one's own span removes it from view.
    press(view, Qt.Key.Key_Delete)
    assert texts(window) == []


def test_add_by_keyboard_selection_and_relabel_by_key_and_menu(window, notes_csv):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    select_record_in_order(window, 1)
    view = tab.text_view
    view.select_span(None)
    view.select_text("note", 13, 19)  # "called", as Shift+arrows would select it
    press(view, Qt.Key.Key_2)  # 2: LOCATION
    assert ("LOCATION", "called", "accepted") in texts(window)
    tab.select_span(next(f.key for f in tab.findings() if f.text == "Bruno Keller"))
    press(view, Qt.Key.Key_3)  # relabel as ORGANIZATION
    assert ("ORGANIZATION", "Bruno Keller", "accepted") in texts(window)
    tab.label_actions["NRP"].trigger()  # the Label as menu
    assert ("NRP", "Bruno Keller", "accepted") in texts(window)


def test_resize_by_keys_is_one_undo_step(window, notes_csv):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    view = tab.text_view
    tab.select_span(next(f.key for f in tab.findings() if f.text == "Alice Martin"))
    press(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    press(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    press(view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert tab.selected_finding().text == "lice Martin w"
    assert tab.undo_stack.count() == 1
    assert len(window.project.decisions()) == 3
    window.undo_action.trigger()
    assert tab.selected_finding().text == "Alice Martin" and window.project.decisions() == []
    window.redo_action.trigger()
    assert tab.selected_finding().text == "lice Martin w" and len(window.project.decisions()) == 3
    # Ctrl+Shift+Left pulls the end back by a word.
    press(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
    assert tab.selected_finding().text == "lice Martin"


def test_resize_by_dragging_an_end_with_the_mouse(window, notes_csv, qtbot):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    view = tab.text_view
    key = next(f.key for f in tab.findings() if f.text == "Alice Martin")
    tab.select_span(key)
    rect = view._span_rects(view.span(key))[0]
    grab = QPoint(round(rect.right()), round(rect.center().y()))
    target_range = view.document_range("note", 0, 18)  # end after "Alice Martin wrote"
    cursor = view.textCursor()
    cursor.setPosition(target_range[1])
    target = view.cursorRect(cursor).center()
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(view.viewport(), target)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=target)
    assert tab.selected_finding().text == "Alice Martin wrote"
    [decision] = window.project.decisions()
    assert (decision.action, decision.start, decision.end) == ("resize", 0, 18)


def test_undo_and_redo_by_keyboard_keep_the_project_in_step(window, notes_csv):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    press(tab.text_view, Qt.Key.Key_A)
    press(tab.text_view, Qt.Key.Key_R)
    assert len(window.project.decisions()) == 2
    press(tab.text_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [t[2] for t in texts(window)] == ["accepted", "pending", "pending"]
    assert len(window.project.decisions()) == 1 and window.project.can_redo()
    press(tab.text_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.project.decisions() == [] and [t[2] for t in texts(window)] == ["pending"] * 3
    press(tab.text_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    press(tab.text_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert [t[2] for t in texts(window)] == ["accepted", "rejected", "pending"]
    assert len(window.project.decisions()) == 2 and not window.project.can_redo()
    assert window.undo_action.text().replace("&", "").startswith("Undo Reject")


def test_threshold_slider_and_type_toggles_filter_live(window, notes_csv, qtbot):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    slider = tab.threshold_slider
    slider.setValue(30)
    assert ("DATE_TIME", "January", "pending") in texts(window)
    assert tab.record_panel.model.order.tolist()[0] == 0  # 0.35: the least certain
    slider.setValue(70)
    assert texts(window) == [("PERSON", "Alice Martin", "pending"), ("EMAIL_ADDRESS", "alice@example.org", "pending")]
    assert tab.threshold_label.text() == "\u2265 0.70"
    assert window.project.get_setting("review.threshold") == pytest.approx(0.7)  # kept with the project
    qtbot.mouseClick(tab.legend.chip("PERSON"), Qt.MouseButton.LeftButton)  # hide PERSON
    assert texts(window) == [("EMAIL_ADDRESS", "alice@example.org", "pending")]
    assert int(tab.index.visible[3]) == 0  # record 3 only has names and a date: nothing shown
    assert 3 not in tab.record_panel.model.order.tolist()
    qtbot.mouseClick(tab.legend.chip("PERSON"), Qt.MouseButton.LeftButton)
    assert len(texts(window)) == 2


def test_bulk_rule_dialog_rejects_low_scores_in_one_undo_step(window, notes_csv):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    tab.threshold_slider.setValue(0)
    dialog = tab.open_bulk_rule_dialog("DATE_TIME")
    dialog.action_combo.setCurrentIndex(dialog.action_combo.findData("reject"))
    dialog.comparison_combo.setCurrentIndex(dialog.comparison_combo.findData("below"))
    dialog.score_box.setValue(0.5)
    assert "changes 2 findings in 2 records" in dialog.preview_label.text()
    dialog.apply_button.click()
    rejected = [(d.action, d.record) for d in window.project.decisions()]
    assert rejected == [("reject", 0), ("reject", 1)]
    assert tab.undo_stack.count() == 1
    window.undo_action.trigger()
    assert window.project.decisions() == []


def test_every_occurrence_of_a_value_from_the_dataset_view(window, notes_csv, qtbot):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    tab.side_tabs.setCurrentWidget(tab.values_panel)  # showing it groups the values
    model = tab.values_panel.model
    person_row = model.type_row("PERSON")
    person = model.index(person_row, 0)
    first_value = model.index(0, 0, person)
    group = tab.values_panel.model.group(first_value)
    assert (group.value, group.count, group.record_count) == ("Alice Martin", 3, 3)
    tab.values_panel.tree.setCurrentIndex(first_value)
    qtbot.mouseClick(tab.values_panel.accept_button, Qt.MouseButton.LeftButton)
    accepted = {d.record for d in window.project.decisions() if d.action == "accept"}
    assert accepted == {0, 1, 3}
    assert tab.undo_stack.count() == 1
    # The same from a finding's context menu ("Reject every ..."), across the dataset.
    tab.decide_every_occurrence("alice martin", "reject")
    assert sum(1 for d in window.project.decisions() if d.action == "reject") == 3
    qtbot.mouseClick(tab.values_panel.records_button, Qt.MouseButton.LeftButton)
    assert sorted(tab.record_panel.model.order.tolist()) == [0, 1, 3]


def test_allow_and_deny_lists_apply_now_and_are_stored(window, notes_csv, qtbot):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    dialog = tab.open_lists_dialog()
    dialog.allow_edit.setPlainText("alice martin\n")
    dialog.set_deny_type("ORGANIZATION")
    dialog.deny_edit.setPlainText("Nothing personal")
    dialog.done(APPLY_NOW)
    lists = window.project.get_setting("detection.allow_list"), window.project.get_setting("detection.deny_list")
    assert lists == (["alice martin"], {"ORGANIZATION": ["Nothing personal"]})
    decided = sorted((d.action, d.record) for d in window.project.decisions())
    assert decided == [("add", 2), ("reject", 0), ("reject", 1), ("reject", 3)]
    assert tab.undo_stack.count() == 1


def test_rerunning_detection_asks_first_and_uses_the_lists(window, notes_csv):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    press(tab.text_view, Qt.Key.Key_A)

    def answer(button_text: str) -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        assert "1 decisions" in box.text()
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, lambda: answer("Cancel"))
    tab.run_detection()
    assert len(window.project.decisions()) == 1 and tab.index.span_count == 11

    dialog = tab.open_lists_dialog()
    dialog.allow_edit.setPlainText("Alice Martin")
    QTimer.singleShot(0, lambda: answer("Discard and run again"))
    dialog.done(RERUN)
    assert window.project.decisions() == [] and tab.undo_stack.count() == 0
    assert tab.index.span_count == 8  # three "Alice Martin" no longer found
    runs = window.project.runs("detection")
    assert len(runs) == 2 and runs[-1].params["allow_list_terms"] == 1 and runs[-1].status == "done"


def test_explain_shows_the_recognizer_and_context(window, notes_csv):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    tab.select_span(next(f.key for f in tab.findings() if f.text == "Alice Martin"))
    press(tab.text_view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    text = tab.explain_panel.text()
    assert "SpacyNerRecognizer" in text and "0.85" in text
    assert "wrote" in text  # a word next to it


def test_accept_the_rest_goes_to_the_next_record(window, notes_csv):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    select_record_in_order(window, 0)
    press(tab.text_view, Qt.Key.Key_R)
    press(tab.text_view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sorted(d.action for d in window.project.decisions(record=0)) == ["accept", "accept", "reject"]
    assert tab.current_record == 1


def test_search_lists_only_matching_records(window, notes_csv, qtbot):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    tab.record_panel.search_edit.setText("chen")
    qtbot.waitUntil(lambda: tab.record_panel.model.order.tolist() == [3], timeout=2000)
    tab.record_panel.search_edit.clear()
    qtbot.waitUntil(lambda: len(tab.record_panel.model.order) == 3, timeout=2000)


def test_decisions_are_found_again_after_reopening(window, notes_csv, qtbot, sync_pool, fake_engine_factory):
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    press(tab.text_view, Qt.Key.Key_A)
    press(tab.text_view, Qt.Key.Key_R)
    tab.text_view.select_span(None)
    tab.text_view.select_text("note", 38, 45)
    press(tab.text_view, Qt.Key.Key_P)
    project_path = window.project.path
    assert window.close()

    again = MainWindow(thread_pool=sync_pool, engine_factory=fake_engine_factory)
    qtbot.addWidget(again)
    again.open_dataset(notes_csv)  # the same file: its automatic project is reopened
    assert again.project.path == project_path
    review = again.review_tab
    review.record_panel.set_sort_order("record")
    review.select_record(0)
    statuses = {f.text: f.status for f in review.findings()}
    assert statuses["Alice Martin"] == "accepted" and statuses["2024-03-02"] == "rejected"
    assert statuses["alice@e"] == "accepted"  # the added span
    assert review.index.span_count == 12 and RecordState(review.index.state[0]) == RecordState.IN_PROGRESS
    np.testing.assert_array_equal(review.index.scanned, [True] * 4)


def test_unreadable_lists_are_reported_and_never_overwritten(window, notes_csv):
    """The lists are sealed with the project secret; without the key file they cannot be read. Adding a term
    then must say so and leave the stored lists alone (not save a list holding only the new term)."""
    tab = window.review_tab
    open_and_detect(window, notes_csv)
    tab.add_to_allow_list("alice martin")
    project = window.project
    key_file = project.path.with_name(project.path.name + ".key")
    hidden = key_file.with_name("elsewhere.key")
    key_file.rename(hidden)
    project._secret = None  # as after reopening the project without its key file
    try:
        tab.add_to_allow_list("bob stone")
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        assert any("allow and deny lists" in (box.text() + box.informativeText()).lower() or
                   "key" in (box.text() + box.informativeText()).lower() for box in boxes)
        for box in boxes:
            box.close()
    finally:
        hidden.rename(key_file)
        project._secret = None
    assert read_lists_of(project) == ["alice martin"]


def read_lists_of(project) -> list[str]:
    from privdesk.core.review import read_lists

    return list(read_lists(project).allow)
