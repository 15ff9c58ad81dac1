"""The All OKRs page's data: search, filters and CSV export, and one objective's own page.

The list is one row per key result, carrying its objective's columns; an objective with no key
result yet gets one row of its own (key result columns empty), so nothing an organisation wrote
down is hidden. :func:`okr_rows` builds the rows from :func:`okrdata.queries.key_results` and
:func:`okrdata.queries.objectives` (one cycle, or several), and :func:`select` narrows them:

- **text**: every word must occur (case-insensitively, as a literal: ``%``, ``_`` and quotes
  are just characters) in the objective's title or description, the key result's title, or
  any of the key result's check-in notes; the words may be spread over those fields.
  :func:`text_matches` asks SQLite, bounded by the chosen cycles (and unit branch), with
  ``LIKE … ESCAPE`` for ASCII words and a Unicode-aware fold for the rest, and says where each
  row matched (``matched_in``) with a ``snippet`` of the matching note or description.
- **unit** (a unit's whole branch), **owner** (of the key result or of its objective),
  **status**, **kind** (committed, aspirational) and **key result type**, all combinable.

:func:`search` runs the whole pipeline on a database; the page composes the same pieces from
its cached readers. :func:`export_csv` is the download: exactly the rows selected, with
readable column names and unformatted numbers.

For one objective (``?objective=ID``): :func:`objective` finds it, and so its cycle, in one
query; :func:`alignment_up` and :func:`alignment_down` walk the alignment chain;
:func:`objective_findings`, :func:`kr_guides` and :func:`kr_notes` feed its page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlite_utils

from okrdata import queries as q
from okrdata import wording
from okrdata.transfer import neutralise_frame

KR_TYPE_LABELS = wording.KR_TYPE_LABELS
"""Key result types in words, in the order the filters offer them (:mod:`okrdata.wording`)."""
KIND_LABELS = wording.KIND_LABELS
FIELD_LABELS = {
    "objective": "Objective",
    "description": "Why",
    "key_result": "Key result",
    "note": "Check-in note",
}
"""Where a search word was found, in words, in the order ``matched_in`` lists them."""

MAX_WORDS = 12
"""Search words beyond this many are ignored (each adds a condition to the query)."""
MAX_WORD_LENGTH = 100
SNIPPET_BEFORE, SNIPPET_AFTER = 40, 100
_CHUNK = 500
"""Ids per ``IN (...)`` list, well below SQLite's limit on bound parameters."""
_MAX_DEPTH = 50
"""Alignment chains deeper than this are cut off (a guard against a loop in bad data)."""

ROW_COLUMNS = [
    "cycle_id",
    "cycle_name",
    "objective_id",
    "objective_title",
    "objective_description",
    "unit_id",
    "unit_name",
    "objective_owner_id",
    "objective_owner_name",
    "kind",
    "objective_status",
    "objective_progress",
    "objective_score",
    "kr_id",
    "title",
    "kr_type",
    "owner_id",
    "owner_name",
    "status",
    "progress",
    "expected",
    "pace",
    "baseline",
    "value",
    "target",
    "unit_label",
    "confidence",
    "last_checkin_date",
    "matched_in",
    "snippet",
]
MATCH_COLUMNS = ["objective_id", "kr_id", "matched_in", "snippet"]
EXPORT_COLUMNS = {
    "cycle_name": "Cycle",
    "objective_id": "Objective ID",
    "objective_title": "Objective",
    "unit_name": "Unit",
    "objective_owner_name": "Objective owner",
    "kind": "Kind",
    "kr_id": "Key result ID",
    "title": "Key result",
    "kr_type": "Type",
    "owner_name": "Key result owner",
    "status": "Status",
    "progress": "Progress",
    "pace": "Pace",
    "baseline": "Baseline",
    "value": "Current",
    "target": "Target",
    "unit_label": "Unit label",
    "confidence": "Confidence",
    "last_checkin_date": "Last check-in",
    "matched_in": "Matched in",
    "snippet": "Match",
}
"""The CSV's columns (row column → header), in order."""
CHAIN_COLUMNS = [
    "objective_id",
    "title",
    "unit_id",
    "unit_name",
    "cycle_id",
    "parent_objective_id",
    "parent_kr_id",
    "parent_kr_title",
    "depth",
]


# --- the filters -------------------------------------------------------------------------


def words(text: str | None) -> list[str]:
    """The search words of ``text``: split on white space, duplicates (any case) dropped.

    Quotes and other punctuation are part of the words; there is no phrase syntax. At most
    :data:`MAX_WORDS` words of :data:`MAX_WORD_LENGTH` characters count.
    """
    out: list[str] = []
    seen: set[str] = set()
    for word in str(text or "").split():
        word = word[:MAX_WORD_LENGTH]
        if _fold(word) not in seen:
            seen.add(_fold(word))
            out.append(word)
    return out[:MAX_WORDS]


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; every empty field means "any"."""

    text: str = ""
    unit_id: int | None = None
    """A unit: the rows of it and of every unit below it."""
    owner_id: int | None = None
    """A person: the key results they own, and every key result of the objectives they own."""
    statuses: tuple[str, ...] = ()
    """Key result statuses (an objective with no key result counts with its own status)."""
    kinds: tuple[str, ...] = ()
    kr_types: tuple[str, ...] = ()
    words: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", tuple(words(self.text)))

    @property
    def active(self) -> bool:
        """True when anything narrows the list."""
        return bool(
            self.words
            or self.unit_id is not None
            or self.owner_id is not None
            or self.statuses
            or self.kinds
            or self.kr_types
        )


# --- text search -------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Text for case-insensitive comparison (one character stays one character, mostly)."""
    return text.lower()


def _sql_fold(value: Any) -> Any:
    return _fold(value) if isinstance(value, str) else value


def like_pattern(word: str) -> str:
    """A ``LIKE … ESCAPE '\\'`` pattern matching ``word`` anywhere, every character literal."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: str, word: str) -> tuple[str, str]:
    """SQL that is true when ``column`` contains ``word`` (case-insensitively), and its parameter.

    SQLite's LIKE ignores case for ASCII letters only, so words with other letters (``Über``)
    compare through :func:`_fold`, registered on the connection as ``okr_fold``.
    """
    if word.isascii():
        return f"{column} LIKE ? ESCAPE '\\'", like_pattern(word)
    return f"instr(okr_fold({column}), ?) > 0", _fold(word)


def _ids_sql(column: str, ids: Collection[int] | None) -> tuple[str, list[int]]:
    if ids is None:
        return "", []
    ids = [int(i) for i in ids] or [-1]
    return f" AND {column} IN ({', '.join('?' * len(ids))})", ids


def _chunks(items: Sequence[int], size: int = _CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _snippet(text: str, found: Sequence[str]) -> str:
    """The part of ``text`` around the first of ``found``, white space collapsed, with ellipses."""
    flat = " ".join(str(text).split())
    folded = _fold(flat)
    hits = [folded.find(_fold(w)) for w in found]
    hits = [h for h in hits if h >= 0]
    at = min(hits) if hits and len(folded) == len(flat) else 0
    start = max(0, at - SNIPPET_BEFORE)
    if start:
        # Start at a word boundary rather than in the middle of a word.
        space = flat.find(" ", start)
        start = space + 1 if 0 <= space < at else start
    end = min(len(flat), at + SNIPPET_AFTER)
    if end < len(flat):
        space = flat.rfind(" ", at, end)
        end = space if space > at else end
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def text_matches(
    db: sqlite_utils.Database,
    text: str,
    cycle_ids: Collection[int] | None = None,
    unit_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """The rows (objective_id, kr_id) whose texts hold every word of ``text``, and where.

    Searched: the objective's title and description, the key result's title, and the key
    result's check-in notes (deleted check-ins excluded). Bounded by ``cycle_ids`` (None: every
    cycle) and ``unit_ids`` (None: every unit); archived objectives and key results are left
    out. ``kr_id`` is empty for an objective without key results. ``matched_in`` lists the
    fields (:data:`FIELD_LABELS` order) where a word was found; ``snippet`` is the newest
    matching note around its first match, else the matching description, else empty. No words:
    no rows.
    """
    found_words = words(text)
    if not found_words:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    db.conn.create_function("okr_fold", 1, _sql_fold, deterministic=True)
    conditions, params = [], []
    for word in found_words:
        parts = []
        for column in ("o.title", "o.description", "kr.title"):
            sql, param = _contains(column, word)
            parts.append(sql)
            params.append(param)
        sql, param = _contains("c.note", word)
        parts.append(f"EXISTS (SELECT 1 FROM checkins c WHERE c.kr_id = kr.id AND c.deleted = 0 AND {sql})")
        params.append(param)
        conditions.append("(" + " OR ".join(parts) + ")")
    cycle_sql, cycle_params = _ids_sql("o.cycle_id", cycle_ids)
    unit_sql, unit_params = _ids_sql("o.unit_id", unit_ids)
    rows = list(
        db.query(
            f"""
            SELECT o.id AS objective_id, kr.id AS kr_id, o.title AS objective_title,
                   o.description AS objective_description, kr.title AS kr_title
            FROM objectives o
            LEFT JOIN key_results kr ON kr.objective_id = o.id AND kr.archived = 0
            WHERE o.state = 'active' {cycle_sql} {unit_sql} AND {" AND ".join(conditions)}
            ORDER BY o.id, kr.id
            """,
            cycle_params + unit_params + params,
        )
    )
    if not rows:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    notes = _matching_notes(db, [r["kr_id"] for r in rows if r["kr_id"] is not None], found_words)
    out = []
    for r in rows:
        texts = {
            "objective": r["objective_title"],
            "description": r["objective_description"],
            "key_result": r["kr_title"],
        }
        where = [name for name, value in texts.items() if value and _holds_any(value, found_words)]
        note = notes.get(r["kr_id"])
        if note is not None:
            where.append("note")
        if note is not None:
            snippet = _snippet(note, found_words)
        elif "description" in where:
            snippet = _snippet(r["objective_description"], found_words)
        else:
            snippet = ""
        out.append(
            {
                "objective_id": r["objective_id"],
                "kr_id": r["kr_id"],
                "matched_in": ", ".join(FIELD_LABELS[w] for w in where),
                "snippet": snippet,
            }
        )
    return pd.DataFrame(out, columns=MATCH_COLUMNS).astype({"kr_id": "Int64"})


def _holds_any(text: str, found_words: Sequence[str]) -> bool:
    folded = _fold(text)
    return any(_fold(w) in folded for w in found_words)


def _matching_notes(db: sqlite_utils.Database, kr_ids: list[int], found_words: Sequence[str]) -> dict[int, str]:
    """The newest note of each key result that holds any of the words."""
    out: dict[int, str] = {}
    ids = sorted(set(int(i) for i in kr_ids))
    parts, params = [], []
    for word in found_words:
        sql, param = _contains("note", word)
        parts.append(sql)
        params.append(param)
    for chunk in _chunks(ids):
        for r in db.query(
            f"""
            SELECT kr_id, note FROM checkins
            WHERE deleted = 0 AND kr_id IN ({", ".join("?" * len(chunk))}) AND ({" OR ".join(parts)})
            ORDER BY kr_id, checkin_date DESC, id DESC
            """,
            list(chunk) + params,
        ):
            out.setdefault(r["kr_id"], r["note"])
    return out


# --- the rows ----------------------------------------------------------------------------


def okr_rows(
    krs: pd.DataFrame,
    objs: pd.DataFrame,
    cycle_names: Mapping[int, str],
    unit_order: Sequence[int] | None = None,
) -> pd.DataFrame:
    """One row per key result with its objective's columns, plus a row per objective without any.

    ``krs`` and ``objs`` are :func:`okrdata.queries.key_results` and
    :func:`~okrdata.queries.objectives` of the same cycles (concatenated for several);
    ``cycle_names`` names each cycle. Rows come in the order of ``cycle_names``, then of
    ``unit_order`` (the unit outline, company first; else by unit name), then objective and key
    result. Columns: :data:`ROW_COLUMNS` (``matched_in`` and ``snippet`` empty until
    :func:`select` fills them).
    """
    if objs.empty:
        return pd.DataFrame(columns=ROW_COLUMNS).astype({"kr_id": "Int64"})
    obj = objs.rename(
        columns={
            "title": "objective_title",
            "description": "objective_description",
            "owner_id": "objective_owner_id",
            "owner_name": "objective_owner_name",
            "status": "objective_status",
            "progress": "objective_progress",
            "score": "objective_score",
        }
    )[
        [
            "objective_id",
            "cycle_id",
            "objective_title",
            "objective_description",
            "unit_id",
            "unit_name",
            "objective_owner_id",
            "objective_owner_name",
            "kind",
            "objective_status",
            "objective_progress",
            "objective_score",
        ]
    ]
    kr = (
        krs[
            [
                "objective_id",
                "kr_id",
                "title",
                "kr_type",
                "owner_id",
                "owner_name",
                "status",
                "progress",
                "expected",
                "pace",
                "baseline",
                "value",
                "target",
                "unit_label",
                "confidence",
                "last_checkin_date",
            ]
        ]
        if not krs.empty
        else pd.DataFrame(
            columns=[
                "objective_id",
                "kr_id",
                "title",
                "kr_type",
                "owner_id",
                "owner_name",
                "status",
                "progress",
                "expected",
                "pace",
                "baseline",
                "value",
                "target",
                "unit_label",
                "confidence",
                "last_checkin_date",
            ]
        )
    )
    rows = obj.merge(kr, on="objective_id", how="left")
    # An objective without key results counts with its own status, progress and pace.
    lonely = rows["kr_id"].isna()
    if lonely.any():
        rows.loc[lonely, "status"] = rows.loc[lonely, "objective_status"]
        rows.loc[lonely, "progress"] = rows.loc[lonely, "objective_progress"]
        by_obj = objs.set_index("objective_id")
        rows.loc[lonely, "expected"] = [by_obj.at[o, "expected"] for o in rows.loc[lonely, "objective_id"]]
        rows.loc[lonely, "pace"] = [by_obj.at[o, "pace"] for o in rows.loc[lonely, "objective_id"]]
    rows["cycle_name"] = [cycle_names.get(int(c), str(c)) for c in rows["cycle_id"]]
    cycle_rank = {int(c): i for i, c in enumerate(cycle_names)}
    unit_rank = {int(u): i for i, u in enumerate(unit_order or [])}
    rows["_cycle"] = [cycle_rank.get(int(c), len(cycle_rank)) for c in rows["cycle_id"]]
    rows["_unit"] = [unit_rank.get(int(u), len(unit_rank)) for u in rows["unit_id"]]
    rows["_kr"] = rows["kr_id"].fillna(-1)
    rows = rows.sort_values(["_cycle", "_unit", "unit_name", "objective_id", "_kr"], kind="stable")
    rows["matched_in"], rows["snippet"] = "", ""
    out = rows[ROW_COLUMNS].reset_index(drop=True)
    for column in ("kr_id", "owner_id", "objective_owner_id", "confidence"):
        out[column] = pd.to_numeric(out[column]).astype("Int64")
    for column in (
        "progress",
        "expected",
        "pace",
        "baseline",
        "value",
        "target",
        "objective_progress",
        "objective_score",
    ):
        out[column] = pd.to_numeric(out[column]).astype(float)
    return out


def rows(
    db: sqlite_utils.Database,
    cycle_id: int | None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """:func:`okr_rows` of one cycle, or of every cycle (newest first) when ``cycle_id`` is None."""
    cycles = q.cycles(db)
    names = {int(i): str(name) for i, name in zip(cycles["id"], cycles["name"])}
    if cycle_id is not None:
        names = {int(cycle_id): names[int(cycle_id)]} if int(cycle_id) in names else {}
    kr_parts, obj_parts = [], []
    for cid in names:
        krs = q.key_results(db, cid, None, today)
        kr_parts.append(krs)
        obj_parts.append(q.objectives(db, cid, None, today, krs=krs))
    unit_order = [int(i) for i in q.units(db, include_archived=True)["id"]]
    return okr_rows(_concat(kr_parts, q.KR_COLUMNS), _concat(obj_parts, q.OBJECTIVE_COLUMNS), names, unit_order)


def _frame(db: sqlite_utils.Database, sql: str, params: Sequence, columns: list[str]) -> pd.DataFrame:
    found = list(db.query(sql, params))
    return pd.DataFrame(found, columns=columns) if found else pd.DataFrame(columns=columns)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _concat(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def select(
    rows: pd.DataFrame,
    filters: Filters,
    branch: Collection[int] | None = None,
    matches: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rows that pass every filter, in their order.

    ``branch`` is the ids of ``filters.unit_id`` and every unit below it
    (:func:`okrdata.queries.subtree_ids`); ``matches`` is :func:`text_matches` for
    ``filters.text``, whose ``matched_in`` and ``snippet`` are copied onto the rows kept.
    """
    keep = pd.Series(True, index=rows.index)
    if filters.unit_id is not None:
        ids = set(int(i) for i in (branch if branch is not None else [filters.unit_id]))
        keep &= rows["unit_id"].astype(int).isin(ids)
    if filters.owner_id is not None:
        owner = int(filters.owner_id)
        keep &= (rows["owner_id"] == owner).fillna(False) | (rows["objective_owner_id"] == owner).fillna(False)
    if filters.statuses:
        keep &= rows["status"].isin(filters.statuses)
    if filters.kinds:
        keep &= rows["kind"].isin(filters.kinds)
    if filters.kr_types:
        keep &= rows["kr_type"].isin(filters.kr_types)
    out = rows[keep].copy()
    if filters.words:
        if matches is None or matches.empty:
            return out.iloc[0:0]
        found = {
            (int(o), None if pd.isna(k) else int(k)): (m, s)
            for o, k, m, s in zip(matches["objective_id"], matches["kr_id"], matches["matched_in"], matches["snippet"])
        }
        keys = [(int(o), None if pd.isna(k) else int(k)) for o, k in zip(out["objective_id"], out["kr_id"])]
        hit = [key in found for key in keys]
        out = out[hit].copy()
        out["matched_in"] = [found[key][0] for key, h in zip(keys, hit) if h]
        out["snippet"] = [found[key][1] for key, h in zip(keys, hit) if h]
    return out.reset_index(drop=True)


def search(
    db: sqlite_utils.Database,
    cycle_id: int | None,
    filters: Filters = Filters(),
    today: dt.date | None = None,
) -> pd.DataFrame:
    """The rows of a cycle (every cycle when ``cycle_id`` is None) that pass ``filters``."""
    all_rows = rows(db, cycle_id, today)
    branch = q.subtree_ids(db, filters.unit_id) if filters.unit_id is not None else None
    matches = None
    if filters.words:
        cycle_ids = None if cycle_id is None else [cycle_id]
        matches = text_matches(db, filters.text, cycle_ids, branch)
    return select(all_rows, filters, branch, matches)


def counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many key results and objectives some rows hold (objectives counted once)."""
    return {
        "key_results": int(frame["kr_id"].notna().sum()) if not frame.empty else 0,
        "objectives": int(frame["objective_id"].nunique()) if not frame.empty else 0,
    }


def owners(frame: pd.DataFrame) -> dict[int, str]:
    """Everyone who owns a key result or an objective among the rows, by name: id → name."""
    # Column-wise, then one entry per person: a cycle of thousands of key results has far fewer owners.
    both = pd.DataFrame(
        {
            "id": pd.concat([frame["owner_id"], frame["objective_owner_id"]], ignore_index=True),
            "name": pd.concat(
                [frame["owner_name"].astype(object), frame["objective_owner_name"].astype(object)], ignore_index=True
            ),
        }
    )
    both = both[both["id"].notna()].drop_duplicates("id", keep="last")
    pairs = {int(i): str(name) for i, name in zip(both["id"], both["name"])}
    return dict(sorted(pairs.items(), key=lambda item: (item[1].lower(), item[0])))


# --- export ------------------------------------------------------------------------------


def export_frame(frame: pd.DataFrame, with_cycle: bool = True, with_matches: bool = False) -> pd.DataFrame:
    """The rows as a table to hand on: readable headers (:data:`EXPORT_COLUMNS`), statuses, kinds
    and types in words, dates as ISO text, and numbers as numbers (progress and pace as
    fractions 0..1 rounded to 4 places, values as stored, the unit label in a column of its own).

    ``with_cycle`` keeps the Cycle column; ``with_matches`` keeps "Matched in" and "Match".
    """
    out = pd.DataFrame(
        {
            "cycle_name": frame["cycle_name"].astype(str),
            "objective_id": frame["objective_id"].astype(int),
            "objective_title": frame["objective_title"].astype(str),
            "unit_name": frame["unit_name"].astype(str),
            "objective_owner_name": frame["objective_owner_name"].fillna("").astype(str),
            "kind": [KIND_LABELS.get(k, str(k)) for k in frame["kind"]],
            "kr_id": frame["kr_id"].astype("Int64"),
            "title": frame["title"].fillna("").astype(str),
            "kr_type": ["" if pd.isna(t) else KR_TYPE_LABELS.get(t, str(t)) for t in frame["kr_type"]],
            "owner_name": frame["owner_name"].fillna("").astype(str),
            "status": [wording.status_label(s) for s in frame["status"]],
            "progress": frame["progress"].astype(float).round(4),
            "pace": frame["pace"].astype(float).round(4),
            "baseline": frame["baseline"].astype(float),
            "value": frame["value"].astype(float),
            "target": frame["target"].astype(float),
            "unit_label": frame["unit_label"].fillna("").astype(str),
            "confidence": frame["confidence"].astype("Int64"),
            "last_checkin_date": frame["last_checkin_date"].fillna("").astype(str).str[:10],
            "matched_in": frame["matched_in"].fillna("").astype(str),
            "snippet": frame["snippet"].fillna("").astype(str),
        }
    )
    columns = [
        c
        for c in EXPORT_COLUMNS
        if (with_cycle or c != "cycle_name") and (with_matches or c not in ("matched_in", "snippet"))
    ]
    return out[columns].rename(columns=EXPORT_COLUMNS).reset_index(drop=True)


def export_csv(frame: pd.DataFrame, with_cycle: bool = True, with_matches: bool = False) -> str:
    """:func:`export_frame` as CSV text (comma separated, a header row, empty cells for no value),
    text that a spreadsheet would run as a formula escaped (:func:`okrdata.transfer.neutralise_cell`)."""
    return neutralise_frame(export_frame(frame, with_cycle, with_matches)).to_csv(index=False, lineterminator="\n")


# --- one objective -----------------------------------------------------------------------


def as_id(raw: Any) -> int | None:
    """A positive integer id from a query parameter's text (``"12"``), else None (``"abc"``, ``"-1"``)."""
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else None
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    if not text.isdigit() or not text.isascii() or len(text) > 18:
        return None
    value = int(text)
    return value if value > 0 else None


def objective(db: sqlite_utils.Database, objective_id: Any, include_archived: bool = False) -> dict | None:
    """One objective with its cycle, unit, owner and what it aligns to, in one query; None when
    there is no such objective (or it is archived, unless ``include_archived``).

    Keys: the objective's columns (id, cycle_id, unit_id, title, description, owner_id, kind,
    parent_objective_id, parent_kr_id, weight, state, score, score_reason, reflection) and
    cycle_name, cycle_start, cycle_end, cycle_state, unit_name, owner_name, parent_title,
    parent_kr_title.
    """
    oid = as_id(objective_id)
    if oid is None:
        return None
    found = list(
        db.query(
            """
        SELECT o.*, c.name AS cycle_name, c.start_date AS cycle_start, c.end_date AS cycle_end,
               c.state AS cycle_state, u.name AS unit_name, p.name AS owner_name,
               po.title AS parent_title, pk.title AS parent_kr_title
        FROM objectives o
        JOIN cycles c ON c.id = o.cycle_id
        JOIN units u ON u.id = o.unit_id
        LEFT JOIN people p ON p.id = o.owner_id
        LEFT JOIN objectives po ON po.id = o.parent_objective_id
        LEFT JOIN key_results pk ON pk.id = o.parent_kr_id
        WHERE o.id = ?
        """,
            [oid],
        )
    )
    if not found:
        return None
    row = found[0]
    if row["state"] != "active" and not include_archived:
        return None
    return row


def alignment_up(db: sqlite_utils.Database, objective_id: int) -> pd.DataFrame:
    """The objectives above this one, from the top (the company's) down to its direct parent.

    Columns :data:`CHAIN_COLUMNS`: ``depth`` counts from this objective (1 = its parent);
    ``parent_kr_title`` is the key result a level aligns to, when it aligns to one. An
    objective aligned to nothing gives no rows.
    """
    frame = _frame(
        db,
        f"""
        WITH RECURSIVE up(id, depth) AS (
            SELECT parent_objective_id, 1 FROM objectives WHERE id = ? AND parent_objective_id IS NOT NULL
            UNION
            SELECT o.parent_objective_id, up.depth + 1
            FROM objectives o JOIN up ON o.id = up.id
            WHERE o.parent_objective_id IS NOT NULL AND up.depth < {_MAX_DEPTH}
        )
        SELECT o.id AS objective_id, o.title, o.unit_id, u.name AS unit_name, o.cycle_id,
               o.parent_objective_id, o.parent_kr_id, pk.title AS parent_kr_title, min(up.depth) AS depth
        FROM up
        JOIN objectives o ON o.id = up.id
        JOIN units u ON u.id = o.unit_id
        LEFT JOIN key_results pk ON pk.id = o.parent_kr_id
        GROUP BY o.id
        ORDER BY depth DESC
        """,
        [int(objective_id)],
        columns=CHAIN_COLUMNS,
    )
    return frame[CHAIN_COLUMNS].reset_index(drop=True)


def alignment_down(db: sqlite_utils.Database, objective_id: int) -> pd.DataFrame:
    """Every active objective aligned to this one, directly or further down, as a tree outline.

    Columns :data:`CHAIN_COLUMNS`: ``depth`` 1 for the objectives aligned directly to this one;
    rows come depth first (each objective followed by those aligned to it), so indenting by
    depth draws the tree. ``parent_kr_title`` is the key result an objective aligns to.
    """
    frame = _frame(
        db,
        f"""
        WITH RECURSIVE down(id, depth, path) AS (
            SELECT id, 1, printf('%010d', id) FROM objectives
            WHERE parent_objective_id = ? AND state = 'active'
            UNION ALL
            SELECT o.id, down.depth + 1, down.path || '/' || printf('%010d', o.id)
            FROM objectives o JOIN down ON o.parent_objective_id = down.id
            WHERE o.state = 'active' AND down.depth < {_MAX_DEPTH}
        )
        SELECT o.id AS objective_id, o.title, o.unit_id, u.name AS unit_name, o.cycle_id,
               o.parent_objective_id, o.parent_kr_id, pk.title AS parent_kr_title, down.depth
        FROM down
        JOIN objectives o ON o.id = down.id
        JOIN units u ON u.id = o.unit_id
        LEFT JOIN key_results pk ON pk.id = o.parent_kr_id
        ORDER BY down.path
        """,
        [int(objective_id)],
        columns=CHAIN_COLUMNS,
    )
    return frame[CHAIN_COLUMNS].reset_index(drop=True)


def objective_findings(findings: pd.DataFrame, objective_id: int, kr_ids: Collection[int] = ()) -> pd.DataFrame:
    """The coach's findings (:func:`okrdata.quality.findings_frame`) about one objective or its key results."""
    if findings.empty:
        return findings
    ids = {int(i) for i in kr_ids}
    about_objective = findings["objective_id"].apply(lambda x: not pd.isna(x) and int(x) == int(objective_id))
    about_kr = findings["kr_id"].apply(lambda x: not pd.isna(x) and int(x) in ids)
    return findings[about_objective | about_kr].reset_index(drop=True)


def kr_guides(
    kr_type: str,
    baseline: float | None,
    target: float | None,
    start: Any,
    end: Any,
) -> dict:
    """What a key result's history chart draws besides its check-ins.

    ``target``: the value to reach (or the bound to keep), None when there is none;
    ``pace``: the straight line from the baseline at the cycle's start to the target at its end,
    as two (date, value) points, for key results that move from X to Y (a milestone goes from 0
    to 1), None for stay-above/below key results and for those missing a baseline or target.
    """
    start, end = _day(start), _day(end)
    base = None if baseline is None or pd.isna(baseline) else float(baseline)
    goal = None if target is None or pd.isna(target) else float(target)
    if kr_type == "milestone":
        return {"target": 1.0 if goal is None else goal, "pace": [(start, 0.0), (end, 1.0 if goal is None else goal)]}
    if kr_type in ("increase", "decrease") and base is not None and goal is not None:
        return {"target": goal, "pace": [(start, base), (end, goal)]}
    return {"target": goal, "pace": None}


def kr_notes(history: pd.DataFrame, kr_id: int) -> pd.DataFrame:
    """One key result's check-ins, newest first: checkin_date, author_name, value, confidence, note."""
    columns = ["checkin_date", "author_name", "value", "confidence", "note"]
    if history.empty:
        return pd.DataFrame(columns=columns)
    mine = history[history["kr_id"] == int(kr_id)]
    order = mine.sort_values(["checkin_date", "checkin_id"], ascending=False)
    return order[columns].reset_index(drop=True)
