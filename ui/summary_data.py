"""The cached readers of the Executive summary page: the report of a cycle and a unit's branch
(:class:`okrdata.report.Report`), its three charts' specs and its objectives' table.

Each is declared with :func:`ui.data.reader` and derives from the readers of :mod:`ui.data`,
keyed by the cycle and the unit alone: what the page's sidebar says of the scope (the company's
and the unit's names) is read here from :func:`ui.data.scope_choices`, so a server process can
work each out again from its arguments after a write, before the next page run asks (no
Streamlit script run is needed). Shared by every session: read them, never change them.
"""

from __future__ import annotations

import pyarrow as pa

from okrdata import report
from okrdata.report import plots
from ui import badges, chart_templates, data, form_data, tables


def scope_names(unit_id: int | None) -> tuple[str, str]:
    """(the company's name, the unit's) as the sidebar names them: ``"whole company"`` for the
    unit when ``unit_id`` is None. An archived unit keeps its name: the warmer may build its
    summary again after the archiving, for a page that read it before."""
    company = data.scope_choices()["company_name"]
    if unit_id is None:
        return company, "whole company"
    every = data.units(include_archived=True)
    return company, str(every.loc[every["id"] == int(unit_id), "name"].iloc[0])


@data.reader(reads=("today",), shared=True)
def summary_report(cycle_id: int, unit_id: int | None) -> report.Report:
    """Everything the page shows and downloads of a cycle and a unit's branch
    (:func:`okrdata.report.from_frames`), prepared today."""
    headline = data.cycle_summary(cycle_id, unit_id)
    krs = data.key_results(cycle_id, unit_id)
    company, unit_name = scope_names(unit_id)
    return report.from_frames(
        cycle=headline["cycle"],
        headline=headline,
        objectives=data.objectives(cycle_id, unit_id),
        key_results=krs,
        history=data.checkin_history(cycle_id, unit_id),
        kpis=data.kpis(unit_id),
        units=data.units(include_archived=True),  # archived units' objectives keep their outline place
        company=company,
        unit_id=unit_id,
        unit_name=unit_name,
        today=data.today(),
        demo=data.is_demo(),
        goalposts=form_data.goalpost_changes([int(i) for i in krs["kr_id"]]),
    )


@data.reader(reads=(), shared=True)
def summary_charts(cycle_id: int, unit_id: int | None) -> dict[str, dict]:
    """The report's charts by name (``objectives``, ``statuses``, ``kpis``; one without data is
    left out) as Vega-Lite specs."""
    summary = summary_report(cycle_id, unit_id)
    # Each chart is its shape's spec (built once with Altair) refilled with the report's figures:
    # a check-in moves the bars, not the chart's structure. The shape: what the spec holds
    # besides the data (the bars' labels, in order, on the axis; the count axis's ticks).
    made = {
        "objectives": (plots.objective_frame(summary), plots.objective_chart, "Objective"),
        "statuses": (plots.status_frame(summary), plots.status_chart, "Key results"),
        "kpis": (plots.kpi_frame(summary), plots.kpi_chart, "KPIs"),
    }
    out = {}
    for name, (frame, chart, column) in made.items():
        if frame is None:
            continue
        if name == "objectives":
            shape = (summary.closed, plots.chart_note(summary), *frame[column])
        else:
            shape = tuple(plots.count_ticks(frame[column]))
        out[name] = chart_templates.spec(("summary", name, *shape), {"frame": frame}, lambda c=chart: c(summary))
    return out


@data.reader(reads=(), shared=True)
def objectives_table(cycle_id: int, unit_id: int | None) -> pa.Table:
    """The report's objectives as the page's table (:func:`okrdata.report.objectives_table`),
    each status in words with its note, if any."""
    summary = summary_report(cycle_id, unit_id)
    table = report.objectives_table(summary)
    table["Status"] = [
        badges.cell(s) + (f" ({summary.status_notes[int(o)]})" if int(o) in summary.status_notes else "")
        for s, o in zip(summary.objectives["status"], summary.objectives["objective_id"])
    ]
    return tables.arrow(table)
