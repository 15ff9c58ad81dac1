"""Who writes: every write names its actor, cycles are the admins', a check-in is its writer's.

- The actor (``person``) is a required keyword of every write function: forgetting it is a
  TypeError, and ``person=None`` is a signed-out visitor, refused, never a trusted caller. The
  CLI, the importer run from the command line, the seed loader and the generator pass
  :data:`okrdata.writes.SYSTEM` explicitly.
- Cycles are the whole company's: adding, renaming, moving dates and changing state are an
  admin's (or the system's).
- A check-in (or KPI reading) is attributed to whoever saves it; naming another author is an
  admin's or the system's right only, in the app and in an imported history file.

The ``org`` fixture is described in tests/conftest.py.
"""

from __future__ import annotations

import datetime as dt
import inspect

import pandas as pd
import pytest

from okrdata import auth, transfer, writes

IN_CYCLE = dt.date(2026, 2, 1)

READERS = {
    "now_iso",
    "check_kr_goal",
    "check_checkins",
    "read_for_edit",
    "version_of",
    "is_system",
    "check_admin",
    "acts_as_admin",
    "changes_since",
}
"""Public functions of okrdata.writes that write nothing (everything else there is a write)."""


def who(db, person_id):
    return auth.person_by_id(db, person_id)


def write_functions() -> list:
    return [
        fn
        for name, fn in inspect.getmembers(writes, inspect.isfunction)
        if fn.__module__.startswith(f"{writes.__name__}.") and not name.startswith("_") and name not in READERS
    ]


# --- the actor is required ------------------------------------------------------------------------


def test_every_write_function_requires_its_actor_by_keyword():
    functions = write_functions()
    assert len(functions) >= 25, [f.__name__ for f in functions]
    for fn in functions:
        actor = inspect.signature(fn).parameters.get("person")
        assert actor is not None, f"{fn.__name__} names no actor (person)"
        assert actor.kind is inspect.Parameter.KEYWORD_ONLY, f"{fn.__name__}: person must be keyword-only"
        assert actor.default is inspect.Parameter.empty, f"{fn.__name__}: person must have no default"


def test_forgetting_the_actor_is_an_error_and_writes_nothing(db, org, snapshot):
    before = snapshot(db)
    with pytest.raises(TypeError):
        writes.add_checkin(db, org.kr_increase, "2026-01-20", 30, 7)
    with pytest.raises(TypeError):
        writes.add_cycle(db, "2027 Q1", "2027-01-01", "2027-03-31")
    assert snapshot(db) == before


@pytest.mark.parametrize(
    "field, call",
    [
        ("unit", lambda db, o: writes.add_checkin(db, o.kr_increase, "2026-01-20", 30, 7, person=None)),
        ("unit", lambda db, o: writes.add_objective(db, o.cycle, o.platform, "Be quick", person=None)),
        ("role", lambda db, o: writes.add_person(db, "Mal", "mal@evil.test", role="admin", person=None)),
        ("role", lambda db, o: writes.add_cycle(db, "2027 Q1", "2027-01-01", "2027-03-31", person=None)),
        ("role", lambda db, o: writes.set_setting(db, "demo", "0", person=None)),
        (
            "unit",
            lambda db, o: writes.update_objective(
                db,
                o.platform_obj,
                person=None,
                version=writes.version_of(db, "objectives", o.platform_obj),
                title="Owned",
            ),
        ),
        (
            "role",
            lambda db, o: writes.update_person(
                db, o.lead, person=None, version=writes.version_of(db, "people", o.lead), role="admin"
            ),
        ),
    ],
)
def test_none_is_a_signed_out_visitor_not_a_trusted_caller(db, org, refused, field, call):
    refused(db, field, lambda: call(db, org))


def test_the_system_actor_writes_for_the_cli_importer_and_seed_loader(db, org):
    cycle = writes.add_cycle(db, "2027 Q1", "2027-01-01", "2027-03-31", person=writes.SYSTEM)
    writes.add_checkin(db, org.kr_increase, "2026-01-20", 30, 7, author_id=org.viewer, person=writes.SYSTEM)
    assert db["cycles"].get(cycle)["name"] == "2027 Q1"
    assert writes.is_system(writes.SYSTEM) and not writes.is_system(dict(writes.SYSTEM))


def test_a_copy_of_the_system_actor_is_not_trusted(db, org, refused):
    forged = dict(writes.SYSTEM)
    refused(db, "role", lambda: writes.add_cycle(db, "2027 Q1", "2027-01-01", "2027-03-31", person=forged))


# --- cycles are the admins' ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda db, o, p: writes.add_cycle(db, "2027 Q1", "2027-01-01", "2027-03-31", person=p),
        lambda db, o, p: writes.update_cycle(
            db, o.cycle, person=p, version=writes.version_of(db, "cycles", o.cycle), name="Lee's quarter"
        ),
        lambda db, o, p: writes.update_cycle(
            db, o.cycle, person=p, version=writes.version_of(db, "cycles", o.cycle), end_date="2026-04-30"
        ),
        lambda db, o, p: writes.set_cycle_state(
            db, o.cycle, "planning", person=p, version=writes.version_of(db, "cycles", o.cycle)
        ),
        lambda db, o, p: writes.set_cycle_state(
            db, o.next_cycle, "active", person=p, version=writes.version_of(db, "cycles", o.next_cycle)
        ),
    ],
    ids=["add", "rename", "move dates", "back to planning", "activate"],
)
def test_a_lead_may_not_add_or_change_a_cycle(db, org, refused, call):
    error = refused(db, "role", lambda: call(db, org, who(db, org.lead)))
    assert "admin" in error.message
    call(db, org, who(db, org.admin))  # an admin may


def test_a_lead_importing_a_new_cycle_is_refused_on_the_cycle_column(db, org, snapshot):
    text = (
        "Cycle,Start,End,Unit,Objective,Key result,Type,Baseline,Target\n"
        "2027 Q1,2027-01-01,2027-03-31,Platform,Be quick,Cache hits from 40 to 80,increase,40,80\n"
    )
    before = snapshot(db)
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(db, transfer.read_table(text.encode(), "o.csv"), person=who(db, org.lead), today=IN_CYCLE)
    assert [(p.row, p.column) for p in info.value.problems][:1] == [(2, "Cycle")]
    assert "admin" in info.value.problems[0].message
    assert snapshot(db) == before


# --- a check-in is its writer's -----------------------------------------------------------------


def test_a_lead_saves_check_ins_in_their_own_name_only(db, org, refused):
    lead = who(db, org.lead)
    error = refused(
        db,
        "author",
        lambda: writes.add_checkin(db, org.kr_increase, "2026-01-20", 30, 7, author_id=org.viewer, person=lead),
    )
    assert "admin" in error.message
    refused(
        db,
        "author",
        lambda: writes.add_checkins(
            db,
            [{"kr_id": org.kr_increase, "value": 30, "confidence": 7, "checkin_date": "2026-01-20"}],
            org.admin,
            person=lead,
        ),
    )
    kpi = writes.add_kpi(db, org.platform, "Build minutes", "stay_below", 30, person=writes.SYSTEM)
    refused(db, "author", lambda: writes.add_kpi_reading(db, kpi, "2026-01-20", 25, author_id=org.viewer, person=lead))
    mine = writes.add_checkin(db, org.kr_increase, "2026-01-20", 30, 7, person=lead)
    named = writes.add_checkin(db, org.kr_increase, "2026-01-21", 31, 7, author_id=org.lead, person=lead)
    assert {db["checkins"].get(i)["author_id"] for i in (mine, named)} == {org.lead}


def test_a_check_in_correction_is_recorded_as_its_writers(db, org, refused):
    lead = who(db, org.lead)
    version = writes.version_of(db, "checkins", org.checkin)
    refused(
        db,
        "author",
        lambda: writes.edit_checkin(
            db, org.checkin, value=22, confidence=7, changed_by=org.admin, person=lead, version=version
        ),
    )
    writes.edit_checkin(db, org.checkin, value=22, confidence=7, person=lead, version=version)
    assert db.execute("SELECT changed_by FROM checkin_revisions").fetchall() == [(org.lead,)]


def test_an_admin_or_the_system_may_name_another_author(db, org):
    by_admin = writes.add_checkin(
        db, org.kr_increase, "2026-01-20", 30, 7, author_id=org.lead, person=who(db, org.admin)
    )
    by_system = writes.add_checkin(db, org.kr_increase, "2026-01-21", 31, 7, author_id=org.lead, person=writes.SYSTEM)
    assert {db["checkins"].get(i)["author_id"] for i in (by_admin, by_system)} == {org.lead}


HISTORY = (
    "Unit,Key result,Date,Value,Confidence,Author\nPlatform,Test coverage from 0 to 100 %,2026-01-20,30,7,{author}\n"
)


def history_table(author: str) -> pd.DataFrame:
    return transfer.read_table(HISTORY.format(author=author).encode(), "history.csv")


def test_a_leads_history_import_naming_someone_else_is_refused_on_the_author_column(db, org, snapshot):
    before = snapshot(db)
    with pytest.raises(transfer.ImportRefused) as info:
        transfer.import_okrs(db, history_table("ada@acme.test"), person=who(db, org.lead), today=IN_CYCLE)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "Author")]
    assert "admin" in info.value.problems[0].message
    assert snapshot(db) == before


def test_a_leads_history_import_in_their_own_name_or_without_author_is_theirs(db, org):
    lead = who(db, org.lead)
    transfer.import_okrs(db, history_table("lee@acme.test"), person=lead, today=IN_CYCLE)
    text = "Unit,Key result,Date,Value,Confidence\nPlatform,p95 latency from 800 to 200 ms,2026-01-21,700,6\n"
    transfer.import_okrs(db, transfer.read_table(text.encode(), "h.csv"), person=lead, today=IN_CYCLE)
    authors = db.execute("SELECT author_id FROM checkins WHERE checkin_date IN ('2026-01-20', '2026-01-21')").fetchall()
    assert authors == [(org.lead,), (org.lead,)]


@pytest.mark.parametrize("actor", ["admin", "system"])
def test_an_admins_or_the_systems_history_import_may_name_other_authors(db, org, actor):
    person = who(db, org.admin) if actor == "admin" else writes.SYSTEM
    transfer.import_okrs(db, history_table("vic@acme.test"), person=person, today=IN_CYCLE)
    assert db.execute("SELECT author_id FROM checkins WHERE checkin_date = '2026-01-20'").fetchall() == [(org.viewer,)]
