"""JSON (an array of objects) and JSON Lines, streamed record by record into Arrow tables.

The array reader decodes one element at a time from a sliding text buffer, so a JSON file larger
than memory is inspected in bounded memory like any other format, and syntax errors still name the
line and column of the whole file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Any, Callable, Iterator

import pyarrow as pa

from privdesk.core.errors import DatasetError

from .columns import ColumnOrder, FieldCollision, flatten_record, records_to_table, value_kind
from .json_records import (
    MAX_NESTING,
    TOO_DEEP_HINT,
    TOO_LONG_NUMBER_HINT,
    lone_surrogates_warning,
    may_hold_lone_surrogates,
    may_nest_too_deeply,
    nesting_depth,
    replace_lone_surrogates,
    too_deep_problem,
    too_long_number_problem,
)
from .source import BatchSource, os_errors_as_dataset_errors

_CHUNK_CHARS = 1024 * 1024
_POSITION_EVERY = 1024  # records between progress updates
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_KIND_ARTICLES = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
                  dict: "an object"}


def _describe(message: str) -> str:
    """json's 'Unterminated string starting at' -> 'unterminated string starting here'."""
    message = message[:1].lower() + message[1:]
    return message[: -len(" at")] + " here" if message.endswith(" at") else message


def _kind_phrase(value: Any) -> str:
    return "null" if value is None else _KIND_ARTICLES.get(value_kind(value), "a value")


class _SlidingText:
    """A window over a text stream that remembers the line and column where the window starts."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self.text = ""
        self.pos = 0
        self.eof = False
        self._line_base = 1
        self._column_base = 1
        self._chunk = _CHUNK_CHARS

    def fill(self, *, grow: bool = False) -> bool:
        """Append the next chunk; `grow` doubles the chunk so one huge value is not re-parsed many times."""
        if self.eof:
            return False
        if grow:
            self._chunk *= 2
        if self.pos > _CHUNK_CHARS:
            self._drop_consumed()
        chunk = self._handle.read(self._chunk)
        if not chunk:
            self.eof = True
            return False
        self.text += chunk
        return True

    def _drop_consumed(self) -> None:
        consumed = self.text[: self.pos]
        newlines = consumed.count("\n")
        if newlines:
            self._line_base += newlines
            self._column_base = self.pos - consumed.rfind("\n")
        else:
            self._column_base += self.pos
        self.text = self.text[self.pos:]
        self.pos = 0

    def location(self, index: int) -> tuple[int, int]:
        before = self.text[:index]
        newlines = before.count("\n")
        if newlines:
            return self._line_base + newlines, index - before.rfind("\n")
        return self._line_base, self._column_base + index

    def skip_whitespace(self) -> str:
        """Move past whitespace; the next character, or '' at the end of the file."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""


def _syntax_error(path: Path, window: _SlidingText, index: int, problem: str) -> DatasetError:
    line, column = window.location(index)
    return DatasetError(f"is not valid JSON: {problem} at line {line}, column {column}.", path=path,
                        hint="Fix the file (a JSON validator shows the spot), or export it again.")


def _looks_like_json_lines(path: Path, encoding: str) -> bool:
    with open(path, encoding=encoding) as handle:
        lines = [line for line in (handle.readline() for _ in range(3)) if line.strip()]
    try:
        return len(lines) >= 2 and all(isinstance(json.loads(line), dict) for line in lines[:2])
    except (ValueError, RecursionError):  # not JSON, or too deep or too long a number: not a clean JSON Lines file
        return False


class _RecordFlags:
    """What the readers noticed while decoding, for the source's warnings."""

    def __init__(self) -> None:
        self.surrogate_records = 0


def _may_need_checking(raw: str, start: int, end: int) -> bool:
    """A test in C-level scans of the record's text that lets almost every record skip _checked."""
    return (raw.count("[", start, end) + raw.count("{", start, end) > MAX_NESTING
            or raw.find("\\ud", start, end) != -1 or raw.find("\\uD", start, end) != -1)


def _checked(path: Path, record: Any, raw: str, start: int, end: int, where: Callable[[], str],
             flags: _RecordFlags) -> Any:
    """The decoded record after the nesting and Unicode guards (see json_records)."""
    if may_nest_too_deeply(raw, start, end) and nesting_depth(record) > MAX_NESTING:
        raise DatasetError(too_deep_problem(where()), path=path, hint=TOO_DEEP_HINT)
    if may_hold_lone_surrogates(raw, start, end):
        record, changed = replace_lone_surrogates(record)
        flags.surrogate_records += changed
    return record


def iter_json_array(path: Path, encoding: str, position: list[int] | None = None,
                    flags: _RecordFlags | None = None) -> Iterator[dict]:
    """The objects of a top-level JSON array, one at a time; `position[0]` follows the bytes read."""
    flags = flags or _RecordFlags()
    decoder = json.JSONDecoder()
    with open(path, encoding=encoding, newline="") as handle:
        window = _SlidingText(handle)
        first = window.skip_whitespace()
        if first != "[":
            if first == "{":
                hint = ("It looks like JSON Lines (one object per line): rename it to .jsonl or choose the jsonl format."
                        if _looks_like_json_lines(path, encoding) else
                        "Put the records in an array: [ {...}, {...} ].")
                raise DatasetError("holds a single JSON object, not an array of objects.", path=path, hint=hint)
            raise _syntax_error(path, window, window.pos, "expected '[' (an array of objects)")
        window.pos += 1
        index = 0
        while True:
            char = window.skip_whitespace()
            if char == "]":
                window.pos += 1
                if window.skip_whitespace():
                    raise _syntax_error(path, window, window.pos, "extra data after the closing ']'")
                return
            if char == "":
                raise _syntax_error(path, window, window.pos, "the file ends before the closing ']' (truncated?)")
            if index:
                if char != ",":
                    raise _syntax_error(path, window, window.pos, "expected ',' or ']' after a record")
                window.pos += 1
                if window.skip_whitespace() == "":
                    raise _syntax_error(path, window, window.pos, "the file ends before the closing ']' (truncated?)")
            try:
                record, start = _decode_value(path, window, decoder)
            except RecursionError:
                raise DatasetError(too_deep_problem(_array_record(index, window, window.pos)), path=path,
                                   hint=TOO_DEEP_HINT) from None
            except ValueError:  # not a JSONDecodeError (those become DatasetErrors): an integer too long to convert
                raise DatasetError(too_long_number_problem(_array_record(index, window, window.pos)), path=path,
                                   hint=TOO_LONG_NUMBER_HINT) from None
            if _may_need_checking(window.text, start, window.pos):
                record = _checked(path, record, window.text, start, window.pos,
                                  lambda: _array_record(index, window, start), flags)
            if not isinstance(record, dict):
                raise DatasetError(f"record {index + 1} of the array is {_kind_phrase(record)}, not an object.",
                                   path=path, hint="Each element of the array must be an object: {\"column\": value}.")
            yield record
            index += 1
            if position is not None and index % _POSITION_EVERY == 0:
                position[0] = handle.buffer.tell()


def _array_record(index: int, window: _SlidingText, at: int) -> str:
    return f"record {index + 1} of the array (line {window.location(at)[0]})"


def _decode_value(path: Path, window: _SlidingText, decoder: json.JSONDecoder) -> tuple[Any, int]:
    """The next value and where its text starts in the window (filling the window slides it)."""
    grow = False
    while True:
        try:
            value, end = decoder.raw_decode(window.text, window.pos)
        except json.JSONDecodeError as error:
            # A value cut off by the end of the window fails near the window's end (or inside an
            # unterminated string); read more and retry. Any other failure is a real syntax error.
            near_end = len(window.text) - error.pos <= 64 or error.msg.startswith("Unterminated string")
            if near_end and window.fill(grow=grow):
                grow = True
                continue
            raise _syntax_error(path, window, error.pos, _describe(error.msg)) from None
        if end == len(window.text) and not isinstance(value, (dict, list)) and window.fill(grow=grow):
            grow = True  # a number at the window's end may go on in the next chunk
            continue
        start, window.pos = window.pos, end
        return value, start


def iter_json_lines(path: Path, encoding: str, position: list[int] | None = None,
                    flags: _RecordFlags | None = None) -> Iterator[dict]:
    """The objects of a JSON Lines file; blank lines are skipped; `position[0]` follows the bytes read."""
    flags = flags or _RecordFlags()
    with open(path, encoding=encoding) as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DatasetError(f"line {line_number} is not valid JSON: {_describe(error.msg)} at column {error.colno}.",
                                   path=path, hint="Each line must hold one complete JSON object.") from None
            except RecursionError:
                raise DatasetError(too_deep_problem(f"line {line_number}"), path=path, hint=TOO_DEEP_HINT) from None
            except ValueError:  # an integer too long to convert
                raise DatasetError(too_long_number_problem(f"line {line_number}"), path=path,
                                   hint=TOO_LONG_NUMBER_HINT) from None
            if _may_need_checking(line, 0, len(line)):
                record = _checked(path, record, line, 0, len(line), lambda: f"line {line_number}", flags)
            if not isinstance(record, dict):
                raise DatasetError(f"line {line_number} holds {_kind_phrase(record)}, not a JSON object.", path=path,
                                   hint="Each line must hold one JSON object: {\"column\": value}.")
            yield record
            if position is not None and line_number % _POSITION_EVERY == 0:
                position[0] = handle.buffer.tell()


def open_json_source(path: Path, fmt: str, encoding: str, size_bytes: int, batch_rows: int) -> BatchSource:
    order = ColumnOrder()
    notes: set[str] = set()
    warnings: list[str] = []
    position = [0]
    flags = _RecordFlags()
    records_of = iter_json_array if fmt == "json" else iter_json_lines

    def batches() -> Iterator[pa.Table]:
        with os_errors_as_dataset_errors(path):
            pending: list[dict] = []
            count = 0
            for record in records_of(path, encoding, position, flags):
                try:
                    pending.append(flatten_record(record, order))
                except FieldCollision as collision:
                    raise DatasetError(
                        f"record {count + 1} has the field '{collision.name}' twice: once as a key with a dot in it "
                        "and once as nested keys, which would be the same column.", path=path,
                        hint="Rename one of the two keys.") from None
                count += 1
                if len(pending) >= batch_rows:
                    yield _table(pending)
                    pending = []
            if count == 0:
                raise DatasetError("holds no records.", path=path,
                                   hint="A JSON dataset is an array of objects; JSON Lines is one object per line.")
            if pending:
                yield _table(pending)
            position[0] = size_bytes

    def _table(records: list[dict]) -> pa.Table:
        table = records_to_table(records, order, notes)
        warnings.extend(sorted(note for note in notes if note not in warnings))
        if flags.surrogate_records:
            warnings[:] = [w for w in warnings if "lone UTF-16 surrogates" not in w]
            warnings.append(lone_surrogates_warning(path.name, flags.surrogate_records))
        return table

    return BatchSource(path=path, format=fmt, encoding=encoding, delimiter=None, batches=batches(),
                       size_bytes=size_bytes, total=size_bytes, progress=lambda: position[0], warnings=warnings,
                       column_order=lambda: list(order.names))
