"""The alignment tree (okrdata.alignment): outline order and depth, a unit's branch with its
context, orphans, the picture's cap and the DOT text, on a hand-built organisation and on the demo.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from okrdata import alignment as al
from okrdata import queries as q
from okrdata import writes
from okrdata.db import connect
from okrdata.wording import STATUS_LABELS

TODAY = pd.Timestamp("2026-02-15").date()


@pytest.fixture
def tree_org(db, org):
    """The ``org`` fixture plus a Mobile objective aligned to a company key result and a Sales
    objective aligned to nothing (with characters that need escaping in its title)."""
    org.mobile_obj = writes.add_objective(
        db, org.cycle, org.mobile, "Crash-free rides", parent_kr_id=org.kr_stay_above, person=writes.SYSTEM
    )
    writes.add_key_result(
        db, org.mobile_obj, "Crash-free sessions from 97 to 99.5 %", "increase", 97, 99.5, "%", person=writes.SYSTEM
    )
    org.sales_obj = writes.add_objective(db, org.cycle, org.sales, 'Sell <more> & "better" deals', person=writes.SYSTEM)
    writes.add_key_result(db, org.sales_obj, "Win rate from 20 to 30 %", "increase", 20, 30, "%", person=writes.SYSTEM)
    return org


def frames(db, cycle):
    return q.objectives(db, cycle, None, TODAY), q.units(db)


def ids(df: pd.DataFrame) -> list[int]:
    return [int(i) for i in df["objective_id"]]


# --- the tree ---------------------------------------------------------------------------------


def test_tree_is_in_outline_order_with_depths(db, tree_org):
    o = tree_org
    objs, units = frames(db, o.cycle)
    tree = al.alignment_tree(objs, units)
    assert ids(tree) == [o.company_obj, o.product_obj, o.platform_obj, o.mobile_obj, o.sales_obj]
    assert list(tree["depth"]) == [0, 1, 2, 1, 0]
    assert list(tree["section"]) == [al.ALIGNED] * 4 + [al.ORPHAN]
    assert set(tree["role"]) == {al.BRANCH}
    assert list(tree["unit_depth"]) == [0, 1, 2, 2, 1]
    assert list(tree["children"]) == [2, 1, 0, 0, 0]
    assert list(tree["descendants"]) == [3, 1, 0, 0, 0]
    assert [al.as_id(p) for p in tree["tree_parent_id"]] == [None, o.company_obj, o.product_obj, o.company_obj, None]
    assert list(tree["root_id"]) == [o.company_obj] * 4 + [o.sales_obj]
    assert list(tree["orphan_reason"].fillna("")) == ["", "", "", "", al.NO_PARENT]


def test_tree_keeps_every_figure_of_the_objectives_frame(db, tree_org):
    objs, units = frames(db, tree_org.cycle)
    tree = al.alignment_tree(objs, units)
    assert sorted(ids(tree)) == sorted(ids(objs))
    by_id = objs.set_index("objective_id")
    for r in tree.to_dict("records"):
        want = by_id.loc[r["objective_id"]]
        for col in ("progress", "pace", "expected", "status", "title", "unit_name", "owner_name", "kr_count"):
            assert r[col] == want[col] or (pd.isna(r[col]) and pd.isna(want[col])), col


def test_an_objective_aligned_to_a_key_result_hangs_under_its_objective(db, tree_org):
    objs, units = frames(db, tree_org.cycle)
    row = al.alignment_tree(objs, units).set_index("objective_id").loc[tree_org.mobile_obj]
    assert al.as_id(row["tree_parent_id"]) == tree_org.company_obj
    assert al.as_id(row["parent_kr_id"]) == tree_org.kr_stay_above


def test_empty_cycle_gives_an_empty_tree(db, org):
    empty = writes.add_cycle(db, "2027 Q1", "2027-01-01", "2027-03-31", person=writes.SYSTEM)
    objs, units = frames(db, empty)
    tree = al.alignment_tree(objs, units)
    assert tree.empty
    assert set(al.TREE_COLUMNS) <= set(tree.columns)
    assert al.summary(tree) == {"objectives": 0, "context": 0, "aligned": 0, "orphans": 0, "levels": 0}
    assert al.picture(tree).rows.empty
    assert al.orphans(objs, units).empty


# --- a unit's branch --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unit, own, context",
    [
        ("platform", ["platform_obj"], ["company_obj", "product_obj"]),
        ("product", ["product_obj", "platform_obj", "mobile_obj"], ["company_obj"]),
        ("mobile", ["mobile_obj"], ["company_obj"]),
        ("sales", ["sales_obj"], []),
        ("company", ["company_obj", "product_obj", "platform_obj", "mobile_obj", "sales_obj"], []),
    ],
)
def test_branch_is_the_units_objectives_with_the_chain_above_as_context(db, tree_org, unit, own, context):
    o = tree_org
    objs, units = frames(db, o.cycle)
    branch = al.branch_ids(objs, q.subtree_ids(db, getattr(o, unit)))
    assert branch.own == {getattr(o, name) for name in own}
    assert branch.context == {getattr(o, name) for name in context}
    assert branch.below == set()
    # The branch is exactly what okrdata.queries scopes to the unit.
    assert branch.own == set(ids(q.objectives(db, o.cycle, getattr(o, unit), TODAY)))


def test_whole_company_branch_holds_everything(db, tree_org):
    objs, _ = frames(db, tree_org.cycle)
    branch = al.branch_ids(objs, None)
    assert branch.all == set(ids(objs)) and not branch.context


def test_team_view_tree_marks_the_chain_above_as_context(db, tree_org):
    o = tree_org
    objs, units = frames(db, o.cycle)
    tree = al.alignment_tree(objs, units, q.subtree_ids(db, o.platform))
    assert ids(tree) == [o.company_obj, o.product_obj, o.platform_obj]
    assert list(tree["role"]) == [al.CONTEXT, al.CONTEXT, al.BRANCH]
    assert list(tree["depth"]) == [0, 1, 2]
    assert al.summary(tree) == {"objectives": 1, "context": 2, "aligned": 1, "orphans": 0, "levels": 3}


def test_a_unit_with_no_objectives_has_an_empty_branch(db, tree_org):
    lonely = writes.add_unit(db, "Lonely", parent_id=tree_org.sales, person=writes.SYSTEM)
    objs, units = frames(db, tree_org.cycle)
    tree = al.alignment_tree(objs, units, q.subtree_ids(db, lonely))
    assert tree.empty
    assert al.summary(tree)["objectives"] == 0


# --- orphans ------------------------------------------------------------------------------------


def test_orphans_are_department_and_team_objectives_aligned_to_nothing(db, tree_org):
    o = tree_org
    writes.add_objective(db, o.cycle, o.company, "A second company objective", person=writes.SYSTEM)  # never an orphan
    objs, units = frames(db, o.cycle)
    found = al.orphans(objs, units)
    assert ids(found) == [o.sales_obj]
    assert list(found["orphan_reason"]) == [al.NO_PARENT]
    tree = al.alignment_tree(objs, units)
    assert al.summary(tree) == {"objectives": 6, "context": 0, "aligned": 3, "orphans": 1, "levels": 3}


def test_an_objective_whose_parent_is_no_longer_active_is_an_orphan(db, tree_org):
    o = tree_org
    # writes refuse to archive a parent with active children; older data may still hold one.
    db.execute("UPDATE objectives SET state = 'archived' WHERE id = ?", [o.product_obj])
    objs, units = frames(db, o.cycle)
    assert dict(zip(ids(al.orphans(objs, units)), al.orphans(objs, units)["orphan_reason"])) == {
        o.platform_obj: al.INACTIVE_PARENT,
        o.sales_obj: al.NO_PARENT,
    }
    tree = al.alignment_tree(objs, units)
    assert ids(tree) == [o.company_obj, o.mobile_obj, o.platform_obj, o.sales_obj]
    assert list(tree["section"]) == [al.ALIGNED, al.ALIGNED, al.ORPHAN, al.ORPHAN]


def test_a_loop_in_the_data_ends_and_is_shown_as_an_orphan(db, tree_org):
    o = tree_org
    # Never written by okrdata.writes (it refuses loops), but an import could hold one.
    db.execute("UPDATE objectives SET parent_objective_id = ? WHERE id = ?", [o.platform_obj, o.product_obj])
    objs, units = frames(db, o.cycle)
    tree = al.alignment_tree(objs, units)
    assert sorted(ids(tree)) == sorted(ids(objs))
    loop = tree[tree["orphan_reason"] == al.LOOP]
    assert len(loop) == 1 and int(loop["depth"].iloc[0]) == 0
    branch = al.branch_ids(objs, q.subtree_ids(db, o.platform))
    assert o.platform_obj in branch.own


# --- the picture ------------------------------------------------------------------------------


def test_small_trees_are_drawn_whole(db, tree_org):
    objs, units = frames(db, tree_org.cycle)
    tree = al.alignment_tree(objs, units)
    pic = al.picture(tree)
    assert ids(pic.rows) == ids(tree) and pic.left_out == 0 and pic.max_depth is None
    assert set(pic.rows["hidden_below"]) == {0}


def test_large_trees_are_drawn_to_the_depth_that_fits(db, tree_org):
    o = tree_org
    objs, units = frames(db, o.cycle)
    tree = al.alignment_tree(objs, units)
    pic = al.picture(tree, max_nodes=3)  # levels: 1 company, then 2 → 3 fit; orphans left out
    assert ids(pic.rows) == [o.company_obj, o.product_obj, o.mobile_obj]
    assert list(pic.rows["hidden_below"]) == [0, 1, 0]
    assert pic.left_out == 2 and pic.max_depth == 1
    pic = al.picture(tree, max_nodes=2)
    assert ids(pic.rows) == [o.company_obj] and list(pic.rows["hidden_below"]) == [3]
    pic = al.picture(tree, max_nodes=0)
    assert pic.rows.empty and pic.left_out == len(tree)
    assert "hidden_below" in pic.rows.columns


def synthetic_frame(departments: int, teams_each: int, objectives_each: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A big organisation as plain frames: one company objective, each department's aligned to
    it, each team's aligned to its department's."""
    units = [{"id": 1, "name": "Co", "parent_id": None, "depth": 0}]
    objs = [{"objective_id": 1, "unit_id": 1, "unit_name": "Co", "title": "Win", "parent_objective_id": None}]
    for d in range(departments):
        did = len(units) + 1
        units.append({"id": did, "name": f"D{d}", "parent_id": 1, "depth": 1})
        doid = len(objs) + 1
        objs.append(
            {
                "objective_id": doid,
                "unit_id": did,
                "unit_name": f"D{d}",
                "title": f"D{d} goal",
                "parent_objective_id": 1,
            }
        )
        for t in range(teams_each):
            tid = len(units) + 1
            units.append({"id": tid, "name": f"T{d}.{t}", "parent_id": did, "depth": 2})
            for k in range(objectives_each):
                objs.append(
                    {
                        "objective_id": len(objs) + 1,
                        "unit_id": tid,
                        "unit_name": f"T{d}.{t}",
                        "title": f"T{d}.{t} goal {k}",
                        "parent_objective_id": doid,
                    }
                )
    frame = pd.DataFrame(objs).assign(
        owner_name=None, progress=0.5, expected=0.6, pace=-0.1, status="at_risk", parent_kr_id=None
    )
    return frame, pd.DataFrame(units)


def test_a_hundred_times_the_demo_is_capped_and_still_quick():
    objs, units = synthetic_frame(departments=300, teams_each=2, objectives_each=3)
    assert len(objs) == 2101
    tree = al.alignment_tree(objs, units)
    assert len(tree) == len(objs)
    pic = al.picture(tree)
    assert len(pic.rows) <= al.MAX_PICTURE_NODES
    assert ids(pic.rows) == [1] and list(pic.rows["hidden_below"]) == [2100]
    assert al.to_dot(pic.rows).count("[label=") == 1
    # One department's branch fits whole.
    dept = al.alignment_tree(objs, units, [2, 3, 4])
    assert len(dept) == 1 + 1 + 6 and al.picture(dept).left_out == 0


# --- the DOT text ---------------------------------------------------------------------------------


def dot_for(db, org, **kwargs) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    objs, units = frames(db, org.cycle)
    tree = al.alignment_tree(objs, units)
    krs = q.key_results(db, org.cycle, None, TODAY)
    kr_titles = dict(zip(krs["kr_id"].astype(int), krs["title"]))
    return al.to_dot(al.picture(tree).rows, kr_titles=kr_titles, **kwargs), tree, objs


def test_dot_has_a_node_per_objective_and_an_edge_per_alignment(db, tree_org):
    o = tree_org
    dot, tree, _ = dot_for(db, o)
    assert dot.startswith("digraph alignment {") and dot.rstrip().endswith("}")
    nodes = re.findall(r"^  o(\d+) \[label=", dot, flags=re.M)
    assert sorted(int(n) for n in nodes) == sorted(ids(tree))
    edges = re.findall(r"^  o(\d+) -> o(\d+) \[(?!style=invis)", dot, flags=re.M)
    assert sorted((int(a), int(b)) for a, b in edges) == sorted(
        [(o.company_obj, o.product_obj), (o.product_obj, o.platform_obj), (o.company_obj, o.mobile_obj)]
    )
    assert "dir=back" in dot  # the arrowhead sits on the objective aligned to


def test_dot_labels_show_unit_progress_and_status_in_words(db, tree_org):
    o = tree_org
    dot, tree, objs = dot_for(
        db, o, colours={"on_track": "#00aa00", "at_risk": "#ffaa00", "off_track": "#aa0000", "stale": "#888888"}
    )
    lines = {int(m.group(1)): m.group(0) for m in re.finditer(r"^  o(\d+) \[label=.*$", dot, flags=re.M)}
    assert len(objs) and lines
    for r in objs.to_dict("records"):
        line = lines[int(r["objective_id"])]
        assert f"{float(r['progress']) * 100:.0f}%" in line
        assert STATUS_LABELS[r["status"]] in line
        assert al.html_text(r["unit_name"]) in line
        colour = {"on_track": "#00aa00", "at_risk": "#ffaa00", "off_track": "#aa0000", "stale": "#888888"}[r["status"]]
        assert f'color="{colour}"' in line
    assert "Aligned to nothing" in lines[o.sales_obj]
    assert "dashed" in lines[o.sales_obj]


def test_dot_escapes_titles_and_labels_key_result_edges(db, tree_org):
    dot, _, _ = dot_for(db, tree_org)
    assert "Sell &lt;more&gt; &amp; &quot;better&quot; deals" in dot
    labels = "".join(line.split("tooltip=")[0] for line in dot.splitlines())
    assert "<more>" not in labels and '"better"' not in labels
    # In a quoted DOT string (the tooltip) only the quotes need escaping; Graphviz escapes the rest for SVG.
    assert 'tooltip="Sell <more> & \\"better\\" deals' in dot
    assert 'label="via KR: Uptime stays above 99.9 %"' in dot


def test_dot_marks_context_nodes(db, tree_org):
    o = tree_org
    objs, units = frames(db, o.cycle)
    tree = al.alignment_tree(objs, units, q.subtree_ids(db, o.platform))
    dot = al.to_dot(tree)
    lines = {int(m.group(1)): m.group(0) for m in re.finditer(r"^  o(\d+) \[label=.*$", dot, flags=re.M)}
    assert "Context" in lines[o.company_obj] and "dashed" in lines[o.company_obj]
    assert "Context" not in lines[o.platform_obj]


def test_empty_rows_give_an_empty_graph():
    dot = al.to_dot(pd.DataFrame())
    assert dot.startswith("digraph") and "[label=" not in dot


@pytest.mark.parametrize(
    "text, expected",
    [
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("two\nlines", '"two lines"'),
    ],
)
def test_dot_string(text, expected):
    assert al.dot_string(text) == expected


def test_html_text_escapes_every_special_character():
    assert al.html_text("<b>&'\"") == "&lt;b&gt;&amp;&#39;&quot;"


def test_wrap_cuts_long_titles():
    lines = al.wrap("A very long objective title that goes on and on well past what fits in one box", 20, 3)
    assert len(lines) == 3 and all(len(line) <= 20 for line in lines) and lines[-1].endswith("…")
    assert al.wrap("Short") == ["Short"]
    assert al.wrap("") == [""]


# --- the demo --------------------------------------------------------------------------------------


@pytest.fixture
def demo(demo_template):
    db = connect(demo_template)
    yield db
    db.close()


@pytest.mark.slow
def test_demo_tree_covers_the_cycle_once_with_one_orphan(demo):
    cycle = q.default_cycle_id(demo)
    objs, units = q.objectives(demo, cycle), q.units(demo)
    tree = al.alignment_tree(objs, units)
    assert sorted(ids(tree)) == sorted(ids(objs))
    orphans = al.orphans(objs, units)
    assert list(orphans["title"]) == ["A help centre customers actually use"]
    roots = tree[(tree["depth"] == 0) & (tree["section"] == al.ALIGNED)]
    assert set(roots["unit_depth"]) == {0}
    aligned = tree[tree["depth"] > 0]
    assert [al.as_id(p) for p in aligned["tree_parent_id"]] == [al.as_id(p) for p in aligned["parent_objective_id"]]
    counts = al.summary(tree)
    assert counts["objectives"] == len(objs) and counts["orphans"] == 1
    assert counts["aligned"] == len(objs) - len(roots) - 1
    pic = al.picture(tree)
    assert pic.left_out == 0 and len(pic.rows) <= al.MAX_PICTURE_NODES


@pytest.mark.slow
def test_demo_every_unit_branch_matches_the_queries_scope(demo):
    cycle = q.default_cycle_id(demo)
    objs, units = q.objectives(demo, cycle), q.units(demo)
    assert len(objs) and len(units)
    for uid in units["id"].astype(int):
        subtree = q.subtree_ids(demo, uid)
        branch = al.branch_ids(objs, subtree)
        assert branch.own == set(ids(q.objectives(demo, cycle, uid))), uid
        tree = al.alignment_tree(objs, units, subtree)
        assert set(ids(tree)) == set(branch.all)
        # The context is exactly the chain above: every context objective has a branch objective below it.
        for cid in branch.context:
            assert any(cid in chain(objs, b) for b in branch.own)


def chain(objs: pd.DataFrame, oid: int) -> set[int]:
    parents = {int(o): al.as_id(p) for o, p in zip(objs["objective_id"], objs["parent_objective_id"])}
    out, parent = set(), parents.get(oid)
    while parent is not None:
        out.add(parent)
        parent = parents.get(parent)
    return out
