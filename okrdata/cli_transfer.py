"""``okr import``, ``okr export``, ``okr backup`` and ``okr restore``: data in and out from the shell.

- ``okr import FILE`` reads a spreadsheet (CSV or .xlsx) in the OKR layout or the check-in
  layout, or a full export (.json or .zip), checks every row, and writes all of it or nothing.
- ``okr export FILE`` writes the same layout (by the file's extension), ``--checkins`` the
  check-in history, ``--full`` every table (.json or .zip) for a restore elsewhere.
- ``okr backup DEST`` copies the database with SQLite's online backup, safe while the app runs.
- ``okr restore BACKUP`` checks a backup and puts it back as the database, keeping the one it
  replaces under a name of its own; refused while the app has the database open.
- ``okr checkin`` (one check-in from a script) lives in :mod:`okrdata.cli_feeds`, which starts lean.

Bad input is one ``Error: field: message`` line (a refused import lists every problem) and a
non-zero exit status, as everywhere in :mod:`okrdata.cli`, which imports this module at its end
(after the helpers used here are defined): import the commands through ``okrdata.cli``. The
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
from okrdata.cli_common import DB_OPTION, friendly_errors, open_existing, resolve_cycle
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


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
@click.option("--dry-run", is_flag=True, help="Check every row and say what would be added; write nothing.")
@click.option("--sheet", default=None, help="The Excel sheet to read (default: the first one with a header).")
@friendly_errors
def import_(file: Path, db_file: Path | None, dry_run: bool, sheet: str | None) -> None:
    """Import OKRs from FILE: a spreadsheet (CSV or .xlsx) or a full export (.json or .zip).

    The spreadsheet has one row per key result (cycle, unit, objective, key result, type,
    baseline, target, current value, owner...) or one row per check-in; docs/import-format.md
    describes both. Every row is checked first: a file with any bad row is refused whole, with
    each problem's row and column, and nothing is written. A full export is restored only into
    an empty database. A database that does not exist yet is created.
    """
    if not file.exists():
        raise ValidationError("FILE", f"{file} does not exist.")
    path = db_path(db_file)
    created = not path.exists()
    db = connect(path)
    schema.migrate(db)
    data = file.read_bytes()
    kind = transfer.file_kind(data, file.name) if data.strip() else "csv"
    bar, progress = _progress_bar(f"import {file.name}")
    try:
        if kind in ("json", "zip"):
            report = transfer.import_file(db, data, file.name, progress=progress, dry_run=dry_run,
                                          person=writes.SYSTEM)
        else:
            table = transfer.read_table(data, file.name, sheet=sheet)
            report = transfer.import_okrs(db, table, progress=progress, dry_run=dry_run, person=writes.SYSTEM)
    except transfer.ImportRefused as refused:
        bar.close()
        db.close()
        if created:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        _print_problems(refused, file.name)
        raise SystemExit(2) from None
    except ValidationError:
        bar.close()
        db.close()
        if created:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    bar.close()
    if created and not dry_run:
        click.echo(f"Created {path}.")
    click.echo(f"{file.name}: {report.summary()}" + (" Nothing was written (--dry-run)." if dry_run else ""))
    for note in report.notes:
        click.echo(f"  {note}")
    if not dry_run and report.layout != "full" and queries.is_demo(db):
        click.echo(f"  {path} holds the demo organisation too; start your own with `okr init --fresh`.")
    db.close()
    if created and dry_run:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@DB_OPTION
@click.option("--cycle", default=None, help="Only this cycle (name or id; default: every cycle).")
@click.option("--checkins", "history", is_flag=True, help="The check-in history (one row per check-in) instead.")
@click.option("--full", is_flag=True, help="Every table, to restore elsewhere: FILE ends in .json or .zip (CSVs).")
@friendly_errors
def export(file: Path, db_file: Path | None, cycle: str | None, history: bool, full: bool) -> None:
    """Write the OKRs to FILE (.csv or .xlsx; - for CSV on standard output).

    One row per key result with its latest check-in, in the layout `okr import` reads. An
    .xlsx file carries the check-in history on a second sheet. --full writes the whole
    database (ids, history, revisions, accounts, settings) as .json or a .zip of CSV files;
    `okr import` restores it into an empty database.
    """
    to_stdout = str(file) == "-"
    if not to_stdout and not file.parent.is_dir():
        raise ValidationError("FILE", f"the folder {file.parent} does not exist.")
    db = open_existing(db_file)
    suffix = file.suffix.lower()
    if full:
        if cycle or history:
            raise ValidationError("--full", "exports everything; leave out --cycle and --checkins.")
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
    table = transfer.export_checkins(db, cycle_id) if history else transfer.export_okrs(db, cycle_id)
    what = "check-ins" if history else "rows"
    if to_stdout:
        click.echo(transfer.to_csv_bytes(table).decode("utf-8-sig"), nl=False)
        return
    if suffix == ".csv":
        write_atomic(file, transfer.to_csv_bytes(table))
    elif history:
        write_atomic(file, transfer.to_xlsx_bytes(table, "Check-ins"))
    else:
        write_atomic(file, transfer.to_xlsx_bytes({"OKRs": table, "Check-ins": transfer.export_checkins(db, cycle_id)}))
    click.echo(f"Wrote {len(table)} {what} to {file}.")


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
    click.echo(f"Restored {report.path} from {report.source} (integrity ok, schema version {report.version}): "
               f"{counts}.")
    if report.replaced is not None:
        click.echo(f"The database it replaced is kept as {report.replaced} (`okr restore` it to go back).")

