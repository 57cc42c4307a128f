"""The Policy tab: presets, operators and parameters, live preview, overrides, policy files, the project copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from privdesk.core.dataset import read_dataset
from privdesk.core.mask import Policy
from privdesk.core.project import Project
from privdesk.core.types import Span
from privdesk.gui.models.policy_model import COLUMN_OPERATOR, PolicyModel
from privdesk.gui.tabs.policy_tab import PolicyTab

# Spans in the patients CSV of conftest (PATIENT_ROWS); offsets point at the values in the comments.
KNOWN_SPANS = [
    Span(0, "patient", 0, 12, "PERSON", 0.85, "test"),  # Alice Martin
    Span(0, "email", 0, 24, "EMAIL_ADDRESS", 0.95, "test"),  # alice.martin@example.org
    Span(0, "note", 8, 18, "DATE_TIME", 0.6, "test"),  # 2024-03-02
    Span(1, "patient", 0, 12, "PERSON", 0.85, "test"),  # Bruno Keller
    Span(1, "email", 0, 20, "EMAIL_ADDRESS", 0.95, "test"),  # b.keller@example.com
    Span(2, "patient", 0, 8, "PERSON", 0.85, "test"),  # Chen Wei
    Span(2, "note", 12, 27, "PHONE_NUMBER", 0.75, "test"),  # +1 415 555 0134
    Span(2, "email", 0, 20, "EMAIL_ADDRESS", 0.2, "test"),  # below the threshold: not masked
]


def make_project(tmp_path: Path, csv_path: Path) -> tuple[Project, object]:
    project = Project.create(tmp_path / "study")
    dataset = read_dataset(csv_path)
    project.set_dataset(csv_path, format=dataset.format, options={}, num_rows=dataset.num_rows)
    project.add_detections(KNOWN_SPANS)
    return project, dataset


@pytest.fixture
def project_and_dataset(tmp_path, patients_csv):
    project, dataset = make_project(tmp_path, patients_csv)
    yield project, dataset
    project.close()


@pytest.fixture
def tab(qtbot, sync_pool, project_and_dataset) -> PolicyTab:
    widget = PolicyTab(thread_pool=sync_pool)
    qtbot.addWidget(widget)
    widget.set_context(*project_and_dataset)
    widget.resize(1300, 800)
    widget.show()
    return widget


def sanitized(tab: PolicyTab) -> str:
    return tab.preview.sanitized_view.toPlainText()


def test_without_a_project_the_tab_says_what_to_do_first(qtbot, sync_pool):
    widget = PolicyTab(thread_pool=sync_pool)
    qtbot.addWidget(widget)
    assert widget.objectName() == "policyTab"
    assert widget.pages.currentIndex() == 0
    assert "Data" in widget.hint_label.text() and "Review" in widget.hint_label.text()


def test_found_types_come_first_with_counts_and_the_default_preset_is_saved(tab, project_and_dataset):
    project, _ = project_and_dataset
    model = tab.model
    found = [model.index(row, 0).data() for row in range(1, 5)]
    assert found == ["E-mail", "Person", "Date", "Phone"]
    assert model.index(1, 1).data() == "3"
    assert tab.preset_combo.currentText() == "HIPAA Safe Harbor"
    stored_yaml, stored_name = project.policy()
    assert stored_name == "HIPAA Safe Harbor"
    assert Policy.from_yaml(stored_yaml).sha256() == tab.policy().sha256()


def test_preset_and_operator_change_update_the_preview_and_the_project(tab, project_and_dataset, qtbot):
    project, _ = project_and_dataset
    assert "<PERSON_1>" in sanitized(tab)  # HIPAA: numbered tags
    assert "Alice Martin" in tab.preview.original_view.toPlainText()
    assert "Alice Martin" not in sanitized(tab)

    tab.preset_combo.setCurrentIndex(tab.preset_combo.findData("pci_dss"))
    tab.preset_combo.activated.emit(tab.preset_combo.currentIndex())
    assert project.policy()[1] == "PCI DSS"

    combo = tab.table.operator_combo("PERSON")
    combo.setCurrentIndex(combo.findData("mask"))
    assert tab.model.rule(tab.model.row_of("PERSON")).spec.operator == "mask"
    assert "***** ******" in sanitized(tab)  # "Alice Martin" masked character by character, the space kept
    assert tab.preset_combo.currentText() == "Custom policy"
    stored = Policy.from_yaml(project.policy()[0])
    assert stored.operator_for("PERSON").operator == "mask"
    assert "(edited)" in stored.name


def test_invalid_parameter_is_refused_in_the_editor_with_a_message(tab, project_and_dataset):
    project, _ = project_and_dataset
    combo = tab.table.operator_combo("PERSON")
    combo.setCurrentIndex(combo.findData("mask"))
    editor = tab.table.parameters
    assert set(editor.fields) >= {"char", "keep_first", "keep_last"}
    assert editor.set_text("char", "##") is False
    assert "single character" in editor.message.text()
    assert tab.model.rule(tab.model.row_of("PERSON")).spec.param("char") == "*"
    assert editor.set_text("keep_last", "many") is False
    assert "whole number" in editor.message.text()

    assert editor.set_text("char", "#") is True
    assert editor.message.text() == ""
    assert "##### ######" in sanitized(tab)
    assert Policy.from_yaml(project.policy()[0]).operator_for("PERSON").param("char") == "#"


def test_hash_length_changes_the_sanitized_text(tab):
    combo = tab.table.operator_combo("EMAIL_ADDRESS")
    combo.setCurrentIndex(combo.findData("hash"))
    before = tab.preview.sanitized_view.toPlainText()
    assert tab.table.parameters.set_text("length", "8")
    after = tab.preview.sanitized_view.toPlainText()
    assert before != after
    assert tab.table.parameters.set_text("length", "4") is False  # below the minimum of 8
    assert "between 8 and 64" in tab.table.parameters.message.text()


def test_only_applicable_operators_are_offered(tab):
    date_ops = [tab.table.operator_combo("DATE_TIME").itemData(i) for i in range(tab.table.operator_combo("DATE_TIME").count())]
    person_ops = [tab.table.operator_combo("PERSON").itemData(i) for i in range(tab.table.operator_combo("PERSON").count())]
    default_ops = [tab.table.operator_combo(None).itemData(i) for i in range(tab.table.operator_combo(None).count())]
    assert "date_shift" in date_ops and "date_shift" not in person_ops
    assert "" in person_ops and "" not in default_ops  # a type may follow the default; the default may not


def test_next_and_previous_record_and_the_sample(tab, qtbot):
    assert "Record 1 " in tab.preview.record_label.text()
    assert not tab.preview.previous_button.isEnabled()
    qtbot.mouseClick(tab.preview.next_button, Qt.MouseButton.LeftButton)
    assert "Bruno Keller" in tab.preview.original_view.toPlainText()
    qtbot.mouseClick(tab.preview.next_button, Qt.MouseButton.LeftButton)
    assert "Chen Wei" in tab.preview.original_view.toPlainText()
    assert "chen.wei@example.net" in sanitized(tab)  # below the threshold: left in clear, visibly
    assert not tab.preview.next_button.isEnabled()
    qtbot.mouseClick(tab.preview.previous_button, Qt.MouseButton.LeftButton)
    assert "Bruno Keller" in tab.preview.original_view.toPlainText()

    after = tab.preview.sample_after_texts()
    assert len(after) == 7  # every masked cell of the three records
    assert not any("Alice Martin" in text or "example.org" in text for text in after)
    assert any("<PHONE_NUMBER>" in text for text in after)


def test_highlights_sit_on_the_replaced_parts_on_both_sides(tab):
    preview = tab.record_preview(0)
    person_before = next(s for s in preview.spans_before if s.entity_type == "PERSON")
    person_after = next(s for s in preview.spans_after if s.entity_type == "PERSON")
    assert preview.segments_before[0][2][person_before.start:person_before.end] == "Alice Martin"
    assert preview.text_after("patient")[person_after.start:person_after.end] == "<PERSON_1>"
    assert len(tab.preview.sanitized_view.extraSelections()) == len(preview.spans_after)


def test_rejected_span_is_no_longer_masked_after_a_refresh(tab, project_and_dataset):
    project, _ = project_and_dataset
    detection = next(d for d in project.detections(0) if d.entity_type == "PERSON")
    project.record_decision("reject", detection_id=detection.id)
    tab.refresh()
    assert "Alice Martin" in sanitized(tab)


def test_column_override(tab, project_and_dataset):
    project, _ = project_and_dataset
    tab.override_column.setCurrentText("email")
    tab.override_entity.setCurrentIndex(tab.override_entity.findData(None))
    row = tab.add_override()
    combo = tab.table.operator_combo(None, "email")
    combo.setCurrentIndex(combo.findData("redact"))
    stored = Policy.from_yaml(project.policy()[0])
    assert stored.operator_for("EMAIL_ADDRESS", "email").operator == "redact"
    assert stored.operator_for("EMAIL_ADDRESS", "note").operator == "tag"
    assert tab.record_preview(0).text_after("email") == ""
    tab.table.select_row(row)
    assert tab.remove_override_button.isEnabled()
    assert tab.remove_selected_override()
    assert "email" not in Policy.from_yaml(project.policy()[0]).columns


def test_save_and_load_policy_yaml(tab, tmp_path, project_and_dataset):
    project, _ = project_and_dataset
    combo = tab.table.operator_combo("PERSON")
    combo.setCurrentIndex(combo.findData("surrogate"))
    path = tmp_path / "mine.yaml"
    assert tab.save_policy_file(path)
    saved = Policy.from_yaml(path.read_text(encoding="utf-8"))
    assert saved.operator_for("PERSON").operator == "surrogate"

    tab.choose_preset("llm_training")
    assert project.policy()[1] == "LLM training"
    assert tab.load_policy_file(path)
    assert tab.model.rule(tab.model.row_of("PERSON")).spec.operator == "surrogate"
    assert Policy.from_yaml(project.policy()[0]).sha256() == saved.sha256()


def test_an_invalid_policy_file_shows_its_line_in_a_message(tab, tmp_path, qtbot):
    path = tmp_path / "bad.yaml"
    path.write_text("name: Bad\ndefault: {operator: tag}\nentities:\n  PERSON: {operator: mask, char: '**'}\n",
                    encoding="utf-8")
    before = tab.policy().sha256()
    assert tab.load_policy_file(path) is False
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes and "line 4" in boxes[-1].informativeText()
    assert tab.policy().sha256() == before
    for box in boxes:
        box.close()


def test_policy_model_passes_the_model_tester(qtmodeltester, project_and_dataset):
    model = PolicyModel()
    from privdesk.core.mask import load_preset

    model.load(load_preset("gdpr_pseudonymisation"), project_and_dataset[0].entity_counts())
    qtmodeltester.check(model)
    assert model.setData(model.index(model.row_of("PERSON"), COLUMN_OPERATOR), "redact")
    assert model.policy().operator_for("PERSON").operator == "redact"
    assert not model.setData(model.index(model.row_of("PERSON"), COLUMN_OPERATOR), "date_shift")
