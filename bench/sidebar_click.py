"""Click benchmark: a sidebar click in the dashboard against the same click in a bare Streamlit app.

One Chromium, one run, three servers started as the README starts the dashboard: a bare
two-page Streamlit app (each page one title; the floor any Streamlit app pays for a click on
this machine), the dashboard on the demo, and the dashboard on an organisation ``--scale``
times its size. For each dashboard page the benchmark clicks its sidebar entry from another
page and times the click to the rendered page (its title shown and the script finished), plain
and *after a write* (a check-in saved on the current cycle just before the click, what a reader
meets while leads check in). The bare app's click is timed the same way, interleaved with the
dashboard's clicks, so a busy moment of the machine costs both. It also times a fresh load of
each app's first page.

    python bench/sidebar_click.py                         # demo and 100x, 5 clicks per page and kind
    python bench/sidebar_click.py --scale 10 --repeat 3   # quicker
    python bench/sidebar_click.py --keep /tmp/okr-bench   # reuse built databases (same folder as run.py)

Prints the median per page and kind, and each as a ratio of the bare app's median click in the
same run. The target (issue 13): every click within 2 times the bare app's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import CHROMIUM, CHROMIUM_ARGS, RENDERED, Server, snapshot  # noqa: E402
from run import build  # noqa: E402

BARE_APP = """import streamlit as st


def first():
    st.title("First")


def second():
    st.title("Second")


st.navigation([st.Page(first, title="First", default=True), st.Page(second, title="Second")]).run()
"""
TARGET = 2.0


def bare_folder(folder: Path, script: str) -> Path:
    """A folder with ``script`` as its ``app.py`` and the dashboard's ``.streamlit/config.toml``,
    so that a bare app runs with the same settings (no file watcher, no usage statistics, the
    same toolbar) and differs from the dashboard only by what its script draws."""
    (folder / ".streamlit").mkdir(parents=True)
    (folder / "app.py").write_text(script)
    shutil.copy(ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    return folder


def pages() -> list[str]:
    """The dashboard's page titles in menu order (its sidebar entries and headings)."""
    from ui.navigation import PAGES

    return [p.title for p in PAGES]


class CheckIns:
    """Saves a check-in on a random key result of the current cycle, as a lead would."""

    def __init__(self, db_path: Path):
        from okrdata import auth, queries
        from okrdata.db import connect

        self.db = connect(db_path)
        admin = next(iter(self.db.query("SELECT email FROM people WHERE role = 'admin' LIMIT 1")))
        self.actor = auth.person_by_email(self.db, admin["email"])
        cycle = queries.default_cycle_id(self.db)
        self.krs = [
            r["id"]
            for r in self.db.query(
                "SELECT k.id FROM key_results k JOIN objectives o ON o.id = k.objective_id WHERE o.cycle_id = ?",
                [cycle],
            )
        ]
        self.rng = random.Random(13)

    def save(self) -> None:
        from okrdata import writes

        writes.add_checkin(
            self.db,
            self.rng.choice(self.krs),
            dt.date.today(),
            self.rng.uniform(0, 1),
            self.rng.randint(3, 9),
            "click benchmark",
            author_id=self.actor["id"],
            person=self.actor,
        )


# The wall screen's title is the organisation's (or unit's) name, not the menu's word: its own
# container tells it is drawn.
WALL_DRAWN = (
    "() => !!document.querySelector('.st-key-okr_wall')"
    " && document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state') === 'notRunning'"
)


def click(page, link: str, timeout_ms: float) -> float:
    """Seconds from a click on ``link`` in the sidebar to its rendered page."""
    started = time.perf_counter()
    page.locator("[data-testid='stSidebarNav'] a", has_text=link).first.click()
    if link == "Wall screen":
        page.wait_for_function(WALL_DRAWN, timeout=timeout_ms)
    else:
        page.wait_for_function(RENDERED, arg=link, timeout=timeout_ms)
    return time.perf_counter() - started


def load(page, url: str, heading: str, timeout_ms: float) -> float:
    """Seconds from opening ``url`` in a fresh tab state to its rendered first page."""
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(RENDERED, arg=heading, timeout=timeout_ms)
    return time.perf_counter() - started


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000 if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100, help="the larger organisation, N times the demo")
    parser.add_argument("--repeat", type=int, default=5, help="clicks per page and kind")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a click counts as failed")
    parser.add_argument("--keep", type=Path, help="a folder to keep built databases in and reuse")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Chromium is missing: run scripts/install-browser.sh", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    timeout_ms = args.timeout * 1000
    folder = args.keep or Path(tempfile.mkdtemp(prefix="okr-click-"))
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="okr-click-run-"))
    bare_dir = bare_folder(scratch / "bare", BARE_APP)
    titles = pages()
    assert titles, "no dashboard pages to click"

    bare_clicks: list[float] = []
    bare_loads: list[float] = []
    rows: list[tuple[str, str, str, float]] = []
    loads: dict[str, list[float]] = {}
    bare = Server(bare_dir / "unused.db", script=bare_dir / "app.py", cwd=bare_dir)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            bare_page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            load(bare_page, bare.url, "First", timeout_ms)

            def bare_click() -> None:
                # Alternate between the two pages, so each click really moves.
                current = "Second" if len(bare_clicks) % 2 == 0 else "First"
                bare_clicks.append(click(bare_page, current, timeout_ms))

            for scale in (1, args.scale):
                label = "demo" if scale == 1 else f"{scale}x"
                print(f"  {label}: building / starting", file=sys.stderr)
                db_path = scratch / f"okr-{label}.db"
                snapshot(build(folder, scale), db_path)
                server = Server(db_path)
                writer = CheckIns(db_path)
                try:
                    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                    load(page, server.url, titles[0], timeout_ms)  # the process's one-time work
                    loads[label] = []
                    for _ in range(args.repeat):
                        fresh = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                        loads[label].append(load(fresh, server.url, titles[0], timeout_ms))
                        fresh.context.close()
                        bare_fresh = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                        bare_loads.append(load(bare_fresh, bare.url, "First", timeout_ms))
                        bare_fresh.context.close()
                    for kind in ("plain", "after a write"):
                        for title in titles:
                            times = []
                            for _ in range(args.repeat):
                                # Start from another page so the click moves; the bare click between
                                # keeps the two sets of figures from the same moments.
                                away = titles[1] if title == titles[0] else titles[0]
                                click(page, away, timeout_ms)
                                bare_click()
                                if kind == "after a write":
                                    writer.save()
                                times.append(click(page, title, timeout_ms))
                            rows.append((label, kind, title, median_ms(times)))
                            print(f"  {label} {kind} {title}: {median_ms(times):.0f} ms", file=sys.stderr)
                    page.context.close()
                finally:
                    writer.db.close()
                    server.stop()
            browser.close()
    finally:
        bare.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    floor = median_ms(bare_clicks)
    print(f"\nBare two-page Streamlit app: a click {floor:.0f} ms, a load {median_ms(bare_loads):.0f} ms (medians)")
    for label, times in loads.items():
        ratio = median_ms(times) / median_ms(bare_loads)
        print(f"Dashboard load of the Overview, {label}: {median_ms(times):.0f} ms ({ratio:.2f} x the bare load)")
    print("\n| page | scale | click | ÷ bare | after a write | ÷ bare |")
    print("|---|---|---:|---:|---:|---:|")
    by = {(label, kind, title): ms for label, kind, title, ms in rows}
    missed = []
    for label in loads:
        for title in titles:
            plain, after = by[(label, "plain", title)], by[(label, "after a write", title)]
            print(
                f"| {title} | {label} | {plain:.0f} ms | {plain / floor:.2f} | {after:.0f} ms | {after / floor:.2f} |"
            )
            missed += [
                f"{title} ({label}, {k})"
                for k, ms in (("plain", plain), ("after a write", after))
                if ms / floor > TARGET
            ]
    print(f"\nClicks over {TARGET:g} x the bare app's: {', '.join(missed) if missed else 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
