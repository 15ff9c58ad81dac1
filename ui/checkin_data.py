"""What the Check-in page reads besides :mod:`ui.data`: the key results' latest check-ins, and
the teams a person may check in for.

The figures of each key result are :func:`ui.data.key_results`; its history and goalposts are
:func:`ui.form_data.checkin_revisions` and :func:`ui.form_data.goalpost_changes`.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from okrdata import checkin_rows
from ui import data


@data.reader(reads=("all",))
def latest(kr_ids: list[int]) -> dict[int, checkin_rows.Latest]:
    """The key results' latest check-ins and who last changed them (:func:`okrdata.checkin_rows.latest`)."""
    with data.opened() as db:
        return checkin_rows.latest(db, tuple(sorted(int(i) for i in kr_ids)))


def teams(krs: pd.DataFrame, editable: Collection[int]) -> list[int]:
    """The units of ``editable`` that have key results among ``krs``, in outline order: the
    teams the Check-in page offers."""
    with_krs = {int(u) for u in krs["unit_id"].unique()} if not krs.empty else set()
    return [uid for uid in data.unit_paths() if uid in editable and uid in with_krs]
