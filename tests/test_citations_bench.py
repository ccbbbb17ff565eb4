"""benchmarks/citations.py: the evidence with and without the different-figures rule, on a
hand-made cluster (the benchmark itself reads the shared dev sets)."""

from __future__ import annotations

from benchmarks.citations import evidence_both_ways, render
from newsweave.analyze import analyze
from newsweave.models import Article
from newsweave.settings import DEFAULT_SUMMARY
from newsweave.summary import _disjoint, _recounted, candidates


def test_the_rule_is_switched_off_only_for_the_second_reading_and_back_after():
    texts = ["The cold wave in Poland has killed 35 people, police said on Monday.",
             "The cold wave in Poland has killed 62 people, police said on Monday."]
    documents = analyze([Article(id=f"a{i}", text=t) for i, t in enumerate(texts)])
    chosen = next(c for c in candidates(documents, DEFAULT_SUMMARY)
                  if c.doc == 0 and not c.compressed)
    ruled, plain = evidence_both_ways(documents, chosen)
    assert [e.source for e in ruled] == ["a0"] and [e.source for e in plain] == ["a0", "a1"]
    from newsweave import summary

    assert summary._disjoint is _disjoint  # the shipped rules are back
    assert summary._recounted is _recounted
    row = {"dataset": "T", "clusters": 1, "sentences": 1, "without": 2, "with": 1, "shipped": 0,
           "dropped": [("figures", "c", "x", "y"), ("discrepancy", "c", "x", "z")]}
    text = render([row], [("figures", "c", "x", "y")], "cmd", 1.0)
    assert "| T | 1 | 1 | 2 | 1 | 0 | 2 |" in text and "- c (figures): “x” / “y”" in text
