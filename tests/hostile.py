"""Hostile texts for the hardening tests: HTML, script tags, ``javascript:`` links, Markdown that
would restyle a page, and very long words, written into a demo database through okrdata's own
writes, as a careless or malicious user could type them.

:func:`add_hostile_okrs` gives the Web App team one objective per text (its title, why, key
result and check-in note carry the text), and Product & Engineering one more whose key result
the first of them aligns to, so the texts also travel along the alignment links.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from okrdata import auth
from okrdata import queries as q
from okrdata import writes as w
from okrdata.db import connect
from okrdata.validate import MAX_TEXT, MAX_TITLE

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
JS_LINK = "[click](javascript:alert(1))"
MARKDOWN = "**loud** _quiet_ :red[alarm] # Heading $x^2$ <b>bold</b> &amp; ~~gone~~ `code` | cell |"
LONG = "W" * MAX_TEXT
"""Ten thousand characters without a space (titles are cut to the longest a title may be)."""
TEXTS = {"img": IMG, "script": SCRIPT, "js_link": JS_LINK, "markdown": MARKDOWN, "long": LONG}
SHORT_TEXTS = {k: v for k, v in TEXTS.items() if k != "long"}


@dataclass(frozen=True)
class Hostile:
    cycle_id: int
    company_id: int
    team_id: int
    parent_unit_id: int
    objective_ids: dict[str, int]
    kr_ids: dict[str, int]
    admin_id: int
    lead_id: int


def _title(text: str) -> str:
    return text[:MAX_TITLE]


def add_hostile_okrs(path: str | Path) -> Hostile:
    """Write the hostile OKRs into the (demo) database at ``path``; return their ids."""
    db = connect(path)
    try:
        cycle_id = q.default_cycle_id(db)
        units = q.units(db)
        team = int(units[units["name"] == "Web App"]["id"].iloc[0])
        parent = int(units[units["id"] == team]["parent_id"].iloc[0])
        admin = auth.person_by_email(db, "admin@northwindlabs.example")
        lead = auth.person_by_email(db, "lead@northwindlabs.example")
        today = dt.date.today()

        up = w.add_objective(
            db, cycle_id, parent, _title(SCRIPT + " parent"), description=SCRIPT, owner_id=lead["id"], person=w.SYSTEM
        )
        up_kr = w.add_key_result(
            db, up, _title(IMG + " parent KR"), "increase", 0, 10, owner_id=lead["id"], person=w.SYSTEM
        )
        w.add_checkin(db, up_kr, today, 4, 6, JS_LINK, author_id=lead["id"], person=w.SYSTEM)

        objective_ids, kr_ids = {}, {}
        for i, (name, text) in enumerate(TEXTS.items()):
            oid = w.add_objective(
                db,
                cycle_id,
                team,
                _title(text),
                description=text,
                owner_id=lead["id"],
                parent_kr_id=up_kr if i == 0 else None,
                parent_objective_id=up if i == 0 else None,
                person=w.SYSTEM,
            )
            kid = w.add_key_result(
                db, oid, _title(text), "increase", 0, 10, unit_label="users", owner_id=lead["id"], person=w.SYSTEM
            )
            w.add_checkin(db, kid, today - dt.timedelta(days=7), 2, 5, text, author_id=lead["id"], person=w.SYSTEM)
            w.add_checkin(db, kid, today, 3, 6, text, author_id=lead["id"], person=w.SYSTEM)
            objective_ids[name], kr_ids[name] = oid, kid
        objective_ids["parent"], kr_ids["parent"] = up, up_kr
        company = int(units[units["depth"] == 0]["id"].iloc[0])
        return Hostile(cycle_id, company, team, parent, objective_ids, kr_ids, admin["id"], lead["id"])
    finally:
        db.close()
