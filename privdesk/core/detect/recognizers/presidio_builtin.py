"""The Presidio predefined recognizers PrivDesk keeps, and the few adjustments they need.

Only the recognizers for our entity types are loaded: the default registry also loads dozens of
country-specific ones whose time PrivDesk would pay on every text. Payment cards, phone numbers,
dates and the label-keyed identifiers (driver's licence, passport, bank account) have our own
recognizers, which find more and are calibrated together (see cards.py, phone.py, dates.py,
keyed_ids.py).
"""

from __future__ import annotations

import regex as re
import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    MedicalLicenseRecognizer,
    UrlRecognizer,
    UsSsnRecognizer,
)


# A whitespace-delimited token with a dot between word characters: the only place a URL can be.
_URL_TOKEN = re.compile(r"\S*[\w\-]\.[A-Za-z]\S*")
_EMAIL_TOKEN = re.compile(r"\S*@\S*")


def _analyze_tokens(recognizer, analyze, token_pattern: re.Pattern, text: str, entities, nlp_artifacts, regex_flags):
    """Run a Presidio pattern recognizer on the few tokens that could match instead of the whole text.

    Presidio's URL regex (a long TLD alternation behind a 253-character class) costs as much on every
    text as all our other recognizers together; restricted to candidate tokens it costs next to nothing.
    """
    results: list[RecognizerResult] = []
    for token in token_pattern.finditer(text):
        for result in analyze(token.group(), entities, nlp_artifacts, regex_flags):
            result.start += token.start()
            result.end += token.start()
            results.append(result)
    return results


class FastEmailRecognizer(EmailRecognizer):
    """Presidio's EmailRecognizer, run only on tokens containing "@"."""

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None) -> list[RecognizerResult]:
        if "@" not in text:
            return []
        return _analyze_tokens(self, super().analyze, _EMAIL_TOKEN, text, entities, None, regex_flags)


class BoundedUrlRecognizer(UrlRecognizer):
    """Presidio's UrlRecognizer with patterns that are fast and stop at word boundaries.

    Presidio's own URL regex puts a 253-character class in front of an alternation of a thousand
    top-level domains and has no right-hand boundary: it costs more per text than all our other
    recognizers together and cuts "St.Lucia" to "St.Lu". Here the shapes are simple and the domain
    suffix is checked against the public suffix list (tldextract's bundled snapshot, see offline.py).
    """

    PATTERNS = [
        Pattern("Standard Url", r"(?i)(?<![\w@])(?:https?|ftps?)://[^\s<>\"'()\[\]{}|\\^`]+", 0.6),
        Pattern("Non schema URL", r"(?i)(?<![\w@.\-/])www\d{0,3}\.[^\s<>\"'()\[\]{}|\\^`]+", 0.6),
        Pattern(
            "Non schema URL",
            r"(?i)(?<![\w@.\-/:])(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
            r"(?::\d{2,5})?(?:/[^\s<>\"'()\[\]{}|\\^`]*)?(?![\w@\-])",
            0.5,
        ),
    ]

    def __init__(self, **kwargs):
        super().__init__(patterns=[Pattern(p.name, p.regex, p.score) for p in self.PATTERNS], **kwargs)

    def invalidate_result(self, pattern_text: str) -> bool:
        if re.match(r"(?i)(?:https?|ftps?)://[\w\-]", pattern_text):
            return False
        host = re.sub(r"(?i)^(?:https?|ftps?)://", "", pattern_text).split("/", 1)[0].split(":", 1)[0]
        if re.fullmatch(r"\p{L}\.\p{Lu}\p{L}*\.?", pattern_text):
            return True  # "S.Com.", "S.Coop.": a company form written with dots, not a one-letter domain
        return tldextract.extract(host).suffix == "" or host.replace(".", "").isdigit()

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None) -> list[RecognizerResult]:
        if "." not in text:
            return []
        results = EntityRecognizer.remove_duplicates(
            _analyze_tokens(self, super().analyze, _URL_TOKEN, text, entities, None, regex_flags)
        )
        kept = []
        for result in results:
            # Strip sentence punctuation the path pattern swallowed ("see https://x.org/a.").
            while result.end > result.start and text[result.end - 1] in ".,;:!?)]'\"":
                result.end -= 1
            if result.end > result.start:
                kept.append(result)
        return kept


def presidio_recognizers() -> list[EntityRecognizer]:
    return [
        FastEmailRecognizer(name="EmailRecognizer"),
        BoundedUrlRecognizer(name="BoundedUrlRecognizer"),
        IbanRecognizer(),
        IpRecognizer(),
        UsSsnRecognizer(),
        MedicalLicenseRecognizer(),
    ]
