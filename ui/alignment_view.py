"""The pieces of the Alignment page: the tree picture and the expandable outline.

Every figure comes from the rows of :func:`okrdata.alignment.alignment_tree` (the objectives
frame of :func:`okrdata.queries.objectives`) and from :func:`okrdata.queries.key_results`;
this module only formats them (with :mod:`ui.badges`) and lays them out.

The outline is a nest of expanders, one per objective, each holding its progress, its key
results and the expanders of the objectives aligned to it. They track their state
(``on_change="rerun"``) so a collapsed objective draws nothing inside: the page stays light
even for an organisation of hundreds of objectives. What both draw, the tree walked into
lists, labels, tables and the Graphviz text, is built once per view and change of the data
(:func:`cached_outline`), so a rerun after a click only lays it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa
import streamlit as st

from okrdata import alignment, wording
from ui import badges, data, tables

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
        f"{context}{badges.markdown(r['status'])} **{badges.escape_markdown(r['title'])}** · "
        f"{badges.pct(r['progress'])} ({badges.escape_markdown(badges.pace(r['progress'], r['expected']))}) · "
        f"{badges.escape_markdown(r['unit_name'])} · {badges.escape_markdown(owner)}"
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
            "Pace": [badges.pace(k["progress"], k["expected"]) for k in records],
            "Confidence": [wording.confidence(k["confidence"]) for k in records],
            "Owner": [_text(k["owner_name"]) for k in records],
        },
        columns=["Status", "Key result", "Latest", "Target", "Progress", "Pace", "Confidence", "Owner"],
    )


def _body(r: Mapping, kr_table: pa.Table, closed: bool, kr_titles: Mapping[int, str], unit_name: str) -> None:
    """An open objective: progress bar, facts, why, and its key results (``kr_table``:
    :func:`key_results_frame` of them, as Arrow)."""
    progress = float(r["progress"])
    st.progress(
        min(1.0, max(0.0, progress)),
        text=f"**{badges.pct(progress)}** done · pace {badges.pace(r['progress'], r['expected'])} "
        f"(expected {badges.pct(r['expected'])} {'at the end' if closed else 'by today'})",
    )
    facts = [
        f"Owner: {badges.escape_markdown(_text(r.get('owner_name')) or 'nobody yet')}",
        f"Unit: {badges.escape_markdown(r['unit_name'])}",
        f"{badges.escape_markdown(_text(r.get('kind')).capitalize() or 'Committed')}",
    ]
    parent_kr = alignment.as_id(r.get("parent_kr_id"))
    if r.get("orphan_reason") == alignment.INACTIVE_PARENT:
        facts.append(
            f"Was aligned to *{badges.escape_markdown(_text(r.get('parent_title')))}*, which is no longer active"
        )
    elif _text(r.get("parent_title")):
        via = f" through the key result *{badges.escape_markdown(kr_titles.get(parent_kr, ''))}*" if parent_kr else ""
        facts.append(f"Aligns to *{badges.escape_markdown(r['parent_title'])}*{via}")
    if closed:
        facts.append(f"Score {badges.score(r.get('score'))}")
    st.caption(" · ".join(facts))
    if r.get("role") == alignment.CONTEXT:
        st.caption(
            f"Shown for context: {badges.escape_markdown(r['unit_name'])} is above {badges.escape_markdown(unit_name)}, "
            "and this objective is what the branch's objectives serve."
        )
    elif _text(r.get("description")):
        st.markdown(f"*Why:* {badges.escape_markdown(r['description'], lines=True)}")
    if kr_table.num_rows == 0:
        st.caption("No key results yet: add two to five measurable outcomes in Manage.")
    else:
        st.dataframe(
            kr_table,
            hide_index=True,
            width="stretch",
            height="content",
            column_config={
                "Progress": tables.PROGRESS,
                "Confidence": tables.CONFIDENCE,
            },
        )


MAX_EXPANDERS = 5
"""The most objectives listed as expanders side by side; the rest of a long list goes into one
table, so an organisation of hundreds of objectives never sends the browser hundreds of them
(and a rerun costs about the same for it as for a small company). A well-shaped company
stays under it (at most three objectives per unit, the coach says); past it, a reader picks a
narrower unit in the sidebar."""


def objectives_frame(rows: list[Mapping]) -> pd.DataFrame:
    """Objectives as a compact display table, for the tail of a long list."""
    return pd.DataFrame(
        {
            "Status": [badges.cell(r["status"]) for r in rows],
            "Objective": [str(r["title"]) for r in rows],
            "Progress": [float(r["progress"]) * 100 for r in rows],
            "Pace": [badges.pace(r["progress"], r["expected"]) for r in rows],
            "Unit": [str(r["unit_name"]) for r in rows],
            "Owner": [_text(r.get("owner_name")) for r in rows],
            "Aligned below": [int(r["descendants"]) for r in rows],
        },
        columns=["Status", "Objective", "Progress", "Pace", "Unit", "Owner", "Aligned below"],
    )


class Outline(NamedTuple):
    """One view of the alignment tree (a cycle, a unit's branch) made ready to draw, so that a
    rerun reads it back from the cache instead of walking thousands of objectives again. It
    holds what the page draws, not the tree's rows: an opened objective reads its row apart
    (:func:`opened`)."""

    cycle_objectives: int
    """How many objectives the cycle has (every unit)."""
    size: int
    """How many objectives the view holds (its branch, the context above and what is aligned below)."""
    counts: dict[str, int]
    """:func:`okrdata.alignment.summary` of the tree."""
    roots: dict[str, list[int]]
    """The roots of each section (:data:`~okrdata.alignment.ALIGNED`, :data:`~okrdata.alignment.ORPHAN`)."""
    children: dict[int, list[int]]
    """The objectives aligned directly to each objective, in outline order."""
    labels: dict[int, str]
    """Each objective's expander header (:func:`objective_label`)."""
    start_open: frozenset[int]
    """The objectives whose expanders start open (:func:`starts_open`)."""
    limit: int
    """The most expanders in one list; the rest of a longer list goes into a table."""
    tails: dict[Any, pa.Table]
    """Those tables (:func:`objectives_frame`, as Arrow), by the parent's id, or by the section for its roots."""
    kr_titles: dict[int, str]
    """Titles of the key results objectives align to, by id."""
    picture: alignment.Picture
    """What the picture draws (:func:`okrdata.alignment.picture`)."""
    dot: str
    """The picture's Graphviz text (empty when nothing is drawn)."""
    key: tuple = ()
    """The arguments of the cached reader that built it (:func:`cached_outline`), if any."""


def starts_open(r: Mapping, unit_id: int | None, branch_size: int) -> bool:
    """Whether an objective of the aligned section starts open: the roots and the context chain,
    so the branch's objectives show at once, and a small unit's own objectives."""
    if r["role"] == alignment.CONTEXT or r["depth"] == 0 and r["section"] == alignment.ALIGNED:
        return True
    return unit_id is not None and int(r["unit_id"]) == unit_id and branch_size <= 10


_ROW_COLUMNS = [
    "objective_id",
    "tree_parent_id",
    "depth",
    "section",
    "role",
    "unit_id",
    "status",
    "title",
    "progress",
    "expected",
    "pace",
    "unit_name",
    "owner_name",
    "descendants",
]
"""The columns the labels, the tables and the outline's shape need, row by row."""


def _rows(tree: pd.DataFrame) -> dict[int, dict]:
    """The :data:`_ROW_COLUMNS` of each row of ``tree``, by objective id."""
    if tree.empty:
        return {}
    return {
        int(values[0]): dict(zip(_ROW_COLUMNS, values)) for values in zip(*(tree[c].tolist() for c in _ROW_COLUMNS))
    }


def build_outline(
    tree: pd.DataFrame,
    krs: pd.DataFrame,
    unit_id: int | None,
    limit: int,
    max_nodes: int,
    cycle_objectives: int | None = None,
) -> Outline:
    """The :class:`Outline` of a view: ``tree`` is its :func:`okrdata.alignment.alignment_tree`,
    ``krs`` the cycle's key results, ``unit_id`` the chosen unit (None: the whole company)."""
    counts = alignment.summary(tree)
    # The few columns the labels, the tables and the outline's shape need, row by row (the whole
    # rows are read back only for the objectives someone opens: :func:`opened`).
    by_id = _rows(tree)
    roots: dict[str, list[int]] = {alignment.ALIGNED: [], alignment.ORPHAN: []}
    children: dict[int, list[int]] = {}
    for oid, r in by_id.items():
        parent = alignment.as_id(r["tree_parent_id"])
        if parent is not None:
            children.setdefault(parent, []).append(oid)
        elif r["depth"] == 0:
            roots.setdefault(r["section"], []).append(oid)
    tails = {
        key: tables.arrow(objectives_frame([by_id[o] for o in ids[limit:]]))
        for key, ids in [*roots.items(), *children.items()]
        if len(ids) > limit
    }
    wanted = {alignment.as_id(x) for x in tree["parent_kr_id"]} - {None} if not tree.empty else set()
    mine = krs[krs["kr_id"].isin(wanted)] if wanted else krs.iloc[0:0]
    kr_titles = dict(zip(mine["kr_id"].astype(int), mine["title"].astype(str)))
    pic = alignment.picture(tree, max_nodes)
    dot = alignment.to_dot(pic.rows, colours=badges.COLOURS, kr_titles=kr_titles) if not pic.rows.empty else ""
    return Outline(
        cycle_objectives=len(tree) if cycle_objectives is None else cycle_objectives,
        size=len(tree),
        counts=counts,
        roots=roots,
        children=children,
        labels={oid: objective_label(r) for oid, r in by_id.items()},
        start_open=frozenset(
            oid
            for oid, r in by_id.items()
            if r["section"] == alignment.ALIGNED and starts_open(r, unit_id, counts["objectives"])
        ),
        limit=limit,
        tails=tails,
        kr_titles=kr_titles,
        picture=pic,
        dot=dot,
    )


# --- bringing a view up to date after check-ins ---------------------------------------
# A check-in moves the figures of its key result's objective and nothing of the tree's shape
# (which objective aligns to which, sections, roles, depths): the view's rows, labels, tables
# and picture are patched for the objectives whose key results changed, instead of walking and
# formatting the whole cycle again (:func:`ui.data.after_checkins`).


def _touched(cycle_id: int, changed: set[int], shown) -> set[int]:
    """The objectives among ``shown`` (ids) whose key results ``changed``."""
    krs = data.key_results(cycle_id)
    return {int(i) for i in krs.loc[krs["kr_id"].isin(changed), "objective_id"]} & set(shown)


@data.after_checkins
def _tree_after_checkins(
    stale: pd.DataFrame, changed: set[int], cycle_id: int, unit_id: int | None
) -> pd.DataFrame | None:
    objs = data.objectives(cycle_id)
    touched = _touched(cycle_id, changed, stale["objective_id"].astype(int))
    if not touched:
        return stale
    old = stale[stale["objective_id"].isin(touched)].reset_index(drop=True)
    mine = objs[objs["objective_id"].isin(touched)]
    where = pd.Index(mine["objective_id"]).get_indexer(old["objective_id"])
    if (where < 0).any():
        return None
    fresh = old.copy()
    for column in objs.columns:
        fresh[column] = mine[column].iloc[where].reset_index(drop=True)
    return data.splice(stale, fresh, "objective_id", gone=touched)


# The view's readers hand every session the same objects (no copy to make at each rerun or
# to store after a patch): they are read, never changed.
@data.reader(reads=(), shared=True, patch=_tree_after_checkins)
def _tree(cycle_id: int, unit_id: int | None) -> pd.DataFrame:
    subtree = None if unit_id is None else data.subtree_ids(unit_id)
    return alignment.alignment_tree(data.objectives(cycle_id), data.units(), subtree)


@data.after_checkins
def _outline_after_checkins(
    stale: Outline, changed: set[int], cycle_id: int, unit_id: int | None, limit: int, max_nodes: int
) -> Outline | None:
    tree = _tree(cycle_id, unit_id)
    data.objectives(cycle_id)
    touched = _touched(cycle_id, changed, stale.labels)
    if not touched:
        return stale
    rows = _rows(tree[tree["objective_id"].isin(touched)])
    tails = dict(stale.tails)
    for key, ids in [*stale.roots.items(), *stale.children.items()]:
        if len(ids) > limit and touched & set(ids[limit:]):
            tail = _rows(tree.set_index("objective_id", drop=False).loc[ids[limit:]])
            tails[key] = tables.arrow(objectives_frame([tail[o] for o in ids[limit:]]))
    pic, dot = stale.picture, stale.dot
    if not pic.rows.empty and touched & {int(i) for i in pic.rows["objective_id"]}:
        pic = alignment.picture(tree, max_nodes)
        dot = (
            alignment.to_dot(pic.rows, colours=badges.COLOURS, kr_titles=stale.kr_titles) if not pic.rows.empty else ""
        )
    return stale._replace(
        labels={**stale.labels, **{oid: objective_label(r) for oid, r in rows.items()}},
        tails=tails,
        picture=pic,
        dot=dot,
    )


@data.reader(reads=(), shared=True, patch=_outline_after_checkins)
def _outline(cycle_id: int, unit_id: int | None, limit: int, max_nodes: int) -> Outline:
    tree = _tree(cycle_id, unit_id)
    built = build_outline(
        tree, data.key_results(cycle_id), unit_id, limit, max_nodes, cycle_objectives=len(data.objectives(cycle_id))
    )
    return built._replace(key=(cycle_id, unit_id))


@data.after_checkins
def _opened_after_checkins(
    stale: tuple[dict, pa.Table], changed: set[int], cycle_id: int, unit_id: int | None, objective_id: int
) -> tuple[dict, pa.Table] | None:
    _tree(cycle_id, unit_id)
    return None if _touched(cycle_id, changed, {int(objective_id)}) else stale


@data.reader(reads=(), shared=True, max_entries=1024, patch=_opened_after_checkins)
def _opened(cycle_id: int, unit_id: int | None, objective_id: int) -> tuple[dict, pa.Table]:
    tree = _tree(cycle_id, unit_id)
    krs = data.key_results(cycle_id)
    row = tree[tree["objective_id"] == objective_id].to_dict("records")[0]
    return row, tables.arrow(key_results_frame(krs[krs["objective_id"] == objective_id]))


def opened(view: Outline, objective_id: int) -> tuple[dict, pa.Table]:
    """What an open objective shows: its row of the tree and its key results as a table
    (:func:`key_results_frame`, as Arrow); cached per objective, since a reader keeps a few open while
    clicking around. ``view`` comes from :func:`cached_outline`."""
    return _opened(*view.key, int(objective_id))


def cached_outline(cycle_id: int, unit_id: int | None) -> Outline:
    """:func:`build_outline` of a cycle for a unit's branch (None: the whole company), from the
    cached readers of :mod:`ui.data`, and cached like them (:func:`ui.data.reader`)."""
    return _outline(int(cycle_id), unit_id, MAX_EXPANDERS, alignment.MAX_PICTURE_NODES)


def outline(view: Outline, section: str, *, closed: bool, unit_name: str = "") -> None:
    """Draw the roots of one section of the view and, nested inside each, those aligned below it.

    An objective starts open when it is in ``view.start_open``; afterwards the reader decides.
    Past ``view.limit`` objectives in one list, the rest are listed in a table.
    """

    def listing(ids: list[int], tail_key) -> None:
        for oid in ids[: view.limit]:
            draw(oid)
        rest = len(ids) - view.limit
        if rest > 0:
            st.caption(f"And {rest} more, listed in short below; pick their unit in the sidebar to open them.")
            st.dataframe(
                view.tails[tail_key],
                hide_index=True,
                width="stretch",
                column_config={"Progress": tables.PROGRESS},
            )

    def draw(oid: int) -> None:
        with st.expander(
            view.labels[oid], expanded=oid in view.start_open, key=expander_key(oid), on_change="rerun"
        ) as box:
            if not box.open:
                return
            row, kr_table = opened(view, oid)
            _body(row, kr_table, closed, view.kr_titles, unit_name)
            kids = view.children.get(oid, [])
            if kids:
                st.markdown(f"**Aligned to it** ({len(kids)})")
                listing(kids, oid)

    listing(view.roots.get(section, []), section)


def picture(view: Outline, what: str) -> None:
    """The tree as a Graphviz picture, capped at :data:`okrdata.alignment.MAX_PICTURE_NODES`."""
    pic = view.picture
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
            f"{badges.escape_markdown(what)} has {view.size} objectives, too many to draw legibly, so this shows {shown}. "
            "Pick a department or team in the sidebar to draw its whole branch; the outline lists everything.",
            icon=":material/account_tree:",
        )
    if pic.rows.empty:
        return
    st.graphviz_chart(
        view.dot,
        width="content",
        alt=f"Alignment tree of {len(pic.rows)} objectives for {what}; the Outline tab lists them as text.",
    )
    st.caption(
        "Each box is an objective: its title, owner unit and owner, progress bar and percentage, status "
        "in words (with its colour) and pace. Arrows point to the objective each one aligns to. Columns, "
        "left to right: company, departments, teams. Grey dashed boxes are context above the chosen unit; "
        "a dashed box is aligned to nothing."
    )
