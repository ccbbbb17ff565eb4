"""Quotes: direct pieces, reported speech, speakers, grouping across sources, the CLI."""

from __future__ import annotations

import json

import pytest

from newsweave.models import Article, Document, Entity, QuoteMention
from newsweave.quotes import (
    extract_quotes,
    find_pieces,
    group_quotes,
    same_statement,
    statement_tokens,
)


@pytest.fixture(scope="session")
def nlp():
    from newsweave.analyze import get_nlp

    return get_nlp()


@pytest.fixture(scope="session")
def quotes_of(nlp):
    def run(text: str) -> list[QuoteMention]:
        found = extract_quotes(nlp(text), text)
        for q in found:
            assert text[q.start : q.end] == q.text
        return found

    return run


def _direct(found):
    return [q for q in found if q.direct]


def _reported(found):
    return [q for q in found if not q.direct]


# --------------------------------------------------------------------------- pieces
def test_pieces_pair_straight_and_curly_marks():
    text = 'He said "one thing" and “another thing” today.'
    assert [text[p.start : p.end] for p in find_pieces(text)] == ["one thing", "another thing"]


def test_unclosed_quote_ends_with_its_paragraph():
    text = '"First part of it.\n\n"Second part."'
    pieces = find_pieces(text)
    assert [text[p.start : p.end] for p in pieces] == ["First part of it.", "Second part."]
    assert pieces[0].close_mark is None and pieces[1].close_mark is not None
    assert pieces[1].paragraph == pieces[0].paragraph + 1  # blank lines are not paragraphs


# --------------------------------------------------------------------------- direct quotes
@pytest.mark.parametrize("open_, close", [("“", "”"), ('"', '"')])
def test_direct_quote_with_either_mark(quotes_of, open_, close):
    found = _direct(quotes_of(f"{open_}We will fight this bill all the way,{close} Pelosi said."))
    assert len(found) == 1
    assert found[0].text == "We will fight this bill all the way,"
    assert found[0].speaker == "Pelosi"
    assert found[0].cue == "said"


def test_split_quote_gives_two_pieces_with_one_speaker(quotes_of):
    text = '"The plan is dead," Schumer said, "and we will not revive it this year."'
    found = _direct(quotes_of(text))
    assert [q.text for q in found] == ["The plan is dead,", "and we will not revive it this year."]
    assert {q.speaker for q in found} == {"Schumer"}


def test_multi_sentence_quote_is_one_piece(quotes_of):
    text = "“I have no idea what this allegation is about. It is false,” Sessions said."
    found = _direct(quotes_of(text))
    assert len(found) == 1
    assert found[0].text.startswith("I have no idea") and "It is false" in found[0].text
    assert found[0].speaker == "Sessions"


def test_paragraph_continuation_keeps_the_speaker(quotes_of):
    text = (
        "Senator Elizabeth Warren said in a long statement:\n\n"
        '"The banks have had their way for far too long in this town.\n\n'
        '"It is time that the rules applied to them as well."'
    )
    found = _direct(quotes_of(text))
    assert len(found) == 2
    assert found[0].text.endswith("in this town.")
    assert {q.speaker for q in found} == {"Elizabeth Warren"}


def test_unattributed_quote_continues_previous_paragraph(quotes_of):
    text = (
        '"If he is the subject of an investigation, of course he would," Ryan told reporters.\n\n'
        '"But if he is not, I do not see any purpose in doing this."'
    )
    found = _direct(quotes_of(text))
    assert [q.speaker for q in found] == ["Ryan", "Ryan"]


def test_partial_quote_inside_a_sentence(quotes_of):
    text = 'President Donald Trump said he has "total" confidence in Jeff Sessions.'
    found = quotes_of(text)
    (piece,) = _direct(found)
    assert piece.text == "total" and piece.speaker == "Donald Trump"
    (reported,) = _reported(found)
    assert reported.text.startswith("he has") and reported.speaker == "Donald Trump"


def test_scare_quotes_without_a_cue_are_not_quotes(quotes_of):
    assert quotes_of('The so-called "alt-right" movement grew in 2016.') == []


# --------------------------------------------------------------------------- reported speech
def test_reported_speech_with_says(quotes_of):
    (q,) = quotes_of("Sessions says he never met with any Russian officials.")
    assert not q.direct
    assert q.text == "he never met with any Russian officials"
    assert q.speaker == "Sessions"


def test_reported_speech_with_said_that(quotes_of):
    (q,) = quotes_of("Nancy Pelosi said that the attorney general must resign.")
    assert q.text == "that the attorney general must resign"
    assert q.speaker == "Nancy Pelosi"


def test_reported_speech_with_according_to(quotes_of):
    (q,) = quotes_of("According to the Justice Department, the meetings were routine.")
    assert q.text == "the meetings were routine"
    assert q.speaker == "the Justice Department"
    assert q.cue == "according to"


def test_parenthetical_attribution_covers_its_sentence(quotes_of):
    text = "In the long run, many economists say, this effect could slow medical spending."
    (q,) = quotes_of(text)
    assert q.text == text.rstrip(".") and q.speaker == "many economists" and not q.direct


def test_passive_subject_is_not_the_speaker(quotes_of):
    found = quotes_of("Sessions was asked whether he had met the ambassador.")
    assert all(q.speaker != "Sessions" for q in found)


# --------------------------------------------------------------------------- speakers
def test_described_speaker_kept_as_written(quotes_of):
    text = "“This is the latest attack,” a senior administration official said on Thursday."
    (q,) = _direct(quotes_of(text))
    assert q.speaker == "a senior administration official"


def test_pronoun_resolves_to_a_person_of_fitting_gender(quotes_of):
    text = (
        "Jeff Sessions met Nancy Pelosi on Monday to discuss the bill.\n\n"
        '"It was a useful meeting for both of us," he said.'
    )
    (q,) = _direct(quotes_of(text))
    assert q.speaker == "Jeff Sessions"
    text = text.replace('" he said', '" she said')
    assert "she said" in text
    (q,) = _direct(quotes_of(text))
    assert q.speaker == "Nancy Pelosi"


def test_pronoun_after_surname_gets_the_full_name(quotes_of):
    text = (
        "Attorney General Jeff Sessions spoke to reporters.\n\n"
        "Later, Sessions said he never met with any Russian officials."
        ' "It is false," he said.'
    )
    (q,) = _direct(quotes_of(text))
    assert q.speaker == "Jeff Sessions"


def test_possessive_statement_speaker(quotes_of):
    text = "“I never met with any Russian officials,” Sessions’ statement said."
    (q,) = _direct(quotes_of(text))
    assert q.speaker == "Sessions"


# --------------------------------------------------------------------------- grouping
def test_statement_tokens_fold_person_and_case():
    assert statement_tokens("“I never met them,” ") == statement_tokens("he never met THEM")
    assert same_statement(
        statement_tokens("he never met with any Russian officials to discuss issues"),
        statement_tokens("I never met with any Russian officials to discuss issues of campaigns"),
    )
    assert not same_statement(
        statement_tokens("I met the Russian ambassador twice last year"),
        statement_tokens("I never met with any Russian officials to discuss issues"),
    )


@pytest.fixture(scope="session")
def grouped_documents(nlp):
    texts = {
        "a": "“I never met with any Russian officials to discuss issues of the campaign,” "
        "Sessions said. “I have no idea what this allegation is about.”",
        "b": 'Attorney General Jeff Sessions says "he never met with any Russian officials to '
        'discuss issues" of the campaign.',
        "c": "Sessions said he never met with any Russian officials to discuss issues of the "
        "campaign.\n\n“I met the ambassador twice, and we discussed the weather,” Kislyak said.",
    }
    docs = []
    for ident, text in texts.items():
        doc = nlp(text)
        docs.append(
            Document(
                article=Article(id=ident, text=text),
                sentences=(),
                quotes=tuple(extract_quotes(doc, text)),
                doc=doc,
            )
        )
    return docs


def test_same_statement_across_sources_is_one_quote(grouped_documents):
    sessions = Entity(
        id="e1", name="Jeff Sessions", type="PERSON",
        variants=("Jeff Sessions", "Sessions"), sources=("a", "b", "c"),
    )
    quotes = group_quotes(grouped_documents, [sessions])
    (never,) = [q for q in quotes if "never met" in q.text]
    assert never.text == "I never met with any Russian officials to discuss issues of the campaign,"
    assert sorted(v.source for v in never.sources) == ["a", "b", "c"]
    assert {v.source: v.direct for v in never.sources} == {"a": True, "b": True, "c": False}
    assert never.speaker == "Jeff Sessions" and never.speaker_entity == "e1"
    # different statements stay apart, even from the same speaker
    others = [q for q in quotes if q is not never]
    assert any(q.text.startswith("I have no idea") for q in others)
    (kislyak,) = [q for q in others if "ambassador twice" in q.text]
    assert kislyak.speaker == "Kislyak" and kislyak.speaker_entity is None


def test_group_quotes_extracts_when_document_has_none(grouped_documents):
    bare = [
        Document(article=d.article, sentences=(), doc=d.doc) for d in grouped_documents
    ]
    assert group_quotes(bare) == group_quotes(grouped_documents)


# --------------------------------------------------------------------------- example
def test_every_quotation_in_the_example_has_a_speaker(example_documents):
    for document in example_documents:
        text = document.article.text
        found = extract_quotes(document.doc, text)
        direct = [q for q in found if q.direct]
        pieces = find_pieces(text)
        assert len(direct) == len(pieces) > 0
        for q in found:
            assert text[q.start : q.end] == q.text
        for q in direct:
            assert q.speaker and q.speaker.lower() not in {"he", "she", "they", "it"}, q


def test_example_statement_grouped_across_outlets(example_documents):
    for d in example_documents:
        d.quotes = tuple(extract_quotes(d.doc, d.article.text))
    quotes = group_quotes(example_documents)
    (never,) = [q for q in quotes if q.text.startswith("I never met with any Russian")]
    assert len({v.source for v in never.sources}) == 3
    assert "Sessions" in never.speaker


# --------------------------------------------------------------------------- CLI
def test_cli_writes_one_line_per_article(tmp_path, nlp):
    from newsweave.cli import main

    src = tmp_path / "articles.jsonl"
    src.write_text(
        json.dumps({"id": "x1", "text": "“We will win this fight,” Pelosi said."}) + "\n\n"
        + json.dumps({"text": "No quotes in here at all."}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "quotes.jsonl"
    assert main(["quotes", "--jsonl", str(src), "--out", str(out), "--no-progress"]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["id"] == "x1"
    (q,) = lines[0]["quotes"]
    assert q == {"start": 1, "end": 24, "text": "We will win this fight,", "speaker": "Pelosi",
                 "direct": True}
    assert lines[1] == {"id": 3, "quotes": []}


def test_cli_malformed_line_is_one_error(tmp_path, capsys):
    from newsweave.cli import main

    src = tmp_path / "bad.jsonl"
    src.write_text('{"text": "fine"}\n{not json\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["quotes", "--jsonl", str(src), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{src}:2:" in err and "Traceback" not in err
    # the good line before the bad one is still written (report and go on)
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == [1]


# --------------------------------------------------------------------------- benchmark metric
def test_benchmark_gold_pieces_and_matching():
    from benchmarks.quotes import gold_pieces, match, norm, same_source

    text = '“One thing,” he said. “Another thing.” Then more.'
    gold = {"parts": [[0, 12], [22, 38]], "speaker": "he"}
    assert [p.text for p in gold_pieces(text, gold)] == ["One thing,", "Another thing."]
    assert norm("“One thing,”") == norm("One thing") == "One thing"
    pairs = match([(0, 10), (20, 30)], [(21, 30), (0, 9), (40, 50)], lambda g, p: True)
    assert sorted(pairs) == [(0, 1), (1, 0)]
    assert same_source("Jeff Sessions", "Sen. Sessions")
    assert same_source("a senior administration official", "the official")
    assert not same_source("Nancy Pelosi", "Sessions")
