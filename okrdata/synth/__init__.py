"""A generated organisation of any size, for benchmarks and for trying the pages under load.

``synthesize(db, scale)`` builds a company about ``scale`` times the demo's size (people,
units, objectives and key results per cycle, KPIs) with two years of history: eight
quarterly cycles, the first seven closed and scored, the last one active and eight weeks in,
weekly check-ins throughout and two years of KPI readings.

At scale 100 that is about half a million rows, which the validated per-row writes of
``okrdata.writes`` would take many minutes to write. So this package builds rows that are
valid by construction (the same rules: confidences 0-10, milestones 0..1, targets apart from
baselines, alignment only to the same cycle and to units above) and bulk-inserts them with
sqlite-utils ``insert_all`` inside one transaction. It is deterministic: the same ``scale``,
``today`` and ``seed`` give the same database.

Where things live: :mod:`~okrdata.synth.vocabulary` (the names and measures picked from),
:mod:`~okrdata.synth.plan` (the rows, planned) and :mod:`~okrdata.synth.bulk` (writing them,
and :func:`synthesize`, exported here).
"""

from __future__ import annotations

from okrdata.synth.bulk import BATCH, Progress, synthesize

__all__ = ["BATCH", "Progress", "synthesize"]
