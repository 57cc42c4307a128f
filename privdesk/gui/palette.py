"""The one colour palette for entity types: text highlights, the legend, and charts.

Plain hex strings, no Qt, so matplotlib charts can use the same colours (`entity_color(t, dark)`).
Each type has a light-scheme and a dark-scheme colour, chosen so that black text stays readable on
the light ones and white text on the dark ones (contrast ratio at least 4.5:1, checked by the tests),
and so that neighbours in ENTITY_TYPES (which the legend shows side by side) differ clearly in hue.
Types the palette does not know (custom recognizers) get a stable colour from a hash of the name.
"""

from __future__ import annotations

import hashlib

from privdesk.core.types import ENTITY_TYPES

# type -> (light-scheme background, dark-scheme background)
_COLOURS: dict[str, tuple[str, str]] = {
    "PERSON": ("#ffc9a3", "#8a3f12"),
    "LOCATION": ("#a8e6b0", "#1f6b33"),
    "ORGANIZATION": ("#b9cdfb", "#2c4a9a"),
    "DATE_TIME": ("#f6e28b", "#6e5a05"),
    "AGE": ("#f5c2e7", "#80306a"),
    "NRP": ("#d4c4fb", "#55359c"),
    "PHONE_NUMBER": ("#9ee4e0", "#146b66"),
    "EMAIL_ADDRESS": ("#c6e59a", "#46661b"),
    "CREDIT_CARD": ("#ffb3b8", "#8f1f2a"),
    "IBAN_CODE": ("#e8c39e", "#70451c"),
    "US_SSN": ("#ffb0d0", "#8c1d4e"),
    "US_DRIVER_LICENSE": ("#bfe0ff", "#1d5683"),
    "US_PASSPORT": ("#d9d2b0", "#5c5430"),
    "US_BANK_NUMBER": ("#e2c7f0", "#633178"),
    "IP_ADDRESS": ("#c9d6df", "#3f5666"),
    "URL": ("#b3ecd0", "#1e6a4a"),
    "MEDICAL_LICENSE": ("#f9d0a8", "#7a4414"),
    "ZIP_CODE": ("#d6e8a8", "#556b18"),
}

LIGHT_TEXT = "#1a1a1a"  # text on light-scheme colours
DARK_TEXT = "#f5f5f5"  # text on dark-scheme colours

# Review states of a record (the record list's dots) and decision marks.
STATE_COLOURS: dict[str, tuple[str, str]] = {
    "not scanned": ("#b0b0b0", "#6a6a6a"),
    "no findings": ("#b0b0b0", "#6a6a6a"),
    "unreviewed": ("#e0a100", "#f0b429"),
    "in progress": ("#2f80ed", "#5b9cf5"),
    "done": ("#2e9d55", "#4cc47a"),
}

# Short names for the legend and tables; the type name itself is the fallback.
LABELS: dict[str, str] = {
    "PERSON": "Person",
    "LOCATION": "Location",
    "ORGANIZATION": "Organisation",
    "DATE_TIME": "Date",
    "AGE": "Age",
    "NRP": "Group (NRP)",
    "PHONE_NUMBER": "Phone",
    "EMAIL_ADDRESS": "E-mail",
    "CREDIT_CARD": "Card number",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "US_DRIVER_LICENSE": "Driver licence",
    "US_PASSPORT": "Passport",
    "US_BANK_NUMBER": "Bank account",
    "IP_ADDRESS": "IP address",
    "URL": "URL",
    "MEDICAL_LICENSE": "Medical licence",
    "ZIP_CODE": "ZIP code",
}


def _hashed_colour(entity_type: str, dark: bool) -> str:
    """A stable colour for a type the palette does not name: hue from a hash, fixed lightness."""
    import colorsys

    hue = int(hashlib.sha256(entity_type.encode("utf-8")).hexdigest()[:4], 16) / 0xFFFF
    lightness, saturation = (0.30, 0.55) if dark else (0.82, 0.70)
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    return "#{:02x}{:02x}{:02x}".format(round(red * 255), round(green * 255), round(blue * 255))


def entity_color(entity_type: str, dark: bool = False) -> str:
    """Background colour of `entity_type` in the light or dark scheme, as #rrggbb."""
    pair = _COLOURS.get(entity_type)
    if pair is None:
        return _hashed_colour(entity_type, dark)
    return pair[1] if dark else pair[0]


def text_color(dark: bool = False) -> str:
    """Text colour to draw on entity_color(..., dark)."""
    return DARK_TEXT if dark else LIGHT_TEXT


def state_color(state: str, dark: bool = False) -> str:
    pair = STATE_COLOURS.get(state, ("#b0b0b0", "#6a6a6a"))
    return pair[1] if dark else pair[0]


def entity_label(entity_type: str) -> str:
    return LABELS.get(entity_type, entity_type.replace("_", " ").title())


def known_types() -> tuple[str, ...]:
    return ENTITY_TYPES


def relative_luminance(hex_colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
