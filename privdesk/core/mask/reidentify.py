"""Re-identification: a masked file and its vault give back the original data, exactly.

    reidentify_file("notes.masked.csv", "notes.vault", passphrase, "notes.restored.csv")

The vault is opened and authenticated in full first, and the masked file must be the very file it
was written for (same SHA-256): a changed file could otherwise be "restored" into something that
was never the input. The masked file is then read in its own layout (the one export wrote), each
cell the vault knows about gets its original parts back, from the last to the first, and the result
is written in the same format and layout, so an input written the way PrivDesk writes comes back
byte for byte.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from privdesk.core.atomic import atomic_path
from privdesk.core.dataset.columns import flatten_record, nest_record
from privdesk.core.mask.errors import VaultError
from privdesk.core.mask.streaming import (
    CsvStreamWriter,
    JsonStreamWriter,
    TextStreamWriter,
    schema_from_text,
)
from privdesk.core.mask.vault import VaultReader
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker

log = logging.getLogger(__name__)

_BATCH_ROWS = 10_000


@dataclass
class CellRestore:
    """What the vault says about one cell: (start, end, original) per replaced part, the original type, a guard."""

    replacements: list[tuple[int, int, str]] = field(default_factory=list)
    kind: str | None = None
    escaped: bool = False


@dataclass
class ReidentifySummary:
    output_path: Path
    rows: int
    cells_restored: int
    values_restored: int


class _Mismatch(Exception):
    pass


def restore_text(masked: str, cell: CellRestore) -> str:
    text = masked
    if cell.escaped:
        if not text.startswith("'"):
            raise _Mismatch()
        text = text[1:]
    for start, end, original in reversed(cell.replacements):
        if not 0 <= start <= end <= len(text):
            raise _Mismatch()
        text = text[:start] + original + text[end:]
    return text


def typed_value(text: str, kind: str | None) -> Any:
    """A restored text as the value it was before masking (an int stays an int in JSON)."""
    if kind in (None, "text"):
        return text
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            if text not in ("True", "False"):
                raise ValueError(text)
            return text == "True"
        if kind == "json":
            return json.loads(text)
    except ValueError:
        raise _Mismatch() from None
    raise _Mismatch()


class VaultCursor:
    """Hands out the vault's cells record by record, holding one export batch of them at a time."""

    def __init__(self, items: Iterable[dict[str, Any]]):
        self._items = iter(items)
        self._window: dict[int, dict[str, CellRestore]] = {}
        self._window_end = 0
        self._exhausted = False

    def cells_for(self, record: int) -> dict[str, CellRestore]:
        while record >= self._window_end and not self._exhausted:
            self._load_window()
        return self._window.pop(record, {})

    def _load_window(self) -> None:
        for item in self._items:
            kind = item["type"]
            if kind == "batch":
                self._window_end = int(item["end"])
                return
            cell = self._window.setdefault(int(item["r"]), {}).setdefault(str(item["c"]), CellRestore())
            if kind == "r":
                cell.replacements.append((int(item["s"]), int(item["e"]), str(item["o"])))
            else:
                cell.kind = item.get("kind", cell.kind)
                cell.escaped = cell.escaped or bool(item.get("esc"))
        self._exhausted = True
        self._window_end = math.inf  # type: ignore[assignment]

    def leftover(self) -> bool:
        if self._window:
            return True
        while not self._exhausted:
            self._load_window()
            if self._window:
                return True
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class _Restorer:
    def __init__(self, cursor: VaultCursor, masked_path: Path, tracker: ProgressTracker, cancel: CancelToken | None):
        self.cursor = cursor
        self.masked_path = masked_path
        self.tracker = tracker
        self.cancel = cancel
        self.cells = 0
        self.values = 0
        self.rows = 0

    def mismatch(self, record: int, column: str) -> VaultError:
        return VaultError(f"record {record}, column '{column}' of the masked file does not match the vault.",
                          path=self.masked_path, hint="Use the masked file exactly as export wrote it.")

    def restore_cell(self, record: int, column: str, masked: Any, cell: CellRestore, *, typed: bool = False) -> Any:
        """The original cell; `typed` (JSON only) turns it back into the number, boolean or object it was."""
        if not isinstance(masked, str):
            raise self.mismatch(record, column)
        try:
            text = restore_text(masked, cell)
            value = typed_value(text, cell.kind) if typed else text
        except _Mismatch:
            raise self.mismatch(record, column) from None
        self.cells += 1
        self.values += len(cell.replacements)
        return value

    def tick(self, rows: int) -> None:
        self.rows += rows
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()
        self.tracker.advance(rows, f"{self.rows:,} records restored")

    # ---- CSV / TSV ---------------------------------------------------------------------------------

    def csv(self, output: Path, info: dict[str, Any]) -> None:
        delimiter, terminator = info["delimiter"], info["line_terminator"]
        guarded_header = set(info.get("header_guarded", []))
        writer = CsvStreamWriter(output, delimiter=delimiter, line_terminator=terminator, neutralise_formulas=False)
        try:
            with open(self.masked_path, encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True)
                header = next(reader, None)
                if header is None:
                    writer.close()
                    return
                names = [name[1:] if name.startswith("'") and name[1:] in guarded_header else name for name in header]
                index = {name: position for position, name in enumerate(names)}
                batch: list[list[str]] = []
                for row in reader:
                    record = self.rows + len(batch)
                    for column, cell in self.cursor.cells_for(record).items():
                        if column not in index or index[column] >= len(row):
                            raise self.mismatch(record, column)
                        row[index[column]] = self.restore_cell(record, column, row[index[column]], cell)
                    batch.append(row)
                    if len(batch) >= _BATCH_ROWS:
                        self._write_csv_batch(writer, names, batch)
                        batch = []
                self._write_csv_batch(writer, names, batch, force=self.rows == 0)
            writer.close()
        finally:
            writer.abort()

    def _write_csv_batch(self, writer: CsvStreamWriter, names: list[str], rows: list[list[str]], *,
                         force: bool = False) -> None:
        if not rows and not force:
            return
        columns = list(zip(*rows)) if rows else [() for _ in names]
        table = pa.Table.from_arrays([pa.array(list(values), pa.string()) for values in columns], names=names)
        writer.write(table)
        self.tick(len(rows))

    # ---- JSON / JSON Lines -------------------------------------------------------------------------

    def json(self, output: Path, *, lines: bool) -> None:
        writer = JsonStreamWriter(output, lines=lines)
        try:
            batch: list[dict[str, Any]] = []
            for row in self._json_rows(lines):
                batch.append(self._restore_json_row(self.rows + len(batch), row))
                if len(batch) >= _BATCH_ROWS:
                    writer.write_rows(batch)
                    self.tick(len(batch))
                    batch = []
            writer.write_rows(batch)
            self.tick(len(batch))
            writer.close()
        finally:
            writer.abort()

    def _json_rows(self, lines: bool) -> Iterator[dict[str, Any]]:
        with open(self.masked_path, encoding="utf-8", newline="\n") as handle:
            for number, line in enumerate(handle, start=1):
                text = line.rstrip("\n")
                if not lines:
                    if text in ("[", "]", "[]"):
                        continue
                    text = text.removesuffix(",")
                if not text:
                    continue
                try:
                    row = json.loads(text)
                except ValueError:
                    raise VaultError(f"line {number} of the masked file is not the JSON export wrote.",
                                     path=self.masked_path) from None
                yield row

    def _restore_json_row(self, record: int, row: dict[str, Any]) -> dict[str, Any]:
        cells = self.cursor.cells_for(record)
        if not cells:
            return row
        nested = any(isinstance(value, dict) and value for value in row.values())
        flat = dict(flatten_record(row)) if nested else row
        for column, cell in cells.items():
            if column not in flat:
                raise self.mismatch(record, column)
            flat[column] = self.restore_cell(record, column, flat[column], cell, typed=True)
        return nest_record(flat) if nested else flat

    # ---- plain text --------------------------------------------------------------------------------

    def text(self, output: Path, info: dict[str, Any]) -> None:
        paragraphs = info.get("text_split") == "paragraph"
        writer = TextStreamWriter(output, paragraphs=paragraphs)
        column_name = None
        try:
            batch: list[str] = []
            for text in self._text_records(paragraphs):
                record = self.rows + len(batch)
                for column, cell in self.cursor.cells_for(record).items():
                    column_name = column_name or column
                    text = self.restore_cell(record, column, text, cell)
                batch.append(text)
                if len(batch) >= _BATCH_ROWS:
                    writer.write(pa.table({column_name or "text": pa.array(batch, pa.string())}))
                    self.tick(len(batch))
                    batch = []
            if batch:
                writer.write(pa.table({column_name or "text": pa.array(batch, pa.string())}))
                self.tick(len(batch))
            writer.close()
        finally:
            writer.abort()

    def _text_records(self, paragraphs: bool) -> Iterator[str]:
        with open(self.masked_path, encoding="utf-8", newline="") as handle:
            content_lines = (line.removesuffix("\n") for line in _split_keeping_newlines(handle))
            if not paragraphs:
                yield from content_lines
                return
            current: list[str] = []
            for line in content_lines:
                if line == "":
                    if current:
                        yield "\n".join(current)
                    current = []
                else:
                    current.append(line)
            if current:
                yield "\n".join(current)

    # ---- Parquet -----------------------------------------------------------------------------------

    def parquet(self, output: Path, info: dict[str, Any], row_groups: list[int] | None) -> None:
        """Restore row group by row group; regrouped like the input was, when it was Parquet too."""
        schema = schema_from_text(info["unmasked_schema"])
        with pq.ParquetFile(self.masked_path) as masked:
            if row_groups is None or sum(row_groups) != masked.metadata.num_rows:
                row_groups = [masked.metadata.row_group(i).num_rows for i in range(masked.num_row_groups)]
            writer = pq.ParquetWriter(output, schema)
            try:
                pending: list[pa.Table] = []
                pending_rows = 0
                targets = iter(row_groups)
                target = next(targets, None)
                for group in range(masked.num_row_groups):
                    table = self._restore_table(masked.read_row_group(group), schema)
                    self.tick(table.num_rows)
                    pending.append(table)
                    pending_rows += table.num_rows
                    while target is not None and pending_rows >= target:
                        combined = pa.concat_tables(pending)
                        writer.write_table(combined.slice(0, target), row_group_size=max(target, 1))
                        rest = combined.slice(target)
                        pending, pending_rows = ([rest] if rest.num_rows else []), rest.num_rows
                        target = next(targets, None)
                if pending_rows:
                    writer.write_table(pa.concat_tables(pending))
                if masked.num_row_groups == 0:
                    writer.write_table(schema.empty_table())
            finally:
                writer.close()

    def _restore_table(self, table: pa.Table, schema: pa.Schema) -> pa.Table:
        first = self.rows
        patches: dict[str, dict[int, CellRestore]] = {}
        for row in range(table.num_rows):
            for column, cell in self.cursor.cells_for(first + row).items():
                patches.setdefault(column, {})[row] = cell
        arrays = []
        for target in schema:
            if target.name not in table.column_names:
                raise self.mismatch(first, target.name)
            column = table.column(target.name)
            cells = patches.pop(target.name, None)
            if cells:
                values = column.to_pylist()
                for row, cell in cells.items():
                    values[row] = self.restore_cell(first + row, target.name, values[row], cell)
                column = pa.array(values, column.type)
            arrays.append(_as_type(column, target.type))
        if patches:
            raise self.mismatch(first, next(iter(patches)))
        return pa.Table.from_arrays(arrays, schema=schema)


def _split_keeping_newlines(handle) -> Iterator[str]:
    """Lines split on "\\n" only (a "\\r" inside a record is data, not a line end)."""
    pending = ""
    while chunk := handle.read(1024 * 1024):
        pending += chunk
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    if pending:
        yield pending


def _as_type(column: pa.ChunkedArray | pa.Array, target: pa.DataType) -> pa.Array | pa.ChunkedArray:
    """A column the export turned into text, back in its original type."""
    if column.type.equals(target):
        return column
    try:
        return pc.cast(column, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        pass
    values = []
    for value in column.to_pylist():
        if value is None:
            values.append(None)
        elif pa.types.is_boolean(target):
            values.append(value == "True")
        else:
            values.append(json.loads(value))
    return pa.array(values, target)


def reidentify_file(masked_path: str | Path, vault_path: str | Path, passphrase: str, output_path: str | Path, *,
                    expected_project_id: str | None = None, progress: ProgressCallback | None = None,
                    cancel: CancelToken | None = None) -> ReidentifySummary:
    """Restore the original data from a masked file and its vault into `output_path` (atomically)."""
    masked_path, vault_path, output_path = Path(masked_path), Path(vault_path), Path(output_path)
    for path in (masked_path, vault_path):
        if output_path.exists() and output_path.resolve() == path.resolve():
            raise VaultError("is an input of reidentify; choose another output file.", path=output_path)
    reader = VaultReader(vault_path, passphrase, expected_project_id=expected_project_id)
    if not masked_path.is_file():
        raise VaultError("the masked file does not exist.", path=masked_path)
    if _sha256(masked_path) != reader.trailer.get("output_sha256"):
        raise VaultError("this is not the file the vault was written for, or it was changed since.",
                         path=masked_path, hint="Use the masked output exactly as the export wrote it, with its vault.")
    fmt = str(reader.meta.get("output_format"))
    info = reader.trailer.get("writer") or {}
    rows = int(reader.trailer.get("rows", 0))
    restorer = _Restorer(VaultCursor(reader.entries()), masked_path, ProgressTracker(progress, rows), cancel)
    with atomic_path(output_path) as tmp:
        if fmt in ("csv", "tsv"):
            restorer.csv(tmp, info)
        elif fmt in ("json", "jsonl"):
            restorer.json(tmp, lines=fmt == "jsonl")
        elif fmt == "txt":
            restorer.text(tmp, info)
        elif fmt == "parquet":
            restorer.parquet(tmp, info, reader.meta.get("input_row_groups"))
        else:
            raise VaultError(f"the vault describes an output format ('{fmt}') this PrivDesk cannot read.",
                             path=vault_path)
        if restorer.rows != rows or restorer.cursor.leftover():
            raise VaultError(f"the masked file has {restorer.rows} records but the vault describes {rows}.",
                             path=masked_path)
    log.info("restored %d cells in %d records into %s", restorer.cells, restorer.rows, output_path.name)
    return ReidentifySummary(output_path, restorer.rows, restorer.cells, restorer.values)
