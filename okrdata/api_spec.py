"""The OpenAPI 3.1 description of the HTTP API, written by hand and served at ``/api/v1/openapi.json``.

Written rather than generated, so that it says what a client needs to know (what a figure
means, what each status answers); ``tests/test_api.py`` holds it to the code: every route of
:data:`okrdata.api.ENDPOINTS` is described here with the query parameters it takes and
nothing else is, and each schema lists exactly the fields the API returns.
"""

from __future__ import annotations

from typing import Any

from okrdata import api_reads as reads

STATUSES = ["on_track", "at_risk", "stale", "off_track"]
HEALTH = ["healthy", "warning", "breached", "no_data"]


def _t(kind: str | list[str], description: str = "", nullable: bool = False, **more: Any) -> dict:
    kinds = [kind] if isinstance(kind, str) else list(kind)
    out: dict[str, Any] = {"type": kinds + ["null"] if nullable else (kinds[0] if len(kinds) == 1 else kinds)}
    if description:
        out["description"] = description
    return {**out, **more}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required: list[str] | None = None, description: str = "") -> dict:
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
    }
    if description:
        out["description"] = description
    return out


FRACTION = "a fraction: 0.25 is 25 %"
PACE = "progress minus expected, a fraction: -0.1 is ten points behind the expected pace"

CYCLE = {
    "id": _t("integer"),
    "name": _t("string"),
    "start_date": _t("string", format="date"),
    "end_date": _t("string", format="date"),
    "state": _t("string", enum=["planning", "active", "closed"]),
    "current": _t("boolean", "the cycle the pages open on (the active one running today)"),
}
FIGURES = {
    "unit_id": _t("integer", "the unit whose branch the figures cover; null: the whole company", nullable=True),
    "as_of": _t("string", "the day the figures are computed for (today, or the end of a past cycle)", format="date"),
    "progress": _t("number", "weighted mean of the objectives in scope, " + FRACTION),
    "expected": _t("number", "the elapsed part of the cycle, " + FRACTION),
    "pace": _t("number", PACE),
    "days_left": _t("integer"),
    "objective_count": _t("integer"),
    "key_result_count": _t("integer"),
    "status_counts": _t("object", "key results per status", additionalProperties=_t("integer")),
    "objective_status_counts": _t("object", "objectives per status", additionalProperties=_t("integer")),
}
UNIT = {
    "id": _t("integer"),
    "name": _t("string"),
    "parent_id": _t("integer", nullable=True),
    "kind": _t("string", enum=["company", "department", "team"]),
    "path": _t("string", "Company / Department / Team"),
    "depth": _t("integer"),
    "lead_id": _t("integer", nullable=True),
    "lead_name": _t("string", nullable=True),
    "description": _t("string"),
    "objective_count": _t("integer", "objectives of the branch in the cycle", nullable=True),
    "progress": _t("number", "the branch's progress, " + FRACTION, nullable=True),
    "expected": _t("number", nullable=True),
    "pace": _t("number", PACE, nullable=True),
    "status": _t("string", "the weakest of the branch's objectives", nullable=True, enum=STATUSES + [None]),
}
OBJECTIVE = {
    "id": _t("integer"),
    "cycle_id": _t("integer"),
    "unit_id": _t("integer"),
    "unit_name": _t("string"),
    "title": _t("string"),
    "description": _t("string"),
    "owner_id": _t("integer", nullable=True),
    "owner_name": _t("string", nullable=True),
    "kind": _t("string", enum=["committed", "aspirational"]),
    "weight": _t("number"),
    "parent_objective_id": _t("integer", nullable=True),
    "parent_key_result_id": _t("integer", nullable=True),
    "key_result_count": _t("integer"),
    "progress": _t("number", "weighted mean of its key results, " + FRACTION),
    "expected": _t("number"),
    "pace": _t("number", PACE),
    "status": _t("string", "its weakest key result's", enum=STATUSES),
    "forecast_score": _t("number", "projected score at the cycle's end", nullable=True),
    "score": _t("number", "the score, once the cycle is closed", nullable=True),
    "score_reason": _t("string", nullable=True),
    "reflection": _t("string", nullable=True),
}
KEY_RESULT = {
    "id": _t("integer"),
    "objective_id": _t("integer"),
    "objective_title": _t("string"),
    "unit_id": _t("integer"),
    "unit_name": _t("string"),
    "cycle_id": _t("integer"),
    "title": _t("string"),
    "type": _t("string", enum=["increase", "decrease", "stay_above", "stay_below", "milestone"]),
    "baseline": _t("number", nullable=True),
    "target": _t("number", nullable=True),
    "unit_label": _t("string"),
    "weight": _t("number"),
    "owner_id": _t("integer", nullable=True),
    "owner_name": _t("string", nullable=True),
    "kpi_id": _t("integer", "the KPI it is measured by", nullable=True),
    "cadence_days": _t("integer"),
    "value": _t("number", "the latest check-in's value (null: none yet, it sits at its baseline)", nullable=True),
    "confidence": _t("integer", "the latest confidence, 0-10", nullable=True),
    "last_checkin_id": _t("integer", nullable=True),
    "last_checkin_date": _t("string", nullable=True, format="date"),
    "last_note": _t("string", nullable=True),
    "checkin_count": _t("integer"),
    "days_since_checkin": _t("integer", nullable=True),
    "progress": _t("number", FRACTION),
    "expected": _t("number"),
    "pace": _t("number", PACE),
    "status": _t("string", "from the latest confidence; stale after its cadence and 3 days' grace", enum=STATUSES),
    "forecast_value": _t("number", "a line through 3+ check-ins, at the cycle's end", nullable=True),
    "forecast_score": _t("number", nullable=True),
    "trending_off_track": _t("boolean"),
    "divergence": _t("string", "confidence at odds with pace, two check-ins running", nullable=True),
}
CHECKIN = {
    "id": _t("integer"),
    "key_result_id": _t("integer"),
    "date": _t("string", format="date"),
    "value": _t("number"),
    "confidence": _t("integer"),
    "note": _t("string"),
    "author_id": _t("integer", nullable=True),
    "author_name": _t("string", nullable=True),
    "created_at": _t("string", format="date-time"),
    "updated_at": _t("string", format="date-time"),
    "version": _t("integer"),
}
KPI = {
    "id": _t("integer"),
    "unit_id": _t("integer"),
    "unit_name": _t("string"),
    "name": _t("string"),
    "unit_label": _t("string"),
    "target_type": _t("string", enum=["stay_above", "stay_below", "increase", "decrease"]),
    "target": _t("number"),
    "warning": _t("number", nullable=True),
    "frequency_days": _t("integer"),
    "description": _t("string"),
    "last_value": _t("number", nullable=True),
    "last_reading_date": _t("string", nullable=True, format="date"),
    "reading_count": _t("integer"),
    "health": _t("string", enum=HEALTH),
    "days_since_reading": _t("integer", nullable=True),
    "overdue": _t("boolean", "no reading within its frequency and 3 days' grace"),
    "linked_key_result_ids": _t("array", items=_t("integer")),
}
READING = {
    "kpi_id": _t("integer"),
    "date": _t("string", format="date"),
    "value": _t("number"),
    "author_id": _t("integer", nullable=True),
}
PERSON = {
    "id": _t("integer"),
    "name": _t("string"),
    "email": _t("string"),
    "role": _t("string", enum=["viewer", "lead", "admin"]),
    "archived": _t("integer"),
}

SCHEMAS: dict[str, dict] = {
    "Error": _object(
        {
            "error": _t(
                "string",
                "unauthorized, forbidden, not_found, method_not_allowed, too_large, invalid, "
                "rate_limited, busy, not_ready, unavailable or internal",
            ),
            "field": _t("string", "the input concerned (a body field, a parameter, token, unit...)", nullable=True),
            "problem": _t("string", "what is wrong, in a sentence"),
        }
    ),
    "Cycle": _object(CYCLE),
    "CycleWithFigures": _object({**CYCLE, "figures": _object(FIGURES)}),
    "Unit": _object(UNIT),
    "UnitWithCycle": _object({**UNIT, "cycle_id": _t("integer", nullable=True)}),
    "Objective": _object(OBJECTIVE),
    "ObjectiveWithKeyResults": _object({**OBJECTIVE, "key_results": _t("array", items=_ref("KeyResult"))}),
    "KeyResult": _object(KEY_RESULT),
    "Checkin": _object(CHECKIN),
    "NewCheckin": _object(
        {**CHECKIN, "key_result": _ref("KeyResult")},
        description="the check-in saved, with the key result's new figures",
    ),
    "Kpi": _object(KPI),
    "Reading": _object(READING),
    "NewReading": _object(
        {"id": _t("integer"), **READING, "kpi": _ref("Kpi")},
        description="the reading saved, with the KPI's new figures",
    ),
    "Me": _object(
        {
            "person": _object(PERSON),
            "token": _object(
                {
                    "id": _t("integer"),
                    "name": _t("string"),
                    "expires_on": _t("string", "the last day it works", nullable=True, format="date"),
                }
            ),
            "editable_unit_ids": _t("array", "units whose check-ins and readings it may write", items=_t("integer")),
        }
    ),
    "CheckinInput": _object(
        {
            "value": _t(["number", "string"], "the key result's new value (a milestone: the fraction done, 0-1)"),
            "confidence": _t(["integer", "string"], "0-10: 7-10 on track, 4-6 at risk, 0-3 off track"),
            "note": _t("string", "progress, obstacles, learnings"),
            "date": _t("string", "YYYY-MM-DD within the key result's cycle; default today", format="date"),
        },
        required=["value", "confidence"],
    ),
    "ReadingInput": _object(
        {
            "value": _t(["number", "string"], "the KPI's value"),
            "date": _t("string", "YYYY-MM-DD, not in the future; default today", format="date"),
        },
        required=["value"],
    ),
}
"""Each resource's fields; the tests compare them with what the API returns."""

RESOURCE_FIELDS = {
    "Cycle": reads.CYCLE_FIELDS,
    "Unit": reads.UNIT_FIELDS,
    "Objective": reads.OBJECTIVE_FIELDS,
    "KeyResult": reads.KEY_RESULT_FIELDS,
    "Checkin": reads.CHECKIN_FIELDS,
    "Kpi": reads.KPI_FIELDS,
    "Reading": reads.READING_FIELDS,
}

PARAMETERS = {
    "cycle": {
        "name": "cycle",
        "in": "query",
        "schema": _t("string"),
        "description": "a cycle's id or name (default: the current cycle, as the pages choose it)",
    },
    "unit": {
        "name": "unit",
        "in": "query",
        "schema": _t("string"),
        "description": "a unit's id or name: that unit and every unit below it (default: everything)",
    },
    "objective": {
        "name": "objective",
        "in": "query",
        "schema": _t("integer"),
        "description": "only this objective's key results",
    },
    "since": {
        "name": "since",
        "in": "query",
        "schema": _t("string", format="date"),
        "description": "readings from this day on (YYYY-MM-DD)",
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "schema": _t("integer", minimum=1, maximum=reads.MAX_LIMIT, default=reads.DEFAULT_LIMIT),
        "description": f"rows per page, at most {reads.MAX_LIMIT}",
    },
    "offset": {
        "name": "offset",
        "in": "query",
        "schema": _t("integer", minimum=0, default=0),
        "description": "rows to skip: the next page starts at offset + limit, while it is below total",
    },
}

ERRORS = {
    "401": "no token, or an unknown, expired or revoked one, or its person is archived",
    "403": "the token's person may not write this unit (role, or a unit they do not lead)",
    "404": "no such thing, or archived",
    "413": "the body is over 64 KB",
    "422": "invalid input: field and problem say which and why; nothing was written",
    "429": "over the token's rate limit; Retry-After says when to try again",
    "503": "the database is busy, not created yet, or cannot be used; Retry-After says when to try again",
    "500": "an unforeseen failure, logged on the server",
}


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": _t("integer")}


def _page(item: str, with_cycle: bool = False) -> dict:
    properties = {
        "data": _t("array", items=_ref(item)),
        "total": _t("integer", "rows in all pages"),
        "limit": _t("integer"),
        "offset": _t("integer"),
    }
    if with_cycle:
        properties["cycle_id"] = _t("integer", "the cycle the figures are for", nullable=True)
    return _object(properties)


def _one(item: str) -> dict:
    return _object({"data": _ref(item)})


def _operation(
    summary: str,
    response: dict,
    params: list[str],
    path_params: list[str],
    codes: list[str],
    body: str | None = None,
    status: str = "200",
) -> dict:
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": [_path_param(p) for p in path_params] + [PARAMETERS[p] for p in params],
        "responses": {
            status: {
                "description": "OK" if status == "200" else "Created",
                "content": {"application/json": {"schema": response}},
            }
        },
    }
    for code in codes:
        op["responses"][code] = {
            "description": ERRORS[code],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    return op


READ = ["401", "422", "429", "503", "500"]
READ_ONE = ["401", "404", "422", "429", "503", "500"]
WRITE = ["401", "403", "404", "413", "422", "429", "503", "500"]
PAGED = ["limit", "offset"]


def paths() -> dict:
    """Every route below the prefix, with its operations (the description's ``paths``)."""
    return {
        "/openapi.json": {
            "get": {
                "summary": "This description",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/me": {"get": _operation("Who the token acts as, and the units it may write", _one("Me"), [], [], READ)},
        "/cycles": {"get": _operation("Every cycle, newest first", _page("Cycle"), PAGED, [], READ)},
        "/cycles/{cycle_id}": {
            "get": _operation(
                "One cycle with its headline figures (the Overview's)",
                _one("CycleWithFigures"),
                ["unit"],
                ["cycle_id"],
                READ_ONE,
            )
        },
        "/units": {
            "get": _operation(
                "The unit tree, each unit with its branch's figures for the cycle",
                _page("Unit", True),
                ["cycle", "unit", *PAGED],
                [],
                READ,
            )
        },
        "/units/{unit_id}": {
            "get": _operation(
                "One unit with its branch's figures", _one("UnitWithCycle"), ["cycle"], ["unit_id"], READ_ONE
            )
        },
        "/objectives": {
            "get": _operation(
                "A cycle's objectives with progress, pace, status, forecast and score",
                _page("Objective", True),
                ["cycle", "unit", *PAGED],
                [],
                READ,
            )
        },
        "/objectives/{objective_id}": {
            "get": _operation(
                "One objective with its key results", _one("ObjectiveWithKeyResults"), [], ["objective_id"], READ_ONE
            )
        },
        "/key-results": {
            "get": _operation(
                "A cycle's key results with every figure the pages show",
                _page("KeyResult", True),
                ["cycle", "unit", "objective", *PAGED],
                [],
                READ,
            )
        },
        "/key-results/{key_result_id}": {
            "get": _operation("One key result with its figures", _one("KeyResult"), [], ["key_result_id"], READ_ONE)
        },
        "/key-results/{key_result_id}/checkins": {
            "get": _operation(
                "A key result's check-ins, oldest first", _page("Checkin"), PAGED, ["key_result_id"], READ_ONE
            ),
            "post": _operation(
                "Record a check-in as the token's person (as the Check-in page does)",
                _one("NewCheckin"),
                [],
                ["key_result_id"],
                WRITE,
                body="CheckinInput",
                status="201",
            ),
        },
        "/kpis": {
            "get": _operation(
                "The KPIs with their latest reading, health and lateness", _page("Kpi"), ["unit", *PAGED], [], READ
            )
        },
        "/kpis/{kpi_id}": {"get": _operation("One KPI", _one("Kpi"), [], ["kpi_id"], READ_ONE)},
        "/kpis/{kpi_id}/readings": {
            "get": _operation(
                "A KPI's readings, oldest first", _page("Reading"), ["since", *PAGED], ["kpi_id"], READ_ONE
            ),
            "post": _operation(
                "Record a KPI reading as the token's person (as the Manage page does)",
                _one("NewReading"),
                [],
                ["kpi_id"],
                WRITE,
                body="ReadingInput",
                status="201",
            ),
        },
    }


def spec(prefix: str = "/api/v1") -> dict:
    """The whole description, for a server at ``prefix``."""
    from okrdata.api import DEFAULT_RATE_PER_MINUTE, RATE_LIMIT_ENV

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OKR dashboard API",
            "version": "1",
            "description": (
                "Read cycles, units, objectives, key results (with the pages' figures), KPIs and readings; "
                "record check-ins and KPI readings. Every call but this description needs "
                "`Authorization: Bearer TOKEN` (an admin makes tokens with `okr token add`). A token acts as "
                "its person: it reads everything and writes what that person may on the pages. Each token may "
                f"make {DEFAULT_RATE_PER_MINUTE} requests a minute unless the server sets {RATE_LIMIT_ENV}. "
                "Lists come a page at a time (limit, offset, total). Errors are "
                '{"error", "field", "problem"}. See docs/api.md.'
            ),
        },
        "servers": [{"url": prefix}],
        "security": [{"bearer": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "okr token add"}},
            "schemas": SCHEMAS,
        },
    }
