"""Manage: cycles, units, people, objectives, key results and KPIs; carrying over; import and
export; notifications.

One tab per thing, each drawn by a module of :mod:`ui.manage` from one
:class:`~ui.manage.context.ManageContext` built here for this run, from the first time it is
opened on a visit of the page (:mod:`ui.lazy`). Everyone sees the tables and
the exports, and chooses their own digest. The forms show to a signed-in lead, for the units
they lead and those below them (units, objectives, key results, KPIs, carrying over, import), or
to an admin: everything, and only an admin manages cycles and people, makes the full export and
sees the delivery log. Each tab checks these as it draws, and okrdata again at every write.

Every form writes through :mod:`okrdata.writes` (see :mod:`ui.forms` for how errors keep what
was typed). An edit form carries the version of the row it was read from: a save made after
someone else changed the thing is refused with what changed and a button to reload the form. A
create form is empty again after a save, and a second click of the same submission creates
nothing. Editing a key result's type, baseline or target once its cycle started asks for a
reason and is recorded: the key result then shows that its goalposts moved.
"""

from __future__ import annotations

import streamlit as st

from ui import forms, lazy, sidebar
from ui.manage import (
    carry_over,
    cycles,
    import_export,
    key_results,
    kpis,
    notifications,
    objectives,
    people,
    units,
)
from ui.manage.context import ManageContext

scope = sidebar.current()
st.title("Manage")
st.write(
    "Keep the organisation here: cycles, units, people, objectives, key results and KPIs, "
    "carrying unfinished objectives into the next cycle, and import and export."
)

ctx = ManageContext.build(scope)
if not ctx.writer:
    forms.signed_in_message(ctx.person, "make changes")

TABS = {
    "Cycles": cycles.draw,
    "Units": units.draw,
    "People": people.draw,
    "Objectives": objectives.draw,
    "Key results": key_results.draw,
    "KPIs": kpis.draw,
    "Carry over": carry_over.draw,
    "Import / export": import_export.draw,
    "Notifications": notifications.draw,
}
# Only the tabs opened on this visit are drawn (ui.lazy): the Cycles tab at first.
for (tab, shown), draw in zip(lazy.tabs(list(TABS), key="mg_tab"), TABS.values()):
    if shown:
        with tab:
            draw(ctx)
