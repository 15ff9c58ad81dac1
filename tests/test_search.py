"""okrdata.search: the All OKRs list (rows, text search, filters, CSV) and one objective's queries.

Most tests run on the hand-built ``org`` of conftest (Acme: company → Product → Platform,
"2026 Q1" active with four key results, "2026 Q2" planning with one objective and no key
result); the last ones check the same functions on the demo organisation.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from db_copies import copy_db

from okrdata import quality, writes
from okrdata import queries as q
from okrdata import search as s

TODAY = dt.date(2026, 2, 15)


def ids(frame: pd.DataFrame) -> set[int]:
    """The key result ids among some rows."""
    return {int(k) for k in frame["kr_id"] if not pd.isna(k)}


def found(db, text: str, cycle_id=None, **filters) -> pd.DataFrame:
    return s.search(db, cycle_id, s.Filters(text=text, **filters), TODAY)


# --- words and patterns -------------------------------------------------------------------


def test_words_split_on_white_space_and_drop_repeats():
    assert s.words("  API   latency api\tLatency ") == ["API", "latency"]
    assert s.words("") == [] and s.words(None) == []
    assert s.words('"quoted" 50% a_b') == ['"quoted"', "50%", "a_b"]
    assert len(s.words(" ".join(f"w{i}" for i in range(40)))) == s.MAX_WORDS


@pytest.mark.parametrize(
    "word, pattern",
    [("abc", "%abc%"), ("50%", "%50\\%%"), ("a_b", "%a\\_b%"), ("back\\slash", "%back\\\\slash%"), ("'\"", "%'\"%")],
)
def test_like_pattern_makes_every_character_literal(word, pattern):
    assert s.like_pattern(word) == pattern


def test_filters_know_whether_they_narrow():
    assert not s.Filters().active
    assert not s.Filters(text="   ").active
    assert s.Filters(text="x").active and s.Filters(kinds=("committed",)).active
    assert s.Filters(text="a b a").words == ("a", "b")


# --- rows ---------------------------------------------------------------------------------


def test_rows_are_one_per_key_result_with_the_objective(db, org):
    rows = s.rows(db, org.cycle, TODAY)
    assert list(rows.columns) == s.ROW_COLUMNS
    assert ids(rows) == {org.kr_increase, org.kr_decrease, org.kr_milestone, org.kr_stay_above}
    assert len(rows) == 4
    # Company first (the unit outline), then Product, then Platform.
    assert list(rows["objective_id"]) == [org.company_obj, org.product_obj, org.platform_obj, org.platform_obj]
    increase = rows[rows["kr_id"] == org.kr_increase].iloc[0]
    assert increase["objective_title"] == "Make the API fast and safe"
    assert increase["unit_name"] == "Platform" and increase["cycle_name"] == "2026 Q1"
    assert increase["objective_owner_id"] == org.lead
    assert increase["progress"] == pytest.approx(0.2)  # 20 of 0 → 100
    assert increase["value"] == 20 and increase["target"] == 100 and increase["unit_label"] == "%"
    assert increase["confidence"] == 7 and increase["last_checkin_date"] == "2026-01-15"
    # The figures are okrdata.queries', row for row.
    krs = q.key_results(db, org.cycle, None, TODAY).set_index("kr_id")
    for r in rows.to_dict("records"):
        assert r["progress"] == pytest.approx(krs.at[r["kr_id"], "progress"])
        assert r["status"] == krs.at[r["kr_id"], "status"]


def test_an_objective_without_key_results_gets_a_row_of_its_own(db, org):
    rows = s.rows(db, org.next_cycle, TODAY)
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["objective_id"] == org.next_company_obj and pd.isna(row["kr_id"])
    assert row["status"] == "stale" and row["progress"] == 0
    assert s.counts(rows) == {"key_results": 0, "objectives": 1}


def test_rows_of_all_cycles_come_newest_cycle_first(db, org):
    rows = s.rows(db, None, TODAY)
    assert len(rows) == 5
    assert list(rows["cycle_name"]) == ["2026 Q2"] + ["2026 Q1"] * 4
    assert s.counts(rows) == {"key_results": 4, "objectives": 4}


def test_rows_of_an_unknown_cycle_are_empty(db, org):
    rows = s.rows(db, 999, TODAY)
    assert rows.empty and list(rows.columns) == s.ROW_COLUMNS


# --- text search --------------------------------------------------------------------------


def test_a_word_in_a_key_result_title(db, org):
    hits = found(db, "latency", org.cycle)
    assert ids(hits) == {org.kr_decrease}
    assert hits.iloc[0]["matched_in"] == "Key result"


def test_a_word_in_the_objective_title_finds_all_its_key_results(db, org):
    hits = found(db, "API", org.cycle)
    assert ids(hits) == {org.kr_increase, org.kr_decrease}
    assert set(hits["matched_in"]) == {"Objective"}


def test_case_does_not_matter(db, org):
    assert ids(found(db, "LATENCY", org.cycle)) == ids(found(db, "Latency", org.cycle)) == {org.kr_decrease}


def test_every_word_is_required_but_may_sit_in_different_fields(db, org):
    assert ids(found(db, "API latency", org.cycle)) == {org.kr_decrease}
    # "fast" is in the objective's title, "latency" in the key result's.
    hits = found(db, "fast latency", org.cycle)
    assert ids(hits) == {org.kr_decrease}
    assert hits.iloc[0]["matched_in"] == "Objective, Key result"
    assert found(db, "API nowhere", org.cycle).empty


def test_a_word_in_a_check_in_note_finds_its_key_result(db, org):
    hits = found(db, "good", org.cycle)
    assert ids(hits) == {org.kr_increase}
    assert hits.iloc[0]["matched_in"] == "Check-in note"
    assert hits.iloc[0]["snippet"] == "Good start"


def test_the_snippet_is_the_newest_matching_note(db, org):
    writes.add_checkin(
        db, org.kr_increase, "2026-01-22", 30, 7, "Good week, the flaky suite is fixed", person=writes.SYSTEM
    )
    writes.add_checkin(db, org.kr_increase, "2026-01-29", 35, 7, "Quiet week", person=writes.SYSTEM)
    hits = found(db, "good", org.cycle)
    assert hits.iloc[0]["snippet"] == "Good week, the flaky suite is fixed"


def test_a_long_note_is_cut_around_the_match(db, org):
    note = "Lorem ipsum " * 20 + "the needle sits here " + "dolor sit amet " * 20
    writes.add_checkin(db, org.kr_decrease, "2026-01-20", 700, 6, note, person=writes.SYSTEM)
    snippet = found(db, "needle", org.cycle).iloc[0]["snippet"]
    assert "the needle sits here" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < len(note) / 2


def test_a_deleted_check_in_is_not_searched(db, org):
    writes.delete_checkin(db, org.checkin, person=writes.SYSTEM, version=writes.version_of(db, "checkins", org.checkin))
    assert found(db, "good", org.cycle).empty


def test_a_word_in_the_description(db, org):
    writes.update_objective(
        db,
        org.platform_obj,
        description="Customers wait for the dashboard to load",
        person=writes.SYSTEM,
        version=writes.version_of(db, "objectives", org.platform_obj),
    )
    hits = found(db, "dashboard", org.cycle)
    assert ids(hits) == {org.kr_increase, org.kr_decrease}
    assert set(hits["matched_in"]) == {"Why"}
    assert set(hits["snippet"]) == {"Customers wait for the dashboard to load"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("%", {"kr_increase", "kr_stay_above", "kr_special"}),  # a literal percent sign, not "anything"
        ("50%", {"kr_special"}),
        ("_", {"kr_special"}),  # a literal underscore, not "any one character"
        ("p_5", set()),  # would match "p95" if _ were a wildcard
        ("of_modules", {"kr_special"}),
        ('"quoted"', {"kr_special"}),
        ("it's", {"kr_special"}),
        ("back\\slash", {"kr_special"}),
        ("ÜBERWEISUNG", {"kr_special"}),  # case-insensitive beyond ASCII
        ("überweisung", {"kr_special"}),
    ],
)
def test_special_characters_are_literal(db, org, text, expected):
    writes.add_checkin(
        db,
        org.kr_milestone,
        "2026-01-20",
        0.5,
        6,
        'Half done: 50% of_modules, "quoted" it\'s back\\slash, Überweisung erledigt',
        person=writes.SYSTEM,
    )
    names = {"kr_increase": org.kr_increase, "kr_stay_above": org.kr_stay_above, "kr_special": org.kr_milestone}
    assert ids(found(db, text, org.cycle)) == {names[n] for n in expected}


def test_search_is_bounded_by_the_cycle_or_spans_all(db, org):
    assert found(db, "market", org.cycle).empty
    hits = found(db, "market", None)
    assert len(hits) == 1 and hits.iloc[0]["objective_id"] == org.next_company_obj
    assert pd.isna(hits.iloc[0]["kr_id"]) and hits.iloc[0]["matched_in"] == "Objective"


def test_text_matches_respect_the_unit_branch(db, org):
    branch = q.subtree_ids(db, org.product)
    matches = s.text_matches(db, "%", [org.cycle], branch)
    assert set(matches["kr_id"].dropna().astype(int)) == {org.kr_increase}
    assert s.text_matches(db, "   ", [org.cycle]).empty


# --- filters ------------------------------------------------------------------------------


def test_unit_filter_takes_the_whole_branch(db, org):
    assert ids(found(db, "", org.cycle, unit_id=org.product)) == {org.kr_milestone, org.kr_increase, org.kr_decrease}
    assert ids(found(db, "", org.cycle, unit_id=org.platform)) == {org.kr_increase, org.kr_decrease}
    assert found(db, "", org.cycle, unit_id=org.sales).empty


def test_owner_filter_takes_owned_key_results_and_owned_objectives(db, org):
    # Lee leads the platform objective; Ada owns the company objective and now one key result.
    writes.update_key_result(
        db,
        org.kr_milestone,
        owner_id=org.admin,
        person=writes.SYSTEM,
        version=writes.version_of(db, "key_results", org.kr_milestone),
    )
    assert ids(found(db, "", org.cycle, owner_id=org.lead)) == {org.kr_increase, org.kr_decrease}
    assert ids(found(db, "", org.cycle, owner_id=org.admin)) == {org.kr_stay_above, org.kr_milestone}
    assert found(db, "", org.cycle, owner_id=org.viewer).empty
    owners = s.owners(s.rows(db, org.cycle, TODAY))
    assert owners == {org.admin: "Ada Admin", org.lead: "Lee Lead"}


def test_status_kind_and_type_filters(db, org):
    rows = s.rows(db, org.cycle, TODAY)
    statuses = dict(zip(rows["kr_id"].astype(int), rows["status"]))
    assert statuses
    for status in set(statuses.values()):
        assert ids(found(db, "", org.cycle, statuses=(status,))) == {k for k, v in statuses.items() if v == status}
    assert ids(found(db, "", org.cycle, kr_types=("decrease", "milestone"))) == {org.kr_decrease, org.kr_milestone}
    writes.update_objective(
        db,
        org.product_obj,
        kind="aspirational",
        person=writes.SYSTEM,
        version=writes.version_of(db, "objectives", org.product_obj),
    )
    assert ids(found(db, "", org.cycle, kinds=("aspirational",))) == {org.kr_milestone}
    assert len(found(db, "", org.cycle, kinds=("committed", "aspirational"))) == 4


def test_filters_combine(db, org):
    hits = found(db, "API", org.cycle, unit_id=org.product, owner_id=org.lead, kr_types=("increase",))
    assert ids(hits) == {org.kr_increase}
    assert found(db, "API", org.cycle, unit_id=org.product, kr_types=("milestone",)).empty


def test_a_type_filter_leaves_out_objectives_without_key_results(db, org):
    assert len(found(db, "", None)) == 5
    assert len(found(db, "", None, kr_types=("increase",))) == 1
    lonely = found(db, "", None, statuses=("stale",))
    assert org.next_company_obj in set(lonely["objective_id"])


# --- CSV export ---------------------------------------------------------------------------


def parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_holds_exactly_the_rows_with_readable_headers_and_plain_numbers(db, org):
    shown = found(db, "API", org.cycle)
    text = s.export_csv(shown)
    records = parse(text)
    assert list(records[0]) == [
        "Cycle",
        "Objective ID",
        "Objective",
        "Unit",
        "Objective owner",
        "Kind",
        "Key result ID",
        "Key result",
        "Type",
        "Key result owner",
        "Status",
        "Progress",
        "Pace",
        "Baseline",
        "Current",
        "Target",
        "Unit label",
        "Confidence",
        "Last check-in",
    ]
    assert [int(r["Key result ID"]) for r in records] == [int(k) for k in shown["kr_id"]]
    increase = next(r for r in records if int(r["Key result ID"]) == org.kr_increase)
    assert increase == {
        "Cycle": "2026 Q1",
        "Objective ID": str(org.platform_obj),
        "Objective": "Make the API fast and safe",
        "Unit": "Platform",
        "Objective owner": "Lee Lead",
        "Kind": "Committed",
        "Key result ID": str(org.kr_increase),
        "Key result": "Test coverage from 0 to 100 %",
        "Type": "Increase to",
        "Key result owner": "",
        "Status": increase["Status"],
        "Progress": "0.2",
        "Pace": increase["Pace"],
        "Baseline": "0.0",
        "Current": "20.0",
        "Target": "100.0",
        "Unit label": "%",
        "Confidence": "7",
        "Last check-in": "2026-01-15",
    }
    assert increase["Status"] in ("On track", "Stale")
    assert float(increase["Pace"]) == pytest.approx(round(shown.set_index("kr_id").at[org.kr_increase, "pace"], 4))
    # No value yet: empty cells, not "—" or "nan".
    decrease = next(r for r in records if int(r["Key result ID"]) == org.kr_decrease)
    assert decrease["Current"] == "" and decrease["Confidence"] == "" and decrease["Last check-in"] == ""


def test_csv_columns_follow_what_is_shown(db, org):
    shown = found(db, "good", org.cycle)
    plain = parse(s.export_csv(shown, with_cycle=False))
    assert "Cycle" not in plain[0] and "Matched in" not in plain[0]
    searched = parse(s.export_csv(shown, with_cycle=True, with_matches=True))
    assert searched[0]["Matched in"] == "Check-in note" and searched[0]["Match"] == "Good start"


def test_csv_of_an_objective_without_key_results_and_of_nothing(db, org):
    records = parse(s.export_csv(s.rows(db, org.next_cycle, TODAY)))
    assert len(records) == 1
    assert records[0]["Objective"] == "Grow into a second market"
    assert records[0]["Key result ID"] == "" and records[0]["Key result"] == ""
    empty = s.export_csv(found(db, "nothing matches this", org.cycle))
    assert empty.strip().split(",")[0] == "Cycle" and len(empty.strip().splitlines()) == 1


def test_csv_keeps_text_as_written(db, org):
    writes.update_objective(
        db,
        org.platform_obj,
        title='Make the "API", fast; =safe',
        person=writes.SYSTEM,
        version=writes.version_of(db, "objectives", org.platform_obj),
    )
    records = parse(s.export_csv(found(db, "latency", org.cycle)))
    assert records[0]["Objective"] == 'Make the "API", fast; =safe'


# --- one objective ------------------------------------------------------------------------


def test_objective_finds_its_cycle_from_the_id(db, org):
    obj = s.objective(db, org.next_company_obj)
    assert obj["cycle_id"] == org.next_cycle and obj["cycle_name"] == "2026 Q2"
    assert obj["cycle_state"] == "planning" and obj["unit_name"] == "Acme"
    platform = s.objective(db, str(org.platform_obj))
    assert platform["parent_title"] == "Ship a platform customers can rely on"
    assert platform["owner_name"] == "Lee Lead" and platform["cycle_start"] == "2026-01-01"


@pytest.mark.parametrize("raw", ["abc", "999999", "-1", "0", "1.5", "", " ", None, "1e3", "١", "<script>", "9" * 40])
def test_objective_of_a_forged_id_is_none(db, org, raw):
    assert s.objective(db, raw) is None


def test_an_archived_objective_is_gone_unless_asked_for(db, org):
    writes.update_objective(
        db,
        org.platform_obj,
        state="archived",
        person=writes.SYSTEM,
        version=writes.version_of(db, "objectives", org.platform_obj),
    )
    assert s.objective(db, org.platform_obj) is None
    assert s.objective(db, org.platform_obj, include_archived=True)["state"] == "archived"


def test_alignment_up_runs_to_the_company_objective(db, org):
    up = s.alignment_up(db, org.platform_obj)
    assert list(up["objective_id"]) == [org.company_obj, org.product_obj]
    assert list(up["depth"]) == [2, 1]
    assert list(up["unit_name"]) == ["Acme", "Product"]
    assert s.alignment_up(db, org.company_obj).empty
    assert list(s.alignment_up(db, org.company_obj).columns) == s.CHAIN_COLUMNS


def test_alignment_down_is_the_tree_below(db, org):
    down = s.alignment_down(db, org.company_obj)
    assert list(down["objective_id"]) == [org.product_obj, org.platform_obj]
    assert list(down["depth"]) == [1, 2]
    assert list(s.alignment_down(db, org.product_obj)["objective_id"]) == [org.platform_obj]
    assert s.alignment_down(db, org.platform_obj).empty


def test_alignment_through_a_key_result(db, org):
    mobile_obj = writes.add_objective(
        db, org.cycle, org.mobile, "An app people keep", parent_kr_id=org.kr_milestone, person=writes.SYSTEM
    )
    assert s.objective(db, mobile_obj)["parent_kr_title"] == "Status page live for every region"
    assert list(s.alignment_up(db, mobile_obj)["objective_id"]) == [org.company_obj, org.product_obj]
    down = s.alignment_down(db, org.company_obj)
    # Depth first: Product, then each objective aligned to it, in id order.
    assert list(down["objective_id"]) == [org.product_obj, org.platform_obj, mobile_obj]
    assert list(down["depth"]) == [1, 2, 2]
    assert down.set_index("objective_id").at[mobile_obj, "parent_kr_title"] == "Status page live for every region"


def test_alignment_down_leaves_out_archived_objectives(db, org):
    writes.update_objective(
        db,
        org.platform_obj,
        state="archived",
        person=writes.SYSTEM,
        version=writes.version_of(db, "objectives", org.platform_obj),
    )
    assert list(s.alignment_down(db, org.company_obj)["objective_id"]) == [org.product_obj]


def test_objective_findings_are_those_about_it_or_its_key_results(db, org):
    findings = quality.findings_frame(db, org.cycle)
    mine = s.objective_findings(findings, org.product_obj, [org.kr_milestone])
    assert len(mine) >= 1
    assert "kr_count" in set(mine["rule"])  # one key result only
    assert all(o == org.product_obj or k == org.kr_milestone for o, k in zip(mine["objective_id"], mine["kr_id"]))
    others = findings[(findings["objective_id"] != org.product_obj) & (findings["kr_id"] != org.kr_milestone)]
    assert len(mine) + len(others) == len(findings)
    assert s.objective_findings(findings.iloc[0:0], org.product_obj).empty


def test_kr_guides():
    start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    assert s.kr_guides("increase", 0, 100, start, end) == {"target": 100.0, "pace": [(start, 0.0), (end, 100.0)]}
    assert s.kr_guides("decrease", 800, 200, "2026-01-01", "2026-03-31") == {
        "target": 200.0,
        "pace": [(start, 800.0), (end, 200.0)],
    }
    assert s.kr_guides("stay_above", None, 99.9, start, end) == {"target": 99.9, "pace": None}
    assert s.kr_guides("milestone", None, None, start, end) == {"target": 1.0, "pace": [(start, 0.0), (end, 1.0)]}
    assert s.kr_guides("increase", None, 100, start, end) == {"target": 100.0, "pace": None}


def test_kr_notes_newest_first(db, org):
    writes.add_checkin(db, org.kr_increase, "2026-01-29", 35, 6, "Later", person=writes.SYSTEM)
    writes.add_checkin(db, org.kr_increase, "2026-01-22", 30, 7, "Middle", person=writes.SYSTEM)
    history = q.checkin_history(db, org.cycle)
    notes = s.kr_notes(history, org.kr_increase)
    assert list(notes["note"]) == ["Later", "Middle", "Good start"]
    assert list(notes.columns) == ["checkin_date", "author_name", "value", "confidence", "note"]
    assert s.kr_notes(history, org.kr_decrease).empty


@pytest.mark.parametrize(
    "raw, value", [("12", 12), (" 7 ", 7), (["3", "4"], 4), ("abc", None), ("-2", None), (True, None)]
)
def test_as_id(raw, value):
    assert s.as_id(raw) == value


# --- the demo -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory):
    """This module's copy of the demo (conftest's ``demo_template``)."""
    from okrdata.db import connect

    database = connect(copy_db(demo_template, tmp_path_factory.mktemp("search-demo") / "okr.db"))
    yield database
    database.close()


def test_demo_rows_match_the_queries(demo):
    cycle_id = q.default_cycle_id(demo)
    rows = s.rows(demo, cycle_id)
    krs = q.key_results(demo, cycle_id)
    assert s.counts(rows)["key_results"] == len(krs)
    assert s.counts(rows)["objectives"] == len(q.objectives(demo, cycle_id))
    for unit_id in [int(i) for i in q.units(demo)["id"]][1:]:
        branch = q.subtree_ids(demo, unit_id)
        shown = s.select(rows, s.Filters(unit_id=unit_id), branch)
        expected = krs[krs["unit_id"].isin(branch)]
        assert ids(shown) == set(expected["kr_id"].astype(int))


def test_demo_search_in_check_in_notes(demo):
    cycle_id = q.default_cycle_id(demo)
    history = q.checkin_history(demo, cycle_id)
    expected = set(history[history["note"].str.lower().str.contains("postmortem")]["kr_id"].astype(int))
    assert expected, "the demo's notes mention a postmortem"
    hits = s.search(demo, cycle_id, s.Filters(text="Postmortem"))
    assert ids(hits) == expected
    assert all("Check-in note" in m for m in hits["matched_in"])
    assert all("postmortem" in snippet.lower() for snippet in hits["snippet"])


def test_demo_every_aligned_objective_reaches_a_company_objective(demo):
    root = int(q.units(demo)["id"].iloc[0])
    assert len(q.cycles(demo)) >= 2
    for cycle_id in q.cycles(demo)["id"]:
        objs = q.objectives(demo, int(cycle_id))
        for r in objs.to_dict("records"):
            up = s.alignment_up(demo, r["objective_id"])
            if pd.isna(r["parent_objective_id"]):
                assert up.empty
                continue
            assert int(up.iloc[-1]["objective_id"]) == int(r["parent_objective_id"])
            assert int(up.iloc[0]["unit_id"]) == root
            assert (up["cycle_id"] == int(cycle_id)).all()
            # And it is in the tree below each objective above it.
            for above in up["objective_id"]:
                assert r["objective_id"] in set(s.alignment_down(demo, int(above))["objective_id"])
