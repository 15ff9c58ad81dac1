"""The demo organisation (``okrdata.seed.load_demo``), read as a specification.

The demo is Northwind Labs: 40-80 people, a company with three departments and 6-8 teams,
a closed and scored previous quarter and a current one about eight weeks in, KPIs with a
year of readings, and on purpose a handful of cases every page has something to show for
(stale, confident-but-behind, past target) and a handful of mistakes for the OKR coach.
All of it is placed relative to the ``today`` it is loaded on.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections import Counter

import pytest

from okrdata import numbers
from okrdata.db import connect
from okrdata.errors import ValidationError
from okrdata.lookups import get_setting, unit_ancestors
from okrdata.schema import migrate
from okrdata.seed import SEED_DIR, cycle_names, is_empty, load_demo, quarter_name, table_counts
from okrdata.writes import check_kr_goal

TODAY = dt.date.today()


@pytest.fixture
def db(tmp_path):
    """A fresh, migrated, empty database file."""
    database = connect(tmp_path / "t.db")
    migrate(database)
    return database


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo database loaded as of today, shared by the read-only tests below."""
    database = connect(tmp_path_factory.mktemp("demo") / "demo.db")
    started = time.perf_counter()
    counts = load_demo(database, TODAY)
    database.load_seconds = time.perf_counter() - started
    database.counts = counts
    return database


def rows(db, sql, params=()):
    return list(db.query(sql, params))


def cycle(db, state):
    (row,) = rows(db, "SELECT * FROM cycles WHERE state = ?", [state])
    row["start"] = dt.date.fromisoformat(row["start_date"])
    row["end"] = dt.date.fromisoformat(row["end_date"])
    return row


def current_krs(db):
    """Key results of the active cycle, each with its check-ins (oldest first)."""
    krs = rows(
        db,
        """
        SELECT k.*, o.unit_id, o.title AS objective_title FROM key_results k
        JOIN objectives o ON o.id = k.objective_id
        JOIN cycles c ON c.id = o.cycle_id WHERE c.state = 'active'
        """,
    )
    for kr in krs:
        kr["checkins"] = rows(
            db,
            "SELECT * FROM checkins WHERE kr_id = ? AND deleted = 0 ORDER BY checkin_date, id",
            [kr["id"]],
        )
    return krs


# --- sizes ---------------------------------------------------------------------------------


def test_counts_returned_match_the_tables(demo):
    assert demo.counts == table_counts(demo)
    assert demo.counts["checkin_revisions"] >= 1


def test_people_between_40_and_80_with_company_emails(demo):
    people = rows(demo, "SELECT * FROM people")
    assert 40 <= len(people) <= 80
    assert all(p["email"].endswith("@northwindlabs.example") for p in people)
    assert {p["role"] for p in people} == {"viewer", "lead", "admin"}


def test_demo_accounts_are_easy_to_spot(demo):
    accounts = {p["email"].split("@")[0]: p for p in rows(demo, "SELECT * FROM people")}
    assert accounts["admin"]["role"] == "admin"
    assert accounts["lead"]["role"] == "lead"
    assert accounts["viewer"]["role"] == "viewer"
    led = rows(demo, "SELECT * FROM units WHERE lead_id = ?", [accounts["lead"]["id"]])
    assert len(led) == 1 and led[0]["parent_id"] is not None, "the demo lead leads a team"


def test_company_departments_and_teams(demo):
    units = rows(demo, "SELECT * FROM units")
    companies = [u for u in units if u["parent_id"] is None]
    assert len(companies) == 1
    departments = [u for u in units if u["parent_id"] == companies[0]["id"]]
    teams = [u for u in units if u["parent_id"] in {d["id"] for d in departments}]
    assert len(departments) == 3
    assert 6 <= len(teams) <= 8
    assert len(units) == 1 + len(departments) + len(teams)
    assert all(u["lead_id"] is not None for u in units), "every unit has a lead"


def test_everyone_belongs_somewhere(demo):
    orphans = rows(
        demo,
        """
        SELECT p.email FROM people p
        WHERE NOT EXISTS (SELECT 1 FROM person_units pu WHERE pu.person_id = p.id)
          AND NOT EXISTS (SELECT 1 FROM units u WHERE u.lead_id = p.id)
        """,
    )
    assert orphans == []


# --- cycles --------------------------------------------------------------------------------


def test_two_cycles_previous_closed_current_active(demo):
    assert [c["state"] for c in rows(demo, "SELECT state FROM cycles ORDER BY start_date")] == [
        "closed",
        "active",
    ]
    previous, current = cycle(demo, "closed"), cycle(demo, "active")
    assert previous["end"] < current["start"]
    assert 7 <= (TODAY - current["start"]).days / 7 <= 9
    assert 12 <= (current["end"] - current["start"]).days / 7 <= 14
    assert 12 <= (previous["end"] - previous["start"]).days / 7 <= 14


def test_cycles_are_named_after_their_quarter(demo):
    names = [c["name"] for c in rows(demo, "SELECT name FROM cycles ORDER BY start_date")]
    assert len(set(names)) == 2
    current = cycle(demo, "active")
    assert current["name"] == quarter_name(current["start"] + (current["end"] - current["start"]) / 2)


def test_quarter_names():
    assert quarter_name(dt.date(2026, 1, 1)) == "2026 Q1"
    assert quarter_name(dt.date(2026, 12, 31)) == "2026 Q4"
    assert quarter_name(dt.date(2025, 7, 15)) == "2025 Q3"


def test_cycle_names_never_clash():
    assert cycle_names([(dt.date(2026, 1, 1), dt.date(2026, 3, 31))]) == ["2026 Q1"]
    # Midpoints on Jul 1 and Sep 30 both fall in Q3; the earlier cycle takes its start's quarter.
    first = (dt.date(2026, 5, 17), dt.date(2026, 8, 15))
    second = (dt.date(2026, 8, 16), dt.date(2026, 11, 14))
    assert cycle_names([first, second]) == ["2026 Q2", "2026 Q3"]


@pytest.mark.slow
def test_loading_is_relative_to_today(tmp_path):
    year_ago = TODAY - dt.timedelta(days=365)
    then, now = connect(tmp_path / "then.db"), connect(tmp_path / "now.db")
    load_demo(then, year_ago)
    load_demo(now, TODAY)
    for state in ("closed", "active"):
        assert (cycle(now, state)["start"] - cycle(then, state)["start"]).days == 365
    assert (year_ago - cycle(then, "active")["start"]).days == (TODAY - cycle(now, "active")["start"]).days
    last_then = then.execute("SELECT max(checkin_date) FROM checkins").fetchone()[0]
    assert dt.date.fromisoformat(last_then) <= year_ago
    last_reading = then.execute("SELECT max(reading_date) FROM kpi_readings").fetchone()[0]
    assert dt.date.fromisoformat(last_reading) <= year_ago


# --- objectives and key results --------------------------------------------------------------


def test_current_cycle_shape(demo):
    current = cycle(demo, "active")
    per_unit = Counter(
        r["unit_id"] for r in rows(demo, "SELECT unit_id FROM objectives WHERE cycle_id = ?", [current["id"]])
    )
    units = {u["id"]: u for u in rows(demo, "SELECT * FROM units")}
    company = next(u for u in units.values() if u["parent_id"] is None)
    assert per_unit[company["id"]] == 3
    for unit in units.values():
        if unit["parent_id"] == company["id"]:
            assert per_unit[unit["id"]] == 1, unit["name"]
        elif unit["parent_id"] is not None:
            assert 2 <= per_unit[unit["id"]] <= 4, unit["name"]
    krs = current_krs(demo)
    assert 40 <= len(krs) <= 48, "under the ~50 active key results the coach warns about"
    assert {k["kr_type"] for k in krs} == {"increase", "decrease", "stay_above", "stay_below", "milestone"}
    assert all(k["owner_id"] for k in krs)
    assert all(k["unit_label"] for k in krs if k["kr_type"] != "milestone")
    assert Counter(k["weight"] for k in krs).most_common(1)[0][0] == 1


def test_every_key_result_is_valid(demo):
    krs = rows(demo, "SELECT * FROM key_results")
    assert krs
    for kr in krs:
        check_kr_goal(kr["kr_type"], kr["baseline"], kr["target"])


def test_objectives_align_upwards_in_their_cycle(demo):
    objectives = {o["id"]: o for o in rows(demo, "SELECT * FROM objectives")}
    assert objectives
    for obj in objectives.values():
        parent = objectives.get(obj["parent_objective_id"])
        if parent is None:
            continue
        assert parent["cycle_id"] == obj["cycle_id"]
        assert parent["unit_id"] in unit_ancestors(demo, obj["unit_id"])


def test_key_results_linked_to_kpis(demo):
    linked = rows(demo, "SELECT * FROM key_results WHERE kpi_id IS NOT NULL")
    assert len(linked) >= 5


# --- check-ins -------------------------------------------------------------------------------


def test_weekly_checkins_up_to_today(demo):
    current = cycle(demo, "active")
    krs = current_krs(demo)
    assert sum(len(k["checkins"]) for k in krs) >= 300
    for kr in krs:
        assert kr["checkins"], kr["title"]
        days = [dt.date.fromisoformat(c["checkin_date"]) for c in kr["checkins"]]
        assert all(current["start"] < d <= TODAY for d in days)
        assert all((d - current["start"]).days % 7 == 0 for d in days), "weekly, from the cycle start"
        assert all(0 <= c["confidence"] <= 10 for c in kr["checkins"])
    checked_in_today = [k for k in krs if k["checkins"][-1]["checkin_date"] == TODAY.isoformat()]
    assert len(checked_in_today) >= len(krs) // 2


def test_previous_cycle_has_a_full_quarter_of_checkins(demo):
    previous = cycle(demo, "closed")
    counts = rows(
        demo,
        """
        SELECT k.id, count(c.id) AS n, max(c.checkin_date) AS last FROM key_results k
        JOIN objectives o ON o.id = k.objective_id
        LEFT JOIN checkins c ON c.kr_id = k.id WHERE o.cycle_id = ? GROUP BY k.id
        """,
        [previous["id"]],
    )
    assert counts and all(r["n"] >= 6 for r in counts)
    assert all(r["last"] == previous["end_date"] for r in counts), "a closing check-in on the last day"


def test_notes_are_varied(demo):
    notes = [c["note"] for k in current_krs(demo) for c in k["checkins"] if c["note"]]
    assert len(notes) >= 200
    assert len(set(notes)) / len(notes) > 0.8
    for kr in current_krs(demo):
        own = [c["note"] for c in kr["checkins"] if c["note"]]
        assert len(own) == len(set(own)), f"a note repeats on {kr['title']}"


def test_a_corrected_checkin_keeps_its_history(demo):
    (revision,) = rows(demo, "SELECT * FROM checkin_revisions")
    checkin = rows(demo, "SELECT * FROM checkins WHERE id = ?", [revision["checkin_id"]])[0]
    assert revision["action"] == "edit" and checkin["version"] == 2
    assert '"value": 152000.0' in revision["before"]


# --- the planted cases -----------------------------------------------------------------------


def latest(kr):
    return kr["checkins"][-1]


def status(kr):
    """A key result's status today, by the rules of okrdata.numbers."""
    last = latest(kr)
    return numbers.kr_status(last["confidence"], dt.date.fromisoformat(last["checkin_date"]), TODAY, kr["cadence_days"])


def confidence_and_pace(kr, cycle_row):
    """(confidence, pace) at each check-in, oldest first, as numbers.divergence takes them."""
    history = []
    for c in kr["checkins"]:
        progress = numbers.kr_progress(kr["kr_type"], kr["baseline"], kr["target"], c["value"])
        expected = numbers.expected_progress(
            cycle_row["start"], cycle_row["end"], dt.date.fromisoformat(c["checkin_date"])
        )
        history.append((c["confidence"], numbers.pace(progress, expected)))
    return history


def test_stale_key_results(demo):
    stale = [k["title"] for k in current_krs(demo) if status(k) == numbers.STALE]
    assert 1 <= len(stale) <= 3
    assert any("store rating" in t for t in stale)
    for title in stale:
        kr = next(k for k in current_krs(demo) if k["title"] == title)
        assert (TODAY - dt.date.fromisoformat(latest(kr)["checkin_date"])).days > 10


def test_confident_but_behind(demo):
    current = cycle(demo, "active")
    flagged = []
    for kr in current_krs(demo):
        history = confidence_and_pace(kr, current)
        if numbers.divergence(history) == "overconfident":
            flagged.append(kr["title"])
            assert all(conf >= 7 and pace <= -0.2 for conf, pace in history[-2:])
    assert flagged == ["Cut p95 API latency from 480 ms to 250 ms"]


def test_a_decrease_key_result_and_one_past_its_target(demo):
    krs = current_krs(demo)
    assert any(k["kr_type"] == "decrease" for k in krs)
    past = [
        k["title"]
        for k in krs
        if (k["kr_type"] == "increase" and latest(k)["value"] > k["target"])
        or (k["kr_type"] == "decrease" and latest(k)["value"] < k["target"])
    ]
    assert "Grow weekly trial signups from 240 to 400" in past


def test_some_thrive_some_struggle(demo):
    statuses = Counter(status(k) for k in current_krs(demo))
    assert statuses[numbers.ON_TRACK] >= 15
    assert statuses[numbers.AT_RISK] >= 5
    assert statuses[numbers.OFF_TRACK] >= 1


def test_planted_quality_problems(demo):
    current = cycle(demo, "active")
    objectives = rows(demo, "SELECT * FROM objectives WHERE cycle_id = ?", [current["id"]])
    krs = current_krs(demo)
    per_unit = Counter(o["unit_id"] for o in objectives)
    assert max(per_unit.values()) == 4, "one team has four objectives"
    per_objective = Counter(k["objective_id"] for k in krs)
    single = [o["title"] for o in objectives if per_objective[o["id"]] == 1]
    assert single == ["Make the driver app feel instant"]
    assert any(k["title"] == "Implement SAML single sign-on" and k["kr_type"] == "milestone" for k in krs)
    team_orphans = [
        o["title"]
        for o in objectives
        if o["parent_objective_id"] is None and len(unit_ancestors(demo, o["unit_id"])) == 2
    ]
    assert team_orphans == ["A help centre customers actually use"]
    owners = Counter(k["owner_id"] for k in krs)
    assert owners.most_common(1)[0][1] >= 6


def test_the_coach_finds_exactly_the_planted_problems(demo):
    quality = pytest.importorskip("okrdata.quality")
    found = {(f.rule, f.subject) for f in quality.findings(demo, cycle(demo, "active")["id"])}
    assert found == {
        ("too_many_objectives", "Growth"),
        ("kr_count", "Make the driver app feel instant"),
        ("activity_kr", "Implement SAML single sign-on"),
        ("unaligned", "A help centre customers actually use"),
        ("owner_overload", "Sofía Márquez"),
    }


# --- the closed cycle ------------------------------------------------------------------------


def test_closed_cycle_is_scored_and_reflected(demo):
    previous = cycle(demo, "closed")
    objectives = rows(demo, "SELECT * FROM objectives WHERE cycle_id = ?", [previous["id"]])
    assert len(objectives) >= 10
    assert all(o["score"] is not None and 0 <= o["score"] <= 1 for o in objectives)
    assert all(o["reflection"] for o in objectives)
    colours = Counter(numbers.score_colour(o["score"]) for o in objectives)
    assert colours["green"] >= 3 and colours["yellow"] >= 2
    adjusted = [o for o in objectives if o["score_reason"]]
    assert len(adjusted) >= 2
    aspirational = [o["score"] for o in objectives if o["kind"] == "aspirational"]
    assert aspirational and all(0.5 <= s <= 0.8 for s in aspirational)


def test_closed_cycle_refuses_new_checkins(demo):
    from okrdata.writes import SYSTEM, add_checkin

    previous = cycle(demo, "closed")
    kr = rows(
        demo,
        "SELECT k.id FROM key_results k JOIN objectives o ON o.id = k.objective_id WHERE o.cycle_id = ? LIMIT 1",
        [previous["id"]],
    )[0]
    with pytest.raises(ValidationError):
        add_checkin(demo, kr["id"], previous["end_date"], 1, 5, person=SYSTEM)


# --- KPIs ------------------------------------------------------------------------------------


def test_kpis_with_a_year_of_readings_and_one_overdue(demo):
    kpis = rows(demo, "SELECT * FROM kpis")
    assert 8 <= len(kpis) <= 12
    overdue = []
    for kpi in kpis:
        readings = rows(
            demo, "SELECT reading_date FROM kpi_readings WHERE kpi_id = ? ORDER BY reading_date", [kpi["id"]]
        )
        first, last = (dt.date.fromisoformat(readings[i]["reading_date"]) for i in (0, -1))
        assert (TODAY - first).days >= 330, kpi["name"]
        assert len(readings) >= 11
        if (TODAY - last).days > kpi["frequency_days"] + numbers.GRACE_DAYS:
            overdue.append(kpi["name"])
    assert overdue == ["Qualified pipeline"]
    assert {k["frequency_days"] for k in kpis} == {7, 31}


def test_mirrored_kpis_agree_with_their_key_results(demo):
    pairs = rows(
        demo,
        """
        SELECT c.value AS kr_value, r.value AS kpi_value FROM key_results k
        JOIN kpis p ON p.id = k.kpi_id AND p.name = 'p95 API latency'
        JOIN checkins c ON c.kr_id = k.id
        JOIN kpi_readings r ON r.kpi_id = p.id AND r.reading_date = c.checkin_date
        """,
    )
    assert len(pairs) >= 15
    assert all(p["kr_value"] == p["kpi_value"] for p in pairs)


# --- the database as a whole -----------------------------------------------------------------


def test_database_is_consistent(demo):
    assert demo.execute("PRAGMA foreign_key_check").fetchall() == []
    assert demo.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_marked_as_demo(demo):
    assert get_setting(demo, "demo") == "1"


def test_loads_fast(demo):
    assert demo.load_seconds < 5


def test_loading_twice_is_refused_and_changes_nothing(demo):
    before = table_counts(demo)
    with pytest.raises(ValidationError) as refused:
        load_demo(demo, TODAY)
    assert refused.value.field == "database"
    assert table_counts(demo) == before


def test_deterministic(tmp_path, demo):
    again = connect(tmp_path / "again.db")
    load_demo(again, TODAY)
    sql = "SELECT kr_id, checkin_date, value, confidence, note FROM checkins ORDER BY id"
    assert rows(again, sql) == rows(demo, sql)


@pytest.mark.slow
def test_migrates_a_blank_file(tmp_path):
    blank = connect(tmp_path / "blank.db")
    counts = load_demo(blank, TODAY)
    assert counts["key_results"] > 0


def test_a_bad_seed_file_writes_nothing(db, tmp_path):
    broken = tmp_path / "seed"
    shutil.copytree(SEED_DIR, broken)
    current = broken / "cycles" / "current.yaml"
    text = current.read_text(encoding="utf-8")
    current.write_text(text.replace("owner: kenji.watanabe", "owner: nobody.known"), encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        load_demo(db, TODAY, seed_path=broken)
    assert "nobody.known" in str(refused.value)
    assert is_empty(db)
    assert table_counts(db)["checkins"] == 0
    assert get_setting(db, "demo") is None
