"""The spreadsheet layouts an import reads and the export writes, each a tuple of :class:`Column`.

- **The OKR layout** (``okrs``): one row per key result (cycle, unit, objective, key result,
  type, baseline, target, current value, owner, alignment, score and reflection...):
  :data:`OKR_COLUMNS`.
- **The check-in layout** (``checkins``): one row per check-in, for history: :data:`CHECKIN_COLUMNS`.
- **KPIs**, **KPI readings** and **people**: :data:`KPI_COLUMNS`, :data:`KPI_READING_COLUMNS`,
  :data:`PEOPLE_COLUMNS`.

A column has the header the export writes and the other names a file may give it
(``docs/import-format.md``); :data:`LAYOUTS` holds the five by name, :data:`LAYOUT_NAMES` says
each in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from okrdata.parsing import normalize_header

DEFAULT_CONFIDENCE = 5
"""Confidence recorded with an imported current value that comes without one: 5 is *at risk*,
so that nothing looks on track without someone having said so."""


@dataclass(frozen=True)
class Column:
    """A column of a layout: its key, the header the export writes, and the names it is known by."""

    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: str = ""


_UNIT_NAMES = (
    "team",
    "department",
    "org unit",
    "organisation unit",
    "organization unit",
    "group",
    "business unit",
    "squad",
    "unit name",
    "team name",
    "owning unit",
)

OKR_COLUMNS: tuple[Column, ...] = (
    Column(
        "cycle",
        "Cycle",
        ("cycle name", "quarter", "period", "okr cycle", "okr period", "timeframe", "time frame", "okr quarter"),
        True,
        "The cycle's name, such as 2026 Q1.",
    ),
    Column(
        "cycle_start",
        "Cycle start",
        (
            "cycle start date",
            "start",
            "start date",
            "starts",
            "from",
            "begins",
            "period start",
            "quarter start",
            "cycle from",
        ),
        help="First day of the cycle; needed only for a new cycle not named like 2026 Q1.",
    ),
    Column(
        "cycle_end",
        "Cycle end",
        ("cycle end date", "end", "end date", "ends", "to", "until", "period end", "quarter end", "cycle to"),
        help="Last day of the cycle; as for Cycle start.",
    ),
    # Not "state" or "status" alone: another tool's column of that name means a key result's state.
    Column(
        "cycle_state",
        "Cycle state",
        ("cycle status", "state of cycle", "cycle phase"),
        help="planning, active or closed, for a new cycle (default: planning if it starts later, else active).",
    ),
    Column(
        "unit",
        "Unit",
        _UNIT_NAMES,
        True,
        "The unit (company, department or team) whose objective it is.",
    ),
    Column(
        "parent_unit",
        "Parent unit",
        ("parent", "parent team", "parent department", "part of", "belongs to", "reports to", "parent unit name"),
        help="The unit above it, to create a unit that does not exist yet.",
    ),
    Column(
        "unit_lead",
        "Unit lead",
        ("team lead", "unit owner", "head of unit", "team leader", "department head"),
        help="E-mail or name of who leads a new unit (and may edit it).",
    ),
    Column(
        "objective",
        "Objective",
        ("objective title", "objective name", "objectives", "o", "goal", "okr", "objective statement"),
        True,
        "The objective's title. Left blank on following rows: the objective of the row above.",
    ),
    Column(
        "objective_id",
        "Objective ID",
        ("objective key", "objective number", "objective no", "o id", "objective ref", "okr id"),
        help="Tells apart objectives of one unit and cycle that share a title: rows with the same ID are one "
        "objective (the export numbers such objectives 1, 2...).",
    ),
    Column(
        "objective_description",
        "Objective description",
        ("description", "why", "objective why", "rationale", "context", "objective details", "objective notes"),
        help="Why the objective matters.",
    ),
    Column(
        "kind",
        "Kind",
        (
            "objective kind",
            "objective type",
            "commitment",
            "okr type",
            "okr kind",
            "committed or aspirational",
            "ambition",
        ),
        help="committed (default) or aspirational (also: moonshot, stretch).",
    ),
    Column(
        "objective_owner",
        "Objective owner",
        ("objective lead", "o owner", "objective responsible", "objective owner email"),
        help="E-mail or name; default: the unit's lead.",
    ),
    Column(
        "objective_weight",
        "Objective weight",
        ("o weight", "objective weighting"),
        help="The objective's weight in its unit's progress (default 1).",
    ),
    Column(
        "aligned_to",
        "Aligned to",
        (
            "aligns to",
            "alignment",
            "parent objective",
            "contributes to",
            "supports",
            "aligned with",
            "linked to",
            "parent okr",
            "aligned to objective",
        ),
        help="Title of the objective (or key result) of a unit above that this objective serves.",
    ),
    Column(
        "score",
        "Score",
        ("objective score", "final score", "grade", "okr score"),
        help="The objective's score at the end of its cycle, 0.0 to 1.0 (default: proposed from its final "
        "progress when the cycle closes).",
    ),
    Column(
        "score_reason",
        "Score reason",
        ("reason", "scoring reason", "score comment", "score note"),
        help="Why the score differs from the final progress (needed when it differs by more than 0.05).",
    ),
    Column(
        "reflection",
        "Reflection",
        ("retrospective", "retro", "lessons learned", "objective reflection", "what we learned"),
        help="What the cycle taught, written at its end.",
    ),
    Column(
        "key_result",
        "Key result",
        (
            "key results",
            "kr",
            "krs",
            "key result title",
            "kr title",
            "kr name",
            "key result name",
            "result",
            "measurable result",
        ),
        True,
        "The key result's title.",
    ),
    Column(
        "type",
        "Type",
        ("kr type", "key result type", "measurement type", "direction", "metric type", "goal type", "target type"),
        help="increase to, decrease to, stay above, stay below or milestone (inferred when blank).",
    ),
    Column(
        "baseline",
        "Baseline",
        (
            "base",
            "baseline value",
            "starting value",
            "start value",
            "initial value",
            "from value",
            "begin value",
            "starting point",
        ),
        help="Where the key result starts.",
    ),
    Column(
        "target",
        "Target",
        ("target value", "goal value", "to value", "end value", "target level"),
        help="Where it must get to (the bound, for stay above/below).",
    ),
    Column(
        "unit_label",
        "Unit label",
        (
            "label",
            "unit of measure",
            "uom",
            "measure unit",
            "metric unit",
            "measurement unit",
            "unit symbol",
            "kr unit",
        ),
        help="What the numbers count: %, EUR, users, ms...",
    ),
    Column(
        "current_value",
        "Current value",
        (
            "current",
            "value",
            "actual",
            "actual value",
            "latest value",
            "latest",
            "progress value",
            "current status value",
            "now",
            "today",
            "achieved",
            "current level",
        ),
        help="The latest value; becomes a check-in dated As of (default today).",
    ),
    Column(
        "confidence",
        "Confidence",
        ("confidence level", "confidence score", "conf", "confidence 0 10"),
        help=f"0-10 (also 7/10, or on track / at risk / off track); default {DEFAULT_CONFIDENCE}.",
    ),
    Column(
        "as_of",
        "As of",
        (
            "as of date",
            "date",
            "updated",
            "last updated",
            "updated on",
            "check in date",
            "checkin date",
            "measured on",
            "value date",
            "last check in",
        ),
        help="The date of the current value.",
    ),
    Column(
        "note",
        "Note",
        ("notes", "comment", "comments", "remark", "remarks", "check in note", "progress note", "learnings", "update"),
        help="The check-in's note: progress, obstacles, learnings.",
    ),
    Column(
        "checkin_author",
        "Checked in by",
        ("value by", "updated by", "current value by", "reported by", "checked in"),
        help="E-mail or name of who recorded the current value (default: the key result's owner).",
    ),
    Column(
        "weight",
        "Weight",
        ("kr weight", "key result weight", "weighting"),
        help="The key result's weight in its objective's progress (default 1).",
    ),
    Column(
        "owner",
        "Owner",
        (
            "kr owner",
            "key result owner",
            "responsible",
            "assignee",
            "accountable",
            "owner email",
            "dri",
            "kr owner email",
        ),
        help="E-mail or name of who owns the key result; a new e-mail adds the person (as a viewer).",
    ),
    Column(
        "kpi",
        "KPI",
        ("measured by", "kpi name", "linked kpi", "kpi link"),
        help="The name of the KPI the key result is measured by (the KPIs sheet or file defines it).",
    ),
    Column(
        "cadence_days",
        "Check-in every (days)",
        ("cadence", "cadence days", "check in cadence", "check in every", "check in frequency"),
        help="Days between check-ins (default 7); a key result silent for longer is stale.",
    ),
)

CHECKIN_COLUMNS: tuple[Column, ...] = (
    Column("cycle", "Cycle", ("cycle name", "quarter", "period", "okr cycle")),
    Column("unit", "Unit", ("team", "department", "org unit", "group", "squad", "unit name", "team name")),
    Column("objective", "Objective", ("objective title", "objective name", "o", "goal")),
    Column(
        "objective_id",
        "Objective ID",
        ("objective key", "objective number", "objective no", "o id", "objective ref", "okr id"),
    ),
    Column("key_result", "Key result", ("key results", "kr", "key result title", "kr title", "kr name"), True),
    Column(
        "date",
        "Date",
        (
            "check in date",
            "checkin date",
            "as of",
            "as of date",
            "week",
            "day",
            "reported on",
            "measured on",
            "updated on",
        ),
        True,
    ),
    Column("value", "Value", ("current value", "actual", "actual value", "reading", "measured value"), True),
    Column("confidence", "Confidence", ("confidence level", "confidence score", "conf")),
    Column("note", "Note", ("notes", "comment", "comments", "remark", "remarks", "learnings", "update")),
    Column("author", "Author", ("by", "reported by", "entered by", "who", "author email", "checked in by")),
)

_KPI_NAMES = ("kpi name", "indicator", "health metric", "metric name", "kpi title")

PEOPLE_COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "Name",
        ("full name", "person", "display name", "person name", "employee"),
        True,
        "The person's name as the pages show it.",
    ),
    Column(
        "email",
        "E-mail",
        ("email address", "e mail address", "mail", "work email"),
        True,
        "Their e-mail address: how the dashboard knows them.",
    ),
    Column(
        "role", "Role", ("access", "permission", "permissions", "rights"), help="viewer (the default), lead or admin."
    ),
    Column(
        "units",
        "Units",
        ("can edit", "edits", "edit units", "units to edit", "teams"),
        help="The units they may edit besides those they lead, separated by semicolons.",
    ),
    Column(
        "archived",
        "Archived",
        ("inactive", "left"),
        help="yes for someone who has left (kept for the record); blank otherwise.",
    ),
)

KPI_COLUMNS: tuple[Column, ...] = (
    Column("unit", "Unit", _UNIT_NAMES, True, "The unit whose health the KPI watches."),
    Column("kpi", "KPI", _KPI_NAMES, True, "The KPI's name."),
    Column("unit_label", "Unit label", ("label", "unit of measure", "uom", "measure unit")),
    Column(
        "target_type",
        "Target type",
        ("type", "direction", "kpi type", "goal type"),
        True,
        "stay above, stay below, increase to or decrease to.",
    ),
    Column("target", "Target", ("target value", "goal", "goal value"), True),
    Column(
        "warning",
        "Warning",
        ("warning threshold", "warn at", "threshold", "warning level"),
        help="Where it warns before the target is breached.",
    ),
    Column(
        "frequency_days",
        "Frequency (days)",
        ("frequency", "frequency days", "update every", "expected frequency", "cadence"),
        help="Days between readings (default 7).",
    ),
    Column("description", "Description", ("why", "about", "notes")),
)

KPI_READING_COLUMNS: tuple[Column, ...] = (
    Column("unit", "Unit", _UNIT_NAMES, help="The KPI's unit, when KPI names repeat across units."),
    Column("kpi", "KPI", _KPI_NAMES, True),
    Column("date", "Date", ("reading date", "measured on", "as of", "week", "day"), True),
    Column("value", "Value", ("reading", "actual", "measured value", "actual value"), True),
    Column("author", "Author", ("by", "reported by", "entered by", "who", "author email")),
)

LAYOUTS = {
    "okrs": OKR_COLUMNS,
    "checkins": CHECKIN_COLUMNS,
    "kpis": KPI_COLUMNS,
    "kpi_readings": KPI_READING_COLUMNS,
    "people": PEOPLE_COLUMNS,
}
LAYOUT_NAMES = {
    "okrs": "the OKR layout (one row per key result)",
    "checkins": "the check-in layout (one row per check-in)",
    "kpis": "the KPI layout (one row per KPI)",
    "kpi_readings": "the KPI reading layout (one row per reading)",
    "people": "the people layout (one row per person)",
}
"""Each layout in words, as an import report names the one it recognised."""


def _synonym_map(columns: Iterable[Column]) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in columns:
        for name in (col.key, col.header, *col.synonyms):
            out.setdefault(normalize_header(name), col.key)
    return out


_SYNONYMS = {name: _synonym_map(cols) for name, cols in LAYOUTS.items()}
_HEADERS = {name: {c.key: c.header for c in cols} for name, cols in LAYOUTS.items()}
