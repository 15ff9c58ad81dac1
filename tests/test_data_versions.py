"""The database's own record of what changed (migration ``m009_data_versions``): every write
moves the versions of exactly the scopes it touched, in its own transaction, whoever writes;
:class:`okrdata.db.Watch` reads them for a long-running process."""

from __future__ import annotations

from okrdata import writes
from okrdata.db import Watch, transaction
from okrdata.errors import ValidationError

SYSTEM = writes.SYSTEM


def versions(db) -> dict[str, int]:
    return dict(db.execute("SELECT scope, version FROM data_versions").fetchall())


def moved(db, write) -> set[str]:
    """The scopes ``write()`` moved (``all``, the counter of changes, left out)."""
    before = versions(db)
    write()
    after = versions(db)
    assert after["all"] > before["all"], "every change moves the counter"
    return {s for s, v in after.items() if before.get(s) != v} - {"all"}


def test_a_checkin_moves_its_cycle_only(db, org):
    scopes = moved(db, lambda: writes.add_checkin(db, org.kr_increase, "2026-02-01", 30, 7, "", person=SYSTEM))
    assert scopes == {f"cycle:{org.cycle}"}


def test_a_checkin_is_listed_by_key_result(db, org):
    since = versions(db)["all"]
    writes.add_checkin(db, org.kr_decrease, "2026-02-01", 500, 6, "", person=SYSTEM)
    rows = db.execute("SELECT cycle_id, kr_id FROM data_changes WHERE version > ?", [since]).fetchall()
    assert rows == [(org.cycle, org.kr_decrease)]


def test_editing_and_withdrawing_a_checkin_move_its_cycle(db, org):
    row = writes.read_for_edit(db, "checkins", org.checkin)
    assert f"cycle:{org.cycle}" in moved(
        db,
        lambda: writes.edit_checkin(
            db, org.checkin, value=25, confidence=6, note="", person=SYSTEM, version=row["version"]
        ),
    )
    row = writes.read_for_edit(db, "checkins", org.checkin)
    assert f"cycle:{org.cycle}" in moved(
        db, lambda: writes.delete_checkin(db, org.checkin, person=SYSTEM, version=row["version"])
    )


def test_a_new_key_result_moves_its_cycles_plan_and_the_kpis(db, org):
    scopes = moved(db, lambda: writes.add_key_result(db, org.platform_obj, "Ship the SDK", "milestone", person=SYSTEM))
    assert scopes == {f"cycle:{org.cycle}", f"plan:{org.cycle}", "kpis"}


def test_an_objective_moves_its_cycles_plan(db, org):
    scopes = moved(db, lambda: writes.add_objective(db, org.next_cycle, org.product, "Enter Spain", person=SYSTEM))
    assert scopes == {f"cycle:{org.next_cycle}", f"plan:{org.next_cycle}"}


def test_the_organisation_moves_org(db, org):
    assert moved(db, lambda: writes.add_unit(db, "Support", parent_id=org.company, person=SYSTEM)) == {"org"}
    assert moved(db, lambda: writes.add_person(db, "Sam", "sam@acme.test", person=SYSTEM)) == {"org"}
    assert moved(db, lambda: writes.add_cycle(db, "2026 Q3", "2026-07-01", "2026-09-30", person=SYSTEM)) == {"org"}


def test_a_kpi_reading_moves_the_kpis(db, org):
    assert moved(db, lambda: writes.add_kpi_reading(db, org.kpi, "2026-02-01", 99.95, person=SYSTEM)) == {"kpis"}


def test_sign_in_bookkeeping_moves_nothing(db, org):
    before = versions(db)
    with transaction(db):
        db.execute("INSERT INTO sign_in_failures (email, client, at) VALUES ('x@y.z', 'here', 1)")
    assert versions(db) == before


def test_a_refused_write_moves_nothing(db, org):
    before = versions(db)
    try:
        writes.add_checkin(db, org.kr_increase, "2030-01-01", 30, 7, "", person=SYSTEM)
    except ValidationError:
        pass
    assert versions(db) == before
    try:
        with transaction(db):
            db.execute("INSERT INTO units (name) VALUES ('Rolled back')")
            raise RuntimeError("half-way")
    except RuntimeError:
        pass
    assert versions(db) == before


def test_the_record_of_changes_keeps_the_last_ones(db, org):
    from okrdata.schema import CHANGES_KEPT

    with transaction(db):
        for i in range(CHANGES_KEPT + 1500):
            db.execute(
                "INSERT INTO checkins (kr_id, checkin_date, value, confidence, created_at, updated_at) "
                "VALUES (?, '2026-02-01', ?, 5, 'now', 'now')",
                [org.kr_increase, i],
            )
    kept = db.execute("SELECT count(*) FROM data_changes").fetchone()[0]
    assert CHANGES_KEPT <= kept < CHANGES_KEPT + 1000
    pruned = versions(db)["pruned"]
    assert pruned > 0
    assert db.execute("SELECT min(version) FROM data_changes").fetchone()[0] > pruned


def test_the_watch_sees_every_connections_writes(db, org, tmp_path):
    watch = Watch(tmp_path / "okr.db")
    try:
        first = watch.versions()
        assert first is watch.versions(), "nothing committed: the same answer, not read again"
        writes.add_checkin(db, org.kr_increase, "2026-02-01", 30, 7, "", person=SYSTEM)
        second = watch.versions()
        assert second[f"cycle:{org.cycle}"] > first.get(f"cycle:{org.cycle}", 0)
        assert watch.changed_key_results(org.cycle, first["all"]) == {org.kr_increase}
        assert watch.changed_key_results(org.next_cycle, first["all"]) == set()
    finally:
        watch.close()
