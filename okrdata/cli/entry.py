"""The ``okr`` command's entry point: the script commands start lean, the others load the full CLI.

``okr checkin`` and ``okr reading`` are run by cron jobs and pipelines, often many times in a
row, so they skip :mod:`okrdata.cli.group` (which imports every command, with pandas, Altair
and the PDF maker behind them) and load only :mod:`okrdata.cli.feeds`. Everything else (``okr
--help`` too) goes through :mod:`okrdata.cli.group`, where the same two commands are registered,
so ``okr --help`` lists them and the tests can drive them through the one group.

sqlite-utils imports pandas and numpy whenever they are installed, only to map their types to
column types when it creates a column (~0.3 s); these commands create none, so they import it
with both hidden, and put them back for anything loaded later.
"""

from __future__ import annotations

import importlib
import sys

LEAN_COMMANDS = {"checkin": "okrdata.cli.feeds:checkin", "reading": "okrdata.cli.feeds:reading"}
HIDDEN_FROM_SQLITE_UTILS = ("pandas", "numpy")


def import_sqlite_utils_alone() -> None:
    """Import sqlite-utils without letting it load pandas and numpy (when nothing has loaded them yet)."""
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in HIDDEN_FROM_SQLITE_UTILS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # makes `import name` raise ImportError, which sqlite-utils expects
    try:
        importlib.import_module("sqlite_utils")
    finally:
        for name in hidden:
            sys.modules.pop(name, None)


def main(argv: list[str] | None = None) -> None:
    """Run ``okr`` with ``argv`` (default: the command line)."""
    args = sys.argv[1:] if argv is None else list(argv)
    target = LEAN_COMMANDS.get(args[0]) if args else None
    if target is None:
        from okrdata.cli.group import cli

        cli.main(args=args, prog_name="okr")
        return
    import_sqlite_utils_alone()
    module, name = target.split(":")
    command = getattr(importlib.import_module(module), name)
    command.main(args=args[1:], prog_name=f"okr {args[0]}")


if __name__ == "__main__":
    main()
