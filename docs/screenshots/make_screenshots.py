"""Take the README screenshot of the Data tab with a real window.

Run under a display, e.g. `Xvfb :99 -screen 0 1400x900x24 & DISPLAY=:99 .venv/bin/python docs/screenshots/make_screenshots.py`.
Opens the bundled sample (resources/samples/clinical_notes.csv), or a small generated CSV when the
sample is missing, and saves docs/screenshots/data_tab.png. Settings go to a temporary folder so
the screenshot never depends on, or changes, the user's own window geometry and recent files.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer

from privdesk.gui.app import create_application
from privdesk.gui.main_window import MainWindow
from privdesk.paths import default_sample

OUTPUT = Path(__file__).resolve().parent / "data_tab.png"
WINDOW_SIZE = (1360, 860)


def fallback_sample(folder: Path) -> Path:
    """A small clinical-notes-like CSV of invented people, for when the bundled sample is not there."""
    rng = random.Random(7)
    first = ["Maria", "John", "Aisha", "Wei", "Lukas", "Sofia", "Omar", "Emma"]
    last = ["Garcia", "Smith", "Khan", "Chen", "Müller", "Rossi", "Haddad", "Jones"]
    path = folder / "clinical_notes.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["note_id", "patient_name", "email", "phone", "visit_date", "note"])
        for i in range(500):
            name = f"{rng.choice(first)} {rng.choice(last)}"
            writer.writerow([
                i + 1, name, f"{name.lower().replace(' ', '.')}@example.org", f"+1 415 555 {rng.randint(1000, 9999)}",
                f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                f"{name} was seen today for follow-up. Reports mild pain; vitals stable. Call back on "
                f"{rng.randint(1, 28)} March if symptoms persist.",
            ])
    return path


def main() -> int:
    settings_dir = tempfile.mkdtemp(prefix="privdesk-screenshot-")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = create_application()
    sample = default_sample()
    if not sample.is_file():
        sample = fallback_sample(Path(settings_dir))
        print(f"{default_sample()} not found; using a generated CSV", file=sys.stderr)
    window = MainWindow()
    window.resize(*WINDOW_SIZE)
    window.show()

    def grab_when_loaded(_dataset: object) -> None:
        # Let the view lay out and paint the rows before grabbing.
        QTimer.singleShot(400, lambda: (window.grab().save(str(OUTPUT)), print(f"saved {OUTPUT}"), app.quit()))

    window.data_tab.dataset_loaded.connect(grab_when_loaded)
    window.data_tab.load_failed.connect(lambda error: (print(f"loading failed: {error}", file=sys.stderr), app.exit(1)))
    QTimer.singleShot(0, lambda: window.open_dataset(sample))
    QTimer.singleShot(60_000, lambda: (print("timed out", file=sys.stderr), app.exit(2)))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
