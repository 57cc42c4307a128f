"""Fake PII values in the many shapes real data has them: names, addresses, phones of several
countries, dates in several formats, and identifiers with valid check digits.

Every function draws from one `random.Random`, so a dataset is a pure function of its seed.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import random
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from privdesk.core.synth import lexicon
from privdesk.core.synth.checksums import aba_check_digit, dea_check_digit, iban_check_digits, luhn_check_digit
from privdesk.core.synth.pools import LocalePools, ValuePools

LOCALES: tuple[str, ...] = tuple(lexicon.LOCALE_WEIGHTS)
_LOCALE_CUM_WEIGHTS: list[int] = list(itertools.accumulate(lexicon.LOCALE_WEIGHTS.values()))


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    female: bool
    locale: str
    middle_initial: str = ""

    @property
    def full(self) -> str:
        middle = f" {self.middle_initial}." if self.middle_initial else ""
        return f"{self.first}{middle} {self.last}"


# --- helpers ---

_ASCII_FOLD = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "đ": "d"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def ascii_slug(text: str, joiner: str = "") -> str:
    """Lowercase ASCII for email local parts and host names: 'Zięcik-Łapa' -> 'zieciklapa' (or 'ziecik-lapa' with joiner '-')."""
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    plain = "".join(char for char in folded if not unicodedata.combining(char)).lower()
    return _NOT_SLUG.sub(joiner, plain).strip(joiner) if joiner else _NOT_SLUG.sub("", plain)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choices("0123456789", k=count))


def _letters(rng: random.Random, count: int) -> str:
    return "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ", k=count))


def _group(text: str, sizes: tuple[int, ...], sep: str) -> str:
    parts, position = [], 0
    for size in sizes:
        parts.append(text[position:position + size])
        position += size
    if position < len(text):
        parts.append(text[position:])
    return sep.join(part for part in parts if part)


def _chunks(text: str, size: int, sep: str) -> str:
    return sep.join(text[i:i + size] for i in range(0, len(text), size))


# --- dates ---

def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


_DATE_FORMATS = (
    lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",            # 03/14/2021
    lambda d: f"{d.month}/{d.day}/{d.year}",                    # 3/14/2021
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",            # 14.03.2021
    lambda d: f"{lexicon.MONTHS[d.month - 1]} {d.day}, {d.year}",  # March 14, 2021
    lambda d: d.isoformat(),                                    # 2021-03-14
    lambda d: f"{d.day:02d} {lexicon.MONTHS[d.month - 1][:3]} {d.year}",  # 14 Mar 2021
    lambda d: f"{d.day} {lexicon.MONTHS[d.month - 1]} {d.year}",  # 14 March 2021
    lambda d: f"{lexicon.MONTHS[d.month - 1][:3]} {d.day}, {d.year}",  # Mar 14, 2021
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",            # 14/03/2021
    lambda d: f"{d.day:02d}-{lexicon.MONTHS[d.month - 1][:3]}-{d.year}",  # 14-Mar-2021
    lambda d: f"{lexicon.MONTHS[d.month - 1]} {_ordinal(d.day)}, {d.year}",  # March 14th, 2021
    lambda d: f"the {_ordinal(d.day)} of {lexicon.MONTHS[d.month - 1]} {d.year}",  # the 14th of March 2021
    lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",  # 03/14/21
)
# Styles a dataset may fix for a whole date column.
DATE_STYLE_US, DATE_STYLE_DOTTED, DATE_STYLE_ISO = 0, 2, 4


def format_date(rng: random.Random, day: dt.date, style: int | None = None) -> str:
    index = rng.randrange(len(_DATE_FORMATS)) if style is None else style
    return _DATE_FORMATS[index](day)


def random_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


# --- phones ---

_US_AREA_CODES = (
    "201", "202", "206", "212", "213", "214", "215", "303", "305", "310", "312", "313", "314", "317", "347",
    "404", "407", "408", "412", "415", "470", "503", "510", "512", "602", "612", "617", "646", "702",
    "704", "713", "718", "720", "773", "786", "801", "808", "813", "832", "904", "917", "919", "971",
)


def _nsn_us(rng: random.Random) -> str:
    while True:
        exchange = f"{rng.randint(2, 9)}{_digits(rng, 2)}"
        if exchange[1:] != "11":
            return rng.choice(_US_AREA_CODES) + exchange + _digits(rng, 4)


def _prefixes(heads: tuple[str, ...], next_digits: str) -> tuple[str, ...]:
    return tuple(head + digit for head in heads for digit in next_digits)


# Per country: its calling code and number plans, each (prefixes, random digits after the prefix),
# chosen from ranges that phonenumbers (and so Presidio) accepts as valid. The US has its own rule.
_NUMBER_PLANS: dict[str, tuple[int, tuple[tuple[tuple[str, ...], int], ...]]] = {
    "GB": (44, ((_prefixes(("20",), "378"), 7), (_prefixes(("161", "121"), "2345789"), 6),
                (("74", "75", "77", "78", "79"), 8))),
    "DE": (49, ((_prefixes(("30",), "2345689"), 7), (_prefixes(("89",), "2345679"), 6),
                (_prefixes(("40",), "2345678"), 7), (("151", "152", "160", "170", "171", "176"), 8))),
    "FR": (33, ((tuple("1234567"), 8),)),
    "ES": (34, ((("6",), 8), (("71", "72", "73", "74"), 7), (("91", "93", "96"), 7))),
    "IT": (39, ((_prefixes(("06", "02"), "3456789"), 7), (_prefixes(("3",), "23456789"), 8))),
    "NL": (31, ((_prefixes(("20",), "2345678"), 6), (_prefixes(("6",), "1234"), 7), (_prefixes(("10",), "2345"), 6))),
    "BR": (55, ((_prefixes(tuple(f"{area}9" for area in (11, 21, 31, 41, 51, 61, 71, 81)), "6789"), 7),)),
    "IN": (91, ((tuple("6789"), 9),)),
    "PL": (48, ((tuple("567"), 8), (("12", "22", "58", "61"), 7))),
    "SE": (46, ((_prefixes(("8",), "23456789"), 6), (("70", "72", "73", "76"), 7))),
}
PHONE_COUNTRIES: tuple[str, ...] = ("US",) + tuple(_NUMBER_PLANS)
PHONE_COUNTRY_BY_LOCALE = {
    "en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR", "es_ES": "ES", "it_IT": "IT",
    "nl_NL": "NL", "pt_BR": "BR", "en_IN": "IN", "pl_PL": "PL", "sv_SE": "SE",
}
_INTL = phonenumbers.PhoneNumberFormat.INTERNATIONAL
_NATIONAL = phonenumbers.PhoneNumberFormat.NATIONAL
_E164 = phonenumbers.PhoneNumberFormat.E164


def _national_number(rng: random.Random, country: str) -> tuple[int, str]:
    if country == "US":
        return 1, _nsn_us(rng)
    code, plans = _NUMBER_PLANS[country]
    prefixes, tail = rng.choice(plans)
    return code, rng.choice(prefixes) + _digits(rng, tail)


def _valid_number(rng: random.Random, country: str) -> phonenumbers.PhoneNumber:
    for _ in range(50):
        code, nsn = _national_number(rng, country)
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(nsn))
        if nsn.startswith("0"):
            number.italian_leading_zero = True
            number.number_of_leading_zeros = len(nsn) - len(nsn.lstrip("0"))
        if phonenumbers.is_valid_number(number):
            return number
    raise RuntimeError(f"no valid {country} phone number after 50 tries")  # a bug in the generator above


def phone_number(rng: random.Random, country: str) -> str:
    """A valid phone number of `country` in one of the ways people write them."""
    number = _valid_number(rng, country)
    roll = rng.random()
    if country == "US":
        nsn = str(number.national_number)
        area, exchange, line = nsn[:3], nsn[3:6], nsn[6:]
        styles = (f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"{area}.{exchange}.{line}",
                  f"+1 {area} {exchange} {line}", f"+1-{area}-{exchange}-{line}", f"1 ({area}) {exchange}-{line}",
                  f"+1{nsn}", f"{area} {exchange} {line}")
        return styles[min(int(roll * len(styles)), len(styles) - 1)]
    if roll < 0.4:
        text = phonenumbers.format_number(number, _INTL)
        if country == "DE" and rng.random() < 0.3:
            text = text.replace("+49 ", "+49 (0)", 1)
        return text
    if roll < 0.8:
        text = phonenumbers.format_number(number, _NATIONAL)
        if country == "FR" and rng.random() < 0.4:
            text = text.replace(" ", ".")
        return text
    if roll < 0.9:
        return phonenumbers.format_number(number, _E164)
    # Digits of the national format with one separator kind, as typed by hand: "020-7946-0958".
    national = phonenumbers.format_number(number, _NATIONAL)
    return re.sub(r"[\s()-]+", rng.choice(("-", " ", "")), national).strip("- ")


_ADDRESS_COUNTRY_LINES = {
    "en_US": ("USA", "United States"), "en_GB": ("United Kingdom", "UK", "England"), "de_DE": ("Germany", "Deutschland"),
    "fr_FR": ("France",), "es_ES": ("Spain", "España"), "it_IT": ("Italy", "Italia"), "nl_NL": ("Netherlands", "Nederland"),
    "pt_BR": ("Brazil", "Brasil"), "en_IN": ("India",), "pl_PL": ("Poland", "Polska"), "sv_SE": ("Sweden", "Sverige"),
}


# --- the factory ---

class ValueFactory:
    """Draws fake values of every kind from one random generator and one template set's pools."""

    def __init__(self, rng: random.Random, pools: ValuePools):
        self.rng = rng
        self.pools = pools

    # people

    def locale(self) -> str:
        return self.rng.choices(LOCALES, cum_weights=_LOCALE_CUM_WEIGHTS)[0]

    def person(self, locale: str | None = None) -> Person:
        rng = self.rng
        locale = locale or self.locale()
        pool: LocalePools = self.pools.locales[locale]
        female = rng.random() < 0.5
        first = rng.choice(pool.first_female if female else pool.first_male)
        last = rng.choice(pool.last)
        while last == first:
            last = rng.choice(pool.last)
        if locale in ("es_ES", "pt_BR") and rng.random() < 0.35:
            second = rng.choice(pool.last)
            if second != last:
                last = f"{last} {second}"
        elif rng.random() < 0.04:
            other = rng.choice(pool.last)
            if other != last and " " not in last:
                last = f"{last}-{other}"
        middle = rng.choice("ABCDEFGHJKLMNPRSTW") if locale.startswith("en") and rng.random() < 0.12 else ""
        return Person(first=first, last=last, female=female, locale=locale, middle_initial=middle)

    def title(self, person: Person, *, doctor: bool = False) -> str:
        rng = self.rng
        if doctor:
            return rng.choice(("Dr.", "Dr.", "Dr.", "Dr", "Prof.", "Prof. Dr."))
        if person.female:
            return rng.choice(("Ms.", "Mrs.", "Miss", "Ms", "Mrs"))
        return rng.choice(("Mr.", "Mr.", "Mr"))

    def email_for(self, person: Person) -> str:
        rng = self.rng
        first, last = ascii_slug(person.first), ascii_slug(person.last)
        shape = rng.randrange(7)
        local = (f"{first}.{last}", f"{first[:1]}{last}", f"{first}_{last}", f"{first}{last}{rng.randint(1, 99)}",
                 f"{first}.{last[:1]}", f"{last}.{first}", f"{first}{rng.randint(1960, 2005)}")[shape]
        if rng.random() < 0.25:
            domain = self.company_domain()
        else:
            domain = rng.choice(lexicon.FREE_MAIL_DOMAINS[person.locale])
        return f"{local or 'user'}@{domain}"

    # places

    def _postcode(self, locale: str) -> str:
        rng = self.rng
        pool = self.pools.locales[locale]
        code = rng.choice(pool.postcodes)
        if locale == "nl_NL" and " " not in code:
            code = f"{code[:4]} {code[4:]}"
        elif locale == "pt_BR" and "-" not in code:
            code = f"{code[:5]}-{code[5:]}"
        return code

    def zip_code(self) -> str:
        rng = self.rng
        base = f"{rng.randint(1001, 99950):05d}"
        return f"{base}-{_digits(rng, 4)}" if rng.random() < 0.2 else base

    def city(self, locale: str | None = None) -> str:
        locale = locale or self.locale()
        if locale == "en_US":
            return self.rng.choice(self.pools.us_cities)[0]
        return self.rng.choice(self.pools.locales[locale].cities)

    def country(self) -> tuple[str, str]:
        return self.rng.choice(lexicon.COUNTRIES)

    def us_state(self) -> str:
        return self.rng.choice(lexicon.US_STATES)

    def _street_fixups(self, street: str, locale: str) -> str:
        rng = self.rng
        if locale == "fr_FR" and not street[:1].isdigit():
            street = f"{rng.randint(1, 120)} {street}"
        elif locale == "en_GB" and street[:1].isdigit() and rng.random() < 0.1:
            number, _, rest = street.partition(" ")
            street = f"{number}{rng.choice('ABC')} {rest}"  # "221B Baker Street"
        return street

    def street(self, locale: str | None = None) -> str:
        """A street address alone, on one line."""
        locale = locale or self.locale()
        return self._street_fixups(self.rng.choice(self.pools.locales[locale].streets), locale).replace("\n", ", ")

    def address(self, locale: str | None = None, *, multiline: bool) -> str:
        """A full postal address; multi-line ones put the street and the town on separate lines."""
        rng = self.rng
        locale = locale or rng.choice(("en_US", "en_US", "en_GB", "de_DE") + LOCALES)
        pool = self.pools.locales[locale]
        street = self._street_fixups(rng.choice(pool.streets), locale)
        if not multiline:
            street = street.replace("\n", ", ")
        if locale == "en_US":
            if rng.random() < 0.6:
                city, state = rng.choice(self.pools.us_cities)
            else:
                city, state = rng.choice(pool.cities), rng.choice(self.pools.us_state_abbrs)
            lines = [street, f"{city}, {state} {self.zip_code()}"]
        elif locale == "en_GB":
            city, postcode = rng.choice(pool.cities), self._postcode(locale)
            lines = [street, city, postcode] if rng.random() < 0.5 else [street, f"{city} {postcode}"]
        elif locale == "en_IN":
            lines = [street, f"{rng.choice(pool.cities)}{rng.choice((' ', ' - '))}{self._postcode(locale)}"]
        elif locale == "pt_BR":
            lines = [street, f"{self._postcode(locale)} {rng.choice(pool.cities)}"]
        else:
            lines = [street, f"{self._postcode(locale)} {rng.choice(pool.cities)}"]
        if multiline and rng.random() < 0.15:
            lines.append(rng.choice(_ADDRESS_COUNTRY_LINES[locale]))
        return "\n".join(lines) if multiline else ", ".join(line.replace("\n", ", ") for line in lines)

    # organisations

    def company(self, locale: str | None = None) -> str:
        return self.rng.choice(self.pools.locales[locale or self.locale()].companies)

    def company_domain(self) -> str:
        rng = self.rng
        name = rng.choice(self.pools.locales[rng.choice(LOCALES)].companies)
        words = [ascii_slug(word) for word in re.split(r"[\s,&-]+", name)]
        words = [word for word in words if word and word not in {"and", "und", "e", "y", "et", "i", "en"}]
        slug = "-".join(words[:2]) if rng.random() < 0.5 else "".join(words[:2])
        return f"{slug or 'example'}.{rng.choice(lexicon.TLDS)}"

    def hospital(self) -> str:
        return self.rng.choice(self.pools.hospitals)

    def bank(self) -> str:
        return self.rng.choice(self.pools.banks)

    def insurer(self) -> str:
        return self.rng.choice(self.pools.insurers)

    def pharmacy(self) -> str:
        return self.rng.choice(self.pools.pharmacies)

    def merchant(self) -> str:
        rng = self.rng
        return rng.choice(self.pools.merchants) if rng.random() < 0.5 else self.company()

    # identifiers

    def credit_card(self) -> str:
        rng = self.rng
        brand = rng.randrange(6)
        if brand <= 1:
            payload, length, groups = "4" + _digits(rng, 14), 16, (4, 4, 4, 4)
        elif brand == 2:
            prefix = str(rng.randint(51, 55)) if rng.random() < 0.7 else str(rng.randint(2221, 2720))
            payload, length, groups = prefix + _digits(rng, 15 - len(prefix)), 16, (4, 4, 4, 4)
        elif brand == 3:
            payload, length, groups = rng.choice(("34", "37")) + _digits(rng, 12), 15, (4, 6, 5)
        elif brand == 4:
            prefix = rng.choice(("6011", "65", str(rng.randint(3528, 3589))))
            payload, length, groups = prefix + _digits(rng, 15 - len(prefix)), 16, (4, 4, 4, 4)
        else:
            payload, length, groups = "36" + _digits(rng, 11), 14, (4, 6, 4)
        number = payload + luhn_check_digit(payload)
        assert len(number) == length
        style = rng.random()
        if style < 0.45:
            return _group(number, groups, " ")
        if style < 0.75:
            return _group(number, groups, "-")
        return number

    _IBAN_BBAN = {
        "DE": lambda r: _digits(r, 18),
        "GB": lambda r: r.choice(("NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA")) + _digits(r, 14),
        "IE": lambda r: r.choice(("AIBK", "BOFI", "IPBS")) + _digits(r, 14),
        "FR": lambda r: _digits(r, 23),
        "ES": lambda r: _digits(r, 20),
        "IT": lambda r: _letters(r, 1) + _digits(r, 22),
        "NL": lambda r: r.choice(("ABNA", "INGB", "RABO", "TRIO", "SNSB", "KNAB")) + _digits(r, 10),
        "BE": lambda r: _digits(r, 12),
        "AT": lambda r: _digits(r, 16),
        "CH": lambda r: _digits(r, 17),
        "PT": lambda r: _digits(r, 21),
        "PL": lambda r: _digits(r, 24),
        "SE": lambda r: _digits(r, 20),
        "BR": lambda r: _digits(r, 23) + r.choice("CP") + r.choice("12"),
    }
    IBAN_COUNTRIES: tuple[str, ...] = tuple(_IBAN_BBAN)

    def iban(self, country: str | None = None, *, spaced: bool | None = None) -> str:
        rng = self.rng
        country = country or rng.choice(self.IBAN_COUNTRIES)
        bban = self._IBAN_BBAN[country](rng)
        compact = country + iban_check_digits(country, bban) + bban
        if spaced is None:
            spaced = rng.random() < 0.55
        return _chunks(compact, 4, " ") if spaced else compact

    def ssn(self) -> str:
        rng = self.rng
        while True:
            area = rng.randint(1, 899)
            if area != 666:
                break
        group, serial = rng.randint(1, 99), rng.randint(1, 9999)
        sep = rng.choices(("-", "", " "), weights=(7, 2, 1))[0]
        return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"

    def us_driver_license(self) -> str:
        rng = self.rng
        shape = rng.randrange(7)
        if shape == 0:
            return _letters(rng, 1) + _digits(rng, 7)        # California
        if shape == 1:
            return _letters(rng, 1) + _digits(rng, 8)
        if shape == 2:
            return _letters(rng, 1) + _digits(rng, 12)       # Florida / Michigan, compact
        if shape == 3:
            return _digits(rng, 9)                           # New York
        if shape == 4:
            return f"{_letters(rng, 1)}{_digits(rng, 3)}-{_digits(rng, 4)}-{_digits(rng, 4)}"  # Illinois
        if shape == 5:
            return f"{_letters(rng, 1)}{_digits(rng, 3)}-{_digits(rng, 3)}-{_digits(rng, 2)}-{_digits(rng, 3)}-{_digits(rng, 1)}"  # Florida
        return _letters(rng, 2) + _digits(rng, 6)

    def us_passport(self) -> str:
        rng = self.rng
        return _letters(rng, 1) + _digits(rng, 8) if rng.random() < 0.5 else str(rng.randint(1, 9)) + _digits(rng, 8)

    def us_bank_number(self) -> str:
        rng = self.rng
        return str(rng.randint(1, 9)) + _digits(rng, rng.randint(7, 16))

    def dea_number(self, last_name: str | None = None) -> str:
        rng = self.rng
        initial = ascii_slug(last_name or "")[:1].upper() or _letters(rng, 1)
        six = _digits(rng, 6)
        return rng.choice("ABFGMPR") + initial + six + dea_check_digit(six)

    def ipv4(self) -> str:
        rng = self.rng
        if rng.random() < 0.2:
            return rng.choice((f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                               f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"))
        first = rng.choice([n for n in range(11, 224) if n not in (127, 169, 172, 192)])
        return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"

    def ipv6(self) -> str:
        rng = self.rng
        groups = [rng.choice((0x2001, 0x2a00, 0x2a02, 0x2600, 0x2c0f, 0xfe80))] + [rng.getrandbits(16) for _ in range(7)]
        for index in range(rng.randint(0, 3)):  # runs of zero groups, so the "::" form shows up
            groups[3 + index] = 0
        address = ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups))
        return address.exploded if rng.random() < 0.15 else address.compressed

    def ip_address(self) -> str:
        return self.ipv4() if self.rng.random() < 0.7 else self.ipv6()

    def url(self, person: Person | None = None) -> str:
        rng = self.rng
        if person is not None and rng.random() < 0.5:
            first, last = ascii_slug(person.first), ascii_slug(person.last)
            return rng.choice((f"https://www.linkedin.com/in/{first}-{last}-{rng.randint(10, 999)}",
                               f"https://github.com/{first[:1]}{last}", f"facebook.com/{first}.{last}",
                               f"https://{first}{last}.com", f"http://www.{last}-{first}.net/blog"))
        scheme = rng.choice(("https://", "https://", "http://", ""))
        host = ("www." if rng.random() < 0.5 or not scheme else "") + self.company_domain()
        path = rng.choice(lexicon.URL_PATHS)
        if path and rng.random() < 0.25:
            path += rng.choice((f"?id={_digits(rng, 5)}", "?ref=newsletter", f"?session={_letters(rng, 6).lower()}", "#top"))
        return scheme + host + path

    def phone(self, country: str | None = None) -> str:
        country = country or PHONE_COUNTRY_BY_LOCALE[self.locale()]
        return phone_number(self.rng, country)

    # non-PII look-alikes: ids, amounts, times and clinical numbers that a detector must leave alone

    def order_number(self) -> str:
        rng = self.rng
        return rng.choice((f"#{rng.randint(10000, 999999)}", f"ORD-{rng.randint(2019, 2024)}-{_digits(rng, 6)}",
                           f"PO {rng.randint(100000, 999999)}", f"{_letters(rng, 2)}-{_digits(rng, 7)}",
                           f"{rng.randint(100, 999)}-{_digits(rng, 7)}-{_digits(rng, 7)}"))

    def reference(self) -> str:
        rng = self.rng
        return rng.choice((f"INV-{_digits(rng, 5)}", f"REF{_digits(rng, 8)}", f"CASE-{rng.randint(1000, 99999)}",
                           f"{_letters(rng, 3)}/{rng.randint(2019, 2024)}/{_digits(rng, 4)}", f"TKT{_digits(rng, 6)}",
                           f"1Z{_letters(rng, 3)}{_digits(rng, 3)}{_letters(rng, 2)}{_digits(rng, 8)}"))

    def time_of_day(self) -> str:
        rng = self.rng
        hour, minute = rng.randint(0, 23), rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50, 55))
        shape = rng.randrange(4)
        if shape == 0:
            return f"{hour:02d}:{minute:02d}"
        twelve = hour % 12 or 12
        suffix = "am" if hour < 12 else "pm"
        if shape == 1:
            return f"{twelve}:{minute:02d} {suffix}"
        if shape == 2:
            return f"{twelve}{suffix}"
        return f"{twelve}:{minute:02d} {suffix.upper()}"

    def money(self) -> str:
        rng = self.rng
        value = rng.choice((rng.randint(1, 99) + rng.randint(0, 99) / 100, rng.randint(100, 4999) + rng.choice((0, 0.5, 0.99))))
        return rng.choice((f"${value:,.2f}", f"€{value:.2f}", f"£{value:.2f}", f"{value:.2f} EUR", f"USD {value:,.2f}",
                           f"{value:,.2f} zł", f"R$ {value:.2f}".replace(".", ",")))

    def vital(self) -> str:
        rng = self.rng
        return rng.choice((f"BP {rng.randint(95, 175)}/{rng.randint(55, 105)}", f"HR {rng.randint(48, 128)} bpm",
                           f"SpO2 {rng.randint(88, 100)}%", f"temp {rng.randint(360, 395) / 10:.1f} °C",
                           f"RR {rng.randint(10, 28)}", f"weight {rng.randint(45, 140)} kg", f"BMI {rng.randint(170, 420) / 10:.1f}"))

    def lab(self) -> str:
        rng = self.rng
        return rng.choice((f"HbA1c {rng.randint(50, 120) / 10:.1f}%", f"creatinine {rng.randint(5, 30) / 10:.1f} mg/dL",
                           f"WBC {rng.randint(30, 180) / 10:.1f}", f"LDL {rng.randint(60, 210)} mg/dL",
                           f"TSH {rng.randint(3, 90) / 10:.1f} mIU/L", f"Hb {rng.randint(80, 170) / 10:.1f} g/dL",
                           f"potassium {rng.randint(30, 58) / 10:.1f} mmol/L", f"CRP {rng.randint(1, 150)} mg/L"))

    def mrn(self) -> str:
        rng = self.rng
        return rng.choice((f"{_digits(rng, 8)}", f"MRN{_digits(rng, 7)}", f"{_letters(rng, 1)}{_digits(rng, 7)}"))

    def routing_number(self) -> str:
        eight = f"{self.rng.choice(('0', '1', '2', '3'))}{_digits(self.rng, 7)}"
        return eight + aba_check_digit(eight)
