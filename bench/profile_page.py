"""Where one page spends its time: a cProfile of a cold and a warm AppTest run.

The benchmark (bench/run.py) says which page is slow; this says why.

    python bench/profile_page.py pages/overview.py --db /tmp/okr-x100.db
    python bench/profile_page.py pages/alignment.py --db okr.db --warm --top 40

Build a large organisation first with ``okr synth --scale 100 --db /tmp/okr-x100.db``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit import config  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = str(ROOT / "app.py")


def _profile_script_thread(profiler: cProfile.Profile) -> None:
    """Profile the next script runs: AppTest runs the page in a thread of its own."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    original = ScriptRunner._run_script_thread

    def profiled(self):
        profiler.enable()
        try:
            return original(self)
        finally:
            profiler.disable()

    ScriptRunner._run_script_thread = profiled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", help="a page script, e.g. pages/overview.py")
    parser.add_argument("--db", type=Path, required=True, help="the SQLite file to read")
    parser.add_argument("--warm", action="store_true", help="profile a rerun instead of the cold run")
    parser.add_argument("--top", type=int, default=30, help="how many functions to list")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime)")
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"--db: no such file: {args.db}")

    os.environ["OKR_DB"] = str(args.db)
    # AppTest outside a server warns on every run; each run applies the configured level anew.
    config.set_option("logger.level", "error")
    from run import share_script_cache  # bench/run.py, beside this file

    share_script_cache()
    import streamlit as st

    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page(args.page)
    st.cache_data.clear()
    st.cache_resource.clear()
    profiler = cProfile.Profile()
    if args.warm:
        at.run()
        at.run()
    _profile_script_thread(profiler)
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        print(f"the page raised: {at.exception[0].value}", file=sys.stderr)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(f"{args.page} {'warm' if args.warm else 'cold'}: {elapsed * 1000:.0f} ms")
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
