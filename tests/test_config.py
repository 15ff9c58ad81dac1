"""The Streamlit settings the dashboard ships with (`.streamlit/config.toml`)."""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def test_the_shipped_config_hides_developer_tools_and_sends_no_statistics():
    config = tomllib.loads(CONFIG.read_text())
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False


def test_the_browser_keeps_large_elements_while_a_reader_moves_between_pages():
    # A table or a long list of options (10 KB or more) the browser still has is sent as a
    # reference; Streamlit's default keeps them two reruns, fewer than a tour of the menu.
    config = tomllib.loads(CONFIG.read_text())
    assert config["global"]["maxCachedMessageAge"] >= 10


def test_the_server_does_not_walk_every_session_after_each_run():
    # Streamlit's full collection after every run made each page dearer as a crowd grew
    # (bench/load.py: 32 ms of processor per page at 25 readers, 115 ms at 100).
    config = tomllib.loads(CONFIG.read_text())
    assert config["runner"]["postScriptGC"] is False
