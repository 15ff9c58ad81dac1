"""Hostile texts in a real browser: objectives, key results and check-in notes holding HTML, script
tags, ``javascript:`` links, Markdown and 10,000-character words (:mod:`hostile`) are shown as
text on every page: no dialog opens, no script or image from the data gets into the page, no
``javascript:`` link is live, Markdown from the data is not rendered (``**loud**`` is no bold
text), and nothing widens the page.

An admin is signed in, so the Check-in and Manage forms show the hostile titles too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui import navigation

from .conftest import Server, wait_for_app
from .steps import TIMEOUT, no_exception, settle, shot, sign_in

pytestmark = pytest.mark.e2e

NAV = [(Path(p.path).stem, p.title) for p in navigation.PAGES]
"""(url path, link text) of every page of the menu (:data:`ui.navigation.PAGES`, which ``app.py``
builds the navigation from)."""

INJECTED = """() => ({
    scripts: [...document.scripts].filter(s => /alert\\(/.test(s.textContent)).length,
    images: document.querySelectorAll('img[onerror], img[src="x"]').length,
    handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => /^on/i.test(a.name))).length,
    jsLinks: [...document.querySelectorAll('a[href]')]
        .filter(a => /^\\s*javascript:/i.test(a.getAttribute('href'))).length,
    bold: [...document.querySelectorAll("[data-testid='stMain'] b")].filter(b => b.textContent === 'bold').length,
    markdown: [...document.querySelectorAll("[data-testid='stMain'] strong, [data-testid='stMain'] del")]
        .filter(e => e.textContent === 'loud' || e.textContent === 'gone').length,
    shownAsText: document.body.innerText.split('alert(1)').length - 1,
})"""
WIDTHS = """() => {
    const main = document.querySelector("[data-testid='stMain']");
    return {page: document.documentElement.scrollWidth, window: window.innerWidth,
            main: main.scrollWidth, mainVisible: main.clientWidth};
}"""


@pytest.fixture(scope="module")
def hostile_server(e2e_demo_template, tmp_path_factory):
    """The dashboard on a copy of the demo holding the hostile OKRs."""
    from app_fixtures import copy_db
    from hostile import add_hostile_okrs

    db_path = copy_db(e2e_demo_template, tmp_path_factory.mktemp("e2e-hostile") / "okr.db")
    ids = add_hostile_okrs(db_path)
    srv = Server(db_path)
    try:
        srv.wait_healthy()
        yield srv, ids
    finally:
        srv.stop()


def check(page, where: str, dialogs: list[str]) -> int:
    """Nothing from the data ran or got into the page as HTML, and nothing widens it; returns how
    many times the page shows ``alert(1)`` as text."""
    settle(page)
    no_exception(page)
    assert dialogs == [], (where, dialogs)
    found = page.evaluate(INJECTED)
    assert {k: v for k, v in found.items() if k != "shownAsText"} == {
        "scripts": 0,
        "images": 0,
        "handlers": 0,
        "jsLinks": 0,
        "bold": 0,
        "markdown": 0,
    }, (where, found)
    widths = page.evaluate(WIDTHS)
    assert widths["page"] <= widths["window"] + 5, (where, widths)
    assert widths["main"] <= widths["mainVisible"] + 5, (where, widths)
    return found["shownAsText"]


def test_hostile_texts_stay_text_in_the_browser(hostile_server, page, tmp_path):
    assert NAV, "no page to visit: the menu's list of pages is empty"
    server, ids = hostile_server
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{server.url}/?unit={ids.team_id}")
    wait_for_app(page, TIMEOUT)
    sign_in(page, "admin@northwindlabs.example", "demo")
    shown = 0
    for path, link in NAV:
        page.locator("[data-testid='stSidebarNav'] a", has_text=link).first.click()
        if path != "overview":
            page.wait_for_url(re.compile(rf"/{path}(\?|$)"), timeout=TIMEOUT)
        wait_for_app(page, TIMEOUT)
        shown += check(page, link, dialogs)
        shot(page, tmp_path, f"page-{path}")

    links = [
        f"/wall?unit={ids.team_id}&tv=1",
        f"/okrs?objective={ids.objective_ids['img']}",
        f"/okrs?objective={ids.objective_ids['long']}",
        f"/okrs?objective={ids.objective_ids['parent']}",
        f"/trends?unit={ids.team_id}&kr={ids.kr_ids['js_link']}",
        f"/trends?unit={ids.team_id}&kr={ids.kr_ids['long']}",
    ]
    for link in links:
        page.goto(server.url + link)
        wait_for_app(page, TIMEOUT)
        shown += check(page, link, dialogs)
        shot(page, tmp_path, "link-" + re.sub(r"\W+", "-", link).strip("-"))
    # Not vacuous: the hostile texts were on the pages, as text.
    assert shown >= 10, shown
