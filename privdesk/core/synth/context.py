"""The record context: who and what one record talks about, and how each template slot is filled.

A record keeps its people (the patient, the doctor, the customer...) so that a note that names
"Mrs. Okafor" in one sentence and "Adaeze Okafor" in the next is about the same person, and the
patient's age in the text agrees with the date of birth in the `dob` column.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from privdesk.core.synth import lexicon
from privdesk.core.synth.templating import TextBuilder, render
from privdesk.core.synth.values import PHONE_COUNTRY_BY_LOCALE, Person, ValueFactory, format_date, random_day

Fragment = tuple[str, "str | None"]

PERSON_ROLES: frozenset[str] = frozenset(
    {"patient", "doctor", "nurse", "relative", "customer", "agent", "payee", "colleague", "person"}
)
# Role "person" is a stranger: a new one at every mention.
_FRESH_ROLE = "person"

# Entity types whose values a sloppy writer would type in lower case; identifiers keep their case.
_CASE_FOLDABLE = frozenset({"PERSON", "LOCATION", "ORGANIZATION", "NRP"})
_WORD = re.compile(r"[A-Za-z]{4,}")

OCCUPATIONS = (
    "teacher", "bus driver", "nurse", "software engineer", "cashier", "farmer", "accountant", "chef",
    "electrician", "student", "retired postman", "lawyer", "warehouse operative", "pharmacist", "plumber",
)
_RELATIONS_FEMALE = ("wife", "daughter", "mother", "sister", "partner", "niece", "granddaughter")
_RELATIONS_MALE = ("husband", "son", "father", "brother", "partner", "nephew", "grandson")


@dataclass(frozen=True)
class Style:
    """How carefully a record is written."""

    typo_rate: float = 0.0  # chance per literal word of four letters or more
    lowercase_names: bool = False
    lowercase_all: bool = False


def draw_style(rng: random.Random, *, lowercase_names: float, lowercase_all: float) -> Style:
    roll = rng.random()
    typo_rate = 0.0 if roll < 0.8 else (0.03 if roll < 0.95 else 0.08)
    everything = rng.random() < lowercase_all
    return Style(typo_rate=typo_rate, lowercase_names=everything or rng.random() < lowercase_names,
                 lowercase_all=everything)


def _typo(rng: random.Random, word: str) -> str:
    index = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:  # swapped neighbours
        return word[:index - 1] + word[index] + word[index - 1] + word[index + 1:]
    if kind == 1:  # dropped letter
        return word[:index] + word[index + 1:]
    if kind == 2:  # doubled letter
        return word[:index] + word[index] + word[index:]
    return word[:index] + rng.choice("aeiourstnl") + word[index + 1:]  # wrong key


class RecordContext:
    """Fills the slots of one record's templates; implements templating.RenderContext."""

    def __init__(self, values: ValueFactory, templates: Mapping[str, Sequence[str]], *,
                 anchor: dt.date, style: Style, locale: str | None = None):
        self.values = values
        self.rng = values.rng
        self.templates = templates
        self.anchor = anchor  # "today" for the record: the visit, the ticket, the transaction
        self.style = style
        self.locale = locale or values.locale()
        self.people: dict[str, Person] = {}
        self._emails: dict[str, str] = {}
        self._phones: dict[str, str] = {}
        self._dea: dict[str, str] = {}
        self._relations: dict[str, str] = {}
        self._titles: dict[str, str] = {}
        self.patient_dob: dt.date | None = None
        self.record_mrn: str | None = None  # the record's MRN, so the text quotes the one in the mrn column

    # --- RenderContext ---

    def pool(self, name: str) -> Sequence[str]:
        try:
            return self.templates[name]
        except KeyError:
            raise KeyError(f"template pool {name!r} does not exist") from None

    def style_literal(self, text: str) -> str:
        if self.style.typo_rate:
            rng, rate = self.rng, self.style.typo_rate
            text = _WORD.sub(lambda m: _typo(rng, m.group()) if rng.random() < rate else m.group(), text)
        if self.style.lowercase_all:
            text = text.lower()
        return text

    def fill_slot(self, name: str, variant: str, out: TextBuilder) -> None:
        if name in PERSON_ROLES:
            fragments = self._person_slot(name, variant)
        else:
            handler = SLOTS.get(name)
            if handler is None:
                raise KeyError(f"unknown template slot {name!r}")
            fragments = handler(self, variant)
        for text, entity_type in fragments:
            if entity_type is None:
                out.literal(self.style_literal(text))
                continue
            if variant == "upper":
                text = text.upper()
            elif entity_type in _CASE_FOLDABLE and (
                    self.style.lowercase_all or (entity_type == "PERSON" and self.style.lowercase_names)):
                text = text.lower()
            out.entity(text, entity_type)

    def render(self, template: str) -> TextBuilder:
        out = TextBuilder()
        render(template, self, out)
        return out

    def render_pool(self, pool: str) -> TextBuilder:
        return self.render(self.rng.choice(self.pool(pool)))

    # --- people ---

    def person(self, role: str) -> Person:
        if role == _FRESH_ROLE:
            return self.values.person(self._nearby_locale())
        found = self.people.get(role)
        if found is None:
            found = self.values.person(self.locale if role in ("patient", "customer", "relative") else self._nearby_locale())
            self.people[role] = found
        return found

    def _nearby_locale(self) -> str:
        # People in one record mostly share a country, but not always.
        return self.locale if self.rng.random() < 0.6 else self.values.locale()

    def email(self, role: str) -> str:
        if role == _FRESH_ROLE:
            return self.values.email_for(self.person(role))
        if role not in self._emails:
            self._emails[role] = self.values.email_for(self.person(role))
        return self._emails[role]

    def phone(self, role: str) -> str:
        if role not in self._phones or role == _FRESH_ROLE:
            person = self.person(role)
            country = PHONE_COUNTRY_BY_LOCALE[person.locale] if self.rng.random() < 0.8 else None
            self._phones[role] = self.values.phone(country)
        return self._phones[role]

    def _title(self, role: str, person: Person) -> str:
        # A writer sticks to one title per person ("Dr." or "Prof."), so it is drawn once per role.
        title = self._titles.get(role)
        if title is None:
            if role == "doctor":
                title = self.values.title(person, doctor=True)
            elif role == "nurse":
                title = self.rng.choice(("Nurse", "Sister", "Charge Nurse"))
            else:
                title = self.values.title(person)
            if role != _FRESH_ROLE:
                self._titles[role] = title
        return title

    def mrn(self) -> str:
        if self.record_mrn is None:
            self.record_mrn = self.values.mrn()
        return self.record_mrn

    def dob(self) -> dt.date:
        if self.patient_dob is None:
            self.patient_dob = self.anchor - dt.timedelta(days=self.rng.randint(18 * 365, 92 * 365))
        return self.patient_dob

    def age(self) -> int:
        born = self.dob()
        return self.anchor.year - born.year - ((self.anchor.month, self.anchor.day) < (born.month, born.day))

    def _person_slot(self, role: str, variant: str) -> list[Fragment]:
        person = self.person(role)
        rng = self.rng
        if variant in ("", "upper"):
            return [(person.full, "PERSON")]
        if variant == "first":
            return [(person.first, "PERSON")]
        if variant == "last":
            return [(person.last, "PERSON")]
        if variant in ("titled", "titled_full"):
            return [(self._title(role, person) + " ", None), (person.last if variant == "titled" else person.full, "PERSON")]
        if variant == "formal":
            return [(f"{person.last}, {person.first}", "PERSON")]
        if variant == "initial":
            return [(f"{person.first[0]}. {person.last}", "PERSON")]
        if variant == "email":
            return [(self.email(role), "EMAIL_ADDRESS")]
        if variant == "phone":
            return [(self.phone(role), "PHONE_NUMBER")]
        if variant == "url":
            return [(self.values.url(person), "URL")]
        if variant == "dea":
            if role not in self._dea:
                self._dea[role] = self.values.dea_number(person.last)
            return [(self._dea[role], "MEDICAL_LICENSE")]
        if variant == "relation":
            if role not in self._relations:
                self._relations[role] = rng.choice(_RELATIONS_FEMALE if person.female else _RELATIONS_MALE)
            return [(self._relations[role], None)]
        if variant in _PRONOUNS:
            return [(_PRONOUNS[variant][0 if person.female else 1], None)]
        raise KeyError(f"unknown variant {variant!r} of person slot {role!r}")


_PRONOUNS: dict[str, tuple[str, str]] = {
    "he": ("she", "he"), "He": ("She", "He"), "his": ("her", "his"), "His": ("Her", "His"),
    "him": ("her", "him"), "noun": ("woman", "man"), "sex": ("F", "M"), "adult": ("lady", "gentleman"),
}


# --- slots that are not people: each returns the fragments of one value ---

def _address(ctx: RecordContext, variant: str, multiline: bool) -> list[Fragment]:
    locale = variant if variant in lexicon.LOCALE_WEIGHTS else (ctx.locale if ctx.rng.random() < 0.5 else None)
    return [(ctx.values.address(locale, multiline=multiline), "LOCATION")]


def _date(ctx: RecordContext, variant: str) -> list[Fragment]:
    rng, anchor = ctx.rng, ctx.anchor
    if variant == "past":
        day = random_day(rng, anchor - dt.timedelta(days=20 * 365), anchor - dt.timedelta(days=60))
    elif variant == "future":
        day = random_day(rng, anchor + dt.timedelta(days=1), anchor + dt.timedelta(days=180))
    elif variant == "today":
        day = anchor
    else:
        day = random_day(rng, anchor - dt.timedelta(days=400), anchor)
    return [(format_date(rng, day), "DATE_TIME")]


def _age(ctx: RecordContext, variant: str) -> list[Fragment]:
    rng = ctx.rng
    if variant == "child":
        return [(str(rng.randint(1, 16)), "AGE")]
    if variant == "any":
        return [(str(rng.randint(19, 96)), "AGE")]
    return [(str(ctx.age()), "AGE")]


def _phone(ctx: RecordContext, variant: str) -> list[Fragment]:
    if variant and variant != "upper":
        return [(ctx.values.phone(variant), "PHONE_NUMBER")]
    local = ctx.rng.random() < 0.6
    return [(ctx.values.phone(PHONE_COUNTRY_BY_LOCALE[ctx.locale] if local else None), "PHONE_NUMBER")]


def _iban(ctx: RecordContext, variant: str) -> list[Fragment]:
    spaced = {"spaced": True, "plain": False}.get(variant)
    return [(ctx.values.iban(spaced=spaced), "IBAN_CODE")]


def _country(ctx: RecordContext, variant: str) -> list[Fragment]:
    prefix, name = ctx.values.country()
    return [(prefix, None), (name, "LOCATION")] if prefix else [(name, "LOCATION")]


def _nrp(ctx: RecordContext, variant: str) -> list[Fragment]:
    rng = ctx.rng
    return [(rng.choice((lexicon.NATIONALITIES, lexicon.RELIGIONS, lexicon.POLITICAL_GROUPS)[rng.randrange(3)]), "NRP")]


def _plain(make: Callable[[RecordContext], str]) -> Callable[[RecordContext, str], list[Fragment]]:
    return lambda ctx, variant: [(make(ctx), None)]


def _typed(entity_type: str, make: Callable[[RecordContext], str]) -> Callable[[RecordContext, str], list[Fragment]]:
    return lambda ctx, variant: [(make(ctx), entity_type)]


SLOTS: dict[str, Callable[[RecordContext, str], list[Fragment]]] = {
    # LOCATION
    "address": lambda ctx, variant: _address(ctx, variant, multiline=False),
    "address_ml": lambda ctx, variant: _address(ctx, variant, multiline=True),
    "city": _typed("LOCATION", lambda ctx: ctx.values.city(ctx.locale if ctx.rng.random() < 0.5 else None)),
    "street": _typed("LOCATION", lambda ctx: ctx.values.street(ctx.locale)),
    "state": _typed("LOCATION", lambda ctx: ctx.values.us_state()),
    "country": _country,
    "zip": _typed("ZIP_CODE", lambda ctx: ctx.values.zip_code()),
    # ORGANIZATION
    "org": _typed("ORGANIZATION", lambda ctx: ctx.values.company()),
    "employer": _typed("ORGANIZATION", lambda ctx: ctx.values.company(ctx.locale)),
    "hospital": _typed("ORGANIZATION", lambda ctx: ctx.values.hospital()),
    "bank": _typed("ORGANIZATION", lambda ctx: ctx.values.bank()),
    "insurer": _typed("ORGANIZATION", lambda ctx: ctx.values.insurer()),
    "pharmacy": _typed("ORGANIZATION", lambda ctx: ctx.values.pharmacy()),
    "merchant": _typed("ORGANIZATION", lambda ctx: ctx.values.merchant()),
    # NRP
    "nrp": _nrp,
    "nationality": _typed("NRP", lambda ctx: ctx.rng.choice(lexicon.NATIONALITIES)),
    "religion": _typed("NRP", lambda ctx: ctx.rng.choice(lexicon.RELIGIONS)),
    "politics": _typed("NRP", lambda ctx: ctx.rng.choice(lexicon.POLITICAL_GROUPS)),
    # DATE_TIME and AGE
    "date": _date,
    "dob": lambda ctx, variant: [(format_date(ctx.rng, ctx.dob()), "DATE_TIME")],
    "age": _age,
    # contact details and identifiers
    "phone": _phone,
    "email": lambda ctx, variant: [(ctx.email(_FRESH_ROLE), "EMAIL_ADDRESS")],
    "url": _typed("URL", lambda ctx: ctx.values.url()),
    "ip": _typed("IP_ADDRESS", lambda ctx: ctx.values.ip_address()),
    "ipv4": _typed("IP_ADDRESS", lambda ctx: ctx.values.ipv4()),
    "ipv6": _typed("IP_ADDRESS", lambda ctx: ctx.values.ipv6()),
    "card": _typed("CREDIT_CARD", lambda ctx: ctx.values.credit_card()),
    "iban": _iban,
    "ssn": _typed("US_SSN", lambda ctx: ctx.values.ssn()),
    "dl": _typed("US_DRIVER_LICENSE", lambda ctx: ctx.values.us_driver_license()),
    "passport": _typed("US_PASSPORT", lambda ctx: ctx.values.us_passport()),
    "bank_account": _typed("US_BANK_NUMBER", lambda ctx: ctx.values.us_bank_number()),
    "dea": lambda ctx, variant: ctx._person_slot("doctor", "dea"),
    # not PII, but often mistaken for it
    "drug": _plain(lambda ctx: ctx.rng.choice(lexicon.DRUGS)),
    "dose": _plain(lambda ctx: ctx.rng.choice(lexicon.DOSES)),
    "freq": _plain(lambda ctx: ctx.rng.choice(lexicon.FREQUENCIES)),
    "symptom": _plain(lambda ctx: ctx.rng.choice(lexicon.SYMPTOMS)),
    "condition": _plain(lambda ctx: ctx.rng.choice(lexicon.CONDITIONS)),
    "duration": _plain(lambda ctx: ctx.rng.choice(lexicon.DURATIONS)),
    "product": _plain(lambda ctx: ctx.rng.choice(lexicon.PRODUCTS)),
    "issue": _plain(lambda ctx: ctx.rng.choice(lexicon.ISSUES)),
    "job": _plain(lambda ctx: ctx.rng.choice(OCCUPATIONS)),
    "order": _plain(lambda ctx: ctx.values.order_number()),
    "ref": _plain(lambda ctx: ctx.values.reference()),
    "time": _plain(lambda ctx: ctx.values.time_of_day()),
    "money": _plain(lambda ctx: ctx.values.money()),
    "vital": _plain(lambda ctx: ctx.values.vital()),
    "lab": _plain(lambda ctx: ctx.values.lab()),
    "mrn": _plain(lambda ctx: ctx.mrn()),
    "routing": _plain(lambda ctx: ctx.values.routing_number()),
    "last4": _plain(lambda ctx: f"{ctx.rng.randint(0, 9999):04d}"),
    "num": _plain(lambda ctx: str(ctx.rng.randint(2, 12))),
    "room": _plain(lambda ctx: f"{ctx.rng.randint(1, 6)}{ctx.rng.randint(0, 40):02d}"),
    "bic": _plain(lambda ctx: ctx.rng.choice(("DEUTDEFF", "COBADEFFXXX", "NWBKGB2L", "BNPAFRPP", "INGBNL2A",
                                               "BSCHESMM", "UNCRITMM", "NDEASESS", "PKOPPLPW", "RABONL2U"))),
    "version": _plain(lambda ctx: f"{ctx.rng.randint(1, 12)}.{ctx.rng.randint(0, 20)}.{ctx.rng.randint(0, 9)}"),
    "pct": _plain(lambda ctx: f"{ctx.rng.randint(1, 99)}%"),
}

KNOWN_SLOTS: frozenset[str] = frozenset(SLOTS) | PERSON_ROLES
# Variants a non-person slot understands; every slot also takes "" and "upper".
SLOT_VARIANTS: dict[str, frozenset[str]] = {
    "address": frozenset(lexicon.LOCALE_WEIGHTS),
    "address_ml": frozenset(lexicon.LOCALE_WEIGHTS),
    "date": frozenset({"past", "future", "today"}),
    "age": frozenset({"child", "any"}),
    "phone": frozenset(PHONE_COUNTRY_BY_LOCALE.values()),
    "iban": frozenset({"spaced", "plain"}),
}
PERSON_VARIANTS: frozenset[str] = frozenset(
    {"", "upper", "first", "last", "titled", "titled_full", "formal", "initial", "email", "phone", "url", "dea",
     "relation"} | set(_PRONOUNS)
)
