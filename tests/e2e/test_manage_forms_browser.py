"""Manage's create forms in a real browser: after a save the form is empty, and clicking the
button again (or double-clicking it) creates the thing once.

AppTest cannot show this: it reads the server's values, while the browser keeps what its
inputs hold unless the server replaces them, and sends that with the next click.
"""

from __future__ import annotations

import warnings

import pytest

from okrdata.db import connect

from .conftest import wait_for_app
from .steps import TIMEOUT, no_exception, open_from_sidebar, server_db, shot, sign_in, wait_for_heading

pytestmark = pytest.mark.e2e

ADMIN = "admin@northwindlabs.example"


EMPTY = """() => {
    const box = [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stExpander']")]
        .find(e => e.innerText.includes("New KPI"));
    const names = box ? [...box.querySelectorAll("input[aria-label='Name']")] : [];
    return names.length === 1 && names[0].value === "";
}"""


def wait_until_empty(page) -> None:
    """Wait until the New KPI form is drawn once (the page's run has replaced the old one) and empty."""
    page.wait_for_function(EMPTY, timeout=TIMEOUT)


def kpis_named(db_file, name: str) -> int:
    db = connect(db_file)
    try:
        return db.execute("SELECT count(*) FROM kpis WHERE name = ?", [name]).fetchone()[0]
    finally:
        db.close()


def manage_as_admin(server, page):
    """Manage opened by the demo's admin, signed in from the Overview; its main area."""
    page.goto(server.url)
    wait_for_heading(page, "Overview")
    sign_in(page, ADMIN, "demo")
    open_from_sidebar(page, "Manage")
    return page.locator("[data-testid='stMain']")


def test_a_new_kpi_form_is_empty_after_a_save_and_a_second_click_creates_nothing(server, page, tmp_path):
    db_file = server_db(server)
    main = manage_as_admin(server, page)
    main.get_by_role("tab", name="KPIs").click()
    box = main.locator("[data-testid='stExpander']", has_text="New KPI")
    box.locator("summary").click()
    wait_for_app(page, TIMEOUT)

    def form():
        return box.locator("[data-testid='stForm']")

    def create():
        return form().locator("[data-testid='stFormSubmitButton'] button", has_text="Create KPI")

    def fill(name: str, target: str) -> None:
        for label, value in (("Name", name), ("Target", target)):
            field = form().locator(f"input[aria-label='{label}']")
            field.fill(value)
            assert field.input_value() == value

    # 1. Create a KPI: saved once, and the form comes back empty.
    name = "Support tickets answered within a day"
    fill(name, "95")
    create().click()
    created = main.locator("[data-testid='stAlert']", has_text=f"KPI {name} created.")
    try:
        created.wait_for(timeout=30_000)
    except Exception:
        # Once, on a loaded CI machine, this click brought no answer at all. A person clicks
        # again, and the form must still save once: do the same, but say so in the report.
        saved = kpis_named(db_file, name)
        warnings.warn(
            f"first click on Create KPI unanswered after 30 s ({saved} saved); the page showed: "
            + main.inner_text()[:600],
            stacklevel=1,
        )
        assert saved == 0
        assert form().locator("input[aria-label='Name']").input_value() == name
        create().click()
        created.wait_for(timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    no_exception(page)
    wait_until_empty(page)
    assert form().locator("input[aria-label='Name']").input_value() == ""
    assert form().locator("input[aria-label='Target']").input_value() == ""
    shot(page, tmp_path, "1-created-and-empty")

    # 2. The same button again: the form holds nothing, so nothing more is created.
    create().click()
    main.locator("[data-testid='stAlert']", has_text="Name").wait_for(timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    assert kpis_named(db_file, name) == 1

    # 3. A double click on a filled form creates it once.
    other = "Invoices paid on time"
    fill(other, "90")
    create().dblclick()
    # (Which of the two runs draws the success message is up to the browser's timing; the
    # form coming back empty shows the save happened.)
    wait_until_empty(page)
    wait_for_app(page, TIMEOUT)
    no_exception(page)
    shot(page, tmp_path, "3-double-click")
    assert kpis_named(db_file, other) == 1


def test_a_half_filled_form_keeps_what_was_typed_across_tabs_and_a_closed_expander(server, page, tmp_path):
    """A tab and a create form are drawn only once opened (ui.lazy); what was typed in them and
    not saved is still there after the visitor looks at another tab, or folds the form away, and
    comes back."""
    db_file = server_db(server)
    main = manage_as_admin(server, page)

    def open_tab(name: str) -> None:
        main.get_by_role("tab", name=name).click()
        wait_for_app(page, TIMEOUT)

    open_tab("Units")
    box = main.locator("[data-testid='stExpander']", has_text="New unit")
    box.locator("summary").click()
    wait_for_app(page, TIMEOUT)
    name = box.locator("[data-testid='stForm'] input[aria-label='Name']")
    description = box.locator("[data-testid='stForm'] textarea[aria-label='Description']")
    name.fill("Half-typed unit")
    description.fill("Not saved yet")

    open_tab("People")
    main.locator("[data-testid='stExpander']", has_text="Add a person").wait_for(timeout=TIMEOUT)
    open_tab("Units")
    assert name.input_value() == "Half-typed unit"
    assert description.input_value() == "Not saved yet"

    box.locator("summary").click()  # folded away, then opened again
    wait_for_app(page, TIMEOUT)
    box.locator("summary").click()
    wait_for_app(page, TIMEOUT)
    no_exception(page)
    shot(page, tmp_path, "half-filled-kept")
    assert name.input_value() == "Half-typed unit"
    assert description.input_value() == "Not saved yet"
    db = connect(db_file)
    try:
        assert db.execute("SELECT count(*) FROM units WHERE name = 'Half-typed unit'").fetchone()[0] == 0
    finally:
        db.close()
