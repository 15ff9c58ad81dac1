"""The numbers of DESIGN.md, pinned with hand-computed cases.

Each section below is one rule of "The numbers"; every case is small enough to check on paper.
"""

from __future__ import annotations

import datetime as dt

import pytest

from okrdata import numbers as n
from okrdata.numbers import AT_RISK, OFF_TRACK, ON_TRACK, STALE

D0 = dt.date(2026, 1, 1)


def day(offset: int) -> dt.date:
    return D0 + dt.timedelta(days=offset)


# --- KR progress ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kr_type, baseline, target, value, expected",
    [
        # increase: (value - baseline) / (target - baseline)
        ("increase", 0, 100, 0, 0.0),
        ("increase", 0, 100, 50, 0.5),
        ("increase", 0, 100, 100, 1.0),
        ("increase", 20, 70, 45, 0.5),
        ("increase", -10, 10, 0, 0.5),
        ("increase", 0, 100, 150, 1.0),  # past the target: clamped to 1
        ("increase", 20, 70, 10, 0.0),  # below the baseline: clamped to 0
        # decrease: the same formula, so progress grows as the value falls
        ("decrease", 800, 200, 800, 0.0),
        ("decrease", 800, 200, 500, 0.5),
        ("decrease", 800, 200, 200, 1.0),
        ("decrease", 800, 200, 50, 1.0),  # below the target: clamped to 1
        ("decrease", 800, 200, 900, 0.0),  # worse than the baseline: clamped to 0
        ("decrease", 5, -5, 0, 0.5),
        # stay above / below: 1 when the bound holds (the bound itself holds), else 0
        ("stay_above", None, 99.9, 99.9, 1.0),
        ("stay_above", None, 99.9, 99.95, 1.0),
        ("stay_above", None, 99.9, 99.89, 0.0),
        ("stay_below", None, 2, 2, 1.0),
        ("stay_below", None, 2, 0.5, 1.0),
        ("stay_below", None, 2, 2.01, 0.0),
        # milestone: the fraction done
        ("milestone", 0, 1, 0, 0.0),
        ("milestone", 0, 1, 0.25, 0.25),
        ("milestone", 0, 1, 0.5, 0.5),
        ("milestone", 0, 1, 1, 1.0),
        ("milestone", 0, 1, 1.5, 1.0),
        ("milestone", 0, 1, -0.5, 0.0),
    ],
)
def test_kr_progress(kr_type, baseline, target, value, expected):
    assert n.kr_progress(kr_type, baseline, target, value) == pytest.approx(expected)


@pytest.mark.parametrize(
    "kr_type, baseline, target",
    [
        ("increase", 0, 100),
        ("increase", 20, 70),
        ("decrease", 800, 200),
        ("stay_above", None, 99.9),
        ("stay_below", None, 2),
        ("stay_below", None, 0),
        ("milestone", 0, 1),
    ],
)
def test_kr_with_no_checkin_sits_at_its_baseline(kr_type, baseline, target):
    assert n.kr_progress(kr_type, baseline, target, None) == 0.0


def test_kr_progress_with_target_equal_to_baseline_is_zero_not_a_division_error():
    # Such a key result is refused at entry; the number stays defined all the same.
    assert n.kr_progress("increase", 10, 10, 50) == 0.0


def test_kr_progress_unknown_type_is_an_error():
    with pytest.raises(ValueError):
        n.kr_progress("sideways", 0, 1, 0.5)


# --- weighted mean (every roll-up) ------------------------------------------------------------


@pytest.mark.parametrize(
    "values, weights, expected",
    [
        ([0.2, 0.8], None, 0.5),  # no weights: plain mean
        ([0.2, 0.8], [1, 1], 0.5),
        ([0.2, 0.8], [1, 3], 0.65),
        ([0.6], [5], 0.6),
        ([1.0, 0.0], [1, 0], 1.0),  # weight 0: the item does not count
        ([0.3, 0.9, 0.5], [2, 0, 2], 0.4),
        ([0.2, 0.6], [0, 0], 0.4),  # all weights 0: plain mean
        ([], None, 0.0),  # nothing to roll up
        ([], [], 0.0),
    ],
)
def test_weighted_mean(values, weights, expected):
    assert n.weighted_mean(values, weights) == pytest.approx(expected)


def test_weighted_mean_refuses_weights_of_another_length():
    with pytest.raises(ValueError):
        n.weighted_mean([0.1, 0.2], [1])


# --- expected progress and pace ---------------------------------------------------------------

START, END = dt.date(2026, 1, 1), dt.date(2026, 4, 1)  # 90 days


@pytest.mark.parametrize(
    "on, expected",
    [
        (dt.date(2025, 12, 1), 0.0),  # before the cycle
        (START - dt.timedelta(days=1), 0.0),
        (START, 0.0),  # at its start
        (START + dt.timedelta(days=9), 0.1),
        (START + dt.timedelta(days=45), 0.5),
        (END - dt.timedelta(days=1), 89 / 90),
        (END, 1.0),  # at its end
        (END + dt.timedelta(days=30), 1.0),  # after it
    ],
)
def test_expected_progress_is_the_elapsed_fraction_of_the_cycle(on, expected):
    assert n.expected_progress(START, END, on) == pytest.approx(expected)


@pytest.mark.parametrize(
    "progress, expected, result",
    [(0.3, 0.5, -0.2), (0.6, 0.5, 0.1), (0.5, 0.5, 0.0), (1.0, 0.0, 1.0)],
)
def test_pace_is_progress_minus_expected(progress, expected, result):
    assert n.pace(progress, expected) == pytest.approx(result)


@pytest.mark.parametrize("on, left", [(START, 90), (END, 0), (END + dt.timedelta(days=5), 0)])
def test_days_left_is_never_negative(on, left):
    assert n.days_left(END, on) == left


# --- confidence and status --------------------------------------------------------------------


@pytest.mark.parametrize(
    "confidence, band",
    [
        (0, OFF_TRACK),
        (3, OFF_TRACK),
        (4, AT_RISK),
        (6, AT_RISK),
        (7, ON_TRACK),
        (10, ON_TRACK),
    ],
)
def test_confidence_band(confidence, band):
    assert n.confidence_band(confidence) == band


@pytest.mark.parametrize(
    "days_silent, cadence, stale",
    [
        (0, 7, False),
        (7, 7, False),
        (10, 7, False),  # cadence 7 + grace 3: still fine
        (11, 7, True),  # one day past the grace period
        (17, 14, False),
        (18, 14, True),
    ],
)
def test_is_stale_after_cadence_plus_grace(days_silent, cadence, stale):
    assert n.DEFAULT_CADENCE_DAYS == 7 and n.GRACE_DAYS == 3
    assert n.is_stale(D0, day(days_silent), cadence_days=cadence) is stale


def test_never_checked_in_is_stale():
    assert n.is_stale(None, D0) is True


@pytest.mark.parametrize(
    "confidence, days_silent, status",
    [
        (8, 0, ON_TRACK),
        (8, 10, ON_TRACK),
        (8, 11, STALE),  # silence is never green
        (5, 10, AT_RISK),
        (5, 11, STALE),
        (2, 0, OFF_TRACK),
        (2, 10, OFF_TRACK),
        (2, 11, STALE),  # stale whatever the last confidence said: an old "off track" is no news either
        (2, 100, STALE),
    ],
)
def test_kr_status(confidence, days_silent, status):
    assert n.kr_status(confidence, D0, day(days_silent)) == status


def test_kr_status_never_checked_in_is_stale():
    assert n.kr_status(None, None, D0) == STALE


def test_kr_status_respects_a_longer_cadence():
    assert n.kr_status(8, D0, day(17), cadence_days=14) == ON_TRACK
    assert n.kr_status(8, D0, day(18), cadence_days=14) == STALE


def test_statuses_are_ordered_weakest_first():
    assert n.STATUSES == (OFF_TRACK, STALE, AT_RISK, ON_TRACK)


@pytest.mark.parametrize(
    "statuses, weakest",
    [
        ([ON_TRACK], ON_TRACK),
        ([ON_TRACK, AT_RISK], AT_RISK),
        ([AT_RISK, ON_TRACK], AT_RISK),
        ([AT_RISK, STALE], STALE),
        ([STALE, AT_RISK, ON_TRACK], STALE),
        ([STALE, OFF_TRACK], OFF_TRACK),
        ([ON_TRACK, AT_RISK, STALE, OFF_TRACK], OFF_TRACK),
        ([OFF_TRACK, ON_TRACK, ON_TRACK], OFF_TRACK),
        ([], STALE),  # an objective with no key result has nothing to show: not green
    ],
)
def test_objective_takes_its_weakest_key_results_status(statuses, weakest):
    assert n.weakest_status(statuses) == weakest


# --- score ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "score, colour",
    [
        (0.0, "red"),
        (0.39, "red"),
        (0.394, "red"),
        (0.3999, "yellow"),  # a score is rounded to two decimals first: 0.40
        (0.4, "yellow"),
        (0.55, "yellow"),
        (0.694, "yellow"),
        (0.6999, "green"),  # 0.70
        (0.7, "green"),
        (1.0, "green"),
    ],
)
def test_score_colour_boundaries(score, colour):
    assert n.score_colour(score) == colour


@pytest.mark.parametrize(
    "progress, override, score",
    [
        (0.63, None, 0.63),  # by default the final progress
        (0.63, 0.5, 0.5),  # adjusted with a reason
        (0.63, 0.0, 0.0),  # an override of 0 is an override, not "none"
        (0.63, 1.4, 1.0),
        (1.2, None, 1.0),
    ],
)
def test_final_score(progress, override, score):
    assert n.final_score(progress, override) == pytest.approx(score)


# --- forecast ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "points",
    [
        [],
        [(day(0), 10)],
        [(day(0), 10), (day(7), 20)],  # two points: not enough to call a trend
        [(day(7), 10), (day(7), 20), (day(7), 30)],  # three on one day: no line
    ],
)
def test_forecast_needs_three_checkins_on_different_days(points):
    assert n.forecast(points, day(84), "increase", 0, 100) is None


def test_forecast_projects_an_exact_line_exactly():
    points = [(day(0), 10), (day(7), 20), (day(14), 30)]  # +10 a week
    result = n.forecast(points, day(28), "increase", 0, 100)
    assert result.projected_value == pytest.approx(50, abs=1e-9)
    assert result.slope_per_week == pytest.approx(10, abs=1e-9)
    assert result.projected_score == pytest.approx(0.5, abs=1e-9)
    assert result.trending_off_track is False


def test_forecast_ignores_the_order_of_the_points():
    points = [(day(14), 30), (day(0), 10), (day(7), 20)]
    assert n.forecast(points, day(28), "increase", 0, 100).projected_value == pytest.approx(50)


def test_forecast_fits_a_least_squares_line():
    # 0, 10, 5 on days 0, 7, 14: slope 2.5 a week, intercept 2.5 at day 0
    points = [(day(0), 0), (day(7), 10), (day(14), 5)]
    result = n.forecast(points, day(28), "increase", 0, 100)
    assert result.slope_per_week == pytest.approx(2.5)
    assert result.projected_value == pytest.approx(12.5)


def test_forecast_scores_a_decrease_key_result():
    # 800 → 200 ms, falling 50 ms a week: at week 6 it will read 500, half way.
    points = [(day(0), 800), (day(7), 750), (day(14), 700)]
    result = n.forecast(points, day(42), "decrease", 800, 200)
    assert result.projected_value == pytest.approx(500)
    assert result.slope_per_week == pytest.approx(-50)
    assert result.projected_score == pytest.approx(0.5)
    assert result.trending_off_track is False


def test_forecast_past_the_target_scores_one():
    points = [(day(0), 0), (day(7), 40), (day(14), 80)]
    assert n.forecast(points, day(84), "increase", 0, 100).projected_score == 1.0


@pytest.mark.parametrize(
    "values, trending_off_track",
    [
        ([0, 1, 2], True),  # 1 a week: 12 of 100 by week 12
        ([0, 3, 6], True),  # 36 of 100: still red
        ([0, 4, 8], False),  # 48 of 100: yellow
        ([50, 40, 30], True),  # going backwards
    ],
)
def test_forecast_flags_trending_off_track_below_the_yellow_band(values, trending_off_track):
    points = [(day(7 * i), v) for i, v in enumerate(values)]
    assert n.forecast(points, day(84), "increase", 0, 100).trending_off_track is trending_off_track


# --- divergence -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "confidence, pace_value, kind",
    [
        (7, -0.2, "overconfident"),  # on-track confidence, 0.2 behind: the boundary counts
        (10, -0.5, "overconfident"),
        (7, -0.19, None),
        (6, -0.5, None),  # at risk is honest when behind
        (3, 0.01, "underconfident"),  # off-track confidence while ahead
        (0, 0.3, "underconfident"),
        (3, 0.0, None),  # exactly on pace is not ahead
        (4, 0.3, None),
        (5, 0.0, None),
    ],
)
def test_divergence_kind(confidence, pace_value, kind):
    assert n.divergence_kind(confidence, pace_value) == kind


@pytest.mark.parametrize(
    "history, flagged",
    [
        ([], None),
        ([(8, -0.3)], None),  # one check-in is not yet a pattern
        ([(8, -0.3), (9, -0.25)], "overconfident"),
        ([(2, 0.1), (3, 0.05)], "underconfident"),
        ([(8, -0.3), (2, 0.1)], None),  # mixed kinds are not "running"
        ([(2, 0.1), (8, -0.3)], None),
        ([(8, -0.3), (5, -0.3)], None),  # the second is honest
        ([(5, -0.3), (8, -0.3)], None),  # only the last is divergent
        ([(8, -0.3), (8, -0.3), (8, 0.0)], None),  # it was divergent, it no longer is
        ([(5, 0.0), (8, -0.3), (8, -0.4)], "overconfident"),  # the last two count
        ([(5, 0.0), (6, 0.0)], None),
    ],
)
def test_divergence_needs_two_checkins_running(history, flagged):
    assert n.divergence(history) == flagged
