"""How the wall screen (``pages/wall.py``) draws its parts: the large type of a TV, an
objective's card, a unit's tile, and the lines inside them.

Text from the database goes through :func:`ui.okr_detail.escape_markdown`: it shows as written.
How many cards, lines and tiles fit the screen is :func:`okrdata.wall.fill_plan`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import wall, wording
from ui import badges
from ui.okr_detail import escape_markdown

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


def status(status: str, words: bool = True) -> str:
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
        f"{status(kr['status'], words=False)} {escape_markdown(kr['title'])} — "
        f"**{escape_markdown(badges.pct(kr['progress']))}** · {escape_markdown(now)} · "
        f"{escape_markdown(_goal(kr))}"
    )


def progress_text(progress: float, expected: float, pace: float) -> str:
    return escape_markdown(
        f"{badges.pct(progress)} done · {badges.pct(expected)} expected · {badges.pace(progress, expected)}"
    )


def _kr_icons(krs: list[dict]) -> str:
    """A card's key results as a row of status icons, for a card with no room for their lines."""
    return " ".join(status(kr["status"], words=False) for kr in krs) + " " + wording.plural(len(krs), "key result")


def card(card: wall.Card, with_unit: bool, lines: int) -> None:
    o = card.objective
    oid = int(o["objective_id"])
    with st.container(border=True, key=f"wall_obj_{oid}"):
        facts = [status(o["status"])]
        if with_unit:
            facts.append(f":material/groups: {escape_markdown(o['unit_name'])}")
        facts.append(
            ":material/rocket_launch: Aspirational" if o["kind"] == "aspirational" else ":material/handshake: Committed"
        )
        st.markdown(" · ".join(facts))
        with st.container(key=f"wall_title_{oid}"):
            st.markdown(escape_markdown(o["title"]))
        st.progress(
            min(max(float(o["progress"]), 0.0), 1.0), text=progress_text(o["progress"], o["expected"], o["pace"])
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


def tile(unit: dict) -> None:
    uid = int(unit["unit_id"])
    with st.container(border=True, key=f"wall_tile_{uid}"):
        st.markdown(f"**{escape_markdown(unit['name'])}** · {status(unit['status'])}")
        st.progress(
            min(max(float(unit["progress"]), 0.0), 1.0),
            text=progress_text(unit["progress"], unit["expected"], unit["pace"]),
        )
