"""Hardening: hostile texts render as text, forged links never crash a page, and a failed import
or a writer killed mid-write leaves the database consistent and complete.

1. **Hostile texts** (:mod:`hostile`): objective titles and whys, key result titles and check-in
   notes holding HTML, script tags, ``javascript:`` links, Markdown and 10,000-character words are
   written through okrdata's writes into a demo database. Every page, every objective's own page
   and its trends are then run, and every string Streamlit would render as Markdown (bodies,
   labels, help texts, progress texts...) is checked: no unescaped ``<script``, ``<img`` or
   ``<b``, no live ``](javascript:`` link, and no hostile text verbatim. Tables, code and charts
   show text as text and are not Markdown, so they are left out. (The browser test in
   ``e2e/test_hardening_browser.py`` checks what a browser makes of it.)
   Then **Markdown in every user text**: every column a person types (names of people, units,
   cycles and KPIs, titles, descriptions, unit labels, notes, reasons, reflections, e-mails) holds
   a link and an image to another host, bold and italic text, an entity (``&amp;``), HTML, maths
   and a coloured span, and every name and title a line break; every page of the navigation is
   run and no Markdown string may carry them live or break a name over two lines (a select box's
   options, which are plain text, must show them unescaped).
2. **Forged links**: every page of the navigation runs with forged ``cycle``, ``unit``,
   ``objective`` and ``kr`` parameters (words, negative and huge numbers, non-ASCII digits,
   10,000-character values, repeated parameters, hostile text) with no exception.
3. **Whole or nothing**: an import that fails half-way, and a process writing a batch of
   check-ins in one :func:`okrdata.db.transaction` killed with SIGKILL mid-way, leave a database
   that passes ``PRAGMA integrity_check`` and ``foreign_key_check`` and holds all of the batch or
   none of it.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from app_fixtures import APP, ROOT, clear_streamlit_caches, copy_db, demo_db, open_everything, open_panels  # noqa: F401
from google.protobuf.json_format import MessageToDict
from hostile import LONG, SHORT_TEXTS, add_hostile_okrs
from streamlit.testing.v1 import AppTest

from okrdata import queries as q
from okrdata import transfer
from okrdata import writes as w
from okrdata.db import connect
from okrdata.schema import migrate
from ui import badges, navigation
from ui.auth import PERSON_KEY
from ui.badges import escape_markdown

pytestmark = pytest.mark.slow  # every page run with hostile texts and forged links; writers killed mid-write

PAGES = [p.path for p in navigation.PAGES]
"""Every page of the navigation (:data:`ui.navigation.PAGES`), so that a page added later is covered."""
assert PAGES, "ui.navigation.PAGES is empty: the page tests below would check nothing"

# --- what Streamlit renders as Markdown ---------------------------------------------------

PLAIN_ELEMENTS = {
    "text",
    "code",
    "dataframe",
    "arrow_data_frame",
    "table",
    "json",
    "vega_lite_chart",
    "graphviz_chart",
    "plotly_chart",
}
"""Elements that show their text as text (or as a chart): not Markdown."""
MARKDOWN_FIELDS = {"body", "label", "help", "text"}
"""Proto fields Streamlit renders as Markdown: st.markdown/caption/headings/alerts bodies, widget,
button, expander and tab labels, help tooltips, progress texts."""
MARKDOWN_OPTIONS = {"radio": {"options", "captions"}, "button_group": {"content"}}
"""The widgets whose options are Markdown too (st.radio; st.pills and st.segmented_control, sent as
button groups). A selectbox's or multiselect's options, values and placeholders are plain text."""
PLAIN_OPTIONS = {"selectbox": "options", "multiselect": "options"}
UNESCAPED = re.compile(r"(?<!\\)<\s*/?\s*(script|img|b)\b|(?<!\\)\]\(\s*javascript", re.IGNORECASE)


def markdown_strings(at: AppTest) -> list[tuple[str, str, str]]:
    """(element type, field, text) of every string on the page that Streamlit renders as Markdown."""
    found: list[tuple[str, str, str]] = []

    def strings(value, path: list[str], kind: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                strings(item, path + [key], kind)
        elif isinstance(value, list):
            for item in value:
                strings(item, path, kind)
        elif (
            isinstance(value, str)
            and path
            and (path[-1] in MARKDOWN_FIELDS or path[-1] in MARKDOWN_OPTIONS.get(kind, ()))
        ):
            found.append((kind, ".".join(path), value))

    def visit(node) -> None:
        kind = getattr(node, "type", None)
        proto = getattr(node, "proto", None)
        if proto is not None and kind not in PLAIN_ELEMENTS:
            strings(MessageToDict(proto), [], str(kind))
        for child in (getattr(node, "children", None) or {}).values():
            visit(child)

    visit(at._tree)
    return found


def assert_rendered_as_text(at: AppTest, where: str) -> list[tuple[str, str, str]]:
    """No exception, and no Markdown string carries live HTML, a javascript: link or a hostile text verbatim."""
    assert not at.exception, (where, [e.value for e in at.exception])
    found = markdown_strings(at)
    live = [(kind, field, text[:200]) for kind, field, text in found if UNESCAPED.search(text)]
    assert not live, (where, live)
    verbatim = [
        (kind, field, name) for kind, field, text in found for name, hostile in SHORT_TEXTS.items() if hostile in text
    ]
    assert not verbatim, (where, verbatim)
    return found


# --- the hostile database -----------------------------------------------------------------


@pytest.fixture(scope="session")
def hostile_template(demo_template, tmp_path_factory):
    path = copy_db(demo_template, tmp_path_factory.mktemp("hostile") / "okr.db")
    return path, add_hostile_okrs(path)


@pytest.fixture
def hostile(hostile_template, tmp_path, monkeypatch):
    """This test's copy of the demo with the hostile OKRs, as ``$OKR_DB``."""
    template, ids = hostile_template
    path = copy_db(template, tmp_path / "okr.db")
    monkeypatch.setenv("OKR_DB", str(path))
    return ids


def signed_in_admin(ids) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[PERSON_KEY] = ids.admin_id  # forms (Check-in, Manage, Review) show their labels too
    return at


def run(at: AppTest, page: str, params: dict) -> AppTest:
    """``page`` opened with ``params``, then every tab and expander drawn only once opened."""
    at.query_params.clear()
    at.query_params.update(params)
    at.switch_page(page).run()
    return at if at.exception else open_everything(at)


# --- 1. hostile texts ---------------------------------------------------------------------


def test_every_page_shows_hostile_texts_as_text(hostile):
    at = signed_in_admin(hostile)
    carried = 0
    for page in PAGES:
        for params in ({"unit": str(hostile.team_id)}, {"unit": str(hostile.company_id)}):
            found = assert_rendered_as_text(run(at, page, params), f"{page} {params}")
            carried += sum("alert" in text or "WWWWWWWWWW" in text for _, _, text in found)
    # Not vacuous: the hostile texts were on the pages, escaped.
    assert carried >= 20, carried

    # The wall and the check-in form, for instance, show every hostile title, escaped.
    run(at, "pages/wall.py", {"unit": str(hostile.team_id)})
    bodies = [p for m in at.markdown for p in m.value.split("\n\n")]  # a card's title is a paragraph
    for text in SHORT_TEXTS.values():
        assert escape_markdown(text) in bodies, text
    run(at, "pages/checkin.py", {"unit": str(hostile.team_id)})
    bodies = [m.value for m in at.markdown]
    assert any(escape_markdown(SHORT_TEXTS["script"]) in b for b in bodies)


def test_each_objectives_own_page_and_its_trends_show_hostile_texts_as_text(hostile):
    at = signed_in_admin(hostile)
    for name in hostile.objective_ids:
        objective_page_and_trends(at, hostile, name)


def objective_page_and_trends(at: AppTest, hostile, name: str) -> None:
    objective_id, kr_id = hostile.objective_ids[name], hostile.kr_ids[name]
    db = connect(os.environ["OKR_DB"])
    try:
        title = db["objectives"].get(objective_id)["title"]
        kr_title = db["key_results"].get(kr_id)["title"]
    finally:
        db.close()
    run(at, "pages/okrs.py", {"objective": str(objective_id)})
    assert_rendered_as_text(at, f"okrs objective {name}")
    assert [h.value for h in at.header] == [escape_markdown(title)]
    assert any(escape_markdown(kr_title) in m.value for m in at.markdown), "its key result is listed"

    params = {"objective": str(objective_id), "cycle": str(hostile.cycle_id)}
    if name != "parent":
        params["unit"] = str(hostile.team_id)
    run(at, "pages/trends.py", params)
    assert_rendered_as_text(at, f"trends objective {name}")
    assert escape_markdown(title) in [s.value for s in at.subheader]
    run(at, "pages/trends.py", {**params, "kr": str(kr_id)})
    assert_rendered_as_text(at, f"trends key result {name}")
    assert escape_markdown(kr_title) in [s.value for s in at.subheader]


def test_the_long_word_reaches_the_pages_whole(hostile):
    """The 10,000-character note is stored and shown whole (the browser test checks it wraps)."""
    db = connect(os.environ["OKR_DB"])
    try:
        notes = [r[0] for r in db.execute("SELECT note FROM checkins WHERE kr_id = ?", [hostile.kr_ids["long"]])]
    finally:
        db.close()
    assert notes == [LONG, LONG]
    at = signed_in_admin(hostile)
    run(at, "pages/okrs.py", {"objective": str(hostile.objective_ids["long"])})
    assert not at.exception
    tables = [d.value for d in at.dataframe if "Note" in d.value.columns]
    assert any(LONG in list(t["Note"]) for t in tables)


# --- 1b. Markdown in every field a user writes ---------------------------------------------

MARKDOWN_PAYLOAD = (
    "[x](https://evil.example) ![i](https://evil.example/i.png) **b** "
    "R&amp;D *it* [link](http://x) <b>x</b> $x$ :red[x]"
)
"""A link and an image from another host, bold and italic, an entity, HTML, maths and a coloured
span: live if any user text reaches Markdown unescaped (``R&amp;D`` would read ``R&D``)."""
NAME_BREAK = "\nnext line"
"""A line break in every name and title: a name is shown on one line."""
LIVE_MARKDOWN = re.compile(
    r"\[x\]\(|!\[i\]|https?://evil|\*\*b\*\*"
    r"|(?<!\\)&amp;|(?<!\\)\*it|(?<!\\)\[link|(?<!\\)<b>|(?<!\\)\$x|(?<!\\):red\\?\[x"
    r"|\n\s*next line"
)
"""The payload's link, image, bare address, bold, italic, entity, tag, maths or colour not escaped,
or a name broken over two lines: what :func:`escape_markdown` never leaves."""
USER_TEXT = {
    "people": {"name": "{P} person {id}{B}", "email": "p{id}.[x](https://evil.example)@evil.example"},
    "units": {"name": "{P} unit {id}{B}", "description": "{P}"},
    "cycles": {"name": "{P} cycle {id}{B}"},
    "kpis": {"name": "{P} kpi {id}{B}", "unit_label": "{P}", "description": "{P}"},
    "objectives": {
        "title": "{P} objective {id}{B}",
        "description": "{P}",
        "score_reason": "{P}",
        "reflection": "{P}",
    },
    "key_results": {"title": "{P} kr {id}{B}", "unit_label": "{P}"},
    "checkins": {"note": "{P} note {id}"},
    "key_result_changes": {"reason": "{P}"},
}
"""Every column of the database a person types, and what the payload database holds in it."""


@pytest.fixture(scope="session")
def payload_template(demo_template, tmp_path_factory):
    """The demo with :data:`MARKDOWN_PAYLOAD` in every user text of every row (:data:`USER_TEXT`)."""
    path = copy_db(demo_template, tmp_path_factory.mktemp("payload") / "okr.db")
    db = connect(path)
    try:
        for table, columns in USER_TEXT.items():
            for (row_id,) in db.execute(f"SELECT id FROM [{table}]").fetchall():
                values = {c: text.format(P=MARKDOWN_PAYLOAD, B=NAME_BREAK, id=row_id) for c, text in columns.items()}
                db.execute(
                    f"UPDATE [{table}] SET {', '.join(f'[{c}] = ?' for c in values)} WHERE id = ?",
                    [*values.values(), row_id],
                )
        db.conn.commit()
        kr, objective, team, lead = db.execute(
            "SELECT k.id, o.id, u.id, u.lead_id FROM key_results k JOIN objectives o ON o.id = k.objective_id "
            "JOIN units u ON u.id = o.unit_id JOIN cycles c ON c.id = o.cycle_id "
            "WHERE c.state = 'active' AND k.kpi_id IS NOT NULL AND u.parent_id IS NOT NULL AND u.lead_id IS NOT NULL "
            "ORDER BY k.id"
        ).fetchone()
        ids = {
            "admin": db.execute("SELECT id FROM people WHERE role = 'admin' ORDER BY id").fetchone()[0],
            "lead": lead,
            "team": team,
            "objective": objective,
            "kr": kr,
            "closed": db.execute("SELECT id FROM cycles WHERE state = 'closed'").fetchone()[0],
        }
    finally:
        db.close()
    return path, ids


@pytest.fixture
def payload(payload_template, tmp_path, monkeypatch):
    template, ids = payload_template
    monkeypatch.setenv("OKR_DB", str(copy_db(template, tmp_path / "okr.db")))
    return ids


def assert_no_live_markdown(at: AppTest, where: str) -> list[str]:
    """No exception; no Markdown string carries the payload live; no plain option shows it escaped.
    Returns the Markdown strings that carried the payload (escaped)."""
    assert not at.exception, (where, [e.value for e in at.exception])
    found = markdown_strings(at)
    live = [(kind, field, text[:160]) for kind, field, text in found if LIVE_MARKDOWN.search(text)]
    assert not live, (where, live)
    escaped_options = [
        (kind, o)
        for kind, field in PLAIN_OPTIONS.items()
        for el in at.get(kind)
        for o in MessageToDict(el.proto).get(field, [])
        if "\\[x\\]" in o
    ]
    assert not escaped_options, (where, "a selectbox shows its options as written, not escaped", escaped_options[:3])
    return [text for _, _, text in found if "evil" in text]


TEAM_VIEWS = ("pages/alignment.py", "pages/wall.py", "pages/summary.py")
"""Pages whose view of a team shows texts the company's does not (the chain above as context)."""


def payload_runs(ids: dict) -> list[tuple[str, str, dict]]:
    """(who, page, query parameters): every page as the admin, a few for a team, an objective's
    own page and its trends, the closed cycle's review, and the lead's forms."""
    team = {"unit": str(ids["team"])}
    return [
        *[("admin", page, {}) for page in PAGES],
        *[("admin", page, team) for page in TEAM_VIEWS],
        ("admin", "pages/okrs.py", {"objective": str(ids["objective"])}),
        ("admin", "pages/trends.py", {**team, "objective": str(ids["objective"])}),
        ("admin", "pages/trends.py", {**team, "objective": str(ids["objective"]), "kr": str(ids["kr"])}),
        ("admin", "pages/review.py", {"cycle": str(ids["closed"])}),
        ("lead", "pages/checkin.py", team),
        ("lead", "pages/manage.py", team),
    ]


def test_markdown_in_every_user_text_renders_as_text_on_every_page(payload):
    """Names of people, units, cycles and KPIs, titles, descriptions, unit labels, notes, reasons and
    reflections all hold a live link, an image and bold: no page lets one through."""
    carried, sessions, failures = {}, {}, []
    for who, page, params in payload_runs(payload):
        if who not in sessions:
            sessions[who] = AppTest.from_file(APP, default_timeout=60)
            sessions[who].session_state[PERSON_KEY] = payload[who]
        at = run(sessions[who], page, params)
        try:
            carried[(who, page, str(params))] = assert_no_live_markdown(at, f"{who} {page} {params}")
        except AssertionError as failed:
            failures.append(str(failed)[:2000])  # every page's failure, not the first one's alone
    assert not failures, "\n".join(failures)
    # Not vacuous: every page showed user text (escaped), in Markdown, and some page showed the
    # name of each kind of thing, escaped whole, on one line.
    assert all(carried.values()), [k for k, n in carried.items() if not n]
    shown = [text for texts in carried.values() for text in texts]
    for kind in ("person", "unit", "cycle", "kpi", "objective", "kr"):
        assert any(escape_markdown(f"{MARKDOWN_PAYLOAD} {kind} ") in text for text in shown), kind


def html_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every tag of an HTML document with its attributes, as a browser's parser reads them."""
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

        handle_startendtag = handle_starttag

    Tags().feed(html)
    return found


def test_the_executive_summary_file_shows_hostile_texts_as_text(hostile):
    """The summary downloads as an HTML file opened outside the dashboard: its escaping is its own."""
    from okrdata import report

    db = connect(os.environ["OKR_DB"])
    try:
        html = report.to_html(report.build(db, hostile.cycle_id, hostile.team_id))
    finally:
        db.close()
    tags = html_tags(html)
    assert not [t for t, _ in tags if t in ("script", "img", "iframe", "object", "embed", "b")]
    assert not [(t, a) for t, attrs in tags for a, _ in attrs if a.lower().startswith("on")], "no event handlers"
    assert not [
        (t, v)
        for t, attrs in tags
        for a, v in attrs
        if a.lower() in ("href", "src", "xlink:href", "action") and "javascript:" in (v or "").lower()
    ]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, "the hostile title is in the file, as text"


# --- 2. forged links ----------------------------------------------------------------------

HOSTILE_PARAM = "`x`<img src=x onerror=alert(1)>`[a](javascript:alert(1))`"
FORGED = [
    # A digit to str.isdigit() that int() refuses, hostile text, a float that overflows.
    {"cycle": "²", "unit": HOSTILE_PARAM, "objective": "<script>alert(1)</script>", "kr": "1e309"},
    # Very long values: int() refuses more than 4,300 digits.
    {"cycle": "9" * 5000, "unit": "<" * 10_000, "objective": HOSTILE_PARAM * 200, "kr": "9" * 10_000},
    # Repeated parameters (the last one counts): words, negatives, Arabic-Indic digits, a NUL.
    {"cycle": ["2", "abc"], "unit": ["6", "-1"], "objective": ["1", "٣"], "kr": ["1", "1.5\x00"]},
]


def test_every_page_survives_forged_links(hostile):
    at = signed_in_admin(hostile)
    for page in PAGES:
        for params in FORGED:
            run(at, page, params)
            shown = {k: (v if isinstance(v, list) else v[:20]) for k, v in params.items()}
            assert_rendered_as_text(at, f"{page} {shown}")
            assert len(at.title) >= 1, (page, shown)


# --- 3. whole or nothing ------------------------------------------------------------------


def integrity(path) -> tuple[list, list]:
    db = connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchall(), db.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        db.close()


def dump(path) -> dict[str, list[tuple]]:
    db = connect(path)
    try:
        return {t: db.execute(f"SELECT * FROM [{t}] ORDER BY rowid").fetchall() for t in db.table_names()}
    finally:
        db.close()


def test_an_import_failing_half_way_changes_nothing(tmp_path):
    """The sample spreadsheet into an empty database, with the write failing after a few rows."""
    empty = tmp_path / "empty.db"
    db = connect(empty)
    try:
        migrate(db)
    finally:
        db.close()
    before = dump(empty)
    table = transfer.read_table((ROOT / "seed" / "import-example.csv").read_bytes(), "import-example.csv")
    written = []

    def crash(done: int, total: int) -> None:
        written.append(done)
        if done == 4:
            raise OSError("disk full")  # as a failing disk would, half-way through the rows

    db = connect(empty)
    try:
        with pytest.raises(OSError):
            transfer.import_okrs(db, table, progress=crash, person=w.SYSTEM)
        assert not db.conn.in_transaction
    finally:
        db.close()
    assert written[-1] == 4 < len(table), "the failure came half-way"
    assert dump(empty) == before
    assert integrity(empty) == ([("ok",)], [])
    # And the same file then imports whole.
    db = connect(empty)
    try:
        report = transfer.import_okrs(db, table, person=w.SYSTEM)
        assert report.counts["objectives"] == 4
    finally:
        db.close()
    assert integrity(empty) == ([("ok",)], [])


def test_a_refused_import_on_the_manage_page_changes_nothing(demo_db):
    """The sample spreadsheet describes another company: refused on the demo, whole, with its problems."""
    before = dump(demo_db)
    db = connect(demo_db)
    try:
        admin = db.execute("SELECT id FROM people WHERE role = 'admin' ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        db.close()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[PERSON_KEY] = admin
    at.switch_page("pages/manage.py").run()
    assert not at.exception
    open_panels(at, ("mg_tab", "Import / export"))
    uploaders = [u for u in at.file_uploader if u.proto.label == "Spreadsheet to import"]
    assert len(uploaders) == 1
    sample = ROOT / "seed" / "import-example.csv"
    uploaders[0].set_value((sample.name, sample.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception
    assert any("nothing can be imported" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "mg_import_go"]
    assert dump(demo_db) == before
    assert integrity(demo_db) == ([("ok",)], [])


WRITER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from okrdata import queries as q, writes as w
    from okrdata.db import connect, transaction

    path, marker, count, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    db = connect(path)
    db.execute("PRAGMA cache_size = 8")  # a tiny page cache: the open transaction spills to the WAL file
    cycle_id = q.default_cycle_id(db)
    krs = q.key_results(db, cycle_id)
    kr_ids = [int(i) for i in krs[krs["kr_type"].isin(["increase", "decrease"])]["kr_id"]]
    print("ready", flush=True)
    with transaction(db):
        for i in range(count):
            w.add_checkin(db, kr_ids[i % len(kr_ids)], dt.date.today(), i, 5, f"{marker} {i} " + "x" * 2000,
                          person=w.SYSTEM)
            if i == count // 2:
                print("halfway", flush=True)
        print("written", flush=True)
        if wait == "before-commit":
            time.sleep(600)
    print("committed", flush=True)
    time.sleep(600)
    """
)
BATCH = 600


def start_writer(path: Path, marker: str, wait: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), marker, str(BATCH), wait],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def wait_for(proc: subprocess.Popen, line: str) -> None:
    for got in proc.stdout:
        if got.strip() == line:
            return
    raise AssertionError(f"the writer ended (status {proc.wait()}) before printing {line!r}")


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()


def batch_rows(path: Path, marker: str) -> int:
    db = connect(path)
    try:
        return db.execute("SELECT count(*) FROM checkins WHERE note LIKE ?", [marker + " %"]).fetchone()[0]
    finally:
        db.close()


@pytest.mark.parametrize("when", ["half-way", "before-commit", "after-commit", "any-time"])
def test_a_writer_killed_mid_write_leaves_all_or_nothing(demo_db, when):
    marker = f"batch-{when}"
    rows_before = batch_rows(demo_db, "batch-%")
    proc = start_writer(demo_db, marker, "before-commit" if when == "before-commit" else "after-commit")
    try:
        if when == "any-time":
            wait_for(proc, "ready")
            try:
                proc.wait(timeout=random.uniform(0.0, 1.5))
            except subprocess.TimeoutExpired:
                pass
        else:
            wait_for(proc, {"half-way": "halfway", "before-commit": "written", "after-commit": "committed"}[when])
            if when != "after-commit":
                wal = Path(str(demo_db) + "-wal")
                assert wal.exists() and wal.stat().st_size > 0, "uncommitted pages reached the disk"
    finally:
        kill(proc)

    assert integrity(demo_db) == ([("ok",)], [])
    found = batch_rows(demo_db, marker)
    expected = {"half-way": {0}, "before-commit": {0}, "after-commit": {BATCH}, "any-time": {0, BATCH}}[when]
    assert found in expected, found
    assert batch_rows(demo_db, "batch-%") == rows_before + found, "no stray rows of the batch"
    # The database is not left locked: the next write goes through.
    db = connect(demo_db)
    try:
        kr_id = int(q.key_results(db, q.default_cycle_id(db))["kr_id"].iloc[0])
        w.add_checkin(db, kr_id, dt.date.today(), 1, 5, "after the crash", person=w.SYSTEM)
    finally:
        db.close()
    assert integrity(demo_db) == ([("ok",)], [])
