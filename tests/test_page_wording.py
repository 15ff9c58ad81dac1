"""How the pages say what they show (AppTest, on a copy of the demo): colours that carry status or
nothing, no "None" in a table, units coloured by pace, a status that reads against its progress
saying what it rests on, the forecast's projected value, and moved goalposts marked wherever a
key result is listed. The wording itself is pinned in ``test_wording.py``.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow as pa
import pytest
from app_fixtures import clear_streamlit_caches, demo_db, ok, open_everything, open_page, open_panels  # noqa: F401
from streamlit.testing.v1 import AppTest

from okrdata import attention, wording
from okrdata import numbers as n
from okrdata import queries as q
from okrdata.db import connect
from ui import badges
from ui.badges import escape_markdown
from ui.navigation import PAGES

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

TODAY = dt.date.today()


def facts(path) -> dict:
    db = connect(path)
    try:
        cycle = q.default_cycle_id(db)
        return {
            "cycle": cycle,
            "admin": db.execute("SELECT id FROM people WHERE role = 'admin' ORDER BY id").fetchone()[0],
            "krs": q.key_results(db, cycle, None, TODAY),
            "objectives": q.objectives(db, cycle, None, TODAY),
            "progress": q.unit_progress(db, cycle, TODAY),
        }
    finally:
        db.close()


def execute(path, sql: str, params: list) -> None:
    db = connect(path)
    try:
        db.execute(sql, params)
        db.conn.commit()
    finally:
        db.close()


def chart_rows(chart) -> pd.DataFrame:
    frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def progress_columns(at: AppTest) -> list[dict]:
    """The configuration of every progress-bar column of every table on the page."""
    found = []
    for table in at.dataframe:
        for column in json.loads(table.proto.columns or "{}").values():
            if column.get("type_config", {}).get("type") == "progress":
                found.append(column["type_config"])
    return found


# --- item 19: colour carries status or nothing ----------------------------------------------------


def test_progress_bars_in_tables_are_one_neutral_colour_on_every_page(demo_db):
    admin = facts(demo_db)["admin"]
    found = []
    for page in PAGES:
        found += [(page.path, c) for c in progress_columns(open_everything(open_page(page.path, person=admin)))]
    assert len({path for path, _ in found}) >= 5, found  # overview, alignment, okrs, manage, review...
    assert [(path, c.get("color")) for path, c in found if c.get("color") != badges.NEUTRAL] == []
    assert badges.NEUTRAL not in badges.COLOURS.values(), "the neutral colour is no status's"


# --- item 18: no "None" in a table -----------------------------------------------------------------


def test_a_key_result_without_check_ins_reads_dashes_not_none(demo_db):
    f = facts(demo_db)
    kr = f["krs"][f["krs"]["kr_type"] == "increase"].iloc[0]
    execute(demo_db, "UPDATE checkins SET deleted = 1 WHERE kr_id = ?", [int(kr["kr_id"])])
    at = open_page("pages/manage.py", {"cycle": str(f["cycle"])}, person=f["admin"])
    open_panels(at, ("mg_tab", "Key results"))
    at.selectbox(key="mg_kr_obj").set_value(int(kr["objective_id"]))
    ok(at.run())
    tables = [t.value for t in at.dataframe if "Key result" in t.value.columns and "Goalposts" in t.value.columns]
    assert len(tables) == 1
    row = tables[0][tables[0]["Key result"] == kr["title"]].iloc[0]
    assert (row["Confidence"], row["Current"], row["Last check-in"]) == ("—", "—", "—")
    for table in at.dataframe:
        assert not table.value.isna().any().any(), table.value.columns  # a null cell reads "None"


def test_no_table_on_any_page_holds_an_empty_cell(demo_db):
    f = facts(demo_db)
    silent = f["krs"][f["krs"]["kr_type"] == "increase"].iloc[0]
    execute(demo_db, "UPDATE checkins SET deleted = 1 WHERE kr_id = ?", [int(silent["kr_id"])])
    checked = 0
    for page in PAGES:
        at = open_everything(
            open_page(page.path, {"cycle": str(f["cycle"]), "unit": str(int(silent["unit_id"]))}, person=f["admin"])
        )
        for table in at.dataframe:
            checked += 1
            empty = [c for c in table.value.columns if table.value[c].isna().any()]
            assert not empty, (page.path, empty)
    assert checked >= 8


# --- item 20: units coloured by pace -----------------------------------------------------------------


def unit_bars(at: AppTest) -> tuple[pd.DataFrame, dict]:
    charts = [c for c in at.get("vega_lite_chart") if "Unit" in json.dumps(json.loads(c.proto.spec).get("layer", []))]
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    return chart_rows(charts[0]).drop_duplicates("Unit").reset_index(drop=True), spec["layer"][0]["encoding"]


def test_units_are_coloured_by_their_pace_with_their_status_mix_in_the_tooltip(demo_db):
    f = facts(demo_db)
    bars, encoding = unit_bars(open_page("pages/overview.py"))
    assert encoding["color"]["field"] == "Band"
    scale = dict(zip(encoding["color"]["scale"]["domain"], encoding["color"]["scale"]["range"]))
    assert scale == {wording.PACE_BAND_LABELS[b]: wording.PACE_COLOURS[b] for b in n.PACE_BANDS}
    progress = f["progress"].set_index("name")
    for bar in bars.to_dict("records"):
        unit = progress.loc[bar["Unit"]]
        assert bar["Band"] == wording.PACE_BAND_LABELS[wording.pace_band(unit["progress"], unit["expected"])]
        assert bar["Pace"] == wording.pace(unit["progress"], unit["expected"])
        assert bar["Key results"].startswith("On track ")
    # The company's bar counts every key result, as the Overview's tiles do.
    company = bars.iloc[0]["Key results"]
    counts = f["krs"]["status"].value_counts()
    assert company == wording.status_line({s: int(counts.get(s, 0)) for s in n.STATUSES})
    tooltip = [t["field"] for t in encoding["tooltip"]]
    assert "Key results" in tooltip and "Band" in tooltip
    # Not every bar red for lack of one green key result: the demo has units on pace.
    assert "On pace" in set(bars["Band"])


def test_units_of_a_closed_cycle_are_coloured_by_their_score(demo_db):
    db = connect(demo_db)
    try:
        cycles = q.cycles(db)
        closed = int(cycles[cycles["state"] == "closed"]["id"].iloc[0])
    finally:
        db.close()
    bars, encoding = unit_bars(open_page("pages/overview.py", {"cycle": str(closed)}))
    assert encoding["color"]["scale"]["domain"] == list(wording.SCORE_BANDS.values())
    assert set(bars["Band"]) <= set(wording.SCORE_BANDS.values())
    assert all(" · " in s for s in bars["Score"])


# --- item 21: a status that reads against its progress says what it rests on --------------------------


def contradicted(demo_db) -> dict:
    """An off-track key result of the demo, made 100% done: "100% · Off track"."""
    f = facts(demo_db)
    krs = f["krs"]
    kr = krs[(krs["status"] == n.OFF_TRACK) & krs["kr_type"].isin(["increase", "decrease"])].iloc[0]
    execute(demo_db, "UPDATE checkins SET value = ? WHERE id = ?", [float(kr["target"]), int(kr["checkin_id"])])
    db = connect(demo_db)
    try:
        row = q.key_results(db, f["cycle"], None, TODAY).set_index("kr_id").loc[int(kr["kr_id"])]
    finally:
        db.close()
    assert row["progress"] == 1.0 and row["status"] == n.OFF_TRACK
    return {"kr_id": int(kr["kr_id"]), **row.to_dict(), "cycle": f["cycle"]}


def test_the_overview_says_what_a_contradicting_status_rests_on(demo_db):
    kr = contradicted(demo_db)
    at = open_page("pages/overview.py")
    listed = [t.value for t in at.dataframe if "Why" in t.value.columns]
    assert len(listed) == 1
    row = listed[0][listed[0]["Key result"] == kr["title"]].iloc[0]
    basis = f"{int(kr['confidence'])}/10 on {badges.day(kr['last_checkin_date'])}"
    assert row["Status"] == f"🔴 Off track ({basis})"
    assert (
        f"Off track by its last confidence, {int(kr['confidence'])}/10 on {badges.day(kr['last_checkin_date'])}, "
        "while 100% done and " in row["Why"]
    )


def test_all_okrs_and_the_objective_page_say_what_a_contradicting_status_rests_on(demo_db):
    kr = contradicted(demo_db)
    at = open_page("pages/okrs.py")
    table = at.dataframe[0].value
    row = table[table["Key result"] == kr["title"]].iloc[0]
    assert row["Status"] == f"🔴 Off track ({int(kr['confidence'])}/10 on {badges.day(kr['last_checkin_date'])})"
    at = open_page("pages/okrs.py", {"objective": str(int(kr["objective_id"]))})
    captions = " ".join(c.value for c in at.caption)
    assert escape_markdown(attention.contradiction(kr)) in captions


# --- item 27: the forecast's projected value, and moved goalposts ---------------------------------------


def test_the_objective_page_shows_each_key_results_projected_end_value(demo_db):
    f = facts(demo_db)
    krs = f["krs"]
    with_forecast = krs[krs["forecast_value"].notna()]
    objective_id = int(with_forecast["objective_id"].iloc[0])
    at = open_page("pages/okrs.py", {"objective": str(objective_id)})
    captions = " ".join(c.value for c in at.caption)
    mine = with_forecast[with_forecast["objective_id"] == objective_id]
    assert len(mine)
    for kr in mine.to_dict("records"):
        projected = wording.forecast(kr["forecast_value"], kr["forecast_score"], kr["unit_label"], kr["kr_type"])
        assert escape_markdown(f"heading for {projected} by the end") in captions
    objective = f["objectives"].set_index("objective_id").loc[objective_id]
    assert {m.label: m.value for m in at.metric}["Forecast"] == wording.pct(objective["forecast_score"])


def move_goalposts(path, kr: dict) -> str:
    """Record a target change on ``kr`` today, as the writes do; return its mark."""
    execute(
        path,
        "INSERT INTO key_result_changes (kr_id, field, before, after, changed_by, changed_at, reason) "
        "VALUES (?, 'target', ?, ?, NULL, ?, 'Scope doubled')",
        [
            int(kr["kr_id"]),
            float(kr["target"]),
            float(kr["target"]) * 2,
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        ],
    )
    return (
        f"Goalposts moved: target {wording.number(kr['target'])} → {wording.number(float(kr['target']) * 2)} "
        f"on {wording.day(TODAY)}"
    )


def test_moved_goalposts_are_marked_on_the_overview_the_objective_page_and_the_summary(demo_db):
    f = facts(demo_db)
    needing, _ = attention.needing_attention(f["krs"])
    kr = needing[needing["kr_type"] == "increase"].iloc[0].to_dict()
    mark = move_goalposts(demo_db, kr)

    at = open_page("pages/overview.py")
    listed = [t.value for t in at.dataframe if "Why" in t.value.columns][0]
    assert mark in listed[listed["Key result"] == kr["title"]].iloc[0]["Why"]

    at = open_page("pages/okrs.py", {"objective": str(int(kr["objective_id"]))})
    assert any(escape_markdown(mark) in c.value for c in at.caption)

    at = open_page("pages/summary.py")
    moved = [t.value for t in at.dataframe if "Change" in t.value.columns]
    assert len(moved) == 1
    assert list(moved[0]["Key result"]) == [kr["title"]]
    assert moved[0]["Change"].iloc[0] == mark.removeprefix("Goalposts moved: ")
    assert moved[0]["Why"].iloc[0] == "Scope doubled"


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/summary.py"])
def test_a_count_of_one_reads_singular(demo_db, page):
    # One key result in scope: "1 of 1 key result", never "1 key results".
    f = facts(demo_db)
    keep = int(f["krs"][f["krs"]["status"] != n.ON_TRACK]["kr_id"].iloc[0])
    execute(demo_db, "UPDATE key_results SET archived = 1 WHERE id != ?", [keep])
    at = open_page(page)
    texts = " ".join(x.value for x in [*at.caption, *at.markdown])
    assert "1 key results" not in texts and "1 days" not in texts
    assert "1 key result" in texts
