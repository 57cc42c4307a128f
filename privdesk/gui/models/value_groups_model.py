"""The dataset-wide view: entity types, and under each its distinct values with their counts.

A type can have a hundred thousand distinct names; its children are handed to the view a batch
at a time (canFetchMore / fetchMore) as the analyst scrolls, most frequent first.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from privdesk.core.review import ValueGroup
from privdesk.gui import palette
from privdesk.gui.theme import swatch_icon

_ModelIndex = QModelIndex | QPersistentModelIndex

HEADERS = ("Value", "Spans", "Records", "Left", "Accepted", "Rejected")
BATCH = 200
GROUP_ROLE = Qt.ItemDataRole.UserRole + 1  # the ValueGroup of a value row
TYPE_ROLE = Qt.ItemDataRole.UserRole + 2  # the entity type of any row
_TOP = 0xFFFFFFFF  # internalId of top-level (type) rows


class ValueGroupsModel(QAbstractItemModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._types: list[str] = []
        self._groups: dict[str, list[ValueGroup]] = {}
        self._loaded: list[int] = []  # children handed to the view, per type
        self._totals: dict[str, tuple[int, int, int, int, int]] = {}

    def set_groups(self, groups: dict[str, list[ValueGroup]]) -> None:
        self.beginResetModel()
        self._types = list(groups)
        self._groups = {entity: list(values) for entity, values in groups.items()}
        self._loaded = [min(BATCH, len(self._groups[entity])) for entity in self._types]
        self._totals = {entity: self._totals_of(values) for entity, values in self._groups.items()}
        self.endResetModel()

    def group(self, index: _ModelIndex) -> ValueGroup | None:
        if not index.isValid() or index.internalId() == _TOP:
            return None
        entity = self._types[index.internalId()]
        return self._groups[entity][index.row()]

    def type_row(self, entity_type: str) -> int | None:
        return self._types.index(entity_type) if entity_type in self._types else None

    # -- structure --------------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: _ModelIndex = QModelIndex()) -> QModelIndex:
        if column < 0 or column >= len(HEADERS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _TOP) if row < len(self._types) else QModelIndex()
        if parent.internalId() != _TOP or parent.column() != 0:
            return QModelIndex()
        type_row = parent.row()
        if row >= self._loaded[type_row]:
            return QModelIndex()
        return self.createIndex(row, column, type_row)

    def parent(self, index: _ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(int(index.internalId()), 0, _TOP)

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        if not parent.isValid():
            return len(self._types)
        if parent.internalId() == _TOP and parent.column() == 0:
            return self._loaded[parent.row()]
        return 0

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return len(HEADERS)

    def hasChildren(self, parent: _ModelIndex = QModelIndex()) -> bool:  # noqa: N802 - Qt API
        if not parent.isValid():
            return bool(self._types)
        return parent.internalId() == _TOP and parent.column() == 0 and bool(self._groups[self._types[parent.row()]])

    def canFetchMore(self, parent: _ModelIndex) -> bool:  # noqa: N802 - Qt API
        if not parent.isValid() or parent.internalId() != _TOP or parent.column() != 0:
            return False
        return self._loaded[parent.row()] < len(self._groups[self._types[parent.row()]])

    def fetchMore(self, parent: _ModelIndex) -> None:  # noqa: N802 - Qt API
        if not self.canFetchMore(parent):
            return
        type_row = parent.row()
        total = len(self._groups[self._types[type_row]])
        first = self._loaded[type_row]
        last = min(total, first + BATCH) - 1
        self.beginInsertRows(parent, first, last)
        self._loaded[type_row] = last + 1
        self.endInsertRows()

    # -- content ----------------------------------------------------------------------------------

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        if index.internalId() == _TOP:
            entity = self._types[index.row()]
            groups = self._groups[entity]
            if role == TYPE_ROLE:
                return entity
            if role == Qt.ItemDataRole.DisplayRole:
                if column == 0:
                    return f"{palette.entity_label(entity)} ({len(groups):,} distinct)"
                return f"{self._totals[entity][column - 1]:,}"
            if role == Qt.ItemDataRole.DecorationRole and column == 0:
                return swatch_icon(entity)
            if role == Qt.ItemDataRole.ToolTipRole and column == 0:
                return entity
            if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        entity = self._types[index.internalId()]
        group = self._groups[entity][index.row()]
        if role == GROUP_ROLE:
            return group
        if role == TYPE_ROLE:
            return entity
        if role == Qt.ItemDataRole.DisplayRole:
            values = (group.value, group.count, group.record_count, group.pending, group.accepted, group.rejected)
            return values[column] if column == 0 else f"{values[column]:,}"
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return (f"\u201c{group.value}\u201d as {entity}: {group.count:,} spans in {group.record_count:,} records "
                    "(right-click to accept or reject every occurrence)")
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _totals_of(groups: list[ValueGroup]) -> tuple[int, int, int, int, int]:
        """(spans, distinct records, to review, accepted, rejected) of one type, computed once."""
        records: set[int] = set()
        for group in groups:
            records.update(group.records.tolist())
        return (sum(g.count for g in groups), len(records), sum(g.pending for g in groups),
                sum(g.accepted for g in groups), sum(g.rejected for g in groups))

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def flags(self, index: _ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.internalId() != _TOP:
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags
