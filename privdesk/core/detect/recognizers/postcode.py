"""ZIP and postal codes on their own ("zip 94043", "Postcode: SW1A 2AA", "PLZ 10115").

Inside a street address the whole address is one LOCATION (see address.py); this recognizer finds
the codes that stand alone. Formats with letters (UK, Canada, Netherlands) are distinctive; a bare
five-digit number is a ZIP code only next to a word that says so.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.recognizers.base import TextRecognizer, has_keyword_before, keyword_regex

_CONTEXT = keyword_regex(
    ["zip", "zip code", "zipcode", "zip+4", "postal code", "postcode", "post code", "postal", "plz",
     "postleitzahl", "code postal", "cp", "cap", "pin code", "pincode", "eircode", "postnummer"]
)

_PATTERNS: list[tuple[str, re.Pattern, float, bool]] = [
    # (name, pattern, score without context, needs context)
    ("UK postcode", re.compile(r"(?<![\w-])(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w-])"), 0.5, False),
    ("Canadian postal code", re.compile(r"(?<![\w-])[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d(?![\w-])"), 0.5, False),
    ("US ZIP+4", re.compile(r"(?<![\w.,$€£-])\d{5}-\d{4}(?![\w-])"), 0.35, False),
    ("Dutch postcode", re.compile(r"(?<![\w-])\d{4} ?[A-Z]{2}(?![\w-])"), 0.1, True),
    ("numeric code", re.compile(r"(?<![\w.,$€£/:-])(?:[A-Z]{1,2}-)?\d{4,6}(?![\w/:-]|[.,]\d)"), 0.05, True),
    ("Irish Eircode", re.compile(r"(?<![\w-])[AC-FHKNPRTV-Y]\d{2}[ ]?[AC-FHKNPRTV-Y0-9]{4}(?![\w-])"), 0.1, True),
]


class PostcodeRecognizer(TextRecognizer):
    ENTITIES = ("ZIP_CODE",)

    def find(self, text: str) -> list[RecognizerResult]:
        results = []
        for how, pattern, score, needs_context in _PATTERNS:
            for match in pattern.finditer(text):
                start, end = match.span()
                if has_keyword_before(text, start, _CONTEXT, window=25):
                    results.append(self.result("ZIP_CODE", start, end, min(0.9, max(score + 0.5, 0.75)), how + " + context", context_used=True))
                elif not needs_context:
                    results.append(self.result("ZIP_CODE", start, end, score, how))
        return results
