"""The live preview of a policy: one record before and after, side by side, and a sample of records.

`mask_record_preview` does the masking (the same Masker an export uses); `PreviewPane` shows the
result in two SpanTextViews, the replaced parts highlighted in the palette colour of their type in
both, and a table of sampled records (before / after) underneath.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.mask import Masker, Policy
from privdesk.core.types import Span
from privdesk.gui.theme import entity_qcolor
from privdesk.gui.widgets.span_text_view import ShownSpan, SpanTextView

SAMPLE_SIZE = 20


@dataclass
class RecordPreview:
    """One record's cells before and after masking, with the replaced regions on both sides."""

    record: int
    segments_before: list[tuple[str, str, str]] = field(default_factory=list)  # (column, header, text)
    segments_after: list[tuple[str, str, str]] = field(default_factory=list)
    spans_before: list[ShownSpan] = field(default_factory=list)
    spans_after: list[ShownSpan] = field(default_factory=list)

    def text_after(self, column: str) -> str:
        return next(text for name, _, text in self.segments_after if name == column)


def mask_record_preview(policy: Policy, secret: bytes, record: int, cells: Mapping[str, str],
                        spans: Sequence[Span]) -> RecordPreview:
    """Mask one record the way an export would and say where each replacement is, before and after."""
    masked = Masker(policy, secret).mask_record(cells, spans, record=record) if spans else {}
    preview = RecordPreview(record)
    for column, text in cells.items():
        result = masked.get(column)
        preview.segments_before.append((column, column, text))
        preview.segments_after.append((column, column, result.text if result is not None else text))
        if result is None:
            continue
        for number, replacement in enumerate(result.replacements):
            if replacement.operator == "keep":
                continue
            key = (column, number)
            preview.spans_before.append(ShownSpan(key, column, replacement.start, replacement.end,
                                                  replacement.entity_type, "accepted"))
            preview.spans_after.append(ShownSpan(key, column, replacement.new_start, replacement.new_end,
                                                 replacement.entity_type, "accepted"))
    return preview


class PreviewPane(QWidget):
    """Before/after of the current record with previous/next, and a dataset-wide sample."""

    step_requested = Signal(int)  # -1 previous record, +1 next record

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPane")
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)

        record_page = QWidget(self.tabs)
        self.previous_button = QPushButton("\u25c0 Previous", record_page)
        self.previous_button.setObjectName("previewPrevious")
        self.previous_button.setToolTip("Previous record with findings (Alt+Left)")
        self.previous_button.setShortcut("Alt+Left")
        self.next_button = QPushButton("Next \u25b6", record_page)
        self.next_button.setObjectName("previewNext")
        self.next_button.setToolTip("Next record with findings (Alt+Right)")
        self.next_button.setShortcut("Alt+Right")
        self.record_label = QLabel(record_page)
        self.record_label.setObjectName("previewRecordLabel")
        self.previous_button.clicked.connect(lambda: self.step_requested.emit(-1))
        self.next_button.clicked.connect(lambda: self.step_requested.emit(1))
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        navigation.addWidget(self.record_label, 1, Qt.AlignmentFlag.AlignCenter)
        navigation.addWidget(self.next_button)

        self.original_view = SpanTextView(record_page)
        self.original_view.setObjectName("previewOriginal")
        self.original_view.setAccessibleName("Original record")
        self.sanitized_view = SpanTextView(record_page)
        self.sanitized_view.setObjectName("previewSanitized")
        self.sanitized_view.setAccessibleName("Sanitized record")
        sides = QHBoxLayout()
        for title, view in (("Original", self.original_view), ("Sanitized", self.sanitized_view)):
            column = QVBoxLayout()
            heading = QLabel(f"<b>{title}</b>", record_page)
            column.addWidget(heading)
            column.addWidget(view, 1)
            sides.addLayout(column, 1)
        record_layout = QVBoxLayout(record_page)
        record_layout.setContentsMargins(0, 6, 0, 0)
        record_layout.addLayout(navigation)
        record_layout.addLayout(sides, 1)

        self.sample_table = QTableWidget(0, 4, self.tabs)
        self.sample_table.setObjectName("previewSample")
        self.sample_table.setHorizontalHeaderLabels(["Record", "Column", "Before", "After"])
        self.sample_table.verticalHeader().setVisible(False)
        self.sample_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sample_table.setWordWrap(True)
        self.sample_table.setAlternatingRowColors(True)
        header = self.sample_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.sample_table.setColumnWidth(0, 64)
        self.sample_table.setColumnWidth(1, 110)

        self.tabs.addTab(record_page, "Record")
        self.tabs.addTab(self.sample_table, f"Sample of {SAMPLE_SIZE} records")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def show_message(self, text: str) -> None:
        self.record_label.setText("")
        self.original_view.show_message(text)
        self.sanitized_view.show_message(text)
        self.sample_table.setRowCount(0)
        self.previous_button.setEnabled(False)
        self.next_button.setEnabled(False)

    def show_record(self, preview: RecordPreview, position: int, total: int) -> None:
        """Show `preview`; it is the `position`-th (0-based) of `total` records with findings."""
        self.record_label.setText(f"Record {preview.record + 1:,}  \u00b7  {position + 1:,} of {total:,} with findings")
        self.original_view.set_record(preview.segments_before, preview.spans_before)
        self.sanitized_view.set_record(preview.segments_after, preview.spans_after)
        self.previous_button.setEnabled(position > 0)
        self.next_button.setEnabled(position < total - 1)

    def show_sample(self, previews: Sequence[RecordPreview]) -> None:
        rows = [(preview, before, after) for preview in previews
                for before, after in zip(preview.segments_before, preview.segments_after) if before[2] != after[2]]
        self.sample_table.setRowCount(len(rows))
        for row, (preview, before, after) in enumerate(rows):
            column = before[0]
            entity = next((span.entity_type for span in preview.spans_before if span.column == column), None)
            cells = (str(preview.record + 1), column, before[2], after[2])
            for index, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if index >= 2 else "")
                if index == 1 and entity is not None:
                    item.setData(Qt.ItemDataRole.DecorationRole, entity_qcolor(entity))
                self.sample_table.setItem(row, index, item)
        self.sample_table.resizeRowsToContents()

    def sample_after_texts(self) -> list[str]:
        return [self.sample_table.item(row, 3).text() for row in range(self.sample_table.rowCount())]
