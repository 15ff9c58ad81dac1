"""Warming after a write (:mod:`ui.data.warm`): once someone saves a check-in, the server's warmer
brings what the pages read up to date before anyone asks, so the next page a reader opens is
as quick as a warm one and shows what a cold run shows."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import pkgutil
import re
import threading
import time

import pytest
from app_fixtures import Demo, clear_streamlit_caches, cold_screen, demo_db, ok, open_page, screen  # noqa: F401

import ui
from okrdata import writes
from okrdata.db import connect
from okrdata.errors import ValidationError
from ui import data, navigation, process
from ui.data import warm

PAGES = [page.path for page in navigation.PAGES]


def check_in(path, number: int = 0) -> int:
    """Save a check-in on a key result of the default cycle through its own connection (as another
    session, the API or the ``okr`` command would); its key result's id."""
    db = connect(path)
    try:
        cycle = data.default_cycle_id()
        kr_id, baseline, target = db.execute(
            "SELECT kr.id, kr.baseline, kr.target FROM key_results kr JOIN objectives o ON o.id = kr.objective_id "
            "WHERE o.cycle_id = ? AND o.state = 'active' AND kr.archived = 0 AND kr.kr_type != 'milestone' "
            "ORDER BY kr.id LIMIT 1 OFFSET ?",
            [cycle, number],
        ).fetchone()
        value = (baseline or 0) + ((target or 1) - (baseline or 0)) * 0.41
        writes.add_checkin(db, kr_id, dt.date.today(), round(value, 2), 3, "moved", person=writes.SYSTEM)
        return kr_id
    finally:
        db.close()


def read_cycle() -> dict:
    """What several pages read of the default cycle."""
    cycle = data.default_cycle_id()
    return {
        "krs": data.key_results(cycle),
        "objectives": data.objectives(cycle),
        "units": data.unit_progress(cycle),
        "summary": data.cycle_summary(cycle, None),
    }


def same(left: dict, right: dict) -> None:
    import pandas as pd

    assert left.keys() == right.keys()
    for name in left:
        if isinstance(left[name], pd.DataFrame):
            pd.testing.assert_frame_equal(left[name], right[name], obj=name)
        else:
            assert repr(left[name]) == repr(right[name]), name


def rebuilt(built: list) -> list[str]:
    """The results a run brought up to date after a write (patched or built again)."""
    return [name for name, _, how in built if how != "new"]


def test_after_a_check_in_the_readers_are_up_to_date_before_anyone_asks(demo_db):
    read_cycle()
    warmer = warm.Warmer(data.path())
    assert warmer.run_once() == 0  # nothing moved yet
    check_in(demo_db)
    assert warmer.run_once() >= 4
    with data.builds() as built:
        now = read_cycle()
    assert built == []
    data.clear()
    same(now, read_cycle())  # what a cold build gives


def test_without_the_warmer_the_first_reader_after_a_check_in_brings_them_up_to_date(demo_db):
    """What the warmer saves: the counterpart of the test above."""
    read_cycle()
    check_in(demo_db)
    with data.builds() as built:
        read_cycle()
    assert len(rebuilt(built)) >= 4


def test_only_what_was_read_recently_is_warmed(demo_db):
    read_cycle()
    check_in(demo_db)
    assert warm.Warmer(data.path(), recent_s=0.0).run_once() == 0
    with data.builds() as built:
        read_cycle()
    assert rebuilt(built)


def test_a_reader_with_an_argument_left_out_of_its_key_is_left_to_its_caller(demo_db):
    # Its ``_build`` is a closure over what one page run held: built again from the stored
    # arguments, it would give that run's figures back.
    cycle = data.default_cycle_id()

    @data.reader(reads=())
    def count(cycle_id: int, _build) -> int:
        return _build()

    first = count(cycle, lambda: len(data.key_results(cycle)))
    assert not count.warmable
    check_in(demo_db)
    warm.Warmer(data.path()).run_once()
    with data.builds() as built:
        assert count(cycle, lambda: len(data.key_results(cycle))) == first
    assert [name for name, _, _ in built] == [count.__qualname__]


def test_a_page_reading_goes_first_and_a_crowd_never_starves_the_warmer(demo_db):
    cycle = data.default_cycle_id()
    data.key_results(cycle)
    check_in(demo_db)
    started = []
    original, patch = data.key_results.fn, data.key_results.patch

    def timed(*args, **kwargs):
        started.append(time.monotonic())
        return original(*args, **kwargs)

    data.key_results.fn, data.key_results.patch = timed, None
    try:
        warmer = warm.Warmer(data.path(), quiet_s=0.2, most_yield_s=5.0)
        data.units()  # a page asking for something
        asked = data.last_asked()
        warmer.run_once()
        assert started and started[0] >= asked + 0.2
        check_in(demo_db, 1)
        crowd = warm.Warmer(data.path(), quiet_s=10.0, most_yield_s=0.1)
        data.units()
        started.clear()
        assert crowd.run_once() >= 1  # it waited its longest, then built
        assert started
    finally:
        data.key_results.fn, data.key_results.patch = original, patch


def test_every_reader_the_pages_use_can_be_warmed():
    for module in pkgutil.walk_packages(ui.__path__, "ui."):
        importlib.import_module(module.name)
    declared = [r for r in data.all_readers() if r.__module__.startswith("ui.")]
    assert len(declared) > 30
    # The one exception: a chart's template is learnt once per shape from the chart a page
    # builds, and refilled with fresh figures at every call (ui/chart_templates.py).
    assert {f"{r.__module__}.{r.__qualname__}" for r in declared if not r.warmable} == {"ui.chart_templates._template"}


def test_the_running_warmer_notices_a_write_on_its_own(demo_db):
    read_cycle()
    warmer = warm.Warmer(data.path()).start()
    try:
        assert warmer.settled(10)
        check_in(demo_db, 1)
        time.sleep(warm.POLL_S / 2)
        assert warmer.settled(10)
        with data.builds() as built:
            read_cycle()
        assert built == []
        assert warmer.rounds >= 1 and warmer.built >= 4 and warmer.last_error is None
    finally:
        warmer.stop()
    assert not warmer.running


def test_a_reader_asking_while_the_warmer_builds_waits_for_that_build(demo_db):
    cycle = data.default_cycle_id()
    data.key_results(cycle)
    check_in(demo_db)
    warmer = warm.Warmer(data.path())
    started, calls = threading.Event(), []
    original, patch = data.key_results.fn, data.key_results.patch

    def slow(*args, **kwargs):
        calls.append(args)
        started.set()
        time.sleep(0.3)
        return original(*args, **kwargs)

    data.key_results.fn, data.key_results.patch = slow, None
    try:
        thread = threading.Thread(target=warmer.run_once)
        thread.start()
        assert started.wait(10)
        frame = data.key_results(cycle)
        thread.join()
    finally:
        data.key_results.fn, data.key_results.patch = original, patch
    assert len(calls) == 1  # it was handed the warmer's build, not a second one
    data.clear()
    import pandas as pd

    pd.testing.assert_frame_equal(frame, data.key_results(cycle))


@pytest.mark.parametrize("page", PAGES)
def test_a_page_opened_after_a_check_in_finds_its_figures_warmed(page, demo_db):
    assert PAGES
    demo = Demo(demo_db)
    admin = demo.people["admin"]
    at = open_page(page, person=admin)
    at.run()
    warmer = warm.Warmer(data.path())
    warmer.run_once()
    check_in(demo_db, 2)
    warmer.run_once()
    with data.builds() as built:
        ok(at.run())
    assert rebuilt(built) == []
    if page != "pages/checkin.py":  # its open form says, by design, what moved since it was drawn
        assert steady(screen(at)) == steady(cold_screen(page, person=admin))


def steady(drawn: list[bytes]) -> list[bytes]:
    """The screen without the wall's clock ("updated 10:17"), which may tick between two runs."""
    return [re.sub(rb"updated \d\d(\\*):\d\d", rb"updated --\1:--", element) for element in drawn]


def test_it_is_on_unless_switched_off(monkeypatch):
    monkeypatch.delenv("OKR_WARM_AFTER_WRITE", raising=False)
    monkeypatch.setattr(warm.config, "section", lambda *names: {})
    assert warm.enabled()
    monkeypatch.setattr(warm.config, "section", lambda *names: {"warm_after_write": False})
    assert not warm.enabled()
    monkeypatch.setenv("OKR_WARM_AFTER_WRITE", "0")
    assert not warm.enabled()
    monkeypatch.setenv("OKR_WARM_AFTER_WRITE", "sometimes")
    with pytest.raises(ValidationError) as refused:
        warm.enabled()
    assert refused.value.field == "warm_after_write"


def _warm_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "okr-warm"]


@pytest.mark.parametrize(("setting", "running"), [(None, True), ("0", False), ("sometimes", False)])
def test_the_server_lifespan_runs_the_warmer_while_it_serves(setting, running, demo_db, monkeypatch):
    monkeypatch.setenv("OKR_NOTIFY_SCHEDULE", "0")
    if setting is None:
        monkeypatch.delenv("OKR_WARM_AFTER_WRITE", raising=False)
    else:
        monkeypatch.setenv("OKR_WARM_AFTER_WRITE", setting)
    before = len(_warm_threads())

    async def serve() -> int:
        async with process.lifespan(None):
            return len(_warm_threads())

    assert asyncio.run(serve()) == before + running
    deadline = time.monotonic() + 10
    while len(_warm_threads()) > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(_warm_threads()) == before


def test_a_unit_archived_since_a_page_read_its_summary_is_warmed_under_its_own_name(demo_db):
    from ui import summary_data

    cycle = data.default_cycle_id()
    db = connect(demo_db)
    try:
        unit = db.execute("SELECT id, name FROM units WHERE name = 'Web App'").fetchone()
        assert summary_data.summary_report(cycle, unit[0]).scope == unit[1]
        warmer = warm.Warmer(data.path())
        warmer.run_once()
        writes.archive_unit(db, unit[0], person=writes.SYSTEM, version=writes.version_of(db, "units", unit[0]))
    finally:
        db.close()
    assert warmer.run_once() >= 1
    assert warmer.last_error is None
    assert summary_data.summary_report(cycle, unit[0]).scope == unit[1]


def test_archiving_what_pages_showed_leaves_the_warmer_without_an_error(demo_db):
    demo = Demo(demo_db)
    for page in PAGES:
        open_page(page, params={"unit": str(demo.web)}, person=demo.people["admin"])
    warmer = warm.Warmer(data.path())
    warmer.run_once()
    db = connect(demo_db)
    try:
        objective, kr = db.execute(
            "SELECT o.id, kr.id FROM objectives o JOIN key_results kr ON kr.objective_id = o.id "
            "WHERE o.cycle_id = ? AND o.unit_id = ? ORDER BY o.id, kr.id LIMIT 1",
            [demo.cycle, demo.web],
        ).fetchone()
        for table, archive, row in (
            ("key_results", writes.archive_key_result, kr),
            ("objectives", writes.archive_objective, objective),
            ("units", writes.archive_unit, demo.web),
        ):
            archive(db, row, person=writes.SYSTEM, version=writes.version_of(db, table, row))
            assert warmer.run_once() >= 1
            assert warmer.last_error is None, table
    finally:
        db.close()
