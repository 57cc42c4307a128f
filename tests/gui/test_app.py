"""`privdesk [FILE]`: arguments, the application's identity, and opening a file at start."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QApplication

from privdesk import __version__
from privdesk.gui import app as gui_app
from privdesk.gui.icons import app_icon



def test_arguments_take_an_optional_file_and_a_platform(tmp_path):
    assert gui_app.parse_args([]).file is None
    args = gui_app.parse_args([str(tmp_path / "a.csv"), "--platform", "offscreen"])
    assert args.file == tmp_path / "a.csv" and args.platform == "offscreen"


def test_version_option_prints_the_version(capsys):
    with pytest.raises(SystemExit) as stopped:
        gui_app.parse_args(["--version"])
    assert stopped.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_the_platform_is_only_set_when_asked_for(qapp, monkeypatch):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    app = gui_app.create_application(None)
    assert "QT_QPA_PLATFORM" not in os.environ
    assert app is QApplication.instance()
    assert (app.organizationName(), app.applicationName(), app.applicationVersion()) == ("PrivDesk", "PrivDesk", __version__)
    assert not app.windowIcon().isNull()
    gui_app.create_application("offscreen")
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"


def test_the_app_icon_is_a_drawable_svg(qapp):
    icon = app_icon()
    assert not icon.isNull()
    image = icon.pixmap(64, 64).toImage()
    assert image.width() == 64 and image.pixelColor(32, 32).alpha() > 0


def test_a_file_on_the_command_line_is_loaded_once_the_window_shows(qtbot, patients_csv, patient_rows):
    window = gui_app.create_window(patients_csv)
    qtbot.addWidget(window)
    assert window.isVisible()
    qtbot.waitUntil(lambda: window.data_tab.dataset is not None, timeout=10000)
    assert window.data_tab.model.rowCount() == len(patient_rows)
    window.close()


def test_without_a_file_the_window_opens_empty_with_the_hint(qtbot):
    window = gui_app.create_window(None)
    qtbot.addWidget(window)
    qtbot.wait(20)
    assert window.data_tab.dataset is None and not window.data_tab.is_loading
    assert window.data_tab.empty_hint.isVisible()
    window.close()
