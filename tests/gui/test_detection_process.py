"""Detection with the real engine, in its child process, driven from the real window; and cancelling."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool

from privdesk.core.progress import CancelToken, Cancelled
from privdesk.core.project import Project
from privdesk.gui.detection_runner import DetectionJob, detect_in_process
from privdesk.gui.main_window import MainWindow
from privdesk.paths import default_sample


@pytest.fixture
def small_sample(tmp_path) -> Path:
    """The first 12 notes of the bundled clinical sample."""
    source = default_sample()
    target = tmp_path / "clinical_12.csv"
    with open(source, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[:13]
    with open(target, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return target


@pytest.mark.slow
def test_the_window_runs_the_real_engine_in_a_child_process(qtbot, small_sample):
    pool = QThreadPool()
    window = MainWindow(thread_pool=pool)  # no engine factory: the real engine, in a child process
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.review_tab.session.reset, timeout=60000):
        window.open_dataset(small_sample)
    qtbot.waitUntil(lambda: window.review_tab.session.ready and not window.review_tab.session.index_busy, timeout=60000)
    tab = window.review_tab
    chunks = []
    tab.detection.chunk.connect(chunks.append)
    with qtbot.waitSignal(tab.detection.finished, timeout=180_000) as finished:
        tab.run_detection()
        assert tab.detection.is_running and tab.detection_bar.cancel_button.isVisibleTo(tab)
    outcome = finished.args[0]
    assert outcome.records_done == 12 and outcome.detections == tab.index.span_count > 12
    assert chunks and all(d.id > 0 for chunk in chunks for d in chunk.detections)
    assert window.project.detection_count() == outcome.detections
    run = window.project.runs("detection")[-1]
    assert run.status == "done" and run.results["records_done"] == 12
    recognizers = {f.span.recognizer for f in tab.findings()}
    assert "column:patient_name" in recognizers  # the identifier column, whole
    assert not tab.detection_bar.cancel_button.isVisibleTo(tab)
    window.close()
    pool.waitForDone(5000)


def test_cancelling_keeps_the_chunks_already_stored(tmp_path, write_csv, fake_engine_factory):
    dataset_path = write_csv(tmp_path / "many.csv", ["note"], [[f"Anna Berg wrote note {i}."] for i in range(50)])
    from privdesk.core.dataset import ReadOptions, read_dataset

    dataset = read_dataset(dataset_path, ReadOptions())
    token = CancelToken()
    with Project.create(tmp_path / "p.privdesk") as project:
        job = DetectionJob(project.path, dataset_path, {}, {"note": "text"}, chunk_records=10)
        generator = detect_in_process(job, fake_engine_factory({}), project, dataset, cancel=token)
        first = next(generator)
        second = next(generator)
        assert (first.first_record, first.stop_record, second.stop_record) == (0, 10, 20)
        token.cancel()
        with pytest.raises(Cancelled):
            next(generator)
        run = project.runs("detection")[-1]
        assert run.status == "cancelled" and run.results["records_done"] == 20
        assert project.detection_count() == 20
        assert run.params["column_roles"] == {"note": "text"} and run.params["fresh"] is True


def test_the_last_message_of_a_child_that_exits_at_once_is_never_lost():
    """The child writes each message before put() returns, so its final "done" survives an immediate exit
    (a multiprocessing.Queue's feeder thread could drop it); a closed pipe then reads as Empty."""
    import multiprocessing
    import queue

    from privdesk.gui.detection_runner import _PipeReceiver, _PipeSender

    receiver, sender = multiprocessing.get_context("spawn").Pipe(duplex=False)
    child_end = _PipeSender(sender)
    child_end.put(("progress", 1))
    child_end.put(("done", {"records": 3}))
    sender.close()  # the child exited
    messages = _PipeReceiver(receiver)
    assert messages.get(timeout=1.0) == ("progress", 1)
    assert messages.get(timeout=1.0) == ("done", {"records": 3})
    with pytest.raises(queue.Empty):
        messages.get(timeout=0.2)
