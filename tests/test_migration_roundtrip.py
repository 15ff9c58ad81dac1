"""A migrating organisation's data, from another tool, in and out with the same figures.

The fixture (:mod:`migration_org`) is another tool's demo organisation turned into the
spreadsheet layout: German text, nine teams, a closed and an active cycle, ~860 check-ins
(some days with two), KPIs and readings, people by their full names. It must import, show its
own figures, and come back with every figure the same through the dashboard's own export, as
one Excel workbook or as CSV files imported together or one after the other.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from app_fixtures import APP, clear_streamlit_caches, ok  # noqa: F401 (clear_streamlit_caches: autouse)
from migration_org import KPIS, LAST_CHECKIN, build, email, workbook
from streamlit.testing.v1 import AppTest

from okrdata import queries, transfer, writes
from okrdata.db import connect
from okrdata.schema import migrate

pytestmark = pytest.mark.slow  # a whole organisation imported, shown in AppTest and exported three ways

ON = dt.date(2026, 11, 30)
"""The day the figures are compared on: after the last check-in, inside the active cycle."""
IMPORTED_ON = dt.date(2026, 12, 1)


def fresh():
    database = connect(":memory:")
    migrate(database)
    return database


@pytest.fixture(scope="module")
def sheets() -> dict[str, pd.DataFrame]:
    return build()


@pytest.fixture(scope="module")
def source(sheets):
    """The organisation imported from the other tool's workbook: every sheet in one import."""
    db = fresh()
    report = transfer.import_file(db, workbook(sheets), "nordlicht.xlsx", today=IMPORTED_ON, person=writes.SYSTEM)
    db.report = report
    yield db
    db.close()


# --- what the figures are ------------------------------------------------------------------------

_IDS = [
    "kr_id",
    "objective_id",
    "unit_id",
    "cycle_id",
    "owner_id",
    "kpi_id",
    "checkin_id",
    "parent_objective_id",
    "parent_kr_id",
]


def figures(db) -> dict:
    """Every figure of every cycle (by cycle name), and the rows behind them, without row ids."""
    out = {}
    for cycle in queries.cycles(db).to_dict("records"):
        krs = queries.key_results(db, int(cycle["id"]), today=ON)
        objs = queries.objectives(db, int(cycle["id"]), today=ON, krs=krs)
        summary = queries.cycle_summary(db, int(cycle["id"]), today=ON, objs=objs, krs=krs)
        units = queries.unit_progress(db, int(cycle["id"]), today=ON, objs=objs)
        summary = {k: v for k, v in summary.items() if k != "cycle"}
        out[cycle["name"]] = {
            "cycle": {k: cycle[k] for k in ("name", "start_date", "end_date", "state")},
            "summary": summary,
            "key_results": krs.drop(columns=_IDS, errors="ignore")
            .sort_values(["unit_name", "objective_title", "title"])
            .reset_index(drop=True),
            "objectives": objs.drop(columns=_IDS, errors="ignore")
            .sort_values(["unit_name", "title"])
            .reset_index(drop=True),
            "units": units.drop(columns=["unit_id", "parent_id"]).sort_values("name").reset_index(drop=True),
        }
    out["checkins"] = db.execute(
        "SELECT cy.name, u.name, o.title, kr.title, c.checkin_date, c.value, c.confidence, c.note, p.name, p.email "
        "FROM checkins c JOIN key_results kr ON kr.id = c.kr_id JOIN objectives o ON o.id = kr.objective_id "
        "JOIN units u ON u.id = o.unit_id JOIN cycles cy ON cy.id = o.cycle_id LEFT JOIN people p ON p.id = c.author_id "
        "WHERE c.deleted = 0 ORDER BY cy.name, u.name, o.title, kr.title, c.checkin_date, c.id"
    ).fetchall()
    out["people"] = db.execute("SELECT name, lower(email), role, archived FROM people ORDER BY 2").fetchall()
    out["edits"] = db.execute(
        "SELECT p.email, u.name FROM person_units pu JOIN people p ON p.id = pu.person_id "
        "JOIN units u ON u.id = pu.unit_id ORDER BY 1, 2"
    ).fetchall()
    out["units"] = db.execute(
        "SELECT u.name, p.name, lead.name, lead.email FROM units u "
        "LEFT JOIN units p ON p.id = u.parent_id LEFT JOIN people lead ON lead.id = u.lead_id "
        "ORDER BY 1"
    ).fetchall()
    out["kpis"] = (
        queries.kpis(db, today=ON)
        .drop(columns=["kpi_id", "unit_id", "linked_krs"], errors="ignore")
        .sort_values(["unit_name", "name"])
        .reset_index(drop=True)
    )
    out["readings"] = db.execute(
        "SELECT u.name, k.name, r.reading_date, r.value, p.email FROM kpi_readings r JOIN kpis k ON k.id = r.kpi_id "
        "JOIN units u ON u.id = k.unit_id LEFT JOIN people p ON p.id = r.author_id ORDER BY 1, 2, 3, r.id"
    ).fetchall()
    out["kpi_links"] = db.execute(
        "SELECT kr.title, k.name FROM key_results kr JOIN kpis k ON k.id = kr.kpi_id ORDER BY 1, 2"
    ).fetchall()
    return out


def assert_same(before: dict, after: dict, only: set[str] | None = None) -> None:
    assert before.keys() == after.keys()
    for key, value in before.items():
        if only is not None and key not in only:
            continue
        if isinstance(value, dict):
            for part, frame in value.items():
                if isinstance(frame, pd.DataFrame):
                    pd.testing.assert_frame_equal(frame, after[key][part], obj=f"{key} {part}")
                else:
                    assert frame == after[key][part], f"{key} {part}"
        elif isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, after[key], obj=key)
        else:
            assert value == after[key], key


# --- it imports, and shows its own figures ---------------------------------------------------------


def test_the_other_tools_organisation_imports_whole(source, sheets):
    report = source.report
    assert report.counts["checkins"] == len(sheets["Check-ins"]) > 800
    assert source.execute("SELECT count(*) FROM checkins WHERE deleted = 0").fetchone()[0] == len(sheets["Check-ins"])
    assert report.counts["key_results"] == len(sheets["OKRs"])
    assert report.counts["kpis"] == len(KPIS) and report.counts["kpi_readings"] == len(sheets["KPI readings"])
    teams = "SELECT count(*) FROM units u JOIN units d ON d.id = u.parent_id WHERE d.parent_id IS NOT NULL"
    assert source.execute(teams).fetchone()[0] == 9
    assert [line.split(":")[0] for line in report.read] == ["People", "OKRs", "Check-ins", "KPIs", "KPI readings"]
    # Every unit has its lead, who may edit it.
    assert source.execute("SELECT count(*) FROM units WHERE lead_id IS NULL").fetchone()[0] == 0
    # People by their full names, umlauts and all.
    assert source.execute("SELECT name FROM people WHERE email = ?", [email("Søren Äbelø")]).fetchone() == (
        "Søren Äbelø",
    )
    assert source.execute("SELECT role FROM people WHERE email = ?", [email("Sabine Häußler")]).fetchone() == ("admin",)
    # The closed cycle is closed, with the scores, reasons and reflections of the file; the others proposed.
    assert source.execute("SELECT state FROM cycles ORDER BY start_date").fetchall() == [("closed",), ("active",)]
    closed = pd.read_sql_query(
        "SELECT o.title, u.name AS unit, o.score, o.score_reason, o.reflection FROM objectives o "
        "JOIN units u ON u.id = o.unit_id JOIN cycles c ON c.id = o.cycle_id WHERE c.name = '2026 Q3'",
        source.conn,
    )
    assert closed["score"].notna().all() and closed["reflection"].notna().all()
    given = sheets["OKRs"][sheets["OKRs"]["Cycle"].eq("2026 Q3") & sheets["OKRs"]["Score"].notna()]
    assert len(given)
    for row in given.drop_duplicates("Objective ID").to_dict("records"):
        found = closed[(closed["title"] == row["Objective"]) & (closed["unit"] == row["Unit"])].iloc[0]
        assert (found["score"], found["score_reason"]) == (row["Score"], row["Score reason"])


def test_every_key_result_shows_the_last_checkin_of_its_history(source, sheets):
    history = sheets["Check-ins"]
    krs = pd.concat([queries.key_results(source, int(c), today=ON) for c in queries.cycles(source)["id"]])
    cycles = dict(source.execute("SELECT id, name FROM cycles").fetchall())
    krs["cycle"] = krs["cycle_id"].map(cycles)
    shown = krs.set_index(["cycle", "unit_name", "title"])
    assert len(shown) == len(sheets["OKRs"])
    for (cycle, unit, title), rows in history.groupby(["Cycle", "Unit", "Key result"], sort=False):
        # The file's order: the last row of the latest day is the current check-in.
        last = rows.assign(_n=range(len(rows))).sort_values(["Date", "_n"]).iloc[-1]
        row = shown.loc[(cycle, unit, title)]
        assert (row["value"], row["confidence"], row["last_checkin_date"], row["checkin_count"]) == (
            last["Value"],
            last["Confidence"],
            last["Date"],
            len(rows),
        ), (cycle, unit, title)
        assert (row["note"] or None) == (last["Note"] if isinstance(last["Note"], str) else None)
    # Every date lies before the day of the import, as the rules of a check-in want.
    assert max(history["Date"]) == LAST_CHECKIN.isoformat()


def test_the_imported_organisation_shows_on_the_pages(source, tmp_path, monkeypatch):
    path = tmp_path / "nordlicht.db"
    target = connect(path)
    source.conn.backup(target.conn)
    target.close()
    monkeypatch.setenv("OKR_DB", str(path))
    at = ok(AppTest.from_file(APP, default_timeout=60).run())
    at = ok(at.switch_page("pages/okrs.py").run())
    shown = " ".join(" ".join(map(str, d.value.astype(str).to_numpy().ravel())) for d in at.dataframe)
    for title in ("Die App wird zum täglichen Begleiter", "Pünktlich liefern", "Lieferantenqualität sichern"):
        assert title in shown


# --- and comes back with the same figures -------------------------------------------------------------


def _csv_files(db) -> list[tuple[bytes, str]]:
    """The export as CSV files, one layout each (as `okr export` writes them)."""
    layouts = {
        "people.csv": transfer.export_people,
        "okrs.csv": transfer.export_okrs,
        "checkins.csv": transfer.export_checkins,
        "kpis.csv": transfer.export_kpis,
        "kpi-readings.csv": transfer.export_kpi_readings,
    }
    return [(transfer.to_csv_bytes(export(db)), name) for name, export in layouts.items()]


@pytest.mark.parametrize("route", ["xlsx", "csv files together", "csv files one by one"])
def test_the_own_export_comes_back_with_every_figure_the_same(source, route):
    target = fresh()
    if route == "xlsx":
        transfer.import_file(
            target, transfer.export_okrs_xlsx(source), "export.xlsx", today=IMPORTED_ON, person=writes.SYSTEM
        )
    elif route == "csv files together":
        files = _csv_files(source)
        tables = [t for data, name in reversed(files) for t in transfer.read_tables(data, name)]
        transfer.import_tables(target, tables, today=IMPORTED_ON, person=writes.SYSTEM)
    else:
        # The OKRs, then their history, one file after the other (people, KPIs and readings come
        # together with the OKRs, see the guide). The OKRs close 2026 Q3, so its history goes in
        # as a migration's does: into the closed cycle, on purpose (okr import --into-closed).
        files = {name: data for data, name in _csv_files(source)}
        transfer.import_file(target, files["okrs.csv"], "okrs.csv", today=IMPORTED_ON, person=writes.SYSTEM)
        transfer.import_file(
            target, files["checkins.csv"], "checkins.csv", today=IMPORTED_ON, person=writes.SYSTEM, into_closed=True
        )
    before, after = figures(source), figures(target)
    if route == "csv files one by one":
        # Every figure of every cycle, and every check-in with its author's name.
        assert_same(before, after, only={*queries.cycles(source)["name"], "checkins"})
    else:
        assert_same(before, after)
    # And once more: importing the same export again adds nothing.
    before = {
        t: target[t].count for t in ("people", "units", "objectives", "key_results", "checkins", "kpis", "kpi_readings")
    }
    if route == "xlsx":
        again = transfer.import_file(
            target, transfer.export_okrs_xlsx(source), "export.xlsx", today=IMPORTED_ON, person=writes.SYSTEM
        )
        assert sum(again.counts.values()) == 0, again.counts
    assert {t: target[t].count for t in before} == before
    target.close()
