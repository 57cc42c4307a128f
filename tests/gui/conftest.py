"""Fixtures for GUI tests: offscreen Qt, settings kept in tmp_path, a synchronous thread pool, small CSVs."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Callable, Sequence

# Tests never need a display; a caller that set another platform keeps it.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from privdesk.gui.workers import SynchronousThreadPool  # noqa: E402


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


@pytest.fixture
def main_window(qtbot, sync_pool):
    from privdesk.gui.main_window import MainWindow

    window = MainWindow(thread_pool=sync_pool)
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
