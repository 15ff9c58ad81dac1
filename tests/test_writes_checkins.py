"""Check-ins from the Check-in page: a batch saved all or none, errors naming the key result and
the field, edit rights enforced in okrdata, and corrections told as history.

The ``org`` fixture (tests/conftest.py): Lee Lead leads Platform (below Product, below Acme);
Vic is a viewer, Ada an admin. Refusals go through the ``refused`` fixture, which compares every
table before and after.
"""

from __future__ import annotations

import pytest

from okrdata import auth, history, writes
from okrdata.db import connect
from okrdata.schema import migrate

TITLE_DECREASE = "p95 latency from 800 to 200 ms"
TITLE_INCREASE = "Test coverage from 0 to 100 %"


@pytest.fixture
def db():
    """The org in memory: these tests never need a file, and memory is much faster."""
    database = connect(":memory:")
    migrate(database)
    yield database
    database.close()


def who(db, person_id):
    return auth.person_by_id(db, person_id)


def count(db, table="checkins"):
    return db[table].count


def entry(kr_id, value, confidence=7, note="", day="2026-02-02"):
    return {"kr_id": kr_id, "value": value, "confidence": confidence, "note": note, "checkin_date": day}


# --- a batch is saved whole ----------------------------------------------------------------------


def test_a_batch_is_saved_together_with_its_author(db, org):
    lead = who(db, org.lead)
    ids = writes.add_checkins(
        db, [entry(org.kr_increase, "35", 8, "Two suites more"), entry(org.kr_decrease, 640, 5)], org.lead, person=lead
    )
    assert len(ids) == 2
    rows = [db["checkins"].get(i) for i in ids]
    assert [(r["kr_id"], r["value"], r["confidence"], r["note"]) for r in rows] == [
        (org.kr_increase, 35.0, 8, "Two suites more"),
        (org.kr_decrease, 640.0, 5, ""),
    ]
    assert {r["author_id"] for r in rows} == {org.lead}
    assert {r["checkin_date"] for r in rows} == {"2026-02-02"}
    assert rows[0]["created_at"] == rows[1]["created_at"]


def test_the_author_defaults_to_the_person(db, org):
    [checkin_id] = writes.add_checkins(db, [entry(org.kr_decrease, 700)], person=who(db, org.lead))
    assert db["checkins"].get(checkin_id)["author_id"] == org.lead


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"confidence": 11}, "confidence"),
        ({"confidence": -1}, "confidence"),
        ({"confidence": 6.5}, "confidence"),
        ({"confidence": None}, "confidence"),
        ({"value": "abc"}, "value"),
        ({"value": ""}, "value"),
        ({"value": "1,5"}, "value"),
        ({"checkin_date": "2026-05-01"}, "date"),
    ],
)
def test_one_bad_row_refuses_the_whole_batch_naming_key_result_and_field(db, org, refused, bad, field):
    rows = [entry(org.kr_increase, 40, 8), {**entry(org.kr_decrease, 600), **bad}]
    error = refused(db, field, lambda: writes.add_checkins(db, rows, org.lead, person=who(db, org.lead)))
    assert error.where == TITLE_DECREASE
    assert TITLE_DECREASE in str(error) and field in str(error)


def test_check_checkins_lists_every_problem_at_once(db, org, snapshot):
    before = snapshot(db)
    problems = writes.check_checkins(
        db,
        [entry(org.kr_increase, "abc"), entry(org.kr_decrease, 600, 11), entry(org.kr_stay_above, 99.95)],
        person=writes.SYSTEM,
    )
    assert [(p.where, p.field) for p in problems] == [(TITLE_INCREASE, "value"), (TITLE_DECREASE, "confidence")]
    assert snapshot(db) == before


def test_an_unknown_key_result_is_named_by_its_place_in_the_batch(db, org, refused):
    error = refused(
        db,
        "key_result",
        lambda: writes.add_checkins(db, [entry(org.kr_increase, 1), entry(99999, 1)], person=writes.SYSTEM),
    )
    assert error.where == "entry 2"


def test_a_key_result_appears_once_per_batch(db, org, refused):
    error = refused(
        db,
        "key_result",
        lambda: writes.add_checkins(db, [entry(org.kr_increase, 1), entry(org.kr_increase, 2)], person=writes.SYSTEM),
    )
    assert error.where == TITLE_INCREASE


def test_an_empty_batch_is_refused(db, org, refused):
    refused(db, "value", lambda: writes.add_checkins(db, [], org.lead, person=writes.SYSTEM))


def test_an_archived_key_result_takes_no_checkins(db, org, refused):
    writes.archive_key_result(
        db, org.kr_decrease, person=writes.SYSTEM, version=writes.version_of(db, "key_results", org.kr_decrease)
    )
    error = refused(
        db, "key_result", lambda: writes.add_checkins(db, [entry(org.kr_decrease, 600)], person=writes.SYSTEM)
    )
    assert error.where == TITLE_DECREASE


def test_a_batch_for_a_closed_cycle_is_refused(db, org, refused):
    writes.set_cycle_state(
        db, org.cycle, "closed", person=writes.SYSTEM, version=writes.version_of(db, "cycles", org.cycle)
    )
    error = refused(db, "cycle", lambda: writes.add_checkins(db, [entry(org.kr_decrease, 600)], person=writes.SYSTEM))
    assert error.where == TITLE_DECREASE


# --- who may check in ----------------------------------------------------------------------------


def test_a_lead_checks_in_for_their_team_and_the_units_below(db, org):
    writes.add_checkins(db, [entry(org.kr_increase, 30)], person=who(db, org.lead))
    assert count(db) == 2


def test_a_lead_cannot_check_in_for_another_team(db, org, refused):
    # Platform's lead, with one of their own key results and one of Product (above them).
    rows = [entry(org.kr_increase, 30), entry(org.kr_milestone, 0.5)]
    error = refused(db, "unit", lambda: writes.add_checkins(db, rows, org.lead, person=who(db, org.lead)))
    assert error.where == "Status page live for every region"
    assert "Product" in error.message
    refused(
        db, "unit", lambda: writes.add_checkin(db, org.kr_milestone, "2026-02-02", 0.5, 5, person=who(db, org.lead))
    )


def test_a_viewer_cannot_check_in(db, org, refused):
    error = refused(
        db, "unit", lambda: writes.add_checkins(db, [entry(org.kr_increase, 30)], person=who(db, org.viewer))
    )
    assert "viewer" in error.message


def test_a_signed_out_visitor_cannot_check_in(db, org, refused):
    refused(db, "unit", lambda: writes.add_checkins(db, [entry(org.kr_increase, 30)], person={}))


def test_the_role_counts_as_it_is_now_not_as_it_was_at_sign_in(db, org, refused):
    signed_in = who(db, org.lead)
    auth.set_role(db, org.lead, "viewer")  # an admin took the rights away meanwhile
    refused(db, "unit", lambda: writes.add_checkins(db, [entry(org.kr_increase, 30)], person=signed_in))


def test_an_admin_checks_in_anywhere(db, org):
    writes.add_checkins(db, [entry(org.kr_milestone, 0.5), entry(org.kr_stay_above, 99.95)], person=who(db, org.admin))
    assert count(db) == 3


def test_a_lead_cannot_correct_or_withdraw_another_teams_checkin(db, org, refused):
    other = writes.add_checkin(db, org.kr_milestone, "2026-02-02", 0.25, 6, person=writes.SYSTEM)
    lead = who(db, org.lead)
    refused(
        db,
        "unit",
        lambda: writes.edit_checkin(
            db, other, value=0.5, confidence=6, person=lead, version=writes.version_of(db, "checkins", other)
        ),
    )
    refused(
        db,
        "unit",
        lambda: writes.delete_checkin(db, other, person=lead, version=writes.version_of(db, "checkins", other)),
    )
    refused(
        db,
        "unit",
        lambda: writes.edit_checkin(
            db,
            org.checkin,
            value=1,
            confidence=1,
            person=who(db, org.viewer),
            version=writes.version_of(db, "checkins", org.checkin),
        ),
    )
    writes.edit_checkin(db, org.checkin, value=22, confidence=7, person=lead, version=1)
    [revision] = history.checkin_revisions(db, [org.kr_increase]).to_dict("records")
    assert revision["changed_by"] == org.lead  # changed_by defaults to the person


# --- corrections as history ----------------------------------------------------------------------


def test_revisions_come_back_newest_first_with_before_and_after(db, org):
    writes.edit_checkin(
        db,
        org.checkin,
        value=25,
        confidence=6,
        note="Recounted",
        changed_by=org.admin,
        person=writes.SYSTEM,
        version=writes.version_of(db, "checkins", org.checkin),
    )
    writes.delete_checkin(
        db,
        org.checkin,
        changed_by=org.lead,
        person=writes.SYSTEM,
        version=writes.version_of(db, "checkins", org.checkin),
    )
    revisions = history.checkin_revisions(db, [org.kr_increase])
    assert list(revisions["action"]) == ["delete", "edit"]
    assert list(revisions["changed_by_name"]) == ["Lee Lead", "Ada Admin"]
    edit = revisions.iloc[1]
    assert edit["before"]["value"] == 20.0 and edit["after"]["value"] == 25.0
    assert bool(revisions.iloc[0]["checkin_deleted"])
    assert history.checkin_revisions(db, [org.kr_decrease]).empty


def test_a_revision_in_words_names_only_what_changed():
    before = {"checkin_date": "2026-01-15", "value": 20.0, "confidence": 7, "note": "Good start"}
    after = {**before, "value": 25.0, "confidence": 6}
    assert history.describe_revision("edit", before, after) == "value 20 → 25; confidence 7 → 6"
    assert history.describe_revision("edit", before, dict(before)) == "saved without changes"
    assert history.describe_revision("delete", before, None) == (
        "withdrew the check-in (date '2026-01-15', value 20, confidence 7)"
    )


def test_a_checkin_dated_after_today_is_refused_by_every_path(db, org, refused):
    """DESIGN: a check-in is dated within its cycle and never after today; a future date would
    count as the current value and keep the key result from going stale until then."""
    import datetime as dt

    today = dt.date.today()
    cycle = writes.add_cycle(
        db, "Now", today - dt.timedelta(days=30), today + dt.timedelta(days=60), state="active", person=writes.SYSTEM
    )
    obj = writes.add_objective(db, cycle, org.platform, "Ship it", person=writes.SYSTEM)
    kr = writes.add_key_result(db, obj, "Users from 0 to 100", "increase", 0, 100, person=writes.SYSTEM)
    tomorrow = today + dt.timedelta(days=1)
    refused(db, "date", lambda: writes.add_checkin(db, kr, tomorrow, 50, 7, person=writes.SYSTEM))
    refused(
        db,
        "date",
        lambda: writes.add_checkins(
            db, [{"kr_id": kr, "value": 50, "confidence": 7, "checkin_date": tomorrow}], person=writes.SYSTEM
        ),
    )
    assert writes.add_checkin(db, kr, today, 50, 7, person=writes.SYSTEM)
