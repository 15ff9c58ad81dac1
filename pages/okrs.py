"""All OKRs: every objective and key result of the organisation, searchable and filterable.

For now the objectives of the chosen cycle and unit with a title search, and one objective's
key results when the link says ``?objective=ID``; filters and each objective's own page come
next.
"""

from __future__ import annotations

import streamlit as st

from ui import badges, data, sidebar, tables

scope = sidebar.current()
st.title("All OKRs")
st.write("Every objective and key result of the organisation, open to everyone.")
if scope.cycle_id is None:
    st.info("There are no cycles yet. Run `okr demo` or create a cycle in Manage.", icon=":material/event_busy:")
    st.stop()
sidebar.scope_caption(scope)

# One objective, deep-linked as ?objective=ID (looked up in the chosen cycle, then in the others).
raw = st.query_params.get("objective")
if raw is not None:
    wanted = int(raw) if str(raw).strip().isdigit() else None
    found = None
    cycle_ids = [scope.cycle_id] + [int(i) for i in data.cycles()["id"] if int(i) != scope.cycle_id]
    for cid in cycle_ids if wanted is not None else []:
        objs_c = data.objectives(cid)
        hit = objs_c[objs_c["objective_id"] == wanted]
        if not hit.empty:
            found = (cid, hit.iloc[0])
            break
    if found is None:
        st.warning(f"The link asks for objective `{str(raw)[:40]}`, which does not exist.", icon=":material/link_off:")
    else:
        cid, obj = found
        with st.container(border=True):
            st.subheader(str(obj["title"]))
            st.markdown(
                f"{badges.markdown(obj['status'])} · {badges.escape(obj['unit_name'])} · "
                f"progress {badges.pct(obj['progress'])} ({badges.pace(obj['pace'])}) · "
                f"{badges.escape(obj['kind'])}"
            )
            if obj["description"]:
                st.write(obj["description"])
            krs = data.key_results(cid)
            tables.show_key_results(krs[krs["objective_id"] == obj["objective_id"]], key="okrs_objective_krs")

objs = data.objectives(scope.cycle_id, scope.unit_id)
if objs.empty:
    st.info("No objectives in this cycle for this unit yet.", icon=":material/inbox:")
    st.stop()
search = st.text_input("Search objectives", placeholder="Words from a title, a unit or an owner", key="okrs_search")
shown = objs
if search.strip():
    needle = search.strip().lower()
    text = (objs["title"].astype(str) + " " + objs["unit_name"].astype(str) + " "
            + objs["owner_name"].fillna("").astype(str)).str.lower()
    shown = objs[text.str.contains(needle, regex=False)]
st.caption(f"{len(shown)} of {len(objs)} objectives")
tables.show_objectives(shown, key="okrs_objectives")
