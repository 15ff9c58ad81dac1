"""The one place the app leans on a private part of Streamlit, checked on every run.

``pages/`` is also the folder of Streamlit's legacy multipage apps: until a run has called
``st.navigation``, Streamlit runs a page file alone. ``ui.frame`` turns that off through
``PagesManager.uses_pages_directory`` and reruns through ``app.py``. That attribute is not
public, so Streamlit is pinned to the minor versions these tests passed on; raising the pin
means running this file first (README, "Upgrade").
"""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from app_fixtures import APP, ROOT, demo_db  # noqa: F401
from packaging.requirements import Requirement
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest


def streamlit_requirement() -> Requirement:
    project = tomllib.loads((Path(ROOT) / "pyproject.toml").read_text())["project"]
    found = [Requirement(d) for d in project["dependencies"] if Requirement(d).name == "streamlit"]
    assert len(found) == 1, "pyproject.toml must require streamlit exactly once"
    return found[0]


def test_streamlit_is_pinned_to_one_minor_version_and_the_installed_one_is_in_it():
    requirement = streamlit_requirement()
    bounds = {spec.operator: spec.version for spec in requirement.specifier}
    assert set(bounds) == {">=", "<"}, f"pin streamlit as >=X.Y,<X.(Y+1), not {requirement.specifier}"
    low, high = (tuple(int(p) for p in bounds[op].split(".")[:2]) for op in (">=", "<"))
    assert high == (low[0], low[1] + 1), f"one minor version at a time, not {requirement.specifier}"
    assert requirement.specifier.contains(version("streamlit"))


def test_the_private_switch_the_frame_uses_still_exists():
    assert hasattr(PagesManager, "uses_pages_directory")


@pytest.mark.slow
def test_running_app_py_turns_the_legacy_path_off(demo_db):
    # AppTest forgets the switch before each run, as a fresh server process starts without it:
    # with a pages/ folder beside app.py, Streamlit would take the legacy path.
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/kpis.py").run()
    assert not at.exception, at.exception
    assert PagesManager.uses_pages_directory is False
    assert [t.value for t in at.title][0].startswith("KRs vs KPIs")
