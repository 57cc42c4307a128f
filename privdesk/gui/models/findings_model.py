"""The findings table of the Review tab: the spans of the record on screen, one row each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from privdesk.core.project.decisions import ANALYST_RECOGNIZER
from privdesk.core.types import Span
from privdesk.gui import palette
from privdesk.gui.theme import is_dark, swatch_icon

_ModelIndex = QModelIndex | QPersistentModelIndex

HEADERS = ("Type", "Text", "Score", "Recognizer", "Decision")
SPAN_KEY_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
TEXT_CHARS = 120


def span_key(span: Span) -> tuple[str, int]:
    """How a span is told apart across re-reads: its detection id, or the id of the decision that added it."""
    detection_id = span.extra.get("detection_id")
    if detection_id is not None:
        return ("detection", int(detection_id))
    return ("added", int(span.extra.get("added_span") or 0))


@dataclass(frozen=True)
class Finding:
    span: Span
    status: str
    text: str

    @property
    def key(self) -> tuple[str, int]:
        return span_key(self.span)

    @property
    def decision_text(self) -> str:
        if self.span.recognizer == ANALYST_RECOGNIZER:
            return "added" if self.status != "rejected" else "deleted"
        return self.status


def recognizer_text(name: str) -> str:
    """A short readable name: "SpacyNerRecognizer" -> "spaCy NER", "column:email" -> "column email"."""
    special = {"SpacyNerRecognizer": "spaCy NER", "TransformerNerRecognizer": "transformer NER",
               ANALYST_RECOGNIZER: "you"}
    if name in special:
        return special[name]
    if name.startswith("column:"):
        return f"column \u201c{name[7:]}\u201d"
    return name[:-len("Recognizer")] if name.endswith("Recognizer") and len(name) > 10 else name


class FindingsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._findings: list[Finding] = []
        self._multi_column = False

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self.beginResetModel()
        self._findings = list(findings)
        self._multi_column = len({finding.span.column for finding in self._findings}) > 1
        self.endResetModel()

    def findings(self) -> list[Finding]:
        return list(self._findings)

    def finding(self, row: int) -> Finding | None:
        return self._findings[row] if 0 <= row < len(self._findings) else None

    def row_of(self, key: tuple[str, int]) -> int | None:
        for row, finding in enumerate(self._findings):
            if finding.key == key:
                return row
        return None

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._findings)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._findings):
            return None
        finding = self._findings[index.row()]
        span, column = finding.span, index.column()
        if role == SPAN_KEY_ROLE:
            return finding.key
        if role == STATUS_ROLE:
            return finding.status
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return palette.entity_label(span.entity_type)
            if column == 1:
                text = " ".join(finding.text.split())
                return text if len(text) <= TEXT_CHARS else text[:TEXT_CHARS] + "\u2026"
            if column == 2:
                return "\u2013" if span.recognizer == ANALYST_RECOGNIZER else f"{span.score:.2f}"
            if column == 3:
                return recognizer_text(span.recognizer)
            if column == 4:
                return finding.decision_text
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return swatch_icon(span.entity_type)
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f" in {span.column}" if self._multi_column else ""
            return (f"{span.entity_type}{where}, characters {span.start}\u2013{span.end}; "
                    f"score {span.score:.2f} from {span.recognizer}; {finding.decision_text}")
        if role == Qt.ItemDataRole.FontRole and finding.status == "rejected":
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and finding.status == "rejected":
            return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.ForegroundRole and column == 4 and finding.status == "accepted":
            return QColor(palette.state_color("done", is_dark()))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
