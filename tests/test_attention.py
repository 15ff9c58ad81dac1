"""The Overview's selections: which key results need attention, and which units get a bar."""

import pandas as pd
import pytest

from okrdata import attention


def kr(kr_id, status, pace=0.0, divergence=None, trending=False, confidence=7.0, days=2.0, forecast=None):
    return dict(kr_id=kr_id, status=status, pace=pace, divergence=divergence, trending_off_track=trending,
                confidence=confidence, days_since_checkin=days, forecast_score=forecast, title=f"KR {kr_id}")


def test_on_track_key_results_with_nothing_odd_need_no_attention():
    krs = pd.DataFrame([kr(1, "on_track"), kr(2, "on_track", pace=0.1)])
    shown, total = attention.needing_attention(krs)
    assert total == 0 and shown.empty


def test_weakest_status_first_then_furthest_behind():
    krs = pd.DataFrame([
        kr(1, "at_risk", pace=-0.1, confidence=5),
        kr(2, "off_track", pace=-0.05, confidence=2),
        kr(3, "stale", pace=-0.3, confidence=8, days=21),
        kr(4, "at_risk", pace=-0.4, confidence=4),
        kr(5, "on_track", pace=-0.35, divergence="overconfident", confidence=8),
        kr(6, "on_track", pace=0.0, trending=True, forecast=0.31),
    ])
    shown, total = attention.needing_attention(krs)
    assert total == 6
    assert list(shown["kr_id"]) == [2, 3, 4, 1, 5, 6]
    reasons = dict(zip(shown["kr_id"], shown["reasons"]))
    assert reasons[2] == ["Off track (confidence 2/10)"]
    assert reasons[3] == ["No check-in for 21 days; last confidence 8/10"]
    assert reasons[5] == ["Confident while far behind pace"]
    assert reasons[6] == ["Trending off track (forecast score 0.31 · red)"]


def test_never_checked_in_says_so():
    krs = pd.DataFrame([kr(1, "stale", confidence=float("nan"), days=float("nan"))])
    shown, _ = attention.needing_attention(krs)
    assert shown["reasons"][0] == ["Never checked in"]


def test_a_silent_key_result_says_both_the_silence_and_its_last_confidence():
    krs = pd.DataFrame([kr(1, "stale", confidence=2, days=24), kr(2, "stale", confidence=9, days=1 + 10)])
    shown, _ = attention.needing_attention(krs)
    reasons = dict(zip(shown["kr_id"], shown["reasons"]))
    assert reasons[1] == ["No check-in for 24 days; last confidence 2/10"]
    assert reasons[2] == ["No check-in for 11 days; last confidence 9/10"]


def test_silence_outranks_an_old_off_track_in_the_queries_the_tiles_and_the_why():
    import datetime as dt

    from okrdata import queries as q
    from okrdata import writes as w
    from okrdata.db import connect
    from okrdata.schema import migrate

    db = connect(":memory:")
    migrate(db)
    unit = w.add_unit(db, "Acme", person=w.SYSTEM)
    cycle = w.add_cycle(db, "2026 Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "active", person=w.SYSTEM)
    obj = w.add_objective(db, cycle, unit, "Grow", person=w.SYSTEM)
    silent = w.add_key_result(db, obj, "Users from 0 to 100", "increase", 0, 100, person=w.SYSTEM)
    fresh = w.add_key_result(db, obj, "Deals from 0 to 10", "increase", 0, 10, person=w.SYSTEM)
    w.add_checkin(db, silent, dt.date(2026, 2, 1), 10, 2, "bad", person=w.SYSTEM)
    w.add_checkin(db, fresh, dt.date(2026, 2, 24), 1, 2, "bad too", person=w.SYSTEM)
    today = dt.date(2026, 2, 25)  # 24 days after the silent one's last check-in
    krs = q.key_results(db, cycle, today=today).set_index("kr_id")
    assert krs.loc[silent, "status"] == "stale"
    assert krs.loc[fresh, "status"] == "off_track"
    counts = q.cycle_summary(db, cycle, today=today)["status_counts"]
    assert (counts["stale"], counts["off_track"]) == (1, 1)
    shown, _ = attention.needing_attention(krs.reset_index())
    reasons = dict(zip(shown["kr_id"], shown["reasons"]))
    assert reasons[silent] == ["No check-in for 24 days; last confidence 2/10"]
    assert reasons[fresh] == ["Off track (confidence 2/10)"]


def test_the_list_is_bounded_but_counts_everything():
    krs = pd.DataFrame([kr(i, "at_risk", pace=-i / 100, confidence=5) for i in range(120)])
    shown, total = attention.needing_attention(krs, limit=50)
    assert total == 120 and len(shown) == 50
    assert shown["kr_id"].iloc[0] == 119  # furthest behind first


def units(rows):
    return pd.DataFrame(rows, columns=["unit_id", "name", "parent_id", "objective_count", "pace"])


TREE = units([
    (1, "Co", None, 10, 0.0),
    (2, "Eng", 1, 6, -0.1), (3, "Web", 2, 3, -0.2), (4, "Api", 2, 3, 0.0),
    (5, "Sales", 1, 4, 0.1), (6, "Field", 5, 4, 0.1), (7, "Empty", 5, 0, 0.0),
])


def test_chart_units_takes_the_whole_branch_when_it_fits():
    assert list(attention.chart_units(TREE, None)["name"]) == ["Co", "Eng", "Web", "Api", "Sales", "Field"]
    assert list(attention.chart_units(TREE, 2)["name"]) == ["Eng", "Web", "Api"]


def test_chart_units_stops_at_the_deepest_level_that_fits():
    assert list(attention.chart_units(TREE, None, limit=3)["name"]) == ["Co", "Eng", "Sales"]


def test_chart_units_keeps_the_weakest_when_even_one_level_is_too_many():
    wide = units([(1, "Co", None, 9, 0.0)] + [(i, f"T{i}", 1, 1, i / 100) for i in range(2, 12)])
    chosen = attention.chart_units(wide, None, limit=4)
    assert len(chosen) == 4
    assert set(chosen["name"]) == {"Co", "T2", "T3", "T4"}


@pytest.mark.parametrize("root", [None, 1])
def test_chart_units_of_an_empty_frame(root):
    assert attention.chart_units(TREE.iloc[0:0], root).empty
