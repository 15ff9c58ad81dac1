"""How the wall screen (``pages/wall.py``) draws its parts: the large type of a TV, an
objective's card, a unit's tile, and the lines inside them.

Text from the database goes through :func:`ui.badges.escape_markdown`: it shows as written.
How many cards, lines and tiles fit the screen is :func:`okrdata.wall.fill_plan`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import wall, wording
from ui import badges, style
from ui.badges import escape_markdown

# Sized for 1920×1080 read from a few metres: every text in the wall at least ~20 px, the
# headline figures and objective titles much larger. Long words wrap instead of widening the page;
# a title or key result runs to two lines at most, so the screen holds what fill_plan counts on.
HEADLINE = "wall_headline"
CARDS = "wall_cards_"
TILES = "wall_tiles_"
"""Keys of the wall's rows (:func:`ui.style.row`; its CSS class is ``st-key-`` and its prefix and
key): the headline figures, each row of cards and each row of tiles (the row's first index follows)."""

_CARD = '.st-key-okr_wall [class*="st-key-wall_obj_"]'
ROW, STACK = style.ROW_PREFIX, style.STACK_PREFIX
STYLE = f"""
<style>
.st-key-okr_wall {{ overflow-wrap: anywhere; gap: 0.75rem; }}
.st-key-okr_wall [data-testid="stMarkdownContainer"] p {{ font-size: 1.45rem; line-height: 1.3; }}
.st-key-okr_wall [data-testid="stCaptionContainer"] p {{ font-size: 1.2rem; }}
.st-key-okr_wall [data-testid="stMetric"] {{ padding: 0.5rem 0.9rem; }}
.st-key-okr_wall [data-testid="stMetricLabel"] p {{ font-size: 1.3rem; }}
.st-key-okr_wall [data-testid="stMetricValue"] p {{ font-size: 3.2rem; line-height: 1.1; }}
{_CARD}, .st-key-okr_wall [class*="st-key-wall_tile_"] {{ gap: 0.45rem; }}
/* A card is three elements: facts and title (two paragraphs), the bar, the key results' lines (a
   paragraph each, and "+ 2 more" a list of its own). Paragraphs of one element stand as far
   apart as the card's elements: the facts 0.45rem above the title, a line 0.35rem above the next. */
{_CARD} > :first-child p:first-child {{ margin-bottom: 0.45rem; }}
{_CARD} > :nth-child(n+3) p:not(:last-child) {{ margin-bottom: 0.35rem; }}
{_CARD} > :nth-child(4) {{ margin-top: -0.1rem; }} /* "+ 2 more" 0.35rem under the lines, not 0.45 */
{_CARD} > :first-child p:nth-child(2), {_CARD} > :nth-child(n+3) p {{
  display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden;
}}
/* On a screen narrower than a TV the rows wrap rather than squeeze: figures and cards keep their size. */
.st-key-{ROW}{HEADLINE} > * {{ min-width: 11rem; }}
[class*="st-key-{STACK}{CARDS}"] > * {{ min-width: 24rem; }}
[class*="st-key-{STACK}{TILES}"] > * {{ min-width: 18rem; }}
/* A phone: one card or tile a row, no wider than the screen; figures two a row. */
@media (max-width: 640px) {{
  [class*="st-key-{STACK}{CARDS}"] > *, [class*="st-key-{STACK}{TILES}"] > * {{ min-width: 100%; }}
  .st-key-{ROW}{HEADLINE} > * {{ min-width: calc(50% - 0.5rem); }}
  .st-key-okr_wall [data-testid="stMetricValue"] p {{ font-size: 2.4rem; }}
}}
.st-key-okr_wall [data-testid="stMetricDelta"] {{ font-size: 1.2rem; }}
.st-key-okr_wall [data-testid="stProgressBarTrack"] {{ height: 0.9rem; }}
{_CARD} > :first-child p:nth-child(2) {{
  font-size: clamp(1.5rem, 1.75vw, 2.1rem); font-weight: 700; line-height: 1.2;
}}
{_CARD} > :nth-child(n+3) p {{ font-size: 1.3rem; }}
.st-key-okr_wall [class*="st-key-wall_tile_"] p {{ font-size: 1.4rem; }}
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


def kr_lines(krs: list[dict], lines: int) -> list[str]:
    """The Markdown lines a card shows of its key results, ``lines`` at most."""
    if not krs:
        return ["No key results yet."]
    if len(krs) <= lines:
        return [_kr_line(kr) for kr in krs]
    if lines >= 2:
        return [_kr_line(kr) for kr in krs[: lines - 1]] + [f"+ {len(krs) - lines + 1} more key results"]
    return [_kr_icons(krs)]


def card(card: wall.Card, with_unit: bool, lines: int) -> None:
    """An objective's card: its facts and title, its progress bar, its key results' lines.

    Three elements in the card's container (four with "+ 2 more key results"), a paragraph a
    line, that STYLE sizes by their place (the first element's second paragraph is the title),
    rather than an element a line in containers of their own: the browser decodes and lays out
    every element at each redraw.
    """
    o = card.objective
    oid = int(o["objective_id"])
    with st.container(border=True, key=f"wall_obj_{oid}"):
        facts = [status(o["status"])]
        if with_unit:
            facts.append(f":material/groups: {escape_markdown(o['unit_name'])}")
        facts.append(
            ":material/rocket_launch: Aspirational" if o["kind"] == "aspirational" else ":material/handshake: Committed"
        )
        st.markdown(" · ".join(facts) + "\n\n" + escape_markdown(o["title"]))
        st.progress(
            min(max(float(o["progress"]), 0.0), 1.0), text=progress_text(o["progress"], o["expected"], o["pace"])
        )
        shown = kr_lines(card.key_results, lines)
        # "+ 2 more key results" is a Markdown list: an element of its own keeps its spacing.
        more = shown.pop() if shown[-1].startswith("+ ") else None
        st.markdown("\n\n".join(shown))
        if more is not None:
            st.markdown(more)


def spacers(count: int) -> None:
    """Empty places at the end of a short last row (:func:`ui.style.row`), so its cards or tiles
    keep the width of those above, as the empty columns of ``st.columns`` kept it."""
    for _ in range(count):
        st.space()  # an empty container is not drawn at all, so it would hold no place


def tile(unit: dict) -> None:
    uid = int(unit["unit_id"])
    with st.container(border=True, key=f"wall_tile_{uid}"):
        st.markdown(f"**{escape_markdown(unit['name'])}** · {status(unit['status'])}")
        st.progress(
            min(max(float(unit["progress"]), 0.0), 1.0),
            text=progress_text(unit["progress"], unit["expected"], unit["pace"]),
        )
