"""The Check-in page's weekly form: a team's key results in one form, saved together or not at all.

Each row shows the key result's goal, its last check-in and note, and takes a new value,
confidence and note; a key result measured by a KPI is offered the KPI's latest reading
(:func:`okrdata.checkin_rows.offer`). Each row keeps the picture it was drawn from
(:class:`okrdata.checkin_rows.Shown`, under :func:`shown_key`), so that what the lead changed
is judged against it (:func:`okrdata.checkin_rows.pick`) and a key result someone else
checked in meanwhile is said to have moved, never saved on nobody's say-so. The save is
:func:`okrdata.writes.add_checkins`, run by :func:`ui.forms.submit_button`.

Also here, what the correction form of :mod:`ui.checkin_history` shares: the date picker
(:func:`day_picker`) and filling a form's inputs together (:func:`prefill_together`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from okrdata import attention, checkin_rows, wording, writes
from okrdata.errors import ValidationError
from ui import badges, checkin_data, data, form_data, forms
from ui.badges import escape_markdown

FORM = "ci_form"
NOTE_PREVIEW = 240  # characters of the last note shown in the form; a longer one opens in full below


def value_key(kr_id: int) -> str:
    return f"ci_value_{kr_id}"


def conf_key(kr_id: int) -> str:
    return f"ci_conf_{kr_id}"


def note_key(kr_id: int) -> str:
    return f"ci_note_{kr_id}"


def shown_key(kr_id: int) -> str:
    """Where the row's first picture (:class:`okrdata.checkin_rows.Shown`) is kept."""
    return f"ci_shown_{kr_id}"


def row_keys(kr_id: int) -> list[str]:
    return [value_key(kr_id), conf_key(kr_id), note_key(kr_id), shown_key(kr_id)]


def date_key(team_id: int) -> str:
    return f"ci_date_{team_id}"


def present(x: Any) -> bool:
    return not wording.missing(x)


# --- dates ----------------------------------------------------------------------------------------


def cycle_days(cycle: dict) -> tuple[dt.date, dt.date]:
    """A cycle's first and last day."""
    return dt.date.fromisoformat(str(cycle["start_date"])[:10]), dt.date.fromisoformat(str(cycle["end_date"])[:10])


def day_choices(cycle: dict, also: dt.date | None = None) -> list[dt.date]:
    """The days a check-in of the cycle may be dated today, newest first (:func:`okrdata.checkin_rows.day_choices`)."""
    return checkin_rows.day_choices(*cycle_days(cycle), dt.date.today(), also)


def day_label(day: dt.date) -> str:
    """A day in the picker, as every date reads: "5 Dec 2026 (today)"."""
    return checkin_rows.day_label(day, dt.date.today())


def day_picker(where, label: str, key: str, choices: list[dt.date], **kwargs) -> None:
    """A check-in's date, picked from ``choices`` and shown as every other date ("5 Dec 2026"):
    Streamlit's date input writes dates as 2026/12/05 and knows no other order of words."""
    if st.session_state.get(key) not in choices:
        st.session_state[key] = choices[0]
    where.selectbox(label, options=choices, format_func=day_label, key=key, **kwargs)


# --- filling the rows -----------------------------------------------------------------------------


def prefill_together(first: dict[str, Any]) -> None:
    """Give a form's inputs their first values together with what they were drawn from (a
    version, a picture), unless every one of them is there still (what was typed wins).

    Streamlit forgets a page's inputs when another page (or another team, another check-in)
    is drawn, but not the other keys: were each key prefilled on its own, the inputs would be
    drawn afresh from the database while the version or picture stayed as it was, and a form
    showing the current values would be judged against older ones.
    """
    if not all(k in st.session_state for k in first):
        for k, v in first.items():
            st.session_state[k] = v


def prefill_row(r: dict, offered: str) -> None:
    """Fill a row's inputs from the key result as stored, keeping that picture of the row."""
    kr_id = int(r["kr_id"])
    first = checkin_rows.shown(kr_id, r["checkin_id"], r["checkin_version"], r["confidence"], offered)
    prefill_together(dict(zip(row_keys(kr_id), (first.value, first.confidence, first.note, first))))


# --- words beside a row ---------------------------------------------------------------------------


def goal_words(kr: dict) -> str:
    """The key result's goal as Markdown (its unit label escaped)."""
    if kr["kr_type"] == "milestone":
        return "Milestone: enter the fraction done, 0 to 1"
    return escape_markdown(wording.goal(kr["kr_type"], kr["baseline"], kr["target"], kr["unit_label"]))


def last_words(kr: dict, cycle_end: dt.date) -> str:
    """The last check-in as Markdown: value, confidence and date, and where its forecast heads."""
    if not present(kr["value"]):
        return "No check-in yet; it sits at its baseline."
    line = (
        f"Last: **{escape_markdown(wording.kr_value(kr['value'], kr['unit_label'], kr['kr_type']))}** · "
        f"confidence {wording.confidence(kr['confidence'])} · {badges.day(kr['last_checkin_date'])}"
    )
    if present(kr.get("forecast_value")):
        forecast = wording.forecast(kr["forecast_value"], kr["forecast_score"], kr["unit_label"], kr["kr_type"])
        line += f"  \nTrend: heading for {escape_markdown(forecast)} by {badges.day(cycle_end)}"
    return line


def last_note(note: str, kr_id: int) -> None:
    """The last check-in's note beside the form: whole when short, else its start and a box that
    opens the whole of it (a note of 10,000 characters would make the form pages long)."""
    if len(note) <= NOTE_PREVIEW:
        st.caption(f"Last note: {escape_markdown(note)}")
        return
    start = note[:NOTE_PREVIEW].rsplit(None, 1)[0] if " " in note[:NOTE_PREVIEW] else note[:NOTE_PREVIEW]
    st.caption(f"Last note: {escape_markdown(start)} …")
    with st.expander(f"The whole note ({len(note):,} characters)", icon=":material/notes:"):
        with st.container(height=320, border=False, key=f"ci_whole_note_{kr_id}"):
            st.markdown(escape_markdown(note, lines=True))


def when_words(at: str | None) -> str:
    """A stored UTC time as "6 Dec 2026, 14:02 UTC"."""
    return wording.moment(at) if at else "a moment ago"


def move_words(now: checkin_rows.Latest, unit_label: str, who: dict) -> str:
    """What happened to a key result since the form was drawn, as plain text (escape it for Markdown)."""
    what = {"edit": "Its latest check-in was corrected", "delete": "A check-in was withdrawn"}.get(
        now.action or "", "A new check-in was recorded"
    )
    if now.changed_by is not None and now.changed_by == who.get("id"):
        by = " by you"
    elif now.changed_by_name:
        by = f" by {now.changed_by_name}"
    else:
        by = ""
    if now.checkin_id is None:
        state = "it now has no check-in"
    else:
        state = f"now {badges.number(now.value, unit_label)}, confidence {wording.confidence(now.confidence)}"
    return f"{what}{by} at {when_words(now.changed_at)} since you opened the form; {state}."


def title_list(titles: list[str]) -> str:
    """Key results' titles for a message, escaped: the first three, then "..."."""
    shown = ", ".join(escape_markdown(t) for t in titles[:3])
    return shown + (", ..." if len(titles) > 3 else "")


# --- the save -------------------------------------------------------------------------------------


def save_checkins(team_id: int, kr_ids: list[int], titles: dict[int, str], unit_labels: dict[int, str]):
    """The form's write: gather the rows the person filled in, check them all, save them together."""

    def write(db, who: dict) -> str:
        day = forms.value(date_key(team_id))
        drawn = [k for k in kr_ids if isinstance(st.session_state.get(shown_key(k)), checkin_rows.Shown)]
        now = checkin_rows.latest(db, drawn)
        picked = checkin_rows.pick(
            [
                (
                    st.session_state[shown_key(k)],
                    forms.text(value_key(k)),
                    forms.value(conf_key(k)),
                    forms.text(note_key(k)),
                )
                for k in drawn
            ],
            now,
        )
        moved_words = {k: move_words(now[k], unit_labels.get(k, ""), who) for k in picked.moved + picked.left_out}
        # Refusals are escaped where they are shown; the success message is Markdown.
        if not picked.save:
            if picked.left_out:
                # Drawn afresh at the next run, with the KPI reading only if it is still newer.
                forms.forget([key for k in picked.left_out for key in row_keys(k)])
                raise forms.Refused(
                    [
                        ValidationError(
                            "value",
                            f"{moved_words[k]} The KPI reading offered here was not saved; nothing was saved.",
                            where=titles[k],
                        )
                        for k in picked.left_out
                    ]
                )
            raise ValidationError("value", "enter a value for at least one key result; nothing was saved.")
        entries = [
            {
                "kr_id": k,
                "value": forms.text(value_key(k)),
                "confidence": forms.value(conf_key(k)),
                "note": forms.text(note_key(k)),
                "checkin_date": day,
            }
            for k in picked.save
        ]
        problems = writes.check_checkins(db, entries, person=who)
        if problems:
            raise forms.Refused(problems)
        writes.add_checkins(db, entries, who["id"], person=who)
        count = len(entries)
        message = [f"Saved {badges.plural(count, 'check-in')} ({title_list([titles[k] for k in picked.save])})."]
        for k in picked.moved:
            message.append(escape_markdown(f"{titles[k]}: {moved_words[k]} Both are in its history."))
        for k in picked.left_out:
            message.append(escape_markdown(f"Not saved: the KPI reading offered for {titles[k]}. {moved_words[k]}"))
        return "  \n".join(message)

    return write


# --- the form -------------------------------------------------------------------------------------


def checkin_form(team_id: int, krs: pd.DataFrame, cycle: dict, person: dict | None) -> None:
    """The team's check-in: a row per key result (``krs``, the team's), one date for all, one
    Save; refusals beside their key result, the rest and a summary below."""
    rows = krs.to_dict("records")
    kpis = data.kpis()
    measured_by = {int(r["kpi_id"]) for r in rows if present(r["kpi_id"])}
    kpi_rows = {int(r["kpi_id"]): r for r in kpis[kpis["kpi_id"].isin(measured_by)].to_dict("records")}
    kr_ids = [int(r["kr_id"]) for r in rows]
    titles = {int(r["kr_id"]): str(r["title"]) for r in rows}
    unit_labels = {int(r["kr_id"]): str(r["unit_label"]) if present(r["unit_label"]) else "" for r in rows}
    moved = attention.goalpost_marks(form_data.goalpost_changes(kr_ids))
    problems = {e.where: e for e in forms.errors(FORM)}
    start, end = cycle_days(cycle)
    forms.prefill(date_key(team_id), checkin_rows.last_day(start, end, dt.date.today()))
    offers: dict[int, str] = {}
    for r in rows:
        kpi = kpi_rows.get(int(r["kpi_id"])) if present(r["kpi_id"]) else None
        offered = (
            ""
            if kpi is None
            else checkin_rows.offer(kpi["last_value"], kpi["last_reading_date"], r["last_checkin_date"])
        )
        offers[int(r["kr_id"])] = offered
        prefill_row(r, offered)
    now = checkin_data.latest(kr_ids)
    who = person or {}

    with st.form(FORM, border=False):
        day_picker(
            st,
            "Check-in date",
            date_key(team_id),
            day_choices(cycle),
            help="The day these values were true; one date for the whole check-in.",
        )
        current_objective = None
        for r in rows:
            kr_id = int(r["kr_id"])
            if r["objective_title"] != current_objective:
                current_objective = r["objective_title"]
                st.markdown(f"##### {escape_markdown(current_objective)}")
            with st.container(border=True):
                left, right = st.columns([2, 3])
                with left:
                    st.markdown(f"**{escape_markdown(r['title'])}**  \n{badges.markdown(r['status'])}")
                    st.caption(
                        goal_words(r)
                        + (f" · owner {escape_markdown(r['owner_name'])}" if present(r["owner_name"]) else "")
                    )
                    st.markdown(last_words(r, end))
                    if present(r["note"]) and r["note"]:
                        last_note(str(r["note"]), kr_id)
                    if kr_id in moved:
                        st.caption(f":orange[:material/swap_vert: {escape_markdown(moved[kr_id])}]")
                    if checkin_rows.moved(st.session_state[shown_key(kr_id)], now.get(kr_id)):
                        st.caption(
                            f":orange[:material/update:] {escape_markdown(move_words(now[kr_id], unit_labels[kr_id], who))}"
                        )
                with right:
                    row_inputs(r, kpi_rows, offers.get(kr_id, ""))
                    if r["title"] in problems:
                        forms.show_error(problems[r["title"]])
        forms.submit_button(
            "Save check-ins",
            FORM,
            save_checkins(team_id, kr_ids, titles, unit_labels),
            reset=[key for kr_id in kr_ids for key in row_keys(kr_id)],
            type="primary",
            icon=":material/save:",
        )
    # Errors of a key result show beside it (above); the rest, and a one-line summary, here.
    found = forms.errors(FORM)
    unplaced = [e for e in found if e.where not in set(titles.values())]
    for problem in unplaced:
        forms.show_error(problem)
    if len(unplaced) < len(found):
        st.error(
            f"Nothing was saved: {len(found)} key result{'s need' if len(found) != 1 else ' needs'} a correction "
            "(see above). What you typed is kept.",
            icon=":material/error:",
        )
    forms.flash(FORM)


def row_inputs(r: dict, kpi_rows: dict[int, dict], offered: str) -> None:
    """One key result's new value, confidence and note; the value's help names the KPI measuring
    it, and a caption says when the value is the KPI's reading, offered."""
    kr_id = int(r["kr_id"])
    a, b = st.columns([3, 2])
    kpi = kpi_rows.get(int(r["kpi_id"])) if present(r["kpi_id"]) else None
    value_help = "Leave empty to skip this key result this time."
    if kpi is not None and present(kpi["last_value"]):
        value_help = (
            f"Measured by the KPI {escape_markdown(kpi['name'])}: its latest reading, "
            f"{escape_markdown(badges.number(kpi['last_value'], kpi['unit_label'] or ''))} on "
            f"{badges.day(kpi['last_reading_date'])}, is offered when it is newer than the last "
            "check-in. " + value_help
        )
    a.text_input(
        f"New value ({escape_markdown(r['unit_label'])})" if r["unit_label"] else "New value",
        key=value_key(kr_id),
        placeholder="0 to 1" if r["kr_type"] == "milestone" else checkin_rows.value_text(r["value"]),
        help=value_help,
    )
    b.number_input(
        "Confidence (0–10)",
        key=conf_key(kr_id),
        step=1,
        help="7–10 on track, 4–6 at risk, 0–3 off track.",
    )
    if offered and forms.text(value_key(kr_id)) == offered:
        a.caption(
            f":material/monitor_heart: Offered from the KPI {escape_markdown(kpi['name'])}, read on "
            f"{badges.day(kpi['last_reading_date'])}; clear it to skip this key result."
        )
    st.text_area(
        "Note",
        key=note_key(kr_id),
        height=68,
        placeholder="Progress, obstacles, what we learned",
    )
