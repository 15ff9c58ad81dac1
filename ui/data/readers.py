"""The cached readers every page shares (:func:`ui.data.cache.reader`): cycles, units,
people, a cycle's key results, objectives, roll-ups and check-ins, KPIs, the OKR coach's
findings, the sidebar's choices and the review's calibration.

The readers of a cycle's figures come with a ``patch`` each (:mod:`ui.data.patches`), which
brings them up to date after check-ins by working out again only the rows the check-ins
changed. Readers that only one page uses are declared next to its widgets (``ui/*_data.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from okrdata import quality, review
from okrdata import queries as q
from ui.data.cache import depends, reader
from ui.data.database import opened, today
from ui.data.patches import _same_types, after_checkins, splice

# --- bringing the readers of a cycle's figures up to date after check-ins -------------------


@after_checkins
def _patch_key_results(
    stale: pd.DataFrame, changed: set[int], cycle_id: int, unit_id: int | None = None
) -> pd.DataFrame | None:
    ids = stale["kr_id"].to_numpy()
    mine = np.isin(ids, list(changed))
    if not mine.any():
        return stale
    objectives_touched = sorted({int(i) for i in stale["objective_id"].to_numpy()[mine]})
    with opened() as db:
        fresh = q.key_results(db, int(cycle_id), unit_id, today(), objective_ids=objectives_touched)
    return splice(stale, fresh, "kr_id", gone=[int(i) for i in ids[mine]])


@after_checkins
def _patch_objectives(
    stale: pd.DataFrame, changed: set[int], cycle_id: int, unit_id: int | None = None
) -> pd.DataFrame | None:
    krs = key_results(cycle_id, unit_id)
    objective_ids = krs["objective_id"].to_numpy()
    touched = sorted({int(i) for i in objective_ids[np.isin(krs["kr_id"].to_numpy(), list(changed))]})
    if not touched:
        return stale
    with opened() as db:
        fresh = q.objectives(
            db, int(cycle_id), unit_id, today(), krs=krs[np.isin(objective_ids, touched)], objective_ids=touched
        )
    return splice(stale, fresh, "objective_id", gone=touched)


@after_checkins
def _patch_unit_progress(stale: pd.DataFrame, changed: set[int], cycle_id: int) -> pd.DataFrame | None:
    # From the patched objectives, every unit: a unit's figure sums its whole branch, and a sum
    # over the changed branches only came out a last binary digit away from a cold run's.
    krs, objs = key_results(cycle_id), objectives(cycle_id)
    if not np.isin(krs["kr_id"].to_numpy(), list(changed)).any():
        return stale
    with opened() as db:
        return q.unit_progress(db, int(cycle_id), today(), objs=objs)


@after_checkins
def _patch_checkin_history(
    stale: pd.DataFrame,
    changed: set[int],
    cycle_id: int,
    unit_id: int | None = None,
    kr_ids: Sequence[int] | None = None,
) -> pd.DataFrame | None:
    if kr_ids is not None:
        changed &= {int(i) for i in kr_ids}
    if not changed:
        return stale
    with opened() as db:
        fresh = q.checkin_history(db, int(cycle_id), unit_id, sorted(changed))
    if not fresh.empty and list(fresh.columns) != list(stale.columns):
        return None
    # The rows come by key result (then date, then id), so each changed key result's check-ins
    # are one block: cut out and put back in its place, the rest of the frame kept as it is.
    ids = stale["kr_id"].to_numpy()
    if len(ids) > 1 and not bool((ids[1:] >= ids[:-1]).all()):
        return None
    pieces, start = [], 0
    fresh_ids = fresh["kr_id"].to_numpy()
    for kr in sorted(changed):
        pieces.append(stale.iloc[start : int(np.searchsorted(ids, kr, "left"))])
        pieces.append(
            fresh.iloc[int(np.searchsorted(fresh_ids, kr, "left")) : int(np.searchsorted(fresh_ids, kr, "right"))]
        )
        start = int(np.searchsorted(ids, kr, "right"))
    pieces.append(stale.iloc[start:])
    pieces = [piece for piece in pieces if not piece.empty]
    if not pieces:
        return None
    types = stale.dtypes.tolist()
    if not fresh.empty:
        keep = functools.cache(lambda: stale[~stale["kr_id"].isin(changed)])
        if not all(
            old == new or _same_types(stale[c], fresh[c], keep()[c])
            for c, old, new in zip(stale.columns, types, fresh.dtypes.tolist())
        ):
            return None
    both = pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0].reset_index(drop=True)
    if both.dtypes.tolist() != types:
        return None
    return both


# --- the readers ---------------------------------------------------------------------------


@reader(reads=("org",))
def is_demo() -> bool:
    """True while the database holds the demo organisation."""
    with opened() as db:
        return q.is_demo(db)


@reader(reads=("org",))
def cycles() -> pd.DataFrame:
    """All cycles, newest first (:func:`okrdata.queries.cycles`)."""
    with opened() as db:
        return q.cycles(db)


def cycle(cycle_id: int) -> dict | None:
    """One cycle's row as a dict, or None."""
    df = cycles()
    rows = df[df["id"] == cycle_id].to_dict("records") if not df.empty else []
    return rows[0] if rows else None


@reader(reads=("org", "today"))
def default_cycle_id() -> int | None:
    """The cycle shown when none is chosen (:func:`okrdata.queries.default_cycle_id`)."""
    with opened() as db:
        return q.default_cycle_id(db, today())


@reader(reads=("org",))
def units(include_archived: bool = False) -> pd.DataFrame:
    """The unit tree in outline order (:func:`okrdata.queries.units`): the units a picker offers,
    or with ``include_archived`` every unit, as a figure that rolls up the tree needs."""
    with opened() as db:
        return q.units(db, include_archived=include_archived)


@reader(reads=("org",))
def subtree_ids(unit_id: int) -> list[int]:
    """A unit and every unit below it."""
    with opened() as db:
        return q.subtree_ids(db, int(unit_id))


@reader(reads=("org",))
def people() -> pd.DataFrame:
    """Everyone (:func:`okrdata.queries.people`)."""
    with opened() as db:
        return q.people(db)


@reader(reads=("cycle", "plan", "today"), patch=_patch_key_results)
def key_results(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's key results with every figure (:func:`okrdata.queries.key_results`)."""
    with opened() as db:
        return q.key_results(db, int(cycle_id), unit_id, today())


@reader(reads=("plan",))
def key_result_labels(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's key results as entered, in the order of :func:`key_results`, without figures
    (:func:`okrdata.queries.key_result_labels`): for pickers and counts."""
    with opened() as db:
        return q.key_result_labels(db, int(cycle_id), unit_id)


@reader(reads=("plan",))
def objective_rows(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's objectives as entered, without figures (:func:`okrdata.queries.objective_rows`):
    for pickers and forms, which need no key result's check-ins."""
    with opened() as db:
        return q.objective_rows(db, int(cycle_id), unit_id)


@reader(reads=("cycle", "plan", "today"), patch=_patch_objectives)
def objectives(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """A cycle's objectives with progress, status and score (:func:`okrdata.queries.objectives`)."""
    krs = key_results(cycle_id, unit_id)
    with opened() as db:
        return q.objectives(db, int(cycle_id), unit_id, today(), krs=krs)


@reader(reads=("cycle", "plan", "today"), patch=_patch_unit_progress)
def unit_progress(cycle_id: int) -> pd.DataFrame:
    """Every unit's roll-up for a cycle (:func:`okrdata.queries.unit_progress`)."""
    objs = objectives(cycle_id, None)
    with opened() as db:
        return q.unit_progress(db, int(cycle_id), today(), objs=objs)


@reader(reads=("cycle", "today"))
def cycle_summary(cycle_id: int, unit_id: int | None = None) -> dict:
    """The headline figures of a cycle for a unit's branch (:func:`okrdata.queries.cycle_summary`)."""
    krs = key_results(cycle_id, unit_id)
    objs = objectives(cycle_id, unit_id)
    with opened() as db:
        return q.cycle_summary(db, int(cycle_id), unit_id, today(), objs=objs, krs=krs)


@reader(reads=("cycle", "plan"), patch=_patch_checkin_history)
def checkin_history(cycle_id: int, unit_id: int | None = None, kr_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """Check-ins of a cycle, oldest first (:func:`okrdata.queries.checkin_history`)."""
    ids = None if kr_ids is None else tuple(int(i) for i in kr_ids)
    with opened() as db:
        return q.checkin_history(db, int(cycle_id), unit_id, ids)


@reader(reads=("kpis", "today"))
def kpis(unit_id: int | None = None) -> pd.DataFrame:
    """KPIs of a unit's branch with their health (:func:`okrdata.queries.kpis`)."""
    with opened() as db:
        return q.kpis(db, unit_id, today())


@reader(reads=("kpis",))
def kpi_readings(kpi_ids: Sequence[int], since: dt.date | None = None) -> pd.DataFrame:
    """Readings of some KPIs, oldest first (:func:`okrdata.queries.kpi_readings`)."""
    with opened() as db:
        return q.kpi_readings(db, tuple(int(i) for i in kpi_ids), since)


@reader(reads=("plan",))
def quality_findings(cycle_id: int, unit_id: int | None = None) -> pd.DataFrame:
    """The OKR coach's findings for a cycle and a unit's branch (:func:`okrdata.quality.findings_frame`).

    They judge the OKRs as entered, so a check-in leaves them as they are."""
    with opened() as db:
        return quality.findings_frame(db, int(cycle_id), unit_id)


@reader(reads=())
def unit_paths() -> dict[int, str]:
    """Every unit's label for a picker, in outline order: its path without the company's name
    ("Product & Engineering / Web App"), the company's own name for the company. Cached, so a
    picker of a thousand units costs nothing to prepare at a rerun."""
    tree = units()
    if tree.empty:
        return {}
    # Without the company's name ("Product & Engineering / Web App"); the company by its own name.
    return {
        int(i): str(p).split(" / ", 1)[-1] if int(d) else str(p)
        for i, p, d in zip(tree["id"], tree["path"], tree["depth"])
    }


@reader(reads=())
def scope_choices() -> dict:
    """What the sidebar pickers offer, prepared once per change of the organisation.

    Keys: ``cycle_rows`` (id → row, newest first), ``root_id`` and ``company_name`` (the unit at
    the top; None and "Company" before there is one), ``unit_names`` (id → name) and
    ``unit_paths`` (:func:`unit_paths`).
    """
    cycles_df = cycles()
    tree = units()
    roots = tree[tree["depth"] == 0] if not tree.empty else tree
    return {
        "cycle_rows": {int(r["id"]): r for r in cycles_df.to_dict("records")},
        "root_id": int(roots["id"].iloc[0]) if not roots.empty else None,
        "company_name": str(roots["name"].iloc[0]) if not roots.empty else "Company",
        "unit_names": {int(i): str(name) for i, name in zip(tree["id"], tree["name"])},
        "unit_paths": unit_paths(),
    }


@reader(reads=("org",))
def calibration(unit_id: int | None, limit: int = review.HISTORY_CYCLES) -> dict:
    """The calibration tables of :mod:`okrdata.review` over the last ``limit`` closed cycles, for
    a unit's branch. Closed cycles do not change, so a check-in in the running cycle leaves
    them as they are: they are worked out once per change of a closed cycle or of the organisation."""
    closed = cycles()
    depends(*(f"cycle:{int(i)}" for i, state in zip(closed["id"], closed["state"]) if state == "closed"))
    with opened() as db:
        history = review.load_history(db, unit_id, limit)
    per_cycle = review.by_unit_cycle(history)
    return {
        "cycles": history.cycles,
        "units": review.by_unit(history, per_cycle),
        "unit_cycles": per_cycle,
        "reliability": review.reliability(history),
        "brier": review.brier(history),
    }
