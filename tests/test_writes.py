"""Validated writes: bad input is refused naming its field and changes nothing; good input is
stored whole; corrections keep their history; a write happens whole or not at all.

Every refusal goes through the ``refused`` fixture (tests/conftest.py), which compares the full
contents of every table before and after the call.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from okrdata import lookups, writes
from okrdata.db import connect, transaction
from okrdata.errors import ValidationError

NAN, INF = math.nan, math.inf


def checkin_row(db, checkin_id):
    return db["checkins"].get(checkin_id)


def revisions(db, checkin_id):
    return list(db.query("SELECT * FROM checkin_revisions WHERE checkin_id = ? ORDER BY id", [checkin_id]))


# --- key results: baseline and target -------------------------------------------------------


@pytest.mark.parametrize(
    "kr_type, baseline, target, field",
    [
        ("increase", 10, 10, "target"),  # target equal to its baseline: nothing to achieve
        ("decrease", 10, 10, "target"),
        ("increase", 0.0, 0, "target"),
        ("increase", 50, 40, "target"),  # increase with the target below the baseline
        ("decrease", 40, 50, "target"),  # decrease with the target above the baseline
        ("increase", None, 10, "baseline"),
        ("decrease", 10, None, "target"),
        ("stay_above", None, None, "target"),
        ("stay_below", 5, None, "target"),
        ("milestone", None, 5, "target"),
        ("milestone", 0.5, None, "baseline"),
        ("sideways", 0, 10, "type"),
        ("", 0, 10, "type"),
    ],
)
def test_key_result_goal_that_makes_no_sense_is_refused(db, org, refused, kr_type, baseline, target, field):
    refused(
        db,
        field,
        lambda: writes.add_key_result(
            db, org.platform_obj, "Some result", kr_type, baseline, target, person=writes.SYSTEM
        ),
    )


@pytest.mark.parametrize(
    "kr_type, baseline, target, stored",
    [
        ("increase", 0, 100, (0.0, 100.0)),
        ("increase", "-5", "5", (-5.0, 5.0)),  # numbers from a form arrive as text
        ("decrease", 800, 200, (800.0, 200.0)),
        ("stay_above", None, 99.9, (None, 99.9)),
        ("stay_below", None, 0, (None, 0.0)),
        ("milestone", None, None, (0.0, 1.0)),
        ("Stay Above", None, 1, (None, 1.0)),  # types are matched loosely
    ],
)
def test_a_sensible_key_result_is_stored(db, org, kr_type, baseline, target, stored):
    kr_id = writes.add_key_result(db, org.platform_obj, "Some result", kr_type, baseline, target, person=writes.SYSTEM)
    row = db["key_results"].get(kr_id)
    assert (row["baseline"], row["target"]) == stored
    assert row["kr_type"] == kr_type.lower().replace(" ", "_")
    assert row["weight"] == 1 and row["cadence_days"] == 7


@pytest.mark.parametrize("title", ["", "   ", None, "x" * 301])
def test_a_key_result_needs_a_title_of_sensible_length(db, org, refused, title):
    refused(
        db, "title", lambda: writes.add_key_result(db, org.platform_obj, title, "increase", 0, 1, person=writes.SYSTEM)
    )


@pytest.mark.parametrize("weight", [-1, "-0.5", "heavy"])
def test_a_negative_or_non_numeric_weight_is_refused(db, org, refused, weight):
    refused(
        db,
        "weight",
        lambda: writes.add_key_result(db, org.platform_obj, "R", "increase", 0, 1, weight=weight, person=writes.SYSTEM),
    )
    refused(
        db,
        "weight",
        lambda: writes.add_objective(db, org.cycle, org.platform, "O", weight=weight, person=writes.SYSTEM),
    )


@pytest.mark.parametrize("cadence", [0, -7, 91, 1.5])
def test_a_cadence_outside_1_to_90_days_is_refused(db, org, refused, cadence):
    refused(
        db,
        "cadence_days",
        lambda: writes.add_key_result(
            db, org.platform_obj, "R", "increase", 0, 1, cadence_days=cadence, person=writes.SYSTEM
        ),
    )


# --- not-a-number and infinite input --------------------------------------------------------


@pytest.mark.parametrize("bad", [NAN, INF, -INF, "nan", "inf"])
@pytest.mark.parametrize(
    "field, call",
    [
        ("value", lambda db, org, x: writes.add_checkin(db, org.kr_increase, "2026-01-20", x, 5, person=writes.SYSTEM)),
        (
            "confidence",
            lambda db, org, x: writes.add_checkin(db, org.kr_increase, "2026-01-20", 30, x, person=writes.SYSTEM),
        ),
        (
            "baseline",
            lambda db, org, x: writes.add_key_result(
                db, org.platform_obj, "R", "increase", x, 10, person=writes.SYSTEM
            ),
        ),
        (
            "target",
            lambda db, org, x: writes.add_key_result(db, org.platform_obj, "R", "increase", 0, x, person=writes.SYSTEM),
        ),
        (
            "target",
            lambda db, org, x: writes.add_key_result(
                db, org.platform_obj, "R", "stay_above", None, x, person=writes.SYSTEM
            ),
        ),
        (
            "weight",
            lambda db, org, x: writes.add_key_result(
                db, org.platform_obj, "R", "increase", 0, 1, weight=x, person=writes.SYSTEM
            ),
        ),
        (
            "weight",
            lambda db, org, x: writes.add_objective(db, org.cycle, org.platform, "O", weight=x, person=writes.SYSTEM),
        ),
        (
            "value",
            lambda db, org, x: writes.edit_checkin(
                db,
                org.checkin,
                value=x,
                confidence=5,
                person=writes.SYSTEM,
                version=writes.version_of(db, "checkins", org.checkin),
            ),
        ),
        ("target", lambda db, org, x: writes.add_kpi(db, org.company, "Uptime", "stay_above", x, person=writes.SYSTEM)),
        ("value", lambda db, org, x: writes.add_kpi_reading(db, org.kpi, "2026-01-05", x, person=writes.SYSTEM)),
    ],
    ids=[
        "checkin-value",
        "checkin-confidence",
        "kr-baseline",
        "kr-target",
        "kr-bound",
        "kr-weight",
        "objective-weight",
        "edit-value",
        "kpi-target",
        "kpi-reading",
    ],
)
def test_nan_and_infinite_numbers_are_refused(db, org, refused, field, call, bad):
    refused(db, field, lambda: call(db, org, bad))


# --- check-ins --------------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [-1, 11, 5.5, "high", "", None, True, "7/10"])
def test_a_confidence_outside_0_to_10_is_refused(db, org, refused, confidence):
    refused(
        db,
        "confidence",
        lambda: writes.add_checkin(db, org.kr_increase, "2026-01-20", 30, confidence, person=writes.SYSTEM),
    )


@pytest.mark.parametrize("confidence, stored", [(0, 0), (10, 10), ("7", 7), (6.0, 6), (" 3 ", 3)])
def test_a_confidence_from_0_to_10_is_stored_as_a_whole_number(db, org, confidence, stored):
    checkin_id = writes.add_checkin(db, org.kr_increase, "2026-01-20", 30, confidence, person=writes.SYSTEM)
    assert checkin_row(db, checkin_id)["confidence"] == stored


@pytest.mark.parametrize(
    "day",
    ["2025-12-31", "2026-04-01", "2027-01-15", dt.date(2020, 1, 1)],
    ids=["day-before-start", "day-after-end", "next-year", "long-ago"],
)
def test_a_checkin_dated_outside_its_cycle_is_refused(db, org, refused, day):
    refused(db, "date", lambda: writes.add_checkin(db, org.kr_increase, day, 30, 5, person=writes.SYSTEM))


@pytest.mark.parametrize("day", ["", None, "15/01/2026", "2026-02-30", "soon"])
def test_a_checkin_without_a_readable_date_is_refused(db, org, refused, day):
    refused(db, "date", lambda: writes.add_checkin(db, org.kr_increase, day, 30, 5, person=writes.SYSTEM))


@pytest.mark.parametrize("day", ["2026-01-01", "2026-03-31", dt.date(2026, 2, 1), dt.datetime(2026, 2, 1, 9, 30)])
def test_a_checkin_on_the_first_or_last_day_of_its_cycle_is_accepted(db, org, day):
    checkin_id = writes.add_checkin(db, org.kr_increase, day, 30, 5, person=writes.SYSTEM)
    assert checkin_row(db, checkin_id)["checkin_date"] == str(day)[:10]


@pytest.mark.parametrize("value", [-0.1, 1.5, 100])
def test_a_milestone_checkin_is_a_fraction_from_0_to_1(db, org, refused, value):
    refused(db, "value", lambda: writes.add_checkin(db, org.kr_milestone, "2026-01-20", value, 5, person=writes.SYSTEM))


@pytest.mark.parametrize("value", [None, "", "lots", "1,5"])
def test_a_checkin_needs_a_number(db, org, refused, value):
    refused(db, "value", lambda: writes.add_checkin(db, org.kr_increase, "2026-01-20", value, 5, person=writes.SYSTEM))


def test_a_checkin_is_stored(db, org):
    checkin_id = writes.add_checkin(
        db,
        org.kr_decrease,
        "2026-01-22",
        "640",
        6,
        "  Caching helped; DB still slow  ",
        author_id=org.lead,
        person=writes.SYSTEM,
    )
    row = checkin_row(db, checkin_id)
    assert row["kr_id"] == org.kr_decrease
    assert row["checkin_date"] == "2026-01-22"
    assert row["value"] == 640.0
    assert row["confidence"] == 6
    assert row["note"] == "Caching helped; DB still slow"
    assert row["author_id"] == org.lead
    assert row["version"] == 1
    assert row["deleted"] == 0
    assert row["created_at"] and row["created_at"] == row["updated_at"]
    assert revisions(db, checkin_id) == []


# --- closed cycles are read only ----------------------------------------------------------------


@pytest.fixture
def closed(db, org):
    writes.set_cycle_state(
        db, org.cycle, "closed", person=writes.SYSTEM, version=writes.version_of(db, "cycles", org.cycle)
    )
    return org


@pytest.mark.parametrize(
    "call",
    [
        lambda db, org: writes.add_checkin(db, org.kr_increase, "2026-03-01", 50, 5, person=writes.SYSTEM),
        lambda db, org: writes.add_key_result(
            db, org.platform_obj, "Late result", "increase", 0, 1, person=writes.SYSTEM
        ),
        lambda db, org: writes.add_objective(db, org.cycle, org.platform, "Late objective", person=writes.SYSTEM),
        lambda db, org: writes.edit_checkin(
            db,
            org.checkin,
            value=99,
            confidence=10,
            person=writes.SYSTEM,
            version=writes.version_of(db, "checkins", org.checkin),
        ),
        lambda db, org: writes.delete_checkin(
            db, org.checkin, person=writes.SYSTEM, version=writes.version_of(db, "checkins", org.checkin)
        ),
        lambda db, org: writes.update_objective(
            db,
            org.platform_obj,
            title="Rewritten history",
            person=writes.SYSTEM,
            version=writes.version_of(db, "objectives", org.platform_obj),
        ),
    ],
    ids=["add-checkin", "add-key-result", "add-objective", "edit-checkin", "delete-checkin", "update-objective"],
)
def test_nothing_is_written_to_a_closed_cycle(db, closed, refused, call):
    refused(db, "cycle", lambda: call(db, closed))


# --- alignment --------------------------------------------------------------------------------


def test_an_objective_aligned_to_an_objective_of_another_cycle_is_refused(db, org, refused):
    refused(
        db,
        "parent_objective",
        lambda: writes.add_objective(
            db, org.cycle, org.platform, "T", parent_objective_id=org.next_company_obj, person=writes.SYSTEM
        ),
    )


@pytest.mark.parametrize(
    "unit, parent",
    [
        ("mobile", "platform_obj"),  # a sibling team
        ("sales", "product_obj"),  # a sibling department
        ("sales", "platform_obj"),  # a team of another department
        ("product", "platform_obj"),  # a child unit: alignment goes up, never down
        ("company", "product_obj"),
        ("company", "platform_obj"),  # a grandchild
    ],
)
def test_an_objective_aligned_to_a_unit_not_above_it_is_refused(db, org, refused, unit, parent):
    refused(
        db,
        "parent_objective",
        lambda: writes.add_objective(
            db, org.cycle, getattr(org, unit), "T", parent_objective_id=getattr(org, parent), person=writes.SYSTEM
        ),
    )


def test_an_objective_aligned_to_a_key_result_of_a_unit_not_above_it_names_parent_kr(db, org, refused):
    refused(
        db,
        "parent_kr",
        lambda: writes.add_objective(
            db, org.cycle, org.mobile, "T", parent_kr_id=org.kr_increase, person=writes.SYSTEM
        ),
    )


def test_an_objective_aligned_to_a_key_result_of_another_objective_than_given_is_refused(db, org, refused):
    refused(
        db,
        "parent_kr",
        lambda: writes.add_objective(
            db,
            org.cycle,
            org.platform,
            "T",
            parent_objective_id=org.company_obj,
            parent_kr_id=org.kr_milestone,
            person=writes.SYSTEM,
        ),
    )


@pytest.mark.parametrize("parent", ["company_obj", "product_obj", "platform_obj"])
def test_an_objective_may_align_to_its_own_unit_or_any_unit_above(db, org, parent):
    objective_id = writes.add_objective(
        db, org.cycle, org.platform, "T", parent_objective_id=getattr(org, parent), person=writes.SYSTEM
    )
    assert db["objectives"].get(objective_id)["parent_objective_id"] == getattr(org, parent)


def test_aligning_to_a_key_result_records_its_objective_too(db, org):
    objective_id = writes.add_objective(
        db, org.cycle, org.mobile, "T", parent_kr_id=org.kr_milestone, person=writes.SYSTEM
    )
    row = db["objectives"].get(objective_id)
    assert (row["parent_objective_id"], row["parent_kr_id"]) == (org.product_obj, org.kr_milestone)


def test_an_objective_cannot_align_to_itself(db, org, refused):
    refused(
        db,
        "parent_objective",
        lambda: writes.update_objective(
            db,
            org.platform_obj,
            parent_objective_id=org.platform_obj,
            person=writes.SYSTEM,
            version=writes.version_of(db, "objectives", org.platform_obj),
        ),
    )


def test_alignment_cannot_loop(db, org, refused):
    first = writes.add_objective(db, org.cycle, org.platform, "First", person=writes.SYSTEM)
    second = writes.add_objective(
        db, org.cycle, org.platform, "Second", parent_objective_id=first, person=writes.SYSTEM
    )
    refused(
        db,
        "parent_objective",
        lambda: writes.update_objective(
            db,
            first,
            parent_objective_id=second,
            person=writes.SYSTEM,
            version=writes.version_of(db, "objectives", first),
        ),
    )


def test_moving_an_objective_to_another_unit_rechecks_its_alignment(db, org, refused):
    # Platform's objective aligns to Product's; moved to Sales, Product is no longer above it.
    refused(
        db,
        "parent_objective",
        lambda: writes.update_objective(
            db,
            org.platform_obj,
            unit_id=org.sales,
            person=writes.SYSTEM,
            version=writes.version_of(db, "objectives", org.platform_obj),
        ),
    )


def test_moving_an_objective_below_the_objectives_aligned_to_it_is_refused(db, org, refused):
    # Platform's objective aligns to Product's. Moving Product's objective to the Mobile team
    # would leave Platform aligned to a sibling team: the state add_objective refuses.
    refused(
        db,
        "unit",
        lambda: writes.update_objective(
            db,
            org.product_obj,
            unit_id=org.mobile,
            person=writes.SYSTEM,
            version=writes.version_of(db, "objectives", org.product_obj),
        ),
    )


def test_clearing_both_parents_unaligns_an_objective(db, org):
    objective = writes.add_objective(
        db, org.cycle, org.mobile, "T", parent_kr_id=org.kr_milestone, person=writes.SYSTEM
    )
    writes.update_objective(
        db,
        objective,
        parent_objective_id=None,
        parent_kr_id=None,
        person=writes.SYSTEM,
        version=writes.version_of(db, "objectives", objective),
    )
    row = db["objectives"].get(objective)
    assert (row["parent_objective_id"], row["parent_kr_id"]) == (None, None)


def test_an_objective_aligned_to_a_key_result_can_be_realigned_to_another_objective(db, org):
    objective = writes.add_objective(
        db, org.cycle, org.mobile, "T", parent_kr_id=org.kr_milestone, person=writes.SYSTEM
    )
    writes.update_objective(
        db,
        objective,
        parent_objective_id=org.company_obj,
        person=writes.SYSTEM,
        version=writes.version_of(db, "objectives", objective),
    )
    row = db["objectives"].get(objective)
    assert (row["parent_objective_id"], row["parent_kr_id"]) == (org.company_obj, None)


def test_clearing_the_parent_objective_unaligns_an_objective_aligned_to_a_key_result(db, org):
    objective = writes.add_objective(
        db, org.cycle, org.mobile, "T", parent_kr_id=org.kr_milestone, person=writes.SYSTEM
    )
    writes.update_objective(
        db,
        objective,
        parent_objective_id=None,
        person=writes.SYSTEM,
        version=writes.version_of(db, "objectives", objective),
    )
    row = db["objectives"].get(objective)
    assert (row["parent_objective_id"], row["parent_kr_id"]) == (None, None)


# --- cycles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, field",
    [
        ("2026-07-01", "2026-06-30", "end_date"),  # ends before it starts
        ("2026-07-01", "2026-07-01", "end_date"),  # ends on its start
        ("2026-07-01", "", "end_date"),
        ("", "2026-09-30", "start_date"),
        ("July", "2026-09-30", "start_date"),
    ],
)
def test_a_cycle_must_end_after_it_starts(db, org, refused, start, end, field):
    refused(db, field, lambda: writes.add_cycle(db, "2026 Q3", start, end, person=writes.SYSTEM))


def test_a_cycle_name_is_unique(db, org, refused):
    refused(db, "name", lambda: writes.add_cycle(db, "2026 Q1", "2027-01-01", "2027-03-31", person=writes.SYSTEM))


@pytest.mark.parametrize("state", ["open", "done", ""])
def test_a_cycle_state_is_planning_active_or_closed(db, org, refused, state):
    refused(
        db,
        "state",
        lambda: writes.add_cycle(db, "2026 Q3", "2026-07-01", "2026-09-30", state=state, person=writes.SYSTEM),
    )
    refused(
        db,
        "state",
        lambda: writes.set_cycle_state(
            db, org.cycle, state, person=writes.SYSTEM, version=writes.version_of(db, "cycles", org.cycle)
        ),
    )


# --- units ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit, new_parent",
    [
        ("product", "product"),  # its own parent
        ("product", "platform"),  # its own child
        ("company", "platform"),  # its own grandchild
        ("company", "company"),
    ],
)
def test_a_unit_cannot_become_its_own_ancestor(db, org, refused, unit, new_parent):
    refused(
        db,
        "parent",
        lambda: writes.update_unit(
            db,
            getattr(org, unit),
            parent_id=getattr(org, new_parent),
            person=writes.SYSTEM,
            version=writes.version_of(db, "units", getattr(org, unit)),
        ),
    )


def test_a_unit_can_move_under_another_unit(db, org):
    writes.update_unit(
        db, org.mobile, parent_id=org.sales, person=writes.SYSTEM, version=writes.version_of(db, "units", org.mobile)
    )
    assert db["units"].get(org.mobile)["parent_id"] == org.sales
    assert lookups.unit_ancestors(db, org.mobile) == [org.sales, org.company]


def test_there_is_one_company(db, org, refused):
    refused(db, "parent", lambda: writes.add_unit(db, "Other company", person=writes.SYSTEM))
    refused(
        db,
        "parent",
        lambda: writes.update_unit(
            db, org.sales, parent_id=None, person=writes.SYSTEM, version=writes.version_of(db, "units", org.sales)
        ),
    )


def test_a_unit_name_is_unique(db, org, refused):
    refused(db, "name", lambda: writes.add_unit(db, "Platform", parent_id=org.sales, person=writes.SYSTEM))
    refused(
        db,
        "name",
        lambda: writes.update_unit(
            db, org.mobile, name="Platform", person=writes.SYSTEM, version=writes.version_of(db, "units", org.mobile)
        ),
    )


# --- people -----------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["lee@acme.test", "Lee@Acme.Test", "  LEE@acme.test "])
def test_an_email_belongs_to_one_person(db, org, refused, email):
    refused(db, "email", lambda: writes.add_person(db, "Another Lee", email, person=writes.SYSTEM))


@pytest.mark.parametrize("email", ["", "lee", "lee@", "@acme.test", "lee@acme", "lee lee@acme.test"])
def test_an_email_must_look_like_one(db, org, refused, email):
    refused(db, "email", lambda: writes.add_person(db, "Lee", email, person=writes.SYSTEM))


def test_a_role_is_viewer_lead_or_admin(db, org, refused):
    refused(db, "role", lambda: writes.add_person(db, "Olga", "olga@acme.test", role="owner", person=writes.SYSTEM))


def test_a_person_is_stored_with_the_units_they_may_edit(db, org):
    person = writes.add_person(db, "Mo", "Mo@Acme.test", role="Lead", unit_ids=[org.mobile], person=writes.SYSTEM)
    row = db["people"].get(person)
    assert (row["email"], row["role"]) == ("mo@acme.test", "lead")
    assert [r["unit_id"] for r in db["person_units"].rows_where("person_id = ?", [person])] == [org.mobile]


# --- unknown ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, call",
    [
        ("key_result", lambda db, org: writes.add_checkin(db, 9999, "2026-01-20", 1, 5, person=writes.SYSTEM)),
        ("key_result", lambda db, org: writes.add_checkin(db, "abc", "2026-01-20", 1, 5, person=writes.SYSTEM)),
        (
            "author",
            lambda db, org: writes.add_checkin(
                db, org.kr_increase, "2026-01-20", 1, 5, author_id=9999, person=writes.SYSTEM
            ),
        ),
        ("objective", lambda db, org: writes.add_key_result(db, 9999, "R", "increase", 0, 1, person=writes.SYSTEM)),
        (
            "owner",
            lambda db, org: writes.add_key_result(
                db, org.platform_obj, "R", "increase", 0, 1, owner_id=9999, person=writes.SYSTEM
            ),
        ),
        (
            "kpi",
            lambda db, org: writes.add_key_result(
                db, org.platform_obj, "R", "increase", 0, 1, kpi_id=9999, person=writes.SYSTEM
            ),
        ),
        ("cycle", lambda db, org: writes.add_objective(db, 9999, org.platform, "O", person=writes.SYSTEM)),
        ("unit", lambda db, org: writes.add_objective(db, org.cycle, 9999, "O", person=writes.SYSTEM)),
        (
            "owner",
            lambda db, org: writes.add_objective(db, org.cycle, org.platform, "O", owner_id=9999, person=writes.SYSTEM),
        ),
        (
            "parent_objective",
            lambda db, org: writes.add_objective(
                db, org.cycle, org.platform, "O", parent_objective_id=9999, person=writes.SYSTEM
            ),
        ),
        (
            "parent_kr",
            lambda db, org: writes.add_objective(
                db, org.cycle, org.platform, "O", parent_kr_id=9999, person=writes.SYSTEM
            ),
        ),
        (
            "objective",
            lambda db, org: writes.update_objective(
                db, 9999, title="O", person=writes.SYSTEM, version=writes.version_of(db, "objectives", 9999)
            ),
        ),
        (
            "checkin",
            lambda db, org: writes.edit_checkin(
                db, 9999, value=1, confidence=5, person=writes.SYSTEM, version=writes.version_of(db, "checkins", 9999)
            ),
        ),
        (
            "checkin",
            lambda db, org: writes.delete_checkin(
                db, 9999, person=writes.SYSTEM, version=writes.version_of(db, "checkins", 9999)
            ),
        ),
        ("parent", lambda db, org: writes.add_unit(db, "Ops", parent_id=9999, person=writes.SYSTEM)),
        ("lead", lambda db, org: writes.add_unit(db, "Ops", parent_id=org.company, lead_id=9999, person=writes.SYSTEM)),
        (
            "unit",
            lambda db, org: writes.update_unit(
                db, 9999, name="Ops", person=writes.SYSTEM, version=writes.version_of(db, "units", 9999)
            ),
        ),
        (
            "parent",
            lambda db, org: writes.update_unit(
                db, org.mobile, parent_id=9999, person=writes.SYSTEM, version=writes.version_of(db, "units", org.mobile)
            ),
        ),
        (
            "lead",
            lambda db, org: writes.update_unit(
                db, org.mobile, lead_id=9999, person=writes.SYSTEM, version=writes.version_of(db, "units", org.mobile)
            ),
        ),
        (
            "cycle",
            lambda db, org: writes.set_cycle_state(
                db, 9999, "closed", person=writes.SYSTEM, version=writes.version_of(db, "cycles", 9999)
            ),
        ),
        ("units", lambda db, org: writes.add_person(db, "Mo", "mo@acme.test", unit_ids=[9999], person=writes.SYSTEM)),
        ("unit", lambda db, org: writes.add_kpi(db, 9999, "Uptime", "stay_above", 99.9, person=writes.SYSTEM)),
        ("kpi", lambda db, org: writes.add_kpi_reading(db, 9999, "2026-01-05", 1, person=writes.SYSTEM)),
    ],
)
def test_unknown_ids_are_refused(db, org, refused, field, call):
    refused(db, field, lambda: call(db, org))


# --- corrections keep their history -------------------------------------------------------------


def test_edit_checkin_keeps_a_revision_and_bumps_the_version(db, org):
    before = checkin_row(db, org.checkin)
    writes.edit_checkin(
        db,
        org.checkin,
        value=25,
        confidence=6,
        note="Counted one suite twice",
        changed_by=org.admin,
        version=1,
        person=writes.SYSTEM,
    )
    after = checkin_row(db, org.checkin)
    assert (after["value"], after["confidence"], after["note"]) == (25.0, 6, "Counted one suite twice")
    assert after["checkin_date"] == before["checkin_date"] == "2026-01-15"  # date kept when not given
    assert after["version"] == 2
    assert after["created_at"] == before["created_at"]
    assert after["author_id"] == org.lead  # the author stays; the editor is in the revision
    [revision] = revisions(db, org.checkin)
    assert revision["action"] == "edit"
    assert revision["changed_by"] == org.admin
    assert json.loads(revision["before"]) == {
        "checkin_date": "2026-01-15",
        "value": 20.0,
        "confidence": 7,
        "note": "Good start",
    }
    assert json.loads(revision["after"]) == {
        "checkin_date": "2026-01-15",
        "value": 25.0,
        "confidence": 6,
        "note": "Counted one suite twice",
    }


def test_every_edit_keeps_its_own_revision(db, org):
    writes.edit_checkin(
        db,
        org.checkin,
        value=21,
        confidence=7,
        person=writes.SYSTEM,
        version=writes.version_of(db, "checkins", org.checkin),
    )
    writes.edit_checkin(
        db,
        org.checkin,
        value=22,
        confidence=7,
        checkin_date="2026-01-16",
        person=writes.SYSTEM,
        version=writes.version_of(db, "checkins", org.checkin),
    )
    assert checkin_row(db, org.checkin)["version"] == 3
    history = [json.loads(r["before"])["value"] for r in revisions(db, org.checkin)]
    assert history == [20.0, 21.0]
    assert checkin_row(db, org.checkin)["checkin_date"] == "2026-01-16"


def test_a_stale_expected_version_is_refused_and_nothing_changes(db, org, refused):
    # Two people open the same check-in (version 1); the first saves, the second must not
    # silently overwrite the first's change.
    writes.edit_checkin(db, org.checkin, value=25, confidence=6, version=1, person=writes.SYSTEM)
    refused(
        db,
        "version",
        lambda: writes.edit_checkin(db, org.checkin, value=30, confidence=8, version=1, person=writes.SYSTEM),
    )
    refused(db, "version", lambda: writes.delete_checkin(db, org.checkin, version=1, person=writes.SYSTEM))
    assert checkin_row(db, org.checkin)["value"] == 25.0


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"value": NAN, "confidence": 5}, "value"),
        ({"value": 25, "confidence": 11}, "confidence"),
        ({"value": 25, "confidence": 5, "checkin_date": "2026-05-01"}, "date"),
    ],
)
def test_an_invalid_edit_is_refused_without_a_revision(db, org, refused, changes, field):
    refused(
        db,
        field,
        lambda: writes.edit_checkin(
            db, org.checkin, **changes, person=writes.SYSTEM, version=writes.version_of(db, "checkins", org.checkin)
        ),
    )


def test_delete_checkin_marks_it_deleted_and_keeps_a_revision(db, org):
    writes.delete_checkin(db, org.checkin, changed_by=org.admin, version=1, person=writes.SYSTEM)
    row = checkin_row(db, org.checkin)
    assert row["deleted"] == 1
    assert row["version"] == 2
    assert row["value"] == 20.0  # the values stay, for the record
    [revision] = revisions(db, org.checkin)
    assert revision["action"] == "delete"
    assert revision["changed_by"] == org.admin
    assert json.loads(revision["before"])["value"] == 20.0
    assert revision["after"] is None


def test_a_deleted_checkin_cannot_be_edited_or_deleted_again(db, org, refused):
    writes.delete_checkin(db, org.checkin, person=writes.SYSTEM, version=writes.version_of(db, "checkins", org.checkin))
    refused(
        db,
        "checkin",
        lambda: writes.edit_checkin(
            db,
            org.checkin,
            value=1,
            confidence=1,
            person=writes.SYSTEM,
            version=writes.version_of(db, "checkins", org.checkin),
        ),
    )
    refused(
        db,
        "checkin",
        lambda: writes.delete_checkin(
            db, org.checkin, person=writes.SYSTEM, version=writes.version_of(db, "checkins", org.checkin)
        ),
    )


# --- a write happens whole or not at all --------------------------------------------------------


class Boom(Exception):
    pass


def test_a_failure_in_the_middle_of_a_transaction_leaves_nothing_written(db, org, snapshot):
    before = snapshot(db)
    with pytest.raises(Boom):
        with transaction(db):
            objective = writes.add_objective(db, org.cycle, org.mobile, "Ship the new app", person=writes.SYSTEM)
            writes.add_key_result(
                db, objective, "Crash-free sessions from 97 to 99.5 %", "increase", 97, 99.5, person=writes.SYSTEM
            )
            writes.add_checkin(db, org.kr_increase, "2026-01-22", 30, 7, person=writes.SYSTEM)
            db["settings"].insert({"key": "half", "value": "way"})
            raise Boom()
    assert snapshot(db) == before
    assert not db.conn.in_transaction


def test_a_refused_write_in_the_middle_of_a_transaction_undoes_the_earlier_ones(db, org, snapshot):
    before = snapshot(db)
    with pytest.raises(ValidationError) as info:
        with transaction(db):
            writes.add_checkin(db, org.kr_increase, "2026-01-22", 30, 7, person=writes.SYSTEM)
            writes.add_checkin(db, org.kr_decrease, "2026-01-22", 700, 7, person=writes.SYSTEM)
            writes.add_checkin(db, org.kr_decrease, "2026-01-29", 650, 70, person=writes.SYSTEM)  # confidence 70
    assert info.value.field == "confidence"
    assert snapshot(db) == before


def test_a_transaction_commits_every_row_together(db, org, tmp_path):
    other = connect(tmp_path / "okr.db")  # a second person's connection to the same file
    count = other["checkins"].count
    with transaction(db):
        writes.add_checkin(db, org.kr_increase, "2026-01-22", 30, 7, person=writes.SYSTEM)
        writes.add_checkin(db, org.kr_decrease, "2026-01-22", 700, 7, person=writes.SYSTEM)
        assert other["checkins"].count == count  # nobody sees half a write
    assert other["checkins"].count == count + 2
    other.close()


def test_a_failed_inner_block_is_undone_without_undoing_the_outer_one(db, org):
    count = db["checkins"].count
    with transaction(db):
        writes.add_checkin(db, org.kr_increase, "2026-01-22", 30, 7, person=writes.SYSTEM)
        with pytest.raises(Boom):
            with transaction(db):
                writes.add_checkin(db, org.kr_decrease, "2026-01-22", 700, 7, person=writes.SYSTEM)
                raise Boom()
    assert db["checkins"].count == count + 1
    assert db.execute("SELECT kr_id FROM checkins ORDER BY id DESC LIMIT 1").fetchone()[0] == org.kr_increase


def test_the_connection_is_usable_after_a_failed_transaction(db, org):
    with pytest.raises(Boom):
        with transaction(db):
            writes.add_checkin(db, org.kr_increase, "2026-01-22", 30, 7, person=writes.SYSTEM)
            raise Boom()
    checkin_id = writes.add_checkin(db, org.kr_increase, "2026-01-23", 31, 7, person=writes.SYSTEM)
    assert checkin_row(db, checkin_id)["value"] == 31.0
