"""AppTests of the Check-in page, signed in as each role on a copy of the demo database.

The demo's lead@ leads Web App (and nothing else); viewer@ is a viewer; admin@ an admin. Each
test drives the page as a person would (type, click Save) and checks what they would notice:
the messages on the page, the rows in the database, and the figures on the other pages.
"""

from __future__ import annotations

import datetime as dt
import re

import app_fixtures
import pytest
from app_fixtures import APP, clear_streamlit_caches, demo_db, ok, open_page, open_panels  # noqa: F401
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from okrdata import queries as q
from okrdata import writes as w
from okrdata.cli import cli
from ui import badges, tables
from ui.badges import escape_markdown
from ui.sidebar import UNIT_KEY

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGE = "pages/checkin.py"


def save_button(at):
    """The check-in form's Save button: its key carries the form's round, which moves on after
    each save so that the form comes back empty (``ui.forms``)."""
    found = [b for b in at.button if re.fullmatch(r"ci_form(-\d+)?__submit", b.key or "")]
    assert len(found) == 1, [b.key for b in at.button]
    return found[0]


class Demo(app_fixtures.Demo):
    """Ids and figures of the demo, read through okrdata: the Web App team's key results, the KPIs."""

    def __init__(self, path):
        super().__init__(path)
        with self.db() as db:
            self.web_krs = q.key_results(db, self.cycle, self.web)
            self.kpis = q.kpis(db)

    def count(self, table="checkins") -> int:
        db = self.db()
        try:
            return db[table].count
        finally:
            db.close()


@pytest.fixture
def demo(demo_db) -> Demo:
    return Demo(demo_db)


def open_as(demo: Demo, who: str | None, page: str = PAGE) -> AppTest:
    return open_page(page, person=None if who is None else demo.people[who])


def open_corrections(demo: Demo, at: AppTest) -> AppTest:
    """``at`` after the visitor opens Web App's "Correct or withdraw a check-in" (drawn once opened)."""
    return open_panels(at, (f"ci_hist_{demo.web}_fix_open", True))


def value_box(at, kr_id):
    return at.text_input(key=f"ci_value_{kr_id}")


def skip_offered(at, kr_ids):
    """Clear the values the page offered from KPIs, so only what the test types is saved."""
    for kr_id in kr_ids:
        if value_box(at, kr_id).value:
            value_box(at, kr_id).input("")


def errors(at) -> list[str]:
    return [e.value for e in at.error]


# --- a lead checks in --------------------------------------------------------------------------------


def test_a_lead_saves_a_checkin_and_the_overview_and_trends_show_it(demo):
    krs = demo.web_krs
    assert not krs.empty
    # The key result whose progress moves most when it reaches its target.
    movable = krs[krs["kr_type"].isin(["increase", "decrease"])].sort_values("progress").iloc[0]
    kr_id, target = int(movable["kr_id"]), float(movable["target"])
    db = demo.db()
    try:
        before = q.cycle_summary(db, demo.cycle, demo.web)
    finally:
        db.close()

    at = open_as(demo, "lead")
    team = at.selectbox(key="ci_team")
    assert team.value == demo.web and list(team.options) == [
        "Product & Engineering / Web App"
    ]  # only the lead's own team
    kr_boxes = [t for t in at.text_input if t.key.startswith("ci_value_")]
    assert sorted(t.key for t in kr_boxes) == sorted(f"ci_value_{int(i)}" for i in krs["kr_id"])
    skip_offered(at, krs["kr_id"])
    value_box(at, kr_id).input(str(int(target)) if target.is_integer() else str(target))
    at.number_input(key=f"ci_conf_{kr_id}").set_value(9)
    at.text_area(key=f"ci_note_{kr_id}").input("Shipped the new setup flow")
    ok(save_button(at).click().run())

    assert len(at.success) == 1 and at.success[0].value.startswith("Saved 1 check-in ")
    assert not errors(at)
    db = demo.db()
    try:
        row = db.execute("SELECT * FROM checkins ORDER BY id DESC LIMIT 1").fetchone()
        saved = dict(zip([d[0] for d in db.execute("SELECT * FROM checkins LIMIT 0").description], row))
        after = q.cycle_summary(db, demo.cycle, demo.web)
    finally:
        db.close()
    assert (saved["kr_id"], saved["value"], saved["confidence"], saved["note"], saved["author_id"]) == (
        kr_id,
        target,
        9,
        "Shipped the new setup flow",
        demo.people["lead"],
    )
    assert saved["checkin_date"] == dt.date.today().isoformat()
    assert badges.pct(after["progress"]) != badges.pct(before["progress"])
    # The form is empty again, with the new confidence as the one to start from.
    assert value_box(at, kr_id).value == "" and at.number_input(key=f"ci_conf_{kr_id}").value == 9

    ok(at.switch_page("pages/overview.py").run())
    at.selectbox(key=UNIT_KEY).set_value(demo.web)
    ok(at.run())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Progress"] == badges.pct(after["progress"])

    at.query_params["kr"] = str(kr_id)
    ok(at.switch_page("pages/trends.py").run())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Value now"] == badges.number(target, movable["unit_label"] or "")
    assert metrics["Confidence"] == "9/10"


def test_a_key_result_measured_by_a_kpi_is_offered_its_latest_reading(demo):
    kpis = {int(r["kpi_id"]): r for r in demo.kpis.to_dict("records")}
    linked = [r for r in demo.web_krs.to_dict("records") if not pd_isna(r["kpi_id"])]
    assert linked, "the demo's Web App has a key result measured by a KPI"
    at = open_as(demo, "lead")
    for kr in linked:
        kpi = kpis[int(kr["kpi_id"])]
        newer = pd_isna(kr["last_checkin_date"]) or str(kpi["last_reading_date"]) > str(kr["last_checkin_date"])
        value = float(kpi["last_value"])
        expected = (str(int(value)) if value.is_integer() else str(value)) if newer else ""
        assert value_box(at, int(kr["kr_id"])).value == expected
    unlinked = [r for r in demo.web_krs.to_dict("records") if pd_isna(r["kpi_id"])]
    assert all(value_box(at, int(r["kr_id"])).value == "" for r in unlinked)


def pd_isna(x) -> bool:
    import pandas as pd

    return x is None or bool(pd.isna(x))


# --- refusals ----------------------------------------------------------------------------------------


def test_bad_values_are_refused_naming_the_key_result_and_field_and_nothing_is_saved(demo):
    first, second = [int(i) for i in demo.web_krs["kr_id"].iloc[:2]]
    titles = dict(zip(demo.web_krs["kr_id"].astype(int), demo.web_krs["title"]))
    before = demo.count()
    at = open_as(demo, "lead")
    skip_offered(at, demo.web_krs["kr_id"])
    value_box(at, first).input("abc")
    value_box(at, second).input("3")
    at.number_input(key=f"ci_conf_{second}").set_value(11)
    ok(save_button(at).click().run())

    shown = errors(at)
    assert len(shown) == 3, shown
    assert any(badges.escape_markdown(titles[first]) in e and "Value" in e and "abc" in e for e in shown)
    assert any(badges.escape_markdown(titles[second]) in e and "Confidence" in e and "0 to 10" in e for e in shown)
    assert any(e.startswith("Nothing was saved") for e in shown)
    assert not at.success
    assert demo.count() == before
    # What was typed is still there, to correct.
    assert value_box(at, first).value == "abc"
    assert value_box(at, second).value == "3"
    assert at.number_input(key=f"ci_conf_{second}").value == 11

    at.number_input(key=f"ci_conf_{second}").set_value(6)
    value_box(at, first).input("")
    ok(save_button(at).click().run())
    assert not errors(at) and at.success[0].value.startswith("Saved 1 check-in ")
    assert demo.count() == before + 1


def test_a_lead_cannot_see_or_write_another_team(demo):
    platform = demo.units["Platform"]
    at = open_as(demo, "lead")
    # Choosing another unit in the sidebar still offers only the lead's own team.
    at.selectbox(key=UNIT_KEY).set_value(platform)
    ok(at.run())
    assert at.selectbox(key="ci_team").value == demo.web
    assert len(at.selectbox(key="ci_team").options) == 1
    assert {t.key for t in at.text_input if t.key.startswith("ci_value_")} == {
        f"ci_value_{int(i)}" for i in demo.web_krs["kr_id"]
    }

    # Rights are checked when saving, in okrdata: an admin gives Web App another lead meanwhile.
    db = demo.db()
    try:
        w.update_unit(
            db, demo.web, lead_id=demo.people["admin"], person=w.SYSTEM, version=w.version_of(db, "units", demo.web)
        )
    finally:
        db.close()
    kr_id = int(demo.web_krs["kr_id"].iloc[0])
    skip_offered(at, demo.web_krs["kr_id"])
    before = demo.count()
    value_box(at, kr_id).input("42")
    ok(save_button(at).click().run())
    shown = errors(at)
    assert any("Unit" in e and "Web App" in e for e in shown), shown
    assert demo.count() == before


@pytest.mark.parametrize("who", ["viewer", None])
def test_a_viewer_or_visitor_reads_but_cannot_check_in(demo, who):
    at = open_as(demo, who)
    assert not [b for b in at.button if b.key and b.key.startswith("ci_")]
    assert not [t for t in at.text_input if t.key and t.key.startswith("ci_")]
    assert any("Sign in as a lead to check in" in i.value for i in at.info)
    assert len(at.dataframe) >= 1  # the last check-ins, read only
    assert [s.value for s in at.subheader] == ["Last check-ins", "Past check-ins"]


# --- corrections -------------------------------------------------------------------------------------


def newest_checkin(demo, kr_id):
    db = demo.db()
    try:
        history = q.checkin_history(db, demo.cycle, kr_ids=[kr_id])
    finally:
        db.close()
    return history.iloc[-1].to_dict()


def test_a_correction_keeps_its_revision_and_a_withdrawal_needs_confirming(demo):
    at = open_as(demo, "admin")
    at.selectbox(key="ci_team").set_value(demo.web)
    ok(at.run())
    kr_id = int(at.selectbox(key=f"ci_hist_{demo.web}").value)
    open_corrections(demo, at)
    checkin = newest_checkin(demo, kr_id)
    cid = int(checkin["checkin_id"])
    value = float(checkin["value"])
    assert at.text_input(key=f"ci_edit_{cid}_value").value == (str(int(value)) if value.is_integer() else repr(value))
    at.text_input(key=f"ci_edit_{cid}_value").input("7")
    ok(at.button(key=f"ci_edit_{cid}__save").click().run())
    assert not errors(at), errors(at)
    assert any("Correction saved" in s.value for s in at.success)
    db = demo.db()
    try:
        row = db["checkins"].get(cid)
        revisions = list(db.query("SELECT * FROM checkin_revisions WHERE checkin_id = ?", [cid]))
    finally:
        db.close()
    assert (row["value"], row["version"]) == (7.0, int(checkin["version"]) + 1)
    assert revisions[-1]["changed_by"] == demo.people["admin"]
    changes = [d for d in at.dataframe if "Change" in d.value.columns and "Who" in d.value.columns]
    assert len(changes) == 1
    assert any(f"value {checkin['value']:g} → 7" in c for c in changes[0].value["Change"])

    ok(at.button(key=f"ci_edit_{cid}__delete").click().run())
    assert any("Confirm" in e for e in errors(at))
    at.checkbox(key=f"ci_edit_{cid}_confirm").check()
    ok(at.button(key=f"ci_edit_{cid}__delete").click().run())
    assert any("withdrawn" in s.value for s in at.success)
    db = demo.db()
    try:
        assert db["checkins"].get(cid)["deleted"] == 1
    finally:
        db.close()


def test_a_conflicting_edit_is_refused(demo):
    at = open_as(demo, "lead")
    kr_id = int(at.selectbox(key=f"ci_hist_{demo.web}").value)
    open_corrections(demo, at)
    checkin = newest_checkin(demo, kr_id)
    cid = int(checkin["checkin_id"])
    assert at.text_input(key=f"ci_edit_{cid}_value").value  # the form is open
    # Someone else corrects the same check-in meanwhile (another session, the CLI).
    db = demo.db()
    try:
        w.edit_checkin(
            db, cid, value=1234, confidence=3, note="Theirs", version=int(checkin["version"]), person=w.SYSTEM
        )
    finally:
        db.close()
    at.text_input(key=f"ci_edit_{cid}_value").input("99")
    ok(at.button(key=f"ci_edit_{cid}__save").click().run())
    shown = errors(at)
    assert len(shown) == 1 and "changed by someone else" in shown[0], shown
    db = demo.db()
    try:
        row = db["checkins"].get(cid)
    finally:
        db.close()
    assert (row["value"], row["note"]) == (1234.0, "Theirs")
    assert at.text_input(key=f"ci_edit_{cid}_value").value == "99"  # kept, to copy from
    ok(at.button(key=f"ci_edit_{cid}__reload").click().run())
    assert at.text_input(key=f"ci_edit_{cid}_value").value == "1234"
    assert not errors(at)


# --- someone else writes while the form is open ------------------------------------------------------


def cron_checkin(demo, kr_id: int, value, confidence: int, author: str = "admin") -> None:
    """A check-in recorded from outside the page, as a cron job does: ``okr checkin``."""
    result = CliRunner().invoke(
        cli,
        [
            "checkin",
            "--db",
            str(demo.path),
            "--kr",
            str(kr_id),
            "--value",
            str(value),
            "--confidence",
            str(confidence),
            "--author",
            f"{author}@northwindlabs.example",
        ],
    )
    assert result.exit_code == 0, result.output


def away_and_back(at) -> AppTest:
    """To Overview and back through the menu: Streamlit forgets the inputs of a page not drawn."""
    ok(at.switch_page("pages/overview.py").run())
    return ok(at.switch_page(PAGE).run())


def unlinked_krs(demo) -> list[dict]:
    """Web App's key results not measured by a KPI (nothing is offered in their value box)."""
    rows = [r for r in demo.web_krs.to_dict("records") if pd_isna(r["kpi_id"])]
    assert len(rows) >= 2
    return rows


def latest(demo, kr_id) -> dict:
    """The key result's latest check-in as stored."""
    db = demo.db()
    try:
        return next(
            db.query(
                "SELECT id, value, confidence, author_id FROM checkins WHERE kr_id = ? AND deleted = 0 "
                "ORDER BY checkin_date DESC, id DESC LIMIT 1",
                [kr_id],
            )
        )
    finally:
        db.close()


def save_one(demo, at, kr_id: int, value: str):
    """The lead fills one key result (nothing else) and saves."""
    skip_offered(at, demo.web_krs["kr_id"])
    value_box(at, kr_id).input(value)
    return ok(save_button(at).click().run())


@pytest.mark.parametrize("elsewhere", ["cron", "second session"])
def test_a_checkin_saved_elsewhere_on_another_key_result_never_blocks_the_leads_save(demo, elsewhere):
    mine, theirs = unlinked_krs(demo)[:2]
    mine_id, theirs_id = int(mine["kr_id"]), int(theirs["kr_id"])
    new_confidence = 3 if int(theirs["confidence"]) != 3 else 4
    at = open_as(demo, "lead")
    if elsewhere == "cron":
        cron_checkin(demo, theirs_id, 61, new_confidence)
    else:  # an admin in another browser checks in on another key result of the team
        other = open_as(demo, "admin")
        other.selectbox(key="ci_team").set_value(demo.web)
        ok(other.run())
        other.number_input(key=f"ci_conf_{theirs_id}").set_value(new_confidence)
        save_one(demo, other, theirs_id, "61")
        assert not errors(other) and other.success[0].value.startswith("Saved 1 check-in ")
    theirs_checkin = latest(demo, theirs_id)
    assert (theirs_checkin["value"], theirs_checkin["confidence"]) == (61, new_confidence)
    before = demo.count()

    at = away_and_back(at)
    # Drawn afresh: the other key result shows what is stored now.
    assert at.number_input(key=f"ci_conf_{theirs_id}").value == new_confidence
    for attempt in range(2):  # and again: a second save is not refused either
        at = save_one(demo, at, mine_id, str(70 + attempt))
        assert not errors(at), errors(at)
        assert [s.value for s in at.success] == [f"Saved 1 check-in ({escape_markdown(mine['title'])})."]
        assert demo.count() == before + attempt + 1
        assert latest(demo, mine_id)["value"] == 70 + attempt
        assert latest(demo, theirs_id) == theirs_checkin  # nobody touched it: nothing saved for it


def test_a_key_result_that_moves_while_the_form_is_open_is_shown_as_moved_not_refused(demo):
    mine, theirs = unlinked_krs(demo)[:2]
    mine_id, theirs_id = int(mine["kr_id"]), int(theirs["kr_id"])
    shown_confidence = int(theirs["confidence"])
    at = open_as(demo, "lead")
    cron_checkin(demo, theirs_id, 61, 3 if shown_confidence != 3 else 4)
    theirs_checkin = latest(demo, theirs_id)
    before = demo.count()
    # Any rerun (a click elsewhere on the page) shows the move beside the key result; the form
    # keeps what it showed.
    ok(at.run())
    notes = [c.value for c in at.caption if "since you opened the form" in c.value]
    assert len(notes) == 1, [c.value for c in at.caption]
    assert (
        "by Ada Admin" in notes[0]
        and escape_markdown(f"now 61 days, confidence {theirs_checkin['confidence']}/10") in notes[0]
    )
    assert at.number_input(key=f"ci_conf_{theirs_id}").value == shown_confidence

    at = save_one(demo, at, mine_id, "70")
    assert not errors(at), errors(at)
    assert [s.value for s in at.success] == [f"Saved 1 check-in ({escape_markdown(mine['title'])})."]
    assert demo.count() == before + 1
    assert latest(demo, theirs_id) == theirs_checkin


def correct_confidence(demo, at, kr_id: int) -> int:
    """Correct the confidence of the key result's newest check-in in Past check-ins; return it."""
    at.selectbox(key=f"ci_hist_{demo.web}").set_value(kr_id)
    ok(at.run())
    open_corrections(demo, at)
    checkin = newest_checkin(demo, kr_id)
    cid = int(checkin["checkin_id"])
    corrected = 2 if int(checkin["confidence"]) != 2 else 3
    at.number_input(key=f"ci_edit_{cid}_confidence").set_value(corrected)
    ok(at.button(key=f"ci_edit_{cid}__save").click().run())
    assert any("Correction saved" in s.value for s in at.success), errors(at)
    assert latest(demo, kr_id)["confidence"] == corrected
    return corrected


@pytest.mark.parametrize("then", ["away and back", "stay"])
def test_a_correction_in_past_checkins_never_blocks_the_next_save(demo, then):
    mine, theirs = unlinked_krs(demo)[:2]
    mine_id, theirs_id = int(mine["kr_id"]), int(theirs["kr_id"])
    at = open_as(demo, "lead")
    corrected = correct_confidence(demo, at, theirs_id)
    before = demo.count()
    if then == "away and back":
        at = away_and_back(at)
    at = save_one(demo, at, mine_id, "70")
    assert not errors(at), errors(at)
    assert [s.value for s in at.success] == [f"Saved 1 check-in ({escape_markdown(mine['title'])})."]
    assert demo.count() == before + 1
    assert latest(demo, theirs_id)["confidence"] == corrected


def linked_kr(demo) -> dict:
    """The Web App key result measured by a KPI whose reading the form offers."""
    rows = [r for r in demo.web_krs.to_dict("records") if not pd_isna(r["kpi_id"])]
    assert len(rows) == 1
    return rows[0]


def test_an_offered_kpi_reading_is_not_saved_once_its_key_result_moved(demo):
    mine, offered = unlinked_krs(demo)[0], linked_kr(demo)
    mine_id, offered_id = int(mine["kr_id"]), int(offered["kr_id"])
    at = open_as(demo, "lead")
    assert value_box(at, offered_id).value  # the KPI's reading, saved with the rest unless cleared
    cron_checkin(demo, offered_id, 2200, 6)
    theirs = latest(demo, offered_id)
    before = demo.count()

    # The lead fills their key result and saves, with no rerun in between.
    value_box(at, mine_id).input("70")
    ok(save_button(at).click().run())
    assert not errors(at), errors(at)
    lines = at.success[0].value.split("  \n")
    assert lines[0] == f"Saved 1 check-in ({escape_markdown(mine['title'])})."
    assert lines[1].startswith(
        escape_markdown(
            f"Not saved: the KPI reading offered for {offered['title']}. A new check-in was recorded by Ada Admin"
        )
    )
    assert demo.count() == before + 1
    assert latest(demo, offered_id) == theirs


def test_a_form_holding_only_a_stale_offer_saves_nothing_and_is_drawn_afresh(demo):
    offered = linked_kr(demo)
    offered_id = int(offered["kr_id"])
    at = open_as(demo, "lead")
    cron_checkin(demo, offered_id, 2200, 6)
    before = demo.count()
    ok(save_button(at).click().run())
    shown = errors(at)
    assert len(shown) == 2, shown
    assert escape_markdown(offered["title"]) in shown[0] and "offered here was not saved" in shown[0]
    assert shown[1].startswith("Nothing was saved")
    assert demo.count() == before
    # Drawn again from what is stored: the check-in is newer than the reading, so nothing is offered.
    assert value_box(at, offered_id).value == ""
    assert at.number_input(key=f"ci_conf_{offered_id}").value == 6
    assert not [c.value for c in at.caption if "since you opened the form" in c.value]


def test_a_key_result_the_lead_fills_after_it_moved_is_saved_and_the_message_says_so(demo):
    theirs = unlinked_krs(demo)[1]
    theirs_id = int(theirs["kr_id"])
    at = open_as(demo, "lead")
    cron_checkin(demo, theirs_id, 61, 3)
    before = demo.count()
    at.number_input(key=f"ci_conf_{theirs_id}").set_value(5)
    at = save_one(demo, at, theirs_id, "2")
    assert not errors(at), errors(at)
    lines = at.success[0].value.split("  \n")
    assert lines[0] == f"Saved 1 check-in ({escape_markdown(theirs['title'])})."
    assert lines[1].startswith(escape_markdown(f"{theirs['title']}: A new check-in was recorded by Ada Admin"))
    assert escape_markdown("now 61 days, confidence 3/10") in lines[1]
    assert demo.count() == before + 1
    saved = latest(demo, theirs_id)
    assert (saved["value"], saved["confidence"], saved["author_id"]) == (2, 5, demo.people["lead"])


# --- user text is shown as text ----------------------------------------------------------------------

LINK = "[x](https://evil.example)"
IMAGE = "![i](https://evil.example/i.png)"
LIVE = re.compile(r"(?<!\\)\]\(")
"""A Markdown link or image: "](" whose bracket is not escaped."""


def markdown_texts(at) -> list[str]:
    """Every text the page hands to Markdown: headings, text, captions, messages, input labels and help."""
    texts = [
        e.value
        for kind in ("title", "header", "subheader", "markdown", "caption", "success", "info", "warning", "error")
        for e in getattr(at, kind)
    ]
    for kind in ("text_input", "number_input", "text_area", "date_input", "selectbox", "button", "checkbox"):
        for widget in getattr(at, kind):
            texts += [widget.proto.label, widget.proto.help]
    return texts


def test_names_titles_and_notes_with_links_or_images_show_as_text_on_the_check_in_page(demo):
    mine, theirs = unlinked_krs(demo)[:2]
    mine_id, theirs_id, offered = int(mine["kr_id"]), int(theirs["kr_id"]), linked_kr(demo)
    db = demo.db()
    try:  # as typed by people, through any door
        db["people"].update(int(mine["owner_id"]), {"name": LINK})
        db["people"].update(demo.people["admin"], {"name": IMAGE})
        db["key_results"].update(mine_id, {"title": IMAGE})
        db["key_results"].update(int(offered["kr_id"]), {"unit_label": LINK})
        db["objectives"].update(int(mine["objective_id"]), {"title": LINK})
        db["kpis"].update(int(offered["kpi_id"]), {"name": IMAGE})
        db["units"].update(demo.web, {"name": LINK})
        db.execute("UPDATE checkins SET note = ? WHERE id = ?", [IMAGE, int(mine["checkin_id"])])
        db.conn.commit()
    finally:
        db.close()
    at = open_as(demo, "lead")
    cron_checkin(demo, theirs_id, 61, 3)  # by the admin, now named IMAGE
    ok(at.run())
    before_save = markdown_texts(at)
    at = save_one(demo, at, mine_id, "70")
    assert not errors(at), errors(at)
    texts = before_save + markdown_texts(at)
    assert [t for t in texts if "evil" in t]
    assert not [t for t in texts if LIVE.search(t)], [t for t in texts if LIVE.search(t)]
    # Each one is there, escaped: owner, moved-by, title, unit label, objective, KPI, unit, note.
    everything = "\n".join(texts)
    assert f"owner {escape_markdown(LINK)}" in everything
    assert f"recorded by {escape_markdown(IMAGE)}" in everything
    assert f"**{escape_markdown(IMAGE)}**" in everything
    assert f"New value ({escape_markdown(LINK)})" in everything
    assert f"##### {escape_markdown(LINK)}" in everything
    assert f"the KPI {escape_markdown(IMAGE)}" in everything
    assert f"This week's check-in · {escape_markdown(LINK)}" in everything
    assert f"Last note: {escape_markdown(IMAGE)}" in everything
    assert f"Saved 1 check-in ({escape_markdown(IMAGE)})." in everything


def test_a_correction_form_drawn_again_after_someone_elses_correction_saves(demo):
    """The version a correction carries is the one of the values its form shows."""
    kr_id = unlinked_krs(demo)[0]["kr_id"]
    at = open_as(demo, "lead")
    at.selectbox(key=f"ci_hist_{demo.web}").set_value(kr_id)
    ok(at.run())
    open_corrections(demo, at)
    checkin = newest_checkin(demo, kr_id)
    cid = int(checkin["checkin_id"])
    assert at.text_input(key=f"ci_edit_{cid}_value").value  # the lead's correction form is open
    other = open_as(demo, "admin")  # an admin corrects the same check-in in another browser
    other.selectbox(key="ci_team").set_value(demo.web)
    ok(other.run())
    other.selectbox(key=f"ci_hist_{demo.web}").set_value(kr_id)
    ok(other.run())
    open_corrections(demo, other)
    other.text_input(key=f"ci_edit_{cid}_value").input("55")
    ok(other.button(key=f"ci_edit_{cid}__save").click().run())
    assert any("Correction saved" in s.value for s in other.success), errors(other)

    at = away_and_back(at)
    at.selectbox(key=f"ci_hist_{demo.web}").set_value(kr_id)
    ok(at.run())
    open_corrections(demo, at)
    assert at.text_input(key=f"ci_edit_{cid}_value").value == "55"  # drawn afresh: the admin's value
    at.number_input(key=f"ci_edit_{cid}_confidence").set_value(2)
    ok(at.button(key=f"ci_edit_{cid}__save").click().run())
    assert not errors(at), errors(at)
    assert any("Correction saved" in s.value for s in at.success)
    saved = latest(demo, kr_id)
    assert (saved["id"], saved["value"], saved["confidence"]) == (cid, 55, 2)


# --- a large organisation ----------------------------------------------------------------------------


def test_a_long_list_of_last_checkins_draws_the_first_rows_says_so_and_stays_fresh(demo, monkeypatch):
    monkeypatch.setattr(tables, "ROW_LIMIT", 10)
    db = demo.db()
    try:
        krs = q.key_results(db, demo.cycle)
    finally:
        db.close()
    assert len(krs) > 10
    at = open_as(demo, None)
    frames = [d.value for d in at.dataframe if "Last check-in" in d.value.columns]
    assert len(frames) == 1
    assert list(frames[0]["Key result"]) == list(krs["title"][:10])
    notes = [c.value for c in at.caption if "The table shows the first" in c.value]
    assert notes == [
        (
            f":material/filter_list: The table shows the first 10 of {len(krs)} key results: pick a unit in the "
            "sidebar to see its own."
        )
    ]
    # The history still offers every key result, not only those in the table.
    assert len(at.selectbox(key="ci_hist_read").options) == len(krs)

    # A check-in saved elsewhere (another session, the command line) shows at the next rerun.
    row = next(i for i, t in enumerate(krs["kr_type"][:10]) if t == "increase")
    kr = krs.iloc[row]
    assert kr["confidence"] != 9 or kr["last_checkin_date"] != dt.date.today().isoformat()
    db = demo.db()
    try:
        w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 9, "Done early", person=w.SYSTEM)
    finally:
        db.close()
    ok(at.run())
    table = next(d.value for d in at.dataframe if "Last check-in" in d.value.columns)
    assert table["Confidence"].iloc[row] == "9/10"
    assert table["Last check-in"].iloc[row] == badges.day(dt.date.today())


# --- how dates, trends and moved goalposts read ------------------------------------------------------


def test_the_check_in_date_reads_like_every_other_date(demo):
    at = open_as(demo, "lead")
    assert not at.date_input, "Streamlit's date input writes 2026/12/05"
    picker = at.selectbox(key=f"ci_date_{demo.web}")
    today = dt.date.today()
    assert picker.value == today
    assert picker.options[0] == f"{badges.day(today)} (today)"
    assert picker.options[1] == f"{badges.day(today - dt.timedelta(days=1))} (yesterday)"
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}( \((to|yester)day\))?", o) for o in picker.options)


def test_a_correction_picks_its_date_the_same_way_and_saves_it(demo):
    kr_id = int(unlinked_krs(demo)[0]["kr_id"])
    at = open_as(demo, "lead")
    at.selectbox(key=f"ci_hist_{demo.web}").set_value(kr_id)
    ok(at.run())
    open_corrections(demo, at)
    pick = at.selectbox(key=f"ci_hist_{demo.web}_pick")
    checkin_id = int(pick.value)
    day = at.selectbox(key=f"ci_edit_{checkin_id}_date")
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}( \((to|yester)day\))?", day.format_func(day.value))
    earlier = dt.date.today() - dt.timedelta(days=2)
    day.set_value(earlier)
    ok(at.button(key=f"ci_edit_{checkin_id}__save").click().run())
    db = demo.db()
    try:
        assert db["checkins"].get(checkin_id)["checkin_date"] == earlier.isoformat()
    finally:
        db.close()


def test_the_last_check_in_says_where_its_trend_heads(demo):
    with_trend = demo.web_krs[demo.web_krs["forecast_value"].notna()]
    assert not with_trend.empty
    at = open_as(demo, "lead")
    texts = [m.value for m in at.markdown]
    for kr in with_trend.to_dict("records"):
        from okrdata import wording

        heading = wording.forecast(kr["forecast_value"], kr["forecast_score"], kr["unit_label"], kr["kr_type"])
        assert any(f"Trend: heading for {escape_markdown(heading)} by " in t for t in texts), heading


def test_a_moved_goalpost_shows_its_change_and_date(demo):
    kr = demo.web_krs[demo.web_krs["kr_type"] == "increase"].iloc[0]
    db = demo.db()
    try:  # as okrdata.writes.update_key_result records a change after the cycle started
        db["key_result_changes"].insert(
            {
                "kr_id": int(kr["kr_id"]),
                "field": "target",
                "before": float(kr["target"]),
                "after": float(kr["target"]) * 2,
                "changed_by": demo.people["admin"],
                "changed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "reason": "Scope doubled",
            }
        )
        db.conn.commit()
    finally:
        db.close()
    at = open_as(demo, "lead")
    new = badges.number(float(kr["target"]) * 2)
    old = badges.number(float(kr["target"]))
    captions = [c.value for c in at.caption]
    mark = escape_markdown(f"Goalposts moved: target {old} → {new} on {badges.day(dt.date.today())}")
    assert any(mark in c for c in captions), captions
