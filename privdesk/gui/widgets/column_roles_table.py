"""The "Columns" table of the Data tab: one row per column with its type, role, empty cells and text lengths.

The role is a combo box (text / identifier:<ENTITY> / ignore). A user edit is reported with the
old and the new role through `role_edited`, so the owner can make it undoable; `set_role` changes
a role without reporting it (that is how undo and redo apply it).
"""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from privdesk.core.types import ENTITY_TYPES, IGNORE, TEXT, ColumnRole

HEADERS = ("Column", "Type", "Role", "Empty cells", "Length min", "mean", "p95", "max")
HEADER_TIPS = (
    "Column name in the file",
    "Data type PrivDesk read the column as",
    "What the column holds: free text to scan for PII, one kind of identifier, or nothing to look at",
    "Cells with no value",
    "Shortest text in the column, in characters",
    "Average text length, in characters",
    "95% of the texts are at most this long",
    "Longest text in the column, in characters",
)
ROLE_COLUMN = HEADERS.index("Role")


def role_choices(extra: Sequence[ColumnRole] = ()) -> list[ColumnRole]:
    """Every role the combo offers: text, one identifier per entity type (plus any the suggestion named), ignore."""
    entities = list(ENTITY_TYPES)
    for role in extra:
        if role.kind == "identifier" and role.entity_type not in entities:
            entities.append(role.entity_type)  # type: ignore[arg-type]
    return [TEXT, *(ColumnRole("identifier", entity) for entity in entities), IGNORE]


def _format_length(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return "\u2013"
    return f"{value:,.{decimals}f}"


class ColumnRolesTable(QTableWidget):
    role_edited = Signal(str, object, object)  # column name, old ColumnRole, new ColumnRole

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setObjectName("columnRolesTable")
        for column, (title, tip) in enumerate(zip(HEADERS, HEADER_TIPS)):
            item = QTableWidgetItem(title)
            item.setToolTip(tip)
            self.setHorizontalHeaderItem(column, item)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.verticalHeader().setVisible(False)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # a few dozen rows at most
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self._roles: dict[str, ColumnRole] = {}
        self._combos: dict[str, QComboBox] = {}

    def set_columns(self, columns: Sequence, num_rows: int) -> None:
        """Fill the table from privdesk.core.dataset.ColumnSummary objects."""
        self.setRowCount(0)
        self._roles = {column.name: column.role for column in columns}
        self._combos = {}
        self.setRowCount(len(columns))
        choices = role_choices([column.role for column in columns])
        for row, column in enumerate(columns):
            name_item = QTableWidgetItem(column.name)
            name_item.setToolTip(column.name)
            self.setItem(row, 0, name_item)
            self.setItem(row, 1, QTableWidgetItem(str(column.dtype)))
            combo = self._make_combo(column.name, column.role, choices)
            self.setCellWidget(row, ROLE_COLUMN, combo)
            self._combos[column.name] = combo
            empty_text = f"{column.empty:,}"
            if num_rows:
                empty_text += f" ({column.empty / num_rows:.0%})"
            self._set_number(row, 3, empty_text)
            self._set_number(row, 4, _format_length(column.text_length_min))
            self._set_number(row, 5, _format_length(column.text_length_mean, 1))
            self._set_number(row, 6, _format_length(column.text_length_p95))
            self._set_number(row, 7, _format_length(column.text_length_max))
        self.resizeColumnToContents(0)
        self.setColumnWidth(0, min(max(self.columnWidth(0), 120), 320))

    def roles(self) -> dict[str, ColumnRole]:
        return dict(self._roles)

    def role_combo(self, column: str) -> QComboBox:
        return self._combos[column]

    def set_role(self, column: str, role: ColumnRole) -> None:
        """Show `role` for `column` without reporting it as a user edit."""
        combo = self._combos[column]
        index = combo.findData(str(role))
        if index < 0:  # a role the choices did not foresee (an unusual entity type)
            combo.addItem(str(role), str(role))
            index = combo.count() - 1
        combo.blockSignals(True)
        combo.setCurrentIndex(index)
        combo.blockSignals(False)
        self._roles[column] = role

    def _make_combo(self, column: str, role: ColumnRole, choices: Sequence[ColumnRole]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(f"roleCombo:{column}")
        combo.setAccessibleName(f"Role of column {column}")
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setMaxVisibleItems(len(choices))
        for choice in choices:
            combo.addItem(str(choice), str(choice))  # item data is the role's text form; ColumnRole.parse reads it
        combo.setCurrentIndex(combo.findData(str(role)))
        combo.currentIndexChanged.connect(lambda _index, name=column: self._on_combo_changed(name))
        return combo

    def _on_combo_changed(self, column: str) -> None:
        new_role = ColumnRole.parse(self._combos[column].currentData())
        old_role = self._roles[column]
        if new_role == old_role:
            return
        self._roles[column] = new_role
        self.role_edited.emit(column, old_role, new_role)

    def _set_number(self, row: int, column: int, text: str) -> None:
        item = QTableWidgetItem(text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setItem(row, column, item)
