"""The Train tab's settings form: model, privacy, optimisation, canaries and the data to train on."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QRadioButton, QSpinBox, QVBoxLayout, QWidget)

from privdesk.core.train import TrainConfig, TrainingError

MODEL_CHOICES: tuple[tuple[str, str], ...] = (("Tiny (test model, seconds)", "tiny"),
                                              ("SmolLM2-135M", "smollm2"),
                                              ("Local model folder…", "local"))
RAW_DATA_WARNING = ("⚠ Training on the RAW, UNMASKED dataset: the model can memorise and repeat the personal data "
                    "in it. Train on a sanitized export unless this is a deliberate baseline.")
DELTA_HINT = ("δ must be below 1/N (N = training examples): publishing one whole record in the clear already "
              "satisfies δ = 1/N, so a larger δ promises nothing. Empty: the largest power of ten ≤ 1/(10 N).")


class TrainForm(QWidget):
    """Settings with defaults; `config()` turns them into a validated TrainConfig or raises TrainingError."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainForm")
        self._dataset_path: Path | None = None
        self._dataset_read_options: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_data_group())
        layout.addWidget(self._build_model_group())
        layout.addWidget(self._build_privacy_group())
        layout.addWidget(self._build_optimisation_group())
        layout.addStretch(1)
        self._update_enabled()

    # ---- building -----------------------------------------------------------------------------------

    def _build_data_group(self) -> QGroupBox:
        group = QGroupBox("Training data")
        layout = QVBoxLayout(group)
        self.dataset_radio = QRadioButton("The project's dataset (raw)")
        self.dataset_radio.setObjectName("trainOnDatasetRadio")
        self.export_radio = QRadioButton("A sanitized export file")
        self.export_radio.setObjectName("trainOnExportRadio")
        self.export_radio.setChecked(True)
        self.export_path = QLineEdit()
        self.export_path.setObjectName("exportPathEdit")
        self.export_path.setPlaceholderText("sanitized file (CSV, JSONL, Parquet, …)")
        browse = QPushButton("Browse…")
        browse.setObjectName("browseExportButton")
        browse.clicked.connect(self._browse_export)
        row = QHBoxLayout()
        row.addWidget(self.export_path, 1)
        row.addWidget(browse)
        self.raw_warning = QLabel(RAW_DATA_WARNING)
        self.raw_warning.setObjectName("rawDataWarning")
        self.raw_warning.setWordWrap(True)
        self.raw_warning.setStyleSheet("QLabel { color: #b00020; font-weight: bold; }")
        self.columns_list = QListWidget()
        self.columns_list.setObjectName("textColumnsList")
        self.columns_list.setMaximumHeight(80)
        self.columns_list.setToolTip("Text columns to train on (one example per record, cells joined by newlines)")
        layout.addWidget(self.export_radio)
        layout.addLayout(row)
        layout.addWidget(self.dataset_radio)
        layout.addWidget(self.raw_warning)
        layout.addWidget(QLabel("Text columns:"))
        layout.addWidget(self.columns_list)
        for widget in (self.dataset_radio, self.export_radio):
            widget.toggled.connect(self._on_changed)
        self.export_path.textChanged.connect(self._on_changed)
        self.columns_list.itemChanged.connect(self._on_changed)
        return group

    def _build_model_group(self) -> QGroupBox:
        group = QGroupBox("Model")
        form = QFormLayout(group)
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("modelCombo")
        for label, value in MODEL_CHOICES:
            self.model_combo.addItem(label, value)
        self.model_combo.setCurrentIndex(1)
        self.model_folder = QLineEdit()
        self.model_folder.setObjectName("modelFolderEdit")
        self.model_folder.setPlaceholderText("folder with a Hugging Face causal LM")
        self.model_browse = QPushButton("Browse…")
        self.model_browse.setObjectName("browseModelButton")
        self.model_browse.clicked.connect(self._browse_model)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.model_folder, 1)
        folder_row.addWidget(self.model_browse)
        self.lora_check = QCheckBox("Train LoRA adapters (not all weights)")
        self.lora_check.setObjectName("loraCheck")
        form.addRow("Model", self.model_combo)
        form.addRow("Folder", folder_row)
        form.addRow("", self.lora_check)
        self.model_combo.currentIndexChanged.connect(self._on_changed)
        self.model_folder.textChanged.connect(self._on_changed)
        self.lora_check.toggled.connect(self._on_changed)
        return group

    def _build_privacy_group(self) -> QGroupBox:
        group = QGroupBox("Privacy")
        form = QFormLayout(group)
        self.dp_check = QCheckBox("DP-SGD (off: non-private baseline)")
        self.dp_check.setObjectName("dpCheck")
        self.dp_check.setChecked(True)
        self.epsilon_spin = self._double("epsilonSpin", 8.0, 0.01, 1000.0, 2, 0.5)
        self.delta_edit = QLineEdit()
        self.delta_edit.setObjectName("deltaEdit")
        self.delta_edit.setPlaceholderText("auto (≤ 1/(10 N))")
        self.delta_edit.setToolTip(DELTA_HINT)
        self.clip_spin = self._double("clipSpin", 1.0, 0.001, 100.0, 3, 0.1)
        self.canaries_spin = self._int("canariesSpin", 0, 0, 1000)
        self.canary_repeats_spin = self._int("canaryRepeatsSpin", 1, 1, 100)
        delta_hint = QLabel(DELTA_HINT)
        delta_hint.setWordWrap(True)
        delta_hint.setStyleSheet("QLabel { color: palette(mid); font-size: small; }")
        form.addRow("", self.dp_check)
        form.addRow("Target ε", self.epsilon_spin)
        form.addRow("δ", self.delta_edit)
        form.addRow("", delta_hint)
        form.addRow("Clipping norm C", self.clip_spin)
        form.addRow("Canaries K", self.canaries_spin)
        form.addRow("Repeats r", self.canary_repeats_spin)
        self.dp_check.toggled.connect(self._on_changed)
        self.delta_edit.textChanged.connect(self._on_changed)
        return group

    def _build_optimisation_group(self) -> QGroupBox:
        group = QGroupBox("Training")
        form = QFormLayout(group)
        self.epochs_spin = self._int("epochsSpin", 3, 1, 1000)
        self.batch_spin = self._int("batchSizeSpin", 16, 1, 65536)
        self.max_length_spin = self._int("maxLengthSpin", 128, 8, 8192)
        self.lr_edit = QLineEdit()
        self.lr_edit.setObjectName("learningRateEdit")
        self.lr_edit.setPlaceholderText("auto (by model kind)")
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Max length (tokens)", self.max_length_spin)
        form.addRow("Learning rate", self.lr_edit)
        self.lr_edit.textChanged.connect(self._on_changed)
        return group

    def _int(self, name: str, value: int, low: int, high: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.valueChanged.connect(self._on_changed)
        return spin

    def _double(self, name: str, value: float, low: float, high: float, decimals: int, step: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setObjectName(name)
        spin.setDecimals(decimals)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setValue(value)
        spin.valueChanged.connect(self._on_changed)
        return spin

    # ---- context ------------------------------------------------------------------------------------

    def set_dataset(self, path: Path | None, columns: Sequence[str], text_columns: Sequence[str],
                    read_options: dict[str, Any] | None = None) -> None:
        """The project's dataset (None: only an export file can be trained on); text columns come checked."""
        self._dataset_path = path
        self._dataset_read_options = dict(read_options or {})
        self.columns_list.blockSignals(True)
        self.columns_list.clear()
        for name in columns:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in text_columns else Qt.CheckState.Unchecked)
            self.columns_list.addItem(item)
        self.columns_list.blockSignals(False)
        self.dataset_radio.setEnabled(path is not None)
        if path is None:
            self.export_radio.setChecked(True)
        self._on_changed()

    def set_export_path(self, path: Path) -> None:
        self.export_radio.setChecked(True)
        self.export_path.setText(str(path))

    def set_model(self, value: str) -> None:
        """Pick a model choice by its value: tiny, smollm2 or local."""
        self.model_combo.setCurrentIndex(self.model_combo.findData(value))

    def checked_columns(self) -> tuple[str, ...]:
        items = (self.columns_list.item(row) for row in range(self.columns_list.count()))
        return tuple(item.text() for item in items if item.checkState() == Qt.CheckState.Checked)

    @property
    def trains_on_raw_data(self) -> bool:
        return self.dataset_radio.isChecked()

    # ---- the config ---------------------------------------------------------------------------------

    def config(self) -> TrainConfig:
        """The settings as a TrainConfig; TrainingError (with a message for the user) when one is wrong."""
        if self.trains_on_raw_data:
            if self._dataset_path is None:
                raise TrainingError("there is no project dataset to train on.", hint="Load a dataset, or pick a file.")
            data_path, read_options = self._dataset_path, self._dataset_read_options
        else:
            text = self.export_path.text().strip()
            if not text:
                raise TrainingError("no training file was chosen.",
                                    hint="Pick a sanitized export, or train on the project's dataset.")
            data_path, read_options = Path(text).expanduser(), {}
            if not data_path.is_file():
                raise TrainingError("does not exist or is not a file.", path=data_path,
                                    hint="Pick the sanitized export again.")
        model = self.model_combo.currentData()
        if model == "local":
            model = self.model_folder.text().strip()
            if not model or not Path(model).expanduser().is_dir():
                raise TrainingError("the local model folder is missing or does not exist.",
                                    hint="Choose a folder holding a Hugging Face causal language model.")
            model = str(Path(model).expanduser())
        columns = self.checked_columns() or None
        return TrainConfig(
            data_path=data_path, model=model, text_columns=columns, read_options=read_options,
            lora=self.lora_check.isChecked(), dp=self.dp_check.isChecked(), epsilon=self.epsilon_spin.value(),
            delta=self._optional_float(self.delta_edit, "δ"), max_grad_norm=self.clip_spin.value(),
            epochs=self.epochs_spin.value(), batch_size=self.batch_spin.value(),
            physical_batch_size=min(self.batch_spin.value(), 16), max_length=self.max_length_spin.value(),
            learning_rate=self._optional_float(self.lr_edit, "the learning rate"),
            canaries=self.canaries_spin.value(), canary_repeats=self.canary_repeats_spin.value())

    @staticmethod
    def _optional_float(edit: QLineEdit, what: str) -> float | None:
        text = edit.text().strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise TrainingError(f"{what} {text!r} is not a number.", hint="Write it like 1e-5 or 0.00001.") from None

    # ---- reactions ----------------------------------------------------------------------------------

    def _on_changed(self, *_: object) -> None:
        self._update_enabled()
        self.changed.emit()

    def _update_enabled(self) -> None:
        local = self.model_combo.currentData() == "local"
        self.model_folder.setEnabled(local)
        self.model_browse.setEnabled(local)
        dp = self.dp_check.isChecked()
        for widget in (self.epsilon_spin, self.delta_edit, self.clip_spin):
            widget.setEnabled(dp)
        self.export_path.setEnabled(self.export_radio.isChecked())
        self.raw_warning.setVisible(self.dataset_radio.isChecked())

    def _browse_export(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Sanitized file to train on", self.export_path.text(),
                                              "Datasets (*.csv *.tsv *.json *.jsonl *.parquet *.txt);;All files (*)")
        if path:
            self.set_export_path(Path(path))

    def _browse_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Local model folder", self.model_folder.text())
        if folder:
            self.model_folder.setText(folder)
