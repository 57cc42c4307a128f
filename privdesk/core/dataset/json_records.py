"""Guards on decoded JSON records: how deeply they nest, and text that is not valid Unicode.

Both are checked only when the record's raw text makes them possible (enough brackets, a \\u escape
into the surrogate range): the JSON reader's pre-test is a few C-level substring scans per record.
"""

from __future__ import annotations

import re
import sys
from typing import Any

# Objects and lists inside each other, the record itself being level 1. Tabular data needs a handful;
# far deeper values are hostile or broken, and would exhaust the stack of the recursive code that
# flattens, types and writes them.
MAX_NESTING = 100

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def may_nest_too_deeply(raw: str, start: int = 0, end: int | None = None) -> bool:
    """Cheap pre-check on the record's raw text: fewer brackets than the limit cannot nest past it."""
    end = len(raw) if end is None else end
    return raw.count("{", start, end) + raw.count("[", start, end) > MAX_NESTING


def nesting_depth(value: Any, limit: int = MAX_NESTING) -> int:
    """Levels of objects and lists in `value` (a scalar is 0); stops counting once past `limit`."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


def too_deep_problem(where: str) -> str:
    return f"{where} is nested more than {MAX_NESTING} levels deep (objects or lists inside each other)."


TOO_DEEP_HINT = "PrivDesk reads records of columns; export the data without the deep nesting, or flatten it first."


def too_long_number_problem(where: str) -> str:
    return f"{where} holds a number longer than {sys.get_int_max_str_digits():,} digits, which Python refuses to read."


TOO_LONG_NUMBER_HINT = "Write such values as strings (in quotes), or export the data again."


def may_hold_lone_surrogates(raw: str, start: int = 0, end: int | None = None) -> bool:
    """Only a \\uD800-\\uDFFF escape decodes to a surrogate (UTF-8 input cannot hold one)."""
    end = len(raw) if end is None else end
    return _SURROGATE_ESCAPE.search(raw, start, end) is not None


def replace_lone_surrogates(value: Any) -> tuple[Any, bool]:
    """`value` with every lone surrogate (in keys and strings) replaced by U+FFFD, and whether any was.

    A surrogate pair escape (\\ud83d\\ude00) decodes to one real character; only halves without their
    partner remain in the surrogate range, and no UTF-8 encoder (Arrow's included) accepts them.
    Recursive: callers check nesting_depth first.
    """
    if isinstance(value, str):
        cleaned = _LONE_SURROGATE.sub("\ufffd", value)
        return cleaned, cleaned != value
    if isinstance(value, dict):
        changed = False
        result = {}
        for key, item in value.items():
            key, key_changed = replace_lone_surrogates(key)
            item, item_changed = replace_lone_surrogates(item)
            result[key] = item
            changed = changed or key_changed or item_changed
        return result, changed
    if isinstance(value, list):
        items = [replace_lone_surrogates(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    return value, False


def lone_surrogates_warning(file_name: str, records: int) -> str:
    return (f"{file_name}: {records:,} record(s) held \\u escapes of lone UTF-16 surrogates (such as \\ud800), "
            "which are not characters; each was replaced with U+FFFD (\ufffd).")
