"""Alignment: the line of sight from company objectives down to the teams' objectives.

For now an outline of the cycle's objectives, each under the objective it aligns to, with its
status, progress and pace; team objectives aligned to nothing are listed apart. The drill-down
tree comes next.
"""

from __future__ import annotations

import streamlit as st

from ui import badges, data, sidebar

scope = sidebar.current()
st.title("Alignment")
st.write(
    "The company → department → team tree of objectives: every node with its progress and "
    "status, so anyone can follow how a team's work serves the company's goals."
)
if scope.cycle_id is None:
    st.info("There are no cycles yet. Run `okr demo` or create a cycle in Manage.", icon=":material/event_busy:")
    st.stop()
sidebar.scope_caption(scope)

objs = data.objectives(scope.cycle_id, scope.unit_id)
if objs.empty:
    st.info("No objectives in this cycle for this unit yet.", icon=":material/inbox:")
    st.stop()

tree = data.units()
depth = dict(zip(tree["id"].astype(int), tree["depth"].astype(int)))
rows = {int(r["objective_id"]): r for r in objs.to_dict("records")}
children: dict[int, list[int]] = {}
roots, outside, orphans = [], [], []
for oid, r in rows.items():
    parent = r["parent_objective_id"]
    if parent is not None and parent == parent and int(parent) in rows:
        children.setdefault(int(parent), []).append(oid)
    elif parent is not None and parent == parent:
        outside.append(oid)  # aligned to an objective above the chosen unit
    elif depth.get(int(r["unit_id"]), 0) == 0:
        roots.append(oid)
    else:
        orphans.append(oid)


def line(oid: int, level: int, note: str = "") -> str:
    r = rows[oid]
    return (
        f"{'    ' * level}- {badges.markdown(r['status'])} **{badges.escape(r['title'])}** "
        f"— {badges.escape(r['unit_name'])} · {badges.pct(r['progress'])} "
        f"({badges.pace(r['pace'])}){note}"
    )


def outline(start: list[int]) -> str:
    lines, seen = [], set()
    stack = [(oid, 0) for oid in reversed(start)]
    while stack:
        oid, level = stack.pop()
        if oid in seen:
            continue
        seen.add(oid)
        note = ""
        if level == 0 and oid in outside:
            note = f" ← aligned to *{badges.escape(rows[oid]['parent_title'])}*"
        lines.append(line(oid, level, note))
        stack.extend((c, level + 1) for c in reversed(children.get(oid, [])))
    return "\n".join(lines)


if roots or outside:
    st.subheader("Aligned objectives")
    st.markdown(outline(roots + outside))
if orphans:
    st.subheader("Aligned to nothing")
    st.caption("Team and department objectives with no parent objective: what company goal do they serve?")
    st.markdown(outline(orphans))
