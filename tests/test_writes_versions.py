"""Lost updates: every edit carries the version it was read at, and a stale one is refused.

Two people open the same thing (read its row and version); A saves; B saves the older form with
another change. B is refused, naming ``version`` and saying what changed since B read it; A's
change is kept and nothing of B's is written. One mechanism for every editable table, tested
per table here. The ``org`` fixture is described in tests/conftest.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from okrdata import auth, writes
from okrdata.db import connect
from okrdata.writes import versions

IN_CYCLE = dt.date(2026, 2, 1)


def who(db, person_id):
    return auth.person_by_id(db, person_id)


# Each case: the table, the row (from the org), what A saves, what B saves from the older form,
# and the words B's refusal must contain (what A changed).
CASES = {
    "objectives": (
        lambda o: o.platform_obj,
        lambda db, o, p, v, seen: writes.update_objective(
            db, o.platform_obj, person=p, version=v, seen=seen, title="Make the API fast, safe and cheap"
        ),
        lambda db, o, p, v, seen: writes.update_objective(
            db, o.platform_obj, person=p, version=v, seen=seen, description="Latency is what customers feel"
        ),
        ("title", "Make the API fast, safe and cheap"),
    ),
    "people": (
        lambda o: o.lead,
        lambda db, o, p, v, seen: writes.update_person(db, o.lead, person=p, version=v, seen=seen, role="viewer"),
        lambda db, o, p, v, seen: writes.update_person(db, o.lead, person=p, version=v, seen=seen, name="Lee L."),
        ("role", "viewer"),
    ),
    "units": (
        lambda o: o.mobile,
        lambda db, o, p, v, seen: writes.update_unit(db, o.mobile, person=p, version=v, seen=seen, name="Apps"),
        lambda db, o, p, v, seen: writes.update_unit(
            db, o.mobile, person=p, version=v, seen=seen, description="iOS and Android"
        ),
        ("name", "Apps"),
    ),
    "cycles": (
        lambda o: o.next_cycle,
        lambda db, o, p, v, seen: writes.update_cycle(
            db, o.next_cycle, person=p, version=v, seen=seen, name="2026 Q2 (spring)"
        ),
        lambda db, o, p, v, seen: writes.update_cycle(
            db, o.next_cycle, person=p, version=v, seen=seen, end_date="2026-07-15"
        ),
        ("name", "2026 Q2 (spring)"),
    ),
    "key_results": (
        lambda o: o.kr_decrease,
        lambda db, o, p, v, seen: writes.update_key_result(
            db, o.kr_decrease, person=p, version=v, seen=seen, title="p95 latency from 800 to 150 ms"
        ),
        lambda db, o, p, v, seen: writes.update_key_result(
            db, o.kr_decrease, person=p, version=v, seen=seen, unit_label="milliseconds"
        ),
        ("title", "p95 latency from 800 to 150 ms"),
    ),
    "kpis": (
        lambda o: o.kpi,
        lambda db, o, p, v, seen: writes.update_kpi(db, o.kpi, person=p, version=v, seen=seen, name="Availability"),
        lambda db, o, p, v, seen: writes.update_kpi(
            db, o.kpi, person=p, version=v, seen=seen, description="Measured by the status page"
        ),
        ("name", "Availability"),
    ),
    "checkins": (
        lambda o: o.checkin,
        lambda db, o, p, v, seen: writes.edit_checkin(
            db, o.checkin, person=p, version=v, seen=seen, value=25, confidence=7, note="Good start"
        ),
        lambda db, o, p, v, seen: writes.edit_checkin(
            db, o.checkin, person=p, version=v, seen=seen, value=20, confidence=7, note="Good start, two suites missing"
        ),
        ("value", "25"),
    ),
}


@pytest.mark.parametrize("table", sorted(CASES))
def test_a_stale_edit_is_refused_with_what_changed_and_the_first_save_is_kept(db, org, refused, table):
    row_of, a_saves, b_saves, (field, words) = CASES[table]
    row_id = row_of(org)
    # Two sessions, each with its own connection to the same file, open the same row.
    session_a, session_b = connect(db.conn.execute("PRAGMA database_list").fetchone()[2]), db
    admin_a, admin_b = who(session_a, org.admin), who(session_b, org.admin)
    read_a = writes.read_for_edit(session_a, table, row_id)
    read_b = writes.read_for_edit(session_b, table, row_id)
    assert read_a["version"] == read_b["version"]

    a_saves(session_a, org, admin_a, read_a["version"], read_a)
    session_a.close()
    after_a = writes.read_for_edit(db, table, row_id)
    assert after_a["version"] > read_b["version"]

    error = refused(db, "version", lambda: b_saves(session_b, org, admin_b, read_b["version"], read_b))
    assert field in error.message and words in error.message, error.message
    assert "reload" in error.message.lower()
    assert writes.read_for_edit(db, table, row_id) == after_a  # A's change kept, nothing of B's


@pytest.mark.parametrize("table", sorted(CASES))
def test_an_edit_at_the_current_version_is_saved_and_moves_the_version(db, org, table):
    row_of, a_saves, _, _ = CASES[table]
    row_id = row_of(org)
    read = writes.read_for_edit(db, table, row_id)
    a_saves(db, org, who(db, org.admin), read["version"], read)
    assert writes.read_for_edit(db, table, row_id)["version"] == read["version"] + 1


@pytest.mark.parametrize("table", sorted(CASES))
def test_a_stale_edit_without_what_was_seen_still_says_it_changed(db, org, refused, table):
    row_of, a_saves, b_saves, _ = CASES[table]
    row_id = row_of(org)
    version = writes.version_of(db, table, row_id)
    a_saves(db, org, who(db, org.admin), version, None)
    error = refused(db, "version", lambda: b_saves(db, org, who(db, org.admin), version, None))
    assert "changed" in error.message and "since you opened it" in error.message


@pytest.mark.parametrize("table", sorted(CASES))
def test_an_edit_without_a_version_is_refused(db, org, refused, table):
    _, _, b_saves, _ = CASES[table]
    refused(db, "version", lambda: b_saves(db, org, who(db, org.admin), None, None))


def test_a_save_that_changes_nothing_keeps_the_version(db, org):
    # Saving a form unchanged must not make everyone else's open form stale.
    read = writes.read_for_edit(db, "objectives", org.platform_obj)
    writes.update_objective(
        db,
        org.platform_obj,
        person=who(db, org.admin),
        version=read["version"],
        title=read["title"],
        description=read["description"],
    )
    assert writes.version_of(db, "objectives", org.platform_obj) == read["version"]


def test_a_change_made_outside_the_write_functions_moves_the_version_too(db, org, refused):
    # The role given back by `okr user role` (okrdata.auth) counts as a change: the admin's open
    # form of that person is stale afterwards.
    version = writes.version_of(db, "people", org.lead)
    auth.set_role(db, org.lead, "viewer")
    assert writes.version_of(db, "people", org.lead) == version + 1
    refused(
        db,
        "version",
        lambda: writes.update_person(db, org.lead, person=who(db, org.admin), version=version, name="Lee L."),
    )
    assert db["people"].get(org.lead)["role"] == "viewer"


def test_the_units_a_person_may_edit_are_part_of_their_version(db, org, refused):
    admin = who(db, org.admin)
    version = writes.version_of(db, "people", org.lead)
    writes.set_person_units(db, org.lead, [org.sales], person=admin, version=version)
    assert writes.read_for_edit(db, "people", org.lead)["unit_ids"] == [org.sales]
    refused(
        db, "version", lambda: writes.update_person(db, org.lead, person=admin, version=version, unit_ids=[org.mobile])
    )
    refused(db, "version", lambda: writes.set_person_units(db, org.lead, [], person=admin, version=version))
    assert writes.read_for_edit(db, "people", org.lead)["unit_ids"] == [org.sales]


def test_a_persons_fields_and_units_are_saved_in_one_edit(db, org):
    admin = who(db, org.admin)
    read = writes.read_for_edit(db, "people", org.lead)
    writes.update_person(
        db, org.lead, person=admin, version=read["version"], name="Lee Lead-Smith", unit_ids=[org.mobile, org.sales]
    )
    after = writes.read_for_edit(db, "people", org.lead)
    assert (after["name"], after["unit_ids"]) == ("Lee Lead-Smith", sorted([org.mobile, org.sales]))
    assert after["version"] == read["version"] + 1


ARCHIVES = {
    "archive_objective": (
        "objectives",
        lambda db, o, p, v: writes.archive_objective(db, o.platform_obj, person=p, version=v),
    ),
    "archive_key_result": (
        "key_results",
        lambda db, o, p, v: writes.archive_key_result(db, o.kr_decrease, person=p, version=v),
    ),
    "archive_kpi": ("kpis", lambda db, o, p, v: writes.archive_kpi(db, o.kpi, person=p, version=v)),
    "archive_unit": ("units", lambda db, o, p, v: writes.archive_unit(db, o.mobile, person=p, version=v)),
    "set_cycle_state": (
        "cycles",
        lambda db, o, p, v: writes.set_cycle_state(db, o.next_cycle, "active", person=p, version=v),
    ),
    "delete_checkin": ("checkins", lambda db, o, p, v: writes.delete_checkin(db, o.checkin, person=p, version=v)),
}


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_archiving_and_state_changes_carry_the_version_too(db, org, refused, name):
    table, call = ARCHIVES[name]
    row_id = {
        "objectives": org.platform_obj,
        "key_results": org.kr_decrease,
        "kpis": org.kpi,
        "units": org.mobile,
        "cycles": org.next_cycle,
        "checkins": org.checkin,
    }[table]
    admin = who(db, org.admin)
    version = writes.version_of(db, table, row_id)
    _touch(db, admin, table, row_id)  # someone else saved a change after it was read
    refused(db, "version", lambda: call(db, org, admin, version))
    call(db, org, admin, writes.version_of(db, table, row_id))


def _touch(db, admin, table, row_id):
    """Someone else's save: a change to one column of the row, through the write functions."""
    v = writes.version_of(db, table, row_id)
    if table == "objectives":
        writes.update_objective(db, row_id, person=admin, version=v, description="touched")
    elif table == "key_results":
        writes.update_key_result(db, row_id, person=admin, version=v, unit_label="ms!")
    elif table == "kpis":
        writes.update_kpi(db, row_id, person=admin, version=v, description="touched")
    elif table == "units":
        writes.update_unit(db, row_id, person=admin, version=v, description="touched")
    elif table == "cycles":
        writes.update_cycle(db, row_id, person=admin, version=v, name="2026 Q2 touched")
    elif table == "checkins":
        writes.edit_checkin(db, row_id, person=admin, version=v, value=21, confidence=7)


def test_the_write_itself_checks_the_version_so_two_saves_at_once_cannot_both_pass(db, org, refused, monkeypatch):
    # B's early check passed just before A's save committed: the UPDATE, guarded by the
    # version, still refuses B's change.
    admin = who(db, org.admin)
    version = writes.version_of(db, "objectives", org.platform_obj)
    writes.update_objective(db, org.platform_obj, person=admin, version=version, title="A's title")
    monkeypatch.setattr(versions, "_check_version", lambda *args, **kwargs: None)
    refused(
        db,
        "version",
        lambda: writes.update_objective(db, org.platform_obj, person=admin, version=version, description="B's why"),
    )
    assert db["objectives"].get(org.platform_obj)["title"] == "A's title"
