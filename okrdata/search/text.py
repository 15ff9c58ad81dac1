"""Text search over the OKRs: the search words of a query, the rows whose texts hold every word
(asked of SQLite, bounded by the chosen cycles and unit branch), where each matched and a snippet.

Every word must occur (case-insensitively, as a literal: ``%``, ``_`` and quotes are just
characters) in the objective's title or description, the key result's title, or any of the key
result's check-in notes; the words may be spread over those fields. ASCII words are matched with
``LIKE … ESCAPE``, others through a Unicode-aware fold.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import pandas as pd
import sqlite_utils

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

MATCH_COLUMNS = ["objective_id", "kr_id", "matched_in", "snippet"]


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
