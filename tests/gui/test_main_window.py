"""The main window: tabs, menus, status bar, recent files, drag and drop, settings, closing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeData, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QTabWidget,
    QWidget,
)

from privdesk import __version__
from privdesk.gui import settings as app_settings
from privdesk.gui.main_window import MainWindow



def load(window: MainWindow, path: Path, qtbot) -> None:
    with qtbot.waitSignal(window.data_tab.dataset_loaded, timeout=5000):
        window.open_dataset(path)


def menu_titles(window: MainWindow) -> list[str]:
    return [action.text().replace("&", "") for action in window.menuBar().actions()]


def test_object_names_are_in_place(main_window):
    tabs = main_window.findChild(QTabWidget, "mainTabs")
    assert tabs is main_window.tabs
    names = [tabs.widget(i).objectName() for i in range(tabs.count())]
    assert names == ["dataTab", "reviewTab", "policyTab", "trainTab", "evaluateTab"]
    assert [tabs.tabText(i).replace("&", "") for i in range(tabs.count())] == ["Data", "Review", "Policy", "Train", "Evaluate"]
    assert main_window.findChild(QTableView, "datasetTable") is not None
    assert main_window.findChild(QWidget, "columnRolesTable") is not None
    assert main_window.findChild(QLabel, "summaryLabel") is not None


def test_later_steps_are_real_tabs_that_follow_the_project(main_window):
    assert main_window.findChild(QWidget, "policyTab") is main_window.policy_tab
    assert main_window.findChild(QWidget, "trainTab") is main_window.train_tab
    assert main_window.findChild(QWidget, "evaluateTab") is main_window.evaluate_tab
    assert main_window.findChild(QAbstractButton, "startTrainingButton") is not None
    file_actions = [action.objectName() for action in main_window.findChild(QWidget, "fileMenu").actions()]
    assert "exportAction" in file_actions and "reidentifyAction" in file_actions


def test_empty_window_shows_the_open_a_dataset_hint(main_window):
    main_window.show()
    hint = main_window.findChild(QLabel, "emptyHint")
    assert hint.isVisible() and "Open a dataset" in hint.text()
    assert main_window.dataset_status.text() == "No dataset open"


def test_menus_hold_only_working_actions(main_window):
    assert menu_titles(main_window) == ["File", "Edit", "Review", "View", "Help"]
    file_texts = [a.text().replace("&", "") for a in main_window.findChild(QWidget, "fileMenu").actions() if a.text()]
    assert file_texts == ["New project\u2026", "Open project\u2026", "Save project", "Save project as\u2026",
                          "Open dataset\u2026", "Open Recent", "Export sanitized dataset\u2026",
                          "Re-identify from a vault\u2026", "Quit"]
    assert not main_window.save_action.isEnabled() and not main_window.save_as_action.isEnabled()  # no project yet
    assert not main_window.undo_action.isEnabled() and not main_window.redo_action.isEnabled()
    assert main_window.full_screen_action.isCheckable()
    assert main_window.open_action.shortcut().toString() == "Ctrl+O"


def test_open_dataset_action_and_button_ask_for_a_file_in_the_last_folder(main_window, patients_csv, qtbot, monkeypatch):
    asked: list[str] = []

    def fake_dialog(parent, caption, folder, filters):
        asked.append(folder)
        return str(patients_csv), filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_dialog))
    main_window.show()
    with qtbot.waitSignal(main_window.data_tab.dataset_loaded, timeout=5000):
        qtbot.mouseClick(main_window.data_tab.open_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(main_window.data_tab.dataset_loaded, timeout=5000):
        main_window.open_action.trigger()
    assert asked[1] == str(patients_csv.parent.resolve())


def test_status_bar_and_title_name_the_dataset_and_its_size(main_window, patients_csv, qtbot, patient_rows):
    load(main_window, patients_csv, qtbot)
    assert main_window.dataset_status.text() == f"patients.csv \u00b7 {len(patient_rows)} rows \u00d7 4 columns"
    assert main_window.windowTitle().startswith("patients.csv")


def test_role_edits_enable_undo_in_the_edit_menu(main_window, patients_csv, qtbot):
    load(main_window, patients_csv, qtbot)
    combo = main_window.data_tab.columns_table.role_combo("note")
    combo.setCurrentIndex(combo.findText("ignore") if combo.currentText() != "ignore" else 0)
    assert main_window.undo_action.isEnabled()
    changed = combo.currentText()
    main_window.undo_action.trigger()
    assert combo.currentText() != changed
    assert main_window.redo_action.isEnabled() and not main_window.undo_action.isEnabled()
    main_window.tabs.setCurrentIndex(3)  # the Train tab has nothing to undo
    assert not main_window.redo_action.isEnabled()


def test_recent_files_menu_gets_the_opened_file_and_opens_it(main_window, patients_csv, tmp_path, qtbot, patient_rows, write_csv):
    assert not main_window.recent_menu.menuAction().isEnabled()
    other = write_csv(tmp_path / "other.csv", ["a", "b"], [[1, 2]])
    load(main_window, patients_csv, qtbot)
    load(main_window, other, qtbot)
    actions = main_window.recent_file_actions()
    assert [Path(a.data()) for a in actions] == [other.resolve(), patients_csv.resolve()]
    assert actions[0].text() == "&1 other.csv"
    assert main_window.recent_menu.menuAction().isEnabled()

    with qtbot.waitSignal(main_window.data_tab.dataset_loaded, timeout=5000) as loaded:
        actions[1].trigger()
    assert Path(loaded.args[0].path).name == "patients.csv"
    assert main_window.data_tab.model.rowCount() == len(patient_rows)
    assert Path(main_window.recent_file_actions()[0].data()) == patients_csv.resolve()

    # A new window (a new session) finds the same list in the settings.
    again = MainWindow(thread_pool=main_window.data_tab._thread_pool)
    qtbot.addWidget(again)
    assert [Path(a.data()) for a in again.recent_file_actions()] == [patients_csv.resolve(), other.resolve()]

    main_window.clear_recent_action.trigger()
    assert main_window.recent_file_actions() == [] and main_window.recent_files() == []


def test_a_missing_recent_file_is_listed_but_disabled(main_window, patients_csv, qtbot):
    load(main_window, patients_csv, qtbot)
    patients_csv.unlink()
    main_window._rebuild_recent_menu()
    [action] = main_window.recent_file_actions()
    assert not action.isEnabled() and "not found" in action.text()


def test_dropping_a_file_on_the_window_opens_it(main_window, patients_csv, qtbot, patient_rows, drag_event):
    main_window.show()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(patients_csv))])
    centre = main_window.rect().center()
    enter = drag_event(QDragEnterEvent, centre.x(), centre.y(), mime)
    QApplication.sendEvent(main_window, enter)
    assert enter.isAccepted()
    drop = drag_event(QDropEvent, centre.x(), centre.y(), mime)
    with qtbot.waitSignal(main_window.data_tab.dataset_loaded, timeout=5000):
        QApplication.sendEvent(main_window, drop)
    assert drop.isAccepted()
    assert main_window.data_tab.model.rowCount() == len(patient_rows)


def test_a_drag_without_a_local_file_is_refused(main_window, drag_event):
    mime = QMimeData()
    mime.setText("just some text")
    enter = drag_event(QDragEnterEvent, 10, 10, mime)
    QApplication.sendEvent(main_window, enter)
    assert not enter.isAccepted()
    web = QMimeData()
    web.setUrls([QUrl("https://example.org/data.csv")])
    assert MainWindow.dropped_path(web) is None


def test_settings_are_isolated_and_hold_geometry_and_paths_but_no_data(main_window, patients_csv, qtbot, isolated_settings, patient_rows):
    settings_file = Path(main_window.settings.fileName())
    assert isolated_settings in settings_file.parents
    assert main_window.settings.format() == QSettings.Format.IniFormat
    main_window.show()
    main_window.resize(720, 480)  # the offscreen screen is 800x600; the window keeps its minimum size
    load(main_window, patients_csv, qtbot)
    size = (main_window.width(), main_window.height())
    assert main_window.close()
    saved = QSettings(str(settings_file), QSettings.Format.IniFormat)
    assert isinstance(saved.value(app_settings.KEY_GEOMETRY), QByteArray)
    assert Path(saved.value(app_settings.KEY_LAST_FOLDER)) == patients_csv.parent.resolve()
    content = settings_file.read_text(encoding="utf-8")
    for row in patient_rows:
        for value in row[1:]:
            assert str(value).split("\n")[0] not in content

    reopened = MainWindow(thread_pool=main_window.data_tab._thread_pool)
    qtbot.addWidget(reopened)
    screen_width = reopened.screen().availableGeometry().width()
    assert reopened.height() == size[1]
    assert abs(reopened.width() - min(size[0], screen_width)) <= 2  # Qt keeps a restored window on screen


def test_full_screen_toggles(main_window, qtbot):
    main_window.show()
    main_window.full_screen_action.trigger()
    qtbot.waitUntil(main_window.isFullScreen, timeout=2000)
    main_window.full_screen_action.trigger()
    qtbot.waitUntil(lambda: not main_window.isFullScreen(), timeout=2000)


def test_keyboard_shortcuts_dialog_lists_the_real_shortcuts(main_window, qtbot):
    dialog = main_window.show_shortcuts()
    qtbot.addWidget(dialog)
    rows = dict(dialog.rows())
    assert rows["Open dataset"] == "Ctrl+O"
    assert rows["Quit"] == "Ctrl+Q"
    assert rows["Undo"] == "Ctrl+Z"
    assert rows["Redo"] == "Ctrl+Shift+Z or Ctrl+Y"
    assert "Full Screen" in rows and "Keyboard Shortcuts" in rows
    assert rows["Accept finding"] == "A" and rows["Reject finding"] == "R or X"
    assert rows["Label as Person"] == "1 or P"
    assert rows["Next record"] == "Ctrl+Down" and rows["Save project"] == "Ctrl+S"
    assert "Tab / Shift+Tab" in rows.values()  # keys the text view handles itself are listed too
    dialog.close()


def test_about_dialog_shows_the_version(main_window):
    main_window.about_action.trigger()
    [about] = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.objectName() == "aboutDialog"]
    assert __version__ in about.text()
    assert "nothing is sent anywhere" in about.informativeText()
    about.done(0)


def test_the_window_closes_cleanly(qtbot, sync_pool, patients_csv):
    window = MainWindow(thread_pool=sync_pool)
    qtbot.addWidget(window)
    window.show()
    load(window, patients_csv, qtbot)
    destroyed = []
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.destroyed.connect(lambda: destroyed.append(True))
    assert window.close()
    qtbot.waitUntil(lambda: destroyed == [True], timeout=2000)
