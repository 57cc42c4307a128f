"""The masking operators: what a detected value becomes.

    redact      the value is removed (or replaced by a fixed text)
    tag         <PERSON>, or numbered <PERSON_1>: one number per distinct value across the dataset
    mask        characters hidden by a mask character, optionally keeping the first/last few
    hash        keyed HMAC-SHA-256 (an unkeyed hash of a phone number is reversed by trying them all)
    encrypt     AES-SIV (deterministic, joinable) or AES-GCM (random nonce), reversible with the project key
    surrogate   a realistic, consistent fake value of the same form (see surrogates.py)
    date_shift  the date moved by a consistent offset per record or per person, in the same format
    generalize  ages to bands (90+), ZIP codes to 3 digits (HIPAA's small areas to 000), dates to years
    keep        left as it is

An operator that cannot handle a value (a "date" that does not parse, an age that is not a number)
raises CannotMask, and the masker falls back to the operator's `fallback` (tag or redact): a value
is never left in place because it was hard to mask.
"""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Iterable

from privdesk.core.mask.dates import shift_date_text
from privdesk.core.mask.encryption import ValueCipher
from privdesk.core.mask.generalize import generalize_value
from privdesk.core.mask.keying import KeyedDigest, check_secret, normalise_value, subkey
from privdesk.core.mask.policy import OperatorSpec
from privdesk.core.mask.surrogates import SurrogateGenerator


class CannotMask(Exception):
    """This operator cannot handle this value; the caller uses the fallback operator."""


@dataclass(frozen=True)
class RecordOriginals:
    """The original values of a record's spans, in normal form: no generated value may reproduce one.

    A surrogate of one person that happens to be another person's real name in the same record, or
    a shifted date that lands on another original date, would put that real value back in the text.
    """

    values: frozenset[str] = frozenset()

    @classmethod
    def of(cls, texts: Iterable[str]) -> "RecordOriginals":
        return cls(frozenset(normal for normal in (normalise_value("", text) for text in texts) if normal))

    def collides(self, candidate: str) -> bool:
        new = normalise_value("", candidate)
        return any(old == new or (len(old) >= 4 and old in new) for old in self.values)


@dataclass(frozen=True, slots=True)
class MaskContext:
    """Where a value is (record, column), who the record is about (for date_shift by person), the record's
    original values (which generated values avoid) and which date offset the record uses."""

    record: int = 0
    column: str = ""
    person_key: str | None = None
    originals: RecordOriginals = RecordOriginals()
    date_attempt: int = 0

    def for_column(self, column: str) -> "MaskContext":
        return MaskContext(self.record, column, self.person_key, self.originals, self.date_attempt)


class OperatorServices:
    """What operators share within one masking run: keys, surrogate generators, tag numbers."""

    def __init__(self, secret: bytes, locale: str = "en_US"):
        self.secret = check_secret(secret)
        self.locale = locale
        self._generators: dict[str, SurrogateGenerator] = {}
        self._ciphers: dict[str, ValueCipher] = {}
        self.hash_key = subkey(self.secret, "hash")
        self.value_digest = KeyedDigest(self.secret, "value identity")
        self.date_digest = KeyedDigest(self.secret, "date shift")
        # label -> value digest -> number; digests rather than values, so no plaintext is kept.
        self._tag_numbers: dict[str, dict[bytes, int]] = {}

    def surrogates(self, locale: str | None) -> SurrogateGenerator:
        locale = locale or self.locale
        if locale not in self._generators:
            self._generators[locale] = SurrogateGenerator(self.secret, locale)
        return self._generators[locale]

    def cipher(self, mode: str) -> ValueCipher:
        if mode not in self._ciphers:
            self._ciphers[mode] = ValueCipher(self.secret, mode)  # type: ignore[arg-type]
        return self._ciphers[mode]

    def tag_number(self, label: str, entity_type: str, value: str) -> int:
        numbers = self._tag_numbers.setdefault(label, {})
        key = self.value_digest.digest(entity_type, normalise_value(entity_type, value))
        if key not in numbers:
            numbers[key] = len(numbers) + 1
        return numbers[key]


class Operator(ABC):
    name: str = ""

    def __init__(self, spec: OperatorSpec, services: OperatorServices):
        self.spec = spec
        self.services = services

    @abstractmethod
    def apply(self, value: str, entity_type: str, context: MaskContext) -> str:
        """The replacement text for `value`; raises CannotMask to ask for the fallback."""


class Redact(Operator):
    name = "redact"

    def apply(self, value: str, entity_type: str, context: MaskContext) -> str:
        return self.spec.param("replacement")


class Tag(Operator):
    name = "tag"

    def apply(self, value: str, entity_type: str, context: MaskContext) -> str:
        label = self.spec.param("label") or entity_type
        if self.spec.param("numbered"):
            return f"<{label}_{self.services.tag_number(label, entity_type, value)}>"
        return f"<{label}>"


class Mask(Operator):
    """Hide characters. Letters and digits count; with keep_separators the rest stays visible.

    At most half of the countable characters are ever kept visible, whatever keep_first and keep_last
    say, so a short value (a 4-digit PIN with keep_last 4) is never shown whole.
    """

    name = "mask"

    def apply(self, value: str, entity_type: str, context: MaskContext) -> str:
        char = self.spec.param("char")
        separators = self.spec.param("keep_separators")
        countable = [i for i, ch in enumerate(value) if ch.isalnum()] if separators else list(range(len(value)))
        allowed = len(countable) // 2
        first = min(self.spec.param("keep_first"), allowed)
        last = min(self.spec.param("keep_last"), allowed - first)
        visible = set(countable[:first]) | (set(countable[len(countable) - last:]) if last else set())
        hidden = set(countable) - visible
        return "".join(char if i in hidden else ch for i, ch in enumerate(value))


class Hash(Operator):
    """HMAC-SHA-256 of the value's normal form under the project's hash key, as hex, truncated."""

    name = "hash"

    def apply(self, value: str, entity_type: str, context: MaskContext) -> str:
        message = normalise_value(entity_type, value).encode("utf-8", "surrogatepass")
        return hmac.new(self.services.hash_key, message, hashlib.sha256).hexdigest()[: self.spec.param("length")]


class Encrypt(Operator):
    name = "encrypt"

    def apply(self, value: str, entity_type: str, context: MaskContext) -> str:
        return self.services.cipher(self.spec.param("mode")).encrypt(value, entity_type)


class Surrogate(Operator):
    name = "surrogate"

    def apply(self, value: str, entity_type: str, context: MaskContext) -> str:
        generator = self.services.surrogates(self.spec.param("locale"))
        result = generator.surrogate(entity_type, value, avoid=context.originals.collides)
        if result is None:
            raise CannotMask()
        return result


class DateShift(Operator):
    """Shift by an offset of 1..max_days either way, fixed per record or per person by the project secret."""

    name = "date_shift"

    def offset_days(self, context: MaskContext) -> int:
        if self.spec.param("by") == "person" and context.person_key:
            parts = ["person", context.person_key]
        else:
            parts = ["record", str(context.record)]
        if context.date_attempt:  # another offset, when the first would land a date on another original date
            parts.append(str(context.date_attempt))
        number = self.services.date_digest.integer(*parts)
        max_days = self.spec.param("max_days")
        days = 1 + (number >> 1) % max_days
        return days if number & 1 else -days

    def shifted(self, value: str, context: MaskContext) -> str | None:
        return shift_date_text(value, self.offset_days(context), day_first=self.spec.param("day_first"))

    def apply(self, value: str, entity_type: str, context: MaskContext) -> str:
        result = self.shifted(value, context)
        if result is None:
            raise CannotMask()
        return result


class Generalize(Operator):
    name = "generalize"

    def apply(self, value: str, entity_type: str, context: MaskContext) -> str:
        result = generalize_value(entity_type, value, age_band_width=self.spec.param("age_band"),
                                  top_age=self.spec.param("top_age"))
        if result is None:
            raise CannotMask()
        return result


class Keep(Operator):
    name = "keep"

    def apply(self, value: str, entity_type: str, context: MaskContext) -> str:
        return value


OPERATOR_CLASSES: dict[str, type[Operator]] = {
    cls.name: cls for cls in (Redact, Tag, Mask, Hash, Encrypt, Surrogate, DateShift, Generalize, Keep)
}


def build_operator(spec: OperatorSpec, services: OperatorServices) -> Operator:
    return OPERATOR_CLASSES[spec.operator](spec, services)


def fallback_spec(spec: OperatorSpec) -> OperatorSpec:
    """The operator to use when `spec` raises CannotMask."""
    return OperatorSpec("redact" if spec.params.get("fallback") == "redact" else "tag")
