"""What a key result and a KPI look like on the KRs vs KPIs page, and a unit's section of them.

A key result shows its title, status and a progress bar with its value against its target; a
KPI its name, health and overdue badges, its latest reading against its target and its chart.
A unit's section lays its linked pairs out first (the key results left, the KPI they are
measured by right, a warning above a pair to check), then its other key results and KPIs. The
figures and the charts come ready from :mod:`ui.kpi_data`; user text reaches Markdown escaped.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import kpis as K
from ui import badges, charts, kpi_charts, style, tables

RATIO = [3, 2]  # width of the key results column against the KPIs column
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
    # No container of its own: one with the default gap would look the same and cost a block.
    st.markdown(f"**{badges.escape_markdown(kr['title'])}** &nbsp; {badges.markdown(kr['status'])}")
    progress = float(kr["progress"]) if not blank(kr["progress"]) else 0.0
    st.progress(min(1.0, max(0.0, progress)), text=f"{badges.pct(progress)} · {kr_line(kr)}")
    if not detail:
        return
    who_owns = f" · {badges.escape_markdown(kr['owner_name'])}" if not blank(kr.get("owner_name")) else ""
    last = f" · last check-in {badges.day(kr['last_checkin_date'])}" if not blank(kr.get("last_checkin_date")) else ""
    st.caption(f"{badges.escape_markdown(kr['objective_title'])}{who_owns}{last}")


def overdue_badge(kpi: dict) -> str:
    """A badge saying how late the KPI's next reading is; nothing when it is not overdue."""
    if not bool(kpi["overdue"]):
        return ""
    late = K.days_late(kpi["days_since_reading"], kpi["frequency_days"])
    text = "Never read" if late is None else f"Overdue · {badges.days(late)} late"
    return f" :violet-badge[:material/schedule: {text}]"


def show_kpi(kpi: dict, spec: dict | None, months: int, note: str = "") -> None:
    """A KPI: name, health and overdue badges, latest reading against target, and its chart
    over the last ``months`` (``spec``, from :func:`ui.kpi_data.chart_specs`; None when no
    reading falls in the window)."""
    label = kpi.get("unit_label") or ""
    title = (
        f"**{badges.escape_markdown(kpi['name'])}** &nbsp; {kpi_charts.health_badge(kpi['health'])}{overdue_badge(kpi)}"
    )
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
    # Name and latest reading as two paragraphs of one Markdown element: they read as two elements would.
    st.markdown(f"{title}\n\n{latest} · {kpi_charts.target_text(kpi, markdown=True)}{warning}")
    if note:
        st.caption(note)
    if spec is not None:
        charts.show(spec)
    else:
        st.caption(f"No readings in the last {months} months.")


def divergence_text(w: K.Divergence, kr: dict, kpi: dict) -> str:
    """The warning of a linked pair in words, as Markdown."""
    label = kpi.get("unit_label") or ""
    state = "has reached its target" if w.kr_state == K.WON else "is on track"
    health = "is breached" if w.kpi_health == K.BREACHED else "is in its warning band"
    return (
        f"**{badges.escape_markdown(kr['title'])}** {state}, but the KPI it is measured by, "
        f"**{badges.escape_markdown(kpi['name'])}**, {health} at {badges.number(kpi['last_value'], label, markdown=True)} "
        f"({kpi_charts.target_text(kpi, markdown=True)})."
    )


def section_label(section: K.UnitSection) -> str:
    """A unit in the picker: its path, and how many key results, KPIs and pairs to check it has."""
    facts = [
        f"{section.kr_count} key result{'s' if section.kr_count != 1 else ''}",
        f"{section.kpi_count} KPI{'s' if section.kpi_count != 1 else ''}",
    ]
    if section.warnings:
        facts.append(f"{len(section.warnings)} to check")
    return f"{section.path} ({', '.join(facts)})"


def pairs_table(rows: pd.DataFrame, items: list[str]) -> None:
    """Every linked pair in one table (:func:`ui.kpi_data.pair_table`), its first
    :data:`ui.tables.ROW_LIMIT` rows; on a phone, a list of them (``items``:
    :func:`ui.kpi_data.pair_list`)."""
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
    tables.phone_list("kpi_pairs", items, len(rows), what="linked pairs")


def show_section(section: K.UnitSection, specs: dict[int, dict | None], months: int, cycle_name: str | None) -> None:
    """One unit: a heading with its facts, its linked pairs, then its other key results and KPIs.

    ``specs``: the KPIs' charts by id (:func:`ui.kpi_data.chart_specs`); ``cycle_name``: the
    cycle's name as Markdown, None when there is no cycle yet."""
    in_cycle = cycle_name or "this cycle"
    st.subheader(badges.escape_markdown(section.name), anchor=f"unit-{section.unit_id}")
    facts = [badges.escape_markdown(section.path)]
    if cycle_name is not None:
        facts.append(f"{section.kr_count} key result{'s' if section.kr_count != 1 else ''} in {in_cycle}")
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
                note = f"KPI of {badges.escape_markdown(pair.kpi['unit_name'])}" if pair.kpi_elsewhere else ""
                show_kpi(pair.kpi, specs.get(int(pair.kpi["kpi_id"])), months, note)

    if section.krs or section.kpis or not section.pairs:
        left, right = st.columns(RATIO, gap="large")
        with left:
            if section.krs:
                st.markdown("**Other key results**" if section.pairs else "**Key results**")
                for kr in section.krs:
                    show_kr(kr, detail=False)
            elif not section.pairs:
                st.caption(
                    f"No key results in {in_cycle}." if cycle_name is not None else "No key results in any cycle yet."
                )
        with right:
            if section.kpis:
                st.markdown("**Other KPIs**" if section.pairs else "**KPIs**")
                for kpi in section.kpis:
                    elsewhere = section.measured_elsewhere.get(int(kpi["kpi_id"]), [])
                    note = (
                        "Measured by a key result of "
                        + ", ".join(sorted({badges.escape_markdown(kr["unit_name"]) for kr in elsewhere}))
                        + " (shown there)."
                        if elsewhere
                        else ""
                    )
                    with st.container(border=True):
                        show_kpi(kpi, specs.get(int(kpi["kpi_id"])), months, note)
                if section.hidden_kpis:
                    st.caption(f"{section.hidden_kpis} more KPIs not shown; pick this unit in the sidebar.")
            elif not section.pairs:
                st.caption(f"No KPIs for {badges.escape_markdown(section.name)} yet: add them in Manage.")
