"""kill -9 loses nothing: a separate process makes decisions through the GUI and is killed with SIGKILL;
reopening the project finds every decision made before the kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from privdesk.core.project import Project
from privdesk.core.types import Span
from privdesk.gui.main_window import MainWindow

SCRIPT = Path(__file__).with_name("kill_target_app.py")
NOTES = ("Alice Martin wrote to Bruno Keller.", "Chen Wei met Dora Diaz and Emil Egger.", "Fay Fox called.")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX only")
def test_decisions_made_before_a_kill_survive(tmp_path, write_csv, qtbot, sync_pool, fake_engine_factory):
    dataset = write_csv(tmp_path / "notes.csv", ["note"], [[note] for note in NOTES])
    project_path = tmp_path / "study.privdesk"
    with Project.create(project_path) as project:
        project.set_dataset(dataset, format="csv", options={"format": "csv"}, num_rows=len(NOTES))
        from privdesk.core.types import ColumnRole

        project.set_column_roles({"note": ColumnRole("text")})
        run_id = project.start_detection_run({"start_record": 0, "fresh": True})
        spans = [Span(r, "note", m.start(), m.end(), "PERSON", 0.8, "SpacyNerRecognizer")
                 for r, note in enumerate(NOTES)
                 for m in __import__("re").finditer(r"[A-Z][a-z]+ [A-Z][a-z]+", note)]
        project.add_detections(spans, run_id)
        project.update_run(run_id, status="done", results={"records_done": len(NOTES)})

    wanted = 4
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen([sys.executable, str(SCRIPT), str(project_path), str(wanted)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        line = ""
        while not line.startswith("DECIDED"):
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail(f"the GUI process ended early: {process.stderr.read()[-2000:]}")
        assert int(line.split()[1]) == wanted
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    with Project.open(project_path) as project:
        made = [(d.action, d.record) for d in project.decisions()]
    assert made == [("accept", 0), ("reject", 0), ("accept", 1), ("reject", 1)]

    window = MainWindow(thread_pool=sync_pool, engine_factory=fake_engine_factory)
    qtbot.addWidget(window)
    window.open_path(project_path)
    tab = window.review_tab
    tab.record_panel.set_sort_order("record")
    tab.select_record(1)
    assert [f.status for f in tab.findings()] == ["accepted", "rejected", "pending"]
    assert window.review_status.text().startswith("Reviewed 1 of 3")
