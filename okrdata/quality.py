"""The OKR coach: quality checks on a cycle's OKRs, returned as findings.

Findings are advice shown beside the OKRs they concern, never a block on saving. Each rule
of DESIGN.md ("Quality checks") is a function from the cycle's rows to findings, and
:func:`findings` runs them all.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
import sqlite_utils

from okrdata.queries import subtree_ids
from okrdata.wording import plural

MAX_OBJECTIVES_PER_UNIT = 3
MIN_KRS, MAX_KRS = 2, 5
MAX_KRS_PER_OWNER = 5
MAX_ACTIVE_KRS = 50

ACTIVITY_VERBS = (
    "launch",
    "implement",
    "hold",
    "write",
    "migrate",
    "build",
    "create",
    "deliver",
    "ship",
    "release",
    "complete",
    "finish",
    "run",
    "organise",
    "organize",
    "set up",
    "setup",
    "introduce",
    "roll out",
    "rollout",
    "design",
    "develop",
    "deploy",
    "publish",
    "hire",
    "start",
    "conduct",
    "prepare",
    "update",
    "refactor",
    "document",
    "host",
    "attend",
    "install",
    "rewrite",
    "redesign",
)
# An activity verb opens the title: "Run-rate", "Hire-to-start" and "Start-up" are nouns.
STARTS_WITH_ACTIVITY = re.compile(
    r"^\s*(" + "|".join(re.escape(v) for v in ACTIVITY_VERBS) + r")\b(?!-)", re.IGNORECASE
)
_NUMBER = r"(?:EUR|USD|GBP|CHF|[€$£])?\s*[-+−]?\d"
FROM_TO = re.compile(r"\bfrom\b[^;]*?\d[^;]*?\bto\b[^;]*?\d|\d[^;]*?(?:→|->)[^;]*?\d", re.IGNORECASE)
"""A change from a number to a number: "from 2% to 4%", "60% → 80%" (from Braintree to Stripe is a move, not a measure)."""
BOUND = re.compile(
    r"(?:\b(?:above|below|over|under|within|at least|at most|exceeds?|exceeding|reach(?:es|ing)?"
    r"|(?:more|less|fewer|greater|higher|lower|shorter|longer|faster|slower) than)\b|[≥≤<>]=?)\s*"
    + _NUMBER
    + r"|\d[\d,.]*\s*\S*\s+or\s+(?:more|higher|above|better|less|lower|below|fewer)\b",
    re.IGNORECASE,
)
"""A measurable bound: "above 95%", "below 200 ms", "≥ 99%", "at least 12%", "4.5 or higher"."""
COUNTED = re.compile(
    r"^\s*\S+(?:\s+up)?\s+(?:(?:at least|at most|up to|more than|over|another)\s+)?"
    r"(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a dozen)\b",
    re.IGNORECASE,
)
"""A count right after the verb ("Run 5 workshops", "Hire at least 3 engineers"): how much of
the activity gets done, an output, so no bound after it makes the title an outcome."""

RULE_TITLES = {
    "too_many_objectives": "Too many objectives",
    "kr_count": "Key result count",
    "activity_kr": "Activity, not outcome",
    "missing_goal": "No baseline or target",
    "unaligned": "Not aligned",
    "owner_overload": "Owner overloaded",
    "too_many_krs": "Too many key results",
}


@dataclass(frozen=True)
class Finding:
    """One piece of coaching advice: which rule, how serious, about what, and what to do."""

    rule: str
    severity: str  # "warning" or "info"
    advice: str
    unit_id: int | None = None
    objective_id: int | None = None
    kr_id: int | None = None
    subject: str = ""

    @classmethod
    def on_objective(cls, rule: str, severity: str, advice: str, o: Any) -> Finding:
        """A finding about the objective ``o`` (a row of the cycle's objectives, as a named tuple)."""
        return cls(rule, severity, advice, unit_id=int(o.unit_id), objective_id=int(o.id), subject=o.title)

    @classmethod
    def on_key_result(cls, rule: str, severity: str, advice: str, k: Any) -> Finding:
        """A finding about the key result ``k`` (a row of the cycle's key results, as a named tuple)."""
        return cls(
            rule,
            severity,
            advice,
            unit_id=int(k.unit_id),
            objective_id=int(k.objective_id),
            kr_id=int(k.id),
            subject=k.title,
        )


def reads_as_activity(title: str) -> bool:
    """True when a key result's title reads as an activity rather than an outcome (DESIGN.md).

    It starts with an activity verb (:data:`ACTIVITY_VERBS`: launch, implement, hold, migrate…)
    and states no change from a number to a number (:data:`FROM_TO`) and no measurable bound
    (:data:`BOUND`: "above 95%", "below 200 ms"), either of which makes it an outcome: "Build
    success rate stays above 95%" is one. A count right after the verb (:data:`COUNTED`: "Run 5
    workshops", "Hire at least 3 engineers") is how much of the activity gets done, an output,
    so it reads as an activity whatever follows.
    """
    text = title or ""
    if not STARTS_WITH_ACTIVITY.match(text):
        return False
    if COUNTED.match(text):
        return True
    return not (FROM_TO.search(text) or BOUND.search(text))


def _rows(db: sqlite_utils.Database, cycle_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    objectives = pd.DataFrame(
        list(
            db.query(
                """
                SELECT o.id, o.title, o.unit_id, u.name AS unit_name, u.parent_id AS unit_parent_id,
                       o.parent_objective_id
                FROM objectives o JOIN units u ON u.id = o.unit_id
                WHERE o.cycle_id = ? AND o.state = 'active' ORDER BY o.id
                """,
                [cycle_id],
            )
        ),
        columns=["id", "title", "unit_id", "unit_name", "unit_parent_id", "parent_objective_id"],
    )
    krs = pd.DataFrame(
        list(
            db.query(
                """
                SELECT kr.id, kr.title, kr.kr_type, kr.baseline, kr.target, kr.objective_id, o.unit_id,
                       kr.owner_id, p.name AS owner_name
                FROM key_results kr JOIN objectives o ON o.id = kr.objective_id
                LEFT JOIN people p ON p.id = kr.owner_id
                WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0 ORDER BY kr.id
                """,
                [cycle_id],
            )
        ),
        columns=["id", "title", "kr_type", "baseline", "target", "objective_id", "unit_id", "owner_id", "owner_name"],
    )
    return objectives, krs


def too_many_objectives(objectives: pd.DataFrame, krs: pd.DataFrame) -> list[Finding]:
    """A unit with more than three objectives in the cycle."""
    counts = objectives.groupby(["unit_id", "unit_name"]).size()
    return [
        Finding(
            "too_many_objectives",
            "warning",
            f"{unit_name} has {count} objectives this cycle; focus on {MAX_OBJECTIVES_PER_UNIT} "
            "or fewer, and move the rest to the backlog or the next cycle.",
            unit_id=int(unit_id),
            subject=unit_name,
        )
        for (unit_id, unit_name), count in counts[counts > MAX_OBJECTIVES_PER_UNIT].items()
    ]


def kr_count(objectives: pd.DataFrame, krs: pd.DataFrame) -> list[Finding]:
    """An objective with fewer than two or more than five key results."""
    counts = objectives["id"].map(krs.groupby("objective_id").size()).fillna(0).astype(int)
    off = (counts < MIN_KRS) | (counts > MAX_KRS)
    out = []
    for o, count in zip(objectives[off].itertuples(), counts[off]):
        if count < MIN_KRS:
            advice = (
                f"has {plural(count, 'key result')}; add measurable outcomes until "
                f"{MIN_KRS} or 3 of them together prove the objective is met."
            )
        else:
            advice = f"has {count} key results; keep the {MAX_KRS} that matter most (2-3 is typical)."
        out.append(Finding.on_objective("kr_count", "warning", f"{o.title!r} {advice}", o))
    return out


def activity_krs(objectives: pd.DataFrame, krs: pd.DataFrame) -> list[Finding]:
    """A key result that reads as an activity (:func:`reads_as_activity`): an activity verb with no
    *from X to Y* and no measurable bound."""
    titles = krs["title"].fillna("").astype(str)
    # The vectorised match narrows the rows; reads_as_activity stays the one definition.
    candidates = krs[titles.str.match(STARTS_WITH_ACTIVITY)]
    return [
        Finding.on_key_result(
            "activity_kr",
            "warning",
            f"{k.title!r} reads as an activity, not an outcome; say what it changes, from X to Y or "
            "with a bound such as above 95% (for example the adoption or time it should move).",
            k,
        )
        for k in candidates.itertuples()
        if reads_as_activity(k.title)
    ]


def missing_goals(objectives: pd.DataFrame, krs: pd.DataFrame) -> list[Finding]:
    """A key result with no baseline or no target (where its type needs them)."""
    no_baseline = krs["kr_type"].isin(["increase", "decrease"]) & krs["baseline"].isna()
    no_target = (krs["kr_type"] != "milestone") & krs["target"].isna()
    off = no_baseline | no_target
    out = []
    for k, baseline_missing, target_missing in zip(krs[off].itertuples(), no_baseline[off], no_target[off]):
        missing = [name for name, gone in (("baseline", baseline_missing), ("target", target_missing)) if gone]
        out.append(
            Finding.on_key_result(
                "missing_goal",
                "warning",
                f"{k.title!r} has no {' and no '.join(missing)}; without them its progress cannot be measured.",
                k,
            )
        )
    return out


def unaligned(objectives: pd.DataFrame, krs: pd.DataFrame) -> list[Finding]:
    """An objective of a team or department aligned to nothing above it."""
    return [
        Finding.on_objective(
            "unaligned",
            "info",
            f"{o.title!r} ({o.unit_name}) is aligned to nothing; link it to the objective or key result "
            "above it that it serves, so everyone sees the line of sight.",
            o,
        )
        for o in objectives.itertuples()
        if not pd.isna(o.unit_parent_id) and pd.isna(o.parent_objective_id)
    ]


def owner_overload(objectives: pd.DataFrame, krs: pd.DataFrame) -> list[Finding]:
    """One person owning more than five key results in the cycle."""
    counts = krs.dropna(subset=["owner_id"]).groupby(["owner_id", "owner_name"]).size()
    return [
        Finding(
            "owner_overload",
            "warning",
            f"{owner_name} owns {count} key results; spread ownership so each gets attention "
            f"(at most {MAX_KRS_PER_OWNER} each).",
            subject=owner_name,
        )
        for (owner_id, owner_name), count in counts[counts > MAX_KRS_PER_OWNER].items()
    ]


def too_many_krs(objectives: pd.DataFrame, krs: pd.DataFrame) -> list[Finding]:
    """An organisation tracking more than about fifty key results in the cycle."""
    if len(krs) > MAX_ACTIVE_KRS:
        return [
            Finding(
                "too_many_krs",
                "warning",
                f"The organisation tracks {len(krs)} key results this cycle; past about {MAX_ACTIVE_KRS} "
                "nobody can follow them. Cut to the ones that matter.",
                subject="Organisation",
            )
        ]
    return []


RULES = (too_many_objectives, kr_count, activity_krs, missing_goals, unaligned, owner_overload, too_many_krs)


def findings(db: sqlite_utils.Database, cycle_id: int, unit_id: int | None = None) -> list[Finding]:
    """Every finding for a cycle; with ``unit_id``, only those about that unit's branch.

    Organisation-wide findings (owner overload, too many key results) are kept for every unit.
    """
    objectives, krs = _rows(db, cycle_id)
    result = [f for rule in RULES for f in rule(objectives, krs)]
    if unit_id is not None:
        branch = set(subtree_ids(db, unit_id))
        result = [f for f in result if f.unit_id is None or f.unit_id in branch]
    return result


def findings_frame(db: sqlite_utils.Database, cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """:func:`findings` as a DataFrame with a readable ``rule_title`` column."""
    rows = [asdict(f) | {"rule_title": RULE_TITLES[f.rule]} for f in findings(db, cycle_id, unit_id)]
    return pd.DataFrame(
        rows, columns=["rule", "rule_title", "severity", "advice", "unit_id", "objective_id", "kr_id", "subject"]
    )
