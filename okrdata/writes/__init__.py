"""Every write to the database, each checking its input first; one module per thing written.

A function here validates everything it is given (raising :class:`ValidationError` naming the
field) before it writes, and writes inside one transaction, so a refused or failed write
changes nothing. Pages, the CLI, the importer and the seed loader all write through these.

Who writes: every write function takes the actor as the keyword ``person``, with no default, so
forgetting it is a TypeError. A person from a page is their row as :mod:`okrdata.auth` returns
it (read afresh for each check, so a role taken away counts at once), and is refused unless they
may change the unit concerned (:func:`okrdata.auth.check_can_edit`, field ``unit``) or, for
people, cycles and settings, unless they are an admin (field ``role``). ``person=None`` is a
signed-out visitor and is refused like one. The CLI, the importer run from the command line,
the seed loader and the generator pass :data:`SYSTEM`, the one actor that skips the checks; a
copy of it does not. The checks live here, not only in the page, so a hidden button is never
the only guard.

A check-in or KPI reading is recorded in the name of whoever saves it; naming another author is
for an admin or the system only (an import of someone's history).

Lost updates: every table a person edits has a ``version`` that the database moves at each
change (:data:`okrdata.schema.VERSIONED`). An edit carries the version its form was read at
(``version``, required; :func:`read_for_edit` gives the row with it) and is refused, field
``version``, when the row has moved on since, saying what changed when the edit also passes
the row as it was read (``seen``); the check is repeated by the ``UPDATE`` itself, so two
saves at the same instant cannot both pass it.

Where things live (every public name is exported here, so ``writes.add_checkin`` works):

- :mod:`~okrdata.writes.actors`: :data:`Actor`, :data:`SYSTEM` and the permission checks;
- :mod:`~okrdata.writes.versions`: versions, :func:`read_for_edit` and the stale-edit checks;
- :mod:`~okrdata.writes.people`, :mod:`~okrdata.writes.units`, :mod:`~okrdata.writes.cycles`,
  :mod:`~okrdata.writes.objectives`, :mod:`~okrdata.writes.key_results`,
  :mod:`~okrdata.writes.checkins`, :mod:`~okrdata.writes.kpis`, :mod:`~okrdata.writes.settings`:
  the writes to each;
- :mod:`~okrdata.writes.scoring`: scoring objectives, closing a cycle, carrying objectives over.

The reads these checks use (the units above a unit, whether a cycle has started, what an
objective may align to, a setting...) live on the read side, in :mod:`okrdata.lookups`.
"""

from __future__ import annotations

from okrdata.writes.actors import SYSTEM, Actor, acts_as_admin, check_admin, is_system, now_iso
from okrdata.writes.checkins import add_checkin, add_checkins, check_checkins, delete_checkin, edit_checkin
from okrdata.writes.cycles import add_cycle, set_cycle_state, update_cycle
from okrdata.writes.key_results import (
    GOALPOST_FIELDS,
    KR_FIELDS,
    add_key_result,
    archive_key_result,
    check_kr_goal,
    update_key_result,
)
from okrdata.writes.kpis import KPI_FIELDS, add_kpi, add_kpi_reading, archive_kpi, update_kpi
from okrdata.writes.objectives import add_objective, archive_objective, update_objective
from okrdata.writes.people import add_person, set_person_units, update_person
from okrdata.writes.scoring import carry_over, close_cycle, score_objective
from okrdata.writes.settings import set_setting
from okrdata.writes.units import add_unit, archive_unit, update_unit
from okrdata.writes.versions import changes_since, read_for_edit, version_of

__all__ = [
    "Actor",
    "GOALPOST_FIELDS",
    "KPI_FIELDS",
    "KR_FIELDS",
    "SYSTEM",
    "acts_as_admin",
    "add_checkin",
    "add_checkins",
    "add_cycle",
    "add_key_result",
    "add_kpi",
    "add_kpi_reading",
    "add_objective",
    "add_person",
    "add_unit",
    "archive_key_result",
    "archive_kpi",
    "archive_objective",
    "archive_unit",
    "carry_over",
    "changes_since",
    "check_admin",
    "check_checkins",
    "check_kr_goal",
    "close_cycle",
    "delete_checkin",
    "edit_checkin",
    "is_system",
    "now_iso",
    "read_for_edit",
    "score_objective",
    "set_cycle_state",
    "set_person_units",
    "set_setting",
    "update_cycle",
    "update_key_result",
    "update_kpi",
    "update_objective",
    "update_person",
    "update_unit",
    "version_of",
]
