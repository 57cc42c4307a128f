"""The stream every reader produces: Arrow tables of a fixed number of rows plus what was learnt on the way."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa

from privdesk.core.errors import DatasetError


@dataclass
class BatchSource:
    """An open dataset: metadata known up front, and `batches` to be consumed once.

    `batches` always yields at least one table (possibly with no rows), so the columns of a file with
    a header and no records are still known. `warnings` can grow while the batches are read.
    `progress()` is how far reading has got, in the same unit as `total` (bytes, rows or files).
    """

    path: Path
    format: str
    encoding: str | None
    delimiter: str | None
    batches: Iterator[pa.Table]
    size_bytes: int
    total: int | None
    progress: Callable[[], int]
    warnings: list[str] = field(default_factory=list)
    text_split: str | None = None
    column_order: Callable[[], list[str]] | None = None  # for sources whose later batches add columns


def rebatch(parts: Iterable[pa.Table | pa.RecordBatch], batch_rows: int, empty: Callable[[], pa.Table]) -> Iterator[pa.Table]:
    """Regroup same-schema pieces into tables of exactly `batch_rows` rows (the last may be shorter)."""
    pending: list[pa.Table] = []
    pending_rows = 0
    yielded = False
    for part in parts:
        if part.num_rows == 0:
            continue
        table = part if isinstance(part, pa.Table) else pa.Table.from_batches([part])
        pending.append(table)
        pending_rows += table.num_rows
        while pending_rows >= batch_rows:
            combined = pa.concat_tables(pending)
            yield combined.slice(0, batch_rows)
            yielded = True
            rest = combined.slice(batch_rows)
            pending, pending_rows = ([rest] if rest.num_rows else []), rest.num_rows
    if pending:
        yield pa.concat_tables(pending)
    elif not yielded:
        yield empty()


def check_readable(path: Path, *, folder: bool = False) -> None:
    """Raise a DatasetError for a path that is missing or that we may not read."""
    if not path.exists():
        raise DatasetError("does not exist.", path=path, hint="Check the path and try again.")
    wanted = os.R_OK | (os.X_OK if path.is_dir() else 0)
    if not os.access(path, wanted):
        what = "folder" if path.is_dir() else "file"
        raise DatasetError(f"cannot be read: no permission to read this {what}.", path=path,
                           hint="Ask for read access or copy the data somewhere you can read it.")
    if folder and not path.is_dir():
        raise DatasetError("is a file, but a folder of .txt files was expected.", path=path)


@contextlib.contextmanager
def os_errors_as_dataset_errors(path: Path) -> Iterator[None]:
    """Turn the operating system's complaints while reading into errors the analyst can act on."""
    try:
        yield
    except PermissionError:
        raise DatasetError("cannot be read: permission denied.", path=path,
                           hint="Ask for read access or copy the data somewhere you can read it.") from None
    except FileNotFoundError:
        raise DatasetError("disappeared while it was being read.", path=path) from None
    except IsADirectoryError:
        raise DatasetError("is a folder, not a file.", path=path,
                           hint="Choose a file, or open the folder as a folder of .txt files (format txtdir).") from None
    except UnicodeDecodeError as error:
        raise DatasetError(f"cannot be decoded as {error.encoding}.", path=path,
                           hint="Pass the right encoding (for example cp1252 or utf-16).") from None
    except OSError as error:
        raise DatasetError(f"could not be read: {error.strerror or error}.", path=path) from None
