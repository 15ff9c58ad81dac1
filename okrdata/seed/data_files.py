"""The demo's data files in ``seed/`` read into one dict, and the cycles' dates and names they
imply: every date in the files is relative to the day of loading, and a cycle is named after the
quarter it mostly falls in."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"
"""Where the demo's data files live; ``$OKR_SEED_DIR`` overrides it."""


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
