"""Manage's Notifications tab: your own weekly digest choice; for admins, the default choice,
the chat channels and the delivery log, failures first.

Everything comes from :mod:`okrdata.notify` (choices, webhooks, the log) through one reader,
:func:`_read`, which reads these tables straight from the file and so follows its stamp (and the
warmer can read them again after a write); every change goes through
:func:`ui.forms.submit_button`, so okrdata checks who may make it. Webhook addresses are secrets
and show shortened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from okrdata import wording
from okrdata.notify import deliveries, prefs, webhooks
from ui import badges, data, forms
from ui.manage.context import ManageContext

FORM_MINE = "nt_digest_mine"
FORM_DEFAULT = "nt_digest_default"
FORM_RETRY = "nt_retry"
CHOICE_LABELS = {
    "all": "The company's digest and my units'",
    "company": "The company's digest only",
    "units": "My units' digests only (those I lead or belong to)",
    "none": "No digest",
}
DEFAULT_LABELS = {
    "all": "The company's digest and their units'",
    "company": "The company's digest only",
    "units": "Their units' digests only (those they lead or belong to)",
    "none": "No digest",
}


_READS: dict[str, Callable[..., Any]] = {
    "choice": prefs.choice_of,
    "default": prefs.default_choice,
    "webhooks": webhooks.listing,
    "summary": lambda db: deliveries.summary(db, dt.datetime.now() - dt.timedelta(days=7)),
    "failed": lambda db: deliveries.failures(db, 50),
    "log": deliveries.log,
}


@data.reader(reads=("today",))
def _read(what: str, *args: int) -> Any:
    """The notification tables' read named ``what`` (a key of ``_READS``), with ``args``."""
    with data.opened() as db:
        return _READS[what](db, *args)


def _mine(person: dict) -> None:
    choice, is_default = _read("choice", person["id"])
    default = _read("default")
    options = ["default", *prefs.CHOICES]

    def label(option: str) -> str:
        if option == "default":
            return f"Follow the default ({CHOICE_LABELS[default].lower()})"
        return CHOICE_LABELS[option]

    key = f"{FORM_MINE}_choice"
    forms.prefill(key, "default" if is_default else choice)
    with st.form(FORM_MINE):
        st.selectbox(
            "Your weekly digest by e-mail",
            options,
            format_func=label,
            key=key,
            help="Progress and pace, status changes, new risks, stale key results, learnings and KPIs, every week.",
        )

        def write(db, who):
            prefs.set_choice(db, who["id"], forms.value(key), person=who)
            return "Your digest choice is saved."

        forms.submit_button("Save my choice", FORM_MINE, write, reset=[key], icon=":material/save:")
    forms.feedback(FORM_MINE)


def _default() -> None:
    key = f"{FORM_DEFAULT}_choice"
    forms.prefill(key, _read("default"))
    with st.form(FORM_DEFAULT):
        st.selectbox(
            "Default digest for everyone who has not chosen",
            list(prefs.CHOICES),
            format_func=DEFAULT_LABELS.get,
            key=key,
        )

        def write(db, who):
            prefs.set_default(db, forms.value(key), person=who)
            return "The default digest is saved."

        forms.submit_button("Save the default", FORM_DEFAULT, write, reset=[key], icon=":material/save:")
    forms.feedback(FORM_DEFAULT)


def _channels() -> None:
    hooks = _read("webhooks")
    if not hooks:
        st.caption("No chat channels yet. Add one with `okr webhook add URL --unit NAME` (see the README).")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "#": [h["id"] for h in hooks],
                "Unit": [h["unit_name"] for h in hooks],
                "Chat": [webhooks.PROVIDER_NAMES[h["provider"]] for h in hooks],
                "Name": [h["name"] for h in hooks],
                "Address": [webhooks.mask(h["url"]) for h in hooks],
            }
        ),
        hide_index=True,
    )


def _log() -> None:
    week = _read("summary")
    a, b, c = st.columns(3)
    a.metric("Sent in 7 days", week["sent"])
    b.metric("Waiting to retry", week["pending"] + week["sending"])
    c.metric("Failed in 7 days", week["failed"])
    failed = _read("failed")
    if failed:
        st.error(
            f"{len(failed)} deliver{'y' if len(failed) == 1 else 'ies'} failed and {'was' if len(failed) == 1 else 'were'} "
            "not sent. The reason is beside each; send one again once the cause is fixed.",
            icon=":material/error:",
        )
        st.dataframe(_table(failed, with_error=True), hide_index=True)
        key = f"{FORM_RETRY}_id"
        with st.form(FORM_RETRY):
            st.selectbox(
                "Send again",
                [r["id"] for r in failed],
                key=key,
                format_func=lambda i: next(
                    f"#{r['id']} · {r['recipient']} · {r['subject']}" for r in failed if r["id"] == i
                ),
            )

            def write(db, who):
                row = deliveries.retry(db, forms.value(key), person=who)
                return (
                    f"Queued again: it goes out at the next round of `okr notify` or the app's scheduler "
                    f"({badges.escape_markdown(row['recipient'])})."
                )

            forms.submit_button("Send again", FORM_RETRY, write, reset=[key], icon=":material/replay:")
    forms.feedback(FORM_RETRY)  # also once the last failure is queued again and its form is gone
    rows = _read("log")
    if not rows:
        st.caption("Nothing has been sent yet.")
        return
    st.caption(f"The latest {len(rows)} deliveries, newest first.")
    st.dataframe(_table(rows, with_error=True), hide_index=True)


def _table(rows: list[dict], with_error: bool) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "#": [r["id"] for r in rows],
            "When": [str(r["created_at"])[:16].replace("T", " ") + " UTC" for r in rows],
            "What": [wording.DELIVERY_KIND_WORDS.get(r["kind"], r["kind"]) for r in rows],
            "Week or day": [r["period"] for r in rows],
            "To": [r["recipient"] for r in rows],
            "Subject": [r["subject"] for r in rows],
            "Result": [wording.DELIVERY_STATUS_WORDS.get(r["status"], r["status"]) for r in rows],
            "Tries": [r["attempts"] for r in rows],
        }
    )
    if with_error:
        frame["Why"] = [r["last_error"] or "" for r in rows]
    return frame


def draw(ctx: ManageContext) -> None:
    """The tab: the signed-in person's digest choice; for admins the default, channels and log."""
    st.write(
        "Leads get a check-in reminder once a week when a key result of theirs is due; everyone gets the weekly "
        "digest they choose; teams' chat channels get their reminders, digests and an immediate post when a key "
        "result turns off track. Each goes out once."
    )
    if ctx.person is None:
        st.info("Sign in to choose your weekly digest.", icon=":material/lock:")
        return
    _mine(ctx.person)
    if not ctx.is_admin:
        return
    st.subheader("For everyone")
    _default()
    st.subheader("Chat channels")
    _channels()
    st.subheader("Delivery log")
    _log()
