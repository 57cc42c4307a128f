"""The plain-text half of detection: pattern recognizers, context, calibration. Runs anywhere.

A `TextPipeline` is built from DetectionSettings alone, so a worker process can build its own copy
and receive nothing but strings. Its output is plain tuples (Candidate), cheap to send back.
"""

from __future__ import annotations

import logging
from typing import Sequence

from presidio_analyzer import EntityRecognizer, RecognizerResult

from privdesk.core.detect.calibration import calibrated_score
from privdesk.core.detect.context import TextWindowContextEnhancer
from privdesk.core.detect.offline import ensure_offline
from privdesk.core.detect.recognizers import text_recognizers
from privdesk.core.detect.resolve import Candidate
from privdesk.core.detect.settings import DetectionSettings

log = logging.getLogger(__name__)


class TextPipeline:
    def __init__(self, settings: DetectionSettings):
        ensure_offline()
        self.settings = settings
        self.recognizers: list[EntityRecognizer] = text_recognizers(settings)
        for recognizer in self.recognizers:
            recognizer.load()
        self.enhancer = TextWindowContextEnhancer()
        self._entities = sorted({e for r in self.recognizers for e in r.supported_entities if self._wanted(e)})

    def _wanted(self, entity_type: str) -> bool:
        custom = {spec.entity_type for spec in self.settings.custom_recognizers} | set(self.settings.deny_list)
        return self.settings.wants(entity_type) or entity_type in custom

    def analyze(self, text: str, context: Sequence[str] = ()) -> list[Candidate]:
        if not text or text.isspace():
            return []
        results: list[RecognizerResult] = []
        for recognizer in self.recognizers:
            found = recognizer.analyze(text, self._entities, None)
            for result in found:
                metadata = result.recognition_metadata
                metadata.setdefault(RecognizerResult.RECOGNIZER_NAME_KEY, recognizer.name)
                metadata.setdefault(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, recognizer.id)
            results.extend(found)
        results = self.enhancer.enhance_using_context(text, results, None, self.recognizers, list(context))
        return [
            Candidate(r.start, r.end, r.entity_type, calibrated_score(r, text),
                      r.recognition_metadata[RecognizerResult.RECOGNIZER_NAME_KEY])
            for r in results
        ]

    def analyze_many(self, texts: Sequence[str], contexts: Sequence[Sequence[str]]) -> list[list[Candidate]]:
        return [self.analyze(text, context) for text, context in zip(texts, contexts)]
