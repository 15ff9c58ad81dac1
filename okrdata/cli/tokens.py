"""``okr token add/list/revoke``: the HTTP API's bearer tokens, managed by an admin at the shell.

``okr token add --person EMAIL`` prints the new token on standard output, alone on its line, and
nothing else there (``TOKEN=$(okr token add --person ci@example.com)`` keeps just the token); the
words around it go to standard error. The token is shown this once: only its digest is stored
(:mod:`okrdata.tokens`). Whoever can run ``okr`` on the machine owns the database anyway, so
these commands act as its owner, as ``okr user`` does.
"""

from __future__ import annotations

from pathlib import Path

import click

from okrdata import tokens
from okrdata.cli.common import DB_OPTION, friendly_errors, open_existing
from okrdata.writes import SYSTEM


@click.group("token")
def token() -> None:
    """API tokens: make one for a person or a service account, list them, revoke one."""


@token.command("add")
@DB_OPTION
@click.option("--person", "holder", required=True, help="E-mail of the person (or service account) it acts as.")
@click.option("--name", default="", help='What it is for, to recognise it in the list ("CI feed").')
@click.option("--expires", default=None, help="The last day it works, YYYY-MM-DD (default: until revoked).")
@friendly_errors
def add(db_file: Path | None, holder: str, name: str, expires: str | None) -> None:
    """Make a token that acts as PERSON in the HTTP API; print it once."""
    db = open_existing(db_file)
    token_id, secret = tokens.create_token(db, holder, name=name, expires_on=expires, person=SYSTEM)
    row = next(r for r in tokens.list_tokens(db) if r["id"] == token_id)
    click.echo(secret)
    until = f"until {row['expires_on']} (included)" if row["expires_on"] else "until revoked"
    click.echo(
        f"Token #{token_id} acts as {row['email']} (role {row['role']}) {until}. "
        "Store it now: it is not shown again. Use it as the header Authorization: Bearer TOKEN.",
        err=True,
    )


@token.command("list")
@DB_OPTION
@friendly_errors
def list_(db_file: Path | None) -> None:
    """List every token: number, state, person, name, expiry, last use (never the token itself)."""
    db = open_existing(db_file)
    rows = tokens.list_tokens(db)
    if not rows:
        click.echo("No tokens yet; make one with okr token add --person EMAIL.")
        return
    for r in rows:
        used = r["last_used_at"] or "never used"
        expires = f"until {r['expires_on']}" if r["expires_on"] else "no expiry"
        name = f" {r['name']!r}" if r["name"] else ""
        click.echo(
            f"#{r['id']} {r['state']:<7} {r['prefix']}…  {r['email']} ({r['role']}){name}, {expires}, last used: {used}"
        )


@token.command("revoke")
@click.argument("token_id", metavar="ID")
@DB_OPTION
@friendly_errors
def revoke(token_id: str, db_file: Path | None) -> None:
    """Revoke token ID (as okr token list numbers it): refused from its next use on."""
    db = open_existing(db_file)
    row = tokens.revoke_token(db, token_id, person=SYSTEM)
    click.echo(f"Revoked token #{row['id']} of {row['email']}; it is refused from now on.")
