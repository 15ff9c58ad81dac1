"""The export: each layout as a DataFrame the import reads back (:func:`export_okrs`,
:func:`export_checkins`, :func:`export_kpis`, :func:`export_kpi_readings`,
:func:`export_people`), the sheets of the Excel export (:func:`export_workbook`), and their
bytes for a download.
"""

from __future__ import annotations

import re

import pandas as pd
import sqlite_utils

from okrdata import lookups, queries
from okrdata.errors import ValidationError
from okrdata.transfer.layouts import CHECKIN_COLUMNS, KPI_COLUMNS, KPI_READING_COLUMNS, OKR_COLUMNS, PEOPLE_COLUMNS
from okrdata.transfer.sheets import _plain, to_csv_bytes, to_xlsx_bytes
from okrdata.transfer.values import KPI_TYPE_LABELS, KR_TYPE_LABELS, _key


def file_slug(text: str, fallback: str) -> str:
    """``text`` made safe for a download's file name: lower case, every run of other characters
    than letters and digits as one hyphen, at most 80 characters; ``fallback`` when nothing is left
    (``"2026 Q4 / Sales"`` → ``"2026-q4-sales"``)."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:80].strip("-") or fallback


def _export_cycles(db, cycle_id: int | None) -> list[dict]:
    rows = [dict(r) for r in db.query("SELECT * FROM cycles ORDER BY start_date, id")]
    if cycle_id is not None:
        rows = [r for r in rows if r["id"] == int(cycle_id)]
        if not rows:
            raise ValidationError("cycle", f"there is no cycle with id {cycle_id}.")
    return rows


def person_cell(name: str | None, email: str | None) -> str | None:
    """A person as the export writes them: ``Name <e-mail>``, which the import reads back whole."""
    if not email:
        return name or None
    return f"{name} <{email}>" if name else email


def _people_cells(db) -> dict[int, str]:
    return {r["id"]: person_cell(r["name"], r["email"]) for r in db.query("SELECT id, name, email FROM people")}


def _objective_labels(db, cycle_id: int) -> dict[int, str]:
    """Objective IDs for the objectives of a cycle that share their title with another of their
    unit: 1, 2... in the order they were made (:func:`_nth` reads them back)."""
    twins: dict[tuple[int, str], list[int]] = {}
    for r in db.query(
        "SELECT id, unit_id, title FROM objectives WHERE cycle_id = ? AND state = 'active' ORDER BY id", [cycle_id]
    ):
        twins.setdefault((r["unit_id"], _key(r["title"])), []).append(r["id"])
    return {oid: str(n) for ids in twins.values() if len(ids) > 1 for n, oid in enumerate(ids, start=1)}


def export_okrs(db: sqlite_utils.Database, cycle_id: int | None = None) -> pd.DataFrame:
    """The OKRs in the import layout: one row per key result, with its latest check-in.

    Every cycle (oldest first) or one; archived objectives and key results are left out.
    Units with no objective in the export come first as rows of their own (Unit and Parent
    unit only), so that importing the file into an empty database rebuilds the unit tree.
    People are written as ``Name <e-mail>``, types as words; objectives sharing a title in one
    unit get an Objective ID. Importing the result gives the same objectives and key results,
    their scores and their latest values; the full history needs :func:`export_checkins` (or
    :func:`export_okrs_xlsx`, which holds every layout).
    """
    headers = [c.header for c in OKR_COLUMNS]
    people = _people_cells(db)
    kpi_names = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM kpis")}
    tree = queries.units(db)
    unit_rows = {int(r["id"]): r for r in tree.to_dict("records")}
    parent_name = {
        uid: (
            unit_rows[int(r["parent_id"])]["name"]
            if not pd.isna(r["parent_id"]) and int(r["parent_id"]) in unit_rows
            else None
        )
        for uid, r in unit_rows.items()
    }
    order = {int(uid): i for i, uid in enumerate(tree["id"])}
    lead = {uid: people.get(_plain(r["lead_id"])) for uid, r in unit_rows.items()}
    out: list[dict] = []
    used_units: set[int] = set()
    body: list[dict] = []
    for cyc in _export_cycles(db, cycle_id):
        objs = queries.objectives(db, cyc["id"])
        krs = queries.key_results(db, cyc["id"])
        labels = _objective_labels(db, cyc["id"])
        titles = {}
        for r in db.query("SELECT id, title FROM objectives WHERE cycle_id = ?", [cyc["id"]]):
            titles[("o", r["id"])] = r["title"]
        for r in db.query(
            "SELECT kr.id, kr.title FROM key_results kr JOIN objectives o ON o.id = kr.objective_id "
            "WHERE o.cycle_id = ?",
            [cyc["id"]],
        ):
            titles[("k", r["id"])] = r["title"]
        scores = {
            r["id"]: r
            for r in db.query(
                "SELECT id, score, score_reason, reflection FROM objectives WHERE cycle_id = ?", [cyc["id"]]
            )
        }
        authors = {
            r["id"]: r["author_id"]
            for r in db.query(
                "SELECT c.id, c.author_id FROM checkins c JOIN key_results kr ON kr.id = c.kr_id "
                "JOIN objectives o ON o.id = kr.objective_id WHERE o.cycle_id = ?",
                [cyc["id"]],
            )
        }
        by_objective = {oid: g for oid, g in krs.groupby("objective_id")} if not krs.empty else {}
        objs = objs.assign(_order=[order.get(int(u), 10**9) for u in objs["unit_id"]]) if not objs.empty else objs
        for o in objs.sort_values(["_order", "objective_id"]).to_dict("records") if not objs.empty else []:
            used_units.add(int(o["unit_id"]))
            if not pd.isna(o["parent_kr_id"]):
                aligned = titles.get(("k", int(o["parent_kr_id"])))
            elif not pd.isna(o["parent_objective_id"]):
                aligned = titles.get(("o", int(o["parent_objective_id"])))
            else:
                aligned = None
            scored = scores[int(o["objective_id"])]
            base = {
                "Cycle": cyc["name"],
                "Cycle start": cyc["start_date"],
                "Cycle end": cyc["end_date"],
                "Cycle state": cyc["state"],
                "Unit": o["unit_name"],
                "Parent unit": parent_name.get(int(o["unit_id"])),
                "Unit lead": lead.get(int(o["unit_id"])),
                "Objective": o["title"],
                "Objective ID": labels.get(int(o["objective_id"])),
                "Objective description": o["description"] or None,
                "Kind": o["kind"],
                "Objective owner": people.get(_plain(o["owner_id"])),
                "Objective weight": _plain(o["weight"]),
                "Aligned to": aligned,
                "Score": _plain(scored["score"]),
                "Score reason": scored["score_reason"] or None,
                "Reflection": scored["reflection"] or None,
            }
            group = by_objective.get(o["objective_id"])
            if group is None or group.empty:
                body.append(base)
                continue
            for k in group.to_dict("records"):
                milestone = k["kr_type"] == "milestone"
                has_value = _plain(k["value"]) is not None
                checkin = _plain(k["checkin_id"])
                body.append(
                    {
                        **base,
                        "Key result": k["title"],
                        "Type": KR_TYPE_LABELS[k["kr_type"]],
                        "Baseline": None if milestone else _plain(k["baseline"]),
                        "Target": None if milestone else _plain(k["target"]),
                        "Unit label": k["unit_label"] or None,
                        "Current value": _plain(k["value"]),
                        "Confidence": _plain(k["confidence"]) if has_value else None,
                        "As of": k["last_checkin_date"] if has_value else None,
                        "Note": (k["note"] or None) if has_value else None,
                        "Checked in by": people.get(authors.get(checkin))
                        if has_value and checkin is not None
                        else None,
                        "Weight": _plain(k["weight"]),
                        "Owner": people.get(_plain(k["owner_id"])),
                        "KPI": kpi_names.get(_plain(k["kpi_id"])),
                        "Check-in every (days)": _plain(k["cadence_days"]),
                    }
                )
    for uid, r in unit_rows.items():
        if uid not in used_units:
            out.append({"Unit": r["name"], "Parent unit": parent_name.get(uid), "Unit lead": lead.get(uid)})
    out.extend(body)
    frame = pd.DataFrame(out, columns=headers, dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def export_checkins(db: sqlite_utils.Database, cycle_id: int | None = None) -> pd.DataFrame:
    """Every check-in (not deleted) in the check-in layout: by cycle, then oldest first, two on
    one day in the order they were made (the order the import keeps); authors as ``Name <e-mail>``."""
    rows = []
    for cyc in _export_cycles(db, cycle_id):
        labels = _objective_labels(db, cyc["id"])
        for r in db.query(
            """
            SELECT c.checkin_date, c.value, c.confidence, c.note, p.name AS author_name, p.email AS author,
                   kr.title AS kr, o.id AS objective_id, o.title AS objective, u.name AS unit
            FROM checkins c JOIN key_results kr ON kr.id = c.kr_id
            JOIN objectives o ON o.id = kr.objective_id JOIN units u ON u.id = o.unit_id
            LEFT JOIN people p ON p.id = c.author_id
            WHERE o.cycle_id = ? AND c.deleted = 0 AND kr.archived = 0 AND o.state = 'active'
            ORDER BY c.checkin_date, c.id
            """,
            [cyc["id"]],
        ):
            rows.append(
                {
                    "Cycle": cyc["name"],
                    "Unit": r["unit"],
                    "Objective": r["objective"],
                    "Objective ID": labels.get(r["objective_id"]),
                    "Key result": r["kr"],
                    "Date": r["checkin_date"],
                    "Value": _plain(r["value"]),
                    "Confidence": r["confidence"],
                    "Note": r["note"] or None,
                    "Author": person_cell(r["author_name"], r["author"]),
                }
            )
    frame = pd.DataFrame(rows, columns=[c.header for c in CHECKIN_COLUMNS], dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def export_people(db: sqlite_utils.Database) -> pd.DataFrame:
    """Everyone in the people layout: name, e-mail, role, the units they may edit besides those
    they lead, and whether they have left (archived). No passwords: those move with a full export."""
    units = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM units")}
    edits: dict[int, list[str]] = {}
    for person_id, unit_ids in lookups.person_units_map(db).items():
        edits[person_id] = [units[u] for u in unit_ids if u in units]
    rows = [
        {
            "Name": r["name"],
            "E-mail": r["email"],
            "Role": r["role"],
            "Units": "; ".join(edits.get(r["id"], [])) or None,
            "Archived": "yes" if r["archived"] else None,
        }
        for r in db.query("SELECT id, name, email, role, archived FROM people ORDER BY id")
    ]
    frame = pd.DataFrame(rows, columns=[c.header for c in PEOPLE_COLUMNS], dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def _kpi_rows(db) -> list[dict]:
    """The KPIs that are not archived, in the order of the unit tree."""
    order = {int(uid): i for i, uid in enumerate(queries.units(db, include_archived=True)["id"])}
    rows = [
        dict(r)
        for r in db.query(
            "SELECT k.*, u.name AS unit FROM kpis k JOIN units u ON u.id = k.unit_id WHERE k.archived = 0"
        )
    ]
    return sorted(rows, key=lambda r: (order.get(r["unit_id"], 10**9), r["id"]))


def export_kpis(db: sqlite_utils.Database) -> pd.DataFrame:
    """The KPIs (not archived) in the KPI layout, target types as words."""
    rows = [
        {
            "Unit": r["unit"],
            "KPI": r["name"],
            "Unit label": r["unit_label"] or None,
            "Target type": KPI_TYPE_LABELS[r["target_type"]],
            "Target": _plain(r["target"]),
            "Warning": _plain(r["warning"]),
            "Frequency (days)": r["frequency_days"],
            "Description": r["description"] or None,
        }
        for r in _kpi_rows(db)
    ]
    frame = pd.DataFrame(rows, columns=[c.header for c in KPI_COLUMNS], dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def export_kpi_readings(db: sqlite_utils.Database, cycle_id: int | None = None) -> pd.DataFrame:
    """Every reading of the KPIs :func:`export_kpis` writes (only those inside the cycle's dates
    when ``cycle_id`` is given), per KPI oldest first; authors as ``Name <e-mail>``."""
    span = None
    if cycle_id is not None:
        cyc = _export_cycles(db, cycle_id)[0]
        span = (cyc["start_date"], cyc["end_date"])
    rows = []
    for kpi in _kpi_rows(db):
        for r in db.query(
            "SELECT r.reading_date, r.value, p.name, p.email FROM kpi_readings r LEFT JOIN people p ON p.id = r.author_id "
            "WHERE r.kpi_id = ? ORDER BY r.reading_date, r.id",
            [kpi["id"]],
        ):
            if span is None or span[0] <= r["reading_date"] <= span[1]:
                rows.append(
                    {
                        "Unit": kpi["unit"],
                        "KPI": kpi["name"],
                        "Date": r["reading_date"],
                        "Value": _plain(r["value"]),
                        "Author": person_cell(r["name"], r["email"]),
                    }
                )
    frame = pd.DataFrame(rows, columns=[c.header for c in KPI_READING_COLUMNS], dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def export_okrs_csv(db: sqlite_utils.Database, cycle_id: int | None = None) -> bytes:
    """:func:`export_okrs` as CSV bytes (for a download button)."""
    return to_csv_bytes(export_okrs(db, cycle_id))


def export_workbook(db: sqlite_utils.Database, cycle_id: int | None = None) -> dict[str, pd.DataFrame]:
    """The sheets of the Excel export, each in a layout the import reads back: OKRs, their
    check-ins, KPIs and their readings, and people, for every cycle or one (KPIs and people
    are everyone's)."""
    return {
        "OKRs": export_okrs(db, cycle_id),
        "Check-ins": export_checkins(db, cycle_id),
        "KPIs": export_kpis(db),
        "KPI readings": export_kpi_readings(db, cycle_id),
        "People": export_people(db),
    }


def export_okrs_xlsx(db: sqlite_utils.Database, cycle_id: int | None = None) -> bytes:
    """:func:`export_workbook` as an Excel workbook: importing it into an empty database gives
    back the OKRs with their whole history, scores and reflections, the KPIs with their
    readings, and the people with their names and roles."""
    return to_xlsx_bytes(export_workbook(db, cycle_id))
