"""A vault passphrase typed into the GUI is kept nowhere: not in QSettings (in memory or in the INI files
under the test's settings folder), not in the project file, not in the dialogs once they are done."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from privdesk.core.dataset import read_dataset
from privdesk.core.project import Project
from privdesk.core.types import Span
from privdesk.gui import settings as app_settings
from privdesk.gui.dialogs import export_dialog as export_module

# No spaces or non-ASCII characters: QSettings' INI escaping leaves such a value as it is, so a plain byte
# search finds it wherever it was written.
PASSPHRASE = "kept-nowhere-Zq7731-vault-words"


def forms_of(secret: str) -> list[bytes]:
    return [secret.encode("utf-8"), secret.encode("utf-16-le"), secret.encode("utf-16-be")]


@pytest.mark.slow
def test_the_vault_passphrase_is_not_kept_in_qsettings_the_project_or_the_dialogs(
        main_window, qtbot, tmp_path, patients_csv, isolated_settings, monkeypatch):
    monkeypatch.setattr(export_module.QMessageBox, "warning",
                        staticmethod(lambda *args, **kwargs: QMessageBox.StandardButton.Yes))  # unreviewed: go on
    with Project.create(tmp_path / "study") as project:
        dataset = read_dataset(patients_csv)
        project.set_dataset(patients_csv, format=dataset.format, options={}, num_rows=dataset.num_rows)
        project.add_detections([Span(0, "patient", 0, 12, "PERSON", 0.9, "test"),
                                Span(1, "patient", 0, 12, "PERSON", 0.9, "test")])
        project_path = project.path
    window = main_window
    window.open_path(project_path)
    qtbot.waitUntil(lambda: window.policy_tab.dataset is not None, timeout=10_000)

    window.export_action.trigger()
    dialog = window.policy_tab.export_dialog
    output = tmp_path / "out" / "patients.masked.csv"
    dialog.output_edit.setText(str(output))
    dialog.vault_check.setChecked(True)
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    qtbot.keyClicks(dialog.passphrase_repeat, PASSPHRASE)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    vault = dialog.summary.vault_path
    assert output.exists() and vault is not None and vault.exists()
    assert dialog.passphrase_edit.text() == dialog.passphrase_repeat.text() == ""
    dialog.accept()

    window.reidentify_action.trigger()
    restore = window.policy_tab.reidentify_dialog
    qtbot.keyClicks(restore.masked_edit, str(output))
    qtbot.keyClicks(restore.passphrase_edit, PASSPHRASE)
    qtbot.mouseClick(restore.restore_button, Qt.MouseButton.LeftButton)
    assert Path(restore.output_edit.text()).read_bytes() == patients_csv.read_bytes()  # the passphrase worked
    restore.accept()
    window.close()  # saves geometry and window state

    settings = app_settings.open_settings()
    settings.sync()
    values = {key: settings.value(key) for key in settings.allKeys()}
    assert str(project_path.resolve()) in str(values[app_settings.KEY_RECENT_FILES])  # settings were written
    assert PASSPHRASE not in repr(values)
    written = [path for path in isolated_settings.rglob("*") if path.is_file()]
    assert written, "QSettings wrote no file under the test's folder: the scan below would prove nothing"
    assert any(str(project_path.name).encode() in path.read_bytes() for path in written)
    for path in written + [project_path, *project_path.parent.glob(f"{project_path.name}-*")]:
        content = path.read_bytes()
        assert not any(form in content for form in forms_of(PASSPHRASE)), path
