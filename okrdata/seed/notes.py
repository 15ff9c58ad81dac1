"""The notes of the demo's generated check-ins: a key result's own for a week, else one from the
pool picked by how the week went, with its values written as a person would write them."""

from __future__ import annotations

import random

from okrdata.seed.trajectories import PlannedCheckin, default_decimals

NOTE_SILENCE = 0.25
"""Share of generated check-ins (those without a note of their own) that carry no note."""


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
