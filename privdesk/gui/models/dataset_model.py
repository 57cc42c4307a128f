"""A lazy table model over a dataset's Arrow table.

Qt asks for the cells it is about to paint; only those are converted to Python strings, a block
of rows of one column at a time, and a bounded LRU cache keeps recently seen blocks. A million
rows cost nothing until they are scrolled into view (the same idea as Qt's PandasModel example
and Spyder's DataFrame editor, without copying the table into Python objects up front).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import OrderedDict
from typing import Any

import pyarrow as pa
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

_ModelIndex = QModelIndex | QPersistentModelIndex

LINE_BREAK_MARK = " \u21b5 "  # shows where a multi-line cell had its line breaks, in a one-line view
ELLIPSIS = "\u2026"


def value_to_text(value: Any) -> str:
    """How a cell value reads in the table: the text detection will see, nulls as empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def one_line(text: str, max_chars: int) -> str:
    """Long text folded onto one line and cut at `max_chars`; the view elides it further to the column width."""
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        text = LINE_BREAK_MARK.join(line.strip() for line in text.split("\n"))
    if len(text) > max_chars:
        text = text[:max_chars] + ELLIPSIS
    return text


class _Block:
    """Converted text of `BLOCK_ROWS` rows of one column: full text for tooltips, one-line text for display."""

    __slots__ = ("full", "display")

    def __init__(self, full: list[str], display: list[str]) -> None:
        self.full = full
        self.display = display


class DatasetTableModel(QAbstractTableModel):
    """Read-only view of a pyarrow.Table; row headers are 1-based record numbers."""

    BLOCK_ROWS = 256
    MAX_CACHED_BLOCKS = 256  # at most 65,536 converted cells per column kept around
    DISPLAY_CHARS = 300
    TOOLTIP_CHARS = 4000

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._table: pa.Table | None = None
        self._names: list[str] = []
        self._numeric: list[bool] = []
        self._blocks: OrderedDict[tuple[int, int], _Block] = OrderedDict()

    # -- content ------------------------------------------------------------------------------

    def set_table(self, table: pa.Table | None) -> None:
        self.beginResetModel()
        self._table = table
        self._names = list(table.column_names) if table is not None else []
        self._numeric = [
            pa.types.is_integer(field.type) or pa.types.is_floating(field.type) or pa.types.is_decimal(field.type)
            for field in (table.schema if table is not None else [])
        ]
        self._blocks.clear()
        self.endResetModel()

    def set_dataset(self, dataset: Any) -> None:
        """Show a privdesk.core.dataset.Dataset (anything with an Arrow `.table`), or nothing for None."""
        self.set_table(dataset.table if dataset is not None else None)

    @property
    def table(self) -> pa.Table | None:
        return self._table

    def cached_block_count(self) -> int:
        return len(self._blocks)

    # -- QAbstractTableModel ------------------------------------------------------------------

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        if parent.isValid() or self._table is None:
            return 0
        return self._table.num_rows

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        if parent.isValid():
            return 0
        return len(self._names)

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._table is None:
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < self._table.num_rows and 0 <= column < len(self._names)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._block(column, row).display[row % self.BLOCK_ROWS]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(self._block(column, row).full[row % self.BLOCK_ROWS])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if self._numeric[column] else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if self._table is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._names):
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return self._names[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{self._names[section]} ({self._table.schema.field(section).type})"
            return None
        if not 0 <= section < self._table.num_rows:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # -- conversion ---------------------------------------------------------------------------

    def _block(self, column: int, row: int) -> _Block:
        key = (column, row // self.BLOCK_ROWS)
        block = self._blocks.get(key)
        if block is not None:
            self._blocks.move_to_end(key)
            return block
        assert self._table is not None
        start = key[1] * self.BLOCK_ROWS
        values = self._table.column(column).slice(start, self.BLOCK_ROWS).to_pylist()
        full = [value_to_text(value) for value in values]
        block = _Block(full, [one_line(text, self.DISPLAY_CHARS) for text in full])
        self._blocks[key] = block
        if len(self._blocks) > self.MAX_CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return block

    def _tooltip(self, text: str) -> str | None:
        if not text:
            return None
        if len(text) > self.TOOLTIP_CHARS:
            text = f"{text[:self.TOOLTIP_CHARS]}{ELLIPSIS} ({len(text) - self.TOOLTIP_CHARS:,} more characters)"
        # Rich text so that Qt wraps long cells in the tooltip instead of drawing one endless line.
        return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"
