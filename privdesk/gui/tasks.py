"""Core work the GUI runs in a Worker, composed from core functions (no Qt here, no widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generator

from privdesk.core.dataset import Dataset, DatasetSummary, ReadOptions, inspect_dataset, read_dataset
from privdesk.core.progress import CancelToken, ProgressCallback, ProgressInfo


@dataclass(frozen=True)
class LoadedDataset:
    summary: DatasetSummary
    dataset: Dataset


def load_dataset(
    path: Path,
    options: ReadOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Generator[DatasetSummary, None, LoadedDataset]:
    """Inspect, then read a dataset. Yields the summary as soon as it is known, returns both at the end.

    inspect_dataset streams the file with progress and checks `cancel` between batches. read_dataset
    takes neither, so that phase shows a busy indicator, and a cancel pressed during it takes
    effect when it returns (the Worker then reports `cancelled` and drops the result).
    """
    summary = inspect_dataset(path, options, progress=progress, cancel=cancel)
    yield summary
    if progress is not None:
        progress(ProgressInfo(0, None, f"Reading {summary.num_rows:,} rows\u2026"))
    dataset = read_dataset(path, options)
    return LoadedDataset(summary, dataset)
