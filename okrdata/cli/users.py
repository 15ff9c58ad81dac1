"""``okr user``: the people who may sign in, their passwords and roles.

``okr user add EMAIL --name NAME --role ROLE``, ``okr user passwd EMAIL``, ``okr user role
EMAIL ROLE`` and ``okr user list``. A password is read, in this order, from ``--password-file``
(its first line; ``-`` reads standard input), from ``$OKR_PASSWORD``, or else prompted for
twice without echo, so it never shows in the shell history or the process list. Bad input is
one ``Error: field: message`` line and exit status 2, as in :mod:`okrdata.cli`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from okrdata import auth, writes
from okrdata import validate as v
from okrdata.cli.common import DB_OPTION, friendly_errors, open_existing, resolve_unit
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.schema import ROLES

PASSWORD_ENV = "OKR_PASSWORD"


def read_password(password_file: Path | None, env_var: str, field: str, prompt: str) -> str:
    """A new password from ``password_file`` (first line; ``-`` is stdin), ``$env_var``, or a prompt.

    The prompt asks twice and must get the same answer; the result is checked for length
    (:func:`okrdata.auth.check_password`), with ``field`` named in the error.
    """
    if password_file is not None:
        try:
            text = sys.stdin.read() if str(password_file) == "-" else Path(password_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationError(field, f"cannot read {password_file}: {exc.strerror or exc}.") from None
        lines = text.splitlines()
        password = lines[0] if lines else ""
    elif os.environ.get(env_var):
        password = os.environ[env_var]
    else:
        try:
            password = click.prompt(prompt, hide_input=True, confirmation_prompt=True)
        except click.Abort:
            raise ValidationError(
                field, f"no password given: type it when asked, or pass {field} or set ${env_var}."
            ) from None
    try:
        return auth.check_password(password)
    except ValidationError as exc:
        raise ValidationError(field, exc.message) from None


def person_or_error(db, email: str) -> dict:
    """The person with this e-mail, or a ValidationError pointing to ``okr user list``."""
    person = auth.person_by_email(db, email)
    if person is None:
        raise ValidationError("email", f"nobody has the e-mail {email!r}; see `okr user list`.")
    return person


def no_admin_hint(db) -> str | None:
    """How to make a first admin, when the database has none; else None."""
    if auth.admin_count(db):
        return None
    return (
        "This database has no admin yet. Make one with "
        '`okr user add you@example.com --name "Your Name" --role admin` '
        '(or `okr init --admin-email you@example.com --admin-name "Your Name"`).'
    )


@click.group()
def user() -> None:
    """People who may sign in: add them, set passwords and roles, list them."""


@user.command("add")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name, as the dashboard shows it.")
@click.option(
    "--role",
    type=click.Choice(ROLES, case_sensitive=False),
    default="viewer",
    show_default=True,
    help="viewer reads; lead writes for the units they lead and below; admin writes everything.",
)
@click.option(
    "--unit",
    "units",
    multiple=True,
    metavar="UNIT",
    help="A unit (name or id) this person may edit besides those they lead; repeatable.",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read the password from this file's first line ('-' for standard input).",
)
@click.option(
    "--no-password", is_flag=True, help="Add them without a password: they sign in through single sign-on only."
)
@DB_OPTION
@friendly_errors
def add(
    email: str,
    name: str,
    role: str,
    units: tuple[str, ...],
    password_file: Path | None,
    no_password: bool,
    db_file: Path | None,
) -> None:
    """Add a person who may sign in with EMAIL."""
    if no_password and password_file is not None:
        raise ValidationError("--no-password", "give either --no-password or --password-file, not both.")
    db = open_existing(db_file)
    email = v.email("email", email)
    name = v.text("--name", name)
    if auth.person_by_email(db, email) is not None:
        raise ValidationError("email", f"{email} belongs to someone already; see `okr user list`.")
    unit_ids = [resolve_unit(db, u) for u in units]
    password_hash = None
    if not no_password:
        password_hash = auth.hash_password(
            read_password(password_file, PASSWORD_ENV, "--password-file", f"Password for {email}")
        )
    person_id = writes.add_person(
        db, name, email, role=role, unit_ids=unit_ids, password_hash=password_hash, person=writes.SYSTEM
    )
    how = "single sign-on only" if no_password else "a password"
    click.echo(f"Added {name} <{email}> as {role.lower()} (id {person_id}), with {how}.")


@user.command("passwd")
@click.argument("email")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read the new password from this file's first line ('-' for standard input).",
)
@click.option("--clear", is_flag=True, help="Remove the password: single sign-on only from now on.")
@DB_OPTION
@friendly_errors
def passwd(email: str, password_file: Path | None, clear: bool, db_file: Path | None) -> None:
    """Set a new password for EMAIL."""
    db = open_existing(db_file)
    person = person_or_error(db, email)
    if clear:
        auth.clear_password(db, person["id"])
        click.echo(f"Removed the password of {person['email']}; they can sign in through single sign-on only.")
        return
    password = read_password(password_file, PASSWORD_ENV, "--password-file", f"New password for {person['email']}")
    auth.set_password(db, person["id"], password)
    click.echo(f"Set a new password for {person['email']}.")


@user.command("role")
@click.argument("email")
@click.argument("role")
@DB_OPTION
@friendly_errors
def role(email: str, role: str, db_file: Path | None) -> None:
    """Give EMAIL the ROLE viewer, lead or admin."""
    db = open_existing(db_file)
    person = person_or_error(db, email)
    auth.set_role(db, person["id"], role)
    fresh = auth.person_by_id(db, person["id"])
    click.echo(f"{fresh['email']} is now {fresh['role']} (was {person['role']}).")


@user.command("list")
@DB_OPTION
@friendly_errors
def list_users(db_file: Path | None) -> None:
    """Everyone who may sign in: e-mail, role, whether they have a password, the units they edit."""
    db = open_existing(db_file)
    rows = auth.people_with_access(db)
    if not rows:
        click.echo("Nobody yet.")
    else:
        headers = ("email", "name", "role", "password", "edits")
        table = [
            (
                r["email"],
                r["name"] + (" (archived)" if r["archived"] else ""),
                r["role"],
                "yes" if r["has_password"] else "no",
                r["edits"] or "",
            )
            for r in rows
        ]
        widths = [max(len(h), *(len(str(row[i])) for row in table)) for i, h in enumerate(headers)]
        click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
        for row in table:
            click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    hint = no_admin_hint(db)
    if hint:
        click.echo(hint)


def make_first_admin(db, email: str, name: str, password: str) -> int:
    """Add an admin (or make an existing person admin) with this password, in one transaction."""
    with transaction(db):
        existing = auth.person_by_email(db, email)
        if existing is None:
            return writes.add_person(
                db, name, email, role="admin", password_hash=auth.hash_password(password), person=writes.SYSTEM
            )
        auth.set_role(db, existing["id"], "admin")
        auth.set_password(db, existing["id"], password)
        return existing["id"]
