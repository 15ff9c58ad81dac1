"""Loading the demo: every row written through the validated writes of :mod:`okrdata.writes`,
inside one transaction, into an empty database only; and the row counts a load reports."""

from __future__ import annotations

import datetime as dt
import os

import sqlite_utils

from okrdata import numbers, writes
from okrdata.auth import demo_password_hash
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.schema import migrate
from okrdata.seed.data_files import cycle_names, cycle_span, read_seed
from okrdata.seed.notes import write_notes
from okrdata.seed.trajectories import frequency_days, kpi_reading_plan, plan_checkins

DEMO_ACCOUNTS = ("admin", "lead", "viewer")
"""E-mail local parts of the demo accounts, whose password is :data:`okrdata.auth.DEMO_PASSWORD`."""

COUNTED_TABLES = (
    "people",
    "units",
    "cycles",
    "objectives",
    "key_results",
    "checkins",
    "checkin_revisions",
    "kpis",
    "kpi_readings",
)


def is_empty(db: sqlite_utils.Database) -> bool:
    """True when the database holds no organisation yet (no person, unit, cycle or KPI)."""
    return not any(
        db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in ("people", "units", "cycles", "kpis")
    )


def table_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Row counts of the main tables."""
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES}


class _Loader:
    """Writes the demo's data through ``okrdata.writes``; one instance per load."""

    def __init__(self, db: sqlite_utils.Database, data: dict, today: dt.date):
        self.db = db
        self.data = data
        self.today = today
        self.people: dict[str, int] = {}
        self.units: dict[str, int] = {}
        self.unit_leads: dict[str, str] = {}
        self.kpis: dict[str, int] = {}
        # KPI name -> {date: value} from key results that mirror their KPI.
        self.mirrors: dict[str, dict[dt.date, float]] = {}

    def person(self, key: str | None, where: str) -> int | None:
        if key is None:
            return None
        if key not in self.people:
            raise ValidationError("owner", f"{key!r} is not a person of organisation.yaml.", where)
        return self.people[key]

    def unit(self, name: str, where: str) -> int:
        if name not in self.units:
            raise ValidationError("unit", f"{name!r} is not a unit of organisation.yaml.", where)
        return self.units[name]

    def load(self) -> None:
        self.load_organisation()
        self.load_kpis()
        spans = [cycle_span(spec, self.today) for spec in self.data["cycles"]]
        for spec, span, name in zip(self.data["cycles"], spans, cycle_names(spans)):
            self.load_cycle(spec, name, *span)
        self.load_kpi_readings()
        self.stamp_times()

    def load_organisation(self) -> None:
        org = self.data["organisation"]
        domain = org["domain"]
        # Units first without leads, so people can be added with the units they edit, and
        # the leads set afterwards: each step stays a plain validated write.
        for unit in org["units"]:
            parent = unit.get("parent")
            self.units[unit["name"]] = writes.add_unit(
                self.db,
                unit["name"],
                parent_id=self.unit(parent, unit["name"]) if parent else None,
                description=unit.get("description", ""),
                person=writes.SYSTEM,
            )
        member_of: dict[str, list[int]] = {}
        for unit in org["units"]:
            for key in unit.get("members") or ():
                member_of.setdefault(key, []).append(self.units[unit["name"]])
        for key, person in org["people"].items():
            self.people[key] = writes.add_person(
                self.db,
                person["name"],
                f"{key}@{domain}",
                role=person.get("role", "viewer"),
                unit_ids=member_of.get(key, []),
                # The demo accounts sign in with the password the README names; nobody else
                # has one, so only they can sign in to the demo.
                password_hash=demo_password_hash() if key in DEMO_ACCOUNTS else None,
                person=writes.SYSTEM,
            )
        for unit in org["units"]:
            self.unit_leads[unit["name"]] = unit["lead"]
            unit_id = self.units[unit["name"]]
            writes.update_unit(
                self.db,
                unit_id,
                lead_id=self.person(unit["lead"], unit["name"]),
                person=writes.SYSTEM,
                version=writes.version_of(self.db, "units", unit_id),
            )

    def load_kpis(self) -> None:
        for kpi in self.data["kpis"]:
            self.kpis[kpi["name"]] = writes.add_kpi(
                self.db,
                self.unit(kpi["unit"], kpi["name"]),
                kpi["name"],
                kpi["target_type"],
                kpi["target"],
                warning=kpi.get("warning"),
                frequency_days=frequency_days(kpi),
                unit_label=kpi.get("label", ""),
                description=kpi.get("description", ""),
                person=writes.SYSTEM,
            )

    def load_cycle(self, spec: dict, name: str, start: dt.date, end: dt.date) -> None:
        closed = spec.get("state", "active") == "closed"
        # Created active so its check-ins are accepted; closed (and scored) afterwards.
        cycle_id = writes.add_cycle(self.db, name, start, end, state="active", person=writes.SYSTEM)
        objective_ids: dict[str, int] = {}
        finals: dict[str, list[tuple[float, float]]] = {}
        for obj in spec["objectives"]:
            where = f"{spec['label']}: {obj['title']}"
            parent = obj.get("aligns_to")
            if parent is not None and parent not in objective_ids:
                raise ValidationError("aligns_to", f"{parent!r} is not an objective listed above it.", where)
            objective_id = writes.add_objective(
                self.db,
                cycle_id,
                self.unit(obj["unit"], where),
                obj["title"],
                description=obj.get("why", ""),
                owner_id=self.person(obj.get("owner") or self.unit_leads[obj["unit"]], where),
                kind=obj.get("kind", "committed"),
                parent_objective_id=objective_ids.get(parent),
                person=writes.SYSTEM,
            )
            objective_ids[obj["key"]] = objective_id
            finals[obj["key"]] = []
            for kr in obj["key_results"]:
                value, weight = self.load_key_result(spec["label"], objective_id, kr, start, end, closed)
                finals[obj["key"]].append((value, weight))
        if closed:
            writes.set_cycle_state(
                self.db,
                cycle_id,
                "closed",
                person=writes.SYSTEM,
                version=writes.version_of(self.db, "cycles", cycle_id),
            )
            for obj in spec["objectives"]:
                progress = numbers.weighted_mean(*zip(*finals[obj["key"]])) if finals[obj["key"]] else 0.0
                score = obj.get("score")
                self.db["objectives"].update(
                    objective_ids[obj["key"]],
                    {
                        "score": numbers.round_score(numbers.final_score(progress, score)),
                        "score_reason": str(obj["score_reason"]).strip() if score is not None else None,
                        "reflection": str(obj.get("reflection", "")).strip() or None,
                    },
                )

    def load_key_result(
        self, label: str, objective_id: int, kr: dict, start: dt.date, end: dt.date, closed: bool
    ) -> tuple[float, float]:
        """Add a key result and its check-ins; return its final progress and weight."""
        where = kr["title"]
        kpi_name = kr.get("kpi")
        if kpi_name is not None and kpi_name not in self.kpis:
            raise ValidationError("kpi", f"{kpi_name!r} is not a KPI of kpis.yaml.", where)
        owner = self.person(kr.get("owner"), where)
        kr_id = writes.add_key_result(
            self.db,
            objective_id,
            kr["title"],
            kr["type"],
            baseline=kr.get("baseline"),
            target=kr.get("target"),
            unit_label=kr.get("unit", ""),
            weight=kr.get("weight", 1),
            owner_id=owner,
            kpi_id=self.kpis.get(kpi_name) if kpi_name else None,
            cadence_days=kr.get("cadence", 7),
            person=writes.SYSTEM,
        )
        seed = f"{label}|{kr['title']}"
        planned = plan_checkins(kr, start, end, self.today, closed, seed)
        write_notes(kr, planned, self.data["notes"], seed)
        for checkin in planned:
            first_value = checkin.typo if checkin.typo is not None else checkin.value
            checkin_id = writes.add_checkin(
                self.db,
                kr_id,
                checkin.day,
                first_value,
                checkin.confidence,
                checkin.note,
                author_id=owner,
                person=writes.SYSTEM,
            )
            if checkin.typo is not None:
                writes.edit_checkin(
                    self.db,
                    checkin_id,
                    value=checkin.value,
                    confidence=checkin.confidence,
                    note=checkin.note,
                    changed_by=owner,
                    version=1,
                    person=writes.SYSTEM,
                )
        if kpi_name and kr.get("mirror_kpi"):
            self.mirrors.setdefault(kpi_name, {}).update({c.day: c.value for c in planned})
        baseline = 0.0 if kr["type"] == "milestone" else kr.get("baseline")
        target = 1.0 if kr["type"] == "milestone" else kr.get("target")
        last = planned[-1].value if planned else None
        return numbers.kr_progress(kr["type"], baseline, target, last), float(kr.get("weight", 1))

    def load_kpi_readings(self) -> None:
        for kpi in self.data["kpis"]:
            author = self.person(self.unit_leads[kpi["unit"]], kpi["name"])
            mirror = self.mirrors.get(kpi["name"], {})
            for day, value in kpi_reading_plan(kpi, self.today):
                writes.add_kpi_reading(
                    self.db, self.kpis[kpi["name"]], day, mirror.get(day, value), author, person=writes.SYSTEM
                )

    def stamp_times(self) -> None:
        # Generated rows were all written this second; date them on the day they describe
        # (late afternoon, minutes spread by id) so the history reads like real use.
        stamp = "{col} || 'T' || printf('%02d:%02d:00+00:00', 15 + id % 3, id % 60)"
        self.db.execute(
            f"UPDATE checkins SET created_at = {stamp.format(col='checkin_date')}, "
            f"updated_at = {stamp.format(col='checkin_date')}"
        )
        self.db.execute(
            "UPDATE checkins SET updated_at = date(checkin_date, '+1 day') || 'T09:12:00+00:00' WHERE version > 1"
        )
        self.db.execute(
            "UPDATE checkin_revisions SET changed_at = "
            "(SELECT updated_at FROM checkins WHERE checkins.id = checkin_revisions.checkin_id)"
        )
        self.db.execute(f"UPDATE kpi_readings SET created_at = {stamp.format(col='reading_date')}")


def load_demo(
    db: sqlite_utils.Database,
    today: dt.date | None = None,
    seed_path: str | os.PathLike | None = None,
) -> dict[str, int]:
    """Load the demo organisation into an empty database; return the row counts of its tables.

    Migrates the schema first if needed. Every date is placed relative to ``today`` (default:
    the real today): the current cycle started 8 weeks before it and the previous one 13 weeks
    before that. All rows are written in one transaction, and the setting ``demo`` is set to
    ``"1"`` at the end.

    Loading is refused (``ValidationError`` on the field ``database``, nothing written) when
    the database already holds people, units, cycles or KPIs: the demo never mixes into real
    data, and a second load does not duplicate the first. ``today`` must not lie in the
    future, as KPI readings dated after the real today are refused.
    """
    today = today or dt.date.today()
    data = read_seed(seed_path)
    migrate(db)
    with transaction(db):
        if not is_empty(db):
            raise ValidationError(
                "database",
                "already holds an organisation; the demo loads only into an empty database "
                "(start a new file, or use okr init for your own data).",
            )
        _Loader(db, data, today).load()
        writes.set_setting(db, "demo", "1", person=writes.SYSTEM)
    return table_counts(db)
