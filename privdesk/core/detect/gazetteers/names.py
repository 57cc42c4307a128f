"""Given names and surnames of many countries, from the name lists that ship with Faker.

Faker's person providers hold census-style lists (often weighted dicts) for about 80 locales; the
Latin-script entries of all of them give ~20,000 given names and ~20,000 surnames. They are read
from the installed package at run time: nothing is downloaded and nothing is copied into PrivDesk.

`strong_first` are given names that are not also ordinary English words ("Helena", "Rafał");
`weak_first` are the ones that are ("May", "Will", "Grant", "Hope"), which only count next to a
known surname or another cue.
"""

from __future__ import annotations

import functools
import importlib
import logging
import pkgutil
from dataclasses import dataclass

import regex as re

from privdesk.core.detect.gazetteers.common_words import is_common_word

log = logging.getLogger(__name__)

_LATIN = re.compile(r"^[\p{Script=Latin}\p{M}'’\-]+$")
_FIRST_NAME_ATTRIBUTES = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")
# Particles inside surnames: "van der Berg", "da Silva", "de la Cruz", "bin Laden", "van 't Erve".
PARTICLES = frozenset("van von der den de del della delle da das dos do du di le la lo ter ten te 't bin ibn al el "
                      "y e mac st. st".split())
# Too short or too common in other senses to count as a name on their own, whatever the lists say.
_NEVER_NAMES = frozenset("""a i o u an as at be by do go he if in is it me my no of on or so to up us we ok mr mrs ms
dr st mt ft the and for not but you all any can had her was one our out day get has him his how man new now old see
two way who its let put say she too use dear note plan""".split())


@dataclass(frozen=True)
class NameLists:
    strong_first: frozenset[str]
    weak_first: frozenset[str]
    last: frozenset[str]
    common_last: frozenset[str]  # surnames that are also ordinary words ("Young", "Page")

    def is_first(self, word: str) -> bool:
        lowered = word.lower()
        return lowered in self.strong_first or lowered in self.weak_first

    def is_strong_first(self, word: str) -> bool:
        return word.lower() in self.strong_first

    def is_last(self, word: str) -> bool:
        """A known surname; a double-barrelled one ("Tarantino-Detti") counts when one of its parts is known."""
        lowered = word.lower()
        return lowered in self.last or ("-" in lowered and any(p in self.last for p in lowered.split("-")))

    def is_strong_last(self, word: str) -> bool:
        lowered = word.lower()
        if "-" in lowered:
            return any(p in self.last and p not in self.common_last for p in lowered.split("-"))
        return lowered in self.last and lowered not in self.common_last


# Locales split surnames by gender or keep a unisex list beside them (ru_RU, pl_PL, cs_CZ, ...).
_LAST_NAME_ATTRIBUTES = ("last_names", "last_names_male", "last_names_female", "male_last_names", "female_last_names",
                         "unisex_last_names", "last_names_nonbinary")


def _list_attribute(provider: type, attribute: str):
    # Look the attribute up on the class and its bases without triggering properties (some locales use them).
    for base in provider.__mro__:
        if attribute in base.__dict__:
            value = base.__dict__[attribute]
            return value if isinstance(value, (list, tuple, dict, set, frozenset)) else None
    return None


def _person_providers():
    import faker.providers.person as person_package

    for module_info in pkgutil.iter_modules(person_package.__path__):
        try:
            module = importlib.import_module(f"faker.providers.person.{module_info.name}")
        except ImportError:  # a locale module that needs an optional dependency
            continue
        provider = getattr(module, "Provider", None)
        if provider is not None:
            yield provider


def _words(values) -> set[str]:
    found = set()
    for value in values:
        for part in str(value).split():
            if _LATIN.match(part) and len(part) >= 2:
                found.add(part.lower())
    return found


@functools.lru_cache(maxsize=1)
def name_lists() -> NameLists:
    first: set[str] = set()
    last: set[str] = set()
    for provider in _person_providers():
        for attribute in _FIRST_NAME_ATTRIBUTES:
            values = _list_attribute(provider, attribute)
            if values:
                first |= _words(values)
        for attribute in _LAST_NAME_ATTRIBUTES:
            values = _list_attribute(provider, attribute)
            if values:
                last |= _words(values)
    first -= _NEVER_NAMES | PARTICLES
    last -= _NEVER_NAMES | PARTICLES
    strong = frozenset(w for w in first if len(w) >= 3 and not is_common_word(w))
    weak = frozenset(first - strong)
    common_last = frozenset(w for w in last if is_common_word(w))
    log.debug("name gazetteer: %d given names (%d ambiguous), %d surnames", len(first), len(weak), len(last))
    return NameLists(strong_first=strong, weak_first=weak, last=frozenset(last), common_last=common_last)
