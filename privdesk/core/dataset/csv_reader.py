"""CSV and TSV: streamed with pyarrow's CSV reader, every column read as text.

Text, because identifiers such as ZIP codes ("02139") and phone numbers lose their leading zeros or
their formatting when a reader guesses numbers. Empty cells are "" (not null), so a cell reads back
exactly as written.
"""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.csv as pacsv

from privdesk.core.errors import DatasetError

from .csvsniff import normalize_delimiter, parse_header, sniff_delimiter, unique_column_names
from .encoding import read_head
from .options import ReadOptions
from .source import BatchSource, os_errors_as_dataset_errors, rebatch

# Arrow's streaming reader parses a few dozen blocks ahead of the consumer, so the block size sets
# the memory of a streaming read (about 20 MB at 512 KiB); larger blocks were not faster. A record
# longer than a block (a whole document in one cell) makes Arrow fail, so the read restarts with
# larger blocks, skipping the rows already delivered.
_BLOCK_BYTES = 512 * 1024
_MAX_BLOCK_BYTES = 1024 * 1024 * 1024
_FIELD_COUNT = re.compile(r"Expected (\d+) columns, got (\d+)")
# A header row longer than this without a line break is not a header: it is a one-line text file (or
# junk), and Arrow would make a column of every comma in it.
MAX_HEADER_BYTES = 1024 * 1024
_TAIL_BYTES = 64


def choose_delimiter(path: Path, fmt: str, options: ReadOptions, sample: str, complete: bool) -> str:
    if options.delimiter:
        delimiter = normalize_delimiter(options.delimiter)
        if delimiter is None:
            raise DatasetError(f"the delimiter {options.delimiter!r} is not a single character.", path=path,
                               hint="Use one character such as , ; | or \\t (tab).")
        return delimiter
    if fmt == "tsv":
        return "\t"
    return sniff_delimiter(sample, complete=complete) or ","


def _arrow_encoding(encoding: str) -> str:
    # Arrow reads UTF-8 natively (and skips a UTF-8 BOM itself); other encodings go through Python's codecs.
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _open_reader(path_file: pa.NativeFile, encoding: str, delimiter: str, names: list[str],
                 block_bytes: int) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        path_file,
        read_options=pacsv.ReadOptions(block_size=block_bytes, encoding=_arrow_encoding(encoding), use_threads=True),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                         newlines_in_values=True, ignore_empty_lines=True),
        convert_options=pacsv.ConvertOptions(column_types={name: pa.string() for name in names},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False),
    )


def find_ragged_record(path: Path, encoding: str, delimiter: str) -> tuple[int, int, int] | None:
    """(line, fields, header fields) of the first record whose field count differs from the header's.

    pyarrow reports a record number and the record's text (which may be PII); a second pass with the
    csv module gives the physical line the analyst can go to, and no data.
    """
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True)
        expected: int | None = None
        start_line = 1
        try:
            for record in reader:
                if record:
                    if expected is None:
                        expected = len(record)
                    elif len(record) != expected:
                        return start_line, len(record), expected
                start_line = reader.line_num + 1
        except csv.Error:
            return None
    return None


def refuse_endless_first_line(path: Path, sample: str, complete: bool) -> None:
    """A DatasetError when the first MAX_HEADER_BYTES hold no line break (see MAX_HEADER_BYTES)."""
    if complete or "\n" in sample or "\r" in sample:
        return
    # The byte search works for UTF-16 and UTF-32 too: their line breaks hold the byte 0x0A or 0x0D.
    head = read_head(path, MAX_HEADER_BYTES)
    if b"\n" in head or b"\r" in head:
        return
    raise DatasetError(f"has no line break in its first {MAX_HEADER_BYTES // (1024 * 1024)} MB, so its first line "
                       "is not a CSV header row.", path=path,
                       hint="If the file is plain text, open it with the txt format; if it is a table, check that "
                            "its rows end with line breaks.")


def _record_start_lines(path: Path, encoding: str, delimiter: str) -> Iterator[int]:
    """The physical line on which each record starts (the csv module counts the lines; no data is kept)."""
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True)
        start_line = 1
        try:
            for record in reader:
                if record:
                    yield start_line
                start_line = reader.line_num + 1
        except csv.Error:
            return


def refuse_unclosed_final_quote(path: Path, last_batch: pa.RecordBatch | None, encoding: str, delimiter: str) -> None:
    """A DatasetError when the last value opens a quote that the file never closes.

    Arrow ends such a value at the end of the file, so every line after the stray quote would
    silently become part of one cell. A legitimate multi-line value is quoted, so the file then ends
    with the closing quote (and perhaps a line break); a swallowed tail does not.
    """
    if last_batch is None or last_batch.num_rows == 0 or last_batch.num_columns == 0:
        return
    last_value = last_batch.column(last_batch.num_columns - 1)[last_batch.num_rows - 1].as_py() or ""
    if "\n" not in last_value and "\r" not in last_value:
        return
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - _TAIL_BYTES))
        tail = handle.read()
    if tail.rstrip(b"\r\n \t\x00").endswith(b'"'):  # \x00: the high bytes of a UTF-16 or UTF-32 quote
        return
    line = None
    for line in _record_start_lines(path, encoding, delimiter):
        pass
    where = f"on line {line} " if line is not None else ""
    raise DatasetError(f"the quote that opens the last value {where}is never closed, so every line after it would be "
                       "read into that one value.", path=path,
                       hint='Close the quote (a " inside a quoted value is written as ""), or export the file again.')


def _parse_error(path: Path, encoding: str, delimiter: str, message: str) -> DatasetError:
    shown = "tab" if delimiter == "\t" else repr(delimiter)
    if "Expected" in message and "columns" in message:
        ragged = find_ragged_record(path, encoding, delimiter)
        if ragged:
            line, fields, expected = ragged
            return DatasetError(
                f"line {line} has {fields} fields but the header has {expected} (delimiter {shown}).", path=path,
                hint="Quote fields that contain the delimiter, or fix that row; "
                     "if the delimiter is wrong, pass the right one.")
        counts = _FIELD_COUNT.search(message)
        if counts:
            return DatasetError(f"a row has {counts.group(2)} fields but the header has {counts.group(1)} "
                                f"(delimiter {shown}).", path=path, hint="Fix that row or pass the right delimiter.")
    if "straddling" in message:
        return DatasetError("has a record longer than 1 GiB, or a quote that is never closed.", path=path,
                            hint="Check that every opening quote has its closing quote.")
    if "UTF8" in message or "UTF-8" in message:
        return DatasetError(f"cannot be decoded as {encoding}.", path=path,
                            hint="Pass the right encoding (for example cp1252 or utf-16).")
    # Arrow's parse messages end with the offending row's text: keep only the part before it.
    return DatasetError(f"is not a well-formed CSV file ({message.split(':')[0].strip()}).", path=path,
                        hint="Check the quoting and the delimiter.")


def open_csv_source(path: Path, fmt: str, options: ReadOptions, encoding: str, sample: str, complete: bool,
                    size_bytes: int, batch_rows: int) -> BatchSource:
    delimiter = choose_delimiter(path, fmt, options, sample, complete)
    refuse_endless_first_line(path, sample, complete)
    header = parse_header(sample, delimiter) or []
    position = {"bytes": 0}
    warnings: list[str] = []

    column_names: list[str] = []

    def record_batches() -> Iterator[pa.RecordBatch]:
        block_bytes = _BLOCK_BYTES
        delivered = 0
        while True:
            try:
                with pa.OSFile(str(path)) as raw:
                    reader = _open_reader(raw, encoding, delimiter, header, block_bytes)
                    if not all(pa.types.is_string(field.type) for field in reader.schema):
                        # Our header parse missed a name Arrow saw (a header longer than the sample):
                        # reopen with Arrow's own names so no column gets a guessed numeric type.
                        raw.seek(0)
                        reader = _open_reader(raw, encoding, delimiter, reader.schema.names, block_bytes)
                    if not column_names:
                        column_names.extend(reader.schema.names)
                    skip = delivered
                    for batch in reader:
                        if skip >= batch.num_rows:
                            skip -= batch.num_rows
                            continue
                        batch, skip = batch.slice(skip), 0
                        position["bytes"] = raw.tell()
                        delivered += batch.num_rows
                        yield batch
                    return
            except pa.ArrowInvalid as error:
                if "Empty CSV file" in str(error) and header and not delivered:
                    # Arrow needs a line break after the header; a header-only file may lack one.
                    column_names[:] = header
                    return
                if "straddling" not in str(error) or block_bytes >= _MAX_BLOCK_BYTES:
                    raise
                block_bytes = min(block_bytes * 16, _MAX_BLOCK_BYTES)

    def batches() -> Iterator[pa.Table]:
        with os_errors_as_dataset_errors(path):
            stream = record_batches()
            first = next(stream, None)  # opens the reader, which settles the column names
            final_names, notes = unique_column_names(column_names)
            warnings.extend(notes)
            schema = pa.schema([pa.field(name, pa.string()) for name in final_names])

            last: list[pa.RecordBatch] = []

            def parts() -> Iterator[pa.Table]:
                if first is None:
                    return
                for batch in itertools.chain([first], stream):
                    if batch.num_rows:
                        last[:] = [batch]
                    yield pa.Table.from_batches([batch]).rename_columns(final_names)

            yield from rebatch(parts(), batch_rows, schema.empty_table)
            refuse_unclosed_final_quote(path, last[0] if last else None, encoding, delimiter)
            position["bytes"] = size_bytes

    def guarded() -> Iterator[pa.Table]:
        try:
            yield from batches()
        except pa.ArrowInvalid as error:
            raise _parse_error(path, encoding, delimiter, str(error)) from None

    return BatchSource(path=path, format=fmt, encoding=encoding, delimiter=delimiter, batches=guarded(),
                       size_bytes=size_bytes, total=size_bytes, progress=lambda: position["bytes"], warnings=warnings)
