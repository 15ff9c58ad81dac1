"""Wall screen: one unit's OKRs in large type for a TV in the office, redrawn every minute.

Open it as ``/wall?unit=ID&tv=1`` (no ``unit``: the whole company; ``tv=1`` folds the sidebar
away, hides the page's header and the demo notice, and leaves out the link box). It is laid out
for 1920×1080 without scrolling: :func:`fill_plan` decides how many key result lines a card
shows and how many tiles fit. It is read only and needs no
sign-in unless the deployment is private (then it asks, like every page). The headline figures
come from :func:`okrdata.queries.cycle_summary`, the cards and tiles from
:func:`okrdata.wall.build` over the cached readers of :mod:`ui.data`. The part below the title is
a fragment that Streamlit reruns every minute (``$OKR_WALL_REFRESH`` seconds, see
:func:`okrdata.wall.refresh_seconds`), and the readers follow the database's versions of the data, so
a check-in saved anywhere shows at the next redraw.

Text from the database goes through :func:`ui.okr_detail.escape_markdown`: it shows as written.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from okrdata import wall
from okrdata.numbers import AT_RISK, OFF_TRACK, ON_TRACK, STALE
from ui import badges, data, sidebar
from ui.okr_detail import escape_markdown

REFRESH = wall.refresh_seconds()  # $OKR_WALL_REFRESH, default 60 s
# The default cycle when this wall was last drawn in full, to follow the default as it moves.
# (A bare string here would be drawn on the page: Streamlit's "magic" writes them.)
DEFAULT_AT_LOAD_KEY = "wall_default_cycle"

# Sized for 1920×1080 read from a few metres: every text in the wall at least ~20 px, the
# headline figures and objective titles much larger. Long words wrap instead of widening the page;
# a title or key result runs to two lines at most, so the screen holds what fill_plan counts on.
STYLE = """
<style>
.st-key-okr_wall { overflow-wrap: anywhere; gap: 0.75rem; }
.st-key-okr_wall [data-testid="stMarkdownContainer"] p { font-size: 1.45rem; line-height: 1.3; }
.st-key-okr_wall [data-testid="stCaptionContainer"] p { font-size: 1.2rem; }
.st-key-okr_wall [data-testid="stMetric"] { padding: 0.5rem 0.9rem; }
.st-key-okr_wall [data-testid="stMetricLabel"] p { font-size: 1.3rem; }
.st-key-okr_wall [data-testid="stMetricValue"] p { font-size: 3.2rem; line-height: 1.1; }
.st-key-okr_wall [class*="st-key-wall_obj_"], .st-key-okr_wall [class*="st-key-wall_tile_"] { gap: 0.45rem; }
.st-key-okr_wall [class*="st-key-wall_title_"] p, .st-key-okr_wall [class*="st-key-wall_krs_"] p {
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden;
}
.st-key-okr_wall [class*="st-key-wall_krs_"] { gap: 0.35rem; }
/* On a screen narrower than a TV the rows wrap rather than squeeze: figures and cards keep their size. */
.st-key-wall_headline [data-testid="stHorizontalBlock"],
.st-key-wall_cards [data-testid="stHorizontalBlock"],
.st-key-wall_below [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
.st-key-wall_headline [data-testid="stColumn"] { min-width: 11rem; }
.st-key-wall_cards [data-testid="stColumn"] { min-width: 24rem; }
.st-key-wall_below [data-testid="stColumn"] { min-width: 18rem; }
/* A phone: one card or tile a row, no wider than the screen; figures two a row. */
@media (max-width: 640px) {
  .st-key-wall_cards [data-testid="stColumn"], .st-key-wall_below [data-testid="stColumn"] { min-width: 100%; }
  .st-key-wall_headline [data-testid="stColumn"] { min-width: calc(50% - 0.5rem); }
  .st-key-okr_wall [data-testid="stMetricValue"] p { font-size: 2.4rem; }
}
.st-key-okr_wall [data-testid="stMetricDelta"] { font-size: 1.2rem; }
.st-key-okr_wall [data-testid="stProgressBarTrack"] { height: 0.9rem; }
.st-key-okr_wall [class*="st-key-wall_title_"] p {
  font-size: clamp(1.5rem, 1.75vw, 2.1rem); font-weight: 700; line-height: 1.2;
}
.st-key-okr_wall [class*="st-key-wall_krs_"] p { font-size: 1.3rem; }
.st-key-okr_wall [class*="st-key-wall_tile_"] p { font-size: 1.4rem; }
</style>
"""
# On the TV (``tv=1``) the wall is all there is: no header with the sidebar's arrow and the menu,
# no demo notice (the caption says demo data instead), little margin.
TV_STYLE = """
<style>
header[data-testid="stHeader"], [data-testid="stExpandSidebarButton"], .st-key-okr_demo_notice { display: none; }
[data-testid="stMainBlockContainer"] { padding: 0.75rem 2.5rem 0; max-width: none; }
[data-testid="stMainBlockContainer"] h1 { padding: 0 0 0.25rem; }
</style>
"""
SCREEN_HEIGHT = 1080  # pixels of the TV the wall is laid out for (1920×1080)
HEADLINE_HEIGHT = 420  # title, caption, figures and the headline bar, with the page's margins
TILE_ROW_HEIGHT = 120  # one row of unit tiles, with the gap below it
CARD_HEIGHT = 200  # a card without key results: facts, a title of two lines, its bar
KR_LINE_HEIGHT = 62  # a key result of two lines and the gap below it
TILES_PER_ROW = 4

scope = sidebar.current()
# The link for a TV says ``tv=1``: the TV shows the page, not the pickers, so the sidebar starts
# folded (the arrow opens it). Someone browsing to this page keeps their sidebar.
tv = str(st.query_params.get("tv", "")).strip().lower() in ("1", "true", "yes")
if tv:
    st.set_page_config(initial_sidebar_state="collapsed")
    st.html(TV_STYLE)
st.html(STYLE)

who = scope.company_name if scope.unit_id is None else scope.unit_name
st.title(escape_markdown(who), anchor=False)

if scope.cycle_id is None:
    st.info(
        "There are no cycles yet: create one in Manage, and this screen fills itself.", icon=":material/event_busy:"
    )
    st.stop()

default_at_load = st.session_state.get(DEFAULT_AT_LOAD_KEY)
st.session_state[DEFAULT_AT_LOAD_KEY] = data.default_cycle_id()


def _status(status: str, words: bool = True) -> str:
    """A status as coloured icon (and bold words), in the page's type size (badges are small)."""
    colour = badges.BADGE_COLOURS.get(status, "gray")
    if not words:
        return f":{colour}[{badges.icon(status)}]"
    return f":{colour}[{badges.icon(status)} **{badges.label(status)}**]"


def _value(value, unit_label: str, kr_type: str) -> str:
    """A key result's value as people write it: ``"1,460 users"``, ``"40% done"``."""
    if kr_type == "milestone":
        return f"{badges.pct(value)} done"
    return badges.number(value, unit_label)


def _goal(kr: dict) -> str:
    unit_label = "" if pd.isna(kr.get("unit_label")) else str(kr.get("unit_label") or "")
    if kr["kr_type"] == "milestone":
        return "done"
    target = badges.number(kr["target"], unit_label)
    bounds = {"stay_above": f"stay ≥ {target}", "stay_below": f"stay ≤ {target}"}
    return bounds.get(kr["kr_type"], f"target {target}")


def _kr_line(kr: dict) -> str:
    unit_label = "" if pd.isna(kr.get("unit_label")) else str(kr.get("unit_label") or "")
    now = "no check-in yet" if pd.isna(kr["value"]) else _value(kr["value"], unit_label, kr["kr_type"])
    return (
        f"{_status(kr['status'], words=False)} {escape_markdown(kr['title'])} — "
        f"**{escape_markdown(badges.pct(kr['progress']))}** · {escape_markdown(now)} · "
        f"{escape_markdown(_goal(kr))}"
    )


def _progress_text(progress: float, expected: float, pace: float) -> str:
    return escape_markdown(
        f"{badges.pct(progress)} done · {badges.pct(expected)} expected · {badges.pace(progress, expected)}"
    )


def _below_height(tiles: int, cut_note: bool) -> int:
    return 0 if not tiles else 50 + (40 if cut_note else 0) + TILE_ROW_HEIGHT * -(-tiles // TILES_PER_ROW)


def fill_plan(cards: int, tiles: int, cut_note: bool) -> tuple[int, int, int]:
    """How a wall of ``cards`` cards and ``tiles`` tiles fits :data:`SCREEN_HEIGHT`: cards per row
    (three rows at most, four a row past six cards), key result lines per card (as many as the
    height left holds; 0: a card shows its key results' status icons on one line) and how many
    tiles fit below the cards (whole rows; all of them unless the cards leave too little room)."""
    per_row = 2 if cards in (1, 2, 4) else (3 if cards <= 6 else 4)
    rows = -(-cards // per_row)
    free = SCREEN_HEIGHT - HEADLINE_HEIGHT - rows * CARD_HEIGHT
    while tiles and _below_height(tiles, cut_note) > free:
        tiles = max(0, (-(-tiles // TILES_PER_ROW) - 1) * TILES_PER_ROW)
        cut_note = True
    room = (free - _below_height(tiles, cut_note)) / max(rows, 1)
    return per_row, max(0, int(room // KR_LINE_HEIGHT)), tiles


def _kr_icons(krs: list[dict]) -> str:
    """A card's key results as a row of status icons, for a card with no room for their lines."""
    return " ".join(_status(kr["status"], words=False) for kr in krs) + (
        " 1 key result" if len(krs) == 1 else f" {len(krs)} key results"
    )


def _card(card: wall.Card, with_unit: bool, lines: int) -> None:
    o = card.objective
    oid = int(o["objective_id"])
    with st.container(border=True, key=f"wall_obj_{oid}"):
        facts = [_status(o["status"])]
        if with_unit:
            facts.append(f":material/groups: {escape_markdown(o['unit_name'])}")
        facts.append(
            ":material/rocket_launch: Aspirational" if o["kind"] == "aspirational" else ":material/handshake: Committed"
        )
        st.markdown(" · ".join(facts))
        with st.container(key=f"wall_title_{oid}"):
            st.markdown(escape_markdown(o["title"]))
        st.progress(
            min(max(float(o["progress"]), 0.0), 1.0), text=_progress_text(o["progress"], o["expected"], o["pace"])
        )
        with st.container(key=f"wall_krs_{oid}"):
            krs = card.key_results
            if not krs:
                st.markdown("No key results yet.")
            elif len(krs) <= lines:
                for kr in krs:
                    st.markdown(_kr_line(kr))
            elif lines >= 2:
                for kr in krs[: lines - 1]:
                    st.markdown(_kr_line(kr))
                st.markdown(f"+ {len(krs) - lines + 1} more key results")
            else:
                st.markdown(_kr_icons(krs))


def _tile(unit: dict) -> None:
    uid = int(unit["unit_id"])
    with st.container(border=True, key=f"wall_tile_{uid}"):
        st.markdown(f"**{escape_markdown(unit['name'])}** · {_status(unit['status'])}")
        st.progress(
            min(max(float(unit["progress"]), 0.0), 1.0),
            text=_progress_text(unit["progress"], unit["expected"], unit["pace"]),
        )


@st.fragment(run_every=REFRESH)
def draw_wall() -> None:
    """Everything below the title; Streamlit reruns it every REFRESH seconds while the tab is open."""
    follow = wall.cycle_to_show(scope.cycle_id, default_at_load, data.default_cycle_id())
    if follow is not None and follow != scope.cycle_id:
        # The quarter turned while the TV was on: follow the default cycle (a link that differs
        # from what this session wrote wins in ui.sidebar), redrawing the whole page.
        st.query_params["cycle"] = str(follow)
        st.rerun(scope="app")

    summary = data.cycle_summary(scope.cycle_id, scope.unit_id)
    cycle = summary["cycle"]
    # Worked out once per change of the data, not at each redraw: it reads the cycle's whole frames.
    shown = data.memo(
        lambda: wall.build(
            data.objectives(scope.cycle_id, scope.unit_id),
            data.key_results(scope.cycle_id, scope.unit_id),
            data.unit_progress(scope.cycle_id),
            data.units(),
            scope.unit_id,
        ),
        "wall.build",
        scope.cycle_id,
        scope.unit_id,
    )
    with st.container(key="okr_wall"):
        st.caption(
            f"{escape_markdown(cycle['name'])} · {badges.date_range(cycle['start_date'], cycle['end_date'])} · "
            f"{badges.days(summary['days_left'])} left · updated {dt.datetime.now():%H:%M} · "
            f"redraws every {wall.every(REFRESH)}" + (" · demo data" if tv and data.is_demo() else "")
        )
        if summary["objective_count"] == 0:
            st.info(
                f"No objectives in {escape_markdown(cycle['name'])} yet for {escape_markdown(who)}.",
                icon=":material/inbox:",
            )
            return

        cols = st.container(key="wall_headline").columns(8)
        cols[0].metric("Progress", badges.pct(summary["progress"]), border=True)
        cols[1].metric("Expected", badges.pct(summary["expected"]), border=True)
        # "−25" under "Pace (points)": the unit in the label keeps the figure short enough to read afar.
        cols[2].metric(
            "Pace (points)",
            badges.pace(summary["progress"], summary["expected"]).removesuffix(" pts"),
            border=True,
            **badges.pace_delta(summary["progress"], summary["expected"]),
        )
        cols[3].metric("Days left", str(summary["days_left"]), border=True)
        counts = summary["status_counts"]
        for col, status in zip(cols[4:], (ON_TRACK, AT_RISK, OFF_TRACK, STALE)):
            col.metric(f"{badges.icon(status)} {badges.label(status)}", str(counts.get(status, 0)), border=True)
        st.progress(
            min(max(float(summary["progress"]), 0.0), 1.0),
            text=_progress_text(summary["progress"], summary["expected"], summary["pace"]),
        )

        if not shown.own:
            st.caption(f"{escape_markdown(who)} owns no objectives itself: these are its teams'.")
        if shown.card_count > len(shown.cards):
            st.caption(
                f"The first {len(shown.cards)} of {shown.card_count} objectives; "
                "pick a unit in the sidebar for a wall of its own."
            )
        per_row, lines, fitting = fill_plan(len(shown.cards), len(shown.below), shown.below_count > len(shown.below))
        if fitting < len(shown.below):  # the furthest behind pace, in outline order, as okrdata.wall keeps them
            kept = sorted(range(len(shown.below)), key=lambda i: shown.below[i]["pace"])[:fitting]
            tiles = [shown.below[i] for i in sorted(kept)]
        else:
            tiles = shown.below
        cards = st.container(key="wall_cards")
        for start in range(0, len(shown.cards), per_row):
            row = cards.columns(per_row, gap="medium")
            for col, card in zip(row, shown.cards[start : start + per_row]):
                with col:
                    _card(card, with_unit=not shown.own, lines=lines)

        if shown.below:
            st.markdown(f"**Below {escape_markdown(who)}**")
            if shown.below_count > len(tiles):
                st.caption(
                    (
                        f"The {len(tiles)} of {shown.below_count} units furthest behind pace; "
                        if tiles
                        else f"{shown.below_count} units with objectives; "
                    )
                    + "pick a unit in the sidebar for a wall of its own."
                )
            per_row = min(max(len(tiles), 1), TILES_PER_ROW)
            below = st.container(key="wall_below")
            for start in range(0, len(tiles), per_row):
                row = below.columns(per_row, gap="medium")
                for col, unit in zip(row, tiles[start : start + per_row]):
                    with col:
                        _tile(unit)


draw_wall()

# --- the link for the TV -------------------------------------------------------------------
if tv:
    st.stop()
link = (st.context.url or "/wall").split("?")[0]
link += f"?unit={scope.unit_id}&tv=1" if scope.unit_id is not None else "?tv=1"
with st.expander("Show this on a TV", icon=":material/tv:"):
    st.markdown(
        "Open this address in the TV's browser (full screen with F11): the sidebar stays folded away. "
        "It needs no sign-in unless the "
        f"dashboard is private, redraws itself every {wall.every(REFRESH)} and moves on to the next cycle "
        "when it starts."
    )
    st.code(link, language=None)
