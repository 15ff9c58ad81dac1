"""All OKRs: every objective and key result of the organisation, searchable and filterable, and
each objective's own page at ``?objective=ID``.

The list shows one row per key result with its objective, for the sidebar's cycle or for all
cycles, narrowed by a text search (objective titles and whys, key result titles, check-in
notes), the sidebar's unit (its whole branch), an owner, statuses, kinds and key result types;
the table draws the first :data:`ui.tables.ROW_LIMIT` of them and says so when there are
more, and the CSV download holds every matching row (:func:`okrdata.search.export_csv`), built
when the button is clicked. The rows and the table are cached for the choices made
(:func:`ui.okr_list.listing`), so a rerun after a click is quick. Selecting a row, or
following a link, opens the objective's page (:func:`ui.okr_detail.draw_detail`); a link to
an objective that does not exist warns and shows the list.
"""

from __future__ import annotations

import functools

import streamlit as st

from okrdata import search, transfer
from okrdata.numbers import STATUSES
from ui import badges, data, empty, okr_detail, okr_list, sidebar, style, tables
from ui.badges import escape_markdown
from ui.okr_list import ALL_CYCLES_KEY, KIND_KEY, OWNER_KEY, SEARCH_KEY, STATUS_KEY, TYPE_KEY


def _either(choices: list[str | None]) -> str:
    """``"a, b or c"`` from the choices given (None left out)."""
    given = [c for c in choices if c] or ["change the filters"]
    return given[0] if len(given) == 1 else ", ".join(given[:-1]) + " or " + given[-1]


scope = sidebar.current()
# A link from this page to itself (an objective's, the way back to the list) reruns it with the
# link's parameters but leaves the address bar as it was; saying the parameters again makes
# the address a link to what is on screen, so it can be shared.
st.query_params.update()
st.title("All OKRs")
if scope.cycle_id is None:
    empty.stop(empty.NO_CYCLES, icon=":material/event_busy:")

# --- one objective, deep-linked as ?objective=ID ------------------------------------------
raw = st.query_params.get("objective")
if raw is not None:
    found = okr_detail.objective(raw)
    if found is not None:
        okr_detail.draw_detail(found, scope)
        st.stop()
    st.warning(
        f"The link asks for objective {escape_markdown(str(raw)[:40]) or '(empty)'}, which does not exist "
        "(or was archived); here is the list of every objective instead.",
        icon=":material/link_off:",
    )
    # The warning goes with the bad link: the next rerun is clean.
    del st.query_params["objective"]

# --- the list -----------------------------------------------------------------------------
st.caption(
    "Every objective and key result of the organisation, open to everyone. Select a row to open its objective's page."
)

top = st.columns([4, 2, 2], vertical_alignment="bottom")
text = top[0].text_input(
    "Search",
    key=SEARCH_KEY,
    placeholder="Words from objectives, their why, key results or check-in notes",
    icon=":material/search:",
    persist_state="session",
    help="Every word must occur somewhere: in the objective's title or why, the key result's title, "
    "or any of its check-in notes. Case does not matter; % _ and quotes are plain characters.",
)
second = st.columns([5, 3, 2], vertical_alignment="bottom")
all_cycles = second[2].toggle(
    "All cycles",
    key=ALL_CYCLES_KEY,
    persist_state="session",
    help="List every cycle, not only the one chosen in the sidebar.",
)

cycles = data.cycles()
cycle_ids = [int(i) for i in cycles["id"]] if all_cycles else [scope.cycle_id]
every = okr_list.totals(cycle_ids)
owners = every.owners
if st.session_state.get(OWNER_KEY) not in (None, *owners):
    st.session_state[OWNER_KEY] = None  # that person owns nothing in these cycles

owner_id = top[1].selectbox(
    "Owner",
    options=[None, *owners],
    key=OWNER_KEY,
    format_func=lambda i: "Anyone" if i is None else owners.get(i, str(i)),
    persist_state="session",
    help="Key results this person owns, and every key result of the objectives they own.",
)
kr_types = top[2].multiselect(
    "Key result type",
    options=list(search.KR_TYPE_LABELS),
    key=TYPE_KEY,
    format_func=lambda t: search.KR_TYPE_LABELS[t],
    placeholder="Any type",
    persist_state="session",
)
statuses = second[0].pills(
    "Status",
    options=list(reversed(STATUSES)),
    selection_mode="multi",
    key=STATUS_KEY,
    format_func=lambda s: f"{badges.icon(s)} {badges.label(s)}",
    persist_state="session",
    help="Key results with any of these statuses (none chosen: all).",
)
kinds = second[1].segmented_control(
    "Kind",
    options=list(search.KIND_LABELS),
    selection_mode="multi",
    key=KIND_KEY,
    format_func=lambda k: search.KIND_LABELS[k],
    persist_state="session",
    help="Committed OKRs are expected to reach 1.0; aspirational ones about 0.7.",
)

filters = search.Filters(
    text=text or "",
    unit_id=scope.unit_id,
    owner_id=owner_id,
    statuses=tuple(statuses or ()),
    kinds=tuple(kinds or ()),
    kr_types=tuple(kr_types or ()),
)
listing = okr_list.listing(cycle_ids, filters, None if all_cycles else cycle_ids, all_cycles, scope)
shown = listing.rows
total, visible = every.counts, listing.counts

where = "all cycles" if all_cycles else scope.cycle["name"]
narrowed = []
if filters.words:
    narrowed.append("the words " + ", ".join(f"“{escape_markdown(w)}”" for w in filters.words))
if scope.unit_id is not None:
    narrowed.append(f"unit {escape_markdown(scope.unit_name)} (sidebar)")
if owner_id is not None:
    narrowed.append(f"owner {escape_markdown(owners.get(owner_id, owner_id))}")
if filters.statuses:
    narrowed.append("status " + " or ".join(badges.label(s) for s in filters.statuses))
if filters.kinds:
    narrowed.append(" or ".join(search.KIND_LABELS[k] for k in filters.kinds).lower())
if filters.kr_types:
    narrowed.append("type " + " or ".join(search.KR_TYPE_LABELS[t] for t in filters.kr_types))

if shown.empty:
    if total["objectives"] == 0:
        st.info(
            f"There are no objectives in {escape_markdown(where)} yet. Add them in Manage, or turn on All cycles.",
            icon=":material/inbox:",
        )
    else:
        has_filter = owner_id is not None or filters.statuses or filters.kinds or filters.kr_types
        advice = [
            "use fewer or other words" if filters.words else None,
            "remove a filter (owner, status, kind or type)" if has_filter else None,
            "pick a wider unit in the sidebar" if scope.unit_id is not None else None,
            "turn on All cycles" if not all_cycles else None,
        ]
        elsewhere = ""
        if filters.words and not all_cycles:
            branch = data.subtree_ids(scope.unit_id) if scope.unit_id is not None else None
            other = okr_list.matches(filters.text, None, branch)
            if not other.empty:
                n_other = len(other)
                elsewhere = (
                    f" The words occur in {badges.plural(n_other, 'key result')} of other cycles: turn on All cycles."
                )
        st.info(
            f"No key result in {escape_markdown(where)} matches {'; '.join(narrowed)}. "
            f"To see more, {_either(advice)}.{elsewhere}",
            icon=":material/search_off:",
        )
    st.stop()

st.markdown(
    f"**{visible['key_results']} of {total['key_results']}** key results shown "
    f"({visible['objectives']} of {total['objectives']} objectives) · {escape_markdown(where)}"
    + (f" · {'; '.join(narrowed)}" if narrowed else "")
)
if len(shown) > len(listing.display):
    st.caption(
        f":material/filter_list: The table shows the first {len(listing.display):,} of these {len(shown):,} rows: "
        "narrow them with the search, the filters or a unit in the sidebar. The CSV download holds all "
        f"{len(shown):,}."
    )
with style.wide("okrs_table"):
    picked = okr_list.show_table(listing, scope)
tables.phone_list(
    "okrs_table",
    tables.phone_items(
        listing.display,
        "Key result",
        ["Status", "Progress", "Pace", "Confidence"],
        ["Objective", "Unit", "Cycle"],
        link="Page",
    ),
    len(shown),
    what="key results",
)
if picked is not None:
    st.query_params.update(picked)
    st.rerun()

slug = transfer.file_slug("all cycles" if all_cycles else scope.cycle["name"], "cycle")
st.download_button(
    "Download these rows as CSV",
    # Built when the button is clicked, not at every rerun: a large organisation's CSV takes a while.
    data=functools.partial(search.export_csv, shown, with_cycle=all_cycles, with_matches=bool(filters.words)),
    file_name=f"okrs-{slug}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
    key="okrs_download",
    help="Every row that matches, with plain numbers (progress and pace as fractions 0–1), IDs, owners and baselines.",
)
