"""Token negative log-likelihoods of texts under any causal language model (the base of every model metric).

Texts are tokenized the way privdesk.core.train tokenizes training examples: the tokenizer's own
special tokens, truncated to `max_length - 1` tokens, then the end-of-text token. The first token
has no prediction, so a text of n tokens contributes n - 1 scored tokens. Scoring the same way as
training matters: a membership or canary attack that scores texts differently from how the model
saw them measures the tokenizer, not the memorisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker


@dataclass(frozen=True)
class TokenLosses:
    """Per text: the summed NLL of its scored tokens (nats) and how many tokens were scored."""

    sums: np.ndarray  # float64, shape (texts,)
    counts: np.ndarray  # int64, shape (texts,)

    @property
    def means(self) -> np.ndarray:
        """Mean NLL per scored token of each text; NaN for texts with no scored token."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.counts > 0, self.sums / np.maximum(self.counts, 1), np.nan)


def encode_texts(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids per text as training saw them (see the module docstring)."""
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    eos = tokenizer.eos_token_id
    body = max_length - 1 if eos is not None else max_length
    encoded = tokenizer(list(texts), add_special_tokens=True)["input_ids"] if texts else []
    return [list(ids[:body]) + ([eos] if eos is not None else []) for ids in encoded]


def token_losses(model: Any, tokenizer: Any, texts: Sequence[str], *, batch_size: int = 16, max_length: int = 128,
                 progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> TokenLosses:
    """Summed next-token NLL and scored-token count of each text, on the CPU, without gradients.

    Texts are batched by length (less padding), and the results come back in the order given.
    """
    import torch
    from torch.nn import functional as F

    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    sequences = encode_texts(tokenizer, texts, max_length)
    sums = np.zeros(len(sequences), dtype=np.float64)
    counts = np.zeros(len(sequences), dtype=np.int64)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (tokenizer.eos_token_id or 0)
    order = sorted(range(len(sequences)), key=lambda index: len(sequences[index]))
    tracker = ProgressTracker(progress, len(sequences))
    was_training = getattr(model, "training", False)
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                indices = order[start:start + batch_size]
                batch = [sequences[index] for index in indices]
                length = max(len(seq) for seq in batch)
                input_ids = torch.full((len(batch), length), pad_id, dtype=torch.long)
                attention = torch.zeros((len(batch), length), dtype=torch.long)
                for row, seq in enumerate(batch):
                    input_ids[row, :len(seq)] = torch.tensor(seq, dtype=torch.long)
                    attention[row, :len(seq)] = 1
                positions = torch.arange(length, dtype=torch.long).expand(len(batch), length)
                logits = model(input_ids=input_ids, attention_mask=attention, position_ids=positions).logits
                targets = input_ids[:, 1:]
                scored = attention[:, 1:].bool()
                token_nll = F.cross_entropy(logits[:, :-1].float().reshape(-1, logits.size(-1)), targets.reshape(-1),
                                            reduction="none").view(targets.shape)
                token_nll = token_nll.masked_fill(~scored, 0.0)
                sums[indices] = token_nll.sum(dim=1).double().numpy()
                counts[indices] = scored.sum(dim=1).numpy()
                tracker.advance(len(indices), "scoring texts")
    finally:
        model.train(was_training)
    tracker.report("done", force=True)
    return TokenLosses(sums, counts)


def sequence_losses(model: Any, tokenizer: Any, texts: Sequence[str], *, batch_size: int = 16, max_length: int = 128,
                    progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> np.ndarray:
    """Mean token NLL (nats) of each text: the per-example training loss (NaN for a text with no scored token)."""
    return token_losses(model, tokenizer, texts, batch_size=batch_size, max_length=max_length,
                        progress=progress, cancel=cancel).means
