"""Pools of Faker values per locale, built once per process and split between the template sets.

Calling Faker per field costs ~60 µs a value and would cap generation far below 2,000 records/s, so
each locale's names, streets, cities, postcodes and companies are drawn once (fixed seed: the
pools, like the datasets, are deterministic) and the generator samples from them.

The vocabularies are split by a stable hash between the "dev" and "heldout" template sets: a
detector trained on dev data must recognise names, streets and companies it has never seen when
it is benchmarked on heldout data.
"""

from __future__ import annotations

import functools
import random
import re
import zlib
from dataclasses import dataclass

from faker import Faker

from privdesk.core.synth import lexicon

TEMPLATE_SETS: tuple[str, ...] = ("dev", "heldout")

_POOL_SEED = 20240611
_DIGITS = re.compile(r"\d+")
_HELDOUT_SHARE = 4  # one value in four goes to the heldout side
_MIN_SPLIT_SIZE = 8  # below this a side falls back to the whole pool rather than repeat a handful


@dataclass(frozen=True)
class LocalePools:
    first_male: tuple[str, ...]
    first_female: tuple[str, ...]
    last: tuple[str, ...]
    streets: tuple[str, ...]
    cities: tuple[str, ...]
    postcodes: tuple[str, ...]
    companies: tuple[str, ...]


@dataclass(frozen=True)
class ValuePools:
    """Everything the value factory samples from, for one template set."""

    locales: dict[str, LocalePools]
    us_cities: tuple[tuple[str, str], ...]  # (city, state abbreviation)
    us_state_abbrs: tuple[str, ...]
    hospitals: tuple[str, ...]
    banks: tuple[str, ...]
    insurers: tuple[str, ...]
    pharmacies: tuple[str, ...]
    merchants: tuple[str, ...]


def _unique(values: list[str]) -> tuple[str, ...]:
    # dict keeps first-seen order, so the pools do not depend on hash randomisation.
    return tuple(dict.fromkeys(value.strip() for value in values if value.strip()))


def _is_heldout(value: str) -> bool:
    # House numbers are stripped so "12 Baker Street" and "40 Baker Street" land on the same side.
    key = _DIGITS.sub("", value).strip().lower()
    return zlib.crc32(key.encode("utf-8")) % _HELDOUT_SHARE == 0


def _side(values: tuple[str, ...], template_set: str) -> tuple[str, ...]:
    want_heldout = template_set == "heldout"
    chosen = tuple(value for value in values if _is_heldout(value) == want_heldout)
    return chosen if len(chosen) >= _MIN_SPLIT_SIZE else values


def _looks_like_company(name: str) -> bool:
    # Some locales return a bare surname as a company; as gold ORGANIZATION it would be indistinguishable from PERSON.
    return any(mark in name for mark in (" ", "-", "&"))


def _draw_cities(fake: Faker, count: int, seed: int) -> list[str]:
    # Some locales (it_IT) build their city list from a set, so its order, and what a seeded Faker
    # draws from it, changes with hash randomisation. Sorting that list first keeps the pools stable.
    listed = getattr(fake.provider("faker.providers.address"), "cities", None)
    if isinstance(listed, (list, tuple)) and listed:
        return random.Random(seed).sample(sorted(set(listed)), min(count, len(set(listed))))
    return [fake.city() for _ in range(count)]


@functools.lru_cache(maxsize=1)
def _raw_locale_pools() -> dict[str, LocalePools]:
    pools: dict[str, LocalePools] = {}
    for index, locale in enumerate(lexicon.LOCALE_WEIGHTS):
        fake = Faker(locale)
        fake.seed_instance(_POOL_SEED + index)
        pools[locale] = LocalePools(
            first_male=_unique([fake.first_name_male() for _ in range(300)]),
            first_female=_unique([fake.first_name_female() for _ in range(300)]),
            last=_unique([fake.last_name() for _ in range(400)]),
            streets=_unique([fake.street_address() for _ in range(200)]),
            cities=_unique(_draw_cities(fake, 120, _POOL_SEED + index) + list(lexicon.REAL_CITIES.get(locale, ()))),
            postcodes=_unique([fake.postcode() for _ in range(150)]),
            companies=_unique([name for name in (fake.company() for _ in range(150)) if _looks_like_company(name)]),
        )
    return pools


@functools.lru_cache(maxsize=1)
def _us_state_abbrs() -> tuple[str, ...]:
    fake = Faker("en_US")
    fake.seed_instance(_POOL_SEED)
    return tuple(sorted({fake.state_abbr(include_territories=False) for _ in range(400)}))


def _fill_patterns(patterns: tuple[str, ...], cities: tuple[str, ...], lasts: tuple[str, ...]) -> tuple[str, ...]:
    """Institution names from patterns: every pattern with a stride through cities and surnames."""
    names: list[str] = []
    for index in range(max(len(cities), len(lasts))):
        pattern = patterns[index % len(patterns)]
        names.append(pattern.format(city=cities[index % len(cities)], last=lasts[(index * 7) % len(lasts)],
                                     saint=lexicon.SAINTS[index % len(lexicon.SAINTS)]))
    return _unique(names)


@functools.lru_cache(maxsize=len(TEMPLATE_SETS))
def pools_for(template_set: str) -> ValuePools:
    """The value pools of one template set (built on first use, then cached for the process)."""
    if template_set not in TEMPLATE_SETS:
        raise ValueError(f"unknown template set {template_set!r}; choose one of {', '.join(TEMPLATE_SETS)}")
    raw = _raw_locale_pools()
    locales = {
        locale: LocalePools(
            first_male=_side(pool.first_male, template_set),
            first_female=_side(pool.first_female, template_set),
            last=_side(pool.last, template_set),
            streets=_side(pool.streets, template_set),
            cities=_side(pool.cities, template_set),
            postcodes=pool.postcodes,  # postcodes are formats, not a vocabulary worth holding out
            companies=_side(pool.companies, template_set),
        )
        for locale, pool in raw.items()
    }
    english_cities = _side(tuple(lexicon.US_CITIES) + lexicon.REAL_CITIES["en_GB"], template_set)
    english_lasts = locales["en_US"].last + locales["en_GB"].last
    return ValuePools(
        locales=locales,
        us_cities=tuple((city, lexicon.US_CITIES[city]) for city in _side(tuple(lexicon.US_CITIES), template_set)),
        us_state_abbrs=_us_state_abbrs(),
        hospitals=_fill_patterns(lexicon.HOSPITAL_PATTERNS, english_cities, english_lasts),
        banks=_fill_patterns(lexicon.BANK_PATTERNS, english_cities, english_lasts),
        insurers=_fill_patterns(lexicon.INSURER_PATTERNS, english_cities, english_lasts),
        pharmacies=_fill_patterns(lexicon.PHARMACY_PATTERNS, english_cities, english_lasts),
        merchants=_side(lexicon.MERCHANTS, template_set),
    )
