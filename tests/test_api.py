"""The HTTP API's request handling, through Starlette's test client on the small ``org``.

What a client would notice: the status, the JSON (``field`` and ``problem`` on every error), the
figures (the same as the pages'), and the rows a write leaves in the database, or does not.
The same API against a real ``streamlit run`` server is ``tests/test_api_server.py``.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from okrdata import api, api_reads, api_spec, queries, tokens, writes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the test client's note about httpx


class Clock:
    """A clock the rate limiter reads, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def path(db, org, tmp_path):
    return tmp_path / "okr.db"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(path, clock):
    return TestClient(api.make_app(path, rate_per_minute=1000, clock=clock), raise_server_exceptions=False)


@pytest.fixture
def keys(db, org):
    """A token for the admin, the lead (of Platform) and the viewer, as request headers."""
    made = {}
    for who, email in (("admin", "ada@acme.test"), ("lead", "lee@acme.test"), ("viewer", "vic@acme.test")):
        made[who] = {"Authorization": f"Bearer {tokens.create_token(db, email, person=writes.SYSTEM)[1]}"}
    return made


def version(db, table: str, row_id: int) -> int:
    """The version an edit of the row carries (the row as read now)."""
    return writes.read_for_edit(db, table, row_id)["version"]


def error_of(response, status: int, field: str | None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.json()
    assert set(body) == {"error", "field", "problem"}
    assert body["field"] == field, body
    assert body["problem"] and "Traceback" not in body["problem"] and "<" not in body["problem"]
    return body


@pytest.fixture
def contents(snapshot):
    """Every row of every table but the tokens' (whose last use a request records)."""
    return lambda db: {table: rows for table, rows in snapshot(db).items() if table != "api_tokens"}


def count(db, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# --- the description matches the routes ---------------------------------------------------


def api_routes(app) -> dict[tuple[str, str], tuple[str, ...]]:
    """(path, method) -> query parameters, from the application's own routing table."""
    endpoints = {(e.path, e.method): e.query for e in api.ENDPOINTS}
    found = {}
    for route in app.routes:
        assert isinstance(route, Route)
        for method in route.methods - {"HEAD"}:
            found[(route.path, method)] = endpoints.get((route.path, method), ())
    return found


def test_every_route_is_described_and_every_description_is_a_route(path):
    routes = api_routes(api.make_app(path))
    described = {
        (p, method.upper()): tuple(x["name"] for x in op.get("parameters", []) if x["in"] == "query")
        for p, ops in api_spec.spec()["paths"].items()
        for method, op in ops.items()
    }
    assert len(routes) >= 15
    assert set(routes) == set(described)
    for key, query in routes.items():
        assert set(query) == set(described[key]), key


def test_every_described_path_parameter_is_in_its_path():
    for p, ops in api_spec.spec()["paths"].items():
        for op in ops.values():
            names = {x["name"] for x in op.get("parameters", []) if x["in"] == "path"}
            assert names == {part[1:-1] for part in p.split("/") if part.startswith("{")}, p


def test_each_schema_lists_exactly_the_fields_returned(client, keys, org):
    def fields(name):
        return set(api_spec.SCHEMAS[name]["properties"])

    for name, mapping in api_spec.RESOURCE_FIELDS.items():
        assert set(mapping) | ({"current"} if name == "Cycle" else set()) == fields(name), name
    h = keys["admin"]
    seen = {
        "Cycle": client.get("/cycles", headers=h).json()["data"],
        "Unit": client.get("/units", headers=h).json()["data"],
        "Objective": client.get("/objectives", headers=h).json()["data"],
        "KeyResult": client.get("/key-results", headers=h).json()["data"],
        "Checkin": client.get(f"/key-results/{org.kr_increase}/checkins", headers=h).json()["data"],
        "Kpi": client.get("/kpis", headers=h).json()["data"],
    }
    client.post(f"/kpis/{org.kpi}/readings", headers=h, json={"value": 99.97, "date": "2026-02-01"})
    seen["Reading"] = client.get(f"/kpis/{org.kpi}/readings", headers=h).json()["data"]
    for name, rows in seen.items():
        assert rows, name
        assert all(set(r) == fields(name) for r in rows), name
    one = {
        "CycleWithFigures": client.get(f"/cycles/{org.cycle}", headers=h),
        "UnitWithCycle": client.get(f"/units/{org.platform}", headers=h),
        "ObjectiveWithKeyResults": client.get(f"/objectives/{org.platform_obj}", headers=h),
        "Me": client.get("/me", headers=h),
    }
    for name, response in one.items():
        assert set(response.json()["data"]) == fields(name), name
    figures = one["CycleWithFigures"].json()["data"]["figures"]
    assert set(figures) == set(api_spec.SCHEMAS["CycleWithFigures"]["properties"]["figures"]["properties"])


@pytest.mark.slow
def test_every_answer_validates_against_its_description(db, org, client, keys):
    jsonschema = pytest.importorskip("jsonschema")
    spec = api_spec.spec()
    h = keys["admin"]
    calls = [
        ("get", "/me", None, "200"),
        ("get", "/cycles", None, "200"),
        ("get", f"/cycles/{org.cycle}", None, "200"),
        ("get", "/units", None, "200"),
        ("get", f"/units/{org.product}", None, "200"),
        ("get", "/objectives", None, "200"),
        ("get", f"/objectives/{org.platform_obj}", None, "200"),
        ("get", "/key-results", None, "200"),
        ("get", f"/key-results/{org.kr_increase}", None, "200"),
        ("get", f"/key-results/{org.kr_increase}/checkins", None, "200"),
        ("get", "/kpis", None, "200"),
        ("get", f"/kpis/{org.kpi}", None, "200"),
        ("post", f"/kpis/{org.kpi}/readings", {"value": 99.9, "date": "2026-02-01"}, "201"),
        ("get", f"/kpis/{org.kpi}/readings", None, "200"),
        (
            "post",
            f"/key-results/{org.kr_increase}/checkins",
            {"value": 5, "confidence": 5, "date": "2026-02-01"},
            "201",
        ),
        ("post", f"/key-results/{org.kr_increase}/checkins", {"value": 5, "confidence": 50}, "422"),
        ("get", "/key-results/9999", None, "404"),
    ]
    for method, url, body, status in calls:
        response = client.request(method.upper(), url, headers=h, json=body)
        assert str(response.status_code) == status, (url, response.text)
        template = next(p for p in spec["paths"] if re.fullmatch(re.sub(r"\{[a-z_]+\}", "[^/]+", p), url))
        schema = spec["paths"][template][method]["responses"][status]["content"]["application/json"]["schema"]
        jsonschema.validate(
            response.json(), {**schema, "components": spec["components"]}, cls=jsonschema.Draft202012Validator
        )


def test_the_description_needs_no_token(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")


# --- 401 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic YWRhOmRlbW8="},
        {"Authorization": "Bearer okr_unknown"},
    ],
    ids=["none", "empty", "no-token", "basic", "unknown"],
)
def test_a_request_without_a_valid_token_gets_401(client, keys, headers):
    response = client.get("/key-results", headers=headers)
    error_of(response, 401, "token")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_from_the_next_call(db, client):
    token_id, token = tokens.create_token(db, "lee@acme.test", person=writes.SYSTEM)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/me", headers=headers).status_code == 200
    tokens.revoke_token(db, token_id, person=writes.SYSTEM)
    assert "revoked" in error_of(client.get("/me", headers=headers), 401, "token")["problem"]


def test_an_expired_token_and_an_archived_persons_token_get_401(db, org, client):
    _, old = tokens.create_token(db, "lee@acme.test", person=writes.SYSTEM)
    db.execute("UPDATE api_tokens SET expires_on = '2020-01-01'")
    assert "expired" in error_of(client.get("/me", headers={"Authorization": f"Bearer {old}"}), 401, "token")["problem"]
    _, token = tokens.create_token(db, "vic@acme.test", person=writes.SYSTEM)
    writes.update_person(db, org.viewer, archived=True, person=writes.SYSTEM, version=version(db, "people", org.viewer))
    assert (
        "archived" in error_of(client.get("/me", headers={"Authorization": f"Bearer {token}"}), 401, "token")["problem"]
    )


def test_head_answers_as_get_without_a_body(client, keys):
    response = client.head("/me", headers=keys["lead"])
    assert response.status_code == 200 and response.content == b""


@pytest.mark.slow
def test_a_service_account_made_as_the_guide_says_writes_its_unit_only(db, org, path, client):
    from click.testing import CliRunner

    from okrdata import auth
    from okrdata.cli import cli

    def okr(*args):
        result = CliRunner().invoke(cli, [*map(str, args), "--db", str(path)])
        assert result.exit_code == 0, result.output
        return result.stdout.strip()

    okr("user", "add", "ci-bot@acme.test", "--name", "CI feed", "--role", "lead", "--unit", "Platform", "--no-password")
    headers = {"Authorization": f"Bearer {okr('token', 'add', '--person', 'ci-bot@acme.test', '--name', 'CI')}"}
    assert auth.authenticate(db, "ci-bot@acme.test", "") is None  # it cannot sign in to the pages
    mine = client.post(
        f"/key-results/{org.kr_increase}/checkins",
        headers=headers,
        json={"value": 30, "confidence": 7, "date": "2026-02-01"},
    )
    assert mine.status_code == 201 and mine.json()["data"]["author_name"] == "CI feed"
    error_of(
        client.post(
            f"/key-results/{org.kr_stay_above}/checkins",
            headers=headers,
            json={"value": 99.95, "confidence": 7, "date": "2026-02-01"},
        ),
        403,
        "unit",
    )


def test_me_says_who_the_token_acts_as(client, keys, org):
    me = client.get("/me", headers=keys["lead"]).json()["data"]
    assert me["person"]["email"] == "lee@acme.test" and me["person"]["role"] == "lead"
    assert me["editable_unit_ids"] == [org.platform]


# --- writes: 201, 403, 422 -------------------------------------------------------------------


def test_a_checkin_is_saved_as_the_tokens_person_with_the_new_figures(db, org, client, keys):
    response = client.post(
        f"/key-results/{org.kr_increase}/checkins",
        headers=keys["lead"],
        json={"value": 45, "confidence": 6, "note": "From CI", "date": "2026-02-01"},
    )
    assert response.status_code == 201, response.text
    saved = response.json()["data"]
    row = db.execute(
        "SELECT id, kr_id, checkin_date, value, confidence, note, author_id FROM checkins ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert row == (saved["id"], org.kr_increase, "2026-02-01", 45.0, 6, "From CI", org.lead)
    assert saved["author_name"] == "Lee Lead"
    assert saved["key_result"]["value"] == 45.0 and saved["key_result"]["progress"] == pytest.approx(0.45)
    assert saved["key_result"]["status"] in ("at_risk", "stale")


def test_a_reading_is_saved_as_the_tokens_person(db, org, client, keys):
    response = client.post(
        f"/kpis/{org.kpi}/readings", headers=keys["admin"], json={"value": "99.8", "date": "2026-02-01"}
    )
    assert response.status_code == 201, response.text
    saved = response.json()["data"]
    assert db.execute("SELECT kpi_id, reading_date, value, author_id FROM kpi_readings").fetchall() == [
        (org.kpi, "2026-02-01", 99.8, org.admin)
    ]
    assert saved["kpi"]["last_value"] == 99.8 and saved["kpi"]["health"] == "breached"


def test_a_lead_may_not_write_another_units_key_result_or_kpi(db, org, client, keys, contents):
    before = contents(db)
    company_kr = client.post(
        f"/key-results/{org.kr_stay_above}/checkins",
        headers=keys["lead"],
        json={"value": 99.95, "confidence": 8, "date": "2026-02-01"},
    )
    assert "you may change only the units you lead" in error_of(company_kr, 403, "unit")["problem"]
    company_kpi = client.post(f"/kpis/{org.kpi}/readings", headers=keys["lead"], json={"value": 99.95})
    error_of(company_kpi, 403, "unit")
    viewer = client.post(
        f"/key-results/{org.kr_increase}/checkins",
        headers=keys["viewer"],
        json={"value": 50, "confidence": 8, "date": "2026-02-01"},
    )
    assert "role: viewer" in error_of(viewer, 403, "unit")["problem"]
    assert contents(db) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": 50, "confidence": 11, "date": "2026-02-01"}, "confidence"),
        ({"value": "lots", "confidence": 5, "date": "2026-02-01"}, "value"),
        ({"confidence": 5, "date": "2026-02-01"}, "value"),
        ({"value": 50, "date": "2026-02-01"}, "confidence"),
        ({"value": 50, "confidence": 5, "date": "2025-12-31"}, "date"),
        ({"value": 50, "confidence": 5, "date": "soon"}, "date"),
        ({"value": 50, "confidence": 5, "note": "a\x00b", "date": "2026-02-01"}, "note"),
        ({"value": 50, "confidence": 5, "confidance": 5}, "confidance"),
        ([50, 5], "body"),
    ],
)
def test_an_invalid_checkin_gets_422_naming_the_field_and_changes_nothing(db, org, client, keys, contents, body, field):
    before = contents(db)
    response = client.post(f"/key-results/{org.kr_increase}/checkins", headers=keys["lead"], json=body)
    error_of(response, 422, field)
    assert contents(db) == before


def test_a_checkin_dated_after_today_is_refused(db, client, keys, contents):
    """Seen failing: a check-in dated tomorrow within an open cycle was saved (DESIGN: never after today)."""
    import datetime as dt

    cycle = writes.add_cycle(
        db,
        "Now",
        dt.date.today() - dt.timedelta(days=30),
        dt.date.today() + dt.timedelta(days=60),
        state="active",
        person=writes.SYSTEM,
    )
    unit = db.execute("SELECT id FROM units WHERE name = 'Platform'").fetchone()[0]
    objective = writes.add_objective(db, cycle, unit, "Be quick", person=writes.SYSTEM)
    kr = writes.add_key_result(
        db, objective, "Latency from 900 to 300 ms", "decrease", 900, 300, "ms", person=writes.SYSTEM
    )
    before = contents(db)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        f"/key-results/{kr}/checkins", headers=keys["lead"], json={"value": 500, "confidence": 6, "date": tomorrow}
    )
    assert "in the future" in error_of(response, 422, "date")["problem"]
    assert contents(db) == before
    today = client.post(f"/key-results/{kr}/checkins", headers=keys["lead"], json={"value": 500, "confidence": 6})
    assert today.status_code == 201 and today.json()["data"]["date"] == dt.date.today().isoformat()


def test_a_body_that_is_not_json_gets_422_and_a_huge_one_413(db, org, client, keys):
    url = f"/key-results/{org.kr_increase}/checkins"
    error_of(client.post(url, headers=keys["lead"], content=b"value=5"), 422, "body")
    error_of(client.post(url, headers=keys["lead"], content=b"{" + b" " * api.MAX_BODY_BYTES + b"}"), 413, "body")
    assert count(db, "checkins") == 1


def test_a_closed_cycle_takes_no_checkin(db, org, client, keys):
    writes.close_cycle(db, org.cycle, person=writes.SYSTEM)
    response = client.post(
        f"/key-results/{org.kr_increase}/checkins",
        headers=keys["admin"],
        json={"value": 50, "confidence": 5, "date": "2026-02-01"},
    )
    assert "closed" in error_of(response, 422, "cycle")["problem"]


# --- 404, 405 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/key-results/9999", "key_result"),
        ("/key-results/abc", "key_result"),
        ("/objectives/9999", "objective"),
        ("/cycles/9999", "cycle"),
        ("/units/9999", "unit"),
        ("/kpis/9999", "kpi"),
        ("/kpis/9999/readings", "kpi"),
        ("/key-results/9999/checkins", "key_result"),
        ("/no/such/route", None),
    ],
)
def test_what_does_not_exist_gets_404(client, keys, url, field):
    error_of(client.get(url, headers=keys["admin"]), 404, field)


def test_an_archived_key_result_is_not_found_and_takes_no_checkin(db, org, client, keys):
    writes.archive_key_result(
        db, org.kr_decrease, person=writes.SYSTEM, version=version(db, "key_results", org.kr_decrease)
    )
    error_of(client.get(f"/key-results/{org.kr_decrease}", headers=keys["admin"]), 404, "key_result")
    error_of(
        client.post(
            f"/key-results/{org.kr_decrease}/checkins",
            headers=keys["admin"],
            json={"value": 500, "confidence": 5, "date": "2026-02-01"},
        ),
        404,
        "key_result",
    )
    assert count(db, "checkins") == 1


def test_a_method_a_route_does_not_take_gets_405(client, keys, org):
    response = client.delete(f"/key-results/{org.kr_increase}/checkins", headers=keys["admin"])
    error_of(response, 405, None)
    assert "POST" in response.headers["allow"]


# --- reads: the pages' figures, filters, pages ----------------------------------------------


def test_key_results_carry_the_figures_the_pages_compute(db, org, client, keys):
    writes.add_checkin(db, org.kr_decrease, "2026-03-30", 500, 3, person=writes.SYSTEM)  # the cycle's last days
    data = client.get("/key-results", headers=keys["viewer"]).json()
    expected = queries.key_results(db, org.cycle).set_index("kr_id")
    assert data["cycle_id"] == org.cycle and data["total"] == len(expected) == 4
    for row in data["data"]:
        page = expected.loc[row["id"]]
        assert row["progress"] == pytest.approx(page["progress"])
        assert row["pace"] == pytest.approx(page["pace"])
        assert row["status"] == page["status"]
    decrease = next(r for r in data["data"] if r["id"] == org.kr_decrease)
    assert decrease["progress"] == pytest.approx(0.5) and decrease["status"] == "off_track"


def test_a_cycle_carries_the_overviews_headline_figures(db, org, client, keys):
    figures = client.get(f"/cycles/{org.cycle}?unit=Product", headers=keys["viewer"]).json()["data"]["figures"]
    summary = queries.cycle_summary(db, org.cycle, org.product)
    assert figures["progress"] == pytest.approx(summary["progress"])
    assert figures["objective_count"] == summary["objective_count"] == 2
    assert figures["status_counts"] == summary["status_counts"]


def test_filters_by_cycle_and_unit_work_as_the_sidebar(org, client, keys):
    h = keys["viewer"]
    product = client.get("/objectives?unit=product", headers=h).json()
    assert {r["id"] for r in product["data"]} == {org.product_obj, org.platform_obj}
    by_id = client.get(f"/objectives?unit={org.product}", headers=h).json()
    assert by_id["data"] == product["data"]
    next_cycle = client.get("/objectives?cycle=2026 Q2", headers=h).json()
    assert next_cycle["cycle_id"] == org.next_cycle and [r["id"] for r in next_cycle["data"]] == [org.next_company_obj]
    one = client.get(f"/key-results?objective={org.platform_obj}", headers=h).json()["data"]
    assert {r["id"] for r in one} == {org.kr_increase, org.kr_decrease}
    units = client.get(f"/units?unit={org.product}", headers=h).json()["data"]
    assert [u["name"] for u in units] == ["Product", "Mobile", "Platform"]
    kpis = client.get(f"/kpis?unit={org.sales}", headers=h).json()
    assert kpis["total"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cycle=1999 Q9", "cycle"),
        ("unit=Nowhere", "unit"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("offset=-1", "offset"),
        ("limit=ten", "limit"),
        ("cylce=1", "cylce"),
        ("objective=x", "objective"),
    ],
)
def test_a_bad_filter_gets_422_naming_it(client, keys, query, field):
    error_of(client.get(f"/key-results?{query}", headers=keys["viewer"]), 422, field)


def test_pages_of_a_list_add_up_to_the_whole_list(client, keys):
    h = keys["viewer"]
    whole = client.get("/key-results", headers=h).json()
    pages, offset = [], 0
    while offset < whole["total"]:
        part = client.get(f"/key-results?limit=3&offset={offset}", headers=h).json()
        assert part["limit"] == 3 and part["offset"] == offset and part["total"] == whole["total"]
        pages += part["data"]
        offset += 3
    assert pages == whole["data"]
    assert client.get("/key-results?offset=999", headers=h).json()["data"] == []


def test_a_list_read_page_by_page_shows_every_change_made_in_between(db, org, client, keys):
    h = keys["viewer"]

    def value():
        rows = client.get("/key-results?limit=1", headers=h).json()["data"]
        rows += client.get("/key-results?limit=3&offset=1", headers=h).json()["data"]
        return next(r["value"] for r in rows if r["id"] == org.kr_increase)

    assert value() == 20.0
    writes.add_checkin(
        db, org.kr_increase, "2026-02-01", 30, 7, person=writes.SYSTEM
    )  # another connection: a page, the CLI
    assert value() == 30.0
    client.post(
        f"/key-results/{org.kr_increase}/checkins",
        headers=keys["lead"],
        json={"value": 40, "confidence": 7, "date": "2026-02-02"},
    )
    assert value() == 40.0


def test_checkins_and_readings_of_one_thing(db, org, client, keys):
    h = keys["viewer"]
    checkins = client.get(f"/key-results/{org.kr_increase}/checkins", headers=h).json()["data"]
    assert [(c["id"], c["value"], c["confidence"], c["author_name"]) for c in checkins] == [
        (org.checkin, 20.0, 7, "Lee Lead")
    ]
    writes.add_kpi_reading(db, org.kpi, "2026-01-10", 99.95, person=writes.SYSTEM)
    writes.add_kpi_reading(db, org.kpi, "2026-02-10", 99.99, person=writes.SYSTEM)
    since = client.get(f"/kpis/{org.kpi}/readings?since=2026-02-01", headers=h).json()["data"]
    assert [(r["date"], r["value"]) for r in since] == [("2026-02-10", 99.99)]


# --- 429, 503, 500 -----------------------------------------------------------------------------


def test_each_token_has_its_own_rate_limit(path, clock, keys):
    client = TestClient(api.make_app(path, rate_per_minute=3, clock=clock))
    for _ in range(3):
        assert client.get("/me", headers=keys["lead"]).status_code == 200
    refused = client.get("/me", headers=keys["lead"])
    error_of(refused, 429, "token")
    assert refused.headers["retry-after"] == "20"
    assert client.get("/me", headers=keys["viewer"]).status_code == 200  # another token
    clock.now += 20
    assert client.get("/me", headers=keys["lead"]).status_code == 200


def test_the_rate_comes_from_the_environment(monkeypatch, path):
    monkeypatch.setenv(api.RATE_LIMIT_ENV, "120")
    assert api.make_app(path).state.api.limiter.per_minute == 120
    monkeypatch.setenv(api.RATE_LIMIT_ENV, "lots")
    with pytest.raises(api.ValidationError, match=api.RATE_LIMIT_ENV):
        api.make_app(path)


def test_a_busy_database_gets_503_and_the_write_is_not_half_done(db, org, path, client, keys, monkeypatch):
    monkeypatch.setattr(api, "BUSY_TIMEOUT_MS", 50)
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        response = client.post(
            f"/key-results/{org.kr_increase}/checkins",
            headers=keys["lead"],
            json={"value": 50, "confidence": 5, "date": "2026-02-01"},
        )
    finally:
        blocker.rollback()
        blocker.close()
    body = error_of(response, 503, None)
    assert body["error"] == "busy" and response.headers["retry-after"] == "1"
    assert count(db, "checkins") == 1


def test_no_database_yet_gets_503(tmp_path):
    client = TestClient(api.make_app(tmp_path / "none.db", rate_per_minute=10))
    assert error_of(client.get("/me", headers={"Authorization": "Bearer okr_x"}), 503, None)["error"] == "not_ready"
    assert not (tmp_path / "none.db").exists()


def test_a_database_that_cannot_be_used_gets_503_without_its_detail(tmp_path, caplog):
    broken = tmp_path / "okr.db"
    broken.write_bytes(b"this is not an SQLite database, it only has the name of one" * 20)
    client = TestClient(api.make_app(broken, rate_per_minute=10))
    with caplog.at_level(logging.ERROR, logger="okrdata.api"):
        response = client.get("/me", headers={"Authorization": "Bearer okr_x"})
    assert error_of(response, 503, None)["error"] == "unavailable"
    assert str(tmp_path) not in response.text and str(tmp_path) in caplog.text


def test_an_unforeseen_failure_gets_a_bare_500_and_is_logged(client, keys, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail /srv/okr.db")

    monkeypatch.setattr(api_reads, "kpis", broken)
    with caplog.at_level(logging.ERROR, logger="okrdata.api"):
        response = client.get("/kpis", headers=keys["viewer"])
    body = error_of(response, 500, None)
    assert "secret detail" not in response.text and body["error"] == "internal"
    assert "secret detail" in caplog.text and "GET /kpis" in caplog.text


@pytest.mark.slow
def test_concurrent_writes_through_the_api_lose_nothing(db, org, path, keys):
    client = TestClient(api.make_app(path, rate_per_minute=10_000))
    errors: list = []

    def write(n: int) -> None:
        for i in range(5):
            r = client.post(
                f"/key-results/{org.kr_increase}/checkins",
                headers=keys["lead"],
                json={"value": n * 5 + i, "confidence": 5, "date": "2026-02-01"},
            )
            if r.status_code != 201:
                errors.append(r.text)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(v for (v,) in db.execute("SELECT value FROM checkins WHERE checkin_date = '2026-02-01'")) == list(
        range(40)
    )


def test_docs_api_md_lists_every_route():
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text()
    for endpoint in api.ENDPOINTS:
        path = re.sub(r"\{[a-z_]+\}", "{id}", endpoint.path)
        assert f"`{endpoint.method} {api.PREFIX}{path}`" in guide, (endpoint.method, path)


def test_the_api_modules_never_import_streamlit():
    import ast
    from pathlib import Path

    folder = Path(api.__file__).parent
    for name in ("api.py", "api_reads.py", "api_spec.py", "tokens.py", "cli/tokens.py", "cli/feeds.py", "cli/entry.py"):
        tree = ast.parse((folder / name).read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not any(m.split(".")[0] == "streamlit" for m in imported), name
