"""Word tokens with their offsets, the unit every gazetteer lookup works on."""

from __future__ import annotations

from typing import NamedTuple

import regex as re

# Letters (with combining marks), apostrophes and inner hyphens: "O'Brien", "Makulec-Frycz", "Jean-Luc".
_WORD = re.compile(r"[\p{L}\p{M}](?:[\p{L}\p{M}'’]|-(?=[\p{L}\p{M}]))*")


class Token(NamedTuple):
    """One word; its case facts are computed once, since every recognizer asks them of every word."""

    start: int
    end: int
    text: str
    lower: str
    is_title: bool  # capitalised as a proper noun is: "Smith", "McLean", "O'Brien" (not "SMITH", not "smith")
    is_upper: bool  # "SMITH", "UK" (two letters or more)


def _token(start: int, end: int, text: str) -> Token:
    lower = text.lower()
    is_title = text[0].isupper() and any(ch.islower() for ch in text[1:])
    return Token(start, end, text, lower, is_title, len(text) > 1 and text.isupper())


# (text, its tokens): one tuple, swapped in one assignment, so threads never see a text with another's tokens.
_last: tuple[str | None, list[Token]] = (None, [])


def word_tokens(text: str) -> list[Token]:
    """The words of `text` in order. The last result is kept: several recognizers tokenise the same text."""
    global _last
    cached_text, cached_tokens = _last
    if text is cached_text:
        return cached_tokens
    tokens = [_token(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    _last = (text, tokens)
    return tokens
