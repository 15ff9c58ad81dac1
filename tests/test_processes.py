"""Several processes of the app on one database file, as behind a reverse proxy with sticky
sessions (README, "Running several processes"): each starts on the file once, a write in any
process is shown by every other at its next rerun, and nothing of the start runs twice.

The servers are real ``streamlit run`` processes; a page is read from one the way a browser
does, over Streamlit's websocket (:func:`render`), without a browser.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from okrdata import queries, writes
from okrdata.db import connect
from okrdata.seed import load_demo
from tests.e2e.conftest import Server

pytestmark = pytest.mark.slow  # real `streamlit run` servers on one file

ROOT = Path(__file__).resolve().parent.parent


def start_together(path: Path, code: str, processes: int) -> list[subprocess.CompletedProcess]:
    """Run ``code`` in several fresh interpreters that all begin at the same instant."""
    at = time.time() + 3.0  # time enough for every interpreter to start and import
    script = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        os.environ["OKR_DB"] = {str(path)!r}
        from ui import data
        time.sleep(max(0.0, {at!r} - time.time()))
        """
    ) + textwrap.dedent(code)
    running = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=120), *p.communicate()) for p in running]


def test_processes_starting_together_on_a_new_file_load_the_demo_once(tmp_path):
    path = tmp_path / "new" / "okr.db"
    done = start_together(path, "data._init(str(data.path()))\nprint('ready')", processes=3)
    assert [r.returncode for r in done] == [0, 0, 0], [r.stderr[-2000:] for r in done]
    db = connect(path)
    try:
        fresh = connect(":memory:")
        from okrdata.schema import migrate

        migrate(fresh)
        load_demo(fresh)
        for table in ("units", "people", "cycles", "objectives", "key_results"):
            assert db[table].count == fresh[table].count, table
        assert (
            db.execute("SELECT count(*) FROM _migrations").fetchone()[0]
            == fresh.execute("SELECT count(*) FROM _migrations").fetchone()[0]
        )
    finally:
        db.close()


# --- two servers ------------------------------------------------------------------------------


def render(port: int) -> dict[str, str]:
    """The metrics of the app's default page (Overview), label → value, as one session of a
    browser gets them from the server at ``port``."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect as ws_connect

    async def run() -> dict[str, str]:
        metrics: dict[str, str] = {}
        async with ws_connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None) as ws:
            request = BackMsg()
            request.rerun_script.query_string = ""
            await ws.send(request.SerializeToString())
            while True:
                message = ForwardMsg()
                message.ParseFromString(await asyncio.wait_for(ws.recv(), 60))
                kind = message.WhichOneof("type")
                if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                    element = message.delta.new_element
                    if element.WhichOneof("type") == "metric":
                        metrics[element.metric.label] = element.metric.body
                    elif element.WhichOneof("type") == "exception":
                        raise AssertionError(element.exception.message)
                elif kind == "script_finished":
                    return metrics

    return asyncio.run(run())


OFF_TRACK = ":material/error: Off track"


def test_a_write_shows_in_every_process_at_its_next_rerun(tmp_path):
    path = tmp_path / "okr.db"
    servers = [Server(path), Server(path)]  # both start on a new file: the demo is loaded once
    try:
        for server in servers:
            server.wait_healthy()
        first = [render(s.port) for s in servers]  # each process has the page's figures cached now
        assert first[0] == first[1] and first[0]["Key results"] != "0"
        off_track = int(first[0][OFF_TRACK])

        # A lead checks in elsewhere (here: another process, through okrdata) with confidence 1.
        db = connect(path)
        try:
            cycle = queries.default_cycle_id(db, dt.date.today())
            krs = queries.key_results(db, cycle)
            kr = krs[(krs["status"] == "on_track") & (krs["kr_type"] != "milestone")].iloc[0]
            writes.add_checkin(
                db, int(kr["kr_id"]), dt.date.today(), float(kr["value"]), 1, "blocked", person=writes.SYSTEM
            )
        finally:
            db.close()

        after = [render(s.port) for s in servers]
        assert [int(a[OFF_TRACK]) for a in after] == [off_track + 1, off_track + 1]
        assert after[0] == after[1]
    finally:
        for server in servers:
            server.stop()
    assert os.path.exists(path)
