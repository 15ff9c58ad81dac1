"""Check-in: a lead enters this week's value, confidence and note for each key result of a team.

A signed-in lead picks one of the units they may change (an admin: any unit) and sees every
key result of that unit in one form, each with its last value, confidence, date and note beside
the new entry; a key result measured by a KPI is offered the KPI's latest reading as its value.
The form saves the rows the lead filled in together through :func:`okrdata.writes.add_checkins`,
all or nothing: a problem names the key result and the field, nothing of the submission is
saved, and what was typed stays. Which rows were filled in is judged against what each row
showed when it was drawn (:mod:`okrdata.checkin_rows`), so a key result that someone else
checked in meanwhile, or whose check-in was corrected, is never part of the lead's submission
unless they changed it; it is shown as moved, with who changed it and when. Below, the history
of each key result: its check-ins with their authors, corrections and withdrawals (refused when
someone else changed the check-in since its form showed it), every revision (who, when, before
→ after) and any moved goalposts.

Everyone else (signed out, viewers) reads the same, without the forms: the last check-ins of
the sidebar's unit (the first :data:`ui.tables.ROW_LIMIT` key results, cached) and the history
of any of its key results.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from okrdata import attention, checkin_rows, history, wording, writes
from okrdata.errors import ValidationError
from ui import auth, badges, data, forms, sidebar, style, tables
from ui.okr_detail import escape_markdown

scope = sidebar.current()
st.title("Check-in")
st.write(
    "Each week a team lead records every key result's new value, a confidence from 0 to 10 "
    "and what was learned, with the last check-in in view."
)
if scope.cycle_id is None:
    st.info("There are no cycles yet. Run `okr demo` or create a cycle in Manage.", icon=":material/event_busy:")
    st.stop()
sidebar.scope_caption(scope)

person = auth.current_person()
cycle = scope.cycle
closed = cycle["state"] == "closed"
cycle_start = dt.date.fromisoformat(str(cycle["start_date"])[:10])
cycle_end = dt.date.fromisoformat(str(cycle["end_date"])[:10])
# Paths without the company's name ("Product & Engineering / Web App"), as in the sidebar.
unit_paths = data.unit_paths()


def _present(x) -> bool:
    return x is not None and not (isinstance(x, float) and pd.isna(x)) and x is not pd.NA


def number_text(x) -> str:
    """A number as the text a value field takes back (no thousands separators)."""
    if not _present(x):
        return ""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)  # repr: exact, so an unchanged value reads back equal


def goal_words(kr: dict) -> str:
    """The key result's goal as Markdown (its unit label escaped)."""
    if kr["kr_type"] == "milestone":
        return "Milestone: enter the fraction done, 0 to 1"
    return escape_markdown(wording.goal(kr["kr_type"], kr["baseline"], kr["target"], kr["unit_label"]))


def last_words(kr: dict) -> str:
    """The last check-in as Markdown: value, confidence and date, and where its forecast heads."""
    if not _present(kr["value"]):
        return "No check-in yet; it sits at its baseline."
    line = (
        f"Last: **{escape_markdown(wording.kr_value(kr['value'], kr['unit_label'], kr['kr_type']))}** · "
        f"confidence {wording.confidence(kr['confidence'])} · {badges.day(kr['last_checkin_date'])}"
    )
    if _present(kr.get("forecast_value")):
        forecast = wording.forecast(kr["forecast_value"], kr["forecast_score"], kr["unit_label"], kr["kr_type"])
        line += f"  \nTrend: heading for {escape_markdown(forecast)} by {badges.day(cycle_end)}"
    return line


# --- who may write --------------------------------------------------------------------------

editable = forms.editable_units(person)
# Every key result of the cycle, for the forms (read only when there is someone to write them).
all_krs = data.key_results(scope.cycle_id) if editable and not closed else pd.DataFrame(columns=["unit_id"])
with_krs = {int(u) for u in all_krs["unit_id"].unique()} if not all_krs.empty else set()
team_options = [uid for uid in unit_paths if uid in editable and uid in with_krs]

if closed:
    st.info(
        f"{escape_markdown(cycle['name'])} is closed: its check-ins are final and read only. Pick the current cycle in "
        "the sidebar to check in.",
        icon=":material/lock:",
    )
elif person is None or not editable:
    forms.signed_in_message(person, "check in")
elif not team_options:
    st.info(
        f"None of the units you may change has key results in {escape_markdown(cycle['name'])}. Add some in Manage, or "
        "pick another cycle in the sidebar.",
        icon=":material/inbox:",
    )

can_write = not closed and bool(team_options)


# --- the check-in form ----------------------------------------------------------------------

FORM = "ci_form"


def value_key(kr_id: int) -> str:
    return f"ci_value_{kr_id}"


def conf_key(kr_id: int) -> str:
    return f"ci_conf_{kr_id}"


NOTE_PREVIEW = 240  # characters of the last note shown in the form; a longer one opens in full below


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
            st.markdown(escape_markdown(note))


def note_key(kr_id: int) -> str:
    return f"ci_note_{kr_id}"


def shown_key(kr_id: int) -> str:
    """Where the row's first picture (:class:`okrdata.checkin_rows.Shown`) is kept."""
    return f"ci_shown_{kr_id}"


def row_keys(kr_id: int) -> list[str]:
    return [value_key(kr_id), conf_key(kr_id), note_key(kr_id), shown_key(kr_id)]


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


@data.reader(reads=("all",))
def latest(kr_ids: list[int]) -> dict[int, checkin_rows.Latest]:
    """The key results' latest check-ins and who last changed them, cached per state of the data."""
    with data.opened() as db:
        return checkin_rows.latest(db, tuple(sorted(int(i) for i in kr_ids)))


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


def last_day() -> dt.date:
    """The latest day a check-in may be dated: today, within the cycle."""
    return max(cycle_start, min(cycle_end, dt.date.today()))


def day_choices(also: dt.date | None = None) -> list[dt.date]:
    """The days a check-in may be dated, newest first: from :func:`last_day` back to the cycle's
    start (and ``also``, the date a check-in being corrected has now)."""
    last = last_day()
    days = [last - dt.timedelta(days=i) for i in range((last - cycle_start).days + 1)]
    if also is not None and also not in days:
        days = sorted([*days, also], reverse=True)
    return days


def day_label(day: dt.date) -> str:
    """A day in the picker, as every date reads: "5 Dec 2026 (today)"."""
    today = dt.date.today()
    return badges.day(day) + {today: " (today)", today - dt.timedelta(days=1): " (yesterday)"}.get(day, "")


def day_picker(where, label: str, key: str, choices: list[dt.date], **kwargs) -> None:
    """A check-in's date, picked from ``choices`` and shown as every other date ("5 Dec 2026"):
    Streamlit's date input writes dates as 2026/12/05 and knows no other order of words."""
    if st.session_state.get(key) not in choices:
        st.session_state[key] = choices[0]
    where.selectbox(label, options=choices, format_func=day_label, key=key, **kwargs)


def title_list(titles: list[str]) -> str:
    """Key results' titles for a message, escaped: the first three, then "..."."""
    shown = ", ".join(escape_markdown(t) for t in titles[:3])
    return shown + (", ..." if len(titles) > 3 else "")


def save_checkins(team_id: int, kr_ids: list[int], titles: dict[int, str], unit_labels: dict[int, str]):
    """The form's write: gather the rows the person filled in, check them all, save them together."""

    def write(db, who: dict) -> str:
        day = forms.value(f"ci_date_{team_id}")
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


def checkin_form(team_id: int) -> None:
    krs = all_krs[all_krs["unit_id"] == team_id]
    rows = krs.to_dict("records")
    kpis = data.kpis()
    measured_by = {int(r["kpi_id"]) for r in rows if _present(r["kpi_id"])}
    kpi_rows = {int(r["kpi_id"]): r for r in kpis[kpis["kpi_id"].isin(measured_by)].to_dict("records")}
    kr_ids = [int(r["kr_id"]) for r in rows]
    titles = {int(r["kr_id"]): str(r["title"]) for r in rows}
    unit_labels = {int(r["kr_id"]): str(r["unit_label"]) if _present(r["unit_label"]) else "" for r in rows}
    moved = attention.goalpost_marks(forms.goalpost_changes(kr_ids))
    problems = {e.where: e for e in forms.errors(FORM)}
    forms.prefill(f"ci_date_{team_id}", last_day())
    offers: dict[int, str] = {}
    for r in rows:
        kr_id = int(r["kr_id"])
        offered = ""
        kpi = kpi_rows.get(int(r["kpi_id"])) if _present(r["kpi_id"]) else None
        if kpi is not None and _present(kpi["last_value"]):
            newer = not _present(r["last_checkin_date"]) or str(kpi["last_reading_date"]) > str(r["last_checkin_date"])
            offered = number_text(kpi["last_value"]) if newer else ""
        offers[kr_id] = offered
        prefill_row(r, offered)
    now = latest(kr_ids)
    who = person or {}

    with st.form(FORM, border=False):
        day_picker(
            st,
            "Check-in date",
            f"ci_date_{team_id}",
            day_choices(),
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
                        + (f" · owner {escape_markdown(r['owner_name'])}" if _present(r["owner_name"]) else "")
                    )
                    st.markdown(last_words(r))
                    if _present(r["note"]) and r["note"]:
                        last_note(str(r["note"]), kr_id)
                    if kr_id in moved:
                        st.caption(f":orange[:material/swap_vert: {escape_markdown(moved[kr_id])}]")
                    if checkin_rows.moved(st.session_state[shown_key(kr_id)], now.get(kr_id)):
                        st.caption(
                            f":orange[:material/update:] {escape_markdown(move_words(now[kr_id], unit_labels[kr_id], who))}"
                        )
                with right:
                    a, b = st.columns([3, 2])
                    kpi = kpi_rows.get(int(r["kpi_id"])) if _present(r["kpi_id"]) else None
                    value_help = "Leave empty to skip this key result this time."
                    if kpi is not None and _present(kpi["last_value"]):
                        value_help = (
                            f"Measured by the KPI {escape_markdown(kpi['name'])}: its latest reading, "
                            f"{escape_markdown(badges.number(kpi['last_value'], kpi['unit_label'] or ''))} on "
                            f"{badges.day(kpi['last_reading_date'])}, is offered when it is newer than the last "
                            "check-in. " + value_help
                        )
                    a.text_input(
                        f"New value ({escape_markdown(r['unit_label'])})" if r["unit_label"] else "New value",
                        key=value_key(kr_id),
                        placeholder="0 to 1" if r["kr_type"] == "milestone" else number_text(r["value"]),
                        help=value_help,
                    )
                    b.number_input(
                        "Confidence (0–10)",
                        key=conf_key(kr_id),
                        step=1,
                        help="7–10 on track, 4–6 at risk, 0–3 off track.",
                    )
                    if offers.get(kr_id) and forms.text(value_key(kr_id)) == offers[kr_id]:
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


# --- history ----------------------------------------------------------------------------------


def edit_write(checkin_id: int, delete: bool):
    prefix = f"ci_edit_{checkin_id}_"

    def write(db, who: dict) -> str:
        expected = forms.value(prefix + "version")
        if delete:
            if not forms.value(prefix + "confirm"):
                raise ValidationError("confirm", "tick the box to confirm that this check-in should be withdrawn.")
            writes.delete_checkin(db, checkin_id, version=expected, person=who)
            return "Check-in withdrawn; it stays in the history below."
        writes.edit_checkin(
            db,
            checkin_id,
            value=forms.text(prefix + "value"),
            confidence=forms.value(prefix + "confidence"),
            note=forms.text(prefix + "note"),
            checkin_date=forms.value(prefix + "date"),
            version=expected,
            person=who,
        )
        return "Correction saved; the earlier values are kept as a revision."

    return write


def correction_form(checkin: dict, outcome_id: str) -> None:
    """The form correcting or withdrawing one check-in; its outcome shows under ``outcome_id``
    (per key result, since a withdrawn check-in's form is gone at the next run)."""
    checkin_id = int(checkin["checkin_id"])
    prefix = f"ci_edit_{checkin_id}_"
    form_id = f"ci_edit_{checkin_id}"
    # The version of the values the form shows: saving is refused if it moved since.
    prefill_together(
        {
            prefix + "version": int(checkin["version"]),
            prefix + "date": dt.date.fromisoformat(str(checkin["checkin_date"])[:10]),
            prefix + "value": number_text(checkin["value"]),
            prefix + "confidence": int(checkin["confidence"]),
            prefix + "note": checkin["note"] or "",
        }
    )
    inputs = [prefix + k for k in ("version", "date", "value", "confidence", "note", "confirm")]
    with st.form(form_id):
        a, b, c = st.columns(3)
        day_picker(a, "Date", prefix + "date", day_choices(dt.date.fromisoformat(str(checkin["checkin_date"])[:10])))
        b.text_input("Value", key=prefix + "value")
        c.number_input("Confidence (0–10)", key=prefix + "confidence", step=1)
        st.text_area("Note", key=prefix + "note", height=68)
        st.checkbox("Withdraw this check-in (it stays in the history)", key=prefix + "confirm")
        x, y = st.columns(2)
        with x:
            forms.submit_button(
                "Save correction",
                outcome_id,
                edit_write(checkin_id, False),
                reset=inputs,
                key=f"{form_id}__save",
                icon=":material/edit:",
            )
        with y:
            forms.submit_button(
                "Withdraw",
                outcome_id,
                edit_write(checkin_id, True),
                reset=inputs,
                key=f"{form_id}__delete",
                icon=":material/delete:",
            )
    if any(p.field in ("checkin", "version") for p in forms.errors(outcome_id)):
        st.button(
            "Reload the check-in as it is now",
            key=f"{form_id}__reload",
            on_click=forms.forget,
            args=(inputs + [forms.ERRORS + outcome_id],),
            icon=":material/refresh:",
        )


def history_section(labels: dict[int, str], unit_labels: dict[int, str], writable: bool, key: str) -> None:
    """The check-ins of one key result (picked by its label in ``labels``; ``unit_labels`` their
    units), their corrections and moved goalposts; with ``writable``, the form correcting one."""
    st.subheader("Past check-ins")
    if not labels:
        st.caption("No key results here.")
        return
    kr_id = st.selectbox(
        "Key result",
        options=list(labels),
        format_func=lambda i: labels.get(i, str(i)),
        key=key,
    )
    checkins = data.checkin_history(scope.cycle_id, kr_ids=[int(kr_id)])
    unit_label = unit_labels.get(int(kr_id), "")
    if checkins.empty:
        st.caption("No check-ins yet.")
    else:
        newest = checkins.iloc[::-1]
        past = pd.DataFrame(
            {
                "Date": [badges.day(d) for d in newest["checkin_date"]],
                "Value": [badges.number(x, unit_label) for x in newest["value"]],
                "Confidence": [wording.confidence(c) for c in newest["confidence"]],
                "Note": newest["note"].fillna("").astype(str),
                "Author": newest["author_name"].fillna("").astype(str),
                "Corrected": ["yes" if int(v) > 1 else "" for v in newest["version"]],
            }
        )
        with style.wide(f"{key}_table"):
            st.dataframe(past, hide_index=True, width="stretch", key=f"{key}_table")
        tables.phone_list(
            f"{key}_table",
            tables.phone_items(
                past, "Date", ["Value", ("Confidence", "confidence"), ("Corrected", "corrected")], ["Note", "Author"]
            ),
            what="check-ins",
        )
    revisions = forms.checkin_revisions([int(kr_id)])
    if not revisions.empty:
        st.markdown("**Corrections and withdrawals**")
        st.dataframe(
            pd.DataFrame(
                {
                    "When": [wording.moment(t) for t in revisions["changed_at"]],
                    "Who": revisions["changed_by_name"].fillna("").astype(str),
                    "Check-in of": [badges.day(b.get("checkin_date")) for b in revisions["before"]],
                    "Change": [
                        history.describe_revision(a, b, c)
                        for a, b, c in zip(revisions["action"], revisions["before"], revisions["after"])
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            key=f"{key}_revisions",
        )
    goalposts = forms.goalpost_changes([int(kr_id)])
    if not goalposts.empty:
        st.markdown("**Goalposts moved**")
        st.dataframe(
            pd.DataFrame(
                {
                    "When": [wording.moment(t) for t in goalposts["changed_at"]],
                    "Who": goalposts["changed_by_name"].fillna("").astype(str),
                    "Change": [
                        history.describe_goalpost_change(f, b, a)
                        for f, b, a in zip(goalposts["field"], goalposts["before"], goalposts["after"])
                    ],
                    "Why": goalposts["reason"].fillna("").astype(str),
                }
            ),
            hide_index=True,
            width="stretch",
            key=f"{key}_goalposts",
        )
    if writable and not checkins.empty:
        options = [int(i) for i in checkins["checkin_id"].iloc[::-1]]
        by_id = {int(r["checkin_id"]): r for r in checkins.to_dict("records")}
        with st.expander("Correct or withdraw a check-in", icon=":material/edit:"):
            picked = st.selectbox(
                "Check-in",
                options=options,
                format_func=lambda i: (
                    f"{badges.day(by_id[i]['checkin_date'])}: {badges.number(by_id[i]['value'], unit_label)}, "
                    f"confidence {wording.confidence(by_id[i]['confidence'])}"
                ),
                key=f"{key}_pick",
            )
            correction_form(by_id[int(picked)], f"ci_fix_{int(kr_id)}")
    if writable:
        forms.feedback(f"ci_fix_{int(kr_id)}")


# --- the page ---------------------------------------------------------------------------------

if can_write:
    default_team = scope.unit_id if scope.unit_id in team_options else team_options[0]
    forms.prefill("ci_team", default_team)
    if st.session_state["ci_team"] not in team_options:
        st.session_state["ci_team"] = default_team
    team_id = st.selectbox(
        "Team",
        options=team_options,
        format_func=lambda i: unit_paths[i],
        key="ci_team",
        help="The units you may check in for: those you lead and every unit below them.",
    )
    units = data.units()
    team_name = str(units.loc[units["id"] == int(team_id), "name"].iloc[0])
    st.subheader(f"This week's check-in · {escape_markdown(team_name)}")
    checkin_form(int(team_id))
    history_section(*forms.kr_labels(all_krs[all_krs["unit_id"] == int(team_id)]), True, f"ci_hist_{int(team_id)}")
else:
    # A submission refused because the rights went away meanwhile: say so, since the form is gone.
    for problem in forms.errors(FORM):
        forms.show_error(problem)
    listed = forms.key_results_table(scope.cycle_id, scope.unit_id)
    if not listed.total:
        st.info("No key results to check in for this unit in this cycle.", icon=":material/inbox:")
        st.stop()
    st.subheader("Last check-ins")
    forms.more_rows_note(len(listed.table), listed.total, "key results")
    tables.show_key_results_frame(listed.table, "checkin_krs", listed.total)
    history_section(listed.labels, listed.unit_labels, False, "ci_hist_read")
