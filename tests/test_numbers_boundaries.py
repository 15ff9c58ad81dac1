"""Every threshold holds exactly at its boundary, and a score rounds half up, in one place.

Computed fractions carry float noise: a key result at 40% on day 54 of a 90-day cycle is
0.4 − 0.6 = −0.19999999999999996 behind, which a bare ``<= -0.2`` misses. Each case below is
a value that lands a hair on the wrong side of its boundary when computed, and must count as
the boundary itself (DESIGN.md, "The numbers": thresholds are compared in whole points or
after rounding, in one place).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrdata import numbers as n
from okrdata import queries as q
from okrdata import review
from okrdata import writes as w
from okrdata.db import connect
from okrdata.numbers import AT_RISK, OFF_TRACK, ON_TRACK, STALE
from okrdata.schema import migrate

START = dt.date(2026, 1, 1)
END = dt.date(2026, 4, 1)  # 90 days


def on_day(days: int) -> dt.date:
    return START + dt.timedelta(days=days)


def pace_on(progress: float, days: int) -> float:
    """The pace a key result at ``progress`` has on day ``days`` of the 90-day cycle, as computed."""
    return n.pace(progress, n.expected_progress(START, END, on_day(days)))


# --- the noisy values really are noisy --------------------------------------------------------


def test_the_cases_carry_float_noise():
    assert pace_on(0.4, 54) == -0.19999999999999996
    assert pace_on(0.3, 36) == -0.10000000000000003
    assert n.kr_progress("decrease", 0.7, 0.5, 0.56) == 0.6999999999999996
    assert n.kr_progress("increase", 0.0, 1.5, 0.6) == 0.39999999999999997


# --- divergence: 20 points behind with confidence 7+; ahead with confidence 0-3 -------------


@pytest.mark.parametrize(
    "confidence, pace_value, kind",
    [
        (7, pace_on(0.4, 54), "overconfident"),  # exactly 20 points behind, computed as −0.19999999999999996
        (7, pace_on(0.1, 27), "overconfident"),  # −0.19999999999999998
        (7, pace_on(0.6, 72), "overconfident"),  # −0.20000000000000007
        (10, -0.2, "overconfident"),
        (7, -0.199, None),  # 19.9 points behind is less than 20
        (6, -0.5, None),  # not confident
        (3, 0.1 + 0.2 - 0.3, None),  # on pace (5.6e-17 of noise) is not ahead
        (3, 0.001, "underconfident"),
        (0, 0.3 - (0.1 + 0.2), None),
        (4, 0.5, None),
    ],
)
def test_divergence_holds_at_its_boundary(confidence, pace_value, kind):
    assert n.divergence_kind(confidence, pace_value) == kind
    assert n.divergence_array([confidence], [pace_value])[0] == kind
    assert n.divergence([(confidence, pace_value), (confidence, pace_value)]) == kind


def one_key_result(title: str, baseline: float, target: float) -> tuple:
    """A database with one increase key result in the 90-day cycle: (db, cycle id, key result id)."""
    db = connect(":memory:")
    migrate(db)
    unit = w.add_unit(db, "Acme", person=w.SYSTEM)
    cycle = w.add_cycle(db, "2026 Q1", START, END, "active", person=w.SYSTEM)
    obj = w.add_objective(db, cycle, unit, "Grow", person=w.SYSTEM)
    return db, cycle, w.add_key_result(db, obj, title, "increase", baseline, target, person=w.SYSTEM)


def test_a_key_result_exactly_20_points_behind_twice_is_flagged():
    db, cycle, kr = one_key_result("Users from 0 to 100", 0, 100)
    # Day 45: 30 against 50 expected; day 54: 40 against 60. Both exactly 20 points behind.
    w.add_checkin(db, kr, on_day(45), 30, 8, "fine", person=w.SYSTEM)
    w.add_checkin(db, kr, on_day(54), 40, 8, "fine", person=w.SYSTEM)
    row = q.key_results(db, cycle, today=on_day(54)).iloc[0]
    assert round(row["pace"] * 100) == -20
    assert row["divergence"] == "overconfident"


# --- confidence bands and staleness -----------------------------------------------------------


@pytest.mark.parametrize(
    "confidence, band",
    [
        (7, ON_TRACK),
        (7 - 1e-12, ON_TRACK),
        (6.999999999999999, ON_TRACK),
        (6.9, AT_RISK),
        (4, AT_RISK),
        (3.9999999999999996, AT_RISK),
        (3, OFF_TRACK),
        (0, OFF_TRACK),
    ],
)
def test_confidence_bands_hold_at_their_boundaries(confidence, band):
    assert n.confidence_band(confidence) == band
    assert n.status_array([confidence], [0], [7])[0] == band


@pytest.mark.parametrize("days_silent, stale", [(10, False), (10.000000000001, False), (11, True)])
def test_stale_days_hold_at_their_boundary(days_silent, stale):
    assert (n.status_array([8], [days_silent], [7])[0] == STALE) is stale


# --- pace bands: on pace from −10 points, behind to −25, far behind below ----------------------


@pytest.mark.parametrize(
    "pace_value, band",
    [
        (0.2, "on_pace"),
        (0.0, "on_pace"),
        (-0.1, "on_pace"),
        (pace_on(0.3, 36), "on_pace"),  # −0.10000000000000003: exactly 10 points behind
        (0.7 - 0.8, "on_pace"),  # −0.10000000000000009
        (-0.101, "behind"),
        (-0.25, "behind"),
        (float(np.nextafter(-0.25, -1)), "behind"),
        (-0.251, "far_behind"),
        (-1.0, "far_behind"),
    ],
)
def test_pace_bands_hold_at_their_boundaries(pace_value, band):
    assert n.pace_band(pace_value) == band
    assert n.pace_band_array([pace_value])[0] == band


# --- score bands: red below 0.4, yellow to below 0.7, green from 0.7 ---------------------------


@pytest.mark.parametrize(
    "score, colour",
    [
        (n.kr_progress("decrease", 0.7, 0.5, 0.56), "green"),  # 0.6999999999999996 is 0.70
        (n.kr_progress("increase", 0.0, 1.5, 0.6), "yellow"),  # 0.39999999999999997 is 0.40
        (0.695, "green"),  # shown as 0.70: its band is 0.70's
        (0.694, "yellow"),
        (0.395, "yellow"),
        (0.394, "red"),
    ],
)
def test_score_bands_are_the_bands_of_the_score_shown(score, colour):
    assert n.score_colour(score) == colour
    assert n.score_colour_array([score])[0] == colour


def test_trending_off_track_holds_at_its_boundary():
    # A forecast of exactly 0.4 (computed as 0.39999999999999997) is yellow, not trending off track.
    points = [(on_day(0), 0.0), (on_day(7), 0.2), (on_day(14), 0.4)]
    result = n.forecast(points, on_day(14), "increase", 0.0, 1.0)
    noisy = n.Forecast(
        projected_value=0.6, projected_score=n.kr_progress("increase", 0.0, 1.5, 0.6), slope_per_week=0.0
    )
    assert result.trending_off_track is False
    assert noisy.trending_off_track is False


def test_a_forecast_of_exactly_0_4_in_the_queries_is_not_trending_off_track():
    db, cycle, kr = one_key_result("Share from 0 to 0.5", 0, 0.5)
    # A flat line at 0.2: projected 0.2 at the end, 0.4 of the way; the least-squares sums make
    # it 0.3999999999999986.
    for day in (0, 7, 14):
        w.add_checkin(db, kr, on_day(day), 0.2, 5, "flat", person=w.SYSTEM)
    row = q.key_results(db, cycle, today=on_day(14)).iloc[0]
    assert row["forecast_score"] == pytest.approx(0.4) and row["forecast_score"] < 0.4
    assert not bool(row["trending_off_track"])


# --- the score: final progress rounded half up to two decimals ---------------------------------


@pytest.mark.parametrize(
    "progress, score",
    [
        (0.525, 0.53),
        (0.125, 0.13),
        (0.005, 0.01),
        (0.675, 0.68),
        (0.285, 0.29),
        (0.015, 0.02),
        (0.045, 0.05),
        (0.995, 1.0),
        (0.994999, 0.99),
        (0.524, 0.52),
        (0.5249999999999999, 0.53),
        (0.0, 0.0),
        (1.0, 1.0),
        (0.7, 0.7),
        (0.6999999999999996, 0.7),
        (0.666, 0.67),
        (0.335, 0.34),
    ],
)
def test_scores_round_half_up_to_two_decimals(progress, score):
    assert n.round_score(progress) == score
    assert review.proposed_score(progress) == score
    assert list(n.round_score(np.array([progress, progress]))) == [score, score]


@given(st.integers(0, 10**6))
def test_round_score_is_decimal_half_up_of_the_written_number(millionths):
    written = millionths / 10**6
    expected = float(Decimal(repr(written)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    assert n.round_score(written) == expected


@pytest.mark.parametrize(
    "score, text",
    [
        (0.67, "0.67 · yellow"),
        (0.7, "0.70 · green"),
        (0.695, "0.70 · green"),
        (0.39, "0.39 · red"),
        (0.4, "0.40 · yellow"),
        (1.0, "1.00 · green"),
        (0.525, "0.53 · yellow"),
        (0.0, "0.00 · red"),
    ],
)
def test_a_score_is_shown_with_two_decimals_beside_its_band(score, text):
    from okrdata import wording

    assert wording.score(score) == text
