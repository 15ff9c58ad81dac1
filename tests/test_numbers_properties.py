"""Properties of the numbers that must hold for every input, not just the hand-picked ones."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import assume, given
from hypothesis import strategies as st

from okrdata import numbers as n
from okrdata.schema import KR_TYPES

finite = st.floats(allow_nan=False, allow_infinity=False)
maybe_finite = st.none() | finite
progress = st.floats(min_value=0, max_value=1)
# Realistic roll-up weights. (Weights near the float limits, 1e308 or 5e-324, overflow or
# underflow the products; see the note in the report rather than a property here.)
positive_weight = st.floats(min_value=1e-3, max_value=1e6)
moderate = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1))


@given(st.sampled_from(KR_TYPES), maybe_finite, maybe_finite, maybe_finite)
def test_progress_is_always_between_0_and_1(kr_type, baseline, target, value):
    result = n.kr_progress(kr_type, baseline, target, value)
    assert 0.0 <= result <= 1.0


@given(progress, st.lists(positive_weight, min_size=1, max_size=20))
def test_rolling_up_equal_progress_gives_that_progress(p, weights):
    result = n.weighted_mean([p] * len(weights), weights)
    assert math.isclose(result, p, rel_tol=1e-9, abs_tol=1e-12)


@given(st.lists(st.tuples(progress, st.just(0.0) | positive_weight), min_size=1, max_size=20))
def test_weighted_mean_lies_between_min_and_max(items):
    values = [v for v, _ in items]
    weights = [w for _, w in items]
    result = n.weighted_mean(values, weights)
    assert min(values) - 1e-9 <= result <= max(values) + 1e-9


@given(st.lists(progress, min_size=1, max_size=20))
def test_rolled_up_progress_stays_within_0_and_1(values):
    assert 0.0 <= n.weighted_mean(values) <= 1.0


@given(dates, st.integers(min_value=1, max_value=400), dates, dates)
def test_expected_progress_never_falls_as_time_passes(start, length, a, b):
    end = start + dt.timedelta(days=length)
    earlier, later = sorted((a, b))
    assert n.expected_progress(start, end, earlier) <= n.expected_progress(start, end, later)
    assert 0.0 <= n.expected_progress(start, end, earlier) <= 1.0


@given(moderate, moderate, moderate, moderate)
def test_increase_progress_never_falls_as_the_value_rises(baseline, target, a, b):
    assume(target > baseline)
    low, high = sorted((a, b))
    assert n.kr_progress("increase", baseline, target, low) <= n.kr_progress("increase", baseline, target, high)


@given(moderate, moderate, moderate, moderate)
def test_decrease_progress_never_rises_as_the_value_rises(baseline, target, a, b):
    assume(target < baseline)
    low, high = sorted((a, b))
    assert n.kr_progress("decrease", baseline, target, low) >= n.kr_progress("decrease", baseline, target, high)


@given(finite, finite, finite, finite)
def test_increase_progress_is_monotone_for_any_finite_numbers(baseline, target, a, b):
    assume(target > baseline)
    low, high = sorted((a, b))
    assert n.kr_progress("increase", baseline, target, low) <= n.kr_progress("increase", baseline, target, high)


@given(finite, finite, finite, finite)
def test_decrease_progress_is_monotone_for_any_finite_numbers(baseline, target, a, b):
    assume(target < baseline)
    low, high = sorted((a, b))
    assert n.kr_progress("decrease", baseline, target, low) >= n.kr_progress("decrease", baseline, target, high)


@given(progress, progress)
def test_pace_is_zero_exactly_on_schedule(p, expected):
    assert n.pace(p, p) == 0.0
    assert (n.pace(p, expected) < 0) == (p < expected)
