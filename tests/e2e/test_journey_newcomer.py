"""A newcomer opens the demo in a real browser and walks every page from the sidebar."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from .conftest import ROOT, wait_for_app

pytestmark = pytest.mark.e2e

PAGES = [
    ("Overview", "Overview"),
    ("Alignment", "Alignment"),
    ("Confidence trends", "Confidence trends"),
    ("KRs vs KPIs", "KRs vs KPIs"),
    ("All OKRs", "All OKRs"),
    ("Check-in", "Check-in"),
    ("Manage", "Manage"),
    ("Review", "Review"),
    ("Executive summary", "Executive summary"),
    ("Wall screen", "Northwind Labs"),
]
SCREENSHOTS = ROOT / "docs" / "screenshots"


def not_blank(png: bytes) -> bool:
    """True when a screenshot shows more than a flat background: many distinct colours."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 150))
    return len(set(image.get_flattened_data() if hasattr(image, "get_flattened_data") else image.getdata())) > 50


def slug(title: str) -> str:
    return title.lower().replace(" ", "-")


def test_a_newcomer_walks_every_page(server, chromium_browser, tmp_path):
    from .test_layout_browser import DESKTOP, compact_png

    context = chromium_browser.new_context(viewport=DESKTOP)  # the README's screenshots: 1440×900
    try:
        walk(context.new_page(), server, tmp_path, compact_png)
    finally:
        context.close()


def walk(page, server, tmp_path, compact_png) -> None:
    from ui import navigation

    assert sorted(link for link, _ in PAGES) == sorted(p.title for p in navigation.PAGES), "every page of the menu"
    page.goto(server.url)
    wait_for_app(page)
    assert "demo data" in page.inner_text("[data-testid='stMain']")
    for link, heading in PAGES:
        page.locator("[data-testid='stSidebarNav'] a", has_text=link).first.click()
        page.wait_for_function(
            "(h) => [...document.querySelectorAll(\"[data-testid='stMain'] h1\")].some(e => e.innerText.includes(h))",
            arg=heading,
            timeout=60_000,
        )
        wait_for_app(page)
        main = page.locator("[data-testid='stMain']")
        assert page.locator("[data-testid='stException']").count() == 0, f"{link}: {main.inner_text()[:500]}"
        assert "Traceback" not in main.inner_text()
        page.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton']\")", timeout=60_000)
        png = page.screenshot(full_page=True)
        assert not_blank(png), f"{link} looks blank"
        target = SCREENSHOTS if os.environ.get("OKR_UPDATE_SCREENSHOTS") else tmp_path
        target.mkdir(parents=True, exist_ok=True)
        (Path(target) / f"{slug(link)}.png").write_bytes(compact_png(png))


def test_the_overview_shows_the_headline_figures_and_a_chart(server, page):
    page.goto(server.url)
    wait_for_app(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"[data-testid='stMetricValue']\")]"
        ".some(e => e.innerText.trim().endsWith('%'))",
        timeout=60_000,
    )
    page.wait_for_selector(
        "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg", timeout=60_000
    )
