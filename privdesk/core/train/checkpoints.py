"""Encrypted, atomic training checkpoints in RUN_DIR/checkpoints/, the newest few kept.

A checkpoint holds everything a resumed run needs to continue as if it had never stopped: trained
weights (all of them for full fine-tuning, the adapters for LoRA), optimizer state, the privacy
ledger (history of (σ, q, steps)), the step count (the data position: with Poisson sampling each
step draws afresh, so the position is the step count plus the sampler's generator state), and the
states of the sampling, noise and global torch generators. It is written with torch.save into
memory, then sealed (sealing.py) and renamed into place. A process killed mid-write leaves only a
temporary file, which list_checkpoints never takes for a checkpoint and the next save removes.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import torch

from privdesk.core.atomic import remove_abandoned_temporaries
from privdesk.core.train.errors import TrainingError
from privdesk.core.train.sealing import SealKey

FOLDER = "checkpoints"
PURPOSE = "checkpoint"
KEEP = 2
FORMAT = 1
_NAME = re.compile(r"^step-(\d{9})\.ckpt$")


def checkpoint_dir(run_dir: str | Path) -> Path:
    return Path(run_dir) / FOLDER


def list_checkpoints(run_dir: str | Path) -> list[tuple[int, Path]]:
    """(step, path) of each complete checkpoint, oldest first."""
    folder = checkpoint_dir(run_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    found = list_checkpoints(run_dir)
    return found[-1][1] if found else None


def save_checkpoint(run_dir: str | Path, key: SealKey, state: dict[str, Any], *, keep: int = KEEP) -> Path:
    step = int(state["step"])
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, **state}, buffer)
    path = checkpoint_dir(run_dir) / f"step-{step:09d}.ckpt"
    key.seal_to_file(path, buffer.getbuffer(), PURPOSE)
    remove_abandoned_temporaries(checkpoint_dir(run_dir))  # of checkpoints a killed process was writing
    for _, old in list_checkpoints(run_dir)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def load_checkpoint(path: str | Path, key: SealKey) -> dict[str, Any]:
    plain = key.open_file(path, PURPOSE)
    try:
        state = torch.load(io.BytesIO(plain), map_location="cpu", weights_only=True)
    except Exception as error:  # authenticated but not loadable: written by an incompatible version
        raise TrainingError(f"decrypts but is not a checkpoint this PrivDesk can read ({type(error).__name__}).",
                            path=path) from None
    if state.get("format") != FORMAT:
        raise TrainingError(f"is a checkpoint of format {state.get('format')}, not {FORMAT}.", path=path)
    return state
