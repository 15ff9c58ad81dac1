"""Manage's import box: a workbook's sheets to choose from, what each was read as, and a file
that cannot be read shown as a message, never as an exception (issue 10, items 12 and 14)."""

from __future__ import annotations

import re

import pytest
import streamlit as st
from app_fixtures import clear_streamlit_caches, demo_db, ok, open_page, open_panels  # noqa: F401

from okrdata import transfer
from okrdata.db import connect

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGE = "pages/manage.py"


class Upload:
    """What st.file_uploader returns, standing in for it (AppTest cannot drive the uploader)."""

    def __init__(self, name: str, data: bytes):
        self.name, self.file_id, self._data = name, name, data

    def getvalue(self) -> bytes:
        return self._data


@pytest.fixture
def admin_page(demo_db, monkeypatch):
    chosen: dict[str, Upload | None] = {"file": None}
    monkeypatch.setattr(st, "file_uploader", lambda *args, **kwargs: chosen["file"])
    db = connect(demo_db)
    try:
        admin = db.execute("SELECT id FROM people WHERE role = 'admin' ORDER BY id").fetchone()[0]
        workbook = transfer.export_okrs_xlsx(db)
        checkins = db.execute("SELECT count(*) FROM checkins WHERE deleted = 0").fetchone()[0]
    finally:
        db.close()
    at = open_panels(open_page(PAGE, person=admin), ("mg_tab", "Import / export"))
    return at, chosen, workbook, checkins


def captions(at) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]


def test_every_sheet_of_the_own_export_is_read_and_the_box_says_so(admin_page):
    at, chosen, workbook, checkins = admin_page
    chosen["file"] = Upload("okrs.xlsx", workbook)
    ok(at.run())
    box = at.selectbox(key="mg_import_sheet_0")
    assert box.options == ["Every sheet", "OKRs", "Check-ins", "KPIs", "KPI readings", "People"]
    assert box.value is None
    said = captions(at)
    for sheet, layout in (
        ("OKRs", "okrs"),
        ("Check-ins", "checkins"),
        ("KPIs", "kpis"),
        ("KPI readings", "kpi_readings"),
        ("People", "people"),
    ):
        assert any(c.startswith(f"{sheet}: read as {transfer.LAYOUT_NAMES[layout]}") for c in said), said
    # Every check-in of the history sheet is there, and matches what the database holds.
    assert any(f"{checkins} check-ins matched one already recorded" in c for c in said), said
    assert [b.label for b in at.button if b.key == "mg_import_go"]


def test_one_sheet_can_be_chosen(admin_page):
    at, chosen, workbook, _ = admin_page
    chosen["file"] = Upload("okrs.xlsx", workbook)
    ok(at.run())
    ok(at.selectbox(key="mg_import_sheet_0").set_value("KPIs").run())
    said = [c for c in captions(at) if "read as" in c]
    assert len(said) == 1 and said[0].startswith("KPIs: read as the KPI layout"), said


def test_a_runaway_quote_is_a_message_not_an_exception(admin_page):
    at, chosen, _, _ = admin_page
    text = (
        "Cycle,Unit,Objective,Key result,Type,Baseline,Target\n"
        '2026 Q4,Acme,"Grow,Users from 1 to 2,increase,1,2\n'
        + "".join(f"2026 Q4,Acme,Grow,Users {i} from 1 to 2,increase,1,2\n" for i in range(4000))
    )
    chosen["file"] = Upload("runaway.csv", text.encode())
    ok(at.run())
    shown = " ".join(e.value for e in at.error)
    assert "row 2" in shown and "quotation mark" in shown, shown
    assert not [b for b in at.button if b.key == "mg_import_go"]
