"""Finding any of many known strings (original PII values) in text, fast.

The values are compiled into one regular expression shaped like a trie (shared prefixes are written
once), so the regex engine walks the trie in C at each position instead of trying every value in
turn; a hundred thousand values scan at the speed of one. A value only matches as a whole token:
a value that starts (ends) with a letter or digit is not found inside a longer word, so the
original age "42" is not reported inside "1420", nor "Ann" inside "Annual".
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

DEFAULT_MIN_LENGTH = 3  # shorter values ("Al", "5") match too much unrelated text to mean anything
_END = ""


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _trie(values: Iterable[str]) -> dict:
    root: dict = {}
    for value in values:
        node = root
        for char in value:
            node = node.setdefault(char, {})
        node[_END] = {}
    return root


def _trie_pattern(node: dict, last_char: str) -> str:
    """Regex for a trie node; `last_char` is the character that led to it (decides the end boundary)."""
    chain = ""
    # Follow single-child chains without recursion: long values would otherwise nest too deep.
    while len(node) == 1 and _END not in node:
        (char, child), = node.items()
        chain += re.escape(char)
        last_char, node = char, child
    branches = [re.escape(char) + _trie_pattern(child, char) for char, child in sorted(node.items()) if char != _END]
    if _END in node:
        # Listed last, so the longest value wins where one value is a prefix of another.
        branches.append(r"(?!\w)" if _is_word(last_char) else "")
    if not branches:
        return chain
    if len(branches) == 1:
        return chain + branches[0]
    return chain + "(?:" + "|".join(branches) + ")"


class ValueMatcher:
    """Finds whole-token occurrences of any of `values` (exact, case-sensitive)."""

    def __init__(self, values: Iterable[str], *, min_length: int = DEFAULT_MIN_LENGTH):
        kept, short = set(), set()
        for value in values:
            if not value or not value.strip():
                continue
            (kept if len(value) >= min_length else short).add(value)
        self.values: frozenset[str] = frozenset(kept)
        self.too_short = len(short - kept)
        word_start = [value for value in kept if _is_word(value[0])]
        other_start = [value for value in kept if not _is_word(value[0])]
        parts = []
        if word_start:
            parts.append(r"(?<!\w)" + _group(_trie_pattern(_trie(word_start), "")))
        if other_start:
            parts.append(_group(_trie_pattern(_trie(other_start), "")))
        self._regex = re.compile("|".join(parts)) if parts else None

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:  # never the values
        return f"ValueMatcher({len(self.values)} values)"

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, value) of each occurrence, left to right, not overlapping."""
        if self._regex is None or not text:
            return
        for match in self._regex.finditer(text):
            if match.end() > match.start():
                yield match.start(), match.end(), match.group()

    def found_in(self, texts: Iterable[str]) -> set[str]:
        """The distinct values that occur in any of `texts`."""
        found: set[str] = set()
        for text in texts:
            found.update(value for _, _, value in self.finditer(text))
        return found


def _group(pattern: str) -> str:
    return f"(?:{pattern})"
