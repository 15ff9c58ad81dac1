"""AppTests of the Executive summary page: what it shows and what its two buttons download equal
:func:`okrdata.report.build` on the same database, for the company, a team and a closed cycle.

The downloads are made when a button is pressed (a callable passed as ``data``); the test
catches the callables Streamlit registers and calls them, as the browser's click would.
"""

from __future__ import annotations

import datetime as dt

import pytest
from app_fixtures import built_after_a_checkin, clear_streamlit_caches, cold_screen, demo_db, metrics, ok, screen  # noqa: F401
from app_fixtures import open_page as open_app
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from okrdata import queries as q
from okrdata import report
from okrdata import writes as w
from okrdata.db import connect
from okrdata.report import plots
from okrdata.report.pdf import to_pdf
from ui.badges import escape_markdown
from ui.data import all_readers
from ui.sidebar import CYCLE_KEY, UNIT_KEY

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGE = "pages/summary.py"


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """``{file_name: (callable, mime type)}`` of every deferred download the page registers."""
    caught: dict = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        caught[file_name] = (data_callable, mimetype)
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return caught


def open_page(params: dict | None = None) -> AppTest:
    return open_app(PAGE, params)


def expected(path, cycle_id, unit_id=None) -> report.Report:
    db = connect(path)
    try:
        return report.build(db, cycle_id, unit_id, dt.date.today())
    finally:
        db.close()


def ids(path) -> tuple[int, int, int]:
    """(active cycle, closed cycle, the Web App team) of the demo."""
    db = connect(path)
    try:
        cycles = q.cycles(db)
        units = q.units(db)
    finally:
        db.close()
    active = int(cycles[cycles["state"] == "active"]["id"].iloc[0])
    closed = int(cycles[cycles["state"] == "closed"]["id"].iloc[0])
    team = int(units[units["name"] == "Web App"]["id"].iloc[0])
    return active, closed, team


@pytest.mark.parametrize("which", ["company", "team", "closed"])
def test_page_shows_the_reports_figures_and_downloads_its_bytes(demo_db, downloads, which):
    active, closed, team = ids(demo_db)
    cycle_id = closed if which == "closed" else active
    unit_id = team if which == "team" else None
    at = open_page({"cycle": str(cycle_id), **({"unit": str(unit_id)} if unit_id else {})})
    assert [t.value for t in at.title] == ["Executive summary"]
    assert at.selectbox(key=CYCLE_KEY).value == cycle_id
    want = expected(demo_db, cycle_id, unit_id)

    # Headline: the six figures of okrdata.queries.cycle_summary, formatted by the report.
    shown = metrics(at)
    for label, value, _ in report.headline_figures(want):
        assert shown[label] == value, label
    assert f"**{escape_markdown(report.headline_sentence(want))}**" in [m.value for m in at.markdown]

    # Objectives: every one, with status in words, and score (closed) or forecast (active).
    tables = at.dataframe
    assert len(tables) == (3 if not want.kpis.empty else 2)
    objectives = tables[0].value
    assert len(objectives) == len(want.objectives) > 0
    assert list(objectives["Objective"]) == list(want.objectives["title"])
    assert report.outcome_heading(want) in objectives.columns
    assert ("Score (0–1)" in objectives.columns) == (which == "closed")
    assert all(
        any(lbl in cell for lbl in ("On track", "At risk", "Off track", "Stale")) for cell in objectives["Status"]
    )
    risks = tables[1].value
    assert list(risks["Key result"]) == list(want.risks["title"])

    # Charts: the objectives chart and the two count charts.
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3

    # Two buttons; each downloads exactly the report's bytes.
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Download HTML", "Download PDF"]
    assert set(downloads) == {want.file_name("html"), want.file_name("pdf")}
    html_call, html_mime = downloads[want.file_name("html")]
    pdf_call, pdf_mime = downloads[want.file_name("pdf")]
    assert (html_mime, pdf_mime) == ("text/html", "application/pdf")
    html = html_call()
    assert html == report.to_html(want).encode("utf-8")
    if which == "team":  # the PDF is the slowest part: one scope is enough to compare bytes
        pdf = pdf_call()
        assert pdf.startswith(b"%PDF") and pdf == to_pdf(want)


def test_closed_cycle_shows_reflections_and_scores(demo_db, downloads):
    _, closed, _ = ids(demo_db)
    at = open_page({"cycle": str(closed)})
    want = expected(demo_db, closed)
    assert len(want.reflections) > 0
    texts = [m.value for m in at.markdown]
    assert "**Reflections at close**" in texts
    objectives = at.dataframe[0].value
    assert list(objectives["Score (0–1)"]) == [
        report.objective_outcome(want, o) for o in want.objectives.to_dict("records")
    ]


def test_switching_unit_changes_the_report(demo_db, downloads):
    active, _, team = ids(demo_db)
    at = open_page({"cycle": str(active)})
    company = expected(demo_db, active)
    assert metrics(at)["Objectives"] == str(company.headline["objective_count"])
    at.selectbox(key=UNIT_KEY).set_value(team)
    ok(at.run())
    team_report = expected(demo_db, active, team)
    assert metrics(at)["Objectives"] == str(team_report.headline["objective_count"])
    assert team_report.file_name("pdf") in downloads


def test_markup_in_titles_shows_as_text(demo_db, downloads):
    db = connect(demo_db)
    try:
        active = q.default_cycle_id(db)
        objective = q.objectives(db, active).iloc[0]
        db.execute(
            "UPDATE objectives SET title = ? WHERE id = ?",
            ["<script>alert('x')</script> **bold** [link](javascript:alert(1))", int(objective["objective_id"])],
        )
        db.conn.commit()
    finally:
        db.close()
    at = open_page({"cycle": str(active)})
    objectives = at.dataframe[0].value
    assert "<script>alert('x')</script> **bold** [link](javascript:alert(1))" in list(objectives["Objective"])
    html = downloads[expected(demo_db, active).file_name("html")][0]().decode()
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_unit_without_objectives_says_so_and_still_downloads(demo_db, downloads):
    db = connect(demo_db)
    try:
        root = int(q.units(db)["id"].iloc[0])
        lonely = w.add_unit(db, "Lonely team", parent_id=root, person=w.SYSTEM)
    finally:
        db.close()
    at = open_page({"unit": str(lonely)})
    assert any("Lonely team has no objectives" in i.value for i in at.info)
    assert len(at.get("download_button")) == 2
    html = next(call for name, (call, _) in downloads.items() if name.endswith(".html"))()
    assert b"Lonely team has no objectives" in html


@pytest.mark.parametrize("which", ["company", "team"])
def test_after_a_checkin_the_page_shows_the_new_figures_as_a_cold_run_does(demo_db, monkeypatch, which):
    active, _, team = ids(demo_db)
    unit_id = team if which == "team" else None
    params = {"unit": str(unit_id)} if unit_id else {}
    at = open_page(params)
    before = screen(at)
    first = expected(demo_db, active, unit_id)
    db = connect(demo_db)
    try:
        krs = q.key_results(db, active, unit_id)
        kr = krs[krs["kr_type"] != "milestone"].sort_values("progress").iloc[0]  # the furthest behind, to its target
        w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 9, "Done", person=w.SYSTEM)
    finally:
        db.close()
    drawn_by_altair: list[str] = []

    def counted(name: str):
        chart = getattr(plots, name)
        return lambda *args, **kwargs: drawn_by_altair.append(name) or chart(*args, **kwargs)

    for name in ("objective_chart", "status_chart", "kpi_chart"):
        monkeypatch.setattr(plots, name, counted(name))
    ok(at.run())
    want = expected(demo_db, active, unit_id)
    shown = metrics(at)
    assert [shown[label] for label, _, _ in report.headline_figures(want)] != [
        v for _, v, _ in report.headline_figures(first)
    ] or list(want.risks["kr_id"]) != list(first.risks["kr_id"]), "the check-in moved the figures"
    for label, value, _ in report.headline_figures(want):
        assert shown[label] == value, label
    assert list(at.dataframe[0].value["Progress (%)"]) == list(report.objectives_table(want)["Progress (%)"])
    assert report.risk_summary(want) in [c.value for c in at.caption]
    # The charts are refilled, not built again with Altair (a count chart whose axis changed is).
    ticks_moved = plots.count_ticks(plots.status_frame(first)["Key results"]) != plots.count_ticks(
        plots.status_frame(want)["Key results"]
    )
    assert drawn_by_altair == (["status_chart"] if ticks_moved else [])
    drawn = screen(at)
    assert drawn != before and drawn == cold_screen(PAGE, params)


def test_after_a_checkin_the_page_builds_nothing_but_readers(demo_db):
    # What the page derives is a reader with arguments, which the warmer of a server process can
    # build again after a write (tests/test_warm.py).
    at = open_page()
    built = built_after_a_checkin(at, demo_db)
    assert built and all(reader.warmable for reader in all_readers() if reader.__qualname__ in built)
    assert "summary_report" in built
