"""The record list of the Review tab: a lazy table over the ReviewIndex's per-record numbers.

The model holds only the order of records to list (a numpy array); every cell is read from the
index's arrays when Qt paints it, so a million records cost one array, not a million items.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from privdesk.core.review import RECORD_STATES, RecordState, ReviewIndex
from privdesk.gui import palette
from privdesk.gui.theme import dot_icon, is_dark

_ModelIndex = QModelIndex | QPersistentModelIndex

HEADERS = ("Record", "State", "Found", "Left", "Min")
HEADER_TIPS = (
    "Record number in the dataset (1 = first row)",
    "Unreviewed: nothing decided yet. In progress: some findings decided. Done: every finding decided.",
    "Findings shown under the current score threshold and entity types",
    "Findings still to review (waiting for accept or reject)",
    "Lowest score among the findings still to review: the least certain one",
)
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1  # the record number (0-based) of a row


class RecordListModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._index = ReviewIndex(0)
        self._order = np.zeros(0, np.int64)

    # -- content ----------------------------------------------------------------------------------

    def set_content(self, index: ReviewIndex, order: np.ndarray) -> None:
        self.beginResetModel()
        self._index = index
        self._order = np.asarray(order, np.int64)
        self.endResetModel()

    def append_records(self, records: np.ndarray) -> None:
        """Add records at the end (detection found more), keeping every existing row where it is."""
        records = np.asarray(records, np.int64)
        if not len(records):
            return
        first = len(self._order)
        self.beginInsertRows(QModelIndex(), first, first + len(records) - 1)
        self._order = np.concatenate([self._order, records])
        self.endInsertRows()

    @property
    def order(self) -> np.ndarray:
        return self._order

    def record_at(self, row: int) -> int | None:
        return int(self._order[row]) if 0 <= row < len(self._order) else None

    def row_of(self, record: int) -> int | None:
        rows = np.flatnonzero(self._order == record)
        return int(rows[0]) if len(rows) else None

    def records_changed(self, records: np.ndarray) -> None:
        """Repaint the rows of `records` (their numbers changed in the index)."""
        if not len(self._order) or not len(records):
            return
        rows = np.flatnonzero(np.isin(self._order, records))
        if len(rows):
            self.dataChanged.emit(self.index(int(rows.min()), 0), self.index(int(rows.max()), len(HEADERS) - 1))

    # -- QAbstractTableModel ----------------------------------------------------------------------

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._order):
            return None
        record = int(self._order[index.row()])
        column = index.column()
        if role == RECORD_ROLE:
            return record
        state = RecordState(int(self._index.state[record])) if record < self._index.num_records else RecordState.NOT_SCANNED
        state_name = RECORD_STATES[state]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{record + 1:,}"
            if column == 1:
                return state_name
            if column == 2:
                return f"{int(self._index.visible[record]):,}" if record < self._index.num_records else "0"
            if column == 3:
                return f"{int(self._index.pending[record]):,}" if record < self._index.num_records else "0"
            if column == 4:
                score = float(self._index.min_pending_score[record]) if record < self._index.num_records else np.inf
                return "\u2013" if not np.isfinite(score) else f"{score:.2f}"
            return None
        if role == Qt.ItemDataRole.DecorationRole and column == 1:
            return dot_icon(palette.state_color(state_name, is_dark()), 10)
        if role == Qt.ItemDataRole.ToolTipRole:
            visible = int(self._index.visible[record]) if record < self._index.num_records else 0
            pending = int(self._index.pending[record]) if record < self._index.num_records else 0
            return f"Record {record + 1:,}: {state_name}; {visible:,} findings, {pending:,} to review"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == 1:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.data(index, Qt.ItemDataRole.ToolTipRole)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        return None

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
