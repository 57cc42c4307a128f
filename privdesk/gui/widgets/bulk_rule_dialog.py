""""Accept or reject every span of a type above or below a score": a sentence with blanks, and a preview."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.review import ScoreRule
from privdesk.gui import palette
from privdesk.gui.theme import swatch_icon

STATUS_CHOICES = (("still pending", ("pending",)),
                  ("pending or already decided", ("pending", "accepted", "rejected")))


class BulkRuleDialog(QDialog):
    """Builds a ScoreRule; `preview(rule)` returns (spans, records) it would change."""

    def __init__(self, types: list[str], preview: Callable[[ScoreRule], tuple[int, int]],
                 parent: QWidget | None = None, *, entity_type: str | None = None, score: float = 0.5) -> None:
        super().__init__(parent)
        self.setObjectName("bulkRuleDialog")
        self.setWindowTitle("Bulk decision")
        self._preview = preview
        self.action_combo = QComboBox(self)
        self.action_combo.setObjectName("bulkAction")
        self.action_combo.addItem("Reject", "reject")
        self.action_combo.addItem("Accept", "accept")
        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName("bulkStatuses")
        for text, statuses in STATUS_CHOICES:
            self.status_combo.addItem(text, statuses)
        self.type_combo = QComboBox(self)
        self.type_combo.setObjectName("bulkType")
        for name in types:
            self.type_combo.addItem(swatch_icon(name), palette.entity_label(name), name)
        if entity_type is not None and entity_type in types:
            self.type_combo.setCurrentIndex(types.index(entity_type))
        self.comparison_combo = QComboBox(self)
        self.comparison_combo.setObjectName("bulkComparison")
        self.comparison_combo.addItem("below", "below")
        self.comparison_combo.addItem("at least", "at_least")
        self.score_box = QDoubleSpinBox(self)
        self.score_box.setObjectName("bulkScore")
        self.score_box.setRange(0.0, 1.0)
        self.score_box.setSingleStep(0.05)
        self.score_box.setDecimals(2)
        self.score_box.setValue(score)

        sentence = QHBoxLayout()
        for widget in (self.action_combo, QLabel("every", self), self.status_combo, self.type_combo,
                       QLabel("finding scoring", self), self.comparison_combo, self.score_box):
            sentence.addWidget(widget)
        sentence.addStretch(1)
        self.preview_label = QLabel(self)
        self.preview_label.setObjectName("bulkPreview")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Cancel, self)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Decide about many findings at once. It is one step: Undo takes it all back.", self))
        layout.addLayout(sentence)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.buttons)
        for combo in (self.action_combo, self.status_combo, self.type_combo, self.comparison_combo):
            combo.currentIndexChanged.connect(self._update_preview)
        self.score_box.valueChanged.connect(self._update_preview)
        self._update_preview()

    def rule(self) -> ScoreRule | None:
        entity_type = self.type_combo.currentData()
        if not entity_type:
            return None
        return ScoreRule(self.action_combo.currentData(), entity_type, self.comparison_combo.currentData(),
                         round(self.score_box.value(), 4), tuple(self.status_combo.currentData()))

    def _update_preview(self) -> None:
        rule = self.rule()
        if rule is None:
            self.preview_label.setText("There are no findings to decide about.")
            self.apply_button.setEnabled(False)
            return
        spans, records = self._preview(rule)
        self.preview_label.setText(f"{rule.describe()}: changes {spans:,} finding{'s' if spans != 1 else ''} "
                                   f"in {records:,} record{'s' if records != 1 else ''}.")
        self.apply_button.setEnabled(spans > 0)
