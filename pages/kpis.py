"""KRs vs KPIs: per unit, key results (change) beside KPIs (health), linked pairs first.

A key result measured by a KPI sits next to it as a linked pair; a pair whose key result is won
or on track while the KPI is in warning or breached is flagged. The page reads from the top:
the counts, the pairs to check, a table of every linked pair, then the units one at a time
(a picker, when the branch has more than :data:`MAX_DRAWN` units with key results or KPIs),
so a company of any size stays a few screens long. In a unit, KPIs show a small chart of their
readings over the chosen window with the target and the warning band, their health and
whether a reading is overdue. The pairing, the warnings, the counts and the thinned chart
series come from :mod:`okrdata.kpis`; the rows from :mod:`okrdata.queries` through
:mod:`ui.data`. All of it, charts included, is worked out once per scope and change of the data
(:mod:`ui.kpi_data`), so a rerun after a click only lays it out; a key result, a KPI and a unit's
section look as :mod:`ui.kpi_cards` draws them.
"""

from __future__ import annotations

import streamlit as st

from okrdata import kpis as K
from ui import badges, kpi_cards, kpi_charts, kpi_data, sidebar, style

# (Comments, not docstrings: Streamlit's "magic" would draw a bare string on the page.)
WINDOW_KEY = "kpi_window_months"
MAX_LISTED = 8  # warnings listed at the top; a large branch has more, in their units' sections
MAX_DRAWN = 3  # units drawn one under another; a branch with more gets a picker, one unit at a time
SECTION_KEY = "kpi_section"
MAX_EMPTY_NAMED = 12  # units without key results or KPIs named at the foot; more are counted

scope = sidebar.current()
st.title("KRs vs KPIs")
st.caption(
    "Key results change something within one cycle; KPIs watch the health of what already runs. "
    "Where a key result is measured by a KPI, the two stand side by side, so a key result that looks "
    "won while its KPI slides stands out."
)
sidebar.scope_caption(scope)
who = badges.escape_markdown(scope.company_name if scope.unit_id is None else scope.unit_name)
manage_params = scope.query_params()

# --- the rows (worked out once per scope and change of the data: ui.kpi_data.page_view) ----
view = kpi_data.page_view(scope.cycle_id, scope.unit_id, MAX_LISTED)
counts, pairs = view.counts, view.pairs

if counts["kpis"] == 0 and pairs["pairs"] == 0:
    st.info(
        f"{who} has no KPIs yet, nor has any unit below it. KPIs watch the health of running "
        "operations (uptime, churn, NPS) beside the key results that change them: add them in "
        "Manage, and link a key result to the KPI it moves.",
        icon=":material/monitor_heart:",
    )
    st.page_link("pages/manage.py", label="Add KPIs in Manage", icon=":material/settings:", query_params=manage_params)
    st.stop()

# --- summary ------------------------------------------------------------------------------
headline = style.row("kpi_headline")
headline.metric("KPIs", str(counts["kpis"]), help=f"KPIs of {who} and every unit below it.", border=True)
headline.metric(
    f"{kpi_charts.HEALTH_ICONS[K.HEALTHY]} Healthy",
    str(counts[K.HEALTHY]),
    help="The latest reading keeps the target and stays clear of the warning threshold.",
    border=True,
)
headline.metric(
    f"{kpi_charts.HEALTH_ICONS[K.WARNING]} Warning",
    str(counts[K.WARNING]),
    help="The latest reading keeps the target but has crossed the warning threshold.",
    border=True,
)
headline.metric(
    f"{kpi_charts.HEALTH_ICONS[K.BREACHED]} Breached",
    str(counts[K.BREACHED]),
    help="The latest reading misses the target.",
    border=True,
)
headline.metric(
    ":material/schedule: Overdue",
    str(counts["overdue"]),
    help="No reading within the KPI's expected frequency plus 3 days' grace, or never read.",
    border=True,
)
headline.metric(
    ":material/link: Linked pairs",
    str(pairs["pairs"]),
    help="A KPI with the key results of this cycle it measures, counted once per unit whose key results it measures.",
    border=True,
)
notes = []
if pairs["linked_krs"]:
    cycle_words = badges.escape_markdown(scope.cycle["name"]) if scope.cycle else "this cycle"
    krs_word = "key result" if pairs["linked_krs"] == 1 else "key results"
    pairs_word = "linked pair" if pairs["pairs"] == 1 else "linked pairs"
    notes.append(
        f"{pairs['linked_krs']} {krs_word} of {cycle_words} measured by a KPI, in {pairs['pairs']} {pairs_word}"
        + (" (a KPI can measure more than one key result)" if pairs["linked_krs"] > pairs["pairs"] else "")
    )
if counts[K.NO_DATA]:
    notes.append(f"{counts[K.NO_DATA]} KPI{'s' if counts[K.NO_DATA] != 1 else ''} without any reading yet")
if notes:
    st.caption(" · ".join(notes) + ".")

# --- the warnings, all together -----------------------------------------------------------
if pairs["warnings"]:
    with st.container(border=True):
        st.markdown(
            f":orange[:material/warning: **{pairs['warnings']} "
            f"{'key result looks' if pairs['warnings'] == 1 else 'key results look'} fine while "
            f"{'its KPI is' if pairs['warnings'] == 1 else 'their KPIs are'} in trouble**]"
        )
        lines = [
            f"- {badges.escape_markdown(name)}: {kpi_cards.divergence_text(w, kr, kpi)}"
            for name, w, kr, kpi in view.warnings
        ]
        st.markdown("\n".join(lines[:MAX_LISTED]))
        if pairs["warnings"] > MAX_LISTED:
            st.caption(f"And {pairs['warnings'] - MAX_LISTED} more; pick a unit in the sidebar to see its own.")

# --- every linked pair, in one table --------------------------------------------------------
multi = len(view.sections) > MAX_DRAWN
if multi and not view.pair_rows.empty:
    st.subheader("Linked pairs", anchor=False)
    kpi_cards.pairs_table(view.pair_rows, kpi_data.pair_list(scope.cycle_id, scope.unit_id, MAX_LISTED))

# --- per unit -----------------------------------------------------------------------------
cycle_name = badges.escape_markdown(scope.cycle["name"]) if scope.cycle is not None else "this cycle"
st.divider()
pick, control = st.columns([3, 2], vertical_alignment="bottom")
if multi:
    sections_by_id = {s.unit_id: s for s in view.sections}
    first = next((s.unit_id for s in view.sections if s.warnings), view.sections[0].unit_id)
    if st.session_state.get(SECTION_KEY) not in sections_by_id:
        st.session_state[SECTION_KEY] = first  # a new scope: its first unit to check
    chosen = pick.selectbox(
        "Unit to show",
        options=list(sections_by_id),
        key=SECTION_KEY,
        format_func=lambda i: kpi_cards.section_label(sections_by_id[i]),
        help=f"{len(view.sections)} units of this branch have key results or KPIs: one at a time keeps the page "
        "short. Pick a unit in the sidebar to see a branch of a few units together.",
    )
    drawn_ids: tuple[int, ...] = (int(chosen),)
else:
    drawn_ids = tuple(s.unit_id for s in view.sections)
with control:
    months = st.segmented_control(
        "KPI charts show",
        options=list(K.WINDOW_MONTHS),
        default=K.DEFAULT_WINDOW_MONTHS,
        format_func=lambda m: f"Last {m} months",
        required=True,
        key=WINDOW_KEY,
    )
months = months if months in K.WINDOW_MONTHS else K.DEFAULT_WINDOW_MONTHS
st.caption(
    f"In the charts: :red[- - -] target · :orange[■] warning band · :gray[■] "
    f"{badges.escape_markdown(scope.cycle['name']) if scope.cycle else 'the cycle'} · :blue[—] readings "
    f"(weekly means when there are more than {K.MAX_POINTS})"
)
if scope.cycle is not None and scope.cycle["state"] == "closed":
    st.caption(
        f"{badges.escape_markdown(scope.cycle['name'])} is closed: key results show their final figures, KPIs their latest readings."
    )
limited = kpi_data.drawn(view, drawn_ids)
specs = kpi_data.chart_specs(kpi_data.kpi_ids(limited), months, scope.cycle_id)

for number, section in enumerate(limited.sections):
    if number:
        st.divider()
    kpi_cards.show_section(section, specs, months, cycle_name if scope.cycle is not None else None)

empty = [badges.escape_markdown(name) for name in view.empty_units]
if empty:
    st.divider()
    more = f" and {len(empty) - MAX_EMPTY_NAMED:,} more" if len(empty) > MAX_EMPTY_NAMED else ""
    st.caption(f"No key results in {cycle_name} and no KPIs: {', '.join(empty[:MAX_EMPTY_NAMED])}{more}.")
