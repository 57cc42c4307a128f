"""Take the screenshots of every tab for the README and the installer, with a real window and real detection.

Run under a display, for instance:

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python installer/screenshots.py

It opens the bundled sample (resources/samples/clinical_notes.csv), runs detection with the real
engine, makes a few review decisions the way an analyst would, and saves into docs/screenshots/:
data_tab.png, review_tab.png, review_tab_dark.png (the same in the dark scheme), review_values.png
(the dataset-wide view), policy_tab.png, train_tab.png and evaluate_tab.png. Settings and the
automatic project go to a temporary folder, so the screenshots never depend on, or change, the
user's own settings and projects. Exit status 0 when every file was written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings, Qt, QThreadPool  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from privdesk.gui.app import create_application  # noqa: E402
from privdesk.gui.main_window import MainWindow  # noqa: E402
from privdesk.gui.project_controller import PROJECTS_FOLDER_ENV  # noqa: E402
from privdesk.gui.theme import dark_palette  # noqa: E402
from privdesk.paths import default_sample  # noqa: E402

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
WINDOW_SIZE = (1480, 900)
SHOWCASE_RECORD = 1  # the second note: a doctor, a workplace, a city, a date and an e-mail address


def wait_until(app: QApplication, condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 0.4) -> None:
    """Let layouts, lazy views and repaints finish before a grab."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def save(window: MainWindow, app: QApplication, name: str) -> Path:
    settle(app)
    path = OUTPUT / name
    if not window.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"saved {path}")
    return path


def review_like_an_analyst(window: MainWindow, app: QApplication) -> None:
    """A few decisions on the first records, so the list shows every state and the text every style."""
    tab = window.review_tab
    tab.record_panel.set_sort_order("record")
    for record, keys in ((0, "AAAAAA"), (2, "AARA"), (3, "AA")):
        tab.select_record(record)
        for key in keys:
            finding = tab.selected_finding()
            if finding is None:
                break
            (tab.accept_selected if key == "A" else tab.reject_selected)()
        settle(app, 0.05)
    tab.record_panel.set_sort_order("confidence")
    tab.select_record(SHOWCASE_RECORD)
    findings = tab.findings()
    if len(findings) >= 3:
        tab.select_span(findings[0].key)
        tab.accept_selected()
        tab.select_span(tab.findings()[1].key)
        tab.accept_selected()
    pending = [f for f in tab.findings() if f.status == "pending"]
    tab.select_span((pending or tab.findings())[0].key)


def train_and_evaluate(window: MainWindow, app: QApplication, workdir: Path) -> None:
    """Export with the LLM-training preset, train a tiny DP model with canaries on it, then evaluate."""
    from privdesk.core.mask import export_dataset, load_preset, spans_to_mask

    project = window.project
    export = workdir / "clinical_notes.masked.csv"
    export_dataset(default_sample(), spans_to_mask(project), load_preset("llm_training"), project.project_secret(), export)

    train = window.train_tab
    window.tabs.setCurrentWidget(train)
    train.form.set_export_path(export)
    train.form.set_model("tiny")
    train.form.epochs_spin.setValue(3)
    train.form.canaries_spin.setValue(4)
    train.form.canary_repeats_spin.setValue(4)
    finished: list = []
    train.run_finished.connect(finished.append)
    train.start_training()
    wait_until(app, lambda: bool(finished), 900, "the tiny training run")
    settle(app, 1.0)
    save(window, app, "train_tab.png")

    evaluate = window.evaluate_tab
    window.tabs.setCurrentWidget(evaluate)
    done: list = []
    evaluate.evaluation_finished.connect(done.append)
    evaluate.set_export_path(export)
    evaluate.start_evaluation()
    wait_until(app, lambda: bool(done), 1200, "the evaluation")
    evaluate.results.setCurrentIndex(evaluate.results.count() - 2)  # model leakage and utility
    save(window, app, "evaluate_tab.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, default=default_sample())
    args = parser.parse_args()
    if not args.sample.is_file():
        raise SystemExit(f"{args.sample} not found")
    folder = Path(tempfile.mkdtemp(prefix="privdesk-screenshots-"))
    os.environ[PROJECTS_FOLDER_ENV] = str(folder / "projects")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    app = create_application()
    app.styleHints().setColorScheme(Qt.ColorScheme.Light)
    OUTPUT.mkdir(parents=True, exist_ok=True)

    window = MainWindow(thread_pool=QThreadPool.globalInstance())
    window.resize(*WINDOW_SIZE)
    window.show()
    window.open_dataset(args.sample)
    tab = window.review_tab
    wait_until(app, lambda: tab.session.ready and not tab.session.index_busy, 60, "the dataset and its project")
    window.data_tab.table_view.selectRow(1)
    save(window, app, "data_tab.png")

    window.tabs.setCurrentWidget(tab)
    finished: list[object] = []
    tab.detection.finished.connect(finished.append)
    tab.detection.failed.connect(lambda error: (print(f"detection failed: {error}", file=sys.stderr), finished.append(error)))
    tab.run_detection()
    wait_until(app, lambda: bool(finished), 600, "detection")
    if not hasattr(finished[0], "records_done"):
        return 1
    review_like_an_analyst(window, app)
    tab.explain_selected()
    wait_until(app, lambda: tab.explain_panel.explanation is not None, 120, "the explanation")
    tab.text_view.setFocus(Qt.FocusReason.OtherFocusReason)
    save(window, app, "review_tab.png")

    tab.side_tabs.setCurrentWidget(tab.values_panel)
    wait_until(app, lambda: tab.values_panel.model.rowCount() > 0, 120, "the value groups")
    tree = tab.values_panel.tree
    tree.setCurrentIndex(tab.values_panel.model.index(0, 0, tab.values_panel.model.index(0, 0)))
    save(window, app, "review_values.png")
    tab.side_tabs.setCurrentIndex(0)

    # The dark scheme as Fusion shows it when the desktop reports one (a bare X server reports none).
    light = app.palette()
    app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
    app.setPalette(dark_palette())
    settle(app, 0.8)
    tab.select_record(SHOWCASE_RECORD)
    save(window, app, "review_tab_dark.png")
    app.setPalette(light)
    app.styleHints().setColorScheme(Qt.ColorScheme.Light)
    settle(app, 0.5)

    window.tabs.setCurrentWidget(window.policy_tab)
    save(window, app, "policy_tab.png")
    train_and_evaluate(window, app, folder)
    window.close()
    QThreadPool.globalInstance().waitForDone(10_000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
