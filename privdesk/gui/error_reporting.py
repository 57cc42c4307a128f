"""How errors reach the analyst (a dialog that says what to do) and the log (a traceback without data).

Exception messages from parsers and libraries often quote the offending value ("could not
convert 'Jane Doe' to int"), and our data is full of PII, so the log gets the stack and the
exception types only, never the messages.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from privdesk.core.errors import PrivDeskError
from privdesk.gui.tracebacks import traceback_without_values

log = logging.getLogger("privdesk.gui")

# Set by privdesk.gui.app when it opens the log file, so dialogs can say where the details are.
log_file_path: Path | None = None


def log_unexpected_error(error: BaseException, *, context: str) -> None:
    log.error("Unexpected error in %s:\n%s", context, traceback_without_values(error))


def error_dialog(parent: QWidget | None, error: BaseException, *, action: str) -> QMessageBox:
    """A critical message box for an error that stopped `action` ("Opening the dataset"), shown non-modally.

    A PrivDeskError shows its own message, which names the file, the problem and what to do.
    Anything else is a bug: the dialog says so and points to the log, never shows a traceback.
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setObjectName("errorDialog")
    box.setWindowTitle(f"{action} failed")
    if isinstance(error, PrivDeskError):
        box.setText(f"{action} failed.")
        box.setInformativeText(error.message)
    else:
        where = f" ({log_file_path})" if log_file_path is not None else ""
        box.setText(f"Unexpected error while {action[0].lower()}{action[1:]}.")
        box.setInformativeText(
            f"This is a bug in PrivDesk, not a problem with your data. The details were written to the log{where}; "
            "they contain no values from your data. Please report it with the log attached."
        )
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal if parent is not None else Qt.WindowModality.ApplicationModal)
    box.open()
    return box
