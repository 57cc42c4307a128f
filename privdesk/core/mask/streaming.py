"""Streaming writers: a dataset written batch by batch, so an export never holds the whole table.

privdesk.core.dataset.write_dataset writes a whole table at once; masking streams, so it needs
writers that append. Each writer takes Arrow batches plus an *overlay* (column -> row in the batch
-> masked text) and writes the overlay's texts in place of those cells. The output matches what
write_dataset writes for the same data (same CSV quoting, JSON layout and Parquet types), so a
file can round-trip byte for byte.

Later batches may bring new columns or other types (JSON sources are typed batch by batch, and a
masked number becomes text): the CSV writer then rewrites its header, the Parquet writer widens
its schema; both copy what they have written so far into a new temporary file, one row group or
row at a time, which keeps memory bounded.

CSV and TSV output can neutralise formula injection: a cell starting with = + - @ TAB or CR gets
a leading apostrophe, so a spreadsheet shows it as text instead of running it.
"""

from __future__ import annotations

import base64
import csv
import json
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from privdesk.core.dataset.columns import conform_column, nest_record, unify_types
from privdesk.core.dataset.model import cell_text
from privdesk.core.dataset.writers import json_default, column_texts, parquet_compatible  # same encoding as write_dataset
from privdesk.core.mask.errors import MaskingError

Overlay = dict[str, dict[int, str]]  # column -> row index within the batch -> masked text
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^[=+\-@\t\r]"
OUTPUT_FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "jsonl", "parquet", "txt")


def needs_formula_guard(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


class StreamWriter(ABC):
    """Appends batches to `path` (a temporary file the caller renames when everything is written)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows = 0
        self.closed = False

    @abstractmethod
    def write(self, table: pa.Table, overlay: Overlay | None = None) -> list[tuple[int, str]]:
        """Write one batch; returns the (row in batch, column) of cells that got a formula guard."""

    @abstractmethod
    def close(self) -> dict[str, Any]:
        """Finish the file; returns what a reader needs to know about how it was written."""

    def abort(self) -> None:
        """Release the file after a failure (the caller deletes it); does nothing once closed."""


def _texts_with_overlay(column: pa.ChunkedArray | pa.Array, overlay: dict[int, str] | None) -> list[str]:
    texts = column_texts(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
    if overlay:
        for row, text in overlay.items():
            texts[row] = text
    return texts


# ---- CSV / TSV -----------------------------------------------------------------------------------------

class CsvStreamWriter(StreamWriter):
    def __init__(self, path: Path, *, delimiter: str = ",", line_terminator: str = "\r\n",
                 neutralise_formulas: bool = True):
        super().__init__(path)
        self.delimiter = delimiter
        self.line_terminator = line_terminator
        self.neutralise = neutralise_formulas
        self.columns: list[str] | None = None
        self.header_guarded: list[str] = []
        self._handle: IO[str] = open(self.path, "w", encoding="utf-8", newline="")
        self._writer = self._csv_writer(self._handle)

    def _csv_writer(self, handle: IO[str]):
        return csv.writer(handle, delimiter=self.delimiter, quotechar='"', doublequote=True,
                          quoting=csv.QUOTE_MINIMAL, lineterminator=self.line_terminator)

    def _format_row(self, row: list[str]) -> str:
        # The csv module quotes a field only for characters of the line terminator, so with "\n" a lone
        # "\r" would go out bare and split the record when read back: quote such rows by hand.
        fields = []
        for value in row:
            if any(char in value for char in (self.delimiter, '"', "\r", "\n")):
                value = '"' + value.replace('"', '""') + '"'
            fields.append(value)
        return self.delimiter.join(fields) + self.line_terminator

    def _write_rows(self, rows: list[list[str]]) -> None:
        if self.line_terminator == "\r\n":
            self._writer.writerows(rows)
            return
        for row in rows:
            if any("\r" in value for value in row):
                self._handle.write(self._format_row(row))
            else:
                self._writer.writerow(row)

    def _guard_header(self, names: list[str]) -> list[str]:
        if not self.neutralise:
            return names
        guarded = []
        for name in names:
            if needs_formula_guard(name):
                self.header_guarded.append(name)
                name = "'" + name
            guarded.append(name)
        return guarded

    def write(self, table: pa.Table, overlay: Overlay | None = None) -> list[tuple[int, str]]:
        overlay = overlay or {}
        if self.columns is None:
            self.columns = list(table.column_names)
            self._write_rows([self._guard_header(self.columns)])
        new_columns = [name for name in table.column_names if name not in self.columns]
        if new_columns:
            self._widen(new_columns)
        columns: list[list[str]] = []
        guarded: list[tuple[int, str]] = []
        for name in self.columns:
            if name not in table.column_names:
                columns.append([""] * table.num_rows)
                continue
            column = table.column(name)
            texts = _texts_with_overlay(column, overlay.get(name))
            if self.neutralise:
                for row in self._rows_to_guard(column, texts, overlay.get(name)):
                    texts[row] = "'" + texts[row]
                    guarded.append((row, name))
            columns.append(texts)
        self._write_rows([list(row) for row in zip(*columns)])
        self.rows += table.num_rows
        return guarded

    @staticmethod
    def _rows_to_guard(column: pa.ChunkedArray, texts: list[str], overlay: dict[int, str] | None) -> list[int]:
        rows: set[int] = set()
        if overlay:
            rows.update(row for row, text in overlay.items() if needs_formula_guard(text))
        try:
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                flags = pc.match_substring_regex(column, _FORMULA_PATTERN).to_pylist()
                rows.update(row for row, flag in enumerate(flags) if flag and (not overlay or row not in overlay))
                return sorted(rows)
        except pa.ArrowException:
            pass
        rows.update(row for row, text in enumerate(texts) if needs_formula_guard(text) and (not overlay or row not in overlay))
        return sorted(rows)

    def _widen(self, new_columns: list[str]) -> None:
        """A later batch brought new columns: rewrite what is written with the longer header."""
        assert self.columns is not None
        self._handle.close()
        narrow = self.path.with_name(self.path.name + ".narrow")
        os.replace(self.path, narrow)
        extra = [""] * len(new_columns)
        self.columns = self.columns + new_columns
        self.header_guarded = []
        try:
            self._handle = open(self.path, "w", encoding="utf-8", newline="")
            self._writer = self._csv_writer(self._handle)
            self._write_rows([self._guard_header(self.columns)])
            with open(narrow, encoding="utf-8", newline="") as old:
                reader = csv.reader(old, delimiter=self.delimiter, quotechar='"', doublequote=True)
                next(reader, None)
                for row in reader:
                    self._write_rows([row + extra])
        finally:
            narrow.unlink(missing_ok=True)

    def close(self) -> dict[str, Any]:
        if self.columns is None:
            self.columns = []
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self.closed = True
        return {"columns": self.columns, "delimiter": self.delimiter, "line_terminator": self.line_terminator,
                "header_guarded": self.header_guarded}

    def abort(self) -> None:
        self.closed = True
        self._handle.close()


# ---- JSON / JSON Lines ---------------------------------------------------------------------------------

class JsonStreamWriter(StreamWriter):
    """JSON Lines (one object a line) or a JSON array with one object a line, as write_dataset writes them."""

    def __init__(self, path: Path, *, lines: bool):
        super().__init__(path)
        self.lines = lines
        self._handle: IO[str] = open(self.path, "w", encoding="utf-8", newline="\n")
        self._separator = "\n"
        if not lines:
            self._handle.write("[")

    def write(self, table: pa.Table, overlay: Overlay | None = None) -> list[tuple[int, str]]:
        overlay = overlay or {}
        nest = any("." in name for name in table.column_names)
        rows = table.to_pylist()
        for column, cells in overlay.items():
            for row_index, text in cells.items():
                rows[row_index][column] = text
        self.write_rows(nest_record(row) for row in rows) if nest else self.write_rows(rows)
        return []

    def write_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        """Write rows that are already JSON objects (nested as they should appear)."""
        for row in rows:
            text = json.dumps(row, ensure_ascii=False, default=json_default)
            if self.lines:
                self._handle.write(text)
                self._handle.write("\n")
            else:
                self._handle.write(self._separator)
                self._handle.write(text)
                self._separator = ",\n"
            self.rows += 1

    def close(self) -> dict[str, Any]:
        if not self.lines:
            self._handle.write("\n]\n" if self._separator != "\n" else "]\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self.closed = True
        return {}

    def abort(self) -> None:
        self.closed = True
        self._handle.close()


# ---- plain text ----------------------------------------------------------------------------------------

class TextStreamWriter(StreamWriter):
    """One record per line, or per blank-line-separated paragraph, from the dataset's single text column."""

    def __init__(self, path: Path, *, paragraphs: bool):
        super().__init__(path)
        self.separator = "\n\n" if paragraphs else "\n"
        self.paragraphs = paragraphs
        self.column: str | None = None
        self._handle: IO[str] = open(self.path, "w", encoding="utf-8", newline="")

    def write(self, table: pa.Table, overlay: Overlay | None = None) -> list[tuple[int, str]]:
        if self.column is None:
            if table.num_columns != 1:
                raise MaskingError(f"a .txt output holds one text column, but this data has {table.num_columns}.",
                                   path=self.path, hint="Export as CSV or JSON Lines instead.")
            self.column = table.column_names[0]
        texts = _texts_with_overlay(table.column(self.column), (overlay or {}).get(self.column))
        for offset, text in enumerate(texts):
            broken = (any(not line.strip() for line in text.split("\n")) if self.paragraphs
                      else "\n" in text or "\r" in text)
            if broken:
                raise MaskingError(f"record {self.rows + offset} would not read back as one record in a .txt file "
                                   "(it has a line break or blank line).", path=self.path,
                                   hint="Export as CSV or JSON Lines instead.")
            if self.rows + offset > 0:
                self._handle.write(self.separator)
            self._handle.write(text)
        self.rows += table.num_rows
        return []

    def close(self) -> dict[str, Any]:
        if self.rows:
            self._handle.write("\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self.closed = True
        return {"text_split": "paragraph" if self.paragraphs else "line"}

    def abort(self) -> None:
        self.closed = True
        self._handle.close()


# ---- Parquet -------------------------------------------------------------------------------------------

def schema_to_text(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def schema_from_text(text: str) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


class ParquetStreamWriter(StreamWriter):
    """Row groups appended batch by batch; the schema widens when a batch needs it (see the module docstring).

    `unmasked_schema` is the schema the file would have had without masking (masked numbers and
    dates become text); reidentify casts the restored columns back to it.
    """

    def __init__(self, path: Path):
        super().__init__(path)
        self._writer: pq.ParquetWriter | None = None
        self.schema: pa.Schema | None = None
        self.unmasked_schema: pa.Schema | None = None

    def write(self, table: pa.Table, overlay: Overlay | None = None) -> list[tuple[int, str]]:
        table = parquet_compatible(table)
        self.unmasked_schema = table.schema if self.unmasked_schema is None else _widened(self.unmasked_schema, table.schema)
        table = _apply_overlay(table, overlay or {})
        if self.schema is None:
            self.schema = table.schema
            self._writer = pq.ParquetWriter(self.path, self.schema)
        elif not table.schema.equals(self.schema, check_metadata=False):
            wider = _widened(self.schema, table.schema)
            if not wider.equals(self.schema, check_metadata=False):
                self._rewrite(wider)
            table = _conform(table, self.schema)
        assert self._writer is not None
        if table.num_rows:
            self._writer.write_table(table)
        self.rows += table.num_rows
        return []

    def _rewrite(self, schema: pa.Schema) -> None:
        """Continue in a new file with the wider schema, after copying the row groups written so far."""
        assert self._writer is not None
        self._writer.close()
        narrow = self.path.with_name(self.path.name + ".narrow")
        os.replace(self.path, narrow)
        try:
            self._writer = pq.ParquetWriter(self.path, schema)
            with pq.ParquetFile(narrow) as old:
                for index in range(old.num_row_groups):
                    self._writer.write_table(_conform(old.read_row_group(index), schema))
        finally:
            narrow.unlink(missing_ok=True)
        self.schema = schema

    def close(self) -> dict[str, Any]:
        if self._writer is None:  # no batch at all: an empty file with no columns
            self.schema = pa.schema([])
            self._writer = pq.ParquetWriter(self.path, self.schema)
        self._writer.close()
        self.closed = True
        return {"unmasked_schema": schema_to_text(self.unmasked_schema or self.schema),
                "schema": schema_to_text(self.schema)}

    def abort(self) -> None:
        if self._writer is not None and not self.closed:
            self.closed = True
            try:
                self._writer.close()
            except (OSError, pa.ArrowException):
                pass


def _apply_overlay(table: pa.Table, overlay: Overlay) -> pa.Table:
    promoted = False
    for name, cells in overlay.items():
        if not cells:
            continue
        index = table.column_names.index(name)
        column = table.column(index)
        field = table.schema.field(index)
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            values = column.to_pylist()
            target = field.type
        else:  # a masked number, date or list is text now; its other cells become text the same way
            values = [None if value is None else cell_text(value) for value in column.to_pylist()]
            target = pa.string()
            promoted = True
        for row, text in cells.items():
            values[row] = text
        table = table.set_column(index, pa.field(name, target), pa.array(values, target))
    return _without_pandas_metadata(table) if promoted else table


def _without_pandas_metadata(table: pa.Table) -> pa.Table:
    """pandas metadata describes the old column types, and pandas trusts it when reading back: drop it."""
    metadata = table.schema.metadata
    if not metadata or b"pandas" not in metadata:
        return table
    return table.replace_schema_metadata({key: value for key, value in metadata.items() if key != b"pandas"})


def _widened(schema: pa.Schema, other: pa.Schema) -> pa.Schema:
    """A schema that holds both: columns of either (in first-seen order), types unified as the readers do."""
    names = list(dict.fromkeys([*schema.names, *other.names]))
    fields = []
    changed = False
    for name in names:
        types = [s.field(name).type for s in (schema, other) if name in s.names]
        unified = unify_types(types)
        if pa.types.is_null(unified):
            unified = types[0]
        if name in schema.names and not unified.equals(schema.field(name).type):
            changed = True
        fields.append(pa.field(name, unified))
    metadata = schema.metadata
    if changed and metadata and b"pandas" in metadata:
        # pandas metadata would describe the old column types; pandas trusts it when reading back.
        metadata = {key: value for key, value in metadata.items() if key != b"pandas"}
    return pa.schema(fields, metadata=metadata)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    arrays = []
    for field in schema:
        if field.name in table.column_names:
            arrays.append(conform_column(table.column(field.name), field.type))
        else:
            arrays.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def open_stream_writer(fmt: str, path: Path, *, delimiter: str | None = None, line_terminator: str = "\r\n",
                       neutralise_formulas: bool = True, text_split: str | None = None) -> StreamWriter:
    if fmt == "csv":
        return CsvStreamWriter(path, delimiter=delimiter or ",", line_terminator=line_terminator,
                               neutralise_formulas=neutralise_formulas)
    if fmt == "tsv":
        return CsvStreamWriter(path, delimiter=delimiter or "\t", line_terminator=line_terminator,
                               neutralise_formulas=neutralise_formulas)
    if fmt in ("json", "jsonl"):
        return JsonStreamWriter(path, lines=fmt == "jsonl")
    if fmt == "parquet":
        return ParquetStreamWriter(path)
    if fmt == "txt":
        return TextStreamWriter(path, paragraphs=text_split == "paragraph")
    raise MaskingError(f"cannot write the format '{fmt}'.", path=path,
                       hint=f"Choose one of: {', '.join(OUTPUT_FORMATS)}.")
