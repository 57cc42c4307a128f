"""The Policy tab: choose how each kind of PII is masked, watch the result on real records, export.

Left: a preset picker, load/save of policy YAML, the table of entity types (found ones first, with
counts) with an operator each and its parameters, and per-column overrides. Right: the live preview
(the current record before and after, previous/next, and a sample of 20 records). Every accepted
edit is saved into the project at once (project.set_policy), so the CLI, the export and the next
session see the same policy. Export and Re-identify open their dialogs (privdesk.gui.dialogs).

The spans previewed and exported are those an export masks (privdesk.core.mask.spans_to_mask):
accepted ones, and unreviewed ones scoring at least the Review tab's threshold.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from privdesk.core.atomic import atomic_write_text
from privdesk.core.dataset import Dataset
from privdesk.core.errors import PrivDeskError
from privdesk.core.mask import Policy, PolicyError, load_policy, load_preset, preset_names, review_summary, spans_to_mask
from privdesk.core.project import Project
from privdesk.core.types import ENTITY_TYPES, Span
from privdesk.gui import palette
from privdesk.gui.dialogs.export_dialog import ExportDialog, ExportRequest, ReidentifyDialog
from privdesk.gui.error_reporting import error_dialog
from privdesk.gui.models.policy_model import PolicyModel
from privdesk.gui.review.session import DEFAULT_THRESHOLD, SETTING_THRESHOLD
from privdesk.gui.widgets.policy_table import PolicyTable
from privdesk.gui.widgets.preview_pane import SAMPLE_SIZE, PreviewPane, RecordPreview, mask_record_preview
from privdesk.gui.workers import ThreadPoolLike

log = logging.getLogger(__name__)

DEFAULT_PRESET = "hipaa_safe_harbor"
EMPTY_HINT = ("<h2>Policy</h2><p>Open or create a project and load a dataset in the <b>Data</b> tab, then find "
              "its PII in the <b>Review</b> tab. Here you will then choose how each kind of PII is masked "
              "(starting from a preset such as HIPAA Safe Harbor), see the result on your records, and "
              "export the sanitized dataset.</p>")


def masked_spans(effective: list[tuple[Span, str]], threshold: float) -> list[Span]:
    """The spans an export masks, as spans_to_mask chooses them."""
    return [span for span, status in effective
            if status == "accepted" or (status == "pending" and span.score >= threshold)]


def sample_positions(count: int, size: int = SAMPLE_SIZE) -> list[int]:
    """`size` positions spread evenly over range(count) (all of them when there are fewer)."""
    if count <= size:
        return list(range(count))
    return sorted({round(index * (count - 1) / (size - 1)) for index in range(size)})


class PolicyTab(QWidget):
    export_requested = Signal()  # an export dialog is about to open (the main window may switch to this tab)
    export_finished = Signal(object)  # ExportSummary
    policy_changed = Signal(object)  # Policy, after it was saved into the project
    status_message = Signal(str)

    def __init__(self, thread_pool: ThreadPoolLike | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyTab")
        self._pool = thread_pool
        self.project: Project | None = None
        self.dataset: Dataset | None = None
        self.threshold = DEFAULT_THRESHOLD
        self._secret: bytes | None = None
        self._records: list[int] = []  # records with something to mask, in order
        self._position = 0
        self._presets = {name: load_preset(name) for name in preset_names()}
        self.export_dialog: ExportDialog | None = None
        self.reidentify_dialog: ReidentifyDialog | None = None
        self.model = PolicyModel(self)
        self._build()
        self.model.policy_changed.connect(self._on_policy_edited)
        self.preview.step_requested.connect(self.step_record)
        self.set_context(None, None)

    # ---- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.pages = QStackedWidget(self)
        self.hint_label = QLabel(EMPTY_HINT, self)
        self.hint_label.setObjectName("policyHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setMaximumWidth(640)
        hint_page = QWidget(self)
        hint_layout = QHBoxLayout(hint_page)
        hint_layout.addStretch(1)
        hint_layout.addWidget(self.hint_label, 4)
        hint_layout.addStretch(1)
        self.pages.addWidget(hint_page)

        work = QWidget(self)
        self.preset_combo = QComboBox(work)
        self.preset_combo.setObjectName("presetCombo")
        self.preset_combo.addItem("Custom policy", None)
        for name, policy in self._presets.items():
            self.preset_combo.addItem(policy.name, name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, policy.description, Qt.ItemDataRole.ToolTipRole)
        self.preset_combo.activated.connect(self._on_preset_chosen)
        self.load_button = QPushButton("Load YAML\u2026", work)
        self.load_button.setObjectName("loadPolicyButton")
        self.save_button = QPushButton("Save YAML\u2026", work)
        self.save_button.setObjectName("savePolicyButton")
        self.reidentify_button = QPushButton("Re-identify\u2026", work)
        self.reidentify_button.setObjectName("reidentifyButton")
        self.reidentify_button.setToolTip("Restore original data from a masked file and its vault")
        self.export_button = QPushButton("Export\u2026", work)
        self.export_button.setObjectName("exportButton")
        self.export_button.setToolTip("Write the sanitized dataset, the audit report and an optional vault")
        self.load_button.clicked.connect(self._choose_policy_file)
        self.save_button.clicked.connect(self._choose_save_file)
        self.reidentify_button.clicked.connect(self.open_reidentify_dialog)
        self.export_button.clicked.connect(self.open_export_dialog)
        top = QHBoxLayout()
        top.addWidget(QLabel("Preset:", work))
        top.addWidget(self.preset_combo)
        top.addWidget(self.load_button)
        top.addWidget(self.save_button)
        top.addStretch(1)
        top.addWidget(self.reidentify_button)
        top.addWidget(self.export_button)

        self.table = PolicyTable(self.model, work)
        overrides = QGroupBox("Per-column override", work)
        self.override_column = QComboBox(overrides)
        self.override_column.setObjectName("overrideColumn")
        self.override_entity = QComboBox(overrides)
        self.override_entity.setObjectName("overrideEntity")
        self.add_override_button = QPushButton("Add", overrides)
        self.add_override_button.setObjectName("addOverrideButton")
        self.remove_override_button = QPushButton("Remove selected", overrides)
        self.remove_override_button.setObjectName("removeOverrideButton")
        self.add_override_button.clicked.connect(self.add_override)
        self.remove_override_button.clicked.connect(self.remove_selected_override)
        self.table.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_override_buttons())
        override_row = QHBoxLayout(overrides)
        override_row.addWidget(QLabel("In column", overrides))
        override_row.addWidget(self.override_column, 1)
        override_row.addWidget(QLabel("mask", overrides))
        override_row.addWidget(self.override_entity, 1)
        override_row.addWidget(self.add_override_button)
        override_row.addWidget(self.remove_override_button)
        left = QWidget(work)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(overrides)

        self.preview = PreviewPane(work)
        splitter = QSplitter(Qt.Orientation.Horizontal, work)
        splitter.addWidget(left)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        work_layout = QVBoxLayout(work)
        work_layout.addLayout(top)
        work_layout.addWidget(splitter, 1)
        self.pages.addWidget(work)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    # ---- context --------------------------------------------------------------------------------

    def set_context(self, project: Project | None, dataset: Dataset | None) -> None:
        """Work on `project` and its loaded `dataset`; (None, None) shows what to do first."""
        self.project, self.dataset = project, dataset
        self._secret = None
        if project is None or dataset is None:
            self.hint_label.setText(EMPTY_HINT if project is None else
                                    "<h2>Policy</h2><p>Load the project's dataset in the <b>Data</b> tab first.</p>")
            self.pages.setCurrentIndex(0)
            self._records = []
            return
        self.pages.setCurrentIndex(1)
        self.model.load(self._project_policy(project), project.entity_counts())
        self._fill_override_choices()
        self._sync_preset_combo()
        self.refresh()

    def _project_policy(self, project: Project) -> Policy:
        stored = project.policy()
        if stored is not None:
            try:
                return Policy.from_yaml(stored[0])
            except PolicyError:
                log.warning("the project's stored policy is not valid; starting from the %s preset", DEFAULT_PRESET)
                self.status_message.emit("The policy saved in the project could not be read; "
                                         "the HIPAA Safe Harbor preset replaces it.")
        policy = self._presets.get(DEFAULT_PRESET) or next(iter(self._presets.values()))
        project.set_policy(policy.to_yaml(), policy.name)
        return policy

    def _fill_override_choices(self) -> None:
        assert self.dataset is not None
        self.override_column.clear()
        self.override_column.addItems(self.dataset.columns)
        self.override_entity.clear()
        self.override_entity.addItem("every type", None)
        counts = self.project.entity_counts() if self.project is not None else {}
        for entity in dict.fromkeys((*sorted(counts, key=lambda t: -counts[t]), *ENTITY_TYPES)):
            self.override_entity.addItem(palette.entity_label(entity), entity)
        self._update_override_buttons()

    def refresh(self) -> None:
        """Re-read what the review decided (records to mask, threshold) and redraw the preview."""
        project = self.project
        if project is None or self.dataset is None:
            return
        self.threshold = float(project.get_setting(SETTING_THRESHOLD, DEFAULT_THRESHOLD))
        current = self.current_record()
        self._records = [record for record, effective in project.iter_effective_spans()
                         if record < self.dataset.num_rows and masked_spans(effective, self.threshold)]
        self._position = self._records.index(current) if current in self._records else 0
        self.update_preview()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.refresh()  # decisions may have changed in the Review tab meanwhile

    # ---- policy edits ---------------------------------------------------------------------------

    def policy(self) -> Policy:
        return self.model.policy()

    def apply_policy(self, policy: Policy) -> None:
        """Replace the whole policy (a preset or a loaded file), save it and redraw."""
        if self.project is None:
            return
        self.model.load(policy, self.project.entity_counts())
        self._save(policy)

    def choose_preset(self, name: str) -> None:
        self.apply_policy(self._presets[name])

    def _on_preset_chosen(self, index: int) -> None:
        name = self.preset_combo.itemData(index)
        if name is not None:
            self.choose_preset(name)

    def _on_policy_edited(self) -> None:
        self._save(self.model.policy())

    def _save(self, policy: Policy) -> None:
        if self.project is None:
            return
        self.project.set_policy(policy.to_yaml(), policy.name)
        self._sync_preset_combo()
        self.update_preview()
        self.policy_changed.emit(policy)

    def _sync_preset_combo(self) -> None:
        digest = self.model.policy().sha256()
        match = next((name for name, preset in self._presets.items() if preset.sha256() == digest), None)
        index = self.preset_combo.findData(match) if match is not None else 0
        self.preset_combo.setCurrentIndex(index)

    def load_policy_file(self, path: str | Path) -> bool:
        try:
            policy = load_policy(Path(path))
        except PrivDeskError as error:
            error_dialog(self, error, action="Loading the policy")
            return False
        self.apply_policy(policy)
        self.status_message.emit(f"Policy loaded from {Path(path).name}")
        return True

    def save_policy_file(self, path: str | Path) -> bool:
        path = Path(path)
        try:
            atomic_write_text(path, self.model.policy().to_yaml())
        except OSError as error:
            error_dialog(self, PrivDeskError(f"the policy cannot be written ({error.strerror}).", path=path,
                                             hint="Choose a folder you can write to."), action="Saving the policy")
            return False
        self.status_message.emit(f"Policy saved to {path.name}")
        return True

    def _choose_policy_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a masking policy", "", "Policy (*.yaml *.yml)")
        if path:
            self.load_policy_file(path)

    def _choose_save_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the masking policy", "policy.yaml", "Policy (*.yaml *.yml)")
        if path:
            self.save_policy_file(path if path.lower().endswith((".yaml", ".yml")) else f"{path}.yaml")

    def add_override(self) -> int | None:
        column = self.override_column.currentText()
        if not column:
            return None
        row = self.model.add_override(column, self.override_entity.currentData())
        self.table.select_row(row)
        return row

    def remove_selected_override(self) -> bool:
        row = self.table.current_row()
        return row is not None and self.model.remove_override(row)

    def _update_override_buttons(self) -> None:
        row = self.table.current_row()
        self.remove_override_button.setEnabled(row is not None and self.model.rule(row).is_override)

    # ---- preview --------------------------------------------------------------------------------

    def _project_secret(self) -> bytes | None:
        if self._secret is None and self.project is not None:
            try:
                self._secret = self.project.project_secret()
            except PrivDeskError as error:
                self.preview.show_message(f"The preview needs the project secret: {error.message}")
                return None
        return self._secret

    def current_record(self) -> int | None:
        if not self._records:
            return None
        return self._records[min(self._position, len(self._records) - 1)]

    def step_record(self, delta: int) -> None:
        if self._records:
            self._position = max(0, min(len(self._records) - 1, self._position + delta))
            self.update_preview()

    def record_preview(self, record: int) -> RecordPreview | None:
        """The masked preview of one record with the current policy, or None without a secret."""
        project, dataset, secret = self.project, self.dataset, self._project_secret()
        if project is None or dataset is None or secret is None:
            return None
        effective = project.effective_spans(record)
        spans = masked_spans(effective, self.threshold)
        # Cells with rejected or low-scoring findings show too: the analyst sees what stays in clear.
        columns = [c for c in dataset.columns if any(span.column == c for span, _ in effective)]
        cells = {column: dataset.text(record, column) for column in columns}
        try:
            return mask_record_preview(self.model.policy(), secret, record, cells, spans)
        except PrivDeskError as error:
            self.preview.show_message(f"Record {record + 1} cannot be previewed: {error.message}")
            return None

    def update_preview(self) -> None:
        record = self.current_record()
        if record is None:
            self.preview.show_message("Nothing to mask yet: run detection and review the findings in the Review tab. "
                                      "Records with accepted findings (or unreviewed ones above the threshold) "
                                      "show here before and after masking.")
            return
        preview = self.record_preview(record)
        if preview is None:
            return
        self.preview.show_record(preview, self._position, len(self._records))
        sample = [self.record_preview(self._records[i]) for i in sample_positions(len(self._records))]
        self.preview.show_sample([p for p in sample if p is not None])

    # ---- export and re-identification -----------------------------------------------------------

    def open_export_dialog(self) -> ExportDialog | None:
        """Open the export dialog for the current project and policy (File > Export calls this too)."""
        self.export_requested.emit()
        project, dataset = self.project, self.dataset
        if project is None or dataset is None:
            error_dialog(self, PrivDeskError("there is no dataset to export.",
                                             hint="Open a project and load its dataset in the Data tab first."),
                         action="Exporting the dataset")
            return None
        secret = self._project_secret()
        if secret is None:
            return None
        self.threshold = float(project.get_setting(SETTING_THRESHOLD, DEFAULT_THRESHOLD))
        threshold = self.threshold
        request = ExportRequest(dataset=dataset, policy=self.model.policy(), secret=secret,
                                spans=lambda: spans_to_mask(project, threshold=threshold),
                                review=review_summary(project, threshold=threshold),
                                unreviewed_records=len(project.pending_records()), project_id=project.project_id)
        dialog = ExportDialog(request, self._pool, self)
        dialog.export_finished.connect(self.export_finished)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def open_reidentify_dialog(self) -> ReidentifyDialog:
        # Bound to the open project: a vault made by another project is refused, not silently used.
        project_id = self.project.project_id if self.project is not None else None
        dialog = ReidentifyDialog(self._pool, self, project_id=project_id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.reidentify_dialog = dialog
        dialog.open()
        return dialog
