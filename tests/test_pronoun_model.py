"""The learned "he"/"she" ranker: its features, its choice, and how the resolver uses it."""

from __future__ import annotations

import json

import pytest

from newsweave import quotes
from newsweave.pronoun_model import (
    FEATURES,
    MAX_CANDIDATES,
    Candidate,
    Layout,
    PronounModel,
    default_pronoun_model,
    features,
    fitting,
)

LAYOUT = Layout(sentences=[0, 100, 200, 300], paragraphs=[0, 200])


def _weights(**named: float) -> PronounModel:
    return PronounModel(tuple(named.get(f, 0.0) for f in FEATURES))


def test_fitting_keeps_earlier_candidates_of_fitting_gender_nearest_first():
    cands = [
        Candidate(10, "Anna Berg", "f"),
        Candidate(50, "Carl Dorn", "m"),
        Candidate(120, "Lee", None),
        Candidate(400, "Ed Fay", "m"),  # after the pronoun
    ]
    assert [c.written for c in fitting("f", cands, 300)] == ["Lee", "Anna Berg"]
    assert [c.written for c in fitting("m", cands, 300)] == ["Lee", "Carl Dorn"]


def test_fitting_stops_at_the_nearest_candidates():
    cands = [Candidate(i, f"P{i}", "m") for i in range(MAX_CANDIDATES + 10)]
    pool = fitting("m", cands, 10_000)
    assert len(pool) == MAX_CANDIDATES and pool[0].start == MAX_CANDIDATES + 9


def test_features_mark_the_last_speaker_and_the_nearest_only_once():
    cands = [
        Candidate(10, "Anna Berg", "f", subject=True, speaker=True),
        Candidate(120, "Cleo Dunn", "f", subject=True, speaker=True),
        Candidate(210, "Berg", "f", full=lambda: "Anna Berg"),
    ]
    pool = fitting("f", cands, 250)
    rows = [dict(zip(FEATURES, r, strict=True)) for r in features("f", 250, pool, cands, LAYOUT)]
    assert [r["nearest"] for r in rows] == [1.0, 0.0, 0.0]
    assert [r["last_speaker"] for r in rows] == [0.0, 1.0, 0.0]
    assert [r["same_sentence"] for r in rows] == [1.0, 0.0, 0.0]
    assert [r["same_paragraph"] for r in rows] == [1.0, 0.0, 0.0]
    # the older "Anna Berg" is no longer the latest mention of her surname
    assert [r["latest_of_name"] for r in rows] == [1.0, 1.0, 0.0]
    assert rows[0]["log_mentions"] > 0.0 and all(len(r) == len(FEATURES) for r in rows)


def test_choose_follows_the_weights_and_returns_none_without_candidates():
    cands = [
        Candidate(10, "Anna Berg", "f", speaker=True),
        Candidate(150, "Cleo Dunn", "f", subject=True),
    ]
    assert _weights(last_speaker=2.0).choose("f", 250, cands, LAYOUT).written == "Anna Berg"
    assert _weights(nearest=2.0).choose("f", 250, cands, LAYOUT).written == "Cleo Dunn"
    assert _weights(nearest=2.0).choose("m", 250, cands, LAYOUT) is None
    assert _weights(nearest=2.0).choose("f", 5, cands, LAYOUT) is None


def test_model_file_must_match_the_features_of_this_code():
    with pytest.raises(ValueError, match="features differ"):
        PronounModel.from_json({"features": ["log_chars"], "weights": [1.0]})
    shipped = default_pronoun_model()
    assert len(shipped.weights) == len(FEATURES)
    data = json.loads(json.dumps({"features": list(FEATURES), "weights": shipped.weights}))
    assert PronounModel.from_json(data) == shipped


def test_shipped_ranker_prefers_the_last_speaker_to_a_bystander_named_earlier():
    cands = [
        Candidate(10, "Anna Berg", "f", subject=True, speaker=True),
        Candidate(60, "Cleo Dunn", "f"),  # named in passing, never spoke
    ]
    layout = Layout(sentences=[0, 100], paragraphs=[0])
    assert default_pronoun_model().choose("f", 110, cands, layout).written == "Anna Berg"


@pytest.fixture(scope="module")
def nlp():
    from newsweave.analyze import get_nlp

    return get_nlp()


def _resolver(doc, text: str) -> quotes.SpeakerResolver:
    inside = quotes._quote_lookup(quotes.find_pieces(text))
    return quotes.speaker_resolver(doc, text, inside, quotes.find_cues(doc, inside))


def test_a_resolved_pronoun_becomes_a_candidate_named_for_its_person(nlp):
    text = ('Senator Kim Rourke said the count would be close.\n\n'
            '"We will win this," she said.')
    doc = nlp(text)
    resolver = _resolver(doc, text)
    chained = [c for c in resolver.candidates(len(text)) if c.chained]
    assert [(c.name, c.start) for c in chained] == [("Kim Rourke", text.index("she"))]


def test_plural_sources_are_no_candidates_for_he(nlp):
    text = ("Officials said the plant would close.\n\n"
            '"It was wrong," he said.')
    doc = nlp(text)
    resolver = _resolver(doc, text)
    assert not [c for c in resolver.candidates(len(text)) if c.described]
    at = text.index("he said")
    # nobody fits: the pronoun stays as written (shown as unresolved)
    assert resolver.resolve(quotes.Speaker("he", at, at + 2, True)) == "he"


def test_rules_and_ranker_both_answer_the_plain_case(nlp, monkeypatch):
    text = ('Mayor Dana Price spoke on Monday.\n\n"We are ready," she said.')
    for how in ("rules", "learned"):
        monkeypatch.setattr(quotes, "PRONOUN_RESOLVER", how)
        found = quotes.extract_quotes(nlp(text))
        assert [q.speaker for q in found if q.direct] == ["Dana Price"], how


def test_a_description_with_a_name_in_apposition_stands_for_the_name(nlp):
    text = ("Another delegate, Michael Brown of Ohio, said the vote was over.\n\n"
            '"It is time to unite," he said.')
    doc = nlp(text)
    resolver = _resolver(doc, text)
    cands = resolver.candidates(len(text))
    assert not [c for c in cands if c.described]
    assert [c.name for c in cands if c.speaker and not c.chained] == ["Michael Brown"]
    found = quotes.extract_quotes(doc)
    assert [q.speaker for q in found if q.direct] == ["Michael Brown"]


def test_a_candidate_works_out_its_full_name_only_when_asked():
    asked = []
    cand = Candidate(210, "Berg", "f", full=lambda: asked.append(1) or "Anna Berg")
    assert asked == [] and cand.name == "Anna Berg" and asked == [1]
    assert Candidate(5, "the official", None, described=True).name == "the official"


def test_candidates_look_back_over_a_bounded_number_of_mentions(monkeypatch):
    monkeypatch.setattr(quotes, "LOOK_BACK", 3)
    persons = [quotes.PersonMention(i * 10, i * 10 + 4, f"P{i}", "m") for i in range(8)]
    resolver = quotes.SpeakerResolver(persons, layout=LAYOUT)
    assert [c.start for c in resolver.candidates(65)] == [40, 50, 60]


def test_a_candidate_inside_reported_content_is_marked():
    """Someone spoken of ("X claimed that Obama is to blame") is rarely the next "he"."""
    persons = [quotes.PersonMention(0, 11, "Marco Rubio", "m", subject=True, speaker=True),
               quotes.PersonMention(60, 72, "Barack Obama", "m", subject=True)]
    resolver = quotes.SpeakerResolver(persons, layout=LAYOUT, reported=[(30, 90)])
    assert [c.reported for c in resolver.candidates(150)] == [False, True]
    rows = features("m", 150, fitting("m", resolver.candidates(150), 150),
                    resolver.candidates(150), LAYOUT)
    assert [dict(zip(FEATURES, r, strict=True))["reported"] for r in rows] == [1.0, 0.0]
    assert default_pronoun_model().weights[FEATURES.index("reported")] < 0


def test_he_after_reported_speech_is_the_one_who_reported(nlp):
    text = ("Later, Marco Rubio claimed that Muslim Americans do not face discrimination and "
            "that President Barack Obama is to blame for the belief. \"He continues to put out "
            "this fiction,\" he said.")
    found = quotes.extract_quotes(nlp(text), text)
    # "is to blame" is no cue of Obama's, and he is spoken of, not speaking
    assert [q.speaker for q in found] == ["Marco Rubio", "Marco Rubio"]
