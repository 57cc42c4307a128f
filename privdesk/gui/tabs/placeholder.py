"""A tab whose stage is not built yet: it says plainly what will come there, with no fake controls."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

PLACEHOLDER_TEXTS: dict[str, str] = {
    "Review": (
        "Here you will go through the PII that PrivDesk detected, record by record: accept, reject or "
        "relabel each finding, mark what the detector missed, with one key per action and undo. "
        "Detection is not available yet, so there is nothing to review."
    ),
    "Policy": (
        "Here you will choose how each kind of PII is masked (redact, replace with a consistent fake "
        "value, hash with a key, or encrypt into a vault), starting from a preset policy or your own "
        "YAML file, and preview the result. Not available yet."
    ),
    "Train": (
        "Here you will fine-tune a small language model on the masked dataset with differentially "
        "private training (DP-SGD), choosing the privacy budget and watching its progress. "
        "Not available yet."
    ),
    "Evaluate": (
        "Here you will measure how well detection worked, how much PII is left after masking, and "
        "whether a trained model leaks its training data, with charts and an exportable report. "
        "Not available yet."
    ),
}


class PlaceholderTab(QWidget):
    def __init__(self, title: str, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.title = title
        self.label = QLabel(f"<h2>{title}</h2><p>{PLACEHOLDER_TEXTS[title]}</p>", self)
        self.label.setObjectName(f"{object_name}Text")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.label.setMaximumWidth(640)
        # Centred by stretches, not by an alignment flag: a word-wrapped label given an alignment in
        # its layout is sized to its one-line hint and cuts its text off.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.label, 4)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
