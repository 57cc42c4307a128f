"""The Train tab: settings, a plan readout, Start/Pause/Resume/Cancel, live charts, a log, and the run list.

Training and planning run in Workers (privdesk.gui.workers) so the window stays responsive; the
PauseToken and the Worker's CancelToken are the only things the GUI thread shares with the loop.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThreadPool, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMessageBox, QPlainTextEdit, QPushButton, QScrollArea, QSplitter, QTableView,
                               QTextBrowser, QVBoxLayout, QWidget)

from privdesk.core.errors import PrivDeskError
from privdesk.core.train import (PauseToken, SealKey, TrainConfig, TrainPlan, TrainProgress, TrainResult, plan,
                                 resume, train)
from privdesk.gui.models.runs_model import RunsModel, discover_run_folders, read_entry
from privdesk.gui.widgets.train_charts import TrainCharts, format_duration
from privdesk.gui.widgets.train_form import TrainForm
from privdesk.gui.workers import ThreadPoolLike, Worker

EMPTY_HINT = "Open or create a project first, then load a dataset (Data tab) or pick a sanitized export to train on."
LOG_LINES = 2000


def default_runs_root(project: Any) -> Path:
    """<project folder>/<project stem>_runs: run folders live next to the project file."""
    return Path(project.path).parent / f"{project.name}_runs"


class TrainTab(QWidget):
    """Fine-tune a language model with DP-SGD on the project's data; emits run_finished(run folder)."""

    run_finished = Signal(Path)
    status_message = Signal(str)

    def __init__(self, thread_pool: ThreadPoolLike | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainTab")
        self._pool = thread_pool if thread_pool is not None else QThreadPool.globalInstance()
        self._project: Any = None
        self._dataset: Any = None
        self._plan_worker: Worker | None = None
        self._train_worker: Worker | None = None
        self._pause = PauseToken()
        self._run_dir: Path | None = None
        self._last_phase = ""
        self._last_logged_step = -1
        self._target_epsilon: float | None = None
        self._build()
        self.set_context(None, None)

    # ---- layout -------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.hint_label = QLabel(EMPTY_HINT)
        self.hint_label.setObjectName("trainHint")
        self.hint_label.setWordWrap(True)
        self.form = TrainForm()
        self.form.changed.connect(self._on_settings_changed)

        self.runs_root_edit = QLineEdit()
        self.runs_root_edit.setObjectName("runsFolderEdit")
        self.runs_root_edit.setToolTip("Each run gets a timestamped folder here")
        browse_root = QPushButton("Browse…")
        browse_root.clicked.connect(self._browse_runs_root)
        root_row = QHBoxLayout()
        root_row.addWidget(QLabel("Runs folder"))
        root_row.addWidget(self.runs_root_edit, 1)
        root_row.addWidget(browse_root)

        self.plan_button = QPushButton("Plan")
        self.plan_button.setObjectName("planTrainingButton")
        self.plan_button.setToolTip("Read the data and compute σ, q and the number of steps")
        self.plan_button.clicked.connect(self.compute_plan)
        self.plan_label = QLabel("Press Plan to see σ, q and steps before starting.")
        self.plan_label.setObjectName("planReadout")
        self.plan_label.setWordWrap(True)
        self.plan_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.start_button = self._button("Start", "startTrainingButton", self.start_training)
        self.pause_button = self._button("Pause", "pauseTrainingButton", self.pause_training)
        self.resume_button = self._button("Resume", "resumeTrainingButton", self.resume_training)
        self.resume_button.setToolTip("Continue a paused run, or resume the cancelled run selected in the list")
        self.cancel_button = self._button("Cancel", "cancelTrainingButton", self.cancel_training)
        self.cancel_button.setToolTip("Stop after this step; a checkpoint is written so the run can be resumed")
        buttons = QHBoxLayout()
        for button in (self.plan_button, self.start_button, self.pause_button, self.resume_button, self.cancel_button):
            buttons.addWidget(button)

        settings = QWidget()
        settings_layout = QVBoxLayout(settings)
        settings_layout.addWidget(self.hint_label)
        settings_layout.addWidget(self.form)
        settings_layout.addLayout(root_row)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(settings)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The plan and the buttons stay in view however long the form is.
        left = QWidget()
        left.setMinimumWidth(440)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(scroll, 1)
        left_layout.addWidget(self.plan_label)
        left_layout.addLayout(buttons)

        self.charts = TrainCharts()
        self.status_label = QLabel("Idle")
        self.status_label.setObjectName("trainStatus")
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("trainLog")
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)
        middle = QSplitter(Qt.Orientation.Vertical)
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.status_label)
        chart_layout.addWidget(self.charts, 1)
        middle.addWidget(chart_box)
        middle.addWidget(self.log_view)
        middle.setStretchFactor(0, 3)
        middle.setStretchFactor(1, 1)

        self.runs_model = RunsModel(self)
        self.runs_view = QTableView()
        self.runs_view.setObjectName("runsList")
        self.runs_view.setModel(self.runs_model)
        self.runs_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.runs_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.runs_view.verticalHeader().hide()
        self.runs_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.runs_view.horizontalHeader().setStretchLastSection(True)
        self.runs_view.selectionModel().currentRowChanged.connect(self._on_run_selected)
        self.model_card_view = QTextBrowser()
        self.model_card_view.setObjectName("modelCardView")
        self.model_card_view.setPlaceholderText("The model card of the selected finished run appears here.")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.runs_view)
        right.addWidget(self.model_card_view)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(middle)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([450, 540, 370])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def _button(self, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    # ---- context ------------------------------------------------------------------------------------

    def set_context(self, project: Any, dataset: Any) -> None:
        """Called by the main window whenever the project or dataset changes (None, None at start)."""
        self._project, self._dataset = project, dataset
        if project is None:
            self.hint_label.setText(EMPTY_HINT)
            self.hint_label.show()
            self.form.set_dataset(None, (), ())
            self.runs_root_edit.clear()
            self.runs_model.set_entries([])
        else:
            self.hint_label.setVisible(dataset is None)
            self.hint_label.setText("No dataset loaded: pick a sanitized export file to train on.")
            if dataset is not None:
                self.form.set_dataset(Path(dataset.path), dataset.columns, self._text_columns(project, dataset),
                                      {"format": dataset.format, "encoding": dataset.encoding,
                                       "delimiter": dataset.delimiter, "text_split": dataset.text_split or "line"})
            else:
                self.form.set_dataset(None, (), ())
            self.runs_root_edit.setText(str(default_runs_root(project)))
            self.refresh_runs()
        self._update_buttons()

    @staticmethod
    def _text_columns(project: Any, dataset: Any) -> list[str]:
        try:
            roles = project.column_roles()
        except PrivDeskError:
            roles = {}
        return [name for name, role in roles.items() if role.kind == "text" and name in dataset.columns]

    def runs_root(self) -> Path | None:
        text = self.runs_root_edit.text().strip()
        return Path(text).expanduser() if text else None

    def refresh_runs(self) -> None:
        """Re-read the run list from the project's training runs and the runs folder."""
        if self._project is None:
            self.runs_model.set_entries([])
            return
        try:
            recorded = [run.params.get("run_dir") or run.artefacts.get("run_dir")
                        for run in self._project.runs(kind="training")]
        except PrivDeskError:
            recorded = []
        folders = discover_run_folders([name for name in recorded if name], self.runs_root())
        self.runs_model.set_entries(entry for entry in map(read_entry, folders) if entry is not None)
        self.runs_view.resizeColumnsToContents()  # a handful of rows: cheap
        self._update_buttons()

    # ---- state --------------------------------------------------------------------------------------

    @property
    def is_training(self) -> bool:
        return self._train_worker is not None and self._train_worker.is_running

    def selected_run(self):
        index = self.runs_view.currentIndex()
        return self.runs_model.entry(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        training = self.is_training
        planning = self._plan_worker is not None and self._plan_worker.is_running
        has_project = self._project is not None
        selected = self.selected_run()
        self.form.setEnabled(not training)
        self.plan_button.setEnabled(has_project and not training and not planning)
        self.start_button.setEnabled(has_project and not training)
        self.pause_button.setEnabled(training and not self._pause.paused)
        self.resume_button.setEnabled((training and self._pause.paused)
                                      or (has_project and not training and selected is not None and selected.resumable))
        self.cancel_button.setEnabled(training)

    # ---- plan ---------------------------------------------------------------------------------------

    def _on_settings_changed(self) -> None:
        self.plan_label.setText("Press Plan to see σ, q and steps before starting.")

    def compute_plan(self) -> None:
        config = self._config_or_warn()
        if config is None:
            return
        self.plan_label.setText("Planning (reading the data)…")
        worker = Worker(plan, config, name="training plan")
        worker.signals.finished.connect(self._on_plan_ready)
        worker.signals.failed.connect(self._on_plan_failed)
        worker.signals.cancelled.connect(self._update_buttons)
        self._plan_worker = worker
        worker.start(self._pool)
        self._update_buttons()

    def _on_plan_ready(self, result: TrainPlan) -> None:
        self.plan_label.setText(self.plan_text(result))
        self._update_buttons()

    @staticmethod
    def plan_text(result: TrainPlan) -> str:
        privacy = (f"σ = {result.noise_multiplier:.4g}   q = {result.sample_rate:.4g}   δ = {result.delta:.3g}"
                   if result.dp else "Non-private baseline: no clipping, no noise.")
        return (f"{privacy}\n{result.steps} steps ({result.epochs} × {result.steps_per_epoch}); "
                f"N = {result.examples:,} examples, {result.held_out_records:,} held out")

    def _on_plan_failed(self, error: BaseException) -> None:
        self.plan_label.setText("Plan failed: " + self._message(error))
        self._update_buttons()

    # ---- start / pause / resume / cancel ------------------------------------------------------------

    def start_training(self) -> None:
        if self.is_training or self._project is None:
            return
        config = self._config_or_warn()
        key = self._key_or_warn()
        if config is None or key is None:
            return
        if self.form.trains_on_raw_data:
            answer = QMessageBox.warning(
                self, "Train on raw data?",
                "You are about to train on the raw, unmasked dataset. The model can memorise personal data and "
                "repeat it. Use a sanitized export unless this is a deliberate baseline.\n\nTrain on raw data anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        root = self.runs_root()
        if root is None:
            self._warn("Choose a folder for the training runs.")
            return
        run_dir = root / datetime.now().strftime("%Y%m%d-%H%M%S")
        while run_dir.exists():
            run_dir = run_dir.with_name(run_dir.name + "-1")
        self._target_epsilon = config.epsilon if config.dp else None
        self.charts.reset(0, self._target_epsilon)
        self._launch(Worker(train, config, run_dir, key=key, project=self._project, pause=self._new_pause(),
                            name="training"), run_dir, "started a new run")

    def resume_training(self) -> None:
        if self.is_training:
            self._pause.resume()
            self._log("resume requested")
            self._update_buttons()
            return
        entry = self.selected_run()
        key = self._key_or_warn()
        if entry is None or not entry.resumable or key is None:
            return
        self._target_epsilon = entry.target_epsilon
        self.charts.load_history(entry.metrics(), entry.total_steps, entry.target_epsilon)
        self._launch(Worker(resume, entry.folder, key=key, project=self._project, pause=self._new_pause(),
                            name="training (resume)"), entry.folder, "resuming a run from its checkpoint")

    def pause_training(self) -> None:
        if self.is_training:
            self._pause.pause()
            self._log("pause requested (takes effect after this step)")
            self._update_buttons()

    def cancel_training(self) -> None:
        if self.is_training:
            self._train_worker.cancel()
            self._log("cancel requested (a checkpoint is written first)")
            self.cancel_button.setEnabled(False)

    def shutdown(self) -> None:
        """Ask a running task to stop and wait for it (the main window calls this when closing)."""
        for worker in (self._train_worker, self._plan_worker):
            if worker is not None and worker.is_running:
                worker.cancel()
        self._pause.resume()
        self._pool.waitForDone(-1)

    def _new_pause(self) -> PauseToken:
        self._pause = PauseToken()
        return self._pause

    def _launch(self, worker: Worker, run_dir: Path, what: str) -> None:
        self._run_dir = run_dir
        self._last_phase, self._last_logged_step = "", -1
        self._started_at = time.monotonic()
        worker.signals.progress.connect(self._on_progress)
        worker.signals.finished.connect(self._on_finished)
        worker.signals.failed.connect(self._on_failed)
        worker.signals.cancelled.connect(self._on_cancelled)
        self._train_worker = worker
        self._log(f"{what}: {run_dir.name}")
        self.status_label.setText("Starting…")
        worker.start(self._pool)
        self._update_buttons()

    # ---- reports from the worker --------------------------------------------------------------------

    def _on_progress(self, report: Any) -> None:
        if not isinstance(report, TrainProgress):
            return
        self.charts.add_progress(report)
        self.status_label.setText(self.status_text(report))
        phase_changed = report.phase != self._last_phase
        every = max(1, report.total_steps // 50)
        if phase_changed or (report.phase == "training" and report.step - self._last_logged_step >= every):
            self._log(self.log_text(report))
            self._last_logged_step = report.step
        self._last_phase = report.phase
        if phase_changed:
            self._update_buttons()

    @staticmethod
    def status_text(report: TrainProgress) -> str:
        parts = [f"{report.phase}", f"step {report.step}/{report.total_steps}", f"epoch {report.epoch:.2f}"]
        if report.epsilon_prv is not None:
            parts.append(f"ε {report.epsilon_prv:.3g} (RDP {report.epsilon_rdp:.3g}) at δ {report.delta:.2g}")
        if report.noise_multiplier:
            parts.append(f"σ {report.noise_multiplier:.3g}, q {report.sample_rate:.3g}")
        if report.grad_sample_mode:
            parts.append(report.grad_sample_mode)
        parts.append(f"ETA {format_duration(report.eta_s)}")
        return " · ".join(parts)

    @staticmethod
    def log_text(report: TrainProgress) -> str:
        """Phase, step and numbers only: the loop's reports hold no data, and this adds none."""
        parts = [f"{report.phase:<10} step {report.step}/{report.total_steps}"]
        if report.loss is not None:
            parts.append(f"loss {report.loss:.4f}")
        if report.held_out_loss is not None:
            parts.append(f"held-out {report.held_out_loss:.4f}")
        if report.epsilon_prv is not None:
            parts.append(f"ε {report.epsilon_prv:.3f}")
        parts.append(f"{report.elapsed_s:.1f} s")
        return "  ".join(parts)

    def _on_finished(self, result: TrainResult) -> None:
        privacy = (f"ε = {result.epsilon_prv:.3f} (PRV)" if result.epsilon_prv is not None else "not private")
        self._log(f"done: {result.steps} steps in {result.training_time_s:.1f} s, {privacy}")
        self.status_label.setText(f"Finished: {result.steps} steps, {privacy}")
        self._end_run(select=result.run_dir)
        self.status_message.emit(f"Training finished: {result.run_dir.name}")
        self.run_finished.emit(Path(result.run_dir))

    def _on_cancelled(self) -> None:
        self._log("cancelled; select the run in the list and press Resume to continue")
        self.status_label.setText("Cancelled (resumable from the run list)")
        self._end_run(select=self._run_dir)

    def _on_failed(self, error: BaseException) -> None:
        message = self._message(error)
        self._log(f"failed: {type(error).__name__}")
        self.status_label.setText("Failed")
        self._end_run(select=self._run_dir)
        self._warn(message)

    def _end_run(self, select: Path | None) -> None:
        self._train_worker = None
        self.refresh_runs()
        row = self.runs_model.row_of(Path(select)) if select is not None else None
        if row is not None:
            self.runs_view.selectRow(row)
            self._on_run_selected()
        self._update_buttons()

    def _on_run_selected(self, *_: object) -> None:
        entry = self.selected_run()
        card = entry.model_card() if entry is not None else None
        if card:
            self.model_card_view.setMarkdown(card)
        elif entry is not None:
            self.model_card_view.setPlainText(f"Run status: {entry.status}. The model card is written when a run "
                                              "finishes." + (" Press Resume to continue it." if entry.resumable else ""))
        else:
            self.model_card_view.clear()
        if entry is not None and not self.is_training:
            self.charts.load_history(entry.metrics(), entry.total_steps, entry.target_epsilon,
                                     entry.held_out_loss if entry.status == "done" else None)
        self._update_buttons()

    # ---- helpers ------------------------------------------------------------------------------------

    def _config_or_warn(self) -> TrainConfig | None:
        try:
            return self.form.config()
        except PrivDeskError as error:
            self._warn(error.message)
            return None

    def _key_or_warn(self) -> SealKey | None:
        if self._project is None:
            return None
        try:
            return SealKey.from_secret(self._project.project_secret())
        except PrivDeskError as error:
            self._warn(error.message)
            return None

    @staticmethod
    def _message(error: BaseException) -> str:
        return error.message if isinstance(error, PrivDeskError) else f"Unexpected error ({type(error).__name__}); " \
                                                                      "see the log file for details."

    def _warn(self, message: str) -> None:
        QMessageBox.warning(self, "Training", message)

    def _log(self, line: str) -> None:
        self.log_view.appendPlainText(f"{datetime.now():%H:%M:%S}  {line}")

    def _browse_runs_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for training runs", self.runs_root_edit.text())
        if folder:
            self.runs_root_edit.setText(folder)
            self.refresh_runs()
