"""Recognizers the analyst defines in the project (CustomRecognizerSpec) and the settings' deny lists."""

from __future__ import annotations

from typing import Optional

import regex as re
from presidio_analyzer import Pattern, PatternRecognizer

from privdesk.core.detect.settings import CustomRecognizerSpec
from privdesk.core.detect.validators import VALIDATOR_FUNCTIONS


class UserPatternRecognizer(PatternRecognizer):
    """A Presidio PatternRecognizer whose regex matches must pass an optional checksum validator.

    User patterns are case-sensitive as written; terms are matched case-insensitively as whole words.
    """

    def __init__(self, spec: CustomRecognizerSpec):
        self.validator = VALIDATOR_FUNCTIONS.get(spec.validator) if spec.validator else None
        super().__init__(
            supported_entity=spec.entity_type,
            name=f"custom:{spec.name}",
            patterns=[Pattern(f"pattern {i + 1}", p, spec.score) for i, p in enumerate(spec.patterns)],
            deny_list=list(spec.terms) or None,
            deny_list_score=spec.score,
            context=list(spec.context) or None,
            global_regex_flags=re.MULTILINE,
        )

    def _deny_list_to_regex(self, deny_list: list[str]) -> Pattern:
        escaped = "|".join(r"\s+".join(re.escape(part) for part in term.split()) for term in deny_list)
        return Pattern(name="term", regex=rf"(?i:(?<![\w])(?:{escaped})(?![\w]))", score=self.deny_list_score)

    def validate_result(self, pattern_text: str) -> Optional[bool]:
        # None keeps the pattern's own score; False drops the match. (True would force the score to 1.0.)
        if self.validator is None or self.validator(pattern_text):
            return None
        return False


def deny_list_recognizer(entity_type: str, terms: list[str]) -> PatternRecognizer:
    """Terms that are always flagged as `entity_type` (e.g. the names of a study's sites)."""
    spec = CustomRecognizerSpec(name=f"deny-list:{entity_type}", entity_type=entity_type, terms=list(terms), score=0.95)
    recognizer = UserPatternRecognizer(spec)
    recognizer.name = f"DenyList:{entity_type}"
    return recognizer
