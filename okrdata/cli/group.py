"""The ``okr`` command group, with every command of the package registered on it.

Importing this module loads every command, and pandas, Altair and the PDF maker behind them;
:mod:`okrdata.cli.entry` comes here for everything but the script commands (``okr checkin``,
``okr reading``), which are registered here too so that ``okr --help`` lists them and the tests
drive every command through the one group. A new command lives in a module of its topic and is
added below.
"""

from __future__ import annotations

import click

from okrdata.cli.database import demo, init, synth
from okrdata.cli.feeds import checkin, reading
from okrdata.cli.lint import lint
from okrdata.cli.notify import COMMANDS as NOTIFY_COMMANDS
from okrdata.cli.report import report_command
from okrdata.cli.tokens import token
from okrdata.cli.transfer import backup, close, export, import_, restore
from okrdata.cli.users import user


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="okr-dashboard")
def cli() -> None:
    """OKR dashboard administration: create, fill, check and upgrade the database."""


COMMANDS = (
    init,
    demo,
    synth,
    lint,
    user,
    import_,
    export,
    close,
    backup,
    restore,
    checkin,
    reading,
    token,
    report_command,
)
for command in (*COMMANDS, *NOTIFY_COMMANDS):
    cli.add_command(command)


if __name__ == "__main__":
    cli()
