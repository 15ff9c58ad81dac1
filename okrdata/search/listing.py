"""The All OKRs list: one row per key result with its objective's columns (a row of its own for
an objective without key results), the filters that narrow it, and the whole search pipeline.

:func:`okr_rows` builds the rows from :func:`okrdata.queries.key_results` and
:func:`okrdata.queries.objectives`; :func:`select` narrows them by unit branch, owner, status,
kind, key result type and the text matches of :mod:`okrdata.search.text`; :func:`search` runs it
all on a database (the page composes the same pieces from its cached readers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import sqlite_utils

from okrdata import queries as q
from okrdata import wording
from okrdata.search.text import text_matches, words

KR_TYPE_LABELS = wording.KR_TYPE_LABELS
"""Key result types in words, in the order the filters offer them (:mod:`okrdata.wording`)."""

KIND_LABELS = wording.KIND_LABELS

_OBJECTIVE_COLUMNS = [
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
]
"""The columns a row takes from its objective (:func:`okrdata.queries.objectives`, renamed)."""

_KR_COLUMNS = [
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
"""The columns a row takes from its key result (:func:`okrdata.queries.key_results`)."""

ROW_COLUMNS = [
    "cycle_id",
    "cycle_name",
    *_OBJECTIVE_COLUMNS,
    *_KR_COLUMNS,
    "matched_in",
    "snippet",
]


# --- the filters -------------------------------------------------------------------------


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
    )[["cycle_id", *_OBJECTIVE_COLUMNS]]
    kr_columns = ["objective_id", *_KR_COLUMNS]
    kr = krs[kr_columns] if not krs.empty else pd.DataFrame(columns=kr_columns)
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
