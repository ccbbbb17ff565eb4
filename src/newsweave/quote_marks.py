"""Quotation marks as news text writes them, and whether a span leaves a quotation open.

One place for the marks the quote finder pairs (``quotes.find_pieces``), the summary refuses
to lift a fragment of (``summary``) and compression never cuts inside (``compress``)."""

from __future__ import annotations

import re

#: quotation marks that delimit direct speech. Single quotes are left out: in news text they
#: are nearly always apostrophes, and quotes nested inside a quote stay inside its piece
#: (an article quoting only in curly single quotes, as British papers do, is read through
#: ``single_quotes_as_double``).
QUOTE_MARKS = frozenset('"“”')
#: the New York Times archive's rendering of a double quote. Text between two of them is
#: masked like any quotation (no speaker is taken from inside it) and reported, but flagged
#: ``direct=False``: PolNeAR, the annotated corpus we measure on, does not count it as a
#: quotation mark, and the CLI's ``direct`` promises a real quotation mark.
DOUBLED_APOSTROPHE = "''"
#: the same archive's opening mark (``like this''): it only ever opens a quote, which its
#: '' closes, and that pair is a real quotation (``direct``), as PolNeAR has none of them
DOUBLED_BACKTICK = "``"
#: every mark, single characters and the archives' doubled ones
ALL_MARKS = (*QUOTE_MARKS, DOUBLED_APOSTROPHE, DOUBLED_BACKTICK)


def _archive_open(text: str) -> bool:
    opens, closes = text.count(DOUBLED_BACKTICK), text.count(DOUBLED_APOSTROPHE)
    return opens > closes if opens else closes % 2 == 1


#: a quotation's closing mark right after a span, a final stop or comma before it
_CLOSER_AFTER = re.compile(r"[.,!?]?(?:[\"”]|'')")


def with_closing_mark(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` taking in the closing quotation mark right after it when the span
    opens a quotation it does not close: a reported clause that takes up a quotation ('he
    "was asked ... Committee."'), a sentence the splitter ended before its mark; what is
    shown must not open a quote it never closes."""
    if not leaves_quote_open(text[start:end]):
        return start, end
    found = _CLOSER_AFTER.match(text, end)
    return (start, found.end()) if found else (start, end)


def leaves_quote_open(text: str) -> bool:
    """Whether ``text`` opens a quotation it does not close (an odd count of straight marks,
    more openers than closers)."""
    return (text.count('"') % 2 == 1 or text.count("“") > text.count("”")
            or _archive_open(text))


def quotes_balanced(text: str) -> bool:
    """Whether every quotation ``text`` opens it also closes, and the reverse."""
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        return False
    opens, closes = text.count(DOUBLED_BACKTICK), text.count(DOUBLED_APOSTROPHE)
    return opens == closes if opens else closes % 2 == 0


def has_quote_mark(text: str) -> bool:
    return any(mark in text for mark in ALL_MARKS)


#: a curly quotation mark decoded with the wrong code page and then replaced
_MANGLED = "\ufffd?"
_MANGLED_CLOSE = re.compile(r"(?<=\S)\ufffd\?(?=\s|$)")
_MANGLED_OPEN = re.compile(r"\ufffd\?(?=\w)")


def typeset(text: str) -> str:
    """The archives' marks as a reader expects to see them: ``like this'' -> “like this”.

    Display only: a brief's JSON keeps the text as its articles write it, since citations and
    copies are matched on it. With an opening `` every '' closes; without one (the New York
    Times archive's '' both ways) an even number of them alternate, an odd one is left as is,
    as it cannot be told which of them opens. A curly mark that a page's wrong decoding left as
    "\ufffd?" (a replacement character and a question mark, as in some Multi-News pages) is
    shown as the mark it was: opening before a word, closing after one."""
    if _MANGLED in text:
        text = _MANGLED_OPEN.sub("\u201c", _MANGLED_CLOSE.sub("\u201d", text))
    if DOUBLED_BACKTICK in text:
        return text.replace(DOUBLED_BACKTICK, "“").replace(DOUBLED_APOSTROPHE, "”")
    pieces = text.split(DOUBLED_APOSTROPHE)
    if len(pieces) == 1 or len(pieces) % 2 == 0:
        return text
    out = [pieces[0]]
    for n, piece in enumerate(pieces[1:]):
        out.append("“" if n % 2 == 0 else "”")
        out.append(piece)
    return "".join(out)


#: a curly single quote that opens a quotation: at a paragraph's or clause's start, before
#: a word ("said: ‘We will", "as a ‘bold plan’")
_SINGLE_OPENER = re.compile(r"(?:^|(?<=[\s(\[—–-]))\u2018(?=[\w(…])", re.M)


def single_quotes_as_double(text: str) -> str:
    """``text`` with curly single quotes that delimit quotations written as double ones, for
    an article that quotes only in single quotes (British papers: "said: ‘We will not be
    deterred.’"), where they would be read as apostrophes; the text as given otherwise (any
    double mark, or no opening single quote). Same length, so offsets hold.

    An opening ‘ stands before a word after a space or a paragraph's start; while one is
    open, a ’ closes it after a stop ("deterred.’", "shambles,’"), before one or a line's
    end ("plan’."), or before a space unless it follows an "s" (the plural possessive in
    "the officials’ view"); a ’ between letters ("It’s", "don’t") is an apostrophe."""
    if "\u2018" not in text or '"' in text or "\u201c" in text or "\u201d" in text:
        return text
    opens = {m.start() for m in _SINGLE_OPENER.finditer(text)}
    if not opens:
        return text
    chars = list(text)
    open_at: int | None = None
    for i, ch in enumerate(text):
        if ch == "\n":
            open_at = None  # a quotation left open ends with its paragraph
        elif i in opens:
            chars[i], open_at = "\u201c", i
        elif ch == "\u2019" and open_at is not None:
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < len(text) else "\n"
            if after.isalnum():
                continue
            if (before in ".,!?…;:" or after in ".,;:!?)—–\n"
                    or (after.isspace() and before != "s")):
                chars[i], open_at = "\u201d", None
    return "".join(chars)
