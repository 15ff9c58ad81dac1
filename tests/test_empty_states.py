"""What a page of a cycle says with nothing to show (:mod:`ui.empty`): on a database without a
cycle, each says how to start and, where it offers one, links to Manage; nothing else is drawn."""

from __future__ import annotations

import pytest
from app_fixtures import APP, clear_streamlit_caches, empty_db, ok  # noqa: F401
from streamlit.testing.v1 import AppTest

from okrdata.db import connect
from okrdata.schema import migrate
from ui.empty import NO_CYCLES

pytestmark = pytest.mark.slow  # AppTests: each test runs a page

LINKED = {
    "pages/overview.py": True,
    "pages/alignment.py": True,
    "pages/summary.py": False,
    "pages/checkin.py": True,
    "pages/review.py": True,
    "pages/trends.py": True,
    "pages/okrs.py": True,
}


@pytest.mark.parametrize("page", sorted(LINKED))
def test_a_page_without_a_cycle_says_how_to_start(empty_db, page):
    db = connect(empty_db)
    migrate(db)  # a schema and no data, as `okr init` leaves it
    db.close()
    at = ok(AppTest.from_file(APP, default_timeout=60).run())
    ok(at.switch_page(page).run())
    assert NO_CYCLES in [i.value for i in at.info]
    links = [e.proto.label for e in at.get("page_link") if e.proto.page == "manage"]
    assert links == (["Open Manage"] if LINKED[page] else [])
    assert not at.metric, "a page without a cycle shows no figures"
