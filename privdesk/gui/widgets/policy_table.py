"""The policy editor: the table of entity types with an operator combo box each, and the selected row's parameters.

Parameters are edited in a small form under the table, one field per parameter of the operator
(policy_schema.OPERATOR_PARAMS). A value is handed to the model when the field is left; the model
checks it, and a refused value stays in the field, marked, with the reason beside it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.mask import OPERATOR_PARAMS
from privdesk.core.mask.policy_schema import FALLBACKS
from privdesk.gui.models.policy_model import COLUMN_OPERATOR, PolicyModel

# Parameters with a closed set of values get a combo box.
_CHOICES: dict[str, tuple[str, ...]] = {"mode": ("siv", "gcm"), "by": ("record", "person"), "fallback": FALLBACKS}

_LABELS = {
    "replacement": "Replacement text", "numbered": "Number each value", "label": "Tag name",
    "char": "Mask character", "keep_first": "Keep first characters", "keep_last": "Keep last characters",
    "keep_separators": "Keep separators", "length": "Hash length", "mode": "Encryption mode",
    "locale": "Surrogate locale", "fallback": "Fallback", "by": "Shift per", "max_days": "Shift range (days)",
    "person_column": "Person column", "day_first": "Day first", "age_band": "Age band (years)",
    "top_age": "Top age band from",
}

_OPERATOR_TEXT = {"": "(policy default)"}


def parse_field(text: str, types: tuple[type, ...]) -> Any:
    """A field's text as the parameter's type: whole numbers for int parameters, None for empty optional text."""
    stripped = text.strip()
    if int in types and bool not in types:
        try:
            return int(stripped)
        except ValueError:
            return text  # check_param then says "must be a whole number"
    if stripped == "" and type(None) in types:
        return None
    return text


class ParameterEditor(QWidget):
    """The parameters of one policy row; refuses invalid values with a message."""

    refused = Signal(str)

    def __init__(self, model: PolicyModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("parameterEditor")
        self._model = model
        self._row: int | None = None
        self.fields: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(self)
        self.title.setObjectName("parameterTitle")
        layout.addWidget(self.title)
        self._form_host = QWidget(self)
        self._form = QFormLayout(self._form_host)
        self._form.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._form_host)
        self.message = QLabel(self)
        self.message.setObjectName("parameterMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b;")
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.show_row(None)

    def show_row(self, row: int | None) -> None:
        self._row = row
        self.message.clear()
        while self._form.rowCount():
            self._form.removeRow(0)
        self.fields = {}
        if row is None or row >= self._model.rowCount():
            self.title.setText("Select a row to see its operator's parameters.")
            return
        rule = self._model.rule(row)
        name = self._model.index(row, 0).data()
        if rule.spec is None:
            self.title.setText(f"<b>{name}</b> follows the policy default "
                               f"({self._model.effective_spec(row).operator}).")
            return
        params = OPERATOR_PARAMS[rule.spec.operator]
        where = f" in column {rule.column}" if rule.column else ""
        self.title.setText(f"<b>{name}</b>{where}: {rule.spec.operator}"
                           + ("" if params else " (no parameters)"))
        for param, spec in params.items():
            value = rule.spec.params.get(param)
            widget = self._field(param, spec.types, value)
            widget.setToolTip(spec.help)
            widget.setObjectName(f"param_{param}")
            self.fields[param] = widget
            self._form.addRow(_LABELS.get(param, param), widget)

    def _field(self, param: str, types: tuple[type, ...], value: Any) -> QWidget:
        if bool in types:
            box = QCheckBox(self._form_host)
            box.setChecked(bool(value))
            box.toggled.connect(lambda checked, p=param: self._submit(p, checked))
            return box
        if param in _CHOICES:
            combo = QComboBox(self._form_host)
            combo.addItems(list(_CHOICES[param]))
            combo.setCurrentText(str(value))
            combo.currentTextChanged.connect(lambda text, p=param: self._submit(p, text))
            return combo
        edit = QLineEdit("" if value is None else str(value), self._form_host)
        edit.setPlaceholderText("(default)" if type(None) in types else "")
        edit.editingFinished.connect(lambda p=param, e=edit, t=types: self._submit(p, parse_field(e.text(), t), e))
        return edit

    def _submit(self, param: str, value: Any, edit: QLineEdit | None = None) -> bool:
        if self._row is None:
            return False
        problem = self._model.set_param(self._row, param, value)
        if edit is not None:
            edit.setStyleSheet("border: 1px solid #c0392b;" if problem else "")
        if problem:
            label = _LABELS.get(param, param)
            self.message.setText(f"Not taken: {label} — {problem} The previous value stays in force.")
            self.refused.emit(problem)
            return False
        self.message.clear()
        return True

    def set_text(self, param: str, text: str) -> bool:
        """Type `text` into a parameter field and leave it, as the analyst would; True when it was taken."""
        widget = self.fields[param]
        if isinstance(widget, QLineEdit):
            widget.setText(text)
            spec = OPERATOR_PARAMS[self._model.rule(self._row).spec.operator][param]  # type: ignore[union-attr]
            return self._submit(param, parse_field(text, spec.types), widget)
        raise TypeError(f"parameter {param!r} is not a text field")


class PolicyTable(QWidget):
    """The table of policy rows with a combo box per operator cell, and the parameter form below."""

    def __init__(self, model: PolicyModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyTable")
        self.model = model
        self.view = QTableView(self)
        self.view.setObjectName("policyTableView")
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((160, 64, 80, 150)):
            self.view.setColumnWidth(column, width)
        self.view.verticalHeader().setDefaultSectionSize(30)
        self.parameters = ParameterEditor(model, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 3)
        layout.addWidget(self.parameters, 1)
        model.modelReset.connect(self._rebuild_combos)
        model.rowsInserted.connect(lambda *_: self._rebuild_combos())
        model.rowsRemoved.connect(lambda *_: self._rebuild_combos())
        model.dataChanged.connect(self._sync_combos)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)
        self._rebuild_combos()

    def operator_combo(self, entity: str | None, column: str | None = None) -> QComboBox:
        widget = self.view.indexWidget(self.model.index(self.model.row_of(entity, column), COLUMN_OPERATOR))
        assert isinstance(widget, QComboBox)
        return widget

    def select_row(self, row: int) -> None:
        self.view.setCurrentIndex(self.model.index(row, 0))

    def current_row(self) -> int | None:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else None

    def _rebuild_combos(self) -> None:
        for row in range(self.model.rowCount()):
            combo = QComboBox(self.view)
            for name in self.model.allowed_operators(row):
                label = _OPERATOR_TEXT.get(name, name)
                if name == "":
                    label = f"default ({self.model.effective_spec(0).operator})"
                combo.addItem(label, name)
            combo.setAccessibleName(f"Operator for {self.model.index(row, 0).data()}")
            combo.currentIndexChanged.connect(lambda _i, c=combo, r=row: self._on_combo(r, c))
            self.view.setIndexWidget(self.model.index(row, COLUMN_OPERATOR), combo)
        self._sync_combos()
        self.parameters.show_row(self.current_row())

    def _sync_combos(self, *_: Any) -> None:
        for row in range(self.model.rowCount()):
            combo = self.view.indexWidget(self.model.index(row, COLUMN_OPERATOR))
            if not isinstance(combo, QComboBox):
                continue
            combo.blockSignals(True)
            if combo.count() and combo.itemData(0) == "":
                combo.setItemText(0, f"default ({self.model.effective_spec(0).operator})")
            wanted = self.model.index(row, COLUMN_OPERATOR).data(Qt.ItemDataRole.EditRole)
            combo.setCurrentIndex(max(combo.findData(wanted), 0))
            combo.blockSignals(False)

    def _on_combo(self, row: int, combo: QComboBox) -> None:
        self.model.set_operator(row, combo.currentData())
        self.select_row(row)
        self.parameters.show_row(row)

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.parameters.show_row(current.row() if current.isValid() else None)
