"""inspect_dataset: a streaming pass that counts rows, empty cells and text lengths, and suggests roles.

Statistics are accumulated per batch with Arrow compute kernels, so a file of millions of rows is
summarised without holding its rows as Python objects; only the first `sample_rows` values of each
column become Python values, for role suggestion. Summaries hold counts and lengths, never values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from privdesk.core.progress import CancelToken, ProgressCallback, ProgressTracker
from privdesk.core.types import ColumnRole

from .columns import is_text_type, unify_types
from .options import ReadOptions
from .reading import no_text_warning, open_source
from .roles import MAX_VALUE_CHARS, suggest_roles

_HISTOGRAM_LIMIT = 1 << 16  # lengths below this are counted in a dense histogram, longer ones sparsely
_BATCH_ROWS = 20_000  # small batches keep the streaming pass lean; larger ones were not faster


@dataclass
class ColumnSummary:
    name: str
    dtype: str
    role: ColumnRole
    empty: int  # null cells, and "" in text columns
    text_length_min: int | None = None  # over non-empty string values; None for non-string columns
    text_length_mean: float | None = None
    text_length_p95: int | None = None
    text_length_max: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "role": str(self.role),
            "empty": self.empty,
            "text_length_min": self.text_length_min,
            "text_length_mean": self.text_length_mean,
            "text_length_p95": self.text_length_p95,
            "text_length_max": self.text_length_max,
        }


@dataclass
class DatasetSummary:
    path: Path
    format: str
    encoding: str | None
    delimiter: str | None
    num_rows: int
    size_bytes: int
    columns: list[ColumnSummary]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "num_rows": self.num_rows,
            "size_bytes": self.size_bytes,
            "columns": [column.to_dict() for column in self.columns],
            "warnings": list(self.warnings),
        }

    def to_text(self) -> str:
        """A human-readable summary: a header block, one line per column, then the warnings."""
        details = [self.format]
        if self.encoding:
            details.append(f"encoding {self.encoding}")
        if self.delimiter:
            details.append("delimiter " + ("tab" if self.delimiter == "\t" else repr(self.delimiter)))
        lines = [
            f"Dataset:  {self.path}",
            f"Format:   {', '.join(details)}",
            f"Size:     {_human_bytes(self.size_bytes)}",
            f"Rows:     {self.num_rows:,}",
            f"Columns:  {len(self.columns)}",
            "",
        ]
        header = ("#", "column", "type", "suggested role", "empty", "len min", "len mean", "len p95", "len max")
        rows = [header] + [
            (str(index), column.name, _short_type(column.dtype), str(column.role), f"{column.empty:,}",
             _optional(column.text_length_min), _optional(column.text_length_mean, ".1f"),
             _optional(column.text_length_p95), _optional(column.text_length_max))
            for index, column in enumerate(self.columns, start=1)
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        numeric = {0, 4, 5, 6, 7, 8}
        for row in rows:
            cells = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(row)]
            lines.append("  ".join(cells).rstrip())
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {warning}" for warning in self.warnings]
        return "\n".join(lines)


def _short_type(dtype: str) -> str:
    """'list<item: struct<...>>' -> 'list<...>': nested types would stretch the table."""
    return dtype.split("<", 1)[0] + "<...>" if "<" in dtype else dtype


def _optional(value: float | int | None, spec: str = ",") -> str:
    return "-" if value is None else format(value, spec)


def _human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{size} B"


class _LengthHistogram:
    """Exact length statistics in memory bounded by the longest value, not by the number of values."""

    def __init__(self) -> None:
        self.counts = np.zeros(0, dtype=np.int64)  # counts[n] = values with n characters
        self.long_counts: dict[int, int] = {}
        self.values = 0
        self.total = 0

    def add(self, lengths: pa.ChunkedArray | pa.Array) -> None:
        values = lengths.to_numpy()
        if not len(values):
            return
        self.values += len(values)
        self.total += int(values.sum())
        short = values[values < _HISTOGRAM_LIMIT]
        if len(short):
            counts = np.bincount(short)
            if len(counts) > len(self.counts):
                self.counts = np.pad(self.counts, (0, len(counts) - len(self.counts)))
            self.counts[: len(counts)] += counts
        for length in values[values >= _HISTOGRAM_LIMIT].tolist():
            self.long_counts[length] = self.long_counts.get(length, 0) + 1

    def merge(self, other: "_LengthHistogram") -> "_LengthHistogram":
        merged = _LengthHistogram()
        size = max(len(self.counts), len(other.counts))
        merged.counts = np.pad(self.counts, (0, size - len(self.counts))) + np.pad(other.counts, (0, size - len(other.counts)))
        merged.long_counts = dict(self.long_counts)
        for length, count in other.long_counts.items():
            merged.long_counts[length] = merged.long_counts.get(length, 0) + count
        merged.values, merged.total = self.values + other.values, self.total + other.total
        return merged

    def statistics(self) -> tuple[int | None, float | None, int | None, int | None]:
        """(min, mean, p95, max); p95 by nearest rank."""
        if not self.values:
            return None, None, None, None
        present = np.nonzero(self.counts)[0]
        long_lengths = sorted(self.long_counts)
        lengths = present.tolist() + long_lengths
        counts = self.counts[present].tolist() + [self.long_counts[n] for n in long_lengths]
        rank = int(np.ceil(0.95 * self.values))
        running = 0
        p95 = lengths[-1]
        for length, count in zip(lengths, counts):
            running += count
            if running >= rank:
                p95 = length
                break
        return lengths[0], self.total / self.values, p95, lengths[-1]


class _ColumnStats:
    """Running statistics of one column over the batches that contain it."""

    def __init__(self, rows_before: int) -> None:
        self.types: list[pa.DataType] = []
        self.empty = rows_before  # rows read before the column first appeared had no value for it
        self.text_lengths = _LengthHistogram()
        # Numbers and booleans as text, counted in case a later batch turns the column into text
        # (JSON fields that are an int in one record and a string in another).
        self.scalar_lengths = _LengthHistogram()
        self.sample: list[Any] = []

    def add(self, column: pa.ChunkedArray, sample_size: int) -> None:
        if column.type not in self.types:
            self.types.append(column.type)
        room = sample_size - len(self.sample)
        if room > 0:
            # Non-empty values only, so a column that is mostly empty (or only appears late in a
            # JSON stream) still gets a real sample for role suggestion.
            present = pc.drop_null(column)
            if is_text_type(column.type):
                present = pc.filter(present, pc.not_equal(present, ""))
            present = present.slice(0, room)
            if is_text_type(column.type) and not pa.types.is_dictionary(column.type):
                # Role suggestion reads only a prefix of each value: copy no more than that into Python.
                present = pc.utf8_slice_codeunits(present, 0, MAX_VALUE_CHARS)
            self.sample.extend(present.to_pylist())
        if is_text_type(column.type):
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            lengths = pc.utf8_length(column)
            empty = pc.fill_null(pc.equal(lengths, 0), True)
            self.empty += pc.sum(empty).as_py() or 0
            self.text_lengths.add(pc.filter(lengths, pc.invert(empty)))
        else:
            self.empty += column.null_count
            if pa.types.is_integer(column.type) or pa.types.is_boolean(column.type):
                self.scalar_lengths.add(pc.utf8_length(pc.drop_null(column).cast(pa.string())))

    def length_statistics(self) -> tuple[int | None, float | None, int | None, int | None]:
        lengths = self.text_lengths.merge(self.scalar_lengths) if len(self.types) > 1 else self.text_lengths
        return lengths.statistics()


def inspect_dataset(path: str | Path, options: ReadOptions | None = None, sample_rows: int = 2000,
                    progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> DatasetSummary:
    """Summarise a dataset in one streaming pass (bounded memory whatever its size)."""
    source = open_source(path, options, _BATCH_ROWS)
    tracker = ProgressTracker(progress, source.total)
    stats: dict[str, _ColumnStats] = {}
    num_rows = 0
    for batch in source.batches:
        if cancel is not None:
            cancel.raise_if_cancelled()
        for name in batch.column_names:
            if name not in stats:
                stats[name] = _ColumnStats(rows_before=num_rows)
            stats[name].add(batch.column(name), sample_rows)
        for name, column_stats in stats.items():
            if name not in batch.column_names:
                column_stats.empty += batch.num_rows
        num_rows += batch.num_rows
        tracker.done = source.progress()
        tracker.report(f"{num_rows:,} rows read")
    tracker.done = source.total or tracker.done
    tracker.report(f"{num_rows:,} rows read", force=True)

    order = source.column_order() if source.column_order else list(stats)
    roles = suggest_roles({name: stats[name].sample for name in order})
    columns = []
    for name in order:
        column_stats = stats[name]
        dtype = unify_types(column_stats.types)
        minimum, mean, p95, maximum = column_stats.length_statistics() if is_text_type(dtype) else (None,) * 4
        columns.append(ColumnSummary(name=name, dtype=str(dtype), role=roles[name], empty=column_stats.empty,
                                     text_length_min=minimum, text_length_mean=mean, text_length_p95=p95,
                                     text_length_max=maximum))
    warnings = list(source.warnings)
    schema = pa.schema([pa.field(column.name, unify_types(stats[column.name].types)) for column in columns])
    warning = no_text_warning(source.path, schema)
    if warning:
        warnings.append(warning)
    return DatasetSummary(path=source.path, format=source.format, encoding=source.encoding, delimiter=source.delimiter,
                          num_rows=num_rows, size_bytes=source.size_bytes, columns=columns, warnings=warnings)
