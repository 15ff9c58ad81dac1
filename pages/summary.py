"""Executive summary: one cycle and one unit's branch, to hand on to an executive committee.

Headline progress against the expected pace and the days left, each objective with its status
and score (closed cycle) or forecast (active cycle), the top risks, learnings from the check-in
notes (and the reflections written at close), and KPI health; downloadable as one
self-contained HTML file and as a PDF. Everything shown and downloaded is one
:class:`okrdata.report.Report`, built by :func:`okrdata.report.from_frames` from the cached
readers of :mod:`ui.data` (the report, its charts and its objectives' table are the readers of
:mod:`ui.summary_data`); the files are made only when a download button is pressed.
"""

from __future__ import annotations

import streamlit as st

from okrdata import report, wording
from okrdata.kpis import BREACHED, HEALTHY, NO_DATA, WARNING
from ui import badges, charts, data, empty, kpi_charts, sidebar, style, summary_data, tables
from ui.badges import escape_markdown

# The tables' columns (by name, or name and unit: "Progress (%)"): what it is and how it is
# going first, whole at 1440 px beside the sidebar; who and what kind after.
OBJECTIVE_ORDER = ["#", "Objective", "Status", "Progress", "Pace", "Forecast at end", "Score", "Unit", "Owner", "Kind"]
RISK_ORDER = ["Key result", "Status", "Progress", "Pace", "Why it needs attention", "Objective", "Unit", "Owner"]
COLUMNS = {
    "#": st.column_config.NumberColumn(width=40),
    "Objective": tables.text_column(None),
    "Key result": tables.text_column(None),
    "KPI": tables.text_column(None, 200),
    "Status": tables.STATUS,
    "Progress": st.column_config.TextColumn(width=90),
    "Pace": st.column_config.TextColumn(width=80),
    "Why it needs attention": tables.text_column(None, 270),
}

scope = sidebar.current()
st.title("Executive summary")

empty.need_cycle(scope, link=False)
headline = data.cycle_summary(scope.cycle_id, scope.unit_id)
summary = summary_data.summary_report(scope.cycle_id, scope.unit_id)

# --- the downloads ------------------------------------------------------------------------
# The files are made when a button is pressed (a callable as ``data``), not on every rerun.
st.write(
    "One page per cycle and unit to hand on: pick them in the sidebar, then download it as a "
    "self-contained web page (opens in any browser, prints on A4) or as a PDF."
)
left, right, _ = st.columns([1, 1, 2])
left.download_button(
    "Download HTML",
    data=lambda: report.to_html(summary).encode("utf-8"),
    file_name=summary.file_name("html"),
    mime="text/html",
    icon=":material/download:",
    on_click="ignore",
    key="summary_html",
    width="stretch",
)
right.download_button(
    "Download PDF",
    data=lambda: report.to_pdf(summary),
    file_name=summary.file_name("pdf"),
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    on_click="ignore",
    key="summary_pdf",
    width="stretch",
)

# --- headline -----------------------------------------------------------------------------
st.header(f"{escape_markdown(summary.scope)}: {escape_markdown(summary.cycle['name'])}", anchor=False)
st.caption(
    f"{summary.period} · {escape_markdown(summary.scope_note)} · prepared {badges.day(summary.today)} · "
    f"figures as of {badges.day(headline['as_of'])}"
)
st.markdown(f"**{escape_markdown(report.headline_sentence(summary))}**")
figures = report.headline_figures(summary)
for row in (figures[:3], figures[3:]):
    for col, (label, value, note) in zip(st.columns(3), row):
        col.metric(label, value, help=note, border=True)
st.caption(
    f"Objectives: {wording.status_line(headline['objective_status_counts'])}. "
    f"Key results: {wording.status_line(headline['status_counts'])}."
)
chart_set = summary_data.summary_charts(scope.cycle_id, scope.unit_id)
if "objectives" in chart_set:
    charts.show(chart_set["objectives"])
small = [name for name in ("statuses", "kpis") if name in chart_set]
if small:
    for col, name in zip(st.columns(2), small):
        with col:
            charts.show(chart_set[name])

# --- objectives ---------------------------------------------------------------------------
st.subheader("Objectives", anchor=False)
if summary.objectives.empty:
    st.info(
        f"{escape_markdown(summary.scope)} has no objectives in {escape_markdown(summary.cycle['name'])}. "
        "Pick another unit or cycle in the sidebar.",
        icon=":material/inbox:",
    )
else:
    shown = summary_data.objectives_table(scope.cycle_id, scope.unit_id)
    tables.show_table(
        "summary_objectives",
        shown,
        OBJECTIVE_ORDER,
        tables.configure(shown.column_names, COLUMNS),
        tables.phone_items(
            shown,
            "Objective",
            ["Status", "Progress", "Pace", ("Forecast", "forecast"), ("Score", "score")],
            ["Unit", "Owner"],
        ),
        what="objectives",
    )
    st.caption(report.outcome_explanation(summary))
    for note in summary.notes:
        st.caption(note)
    if not summary.goalposts.empty:
        st.markdown("**Goalposts moved**")
        st.caption(report.goalposts_summary(summary))
        st.dataframe(report.goalposts_table(summary), hide_index=True, width="stretch", key="summary_goalposts")

# --- risks --------------------------------------------------------------------------------
st.subheader("Top risks", anchor=False)
st.caption(report.risk_summary(summary))
if not summary.risks.empty:
    table = report.risks_table(summary)
    table["Status"] = [badges.cell(s) for s in summary.risks["status"]]
    tables.show_table(
        "summary_risks",
        table,
        RISK_ORDER,
        tables.configure(table.columns, COLUMNS),
        tables.phone_items(
            table, "Key result", ["Status", "Progress", "Pace"], ["Why it needs attention", "Objective", "Unit"]
        ),
        what="key results",
    )

# --- learnings ----------------------------------------------------------------------------
st.subheader("Learnings", anchor=False)
if not summary.reflections.empty:
    st.markdown("**Reflections at close**")
    for r in summary.reflections.to_dict("records"):
        st.markdown(
            f"**{escape_markdown(r['objective_title'])}** · {escape_markdown(r['unit_name'])}  \n"
            f"{escape_markdown(r['reflection'], lines=True)}"
        )
    st.markdown("**From the check-in notes**")
if summary.learnings.empty:
    st.caption("No check-in notes in this scope say more than a few words yet.")
else:
    st.caption(report.LEARNINGS_RULE)
    for r in summary.learnings.to_dict("records"):
        tag = f":{'blue' if r['kind'] == 'learning' else 'gray'}-badge[{report.learning_tag(r)}]"
        with st.container(border=True):
            st.markdown(f"{tag} **{escape_markdown(r['objective_title'])}**")
            st.markdown(f"“{escape_markdown(r['note'], lines=True)}”")
            by = f" · {escape_markdown(r['author_name'])}" if r["author_name"] else ""
            st.caption(f"{escape_markdown(r['kr_title'])} · {badges.day(r['checkin_date'])}{by}")

# --- KPI health ---------------------------------------------------------------------------
st.subheader("KPI health", anchor=False)
st.caption(report.kpi_summary(summary))
counts = summary.kpi_counts
if counts["kpis"]:
    cols = st.columns(5)
    for col, state in zip(cols, (HEALTHY, WARNING, BREACHED, NO_DATA)):
        col.metric(kpi_charts.health_label(state), str(counts[state]), border=True)
    cols[4].metric(
        "Overdue",
        str(counts["overdue"]),
        help="No reading within the KPI's frequency plus the grace period.",
        border=True,
    )
if not summary.kpis.empty:
    kpi_table = report.kpis_table(summary)
    with style.wide("summary_kpis"):
        st.dataframe(
            kpi_table,
            hide_index=True,
            width="stretch",
            key="summary_kpis",
            column_config=tables.configure(kpi_table.columns, COLUMNS),
        )
    tables.phone_list(
        "summary_kpis",
        tables.phone_items(kpi_table, "KPI", ["Health", ("Latest reading", "latest"), ("Target", "target")], ["Unit"]),
        what="KPIs",
    )

st.caption(f"**How to read this summary.** {report.HOW_TO_READ}")
