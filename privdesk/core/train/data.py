"""From a sanitized export to token sequences: text columns, the train / held-out split, batches, loss.

One training example per record: the record's text columns joined by newlines, tokenized, and
truncated to the maximum length. Records are never split into several examples, because DP-SGD
protects one *example*; one record per example makes ε a per-record guarantee.

The split is a seeded permutation of the non-empty records. Its seed and the record indices on each
side are written to the run folder (split.json), so Evaluate knows exactly which records were
training members and which were held out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
from torch.nn import functional as F

from privdesk.core.dataset import Dataset, suggest_roles
from privdesk.core.dataset.model import cell_text
from privdesk.core.train.errors import TrainingError

IGNORE_INDEX = -100
_ROLE_SAMPLE_ROWS = 200


def choose_text_columns(dataset: Dataset, requested: Sequence[str] | None) -> tuple[str, ...]:
    """The columns whose text is trained on: those named, or those whose suggested role is "text"."""
    if requested:
        missing = [name for name in requested if name not in dataset.columns]
        if missing:
            raise TrainingError(f"has no column {', '.join(map(repr, missing))}; its columns are {dataset.columns}.",
                                path=dataset.path, hint="Name the text column(s) to train on.")
        return tuple(requested)
    sample = {name: dataset.column_values(name, 0, _ROLE_SAMPLE_ROWS) for name in dataset.columns}
    chosen = tuple(name for name, role in suggest_roles(sample).items() if role.kind == "text")
    if not chosen:
        raise TrainingError("has no column that looks like free text to train on.", path=dataset.path,
                            hint=f"Name the text column(s) to train on; the columns are {dataset.columns}.")
    return chosen


def record_texts(dataset: Dataset, columns: Sequence[str]) -> list[str]:
    """One text per record: the non-empty cells of `columns`, joined by newlines ("" when all are empty)."""
    values = [dataset.column_values(name) for name in columns]
    texts = []
    for cells in zip(*values):
        parts = [cell_text(cell).strip() for cell in cells]
        texts.append("\n".join(part for part in parts if part))
    return texts


@dataclass(frozen=True)
class DataSplit:
    """Which dataset records (0-based row indices) are trained on, held out, or skipped as empty."""

    seed: int
    held_out_fraction: float
    train_records: tuple[int, ...]
    held_out_records: tuple[int, ...]
    skipped_records: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "held_out_fraction": self.held_out_fraction,
                "train_records": list(self.train_records), "held_out_records": list(self.held_out_records),
                "skipped_records": list(self.skipped_records)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DataSplit":
        return cls(int(data["seed"]), float(data["held_out_fraction"]), tuple(data["train_records"]),
                   tuple(data["held_out_records"]), tuple(data["skipped_records"]))


def split_records(texts: Sequence[str], held_out_fraction: float, seed: int) -> DataSplit:
    """A deterministic split of the non-empty records: the same texts, fraction and seed give the same split."""
    usable = [index for index, text in enumerate(texts) if text]
    skipped = tuple(index for index, text in enumerate(texts) if not text)
    order = np.random.default_rng(seed).permutation(len(usable))
    held_count = int(round(held_out_fraction * len(usable)))
    if held_out_fraction > 0 and len(usable) >= 2:
        held_count = max(1, held_count)
    held = sorted(usable[i] for i in order[:held_count])
    train = sorted(usable[i] for i in order[held_count:])
    return DataSplit(seed, held_out_fraction, tuple(train), tuple(held), skipped)


@dataclass(frozen=True)
class Tokenized:
    sequences: list[list[int]]
    truncated: int  # how many texts were cut at max_length


def tokenize_texts(tokenizer: Any, texts: Sequence[str], max_length: int) -> Tokenized:
    """Token ids per text, ending with the end-of-text token, truncated to max_length."""
    eos = tokenizer.eos_token_id
    body_length = max_length - 1 if eos is not None else max_length
    sequences, truncated = [], 0
    encoded = tokenizer(list(texts), add_special_tokens=True)["input_ids"] if texts else []
    for ids in encoded:
        if len(ids) > body_length:
            truncated += 1
            ids = ids[:body_length]
        sequences.append(list(ids) + ([eos] if eos is not None else []))
    return Tokenized(sequences, truncated)


class ExampleSet(torch.utils.data.Dataset):
    """Token sequences addressed by index, the form Opacus' samplers and DataLoader expect."""

    def __init__(self, sequences: list[list[int]]):
        self.sequences = sequences

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, index: int) -> list[int]:
        return self.sequences[index]


class Collator:
    """Right-pads a list of sequences into a batch; an empty list (Poisson sampling can draw none) gives None."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, sequences: list[list[int]]) -> dict[str, torch.Tensor] | None:
        if not sequences:
            return None
        length = max(len(seq) for seq in sequences)
        batch = len(sequences)
        input_ids = torch.full((batch, length), self.pad_id, dtype=torch.long)
        labels = torch.full((batch, length), IGNORE_INDEX, dtype=torch.long)
        attention = torch.zeros((batch, length), dtype=torch.long)
        for row, seq in enumerate(sequences):
            input_ids[row, :len(seq)] = torch.tensor(seq, dtype=torch.long)
            labels[row, :len(seq)] = input_ids[row, :len(seq)]
            attention[row, :len(seq)] = 1
        # Explicit per-sample position ids: GPT-2 style models otherwise build a (1, L) tensor that
        # Opacus' per-sample hooks take for a batch of one.
        positions = torch.arange(length, dtype=torch.long).expand(batch, length).contiguous()
        return {"input_ids": input_ids, "attention_mask": attention, "labels": labels, "position_ids": positions}


def per_sample_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy of each sequence: shape (batch,). Padding counts for nothing."""
    shifted_logits = logits[:, :-1].float()
    targets = labels[:, 1:]
    token_loss = F.cross_entropy(shifted_logits.reshape(-1, shifted_logits.size(-1)), targets.reshape(-1),
                                 ignore_index=IGNORE_INDEX, reduction="none").view(targets.shape)
    counts = (targets != IGNORE_INDEX).sum(dim=1).clamp(min=1)
    return token_loss.sum(dim=1) / counts


def model_inputs(batch: dict[str, torch.Tensor], device: torch.device | str) -> dict[str, torch.Tensor]:
    return {name: batch[name].to(device) for name in ("input_ids", "attention_mask", "position_ids")}
