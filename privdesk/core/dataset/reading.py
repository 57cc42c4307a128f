"""Opening any supported dataset: pick the format and encoding, then hand over to the format's reader."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pyarrow as pa

from privdesk.core.errors import DatasetError
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker

from .columns import is_text_type, unify_tables
from .csv_reader import open_csv_source
from .encoding import choose_encoding, decode_sample, normalize_encoding, read_head, refuse_control_characters
from .formats import check_format, detect_format
from .json_reader import open_json_source
from .model import Dataset
from .options import ReadOptions
from .parquet_reader import open_parquet_source
from .source import BatchSource, check_readable, os_errors_as_dataset_errors
from .text_reader import open_text_folder_source, open_text_source

DEFAULT_BATCH_ROWS = 50_000


def open_source(path: str | Path, options: ReadOptions | None = None, batch_rows: int = DEFAULT_BATCH_ROWS) -> BatchSource:
    """Check the file, settle format and encoding, and return its batch stream (nothing read beyond a sample)."""
    path = Path(path)
    options = options or ReadOptions()
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    check_readable(path)
    if options.encoding:
        normalize_encoding(options.encoding, path)  # an unknown name fails now, not at the first batch
    with os_errors_as_dataset_errors(path):
        fmt = check_format(options.format, path) if options.format else detect_format(path)
        if fmt == "txtdir":
            check_readable(path, folder=True)
            return open_text_folder_source(path, options.encoding, batch_rows)
        if path.is_dir():
            raise DatasetError(f"is a folder, but the {fmt} format reads a file.", path=path,
                               hint="Choose a file, or open the folder as a folder of .txt files (format txtdir).")
        size_bytes = path.stat().st_size
        if size_bytes == 0:
            raise DatasetError("is empty (0 bytes).", path=path, hint="Choose a file that holds data.")
        if fmt == "parquet":
            return open_parquet_source(path, size_bytes, batch_rows)
        head = read_head(path)
        choice = choose_encoding(path, options.encoding, head)
        sample = decode_sample(path, head, choice.name)
        refuse_control_characters(path, sample)
        complete = len(head) == size_bytes
        if complete and not sample.strip("\ufeff \t\r\n"):
            raise DatasetError("holds only blank lines.", path=path, hint="Choose a file that holds data.")
    if fmt in ("csv", "tsv"):
        source = open_csv_source(path, fmt, options, choice.name, sample, complete, size_bytes, batch_rows)
    elif fmt in ("json", "jsonl"):
        source = open_json_source(path, fmt, choice.name, size_bytes, batch_rows)
    else:
        source = open_text_source(path, choice.name, options.text_split, size_bytes, batch_rows)
    source.warnings[:0] = choice.warnings
    return source


def no_text_warning(path: Path, schema: pa.Schema) -> str | None:
    """A dataset without a single string column gives the analyst nothing to scan: say so."""
    if any(is_text_type(field.type) for field in schema):
        return None
    return (f"{path.name}: no text columns (only {', '.join(sorted({str(f.type) for f in schema})) or 'no columns'}); "
            "there is no free text or identifier for PII detection to scan.")


def iter_batches(path: str | Path, options: ReadOptions | None = None, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[pa.Table]:
    """Stream the dataset as Arrow tables of `batch_rows` rows (the last may be shorter).

    The file is checked before this returns, so a bad file raises here, not at the first batch. Every
    stream yields at least one table. JSON and JSON Lines batches are typed one at a time: a column
    can first appear, or change type, in a later batch (read_dataset unifies them).
    """
    return open_source(path, options, batch_rows).batches


def read_dataset(path: str | Path, options: ReadOptions | None = None, *,
                 progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> Dataset:
    """Read a whole dataset into an Arrow-backed Dataset (see iter_batches for a bounded-memory read).

    `progress` is told how far reading has got (bytes, rows or files, as the source counts); `cancel` is
    checked between batches and raises privdesk.core.progress.Cancelled.
    """
    source = open_source(path, options)
    tracker = ProgressTracker(progress, source.total)
    tables = []
    rows = 0
    for batch in source.batches:
        if cancel is not None:
            cancel.raise_if_cancelled()
        tables.append(batch)
        rows += batch.num_rows
        tracker.done = source.progress()
        tracker.report(f"{rows:,} rows read")
    order = source.column_order() if source.column_order else None
    table = unify_tables(tables, order)
    warnings = list(source.warnings)
    warning = no_text_warning(source.path, table.schema)
    if warning:
        warnings.append(warning)
    return Dataset(table=table, path=source.path, format=source.format, encoding=source.encoding,
                   delimiter=source.delimiter, warnings=warnings, text_split=source.text_split)
