"""What one custom recognizer finds in a sample text, at once, for the recognizer editor.

The engine runs custom recognizers as UserPatternRecognizer (recognizers/custom.py), a Presidio
PatternRecognizer; importing Presidio takes seconds and loads spaCy and torch, which the GUI process
must not do. This module applies the same rules with `regex` alone (tests check that both find the
same spans): patterns case-sensitive as written, with MULTILINE; matches that fail the validator are
dropped (term matches too, as in the engine); terms case-insensitive, whole words, any whitespace between their words. It also says which
context word, if any, stands near a match (the engine then raises the match's score).
"""

from __future__ import annotations

from dataclasses import dataclass

import regex as re

from privdesk.core.detect.settings import CustomRecognizerSpec
from privdesk.core.detect.validators import VALIDATOR_FUNCTIONS

_WORD = re.compile(r"[\p{L}\p{N}][\p{L}\p{N}'#/\-]*")
_STOP = frozenset("a an the of to in on at by for and or is are was were be been my your his her their our its "
                  "this that these those with from as it".split())
# The engine's context window (privdesk.core.detect.context): up to 5 words in the 48 characters
# before a match and 1 word in the 16 after, stop words left out.
_WINDOW_BEFORE, _WINDOW_AFTER, _WORDS_BEFORE, _WORDS_AFTER = 48, 16, 5, 1


@dataclass(frozen=True)
class PreviewMatch:
    start: int
    end: int
    source: str  # "pattern 1", "pattern 2", ... or "term"
    kept: bool  # False: the validator rejected it
    context_word: str | None  # a context word found near the match


def term_regex(terms: list[str]) -> re.Pattern | None:
    """The whole-word, case-insensitive regex UserPatternRecognizer builds from a term list."""
    terms = [term for term in terms if term.strip()]
    if not terms:
        return None
    escaped = "|".join(r"\s+".join(re.escape(part) for part in term.split()) for term in terms)
    return re.compile(rf"(?i:(?<![\w])(?:{escaped})(?![\w]))", re.MULTILINE)


def preview_matches(spec: CustomRecognizerSpec, text: str) -> list[PreviewMatch]:
    """Every match of spec's patterns and terms in text, in order. spec must be valid (spec.validate())."""
    validator = VALIDATOR_FUNCTIONS.get(spec.validator) if spec.validator else None
    found: list[PreviewMatch] = []
    for number, pattern in enumerate(spec.patterns, start=1):
        for match in re.compile(pattern, re.MULTILINE).finditer(text):
            if match.end() == match.start():
                continue
            kept = validator is None or bool(validator(match.group()))
            found.append(PreviewMatch(match.start(), match.end(), f"pattern {number}", kept,
                                      _context_word(text, match.start(), match.end(), spec.context)))
    terms = term_regex(spec.terms)
    if terms is not None:
        for match in terms.finditer(text):
            # The engine's recognizer checks term matches with the validator too (Presidio validates
            # every pattern of a recognizer, the term list included), so the preview does the same.
            kept = validator is None or bool(validator(match.group()))
            found.append(PreviewMatch(match.start(), match.end(), "term", kept,
                                      _context_word(text, match.start(), match.end(), spec.context)))
    return sorted(found, key=lambda m: (m.start, m.end, m.source))


def _context_word(text: str, start: int, end: int, context: list[str]) -> str | None:
    # Presidio's substring rule, as the engine applies it: "phone" is supported by "telephone".
    if not context:
        return None
    before = [w.lower() for w in _WORD.findall(text, max(0, start - _WINDOW_BEFORE), start)]
    after = [w.lower() for w in _WORD.findall(text, end, min(len(text), end + _WINDOW_AFTER))]
    words = [w for w in before if w not in _STOP][-_WORDS_BEFORE:] + [w for w in after if w not in _STOP][:_WORDS_AFTER]
    for keyword in context:
        key = keyword.lower().strip()
        if key and any(key in word for word in words):
            return keyword
    return None
