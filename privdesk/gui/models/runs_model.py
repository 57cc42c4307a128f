"""The Train tab's run list: one row per training run folder (the project's runs plus the runs folder)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from privdesk.core.errors import PrivDeskError
from privdesk.core.train import read_run
from privdesk.core.train.run_folder import METRICS_FILE, MODEL_FOLDER, RUN_FILE

RESUMABLE_STATUSES = ("cancelled", "failed", "running")  # "running" on disk after a crash
MODEL_CARD_FILE = "model_card.md"


@dataclass(frozen=True)
class RunEntry:
    """What the list shows of one run folder; numbers and paths only."""

    folder: Path
    status: str
    model: str
    dp: bool
    epsilon: float | None
    target_epsilon: float | None
    steps_done: int
    total_steps: int
    held_out_loss: float | None
    modified: datetime

    @property
    def resumable(self) -> bool:
        return self.status in RESUMABLE_STATUSES

    @property
    def model_card_path(self) -> Path:
        return self.folder / MODEL_FOLDER / MODEL_CARD_FILE

    def model_card(self) -> str | None:
        try:
            return self.model_card_path.read_text(encoding="utf-8")
        except OSError:
            return None

    def metrics(self) -> list[dict[str, Any]]:
        return read_metrics(self.folder)


def read_metrics(folder: Path) -> list[dict[str, Any]]:
    """Loss and ε per step from a run's metrics.json ([] when absent or unreadable)."""
    try:
        data = json.loads((folder / METRICS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def read_entry(folder: Path) -> RunEntry | None:
    """The entry of a run folder, or None when it is not (or no longer) a readable run."""
    try:
        info = read_run(folder)
    except (PrivDeskError, KeyError, TypeError, ValueError):
        return None
    metrics = read_metrics(folder)
    last = metrics[-1] if metrics else {}
    results = info.results or {}
    epsilon = results.get("epsilon_prv", last.get("epsilon_prv"))
    config = info.config
    model = config.model if config.model_kind != "local" else Path(config.model).name
    try:
        modified = datetime.fromtimestamp((folder / RUN_FILE).stat().st_mtime)
    except OSError:
        modified = datetime.now()
    return RunEntry(folder=folder, status=info.status, model=model + (" + LoRA" if config.lora else ""),
                    dp=config.dp, epsilon=epsilon if config.dp else None,
                    target_epsilon=config.epsilon if config.dp else None,
                    steps_done=int(results.get("steps", last.get("step", 0)) or 0),
                    total_steps=int(info.plan.get("steps", 0) or 0),
                    held_out_loss=results.get("held_out_loss"), modified=modified)


def discover_run_folders(project_run_dirs: Iterable[str | Path], runs_root: Path | None) -> list[Path]:
    """Run folders named by the project's training runs, plus any run folder directly under runs_root."""
    found: dict[Path, None] = {}
    for name in project_run_dirs:
        found[Path(name)] = None
    if runs_root is not None and runs_root.is_dir():
        for child in sorted(runs_root.iterdir()):
            if (child / RUN_FILE).is_file():
                found[child] = None
    return [folder for folder in found if (folder / RUN_FILE).is_file()]


class RunsModel(QAbstractTableModel):
    """Training runs, newest first."""

    HEADERS = ("Started", "Status", "Model", "ε (target)", "Steps", "Held-out loss")
    FolderRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._entries: list[RunEntry] = []

    def set_entries(self, entries: Iterable[RunEntry]) -> None:
        self.beginResetModel()
        self._entries = sorted(entries, key=lambda entry: entry.modified, reverse=True)
        self.endResetModel()

    def entries(self) -> list[RunEntry]:
        return list(self._entries)

    def entry(self, row: int) -> RunEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def row_of(self, folder: Path) -> int | None:
        for row, entry in enumerate(self._entries):
            if entry.folder == folder:
                return row
        return None

    # ---- Qt model ---------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            hint = " Select it and press Resume to continue." if entry.resumable else ""
            return f"{entry.folder}{hint}"
        if role == self.FolderRole:
            return str(entry.folder)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(entry: RunEntry, column: int) -> str:
        if column == 0:
            return entry.modified.strftime("%Y-%m-%d %H:%M")
        if column == 1:
            return entry.status
        if column == 2:
            return entry.model
        if column == 3:
            if not entry.dp:
                return "no DP"
            spent = "–" if entry.epsilon is None else f"{entry.epsilon:.2f}"
            return f"{spent} ({entry.target_epsilon:g})"
        if column == 4:
            return f"{entry.steps_done}/{entry.total_steps}"
        return "–" if entry.held_out_loss is None else f"{entry.held_out_loss:.3f}"
