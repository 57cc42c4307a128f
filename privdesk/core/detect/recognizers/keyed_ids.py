"""Identifiers that are only recognisable by the label in front of them.

A driver's licence, passport, bank account or medical licence number is a short run of letters and
digits whose format differs by state and country; what gives it away is the label: "DL# D1234567",
"passport no. 533380006", "acct 0012-3456-789", "Medical License: MD123456". Each recognizer here
looks for a label and then for an identifier-shaped token within a few characters after it (a
colon, "number", "no.", "#" may sit between). The span is the identifier only.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.recognizers.base import TextRecognizer, keyword_regex

# Between the label and the value: "number", "no.", "#", ":", "is", "ending in", a state code, a few short
# lower-case words ("on file is", "was issued as") and punctuation ("Acct. 1234", "licence, number 12").
# Filler words may be in any case: bank memos and some forms are written in capitals ("PASSPORT RENEWAL FEE 123456789").
_FILLER_WORD = r"(?:number|num\.?|nbr|no\.?|nr\.?|#|id|ending(?:[ \t]+in)?|\(?[A-Z]{2}\)?|[a-z']{2,12})"
_FILLER = rf"[ \t]*[.:#,(\[\-=]?(?:[ \t]*{_FILLER_WORD}[ \t]*[.:#,(\[\-=]?){{0,4}}[ \t]*[:#(\[]?[ \t]*"


@dataclass(frozen=True)
class KeyedIdentifier:
    entity_type: str
    labels: tuple[str, ...]
    value: str  # regex for the identifier itself
    score: float = 0.8
    min_digits: int = 4


KEYED_IDENTIFIERS: tuple[KeyedIdentifier, ...] = (
    KeyedIdentifier(
        "US_DRIVER_LICENSE",
        ("driver's license", "drivers license", "driver license", "driver's licence", "drivers licence",
         "driving licence", "driving license", "driver licence", "DL", "D/L", "DLN", "license", "licence",
         "lic", "lic.", "Führerschein", "permis de conduire", "permis", "DMV", "CDL", "driver ID", "driver's permit",
         "learner's permit", "driving permit", "licencia", "patente"),
        r"[A-Z0-9]{1,3}[- ]?[0-9A-Z]{2,}(?:[- ][0-9A-Z]{1,}){0,4}",
        0.8, 4,
    ),
    KeyedIdentifier(
        "US_PASSPORT",
        ("passport", "passport no", "passport#", "pass no", "travel document", "Reisepass", "passeport", "pasaporte",
         "passaporto", "paspoort", "PP no", "PPT"),
        r"[A-Z]{0,2}[0-9]{6,9}[A-Z]?|[A-Z][ ][0-9]{6,9}|[A-Z0-9]{8,9}|[A-Z]{0,2}[0-9]{2,4}(?:[ ][0-9]{3,4}){1,2}",
        0.85, 5,
    ),
    KeyedIdentifier(
        "US_BANK_NUMBER",
        ("account", "acct", "acc", "a/c", "ac no", "bank account", "checking account", "savings account", "checking",
         "savings", "account ending", "Konto", "Kontonummer", "compte", "direct deposit", "ACH", "EFT", "wire",
         "beneficiary", "payee account", "cuenta", "conto", "rekening", "chk", "chq", "sav", "dda", "accnt",
         "acc no", "account no"),
        r"(?:[0-9]{2,}[- ]?){2,5}[0-9]{1,}|[0-9]{6,17}",
        0.75, 6,
    ),
    KeyedIdentifier(
        "MEDICAL_LICENSE",
        ("medical license", "medical licence", "medical lic", "medical license number", "physician license",
         "state medical license", "medical registration", "GMC", "GMC number", "NPI", "DEA", "DEA number",
         "board certification", "MD license", "nursing license", "RN license", "license to practice"),
        r"[A-Z]{0,3}[- ]?[0-9]{4,10}[A-Z]?|[A-Z]{2}[0-9]{7}",
        0.85, 4,
    ),
    KeyedIdentifier(
        "US_SSN",
        ("SSN", "social security", "social security number", "social security no", "soc sec", "SS#", "SS number"),
        r"[0-9]{3}[- .]?[0-9]{2}[- .]?[0-9]{4}",
        0.9, 9,
    ),
)


class KeyedIdentifierRecognizer(TextRecognizer):
    """One instance per entity type, so each appears in the registry under its own name."""

    def __init__(self, spec: KeyedIdentifier):
        super().__init__(supported_entities=[spec.entity_type], name=f"Keyed{_camel(spec.entity_type)}Recognizer")
        self.spec = spec
        labels = keyword_regex(spec.labels).pattern
        self._pattern = re.compile(
            rf"{labels}{_FILLER}(?P<value>(?<![\w-])(?-i:{spec.value}|{_LOWER_CASE_VALUE})(?![\w-]))", re.IGNORECASE
        )

    def find(self, text: str) -> list[RecognizerResult]:
        results = []
        for match in self._pattern.finditer(text):
            start, end = match.span("value")
            value = match.group("value")
            if sum(ch.isdigit() for ch in value) < self.spec.min_digits or len(value) < 5 or _YEAR.fullmatch(value):
                continue
            if _DATE_LIKE.fullmatch(value) or _LOWER_WORD.search(value):
                continue  # "license issued 2021-07-17", "license to practice since 2005": not the number
            if _PLATE.search(text, match.start(), start):
                continue  # "license plate ABC1234" identifies a car
            if self.spec.entity_type == "US_DRIVER_LICENSE" and _is_medical(text, match.start()):
                continue
            results.append(self.result(self.spec.entity_type, start, end, self.spec.score, "label + value", context_used=True))
        return results


_YEAR = re.compile(r"(?:1[89]|20)\d\d")
# The same identifiers typed in lower case ("dl d1234567" in a chat): one or two letters, then digits.
_LOWER_CASE_VALUE = r"[a-z]{1,2}[0-9]{5,12}"
_LOWER_WORD = re.compile(r"[a-z]{3,}|[a-z]{2,}[ \-]|[ \-][a-z]{2,}")
_PLATE = re.compile(r"(?i)\bplates?\b|\bregistration\b")
_DATE_LIKE = re.compile(r"(?:1[89]|20)\d\d[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"
                        r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:1[89]|20)?\d\d")
_MEDICAL_BEFORE = re.compile(r"(?i:medical|physician|nursing|md|rn|practice|board)\W*$")


def _is_medical(text: str, label_start: int) -> bool:
    return _MEDICAL_BEFORE.search(text, max(0, label_start - 20), label_start) is not None


def _camel(entity_type: str) -> str:
    return "".join(part.capitalize() for part in entity_type.split("_"))
