"""A tiny template language whose renderer records the exact offsets of every value it inserts.

Syntax:
    {slot}            a value from the record context, e.g. {patient}, {date}, {iban}
    {slot:variant}    a variant of it, e.g. {patient:titled}, {phone:GB}
    {@pool}           one template drawn from the named pool, rendered in place
    {@pool*1-3}       one to three distinct templates from the pool, joined by spaces
    [a|b|c]           one of the alternatives (which may hold slots); [x|] makes x optional

Outside brackets '|' is plain text; '[', ']', '{' and '}' are always syntax.

Gold offsets are never found by searching the finished text: the builder counts characters as
each piece is appended, so a value that also occurs elsewhere in the text cannot be mislabelled.
"""

from __future__ import annotations

import functools
import itertools
import random
from dataclasses import dataclass
from typing import Protocol, Sequence, Union


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Slot:
    name: str
    variant: str


@dataclass(frozen=True)
class PoolRef:
    pool: str
    low: int
    high: int


@dataclass(frozen=True)
class Choice:
    options: tuple[tuple["Token", ...], ...]


Token = Union[Literal, Slot, PoolRef, Choice]


class TemplateSyntaxError(ValueError):
    pass


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.position = 0

    def error(self, problem: str) -> TemplateSyntaxError:
        return TemplateSyntaxError(f"{problem} at character {self.position} of template {self.source!r}")

    def sequence(self, inside_choice: bool) -> tuple[Token, ...]:
        tokens: list[Token] = []
        literal: list[str] = []
        source = self.source
        while self.position < len(source):
            char = source[self.position]
            if inside_choice and char in "|]":
                break
            if char in "{[":
                if literal:
                    tokens.append(Literal("".join(literal)))
                    literal = []
                tokens.append(self.field() if char == "{" else self.choice())
                continue
            if char in "}]":
                raise self.error(f"unexpected {char!r}")
            literal.append(char)
            self.position += 1
        if literal:
            tokens.append(Literal("".join(literal)))
        return tuple(tokens)

    def field(self) -> Token:
        end = self.source.find("}", self.position)
        if end < 0:
            raise self.error("unclosed '{'")
        body = self.source[self.position + 1:end]
        self.position = end + 1
        if not body:
            raise self.error("empty '{}'")
        if body.startswith("@"):
            name, _, count = body[1:].partition("*")
            low = high = 1
            if count:
                first, _, last = count.partition("-")
                if not first.isdigit() or (last and not last.isdigit()):
                    raise self.error(f"bad repeat count {count!r}")
                low, high = int(first), int(last or first)
            if not name or low < 1 or high < low:
                raise self.error(f"bad pool reference {body!r}")
            return PoolRef(name, low, high)
        name, _, variant = body.partition(":")
        if not name.isidentifier():
            raise self.error(f"bad slot name {name!r}")
        return Slot(name, variant)

    def choice(self) -> Choice:
        self.position += 1  # the '['
        options: list[tuple[Token, ...]] = []
        while True:
            options.append(self.sequence(inside_choice=True))
            if self.position >= len(self.source):
                raise self.error("unclosed '['")
            char = self.source[self.position]
            self.position += 1
            if char == "]":
                return Choice(tuple(options))


@functools.lru_cache(maxsize=None)
def parse(template: str) -> tuple[Token, ...]:
    """Parse a template once; the result is cached because every record renders the same few hundred."""
    parser = _Parser(template)
    tokens = parser.sequence(inside_choice=False)
    if parser.position != len(template):
        raise parser.error("unexpected character")
    return tokens


def walk(tokens: Sequence[Token]):
    """Every token, recursing into choices."""
    for token in tokens:
        yield token
        if isinstance(token, Choice):
            for option in token.options:
                yield from walk(option)


def expansions(template: str, limit: int = 2000) -> list[str]:
    """Every text the template can produce with slots and pool references left as placeholders.

    Used to prove the dev and heldout sets share no sentence shape, alternatives included.
    """

    def expand(tokens: Sequence[Token]) -> list[str]:
        results = [""]
        for token in tokens:
            if isinstance(token, Literal):
                pieces = [token.text]
            elif isinstance(token, Slot):
                pieces = ["{" + token.name + (":" + token.variant if token.variant else "") + "}"]
            elif isinstance(token, PoolRef):
                pieces = ["{@" + token.pool + "}"]
            else:
                pieces = [text for option in token.options for text in expand(option)]
            results = [head + piece for head, piece in itertools.islice(itertools.product(results, pieces), limit)]
        return results

    return expand(parse(template))


class TextBuilder:
    """Appends text pieces, keeps whitespace tidy at the joins and records entity spans as it goes.

    Tidy joins matter because optional pieces leave gaps: no double spaces, no space before a
    newline, no blank lines (the txt format separates records by blank lines) and no leading or
    trailing whitespace.
    """

    __slots__ = ("_parts", "_length", "_last_is_literal", "spans")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._last_is_literal = False
        self.spans: list[tuple[int, int, str]] = []

    def _last_char(self) -> str:
        return self._parts[-1][-1] if self._parts else ""

    def literal(self, text: str) -> None:
        if not text:
            return
        last = self._last_char()
        if not self._parts:
            text = text.lstrip(" \n")
        elif last in " \n":
            text = text.lstrip(" ")
            if last == "\n":
                text = text.lstrip("\n ")
        if text.startswith("\n") and self._last_is_literal and last == " ":
            trimmed = self._parts[-1].rstrip(" ")
            self._length -= len(self._parts[-1]) - len(trimmed)
            self._parts[-1] = trimmed
        if text:
            self._parts.append(text)
            self._length += len(text)
            self._last_is_literal = True

    def entity(self, text: str, entity_type: str | None) -> None:
        """Append a value; with an entity type it becomes a gold span, without one it is plain text."""
        if entity_type is None:
            self.literal(text)
            return
        if not text:
            return
        if text != text.strip():
            raise ValueError("entity values may not start or end with whitespace")
        self.spans.append((self._length, self._length + len(text), entity_type))
        self._parts.append(text)
        self._length += len(text)
        self._last_is_literal = False

    def __len__(self) -> int:
        return self._length

    def text(self) -> str:
        if self._parts and self._last_is_literal:
            trimmed = self._parts[-1].rstrip(" \n")
            self._length -= len(self._parts[-1]) - len(trimmed)
            self._parts[-1] = trimmed
        return "".join(self._parts)


class RenderContext(Protocol):
    """What the renderer needs from a record: randomness, pools of templates, slot values, literal styling."""

    rng: random.Random

    def pool(self, name: str) -> Sequence[str]: ...

    def fill_slot(self, name: str, variant: str, out: TextBuilder) -> None: ...

    def style_literal(self, text: str) -> str: ...


def render(template: str, context: RenderContext, out: TextBuilder) -> None:
    _render_tokens(parse(template), context, out)


def _render_tokens(tokens: Sequence[Token], context: RenderContext, out: TextBuilder) -> None:
    for token in tokens:
        if isinstance(token, Literal):
            out.literal(context.style_literal(token.text))
        elif isinstance(token, Slot):
            context.fill_slot(token.name, token.variant, out)
        elif isinstance(token, Choice):
            _render_tokens(context.rng.choice(token.options), context, out)
        else:
            pool = context.pool(token.pool)
            count = min(len(pool), context.rng.randint(token.low, token.high))
            for index, template in enumerate(context.rng.sample(pool, count) if count > 1 else [context.rng.choice(pool)]):
                if index:
                    out.literal(" ")
                render(template, context, out)
