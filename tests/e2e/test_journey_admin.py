"""An admin starts their own organisation: signs in on a fresh database, imports their spreadsheet
(``seed/import-example.csv``) on the Manage page, and finds the imported objectives in All OKRs.

The database is made as the README says (``okr init --admin-email ...``); the sample spreadsheet
describes a company of its own, which is why it goes into an empty database rather than the
demo's (the demo already has a company unit, and the import refuses a second one).
"""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from okrdata import queries as q
from okrdata.cli import cli
from okrdata.db import connect

from .conftest import ROOT, Server
from .steps import TIMEOUT, no_exception, open_from_sidebar, server_db, shot, sign_in, wait_for_heading

pytestmark = pytest.mark.e2e

ADMIN = "owner@brightwave.example"
PASSWORD = "correct horse battery"
SAMPLE = ROOT / "seed" / "import-example.csv"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The dashboard on a fresh database with one admin and nothing else (``okr init``)."""
    db_path = tmp_path_factory.mktemp("e2e-admin") / "okr.db"
    result = CliRunner().invoke(
        cli,
        ["init", "--db", str(db_path), "--admin-email", ADMIN, "--admin-name", "Olu Owner"],
        env={"OKR_ADMIN_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    srv = Server(db_path)
    try:
        srv.wait_healthy()
        yield srv
    finally:
        srv.stop()


def sample_objectives() -> list[str]:
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        return [row["Objective"] for row in csv.DictReader(f) if row["Objective"]]


def test_an_admin_imports_a_spreadsheet_and_finds_it_in_all_okrs(server, page, tmp_path):
    objectives = sample_objectives()
    assert len(objectives) >= 2

    # 1. A fresh dashboard: nothing yet, no demo notice.
    page.goto(server.url)
    wait_for_heading(page, "Overview")
    no_exception(page)
    assert "demo data" not in page.locator("[data-testid='stMain']").inner_text()
    shot(page, tmp_path, "1-empty")

    # 2. Sign in as the first admin.
    sign_in(page, ADMIN, PASSWORD)
    assert "admin" in page.locator("[data-testid='stSidebar']").inner_text()

    # 3. Manage → Import / export: choose the file; every row is checked before anything is written.
    open_from_sidebar(page, "Manage")
    main = page.locator("[data-testid='stMain']")
    main.get_by_role("tab", name="Import / export").click()
    main.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(SAMPLE))
    go = main.locator("button", has_text="Import 9 rows")
    go.wait_for(timeout=TIMEOUT)
    assert "Would add" in main.locator("[data-testid='stAlert']", has_text="Would add").inner_text()
    no_exception(page)
    shot(page, tmp_path, "2-import-checked")

    # 4. Import: all rows, in one go.
    go.click()
    done = main.locator("[data-testid='stAlert']", has_text="Added")
    done.wait_for(timeout=TIMEOUT)
    no_exception(page)
    shot(page, tmp_path, "3-imported")
    # The sidebar offers the imported cycle at once, and the uploader is empty for the next file.
    assert "No cycles yet" not in page.locator("[data-testid='stSidebar']").inner_text()
    assert not main.locator("button", has_text="Import 9 rows").count()
    db = connect(server_db(server))
    try:
        cycle_id = q.default_cycle_id(db)
        stored = list(q.objectives(db, cycle_id)["title"])
    finally:
        db.close()
    assert sorted(stored) == sorted(objectives)

    # 5. All OKRs lists every imported objective.
    open_from_sidebar(page, "All OKRs")
    page.locator("[data-testid='stDataFrame'] [role='gridcell']").first.wait_for(state="attached", timeout=TIMEOUT)
    assert f"{len(stored)} of {len(stored)} objectives" in main.inner_text()
    for title in objectives:
        page.wait_for_function(
            "(title) => [...document.querySelectorAll(\"[data-testid='stMain'] [data-testid='stDataFrame'] "
            "[role='gridcell']\")].some(e => e.textContent === title)",
            arg=title,
            timeout=TIMEOUT,
        )
    shot(page, tmp_path, "4-all-okrs")
