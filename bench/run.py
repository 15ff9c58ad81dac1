"""Page speed benchmark: every page, headless with AppTest, on the demo and on 10x and 100x organisations.

Builds the demo (``okr demo``) and synthetic organisations (``okr synth --scale N``, two
years of weekly check-ins) in a scratch folder, then runs each page cold (fresh caches, a
new session) and warm (a rerun of the same session, as after a click), several times, and
and *after a write*: the same session's next run once a check-in was saved on a key result
of the cycle shown (what a reader meets while leads check in), twice: at once, racing the
server's warmer (:mod:`ui.data.warm`, which the benchmark runs as the server does), and once
the warmer has brought the readers up to date (*warmed*: a reader arriving a moment after the
write; ``--no-warmer`` leaves it out, as a deployment that switches it off). It prints the median per page
and scale, the ratio of the largest scale to the demo, and a bare one-title Streamlit page
measured in the same run as the floor. Every chart's data points are counted too (the browser
must never get more than 5,000 per chart).

    python bench/run.py                    # demo, 10x, 100x; 3 cold, 15 warm, 3 after a write each
    python bench/run.py --scales 10 --cold 2 --warm 3 --after 2
    python bench/run.py --out bench/results/latest.md
    python bench/run.py --keep /tmp/okr-bench   # keep the built organisations, reuse them next time

Times are wall-clock medians on a shared machine: compare ratios within one run, not
absolute figures across runs. The scales take turns run by run, and a garbage collection is
done before each timed run, so that a slow spell of the machine or a collection owed by
earlier runs is not charged to one scale. Scripts are compiled once, as a server does (see
:func:`share_script_cache`); "cold" means Streamlit's data and resource caches are empty.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit import config  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from okrdata import queries  # noqa: E402
from okrdata import writes as okr_writes  # noqa: E402
from okrdata.db import connect  # noqa: E402
from okrdata.schema import migrate  # noqa: E402
from ui import navigation  # noqa: E402
from ui.data import warm as warming  # noqa: E402

APP = str(ROOT / "app.py")
PAGES = [p.path for p in navigation.PAGES]
FLOOR_SCRIPT = 'import streamlit as st\nst.title("Floor")\n'
MAX_POINTS = 5_000


def build(folder: Path, scale: int) -> Path:
    """The demo (scale 1) or a synthetic organisation ``scale`` times its size; one already
    built in ``folder`` (``--keep``) is reused."""
    path = folder / f"okr-x{scale}.db"
    if path.exists():
        print(f"  reusing {path}", file=sys.stderr)
        return path
    db = connect(path)
    migrate(db)
    started = time.perf_counter()
    if scale == 1:
        from okrdata.seed import load_demo

        load_demo(db)
    else:
        from okrdata.synth import synthesize

        synthesize(db, scale)
    counts = {t: db[t].count for t in ("units", "objectives", "key_results", "checkins", "kpi_readings")}
    db.close()
    print(f"  built x{scale} in {time.perf_counter() - started:.1f}s: {counts}", file=sys.stderr)
    return path


def share_script_cache() -> None:
    """Compile each script once, as a server does.

    AppTest makes a new script cache for every run, so each of its runs would compile
    ``app.py`` and the page again (Streamlit's "magic" rewrites the syntax tree first: tens of
    milliseconds for a long page). A server compiles a script once and reruns the bytecode; the
    benchmark does the same by sharing one cache between AppTest's runs.
    """
    from streamlit.testing.v1 import app_test

    shared = app_test.ScriptCache()
    app_test.ScriptCache = lambda: shared


def clear_caches() -> None:
    import streamlit as st

    try:
        from ui import data
    except ImportError:
        data = None
    if data is not None and hasattr(data, "clear"):
        data.clear()
    st.cache_data.clear()
    st.cache_resource.clear()


def check_in(path: Path, number: int) -> None:
    """Save a check-in, as a lead would, on a key result of the cycle every page shows by default."""
    import datetime as dt

    db = connect(path)
    try:
        today = dt.date.today()
        cycle_id = queries.default_cycle_id(db, today)
        rows = db.execute(
            "SELECT kr.id, kr.baseline, kr.target FROM key_results kr JOIN objectives o ON o.id = kr.objective_id "
            "WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0 AND kr.kr_type != 'milestone' "
            "ORDER BY kr.id LIMIT 50",
            [cycle_id],
        ).fetchall()
        kr_id, baseline, target = rows[number % len(rows)]
        value = (baseline or 0) + ((target or 1) - (baseline or 0)) * (0.3 + 0.01 * (number % 40))
        okr_writes.add_checkin(
            db, kr_id, today, round(value, 2), 3 + number % 7, f"bench write {number}", person=okr_writes.SYSTEM
        )
    finally:
        db.close()


def chart_points(at: AppTest) -> int:
    """The largest number of data rows any chart on the page sends to the browser."""
    largest = 0
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        rows = 0
        for ds in spec.get("datasets", {}).values():
            rows += len(ds)
        data = spec.get("data", {})
        if isinstance(data, dict):
            rows += len(data.get("values", []) or [])
        for dataset in getattr(chart.proto, "datasets", []):
            rows += _arrow_rows(dataset)
        largest = max(largest, rows)
    return largest


def _arrow_rows(dataset) -> int:
    try:
        import pyarrow as pa

        return pa.ipc.open_stream(dataset.data.data).read_all().num_rows
    except Exception:  # a chart without Arrow data counts as nothing here
        return 0


def _use(path: Path) -> None:
    os.environ["OKR_DB"] = str(path)


def _timed(at: AppTest) -> float:
    # A collection owed by earlier runs (of any page or scale) is not charged to this one.
    gc.collect()
    started = time.perf_counter()
    at.run()
    return time.perf_counter() - started


def _session(page: str | None) -> AppTest:
    """A new session opened on ``page`` (None: the floor script), not yet run on it."""
    if page is None:
        return AppTest.from_string(FLOOR_SCRIPT, default_timeout=300)
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    return at.switch_page(page)


WRITES = [0]


def time_page(
    page: str | None,
    paths: dict[int, Path],
    cold: int,
    warm: int,
    after: int = 0,
    warmers: dict[int, warming.Warmer] | None = None,
) -> dict[int, dict]:
    """Median cold, warm, after-a-write and (with ``warmers``, one per scale) after-a-write-
    once-warmed seconds of one page (``None``: the floor script) at every scale.

    The scales take turns, run by run, so that a slower spell of a shared machine weighs on
    all of them alike rather than on whichever scale it fell upon.
    """
    times = {s: {"cold": [], "warm": [], "after": [], "warmed": [], "errors": []} for s in paths}
    sessions: dict[int, AppTest] = {}
    for _ in range(cold):
        for scale, path in paths.items():
            _use(path)
            at = _session(page)
            clear_caches()  # the first run filled them for the default page; this one starts cold
            times[scale]["cold"].append(_timed(at))
            if at.exception:
                times[scale]["errors"].append(str(at.exception[0].value)[:200])
            sessions[scale] = at
    for scale, path in paths.items():  # refill what the other scales' cold runs cleared
        _use(path)
        sessions[scale].run()
    for _ in range(warm):  # a rerun of the same session, as after a click
        for scale, path in paths.items():
            _use(path)
            times[scale]["warm"].append(_timed(sessions[scale]))
    for _ in range(after):  # the same session's next run once someone saved a check-in
        for scale, path in paths.items():
            _use(path)
            sessions[scale].run()  # warm again: what an earlier write of another page dropped
            WRITES[0] += 1
            check_in(path, WRITES[0])
            times[scale]["after"].append(_timed(sessions[scale]))
            if sessions[scale].exception:
                times[scale]["errors"].append(str(sessions[scale].exception[0].value)[:200])
            if warmers:  # a reader who comes once the server's warmer has caught up with the write
                sessions[scale].run()
                WRITES[0] += 1
                check_in(path, WRITES[0])
                if not warmers[scale].settled(60):
                    times[scale]["errors"].append("the warmer did not settle within 60 s")
                times[scale]["warmed"].append(_timed(sessions[scale]))
    return {
        scale: {
            "cold": statistics.median(t["cold"]),
            "warm": statistics.median(t["warm"]) if t["warm"] else 0.0,
            "after": statistics.median(t["after"]) if t["after"] else 0.0,
            "warmed": statistics.median(t["warmed"]) if t["warmed"] else 0.0,
            "points": chart_points(sessions[scale]),
            "errors": t["errors"],
        }
        for scale, t in times.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10, 100], help="synthetic scales beside the demo")
    parser.add_argument("--cold", type=int, default=3, help="cold runs per page and scale")
    parser.add_argument(
        "--warm", type=int, default=15, help="warm reruns per page and scale (cheap; more make the median steadier)"
    )
    parser.add_argument("--after", type=int, default=3, help="runs after a write (a check-in) per page and scale")
    parser.add_argument(
        "--no-warmer", action="store_true", help="no warmer after a write (a deployment that switches it off)"
    )
    parser.add_argument("--pages", nargs="+", default=PAGES)
    parser.add_argument("--out", type=Path, help="also write the table (Markdown) to this file")
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the organisations in this folder and keep them "
        "(reused by the next run with the same folder) instead of a scratch folder",
    )
    args = parser.parse_args(argv)

    scales = [1] + [s for s in args.scales if s != 1]
    # AppTest outside a server warns on every run; each run applies the configured level anew.
    config.set_option("logger.level", "error")
    share_script_cache()
    results: dict[int, dict[str, dict]] = {}
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {scale: build(args.keep or Path(tmp), scale) for scale in scales}
        warmers = None if args.no_warmer else {s: warming.Warmer(str(p.absolute())).start() for s, p in paths.items()}
        time_page(
            None, {1: paths[1]}, 1, 0
        )  # warm-up: the first AppTest pays for imports, which no page should be charged
        for page in [None, *args.pages]:
            timed = time_page(page, paths, args.cold, args.warm, 0 if page is None else args.after, warmers)
            for scale, r in timed.items():
                results.setdefault(scale, {})[page or "floor"] = r
                print(
                    f"  x{scale} {page or 'floor'}: cold {r['cold'] * 1000:.0f} ms, warm {r['warm'] * 1000:.0f} ms, "
                    f"after a write {r['after'] * 1000:.0f} ms, warmed {r['warmed'] * 1000:.0f} ms, "
                    f"max chart points {r['points']}",
                    file=sys.stderr,
                )
        for warmer in (warmers or {}).values():
            warmer.stop()

    top = scales[-1]
    with_after = args.after > 0
    with_warmed = with_after and warmers is not None
    # After a write, the target is met by the first run a reader meets: once warmed, when the server warms.
    first = "warmed" if with_warmed else "after"
    per_scale = 2 + with_after + with_warmed
    lines = [
        "| page | "
        + " | ".join(
            f"x{s} cold ms | x{s} warm ms"
            + (f" | x{s} after write ms" if with_after else "")
            + (f" | x{s} warmed ms" if with_warmed else "")
            for s in scales
        )
        + f" | cold x{top}/demo | warm x{top}/demo |"
        + (f" after write x{top}/demo warm |" if with_after else "")
        + (f" warmed x{top}/demo warm |" if with_warmed else "")
        + " max chart points |",
        "|---" * (per_scale * len(scales) + 3 + with_after + with_warmed) + "|",
    ]
    failures = []
    for page in ["floor", *args.pages]:
        row = [page]
        for s in scales:
            row += [f"{results[s][page]['cold'] * 1000:.0f}", f"{results[s][page]['warm'] * 1000:.0f}"]
            if with_after:
                row.append(f"{results[s][page]['after'] * 1000:.0f}" if page != "floor" else "")
            if with_warmed:
                row.append(f"{results[s][page]['warmed'] * 1000:.0f}" if page != "floor" else "")
        cold_ratio = results[top][page]["cold"] / results[1][page]["cold"]
        warm_ratio = results[top][page]["warm"] / results[1][page]["warm"]
        after_ratio = results[top][page][first] / results[1][page]["warm"]
        points = max(results[s][page]["points"] for s in scales)
        row += [f"{cold_ratio:.2f}", f"{warm_ratio:.2f}"]
        if with_after:
            row.append(f"{results[top][page]['after'] / results[1][page]['warm']:.2f}" if page != "floor" else "")
        if with_warmed:
            row.append(f"{after_ratio:.2f}" if page != "floor" else "")
        row.append(str(points))
        lines.append("| " + " | ".join(row) + " |")
        if page != "floor":
            if warm_ratio > 1.5:
                failures.append(f"{page}: warm x{top}/demo {warm_ratio:.2f} > 1.5")
            if cold_ratio > 3:
                failures.append(f"{page}: cold x{top}/demo {cold_ratio:.2f} > 3")
            if results[top][page]["warm"] > 0.3:
                failures.append(f"{page}: warm x{top} {results[top][page]['warm'] * 1000:.0f} ms > 300 ms")
            if with_after and after_ratio > 2:
                failures.append(f"{page}: first run after a write ({first}) x{top} / demo warm {after_ratio:.2f} > 2")
            if with_after and results[top][page]["after"] > 0.3:
                failures.append(f"{page}: after a write x{top} {results[top][page]['after'] * 1000:.0f} ms > 300 ms")
            if points > MAX_POINTS:
                failures.append(f"{page}: a chart sends {points} points > {MAX_POINTS}")
        for s in scales:
            for error in results[s][page]["errors"]:
                failures.append(f"{page} x{s} raised: {error}")
    table = "\n".join(lines)
    print(table)
    if failures:
        print("\nTargets missed:\n- " + "\n- ".join(failures))
    else:
        print("\nAll targets met.")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            table + "\n\n" + ("Targets missed:\n- " + "\n- ".join(failures) if failures else "All targets met.") + "\n"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
