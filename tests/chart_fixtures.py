"""What the tests of refilled charts (:mod:`ui.chart_templates`) share: a demo organisation run
outside a Streamlit page (bare mode, through ``$OKR_DB``), and a count of Altair's builds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from okrdata.db import connect
from okrdata.schema import migrate
from okrdata.seed import load_demo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui import data  # noqa: E402 - once the repository is on the path


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """The demo organisation in a fresh file, the cached readers empty before and after."""
    db = connect(tmp_path / "demo.db")
    migrate(db)
    load_demo(db)
    monkeypatch.setenv("OKR_DB", str(tmp_path / "demo.db"))
    data.clear()
    yield db
    db.close()
    data.clear()


def altair_builds(call) -> int:
    """How many charts ``call()`` had Altair build (a template learnt is one)."""
    with data.builds() as built:
        call()
    return sum(1 for name, _, _ in built if name == "_template")
