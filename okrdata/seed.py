"""The demo organisation: read from the data files in ``seed/`` and written through ``okrdata.writes``.

The files describe Northwind Labs (people, units, KPIs, two cycles of OKRs) with every date
relative to the day of loading, so the demo always looks like a company eight weeks into its
quarter. Weekly check-ins and KPI readings are not listed one by one: each key result and KPI
gives a trajectory (a shape, where it ends, a confidence path, a few notes of its own) and
:func:`load_demo` generates the rows from it deterministically, so two loads on the same day
give the same database.

Everything goes through the validated write functions, inside one transaction: the demo
loads whole or not at all. The only direct updates are the ones no write function covers on
purpose: scores and reflections of the closed cycle (written after it closes, as the Review
page would) and the timestamps of generated rows (stamped on the day they describe rather
than the second they were loaded).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from okrdata import numbers, writes
from okrdata.auth import demo_password_hash
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.schema import migrate

DEMO_ACCOUNTS = ("admin", "lead", "viewer")
"""E-mail local parts of the demo accounts, whose password is :data:`okrdata.auth.DEMO_PASSWORD`."""

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
"""Where the demo's data files live; ``$OKR_SEED_DIR`` overrides it."""

WEEK = 7
NOTE_SILENCE = 0.25
"""Share of generated check-ins (those without a note of their own) that carry no note."""

COUNTED_TABLES = (
    "people",
    "units",
    "cycles",
    "objectives",
    "key_results",
    "checkins",
    "checkin_revisions",
    "kpis",
    "kpi_readings",
)


# --- reading the files -------------------------------------------------------------------


def seed_dir(path: str | os.PathLike | None = None) -> Path:
    """The folder of the demo's data files: ``path``, else ``$OKR_SEED_DIR``, else ``seed/``."""
    return Path(path or os.environ.get("OKR_SEED_DIR") or SEED_DIR)


def read_seed(path: str | os.PathLike | None = None) -> dict:
    """The demo's data files as one dict: organisation, kpis, notes and cycles (oldest first)."""
    folder = seed_dir(path)

    def load(name: str | Path) -> Any:
        with open(folder / name, encoding="utf-8") as fh:
            return yaml.safe_load(fh)

    cycles = []
    for file in sorted((folder / "cycles").glob("*.yaml")):
        spec = load(Path("cycles") / file.name)
        spec["label"] = file.stem
        cycles.append(spec)
    # Oldest first: the cycle that starts furthest before today.
    cycles.sort(key=lambda c: -int(c["starts_days_before_today"]))
    return {
        "organisation": load("organisation.yaml"),
        "kpis": load("kpis.yaml")["kpis"],
        "notes": load("notes.yaml"),
        "cycles": cycles,
    }


# --- dates and names ---------------------------------------------------------------------


def quarter_name(day: dt.date) -> str:
    """The calendar quarter a date falls in, as a cycle name: ``"2026 Q1"``."""
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def cycle_names(spans: Sequence[tuple[dt.date, dt.date]]) -> list[str]:
    """Names for consecutive cycles: the quarter each one mostly falls in, never the same twice.

    Two 13-week cycles can have their midpoints in one 92-day quarter (the first on its first
    day, the second on its last); the earlier one then takes the quarter of its start date.
    """
    names: list[str] = []
    for start, end in spans:
        name = quarter_name(start + (end - start) / 2)
        if name in names:
            names[-1] = quarter_name(spans[len(names) - 1][0])
        if name in names:
            name = f"{name} ({len(names) + 1})"
        names.append(name)
    return names


def cycle_span(spec: dict, today: dt.date) -> tuple[dt.date, dt.date]:
    """Start and end date of a cycle file, relative to ``today``."""
    start = today - dt.timedelta(days=int(spec["starts_days_before_today"]))
    return start, start + dt.timedelta(days=int(spec["length_days"]))


# --- trajectories --------------------------------------------------------------------------

SHAPES = {
    "steady": lambda t, stall: t,
    "early": lambda t, stall: 1 - (1 - t) ** 2,
    "late": lambda t, stall: t**3,
    "stalling": lambda t, stall: min(1.0, t / stall),
    "flat": lambda t, stall: 0.0,
}


@dataclasses.dataclass
class PlannedCheckin:
    """One generated check-in of a key result."""

    label: int | str  # week number, or "end" for the closing check-in of a closed cycle
    day: dt.date
    value: float
    confidence: int
    note: str = ""
    typo: float | None = None


def confidence_path(spec: Any, count: int) -> list[int]:
    """Confidences for ``count`` check-ins from a number, a ``"7..4"`` drift or a list."""
    if count == 0:
        return []
    if isinstance(spec, str) and ".." in spec:
        first, last = (float(x) for x in spec.split(".."))
        values = [first + (last - first) * i / max(1, count - 1) for i in range(count)]
    elif isinstance(spec, (list, tuple)):
        values = [spec[round(i * (len(spec) - 1) / max(1, count - 1))] for i in range(count)]
    else:
        values = [float(spec if spec is not None else 7)] * count
    return [int(min(10, max(0, round(v)))) for v in values]


def default_decimals(kr: dict) -> int:
    """How finely a key result's values are written when its file does not say."""
    baseline, target = kr.get("baseline"), kr.get("target")
    if baseline is None or target is None:
        return 1
    span = abs(float(target) - float(baseline))
    if span >= 50 or (span >= 5 and float(baseline).is_integer() and float(target).is_integer()):
        return 0
    return 1 if span >= 5 else 2


def format_value(value: float, unit: str, decimals: int, milestone: bool = False) -> str:
    """A value as a person would write it in a note: ``"41.5%"``, ``"EUR 412,000"``, ``"480 ms"``."""
    if milestone:
        return f"{round(value * 100)}% done"
    text = f"{value:,.{max(0, decimals)}f}"
    if unit == "%":
        return text + "%"
    if unit == "EUR":
        return "EUR " + text
    if unit == "NPS":
        return "NPS " + text
    if text == "1" and len(unit) > 2 and unit.endswith("s"):
        unit = unit[:-1]  # "1 customer", but "1 ms"
    return f"{text} {unit}".strip()


def format_amount(amount: float, unit: str, decimals: int, milestone: bool = False) -> str:
    """A difference between two values: percentages move in points, milestones in percent."""
    if milestone:
        return f"{round(amount * 100)}%"
    if unit in ("%", "NPS"):
        text = f"{amount:,.{max(0, decimals)}f}"
        return f"{text} point" if text == "1" else f"{text} points"
    return format_value(amount, unit, decimals)


def plan_checkins(
    kr: dict, start: dt.date, end: dt.date, today: dt.date, closed: bool, seed: str
) -> list[PlannedCheckin]:
    """The check-ins of one key result, from its ``checkins`` trajectory (notes not yet filled).

    Check-ins fall every ``every`` weeks from the cycle's start up to today (or the cycle's
    end), plus a closing one on the last day of a closed cycle. The value follows the shape
    from ``start`` to ``end`` with a deterministic wobble, except on the closing day, which
    lands exactly on ``end`` so that scores come out as the file intends.
    """
    spec = kr.get("checkins") or {}
    kr_type = kr["type"]
    length = (end - start).days
    baseline = 0.0 if kr_type == "milestone" else kr.get("baseline")
    target = 1.0 if kr_type == "milestone" else kr.get("target")
    first = float(spec.get("start", baseline if baseline is not None else target))
    if "end" in spec:
        last = float(spec["end"])
    else:
        last = first + float(spec.get("reach", 1.0)) * (float(target) - first)
    shape = SHAPES[spec.get("shape", "steady")]
    stall = float(spec.get("stall_at", 0.35))
    noise = float(spec.get("noise", 0 if kr_type == "milestone" else abs(last - first) * 0.02))
    decimals = int(spec.get("decimals", default_decimals(kr)))
    monotone = bool(spec.get("monotone", kr_type == "milestone" or (kr_type == "increase" and baseline == 0)))
    overrides = {int(k): float(v) for k, v in (spec.get("set") or {}).items()}
    typos = {int(k): float(v) for k, v in (spec.get("typo") or {}).items()}
    every = int(spec.get("every", 1))
    stop_after = spec.get("stop_after")
    skip = set(spec.get("skip") or ())
    horizon = min(length, (today - start).days)

    slots: list[tuple[int | str, int]] = []
    week = every
    while week * WEEK <= horizon:
        if (stop_after is None or week <= int(stop_after)) and week not in skip:
            slots.append((week, week * WEEK))
        week += every
    if closed and (not slots or slots[-1][1] < length):
        slots.append(("end", length))

    rng = random.Random(seed)
    planned: list[PlannedCheckin] = []
    highest = float("-inf")
    for label, day in slots:
        t = day / length
        value = first + (last - first) * shape(t, stall)
        wobble = rng.uniform(-1, 1) * noise
        if label in overrides:
            value = overrides[label]
        elif label != "end":
            value += wobble
        if kr_type == "milestone":
            value = min(1.0, max(0.0, round(value * 20) / 20))
        else:
            value = round(value, decimals)
            if baseline is not None and baseline >= 0 and (target is None or target >= 0):
                value = max(0.0, value)
        if monotone:
            value = max(value, highest)
            highest = value
        planned.append(PlannedCheckin(label, start + dt.timedelta(days=day), value, 0, typo=typos.get(label)))
    for checkin, confidence in zip(planned, confidence_path(spec.get("confidence", 7), len(planned))):
        checkin.confidence = confidence
    return planned


def _raw_progress(kr: dict, value: float) -> float:
    """Unclamped progress, so a slide below the baseline still reads as a slide."""
    if kr["type"] == "milestone":
        return value
    baseline, target = kr.get("baseline"), kr.get("target")
    if baseline is None or target is None or target == baseline:
        return 0.0
    return (value - float(baseline)) / (float(target) - float(baseline))


def _bound_met(kr: dict, value: float) -> bool:
    if kr["type"] == "stay_above":
        return value >= float(kr["target"])
    return value <= float(kr["target"])


def write_notes(kr: dict, planned: list[PlannedCheckin], pool: dict[str, list[str]], seed: str) -> None:
    """Fill each check-in's note: the key result's own for that week, else one from the pool.

    Pool notes are picked by how the week went (up, flat, down; holding or breach for a
    bound), never the same one twice for a key result, and a few weeks stay silent.
    """
    own = {str(k): str(v).strip() for k, v in (kr.get("notes") or {}).items()}
    spec = kr.get("checkins") or {}
    decimals = int(spec.get("decimals", default_decimals(kr)))
    unit = str(kr.get("unit", ""))
    milestone = kr["type"] == "milestone"
    rng = random.Random(seed + "|notes")
    queues: dict[str, list[str]] = {}
    previous: float | None = None
    for i, checkin in enumerate(planned):
        key = str(checkin.label)
        if key in own:
            checkin.note = own[key]
            previous = checkin.value
            continue
        control = kr["type"] in ("stay_above", "stay_below")
        if checkin.label == "end":
            met = _bound_met(kr, checkin.value) if control else _raw_progress(kr, checkin.value) >= 1
            category = "final_met" if met else "final_missed"
        elif i == 0:
            category = "first"
        elif control:
            category = "holding" if _bound_met(kr, checkin.value) else "breach"
        else:
            step = _raw_progress(kr, checkin.value) - _raw_progress(kr, previous)
            category = "up" if step > 0.02 else "down" if step < -0.02 else "flat"
        previous_value, previous = previous, checkin.value
        if category not in ("first", "final_met", "final_missed") and rng.random() < NOTE_SILENCE:
            continue
        if not queues.get(category):
            queue = list(pool.get(category) or [""])
            rng.shuffle(queue)
            queues[category] = queue
        template = queues[category].pop()
        if milestone:
            gap = max(0.0, 1 - checkin.value)
        elif kr.get("target") is not None:
            gap = abs(float(kr["target"]) - checkin.value)
        else:
            gap = 0.0
        delta = checkin.value - (previous_value if previous_value is not None else checkin.value)
        change = f"{'up' if delta >= 0 else 'down'} {format_amount(abs(delta), unit, decimals, milestone)}"
        checkin.note = template.format(
            value=format_value(checkin.value, unit, decimals, milestone),
            change=change,
            Change=change[0].upper() + change[1:],
            gap=format_amount(gap, unit, decimals, milestone),
            target=format_value(float(kr.get("target") or 1), unit, decimals, milestone),
        )


def kpi_reading_plan(kpi: dict, today: dt.date) -> list[tuple[dt.date, float]]:
    """A year of readings for a KPI: weekly on today's weekday, or on the 1st of each month."""
    points = sorted((int(k), float(v)) for k, v in kpi["points"].items())
    last = int(kpi.get("last", 0))
    pinned = {int(k): float(v) for k, v in (kpi.get("set") or {}).items()}
    rng = random.Random(f"kpi|{kpi['name']}")
    noise = float(kpi.get("noise", 0))
    decimals = int(kpi.get("decimals", 1))

    def at(days_ago: int) -> float:
        if days_ago <= points[0][0]:
            return points[0][1]
        for (d0, v0), (d1, v1) in zip(points, points[1:]):
            if d0 <= days_ago <= d1:
                return v0 + (v1 - v0) * (days_ago - d0) / (d1 - d0)
        return points[-1][1]

    if kpi.get("frequency", "weekly") == "monthly":
        days = []
        month = dt.date(today.year, today.month, 1)
        for _ in range(12):
            days.append(month)
            month = (month - dt.timedelta(days=1)).replace(day=1)
        days.reverse()
    else:
        days = [today - dt.timedelta(days=WEEK * k) for k in range(52, -1, -1)]
    readings = []
    for day in days:
        ago = (today - day).days
        wobble = rng.uniform(-1, 1) * noise
        if ago < last:
            continue
        value = pinned[ago] if ago in pinned else at(ago) + wobble
        readings.append((day, round(value, decimals)))
    return readings


def frequency_days(kpi: dict) -> int:
    """A KPI's expected update frequency in days."""
    frequency = kpi.get("frequency", "weekly")
    if frequency == "weekly":
        return 7
    if frequency == "monthly":
        return 31
    return int(frequency)


# --- loading -----------------------------------------------------------------------------


def is_empty(db: sqlite_utils.Database) -> bool:
    """True when the database holds no organisation yet (no person, unit, cycle or KPI)."""
    return not any(
        db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in ("people", "units", "cycles", "kpis")
    )


def table_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Row counts of the main tables."""
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES}


class _Loader:
    """Writes the demo's data through ``okrdata.writes``; one instance per load."""

    def __init__(self, db: sqlite_utils.Database, data: dict, today: dt.date):
        self.db = db
        self.data = data
        self.today = today
        self.people: dict[str, int] = {}
        self.units: dict[str, int] = {}
        self.unit_leads: dict[str, str] = {}
        self.kpis: dict[str, int] = {}
        # KPI name -> {date: value} from key results that mirror their KPI.
        self.mirrors: dict[str, dict[dt.date, float]] = {}

    def person(self, key: str | None, where: str) -> int | None:
        if key is None:
            return None
        if key not in self.people:
            raise ValidationError("owner", f"{key!r} is not a person of organisation.yaml.", where)
        return self.people[key]

    def unit(self, name: str, where: str) -> int:
        if name not in self.units:
            raise ValidationError("unit", f"{name!r} is not a unit of organisation.yaml.", where)
        return self.units[name]

    def load(self) -> None:
        self.load_organisation()
        self.load_kpis()
        spans = [cycle_span(spec, self.today) for spec in self.data["cycles"]]
        for spec, span, name in zip(self.data["cycles"], spans, cycle_names(spans)):
            self.load_cycle(spec, name, *span)
        self.load_kpi_readings()
        self.stamp_times()

    def load_organisation(self) -> None:
        org = self.data["organisation"]
        domain = org["domain"]
        # Units first without leads, so people can be added with the units they edit, and
        # the leads set afterwards: each step stays a plain validated write.
        for unit in org["units"]:
            parent = unit.get("parent")
            self.units[unit["name"]] = writes.add_unit(
                self.db,
                unit["name"],
                parent_id=self.unit(parent, unit["name"]) if parent else None,
                description=unit.get("description", ""),
                person=writes.SYSTEM,
            )
        member_of: dict[str, list[int]] = {}
        for unit in org["units"]:
            for key in unit.get("members") or ():
                member_of.setdefault(key, []).append(self.units[unit["name"]])
        for key, person in org["people"].items():
            self.people[key] = writes.add_person(
                self.db,
                person["name"],
                f"{key}@{domain}",
                role=person.get("role", "viewer"),
                unit_ids=member_of.get(key, []),
                # The demo accounts sign in with the password the README names; nobody else
                # has one, so only they can sign in to the demo.
                password_hash=demo_password_hash() if key in DEMO_ACCOUNTS else None,
                person=writes.SYSTEM,
            )
        for unit in org["units"]:
            self.unit_leads[unit["name"]] = unit["lead"]
            unit_id = self.units[unit["name"]]
            writes.update_unit(
                self.db,
                unit_id,
                lead_id=self.person(unit["lead"], unit["name"]),
                person=writes.SYSTEM,
                version=writes.version_of(self.db, "units", unit_id),
            )

    def load_kpis(self) -> None:
        for kpi in self.data["kpis"]:
            self.kpis[kpi["name"]] = writes.add_kpi(
                self.db,
                self.unit(kpi["unit"], kpi["name"]),
                kpi["name"],
                kpi["target_type"],
                kpi["target"],
                warning=kpi.get("warning"),
                frequency_days=frequency_days(kpi),
                unit_label=kpi.get("label", ""),
                description=kpi.get("description", ""),
                person=writes.SYSTEM,
            )

    def load_cycle(self, spec: dict, name: str, start: dt.date, end: dt.date) -> None:
        closed = spec.get("state", "active") == "closed"
        # Created active so its check-ins are accepted; closed (and scored) afterwards.
        cycle_id = writes.add_cycle(self.db, name, start, end, state="active", person=writes.SYSTEM)
        objective_ids: dict[str, int] = {}
        finals: dict[str, list[tuple[float, float]]] = {}
        for obj in spec["objectives"]:
            where = f"{spec['label']}: {obj['title']}"
            parent = obj.get("aligns_to")
            if parent is not None and parent not in objective_ids:
                raise ValidationError("aligns_to", f"{parent!r} is not an objective listed above it.", where)
            objective_id = writes.add_objective(
                self.db,
                cycle_id,
                self.unit(obj["unit"], where),
                obj["title"],
                description=obj.get("why", ""),
                owner_id=self.person(obj.get("owner") or self.unit_leads[obj["unit"]], where),
                kind=obj.get("kind", "committed"),
                parent_objective_id=objective_ids.get(parent),
                person=writes.SYSTEM,
            )
            objective_ids[obj["key"]] = objective_id
            finals[obj["key"]] = []
            for kr in obj["key_results"]:
                value, weight = self.load_key_result(spec["label"], objective_id, kr, start, end, closed)
                finals[obj["key"]].append((value, weight))
        if closed:
            writes.set_cycle_state(
                self.db,
                cycle_id,
                "closed",
                person=writes.SYSTEM,
                version=writes.version_of(self.db, "cycles", cycle_id),
            )
            for obj in spec["objectives"]:
                progress = numbers.weighted_mean(*zip(*finals[obj["key"]])) if finals[obj["key"]] else 0.0
                score = obj.get("score")
                self.db["objectives"].update(
                    objective_ids[obj["key"]],
                    {
                        "score": numbers.round_score(numbers.final_score(progress, score)),
                        "score_reason": str(obj["score_reason"]).strip() if score is not None else None,
                        "reflection": str(obj.get("reflection", "")).strip() or None,
                    },
                )

    def load_key_result(
        self, label: str, objective_id: int, kr: dict, start: dt.date, end: dt.date, closed: bool
    ) -> tuple[float, float]:
        """Add a key result and its check-ins; return its final progress and weight."""
        where = kr["title"]
        kpi_name = kr.get("kpi")
        if kpi_name is not None and kpi_name not in self.kpis:
            raise ValidationError("kpi", f"{kpi_name!r} is not a KPI of kpis.yaml.", where)
        owner = self.person(kr.get("owner"), where)
        kr_id = writes.add_key_result(
            self.db,
            objective_id,
            kr["title"],
            kr["type"],
            baseline=kr.get("baseline"),
            target=kr.get("target"),
            unit_label=kr.get("unit", ""),
            weight=kr.get("weight", 1),
            owner_id=owner,
            kpi_id=self.kpis.get(kpi_name) if kpi_name else None,
            cadence_days=kr.get("cadence", 7),
            person=writes.SYSTEM,
        )
        seed = f"{label}|{kr['title']}"
        planned = plan_checkins(kr, start, end, self.today, closed, seed)
        write_notes(kr, planned, self.data["notes"], seed)
        for checkin in planned:
            first_value = checkin.typo if checkin.typo is not None else checkin.value
            checkin_id = writes.add_checkin(
                self.db,
                kr_id,
                checkin.day,
                first_value,
                checkin.confidence,
                checkin.note,
                author_id=owner,
                person=writes.SYSTEM,
            )
            if checkin.typo is not None:
                writes.edit_checkin(
                    self.db,
                    checkin_id,
                    value=checkin.value,
                    confidence=checkin.confidence,
                    note=checkin.note,
                    changed_by=owner,
                    version=1,
                    person=writes.SYSTEM,
                )
        if kpi_name and kr.get("mirror_kpi"):
            self.mirrors.setdefault(kpi_name, {}).update({c.day: c.value for c in planned})
        baseline = 0.0 if kr["type"] == "milestone" else kr.get("baseline")
        target = 1.0 if kr["type"] == "milestone" else kr.get("target")
        last = planned[-1].value if planned else None
        return numbers.kr_progress(kr["type"], baseline, target, last), float(kr.get("weight", 1))

    def load_kpi_readings(self) -> None:
        for kpi in self.data["kpis"]:
            author = self.person(self.unit_leads[kpi["unit"]], kpi["name"])
            mirror = self.mirrors.get(kpi["name"], {})
            for day, value in kpi_reading_plan(kpi, self.today):
                writes.add_kpi_reading(
                    self.db, self.kpis[kpi["name"]], day, mirror.get(day, value), author, person=writes.SYSTEM
                )

    def stamp_times(self) -> None:
        # Generated rows were all written this second; date them on the day they describe
        # (late afternoon, minutes spread by id) so the history reads like real use.
        stamp = "{col} || 'T' || printf('%02d:%02d:00+00:00', 15 + id % 3, id % 60)"
        self.db.execute(
            f"UPDATE checkins SET created_at = {stamp.format(col='checkin_date')}, "
            f"updated_at = {stamp.format(col='checkin_date')}"
        )
        self.db.execute(
            "UPDATE checkins SET updated_at = date(checkin_date, '+1 day') || 'T09:12:00+00:00' WHERE version > 1"
        )
        self.db.execute(
            "UPDATE checkin_revisions SET changed_at = "
            "(SELECT updated_at FROM checkins WHERE checkins.id = checkin_revisions.checkin_id)"
        )
        self.db.execute(f"UPDATE kpi_readings SET created_at = {stamp.format(col='reading_date')}")


def load_demo(
    db: sqlite_utils.Database,
    today: dt.date | None = None,
    seed_path: str | os.PathLike | None = None,
) -> dict[str, int]:
    """Load the demo organisation into an empty database; return the row counts of its tables.

    Migrates the schema first if needed. Every date is placed relative to ``today`` (default:
    the real today): the current cycle started 8 weeks before it and the previous one 13 weeks
    before that. All rows are written in one transaction, and the setting ``demo`` is set to
    ``"1"`` at the end.

    Loading is refused (``ValidationError`` on the field ``database``, nothing written) when
    the database already holds people, units, cycles or KPIs: the demo never mixes into real
    data, and a second load does not duplicate the first. ``today`` must not lie in the
    future, as KPI readings dated after the real today are refused.
    """
    today = today or dt.date.today()
    data = read_seed(seed_path)
    migrate(db)
    with transaction(db):
        if not is_empty(db):
            raise ValidationError(
                "database",
                "already holds an organisation; the demo loads only into an empty database "
                "(start a new file, or use okr init for your own data).",
            )
        _Loader(db, data, today).load()
        writes.set_setting(db, "demo", "1", person=writes.SYSTEM)
    return table_counts(db)
