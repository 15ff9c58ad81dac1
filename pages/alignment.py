"""Alignment: the line of sight from the company's objectives down to the teams'.

For the chosen cycle, the company → department → team tree of objectives, drawn as a picture
(Graphviz) and as an expandable outline with every objective's progress, pace, status, owner
and key results. Choosing a unit in the sidebar shows its branch: its objectives and its
teams', the chain above them up to the company (marked as context) and whatever is aligned
below. Objectives aligned to nothing are listed apart. The tree is built by
:mod:`okrdata.alignment` from the cached readers of :mod:`ui.data`, and made ready to draw once
per view and change of the data (:func:`ui.alignment_view.cached_outline`).
"""

from __future__ import annotations

import streamlit as st

from okrdata import alignment
from ui import alignment_view as view
from ui import badges, empty, lazy, sidebar
from ui.badges import escape_markdown

scope = sidebar.current()
st.title("Alignment")
st.write(
    "The company → department → team tree of objectives: every objective with its progress and "
    "status, under the objective it serves, so anyone can follow how a team's work adds up to the "
    "company's goals."
)
empty.need_cycle(scope)

cycle_name = escape_markdown(scope.cycle["name"])
prepared = view.cached_outline(scope.cycle_id, scope.unit_id)
if prepared.cycle_objectives == 0:
    empty.stop(
        f"No objectives in {cycle_name} yet. Start with the company's two or three objectives, then "
        "add each department's and team's, aligned to the objective above them that they serve.",
        link="Add objectives in Manage",
        query_params=scope.query_params(),
    )

counts = prepared.counts
what = scope.company_name if scope.unit_id is None else scope.unit_name
what_md = escape_markdown(what)
if counts["objectives"] == 0:
    empty.stop(
        f"{what_md} has no objectives in {cycle_name}, nor has any unit below it. Pick another unit or "
        "cycle in the sidebar, or add its objectives in Manage, each aligned to the objective above it "
        "that it serves.",
        link="Add objectives in Manage",
        query_params=scope.query_params(),
    )

closed = scope.cycle["state"] == "closed"

cols = st.columns(4)
cols[0].metric(
    "Objectives",
    counts["objectives"],
    border=True,
    help=f"Objectives of {what_md}" + ("" if scope.unit_id is None else " and of every unit below it") + ".",
)
cols[1].metric(
    "Aligned",
    counts["aligned"],
    border=True,
    help="Objectives with a line of sight up to a company objective (company objectives not counted).",
)
cols[2].metric(
    "Aligned to nothing",
    counts["orphans"],
    border=True,
    help="Department and team objectives that serve no objective above them.",
)
cols[3].metric("Levels", counts["levels"], border=True, help="The longest chain, in objectives, from the top down.")
if counts["context"]:
    st.caption(
        f"Also shown, marked *Context*: {badges.plural(counts['context'], 'objective')} "
        f"of the units above {what_md} that its objectives serve."
    )

aligned_roots = prepared.roots.get(alignment.ALIGNED, [])
orphan_roots = prepared.roots.get(alignment.ORPHAN, [])

# Only the tabs opened on this visit are drawn (ui.lazy): the picture at first.
(tab_picture, picture_shown), (tab_outline, outline_shown) = lazy.tabs(
    [":material/account_tree: Picture", ":material/format_list_bulleted: Outline"], key="alignment_tab"
)
if picture_shown:
    with tab_picture:
        view.picture(prepared, what)
if outline_shown:
    with tab_outline:
        if aligned_roots:
            st.caption(
                (
                    "Company objectives at the top"
                    if scope.unit_id is None
                    else f"The objectives above {what_md} (context) at the top, down to its own"
                )
                + "; open one to see its progress, its key results and the objectives aligned to it, at any depth."
            )
            view.outline(prepared, alignment.ALIGNED, closed=closed, unit_name=what)
        else:
            st.caption(f"None of {what_md}'s objectives is aligned to a company objective yet: see below.")

if orphan_roots:
    st.subheader("Aligned to nothing")
    st.markdown(
        f"{len(orphan_roots)} objective{'s serve' if len(orphan_roots) != 1 else ' serves'} no objective "
        "above {unit}, so nobody can see how {pronoun} the company's goals. For each, ask what company or "
        "department objective it moves, and align it to that objective (or to one of its key results) in "
        "Manage; if it serves none, ask whether it belongs in this cycle at all.".format(
            unit="it" if len(orphan_roots) == 1 else "them",
            pronoun="it helps" if len(orphan_roots) == 1 else "they help",
        )
    )
    view.outline(prepared, alignment.ORPHAN, closed=closed, unit_name=what)
    st.page_link(
        "pages/manage.py", label="Align them in Manage", icon=":material/settings:", query_params=scope.query_params()
    )
