"""What a training run is asked to do: one plain, JSON-round-trippable settings object.

The same object is written to the run folder (run.json), so a resumed run trains with exactly the
settings it started with. It holds paths and numbers only, never data values.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from privdesk.core.train.errors import TrainingError

GradSampleMode = Literal["auto", "fused", "ghost", "hooks"]
GRAD_SAMPLE_MODES: tuple[str, ...] = ("auto", "fused", "ghost", "hooks")
MODEL_ALIASES: tuple[str, ...] = ("tiny", "smollm2")
DEFAULT_CANARY_FORMAT = "My social security number is ###-##-####"
CANARY_PLACEHOLDER = "#"


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one fine-tuning run (DP-SGD, or the non-private baseline with dp=False)."""

    data_path: Path
    model: str = "smollm2"  # "tiny", "smollm2", or a local Hugging Face causal-LM folder
    text_columns: tuple[str, ...] | None = None  # None: the columns whose role is "text"
    read_options: dict[str, Any] = field(default_factory=dict)  # fields of privdesk.core.dataset.ReadOptions
    lora: bool = False
    lora_rank: int = 8
    lora_alpha: float = 16.0
    dp: bool = True
    epsilon: float = 8.0
    delta: float | None = None  # None: the largest power of ten not above 1/(10 N)
    max_grad_norm: float = 1.0
    epochs: int = 3
    batch_size: int = 16  # expected (logical) batch size; Poisson sampling rate q = 1/ceil(N/batch_size)
    physical_batch_size: int = 16  # the most examples in memory at once; larger batches are split
    max_length: int = 128  # tokens per example; longer records are truncated (one example per record)
    learning_rate: float | None = None  # None: a default for the model kind
    held_out_fraction: float = 0.1
    split_seed: int = 0
    model_seed: int = 0  # initialisation of Tiny and of LoRA adapters (public, not a privacy secret)
    canaries: int = 0
    canary_repeats: int = 1
    canary_format: str = DEFAULT_CANARY_FORMAT
    grad_sample_mode: GradSampleMode = "auto"
    checkpoint_every_steps: int | None = None
    checkpoint_every_s: float = 300.0
    eval_every_steps: int | None = None
    num_threads: int | None = None  # None: all cores but one, which is left for the GUI
    device: str = "cpu"
    tiny_layers: int = 2
    tiny_hidden: int = 64
    tiny_heads: int = 2
    tiny_vocab_size: int = 1024

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_path", Path(self.data_path))
        if self.text_columns is not None:
            object.__setattr__(self, "text_columns", tuple(self.text_columns))
        self.validate()

    # ---- validation that needs no data ------------------------------------------------------------

    def validate(self) -> None:
        def bad(problem: str, hint: str | None = None) -> TrainingError:
            return TrainingError(problem, hint=hint)

        if self.dp:
            if not (self.epsilon > 0 and math.isfinite(self.epsilon)):
                raise bad(f"epsilon must be a positive number (got {self.epsilon}).",
                          "Typical targets are 1 to 10; smaller is more private.")
            if self.delta is not None and not 0 < self.delta < 1:
                raise bad(f"delta must lie strictly between 0 and 1 (got {self.delta}).",
                          "Choose a delta well below 1/N, N being the number of training records.")
            if not self.max_grad_norm > 0:
                raise bad(f"the clipping norm must be positive (got {self.max_grad_norm}).")
        for name in ("epochs", "batch_size", "physical_batch_size", "lora_rank", "canary_repeats", "tiny_layers",
                     "tiny_hidden", "tiny_heads"):
            if getattr(self, name) < 1:
                raise bad(f"{name.replace('_', ' ')} must be at least 1 (got {getattr(self, name)}).")
        if not 8 <= self.max_length <= 8192:
            raise bad(f"max length must be between 8 and 8192 tokens (got {self.max_length}).")
        if not 0 <= self.held_out_fraction < 0.9:
            raise bad(f"the held-out fraction must be at least 0 and below 0.9 (got {self.held_out_fraction}).")
        if self.canaries < 0:
            raise bad(f"the number of canaries cannot be negative (got {self.canaries}).")
        if self.canaries and self.canary_format.count(CANARY_PLACEHOLDER) < 4:
            raise bad(f"the canary format {self.canary_format!r} needs at least four '#' placeholders for digits.",
                      "Each '#' becomes a random digit; fewer than four makes the secret guessable.")
        if self.grad_sample_mode not in GRAD_SAMPLE_MODES:
            raise bad(f"unknown gradient mode {self.grad_sample_mode!r}; use one of {', '.join(GRAD_SAMPLE_MODES)}.")
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise bad(f"the learning rate must be positive (got {self.learning_rate}).")
        if self.checkpoint_every_steps is not None and self.checkpoint_every_steps < 1:
            raise bad(f"checkpoint interval must be at least 1 step (got {self.checkpoint_every_steps}).")
        if self.tiny_hidden % self.tiny_heads:
            raise bad(f"tiny hidden size {self.tiny_hidden} is not a multiple of tiny heads {self.tiny_heads}.")
        if self.tiny_vocab_size < 300:
            raise bad(f"tiny vocabulary size must be at least 300 (got {self.tiny_vocab_size}): "
                      "256 byte tokens come first.")

    # ---- derived settings -------------------------------------------------------------------------

    @property
    def model_kind(self) -> str:
        return self.model if self.model in MODEL_ALIASES else "local"

    def default_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        if self.model_kind == "tiny":
            return 3e-3
        return 1e-3 if self.lora else 1e-4

    def with_changes(self, **changes: Any) -> "TrainConfig":
        return replace(self, **changes)

    # ---- JSON -------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["data_path"] = str(self.data_path)
        data["text_columns"] = list(self.text_columns) if self.text_columns is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TrainConfig":
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TrainingError(f"run settings hold unknown fields {unknown}; written by a newer PrivDesk?")
        return cls(**data)
