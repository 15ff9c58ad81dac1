"""The demo's generated rows, planned from the trajectories its files give: each key result's
weekly check-ins (a shape, where it ends, a confidence path, a deterministic wobble) and each
KPI's year of readings, so that two loads on the same day give the same rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

WEEK = 7

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
