"""``okr remind``, ``okr digest``, ``okr notify``, ``okr webhook``, ``okr subscribe``, ``okr deliveries``.

The notification jobs of :mod:`okrdata.notify` from the shell or cron: each prints one line per
message (what, to whom, and whether it was sent, is already in the log, or would be sent with
``--dry-run``), then a count; it exits with status 1 when a delivery failed for good, so cron
mails the failure to its owner. The settings (mail server, the dashboard's address) come from
``.streamlit/secrets.toml`` in the folder the command runs from, or ``$OKR_SECRETS``, and the
environment. :mod:`okrdata.cli.group` registers :data:`COMMANDS`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from okrdata.cli.common import DB_OPTION, friendly_errors, open_existing, resolve_unit
from okrdata.errors import ValidationError

CHANNEL_WORDS = {"email": "e-mail", "webhook": "chat"}


def _report(batch, dry_run: bool, verbose: bool, what: str) -> None:
    """Print a job's plan and results; exit 1 when a delivery failed for good."""
    for note in batch.notes:
        click.echo(note)
    results = {r.row_id: r for r in batch.results}
    counts: dict[str, int] = {}
    if not batch.planned and not batch.results:
        click.echo(f"No {what} to send.")
    for planned in batch.planned:
        o, result = planned.outgoing, None
        if dry_run:
            state = "would send" if planned.new else f"already {planned.status}"
        else:
            result = results.pop(planned.row_id, None)
            if result is not None:
                state = result.status
            else:
                state = "queued" if planned.new else f"already {planned.status}"
        counts[state] = counts.get(state, 0) + 1
        click.echo(f"  {state}: {o.kind} by {CHANNEL_WORDS[o.channel]} to {o.recipient}: {o.subject}")
        if result is not None and result.error:
            retry = f"; tried again from {result.next_attempt_at}" if result.next_attempt_at else ""
            click.echo(f"    {result.error}{retry}")
        if verbose and o.preview:
            click.echo("    " + o.preview.replace("\n", "\n    "))
    for result in results.values():  # earlier messages retried in this run
        state = result.status + (f" ({result.error})" if result.error else "")
        counts[f"{result.status} (retried)"] = counts.get(f"{result.status} (retried)", 0) + 1
        click.echo(f"  {state}, retried: {result.kind} to {result.recipient}: {result.subject}")
    if counts:
        click.echo("In all: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + ".")
    pending = [r for r in batch.results if r.status == "pending"]
    if pending:
        click.echo(
            f"{len(pending)} will be tried again by `okr notify` (or the app's scheduler) from "
            f"{min(r.next_attempt_at for r in pending)}."
        )
    if any(r.status == "failed" for r in batch.results):
        click.echo("Some deliveries failed; `okr deliveries --failed` lists them.", err=True)
        raise SystemExit(1)


def _job_command(name: str, job_name: str, what: str, doc: str) -> click.Command:
    @click.command(name, help=doc)
    @DB_OPTION
    @click.option("--dry-run", is_flag=True, help="Print what would go where; write and send nothing.")
    @click.option("--verbose", "-v", is_flag=True, help="Print each message's text too.")
    @friendly_errors
    def command(db_file: Path | None, dry_run: bool, verbose: bool) -> None:
        from okrdata.notify import jobs, settings

        config = settings.load()
        db = open_existing(db_file)
        try:
            batch = jobs.JOBS[job_name](db, settings=config, dry_run=dry_run)
        finally:
            db.close()
        _report(batch, dry_run, verbose, what)

    return command


remind = _job_command(
    "remind",
    "remind",
    "reminders",
    "Send this week's check-in reminders now: one e-mail per lead with key results due (no check-in "
    "within their cadence), one post per unit chat channel. Sent once per ISO week: running it again "
    "sends nothing new.",
)
digest = _job_command(
    "digest",
    "digest",
    "digests",
    "Send this week's digest now: to each person by their digest setting (see `okr subscribe`) and to "
    "each unit's chat channels. Sent once per ISO week.",
)
notify = _job_command(
    "notify",
    "notify",
    "notifications",
    "Send whatever is due now: this week's reminders once their time has come ([okr.notify] remind_at, "
    "Monday 09:00 by default), the digest once its time has come (digest_at, Friday 15:00), posts for "
    "key results turned off track and cycles closed, and retries. Run it from cron every few minutes.",
)


@click.group()
def webhook() -> None:
    """Chat channels: incoming webhooks of Slack, Microsoft Teams, Mattermost or Google Chat, per unit."""


@webhook.command("add")
@click.argument("url")
@click.option("--unit", default=None, help="The unit (name or id) whose channel this is (default: the company).")
@click.option(
    "--provider",
    type=click.Choice(["slack", "teams", "mattermost", "google_chat"], case_sensitive=False),
    default=None,
    help="Found from the address when not given.",
)
@click.option("--name", default="", help="A label for the log, such as the channel's name.")
@DB_OPTION
@friendly_errors
def webhook_add(url: str, unit: str | None, provider: str | None, name: str, db_file: Path | None) -> None:
    """Add the incoming webhook URL as a unit's chat channel."""
    from okrdata.notify import prefs, webhooks

    db = open_existing(db_file)
    hook_id = webhooks.add(db, url, person=prefs.SYSTEM, unit_id=resolve_unit(db, unit), provider=provider, name=name)
    hook = webhooks.get(db, hook_id)
    click.echo(f"Added webhook {hook_id}: {webhooks.label(hook)}. Try it with `okr webhook test {hook_id}`.")


@webhook.command("list")
@DB_OPTION
@friendly_errors
def webhook_list(db_file: Path | None) -> None:
    """List the webhooks (their addresses shortened: they are secrets)."""
    from okrdata.notify import webhooks

    db = open_existing(db_file)
    hooks = webhooks.listing(db)
    if not hooks:
        click.echo("No webhooks yet. Add one with `okr webhook add URL --unit NAME`.")
    for h in hooks:
        click.echo(
            f"{h['id']:>4}  {h['unit_name']}  {webhooks.PROVIDER_NAMES[h['provider']]}  "
            f"{h['name'] or '-'}  {webhooks.mask(h['url'])}"
        )


@webhook.command("remove")
@click.argument("webhook_id")
@DB_OPTION
@friendly_errors
def webhook_remove(webhook_id: str, db_file: Path | None) -> None:
    """Remove a webhook (its past deliveries stay in the log)."""
    from okrdata.notify import prefs, webhooks

    db = open_existing(db_file)
    hook = webhooks.remove(db, webhook_id, person=prefs.SYSTEM)
    click.echo(f"Removed webhook {hook['id']}: {webhooks.label(hook)}.")


@webhook.command("test")
@click.argument("webhook_id")
@DB_OPTION
@friendly_errors
def webhook_test(webhook_id: str, db_file: Path | None) -> None:
    """Post a test message to a webhook now."""
    from okrdata.notify import jobs, prefs, settings

    config = settings.load()
    db = open_existing(db_file)
    result = jobs.test_post(db, webhook_id, person=prefs.SYSTEM, settings=config)
    if result.status == "sent":
        click.echo(f"Posted a test message to {result.recipient}.")
        return
    click.echo(f"Could not post to {result.recipient}: {result.error}", err=True)
    raise SystemExit(1)


@click.command("subscribe")
@click.argument("email", required=False)
@click.option(
    "--digest",
    "choice",
    type=click.Choice(["all", "company", "units", "none", "default"], case_sensitive=False),
    default=None,
    help="all: the company's and their units'; company; units: the units they lead or belong to; "
    "none; default: follow the default.",
)
@click.option(
    "--default",
    "default_choice",
    type=click.Choice(["all", "company", "units", "none"], case_sensitive=False),
    default=None,
    help="Set the choice of everyone who has not made their own.",
)
@DB_OPTION
@friendly_errors
def subscribe(email: str | None, choice: str | None, default_choice: str | None, db_file: Path | None) -> None:
    """Who gets the weekly digest: show everyone's choice, or set a person's (EMAIL --digest) or the default."""
    from okrdata import auth
    from okrdata.notify import prefs

    db = open_existing(db_file)
    if default_choice:
        prefs.set_default(db, default_choice, person=prefs.SYSTEM)
        click.echo(f"The default digest is now: {prefs.CHOICE_WORDS[default_choice]}.")
    if choice and not email:
        raise ValidationError("EMAIL", "name the person whose digest to set: `okr subscribe EMAIL --digest CHOICE`.")
    if email:
        person = auth.person_by_email(db, email)
        if person is None:
            raise ValidationError("email", f"nobody has the e-mail {email!r}; see `okr user list`.")
        if choice:
            prefs.set_choice(db, person["id"], choice, person=prefs.SYSTEM)
        now, is_default = prefs.choice_of(db, person["id"])
        click.echo(
            f"{person['name']} <{person['email']}>: {prefs.CHOICE_WORDS[now]}"
            + (" (the default)" if is_default else "")
            + "."
        )
        return
    if default_choice:
        return
    click.echo(f"Default: {prefs.CHOICE_WORDS[prefs.default_choice(db)]}.")
    for p in prefs.everyone(db):
        click.echo(f"  {p['email']}  {p['name']}: {p['digest']}{' (default)' if p['is_default'] else ''}")


@click.command("deliveries")
@click.option("--failed", is_flag=True, help="Only the deliveries that failed.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--retry", "retry_id", default=None, metavar="ID", help="Send a failed delivery again.")
@DB_OPTION
@friendly_errors
def deliveries_command(failed: bool, limit: int, retry_id: str | None, db_file: Path | None) -> None:
    """The delivery log: every reminder, digest and post, newest first, with its result."""
    from okrdata.notify import deliveries, jobs, prefs, settings

    db = open_existing(db_file)
    if retry_id is not None:
        row = deliveries.retry(db, retry_id, person=prefs.SYSTEM)
        results = deliveries.deliver_due(db, jobs.Transport(db, settings.load()), dt.datetime.now(), ids=[row["id"]])
        for r in results:
            click.echo(f"{r.status}: {r.kind} to {r.recipient}: {r.subject}" + (f" ({r.error})" if r.error else ""))
        if any(r.status == "failed" for r in results):
            raise SystemExit(1)
        return
    rows = deliveries.log(db, limit, "failed" if failed else None)
    if not rows:
        click.echo("No failed deliveries." if failed else "Nothing has been sent yet.")
    for r in rows:
        error = f"  ({r['last_error']})" if r["last_error"] else ""
        click.echo(
            f"{r['id']:>6}  {r['created_at'][:16]}  {r['status']:<8} {r['kind']:<12} {r['period']:<10} "
            f"{CHANNEL_WORDS[r['channel']]:<6} {r['recipient']}: {r['subject']}{error}"
        )


COMMANDS = (remind, digest, notify, webhook, subscribe, deliveries_command)
