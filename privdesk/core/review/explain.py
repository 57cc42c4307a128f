"""Why a span was flagged: which recognizer found it, by what pattern or model, which words around it
supported it, and its score.

The project stores the recognizer's name and the score of each detection, not the engine's
working, so the explanation is rebuilt on demand: the recognizer's description comes from its
name; for pattern recognizers, the recognizer is run again on the cell's text to name the
pattern that matched and the context word that raised its score. That re-run needs the detection
engine's recognizers (Presidio), so callers that must stay light pass rerun=False.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import Any

import regex as re

from privdesk.core.project.decisions import ANALYST_RECOGNIZER
from privdesk.core.types import Span

_WORD = re.compile(r"[\p{L}\p{N}][\p{L}\p{N}'#/\-]*")
_STOP = frozenset("a an the of to in on at by for and or is are was were be been my your his her their our its "
                  "this that these those with from as it".split())
WORDS_BEFORE, WORDS_AFTER = 5, 2
WINDOW_BEFORE, WINDOW_AFTER = 48, 24

# Recognizer name -> (how it works, what it looks for). Unknown names fall back to the name itself.
RECOGNIZERS: dict[str, tuple[str, str]] = {
    "SpacyNerRecognizer": ("model", "spaCy's statistical named-entity model labelled these words"),
    "TransformerNerRecognizer": ("model", "the transformer NER model labelled these words"),
    "EmailRecognizer": ("pattern", "it matches the e-mail address pattern and its domain is a real one"),
    "BoundedUrlRecognizer": ("pattern", "it matches a web address pattern with a known domain suffix"),
    "CreditCardRecognizer": ("checksum", "it matches a card number pattern and its Luhn check digit is valid"),
    "IbanRecognizer": ("checksum", "it matches the IBAN pattern and its check digits are valid"),
    "IpRecognizer": ("pattern", "it matches an IPv4 or IPv6 address pattern"),
    "UsSsnRecognizer": ("pattern", "it matches a US social security number pattern"),
    "MedicalLicenseRecognizer": ("checksum", "it matches a DEA registration number and its check digit is valid"),
    "PhoneNumberRecognizer": ("pattern", "Google's libphonenumber parses it as a valid phone number"),
    "StreetAddressRecognizer": ("pattern", "it has the shape of a street address (number, street name, street type)"),
    "AgeRecognizer": ("pattern", "it is an age phrase such as \u201c42-year-old\u201d or \u201caged 42\u201d"),
    "DatePatternRecognizer": ("pattern", "it matches one of many written forms of a calendar date"),
    "PostcodeRecognizer": ("pattern", "it matches a postcode or ZIP code next to a label or an address"),
    "PersonCueRecognizer": ("pattern", "it follows a title, greeting, sign-off or a label such as \u201cPatient:\u201d"),
    "OrganizationRecognizer": ("pattern", "it is a capitalised name ending in a legal form or an organisation word"),
    "NrpRecognizer": ("pattern", "it is a nationality, religious or political group on PrivDesk's word list"),
    ANALYST_RECOGNIZER: ("analyst", "you (or another analyst) marked this text by hand"),
}


@dataclass(frozen=True)
class Explanation:
    entity_type: str
    score: float
    recognizer: str
    kind: str  # model, pattern, checksum, column, list, custom, analyst, unknown
    summary: str  # one sentence
    pattern: str | None = None  # the pattern's name, when a re-run found it
    raw_score: float | None = None  # the recognizer's own score before context and calibration
    context_words: tuple[str, ...] = ()  # the words around the span that recognizers look at
    supportive_words: tuple[str, ...] = ()  # of those, the ones that raised the score
    details: tuple[str, ...] = field(default_factory=tuple)

    def as_text(self) -> str:
        """Plain text for a tooltip or a copy to the clipboard."""
        lines = [self.summary, f"Score: {self.score:.2f}", f"Recognizer: {self.recognizer}"]
        if self.pattern:
            lines.append(f"Pattern: {self.pattern}")
        if self.raw_score is not None and abs(self.raw_score - self.score) > 1e-6:
            lines.append(f"Score before context and calibration: {self.raw_score:.2f}")
        if self.context_words:
            lines.append("Words around it: " + ", ".join(self.context_words))
        if self.supportive_words:
            lines.append("Supporting context: " + ", ".join(self.supportive_words))
        lines.extend(self.details)
        return "\n".join(lines)


def surrounding_words(text: str, start: int, end: int) -> list[str]:
    """The few words before and after [start, end), lower-cased, without stop words: what the engine's
    context enhancer looks at (privdesk.core.detect.context)."""
    before = [w.lower() for w in _WORD.findall(text, max(0, start - WINDOW_BEFORE), start)]
    after = [w.lower() for w in _WORD.findall(text, end, min(len(text), end + WINDOW_AFTER))]
    before = [w for w in before if w not in _STOP][-WORDS_BEFORE:]
    after = [w for w in after if w not in _STOP][:WORDS_AFTER]
    return before + after


def describe_recognizer(name: str) -> tuple[str, str]:
    """(kind, description) of a recognizer by the name stored with a detection."""
    if name in RECOGNIZERS:
        return RECOGNIZERS[name]
    if name.startswith("column:"):
        column = name.split(":", 1)[1]
        return "column", (f"the column \u201c{column}\u201d holds one identifier per cell (its role on the Data tab), "
                          "so the whole cell is flagged")
    if name.startswith("DenyList:"):
        return "list", f"the term is on your deny list for {name.split(':', 1)[1]}"
    if name.startswith("custom:"):
        return "custom", f"your custom recognizer \u201c{name.split(':', 1)[1]}\u201d matched"
    if name.startswith("Keyed") and name.endswith("Recognizer"):
        return "pattern", "it follows its label (such as \u201cLicence no.\u201d or \u201cPassport:\u201d)"
    return "unknown", f"the recognizer \u201c{name}\u201d flagged it"


def explain_span(span: Span, text: str, *, settings: dict | None = None, rerun: bool = True) -> Explanation:
    """Explain `span`, whose cell text is `text`. `settings` is DetectionSettings.to_dict() of the run
    (or None for the defaults); with rerun, pattern recognizers are run again to name the pattern."""
    kind, description = describe_recognizer(span.recognizer)
    covered = text[span.start:span.end] if 0 <= span.start <= span.end <= len(text) else ""
    words = tuple(surrounding_words(text, span.start, span.end)) if covered else ()
    details: list[str] = []
    if kind == "model":
        details.append("A model's score says how sure it is; there is no single pattern behind it.")
    if kind == "analyst":
        return Explanation(span.entity_type, span.score, span.recognizer, kind,
                           f"Added by hand as {span.entity_type}: {description}.", context_words=words)
    if kind == "column":
        details.append("Change the column's role on the Data tab and run detection again if it is not an identifier.")
    pattern = raw_score = None
    supportive: tuple[str, ...] = ()
    if rerun and covered and kind in ("pattern", "checksum", "list", "custom"):
        found = _rerun_recognizer(span, text, settings or {})
        if found is not None:
            pattern, raw_score, supportive = found
    summary = f"Flagged as {span.entity_type} because {description}."
    return Explanation(span.entity_type, span.score, span.recognizer, kind, summary, pattern, raw_score, words,
                       supportive, tuple(details))


_pipeline_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _pipeline_for(settings_key: str):
    import json

    from privdesk.core.detect.pipeline import TextPipeline
    from privdesk.core.detect.settings import DetectionSettings

    return TextPipeline(DetectionSettings.from_dict(json.loads(settings_key)))


def _rerun_recognizer(span: Span, text: str, settings: dict) -> tuple[str | None, float | None, tuple[str, ...]] | None:
    """Run the span's recognizer on its text again; (pattern name, raw score, supporting words) of the
    result that covers the span best, or None."""
    import json

    from presidio_analyzer import RecognizerResult

    key = json.dumps({k: v for k, v in settings.items() if k in ("allow_list", "deny_list", "custom_recognizers",
                                                                  "entities", "language")}, sort_keys=True)
    with _pipeline_lock:
        pipeline = _pipeline_for(key)
    recognizers = [r for r in pipeline.recognizers if r.name == span.recognizer]
    if not recognizers:
        return None
    results: list[Any] = []
    for recognizer in recognizers:
        for result in recognizer.analyze(text, [span.entity_type], None):
            result.recognition_metadata.setdefault(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, recognizer.id)
            results.append(result)
    if not results:
        return None
    raw_scores = {id(result): result.score for result in results}
    results = pipeline.enhancer.enhance_using_context(text, results, None, pipeline.recognizers, [span.column])
    best = max(results, key=lambda r: (min(r.end, span.end) - max(r.start, span.start), -abs(r.start - span.start)))
    if min(best.end, span.end) <= max(best.start, span.start):
        return None
    explanation = best.analysis_explanation
    pattern = getattr(explanation, "pattern_name", None) if explanation is not None else None
    supportive_word = getattr(explanation, "supportive_context_word", "") if explanation is not None else ""
    supportive = (supportive_word,) if supportive_word else ()
    return pattern, raw_scores.get(id(best)), supportive
