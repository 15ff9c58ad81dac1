"""The wall screen: its figures equal okrdata's, forged links warn, it redraws itself, it needs no
sign-in unless the deployment is private, and it offers its own link.

AppTests run ``app.py`` opened on ``pages/wall.py`` (the address ``/wall?unit=ID``) on a copy
of the demo database; the choice of cards and tiles (:mod:`okrdata.wall`) is also tested on
its own.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import streamlit
from app_fixtures import APP, built_after_a_checkin, clear_streamlit_caches, demo_db, elements, ok, with_db  # noqa: F401
from app_fixtures import open_page as open_app
from streamlit.testing.v1 import AppTest

from okrdata import queries as q
from okrdata import wall
from okrdata import writes as w
from okrdata.db import connect
from okrdata.numbers import AT_RISK, OFF_TRACK, ON_TRACK, STALE
from ui import badges
from ui.badges import escape_markdown
from ui.data import all_readers
from ui.sidebar import COMPANY, UNIT_KEY

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGE = "pages/wall.py"


def open_wall(query_params: dict | None = None) -> AppTest:
    return open_app(PAGE, query_params)


def figures(path, unit_id):
    """What okrdata says the wall of ``unit_id`` (None: company) must show."""

    def read(db):
        cycle_id = q.default_cycle_id(db)
        objs = q.objectives(db, cycle_id, unit_id)
        krs = q.key_results(db, cycle_id, unit_id)
        return {
            "summary": q.cycle_summary(db, cycle_id, unit_id),
            "wall": wall.build(objs, krs, q.unit_progress(db, cycle_id), q.units(db), unit_id),
        }

    return with_db(path, read)


def progress_bars(at: AppTest) -> list[tuple[int, str]]:
    return [(p.proto.value, p.proto.text) for p in at.get("progress")]


def bar(progress, expected, pace) -> tuple[int, str]:
    """A progress bar as st.progress sends it: percent (truncated) and the escaped text."""
    text = escape_markdown(
        f"{badges.pct(progress)} done · {badges.pct(expected)} expected · {badges.pace(progress, expected)}"
    )
    return int(min(max(float(progress), 0.0), 1.0) * 100), text


# --- the figures --------------------------------------------------------------------------


def paragraphs(at: AppTest) -> list[str]:
    """The wall's Markdown a paragraph an item: a card's facts and title are two paragraphs of one
    element, its key results' lines a paragraph each of another."""
    return [p for m in at.markdown for p in m.value.split("\n\n")]


@pytest.mark.parametrize("which", ["company", "department", "team"])
def test_the_wall_shows_okrdatas_figures(demo_db, which):
    units = with_db(demo_db, q.units)
    unit_id = {
        "company": None,
        "department": int(units[units["kind"] == "department"]["id"].iloc[0]),
        "team": int(units[units["name"] == "Web App"]["id"].iloc[0]),
    }[which]
    f = figures(demo_db, unit_id)
    s, shown = f["summary"], f["wall"]
    at = open_wall({} if unit_id is None else {"unit": str(unit_id)})
    assert not at.warning
    assert len(at.title) == 1
    row = units[units["depth"] == 0] if unit_id is None else units[units["id"] == unit_id]
    name = row["name"].iloc[0]
    assert at.title[0].value == escape_markdown(name)

    metrics = {m.label: m.value for m in at.metric}
    assert len(metrics) == 8, metrics
    assert metrics["Progress"] == badges.pct(s["progress"])
    assert metrics["Expected"] == badges.pct(s["expected"])
    assert metrics["Pace (points)"] == badges.pace(s["progress"], s["expected"]).removesuffix(" pts")
    assert metrics["Days left"] == str(s["days_left"])
    for status in (ON_TRACK, AT_RISK, OFF_TRACK, STALE):
        assert metrics[f"{badges.icon(status)} {badges.label(status)}"] == str(s["status_counts"][status])

    # One headline bar, one per objective card, one per unit tile below, in that order.
    assert shown.cards, "every demo unit owns objectives"
    expected_bars = [bar(s["progress"], s["expected"], s["pace"])]
    expected_bars += [bar(c.objective["progress"], c.objective["expected"], c.objective["pace"]) for c in shown.cards]
    expected_bars += [bar(u["progress"], u["expected"], u["pace"]) for u in shown.below]
    assert progress_bars(at) == expected_bars

    texts = paragraphs(at)
    for card in shown.cards:
        o = card.objective
        assert escape_markdown(o["title"]) in texts
        assert any(badges.label(o["status"]) in t and badges.icon(o["status"]) in t for t in texts)
        assert len(card.key_results) == o["kr_count"] > 0
        for kr in card.key_results:
            lines = [
                t
                for t in texts
                if t.startswith(f":{badges.BADGE_COLOURS[kr['status']]}[") and escape_markdown(kr["title"]) in t
            ]
            assert len(lines) == 1, kr["title"]
            assert f"**{escape_markdown(badges.pct(kr['progress']))}**" in lines[0]
    for unit in shown.below:
        assert any(t.startswith(f"**{escape_markdown(unit['name'])}**") for t in texts)


def test_the_companys_wall_has_its_own_objectives_and_a_tile_per_department(demo_db):
    f = figures(demo_db, None)
    units = with_db(demo_db, q.units)
    root = int(units[units["depth"] == 0]["id"].iloc[0])
    objs = with_db(demo_db, lambda db: q.objectives(db, q.default_cycle_id(db)))
    assert f["wall"].own
    assert [c.objective["objective_id"] for c in f["wall"].cards] == list(objs[objs["unit_id"] == root]["objective_id"])
    departments = units[units["parent_id"] == root]
    assert [u["unit_id"] for u in f["wall"].below] == list(departments["id"])


def test_a_unit_with_no_objectives_of_its_own_shows_its_branchs(demo_db):
    units = with_db(demo_db, q.units)
    dept = int(units[units["kind"] == "department"]["id"].iloc[0])

    def read(db):
        cycle_id = q.default_cycle_id(db)
        objs = q.objectives(db, cycle_id, dept)
        krs = q.key_results(db, cycle_id, dept)
        theirs = objs[objs["unit_id"] != dept]
        return theirs, wall.build(theirs, krs, q.unit_progress(db, cycle_id), units, dept)

    theirs, shown = with_db(demo_db, read)
    assert not shown.own
    assert [c.objective["objective_id"] for c in shown.cards] == list(theirs["objective_id"])
    assert all(len(c.key_results) == c.objective["kr_count"] for c in shown.cards)


def test_an_empty_cycle_says_so(demo_db):
    with_db(
        demo_db,
        lambda db: w.add_cycle(
            db,
            "2027 Q1",
            dt.date.today() - dt.timedelta(days=1),
            dt.date.today() + dt.timedelta(days=80),
            state="active",
            person=w.SYSTEM,
        ),
    )
    new = with_db(demo_db, lambda db: int(q.cycles(db)["id"].iloc[0]))
    at = open_wall({"cycle": str(new)})
    assert not at.metric
    assert any("No objectives" in i.value for i in at.info)


def test_a_check_in_saved_elsewhere_shows_at_the_next_redraw(demo_db):
    units = with_db(demo_db, q.units)
    team = int(units[units["name"] == "Web App"]["id"].iloc[0])
    at = open_wall({"unit": str(team)})
    before = {m.label: m.value for m in at.metric}

    def write(db):
        cycle_id = q.default_cycle_id(db)
        krs = q.key_results(db, cycle_id, team)
        kr = krs[krs["kr_type"] == "increase"].iloc[0]
        w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 9, "done", person=w.SYSTEM)

    with_db(demo_db, write)
    ok(at.run())
    after = {m.label: m.value for m in at.metric}
    assert after["Progress"] == badges.pct(figures(demo_db, team)["summary"]["progress"])
    assert after["Progress"] != before["Progress"]


# --- links, refresh, sign-in --------------------------------------------------------------


@pytest.mark.parametrize("raw", ["999999", "abc", "-1", "<script>alert(1)</script>"])
def test_a_forged_unit_warns_and_shows_the_company(demo_db, raw):
    at = open_wall({"unit": raw})
    assert len(at.warning) == 1
    assert "does not exist" in at.warning[0].value
    assert at.selectbox(key=UNIT_KEY).value == COMPANY
    company = with_db(demo_db, q.units)["name"].iloc[0]
    assert [t.value for t in at.title] == [escape_markdown(company)]
    assert len(at.metric) == 8


@pytest.mark.parametrize("configured, seconds, words", [(None, 60, "minute"), ("300", 300, "5 minutes")])
def test_the_wall_redraws_itself(demo_db, monkeypatch, configured, seconds, words):
    """The part with the figures is a fragment that Streamlit reruns every minute, or every
    ``$OKR_WALL_REFRESH`` seconds."""
    if configured is None:
        monkeypatch.delenv(wall.REFRESH_ENV, raising=False)
    else:
        monkeypatch.setenv(wall.REFRESH_ENV, configured)
    calls = []
    real = streamlit.fragment

    def recording(func=None, **kwargs):
        calls.append(kwargs)
        return real(func, **kwargs)

    monkeypatch.setattr(streamlit, "fragment", recording)
    at = open_wall()
    assert calls == [{"run_every": seconds}]
    assert len(at.metric) == 8  # drawn by that fragment
    assert any(f"redraws every {words}" in c.value for c in at.caption)


@pytest.mark.parametrize(
    "raw, seconds",
    [("", 60), ("30", 30), ("0", 2), ("999999", 3600), ("1.5", 60), ("-5", 60), ("soon", 60), (" 90 ", 90)],
)
def test_the_refresh_interval_is_read_forgivingly(raw, seconds):
    assert wall.refresh_seconds(raw) == seconds


def test_no_sign_in_is_needed_to_read_the_wall(demo_db):
    at = open_wall()
    assert len(at.metric) == 8
    assert not [i.value for i in at.info if "Sign in" in i.value]


def test_a_private_deployment_asks_for_sign_in_first(demo_db, monkeypatch):
    monkeypatch.setenv("OKR_PRIVATE", "1")
    at = open_wall()
    assert [t.value for t in at.title] == ["Sign in"]
    assert not at.metric
    assert not at.get("progress")


def test_the_wall_offers_its_link(demo_db):
    units = with_db(demo_db, q.units)
    team = int(units[units["name"] == "Web App"]["id"].iloc[0])
    at = open_wall({"unit": str(team)})
    assert [c.value for c in at.code] == [f"/wall?unit={team}&tv=1"]
    at = open_wall()
    assert [c.value for c in at.code] == ["/wall?tv=1"]
    # On the TV itself the box is left out.
    at = open_wall({"unit": str(team), "tv": "1"})
    assert not at.code and "Show this on a TV" not in [e.label for e in at.expander]
    assert len(at.metric) == 8


# --- following the default cycle ----------------------------------------------------------


@pytest.mark.parametrize(
    "shown, then, now, expected",
    [
        (2, 2, 2, 2),  # nothing moved
        (2, 2, 3, 3),  # the quarter turned: follow it
        (1, 2, 3, 1),  # opened on another cycle on purpose: stay
        (2, None, 2, 2),  # first drawing
        (2, 2, None, 2),  # every cycle gone: keep what is shown (the sidebar will say)
    ],
)
def test_a_wall_left_on_follows_the_default_cycle(shown, then, now, expected):
    assert wall.cycle_to_show(shown, then, now) == expected


def test_build_copes_with_no_objectives_and_no_units():
    empty = wall.build(
        pd.DataFrame(columns=q.OBJECTIVE_COLUMNS),
        pd.DataFrame(columns=q.KR_COLUMNS),
        pd.DataFrame(),
        pd.DataFrame(columns=q.UNIT_COLUMNS),
        None,
    )
    assert empty == wall.Wall(unit_id=None, own=True, cards=[], below=[], card_count=0, below_count=0)


def test_a_wall_keeps_to_what_a_tv_can_show():
    """A company with 20 departments and 15 objectives of its own: 12 cards (the first entered)
    and 12 tiles (the departments furthest behind pace, in outline order), with the totals."""
    units = pd.DataFrame(
        {
            "id": range(1, 22),
            "name": [f"U{i}" for i in range(1, 22)],
            "parent_id": [None] + [1] * 20,
            "depth": [0] + [1] * 20,
        }
    )
    progress = pd.DataFrame(
        {
            "unit_id": range(1, 22),
            "name": units["name"],
            "parent_id": units["parent_id"],
            "objective_count": [35] + [1] * 20,
            "progress": 0.5,
            "expected": 0.5,
            "pace": [0.0] + [0.01 * i for i in range(20)],
            "status": ON_TRACK,
        }
    )
    objs = pd.DataFrame({"objective_id": range(100, 115), "unit_id": 1, "title": "x"})
    krs = pd.DataFrame({"kr_id": range(500, 530), "objective_id": [100 + i // 2 for i in range(30)]})
    shown = wall.build(objs, krs, progress, units, None)
    assert (shown.card_count, shown.below_count) == (15, 20)
    assert [c.objective["objective_id"] for c in shown.cards] == list(range(100, 112))
    assert all(len(c.key_results) == 2 for c in shown.cards)
    assert [u["unit_id"] for u in shown.below] == list(range(2, 14))  # paces 0.00–0.11: furthest behind


def test_a_crowded_wall_says_what_it_left_out(demo_db, monkeypatch):
    monkeypatch.setattr(wall, "MAX_TILES", 2)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert any("The 2 of 3 units furthest behind pace" in c.value for c in at.caption)


# --- a TV: 1920×1080 without scrolling (measured in Chromium by tests/e2e/test_layout_browser.py) --


def test_the_tv_link_folds_away_the_header_and_the_demo_notice_and_says_demo_data(demo_db):
    at = open_wall({"tv": "1"})
    styles = " ".join(h.proto.body for h in at.get("html"))
    assert "stExpandSidebarButton" in styles and ".st-key-okr_demo_notice" in styles
    assert any(c.value.endswith(" · demo data") for c in at.caption)
    # Someone browsing to the wall keeps the page's header and the notice.
    browsing = open_wall()
    assert "stExpandSidebarButton" not in " ".join(h.proto.body for h in browsing.get("html"))
    assert not any(c.value.endswith(" · demo data") for c in browsing.caption)


def test_a_crowded_wall_trades_key_result_lines_and_tiles_for_fitting_the_screen(demo_db):
    """Twelve company objectives of two key results each: three rows of four cards leave no room
    for key result lines (each card shows its key results as status icons) nor for tiles."""

    def write(db):
        cycle_id = q.default_cycle_id(db)
        root = int(q.units(db).query("depth == 0")["id"].iloc[0])
        for i in range(9):
            oid = w.add_objective(db, cycle_id, root, f"Crowded objective {i}", person=w.SYSTEM)
            for j in range(2):
                w.add_key_result(db, oid, f"Crowded key result {i}.{j}", "increase", 0, 10, person=w.SYSTEM)

    with_db(demo_db, write)
    f = figures(demo_db, None)
    assert len(f["wall"].cards) == 12 and f["wall"].below
    at = open_wall({"tv": "1"})
    texts = paragraphs(at)
    assert not any("Crowded key result" in t for t in texts)
    icons = [t for t in texts if t.endswith(" 2 key results")]
    assert len(icons) == sum(len(c.key_results) == 2 for c in f["wall"].cards) >= 9
    assert f"{len(f['wall'].below)} units with objectives; pick a unit in the sidebar for a wall of its own." in [
        c.value for c in at.caption
    ]
    assert len(progress_bars(at)) == 1 + 12  # the headline and the cards: no tile fits below them


@pytest.mark.parametrize(
    "cards, tiles, cut_note, plan",
    [
        (1, 0, False, (2, 7, 0)),  # one card: all the height below the headline for its key results
        (3, 4, False, (3, 4, 4)),  # one row of cards, one row of tiles, four lines a card
        (9, 8, False, (4, 0, 0)),  # three rows of cards fill the screen: icons only, no tiles
    ],
)
def test_the_wall_plan_fits_cards_lines_and_tiles_on_one_tv_screen(cards, tiles, cut_note, plan):
    assert wall.fill_plan(cards, tiles, cut_note) == plan


MOST_ELEMENTS = 45
"""Elements and blocks, nested ones included, that the demo company's wall draws in its main area
(73 before its rows became a block each and a card three elements). Each is a message the
browser decodes and lays out at every redraw (README, "A click in the browser"): a change that
adds some raises this figure knowingly."""


def test_the_page_draws_no_more_elements_than_it_needs(demo_db):
    at = ok(open_wall())
    assert 0 < elements(at) <= MOST_ELEMENTS


def test_after_a_checkin_the_page_builds_nothing_but_readers(demo_db):
    # What the page derives is a reader with arguments, which the warmer of a server process can
    # build again after a write (tests/test_warm.py).
    at = open_wall()
    built = built_after_a_checkin(at, demo_db)
    assert built and all(reader.warmable for reader in all_readers() if reader.__qualname__ in built)
    assert "wall_screen" in built
