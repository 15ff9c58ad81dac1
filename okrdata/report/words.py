"""The executive summary in words: its sentences, captions and tables of text.

Every figure and word is said by :mod:`okrdata.wording`; these are the sentences the report
adds (the headline, what each column means, how many risks and KPIs are listed) and its
tables as text, shared by the page, the HTML file and the PDF.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from okrdata import wording
from okrdata.report.model import Report
from okrdata.wording import (
    day,
    days,
    health_label,
    kind_text,
    pct,
    score,
    status_label,
    status_line,
)


def kpi_target(row: dict) -> str:
    """``"stay above 99.9%"``: a KPI's target in words with its unit label."""
    return wording.kpi_target(row["target_type"], row["target"], row.get("unit_label"))


def headline_sentence(report: Report) -> str:
    """The headline in one sentence, e.g. "Progress is 51% against 62% expected by today:
    11 points behind pace, with 34 days left."."""
    h = report.headline
    if h["objective_count"] == 0:
        return f"{report.scope} has no objectives in {report.cycle['name']}."
    where = wording.pace_sentence(h["progress"], h["expected"])
    if report.closed:
        return (
            f"The cycle closed on {day(report.cycle['end_date'])} at {pct(h['progress'])} progress "
            f"against {pct(h['expected'])} expected: {where}."
        )
    if report.cycle["state"] == "planning" or h["as_of"] < dt.date.fromisoformat(str(report.cycle["start_date"])[:10]):
        return f"The cycle starts on {day(report.cycle['start_date'])}; progress so far is {pct(h['progress'])}."
    return (
        f"Progress is {pct(h['progress'])} against {pct(h['expected'])} expected by today: "
        f"{where}, with {days(h['days_left'])} left."
    )


def headline_figures(report: Report) -> list[tuple[str, str, str]]:
    """The key figures as (label, value, explanation), in the order the report shows them."""
    h = report.headline
    closed = report.closed
    return [
        ("Progress", pct(h["progress"]), "weighted mean of the objectives in scope"),
        (
            "Expected",
            pct(h["expected"]),
            "all of the cycle has elapsed" if closed else "the elapsed share of the cycle",
        ),
        ("Pace", wording.pace(h["progress"], h["expected"]), "progress minus expected, in percentage points"),
        (
            "Days left",
            str(h["days_left"]),
            f"closed on {day(report.cycle['end_date'])}" if closed else f"until {day(report.cycle['end_date'])}",
        ),
        ("Objectives", str(h["objective_count"]), status_line(h["objective_status_counts"])),
        ("Key results", str(h["kr_count"]), status_line(h["status_counts"])),
    ]


def objective_outcome(report: Report, row: dict) -> str:
    """The score (closed cycle: ``"0.67 · yellow"``) or forecast (``"72%"``) of an objective."""
    if report.closed:
        return score(row["score"])
    return pct(row["forecast_score"])


def outcome_heading(report: Report) -> str:
    """The title of the objectives table's last column."""
    return "Score (0–1)" if report.closed else "Forecast at end (%)"


def outcome_explanation(report: Report) -> str:
    """What the objectives table's last column means, for the line under it."""
    if report.closed:
        return (
            "Score: the final score, recorded at close or else the final progress rounded half up to two "
            "decimals; green 0.70 and above, yellow 0.40 to 0.69, red below 0.40."
        )
    return (
        "Forecast: where each objective is heading by the cycle's end, from the trend of its key results' "
        "check-ins (its current progress where there are fewer than three)."
    )


def status_text(report: Report, row: dict) -> str:
    """An objective's status in words, with what it rests on when it reads against its progress:
    ``"On track (by “…”, confidence 8/10 on 3 Dec 2026)"``."""
    note = report.status_notes.get(int(row["objective_id"]))
    return status_label(row["status"]) + (f" ({note})" if note else "")


def kr_forecast(report: Report, row: dict) -> str:
    """Where a key result's forecast puts it at the cycle's end, ``"1,850 users (progress 85%)"``; "—" without
    a forecast (fewer than three check-ins) and once the cycle is closed."""
    if report.closed:
        return wording.NO_VALUE
    return wording.forecast(
        row.get("forecast_value"), row.get("forecast_score"), row.get("unit_label"), row.get("kr_type")
    )


def risk_summary(report: Report) -> str:
    """``"20 of 45 key results need attention; the 8 most urgent are listed."``"""
    if report.risk_total == 0:
        return "No key result needs attention: every one is on track, checked in and on course."
    shown = len(report.risks)
    more = f"; the {shown} most urgent are listed" if report.risk_total > shown else ""
    return f"{report.risk_total} of {wording.plural(report.kr_total, 'key result')} need attention{more}."


def kpi_summary(report: Report) -> str:
    """``"11 KPIs: 5 healthy, 4 warning, 2 breached, 0 without data; 1 overdue for a reading."``"""
    c = report.kpi_counts
    if c["kpis"] == 0:
        return "No KPIs are tracked for this scope."
    return (
        f"{wording.plural(c['kpis'], 'KPI')}: {c['healthy']} healthy, {c['warning']} warning, {c['breached']} breached, "
        f"{c['no_data']} without data; {c['overdue']} overdue for a reading. Health is as of the latest reading."
        + (
            f" The {len(report.kpis)} most troubled of {report.kpi_trouble_total} are listed."
            if report.kpi_trouble_total > len(report.kpis)
            else ""
        )
    )


def kpi_reading(row: dict) -> str:
    """``"98.9% on 3 Nov 2026 (overdue)"``: the latest reading and whether a newer one is due."""
    if wording.missing(row.get("last_value")):
        return "no reading yet"
    text = f"{wording.number(row['last_value'], row.get('unit_label'))} on {day(row['last_reading_date'])}"
    return text + (" (overdue)" if bool(row.get("overdue")) else "")


def objectives_table(report: Report) -> pd.DataFrame:
    """The objectives as a table of text, as the report lists them (status in words, units in the headings)."""
    rows = report.objectives.to_dict("records")
    return pd.DataFrame(
        {
            "#": list(range(1, len(rows) + 1)),
            "Objective": [str(o["title"]) for o in rows],
            "Unit": [str(o["unit_name"]) for o in rows],
            "Owner": [o["owner_name"] if isinstance(o.get("owner_name"), str) else "" for o in rows],
            "Kind": [kind_text(o["kind"]) for o in rows],
            "Status": [status_text(report, o) for o in rows],
            "Progress (%)": [pct(o["progress"]) for o in rows],
            "Pace (pts)": [wording.pace(o["progress"], o["expected"]) for o in rows],
            outcome_heading(report): [objective_outcome(report, o) for o in rows],
        }
    )


def risks_table(report: Report) -> pd.DataFrame:
    """The top risks as a table of text."""
    rows = report.risks.to_dict("records")
    return pd.DataFrame(
        {
            "Key result": [str(k["title"]) for k in rows],
            "Objective": [str(k["objective_title"]) for k in rows],
            "Unit": [str(k["unit_name"]) for k in rows],
            "Owner": [k["owner_name"] if isinstance(k.get("owner_name"), str) else "" for k in rows],
            "Status": [status_label(k["status"]) for k in rows],
            "Progress (%)": [pct(k["progress"]) for k in rows],
            "Pace (pts)": [wording.pace(k["progress"], k["expected"]) for k in rows],
            "Forecast at end": [kr_forecast(report, k) for k in rows],
            "Why it needs attention": [" · ".join(k["reasons"]) for k in rows],
        }
    )


RISK_HEADINGS = (
    ("Key result", False),
    ("Status", False),
    ("Progress (%)", True),
    ("Pace (pts)", True),
    ("Forecast at end", True),
    ("Why it needs attention", False),
)
"""The top risks' columns in the files, each with whether it holds a figure (set right): those
of :func:`risks_table`, with the objective, unit and owner under the key result (:func:`context`)."""
GOALPOST_HEADINGS = (("Key result", False), ("Change", False), ("Why", False))
"""The moved goalposts' columns in the files: :func:`goalposts_table`'s, with the objective and
unit under the key result."""
KPI_HEADINGS = (("KPI", False), ("Health", False), ("Latest reading", False), ("Target", False), ("Warning at", True))
"""The KPIs' columns in the files: :func:`kpis_table`'s, with the unit under the KPI."""


def context(row: dict) -> str:
    """What a listed key result belongs to, written under its title in the files, from a row of
    :func:`risks_table` or :func:`goalposts_table`: ``"Objective · Unit"``, then the owner's name
    where the row names one."""
    owner = row.get("Owner")
    return f"{row['Objective']} · {row['Unit']}" + (f" · {owner}" if owner else "")


def goalposts_table(report: Report) -> pd.DataFrame:
    """The key results whose goalposts moved after the cycle started, as a table of text."""
    g = report.goalposts
    return pd.DataFrame(
        {
            "Key result": g["kr_title"].astype(str),
            "Objective": g["objective_title"].astype(str),
            "Unit": g["unit_name"].astype(str),
            "Change": g["change"].astype(str),
            "Why": g["reason"].astype(str),
        }
    )


def learning_tag(row: dict) -> str:
    """What a quoted check-in note (a row of ``Report.learnings``) is: ``"Obstacle or learning"``
    or ``"Latest note"``."""
    return "Obstacle or learning" if row["kind"] == "learning" else "Latest note"


def goalposts_summary(report: Report) -> str:
    """``"2 key results had their goalposts moved after the cycle started (type, baseline or target):"``."""
    count = len(report.goalposts)
    if not count:
        return "No key result had its goalposts moved after the cycle started."
    verb = "had its" if count == 1 else "had their"
    return (
        f"{wording.plural(count, 'key result')} {verb} goalposts moved after the cycle started "
        "(type, baseline or target); each change is recorded with who made it and why."
    )


def kpis_table(report: Report) -> pd.DataFrame:
    """The KPIs that are not healthy or are overdue, as a table of text."""
    rows = report.kpis.to_dict("records")
    return pd.DataFrame(
        {
            "KPI": [str(k["name"]) for k in rows],
            "Unit": [str(k["unit_name"]) for k in rows],
            "Health": [health_label(k["health"]) for k in rows],
            "Latest reading": [kpi_reading(k) for k in rows],
            "Target": [kpi_target(k) for k in rows],
            "Warning at": [wording.number(k["warning"], k.get("unit_label")) for k in rows],
        }
    )


HOW_TO_READ = (
    "Progress: a key result's way from baseline to target (0–100%); an objective's is the weighted mean "
    "of its key results. Expected: the elapsed share of the cycle; pace = progress − expected, in points "
    "between the two percentages shown. Status: from the last confidence (7–10 on track, 4–6 at risk, 0–3 off track); no check-in within its "
    "cadence plus 3 days makes a key result stale; an objective takes its weakest key result's status. "
    "Forecast: a line through three or more check-ins, projected to the cycle's end. Score at close: "
    "0.0–1.0; committed objectives are expected at 1.0, aspirational ones around 0.7."
)
