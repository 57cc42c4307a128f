"""The Review tab: run detection, then go through the findings record by record and decide about each.

Left: the records (lazy list, filterable, least certain first). Centre: the record's text with every
finding highlighted, the legend (which doubles as the entity-type filter) and the selected finding's
actions. Right: the record's findings, why one was flagged, and the dataset-wide view by value.

Every decision goes through the ReviewSession (one QUndoCommand each, written to the project at
once); every long job (detection, grouping, explaining, applying lists) runs in a Worker.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.detect.project_settings import DetectionOptions, read_detection_options
from privdesk.core.detect.settings import DetectionConfigError, default_jobs
from privdesk.core.errors import PrivDeskError
from privdesk.core.progress import ProgressInfo
from privdesk.core.project import DecisionRequest, Project
from privdesk.core.review import (
    ReviewIndex,
    ReviewLists,
    ScoreRule,
    ValueGroup,
    ViewFilter,
    accept_pending_requests,
    build_index,
    occurrence_requests,
    read_lists,
    rule_requests,
    write_lists,
)
from privdesk.core.review.rules import count_records, rule_rows
from privdesk.core.types import ENTITY_TYPES, ColumnRole, Span
from privdesk.gui import palette
from privdesk.gui.detection_runner import DetectedChunk, DetectionJob, DetectionOutcome
from privdesk.gui.dialogs.detection_settings_dialog import DetectionSettingsDialog
from privdesk.gui.error_reporting import error_dialog
from privdesk.gui.models.findings_model import SPAN_KEY_ROLE, Finding, FindingsModel, span_key
from privdesk.gui.review import keys
from privdesk.gui.review.detection import DetectionController, EngineFactory
from privdesk.gui.review.session import ReviewSession
from privdesk.gui.tasks import apply_review_lists, explain_finding, find_value_occurrences, group_dataset_values
from privdesk.gui.widgets.bulk_rule_dialog import BulkRuleDialog
from privdesk.gui.widgets.dataset_values_panel import DatasetValuesPanel
from privdesk.gui.widgets.detection_bar import DetectionBar, describe_detection_progress
from privdesk.gui.widgets.entity_legend import EntityLegend
from privdesk.gui.widgets.explain_panel import ExplainPanel
from privdesk.gui.widgets.lists_dialog import APPLY_NOW, RERUN, ListsDialog
from privdesk.gui.widgets.record_panel import RecordPanel
from privdesk.gui.widgets.span_text_view import ShownSpan, SpanTextView
from privdesk.gui.workers import ThreadPoolLike, Worker

log = logging.getLogger(__name__)

SpanKey = tuple[str, int]
SETTING_DETECTION_THRESHOLD = "detection.threshold"


def word_boundary(text: str, offset: int, direction: int) -> int:
    """The next word start (direction +1) or previous word end (-1) from `offset`, for Ctrl+Shift resizes."""
    position = offset
    if direction > 0:
        while position < len(text) and not text[position].isspace():
            position += 1
        while position < len(text) and text[position].isspace():
            position += 1
        while position < len(text) and not text[position].isspace():
            position += 1
        return position
    while position > 0 and text[position - 1].isspace():
        position -= 1
    while position > 0 and not text[position - 1].isspace():
        position -= 1
    while position > 0 and text[position - 1].isspace():
        position -= 1
    return position


class ReviewTab(QWidget):
    status_message = Signal(str)
    progress_changed = Signal(int, int)  # records done, records with findings
    detection_running_changed = Signal(bool)

    def __init__(self, thread_pool: ThreadPoolLike | None = None, engine_factory: EngineFactory | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewTab")
        self._thread_pool = thread_pool
        self.session = ReviewSession(thread_pool, self)
        self.undo_stack = self.session.undo_stack
        self.detection = DetectionController(thread_pool, engine_factory, self)
        self._record: int | None = None
        self._findings: list[Finding] = []
        self._syncing_selection = False
        self._values_stale = True
        self._values_worker: Worker | None = None
        self._explain_worker: Worker | None = None
        self._detected_findings = 0
        self._detection_first_record = 0
        self._after_decision_key: SpanKey | None = None  # the finding to select once a decision is in
        self._running_workers: list[Worker] = []
        self._search_mask: np.ndarray | None = None
        self._shown_content: tuple[int, list] | None = None  # the record and texts the text view holds
        # While detection streams in, the summaries are refreshed together, a few times a second.
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(300)
        self._summary_timer.timeout.connect(self._refresh_summaries)
        self._build()
        self._create_actions()
        self._connect()
        self._show_empty_state()

    # == public API ===========================================================================

    @property
    def project(self) -> Project | None:
        return self.session.project

    @property
    def index(self) -> ReviewIndex:
        return self.session.index

    @property
    def current_record(self) -> int | None:
        return self._record

    def set_context(self, project: Project, dataset: Any, roles: dict[str, ColumnRole]) -> None:
        """Review `dataset` within `project` (the window calls this once both are open)."""
        if self.detection.is_running:
            self.detection.shutdown()
        self._record = None
        self.session.attach(project, dataset, roles)
        self.legend.set_hidden_types(self.session.view_filter.hidden_types)
        self._set_slider(self.session.view_filter.threshold)
        sort = project.get_setting("review.sort", "confidence")
        self.record_panel.set_sort_order(str(sort))
        self._values_stale = True
        self.values_panel.set_groups({})

    def clear_context(self) -> None:
        if self.detection.is_running:
            self.detection.shutdown()
        self._record = None
        self.session.detach()

    def set_roles(self, roles: dict[str, ColumnRole]) -> None:
        self.session.set_roles(roles)
        if self._record is not None:
            self._show_record(self._record, self.text_view.selected_key)

    def findings(self) -> list[Finding]:
        return list(self._findings)

    def selected_finding(self) -> Finding | None:
        key = self.text_view.selected_key
        return next((finding for finding in self._findings if finding.key == key), None)

    def select_record(self, record: int) -> bool:
        """Show `record`, listing it first if the current filter hides it."""
        if not self.record_panel.select_record(record):
            if not 0 <= record < self.session.num_records:
                return False
            self.record_panel.filter_combo.setCurrentIndex(self.record_panel.filter_combo.count() - 1)  # all records
            self.record_panel.search_edit.clear()
            self._refresh_list(keep_record=False)
            return self.record_panel.select_record(record)
        return True

    def select_span(self, key: SpanKey | None) -> None:
        if self._syncing_selection:
            return
        self._syncing_selection = True
        try:
            self.text_view.select_span(key)
            row = None if key is None else next((i for i, f in enumerate(self._findings) if f.key == key), None)
            selection = self.findings_table.selectionModel()
            if row is None:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.Clear)
            else:
                index = self.findings_model.index(row, 0)
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                          | QItemSelectionModel.SelectionFlag.Rows)
                self.findings_table.scrollTo(index)
        finally:
            self._syncing_selection = False
        self._update_span_bar()
        if self.explain_panel.isVisible() and self.explain_panel.explanation is not None:
            self.explain_panel.show_hint()

    def shutdown(self) -> None:
        self.detection.shutdown()
        for worker in (self._values_worker, self._explain_worker):
            if worker is not None:
                worker.cancel()

    # == layout ================================================================================

    def _build(self) -> None:
        self.detection_bar = DetectionBar(self)
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.threshold_slider.setObjectName("thresholdSlider")
        self.threshold_slider.setRange(0, 100)
        self.threshold_slider.setSingleStep(1)
        self.threshold_slider.setPageStep(5)
        self.threshold_slider.setFixedWidth(150)
        self.threshold_slider.setToolTip("Show only findings that score at least this much (your own additions always show)")
        self.threshold_label = QLabel(self)
        self.threshold_label.setObjectName("thresholdLabel")
        self.threshold_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("\u2265 0.00") + 4)
        self.bulk_button = QToolButton(self)
        self.bulk_button.setObjectName("bulkButton")
        self.bulk_button.setText("Bulk\u2026")
        self.bulk_button.setToolTip("Accept or reject every finding of a type above or below a score")
        self.lists_button = QToolButton(self)
        self.lists_button.setObjectName("listsButton")
        self.lists_button.setText("Allow / deny lists\u2026")
        self.detection_settings_button = QToolButton(self)
        self.detection_settings_button.setObjectName("detectionSettingsButton")
        self.detection_settings_button.setText("Detection settings\u2026")
        self.detection_settings_button.setToolTip("spaCy pipeline, transformer model, entity types and custom "
                                                  "recognizers for the next detection run")
        top = QHBoxLayout()
        top.addWidget(self.detection_bar, 1)
        top.addSpacing(12)
        top.addWidget(QLabel("Min. score", self))
        top.addWidget(self.threshold_slider)
        top.addWidget(self.threshold_label)
        top.addSpacing(8)
        top.addWidget(self.bulk_button)
        top.addWidget(self.lists_button)
        top.addWidget(self.detection_settings_button)

        self.banner = QLabel(self)
        self.banner.setObjectName("reviewBanner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.banner.setStyleSheet("QLabel#reviewBanner { background: palette(alternate-base); padding: 6px 10px;"
                                  " border: 1px solid palette(mid); border-radius: 4px; }")

        self.record_panel = RecordPanel(self)

        self.record_title = QLabel(self)
        self.record_title.setObjectName("recordTitle")
        title_font = self.record_title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        title_font.setBold(True)
        self.record_title.setFont(title_font)
        self.legend = EntityLegend(self)
        self.text_view = SpanTextView(self)
        self.span_label = QLabel(self)
        self.span_label.setObjectName("selectedSpanLabel")
        self.span_label.setTextFormat(Qt.TextFormat.RichText)
        self.span_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.accept_button = QPushButton("Accept", self)
        self.accept_button.setObjectName("acceptButton")
        self.reject_button = QPushButton("Reject", self)
        self.reject_button.setObjectName("rejectButton")
        self.label_button = QToolButton(self)
        self.label_button.setObjectName("labelButton")
        self.label_button.setText("Label as")
        self.label_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.explain_button = QPushButton("Explain", self)
        self.explain_button.setObjectName("explainButton")
        span_bar = QHBoxLayout()
        span_bar.addWidget(self.span_label, 1)
        span_bar.addWidget(self.accept_button)
        span_bar.addWidget(self.reject_button)
        span_bar.addWidget(self.label_button)
        span_bar.addWidget(self.explain_button)
        centre = QWidget(self)
        centre.setObjectName("reviewCentre")
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addWidget(self.record_title)
        centre_layout.addWidget(self.legend)
        centre_layout.addWidget(self.text_view, 1)
        centre_layout.addLayout(span_bar)

        self.findings_model = FindingsModel(self)
        self.findings_table = QTableView(self)
        self.findings_table.setObjectName("findingsTable")
        self.findings_table.setModel(self.findings_model)
        self.findings_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.findings_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.findings_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.findings_table.setShowGrid(False)
        self.findings_table.setWordWrap(False)
        self.findings_table.setAlternatingRowColors(True)
        self.findings_table.verticalHeader().setVisible(False)
        self.findings_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.findings_table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.findings_table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        metrics = self.fontMetrics()
        for column, sample in ((0, "Organisation"), (2, "0.00"), (3, "PersonName"), (4, "accepted")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + (40 if column == 0 else 24))
        self.explain_panel = ExplainPanel(self)
        record_page = QSplitter(Qt.Orientation.Vertical, self)
        record_page.setObjectName("findingsSplitter")
        record_page.addWidget(self.findings_table)
        record_page.addWidget(self.explain_panel)
        record_page.setStretchFactor(0, 3)
        record_page.setStretchFactor(1, 2)
        record_page.setSizes([460, 260])
        record_page.setChildrenCollapsible(False)
        self.values_panel = DatasetValuesPanel(self)
        self.side_tabs = QTabWidget(self)
        self.side_tabs.setObjectName("findingsTabs")
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(record_page, "This record")
        self.side_tabs.addTab(self.values_panel, "Whole dataset")

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("reviewSplitter")
        self.splitter.addWidget(self.record_panel)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.side_tabs)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setChildrenCollapsible(False)
        # Explicit minimums: the panels' natural ones (rows of buttons) would keep the window over 1000 px wide.
        for panel, width in ((self.record_panel, 160), (centre, 260), (self.side_tabs, 220)):
            panel.setMinimumWidth(width)
        self.splitter.setSizes([345, 575, 480])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)

    # == actions ===============================================================================

    def _action(self, text: str, name: str, shortcuts: tuple[str, ...], slot, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(key) for key in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _create_actions(self) -> None:
        self.accept_action = self._action("&Accept finding", "acceptAction", keys.ACCEPT_KEYS, self.accept_selected,
                                          "Accept the selected finding as PII")
        self.reject_action = self._action("&Reject finding", "rejectAction", keys.REJECT_KEYS, self.reject_selected,
                                          "Reject the selected finding: not PII")
        self.delete_action = self._action("&Delete finding", "deleteAction", keys.DELETE_KEYS, self.delete_selected,
                                          "Remove the selected finding (a rejection; your own additions disappear)")
        self.accept_rest_action = self._action("Accept the rest and go to the next record", "acceptRestAction",
                                               keys.ACCEPT_REST_KEYS, self.accept_rest_and_next)
        self.next_record_action = self._action("&Next record", "nextRecordAction", keys.NEXT_RECORD_KEYS,
                                               lambda: self.record_panel.step(1))
        self.previous_record_action = self._action("&Previous record", "previousRecordAction",
                                                   keys.PREVIOUS_RECORD_KEYS, lambda: self.record_panel.step(-1))
        self.next_span_action = self._action("Next finding", "nextSpanAction", (), lambda: self.step_span(1))
        self.previous_span_action = self._action("Previous finding", "previousSpanAction", (), lambda: self.step_span(-1))
        self.explain_action = self._action("&Explain finding", "explainAction", keys.EXPLAIN_KEYS, self.explain_selected,
                                           "Show why the selected finding was flagged")
        self.run_detection_action = self._action("Run &detection", "runDetectionAction", keys.RUN_DETECTION_KEYS,
                                                 self.run_detection)
        self.cancel_detection_action = self._action("Cancel detection", "cancelDetectionAction", (),
                                                    self.detection.cancel)
        self.go_to_record_action = self._action("&Go to record\u2026", "goToRecordAction", keys.GO_TO_RECORD_KEYS,
                                                self.ask_go_to_record)
        self.find_action = self._action("&Find records\u2026", "findRecordsAction", keys.FIND_KEYS,
                                        self.record_panel.focus_search)
        self.bulk_action = self._action("&Bulk decision\u2026", "bulkRuleAction", (), self.open_bulk_rule_dialog)
        self.lists_action = self._action("Allow and deny &lists\u2026", "listsAction", (), self.open_lists_dialog)
        self.label_actions: dict[str, QAction] = {}
        label_menu = QMenu(self)
        for entity_type in ENTITY_TYPES:
            action = self._action(f"Label as {palette.entity_label(entity_type)}", f"label:{entity_type}",
                                  keys.label_keys(entity_type), lambda t=entity_type: self.apply_label(t))
            action.setIcon(self._swatch(entity_type))
            self.label_actions[entity_type] = action
            label_menu.addAction(action)
        self.label_button.setMenu(label_menu)
        self.accept_button.clicked.connect(self.accept_selected)
        self.reject_button.clicked.connect(self.reject_selected)
        self.explain_button.clicked.connect(self.explain_selected)
        self.bulk_button.clicked.connect(self.open_bulk_rule_dialog)
        self.lists_button.clicked.connect(self.open_lists_dialog)
        self.detection_settings_button.clicked.connect(self.open_detection_settings_dialog)
        self.detection_bar.run_button.clicked.connect(self.run_detection)
        self.detection_bar.cancel_button.clicked.connect(self.cancel_detection)

    @staticmethod
    def _swatch(entity_type: str):
        from privdesk.gui.theme import swatch_icon

        return swatch_icon(entity_type)

    def review_actions(self) -> list[QAction]:
        """The actions Help lists (in this order) and the window's Review menu offers."""
        return [self.accept_action, self.reject_action, self.delete_action, self.accept_rest_action,
                self.next_record_action, self.previous_record_action, self.explain_action,
                self.run_detection_action, self.go_to_record_action, self.find_action,
                *self.label_actions.values()]

    def _connect(self) -> None:
        session = self.session
        session.reset.connect(self._on_session_reset)
        session.records_changed.connect(self._on_records_changed)
        session.records_added.connect(self._on_records_added)
        session.filter_changed.connect(self._on_filter_changed)
        session.busy_changed.connect(self._on_busy_changed)
        session.failed.connect(self._on_failed)
        self.record_panel.current_record_changed.connect(self._on_current_record_changed)
        self.record_panel.criteria_changed.connect(self._on_criteria_changed)
        self.legend.hidden_types_changed.connect(self._on_hidden_types_changed)
        self.threshold_slider.valueChanged.connect(self._on_slider_moved)
        self.text_view.span_clicked.connect(self.select_span)
        self.text_view.span_resized.connect(self._on_span_dragged)
        self.text_view.navigate_spans.connect(self.step_span)
        self.text_view.resize_by_key.connect(self.resize_selected_by_key)
        self.text_view.menu_requested.connect(self._show_text_menu)
        self.text_view.text_selected.connect(lambda _selection: self._update_span_bar())
        self.findings_table.selectionModel().currentRowChanged.connect(self._on_finding_row_changed)
        self.findings_table.customContextMenuRequested.connect(self._show_findings_menu)
        self.detection.chunk.connect(self._on_detected_chunk)
        self.detection.progress.connect(self._on_detection_progress)
        self.detection.finished.connect(self._on_detection_finished)
        self.detection.cancelled.connect(self._on_detection_cancelled)
        self.detection.failed.connect(self._on_detection_failed)
        self.detection.running_changed.connect(self._on_detection_running)
        self.side_tabs.currentChanged.connect(lambda _i: self._refresh_values_if_shown())
        self.values_panel.refresh_requested.connect(self.refresh_values)
        self.values_panel.decide_requested.connect(self.decide_value_group)
        self.values_panel.show_records_requested.connect(self._show_group_records)
        self.values_panel.allow_list_requested.connect(lambda group: self.add_to_allow_list(group.value))
        self.values_panel.deny_list_requested.connect(lambda group: self.add_to_deny_list(group.value, group.entity_type))

    # == states ================================================================================

    def _show_empty_state(self) -> None:
        ready = self.session.ready
        self.detection_bar.run_button.setEnabled(ready and not self.detection.is_running)
        self.run_detection_action.setEnabled(ready and not self.detection.is_running)
        for widget in (self.threshold_slider, self.bulk_button, self.lists_button, self.detection_settings_button):
            widget.setEnabled(ready)
        self.bulk_action.setEnabled(ready)
        self.lists_action.setEnabled(ready)
        if not ready:
            self._shown_content = None
            self.record_title.setText("No dataset")
            self.text_view.show_message("Open a dataset on the Data tab (Ctrl+O). Its findings will be reviewed here.")
            self.detection_bar.show_status("")
            self._set_findings([])
            self._update_span_bar()
            self.record_panel.model.set_content(self.session.index, np.zeros(0, np.int64))
            self.record_panel.summary_label.setText("")
            self.legend.set_types((), {})

    def _on_session_reset(self) -> None:
        self._show_empty_state()
        if not self.session.ready:
            return
        self._update_legend()
        self._refresh_list(keep_record=True)
        self._emit_progress()
        self._values_stale = True
        self._refresh_values_if_shown()
        if self.project is not None and self.project.detection_count() == 0 and not self.detection.is_running:
            records = self.session.num_records
            self.detection_bar.show_status(f"{records:,} records not scanned yet: press Run detection (F5).")
        elif not self.detection.is_running:
            self.detection_bar.show_status(self._findings_summary())

    def _on_busy_changed(self, busy: bool, message: str) -> None:
        if busy:
            self.detection_bar.show_status(message)

    def _findings_summary(self) -> str:
        counts = self.session.index.status_counts()
        total = sum(counts.values())
        return (f"{total:,} findings shown \u00b7 {counts['pending']:,} to review \u00b7 "
                f"{counts['accepted']:,} accepted \u00b7 {counts['rejected']:,} rejected")

    def _refresh_summaries(self) -> None:
        self._update_list_summary()
        self._update_legend()
        self._emit_progress()
        if not self.detection.is_running and self.session.ready:
            self.detection_bar.show_status(self._findings_summary())

    def _emit_progress(self) -> None:
        done, with_findings = self.session.index.progress()
        self.progress_changed.emit(done, with_findings)

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    # == the record list ========================================================================

    def _on_criteria_changed(self) -> None:
        text = self.record_panel.search_text()
        self._search_mask = self._search(text) if text else None
        if self.project is not None:
            self.project.set_setting("review.sort", self.record_panel.sort_order())
        self._refresh_list(keep_record=True)

    def _search(self, text: str) -> np.ndarray:
        """Records whose text columns contain `text` (any case): one vectorised pass per column."""
        dataset = self.session.dataset
        mask = np.zeros(self.session.num_records, bool)
        if dataset is None:
            return mask
        for column in self.session.text_columns():
            values = dataset.table.column(column)
            if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
                try:
                    values = pc.cast(values, pa.string())
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    continue
            hits = pc.fill_null(pc.match_substring(values, text, ignore_case=True), False)
            mask |= np.asarray(hits.to_numpy(zero_copy_only=False), bool)
        return mask

    def _refresh_list(self, *, keep_record: bool) -> None:
        index = self.session.index
        order = index.order(self.record_panel.sort_order(), self.record_panel.states(), among=self._search_mask)
        previous = self._record
        self.record_panel.model.set_content(index, order)
        self._update_list_summary()
        if keep_record and previous is not None and self.record_panel.select_record(previous):
            return
        if len(order):
            self.record_panel.select_row(0)
        else:
            self._record = None
            self._show_no_record()

    def _update_list_summary(self) -> None:
        listed = self.record_panel.model.rowCount()
        done, with_findings = self.session.index.progress()
        self.record_panel.summary_label.setText(
            f"{listed:,} listed \u00b7 {done:,} of {with_findings:,} records with findings done")

    def _show_no_record(self) -> None:
        self._shown_content = None
        self.record_title.setText("No record selected")
        if self.project is not None and self.project.detection_count() == 0 and not self.detection.is_running:
            message = (f"Nothing to review yet. Press Run detection (F5) to find PII in "
                       f"{self.session.num_records:,} records, or choose \u201cAll records\u201d to add findings by hand.")
        else:
            message = "No record matches the current filter."
        self.text_view.show_message(message)
        self._set_findings([])
        self._update_span_bar()

    def _on_current_record_changed(self, record: int | None) -> None:
        if record is None:
            return
        self._record = record
        self._show_record(record, None)

    def _on_records_changed(self, records: np.ndarray) -> None:
        self.record_panel.model.records_changed(records)
        self._summary_timer.start()  # counts, legend and progress follow a moment later, coalesced
        self._values_stale = True
        if self._record is not None and self._record in set(records.tolist()):
            self._show_record(self._record, self._after_decision_key or self.text_view.selected_key)
        self._after_decision_key = None

    def _on_records_added(self, first: int, stop: int) -> None:
        index = self.session.index
        among = np.arange(first, stop)
        if self._search_mask is not None:
            among = among[self._search_mask[first:stop]]
        new = index.order(self.record_panel.sort_order(), self.record_panel.states(), among=among)
        self.record_panel.model.append_records(new)
        self._summary_timer.start()  # counts, legend and progress: at most a few times a second
        self._values_stale = True
        if self._record is None and self.record_panel.model.rowCount():
            self.record_panel.select_row(0)
        elif self._record is not None and first <= self._record < stop:
            self._show_record(self._record, self.text_view.selected_key)

    def ask_go_to_record(self) -> None:
        if not self.session.ready:
            return
        number, ok = QInputDialog.getInt(self, "Go to record", "Record number:",
                                         (self._record or 0) + 1, 1, max(self.session.num_records, 1))
        if ok:
            self.select_record(number - 1)

    def _show_group_records(self, group: ValueGroup) -> None:
        mask = np.zeros(self.session.num_records, bool)
        mask[group.records[group.records < len(mask)]] = True
        self._search_mask = mask
        self.record_panel.search_edit.blockSignals(True)
        self.record_panel.search_edit.setText(group.value)
        self.record_panel.search_edit.blockSignals(False)
        self.record_panel.filter_combo.setCurrentIndex(self.record_panel.filter_combo.count() - 1)
        self._refresh_list(keep_record=False)

    # == the record on screen ===================================================================

    def _segments(self, record: int, spans: list[tuple[Span, str]]) -> list[tuple[str, str, str]]:
        session = self.session
        columns = session.text_columns()
        with_spans = {span.column for span, _status in spans}
        columns += [c for c in session.dataset.columns if c in with_spans and c not in columns]
        segments = []
        for column in columns:
            role = session.roles.get(column, ColumnRole("text"))
            header = column if role.kind != "identifier" else f"{column.upper()}  \u00b7  identifier ({role.entity_type})"
            segments.append((column, header, session.cell_text(record, column)))
        return segments

    def _show_record(self, record: int, selected: SpanKey | None) -> None:
        session = self.session
        if not session.ready or not 0 <= record < session.num_records:
            return
        every_span = session.spans(record)
        shows = session.view_filter.shows
        spans = [(span, status) for span, status in every_span
                 if shows(span.entity_type, span.score, status, span.recognizer)]
        segments = self._segments(record, spans)
        texts = {column: text for column, _header, text in segments}
        findings = [Finding(span, status, texts.get(span.column, "")[span.start:span.end]) for span, status in spans]
        findings.sort(key=lambda f: ([s[0] for s in segments].index(f.span.column) if f.span.column in texts else 99,
                                     f.span.start, f.span.end))
        shown = [ShownSpan(f.key, f.span.column, f.span.start, f.span.end, f.span.entity_type, f.status, f.span.score)
                 for f in findings]
        self._set_findings(findings)
        if selected is None or not any(f.key == selected for f in findings):
            # Start on the first finding still to review, so A and R work at once.
            candidates = [f for f in findings if f.status == "pending"] or findings
            selected = candidates[0].key if candidates else None
        if (record, segments) == self._shown_content:
            self.text_view.set_spans(shown, None)  # same text, new decisions: keep the laid-out document
        else:
            self.text_view.set_record(segments, shown, None)
            self._shown_content = (record, segments)
        total_pending = sum(1 for f in findings if f.status == "pending")
        hidden = len(every_span) - len(findings)
        title = f"Record {record + 1:,} of {session.num_records:,} \u00b7 {len(findings)} finding{'s' if len(findings) != 1 else ''}"
        if findings:
            title += f", {total_pending} to review"
        if hidden > 0:
            title += f" ({hidden} hidden by the filters)"
        self.record_title.setText(title)
        self.select_span(selected)

    def _set_findings(self, findings: list[Finding]) -> None:
        self._findings = findings
        self._syncing_selection = True
        try:
            self.findings_model.set_findings(findings)
        finally:
            self._syncing_selection = False

    def _on_finding_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing_selection or not current.isValid():
            return
        self.select_span(current.data(SPAN_KEY_ROLE))

    def step_span(self, delta: int) -> None:
        if not self._findings:
            return
        keys_ = [f.key for f in self._findings]
        current = self.text_view.selected_key
        if current not in keys_:
            target = 0 if delta > 0 else len(keys_) - 1
        else:
            target = (keys_.index(current) + delta) % len(keys_)
        self.select_span(keys_[target])

    def _update_span_bar(self) -> None:
        finding = self.selected_finding()
        selection = self.text_view.text_selection()
        has_span = finding is not None
        for action in (self.accept_action, self.reject_action, self.delete_action, self.explain_action):
            action.setEnabled(has_span)
        self.accept_button.setEnabled(has_span and finding.status != "accepted")
        self.reject_button.setEnabled(has_span and finding.status != "rejected")
        self.explain_button.setEnabled(has_span)
        self.label_button.setEnabled(has_span or selection is not None)
        self.accept_rest_action.setEnabled(self._record is not None)
        if selection is not None:
            _column, start, end = selection
            self.span_label.setText(f"Selected text ({end - start} characters): press a label key, "
                                    f"or use <b>Label as</b>, to add it as a finding")
        elif finding is not None:
            colour = palette.entity_color(finding.span.entity_type, False)
            text = finding.text if len(finding.text) <= 60 else finding.text[:60] + "\u2026"
            score = "" if finding.span.recognizer == "analyst" else f" \u00b7 score {finding.span.score:.2f}"
            self.span_label.setText(
                f"<span style='background:{colour};color:#1a1a1a'>&nbsp;{html.escape(palette.entity_label(finding.span.entity_type))}&nbsp;</span>"
                f" <b>{html.escape(text)}</b>{score} \u00b7 {finding.decision_text}")
        else:
            self.span_label.setText("Click a finding, or press Tab, to select it." if self._findings else "")

    # == decisions ===============================================================================

    @staticmethod
    def _target(finding: Finding) -> dict[str, int]:
        kind, ident = finding.key
        return {"detection_id": ident} if kind == "detection" else {"added_span": ident}

    def _next_key_after(self, finding: Finding) -> SpanKey | None:
        keys_ = [f.key for f in self._findings]
        position = keys_.index(finding.key)
        later = [f for f in self._findings[position + 1:] if f.status == "pending"]
        return later[0].key if later else finding.key

    def _decide_on_selected(self, action: str, text: str, *, advance: bool = True, **fields: Any) -> bool:
        finding = self.selected_finding()
        if finding is None:
            return False
        request = DecisionRequest(action, **self._target(finding), **fields)  # type: ignore[arg-type]
        self._after_decision_key = self._next_key_after(finding) if advance else finding.key
        done = self.session.decide([request], text)
        if not done:
            self._after_decision_key = None
        return done

    def accept_selected(self) -> bool:
        finding = self.selected_finding()
        if finding is None:
            return False
        if finding.status == "accepted":
            self.select_span(self._next_key_after(finding))
            return False
        return self._decide_on_selected("accept", f"Accept {finding.span.entity_type}")

    def reject_selected(self) -> bool:
        finding = self.selected_finding()
        if finding is None:
            return False
        if finding.status == "rejected":
            self.select_span(self._next_key_after(finding))
            return False
        return self._decide_on_selected("reject", f"Reject {finding.span.entity_type}")

    def delete_selected(self) -> bool:
        finding = self.selected_finding()
        if finding is None or finding.status == "rejected":
            return False
        return self._decide_on_selected("reject", f"Delete {finding.span.entity_type}")

    def relabel_selected(self, entity_type: str) -> bool:
        finding = self.selected_finding()
        if finding is None:
            return False
        if finding.span.entity_type == entity_type:
            return self.accept_selected()
        return self._decide_on_selected("relabel", f"Relabel as {entity_type}", advance=False, entity_type=entity_type)

    def add_span(self, column: str, start: int, end: int, entity_type: str) -> bool:
        if self._record is None or end <= start:
            return False
        record = self._record
        request = DecisionRequest("add", record=record, column=column, start=start, end=end, entity_type=entity_type)
        before = {f.key for f in self._findings}
        if not self.session.decide([request], f"Add {entity_type}"):
            return False
        self.text_view.clear_text_selection()
        added = [f.key for f in self._findings if f.key not in before]
        if added:
            self.select_span(added[0])
        return True

    def apply_label(self, entity_type: str) -> bool:
        """A label key: add the selected text as `entity_type`, or relabel the selected finding."""
        selection = self.text_view.text_selection()
        if selection is not None:
            column, start, end = selection
            return self.add_span(column, start, end, entity_type)
        return self.relabel_selected(entity_type)

    def resize_selected(self, start: int, end: int, *, merge: bool = False) -> bool:
        finding = self.selected_finding()
        if finding is None or self._record is None:
            return False
        text_length = len(self.session.cell_text(self._record, finding.span.column))
        start, end = max(0, start), min(text_length, end)
        if end <= start or (start, end) == (finding.span.start, finding.span.end):
            return False
        merge_key = ("resize", finding.key) if merge else None
        request = DecisionRequest("resize", **self._target(finding), start=start, end=end)  # type: ignore[arg-type]
        self._after_decision_key = finding.key
        return self.session.decide([request], f"Resize {finding.span.entity_type}", merge_key)

    @Slot(str, int, bool)
    def resize_selected_by_key(self, edge: str, delta: int, by_word: bool) -> None:
        finding = self.selected_finding()
        if finding is None or self._record is None:
            return
        text = self.session.cell_text(self._record, finding.span.column)
        start, end = finding.span.start, finding.span.end
        if edge == "end":
            end = word_boundary(text, end, delta) if by_word else end + delta
        else:
            start = word_boundary(text, start, delta) if by_word else start + delta
        self.resize_selected(start, end, merge=True)

    def _on_span_dragged(self, key: SpanKey, start: int, end: int) -> None:
        if key != self.text_view.selected_key:
            self.select_span(key)
        if not self.resize_selected(start, end) and self._record is not None:
            self._show_record(self._record, key)  # put the dragged end back

    def accept_rest_and_next(self) -> None:
        if self._record is None:
            return
        requests = accept_pending_requests(self.session.index, self._record)
        if requests:
            self.session.decide(requests, f"Accept the rest of record {self._record + 1}")
        self.record_panel.step(1)

    # == bulk, values, lists ========================================================================

    def open_bulk_rule_dialog(self, entity_type: str | None = None) -> BulkRuleDialog | None:
        if not self.session.ready:
            return None
        index = self.session.index
        types = [t for t in index.type_counts(apply_threshold=False)]
        finding = self.selected_finding()
        preset = entity_type or (finding.span.entity_type if finding is not None else None)
        dialog = BulkRuleDialog(types, self._preview_rule, self, entity_type=preset,
                                score=round(self.session.view_filter.threshold, 2) or 0.5)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_rule(dialog.rule()))
        dialog.open()
        return dialog

    def _preview_rule(self, rule: ScoreRule) -> tuple[int, int]:
        rows = rule_rows(self.session.index, rule)
        return len(rows), count_records(self.session.index, rows)

    def apply_rule(self, rule: ScoreRule | None) -> bool:
        if rule is None:
            return False
        requests = rule_requests(self.session.index, rule)
        if not requests:
            self.status_message.emit("The rule changes nothing.")
            return False
        done = self.session.decide(requests, rule.describe())
        if done:
            self.status_message.emit(f"{rule.describe()}: {len(requests):,} findings changed.")
        return done

    def decide_value_group(self, group: ValueGroup, action: str) -> bool:
        requests = occurrence_requests(self.session.index, group.detection_ids, group.added_spans, action)
        if not requests:
            self.status_message.emit(f"Every \u201c{group.value}\u201d is already {action}ed.")
            return False
        verb = "Accept" if action == "accept" else "Reject"
        done = self.session.decide(requests, f"{verb} every \u201c{group.value}\u201d")
        if done:
            self.status_message.emit(f"{verb}ed {len(requests):,} occurrences of \u201c{group.value}\u201d.")
            self.refresh_values()
        return done

    def decide_every_occurrence(self, value: str, action: str, entity_type: str | None = None) -> None:
        """Accept or reject every span in the dataset whose text reads like `value` (in the background)."""
        if not self.session.ready:
            return
        rows = self.session.index.rows_snapshot()
        worker = Worker(find_value_occurrences, rows, self.session.dataset, value, entity_type, name="find occurrences")
        verb = "Accept" if action == "accept" else "Reject"

        def found(result: tuple[np.ndarray, np.ndarray]) -> None:
            requests = occurrence_requests(self.session.index, result[0], result[1], action)
            if not requests:
                self.status_message.emit(f"Every \u201c{value}\u201d is already {action}ed.")
                return
            if self.session.decide(requests, f"{verb} every \u201c{value}\u201d"):
                self.status_message.emit(f"{verb}ed {len(requests):,} occurrences of \u201c{value}\u201d.")

        worker.signals.finished.connect(found)
        worker.signals.failed.connect(lambda error: self._on_failed(error, "Finding every occurrence"))
        self._keep(worker)
        worker.start(self._pool())

    def _pool(self):
        from PySide6.QtCore import QThreadPool

        return self._thread_pool if self._thread_pool is not None else QThreadPool.globalInstance()

    def _keep(self, worker: Worker) -> None:
        """Hold a reference until the worker ends (its signals object must outlive the queued signals)."""
        self._running_workers.append(worker)
        for signal in (worker.signals.finished, worker.signals.failed, worker.signals.cancelled):
            signal.connect(lambda *_args, w=worker: self._running_workers.remove(w) if w in self._running_workers else None)

    def _refresh_values_if_shown(self) -> None:
        if self.side_tabs.currentWidget() is self.values_panel and self._values_stale and self.session.ready:
            self.refresh_values()

    def refresh_values(self) -> None:
        if not self.session.ready:
            return
        if self._values_worker is not None:
            self._values_worker.cancel()
        rows = self.session.index.rows_snapshot(self.session.index.rows(visible_only=False))
        worker = Worker(group_dataset_values, rows, self.session.dataset, name="group values")
        self._values_worker = worker
        self._values_stale = False
        self.values_panel.status_label.setText("Grouping the findings by value\u2026")

        def done(result: tuple[Any, dict]) -> None:
            if self._values_worker is worker:
                self._values_worker = None
                self.values_panel.set_groups(result[1])

        worker.signals.finished.connect(done)
        worker.signals.failed.connect(lambda error: self._on_failed(error, "Grouping the findings"))
        self._keep(worker)
        worker.start(self._pool())

    def _lists(self) -> ReviewLists | None:
        """The project's allow/deny lists; None (after telling the analyst) when they cannot be read, e.g. the
        project's key file is missing: callers then stop, so nothing saved is overwritten with empty lists."""
        if self.project is None:
            return ReviewLists()
        try:
            return read_lists(self.project)
        except PrivDeskError as error:
            self._on_failed(error, "Reading the allow and deny lists")
            return None

    def open_lists_dialog(self) -> ListsDialog | None:
        if self.project is None:
            return None
        lists = self._lists()
        if lists is None:
            return None
        dialog = ListsDialog(lists, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._on_lists_dialog_done(dialog, result))
        dialog.open()
        return dialog

    def _on_lists_dialog_done(self, dialog: ListsDialog, result: int) -> None:
        if result == ListsDialog.DialogCode.Rejected or self.project is None:
            return
        lists = dialog.lists()
        if not self._save_lists(lists):
            return
        if result == APPLY_NOW:
            self.apply_lists(lists)
        elif result == RERUN:
            self.run_detection()

    def open_detection_settings_dialog(self) -> DetectionSettingsDialog | None:
        if self.project is None:
            return None
        record, dataset = self.current_record, self.session.dataset
        sample = "" if record is None or dataset is None else "\n".join(
            dataset.text(record, column) for column, role in self.session.roles.items() if role.kind == "text")
        try:
            dialog = DetectionSettingsDialog(self.project, sample, self)
        except DetectionConfigError as error:  # damaged stored settings: say so, and start from the defaults
            self._on_failed(error, "Reading the detection settings")
            dialog = DetectionSettingsDialog(self.project, sample, self, options=DetectionOptions())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.status_message.emit("Detection settings saved; the next run uses them."))
        dialog.open()
        return dialog

    def _save_lists(self, lists: ReviewLists) -> bool:
        try:
            write_lists(self.project, lists)
        except Exception as error:  # noqa: BLE001 - shown to the analyst
            self._on_failed(error, "Saving the lists")
            return False
        self.status_message.emit(f"Lists saved: {len(lists.allow)} allowed, "
                                 f"{sum(len(t) for t in lists.deny.values())} denied terms. Detection will use them.")
        return True

    def apply_lists(self, lists: ReviewLists, text: str = "Apply the allow and deny lists") -> None:
        """Reject allow-listed findings and add missed deny-listed terms, keeping every decision (one step)."""
        if not self.session.ready or lists.is_empty:
            return
        rows = self.session.index.rows_snapshot()
        columns = [c for c in self.session.text_columns() if self.session.roles.get(c, ColumnRole("text")).kind == "text"]
        worker = Worker(apply_review_lists, rows, self.session.dataset, columns, lists, name="apply lists")

        def done(effects) -> None:
            requests = occurrence_requests(self.session.index, effects.reject_ids, np.zeros(0, np.int64), "reject")
            requests += effects.additions
            if not requests:
                self.status_message.emit("The lists change nothing in the current findings.")
                return
            if self.session.decide(requests, text):
                self.status_message.emit(f"Lists applied: {len(requests) - len(effects.additions):,} findings rejected, "
                                         f"{len(effects.additions):,} added.")

        worker.signals.finished.connect(done)
        worker.signals.failed.connect(lambda error: self._on_failed(error, "Applying the lists"))
        self._keep(worker)
        worker.start(self._pool())

    def add_to_allow_list(self, value: str) -> None:
        if self.project is None or not value.strip():
            return
        lists = self._lists()
        if lists is None:
            return
        if value not in lists.allow:
            lists.allow.append(value)
        if self._save_lists(lists):
            self.apply_lists(ReviewLists([value], {}), f"Allow \u201c{value}\u201d")

    def add_to_deny_list(self, value: str, entity_type: str) -> None:
        if self.project is None or not value.strip():
            return
        lists = self._lists()
        if lists is None:
            return
        terms = lists.deny.setdefault(entity_type, [])
        if value not in terms:
            terms.append(value)
        if self._save_lists(lists):
            self.apply_lists(ReviewLists([], {entity_type: [value]}), f"Deny \u201c{value}\u201d as {entity_type}")

    # == filter =================================================================================

    def _set_slider(self, threshold: float) -> None:
        self.threshold_slider.blockSignals(True)
        self.threshold_slider.setValue(round(threshold * 100))
        self.threshold_slider.blockSignals(False)
        self.threshold_label.setText(f"\u2265 {threshold:.2f}")

    def _on_slider_moved(self, value: int) -> None:
        threshold = value / 100
        self.threshold_label.setText(f"\u2265 {threshold:.2f}")
        self.session.set_filter(ViewFilter(threshold, self.session.view_filter.hidden_types))

    def _on_hidden_types_changed(self, hidden: frozenset) -> None:
        self.session.set_filter(ViewFilter(self.session.view_filter.threshold, frozenset(hidden)))

    def _on_filter_changed(self) -> None:
        self._update_legend()
        self._refresh_list(keep_record=True)
        if self._record is not None:
            self._show_record(self._record, self.text_view.selected_key)
        self._emit_progress()
        if not self.detection.is_running:
            self.detection_bar.show_status(self._findings_summary())

    def _update_legend(self) -> None:
        self.legend.set_types((), self.session.index.type_counts())

    # == detection =================================================================================

    def run_detection(self) -> None:
        """Detect PII over the whole dataset; asks before discarding the findings of an earlier run."""
        if not self.session.ready or self.detection.is_running:
            return
        project = self.project
        assert project is not None
        existing = project.detection_count()
        start_record, fresh = 0, True
        if existing:
            decided = len(project.decisions())
            scanned = int(self.session.index.scanned.sum())
            box = QMessageBox(QMessageBox.Icon.Question, "Run detection again?",
                              f"The project holds {existing:,} findings from the last detection run"
                              + (f" and {decided:,} decisions" if decided else "") + ".", parent=self)
            box.setObjectName("rerunDialog")
            box.setInformativeText("Running detection again discards those findings and the decisions made about "
                                   "them. Findings you added by hand stay. This cannot be undone.")
            rerun = box.addButton("Discard and run again", QMessageBox.ButtonRole.DestructiveRole)
            resume = None
            if 0 < scanned < self.session.num_records:
                resume = box.addButton(f"Continue from record {scanned + 1:,}", QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.setDefaultButton(resume or QMessageBox.StandardButton.Cancel)  # type: ignore[arg-type]
            box.exec()
            clicked = box.clickedButton()
            if clicked is resume and resume is not None:
                start_record, fresh = scanned, False
            elif clicked is not rerun:
                return
        if fresh and existing:
            project.clear_detections()
            self.undo_stack.clear()
            self.session.replace_index(build_index(project, self.session.num_records))
        self._start_detection(start_record, fresh)

    def _start_detection(self, start_record: int, fresh: bool) -> None:
        project, dataset = self.project, self.session.dataset
        assert project is not None and dataset is not None
        roles = self.session.roles
        project.set_column_roles(roles)
        lists = self._lists()
        if lists is None:
            return
        settings: dict[str, Any] = dict(lists.detection_fields())
        settings["allow_list"] = list(settings["allow_list"])
        # A worker process for the pattern recognizers when a CPU is free beyond the one the window needs.
        settings["jobs"] = default_jobs(spare=1)
        threshold = project.get_setting(SETTING_DETECTION_THRESHOLD)
        if threshold is not None:
            settings["threshold"] = float(threshold)
        try:
            settings.update(read_detection_options(project).detection_fields())
        except DetectionConfigError as error:  # damaged stored settings: shown to the analyst
            self._on_failed(error, "Reading the detection settings")
            return
        tagger_secret = None
        if settings.get("use_transformer") and settings.get("transformer_model") and project.needs_passphrase():
            from privdesk.core.ner.model import is_privdesk_tagger

            if is_privdesk_tagger(settings["transformer_model"]):
                try:
                    tagger_secret = project.project_secret()  # unlocked when the project was opened
                except PrivDeskError as error:
                    self._on_failed(error, "Unlocking the tuned tagger")
                    return
        job = DetectionJob(
            tagger_secret=tagger_secret,
            project_path=project.path, dataset_path=dataset.path,
            read_options={"format": dataset.format, "encoding": dataset.encoding, "delimiter": dataset.delimiter,
                          "text_split": dataset.text_split or "line"},
            column_roles={column: str(role) for column, role in roles.items()},
            settings=settings, start_record=start_record, fresh=fresh)
        self._detected_findings = 0
        self._detection_first_record = start_record
        self.detection_bar.show_progress(None, "Starting detection\u2026")
        self.detection.start(job, project, dataset)

    def cancel_detection(self) -> None:
        self.detection.cancel()
        self.detection_bar.cancel_button.setEnabled(False)
        self.detection_bar.show_status("Cancelling\u2026 (the findings so far are kept)")

    def _on_detection_running(self, running: bool) -> None:
        self.detection_bar.set_running(running)
        self.run_detection_action.setEnabled(not running and self.session.ready)
        self.cancel_detection_action.setEnabled(running)
        self.detection_running_changed.emit(running)

    def _on_detection_progress(self, info: ProgressInfo) -> None:
        if info.total is None and info.done == 0 and info.message:
            self.detection_bar.show_progress(None, info.message)
            return
        total = self.session.num_records
        first = getattr(self, "_detection_first_record", 0)
        fraction = (first + info.done) / total if total else None
        self.detection_bar.show_progress(fraction, describe_detection_progress(info, first, total, self._detected_findings))

    def _on_detected_chunk(self, chunk: DetectedChunk) -> None:
        self._detected_findings += len(chunk.detections)
        self.session.add_detections(chunk.first_record, chunk.stop_record, chunk.detections)

    def _on_detection_finished(self, outcome: DetectionOutcome) -> None:
        self._summary_timer.stop()
        self._refresh_summaries()
        self.status_message.emit(f"Detection done: {outcome.detections:,} findings in {outcome.records_done:,} records "
                                 f"({outcome.seconds:.0f} s).")
        self._refresh_list(keep_record=True)
        self.detection_bar.show_status(self._findings_summary())

    def _on_detection_cancelled(self) -> None:
        self._summary_timer.stop()
        self._refresh_summaries()
        self.status_message.emit("Detection cancelled; the findings so far are kept.")
        self._refresh_list(keep_record=True)
        self.detection_bar.show_status("Detection cancelled. " + self._findings_summary())

    def _on_detection_failed(self, error: BaseException) -> None:
        self._refresh_list(keep_record=True)
        self.detection_bar.show_status("Detection stopped with an error. " + self._findings_summary())
        error_dialog(self.window(), error, action="Detection")

    # == explain ==================================================================================

    def explain_selected(self) -> None:
        finding = self.selected_finding()
        if finding is None or self._record is None:
            return
        self.side_tabs.setCurrentIndex(0)
        self.explain_panel.show_busy()
        text = self.session.cell_text(self._record, finding.span.column)
        stored = self._lists()
        if stored is None:
            self.explain_panel.show_hint()
            return
        lists = stored.detection_fields()
        settings = {"allow_list": list(lists["allow_list"]), "deny_list": lists["deny_list"]}
        worker = Worker(explain_finding, finding.span, text, settings, name="explain")
        if self._explain_worker is not None:
            self._explain_worker.cancel()
        self._explain_worker = worker

        def done(explanation) -> None:
            if self._explain_worker is worker and self.selected_finding() is not None \
                    and self.selected_finding().key == finding.key:
                self.explain_panel.show_explanation(explanation, finding.text)
            self._explain_worker = None if self._explain_worker is worker else self._explain_worker

        worker.signals.finished.connect(done)
        worker.signals.failed.connect(lambda error: self._on_failed(error, "Explaining the finding"))
        self._keep(worker)
        worker.start(self._pool())

    # == menus ====================================================================================

    def _label_menu(self, parent: QMenu, title: str, handler) -> QMenu:
        menu = parent.addMenu(title)
        counts = self.session.index.type_counts(apply_threshold=False)
        ordered = sorted(ENTITY_TYPES, key=lambda t: (-counts.get(t, 0), ENTITY_TYPES.index(t)))
        for entity_type in ordered:
            shortcut = "/".join(keys.label_keys(entity_type))
            action = menu.addAction(self._swatch(entity_type), f"{palette.entity_label(entity_type)}"
                                    + (f"\t{shortcut}" if shortcut else ""))
            action.triggered.connect(lambda _checked=False, t=entity_type: handler(t))
        return menu

    def _show_text_menu(self, key: SpanKey | None, position: QPoint) -> None:
        menu = QMenu(self)
        selection = self.text_view.text_selection()
        if selection is not None:
            column, start, end = selection
            self._label_menu(menu, "Add as", lambda t: self.add_span(column, start, end, t))
            value = self.session.cell_text(self._record, column)[start:end] if self._record is not None else ""
            if value.strip():
                self._label_menu(menu, f"Add \u201c{value[:30]}\u201d to the deny list as",
                                 lambda t, v=value: self.add_to_deny_list(v, t))
        elif key is not None:
            self.select_span(key)
            finding = self.selected_finding()
            if finding is not None:
                self._finding_menu(menu, finding)
        if menu.actions():
            menu.exec(position)

    def _show_findings_menu(self, point: QPoint) -> None:
        index = self.findings_table.indexAt(point)
        if not index.isValid():
            return
        self.select_span(index.data(SPAN_KEY_ROLE))
        finding = self.selected_finding()
        if finding is None:
            return
        menu = QMenu(self)
        self._finding_menu(menu, finding)
        menu.exec(self.findings_table.viewport().mapToGlobal(point))

    def _finding_menu(self, menu: QMenu, finding: Finding) -> None:
        menu.addAction(self.accept_action)
        menu.addAction(self.reject_action)
        self._label_menu(menu, "Label as", self.relabel_selected)
        menu.addAction(self.explain_action)
        value = " ".join(finding.text.split())
        if value:
            short = value if len(value) <= 30 else value[:30] + "\u2026"
            menu.addSeparator()
            menu.addAction(f"Accept every \u201c{short}\u201d",
                           lambda: self.decide_every_occurrence(value, "accept"))
            menu.addAction(f"Reject every \u201c{short}\u201d",
                           lambda: self.decide_every_occurrence(value, "reject"))
            menu.addAction(f"Add \u201c{short}\u201d to the allow list", lambda: self.add_to_allow_list(value))
            menu.addAction(f"Add \u201c{short}\u201d to the deny list as {finding.span.entity_type}",
                           lambda: self.add_to_deny_list(value, finding.span.entity_type))
        menu.addSeparator()
        menu.addAction(f"Bulk decision about {palette.entity_label(finding.span.entity_type)}\u2026",
                       lambda: self.open_bulk_rule_dialog(finding.span.entity_type))

    # == errors and focus ===========================================================================

    def _on_failed(self, error: BaseException, action: str) -> None:
        error_dialog(self.window(), error, action=action)
        self.status_message.emit(f"{action} failed.")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        QTimer.singleShot(0, self._focus_text)

    def _focus_text(self) -> None:
        """Give the text the keyboard when the tab is shown, unless the focus is already inside the tab."""
        focused = QApplication.focusWidget()
        if self.isVisible() and (focused is None or not self.isAncestorOf(focused)):
            self.text_view.setFocus(Qt.FocusReason.OtherFocusReason)


__all__ = ["ReviewTab", "word_boundary"]
