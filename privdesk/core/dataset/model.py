"""The in-memory dataset: an Arrow table plus where it came from. Python objects only when asked."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pyarrow as pa

if TYPE_CHECKING:  # pandas is imported by pyarrow only when a DataFrame is asked for
    import pandas


def cell_text(value: Any) -> str:
    """A cell as the text a detector scans or a CSV holds: "" for null, JSON for lists and objects."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bytes):
        return binary_text(value)
    return str(value)


def binary_text(value: bytes) -> str:
    """Bytes as text: UTF-8 when they are clean text, else base64 (a NUL byte would break a CSV)."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(char.isprintable() or char in "\t\n\r" for char in text):
        return text
    return base64.b64encode(value).decode("ascii")


@dataclass(eq=False)
class Dataset:
    """A loaded dataset. `table` holds the data; rows are addressed by 0-based index."""

    table: pa.Table
    path: Path
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)
    text_split: str | None = None  # for txt sources: how records were split, so a write can split the same way

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        duplicates = sorted({name for name in self.table.column_names if self.table.column_names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate column names: {duplicates}")

    def __repr__(self) -> str:  # never the data itself
        return (f"Dataset(path={str(self.path)!r}, format={self.format!r}, rows={self.num_rows}, "
                f"columns={self.columns!r})")

    def __len__(self) -> int:
        return self.num_rows

    @property
    def columns(self) -> list[str]:
        return list(self.table.column_names)

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def _column(self, column: str) -> pa.ChunkedArray:
        try:
            return self.table.column(column)
        except KeyError:
            raise KeyError(f"no column {column!r}; the columns are {self.columns}") from None

    def _check_row(self, row: int) -> None:
        if not 0 <= row < self.num_rows:
            raise IndexError(f"row {row} is out of range (0..{self.num_rows - 1})")

    def cell(self, row: int, column: str) -> Any:
        """The Python value in one cell (None for null)."""
        self._check_row(row)
        return self._column(column)[row].as_py()

    def text(self, row: int, column: str) -> str:
        """The cell as text: "" for null, the string itself, JSON for lists/objects, str() otherwise."""
        return cell_text(self.cell(row, column))

    def column_values(self, column: str, start: int = 0, stop: int | None = None) -> list:
        """Python values of rows [start, stop) of one column."""
        values = self._column(column)
        start = max(0, start)
        stop = self.num_rows if stop is None else min(stop, self.num_rows)
        if stop <= start:
            return []
        return values.slice(start, stop - start).to_pylist()

    def to_pandas(self) -> "pandas.DataFrame":
        return self.table.to_pandas()

    def with_column(self, column: str, values: Sequence | pa.Array | pa.ChunkedArray) -> "Dataset":
        """A new Dataset with `column` replaced by `values` (appended when it is new); the rest is shared."""
        array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(list(values))
        if len(array) != self.num_rows:
            raise ValueError(f"column {column!r} needs {self.num_rows} values, got {len(array)}")
        if column in self.table.column_names:
            index = self.table.column_names.index(column)
            if pa.types.is_null(array.type):  # all values null: keep the column's type
                array = pa.nulls(len(array), self.table.schema.field(index).type)
            table = self.table.set_column(index, column, array)
        else:
            table = self.table.append_column(column, array)
        return replace(self, table=table, warnings=list(self.warnings))
