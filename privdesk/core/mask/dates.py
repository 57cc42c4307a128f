"""Dates in the many ways people write them: parse one, and write another date the same way.

    parsed = parse_date("14th of March 2021")
    parsed.render(dt.date(2021, 5, 2))          # "2nd of May 2021"
    shift_date_text("03/14/21", 30)             # "04/13/21"

Formats: ISO (2021-03-14, 2021/03/14), numeric with the year last (03/14/2021, 14.03.2021,
3-14-21), month names in English, full or abbreviated, before or after the day (March 14, 2021;
14 Mar 2021; 14-Mar-2021; the 14th of March 2021), an optional weekday in front (recomputed), an
optional time of day after (kept as it is), month and year (March 2021, 03/2021) and a year alone.
Numeric dates are read month first unless the separator is a dot, the first number is above 12,
or day_first is asked for. Whatever does not parse returns None, so callers can fall back to a tag
instead of leaking the text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WEEKDAY = (r"(?:(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
            r"|sat(?:urday)?|sun(?:day)?)\.?,?\s+)?")
_DAY = r"(?P<d>\d{1,2})(?P<ord>st|nd|rd|th)?"
_TIME = (r"(?:(?:[ T]|,\s*|\s+at\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[ap]\.?m\.?)?"
         r"(?:\s?(?:z|utc|gmt|[+-]\d{2}:?\d{2}))?)?")

Precision = Literal["day", "month", "year"]

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in (
        ("ymd", rf"{_WEEKDAY}(?P<y>\d{{4}})(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}}){_TIME}"),
        ("numeric", rf"{_WEEKDAY}(?P<a>\d{{1,2}})(?P<sep>[-/.])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}}){_TIME}"),
        ("day_name", rf"{_WEEKDAY}(?:the\s+)?{_DAY}(?:\s+of\s+|\s+|-|/)?{_MONTH}(?:,?\s+|-|/)(?P<y>\d{{4}}){_TIME}"),
        ("name_day", rf"{_WEEKDAY}{_MONTH}(?:\s+|-)(?:the\s+)?{_DAY}(?:,\s*|\s+|-)(?P<y>\d{{4}}){_TIME}"),
        ("name_year", rf"{_MONTH}(?:,?\s+|-)(?P<y>\d{{4}})"),
        ("month_year", r"(?P<m>\d{1,2})(?P<sep>[-/.])(?P<y>\d{4})"),
        ("year", r"(?P<y>(?:1[89]|2\d)\d{2})"),
    )
)

_MONTH_BY_PREFIX = {name[:3].lower(): index for index, name in enumerate(MONTH_NAMES, start=1)}
_WEEKDAY_BY_PREFIX = {name[:3].lower(): index for index, name in enumerate(WEEKDAY_NAMES)}


def _two_digit_year(text: str) -> int:
    # A fixed pivot keeps the result the same whatever year the export runs in.
    value = int(text)
    return 2000 + value if value < 50 else 1900 + value


def _styled(name: str, original: str) -> str:
    """`name` (a month or weekday) abbreviated and cased like `original`.

    "May" is both the full name and the abbreviation; it is taken as a full name.
    """
    core = original.rstrip(".")
    abbreviated = core.lower() != "may" and (len(core) <= 3 or (len(core) == 4 and core.lower() in ("sept", "tues", "thur")))
    if abbreviated:
        text = name[:len(core)] if len(core) == 4 and name.lower().startswith(core.lower()) else name[:3]
    else:
        text = name
    if core.isupper() and len(core) > 1:
        return text.upper()
    if core.islower():
        return text.lower()
    return text


def _ordinal_suffix(day: int, original: str) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return suffix.upper() if original.isupper() else suffix


@dataclass(frozen=True)
class ParsedDate:
    """A date found in `text`, with what is needed to write another date in the same style."""

    text: str
    date: dt.date
    precision: Precision
    groups: tuple[tuple[str, int, int], ...]  # (role, start, end) of each part to rewrite, in text order
    padded_month: bool
    padded_day: bool

    def render(self, new: dt.date) -> str:
        """`new` written the way `text` was written (the parts of it that `precision` holds)."""
        pieces = []
        position = 0
        for role, start, end in self.groups:
            original = self.text[start:end]
            pieces.append(self.text[position:start])
            pieces.append(self._part(role, original, new))
            position = end
        pieces.append(self.text[position:])
        return "".join(pieces)

    def _part(self, role: str, original: str, new: dt.date) -> str:
        if role == "y":
            return f"{new.year:04d}" if len(original) == 4 else f"{new.year % 100:02d}"
        if role == "m":
            return f"{new.month:02d}" if self.padded_month else str(new.month)
        if role == "d":
            return f"{new.day:02d}" if self.padded_day else str(new.day)
        if role == "mon":
            return _styled(MONTH_NAMES[new.month - 1], original)
        if role == "ord":
            return _ordinal_suffix(new.day, original)
        if role == "wd":
            return _styled(WEEKDAY_NAMES[new.weekday()], original)
        raise AssertionError(role)


def parse_date(text: str, *, day_first: bool = False) -> ParsedDate | None:
    """The date in `text` (the whole text, surrounding spaces aside), or None when it is not one."""
    stripped = text.strip()
    offset = len(text) - len(text.lstrip())
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(stripped)
        if match is None:
            continue
        parsed = _interpret(kind, match, text, offset, day_first)
        if parsed is not None:
            return parsed
    return None


def _interpret(kind: str, match: re.Match[str], text: str, offset: int, day_first: bool) -> ParsedDate | None:
    names = match.groupdict()
    year_text = names["y"]
    year = int(year_text) if len(year_text) == 4 else _two_digit_year(year_text)
    roles: dict[str, str] = {"y": "y"}
    month = day = None
    if kind == "numeric":
        first, second = int(names["a"]), int(names["b"])
        first_is_day = names["sep"] == "." or day_first or first > 12
        if first_is_day and second > 12:
            first_is_day = False
        day, month = (first, second) if first_is_day else (second, first)
        roles.update({"a": "d" if first_is_day else "m", "b": "m" if first_is_day else "d"})
    else:
        if names.get("m") is not None:
            month = int(names["m"])
            roles["m"] = "m"
        if names.get("mon") is not None:
            month = _MONTH_BY_PREFIX[names["mon"][:3].lower()]
            roles["mon"] = "mon"
        if names.get("d") is not None:
            day = int(names["d"])
            roles["d"] = "d"
    if names.get("ord") is not None:
        roles["ord"] = "ord"
    precision: Precision = "day" if day is not None else ("month" if month is not None else "year")
    try:
        value = dt.date(year, month or 7, day or (15 if month else 1))
    except ValueError:
        return None
    if names.get("wd") is not None:
        if precision != "day" or _WEEKDAY_BY_PREFIX[names["wd"][:3].lower()] != value.weekday():
            return None  # "Monday, March 14, 2021" names a Sunday: not a date we can trust
        roles["wd"] = "wd"
    groups = sorted(((role, match.start(group) + offset, match.end(group) + offset) for group, role in roles.items()),
                    key=lambda item: item[1])
    month_text = names.get("m") or (names["a"] if roles.get("a") == "m" else names.get("b") if roles.get("b") == "m" else None)
    day_text = names.get("d") or (names["a"] if roles.get("a") == "d" else names.get("b") if roles.get("b") == "d" else None)
    both_two_digits = bool(month_text and day_text and len(month_text) == 2 and len(day_text) == 2)
    padded_month = kind == "ymd" or bool(month_text and (month_text.startswith("0") or both_two_digits))
    padded_day = kind == "ymd" or bool(day_text and (day_text.startswith("0") or both_two_digits))
    if kind == "month_year":
        padded_month = bool(month_text and len(month_text) == 2)
    return ParsedDate(text=text, date=value, precision=precision, groups=tuple(groups),
                      padded_month=padded_month, padded_day=padded_day)


def shift_date_text(text: str, days: int, *, day_first: bool = False) -> str | None:
    """The date in `text` moved by `days`, written in the same format; None when it does not parse."""
    parsed = parse_date(text, day_first=day_first)
    if parsed is None:
        return None
    moved = shifted(parsed, days)
    return None if moved is None else parsed.render(moved)


def shifted(parsed: ParsedDate, days: int) -> dt.date | None:
    """parsed.date moved by about `days` at the precision it was written with.

    A month-and-year or a year alone moves by whole months or years (at least one when days != 0),
    so a shifted "March 2021" never comes out as "March 2021" again.
    """
    try:
        if parsed.precision == "day":
            return parsed.date + dt.timedelta(days=days)
        sign = 1 if days > 0 else -1 if days < 0 else 0
        if parsed.precision == "month":
            months = round(days / 30.44) or sign
            index = parsed.date.year * 12 + parsed.date.month - 1 + months
            return dt.date(index // 12, index % 12 + 1, 15)
        years = round(days / 365.25) or sign
        return dt.date(parsed.date.year + years, 7, 1)
    except (OverflowError, ValueError):
        return None


def date_to_year(text: str, *, day_first: bool = False) -> str | None:
    """Only the year of the date in `text` (four digits), or None when it does not parse."""
    parsed = parse_date(text, day_first=day_first)
    return None if parsed is None else f"{parsed.date.year:04d}"
