"""Overview: the pulse of the chosen cycle for the company or one unit's branch.

Headline figures (progress against the expected pace, days left, how many objectives and key
results), key results per status, progress by unit, the key results that need attention, and
the OKR coach's notes. Every figure comes from :func:`okrdata.queries.cycle_summary`,
:func:`~okrdata.queries.unit_progress`, :func:`~okrdata.queries.key_results` and
:func:`okrdata.quality.findings_frame`, through the cached readers of :mod:`ui.data`; what the
page derives from them (the chart, the key results needing attention) is :mod:`ui.overview_data`'s.
"""

from __future__ import annotations

import streamlit as st

from okrdata.numbers import AT_RISK, OFF_TRACK, ON_TRACK, STALE
from ui import badges, charts, data, empty, lazy, overview_data, sidebar, style, tables

scope = sidebar.current()
st.title("Overview")

empty.need_cycle(scope)
summary = data.cycle_summary(scope.cycle_id, scope.unit_id)
who = badges.escape_markdown(scope.company_name if scope.unit_id is None else scope.unit_name)

if summary["objective_count"] == 0:
    empty.stop(
        f"{who} has no objectives in {badges.escape_markdown(scope.cycle['name'])}, nor has any unit below it. "
        "Pick another unit or cycle in the sidebar, or add objectives in Manage.",
        query_params=scope.query_params(),
    )

# --- headline figures ---------------------------------------------------------------------
closed = summary["cycle"]["state"] == "closed"
headline = style.row("overview_headline")
headline.metric(
    "Progress",
    badges.pct(summary["progress"]),
    help="Weighted mean progress of the objectives in scope, each counted once.",
    border=True,
)
headline.metric(
    "Expected",
    badges.pct(summary["expected"]),
    help="The elapsed fraction of the cycle"
    + (" (all of it: the cycle is over)" if closed else " by today")
    + ": where progress would be on a straight line to 100%.",
    border=True,
)
headline.metric(
    "Pace",
    badges.pace(summary["progress"], summary["expected"]),
    **badges.pace_delta(summary["progress"], summary["expected"]),
    help="Progress minus expected progress, in percentage points: the difference of the two percentages shown.",
    border=True,
)
headline.metric(
    "Days left",
    str(summary["days_left"]),
    help=f"Until the cycle ends on {badges.day(summary['cycle']['end_date'])}.",
    border=True,
)
headline.metric("Objectives", str(summary["objective_count"]), border=True)
headline.metric("Key results", str(summary["kr_count"]), border=True)

# --- statuses -----------------------------------------------------------------------------
st.subheader("Key results by status")
counts = summary["status_counts"]
help_text = {
    ON_TRACK: "Last confidence 7–10 and checked in on time.",
    AT_RISK: "Last confidence 4–6.",
    OFF_TRACK: "Last confidence 0–3.",
    STALE: "No check-in within its cadence plus the grace period, or never checked in.",
}
statuses = style.row("overview_statuses")
for status in (ON_TRACK, AT_RISK, OFF_TRACK, STALE):
    statuses.metric(
        f"{badges.icon(status)} {badges.label(status)}",
        str(counts.get(status, 0)),
        help=help_text[status],
        border=True,
    )
objective_counts = summary["objective_status_counts"]
st.caption(
    "Objectives (each takes its weakest key result's status): "
    + " · ".join(f"{badges.label(s)} {objective_counts.get(s, 0)}" for s in (ON_TRACK, AT_RISK, OFF_TRACK, STALE))
)

# --- progress by unit ---------------------------------------------------------------------
st.subheader("Progress by unit")
unit_spec, hidden = overview_data.unit_chart(scope.cycle_id, scope.unit_id)
if unit_spec is None:
    st.caption("No unit in this branch has objectives in this cycle.")
else:
    charts.show(unit_spec)
    st.caption(
        "Each bar is a unit's whole branch, coloured by "
        + (
            "its score (the weighted mean of its objectives' scores)"
            if closed
            else "its pace: on pace down to 10 points behind, behind down to 25, far behind beyond"
        )
        + "; the black tick marks the progress expected"
        + (" at the end." if closed else " by today.")
        + " Hover a bar for its key results' statuses."
        + (
            f" {badges.plural(hidden, 'unit')} further down {'is' if hidden == 1 else 'are'} not drawn: pick a unit in "
            "the sidebar to see its branch."
            if hidden > 0
            else ""
        )
    )

# --- key results that need attention ------------------------------------------------------
st.subheader("Key results that need attention")
krs_count = summary["kr_count"]
needing, needing_total = overview_data.needing_attention(scope.cycle_id, scope.unit_id)
if krs_count == 0:
    st.caption("No key results in scope yet.")
elif needing.empty:
    st.success(
        "Nothing needs attention: every key result is on track, checked in and on course.",
        icon=":material/check_circle:",
    )
else:
    st.caption(
        f"{needing_total} of {badges.plural(krs_count, 'key result')}: at risk, off track or stale, "
        "confidence at odds with pace, or a forecast trending off track; moved goalposts are marked."
        + (
            f" The {len(needing)} most urgent are listed; filter All OKRs by status for the rest."
            if needing_total > len(needing)
            else ""
        )
    )
    listed = overview_data.attention_table(scope.cycle_id, scope.unit_id)
    tables.show_key_results_frame(listed, "overview_attention")

# --- the OKR coach ------------------------------------------------------------------------
notes = data.quality_findings(scope.cycle_id, scope.unit_id)
if not notes.empty:
    warnings = int((notes["severity"] == "warning").sum())
    with lazy.expander(
        f"Coaching notes: {len(notes)} ({badges.plural(warnings, 'warning')})",
        "overview_coaching",
        keep=False,
        icon=":material/school:",
    ) as shown:
        if shown:
            st.caption("Advice on the shape of these OKRs; it never blocks anything.")
            st.dataframe(
                notes[["rule_title", "subject", "advice", "severity"]].rename(
                    columns={"rule_title": "Check", "subject": "About", "advice": "Advice", "severity": "Severity"}
                ),
                hide_index=True,
                width="stretch",
            )
