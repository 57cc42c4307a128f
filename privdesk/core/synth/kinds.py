"""The four kinds of synthetic tables: which columns each has and how one row of it is made.

Identifier columns that hold PII get a gold span over the whole cell; ids such as note_id, txn_id,
mrn and amounts get none (MRNs have no entity type of their own in PrivDesk).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping, Sequence

from privdesk.core.synth.context import RecordContext, Style, draw_style
from privdesk.core.synth.templating import TextBuilder
from privdesk.core.synth.values import (DATE_STYLE_DOTTED, DATE_STYLE_ISO, DATE_STYLE_US, LOCALES, ValueFactory,
                                        format_date, random_day)
from privdesk.core.synth import lexicon
from privdesk.core.types import TEXT, IGNORE, ColumnRole

KindTemplates = Mapping[str, Sequence[str]]

_FIRST_DAY = dt.date(2018, 1, 1)
_LAST_DAY = dt.date(2024, 12, 31)


@dataclass
class Row:
    cells: dict[str, object]
    spans: list[tuple[str, int, int, str]] = field(default_factory=list)

    def identifier(self, column: str, value: str, entity_type: str | None) -> None:
        self.cells[column] = value
        if entity_type is not None and value:
            self.spans.append((column, 0, len(value), entity_type))

    def text(self, column: str, built: TextBuilder) -> None:
        self.cells[column] = built.text()
        self.spans.extend((column, start, end, entity_type) for start, end, entity_type in built.spans)


@dataclass(frozen=True)
class KindSpec:
    name: str
    roles: dict[str, ColumnRole]  # every column, in order, with what it holds
    text_column: str  # the main free-text column, the one the txt format keeps
    required_pools: tuple[str, ...]  # template pools the row maker draws from directly
    rows: Callable[[ValueFactory, KindTemplates], Iterator[Row]]


def _anchor(rng: random.Random) -> dt.date:
    return random_day(rng, _FIRST_DAY, _LAST_DAY)


def _note_rows(values: ValueFactory, templates: KindTemplates) -> Iterator[Row]:
    rng = values.rng
    # A real export writes one column one way; which way is a property of the dataset.
    dob_style = rng.choice((DATE_STYLE_ISO, DATE_STYLE_US, DATE_STYLE_DOTTED, DATE_STYLE_ISO))
    formal_names = rng.random() < 0.3
    index = 0
    while True:
        index += 1
        ctx = RecordContext(values, templates, anchor=_anchor(rng),
                            style=draw_style(rng, lowercase_names=0.03, lowercase_all=0.0))
        patient = ctx.person("patient")
        if rng.random() < 0.07:  # paediatric patients
            ctx.patient_dob = ctx.anchor - dt.timedelta(days=rng.randint(200, 17 * 365))
        dob = ctx.dob()
        row = Row(cells={"note_id": f"NOTE-{index:06d}"})
        row.identifier("patient_name", f"{patient.last}, {patient.first}" if formal_names else patient.full, "PERSON")
        row.identifier("dob", format_date(rng, dob, dob_style), "DATE_TIME")
        row.identifier("mrn", ctx.mrn(), None)
        row.text("note_text", ctx.render_pool("note"))
        yield row


def _ticket_rows(values: ValueFactory, templates: KindTemplates) -> Iterator[Row]:
    rng = values.rng
    index = 0
    while True:
        index += 1
        ctx = RecordContext(values, templates, anchor=_anchor(rng),
                            style=draw_style(rng, lowercase_names=0.1, lowercase_all=0.04))
        row = Row(cells={"ticket_id": f"TCK-{100000 + index}"})
        row.identifier("customer_email", ctx.email("customer"), "EMAIL_ADDRESS")
        # Not every customer leaves a phone number; an empty cell carries no span.
        row.identifier("phone", ctx.phone("customer") if rng.random() < 0.85 else "", "PHONE_NUMBER")
        row.text("subject", ctx.render_pool("subject"))
        row.text("body", ctx.render_pool("body"))
        yield row


_LOCALE_BY_IBAN_COUNTRY = {
    "DE": "de_DE", "AT": "de_DE", "CH": "de_DE", "GB": "en_GB", "IE": "en_GB", "FR": "fr_FR", "BE": "fr_FR",
    "ES": "es_ES", "IT": "it_IT", "NL": "nl_NL", "PT": "pt_BR", "BR": "pt_BR", "PL": "pl_PL", "SE": "sv_SE",
}


def _transaction_rows(values: ValueFactory, templates: KindTemplates) -> Iterator[Row]:
    rng = values.rng
    spaced = rng.random() < 0.3
    accounts: list[tuple[str, str]] = []  # (iban, country): a statement export covers a few accounts
    index = 0
    while True:
        index += 1
        if not accounts or (rng.random() < 0.05 and len(accounts) < 500):
            country = rng.choice(values.IBAN_COUNTRIES)
            accounts.append((values.iban(country, spaced=spaced), country))
        iban, country = rng.choice(accounts)
        ctx = RecordContext(values, templates, anchor=_anchor(rng),
                            style=draw_style(rng, lowercase_names=0.05, lowercase_all=0.05),
                            locale=_LOCALE_BY_IBAN_COUNTRY[country])
        amount = round(rng.lognormvariate(3.5, 1.2), 2) * (-1 if rng.random() < 0.75 else 1)
        row = Row(cells={"txn_id": f"TX{rng.getrandbits(48):012X}"})
        row.identifier("date", ctx.anchor.isoformat(), "DATE_TIME")
        row.cells["amount"] = amount
        row.cells["currency"] = lexicon.CURRENCIES_BY_COUNTRY[country]
        row.identifier("account_iban", iban, "IBAN_CODE")
        row.text("memo", ctx.render_pool("memo"))
        yield row


def parse_script(script: str) -> list[tuple[str, str, bool]]:
    """'customer:c_greet agent:a_offer? ...' -> [(speaker role, pool, optional), ...]."""
    turns = []
    for step in script.split():
        role, _, pool = step.partition(":")
        optional = pool.endswith("?")
        turns.append((role, pool.rstrip("?"), optional))
    return turns


_AGENT_LABELS = ("agent", "Agent", "support", "Support Team", "assistant", "operator")


def _chat_rows(values: ValueFactory, templates: KindTemplates) -> Iterator[Row]:
    rng = values.rng
    conversation = 0
    while True:
        conversation += 1
        customer_style = draw_style(rng, lowercase_names=0.2, lowercase_all=0.15)
        ctx = RecordContext(values, templates, anchor=_anchor(rng), style=customer_style)
        customer = ctx.person("customer")
        label_roll = rng.random()
        if label_roll < 0.55:
            customer_label, customer_type = customer.full, "PERSON"
        elif label_roll < 0.7:
            customer_label, customer_type = customer.first, "PERSON"
        else:
            customer_label, customer_type = rng.choice(("customer", "Customer", "visitor", "user")), None
        agent_label = rng.choice(_AGENT_LABELS)
        turn = 0
        for role, pool, optional in parse_script(rng.choice(templates["script"])):
            if optional and rng.random() < 0.5:
                continue
            turn += 1
            # Agents type carefully; customers in their own way.
            ctx.style = customer_style if role == "customer" else Style()
            row = Row(cells={"conversation_id": f"CONV-{conversation:05d}", "turn": turn})
            if role == "customer":
                row.identifier("speaker", customer_label, customer_type)
            else:
                row.identifier("speaker", agent_label, None)
            row.text("message", ctx.render_pool(pool))
            yield row


KIND_SPECS: dict[str, KindSpec] = {
    "notes": KindSpec(
        "notes",
        {"note_id": IGNORE, "patient_name": ColumnRole("identifier", "PERSON"),
         "dob": ColumnRole("identifier", "DATE_TIME"), "mrn": IGNORE, "note_text": TEXT},
        "note_text", ("note",), _note_rows),
    "tickets": KindSpec(
        "tickets",
        {"ticket_id": IGNORE, "customer_email": ColumnRole("identifier", "EMAIL_ADDRESS"),
         "phone": ColumnRole("identifier", "PHONE_NUMBER"), "subject": TEXT, "body": TEXT},
        "body", ("subject", "body"), _ticket_rows),
    "transactions": KindSpec(
        "transactions",
        {"txn_id": IGNORE, "date": ColumnRole("identifier", "DATE_TIME"), "amount": IGNORE, "currency": IGNORE,
         "account_iban": ColumnRole("identifier", "IBAN_CODE"), "memo": TEXT},
        "memo", ("memo",), _transaction_rows),
    "chat": KindSpec(
        "chat",
        {"conversation_id": IGNORE, "turn": IGNORE, "speaker": ColumnRole("identifier", "PERSON"), "message": TEXT},
        "message", ("script",), _chat_rows),
}
KINDS: tuple[str, ...] = tuple(KIND_SPECS)
assert set(LOCALES) >= set(_LOCALE_BY_IBAN_COUNTRY.values())
