"""Start-up benchmark of the feed commands: ``okr checkin`` and ``okr reading``, as a cron job runs them.

Each run is a fresh Python process that records one check-in (or one reading) on a copy of the
demo, the way the installed ``okr`` script starts (``from okrdata.cli import main``). Beside
them, measured in the same run and in turn with them:

- ``python -c pass``, the floor: an interpreter that does nothing;
- ``okr checkin`` through the full command group (``okrdata.cli.group``, every command imported: the
  way it started before the feed commands got their lean start), for the ratio.

It prints the median and 95th percentile per command, the ratios to the floor and to the full
start, the costliest imports of one run (``python -X importtime``), and whether any module a
feed command does not use was loaded (pandas, numpy, Altair, the PDF maker, openpyxl, Streamlit).

    python bench/cli_startup.py              # 20 runs of each
    python bench/cli_startup.py --runs 50

Times are wall-clock on a shared machine: compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEAVY = ("pandas", "numpy", "pyarrow", "altair", "vl_convert", "reportlab", "openpyxl", "streamlit")
LEAN = "import sys; from okrdata.cli import main; sys.argv[0] = 'okr'; main()"
FULL = "import sys; from okrdata.cli import cli; sys.argv[0] = 'okr'; cli()"


def build(folder: Path) -> tuple[Path, int, int]:
    """A demo database in ``folder``; returns it, a key result of the current cycle and a KPI."""
    from okrdata import queries
    from okrdata.db import connect
    from okrdata.schema import migrate
    from okrdata.seed import load_demo

    path = folder / "okr.db"
    db = connect(path)
    migrate(db)
    load_demo(db)
    cycle = queries.default_cycle_id(db)
    kr = db.execute(
        "SELECT kr.id FROM key_results kr JOIN objectives o ON o.id = kr.objective_id "
        "WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0 "
        "AND kr.kr_type != 'milestone' ORDER BY kr.id LIMIT 1",
        [cycle],
    ).fetchone()[0]
    kpi = db.execute("SELECT id FROM kpis WHERE archived = 0 ORDER BY id LIMIT 1").fetchone()[0]
    db.close()
    return path, kr, kpi


def commands(path: Path, kr: int, kpi: int) -> dict[str, list[str]]:
    checkin = ["checkin", "--db", str(path), "--kr", str(kr), "--value", "1,234", "--confidence", "7"]
    return {
        "python -c pass (floor)": ["-c", "pass"],
        "okr checkin": ["-c", LEAN, *checkin],
        "okr reading": ["-c", LEAN, "reading", "--db", str(path), "--kpi", str(kpi), "--value", "42.5"],
        "okr checkin, full CLI start": ["-c", FULL, *checkin],
    }


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def time_once(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])}... failed:\n{done.stdout}{done.stderr}")
    return elapsed


def imports(args: list[str]) -> tuple[list[tuple[int, str]], list[str]]:
    """The ten costliest top-level imports of one run (µs, module), and the heavy modules it loaded."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], env=env(), capture_output=True, text=True)
    costs, loaded = [], set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        module = name.strip()
        loaded.add(module.split(".")[0])
        if not name.startswith("   ") and cumulative.strip().isdigit():  # a top-level import
            costs.append((int(cumulative.strip()), module))
    return sorted(costs, reverse=True)[:10], [m for m in HEAVY if m in loaded]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each command (default 20)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path, kr, kpi = build(Path(folder))
        runs = commands(path, kr, kpi)
        for args in runs.values():  # warm the file cache, compile the bytecode
            time_once(args)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(options.runs):
            for name, args in runs.items():  # in turn, so a slow spell is shared
                times[name].append(time_once(args))
        medians = {name: statistics.median(t) for name, t in times.items()}
        floor, full = medians["python -c pass (floor)"], medians["okr checkin, full CLI start"]
        print(f"## okr start-up ({options.runs} runs each, wall clock, Python {sys.version.split()[0]})\n")
        print("| command | median | p95 | x floor | x full CLI start | modules it should not load |")
        print("|---|---:|---:|---:|---:|---|")
        for name, args in runs.items():
            _, heavy = imports(args)
            print(
                f"| {name} | {medians[name] * 1000:.0f} ms | {p95(times[name]) * 1000:.0f} ms | "
                f"{medians[name] / floor:.1f} | {medians[name] / full:.2f} | "
                f"{', '.join(heavy) if heavy else 'none'} |"
            )
        for name in ("okr checkin", "okr reading"):
            top, _ = imports(runs[name])
            print(f"\n{name}, costliest imports: " + ", ".join(f"{m} {us / 1000:.0f} ms" for us, m in top[:6]))


if __name__ == "__main__":
    main()
