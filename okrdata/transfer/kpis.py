"""The importers of the KPI layouts: KPIs of units that exist, and their readings."""

from __future__ import annotations

import math

from okrdata import writes
from okrdata.parsing import number_style
from okrdata.transfer.base import _Importer, _text
from okrdata.transfer.values import _key, parse_days, parse_kpi_type, parse_person


class _KpiImporter(_Importer):
    """The KPI layout: KPIs of units that exist (or that the OKRs of the same import make)."""

    def run_kpis(self) -> None:
        decimal = number_style([c.get(k) for _, c in self.rows for k in ("target", "warning")])
        units = {_key(r["name"]): r["id"] for r in self.db.query("SELECT id, name FROM units")}
        existing = {(r["unit_id"], _key(r["name"])) for r in self.db.query("SELECT unit_id, name FROM kpis")}
        seen: dict[tuple[int, str], int] = {}
        kept = 0
        for row, c in self.rows:
            self.run.tick()
            before = len(self.run.problems)
            num = lambda k: self.number(row, k, c, decimal)
            target_type = self.cell(row, "target_type", c, parse_kpi_type)
            target, warning = num("target"), num("warning")
            frequency = self.cell(row, "frequency_days", c, lambda x: parse_days(x, "frequency_days", 366))
            name, unit = _text(c.get("kpi")), _text(c.get("unit"))
            self.required(
                row, before, (("unit", unit), ("kpi", name), ("target_type", target_type), ("target", target))
            )
            if unit is not None and _key(unit) not in units:
                self.problem(
                    row,
                    "unit",
                    f"there is no unit called {unit!r}; import the OKRs (which make the units) "
                    "with this file or first.",
                )
            if len(self.run.problems) > before:
                continue
            key = (units[_key(unit)], _key(name))
            if key in seen:
                self.problem(row, "kpi", f"{name!r} of {unit} appears twice (rows {seen[key]} and {row}).")
                continue
            seen[key] = row
            if key in existing:
                kept += 1
                continue
            added = self.attempt(
                row,
                "kpi",
                lambda: writes.add_kpi(
                    self.db,
                    key[0],
                    name,
                    target_type,
                    target,
                    warning=warning,
                    frequency_days=frequency if frequency is not None else 7,
                    unit_label=_text(c.get("unit_label")) or "",
                    description=_text(c.get("description")) or "",
                    person=self.run.person,
                ),
                "kpi",
            )
            if added is not None:
                self.run.counts["kpis"] += 1
        self.note_kept(kept, "KPI")
        self.ignored_columns()


class _ReadingImporter(_Importer):
    """The KPI reading layout: one reading per row, for KPIs that exist."""

    def run_readings(self) -> None:
        decimal, day_first = self.dated_values(("unit", "kpi"))
        kpis = [
            dict(r)
            for r in self.db.query(
                "SELECT k.id, k.name, u.name AS unit FROM kpis k JOIN units u ON u.id = k.unit_id ORDER BY k.id"
            )
        ]
        recorded: dict[tuple[int, str], list[float]] = {}
        for r in self.db.query("SELECT kpi_id, reading_date, value FROM kpi_readings"):
            recorded.setdefault((r["kpi_id"], r["reading_date"]), []).append(r["value"])
        unchanged = 0
        for row, c in self.rows:
            self.run.tick()
            before = len(self.run.problems)
            day = self.date(row, "date", c, day_first)
            value = self.number(row, "value", c, decimal)
            name = _text(c.get("kpi"))
            self.required(row, before, (("kpi", name), ("date", day), ("value", value)))
            if len(self.run.problems) > before:
                continue
            candidates = [
                k
                for k in kpis
                if _key(k["name"]) == _key(name) and (c.get("unit") is None or _key(k["unit"]) == _key(c["unit"]))
            ]
            if len(candidates) != 1:
                self.problem(
                    row,
                    "kpi",
                    f"no KPI is called {name!r}; import the KPIs first."
                    if not candidates
                    else f"{len(candidates)} KPIs are called {name!r}; add a Unit column to say which.",
                )
                continue
            kpi_id = candidates[0]["id"]
            same = recorded.get((kpi_id, day.isoformat()), [])
            match = next((i for i, x in enumerate(same) if math.isclose(x, value, rel_tol=1e-12, abs_tol=1e-12)), None)
            if match is not None:
                same.pop(match)  # each reading recorded matches one row of the file
                unchanged += 1
                continue
            author = parse_person(c.get("author"))
            author_id = self.person_id(row, "author", author) if author else None
            if author is not None and author_id is None:
                continue
            added = self.attempt(
                row,
                "reading",
                lambda: writes.add_kpi_reading(
                    self.db, kpi_id, day, value, author_id=author_id, person=self.run.person
                ),
                "value",
            )
            if added is not None:
                self.run.counts["kpi_readings"] += 1
        self.note_recorded(unchanged, "KPI reading")
        self.ignored_columns()
