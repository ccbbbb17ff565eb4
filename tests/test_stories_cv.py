"""Story-grouping scoring for the CV harness: a held fold scored inside the whole stream."""

from benchmarks.stories import bcubed


def test_bcubed_kept_on_every_article_is_plain_bcubed():
    pred = {"a": "s1", "b": "s1", "c": "s2", "d": "s2"}
    gold = {"a": "x", "b": "y", "c": "y", "d": "y"}
    assert bcubed(pred, gold, set(pred)) == bcubed(pred, gold)


def test_bcubed_kept_counts_wrong_company_from_outside_the_held_fold():
    """Article "a" (held) shares its predicted story with "b" of another fold and another
    story: its precision is 1/2 though "b" is not scored itself."""
    pred = {"a": "s1", "b": "s1", "c": "s2"}
    gold = {"a": "x", "b": "y", "c": "x"}
    p, r, f1 = bcubed(pred, gold, {"a"})
    assert p == 0.5  # "a" is grouped with "b", a different story
    assert r == 0.5  # "a"'s story also holds "c", predicted elsewhere
    assert bcubed(pred, gold, set()) == (0.0, 0.0, 0.0)
