"""The "File" panel of the Data tab: where the dataset came from, how it was read, and what to watch out for."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QSizePolicy, QWidget

DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", " ": "space"}


def describe_delimiter(delimiter: str | None) -> str:
    if not delimiter:
        return "\u2013"
    return DELIMITER_NAMES.get(delimiter, repr(delimiter))


class DatasetDetails(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("File", parent)
        self.setObjectName("datasetDetails")
        self._values: dict[str, QLabel] = {}
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for field in ("Path", "Format", "Encoding", "Delimiter", "Size", "Rows", "Columns", "Warnings"):
            value = QLabel(self)
            value.setObjectName(f"details{field}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(field in ("Path", "Warnings"))
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            value.setTextFormat(Qt.TextFormat.PlainText)
            form.addRow(f"{field}:", value)
            self._values[field] = value

    def value(self, field: str) -> str:
        return self._values[field].text()

    def show_summary(self, summary, size_text: str, warnings: Sequence[str]) -> None:
        """Fill the panel from a privdesk.core.dataset.DatasetSummary and the warnings of the whole load."""
        values = self._values
        values["Path"].setText(str(Path(summary.path)))
        values["Format"].setText(str(summary.format).upper())
        values["Encoding"].setText(summary.encoding or "\u2013 (not a text format)")
        values["Delimiter"].setText(describe_delimiter(summary.delimiter))
        values["Size"].setText(size_text)
        values["Rows"].setText(f"{summary.num_rows:,}")
        values["Columns"].setText(f"{len(summary.columns):,}")
        values["Warnings"].setText("\n".join(f"\u26a0 {warning}" for warning in warnings) if warnings else "none")
