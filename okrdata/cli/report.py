"""``okr report OUT.html|OUT.pdf``: the executive summary of a cycle, as a file, from the shell.

The same document the Executive summary page downloads (:mod:`okrdata.report`,
:mod:`okrdata.report.pdf`), chosen by the file's extension, for the current cycle (or
``--cycle``) and the whole company (or ``--unit``'s branch). :mod:`okrdata.cli.group` registers
the command. The file is written whole or not at all
(:func:`okrdata.files.write_atomic`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from okrdata import report
from okrdata.cli.common import DB_OPTION, friendly_errors, open_existing, resolve_cycle, resolve_unit
from okrdata.errors import ValidationError
from okrdata.files import write_atomic

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}


@click.command("report")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
@click.option("--cycle", default=None, help="Cycle name or id (default: the current cycle).")
@click.option("--unit", default=None, help="Only this unit's branch (name or id; default: the whole company).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@friendly_errors
def report_command(out: Path, db_file: Path | None, cycle: str | None, unit: str | None, force: bool) -> None:
    """Write the executive summary of a cycle to OUT: a self-contained .html file or a .pdf.

    Headline progress and pace, every objective with its status and score or forecast, the top
    risks, learnings from the check-in notes and KPI health, with charts.
    """
    kind = FORMATS.get(out.suffix.lower())
    if kind is None:
        raise ValidationError("OUT", f"{out.name}: give a file name ending in .html or .pdf.")
    if out.exists() and not force:
        raise ValidationError("OUT", f"{out} exists already; pass --force to replace it.")
    if not out.parent.exists():
        raise ValidationError("OUT", f"the folder {out.parent} does not exist.")
    db = open_existing(db_file)
    try:
        cycle_id = resolve_cycle(db, cycle)
        unit_id = resolve_unit(db, unit)
        summary = report.build(db, cycle_id, unit_id, dt.date.today())
    finally:
        db.close()
    if kind == "pdf":
        from okrdata.report.pdf import to_pdf

        data = to_pdf(summary)
    else:
        data = report.to_html(summary).encode("utf-8")
    write_atomic(out, data, field="OUT")
    click.echo(f"Wrote {out} ({len(data) // 1024 or 1} KB): {summary.title} ({summary.scope_note}).")
