"""The readers of what Overview, Executive summary, Wall and Review derive for display
(``ui/overview_data.py``, ``ui/summary_data.py``, ``ui/wall_data.py``, ``ui/review_data.py``) are
worked out again from their arguments alone after a check-in, in a thread with no Streamlit
script run (as a server's warmer calls them after a write), to what a cold build gives.

Run outside a Streamlit page (bare mode) on the demo organisation, through ``$OKR_DB``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import threading

import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pytest
from chart_fixtures import demo  # noqa: F401 - demo is a fixture
from streamlit.runtime.scriptrunner import get_script_run_ctx

from okrdata import queries as q
from okrdata import review, writes
from ui import data, overview_data, review_data, summary_data, wall_data


def _by_scope(reader):
    return lambda cycle, unit_id: reader(cycle["id"], unit_id)


def _counts(cycle, unit_id):
    closed = cycle["state"] == "closed"
    return review_data.sheet_counts(cycle["id"], unit_id, closed, review.has_ended(cycle))


READERS = {
    "unit_chart": _by_scope(overview_data.unit_chart),
    "needing_attention": _by_scope(overview_data.needing_attention),
    "attention_table": _by_scope(overview_data.attention_table),
    "summary_report": _by_scope(summary_data.summary_report),
    "summary_charts": _by_scope(summary_data.summary_charts),
    "objectives_table": _by_scope(summary_data.objectives_table),
    "wall_screen": _by_scope(wall_data.wall_screen),
    "sheet_counts": _counts,
}
"""Each page reader by its name in :func:`ui.data.builds`, called with the cycle's row and a unit."""


def test_the_readers_under_test_are_there():
    assert READERS
    assert len(READERS) == 8


def assert_same(got, want, where: str = "result") -> None:
    """``got`` equals ``want``: frames and Arrow tables cell by cell, dataclasses field by field,
    containers item by item, NaN equal to NaN."""
    if isinstance(want, pd.DataFrame):
        pdt.assert_frame_equal(got, want, obj=where)
    elif isinstance(want, pd.Series):
        pdt.assert_series_equal(got, want, obj=where)
    elif isinstance(want, pa.Table):
        assert got.equals(want), where
    elif dataclasses.is_dataclass(want):
        assert type(got) is type(want), where
        for f in dataclasses.fields(want):
            assert_same(getattr(got, f.name), getattr(want, f.name), f"{where}.{f.name}")
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), where
        for key in want:
            assert_same(got[key], want[key], f"{where}[{key!r}]")
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and math.isnan(want):
        assert isinstance(got, float) and math.isnan(got), where
    else:
        assert got == want, where


def same(got, want) -> bool:
    try:
        assert_same(got, want)
    except AssertionError:
        return False
    return True


def in_a_bare_thread(call):
    """``call()`` run in a new thread with no Streamlit script run, as a warmer runs it."""
    out: dict = {}

    def run():
        try:
            out["context"] = get_script_run_ctx(suppress_warning=True)
            out["value"] = call()
        except BaseException as exc:  # handed to the test's thread to fail there
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    assert not thread.is_alive()
    if "error" in out:
        raise out["error"]
    assert out["context"] is None
    return out["value"]


@pytest.mark.parametrize("team", [False, True], ids=["company", "team"])
def test_after_a_checkin_each_page_reader_is_rebuilt_from_its_arguments_in_a_bare_thread(demo, team):  # noqa: F811
    cycle = data.cycle(q.default_cycle_id(demo))
    unit_id = int(q.units(demo).set_index("name").loc["Web App", "id"]) if team else None
    before = {name: call(cycle, unit_id) for name, call in READERS.items()}

    krs = q.key_results(demo, cycle["id"], unit_id, dt.date.today())
    kr = krs[krs["kr_type"] != "milestone"].sort_values("progress").iloc[0]  # the furthest behind, to its target
    writes.add_checkin(demo, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 9, "Done", person=writes.SYSTEM)

    with data.builds() as built:
        warmed = {name: in_a_bare_thread(lambda c=call: c(cycle, unit_id)) for name, call in READERS.items()}
    rebuilt = {name for name, _, how in built if how != "new"}
    assert set(READERS) <= rebuilt, "each was built again after the check-in, not handed out stale"
    # The check-in moves the figures each of these shows (the attention list may keep its rows).
    moved = {name for name in READERS if not same(warmed[name], before[name])}
    assert moved >= set(READERS) - {"needing_attention", "attention_table"}, moved

    data.clear()
    for name, call in READERS.items():
        assert_same(warmed[name], call(cycle, unit_id), name)
