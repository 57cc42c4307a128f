"""Shared plumbing for PrivDesk's own Presidio recognizers that work on plain strings.

These recognizers need no spaCy output, so the engine can run them in worker processes that
receive only text. Each one is a Presidio `LocalRecognizer`: it can be added to a
`RecognizerRegistry` and used by a stock `AnalyzerEngine` too.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import regex as re
from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult


def keyword_regex(words: Iterable[str]) -> re.Pattern:
    """A case-insensitive regex matching any of `words` as whole words (spaces inside a keyword match any whitespace)."""
    alternatives = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(part) for part in w.split()) for w in alternatives)
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE)


def has_keyword_before(text: str, start: int, keywords: re.Pattern, window: int = 40) -> bool:
    """True when a keyword ends within `window` characters before `start`."""
    return keywords.search(text, max(0, start - window), start) is not None


def has_keyword_around(text: str, start: int, end: int, keywords: re.Pattern, before: int = 40, after: int = 20) -> bool:
    return (
        keywords.search(text, max(0, start - before), start) is not None
        or keywords.search(text, end, min(len(text), end + after)) is not None
    )


class TextRecognizer(LocalRecognizer):
    """A recognizer over plain text; subclasses implement `find` and yield results via `result`."""

    ENTITIES: Sequence[str] = ()

    def __init__(self, supported_entities: Sequence[str] | None = None, name: str | None = None, context=None):
        super().__init__(
            supported_entities=list(supported_entities or self.ENTITIES),
            name=name or type(self).__name__,
            supported_language="en",
            context=context,
        )

    def load(self) -> None:  # nothing to load: patterns are compiled at import time
        pass

    def analyze(self, text: str, entities: list[str] | None, nlp_artifacts=None) -> list[RecognizerResult]:
        wanted = set(entities) if entities else set(self.supported_entities)
        return [r for r in self.find(text) if r.entity_type in wanted]

    def find(self, text: str) -> list[RecognizerResult]:
        raise NotImplementedError

    def result(self, entity_type: str, start: int, end: int, score: float, how: str,
               *, context_used: bool = False) -> RecognizerResult:
        explanation = AnalysisExplanation(recognizer=self.name, original_score=score, pattern_name=how,
                                          textual_explanation=f"Detected by `{self.name}` ({how})")
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        if context_used:
            # The recognizer already weighed the words around the match; the enhancer must not add more.
            metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            metadata["context_used"] = True
        return RecognizerResult(entity_type, start, end, min(1.0, max(0.0, score)), explanation, metadata)


def trim_span(text: str, start: int, end: int, chars: str = " \t\r\n,.;:") -> tuple[int, int]:
    """Shrink [start, end) so it neither starts nor ends with any of `chars`."""
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end
