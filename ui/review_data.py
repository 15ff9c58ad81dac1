"""Cached readers of the Review page: a cycle's scoring sheet with its headline counts and its
table, and what closing the cycle would fill in.

Each is declared with :func:`ui.data.reader` and derives from the readers of :mod:`ui.data`
(objectives, key results), so it is kept until the versions of what those read move. The
calibration over past cycles is :func:`ui.data.calibration`, and what the page draws of it
:func:`calibration_view`; every figure is :mod:`okrdata.review`'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from okrdata import review
from ui import badges, data, review_charts, review_view, tables


def _touched(cycle_id: int, unit_id: int | None, changed: set[int]) -> set[int]:
    krs = data.key_results(cycle_id, unit_id)
    return {int(i) for i in krs.loc[krs["kr_id"].isin(changed), "objective_id"]}


@data.after_checkins
def _sheet_after_checkins(
    stale: pd.DataFrame, changed: set[int], cycle_id: int, unit_id: int | None, closed: bool, ended: bool
) -> pd.DataFrame | None:
    # A check-in moves its objective's row (progress, forecast, flags), nothing of the others'.
    objs, krs = data.objectives(cycle_id, unit_id), data.key_results(cycle_id, unit_id)
    touched = _touched(cycle_id, unit_id, changed)
    if not touched:
        return stale
    mine = krs[krs["objective_id"].isin(touched)]
    fresh = review.scoring_sheet(objs[objs["objective_id"].isin(touched)], closed, ended, None if closed else mine)
    return data.splice(stale, fresh, "objective_id", gone=touched)


@data.reader(reads=(), patch=_sheet_after_checkins)
def scoring_sheet(cycle_id: int, unit_id: int | None, closed: bool, ended: bool) -> pd.DataFrame:
    """The objectives of a cycle and a unit's branch as the page scores them
    (:func:`okrdata.review.scoring_sheet`): final scores once ``closed``, else forecasts, with
    the key results flagged for the review."""
    krs = None if closed else data.key_results(cycle_id, unit_id)
    return review.scoring_sheet(data.objectives(cycle_id, unit_id), closed, ended, krs)


@data.reader(reads=())
def sheet_counts(cycle_id: int, unit_id: int | None, closed: bool, ended: bool) -> dict:
    """The headline counts of :func:`scoring_sheet` (:func:`okrdata.review.sheet_counts`): how
    many objectives, their average score and share met (before the close: forecast and share on
    course), and how many a lead scored."""
    return review.sheet_counts(scoring_sheet(cycle_id, unit_id, closed, ended))


@data.after_checkins
def _table_after_checkins(
    stale: pd.DataFrame, changed: set[int], cycle_id: int, unit_id: int | None, closed: bool, ended: bool
) -> pd.DataFrame | None:
    head = scoring_sheet(cycle_id, unit_id, closed, ended).head(tables.ROW_LIMIT)
    where = np.flatnonzero(head["objective_id"].isin(_touched(cycle_id, unit_id, changed)).to_numpy())
    if not len(where):
        return stale
    flags = "Flag" in stale.columns
    if not closed and flags != review_view.has_flags(head):
        return None  # the Flag column comes or goes: the table is made again
    return data.replace_rows(stale, review_view.score_table(head.iloc[where], closed, flags), where)


@data.reader(reads=(), shared=True, patch=_table_after_checkins)
def score_table(cycle_id: int, unit_id: int | None, closed: bool, ended: bool) -> pd.DataFrame:
    """The first :data:`ui.tables.ROW_LIMIT` rows of :func:`scoring_sheet` as the page's table
    (:func:`ui.review_view.score_table`); after a check-in, the changed objectives' rows are made
    again and the others kept. Shared by every session: read it, never change it."""
    return review_view.score_table(scoring_sheet(cycle_id, unit_id, closed, ended).head(tables.ROW_LIMIT), closed)


@data.reader(reads=())
def unscored(cycle_id: int) -> int:
    """How many objectives of the whole company have no lead's score in an open cycle: those
    closing it would give their proposed score (:func:`okrdata.review.unscored`)."""
    return review.unscored(review.scoring_sheet(data.objectives(cycle_id), closed=False))


@data.reader(reads=())
def calibration_view(unit_id: int | None) -> dict:
    """The calibration of a unit's branch as the page draws it: the table, the phone's list of it
    (average scores in words), and the Vega-Lite specs of the scores by cycle and of confidence
    against outcome (None without a confidence to draw). Built from :func:`ui.data.calibration`
    alone, so, like it, kept while the closed cycles and the organisation stay as they are: a
    check-in in the running cycle does not redraw them."""
    report = data.calibration(unit_id)
    units = report["units"]
    table = review_view.calibration_frame(units)
    names = report["cycles"]["name"].astype(str).tolist()
    return {
        "table": table,
        "listed": table.assign(**{"Average score": table["Average score"].map(badges.score)}),
        "scores_chart": review_charts.scores_chart(units, report["unit_cycles"], names) if not units.empty else None,
        "reliability_chart": None
        if report["reliability"].empty
        else review_charts.reliability_chart(report["reliability"]),
    }
