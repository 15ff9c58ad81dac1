"""Bringing a cycle's cached frames up to date after check-ins, instead of building them again.

A check-in changes the figures of its own key result, its objective and the units above it,
nothing else. The frames of a whole cycle are therefore patched: the rows of the key results
whose check-ins changed (listed by the database, :meth:`okrdata.db.Watch.changed_key_results`)
are worked out again and put in place of the old ones, instead of working out thousands of
rows. Anything else that moved (the plan of the cycle, the organisation, the day) builds
afresh, and so does a change the frames' types could not take as they are.

:func:`after_checkins` makes a reader's ``patch`` (:func:`ui.data.cache.reader`);
:func:`splice`, :func:`replace_blocks` and :func:`replace_rows` put fresh rows in place. The
patches of the readers of :mod:`ui.data.readers` are declared beside them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ui.data.cache import _version, changed_key_results


def checkins_changed(stale: Mapping[str, Any], now: Mapping[str, Any], cycle_id: int) -> set[int] | None:
    """The key results of ``cycle_id`` whose check-ins are all that changed since a result was
    built at versions ``stale``; None when anything else changed too (or it is not known)."""
    scope = f"cycle:{int(cycle_id)}"
    if f"plan:{int(cycle_id)}" not in stale:
        return None
    for name, version in stale.items():
        if name != scope and _version(now, name) != version:
            return None
    since = stale.get(scope)
    return changed_key_results(int(cycle_id), 0 if since is None else since)


def _same_types(old: pd.Series, new: pd.Series, kept: pd.Series) -> bool:
    """Whether ``new`` values can go into ``old``'s column and leave it of the type a fresh build
    would give it (``kept``: the old values that stay)."""
    if old.dtype == new.dtype:
        return True
    if old.dtype == np.float64 and new.dtype == np.int64:
        return bool(kept.isna().any())  # whole numbers beside a missing one: floating point, fresh too
    # Nothing but missing values (SQL NULLs, of no type) beside numbers or text that stay: the
    # column keeps the type of what stays.
    return (
        (old.dtype == np.float64 or pd.api.types.is_string_dtype(old.dtype) and old.dtype != object)
        and new.dtype == object
        and bool(new.isna().all())
        and bool(kept.notna().any())
    )


def splice(old: pd.DataFrame, fresh: pd.DataFrame, key: str, gone: Collection[Any] = ()) -> pd.DataFrame | None:
    """``old`` with the rows whose ``key`` is in ``fresh`` replaced by those of ``fresh``; None
    when ``fresh`` holds a row ``old`` did not, one of ``gone`` (rows that should be in
    ``fresh``) is missing from it, or the types would change."""
    if fresh.columns.tolist() != old.columns.tolist() or old.empty:
        return None
    where = pd.Index(old[key]).get_indexer(fresh[key])
    if (where < 0).any() or len(set(where)) != len(where) or not set(gone) <= set(fresh[key]):
        return None
    return _put(old, fresh, where)


def replace_blocks(old: pd.DataFrame, fresh: pd.DataFrame, key: str, ids: Collection[Any]) -> pd.DataFrame | None:
    """``old`` with its rows whose ``key`` is one of ``ids`` (several rows each, a key result's
    weeks say) replaced, in order, by the rows of ``fresh``; None when they do not line up."""
    if fresh.columns.tolist() != old.columns.tolist() or old.empty:
        return None
    where = np.flatnonzero(old[key].isin(list(ids)).to_numpy())
    if len(where) != len(fresh) or not np.array_equal(old[key].to_numpy()[where], fresh[key].to_numpy()):
        return None
    return _put(old, fresh, where)


def replace_rows(old: pd.DataFrame, fresh: pd.DataFrame, positions: Sequence[int]) -> pd.DataFrame | None:
    """``old`` with its rows at ``positions`` replaced, in order, by the rows of ``fresh``; None
    when they do not line up or the types would change."""
    where = np.asarray(positions, dtype=np.int64)
    if fresh.columns.tolist() != old.columns.tolist() or len(where) != len(fresh) or old.empty:
        return None
    if len(where) and (where.min() < 0 or where.max() >= len(old) or len(set(where.tolist())) != len(where)):
        return None
    return _put(old, fresh, where)


def _put(old: pd.DataFrame, fresh: pd.DataFrame, where: np.ndarray) -> pd.DataFrame | None:
    """``old`` with rows ``where`` replaced by ``fresh``'s; columns whose values did not change are
    kept as they are, not copied. None when the types would change."""
    # Column by column on the arrays themselves: a patch puts a handful of rows into frames of
    # dozens of columns, so pandas' own per-column bookkeeping (a Series each, indexes,
    # alignment) would cost far more than the values do (issue 13).
    kept: np.ndarray | None = None
    changed: dict[int, Any] = {}
    for i, (values, new) in enumerate(zip(_column_arrays(old), _column_arrays(fresh))):
        if values.dtype == new.dtype:
            column_values = _replaced(values, new, where, old.index)
        else:
            if kept is None:
                kept = np.ones(len(old), dtype=bool)
                kept[where] = False
            column_values = _replaced_other_type(old.iloc[:, i], fresh.iloc[:, i], where, kept)
            if column_values is False:
                return None
        if column_values is not None:
            changed[i] = column_values
    out = old.copy(deep=False)
    for i, column_values in changed.items():
        out.isetitem(i, column_values)
    if changed:
        types, old_types = out.dtypes.tolist(), old.dtypes.tolist()
        if any(types[i] != old_types[i] for i in changed):
            return None
    return out


def _column_arrays(frame: pd.DataFrame) -> list[Any]:
    """The arrays holding ``frame``'s columns, in order, without a Series made for each."""
    if hasattr(frame, "_iter_column_arrays"):  # pandas' own, 2.x and 3.x; far cheaper than frame[c]
        return list(frame._iter_column_arrays())
    return [
        column.to_numpy() if isinstance(column.dtype, np.dtype) else column.array
        for column in (frame.iloc[:, i] for i in range(frame.shape[1]))
    ]


def _replaced(values: Any, new: Any, where: np.ndarray, index: pd.Index) -> Any:
    """The array ``values`` with rows ``where`` replaced by ``new`` (an array of the same type),
    ready to go in a frame of ``index``; None when they hold those values already."""
    dtype = values.dtype
    if not isinstance(dtype, np.dtype):  # pandas' own types (text, nullable numbers, categories)
        if values.take(where).equals(new):
            return None
        array = values.copy()
        array[where] = new
        return array
    if dtype.kind in "biu":
        same = np.array_equal(values[where], new)
    elif dtype.kind in "fcmM":
        same = np.array_equal(values[where], new, equal_nan=True)
    else:  # objects: as pandas compares them (None and NaN alike, say)
        same = pd.Series(values[where], dtype=object, copy=False).equals(pd.Series(new, dtype=object, copy=False))
    if same:
        return None
    array = values.copy()
    array[where] = new
    # Objects go in as a Series of objects: bare, text alone would be taken for a text column.
    return pd.Series(array, index=index, dtype=object, copy=False) if dtype.kind == "O" else array


def _replaced_other_type(values: pd.Series, new: pd.Series, where: np.ndarray, kept: np.ndarray) -> Any:
    """``values`` with rows ``where`` replaced by ``new``, of another type: False when the column
    could not take them and keep its type (``kept``: the rows that stay)."""
    if not _same_types(values, new, values[kept]):
        return False
    column_values = values.copy()
    column_values.iloc[where] = (
        new.to_numpy(dtype=float, na_value=np.nan) if values.dtype == np.float64 else new.to_numpy()
    )
    return False if column_values.dtype != values.dtype else column_values


def after_checkins(patch: Callable[..., Any]) -> Callable[..., Any]:
    """A reader's ``patch`` (:func:`ui.data.cache.reader`) made from ``patch(stale, changed, cycle_id, *args)``,
    which brings ``stale`` up to date after check-ins on the key results ``changed`` (ids) of
    its cycle. Whenever anything else changed too, or ``stale`` is an empty frame, the result
    is built afresh instead (the wrapper returns None without calling ``patch``)."""

    @functools.wraps(patch)
    def patched(stale: Any, versions_then: Mapping[str, Any], now: Mapping[str, Any], cycle_id: int, *args, **kwargs):
        changed = checkins_changed(versions_then, now, cycle_id)
        if changed is None or (isinstance(stale, pd.DataFrame) and stale.empty):
            return None
        return patch(stale, changed, cycle_id, *args, **kwargs)

    return patched
