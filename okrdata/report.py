"""The executive summary: one cycle and one unit's branch on a page or two, for an executive committee.

:func:`build` (or :func:`from_frames`, when the caller already holds the frames, as the page
does through its cached readers) gathers a :class:`Report`: the headline figures of
:func:`okrdata.queries.cycle_summary`, the objectives of :func:`okrdata.queries.objectives`
with their status and score (closed cycle) or forecast (active cycle), the top risks of
:func:`okrdata.attention.needing_attention`, learnings picked from check-in notes
(:func:`pick_learnings`), the reflections written at close, and KPI health from
:func:`okrdata.queries.kpis` counted by :func:`okrdata.kpis.summary`. Nothing is recomputed
here: the report only selects, orders and words what those functions return.

The same :class:`Report` becomes the Streamlit page (``pages/summary.py``), a self-contained
HTML file (:func:`to_html`: inline CSS, charts as inline SVG, no script, no external URL,
print-friendly) and a PDF (:func:`okrdata.report_pdf.to_pdf`). Charts are Altair
(:func:`objective_chart`, :func:`status_chart`, :func:`kpi_chart`), drawn on screen by
Streamlit and rendered to SVG or PNG for the files by ``vl-convert``, whose wheel carries the
renderer, so nothing beyond pip is needed.

**How learnings are picked** (:func:`pick_learnings`, a deterministic rule): among the
check-in notes of the objective's key results in this cycle, a note counts when it has at
least :data:`MIN_NOTE_WORDS` words. For each objective the most recent note that mentions an
obstacle or a learning (one of :data:`LEARNING_WORDS`, as a whole word, not right after "no",
"not", "nothing" or "without") is taken; an objective with no such note gives its most recent
counted note instead. At most :data:`LEARNINGS_LIMIT` are kept: obstacle/learning notes
before plain ones, then the most recent first; they are listed in the report's objective order.
Once the cycle is closed, an objective with a written reflection is represented by its
reflection instead, and only the others by a note.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import pandas as pd
import sqlite_utils

from okrdata import attention, queries, wording
from okrdata import kpis as kpi_rules
from okrdata import numbers as n
from okrdata.history import goalpost_changes
from okrdata.transfer import file_slug
from okrdata.wording import (
    day,
    days,
    health_label,
    kind_text,
    pct,
    score,
    score_band,
    status_label,
    status_line,
)

TOP_RISKS = 8
"""At most this many key results are listed as risks; the rest are counted."""
OBJECTIVES_LIMIT = 60
"""At most this many objectives are listed; a larger scope is narrowed with the unit."""
CHART_OBJECTIVES = 30
"""At most this many objectives get a bar in the objectives chart."""
LEARNINGS_LIMIT = 10
"""At most this many learnings from check-in notes."""
KPIS_LIMIT = 20
"""At most this many KPIs in trouble are listed (worst first); the rest are counted."""
MIN_NOTE_WORDS = 6
"""A check-in note shorter than this ("On plan.", "24 tickets. Still good.") is not a learning."""
NOTE_CHARS = 400
"""Notes and reflections longer than this are cut (with an ellipsis) in the report."""
LEARNING_WORDS = (
    "learn",
    "learned",
    "learnt",
    "learning",
    "lesson",
    "lessons",
    "insight",
    "realised",
    "realized",
    "turns out",
    "turned out",
    "found",
    "discovered",
    "surprise",
    "surprised",
    "unknown",
    "blocked",
    "blocker",
    "blocking",
    "obstacle",
    "risk",
    "problem",
    "issue",
    "issues",
    "slipped",
    "delay",
    "delayed",
    "stuck",
    "waiting",
    "depends",
    "dependency",
    "need",
    "needs",
    "hiring",
    "headcount",
    "underestimated",
    "missed",
    "because",
    "instead",
    "changed",
    "change",
    "works",
    "worked",
    "useful",
    "twice",
    "half",
    "lost",
    "flat",
)
"""Words that mark a note as telling an obstacle or a learning (matched as whole words)."""
_NEGATIONS = ("no", "not", "nothing", "without")
_LEARNING_RE = re.compile(
    r"(?:\b(?P<before>\w+)\s+)?\b(?P<word>"
    + "|".join(re.escape(w) for w in sorted(LEARNING_WORDS, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)

STATUS_COLOURS = wording.STATUS_COLOURS
HEALTH_COLOURS = wording.HEALTH_COLOURS
SCORE_BANDS = wording.SCORE_BANDS
SCORE_COLOURS = wording.SCORE_COLOURS
STATE_WORDS = {"planning": "in planning", "active": "active", "closed": "closed"}

# Every figure and word is said by okrdata.wording; these are the few the report adds.


def shorten(text: Any, limit: int = NOTE_CHARS) -> str:
    """User text on one line (runs of whitespace made one space), cut at ``limit`` characters with "…"."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def kpi_target(row: dict) -> str:
    """``"stay above 99.9%"``: a KPI's target in words with its unit label."""
    return wording.kpi_target(row["target_type"], row["target"], row.get("unit_label"))


# --- the content ---------------------------------------------------------------------------


@dataclass(eq=False)
class Report:
    """Everything the executive summary shows, for one cycle and one unit's branch.

    ``headline`` is :func:`okrdata.queries.cycle_summary` as returned. ``objectives`` holds the
    columns of :func:`okrdata.queries.objectives` in the report's order (units in outline
    order), ``risks`` the first :data:`TOP_RISKS` rows of
    :func:`okrdata.attention.needing_attention` (``risk_total`` counts them all), ``kpis`` the
    first :data:`KPIS_LIMIT` KPIs that are not healthy or are overdue (``kpi_trouble_total``
    counts them all), and ``kpi_counts`` :func:`okrdata.kpis.summary`. ``goalposts`` lists the
    key results in scope whose goalposts moved after the cycle started (:data:`GOALPOST_COLUMNS`),
    and ``status_notes`` says, for an objective whose status reads against its progress, what
    the status rests on (:func:`okrdata.attention.objective_basis`).
    """

    company: str
    unit_id: int | None
    unit_name: str
    cycle: dict
    today: dt.date
    headline: dict
    objectives: pd.DataFrame
    objective_total: int
    risks: pd.DataFrame
    risk_total: int
    kr_total: int
    learnings: pd.DataFrame
    reflections: pd.DataFrame
    kpi_counts: dict
    kpis: pd.DataFrame
    kpi_trouble_total: int = 0
    demo: bool = False
    notes: list[str] = field(default_factory=list)
    goalposts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=GOALPOST_COLUMNS))
    status_notes: dict[int, str] = field(default_factory=dict)

    @property
    def closed(self) -> bool:
        """True once the cycle is closed: objectives then have a score rather than a forecast."""
        return self.cycle["state"] == "closed"

    @property
    def scope(self) -> str:
        """``"Northwind Labs"`` for the whole company, else the unit's name."""
        return self.company if self.unit_id is None else self.unit_name

    @property
    def scope_note(self) -> str:
        """``"whole company"``, or ``"Web App and every unit below it"``."""
        return "whole company" if self.unit_id is None else f"{self.unit_name} and every unit below it"

    @property
    def title(self) -> str:
        """``"Executive summary: Northwind Labs, 2026 Q4"``."""
        return f"Executive summary: {self.scope}, {self.cycle['name']}"

    @property
    def period(self) -> str:
        """``"27 Sep 2026 – 26 Dec 2026 · active"``."""
        return f"{day(self.cycle['start_date'])} – {day(self.cycle['end_date'])} · {STATE_WORDS.get(self.cycle['state'], self.cycle['state'])}"

    def file_name(self, extension: str) -> str:
        """``"executive-summary-2026-q4-northwind-labs.pdf"``: safe on every file system."""
        slug = file_slug(f"{self.cycle['name']} {self.scope}", "report")
        return f"executive-summary-{slug}.{extension.lstrip('.')}"


def _outline_order(objs: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The objectives with their units in outline order (company, then each branch), then by id."""
    if objs.empty:
        return objs
    position = {int(u): i for i, u in enumerate(units["id"])} if not units.empty else {}
    keyed = objs.assign(_pos=[position.get(int(u), len(position)) for u in objs["unit_id"]])
    return keyed.sort_values(["_pos", "objective_id"], kind="stable").drop(columns="_pos").reset_index(drop=True)


def _is_learning(note: str) -> bool:
    """True when a note mentions an obstacle or a learning (see the module docstring)."""
    for match in _LEARNING_RE.finditer(note):
        before = (match.group("before") or "").lower()
        if before not in _NEGATIONS:
            return True
    return False


GOALPOST_COLUMNS = ["kr_id", "kr_title", "objective_title", "unit_name", "change", "changed_on", "reason"]


def goalpost_rows(changes: pd.DataFrame, key_results: pd.DataFrame) -> pd.DataFrame:
    """The key results whose goalposts moved, one row each (its latest change, in words), in
    ``key_results``' order. ``changes`` is :func:`okrdata.history.goalpost_changes`."""
    marks = attention.goalpost_marks(changes)
    if not marks or key_results.empty:
        return pd.DataFrame(columns=GOALPOST_COLUMNS)
    latest = changes.drop_duplicates("kr_id").set_index("kr_id")
    moved = key_results[key_results["kr_id"].astype(int).isin(marks)]
    return pd.DataFrame(
        {
            "kr_id": moved["kr_id"].astype(int),
            "kr_title": moved["title"].astype(str),
            "objective_title": moved["objective_title"].astype(str),
            "unit_name": moved["unit_name"].astype(str),
            "change": [marks[int(k)].removeprefix("Goalposts moved: ") for k in moved["kr_id"]],
            "changed_on": [wording.day(latest.loc[k, "changed_at"]) for k in moved["kr_id"]],
            "reason": [shorten(latest.loc[k, "reason"]) for k in moved["kr_id"]],
        },
        columns=GOALPOST_COLUMNS,
    ).reset_index(drop=True)


LEARNING_COLUMNS = [
    "objective_id",
    "objective_title",
    "unit_name",
    "kr_id",
    "kr_title",
    "checkin_date",
    "author_name",
    "note",
    "kind",
]


def pick_learnings(objs: pd.DataFrame, history: pd.DataFrame, limit: int = LEARNINGS_LIMIT) -> pd.DataFrame:
    """One note per objective by the rule of the module docstring, at most ``limit``, in ``objs``'s order.

    ``objs`` is (ordered) :func:`okrdata.queries.objectives`, ``history`` is
    :func:`okrdata.queries.checkin_history` of the same cycle. ``kind`` is ``"learning"`` for a
    note that mentions an obstacle or a learning, ``"latest"`` for an objective's latest note.
    """
    if objs.empty or history.empty:
        return pd.DataFrame(columns=LEARNING_COLUMNS)
    wanted = {int(o) for o in objs["objective_id"]}
    notes = history[history["objective_id"].isin(wanted) & history["note"].notna()].copy()
    notes["note"] = [" ".join(str(t).split()) for t in notes["note"]]
    notes = notes[[len(t.split()) >= MIN_NOTE_WORDS for t in notes["note"]]]
    if notes.empty:
        return pd.DataFrame(columns=LEARNING_COLUMNS)
    notes["kind"] = ["learning" if _is_learning(t) else "latest" for t in notes["note"]]
    notes["_learning"] = notes["kind"] == "learning"
    # The newest first; per objective, a learning beats a plain note whatever their dates.
    notes = notes.sort_values(["_learning", "checkin_date", "checkin_id"], ascending=False, kind="stable")
    picked = notes.groupby("objective_id", sort=False).head(1)
    picked = picked.sort_values(["_learning", "checkin_date", "checkin_id"], ascending=False, kind="stable").head(limit)
    order = {int(o): i for i, o in enumerate(objs["objective_id"])}
    titles = dict(zip(objs["objective_id"].astype(int), objs["title"]))
    unit_names = dict(zip(objs["objective_id"].astype(int), objs["unit_name"]))
    picked = picked.assign(_order=[order[int(o)] for o in picked["objective_id"]]).sort_values("_order")
    return pd.DataFrame(
        {
            "objective_id": picked["objective_id"].astype(int),
            "objective_title": [titles[int(o)] for o in picked["objective_id"]],
            "unit_name": [unit_names[int(o)] for o in picked["objective_id"]],
            "kr_id": picked["kr_id"].astype(int),
            "kr_title": picked["kr_title"].astype(str),
            "checkin_date": picked["checkin_date"].astype(str),
            "author_name": picked["author_name"].fillna("").astype(str),
            "note": [shorten(t) for t in picked["note"]],
            "kind": picked["kind"],
        },
        columns=LEARNING_COLUMNS,
    ).reset_index(drop=True)


def kpis_needing_attention(kpis: pd.DataFrame) -> pd.DataFrame:
    """The KPIs that are not healthy or are overdue, worst health first, then by unit and name."""
    if kpis.empty:
        return kpis
    trouble = kpis[(kpis["health"] != kpi_rules.HEALTHY) | kpis["overdue"].astype(bool)].copy()
    rank = {h: i for i, h in enumerate(kpi_rules.HEALTH_STATES)}
    trouble["_rank"] = [rank.get(h, len(rank)) for h in trouble["health"]]
    trouble["_fresh"] = ~trouble["overdue"].astype(bool)
    trouble = trouble.sort_values(["_rank", "_fresh", "unit_name", "name"], kind="stable")
    return trouble.drop(columns=["_rank", "_fresh"]).reset_index(drop=True)


def from_frames(
    *,
    cycle: dict,
    headline: dict,
    objectives: pd.DataFrame,
    key_results: pd.DataFrame,
    history: pd.DataFrame,
    kpis: pd.DataFrame,
    units: pd.DataFrame,
    company: str,
    unit_id: int | None,
    unit_name: str,
    today: dt.date,
    demo: bool = False,
    goalposts: pd.DataFrame | None = None,
) -> Report:
    """A :class:`Report` from frames already read (the page passes its cached readers' results).

    ``headline`` is :func:`okrdata.queries.cycle_summary`, ``objectives`` and ``key_results``
    the cycle's :func:`~okrdata.queries.objectives` and :func:`~okrdata.queries.key_results`
    for the unit's branch, ``history`` its :func:`~okrdata.queries.checkin_history`, ``kpis``
    :func:`~okrdata.queries.kpis` of the same branch, ``units`` :func:`~okrdata.queries.units`,
    ``goalposts`` the key results' :func:`~okrdata.history.goalpost_changes` (none when not given).
    """
    goalposts = pd.DataFrame(columns=["kr_id"]) if goalposts is None else goalposts
    ordered = _outline_order(objectives, units)
    risks, risk_total = attention.needing_attention(key_results, limit=TOP_RISKS)
    risks = attention.with_goalposts(risks, goalposts)
    shown = ordered.head(OBJECTIVES_LIMIT)
    reflected = shown["reflection"].fillna("").astype(str).str.strip() != ""
    if cycle["state"] != "closed":
        reflected = reflected & False
    # At close, an objective's reflection is its learning; its check-in notes speak for the others.
    learnings = pick_learnings(shown[~reflected], history)
    reflections = shown[reflected]
    reflections = pd.DataFrame(
        {
            "objective_id": reflections["objective_id"].astype(int),
            "objective_title": reflections["title"].astype(str),
            "unit_name": reflections["unit_name"].astype(str),
            "reflection": [shorten(t, 2 * NOTE_CHARS) for t in reflections["reflection"]],
        }
    ).reset_index(drop=True)
    trouble = kpis_needing_attention(kpis)
    notes = []
    if len(ordered) > OBJECTIVES_LIMIT:
        more = len(ordered) - OBJECTIVES_LIMIT
        notes.append(
            f"{wording.plural(more, 'more objective')} {'is' if more == 1 else 'are'} not listed: "
            "make a summary per unit to see them."
        )
    status_notes = {}
    for o in shown.to_dict("records"):
        why = attention.objective_basis(o, key_results)
        if why:
            status_notes[int(o["objective_id"])] = why
    return Report(
        company=company,
        unit_id=unit_id,
        unit_name=unit_name,
        cycle=dict(cycle),
        today=today,
        headline=headline,
        objectives=shown.reset_index(drop=True),
        objective_total=len(ordered),
        risks=risks,
        risk_total=risk_total,
        kr_total=len(key_results),
        learnings=learnings,
        reflections=reflections,
        kpi_counts=kpi_rules.summary(kpis),
        kpis=trouble.head(KPIS_LIMIT).reset_index(drop=True),
        kpi_trouble_total=len(trouble),
        demo=demo,
        notes=notes,
        goalposts=goalpost_rows(goalposts, key_results),
        status_notes=status_notes,
    )


def build(db: sqlite_utils.Database, cycle_id: int, unit_id: int | None = None, today: dt.date | None = None) -> Report:
    """The executive summary of a cycle for a unit's branch (the whole company when ``unit_id`` is None).

    Raises KeyError for a cycle or unit that does not exist.
    """
    today = today or dt.date.today()
    cyc = queries.cycle(db, cycle_id)
    if cyc is None:
        raise KeyError(f"no cycle with id {cycle_id}")
    # Archived units too: their objectives keep their place in the outline, as in every figure.
    units = queries.units(db, include_archived=True)
    roots = units[units["depth"] == 0]
    company = str(roots["name"].iloc[0]) if not roots.empty else "Company"
    if unit_id is None:
        unit_name = "whole company"
    else:
        match = units[units["id"] == unit_id]
        if match.empty:
            raise KeyError(f"no unit with id {unit_id}")
        unit_name = str(match["name"].iloc[0])
        if int(unit_id) == int(roots["id"].iloc[0]):
            unit_id, unit_name = None, "whole company"  # the company's branch is the whole company
    krs = queries.key_results(db, cycle_id, unit_id, today)
    objs = queries.objectives(db, cycle_id, unit_id, today, krs=krs)
    return from_frames(
        cycle=cyc,
        headline=queries.cycle_summary(db, cycle_id, unit_id, today, objs=objs, krs=krs),
        objectives=objs,
        key_results=krs,
        history=queries.checkin_history(db, cycle_id, unit_id),
        kpis=queries.kpis(db, unit_id, today),
        units=units,
        company=company,
        unit_id=unit_id,
        unit_name=unit_name,
        today=today,
        demo=queries.is_demo(db),
        goalposts=goalpost_changes(db, [int(i) for i in krs["kr_id"]]),
    )


# --- words ---------------------------------------------------------------------------------


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


# --- charts --------------------------------------------------------------------------------


def _short_title(text: Any, limit: int = 48) -> str:
    return shorten(text, limit)


def objective_chart(report: Report, width: int | None = None, step: int = 20) -> alt.Chart | None:
    """Progress by objective (active cycle: bars by status, a tick at the expected progress) or
    score by objective (closed cycle: bars by score band, a tick at the kind's expected score).

    The first :data:`CHART_OBJECTIVES` objectives of the report; None when there are none.
    ``width`` is the plot's width in pixels for the files (None: the container's, on screen),
    ``step`` the height of one bar's band in pixels.
    """
    objs = report.objectives.head(CHART_OBJECTIVES)
    if objs.empty:
        return None
    labels = []
    for i, title in enumerate(objs["title"]):
        # Two objectives may share a title: the position keeps each its own bar.
        labels.append(f"{i + 1}. {_short_title(title, 56)}")
    if report.closed:
        values = objs["score"].astype(float)
        frame = pd.DataFrame(
            {
                "Objective": labels,
                "Value": values,
                "Band": [SCORE_BANDS[score_band(v)] for v in values],
                "Target": [n.EXPECTED_SCORE.get(k, 1.0) for k in objs["kind"]],
            }
        )
        colour = alt.Color(
            "Band:N",
            scale=alt.Scale(domain=list(SCORE_BANDS.values()), range=list(SCORE_COLOURS.values())),
            legend=alt.Legend(orient="bottom", title="Score"),
        )
        x = alt.X(
            "Value:Q",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format=".1f", values=[i / 10 for i in range(11)]),
            title="Score (0–1)",
        )
        title = "Score by objective"
        subtitle = "Tick: the score the objective's kind expects (committed 1.0, aspirational 0.7)"
    else:
        frame = pd.DataFrame(
            {
                "Objective": labels,
                "Value": objs["progress"].astype(float),
                "Band": [status_label(s) for s in objs["status"]],
                "Target": objs["expected"].astype(float),
            }
        )
        order = [status_label(s) for s in n.STATUSES]
        colour = alt.Color(
            "Band:N",
            scale=alt.Scale(domain=order, range=[STATUS_COLOURS[s] for s in n.STATUSES]),
            legend=alt.Legend(orient="bottom", title="Status"),
        )
        x = alt.X(
            "Value:Q",
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%", values=[i / 10 for i in range(11)]),
            title="Progress (%)",
        )
        title = "Progress by objective"
        subtitle = "Tick: the progress expected by today (the elapsed share of the cycle)"
    y = alt.Y("Objective:N", sort=labels, title=None, axis=alt.Axis(labelLimit=300))
    bars = alt.Chart(frame).mark_bar(cornerRadiusEnd=2).encode(x=x, y=y, color=colour)
    ticks = alt.Chart(frame).mark_tick(color="#222222", thickness=2).encode(x="Target:Q", y=y)
    props: dict[str, Any] = {
        "title": alt.TitleParams(title, subtitle=[subtitle, chart_note(report)], anchor="start"),
        "height": alt.Step(step),
    }
    if width is not None:
        props["width"] = width
    return (bars + ticks).properties(**props)


def status_chart(report: Report, width: int | None = None) -> alt.Chart | None:
    """Key results per status (bars with their counts written on), from the headline figures."""
    counts = report.headline["status_counts"]
    if sum(counts.values()) == 0:
        return None
    frame = pd.DataFrame(
        {
            "Status": [status_label(s) for s in n.STATUSES],
            "Key results": [int(counts.get(s, 0)) for s in n.STATUSES],
        }
    )
    return _count_chart(
        frame, "Status", "Key results", [STATUS_COLOURS[s] for s in n.STATUSES], "Key results by status", width
    )


def kpi_chart(report: Report, width: int | None = None) -> alt.Chart | None:
    """KPIs per health state, from :func:`okrdata.kpis.summary`."""
    c = report.kpi_counts
    if c["kpis"] == 0:
        return None
    states = list(kpi_rules.HEALTH_STATES)
    frame = pd.DataFrame({"Health": [health_label(h) for h in states], "KPIs": [int(c[h]) for h in states]})
    return _count_chart(frame, "Health", "KPIs", [HEALTH_COLOURS[h] for h in states], "KPIs by health", width)


def _count_chart(
    frame: pd.DataFrame, category: str, count: str, colours: list[str], title: str, width: int | None
) -> alt.Chart:
    order = list(frame[category])
    y = alt.Y(f"{category}:N", sort=order, title=None)
    base = alt.Chart(frame)
    # Whole-number ticks only: Vega would put 0.5 between 0 and 1 and print it as "1".
    top = max(1, int(frame[count].max()))
    step = max(1, math.ceil(top / 5))
    ticks = list(range(0, top + step, step))
    bars = base.mark_bar(cornerRadiusEnd=2).encode(
        x=alt.X(
            f"{count}:Q",
            title=f"{count} (count)",
            scale=alt.Scale(domain=[0, ticks[-1]]),
            axis=alt.Axis(values=ticks, format="d"),
        ),
        y=y,
        color=alt.Color(f"{category}:N", scale=alt.Scale(domain=order, range=colours), legend=None),
    )
    labels = base.mark_text(align="left", dx=4, color="#222222").encode(x=f"{count}:Q", y=y, text=f"{count}:Q")
    props: dict[str, Any] = {"title": alt.TitleParams(title, anchor="start"), "height": alt.Step(24)}
    if width is not None:
        props["width"] = width
    return (bars + labels).properties(**props)


def charts(report: Report, width: int | None = None, step: int = 20) -> dict[str, alt.Chart]:
    """The report's charts by name (``objectives``, ``statuses``, ``kpis``), leaving out empty ones."""
    built = {
        "objectives": objective_chart(report, width, step),
        "statuses": status_chart(report, None if width is None else max(120, width // 2 - 120)),
        "kpis": kpi_chart(report, None if width is None else max(120, width // 2 - 120)),
    }
    return {name: chart for name, chart in built.items() if chart is not None}


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """An Altair chart as an SVG document (text, no script), rendered by ``vl-convert``."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict(validate=False))


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """An Altair chart as a PNG image, ``scale`` times its pixel size (sharp when printed)."""
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_dict(validate=False), scale=scale)


# --- the HTML file -------------------------------------------------------------------------

HTML_CHART_WIDTH = 360
"""Plot width of the objectives chart in the HTML file, in pixels (labels come on top)."""

CSS = """
:root { --ink: #1d2430; --muted: #5b6472; --rule: #d9dde3; --band: #f4f6f8; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #eceff3; color: var(--ink);
  font: 14px/1.45 "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
main { max-width: 820px; margin: 24px auto; background: #fff; padding: 40px 48px;
  box-shadow: 0 1px 4px rgba(0,0,0,.12); }
header.cover { border-bottom: 3px solid var(--ink); padding-bottom: 14px; margin-bottom: 20px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); margin: 0; }
h1 { font-size: 28px; line-height: 1.2; margin: 4px 0 6px; }
h2 { font-size: 19px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { margin: 0; color: var(--muted); }
.demo { margin: 10px 0 0; padding: 6px 10px; background: #fff6e0; border-left: 4px solid #e69500; font-size: 13px; }
.lede { font-size: 16px; margin: 12px 0; }
.figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin: 10px 0 14px; }
.figure { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 10px; }
.figure .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.figure .value { font-size: 24px; font-weight: 700; }
.figure .note { font-size: 11.5px; color: var(--muted); }
figure { margin: 12px 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
table { width: 100%; border-collapse: collapse; margin: 8px 0 4px; font-size: 12.5px; }
thead { display: table-header-group; }
th { text-align: left; background: var(--band); border-bottom: 2px solid var(--rule); padding: 5px 6px; font-size: 12px; }
td { border-bottom: 1px solid var(--rule); padding: 5px 6px; vertical-align: top; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.num, th.num { text-align: right; white-space: nowrap; }
.sub { color: var(--muted); font-size: 11.5px; }
.chip { display: inline-block; white-space: nowrap; font-weight: 700; font-size: 12px; }
.chip::before { content: ""; display: inline-block; width: 9px; height: 9px; border-radius: 50%;
  margin-right: 5px; background: currentColor; vertical-align: 0; }
.caption { color: var(--muted); font-size: 12.5px; margin: 4px 0; }
ul.learnings { list-style: none; padding: 0; margin: 6px 0; }
ul.learnings li { border-left: 3px solid var(--rule); padding: 4px 10px; margin: 8px 0; break-inside: avoid; page-break-inside: avoid; }
ul.learnings li.learning { border-left-color: #1f5fa8; }
.tag { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
footer { margin-top: 28px; border-top: 1px solid var(--rule); padding-top: 8px; color: var(--muted); font-size: 11.5px; }
h2, h3 { break-after: avoid; page-break-after: avoid; }
section { break-inside: auto; }
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  body { background: #fff; font-size: 11pt; }
  figure.main svg { max-height: 118mm; width: auto; }
  main { box-shadow: none; margin: 0; padding: 0; max-width: none; }
  .figures { grid-template-columns: repeat(3, 1fr); }
  a { color: inherit; text-decoration: none; }
}
@media screen and (max-width: 640px) {
  main { padding: 20px; }
  .figures, .pair { grid-template-columns: 1fr 1fr; }
}
"""


def _e(text: Any) -> str:
    """Text from the database made inert in HTML: every ``<``, ``>``, ``&`` and quote escaped."""
    return html.escape("" if wording.missing(text) else str(text), quote=True)


def _chip(label: str, colour: str) -> str:
    return f'<span class="chip" style="color:{colour}">{_e(label)}</span>'


def status_chip(status: str) -> str:
    """A status as HTML: a coloured disc *and* its label, so colour is never alone."""
    return _chip(status_label(status), STATUS_COLOURS.get(status, "#5b6472"))


def _own_ids(svg: str, prefix: str) -> str:
    """The SVG with its element ids (``clip31``...) renamed ``prefix-1``, ``prefix-2``...

    The renderer numbers clip paths across every chart it ever drew, so the same report would
    differ from one run to the next; renamed per chart, the file is the same each time and no
    two inline SVGs of one page share an id.
    """
    names: dict[str, str] = {}
    for old in re.findall(r'\bid="([^"]+)"', svg):
        names.setdefault(old, f"{prefix}-{len(names) + 1}")
    if not names:
        return svg
    pattern = re.compile(r'(\bid="|url\(#|href="#)(' + "|".join(re.escape(k) for k in names) + r')(?=[")])')
    return pattern.sub(lambda m: m.group(1) + names[m.group(2)], svg)


def _svg(chart: alt.TopLevelMixin | None, name: str, caption: str = "", css_class: str = "") -> str:
    if chart is None:
        return ""
    svg = _own_ids(chart_svg(chart), f"chart-{name}")
    # The SVG's own text is escaped by the renderer; only its XML prologue, if any, must go.
    svg = re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)
    cap = f'<figcaption class="caption">{_e(caption)}</figcaption>' if caption else ""
    attr = f' class="{css_class}"' if css_class else ""
    return f"<figure{attr}>{svg}{cap}</figure>"


def _table(headings: list[tuple[str, str]], rows: list[list[str]]) -> str:
    """An HTML table; ``headings`` are (text, css class); row cells are HTML already escaped."""
    head = "".join(f'<th class="{cls}">{_e(text)}</th>' for text, cls in headings)
    body = "".join(
        "<tr>" + "".join(f'<td class="{cls}">{cell}</td>' for (_, cls), cell in zip(headings, row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _objectives_html(report: Report) -> str:
    if report.objectives.empty:
        return f'<p class="caption">{_e(report.scope)} has no objectives in this cycle.</p>'
    rows = []
    for i, o in enumerate(report.objectives.to_dict("records"), start=1):
        owner = f" · {_e(o['owner_name'])}" if not wording.missing(o.get("owner_name")) and o.get("owner_name") else ""
        band = score_band(o["score"]) if report.closed else None
        outcome = _chip(objective_outcome(report, o), SCORE_COLOURS[band]) if band else _e(objective_outcome(report, o))
        rows.append(
            [
                str(i),
                f'{_e(o["title"])}<div class="sub">{_e(o["unit_name"])}{owner} · {_e(kind_text(o["kind"]))}</div>',
                status_chip(o["status"]) + _sub(report.status_notes.get(int(o["objective_id"]))),
                _e(pct(o["progress"])),
                _e(wording.pace(o["progress"], o["expected"])),
                outcome,
            ]
        )
    table = _table(
        [
            ("#", "num"),
            ("Objective", ""),
            ("Status", ""),
            ("Progress (%)", "num"),
            ("Pace (pts)", "num"),
            (outcome_heading(report), "num"),
        ],
        rows,
    )
    extra = "".join(f'<p class="caption">{_e(t)}</p>' for t in report.notes)
    return table + f'<p class="caption">{_e(outcome_explanation(report))}</p>' + extra + _goalposts_html(report)


def _sub(text: str | None) -> str:
    return f'<div class="sub">{_e(text)}</div>' if text else ""


def _goalposts_html(report: Report) -> str:
    if report.goalposts.empty:
        return ""
    rows = [
        [
            f'{_e(g["kr_title"])}<div class="sub">{_e(g["objective_title"])} · {_e(g["unit_name"])}</div>',
            _e(g["change"]),
            _e(g["reason"]),
        ]
        for g in report.goalposts.to_dict("records")
    ]
    return f'<h3>Goalposts moved</h3><p class="caption">{_e(goalposts_summary(report))}</p>' + _table(
        [("Key result", ""), ("Change", ""), ("Why", "")], rows
    )


def _risks_html(report: Report) -> str:
    out = f'<p class="caption">{_e(risk_summary(report))}</p>'
    if report.risks.empty:
        return out
    rows = []
    for r in report.risks.to_dict("records"):
        owner = f" · {_e(r['owner_name'])}" if isinstance(r.get("owner_name"), str) and r["owner_name"] else ""
        rows.append(
            [
                f'{_e(r["title"])}<div class="sub">{_e(r["objective_title"])} · {_e(r["unit_name"])}{owner}</div>',
                status_chip(r["status"]),
                _e(pct(r["progress"])),
                _e(wording.pace(r["progress"], r["expected"])),
                _e(kr_forecast(report, r)),
                _e(" · ".join(r["reasons"])),
            ]
        )
    return out + _table(
        [
            ("Key result", ""),
            ("Status", ""),
            ("Progress (%)", "num"),
            ("Pace (pts)", "num"),
            ("Forecast at end", "num"),
            ("Why it needs attention", ""),
        ],
        rows,
    )


def _learnings_html(report: Report) -> str:
    parts = []
    if not report.reflections.empty:
        parts.append('<h3>Reflections at close</h3><ul class="learnings">')
        for r in report.reflections.to_dict("records"):
            parts.append(
                f'<li class="learning"><strong>{_e(r["objective_title"])}</strong> '
                f'<span class="sub">{_e(r["unit_name"])}</span><br>{_e(r["reflection"])}</li>'
            )
        parts.append("</ul>")
    parts.append("<h3>From the check-in notes</h3>" if not report.reflections.empty else "")
    if report.learnings.empty:
        parts.append('<p class="caption">No check-in notes in this scope say more than a few words yet.</p>')
        return "".join(parts)
    parts.append(f'<p class="caption">{_e(LEARNINGS_RULE)}</p><ul class="learnings">')
    for r in report.learnings.to_dict("records"):
        tag = "Obstacle or learning" if r["kind"] == "learning" else "Latest note"
        by = f", {_e(r['author_name'])}" if r["author_name"] else ""
        parts.append(
            f'<li class="{_e(r["kind"])}"><span class="tag">{tag}</span> · <strong>{_e(r["objective_title"])}</strong>'
            f'<div class="sub">{_e(r["kr_title"])} · {_e(day(r["checkin_date"]))}{by}</div>'
            f"“{_e(r['note'])}”</li>"
        )
    parts.append("</ul>")
    return "".join(parts)


LEARNINGS_RULE = (
    "One note per objective: its most recent check-in note that mentions an obstacle or a learning, "
    "else its most recent note of six words or more; at most ten, obstacles and learnings first."
)


def _kpis_html(report: Report) -> str:
    out = f'<p class="caption">{_e(kpi_summary(report))}</p>'
    if report.kpis.empty:
        return out + (
            '<p class="caption">Every KPI is healthy and up to date.</p>' if report.kpi_counts["kpis"] else ""
        )
    rows = []
    for k in report.kpis.to_dict("records"):
        rows.append(
            [
                f'{_e(k["name"])}<div class="sub">{_e(k["unit_name"])}</div>',
                _chip(health_label(k["health"]), HEALTH_COLOURS.get(k["health"], "#5b6472")),
                _e(kpi_reading(k)),
                _e(kpi_target(k)),
                _e(wording.number(k["warning"], k.get("unit_label"))),
            ]
        )
    return out + _table(
        [("KPI", ""), ("Health", ""), ("Latest reading", ""), ("Target", ""), ("Warning at", "num")], rows
    )


def to_html(report: Report) -> str:
    """The report as one self-contained HTML document: inline CSS, inline SVG charts, no script,
    no external URL; laid out for A4 when printed. Every text from the database is escaped."""
    figures = "".join(
        f'<div class="figure"><div class="label">{_e(label)}</div><div class="value">{_e(value)}</div>'
        f'<div class="note">{_e(note)}</div></div>'
        for label, value, note in headline_figures(report)
    )
    built = charts(report, HTML_CHART_WIDTH)
    demo = (
        '<p class="demo">Demo data: the figures describe the demo organisation, not a real one.</p>'
        if report.demo
        else ""
    )
    pair = ""
    if "statuses" in built or "kpis" in built:
        pair = f'<div class="pair">{_svg(built.get("statuses"), "statuses")}{_svg(built.get("kpis"), "kpis")}</div>'
    body = f"""
<header class="cover">
  <p class="eyebrow">Executive summary · {_e(report.scope_note)}</p>
  <h1>{_e(report.scope)}: {_e(report.cycle["name"])}</h1>
  <p class="meta">{_e(report.period)} · prepared {_e(day(report.today))} · figures as of {_e(day(report.headline["as_of"]))}</p>
  {demo}
</header>
<section id="headline">
  <h2>Headline</h2>
  <p class="lede">{_e(headline_sentence(report))}</p>
  <div class="figures">{figures}</div>
  {_svg(built.get("objectives"), "objectives", css_class="main")}
  {pair}
</section>
<section id="objectives">
  <h2>Objectives</h2>
  {_objectives_html(report)}
</section>
<section id="risks">
  <h2>Top risks</h2>
  {_risks_html(report)}
</section>
<section id="learnings">
  <h2>Learnings</h2>
  {_learnings_html(report)}
</section>
<section id="kpis">
  <h2>KPI health</h2>
  {_kpis_html(report)}
</section>
<footer>
  <p><strong>How to read this summary.</strong> {_e(HOW_TO_READ)}</p>
  <p>Prepared with the OKR dashboard on {_e(day(report.today))} for {_e(report.company)}.</p>
</footer>
"""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(report.title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def chart_note(report: Report) -> str:
    """The objectives chart's second subtitle line: the numbering, and how many are drawn."""
    shown = min(len(report.objectives), CHART_OBJECTIVES)
    numbered = "Bars are numbered as in the objectives table"
    if report.objective_total > shown:
        return f"{numbered}; the first {shown} of {report.objective_total} objectives are drawn"
    return numbered
