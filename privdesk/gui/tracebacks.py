"""Tracebacks safe for the log: frames, source lines and exception types, never exception messages.

Exception messages from parsers and libraries often quote the offending value ("could not convert
'Jane Doe' to int"), and our data is full of PII. No Qt here: the detection process uses it too.
"""

from __future__ import annotations

import traceback


def traceback_without_values(error: BaseException) -> str:
    """The traceback of `error` and its causes: frames and source lines, exception type names, no messages."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts: list[str] = []
    for index, exc in enumerate(reversed(chain)):
        if index:
            parts.append("\nwhich led to:\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        parts.append(f"{type(exc).__module__}.{type(exc).__qualname__} (message withheld: it may quote data)\n")
    return "".join(parts)
