"""Pausing a training run between steps, from another thread (the GUI's Pause button)."""

from __future__ import annotations

import threading

from privdesk.core.progress import CancelToken

_POLL_S = 0.1


class PauseToken:
    """A thread-safe pause switch that the training loop checks between optimizer steps.

    The loop blocks while paused; a cancel while paused ends the wait, so Cancel always works.
    """

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self, cancel: CancelToken | None = None) -> None:
        """Return when running again or when `cancel` fires (the caller then checks `cancel`)."""
        while not self._running.wait(_POLL_S):
            if cancel is not None and cancel.cancelled:
                return
