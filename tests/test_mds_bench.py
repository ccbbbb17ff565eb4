"""The benchmark's baselines and brief mapping, on small hand-written clusters."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("sumy")
pytest.importorskip("rouge_score")

from benchmarks.mds import (  # noqa: E402
    _sumy_summarizer,
    briefs_to_summaries,
    fill_budget,
    lead_summary,
    r2_margin,
    sumy_ranked,
    sumy_summary,
)

CLUSTER = {
    "id": "c1",
    "docs": [
        {"text": "The storm hit the coast on Monday. Power failed in the city. Schools closed."},
        {"text": "A storm hit the coast. The storm cut power to the city. Rain fell."},
        {"text": "Officials said the storm hit hard. Roads flooded near the coast."},
    ],
}


def test_fill_budget_stops_once_the_budget_is_reached():
    assert fill_budget(["a b c", "d e", "f"], 4) == ["a b c", "d e"]
    assert fill_budget(["a b c", "d e"], 3) == ["a b c"]


def test_lead_takes_first_sentences_round_robin():
    assert lead_summary(CLUSTER, 13) == [
        "The storm hit the coast on Monday.",
        "A storm hit the coast.",
        "Officials said the storm hit hard.",
    ]


@pytest.mark.parametrize("algorithm", ["lexrank", "textrank"])
def test_sumy_ranks_every_sentence_and_prefers_central_ones(algorithm):
    summarizer = _sumy_summarizer(algorithm)
    ranked = sumy_ranked(CLUSTER, summarizer)
    assert len(ranked) == 8
    assert "storm" in ranked[0].lower()
    assert ranked[0] not in ("Schools closed.", "Rain fell.")
    summary = sumy_summary(CLUSTER, 5, summarizer)
    assert summary == ranked[: len(summary)]
    assert sum(len(s.split()) for s in summary[:-1]) < 5


def test_briefs_map_back_by_story_id():
    lines = [
        json.dumps({"story": {"id": "b"}, "summary": [{"text": "Two.", "citations": ["x"]}]}),
        "",
        json.dumps({"story": {"id": "a"}, "summary": [{"text": "One.", "citations": []}]}),
    ]
    assert briefs_to_summaries(lines) == {"b": ["Two."], "a": ["One."]}


def test_margin_compares_with_the_better_sumy_system():
    def row(system, r2):
        return {"system": system, "scores": {"rouge2": {"r": r2, "f": 0.0}}}

    rows = [row("newsweave", 9.0), row("sumy LexRank", 7.5), row("sumy TextRank", 8.0)]
    assert r2_margin("duc2003", rows).endswith("vs sumy TextRank 8.00: margin +1.00")
