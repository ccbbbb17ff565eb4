"""Time shards (``shards``): planning, the merge at boundaries, refinement from the states
shards end in, and the equivalence gate on a dated synthetic stream (one shard is exactly the
single pass; four are as good, and refined four give exactly its stories and ids)."""

from __future__ import annotations

import pytest
from test_grouping_state import PerTextEmbedder, synthetic

from newsweave.backfill import WARMUP, group_ordered, group_run
from newsweave.shards import (
    Shard,
    ShardRun,
    agreement,
    bcubed,
    group_sharded,
    merge_shards,
    plan_shards,
    refine_shards,
)


def partition(assignments: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for aid, sid in assignments.items():
        groups.setdefault(sid, set()).add(aid)
    return {frozenset(g) for g in groups.values()}


def test_plan_cuts_equal_slices_with_warmup_before_each():
    ids = [f"a{i}" for i in range(10)]
    plan = plan_shards(ids, 3, warmup=2)
    assert [len(s.owned) for s in plan] == [3, 4, 3]
    assert [a for s in plan for a in s.owned] == ids  # every id owned exactly once, in order
    assert plan[0].warmup == ()
    assert plan[1].warmup == ("a1", "a2") and plan[2].warmup == ("a5", "a6")
    assert len(plan_shards(ids[:2], 5, 1)) == 2  # never more shards than articles
    with pytest.raises(ValueError):
        plan_shards(ids, 0, 1)


def test_merge_joins_a_story_across_the_boundary_by_its_overlap():
    left = Shard(0, (), ("a", "b", "c"))
    right = Shard(1, ("b", "c"), ("d", "e"))
    results = [
        {"a": ("x", None), "b": ("y", None), "c": ("y", None)},
        # right shard: b and c again (warm-up) in its story "p", which d continues; e is new
        {"b": ("p", None), "c": ("p", None), "d": ("p", "b"), "e": ("q", None)},
    ]
    stories, dups = merge_shards([left, right], results)
    assert stories["d"] == stories["b"] == stories["c"] != stories["a"]
    assert stories["e"] not in {stories["a"], stories["b"]}
    assert dups == {"d": "b"}
    from newsweave.group import story_id_for

    assert stories["b"] == story_id_for("b")  # the merged story's id: its first article's


def test_merge_never_joins_two_earlier_stories():
    left = Shard(0, (), ("a", "b", "c", "e"))
    right = Shard(1, ("b", "c", "e"), ("d",))  # a partial warm-up: "a" is not replayed
    results = [
        {"a": ("x", None), "b": ("y", None), "c": ("y", None), "e": ("x", None)},
        {"b": ("p", None), "c": ("p", None), "e": ("p", None), "d": ("p", None)},
    ]
    stories, _ = merge_shards([left, right], results)
    assert stories["e"] != stories["b"]  # right shard's lumping does not merge them
    assert stories["d"] == stories["b"]  # d joins the majority of p's warm-up (y)


def test_a_shard_that_replayed_the_whole_history_keeps_its_split():
    """A later shard that saw everything before it split an earlier story (moved b and c out);
    the vote alone would send them back to a's story, the single pass keeps them apart."""
    left = Shard(0, (), ("a", "b", "c"))
    right = Shard(1, ("a", "b", "c"), ("d", "e"))
    results = [
        {"a": ("x", None), "b": ("x", None), "c": ("x", "b")},
        {"a": ("p", None), "b": ("q", None), "c": ("q", "b"), "d": ("q", None),
         "e": ("p", None)},
    ]
    stories, dups = merge_shards([left, right], results)
    assert stories["b"] == stories["c"] == stories["d"] != stories["a"] == stories["e"]
    from newsweave.group import story_id_for

    assert stories["b"] == story_id_for("b") and stories["a"] == story_id_for("a")
    assert dups == {"c": "b"}
    # the same shard with a partial warm-up is only a guess: the vote keeps a, b, c together
    partial = Shard(1, ("b", "c"), ("d", "e"))
    stories, _ = merge_shards([left, partial], [results[0], {k: v for k, v in results[1].items()
                                                             if k != "a"}])
    assert stories["a"] == stories["b"] == stories["c"] == stories["d"]


def test_bcubed_and_agreement():
    gold = {"a": "1", "b": "1", "c": "2"}
    assert bcubed(gold, gold) == (1.0, 1.0, 1.0)
    p, r, f = bcubed({"a": "x", "b": "y", "c": "y"}, gold)
    assert p == pytest.approx((1 + 0.5 + 0.5) / 3) and r == pytest.approx((0.5 + 0.5 + 1) / 3)
    assert agreement({"a": "x", "b": "x", "c": "z"}, gold) == 1.0


@pytest.fixture(scope="module")
def stream():
    articles = synthetic(n_events=24, seed=5)
    embedder = PerTextEmbedder()
    by_id = {a.id: a for a in articles}
    ids = [a.id for a in articles]  # synthetic() is in date order, undated last

    def group_fn(shard_ids):
        return group_ordered([by_id[i] for i in shard_ids], embedder=embedder)

    gold = {a.id: a.id.split("-")[0] for a in articles}
    return ids, group_fn, gold


def test_one_shard_is_exactly_the_single_pass(stream):
    ids, group_fn, _gold = stream
    single = {aid: sid for aid, (sid, _dup) in group_fn(ids).items()}
    sharded, _dups = group_sharded(ids, 1, warmup=50, group_fn=group_fn)
    assert sharded == single  # same stories and the same ids


def test_four_shards_with_the_default_warmup_pass_the_gate(stream):
    """The default warm-up is the grouper's own window: on a stream shorter than it, each shard
    replays everything before it, so the merge must give back the single pass exactly."""
    ids, group_fn, gold = stream
    single = {aid: sid for aid, (sid, _dup) in group_fn(ids).items()}
    sharded, _dups = group_sharded(ids, 4, warmup=WARMUP, group_fn=group_fn)
    assert abs(bcubed(single, gold)[2] - bcubed(sharded, gold)[2]) <= 0.01
    assert agreement(sharded, single) >= 0.98
    assert partition(sharded) == partition(single)


def test_a_short_warmup_still_stores_every_article_once_and_joins_across_boundaries(stream):
    ids, group_fn, _gold = stream
    sharded, _dups = group_sharded(ids, 4, warmup=30, group_fn=group_fn)
    assert sorted(sharded) == sorted(ids)  # every article exactly once
    # without a warm-up the boundaries cut stories: the merge is what keeps them whole
    cut, _ = group_sharded(ids, 4, warmup=0, group_fn=group_fn)
    assert len(partition(cut)) > len(partition(sharded))


# --------------------------------------------------------------------------- refinement
def _first_wins(state, ids):
    """A toy grouper with the longest possible memory: every article joins the story of the
    first article it ever saw (the state carries that id)."""
    first = state[0].decode() if state else ids[0]
    return ShardRun({a: (first, None) for a in ids}, (first.encode(), {}))


def test_refinement_carries_state_down_the_chain_one_shard_per_round():
    ids = [f"a{i}" for i in range(12)]
    plan = plan_shards(ids, 4, warmup=0)
    first = [_first_wins(None, list(s.ids)) for s in plan]
    calls = []

    def rerun(items):
        calls.append(len(items))
        return [_first_wins(state, shard_ids) for state, shard_ids in items]

    refined = refine_shards(plan, first, rerun)
    assert set(refined.assignments.values()) == {"a0"}  # exactly the single pass
    # round r makes shard r exact; shard 1's predecessor never changes, so it runs once
    assert calls == [3, 2, 1] and refined.rounds == 3 and refined.reruns == 6
    assert refined.converged and refined.state == (b"a0", {})
    cut = refine_shards(plan, first, rerun, max_rounds=1)
    assert not cut.converged and cut.rounds == 1
    assert cut.assignments["a11"] != "a0"  # one round fixes shard 1 only
    with pytest.raises(ValueError):
        refine_shards(plan, first, rerun, max_rounds=0)


def _counting(state, ids):
    """A toy grouper whose assignments never change but whose state does: one story, and a
    count of the articles seen (as document frequencies grow whatever the decisions)."""
    seen = int(state[0]) if state else 0
    return ShardRun({a: ("s", None) for a in ids}, (str(seen + len(ids)).encode(), {}))


def test_refinement_follows_states_not_assignments():
    """Equal assignments do not mean equal states: a shard is re-run whenever the state its
    predecessor ended in changed, so the state saved for later runs is the single pass's."""
    ids = [f"a{i}" for i in range(12)]
    plan = plan_shards(ids, 4, warmup=1)
    first = [_counting(None, list(s.ids)) for s in plan]
    refined = refine_shards(plan, first, lambda items: [_counting(*it) for it in items])
    assert refined.converged and refined.state == (b"12", {})
    assert refined.rounds == 3 and refined.reruns == 6


def test_refined_shards_give_the_single_pass_stories_and_ids(stream):
    """With a warm-up far shorter than the stories, the first pass disagrees with the single
    pass; refinement from the shards' end states gives back its stories, ids and copies."""
    ids, group_fn, _gold = stream
    embedder = PerTextEmbedder()
    by_id = {a.id: a for a in synthetic(n_events=24, seed=5)}
    single = group_fn(ids)
    plan = plan_shards(ids, 4, warmup=3)

    def rerun(items):
        return [group_run([by_id[i] for i in shard_ids], embedder=embedder, state=state)
                for state, shard_ids in items]

    first = rerun([(None, list(s.ids)) for s in plan])
    merged, _ = merge_shards(plan, [run.result for run in first])
    refined = refine_shards(plan, first, rerun)
    assert refined.converged and 1 <= refined.rounds <= 3
    assert refined.assignments == {a: sid for a, (sid, _d) in single.items()}
    assert refined.duplicates == {a: d for a, (_s, d) in single.items() if d}
    assert partition(merged) != partition(refined.assignments)  # the warm-up alone did not
