"""Every number of DESIGN.md, as plain functions of plain values.

Progress, roll-up, expected progress and pace, confidence status and staleness, objective
status, pace bands, the score (rounded half up) and its colour, forecast and divergence.
Nothing here touches the database: the queries gather rows and call these, and the unit tests
pin each rule with hand-computed cases.

Every threshold is compared through :func:`gap`, the figure minus its boundary rounded to
:data:`THRESHOLD_DECIMALS` decimals, so a figure exactly at a boundary counts as at it even when
float arithmetic leaves it a hair short (40% progress on day 54 of 90 is 0.4 − 0.6 =
−0.19999999999999996: exactly 20 points behind). A score is compared once rounded
(:func:`round_score`), so its band is always the band of the number shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

ON_TRACK, AT_RISK, STALE, OFF_TRACK = "on_track", "at_risk", "stale", "off_track"
STATUSES = (OFF_TRACK, STALE, AT_RISK, ON_TRACK)
"""Statuses from weakest to strongest; an objective takes its weakest key result's (their words
and colours are in :mod:`okrdata.wording`)."""

DEFAULT_CADENCE_DAYS = 7
GRACE_DAYS = 3
"""Days past a key result's cadence before silence makes it stale."""

SCORE_YELLOW = 0.4
SCORE_GREEN = 0.7
SCORE_DECIMALS = 2
"""A score is rounded half up to this many decimals, and always shown with them
(:func:`okrdata.wording.score`)."""
EXPECTED_SCORE = {"committed": 1.0, "aspirational": 0.7}

FORECAST_MIN_CHECKINS = 3
DIVERGENCE_BEHIND = -0.2
"""A pace this far behind (or further) with confidence 7+ is divergent."""
DIVERGENCE_AHEAD = 0.0
"""A pace above this with confidence 0-3 is divergent."""
DIVERGENCE_RUN = 2

CONFIDENT = 7
"""Confidence from which a key result is on track (7–10)."""
HESITANT = 4
"""Confidence from which a key result is at risk rather than off track (4–6)."""

ON_PACE, BEHIND, FAR_BEHIND = "on_pace", "behind", "far_behind"
PACE_BANDS = (FAR_BEHIND, BEHIND, ON_PACE)
"""How a unit's pace reads, furthest behind first; a unit is coloured by it."""
PACE_BEHIND = -0.10
"""Below this pace (10 points behind) a unit is behind; at it, still on pace."""
PACE_FAR_BEHIND = -0.25
"""Below this pace (25 points behind) a unit is far behind; at it, behind."""

THRESHOLD_DECIMALS = 9
"""Figures are compared with their thresholds after rounding to this many decimals: far finer
than anything shown (a point is 0.01), far coarser than float noise (about 1e-16)."""


def gap(x: Any, bound: Any) -> Any:
    """``x − bound`` rounded to :data:`THRESHOLD_DECIMALS` decimals: the one way a figure is
    compared with a threshold (``gap(pace, -0.2) <= 0`` is "20 points behind or more").

    Takes numbers or arrays (NaN stays NaN, so it passes no comparison); a number gives a float.
    """
    diff = np.round(np.asarray(x, dtype=float) - np.asarray(bound, dtype=float), THRESHOLD_DECIMALS)
    return float(diff) if diff.ndim == 0 else diff


def clamp01(x: float) -> float:
    """``x`` limited to the range 0..1."""
    return min(1.0, max(0.0, x))


def kr_progress(kr_type: str, baseline: float | None, target: float | None, value: float | None) -> float:
    """Progress of a key result, 0..1, given its latest value.

    - ``increase``/``decrease``: (value − baseline) / (target − baseline), clamped to 0..1, so
      a decrease key result progresses as the value falls and a value past the target is 1.
    - ``stay_above``/``stay_below``: 1 when the value satisfies the bound (the target), else 0.
    - ``milestone``: the value itself (0..1, a fraction done), clamped.
    - No value yet (``None``): the key result sits at its baseline, progress 0.
    """
    if value is None:
        return 0.0
    if kr_type in ("increase", "decrease"):
        if baseline is None or target is None or target == baseline:
            return 0.0
        return clamp01((value - baseline) / (target - baseline))
    if kr_type == "stay_above":
        return 1.0 if target is not None and value >= target else 0.0
    if kr_type == "stay_below":
        return 1.0 if target is not None and value <= target else 0.0
    if kr_type == "milestone":
        return clamp01(value)
    raise ValueError(f"unknown key result type {kr_type!r}")


def weighted_mean(values: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """Weighted mean used by every roll-up.

    Items of weight 0 do not count. If no item has weight (all zero, or nothing at all) the
    plain mean is used, and an empty list gives 0.
    """
    values = list(values)
    if not values:
        return 0.0
    weights = [1.0] * len(values) if weights is None else [float(w) for w in weights]
    if len(weights) != len(values):
        raise ValueError("values and weights differ in length")
    total = sum(weights)
    if total <= 0:
        return sum(values) / len(values)
    return sum(v * w for v, w in zip(values, weights)) / total


def expected_progress(start: dt.date, end: dt.date, on: dt.date) -> float:
    """The elapsed fraction of the cycle on a date: 0 before it starts, 1 from its end on."""
    length = (end - start).days
    if length <= 0:
        return 1.0
    return clamp01((on - start).days / length)


def pace(progress: float, expected: float) -> float:
    """Progress minus expected progress: negative is behind, positive ahead."""
    return progress - expected


def days_left(end: dt.date, on: dt.date) -> int:
    """Whole days from ``on`` to the cycle's end, never negative."""
    return max(0, (end - on).days)


def confidence_band(confidence: float) -> str:
    """The status a confidence alone gives: 7–10 on track, 4–6 at risk, 0–3 off track."""
    if gap(confidence, CONFIDENT) >= 0:
        return ON_TRACK
    if gap(confidence, HESITANT) >= 0:
        return AT_RISK
    return OFF_TRACK


def is_stale(
    last_checkin: dt.date | None,
    as_of: dt.date,
    cadence_days: int = DEFAULT_CADENCE_DAYS,
    grace_days: int = GRACE_DAYS,
) -> bool:
    """True when no check-in came within the cadence plus the grace period before ``as_of``.

    A key result that has never been checked in is stale: silence is never green.
    """
    if last_checkin is None:
        return True
    return gap((as_of - last_checkin).days, cadence_days + grace_days) > 0


def kr_status(
    confidence: float | None,
    last_checkin: dt.date | None,
    as_of: dt.date,
    cadence_days: int = DEFAULT_CADENCE_DAYS,
    grace_days: int = GRACE_DAYS,
) -> str:
    """A key result's status: stale when silent too long, whatever its last confidence said
    (silence is never green, and an old "off track" is no news either); else its last
    confidence's band.
    """
    if confidence is None or last_checkin is None:
        return STALE
    if is_stale(last_checkin, as_of, cadence_days, grace_days):
        return STALE
    return confidence_band(confidence)


def weakest_status(statuses: Iterable[str]) -> str:
    """The weakest of some statuses (an objective's status); none at all is stale."""
    statuses = list(statuses)
    if not statuses:
        return STALE
    return min(statuses, key=STATUSES.index)


def pace_band(pace_value: float) -> str:
    """How a pace reads: :data:`ON_PACE` from −10 points, :data:`BEHIND` down to −25 points,
    :data:`FAR_BEHIND` below that (each boundary belongs to the better band)."""
    if gap(pace_value, PACE_BEHIND) >= 0:
        return ON_PACE
    if gap(pace_value, PACE_FAR_BEHIND) >= 0:
        return BEHIND
    return FAR_BEHIND


def round_score(x: Any) -> Any:
    """A score rounded half up to two decimals (0.525 → 0.53, 0.125 → 0.13), as it is
    proposed, recorded and shown. Takes a number or an array; NaN stays NaN.

    The half is judged on the number as written, not on its binary neighbour: 0.285 is stored
    as 0.28499999999999998, and ``x * 100`` is 28.499999999999996, so the hundredths are first
    settled to seven decimals (28.5), then rounded half up (29).
    """
    hundredths = np.round(np.asarray(x, dtype=float) * 10**SCORE_DECIMALS, 7)
    rounded = np.floor(hundredths + 0.5) / 10**SCORE_DECIMALS
    return float(rounded) if rounded.ndim == 0 else rounded


def score_colour(score: float) -> str:
    """Colour band of a score, once rounded (:func:`round_score`): below 0.4 red, 0.4 to below
    0.7 yellow, 0.7 and above green. 0.695 is shown as 0.70, so it is green."""
    shown = round_score(score)
    if gap(shown, SCORE_YELLOW) < 0:
        return "red"
    if gap(shown, SCORE_GREEN) < 0:
        return "yellow"
    return "green"


def final_score(progress: float, override: float | None = None) -> float:
    """An objective's score at close: the adjusted score if one was set, else its final progress."""
    return clamp01(progress if override is None else override)


@dataclass(frozen=True)
class Forecast:
    """Where a key result is heading: its projected value and score at the cycle's end."""

    projected_value: float
    projected_score: float
    slope_per_week: float

    @property
    def trending_off_track(self) -> bool:
        """True when the projected score is in the red band (below 0.4)."""
        return score_colour(self.projected_score) == "red"


def forecast(
    points: Sequence[tuple[dt.date, float]],
    end: dt.date,
    kr_type: str,
    baseline: float | None,
    target: float | None,
) -> Forecast | None:
    """Fit a least-squares line through the check-ins and project it to the cycle's end.

    Needs at least three check-ins on at least two different days; otherwise ``None``.
    """
    if len(points) < FORECAST_MIN_CHECKINS:
        return None
    origin = min(d for d, _ in points)
    xs = [(d - origin).days for d, _ in points]
    ys = [float(v) for _, v in points]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    projected = mean_y + slope * ((end - origin).days - mean_x)
    return Forecast(
        projected_value=projected,
        projected_score=kr_progress(kr_type, baseline, target, projected),
        slope_per_week=slope * 7,
    )


def divergence_kind(confidence: float, pace_value: float) -> str | None:
    """How one check-in's confidence contradicts its pace: ``"overconfident"``, ``"underconfident"`` or None."""
    if confidence is None or np.isnan(confidence):
        return None
    band = confidence_band(confidence)
    if band == ON_TRACK and gap(pace_value, DIVERGENCE_BEHIND) <= 0:
        return "overconfident"
    if band == OFF_TRACK and gap(pace_value, DIVERGENCE_AHEAD) > 0:
        return "underconfident"
    return None


def divergence(history: Sequence[tuple[float, float]]) -> str | None:
    """Divergence of a key result from its check-ins, oldest first, as (confidence, pace) pairs.

    Flagged when the last two check-ins running show the same contradiction: high confidence
    while far behind pace (``"overconfident"``), or low confidence while ahead
    (``"underconfident"``).
    """
    if len(history) < DIVERGENCE_RUN:
        return None
    kinds = {divergence_kind(c, p) for c, p in history[-DIVERGENCE_RUN:]}
    if len(kinds) == 1:
        return kinds.pop()
    return None


# --- the same rules over whole columns ----------------------------------------------------
# The queries apply the rules above to thousands of key results at once; these array forms
# give the same answers (a test checks them against the scalar functions) without a Python
# loop per key result, so a page costs the same whether the company has 40 key results or 4,000.


def progress_array(kr_type: Sequence[str], baseline: Sequence, target: Sequence, value: Sequence) -> np.ndarray:
    """:func:`kr_progress` over arrays at once (None/NaN value: progress 0); unknown types raise."""
    kind = np.asarray(kr_type, dtype=object)
    b = _floats(baseline)
    t = _floats(target)
    v = _floats(value)
    unknown = ~np.isin(kind, ["increase", "decrease", "stay_above", "stay_below", "milestone"])
    if unknown.any():
        raise ValueError(f"unknown key result type {kind[unknown][0]!r}")
    out = np.zeros(len(kind), dtype=float)
    has = ~np.isnan(v)
    span = t - b
    linear = np.isin(kind, ["increase", "decrease"]) & has & ~np.isnan(b) & ~np.isnan(t) & (span != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[linear] = np.clip((v[linear] - b[linear]) / span[linear], 0.0, 1.0)
    above = (kind == "stay_above") & has & ~np.isnan(t)
    out[above] = (v[above] >= t[above]).astype(float)
    below = (kind == "stay_below") & has & ~np.isnan(t)
    out[below] = (v[below] <= t[below]).astype(float)
    milestone = (kind == "milestone") & has
    out[milestone] = np.clip(v[milestone], 0.0, 1.0)
    return out


def _floats(values) -> np.ndarray:
    """Floats from any sequence; None and anything not a number become NaN."""
    import pandas as pd

    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "fiu":  # numbers already: no cell to read one by one
        return np.asarray(values, dtype=float)
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)


def status_array(confidence, days_since_checkin, cadence_days, grace_days: int = GRACE_DAYS) -> np.ndarray:
    """:func:`kr_status` over arrays: NaN confidence or days (no check-in) is stale."""
    c = np.asarray(confidence, dtype=float)
    d = np.asarray(days_since_checkin, dtype=float)
    cadence = np.asarray(cadence_days, dtype=float)
    silent = np.isnan(c) | np.isnan(d) | (gap(d, cadence + grace_days) > 0)
    return np.where(silent, STALE, confidence_band_array(c)).astype(object)


def confidence_band_array(confidence) -> np.ndarray:
    """:func:`confidence_band` over an array (NaN: off track; callers mark it stale first)."""
    c = np.atleast_1d(np.asarray(confidence, dtype=float))
    return np.where(gap(c, CONFIDENT) >= 0, ON_TRACK, np.where(gap(c, HESITANT) >= 0, AT_RISK, OFF_TRACK)).astype(
        object
    )


def divergence_array(confidence, pace_values) -> np.ndarray:
    """:func:`divergence_kind` over arrays (None where a check-in shows no contradiction)."""
    band = confidence_band_array(confidence)
    p = np.atleast_1d(np.asarray(pace_values, dtype=float))
    known = ~np.isnan(np.atleast_1d(np.asarray(confidence, dtype=float)))
    over = known & (band == ON_TRACK) & (gap(p, DIVERGENCE_BEHIND) <= 0)
    under = known & (band == OFF_TRACK) & (gap(p, DIVERGENCE_AHEAD) > 0)
    return np.where(over, "overconfident", np.where(under, "underconfident", None)).astype(object)


def pace_band_array(pace_values) -> np.ndarray:
    """:func:`pace_band` over an array (NaN: far behind; nothing to be on pace with)."""
    p = np.atleast_1d(np.asarray(pace_values, dtype=float))
    return np.where(
        gap(p, PACE_BEHIND) >= 0, ON_PACE, np.where(gap(p, PACE_FAR_BEHIND) >= 0, BEHIND, FAR_BEHIND)
    ).astype(object)


def score_colour_array(scores) -> np.ndarray:
    """:func:`score_colour` over an array (NaN: None, there is no score to colour)."""
    shown = np.atleast_1d(round_score(scores))
    colour = np.where(gap(shown, SCORE_YELLOW) < 0, "red", np.where(gap(shown, SCORE_GREEN) < 0, "yellow", "green"))
    return np.where(np.isnan(shown), None, colour).astype(object)


def status_rank(statuses) -> np.ndarray:
    """Position of each status in :data:`STATUSES` (0 = weakest), for taking the weakest of many."""
    given = np.asarray(statuses, dtype=object)
    ranks = np.full(given.shape, len(STATUSES), dtype=int)
    for rank, status in reversed(list(enumerate(STATUSES))):
        ranks[given == status] = rank
    return ranks


def grouped_weighted_mean(keys, values, weights) -> pd.Series:
    """:func:`weighted_mean` of ``values`` within each group of ``keys``, indexed by key."""
    import pandas as pd

    v, w = np.asarray(values, float), np.asarray(weights, float)
    frame = pd.DataFrame({"k": keys, "vw": v * w, "w": w, "v": v})
    # Plain sums rather than named aggregations: the same sums, without milliseconds of set-up per call.
    groups = frame.groupby("k", sort=False)
    sums = groups.sum()
    count = groups.size()
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.Series(np.where(sums["w"] > 0, sums["vw"] / sums["w"], sums["v"] / count), index=sums.index)


def branch_pairs(unit_ids, parent_ids, owners) -> tuple[np.ndarray, np.ndarray]:
    """What rolls up where in a unit tree: each row of ``owners`` (a unit id per row: an
    objective's, a key result's) once for its own unit and once for every unit above it.

    ``unit_ids`` and ``parent_ids`` are the tree (a missing parent: a unit at the top). Returns
    (row positions, units), row by row and, within a row, from its own unit upwards. A chain
    ends at a unit the tree does not list (that unit included) and, in a tree that loops, before
    a unit comes round again.
    """
    import pandas as pd

    ids = np.asarray(unit_ids, dtype=np.int64)
    parents = pd.to_numeric(pd.Series(np.asarray(parent_ids, dtype=object)), errors="coerce").to_numpy(dtype=float)
    rows_units = np.asarray(owners, dtype=np.int64)
    if rows_units.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    index = pd.Index(ids)
    # Each distinct unit's chain once, a step at a time; then every row takes its unit's chain.
    starts, which = np.unique(rows_units, return_inverse=True)
    chain = [starts]
    alive = np.ones(len(starts), dtype=bool)
    current = starts
    for _ in range(len(ids) + 1):
        at = index.get_indexer(current)
        parent = np.where(at >= 0, parents[np.maximum(at, 0)], np.nan)
        alive &= ~np.isnan(parent)
        current = np.where(alive, np.nan_to_num(parent, nan=-1), -1).astype(np.int64)
        alive &= ~np.any(np.stack(chain) == current, axis=0)
        if not alive.any():
            break
        chain.append(np.where(alive, current, -1))
    steps = np.stack(chain)  # steps × distinct units; -1 past a chain's end
    lengths = (steps != -1).sum(axis=0)
    flat = steps.T[steps.T != -1]  # each chain in order, chain after chain
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    per_row = lengths[which]
    rows = np.repeat(np.arange(len(rows_units)), per_row)
    within = np.arange(per_row.sum()) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    return rows, flat[np.repeat(offsets[which], per_row) + within]
