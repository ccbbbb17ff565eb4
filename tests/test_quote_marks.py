"""Quotation marks: whether a span leaves a quotation open, or holds only whole ones."""

import pytest

from newsweave.quote_marks import has_quote_mark, leaves_quote_open, quotes_balanced


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
