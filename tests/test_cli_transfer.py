"""okr import / export / backup / checkin, driven as a user or a cron job would."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from okrdata import queries, transfer
from okrdata.cli import cli
from okrdata.db import connect

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "seed" / "import-example.csv"


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def sample_db(tmp_path) -> Path:
    """A new database holding the sample file (its cycle is 2026 Q4; its values carry dates)."""
    path = tmp_path / "okr.db"
    result = run("import", SAMPLE, "--db", path)
    assert result.exit_code == 0, result.output
    return path


# --- import ----------------------------------------------------------------------------------


def test_import_creates_the_database_and_reports_what_it_added(sample_db):
    assert rows(sample_db, "SELECT count(*) FROM key_results") == [(9,)]
    assert rows(sample_db, "SELECT count(*) FROM checkins") == [(9,)]
    assert rows(sample_db, "SELECT name FROM units WHERE parent_id IS NULL") == [("Brightwave",)]


def test_import_output_names_the_counts(tmp_path):
    result = run("import", SAMPLE, "--db", tmp_path / "new.db")
    assert "Created" in result.output
    assert "Added 1 cycle, 4 units, 5 people, 4 objectives, 9 key results, 9 check-ins from 9 rows." in result.output


def test_a_dry_run_writes_nothing(tmp_path, sample_db):
    result = run("import", SAMPLE, "--db", tmp_path / "dry.db", "--dry-run")
    assert result.exit_code == 0 and "Would add" in result.output and "--dry-run" in result.output
    assert not (tmp_path / "dry.db").exists()
    before = rows(sample_db, "SELECT count(*) FROM checkins")
    again = run("import", SAMPLE, "--db", sample_db, "--dry-run")
    assert "existed already" in again.output
    assert rows(sample_db, "SELECT count(*) FROM checkins") == before


def test_a_bad_file_is_refused_with_every_row_and_column_and_nothing_written(tmp_path, sample_db):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Cycle,Unit,Objective,Key result,Type,Baseline,Target,Current value,Confidence,As of\n"
        "2026 Q4,Product,Make onboarding effortless,Docs visits from 1k to 2k,increase,1000,1000,,,\n"
        "2026 Q4,Product,Make onboarding effortless,Support tickets down,decrease to,50,twenty,,,\n"
        "2026 Q4,Product,Make onboarding effortless,Good one from 1 to 2,increase,1,2,1.5,15,2026-11-01\n"
    )
    before = rows(sample_db, "SELECT count(*) FROM key_results")
    result = run("import", bad, "--db", sample_db)
    assert result.exit_code == 2
    assert "bad.csv was refused: 3 problems in 3 rows; nothing was imported." in result.output
    assert "row 2, Target: equals the baseline" in result.output
    assert "row 3, Target: must be a number, not 'twenty'." in result.output
    assert "row 4, Confidence: must be from 0 to 10; got 15." in result.output
    assert "Traceback" not in result.output
    assert rows(sample_db, "SELECT count(*) FROM key_results") == before
    # Into a new file: refused, and the file is not left behind.
    assert run("import", bad, "--db", tmp_path / "new.db").exit_code == 2
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "missing.csv", "does not exist"),
        (b"", "empty.csv", "is empty"),
        (b"just,some\nwords,here\n", "nohead.csv", "no header row"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "old.xls", ".xls"),
    ],
)
def test_unreadable_files_are_clear_errors(tmp_path, content, name, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run("import", path, "--db", tmp_path / "x.db")
    assert result.exit_code == 2
    assert message in result.output and "Error:" in result.output


# --- export ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_writes_the_layout_that_import_reads(tmp_path, sample_db, suffix):
    out = tmp_path / f"okrs{suffix}"
    result = run("export", out, "--db", sample_db)
    assert result.exit_code == 0 and "Wrote 9 rows" in result.output
    table = transfer.read_table(out)
    assert len(table) == 9 and transfer.detect_layout(table) == "okrs"
    fresh = tmp_path / f"fresh{suffix}.db"
    assert run("import", out, "--db", fresh).exit_code == 0
    db, again = connect(sample_db), connect(fresh)
    pd_a, pd_b = transfer.export_okrs(db), transfer.export_okrs(again)
    assert pd_a.equals(pd_b)


def test_export_of_one_cycle_to_standard_output_and_of_the_history(tmp_path, sample_db):
    result = run("export", "-", "--db", sample_db, "--cycle", "2026 q4")
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("Cycle,Cycle start,Cycle end")
    assert len(result.output.splitlines()) == 10
    history = tmp_path / "history.csv"
    assert run("export", history, "--db", sample_db, "--checkins").exit_code == 0
    assert transfer.detect_layout(transfer.read_table(history)) == "checkins"


def test_a_full_export_round_trips_through_the_cli(tmp_path, sample_db):
    run(
        "checkin",
        "--db",
        sample_db,
        "--kr",
        "Uptime at least 99.9%",
        "--value",
        "99.99",
        "--confidence",
        "9",
        "--date",
        "2026-11-21",
    )
    for suffix in (".json", ".zip"):
        out = tmp_path / f"all{suffix}"
        assert run("export", out, "--db", sample_db, "--full").exit_code == 0
        fresh = tmp_path / f"restored{suffix}.db"
        result = run("import", out, "--db", fresh)
        assert result.exit_code == 0, result.output
        for table in ("people", "units", "objectives", "key_results", "checkins"):
            assert rows(fresh, f"SELECT * FROM {table}") == rows(sample_db, f"SELECT * FROM {table}")
        # Not into a database that holds data.
        again = run("import", out, "--db", fresh)
        assert again.exit_code == 2 and "empty database" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("okrs.txt",), "must end in .csv or .xlsx"),
        (("okrs.json",), "add --full"),
        (("all.csv", "--full"), "a full export is .json or .zip"),
        (("okrs.csv", "--cycle", "1999 Q1"), "no cycle is called '1999 Q1'"),
    ],
)
def test_bad_exports_are_clear_errors(tmp_path, sample_db, args, message):
    result = run("export", tmp_path / args[0], *args[1:], "--db", sample_db)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / args[0]).exists()


def test_export_needs_an_existing_database(tmp_path):
    result = run("export", tmp_path / "x.csv", "--db", tmp_path / "none.db")
    assert result.exit_code == 2 and "does not exist" in result.output


# --- backup ----------------------------------------------------------------------------------


def test_backup_copies_the_database_and_refuses_to_overwrite(tmp_path, sample_db):
    dest = tmp_path / "copy.db"
    result = run("backup", dest, "--db", sample_db)
    assert result.exit_code == 0 and "integrity ok" in result.output and "9 key results" in result.output
    assert rows(dest, "SELECT * FROM checkins") == rows(sample_db, "SELECT * FROM checkins")
    again = run("backup", dest, "--db", sample_db)
    assert again.exit_code == 2 and "--force" in again.output
    assert run("backup", dest, "--db", sample_db, "--force").exit_code == 0


# --- checkin ---------------------------------------------------------------------------------


def test_checkin_by_title_records_one_checkin(sample_db):
    result = run(
        "checkin",
        "--db",
        sample_db,
        "--kr",
        "trial-to-paid conversion from 12% to 18%",
        "--value",
        "15.5%",
        "--confidence",
        "7",
        "--note",
        "From the billing export",
        "--date",
        "2026-11-21",
        "--author",
        "carla.diaz@brightwave.example",
    )
    assert result.exit_code == 0, result.output
    assert "Saved check-in" in result.output and "15.5%" in result.output
    assert "15.5%, confidence 7/10, 21 Nov 2026." in result.output  # every date reads the same
    row = rows(
        sample_db,
        "SELECT c.value, c.confidence, c.note, c.checkin_date, p.email FROM checkins c "
        "JOIN people p ON p.id = c.author_id ORDER BY c.id DESC LIMIT 1",
    )
    assert row == [(15.5, 7, "From the billing export", "2026-11-21", "carla.diaz@brightwave.example")]
    db = connect(sample_db)
    cycle_id = int(queries.cycles(db).iloc[0]["id"])
    krs = queries.key_results(db, cycle_id, today=dt.date(2026, 11, 22)).set_index("title")
    assert krs.loc["Trial-to-paid conversion from 12% to 18%", "value"] == 15.5


def test_checkin_by_id(sample_db):
    kr_id = rows(sample_db, "SELECT id FROM key_results WHERE kr_type = 'milestone'")[0][0]
    result = run(
        "checkin", "--db", sample_db, "--kr", kr_id, "--value", "80%", "--confidence", "8", "--date", "2026-11-21"
    )
    assert result.exit_code == 0, result.output
    assert rows(sample_db, f"SELECT value FROM checkins WHERE kr_id = {kr_id} ORDER BY id DESC LIMIT 1") == [(0.8,)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"--value": "lots"}, "Error: --value: must be a number, not 'lots'."),
        ({"--confidence": "11"}, "Error: --confidence: must be from 0 to 10; got 11."),
        ({"--confidence": "high"}, "Error: --confidence:"),
        ({"--date": "2027-02-01"}, "Error: --date: 2027-02-01 is outside the cycle 2026 Q4"),
        ({"--date": "someday"}, "Error: --date: 'someday' is not a date"),
        ({"--author": "ghost@brightwave.example"}, "Error: --author: no one has the e-mail ghost@brightwave.example."),
        ({"--author": "not an email"}, "Error: --author:"),
        (
            {"--kr": "Uptime at least 99.8%"},
            "Error: --kr: no key result is called 'Uptime at least 99.8%'. Did you mean 'Uptime at least 99.9%'?",
        ),
        ({"--kr": "9999"}, "Error: --kr: there is no key result with id 9999."),
        ({"--value": None}, "Missing option '--value'"),
    ],
)
def test_bad_checkins_name_the_option_exit_non_zero_and_save_nothing(sample_db, changes, message):
    args = {"--kr": "Uptime at least 99.9%", "--value": "99.95", "--confidence": "8", "--date": "2026-11-21"}
    args.update(changes)
    before = rows(sample_db, "SELECT count(*) FROM checkins")
    flat = [x for k, val in args.items() if val is not None for x in (k, val)]
    result = run("checkin", "--db", sample_db, *flat)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert rows(sample_db, "SELECT count(*) FROM checkins") == before


def test_checkin_with_a_title_shared_by_two_key_results_asks_for_the_id(tmp_path, sample_db):
    text = (
        "Cycle,Unit,Parent unit,Objective,Key result,Type,Baseline,Target\n"
        "2026 Q4,Sales,Brightwave,Open the German market,Uptime at least 99.9%,at least,,99.9\n"
    )
    extra = tmp_path / "extra.csv"
    extra.write_text(text)
    assert run("import", extra, "--db", sample_db).exit_code == 0
    result = run(
        "checkin",
        "--db",
        sample_db,
        "--kr",
        "Uptime at least 99.9%",
        "--value",
        "99.95",
        "--confidence",
        "8",
        "--date",
        "2026-11-21",
    )
    assert result.exit_code == 2 and "2 key results are called" in result.output and "Give the id" in result.output


# --- migrations from the command line (issue 10, items 12 and 14) ------------------------------


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "old.xls", ".xls"),
        (
            (
                "Cycle,Unit,Objective,Key result,Type,Baseline,Target\n"
                '2026 Q4,Acme,"Grow,Users from 1 to 2,increase,1,2\n'
                + "".join(f"2026 Q4,Acme,Grow,Users {i} from 1 to 2,increase,1,2\n" for i in range(4000))
            ).encode(),
            "runaway.csv",
            "quotation mark",
        ),
    ],
    ids=["xls", "runaway-quote"],
)
def test_a_refused_file_is_one_line_and_leaves_no_new_database(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    for extra in ((), ("--dry-run",)):
        result = run("import", path, "--db", tmp_path / "new.db", *extra)
        assert result.exit_code == 2 and message in result.output, result.output
        assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
        assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_an_okr_file_and_its_history_import_together_in_one_command(tmp_path, sample_db):
    run(
        "checkin",
        "--db",
        sample_db,
        "--kr",
        "Uptime at least 99.9%",
        "--value",
        "99.95",
        "--confidence",
        "8",
        "--date",
        "2026-11-21",
    )
    run(
        "checkin",
        "--db",
        sample_db,
        "--kr",
        "Uptime at least 99.9%",
        "--value",
        "99.99",
        "--confidence",
        "9",
        "--date",
        "2026-11-21",
    )
    okrs, history = tmp_path / "okrs.csv", tmp_path / "history.csv"
    assert run("export", okrs, "--db", sample_db).exit_code == 0
    assert run("export", history, "--db", sample_db, "--checkins").exit_code == 0
    fresh = tmp_path / "fresh.db"
    # In any order: the history is read before the current values.
    result = run("import", history, okrs, "--db", fresh)
    assert result.exit_code == 0, result.output
    assert "history.csv: read as the check-in layout" in result.output
    assert "okrs.csv: read as the OKR layout" in result.output
    sql = (
        "SELECT kr.title, c.checkin_date, c.value, c.confidence FROM checkins c JOIN key_results kr ON kr.id = c.kr_id "
        "WHERE c.deleted = 0 ORDER BY kr.title, c.id"
    )
    assert rows(fresh, sql) == rows(sample_db, sql)


def test_close_closes_a_cycle_with_the_proposed_scores(tmp_path, sample_db):
    result = run("close", "2026 q4", "--db", sample_db)
    assert result.exit_code == 0, result.output
    assert "Closed 2026 Q4: 0 objectives scored by their leads, 4 given the proposed score" in result.output
    assert rows(sample_db, "SELECT state FROM cycles") == [("closed",)]
    assert rows(sample_db, "SELECT count(*) FROM objectives WHERE score IS NULL") == [(0,)]
    again = run("close", "2026 Q4", "--db", sample_db)
    assert again.exit_code == 2 and "is closed" in again.output and "Traceback" not in again.output
    unknown = run("close", "1999 Q1", "--db", sample_db)
    assert unknown.exit_code == 2 and "no cycle is called '1999 Q1'" in unknown.output


def test_history_goes_into_a_closed_cycle_only_with_into_closed(tmp_path, sample_db):
    conn = sqlite3.connect(sample_db)
    conn.execute("UPDATE cycles SET start_date = '2025-10-01', end_date = '2025-12-31'")
    conn.execute("UPDATE checkins SET checkin_date = '2025-11-01'")
    conn.commit()
    conn.close()
    assert run("close", "2026 Q4", "--db", sample_db).exit_code == 0
    history = tmp_path / "history.csv"
    history.write_text("Key result,Date,Value,Confidence\nUptime at least 99.9%,2025-12-01,99.97,8\n")
    before = rows(sample_db, "SELECT count(*) FROM checkins")
    refused = run("import", history, "--db", sample_db)
    assert refused.exit_code == 2 and "--into-closed" in refused.output
    assert rows(sample_db, "SELECT count(*) FROM checkins") == before
    done = run("import", history, "--db", sample_db, "--into-closed")
    assert done.exit_code == 0, done.output
    assert rows(sample_db, "SELECT count(*) FROM checkins") == [(before[0][0] + 1,)]
    assert rows(sample_db, "SELECT state FROM cycles") == [("closed",)]
