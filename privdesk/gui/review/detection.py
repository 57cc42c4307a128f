"""Starting, following and cancelling a detection run for the Review tab.

By default the engine runs in a child process (privdesk.gui.detection_runner explains why); tests
and benchmarks may give an `engine_factory` that builds an engine to run in the worker thread
instead. Either way the run is a Worker, and its chunks arrive as `chunk` signals in the GUI thread.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, QThreadPool, Signal

from privdesk.core.progress import ProgressInfo
from privdesk.core.project import Project
from privdesk.gui.detection_runner import (
    DetectedChunk,
    DetectionJob,
    DetectionOutcome,
    detect_in_process,
    detect_in_subprocess,
)
from privdesk.gui.workers import ThreadPoolLike, Worker

log = logging.getLogger(__name__)

EngineFactory = Callable[[dict], Any]  # DetectionSettings keyword arguments -> an engine with detect_records


def _run_with_engine(job: DetectionJob, factory: EngineFactory, project: Project, dataset: Any, *,
                     progress=None, cancel=None):
    engine = factory(job.settings)
    return (yield from detect_in_process(job, engine, project, dataset, progress=progress, cancel=cancel))


class DetectionController(QObject):
    started = Signal(object)  # the DetectionJob
    progress = Signal(object)  # ProgressInfo
    chunk = Signal(object)  # DetectedChunk
    finished = Signal(object)  # DetectionOutcome
    cancelled = Signal()
    failed = Signal(object)  # the exception
    running_changed = Signal(bool)

    def __init__(self, thread_pool: ThreadPoolLike | None = None, engine_factory: EngineFactory | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread_pool: ThreadPoolLike = thread_pool if thread_pool is not None else QThreadPool.globalInstance()
        self.engine_factory = engine_factory
        self._worker: Worker | None = None
        self.job: DetectionJob | None = None

    @property
    def is_running(self) -> bool:
        return self._worker is not None

    def start(self, job: DetectionJob, project: Project, dataset: Any) -> None:
        if self._worker is not None:
            raise RuntimeError("detection is already running")
        if self.engine_factory is not None:
            worker = Worker(_run_with_engine, job, self.engine_factory, project, dataset, name="detection")
        else:
            worker = Worker(detect_in_subprocess, job, name="detection")
        self._worker = worker
        self.job = job
        signals = worker.signals
        signals.progress.connect(lambda info, w=worker: self._on_progress(w, info))
        signals.partial_result.connect(lambda chunk, w=worker: self._on_chunk(w, chunk))
        signals.finished.connect(lambda outcome, w=worker: self._on_end(w, "finished", outcome))
        signals.failed.connect(lambda error, w=worker: self._on_end(w, "failed", error))
        signals.cancelled.connect(lambda w=worker: self._on_end(w, "cancelled", None))
        self.running_changed.emit(True)
        self.started.emit(job)
        worker.start(self._thread_pool)

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def shutdown(self, wait_ms: int = 15000) -> None:
        """Cancel and wait for the run to stop (the window is closing)."""
        if self._worker is not None:
            self._worker.cancel()
            self._thread_pool.waitForDone(wait_ms)

    def _on_progress(self, worker: Worker, info: ProgressInfo) -> None:
        if worker is self._worker:
            self.progress.emit(info)

    def _on_chunk(self, worker: Worker, chunk: DetectedChunk) -> None:
        if worker is self._worker:
            self.chunk.emit(chunk)

    def _on_end(self, worker: Worker, how: str, payload: object) -> None:
        if worker is not self._worker:
            return
        self._worker = None
        self.running_changed.emit(False)
        if how == "finished":
            outcome: DetectionOutcome = payload  # type: ignore[assignment]
            self.finished.emit(outcome)
        elif how == "failed":
            self.failed.emit(payload)
        else:
            self.cancelled.emit()
