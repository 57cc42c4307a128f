"""Structured columns: a whole cell is one value of a known type ("identifier" column role).

The value is flagged as a whole; a validator may lower the score when the value does not look like
its type (a card number that fails Luhn, an e-mail without "@"), so a reviewer sees it first.
"""

from __future__ import annotations

import ipaddress
from typing import Callable

import regex as re

from privdesk.core.detect.validators import VALIDATOR_FUNCTIONS, iban_valid, luhn_valid

# Cell contents that mean "no value" rather than a value.
PLACEHOLDERS = frozenset({"", "-", "--", "—", "?", "n/a", "na", "n.a.", "none", "null", "nil", "nan", "unknown",
                          "not available", "not provided", "redacted", "[redacted]", "xxx", "tbd"})

_MONTH = re.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")


def _ip_valid(value: str) -> bool:
    try:
        ipaddress.ip_address(value.split("%")[0])
        return True
    except ValueError:
        return False


_CHECKS: dict[str, Callable[[str], bool]] = {
    "CREDIT_CARD": lambda v: re.fullmatch(r"[\d \-.]{12,30}", v) is not None and luhn_valid(v),
    "IBAN_CODE": iban_valid,
    "EMAIL_ADDRESS": lambda v: re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v) is not None,
    "PHONE_NUMBER": lambda v: 7 <= sum(c.isdigit() for c in v) <= 15,
    "IP_ADDRESS": _ip_valid,
    "US_SSN": lambda v: re.fullmatch(r"\d{3}[- .]?\d{2}[- .]?\d{4}", v) is not None,
    "ZIP_CODE": lambda v: any(c.isdigit() for c in v) and len(v) <= 10,
    "DATE_TIME": lambda v: any(c.isdigit() for c in v) or _MONTH.search(v) is not None,
    "AGE": lambda v: re.fullmatch(r"\d{1,3}(?:\s*(?:y|yrs?|years?))?", v, re.I) is not None,
    "URL": lambda v: "." in v and " " not in v,
}

VALID_SCORE = 1.0
DOUBTFUL_SCORE = 0.5


def identifier_score(value: str, entity_type: str, custom_validators: dict[str, str] | None = None) -> float:
    """1.0 for a value that looks like its type, 0.5 for one that does not (it is still flagged)."""
    check = _CHECKS.get(entity_type)
    custom = (custom_validators or {}).get(entity_type)
    if custom:
        check = VALIDATOR_FUNCTIONS[custom]
    if check is None:
        return VALID_SCORE
    return VALID_SCORE if check(value) else DOUBTFUL_SCORE
