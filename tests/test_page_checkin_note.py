"""The Check-in form shows a long last note by its start, with the whole of it a click away.

A note of 10,000 characters, printed in full beside the form, made the page 8,487 px tall.
"""

from __future__ import annotations

import datetime as dt

import pytest
from app_fixtures import clear_streamlit_caches, demo_db, open_page  # noqa: F401

from okrdata import queries as q
from okrdata import writes as w
from okrdata.db import connect
from ui.badges import escape_markdown

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGE = "pages/checkin.py"


def test_a_long_last_note_shows_its_start_and_opens_in_full(demo_db):
    words = "The integration partner slipped again, so we re-planned the rollout with support. "
    note = (words * 130)[:10_000]
    db = connect(demo_db)
    try:
        lead = int(next(db.execute("SELECT id FROM people WHERE email LIKE 'lead@%'"))[0])
        web = int(next(db.execute("SELECT id FROM units WHERE name = 'Web App'"))[0])
        krs = q.key_results(db, q.default_cycle_id(db), web)
        kr = krs.iloc[0]
        w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), float(kr["value"]), 6, note, person=w.SYSTEM)
    finally:
        db.close()
    at = open_page(PAGE, person=lead)
    lasts = [c.value for c in at.caption if c.value.startswith("Last note: ")]
    mine = [c for c in lasts if c.startswith(f"Last note: {escape_markdown(words[:40])}")]
    assert len(mine) == 1
    assert len(mine[0]) < 300 and mine[0].endswith(" …")
    boxes = [e for e in at.expander if e.label == "The whole note (10,000 characters)"]
    assert len(boxes) == 1
    assert [m.value for m in boxes[0].markdown] == [escape_markdown(note)]
    # A short note is shown whole, with no box to open.
    short = [c for c in lasts if c not in mine]
    assert short and all(not c.endswith(" …") for c in short)
