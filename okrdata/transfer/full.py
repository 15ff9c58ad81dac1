"""The full export: every table of the database, as one JSON file or a zip of CSV files
(:func:`full_export`), and its restore into an empty database (:func:`full_import`).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from typing import Any

import sqlite_utils

from okrdata import schema, writes
from okrdata.db import transaction
from okrdata.errors import ValidationError
from okrdata.transfer.results import Progress
from okrdata.transfer.sheets import neutralise_cell, unneutralise_cell

FULL_EXPORT_FORMAT = "okr-dashboard full export"
FULL_EXPORT_VERSION = 1


def data_tables(db: sqlite_utils.Database) -> list[str]:
    """The tables a full export holds: every table but SQLite's own, the migrations record, the
    server's bookkeeping (:data:`okrdata.schema.SERVER_TABLES`) and virtual tables (with their shadow tables), parents before the tables that refer to them."""
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    names = [
        name
        for name, _ in rows
        if not name.startswith("sqlite_")
        and name != "_migrations"
        and name not in virtual
        and name not in schema.SERVER_TABLES
        and not any(name.startswith(vt + "_") for vt in virtual)
    ]
    deps = {n: {fk.other_table for fk in db[n].foreign_keys if fk.other_table != n} for n in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and deps[n] <= set(ordered) | ({n} - set(names))]
        if not ready:  # a cycle of references (objectives <-> key_results): foreign keys are deferred anyway
            ready = [next(n for n in names if n not in ordered)]
        ordered.extend(ready[:1])
    return ordered


def _export_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$base64": base64.b64encode(value).decode("ascii")}
    return value


def _import_value(value: Any) -> Any:
    if isinstance(value, dict) and "$base64" in value:
        return base64.b64decode(value["$base64"])
    return value


def full_export(db: sqlite_utils.Database, fmt: str = "json", progress: Progress | None = None) -> bytes:
    """Every row of every table, as JSON (``fmt="json"``) or a zip of CSV files (``fmt="zip"``).

    Ids, timestamps, revisions, scores, password hashes and settings (the demo flag) are all
    kept, so :func:`full_import` into an empty database gives the same dashboard. The JSON form
    is exact; in the CSV form an empty cell is NULL in a column that allows it, else ''.
    The rows are read in one transaction, so the export is consistent while others write.
    """
    if fmt not in ("json", "zip"):
        raise ValidationError("format", f"must be json or zip, not {fmt!r}.")
    own = not db.conn.in_transaction
    if own:
        db.execute("BEGIN")  # one read snapshot for every table, while others go on writing
    try:
        tables = data_tables(db)
        manifest = {
            "format": FULL_EXPORT_FORMAT,
            "version": FULL_EXPORT_VERSION,
            "schema_version": schema.schema_version(db),
            "migrations": schema.applied_migrations(db),
            "exported_at": writes.now_iso(),
            "tables": {},
        }
        for i, name in enumerate(tables, start=1):
            cursor = db.execute(f"SELECT * FROM [{name}] ORDER BY rowid")
            columns = [d[0] for d in cursor.description]
            manifest["tables"][name] = {
                "columns": columns,
                "types": {c.name: c.type for c in db[name].columns},
                "rows": [[_export_value(x) for x in row] for row in cursor.fetchall()],
            }
            if progress:
                progress(i, len(tables))
    finally:
        if own:
            db.execute("COMMIT")
    if fmt == "json":
        return json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        head = {k: val for k, val in manifest.items() if k != "tables"}
        head["tables"] = {
            name: {"columns": spec["columns"], "types": spec["types"], "file": f"{name}.csv", "rows": len(spec["rows"])}
            for name, spec in manifest["tables"].items()
        }
        zf.writestr("manifest.json", json.dumps(head, ensure_ascii=False, indent=1))
        for name, spec in manifest["tables"].items():
            text = io.StringIO(newline="")
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(spec["columns"])
            for row in spec["rows"]:
                writer.writerow(
                    [
                        ""
                        if x is None
                        else (
                            repr(x)
                            if isinstance(x, float)
                            else json.dumps(x)
                            if isinstance(x, dict)
                            else neutralise_cell(x)
                        )
                        for x in row
                    ]
                )
            zf.writestr(f"{name}.csv", text.getvalue())
    return buffer.getvalue()


def _csv_value(text: str, declared: str, nullable: bool) -> Any:
    if text == "":
        return None if nullable else ""
    affinity = (declared or "").upper()
    if "INT" in affinity:
        try:
            return int(text)
        except ValueError:
            return text
    if any(t in affinity for t in ("REAL", "FLOA", "DOUB")):
        try:
            return float(text)
        except ValueError:
            return text
    if "CHAR" in affinity or "CLOB" in affinity or "TEXT" in affinity:
        return text
    # No declared type: a number stays a number, as it was stored.
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def read_full_export(data: bytes) -> dict:
    """A full export (JSON or zip, as :func:`full_export` writes it) as one dict with every row."""
    try:
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                manifest = json.loads(zf.read("manifest.json"))
                for name, spec in manifest.get("tables", {}).items():
                    reader = csv.reader(io.StringIO(zf.read(spec["file"]).decode("utf-8"), newline=""))
                    header = next(reader)
                    if header != spec["columns"]:
                        raise ValidationError("file", f"{spec['file']} has columns {header}, not {spec['columns']}.")
                    spec["rows"] = [[unneutralise_cell(c) for c in r] for r in reader]
                    spec["csv"] = True
        else:
            manifest = json.loads(data.decode("utf-8"))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ValidationError("file", f"is not a full export this version can read ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FULL_EXPORT_FORMAT:
        raise ValidationError("file", "is not a full export of the OKR dashboard (okr export --full writes one).")
    if int(manifest.get("version", 0)) > FULL_EXPORT_VERSION:
        raise ValidationError("file", "was written by a newer version of the dashboard; upgrade this one first.")
    return manifest


def _check_full_target(db: sqlite_utils.Database, manifest: dict) -> None:
    schema.migrate(db)
    known = set(schema.applied_migrations(db))
    newer = [m for m in manifest.get("migrations", []) if m not in known]
    if newer:
        raise ValidationError(
            "file", f"comes from a newer schema (migrations {', '.join(newer)}); upgrade the dashboard first."
        )
    present = set(data_tables(db))
    for name, spec in manifest["tables"].items():
        if name not in present:
            raise ValidationError("file", f"holds a table {name!r} this version does not know.")
        have = set(db[name].columns_dict)
        unknown = [c for c in spec["columns"] if c not in have]
        if unknown:
            raise ValidationError("file", f"table {name} has columns this version does not know: {', '.join(unknown)}.")
    busy = [t for t in present if db.execute(f"SELECT 1 FROM [{t}] LIMIT 1").fetchone()]
    if busy:
        raise ValidationError(
            "database",
            f"is not empty ({', '.join(busy[:4])} hold rows); a full export is restored only into "
            "an empty database (okr init --db NEW.db, then import into it).",
        )


def full_import(
    db: sqlite_utils.Database, data: bytes, *, progress: Progress | None = None, person: writes.Actor
) -> dict[str, int]:
    """Restore a full export into an empty database (migrated first); return the rows per table.

    Rows keep their ids. Foreign keys are checked once all rows are in (objectives and key
    results refer to each other), in one transaction: a damaged export changes nothing.
    ``person`` must be an admin or :data:`okrdata.writes.SYSTEM`.
    """
    writes.check_admin(db, person)
    manifest = read_full_export(data)
    _check_full_target(db, manifest)
    order = [t for t in data_tables(db) if t in manifest["tables"]]
    total = sum(len(manifest["tables"][t]["rows"]) for t in order) or 1
    done = 0
    counts: dict[str, int] = {}
    with transaction(db):
        db.execute("PRAGMA defer_foreign_keys = ON")
        for name in order:
            spec = manifest["tables"][name]
            info = {c.name: c for c in db[name].columns}
            nullable = {c: not info[c].notnull for c in spec["columns"]}
            cols = spec["columns"]
            sql = f"INSERT INTO [{name}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
            rows = spec["rows"]
            if spec.get("csv"):
                rows = [[_csv_value(x, info[c].type, nullable[c]) for x, c in zip(row, cols)] for row in rows]
            else:
                rows = [[_import_value(x) for x in row] for row in rows]
            for start in range(0, len(rows), 500):
                db.conn.executemany(sql, rows[start : start + 500])
                done += len(rows[start : start + 500])
                if progress:
                    progress(done, total)
            counts[name] = len(rows)
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            table, rowid, parent, _ = broken[0]
            raise ValidationError(
                "file",
                f"{len(broken)} row(s) refer to rows that are not in it "
                f"(first: {table} row {rowid} -> {parent}); nothing was imported.",
            )
    return counts
