"""Confidence trends: how confidence and progress moved week by week, with the expected pace and
the forecast drawn in, for the sidebar's unit (or the company), one objective or one key result.

The choice is deep-linked beside the sidebar's ``?cycle=…&unit=…``: ``?kr=ID`` opens a key
result, ``?objective=ID`` an objective, neither the unit. A link that names no key result or
objective of the chosen cycle and unit falls back to the first one, with a warning. As in
:mod:`ui.sidebar`, a URL that differs from what this page last wrote was followed, so it wins;
otherwise the widgets do.

Every figure comes from :mod:`okrdata.trends`, built from the cached readers of :mod:`ui.data`;
the charts are :mod:`ui.trend_charts`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from okrdata import trends as tr
from okrdata import wording
from ui import badges, charts, data, sidebar, tables
from ui import trend_charts as tc

MODE_KEY = "trends_mode"
KR_KEY = "trends_kr"
OBJECTIVE_KEY = "trends_objective"
SAVED_KEY = "trends_choice"  # the choice, kept while other pages run (they drop this page's widget keys)
SYNCED_KEY = "trends_synced_params"
HEATMAP_ROWS = 40  # more rows than this make a chart taller than anyone reads
MODES = ["unit", "objective", "kr"]
MODE_LABELS = {
    "unit": ":material/account_tree: Unit",
    "objective": ":material/flag: Objective",
    "kr": ":material/target: Key result",
}


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return None if value in (None, "") else str(value)


def _as_id(raw: str | None) -> int | None:
    text = "" if raw is None else raw.strip()
    ok = text.isascii() and text.isdigit() and len(text) <= 18  # "²" and 5,000 digits would make int() raise
    return int(text) if ok and int(text) > 0 else None


def _choose(kr_ids: list[int], objective_ids: list[int], where: str) -> list[str]:
    """Settle this run's choice (mode, key result, objective) from the URL or the session.

    Sets the widgets' state before they are drawn and returns the warnings for a forged link.
    """
    state = st.session_state
    saved = dict(state.get(SAVED_KEY) or {"mode": "unit", "kr": None, "objective": None})
    url = (_param("kr"), _param("objective"))
    warnings = []
    if SAVED_KEY not in state or (url != (None, None) and url != state.get(SYNCED_KEY)):
        raw_kr, raw_objective = url
        if raw_kr is not None:
            saved["mode"] = "kr"
            wanted = _as_id(raw_kr)
            if wanted in kr_ids:
                saved["kr"] = wanted
            else:
                warnings.append(
                    f"The link asks for key result “{badges.escape(raw_kr[:40])}”, which does not exist in {where}; "
                    + ("showing the first key result instead." if kr_ids else "showing the unit instead.")
                )
                saved["kr"] = None
        elif raw_objective is not None:
            saved["mode"] = "objective"
            wanted = _as_id(raw_objective)
            if wanted in objective_ids:
                saved["objective"] = wanted
            else:
                warnings.append(
                    f"The link asks for objective “{badges.escape(raw_objective[:40])}”, which does not exist in {where}; "
                    + ("showing the first objective instead." if objective_ids else "showing the unit instead.")
                )
                saved["objective"] = None
    # A choice that the cycle or unit no longer holds falls back quietly: the user changed scope.
    if saved["kr"] not in kr_ids:
        saved["kr"] = kr_ids[0] if kr_ids else None
    if saved["objective"] not in objective_ids:
        saved["objective"] = objective_ids[0] if objective_ids else None
    nothing_to_show = saved["mode"] == "kr" and saved["kr"] is None
    nothing_to_show |= saved["mode"] == "objective" and saved["objective"] is None
    if nothing_to_show or saved["mode"] not in MODES:
        saved["mode"] = "unit"
    state[SAVED_KEY] = saved
    # Widgets take the saved choice when they are new (first run, back from another page) or stale.
    if state.get(MODE_KEY) not in MODES or warnings or url != state.get(SYNCED_KEY):
        state[MODE_KEY] = saved["mode"]
    if state.get(KR_KEY) not in kr_ids or url != state.get(SYNCED_KEY):
        state[KR_KEY] = saved["kr"]
    if state.get(OBJECTIVE_KEY) not in objective_ids or url != state.get(SYNCED_KEY):
        state[OBJECTIVE_KEY] = saved["objective"]
    return warnings


def _write_url(mode: str, kr_id: int | None = None, objective_id: int | None = None) -> None:
    """Put the choice in the address bar (``?kr=`` or ``?objective=``, neither for a unit) and remember it."""
    wanted = (
        str(kr_id) if mode == "kr" and kr_id is not None else None,
        str(objective_id) if mode == "objective" and objective_id is not None else None,
    )
    for name, value in zip(("kr", "objective"), wanted):
        if value is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != value:
            st.query_params[name] = value
    state = st.session_state
    state[SYNCED_KEY] = wanted
    saved = dict(state.get(SAVED_KEY) or {})
    saved["mode"] = mode
    if kr_id is not None:
        saved["kr"] = kr_id
    if objective_id is not None:
        saved["objective"] = objective_id
    state[SAVED_KEY] = saved


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _link(page: str, label: str, icon: str) -> None:
    st.page_link(page, label=label, icon=icon, query_params=scope.query_params())


def _pace_metric(col, progress: float, expected: float) -> None:
    col.metric(
        "Pace",
        badges.pace(progress, expected),
        **badges.pace_delta(progress, expected),
        help="Progress minus the progress expected by now, in percentage points.",
        border=True,
    )


def _forecast_metric(col, projected: float | None, used: bool) -> None:
    if trends.over:
        col.metric(
            "Forecast at the end",
            badges.NO_VALUE,
            help="The cycle is over: its final progress is its score.",
            border=True,
        )
        return
    col.metric(
        "Forecast at the end",
        badges.pct(projected) if used else badges.NO_VALUE,
        help=(
            "Projected progress at the cycle's end, from a line through each key result's check-ins "
            "(three or more); key results without a forecast count with their progress now."
            if used
            else "No forecast yet: a key result needs three check-ins on different days."
        ),
        border=True,
    )


def _charts(
    key: tuple, series: pd.DataFrame, projected: float | None, conf_title: str, unit_label: str | None = None
) -> tuple[dict, dict | None, bool]:
    """The progress and confidence specs of a series (None: no confidence to draw) and whether a
    forecast is drawn; built once per ``key`` and change of the data (:func:`ui.data.memo`)."""

    def build() -> tuple[dict, dict | None, bool]:
        forecast = tr.forecast_line(series, projected, cycle)
        progress = charts.spec(
            tc.progress(series, trends.expected, forecast, cycle, PROGRESS_TITLE, unit_label=unit_label)
        )
        confidence = (
            charts.spec(tc.confidence(series, cycle, conf_title, unit_label=unit_label))
            if series["confidence"].notna().any()
            else None
        )
        return progress, confidence, not forecast.empty

    return data.memo(build, "trends.charts", *key)


def _aggregate(
    key: tuple, series: pd.DataFrame, projected: float | None, used: bool, whose: str, conf_title: str
) -> None:
    """Headline figures and the two charts of an objective or a unit (``whose``: "its", "the")."""
    last = series.iloc[-1]
    cols = st.columns(5)
    cols[0].metric(
        "Progress",
        badges.pct(last["progress"]),
        border=True,
        help="Weighted mean of its key results' progress."
        if whose == "its"
        else "Weighted mean of the objectives in scope, each counted once.",
    )
    cols[1].metric("Expected", badges.pct(last["expected"]), help="The elapsed fraction of the cycle.", border=True)
    _pace_metric(cols[2], float(last["progress"]), float(last["expected"]))
    cols[3].metric(
        "Mean confidence",
        badges.NO_VALUE if pd.isna(last["confidence"]) else f"{last['confidence']:.1f}/10",
        help=f"Mean of the latest confidence of {whose} key results that have one "
        f"({int(last['confident_count'])} of {int(last['kr_count'])}).",
        border=True,
    )
    _forecast_metric(cols[4], projected, used)
    progress, confidence, _ = _charts(key, series, projected if used else None, conf_title)
    left, right = st.columns(2)
    charts.show_in(left, progress)
    if confidence is not None:
        charts.show_in(right, confidence)
    elif trends.checkin_count:
        right.info(
            f"None of {whose} key results has a check-in yet: no confidence to draw.", icon=":material/edit_note:"
        )
    st.caption(SERIES_NOTE + " Hover a point for the week's figures.")


# --- the page --------------------------------------------------------------------------------

PROGRESS_TITLE = "Progress against the expected pace"
SERIES_NOTE = (
    "Each point is the figure at the end of a week (today for the week still running), carried forward "
    "from the latest check-in; the dotted line is the expected pace, the dashed one the forecast."
)

scope = sidebar.current()
st.title("Confidence trends")
st.write(
    "How confidence and progress moved week by week, for a whole unit, one objective or one key "
    "result, with the expected pace and the forecast to the cycle's end drawn in."
)
if scope.cycle_id is None:
    st.info(
        "There are no cycles yet. Run `okr demo` to load the demo organisation, or create a cycle in Manage.",
        icon=":material/event_busy:",
    )
    st.page_link("pages/manage.py", label="Open Manage", icon=":material/settings:")
    st.stop()
sidebar.scope_caption(scope)

cycle = scope.cycle
who = badges.escape_markdown(scope.company_name if scope.unit_id is None else scope.unit_name)
cycle_name = badges.escape_markdown(cycle["name"])
krs = data.key_results(scope.cycle_id, scope.unit_id)
objs = data.objectives(scope.cycle_id, scope.unit_id)
kr_ids = [int(i) for i in krs["kr_id"]] if not krs.empty else []
objective_ids = [int(i) for i in objs["objective_id"]] if not objs.empty else []
for text in _choose(kr_ids, objective_ids, f"{cycle_name} for {who}"):
    st.warning(text, icon=":material/link_off:")

if objs.empty:
    st.info(
        f"{who} has no objectives in {cycle_name}, nor has any unit below it, so there is no trend to "
        "draw. Pick another unit or cycle in the sidebar, or add objectives and key results in Manage.",
        icon=":material/inbox:",
    )
    _link("pages/manage.py", "Open Manage", ":material/settings:")
    _write_url("unit")
    st.stop()

trends = data.trends(scope.cycle_id, scope.unit_id)
if trends.weeks.empty:
    st.info(
        f"{cycle_name} starts on {badges.day(cycle['start_date'])}; its first week's figures appear then. "
        "Meanwhile, shape its OKRs in Manage.",
        icon=":material/event_upcoming:",
    )
    _link("pages/manage.py", "Open Manage", ":material/settings:")
    _write_url("unit")
    st.stop()
if trends.checkin_count == 0:
    st.info(
        f"No check-ins yet in {cycle_name} for {who}: every key result sits at its baseline and there "
        "is no confidence to draw. Leads record each key result's value, confidence and a note weekly "
        "on the Check-in page; the trends start with the first one.",
        icon=":material/edit_note:",
    )
    _link("pages/checkin.py", "Open Check-in", ":material/edit_note:")

mode = st.segmented_control(
    "Show trends for",
    MODES,
    format_func=MODE_LABELS.get,
    key=MODE_KEY,
    required=True,
    help="A whole unit follows the unit picked in the sidebar; the link in the address bar keeps the choice.",
)
mode = mode if mode in MODES else "unit"

# --- one key result ---------------------------------------------------------------------------
if mode == "kr":
    titles = {int(i): f"{t} · {u}" for i, t, u in zip(krs["kr_id"], krs["title"], krs["unit_name"])}
    chosen_kr = st.selectbox(
        "Key result",
        options=kr_ids,
        format_func=lambda i: titles.get(i, str(i)),
        key=KR_KEY,
        help="Type to search the key results of the cycle and unit in the sidebar.",
    )
    _write_url("kr", kr_id=chosen_kr)
    row = krs[krs["kr_id"] == chosen_kr].iloc[0]
    label = "" if pd.isna(row["unit_label"]) else str(row["unit_label"])
    series = trends.kr(chosen_kr)
    last = series.iloc[-1]
    st.subheader(badges.escape(row["title"]))
    st.caption(
        f"{badges.escape(row['objective_title'])} · {badges.escape(row['unit_name'])} · "
        f"owner {'none' if pd.isna(row['owner_name']) else badges.escape(row['owner_name'])} · "
        f"{badges.escape(wording.goal(row['kr_type'], row['baseline'], row['target'], label))}"
    )
    projected = trends.kr_projected(chosen_kr)
    cols = st.columns(5)
    at_baseline = pd.isna(last["value"])
    cols[0].metric(
        "Value now",
        (
            f"{badges.number(row['baseline'], label, markdown=True)} (baseline)"
            if at_baseline
            else badges.number(last["value"], label, markdown=True)
        ),
        help="The latest check-in's value; before the first one, the baseline.",
        border=True,
    )
    cols[1].metric("Progress", badges.pct(last["progress"]), help="From baseline to target, 0–100%.", border=True)
    _pace_metric(cols[2], float(last["progress"]), float(last["expected"]))
    cols[3].metric(
        "Confidence",
        badges.NO_VALUE if pd.isna(last["confidence"]) else f"{int(last['confidence'])}/10",
        help="The latest check-in's confidence: 7–10 on track, 4–6 at risk, 0–3 off track.",
        border=True,
    )
    _forecast_metric(cols[4], projected, projected is not None)
    if int(row["checkin_count"]) == 0:
        st.info(
            "No check-ins on this key result yet: it sits at its baseline (progress 0) with no confidence. "
            "Its owner or the team lead can record the first on the Check-in page.",
            icon=":material/edit_note:",
        )
        _link("pages/checkin.py", "Open Check-in", ":material/edit_note:")
    progress, confidence, forecast_drawn = _charts(
        ("kr", scope.cycle_id, scope.unit_id, chosen_kr), series, projected, "Confidence, week by week", label
    )
    left, right = st.columns(2)
    charts.show_in(left, progress)
    if confidence is not None:
        charts.show_in(right, confidence)
    st.caption(
        SERIES_NOTE
        + " Hover a point for its check-in's date, value and note."
        + ("" if forecast_drawn or trends.over else " A forecast appears after three check-ins on different days.")
    )
    history = data.checkin_history(scope.cycle_id, scope.unit_id, kr_ids=[chosen_kr])
    if not history.empty:
        with st.expander(f"Check-ins ({len(history)})", icon=":material/history:"):
            shown = history.iloc[::-1]
            st.dataframe(
                {
                    "Date": [badges.day(d) for d in shown["checkin_date"]],
                    "Value": [badges.number(v, label) for v in shown["value"]],
                    "Confidence": [int(c) for c in shown["confidence"]],
                    "Note": list(shown["note"].fillna("")),
                    "By": list(shown["author_name"].fillna("")),
                },
                hide_index=True,
                width="stretch",
                column_config={"Confidence": st.column_config.NumberColumn("Confidence", format="%d/10")},
            )

# --- one objective ---------------------------------------------------------------------------
elif mode == "objective":
    titles = {int(i): f"{t} · {u}" for i, t, u in zip(objs["objective_id"], objs["title"], objs["unit_name"])}
    chosen_objective = st.selectbox(
        "Objective",
        options=objective_ids,
        format_func=lambda i: titles.get(i, str(i)),
        key=OBJECTIVE_KEY,
        help="Type to search the objectives of the cycle and unit in the sidebar.",
    )
    _write_url("objective", objective_id=chosen_objective)
    row = objs[objs["objective_id"] == chosen_objective].iloc[0]
    st.subheader(badges.escape(row["title"]))
    st.caption(
        f"{badges.escape(row['unit_name'])} · {row['kind']} · {_count(int(row['kr_count']), 'key result')} · "
        "progress is the weighted mean of its key results; confidence their mean."
    )
    if int(row["kr_count"]) == 0:
        st.info(
            "This objective has no key results yet, so it sits at 0. Add two to five in Manage.",
            icon=":material/inbox:",
        )
        _link("pages/manage.py", "Open Manage", ":material/settings:")
    else:
        projected, used = trends.objective_projected(chosen_objective)
        _aggregate(
            ("objective", scope.cycle_id, scope.unit_id, chosen_objective),
            trends.objective(chosen_objective),
            projected,
            used,
            "its",
            "Mean confidence of its key results",
        )
        st.markdown("**Its key results now** · pick one above, under *Key result*, for its notes")
        tables.show_key_results(krs[krs["objective_id"] == chosen_objective], key="trends_objective_krs")

# --- the unit ------------------------------------------------------------------------------
else:
    _write_url("unit")
    st.subheader(f"{who}: every objective{' of the company' if scope.unit_id is None else ' of its branch'}")
    st.caption(
        f"{_count(len(objs), 'objective')} and {_count(len(krs), 'key result')}; progress is the weighted "
        "mean of the objectives, each counted once, confidence the mean of the key results that have one. "
        "Pick the unit in the sidebar."
    )
    # The roll-up over every objective of a large branch is worth keeping between reruns too.
    series, (projected, used) = data.memo(
        lambda: (trends.unit(), trends.unit_projected()), "trends.unit", scope.cycle_id, scope.unit_id
    )
    _aggregate(
        ("unit", scope.cycle_id, scope.unit_id), series, projected, used, "the", "Mean confidence of the key results"
    )

    def heat() -> tuple[dict, str, int, int, bool] | None:
        """The heat map's spec, what its rows are, how many are drawn of how many, and whether
        one row is the unit's own objectives; None when there is nothing to draw."""
        rows = data.trend_breakdown(scope.cycle_id, scope.unit_id)
        cells = tr.heatmap(
            trends.objective_weekly, trends.kr_weekly, rows, max_cells=tc.MAX_POINTS - 500, max_rows=HEATMAP_ROWS
        )
        if cells.empty:
            return None
        what = "objective" if bool((rows["row_kind"] == "objective").all()) else "unit"
        spec = charts.spec(
            tc.heatmap(cells, trends.weeks, f"Mean confidence of each {what}'s key results", row_title=what.title())
        )
        return spec, what, cells["row"].nunique(), rows["row"].nunique(), bool((rows["row_kind"] == "own").any())

    heat_map = data.memo(heat, "trends.heatmap", scope.cycle_id, scope.unit_id) if trends.checkin_count else None
    if heat_map is not None:
        spec, what, shown_rows, all_rows, has_own = heat_map
        st.subheader(f"Confidence by {what}, week by week")
        charts.show(spec)
        if what == "objective":
            about = "Each row is one of its objectives."
        else:
            own = ", and one for its own objectives" if has_own else ""
            about = f"Each row is a unit below it with its whole branch{own}."
        st.caption(
            about
            + " Grey: no key result checked in yet."
            + (
                f" Showing the {shown_rows} of {all_rows} rows with the most key results; pick a unit in the "
                "sidebar to see the rest."
                if shown_rows < all_rows
                else ""
            )
        )

    def mix() -> dict | None:
        frame = tr.status_mix(trends.kr_weekly)
        return (
            None
            if frame.empty
            else charts.spec(tc.status_mix(frame, trends.weeks, "Status of the key results at each week's end"))
        )

    mix_spec = data.memo(mix, "trends.status_mix", scope.cycle_id, scope.unit_id) if trends.checkin_count else None
    if mix_spec is not None:
        st.subheader("Key results by status, week by week")
        charts.show(mix_spec)
        st.caption("Stale: no check-in within its cadence plus the grace period on that day, or none yet.")
