"""The Review tab's top bar: Run detection, its progress (records/s, time left) and Cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QWidget

from privdesk.core.progress import ProgressInfo

PROGRESS_STEPS = 1000


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def describe_detection_progress(info: ProgressInfo, first_record: int, total_records: int, findings: int) -> str:
    """"12,345 of 100,000 records · 95 records/s · about 15 min left · 4,567 findings"."""
    done = first_record + info.done
    parts = [f"{done:,} of {total_records:,} records"]
    if info.rate is not None:
        parts.append(f"{info.rate:,.0f} records/s" if info.rate >= 10 else f"{info.rate:.1f} records/s")
    if info.eta_s is not None and info.elapsed_s >= 2:
        parts.append(f"about {format_duration(info.eta_s)} left")
    parts.append(f"{findings:,} findings")
    return " \u00b7 ".join(parts)


class DetectionBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detectionBar")
        self.run_button = QPushButton("Run detection", self)
        self.run_button.setObjectName("runDetectionButton")
        self.run_button.setToolTip("Find PII in every record (F5)")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("detectionProgress")
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumWidth(260)
        self.progress_bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("detectionStatus")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelDetectionButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.run_button)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label, 1)
        layout.addWidget(self.cancel_button)
        self.set_running(False)

    def set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        if running:
            self.progress_bar.setRange(0, 0)

    def show_progress(self, fraction: float | None, text: str) -> None:
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, PROGRESS_STEPS)
            self.progress_bar.setValue(round(fraction * PROGRESS_STEPS))
        self.status_label.setText(text)

    def show_status(self, text: str) -> None:
        self.status_label.setText(text)
