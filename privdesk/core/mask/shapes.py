"""Format-preserving fakes for identifiers: same length, same separators, valid check digits.

Each function takes the original text and a seeded random.Random, and returns a new value of the
same shape. Digits become digits, letters letters of the same case; spaces, dashes, dots and
brackets stay where they were, so "(612) 928-6690" comes back as "(415) 273-0148".
"""

from __future__ import annotations

import ipaddress
import random
import string

import phonenumbers

from privdesk.core.synth.checksums import dea_check_digit, iban_check_digits, is_valid_ssn, luhn_check_digit


def random_like(text: str, rng: random.Random) -> str:
    """Each digit and letter replaced by a random one of its kind; everything else kept."""
    out = []
    for char in text:
        if char.isdigit() and char.isascii():
            out.append(rng.choice(string.digits))
        elif char.isascii() and char.isupper():
            out.append(rng.choice(string.ascii_uppercase))
        elif char.isascii() and char.islower():
            out.append(rng.choice(string.ascii_lowercase))
        elif char.isalpha():  # a letter outside ASCII: an ASCII letter of the same case reads fine
            out.append(rng.choice(string.ascii_uppercase if char.isupper() else string.ascii_lowercase))
        else:
            out.append(char)
    return "".join(out)


def _digit_positions(text: str) -> list[int]:
    return [index for index, char in enumerate(text) if char.isdigit() and char.isascii()]


def _put_digits(text: str, positions: list[int], digits: str) -> str:
    chars = list(text)
    for position, digit in zip(positions, digits):
        chars[position] = digit
    return "".join(chars)


def _country_code_digits(text: str) -> int:
    """How many leading digits of an international number are its country calling code (0 if none)."""
    compact = text.strip()
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+"):
        return 0
    try:
        number = phonenumbers.parse(compact, None)
    except phonenumbers.NumberParseException:
        return 0
    return len(str(number.country_code)) + (2 if text.strip().startswith("00") else 0)


def phone_like(text: str, rng: random.Random) -> str:
    """A phone number of the same shape: the country code kept, the rest random digits.

    North American numbers keep a plausible area code and exchange (first digit 2-9).
    """
    positions = _digit_positions(text)
    digits = [text[p] for p in positions]
    keep = _country_code_digits(text)
    if keep == 0 and len(digits) == 11 and digits[0] == "1":
        keep = 1  # 1-800-...: the leading 1 is the North American country code
    new = digits[:keep] + [rng.choice(string.digits) for _ in digits[keep:]]
    if len(digits) - keep == 10 and digits[:keep] in ([], ["1"]):
        new[keep] = rng.choice("23456789")
        new[keep + 3] = rng.choice("23456789")
    elif keep > 0 and len(new) > keep:
        new[keep] = rng.choice("123456789")  # after a country code a leading 0 would be a trunk prefix
    return _put_digits(text, positions, "".join(new))


def card_like(text: str, rng: random.Random) -> str:
    """A card number of the same length and grouping that passes Luhn; the network (first two digits) kept."""
    positions = _digit_positions(text)
    digits = "".join(text[p] for p in positions)
    if len(digits) < 8:
        return random_like(text, rng)
    head = digits[:2]
    middle = "".join(rng.choice(string.digits) for _ in range(len(digits) - 3))
    payload = head + middle
    return _put_digits(text, positions, payload + luhn_check_digit(payload))


def iban_like(text: str, rng: random.Random) -> str:
    """An IBAN of the same country and length with valid check digits; grouping and case kept."""
    positions = [i for i, char in enumerate(text) if char.isascii() and char.isalnum()]
    compact = "".join(text[p] for p in positions)
    if len(compact) < 5 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return random_like(text, rng)
    country = compact[:2].upper()
    bban = random_like(compact[4:], rng).upper()
    new = country + iban_check_digits(country, bban) + bban
    chars = list(text)
    for position, char in zip(positions, new):
        chars[position] = char.lower() if text[position].islower() else char
    return "".join(chars)


def ssn_like(text: str, rng: random.Random) -> str:
    """A US SSN in an issuable range (area 001-899 but 666, group 01-99, serial 0001-9999), same separators."""
    positions = _digit_positions(text)
    if len(positions) != 9:
        return random_like(text, rng)
    while True:
        area = rng.randint(1, 899)
        if area == 666:
            continue
        digits = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        candidate = _put_digits(text, positions, digits)
        if is_valid_ssn(f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"):
            return candidate


def dea_like(text: str, rng: random.Random) -> str:
    """A DEA number (two letters, seven digits) with a valid check digit; the registrant type letter kept."""
    stripped = text.strip()
    if len(stripped) != 9 or not stripped[:2].isalpha() or not stripped[2:].isdigit():
        return random_like(text, rng)
    start = text.index(stripped)
    six = "".join(rng.choice(string.digits) for _ in range(6))
    second = rng.choice(string.ascii_uppercase)
    new = stripped[0] + (second if stripped[1].isupper() else second.lower()) + six + dea_check_digit(six)
    return text[:start] + new + text[start + 9:]


def ip_like(text: str, rng: random.Random) -> str:
    """An address of the same version: IPv4 with public-looking octets, IPv6 with the same grouping."""
    stripped = text.strip()
    try:
        address = ipaddress.ip_address(stripped)
    except ValueError:
        return random_like(text, rng)
    if address.version == 4:
        first = rng.choice([n for n in range(11, 224) if n not in (127, 169, 172, 192)])
        new = ".".join(str(octet) for octet in (first, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)))
    else:
        new = "".join(rng.choice("0123456789abcdef" if not char.isupper() else "0123456789ABCDEF")
                      if char in string.hexdigits else char for char in stripped)
    start = text.index(stripped)
    return text[:start] + new + text[start + len(stripped):]
