"""Exporting the sanitized dataset, and restoring one from its vault.

ExportDialog: format, destination, audit report, optional vault with a passphrase typed twice. The
export runs in a Worker (export_dataset), with progress and Cancel; export_dataset writes through
temporary files, so a cancelled export leaves nothing behind. At the end it shows a summary with
buttons that open the folder and the report. The passphrase goes to the worker and nowhere else: the
fields are cleared once the export starts.

ReidentifyDialog: masked file, vault, passphrase, output; runs reidentify_file in a Worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.dataset import Dataset, ReadOptions
from privdesk.core.mask import ExportSummary, Policy, ReidentifySummary, export_dataset, reidentify_file
from privdesk.core.mask.audit import ReviewSummary
from privdesk.core.mask.export import DEFAULT_BATCH_ROWS
from privdesk.core.progress import ProgressInfo
from privdesk.gui import palette
from privdesk.gui.error_reporting import error_dialog
from privdesk.gui.workers import ThreadPoolLike, Worker

# (label, format name, extension)
EXPORT_FORMATS: tuple[tuple[str, str, str], ...] = (("CSV", "csv", ".csv"), ("JSON Lines", "jsonl", ".jsonl"),
                                                     ("Parquet", "parquet", ".parquet"))
MIN_PASSPHRASE = 8


def passphrase_strength(passphrase: str) -> tuple[str, str]:
    """(verdict, advice) for a vault passphrase: length counts most, then the mix of character kinds."""
    if not passphrase:
        return "", ""
    kinds = sum(any(test(ch) for ch in passphrase) for test in (str.islower, str.isupper, str.isdigit,
                                                                    lambda ch: not ch.isalnum()))
    words = len(passphrase.split())
    if len(passphrase) < MIN_PASSPHRASE:
        return "too short", f"use at least {MIN_PASSPHRASE} characters"
    if len(passphrase) >= 20 or (words >= 4 and len(passphrase) >= 16) or (len(passphrase) >= 14 and kinds >= 3):
        return "strong", "store it safely: the vault cannot be opened without it"
    if len(passphrase) >= 12 and kinds >= 2:
        return "fair", "a few more words would make it strong"
    return "weak", "longer is better: try four or more unrelated words"


def unreviewed_warning(review: ReviewSummary, unreviewed_records: int) -> str | None:
    """The text of the warning before an export of data a person did not finish reviewing, or None."""
    parts = []
    if unreviewed_records:
        parts.append(f"{unreviewed_records:,} record(s) have findings nobody reviewed yet")
    if review.pending_below_threshold:
        threshold = f" {review.threshold:.2f}" if review.threshold is not None else ""
        parts.append(f"{review.pending_below_threshold:,} unreviewed finding(s) score below the threshold{threshold} "
                     "and will NOT be masked")
    if not parts:
        return None
    return ("; ".join(parts) + ".\n\nExport anyway? The audit report will record how much was reviewed.")


class ExportRequest:
    """What the Policy tab hands the dialog: the data, the spans to mask and the review state."""

    def __init__(self, dataset: Dataset, policy: Policy, secret: bytes, spans: Callable[[], Any],
                 review: ReviewSummary, unreviewed_records: int, project_id: str | None) -> None:
        self.dataset = dataset
        self.policy = policy
        self.secret = secret
        self.spans = spans  # called once per export: a fresh iterator of span lists, one per record
        self.review = review
        self.unreviewed_records = unreviewed_records
        self.project_id = project_id


def _browse_row(parent: QWidget, edit: QLineEdit, choose: Callable[[], str]) -> QWidget:
    host = QWidget(parent)
    row = QHBoxLayout(host)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    button = QPushButton("Browse\u2026", host)
    button.clicked.connect(lambda: (lambda path: edit.setText(path) if path else None)(choose()))
    row.addWidget(button)
    return host


def open_path(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ExportDialog(QDialog):
    export_finished = Signal(object)  # ExportSummary

    def __init__(self, request: ExportRequest, thread_pool: ThreadPoolLike | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export the sanitized dataset")
        self.setMinimumWidth(560)
        self.request = request
        self._pool = thread_pool
        self._worker: Worker | None = None
        self.summary: ExportSummary | None = None
        self.batch_rows = DEFAULT_BATCH_ROWS  # tests make it small to cancel between batches
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._build_form())
        self.pages.addWidget(self._build_summary())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self._update_state()

    # ---- the form -------------------------------------------------------------------------------

    def _build_form(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout()
        self.format_combo = QComboBox(page)
        self.format_combo.setObjectName("exportFormat")
        for label, name, _ in EXPORT_FORMATS:
            self.format_combo.addItem(label, name)
        source = self.request.dataset.path
        self.output_edit = QLineEdit(str(source.with_name(f"{source.stem}.masked.csv")), page)
        self.output_edit.setObjectName("exportDestination")
        form.addRow("Format", self.format_combo)
        form.addRow("Destination", _browse_row(page, self.output_edit, self._choose_output))

        self.report_check = QCheckBox("Write the audit report (HTML, with a JSON copy)", page)
        self.report_check.setObjectName("exportReport")
        self.report_check.setChecked(True)
        form.addRow("Audit report", self.report_check)

        self.vault_check = QCheckBox("Write a re-identification vault (encrypted originals)", page)
        self.vault_check.setObjectName("exportVault")
        self.vault_edit = QLineEdit(page)
        self.vault_edit.setObjectName("exportVaultPath")
        self.passphrase_edit = QLineEdit(page)
        self.passphrase_edit.setObjectName("exportPassphrase")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_repeat = QLineEdit(page)
        self.passphrase_repeat.setObjectName("exportPassphraseRepeat")
        self.passphrase_repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength_label = QLabel(page)
        self.strength_label.setObjectName("passphraseStrength")
        self.strength_label.setWordWrap(True)
        form.addRow("Vault", self.vault_check)
        form.addRow("Vault file", _browse_row(page, self.vault_edit, lambda: QFileDialog.getSaveFileName(
            self, "Vault file", self.vault_edit.text(), "Vault (*.vault)")[0]))
        form.addRow("Passphrase", self.passphrase_edit)
        form.addRow("Repeat", self.passphrase_repeat)
        form.addRow("", self.strength_label)

        self.problem_label = QLabel(page)
        self.problem_label.setObjectName("exportProblem")
        self.problem_label.setStyleSheet("color: #c0392b;")
        self.problem_label.setWordWrap(True)
        self.progress_bar = QProgressBar(page)
        self.progress_bar.setObjectName("exportProgress")
        self.progress_bar.setVisible(False)
        self.status_label = QLabel(page)
        self.export_button = QPushButton("Export", page)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", page)
        self.cancel_button.setObjectName("exportCancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)

        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.progress_bar)
        layout.addLayout(buttons)

        self.format_combo.currentIndexChanged.connect(self._on_format_changed)
        self.output_edit.textChanged.connect(self._on_output_changed)
        for widget in (self.vault_check, self.report_check):
            widget.toggled.connect(self._update_state)
        for edit in (self.vault_edit, self.passphrase_edit, self.passphrase_repeat):
            edit.textChanged.connect(self._update_state)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel)
        self._on_output_changed(self.output_edit.text())
        return page

    def _choose_output(self) -> str:
        name = self.format_combo.currentText()
        extension = EXPORT_FORMATS[self.format_combo.currentIndex()][2]
        return QFileDialog.getSaveFileName(self, "Export to", self.output_edit.text(), f"{name} (*{extension})")[0]

    def output_format(self) -> str:
        return self.format_combo.currentData()

    def output_path(self) -> Path:
        return Path(self.output_edit.text().strip()).expanduser()

    def report_path(self) -> Path | None:
        if not self.report_check.isChecked():
            return None
        output = self.output_path()
        return output.with_name(f"{output.stem}.report.html")

    def _on_format_changed(self) -> None:
        extension = EXPORT_FORMATS[self.format_combo.currentIndex()][2]
        text = self.output_edit.text().strip()
        if text and Path(text).name:
            self.output_edit.setText(str(Path(text).with_suffix(extension)))

    def _on_output_changed(self, text: str) -> None:
        output = Path(text.strip())
        if text.strip() and output.name:
            self.vault_edit.setText(str(output.with_name(f"{output.stem}.vault")))

    def problem(self) -> str | None:
        """Why Export cannot start yet, or None."""
        if not self.output_edit.text().strip():
            return "Choose where to write the sanitized dataset."
        if self.output_path().resolve() == self.request.dataset.path.resolve():
            return "The destination is the original dataset; PrivDesk never writes over it."
        if self.vault_check.isChecked():
            if not self.vault_edit.text().strip():
                return "Choose where to write the vault."
            if len(self.passphrase_edit.text()) < MIN_PASSPHRASE:
                return f"The vault passphrase needs at least {MIN_PASSPHRASE} characters."
            if self.passphrase_edit.text() != self.passphrase_repeat.text():
                return "The two passphrases differ."
        return None

    def _update_state(self) -> None:
        vault = self.vault_check.isChecked()
        for widget in (self.vault_edit, self.passphrase_edit, self.passphrase_repeat):
            widget.setEnabled(vault and not self.is_running)
        verdict, advice = passphrase_strength(self.passphrase_edit.text()) if vault else ("", "")
        colour = {"strong": "#2e9d55", "fair": "#b7791f"}.get(verdict, "#c0392b")
        self.strength_label.setText(f"<span style='color:{colour}'>Strength: <b>{verdict}</b></span> \u2014 {advice}"
                                    if verdict else "")
        problem = None if self.is_running else self.problem()
        self.problem_label.setText(problem or "")
        self.export_button.setEnabled(problem is None and not self.is_running)
        self.cancel_button.setText("Cancel export" if self.is_running else "Close")

    # ---- running --------------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self._worker is not None  # from start_export until the worker's final signal (_ended)

    def confirm_unreviewed(self) -> bool:
        text = unreviewed_warning(self.request.review, self.request.unreviewed_records)
        if text is None:
            return True
        answer = QMessageBox.warning(self, "Unreviewed data", text,
                                     QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                     QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def start_export(self) -> bool:
        if self.is_running or self.problem() is not None or not self.confirm_unreviewed():
            return False
        request = self.request
        dataset = request.dataset
        vault = self.vault_check.isChecked()
        options = ReadOptions(format=dataset.format, encoding=dataset.encoding, delimiter=dataset.delimiter,
                              text_split=dataset.text_split or "line")  # type: ignore[arg-type]
        worker = Worker(export_dataset, dataset.path, request.spans(), request.policy, request.secret,
                        self.output_path(), name="export", format=self.output_format(), read_options=options,
                        report_path=self.report_path(),
                        vault_path=Path(self.vault_edit.text().strip()) if vault else None,
                        passphrase=self.passphrase_edit.text() if vault else None,
                        project_id=request.project_id, review=request.review, batch_rows=self.batch_rows)
        # The passphrase now lives only in the worker's arguments, dropped when it ends.
        self.passphrase_edit.clear()
        self.passphrase_repeat.clear()
        worker.signals.progress.connect(self._on_progress)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        worker.signals.cancelled.connect(self._on_cancelled)
        self._worker = worker
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setVisible(True)
        self.status_label.setText("Exporting\u2026")
        self._update_state()
        worker.start(self._pool)
        return True

    def cancel(self) -> None:
        if self.is_running and self._worker is not None:
            self._worker.cancel()
            self.status_label.setText("Cancelling\u2026")
        else:
            self.reject()

    def _on_progress(self, info: ProgressInfo) -> None:
        fraction = info.fraction
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(fraction * 1000))
        if info.message:
            self.status_label.setText(info.message)

    def _ended(self, status: str) -> None:
        self._worker = None
        self.progress_bar.setVisible(False)
        self.status_label.setText(status)
        self._update_state()

    def _on_failed(self, error: BaseException) -> None:
        self._ended("The export failed; nothing was written.")
        error_dialog(self, error, action="Exporting the dataset")

    def _on_cancelled(self) -> None:
        self._ended("Export cancelled; nothing was written.")

    def _on_finished(self, summary: ExportSummary) -> None:
        self._ended("")
        self.summary = summary
        self._show_summary(summary)
        self.export_finished.emit(summary)

    # ---- the summary ----------------------------------------------------------------------------

    def _build_summary(self) -> QWidget:
        page = QWidget(self)
        self.summary_label = QLabel(page)
        self.summary_label.setObjectName("exportSummary")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_folder_button = QPushButton("Open folder", page)
        self.open_folder_button.setObjectName("openFolderButton")
        self.open_report_button = QPushButton("Open audit report", page)
        self.open_report_button.setObjectName("openReportButton")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, page)
        close.rejected.connect(self.accept)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.open_report_button.clicked.connect(self.open_report)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_folder_button)
        buttons.addWidget(self.open_report_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(page)
        layout.addWidget(self.summary_label, 1)
        layout.addLayout(buttons)
        return page

    def _show_summary(self, summary: ExportSummary) -> None:
        by_type = summary.counts.by_entity()
        rows = "".join(f"<tr><td>{palette.entity_label(entity)}</td><td align='right'>{count:,}</td></tr>"
                       for entity, count in sorted(by_type.items(), key=lambda item: -item[1]))
        lines = ["<h3>Export finished</h3>",
                 f"<p><b>{summary.rows:,}</b> records written to <b>{summary.output_path.name}</b> "
                 f"({summary.format.upper()}) in {summary.elapsed_s:.1f} s.</p>",
                 f"<p><b>{summary.counts.spans:,}</b> spans masked"
                 + (f" in {summary.replacements:,} places (overlapping spans merged)" if summary.replacements != summary.counts.spans else "")
                 + ", by type:</p>",
                 f"<table cellspacing='6'>{rows}</table>" if rows else "<p>No span was masked.</p>"]
        if summary.counts.fallbacks:
            lines.append(f"<p>{summary.counts.fallbacks:,} values could not take their operator and were "
                         "tagged or redacted instead.</p>")
        if summary.vault_path is not None:
            lines.append(f"<p>Vault: {summary.vault_path.name} ({summary.vault_entries:,} entries). "
                         "Keep the passphrase safe; PrivDesk did not store it.</p>")
        if summary.report_paths:
            lines.append(f"<p>Audit report: {summary.report_paths[0].name}</p>")
        self.summary_label.setText("".join(lines))
        self.open_report_button.setEnabled(bool(summary.report_paths))
        self.pages.setCurrentIndex(1)

    def open_folder(self) -> bool:
        return self.summary is not None and open_path(self.summary.output_path.parent)

    def open_report(self) -> bool:
        return self.summary is not None and bool(self.summary.report_paths) and open_path(self.summary.report_paths[0])

    def reject(self) -> None:
        if self.is_running:  # closing the window mid-export cancels it rather than leaving it running unseen
            self.cancel()
            return
        super().reject()


class ReidentifyDialog(QDialog):
    """Restore the original data from a masked file and its vault."""

    restored = Signal(object)  # ReidentifySummary

    def __init__(self, thread_pool: ThreadPoolLike | None = None, parent: QWidget | None = None,
                 project_id: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reidentifyDialog")
        self.setWindowTitle("Re-identify a masked file")
        self.setMinimumWidth(520)
        self._pool = thread_pool
        self._project_id = project_id
        self._worker: Worker | None = None
        self.summary: ReidentifySummary | None = None
        self.masked_edit = QLineEdit(self)
        self.masked_edit.setObjectName("reidentifyMasked")
        self.vault_edit = QLineEdit(self)
        self.vault_edit.setObjectName("reidentifyVault")
        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setObjectName("reidentifyPassphrase")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.output_edit = QLineEdit(self)
        self.output_edit.setObjectName("reidentifyOutput")
        form = QFormLayout()
        form.addRow("Masked file", _browse_row(self, self.masked_edit, lambda: QFileDialog.getOpenFileName(
            self, "Masked file", self.masked_edit.text())[0]))
        form.addRow("Vault", _browse_row(self, self.vault_edit, lambda: QFileDialog.getOpenFileName(
            self, "Vault", self.vault_edit.text(), "Vault (*.vault);;All files (*)")[0]))
        form.addRow("Passphrase", self.passphrase_edit)
        form.addRow("Restore to", _browse_row(self, self.output_edit, lambda: QFileDialog.getSaveFileName(
            self, "Restore to", self.output_edit.text())[0]))
        self.status_label = QLabel(self)
        self.status_label.setObjectName("reidentifyStatus")
        self.status_label.setWordWrap(True)
        self.restore_button = QPushButton("Restore", self)
        self.restore_button.setObjectName("reidentifyButton")
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(close)
        buttons.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.masked_edit.textChanged.connect(self._on_masked_changed)
        for edit in (self.masked_edit, self.vault_edit, self.passphrase_edit, self.output_edit):
            edit.textChanged.connect(self._update_state)
        self.restore_button.clicked.connect(self.start)
        self._update_state()

    def _on_masked_changed(self, text: str) -> None:
        masked = Path(text.strip())
        if not text.strip() or not masked.name:
            return
        if not self.vault_edit.isModified():
            self.vault_edit.setText(str(masked.with_name(f"{masked.stem}.vault")))
        if not self.output_edit.isModified():
            self.output_edit.setText(str(masked.with_name(f"{masked.stem}.restored{masked.suffix}")))

    def _update_state(self) -> None:
        ready = all(edit.text().strip() for edit in (self.masked_edit, self.vault_edit, self.output_edit))
        self.restore_button.setEnabled(ready and bool(self.passphrase_edit.text()) and self._worker is None)

    def start(self) -> bool:
        if not self.restore_button.isEnabled():
            return False
        worker = Worker(reidentify_file, Path(self.masked_edit.text().strip()), Path(self.vault_edit.text().strip()),
                        self.passphrase_edit.text(), Path(self.output_edit.text().strip()), name="reidentify",
                        expected_project_id=self._project_id)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        worker.signals.cancelled.connect(lambda: self._ended("Cancelled; nothing was written."))
        self._worker = worker
        self.status_label.setText("Restoring\u2026")
        self._update_state()
        worker.start(self._pool)
        return True

    def _ended(self, text: str) -> None:
        self._worker = None
        self.status_label.setText(text)
        self._update_state()

    def _on_failed(self, error: BaseException) -> None:
        self._ended("Nothing was restored.")
        self.passphrase_edit.selectAll()
        error_dialog(self, error, action="Re-identifying the file")

    def _on_finished(self, summary: ReidentifySummary) -> None:
        self.summary = summary
        self.passphrase_edit.clear()
        self._ended(f"Restored {summary.values_restored:,} values in {summary.rows:,} records into "
                    f"{summary.output_path.name}.")
        self.restored.emit(summary)
