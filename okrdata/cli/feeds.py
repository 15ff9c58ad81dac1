"""``okr checkin`` and ``okr reading``: one number from a script, a cron job or a CI pipeline.

- ``okr checkin --kr ID_OR_TITLE --value V --confidence C`` records a key result's check-in;
- ``okr reading --kpi ID_OR_NAME --value V`` records a KPI's reading.

Both read their options as people write them (``45%``, ``1,234.5``, ``31 Jan 2026``, ``on
track``: :mod:`okrdata.parsing`), write through :mod:`okrdata.writes`, and answer bad input
with one ``Error: --option: message`` line and exit status 2, saving nothing.

They are called many times a day by other programs, so they start lean: this module imports
click, the database layer, the writes and the value parsers, and nothing that draws, prints a
PDF or runs Streamlit; :mod:`okrdata.cli.entry` starts them without loading the other commands (and
without the pandas that sqlite-utils would load). ``bench/cli_startup.py`` measures it.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import click

from okrdata import parsing, wording, writes
from okrdata import validate as v
from okrdata.cli.common import DB_OPTION, friendly_errors, open_existing
from okrdata.errors import ValidationError


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _named(rows: list[dict], ref: str, option: str, noun: str, key: str) -> list[dict]:
    """The rows a script names by id (``12`` or ``#12``) or by ``key`` (any case and spacing).

    By id, any row (archived too, so the caller can say why it is refused); by name, only the
    live ones. Raises a ValidationError on ``option`` when nothing matches, with the nearest names.
    """
    ref = (ref or "").strip()
    if not ref:
        raise ValidationError(option, f"give the {noun}'s id or {key}.")
    if ref.lstrip("#").isdigit():
        match = [r for r in rows if r["id"] == int(ref.lstrip("#"))]
        if not match:
            raise ValidationError(option, f"there is no {noun} with id {ref.lstrip('#')}.")
        return match
    live = [r for r in rows if r["live"]]
    match = [r for r in live if _same_name(r[key], ref)]
    if not match:
        close = difflib.get_close_matches(ref, [r[key] for r in live], n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(repr(t) for t in close)}?" if close else ""
        raise ValidationError(option, f"no {noun} is called {ref!r}.{hint}")
    return match


def find_key_result(db, ref: str, day: dt.date) -> dict:
    """The key result a script names: its id, or its title (any case).

    A title shared by key results of several cycles (one carried over) means the one whose
    open cycle holds ``day``. Raises a ValidationError on ``--kr`` otherwise, listing the
    candidates or the nearest titles.
    """
    rows = [
        dict(r)
        for r in db.query(
            """
        SELECT kr.id, kr.title, kr.kr_type, kr.unit_label, kr.archived, o.state AS objective_state,
               u.name AS unit, c.name AS cycle, c.state AS cycle_state, c.start_date, c.end_date,
               kr.archived = 0 AND o.state = 'active' AS live
        FROM key_results kr JOIN objectives o ON o.id = kr.objective_id
        JOIN units u ON u.id = o.unit_id JOIN cycles c ON c.id = o.cycle_id
        """
        )
    ]
    match = _named(rows, ref, "--kr", "key result", "title")
    if len(match) > 1:
        current = [
            r for r in match if r["cycle_state"] != "closed" and r["start_date"] <= day.isoformat() <= r["end_date"]
        ]
        match = current if len(current) == 1 else match
    if len(match) > 1:
        listed = "; ".join(f"#{r['id']} ({r['unit']}, {r['cycle']})" for r in match[:5])
        raise ValidationError("--kr", f"{len(match)} key results are called {ref.strip()!r}: {listed}. Give the id.")
    return match[0]


def find_kpi(db, ref: str, unit: str | None = None) -> dict:
    """The KPI a script names: its id, or its name (any case), narrowed to a unit's when given.

    KPIs of different units may share a name ("NPS"); then ``--unit`` (or the id) says which.
    Raises a ValidationError on ``--kpi`` (or ``--unit``) otherwise.
    """
    rows = [
        dict(r)
        for r in db.query(
            """
        SELECT k.id, k.name, k.unit_label, k.archived, k.archived = 0 AS live, u.name AS unit
        FROM kpis k JOIN units u ON u.id = k.unit_id
        ORDER BY u.name, k.id
        """
        )
    ]
    if unit is not None:
        if not any(_same_name(r["unit"], unit) for r in rows):
            raise ValidationError("--unit", f"no unit with KPIs is called {unit.strip()!r}.")
        rows = [r for r in rows if _same_name(r["unit"], unit)]
    match = _named(rows, ref, "--kpi", "KPI", "name")
    if len(match) > 1:
        listed = "; ".join(f"#{r['id']} ({r['unit']})" for r in match[:5])
        raise ValidationError(
            "--kpi", f"{len(match)} KPIs are called {ref.strip()!r}: {listed}. Give the id, or the unit with --unit."
        )
    return match[0]


def _author_id(db, author: str | None) -> int | None:
    """The id of the person ``--author`` names by e-mail (None when not given)."""
    if not author:
        return None
    email = v.email("--author", author)
    found = db.execute("SELECT id FROM people WHERE email = ? COLLATE NOCASE", [email]).fetchone()
    if found is None:
        raise ValidationError("--author", f"no one has the e-mail {email}.")
    return found[0]


def _day_and_value(day: str | None, value: str) -> tuple[dt.date, float]:
    """``--date`` (default today) and ``--value``, read as people write them."""
    when = parsing.parse_date(day, "--date") if day else dt.date.today()
    number = parsing.parse_number(value, "--value")
    if number is None:
        raise ValidationError("--value", "is required.")
    return when, number


# The writes name fields as the forms do; a script sees the options it passed.
_OPTION_NAMES = {
    "value": "--value",
    "confidence": "--confidence",
    "note": "--note",
    "date": "--date",
    "author": "--author",
    "key_result": "--kr",
    "cycle": "--kr",
    "kpi": "--kpi",
}


def _as_options(error: ValidationError) -> ValidationError:
    return ValidationError(_OPTION_NAMES.get(error.field, error.field), error.message)


@click.command()
@DB_OPTION
@click.option("--kr", "kr_ref", required=True, help="The key result: its id, or its exact title.")
@click.option("--value", required=True, help="The new value (45, 45%, 1,234.5...).")
@click.option("--confidence", required=True, help="Confidence that it will be reached, 0 to 10.")
@click.option("--note", default="", help="Progress, obstacles, learnings.")
@click.option("--date", "day", default=None, help="The check-in's date, YYYY-MM-DD (default: today).")
@click.option("--author", default=None, help="E-mail of the person checking in (default: nobody named).")
@friendly_errors
def checkin(
    db_file: Path | None, kr_ref: str, value: str, confidence: str, note: str, day: str | None, author: str | None
) -> None:
    """Record one check-in: a key result's new value, a confidence 0-10 and a note.

    For scripts and scheduled jobs that feed numbers from other systems, e.g.
    okr checkin --kr "Weekly active teams from 1,200 to 2,000" --value 1460 --confidence 7
    """
    db = open_existing(db_file)
    try:
        when, number = _day_and_value(day, value)
        kr = find_key_result(db, kr_ref, when)
        if kr["kr_type"] == "milestone" and parsing.has_percent(value):
            number = number / 100
        level = parsing.parse_confidence(confidence)
        if level is None:
            raise ValidationError("--confidence", "is required (0 to 10).")
        author_id = _author_id(db, author)
        if not kr["live"]:
            raise ValidationError("--kr", f"#{kr['id']} {kr['title']!r} is archived; it takes no more check-ins.")
        checkin_id = writes.add_checkin(
            db, kr["id"], when, number, level, note, author_id=author_id, person=writes.SYSTEM
        )
    except ValidationError as error:
        raise _as_options(error) from None
    click.echo(
        f"Saved check-in #{checkin_id} on #{kr['id']} {kr['title']!r} ({kr['unit']}, {kr['cycle']}): "
        f"{wording.kr_value(number, kr['unit_label'], kr['kr_type'])}, confidence {wording.confidence(level)}, "
        f"{wording.day(when)}."
    )


@click.command()
@DB_OPTION
@click.option("--kpi", "kpi_ref", required=True, help="The KPI: its id, or its name.")
@click.option("--value", required=True, help="The reading (45, 99.95%, 1,234.5...).")
@click.option("--date", "day", default=None, help="The reading's date, YYYY-MM-DD (default: today).")
@click.option("--unit", default=None, help="The KPI's unit, when KPIs of several units share its name.")
@click.option("--author", default=None, help="E-mail of the person recording it (default: nobody named).")
@friendly_errors
def reading(
    db_file: Path | None, kpi_ref: str, value: str, day: str | None, unit: str | None, author: str | None
) -> None:
    """Record one KPI reading: the KPI's value on a day.

    For scripts and scheduled jobs that feed numbers from other systems, e.g.
    okr reading --kpi "Uptime" --value 99.97 --date 2026-05-04
    """
    db = open_existing(db_file)
    try:
        when, number = _day_and_value(day, value)
        kpi = find_kpi(db, kpi_ref, unit)
        author_id = _author_id(db, author)
        if not kpi["live"]:
            raise ValidationError("--kpi", f"#{kpi['id']} {kpi['name']!r} is archived; it takes no more readings.")
        reading_id = writes.add_kpi_reading(db, kpi["id"], when, number, author_id=author_id, person=writes.SYSTEM)
    except ValidationError as error:
        raise _as_options(error) from None
    click.echo(
        f"Saved reading #{reading_id} of #{kpi['id']} {kpi['name']!r} ({kpi['unit']}): "
        f"{wording.number(number, kpi['unit_label'])}, {wording.day(when)}."
    )
