"""The load benchmark's protocol-level reader (``bench/load.py``) against a real `streamlit run`:
it speaks Streamlit's websocket protocol well enough to be served every page of the tour."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import load  # noqa: E402


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
