"""Augmentation: training text that our synth templates do not produce, so the tagger learns what
PII looks like rather than where our templates put it.

Four kinds of new examples, all with exact gold offsets:
  - mixed: sentences of different records shuffled together, joined by spaces, newlines or bars;
  - swapped: a training text with its entities replaced by other values of the same type;
  - filler: PII values (harvested from the training examples) put into generic sentences written
    here, in other registers than the templates: terse logs, emails, forms, chat;
  - negative: sentences without PII that still have numbers, capitalised words, times of day and
    product codes, so the tagger does not call everything that looks like an identifier PII.
In swapped and filler examples, names, places and companies are often made up (NovelValues): the
benchmark uses names the training data never has, and a tagger that memorised our name lists
would miss them.

Random casing would teach nothing: the encoder's tokenizer is uncased and lower-cases every input.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence

from privdesk.core.ner.data import TextExample

_SLOT = re.compile(r"\{([A-Z_]+)\}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")

FILLER_TEMPLATES: tuple[str, ...] = (
    "{PERSON} asked us to send the paperwork to {EMAIL_ADDRESS} instead.",
    "Spoke to {PERSON} this morning; they will call back from {PHONE_NUMBER}.",
    "Forwarding address:\n{LOCATION}",
    "new contact -> {PERSON} <{EMAIL_ADDRESS}>",
    "{PERSON} | {PHONE_NUMBER} | {EMAIL_ADDRESS}",
    "Please update the file: date of birth {DATE_TIME}, phone {PHONE_NUMBER}.",
    "I moved last month, my new place is {LOCATION}. Can you update it?",
    "hi, this is {PERSON}, my card {CREDIT_CARD} was charged twice",
    "Refund to account {IBAN_CODE} approved by {PERSON}.",
    "Meeting with {PERSON} from {ORGANIZATION} moved to {DATE_TIME}.",
    "Caller gave SSN {US_SSN} to verify identity.",
    "Login from {IP_ADDRESS} flagged; user notified at {EMAIL_ADDRESS}.",
    "{PERSON} ({AGE}) was seen on {DATE_TIME}.",
    "Letter returned from {LOCATION}, please confirm with {PERSON}.",
    "Attached the form {PERSON} filled in. Licence number {US_DRIVER_LICENSE}.",
    "cc: {EMAIL_ADDRESS}; {EMAIL_ADDRESS}",
    "Visited {URL} before the error appeared.",
    "Passport {US_PASSPORT} expires {DATE_TIME}.",
    "routing/account: {US_BANK_NUMBER}",
    "Prescriber {PERSON}, licence {MEDICAL_LICENSE}.",
    "Post code {ZIP_CODE} does not match the card's billing address.",
    "{PERSON} says the neighbour, {PERSON}, can sign for the parcel.",
    "Thanks {PERSON}! I'll be at {LOCATION} from {DATE_TIME}.",
    "Name: {PERSON}\nEmail: {EMAIL_ADDRESS}\nPhone: {PHONE_NUMBER}",
    "Name: {PERSON}\nAddress: {LOCATION}",
    "From: {PERSON} <{EMAIL_ADDRESS}>\nSent: {DATE_TIME}\nSubject: re: my order",
    "The {NRP} community centre at {LOCATION} hosted the event.",
    "{AGE} year old, lives alone near {LOCATION}.",
    "My husband {PERSON} will pick it up; his number is {PHONE_NUMBER}",
    "ok so I emailed {EMAIL_ADDRESS} like three times and nobody answered",
    "Works at {ORGANIZATION} since {DATE_TIME}.",
    "Card ending {CREDIT_CARD} declined at {ORGANIZATION}.",
    "{PERSON}\n{LOCATION}",
    "Transfer from {IBAN_CODE} to {IBAN_CODE} on {DATE_TIME}.",
    "Ask for {PERSON} at reception.",
    "Signed, {PERSON}",
    "{DATE_TIME}: {PERSON} called, wants a refund.",
    "IP {IP_ADDRESS} tried {URL} repeatedly.",
    "According to {PERSON}, the issue started on {DATE_TIME}.",
    "Please ship it to {LOCATION} and text {PHONE_NUMBER} on arrival.",
    "ID check: passport no. {US_PASSPORT}, DL {US_DRIVER_LICENSE}",
    "tax form lists SSN {US_SSN} and zip {ZIP_CODE}",
    "wire the deposit to acct {US_BANK_NUMBER} please",
    "Her driver's licence ({US_DRIVER_LICENSE}) was scanned at the desk.",
    "Renewal for passport {US_PASSPORT} submitted by {PERSON}.",
    "NPI/licence on file: {MEDICAL_LICENSE}",
    "Lives in the {ZIP_CODE} area, per the intake form.",
    "Account number {US_BANK_NUMBER} closed on {DATE_TIME}.",
    "SSN: {US_SSN}\nDOB: {DATE_TIME}",
    "The card {CREDIT_CARD} expired, the customer will use IBAN {IBAN_CODE}.",
    "See {URL} for the form; reply from {EMAIL_ADDRESS}.",
    "Device {IP_ADDRESS} belongs to {PERSON} in accounting.",
)

NEGATIVE_SENTENCES: tuple[str, ...] = (
    "Please restart the router and try again.",
    "Order total was 45.20 including VAT.",
    "Ticket escalated to tier 2 support.",
    "The patient reports mild headache, no fever.",
    "Blood pressure 128/82, pulse 72, temperature 36.8.",
    "Version 3.2.1 fixed the crash on startup.",
    "Take 2 tablets every 6 hours with food.",
    "Error code E-4012 appears when syncing.",
    "Customer satisfied with the resolution.",
    "The Monday meeting was moved to the afternoon.",
    "Status: Resolved. Priority: High.",
    "Dosage increased to 50 mg twice daily.",
    "The invoice lists 3 items and a shipping fee.",
    "No known allergies. Non-smoker.",
    "Battery drains within 4 hours of use.",
    "Follow up in two weeks if symptoms persist.",
    "Thanks for reaching out, we are looking into it.",
    "Room 12 is free after lunch.",
    "The Premium plan includes 100 GB of storage.",
    "Chest X-ray clear. ECG normal sinus rhythm.",
    "Password reset link sent.",
    "Item SKU 88-1204 is out of stock.",
    "Reviewed the logs, nothing unusual.",
    "Apply the cream twice a day for 10 days.",
    "Refund processed, allow 5 to 7 business days.",
)

_JOINERS = (" ", " ", "\n", "\n\n", " | ", "; ", "\t")


def split_sentences(example: TextExample) -> list[TextExample]:
    """Cut a text at sentence ends and line breaks that fall outside every gold span."""
    cuts = [match for match in _SENTENCE_END.finditer(example.text)
            if not any(start < match.end() and match.start() < end for start, end, _ in example.spans)]
    pieces, position = [], 0
    for match in cuts + [None]:
        end = match.start() if match else len(example.text)
        text = example.text[position:end]
        if text.strip():
            spans = tuple((s - position, e - position, t) for s, e, t in example.spans if position <= s and e <= end)
            pieces.append(TextExample(text, spans))
        position = match.end() if match else end
    return pieces


def _join(parts: Sequence[TextExample], rng: random.Random) -> TextExample:
    text, spans = "", []
    for index, part in enumerate(parts):
        if index:
            text += rng.choice(_JOINERS)
        spans += [(s + len(text), e + len(text), t) for s, e, t in part.spans]
        text += part.text
    return TextExample(text, tuple(spans))


def mixed_examples(examples: Sequence[TextExample], count: int, rng: random.Random) -> list[TextExample]:
    """New texts of 2-6 sentences drawn from different records."""
    sentences = [piece for example in examples if len(example.text) > 20 for piece in split_sentences(example)]
    if len(sentences) < 2:
        return []
    return [_join(rng.sample(sentences, min(len(sentences), rng.randint(2, 6))), rng) for _ in range(count)]


def value_pool(examples: Sequence[TextExample]) -> dict[str, list[str]]:
    """The surface strings of gold entities, by type (duplicates kept: frequent shapes stay frequent)."""
    pool: dict[str, list[str]] = {}
    for example in examples:
        for start, end, entity in example.spans:
            pool.setdefault(entity, []).append(example.text[start:end])
    return pool


_NAME_LIKE = ("PERSON", "LOCATION", "ORGANIZATION")
_ALPHA_WORD = re.compile(r"[^\W\d_]{3,}")


class NovelValues:
    """Made-up names, places and companies: a rare word of a value is spliced with another rare word
    of its type ("Okafor" + "Lindqvist" -> "Okaqvist"). Words common to many values ("Street",
    "Hospital", "Road") are kept, so the value keeps its shape.
    """

    def __init__(self, pool: dict[str, list[str]], rng: random.Random):
        self.rng = rng
        self.rare: dict[str, list[str]] = {}
        self.common: set[str] = set()
        for entity in _NAME_LIKE:
            values = set(pool.get(entity, ()))
            counts = Counter(word.lower() for value in values for word in set(_ALPHA_WORD.findall(value)))
            floor = max(3, len(values) // 200)
            self.common |= {word for word, count in counts.items() if count >= floor}
            self.rare[entity] = sorted(word for word, count in counts.items() if count < floor)

    def vary(self, value: str, entity: str, chance: float = 0.7) -> str:
        words = self.rare.get(entity)
        if not words:
            return value
        return _ALPHA_WORD.sub(
            lambda match: match.group() if match.group().lower() in self.common or self.rng.random() >= chance
            else self._splice(match.group(), words), value)

    def _splice(self, word: str, others: list[str]) -> str:
        other = self.rng.choice(others)
        made = word[:self.rng.randint(1, len(word) - 1)] + other[self.rng.randint(1, len(other) - 1):]
        if len(made) < 3:
            return word
        if word.islower():
            return made.lower()
        return made[0].upper() + made[1:].lower() if word[0].isupper() else made


def swapped_examples(examples: Sequence[TextExample], pool: dict[str, list[str]], novel: NovelValues,
                     count: int, rng: random.Random) -> list[TextExample]:
    """Training texts with most entity values replaced by other (often made-up) values of the same type."""
    candidates = [e for e in examples if e.spans and all(a[1] <= b[0] for a, b in zip(e.spans, e.spans[1:]))]
    out = []
    for example in (rng.choice(candidates) for _ in range(count if candidates else 0)):
        text, spans, position = "", [], 0
        for start, end, entity in example.spans:
            text += example.text[position:start]
            value = rng.choice(pool[entity]) if rng.random() < 0.8 and pool.get(entity) else example.text[start:end]
            value = novel.vary(value, entity)
            spans.append((len(text), len(text) + len(value), entity))
            text += value
            position = end
        out.append(TextExample(text + example.text[position:], tuple(spans)))
    return out


def fill(template: str, pool: dict[str, list[str]], rng: random.Random,
         novel: NovelValues | None = None) -> TextExample | None:
    """Render one filler template; None when the pool lacks a value type the template needs."""
    text, spans, position = "", [], 0
    for match in _SLOT.finditer(template):
        values = pool.get(match.group(1))
        if not values:
            return None
        text += template[position:match.start()]
        value = rng.choice(values)
        if novel is not None and rng.random() < 0.5:
            value = novel.vary(value, match.group(1))
        spans.append((len(text), len(text) + len(value), match.group(1)))
        text += value
        position = match.end()
    return TextExample(text + template[position:], tuple(spans))


def filler_examples(pool: dict[str, list[str]], count: int, rng: random.Random,
                    novel: NovelValues | None = None) -> list[TextExample]:
    out: list[TextExample] = []
    usable = [t for t in FILLER_TEMPLATES if all(pool.get(slot) for slot in _SLOT.findall(t))]
    if not usable:
        return out
    for _ in range(count):
        parts = [fill(rng.choice(usable), pool, rng, novel) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            parts.insert(rng.randrange(len(parts) + 1), TextExample(rng.choice(NEGATIVE_SENTENCES)))
        out.append(_join([p for p in parts if p is not None], rng))
    return out


def negative_examples(count: int, rng: random.Random) -> list[TextExample]:
    return [_join([TextExample(s) for s in rng.sample(NEGATIVE_SENTENCES, rng.randint(1, 4))], rng)
            for _ in range(count)]


def augment(examples: Sequence[TextExample], rng: random.Random, *, share: float = 1.0) -> list[TextExample]:
    """Augmented examples, about `share` times as many as `examples`:
    30% mixed, 30% swapped, 30% filler, 10% negative."""
    total = int(len(examples) * share)
    pool = value_pool(examples)
    novel = NovelValues(pool, rng)
    out = mixed_examples(examples, total * 3 // 10, rng)
    out += swapped_examples(examples, pool, novel, total * 3 // 10, rng)
    out += filler_examples(pool, total * 3 // 10, rng, novel)
    out += negative_examples(total // 10, rng)
    return out
