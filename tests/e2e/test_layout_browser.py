"""What fits where, measured in a real browser: the columns that matter at 1440 px, a phone's
list at 390 px, KRs vs KPIs within a few screens, the wall within a 1920×1080 TV.

Streamlit lays pages out in the browser (it cannot know the screen's width on the server), so
these are measured in Chromium. A table's header cells are read from the grid's accessible
table, which holds only the columns drawn on screen: a key column missing there is off the
screen's edge.
"""

from __future__ import annotations

import io
import os

import pytest

from okrdata import queries as q
from okrdata.db import connect

from .conftest import ROOT, wait_for_app
from .steps import TIMEOUT, no_exception, server_db, settle

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
TV = {"width": 1920, "height": 1080}

KPIS_MAX_HEIGHT = 4_000
"""Pixels: KRs vs KPIs for the whole demo company, at 1440 px (it was 10,391)."""


def unit_ids(server) -> dict[str, int]:
    db = connect(server_db(server))
    try:
        units = q.units(db)
    finally:
        db.close()
    return {str(n): int(i) for n, i in zip(units["name"], units["id"])}


def open_page(browser, server, path: str, viewport: dict):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{server.url}/{path}")
    wait_for_app(page, TIMEOUT)
    settle(page)
    no_exception(page)
    return context, page


def main_height(page) -> int:
    return page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")


GRIDS = "[data-testid='stMain'] [data-testid='stDataFrame']"
HEADERS = """([grids, n]) => {
    const grid = document.querySelectorAll(grids)[n];
    return grid ? [...grid.querySelectorAll("[role='columnheader']")].map(th => th.innerText.trim()) : null;
}"""


def drawn_headers(page, n: int) -> list[str]:
    """The header cells the page's ``n``-th table draws on screen, left to right."""
    # Wait for that very table: on a loaded machine the first grid can be drawn seconds before the
    # next one, and waiting for any header let the check read a table not there yet.
    page.wait_for_function(
        f"args => {{ const h = ({HEADERS})(args); return h && h.length > 0; }}", arg=[GRIDS, n], timeout=TIMEOUT
    )
    headers = page.evaluate(HEADERS, [GRIDS, n])
    assert headers, f"no table number {n} on the page"
    return headers


WIDE_TABLES = [
    # (page, which of its tables, the key columns: wholly on screen at 1440 px beside the sidebar)
    ("", 0, ["Status", "Key result", "Objective", "Progress", "Why"]),  # the key results needing attention
    ("okrs", 0, ["Objective", "Key result", "Status", "Progress", "Pace", "Confidence"]),
    ("summary", 0, ["Objective", "Status", "Progress", "Pace"]),  # objectives
    ("summary", 1, ["Key result", "Status", "Progress", "Pace"]),  # top risks
    ("checkin", 0, ["Status", "Key result", "Objective", "Progress"]),  # last check-ins, signed out
    ("review", 0, ["Forecast", "Objective", "Progress", "Proposed"]),  # the scoring sheet
]


@pytest.mark.parametrize(
    ("path", "n", "columns"), WIDE_TABLES, ids=[f"{p or 'overview'}-{n}" for p, n, _ in WIDE_TABLES]
)
def test_the_key_columns_are_on_screen_at_1440(chromium_browser, server, path, n, columns):
    context, page = open_page(chromium_browser, server, path, DESKTOP)
    try:
        drawn = drawn_headers(page, n)
        missing = [c for c in columns if not any(h.startswith(c) for h in drawn)]
        assert not missing, f"{path or 'overview'}: {missing} are off screen; drawn: {drawn}"
        # The grid draws a column as soon as a sliver shows: the last key column is whole when a
        # column after it is drawn too (or it is the table's last).
        last = max(i for i, h in enumerate(drawn) if any(h.startswith(c) for c in columns))
        total = page.evaluate(
            "([grids, n]) => document.querySelectorAll(grids)[n].querySelector(\"[role='grid']\")"
            ".getAttribute('aria-colcount')",
            [GRIDS, n],
        )
        assert last < len(drawn) - 1 or (total and int(total) == len(drawn)), f"{drawn[last]} is cut at the edge"
    finally:
        context.close()


PHONE_PAGES = ["", "okrs", "summary", "checkin", "kpis", "review"]


def not_wider_than_the_screen(page) -> None:
    width = page.evaluate(
        "() => { const b = document.querySelector(\"[data-testid='stMainBlockContainer']\");"
        " return [b.scrollWidth, b.clientWidth]; }"
    )
    assert width[0] <= width[1], f"the page is {width[0]} px wide on a {width[1]} px screen"


@pytest.mark.parametrize("path", ["wall", "wall?tv=1"])
def test_the_wall_on_a_phone_is_no_wider_than_the_screen(chromium_browser, server, path):
    context, page = open_page(chromium_browser, server, path, PHONE)
    try:
        not_wider_than_the_screen(page)
    finally:
        context.close()


@pytest.mark.parametrize("path", PHONE_PAGES, ids=[p or "overview" for p in PHONE_PAGES])
def test_a_phone_gets_lists_and_nothing_wider_than_the_screen(chromium_browser, server, path):
    context, page = open_page(chromium_browser, server, path, PHONE)
    try:
        not_wider_than_the_screen(page)
        grids = page.evaluate(
            "() => [...document.querySelectorAll(\"[data-testid='stMain'] [data-testid='stDataFrame']\")]"
            ".filter(g => g.checkVisibility()).length"
        )
        assert grids == 0, f"{grids} tables drawn as grids on a phone"
        lists = page.locator("[data-testid='stMain'] [class*='st-key-okr_phone_'] li")
        assert lists.count() > 0 and lists.first.is_visible()
        for bar in page.locator("[data-testid='stMain'] [role='toolbar']").all():
            overflow = bar.evaluate("b => b.scrollWidth - b.clientWidth")
            assert overflow <= 1, f"a row of pills runs {overflow} px past the screen"
    finally:
        context.close()


def test_krs_vs_kpis_for_the_whole_company_fits_a_few_screens(chromium_browser, server):
    context, page = open_page(chromium_browser, server, "kpis", DESKTOP)
    try:
        page.wait_for_selector("[data-testid='stVegaLiteChart']", timeout=TIMEOUT)
        assert main_height(page) <= KPIS_MAX_HEIGHT
    finally:
        context.close()


@pytest.mark.parametrize("unit", [None, "Product & Engineering", "Growth"])
def test_the_wall_fits_a_tv_without_the_demo_notice_or_the_sidebar(chromium_browser, server, unit):
    query = "tv=1" if unit is None else f"unit={unit_ids(server)[unit]}&tv=1"
    context, page = open_page(chromium_browser, server, f"wall?{query}", TV)
    try:
        page.wait_for_selector("[data-testid='stMain'] [data-testid='stMetric']", timeout=TIMEOUT)
        height = main_height(page)
        assert height <= TV["height"], f"the wall is {height} px tall on a {TV['height']} px screen"
        assert not page.get_by_text("You are looking at demo data").is_visible()
        assert (
            page.locator("[data-testid='stExpandSidebarButton'], [data-testid='stSidebarCollapsedControl']")
            .filter(visible=True)
            .count()
            == 0
        )
        # Every tile and card is on screen, none cut at the bottom.
        bottoms = page.evaluate(
            "() => [...document.querySelectorAll(\"[class*='st-key-wall_tile_'], [class*='st-key-wall_obj_']\")]"
            ".map(e => e.getBoundingClientRect().bottom)"
        )
        assert bottoms and max(bottoms) <= TV["height"]
    finally:
        context.close()


# --- the README's screenshots -----------------------------------------------------------------

SCREENSHOTS = ROOT / "docs" / "screenshots"


def compact_png(png: bytes) -> bytes:
    """A screenshot as a small PNG for the README: 256 colours (plenty for a page of flat colours
    and text), compressed as far as PNG goes."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def keep(png: bytes, name: str, tmp_path) -> None:
    """Write a screenshot: into the README's folder with ``OKR_UPDATE_SCREENSHOTS=1``, else aside."""
    from .test_journey_newcomer import not_blank

    assert not_blank(png), f"{name} looks blank"
    folder = SCREENSHOTS if os.environ.get("OKR_UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.png").write_bytes(compact_png(png))


PHONE_SHOTS = [
    # (page, file name, scroll to the first list of the page)
    ("", "phone-overview", False),
    ("okrs", "phone-all-okrs", True),
    ("kpis", "phone-krs-vs-kpis", True),
    ("checkin", "phone-check-in", True),
    ("summary", "phone-executive-summary", False),
    ("wall", "phone-wall-screen", False),
]


def test_screenshots_on_a_phone_and_on_a_tv(chromium_browser, server, tmp_path):
    """A phone's first screen of six pages (390×844), and the wall on a TV (1920×1080, its link)."""
    for path, name, to_list in PHONE_SHOTS:
        context, page = open_page(chromium_browser, server, path, PHONE)
        try:
            if to_list:
                # The list with the heading above it (the page scrolls in its main block, not the window).
                page.locator("[data-testid='stMain'] [class*='st-key-okr_phone_']").first.evaluate(
                    "e => e.scrollIntoView({block: 'start', behavior: 'instant'})"
                )
                page.locator("[data-testid='stMain']").evaluate(
                    "m => m.scrollTo({top: m.scrollTop - 130, behavior: 'instant'})"
                )
            keep(page.screenshot(), name, tmp_path)
        finally:
            context.close()
    context, page = open_page(chromium_browser, server, "wall?tv=1", TV)
    try:
        page.wait_for_selector("[data-testid='stMain'] [data-testid='stMetric']", timeout=TIMEOUT)
        keep(page.screenshot(), "wall-tv", tmp_path)
    finally:
        context.close()
