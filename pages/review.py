"""Review: end-of-cycle scores and reflections, closing the cycle, and calibration over past cycles.

For the cycle chosen in the sidebar (and the unit's branch):

* **closed**: every objective's score against what its kind expects (committed 1.0,
  aspirational about 0.7), the reason for any adjustment and the reflection, read only;
* **active or past its end**: where each objective is heading (its forecast, in words that speak
  of the forecast, never of a result: "tracking to 0.45 · heading for partly met"), the key
  results flagged for the review, and the proposed scores (progress so far) for everyone to
  read; for a signed-in lead a form per objective of the units they may change: the score
  (adjustable; a change of more than 0.05 needs a reason) and the reflection, saved through
  :func:`okrdata.writes.score_objective`;
* an admin's **Close cycle** button, with a confirmation, which fills in the proposed score of
  every objective nobody scored (marked as proposed) and makes the cycle read only
  (:func:`okrdata.writes.close_cycle`).

Below, **Calibration** across the last closed cycles, per unit: average score, share met, the
Brier score of the last confidence against the outcome, and flags for persistent sandbagging
or over-reach; with a chart of scores by cycle and one of confidence against outcome. Every
figure comes from :mod:`okrdata.review`.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from okrdata import auth as core_auth
from okrdata import review, transfer, wording, writes
from ui import auth, badges, charts, data, forms, sidebar, tables

SCORE_DOTS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
CLOSE_FORM = "rv_close"
CONFIRM_KEY = "rv_close_confirm"
MAX_REFLECTIONS = 30  # above this many, the reflections stay in the table (pick a unit to read them)
MAX_CHART_UNITS = 12


def score_key(objective_id: int) -> str:
    return f"rv_score_{objective_id}"


def reason_key(objective_id: int) -> str:
    return f"rv_reason_{objective_id}"


def reflection_key(objective_id: int) -> str:
    return f"rv_reflection_{objective_id}"


def form_id(objective_id: int) -> str:
    return f"rv_form_{objective_id}"


def score_cell(score: float, colour: str, band: str) -> str:
    """A score for a table cell, colour with words: ``"🟢 0.92 · green · Met"``."""
    return f"{SCORE_DOTS[colour]} {badges.score(score)} · {band}"


def forecast_cell(forecast: float, colour: str, band: str) -> str:
    """A forecast for a table cell: ``"🟡 tracking to 0.45 · yellow · heading for partly met"``."""
    return f"{SCORE_DOTS[colour]} tracking to {badges.score(forecast)} · {band}"


def score_or_blank(x: float) -> str:
    """A score with its band, or nothing when there is none (a lead's score not given yet)."""
    return "" if pd.isna(x) else badges.score(x)


signed = wording.signed_score
"""A difference of scores with its sign: ``"+0.05"``, ``"−0.30"`` (:func:`okrdata.wording.signed_score`)."""


# --- the page ---------------------------------------------------------------------------------

scope = sidebar.current()
st.title("Review")
st.write(
    "At the end of a cycle each objective is scored from 0.0 to 1.0 with a reflection on what was "
    "learned and what carries over; an admin then closes the cycle. Past cycles show how well "
    "each unit plans and forecasts."
)
if scope.cycle_id is None:
    st.info("There are no cycles yet. Run `okr demo` or create a cycle in Manage.", icon=":material/event_busy:")
    st.stop()
sidebar.scope_caption(scope)

person = auth.current_person()
cycle = scope.cycle
cycle_name = badges.escape(cycle["name"])
closed = cycle["state"] == "closed"
refusal = review.scoring_refusal(cycle)
ended = review.has_ended(cycle)
sheet = data.memo(
    lambda: review.scoring_sheet(
        data.objectives(scope.cycle_id, scope.unit_id),
        closed,
        ended,
        None if closed else data.key_results(scope.cycle_id, scope.unit_id),
    ),
    "review.sheet",
    scope.cycle_id,
    scope.unit_id,
    closed,
    ended,
)
forms.flash(CLOSE_FORM)  # "Closed 2026 Q4 …" shows here, once, after the cycle changed state


def score_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The scoring sheet as a display table. Closed: the score with its band and result, against
    kind, reasons, reflections. Before the close: where each objective is heading (its forecast,
    in forecast words), the key results flagged for the review, the score proposed from the
    progress so far and a lead's score, if any."""
    if closed:
        lead = {"Score": [score_cell(s, c, b) for s, c, b in zip(rows["score"], rows["colour"], rows["band"])]}
    else:
        lead = {"Forecast": [forecast_cell(f, c, b) for f, c, b in zip(rows["forecast"], rows["colour"], rows["band"])]}
    table = {
        **lead,
        "Against kind": [f"{v} ({signed(g)})" for v, g in zip(rows["versus"], rows["gap"])],
        "Objective": rows["title"].astype(str),
        "Unit": rows["unit_name"].astype(str),
        "Kind": [wording.kind_text(k) for k in rows["kind"]],
        "Progress": rows["progress"].astype(float) * 100,
        "Proposed": [badges.score(p) for p in rows["proposal"]],
    }
    if not closed:
        table["Lead's score"] = [score_or_blank(r) for r in rows["recorded"]]
        if rows["flag"].astype(bool).any():  # a column empty in every row would say nothing
            table["Flag"] = rows["flag"].astype(str)
    table.update(
        {
            "Review": rows["review"].map(review.REVIEW_LABELS),
            "Reason": rows["reason"].astype(str),
            "Reflection": rows["reflection"].astype(str),
        }
    )
    return pd.DataFrame(table)


def show_score_table(rows: pd.DataFrame) -> None:
    """The scoring sheet of the sidebar's cycle and unit (``rows``) as a table (its first
    :data:`ui.tables.ROW_LIMIT` rows, every one in the CSV), with the bands explained."""
    st.dataframe(
        data.memo(
            lambda: tables.arrow(score_table(rows.head(tables.ROW_LIMIT))),
            "review.score_table",
            scope.cycle_id,
            scope.unit_id,
            closed,
            ended,
        ),
        hide_index=True,
        width="stretch",
        key="rv_scores",
        column_config={
            "Progress": st.column_config.ProgressColumn(
                "Final progress" if closed or ended else "Progress so far",
                min_value=0.0,
                max_value=100.0,
                format="%.0f%%",
                color=badges.NEUTRAL,
            ),
            "Proposed": st.column_config.TextColumn(
                "Proposed",
                help="The proposed score: the objective's final progress"
                + (
                    ", rounded half up."
                    if closed or ended
                    else " so far, rounded half up: what closing now would record."
                ),
            ),
            "Against kind": st.column_config.TextColumn(
                "Against kind",
                help="Committed objectives are expected at 1.0, aspirational ones around 0.7 "
                f"(within {review.EXPECTATION_TOLERANCE:g})."
                + ("" if closed else " Before the close, the forecast is compared."),
            ),
            "Forecast": st.column_config.TextColumn(
                "Forecast",
                help="Where the objective is heading at the cycle's end, from the trend of its key "
                "results' check-ins (their progress so far where there are fewer than three).",
            ),
            "Flag": st.column_config.TextColumn(
                "Flag",
                help="Key results flagged for the review: confident while 20 points or more behind pace, "
                "or of low confidence while ahead, two check-ins running.",
            ),
        },
    )
    bands = (
        "Score bands: 🔴 red, missed, below 0.40 · 🟡 yellow, partly met, 0.40 to 0.69 · 🟢 green, met, from 0.70. "
        if closed
        else "Until the cycle closes nothing is met or missed: 🔴 heading for a miss below 0.40 · 🟡 heading for "
        "partly met 0.40 to 0.69 · 🟢 on course from 0.70. "
    )
    st.caption(
        bands
        + "Committed objectives are expected at 1.0; aspirational ones around 0.7."
        + (
            f" The table shows the first {tables.ROW_LIMIT:,} of {len(rows):,} objectives: pick a unit in the "
            "sidebar to narrow it, or download them all."
            if len(rows) > tables.ROW_LIMIT
            else ""
        )
    )
    st.download_button(
        "Download the scores as CSV",
        # Built when the button is clicked, not at every rerun.
        data=lambda: transfer.to_csv_bytes(score_table(rows)),
        file_name=f"scores-{transfer.file_slug(cycle['name'], 'cycle')}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="rv_download",
    )


def show_reflections(rows: pd.DataFrame) -> None:
    """Each objective's reason and reflection, as text."""
    written = rows[(rows["reflection"] != "") | (rows["reason"] != "")]
    if written.empty:
        st.caption("No reflections were written for these objectives.")
        return
    if len(written) > MAX_REFLECTIONS:
        st.caption(
            f"{len(written)} objectives have reflections: they are in the table above; pick a unit in the "
            "sidebar to read them one by one."
        )
        return
    for r in written.to_dict("records"):
        with st.container(border=True):
            st.markdown(
                f"**{badges.escape(r['title'])}** · {badges.escape(r['unit_name'])} · "
                f"{SCORE_DOTS[r['colour']]} {badges.score(r['score'])} · {r['band']} · "
                f"{review.REVIEW_LABELS[r['review']]}"
            )
            if r["reason"]:
                st.markdown(f"*Why the score differs from the proposal:* {badges.escape(r['reason'])}")
            if r["reflection"]:
                st.markdown(badges.escape(r["reflection"]))


def save_score(objective_id: int):
    """The form's write: the score, reason and reflection of one objective."""

    def write(db, who: dict) -> str:
        result = writes.score_objective(
            db,
            objective_id,
            forms.value(score_key(objective_id)),
            forms.text(reason_key(objective_id)),
            forms.text(reflection_key(objective_id)),
            person=who,
        )
        return f"Saved the score {wording.score(result['score'])} (proposed {wording.score(result['proposal'])})."

    return write


def score_form(row: dict, krs: pd.DataFrame, expand: bool) -> None:
    """One objective's scoring form, in an expander labelled with its title and state (open when
    ``expand``, or when its last save was refused)."""
    oid = int(row["objective_id"])
    recorded = row["recorded"]
    forms.prefill(score_key(oid), float(row["proposal"]) if pd.isna(recorded) else float(recorded))
    forms.prefill(reason_key(oid), row["reason"])
    forms.prefill(reflection_key(oid), row["reflection"])
    problems = forms.errors(form_id(oid))
    label = (
        f"{SCORE_DOTS[row['colour']]} {badges.escape(row['title'])} · {badges.escape(row['unit_name'])} · "
        f"{review.REVIEW_LABELS[row['review']]}"
    )
    with st.expander(label, expanded=bool(problems) or expand):
        st.markdown(
            f"Proposed **{badges.score(row['proposal'])}**: the {'final ' if ended else ''}progress of its key "
            f"results{'' if ended else ' so far'}; tracking to **{badges.score(row['forecast'])}** "
            f"({row['band']}). {wording.kind_label(row['kind'])}, so expected at **{row['expected']:.1f}**. "
            f"An adjustment of more than {review.REASON_TOLERANCE:g} needs a reason."
        )
        mine = krs[krs["objective_id"] == oid]
        if not mine.empty:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Key result": mine["title"].astype(str),
                        "Progress": mine["progress"].astype(float) * 100,
                        "Last confidence": [wording.confidence(c) for c in mine["confidence"]],
                        "Status": [badges.cell(s) for s in mine["status"]],
                    }
                ),
                hide_index=True,
                width="stretch",
                key=f"rv_krs_{oid}",
                column_config={
                    "Progress": tables.PROGRESS,
                },
            )
        with st.form(form_id(oid), border=False):
            st.number_input(
                "Score (0.0 to 1.0)",
                key=score_key(oid),
                step=0.05,
                format="%.2f",
                help="Start from the proposal; adjust it when the numbers do not tell the whole story.",
            )
            st.text_area(
                "Reason for the adjustment",
                key=reason_key(oid),
                help=f"Required when the score differs from the proposal by more than {review.REASON_TOLERANCE:g}.",
            )
            st.text_area(
                "Reflection",
                key=reflection_key(oid),
                placeholder="What we learned, and what we carry over into the next cycle.",
            )
            forms.submit_button(
                "Save score",
                form_id(oid),
                save_score(oid),
                reset=[score_key(oid), reason_key(oid), reflection_key(oid)],
                type="primary",
            )
        forms.feedback(form_id(oid))


# --- scores of the chosen cycle ---------------------------------------------------------------

st.subheader(f"Scores · {cycle_name}")
if sheet.empty:
    st.info(
        f"{cycle_name} has no objectives for {badges.escape(scope.unit_name)}. Pick another unit or cycle "
        "in the sidebar, or add objectives in Manage.",
        icon=":material/inbox:",
    )
else:
    counts = review.sheet_counts(sheet)
    cols = st.columns(4)
    cols[0].metric("Objectives", counts["objectives"])
    if closed:
        cols[1].metric("Average score", badges.score(counts["avg_score"]))
        cols[2].metric("Met (score ≥ 0.70)", badges.pct(counts["met_share"]))
    else:
        cols[1].metric(
            "Average forecast",
            badges.score(counts["avg_forecast"]),
            help="Where the objectives are heading at the cycle's end, on average.",
        )
        cols[2].metric("On course (forecast ≥ 0.70)", badges.pct(counts["on_course_share"]))
    if closed:
        cols[3].metric(
            "Proposed, not reviewed",
            counts[review.PROPOSED],
            help="Objectives no lead scored: they got their final progress when the cycle closed.",
        )
    else:
        cols[3].metric("Scored by a lead", f"{counts[review.SCORED]} of {counts['objectives']}")
    if closed:
        st.caption(f"{cycle_name} is closed: its scores and reflections are final and read only.")
    elif refusal:
        st.info(
            f"{badges.escape(refusal)} Meanwhile, what each objective would be proposed today:",
            icon=":material/event_upcoming:",
        )
    else:
        st.caption(
            "Until a lead scores an objective, its score is the proposal: its progress so far. The forecast "
            "says where it is heading; once the cycle closes the scores are final."
        )
    show_score_table(sheet)

    if closed:
        st.subheader("Reflections")
        show_reflections(sheet)
    elif refusal is None:
        editable = forms.editable_units(person)
        mine = sheet[sheet["unit_id"].astype(int).isin(editable)]
        st.subheader("Score the objectives")
        if person is None or not editable:
            forms.signed_in_message(person, "score objectives")
        elif mine.empty:
            st.info(
                "None of these objectives belongs to a unit you may change. Pick your unit in the sidebar.",
                icon=":material/inbox:",
            )
        else:
            st.caption(
                f"{wording.plural(len(mine), 'objective')} of the units you may change; each is saved on its own."
            )
            krs = data.key_results(scope.cycle_id, scope.unit_id)
            few = len(mine) <= 3
            for row in mine.to_dict("records"):
                score_form(row, krs, expand=few and row["review"] == review.NOT_SCORED)


# --- closing the cycle --------------------------------------------------------------------------


def ask_close(cycle_id: int) -> None:
    st.session_state[CONFIRM_KEY] = cycle_id


def cancel_close() -> None:
    st.session_state.pop(CONFIRM_KEY, None)


def close_write(cycle_id: int):
    def write(db, who: dict) -> str:
        result = writes.close_cycle(db, cycle_id, person=who)
        st.session_state.pop(CONFIRM_KEY, None)
        proposed = result["proposed"]
        return (
            f"Closed {badges.escape(result['cycle'])}: its OKRs are now read only. "
            f"{wording.plural(result['scored'], 'objective')} kept a lead's score; {proposed} got "
            f"{'their' if proposed != 1 else 'its'} proposed score, marked as not reviewed."
        )

    return write


if not closed:
    st.subheader("Close the cycle")
    if refusal:
        st.caption(f"{cycle_name} can be closed at its end, once it is active or past its end date.")
    elif not core_auth.is_admin(person):
        st.caption(
            "An admin closes the cycle once the leads have scored their objectives; its OKRs then become "
            "read only, and objectives nobody scored keep their proposed score."
        )
    else:
        if st.session_state.get(CONFIRM_KEY) != scope.cycle_id:
            st.button(
                f"Close {cycle_name}…",
                key="rv_close_ask",
                icon=":material/lock:",
                on_click=ask_close,
                args=(scope.cycle_id,),
            )
        else:
            company = review.scoring_sheet(data.objectives(scope.cycle_id), closed=False)
            unscored = int((company["review"] != review.SCORED).sum())
            end = badges.day(cycle["end_date"])
            early = pd.Timestamp(cycle["end_date"]).date() >= pd.Timestamp.today().date()
            st.warning(
                f"Close {cycle_name} for the whole company? Its OKRs become read only: no more check-ins, "
                f"edits or scores. {unscored} objective{'s have' if unscored != 1 else ' has'} no lead's score "
                f"yet and will keep the proposed score, marked as not reviewed."
                + (f" It runs until {end}: closing now ends it early." if early else ""),
                icon=":material/lock:",
            )
            yes, no = st.columns(2)
            with yes:
                forms.action_button(
                    f"Yes, close {cycle_name}",
                    CLOSE_FORM,
                    close_write(scope.cycle_id),
                    key="rv_close_yes",
                    type="primary",
                )
            with no:
                st.button("Cancel", key="rv_close_cancel", on_click=cancel_close)
    for problem in forms.errors(CLOSE_FORM):
        forms.show_error(problem)


# --- calibration across closed cycles ----------------------------------------------------------

st.subheader("Calibration")
report = data.calibration(scope.unit_id)
units_table = report["units"]
if units_table.empty:
    st.info(
        f"No closed cycle with objectives for {badges.escape(scope.unit_name)} yet: calibration starts once "
        "a cycle is scored and closed.",
        icon=":material/insights:",
    )
    st.stop()

cycle_names = report["cycles"]["name"].astype(str).tolist()
st.caption(
    f"Over the last {wording.plural(len(cycle_names), 'closed cycle')} "
    f"({badges.escape(cycle_names[0])}{' to ' + badges.escape(cycle_names[-1]) if len(cycle_names) > 1 else ''}), "
    "per unit that owns the objectives."
)
calibration_table = pd.DataFrame(
    {
        "Unit": units_table["unit_name"].astype(str),
        "Flag": [
            f"⚠️ {review.FLAG_LABELS[f]} ({c} cycles)" if isinstance(f, str) else ""
            for f, c in zip(units_table["flag"], units_table["flag_cycles"])
        ],
        "Closed cycles": units_table["cycles"].astype(int),
        "Objectives": units_table["objectives"].astype(int),
        "Average score": units_table["avg_score"].astype(float),
        "Met": units_table["met_share"].astype(float) * 100,
        "Forecasts": units_table["forecasts"].astype(int),
        "Brier score": units_table["brier"].astype(float),
    }
)
if units_table["flag"].isna().all():
    # A column empty in every row says nothing: no unit is flagged (the caption below says what would be).
    calibration_table = calibration_table.drop(columns="Flag")
st.dataframe(
    calibration_table,
    hide_index=True,
    width="stretch",
    key="rv_calibration",
    column_config={
        "Flag": st.column_config.TextColumn("Flag", width="medium", help="Explained below the table."),
        "Average score": st.column_config.NumberColumn("Average score", format="%.2f"),
        "Met": st.column_config.NumberColumn("Met (score ≥ 0.7)", format="%.0f%%"),
        "Forecasts": st.column_config.NumberColumn(
            "Forecasts", help="Key results with a confidence: each one's last confidence is a forecast."
        ),
        "Brier score": st.column_config.NumberColumn(
            "Brier score", format="%.3f", help="0 is perfect foresight; 0.25 is what always saying 5/10 earns."
        ),
    },
)
overall = report["brier"]
st.markdown(
    "**How to read the Brier score.** Each key result's last confidence is read as a forecast that it "
    "will reach 0.7: a confidence of 8 is an 80% chance. When the cycle closes, the outcome is 1 if it "
    "did and 0 if not, and the Brier score is the average of (forecast − outcome)². 0 means perfect "
    "foresight; a team that always says 5 out of 10 scores 0.25; above 0.25 the confidence told less "
    "than a coin toss would." + (f" Across these units it is **{overall:.3f}**." if not math.isnan(overall) else "")
)
flagged = units_table[units_table["flag"].notna()]
for r in flagged.to_dict("records"):
    st.markdown(
        f"⚠️ **{badges.escape(r['unit_name'])}: {review.FLAG_LABELS[r['flag']]}** {badges.escape(r['flag_note'])}"
    )
if flagged.empty:
    st.caption(
        f"No unit is flagged: a flag needs {review.FLAG_RUN} or more closed cycles in a row where every committed "
        f"objective scored {review.SANDBAG_AT:g} or more (sandbagging?) or {review.OVERREACH_AT:g} or less "
        "(over-reach?)."
    )


def scores_chart(units_table: pd.DataFrame, per_cycle: pd.DataFrame, cycle_names: list[str]) -> dict:
    """Average score by cycle of the units with the most objectives: a line per unit, or a bar
    per unit while there is one closed cycle; the 0.7 "met" line drawn in."""
    biggest = (
        units_table.sort_values(["objectives", "unit_name"], ascending=[False, True])["unit_id"]
        .head(MAX_CHART_UNITS)
        .tolist()
    )
    shown = per_cycle[per_cycle["unit_id"].isin(biggest)].copy()
    shown["avg_score"] = shown["avg_score"].astype(float)
    shown["met_pct"] = shown["met_share"].astype(float)
    base = alt.Chart(shown).encode(
        x=alt.X("cycle_name:N", title="Cycle", sort=cycle_names),
        y=alt.Y("avg_score:Q", title="Average score", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("unit_name:N", title="Unit"),
        tooltip=[
            alt.Tooltip("unit_name:N", title="Unit"),
            alt.Tooltip("cycle_name:N", title="Cycle"),
            alt.Tooltip("avg_score:Q", title="Average score", format=".2f"),
            alt.Tooltip("met_pct:Q", title="Met", format=".0%"),
            alt.Tooltip("objectives:Q", title="Objectives"),
            alt.Tooltip("brier:Q", title="Brier score", format=".3f"),
        ],
    )
    met_line = (
        alt.Chart(pd.DataFrame({"y": [review.MET], "label": ["met (0.7)"]}))
        .mark_rule(strokeDash=[4, 4], color="#2e7d32")
        .encode(y="y:Q", tooltip=alt.Tooltip("label:N", title="Line"))
    )
    if len(cycle_names) > 1:
        return charts.spec((base.mark_line() + base.mark_point(filled=True, size=60) + met_line).properties(height=300))
    # One closed cycle: no line to draw yet, so a bar per unit, coloured by its band (named in the legend).
    shown["band"] = shown["avg_score"].map(review.band_label)
    bands = list(review.BAND_LABELS.values())
    bars = (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            y=alt.Y("unit_name:N", title=None, sort="-x", axis=alt.Axis(labelOverlap=False, labelLimit=180)),
            x=alt.X("avg_score:Q", title=f"Average score, {cycle_names[0]}", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "band:N",
                title="Band",
                scale=alt.Scale(domain=bands, range=[wording.SCORE_COLOURS[c] for c in review.BAND_LABELS]),
            ),
            tooltip=base.encoding.tooltip,
        )
    )
    met_rule = alt.Chart(pd.DataFrame({"x": [review.MET]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return charts.spec((bars + met_rule).properties(height=max(120, 26 * len(shown))))


def reliability_chart(rel: pd.DataFrame) -> dict:
    """Share of key results that reached 0.7 against their last confidence, with the diagonal of
    perfect calibration."""
    dots = (
        alt.Chart(rel)
        .mark_circle(color="#1f77b4")
        .encode(
            x=alt.X("probability:Q", title="Last confidence, as a probability", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y(
                "reached_share:Q",
                title="Share that reached 0.7",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            size=alt.Size("forecasts:Q", title="Key results"),
            tooltip=[
                alt.Tooltip("confidence:Q", title="Last confidence"),
                alt.Tooltip("forecasts:Q", title="Key results"),
                alt.Tooltip("reached:Q", title="Reached 0.7"),
                alt.Tooltip("reached_share:Q", title="Share reached", format=".0%"),
            ],
        )
    )
    diagonal = (
        alt.Chart(pd.DataFrame({"probability": [0.0, 1.0], "reached_share": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="#8a8f98")
        .encode(x="probability:Q", y="reached_share:Q")
    )
    return charts.spec((diagonal + dots).properties(height=300))


left, right = st.columns(2)
with left:
    st.markdown("**Average score by cycle**")
    if len(units_table) > MAX_CHART_UNITS:
        st.caption(f"The {MAX_CHART_UNITS} units with the most objectives; pick a unit in the sidebar to narrow down.")
    charts.show(
        data.memo(
            lambda: scores_chart(units_table, report["unit_cycles"], cycle_names), "review.scores_chart", scope.unit_id
        )
    )
with right:
    st.markdown("**Confidence against outcome**")
    if report["reliability"].empty:
        st.caption("No key result of these cycles had a check-in with a confidence.")
    else:
        charts.show(
            data.memo(lambda: reliability_chart(report["reliability"]), "review.reliability_chart", scope.unit_id)
        )
        st.caption(
            "Dots on the dashed line mean the confidence was right: of the key results given 7/10, "
            "seven in ten reached 0.7."
        )
