"""The ``okr`` command line, for admins and scripts.

Every command takes ``--db PATH`` (default: ``$OKR_DB``, else ``data/okr.db``) and turns
invalid input, and a database file it cannot use (not SQLite, a newer version's, read-only, on
a full disk, busy), into a one-line error and a non-zero exit status, never a traceback.
Commands that only read (``lint``, ``export``, ``user list``, ``report``) open the database
with :func:`open_existing`, which never creates a file nor writes a schema into an empty one.
"""

from __future__ import annotations

from pathlib import Path

import click

from okrdata import quality, queries, schema, wording
from okrdata.backup import set_aside
from okrdata.cli_common import (  # noqa: F401 - the command modules of other branches import these from here
    DB_OPTION,
    friendly_errors,
    has_data,
    open_existing,
    resolve_cycle,
    resolve_unit,
)
from okrdata.db import connect, db_path
from okrdata.errors import ValidationError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="okr-dashboard")
def cli() -> None:
    """OKR dashboard administration: create, fill, check and upgrade the database."""


@cli.command()
@DB_OPTION
@click.option(
    "--fresh",
    is_flag=True,
    help="Keep the existing database under a name of its own (PATH.DATE-TIME.bak) and start empty.",
)
@click.option("--admin-email", default=None, help="Make this person the first admin (added if new).")
@click.option("--admin-name", default=None, help="The first admin's name (needed with --admin-email for a new person).")
@click.option(
    "--admin-password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read the admin's password from this file's first line ('-' for standard input); "
    "else $OKR_ADMIN_PASSWORD, else a prompt.",
)
@friendly_errors
def init(
    db_file: Path | None, fresh: bool, admin_email: str | None, admin_name: str | None, admin_password_file: Path | None
) -> None:
    """Create the database, or upgrade an existing one in place; optionally make a first admin.

    On a database holding the demo, --fresh sets it aside (each time under a new name, never
    overwriting an earlier one) and starts your own, empty one.
    """
    from okrdata import auth, validate
    from okrdata.cli_users import make_first_admin, no_admin_hint, read_password

    path = db_path(db_file)
    admin = None
    if admin_email is None and (admin_name or admin_password_file):
        raise ValidationError("--admin-email", "give the first admin's e-mail with --admin-email.")
    if admin_email is not None:
        # Everything about the admin is checked before anything is moved or written.
        admin_email = validate.email("--admin-email", admin_email)
        existing = None
        if path.exists() and not fresh:
            peek = connect(path)
            try:
                if "people" in peek.table_names():
                    existing = auth.person_by_email(peek, admin_email)
            finally:
                peek.close()
        if existing is None and not (admin_name or "").strip():
            raise ValidationError("--admin-name", "give the first admin's name with --admin-name.")
        name = validate.text("--admin-name", admin_name) if admin_name else existing["name"]
        password = read_password(
            admin_password_file, "OKR_ADMIN_PASSWORD", "--admin-password-file", f"Password for {admin_email}"
        )
        admin = (admin_email, name, password)
    if fresh:
        say_set_aside(set_aside(path))
    db = connect(path)
    ran = schema.migrate(db)
    if queries.is_demo(db):
        click.echo(f"{path} holds the demo organisation; run `okr init --fresh --db {path}` to start your own.")
    if ran:
        click.echo(f"{path}: applied {wording.plural(len(ran), 'migration')}: {', '.join(ran)}")
    click.echo(f"{path} is at schema version {schema.schema_version(db)}.")
    if admin is not None:
        make_first_admin(db, *admin)
        click.echo(f"{admin[1]} <{admin[0]}> is an admin and can sign in with the password given.")
    hint = no_admin_hint(db)
    if hint:
        click.echo(hint)


@cli.command()
@DB_OPTION
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@friendly_errors
def demo(db_file: Path | None, force: bool) -> None:
    """Fill a new database with the demo organisation (dates relative to today)."""
    from okrdata.seed import load_demo

    path = _fresh_target(db_file, force)
    db = connect(path)
    counts = load_demo(db)
    click.echo(f"Loaded the demo organisation into {path}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@cli.command()
@DB_OPTION
@click.option(
    "--scale", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many times the demo's size."
)
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@friendly_errors
def synth(db_file: Path | None, scale: int, force: bool) -> None:
    """Generate an organisation SCALE times the demo's size, with two years of weekly check-ins."""
    from tqdm import tqdm

    from okrdata.synth import synthesize

    path = _fresh_target(db_file, force)
    db = connect(path)
    with tqdm(total=1, unit="row", unit_scale=True, desc=f"synth x{scale}") as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        counts = synthesize(db, scale, progress=progress)
    click.echo(f"Generated into {path}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


def say_set_aside(kept: Path | None) -> None:
    """Tell where the database that was replaced now lives, and how to get it back."""
    if kept is not None:
        click.echo(f"Moved the old database to {kept} (put it back with `okr restore {kept}`).")


def _fresh_target(db_file: Path | None, force: bool) -> Path:
    path = db_path(db_file)
    if force:
        say_set_aside(set_aside(path))
    elif has_data(path):
        raise ValidationError("--db", f"{path} holds data already; pass --force to replace it (it is kept aside).")
    return path


@cli.command()
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


from okrdata.cli_users import user  # noqa: E402

cli.add_command(user)


from okrdata.cli_transfer import backup, close, export, import_, restore  # noqa: E402

cli.add_command(import_)
cli.add_command(export)
cli.add_command(close)
cli.add_command(backup)
cli.add_command(restore)

from okrdata.cli_feeds import checkin, reading  # noqa: E402

cli.add_command(checkin)
cli.add_command(reading)

from okrdata.cli_tokens import token  # noqa: E402

cli.add_command(token)

from okrdata.cli_report import report_command  # noqa: E402

cli.add_command(report_command)

from okrdata.cli_notify import COMMANDS as NOTIFY_COMMANDS  # noqa: E402

[cli.add_command(command) for command in NOTIFY_COMMANDS]


if __name__ == "__main__":
    cli()
