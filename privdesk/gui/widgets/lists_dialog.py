"""The allow-list and deny-list editor.

Allow list: terms that are never PII ("Dr.", "Acme Support"). Deny list: terms that always are, per
entity type. Saving stores them in the project; the next detection run uses them. The analyst can
also apply them at once to the findings under review (keeping every decision) or re-run detection.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.review import ReviewLists, parse_terms
from privdesk.core.types import ENTITY_TYPES
from privdesk.gui import palette
from privdesk.gui.theme import swatch_icon

APPLY_NOW, RERUN = 2, 3  # dialog results besides Accepted (save only) and Rejected


class ListsDialog(QDialog):
    def __init__(self, lists: ReviewLists, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("listsDialog")
        self.setWindowTitle("Allow and deny lists")
        self._deny = {entity: list(terms) for entity, terms in lists.deny.items()}
        self._current_type: str | None = None

        self.allow_edit = QPlainTextEdit("\n".join(lists.allow), self)
        self.allow_edit.setObjectName("allowListEdit")
        self.allow_edit.setPlaceholderText("One term per line, e.g.\nDr.\nAcme Support Team")
        allow_box = QGroupBox("Allow list: never PII", self)
        allow_layout = QVBoxLayout(allow_box)
        allow_layout.addWidget(QLabel("Findings whose whole text is one of these are rejected.", allow_box))
        allow_layout.addWidget(self.allow_edit)

        self.deny_type = QComboBox(self)
        self.deny_type.setObjectName("denyListType")
        types = list(ENTITY_TYPES) + [t for t in self._deny if t not in ENTITY_TYPES]
        for entity_type in types:
            self.deny_type.addItem(swatch_icon(entity_type), self._type_text(entity_type), entity_type)
        self.deny_edit = QPlainTextEdit(self)
        self.deny_edit.setObjectName("denyListEdit")
        self.deny_edit.setPlaceholderText("One term per line, e.g.\nAcme Corp\nProject Falcon")
        deny_box = QGroupBox("Deny list: always PII", self)
        deny_layout = QVBoxLayout(deny_box)
        deny_row = QHBoxLayout()
        deny_row.addWidget(QLabel("Terms of type", deny_box))
        deny_row.addWidget(self.deny_type, 1)
        deny_layout.addLayout(deny_row)
        deny_layout.addWidget(QLabel("Every occurrence (whole words, any case) is a finding of this type.", deny_box))
        deny_layout.addWidget(self.deny_edit)
        self.deny_type.currentIndexChanged.connect(self._show_deny_type)
        first_with_terms = next((t for t in types if self._deny.get(t)), types[0])
        self.deny_type.setCurrentIndex(types.index(first_with_terms))
        self._show_deny_type()

        boxes = QHBoxLayout()
        boxes.addWidget(allow_box)
        boxes.addWidget(deny_box)
        self.buttons = QDialogButtonBox(self)
        self.apply_button = QPushButton("Save and apply to current findings", self)
        self.apply_button.setObjectName("listsApplyButton")
        self.apply_button.setToolTip("Reject allow-listed findings and add deny-listed terms the detectors missed; "
                                     "every decision you made stays. One undo step.")
        self.rerun_button = QPushButton("Save and re-run detection", self)
        self.rerun_button.setObjectName("listsRerunButton")
        self.rerun_button.setToolTip("Detect again over the whole dataset with these lists")
        self.save_button = self.buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.rerun_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.apply_button.clicked.connect(lambda: self.done(APPLY_NOW))
        self.rerun_button.clicked.connect(lambda: self.done(RERUN))
        layout = QVBoxLayout(self)
        layout.addLayout(boxes, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 440)

    def _type_text(self, entity_type: str) -> str:
        count = len(self._deny.get(entity_type, []))
        return f"{palette.entity_label(entity_type)} ({count})" if count else palette.entity_label(entity_type)

    def _store_current(self) -> None:
        if self._current_type is not None:
            terms = parse_terms(self.deny_edit.toPlainText())
            if terms:
                self._deny[self._current_type] = terms
            else:
                self._deny.pop(self._current_type, None)
            index = self.deny_type.findData(self._current_type)
            if index >= 0:
                self.deny_type.setItemText(index, self._type_text(self._current_type))

    def _show_deny_type(self) -> None:
        self._store_current()
        self._current_type = self.deny_type.currentData()
        self.deny_edit.setPlainText("\n".join(self._deny.get(self._current_type, [])))

    def lists(self) -> ReviewLists:
        self._store_current()
        return ReviewLists(parse_terms(self.allow_edit.toPlainText()),
                           {entity: terms for entity, terms in self._deny.items() if terms})

    def set_deny_type(self, entity_type: str) -> None:
        index = self.deny_type.findData(entity_type)
        if index >= 0:
            self.deny_type.setCurrentIndex(index)


def focus_first_editor(dialog: ListsDialog) -> None:
    dialog.allow_edit.setFocus(Qt.FocusReason.OtherFocusReason)
