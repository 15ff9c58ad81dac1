"""The Overview's selections: which key results need attention, and which units get a bar."""

import pandas as pd
import pytest

from okrdata import attention


def kr(kr_id, status, pace=0.0, divergence=None, trending=False, confidence=7.0, days=2.0, forecast=None):
    return dict(
        kr_id=kr_id,
        status=status,
        pace=pace,
        divergence=divergence,
        trending_off_track=trending,
        confidence=confidence,
        days_since_checkin=days,
        forecast_score=forecast,
        title=f"KR {kr_id}",
    )


def test_on_track_key_results_with_nothing_odd_need_no_attention():
    krs = pd.DataFrame([kr(1, "on_track"), kr(2, "on_track", pace=0.1)])
    shown, total = attention.needing_attention(krs)
    assert total == 0 and shown.empty


def test_weakest_status_first_then_furthest_behind():
    krs = pd.DataFrame(
        [
            kr(1, "at_risk", pace=-0.1, confidence=5),
            kr(2, "off_track", pace=-0.05, confidence=2),
            kr(3, "stale", pace=-0.3, confidence=8, days=21),
            kr(4, "at_risk", pace=-0.4, confidence=4),
            kr(5, "on_track", pace=-0.35, divergence="overconfident", confidence=8),
            kr(6, "on_track", pace=0.0, trending=True, forecast=0.31),
        ]
    )
    shown, total = attention.needing_attention(krs)
    assert total == 6
    assert list(shown["kr_id"]) == [2, 3, 4, 1, 5, 6]
    reasons = dict(zip(shown["kr_id"], shown["reasons"]))
    assert reasons[2] == ["Off track (confidence 2/10)"]
    assert reasons[3] == ["No check-in for 21 days; last confidence 8/10"]
    assert reasons[5] == ["Confident while far behind pace"]
    assert reasons[6] == ["Trending off track (forecast 31% by the end)"]


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
    assert reasons[fresh] == ["Off track (confidence 2/10 on 24 Feb 2026)"]


def test_the_list_is_bounded_but_counts_everything():
    krs = pd.DataFrame([kr(i, "at_risk", pace=-i / 100, confidence=5) for i in range(120)])
    shown, total = attention.needing_attention(krs, limit=50)
    assert total == 120 and len(shown) == 50
    assert shown["kr_id"].iloc[0] == 119  # furthest behind first


def test_equal_pace_lists_by_key_result_and_an_unknown_pace_comes_last_in_its_status():
    krs = pd.DataFrame(
        [
            kr(9, "at_risk", pace=-0.2, confidence=5),
            kr(4, "at_risk", pace=float("nan"), confidence=5),
            kr(7, "at_risk", pace=-0.2, confidence=5),
            kr(8, "on_track", pace=0.1),
            kr(3, "off_track", pace=0.2, confidence=1),
            kr(5, "at_risk", pace=-0.3, confidence=6),
        ],
        index=[10, 20, 30, 40, 50, 60],  # a filtered frame keeps its labels; the list does not
    )
    shown, total = attention.needing_attention(krs, limit=None)
    assert total == 5 and list(shown["kr_id"]) == [3, 5, 7, 9, 4]
    assert list(shown.index) == [0, 1, 2, 3, 4]
    assert list(attention.needing_attention(krs, limit=2)[0]["kr_id"]) == [3, 5]


def units(rows):
    return pd.DataFrame(rows, columns=["unit_id", "name", "parent_id", "objective_count", "pace"])


TREE = units(
    [
        (1, "Co", None, 10, 0.0),
        (2, "Eng", 1, 6, -0.1),
        (3, "Web", 2, 3, -0.2),
        (4, "Api", 2, 3, 0.0),
        (5, "Sales", 1, 4, 0.1),
        (6, "Field", 5, 4, 0.1),
        (7, "Empty", 5, 0, 0.0),
    ]
)


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


# --- why a status reads against its progress ---------------------------------------------------


def row(status, progress, expected, confidence=8.0, date="2026-12-03", **more):
    return dict(
        kr_id=1,
        status=status,
        progress=progress,
        expected=expected,
        confidence=confidence,
        last_checkin_date=date,
        days_since_checkin=2.0,
        divergence=None,
        trending_off_track=False,
        **more,
    )


@pytest.mark.parametrize(
    "status, progress, expected, why",
    [
        (
            "on_track",
            0.24,
            0.62,
            "On track by its last confidence, 8/10 on 3 Dec 2026, while 24% done and 38 points behind pace",
        ),
        (
            "on_track",
            0.504,
            0.615,
            "On track by its last confidence, 8/10 on 3 Dec 2026, while 50% done and 12 points behind pace",
        ),
        ("on_track", 0.504, 0.604, None),  # 10 points behind, as shown: on pace
        ("on_track", 0.9, 0.5, None),
        (
            "off_track",
            1.0,
            0.62,
            "Off track by its last confidence, 8/10 on 3 Dec 2026, while 100% done and 38 points ahead of pace",
        ),
        (
            "off_track",
            0.55,
            0.62,
            "Off track by its last confidence, 8/10 on 3 Dec 2026, while 55% done and 7 points behind pace",
        ),
        ("off_track", 0.3, 0.62, None),
        ("at_risk", 1.0, 0.62, None),  # a doubt, never a contradiction
        ("stale", 1.0, 0.62, None),  # silence: its reason says so
    ],
)
def test_a_status_that_reads_against_its_progress_says_what_it_rests_on(status, progress, expected, why):
    r = row(status, progress, expected)
    assert attention.contradiction(r) == why
    assert attention.contradicts(r) == (why is not None)


def test_the_basis_of_a_status_is_the_last_confidence_and_its_date():
    assert attention.status_basis(row("on_track", 0.2, 0.6)) == "confidence 8/10 on 3 Dec 2026"
    assert attention.status_basis(row("on_track", 0.2, 0.6, date=None)) == "confidence 8/10"
    assert attention.status_basis(row("stale", 0.2, 0.6, confidence=float("nan"))) is None
    assert (
        attention.status_reason(row("off_track", 0.2, 0.6, confidence=2)) == "Off track (confidence 2/10 on 3 Dec 2026)"
    )


def test_a_contradiction_is_among_the_reasons_of_a_listed_key_result():
    krs = pd.DataFrame([dict(row("off_track", 1.0, 0.62, confidence=2), pace=0.38, forecast_score=None)])
    shown, total = attention.needing_attention(krs)
    assert total == 1
    assert shown["reasons"][0] == [
        "Off track by its last confidence, 2/10 on 3 Dec 2026, while 100% done and 38 points ahead of pace",
    ]


def test_an_objective_names_the_key_result_its_contradicting_status_comes_from():
    objective = dict(objective_id=7, status="on_track", progress=0.24, expected=0.62)
    krs = pd.DataFrame(
        [
            dict(
                kr_id=1,
                objective_id=7,
                title="Teams from 1,200 to 2,000",
                status="on_track",
                confidence=9.0,
                last_checkin_date="2026-12-01",
            ),
            dict(
                kr_id=2,
                objective_id=7,
                title="NPS above 40",
                status="on_track",
                confidence=7.0,
                last_checkin_date="2026-12-03",
            ),
            dict(
                kr_id=3,
                objective_id=8,
                title="Elsewhere",
                status="on_track",
                confidence=7.0,
                last_checkin_date="2026-11-01",
            ),
        ]
    )
    assert attention.objective_basis(objective, krs) == "by “NPS above 40”, confidence 7/10 on 3 Dec 2026"
    assert attention.objective_contradiction(objective, krs) == (
        "On track by “NPS above 40”, confidence 7/10 on 3 Dec 2026, while 24% done and 38 points behind pace"
    )
    assert attention.objective_basis(dict(objective, progress=0.6), krs) is None


def test_many_objectives_say_what_their_status_rests_on_as_each_alone_would():
    def o(oid, status, progress):
        return dict(objective_id=oid, status=status, progress=progress, expected=0.62)

    objectives = pd.DataFrame(
        [
            o(9, "on_track", 0.2),
            o(7, "on_track", 0.24),
            o(8, "on_track", 0.6),
            o(5, "off_track", 0.9),
            o(6, "on_track", 0.1),
        ]
    )

    def k(kr_id, oid, status, confidence, day):
        return dict(kr_id=kr_id, objective_id=oid, title=f"KR {kr_id}", status=status, confidence=confidence,
                    last_checkin_date=day)  # fmt: skip

    krs = pd.DataFrame(
        [
            k(1, 7, "on_track", 8.0, "2026-12-03"),
            k(2, 7, "on_track", 8.0, "2026-12-01"),  # as confident, older: it sets the status
            k(3, 7, "at_risk", 5.0, "2026-11-01"),  # another status
            k(4, 9, "on_track", 7.0, "2026-12-02"),
            k(5, 9, "on_track", 7.0, "2026-12-02"),  # a tie to the day: the lower id
            k(6, 8, "on_track", 7.0, "2026-12-02"),  # objective 8 is on pace: nothing to say
            k(7, 5, "off_track", 2.0, "2026-12-04"),
            k(8, 6, "on_track", float("nan"), None),  # no confidence to rest on
        ]
    )
    bases = attention.objective_bases(objectives, krs)
    assert list(bases) == [9, 7, 5]
    assert bases[7] == "by “KR 2”, confidence 8/10 on 1 Dec 2026"
    assert bases[9] == "by “KR 4”, confidence 7/10 on 2 Dec 2026"
    assert bases[5] == "by “KR 7”, confidence 2/10 on 4 Dec 2026"
    for row in objectives.to_dict("records"):
        assert attention.objective_basis(row, krs) == bases.get(row["objective_id"])


def test_a_trend_off_track_names_the_value_it_heads_for():
    r = dict(forecast_value=1249.6, forecast_score=0.312, unit_label="users", kr_type="increase")
    assert attention.trend_reason(r) == "Trending off track: heading for 1,249.6 users (progress 31%) by the end"


# --- moved goalposts --------------------------------------------------------------------------


def changes(rows):
    return pd.DataFrame(rows, columns=["kr_id", "field", "before", "after", "changed_at"])


def test_goalpost_marks_name_the_latest_change_and_count_the_earlier_ones():
    marks = attention.goalpost_marks(
        changes(
            [
                (5, "target", 100.0, 120.0, "2026-11-03T09:00:00+00:00"),
                (5, "baseline", 10.0, 0.0, "2026-10-20T09:00:00+00:00"),
                (6, "kr_type", "increase", "stay_above", "2026-10-21T09:00:00+00:00"),
                (7, "target", 2_000_000.0, 2_500_000.5, "2026-10-22T09:00:00+00:00"),
            ]
        )
    )
    assert marks == {
        7: "Goalposts moved: target 2,000,000 → 2,500,000.5 on 22 Oct 2026",  # not "2e+06"
        5: "Goalposts moved: target 100 → 120 on 3 Nov 2026 (and 1 earlier change)",
        6: "Goalposts moved: type increase → stay above on 21 Oct 2026",
    }
    assert attention.goalpost_marks(changes([])) == {}


def test_listed_key_results_end_their_reasons_with_the_goalposts_mark():
    listed = pd.DataFrame({"kr_id": [5, 6], "reasons": [["At risk (confidence 5/10)"], ["Never checked in"]]})
    marked = attention.with_goalposts(listed, changes([(6, "target", 1.0, 2.0, "2026-11-03T09:00:00+00:00")]))
    assert list(marked["reasons"]) == [
        ["At risk (confidence 5/10)"],
        ["Never checked in", "Goalposts moved: target 1 → 2 on 3 Nov 2026"],
    ]


# --- how the units are coloured ------------------------------------------------------------------


def test_units_are_coloured_by_pace_with_their_status_mix():
    progress = pd.DataFrame(
        {
            "unit_id": [1, 2, 3],
            "name": ["Co", "Eng", "Web"],
            "parent_id": [None, 1, 2],
            "objective_count": [3, 2, 1],
            "progress": [0.55, 0.40, 0.30],
            "expected": [0.62] * 3,
        }
    )
    krs = pd.DataFrame({"unit_id": [1, 2, 3, 3], "status": ["on_track", "at_risk", "on_track", "off_track"]})
    objs = pd.DataFrame({"unit_id": [1, 2, 3], "score": [None] * 3, "progress": [0.8, 0.4, 0.3], "weight": [1.0] * 3})
    banded = attention.unit_bands(progress, progress, krs, objs, closed=False)
    assert list(banded["band_label"]) == ["On pace", "Behind", "Far behind"]  # −7, −22, −32 points
    assert list(banded["mix"]) == [
        "On track 2 · At risk 1 · Off track 1 · Stale 0",
        "On track 1 · At risk 1 · Off track 1 · Stale 0",
        "On track 1 · At risk 0 · Off track 1 · Stale 0",
    ]


def test_units_of_a_closed_cycle_are_coloured_by_their_score():
    progress = pd.DataFrame(
        {
            "unit_id": [1, 2],
            "name": ["Co", "Eng"],
            "parent_id": [None, 1],
            "objective_count": [2, 1],
            "progress": [0.5, 0.3],
            "expected": [1.0, 1.0],
        }
    )
    objs = pd.DataFrame({"unit_id": [1, 2], "score": [0.9, None], "progress": [0.9, 0.3], "weight": [1.0, 3.0]})
    banded = attention.unit_bands(progress, progress, pd.DataFrame(columns=["unit_id", "status"]), objs, closed=True)
    assert list(banded["score"]) == pytest.approx([(0.9 + 3 * 0.3) / 4, 0.3])
    assert list(banded["band_label"]) == ["Yellow (0.40 to 0.69)", "Red (below 0.40)"]
