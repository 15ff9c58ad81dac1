"""Load benchmark: many real Chromium sessions on one dashboard process while a lead checks in.

Starts ``streamlit run app.py`` (as the README does) on a copy of the demo, or of a synthetic
organisation N times its size, and for each crowd size opens that many headless Chromium
sessions at once (within ``--ramp`` seconds, as when everyone opens the link from an
all-hands mail). Each session opens the Overview, then clicks through three pages in the
sidebar. Meanwhile a writer records a check-in every ``--write-every`` seconds through okrdata,
so the readers keep meeting fresh data. Reported per crowd: the median and 95th percentile of
the time from navigation or click to a rendered page (its heading shown and the script
finished), the errors (timeouts, exception boxes), the server's resident memory per session,
and the largest crowd served with a 95th percentile under two seconds.

    python bench/load.py                             # the demo; crowds of 10, 25 and 50
    python bench/load.py --scale 100 --crowds 10 25  # a 100x organisation (built once, then kept)
    python bench/load.py --keep /tmp/okr-bench       # reuse built databases (same folder as run.py)

Times are wall-clock on a shared machine: compare crowds within one run, not across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import build  # noqa: E402  (the same built organisations as the page benchmark)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
TOUR = [("Alignment", "Alignment"), ("KRs vs KPIs", "KRs vs KPIs"), ("All OKRs", "All OKRs")]
RENDERED = (
    "(h) => [...document.querySelectorAll(\"[data-testid='stMain'] h1\")].some(e => e.innerText.includes(h))"
    " && document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state') === 'notRunning'"
)
TARGET_P95 = 2.0


def snapshot(src: Path, dst: Path) -> Path:
    """A consistent copy of a SQLite file, its write-ahead log included (a plain file copy
    would leave out what is still in the log)."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1])
    return total / 1024


class Server:
    """``streamlit run`` of the dashboard (or of ``script``) on ``db_path``, on a free port."""

    def __init__(self, db_path: Path, script: Path = ROOT / "app.py", cwd: Path = ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(script),
                "--server.headless=true",
                f"--server.port={self.port}",
                "--server.address=127.0.0.1",
            ],
            cwd=cwd,
            env={**os.environ, "OKR_DB": str(db_path)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the dashboard did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)


class Writer(threading.Thread):
    """Records a check-in on a random key result of the active cycle every ``every`` seconds."""

    def __init__(self, db_path: Path, every: float):
        super().__init__(daemon=True)
        self.db_path, self.every, self.stop = db_path, every, threading.Event()
        self.saved = self.failed = 0

    def run(self) -> None:
        from okrdata import auth, queries, writes
        from okrdata.db import connect

        db = connect(self.db_path)
        admin = next(iter(db.query("SELECT * FROM people WHERE role = 'admin' LIMIT 1")))
        actor = auth.person_by_email(db, admin["email"])
        cycle = queries.default_cycle_id(db)
        krs = [
            r["id"]
            for r in db.query(
                "SELECT k.id FROM key_results k JOIN objectives o ON o.id = k.objective_id WHERE o.cycle_id = ?",
                [cycle],
            )
        ]
        rng = random.Random(7)
        while not self.stop.wait(self.every):
            try:
                writes.add_checkin(
                    db,
                    rng.choice(krs),
                    dt.date.today(),
                    rng.uniform(0, 1),
                    rng.randint(3, 9),
                    "load benchmark",
                    author_id=actor["id"],
                    person=actor,
                )
                self.saved += 1
            except Exception:  # noqa: BLE001 - a failed save is a figure of the report
                self.failed += 1
        db.close()


async def session(browser, url: str, delay: float, timeout_ms: float) -> tuple[list[float], list[str]]:
    """One reader: open the Overview, then click through :data:`TOUR`; the times to each page."""
    await asyncio.sleep(delay)
    times, errors = [], []
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    try:
        started = time.perf_counter()
        await page.goto(url)
        await page.wait_for_function(RENDERED, arg="Overview", timeout=timeout_ms)
        times.append(time.perf_counter() - started)
        for link, heading in TOUR:
            started = time.perf_counter()
            await page.locator("[data-testid='stSidebarNav'] a", has_text=link).first.click()
            await page.wait_for_function(RENDERED, arg=heading, timeout=timeout_ms)
            times.append(time.perf_counter() - started)
            if await page.locator("[data-testid='stException']").count():
                errors.append(f"{link}: exception shown")
    except Exception as exc:  # noqa: BLE001 - a timeout is an error of the report, not of the run
        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
    finally:
        await context.close()
    return times, errors


async def crowd(url: str, size: int, ramp: float, timeout_ms: float) -> tuple[list[float], list[str]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            rng = random.Random(size)
            results = await asyncio.gather(
                *(session(browser, url, rng.uniform(0, ramp), timeout_ms) for _ in range(size))
            )
        finally:
            await browser.close()
    return [t for times, _ in results for t in times], [e for _, errors in results for e in errors]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="1 for the demo, N for N times its size")
    parser.add_argument("--crowds", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which a crowd arrives")
    parser.add_argument("--write-every", type=float, default=3.0, help="seconds between the writer's check-ins")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a page counts as failed")
    parser.add_argument("--keep", type=Path, help="a folder to keep built databases in and reuse")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Chromium is missing: run scripts/install-browser.sh", file=sys.stderr)
        return 2

    folder = args.keep or Path(tempfile.mkdtemp(prefix="okr-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    template = build(folder, args.scale)
    scratch = Path(tempfile.mkdtemp(prefix="okr-load-run-"))
    db_path = scratch / "okr.db"
    snapshot(template, db_path)

    server = Server(db_path)
    rows = []
    try:
        # One visit first, so the process's one-time work (imports, schema check) is not charged to a crowd.
        asyncio.run(crowd(server.url, 1, 0, args.timeout * 1000))
        idle = rss_mb(server.proc.pid)
        for size in args.crowds:
            writer = Writer(db_path, args.write_every)
            writer.start()
            started = time.perf_counter()
            times, errors = asyncio.run(crowd(server.url, size, args.ramp, args.timeout * 1000))
            wall = time.perf_counter() - started
            writer.stop.set()
            writer.join()
            peak = rss_mb(server.proc.pid)
            rows.append(
                {
                    "size": size,
                    "pages": len(times),
                    "p50": percentile(times, 50),
                    "p95": percentile(times, 95),
                    "errors": errors,
                    "per_session": max(0.0, peak - idle) / size,
                    "wall": wall,
                    "saved": writer.saved,
                    "failed": writer.failed,
                }
            )
            print(f"  {size} sessions: done in {wall:.0f} s", file=sys.stderr)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    label = "demo" if args.scale == 1 else f"{args.scale}x"
    print(
        f"\nLoad on one process, {label}: sessions arrive within {args.ramp:g} s, "
        f"a check-in every {args.write_every:g} s; server memory idle {idle:.0f} MB\n"
    )
    print("| sessions | pages timed | p50 | p95 | errors | memory per session | check-ins saved / failed |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['size']} | {r['pages']} | {r['p50']:.2f} s | {r['p95']:.2f} s | {len(r['errors'])} | "
            f"{r['per_session']:.1f} MB | {r['saved']} / {r['failed']} |"
        )
    served = [r["size"] for r in rows if r["p95"] < TARGET_P95 and not r["errors"]]
    print(f"\nLargest crowd served with p95 under {TARGET_P95:g} s and no error: {max(served) if served else 'none'}")
    for r in rows:
        for error in sorted(set(r["errors"]))[:5]:
            print(f"  {r['size']} sessions: {error}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
