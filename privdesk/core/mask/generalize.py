"""Generalisation: less precise but still true values (ages to bands, ZIP codes to 3 digits, dates to years).

HIPAA Safe Harbor (45 CFR 164.514(b)(2)) allows the first three digits of a ZIP code only where
the area they name holds more than 20,000 people; the others become "000". Ages over 89 are
aggregated into one "90 or older" category.
"""

from __future__ import annotations

import re

from privdesk.core.mask.dates import date_to_year

# The 3-digit ZIP prefixes with fewer than 20,000 inhabitants (2000 Census), as listed by HHS in its
# Safe Harbor guidance.
HIPAA_RESTRICTED_ZIP3: frozenset[str] = frozenset({
    "036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878", "879", "884", "890",
    "893",
})

_AGE_NUMBER = re.compile(r"(?<![\d.])(\d{1,3})(?:\.\d+)?(?![\d.])")  # 42, or 42.0 from a float column
_US_ZIP = re.compile(r"\s*(\d{5})(?:-\d{4})?\s*")
MAX_AGE = 150


def age_band(text: str, *, band: int = 10, top: int = 90) -> str | None:
    """The age in `text` as a band ("42" -> "40-49", "aged 93" -> "aged 90+"); None when there is no age.

    Only the number is replaced, so "42-year-old" becomes "40-49-year-old". Bands never reach past
    `top`: with top 90, 85 is "80-89" and 89 with bands of 20 is "80-89", not "80-99".
    """
    matches = list(_AGE_NUMBER.finditer(text))
    if len(matches) != 1:
        return None
    match = matches[0]
    age = int(match.group(1))
    if age > MAX_AGE:
        return None
    if age >= top:
        label = f"{top}+"
    else:
        low = age // band * band
        high = min(low + band - 1, top - 1)
        label = f"{low}-{high}" if high > low else str(low)
    return text[:match.start()] + label + text[match.end():]


def zip3(text: str) -> str | None:
    """The first three digits of a US ZIP code (ZIP+4 too), "000" where HIPAA restricts them; None otherwise."""
    match = _US_ZIP.fullmatch(text)
    if match is None:
        return None
    prefix = match.group(1)[:3]
    return "000" if prefix in HIPAA_RESTRICTED_ZIP3 else prefix


def generalize_value(entity_type: str, text: str, *, age_band_width: int = 10, top_age: int = 90,
                     day_first: bool = False) -> str | None:
    """The generalised value for AGE, ZIP_CODE or DATE_TIME; None when `text` cannot be generalised."""
    if entity_type == "AGE":
        return age_band(text, band=age_band_width, top=top_age)
    if entity_type == "ZIP_CODE":
        return zip3(text)
    if entity_type == "DATE_TIME":
        return date_to_year(text, day_first=day_first)
    return None
