"""Chart specs refilled with new data instead of built again: what makes a chart cheap to redraw
after a write.

Building a chart with Altair costs 50 to 90 ms, most of it spent on the chart's structure
(marks, encodings, scales, tooltips), which a check-in does not change: only the figures in its
data sets move. So a chart of a given *shape* is built with Altair once, and kept as a
template: its Vega-Lite spec without its data. The next chart of that shape is the template
with the new frames' data put in, in the form Altair itself gives them (its data transformer,
and data set names hashed from the values the same way), so the spec is the one Altair would
have built, for a few milliseconds.

The shape is everything the chart depends on besides its frames (the cycle's dates, the title,
which layers are drawn, the order of the rows...): the caller names it, and two charts of one
shape must differ in their frames only. The templates are kept by a reader of
:mod:`ui.data` that reads nothing, so they are shared by every session and :func:`ui.data.clear`
forgets them with everything else.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Hashable, Mapping
from typing import Any, NamedTuple

import altair as alt
import numpy as np
import pandas as pd
from streamlit import dataframe_util

from ui import charts, data

MAX_ROWS = 5_000
"""Altair refuses a data set longer than this (its ``MaxRowsError``); such a frame goes to it."""


class Template(NamedTuple):
    """A chart's spec without its data, and which data set each frame fills."""

    text: str
    """The spec (:func:`ui.charts.spec`) without ``datasets``, as JSON."""
    names: dict[str, str]
    """Frame → the name of its data set in ``text``, in the order Altair lists them."""


def _cell(value: Any) -> Any:
    # As Altair's sanitising leaves a cell of text or objects: missing values become None.
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, float) and value != value:
        return None
    return value


def _column(column: pd.Series) -> list[Any] | None:
    """A column's values as Altair's sanitising makes them (:func:`altair.utils.core.sanitize_pandas_dataframe`),
    for the kinds of columns the charts use; None for another kind."""
    kind = str(column.dtype)
    if kind in ("str", "string", "object"):
        return [_cell(v) for v in column.tolist()]
    if kind == "bool" or column.dtype.kind in "iu":
        return column.tolist()
    if column.dtype.kind == "f":
        numbers = column.to_numpy()
        return [v if finite else None for v, finite in zip(numbers.tolist(), np.isfinite(numbers).tolist())]
    if column.dtype.kind == "M":
        return ["" if v is pd.NaT else v.isoformat() for v in column]
    return None


def _values(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as Altair puts them in a spec: what its data transformer gives, worked out
    column by column (Altair's own way checks every column of every frame at length)."""
    columns = [_column(frame[name]) for name in frame.columns] if len(frame) <= MAX_ROWS else [None]
    if any(c is None for c in columns) or not all(isinstance(name, str) for name in frame.columns):
        return alt.data_transformers.get()(frame)["values"]
    names = list(frame.columns)
    return [dict(zip(names, row)) for row in zip(*columns)] if names else [{} for _ in range(len(frame))]


def _name(values: list[dict[str, Any]]) -> str:
    """The name Altair gives a data set of these values (a hash of them)."""
    if values == [{}]:
        return "empty"
    text = json.dumps(values, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _arrow(values: list[dict[str, Any]]) -> bytes:
    return dataframe_util.convert_anything_to_arrow_bytes(values)


@data.reader(reads=(), shared=True, max_entries=256)
def _template(
    shape: Hashable, _values_by_frame: Mapping[str, list], _build: Callable[[], alt.TopLevelMixin]
) -> Template | None:
    """The template of a chart of ``shape``, learnt from a chart built with Altair; None when its
    data sets cannot be told apart by frame (two frames with the same rows)."""
    spec = charts.spec(_build())
    names = {frame: _name(values) for frame, values in _values_by_frame.items()}
    datasets = spec.pop("datasets", {})
    if len(set(names.values())) != len(names) or set(names.values()) != set(datasets):
        return None
    if any(datasets[names[f]] != _arrow(v) for f, v in _values_by_frame.items()):
        return None
    order = {name: i for i, name in enumerate(datasets)}
    return Template(json.dumps(spec), dict(sorted(names.items(), key=lambda item: order[item[1]])))


def spec(shape: Hashable, frames: Mapping[str, pd.DataFrame], build: Callable[[], alt.TopLevelMixin]) -> dict:
    """:func:`ui.charts.spec` of ``build()``, a chart drawn from ``frames`` (by name) whose
    structure is all named by ``shape``: built with Altair the first time a chart of that shape
    is drawn, then the template filled with the frames' data."""
    values = {frame: _values(f) for frame, f in frames.items()}
    template = _template(shape, values, build)
    if template is None:
        return charts.spec(build())
    names = {frame: _name(v) for frame, v in values.items()}
    # All at once, so that a new name equal to another frame's old one is not renamed again.
    renamed = {old: names[frame] for frame, old in template.names.items()}
    out = json.loads(re.sub("|".join(map(re.escape, renamed)), lambda m: renamed[m.group(0)], template.text))
    out["datasets"] = {}
    for frame in template.names:
        if names[frame] not in out["datasets"]:
            out["datasets"][names[frame]] = _arrow(values[frame])
    return out


def unit_progress(df: pd.DataFrame, closed: bool = False) -> dict:
    """:func:`ui.charts.spec` of :func:`ui.charts.unit_progress` (the Overview's progress by
    unit), refilled: its shape is whether the cycle is closed and the units drawn, in order (the
    axis's sort, the chart's height), so a check-in only refills it."""
    frame = charts.unit_frame(df, closed)
    shape = ("unit_progress", closed, *frame["Unit"])
    return spec(shape, {"frame": frame}, lambda: charts.unit_progress_of(frame, closed))
