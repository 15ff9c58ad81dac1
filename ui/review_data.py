"""Cached readers of the Review page: a cycle's scoring sheet, and what closing the cycle would fill in.

Each is declared with :func:`ui.data.reader` and derives from the readers of :mod:`ui.data`
(objectives, key results), so it is kept until the versions of what those read move. The
calibration over past cycles is :func:`ui.data.calibration`, and what the page draws of it
:func:`calibration_view`; every figure is :mod:`okrdata.review`'s.
"""

from __future__ import annotations

import pandas as pd

from okrdata import review
from ui import badges, data, review_charts, review_view


@data.reader(reads=())
def scoring_sheet(cycle_id: int, unit_id: int | None, closed: bool, ended: bool) -> pd.DataFrame:
    """The objectives of a cycle and a unit's branch as the page scores them
    (:func:`okrdata.review.scoring_sheet`): final scores once ``closed``, else forecasts, with
    the key results flagged for the review."""
    krs = None if closed else data.key_results(cycle_id, unit_id)
    return review.scoring_sheet(data.objectives(cycle_id, unit_id), closed, ended, krs)


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
