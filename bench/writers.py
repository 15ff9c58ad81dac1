"""Writers benchmark: several processes saving check-ins into one database as fast as they can.

Each process saves check-ins through :func:`okrdata.writes.add_checkin` (the call a lead's Save
makes) on the demo organisation, flat out, for the same number of seconds, and times every
save. Printed: how many saves each process landed (its share), and the time a save took, p50,
p99 and the worst, over all of them and per process. The targets: no save over 1 s and p99
under 100 ms with four processes, every save landed, no error.

    python bench/writers.py                      # 4 processes, 10 s
    python bench/writers.py --processes 8 --seconds 30
    python bench/writers.py --db /tmp/copy.db    # a database of your own (it gets the check-ins)

Times are wall-clock on a shared machine: run it twice before reading much into a number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from okrdata import queries, writes
from okrdata.db import connect
from okrdata.schema import migrate

TARGET_MAX = 1.0
TARGET_P99 = 0.1


def key_results(path: Path) -> list[int]:
    """Key results of the running cycle that take a number (not a milestone)."""
    db = connect(path)
    try:
        cycle_id = queries.default_cycle_id(db, dt.date.today())
        return [
            r[0]
            for r in db.execute(
                "SELECT kr.id FROM key_results kr JOIN objectives o ON o.id = kr.objective_id "
                "WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0 AND kr.kr_type != 'milestone' "
                "ORDER BY kr.id",
                [cycle_id],
            ).fetchall()
        ]
    finally:
        db.close()


def writer(path: str, number: int, kr_ids: list[int], start, seconds: float, results) -> None:
    """Save check-ins until the deadline; report (number, save times, errors)."""
    times: list[float] = []
    errors: list[str] = []
    db = connect(path)
    try:
        start.wait(timeout=120)
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline:
            kr_id = kr_ids[(number * 7 + i) % len(kr_ids)]
            began = time.perf_counter()
            try:
                writes.add_checkin(
                    db, kr_id, dt.date.today(), 10 + (i % 50), i % 11, f"writer {number} #{i}", person=writes.SYSTEM
                )
            except Exception:  # noqa: BLE001 - every error is reported
                errors.append(traceback.format_exc(limit=2))
            else:
                times.append(time.perf_counter() - began)
            i += 1
    finally:
        db.close()
        results.put((number, times, errors))


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run(path: Path, processes: int, seconds: float) -> dict:
    """Run the writers against ``path``; return the figures."""
    kr_ids = key_results(path)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    start = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [
        context.Process(target=writer, args=(str(path), n, kr_ids, start, seconds, results)) for n in range(processes)
    ]
    for w in workers:
        w.start()
    start.wait(timeout=120)
    reports = sorted(results.get(timeout=seconds + 120) for _ in workers)
    for w in workers:
        w.join(timeout=30)
    every = [t for _, times, _ in reports for t in times]
    return {
        "processes": processes,
        "seconds": seconds,
        "saves": len(every),
        "shares": [len(times) for _, times, _ in reports],
        "p50": quantile(every, 0.5),
        "p99": quantile(every, 0.99),
        "max": max(every, default=0.0),
        "per_process": [(quantile(t, 0.5), quantile(t, 0.99), max(t, default=0.0)) for _, t, _ in reports],
        "errors": [e for _, _, errs in reports for e in errs],
        "mean": statistics.fmean(every) if every else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--db", type=Path, help="a database to write into (default: a fresh demo in a scratch folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "okr.db"
        if args.db is None:
            from okrdata.seed import load_demo

            db = connect(path)
            migrate(db)
            load_demo(db)
            db.close()
        r = run(path, args.processes, args.seconds)

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f}"

    lines = [
        (
            f"{r['processes']} writer processes x {r['seconds']:g} s: {r['saves']} saves "
            f"({r['saves'] / r['seconds']:.0f}/s), {len(r['errors'])} errors"
        ),
        f"save time: p50 {ms(r['p50'])} ms, p99 {ms(r['p99'])} ms, max {ms(r['max'])} ms",
        f"shares: {', '.join(str(s) for s in r['shares'])} (fewest/most {min(r['shares']) / max(r['shares']):.2f})",
        "| process | saves | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    for n, (share, (p50, p99, worst)) in enumerate(zip(r["shares"], r["per_process"])):
        lines.append(f"| {n} | {share} | {ms(p50)} | {ms(p99)} | {ms(worst)} |")
    print("\n".join(lines))
    failures = []
    if r["max"] > TARGET_MAX:
        failures.append(f"a save took {ms(r['max'])} ms > {ms(TARGET_MAX)} ms")
    if r["p99"] > TARGET_P99:
        failures.append(f"p99 {ms(r['p99'])} ms > {ms(TARGET_P99)} ms")
    if r["errors"]:
        failures.append(f"{len(r['errors'])} saves failed, the first: {r['errors'][0]}")
    print("\nTargets missed:\n- " + "\n- ".join(failures) if failures else "\nAll targets met.")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
