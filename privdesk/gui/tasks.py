"""Core work the GUI runs in a Worker, composed from core functions (no Qt here, no widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generator

from privdesk.core.dataset import Dataset, DatasetSummary, ReadOptions, inspect_dataset, read_dataset
from privdesk.core.progress import CancelToken, ProgressCallback


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

    Both phases stream the file with progress and check `cancel` between batches.
    """
    summary = inspect_dataset(path, options, progress=progress, cancel=cancel)
    yield summary
    dataset = read_dataset(path, options, progress=progress, cancel=cancel)
    return LoadedDataset(summary, dataset)
