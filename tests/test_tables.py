"""The phone's list that stands in for a table (ui.tables): what a phone shows of a long table."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from ui import tables

ROOT = Path(__file__).resolve().parent.parent

LONG_TABLE = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import pandas as pd
from ui import tables

frame = pd.DataFrame({{
    "Key result": [f"Key result *{{i}}*" for i in range(1000)],
    "Status": ["🟢 On track"] * 1000,
    "Progress": [i / 10 for i in range(1000)],
    "Unit": ["Web team"] * 1000,
}})
source = tables.arrow(frame) if AS_ARROW else frame
tables.phone_list("long", tables.phone_items(source, "Key result", ["Status", "Progress"], ["Unit"]), what="key results")
"""


def phone(as_arrow: bool) -> AppTest:
    at = AppTest.from_string(LONG_TABLE.replace("AS_ARROW", str(as_arrow)), default_timeout=60).run()
    assert not at.exception
    return at


def test_a_phone_gets_the_first_rows_of_a_long_table_and_how_many_there_are():
    at = phone(as_arrow=False)
    items = at.markdown[0].value.split("\n- ")
    assert len(items) == 25
    assert items[0] == "- **Key result \\*0\\***  \n  🟢 On track · 0%  \n  :gray[Web team]"
    assert items[-1].startswith("**Key result \\*24\\***")
    assert at.caption[0].value == "The first 25 of 1,000 key results; a wider screen shows them all in a table."


def test_a_table_kept_as_arrow_gives_the_phone_the_same_list():
    assert [m.value for m in phone(as_arrow=True).markdown] == [m.value for m in phone(as_arrow=False).markdown]
    assert [c.value for c in phone(as_arrow=True).caption] == [c.value for c in phone(as_arrow=False).caption]


def test_a_phone_list_survives_a_cached_reader_s_copy():
    """Readers copy their value per session by pickling it (ui.data): a list of phone items kept by
    a reader (KRs vs KPIs keeps one) must come back the same, not fail the page."""
    frame = pd.DataFrame({"Key result": ["Ship *v2*", "Hire"], "Status": ["On track", "At risk"], "Unit": ["A", "B"]})
    items = tables.phone_items(frame, "Key result", ["Status"], ["Unit"])
    copy = pickle.loads(pickle.dumps(items))
    assert list(copy) == list(items)
    assert copy[0].startswith("- **Ship \\*v2\\***")
