"""Bad inputs (tests/data/bad) through the main window: a clear error dialog, no crash, the window stays
usable, and the project open before keeps its decisions in its file.

Datasets go through MainWindow.open_path (what the command line and drag and drop call), File > Open
dataset and a real drop; project files through the same path; policies through the Policy tab's load;
vaults through the Re-identify dialog.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from privdesk.core.dataset import inspect_dataset, read_dataset
from privdesk.core.errors import PrivDeskError
from privdesk.core.mask import Policy, export_dataset, load_policy
from privdesk.core.project import Project
from privdesk.core.types import Span
from privdesk.gui.main_window import MainWindow
from privdesk.gui.models.dataset_model import ELLIPSIS, one_line
from privdesk.gui.tabs.policy_tab import PolicyTab

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad"
PASSPHRASE = "correct horse battery staple"

BAD_DATASETS = ["empty.csv", "bom_only.csv", "binary_junk.csv", "truncated.csv.gz", "zip_posing_as.csv", "nul_bytes.csv",
                "ragged_extra_field.csv", "ragged_missing_field.csv", "unclosed_quote.csv", "deeply_nested.json",
                "mixed_types_array.json", "broken_line.jsonl", "huge_number.json", "dotted_key_collision.json",
                "truncated.parquet", "txt_folder_with_binary"]
BAD_POLICIES = ["policy_syntax_error.yaml", "policy_unknown_operator.yaml", "policy_wrong_param_type.yaml",
                "policy_billion_laughs.yaml", "policy_binary.yaml"]


def our_error_box(message: str) -> QMessageBox:
    """The visible error dialog showing `message` (other tests may have left boxes of their own open)."""
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.objectName() == "errorDialog" and w.isVisible()
             and message in w.informativeText()]
    assert len(boxes) == 1, [w.informativeText() for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    box = boxes[0]
    assert box.icon() == QMessageBox.Icon.Critical
    shown = box.text() + box.informativeText() + box.detailedText()
    assert "Traceback" not in shown and "bug in PrivDesk" not in shown
    return box


def core_message(read, path: Path) -> str:
    """The message the core gives for `path`: the dialog must show exactly that."""
    with pytest.raises(PrivDeskError) as raised:
        read(path)
    return raised.value.message


@pytest.fixture
def reviewed_window(main_window, patients_csv, qtbot):
    """The window with the patients dataset open, its automatic project, and one accepted finding."""
    main_window.show()
    with qtbot.waitSignal(main_window.data_tab.dataset_loaded, timeout=10000):
        main_window.open_dataset(patients_csv)
    main_window.review_tab.run_detection()
    assert main_window.review_tab.accept_selected()
    assert len(main_window.project.decisions()) == 1
    return main_window


def assert_still_working(window: MainWindow, project_path: Path, patient_rows) -> None:
    """The dataset and project shown before are still there, in use, with the decision saved."""
    assert window.data_tab.dataset is not None and window.data_tab.model.rowCount() == len(patient_rows)
    assert not window.data_tab.is_loading
    assert window.project is not None and not window.project.closed and window.project.path == project_path
    assert len(window.project.decisions()) == 1
    assert window.review_tab.session.ready
    # And it goes on working: a new decision is saved in the same project.
    assert window.review_tab.reject_selected()
    assert len(window.project.decisions()) == 2


def decisions_in_file(path: Path) -> int:
    with Project.open(path) as project:
        return len(project.decisions())


@pytest.mark.parametrize("name", BAD_DATASETS)
def test_a_bad_dataset_shows_a_clear_error_and_the_open_project_keeps_its_work(reviewed_window, name, qtbot,
                                                                              patient_rows):
    window = reviewed_window
    project_path = window.project.path
    bad = CORPUS / name
    expected = core_message(inspect_dataset, bad)
    with qtbot.waitSignal(window.data_tab.load_failed, timeout=10000):
        window.open_path(bad)
    box = our_error_box(expected)
    box.done(0)
    assert window.data_tab.dataset.path.name == "patients.csv"
    assert_still_working(window, project_path, patient_rows)
    window.close()
    assert decisions_in_file(project_path) == 2


def test_a_bad_dataset_from_file_open_and_from_a_drop(reviewed_window, qtbot, monkeypatch, drag_event, patient_rows):
    window = reviewed_window
    project_path = window.project.path
    chosen = CORPUS / "deeply_nested.json"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *args: (str(chosen), "")))
    with qtbot.waitSignal(window.data_tab.load_failed, timeout=10000):
        window.open_action.trigger()
    our_error_box(core_message(read_dataset, chosen)).done(0)

    dropped = CORPUS / "truncated.parquet"
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    centre = window.rect().center()
    QApplication.sendEvent(window, drag_event(QDragEnterEvent, centre.x(), centre.y(), mime))
    with qtbot.waitSignal(window.data_tab.load_failed, timeout=10000):
        QApplication.sendEvent(window, drag_event(QDropEvent, centre.x(), centre.y(), mime))
    our_error_box(core_message(read_dataset, dropped)).done(0)
    assert_still_working(window, project_path, patient_rows)


def test_after_a_bad_dataset_a_good_one_still_opens(reviewed_window, qtbot, tmp_path, write_csv):
    window = reviewed_window
    with qtbot.waitSignal(window.data_tab.load_failed, timeout=10000):
        window.open_path(CORPUS / "binary_junk.csv")
    our_error_box(core_message(read_dataset, CORPUS / "binary_junk.csv")).done(0)
    other = write_csv(tmp_path / "other.csv", ["id", "note"], [[1, "Dora Diaz wrote"]])
    with qtbot.waitSignal(window.data_tab.dataset_loaded, timeout=10000):
        window.open_path(other)
    assert window.data_tab.model.rowCount() == 1


@pytest.mark.parametrize("processed", ["formula_injection.csv", "rtl_combining.csv", "emoji.jsonl", "header_only.csv",
                                       "utf16le_no_bom.csv", "lone_surrogate.json"])
def test_awkward_but_valid_datasets_open_with_their_content(main_window, qtbot, processed):
    path = CORPUS / processed
    expected = read_dataset(path)
    with qtbot.waitSignal(main_window.data_tab.dataset_loaded, timeout=10000):
        main_window.open_path(path)
    model = main_window.data_tab.model
    assert model.rowCount() == expected.num_rows and model.columnCount() == len(expected.columns)
    for row in range(expected.num_rows):
        for column, name in enumerate(expected.columns):
            shown = model.data(model.index(row, column)).removesuffix(ELLIPSIS)
            assert one_line(expected.text(row, name), 10**9).startswith(shown)
    assert main_window.project is not None  # and it got its project, as any dataset does


# ---- project files ----------------------------------------------------------------------------------------------


@pytest.fixture
def truncated_project(tmp_path, patients_csv) -> Path:
    with Project.create(tmp_path / "elsewhere" / "cut") as project:
        project.set_dataset(patients_csv, format="csv", options={}, num_rows=3)
        whole = project.path
    broken = tmp_path / "elsewhere" / "broken.privdesk"
    broken.write_bytes(whole.read_bytes()[:4096])
    return broken


@pytest.mark.parametrize("which", ["not_sqlite", "truncated"])
def test_a_bad_project_file_shows_a_clear_error_and_the_open_project_goes_on(reviewed_window, qtbot, which,
                                                                           truncated_project, patient_rows):
    window = reviewed_window
    project_path = window.project.path
    bad = CORPUS / "not_sqlite.privdesk" if which == "not_sqlite" else truncated_project
    expected = core_message(Project.open, bad.resolve())
    with qtbot.waitSignal(window.projects.failed, timeout=10000):
        window.open_path(bad)
    our_error_box(expected).done(0)
    assert_still_working(window, project_path, patient_rows)
    window.close()
    assert decisions_in_file(project_path) == 2


# ---- policies and vaults ---------------------------------------------------------------------------------------------


@pytest.fixture
def policy_tab(qtbot, sync_pool, tmp_path, patients_csv):
    project = Project.create(tmp_path / "study")
    dataset = read_dataset(patients_csv)
    project.set_dataset(patients_csv, format=dataset.format, options={}, num_rows=dataset.num_rows)
    project.add_detections([Span(0, "email", 0, 24, "EMAIL_ADDRESS", 0.95, "test")])
    tab = PolicyTab(thread_pool=sync_pool)
    qtbot.addWidget(tab)
    tab.set_context(project, dataset)
    tab.show()
    yield tab
    project.close()


@pytest.mark.parametrize("name", BAD_POLICIES)
def test_a_bad_policy_file_shows_its_problem_and_keeps_the_policy(policy_tab, name):
    path = CORPUS / name
    expected = core_message(load_policy, path)
    before, stored = policy_tab.policy().sha256(), policy_tab.project.policy()
    assert policy_tab.load_policy_file(path) is False
    our_error_box(expected).done(0)
    assert policy_tab.policy().sha256() == before and policy_tab.project.policy() == stored


def _export_with_vault(project: Project, data: Path, folder: Path) -> tuple[Path, Path]:
    output, vault = folder / "masked.csv", folder / "masked.vault"
    export_dataset(data, [[Span(0, "email", 0, 24, "EMAIL_ADDRESS", 0.95, "test")]],
                   Policy.from_dict({"name": "Tag", "default": {"operator": "tag"}}), project.project_secret(),
                   output, vault_path=vault, passphrase=PASSPHRASE, project_id=project.project_id)
    return output, vault


def _restore_in_dialog(tab: PolicyTab, qtbot, masked: Path, vault: Path) -> Path:
    dialog = tab.open_reidentify_dialog()
    qtbot.keyClicks(dialog.masked_edit, str(masked))
    dialog.vault_edit.setText(str(vault))
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    return Path(dialog.output_edit.text())


def test_the_reidentify_dialog_refuses_a_file_that_is_not_a_vault(policy_tab, qtbot, tmp_path, patients_csv):
    output, _ = _export_with_vault(policy_tab.project, patients_csv, tmp_path)
    not_a_vault = CORPUS / "formula_injection.csv"
    restored = _restore_in_dialog(policy_tab, qtbot, output, not_a_vault)
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.objectName() == "errorDialog"
               and w.isVisible() and str(not_a_vault) in w.informativeText())
    assert "Traceback" not in box.informativeText() and "bug in PrivDesk" not in box.text()
    box.done(0)
    assert not restored.exists()


def test_the_reidentify_dialog_refuses_a_vault_of_another_project(policy_tab, qtbot, tmp_path, patients_csv):
    with Project.create(tmp_path / "other" / "project-a") as project_a:
        output, vault = _export_with_vault(project_a, patients_csv, tmp_path / "other")
    restored = _restore_in_dialog(policy_tab, qtbot, output, vault)  # the tab works in another project
    assert not restored.exists(), "a vault of another project was opened in this project"
    our_error_box("belongs to another project").done(0)
