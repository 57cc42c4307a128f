"""Worker processes for the plain-text recognizers.

spaCy runs in the main process; the pattern recognizers (regexes, phonenumbers, checksums) run in
`jobs - 1` worker processes at the same time, on plain strings. Each worker builds its own
TextPipeline from the settings once. Workers are started with "spawn" so that they are safe inside
the Qt application (forking a process with threads is not) and behave the same on every OS.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Sequence

from privdesk.core.detect.pipeline import TextPipeline
from privdesk.core.detect.resolve import Candidate
from privdesk.core.detect.settings import DetectionSettings

log = logging.getLogger(__name__)

_pipeline: TextPipeline | None = None


def _init_worker(settings_data: dict) -> None:
    global _pipeline
    from privdesk.core.appconfig import apply_network_policy

    apply_network_policy()  # a worker process is a fresh interpreter: the parent's network guard does not reach it
    _pipeline = TextPipeline(DetectionSettings.from_dict(settings_data))


def _analyze_slice(texts: Sequence[str], contexts: Sequence[Sequence[str]]) -> list[list[tuple]]:
    assert _pipeline is not None, "worker was not initialised"
    # Plain tuples pickle faster than NamedTuples.
    return [[tuple(c) for c in found] for found in _pipeline.analyze_many(texts, contexts)]


class TextWorkerPool:
    """A pool of processes running TextPipeline.analyze_many over slices of a batch."""

    def __init__(self, settings: DetectionSettings, workers: int):
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(settings.to_dict(),),
        )
        log.info("started %d detection worker process(es)", workers)

    def submit(self, texts: Sequence[str], contexts: Sequence[Sequence[str]]) -> list[tuple[int, Future]]:
        """Split the batch into one slice per worker; returns (offset, future) pairs."""
        size = max(1, -(-len(texts) // self.workers))
        return [
            (offset, self._executor.submit(_analyze_slice, list(texts[offset:offset + size]),
                                           [list(c) for c in contexts[offset:offset + size]]))
            for offset in range(0, len(texts), size)
        ]

    @staticmethod
    def collect(futures: list[tuple[int, Future]], total: int) -> list[list[Candidate]]:
        results: list[list[Candidate]] = [[] for _ in range(total)]
        for offset, future in futures:
            for index, found in enumerate(future.result()):
                results[offset + index] = [Candidate(*c) for c in found]
        return results

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
