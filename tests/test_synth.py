"""Generated organisations (``okrdata.synth.synthesize``), read as a specification.

A synthetic organisation is about ``scale`` times the demo: two years of quarterly cycles
(seven closed and scored, the current one active eight weeks in), weekly check-ins in all of
them and KPI readings, bulk-inserted in one go. Its rows skip the validated writes for speed,
so these tests check that they obey the same rules the writes enforce.
"""

from __future__ import annotations

import datetime as dt

import pytest

from okrdata.db import connect
from okrdata.errors import ValidationError
from okrdata.lookups import get_setting, unit_ancestors
from okrdata.review import needs_reason, proposals
from okrdata.schema import migrate
from okrdata.seed import load_demo, table_counts
from okrdata.synth import synthesize
from okrdata.writes import check_kr_goal

TODAY = dt.date.today()


@pytest.fixture
def db(tmp_path):
    """A fresh, migrated, empty database file."""
    database = connect(tmp_path / "t.db")
    migrate(database)
    return database


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A scale-1 organisation, shared by the read-only tests below."""
    database = connect(tmp_path_factory.mktemp("synth") / "s1.db")
    database.counts = synthesize(database, 1, today=TODAY)
    return database


def rows(db, sql, params=()):
    return list(db.query(sql, params))


def test_eight_cycles_seven_closed_the_last_active(small):
    cycles = rows(small, "SELECT * FROM cycles ORDER BY start_date")
    assert [c["state"] for c in cycles] == ["closed"] * 7 + ["active"]
    assert len({c["name"] for c in cycles}) == 8
    current = cycles[-1]
    assert 7 <= (TODAY - dt.date.fromisoformat(current["start_date"])).days / 7 <= 9
    for before, after in zip(cycles, cycles[1:]):
        assert before["end_date"] < after["start_date"]


def test_scale_one_is_demo_sized(small):
    counts = small.counts
    assert counts == table_counts(small)
    assert counts["people"] == 56
    assert counts["units"] == 11
    assert 8 <= counts["kpis"] <= 14
    current_krs = small.execute(
        "SELECT count(*) FROM key_results k JOIN objectives o ON o.id = k.objective_id "
        "JOIN cycles c ON c.id = o.cycle_id WHERE c.state = 'active'"
    ).fetchone()[0]
    assert 30 <= current_krs <= 70
    assert counts["checkins"] > 3000
    assert counts["kpi_readings"] > 800


def test_database_is_consistent(small):
    assert small.execute("PRAGMA foreign_key_check").fetchall() == []
    assert small.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_marked_as_synthetic_demo_data(small):
    assert get_setting(small, "demo") == "1"
    assert get_setting(small, "synthetic") == "1"


def test_closed_objectives_are_scored(small):
    unscored = rows(
        small,
        "SELECT o.id FROM objectives o JOIN cycles c ON c.id = o.cycle_id "
        "WHERE c.state = 'closed' AND (o.score IS NULL OR o.reflection IS NULL)",
    )
    assert unscored == []
    open_scored = rows(
        small,
        "SELECT o.id FROM objectives o JOIN cycles c ON c.id = o.cycle_id "
        "WHERE c.state = 'active' AND o.score IS NOT NULL",
    )
    assert open_scored == []


def test_rows_obey_the_rules_of_the_writes(small):
    krs = rows(small, "SELECT * FROM key_results")
    assert krs
    for kr in krs:
        check_kr_goal(kr["kr_type"], kr["baseline"], kr["target"])
    objectives = {o["id"]: o for o in rows(small, "SELECT * FROM objectives")}
    assert objectives
    for obj in objectives.values():
        parent = objectives.get(obj["parent_objective_id"])
        if parent is not None:
            assert parent["cycle_id"] == obj["cycle_id"]
            assert parent["unit_id"] in unit_ancestors(small, obj["unit_id"])
    for kpi in rows(small, "SELECT * FROM kpis WHERE warning IS NOT NULL"):
        upward = kpi["target_type"] in ("stay_above", "increase")
        assert kpi["warning"] >= kpi["target"] if upward else kpi["warning"] <= kpi["target"]
    outside = rows(
        small,
        """
        SELECT c.id FROM checkins c JOIN key_results k ON k.id = c.kr_id
        JOIN objectives o ON o.id = k.objective_id JOIN cycles y ON y.id = o.cycle_id
        WHERE c.checkin_date < y.start_date OR c.checkin_date > y.end_date OR c.checkin_date > ?
           OR c.confidence NOT BETWEEN 0 AND 10
           OR (k.kr_type = 'milestone' AND c.value NOT BETWEEN 0 AND 1)
        """,
        [TODAY.isoformat()],
    )
    assert outside == []


def test_weekly_checkins_in_every_cycle(small):
    per_cycle = rows(
        small,
        """
        SELECT y.id, y.state, count(c.id) AS n, count(DISTINCT k.id) AS krs FROM cycles y
        JOIN objectives o ON o.cycle_id = y.id JOIN key_results k ON k.objective_id = o.id
        LEFT JOIN checkins c ON c.kr_id = k.id GROUP BY y.id
        """,
    )
    assert per_cycle
    for cycle in per_cycle:
        weeks = 13 if cycle["state"] == "closed" else 8
        assert cycle["n"] >= cycle["krs"] * (weeks - 1), cycle


def test_two_years_of_kpi_readings(small):
    span = small.execute(
        "SELECT julianday(max(reading_date)) - julianday(min(reading_date)) FROM kpi_readings"
    ).fetchone()[0]
    assert span >= 700


@pytest.mark.slow
def test_rows_grow_linearly_with_scale(tmp_path):
    one, three = connect(tmp_path / "one.db"), connect(tmp_path / "three.db")
    a = synthesize(one, 1, today=TODAY)
    b = synthesize(three, 3, today=TODAY)
    assert b["people"] == 3 * a["people"]
    assert b["units"] == 3 * (a["units"] - 1) + 1
    for table in ("objectives", "key_results", "checkins", "kpis", "kpi_readings"):
        assert 2.4 <= b[table] / a[table] <= 3.6, table


def test_deterministic(tmp_path, small):
    again = connect(tmp_path / "again.db")
    synthesize(again, 1, today=TODAY)
    sql = "SELECT kr_id, checkin_date, value, confidence, note FROM checkins ORDER BY id"
    assert rows(again, sql) == rows(small, sql)


def test_progress_is_reported_up_to_the_total(db):
    calls = []
    counts = synthesize(db, 1, today=TODAY, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) >= 3
    totals = {total for _, total in calls}
    assert len(totals) == 1
    dones = [done for done, _ in calls]
    assert dones == sorted(dones)
    written = ("people", "units", "cycles", "objectives", "key_results", "checkins", "kpis", "kpi_readings")
    memberships = db.execute("SELECT count(*) FROM person_units").fetchone()[0]
    assert dones[-1] == totals.pop() == sum(counts[t] for t in written) + memberships


@pytest.mark.slow
def test_refuses_a_database_that_holds_data(db):
    load_demo(db, TODAY)
    before = table_counts(db)
    with pytest.raises(ValidationError) as refused:
        synthesize(db, 1, today=TODAY)
    assert refused.value.field == "database"
    assert table_counts(db) == before


@pytest.mark.parametrize("scale", [0, -2, 1.5, "2", True])
def test_refuses_a_bad_scale(db, scale):
    with pytest.raises(ValidationError) as refused:
        synthesize(db, scale)
    assert refused.value.field == "scale"


def test_closed_scores_obey_the_reason_rule_of_entered_scores(small):
    """A score more than 0.05 from the proposal (the final progress) needs a reason, as
    ``writes.score_objective`` demands of a person; generated scores obey the same rule."""
    closed = [c["id"] for c in rows(small, "SELECT id FROM cycles WHERE state = 'closed'")]
    assert closed
    checked = 0
    for cycle_id in closed:
        sheet = proposals(small, cycle_id, today=TODAY)
        for row in sheet.itertuples():
            checked += 1
            if needs_reason(row.recorded, row.proposal):
                assert row.score_reason, (row.title, row.recorded, row.proposal)
    assert checked > 50
