"""Context words around a match raise its score (Presidio's context enhancement, on plain text).

Presidio's LemmaContextAwareEnhancer reads lemmas from spaCy's lemmatizer. PrivDesk runs its
pattern recognizers in worker processes that get plain strings, and runs spaCy with NER only, so
this enhancer takes the words from the text itself: the few words before a match (and one after),
lower-cased, plus any context the caller gives (a column name, for instance). Matching follows
Presidio's substring rule, so "phone" supports "phones" and "telephone".
"""

from __future__ import annotations

from typing import Iterable

import regex as re
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

_WORD = re.compile(r"[\p{L}\p{N}][\p{L}\p{N}'#/\-]*")
_STOP = frozenset("a an the of to in on at by for and or is are was were be been my your his her their our its "
                  "this that these those with from as it".split())


class TextWindowContextEnhancer(LemmaContextAwareEnhancer):
    """Context enhancement from the words in a character window around each result."""

    def __init__(self, *, window_before: int = 48, window_after: int = 16, **kwargs):
        super().__init__(context_prefix_count=5, context_suffix_count=1, **kwargs)
        self.window_before = window_before
        self.window_after = window_after

    def enhance_using_context(self, text: str, raw_results: list[RecognizerResult], nlp_artifacts,
                              recognizers: list[EntityRecognizer], context: list[str] | None = None,
                              ) -> list[RecognizerResult]:
        by_id = {recognizer.id: recognizer for recognizer in recognizers}
        external = [word.lower() for word in (context or ())]
        for result in raw_results:
            metadata = result.recognition_metadata or {}
            if metadata.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                continue
            recognizer = by_id.get(metadata.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if recognizer is None or not recognizer.context:
                continue
            words = self.surrounding_words(text, result.start, result.end) + external
            supportive = self._find_supportive_word_in_context(words, recognizer.context, self.context_matching_mode)
            if supportive:
                result.score = min(1.0, max(result.score + self.context_similarity_factor,
                                            self.min_score_with_context_similarity))
                metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
                metadata["context_used"] = True
                if result.analysis_explanation is not None:
                    result.analysis_explanation.set_supportive_context_word(supportive)
                    result.analysis_explanation.set_improved_score(result.score)
        return raw_results

    def surrounding_words(self, text: str, start: int, end: int) -> list[str]:
        before = [w.lower() for w in _WORD.findall(text, max(0, start - self.window_before), start)]
        after = [w.lower() for w in _WORD.findall(text, end, min(len(text), end + self.window_after))]
        before = [w for w in before if w not in _STOP][-self.context_prefix_count:]
        after = [w for w in after if w not in _STOP][: self.context_suffix_count]
        return before + after


def context_words(items: Iterable[str]) -> list[str]:
    """Split caller context such as a column name ("patient_phone") into words ("patient", "phone")."""
    words: list[str] = []
    for item in items:
        words.extend(w.lower() for w in re.split(r"[\W_]+", str(item)) if w)
    return words
