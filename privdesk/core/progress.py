"""Progress reporting and cancellation for long core work, free of Qt.

A core function that takes a while accepts `progress: ProgressCallback | None` and
`cancel: CancelToken | None`. The GUI's workers turn the callback into Qt signals and the
token into a Cancel button; the CLI prints progress to stderr and cancels on Ctrl+C.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable


class Cancelled(Exception):
    """Raised inside core work when its CancelToken was cancelled."""


class CancelToken:
    """A thread-safe flag that long-running work checks between chunks."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class ProgressInfo:
    done: int
    total: int | None  # None when the amount of work is not known in advance
    message: str = ""
    elapsed_s: float = 0.0

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)

    @property
    def rate(self) -> float | None:
        """Units of work per second so far."""
        if self.elapsed_s <= 0 or self.done <= 0:
            return None
        return self.done / self.elapsed_s

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the rate so far, when the total is known."""
        rate = self.rate
        if rate is None or self.total is None:
            return None
        return max(0.0, (self.total - self.done) / rate)


ProgressCallback = Callable[[ProgressInfo], None]


class ProgressTracker:
    """Keeps the start time and throttles callbacks so the GUI is not flooded."""

    def __init__(self, callback: ProgressCallback | None, total: int | None, *, min_interval_s: float = 0.1):
        self._callback = callback
        self.total = total
        self.done = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._min_interval = min_interval_s

    def advance(self, amount: int = 1, message: str = "", *, force: bool = False) -> None:
        self.done += amount
        self.report(message, force=force)

    def report(self, message: str = "", *, force: bool = False) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if not force and now - self._last < self._min_interval and (self.total is None or self.done < self.total):
            return
        self._last = now
        self._callback(ProgressInfo(self.done, self.total, message, now - self._start))
