"""The alignment tree: how a cycle's objectives hang together, company → department → team.

Plain functions of the frames :mod:`okrdata.queries` returns (:func:`~okrdata.queries.objectives`,
:func:`~okrdata.queries.units`, :func:`~okrdata.queries.key_results`); they touch no database
and compute no figure of their own: progress, pace and status are the objectives frame's.

- :func:`branch_ids`: what a unit's view holds: the objectives of its branch, the chain above
  them up to the company (context) and whatever is aligned below them.
- :func:`orphans`: objectives of a department or team aligned to nothing (or to an objective
  that is no longer active).
- :func:`alignment_tree`: the view's objectives in outline order, each with its depth in the
  tree, its section (aligned or orphan) and role (branch or context).
- :func:`picture` and :func:`to_dot`: the Graphviz drawing of the tree, capped so that a
  large organisation never sends the browser thousands of nodes.

An objective's parent is its ``parent_objective_id``; when it aligns to a key result, okrdata's
writes store that key result's objective there too, so one column draws the whole tree.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from okrdata import wording
from okrdata.wording import STATUS_LABELS

ALIGNED, ORPHAN = "aligned", "orphan"
"""Sections of the tree: under a company objective (or the context above a unit), or apart."""
BRANCH, CONTEXT = "branch", "context"
"""Roles: in the chosen unit's branch, or above it and shown only as context."""

NO_PARENT = "aligned to nothing"
INACTIVE_PARENT = "aligned to an objective that is no longer active"
LOOP = "its alignment goes round in a loop"
"""Why an objective is an orphan (the ``orphan_reason`` column)."""

MAX_PICTURE_NODES = 60
"""The most objectives drawn in one picture: about the most a reader can follow, and far below
what makes a browser struggle. Bigger views are drawn to the depth that fits."""

TITLE_WIDTH = 30
TITLE_LINES = 3
BAR_WIDTH = 120

TREE_COLUMNS = [
    "depth",
    "tree_parent_id",
    "root_id",
    "section",
    "role",
    "unit_depth",
    "children",
    "descendants",
    "orphan_reason",
]
"""Columns :func:`alignment_tree` adds to the objectives frame."""


def as_id(x: Any) -> int | None:
    """An id from a frame cell: None for a missing value (None, NaN, NA), else an int."""
    if x is None or x is pd.NA:
        return None
    if isinstance(x, float) and math.isnan(x):
        return None
    return int(x)


def _ids(values: Any) -> list[int | None]:
    """:func:`as_id` of every cell of a column, without a Python call per cell for the columns
    SQLite gives (whole numbers, or floating point with NaN for none)."""
    column = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu":
        return column.tolist()
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "f":
        return [None if v != v else int(v) for v in column.tolist()]  # v != v: NaN
    return [as_id(v) for v in column]


def _unit_depths(units: pd.DataFrame) -> dict[int, int]:
    return {int(i): int(d) for i, d in zip(units["id"], units["depth"])} if not units.empty else {}


def _unit_order(units: pd.DataFrame) -> dict[int, int]:
    return {int(i): pos for pos, i in enumerate(units["id"])} if not units.empty else {}


def _parents(objs: pd.DataFrame) -> dict[int, int | None]:
    """Each objective's parent objective id (None when it aligns to nothing)."""
    if objs.empty:
        return {}
    return dict(zip(_ids(objs["objective_id"]), _ids(objs["parent_objective_id"])))


@dataclass(frozen=True)
class Branch:
    """The objectives a unit's view holds, by role."""

    own: frozenset[int]
    """Objectives owned by the unit or a unit below it."""
    context: frozenset[int]
    """Objectives above them (the chain up to the company) that are not in the branch."""
    below: frozenset[int]
    """Objectives aligned below the branch's that are not in it (none when the data is valid)."""

    @property
    def all(self) -> frozenset[int]:
        """Every objective of the view."""
        return self.own | self.context | self.below


def branch_ids(objs: pd.DataFrame, subtree: Iterable[int] | None = None) -> Branch:
    """The objectives a view holds. ``subtree``: the chosen unit and every unit below it
    (:func:`okrdata.queries.subtree_ids`); None for the whole company, which holds them all.

    ``objs`` is the whole cycle (:func:`okrdata.queries.objectives` with no unit), so that the
    chain above the branch can be found.
    """
    parents = _parents(objs)
    if subtree is None:
        return Branch(frozenset(parents), frozenset(), frozenset())
    units = {int(u) for u in subtree}
    own = (
        {int(o) for o, u in zip(objs["objective_id"], objs["unit_id"]) if int(u) in units} if not objs.empty else set()
    )
    children: dict[int, list[int]] = {}
    for oid, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(oid)
    below: set[int] = set()
    stack = list(own)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in own and child not in below:
                below.add(child)
                stack.append(child)
    context: set[int] = set()
    for oid in own | below:
        parent, seen = parents.get(oid), {oid}
        while parent is not None and parent in parents and parent not in seen:
            seen.add(parent)
            if parent not in own and parent not in below:
                context.add(parent)
            parent = parents.get(parent)
    return Branch(frozenset(own), frozenset(context), frozenset(below))


def orphans(objs: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Objectives of a department or team that align to nothing, or to an objective that is no
    longer active (archived, so missing from ``objs``), with an ``orphan_reason``.

    Company objectives align to nothing by nature and are never orphans. Same rule as the OKR
    coach's *unaligned* finding (:func:`okrdata.quality.unaligned`), which also counts a missing
    parent; this one also catches a parent that has been archived since.
    """
    if objs.empty:
        return objs.assign(orphan_reason=pd.Series(dtype=object))
    depths = _unit_depths(units)
    active = set(_parents(objs))
    reasons = []
    for uid, parent in zip(_ids(objs["unit_id"]), _ids(objs["parent_objective_id"])):
        if depths.get(uid, 1) == 0:
            reasons.append(None)  # a company objective
        elif parent is None:
            reasons.append(NO_PARENT)
        elif parent not in active:
            reasons.append(INACTIVE_PARENT)
        else:
            reasons.append(None)
    out = objs.assign(orphan_reason=reasons)
    return out[out["orphan_reason"].notna()].reset_index(drop=True)


def alignment_tree(objs: pd.DataFrame, units: pd.DataFrame, subtree: Iterable[int] | None = None) -> pd.DataFrame:
    """The view's objectives in outline order: each objective followed by those aligned to it.

    ``objs`` is the whole cycle's objectives frame; ``subtree`` the chosen unit's branch (see
    :func:`branch_ids`), None for the whole company. The rows are ``objs``' rows (every figure
    unchanged) plus:

    - ``depth``: 0 for a root, 1 for what aligns to it, and so on (any depth);
    - ``tree_parent_id``: the parent in this view (None for a root); ``root_id``: its root;
    - ``section``: ``aligned`` (under a company objective) or ``orphan`` (under an objective
      of :func:`orphans`); aligned roots come first, then orphan roots;
    - ``role``: ``branch``, or ``context`` for the chain above the chosen unit;
    - ``unit_depth``: the owner unit's depth (0 company, 1 department, 2 team...);
    - ``children`` and ``descendants``: how many objectives align to it, directly and in all;
    - ``orphan_reason``: why a root is an orphan (see :func:`orphans`), else None.

    Siblings follow the unit outline (:func:`okrdata.queries.units` order), then creation.
    """
    if objs.empty:
        return objs.assign(**{c: pd.Series(dtype=object) for c in TREE_COLUMNS})
    branch = branch_ids(objs, subtree)
    view = branch.all
    # The walk needs three columns only; the rows themselves are taken whole, in the walk's
    # order, at the end (an organisation of thousands of objectives: no row is copied one by one).
    objective_ids = _ids(objs["objective_id"])
    position = {o: i for i, o in enumerate(objective_ids) if o in view}
    unit_of = {o: u for o, u in zip(objective_ids, _ids(objs["unit_id"])) if o in position}
    parent_of = {o: p for o, p in zip(objective_ids, _ids(objs["parent_objective_id"])) if o in position}
    depths, order = _unit_depths(units), _unit_order(units)
    lost = orphans(objs, units)
    reasons = dict(zip(lost["objective_id"].astype(int), lost["orphan_reason"]))

    def sort_key(oid: int) -> tuple[int, int]:
        return order.get(unit_of[oid], len(order)), oid

    children: dict[int, list[int]] = {}
    roots: list[int] = []
    for oid in position:
        parent = parent_of[oid]
        if parent is not None and parent in position and parent != oid:
            children.setdefault(parent, []).append(oid)
        else:
            roots.append(oid)
    for kids in children.values():
        kids.sort(key=sort_key)
    aligned_roots = sorted((o for o in roots if o not in reasons), key=sort_key)
    orphan_roots = sorted((o for o in roots if o in reasons), key=sort_key)

    walked: list[tuple] = []  # (objective id, depth, tree parent, root, section, orphan reason)
    seen: set[int] = set()

    def walk(root: int, section: str, reason: str | None) -> None:
        stack = [(root, 0, None)]
        while stack:
            oid, depth, parent = stack.pop()
            if oid in seen:
                continue
            seen.add(oid)
            walked.append((oid, depth, parent, root, section, reason if depth == 0 else None))
            stack.extend((c, depth + 1, oid) for c in reversed(children.get(oid, [])))

    for oid in aligned_roots:
        walk(oid, ALIGNED, None)
    for oid in orphan_roots:
        walk(oid, ORPHAN, reasons[oid])
    # Only a loop in the data (never written by okrdata.writes) leaves objectives unreached.
    for oid in sorted((o for o in position if o not in seen), key=sort_key):
        walk(oid, ORPHAN, LOOP)

    ids = [w[0] for w in walked]
    tree = objs.iloc[[position[oid] for oid in ids]].reset_index(drop=True)
    parents = [w[2] for w in walked]
    direct = {oid: len([c for c in children.get(oid, []) if c in seen]) for oid in ids}
    tree = tree.assign(
        depth=[w[1] for w in walked],
        tree_parent_id=pd.Series(parents, dtype=float) if ids else pd.Series(dtype=object),
        root_id=[w[3] for w in walked],
        section=[w[4] for w in walked],
        role=[CONTEXT if oid in branch.context else BRANCH for oid in ids],
        unit_depth=[depths.get(unit_of[oid], 1) for oid in ids],
        children=[direct[oid] for oid in ids],
        descendants=_descendants(ids, parents),
        orphan_reason=pd.Series([w[5] for w in walked]) if ids else pd.Series(dtype=object),
    )
    return tree[list(objs.columns) + TREE_COLUMNS]


def _descendants(ids: list[int], parents: list[int | None]) -> list[int]:
    """How many rows sit below each row, given rows in outline order and their parents."""
    count = dict.fromkeys(ids, 0)
    parent_of = dict(zip(ids, parents))
    for oid in ids:
        parent, hops = parent_of[oid], 0
        while parent is not None and hops <= len(ids):
            count[parent] += 1
            parent, hops = parent_of.get(parent), hops + 1
    return [count[i] for i in ids]


def subtree_rows(tree: pd.DataFrame, objective_id: int) -> pd.DataFrame:
    """An objective's row and every row aligned below it, in outline order."""
    ids = [int(i) for i in tree["objective_id"]]
    if objective_id not in ids:
        return tree.iloc[0:0]
    start = ids.index(objective_id)
    depth = int(tree["depth"].iloc[start])
    end = start + 1
    while end < len(tree) and int(tree["depth"].iloc[end]) > depth:
        end += 1
    return tree.iloc[start:end]


def summary(tree: pd.DataFrame) -> dict[str, int]:
    """Counts of a view: ``objectives`` (in the branch), ``context``, ``aligned`` (branch
    objectives with a line up to a company objective), ``orphans`` (orphan roots) and ``levels``
    (the deepest chain, in objectives)."""
    if tree.empty:
        return {"objectives": 0, "context": 0, "aligned": 0, "orphans": 0, "levels": 0}
    own = tree[tree["role"] == BRANCH]
    return {
        "objectives": len(own),
        "context": int((tree["role"] == CONTEXT).sum()),
        "aligned": int(((own["section"] == ALIGNED) & (own["depth"] > 0)).sum()),
        "orphans": int(((tree["section"] == ORPHAN) & (tree["depth"] == 0)).sum()),
        "levels": int(tree["depth"].max()) + 1,
    }


# --- the picture -------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """What to draw of a view: ``rows`` (tree rows, with a ``hidden_below`` count each),
    ``left_out`` (objectives of the view not drawn) and ``max_depth`` (the deepest level drawn;
    None when everything is drawn)."""

    rows: pd.DataFrame
    left_out: int
    max_depth: int | None


def picture(tree: pd.DataFrame, max_nodes: int | None = None) -> Picture:
    """The rows of :func:`alignment_tree` to draw: all of them when they are ``max_nodes`` or
    fewer; else the aligned section down to the deepest level that keeps the count within
    ``max_nodes`` (orphans left out), each cut node counting what it hides. Nothing is drawn when
    even the roots are too many. ``max_nodes`` defaults to :data:`MAX_PICTURE_NODES`."""
    max_nodes = MAX_PICTURE_NODES if max_nodes is None else max_nodes
    if len(tree) <= max_nodes:
        return Picture(tree.assign(hidden_below=0), 0, None)
    aligned = tree[tree["section"] == ALIGNED]
    per_level = aligned["depth"].value_counts().sort_index()
    total, max_depth = 0, -1
    for depth, count in per_level.items():
        if total + count > max_nodes:
            break
        total, max_depth = total + count, int(depth)
    if max_depth < 0:
        return Picture(tree.iloc[0:0].assign(hidden_below=pd.Series(dtype=int)), len(tree), -1)
    rows = aligned[aligned["depth"] <= max_depth]
    hidden = [int(d) if depth == max_depth else 0 for depth, d in zip(rows["depth"], rows["descendants"])]
    return Picture(rows.assign(hidden_below=hidden), len(tree) - len(rows), max_depth)


def wrap(text: Any, width: int = TITLE_WIDTH, lines: int = TITLE_LINES) -> list[str]:
    """A title cut into lines of about ``width`` characters, at most ``lines`` of them (the last
    ending in "…" when the title is longer)."""
    parts = textwrap.wrap(str(text), width=width, break_long_words=True) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return parts


def html_text(text: Any) -> str:
    """User text made safe inside a Graphviz HTML-like label: ``& < > " '`` as entities."""
    return html.escape(str(text), quote=False).replace('"', "&quot;").replace("'", "&#39;")


def dot_string(text: Any) -> str:
    """User text as a double-quoted DOT string (backslashes and quotes escaped, no newlines)."""
    clean = " ".join(str(text).split())
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


NEUTRAL = "#8a8f98"
DEFAULT_COLOURS = {status: NEUTRAL for status in STATUS_LABELS}
FONT = "Helvetica,Arial,sans-serif"


def _bar(progress: float, colour: str) -> str:
    filled = round(max(0.0, min(1.0, float(progress))) * BAR_WIDTH)
    cells = []
    if filled > 0:
        cells.append(f'<TD WIDTH="{filled}" HEIGHT="7" FIXEDSIZE="TRUE" BGCOLOR="{colour}"></TD>')
    if filled < BAR_WIDTH:
        cells.append(f'<TD WIDTH="{BAR_WIDTH - filled}" HEIGHT="7" FIXEDSIZE="TRUE" BGCOLOR="#e3e5e8"></TD>')
    return '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>' + "".join(cells) + "</TR></TABLE>"


def _label(r: Mapping[str, Any], colour: str, note: str | None) -> str:
    title = "<BR/>".join(html_text(line) for line in wrap(r["title"]))
    owner = r.get("owner_name")
    who = html_text(r["unit_name"]) + (f" · {html_text(owner)}" if owner and not pd.isna(owner) else "")
    status = html_text(STATUS_LABELS.get(r["status"], str(r["status"])))
    rows = [
        f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><B>{title}</B></TD></TR>',
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="#4a4f57">{who}</FONT></TD></TR>',
        '<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>'
        f"<TD>{_bar(r['progress'], colour)}</TD>"
        f'<TD ALIGN="LEFT"> <B>{wording.pct(r["progress"])}</B>  <FONT COLOR="{colour}">●</FONT> {status}'
        f'<FONT POINT-SIZE="10" COLOR="#4a4f57"> · {html_text(wording.pace(r["progress"], r["expected"]))}</FONT></TD>'
        "</TR></TABLE></TD></TR>",
    ]
    if note:
        rows.append(
            f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="#4a4f57"><I>{html_text(note)}</I></FONT></TD></TR>'
        )
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def to_dot(
    rows: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    kr_titles: Mapping[int, str] | None = None,
) -> str:
    """The Graphviz DOT text of a tree (rows of :func:`alignment_tree` or :attr:`Picture.rows`).

    One node per objective: its title (wrapped, HTML escaped), owner unit and owner, a progress
    bar with the percentage, and the status in words beside a disc of its colour (``colours``,
    status → hex; grey when not given), so colour never carries the status alone. Context
    nodes are grey and dashed; orphan roots dashed and labelled so. One edge per aligned pair,
    drawn from parent to child with the arrowhead at the parent (the child *aligns to* it) and,
    when the child aligns to a key result, labelled with that key result's title
    (``kr_titles``, key result id → title). Units of one depth share a column, left to right:
    company, departments, teams; top to bottom, the objectives keep the outline's order.
    """
    colours = {**DEFAULT_COLOURS, **(colours or {})}
    kr_titles = kr_titles or {}
    lines = [
        "digraph alignment {",
        f'  graph [rankdir=LR, nodesep=0.18, ranksep=0.55, fontname="{FONT}", bgcolor="white", '
        "pad=0.2, newrank=true, ordering=out];",
        f'  node [shape=box, style="rounded,filled", fillcolor="white", fontname="{FONT}", fontsize=12, '
        'margin="0.12,0.06", penwidth=2];',
        f'  edge [color="#9aa0a6", arrowsize=0.7, dir=back, fontname="{FONT}", fontsize=9, fontcolor="#4a4f57"];',
    ]
    if rows.empty:
        lines.append("}")
        return "\n".join(lines)
    records = rows.to_dict("records")
    drawn = {int(r["objective_id"]) for r in records}
    by_depth: dict[int, list[int]] = {}
    for r in records:
        oid = int(r["objective_id"])
        colour = colours.get(r["status"], NEUTRAL)
        notes = []
        if r.get("role") == CONTEXT:
            notes.append("Context: above the chosen unit")
        if r.get("depth") == 0 and r.get("section") == ORPHAN:
            notes.append(str(r.get("orphan_reason") or NO_PARENT).capitalize())
        hidden = int(r.get("hidden_below") or 0)
        if hidden:
            notes.append(f"+{hidden} aligned below, not drawn")
        attrs = [f"label={_label(r, colour, ' · '.join(notes) or None)}", f'color="{colour}"']
        style = ["rounded", "filled"]
        if r.get("role") == CONTEXT:
            attrs.append('fillcolor="#f1f2f4"')
            style.append("dashed")
        elif r.get("depth") == 0 and r.get("section") == ORPHAN:
            style.append("dashed")
        attrs.append(f'style="{",".join(style)}"')
        tooltip = (
            f"{r['title']} — {r['unit_name']}; progress {wording.pct(r['progress'])}, pace {wording.pace(r['progress'], r['expected'])}, "
            f"{STATUS_LABELS.get(r['status'], r['status'])}"
        )
        attrs.append(f"tooltip={dot_string(tooltip)}")
        lines.append(f"  o{oid} [{', '.join(attrs)}];")
        by_depth.setdefault(int(r.get("unit_depth") or 0), []).append(oid)
    for r in records:
        parent = as_id(r.get("tree_parent_id"))
        if parent is None or parent not in drawn:
            continue
        attrs = []
        kr = as_id(r.get("parent_kr_id"))
        if kr is not None:
            title = kr_titles.get(kr, f"key result {kr}")
            attrs.append(f"label={dot_string('via KR: ' + ' '.join(wrap(title, 28, 1)))}")
            attrs.append('style="dashed"')
        attrs.append(f"tooltip={dot_string(str(r['title']) + ' aligns to ' + str(r.get('parent_title') or ''))}")
        lines.append(f"  o{parent} -> o{int(r['objective_id'])} [{', '.join(attrs)}];")
    for depth in sorted(by_depth):
        lines.append("  { rank=same; " + " ".join(f"o{o};" for o in by_depth[depth]) + " }")
    # With ordering=out each node's children keep the outline's order; an invisible chain
    # through the roots does the same for the roots, top to bottom.
    roots = [f"o{int(r['objective_id'])}" for r in records if as_id(r.get("tree_parent_id")) not in drawn]
    if len(roots) > 1:
        lines.append("  " + " -> ".join(roots) + " [style=invis];")
    lines.append("}")
    return "\n".join(lines)
