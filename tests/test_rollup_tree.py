"""Roll-ups over a deep unit tree: each unit's figures are its whole branch's (DESIGN.md, "The
numbers"), with weights (zero included), archived units that still own objectives, objectives
without key results and units without objectives; and the chart's colours and status mixes
(:func:`okrdata.attention.unit_bands`) tell the same branches."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from okrdata import attention, wording
from okrdata import numbers as n
from okrdata import queries as q
from okrdata import writes as w
from okrdata.db import connect
from okrdata.schema import migrate

TODAY = dt.date(2026, 5, 20)
START = dt.date(2026, 4, 1)
END = dt.date(2026, 6, 30)  # 90 days; on TODAY 49 have passed
EXPECTED = 49 / 90


def _archive(db, unit_id):
    # Straight to the row: the figures must hold however a unit came to be archived.
    db.execute("UPDATE units SET archived = 1 WHERE id = ?", [unit_id])
    db.conn.commit()


def _kr(db, objective, title, target, value, confidence, day, weight=1, kr_type="increase", baseline=0):
    kr = w.add_key_result(db, objective, title, kr_type, baseline, target, weight=weight, person=w.SYSTEM)
    w.add_checkin(db, kr, day, value, confidence, person=w.SYSTEM)
    return kr


@pytest.fixture
def tree():
    """Acme
    ├── Engineering
    │   ├── Web (Make the site fast, weight 3: 0.75 × 3 and a stale 0.5 × 1)
    │   ├── Mobile, archived (Ship the app: 0.4)
    │   ├── Old, archived, no objectives
    │   └── Infra
    │       └── SRE (Uptime, weight 0: 1.0; On-call, no key results: 0)
    ├── Sales (Sell more, weight 2, no key results: 0)
    ├── Legal (no objectives)
    ├── Labs (two objectives of weight 0: 1.0 and 0)
    └── Ops, archived
        └── Support (Answer faster: 0.2, off track)
    plus Acme's own Grow the business (weight 2: 0.45), and a second cycle's objective in Web."""
    db = connect(":memory:")
    migrate(db)
    u = {}
    u["acme"] = w.add_unit(db, "Acme", person=w.SYSTEM)
    u["eng"] = w.add_unit(db, "Engineering", u["acme"], person=w.SYSTEM)
    u["web"] = w.add_unit(db, "Web", u["eng"], person=w.SYSTEM)
    u["mobile"] = w.add_unit(db, "Mobile", u["eng"], person=w.SYSTEM)
    u["old"] = w.add_unit(db, "Old", u["eng"], person=w.SYSTEM)
    u["infra"] = w.add_unit(db, "Infra", u["eng"], person=w.SYSTEM)
    u["sre"] = w.add_unit(db, "SRE", u["infra"], person=w.SYSTEM)
    u["sales"] = w.add_unit(db, "Sales", u["acme"], person=w.SYSTEM)
    u["legal"] = w.add_unit(db, "Legal", u["acme"], person=w.SYSTEM)
    u["labs"] = w.add_unit(db, "Labs", u["acme"], person=w.SYSTEM)
    u["ops"] = w.add_unit(db, "Ops", u["acme"], person=w.SYSTEM)
    u["support"] = w.add_unit(db, "Support", u["ops"], person=w.SYSTEM)
    cycle = w.add_cycle(db, "2026 Q2", START, END, "active", person=w.SYSTEM)
    earlier = w.add_cycle(db, "2026 Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "active", person=w.SYSTEM)
    o = {}
    o["grow"] = w.add_objective(db, cycle, u["acme"], "Grow the business", weight=2, person=w.SYSTEM)
    _kr(db, o["grow"], "Users from 100 to 300", 300, 190, 7, dt.date(2026, 5, 14), baseline=100)  # 0.45
    o["fast"] = w.add_objective(db, cycle, u["web"], "Make the site fast", weight=3, person=w.SYSTEM)
    _kr(db, o["fast"], "p95 from 800 to 400", 400, 500, 5, dt.date(2026, 5, 18), 3, "decrease", 800)  # 0.75
    sso = w.add_key_result(db, o["fast"], "Single sign-on", "milestone", person=w.SYSTEM)
    w.add_checkin(db, sso, dt.date(2026, 5, 1), 0.5, 6, person=w.SYSTEM)  # 19 days ago: stale
    o["app"] = w.add_objective(db, cycle, u["mobile"], "Ship the app", person=w.SYSTEM)
    _kr(db, o["app"], "Sign-ups to 100", 100, 40, 8, dt.date(2026, 5, 19))  # 0.4
    o["uptime"] = w.add_objective(db, cycle, u["sre"], "Uptime", weight=0, person=w.SYSTEM)
    _kr(db, o["uptime"], "Nines to 10", 10, 10, 9, dt.date(2026, 5, 19))  # 1.0
    o["oncall"] = w.add_objective(db, cycle, u["sre"], "On-call", person=w.SYSTEM)
    o["sell"] = w.add_objective(db, cycle, u["sales"], "Sell more", weight=2, person=w.SYSTEM)
    o["lab1"] = w.add_objective(db, cycle, u["labs"], "Try things", weight=0, person=w.SYSTEM)
    _kr(db, o["lab1"], "Experiments to 4", 4, 4, 9, dt.date(2026, 5, 19))  # 1.0
    o["lab2"] = w.add_objective(db, cycle, u["labs"], "Write it up", weight=0, person=w.SYSTEM)
    o["help"] = w.add_objective(db, cycle, u["support"], "Answer faster", person=w.SYSTEM)
    _kr(db, o["help"], "Answered to 50", 50, 10, 2, dt.date(2026, 5, 19))  # 0.2, off track
    o["before"] = w.add_objective(db, earlier, u["web"], "Last quarter's", weight=5, person=w.SYSTEM)
    _kr(db, o["before"], "Done to 1", 1, 1, 9, dt.date(2026, 3, 1))
    for name in ("mobile", "old", "ops"):
        _archive(db, u[name])
    return dict(db=db, cycle=cycle, units=u, objectives=o)


# (objective_count, progress, status) of each unit's whole branch, worked out by hand.
BRANCHES = {
    "web": (1, 0.6875, n.STALE),
    "mobile": (1, 0.4, n.ON_TRACK),
    "sre": (2, 0.0, n.STALE),  # the weight-0 objective does not count while another has weight
    "infra": (2, 0.0, n.STALE),
    "eng": (4, (3 * 0.6875 + 0.4 + 0.0) / 5, n.STALE),
    "sales": (1, 0.0, n.STALE),
    "legal": (0, 0.0, n.STALE),
    "labs": (2, 0.5, n.STALE),  # no objective has weight: the plain mean
    "support": (1, 0.2, n.OFF_TRACK),
    "ops": (1, 0.2, n.OFF_TRACK),
    "acme": (9, (2 * 0.45 + 3 * 0.6875 + 0.4 + 0.2) / 10, n.OFF_TRACK),
}


def test_each_unit_rolls_up_its_whole_branch(tree):
    progress = q.unit_progress(tree["db"], tree["cycle"], TODAY)
    by_id = progress.set_index("unit_id")
    u = tree["units"]
    assert u["old"] not in set(progress["unit_id"])  # archived and nothing in the cycle: no row
    assert len(progress) == len(BRANCHES)
    for name, (count, value, status) in BRANCHES.items():
        row = by_id.loc[u[name]]
        assert (row["objective_count"], row["status"]) == (count, status), name
        assert row["progress"] == pytest.approx(value), name
        assert row["expected"] == pytest.approx(EXPECTED)
        assert row["pace"] == pytest.approx(value - EXPECTED), name
    assert by_id.loc[u["acme"], "progress"] == pytest.approx(
        q.cycle_summary(tree["db"], tree["cycle"], today=TODAY)["progress"]
    )
    # In outline order, with the tree's own columns.
    assert list(progress["unit_id"]) == [i for i in q.units(tree["db"], include_archived=True)["id"] if i != u["old"]]
    assert by_id.loc[u["sre"], "depth"] == 3 and by_id.loc[u["sre"], "kind"] == "team"


def test_some_units_rows_are_the_rows_of_the_whole_list(tree):
    db, u = tree["db"], tree["units"]
    objs = q.objectives(db, tree["cycle"], today=TODAY)
    whole = q.unit_progress(db, tree["cycle"], TODAY, objs=objs)
    for some in ([u["sre"], u["infra"], u["eng"], u["acme"]], [u["legal"]], [u["ops"], u["old"]]):
        part = q.unit_progress(db, tree["cycle"], TODAY, objs=objs, unit_ids=some)
        pd.testing.assert_frame_equal(part, whole[whole["unit_id"].isin(some)].reset_index(drop=True))
    none = q.unit_progress(db, tree["cycle"], TODAY, objs=objs, unit_ids=[])
    assert none.empty and list(none.columns) == list(whole.columns)


def test_a_cycle_without_objectives_leaves_every_active_unit_stale_at_zero(tree):
    db = tree["db"]
    empty = w.add_cycle(db, "2026 Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "planning", person=w.SYSTEM)
    progress = q.unit_progress(db, empty, TODAY)
    assert set(progress["unit_id"]) == set(q.units(db)["id"])  # archived units have no row
    assert (progress["objective_count"] == 0).all() and (progress["progress"] == 0).all()
    assert (progress["status"] == n.STALE).all()


def _branch(db, unit_id):
    return set(q.subtree_ids(db, unit_id))


@pytest.mark.parametrize("closed", [False, True])
def test_each_bar_tells_its_whole_branch(tree, closed):
    db, u = tree["db"], tree["units"]
    if closed:
        db.execute("UPDATE cycles SET state = 'closed' WHERE id = ?", [tree["cycle"]])
        db.execute("UPDATE objectives SET score = 0.9 WHERE id = ?", [tree["objectives"]["fast"]])
        db.conn.commit()
    krs = q.key_results(db, tree["cycle"], today=TODAY)
    objs = q.objectives(db, tree["cycle"], today=TODAY, krs=krs)
    progress = q.unit_progress(db, tree["cycle"], TODAY, objs=objs)
    banded = attention.unit_bands(progress, progress, krs, objs, closed)
    assert list(banded["unit_id"]) == list(progress["unit_id"])
    for row in banded.to_dict("records"):
        branch = _branch(db, row["unit_id"])
        mine = krs[krs["unit_id"].isin(branch)]
        assert row["mix"] == wording.status_line(mine["status"].value_counts().to_dict()), row["name"]
        theirs = objs[objs["unit_id"].isin(branch)]
        if closed:
            scores = pd.to_numeric(theirs["score"]).fillna(theirs["progress"])
            score = n.weighted_mean(list(scores), list(theirs["weight"])) if len(theirs) else np.nan
            assert row["score"] == pytest.approx(score, nan_ok=True), row["name"]
            if np.isnan(score):
                assert wording.missing(row["band"]), row["name"]  # nothing scored: no colour
            else:
                assert row["band"] == n.score_colour(score), row["name"]
        else:
            assert np.isnan(row["score"])
            assert row["band"] == wording.pace_band(row["progress"], row["expected"])
            assert row["band_label"] == wording.PACE_BAND_LABELS[row["band"]]
    if closed:
        acme = banded.set_index("unit_id").loc[u["acme"], "score"]
        # Fast's recorded 0.9; the others unscored at close take their progress, rounded.
        assert acme == pytest.approx((2 * 0.45 + 3 * 0.9 + 0.4 + 0.2) / 10)
    else:
        assert banded.set_index("unit_id").loc[u["legal"], "mix"] == "On track 0 · At risk 0 · Off track 0 · Stale 0"
        assert banded.set_index("unit_id").loc[u["acme"], "mix"] == "On track 4 · At risk 1 · Off track 1 · Stale 1"


def test_a_slice_of_the_bars_is_banded_as_in_the_whole_chart(tree):
    db = tree["db"]
    krs = q.key_results(db, tree["cycle"], today=TODAY)
    objs = q.objectives(db, tree["cycle"], today=TODAY, krs=krs)
    progress = q.unit_progress(db, tree["cycle"], TODAY, objs=objs)
    whole = attention.unit_bands(progress, progress, krs, objs, False)
    shown = attention.chart_units(progress, tree["units"]["eng"])
    assert len(shown) > 1
    part = attention.unit_bands(shown, progress, krs, objs, False)
    pd.testing.assert_frame_equal(part, whole.loc[shown.index])


def test_branch_pairs_walk_each_row_up_its_own_chain():
    # 1 at the top; 2 and 4 below it; 3 below 2; 5 its own parent; 9 not in the tree.
    rows, units = n.branch_pairs([1, 2, 3, 4, 5], [None, 1, 2, 1, 5], [3, 1, 4, 5, 9, 3])
    assert list(zip(rows.tolist(), units.tolist())) == [
        (0, 3), (0, 2), (0, 1), (1, 1), (2, 4), (2, 1), (3, 5), (4, 9), (5, 3), (5, 2), (5, 1)
    ]  # fmt: skip
    rows, units = n.branch_pairs([1, 2, 3], [3, 1, 2], [2])  # a tree that loops stops before coming round
    assert units.tolist() == [2, 1, 3]
    assert n.branch_pairs([1], [None], [])[0].size == 0
