"""okrdata.kpis: key results paired with the KPIs they are measured by, the divergence warning,
the thinned chart series and the counts, pinned by hand on small organisations and on the demo."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from db_copies import copy_db
from hypothesis import given, settings
from hypothesis import strategies as hs

from okrdata import kpis as K
from okrdata import queries as q
from okrdata import writes as w
from okrdata.db import connect
from okrdata.numbers import AT_RISK, OFF_TRACK, ON_TRACK, STALE

TODAY = dt.date(2026, 2, 10)  # inside the org fixture's cycle (2026 Q1)


# --- small figures -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, months, start",
    [
        (dt.date(2026, 11, 22), 6, dt.date(2026, 5, 22)),
        (dt.date(2026, 11, 22), 3, dt.date(2026, 8, 22)),
        (dt.date(2026, 1, 15), 12, dt.date(2025, 1, 15)),
        (dt.date(2026, 5, 31), 3, dt.date(2026, 2, 28)),  # clamped to February's length
        (dt.date(2024, 8, 31), 6, dt.date(2024, 2, 29)),  # a leap year
        (dt.date(2026, 3, 1), 0, dt.date(2026, 3, 1)),
    ],
)
def test_window_start_goes_back_calendar_months(today, months, start):
    assert K.window_start(today, months) == start


def test_window_start_refuses_a_negative_window():
    with pytest.raises(ValueError):
        K.window_start(dt.date(2026, 1, 1), -1)


@pytest.mark.parametrize(
    "since, frequency, late",
    [(21, 7, 14), (7, 7, 0), (3, 7, 0), (40, 31, 9), (None, 7, None), (float("nan"), 7, None)],
)
def test_days_late_counts_from_the_date_the_reading_was_due(since, frequency, late):
    assert K.days_late(since, frequency) == late


def test_summary_counts_each_health_state_and_the_overdue():
    frame = pd.DataFrame(
        {
            "health": ["healthy", "warning", "breached", "healthy", "no_data"],
            "overdue": [False, True, False, False, True],
        }
    )
    assert K.summary(frame) == {"kpis": 5, "breached": 1, "warning": 1, "no_data": 1, "healthy": 2, "overdue": 2}


def test_summary_of_no_kpis_is_all_zero():
    assert K.summary(pd.DataFrame(columns=q.KPI_COLUMNS)) == {
        "kpis": 0,
        "breached": 0,
        "warning": 0,
        "no_data": 0,
        "healthy": 0,
        "overdue": 0,
    }


# --- the divergence warning -----------------------------------------------------------------


@pytest.mark.parametrize(
    "status, progress, health, expected",
    [
        (ON_TRACK, 0.5, "warning", K.GOING_WELL),
        (ON_TRACK, 0.5, "breached", K.GOING_WELL),
        (ON_TRACK, 1.0, "warning", K.WON),
        (AT_RISK, 1.0, "breached", K.WON),  # past its target, whatever the confidence says
        (STALE, 1.0, "warning", K.WON),
        (ON_TRACK, 0.5, "healthy", None),
        (ON_TRACK, 1.0, "no_data", None),
        (AT_RISK, 0.6, "breached", None),
        (OFF_TRACK, 0.1, "warning", None),
        (STALE, 0.3, "breached", None),
    ],
)
def test_divergence_is_a_key_result_doing_well_while_its_kpi_is_in_trouble(status, progress, health, expected):
    found = K.divergence({"kr_id": 7, "status": status, "progress": progress}, {"kpi_id": 3, "health": health})
    if expected is None:
        assert found is None
    else:
        assert found == K.Divergence(kr_id=7, kpi_id=3, kr_state=expected, kpi_health=health)


# --- pairing on a small organisation --------------------------------------------------------


def frames(db, org, today=TODAY):
    return q.units(db), q.key_results(db, org.cycle, None, today), q.kpis(db, None, today)


def by_name(sections):
    return {s.name: s for s in sections}


def test_the_org_pairs_the_company_key_result_with_uptime(db, org):
    sections = K.sections(*frames(db, org))
    # Outline order; Sales and Mobile have neither key results nor KPIs.
    assert [s.name for s in sections] == ["Acme", "Product", "Platform"]
    acme, product, platform = sections
    assert len(acme.pairs) == 1
    pair = acme.pairs[0]
    assert pair.kpi["kpi_id"] == org.kpi and pair.kpi["name"] == "Uptime"
    assert [kr["kr_id"] for kr in pair.krs] == [org.kr_stay_above]
    assert pair.kpi_elsewhere is False
    assert pair.warnings == []  # no readings yet: the KPI has no data, nothing to warn about
    assert acme.krs == [] and acme.kpis == []
    assert [kr["kr_id"] for kr in product.krs] == [org.kr_milestone]
    assert [kr["kr_id"] for kr in platform.krs] == [org.kr_increase, org.kr_decrease]
    assert platform.pairs == [] and platform.kpis == []
    assert (acme.kr_count, acme.kpi_count, platform.kr_count, platform.kpi_count) == (1, 1, 2, 0)
    assert K.pair_counts(sections) == {"pairs": 1, "linked_krs": 1, "warnings": 0}


def test_a_won_key_result_whose_kpi_is_in_warning_is_flagged(db, org):
    w.add_kpi_reading(db, org.kpi, "2026-02-02", 99.97, person=w.SYSTEM)
    w.add_kpi_reading(db, org.kpi, "2026-02-09", 99.92, person=w.SYSTEM)  # under the 99.95 warning line, above 99.9
    w.add_checkin(db, org.kr_stay_above, "2026-02-09", 99.96, 8, person=w.SYSTEM)
    acme = K.sections(*frames(db, org))[0]
    pair = acme.pairs[0]
    assert pair.kpi["health"] == "warning"
    assert pair.warnings == [K.Divergence(org.kr_stay_above, org.kpi, K.WON, "warning")]
    assert acme.warnings == pair.warnings


def test_a_kpi_back_to_healthy_clears_the_warning(db, org):
    w.add_kpi_reading(db, org.kpi, "2026-02-02", 99.92, person=w.SYSTEM)
    w.add_kpi_reading(db, org.kpi, "2026-02-09", 99.99, person=w.SYSTEM)
    w.add_checkin(db, org.kr_stay_above, "2026-02-09", 99.96, 8, person=w.SYSTEM)
    assert K.sections(*frames(db, org))[0].pairs[0].warnings == []


def test_a_key_result_pairs_in_its_own_unit_even_with_another_units_kpi(db, org):
    latency = w.add_kpi(
        db, org.platform, "p95 latency", "stay_below", 400, warning=350, unit_label="ms", person=w.SYSTEM
    )
    errors = w.add_kpi(db, org.platform, "Error rate", "stay_below", 1, unit_label="%", person=w.SYSTEM)
    company_kr = w.add_key_result(
        db,
        org.company_obj,
        "Cut p95 latency from 500 to 300 ms",
        "decrease",
        500,
        300,
        "ms",
        kpi_id=latency,
        person=w.SYSTEM,
    )
    platform_kr = w.add_key_result(
        db, org.platform_obj, "Keep uptime above 99.9 %", "stay_above", None, 99.9, "%", kpi_id=org.kpi, person=w.SYSTEM
    )
    w.add_kpi_reading(db, latency, "2026-02-09", 420, person=w.SYSTEM)  # breached
    w.add_checkin(db, company_kr, "2026-02-09", 420, 8, person=w.SYSTEM)  # 40% there, confident: on track
    s = by_name(K.sections(*frames(db, org)))
    acme, platform = s["Acme"], s["Platform"]
    # Acme: its own KPI with its own key result, and Platform's latency KPI with Acme's key result.
    assert [(p.kpi["name"], [kr["kr_id"] for kr in p.krs], p.kpi_elsewhere) for p in acme.pairs] == [
        ("p95 latency", [company_kr], True),  # the pair with a warning comes first
        ("Uptime", [org.kr_stay_above], False),
    ]
    assert acme.pairs[0].warnings == [K.Divergence(company_kr, latency, K.GOING_WELL, "breached")]
    # Platform: the company's Uptime KPI beside Platform's key result; its own KPIs apart.
    assert [(p.kpi["name"], [kr["kr_id"] for kr in p.krs], p.kpi_elsewhere) for p in platform.pairs] == [
        ("Uptime", [platform_kr], True)
    ]
    assert [kr["kr_id"] for kr in platform.krs] == [org.kr_increase, org.kr_decrease]
    assert [k["name"] for k in platform.kpis] == ["p95 latency", "Error rate"]  # breached before no data
    assert [kr["kr_id"] for kr in platform.measured_elsewhere[latency]] == [company_kr]
    assert errors not in platform.measured_elsewhere
    assert K.pair_counts(s.values()) == {"pairs": 3, "linked_krs": 3, "warnings": 1}


def test_a_unit_with_kpis_but_no_key_results_still_has_a_section(db, org):
    w.add_kpi(db, org.sales, "Pipeline", "stay_above", 1_000_000, unit_label="EUR", person=w.SYSTEM)
    sales = by_name(K.sections(*frames(db, org)))["Sales"]
    assert sales.pairs == [] and sales.krs == [] and [k["name"] for k in sales.kpis] == ["Pipeline"]


def test_a_branch_shows_only_its_units_but_pairs_with_any_kpi(db, org):
    units, _, all_kpis = frames(db, org)
    branch = q.subtree_ids(db, org.platform)
    platform_kr = w.add_key_result(
        db, org.platform_obj, "Keep uptime above 99.9 %", "stay_above", None, 99.9, "%", kpi_id=org.kpi, person=w.SYSTEM
    )
    krs = q.key_results(db, org.cycle, org.platform, TODAY)
    sections = K.sections(units[units["id"].isin(branch)], krs, all_kpis)
    assert [s.name for s in sections] == ["Platform"]
    assert [(p.kpi["name"], [kr["kr_id"] for kr in p.krs]) for p in sections[0].pairs] == [("Uptime", [platform_kr])]


def test_a_key_result_linked_to_an_archived_kpi_is_listed_unlinked(db, org):
    w.archive_kpi(db, org.kpi, person=w.SYSTEM, version=w.version_of(db, "kpis", org.kpi))
    acme = K.sections(*frames(db, org))[0]
    assert acme.pairs == [] and [kr["kr_id"] for kr in acme.krs] == [org.kr_stay_above]


def test_no_rows_give_no_sections(memory_db):
    assert K.sections(q.units(memory_db), pd.DataFrame(columns=q.KR_COLUMNS), pd.DataFrame(columns=q.KPI_COLUMNS)) == []


# --- limiting a large page ------------------------------------------------------------------


def section(uid: int, pairs: int = 0, kpis: int = 0, krs: int = 0) -> K.UnitSection:
    kpi = lambda i: {"kpi_id": uid * 100 + i, "unit_id": uid, "name": f"K{i}", "health": "healthy"}  # noqa: E731
    kr = lambda i: {"kr_id": uid * 100 + i, "unit_id": uid, "kpi_id": None}  # noqa: E731
    return K.UnitSection(
        uid,
        f"U{uid}",
        f"U{uid}",
        1,
        "team",
        pairs=[K.Pair(kpi(i), [kr(50 + i)]) for i in range(pairs)],
        krs=[kr(i) for i in range(krs)],
        kpis=[kpi(50 + i) for i in range(kpis)],
    )


def test_limit_keeps_whole_sections_in_order_within_both_budgets():
    all_sections = [section(1, 1, 1), section(2, 0, 3), section(3, krs=4), section(4, 2, 2), section(5, 0, 1)]
    limited = K.limit(all_sections, max_units=3, max_charts=6)
    assert [s.unit_id for s in limited.sections] == [1, 2, 3]
    assert (limited.hidden_units, limited.hidden_kpis, limited.truncated) == (2, 5, True)
    limited = K.limit(all_sections, max_units=10, max_charts=6)
    assert [s.unit_id for s in limited.sections] == [1, 2, 3]  # unit 4's four charts do not fit
    assert (limited.hidden_units, limited.hidden_kpis) == (2, 5)
    limited = K.limit(all_sections, max_units=10, max_charts=100)
    assert [s.unit_id for s in limited.sections] == [1, 2, 3, 4, 5]
    assert not limited.truncated


def test_limit_cuts_a_first_section_too_big_on_its_own():
    big = section(1, pairs=3, kpis=8, krs=2)
    limited = K.limit([big, section(2, 0, 1)], max_units=5, max_charts=5)
    first = limited.sections[0]
    assert [len(first.pairs), len(first.kpis), first.hidden_kpis] == [3, 2, 6]
    assert (limited.hidden_units, limited.hidden_kpis) == (1, 7)
    assert len(big.kpis) == 8, "the sections passed in are left as they were"


def test_limit_moves_the_key_results_of_cut_pairs_to_the_others():
    big = section(1, pairs=4, krs=1)
    first = K.limit([big], max_charts=2).sections[0]
    assert len(first.pairs) == 2 and first.hidden_kpis == 2
    assert [kr["kr_id"] for kr in first.krs] == [100, 152, 153]
    assert first.kr_count == big.kr_count


# --- thinning the series --------------------------------------------------------------------


def readings(n: int, start: dt.date = dt.date(2025, 1, 1), step: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi_id": 1,
            "reading_date": [(start + dt.timedelta(days=i * step)).isoformat() for i in range(n)],
            "value": [float(i) for i in range(n)],
        }
    )


def test_few_readings_come_back_as_they_are():
    out = K.downsample(readings(200))
    assert list(out.columns) == K.SERIES_COLUMNS
    assert len(out) == 200
    assert list(out["value"]) == [float(i) for i in range(200)]
    assert set(out["readings"]) == {1}
    assert out["date"].iloc[-1] == pd.Timestamp("2025-07-19")


def test_a_year_of_daily_readings_becomes_weekly_means():
    out = K.downsample(readings(365))
    assert len(out) == 53  # 52 full weeks and one day
    assert list(out["value"][:2]) == [3.0, 10.0]  # days 0-6 and 7-13
    assert list(out["low"][:2]) == [0.0, 7.0] and list(out["high"][:2]) == [6.0, 13.0]
    assert list(out["readings"][:2]) == [7, 7]
    assert out["readings"].sum() == 365
    assert out["value"].iloc[-1] == 364.0
    assert out["date"].iloc[0] == pd.Timestamp("2025-01-07")  # dated by the bucket's last reading
    assert out["date"].iloc[-1] == pd.Timestamp("2025-12-31")  # so the last point is the latest reading


def test_buckets_widen_when_even_weeks_are_too_many():
    out = K.downsample(readings(3 * 365), max_points=50)  # three years: 157 weeks
    assert len(out) <= 50
    assert out["readings"].sum() == 3 * 365
    assert out["date"].iloc[-1] == pd.Timestamp(dt.date(2025, 1, 1) + dt.timedelta(days=3 * 365 - 1))


def test_readings_out_of_order_and_on_the_same_day_are_handled():
    frame = pd.DataFrame({"reading_date": ["2026-01-03", "2026-01-01", "2026-01-01"], "value": [3.0, 1.0, 2.0]})
    out = K.downsample(frame, max_points=2)
    assert list(out["value"]) == [2.0] and list(out["readings"]) == [3]
    out = K.downsample(frame)
    assert list(out["value"]) == [1.0, 2.0, 3.0]


def test_no_readings_give_an_empty_series():
    assert K.downsample(readings(0)).empty
    assert K.downsample(None).empty


@settings(max_examples=30, deadline=None)
@given(n=hs.integers(1, 800), step=hs.integers(1, 10), max_points=hs.integers(1, 300))
def test_a_series_never_exceeds_its_points_and_keeps_every_reading(n, step, max_points):
    out = K.downsample(readings(n, step=step), max_points)
    assert 1 <= len(out) <= max_points
    assert out["readings"].sum() == n
    assert out["date"].is_monotonic_increasing
    assert (out["low"] <= out["value"] + 1e-9).all() and (out["value"] <= out["high"] + 1e-9).all()


def test_series_splits_several_kpis_and_gives_an_empty_one_for_a_kpi_without_readings():
    frame = pd.concat([readings(400).assign(kpi_id=1), readings(5).assign(kpi_id=2)])
    out = K.series(frame, [1, 2, 3])
    assert sorted(out) == [1, 2, 3]
    assert len(out[1]) <= K.MAX_POINTS and out[1]["readings"].sum() == 400
    assert len(out[2]) == 5
    assert out[3].empty


# --- on the demo ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory):
    """A copy of the session's demo database (built once for these tests and the AppTests)."""
    db = connect(copy_db(demo_template, tmp_path_factory.mktemp("kpi-demo") / "okr.db"))
    yield db
    db.close()


def demo_sections(db, cycle_id=None, unit_id=None):
    cycle_id = cycle_id or q.default_cycle_id(db)
    units = q.units(db)
    if unit_id is not None:
        units = units[units["id"].isin(q.subtree_ids(db, unit_id))]
    return K.sections(units, q.key_results(db, cycle_id, unit_id), q.kpis(db))


def find_unit(db, name):
    units = q.units(db)
    return int(units[units["name"] == name]["id"].iloc[0])


def test_demo_summary(demo):
    kpis = q.kpis(demo)
    counts = K.summary(kpis)
    assert counts["kpis"] == len(kpis) == 11
    assert counts["healthy"] + counts["warning"] + counts["breached"] + counts["no_data"] == 11
    assert counts["overdue"] == 1
    overdue = kpis[kpis["overdue"]]
    assert list(overdue["name"]) == ["Qualified pipeline"]
    row = overdue.iloc[0]
    assert K.days_late(row["days_since_reading"], row["frequency_days"]) == row["days_since_reading"] - 7 > 0


def test_demo_trial_signups_won_while_conversion_slides(demo):
    growth = by_name(demo_sections(demo))["Growth"]
    pair = growth.pairs[0]  # the pair with a warning comes first
    assert pair.kpi["name"] == "Trial-to-paid conversion" and pair.kpi["health"] == "warning"
    titles = {kr["kr_id"]: kr["title"] for kr in pair.krs}
    assert "Grow weekly trial signups from 240 to 400" in titles.values()
    signups = next(i for i, t in titles.items() if t == "Grow weekly trial signups from 240 to 400")
    assert K.Divergence(signups, int(pair.kpi["kpi_id"]), K.WON, "warning") in pair.warnings


@pytest.mark.parametrize("which", ["current", "previous"])
def test_demo_every_key_result_shows_once_and_every_kpi_has_a_card(demo, which):
    cycles = q.cycles(demo)
    cycle_id = int(cycles["id"].iloc[0 if which == "current" else 1])
    sections = demo_sections(demo, cycle_id)
    krs = q.key_results(demo, cycle_id)
    shown = [kr["kr_id"] for s in sections for p in s.pairs for kr in p.krs] + [
        kr["kr_id"] for s in sections for kr in s.krs
    ]
    assert sorted(shown) == sorted(krs["kr_id"])
    assert sections and any(s.pairs for s in sections)
    for s in sections:
        for p in s.pairs:
            assert all(int(kr["kpi_id"]) == int(p.kpi["kpi_id"]) for kr in p.krs)
            assert all(int(kr["unit_id"]) == s.unit_id for kr in p.krs)
    carded = {(s.unit_id, int(p.kpi["kpi_id"])) for s in sections for p in s.pairs if not p.kpi_elsewhere}
    carded |= {(s.unit_id, int(k["kpi_id"])) for s in sections for k in s.kpis}
    assert carded == {(int(u), int(k)) for u, k in zip(q.kpis(demo)["unit_id"], q.kpis(demo)["kpi_id"])}
    linked = int(krs["kpi_id"].notna().sum())
    assert K.pair_counts(sections)["linked_krs"] == linked > 0


def test_demo_branch_of_a_team_and_a_department(demo):
    growth = find_unit(demo, "Growth")
    sections = demo_sections(demo, unit_id=growth)
    assert [s.name for s in sections] == ["Growth"]
    gtm = find_unit(demo, "Go-to-Market")
    names = [s.name for s in demo_sections(demo, unit_id=gtm)]
    assert names == ["Go-to-Market", "Growth", "Sales"]


def test_demo_series_stay_within_the_point_budget(demo):
    kpis = q.kpis(demo)
    since = K.window_start(dt.date.today(), 12)
    out = K.series(q.kpi_readings(demo, list(kpis["kpi_id"]), since), kpis["kpi_id"])
    assert len(out) == len(kpis)
    assert all(0 < len(s) <= K.MAX_POINTS for s in out.values())
    assert sum(len(s) for s in out.values()) > 0
