"""A round every so often in a daemon thread of the server: the base of the notification
scheduler (:class:`okrdata.notify.schedule.Scheduler`) and of the warmer of the pages' cached
figures (:class:`ui.data.warm.Warmer`).

A subclass says what a round does (:meth:`Rounds.run_once`) and how it waits for the next one
(:meth:`Rounds._wait`, which :meth:`Rounds._interrupt` ends early when :meth:`Rounds.stop` is
called). A round that raises is recorded in ``last_error`` and the thread goes on: it must
outlive any one bad round.
"""

from __future__ import annotations

import threading
from typing import Self


class Rounds:
    """A daemon thread named ``name`` running :meth:`run_once`, then waiting, until stopped."""

    name = "okr-rounds"

    def __init__(self) -> None:
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> object:
        """One round."""
        raise NotImplementedError

    def _wait(self) -> None:
        """Until the next round is due, or :meth:`stop` is called."""
        raise NotImplementedError

    def _interrupt(self) -> None:
        """End a :meth:`_wait` in progress (called by :meth:`stop`); waits on ``_stop`` need nothing."""

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as exc:  # the thread must outlive any one bad round
                self.last_error = f"{type(exc).__name__}: {exc}"
            self._wait()

    def start(self) -> Self:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the round in progress."""
        self._stop.set()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
