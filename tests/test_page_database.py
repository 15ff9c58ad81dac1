"""The app on a database it cannot use as it is: a file that is not SQLite, one written by a
newer version, a read-only one, one busy with a long import. Every page shows one clear message
(``st.error``) instead of an exception, the file stays as it was, and a form that could not
save keeps what was typed. While the app runs, ``okr restore`` refuses to swap its database.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from app_fixtures import clear_streamlit_caches, copy_db, demo_db, open_page  # noqa: F401
from click.testing import CliRunner
from disk_fixtures import fill, full_disk, unprivileged  # noqa: F401
from streamlit.testing.v1 import AppTest

from okrdata import db as okrdb
from okrdata.cli import cli
from okrdata.schema import SCHEMA_VERSION
from ui import navigation

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGES = [p.path for p in navigation.PAGES]
SAVE = "ci_form__submit"


def visit(page: str, who: int | None = None) -> AppTest:
    return open_page(page, person=who, check=False)


def shown(at: AppTest) -> list[str]:
    """The error messages on the page, as read (Markdown escapes removed); no exception."""
    assert not at.exception, [e.value for e in at.exception]
    return [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]


def test_the_page_list_is_not_empty():
    assert len(PAGES) >= 10


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_a_file_is_not_sqlite_and_leaves_it_alone(tmp_path, monkeypatch, page):
    path = tmp_path / "okr.db"
    path.write_text("email,name\nann@example.com,Ann\n" * 50)
    monkeypatch.setenv("OKR_DB", str(path))
    before = path.read_bytes()
    errors = shown(visit(page))
    assert len(errors) == 1 and "not an SQLite database" in errors[0], errors
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["okr.db"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_refuses_a_database_of_a_newer_version(demo_db, page):
    conn = sqlite3.connect(demo_db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = demo_db.read_bytes()
    errors = shown(visit(page))
    assert len(errors) == 1, errors
    assert (
        f"this database was written by a newer version ({SCHEMA_VERSION + 1} > {SCHEMA_VERSION}); upgrade the dashboard"
    ) in errors[0]
    assert demo_db.read_bytes() == before


def test_a_database_replaced_by_a_newer_one_while_the_app_runs_is_refused_at_the_next_page(demo_db):
    at = visit("pages/overview.py")
    assert not shown(at)
    conn = sqlite3.connect(demo_db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    errors = shown(at.switch_page("pages/okrs.py").run())
    assert any("newer version" in e for e in errors), errors


# --- a save that cannot be made ---------------------------------------------------------------


def lead_and_key_result(path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        lead = conn.execute("SELECT id FROM people WHERE email LIKE 'lead@%'").fetchone()[0]
        kr = conn.execute(
            "SELECT kr.id FROM key_results kr JOIN objectives o ON o.id = kr.objective_id "
            "JOIN units u ON u.id = o.unit_id JOIN cycles c ON c.id = o.cycle_id "
            "WHERE u.name = 'Web App' AND c.state = 'active' AND kr.kr_type = 'increase' AND kr.archived = 0 "
            "ORDER BY kr.id LIMIT 1"
        ).fetchone()[0]
        return lead, kr
    finally:
        conn.close()


def checkins(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM checkins").fetchone()[0]
    finally:
        conn.close()


def type_a_checkin(at: AppTest, kr: int) -> AppTest:
    for box in at.text_input:
        if box.key.startswith("ci_value_") and box.value:
            box.input("")  # values offered from KPIs: only what is typed here is saved
    at.text_input(key=f"ci_value_{kr}").input("42")
    at.text_area(key=f"ci_note_{kr}").input("Typed while an import ran")
    return at.button(key=SAVE).click().run()


def hold_write_lock(path) -> subprocess.Popen:
    script = textwrap.dedent(
        f"""
        import sqlite3, sys
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        sys.stdin.read()
        conn.execute("ROLLBACK")
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_checkin_saved_while_an_import_holds_the_lock_says_busy_and_keeps_the_form(demo_db, monkeypatch):
    monkeypatch.setattr(okrdb, "BUSY_TIMEOUT_MS", 300)
    lead, kr = lead_and_key_result(demo_db)
    before = checkins(demo_db)
    at = visit("pages/checkin.py", lead)
    assert not shown(at)
    holder = hold_write_lock(demo_db)
    try:
        at = type_a_checkin(at, kr)
        errors = shown(at)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert len(errors) == 1 and "busy" in errors[0] and "nothing was saved" in errors[0], errors
    assert checkins(demo_db) == before
    # What was typed is still there; saving again once the import is over goes through.
    assert at.text_input(key=f"ci_value_{kr}").value == "42"
    assert at.text_area(key=f"ci_note_{kr}").value == "Typed while an import ran"
    at = at.button(key=SAVE).click().run()
    assert not shown(at) and at.success
    assert checkins(demo_db) == before + 1


def test_a_checkin_on_a_full_disk_says_so_and_keeps_the_form(demo_db, full_disk, monkeypatch):
    path = copy_db(demo_db, full_disk / "okr.db")
    monkeypatch.setenv("OKR_DB", str(path))
    lead, kr = lead_and_key_result(path)
    before = checkins(path)
    at = visit("pages/checkin.py", lead)
    assert not shown(at)
    fill(full_disk)
    at = type_a_checkin(at, kr)
    errors = shown(at)
    assert len(errors) == 1 and "full" in errors[0] and "nothing was saved" in errors[0], errors
    assert at.text_input(key=f"ci_value_{kr}").value == "42"
    (full_disk / "filler").unlink()
    assert checkins(path) == before


@pytest.fixture
def place(tmp_path):
    """A folder anyone may write in, so that ``nobody`` can too (see :func:`unprivileged`)."""
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="okr-app-files-"))
    folder.chmod(0o777)
    yield folder
    folder.chmod(0o777)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_a_read_only_folder_cannot_be_used(demo_db, place, monkeypatch, page):
    visit(page)  # once as ourselves: what the page imports late, ``nobody`` may not read
    clear_streamlit_caches_now()
    path = copy_db(demo_db, place / "okr.db")
    path.chmod(0o666)
    monkeypatch.setenv("OKR_DB", str(path))
    place.chmod(0o555)
    before = path.read_bytes()
    try:
        with unprivileged():
            errors = shown(visit(page))
    finally:
        place.chmod(0o777)
    assert len(errors) == 1 and "read-only" in errors[0], errors
    assert path.read_bytes() == before


def test_a_checkin_into_a_read_only_file_says_so_and_keeps_the_form(demo_db, place, monkeypatch):
    lead, kr = lead_and_key_result(demo_db)
    type_a_checkin(visit("pages/checkin.py", lead), kr)  # once as ourselves (late imports)
    clear_streamlit_caches_now()
    path = copy_db(demo_db, place / "okr.db")
    path.chmod(0o444)
    monkeypatch.setenv("OKR_DB", str(path))
    before = checkins(path)
    with unprivileged():
        at = visit("pages/checkin.py", lead)
        assert not shown(at)
        at = type_a_checkin(at, kr)
        errors = shown(at)
        clear_streamlit_caches_now()  # the app's connection goes as ``nobody`` opened it
    assert len(errors) == 1 and "read-only" in errors[0] and "nothing was saved" in errors[0], errors
    assert at.text_input(key=f"ci_value_{kr}").value == "42"
    assert checkins(path) == before


# --- okr restore while the app runs -----------------------------------------------------------


def test_okr_restore_refuses_while_the_app_has_the_database_open(demo_db, tmp_path):
    backup = tmp_path / "backup.db"
    assert CliRunner().invoke(cli, ["backup", str(backup), "--db", str(demo_db)]).exit_code == 0
    assert not shown(visit("pages/overview.py"))
    result = CliRunner().invoke(cli, ["restore", str(backup), "--db", str(demo_db)])
    assert result.exit_code == 2 and "stop" in result.output, result.output
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".bak")]
    clear_streamlit_caches_now()
    result = CliRunner().invoke(cli, ["restore", str(backup), "--db", str(demo_db)])
    assert result.exit_code == 0, result.output


def clear_streamlit_caches_now() -> None:
    """What stopping the app does to what it holds: its cached resources are dropped."""
    import gc

    import streamlit as st

    st.cache_resource.clear()
    gc.collect()
