"""The charts of Confidence trends refilled from a template (:mod:`ui.chart_templates`) are the
very specs Altair builds from scratch, for every series, unit and check-in; Altair builds each
shape of chart once.

Run outside a Streamlit page (bare mode) on the demo organisation, through ``$OKR_DB``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from chart_fixtures import altair_builds, demo  # noqa: F401 - demo is a fixture

from okrdata import queries as q
from okrdata import trends as tr
from okrdata import trends_breakdown as tb
from okrdata import writes
from okrdata.db import connect
from okrdata.schema import migrate
from okrdata.seed import load_demo
from ui import charts, data
from ui import trend_charts as tc


def series_of(t: tr.Trends, every: int = 3) -> list[tuple[object, float | None, str | None]]:
    """The unit's series, every third objective's and key result's, with its forecast and unit label."""

    def drawn(projected: float | None, used: bool) -> float | None:
        return projected if used else None

    out = [(t.unit(), drawn(*t.unit_projected()), None)]
    out += [(t.objective(o), drawn(*t.objective_projected(o)), None) for o in t.objectives["objective_id"][::every]]
    for kr_id, label in zip(t.krs["kr_id"][::every], t.krs["unit_label"][::every]):
        out.append((t.kr(kr_id), t.kr_projected(kr_id), "" if label is None else str(label)))
    return out


def test_every_series_chart_refilled_is_the_one_altair_builds(demo):
    cycle_id = q.default_cycle_id(demo)
    t = tr.trends(demo, cycle_id)
    shown = series_of(t)
    assert len(shown) > 20
    for series, projected, label in shown:
        for forecast in (tr.forecast_line(series, projected, t.cycle), tr.forecast_line(series, None, t.cycle)):
            fresh = charts.spec(tc.progress(series, t.expected, forecast, t.cycle, tc.PROGRESS_TITLE, label))
            assert tc.progress_spec(series, t.expected, forecast, t.cycle, tc.PROGRESS_TITLE, label) == fresh
        if series["confidence"].notna().any():
            fresh = charts.spec(tc.confidence(series, t.cycle, "Confidence", label))
            assert tc.confidence_spec(series, t.cycle, "Confidence", label) == fresh
    # Two shapes of progress chart (with and without a forecast) for aggregates and for key
    # results, one of confidence chart each: a handful of Altair builds for every series.
    data.clear()
    builds = altair_builds(lambda: [tc.series_specs(s, t.expected, p, t.cycle, "C", label) for s, p, label in shown])
    assert 2 <= builds <= 6, builds


def test_heat_maps_and_status_mixes_refilled_are_the_ones_altair_builds(demo):
    cycle_id = q.default_cycle_id(demo)
    units = q.units(demo, include_archived=True)
    drawn = 0
    for unit_id in [None, *[int(u) for u in units["id"]]]:
        t = tr.trends(demo, cycle_id, unit_id)
        rows = tb.breakdown_rows(units, t.objectives, unit_id)
        cells = tb.heatmap(t.objective_weekly, t.kr_weekly, rows)
        if not cells.empty:
            assert tc.heatmap_spec(cells, t.weeks, "H", "Unit") == charts.spec(tc.heatmap(cells, t.weeks, "H", "Unit"))
            drawn += 1
        mix = tb.status_mix(t.kr_weekly)
        if not mix.empty:
            assert tc.status_mix_spec(mix, t.weeks, "S") == charts.spec(tc.status_mix(mix, t.weeks, "S"))
    assert drawn > 3


def test_after_a_checkin_the_charts_are_refilled_not_built(demo):
    from ui import trend_data

    cycle_id = q.default_cycle_id(demo)
    first = (trend_data.unit_view(cycle_id), trend_data.heat_map(cycle_id), trend_data.status_mix(cycle_id))
    krs = q.key_results(demo, cycle_id)
    kr = int(krs.loc[krs["kr_type"] != "milestone", "kr_id"].iloc[0])
    writes.add_checkin(demo, kr, dt.date.today(), 1, 1, "", person=writes.SYSTEM)
    with data.builds() as built:
        view = trend_data.unit_view(cycle_id)
        heat = trend_data.heat_map(cycle_id)
        mix = trend_data.status_mix(cycle_id)
    how = {name: h for name, _, h in built}
    assert {"unit_view", "heat_map", "status_mix"} <= set(how), "what shows the cycle follows the check-in"
    assert how["trends"] == "patched"
    assert "_template" not in how, "no chart is built again with Altair"
    assert (view.progress, heat.spec, mix) != (first[0].progress, first[1].spec, first[2])
    t = tr.trends(demo, cycle_id)
    forecast = tr.forecast_line(t.unit(), t.unit_projected()[0], t.cycle)
    assert view.progress == charts.spec(tc.progress(t.unit(), t.expected, forecast, t.cycle, tc.PROGRESS_TITLE))
    data.clear()
    fresh = trend_data.heat_map(cycle_id)
    assert heat.spec == fresh.spec and heat.rows == fresh.rows
    assert mix == trend_data.status_mix(cycle_id)


def test_a_frames_rows_are_written_as_altair_writes_them():
    import altair as alt
    import numpy as np
    import pandas as pd

    from ui import chart_templates

    frame = pd.DataFrame(
        {
            "text": ["x", None, "z"],
            "date": pd.to_datetime(["2026-01-01", None, "2026-01-03"]),
            "number": [1.5, np.nan, np.inf],
            "count": [1, 2, 3],
            "flag": [True, False, True],
            "mixed": ["a", 1, None],
        }
    )
    for rows in (frame, frame.iloc[0:0], frame[["count"]], pd.DataFrame({"late": pd.to_timedelta([1], unit="D")})):
        try:
            expected = alt.data_transformers.get()(rows)["values"]
        except ValueError:  # a kind of column Altair refuses is refused the same way
            with pytest.raises(ValueError):
                chart_templates._values(rows)
            continue
        assert chart_templates._values(rows) == expected
