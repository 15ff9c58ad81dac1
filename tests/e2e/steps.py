"""Steps the end-to-end journeys share: moving between pages, signing in, reading a metric,
and a screenshot at each step that must not be blank.

Every wait is for something a person would see (a heading, a message, a figure), never a sleep.
"""

from __future__ import annotations

from pathlib import Path

from .conftest import wait_for_app
from .test_journey_newcomer import not_blank

TIMEOUT = 90_000
"""Milliseconds: generous, since the machine running the tests may be slow and shared."""


def no_exception(page) -> None:
    """The page shows no Streamlit exception box and no traceback."""
    main = page.locator("[data-testid='stMain']")
    assert page.locator("[data-testid='stException']").count() == 0, main.inner_text()[:800]
    assert "Traceback" not in main.inner_text()


def wait_for_heading(page, heading: str) -> None:
    """Wait until the main area's title reads ``heading`` and the script has finished."""
    page.wait_for_function(
        "(h) => [...document.querySelectorAll(\"[data-testid='stMain'] h1\")].some(e => e.innerText.includes(h))",
        arg=heading,
        timeout=TIMEOUT,
    )
    wait_for_app(page, TIMEOUT)


def open_from_sidebar(page, link: str, heading: str | None = None) -> None:
    """Click a page's entry in the sidebar's navigation and wait for its title."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=link).first.click()
    wait_for_heading(page, heading or link)
    no_exception(page)


def sign_in(page, email: str, password: str, attempts: int = 2) -> None:
    """Sign in with the form in the sidebar (folded in a "Sign in" box) and wait until it says so.

    A fresh server's first page sends itself once more through ``app.py`` (see ``ui.frame``);
    a form submitted while that rerun redraws the sidebar can be lost, so the form is filled and
    sent again once if no answer comes.
    """
    sidebar = page.locator("[data-testid='stSidebar']")
    signed_in = sidebar.get_by_text("Signed in as")
    for attempt in range(attempts):
        wait_for_app(page, TIMEOUT)
        box = sidebar.locator("[data-testid='stExpander']", has_text="Sign in")
        if not box.locator("input[aria-label='E-mail']").is_visible():
            box.locator("summary").click()
        for label, value in (("E-mail", email), ("Password", password)):
            field = box.locator(f"input[aria-label='{label}']")
            field.fill(value)
            assert field.input_value() == value
        box.locator("[data-testid='stFormSubmitButton'] button", has_text="Sign in").click()
        try:
            signed_in.wait_for(timeout=TIMEOUT if attempt == attempts - 1 else 30_000)
            break
        except Exception:
            errors = sidebar.locator("[data-testid='stAlert']")
            if errors.count():
                raise AssertionError(f"sign-in refused: {errors.first.inner_text()}") from None
            if attempt == attempts - 1:
                raise
    wait_for_app(page, TIMEOUT)


METRICS = """(label) => [...document.querySelectorAll("[data-testid='stMetric']")]
    .filter(m => {
        const l = m.querySelector("[data-testid='stMetricLabel']");
        return l && (l.innerText.trim() === label || l.innerText.trim().endsWith(' ' + label));
    })
    .map(m => m.querySelector("[data-testid='stMetricValue']").innerText.trim())"""


def metric(page, label: str) -> str:
    """The value of the metric whose label reads ``label`` (after its icon, if any); there must be one."""
    page.wait_for_function(f"(label) => ({METRICS})(label).length > 0", arg=label, timeout=TIMEOUT)
    values = page.evaluate(METRICS, label)
    assert len(values) == 1, f"{len(values)} metrics labelled {label!r}"
    return values[0]


def settle(page) -> None:
    """Wait until every element has drawn (widgets load lazily, showing a skeleton meanwhile)."""
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stSkeleton']\")", timeout=TIMEOUT)


def shot(page, folder: Path, name: str) -> Path:
    """A screenshot of this step, once drawn, into ``folder``; it must show more than a blank page."""
    settle(page)
    png = page.screenshot(full_page=True)
    assert not_blank(png), f"{name} looks blank"
    path = Path(folder) / f"{name}.png"
    path.write_bytes(png)
    return path


def server_db(server) -> Path:
    """The database file the ``server`` fixture's dashboard runs on (its log lies beside it)."""
    path = Path(server.log).parent / "okr.db"
    assert path.exists(), path
    return path
