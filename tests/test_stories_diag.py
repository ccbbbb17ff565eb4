"""The ceilings of ``benchmarks/stories_diag.py``: perfect merges and pair merges."""

from benchmarks.stories import bcubed
from benchmarks.stories_diag import merged_pairs, relabel


def test_merged_pairs_joins_chains_of_pairs_into_one_story():
    pred = {"a": "s1", "b": "s2", "c": "s3", "d": "s4"}
    out = merged_pairs(pred, [("s1", "s2"), ("s3", "s2")])
    assert out["a"] == out["b"] == out["c"]
    assert out["d"] == "s4"
    assert merged_pairs(pred, []) == pred


def test_relabel_moves_whole_stories_and_a_perfect_merge_restores_recall():
    pred = {"a": "s1", "b": "s1", "c": "s2", "d": "s3"}
    gold = {"a": "x", "b": "x", "c": "x", "d": "y"}
    before = bcubed(pred, gold)
    after = bcubed(relabel(pred, {"s2": "s1"}), gold)
    assert before[1] < 1.0
    assert after == (1.0, 1.0, 1.0)
