"""The generated organisation before it is written: people, units, KPIs, eight cycles of
objectives and key results as rows valid by construction (the rules of :mod:`okrdata.writes`),
and the check-ins and KPI readings generated on the fly from each one's planned trajectory.
Deterministic: the same scale, day and seed give the same rows."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from okrdata import numbers
from okrdata.seed import WEEK, cycle_names, format_amount, format_value, read_seed
from okrdata.synth.vocabulary import (
    BOUND_METRICS,
    DELIVERABLES,
    DEPARTMENTS,
    DOWN_METRICS,
    FIRST_NAMES,
    LAST_NAMES,
    OBJECTIVE_TITLES,
    REFLECTIONS,
    SCORE_REASONS_DOWN,
    SCORE_REASONS_UP,
    TEAMS,
    UP_METRICS,
    WHAT,
    WHO,
)

CYCLES = 8
CYCLE_DAYS = 90
CYCLE_STEP = 91
CURRENT_DAYS_IN = 56
KPI_HISTORY_DAYS = 728


# Per unit of scale, mirroring the demo: 3 departments, 7 teams, 56 people, ~11 KPIs.
DEPARTMENTS_PER_SCALE = 3
TEAMS_PER_SCALE = 7
PEOPLE_PER_SCALE = 56

SHAPES = ("steady", "steady", "early", "late", "stalling")


def _shape(name: str, t: float) -> float:
    if name == "early":
        return 1 - (1 - t) ** 2
    if name == "late":
        return t**3
    if name == "stalling":
        return min(1.0, t / 0.4)
    return t


def _recorded(kr_type: str, value: float, decimals: int) -> float:
    """A generated value as a check-in records it: milestones in steps of 5 %, others rounded."""
    if kr_type == "milestone":
        return min(1.0, max(0.0, round(value * 20) / 20))
    return round(value, max(0, decimals))


def _title_value(value: float, label: str, decimals: int) -> str:
    """A number in a generated title; scores like NPS read better without their label."""
    return f"{value:,.{max(0, decimals)}f}" if label == "NPS" else format_value(value, label, decimals)


class _Plan:
    """The generated organisation before it is written: small tables as lists of tuples."""

    def __init__(self, scale: int, today: dt.date, seed: int):
        self.scale = scale
        self.today = today
        self.rng = random.Random(seed)
        self.notes = read_seed()["notes"]
        self.people: list[tuple] = []
        self.person_units: list[tuple] = []
        self.units: list[tuple] = []
        self.unit_children: dict[int, list[int]] = {}
        self.unit_parent: dict[int, int | None] = {}
        self.unit_lead: dict[int, int] = {}
        self.unit_members: dict[int, list[int]] = {}
        self.kpis: list[tuple] = []
        self.kpi_plans: list[tuple] = []  # (kpi_id, start value, end value, noise, decimals, frequency, author)
        self.unit_kpis: dict[int, list[tuple[int, str, str]]] = {}
        self.cycles: list[tuple] = []
        self.objectives: list[tuple] = []
        self.key_results: list[tuple] = []
        self.kr_plans: list[tuple] = []  # one per key result, drives its check-ins
        self.build()

    # -- organisation --

    def build(self) -> None:
        self.build_units_and_people()
        self.build_kpis()
        self.build_cycles()

    def build_units_and_people(self) -> None:
        scale, rng = self.scale, self.rng
        n_depts = DEPARTMENTS_PER_SCALE * scale
        n_teams = TEAMS_PER_SCALE * scale
        n_people = PEOPLE_PER_SCALE * scale
        for i in range(n_people):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            role = "admin" if i == 0 else "lead" if i <= n_depts + n_teams else "viewer"
            email = f"{first}.{last}.{i + 1}@synthetic.example".lower().replace("í", "i").replace("é", "e")
            self.people.append((i + 1, f"{first} {last}", email, role, None, 0))
        self.company = 1
        self.units.append((1, f"Synthetic Company ×{scale}", None, 1, "A generated organisation.", 0))
        self.unit_parent[1] = None
        self.departments = list(range(2, 2 + n_depts))
        self.teams = list(range(2 + n_depts, 2 + n_depts + n_teams))
        for k, unit_id in enumerate(self.departments):
            name = f"{DEPARTMENTS[k % len(DEPARTMENTS)]} {k // len(DEPARTMENTS) + 1}"
            self.units.append((unit_id, name, 1, unit_id, "", 0))
            self.unit_parent[unit_id] = 1
        for k, unit_id in enumerate(self.teams):
            dept = self.departments[k * n_depts // n_teams]
            name = f"{TEAMS[k % len(TEAMS)]} {k // len(TEAMS) + 1}"
            self.units.append((unit_id, name, dept, unit_id, "", 0))
            self.unit_parent[unit_id] = dept
        for unit_id, _, parent, lead, _, _ in self.units:
            self.unit_lead[unit_id] = lead
            self.unit_members[unit_id] = [lead]
            if parent is not None:
                self.unit_children.setdefault(parent, []).append(unit_id)
        # Everyone who leads nothing joins a team (a few a department), round-robin.
        homes = self.teams * 6 + self.departments
        for k, person_id in enumerate(range(len(self.units) + 1, n_people + 1)):
            unit_id = homes[k % len(homes)]
            self.unit_members[unit_id].append(person_id)
            self.person_units.append((person_id, unit_id))

    def build_kpis(self) -> None:
        rng = self.rng
        owners = [self.company, self.company] + self.departments + self.teams
        for kpi_id, unit_id in enumerate(owners, start=1):
            if rng.random() < 0.5:
                metric, label, target, spread, decimals, target_type = rng.choice(BOUND_METRICS)
                upward = target_type == "stay_above"
                # The warning sits on the safe side of the target, as writes.add_kpi requires.
                warning = round(target + spread / 2 if upward else target - spread / 2, max(0, decimals))
                start = target + (spread if upward else -spread) * rng.uniform(-1, 1.5)
                end = target + (spread if upward else -spread) * rng.uniform(-0.5, 1.5)
            else:
                metric, label, low, high, decimals = rng.choice(UP_METRICS + DOWN_METRICS)
                upward = (metric, label, low, high, decimals) in UP_METRICS
                start = rng.uniform(low, high)
                end = start * (rng.uniform(1.1, 1.8) if upward else rng.uniform(0.5, 0.9))
                if label == "%":
                    end = min(end, 97.0)
                # Near where the KPI ends up, so a generated organisation shows every health colour.
                target = round(end * rng.uniform(0.92, 1.08), max(0, decimals))
                if label == "%":
                    target = min(target, 99.0)
                warning = None
                target_type = "increase" if upward else "decrease"
                spread = abs(end - start) * 0.05
            # Every fifth KPI is read monthly: a fixed share keeps row counts linear in scale.
            frequency = 30 if kpi_id % 5 == 0 else 7
            name = f"{metric[0].upper()}{metric[1:]}"
            self.kpis.append(
                (
                    kpi_id,
                    unit_id,
                    name,
                    label,
                    target_type,
                    target,
                    warning,
                    frequency,
                    f"Generated KPI of unit {unit_id}.",
                    0,
                )
            )
            self.kpi_plans.append((kpi_id, start, end, abs(spread) * 0.3, decimals, frequency, self.unit_lead[unit_id]))
            self.unit_kpis.setdefault(unit_id, []).append((kpi_id, name, label))

    def kpi_reading_count(self) -> int:
        return sum(len(self.kpi_days(plan[5])) for plan in self.kpi_plans)

    def kpi_days(self, frequency: int) -> list[dt.date]:
        if frequency == 7:
            return [self.today - dt.timedelta(days=WEEK * k) for k in range(KPI_HISTORY_DAYS // WEEK, -1, -1)]
        days, month = [], dt.date(self.today.year, self.today.month, 1)
        for _ in range(KPI_HISTORY_DAYS // 30):
            days.append(month)
            month = (month - dt.timedelta(days=1)).replace(day=1)
        return days[::-1]

    # -- cycles, objectives, key results --

    def build_cycles(self) -> None:
        current_start = self.today - dt.timedelta(days=CURRENT_DAYS_IN)
        spans = [
            (start, start + dt.timedelta(days=CYCLE_DAYS))
            for start in (current_start - dt.timedelta(days=CYCLE_STEP * k) for k in range(CYCLES - 1, -1, -1))
        ]
        for cycle_id, ((start, end), name) in enumerate(zip(spans, cycle_names(spans)), start=1):
            state = "active" if cycle_id == CYCLES else "closed"
            self.cycles.append((cycle_id, name, start.isoformat(), end.isoformat(), state))
            self.build_objectives(cycle_id, start, end, state == "closed")

    def owner_in(self, unit_id: int) -> int:
        return self.rng.choice(self.unit_members[unit_id])

    def build_objectives(self, cycle_id: int, start: dt.date, end: dt.date, closed: bool) -> None:
        rng = self.rng
        by_unit: dict[int, list[int]] = {}

        def add(unit_id: int, parent: int | None) -> int:
            objective_id = len(self.objectives) + 1
            kind = "aspirational" if rng.random() < 0.15 else "committed"
            title = rng.choice(OBJECTIVE_TITLES).format(who=rng.choice(WHO), what=rng.choice(WHAT))
            n_krs = rng.choices((1, 2, 3, 4), weights=(5, 75, 18, 2))[0]
            progresses = [self.add_key_result(objective_id, unit_id, start, end, closed) for _ in range(n_krs)]
            score = reason = reflection = None
            if closed:
                score = numbers.round_score(numbers.weighted_mean(progresses))
                if rng.random() < 0.1:
                    delta = rng.choice((-0.15, -0.1, 0.1))
                    score = numbers.round_score(min(1.0, max(0.0, score + delta)))
                    reason = rng.choice(SCORE_REASONS_DOWN if delta < 0 else SCORE_REASONS_UP)
                reflection = rng.choice(REFLECTIONS)
            self.objectives.append(
                (
                    objective_id,
                    cycle_id,
                    unit_id,
                    title,
                    "",
                    self.unit_lead[unit_id],
                    kind,
                    parent,
                    None,
                    1.0,
                    "active",
                    score,
                    reason,
                    reflection,
                )
            )
            by_unit.setdefault(unit_id, []).append(objective_id)
            return objective_id

        company = [add(self.company, None) for _ in range(3)]
        for dept in self.departments:
            add(dept, rng.choice(company))
        for team in self.teams:
            for _ in range(rng.choices((2, 3, 4), weights=(65, 30, 5))[0]):
                roll = rng.random()
                dept_objectives = by_unit[self.unit_parent[team]]
                parent = rng.choice(dept_objectives) if roll < 0.8 else rng.choice(company) if roll < 0.95 else None
                add(team, parent)

    def add_key_result(self, objective_id: int, unit_id: int, start: dt.date, end: dt.date, closed: bool) -> float:
        """Add one key result and the plan of its check-ins; return its final progress."""
        rng = self.rng
        kr_id = len(self.key_results) + 1
        roll = rng.random()
        kpi_id = None
        if roll < 0.45:
            metric, label, low, high, decimals = rng.choice(UP_METRICS)
            baseline = round(rng.uniform(low, high), max(0, decimals))
            target = round(baseline * rng.uniform(1.15, 1.8), max(0, decimals))
            if label == "%":
                target = min(target, 99.0)
            if target == baseline:
                target = baseline + 1
            kr_type = "increase"
            title = f"Grow {metric} from {_title_value(baseline, label, decimals)} to {_title_value(target, label, decimals)}"
        elif roll < 0.65:
            metric, label, low, high, decimals = rng.choice(DOWN_METRICS)
            baseline = round(rng.uniform(low, high), max(0, decimals))
            target = round(baseline * rng.uniform(0.4, 0.85), max(0, decimals))
            if target == baseline:
                target = baseline - 1
            kr_type = "decrease"
            title = f"Cut {metric} from {_title_value(baseline, label, decimals)} to {_title_value(target, label, decimals)}"
        elif roll < 0.85:
            metric, label, target, spread, decimals, kr_type = rng.choice(BOUND_METRICS)
            baseline = None
            word = "above" if kr_type == "stay_above" else "below"
            title = f"Keep {metric} {word} {_title_value(target, label, decimals)}"
        else:
            metric, label, decimals = rng.choice(DELIVERABLES), "", 2
            baseline, target, kr_type = 0.0, 1.0, "milestone"
            title = f"{metric} live for all customers"
        if self.unit_kpis.get(unit_id) and rng.random() < 0.3:
            kpi_id = rng.choice(self.unit_kpis[unit_id])[0]
        owner = self.owner_in(unit_id)
        self.key_results.append(
            (kr_id, objective_id, title, kr_type, baseline, target, label, 1.0, owner, kpi_id, 7, 0)
        )

        # Trajectory: where the value goes, how confident people are on the way.
        shape = rng.choice(SHAPES)
        reach = min(1.3, max(-0.3, rng.gauss(0.75, 0.3)))
        confidence = (rng.randint(5, 8), rng.randint(2, 9))
        if kr_type in ("stay_above", "stay_below"):
            sign = 1 if kr_type == "stay_above" else -1
            first = target + sign * spread * rng.uniform(-0.5, 1.0)
            last = target + sign * spread * rng.uniform(-0.5, 1.2)
            noise = spread * 0.15
        else:
            first = baseline
            last = baseline + reach * (target - baseline)
            noise = abs(target - baseline) * 0.02
            if kr_type == "milestone":
                last, noise = min(1.0, max(0.0, last)), 0.0
        length = (end - start).days
        horizon = min(length, (self.today - start).days)
        weeks = horizon // WEEK
        if not closed and rng.random() < 0.06:
            weeks = max(1, weeks - rng.randint(2, 4))  # gone quiet: stale
        days = [WEEK * w for w in range(1, weeks + 1)]
        if closed:
            days.append(length)
        self.kr_plans.append(
            (
                kr_id,
                kr_type,
                baseline,
                target,
                label,
                decimals,
                start,
                length,
                days,
                shape,
                first,
                last,
                noise,
                confidence,
                owner,
            )
        )
        final = last if closed else first + (last - first) * _shape(shape, horizon / length)
        # The score is proposed from the value the last check-in records, rounded as it is.
        return numbers.kr_progress(kr_type, baseline, target, _recorded(kr_type, final, decimals))

    def checkin_count(self) -> int:
        return sum(len(plan[8]) for plan in self.kr_plans)

    # -- rows generated on the fly --

    def checkin_rows(self) -> Iterator[tuple]:
        rng = random.Random(self.rng.random())
        pool = self.notes
        checkin_id = 0
        for kr_id, kr_type, baseline, target, label, decimals, start, length, days, shape, first, last, noise, (
            c0,
            c1,
        ), owner in self.kr_plans:
            previous = None
            n = len(days)
            # Walk each category's notes from a random point, so a key result repeats none
            # of them until it has used them all.
            offset = rng.randrange(1000)
            for i, day in enumerate(days):
                t = day / length
                value = first + (last - first) * _shape(shape, t)
                if day != length:
                    value += rng.uniform(-noise, noise)
                value = _recorded(kr_type, value, decimals)
                if kr_type == "milestone" and previous is not None:
                    value = max(value, previous)
                confidence = round(c0 + (c1 - c0) * i / max(1, n - 1))
                note = ""
                if rng.random() < 0.7:
                    if i == 0:
                        category = "first"
                    elif kr_type in ("stay_above", "stay_below"):
                        met = value >= target if kr_type == "stay_above" else value <= target
                        category = "holding" if met else "breach"
                    else:
                        direction = 1 if target >= (baseline or 0) else -1
                        step = (value - previous) * direction
                        category = "up" if step > noise * 0.5 else "down" if step < -noise * 0.5 else "flat"
                    notes = pool[category]
                    template = notes[(offset + i) % len(notes)]
                    milestone = kr_type == "milestone"
                    change = value - (previous if previous is not None else value)
                    word = "up" if change >= 0 else "down"
                    amount = format_amount(abs(change), label, decimals, milestone)
                    note = template.format(
                        value=format_value(value, label, decimals, milestone),
                        change=f"{word} {amount}",
                        Change=f"{word.title()} {amount}",
                        gap=format_amount(abs(target - value), label, decimals, milestone),
                        target=format_value(target, label, decimals, milestone),
                    )
                date = (start + dt.timedelta(days=day)).isoformat()
                stamp = f"{date}T16:{checkin_id % 60:02d}:00+00:00"
                checkin_id += 1
                yield (checkin_id, kr_id, date, value, confidence, note, owner, stamp, stamp, 1, 0)
                previous = value

    def kpi_reading_rows(self) -> Iterator[tuple]:
        rng = random.Random(self.rng.random())
        reading_id = 0
        for kpi_id, start_value, end_value, noise, decimals, frequency, author in self.kpi_plans:
            days = self.kpi_days(frequency)
            span = max(1, (days[-1] - days[0]).days)
            for day in days:
                t = (day - days[0]).days / span
                value = start_value + (end_value - start_value) * t + rng.uniform(-noise, noise)
                value = round(value, max(0, decimals))
                reading_id += 1
                yield (reading_id, kpi_id, day.isoformat(), value, author, f"{day.isoformat()}T08:00:00+00:00")
