"""Which rows of the Check-in form a submission saves, judged against what each row showed
when it was drawn, and which key results moved under the form (who, when, what).

The ``org`` fixture (tests/conftest.py): Platform's "p95 coverage" key result has one check-in
(2026-01-15, value 20, confidence 7); Ada is an admin.
"""

from __future__ import annotations

import datetime as dt

import pytest

from okrdata import auth, writes
from okrdata import checkin_rows as rows
from okrdata import queries as q
from okrdata.checkin_rows import LEFT_OUT, SAVE, SKIP

DRAWN = rows.shown(1, checkin_id=10, version=1, confidence=7)
"""A row drawn from check-in #10 (version 1, confidence 7), its value box empty."""
OFFERING = rows.shown(2, checkin_id=20, version=1, confidence=7, offered="42")
"""A row drawn with a KPI reading, 42, offered in its value box."""


def now(row: rows.Shown, checkin_id=None, version=None, confidence=7) -> rows.Latest:
    """The key result as stored now: as drawn unless told otherwise."""
    return rows.Latest(
        row.kr_id,
        checkin_id or row.checkin_id,
        version or row.version,
        1.0,
        confidence,
        "checkin",
        9,
        "Someone",
        "2026-02-01T10:00:00+00:00",
    )


MOVED = {
    "new check-in": {"checkin_id": 11, "version": 1, "confidence": 3},
    "corrected": {"version": 2, "confidence": 3},
}


def test_a_row_as_drawn_is_unchanged_whatever_is_stored_now():
    assert not rows.changed(DRAWN, "", 7, "")
    assert not rows.changed(DRAWN, "  ", 7.0, " ")  # as the inputs give it back
    for moved in MOVED.values():
        assert rows.decide(DRAWN, "", 7, "", now(DRAWN, **moved)) == SKIP


@pytest.mark.parametrize("typed", [("61", 7, ""), ("", 5, ""), ("", 7, "Blocked on review"), ("61", 5, "x")])
def test_a_row_the_person_changed_is_saved_moved_or_not(typed):
    value, confidence, note = typed
    assert rows.changed(DRAWN, value, confidence, note)
    assert rows.decide(DRAWN, value, confidence, note, now(DRAWN)) == SAVE
    for moved in MOVED.values():
        assert rows.decide(DRAWN, value, confidence, note, now(DRAWN, **moved)) == SAVE


def test_an_offered_reading_counts_as_entered_until_its_key_result_moves():
    assert rows.decide(OFFERING, "42", 7, "", now(OFFERING)) == SAVE
    for moved in MOVED.values():
        assert rows.decide(OFFERING, "42", 7, "", now(OFFERING, **moved)) == LEFT_OUT
        # Kept by choice: the person changed something else in the row.
        assert rows.decide(OFFERING, "42", 8, "", now(OFFERING, **moved)) == SAVE
    # Emptied, it means "skip this one"; emptied with a new confidence, it is the person's row.
    assert rows.decide(OFFERING, "", 7, "", now(OFFERING)) == SKIP
    assert rows.decide(OFFERING, "", 5, "", now(OFFERING)) == SAVE


def test_a_row_drawn_before_the_first_check_in_moves_when_one_is_recorded():
    first = rows.shown(3, checkin_id=None, version=None, confidence=float("nan"))
    assert first.confidence is None and not rows.changed(first, "", None, "")
    assert not rows.moved(first, rows.Latest(3, None, None, None, None, None, None, None, None))
    assert rows.moved(first, now(first, checkin_id=30, version=1))


def test_pick_keeps_the_forms_order_and_names_what_moved():
    third = rows.shown(3, checkin_id=30, version=4, confidence=2)
    stored = {1: now(DRAWN, version=2), 2: now(OFFERING, checkin_id=21), 3: now(third)}
    picked = rows.pick([(DRAWN, "5", 7, ""), (OFFERING, "42", 7, ""), (third, "", 2, "")], stored)
    assert picked == rows.Picked(save=[1], moved=[1], left_out=[2])
    picked = rows.pick([(third, "1", 2, ""), (DRAWN, "", 7, "")], stored)
    assert picked == rows.Picked(save=[3], moved=[], left_out=[])


# --- what is stored now ------------------------------------------------------------------------


def person(db, person_id):
    return auth.person_by_id(db, person_id)


def drawn_from(db, org, kr_id) -> rows.Shown:
    """The row as the page draws it, from the key result's row of :func:`okrdata.queries.key_results`."""
    kr = q.key_results(db, org.cycle).set_index("kr_id").loc[kr_id]
    return rows.shown(kr_id, kr["checkin_id"], kr["checkin_version"], kr["confidence"])


def test_latest_follows_the_key_results_query_and_says_who_changed_what(db, org):
    admin = person(db, org.admin)
    krs = q.key_results(db, org.cycle)
    assert len(krs) >= 2
    stored = rows.latest(db, krs["kr_id"])
    assert sorted(stored) == sorted(int(i) for i in krs["kr_id"])
    for kr in krs.to_dict("records"):  # the same check-in as the pages show, none moved
        assert not rows.moved(
            rows.shown(kr["kr_id"], kr["checkin_id"], kr["checkin_version"], kr["confidence"]), stored[kr["kr_id"]]
        )
    untouched = stored[org.kr_decrease]
    assert (untouched.checkin_id, untouched.action, untouched.changed_at) == (None, None, None)
    assert rows.latest(db, []) == {}

    row = drawn_from(db, org, org.kr_increase)
    assert (row.checkin_id, row.confidence) == (org.checkin, 7)
    newer = writes.add_checkin(db, org.kr_increase, "2026-02-01", 35, 4, "", person=admin)
    it = rows.latest(db, [org.kr_increase])[org.kr_increase]
    assert (it.checkin_id, it.version, it.value, it.confidence) == (newer, 1, 35.0, 4)
    assert (it.action, it.changed_by, it.changed_by_name) == ("checkin", org.admin, "Ada Admin")
    assert it.changed_at and rows.moved(row, it)

    row = drawn_from(db, org, org.kr_increase)
    writes.edit_checkin(db, newer, value=36, confidence=5, note="", version=1, person=admin)
    it = rows.latest(db, [org.kr_increase])[org.kr_increase]
    assert (it.checkin_id, it.version, it.confidence, it.action, it.changed_by) == (newer, 2, 5, "edit", org.admin)
    assert rows.moved(row, it)

    row = drawn_from(db, org, org.kr_increase)
    writes.delete_checkin(db, newer, version=2, person=admin)
    it = rows.latest(db, [org.kr_increase])[org.kr_increase]
    assert (it.checkin_id, it.confidence, it.action, it.changed_by) == (org.checkin, 7, "delete", org.admin)
    assert rows.moved(row, it)
    # An older check-in added later leaves the latest one where it is: nothing moved.
    row = drawn_from(db, org, org.kr_increase)
    writes.add_checkin(db, org.kr_increase, "2026-01-02", 5, 6, "", person=admin)
    assert not rows.moved(row, rows.latest(db, [org.kr_increase])[org.kr_increase])


# --- what a row offers and the days a check-in may be dated ------------------------------------

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


@pytest.mark.parametrize(
    "x, text",
    [(None, ""), (float("nan"), ""), (42.0, "42"), (7, "7"), (0.1, "0.1"), (1 / 3, repr(1 / 3)), (-2.5, "-2.5")],
)
def test_a_value_reads_back_as_the_text_a_value_box_takes(x, text):
    assert rows.value_text(x) == text
    if text:
        assert float(text) == float(x)  # exact: an unchanged value reads back equal


def test_a_kpi_reading_is_offered_only_when_newer_than_the_last_check_in():
    assert rows.offer(42.0, "2026-02-10", "2026-02-01") == "42"
    assert rows.offer(42.0, "2026-02-10", None) == "42"  # no check-in yet
    assert rows.offer(42.0, "2026-02-10", float("nan")) == "42"
    assert rows.offer(42.0, "2026-02-01", "2026-02-01") == ""  # the same day: the check-in stands
    assert rows.offer(42.0, "2026-01-20", "2026-02-01") == ""
    assert rows.offer(None, "2026-02-10", "2026-02-01") == ""  # a KPI with no reading
    assert rows.offer(float("nan"), None, None) == ""


@pytest.mark.parametrize(
    "today, last",
    [(dt.date(2026, 2, 10), dt.date(2026, 2, 10)), (dt.date(2026, 5, 1), END), (dt.date(2025, 12, 1), START)],
)
def test_the_latest_day_a_check_in_may_have_is_today_within_the_cycle(today, last):
    assert rows.last_day(START, END, today) == last


def test_the_days_offered_run_from_the_latest_back_to_the_cycles_start():
    days = rows.day_choices(START, END, dt.date(2026, 1, 4))
    assert days == [dt.date(2026, 1, d) for d in (4, 3, 2, 1)]
    assert rows.day_choices(START, END, dt.date(2025, 12, 1)) == [START]
    # A check-in being corrected keeps its date in the list, in order, even outside it.
    assert rows.day_choices(START, END, dt.date(2026, 1, 2), also=dt.date(2026, 1, 9)) == [
        dt.date(2026, 1, 9),
        dt.date(2026, 1, 2),
        START,
    ]
    assert rows.day_choices(START, END, dt.date(2026, 1, 2), also=START) == [dt.date(2026, 1, 2), START]


def test_a_day_in_the_picker_says_today_and_yesterday():
    today = dt.date(2026, 12, 5)
    assert rows.day_label(today, today) == "5 Dec 2026 (today)"
    assert rows.day_label(dt.date(2026, 12, 4), today) == "4 Dec 2026 (yesterday)"
    assert rows.day_label(dt.date(2026, 12, 3), today) == "3 Dec 2026"
