"""``okr lint``: the OKR coach's quality checks (:mod:`okrdata.quality`) on a cycle, from the shell.

Prints one line per finding; ``--strict`` exits with status 1 when any is a warning, so a
pipeline can hold a plan back until it follows the rules of thumb.
"""

from __future__ import annotations

from pathlib import Path

import click

from okrdata import quality, queries, wording
from okrdata.cli.common import DB_OPTION, friendly_errors, open_existing, resolve_cycle, resolve_unit


@click.command()
@DB_OPTION
@click.option("--cycle", default=None, help="Cycle name or id (default: the current cycle).")
@click.option("--unit", default=None, help="Only this unit's branch (name or id).")
@click.option("--strict", is_flag=True, help="Exit with status 1 when there is any warning.")
@friendly_errors
def lint(db_file: Path | None, cycle: str | None, unit: str | None, strict: bool) -> None:
    """Run the OKR coach's quality checks on a cycle and print the findings."""
    db = open_existing(db_file)
    cycle_id = resolve_cycle(db, cycle)
    found = quality.findings(db, cycle_id, resolve_unit(db, unit))
    name = queries.cycle(db, cycle_id)["name"]
    if not found:
        click.echo(f"{name}: no findings. These OKRs follow the rules of thumb.")
        return
    click.echo(f"{name}: {wording.plural(len(found), 'finding')}")
    for f in found:
        click.echo(f"  [{f.severity}] {quality.RULE_TITLES[f.rule]}: {f.advice}")
    if strict and any(f.severity == "warning" for f in found):
        raise SystemExit(1)
