"""An admin downloads the executive summary, then closes the cycle, in a real browser."""

from __future__ import annotations

import pytest

from okrdata import queries as q
from okrdata.db import connect

from .steps import TIMEOUT, no_exception, open_from_sidebar, server_db, shot, sign_in

pytestmark = pytest.mark.e2e


def current_cycle(path) -> dict:
    db = connect(path)
    try:
        return q.cycle(db, q.default_cycle_id(db))
    finally:
        db.close()


def test_an_admin_downloads_the_summary_and_closes_the_cycle(server, page, tmp_path):
    path = server_db(server)
    cycle = current_cycle(path)
    assert cycle["state"] == "active"
    page.goto(server.url)
    sign_in(page, "admin@northwindlabs.example", "demo")
    main = page.locator("[data-testid='stMain']")

    open_from_sidebar(page, "Executive summary")
    shot(page, tmp_path, "summary")
    with page.expect_download(timeout=TIMEOUT) as html:
        main.get_by_role("button", name="Download HTML").click()
    html_file = tmp_path / "summary.html"
    html.value.save_as(html_file)
    text = html_file.read_text()
    assert cycle["name"] in text and "<script" not in text.lower()
    with page.expect_download(timeout=TIMEOUT) as pdf:
        main.get_by_role("button", name="Download PDF").click()
    pdf_file = tmp_path / "summary.pdf"
    pdf.value.save_as(pdf_file)
    assert pdf_file.read_bytes().startswith(b"%PDF")

    open_from_sidebar(page, "Review")
    main.get_by_role("button", name=f"Close {cycle['name']}").click()
    main.get_by_role("button", name=f"Yes, close {cycle['name']}").click()
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stMain'] button[kind='primary']\")"
        " || ![...document.querySelectorAll(\"[data-testid='stMain'] button\")].some(b => b.innerText.startsWith('Yes, close'))",
        timeout=TIMEOUT,
    )
    no_exception(page)
    shot(page, tmp_path, "closed")
    for _ in range(60):
        if current_cycle(path)["state"] == "closed":
            break
        page.wait_for_timeout(500)
    assert current_cycle(path)["state"] == "closed"
