"""AppTests of the All OKRs page: the list equals okrdata's rows, search and filters narrow it,
the CSV download is okrdata's export of exactly those rows, and ``?objective=ID`` opens the
objective's own page (forged ids warn and show the list).

Each test gets its own copy of the demo database; see :mod:`app_fixtures`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs

import pandas as pd
import pyarrow as pa
import pytest
from app_fixtures import APP, clear_streamlit_caches, cold_screen, demo_db, large_db, ok, screen, with_db  # noqa: F401
from app_fixtures import open_page as open_app
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from okrdata import quality
from okrdata import queries as q
from okrdata import search as s
from okrdata import writes as w
from ui import badges, data
from ui.badges import escape_markdown
from ui.okr_list import ALL_CYCLES_KEY, KIND_KEY, OWNER_KEY, SEARCH_KEY, STATUS_KEY, TYPE_KEY
from ui.sidebar import COMPANY, UNIT_KEY
from ui.tables import ROW_LIMIT as LIST_LIMIT

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

PAGE = "pages/okrs.py"


def open_page(query_params: dict | None = None) -> AppTest:
    """The app opened straight on the All OKRs page (the address ``/okrs?...``)."""
    return open_app(PAGE, query_params)


def table(at: AppTest):
    """The list on the page (the one table with a "Key result" column)."""
    tables = [d for d in at.dataframe if "Key result" in d.value.columns and "Objective" in d.value.columns]
    assert len(tables) == 1, [list(d.value.columns) for d in at.dataframe]
    return tables[0].value


def chart_data(chart) -> list[pd.DataFrame]:
    """The data sets of an Altair chart on the page (Streamlit sends them beside the spec, as Arrow)."""
    return [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]


def count_line(at: AppTest) -> str:
    lines = [m.value for m in at.markdown if "key results shown" in m.value]
    assert len(lines) == 1
    return lines[0]


# --- the list -----------------------------------------------------------------------------


def test_list_shows_every_key_result_of_the_cycle_for_the_company_and_a_team(demo_db):
    cycle_id = with_db(demo_db, q.default_cycle_id)
    rows = with_db(demo_db, lambda db: s.rows(db, cycle_id))
    krs = with_db(demo_db, lambda db: q.key_results(db, cycle_id))
    at = open_page()
    shown = table(at)
    assert len(shown) == len(rows) == s.counts(rows)["key_results"] == len(krs)
    assert sorted(shown["Key result"]) == sorted(krs["title"])
    assert f"**{len(krs)} of {len(krs)}** key results shown" in count_line(at)
    assert not at.warning

    team = with_db(demo_db, lambda db: q.units(db).query("kind == 'team'").iloc[0])
    team_krs = with_db(demo_db, lambda db: q.key_results(db, cycle_id, int(team["id"])))
    assert 0 < len(team_krs) < len(krs)
    at.selectbox(key=UNIT_KEY).set_value(int(team["id"]))
    ok(at.run())
    shown = table(at)
    assert len(shown) == len(team_krs)
    assert sorted(shown["Key result"]) == sorted(team_krs["title"])
    assert set(shown["Unit"]) == {team["name"]}
    assert f"**{len(team_krs)} of {len(krs)}** key results shown" in count_line(at)


def test_search_for_a_word_only_in_a_check_in_note_finds_its_key_result(demo_db):
    def premise(db):
        cycle_id = q.default_cycle_id(db)
        texts = " ".join(
            list(q.objectives(db, cycle_id)["title"])
            + list(q.objectives(db, cycle_id)["description"])
            + list(q.key_results(db, cycle_id)["title"])
        ).lower()
        history = q.checkin_history(db, cycle_id)
        return texts, set(history[history["note"].str.lower().str.contains("postmortem")]["kr_title"])

    texts, expected = with_db(demo_db, premise)
    assert "postmortem" not in texts and expected, "the word must occur in notes only"
    at = open_page()
    at.text_input(key=SEARCH_KEY).input("POSTMORTEM")
    ok(at.run())
    shown = table(at)
    assert set(shown["Key result"]) == expected
    assert all("Check-in note" in m for m in shown["Matched in"])
    assert all("postmortem" in m.lower() for m in shown["Match"])
    assert "“POSTMORTEM”" in count_line(at)


def test_filters_narrow_the_list(demo_db):
    cycle_id = with_db(demo_db, q.default_cycle_id)
    rows = with_db(demo_db, lambda db: s.rows(db, cycle_id))
    at = open_page()
    total = len(table(at))

    status = rows["status"].value_counts().idxmin()  # a status some, not all, key results have
    at.pills(key=STATUS_KEY).set_value([status])
    ok(at.run())
    by_status = table(at)
    assert len(by_status) == int((rows["status"] == status).sum()) < total

    at.multiselect(key=TYPE_KEY).set_value(["increase"])
    ok(at.run())
    expected = s.select(rows, s.Filters(statuses=(status,), kr_types=("increase",)))
    assert len(table(at)) == len(expected) if len(expected) else not at.dataframe

    at.pills(key=STATUS_KEY).set_value([])
    at.multiselect(key=TYPE_KEY).set_value([])
    owner = int(rows["owner_id"].dropna().iloc[0])
    at.selectbox(key=OWNER_KEY).set_value(owner)
    ok(at.run())
    expected = s.select(rows, s.Filters(owner_id=owner))
    assert 0 < len(table(at)) == len(expected) < total

    at.selectbox(key=OWNER_KEY).set_value(None)
    at.segmented_control(key=KIND_KEY).set_value(["aspirational"])
    ok(at.run())
    expected = s.select(rows, s.Filters(kinds=("aspirational",)))
    assert len(expected) and len(table(at)) == len(expected) < total
    assert set(table(at)["Kind"]) == {"Aspirational"}


def test_an_empty_result_says_what_to_change_and_all_cycles_widens(demo_db):
    def closed_only_word(db):
        cycles = q.cycles(db)
        closed = int(cycles[cycles["state"] == "closed"]["id"].iloc[0])
        current = q.default_cycle_id(db)
        return next(
            word
            for title in q.key_results(db, closed)["title"]
            for word in title.split()
            if len(word) > 6 and s.search(db, current, s.Filters(text=word)).empty
        )

    word = with_db(demo_db, closed_only_word)
    rows = with_db(demo_db, lambda db: s.rows(db, None))
    at = open_page()
    at.text_input(key=SEARCH_KEY).input("zzqx-nowhere")
    at.segmented_control(key=KIND_KEY).set_value(["committed"])
    ok(at.run())
    assert not at.dataframe and not at.get("download_button")
    infos = [i.value for i in at.info if "No key result" in i.value]
    assert len(infos) == 1
    assert "fewer or other words" in infos[0] and "remove a filter" in infos[0] and "All cycles" in infos[0]

    # A word found only in another cycle: the message says so, and All cycles finds it.
    at.segmented_control(key=KIND_KEY).set_value([])
    at.text_input(key=SEARCH_KEY).input(word)
    ok(at.run())
    assert any("of other cycles: turn on All cycles" in i.value for i in at.info)
    at.toggle(key=ALL_CYCLES_KEY).set_value(True)
    ok(at.run())
    shown = table(at)
    assert len(shown) >= 1 and "Cycle" in shown.columns

    # All cycles and no search: every row of every cycle.
    at.text_input(key=SEARCH_KEY).input("")
    ok(at.run())
    shown = table(at)
    assert len(shown) == len(rows)
    assert set(shown["Cycle"]) == set(rows["cycle_name"])
    assert "all cycles" in count_line(at)


DEFERRED: dict[str, tuple] = {}
"""Download buttons' deferred files of the running test: file id → (callable, mimetype, filename)."""


@pytest.fixture
def downloads(monkeypatch):
    """Every file a download button handed to Streamlit in this test: (bytes, mimetype, filename).

    The list's CSV is built when the button is clicked: :func:`click_download` does what the
    browser's click does, and the file lands here too."""
    seen = []
    original = MemoryMediaFileStorage.load_and_get_id
    original_deferred = MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, kind, filename=None):
        seen.append((path_or_data, mimetype, filename))
        return original(self, path_or_data, mimetype, kind, filename)

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original_deferred(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)
        DEFERRED[file_id] = (data_callable, mimetype, file_name)
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    DEFERRED.clear()
    yield seen
    DEFERRED.clear()


def click_download(at: AppTest, seen: list) -> None:
    """Ask for the download button's file, as a click in the browser does (the file is built then)."""
    buttons = at.get("download_button")
    assert len(buttons) == 1
    file_id = buttons[0].proto.deferred_file_id
    assert file_id in DEFERRED, "the CSV is built on click, not at every rerun"
    build, mimetype, filename = DEFERRED[file_id]
    content = build()
    seen.append((content.encode("utf-8") if isinstance(content, str) else content, mimetype, filename))


def test_the_download_is_okrdatas_csv_of_the_rows_shown(demo_db, downloads):
    cycle_id = with_db(demo_db, q.default_cycle_id)
    at = open_page()
    assert len(at.get("download_button")) == 1
    assert not downloads, "nothing is built before the click"
    click_download(at, downloads)
    expected = with_db(demo_db, lambda db: s.export_csv(s.search(db, cycle_id), with_cycle=False))
    name = with_db(demo_db, lambda db: q.cycle(db, cycle_id)["name"])
    assert downloads[-1] == (expected.encode("utf-8"), "text/csv", f"okrs-{name.lower().replace(' ', '-')}.csv")

    at.text_input(key=SEARCH_KEY).input("customers")
    at.pills(key=STATUS_KEY).set_value(["at_risk", "off_track"])
    ok(at.run())
    click_download(at, downloads)
    filters = s.Filters(text="customers", statuses=("at_risk", "off_track"))
    shown = with_db(demo_db, lambda db: s.search(db, cycle_id, filters))
    assert len(shown) == len(table(at)) > 0
    expected = s.export_csv(shown, with_cycle=False, with_matches=True)
    assert downloads[-1][0] == expected.encode("utf-8")
    header = expected.splitlines()[0]
    assert header.startswith("Objective ID,Objective,Unit") and "Matched in" in header


def test_a_long_list_draws_the_first_rows_says_so_and_the_csv_holds_them_all(large_db, downloads):
    rows = with_db(large_db, lambda db: s.rows(db, None))
    assert len(rows) > LIST_LIMIT
    at = open_page()
    at.toggle(key=ALL_CYCLES_KEY).set_value(True)
    ok(at.run())
    shown = table(at)
    assert len(shown) == LIST_LIMIT
    assert list(shown["Key result"]) == [
        "(no key results yet)" if pd.isna(k) else t
        for k, t in zip(rows["kr_id"][:LIST_LIMIT], rows["title"][:LIST_LIMIT])
    ]
    notes = [c.value for c in at.caption if "The table shows the first" in c.value]
    assert notes == [
        f":material/filter_list: The table shows the first {LIST_LIMIT:,} of these {len(rows):,} rows: narrow "
        f"them with the search, the filters or a unit in the sidebar. The CSV download holds all {len(rows):,}."
    ]
    counts = s.counts(rows)  # the count line still covers every row
    assert f"**{counts['key_results']} of {counts['key_results']}** key results shown" in count_line(at)
    click_download(at, downloads)
    assert downloads[-1][0] == s.export_csv(rows, with_cycle=True).encode("utf-8")
    assert len(downloads[-1][0].decode("utf-8").splitlines()) == len(rows) + 1

    # Narrowed below the bound: every row, and no note.
    at.toggle(key=ALL_CYCLES_KEY).set_value(False)
    ok(at.run())
    cycle_rows = with_db(large_db, lambda db: s.rows(db, q.default_cycle_id(db)))
    assert len(table(at)) == len(cycle_rows) <= LIST_LIMIT
    assert not [c for c in at.caption if "The table shows the first" in c.value]


def test_filters_survive_a_visit_to_an_objective(demo_db):
    at = open_page()
    at.text_input(key=SEARCH_KEY).input("postmortem")
    ok(at.run())
    shown = table(at)
    at.query_params["objective"] = str(
        with_db(demo_db, lambda db: q.objectives(db, q.default_cycle_id(db)))["objective_id"].iloc[0]
    )
    ok(at.run())
    assert not [d for d in at.dataframe if "Objective" in d.value.columns]
    del at.query_params["objective"]
    ok(at.run())
    assert at.text_input(key=SEARCH_KEY).value == "postmortem"
    assert len(table(at)) == len(shown)


# --- one objective ------------------------------------------------------------------------


def detail_facts(path):
    """An aligned objective of the current cycle with check-ins on each key result, and its data."""

    def pick(db):
        cycle_id = q.default_cycle_id(db)
        objs = q.objectives(db, cycle_id)
        krs = q.key_results(db, cycle_id)
        history = q.checkin_history(db, cycle_id)
        for r in objs.to_dict("records"):
            mine = krs[krs["objective_id"] == r["objective_id"]]
            if pd.isna(r["parent_objective_id"]) or len(mine) < 2:
                continue
            if not mine["checkin_count"].gt(0).all():
                continue
            oid = int(r["objective_id"])
            if s.alignment_down(db, oid).empty:
                continue
            return {
                "objective": r,
                "krs": mine,
                "history": history[history["kr_id"].isin(mine["kr_id"])],
                "up": s.alignment_up(db, oid),
                "down": s.alignment_down(db, oid),
            }
        raise AssertionError("the demo has an aligned objective with checked-in key results")

    return with_db(path, pick)


def test_objective_link_shows_its_page(demo_db):
    f = detail_facts(demo_db)
    obj = f["objective"]
    at = open_page({"objective": str(int(obj["objective_id"]))})
    assert not at.warning
    assert [h.value for h in at.header] == [escape_markdown(obj["title"])]
    assert f"Key results ({len(f['krs'])})" in [x.value for x in at.subheader]
    # One history chart per key result: the check-ins as a line with the target drawn in.
    charts = at.get("vega_lite_chart")
    assert len(charts) == len(f["krs"])
    for chart, kr in zip(charts, f["krs"].sort_values("kr_id").to_dict("records")):
        spec = json.loads(chart.proto.spec)
        marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
        assert "line" in marks and "rule" in marks
        checkins = [d for d in chart_data(chart) if "Confidence" in d.columns]
        assert len(checkins) == 1 and len(checkins[0]) == kr["checkin_count"]
        assert sorted(checkins[0]["Value"]) == sorted(f["history"][f["history"]["kr_id"] == kr["kr_id"]]["value"])
    # The notes of each key result, newest first.
    notes = [d.value for d in at.dataframe if "Note" in d.value.columns]
    assert len(notes) == len(f["krs"])
    for table_, kr_id in zip(notes, sorted(f["krs"]["kr_id"])):
        mine = f["history"][f["history"]["kr_id"] == kr_id].sort_values(["checkin_date", "checkin_id"], ascending=False)
        assert list(table_["Note"]) == list(mine["note"].fillna(""))
        assert list(table_["Confidence"]) == [f"{int(c)}/10" for c in mine["confidence"]]
    # Alignment: links up to the company objective and down to those aligned to it, and back to the list.
    targets = [{k: v[-1] for k, v in parse_qs(link.proto.query_string).items()} for link in at.get("page_link")]
    assert len(targets) == 1 + len(f["up"]) + len(f["down"])
    assert "objective" not in targets[0], "first, a link back to the list"
    objective_links = [int(t["objective"]) for t in targets[1:]]
    assert objective_links == list(f["up"]["objective_id"]) + list(f["down"]["objective_id"])
    assert all(t["cycle"] == str(int(obj["cycle_id"])) for t in targets[1:])
    # The figures are okrdata's.
    shown = {m.label: m.value for m in at.metric}
    assert shown["Progress"] == badges.pct(obj["progress"])
    assert shown["Pace"] == badges.pace(obj["progress"], obj["expected"])
    assert shown["Forecast"] == badges.pct(obj["forecast_score"])  # a percentage among percentages
    assert shown["Key results"] == str(len(f["krs"]))
    assert any(badges.markdown(obj["status"]) in m.value for m in at.markdown)


def test_closed_cycle_objective_shows_its_score(demo_db):
    def closed_objective(db):
        cycles = q.cycles(db)
        closed = int(cycles[cycles["state"] == "closed"]["id"].iloc[0])
        return q.objectives(db, closed).iloc[0]

    obj = with_db(demo_db, closed_objective)
    at = open_page({"objective": str(int(obj["objective_id"]))})
    shown = {m.label: m.value for m in at.metric}
    assert shown["Score"] == badges.score(obj["score"])
    assert any("belongs to" in c.value for c in at.caption)


def test_a_score_shows_two_decimals_beside_its_band(demo_db):
    # 0.67 is yellow; with one decimal the page said "0.7", a green number.
    def score_067(db):
        cycles = q.cycles(db)
        closed = int(cycles[cycles["state"] == "closed"]["id"].iloc[0])
        oid = int(q.objectives(db, closed).iloc[0]["objective_id"])
        db.execute("UPDATE objectives SET score = 0.67 WHERE id = ?", [oid])
        db.conn.commit()
        return oid

    oid = with_db(demo_db, score_067)
    at = open_page({"objective": str(oid)})
    shown = {m.label: m.value for m in at.metric}
    assert shown["Score"] == "0.67 · yellow"


FORGED = ["abc", "999999", "-1", "1.5", "<script>alert(1)</script>", "**bold**", ""]


def test_a_forged_or_archived_objective_id_warns_and_shows_the_list(demo_db):
    def archive(db):
        objs = q.objectives(db, q.default_cycle_id(db))
        below = set(objs["parent_objective_id"].dropna().astype(int))
        leaf = int(objs[~objs["objective_id"].isin(below)]["objective_id"].iloc[0])
        w.update_objective(db, leaf, state="archived", person=w.SYSTEM, version=w.version_of(db, "objectives", leaf))
        return leaf

    archived = with_db(demo_db, archive)
    at = open_page()
    for raw in FORGED + [str(archived)]:
        at.query_params["objective"] = raw
        ok(at.run())
        warnings = [x.value for x in at.warning]
        assert len(warnings) == 1 and "does not exist" in warnings[0], raw
        assert "<script>" not in warnings[0] and "**bold**" not in warnings[0]
        assert len(table(at)) > 0
        # The warning goes with the bad link: the next rerun is clean.
        assert "objective" not in at.query_params
        ok(at.run())
        assert not at.warning


def test_titles_and_notes_render_as_text(demo_db):
    title = "**Bold** [link](https://evil.test) <b>tag</b> :red[alert] $x^2$ R&amp;D # not a heading"

    def add(db):
        cycle_id = q.default_cycle_id(db)
        root = int(q.units(db)["id"].iloc[0])
        oid = w.add_objective(db, cycle_id, root, title, description="*why* <i>it</i> matters", person=w.SYSTEM)
        kr = w.add_key_result(db, oid, "Grow _this_ from 1 to 2", "increase", 1, 2, "`x`", person=w.SYSTEM)
        w.add_checkin(
            db, kr, q.cycle(db, cycle_id)["start_date"], 1.5, 6, "A **note** with <script>x</script>", person=w.SYSTEM
        )
        return oid

    oid = with_db(demo_db, add)
    at = open_page({"objective": str(oid)})
    assert [h.value for h in at.header] == [escape_markdown(title)]
    # Every character Markdown or Streamlit would act on is escaped with a backslash.
    assert not re.search(r"(?<!\\)[*_\[\]()<>$&`#:~|!]", escape_markdown(title))
    assert [t.value for t in at.text] == ["*why* <i>it</i> matters"]
    # The coach's note about it (one key result only), beside it, with the title escaped.
    findings = with_db(
        demo_db, lambda db: s.objective_findings(quality.findings_frame(db, q.default_cycle_id(db)), oid)
    )
    assert "kr_count" in set(findings["rule"])
    callouts = [x.value for x in [*at.warning, *at.info] if x.icon == ":material/school:"]
    assert len(callouts) == len(findings)
    count_note = [c for c in callouts if "Key result count" in c]
    assert len(count_note) == 1 and escape_markdown(f"{title!r}") in count_note[0]
    notes = [d.value for d in at.dataframe if "Note" in d.value.columns]
    assert len(notes) == 1 and list(notes[0]["Note"]) == ["A **note** with <script>x</script>"]
    # In the list the title is a table cell, as written.
    del at.query_params["objective"]
    at.selectbox(key=UNIT_KEY).set_value(COMPANY)
    ok(at.run())
    assert title in set(table(at)["Objective"])


def test_the_cached_list_shows_a_write_by_anyone_at_the_next_rerun(demo_db):
    at = open_page()
    before = len(table(at))

    # Someone else (another session, the command line) adds a key result; no cache is cleared.
    def add(db):
        objective = int(q.objectives(db, q.default_cycle_id(db))["objective_id"].iloc[0])
        return w.add_key_result(
            db, objective, "Cut onboarding time from 10 to 5 days", "decrease", 10, 5, "days", person=w.SYSTEM
        )

    with_db(demo_db, add)
    ok(at.run())
    assert len(table(at)) == before + 1
    assert "Cut onboarding time from 10 to 5 days" in set(table(at)["Key result"])
    assert f"**{before + 1} of {before + 1}** key results shown" in count_line(at)


@pytest.mark.parametrize(
    "params, state",
    [({}, {}), ({"unit": "team"}, {}), ({}, {STATUS_KEY: ["on_track", "at_risk"]})],
    ids=["company", "team", "statuses"],
)
def test_after_a_checkin_the_list_shows_the_new_figures_as_a_cold_run_does(demo_db, params, state):
    def web_app(db):
        return int(q.units(db).set_index("name").loc["Web App", "id"])

    if params:
        params = {"unit": str(with_db(demo_db, web_app))}
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.query_params.update(params)
    ok(at.switch_page(PAGE).run())
    before = screen(at)

    def check_in(db):
        cycle = q.default_cycle_id(db)
        krs = q.key_results(db, cycle, int(params["unit"]) if params else None)
        kr = krs[krs["kr_type"] != "milestone"].sort_values("progress").iloc[0]
        w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), float(kr["target"]), 9, "Done", person=w.SYSTEM)
        return kr

    kr = with_db(demo_db, check_in)
    with data.builds() as built:
        ok(at.run())
    shown = table(at)
    rows = with_db(demo_db, lambda db: s.rows(db, q.default_cycle_id(db)))
    row = rows[rows["kr_id"] == kr["kr_id"]].iloc[0]
    mine = shown[shown["Key result"] == kr["title"]]
    if not state or row["status"] in state[STATUS_KEY]:
        assert round(float(mine["Progress"].iloc[0]), 6) == round(float(row["progress"]) * 100, 6)
    else:
        assert mine.empty
    # The changed key result's rows are made again, not the whole list; as a cold run shows it.
    assert {how for name, _, how in built if name in ("totals", "_listing")} == {"patched"}
    drawn = screen(at)
    assert drawn != before and drawn == cold_screen(PAGE, params, state=state)


def test_after_a_checkin_an_objectives_charts_are_refilled_and_show_it_as_a_cold_run_does(demo_db, monkeypatch):
    from ui import charts

    f = detail_facts(demo_db)
    params = {"objective": str(int(f["objective"]["objective_id"]))}
    at = open_page(params)
    before = screen(at)
    kr = f["krs"].sort_values("progress").iloc[0]
    confidence = int(
        f["history"][f["history"]["kr_id"] == kr["kr_id"]].sort_values("checkin_date")["confidence"].iloc[-1]
    )

    def check_in(db):
        # A step on, at the same confidence: the key result's status, and its chart's colour, stay.
        value = float(kr["value"] if pd.notna(kr["value"]) else kr["baseline"]) + 0.5
        w.add_checkin(db, int(kr["kr_id"]), dt.date.today(), value, confidence, "A step", person=w.SYSTEM)

    with_db(demo_db, check_in)
    built_by_altair = []
    spec = charts.spec
    with monkeypatch.context() as m:
        m.setattr(charts, "spec", lambda chart: built_by_altair.append(chart) or spec(chart))
        ok(at.run())
    assert built_by_altair == [], "each chart is its template refilled, not built again with Altair"
    checkins = [d for chart in at.get("vega_lite_chart") for d in chart_data(chart) if "Confidence" in d.columns]
    assert "A step" in set(pd.concat(checkins)["Note"])
    drawn = screen(at)
    assert drawn != before and drawn == cold_screen(PAGE, params)
