"""Fixtures for GUI tests: offscreen Qt, settings and projects kept in tmp_path, a synchronous thread
pool, small CSVs, and a small rule-based detection engine (the real one is tested once, in
test_detection_process.py, because loading spaCy takes seconds)."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

# Tests never need a display; a caller that set another platform keeps it.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from privdesk.gui import refcount_guard  # noqa: E402

refcount_guard.install()  # PySide6 6.12.0 on Python 3.11 would otherwise abort a long test session

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from privdesk.core.progress import ProgressTracker  # noqa: E402
from privdesk.core.types import Span  # noqa: E402
from privdesk.gui.project_controller import PROJECTS_FOLDER_ENV  # noqa: E402
from privdesk.gui.workers import SynchronousThreadPool  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_projects(tmp_path: Path, monkeypatch) -> Path:
    """Automatic projects are created under tmp_path, never in the user's data folder."""
    folder = tmp_path / "projects"
    monkeypatch.setenv(PROJECTS_FOLDER_ENV, str(folder))
    return folder


@pytest.fixture(autouse=True)
def isolated_settings(qapp, tmp_path: Path) -> Path:
    """Every QSettings the code opens reads and writes INI files under tmp_path, never the user's real settings."""
    folder = tmp_path / "qsettings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "user"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, str(folder / "system"))
    return folder


@pytest.fixture
def sync_pool() -> SynchronousThreadPool:
    return SynchronousThreadPool()


class FakeEngine:
    """A detection engine with DetectionEngine.detect_records' signature and fixed, known rules.

    Text columns: "Firstname Lastname" is a PERSON (0.85), an e-mail address EMAIL_ADDRESS (0.95), an
    ISO date DATE_TIME (0.6), a month name DATE_TIME (0.35), a phone number PHONE_NUMBER (0.75).
    Identifier columns are flagged whole (0.9). The allow and deny lists work as the real engine's do.
    """

    RULES = (
        (re.compile(r"[A-Z][a-z]+ [A-Z][a-z]+"), "PERSON", 0.85, "SpacyNerRecognizer"),
        (re.compile(r"[\w.]+@[\w.]+\.\w+"), "EMAIL_ADDRESS", 0.95, "EmailRecognizer"),
        (re.compile(r"\d{4}-\d{2}-\d{2}"), "DATE_TIME", 0.6, "DatePatternRecognizer"),
        (re.compile(r"\b(?:January|February|March)\b"), "DATE_TIME", 0.35, "SpacyNerRecognizer"),
        (re.compile(r"\+1 \d{3} \d{3} \d{4}"), "PHONE_NUMBER", 0.75, "PhoneNumberRecognizer"),
    )

    def __init__(self, settings: dict | None = None) -> None:
        settings = settings or {}
        self.allow = {" ".join(t.split()).casefold() for t in settings.get("allow_list", ())}
        self.deny = dict(settings.get("deny_list") or {})
        self.calls = 0

    def spans_of(self, record: int, column: str, text: str) -> list[Span]:
        spans = []
        for pattern, entity, score, recognizer in self.RULES:
            for match in pattern.finditer(text):
                if " ".join(match.group().split()).casefold() not in self.allow:
                    spans.append(Span(record, column, match.start(), match.end(), entity, score, recognizer))
        for entity, terms in self.deny.items():
            for term in terms:
                for match in re.finditer(rf"(?i)(?<!\w){re.escape(term)}(?!\w)", text):
                    spans.append(Span(record, column, match.start(), match.end(), entity, 0.95, f"DenyList:{entity}"))
        return sorted(spans, key=lambda s: (s.start, s.end))

    def detect_records(self, rows: Any, column_roles: dict, *, start_record: int = 0, chunk_size: int = 1000,
                       progress=None, cancel=None) -> Iterator[list[Span]]:
        self.calls += 1
        tracker = ProgressTracker(progress, rows.num_rows - start_record)
        for record in range(start_record, rows.num_rows):
            if cancel is not None:
                cancel.raise_if_cancelled()
            spans: list[Span] = []
            for column, role in column_roles.items():
                text = rows.text(record, column)
                if role.kind == "text":
                    spans.extend(self.spans_of(record, column, text))
                elif role.kind == "identifier" and text.strip():
                    spans.append(Span(record, column, 0, len(text), role.entity_type, 0.9, f"column:{column}"))
            yield spans
            tracker.advance(1, "detecting")


@pytest.fixture
def fake_engine_factory() -> Callable[[dict], FakeEngine]:
    return FakeEngine


@pytest.fixture
def main_window(qtbot, sync_pool, fake_engine_factory):
    from privdesk.gui.main_window import MainWindow

    window = MainWindow(thread_pool=sync_pool, engine_factory=fake_engine_factory)
    qtbot.addWidget(window)
    return window


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def write_csv() -> Callable[[Path, Sequence[str], Sequence[Sequence[object]]], Path]:
    """write_csv(path, header, rows) -> path: a plain UTF-8 CSV for a test."""
    return _write_csv


PATIENT_HEADER = ("record_id", "patient", "email", "note")
PATIENT_ROWS = (
    (1, "Alice Martin", "alice.martin@example.org", "Seen on 2024-03-02 for a sprained ankle.\nFollow-up in 2 weeks."),
    (2, "Bruno Keller", "b.keller@example.com", "Reports headaches since January; prescribed rest."),
    (3, "Chen Wei", "chen.wei@example.net", "Called from +1 415 555 0134 about test results."),
)


@pytest.fixture
def patient_header() -> tuple[str, ...]:
    return PATIENT_HEADER


@pytest.fixture
def patient_rows() -> tuple[tuple[object, ...], ...]:
    return PATIENT_ROWS


@pytest.fixture
def patients_csv(tmp_path: Path) -> Path:
    """Three records of invented patients (see PATIENT_ROWS), one note spanning two lines."""
    return _write_csv(tmp_path / "patients.csv", PATIENT_HEADER, PATIENT_ROWS)


@pytest.fixture
def drag_event():
    """drag_event(QDragEnterEvent or QDropEvent, x, y, mime) -> the event."""
    return make_drag_event


def make_drag_event(event_class, x: float, y: float, mime):
    """A QDragEnterEvent or QDropEvent at (x, y): PySide6 6.12 takes a QPointF there, 6.11 a QPoint."""
    from PySide6.QtCore import QPoint, QPointF, Qt

    arguments = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    try:
        return event_class(QPointF(x, y), *arguments)
    except TypeError:
        return event_class(QPoint(round(x), round(y)), *arguments)


@pytest.fixture(autouse=True)
def isolated_config_dir(tmp_path, monkeypatch):
    """PrivDesk's own settings file (network permission) lives under tmp_path, never in the user's folder."""
    from privdesk.core.appconfig import CONFIG_DIR_ENV

    folder = tmp_path / "privdesk-config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(folder))
    return folder
