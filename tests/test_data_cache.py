"""The cached readers (:mod:`ui.data`): a write drops what was built from what it changed, and
nothing else; every process sees every write at its next read; clear() reaches every cache.

The readers run here outside a Streamlit page (bare mode), on the small organisation of
``conftest.org`` with a second open cycle, through the database file ``$OKR_DB``.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from db_copies import copy_db

from okrdata import writes
from okrdata.db import connect, transaction
from okrdata.schema import migrate
from okrdata.seed import load_demo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui import data  # noqa: E402 - once the repository is on the path

SYSTEM = writes.SYSTEM


@pytest.fixture
def cached(db, org, tmp_path, monkeypatch):
    """The organisation's file as ``$OKR_DB``, with a key result checked in on in the second cycle,
    and the readers' caches empty before and after."""
    monkeypatch.setenv("OKR_DB", str(tmp_path / "okr.db"))
    kr = writes.add_key_result(
        db, org.next_company_obj, "Open an office in Lisbon", "increase", 0, 10, "offices", person=SYSTEM
    )
    writes.add_checkin(db, kr, "2026-04-10", 2, 6, "", person=SYSTEM)
    org.next_kr = kr
    data.clear()
    yield org
    data.clear()


def rebuilt(call) -> list[str]:
    """The readers ``call()`` built (rather than took from the cache), by name."""
    with data.builds() as built:
        call()
    return [name for name, _, _ in built]


def warm_everything(org) -> None:
    data.key_results(org.cycle)
    data.key_results(org.next_cycle)
    data.objectives(org.cycle)
    data.objectives(org.next_cycle)
    data.units()
    data.kpis()
    data.quality_findings(org.cycle)


def value_of(org, cycle_id: int, kr_id: int) -> float:
    krs = data.key_results(cycle_id)
    return float(krs.loc[krs["kr_id"] == kr_id, "value"].iloc[0])


def test_a_checkin_rebuilds_what_shows_its_own_cycle_and_nothing_else(db, cached):
    org = cached
    warm_everything(org)
    assert rebuilt(lambda: warm_everything(org)) == [], "everything was cached"

    writes.add_checkin(db, org.kr_increase, "2026-02-01", 55, 8, "", person=SYSTEM)
    built = rebuilt(lambda: warm_everything(org))
    assert sorted(built) == ["key_results", "objectives"], built  # the first cycle's, once each
    assert value_of(org, org.cycle, org.kr_increase) == 55
    assert value_of(org, org.next_cycle, org.next_kr) == 2


def test_a_checkin_in_the_other_cycle_leaves_the_first_ones_figures(db, cached):
    org = cached
    warm_everything(org)
    writes.add_checkin(db, org.next_kr, "2026-04-20", 4, 7, "", person=SYSTEM)
    assert sorted(rebuilt(lambda: warm_everything(org))) == ["key_results", "objectives"]
    assert value_of(org, org.next_cycle, org.next_kr) == 4


def test_renaming_a_unit_rebuilds_every_cycle(db, cached):
    org = cached
    warm_everything(org)
    row = writes.read_for_edit(db, "units", org.platform)
    writes.update_unit(db, org.platform, name="Platform & API", person=SYSTEM, version=row["version"])
    built = rebuilt(lambda: warm_everything(org))
    assert sorted(built) == sorted(["key_results"] * 2 + ["objectives"] * 2 + ["units", "kpis", "quality_findings"])
    krs = data.key_results(org.cycle)
    assert "Platform & API" in set(krs["unit_name"])


def test_a_kpi_reading_rebuilds_the_kpis_only(db, cached):
    org = cached
    warm_everything(org)
    writes.add_kpi_reading(db, org.kpi, "2026-02-02", 99.5, person=SYSTEM)
    assert rebuilt(lambda: warm_everything(org)) == ["kpis"]
    assert float(data.kpis()["last_value"].iloc[0]) == 99.5


def test_the_coach_does_not_look_again_after_a_checkin_but_does_after_an_edit(db, cached):
    org = cached
    warm_everything(org)
    writes.add_checkin(db, org.kr_increase, "2026-02-01", 55, 8, "", person=SYSTEM)
    assert "quality_findings" not in rebuilt(lambda: data.quality_findings(org.cycle))
    writes.add_key_result(db, org.platform_obj, "Publish the SDK", "milestone", person=SYSTEM)
    assert rebuilt(lambda: data.quality_findings(org.cycle)) == ["quality_findings"]


@pytest.mark.slow
def test_a_write_by_another_process_is_seen_at_the_next_read(db, cached, tmp_path):
    org = cached
    assert value_of(org, org.cycle, org.kr_increase) == 20
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from okrdata import writes
        from okrdata.db import connect
        db = connect({str(tmp_path / "okr.db")!r})
        writes.add_checkin(db, {org.kr_increase}, "2026-02-03", 61, 5, "from a cron job", person=writes.SYSTEM)
        db.close()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert value_of(org, org.cycle, org.kr_increase) == 61


def test_a_write_by_a_raw_connection_is_seen_too(db, cached):
    """The versions are moved by triggers, so a write that bypasses okrdata (sqlite3, an import
    tool) is seen as well."""
    org = cached
    assert value_of(org, org.cycle, org.kr_increase) == 20
    with transaction(db):
        db.execute("UPDATE checkins SET value = 33 WHERE id = ?", [org.checkin])
    assert value_of(org, org.cycle, org.kr_increase) == 33


def test_clear_reaches_every_cache(cached):
    org = cached
    from ui import alignment_view, form_data, kpi_data, okr_detail, okr_list, trend_data  # noqa: F401 - their readers register

    warm_everything(org)
    form_data.people_table()
    okr_list.list_rows([org.cycle])
    assert rebuilt(lambda: (warm_everything(org), form_data.people_table(), okr_list.list_rows([org.cycle]))) == []
    data.clear()
    built = rebuilt(lambda: (warm_everything(org), form_data.people_table(), okr_list.list_rows([org.cycle])))
    assert {"key_results", "people_table", "list_rows", "units", "kpis"} <= set(built)


def test_one_build_for_many_sessions_asking_at_once(cached):
    calls = []

    @data.reader(reads=("org",))
    def slow(x: int) -> int:
        calls.append(x)
        time.sleep(0.3)
        return x * 2

    results = []
    threads = [threading.Thread(target=lambda: results.append(slow(21))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 5
    assert calls == [21]


def test_a_copy_per_caller_unless_shared(cached):
    org = cached
    first = data.key_results(org.cycle)
    first.loc[:, "title"] = "scribbled on"
    assert "scribbled on" not in set(data.key_results(org.cycle)["title"])


def test_a_database_without_versions_follows_the_files_stamp(tmp_path, monkeypatch):
    """A file that could not be migrated (read from an older version) still shows every write."""
    path = tmp_path / "old.db"
    db = connect(path)
    migrate(db, upto=7)
    db.execute("INSERT INTO settings (key, value) VALUES ('demo', '0')")
    db.conn.commit()
    monkeypatch.setenv("OKR_DB", str(path))
    data.clear()
    try:
        assert data.is_demo() is False
        with transaction(db):
            db.execute("UPDATE settings SET value = '1' WHERE key = 'demo'")
        assert data.is_demo() is True
    finally:
        db.close()
        data.clear()


@pytest.mark.slow
def test_review_calibration_is_worked_out_once_while_the_running_cycle_changes(tmp_path, monkeypatch):
    path = tmp_path / "demo.db"
    db = connect(path)
    migrate(db)
    load_demo(db)
    monkeypatch.setenv("OKR_DB", str(path))
    data.clear()
    try:
        first = data.calibration(None)
        assert len(first["cycles"]) >= 1
        active = int(data.cycles().query("state == 'active'")["id"].iloc[0])
        kr = int(data.key_results(active)["kr_id"].iloc[0])
        writes.add_checkin(db, kr, dt.date.today(), 1, 1, "", person=SYSTEM)
        assert "calibration" not in rebuilt(lambda: data.calibration(None))
        closed = int(data.cycles().query("state == 'closed'")["id"].iloc[0])
        obj = int(data.objectives(closed)["objective_id"].iloc[0])
        with transaction(db):  # a closed cycle's score corrected by hand: worked out again
            db.execute("UPDATE objectives SET score = 0.1 WHERE id = ?", [obj])
        assert "calibration" in rebuilt(lambda: data.calibration(None))
    finally:
        db.close()
        data.clear()


# --- patched, not rebuilt: a cycle's frames after check-ins ------------------------------------


@pytest.fixture
def demo_file(demo_template, tmp_path, monkeypatch):
    """This test's own copy of the demo (conftest's ``demo_template``), set as ``$OKR_DB``."""
    path = copy_db(demo_template, tmp_path / "demo.db")
    db = connect(path)
    monkeypatch.setenv("OKR_DB", str(path))
    data.clear()
    yield db
    db.close()
    data.clear()


def fresh_frames(db, cycle_id: int, unit_id):
    """What a fresh build of each patched reader gives, straight from okrdata."""
    from okrdata import queries as q

    today = dt.date.today()
    krs = q.key_results(db, cycle_id, unit_id, today)
    objs = q.objectives(db, cycle_id, unit_id, today, krs=krs)
    frames = {"key_results": krs, "objectives": objs, "checkin_history": q.checkin_history(db, cycle_id, unit_id)}
    if unit_id is None:
        frames["unit_progress"] = q.unit_progress(db, cycle_id, today, objs=objs)
    return frames


def cached_frames(cycle_id: int, unit_id):
    frames = {
        "key_results": data.key_results(cycle_id, unit_id),
        "objectives": data.objectives(cycle_id, unit_id),
        "checkin_history": data.checkin_history(cycle_id, unit_id),
    }
    if unit_id is None:
        frames["unit_progress"] = data.unit_progress(cycle_id)
    return frames


@pytest.mark.slow
def test_frames_patched_after_checkins_equal_fresh_ones(demo_file):
    import random

    import pandas as pd

    db = demo_file
    rng = random.Random(7)
    active = int(data.cycles().query("state == 'active'")["id"].iloc[0])
    team = int(data.key_results(active)["unit_id"].iloc[0])
    scopes = [None, team]
    for unit in scopes:
        cached_frames(active, unit)
    krs = data.key_results(active)
    numeric = [int(i) for i, t in zip(krs["kr_id"], krs["kr_type"]) if t != "milestone"]
    how: list[str] = []
    for step in range(12):
        kr = rng.choice(numeric)
        action = step % 3
        if action == 0 or step < 3:
            writes.add_checkin(
                db, kr, dt.date.today(), rng.randint(0, 100), rng.randint(0, 10), f"step {step}", person=SYSTEM
            )
        else:
            row = db.execute(
                "SELECT id FROM checkins WHERE kr_id = ? AND deleted = 0 ORDER BY id DESC LIMIT 1", [kr]
            ).fetchone()
            if row is None:
                continue
            seen = writes.read_for_edit(db, "checkins", row[0])
            if action == 1:
                writes.edit_checkin(
                    db,
                    row[0],
                    value=rng.randint(0, 100),
                    confidence=rng.randint(0, 10),
                    note="edit",
                    person=SYSTEM,
                    version=seen["version"],
                )
            else:  # withdraw every check-in of it: the key result goes back to none
                for (checkin_id,) in db.execute(
                    "SELECT id FROM checkins WHERE kr_id = ? AND deleted = 0", [kr]
                ).fetchall():
                    seen = writes.read_for_edit(db, "checkins", checkin_id)
                    writes.delete_checkin(db, checkin_id, person=SYSTEM, version=seen["version"])
        for unit in scopes:
            with data.builds() as built:
                got = cached_frames(active, unit)
            how += [h for name, _, h in built]
            for name, expected in fresh_frames(db, active, unit).items():
                pd.testing.assert_frame_equal(got[name], expected, obj=f"{name} of unit {unit} after step {step}")
    assert how.count("patched") >= 30, how


@pytest.mark.slow
def test_trends_patched_after_checkins_equal_fresh_ones(demo_file):
    import pandas as pd

    from okrdata import queries as q
    from okrdata import trends as tr
    from ui import trend_data

    db = demo_file
    active = int(data.cycles().query("state == 'active'")["id"].iloc[0])
    trend_data.trends(active)
    krs = data.key_results(active)
    picked = [int(kr) for kr in krs.loc[krs["kr_type"] != "milestone", "kr_id"].head(4)]

    def add(step: int, kr: int) -> None:
        writes.add_checkin(db, kr, dt.date.today(), 10 + step, step + 2, "" if step % 2 else "noted", person=SYSTEM)

    def edit(step: int, kr: int) -> None:  # its latest check-in gets another value and note
        (checkin_id,) = db.execute("SELECT max(id) FROM checkins WHERE kr_id = ? AND deleted = 0", [kr]).fetchone()
        seen = writes.read_for_edit(db, "checkins", checkin_id)
        writes.edit_checkin(
            db, checkin_id, value=1, confidence=1, note="edited", person=SYSTEM, version=seen["version"]
        )

    def withdraw(step: int, kr: int) -> None:  # every check-in of it: the key result goes back to none
        for (checkin_id,) in db.execute("SELECT id FROM checkins WHERE kr_id = ? AND deleted = 0", [kr]).fetchall():
            seen = writes.read_for_edit(db, "checkins", checkin_id)
            writes.delete_checkin(db, checkin_id, person=SYSTEM, version=seen["version"])

    how = []
    steps = [add, add, add, add, edit, withdraw]
    for step, (change, kr) in enumerate(zip(steps, picked + picked[:2])):
        change(step, kr)
        with data.builds() as built:
            got = trend_data.trends(active)
        how += [h for name, _, h in built if name == "trends"]
        today = dt.date.today()
        fresh_krs = q.key_results(db, active, None, today)
        expected = tr.build(
            q.cycle(db, active),
            fresh_krs,
            q.objectives(db, active, None, today, krs=fresh_krs),
            q.checkin_history(db, active),
            today,
        )
        for part in ("krs", "objectives", "kr_weekly", "objective_weekly", "kr_projection"):
            pd.testing.assert_frame_equal(getattr(got, part), getattr(expected, part), obj=f"{part} after step {step}")
        pd.testing.assert_frame_equal(got.unit(), expected.unit())
        pd.testing.assert_frame_equal(got.kr(kr), expected.kr(kr))
        assert got.checkin_count == expected.checkin_count
        assert got.notes == expected.notes
    assert how == ["patched"] * len(steps)


def test_the_all_okrs_rows_patched_after_a_checkin_equal_fresh_ones(demo_file):
    import pandas as pd

    from okrdata import search
    from ui import okr_list

    db = demo_file
    active = int(data.cycles().query("state == 'active'")["id"].iloc[0])
    okr_list.list_rows([active])
    krs = data.key_results(active)
    kr = int(krs.loc[krs["kr_type"] != "milestone", "kr_id"].iloc[2])
    writes.add_checkin(db, kr, dt.date.today(), 42, 2, "", person=SYSTEM)
    with data.builds() as built:
        got = okr_list.list_rows([active])
    assert ("list_rows", "patched") in [(name, how) for name, _, how in built]
    cycles = data.cycles()
    expected = search.okr_rows(
        data.key_results(active),
        data.objectives(active),
        {active: str(cycles.loc[cycles["id"] == active, "name"].iloc[0])},
        [int(i) for i in data.units()["id"]],
    )
    pd.testing.assert_frame_equal(got, expected)


def test_the_heat_maps_rows_follow_the_plan_and_equal_those_of_the_objectives(demo_file):
    from okrdata import trends_breakdown as tb
    from ui import trend_data

    db = demo_file
    active = int(data.cycles().query("state == 'active'")["id"].iloc[0])
    for unit in (None, int(data.units()["id"].iloc[1])):
        expected = tb.breakdown_rows(data.units(include_archived=True), data.objectives(active, unit), unit)
        assert trend_data.breakdown(active, unit).equals(expected)
    kr = int(data.key_results(active).query("kr_type != 'milestone'")["kr_id"].iloc[0])
    writes.add_checkin(db, kr, dt.date.today(), 5, 5, "", person=SYSTEM)
    assert rebuilt(lambda: trend_data.breakdown(active, None)) == []


def test_the_kpi_page_patched_after_checkins_equals_a_fresh_one(demo_file):
    import pandas as pd

    from ui import kpi_data

    db = demo_file
    active = int(data.cycles().query("state == 'active'")["id"].iloc[0])
    krs = data.key_results(active)
    linked = krs[krs["kpi_id"].notna() & (krs["kr_type"] != "milestone")]
    unlinked = krs[krs["kpi_id"].isna() & (krs["kr_type"] != "milestone")]
    assert len(linked) >= 2 and len(unlinked) >= 1
    picked = [int(linked["kr_id"].iloc[0]), int(unlinked["kr_id"].iloc[0]), int(linked["kr_id"].iloc[1])]
    units = [None, int(linked["unit_id"].iloc[0])]
    first = [kpi_data.page_view(active, unit, 8) for unit in units][0]
    how = []
    for step, kr in enumerate(picked):
        # Far past the target with top confidence: a linked pair may turn into one to check.
        target = float(krs.loc[krs["kr_id"] == kr, "target"].iloc[0])
        writes.add_checkin(db, kr, dt.date.today(), target * 2 + step, 10, "", person=SYSTEM)
        for unit in units:
            with data.builds() as built:
                got = kpi_data.page_view(active, unit, 8)
            how += [h for name, _, h in built if name == "page_view"]
            want = kpi_data.page_view.fn(active, unit, 8)
            assert got.counts == want.counts and got.pairs == want.pairs and got.empty_units == want.empty_units
            for part in ("sections", "warnings", "section_rows"):
                assert repr(getattr(got, part)) == repr(getattr(want, part)), f"{part} of unit {unit} after step {step}"
            pd.testing.assert_frame_equal(got.pair_rows, want.pair_rows)
    assert how == ["patched"] * (len(picked) * len(units))
    now = kpi_data.page_view(active, None, 8)
    assert not now.pair_rows.equals(first.pair_rows), "the linked pairs show the check-ins"
