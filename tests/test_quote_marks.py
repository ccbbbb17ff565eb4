"""Quotation marks: whether a span leaves a quotation open, or holds only whole ones."""

import pytest

from newsweave.quote_marks import (
    has_quote_mark,
    leaves_quote_open,
    quotes_balanced,
    single_quotes_as_double,
)


@pytest.mark.parametrize(
    ("text", "open_", "balanced"),
    [
        ('He said "we will', True, False),
        ('He said "we will." Then', False, True),
        ("He said \u201cwe will", True, False),
        ("we will,\u201d he said", False, False),  # closes what it never opened
        ("He said ``we will", True, False),
        ("He said ``we will.'' Then", False, True),
        ("a ''b, c", True, False),  # a page without backticks: '' toggles
        ("a ''b'' c", False, True),
        ("no marks at all", False, True),
    ],
)
def test_open_and_balanced(text, open_, balanced):
    assert leaves_quote_open(text) is open_
    assert quotes_balanced(text) is balanced


def test_has_quote_mark_knows_the_archive_marks():
    assert has_quote_mark("said ``yes") and has_quote_mark("yes,'' he")
    assert not has_quote_mark("the mayor's plan")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("He said ``we will.'' Then", "He said \u201cwe will.\u201d Then"),
        ("''We will,'' he said. ''Soon.''", "\u201cWe will,\u201d he said. \u201cSoon.\u201d"),
        ("one '' mark of three '' or '' so", "one '' mark of three '' or '' so"),  # odd: kept
        ('plain "marks" stay', 'plain "marks" stay'),
        ("the mayor's plan", "the mayor's plan"),
        # a curly mark a page's wrong decoding left as a replacement character and a "?"
        ("a \u201cdirect attack\ufffd? on Trump", "a \u201cdirect attack\u201d on Trump"),
        ("McCain: \ufffd?I am not.\ufffd?", "McCain: \u201cI am not.\u201d"),
        ("a prot\ufffdg\ufffd of Vito", "a prot\ufffdg\ufffd of Vito"),  # not a mark
    ],
)
def test_typeset_shows_archive_marks_as_a_reader_expects(text, shown):
    from newsweave.quote_marks import typeset

    assert typeset(text) == shown


@pytest.mark.parametrize(("text", "shown"), [
    # a British paper's quotations: opened before a word, closed after a stop or a word
    ("He said: \u2018We will not be deterred.\u2019",
     "He said: \u201cWe will not be deterred.\u201d"),
    ("\u2018It\u2019s a shambles,\u2019 one MP said.",
     "\u201cIt\u2019s a shambles,\u201d one MP said."),
    ("It was a \u2018bold plan\u2019 and it failed.",
     "It was a \u201cbold plan\u201d and it failed."),
    ("She said it was \u2018deeply disappointing\u2019.",
     "She said it was \u201cdeeply disappointing\u201d."),
    # the plural possessive inside a quotation does not close it
    ("\u2018The officials\u2019 view is wrong,\u2019 he said.",
     "\u201cThe officials\u2019 view is wrong,\u201d he said."),
    # an article with double marks keeps its single ones as they are, and so does one
    # whose single quotes are only apostrophes
    ("\u201cHe said \u2018no\u2019,\u201d she said.",
     "\u201cHe said \u2018no\u2019,\u201d she said."),
    ("It\u2019s the council\u2019s vote.", "It\u2019s the council\u2019s vote."),
])
def test_single_quotes_are_read_as_quotations_where_an_article_has_no_double_ones(text, shown):
    assert single_quotes_as_double(text) == shown
    assert len(single_quotes_as_double(text)) == len(text)
