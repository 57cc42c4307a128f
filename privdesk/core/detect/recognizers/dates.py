"""Dates and times in the formats people type: numeric (US, European, ISO), with month names, and clock times.

spaCy's small model finds many dates but misses numeric ones next to labels ("DOB 03/14/1979") and
tags some as CARDINAL; these patterns close that gap. Numeric matches are validated (a real month
and day) so version numbers and measurements do not pass.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import RecognizerResult

from privdesk.core.detect.recognizers.base import TextRecognizer

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|Januar|Februar|März|Mai|Juni|Juli|Oktober|Dezember|"
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre)"
)
_WEEKDAY = r"(?:Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:r(?:s(?:day)?)?)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th|\.)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_YEAR2 = r"(?:'?\d\d)"
_TIME = r"(?:(?:[01]?\d|2[0-3])[:h][0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:\s?(?:[AaPp]\.?[Mm]\.?))?(?:\s?(?:Z|UTC|GMT|[ECMP][SD]T|[+-]\d\d:?\d\d))?|(?:0?[1-9]|1[0-2])\s?(?:[AaPp]\.?[Mm]\.?)(?![\w]))"

_PATTERNS: list[tuple[str, re.Pattern, float]] = [
    ("iso", re.compile(rf"(?<![\w./-]){_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ]{_TIME})?(?![\w/-]|\.\d)"), 0.85),
    ("y/m/d", re.compile(rf"(?<![\w./-]){_YEAR}[/.](?:0?[1-9]|1[0-2])[/.](?:0?[1-9]|[12]\d|3[01])(?![\w/-]|\.\d)"), 0.75),
    ("numeric", re.compile(r"(?<![\w./:-])(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\w/:-]|\.\d)"), 0.7),
    ("day month year", re.compile(rf"(?<![\w])(?:{_WEEKDAY},?\s+)?(?:the\s+(?=\d))?{_DAY}\s*(?:of\s+)?[\s\-/]?{_MONTH}\.?,?[\s\-/]*(?:{_YEAR}|{_YEAR2})(?![\w])", re.I), 0.85),
    ("month day year", re.compile(rf"(?<![\w])(?:{_WEEKDAY},?\s+)?{_MONTH}\.?\s+{_DAY},?\s+{_YEAR}(?![\w])", re.I), 0.85),
    ("month year", re.compile(rf"(?<![\w]){_MONTH}\.?,?\s+{_YEAR}(?![\w])", re.I), 0.6),
    ("day month", re.compile(rf"(?<![\w])(?:{_WEEKDAY},?\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?![\w])", re.I), 0.55),
    ("month day", re.compile(rf"(?<![\w])(?:{_WEEKDAY},?\s+)?{_MONTH}\.?\s+{_DAY}(?![\w:.])(?!\s*(?:mg|kg|ml|%))", re.I), 0.55),
    ("month/year", re.compile(rf"(?<![\w./-])(?:0?[1-9]|1[0-2])/{_YEAR}(?![\w/-])"), 0.5),
    # A clock time alone identifies no one (HIPAA lists dates, not times); it stays below the threshold
    # unless the caller lowers it.
    ("time", re.compile(rf"(?<![\w:.]){_TIME}(?![\w:])"), 0.3),
]
# "May" and "March" are also a name and a verb: month-only patterns need an uppercase month.
_AMBIGUOUS_MONTHS = {"may", "march", "mar", "jan", "sat", "sun", "wed", "mai", "mars"}


# Cheap tests that let find() skip whole groups of patterns: most texts name no month.
_MONTH_HINT = re.compile(rf"(?<![\w]){_MONTH}", re.I)
_NAMED_MONTH_PATTERNS = {"day month year", "month day year", "month year", "day month", "month day"}


class DatePatternRecognizer(TextRecognizer):
    ENTITIES = ("DATE_TIME",)

    def find(self, text: str) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        if not any(ch.isdigit() for ch in text):
            return results
        has_month = _MONTH_HINT.search(text) is not None
        for how, pattern, score in _PATTERNS:
            if how in _NAMED_MONTH_PATTERNS and not has_month:
                continue
            for match in pattern.finditer(text):
                if how == "numeric" and not _valid_numeric(match):
                    continue
                if how in ("day month", "month day", "month year") and not _month_is_capitalised(match.group()):
                    continue
                if how == "time" and not _time_is_plausible(match.group()):
                    continue
                results.append(self.result("DATE_TIME", match.start(), match.end(), score, how))
        return results


def _valid_numeric(match: re.Match) -> bool:
    a, b = int(match.group("a")), int(match.group("b"))
    year = match.group("y")
    if len(year) == 4 and not (1800 <= int(year) <= 2099):
        return False
    # Month first (US) or day first (most elsewhere): either reading must be a real date.
    us = 1 <= a <= 12 and 1 <= b <= 31
    eu = 1 <= b <= 12 and 1 <= a <= 31
    if not (us or eu):
        return False
    # "1.2.12" style decimals and version numbers use single digits and dots without a 4-digit year.
    if match.group("sep") == "." and len(year) == 2 and (len(match.group("a")) == 1 or len(match.group("b")) == 1):
        return False
    return True


def _month_is_capitalised(text: str) -> bool:
    for word in re.findall(r"\p{L}+", text):
        if re.fullmatch(_MONTH, word, re.I):
            return word[0].isupper() or word.lower() not in _AMBIGUOUS_MONTHS and len(word) > 3
    return True


def _time_is_plausible(text: str) -> bool:
    # "3:1" ratios are excluded by the pattern; "10:30" alone is a time, "2 pm" too.
    return any(ch.isdigit() for ch in text)
