"""The "Detection settings" dialog: spaCy pipeline, the transformer switch, entity types and custom recognizers.

Saving writes privdesk.core.detect.DetectionOptions into the project; the next detection run uses
them (the Review tab merges them into the job's settings). The recognizer editor checks each
recognizer as it is typed (OK stays disabled until it is valid) and shows what it finds in a sample
text at once, with privdesk.core.detect.recognizer_preview (no spaCy, no Presidio in this process).

"Train from my reviewed records" fine-tunes the MiniLM tagger on the analyst's decisions
(privdesk.core.ner.corrections) in a Worker, with a progress dialog (ETA, Cancel); it shows the
held-out scores before and after and offers to switch the transformer to the sealed tuned tagger.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.detect.project_settings import (
    DetectionOptions,
    installed_spacy_pipelines,
    load_recognizers_file,
    read_detection_options,
    save_recognizers_file,
    write_detection_options,
)
from privdesk.core.detect.recognizer_preview import preview_matches
from privdesk.core.detect.settings import VALIDATORS, CustomRecognizerSpec, DetectionConfigError
from privdesk.core.errors import PrivDeskError
from privdesk.core.ner.corrections import (MIN_REVIEWED_RECORDS, TuningResult, read_project_dataset,
                                           reviewed_record_count, tune_tagger_from_project)
from privdesk.core.ner.model import is_privdesk_tagger, is_sealed_tagger
from privdesk.core.progress import ProgressInfo
from privdesk.core.types import ENTITY_TYPES
from privdesk.gui import palette
from privdesk.gui.widgets.detection_bar import format_duration
from privdesk.gui.workers import ThreadPoolLike, Worker

log = logging.getLogger(__name__)

TRANSFORMER_TEXT = ("Use the transformer model (MiniLM PII tagger; finds more ages, IDs and names the rules miss; "
                    "roughly halves speed)")
_BUILT_IN_TAGGER = "PrivDesk's MiniLM PII tagger (fills the gaps the other detectors leave)"
_NO_VALIDATOR = "none"
_MAX_SHOWN_MATCHES = 200
_PROGRESS_STEPS = 1000

Tuner = Callable[..., TuningResult]  # tune_tagger_from_project's signature: (project, dataset, *, progress, cancel)


def tune_project_tagger(project: Any, dataset: Any, *, tuner: Tuner, progress=None, cancel=None) -> TuningResult:
    """The worker's job: read the project's dataset when none is loaded, then tune."""
    if dataset is None:
        if progress is not None:
            progress(ProgressInfo(0, None, "reading the dataset"))
        dataset = read_project_dataset(project, cancel=cancel)
    return tuner(project, dataset, progress=progress, cancel=cancel)


def describe_tuning(result: TuningResult) -> str:
    """"Held-out F1 0.668 → 0.719 · recall 0.744 → 0.719 (35 records never trained on)"."""
    before, after = result.before["ALL"], result.after["ALL"]
    return (f"Held-out F1 {before['f1']:.3f} \u2192 {after['f1']:.3f} \u00b7 recall {before['recall']:.3f} \u2192 "
            f"{after['recall']:.3f} ({result.holdout_records} reviewed records never trained on; "
            f"trained on {result.training_records})")


def tuning_table(result: TuningResult) -> str:
    """Per entity type with held-out gold spans: F1 and recall before and after (plain text, fixed width)."""
    lines = [f"{'entity':<18}{'gold':>5}{'F1 before':>11}{'F1 after':>10}{'R before':>10}{'R after':>9}"]
    for entity in sorted(result.after, key=lambda name: (name == "ALL", name)):
        before, after = result.before.get(entity), result.after[entity]
        gold = int(after["tp"] + after["fn"])
        if gold == 0 and entity != "ALL":
            continue
        f1_before = f"{before['f1']:.3f}" if before else "-"
        recall_before = f"{before['recall']:.3f}" if before else "-"
        lines.append(f"{entity:<18}{gold:>5}{f1_before:>11}{after['f1']:>10.3f}{recall_before:>10}{after['recall']:>9.3f}")
    return "\n".join(lines)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _describe(spec: CustomRecognizerSpec) -> str:
    parts = []
    if spec.patterns:
        parts.append(f"{len(spec.patterns)} pattern{'s' * (len(spec.patterns) != 1)}")
    if spec.terms:
        parts.append(f"{len(spec.terms)} term{'s' * (len(spec.terms) != 1)}")
    if spec.validator:
        parts.append(f"{spec.validator} check")
    return f"{spec.name} \u2192 {spec.entity_type}  ({', '.join(parts)}, score {spec.score:.2f})"


class RecognizerEditor(QDialog):
    """Edit one custom recognizer; `spec()` is the result once accepted."""

    def __init__(self, spec: CustomRecognizerSpec | None = None, *, taken_names: set[str] | frozenset[str] = frozenset(),
                 sample_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recognizerEditor")
        self.setWindowTitle("Custom recognizer")
        self._taken = set(taken_names)
        spec = spec or CustomRecognizerSpec(name="", entity_type="")

        self.name_edit = QLineEdit(spec.name, self)
        self.name_edit.setObjectName("recognizerName")
        self.name_edit.setPlaceholderText("e.g. employee-id")
        self.type_combo = QComboBox(self)
        self.type_combo.setObjectName("recognizerEntityType")
        self.type_combo.setEditable(True)
        self.type_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.type_combo.addItems(list(ENTITY_TYPES))
        self.type_combo.setEditText(spec.entity_type)
        self.type_combo.lineEdit().setPlaceholderText("a type above, or your own UPPER_CASE name, e.g. EMPLOYEE_ID")
        self.patterns_edit = QPlainTextEdit("\n".join(spec.patterns), self)
        self.patterns_edit.setObjectName("recognizerPatterns")
        self.patterns_edit.setPlaceholderText("One regular expression per line, e.g.\n\\bEMP-\\d{6}\\b")
        self.terms_edit = QPlainTextEdit("\n".join(spec.terms), self)
        self.terms_edit.setObjectName("recognizerTerms")
        self.terms_edit.setPlaceholderText("One term per line (whole words, any case), e.g.\nProject Falcon")
        for edit in (self.patterns_edit, self.terms_edit):
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 14)
        self.context_edit = QLineEdit(", ".join(spec.context), self)
        self.context_edit.setObjectName("recognizerContext")
        self.context_edit.setPlaceholderText("words that make a match more likely, e.g. employee, staff")
        self.score_spin = QDoubleSpinBox(self)
        self.score_spin.setObjectName("recognizerScore")
        self.score_spin.setRange(0.05, 1.0)
        self.score_spin.setSingleStep(0.05)
        self.score_spin.setDecimals(2)
        self.score_spin.setValue(spec.score)
        self.validator_combo = QComboBox(self)
        self.validator_combo.setObjectName("recognizerValidator")
        self.validator_combo.addItem("none", _NO_VALIDATOR)
        self.validator_combo.addItem("Luhn checksum (cards, many staff and account numbers)", "luhn")
        self.validator_combo.addItem("IBAN checksum (mod 97)", "iban")
        assert set(VALIDATORS) == {"luhn", "iban"}
        self.validator_combo.setCurrentIndex(max(0, self.validator_combo.findData(spec.validator or _NO_VALIDATOR)))

        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("Entity &type", self.type_combo)
        form.addRow("&Patterns", self.patterns_edit)
        form.addRow("T&erms", self.terms_edit)
        form.addRow("&Context words", self.context_edit)
        form.addRow("&Score", self.score_spin)
        form.addRow("&Validator", self.validator_combo)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("recognizerError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c0392b;")

        self.sample_edit = QPlainTextEdit(sample_text, self)
        self.sample_edit.setObjectName("recognizerSample")
        self.sample_edit.setPlaceholderText("Paste a sample text here to see what the recognizer finds.")
        self.sample_edit.setTabChangesFocus(True)
        self.matches_label = QLabel(self)
        self.matches_label.setObjectName("recognizerMatches")
        self.matches_label.setWordWrap(True)
        self.matches_label.setTextFormat(Qt.TextFormat.PlainText)
        test_box = QGroupBox("Test on the current record", self)
        test_layout = QVBoxLayout(test_box)
        test_layout.addWidget(self.sample_edit)
        test_layout.addWidget(self.matches_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(test_box, 1)
        layout.addWidget(self.buttons)
        self.resize(620, 640)

        for signal in (self.name_edit.textChanged, self.type_combo.editTextChanged, self.patterns_edit.textChanged,
                       self.terms_edit.textChanged, self.context_edit.textChanged, self.score_spin.valueChanged,
                       self.validator_combo.currentIndexChanged, self.sample_edit.textChanged):
            signal.connect(self._refresh)
        self._refresh()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def spec(self) -> CustomRecognizerSpec:
        """The recognizer as the widgets describe it (valid or not)."""
        validator = self.validator_combo.currentData()
        return CustomRecognizerSpec(
            name=self.name_edit.text().strip(),
            entity_type=self.type_combo.currentText().strip(),
            patterns=_lines(self.patterns_edit.toPlainText()),
            terms=[" ".join(term.split()) for term in _lines(self.terms_edit.toPlainText())],
            context=[word.strip() for word in self.context_edit.text().split(",") if word.strip()],
            score=round(self.score_spin.value(), 2),
            validator=None if validator == _NO_VALIDATOR else validator,
        )

    def problem(self) -> str | None:
        spec = self.spec()
        try:
            spec.validate()
        except DetectionConfigError as error:
            return error.message
        if spec.name in self._taken:
            return f"Another custom recognizer is already named {spec.name!r}; choose another name."
        return None

    def _refresh(self) -> None:
        problem = self.problem()
        self.error_label.setText(problem or "")
        self.error_label.setVisible(problem is not None)
        self.ok_button.setEnabled(problem is None)
        self._show_matches(None if problem else self.spec())

    def _show_matches(self, spec: CustomRecognizerSpec | None) -> None:
        text = self.sample_edit.toPlainText()
        selections: list[QTextEdit.ExtraSelection] = []
        if spec is None:
            self.matches_label.setText("Fix the recognizer to see what it finds.")
        elif not text.strip():
            self.matches_label.setText("No sample text.")
        else:
            matches = preview_matches(spec, text)
            kept = [m for m in matches if m.kept]
            rejected = len(matches) - len(kept)
            lines = [f"{len(kept)} match{'es' * (len(kept) != 1)}"
                     + (f"; {rejected} rejected by the {spec.validator} check" if rejected else "") + "."]
            for match in kept[:_MAX_SHOWN_MATCHES]:
                context = f", context \u201c{match.context_word}\u201d" if match.context_word else ""
                lines.append(f"\u2022 \u201c{text[match.start:match.end]}\u201d at {match.start}\u2013{match.end} "
                             f"({match.source}{context})")
                selections.append(self._highlight(match.start, match.end, spec.entity_type))
            self.matches_label.setText("\n".join(lines[:8] + (["\u2026"] if len(lines) > 8 else [])))
        self.sample_edit.setExtraSelections(selections)

    def _highlight(self, start: int, end: int, entity_type: str) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.sample_edit.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        text_format = QTextCharFormat()
        text_format.setBackground(QColor(palette.entity_color(entity_type)))
        text_format.setForeground(QColor(palette.text_color()))
        selection.format = text_format
        return selection

    def accept(self) -> None:
        if self.problem() is None:
            super().accept()


class DetectionSettingsDialog(QDialog):
    """Edit and save the project's detection options. `sample_text` seeds the recognizer editor's test area."""

    def __init__(self, project, sample_text: str = "", parent: QWidget | None = None,
                 options: DetectionOptions | None = None, *, dataset: Any = None,
                 thread_pool: ThreadPoolLike | None = None, tuner: Tuner = tune_tagger_from_project) -> None:
        """`dataset`: the loaded dataset, for tuning (None: the worker reads the project's own);
        `thread_pool`: where tuning runs (None: the global QThreadPool); `tuner`: the tuning function."""
        super().__init__(parent)
        self.setObjectName("detectionSettingsDialog")
        self.setWindowTitle("Detection settings")
        self.project = project
        self.sample_text = sample_text
        self.dataset = dataset
        self.thread_pool = thread_pool
        self.tuner = tuner
        self.reviewed_records: int | None = None  # counted off the GUI thread when the dialog opens
        self.tuning_result: TuningResult | None = None
        self._tune_worker: Worker | None = None
        self._count_worker: Worker | None = None
        self.progress_dialog: QProgressDialog | None = None
        options = options if options is not None else read_detection_options(project)
        self._recognizers: list[CustomRecognizerSpec] = list(options.custom_recognizers)
        self._transformer_folder: str | None = options.transformer_model

        # -- models
        self.pipeline_combo = QComboBox(self)
        self.pipeline_combo.setObjectName("spacyPipelineCombo")
        for name in installed_spacy_pipelines():
            self.pipeline_combo.addItem(name, name)
        if self.pipeline_combo.findData(options.spacy_model) < 0:
            self.pipeline_combo.addItem(f"{options.spacy_model} (not installed)", options.spacy_model)
        self.pipeline_combo.setCurrentIndex(self.pipeline_combo.findData(options.spacy_model))
        self.pipeline_combo.setToolTip("The spaCy pipeline that finds names, places and organisations. "
                                       "Larger pipelines (e.g. en_core_web_lg) are more accurate and slower.")
        self.transformer_check = QCheckBox(TRANSFORMER_TEXT, self)
        self.transformer_check.setObjectName("useTransformerCheck")
        self.transformer_check.setChecked(options.use_transformer)
        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("transformerFolderLabel")
        self.folder_label.setWordWrap(True)
        self.folder_button = QPushButton("Use another token-classification model folder\u2026", self)
        self.folder_button.setObjectName("transformerFolderButton")
        self.folder_button.setToolTip("A local Hugging Face token-classification model; its findings compete "
                                      "with spaCy's instead of filling gaps.")
        self.built_in_button = QPushButton("Use the built-in tagger", self)
        self.built_in_button.setObjectName("builtInTaggerButton")
        model_box = QGroupBox("Models", self)
        model_form = QFormLayout(model_box)
        model_form.addRow("spaCy &pipeline", self.pipeline_combo)
        model_form.addRow(self.transformer_check)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_button)
        folder_row.addWidget(self.built_in_button)
        folder_row.addStretch(1)
        model_form.addRow("Transformer", self.folder_label)
        model_form.addRow("", folder_row)
        self.tune_button = QPushButton("Train from my reviewed records\u2026", self)
        self.tune_button.setObjectName("tuneTaggerButton")
        self.tune_button.setToolTip("Fine-tune the MiniLM tagger on the records you fully reviewed (a fifth held out "
                                    "to measure it). The result is encrypted with the project secret.")
        self.tune_label = QLabel(self)
        self.tune_label.setObjectName("tuneTaggerLabel")
        self.tune_label.setWordWrap(True)
        tune_row = QHBoxLayout()
        tune_row.addWidget(self.tune_button)
        tune_row.addWidget(self.tune_label, 1)
        model_form.addRow("", tune_row)

        # -- entity types
        self.type_checks: dict[str, QCheckBox] = {}
        types_box = QGroupBox("Entity types to detect", self)
        types_grid = QGridLayout(types_box)
        wanted = set(options.entities) if options.entities is not None else set(ENTITY_TYPES)
        for number, entity_type in enumerate(ENTITY_TYPES):
            check = QCheckBox(palette.entity_label(entity_type), types_box)
            check.setObjectName(f"entityCheck_{entity_type}")
            check.setChecked(entity_type in wanted)
            check.toggled.connect(self._refresh_state)
            self.type_checks[entity_type] = check
            types_grid.addWidget(check, number // 4, number % 4)
        types_note = QLabel("Custom recognizers and deny-list terms always run, whatever is ticked here.", types_box)
        types_note.setWordWrap(True)
        types_grid.addWidget(types_note, len(ENTITY_TYPES) // 4 + 1, 0, 1, 4)

        # -- custom recognizers
        self.recognizer_list = QListWidget(self)
        self.recognizer_list.setObjectName("customRecognizerList")
        self.add_button = QPushButton("&Add\u2026", self)
        self.add_button.setObjectName("addRecognizerButton")
        self.edit_button = QPushButton("&Edit\u2026", self)
        self.edit_button.setObjectName("editRecognizerButton")
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.setObjectName("removeRecognizerButton")
        self.import_button = QPushButton("&Import from file\u2026", self)
        self.import_button.setObjectName("importRecognizersButton")
        self.export_button = QPushButton("E&xport to file\u2026", self)
        self.export_button.setObjectName("exportRecognizersButton")
        side = QVBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button, self.import_button, self.export_button):
            side.addWidget(button)
        side.addStretch(1)
        custom_box = QGroupBox("Custom recognizers", self)
        custom_layout = QHBoxLayout(custom_box)
        custom_layout.addWidget(self.recognizer_list, 1)
        custom_layout.addLayout(side)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("detectionSettingsError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c0392b;")
        note = QLabel("Saved in the project. The settings apply to the next detection run.", self)
        note.setObjectName("detectionSettingsNote")
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(model_box)
        layout.addWidget(types_box)
        layout.addWidget(custom_box, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(780, 660)

        self.transformer_check.toggled.connect(self._refresh_state)
        self.folder_button.clicked.connect(self.choose_transformer_folder)
        self.built_in_button.clicked.connect(lambda: self.set_transformer_folder(None))
        self.add_button.clicked.connect(self.add_recognizer)
        self.edit_button.clicked.connect(self.edit_recognizer)
        self.recognizer_list.itemDoubleClicked.connect(lambda _item: self.edit_recognizer())
        self.remove_button.clicked.connect(self.remove_recognizer)
        self.import_button.clicked.connect(self.import_recognizers)
        self.export_button.clicked.connect(self.export_recognizers)
        self.recognizer_list.currentRowChanged.connect(lambda _row: self._refresh_state())
        self.tune_button.clicked.connect(self.start_tuning)
        self._fill_list()
        self._count_reviewed_records()

    # -- state -------------------------------------------------------------------------------------

    @property
    def save_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Save)

    @property
    def recognizers(self) -> list[CustomRecognizerSpec]:
        return list(self._recognizers)

    def options(self) -> DetectionOptions:
        """The options as the widgets describe them."""
        ticked = tuple(t for t, check in self.type_checks.items() if check.isChecked())
        return DetectionOptions(
            spacy_model=self.pipeline_combo.currentData(),
            use_transformer=self.transformer_check.isChecked(),
            transformer_model=self._transformer_folder,
            custom_recognizers=list(self._recognizers),
            entities=None if len(ticked) == len(self.type_checks) else ticked,
        )

    def _fill_list(self, select: int | None = None) -> None:
        self.recognizer_list.clear()
        for spec in self._recognizers:
            item = QListWidgetItem(_describe(spec))
            item.setData(Qt.ItemDataRole.UserRole, spec.name)
            self.recognizer_list.addItem(item)
        if not self._recognizers:
            self.recognizer_list.setToolTip("No custom recognizers yet: Add one, or import a YAML/JSON file.")
        if select is not None and self._recognizers:
            self.recognizer_list.setCurrentRow(min(select, len(self._recognizers) - 1))
        self._refresh_state()

    def _refresh_state(self) -> None:
        selected = self.recognizer_list.currentRow() >= 0
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)
        self.export_button.setEnabled(bool(self._recognizers))
        transformer = self.transformer_check.isChecked()
        self.folder_button.setEnabled(transformer)
        self.built_in_button.setEnabled(transformer and self._transformer_folder is not None)
        self.folder_label.setEnabled(transformer)
        self.folder_label.setText(self._folder_text())
        self._refresh_tune_state()
        try:
            self.options().validate()
        except DetectionConfigError as error:
            self.error_label.setText(error.message)
            self.error_label.setVisible(True)
            self.save_button.setEnabled(False)
            return
        self.error_label.setVisible(False)
        self.save_button.setEnabled(True)

    def _folder_text(self) -> str:
        if self._transformer_folder is None:
            return _BUILT_IN_TAGGER
        if is_sealed_tagger(self._transformer_folder):
            return f"The tagger tuned on your reviewed records (encrypted): {self._transformer_folder}"
        return self._transformer_folder

    # -- tuning the tagger on the reviewed records ------------------------------------------------

    def _count_reviewed_records(self) -> None:
        """Count the fully reviewed records off the GUI thread: one pass over every detection."""
        project = self.project
        worker = Worker(lambda progress, cancel: reviewed_record_count(project), name="count reviewed records")
        worker.signals.finished.connect(self._on_counted)
        worker.signals.failed.connect(lambda error: log.info("counting reviewed records failed: %s",
                                                             type(error).__name__))
        self._count_worker = worker
        worker.start(self.thread_pool)

    def _on_counted(self, count: int) -> None:
        self.reviewed_records = count
        self._refresh_tune_state()

    @property
    def tuning(self) -> bool:
        """True from the click until the worker's last signal (which clears `_tune_worker`)."""
        return self._tune_worker is not None

    def _refresh_tune_state(self) -> None:
        count = self.reviewed_records
        enough = count is not None and count >= MIN_REVIEWED_RECORDS
        self.tune_button.setEnabled(enough and not self.tuning)
        if self.tuning:
            return
        if self.tuning_result is not None:
            chosen = self._transformer_folder == str(self.tuning_result.folder)
            self.tune_label.setText(describe_tuning(self.tuning_result)
                                    + (". Save to use it in the next detection run." if chosen else "."))
        elif count is None:
            self.tune_label.setText("Counting your reviewed records\u2026")
        elif enough:
            self.tune_label.setText(f"{count:,} fully reviewed records to learn from.")
        else:
            self.tune_label.setText(f"{count:,} fully reviewed record{'s' * (count != 1)}; at least "
                                    f"{MIN_REVIEWED_RECORDS} are needed (accept or reject every finding of a record).")

    def start_tuning(self) -> Worker | None:
        """Run the tuning in a Worker with a progress dialog (Cancel stops it; nothing is then changed)."""
        if self.tuning:
            return None
        worker = Worker(tune_project_tagger, self.project, self.dataset, tuner=self.tuner, name="tune tagger")
        worker.signals.progress.connect(self._on_tune_progress)
        worker.signals.finished.connect(self._on_tuned)
        worker.signals.failed.connect(self._on_tune_failed)
        worker.signals.cancelled.connect(self._on_tune_cancelled)
        progress = QProgressDialog("Preparing\u2026", "Cancel", 0, 0, self)
        progress.setObjectName("tuneProgressDialog")
        progress.setWindowTitle("Training the tagger")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(worker.cancel)
        self.progress_dialog = progress
        self._tune_worker = worker
        self.tune_label.setText("Training\u2026")
        self._refresh_tune_state()
        progress.show()
        log.info("tuning the tagger on the reviewed records")
        worker.start(self.thread_pool)
        return worker

    def _on_tune_progress(self, info: ProgressInfo) -> None:
        if self.progress_dialog is None:
            return
        text = info.message[:1].upper() + info.message[1:] if info.message else "Working"
        if info.total:
            self.progress_dialog.setMaximum(_PROGRESS_STEPS)
            self.progress_dialog.setValue(int(_PROGRESS_STEPS * (info.fraction or 0.0)))
            if info.eta_s is not None and info.done > 0 and info.elapsed_s >= 2:
                text += f" \u00b7 about {format_duration(info.eta_s)} left"
        else:
            self.progress_dialog.setMaximum(0)  # busy indicator: a phase of unknown length
        self.progress_dialog.setLabelText(text)

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _on_tuned(self, result: TuningResult) -> None:
        self._close_progress()
        self.tuning_result = result
        self._tune_worker = None
        self._refresh_tune_state()
        self.offer_tuned_tagger(result)

    def _on_tune_failed(self, error: BaseException) -> None:
        self._close_progress()
        self._tune_worker = None
        self._refresh_tune_state()
        message = error.message if isinstance(error, PrivDeskError) else \
            f"Unexpected error ({type(error).__name__}); see the log file for details."
        QMessageBox.warning(self, "Cannot train the tagger", message)

    def _on_tune_cancelled(self) -> None:
        self._close_progress()
        self._tune_worker = None
        self._refresh_tune_state()
        self.tune_label.setText("Training cancelled; nothing was changed.")

    def offer_tuned_tagger(self, result: TuningResult) -> QMessageBox:
        """A window-modal box with the held-out scores; "Use the tuned tagger" switches the transformer to it."""
        verdict = ("It does better than the current tagger on them." if result.improved else
                   "It does not do better than the current tagger on them; keeping the current one is wiser.")
        box = QMessageBox(QMessageBox.Icon.Information, "Tagger trained",
                          f"Scored on {result.holdout_records} of your reviewed records that it was not trained on. "
                          f"{verdict}", parent=self)
        box.setObjectName("tunedTaggerOffer")
        box.setInformativeText(describe_tuning(result))
        box.setDetailedText(tuning_table(result))
        use = box.addButton("Use the tuned tagger", QMessageBox.ButtonRole.AcceptRole)
        use.setObjectName("useTunedTaggerButton")
        keep = box.addButton("Keep the current settings", QMessageBox.ButtonRole.RejectRole)
        keep.setObjectName("keepTaggerButton")
        box.setDefaultButton(use if result.improved else keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self.use_tuned_tagger(result) if button is use else None)
        box.open()
        return box

    def use_tuned_tagger(self, result: TuningResult) -> None:
        """Switch the transformer on, with the tuned tagger (saved with the other settings on Save)."""
        self.transformer_check.setChecked(True)
        self._transformer_folder = str(result.folder)
        self._refresh_state()

    def done(self, result: int) -> None:
        # Closing the dialog stops a running tuning: its result would have nowhere to go.
        if self._tune_worker is not None:
            self._tune_worker.cancel()
        super().done(result)

    # -- transformer folder --------------------------------------------------------------------------

    def choose_transformer_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Token-classification model folder",
                                                  self._transformer_folder or str(Path.home()))
        if folder:
            self.set_transformer_folder(folder)

    def set_transformer_folder(self, folder: str | None) -> None:
        if folder is not None and not (Path(folder) / "config.json").is_file() and not is_privdesk_tagger(folder):
            QMessageBox.warning(self, "Not a model folder",
                                f"{folder} holds no config.json: it is not a Hugging Face model folder. "
                                "Choose the folder that holds config.json and the model weights.")
            return
        self._transformer_folder = folder
        self._refresh_state()

    # -- recognizers --------------------------------------------------------------------------------

    def _editor(self, spec: CustomRecognizerSpec | None, taken: set[str]) -> RecognizerEditor:
        return RecognizerEditor(spec, taken_names=taken, sample_text=self.sample_text, parent=self)

    def open_editor(self, row: int | None = None) -> RecognizerEditor:
        """Open the recognizer editor (window-modal) for a new recognizer or the one at `row`;
        accepting it adds or replaces the recognizer."""
        spec = self._recognizers[row] if row is not None else None
        taken = {s.name for i, s in enumerate(self._recognizers) if i != row}
        editor = self._editor(spec, taken)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.accepted.connect(lambda: self._on_editor_accepted(editor, row))
        editor.open()
        return editor

    def _on_editor_accepted(self, editor: RecognizerEditor, row: int | None) -> None:
        spec = editor.spec()
        if row is None:
            self._recognizers.append(spec)
            row = len(self._recognizers) - 1
        else:
            self._recognizers[row] = spec
        self._fill_list(select=row)

    def add_recognizer(self) -> RecognizerEditor:
        return self.open_editor(None)

    def edit_recognizer(self) -> RecognizerEditor | None:
        row = self.recognizer_list.currentRow()
        return self.open_editor(row) if row >= 0 else None

    def remove_recognizer(self) -> None:
        row = self.recognizer_list.currentRow()
        if row >= 0:
            del self._recognizers[row]
            self._fill_list(select=row)

    def import_recognizers(self, path: str | None = None) -> bool:
        """Add the recognizers of a YAML/JSON file (those with a name already here replace it)."""
        if not path:
            path, _filter = QFileDialog.getOpenFileName(self, "Import custom recognizers", "",
                                                        "Recognizer files (*.yaml *.yml *.json);;All files (*)")
            if not path:
                return False
        try:
            imported = load_recognizers_file(path)
        except PrivDeskError as error:
            QMessageBox.warning(self, "Cannot import the recognizers", error.message)
            return False
        by_name = {spec.name: index for index, spec in enumerate(self._recognizers)}
        for spec in imported:
            if spec.name in by_name:
                self._recognizers[by_name[spec.name]] = spec
            else:
                self._recognizers.append(spec)
        log.info("imported %d custom recognizer(s)", len(imported))
        self._fill_list(select=len(self._recognizers) - 1)
        return True

    def export_recognizers(self, path: str | None = None) -> bool:
        if not path:
            path, _filter = QFileDialog.getSaveFileName(self, "Export custom recognizers", "recognizers.yaml",
                                                        "YAML (*.yaml *.yml);;JSON (*.json)")
            if not path:
                return False
        try:
            save_recognizers_file(path, self._recognizers)
        except OSError as error:
            QMessageBox.warning(self, "Cannot export the recognizers", f"{path}: {error.strerror or error}.")
            return False
        return True

    # -- saving -------------------------------------------------------------------------------------

    def accept(self) -> None:
        options = self.options()
        try:
            write_detection_options(self.project, options)
        except PrivDeskError as error:
            QMessageBox.warning(self, "Cannot save the detection settings", error.message)
            return
        log.info("detection settings saved: %d custom recognizer(s), transformer %s",
                 len(options.custom_recognizers), "on" if options.use_transformer else "off")
        super().accept()
