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
