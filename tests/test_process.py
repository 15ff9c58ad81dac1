"""The server process as ``streamlit run`` builds it: what it does once, before any session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a second Python process imports the whole app

ROOT = Path(__file__).resolve().parent.parent


def test_the_collection_after_each_run_leaves_out_what_the_server_loaded(tmp_path):
    # Streamlit collects garbage after every script run; a click waits for it. Served as a
    # module (what `streamlit run` does with an st.App), app.py loads the pages' modules and
    # freezes them, so that collection walks only what runs create.
    probe = (
        "import gc, sys\n"
        "import app\n"
        "assert 'ui.charts' in sys.modules and 'pandas' in sys.modules and 'altair' in sys.modules\n"
        "assert 'okrdata.wall' in sys.modules and 'okrdata.report' in sys.modules  # what only pages import\n"
        "print(gc.get_freeze_count(), len(gc.get_objects()))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OKR_DB": str(tmp_path / "okr.db")}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    frozen, walked = map(int, result.stdout.split())
    assert frozen > 50_000
    assert walked < frozen / 20
