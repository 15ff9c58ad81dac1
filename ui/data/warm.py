"""Warming after a write: a thread of the server that brings the cached readers up to date as
soon as the data moves, so that the next page a reader opens finds its figures ready.

A check-in leaves every reader built from its cycle out of date (:mod:`ui.data.cache`). Without
warming, the first session to ask after it pays for bringing each one up to date, patched or
built again: at 100x, a page's first run after a check-in costs several times its warm run,
and in a company where leads check in all Monday, readers mostly meet such runs. The
:class:`Warmer` notices a write within a tenth of a second, whoever made it (a page of this
process, the API, the ``okr`` command, another process of the app), and builds again, in the
background, every result a session was handed in the last :data:`RECENT_S` seconds, with the
arguments it was asked for, the most recently used first. A session asking for a result while
it is being built waits for that build rather than doing it again, and a page being drawn goes
first: before each build the warmer waits until no page has asked for anything for
:data:`QUIET_S` (at most :data:`MOST_YIELD_S`). So every reader's result depends on its arguments and
other readers only (see :mod:`ui.data.cache`).

The server starts it in its lifespan (:func:`ui.process.lifespan`) unless the deployment
switches it off (``[okr] warm_after_write = false`` in the secrets file, or
``OKR_WARM_AFTER_WRITE=0``): it spends the processor time the first reader after each write
would have spent, a little earlier, and a little more for results nobody asks for again before
the next write.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from okrdata import config, wording
from okrdata.background import Rounds
from ui.data import cache
from ui.data.database import today

log = logging.getLogger("okr.warm")

RECENT_S = 900.0
"""Results handed out in the last quarter of an hour are kept warm; older ones wait for a page."""

POLL_S = 0.1
"""How often the warmer asks whether the data moved (a few microseconds when it did not)."""

QUIET_S = 0.03
"""Before each build, the warmer waits until no page has asked a reader for this long: a page
being drawn right after the write then has the processor to itself rather than sharing it."""

MOST_YIELD_S = 0.5
"""The longest the warmer waits so before each build, so that a crowd never starves it."""


def enabled() -> bool:
    """Whether the deployment keeps warming on (the default)."""
    return config.flag(
        "warm_after_write",
        config.setting("OKR_WARM_AFTER_WRITE", config.section("okr"), "warm_after_write", True),
    )


class Warmer(Rounds):
    """A daemon thread warming the readers of one database file after each write."""

    name = "okr-warm"

    def __init__(
        self,
        db_file: str,
        *,
        poll_s: float = POLL_S,
        recent_s: float = RECENT_S,
        quiet_s: float = QUIET_S,
        most_yield_s: float = MOST_YIELD_S,
    ):
        super().__init__()
        self.db_file = db_file
        self.poll_s = poll_s
        self.recent_s = recent_s
        self.quiet_s = quiet_s
        self.most_yield_s = most_yield_s
        self.rounds = 0
        """Rounds that found the data moved."""
        self.built = 0
        """Results brought up to date, in all rounds."""
        self.last_error: str | None = None
        """What the last round could not build (the first of them), None when it built everything."""
        self._seen: Any = None
        self._busy = threading.Lock()

    def _state(self) -> Any:
        # Nothing to warm before a page has read the file (and opened the versions' watch).
        if self.db_file not in cache._watches:
            return None
        return (dict(cache.versions(self.db_file)), today())

    def run_once(self) -> int:
        """Bring up to date what the data moved under since the last round; the number of
        results built (0 when nothing moved)."""
        with self._busy:
            state = self._state()
            if state is None or state == self._seen:
                return 0
            since = time.monotonic() - self.recent_s
            owed = [
                (used, key, entry, reader)
                for reader in cache.all_readers()
                for used, key, entry in reader.owed(self.db_file, since)
            ]
            # What was asked for last first: most likely what the next page asks for again.
            owed.sort(key=lambda item: item[0], reverse=True)
            built, failed = 0, []
            for _, key, entry, reader in owed:
                self._after_pages()
                try:
                    built += reader.warm(key, entry)
                except Exception as exc:  # a page asking later gets the same error, shown its way
                    failed.append(f"{reader.__qualname__}: {type(exc).__name__}: {exc}")
            if failed:
                log.warning(
                    "warming after a write failed for %s: %s",
                    wording.plural(len(failed), "result"),
                    "; ".join(failed[:3]),
                )
            self.last_error = failed[0] if failed else None
            self._seen = state
            self.rounds += 1
            self.built += built
            return built

    def _after_pages(self) -> None:
        # What a page asks for meanwhile, it builds itself (or waits for the build in progress).
        deadline = time.monotonic() + self.most_yield_s
        while (now := time.monotonic()) < deadline:
            quiet = now - cache.last_asked()
            if quiet >= self.quiet_s:
                return
            time.sleep(min(self.quiet_s - quiet, deadline - now))

    def settled(self, timeout: float = 30.0) -> bool:
        """Wait until the warmer has warmed for the data as it is now (or there is nothing to
        warm); False if that took longer than ``timeout`` seconds. For the tests and the
        benchmark."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._busy:
                state = self._state()
                if state is None or state == self._seen:
                    return True
            time.sleep(0.005)
        return False

    def _wait(self) -> None:
        self._stop.wait(self.poll_s)
