""""Why was this flagged?": the explanation of the selected finding, below the findings table."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QGroupBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from privdesk.core.review import Explanation
from privdesk.gui import palette

KIND_TEXT = {
    "model": "Model", "pattern": "Pattern", "checksum": "Pattern with a checksum", "column": "Column role",
    "list": "Deny list", "custom": "Custom recognizer", "analyst": "Added by hand", "unknown": "Recognizer",
}


def explanation_html(explanation: Explanation, covered_text: str, muted: str = "#777777") -> str:
    rows = [("Found by", f"{KIND_TEXT.get(explanation.kind, explanation.kind)} \u00b7 "
                         f"<code>{html.escape(explanation.recognizer)}</code>")]
    if explanation.pattern:
        rows.append(("Pattern", html.escape(explanation.pattern)))
    score = f"{explanation.score:.2f}"
    if explanation.raw_score is not None and abs(explanation.raw_score - explanation.score) > 1e-6:
        score += f" (the recognizer said {explanation.raw_score:.2f}; context and calibration changed it)"
    rows.append(("Score", score))
    if explanation.context_words:
        words = []
        for word in explanation.context_words:
            escaped = html.escape(word)
            words.append(f"<b>{escaped}</b>" if word in explanation.supportive_words else escaped)
        rows.append(("Words around it", ", ".join(words)))
    if explanation.supportive_words:
        rows.append(("Raised by", ", ".join(f"<b>{html.escape(w)}</b>" for w in explanation.supportive_words)))
    table = "".join(f"<tr><td style='padding-right:8px;color:{muted}'>{name}</td><td>{value}</td></tr>"
                    for name, value in rows)
    details = "".join(f"<p>{html.escape(line)}</p>" for line in explanation.details)
    return (f"<p><b>{html.escape(covered_text)}</b> \u2014 {html.escape(palette.entity_label(explanation.entity_type))}</p>"
            f"<p>{html.escape(explanation.summary)}</p><table>{table}</table>{details}")


class ExplainPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Why was this flagged?", parent)
        self.setObjectName("explainPanel")
        self.label = QLabel(self)
        self.label.setObjectName("explainText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        self.explanation: Explanation | None = None
        self.show_hint()

    def show_hint(self) -> None:
        self.explanation = None
        self.label.setText(f"<span style='color:{self._muted()}'>Select a finding and press "
                           "<b>Explain</b> (Ctrl+I) to see which recognizer flagged it and why.</span>")

    def show_busy(self) -> None:
        self.label.setText("Explaining\u2026")

    def show_explanation(self, explanation: Explanation, covered_text: str) -> None:
        self.explanation = explanation
        self.label.setText(explanation_html(explanation, covered_text, self._muted()))

    def _muted(self) -> str:
        return self.palette().color(QPalette.ColorRole.PlaceholderText).name()

    def text(self) -> str:
        return self.label.text()
