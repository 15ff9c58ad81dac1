"""The writes behind the Manage page: edits and archiving checked by okrdata, edit rights for
each role, moved goalposts recorded, carrying objectives into the next cycle.

The ``org`` fixture (tests/conftest.py): Acme > Product > Platform (led by Lee Lead) and
Mobile, Acme > Sales; cycle 2026 Q1 (active) aligned company → Product → Platform, and 2026 Q2
(planning). Ada is an admin, Vic a viewer.
"""

from __future__ import annotations

import datetime as dt

import pytest

from okrdata import auth, history, lookups, writes
from okrdata import queries as q
from okrdata.db import connect
from okrdata.schema import applied_migrations, migrate

IN_CYCLE = dt.date(2026, 2, 1)


@pytest.fixture
def db():
    """The org in memory: these tests never need a file."""
    database = connect(":memory:")
    migrate(database)
    yield database
    database.close()


def who(db, person_id):
    return auth.person_by_id(db, person_id)


# --- the goalposts table ---------------------------------------------------------------------------


def test_goalpost_changes_have_their_own_table_with_foreign_keys(db):
    assert "m004_key_result_changes" in applied_migrations(db)
    table = db["key_result_changes"]
    assert {(fk.column, fk.other_table) for fk in table.foreign_keys} == {
        ("kr_id", "key_results"),
        ("changed_by", "people"),
    }
    assert {"field", "before", "after", "changed_at", "reason"} <= set(table.columns_dict)
    assert migrate(db) == []  # running again changes nothing


# --- key results: edits and moved goalposts ----------------------------------------------------------


def test_moving_a_target_after_the_cycle_started_is_recorded(db, org):
    moved = writes.update_key_result(
        db,
        org.kr_increase,
        target=80,
        reason="Legacy module is being deleted",
        person=who(db, org.lead),
        today=IN_CYCLE,
        version=writes.version_of(db, "key_results", org.kr_increase),
    )
    assert moved == ["target"]
    assert db["key_results"].get(org.kr_increase)["target"] == 80.0
    [change] = history.goalpost_changes(db, [org.kr_increase]).to_dict("records")
    assert (change["field"], change["before"], change["after"]) == ("target", 100.0, 80.0)
    assert change["changed_by"] == org.lead and change["changed_by_name"] == "Lee Lead"
    assert change["reason"] == "Legacy module is being deleted"
    assert history.moved_goalposts(db, [org.kr_increase, org.kr_decrease]) == {
        org.kr_increase: True,
        org.kr_decrease: False,
    }
    krs = history.with_moved_flag(db, q.key_results(db, org.cycle, today=IN_CYCLE))
    assert dict(zip(krs["kr_id"], krs["moved"]))[org.kr_increase]
    assert krs["moved"].sum() == 1
    assert history.describe_goalpost_change("target", 100.0, 80.0) == "target 100 → 80"


def test_moving_the_goalposts_after_the_start_needs_a_reason(db, org, refused):
    refused(
        db,
        "reason",
        lambda: writes.update_key_result(
            db,
            org.kr_decrease,
            baseline=900,
            today=IN_CYCLE,
            person=writes.SYSTEM,
            version=writes.version_of(db, "key_results", org.kr_decrease),
        ),
    )


def test_type_baseline_and_target_changes_are_each_recorded(db, org):
    writes.update_key_result(
        db,
        org.kr_decrease,
        kr_type="stay_below",
        baseline=None,
        target=300,
        reason="Now a guard rail",
        today=IN_CYCLE,
        person=writes.SYSTEM,
        version=writes.version_of(db, "key_results", org.kr_decrease),
    )
    changes = history.goalpost_changes(db, [org.kr_decrease])
    assert sorted(changes["field"]) == ["baseline", "kr_type", "target"]
    assert history.describe_goalpost_change("kr_type", "decrease", "stay_below") == "type decrease → stay below"


def test_other_edits_and_edits_before_the_start_move_no_goalposts(db, org):
    writes.update_key_result(
        db,
        org.kr_increase,
        title="Coverage from 0 to 100 %",
        weight=2,
        unit_label="pct",
        today=IN_CYCLE,
        person=writes.SYSTEM,
        version=writes.version_of(db, "key_results", org.kr_increase),
    )
    row = db["key_results"].get(org.kr_increase)
    assert (row["title"], row["weight"], row["unit_label"]) == ("Coverage from 0 to 100 %", 2.0, "pct")
    planned = writes.add_key_result(
        db, org.next_company_obj, "Markets from 1 to 2", "increase", 1, 2, person=writes.SYSTEM
    )
    assert (
        writes.update_key_result(
            db,
            planned,
            target=3,
            today=dt.date(2026, 3, 1),
            person=writes.SYSTEM,
            version=writes.version_of(db, "key_results", planned),
        )
        == []
    )
    assert db["key_results"].get(planned)["target"] == 3.0
    assert history.goalpost_changes(db, [org.kr_increase, planned]).empty


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"target": 0}, "target"),  # target equal to the baseline
        ({"kr_type": "decrease"}, "target"),  # 0 → 100 cannot be a decrease
        ({"weight": -1}, "weight"),
        ({"title": ""}, "title"),
        ({"cadence_days": 0}, "cadence_days"),
        ({"owner_id": 9999}, "owner"),
        ({"kr_type": "milestone", "baseline": None, "target": None}, "type"),  # a check-in of 20 is no fraction
    ],
)
def test_a_key_result_edit_that_makes_no_sense_is_refused(db, org, refused, changes, field):
    refused(
        db,
        field,
        lambda: writes.update_key_result(
            db,
            org.kr_increase,
            reason="why not",
            **changes,
            person=writes.SYSTEM,
            version=writes.version_of(db, "key_results", org.kr_increase),
        ),
    )


def test_a_key_result_that_objectives_align_to_cannot_be_archived(db, org, refused):
    child = writes.add_objective(
        db, org.cycle, org.mobile, "Mobile ships the status page", parent_kr_id=org.kr_milestone, person=writes.SYSTEM
    )
    refused(
        db,
        "archived",
        lambda: writes.archive_key_result(
            db, org.kr_milestone, person=writes.SYSTEM, version=writes.version_of(db, "key_results", org.kr_milestone)
        ),
    )
    writes.update_objective(
        db,
        child,
        parent_objective_id=None,
        parent_kr_id=None,
        person=writes.SYSTEM,
        version=writes.version_of(db, "objectives", child),
    )
    writes.archive_key_result(
        db, org.kr_milestone, person=writes.SYSTEM, version=writes.version_of(db, "key_results", org.kr_milestone)
    )
    assert org.kr_milestone not in set(q.key_results(db, org.cycle)["kr_id"])
    writes.archive_key_result(
        db,
        org.kr_milestone,
        archived=False,
        person=writes.SYSTEM,
        version=writes.version_of(db, "key_results", org.kr_milestone),
    )
    assert org.kr_milestone in set(q.key_results(db, org.cycle)["kr_id"])


def test_a_lead_edits_only_their_own_key_results(db, org, refused):
    lead = who(db, org.lead)
    writes.update_key_result(
        db,
        org.kr_decrease,
        title="p95 latency from 800 to 250 ms",
        person=lead,
        version=writes.version_of(db, "key_results", org.kr_decrease),
    )
    refused(
        db,
        "unit",
        lambda: writes.update_key_result(
            db,
            org.kr_milestone,
            title="Mine now",
            person=lead,
            version=writes.version_of(db, "key_results", org.kr_milestone),
        ),
    )
    refused(db, "unit", lambda: writes.add_key_result(db, org.product_obj, "Theirs", "milestone", person=lead))
    refused(
        db,
        "unit",
        lambda: writes.archive_key_result(
            db,
            org.kr_decrease,
            person=who(db, org.viewer),
            version=writes.version_of(db, "key_results", org.kr_decrease),
        ),
    )


# --- objectives ------------------------------------------------------------------------------------


def test_a_lead_adds_objectives_to_their_unit_only(db, org, refused):
    lead = who(db, org.lead)
    new = writes.add_objective(
        db, org.cycle, org.platform, "Keep the API boring", parent_objective_id=org.product_obj, person=lead
    )
    assert db["objectives"].get(new)["unit_id"] == org.platform
    refused(db, "unit", lambda: writes.add_objective(db, org.cycle, org.mobile, "Not mine", person=lead))
    refused(
        db,
        "unit",
        lambda: writes.update_objective(
            db,
            org.product_obj,
            title="Not mine",
            person=lead,
            version=writes.version_of(db, "objectives", org.product_obj),
        ),
    )
    refused(
        db,
        "unit",
        lambda: writes.update_objective(
            db,
            org.platform_obj,
            unit_id=org.mobile,
            person=lead,
            version=writes.version_of(db, "objectives", org.platform_obj),
        ),
    )


def test_an_objective_with_objectives_aligned_to_it_cannot_be_archived(db, org, refused):
    refused(
        db,
        "state",
        lambda: writes.archive_objective(
            db, org.product_obj, person=writes.SYSTEM, version=writes.version_of(db, "objectives", org.product_obj)
        ),
    )
    writes.archive_objective(
        db, org.platform_obj, person=who(db, org.lead), version=writes.version_of(db, "objectives", org.platform_obj)
    )
    assert org.platform_obj not in set(q.objectives(db, org.cycle)["objective_id"])
    writes.archive_objective(
        db, org.product_obj, person=writes.SYSTEM, version=writes.version_of(db, "objectives", org.product_obj)
    )
    assert db["objectives"].get(org.product_obj)["state"] == "archived"


def test_alignment_choices_are_the_objectives_and_key_results_of_the_units_above(db, org):
    choices = lookups.alignment_choices(db, org.cycle, org.platform)
    assert [(c["kind"], c["objective_id"], c["kr_id"]) for c in choices] == [
        ("objective", org.company_obj, None),
        ("key_result", org.company_obj, org.kr_stay_above),
        ("objective", org.product_obj, None),
        ("key_result", org.product_obj, org.kr_milestone),
        ("objective", org.platform_obj, None),
        ("key_result", org.platform_obj, org.kr_increase),
        ("key_result", org.platform_obj, org.kr_decrease),
    ]
    # Sales sees only the company's; an objective never sees itself nor what aligns below it.
    assert {c["objective_id"] for c in lookups.alignment_choices(db, org.cycle, org.sales)} == {org.company_obj}
    assert lookups.alignment_choices(db, org.cycle, org.product, org.product_obj) == [
        c for c in lookups.alignment_choices(db, org.cycle, org.product) if c["objective_id"] == org.company_obj
    ]
    # Every choice offered is accepted by add_objective.
    for c in choices:
        writes.add_objective(
            db,
            org.cycle,
            org.platform,
            f"Aligned to {c['title']}",
            parent_objective_id=c["objective_id"],
            parent_kr_id=c["kr_id"],
            person=writes.SYSTEM,
        )


# --- cycles ------------------------------------------------------------------------------------------


def test_a_cycle_is_renamed_and_moved(db, org):
    writes.update_cycle(
        db,
        org.next_cycle,
        name="2026 Q2 (spring)",
        start_date="2026-04-02",
        end_date="2026-07-01",
        person=writes.SYSTEM,
        version=writes.version_of(db, "cycles", org.next_cycle),
    )
    row = db["cycles"].get(org.next_cycle)
    assert (row["name"], row["start_date"], row["end_date"]) == ("2026 Q2 (spring)", "2026-04-02", "2026-07-01")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"start_date": "2026-01-20"}, "start_date"),  # the check-in of 15 January would fall outside
        ({"end_date": "2026-01-10"}, "end_date"),
        ({"end_date": "2025-12-01"}, "end_date"),
        ({"name": "2026 Q2"}, "name"),
        ({"start_date": "someday"}, "start_date"),
    ],
)
def test_a_cycle_edit_that_makes_no_sense_is_refused(db, org, refused, changes, field):
    refused(
        db,
        field,
        lambda: writes.update_cycle(
            db, org.cycle, **changes, person=writes.SYSTEM, version=writes.version_of(db, "cycles", org.cycle)
        ),
    )


def test_only_an_admin_changes_closes_or_reopens_a_cycle(db, org, refused):
    lead, admin = who(db, org.lead), who(db, org.admin)
    refused(
        db,
        "role",
        lambda: writes.set_cycle_state(
            db, org.cycle, "closed", person=lead, version=writes.version_of(db, "cycles", org.cycle)
        ),
    )
    # Cycles are the whole company's: a lead may not even activate one.
    refused(
        db,
        "role",
        lambda: writes.set_cycle_state(
            db, org.next_cycle, "active", person=lead, version=writes.version_of(db, "cycles", org.next_cycle)
        ),
    )
    writes.set_cycle_state(
        db, org.next_cycle, "active", person=admin, version=writes.version_of(db, "cycles", org.next_cycle)
    )
    writes.set_cycle_state(db, org.cycle, "closed", person=admin, version=writes.version_of(db, "cycles", org.cycle))
    refused(
        db,
        "role",
        lambda: writes.set_cycle_state(
            db, org.cycle, "active", person=lead, version=writes.version_of(db, "cycles", org.cycle)
        ),
    )
    refused(
        db,
        "cycle",
        lambda: writes.update_cycle(
            db, org.cycle, name="Rewritten", person=admin, version=writes.version_of(db, "cycles", org.cycle)
        ),
    )
    refused(db, "role", lambda: writes.add_cycle(db, "2026 Q3", "2026-07-01", "2026-09-30", person=who(db, org.viewer)))


# --- units and people --------------------------------------------------------------------------------


def test_a_lead_changes_units_only_within_their_branch(db, org, refused):
    lead = who(db, org.lead)
    squad = writes.add_unit(db, "API squad", parent_id=org.platform, person=lead)
    writes.update_unit(
        db,
        squad,
        name="API guild",
        description="Owns the public API",
        person=lead,
        version=writes.version_of(db, "units", squad),
    )
    assert db["units"].get(squad)["name"] == "API guild"
    refused(db, "unit", lambda: writes.add_unit(db, "Not mine", parent_id=org.product, person=lead))
    refused(
        db,
        "unit",
        lambda: writes.update_unit(
            db, org.mobile, name="Not mine", person=lead, version=writes.version_of(db, "units", org.mobile)
        ),
    )
    refused(
        db,
        "unit",
        lambda: writes.update_unit(
            db, squad, parent_id=org.mobile, person=lead, version=writes.version_of(db, "units", squad)
        ),
    )
    # Leading a unit grants its rights, so choosing Platform's lead is for those above it.
    refused(
        db,
        "unit",
        lambda: writes.update_unit(
            db, org.platform, lead_id=org.viewer, person=lead, version=writes.version_of(db, "units", org.platform)
        ),
    )
    refused(db, "role", lambda: writes.add_unit(db, "Rival company", person=lead))


def test_archiving_a_unit(db, org, refused):
    refused(
        db,
        "archived",
        lambda: writes.archive_unit(
            db, org.product, person=writes.SYSTEM, version=writes.version_of(db, "units", org.product)
        ),
    )  # Platform and Mobile are below it
    refused(
        db,
        "archived",
        lambda: writes.archive_unit(
            db, org.company, person=writes.SYSTEM, version=writes.version_of(db, "units", org.company)
        ),
    )
    writes.archive_unit(db, org.mobile, person=who(db, org.admin), version=writes.version_of(db, "units", org.mobile))
    assert org.mobile not in set(q.units(db)["id"])
    refused(
        db,
        "parent",
        lambda: writes.update_unit(
            db,
            org.platform,
            parent_id=org.mobile,
            person=writes.SYSTEM,
            version=writes.version_of(db, "units", org.platform),
        ),
    )


def test_people_are_managed_by_admins_only(db, org, refused):
    lead, admin = who(db, org.lead), who(db, org.admin)
    refused(
        db,
        "role",
        lambda: writes.update_person(
            db, org.viewer, role="admin", person=lead, version=writes.version_of(db, "people", org.viewer)
        ),
    )
    refused(
        db,
        "role",
        lambda: writes.set_person_units(
            db, org.lead, [org.mobile], person=lead, version=writes.version_of(db, "people", org.lead)
        ),
    )
    refused(db, "role", lambda: writes.add_person(db, "Mallory", "mallory@acme.test", person=lead))
    writes.update_person(
        db,
        org.viewer,
        name="Vic V.",
        email="VIC.V@acme.test",
        role="lead",
        person=admin,
        version=writes.version_of(db, "people", org.viewer),
    )
    row = db["people"].get(org.viewer)
    assert (row["name"], row["email"], row["role"]) == ("Vic V.", "vic.v@acme.test", "lead")
    writes.set_person_units(
        db, org.lead, [org.mobile, org.mobile], person=admin, version=writes.version_of(db, "people", org.lead)
    )
    assert lookups.person_unit_ids(db, org.lead) == [org.mobile]
    assert auth.editable_unit_ids(db, org.lead) == {org.platform, org.mobile}
    writes.set_person_units(db, org.lead, [], person=admin, version=writes.version_of(db, "people", org.lead))
    assert lookups.person_units_map(db) == {}


def test_the_last_admin_keeps_the_role(db, org, refused):
    refused(
        db,
        "role",
        lambda: writes.update_person(
            db, org.admin, role="lead", person=writes.SYSTEM, version=writes.version_of(db, "people", org.admin)
        ),
    )
    refused(
        db,
        "archived",
        lambda: writes.update_person(
            db, org.admin, archived=True, person=writes.SYSTEM, version=writes.version_of(db, "people", org.admin)
        ),
    )
    refused(
        db,
        "email",
        lambda: writes.update_person(
            db, org.lead, email="ada@acme.test", person=writes.SYSTEM, version=writes.version_of(db, "people", org.lead)
        ),
    )


# --- KPIs ----------------------------------------------------------------------------------------------


def test_kpis_are_edited_and_read_within_the_leads_units(db, org, refused):
    lead, admin = who(db, org.lead), who(db, org.admin)
    latency = writes.add_kpi(db, org.platform, "API p95", "stay_below", 300, warning=250, unit_label="ms", person=lead)
    writes.update_kpi(
        db, latency, target=280, name="API p95 latency", person=lead, version=writes.version_of(db, "kpis", latency)
    )
    row = db["kpis"].get(latency)
    assert (row["name"], row["target"], row["warning"]) == ("API p95 latency", 280.0, 250.0)
    refused(
        db,
        "warning",
        lambda: writes.update_kpi(
            db, latency, warning=400, person=writes.SYSTEM, version=writes.version_of(db, "kpis", latency)
        ),
    )
    refused(
        db,
        "unit",
        lambda: writes.update_kpi(db, org.kpi, target=99, person=lead, version=writes.version_of(db, "kpis", org.kpi)),
    )
    refused(db, "unit", lambda: writes.add_kpi_reading(db, org.kpi, "2026-01-10", 99.99, person=lead))
    refused(db, "unit", lambda: writes.add_kpi_reading(db, latency, "2026-01-10", 240, person=who(db, org.viewer)))
    reading = writes.add_kpi_reading(db, latency, "2026-01-10", 240, person=lead)
    assert db["kpi_readings"].get(reading)["author_id"] == org.lead
    writes.archive_kpi(db, org.kpi, person=admin, version=writes.version_of(db, "kpis", org.kpi))
    assert org.kpi not in set(q.kpis(db)["kpi_id"])


# --- carrying objectives over --------------------------------------------------------------------------


def test_carry_over_copies_objectives_and_key_results_without_checkins(db, org):
    writes.add_checkin(
        db, org.kr_decrease, "2026-03-20", 150, 9, person=writes.SYSTEM
    )  # reached: 150 ms is below the 200 target
    writes.set_cycle_state(
        db, org.cycle, "closed", person=writes.SYSTEM, version=writes.version_of(db, "cycles", org.cycle)
    )
    result = writes.carry_over(db, org.cycle, org.next_cycle, [org.platform_obj, org.product_obj], person=writes.SYSTEM)
    assert set(result["objectives"]) == {org.platform_obj, org.product_obj}
    assert result["done_key_results"] == [org.kr_decrease]
    new_platform = db["objectives"].get(result["objectives"][org.platform_obj])
    new_product = db["objectives"].get(result["objectives"][org.product_obj])
    assert (new_platform["cycle_id"], new_platform["unit_id"], new_platform["title"], new_platform["owner_id"]) == (
        org.next_cycle,
        org.platform,
        "Make the API fast and safe",
        org.lead,
    )
    # Platform's parent came along: the alignment follows it. Product's parent stayed behind.
    assert new_platform["parent_objective_id"] == new_product["id"]
    assert new_product["parent_objective_id"] is None
    coverage = db["key_results"].get(result["key_results"][org.kr_increase])
    assert (coverage["baseline"], coverage["target"], coverage["kr_type"]) == (20.0, 100.0, "increase")
    milestone = db["key_results"].get(result["key_results"][org.kr_milestone])
    assert (milestone["baseline"], milestone["target"]) == (0.0, 1.0)
    new_krs = list(result["key_results"].values())
    assert (
        db.execute(
            f"SELECT count(*) FROM checkins WHERE kr_id IN ({', '.join('?' * len(new_krs))})", new_krs
        ).fetchone()[0]
        == 0
    )
    # The old cycle is untouched.
    assert db["key_results"].get(org.kr_increase)["baseline"] == 0.0
    assert db["checkins"].count == 2


def test_carry_over_leaves_a_finished_milestone_behind_as_done(db, org):
    """A milestone checked in at 1.0 is done, like a key result past its target: carrying it
    would put it in the next cycle at 0%."""
    writes.add_checkin(db, org.kr_milestone, "2026-03-20", 1.0, 9, person=writes.SYSTEM)
    result = writes.carry_over(db, org.cycle, org.next_cycle, [org.product_obj], person=writes.SYSTEM)
    assert result["done_key_results"] == [org.kr_milestone]
    assert org.kr_milestone not in result["key_results"]


def test_carry_over_keeps_an_alignment_to_a_carried_key_result(db, org):
    child = writes.add_objective(
        db, org.cycle, org.mobile, "Mobile shows the status page", parent_kr_id=org.kr_milestone, person=writes.SYSTEM
    )
    result = writes.carry_over(db, org.cycle, org.next_cycle, [child, org.product_obj], person=writes.SYSTEM)
    new_child = db["objectives"].get(result["objectives"][child])
    assert new_child["parent_kr_id"] == result["key_results"][org.kr_milestone]
    assert new_child["parent_objective_id"] == result["objectives"][org.product_obj]


def test_carry_over_is_refused_whole(db, org, refused):
    lead = who(db, org.lead)
    refused(
        db, "to_cycle", lambda: writes.carry_over(db, org.cycle, org.cycle, [org.platform_obj], person=writes.SYSTEM)
    )
    refused(db, "objectives", lambda: writes.carry_over(db, org.cycle, org.next_cycle, [], person=writes.SYSTEM))
    refused(
        db,
        "objectives",
        lambda: writes.carry_over(db, org.next_cycle, org.cycle, [org.platform_obj], person=writes.SYSTEM),
    )
    refused(
        db,
        "unit",
        lambda: writes.carry_over(db, org.cycle, org.next_cycle, [org.platform_obj, org.product_obj], person=lead),
    )
    writes.carry_over(db, org.cycle, org.next_cycle, [org.platform_obj], person=lead)
    refused(
        db,
        "objectives",
        lambda: writes.carry_over(db, org.cycle, org.next_cycle, [org.platform_obj], person=writes.SYSTEM),
    )
    writes.set_cycle_state(
        db, org.next_cycle, "closed", person=writes.SYSTEM, version=writes.version_of(db, "cycles", org.next_cycle)
    )
    refused(
        db,
        "to_cycle",
        lambda: writes.carry_over(db, org.cycle, org.next_cycle, [org.product_obj], person=writes.SYSTEM),
    )
