"""Fixtures for the end-to-end tests: Debian's Chromium, a real `streamlit run` server, a page.

The browser is installed by ``scripts/install-browser.sh`` when it is missing, so a fresh
machine runs these tests with nothing installed by hand. The server serves a copy of the demo
database on 127.0.0.1 and a free port; it is stopped in a ``finally`` and its output is shown
if it dies before it is healthy.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def ensure_chromium() -> None:
    """Install Debian's Chromium when it is missing (skip where that cannot be done outside CI)."""
    if Path(CHROMIUM).exists():
        return
    result = subprocess.run(["bash", str(ROOT / "scripts" / "install-browser.sh")], capture_output=True, text=True)
    if result.returncode != 0 or not Path(CHROMIUM).exists():
        message = f"Chromium could not be installed:\n{result.stdout}\n{result.stderr}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `streamlit run app.py` process on localhost."""

    def __init__(self, db_path: Path, env: dict | None = None, cwd: Path = ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db_path.with_suffix(".server.log")
        environment = {**os.environ, "OKR_DB": str(db_path), **(env or {})}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless=true",
                f"--server.port={self.port}",
                "--server.address=127.0.0.1",
                "--browser.gatherUsageStats=false",
                "--server.fileWatcherType=none",
            ],
            cwd=cwd,
            env=environment,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"streamlit was not healthy after {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def chromium_browser():
    """Chromium driven by Playwright's sync API, for one test module.

    Module scope, not session: while a sync Playwright is open it owns the thread's event loop,
    and other tests (the single sign-on one) start a Playwright of their own.
    """
    ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def e2e_demo_template(demo_template) -> Path:
    """The session's demo database (``tests/conftest.py``), which each server copies."""
    return demo_template


@pytest.fixture(scope="module")
def server(e2e_demo_template, tmp_path_factory):
    """A running dashboard on its own copy of the demo database (one per test module)."""
    from db_copies import copy_db

    folder = tmp_path_factory.mktemp("e2e-server")
    db_path = copy_db(e2e_demo_template, folder / "okr.db")
    srv = Server(db_path)
    try:
        srv.wait_healthy()
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def wait_for_app(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the script (never sleep)."""
    # The heading first: before the first run starts the app also says "notRunning", so waiting
    # for that state first could return while the page was still being drawn.
    page.wait_for_selector("[data-testid='stMain'] [data-testid='stHeading']", timeout=timeout)
    page.wait_for_function(
        "() => { const app = document.querySelector(\"[data-testid='stApp']\");"
        " return app && app.getAttribute('data-test-script-state') === 'notRunning'; }",
        timeout=timeout,
    )
