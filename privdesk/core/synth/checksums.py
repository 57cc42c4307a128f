"""Check digits of the identifiers the generator fakes, so fake values pass real validators.

Detectors (Presidio's among them) reject card numbers that fail Luhn, IBANs that fail mod-97 and
SSNs in never-issued ranges; gold data that fails those checks would punish a correct detector.
"""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def luhn_check_digit(payload: str) -> str:
    """The digit that makes `payload + digit` pass the Luhn check."""
    total = 0
    # Walking from the right, the payload's last digit is doubled once the check digit is appended.
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_luhn_valid(number: str) -> bool:
    """True for a digit string (spaces and dashes ignored) whose Luhn sum is a multiple of ten."""
    digits = _NON_ALNUM.sub("", number)
    if not digits.isdigit() or len(digits) < 2:
        return False
    return luhn_check_digit(digits[:-1]) == digits[-1]


def _iban_numeric(text: str) -> int:
    # Letters count as two-digit numbers A=10 .. Z=35, as ISO 13616 prescribes.
    return int("".join(str(int(char, 36)) for char in text.upper()))


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits of the IBAN `country + ?? + bban`."""
    remainder = _iban_numeric(bban + country + "00") % 97
    return f"{98 - remainder:02d}"


# Lengths of the IBANs of the countries the generator produces (ISO 13616 registry).
IBAN_LENGTHS: dict[str, int] = {
    "AT": 20, "BE": 16, "CH": 21, "DE": 22, "ES": 24, "FR": 27, "GB": 22,
    "IE": 22, "IT": 27, "NL": 18, "PL": 28, "PT": 25, "SE": 24, "BR": 29,
}


def is_iban_valid(iban: str) -> bool:
    """True for an IBAN (spaces allowed) with a known country, the right length and a correct mod-97 check."""
    compact = _NON_ALNUM.sub("", iban).upper()
    country = compact[:2]
    if IBAN_LENGTHS.get(country) != len(compact) or not compact[2:4].isdigit():
        return False
    return _iban_numeric(compact[4:] + compact[:4]) % 97 == 1


_SSN = re.compile(r"^(\d{3})[- ]?(\d{2})[- ]?(\d{4})$")
# Numbers the SSA published as examples or that were famously misused; validators reject them.
_KNOWN_INVALID_SSNS = frozenset({"078051120", "219099999", "123456789"})


def is_valid_ssn(ssn: str) -> bool:
    """True for a US SSN that could have been issued: area 001-899 except 666, group 01-99, serial 0001-9999."""
    match = _SSN.match(ssn)
    if not match:
        return False
    area, group, serial = match.groups()
    if "-" in ssn and " " in ssn:
        return False
    return (
        area not in ("000", "666")
        and int(area) < 900
        and group != "00"
        and serial != "0000"
        and area + group + serial not in _KNOWN_INVALID_SSNS
        and len(set(area + group + serial)) > 1
    )


def dea_check_digit(six_digits: str) -> str:
    """The seventh digit of a DEA registration number: (d1+d3+d5) + 2*(d2+d4+d6), last digit."""
    d = [int(char) for char in six_digits]
    return str((d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10)


def is_dea_valid(dea: str) -> bool:
    """True for two letters and seven digits whose last digit is the DEA check digit."""
    if len(dea) != 9 or not dea[:2].isalpha() or not dea[2:].isdigit():
        return False
    return dea_check_digit(dea[2:8]) == dea[8]


def aba_check_digit(eight_digits: str) -> str:
    """The ninth digit of an ABA routing number (weights 3, 7, 1)."""
    weights = (3, 7, 1, 3, 7, 1, 3, 7)
    total = sum(int(char) * weight for char, weight in zip(eight_digits, weights))
    return str((10 - total % 10) % 10)
