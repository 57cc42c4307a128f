"""GUI latency: does the window stay responsive while it works?

Two measurements, each with a QTimer heartbeat every 10 ms on the GUI thread; a stall is the time
between two beats minus the interval, so the longest stall is the longest the window could not
repaint or react:

1. Opening a 1,000,000-row CSV: time until the first rows are in the Data tab's table (and the
   longest stall meanwhile). Target: first rows in under 3 s.
2. Detection over 100,000 records with the real engine, started from the Review tab as an analyst
   would, while a simulated analyst presses a key every second (next record, accept, next record, ...). Target: longest stall under
   100 ms. On a small machine the whole run takes long (about 100 records/s on one core), so the run
   is stopped after --minutes and the output says how far it got; nothing is extrapolated.

    .venv/bin/python bench/gui_latency.py                # both, detection measured for 3 minutes
    .venv/bin/python bench/gui_latency.py --minutes 0     # detection until all 100,000 records are done
    .venv/bin/python bench/gui_latency.py --compare-thread --minutes 1   # also run the engine in a thread

Runs offscreen unless QT_QPA_PLATFORM says otherwise. Datasets are generated in a temporary folder
with PrivDesk's synthetic data generator (fake PII only).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QElapsedTimer, QSettings, QThreadPool, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from privdesk.gui.app import create_application, freeze_startup_objects  # noqa: E402
from privdesk.gui.main_window import MainWindow  # noqa: E402
from privdesk.gui.project_controller import PROJECTS_FOLDER_ENV  # noqa: E402

HEARTBEAT_MS = 10


class Heartbeat:
    """Records the gaps between QTimer ticks on the GUI thread."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._beat)
        self.clock = QElapsedTimer()
        self.gaps_ms: list[float] = []
        self.worst_at_s = 0.0
        self._started = 0.0

    def start(self) -> None:
        self.gaps_ms.clear()
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self._started = self._last
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _beat(self) -> None:
        now = self.clock.nsecsElapsed()
        gap = (now - self._last) / 1e6
        if not self.gaps_ms or gap > max(self.gaps_ms):
            self.worst_at_s = (now - self._started) / 1e9
        self.gaps_ms.append(gap)
        self._last = now

    def summary(self) -> str:
        if not self.gaps_ms:
            return "no heartbeats"
        stalls = [max(0.0, gap - HEARTBEAT_MS) for gap in self.gaps_ms]
        ordered = sorted(stalls)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (f"longest stall {max(stalls):.0f} ms (at {self.worst_at_s:.1f} s), 99th percentile {p99:.0f} ms, "
                f"median gap {statistics.median(self.gaps_ms):.1f} ms over {len(self.gaps_ms):,} beats")

    @property
    def longest_stall_ms(self) -> float:
        return max((max(0.0, gap - HEARTBEAT_MS) for gap in self.gaps_ms), default=0.0)


UNIQUE_NOTES = 5000


def write_dataset(path: Path, rows: int, folder: Path) -> Path:
    """`rows` synthetic clinical notes: 5,000 distinct ones from PrivDesk's generator, cycled, each
    with a record number of its own (enough variety for the Data tab to see free text)."""
    unique = folder / "unique_notes.csv"
    if not unique.exists():
        # In a child process: the generator's Faker data would otherwise stay in this (GUI) process
        # and make it unlike the real application's.
        subprocess.run([sys.executable, "-m", "privdesk.cli", "synth", "--kind", "notes", "--rows", str(UNIQUE_NOTES),
                        "--seed", "11", "-o", str(unique)], check=True, capture_output=True)
    with open(unique, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        sample = list(reader)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number in range(rows):
            row = list(sample[number % len(sample)])
            row[0] = f"NOTE-{number + 1:07d}"
            writer.writerow(row)
    return path


def wait(app: QApplication, condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        time.sleep(0.001)
    return True


def measure_open(app: QApplication, path: Path) -> tuple[float, float, Heartbeat]:
    """(seconds until the first rows are painted, seconds until the whole file is read and its project
    ready for review, heartbeat over all of it)."""
    window = MainWindow(thread_pool=QThreadPool.globalInstance())
    window.resize(1360, 860)
    window.show()
    app.processEvents()
    beat = Heartbeat()
    beat.start()
    started = time.perf_counter()
    window.open_dataset(path)
    shown = wait(app, lambda: window.data_tab.model.rowCount() > 0, 60)
    window.data_tab.table_view.viewport().repaint()  # the first rows are painted, not only loaded
    first_rows = time.perf_counter() - started if shown else float("inf")
    ready = wait(app, lambda: window.review_tab.session.ready and not window.review_tab.session.index_busy, 180)
    whole = time.perf_counter() - started if ready else float("inf")
    beat.stop()
    window.close()
    app.processEvents()
    return first_rows, whole, beat


def measure_detection(app: QApplication, path: Path, minutes: float, engine_factory=None) -> dict:
    window = MainWindow(thread_pool=QThreadPool.globalInstance(), engine_factory=engine_factory)
    window.resize(1360, 860)
    window.show()
    window.open_dataset(path)
    ready = wait(app, lambda: window.review_tab.session.ready and not window.review_tab.session.index_busy, 120)
    if not ready:
        raise SystemExit("the dataset did not open")
    tab = window.review_tab
    window.tabs.setCurrentWidget(tab)
    done = {"records": 0, "finished": False, "findings": 0}

    def on_chunk(chunk) -> None:
        done["records"] = chunk.stop_record
        done["findings"] += len(chunk.detections)

    tab.detection.chunk.connect(on_chunk)
    tab.detection.finished.connect(lambda _outcome: done.update(finished=True))
    analyst = QTimer()
    analyst.setInterval(1000)
    ticks = [0]

    def analyst_acts() -> None:
        # One key press a second, as a person works: next record, then accept a finding, and so on.
        ticks[0] += 1
        if ticks[0] % 2:
            tab.record_panel.step(1)
        else:
            tab.accept_selected()

    analyst.timeout.connect(analyst_acts)
    beat = Heartbeat()
    beat.start()
    started = time.perf_counter()
    tab.run_detection()
    analyst.start()
    limit = minutes * 60 if minutes > 0 else float("inf")
    first_chunk_at = None
    while not done["finished"] and time.perf_counter() - started < limit:
        app.processEvents()
        if first_chunk_at is None and done["records"]:
            first_chunk_at = time.perf_counter() - started
        time.sleep(0.001)
    elapsed = time.perf_counter() - started
    analyst.stop()
    beat.stop()
    tab.detection.shutdown()
    app.processEvents()
    decisions = len(window.project.decisions()) if window.project is not None else 0
    window.close()
    app.processEvents()
    return {"elapsed": elapsed, "records": done["records"], "findings": done["findings"], "finished": done["finished"],
            "beat": beat, "first_chunk_s": first_chunk_at, "decisions": decisions}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows-open", type=int, default=1_000_000, help="rows of the CSV to open (default 1,000,000)")
    parser.add_argument("--rows-detect", type=int, default=100_000, help="records to detect over (default 100,000)")
    parser.add_argument("--minutes", type=float, default=3.0,
                        help="stop detection after this many minutes (0: run to the end)")
    parser.add_argument("--compare-thread", action="store_true",
                        help="also run the engine in a worker thread of the GUI process, for comparison")
    parser.add_argument("--skip-open", action="store_true")
    parser.add_argument("--skip-detect", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="privdesk-bench-"))
    os.environ[PROJECTS_FOLDER_ENV] = str(folder / "projects")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    app = create_application()
    freeze_startup_objects()  # as privdesk.gui.app.main does once the window is up
    print(f"PrivDesk GUI latency ({os.cpu_count()} CPUs, Qt platform {app.platformName()}, heartbeat {HEARTBEAT_MS} ms)")
    failures = []

    if not args.skip_open:
        big = write_dataset(folder / "open.csv", args.rows_open, folder)
        size_mb = big.stat().st_size / 1e6
        elapsed, whole, beat = measure_open(app, big)
        verdict = "PASS" if elapsed < 3.0 else "FAIL"
        print(f"\n1. Open a {args.rows_open:,}-row CSV ({size_mb:,.0f} MB): first rows shown after {elapsed:.2f} s "
              f"(target < 3 s) {verdict}")
        print(f"   whole file inspected, read, fingerprinted and its project ready after {whole:.1f} s")
        print(f"   GUI heartbeat over all of that: {beat.summary()}")
        if verdict == "FAIL":
            failures.append("open")

    if not args.skip_detect:
        data = write_dataset(folder / "detect.csv", args.rows_detect, folder)
        modes = [("child process (what PrivDesk does)", None)]
        if args.compare_thread:
            from privdesk.core.detect import DetectionEngine, DetectionSettings

            modes.append(("worker thread in the GUI process (for comparison)",
                          lambda settings: DetectionEngine(DetectionSettings(**{
                              k: (tuple(v) if k == "allow_list" else v) for k, v in settings.items()}))))
        for number, (label, factory) in enumerate(modes, start=2):
            result = measure_detection(app, data, args.minutes, factory)
            beat = result["beat"]
            rate = result["records"] / result["elapsed"] if result["elapsed"] else 0
            scope = ("all records" if result["finished"]
                     else f"stopped after {result['elapsed'] / 60:.1f} min as asked (--minutes {args.minutes:g})")
            verdict = "PASS" if beat.longest_stall_ms < 100 else "FAIL"
            print(f"\n{number}. Detection over {args.rows_detect:,} records, engine in a {label}:")
            print(f"   {result['records']:,} records done in {result['elapsed']:.0f} s ({rate:.0f} records/s; {scope}); "
                  f"{result['findings']:,} findings; first findings after {result['first_chunk_s'] or 0:.1f} s; "
                  f"{result['decisions']} decisions made meanwhile by the simulated analyst")
            if not result["finished"] and rate > 0:
                print(f"   (the whole run would need about {args.rows_detect / rate / 60:.0f} min at this rate; "
                      "the stall below is measured over the part that ran)")
            print(f"   GUI heartbeat: {beat.summary()} (target < 100 ms) {verdict}")
            if verdict == "FAIL" and factory is None:
                failures.append("detect")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
