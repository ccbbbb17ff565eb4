"""The benchmark's scoring must follow the data README exactly, or numbers stop comparing."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("rouge_score")

from benchmarks.rouge_eval import (  # noqa: E402
    load_clusters,
    load_references,
    mean_scores,
    score_summary,
    split_sentences,
    truncate_words,
)


def test_truncate_cuts_to_exact_budget_inside_a_sentence():
    out = truncate_words(["one two three", "four  five\tsix seven"], 5)
    assert out == ["one two three", "four five"]
    assert sum(len(s.split()) for s in out) == 5


def test_truncate_keeps_short_summaries_and_drops_empty_sentences():
    assert truncate_words(["a b", "  ", "c"], 10) == ["a b", "c"]
    assert truncate_words(["a b"], 0) == []


def test_split_sentences_respects_abbreviations_initials_and_paragraphs():
    text = (
        'Gen. Smith met Mr. Jones in the U.S. Senate. "We agree," he said. '
        "George W. Bush left! Prices rose 3.5 percent.\n\nA new paragraph"
    )
    assert split_sentences(text) == [
        "Gen. Smith met Mr. Jones in the U.S. Senate.",
        '"We agree," he said.',
        "George W. Bush left!",
        "Prices rose 3.5 percent.",
        "A new paragraph",
    ]


def test_identical_summary_scores_100_and_disjoint_scores_0():
    ref = "The cat sat on the mat. The dog barked."
    same = score_summary(["The cat sat on the mat.", "The dog barked."], [ref], 100)
    assert same["rouge2"]["r"] == pytest.approx(100.0)
    assert same["rougeLsum"]["f"] == pytest.approx(100.0)
    other = score_summary(["Stocks fell sharply."], [ref], 100)
    assert other["rouge1"]["r"] == 0.0


def test_scores_average_over_references():
    scores = score_summary(["cats sit quietly"], ["cats sit quietly", "dogs run fast"], 50)
    assert scores["rouge1"]["r"] == pytest.approx(50.0)
    assert scores["rouge1"]["p"] == pytest.approx(50.0)


def test_budget_cut_happens_before_scoring():
    ref = "alpha beta gamma delta"
    cut = score_summary(["alpha beta gamma delta"], [ref], 2)
    assert cut["rouge1"]["r"] == pytest.approx(50.0)
    assert cut["rouge1"]["p"] == pytest.approx(100.0)


def test_stemming_matches_inflections():
    scores = score_summary(["officials announced"], ["official announces"], 10)
    assert scores["rouge1"]["r"] == pytest.approx(100.0)


def test_mean_scores_is_a_macro_average():
    a = {m: {"p": 10.0, "r": 20.0, "f": 30.0} for m in ("rouge1", "rouge2", "rougeLsum")}
    b = {m: {"p": 30.0, "r": 40.0, "f": 50.0} for m in ("rouge1", "rouge2", "rougeLsum")}
    assert mean_scores([a, b])["rouge2"] == {"p": 20.0, "r": 30.0, "f": 40.0}


def test_clusters_never_carry_references(tmp_path):
    path = tmp_path / "c.jsonl"
    rows = [
        {"id": "s1", "query": "q", "docs": [{"text": "x"}], "summaries": ["ref one", "ref two"]},
        {"id": "s2", "docs": [{"text": "y"}], "summaries": ["ref three"]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    clusters = load_clusters(path)
    assert [c["id"] for c in clusters] == ["s1", "s2"]
    assert all("summaries" not in c for c in clusters)
    assert clusters[0]["query"] == "q"
    assert load_references(path) == {"s1": ["ref one", "ref two"], "s2": ["ref three"]}
