"""The Data tab: open a dataset, see its rows, its summary and the role of each column.

Loading runs in a Worker (inspect for the summary, then read the rows) with a progress bar and a
Cancel button; the dataset shown before stays in place until the new one has loaded, so a
failed or cancelled load changes nothing. Role edits are undoable (the tab's `undo_stack`).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QPalette, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.dataset import Dataset, DatasetSummary, ReadOptions
from privdesk.core.progress import ProgressInfo
from privdesk.core.types import ColumnRole
from privdesk.gui.error_reporting import error_dialog
from privdesk.gui.models.dataset_model import DatasetTableModel
from privdesk.gui.tasks import DatasetPreview, LoadedDataset, load_dataset
from privdesk.gui.widgets.column_roles_table import ColumnRolesTable
from privdesk.gui.widgets.dataset_details import DatasetDetails, describe_delimiter
from privdesk.gui.workers import ThreadPoolLike, Worker

log = logging.getLogger(__name__)

PROGRESS_STEPS = 1000
EMPTY_HINT = (
    "<h2>Open a dataset</h2>"
    "<p>Click <b>Open dataset\u2026</b>, use <b>File \u25b8 Open dataset\u2026</b> (Ctrl+O), "
    "or drop a file onto this window.</p>"
    "<p>PrivDesk reads CSV, TSV, JSON, JSONL, Parquet and plain text files. "
    "It only ever reads your file; it never changes it.</p>"
)


def human_size(size_bytes: int | None) -> str:
    """Binary units, as privdesk-cli inspect prints them, so both show the same number."""
    if size_bytes is None:
        return "size unknown"
    size = float(size_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size):,} bytes" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def describe_format(summary: DatasetSummary) -> str:
    text = str(summary.format).upper()
    if summary.delimiter and summary.format in ("csv", "tsv"):
        expected = "," if summary.format == "csv" else "\t"
        if summary.delimiter != expected:
            text += f" ({describe_delimiter(summary.delimiter)}-separated)"
    return text


def summary_text(summary: DatasetSummary) -> str:
    """One line of rich text: name, rows x columns, format, encoding, size, warnings."""
    warnings = len(summary.warnings)
    parts = [
        f"<b>{html.escape(Path(summary.path).name)}</b>",
        f"{summary.num_rows:,} rows \u00d7 {len(summary.columns)} columns",
        describe_format(summary),
        html.escape(str(summary.encoding)) if summary.encoding else "encoding n/a",
        human_size(summary.size_bytes),
        "no warnings" if warnings == 0 else f"{warnings} warning{'s' if warnings != 1 else ''}",
    ]
    return " \u00b7 ".join(parts)


def describe_progress(info: ProgressInfo, phase: str) -> str:
    text = info.message or phase
    if info.fraction is not None:
        text += f" \u2014 {info.fraction:.0%}"
    if info.eta_s is not None and info.elapsed_s >= 1.0:
        text += f", about {info.eta_s:.0f} s left"
    return text


class _SetRoleCommand(QUndoCommand):
    def __init__(self, tab: "DataTab", column: str, old: ColumnRole, new: ColumnRole) -> None:
        super().__init__(f"Set role of {column} to {new}")
        self._tab, self._column, self._old, self._new = tab, column, old, new

    def redo(self) -> None:
        self._tab._apply_role(self._column, self._new)

    def undo(self) -> None:
        self._tab._apply_role(self._column, self._old)


class _LoadSession(QObject):
    """Receives one load's worker signals in the GUI thread and hands them to the tab, saying which load it is.

    A QObject of its own, rather than the tab's slots and sender(), so that signals from a load that
    a newer one replaced are recognised and dropped, and so that deleting the session discards any
    of its signals still queued.
    """

    def __init__(self, tab: "DataTab", worker: Worker) -> None:
        super().__init__(tab)
        self.tab = tab
        self.worker = worker
        signals = worker.signals
        signals.started.connect(self.on_started)
        signals.progress.connect(self.on_progress)
        signals.partial_result.connect(self.on_partial_result)
        signals.finished.connect(self.on_finished)
        signals.failed.connect(self.on_failed)
        signals.cancelled.connect(self.on_cancelled)

    @Slot()
    def on_started(self) -> None:
        self.tab._on_started(self)

    @Slot(object)
    def on_progress(self, info: ProgressInfo) -> None:
        self.tab._on_progress(self, info)

    @Slot(object)
    def on_partial_result(self, value: object) -> None:
        if isinstance(value, DatasetPreview):
            self.tab._on_preview(self, value)
        else:
            self.tab._on_summary(self, value)  # type: ignore[arg-type]

    @Slot(object)
    def on_finished(self, loaded: LoadedDataset) -> None:
        self.tab._on_finished(self, loaded)

    @Slot(object)
    def on_failed(self, error: BaseException) -> None:
        self.tab._on_failed(self, error)

    @Slot()
    def on_cancelled(self) -> None:
        self.tab._on_cancelled(self)


class DataTab(QWidget):
    roles_changed = Signal(dict)  # column name -> ColumnRole, after every user edit (and its undo/redo)
    dataset_loaded = Signal(object)  # privdesk.core.dataset.Dataset
    loading_changed = Signal(bool)
    load_failed = Signal(object)  # the exception
    load_cancelled = Signal()
    status_message = Signal(str)  # a short note for the status bar
    open_requested = Signal()  # the Open dataset... button: the window asks for a file (it knows the last folder)

    def __init__(self, thread_pool: ThreadPoolLike | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataTab")
        self._thread_pool: ThreadPoolLike = thread_pool if thread_pool is not None else QThreadPool.globalInstance()
        self._session: _LoadSession | None = None
        self._loading_path: Path | None = None
        self._pending_summary: DatasetSummary | None = None
        self._dataset: Dataset | None = None
        self._summary: DatasetSummary | None = None
        self._showing_preview = False
        self.undo_stack = QUndoStack(self)
        self.model = DatasetTableModel(self)
        self._build()
        self._show_progress(False)

    # -- public API ---------------------------------------------------------------------------

    @property
    def dataset(self) -> Dataset | None:
        return self._dataset

    @property
    def summary(self) -> DatasetSummary | None:
        return self._summary

    @property
    def is_loading(self) -> bool:
        return self._session is not None

    @property
    def loading_worker(self) -> Worker | None:
        """The worker of the load in progress, if any (to follow its signals)."""
        return self._session.worker if self._session is not None else None

    def roles(self) -> dict[str, ColumnRole]:
        return self.columns_table.roles()

    def apply_roles(self, roles: dict[str, ColumnRole]) -> None:
        """Show roles that come from elsewhere (a reopened project), without an undo step or a roles_changed."""
        known = self.columns_table.roles()
        for column, role in roles.items():
            if column in known and known[column] != role:
                self.columns_table.set_role(column, role)

    def open_dataset(self, path: str | Path, options: ReadOptions | None = None) -> None:
        """Start loading `path` in the background; a load already running is cancelled."""
        if self._session is not None:
            self._session.worker.cancel()
            self._session.deleteLater()  # its late signals are dropped with it
        path = Path(path)
        self._loading_path = path
        self._pending_summary = None
        worker = Worker(load_dataset, path, options or ReadOptions(), name="load dataset")
        self._session = _LoadSession(self, worker)
        self.progress_label.setText(f"Opening {path.name}\u2026")
        self.progress_bar.setRange(0, 0)
        self._show_progress(True)
        self.loading_changed.emit(True)
        worker.start(self._thread_pool)

    def cancel_loading(self) -> None:
        if self._session is not None:
            self._session.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling\u2026")

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        self.open_button = QPushButton("Open dataset\u2026", self)
        self.open_button.setObjectName("openDatasetButton")
        self.open_button.clicked.connect(lambda: self.open_requested.emit())
        self.summary_label = QLabel("No dataset open", self)
        self.summary_label.setObjectName("summaryLabel")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addSpacing(8)
        top.addWidget(self.summary_label, 1)

        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("progressLabel")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("loadingProgress")
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelLoadingButton")
        self.cancel_button.clicked.connect(self.cancel_loading)
        self.progress_row = QWidget(self)
        progress_layout = QHBoxLayout(self.progress_row)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        progress_layout.addWidget(self.progress_label, 2)
        progress_layout.addWidget(self.progress_bar, 3)
        progress_layout.addWidget(self.cancel_button)

        self.empty_hint = QLabel(EMPTY_HINT, self)
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # muted in light and dark schemes

        self.table_view = QTableView(self)
        self.table_view.setObjectName("datasetTable")
        self.table_view.setModel(self.model)
        self.table_view.setWordWrap(False)
        self.table_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table_view.setAlternatingRowColors(True)
        self.table_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table_view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.table_view.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # fixed heights: nothing measured per row
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        horizontal = self.table_view.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setHighlightSections(False)
        horizontal.setStretchLastSection(True)  # the last column (often the free text) takes the spare width

        self.columns_table = ColumnRolesTable(self)
        self.columns_table.role_edited.connect(self._on_role_edited)
        self.columns_box = QGroupBox("Columns", self)
        self.columns_box.setObjectName("columnsBox")
        columns_layout = QVBoxLayout(self.columns_box)
        columns_layout.addWidget(self.columns_table)
        self.details = DatasetDetails(self)

        self.lower_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.lower_splitter.setObjectName("lowerSplitter")
        self.lower_splitter.addWidget(self.columns_box)
        self.lower_splitter.addWidget(self.details)
        self.lower_splitter.setStretchFactor(0, 3)
        self.lower_splitter.setStretchFactor(1, 2)
        self.lower_splitter.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("dataSplitter")
        self.splitter.addWidget(self.table_view)
        self.splitter.addWidget(self.lower_splitter)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty_hint)
        self.pages.addWidget(self.splitter)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress_row)
        layout.addWidget(self.pages, 1)

    def _show_progress(self, visible: bool) -> None:
        self.progress_row.setVisible(visible)
        self.cancel_button.setEnabled(visible)

    # -- worker signals (queued to the GUI thread) --------------------------------------------

    def _on_started(self, session: _LoadSession) -> None:
        if session is self._session:
            self.status_message.emit(f"Opening {self._loading_path.name if self._loading_path else ''}\u2026")

    def _on_progress(self, session: _LoadSession, info: ProgressInfo) -> None:
        if session is not self._session or not self.cancel_button.isEnabled():
            return
        phase = "Reading rows" if self._pending_summary is not None else "Inspecting"
        self.progress_label.setText(describe_progress(info, phase))
        fraction = info.fraction
        if fraction is None:
            self.progress_bar.setRange(0, 0)  # busy indicator: the amount of work is unknown
        else:
            self.progress_bar.setRange(0, PROGRESS_STEPS)
            self.progress_bar.setValue(round(fraction * PROGRESS_STEPS))

    def _on_preview(self, session: _LoadSession, preview: DatasetPreview) -> None:
        """A big file's first rows: shown at once, replaced by the whole dataset when it is read."""
        if session is not self._session:
            return
        self._showing_preview = True
        self.model.set_table(preview.table)
        self.pages.setCurrentWidget(self.splitter)
        self.summary_label.setText(f"<b>{html.escape(preview.path.name)}</b> \u00b7 reading\u2026 "
                                   f"showing the first {preview.table.num_rows:,} rows")

    def _restore_after_preview(self) -> None:
        """A load that showed a preview failed or was cancelled: show what was there before."""
        if not self._showing_preview:
            return
        self._showing_preview = False
        self.model.set_dataset(self._dataset)
        self.pages.setCurrentWidget(self.splitter if self._dataset is not None else self.empty_hint)
        self.summary_label.setText(summary_text(self._summary) if self._summary is not None else "No dataset open")

    def _on_summary(self, session: _LoadSession, summary: DatasetSummary) -> None:
        if session is not self._session:
            return
        self._pending_summary = summary
        self.progress_label.setText(
            f"Reading {summary.num_rows:,} rows \u00d7 {len(summary.columns)} columns\u2026"
        )

    def _on_finished(self, session: _LoadSession, loaded: LoadedDataset) -> None:
        if session is not self._session:
            return
        self._end_loading()
        self._showing_preview = False
        self._dataset = loaded.dataset
        self._summary = loaded.summary
        self.undo_stack.clear()
        self.model.set_dataset(loaded.dataset)
        self.columns_table.set_columns(loaded.summary.columns, loaded.summary.num_rows)
        self.summary_label.setText(summary_text(loaded.summary))
        self.summary_label.setToolTip(str(loaded.summary.path))
        warnings = list(loaded.summary.warnings) + [w for w in loaded.dataset.warnings if w not in loaded.summary.warnings]
        self.details.show_summary(loaded.summary, human_size(loaded.summary.size_bytes), warnings)
        self.pages.setCurrentWidget(self.splitter)
        self._size_columns()
        self._fit_lower_panels()
        self.status_message.emit(f"Opened {Path(loaded.summary.path).name}")
        self.dataset_loaded.emit(loaded.dataset)

    def _on_failed(self, session: _LoadSession, error: BaseException) -> None:
        if session is not self._session:
            return
        path = self._loading_path
        self._end_loading()
        self._restore_after_preview()
        name = path.name if path else "the dataset"
        error_dialog(self.window(), error, action=f"Opening {name}")
        self.status_message.emit(f"Could not open {name}")
        self.load_failed.emit(error)

    def _on_cancelled(self, session: _LoadSession) -> None:
        if session is not self._session:
            return
        self._end_loading()
        self._restore_after_preview()
        self.status_message.emit("Loading cancelled")
        self.load_cancelled.emit()

    def _end_loading(self) -> None:
        if self._session is not None:
            self._session.deleteLater()
        self._session = None
        self._pending_summary = None
        self._show_progress(False)
        self.loading_changed.emit(False)

    # -- columns and roles --------------------------------------------------------------------

    def _size_columns(self) -> None:
        """Width from the header and a sample of visible rows, never from every row (no ResizeToContents)."""
        header = self.table_view.horizontalHeader()
        metrics = self.table_view.fontMetrics()
        sample_rows = min(self.model.rowCount(), 50)
        max_width = max(200, self.table_view.viewport().width() // 2)
        for column in range(self.model.columnCount()):
            texts = [str(self.model.headerData(column, Qt.Orientation.Horizontal))]
            texts += [self.model.data(self.model.index(row, column)) or "" for row in range(sample_rows)]
            widest = max(metrics.horizontalAdvance(text[:120]) for text in texts)
            header.resizeSection(column, min(max(widest + 24, 60), max_width))

    def _fit_lower_panels(self) -> None:
        """Give the Columns table the height of its rows (up to 40% of the tab), the data table the rest,
        and the Columns box the width of its table."""
        table = self.columns_table
        rows_height = sum(table.rowHeight(row) for row in range(table.rowCount()))
        margins = self.columns_box.contentsMargins().top() + self.columns_box.contentsMargins().bottom()
        wanted = table.horizontalHeader().height() + rows_height + 2 * table.frameWidth() + margins + 32
        total = self.splitter.height()
        lower = min(wanted, int(total * 0.4))
        self.splitter.setSizes([max(total - lower, 1), lower])
        columns_width = 2 * table.frameWidth() + 40  # room for the box margins and a vertical scroll bar
        columns_width += sum(table.columnWidth(column) for column in range(table.columnCount()))
        width = self.lower_splitter.width()
        self.lower_splitter.setSizes([min(columns_width, int(width * 0.7)), max(width - columns_width, int(width * 0.3))])

    @Slot(str, object, object)
    def _on_role_edited(self, column: str, old: ColumnRole, new: ColumnRole) -> None:
        self.undo_stack.push(_SetRoleCommand(self, column, old, new))

    def _apply_role(self, column: str, role: ColumnRole) -> None:
        self.columns_table.set_role(column, role)
        log.debug("role of column #%d set to %s", list(self.columns_table.roles()).index(column), role)
        self.roles_changed.emit(self.columns_table.roles())

    def shutdown(self, wait_ms: int = 3000) -> None:
        """Cancel a running load and give it a moment to stop (the window is closing)."""
        if self._session is not None:
            self._session.worker.cancel()
            self._thread_pool.waitForDone(wait_ms)
