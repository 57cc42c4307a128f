"""Edit > Preferences: the network access setting, saved to the settings file and applied at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget

from privdesk.core import netguard
from privdesk.core.appconfig import CONFIG_DIR_ENV, load_config
from privdesk.gui.dialogs.preferences_dialog import ALLOW_NETWORK_TEXT, PreferencesDialog


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "privdesk-config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(folder))
    return folder


@pytest.fixture(autouse=True)
def guard_blocking():
    """Start as PrivDesk starts by default (guard installed); leave the process as it was found."""
    was_installed = netguard.is_installed()
    netguard.install()
    yield
    if not was_installed:
        netguard.uninstall()
    else:
        netguard.install()


def click(qtbot, dialog: PreferencesDialog, button: QDialogButtonBox.StandardButton) -> None:
    qtbot.mouseClick(dialog.buttons.button(button), Qt.MouseButton.LeftButton)


def open_preferences(main_window, qtbot) -> PreferencesDialog:
    main_window.preferences_action.trigger()
    dialog = main_window.findChild(PreferencesDialog, "preferencesDialog")
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def test_edit_menu_has_preferences_with_the_platform_shortcut(main_window, qtbot):
    edit_menu = main_window.findChild(QWidget, "editMenu")
    assert main_window.preferences_action in edit_menu.actions()
    assert main_window.preferences_action.text().replace("&", "") == "Preferences\u2026"
    expected = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences) or [QKeySequence("Ctrl+,")]
    assert main_window.preferences_action.shortcuts() == expected
    dialog = open_preferences(main_window, qtbot)
    assert dialog.isVisible() and dialog.windowTitle() == "Preferences"
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)


def test_network_is_off_by_default_and_ok_saves_and_applies_at_once(main_window, qtbot, config_dir):
    dialog = open_preferences(main_window, qtbot)
    box = dialog.allow_network_box
    assert box.text() == ALLOW_NETWORK_TEXT
    assert not box.isChecked() and not dialog.warning_label.isVisible()
    assert "blocked" in dialog.state_label.text()

    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked() and dialog.warning_label.isVisible()
    assert netguard.is_installed(), "nothing changes before OK"
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert not dialog.isVisible()
    assert not netguard.is_installed()
    assert json.loads((config_dir / "settings.json").read_text(encoding="utf-8")) == {"allow_network": True}

    dialog = open_preferences(main_window, qtbot)
    assert dialog.allow_network_box.isChecked()  # read back from the file
    assert "allowed" in dialog.state_label.text()
    qtbot.mouseClick(dialog.allow_network_box, Qt.MouseButton.LeftButton)
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert netguard.is_installed()
    assert load_config().allow_network is False


def test_cancel_changes_nothing(qtbot, config_dir):
    dialog = PreferencesDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.allow_network_box, Qt.MouseButton.LeftButton)
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)
    assert not (config_dir / "settings.json").exists()
    assert netguard.is_installed()
    assert load_config().allow_network is False


def test_a_settings_file_that_cannot_be_written_is_reported_and_nothing_changes(qtbot, config_dir):
    config_dir.parent.mkdir(parents=True, exist_ok=True)
    config_dir.write_text("a file where the folder should be", encoding="utf-8")
    dialog = PreferencesDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.allow_network_box, Qt.MouseButton.LeftButton)
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible() and w.objectName() == "errorDialog"]
    assert boxes and str(config_dir) in boxes[-1].informativeText()
    assert dialog.isVisible(), "the dialog stays open so the analyst can try again"
    assert netguard.is_installed()
    for box in boxes:
        box.close()
