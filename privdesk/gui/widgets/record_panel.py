"""The left column of the Review tab: which records to list, in what order, and the list itself."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.review import RecordState
from privdesk.gui.models.record_list_model import RecordListModel

STATE_FILTERS: tuple[tuple[str, tuple[RecordState, ...] | None], ...] = (
    ("With findings", (RecordState.UNREVIEWED, RecordState.IN_PROGRESS, RecordState.DONE)),
    ("To review", (RecordState.UNREVIEWED, RecordState.IN_PROGRESS)),
    ("Unreviewed", (RecordState.UNREVIEWED,)),
    ("In progress", (RecordState.IN_PROGRESS,)),
    ("Done", (RecordState.DONE,)),
    ("No findings", (RecordState.NO_FINDINGS, RecordState.NOT_SCANNED)),
    ("All records", None),
)
SORT_ORDERS = (("Lowest confidence first", "confidence"), ("Record order", "record"), ("Most findings first", "findings"))


class RecordPanel(QWidget):
    current_record_changed = Signal(object)  # record number, or None
    criteria_changed = Signal()  # filter, sort or search text changed: the owner recomputes the order

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordPanel")
        self.filter_combo = QComboBox(self)
        self.filter_combo.setObjectName("recordFilter")
        for text, states in STATE_FILTERS:
            self.filter_combo.addItem(text, states)
        self.filter_combo.setToolTip("Which records to list")
        self.sort_combo = QComboBox(self)
        self.sort_combo.setObjectName("recordSort")
        for text, key in SORT_ORDERS:
            self.sort_combo.addItem(text, key)
        self.sort_combo.setToolTip("Lowest confidence first puts the records whose findings the detectors were "
                                   "least sure about at the top")
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("recordSearch")
        self.search_edit.setPlaceholderText("Find records containing\u2026 (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.criteria_changed)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())

        self.model = RecordListModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("recordList")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = self.fontMetrics()
        for column, sample in enumerate(("1,000,000", "in progress   ", "Found", "Left", "0.00")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 22)
        self.table.setAccessibleName("Records")
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("recordSummary")

        row = QHBoxLayout()
        row.addWidget(self.filter_combo, 1)
        row.addWidget(self.sort_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary_label)
        self.filter_combo.currentIndexChanged.connect(lambda _i: self.criteria_changed.emit())
        self.sort_combo.currentIndexChanged.connect(lambda _i: self.criteria_changed.emit())

    # -- criteria -------------------------------------------------------------------------------

    def states(self) -> tuple[RecordState, ...] | None:
        return self.filter_combo.currentData()

    def sort_order(self) -> str:
        return self.sort_combo.currentData()

    def search_text(self) -> str:
        return self.search_edit.text().strip()

    def set_sort_order(self, key: str) -> None:
        index = self.sort_combo.findData(key)
        if index >= 0:
            self.sort_combo.setCurrentIndex(index)

    # -- current record ---------------------------------------------------------------------------

    def current_record(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.record_at(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> bool:
        if not 0 <= row < self.model.rowCount():
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def select_record(self, record: int) -> bool:
        row = self.model.row_of(record)
        return row is not None and self.select_row(row)

    def step(self, delta: int) -> bool:
        """Move to the next (+1) or previous (-1) record in the list; False at either end."""
        index = self.table.currentIndex()
        row = index.row() + delta if index.isValid() else (0 if delta > 0 else self.model.rowCount() - 1)
        return self.select_row(row)

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_record_changed.emit(self.model.record_at(current.row()) if current.isValid() else None)

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()
