"""The app's own scheduler (opt-in): a background thread that runs :func:`okrdata.notify.jobs.run_due`.

Switched on with ``[okr.notify] schedule = true`` (or ``OKR_NOTIFY_SCHEDULE=1``); the app's
lifespan (:func:`lifespan`, for ``st.App(..., lifespan=...)``) calls :func:`start_if_enabled`
and, at shutdown, :meth:`Scheduler.stop`. Every
``interval_minutes`` (5 by default) it opens a short connection, runs what is due, and closes
it. The delivery log's unique keys make it safe beside a cron job or on several servers at
once: whoever claims a message first sends it, nobody sends it twice.

:func:`poke` wakes it at once: a write that may need a post (a check-in, a cycle closed) can
call it so the post goes out within seconds instead of at the next round; it costs nothing when
no scheduler runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable

from okrdata.background import Rounds
from okrdata.db import connect
from okrdata.errors import ValidationError
from okrdata.notify import settings as notify_settings

log = logging.getLogger("okrdata.notify")

_wake = threading.Event()


def poke() -> None:
    """Ask a running scheduler to look now (no-op without one)."""
    _wake.set()


class Scheduler(Rounds):
    """A daemon thread running the notification jobs every ``interval_s`` seconds."""

    name = "okr-notify"

    def __init__(
        self,
        db_file: str | os.PathLike | None = None,
        interval_s: float | None = None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        load_settings: Callable[[], notify_settings.Settings] = notify_settings.load,
    ):
        self.db_file = db_file
        self.interval_s = interval_s
        self.clock = clock
        self.load_settings = load_settings
        super().__init__()
        self.runs = 0

    def run_once(self) -> None:
        """One round: run what is due; any failure is logged, never raised (the app goes on)."""
        from okrdata.notify import jobs
        from okrdata.schema import migrate

        db = None
        try:
            settings = self.load_settings()
            db = connect(self.db_file)
            migrate(db)
            batch = jobs.run_due(db, self.clock(), settings)
            failed = [r for r in batch.results if r.status != "sent"]
            if failed:
                log.warning(
                    "notifications: %d of %d deliveries did not go: %s",
                    len(failed),
                    len(batch.results),
                    "; ".join(f"{r.recipient}: {r.error}" for r in failed[:5]),
                )
            self.last_error = None
        except ValidationError as exc:
            self.last_error = str(exc)
            log.error("notifications are not set up right: %s", exc)
        except Exception as exc:  # the scheduler must outlive any one bad round
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("notifications: a round failed")
        finally:
            self.runs += 1
            if db is not None:
                db.close()

    def _interval(self) -> float:
        if self.interval_s is not None:
            return self.interval_s
        try:
            return self.load_settings().interval_s
        except ValidationError:
            return notify_settings.DEFAULT_INTERVAL_MINUTES * 60.0

    def _wait(self) -> None:
        _wake.wait(self._interval())
        _wake.clear()

    def _interrupt(self) -> None:
        _wake.set()


def start_if_enabled(db_file: str | os.PathLike | None = None) -> Scheduler | None:
    """Start the scheduler when the deployment asks for it (``schedule = true``); else None."""
    try:
        settings = notify_settings.load()
    except ValidationError as exc:
        log.error("notifications are not set up right, the scheduler stays off: %s", exc)
        return None
    if not settings.schedule:
        return None
    return Scheduler(db_file).start()


@contextlib.asynccontextmanager
async def lifespan(app: object = None) -> AsyncIterator[None]:
    """A Starlette/``st.App`` lifespan that runs the scheduler while the app serves, when the
    deployment asks for it (:func:`start_if_enabled`), and stops it at shutdown."""
    scheduler = start_if_enabled()
    try:
        yield
    finally:
        if scheduler is not None:
            scheduler.stop()
