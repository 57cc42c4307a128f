"""Parquet: native types, streamed by row group; struct columns flattened to dotted names like JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from privdesk.core.errors import DatasetError

from .csvsniff import unique_column_names
from .source import BatchSource, os_errors_as_dataset_errors, rebatch

PARQUET_MAGIC = b"PAR1"


def flatten_structs(table: pa.Table) -> pa.Table:
    """Struct columns to dotted leaf columns, at any depth (Table.flatten goes one level per call)."""
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    return table


def flatten_schema(schema: pa.Schema) -> pa.Schema:
    return flatten_structs(schema.empty_table()).schema


def _check_signature(path: Path, size_bytes: int) -> None:
    with open(path, "rb") as handle:
        head = handle.read(4)
        handle.seek(max(0, size_bytes - 4))
        tail = handle.read(4)
    if len(head) < len(PARQUET_MAGIC) and PARQUET_MAGIC.startswith(head):
        raise DatasetError("is a truncated Parquet file: it ends inside its signature.", path=path,
                           hint="The copy was probably cut short; copy or export it again.")
    if head != PARQUET_MAGIC:
        raise DatasetError("is not a Parquet file (its first bytes are not the Parquet signature).", path=path,
                           hint="Choose the right format, or export the data to Parquet again.")
    if size_bytes < 12 or tail != PARQUET_MAGIC:
        raise DatasetError("is a truncated Parquet file: its footer is missing.", path=path,
                           hint="The copy was probably cut short; copy or export it again.")


def _corrupt(path: Path, error: Exception) -> DatasetError:
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return DatasetError(f"is a damaged Parquet file ({first_line}).", path=path,
                        hint="Copy or export it again.")


def open_parquet_source(path: Path, size_bytes: int, batch_rows: int) -> BatchSource:
    with os_errors_as_dataset_errors(path):
        _check_signature(path, size_bytes)
        try:
            parquet = pq.ParquetFile(path)
        except PermissionError:
            raise
        except (pa.ArrowException, OSError) as error:
            raise _corrupt(path, error) from None
    flat_schema = flatten_schema(parquet.schema_arrow)
    # A column named `a.b` beside a struct `a` with a field `b` flattens to the same name twice.
    names, notes = unique_column_names(flat_schema.names)
    schema = flat_schema if not notes else pa.schema(
        [field.with_name(name) for field, name in zip(flat_schema, names)], metadata=flat_schema.metadata)
    rows_read = [0]
    total_rows = parquet.metadata.num_rows

    def parts() -> Iterator[pa.Table]:
        for batch in parquet.iter_batches(batch_size=batch_rows):
            rows_read[0] += batch.num_rows
            table = flatten_structs(pa.Table.from_batches([batch]))
            yield table.rename_columns(names) if notes else table  # renaming drops the schema's metadata

    def batches() -> Iterator[pa.Table]:
        with os_errors_as_dataset_errors(path), parquet:
            try:
                yield from rebatch(parts(), batch_rows, schema.empty_table)
            except PermissionError:
                raise
            except (pa.ArrowException, OSError) as error:
                raise _corrupt(path, error) from None

    return BatchSource(path=path, format="parquet", encoding=None, delimiter=None, batches=batches(),
                       size_bytes=size_bytes, total=total_rows, progress=lambda: rows_read[0],
                       warnings=[f"{path.name}: {note}" for note in notes])
