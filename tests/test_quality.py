"""The OKR coach flags each rule of DESIGN.md, and nothing on well-formed OKRs."""

import datetime as dt

import pytest

from okrdata import quality
from okrdata import writes as w
from okrdata.db import connect
from okrdata.schema import migrate


@pytest.fixture
def org():
    db = connect(":memory:")
    migrate(db)
    lead = w.add_person(db, "Lee Lead", "lee@example.com", "lead", person=w.SYSTEM)
    company = w.add_unit(db, "Acme", person=w.SYSTEM)
    team = w.add_unit(db, "Web team", company, lead, person=w.SYSTEM)
    cycle = w.add_cycle(db, "Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30), "active", person=w.SYSTEM)
    top = w.add_objective(db, cycle, company, "Delight customers", person=w.SYSTEM)
    w.add_key_result(db, top, "NPS from 20 to 40", "increase", 20, 40, person=w.SYSTEM)
    w.add_key_result(db, top, "Tickets from 300 to 150", "decrease", 300, 150, person=w.SYSTEM)
    sub = w.add_objective(db, cycle, team, "A faster site", parent_objective_id=top, person=w.SYSTEM)
    w.add_key_result(db, sub, "p95 from 800 to 400 ms", "decrease", 800, 400, owner_id=lead, person=w.SYSTEM)
    w.add_key_result(db, sub, "Uptime stays above 99.9%", "stay_above", None, 99.9, owner_id=lead, person=w.SYSTEM)
    return dict(db=db, cycle=cycle, company=company, team=team, top=top, sub=sub, lead=lead)


def rules(org, unit_id=None):
    return sorted(f.rule for f in quality.findings(org["db"], org["cycle"], unit_id))


def test_well_formed_okrs_have_no_findings(org):
    assert rules(org) == []


def test_more_than_three_objectives_for_a_unit(org):
    for i in range(3):
        o = w.add_objective(org["db"], org["cycle"], org["team"], f"Extra {i}", parent_objective_id=org["top"],
                            person=w.SYSTEM)
        w.add_key_result(org["db"], o, "a from 1 to 2", "increase", 1, 2, person=w.SYSTEM)
        w.add_key_result(org["db"], o, "b from 1 to 2", "increase", 1, 2, person=w.SYSTEM)
    found = [f for f in quality.findings(org["db"], org["cycle"]) if f.rule == "too_many_objectives"]
    assert len(found) == 1
    assert found[0].unit_id == org["team"]
    assert "4 objectives" in found[0].advice


@pytest.mark.parametrize("count, flagged", [(0, True), (1, True), (2, False), (5, False), (6, True)])
def test_key_result_count_per_objective(org, count, flagged):
    o = w.add_objective(org["db"], org["cycle"], org["team"], "Counted", parent_objective_id=org["top"],
                        person=w.SYSTEM)
    for i in range(count):
        w.add_key_result(org["db"], o, f"kr {i} from 0 to 1", "increase", 0, 1, person=w.SYSTEM)
    found = [f for f in quality.findings(org["db"], org["cycle"]) if f.rule == "kr_count"]
    assert [f.objective_id for f in found] == ([o] if flagged else [])


@pytest.mark.parametrize(
    "title, activity",
    [
        ("Launch the new pricing page", True),
        ("Implement SSO", True),
        ("Migrate billing to Stripe", True),
        ("Hold 5 customer workshops", True),
        ("Migrate customers from 10% to 80% on the new plan", False),
        ("Activation rate from 20% to 35%", False),
        ("Launches per week", False),
    ],
)
def test_key_result_reading_as_an_activity(title, activity):
    assert quality.reads_as_activity(title) is activity


def test_missing_baseline_or_target_is_flagged(org):
    db = org["db"]
    kr = w.add_key_result(db, org["sub"], "Conversion from 2% to 3%", "increase", 2, 3, person=w.SYSTEM)
    db["key_results"].update(kr, {"baseline": None})  # as an import of old data might leave it
    found = [f for f in quality.findings(db, org["cycle"]) if f.rule == "missing_goal"]
    assert [f.kr_id for f in found] == [kr]
    assert "no baseline" in found[0].advice


def test_team_objective_aligned_to_nothing(org):
    orphan = w.add_objective(org["db"], org["cycle"], org["team"], "Our own thing", person=w.SYSTEM)
    found = [f for f in quality.findings(org["db"], org["cycle"]) if f.rule == "unaligned"]
    assert [f.objective_id for f in found] == [orphan]


def test_one_owner_with_too_many_key_results(org):
    for i in range(4):
        w.add_key_result(org["db"], org["top"], f"Metric {i} from 0 to 10", "increase", 0, 10, owner_id=org["lead"],
                         person=w.SYSTEM)
    found = [f for f in quality.findings(org["db"], org["cycle"]) if f.rule == "owner_overload"]
    assert len(found) == 1 and "Lee Lead owns 6" in found[0].advice


def test_organisation_past_fifty_key_results(org):
    for i in range(47):
        w.add_key_result(org["db"], org["top"], f"Metric {i} from 0 to 10", "increase", 0, 10, person=w.SYSTEM)
    assert "too_many_krs" in rules(org)


def test_findings_for_a_unit_keep_only_its_branch(org):
    w.add_objective(org["db"], org["cycle"], org["company"], "Company thing", person=w.SYSTEM)  # 0 key results
    assert "kr_count" in rules(org)
    assert "kr_count" not in rules(org, org["team"])


def test_findings_frame_has_readable_rule_titles(org):
    w.add_objective(org["db"], org["cycle"], org["team"], "Our own thing", person=w.SYSTEM)
    frame = quality.findings_frame(org["db"], org["cycle"])
    assert set(frame["rule_title"]) == {"Not aligned", "Key result count"}
