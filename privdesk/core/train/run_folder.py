"""The layout of a training run folder, and what Evaluate reads from it.

    RUN_DIR/
      run.json            settings, plan (σ, q, steps), status, results; no data values
      split.json          which dataset records were trained on / held out / skipped (0-based row indices)
      metrics.json        loss and ε per step
      key.json            scrypt salt, only when the run is keyed by a passphrase
      canaries.enc        the planted canaries and their format, sealed (see canaries.py)
      checkpoints/        sealed checkpoints while the run is unfinished (see checkpoints.py)
      model/              the trained model (Hugging Face folder, LoRA merged) + model_card.md/.json
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from privdesk.core.atomic import atomic_write_text
from privdesk.core.train.config import TrainConfig
from privdesk.core.train.data import DataSplit
from privdesk.core.train.errors import TrainingError

RUN_FILE = "run.json"
SPLIT_FILE = "split.json"
METRICS_FILE = "metrics.json"
MODEL_FOLDER = "model"
RUN_FORMAT = 1


def write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainingError(f"has no {what} ({path.name}).", path=path.parent,
                            hint="Choose the folder of a PrivDesk training run.") from None
    except (OSError, ValueError) as error:
        raise TrainingError(f"cannot be read as {what} ({error}).", path=path) from None


@dataclass(frozen=True)
class RunInfo:
    """What a run folder says about itself: enough for Evaluate to find members, canaries and the model."""

    folder: Path
    config: TrainConfig
    status: str  # running, cancelled, failed, done
    plan: dict[str, Any]
    results: dict[str, Any]
    split: DataSplit
    dataset: dict[str, Any]
    project: dict[str, Any] | None

    @property
    def model_path(self) -> Path | None:
        path = self.folder / MODEL_FOLDER
        return path if (path / "config.json").is_file() else None

    @property
    def has_canaries(self) -> bool:
        return (self.folder / "canaries.enc").is_file()


def read_run(run_dir: str | Path) -> RunInfo:
    folder = Path(run_dir)
    record = read_json(folder / RUN_FILE, "training run record")
    if record.get("format") != RUN_FORMAT:
        raise TrainingError(f"is a run record of format {record.get('format')}, not {RUN_FORMAT}.", path=folder / RUN_FILE)
    split = DataSplit.from_json(read_json(folder / SPLIT_FILE, "train/held-out split"))
    return RunInfo(folder, TrainConfig.from_json(record["config"]), record["status"], record.get("plan", {}),
                   record.get("results", {}), split, record.get("dataset", {}), record.get("project"))
