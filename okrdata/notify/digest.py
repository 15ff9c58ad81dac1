"""The weekly digest of a unit's branch (or the whole company): what changed this week.

:func:`build` gathers, for one running cycle and one scope, from the functions the pages use:

- the headline of :func:`okrdata.queries.cycle_summary` (progress, expected, pace, days left,
  key results per status), and progress and pace *a week ago* from
  :mod:`okrdata.trends` (each key result's latest check-in on or before that day, rolled up
  the same way), so the change since last week is this week's figure minus that one;
- key results whose status changed since a week ago (a week ago by
  :func:`okrdata.trends.kr_weeks`, now by :func:`okrdata.queries.key_results`);
- new risks: key results now at risk or off track that were neither a week ago, or now off
  track and at risk then, with the Overview's reasons
  (:func:`okrdata.attention.attention_reasons`); and the stale ones;
- learnings from this week's check-in notes, by the executive summary's rule
  (:func:`okrdata.report.pick_learnings` over the notes of the last seven days);
- KPIs that entered warning or breach: their health now (:func:`okrdata.queries.kpis`) worse
  than a week ago (:func:`okrdata.queries.kpi_health` of the latest reading on or before then).

It becomes an HTML e-mail with a plain-text part (:func:`email`) and a short chat post
(:func:`chat_message`). :func:`plan` decides who gets which: each person by their choice
(:mod:`okrdata.notify.prefs`), each unit's chat channels its own unit's digest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import sqlite_utils

from okrdata import attention, queries, report, trends
from okrdata import kpis as kpi_rules
from okrdata import numbers as n
from okrdata import wording as words
from okrdata.notify import chat, deliveries, mail, prefs, webhooks
from okrdata.notify.deliveries import Outgoing
from okrdata.notify.reminders import running_cycles
from okrdata.notify.settings import Settings, iso_week, page_link
from okrdata.report import _e as escape

WEEK = dt.timedelta(days=7)
LIST_LIMIT = 12
"""At most this many key results per list in the e-mail; the rest are counted."""
CHAT_LIMIT = 3
LEARNINGS = 5
RISKY = (n.AT_RISK, n.OFF_TRACK)


@dataclass
class Digest:
    """One scope's week, ready to be worded."""

    unit_id: int
    scope: str
    company: bool
    cycle: dict
    today: dt.date
    headline: dict
    before: dict | None
    """Progress, expected and pace a week ago; None in a cycle's first week."""
    changed: list[dict] = field(default_factory=list)
    new_risks: list[dict] = field(default_factory=list)
    stale: list[dict] = field(default_factory=list)
    learnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    kpis: list[dict] = field(default_factory=list)
    rendered: dict = field(default_factory=dict, repr=False)
    """The e-mail's wording, kept per dashboard address: it is the same for every reader."""

    @property
    def empty(self) -> bool:
        """True when the scope has no objectives in the cycle: there is nothing to tell."""
        return self.headline["objective_count"] == 0

    @property
    def progress_change(self) -> float | None:
        return None if self.before is None else self.headline["progress"] - self.before["progress"]

    @property
    def pace_change(self) -> float | None:
        return None if self.before is None else self.headline["pace"] - self.before["pace"]


def _week_ago_health(db: sqlite_utils.Database, kpis: pd.DataFrame, day: dt.date) -> dict[int, str]:
    """Each KPI's health on a day: from its latest reading on or before it."""
    if kpis.empty:
        return {}
    ids = [int(i) for i in kpis["kpi_id"]]
    rows = db.execute(
        f"""
        SELECT k.id, (SELECT r.value FROM kpi_readings r WHERE r.kpi_id = k.id AND r.reading_date <= ?
                      ORDER BY r.reading_date DESC, r.id DESC LIMIT 1)
        FROM kpis k WHERE k.id IN ({", ".join("?" * len(ids))})
        """,
        [day.isoformat()] + ids,
    ).fetchall()
    then = dict(rows)
    out = {}
    for k in kpis.to_dict("records"):
        value = then.get(int(k["kpi_id"]))
        warning = None if words.missing(k["warning"]) else float(k["warning"])
        out[int(k["kpi_id"])] = queries.kpi_health(
            k["target_type"], float(k["target"]), warning, None if value is None else float(value)
        )
    return out


@dataclass
class Frames:
    """One cycle's figures for the whole company, read once: each unit's digest takes the rows of
    its branch (a key result's or an objective's figures do not depend on the scope they are read
    for), so a thousand units cost one read of the cycle, not a thousand."""

    krs: pd.DataFrame
    objs: pd.DataFrame
    history: pd.DataFrame
    kpis: pd.DataFrame
    kr_weekly: pd.DataFrame | None
    """:func:`okrdata.trends.kr_weeks` up to a week ago (None in the cycle's first week)."""
    objective_weekly: pd.DataFrame | None
    status_then: dict[int, str]
    health_then: dict[int, str]


def read_frames(db: sqlite_utils.Database, cycle: dict, today: dt.date) -> Frames:
    """The whole company's frames of a cycle, now and a week ago."""
    krs = queries.key_results(db, cycle["id"], None, today)
    objs = queries.objectives(db, cycle["id"], None, today, krs=krs)
    history = queries.checkin_history(db, cycle["id"])
    kpis = queries.kpis(db, None, today)
    week_ago = today - WEEK
    krw = objw = None
    status_then: dict[int, str] = {}
    if week_ago >= dt.date.fromisoformat(str(cycle["start_date"])[:10]) and not krs.empty:
        krw = trends.kr_weeks(krs, history, cycle, week_ago)
        objw = trends.objective_weeks(krw, objs, cycle, week_ago)
        if not krw.empty:
            last = krw[krw["week"] == krw["week"].max()]
            status_then = dict(zip(last["kr_id"].astype(int), last["status"]))
    return Frames(krs, objs, history, kpis, krw, objw, status_then, _week_ago_health(db, kpis, week_ago))


def build(db: sqlite_utils.Database, cycle: dict, unit_id: int, today: dt.date, frames: Frames | None = None) -> Digest:
    """The digest of a unit's branch (the whole company for the root unit) for the week ending ``today``.

    ``frames`` (:func:`read_frames` of the same cycle and day) saves reading the cycle again.
    """
    root = db.execute("SELECT id, name FROM units WHERE parent_id IS NULL").fetchone()
    company = root is not None and int(unit_id) == int(root[0])
    scope_id = None if company else int(unit_id)
    name = db.execute("SELECT name FROM units WHERE id = ?", [int(unit_id)]).fetchone()[0]
    frames = frames or read_frames(db, cycle, today)
    krs, objs, history, kpis = frames.krs, frames.objs, frames.history, frames.kpis
    if scope_id is not None:
        branch = set(queries.subtree_ids(db, scope_id))
        krs, objs = krs[krs["unit_id"].isin(branch)], objs[objs["unit_id"].isin(branch)]
        history = history[history["unit_id"].isin(branch)] if not history.empty else history
        kpis = kpis[kpis["unit_id"].isin(branch)] if not kpis.empty else kpis
    headline = queries.cycle_summary(db, cycle["id"], scope_id, today, objs=objs, krs=krs)
    digest = Digest(int(unit_id), name, company, dict(cycle), today, headline, None)
    if digest.empty:
        return digest
    week_ago = today - WEEK
    if frames.kr_weekly is not None and frames.objective_weekly is not None:
        series = trends.rollup(frames.objective_weekly, frames.kr_weekly, objs["objective_id"])
        if not series.empty:
            end = series.iloc[-1]
            digest.before = {
                "progress": float(end["progress"]),
                "expected": float(end["expected"]),
                "pace": float(end["pace"]),
                "as_of": week_ago,
            }
    for row in krs.to_dict("records"):
        now, then = row["status"], frames.status_then.get(int(row["kr_id"]))
        item = {
            "kr_id": int(row["kr_id"]),
            "title": row["title"],
            "unit_name": row["unit_name"],
            "before": then,
            "after": now,
        }
        if then is not None and then != now:
            digest.changed.append(item)
        if now in RISKY and (then not in RISKY or (now == n.OFF_TRACK and then == n.AT_RISK)):
            digest.new_risks.append({**item, "reasons": attention.attention_reasons(row)})
        if now == n.STALE:
            digest.stale.append({**item, "reasons": attention.attention_reasons(row)})
    recent = history[history["checkin_date"].astype(str) > week_ago.isoformat()] if not history.empty else history
    digest.learnings = report.pick_learnings(objs, recent, limit=LEARNINGS)
    rank = {h: i for i, h in enumerate(kpi_rules.HEALTH_STATES)}
    for k in kpis.to_dict("records"):
        then = frames.health_then.get(int(k["kpi_id"]), kpi_rules.NO_DATA)
        if k["health"] in kpi_rules.TROUBLE and rank[k["health"]] < rank.get(then, len(rank)):
            digest.kpis.append({**k, "before": then})
    return digest


# --- words -------------------------------------------------------------------------------------


def _change(x: float | None) -> str:
    return "" if x is None else f" ({words.points(words.whole_percent(x))} since last week)"


def figures(d: Digest) -> list[tuple[str, str, str]]:
    """The headline as (label, value, change since last week)."""
    h = d.headline
    return [
        ("Progress", words.pct(h["progress"]), _change(d.progress_change).strip(" ()")),
        ("Expected by today", words.pct(h["expected"]), ""),
        ("Pace", words.pace(h["progress"], h["expected"]), _change(d.pace_change).strip(" ()")),
        ("Days left", str(h["days_left"]), f"until {words.day(d.cycle['end_date'])}"),
    ]


def headline_line(d: Digest) -> str:
    """``"Progress 43% (+5 pts since last week) · expected 50% · pace −7 pts (+2 pts since last week) · 40 days left"``."""
    h = d.headline
    return (
        f"Progress {words.pct(h['progress'])}{_change(d.progress_change)} · expected {words.pct(h['expected'])} · "
        f"pace {words.pace(h['progress'], h['expected'])}{_change(d.pace_change)} · {words.days(h['days_left'])} left"
    )


def _status_change(item: dict) -> str:
    return f"{words.status_label(item['before'])} → {words.status_label(item['after'])}"


def _kpi_line(k: dict) -> str:
    return (
        f"{words.health_label(k['health'])}, was {words.health_label(k['before']).lower()}: "
        f"{report.kpi_reading(k)}; target {report.kpi_target(k)}"
    )


def sections(d: Digest) -> list[tuple[str, list[tuple[str, str]], str]]:
    """The digest's lists as (heading, [(what, detail)], what to say when empty or cut)."""

    def cut(items: list, limit: int = LIST_LIMIT) -> str:
        return f"…and {len(items) - limit} more." if len(items) > limit else ""

    learnings = d.learnings.to_dict("records") if not d.learnings.empty else []
    return [
        (
            "Changed status this week",
            [(f"{c['title']} ({c['unit_name']})", _status_change(c)) for c in d.changed[:LIST_LIMIT]],
            cut(d.changed)
            or (
                ""
                if d.changed
                else (
                    "No key result changed status." if d.before else "The cycle's first week: nothing to compare yet."
                )
            ),
        ),
        (
            "New risks",
            [(f"{r['title']} ({r['unit_name']})", " · ".join(r["reasons"])) for r in d.new_risks[:LIST_LIMIT]],
            cut(d.new_risks) or ("" if d.new_risks else "No new risk."),
        ),
        (
            "Stale: no check-in for too long",
            [(f"{s['title']} ({s['unit_name']})", " · ".join(s["reasons"])) for s in d.stale[:LIST_LIMIT]],
            cut(d.stale) or ("" if d.stale else "Every key result has a recent check-in."),
        ),
        (
            "Learnings from this week's notes",
            [
                (
                    str(r["objective_title"]),
                    (
                        f"“{r['note']}” ({r['kr_title']}, {r['author_name'] or 'unknown'}, "
                        f"{words.day(r['checkin_date'])})"
                    ),
                )
                for r in learnings
            ],
            "" if learnings else "No check-in note this week said more than a few words.",
        ),
        (
            "KPIs that entered warning or breach",
            [(f"{k['name']} ({k['unit_name']})", _kpi_line(k)) for k in d.kpis[:LIST_LIMIT]],
            cut(d.kpis) or ("" if d.kpis else "No KPI entered warning or breach."),
        ),
    ]


def subject(d: Digest) -> str:
    """``"Weekly digest for Web App: 43% progress, −7 pts pace (2026 Q1)"``."""
    h = d.headline
    return f"Weekly digest for {d.scope}: {words.pct(h['progress'])} progress, {words.pace(h['progress'], h['expected'])} pace ({d.cycle['name']})"


def email(settings: Settings, d: Digest, why: str) -> tuple[str, str, str]:
    """The digest as (subject, plain text, HTML), ending with ``why`` this person gets it."""
    if settings.base_url not in d.rendered:  # the same for everyone: worded once per digest
        d.rendered[settings.base_url] = _body(settings, d)
    title, eyebrow, text, html = d.rendered[settings.base_url]
    return title, f"{text}\n\n{why}", mail.page(title, eyebrow, html, why)


def _body(settings: Settings, d: Digest) -> tuple[str, str, str, str]:
    link = page_link(settings, "overview", cycle=d.cycle["id"], unit=None if d.company else d.unit_id)
    title = subject(d)
    scope = "whole company" if d.company else f"{d.scope} and every unit below it"
    eyebrow = f"Weekly digest · {scope} · {d.cycle['name']} · week to {words.day(d.today)}"
    h = d.headline
    text = [eyebrow, "", headline_line(d), f"Key results: {words.status_line(h['status_counts'])}", ""]
    cells = "".join(
        f'<td style="{mail.STYLE["cell"]}">{escape(label)}<br>'
        f'<span style="{mail.STYLE["figure"]}">{escape(value)}</span><br>{escape(note)}</td>'
        for label, value, note in figures(d)
    )
    html = [
        f'<table role="presentation" style="border-collapse:collapse;width:100%;margin:6px 0;"><tr>{cells}</tr></table>',
        f'<p style="{mail.STYLE["muted"]}">Key results: {escape(words.status_line(h["status_counts"]))}</p>',
    ]
    for heading, items, note in sections(d):
        text.append(heading)
        text += [f"  - {what}: {detail}" for what, detail in items]
        if note:
            text.append(f"  {note}")
        text.append("")
        lis = "".join(
            f'<li style="{mail.STYLE["li"]}"><strong>{escape(what)}</strong><br>'
            f'<span style="{mail.STYLE["muted"]}">{escape(detail)}</span></li>'
            for what, detail in items
        )
        html.append(
            f'<h2 style="{mail.STYLE["h2"]}">{escape(heading)}</h2>'
            + (f'<ul style="{mail.STYLE["ul"]}">{lis}</ul>' if lis else "")
            + (f'<p style="{mail.STYLE["muted"]}">{escape(note)}</p>' if note else "")
        )
    text.append(f"Open the dashboard: {link}")
    html.append(mail.button(link, "Open the dashboard"))
    return title, eyebrow, "\n".join(text), "".join(html)


def chat_message(settings: Settings, d: Digest) -> chat.ChatMessage:
    """The digest in a few lines for a chat channel."""
    counts = (
        f"{words.plural(len(d.changed), 'key result')} changed status · "
        f"{words.plural(len(d.new_risks), 'new risk')} · {len(d.stale)} stale"
    )
    lines = [headline_line(d), counts]
    lines += [f"New risk: {r['title']} ({' · '.join(r['reasons'])})" for r in d.new_risks[:CHAT_LIMIT]]
    lines += [
        f"KPI {k['name']}: {words.health_label(k['health']).lower()}, was {words.health_label(k['before']).lower()}"
        for k in d.kpis[:CHAT_LIMIT]
    ]
    return chat.ChatMessage(
        title=f"Weekly digest: {d.scope} ({d.cycle['name']})",
        lines=lines,
        link_label="Open the dashboard",
        link_url=page_link(settings, "overview", cycle=d.cycle["id"], unit=None if d.company else d.unit_id),
    )


def why_text(choice: str, is_default: bool) -> str:
    """The footer: why this person gets the digest and how to change it."""
    whose = "the default for everyone" if is_default else "your choice"
    return (
        f"You get this because your digest setting is “{prefs.CHOICE_WORDS[choice]}” ({whose}). "
        "Change it on the Manage page, Notifications tab, or ask an admin."
    )


def scopes_for(choice: str, root_id: int, units: list[int]) -> list[int]:
    """The units whose digest a choice asks for: the company (root) and/or the person's units."""
    out = [root_id] if choice in ("all", "company") else []
    if choice in ("all", "units"):
        out += [u for u in units if u not in out]
    return out


def plan(db: sqlite_utils.Database, settings: Settings, now: dt.datetime) -> tuple[list[Outgoing], int]:
    """This week's digests not in the log yet (one e-mail per person and scope they chose, one
    post per unit channel), and how many are in the log already.

    The keys are worked out first and looked up in the log, so a digest is built only when
    someone still needs it: running the job every few minutes after the digest's time costs a
    query, not the whole organisation's figures again.
    """
    today = now.date()
    week = iso_week(today)
    root = db.execute("SELECT id FROM units WHERE parent_id IS NULL").fetchone()
    if root is None:
        return [], 0
    root_id = int(root[0])
    archived = {r[0] for r in db.execute("SELECT id FROM units WHERE archived = 1").fetchall()}
    own = prefs.own_units(db)
    people = prefs.everyone(db)
    hooks = webhooks.by_unit(db)
    wanted: list[tuple[str, dict, int, dict]] = []  # (key, cycle, unit, person or webhook)
    for cycle in running_cycles(db, today):
        for person in people if settings.smtp is not None else []:
            for unit_id in scopes_for(person["digest"], root_id, own.get(person["id"], [])):
                if unit_id not in archived:
                    key = f"digest:email:person:{person['id']}:unit:{unit_id}:cycle:{cycle['id']}:{week}"
                    wanted.append((key, cycle, unit_id, person))
        for unit_id, unit_hooks in sorted(hooks.items()):
            if unit_id not in archived:
                wanted += [
                    (f"digest:webhook:{hook['id']}:unit:{unit_id}:cycle:{cycle['id']}:{week}", cycle, unit_id, hook)
                    for hook in unit_hooks
                ]
    logged = deliveries.known(db, [w[0] for w in wanted])
    built: dict[tuple[int, int], Digest] = {}
    read: dict[int, Frames] = {}
    out: list[Outgoing] = []
    for key, cycle, unit_id, who in wanted:
        if key in logged:
            continue
        if cycle["id"] not in read:
            read[cycle["id"]] = read_frames(db, cycle, today)
        if (cycle["id"], unit_id) not in built:
            built[cycle["id"], unit_id] = build(db, cycle, unit_id, today, read[cycle["id"]])
        d = built[cycle["id"], unit_id]
        if d.empty:
            continue
        if key.startswith("digest:email:"):
            title, text, html = email(settings, d, why_text(who["digest"], who["is_default"]))
            out.append(
                mail.outgoing(
                    who["email"],
                    title,
                    text,
                    html,
                    key=key,
                    kind="digest",
                    period=week,
                    person_id=who["id"],
                    unit_id=unit_id,
                    cycle_id=cycle["id"],
                )
            )
        else:
            out.append(
                webhooks.outgoing(
                    who,
                    chat_message(settings, d),
                    key=key,
                    kind="digest",
                    period=week,
                    unit_id=unit_id,
                    cycle_id=cycle["id"],
                )
            )
    return out, len(logged)
