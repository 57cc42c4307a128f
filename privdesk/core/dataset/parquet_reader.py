"""Parquet: native types, streamed by row group; struct columns flattened to dotted names like JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from privdesk.core.errors import DatasetError

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
    schema = flatten_schema(parquet.schema_arrow)
    rows_read = [0]
    total_rows = parquet.metadata.num_rows

    def parts() -> Iterator[pa.Table]:
        for batch in parquet.iter_batches(batch_size=batch_rows):
            rows_read[0] += batch.num_rows
            yield flatten_structs(pa.Table.from_batches([batch]))

    def batches() -> Iterator[pa.Table]:
        with os_errors_as_dataset_errors(path), parquet:
            try:
                yield from rebatch(parts(), batch_rows, schema.empty_table)
            except PermissionError:
                raise
            except (pa.ArrowException, OSError) as error:
                raise _corrupt(path, error) from None

    return BatchSource(path=path, format="parquet", encoding=None, delimiter=None, batches=batches(),
                       size_bytes=size_bytes, total=total_rows, progress=lambda: rows_read[0])
