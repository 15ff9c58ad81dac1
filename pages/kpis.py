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
(:mod:`ui.kpi_charts`), so a rerun after a click only lays it out.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import kpis as K
from ui import badges, charts, kpi_charts, sidebar, style, tables

# (Comments, not docstrings: Streamlit's "magic" would draw a bare string on the page.)
WINDOW_KEY = "kpi_window_months"
MAX_LISTED = 8  # warnings listed at the top; a large branch has more, in their units' sections
RATIO = [3, 2]  # width of the key results column against the KPIs column
MAX_DRAWN = 3  # units drawn one under another; a branch with more gets a picker, one unit at a time
SECTION_KEY = "kpi_section"
MAX_EMPTY_NAMED = 12  # units without key results or KPIs named at the foot; more are counted
PAIR_ORDER = ["Check", "Key result", "Status", "Progress", "KPI", "Health", "Latest", "Target", "Unit"]
PAIR_COLUMNS = {
    "Check": st.column_config.TextColumn(
        "Check", width=85, help="The key result looks fine while its KPI is in trouble."
    ),
    "Key result": tables.text_column("Key result", 240),
    "Status": tables.KEY_RESULT_COLUMNS["Status"],
    "Progress": tables.PROGRESS,
    "KPI": tables.text_column("KPI", 170),
    "Health": st.column_config.TextColumn("Health", width=90, help="The KPI's latest reading against its target."),
    "Latest": st.column_config.TextColumn("Latest", width=100, help="The KPI's latest reading."),
}


def blank(x: object) -> bool:
    """True for a missing value (None, NaN, NA), which the page leaves out."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):  # a list or other container is not missing
        return False


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

# --- the rows (worked out once per scope and change of the data: ui.kpi_charts.page_view) --
view = kpi_charts.page_view(scope.cycle_id, scope.unit_id, MAX_LISTED)
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
cols = st.columns(6)
cols[0].metric("KPIs", str(counts["kpis"]), help=f"KPIs of {who} and every unit below it.", border=True)
cols[1].metric(
    f"{kpi_charts.HEALTH_ICONS[K.HEALTHY]} Healthy",
    str(counts[K.HEALTHY]),
    help="The latest reading keeps the target and stays clear of the warning threshold.",
    border=True,
)
cols[2].metric(
    f"{kpi_charts.HEALTH_ICONS[K.WARNING]} Warning",
    str(counts[K.WARNING]),
    help="The latest reading keeps the target but has crossed the warning threshold.",
    border=True,
)
cols[3].metric(
    f"{kpi_charts.HEALTH_ICONS[K.BREACHED]} Breached",
    str(counts[K.BREACHED]),
    help="The latest reading misses the target.",
    border=True,
)
cols[4].metric(
    ":material/schedule: Overdue",
    str(counts["overdue"]),
    help="No reading within the KPI's expected frequency plus 3 days' grace, or never read.",
    border=True,
)
cols[5].metric(
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


# --- what one key result and one KPI look like --------------------------------------------
def kr_line(kr: dict) -> str:
    """The key result's latest value against its target, with the unit label, as Markdown."""
    label = kr.get("unit_label") or ""
    kind = kr["kr_type"]
    if kind == "milestone":
        return f"{badges.pct(kr['value'])} done" if not blank(kr["value"]) else "Not started"
    target = (
        f"{kpi_charts.TARGET_WORDS.get(kind, '')} {badges.number(kr['target'], label, markdown=True)}"
        if kind in ("stay_above", "stay_below")
        else f"target {badges.number(kr['target'], label, markdown=True)}"
    )
    if blank(kr["value"]):
        start = (
            f"baseline {badges.number(kr['baseline'], label, markdown=True)} · " if not blank(kr["baseline"]) else ""
        )
        return f"No check-in yet · {start}{target}"
    return f"Now **{badges.number(kr['value'], label, markdown=True)}** · {target}"


def show_kr(kr: dict, detail: bool = True) -> None:
    """A key result: title and status, a progress bar with value against target; with
    ``detail``, its objective, owner and last check-in under it."""
    with st.container(gap="small"):
        st.markdown(f"**{badges.escape(kr['title'])}** &nbsp; {badges.markdown(kr['status'])}")
        progress = float(kr["progress"]) if not blank(kr["progress"]) else 0.0
        st.progress(min(1.0, max(0.0, progress)), text=f"{badges.pct(progress)} · {kr_line(kr)}")
        if not detail:
            return
        who_owns = f" · {badges.escape(kr['owner_name'])}" if not blank(kr.get("owner_name")) else ""
        last = (
            f" · last check-in {badges.day(kr['last_checkin_date'])}" if not blank(kr.get("last_checkin_date")) else ""
        )
        st.caption(f"{badges.escape(kr['objective_title'])}{who_owns}{last}")


def overdue_badge(kpi: dict) -> str:
    if not bool(kpi["overdue"]):
        return ""
    late = K.days_late(kpi["days_since_reading"], kpi["frequency_days"])
    text = "Never read" if late is None else f"Overdue · {badges.days(late)} late"
    return f" :violet-badge[:material/schedule: {text}]"


def show_kpi(kpi: dict, spec: dict | None, note: str = "") -> None:
    # A KPI: name, health and overdue badges, latest reading against target, and its chart
    # (spec, from ui.kpi_charts.chart_specs; None when no reading falls in the window).
    label = kpi.get("unit_label") or ""
    st.markdown(f"**{badges.escape(kpi['name'])}** &nbsp; {kpi_charts.health_badge(kpi['health'])}{overdue_badge(kpi)}")
    warning = (
        f" · warning at {badges.number(kpi['warning'], label, markdown=True)}" if not blank(kpi.get("warning")) else ""
    )
    if blank(kpi["last_value"]):
        latest = "No reading yet"
    else:
        latest = (
            f"Latest **{badges.number(kpi['last_value'], label, markdown=True)}** on "
            f"{badges.day(kpi['last_reading_date'])}"
        )
    st.markdown(f"{latest} · {kpi_charts.target_text(kpi, markdown=True)}{warning}")
    if note:
        st.caption(note)
    if spec is not None:
        charts.show(spec)
    else:
        st.caption(f"No readings in the last {months} months.")


def divergence_text(w: K.Divergence, kr: dict, kpi: dict) -> str:
    label = kpi.get("unit_label") or ""
    state = "has reached its target" if w.kr_state == K.WON else "is on track"
    health = "is breached" if w.kpi_health == K.BREACHED else "is in its warning band"
    return (
        f"**{badges.escape(kr['title'])}** {state}, but the KPI it is measured by, "
        f"**{badges.escape(kpi['name'])}**, {health} at {badges.number(kpi['last_value'], label, markdown=True)} "
        f"({kpi_charts.target_text(kpi, markdown=True)})."
    )


# --- the warnings, all together -----------------------------------------------------------
if pairs["warnings"]:
    with st.container(border=True):
        st.markdown(
            f":orange[:material/warning: **{pairs['warnings']} "
            f"{'key result looks' if pairs['warnings'] == 1 else 'key results look'} fine while "
            f"{'its KPI is' if pairs['warnings'] == 1 else 'their KPIs are'} in trouble**]"
        )
        lines = [f"- {badges.escape(name)}: {divergence_text(w, kr, kpi)}" for name, w, kr, kpi in view.warnings]
        st.markdown("\n".join(lines[:MAX_LISTED]))
        if pairs["warnings"] > MAX_LISTED:
            st.caption(f"And {pairs['warnings'] - MAX_LISTED} more; pick a unit in the sidebar to see its own.")

# --- every linked pair, in one table --------------------------------------------------------
multi = len(view.sections) > MAX_DRAWN
if multi and not view.pair_rows.empty:
    st.subheader("Linked pairs", anchor=False)
    rows = view.pair_rows
    shown_rows = rows.head(tables.ROW_LIMIT)
    if len(rows) > len(shown_rows):
        st.caption(
            f"The first {len(shown_rows):,} of {len(rows):,}, those to check first; "
            "pick a unit in the sidebar to narrow them."
        )
    with style.wide("kpi_pairs"):
        st.dataframe(
            shown_rows,
            hide_index=True,
            width="stretch",
            key="kpi_pairs",
            column_order=tables.order(shown_rows.columns, PAIR_ORDER),
            column_config=PAIR_COLUMNS,
            row_height=tables.WRAP_ROW_HEIGHT,
            height=tables.height(len(shown_rows), 6),
        )
    tables.phone_list(
        "kpi_pairs",
        tables.phone_items(
            shown_rows,
            "Key result",
            ["Check", "Status", "Progress"],
            [("KPI", "KPI"), "Health", ("Latest", "latest"), "Target", "Unit"],
        ),
        len(rows),
        what="linked pairs",
    )

# --- per unit -----------------------------------------------------------------------------
cycle_name = badges.escape_markdown(scope.cycle["name"]) if scope.cycle is not None else "this cycle"


def section_label(section: K.UnitSection) -> str:
    facts = [
        f"{section.kr_count} key result{'s' if section.kr_count != 1 else ''}",
        f"{section.kpi_count} KPI{'s' if section.kpi_count != 1 else ''}",
    ]
    if section.warnings:
        facts.append(f"{len(section.warnings)} to check")
    return f"{section.path} ({', '.join(facts)})"


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
        format_func=lambda i: section_label(sections_by_id[i]),
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
    f"{badges.escape(scope.cycle['name']) if scope.cycle else 'the cycle'} · :blue[—] readings "
    f"(weekly means when there are more than {K.MAX_POINTS})"
)
if scope.cycle is not None and scope.cycle["state"] == "closed":
    st.caption(
        f"{badges.escape_markdown(scope.cycle['name'])} is closed: key results show their final figures, KPIs their latest readings."
    )
limited = kpi_charts.drawn(view, drawn_ids)
specs = kpi_charts.chart_specs(scope.cycle_id, scope.unit_id, MAX_LISTED, months, drawn_ids)

for number, section in enumerate(limited.sections):
    if number:
        st.divider()
    st.subheader(badges.escape(section.name), anchor=f"unit-{section.unit_id}")
    facts = [badges.escape(section.path)]
    if scope.cycle is not None:
        facts.append(f"{section.kr_count} key result{'s' if section.kr_count != 1 else ''} in {cycle_name}")
    facts.append(f"{section.kpi_count} KPI{'s' if section.kpi_count != 1 else ''}")
    if section.warnings:
        facts.append(f"{len(section.warnings)} to check")
    st.caption(" · ".join(facts))

    for pair in section.pairs:
        with st.container(border=True):
            by_id = {int(kr["kr_id"]): kr for kr in pair.krs}
            for w in pair.warnings:
                st.markdown(
                    f":orange[:material/warning: **Check this pair.**] {divergence_text(w, by_id[w.kr_id], pair.kpi)}"
                )
            left, right = st.columns(RATIO, gap="large")
            with left:
                st.caption(":material/link: Key result" + ("s" if len(pair.krs) > 1 else "") + " measured by this KPI")
                for kr in pair.krs:
                    show_kr(kr)
            with right:
                note = f"KPI of {badges.escape(pair.kpi['unit_name'])}" if pair.kpi_elsewhere else ""
                show_kpi(pair.kpi, specs.get(int(pair.kpi["kpi_id"])), note)

    if section.krs or section.kpis or not section.pairs:
        left, right = st.columns(RATIO, gap="large")
        with left:
            if section.krs:
                st.markdown("**Other key results**" if section.pairs else "**Key results**")
                for kr in section.krs:
                    show_kr(kr, detail=False)
            elif not section.pairs:
                st.caption(f"No key results in {cycle_name}." if scope.cycle else "No key results in any cycle yet.")
        with right:
            if section.kpis:
                st.markdown("**Other KPIs**" if section.pairs else "**KPIs**")
                for kpi in section.kpis:
                    elsewhere = section.measured_elsewhere.get(int(kpi["kpi_id"]), [])
                    note = (
                        "Measured by a key result of "
                        + ", ".join(sorted({badges.escape(kr["unit_name"]) for kr in elsewhere}))
                        + " (shown there)."
                        if elsewhere
                        else ""
                    )
                    with st.container(border=True):
                        show_kpi(kpi, specs.get(int(kpi["kpi_id"])), note)
                if section.hidden_kpis:
                    st.caption(f"{section.hidden_kpis} more KPIs not shown; pick this unit in the sidebar.")
            elif not section.pairs:
                st.caption(f"No KPIs for {badges.escape(section.name)} yet: add them in Manage.")

empty = [badges.escape(name) for name in view.empty_units]
if empty:
    st.divider()
    more = f" and {len(empty) - MAX_EMPTY_NAMED:,} more" if len(empty) > MAX_EMPTY_NAMED else ""
    st.caption(f"No key results in {cycle_name} and no KPIs: {', '.join(empty[:MAX_EMPTY_NAMED])}{more}.")
