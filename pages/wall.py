"""Wall screen: one unit's OKRs in large type for a TV in the office, redrawn every minute.

Open it as ``/wall?unit=ID&tv=1`` (no ``unit``: the whole company; ``tv=1`` folds the sidebar
away, hides the page's header and the demo notice, and leaves out the link box). It is laid out
for 1920×1080 without scrolling: :func:`okrdata.wall.fill_plan` decides how many key result lines a card
shows and how many tiles fit. It is read only and needs no
sign-in unless the deployment is private (then it asks, like every page). The headline figures
come from :func:`okrdata.queries.cycle_summary`, the cards and tiles from
:func:`okrdata.wall.build` over the cached readers of :mod:`ui.data` (the reader
:func:`ui.wall_data.wall_screen`). The part below the title is
a fragment that Streamlit reruns every minute (``$OKR_WALL_REFRESH`` seconds, see
:func:`okrdata.wall.refresh_seconds`), and the readers follow the database's versions of the data, so
a check-in saved anywhere shows at the next redraw.

Text from the database goes through :func:`ui.badges.escape_markdown`: it shows as written.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from okrdata import wall
from okrdata.numbers import AT_RISK, OFF_TRACK, ON_TRACK, STALE
from ui import badges, data, sidebar, style, wall_data, wall_view
from ui.badges import escape_markdown

REFRESH = wall.refresh_seconds()  # $OKR_WALL_REFRESH, default 60 s
# The default cycle when this wall was last drawn in full, to follow the default as it moves.
# (A bare string here would be drawn on the page: Streamlit's "magic" writes them.)
DEFAULT_AT_LOAD_KEY = "wall_default_cycle"

scope = sidebar.current()
# The link for a TV says ``tv=1``: the TV shows the page, not the pickers, so the sidebar starts
# folded (the arrow opens it). Someone browsing to this page keeps their sidebar.
tv = str(st.query_params.get("tv", "")).strip().lower() in ("1", "true", "yes")
if tv:
    st.set_page_config(initial_sidebar_state="collapsed")
    st.html(wall_view.TV_STYLE)
st.html(wall_view.STYLE)

who = scope.company_name if scope.unit_id is None else scope.unit_name
st.title(escape_markdown(who), anchor=False)

if scope.cycle_id is None:
    st.info(
        "There are no cycles yet: create one in Manage, and this screen fills itself.", icon=":material/event_busy:"
    )
    st.stop()

default_at_load = st.session_state.get(DEFAULT_AT_LOAD_KEY)
st.session_state[DEFAULT_AT_LOAD_KEY] = data.default_cycle_id()


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
    shown = wall_data.wall_screen(scope.cycle_id, scope.unit_id)
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

        headline = style.row(wall_view.HEADLINE)
        headline.metric("Progress", badges.pct(summary["progress"]), border=True)
        headline.metric("Expected", badges.pct(summary["expected"]), border=True)
        # "−25" under "Pace (points)": the unit in the label keeps the figure short enough to read afar.
        headline.metric(
            "Pace (points)",
            badges.pace(summary["progress"], summary["expected"]).removesuffix(" pts"),
            border=True,
            **badges.pace_delta(summary["progress"], summary["expected"]),
        )
        headline.metric("Days left", str(summary["days_left"]), border=True)
        counts = summary["status_counts"]
        for status in (ON_TRACK, AT_RISK, OFF_TRACK, STALE):
            headline.metric(f"{badges.icon(status)} {badges.label(status)}", str(counts.get(status, 0)), border=True)
        st.progress(
            min(max(float(summary["progress"]), 0.0), 1.0),
            text=wall_view.progress_text(summary["progress"], summary["expected"], summary["pace"]),
        )

        if not shown.own:
            st.caption(f"{escape_markdown(who)} owns no objectives itself: these are its teams'.")
        if shown.card_count > len(shown.cards):
            st.caption(
                f"The first {len(shown.cards)} of {shown.card_count} objectives; "
                "pick a unit in the sidebar for a wall of its own."
            )
        per_row, lines, fitting = wall.fill_plan(
            len(shown.cards), len(shown.below), shown.below_count > len(shown.below)
        )
        if fitting < len(shown.below):  # the furthest behind pace, in outline order, as okrdata.wall keeps them
            kept = sorted(range(len(shown.below)), key=lambda i: shown.below[i]["pace"])[:fitting]
            tiles = [shown.below[i] for i in sorted(kept)]
        else:
            tiles = shown.below
        cards = st.container(key="wall_cards")
        for start in range(0, len(shown.cards), per_row):
            with style.row(f"{wall_view.CARDS}{start}", gap="medium", stack=True, where=cards):
                for card in shown.cards[start : start + per_row]:
                    wall_view.card(card, with_unit=not shown.own, lines=lines)
                wall_view.spacers(per_row - len(shown.cards[start : start + per_row]))

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
            per_row = min(max(len(tiles), 1), wall.TILES_PER_ROW)
            below = st.container(key="wall_below")
            for start in range(0, len(tiles), per_row):
                with style.row(f"{wall_view.TILES}{start}", gap="medium", stack=True, where=below):
                    for unit in tiles[start : start + per_row]:
                        wall_view.tile(unit)
                    wall_view.spacers(per_row - len(tiles[start : start + per_row]))


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
