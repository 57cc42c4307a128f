"""Ages stated in the many ways people write them; the span is the number itself.

"42-year-old", "aged 67", "age: 35", "35 y/o", "a 70 yo male", "42 years of age", "at the age of 42",
"Age 42", "42yo", "6-month-old", "in her 80s", "42M"/"42 F" (clinical shorthand next to a sex marker).
The number alone is marked so that "<AGE>-year-old" still reads; a bare number is never an age
without one of these cues.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.recognizers.base import TextRecognizer

_UNITS = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEENS = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_WORD_NUMBER = rf"(?:(?:one[ -])?hundred(?:[ -](?:and[ -])?(?:{_TENS}(?:-{_UNITS})?|{_TEENS}|{_UNITS}))?|{_TENS}(?:[ -]{_UNITS})?|{_TEENS}|{_UNITS})"
_N = rf"(?P<age>\d{{1,3}}(?:[.,]5)?|{_WORD_NUMBER})"
_UNIT = r"(?:years?|yrs?|yr\.|y\.?)"

_PATTERNS: list[tuple[str, re.Pattern, float]] = [
    # 42-year-old, 42 year old, 42 yr old, 6-month-old, 3-week-old
    ("n-year-old", re.compile(rf"(?<![\w.,])\b{_N}(?:\s*|-)(?:years?|yrs?|months?|mos?|weeks?|wks?|days?)(?:\s*|-)olds?\b", re.I), 0.85),
    # 35 y/o, 35 y.o., 70 yo, 42yo, 35 y/o.
    ("n y/o", re.compile(rf"(?<![\w.,])\b{_N}\s*(?:y/o|y\.\s?o\.?|yo|yoa)(?![\w/])", re.I), 0.85),
    # 42 years of age, 42 years of age
    ("n years of age", re.compile(rf"(?<![\w.,])\b{_N}\s*{_UNIT}\s+of\s+age\b", re.I), 0.85),
    # aged 67, age: 35, Age 42, age of 42, at the age of 42, ages 5 and 7 (first), aged between
    ("age n", re.compile(rf"\b(?:aged?|ages|age\s+of|at\s+the\s+age\s+of|alter|âge|edad|età)\s*(?:[:=\-–]|is|was|now)?\s*(?:about|approx\.?|approximately|around|~)?\s*{_N}(?!\s*(?:%|mg|kg|lbs?|cm|mm|ml|percent|days?|weeks?|months?|hours?|minutes?|times|x\b))(?:\s*{_UNIT})?(?![\w.,]\d)", re.I), 0.8),
    # is 42 years old / turned 42 / turns 42
    ("turned n", re.compile(rf"\b(?:turned|turns|turning)\s+{_N}(?![\w.,%])", re.I), 0.6),
    # 42 years (when followed by a sex or role word: "42 years male", "a 42 year female")
    ("n years + sex", re.compile(rf"(?<![\w.,])\b{_N}[\s-]*(?:years?|yrs?)[\s-]+(?=(?:old\s+)?(?:male|female|man|woman|boy|girl|m|f|gentleman|lady|patient|pt)\b)", re.I), 0.75),
    # clinical shorthand: 42M, 42 F, 42-year-old is covered above; "a 42 M with"
    ("n + sex letter", re.compile(r"(?<![\w.,/:-])\b(?P<age>\d{1,3})\s?(?P<sex>M|F)\b(?![\w.'/-])"), 0.55),
    # appositive: "John Smith, 54, of Boston", "the patient, 54, was"
    ("appositive", re.compile(r"(?:\b\p{Lu}\p{Ll}+|\b(?:patient|pt|man|woman|male|female|boy|girl|mother|father|son|daughter|wife|husband|client|customer|victim|driver|resident)),\s(?P<age>\d{1,3}),\s(?!\d)"), 0.55),
    # "is 42 years", ", 42 yrs,": a number of years said of someone, not a duration
    ("is n years", re.compile(rf"(?:\b(?:is|was|am|are|now|currently|aged?)|,)\s+{_N}\s*(?:years|yrs?|y)\b(?!\s*(?:ago|later|earlier|before|after|since|prior|of\s+(?:experience|service|employment|marriage)|in\b|at\b|with\b|into\b|on\b|off\b|out\b|post\b|sober\b|clean\b|married\b|there\b|here\b))", re.I), 0.7),
    # "I'm 42", "she is 42." (a bare number after a person and a verb of being, ending the clause)
    ("person is n", re.compile(rf"\b(?:I'm|I\s+am|he's|she's|he\s+is|she\s+is|they're|patient\s+is|pt\s+is|who\s+is)\s+(?:now\s+|only\s+|just\s+)?{_N}(?=\s*(?:[.,;!?)]|$|and\b|but\b|yrs?\b|years\b|y/?o\b))", re.I), 0.7),
    # "Jane Doe (42)", "(age 42)", "(42 y)"
    ("name (n)", re.compile(r"(?:\p{Lu}\p{Ll}+[ \t]\((?P<age>\d{1,3})\))|\((?:age[ \t]?|aged[ \t]?)?(?=\d{1,3}[ \t]?(?:y|yrs?|years?)?\))(?P<age>\d{1,3})(?:[ \t]?(?:y|yrs?|years?))?\)"), 0.55),
    # clinical shorthand "M/42", "42/F"
    ("sex/n", re.compile(r"(?<![\w/])(?:[MF]/(?P<age>\d{1,3})|(?P<age>\d{1,3})/[MF])(?![\w/])"), 0.6),
    # in her 80s, in his mid-40s, late 30s
    ("decade", re.compile(r"\b(?:in\s+(?:his|her|their)\s+(?:early|mid|late)?[\s-]*|(?:early|mid|late)[\s-]+)(?P<age>(?:[1-9]0)['’]?s)\b", re.I), 0.6),
]


class AgeRecognizer(TextRecognizer):
    ENTITIES = ("AGE",)

    def find(self, text: str) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        if not any(ch.isdigit() for ch in text) and _NUMBER_WORD.search(text) is None:
            return results
        taken: set[tuple[int, int]] = set()
        for how, pattern, score in _PATTERNS:
            for match in pattern.finditer(text):
                start, end = match.span("age")
                if (start, end) in taken:
                    continue
                value = match.group("age")
                digits = re.match(r"\d+", value)
                if digits is not None and int(digits.group()) > 125:
                    continue
                if how == "n + sex letter" and not _looks_clinical(text, start):
                    continue
                taken.add((start, end))
                results.append(self.result("AGE", start, end, score, how))
        return results


_NUMBER_WORD = re.compile(rf"\b{_WORD_NUMBER}\b", re.I)
_CLINICAL_CUE = re.compile(r"\b(?:pt|patient|presents?|presented|complain|hx|history|admitted|seen|c/o|w/|with|a|an|is|was)\b", re.I)


def _looks_clinical(text: str, start: int) -> bool:
    """"42M" is an age only in clinical prose ("a 42M presents with"), not in "42M dollars" or sizes."""
    return _CLINICAL_CUE.search(text, max(0, start - 25), start) is not None or _CLINICAL_CUE.match(text, start + 4) is not None
