"""The "Whole dataset" view: findings grouped by entity type and distinct value, with actions on a value."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.review import ValueGroup
from privdesk.gui.models.value_groups_model import GROUP_ROLE, ValueGroupsModel


class DatasetValuesPanel(QWidget):
    refresh_requested = Signal()
    decide_requested = Signal(object, str)  # ValueGroup, "accept" | "reject"
    allow_list_requested = Signal(object)  # ValueGroup
    deny_list_requested = Signal(object)  # ValueGroup
    show_records_requested = Signal(object)  # ValueGroup

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("datasetValuesPanel")
        self.model = ValueGroupsModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("valueGroupsTree")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._show_menu)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            header.resizeSection(column, self.fontMetrics().horizontalAdvance(title) + 14)
        self.status_label = QLabel("Grouping shows every distinct value the detectors found.", self)
        self.status_label.setObjectName("valueGroupsStatus")
        self.status_label.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("refreshValuesButton")
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.accept_button = QPushButton("Accept all", self)
        self.accept_button.setObjectName("acceptValueButton")
        self.reject_button = QPushButton("Reject all", self)
        self.reject_button.setObjectName("rejectValueButton")
        self.records_button = QPushButton("Show records", self)
        self.records_button.setObjectName("showValueRecordsButton")
        self.accept_button.clicked.connect(lambda: self._emit_for_selected("accept"))
        self.reject_button.clicked.connect(lambda: self._emit_for_selected("reject"))
        self.records_button.clicked.connect(lambda: self._emit_for_selected("records"))
        for button, tip in ((self.accept_button, "Accept every occurrence of the selected value"),
                            (self.reject_button, "Reject every occurrence of the selected value"),
                            (self.records_button, "List only the records that contain the selected value")):
            button.setToolTip(tip)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.records_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        self.tree.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def selected_group(self) -> ValueGroup | None:
        index = self.tree.currentIndex()
        return index.data(GROUP_ROLE) if index.isValid() else None

    def set_groups(self, groups: dict[str, list[ValueGroup]]) -> None:
        self.model.set_groups(groups)
        if self.model.rowCount() and self.model.rowCount() <= 3:
            self.tree.expandAll()
        elif self.model.rowCount():
            self.tree.expand(self.model.index(0, 0))
        total = sum(len(values) for values in groups.values())
        self.status_label.setText(f"{total:,} distinct values in {len(groups)} entity types. "
                                  "Right-click a value to decide about every occurrence.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_group = self.selected_group() is not None
        for button in (self.accept_button, self.reject_button, self.records_button):
            button.setEnabled(has_group)

    def _emit_for_selected(self, what: str) -> None:
        group = self.selected_group()
        if group is None:
            return
        if what == "records":
            self.show_records_requested.emit(group)
        else:
            self.decide_requested.emit(group, what)

    def _show_menu(self, point: QPoint) -> None:
        index = self.tree.indexAt(point)
        group = index.data(GROUP_ROLE) if index.isValid() else None
        if group is None:
            return
        menu = QMenu(self)
        value = group.value if len(group.value) <= 40 else group.value[:40] + "\u2026"
        menu.addAction(f"Accept every \u201c{value}\u201d", lambda: self.decide_requested.emit(group, "accept"))
        menu.addAction(f"Reject every \u201c{value}\u201d", lambda: self.decide_requested.emit(group, "reject"))
        menu.addSeparator()
        menu.addAction("Show these records", lambda: self.show_records_requested.emit(group))
        menu.addAction(f"Add \u201c{value}\u201d to the allow list", lambda: self.allow_list_requested.emit(group))
        menu.addAction(f"Add \u201c{value}\u201d to the deny list", lambda: self.deny_list_requested.emit(group))
        menu.exec(self.tree.viewport().mapToGlobal(point))
