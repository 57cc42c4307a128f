"""Canaries: synthetic secret records planted in the training data to audit what the model memorised.

Each canary fills the digits of a format ("My social security number is ###-##-####", each '#' a
random digit drawn with the OS's CSPRNG) and is inserted `repeats` times. The canaries and their
format are sealed in the run folder (canaries.enc), so Evaluate can rank each canary's likelihood
against the whole candidate space (10^digits secrets) and compute its exposure
(Carlini et al., "The Secret Sharer"): log2(|space|) - log2(rank).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from privdesk.core.train.config import CANARY_PLACEHOLDER
from privdesk.core.train.errors import TrainingError
from privdesk.core.train.sealing import SealKey

FILE = "canaries.enc"
PURPOSE = "canaries"
ALPHABET = "0123456789"


@dataclass(frozen=True)
class CanarySet:
    format: str
    repeats: int
    secrets: tuple[str, ...]  # the digits filled into each canary, in order
    alphabet: str = ALPHABET

    def __repr__(self) -> str:  # never the secrets
        return f"CanarySet(count={len(self.secrets)}, repeats={self.repeats}, format={self.format!r})"

    @property
    def digits(self) -> int:
        return self.format.count(CANARY_PLACEHOLDER)

    @property
    def candidate_space(self) -> int:
        """How many different secrets the format allows: the denominator of exposure."""
        return len(self.alphabet) ** self.digits

    def render(self, secret: str) -> str:
        """The canary text for one secret (any string of `digits` characters from the alphabet)."""
        if len(secret) != self.digits:
            raise ValueError(f"a secret for this format has {self.digits} characters, not {len(secret)}")
        characters = iter(secret)
        return "".join(next(characters) if char == CANARY_PLACEHOLDER else char for char in self.format)

    @property
    def texts(self) -> list[str]:
        return [self.render(secret) for secret in self.secrets]

    def training_texts(self) -> list[str]:
        """Each canary `repeats` times, in a fixed order (the sampler decides which steps see them)."""
        return [text for text in self.texts for _ in range(self.repeats)]

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "alphabet": self.alphabet, "repeats": self.repeats,
                "candidate_space": self.candidate_space, "secrets": list(self.secrets)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CanarySet":
        return cls(str(data["format"]), int(data["repeats"]), tuple(data["secrets"]), str(data.get("alphabet", ALPHABET)))


def make_canaries(count: int, repeats: int, format: str) -> CanarySet:
    """`count` distinct random secrets for `format`, from the OS's cryptographic random source."""
    digits = format.count(CANARY_PLACEHOLDER)
    if count > ALPHABET.__len__() ** digits // 2:
        raise TrainingError(f"{count} canaries do not fit a format with {digits} digits.",
                            hint="Use fewer canaries or more '#' placeholders.")
    chosen: list[str] = []
    seen: set[str] = set()
    while len(chosen) < count:
        secret = "".join(secrets.choice(ALPHABET) for _ in range(digits))
        if secret not in seen:
            seen.add(secret)
            chosen.append(secret)
    return CanarySet(format, repeats, tuple(chosen))


def save_canaries(run_dir: str | Path, key: SealKey, canaries: CanarySet) -> Path:
    path = Path(run_dir) / FILE
    key.seal_to_file(path, json.dumps(canaries.to_json()).encode("utf-8"), PURPOSE)
    return path


def load_canaries(run_dir: str | Path, key: SealKey) -> CanarySet | None:
    """The run's canaries (None when it planted none). Needs the run's key."""
    path = Path(run_dir) / FILE
    if not path.exists():
        return None
    return CanarySet.from_json(json.loads(key.open_file(path, PURPOSE).decode("utf-8")))
