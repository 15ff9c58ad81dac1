"""The HTTP API under ``/api/v1``: bearer tokens, JSON in and out, the pages' figures and checks.

:func:`make_app` builds a Starlette application; ``app.py`` mounts it at :data:`PREFIX` on
Streamlit's ``st.App``, so the process ``streamlit run app.py`` starts serves both the pages and
the API. Its routes are :data:`ENDPOINTS`; what they answer comes from :mod:`okrdata.api_reads`
(the pages' queries) and their writes go through :mod:`okrdata.writes` as the token's person,
so the same validation, permissions and transactions apply as on the pages. The OpenAPI
description (:mod:`okrdata.api_spec`) is served at ``/api/v1/openapi.json``; ``docs/api.md`` is
the guide.

Every request but the description's needs ``Authorization: Bearer TOKEN`` (:mod:`okrdata.tokens`).
Each is handled in a worker thread (the event loop also carries the pages' websockets) with a
short connection of its own. Answers, and what each error status means:

- 200 / 201: ``{"data": ...}``; lists add ``total``, ``limit`` and ``offset`` (a page at a time,
  :data:`okrdata.api_reads.MAX_LIMIT` at most);
- 401: no token, or one unknown, expired, revoked or whose person is archived;
- 403: the token's person may not write that unit (the refusal :mod:`okrdata.auth` gives the pages);
- 404: no such thing (or archived), or no such route; 405: a method the route does not take;
- 413: a body over :data:`MAX_BODY_BYTES`;
- 422: invalid input: ``field`` names it and ``problem`` says what is wrong, as on the pages;
- 429: more than the token's rate (:data:`RATE_LIMIT_ENV`), with ``Retry-After``;
- 503: the database is busy past :data:`BUSY_TIMEOUT_MS`, not created yet, or cannot be used (a
  read-only or full disk: the detail goes to the log), with ``Retry-After``;
- 500: anything unforeseen: logged here with its traceback, answered with no detail.

Every error is ``{"error": CODE, "field": NAME or null, "problem": SENTENCE}``, never HTML or a
traceback. Each response carries ``Server-Timing: app;dur=MS, cpu;dur=MS``: the time from the
request's arrival to its answer, and the processor time its worker thread used (which a busy
machine inflates less).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
from anyio import CapacityLimiter, to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from okrdata import api_reads as reads
from okrdata import auth, schema, tokens
from okrdata.db import DatabaseBusy, DatabaseError, connect, db_path, explain
from okrdata.errors import ValidationError

PREFIX = "/api/v1"
RATE_LIMIT_ENV = "OKR_API_RATE_LIMIT"
"""Requests a minute each token may make (default :data:`DEFAULT_RATE_PER_MINUTE`), in bursts of
up to as many: a bucket of that many requests per token, refilled evenly over the minute."""
DEFAULT_RATE_PER_MINUTE = 600
BUSY_TIMEOUT_MS = 5_000
"""How long a request waits for another writer's lock before it is answered 503 (the pages wait longer)."""
MAX_BODY_BYTES = 64 * 1024
API_THREADS = 8
"""Worker threads the API's requests share, apart from those Streamlit serves its files with: a
flood of API calls waits its turn instead of slowing the pages' downloads (SQLite takes one
writer at a time, and the figures are computed under Python's one lock, anyway)."""
NO_SNIFFING = {"X-Content-Type-Options": "nosniff"}
"""On every answer: a browser shown one takes it as the JSON it says it is, never as a page."""
PERMISSION_FIELDS = ("unit", "role")
KEPT_LISTS = 8
"""The fields :mod:`okrdata.auth` names when it refuses a write: answered 403, not 422."""

log = logging.getLogger("okrdata.api")


class ApiError(Exception):
    """An answer other than success: its status, a short code, the field concerned and a sentence."""

    def __init__(
        self, status: int, error: str, problem: str, field: str | None = None, headers: Mapping[str, str] | None = None
    ):
        super().__init__(problem)
        self.status, self.error, self.problem, self.field = status, error, problem, field
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.error, "field": self.field, "problem": self.problem},
            status_code=self.status,
            headers={**self.headers, **NO_SNIFFING},
        )


def refused(error: ValidationError, *, writing: bool) -> ApiError:
    """The answer to a ValidationError: 503 for a database that is busy or cannot be used, 404 for a
    missing thing, 403 for a write the person may not make, else 422, each with the field and the
    message the pages would show."""
    if isinstance(error, DatabaseBusy):
        return ApiError(
            503,
            "busy",
            "the database is busy with other writes; nothing was saved, try again in a moment.",
            headers={"Retry-After": "1"},
        )
    if isinstance(error, DatabaseError):  # the server's file, not the client's input: its detail is for the log
        log.error("API: the database cannot be used: %s", error.message)
        return ApiError(
            503,
            "unavailable",
            "the database cannot be used right now; the server's log says why.",
            headers={"Retry-After": "30"},
        )
    if isinstance(error, reads.NotFound):
        return ApiError(404, "not_found", error.message, error.field)
    if writing and error.field in PERMISSION_FIELDS:
        return ApiError(403, "forbidden", error.message, error.field)
    return ApiError(422, "invalid", error.message, error.field)


class RateLimiter:
    """A bucket per token: ``per_minute`` requests, refilled evenly; thread-safe, in this process's memory."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute, self.clock = per_minute, clock
        self._buckets: dict[Any, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: Any) -> float | None:
        """Spend one request of ``key``'s bucket; None when allowed, else the seconds until the next one."""
        rate = self.per_minute / 60.0
        now = self.clock()
        with self._lock:
            left, then = self._buckets.get(key, (float(self.per_minute), now))
            left = min(float(self.per_minute), left + (now - then) * rate)
            if left < 1.0:
                self._buckets[key] = (left, now)
                return (1.0 - left) / rate
            self._buckets[key] = (left - 1.0, now)
            return None


def rate_from_environment() -> int:
    """:data:`RATE_LIMIT_ENV` as a whole number of requests a minute (default :data:`DEFAULT_RATE_PER_MINUTE`)."""
    text = os.environ.get(RATE_LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_RATE_PER_MINUTE
    if not text.isdigit() or int(text) < 1:
        raise ValidationError(RATE_LIMIT_ENV, f"must be a whole number of requests a minute, 1 or more; got {text!r}.")
    return int(text)


@dataclass(frozen=True)
class Call:
    """What a handler gets from the request: path parameters, query parameters, the JSON body, and
    ``kept(key, build)``, which answers ``build()`` kept from an earlier call while the database is
    unchanged (:class:`Kept`)."""

    path: Mapping[str, str]
    query: Mapping[str, str]
    body: Any = None
    kept: Callable[[tuple, Callable[[], Any]], Any] = lambda key, build: build()

    def arg(self, name: str) -> str | None:
        return self.query.get(name)


class Kept:
    """Lists computed for earlier calls, kept while the database has not changed since.

    A client reading every key result asks page after page for the same list, which the pages'
    queries compute whole (at 100 times the demo's size, ~0.2 s each time): the list is computed
    once and the later pages are cut from it. Whether anything changed is SQLite's
    ``PRAGMA data_version``, read on a connection of its own, which changes with every commit by
    any other connection (a page, the CLI, another request); the day is part of the key, since
    pace and staleness move with it. At most :data:`KEPT_LISTS` lists are kept.
    """

    def __init__(self, db_file: Path):
        self.db_file = db_file
        self._lists: dict[tuple, Any] = {}
        self._lock = threading.Lock()
        self._watch: sqlite3.Connection | None = None

    def _version(self) -> int:
        with self._lock:
            if self._watch is None:
                self._watch = sqlite3.connect(self.db_file, check_same_thread=False)
            return self._watch.execute("PRAGMA data_version").fetchone()[0]

    def __call__(self, key: tuple, build: Callable[[], Any]) -> Any:
        full = (self._version(), dt.date.today(), *key)
        with self._lock:
            if full in self._lists:
                return self._lists[full]
        value = build()
        with self._lock:
            self._lists = {k: v for k, v in self._lists.items() if k[0] == full[0]}  # older versions are stale
            while len(self._lists) >= KEPT_LISTS:
                self._lists.pop(next(iter(self._lists)))
            self._lists[full] = value
        return value


Handler = Callable[[sqlite_utils.Database, dict, Call], Any]
"""``handler(db, who, call)``: ``who`` is what :func:`okrdata.tokens.authenticate` returns."""


@dataclass(frozen=True)
class Endpoint:
    """One route of the API: method, path (below :data:`PREFIX`), handler, the query parameters it
    takes, whether it writes (then it answers 201, and 403 for a refused permission)."""

    method: str
    path: str
    handler: Handler
    query: tuple[str, ...] = ()
    writes: bool = False
    summary: str = field(default="", compare=False)


PAGED = ("limit", "offset")


def _me(db, who, call):
    person = who["person"]
    return {
        "data": {
            "person": person,
            "token": {"id": who["token_id"], "name": who["token_name"], "expires_on": who["expires_on"]},
            "editable_unit_ids": sorted(auth.editable_unit_ids(db, person["id"])),
        }
    }


def _cycles(db, who, call):
    return reads.page(reads.cycles(db), call.arg("limit"), call.arg("offset"))


def _listed_by(name: str, getter: Callable, *filters: str) -> Handler:
    """A list endpoint: ``getter(db, *filters)`` gives (the cycle used, the rows), kept between pages."""

    def handler(db, who, call):
        values = tuple(call.arg(f) for f in filters)
        used, rows = call.kept((name, *values), lambda: getter(db, *values))
        return reads.page(rows, call.arg("limit"), call.arg("offset"), cycle_id=used)

    return handler


def _kpis(db, who, call):
    rows = call.kept(("kpis", call.arg("unit")), lambda: reads.kpis(db, call.arg("unit")))
    return reads.page(rows, call.arg("limit"), call.arg("offset"))


_units = _listed_by("units", reads.units, "cycle", "unit")
_objectives = _listed_by("objectives", reads.objectives, "cycle", "unit")
_key_results = _listed_by("key-results", reads.key_results, "cycle", "unit", "objective")


def _one(getter: Callable, param: str, *extra: str) -> Handler:
    def handler(db, who, call):
        return {"data": getter(db, call.path[param], *(call.arg(name) for name in extra))}

    return handler


def _listed(getter: Callable, param: str, *extra: str) -> Handler:
    def handler(db, who, call):
        rows = getter(db, call.path[param], *(call.arg(name) for name in extra))
        return reads.page(rows, call.arg("limit"), call.arg("offset"))

    return handler


def _post_checkin(db, who, call):
    return {"data": reads.add_checkin(db, call.path["key_result_id"], call.body, person=who["person"])}


def _post_reading(db, who, call):
    return {"data": reads.add_reading(db, call.path["kpi_id"], call.body, person=who["person"])}


ENDPOINTS = (
    Endpoint("GET", "/me", _me, summary="Who the token acts as, and the units it may write"),
    Endpoint("GET", "/cycles", _cycles, PAGED, summary="Every cycle, newest first"),
    Endpoint(
        "GET",
        "/cycles/{cycle_id}",
        _one(reads.cycle, "cycle_id", "unit"),
        ("unit",),
        summary="One cycle with its headline figures",
    ),
    Endpoint("GET", "/units", _units, ("cycle", "unit", *PAGED), summary="The unit tree with each branch's figures"),
    Endpoint(
        "GET",
        "/units/{unit_id}",
        _one(reads.unit, "unit_id", "cycle"),
        ("cycle",),
        summary="One unit with its branch's figures",
    ),
    Endpoint("GET", "/objectives", _objectives, ("cycle", "unit", *PAGED), summary="A cycle's objectives"),
    Endpoint(
        "GET",
        "/objectives/{objective_id}",
        _one(reads.objective, "objective_id"),
        summary="One objective with its key results",
    ),
    Endpoint(
        "GET",
        "/key-results",
        _key_results,
        ("cycle", "unit", "objective", *PAGED),
        summary="A cycle's key results with their figures",
    ),
    Endpoint(
        "GET",
        "/key-results/{key_result_id}",
        _one(reads.key_result, "key_result_id"),
        summary="One key result with its figures",
    ),
    Endpoint(
        "GET",
        "/key-results/{key_result_id}/checkins",
        _listed(reads.checkins, "key_result_id"),
        PAGED,
        summary="A key result's check-ins, oldest first",
    ),
    Endpoint("POST", "/key-results/{key_result_id}/checkins", _post_checkin, writes=True, summary="Record a check-in"),
    Endpoint("GET", "/kpis", _kpis, ("unit", *PAGED), summary="The KPIs with their latest reading and health"),
    Endpoint("GET", "/kpis/{kpi_id}", _one(reads.kpi, "kpi_id"), summary="One KPI"),
    Endpoint(
        "GET",
        "/kpis/{kpi_id}/readings",
        _listed(reads.readings, "kpi_id", "since"),
        ("since", *PAGED),
        summary="A KPI's readings, oldest first",
    ),
    Endpoint("POST", "/kpis/{kpi_id}/readings", _post_reading, writes=True, summary="Record a KPI reading"),
)


class Api:
    """The state the routes share: the database file, the rate limiter, whether the schema was checked."""

    def __init__(
        self,
        db_file: str | os.PathLike | None = None,
        *,
        rate_per_minute: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.db_file = Path(db_file) if db_file is not None else db_path().absolute()
        self.limiter = RateLimiter(rate_per_minute or rate_from_environment(), clock)
        self._schema_checked = False
        self._schema_lock = threading.Lock()
        self._threads: CapacityLimiter | None = None
        self.kept = Kept(self.db_file)

    def threads(self) -> CapacityLimiter:
        """The API's own pool of :data:`API_THREADS` worker threads (made in the server's event loop)."""
        if self._threads is None:
            self._threads = CapacityLimiter(API_THREADS)
        return self._threads

    def open(self) -> sqlite_utils.Database:
        """A short connection with the API's busy timeout; 503 while there is no dashboard database yet.

        The API never creates the file: the first page view does, with the demo (``ui.data``),
        or ``okr init``. Its schema is brought up to date once per process, as the pages do.
        """
        if not self.db_file.exists():
            raise ApiError(
                503,
                "not_ready",
                "the dashboard has no database yet: open it once, or run okr init.",
                headers={"Retry-After": "5"},
            )
        db = connect(self.db_file, create=False)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not self._schema_checked:
            with self._schema_lock:
                if not self._schema_checked:
                    if schema.schema_version(db) == 0:
                        db.close()
                        raise ApiError(
                            503,
                            "not_ready",
                            "the dashboard's database is not set up yet: open it once, or run okr init.",
                            headers={"Retry-After": "5"},
                        )
                    schema.migrate(db)
                    self._schema_checked = True
        return db

    def serve(self, endpoint: Endpoint, token: str | None, call: Call) -> tuple[int, Any, float]:
        """Authenticate, rate-limit and run one request (in a worker thread); raise ApiError for any refusal.

        Returns the status, the payload and the CPU time the thread spent (in ms).
        """
        cpu = time.thread_time()
        status, payload = self._serve(endpoint, token, call)
        return status, payload, (time.thread_time() - cpu) * 1000

    def _serve(self, endpoint: Endpoint, token: str | None, call: Call) -> tuple[int, Any]:
        try:
            db = self.open()
        except ValidationError as error:
            raise refused(error, writing=endpoint.writes) from None
        except sqlite3.Error as error:
            raise _explained(error) from None
        try:
            try:
                who = tokens.authenticate(db, token)
            except tokens.TokenRefused as error:
                raise ApiError(
                    401,
                    "unauthorized",
                    error.message,
                    "token",
                    {"WWW-Authenticate": 'Bearer realm="okr", error="invalid_token"'},
                ) from None
            wait = self.limiter.take(who["token_id"])
            if wait is not None:
                seconds = max(1, math.ceil(wait))
                raise ApiError(
                    429,
                    "rate_limited",
                    f"this token may make {self.limiter.per_minute} requests a minute; wait {seconds} s and try again.",
                    "token",
                    {"Retry-After": str(seconds)},
                )
            unknown = sorted(set(call.query) - set(endpoint.query))
            if unknown:
                takes = ", ".join(endpoint.query) or "none"
                raise ValidationError(
                    unknown[0], f"is not a parameter of {endpoint.method} {PREFIX}{endpoint.path} (it takes: {takes})."
                )
            if "limit" in endpoint.query:  # refused before the figures are computed, not after
                reads.paging(call.arg("limit"), call.arg("offset"))
            return (201 if endpoint.writes else 200), endpoint.handler(db, who, call)
        except ValidationError as error:
            raise refused(error, writing=endpoint.writes) from None
        except sqlite3.Error as error:
            raise _explained(error) from None
        finally:
            db.close()


def _explained(error: sqlite3.Error) -> Exception:
    """The answer to an error SQLite raised outside a transaction: 503 when the database was busy or
    cannot be used (:func:`okrdata.db.explain`); else the error itself, a bug (500)."""
    readable = explain(error)
    return error if readable is None else refused(readable, writing=False)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


async def _json_body(request: Request) -> Any:
    import json

    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", f"a request body may be {MAX_BODY_BYTES} bytes at most.", "body")
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_BODY_BYTES:
            raise ApiError(413, "too_large", f"a request body may be {MAX_BODY_BYTES} bytes at most.", "body")
    try:
        return json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(422, "invalid", 'must be JSON, such as {"value": 42}.', "body") from None


def _internal(request: Request, exc: BaseException) -> JSONResponse:
    log.error("API %s %s failed", request.method, request.url.path, exc_info=exc)
    return ApiError(500, "internal", "something went wrong on the server; it was logged.").response()


def _route(api: Api, endpoints: list[Endpoint]) -> Callable:
    """The function answering one path, for each method one endpoint of the path takes."""
    by_method = {e.method: e for e in endpoints}

    async def run(request: Request) -> JSONResponse:
        endpoint = by_method["GET" if request.method == "HEAD" else request.method]
        started, cpu = time.perf_counter(), None
        try:
            body = await _json_body(request) if endpoint.writes else None
            call = Call(dict(request.path_params), dict(request.query_params), body, api.kept)
            status, payload, cpu = await to_thread.run_sync(
                api.serve, endpoint, _bearer(request), call, limiter=api.threads()
            )
            response = JSONResponse(payload, status_code=status, headers=NO_SNIFFING)
        except ApiError as error:
            response = error.response()
        except Exception as exc:  # noqa: BLE001 (the one place every other failure ends: logged, answered 500)
            response = _internal(request, exc)
        timing = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        response.headers["Server-Timing"] = timing if cpu is None else f"{timing}, cpu;dur={cpu:.1f}"
        return response

    run.__name__ = endpoints[0].path.strip("/").replace("/", "_").replace("{", "").replace("}", "") or "root"
    return run


async def _not_found(request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code == 405:
        return ApiError(405, "method_not_allowed", f"{request.method} is not taken here.", None, exc.headers).response()
    return ApiError(
        exc.status_code,
        "not_found" if exc.status_code == 404 else "http_error",
        f"there is nothing at {request.url.path}; see {PREFIX}/openapi.json."
        if exc.status_code == 404
        else str(exc.detail),
    ).response()


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    return _internal(request, exc)


def make_app(
    db_file: str | os.PathLike | None = None,
    *,
    rate_per_minute: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Starlette:
    """The API as a Starlette application, to mount at :data:`PREFIX` (``app.py`` does).

    ``db_file`` defaults to ``$OKR_DB`` (else ``data/okr.db``), as the pages'; ``rate_per_minute``
    to :data:`RATE_LIMIT_ENV`. A bad rate in the environment stops the server at start, saying why.
    """
    from okrdata import api_spec

    api = Api(db_file, rate_per_minute=rate_per_minute, clock=clock)

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(api_spec.spec(), headers=NO_SNIFFING)

    by_path: dict[str, list[Endpoint]] = {}
    for e in ENDPOINTS:
        by_path.setdefault(e.path, []).append(e)
    routes = [Route(p, _route(api, group), methods=[e.method for e in group]) for p, group in by_path.items()]
    routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    app = Starlette(routes=routes, exception_handlers={HTTPException: _not_found, Exception: _unhandled})
    app.state.api = api
    return app
