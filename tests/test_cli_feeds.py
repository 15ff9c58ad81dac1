"""``okr reading`` (and ``okr checkin``) as a feed script runs them: what is saved, what is refused,
and how little they load to start.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from okrdata import writes
from okrdata.cli import cli

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "pandas",
    "numpy",
    "altair",
    "reportlab",
    "openpyxl",
    "vl_convert",
    "streamlit",
    "pyarrow",
    "okrdata.queries",
    "okrdata.transfer",
    "okrdata.report",
    "okrdata.cli.group",
)
"""What a feed command never uses: the charts, the PDF, Excel, Streamlit, the page queries."""


def version(db, table: str, row_id: int) -> int:
    """The version an edit of the row carries (the row as read now)."""
    return writes.read_for_edit(db, table, row_id)["version"]


def okr(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def path(db, org, tmp_path):
    return tmp_path / "okr.db"


def readings(db) -> list[tuple]:
    return db.execute("SELECT kpi_id, reading_date, value, author_id FROM kpi_readings ORDER BY id").fetchall()


def test_reading_by_name_records_one_reading(db, org, path):
    result = okr(
        "reading",
        "--db",
        path,
        "--kpi",
        "  uptime ",
        "--value",
        "99.97%",
        "--date",
        "2026-02-03",
        "--author",
        "lee@acme.test",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Saved reading #1 of #") and "'Uptime' (Acme): 99.97%, 3 Feb 2026." in result.output
    assert readings(db) == [(org.kpi, "2026-02-03", 99.97, org.lead)]


def test_reading_by_id_defaults_to_today(db, org, path):
    assert okr("reading", "--db", path, "--kpi", f"#{org.kpi}", "--value", "1,234.5").exit_code == 0
    assert readings(db) == [(org.kpi, dt.date.today().isoformat(), 1234.5, None)]


def test_a_name_shared_by_two_units_needs_the_unit_or_the_id(db, org, path):
    sales_uptime = writes.add_kpi(db, org.sales, "Uptime", "stay_above", 99.0, person=writes.SYSTEM)
    shared = okr("reading", "--db", path, "--kpi", "Uptime", "--value", "99.5")
    assert shared.exit_code == 2
    assert "2 KPIs are called 'Uptime'" in shared.output and f"#{sales_uptime} (Sales)" in shared.output
    assert okr("reading", "--db", path, "--kpi", "Uptime", "--unit", "sales", "--value", "99.5").exit_code == 0
    assert [r[0] for r in readings(db)] == [sales_uptime]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"--value": "lots"}, "Error: --value: must be a number, not 'lots'."),
        ({"--value": ""}, "Error: --value: is required."),
        ({"--date": "2099-01-01"}, "Error: --date: 2099-01-01 is in the future."),
        ({"--date": "someday"}, "Error: --date: 'someday' is not a date"),
        ({"--kpi": "Uptim"}, "Error: --kpi: no KPI is called 'Uptim'. Did you mean 'Uptime'?"),
        ({"--kpi": "9999"}, "Error: --kpi: there is no KPI with id 9999."),
        ({"--kpi": " "}, "Error: --kpi: give the KPI's id or name."),
        ({"--unit": "Nowhere"}, "Error: --unit: no unit with KPIs is called 'Nowhere'."),
        ({"--author": "ghost@acme.test"}, "Error: --author: no one has the e-mail ghost@acme.test."),
        ({"--value": None}, "Missing option '--value'"),
    ],
)
def test_bad_readings_name_the_option_exit_non_zero_and_save_nothing(db, org, path, changes, message):
    args = {"--kpi": "Uptime", "--value": "99.95", "--date": "2026-02-03"}
    args.update(changes)
    flat = [x for k, val in args.items() if val is not None for x in (k, val)]
    result = okr("reading", "--db", path, *flat)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert readings(db) == []


def test_an_archived_kpi_takes_no_reading(db, org, path):
    writes.archive_kpi(db, org.kpi, person=writes.SYSTEM, version=version(db, "kpis", org.kpi))
    by_name = okr("reading", "--db", path, "--kpi", "Uptime", "--value", "99.95")
    assert by_name.exit_code == 2 and "no KPI is called 'Uptime'" in by_name.output
    by_id = okr("reading", "--db", path, "--kpi", org.kpi, "--value", "99.95")
    assert by_id.exit_code == 2 and "is archived; it takes no more readings" in by_id.output
    assert readings(db) == []


# --- start-up: the feed commands load only what they use ---------------------------------

PROBE = """
import sys
from okrdata.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    assert not done.code, done.code
heavy = [name for name in {heavy!r} if name in sys.modules]
print("loaded:", " ".join(heavy) or "none")
"""


def run_entry(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [
        (
            "checkin",
            "--kr",
            "Test coverage from 0 to 100 %",
            "--value",
            "35%",
            "--confidence",
            "on track",
            "--date",
            "2026-02-03",
        ),
        ("reading", "--kpi", "Uptime", "--value", "99.97", "--date", "2026-02-03"),
    ],
    ids=["checkin", "reading"],
)
def test_feed_commands_save_without_loading_charts_pdf_streamlit_or_pandas(db, org, path, args):
    before = db.execute("SELECT (SELECT count(*) FROM checkins) + (SELECT count(*) FROM kpi_readings)").fetchone()[0]
    done = run_entry(*args, "--db", str(path), cwd=path.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Saved "), done.stdout
    assert "loaded: none" in done.stdout
    after = db.execute("SELECT (SELECT count(*) FROM checkins) + (SELECT count(*) FROM kpi_readings)").fetchone()[0]
    assert after == before + 1


@pytest.mark.slow
def test_the_entry_point_runs_every_other_command_through_the_full_cli(tmp_path):
    done = run_entry("--help", cwd=tmp_path)
    assert done.returncode == 0
    for name in ("checkin", "reading", "token", "import", "report"):
        assert f"  {name} " in done.stdout
    help_text = run_entry("reading", "--help", cwd=tmp_path)
    assert "Usage: okr reading [OPTIONS]" in help_text.stdout


@pytest.mark.parametrize("written", ["450k", "EUR 412k", "1.2M", "3 bn", "2,5 Mio"])
def test_an_abbreviated_number_is_refused_not_read_as_a_thousandth(db, org, path, written):
    """Seen failing: "450k" was saved as 450 and "EUR 412k" as 412, the "k" dropped as if a unit."""
    result = okr("reading", "--db", path, "--kpi", "Uptime", "--value", written, "--date", "2026-02-03")
    assert result.exit_code == 2, result.output
    assert "Error: --value:" in result.output and "write it in full" in result.output
    assert readings(db) == []


@pytest.mark.parametrize(("written", "expected"), [("480 ms", 480.0), ("5 m", 5.0), ("EUR 412,000", 412000.0)])
def test_a_unit_after_the_number_is_still_read(db, org, path, written, expected):
    assert okr("reading", "--db", path, "--kpi", "Uptime", "--value", written, "--date", "2026-02-03").exit_code == 0
    assert readings(db)[0][2] == expected
