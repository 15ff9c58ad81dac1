"""Shared fixtures for the okrdata unit tests.

- ``db``: a fresh, fully migrated database file in ``tmp_path`` (WAL, foreign keys on).
- ``memory_db``: the same schema in memory, for tests that never need a file.
- ``org``: a small organisation built only through :mod:`okrdata.writes`, so every row in it
  passed the same validation a user's input does.
- ``snapshot``: every row of every table, to prove that a refused write changed nothing.
- ``demo_template``, ``large_template``: the demo organisation and one twice its size, for
  ``app_fixtures.demo_db``/``large_db`` and for modules that read the demo without writing.

Every database here is built once per session and copied into each test's own file
(:func:`db_copies.copy_db`): a test gets the same rows and ids as if it had built them, and
changes only its own copy. The session-wide fixtures live here and nowhere else: a fixture
imported into a test module belongs to that module, and would be built again for each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from db_copies import build_demo, build_large, copy_db

from okrdata import writes
from okrdata.db import connect
from okrdata.errors import ValidationError
from okrdata.schema import TABLES, migrate


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory):
    """One database file migrated to the latest schema per session, never written afterwards."""
    path = tmp_path_factory.mktemp("schema-template") / "okr.db"
    database = connect(path)
    migrate(database)
    database.close()
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """One demo database per test session, never opened by the app itself nor written."""
    return build_demo(tmp_path_factory.mktemp("demo-template") / "okr.db")


@pytest.fixture(scope="session")
def large_template(tmp_path_factory):
    """One generated organisation twice the demo's size per test session, never written."""
    return build_large(tmp_path_factory.mktemp("large-template") / "large.db")


@pytest.fixture
def db(request, tmp_path):
    """A fresh database file, migrated to the latest schema; holding the small organisation
    already when the test asks for ``org`` too (see :func:`org`)."""
    with_org = "org" in request.fixturenames
    template = request.getfixturevalue("org_template")[0] if with_org else request.getfixturevalue("schema_template")
    database = connect(copy_db(template, tmp_path / "okr.db"))
    migrate(database)
    database.holds_org = with_org
    yield database
    database.close()


@pytest.fixture
def memory_db():
    """A fresh in-memory database, migrated to the latest schema."""
    database = connect(":memory:")
    migrate(database)
    yield database
    database.close()


def dump(db) -> dict[str, list[tuple]]:
    """Every row of every table (schema tables and ``_migrations``), in rowid order."""
    tables = [t for t in (*TABLES, "_migrations") if t in db.table_names()]
    return {t: db.execute(f"SELECT * FROM [{t}] ORDER BY rowid").fetchall() for t in tables}


@pytest.fixture
def snapshot() -> Callable:
    """``snapshot(db)``: the full contents of the database, for before/after comparisons."""
    return dump


@pytest.fixture
def refused(snapshot) -> Callable:
    """``refused(db, field, call)``: assert ``call()`` raises a ValidationError naming ``field``
    and leaves every table exactly as it was. Returns the error for further checks."""

    def check(db, field: str, call: Callable[[], object]) -> ValidationError:
        before = snapshot(db)
        with pytest.raises(ValidationError) as info:
            call()
        error = info.value
        assert error.field == field, f"expected field {field!r}, got {error.field!r}: {error}"
        assert error.message, "the error must say what is wrong"
        assert not db.conn.in_transaction, "a refused write must not leave a transaction open"
        assert snapshot(db) == before, "a refused write changed the database"
        return error

    return check


# --- a small organisation -------------------------------------------------------------------

CYCLE_START = dt.date(2026, 1, 1)
CYCLE_END = dt.date(2026, 3, 31)


@dataclasses.dataclass
class Org:
    """Ids of a small organisation.

    Acme (company) has two departments, Product and Sales; Product has two teams, Platform and
    Mobile. In the active cycle "2026 Q1" the company, Product and Platform each have one
    objective, aligned company → Product → Platform. The next cycle "2026 Q2" is in planning
    and holds one company objective.
    """

    company: int
    product: int
    sales: int
    platform: int
    mobile: int
    admin: int
    lead: int
    viewer: int
    cycle: int
    next_cycle: int
    company_obj: int
    product_obj: int
    platform_obj: int
    next_company_obj: int
    kr_increase: int
    """Platform: "p95 coverage from 0 to 100 %" (increase)."""
    kr_decrease: int
    """Platform: "p95 latency from 800 to 200 ms" (decrease)."""
    kr_milestone: int
    """Product: a milestone."""
    kr_stay_above: int
    """Company: "uptime stays above 99.9 %"."""
    kpi: int
    """The company's KPI "Uptime" (stay above 99.9 %, warning at 99.95), measuring ``kr_stay_above``."""
    checkin: int
    """One check-in on ``kr_increase``: 2026-01-15, value 20, confidence 7."""


@pytest.fixture(scope="session")
def org_template(tmp_path_factory) -> tuple:
    """``(path, ids)``: the small organisation built once per session, never written afterwards."""
    path = tmp_path_factory.mktemp("org-template") / "okr.db"
    database = connect(path)
    migrate(database)
    ids = build_org(database)
    database.close()
    return path, ids


@pytest.fixture
def org(db, org_template) -> Org:
    """The small organisation in ``db``: already there when ``db`` is the file above (a copy of
    ``org_template``), built into it when a module brings its own ``db`` (one in memory)."""
    return dataclasses.replace(org_template[1]) if getattr(db, "holds_org", False) else build_org(db)


def build_org(db) -> Org:
    """Write the small organisation (:class:`Org`) into ``db`` through okrdata's writes."""
    admin = writes.add_person(db, "Ada Admin", "ada@acme.test", role="admin", person=writes.SYSTEM)
    lead = writes.add_person(db, "Lee Lead", "lee@acme.test", role="lead", person=writes.SYSTEM)
    viewer = writes.add_person(db, "Vic Viewer", "vic@acme.test", person=writes.SYSTEM)
    company = writes.add_unit(db, "Acme", lead_id=admin, person=writes.SYSTEM)
    product = writes.add_unit(db, "Product", parent_id=company, person=writes.SYSTEM)
    sales = writes.add_unit(db, "Sales", parent_id=company, person=writes.SYSTEM)
    platform = writes.add_unit(db, "Platform", parent_id=product, lead_id=lead, person=writes.SYSTEM)
    mobile = writes.add_unit(db, "Mobile", parent_id=product, person=writes.SYSTEM)
    cycle = writes.add_cycle(db, "2026 Q1", CYCLE_START, CYCLE_END, state="active", person=writes.SYSTEM)
    next_cycle = writes.add_cycle(db, "2026 Q2", "2026-04-01", "2026-06-30", person=writes.SYSTEM)
    company_obj = writes.add_objective(
        db, cycle, company, "Customers trust us with their data", owner_id=admin, person=writes.SYSTEM
    )
    product_obj = writes.add_objective(
        db,
        cycle,
        product,
        "Ship a platform customers can rely on",
        parent_objective_id=company_obj,
        person=writes.SYSTEM,
    )
    platform_obj = writes.add_objective(
        db,
        cycle,
        platform,
        "Make the API fast and safe",
        owner_id=lead,
        parent_objective_id=product_obj,
        person=writes.SYSTEM,
    )
    next_company_obj = writes.add_objective(db, next_cycle, company, "Grow into a second market", person=writes.SYSTEM)
    kr_increase = writes.add_key_result(
        db, platform_obj, "Test coverage from 0 to 100 %", "increase", 0, 100, "%", person=writes.SYSTEM
    )
    kr_decrease = writes.add_key_result(
        db, platform_obj, "p95 latency from 800 to 200 ms", "decrease", 800, 200, "ms", person=writes.SYSTEM
    )
    kr_milestone = writes.add_key_result(
        db, product_obj, "Status page live for every region", "milestone", person=writes.SYSTEM
    )
    kpi = writes.add_kpi(db, company, "Uptime", "stay_above", 99.9, warning=99.95, unit_label="%", person=writes.SYSTEM)
    kr_stay_above = writes.add_key_result(
        db, company_obj, "Uptime stays above 99.9 %", "stay_above", None, 99.9, "%", kpi_id=kpi, person=writes.SYSTEM
    )
    checkin = writes.add_checkin(
        db, kr_increase, "2026-01-15", 20, 7, "Good start", author_id=lead, person=writes.SYSTEM
    )
    return Org(
        company=company,
        product=product,
        sales=sales,
        platform=platform,
        mobile=mobile,
        admin=admin,
        lead=lead,
        viewer=viewer,
        cycle=cycle,
        next_cycle=next_cycle,
        company_obj=company_obj,
        product_obj=product_obj,
        platform_obj=platform_obj,
        next_company_obj=next_company_obj,
        kr_increase=kr_increase,
        kr_decrease=kr_decrease,
        kr_milestone=kr_milestone,
        kr_stay_above=kr_stay_above,
        kpi=kpi,
        checkin=checkin,
    )
