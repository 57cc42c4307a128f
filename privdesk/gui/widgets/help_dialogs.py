"""The Help menu's dialogs: keyboard shortcuts (read from the real actions) and About."""

from __future__ import annotations

import platform
from typing import Iterable

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from privdesk import __version__

# Keys every Qt table view answers to; listed because they are how one moves through a big dataset.
TABLE_KEYS: tuple[tuple[str, str], ...] = (
    ("Move through the data table", "Arrow keys"),
    ("Scroll the data table by a page", "PgUp / PgDown"),
    ("First / last row of the data table", "Ctrl+Home / Ctrl+End"),
)


def shortcut_rows(actions: Iterable[QAction], extra_rows: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """(what it does, keys) for every action that has a shortcut, in menu order, then `extra_rows`
    (keys a widget handles itself) and the table keys."""
    rows = []
    for action in actions:
        keys = [sequence.toString(QKeySequence.SequenceFormat.NativeText) for sequence in action.shortcuts()]
        keys = [key for key in keys if key]
        if keys:
            rows.append((action.text().replace("&", "").rstrip(".\u2026"), " or ".join(keys)))
    return rows + list(extra_rows) + list(TABLE_KEYS)


class ShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None,
                 extra_rows: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(actions, extra_rows)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 620)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(row, 0).text(), self.table.item(row, 1).text()) for row in range(self.table.rowCount())]


def about_dialog(parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("aboutDialog")
    box.setWindowTitle("About PrivDesk")
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64) if parent is not None else box.iconPixmap())
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<h3>PrivDesk {__version__}</h3>")
    box.setInformativeText(
        "<p>A desktop workbench for privacy analysts: find the personal data in a dataset, review it, "
        "mask it, and train language models on the result with differential privacy.</p>"
        "<p>Everything runs on this machine; nothing is sent anywhere.</p>"
        f"<p>PySide6 {PySide6.__version__} \u00b7 Qt {qVersion()} \u00b7 Python {platform.python_version()}</p>"
    )
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
