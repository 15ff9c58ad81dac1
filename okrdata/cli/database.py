"""``okr init``, ``okr demo`` and ``okr synth``: create the database, upgrade it, fill it.

``okr init`` creates the database or brings an existing one's schema up to date in place, and
may make the first admin; ``okr demo`` fills a new one with the demo organisation and ``okr
synth`` with an organisation many times its size. ``--fresh`` and ``--force`` set the old
database aside under a name of its own (:func:`okrdata.backup.set_aside`), never delete it.
"""

from __future__ import annotations

from pathlib import Path

import click

from okrdata import queries, schema, wording
from okrdata.backup import set_aside
from okrdata.cli.common import DB_OPTION, friendly_errors, has_data
from okrdata.db import connect, db_path
from okrdata.errors import ValidationError


@click.command()
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
    from okrdata.cli.users import make_first_admin, no_admin_hint, read_password

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


@click.command()
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


@click.command()
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
