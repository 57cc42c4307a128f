"""Differentially private fine-tuning of causal language models, in the background.

The Train tab and `privdesk-cli train` call the same functions (see runner.py):

    plan(config)                      -> TrainPlan (σ, q, steps, δ before training starts)
    train(config, run_dir, key=...)   -> TrainResult
    resume(run_dir, key=...)          -> TrainResult
    read_run(run_dir)                 -> RunInfo (for Evaluate: split, canaries, model path)

Modules, one job each:
  config       TrainConfig                     data         records -> examples, split, batches, loss
  models       tiny / SmolLM2 / local, LoRA    fused        single-backward per-sample clipping
  dp           engines: fused, Opacus ghost/hooks, non-private, with Poisson sampling and virtual batches
  accounting   σ for a target ε; ε by PRV and RDP            canaries     planted secrets for auditing
  sealing      AES-GCM files keyed by the project secret or a passphrase
  checkpoints  encrypted, atomic, resumable     model_card   Markdown + JSON card
  run_folder   the run folder's layout          runner       the loop, progress, pause, cancel, resume
  tiny_tokenizer  the Tiny model's public byte-level BPE (fitted on synthetic text, never on the analyst's data)
"""

from privdesk.core.progress import CancelToken, Cancelled
from privdesk.core.train.canaries import CanarySet, load_canaries
from privdesk.core.train.config import TrainConfig
from privdesk.core.train.data import DataSplit
from privdesk.core.train.errors import TrainingError
from privdesk.core.train.pause import PauseToken
from privdesk.core.train.run_folder import RunInfo, read_run
from privdesk.core.train.runner import TrainPlan, TrainProgress, TrainResult, plan, resume, train
from privdesk.core.train.sealing import SealKey

__all__ = [
    "CancelToken",
    "Cancelled",
    "CanarySet",
    "DataSplit",
    "PauseToken",
    "RunInfo",
    "SealKey",
    "TrainConfig",
    "TrainPlan",
    "TrainProgress",
    "TrainResult",
    "TrainingError",
    "load_canaries",
    "plan",
    "read_run",
    "resume",
    "train",
]
