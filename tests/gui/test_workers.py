"""Worker: the one way core work runs off the GUI thread, synchronously in tests and on a real pool."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from PySide6.QtCore import QObject, QThread, QThreadPool, Slot

from privdesk.core.errors import DatasetError
from privdesk.core.progress import CancelToken, ProgressInfo
from privdesk.gui.workers import SynchronousThreadPool, Worker


class Recorder(QObject):
    """Records every signal of a worker, and the thread each slot ran in (a QObject, so slots are queued)."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.events: list[tuple[str, object]] = []
        self.threads: list[QThread] = []
        signals = worker.signals
        signals.started.connect(self.on_started)
        signals.progress.connect(self.on_progress)
        signals.partial_result.connect(self.on_partial)
        signals.finished.connect(self.on_finished)
        signals.failed.connect(self.on_failed)
        signals.cancelled.connect(self.on_cancelled)

    def _record(self, name: str, value: object = None) -> None:
        self.events.append((name, value))
        self.threads.append(QThread.currentThread())

    @Slot()
    def on_started(self) -> None:
        self._record("started")

    @Slot(object)
    def on_progress(self, info: object) -> None:
        self._record("progress", info)

    @Slot(object)
    def on_partial(self, value: object) -> None:
        self._record("partial", value)

    @Slot(object)
    def on_finished(self, value: object) -> None:
        self._record("finished", value)

    @Slot(object)
    def on_failed(self, error: object) -> None:
        self._record("failed", error)

    @Slot()
    def on_cancelled(self) -> None:
        self._record("cancelled")

    def names(self) -> list[str]:
        return [name for name, _ in self.events]


def count_to(n: int, *, progress, cancel: CancelToken) -> int:
    total = 0
    for i in range(1, n + 1):
        cancel.raise_if_cancelled()
        total += i
        progress(ProgressInfo(i, n, f"step {i}"))
    return total


def test_sync_pool_runs_the_task_and_reports_progress_then_the_result(qapp):
    pool = SynchronousThreadPool()
    worker = Worker(count_to, 3)
    recorder = Recorder(worker)
    worker.start(pool)
    assert pool.started_count == 1
    assert recorder.names() == ["started", "progress", "progress", "progress", "finished"]
    assert [info.done for name, info in recorder.events if name == "progress"] == [1, 2, 3]
    assert recorder.events[-1] == ("finished", 6)
    assert not worker.is_running


def test_a_worker_cannot_be_started_twice(qapp):
    worker = Worker(count_to, 1)
    worker.start(SynchronousThreadPool())
    with pytest.raises(RuntimeError):
        worker.start(SynchronousThreadPool())


def test_generator_tasks_send_partial_results_and_return_the_final_one(qapp):
    def stages(*, progress, cancel):
        yield "summary"
        yield "more"
        return "everything"

    worker = Worker(stages)
    recorder = Recorder(worker)
    worker.start(SynchronousThreadPool())
    assert recorder.events == [("started", None), ("partial", "summary"), ("partial", "more"), ("finished", "everything")]


def test_privdesk_errors_are_reported_without_an_error_log(qapp, caplog):
    def fails(*, progress, cancel):
        raise DatasetError("the file is not a dataset", path="x.csv", hint="Pick a CSV file.")

    worker = Worker(fails)
    recorder = Recorder(worker)
    with caplog.at_level(logging.INFO):
        worker.start(SynchronousThreadPool())
    name, error = recorder.events[-1]
    assert name == "failed" and isinstance(error, DatasetError)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_unexpected_errors_are_reported_and_logged_with_a_traceback_but_no_values(qapp, caplog):
    value = "-".join(["Jane Doe", "555", "0134"])  # built at run time so no source line quotes it

    def crashes(*, progress, cancel):
        try:
            int(value)
        except ValueError as error:
            raise RuntimeError(f"while parsing {value!r}") from error

    worker = Worker(crashes, name="parse")
    recorder = Recorder(worker)
    with caplog.at_level(logging.INFO):
        worker.start(SynchronousThreadPool())
    assert recorder.names() == ["started", "failed"]
    assert isinstance(recorder.events[-1][1], RuntimeError)
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "task parse" in errors[0]
    assert "Traceback" in errors[0] and "in crashes" in errors[0]
    assert "ValueError" in errors[0] and "RuntimeError" in errors[0]
    assert "Jane Doe" not in errors[0] and "0134" not in errors[0]


def test_cancel_inside_the_task_reports_cancelled_not_finished(qapp):
    worker = Worker(count_to, 100)
    recorder = Recorder(worker)
    # Cancel as soon as the first progress arrives; the task notices at its next check.
    worker.signals.progress.connect(lambda info: worker.cancel() if info.done == 2 else None)
    worker.start(SynchronousThreadPool())
    assert recorder.names() == ["started", "progress", "progress", "cancelled"]


def test_a_task_cancelled_before_it_runs_never_starts(qapp):
    calls = []

    def never(*, progress, cancel):
        calls.append(1)

    worker = Worker(never)
    recorder = Recorder(worker)
    worker.cancel()
    worker.start(SynchronousThreadPool())
    assert calls == [] and recorder.names() == ["cancelled"]


def test_real_thread_pool_runs_off_the_gui_thread_and_delivers_signals_on_it(qtbot):
    task_threads: list[threading.Thread] = []

    def where(*, progress, cancel):
        task_threads.append(threading.current_thread())
        progress(ProgressInfo(1, 1))
        return "done"

    pool = QThreadPool()
    worker = Worker(where)
    recorder = Recorder(worker)
    with qtbot.waitSignal(worker.signals.finished, timeout=5000) as blocker:
        worker.start(pool)
    assert blocker.args == ["done"]
    qtbot.waitUntil(lambda: recorder.names() == ["started", "progress", "finished"], timeout=5000)
    assert task_threads and task_threads[0] is not threading.main_thread()
    gui_thread = QThread.currentThread()
    assert all(thread is gui_thread for thread in recorder.threads)
    pool.waitForDone(5000)


def test_real_thread_pool_task_stops_when_cancelled(qtbot):
    running = threading.Event()

    def waits_for_cancel(*, progress, cancel):
        running.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            cancel.raise_if_cancelled()
            time.sleep(0.005)
        return "ran to the end"

    pool = QThreadPool()
    worker = Worker(waits_for_cancel)
    recorder = Recorder(worker)
    worker.start(pool)
    assert running.wait(5)
    assert worker.is_running
    with qtbot.waitSignal(worker.signals.cancelled, timeout=5000):
        worker.cancel()
    qtbot.waitUntil(lambda: "cancelled" in recorder.names(), timeout=5000)
    assert "finished" not in recorder.names()
    assert pool.waitForDone(5000)
