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
figure comes from :mod:`okrdata.review`, read through :mod:`ui.review_data` and
:func:`ui.data.calibration`; the tables are :mod:`ui.review_view`, the forms
:mod:`ui.review_forms` and the charts :mod:`ui.review_charts`.
"""

from __future__ import annotations

import math

import streamlit as st

from okrdata import review, wording
from ui import auth, badges, charts, data, empty, forms, review_charts, review_data, review_forms, review_view, sidebar

scope = sidebar.current()
st.title("Review")
st.write(
    "At the end of a cycle each objective is scored from 0.0 to 1.0 with a reflection on what was "
    "learned and what carries over; an admin then closes the cycle. Past cycles show how well "
    "each unit plans and forecasts."
)
empty.need_cycle(scope)

person = auth.current_person()
cycle = scope.cycle
cycle_name = badges.escape_markdown(cycle["name"])
closed = cycle["state"] == "closed"
refusal = review.scoring_refusal(cycle)
ended = review.has_ended(cycle)
sheet = review_data.scoring_sheet(scope.cycle_id, scope.unit_id, closed, ended)
forms.flash(review_forms.CLOSE_FORM)  # "Closed 2026 Q4 …" shows here, once, after the cycle changed state


# --- scores of the chosen cycle ---------------------------------------------------------------

st.subheader(f"Scores · {cycle_name}")
if sheet.empty:
    st.info(
        f"{cycle_name} has no objectives for {badges.escape_markdown(scope.unit_name)}. Pick another unit or cycle "
        "in the sidebar, or add objectives in Manage.",
        icon=":material/inbox:",
    )
else:
    review_view.headline(review_data.sheet_counts(scope.cycle_id, scope.unit_id, closed, ended), closed)
    if closed:
        st.caption(f"{cycle_name} is closed: its scores and reflections are final and read only.")
    elif refusal:
        st.info(
            f"{badges.escape_markdown(refusal)} Meanwhile, what each objective would be proposed today:",
            icon=":material/event_upcoming:",
        )
    else:
        st.caption(
            "Until a lead scores an objective, its score is the proposal: its progress so far. The forecast "
            "says where it is heading; once the cycle closes the scores are final."
        )
    review_view.score_sheet(sheet, review_data.score_table(scope.cycle_id, scope.unit_id, closed, ended), scope, ended)

    if closed:
        st.subheader("Reflections")
        review_view.reflections(sheet)
    elif refusal is None:
        st.subheader("Score the objectives")
        review_forms.score_forms(sheet, scope, person, ended)


# --- closing the cycle --------------------------------------------------------------------------

if not closed:
    st.subheader("Close the cycle")
    review_forms.close_cycle(scope, person, refusal, ended)


# --- calibration across closed cycles ----------------------------------------------------------

st.subheader("Calibration")
report = data.calibration(scope.unit_id)
units_table = report["units"]
if units_table.empty:
    st.info(
        f"No closed cycle with objectives for {badges.escape_markdown(scope.unit_name)} yet: calibration starts once "
        "a cycle is scored and closed.",
        icon=":material/insights:",
    )
    st.stop()

cycle_names = report["cycles"]["name"].astype(str).tolist()
st.caption(
    f"Over the last {wording.plural(len(cycle_names), 'closed cycle')} "
    f"({badges.escape_markdown(cycle_names[0])}{' to ' + badges.escape_markdown(cycle_names[-1]) if len(cycle_names) > 1 else ''}), "
    "per unit that owns the objectives."
)
view = review_data.calibration_view(scope.unit_id)
review_view.calibration_table(view["table"], view["listed"])
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
        f"⚠️ **{badges.escape_markdown(r['unit_name'])}: {review.FLAG_LABELS[r['flag']]}** {badges.escape_markdown(r['flag_note'])}"
    )
if flagged.empty:
    st.caption(
        f"No unit is flagged: a flag needs {review.FLAG_RUN} or more closed cycles in a row where every committed "
        f"objective scored {review.SANDBAG_AT:g} or more (sandbagging?) or {review.OVERREACH_AT:g} or less "
        "(over-reach?)."
    )

left, right = st.columns(2)
with left:
    st.markdown("**Average score by cycle**")
    if len(units_table) > review_charts.MAX_CHART_UNITS:
        st.caption(
            f"The {review_charts.MAX_CHART_UNITS} units with the most objectives; pick a unit in the sidebar to "
            "narrow down."
        )
    charts.show(view["scores_chart"])
with right:
    st.markdown("**Confidence against outcome**")
    if view["reliability_chart"] is None:
        st.caption("No key result of these cycles had a check-in with a confidence.")
    else:
        charts.show(view["reliability_chart"])
        st.caption(
            "Dots on the dashed line mean the confidence was right: of the key results given 7/10, "
            "seven in ten reached 0.7."
        )
