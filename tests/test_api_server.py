"""The HTTP API against the real thing: ``streamlit run app.py`` in a subprocess, as the README
starts it, on a copy of the demo database, spoken to over HTTP with httpx.

Tokens are made with ``okr token add`` on the same file while the server runs; what the tests
read back is what a client sees (status, JSON) and what lands in the database (rows counted
with a connection of their own).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from db_copies import copy_db
from notify_helpers import receiver  # noqa: F401 (a fixture)

from okrdata.cli import cli

httpx = pytest.importorskip("httpx")

pytestmark = pytest.mark.e2e  # a streamlit server per module: `-m "not e2e"` leaves this out

RATE = 60
"""The server's rate limit per token (OKR_API_RATE_LIMIT), low so that 429 comes quickly."""
LEAD = "lead@northwindlabs.example"  # leads Web App in the demo
ADMIN = "admin@northwindlabs.example"


def okr(*args) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def rows(path: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served(demo_template, tmp_path_factory):
    """The dashboard, started as the README says, on its own copy of the demo; yields (URL, db path)."""
    from e2e.conftest import Server

    folder = tmp_path_factory.mktemp("api-server")
    db_path = copy_db(demo_template, folder / "okr.db")
    server = Server(db_path, env={"OKR_API_RATE_LIMIT": str(RATE)})
    try:
        server.wait_healthy()
        yield f"{server.url}/api/v1", db_path
    finally:
        server.stop()


@pytest.fixture(scope="module")
def url(served) -> str:
    return served[0]


@pytest.fixture(scope="module")
def path(served) -> Path:
    return served[1]


def token_for(path: Path, email: str, name: str = "") -> dict:
    return {"Authorization": f"Bearer {okr('token', 'add', '--db', path, '--person', email, '--name', name)}"}


def current_kr(path: Path, unit: str) -> int:
    """A live key result of the current cycle owned by ``unit``."""
    today = dt.date.today().isoformat()
    return rows(
        path,
        """
        SELECT kr.id FROM key_results kr JOIN objectives o ON o.id = kr.objective_id
        JOIN cycles c ON c.id = o.cycle_id JOIN units u ON u.id = o.unit_id
        WHERE u.name = ? AND c.state = 'active' AND c.start_date <= ? AND ? <= c.end_date
          AND kr.archived = 0 AND o.state = 'active' ORDER BY kr.id LIMIT 1""",
        (unit, today, today),
    )[0][0]


def a_kpi(path: Path, unit: str) -> int:
    return rows(
        path,
        "SELECT k.id FROM kpis k JOIN units u ON u.id = k.unit_id WHERE u.name = ? AND k.archived = 0 "
        "ORDER BY k.id LIMIT 1",
        (unit,),
    )[0][0]


def json_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "<html" not in response.text.lower() and "Traceback" not in response.text
    body = response.json()
    assert set(body) == {"error", "field", "problem"} and body["problem"]
    return body


def test_the_pages_and_the_api_share_one_server(url):
    base = url.removesuffix("/api/v1")
    assert httpx.get(f"{base}/_stcore/health").text == "ok"
    assert "<html" in httpx.get(f"{base}/").text.lower()
    assert httpx.get(f"{url}/openapi.json").json()["servers"] == [{"url": "/api/v1"}]


def test_each_status_code_over_real_http(url, path):
    lead = token_for(path, LEAD, "status codes")
    mine, theirs = current_kr(path, "Web App"), current_kr(path, "Northwind Labs")
    with httpx.Client(base_url=url, timeout=30) as client:
        listed = client.get("/key-results", headers=lead, params={"unit": "Web App", "limit": 2})
        assert listed.status_code == 200 and len(listed.json()["data"]) == 2
        assert "cpu;dur=" in listed.headers["server-timing"]
        saved = client.post(f"/key-results/{mine}/checkins", headers=lead, json={"value": 1, "confidence": 7})
        assert saved.status_code == 201 and saved.json()["data"]["key_result"]["id"] == mine
        assert json_error(client.get("/key-results"), 401)["field"] == "token"
        assert (
            json_error(
                client.post(f"/key-results/{theirs}/checkins", headers=lead, json={"value": 1, "confidence": 7}), 403
            )["field"]
            == "unit"
        )
        assert json_error(client.get("/key-results/999999", headers=lead), 404)["field"] == "key_result"
        assert json_error(client.get("/nothing/here", headers=lead), 404)["error"] == "not_found"
        assert (
            json_error(client.put(f"/key-results/{mine}/checkins", headers=lead), 405)["error"] == "method_not_allowed"
        )
        assert (
            json_error(
                client.post(f"/key-results/{mine}/checkins", headers=lead, content=b"[" + b"1," * 40_000 + b"1]"), 413
            )["field"]
            == "body"
        )
        bad = json_error(
            client.post(f"/key-results/{mine}/checkins", headers=lead, json={"value": 1, "confidence": 12}), 422
        )
        assert bad["field"] == "confidence" and "0 to 10" in bad["problem"]
        burst = token_for(path, LEAD, "burst")
        started, allowed = time.monotonic(), 0
        for _ in range(2 * RATE):
            limited = client.get("/me", headers=burst)
            if limited.status_code != 200:
                break
            allowed += 1
        json_error(limited, 429)
        assert int(limited.headers["retry-after"]) >= 1
        refilled = (time.monotonic() - started) * RATE / 60  # the bucket refills as the burst goes on
        assert RATE <= allowed <= RATE + refilled + 1


def test_a_busy_database_is_a_clear_503(url, path):
    admin = token_for(path, ADMIN, "busy")
    kpi = a_kpi(path, "Northwind Labs")
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the API's patience
    try:
        response = httpx.post(f"{url}/kpis/{kpi}/readings", headers=admin, json={"value": 1}, timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
    assert json_error(response, 503)["error"] == "busy"
    assert response.headers["retry-after"] == "1"
    assert httpx.post(f"{url}/kpis/{kpi}/readings", headers=admin, json={"value": 1}).status_code == 201


def test_a_leads_token_is_refused_on_another_units_key_result(url, path):
    lead = token_for(path, LEAD, "own unit only")
    before = rows(path, "SELECT count(*) FROM checkins")
    for unit in ("Northwind Labs", "Go-to-Market", "Mobile"):
        theirs = current_kr(path, unit)
        response = httpx.post(f"{url}/key-results/{theirs}/checkins", headers=lead, json={"value": 1, "confidence": 5})
        assert "only the units you lead" in json_error(response, 403)["problem"], unit
        assert httpx.get(f"{url}/key-results/{theirs}", headers=lead).status_code == 200  # reading is for everyone
    assert rows(path, "SELECT count(*) FROM checkins") == before


def test_twenty_concurrent_writers_lose_nothing(url, path):
    writers, each = 20, 5
    kr, kpi = current_kr(path, "Web App"), a_kpi(path, "Web App")
    keys = [token_for(path, LEAD, f"writer {n}") for n in range(writers)]
    note = f"concurrency {time.time_ns()}"
    failures: list[str] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            start.wait()
            for i in range(each):
                value = n * 100 + i
                for response in (
                    client.post(
                        f"/key-results/{kr}/checkins",
                        headers=keys[n],
                        json={"value": value, "confidence": 6, "note": note},
                    ),
                    client.post(f"/kpis/{kpi}/readings", headers=keys[n], json={"value": value + 0.5}),
                ):
                    if response.status_code != 201:
                        failures.append(f"{response.status_code} {response.text}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    wanted = sorted(n * 100 + i for n in range(writers) for i in range(each))
    saved = [int(v) for (v,) in rows(path, "SELECT value FROM checkins WHERE note = ? ORDER BY value", (note,))]
    assert saved == wanted
    lead_id = rows(path, "SELECT id FROM people WHERE email = ?", (LEAD,))[0][0]
    readings = rows(
        path, "SELECT value, author_id FROM kpi_readings WHERE kpi_id = ? AND value - CAST(value AS INT) = 0.5", (kpi,)
    )
    assert sorted(int(v) for v, _ in readings) == wanted and {a for _, a in readings} == {lead_id}


def test_a_token_revoked_mid_run_is_refused_from_the_next_call(url, path):
    headers = token_for(path, LEAD, "revoked mid-run")
    token_id = rows(path, "SELECT max(id) FROM api_tokens")[0][0]
    calls: list[tuple[float, int]] = []
    stop = threading.Event()

    def keep_calling() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set() and len(calls) < RATE - 5:
                sent = time.monotonic()
                calls.append((sent, client.get("/me", headers=headers).status_code))

    caller = threading.Thread(target=keep_calling)
    caller.start()
    while len(calls) < 5:
        time.sleep(0.01)
    okr("token", "revoke", token_id, "--db", path)
    revoked = time.monotonic()
    while not any(sent > revoked for sent, _ in calls) and caller.is_alive():
        time.sleep(0.01)
    time.sleep(0.2)
    stop.set()
    caller.join()
    before = [status for sent, status in calls if sent < revoked]
    after = [status for sent, status in calls if sent > revoked]
    assert before and set(before) <= {200, 401} and before[0] == 200
    assert after and set(after) == {401}


def test_the_same_server_runs_the_notification_scheduler(demo_template, tmp_path, receiver):  # noqa: F811 (receiver)
    """app.py gives st.App the scheduler's lifespan: switched on, a check-in posted through the API
    that turns a key result off track reaches the unit's chat channel within seconds."""
    from e2e.conftest import Server

    path = copy_db(demo_template, tmp_path / "okr.db")
    okr("webhook", "add", receiver.url("web-app"), "--unit", "Web App", "--provider", "slack", "--db", path)
    kr = rows(
        path,
        """
        SELECT kr.id FROM key_results kr JOIN objectives o ON o.id = kr.objective_id JOIN units u ON u.id = o.unit_id
        JOIN cycles c ON c.id = o.cycle_id
        WHERE u.name = 'Web App' AND c.state = 'active' AND kr.archived = 0 AND o.state = 'active'
          AND (SELECT c2.confidence FROM checkins c2 WHERE c2.kr_id = kr.id AND c2.deleted = 0
               ORDER BY c2.checkin_date DESC, c2.id DESC LIMIT 1) >= 4
        ORDER BY kr.id LIMIT 1""",
    )[0][0]
    lead = token_for(path, LEAD, "scheduler")
    server = Server(path, env={"OKR_NOTIFY_SCHEDULE": "1", "OKR_BASE_URL": "https://okr.example.test"})
    try:
        server.wait_healthy()
        deadline = time.monotonic() + 60
        while not rows(path, "SELECT value FROM settings WHERE key = 'notify_events_since'"):  # its first round
            assert time.monotonic() < deadline, f"the scheduler never ran:\n{server.log.read_text()}"
            time.sleep(0.2)
        response = httpx.post(
            f"{server.url}/api/v1/key-results/{kr}/checkins",
            headers=lead,
            json={"value": 1, "confidence": 2, "note": "blocked by the API rewrite"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        deadline = time.monotonic() + 30
        while not [p for p in receiver.at("web-app") if "Off track" in p["text"]]:  # (the digest may go too)
            assert time.monotonic() < deadline, f"nothing was posted:\n{server.log.read_text()}"
            time.sleep(0.2)
        [post] = [p for p in receiver.at("web-app") if "Off track" in p["text"]]
        assert "blocked by the API rewrite" in json.dumps(post)
    finally:
        server.stop()
