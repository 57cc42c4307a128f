"""Utility: perplexity of a causal language model on held-out texts.

Perplexity is exp of the mean NLL per scored token over all texts together (token-weighted), the
usual corpus perplexity; the per-text mean of training loss would weigh a three-word note like a
page. Lower is better. Compare runs only on the same held-out texts and the same tokenizer.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from privdesk.core.evaluate.scoring import token_losses
from privdesk.core.progress import CancelToken, ProgressCallback


@dataclass(frozen=True)
class Perplexity:
    perplexity: float
    mean_nll: float  # nats per scored token
    tokens: int
    texts: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def perplexity(model: Any, tokenizer: Any, texts: Sequence[str], *, batch_size: int = 16, max_length: int = 128,
               progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> Perplexity:
    """Corpus perplexity of `texts` (NaN when there is no token to score)."""
    losses = token_losses(model, tokenizer, texts, batch_size=batch_size, max_length=max_length,
                          progress=progress, cancel=cancel)
    tokens = int(losses.counts.sum())
    if tokens == 0:
        return Perplexity(math.nan, math.nan, 0, len(texts))
    mean_nll = float(losses.sums.sum() / tokens)
    return Perplexity(math.exp(min(mean_nll, 700.0)), mean_nll, tokens, len(texts))
