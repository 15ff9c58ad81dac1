"""The app as shipped: `.streamlit/config.toml` hides the developer toolbar's Deploy button."""

from __future__ import annotations

import pytest

from .conftest import wait_for_app
from .steps import wait_for_heading

pytestmark = pytest.mark.e2e


def test_a_viewer_sees_no_deploy_button_and_no_developer_menu(server, page):
    page.goto(server.url)
    wait_for_app(page)
    wait_for_heading(page, "Overview")
    assert page.locator("[data-testid='stAppDeployButton']").count() == 0
    assert page.get_by_role("button", name="Deploy").count() == 0
