"""Long and adversarial article texts: spaCy runs over bounded pieces with offsets kept, long
tokens cannot make the tokenizer quadratic, quote finding stays linear, and texts past the
documented limits are one InputError."""

from __future__ import annotations

import time

import pytest

from newsweave.analyze import analyze
from newsweave.errors import InputError
from newsweave.models import Article
from newsweave.nlp import parse_texts, pieces, tokenizable
from newsweave.quotes import extract_quotes

SENT = "The minister said the plan would go ahead on Tuesday despite protests in the capital. "


def test_pieces_rejoin_exactly() -> None:
    text = ("Para one. " * 50 + "\n\n") * 40 + "x" * 5000 + " tail"
    parts = pieces(text, 2000)
    assert "".join(parts) == text and max(map(len, parts)) <= 2000
    assert parts[0].endswith("\n\n")  # cut at a paragraph break where there is one


def test_tokenizable_keeps_length_and_bounds_runs() -> None:
    text = "ok " + "[" * 5000 + " https://example.test/" + "a" * 300
    out = tokenizable(text)
    assert len(out) == len(text)
    assert max(len(w) for w in out.split()) <= 100
    assert tokenizable(SENT) == SENT


def test_pieced_parse_keeps_offsets_and_sentences() -> None:
    text = ("Officials met in Paris on Monday. " + SENT + "\n\n") * 400  # ~50k characters
    (doc,) = parse_texts([text])
    assert doc.text == text
    assert len(list(doc.sents)) >= 800
    for ent in list(doc.ents)[:50]:
        assert text[ent.start_char : ent.end_char] == ent.text


def test_quotes_on_a_long_text_stay_fast() -> None:
    text = (f'"We will not back down," the minister said. {SENT}\n\n') * 600  # ~80k chars
    (doc,) = parse_texts([text])
    started = time.monotonic()
    found = extract_quotes(doc, text)
    assert len(found) >= 600
    assert time.monotonic() - started < 20


def test_long_token_runs_parse_quickly() -> None:
    started = time.monotonic()
    (doc,) = parse_texts(["[" * 20_000])
    assert doc.text == "[" * 20_000 or len(doc.text) == 20_000
    assert time.monotonic() - started < 60


@pytest.mark.parametrize(
    ("text", "needle"),
    [("x" * 1_000_001, "1,000,000 limit"), ("[ " * 160_000, "150,000 limit"),
     ("A: " * 11_000, "5,000 limit")],
)
def test_texts_past_the_limits_are_one_error(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle) as info:
        analyze([Article(id="big", text=text)], embed=False)
    assert "big" in str(info.value) and "\n" not in str(info.value)


def test_weave_leaves_out_an_article_over_the_limits() -> None:
    from newsweave.weave import weave_articles

    good = Article(id="good", text=SENT * 3 + "Officials met in Paris on Monday.")
    bad = Article(id="bad", text="A: " * 11_000)
    refused: list[InputError] = []
    brief = weave_articles([good, bad], on_error=refused.append)
    assert [s.id for s in brief.sources] == ["good"]
    assert len(refused) == 1 and "bad" in str(refused[0])
    with pytest.raises(InputError, match="bad"):
        weave_articles([good, bad])


def test_wire_markup_reads_long_runs_of_spaces_once() -> None:
    """A run of spaces next to no code or note is scanned once: the patterns that take the
    spaces before what they drop were quadratic in such a run (100,000 spaces: minutes)."""
    from newsweave.ingest import without_wire_markup

    text = "AT&AMP;T (EDITORS: OPTIONAL <ANNOTATION" + " \t" * 50_000 + "x &UR; y."
    started = time.monotonic()
    out = without_wire_markup(text)
    assert time.monotonic() - started < 10
    assert out.startswith("AT&T (EDITORS: OPTIONAL <ANNOTATION") and out.endswith("x y.")


def test_reader_sentence_spans_stay_linear() -> None:
    """The article view finds cited sentences with ``serve.sentence_spans``, which looked for
    an abbreviation from the text's start at every stop (a 32,000-character text of short
    sentences took 8 s, a megabyte hours); abbreviations still hold a sentence together."""
    from newsweave.serve import sentence_spans

    text = "Mr. Ab went. " * 16_000  # 208,000 characters
    started = time.monotonic()
    spans = sentence_spans(text)
    assert time.monotonic() - started < 10
    assert len(spans) == 16_000 and text[slice(*spans[0])] == "Mr. Ab went."


def test_a_chain_of_according_to_phrases_stays_linear() -> None:
    """Each "according to" phrase's end was found by walking its whole subtree, and each
    phrase was tested against every other cue (does it relay one?); in a chain of them both
    are quadratic: 32,000 characters took about a minute, and with the first fixed 64,000
    still took 9 s."""
    (doc,) = parse_texts(["according to " * 20_000])  # 260,000 characters
    started = time.monotonic()
    extract_quotes(doc)
    assert time.monotonic() - started < 10


def test_many_names_and_speakers_stay_linear() -> None:
    """A short name was looked up among every earlier name, and every person mention tested
    against every speech cue: 50,000 characters of "Smith, who said that Jones, " took 9 s
    in the quote finder alone."""
    (doc,) = parse_texts(["Smith, who said that Jones, " * 5_400])  # 151,200 characters
    started = time.monotonic()
    extract_quotes(doc)
    assert time.monotonic() - started < 10
