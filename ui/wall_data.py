"""The cached reader of the Wall screen: the cards and tiles a cycle's wall shows for a unit's
branch (:func:`okrdata.wall.build`).

Declared with :func:`ui.data.reader` and derived from the readers of :mod:`ui.data` alone
(``reads=()``), keyed by the cycle and the unit: it is worked out once per change of the
cycle's data, not at each redraw, and a server process can work it out again from its arguments
after a write, before the next redraw asks (no Streamlit script run is needed).
"""

from __future__ import annotations

from okrdata import wall
from ui import data


@data.reader(reads=(), shared=True)
def wall_screen(cycle_id: int, unit_id: int | None) -> wall.Wall:
    """What the wall of a unit's branch (None: the company's) shows of a cycle: its objectives'
    cards and the tiles of the units below (:func:`okrdata.wall.build`). Shared by every session:
    read it, never change it."""
    return wall.build(
        data.objectives(cycle_id, unit_id),
        data.key_results(cycle_id, unit_id),
        data.unit_progress(cycle_id),
        data.units(),
        unit_id,
    )
