"""The load benchmark's protocol-level reader (``bench/load.py``) against a real `streamlit run`:
it speaks Streamlit's websocket protocol well enough to be served every page of the tour."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import load  # noqa: E402

from .conftest import Server  # noqa: E402


def test_a_protocol_reader_is_served_the_overview_and_the_tour(server):
    async def tour():
        reader = load.StreamlitReader(server.url)
        try:
            problems = await reader.open(timeout=60)
            for link, _heading in load.TOUR:
                problems += await reader.visit(link, timeout=60)
        finally:
            await reader.close()
        return reader, problems

    reader, problems = asyncio.run(tour())

    assert problems == []
    assert len(reader.server) == 1 + len(load.TOUR)  # one script_finished per page
    assert "Alignment" in reader.pages  # the menu the server sent


def test_a_crowd_of_protocol_readers_reports_every_page_and_no_error(server):
    visits = asyncio.run(load.run_crowd(server.url, size=2, ramp=0.5, timeout=60, client="protocol"))

    assert visits.errors == []
    assert len(visits.times) == 2 * (1 + len(load.TOUR))
    assert all(t > 0 for t in visits.server)


def checkins(db_path: Path) -> int:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT COUNT(*) FROM checkins").fetchone()[0]


def crowd_with_writer(url: str, writer) -> dict:
    """A crowd of two protocol readers while ``writer`` checks in every 0.2 s: the report's row."""
    args = argparse.Namespace(ramp=0.5, timeout=60, client="protocol", cached_assets=False)
    return load.measure(url, 2, args, None, float("nan"), writer)


def test_the_api_writer_saves_through_the_server_and_a_refused_token_counts_as_failed(e2e_demo_template, tmp_path):
    from db_copies import copy_db

    from okrdata import tokens, writes
    from okrdata.db import connect

    db_path = copy_db(e2e_demo_template, tmp_path / "okr.db")
    email, krs = load.lead_and_key_results(db_path)
    token_id, token = load.make_token(db_path, email)
    server = Server(db_path)
    try:
        server.wait_healthy()
        # What the writer finds through the API with --url: the same key results as in the file.
        assert sorted(load.api_key_results(server.url, token)) == sorted(krs)
        before = checkins(db_path)
        row = crowd_with_writer(server.url, lambda: load.ApiWriter(server.url, token, krs, 0.2))

        assert row["writer"] == "api"
        assert row["failed"] == 0, row["failures"]
        assert row["saved"] >= 1
        assert checkins(db_path) - before == row["saved"]  # each save reported is a row in the database
        assert 0 < row["save_p50"] <= row["save_p95"] <= row["save_max"]

        db = connect(db_path)
        tokens.revoke_token(db, token_id, person=writes.SYSTEM)
        db.close()
        before = checkins(db_path)
        row = crowd_with_writer(server.url, lambda: load.ApiWriter(server.url, token, krs, 0.2))
    finally:
        server.stop()

    assert row["saved"] == 0
    assert row["failed"] >= 1
    assert all(failure.startswith("ApiRefused: 401") for failure in row["failures"]), row["failures"]
    assert checkins(db_path) == before


def report_row(**figures) -> dict:
    """A row of the load report as :func:`load.measure` makes it, with ``figures`` changed."""
    return {
        **dict.fromkeys(("p50", "p95", "opened_p95", "clicks_p95", "server_p50", "server_p95", "rate"), 0.1),
        **dict.fromkeys(("cores", "cpu_page", "loop_share", "client_cpu", "peak", "per_session", "load"), 0.1),
        **dict.fromkeys(("save_p50", "save_p95", "save_max"), 0.05),
        **{"size": 25, "pages": 100, "errors": [], "writer": "api", "saved": 3, "failed": 0, "failures": []},
        **{"save_times": [0.05] * 3, "save_server": [0.04] * 3},
        **figures,
    }


def test_a_crowd_size_run_again_is_served_only_when_every_run_of_it_was(capsys):
    args = argparse.Namespace(pin=False, client="protocol", ramp=10, write_every=3.0, writer="api")

    load.report([report_row(size=10), report_row(), report_row(p95=5.5), report_row()], args, 200.0, "100x")

    assert "no error, every smaller crowd too: 10\n" in capsys.readouterr().out


def test_the_report_says_which_writer_and_its_failed_saves(capsys):
    refused = ["ApiRefused: 401 unauthorized: this token was revoked."] * 2
    row = {
        **dict.fromkeys(("p50", "p95", "opened_p95", "clicks_p95", "server_p50", "server_p95", "rate"), 0.1),
        **dict.fromkeys(("cores", "cpu_page", "loop_share", "client_cpu", "peak", "per_session", "load"), 0.1),
        **dict.fromkeys(("save_p50", "save_p95", "save_max"), float("nan")),
        **{"size": 2, "pages": 8, "errors": [], "writer": "api", "saved": 0, "failed": 2, "failures": refused},
        **{"save_times": [], "save_server": []},
    }
    args = argparse.Namespace(pin=False, client="protocol", ramp=0.5, write_every=3.0, writer="api")

    load.report([row], args, 200.0, "demo")

    shown = capsys.readouterr().out
    assert "| api | 0 / 2 | n/a / n/a / n/a ms |" in shown
    assert "a check-in every 3 s (posted to the server's HTTP API" in shown
    assert "The lead's check-ins (api), all crowds: 0 saved, 2 failed" in shown
    assert "a save failed: ApiRefused: 401 unauthorized: this token was revoked. (x2)" in shown
