"""Core work the GUI runs in a Worker, composed from core functions (no Qt here, no widgets).

Imports of the heavier core parts happen inside the functions, on the worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generator

import pyarrow as pa

from privdesk.core.dataset import Dataset, DatasetSummary, ReadOptions, inspect_dataset, iter_batches, read_dataset
from privdesk.core.errors import DatasetError
from privdesk.core.progress import CancelToken, ProgressCallback

# Files this big take a few seconds to inspect and read; their first rows are shown before that.
PREVIEW_MIN_BYTES = 8 * 1024 * 1024
PREVIEW_ROWS = 1000


@dataclass(frozen=True)
class LoadedDataset:
    summary: DatasetSummary
    dataset: Dataset


@dataclass(frozen=True)
class DatasetPreview:
    """The first rows of a big file, to show while the rest is inspected and read."""

    path: Path
    table: pa.Table


def first_rows(path: Path, options: ReadOptions, rows: int | None = None) -> pa.Table | None:
    """The first `rows` rows (PREVIEW_ROWS by default), or None when the file cannot be read that way
    (the full pass then says why)."""
    rows = PREVIEW_ROWS if rows is None else rows
    batches = iter_batches(path, options, batch_rows=rows)
    try:
        return next(iter(batches)).slice(0, rows)
    except (DatasetError, StopIteration, OSError, pa.ArrowException):
        return None
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def load_dataset(
    path: Path,
    options: ReadOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Generator[DatasetPreview | DatasetSummary, None, LoadedDataset]:
    """Inspect, then read a dataset. Yields a preview of the first rows (big files only), then the
    summary as soon as it is known; returns both summary and dataset at the end.

    Both phases stream the file with progress and check `cancel` between batches.
    """
    try:
        big = Path(path).is_file() and Path(path).stat().st_size >= PREVIEW_MIN_BYTES
    except OSError:
        big = False
    if big:
        try:
            preview = first_rows(path, options)
        except DatasetError:
            preview = None
        if preview is not None and preview.num_rows:
            yield DatasetPreview(Path(path), preview)
    summary = inspect_dataset(path, options, progress=progress, cancel=cancel)
    yield summary
    dataset = read_dataset(path, options, progress=progress, cancel=cancel)
    return LoadedDataset(summary, dataset)


# -- review -------------------------------------------------------------------------------------------


def explain_finding(span, text: str, settings: dict, *, progress: ProgressCallback | None = None,
                    cancel: CancelToken | None = None):
    """Why `span` was flagged (privdesk.core.review.explain_span); its first call loads the recognizers."""
    from privdesk.core.review import explain_span

    return explain_span(span, text, settings=settings)


def group_dataset_values(rows, dataset: Dataset, *, progress: ProgressCallback | None = None,
                         cancel: CancelToken | None = None):
    """The dataset-wide view: span texts grouped by type and distinct value. Returns (texts, groups)."""
    from privdesk.core.review import group_values, span_texts

    texts = span_texts(rows, dataset, progress=progress, cancel=cancel)
    return texts, group_values(texts, cancel=cancel)


def find_value_occurrences(rows, dataset: Dataset, value: str, entity_type: str | None, *,
                           progress: ProgressCallback | None = None, cancel: CancelToken | None = None):
    """(detection ids, added-span ids) of every span reading `value` (of `entity_type`, if given)."""
    from privdesk.core.review import occurrence_ids, span_texts

    texts = span_texts(rows, dataset, progress=progress, cancel=cancel)
    return occurrence_ids(texts, value, entity_type)


@dataclass(frozen=True)
class ListEffects:
    """What applying the allow and deny lists would do: detections to reject and spans to add."""

    reject_ids: object  # numpy array of detection ids
    additions: list


def apply_review_lists(rows, dataset: Dataset, text_columns: list[str], lists, *,
                       progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> ListEffects:
    from privdesk.core.review import allow_list_ids, deny_list_requests, span_texts

    texts = span_texts(rows, dataset, progress=progress, cancel=cancel)
    reject_ids = allow_list_ids(texts, lists.allow)
    additions = deny_list_requests(rows, dataset, text_columns, lists.deny, progress=progress, cancel=cancel)
    return ListEffects(reject_ids, additions)
