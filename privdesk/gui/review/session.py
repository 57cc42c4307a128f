"""ReviewSession: what the Review tab works on, and the one path by which decisions are made.

It holds the open project, the loaded dataset and its column roles, the ReviewIndex (per-record
numbers for the record list), the view filter and the QUndoStack. Every decision goes through
`decide()`, which pushes a DecisionCommand: the project records it at once (committed, on disk),
and the index and the views are told which records changed. The session never touches a widget.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Sequence

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtGui import QUndoStack

from privdesk.core.project import DecisionRequest, Project, Status
from privdesk.core.review import ReviewIndex, ViewFilter, build_index
from privdesk.core.types import ColumnRole, Span
from privdesk.gui.review.commands import DecisionCommand
from privdesk.gui.workers import ThreadPoolLike, Worker

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.4  # the detection engine's default threshold: the slider starts there
SETTING_THRESHOLD = "review.threshold"
SETTING_HIDDEN_TYPES = "review.hidden_types"
SETTING_SORT = "review.sort"
# After a decision (or its undo) on this many records or fewer, they are re-read one by one;
# beyond it the whole index is rebuilt in the background, which is faster.
REREAD_LIMIT = 2000


class ReviewSession(QObject):
    reset = Signal()  # a new project, dataset or index: views re-read everything
    records_changed = Signal(object)  # np.ndarray of records whose spans changed
    records_added = Signal(int, int)  # detection finished records [first, stop)
    filter_changed = Signal()
    busy_changed = Signal(bool, str)  # the index is being (re)built, and what to say meanwhile
    failed = Signal(object, str)  # an exception and what was being done ("Recording the decision")

    def __init__(self, thread_pool: ThreadPoolLike | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread_pool: ThreadPoolLike = thread_pool if thread_pool is not None else QThreadPool.globalInstance()
        self.project: Project | None = None
        self.dataset: Any = None
        self.roles: dict[str, ColumnRole] = {}
        self.index = ReviewIndex(0)
        self.view_filter = ViewFilter(DEFAULT_THRESHOLD)
        self.undo_stack = QUndoStack(self)
        self._index_worker: Worker | None = None
        self._index_generation = 0
        # Changes made while an index is being built may be missing from it: they are replayed after.
        self._changed_during_build: set[int] = set()
        self._scanned_during_build: list[tuple[int, int]] = []

    # -- what is open -----------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self.project is not None and self.dataset is not None

    @property
    def num_records(self) -> int:
        return int(self.dataset.num_rows) if self.dataset is not None else 0

    def attach(self, project: Project, dataset: Any, roles: dict[str, ColumnRole]) -> None:
        """Review `dataset` in `project`: read the saved filter and build the index in the background."""
        self.project = project
        self.dataset = dataset
        self.roles = dict(roles)
        self.undo_stack.clear()
        threshold = project.get_setting(SETTING_THRESHOLD, DEFAULT_THRESHOLD)
        hidden = project.get_setting(SETTING_HIDDEN_TYPES, []) or []
        self.view_filter = ViewFilter(float(threshold), frozenset(str(t) for t in hidden))
        self.index = ReviewIndex(self.num_records)
        self.index.set_filter(self.view_filter)
        self.reset.emit()
        self.rebuild_index()

    def detach(self) -> None:
        self._index_generation += 1
        if self._index_worker is not None:
            self._index_worker.cancel()
        self.project = None
        self.dataset = None
        self.roles = {}
        self.undo_stack.clear()
        self.index = ReviewIndex(0)
        self.reset.emit()

    def set_roles(self, roles: dict[str, ColumnRole]) -> None:
        self.roles = dict(roles)

    def text_columns(self) -> list[str]:
        """Columns shown in the text view: free text and identifier columns, in dataset order."""
        columns = list(self.dataset.columns) if self.dataset is not None else []
        return [c for c in columns if self.roles.get(c, ColumnRole("text")).kind != "ignore"]

    def cell_text(self, record: int, column: str) -> str:
        return self.dataset.text(record, column)

    # -- the index --------------------------------------------------------------------------------

    @property
    def index_busy(self) -> bool:
        return self._index_worker is not None

    def rebuild_index(self) -> None:
        """Read every effective span again, in the background (the views keep the old numbers meanwhile)."""
        if self.project is None:
            return
        self._index_generation += 1
        generation = self._index_generation
        if self._index_worker is not None:
            self._index_worker.cancel()
        worker = Worker(build_index, self.project, self.num_records, name="build review index")
        self._index_worker = worker
        self._changed_during_build = set()
        self._scanned_during_build = []
        worker.signals.finished.connect(lambda index, g=generation: self._on_index_built(g, index))
        worker.signals.failed.connect(lambda error, g=generation: self._on_index_failed(g, error))
        worker.signals.cancelled.connect(lambda g=generation: self._on_index_cancelled(g))
        self.busy_changed.emit(True, "Reading findings\u2026")
        worker.start(self._thread_pool)

    def _on_index_built(self, generation: int, index: ReviewIndex) -> None:
        if generation != self._index_generation:
            return
        self._index_worker = None
        for first, stop in self._scanned_during_build:
            index.mark_scanned(first, stop)
        if self._changed_during_build and self.project is not None:
            changed = sorted(self._changed_during_build)
            index.replace_records({record: self.project.effective_spans(record) for record in changed})
        self._changed_during_build, self._scanned_during_build = set(), []
        index.set_filter(self.view_filter)
        self.index = index
        self.busy_changed.emit(False, "")
        self.reset.emit()

    def _on_index_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._index_generation:
            return
        self._index_worker = None
        self.busy_changed.emit(False, "")
        self.failed.emit(error, "Reading the findings")

    def _on_index_cancelled(self, generation: int) -> None:
        if generation == self._index_generation:
            self._index_worker = None
            self.busy_changed.emit(False, "")

    def replace_index(self, index: ReviewIndex) -> None:
        """Use `index` as it is (after detections were cleared, say)."""
        self._index_generation += 1
        self._index_worker = None
        index.set_filter(self.view_filter)
        self.index = index
        self.reset.emit()

    def add_detections(self, first_record: int, stop_record: int, detections: Iterable[Span]) -> None:
        """A detection chunk arrived: its records' detections are new and pending."""
        detections = list(detections)
        if self._index_worker is not None:
            self._changed_during_build.update(detection.record for detection in detections)
            self._scanned_during_build.append((first_record, stop_record))
        self.index.add_spans((detection, "pending") for detection in detections)
        self.index.mark_scanned(first_record, stop_record)
        self.index.refresh_records(np.arange(first_record, stop_record))
        self.records_added.emit(first_record, stop_record)

    # -- spans of a record ------------------------------------------------------------------------

    def spans(self, record: int) -> list[tuple[Span, Status]]:
        """Every effective span of `record` (straight from the project)."""
        if self.project is None:
            return []
        return self.project.effective_spans(record)

    def visible_spans(self, record: int) -> list[tuple[Span, Status]]:
        shows = self.view_filter.shows
        return [(span, status) for span, status in self.spans(record)
                if shows(span.entity_type, span.score, status, span.recognizer)]

    # -- filter -----------------------------------------------------------------------------------

    def set_filter(self, view_filter: ViewFilter) -> None:
        if view_filter == self.view_filter:
            return
        self.view_filter = view_filter
        self.index.set_filter(view_filter)
        if self.project is not None:
            self.project.set_setting(SETTING_THRESHOLD, round(view_filter.threshold, 4))
            self.project.set_setting(SETTING_HIDDEN_TYPES, sorted(view_filter.hidden_types))
        self.filter_changed.emit()

    # -- decisions --------------------------------------------------------------------------------

    def decide(self, requests: Sequence[DecisionRequest], text: str, merge_key: tuple | None = None) -> bool:
        """Record `requests` as one undoable step; False when there was nothing to do or it failed."""
        if self.project is None or not requests:
            return False
        before = self.undo_stack.count()
        command = DecisionCommand(self, requests, text, merge_key)
        self.undo_stack.push(command)
        return command.project_steps > 0 or self.undo_stack.count() != before

    def apply_project_change(self, records: Iterable[int]) -> None:
        """Bring the index up to date after decisions on `records` were recorded, undone or redone."""
        records = np.fromiter(sorted(set(records)), np.int64)
        if not len(records) or self.project is None:
            return
        if self._index_worker is not None:
            self._changed_during_build.update(records.tolist())
        if len(records) > REREAD_LIMIT:
            self.records_changed.emit(records)  # views re-read their own record now; the numbers follow
            self.rebuild_index()
            return
        self.index.replace_records({int(record): self.project.effective_spans(int(record)) for record in records})
        self.records_changed.emit(records)

    def report_failure(self, error: BaseException, action: str, *, history_broken: bool) -> None:
        if history_broken:
            # The project and the stack may no longer agree on what undo means: start a fresh history
            # (once the stack has finished the call that failed) and re-read what the project holds.
            QTimer.singleShot(0, self.undo_stack.clear)
            QTimer.singleShot(0, self.rebuild_index)
        self.failed.emit(error, action)
