"""The column-wise forms of the rules give exactly what the scalar rules give, row by row."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrdata import numbers as n

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
maybe = st.one_of(st.none(), finite)
kr_row = st.tuples(
    st.sampled_from(["increase", "decrease", "stay_above", "stay_below", "milestone"]), finite, finite, maybe
)


@given(st.lists(kr_row, min_size=1, max_size=30))
def test_progress_array_matches_kr_progress(rows):
    types, baselines, targets, values = zip(*rows)
    arr = n.progress_array(types, baselines, targets, [np.nan if v is None else v for v in values])
    for got, (t, b, g, v) in zip(arr, rows):
        assert math.isclose(got, n.kr_progress(t, b, g, v), abs_tol=1e-12)


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 10)), st.one_of(st.none(), st.integers(0, 60)), st.integers(1, 30)
        ),
        min_size=1,
        max_size=30,
    )
)
def test_status_array_matches_kr_status(rows):
    import datetime as dt

    today = dt.date(2026, 5, 1)
    conf, days, cadence = zip(*rows)
    arr = n.status_array(
        [np.nan if c is None else c for c in conf], [np.nan if d is None else d for d in days], cadence
    )
    for got, (c, d, k) in zip(arr, rows):
        last = None if d is None else today - dt.timedelta(days=d)
        assert got == n.kr_status(c, last, today, k)


@given(st.lists(st.tuples(st.integers(0, 10), st.floats(-1, 1, allow_nan=False)), min_size=1, max_size=30))
def test_divergence_array_matches_divergence_kind(rows):
    conf, paces = zip(*rows)
    for got, (c, p) in zip(n.divergence_array(conf, paces), rows):
        assert got == n.divergence_kind(c, p)


@pytest.mark.slow
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.floats(0, 1), st.sampled_from([0.0, 0.5, 1.0, 3.0])), min_size=1, max_size=40
    )
)
def test_grouped_weighted_mean_matches_weighted_mean(rows):
    keys, values, weights = zip(*rows)
    got = n.grouped_weighted_mean(keys, values, weights)
    for key in set(keys):
        members = [(v, w) for k, v, w in rows if k == key]
        expected = n.weighted_mean([v for v, _ in members], [w for _, w in members])
        assert math.isclose(got[key], expected, abs_tol=1e-9)


def test_status_rank_orders_weakest_first():
    assert list(n.status_rank(["on_track", "off_track", "stale", "at_risk"])) == [3, 0, 1, 2]


def test_status_rank_puts_what_is_no_status_after_every_status():
    import pandas as pd

    assert list(n.status_rank(["on_track", None, "weird", float("nan")])) == [3, 4, 4, 4]
    assert list(n.status_rank(pd.Series(["stale", "off_track"], dtype="str"))) == [1, 0]
    assert len(n.status_rank([])) == 0


def test_grouped_weighted_mean_of_nothing_is_empty():
    assert n.grouped_weighted_mean([], [], []).empty


@given(st.lists(st.floats(-1, 1, allow_nan=False), min_size=1, max_size=30))
def test_pace_band_array_matches_pace_band(paces):
    for got, p in zip(n.pace_band_array(paces), paces):
        assert got == n.pace_band(p)


@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30))
def test_score_colour_array_and_round_score_match_the_scalar_rules(scores):
    for got, rounded, s in zip(n.score_colour_array(scores), n.round_score(scores), scores):
        assert got == n.score_colour(s)
        assert rounded == n.round_score(s)


@pytest.mark.slow
@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=30))
def test_confidence_band_array_matches_confidence_band(confidences):
    for got, c in zip(n.confidence_band_array(confidences), confidences):
        assert got == n.confidence_band(c)
