"""Dates: many formats parsed, shifted dates written back in the format they came in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from privdesk.core.mask.dates import date_to_year, parse_date, shift_date_text

FORMATS = [
    # text, its date, the same format for 2021-05-03
    ("03/14/2021", dt.date(2021, 3, 14), "05/03/2021"),
    ("3/14/2021", dt.date(2021, 3, 14), "5/3/2021"),
    ("14.03.2021", dt.date(2021, 3, 14), "03.05.2021"),
    ("2021-03-14", dt.date(2021, 3, 14), "2021-05-03"),
    ("2021/03/14", dt.date(2021, 3, 14), "2021/05/03"),
    ("March 14, 2021", dt.date(2021, 3, 14), "May 3, 2021"),
    ("Mar 14, 2021", dt.date(2021, 3, 14), "May 3, 2021"),
    ("14 Mar 2021", dt.date(2021, 3, 14), "3 May 2021"),
    ("14 March 2021", dt.date(2021, 3, 14), "3 May 2021"),
    ("14-Mar-2021", dt.date(2021, 3, 14), "3-May-2021"),
    ("14/03/2021", dt.date(2021, 3, 14), "03/05/2021"),
    ("March 14th, 2021", dt.date(2021, 3, 14), "May 3rd, 2021"),
    ("the 14th of March 2021", dt.date(2021, 3, 14), "the 3rd of May 2021"),
    ("03/14/21", dt.date(2021, 3, 14), "05/03/21"),
    ("SEPT 3, 2020", dt.date(2020, 9, 3), "MAY 3, 2021"),
    ("Sunday, March 14, 2021", dt.date(2021, 3, 14), "Monday, May 3, 2021"),
    ("2021-03-14T10:30:00Z", dt.date(2021, 3, 14), "2021-05-03T10:30:00Z"),
    ("2021-03-14 10:30", dt.date(2021, 3, 14), "2021-05-03 10:30"),
    (" 13 Dec 2020 ", dt.date(2020, 12, 13), " 3 May 2021 "),
]


@pytest.mark.parametrize(("text", "date", "rendered"), FORMATS)
def test_parse_and_render_in_the_same_format(text, date, rendered):
    parsed = parse_date(text)
    assert parsed is not None and parsed.date == date
    assert parsed.render(dt.date(2021, 5, 3)) == rendered


def test_ambiguous_numeric_dates():
    assert parse_date("03/04/2021").date == dt.date(2021, 3, 4)  # month first by default
    assert parse_date("03/04/2021", day_first=True).date == dt.date(2021, 4, 3)
    assert parse_date("03.04.2021").date == dt.date(2021, 4, 3)  # dots: day first
    assert parse_date("13/04/2021").date == dt.date(2021, 4, 13)  # 13 cannot be a month


@pytest.mark.parametrize("text", ["31/02/2021", "2021-13-01", "hello", "", "13:45", "Monday, March 15, 2021 "[:-3],
                                  "Saturday, March 14, 2021"])
def test_what_is_not_a_date_does_not_parse(text):
    assert parse_date(text) is None
    assert shift_date_text(text, 10) is None


def test_partial_dates_shift_by_whole_months_or_years_and_never_stay_put():
    assert parse_date("March 2021").precision == "month"
    assert shift_date_text("March 2021", 5) == "April 2021"
    assert shift_date_text("03/2021", -40) == "02/2021"
    assert shift_date_text("2021", 30) == "2022"
    assert shift_date_text("2021", -400) == "2020"


def test_date_to_year():
    assert date_to_year("14 March 1987") == "1987"
    assert date_to_year("03/14/21") == "2021"
    assert date_to_year("sometime") is None


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2098, 12, 31)),
       days=st.integers(min_value=-3650, max_value=3650).filter(bool),
       # "SEPT" is only for September: other months come out as three letters.
       style=st.sampled_from([text for text, _, _ in FORMATS if text.strip() == text and "SEPT" not in text]))
def test_shifting_any_date_in_any_format_moves_it_by_exactly_that_many_days(day, days, style):
    moved = day + dt.timedelta(days=days)
    if style == "03/14/21":
        assume(1950 <= day.year <= 2049 and 1950 <= moved.year <= 2049)  # two-digit years mean 1950-2049
    day_first = style == "14/03/2021"  # a slashed date reads month first unless told otherwise
    template = parse_date(style)
    original = template.render(day)
    parsed = parse_date(original, day_first=day_first)
    assert parsed is not None and parsed.date == day, original
    shifted = shift_date_text(original, days, day_first=day_first)
    assert parse_date(shifted, day_first=day_first).date == moved
    # Same format: separators, order, month names and suffixes (zero padding of "12/31" is ambiguous, and so
    # is "May", which is both a full name and an abbreviation).
    if "may" not in original.lower():
        assert re.sub(r"\d+", "9", shifted) == re.sub(r"\d+", "9", template.render(moved))
