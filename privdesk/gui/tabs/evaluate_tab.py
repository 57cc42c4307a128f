"""The Evaluate tab: how well PII was detected, whether any is left in the export, what trained models leak.

Left: what to evaluate (the gold for detection quality, the sanitized export, the training run
folders) and the Evaluate / Export report buttons. Right: the results, one page per part, with the
core's own charts (privdesk.core.evaluate.charts) and tables. The evaluation and the report run in
Workers (scoring models takes minutes); the analyst can cancel.

Values from the data are held in memory so the analyst can look at them ("show values") or put
examples in the report ("include examples"); neither is shown or written unless ticked.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.errors import PrivDeskError
from privdesk.core.evaluate import (
    MATCH_MODES,
    Evaluation,
    LeakageOptions,
    evaluate_detection,
    evaluate_project,
    find_run_folders,
    project_run_folders,
    read_span_file,
)
from privdesk.core.evaluate import charts
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressInfo
from privdesk.gui.error_reporting import error_dialog
from privdesk.gui.models.metrics_model import (
    DETECTION_HEADERS,
    MODEL_HEADERS,
    MetricsModel,
    detection_rows,
    model_rows,
    residual_headers,
    residual_rows,
)
from privdesk.gui.widgets.chart_canvas import ChartCanvas
from privdesk.gui.workers import ThreadPoolLike, Worker

log = logging.getLogger(__name__)

REVIEW_THRESHOLD_SETTING = "review.threshold"  # the Review tab's confidence slider, shown on the sweep
EngineFactory = Callable[[], Any]
OK_COLOUR, BAD_COLOUR = "#1a7f37", "#cf222e"

NO_PROJECT_HINT = ("<b>Nothing to evaluate yet.</b> Open a dataset on the Data tab and review its detections: "
                   "detection quality is measured on the records you fully reviewed. Export a sanitized copy "
                   "to check it for residual PII, and train a model to measure what it leaks.")


def default_engine() -> Any:
    """The real detection engine, loaded in the worker (spaCy takes seconds)."""
    from privdesk.core.detect import DetectionEngine, DetectionSettings

    return DetectionEngine(DetectionSettings())


@dataclass(frozen=True)
class EvaluationRequest:
    """What one Evaluate click asks for (plain values, so the worker never reads a widget)."""

    project: Any
    gold_path: Path | None  # None: the review decisions are the gold
    match_mode: str
    threshold: float | None
    export_path: Path | None
    run_detector: bool
    run_folders: tuple[Path, ...]
    options: LeakageOptions


def run_evaluation(request: EvaluationRequest, engine_factory: EngineFactory, *, progress: ProgressCallback,
                   cancel: CancelToken) -> Evaluation:
    """The whole evaluation, off the GUI thread. Values are kept (include_values) for the analyst to opt in."""
    engine = engine_factory() if request.run_detector and request.export_path is not None else None
    try:
        evaluation = evaluate_project(
            request.project, export_path=request.export_path, engine=engine, run_folders=list(request.run_folders),
            options=request.options, detection=request.gold_path is None, match_mode=request.match_mode,
            threshold=request.threshold, models=bool(request.run_folders), include_values=True,
            progress=progress, cancel=cancel)
    finally:
        close = getattr(engine, "close", None)
        if close is not None:
            close()
    if request.gold_path is not None:
        evaluation.detection = _detection_against_file(request, evaluation)
    evaluation.include_values = False  # the report's checkbox decides, at export
    return evaluation


def _detection_against_file(request: EvaluationRequest, evaluation: Evaluation):
    """The project's detections scored against an imported gold file (records numbered as in the dataset)."""
    standard = read_span_file(request.gold_path)
    predictions = [detection.as_span() for detection in request.project.iter_detections()
                   if detection.record < standard.records
                   and (request.threshold is None or detection.score >= request.threshold)]
    quality = evaluate_detection(standard.gold, predictions, mode=request.match_mode, records=standard.records,
                                 source=f"the detections against {request.gold_path.name}")
    quality.notes.extend(standard.notes)
    return quality


def export_report(evaluation: Evaluation, html_path: Path, pdf: bool, *, progress: ProgressCallback,
                  cancel: CancelToken) -> list[Path]:
    from privdesk.core.evaluate.report import write_pdf, write_report

    try:
        written = [write_report(evaluation, html_path)]
        cancel.raise_if_cancelled()
        if pdf:
            written.append(write_pdf(evaluation, html_path.with_suffix(".pdf")))
    except OSError as error:
        raise PrivDeskError(f"cannot be written ({error.strerror or error}).", path=html_path,
                            hint="Choose a folder you can write to.") from None
    return written


def _table_view(model: MetricsModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _scroll_page(content: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(content)
    return area


class EvaluateTab(QWidget):
    """objectName "evaluateTab". The main window calls set_context(project, dataset) and connects the
    Train tab's run_finished to add_run_folder."""

    evaluation_finished = Signal(object)  # the Evaluation
    report_written = Signal(object)  # list of the Paths written

    def __init__(self, thread_pool: ThreadPoolLike | None = None, parent: QWidget | None = None, *,
                 engine_factory: EngineFactory | None = None, leakage_options: LeakageOptions | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluateTab")
        self._pool = thread_pool
        self._engine_factory = engine_factory or default_engine
        self._leakage_options = leakage_options or LeakageOptions()
        self.project: Any = None
        self.dataset: Any = None
        self.evaluation: Evaluation | None = None
        self._gold_path: Path | None = None
        self._export_path: Path | None = None
        self._worker: Worker | None = None
        self._build()
        self.set_context(None, None)

    # ---- building ------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.hint = QLabel(NO_PROJECT_HINT, self)
        self.hint.setObjectName("evaluateHint")
        self.hint.setWordWrap(True)

        controls = QWidget()
        controls_layout = QVBoxLayout(controls)
        controls_layout.setContentsMargins(0, 0, 0, 0)
        controls_layout.addWidget(self._build_detection_box())
        controls_layout.addWidget(self._build_export_box())
        controls_layout.addWidget(self._build_runs_box())
        controls_layout.addWidget(self._build_actions_box())
        controls_layout.addStretch(1)
        controls.setMinimumWidth(340)
        controls.setMaximumWidth(440)

        self.results = QTabWidget()
        self.results.setObjectName("evaluateResults")
        self.results.addTab(_scroll_page(self._build_detection_page()), "Detection quality")
        self.results.addTab(_scroll_page(self._build_residual_page()), "Residual PII")
        self.results.addTab(_scroll_page(self._build_models_page()), "Model leakage and utility")
        self.results.addTab(_scroll_page(self._build_tradeoff_page()), "Privacy vs utility")

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(controls)
        splitter.addWidget(self.results)
        splitter.setStretchFactor(1, 1)
        self.body = splitter

        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(splitter, 1)

    def _build_detection_box(self) -> QGroupBox:
        box = QGroupBox("Detection quality")
        self.gold_label = QLabel()
        self.gold_label.setObjectName("goldSource")
        self.gold_label.setWordWrap(True)
        self.import_gold_button = QPushButton("Import gold file\u2026")
        self.import_gold_button.setObjectName("importGoldButton")
        self.import_gold_button.setToolTip("Score the detections against a gold file (our JSON Lines, or "
                                           "presidio-research JSON) instead of your review decisions.")
        self.import_gold_button.clicked.connect(self._choose_gold_file)
        self.review_gold_button = QPushButton("Use review decisions")
        self.review_gold_button.setObjectName("reviewGoldButton")
        self.review_gold_button.clicked.connect(lambda: self._set_gold_path(None))
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_gold_button)
        buttons.addWidget(self.review_gold_button)
        self.match_combo = QComboBox()
        self.match_combo.setObjectName("matchMode")
        for mode in MATCH_MODES:
            self.match_combo.addItem(mode, mode)
        self.match_combo.setCurrentIndex(max(0, self.match_combo.findData("iou")))
        self.match_combo.setToolTip("exact: same offsets; iou: overlap of at least 90%; overlap: any overlap")
        self.threshold_spin = QDoubleSpinBox()
        self.threshold_spin.setObjectName("thresholdSpin")
        self.threshold_spin.setRange(0.0, 1.0)
        self.threshold_spin.setSingleStep(0.05)
        self.threshold_spin.setDecimals(2)
        self.threshold_spin.setSpecialValueText("all detections")
        self.threshold_spin.setToolTip("Score only detections at or above this confidence; marked on the sweep.")
        form = QFormLayout(box)
        form.addRow("Gold:", self.gold_label)
        form.addRow(buttons)
        form.addRow("Span matching:", self.match_combo)
        form.addRow("Threshold:", self.threshold_spin)
        self._set_gold_path(None)
        return box

    def _build_export_box(self) -> QGroupBox:
        box = QGroupBox("Residual PII")
        self.export_label = QLabel("No sanitized export chosen.")
        self.export_label.setObjectName("exportFile")
        self.export_label.setWordWrap(True)
        self.choose_export_button = QPushButton("Choose sanitized export\u2026")
        self.choose_export_button.setObjectName("chooseExportButton")
        self.choose_export_button.clicked.connect(self._choose_export)
        self.clear_export_button = QPushButton("Clear")
        self.clear_export_button.setObjectName("clearExportButton")
        self.clear_export_button.clicked.connect(lambda: self._set_export_path(None))
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_export_button)
        buttons.addWidget(self.clear_export_button)
        self.detector_check = QCheckBox("Also run the detector on the export")
        self.detector_check.setObjectName("runDetectorCheck")
        self.detector_check.setChecked(True)
        self.detector_check.setToolTip("Lists what the detector still finds (surrogates look like PII: judge them). "
                                       "Loading the detector takes a few seconds.")
        self.show_values_check = QCheckBox("Show values")
        self.show_values_check.setObjectName("showValuesCheck")
        self.show_values_check.setToolTip("Show the text of each hit and finding (PII!)")
        self.show_values_check.toggled.connect(self._show_residual)
        layout = QVBoxLayout(box)
        layout.addWidget(self.export_label)
        layout.addLayout(buttons)
        layout.addWidget(self.detector_check)
        layout.addWidget(self.show_values_check)
        self._set_export_path(None)
        return box

    def _build_runs_box(self) -> QGroupBox:
        box = QGroupBox("Training runs")
        self.runs_list = QListWidget()
        self.runs_list.setObjectName("runFolders")
        self.runs_list.setMaximumHeight(110)
        self.runs_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.add_run_button = QPushButton("Add run folder\u2026")
        self.add_run_button.setObjectName("addRunButton")
        self.add_run_button.clicked.connect(self._choose_run_folder)
        self.remove_run_button = QPushButton("Remove")
        self.remove_run_button.setObjectName("removeRunButton")
        self.remove_run_button.clicked.connect(self._remove_selected_runs)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_run_button)
        buttons.addWidget(self.remove_run_button)
        layout = QVBoxLayout(box)
        layout.addWidget(self.runs_list)
        layout.addLayout(buttons)
        return box

    def _build_actions_box(self) -> QGroupBox:
        box = QGroupBox("Run")
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.clicked.connect(self.start_evaluation)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelEvaluationButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_evaluation)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("evaluateProgress")
        self.progress_bar.setVisible(False)
        self.status_label = QLabel("")
        self.status_label.setObjectName("evaluateStatus")
        self.status_label.setWordWrap(True)
        self.include_examples_check = QCheckBox("Include examples (may contain PII)")
        self.include_examples_check.setObjectName("includeExamplesCheck")
        self.include_examples_check.setChecked(False)
        self.pdf_check = QCheckBox("Also write a PDF beside it")
        self.pdf_check.setObjectName("pdfCheck")
        self.pdf_check.setChecked(True)
        self.export_button = QPushButton("Export report\u2026")
        self.export_button.setObjectName("exportReportButton")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._choose_report_path)
        run_row = QHBoxLayout()
        run_row.addWidget(self.evaluate_button, 1)
        run_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(box)
        layout.addLayout(run_row)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.include_examples_check)
        layout.addWidget(self.pdf_check)
        layout.addWidget(self.export_button)
        return box

    def _build_detection_page(self) -> QWidget:
        page = QWidget()
        self.detection_summary = QLabel("Evaluate to measure how well PII was detected.")
        self.detection_summary.setObjectName("detectionSummary")
        self.detection_summary.setWordWrap(True)
        self.detection_model = MetricsModel(self)
        self.detection_table = _table_view(self.detection_model, "detectionTable")
        self.detection_table.setMinimumHeight(160)
        self.per_entity_chart = ChartCanvas("")
        self.sweep_chart = ChartCanvas("")
        self.confusion_chart = ChartCanvas("")
        layout = QVBoxLayout(page)
        layout.addWidget(self.detection_summary)
        layout.addWidget(self.detection_table)
        layout.addWidget(self.per_entity_chart)
        layout.addWidget(self.sweep_chart)
        layout.addWidget(self.confusion_chart)
        layout.addStretch(1)
        return page

    def _build_residual_page(self) -> QWidget:
        page = QWidget()
        self.residual_verdict = QLabel("Choose the sanitized export and evaluate to check it for original values.")
        self.residual_verdict.setObjectName("residualVerdict")
        self.residual_verdict.setWordWrap(True)
        self.residual_model = MetricsModel(self)
        self.residual_table = _table_view(self.residual_model, "residualTable")
        self.residual_table.setMinimumHeight(200)
        self.residual_chart = ChartCanvas("")
        layout = QVBoxLayout(page)
        layout.addWidget(self.residual_verdict)
        layout.addWidget(self.residual_table)
        layout.addWidget(self.residual_chart)
        layout.addStretch(1)
        return page

    def _build_models_page(self) -> QWidget:
        page = QWidget()
        self.models_summary = QLabel("Add training run folders and evaluate to measure leakage and utility.")
        self.models_summary.setObjectName("modelsSummary")
        self.models_summary.setWordWrap(True)
        self.models_model = MetricsModel(self)
        self.models_table = _table_view(self.models_model, "modelsTable")
        self.models_table.setMinimumHeight(120)
        self.model_charts = QWidget()
        self.model_charts_layout = QVBoxLayout(self.model_charts)
        self.model_charts_layout.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(page)
        layout.addWidget(self.models_summary)
        layout.addWidget(self.models_table)
        layout.addWidget(self.model_charts)
        layout.addStretch(1)
        return page

    def _build_tradeoff_page(self) -> QWidget:
        page = QWidget()
        self.tradeoff_chart = ChartCanvas("Evaluate training runs to compare privacy (\u03b5) with utility "
                                          "(held-out perplexity) across them.")
        layout = QVBoxLayout(page)
        layout.addWidget(self.tradeoff_chart)
        layout.addStretch(1)
        return page

    # ---- context -------------------------------------------------------------------------------------

    def set_context(self, project: Any, dataset: Any) -> None:
        """The open project and dataset (None, None: nothing open yet)."""
        if self._worker is not None and self._worker.is_running:
            self._worker.cancel()
        self.project, self.dataset = project, dataset
        self.hint.setVisible(project is None)
        self.body.setEnabled(project is not None)
        self._clear_results()
        self._gold_path = None
        self._set_gold_path(None)
        self._set_export_path(None)
        self.runs_list.clear()
        if project is None:
            return
        threshold = project.get_setting(REVIEW_THRESHOLD_SETTING, None)
        self.threshold_spin.setValue(float(threshold) if isinstance(threshold, (int, float)) else 0.0)
        for folder in project_run_folders(project):
            self._add_run_item(folder)

    @Slot(object)
    def add_run_folder(self, path: Any) -> None:
        """Add a training run folder (or every run folder inside `path`); the Train tab's run_finished lands here."""
        folders = find_run_folders(Path(str(path)))
        if not folders:
            QMessageBox.warning(self, "Not a training run",
                                f"{path}\n\nholds no training run (no run.json in it or in its sub-folders). "
                                "Choose the folder a training run wrote.")
            return
        for folder in folders:
            self._add_run_item(folder)

    def run_folders(self) -> list[Path]:
        return [Path(self.runs_list.item(row).data(Qt.ItemDataRole.UserRole)) for row in range(self.runs_list.count())]

    def _add_run_item(self, folder: Path) -> None:
        folder = Path(folder).resolve()
        if folder in self.run_folders():
            return
        item = QListWidgetItem(folder.name)
        item.setData(Qt.ItemDataRole.UserRole, str(folder))
        item.setToolTip(str(folder))
        self.runs_list.addItem(item)

    def _remove_selected_runs(self) -> None:
        for item in self.runs_list.selectedItems():
            self.runs_list.takeItem(self.runs_list.row(item))

    def _set_gold_path(self, path: Path | None) -> None:
        self._gold_path = path
        if path is None:
            self.gold_label.setText("your review decisions (fully reviewed records)")
        else:
            self.gold_label.setText(f"{path.name} (imported)")
            self.gold_label.setToolTip(str(path))
        self.review_gold_button.setEnabled(path is not None)

    def _set_export_path(self, path: Path | None) -> None:
        self._export_path = path
        self.export_label.setText(path.name if path is not None else "No sanitized export chosen.")
        self.export_label.setToolTip(str(path) if path is not None else "")
        self.clear_export_button.setEnabled(path is not None)

    def set_export_path(self, path: str | Path | None) -> None:
        """The sanitized export to scan (the Export step may hand over the file it wrote)."""
        self._set_export_path(Path(path) if path is not None else None)

    def _choose_gold_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import gold file", "",
                                              "Gold spans (*.jsonl *.json);;All files (*)")
        if path:
            self._set_gold_path(Path(path))

    def _choose_export(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the sanitized export", "",
                                              "Datasets (*.csv *.tsv *.jsonl *.json *.parquet *.txt *.xlsx);;"
                                              "All files (*)")
        if path:
            self._set_export_path(Path(path))

    def _choose_run_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a training run folder")
        if path:
            self.add_run_folder(path)

    # ---- evaluating ----------------------------------------------------------------------------------

    def request(self) -> EvaluationRequest:
        threshold = self.threshold_spin.value()
        return EvaluationRequest(
            project=self.project, gold_path=self._gold_path, match_mode=str(self.match_combo.currentData()),
            threshold=threshold if threshold > 0 else None, export_path=self._export_path,
            run_detector=self.detector_check.isChecked(), run_folders=tuple(self.run_folders()),
            options=dataclasses.replace(self._leakage_options, include_values=True))

    @Slot()
    def start_evaluation(self) -> None:
        if self.project is None or (self._worker is not None and self._worker.is_running):
            return
        worker = Worker(run_evaluation, self.request(), self._engine_factory, name="evaluate")
        worker.signals.progress.connect(self._on_progress)
        worker.signals.finished.connect(self._on_evaluated)
        worker.signals.failed.connect(lambda error: self._on_failed(error, "Evaluating"))
        worker.signals.cancelled.connect(self._on_cancelled)
        self._worker = worker
        self._set_busy(True, "Evaluating\u2026")
        worker.start(self._pool)

    @Slot()
    def cancel_evaluation(self) -> None:
        if self._worker is not None and self._worker.is_running:
            self._worker.cancel()
            self.status_label.setText("Cancelling\u2026")

    def _set_busy(self, busy: bool, status: str) -> None:
        self.evaluate_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.export_button.setEnabled(not busy and self.evaluation is not None)
        self.progress_bar.setVisible(busy)
        self.progress_bar.setRange(0, 0)
        self.status_label.setText(status)

    def _on_progress(self, info: ProgressInfo) -> None:
        if info.total:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(1000 * min(1.0, info.done / info.total)))
        else:
            self.progress_bar.setRange(0, 0)
        if info.message:
            self.status_label.setText(info.message)

    def _on_evaluated(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation
        self._set_busy(False, "Evaluation finished.")
        self._show_evaluation(evaluation)
        self.evaluation_finished.emit(evaluation)

    def _on_failed(self, error: BaseException, action: str) -> None:
        self._set_busy(False, f"{action} failed.")
        error_dialog(self, error, action=action)

    def _on_cancelled(self) -> None:
        self._set_busy(False, "Cancelled.")

    # ---- showing -------------------------------------------------------------------------------------

    def _clear_results(self) -> None:
        self.evaluation = None
        self.export_button.setEnabled(False)
        self.status_label.setText("")
        self.detection_model.clear()
        self.residual_model.clear()
        self.models_model.clear()
        for chart in (self.per_entity_chart, self.sweep_chart, self.confusion_chart, self.residual_chart,
                      self.tradeoff_chart):
            chart.clear()
        self._clear_model_charts()

    def _clear_model_charts(self) -> None:
        while self.model_charts_layout.count():
            widget = self.model_charts_layout.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()

    def _show_evaluation(self, evaluation: Evaluation) -> None:
        self._show_detection(evaluation)
        self._show_residual()
        self._show_models(evaluation)

    def _show_detection(self, evaluation: Evaluation) -> None:
        quality = evaluation.detection
        if quality is None:
            self.detection_summary.setText("Detection quality was not measured.")
            self.detection_model.clear()
            for chart in (self.per_entity_chart, self.sweep_chart, self.confusion_chart):
                chart.clear()
            return
        overall = quality.overall
        notes = "".join(f"<br><i>{note}</i>" for note in quality.notes)
        self.detection_summary.setText(
            f"Gold: {quality.source} ({quality.records or 0:,} records). Overall ({quality.mode} match, typed): "
            f"precision <b>{overall.precision:.3f}</b>, recall <b>{overall.recall:.3f}</b>, "
            f"F2 <b>{overall.f2:.3f}</b>.{notes}")
        self.detection_model.set_table(DETECTION_HEADERS, detection_rows(quality))
        self.per_entity_chart.set_figure(charts.per_entity_chart(quality))
        self.sweep_chart.set_figure(charts.threshold_sweep_chart(quality.sweep, evaluation.detection_threshold))
        self.confusion_chart.set_figure(charts.confusion_matrix_chart(quality.confusion))

    @Slot()
    def _show_residual(self) -> None:
        report = self.evaluation.residual if self.evaluation is not None else None
        if report is None:
            self.residual_verdict.setStyleSheet("")
            self.residual_verdict.setText("Choose the sanitized export and evaluate to check it for original values.")
            self.residual_model.clear()
            self.residual_chart.clear()
            return
        if report.clean:
            colour, verdict = OK_COLOUR, (f"\u2714 0 original PII values in {report.export_file} (must be zero): "
                                          f"{report.values_checked:,} values searched in {report.cells:,} cells.")
        else:
            colour, verdict = BAD_COLOUR, (f"\u2716 {report.hit_count:,} original PII value(s) left in "
                                           f"{report.export_file} (must be zero). Fix the review or the policy and "
                                           "export again before sharing.")
        findings = ("The detector was not run on the export." if report.findings is None else
                    f"The detector flags {report.finding_count:,} span(s) in it; surrogates look like PII, "
                    "so judge the list.")
        self.residual_verdict.setStyleSheet(f"QLabel {{ color: white; background: {colour}; padding: 8px; "
                                            "font-weight: bold; border-radius: 4px; }")
        self.residual_verdict.setText(f"{verdict}\n{findings}")
        show_values = self.show_values_check.isChecked()
        self.residual_model.set_table(residual_headers(show_values), residual_rows(report, show_values))
        if self.residual_chart.figure is None:
            self.residual_chart.set_figure(charts.residual_chart(report))

    def _show_models(self, evaluation: Evaluation) -> None:
        self._clear_model_charts()
        if not evaluation.models:
            self.models_summary.setText("No training run was evaluated. Add run folders to measure leakage.")
            self.models_model.clear()
            self.tradeoff_chart.clear()
            return
        self.models_summary.setText(
            "Exposure: how far each planted canary stands out among all secrets of its format (the maximum means "
            "memorised). Membership AUC 0.5 is chance. Extraction counts training PII values the model generated "
            "verbatim. Lower perplexity on held-out records is better utility.")
        self.models_model.set_table(MODEL_HEADERS, model_rows(evaluation.models))
        for result in evaluation.models:
            self._add_model_charts(result)
        self.tradeoff_chart.set_figure(charts.privacy_utility_chart(evaluation.models))

    def _add_model_charts(self, result: Any) -> None:
        if result.exposure is None and result.membership is None and not result.notes:
            return
        box = QGroupBox(result.label)
        box.setObjectName("modelResult")
        layout = QVBoxLayout(box)
        if result.notes:
            notes = QLabel("\n".join(result.notes))
            notes.setWordWrap(True)
            layout.addWidget(notes)
        if result.exposure is not None:
            chart = ChartCanvas("")
            chart.set_figure(charts.exposure_chart(result.exposure, result.label))
            layout.addWidget(chart)
        if result.membership is not None:
            chart = ChartCanvas("")
            chart.set_figure(charts.roc_chart(result.membership, result.label))
            layout.addWidget(chart)
        self.model_charts_layout.addWidget(box)

    def chart_canvases(self) -> list[ChartCanvas]:
        """Every chart on the tab that shows a figure (what a test or a screenshot looks at)."""
        return [chart for chart in self.findChildren(ChartCanvas) if chart.figure is not None]

    # ---- the report ----------------------------------------------------------------------------------

    def _choose_report_path(self) -> None:
        if self.evaluation is None:
            return
        name = f"{self.project.name if self.project is not None else 'privdesk'}-evaluation.html"
        path, _ = QFileDialog.getSaveFileName(self, "Export the evaluation report", name, "HTML report (*.html)")
        if path:
            self.export_report_to(Path(path))

    def export_report_to(self, path: Path) -> None:
        """Write the report (and the PDF when ticked) in a Worker; values only when "include examples" is ticked."""
        if self.evaluation is None or (self._worker is not None and self._worker.is_running):
            return
        if path.suffix.lower() not in (".html", ".htm"):
            path = path.with_suffix(".html")
        evaluation = dataclasses.replace(self.evaluation, include_values=self.include_examples_check.isChecked())
        worker = Worker(export_report, evaluation, path, self.pdf_check.isChecked(), name="export report")
        worker.signals.finished.connect(self._on_report_written)
        worker.signals.failed.connect(lambda error: self._on_failed(error, "Exporting the report"))
        worker.signals.cancelled.connect(self._on_cancelled)
        self._worker = worker
        self._set_busy(True, "Writing the report\u2026")
        worker.start(self._pool)

    def _on_report_written(self, paths: Sequence[Path]) -> None:
        self._set_busy(False, "Report written: " + ", ".join(path.name for path in paths))
        self.report_written.emit(list(paths))
