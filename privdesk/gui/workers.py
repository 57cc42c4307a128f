"""The one way PrivDesk runs core work off the GUI thread.

A `Worker` wraps a core function that accepts `progress=` and `cancel=` keywords (see
privdesk.core.progress). It runs as a QRunnable on a QThreadPool and reports through Qt signals
on a separate QObject (`WorkerSignals`), so it never touches a widget itself (the napari/superqt
pattern). A function may also be a generator: every value it yields becomes a `partial_result`
and its return value the `finished` result (Orange3's TaskState does the same with
set_partial_result).

Tests pass a `SynchronousThreadPool` instead of a QThreadPool so a task runs to the end inside
`start()`, the way MusicBrainz Picard's tests make its thread pool deterministic.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any, Callable, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from privdesk.core.errors import PrivDeskError
from privdesk.core.progress import CancelToken, Cancelled, ProgressInfo
from privdesk.gui.error_reporting import log_unexpected_error

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    """What a running task tells the GUI. Lives in the thread that created the worker (the GUI thread)."""

    started = Signal()
    progress = Signal(object)  # ProgressInfo
    partial_result = Signal(object)  # each value a generator task yields
    finished = Signal(object)  # the task's return value
    failed = Signal(object)  # the exception that stopped the task
    cancelled = Signal()


class ThreadPoolLike(Protocol):
    """What a Worker needs of a pool: QThreadPool, or SynchronousThreadPool in tests."""

    def start(self, runnable: QRunnable) -> None: ...

    def waitForDone(self, msecs: int = -1) -> bool: ...  # noqa: N802 - Qt API


class SynchronousThreadPool:
    """A stand-in for QThreadPool that runs each task at once in the calling thread (for tests)."""

    def __init__(self) -> None:
        self.started_count = 0

    def start(self, runnable: QRunnable) -> None:
        self.started_count += 1
        runnable.run()

    def waitForDone(self, msecs: int = -1) -> bool:  # noqa: N802 - mirrors QThreadPool
        return True


class Worker:
    """One call of a core function, run on a thread pool, reported through `signals`.

    The function is called as `function(*args, progress=..., cancel=..., **kwargs)`. Exactly one
    of finished, failed or cancelled is emitted at the end. Cancel is cooperative: the function
    sees the CancelToken and raises privdesk.core.progress.Cancelled at its next check; a task
    whose cancel was requested reports `cancelled` even if it ran to the end regardless.
    """

    def __init__(self, function: Callable[..., Any], *args: Any, name: str = "", **kwargs: Any) -> None:
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.name = name or getattr(function, "__name__", "task")
        self.token = CancelToken()
        self.signals = WorkerSignals()
        self._running = False
        self._ended = False
        for signal in (self.signals.finished, self.signals.failed, self.signals.cancelled):
            signal.connect(self._mark_ended)

    # -- control, from the GUI thread ---------------------------------------------------------

    def start(self, pool: ThreadPoolLike | None = None) -> None:
        if self._running or self._ended:
            raise RuntimeError(f"worker {self.name!r} was already started")
        self._running = True
        (pool if pool is not None else QThreadPool.globalInstance()).start(_WorkerRunnable(self))

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def is_running(self) -> bool:
        """True from start() until a final signal was delivered."""
        return self._running and not self._ended

    def _mark_ended(self, *_: object) -> None:
        self._ended = True

    # -- the work, on the pool's thread -------------------------------------------------------

    def run(self) -> None:
        signals = self.signals
        if self.token.cancelled:  # cancelled while still queued
            signals.cancelled.emit()
            return
        signals.started.emit()
        try:
            outcome = self.function(*self.args, progress=self._report_progress, cancel=self.token, **self.kwargs)
            if inspect.isgenerator(outcome):
                outcome = self._drain(outcome)
        except Cancelled:
            signals.cancelled.emit()
            return
        except PrivDeskError as error:
            # The user's data or file is at fault; the message says what to do. Not a bug, no traceback.
            log.info("task %s stopped: %s", self.name, type(error).__name__)
            signals.failed.emit(error)
            return
        except Exception as error:  # noqa: BLE001 - a worker must report every failure, never die silently
            log_unexpected_error(error, context=f"task {self.name}")
            signals.failed.emit(error)
            return
        if self.token.cancelled:
            signals.cancelled.emit()
        else:
            signals.finished.emit(outcome)

    def _drain(self, generator: Any) -> Any:
        while True:
            self.token.raise_if_cancelled()
            try:
                partial = next(generator)
            except StopIteration as stop:
                return stop.value
            self.signals.partial_result.emit(partial)

    def _report_progress(self, info: ProgressInfo) -> None:
        self.signals.progress.emit(info)


class _WorkerRunnable(QRunnable):
    """The QRunnable the pool owns and deletes; the Worker stays with whoever started it."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self._worker = worker

    def run(self) -> None:
        self._worker.run()
