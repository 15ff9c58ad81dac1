"""AppTests of the Alignment page: the picture and the outline for the company and for a team,
figures equal okrdata's on the same database, orphans listed apart, empty states, forged links,
and the caps that keep a large organisation light.

Each test gets its own copy of the demo database (``$OKR_DB``); see :mod:`app_fixtures`.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from app_fixtures import clear_streamlit_caches, cold_screen, demo_db, elements, metrics, ok, open_everything, screen  # noqa: F401
from app_fixtures import open_page as open_app
from streamlit.testing.v1 import AppTest

from okrdata import alignment as al
from okrdata import queries as q
from okrdata import writes as w
from okrdata.db import connect
from ui import alignment_view as view
from ui import badges, data
from ui.sidebar import COMPANY, CYCLE_KEY, UNIT_KEY

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGE = "pages/alignment.py"
ORPHAN = "A help centre customers actually use"


def open_page(params: dict | None = None) -> AppTest:
    """The page opened with ``params``, then its Outline tab (drawn only once opened) too."""
    at = open_app(PAGE, params)
    assert [t.value for t in at.title] == ["Alignment"]
    return open_everything(at)


def rerun(at: AppTest) -> AppTest:
    return ok(at.run())


def facts(path, unit: int | None = None, cycle: int | None = None):
    """What okrdata says about the view: cycle, objectives, key results, tree."""
    db = connect(path)
    try:
        cycle = cycle or q.default_cycle_id(db)
        objs = q.objectives(db, cycle)
        krs = q.key_results(db, cycle)
        subtree = None if unit is None else q.subtree_ids(db, unit)
        tree = al.alignment_tree(objs, q.units(db), subtree)
        return {"cycle": cycle, "objs": objs, "krs": krs, "tree": tree, "units": q.units(db)}
    finally:
        db.close()


def unit_id(path, name: str) -> int:
    units = facts(path)["units"]
    return int(units.loc[units["name"] == name, "id"].iloc[0])


def expanders(at: AppTest) -> dict[int, object]:
    """The outline's expanders by objective id (their key ends in the id)."""
    out = {}
    for e in at.expander:
        m = re.search(rf"{view.KEY_PREFIX}(\d+)$", e.proto.id)
        if m:
            out[int(m.group(1))] = e
    return out


def graph_nodes(at: AppTest) -> list[int]:
    charts = at.get("graphviz_chart")
    assert len(charts) == 1
    return [int(i) for i in re.findall(r"^  o(\d+) \[label=", charts[0].proto.spec, flags=re.M)]


def label_figures(r) -> str:
    return f"· {badges.pct(r['progress'])} ({badges.escape_markdown(badges.pace(r['progress'], r['expected']))}) ·"


# --- the whole company ----------------------------------------------------------------------------


def test_company_view_shows_the_picture_and_outline_with_okrdatas_figures(demo_db):
    f = facts(demo_db)
    at = open_page()
    tree = f["tree"]
    # The picture: one node per objective of the cycle.
    assert sorted(graph_nodes(at)) == sorted(int(i) for i in f["objs"]["objective_id"])
    # The counts.
    counts = al.summary(tree)
    assert metrics(at) == {
        "Objectives": str(counts["objectives"]),
        "Aligned": str(counts["aligned"]),
        "Aligned to nothing": str(counts["orphans"]),
        "Levels": str(counts["levels"]),
    }
    assert counts["objectives"] == len(f["objs"])
    # The outline: company objectives first and open, their children listed under them.
    shown = expanders(at)
    rows = tree.set_index("objective_id")
    roots = [int(i) for i in tree.loc[(tree["depth"] == 0) & (tree["section"] == al.ALIGNED), "objective_id"]]
    assert len(roots) == 3
    for oid in roots:
        assert oid in shown and shown[oid].proto.expanded
        r = rows.loc[oid]
        assert label_figures(r) in shown[oid].label
        assert badges.label(r["status"]) in shown[oid].label
        for child in tree.loc[tree["tree_parent_id"] == oid, "objective_id"].astype(int):
            assert child in shown
            assert label_figures(rows.loc[child]) in shown[child].label
    # Every shown objective's figures are okrdata's.
    for oid, e in shown.items():
        r = rows.loc[oid]
        assert label_figures(r) in e.label
        assert badges.escape_markdown(r["unit_name"]) in e.label


def test_open_objectives_show_their_key_results_with_okrdatas_figures(demo_db):
    f = facts(demo_db)
    at = open_page()
    krs = f["krs"]
    tree = f["tree"]
    roots = [int(i) for i in tree.loc[(tree["depth"] == 0) & (tree["section"] == al.ALIGNED), "objective_id"]]
    tables = at.dataframe
    assert len(tables) == len(roots)  # one key-result table per open objective
    for oid, table in zip(roots, tables):
        mine = krs[krs["objective_id"] == oid]
        df = table.value
        assert list(df["Key result"]) == list(mine["title"])
        assert [round(x, 6) for x in df["Progress"]] == [round(x * 100, 6) for x in mine["progress"]]
        assert list(df["Pace"]) == [badges.pace(p, e) for p, e in zip(mine["progress"], mine["expected"])]
        assert list(df["Latest"]) == [view.latest(k) for k in mine.to_dict("records")]
        assert list(df["Status"]) == [badges.cell(s) for s in mine["status"]]
    # The progress bars of the open objectives say their percentage.
    bars = at.get("progress")
    assert len(bars) == len(roots)
    rows = tree.set_index("objective_id")
    for oid, bar in zip(roots, bars):
        assert bar.proto.text.startswith(f"**{badges.pct(rows.loc[oid, 'progress'])}** done")


def test_opening_a_collapsed_objective_shows_its_key_results(demo_db):
    f = facts(demo_db)
    at = open_page()
    tree = f["tree"]
    child = int(tree.loc[(tree["depth"] == 1) & (tree["section"] == al.ALIGNED), "objective_id"].iloc[0])
    assert not expanders(at)[child].proto.expanded
    before = len(at.dataframe)
    at.session_state[view.expander_key(child)] = True
    rerun(at)
    assert len(at.dataframe) == before + 1
    mine = f["krs"][f["krs"]["objective_id"] == child]
    assert any(list(t.value["Key result"]) == list(mine["title"]) for t in at.dataframe)


def test_orphans_are_listed_apart_with_advice(demo_db):
    f = facts(demo_db)
    at = open_page()
    assert [s.value for s in at.subheader] == ["Aligned to nothing"]
    orphan = f["objs"].loc[f["objs"]["title"] == ORPHAN].iloc[0]
    shown = expanders(at)
    assert int(orphan["objective_id"]) in shown
    label = shown[int(orphan["objective_id"])].label
    assert badges.escape_markdown(ORPHAN) in label and label_figures(orphan) in label
    assert any("align it to that objective" in m.value for m in at.markdown)
    # The orphan is outside the outline tab, below it.
    outline_tab = at.get("tab")[1]
    assert ORPHAN not in str(outline_tab)
    assert metrics(at)["Aligned to nothing"] == "1"


# --- a team's branch ----------------------------------------------------------------------------


def test_team_view_shows_its_branch_with_the_chain_above_as_context(demo_db):
    team = unit_id(demo_db, "Web App")
    f = facts(demo_db, unit=team)
    tree = f["tree"]
    at = open_page({"unit": str(team)})
    assert at.selectbox(key=UNIT_KEY).value == team
    assert sorted(graph_nodes(at)) == sorted(int(i) for i in tree["objective_id"])
    spec = at.get("graphviz_chart")[0].proto.spec
    context = [int(i) for i in tree.loc[tree["role"] == al.CONTEXT, "objective_id"]]
    own = [int(i) for i in tree.loc[tree["role"] == al.BRANCH, "objective_id"]]
    assert context and own
    for oid in context:
        assert re.search(rf"^  o{oid} \[label=.*Context", spec, flags=re.M)
    shown = expanders(at)
    assert set(shown) == set(context) | set(own)
    for oid in context:
        assert shown[oid].label.startswith(":gray-badge[Context]")
    rows = tree.set_index("objective_id")
    for oid in own:
        assert not shown[oid].label.startswith(":gray-badge[Context]")
        assert label_figures(rows.loc[oid]) in shown[oid].label
        assert shown[oid].proto.expanded  # the team's own objectives start open
    assert metrics(at)["Objectives"] == str(len(own))
    assert not at.subheader  # no orphans in this branch
    assert any("marked *Context*" in c.value for c in at.caption)


def test_team_with_an_orphan_lists_it_apart(demo_db):
    team = unit_id(demo_db, "Support")
    at = open_page({"unit": str(team)})
    assert [s.value for s in at.subheader] == ["Aligned to nothing"]
    assert metrics(at)["Aligned to nothing"] == "1"
    tree = facts(demo_db, unit=team)["tree"]
    assert sorted(graph_nodes(at)) == sorted(int(i) for i in tree["objective_id"])


def test_closed_cycle_shows_scores(demo_db):
    db = connect(demo_db)
    try:
        closed = int(q.cycles(db)["id"].iloc[-1])
    finally:
        db.close()
    f = facts(demo_db, cycle=closed)
    at = open_page({"cycle": str(closed)})
    assert at.selectbox(key=CYCLE_KEY).value == closed
    assert sorted(graph_nodes(at)) == sorted(int(i) for i in f["objs"]["objective_id"])
    rows = f["tree"].set_index("objective_id")
    open_roots = [oid for oid, e in expanders(at).items() if e.proto.expanded]
    scores = [c.value for c in at.caption if " · Score " in c.value]
    assert len(scores) == len(open_roots) > 0
    for oid, text in zip(open_roots, scores):
        assert text.endswith(f"Score {badges.score(rows.loc[oid, 'score'])}")


# --- empty states and bad links --------------------------------------------------------------------


def test_a_unit_without_objectives_says_what_to_do(demo_db):
    db = connect(demo_db)
    try:
        root = int(q.units(db)["id"].iloc[0])
        lonely = w.add_unit(db, "Lonely team", parent_id=root, person=w.SYSTEM)
    finally:
        db.close()
    at = open_page({"unit": str(lonely)})
    assert any("Lonely team has no objectives" in i.value for i in at.info)
    assert len(at.get("page_link")) >= 1
    assert not at.get("graphviz_chart") and not expanders(at)


def test_a_cycle_without_objectives_says_what_to_do(demo_db):
    db = connect(demo_db)
    try:
        cycle = w.add_cycle(db, "2030 Q1", "2030-01-01", "2030-03-31", person=w.SYSTEM)
    finally:
        db.close()
    at = open_page({"cycle": str(cycle)})
    assert at.selectbox(key=CYCLE_KEY).value == cycle
    assert any("No objectives in 2030 Q1" in i.value for i in at.info)
    assert len(at.get("page_link")) >= 1
    assert not at.get("graphviz_chart")


@pytest.mark.parametrize("unit", ["99999", "1; DROP TABLE units"])
def test_a_forged_unit_link_falls_back_without_an_exception(demo_db, unit):
    f = facts(demo_db)
    at = open_page({"unit": unit})  # opened with the forged link
    assert at.selectbox(key=UNIT_KEY).value == COMPANY
    assert sorted(graph_nodes(at)) == sorted(int(i) for i in f["objs"]["objective_id"])
    at.query_params["unit"] = unit  # followed while on the page
    rerun(at)
    assert at.warning  # the sidebar says the link named nothing
    assert at.selectbox(key=UNIT_KEY).value == COMPANY
    assert sorted(graph_nodes(at)) == sorted(int(i) for i in f["objs"]["objective_id"])


# --- large organisations -------------------------------------------------------------------------


def test_a_view_too_big_to_draw_is_capped_with_a_message(demo_db, monkeypatch):
    monkeypatch.setattr(al, "MAX_PICTURE_NODES", 5)
    monkeypatch.setattr(view, "MAX_EXPANDERS", 2)
    f = facts(demo_db)
    tree = f["tree"]
    at = open_page()
    assert any("too many to draw legibly" in i.value for i in at.info)
    nodes = graph_nodes(at)
    assert nodes == [int(i) for i in tree.loc[tree["depth"] == 0, "objective_id"]][:3]
    assert "aligned below, not drawn" in at.get("graphviz_chart")[0].proto.spec
    # Long lists: two expanders, then the rest in one table.
    assert any("more, listed in short below" in c.value for c in at.caption)
    tails = [t.value for t in at.dataframe if "Aligned below" in t.value.columns]
    assert tails
    rows = tree.set_index("title")
    for table in tails:
        for title, progress in zip(table["Objective"], table["Progress"]):
            assert round(progress, 6) == round(float(rows.loc[title, "progress"]) * 100, 6)


def test_the_cached_tree_shows_a_write_by_anyone_at_the_next_rerun(demo_db):
    f = facts(demo_db)
    at = open_page()
    before = al.summary(f["tree"])
    assert metrics(at)["Objectives"] == str(before["objectives"])
    # Someone else (another session, the command line) adds an objective aligned to nothing.
    db = connect(demo_db)
    try:
        team = int(q.units(db).query("kind == 'team'")["id"].iloc[0])
        oid = w.add_objective(db, f["cycle"], team, "Make the help centre findable", person=w.SYSTEM)
    finally:
        db.close()
    rerun(at)
    assert metrics(at)["Objectives"] == str(before["objectives"] + 1)
    assert metrics(at)["Aligned to nothing"] == str(before["orphans"] + 1)
    assert oid in expanders(at)


def reach_target(demo_db, kr, at: AppTest) -> None:
    """Someone checks ``kr`` in at its target; ``at`` reruns, as at a reader's next click."""
    db = connect(demo_db)
    try:
        w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 9, "Done", person=w.SYSTEM)
    finally:
        db.close()
    rerun(at)


@pytest.mark.parametrize("team", [None, "Web App"])
def test_after_a_checkin_the_page_shows_the_new_figures_as_a_cold_run_does(demo_db, team):
    unit = None if team is None else unit_id(demo_db, team)
    params = {} if unit is None else {"unit": str(unit)}
    at = open_page(params)
    f = facts(demo_db, unit=unit)
    tree = f["tree"]
    # A key result of an objective the view shows open, moved to its target.
    shown_open = [oid for oid, e in expanders(at).items() if e.proto.expanded]
    krs = f["krs"][f["krs"]["objective_id"].isin(shown_open) & (f["krs"]["kr_type"] != "milestone")]
    kr = krs[krs["progress"] < 0.9].iloc[0]
    oid = int(kr["objective_id"])
    before = screen(at)
    with data.builds() as built:
        reach_target(demo_db, kr, at)
    after = facts(demo_db, unit=unit)["tree"].set_index("objective_id")
    assert after.loc[oid, "progress"] != tree.set_index("objective_id").loc[oid, "progress"]
    assert label_figures(after.loc[oid]) in expanders(at)[oid].label
    assert re.search(
        rf"^  o{oid} \[label=.*{re.escape(badges.pct(after.loc[oid, 'progress']))}", graph_nodes_spec(at), re.M
    )
    # Worked out from the changed key result, not the whole cycle again, and the same as cold.
    drawn = screen(at)
    assert drawn != before and drawn == cold_screen(PAGE, params, open_all=True)
    assert {what for name, _, what in built if name.endswith("_outline")} == {"patched"}


def graph_nodes_spec(at: AppTest) -> str:
    return at.get("graphviz_chart")[0].proto.spec


def test_after_a_checkin_a_capped_view_shows_the_new_figures_in_its_tables_and_picture(demo_db, monkeypatch):
    monkeypatch.setattr(al, "MAX_PICTURE_NODES", 5)
    monkeypatch.setattr(view, "MAX_EXPANDERS", 1)
    f = facts(demo_db)
    tree = f["tree"]
    at = open_page()
    # The second company objective: listed in the roots' table, and drawn in the picture.
    oid = [int(i) for i in tree.loc[(tree["depth"] == 0) & (tree["section"] == al.ALIGNED), "objective_id"]][1]
    assert oid in graph_nodes(at)
    krs = f["krs"][(f["krs"]["objective_id"] == oid) & (f["krs"]["kr_type"] != "milestone")]
    kr = krs[krs["progress"] < 0.9].iloc[0]
    with data.builds() as built:
        reach_target(demo_db, kr, at)
    after = facts(demo_db)["tree"].set_index("objective_id")
    title = str(after.loc[oid, "title"])
    tails = [t.value for t in at.dataframe if "Aligned below" in t.value.columns and title in set(t.value["Objective"])]
    assert len(tails) == 1
    shown = tails[0].set_index("Objective")
    assert round(shown.loc[title, "Progress"], 6) == round(float(after.loc[oid, "progress"]) * 100, 6)
    assert {what for name, _, what in built if name.endswith("_outline")} == {"patched"}
    assert screen(at) == cold_screen(PAGE, open_all=True)


MOST_ELEMENTS = 23
"""Elements and blocks, nested ones included, that the demo company's Alignment draws in its main
area at first (53 when the Outline tab was drawn, hidden, at every run; now only the Picture
until the Outline is opened). Each is a message the browser decodes and lays out at every click
(README, "A click in the browser"): a change that adds some raises this figure knowingly."""


def test_the_page_draws_no_more_elements_than_it_needs_and_the_outline_once_opened(demo_db):
    at = open_app(PAGE)
    assert 0 < elements(at) <= MOST_ELEMENTS
    assert at.get("graphviz_chart")
    orphans = set(expanders(at))  # "Aligned to nothing", below the tabs
    ok(open_everything(at))
    assert at.get("graphviz_chart") and set(expanders(at)) > orphans


def test_an_objective_opened_in_the_outline_is_still_open_after_a_look_at_the_picture(demo_db):
    f = facts(demo_db)
    tree = f["tree"]
    child = int(tree.loc[(tree["depth"] == 1) & (tree["section"] == al.ALIGNED), "objective_id"].iloc[0])
    at = open_page()
    at.session_state[view.expander_key(child)] = True
    rerun(at)
    assert expanders(at)[child].proto.expanded
    tabs = [t.label for t in at.tabs]
    for label in (tabs[0], tabs[1]):  # the Picture, then the Outline again
        at.session_state["alignment_tab"] = label
        rerun(at)
    assert expanders(at)[child].proto.expanded
    mine = f["krs"][f["krs"]["objective_id"] == child]
    assert any(list(t.value["Key result"]) == list(mine["title"]) for t in at.dataframe)
