"""Several processes saving check-ins at once lose none and never see "database is locked".

Four writer processes save check-ins through ``okrdata.writes`` against one database file, as
fast as they can, while a reader process computes the Overview's figures over and over. Each
writer counts the saves that returned an id (acknowledged); afterwards the rows in the file
must be exactly those, and no process may have met any error.

The run lasts ``$OKR_CONCURRENCY_SECONDS`` seconds (default 8 in the suite;
``OKR_CONCURRENCY_SECONDS=60`` for the full minute).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
import traceback

import pytest

from okrdata import queries, writes
from okrdata.db import connect

pytestmark = pytest.mark.slow  # writer processes saving for seconds on end

WRITERS = 4
DURATION = float(os.environ.get("OKR_CONCURRENCY_SECONDS", "8"))


def writer(path: str, number: int, kr_ids: list[int], author: int, start, stop_at: list, results) -> None:
    """Save check-ins until the deadline; report (number, acknowledged ids, errors)."""
    acked: list[int] = []
    errors: list[str] = []
    db = connect(path)
    try:
        start.wait(timeout=120)
        deadline = time.monotonic() + stop_at[0]
        i = 0
        while time.monotonic() < deadline:
            kr_id = kr_ids[(number + i) % len(kr_ids)]
            day = dt.date(2026, 1, 2) + dt.timedelta(days=i % 80)
            try:
                acked.append(
                    writes.add_checkin(
                        db,
                        kr_id,
                        day,
                        (i % 90) + 1,
                        i % 11,
                        f"writer {number} #{i}",
                        author_id=author,
                        person=writes.SYSTEM,
                    )
                )
            except Exception:  # noqa: BLE001 - every error counts against the test
                errors.append(traceback.format_exc(limit=3))
                if len(errors) > 20:
                    break
            i += 1
    finally:
        db.close()
        results.put(("writer", number, acked, errors))


def reader(path: str, cycle_id: int, start, stop_at: list, results) -> None:
    """Compute the Overview's figures until the deadline; report how many reads and any errors."""
    reads = 0
    errors: list[str] = []
    start.wait(timeout=120)
    deadline = time.monotonic() + stop_at[0]
    while time.monotonic() < deadline:
        db = connect(path)  # a short connection per unit of work, as the app does
        try:
            krs = queries.key_results(db, cycle_id, today=dt.date(2026, 2, 15))
            queries.cycle_summary(db, cycle_id, today=dt.date(2026, 2, 15), krs=krs)
            reads += 1
        except Exception:  # noqa: BLE001
            errors.append(traceback.format_exc(limit=3))
        finally:
            db.close()
    results.put(("reader", 0, reads, errors))


def test_writer_processes_lose_no_checkin_and_never_see_a_locked_database(db, org, tmp_path):
    path = str(tmp_path / "okr.db")
    before = db["checkins"].count
    kr_ids = [org.kr_increase, org.kr_decrease, org.kr_milestone, org.kr_stay_above]
    kr_ids.remove(org.kr_milestone)  # it takes values from 0 to 1 only; the writers use the other three
    # fork: the children start at once with okrdata loaded (each opens its own connection; the
    # parent's is never touched in them, and they leave through os._exit without closing it).
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    start = context.Barrier(WRITERS + 2)  # the writers, the reader and this test start together
    results = context.Queue()
    stop_at = [DURATION]
    processes = [
        context.Process(target=writer, args=(path, n, kr_ids, org.lead, start, stop_at, results))
        for n in range(WRITERS)
    ]
    processes.append(context.Process(target=reader, args=(path, org.cycle, start, stop_at, results)))
    for p in processes:
        p.start()
    start.wait(timeout=120)
    reports = [results.get(timeout=DURATION + 120) for _ in processes]
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0
    writer_reports = [r for r in reports if r[0] == "writer"]
    reader_report = next(r for r in reports if r[0] == "reader")
    errors = [e for r in reports for e in r[3]]
    assert not any("locked" in e for e in errors), errors[:3]
    assert not errors, errors[:3]
    acked = [i for r in writer_reports for i in r[2]]
    assert len(acked) == len(set(acked))
    stored = [r[0] for r in db.execute("SELECT id FROM checkins WHERE note LIKE 'writer %' ORDER BY id")]
    assert sorted(acked) == stored, "every acknowledged check-in is in the file, and nothing else"
    assert db["checkins"].count == before + len(acked)
    assert reader_report[2] > 0
    print(
        f"\n{WRITERS} writers x {DURATION:g} s: {len(acked)} check-ins acknowledged, {len(stored)} stored "
        f"({', '.join(str(len(r[2])) for r in sorted(writer_reports))} per writer), "
        f"{reader_report[2]} overview reads, 0 errors"
    )
