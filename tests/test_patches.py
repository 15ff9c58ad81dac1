"""Putting fresh rows into a cached frame (:mod:`ui.data.patches`): the frame that comes out
holds what a straightforward rebuild would (the kept rows and the fresh ones, in place), with
every column's type, the column order and the index unchanged, and a patch the types could not
take is refused (None) so the frame is built afresh.

The frames here are random, of every type the readers' frames hold, and each patch is checked
against two references: pandas putting the rows together (concat, then back in order) for the
values, and the plain per-column ``Series`` way the patches were first written for when to
refuse and for the exact result.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui.data import patches  # noqa: E402 - once the repository is on the path

TYPES = ("int", "float", "Int64", "bool", "object", "str", "datetime", "category")


def column(kind: str, rng: np.random.Generator, n: int, missing: bool = True) -> pd.Series:
    """``n`` random values of type ``kind``, some missing where the type allows."""
    gaps = rng.random(n) < (0.3 if missing else 0.0)
    if kind == "int":
        return pd.Series(rng.integers(0, 5, n), dtype="int64")
    if kind == "float":
        values = rng.integers(0, 5, n).astype(float) / 2
        values[gaps] = np.nan
        return pd.Series(values)
    if kind == "Int64":
        return pd.Series(pd.array([None if g else int(v) for g, v in zip(gaps, rng.integers(0, 5, n))], "Int64"))
    if kind == "bool":
        return pd.Series(rng.random(n) < 0.5)
    if kind == "object":  # what SQL gives for a column of dates or of nothing
        return pd.Series(
            [None if g else f"2026-0{v + 1}-01" for g, v in zip(gaps, rng.integers(0, 5, n))], dtype=object
        )
    if kind == "str":
        return pd.Series([np.nan if g else "abcde"[v] for g, v in zip(gaps, rng.integers(0, 5, n))], dtype="str")
    if kind == "datetime":
        values = pd.Series(pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 5, n), unit="D"))
        values[gaps] = pd.NaT
        return values
    if kind == "category":
        return pd.Series(pd.Categorical(["abcde"[v] for v in rng.integers(0, 5, n)], categories=list("abcdef")))
    raise AssertionError(kind)


def frame(rng: np.random.Generator, n: int, missing: bool = True) -> pd.DataFrame:
    """A frame of ``n`` rows with an ``id`` key, a ``block`` key (a few rows each) and a column of
    every type, in a shuffled order."""
    columns = {kind: column(kind, rng, n, missing) for kind in TYPES}
    names = list(columns)
    rng.shuffle(names)
    out = pd.DataFrame({"id": np.arange(n, dtype="int64") * 10, "block": np.arange(n, dtype="int64") // 3})
    for name in names:
        out[name] = columns[name]
    return out


def fresh_rows(rng: np.random.Generator, old: pd.DataFrame, where: np.ndarray, case: str) -> pd.DataFrame:
    """New values for ``old``'s rows ``where``: the same ones, new ones of the same types, or one
    column given values of another type (``case``)."""
    fresh = old.iloc[where].reset_index(drop=True)
    if case == "same":
        return fresh
    other = frame(rng, len(where), missing=bool(rng.random() < 0.5))
    for name in TYPES:
        if rng.random() < 0.6:
            fresh[name] = other[name]
    for name in TYPES:
        assert fresh[name].dtype == old[name].dtype or name == "category", name
    if case == "same types":
        return fresh.set_axis(rng.permutation(len(fresh)) + 100)  # the index of fresh rows is not kept
    name, values = {
        "float into int": ("int", pd.Series(np.full(len(where), 1.5))),
        "int into float": ("float", pd.Series(np.arange(len(where), dtype="int64"))),
        "nothing into float": ("float", pd.Series([None] * len(where), dtype=object)),
        "nothing into text": ("str", pd.Series([None] * len(where), dtype=object)),
        "objects into bool": ("bool", pd.Series([None] * len(where), dtype=object)),
        "int into Int64": ("Int64", pd.Series(np.arange(len(where), dtype="int64"))),
        "other categories": ("category", pd.Series(pd.Categorical(["z"] * len(where)))),
        "float into datetime": ("datetime", pd.Series(np.full(len(where), 2.0))),
    }[case]
    fresh[name] = values
    assert fresh[name].dtype == values.dtype, case
    return fresh


def series_put(old: pd.DataFrame, fresh: pd.DataFrame, where: np.ndarray) -> pd.DataFrame | None:
    """The patches as first written, a pandas Series per column: the reference for when a patch
    is refused and for the exact frame it gives."""
    kept = np.ones(len(old), dtype=bool)
    kept[where] = False
    out = old.copy(deep=False)
    for name in old.columns:
        values, new = old[name], fresh[name].reset_index(drop=True)
        if values.iloc[where].reset_index(drop=True).equals(new):
            continue
        if not patches._same_types(values, new, values[kept]):
            return None
        column_values = values.copy()
        column_values.iloc[where] = (
            new.to_numpy(dtype=float, na_value=np.nan) if values.dtype == np.float64 else new.to_numpy()
        )
        if column_values.dtype != values.dtype:
            return None
        out[name] = column_values
    return out


def concat_put(old: pd.DataFrame, fresh: pd.DataFrame, where: np.ndarray) -> pd.DataFrame:
    """The kept rows and the fresh ones put together by pandas, back in ``old``'s order."""
    kept = old.drop(index=old.index[where])
    both = pd.concat([kept, fresh.set_axis(old.index[where])]) if len(kept) else fresh.set_axis(old.index[where])
    return both.loc[old.index]


CASES = (
    "same",
    "same types",
    "float into int",
    "int into float",
    "nothing into float",
    "nothing into text",
    "objects into bool",
    "int into Int64",
    "other categories",
    "float into datetime",
)


def check(got: pd.DataFrame | None, old: pd.DataFrame, fresh: pd.DataFrame, where: np.ndarray) -> bool:
    """``got`` is what the references give; whether it was a patch (not a refusal)."""
    expected = series_put(old, fresh, where)
    if expected is None:
        assert got is None
        return False
    assert got is not None
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert list(got.dtypes) == list(old.dtypes) and list(got.columns) == list(old.columns)
    assert got.index.equals(old.index)
    pd.testing.assert_frame_equal(got, concat_put(old, fresh, where), check_exact=True, check_dtype=False)
    return True


@pytest.mark.parametrize("case", CASES)
def test_rows_put_in_place_equal_a_plain_rebuild_and_keep_the_types(case):
    rng = np.random.default_rng(sum(map(ord, case)))
    patched = refused = 0
    for _ in range(40):
        n = int(rng.integers(1, 12))
        old = frame(rng, n)
        if rng.random() < 0.3:
            old.index = pd.Index(rng.permutation(n) * 7 + 3)
        where = np.sort(
            rng.choice(n, int(rng.integers(0 if case in ("same", "same types") else 1, n + 1)), replace=False)
        )
        fresh = fresh_rows(rng, old, where, case)
        if check(patches.replace_rows(old, fresh, where), old, fresh, where):
            patched += 1
        else:
            refused += 1
        by_key = fresh.assign(id=old["id"].to_numpy()[where])
        if check(patches.splice(old, by_key.iloc[::-1], "id"), old, by_key.iloc[::-1], where[::-1]):
            assert patches.splice(old, by_key, "id") is not None
    if case in ("same", "same types", "int into float"):
        assert patched, case  # a float column with a missing value takes whole numbers; fresh does too
    if case in ("float into int", "objects into bool", "int into Int64", "other categories", "float into datetime"):
        assert refused and not patched, case


def test_a_whole_blocks_rows_are_replaced_in_order():
    rng = np.random.default_rng(13)
    for _ in range(40):
        old = frame(rng, int(rng.integers(3, 15)))
        ids = sorted(set(rng.choice(old["block"].to_numpy(), 2).tolist()))
        where = np.flatnonzero(old["block"].isin(ids).to_numpy())
        fresh = fresh_rows(rng, old, where, "same types")
        check(patches.replace_blocks(old, fresh, "block", ids), old, fresh, where)
        assert patches.replace_blocks(old, fresh.iloc[:-1], "block", ids) is None


def test_unchanged_columns_are_shared_and_the_stale_frame_is_left_alone():
    rng = np.random.default_rng(5)
    old = frame(rng, 9, missing=False)
    before = old.copy()
    fresh = old.iloc[[2, 4]].reset_index(drop=True)
    fresh["float"] = [7.5, np.nan]
    got = patches.replace_rows(old, fresh, [2, 4])
    assert got["float"].tolist()[2] == 7.5 and np.isnan(got["float"].tolist()[4])
    assert np.shares_memory(got["int"].to_numpy(), old["int"].to_numpy())
    got.loc[0, "int"] = 99
    pd.testing.assert_frame_equal(old, before)


def test_the_same_without_pandas_own_column_arrays(monkeypatch):
    monkeypatch.delattr(pd.DataFrame, "_iter_column_arrays")
    rng = np.random.default_rng(21)
    for case in CASES:
        old = frame(rng, 8)
        where = np.array([1, 4, 6])
        fresh = fresh_rows(rng, old, where, case)
        check(patches.replace_rows(old, fresh, where), old, fresh, where)
