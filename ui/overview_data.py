"""The cached readers of the Overview page: what it derives from the cycle's frames (the
progress-by-unit chart, the key results that need attention and their table).

Each is declared with :func:`ui.data.reader` and derives from the readers of :mod:`ui.data`
alone (``reads=()``), keyed by the cycle and the unit: it is kept until what those read moves,
and a server process can work it out again from its arguments after a write, before the next
page run asks (no Streamlit script run is needed). Shared by every session: read them, never
change them.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from okrdata import attention
from ui import chart_templates, data, form_data, tables


@data.reader(reads=(), shared=True)
def unit_chart(cycle_id: int, unit_id: int | None) -> tuple[dict | None, int]:
    """The progress-by-unit spec of a unit's branch (None: no unit with objectives), refilled
    (:func:`ui.chart_templates.unit_progress`), and how many units with objectives it leaves out."""
    progress = data.unit_progress(cycle_id)
    shown_units = attention.chart_units(progress, unit_id)
    if shown_units.empty:
        return None, 0
    in_branch = progress if unit_id is None else progress[progress["unit_id"].isin(data.subtree_ids(unit_id))]
    closed = data.cycle(cycle_id)["state"] == "closed"
    banded = attention.unit_bands(shown_units, progress, data.key_results(cycle_id), data.objectives(cycle_id), closed)
    return chart_templates.unit_progress(banded, closed), int((in_branch["objective_count"] > 0).sum()) - len(
        shown_units
    )


@data.reader(reads=(), shared=True)
def needing_attention(cycle_id: int, unit_id: int | None) -> tuple[pd.DataFrame, int]:
    """The most urgent key results of a unit's branch that need attention, and how many do
    (:func:`okrdata.attention.needing_attention`)."""
    return attention.needing_attention(data.key_results(cycle_id, unit_id))


@data.reader(reads=(), shared=True)
def attention_table(cycle_id: int, unit_id: int | None) -> pa.Table:
    """:func:`needing_attention`'s key results as the page's table, with why each needs
    attention and its moved goalposts (:func:`ui.tables.key_results_frame`)."""
    needing, _ = needing_attention(cycle_id, unit_id)
    goalposts = form_data.goalpost_changes([int(i) for i in needing["kr_id"]])
    return tables.arrow(tables.key_results_frame(attention.with_goalposts(needing, goalposts), reasons=True))
