"""AppTests of the KRs vs KPIs page: what a user sees equals okrdata's figures on the same database.

Each test gets its own copy of the demo (see :mod:`app_fixtures`); one builds a generated
organisation (``okrdata.synth``) to see the page narrowed on a large branch.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from app_fixtures import (  # noqa: F401
    APP,
    clear_streamlit_caches,
    demo_db,
    elements,
    empty_db,
    large_db,
    ok,
)
from app_fixtures import open_page as open_app
from streamlit.testing.v1 import AppTest

from okrdata import kpis as K
from okrdata import queries as q
from okrdata import writes as w
from okrdata.db import connect
from okrdata.schema import migrate
from ui import badges
from ui.sidebar import COMPANY, CYCLE_KEY, UNIT_KEY

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGE = "pages/kpis.py"
WINDOW_KEY = "kpi_window_months"
SECTION_KEY = "kpi_section"
MAX_DRAWN = 3


def open_page(params: dict | None = None) -> AppTest:
    """The KRs vs KPIs page opened directly, as a link with ``params`` would open it."""
    return open_app(PAGE, params)


def choose(at: AppTest, cycle_id: int | None = None, unit: int | None = None) -> AppTest:
    if cycle_id is not None:
        at.selectbox(key=CYCLE_KEY).set_value(cycle_id)
    if unit is not None:
        at.selectbox(key=UNIT_KEY).set_value(unit)
    return ok(at.run())


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label.split(": ")[-1].split(":")[-1].strip(): m.value for m in at.metric}


def markdown(at: AppTest) -> list[str]:
    """The page's Markdown a paragraph an item: a KPI's name and its latest reading are two
    paragraphs of one element."""
    return [p for m in at.markdown for p in m.value.split("\n\n")]


def chart_rows(chart) -> int:
    """Data rows a chart carries: its named datasets, its own data and any inline values."""
    rows = sum(pa.ipc.open_stream(d.data.data).read_all().num_rows for d in chart.proto.datasets)
    if chart.proto.data.data:
        rows += pa.ipc.open_stream(chart.proto.data.data).read_all().num_rows
    spec = json.loads(chart.proto.spec)
    for layer in [spec, *spec.get("layer", [])]:
        rows += len(layer.get("data", {}).get("values", []))
    return rows


class Facts:
    """The figures okrdata gives for a scope, to compare the screen with."""

    def __init__(self, path, cycle_id: int | None, unit_id: int | None):
        db = connect(path)
        try:
            self.cycles = [int(i) for i in q.cycles(db)["id"]]
            self.cycle_id = cycle_id or q.default_cycle_id(db)
            self.scope_kpis = q.kpis(db, unit_id)
            units = q.units(db)
            self.units = units
            if unit_id is not None:
                units = units[units["id"].isin(q.subtree_ids(db, unit_id))]
            self.sections = K.sections(units, q.key_results(db, self.cycle_id, unit_id), q.kpis(db))
        finally:
            db.close()
        self.summary = K.summary(self.scope_kpis)
        self.pairs = K.pair_counts(self.sections)
        # More than MAX_DRAWN units: a picker, opened on the first unit with a pair to check.
        self.multi = len(self.sections) > MAX_DRAWN
        first = next((s for s in self.sections if s.warnings), self.sections[0] if self.sections else None)
        self.drawn = [first] if self.multi else self.sections
        self.limited = K.limit(self.drawn)

    def unit(self, name: str) -> int:
        return int(self.units[self.units["name"] == name]["id"].iloc[0])


def unit_id(path, name: str) -> int:
    return Facts(path, None, None).unit(name)


# --- every scope ----------------------------------------------------------------------------


def test_the_page_shows_okrdatas_figures_for_company_department_team_and_both_cycles(demo_db):
    facts = Facts(demo_db, None, None)
    assert len(facts.cycles) == 2
    scopes = [COMPANY, facts.unit("Go-to-Market"), facts.unit("Growth")]
    at = open_page()
    assert [t.value for t in at.title] == ["KRs vs KPIs"]
    checked = 0
    for cycle_id in facts.cycles:
        for unit in scopes:
            choose(at, cycle_id, unit)
            f = Facts(demo_db, cycle_id, None if unit == COMPANY else unit)
            shown = metrics(at)
            assert len(shown) == 6, shown
            assert shown["KPIs"] == str(f.summary["kpis"]) != "0"
            assert shown["Healthy"] == str(f.summary["healthy"])
            assert shown["Warning"] == str(f.summary["warning"])
            assert shown["Breached"] == str(f.summary["breached"])
            assert shown["Overdue"] == str(f.summary["overdue"])
            assert shown["Linked pairs"] == str(f.pairs["pairs"])
            # The table of linked pairs (a branch of many units), then a header per unit drawn.
            table = ["Linked pairs"] if f.multi and f.pairs["pairs"] else []
            assert [h.value for h in at.subheader] == table + [
                badges.escape_markdown(s.name) for s in f.limited.sections
            ]
            charts = at.get("vega_lite_chart")
            cards = sum(s.kpi_count for s in f.limited.sections)
            assert len(charts) == cards > 0, (cycle_id, unit)
            for chart in charts:
                assert 0 < chart_rows(chart) <= K.MAX_CHART_ROWS
                assert chart_rows(chart) <= K.MAX_POINTS + 3  # points, the target rule, the band, the cycle
            checked += 1
    assert checked == 6


def every_unit(at: AppTest) -> tuple[list[str], list[str]]:
    """The Markdown and captions of every unit the picker offers, one after another."""
    names, captions = markdown(at), [c.value for c in at.caption]
    for option in at.selectbox(key=SECTION_KEY).options:
        at.selectbox(key=SECTION_KEY).select(option)
        ok(at.run())
        names += markdown(at)
        captions += [c.value for c in at.caption]
    return names, captions


def test_the_company_shows_every_kpi_flags_the_overdue_one_and_pairs_across_units(demo_db):
    f = Facts(demo_db, None, None)
    assert f.summary["kpis"] == 11
    at = open_page()
    assert at.selectbox(key=SECTION_KEY).value == f.drawn[0].unit_id
    names, captions = every_unit(at)
    for name in f.scope_kpis["name"]:
        assert any(m.startswith(f"**{badges.escape_markdown(name)}**") for m in names), name
    assert "KPI of Platform" in captions  # the company's latency key result beside Platform's KPI
    assert "Measured by a key result of Northwind Labs (shown there)." in captions
    # The overdue KPI: a label with how many days late.
    overdue = f.scope_kpis[f.scope_kpis["overdue"]]
    assert list(overdue["name"]) == ["Qualified pipeline"]
    late = K.days_late(overdue["days_since_reading"].iloc[0], overdue["frequency_days"].iloc[0])
    assert late > 0
    flagged = {m for m in names if "Overdue" in m}
    assert len(flagged) == 1
    assert next(iter(flagged)).startswith("**Qualified pipeline**")
    assert f":violet-badge[:material/schedule: Overdue · {badges.days(late)} late]" in next(iter(flagged))
    assert metrics(at)["Overdue"] == "1"


def test_the_company_is_a_few_screens_every_pair_in_a_table_and_one_unit_at_a_time(demo_db):
    """The demo company's 11 units would draw 11 KPI charts one under another (10,391 px): the
    pairs are one table, and the picker draws one unit, opened on the first with a pair to check."""
    f = Facts(demo_db, None, None)
    assert f.multi and len(f.sections) == 11
    at = open_page()
    tables = [d for d in at.dataframe if d.value.columns[0] == "Check"]
    assert len(tables) == 1
    rows = tables[0].value
    assert len(rows) == f.pairs["linked_krs"] == 12
    assert (rows["Check"] != "").sum() == f.pairs["warnings"] > 0
    assert list(rows["Check"][: f.pairs["warnings"]]) == ["⚠️ Check"] * f.pairs["warnings"]  # those to check first
    picker = at.selectbox(key=SECTION_KEY)
    assert picker.options == [
        f"{s.path} ({s.kr_count} key result{'s' if s.kr_count != 1 else ''}, {s.kpi_count} KPI"
        f"{'s' if s.kpi_count != 1 else ''}{f', {len(s.warnings)} to check' if s.warnings else ''})"
        for s in f.sections
    ]
    assert len(at.get("vega_lite_chart")) == f.drawn[0].kpi_count
    platform = f.unit("Platform")
    picker.set_value(platform)
    ok(at.run())
    assert [h.value for h in at.subheader] == ["Linked pairs", "Platform"]


def test_the_counts_say_how_key_results_and_pairs_relate(demo_db):
    f = Facts(demo_db, None, None)
    assert (f.pairs["linked_krs"], f.pairs["pairs"]) == (12, 11)
    at = open_page()
    cycle = q.cycles(connect(demo_db)).set_index("id").loc[f.cycle_id, "name"]
    assert (
        f"12 key results of {badges.escape_markdown(cycle)} measured by a KPI, in 11 linked pairs "
        "(a KPI can measure more than one key result)."
    ) in [c.value for c in at.caption]
    intro = at.caption[0].value
    assert intro.startswith(
        "Key results change something within one cycle; KPIs watch the health of what "
        "already runs. Where a key result is measured by a KPI, the two stand side by side"
    )


def test_the_charts_write_the_kpis_unit_on_the_y_axis(demo_db):
    at = open_page()
    labelled = 0
    for chart in at.get("vega_lite_chart"):
        for layer in json.loads(chart.proto.spec)["layer"]:
            axis = layer["encoding"].get("y", {}).get("axis")
            if axis:
                assert axis.get("labelExpr", "").startswith("datum.label + ")
                labelled += 1
    assert labelled > 0
    exprs = {
        layer["encoding"]["y"]["axis"].get("labelExpr")
        for c in at.get("vega_lite_chart")
        for layer in json.loads(c.proto.spec)["layer"]
        if "y" in layer["encoding"]
    }
    assert 'datum.label + " ms"' in exprs  # p95 API latency: "400 ms", not "400"


def test_the_linked_pair_and_its_warning_appear(demo_db):
    growth = unit_id(demo_db, "Growth")
    at = open_page({"unit": str(growth)})
    f = Facts(demo_db, None, growth)
    assert f.pairs["warnings"] == 1
    kr = badges.escape_markdown("Grow weekly trial signups from 240 to 400")
    kpi = badges.escape_markdown("Trial-to-paid conversion")
    texts = markdown(at)
    warnings = [m for m in texts if m.startswith(":orange[:material/warning: **Check this pair.**]")]
    assert len(warnings) == 1
    assert f"**{kr}** has reached its target" in warnings[0]
    row = f.scope_kpis[f.scope_kpis["name"] == "Trial-to-paid conversion"].iloc[0]
    assert row["health"] == "warning"
    assert f"**{kpi}**, is in its warning band at {badges.number(row['last_value'], '%')}" in warnings[0]
    assert any(m.startswith(":orange[:material/warning: **1 key result looks fine") for m in texts)
    # The pair: the key result and the KPI side by side, the KPI with its warning badge.
    assert any(m.startswith(f"**{kr}**") for m in texts)
    assert f"**{kpi}** &nbsp; :orange-badge[:material/warning: Warning]" in texts
    assert ":material/link: Key results measured by this KPI" in [c.value for c in at.caption]


def test_after_a_checkin_the_pairs_show_the_key_results_new_figures(demo_db):
    at = open_page()
    before = Facts(demo_db, None, None)
    # Every key result measured by a KPI in trouble, checked in past its target: each pair turns
    # into one to check, in the counts, the table of pairs and the warnings at the top.
    troubled = {int(k["kpi_id"]) for k in before.scope_kpis.to_dict("records") if k["health"] in K.TROUBLE}
    db = connect(demo_db)
    try:
        krs = q.key_results(db, before.cycle_id)
        linked = krs[krs["kpi_id"].isin(troubled) & krs["kr_type"].isin(["increase", "decrease"])]
        assert len(linked) >= 1
        for kr in linked.to_dict("records"):
            beyond = kr["target"] + (kr["target"] - kr["baseline"])
            w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), beyond, 9, "", person=w.SYSTEM)
    finally:
        db.close()
    ok(at.run())
    after = Facts(demo_db, None, None)
    assert after.pairs["warnings"] > before.pairs["warnings"]
    assert metrics(at)["Linked pairs"] == str(after.pairs["pairs"])
    words = "key result looks" if after.pairs["warnings"] == 1 else "key results look"
    assert any(
        m.startswith(f":orange[:material/warning: **{after.pairs['warnings']} {words} fine") for m in markdown(at)
    )
    (table,) = [d.value for d in at.dataframe if "Check" in d.value.columns]
    assert (table["Check"] != "").sum() == after.pairs["warnings"]
    progress = dict(zip(table["Key result"], table["Progress"]))
    for kr in linked.to_dict("records"):
        assert progress[str(kr["title"])] == 100.0


def test_the_time_window_sets_the_charts_span(demo_db):
    at = open_page()
    assert at.segmented_control(key=WINDOW_KEY).value == K.DEFAULT_WINDOW_MONTHS

    def spans():
        out = set()
        for chart in at.get("vega_lite_chart"):
            for layer in json.loads(chart.proto.spec)["layer"]:
                x = layer["encoding"].get("x")
                if x:
                    out.add(tuple(x["scale"]["domain"]))
        return out

    today = dt.date.today()
    assert spans() == {(K.window_start(today, 6).isoformat(), today.isoformat())}
    before = sum(chart_rows(c) for c in at.get("vega_lite_chart"))
    at.segmented_control(key=WINDOW_KEY).set_value(12)
    ok(at.run())
    assert spans() == {(K.window_start(today, 12).isoformat(), today.isoformat())}
    assert sum(chart_rows(c) for c in at.get("vega_lite_chart")) > before


# --- odd inputs and empty states ------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"cycle": "abc", "unit": "99999"},
        {"cycle": "-1", "unit": "1; DROP TABLE kpis"},
    ],
)
def test_forged_params_show_the_page_without_an_exception(demo_db, params):
    at = open_page(params)
    assert [t.value for t in at.title] == ["KRs vs KPIs"]
    assert len(at.metric) == 6


def test_a_unit_without_kpis_says_to_add_them_in_manage(demo_db):
    onboarding = unit_id(demo_db, "Onboarding")
    f = Facts(demo_db, None, onboarding)
    assert f.summary["kpis"] == 0 and f.pairs["pairs"] == 0
    at = open_page({"unit": str(onboarding)})
    infos = [i.value for i in at.info if "KPIs" in i.value]
    assert len(infos) == 1
    assert "no KPIs yet" in infos[0] and "add them in Manage" in infos[0]
    links = [p for p in at.get("page_link") if "manage" in p.proto.page]
    assert len(links) == 1
    assert not at.get("vega_lite_chart") and not at.metric


def test_a_team_without_kpis_in_a_department_with_some_gets_a_hint(demo_db):
    gtm = unit_id(demo_db, "Go-to-Market")
    at = open_page({"unit": str(gtm)})
    assert [h.value for h in at.subheader] == [badges.escape_markdown(n) for n in ("Go-to-Market", "Growth", "Sales")]
    assert "No KPIs for Sales yet: add them in Manage." in [c.value for c in at.caption]


def test_a_large_branch_offers_every_unit_and_draws_one(large_db):
    f = Facts(large_db, None, None)
    assert len(f.sections) > K.MAX_UNITS
    at = open_page()
    assert not [i for i in at.info if i.value.startswith("Showing the first")]
    picker = at.selectbox(key=SECTION_KEY)
    assert len(picker.options) == len(f.sections)
    charts = at.get("vega_lite_chart")
    assert 0 < len(charts) <= K.MAX_CHARTS
    assert metrics(at)["KPIs"] == str(f.summary["kpis"])  # the counts cover the whole branch
    last = f.sections[-1]
    picker.set_value(last.unit_id)
    ok(at.run())
    assert [h.value for h in at.subheader][-1] == badges.escape_markdown(last.name)
    choose(at, unit=last.unit_id)  # a unit in the sidebar: its branch alone, without the picker
    assert SECTION_KEY not in [s.key for s in at.selectbox]


@pytest.fixture
def kpis_only_db(tmp_path, monkeypatch):
    """An organisation with KPIs and no cycle yet: one KPI read last week, one never read."""
    from okrdata import writes as w

    path = tmp_path / "kpis-only.db"
    db = connect(path)
    try:
        migrate(db)
        company = w.add_unit(db, "Acme", person=w.SYSTEM)
        ops = w.add_unit(db, "Operations", parent_id=company, person=w.SYSTEM)
        uptime = w.add_kpi(db, ops, "Uptime", "stay_above", 99.9, warning=99.95, unit_label="%", person=w.SYSTEM)
        for days, value in ((21, 99.97), (14, 99.96), (7, 99.93)):
            w.add_kpi_reading(db, uptime, dt.date.today() - dt.timedelta(days=days), value, person=w.SYSTEM)
        w.add_kpi(db, ops, "Churn", "stay_below", 2, unit_label="%", person=w.SYSTEM)
    finally:
        db.close()
    monkeypatch.setenv("OKR_DB", str(path))
    return path


def test_kpis_without_a_cycle_or_readings_still_show(kpis_only_db):
    at = open_page()
    f = Facts(kpis_only_db, None, None)
    assert f.summary == {"kpis": 2, "breached": 0, "warning": 1, "no_data": 1, "healthy": 0, "overdue": 1}
    shown = metrics(at)
    assert (shown["KPIs"], shown["Warning"], shown["Overdue"], shown["Linked pairs"]) == ("2", "1", "1", "0")
    assert [h.value for h in at.subheader] == ["Operations"]
    texts = markdown(at)
    assert (
        "**Churn** &nbsp; :gray-badge[:material/help: No data] :violet-badge[:material/schedule: Never read]" in texts
    )
    assert "**Uptime** &nbsp; :orange-badge[:material/warning: Warning]" in texts
    captions = [c.value for c in at.caption]
    assert "No readings in the last 6 months." in captions
    assert "No key results in any cycle yet." in captions
    assert len(at.get("vega_lite_chart")) == 1


def test_the_page_has_no_stray_strings_that_streamlit_magic_would_draw():
    import ast
    from pathlib import Path

    tree = ast.parse((Path(APP).parent / PAGE).read_text())
    stray = [
        node.lineno
        for node in tree.body[1:]
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    ]
    assert stray == []


MOST_ELEMENTS = 91
"""Elements and blocks, nested ones included, that KRs vs KPIs draws in its main area for the
demo company (109 before its metrics became one block, a key result lost its container and a
KPI's name and reading became one element). Each is a message the browser decodes and lays out
at every click (README, "A click in the browser"): a change that adds some raises this figure
knowingly."""


def test_the_page_draws_no_more_elements_than_it_needs(demo_db):
    at = ok(open_page())
    assert 0 < elements(at) <= MOST_ELEMENTS
