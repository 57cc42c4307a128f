"""Consistent, realistic surrogates: fake values that stand in for real ones.

The same original value (in its normal form, see keying.normalise_value) always gets the same
surrogate, in every run, because the random generator behind it is seeded with
HMAC(project secret, locale, entity type, value): no table of originals has to be stored, and
without the secret the surrogates say nothing about the originals.

Surrogates keep the form of what they replace: names keep their number of parts, initials and
case, and each part is replaced on its own, so "Kathleen E. Payne" and a later "Payne" stay the
same person; phone numbers, card numbers (Luhn), IBANs (mod 97, same country), SSNs and DEA
numbers keep their shape and validity; dates keep their format; emails keep a local@domain form.
A surrogate never equals the original and never contains it.
"""

from __future__ import annotations

import importlib
import random
import re
from collections import OrderedDict
from functools import cached_property, lru_cache
from typing import Callable

import faker
import faker.config

from privdesk.core.mask import dates, shapes
from privdesk.core.mask.keying import KeyedDigest, normalise_value
from privdesk.core.synth import lexicon

_ATTEMPTS = 12
_CACHE_SIZE = 50_000
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
# Titles before a name and suffixes after it stay as they are ("Dr. Jane Roe, MD"); only as the first or
# last words, so a surname that happens to be spelt like one is still replaced.
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "dame", "rev"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "md", "phd", "rn", "dds"})
_INSTITUTION_WORDS = ("Medical Center", "Medical Centre", "Hospital", "Clinic", "Pharmacy", "Health", "Bank",
                      "University", "College", "School", "Insurance", "Labs", "Group")
_AGE_NUMBER = re.compile(r"(?<!\d)\d{1,3}(?!\d)")


# Locales whose first names tell a lone given name ("Vilma") from a lone surname, whatever the output locale.
_FIRST_NAME_LOCALES = ("en_US", "en_GB", "en_IN", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "pt_PT",
                       "pl_PL", "sv_SE", "da_DK", "no_NO", "fi_FI", "cs_CZ", "tr_TR")


def known_locale(name: str) -> bool:
    return name in faker.config.AVAILABLE_LOCALES


@lru_cache(maxsize=1)
def known_first_names() -> frozenset[str]:
    names: set[str] = set()
    for locale in _FIRST_NAME_LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attribute in ("first_names", "first_names_female", "first_names_male"):
            names.update(name.casefold() for name in getattr(provider, attribute, None) or ())
    return frozenset(names)


def _cased_like(new: str, original: str) -> str:
    letters = [char for char in original if char.isalpha()]
    if letters and all(char.isupper() for char in letters) and len(letters) > 1:
        return new.upper()
    if letters and all(char.islower() for char in letters):
        return new.lower()
    return new


def acceptable(candidate: str, original: str) -> bool:
    """A surrogate must differ from the original and must not contain it (nor be contained in it)."""
    new = normalise_value("", candidate)
    old = normalise_value("", original)
    if not new or new == old:
        return False
    if len(old) >= 3 and old in new:
        return False
    return not (len(new) >= 3 and new in old)


class _LocalePools:
    """Word lists of one Faker locale, pulled out once: indexing a list is far cheaper than a Faker call."""

    def __init__(self, locale: str):
        self.faker = faker.Faker(locale)
        self.generator = self.faker.factories[0]
        person = self._provider("person")
        first = getattr(person, "first_names", None) or (
            tuple(getattr(person, "first_names_female", ())) + tuple(getattr(person, "first_names_male", ())))
        last = getattr(person, "last_names", None) or ()
        self.first_names = tuple(name for name in first if name.isalpha()) or ("Alex", "Sam", "Robin", "Kim")
        self.last_names = tuple(name for name in last if name.replace("-", "").isalpha()) or ("Smith", "Jones")
        self.first_name_set = frozenset(name.casefold() for name in self.first_names) | known_first_names()
        mail = self._provider("internet")
        free = tuple(getattr(mail, "free_email_domains", ()) or ())
        self.free_domains = lexicon.FREE_MAIL_DOMAINS.get(locale, ()) or free or ("example.com",)
        self.free_domain_set = frozenset(domain for table in lexicon.FREE_MAIL_DOMAINS.values() for domain in table) | set(free)

    def _provider(self, kind: str):
        for provider in self.generator.get_providers():
            if f".{kind}" in type(provider).__module__:
                return provider
        return None

    def seeded(self, seed: int) -> faker.Generator:
        self.generator.seed_instance(seed)
        return self.generator


class SurrogateGenerator:
    """Makes consistent surrogates for one project secret and locale."""

    def __init__(self, secret: bytes, locale: str = "en_US"):
        if not known_locale(locale):
            raise ValueError(f"unknown Faker locale {locale!r}")
        self.locale = locale
        self._digest = KeyedDigest(secret, "surrogate")
        self._cache: OrderedDict[tuple[str, str], str | None] = OrderedDict()
        self._tokens: dict[tuple[str, str], str] = {}
        self._makers: dict[str, Callable[[str, random.Random], str | None]] = {
            "EMAIL_ADDRESS": self._email,
            "PHONE_NUMBER": shapes.phone_like,
            "CREDIT_CARD": shapes.card_like,
            "IBAN_CODE": shapes.iban_like,
            "US_SSN": shapes.ssn_like,
            "MEDICAL_LICENSE": shapes.dea_like,
            "IP_ADDRESS": shapes.ip_like,
            "URL": self._url,
            "DATE_TIME": self._date,
            "AGE": self._age,
            "LOCATION": self._location,
            "ORGANIZATION": self._organization,
            "NRP": self._nrp,
        }

    @cached_property
    def _pools(self) -> _LocalePools:
        return _LocalePools(self.locale)

    def _rng(self, *parts: str) -> random.Random:
        return random.Random(self._digest.integer(self.locale, *parts))

    def surrogate(self, entity_type: str, text: str, *, avoid: Callable[[str], bool] | None = None) -> str | None:
        """The surrogate of `text`, or None when no acceptable one could be made (the caller falls back).

        `avoid` rejects candidates (the masker passes "equals or contains another original value of the
        record"); only then does the value get another surrogate than its usual one.
        """
        key = (entity_type, text)
        if key in self._cache:
            self._cache.move_to_end(key)
            result = self._cache[key]
        else:
            result = self._make(entity_type, text)
            self._cache[key] = result
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        if result is None or avoid is None or not avoid(result):
            return result
        for shift in range(1, _ATTEMPTS):
            candidate = self._make(entity_type, text, shift)
            if candidate is not None and not avoid(candidate):
                return candidate
        return None

    def _make(self, entity_type: str, text: str, shift: int = 0) -> str | None:
        if not text.strip():
            return None
        if entity_type == "PERSON":
            candidate = self._person(text, shift)
            return candidate if candidate is not None and acceptable(candidate, text) else None
        maker = self._makers.get(entity_type, shapes.random_like)
        normal = normalise_value(entity_type, text)
        for attempt in range(shift * _ATTEMPTS, (shift + 1) * _ATTEMPTS):
            candidate = maker(text, self._rng("value", entity_type, normal, str(attempt)))
            if candidate is not None and acceptable(candidate, text):
                return candidate
        return None

    # ---- names ----------------------------------------------------------------------------------------

    def _person(self, text: str, shift: int = 0) -> str | None:
        tokens = list(_TOKEN.finditer(text))
        while tokens and tokens[0].group().casefold() in _TITLES:
            tokens.pop(0)
        while len(tokens) > 1 and tokens[-1].group().casefold() in _SUFFIXES:
            tokens.pop()
        if not tokens:
            return None
        surname_group = self._surname_tokens(text, tokens)
        pieces = []
        position = 0
        for index, match in enumerate(tokens):
            pieces.append(text[position:match.start()])
            role = "last" if index in surname_group else "first"
            pieces.append(self.name_token(match.group(), role, shift))
            position = match.end()
        pieces.append(text[position:])
        return "".join(pieces)

    def _surname_tokens(self, text: str, tokens: list[re.Match[str]]) -> set[int]:
        if len(tokens) == 1:
            word = tokens[0].group()
            return set() if word.casefold() in self._pools.first_name_set and len(word) > 1 else {0}
        comma = text.find(",")
        if comma != -1 and tokens[0].end() <= comma < tokens[-1].start():
            return {i for i, token in enumerate(tokens) if token.end() <= comma}  # "Roe, Jane"
        # The last word and anything joined to it by hyphens ("Blomberg-Einarsson") is the surname.
        surname = {len(tokens) - 1}
        for index in range(len(tokens) - 2, -1, -1):
            gap = text[tokens[index].end():tokens[index + 1].start()]
            if gap != "-":
                break
            surname.add(index)
        return surname

    def name_token(self, word: str, role: str, shift: int = 0) -> str:
        """One part of a name ("first" or "last") replaced on its own, so the same part always gets the
        same stand-in wherever it appears (`shift` > 0 asks for another one, see surrogate())."""
        if len(word) == 1:
            letters = [char for char in "ABCDEFGHIJKLMNOPRSTVW" if char != word.upper()]
            letter = letters[self._digest.integer(self.locale, "initial", word.casefold(), str(shift)) % len(letters)]
            return letter.lower() if word.islower() else letter
        key = (role, word)
        if shift == 0 and key in self._tokens:
            return self._tokens[key]
        pool = self._pools.last_names if role == "last" else self._pools.first_names
        choice = "Morgan" if word.casefold() != "morgan" else "Taylor"
        for attempt in range(shift * _ATTEMPTS, (shift + 1) * _ATTEMPTS):
            candidate = pool[self._digest.integer(self.locale, "name", role, word.casefold(), str(attempt)) % len(pool)]
            if acceptable(candidate, word):
                choice = candidate
                break
        result = _cased_like(choice, word)
        if shift == 0:
            if len(self._tokens) > _CACHE_SIZE:
                self._tokens.clear()
            self._tokens[key] = result
        return result

    # ---- other types -----------------------------------------------------------------------------------

    def _email(self, text: str, rng: random.Random) -> str | None:
        local, at, domain = text.rpartition("@")
        if not at or not local or not domain:
            return shapes.random_like(text, rng)
        parts = re.split(r"([._+\-])", local)
        words = [part for part in parts if part and part.isalpha()]
        new_parts = []
        word_index = 0
        for part in parts:
            if not part or part in "._+-":
                new_parts.append(part)
            elif part.isalpha():
                role = "first" if word_index == 0 and len(words) > 1 else "last"
                word_index += 1
                new_parts.append(self.name_token(part, role).lower() if len(part) > 1 else rng.choice("abcdefghjkmnprstw"))
            else:
                new_parts.append(shapes.random_like(part, rng).lower())
        if domain.lower() in self._pools.free_domain_set:
            new_domain = rng.choice(self._pools.free_domains)
        else:
            new_domain = self._pools.seeded(rng.getrandbits(48)).domain_name()
        return "".join(new_parts) + "@" + new_domain

    def _url(self, text: str, rng: random.Random) -> str | None:
        match = re.match(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)?(?P<www>www\.)?(?P<host>[^/?#\s]+)(?P<rest>.*)", text.strip(),
                         re.DOTALL)
        if match is None:
            return shapes.random_like(text, rng)
        host = self._pools.seeded(rng.getrandbits(48)).domain_name()
        rest = shapes.random_like(match.group("rest"), rng).lower() if match.group("rest") else ""
        start = text.index(text.strip())
        new = (match.group("scheme") or "") + (match.group("www") or "") + host + rest
        return text[:start] + new + text[start + len(text.strip()):]

    def _date(self, text: str, rng: random.Random) -> str | None:
        offset = rng.randint(30, 730) * rng.choice((-1, 1))
        return dates.shift_date_text(text, offset)

    def _age(self, text: str, rng: random.Random) -> str | None:
        matches = list(_AGE_NUMBER.finditer(text))
        if len(matches) != 1:
            return None
        age = int(matches[0].group())
        low, high = (1, 17) if age < 18 else (18, 89) if age < 90 else (90, 104)
        new = rng.randint(low, high)
        if new == age:
            new = low if age != low else high
        return text[:matches[0].start()] + str(new) + text[matches[0].end():]

    def _location(self, text: str, rng: random.Random) -> str | None:
        generator = self._pools.seeded(rng.getrandbits(48))
        stripped = text.strip()
        if any(char.isdigit() for char in stripped):
            address = generator.address()
            if "\n" not in stripped:
                address = address.replace("\n", ", ")
            new = address
        elif stripped in lexicon.US_STATES:
            new = rng.choice(lexicon.US_STATES)
        elif stripped in {name for _, name in lexicon.COUNTRIES}:
            new = rng.choice([name for _, name in lexicon.COUNTRIES if len(name) > 2])
        else:
            new = generator.city()
        start = text.index(stripped)
        return text[:start] + _cased_like(new, stripped) + text[start + len(stripped):]

    def _organization(self, text: str, rng: random.Random) -> str | None:
        stripped = text.strip()
        generator = self._pools.seeded(rng.getrandbits(48))
        for word in _INSTITUTION_WORDS:
            if stripped.casefold().endswith(word.casefold()) and len(stripped) > len(word):
                new = f"{generator.last_name()} {stripped[-len(word):]}"
                break
        else:
            new = generator.company()
        start = text.index(stripped)
        return text[:start] + _cased_like(new, stripped) + text[start + len(stripped):]

    def _nrp(self, text: str, rng: random.Random) -> str | None:
        stripped = text.strip()
        folded = stripped.casefold()
        for group in (lexicon.RELIGIONS, lexicon.POLITICAL_GROUPS, lexicon.NATIONALITIES):
            if any(term.casefold() == folded for term in group):
                break
        else:
            group = lexicon.NATIONALITIES
        new = rng.choice(group)
        start = text.index(stripped)
        return text[:start] + _cased_like(new, stripped) + text[start + len(stripped):]
