"""``python -m okrdata.cli``: the ``okr`` command, for a checkout where the script is not installed."""

from okrdata.cli.entry import main

if __name__ == "__main__":
    main()
