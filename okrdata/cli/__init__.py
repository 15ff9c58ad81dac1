"""The ``okr`` command line, for admins and scripts: one module per topic.

Every command takes ``--db PATH`` (default: ``$OKR_DB``, else ``data/okr.db``) and turns
invalid input, and a database file it cannot use (not SQLite, a newer version's, read-only, on
a full disk, busy), into a one-line error and a non-zero exit status, never a traceback.
Commands that only read (``lint``, ``export``, ``user list``, ``report``) open the database
with :func:`~okrdata.cli.common.open_existing`, which never creates a file nor writes a schema
into an empty one.

- :mod:`~okrdata.cli.entry`: ``main``, the installed ``okr`` script; starts the script
  commands lean and hands everything else to the group;
- :mod:`~okrdata.cli.group`: ``cli``, the click group with every command registered;
- :mod:`~okrdata.cli.common`: what every command shares (``--db``, the one error handler,
  opening a database, resolving a cycle or unit named on the command line);
- :mod:`~okrdata.cli.database` (``init``, ``demo``, ``synth``), :mod:`~okrdata.cli.lint`,
  :mod:`~okrdata.cli.users` (``user``), :mod:`~okrdata.cli.transfer` (``import``,
  ``export``, ``close``, ``backup``, ``restore``), :mod:`~okrdata.cli.feeds` (``checkin``,
  ``reading``), :mod:`~okrdata.cli.tokens` (``token``), :mod:`~okrdata.cli.report`
  (``report``), :mod:`~okrdata.cli.notify` (``remind``, ``digest``, ``notify``, ``webhook``,
  ``subscribe``, ``deliveries``).

The command modules import what they share from :mod:`~okrdata.cli.common`, never from the
group that imports them, so each imports on its own. This package itself imports only the lean entry: ``cli`` is loaded when it
is first asked for (``from okrdata.cli import cli``), since the group imports every command,
with pandas behind them, and ``okr checkin`` must start without them.
"""

from __future__ import annotations

from okrdata.cli.entry import main

__all__ = ["cli", "main"]


def __getattr__(name: str):
    if name == "cli":
        from okrdata.cli.group import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
