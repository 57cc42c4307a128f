"""CSV dialect sniffing: which delimiter a sample uses, and what its header says.

csv.Sniffer guesses from character frequencies and is easily fooled by punctuation in free text, so
this heuristic parses the sample with each candidate (quotes honoured, so quoted newlines and quoted
delimiters do not count) and keeps the one that splits every record into the same number of fields.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

DELIMITER_CANDIDATES: tuple[str, ...] = (",", "\t", ";", "|")
_SAMPLE_RECORDS = 200
_MIN_CONSISTENCY = 0.5  # a few broken rows should still be reported as broken rows, not as one wide column

_DELIMITER_NAMES = {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def normalize_delimiter(text: str) -> str | None:
    """Accept a delimiter as typed on a command line ('\\t', 'tab', ';'); None when it is not one character."""
    text = _DELIMITER_NAMES.get(text.lower(), text) if text else text
    return text if len(text) == 1 and text not in ('"', "\n", "\r") else None


def _records(sample: str, delimiter: str, complete: bool) -> list[list[str]]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            if record:  # blank lines carry no record
                records.append(record)
            if len(records) > _SAMPLE_RECORDS:
                break
    except csv.Error:
        pass  # an unbalanced quote in a cut sample: judge what parsed so far
    if not complete and len(records) > 1 and len(records) <= _SAMPLE_RECORDS:
        records.pop()  # the sample may end inside the last record
    return records[:_SAMPLE_RECORDS]


def sniff_delimiter(sample: str, *, complete: bool = False) -> str | None:
    """The candidate that splits the sample into a consistent table of two or more columns, or None.

    `complete` says the sample is the whole file, so its last record is not cut off.
    """
    best: tuple[float, int, int] | None = None
    best_delimiter: str | None = None
    for rank, delimiter in enumerate(DELIMITER_CANDIDATES):
        if delimiter not in sample:
            continue
        records = _records(sample, delimiter, complete)
        if not records:
            continue
        counts = Counter(len(record) for record in records)
        header_fields = len(records[0])
        if header_fields < 2:
            continue
        consistency = counts[header_fields] / len(records)
        if consistency < _MIN_CONSISTENCY:
            continue
        score = (consistency, header_fields, -rank)
        if best is None or score > best:
            best, best_delimiter = score, delimiter
    return best_delimiter


def parse_header(sample: str, delimiter: str) -> list[str] | None:
    """The field names of the first record, or None when the sample ends inside it."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar='"', doublequote=True)
    try:
        for record in reader:
            if record:
                return record
    except csv.Error:
        return None
    return None


def unique_column_names(names: list[str]) -> tuple[list[str], list[str]]:
    """Names with blanks filled in and duplicates numbered, plus a note for each change."""
    seen: set[str] = set()
    result: list[str] = []
    notes: list[str] = []
    for index, name in enumerate(names):
        base = name if name.strip() else f"column_{index + 1}"
        candidate, number = base, 2
        while candidate in seen:
            candidate = f"{base}_{number}"
            number += 1
        if candidate != name:
            notes.append(f"column {index + 1} {'has no name' if not name.strip() else f'repeats the name {name!r}'}; "
                         f"it is called {candidate!r}")
        seen.add(candidate)
        result.append(candidate)
    return result, notes
