"""Writers for every format PrivDesk reads. Every file is written atomically; the source is never touched.

Column order, row order and cell values are kept; CSV and TSV hold text (numbers as their text,
lists and objects as JSON), JSON and JSON Lines re-nest dotted columns into objects, Parquet keeps
Arrow types as they are. Text files are always written as UTF-8.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import os
import sys
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from privdesk.core.atomic import atomic_open, atomic_path
from privdesk.core.errors import DatasetError

from .columns import is_text_type, nest_record
from .formats import check_format, format_from_extension
from .model import Dataset, binary_text, cell_text
from .text_reader import FILE_COLUMN, TEXT_COLUMN

if TYPE_CHECKING:
    import pandas

_ROWS_PER_CHUNK = 10_000


def write_dataset(data: "Dataset | pa.Table | pandas.DataFrame", path: str | Path, format: str | None = None, *,
                  source: Path | None = None) -> Path:
    """Write `data` to `path` in `format` (default: from the extension) and return the path written.

    `source` is the file the data was read from (taken from a Dataset when not given); writing over it
    is refused. A failure midway leaves `path` as it was.
    """
    path = Path(path)
    dataset = data if isinstance(data, Dataset) else None
    table = _as_table(data)
    if source is None and dataset is not None:
        source = dataset.path
    fmt = format or format_from_extension(path) or ("txtdir" if path.is_dir() else None)
    if fmt is None:
        raise DatasetError("has no extension that names a format.", path=path,
                           hint="Add an extension (.csv .tsv .json .jsonl .parquet .txt) or choose the format.")
    check_format(fmt, path)
    _refuse_source(path, source)
    if fmt != "txtdir" and path.is_dir():
        raise DatasetError("is a folder; a file name is needed to write a dataset.", path=path)
    if fmt in ("csv", "tsv"):
        delimiter = "\t" if fmt == "tsv" else ","
        if dataset is not None and dataset.format == fmt and dataset.delimiter:
            delimiter = dataset.delimiter  # the analyst's ';' file comes back with ';'
        _write_csv(table, path, delimiter)
    elif fmt in ("json", "jsonl"):
        _write_json(table, path, lines=fmt == "jsonl")
    elif fmt == "parquet":
        with atomic_path(path) as temporary:
            pq.write_table(parquet_compatible(table), temporary)
    elif fmt == "txt":
        _write_text(table, path, paragraphs=dataset is not None and dataset.text_split == "paragraph")
    else:
        _write_text_folder(table, path)
    return path


def _as_table(data: "Dataset | pa.Table | pandas.DataFrame") -> pa.Table:
    if isinstance(data, Dataset):
        return data.table
    if isinstance(data, pa.Table):
        return data
    pandas = sys.modules.get("pandas")  # a DataFrame exists only once pandas has been imported
    if pandas is not None and isinstance(data, pandas.DataFrame):
        return pa.Table.from_pandas(data, preserve_index=False)
    raise TypeError(f"cannot write a {type(data).__name__}; pass a Dataset, a pyarrow.Table or a pandas.DataFrame")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _refuse_source(path: Path, source: Path | None) -> None:
    if source is None:
        return
    source = Path(source)
    if _same_file(path, source):
        raise DatasetError("is the dataset's own source file; PrivDesk never writes over original data.", path=path,
                           hint="Choose another file name for the output.")
    if source.is_dir() and path.resolve().is_relative_to(source.resolve()):
        raise DatasetError("is inside the source folder of the dataset; writing there would change the original data.",
                           path=path, hint="Choose a location outside that folder.")


def _batches(table: pa.Table) -> Iterator[pa.RecordBatch]:
    return iter(table.to_batches(max_chunksize=_ROWS_PER_CHUNK))


def column_texts(column: pa.Array) -> list[str]:
    """One column of a batch as CSV cell texts."""
    if is_text_type(column.type):
        return pc.fill_null(column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column, "").to_pylist()
    return [cell_text(value) for value in column.to_pylist()]


def _write_csv(table: pa.Table, path: Path, delimiter: str) -> None:
    # '\r\n' ends records because the csv module quotes a field only when it holds a character of the
    # line terminator: with '\n' alone a lone '\r' inside a value would go out unquoted.
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, quotechar='"', doublequote=True,
                            quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(table.column_names)
        for batch in _batches(table):
            writer.writerows(zip(*(column_texts(column) for column in batch.columns)))


def _has_empty_struct(data_type: pa.DataType) -> bool:
    if pa.types.is_struct(data_type) and data_type.num_fields == 0:
        return True
    return any(_has_empty_struct(data_type.field(i).type) for i in range(data_type.num_fields))


def parquet_compatible(table: pa.Table) -> pa.Table:
    """Parquet cannot store an object with no fields (`{}` in JSON): such columns go out as JSON text."""
    for index, field in enumerate(table.schema):
        if _has_empty_struct(field.type):
            texts = [None if value is None else cell_text(value) for value in table.column(index).to_pylist()]
            table = table.set_column(index, field.name, pa.array(texts, pa.string()))
    return table


def json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return binary_text(value)
    return str(value)


def nested_rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    """Rows as JSON objects, dotted columns re-nested (`patient.name` -> {"patient": {"name": ...}})."""
    nest = any("." in name for name in table.column_names)
    for batch in _batches(table):
        for row in batch.to_pylist():
            yield nest_record(row) if nest else row


def _write_json(table: pa.Table, path: Path, *, lines: bool) -> None:
    with atomic_open(path, "w", encoding="utf-8", newline="\n") as handle:
        if lines:
            for row in nested_rows(table):
                handle.write(json.dumps(row, ensure_ascii=False, default=json_default))
                handle.write("\n")
            return
        handle.write("[")
        separator = "\n"
        for row in nested_rows(table):
            handle.write(separator)
            handle.write(json.dumps(row, ensure_ascii=False, default=json_default))
            separator = ",\n"
        handle.write("\n]\n" if separator != "\n" else "]\n")


def _text_column(table: pa.Table, path: Path) -> str:
    names = table.column_names
    if TEXT_COLUMN in names:
        return TEXT_COLUMN
    if len(names) == 1:
        return names[0]
    strings = [field.name for field in table.schema if is_text_type(field.type)]
    if len(strings) == 1:
        return strings[0]
    raise DatasetError(f"a .txt file holds one text column, but this data has {len(names)} columns "
                       f"({', '.join(names[:8])}{', ...' if len(names) > 8 else ''}).", path=path,
                       hint="Write it as CSV or JSON Lines, or keep a single column called 'text'.")


def _write_text(table: pa.Table, path: Path, *, paragraphs: bool) -> None:
    """One record per line; per paragraph (blank line between records) when records hold newlines."""
    column = table.column(_text_column(table, path))
    texts = column_texts(column.combine_chunks()) if column.num_chunks != 1 else column_texts(column.chunk(0))
    paragraphs = paragraphs or any("\n" in text for text in texts)
    if paragraphs:
        for index, text in enumerate(texts):
            if any(not line.strip() for line in text.split("\n")):
                raise DatasetError(f"record {index} is empty or contains a blank line, which would split it when "
                                   "the paragraphs are read back.", path=path,
                                   hint="Write it as CSV or JSON Lines instead.")
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        _write_lines(handle, texts, "\n\n" if paragraphs else "\n")


def _write_lines(handle: IO[str], texts: list[str], separator: str) -> None:
    for start in range(0, len(texts), _ROWS_PER_CHUNK):
        chunk = texts[start:start + _ROWS_PER_CHUNK]
        handle.write(separator.join(chunk))
        handle.write(separator if start + _ROWS_PER_CHUNK < len(texts) else "\n")


def _write_text_folder(table: pa.Table, folder: Path) -> None:
    """One .txt file per record, named by the `file` column (a relative path ending in .txt)."""
    missing = [name for name in (FILE_COLUMN, TEXT_COLUMN) if name not in table.column_names]
    if missing:
        raise DatasetError(f"a folder of .txt files needs the columns 'file' and 'text'; missing: {', '.join(missing)}.",
                           path=folder, hint="Write it as CSV or JSON Lines instead.")
    names = column_texts(table.column(FILE_COLUMN).combine_chunks())
    texts = column_texts(table.column(TEXT_COLUMN).combine_chunks())
    seen: set[str] = set()
    for index, name in enumerate(names):
        relative = PurePosixPath(name)
        if (not name or relative.is_absolute() or ".." in relative.parts or relative.suffix.lower() != ".txt"
                or name in seen):
            raise DatasetError(f"record {index} has a file name that cannot be written (empty, absolute, outside "
                               "the folder, repeated, or not ending in .txt).", path=folder,
                               hint="Fix the 'file' column: relative paths ending in .txt, each once.")
        seen.add(name)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in zip(names, texts):
        with atomic_open(folder / Path(*PurePosixPath(name).parts), "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
