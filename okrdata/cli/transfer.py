"""``okr import``, ``okr export``, ``okr close``, ``okr backup`` and ``okr restore``: data in and out from the shell.

- ``okr import FILE...`` reads spreadsheets (CSV or .xlsx; every sheet of a workbook) in any of
  the layouts of :mod:`okrdata.transfer` (OKRs, check-ins, KPIs, KPI readings, people), or a
  full export (.json or .zip), checks every row, and writes all of it or nothing.
  ``--into-closed`` lets a migration's history into closed cycles.
- ``okr export FILE`` writes the OKR layout (by the file's extension; an .xlsx holds every
  layout), ``--checkins``, ``--kpis``, ``--kpi-readings`` or ``--people`` one other layout,
  ``--full`` every table (.json or .zip) for a restore elsewhere.
- ``okr close CYCLE`` closes a cycle at its end with the proposed scores, for a migration done
  from the command line.
- ``okr backup DEST`` copies the database with SQLite's online backup, safe while the app runs.
- ``okr restore BACKUP`` checks a backup and puts it back as the database, keeping the one it
  replaces under a name of its own; refused while the app has the database open.
- ``okr checkin`` (one check-in from a script) lives in :mod:`okrdata.cli.feeds`, which starts lean.

Bad input is one ``Error: field: message`` line (a refused import lists every problem) and a
non-zero exit status, as everywhere in :mod:`okrdata.cli`; :mod:`okrdata.cli.group` registers these commands. The
functions behind them live in :mod:`okrdata.transfer` and :mod:`okrdata.backup`; every file
written goes through :func:`okrdata.files.write_atomic` (whole, or not at all).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from okrdata import queries, schema, transfer, writes
from okrdata.backup import backup as backup_database
from okrdata.backup import restore as restore_database
from okrdata.cli.common import DB_OPTION, friendly_errors, open_existing, resolve_cycle
from okrdata.db import connect, db_path
from okrdata.errors import ValidationError
from okrdata.files import write_atomic

MAX_PROBLEMS_SHOWN = 200


def _progress_bar(desc: str):
    """A tqdm bar on standard error and the ``progress(done, total)`` callback that moves it."""
    from tqdm import tqdm

    bar = tqdm(total=1, unit="row", desc=desc, file=sys.stderr, leave=False, disable=None)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, progress


def _print_problems(refused: transfer.ImportRefused, name: str) -> None:
    click.echo(f"Error: {name} was refused: {refused.message}", err=True)
    for problem in refused.problems[:MAX_PROBLEMS_SHOWN]:
        click.echo(f"  {problem}", err=True)
    hidden = len(refused.problems) - MAX_PROBLEMS_SHOWN
    if hidden > 0:
        click.echo(f"  ... and {hidden} more.", err=True)


def _forget(path: Path) -> None:
    """Remove a database this command created (and its -wal and -shm files)."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _read_files(files: tuple[Path, ...], sheet: str | None) -> tuple[bytes | None, list]:
    """The files to import, read and checked before any database is opened: a full export's
    bytes (alone), or the tables of the spreadsheets. A file that cannot be read is a
    ValidationError naming it."""
    full, tables = None, []
    for file in files:
        if not file.exists():
            raise ValidationError("FILE", f"{file} does not exist.")
        data = file.read_bytes()
        try:
            if not data.strip():
                raise ValidationError("file", "is empty.")
            if transfer.file_kind(data, file.name) in ("json", "zip"):
                if len(files) > 1:
                    raise ValidationError("file", "is a full export: import it on its own, into an empty database.")
                transfer.read_full_export(data)
                full = data
            else:
                tables += transfer.read_tables(data, file.name, sheet=sheet)
        except ValidationError as error:
            raise ValidationError(file.name, error.message) from None
    return full, tables


@click.command("import")
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
@click.option("--dry-run", is_flag=True, help="Check every row and say what would be added; write nothing.")
@click.option(
    "--sheet",
    default=None,
    help="Read only this sheet of an Excel file (default: every sheet in a layout the import knows).",
)
@click.option(
    "--into-closed",
    is_flag=True,
    help="Also write into closed cycles (their history, during a migration): each is opened for the "
    "import and closed again at its end.",
)
@friendly_errors
def import_(files: tuple[Path, ...], db_file: Path | None, dry_run: bool, sheet: str | None, into_closed: bool) -> None:
    """Import OKRs from FILE...: spreadsheets (CSV or .xlsx) or a full export (.json or .zip).

    A spreadsheet has one row per key result (cycle, unit, objective, key result, type,
    baseline, target, current value, owner...), per check-in, per KPI, per KPI reading or per
    person; docs/import-format.md describes each layout. Every sheet of a workbook and every
    file given is read, and they are imported together, as one: the OKRs with their history,
    KPIs and people, in any order. Every row is checked first: a file with any bad row is
    refused whole, with each problem's row and column, and nothing is written. A full export
    is restored only into an empty database. A database that does not exist yet is created
    (and removed again when the import is refused).
    """
    # Everything is read before the database is opened: a file refused for its form leaves no
    # new database behind.
    full, tables = _read_files(files, sheet)
    names = ", ".join(file.name for file in files)
    path = db_path(db_file)
    created = not path.exists()
    db = connect(path)
    bar, progress = _progress_bar(f"import {names}")
    try:
        schema.migrate(db)
        if full is not None:
            report = transfer.import_file(
                db, full, files[0].name, progress=progress, dry_run=dry_run, person=writes.SYSTEM
            )
        else:
            report = transfer.import_tables(
                db, tables, progress=progress, dry_run=dry_run, person=writes.SYSTEM, into_closed=into_closed
            )
    except BaseException as exc:
        bar.close()
        db.close()
        if created:
            _forget(path)
        if isinstance(exc, transfer.ImportRefused):
            _print_problems(exc, names)
            raise SystemExit(2) from None
        raise
    bar.close()
    if created and not dry_run:
        click.echo(f"Created {path}.")
    for line in report.read:
        click.echo(line)
    click.echo(f"{names}: {report.summary()}" + (" Nothing was written (--dry-run)." if dry_run else ""))
    for note in report.notes:
        click.echo(f"  {note}")
    if not dry_run and report.layout != "full" and queries.is_demo(db):
        click.echo(f"  {path} holds the demo organisation too; start your own with `okr init --fresh`.")
    db.close()
    if created and dry_run:
        _forget(path)


_LAYOUT_FLAGS = {"history": "--checkins", "kpis": "--kpis", "readings": "--kpi-readings", "people": "--people"}


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@DB_OPTION
@click.option("--cycle", default=None, help="Only this cycle (name or id; default: every cycle).")
@click.option("--checkins", "history", is_flag=True, help="The check-in history (one row per check-in) instead.")
@click.option("--kpis", is_flag=True, help="The KPIs (one row per KPI) instead.")
@click.option("--kpi-readings", "readings", is_flag=True, help="The KPI readings (one row per reading) instead.")
@click.option("--people", is_flag=True, help="The people (one row per person: name, e-mail, role, units) instead.")
@click.option("--full", is_flag=True, help="Every table, to restore elsewhere: FILE ends in .json or .zip (CSVs).")
@friendly_errors
def export(
    file: Path,
    db_file: Path | None,
    cycle: str | None,
    history: bool,
    kpis: bool,
    readings: bool,
    people: bool,
    full: bool,
) -> None:
    """Write the OKRs to FILE (.csv or .xlsx; - for CSV on standard output).

    One row per key result with its latest check-in, in the layout `okr import` reads. An
    .xlsx file holds every layout, a sheet each: the OKRs, their check-ins, the KPIs, their
    readings and the people; importing it into an empty database gives all of it back. A CSV
    file holds one layout: the OKRs, or --checkins, --kpis, --kpi-readings or --people.
    --full writes the whole database (ids, history, revisions, accounts, settings) as .json or
    a .zip of CSV files; `okr import` restores it into an empty database.
    """
    given = {"history": history, "kpis": kpis, "readings": readings, "people": people}
    chosen = [flag for name, flag in _LAYOUT_FLAGS.items() if given[name]]
    if len(chosen) > 1:
        raise ValidationError(chosen[1], f"exports one layout; leave out {' or '.join(chosen[:-1])}.")
    to_stdout = str(file) == "-"
    if not to_stdout and not file.parent.is_dir():
        raise ValidationError("FILE", f"the folder {file.parent} does not exist.")
    db = open_existing(db_file)
    suffix = file.suffix.lower()
    if full:
        if cycle or chosen:
            raise ValidationError("--full", f"exports everything; leave out {' and '.join(['--cycle'] + chosen)}.")
        if suffix not in (".json", ".zip"):
            raise ValidationError("FILE", f"a full export is .json or .zip, not {suffix or 'no extension'!r}.")
        data = transfer.full_export(db, suffix[1:])
        # Readable by its owner only: it holds every account's password hash.
        write_atomic(file, data, mode=0o600)
        click.echo(f"Wrote the whole database to {file} ({len(data):,} bytes).")
        return
    if not to_stdout and suffix in (".json", ".zip"):
        raise ValidationError("FILE", f"{suffix} is for a full export; add --full.")
    if not to_stdout and suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ValidationError("FILE", f"must end in .csv or .xlsx, not {suffix or 'nothing'!r}.")
    cycle_id = resolve_cycle(db, cycle) if cycle else None
    if (kpis or people) and cycle_id is not None:
        raise ValidationError("--cycle", f"KPIs and people belong to no cycle; leave out --cycle with {chosen[0]}.")
    if history:
        table, what, sheet = transfer.export_checkins(db, cycle_id), "check-ins", "Check-ins"
    elif kpis:
        table, what, sheet = transfer.export_kpis(db), "KPIs", "KPIs"
    elif readings:
        table, what, sheet = transfer.export_kpi_readings(db, cycle_id), "KPI readings", "KPI readings"
    elif people:
        table, what, sheet = transfer.export_people(db), "people", "People"
    else:
        table, what, sheet = transfer.export_okrs(db, cycle_id), "rows", "OKRs"
    if to_stdout:
        click.echo(transfer.to_csv_bytes(table).decode("utf-8-sig"), nl=False)
        return
    if suffix == ".csv":
        write_atomic(file, transfer.to_csv_bytes(table))
    elif chosen:
        write_atomic(file, transfer.to_xlsx_bytes(table, sheet))
    else:
        sheets = transfer.export_workbook(db, cycle_id)
        write_atomic(file, transfer.to_xlsx_bytes(sheets))
        others = ", ".join(f"{name} ({len(frame)})" for name, frame in sheets.items() if name != "OKRs")
        click.echo(f"Wrote {len(table)} {what} to {file}, and the sheets {others}.")
        return
    click.echo(f"Wrote {len(table)} {what} to {file}.")


@click.command("close")
@click.argument("cycle")
@DB_OPTION
@friendly_errors
def close(cycle: str, db_file: Path | None) -> None:
    """Close CYCLE (its name or id): its OKRs become final and read only.

    Every objective no lead scored gets its proposed score (its final progress), marked as not
    reviewed, as when an admin closes it on the Review page. Refused for a cycle already
    closed, or one still in planning before its end. For a migration from the command line: import the OKRs and their
    history, then close the cycles that are over (or import history into a closed cycle with
    `okr import --into-closed`).
    """
    db = open_existing(db_file)
    cycle_id = resolve_cycle(db, cycle)
    done = writes.close_cycle(db, cycle_id, person=writes.SYSTEM)
    click.echo(
        f"Closed {done['cycle']}: {done['scored']} objective{'s' if done['scored'] != 1 else ''} scored by "
        f"their leads, {done['proposed']} given the proposed score (their final progress)."
    )


@click.command()
@click.argument("dest", type=click.Path(path_type=Path))
@DB_OPTION
@click.option("--force", is_flag=True, help="Replace DEST if it exists.")
@friendly_errors
def backup(dest: Path, db_file: Path | None, force: bool) -> None:
    """Copy the database to DEST (a file, or a folder for a dated file), safely while the app runs.

    Uses SQLite's online backup: the copy is one consistent snapshot, checked with
    PRAGMA integrity_check, and a single file you can open or restore by copying it back.
    """
    report = backup_database(db_file, dest, overwrite=force)
    counts = ", ".join(transfer.counted(n, t) for t, n in report.counts.items())
    click.echo(f"Backed up {db_path(db_file)} to {report.path} ({report.size:,} bytes, integrity ok): {counts}.")


@click.command()
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
@friendly_errors
def restore(backup_file: Path, db_file: Path | None) -> None:
    """Put the backup BACKUP back as the database; the database it replaces is kept aside.

    BACKUP is checked first (an SQLite file that passes PRAGMA integrity_check, from this
    version of the dashboard or an older one). Refused while the dashboard or another okr
    command has the database open: stop the app, restore, start it again. The database being
    replaced is kept beside it under a name of its own (PATH.DATE-TIME.bak), and no leftover
    -wal file is replayed on top of the backup.
    """
    report = restore_database(backup_file, db_file)
    counts = ", ".join(transfer.counted(n, t) for t, n in report.counts.items())
    click.echo(
        f"Restored {report.path} from {report.source} (integrity ok, schema version {report.version}): {counts}."
    )
    if report.replaced is not None:
        click.echo(f"The database it replaced is kept as {report.replaced} (`okr restore` it to go back).")
