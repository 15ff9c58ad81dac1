"""Shared fixtures for the Streamlit AppTests: a demo database file per test, clean caches, and
the helpers every page test uses to open a page and to sign someone in.

The demo organisation comes from :func:`okrdata.seed.load_demo`: a company with departments
and teams, a closed cycle and an active one, check-ins and KPIs. The database is built once
per test session (``demo_template`` in ``conftest.py``) and copied (with SQLite's backup API, so
the copy is consistent) into each test's own temporary folder. ``large_db`` does the same with
a generated organisation twice the demo's size (``large_template``), for the pages' limits on
long lists.

A module imports the fixtures it uses by name (``from app_fixtures import demo_db``). The
session-wide templates live in ``conftest.py`` and are never imported: a fixture imported into a
module is a fixture of that module, and a session-scoped one would be built again for each.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from db_copies import build_demo, copy_db  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from okrdata import queries as q  # noqa: E402
from okrdata.db import connect  # noqa: E402
from ui.auth import PERSON_KEY  # noqa: E402

APP = str(ROOT / "app.py")


@pytest.fixture
def demo_db(demo_template, tmp_path, monkeypatch) -> Path:
    """This test's own copy of the demo database, set as ``$OKR_DB``."""
    path = copy_db(demo_template, tmp_path / "okr.db")
    monkeypatch.setenv("OKR_DB", str(path))
    return path


@pytest.fixture
def large_db(large_template, tmp_path, monkeypatch) -> Path:
    """This test's own copy of the large organisation, set as ``$OKR_DB``: more units, objectives
    and key results than a page draws at once."""
    path = copy_db(large_template, tmp_path / "large.db")
    monkeypatch.setenv("OKR_DB", str(path))
    return path


@pytest.fixture
def empty_db(tmp_path, monkeypatch) -> Path:
    """A database path with nothing in it yet, set as ``$OKR_DB``."""
    path = tmp_path / "empty" / "okr.db"
    monkeypatch.setenv("OKR_DB", str(path))
    return path


@pytest.fixture(autouse=True)
def clear_streamlit_caches():
    """Streamlit's caches and the readers' (:func:`ui.data.clear`) live as long as the process:
    start and end every test with none."""
    from ui import data

    data.clear()
    st.cache_resource.clear()
    yield
    data.clear()
    st.cache_resource.clear()


def ok(at):
    """The AppTest, after checking its last run raised nothing (the exceptions are the message)."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in(at: AppTest, person_id: int) -> AppTest:
    """``at`` signed in as the person ``person_id``, as the sign-in form leaves the session."""
    at.session_state[PERSON_KEY] = person_id
    return at


def open_page(page: str, params: dict | None = None, person: int | None = None, *, check: bool = True) -> AppTest:
    """The app opened straight on ``page`` (a path in ``ui.navigation.PAGES``), as a link with the
    query ``params`` opens it, signed in as ``person`` (an id) when given. With ``check`` the run
    must have raised nothing (:func:`ok`); without, the caller looks at what it raised."""
    at = AppTest.from_file(APP, default_timeout=60)
    if person is not None:
        sign_in(at, person)
    at.query_params.update(params or {})
    # Straight to the page: the app's frame (pickers, sign-in) runs around it as in a browser.
    at.switch_page(page).run()
    return ok(at) if check else at


def open_panels(at: AppTest, *opened: tuple[str, object]) -> AppTest:
    """``at`` after the visitor opens, one click (run) each, the tabs and expanders ``opened``:
    ``(key, label)`` selects the tab ``label`` of the tabs keyed ``key``, ``(key, True)`` opens
    the expander keyed ``key``. Their content is drawn only once opened (``ui.lazy``)."""
    for key, value in opened:
        at.session_state[key] = value
        ok(at.run())
    return at


def open_everything(at: AppTest) -> AppTest:
    """``at`` after the visitor opens every tab (one click each) and every expander drawn only
    once opened (``ui.lazy``), until nothing new shows: the page with all it can show, as every
    tab and expander was drawn before they were drawn lazily."""
    from streamlit.testing.v1.element_tree import Block

    from ui import lazy

    done: set[tuple[str, object]] = set()

    def tab_sets(node, found: dict[str, list[str]]) -> dict[str, list[str]]:
        for child in node.children.values():
            if isinstance(child, Block):
                if child.type == "tab_container" and child.proto.id.startswith("$$ID-"):
                    found[child.proto.id.split("-", 2)[2]] = [t.label for t in child.children.values()]
                tab_sets(child, found)
        return found

    while True:
        tabs = tab_sets(at.main, {})
        lazy_keys = list(at.session_state[lazy.SEEN]) if lazy.SEEN in at.session_state else []
        clicks = [(key, label) for key, labels in tabs.items() for label in labels if (key, label) not in done]
        expanders = [(key, True) for key in lazy_keys if key not in tabs and (key, True) not in done]
        if not clicks and not expanders:
            return at
        done.update(clicks + expanders)
        for key, value in expanders:
            at.session_state[key] = value
        for key, value in clicks or [(None, None)]:
            if key is not None:
                at.session_state[key] = value
            ok(at.run())


class Demo:
    """Ids of a demo database, read through okrdata, to sign in and choose with.

    ``people``: person ids by the part of their e-mail before the @ (``"admin"``, ``"lead"``,
    ...); ``units``: unit ids by name, ``web`` the Web App team's; ``cycle``: the default cycle.
    A page's test module extends it with what its own tests look up.
    """

    def __init__(self, path):
        self.path = path
        with self.db() as db:
            self.people = {r[1].split("@")[0]: r[0] for r in db.execute("SELECT id, email FROM people")}
            self.units = {r[1]: r[0] for r in db.execute("SELECT id, name FROM units")}
            self.cycle = q.default_cycle_id(db)
        self.web = self.units["Web App"]

    def db(self):
        """A connection to the file, closed at the end of its ``with`` block."""
        return connect(self.path)


def with_db(path, fn):
    """``fn(db)`` on a connection to ``path`` that is closed afterwards."""
    db = connect(path)
    try:
        return fn(db)
    finally:
        db.close()


def facts(path):
    """Cycles, units and figures straight from okrdata, to compare the screen with."""
    db = connect(path)
    try:
        return {
            "cycles": [int(i) for i in q.cycles(db)["id"]],
            "default": q.default_cycle_id(db),
            "units": q.units(db),
        }
    finally:
        db.close()


def summary(path, cycle_id, unit_id=None):
    """:func:`okrdata.queries.cycle_summary` straight from the file."""
    db = connect(path)
    try:
        return q.cycle_summary(db, cycle_id, unit_id)
    finally:
        db.close()


def elements(at) -> int:
    """How many elements and blocks (containers, columns, tabs) the page drew in its main area,
    nested ones included: each is a message the browser decodes and lays out at every click
    (README, "A click in the browser"), so a page's test pins its count to keep it from growing.
    """
    from streamlit.testing.v1.element_tree import Block

    def count(node) -> int:
        return sum(1 + (count(child) if isinstance(child, Block) else 0) for child in node.children.values())

    return count(at.main)


def metrics(at) -> dict[str, str]:
    """The page's metrics, label to value, as the screen shows them."""
    return {m.label: m.value for m in at.metric}


def screen(at) -> list[bytes]:
    """Everything the page's last run drew in the main area, element by element, in order (each
    element's message as bytes): two runs showing the same figures give equal lists. Left out:
    the sidebar, the value a widget's message carries (a first run sends its default, a rerun
    what the session holds) and the session's own name for a download made when clicked."""
    out = []
    for node in at.main:
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        names = {f.name for f in proto.DESCRIPTOR.fields}
        unsaid = names & (
            {"set_value", "raw_value", "raw_values", "default", "value"} if "set_value" in names else set()
        )
        unsaid |= names & {"deferred_file_id"}
        if unsaid:
            proto = type(proto).FromString(proto.SerializeToString())
            for field in unsaid:
                proto.ClearField(field)
        out.append(proto.SerializeToString(deterministic=True))
    return out


def cold_screen(
    page: str, params: dict | None = None, person: int | None = None, state: dict | None = None, open_all: bool = False
) -> list[bytes]:
    """:func:`screen` of ``page`` opened in a new session with every cache forgotten (a cold
    run), as :func:`open_page` opens it, with the widgets' values ``state`` (key → value) set;
    with ``open_all``, after every tab and expander was opened (:func:`open_everything`)."""
    from ui import data

    data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    if person is not None:
        sign_in(at, person)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.query_params.update(params or {})
    at = ok(at.switch_page(page).run())
    return screen(open_everything(at) if open_all else at)


def built_after_a_checkin(at, path, unit_id=None) -> list[str]:
    """What ``at``'s next run builds (:func:`ui.data.builds`, by name) after a check-in is saved
    through okrdata on the key result of the default cycle (in ``unit_id``'s branch) furthest
    behind, to its target, as a colleague's check-in elsewhere would be."""
    import datetime as dt

    from okrdata import writes
    from ui import data

    def write(db):
        krs = q.key_results(db, q.default_cycle_id(db), unit_id)
        kr = krs[krs["kr_type"] != "milestone"].sort_values("progress").iloc[0]
        writes.add_checkin(db, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 9, "Done", person=writes.SYSTEM)

    with_db(path, write)
    with data.builds() as built:
        ok(at.run())
    return [name for name, _, _ in built]
