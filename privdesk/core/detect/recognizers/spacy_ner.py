"""spaCy's named entities, cleaned up: PERSON, LOCATION, ORGANIZATION, DATE_TIME, NRP.

The small model's raw spans need care before they are PII: it tags form labels and clinical
abbreviations ("DOB", "SSN", "MRN") as ORGANIZATION, includes titles and greetings in names
("Dr. Jane Doe", "Dear John"), runs spans across line breaks, and calls durations ("3 days",
"twice daily") dates. Each span is trimmed, split at line breaks and scored by how much it looks
like what its label says.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import AnalysisExplanation, RecognizerResult
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from privdesk.core.detect.gazetteers.common_words import is_common_word
from privdesk.core.detect.lists import EDGE_WORDS, LEADING_TITLE, NEVER_ENTITY_WORDS, TITLE_BEFORE, is_never_entity
from privdesk.core.detect.nlp import SPACY_LABELS

_BASE_SCORE = {"PERSON": 0.8, "LOCATION": 0.75, "ORGANIZATION": 0.6, "DATE_TIME": 0.75, "NRP": 0.7}

# A date worth masking names a day, month, year, weekday or clock time; "3 days" and "daily" do not.
_SPECIFIC_DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|januar|februar|märz|juni|juli|oktober|dezember|"
    r"janvier|février|avril|juin|juillet|août|septembre|octobre|novembre|décembre)[a-z]*\.?\b"
    r"|\b(?:1[89]|20)\d\d\b|(?<![\d,.])\d{1,4}[/.\-]\d{1,2}(?:[/.\-]\d{1,4})?(?![\d.,])|\b\d{1,2}:\d\d\b|\b\d{1,2}\s?(?:am|pm)\b"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b'\d\d\b|\b\d{1,2}(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)
_DAY_OR_YEAR = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\b|\b(?:1[89]|20)\d\d\b|\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:today|tomorrow|yesterday)\b",
    re.IGNORECASE,
)
_AGE_LIKE = re.compile(r"\b\d{1,3}[\s-]*(?:years?|yrs?|months?|weeks?|days?)[\s-]*old\b|\b(?:aged?)\b", re.IGNORECASE)
_EDGE_JUNK = " \t\r\n,.;:!?()[]{}\"'“”‘’-–—/\\|*#@"
_POSSESSIVE = re.compile(r"(?:'s|’s|')$")
_WORD = re.compile(r"[\w'’.\-&]+")
_LEADING_NOISE = (NEVER_ENTITY_WORDS | {w.rstrip(".") for w in NEVER_ENTITY_WORDS} | EDGE_WORDS) - {"the"}
# "B. Salazar", "Martyn F. Davies": initials make a person, whatever spaCy's label says.
_INITIALS_NAME = re.compile(r"^(?:\p{Lu}\.[ \t]?)+\p{Lu}\p{Ll}+$|^\p{Lu}\p{Ll}+[ \t]+(?:\p{Lu}\.[ \t]*)+\p{Lu}\p{Ll}+$")


class SpacyNerRecognizer(SpacyRecognizer):
    """Presidio's SpacyRecognizer plus span clean-up and calibrated scores."""

    ENTITIES = ["PERSON", "LOCATION", "ORGANIZATION", "DATE_TIME", "NRP"]

    def __init__(self, supported_entities: list[str] | None = None):
        super().__init__(supported_language="en", supported_entities=supported_entities or list(self.ENTITIES),
                         name="SpacyNerRecognizer")

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        if nlp_artifacts is None:
            return []
        wanted = set(entities) & set(self.supported_entities) if entities else set(self.supported_entities)
        results = []
        for ent in nlp_artifacts.entities:
            entity_type = SPACY_LABELS.get(ent.label_, ent.label_)
            if entity_type not in wanted:
                continue
            for start, end in _clean_pieces(text, ent.start_char, ent.end_char, entity_type):
                piece_type = entity_type
                if entity_type == "ORGANIZATION" and "PERSON" in wanted and (
                        _INITIALS_NAME.match(text[start:end]) or _looks_like_personal_name(text[start:end])):
                    piece_type = "PERSON"
                score = _score(text, start, end, piece_type, ent.label_)
                if score <= 0:
                    continue
                explanation = AnalysisExplanation(recognizer=self.name, original_score=score,
                                                  textual_explanation=f"spaCy {ent.label_}")
                results.append(RecognizerResult(piece_type, start, end, score, explanation, {
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    "spacy_label": ent.label_,
                }))
        return results


# "St. Catherine's Hospital on Nov 4, 2021": spaCy runs a name into the date after it.
_TRAILING_DATE = re.compile(
    r"[ \t,]+(?:on|at|since|from|until|till|dated|by|in)[ \t]+(?=\d|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    r"mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?[ \t]+\d)"
)


def _clean_pieces(text: str, start: int, end: int, entity_type: str) -> list[tuple[int, int]]:
    """Split at line breaks (or tabs / runs of spaces, as in table cells) and trim each piece."""
    if entity_type in ("PERSON", "ORGANIZATION", "LOCATION"):
        trailing = _TRAILING_DATE.search(text, start, end)
        if trailing is not None:
            end = trailing.start()
    pieces = []
    piece_start = start
    for boundary in re.finditer(r"\r?\n|\t| {3,}", text[start:end]):
        pieces.append((piece_start, start + boundary.start()))
        piece_start = start + boundary.end()
    pieces.append((piece_start, end))
    cleaned = []
    for s, e in pieces:
        trimmed = _trim(text, s, e, entity_type)
        if trimmed is not None:
            cleaned.append(trimmed)
    return cleaned


def _trim(text: str, start: int, end: int, entity_type: str) -> tuple[int, int] | None:
    while True:
        before = (start, end)
        while start < end and text[start] in _EDGE_JUNK:
            start += 1
        while end > start and text[end - 1] in _EDGE_JUNK and not (entity_type == "ORGANIZATION" and text[end - 1] == "."):
            end -= 1
        span = text[start:end]
        possessive = _POSSESSIVE.search(span)
        if possessive and entity_type in ("PERSON", "ORGANIZATION", "LOCATION"):
            end -= len(possessive.group())
            span = text[start:end]
        if entity_type == "PERSON":
            title = LEADING_TITLE.match(span)
            if title:
                start += title.end()
                span = text[start:end]
        words = list(_WORD.finditer(span))
        if not words:
            return None
        if entity_type == "PERSON" and len(words) > 1:
            # "Producer Alain Lagrange", "Dear Kim Lee", "Lee Kim Apt": an occupation, greeting or address
            # word at either edge is no part of the name.
            first_word = words[0].group()
            if _is_ordinary_word(first_word):
                start += words[1].start()
                continue
            if words[-1].group().lower().rstrip(".") in _ADDRESS_UNIT_WORDS:
                end = start + words[-1].start()
                continue
        # Label words at either edge are not part of the entity ("Patient John Smith", "Smith DOB").
        first = words[0].group().lower().strip(".")
        if len(words) > 1 and (first in _LEADING_NOISE or (first == "the" and entity_type != "ORGANIZATION")):
            start += words[0].end()
        elif len(words) > 1 and words[-1].group().lower().strip(".") in NEVER_ENTITY_WORDS and entity_type != "DATE_TIME":
            end = start + words[-1].start()
        if (start, end) == before:
            break
    if end - start < 2 or is_never_entity(text[start:end]):
        return None
    return start, end


_ADDRESS_UNIT_WORDS = frozenset("apt apartment suite ste unit flat floor room bldg building po box".split())


def _is_ordinary_word(word: str) -> bool:
    """A capitalised ordinary English word that is not also a given name or surname ("Producer", "Dear")."""
    from privdesk.core.detect.gazetteers import name_lists

    lowered = word.lower().strip(".")
    if "-" in lowered:
        lowered = lowered.split("-")[0]  # "ex-Zombie"
        return lowered in ("ex", "former", "late", "non") or is_common_word(lowered)
    names = name_lists()
    if names.is_first(lowered) or names.is_last(lowered):
        return False
    return is_common_word(lowered) or _OCCUPATION_ENDING.search(lowered) is not None


# Job titles in front of a name ("Producer", "Director", "Pharmacist", "Technician", "Consultant").
_OCCUPATION_ENDING = re.compile(r"(?:er|or|ist|ian|ant|ent|ive|ary|eer|ogist|man|woman)$")


def _looks_like_personal_name(span: str) -> bool:
    """Two or three capitalised words, no company word, a known given name first or surname last:
    spaCy's small model calls many foreign names organisations ("Giovana Almeida", "Wacława Sobczak")."""
    from privdesk.core.detect.gazetteers import name_lists
    from privdesk.core.detect.recognizers.organization import ORGANIZATION_WORDS

    words = span.split()
    if not 2 <= len(words) <= 3 or not all(_CAPITALISED_WORD.fullmatch(w) for w in words):
        return False
    lowered = [w.lower().rstrip(".") for w in words]
    if any(w in ORGANIZATION_WORDS or is_common_word(w) for w in lowered):
        return False
    names = name_lists()
    return names.is_first(lowered[0]) or names.is_last(lowered[-1])


_CAPITALISED_WORD = re.compile(r"\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?|\p{Lu}\.")


def _score(text: str, start: int, end: int, entity_type: str, label: str = "") -> float:
    span = text[start:end]
    letters = [ch for ch in span if ch.isalpha()]
    score = _BASE_SCORE.get(entity_type, 0.6)
    if entity_type == "DATE_TIME":
        if label == "TIME" and not _DAY_OR_YEAR.search(span):
            return 0.3  # a clock time alone identifies no one (HIPAA lists dates, not times)
        if _AGE_LIKE.search(span) or not _SPECIFIC_DATE.search(span):
            return 0.15  # durations and relative dates ("3 days", "yesterday"); the threshold drops them
        return score
    if not letters:
        return 0.0
    if span.islower():
        return 0.2  # spaCy's lower-case "names" are nearly always common words
    words = span.split()
    if entity_type in ("PERSON", "ORGANIZATION", "LOCATION") and span.isupper() and len(letters) <= 3:
        return 0.3  # short all-caps tokens: abbreviations far more often than names
    if entity_type == "PERSON":
        if TITLE_BEFORE.search(text, max(0, start - 12), start):
            return 0.9
        if len(words) == 1 and len(span) <= 2:
            return 0.3
        if any(ch.isdigit() for ch in span):
            return 0.3
    if entity_type == "ORGANIZATION" and span.isupper() and len(letters) <= 5:
        return 0.45
    return score
