"""The pieces of the Alignment page: the tree picture and the expandable outline.

Every figure comes from the rows of :func:`okrdata.alignment.alignment_tree` (the objectives
frame of :func:`okrdata.queries.objectives`) and from :func:`okrdata.queries.key_results`;
this module only formats them (with :mod:`ui.badges`) and lays them out.

The outline is a nest of expanders, one per objective, each holding its progress, its key
results and the expanders of the objectives aligned to it. They track their state
(``on_change="rerun"``) so a collapsed objective draws nothing inside: the page stays light
even for an organisation of hundreds of objectives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st

from okrdata import alignment
from ui import badges, tables

KEY_PREFIX = "alignment_obj_"
"""Session-state key of an objective's expander: ``alignment_obj_<id>`` (True when open)."""


def expander_key(objective_id: int) -> str:
    """The key of an objective's expander in the outline."""
    return f"{KEY_PREFIX}{int(objective_id)}"


def _text(x) -> str:
    return "" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x)


def objective_label(r: Mapping) -> str:
    """An outline row's header: status badge with its label, title, progress, pace, unit and owner."""
    owner = _text(r.get("owner_name")) or "no owner"
    context = ":gray-badge[Context] " if r.get("role") == alignment.CONTEXT else ""
    return (
        f"{context}{badges.markdown(r['status'])} **{badges.escape(r['title'])}** · "
        f"{badges.pct(r['progress'])} ({badges.escape(badges.pace(r['pace']))}) · "
        f"{badges.escape(r['unit_name'])} · {badges.escape(owner)}"
    )


def latest(kr: Mapping) -> str:
    """A key result's latest value with its unit label (a milestone as the fraction done)."""
    if kr["kr_type"] == "milestone":
        return badges.NO_VALUE if kr["value"] is None or pd.isna(kr["value"]) else f"{badges.pct(kr['value'])} done"
    return badges.number(kr["value"], _text(kr["unit_label"]))


def target(kr: Mapping) -> str:
    """What a key result aims at, in words: ``"4 h (from 9 h)"``, ``"≥ 90%"``, ``"done"``."""
    unit = _text(kr["unit_label"])
    kind = kr["kr_type"]
    if kind == "milestone":
        return "done"
    goal = badges.number(kr["target"], unit)
    if kind == "stay_above":
        return f"≥ {goal}"
    if kind == "stay_below":
        return f"≤ {goal}"
    return f"{goal} (from {badges.number(kr['baseline'], unit)})"


def key_results_frame(krs: pd.DataFrame) -> pd.DataFrame:
    """An objective's key results as a display table; progress in percent for the bar."""
    records = krs.to_dict("records")
    return pd.DataFrame(
        {
            "Status": [badges.cell(k["status"]) for k in records],
            "Key result": [str(k["title"]) for k in records],
            "Latest": [latest(k) for k in records],
            "Target": [target(k) for k in records],
            "Progress": [float(k["progress"]) * 100 for k in records],
            "Pace": [badges.pace(k["pace"]) for k in records],
            "Confidence": [k["confidence"] for k in records],
            "Owner": [_text(k["owner_name"]) for k in records],
        },
        columns=["Status", "Key result", "Latest", "Target", "Progress", "Pace", "Confidence", "Owner"],
    )


def _body(r: Mapping, krs: pd.DataFrame, closed: bool, kr_titles: Mapping[int, str], unit_name: str) -> None:
    progress = float(r["progress"])
    st.progress(
        min(1.0, max(0.0, progress)),
        text=f"**{badges.pct(progress)}** done · pace {badges.pace(r['pace'])} "
        f"(expected {badges.pct(r['expected'])} {'at the end' if closed else 'by today'})",
    )
    facts = [
        f"Owner: {badges.escape(_text(r.get('owner_name')) or 'nobody yet')}",
        f"Unit: {badges.escape(r['unit_name'])}",
        f"{badges.escape(_text(r.get('kind')).capitalize() or 'Committed')}",
    ]
    parent_kr = alignment.as_id(r.get("parent_kr_id"))
    if r.get("orphan_reason") == alignment.INACTIVE_PARENT:
        facts.append(f"Was aligned to *{badges.escape(_text(r.get('parent_title')))}*, which is no longer active")
    elif _text(r.get("parent_title")):
        via = f" through the key result *{badges.escape(kr_titles.get(parent_kr, ''))}*" if parent_kr else ""
        facts.append(f"Aligns to *{badges.escape(r['parent_title'])}*{via}")
    if closed:
        facts.append(f"Score {badges.score(r.get('score'))}")
    st.caption(" · ".join(facts))
    if r.get("role") == alignment.CONTEXT:
        st.caption(f"Shown for context: {badges.escape(r['unit_name'])} is above {badges.escape(unit_name)}, "
                   "and this objective is what the branch's objectives serve.")
    elif _text(r.get("description")):
        st.markdown(f"*Why:* {badges.escape(r['description'])}")
    mine = krs[krs["objective_id"] == r["objective_id"]] if not krs.empty else krs
    if mine.empty:
        st.caption("No key results yet: add two to five measurable outcomes in Manage.")
    else:
        st.dataframe(
            key_results_frame(mine),
            hide_index=True,
            width="stretch",
            height="content",
            column_config={
                "Progress": tables.PROGRESS,
                "Confidence": st.column_config.NumberColumn("Confidence", format="%d/10"),
            },
        )


MAX_EXPANDERS = 30
"""The most objectives listed as expanders side by side; the rest of a long list goes into one
table, so an organisation of hundreds of objectives never sends the browser hundreds of them."""


def objectives_frame(rows: list[Mapping]) -> pd.DataFrame:
    """Objectives as a compact display table, for the tail of a long list."""
    return pd.DataFrame(
        {
            "Status": [badges.cell(r["status"]) for r in rows],
            "Objective": [str(r["title"]) for r in rows],
            "Progress": [float(r["progress"]) * 100 for r in rows],
            "Pace": [badges.pace(r["pace"]) for r in rows],
            "Unit": [str(r["unit_name"]) for r in rows],
            "Owner": [_text(r.get("owner_name")) for r in rows],
            "Aligned below": [int(r["descendants"]) for r in rows],
        },
        columns=["Status", "Objective", "Progress", "Pace", "Unit", "Owner", "Aligned below"],
    )


def outline(
    tree: pd.DataFrame,
    roots: list[int],
    krs: pd.DataFrame,
    *,
    closed: bool,
    expanded: Callable[[Mapping], bool],
    kr_titles: Mapping[int, str] | None = None,
    unit_name: str = "",
    limit: int | None = None,
) -> None:
    """Draw the objectives ``roots`` of ``tree`` and, nested inside each, those aligned below it.

    ``expanded(row)`` says whether an objective starts open; afterwards the reader decides.
    Past ``limit`` objectives in one list (default :data:`MAX_EXPANDERS`), the rest are listed in
    a table.
    """
    limit = MAX_EXPANDERS if limit is None else limit
    rows = {int(r["objective_id"]): r for r in tree.to_dict("records")}
    children: dict[int, list[int]] = {}
    for r in rows.values():
        parent = alignment.as_id(r["tree_parent_id"])
        if parent is not None:
            children.setdefault(parent, []).append(int(r["objective_id"]))
    kr_titles = kr_titles or {}

    def listing(ids: list[int]) -> None:
        for oid in ids[:limit]:
            draw(oid)
        rest = ids[limit:]
        if rest:
            st.caption(
                f"And {len(rest)} more, listed in short below; pick their unit in the sidebar to open them."
            )
            st.dataframe(
                objectives_frame([rows[o] for o in rest]),
                hide_index=True,
                width="stretch",
                column_config={"Progress": tables.PROGRESS},
            )

    def draw(oid: int) -> None:
        r = rows[oid]
        with st.expander(
            objective_label(r), expanded=expanded(r), key=expander_key(oid), on_change="rerun"
        ) as box:
            if not box.open:
                return
            _body(r, krs, closed, kr_titles, unit_name)
            kids = children.get(oid, [])
            if kids:
                st.markdown(f"**Aligned to it** ({len(kids)})")
                listing(kids)

    listing(roots)


def picture(tree: pd.DataFrame, krs: pd.DataFrame, what: str) -> None:
    """The tree as a Graphviz picture, capped at :data:`okrdata.alignment.MAX_PICTURE_NODES`."""
    pic = alignment.picture(tree)
    if pic.left_out:
        if pic.rows.empty:
            shown = "no picture"
        else:
            levels = pic.max_depth + 1
            shown = (
                f"the top {levels} level{'s' if levels > 1 else ''} of the tree ({len(pic.rows)} objectives; "
                "each cut box says how many objectives it hides)"
            )
        st.info(
            f"{what} has {len(tree)} objectives, too many to draw legibly, so this shows {shown}. "
            "Pick a department or team in the sidebar to draw its whole branch; the outline lists everything.",
            icon=":material/account_tree:",
        )
    if pic.rows.empty:
        return
    kr_titles = dict(zip(krs["kr_id"].astype(int), krs["title"].astype(str))) if not krs.empty else {}
    st.graphviz_chart(
        alignment.to_dot(pic.rows, colours=badges.COLOURS, kr_titles=kr_titles),
        width="content",
        alt=f"Alignment tree of {len(pic.rows)} objectives for {what}; the Outline tab lists them as text.",
    )
    st.caption(
        "Each box is an objective: its title, owner unit and owner, progress bar and percentage, status "
        "in words (with its colour) and pace. Arrows point to the objective each one aligns to. Columns, "
        "left to right: company, departments, teams. Grey dashed boxes are context above the chosen unit; "
        "a dashed box is aligned to nothing."
    )
