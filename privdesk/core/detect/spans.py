"""The engine's answer for one text: character ranges with a type, a score and who found them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class DetectedSpan:
    start: int
    end: int
    entity_type: str
    score: float
    recognizer: str

    @property
    def length(self) -> int:
        return self.end - self.start
