"""Ingest: turn files and folders into :class:`Article` objects (and cluster JSONL into
:class:`Cluster` objects), streaming, with every bad input located by file and line/offset.

Formats, chosen by extension (``.xml`` and extension-less files are sniffed):

* plain text (``.txt``, ``.text``, no extension): one article per file, see below; UTF-8,
  UTF-16 with its byte-order mark, or Windows-1252 (with a warning);
* Markdown (``.md``, ``.markdown``): rendered by markdown-it, then read as plain text; its
  front matter (``title``, ``date``, ``author``, ``source``, ``url``) wins over the text;
* HTML (``.html``, ``.htm``, ``.xhtml``): main text, title, date and site name by trafilatura;
* article JSONL (``.jsonl``, ``.ndjson``, gzipped as ``.jsonl.gz``): the article contract,
  one article per line;
* JSON (``.json``): one article-contract object or an array of them, parsed whole;
* CSV (``.csv``, ``.tsv``): a spreadsheet of articles with a ``text`` column, one a row;
* e-mail (``.eml``): its text part, else its HTML part, with the subject and date sent;
* RSS/Atom (``.rss``, ``.atom``, or ``.xml`` holding a feed): one article per entry (feedparser);
* WARC (``.warc``, ``.warc.gz``): one article per HTML ``response`` record (warcio + trafilatura).

**What ``Article.text`` is.** Every character offset downstream (sentences, entities, quotes,
citations) indexes ``Article.text`` exactly as this module returns it, so the rules are fixed
here, once:

* JSONL and cluster records: the ``text`` field as given, but for the markup of wire
  archives (:func:`without_wire_markup`): their SGML codes ("AT&AMP;T" is AT&T, a quad such
  as "&QL;" is a paragraph break, another typesetting code goes with the spaces around it)
  and their notes to editors ("(STORY CAN END HERE. OPTIONAL MATERIAL FOLLOWS)", "(BEGIN
  OPTIONAL TRIM)", "XXXX END OF STORY", "ENDIT", "nn" paragraph marks, <ANNOTATION> tags);
  validated to hold some non-space character. Their metadata fields are taken as given too
  (dates normalised to ``YYYY-MM-DD``, wire codes out of titles); nothing is inferred from
  the text.
* Plain-text files: wire markup removed as for records, line endings normalised to ``\\n``,
  trailing spaces of each line dropped, runs of blank lines collapsed to one blank line (a
  paragraph break), and the *header* removed:
  a leading ``date YYYY-MM-DD`` marker, ``Updated: ...`` / ``Published: ...`` stamp lines and
  lines that hold only a date ("March 2, 2017", "Thu 2 Mar 2017 01.29 GMT", maybe beside a
  byline) among the first lines, a byline line among them (``By Jane Roe and John Doe``,
  names only, with an optional ``, Outlet``; it becomes ``Article.author``), and a title
  line (a short first line without final punctuation followed by a blank line, or by a
  whole paragraph on one line). The body
  starts at its first non-space character; its hard-wrapped paragraphs are joined back
  into one line each (:func:`unwrapped`). A dateline
  (``New York [USA], Mar. 3 (ANI):``, ``WASHINGTON:``, ``LONDON (AP) _``) and credit lines
  (``From The Guardian:``) are *kept* in the text (the summarizer trims datelines); they only
  feed metadata.
* HTML pages, WARC records and feed entries: the extracted text, one paragraph per block joined
  by blank lines, with a leading line repeating the title dropped (and, for pages, stamp lines
  and a byline among the first lines, as for plain text; the byline is the author when the
  page's metadata names none).

**Dates.** ``Article.published`` is the first publication as ``YYYY-MM-DD`` or ``None``; never an
"Updated" stamp, which goes to ``Article.updated``. For plain text the order of trust is the
``date`` marker, a ``Published:`` stamp, a date-only line, then the dateline's month and day
with the year taken from the file's other dates (the ``Updated`` stamp: a dateline "Mar. 3"
in a file updated "Aug 23, 2017" was published 2017-03-03).

**Errors.** Readers yield ``Article | InputError`` so a bad record never ends a file early;
:func:`iter_articles` hands errors to ``on_error`` (skip and go on) or raises the first one.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import io
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from newsweave import validate
from newsweave.boilerplate import is_page_notice, without_feed_footer
from newsweave.charsets import user_text, valid_character_references
from newsweave.errors import InputError, warn, warn_once
from newsweave.models import Article, Cluster

ErrorHandler = Callable[[InputError], None]
Item = Article | InputError

#: One plain-text or HTML file is one article: anything larger is not an article but a mistake
#: (a dump given the wrong extension), and reading it whole would break bounded memory.
MAX_ARTICLE_BYTES = 20 * 1024 * 1024
#: Longest JSONL line read; longer lines are reported and skipped without being held in memory.
MAX_LINE_BYTES = 32 * 1024 * 1024
#: Largest HTTP body taken from one WARC record (news pages are well under this).
MAX_RECORD_BYTES = 10 * 1024 * 1024
#: Blank lines in a row after which a JSONL file is read no further: none has so many, and
#: a gzipped flood of line breaks expands 200 to 1 into hundreds of millions of them.
MAX_BLANK_LINES = 100_000
#: Bad records in a row after which a JSONL file is read no further (each is one line on
#: stderr): a file of another kind, or a flood, not a few bad lines among good ones.
MAX_BAD_IN_A_ROW = 10_000
#: Bytes allowed after the last WARC record (line breaks) before the rest counts as damage.
WARC_TRAILING_SLACK = 4
#: feedparser has no streaming API, so a feed file is parsed whole: cap it.
MAX_FEED_BYTES = 16 * 1024 * 1024
#: An HTML page is parsed whole by lxml and trafilatura, whose time grows with its elements:
#: pages over this size or with more tags than this are refused (news pages have a few
#: thousand tags; 100,000 took trafilatura minutes).
MAX_HTML_BYTES = 8 * 1024 * 1024
MAX_HTML_TAGS = 50_000
#: A WARC (or gzip) stream may expand to at most this many times its size on disk (plus
#: ``WARC_EXPAND_FLOOR``): a gzip bomb stops at the cap instead of filling memory or time.
WARC_EXPAND_RATIO = 100
WARC_EXPAND_FLOOR = 256 * 1024 * 1024
#: Longest run of decompressed WARC bytes without a line break (warcio reads header lines
#: whole: a header "line" of gigabytes would be held in memory).
WARC_MAX_LINE = 4 * 1024 * 1024
#: The first bytes of a gzip file.
GZIP_MAGIC = b"\x1f\x8b"
#: Bytes sniffed for binary content (a NUL byte) and for the kind of markup.
SNIFF_BYTES = 8192
#: A title line is a headline, not a sentence: at most this many words / characters.
TITLE_MAX_WORDS = 25
TITLE_MAX_CHARS = 200
#: An agency named in a dateline is a short name ("AP", "Reuters", "Press Trust of India").
OUTLET_MAX_WORDS = 4
#: Header stamps and credit lines are looked for among this many leading non-blank lines.
HEADER_LINES = 8
CREDIT_LINES = 10
#: Hex characters of sha256 kept in an article id: 64 bits, collision-free at archive scale.
ID_HEX_CHARS = 16

TEXT_SUFFIXES = frozenset({".txt", ".text", ""})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
JSON_SUFFIXES = frozenset({".json"})
CSV_SUFFIXES = frozenset({".csv", ".tsv"})
EMAIL_SUFFIXES = frozenset({".eml"})
FEED_SUFFIXES = frozenset({".rss", ".atom"})
KNOWN_SUFFIXES = ("text (.txt), Markdown (.md), HTML (.html), JSONL (.jsonl), JSON (.json), "
                  "CSV with a text column (.csv), e-mail (.eml), RSS/Atom (.rss, .atom, .xml), "
                  "WARC")


# --------------------------------------------------------------------------- ids and dates
def _id_key(text: str) -> str:
    """The form of a text that its id hashes: Unicode NFKC, whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def article_id(text: str) -> str:
    """Stable id of an article from its content: same text (up to whitespace and Unicode
    compatibility forms) gives the same id on every machine and run."""
    digest = hashlib.sha256(_id_key(text).encode("utf-8")).hexdigest()
    return digest[:ID_HEX_CHARS]


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[T ]\d)")
_YEAR = re.compile(r"\b\d{4}\b")


def _parse_datetime(value: str) -> datetime | None:
    """A full date (year, month and day all written) parsed by dateutil, else None.

    Parsing twice with different defaults tells which fields the string really gave."""
    from dateutil import parser as dateparser

    value = value.strip()
    if not value or not _YEAR.search(value):
        return None
    try:
        one = dateparser.parse(value, default=datetime(2001, 1, 1), ignoretz=True)
        two = dateparser.parse(value, default=datetime(2002, 2, 2), ignoretz=True)
    except (ValueError, OverflowError, TypeError):
        return None
    if (one.year, one.month, one.day) != (two.year, two.month, two.day):
        return None
    return one


def normalise_date(value: str | None) -> str | None:
    """ISO ``YYYY-MM-DD`` for any full date string (ISO, RFC 822, "Aug 23, 2017 11:20 IST"),
    None for a missing, partial ("March 2017") or unparseable one."""
    if value is None:
        return None
    value = str(value).strip()
    match = _ISO_DATE.match(value)
    if match:
        try:
            return date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            return None
    parsed = _parse_datetime(value)
    return parsed.date().isoformat() if parsed else None


#: RFC 822 zone names (the ones feeds write) and their offsets in hours; dateutil knows only
#: UTC/GMT by itself and would drop the others, shifting the local day.
_ZONES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
    "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
}


def _zone(name: str, offset: int | None) -> Any:
    from datetime import timedelta, timezone

    if offset is not None:
        return timezone(timedelta(seconds=offset))
    hours = _ZONES.get(name.upper()) if name else None
    return timezone(timedelta(hours=hours)) if hours is not None else None


def normalise_timestamp(value: str | None) -> str | None:
    """A publication time as written, keeping its own UTC offset: ``Wed, 01 Mar 2017 21:30
    -0500`` -> ``2017-03-01T21:30:00-05:00`` (the local day stays 2017-03-01; converting to UTC
    first would move it to the 2nd). A time without a zone stays local without an offset, a
    date without a time is ``YYYY-MM-DD``; partial or unparseable values are None."""
    import warnings

    from dateutil import parser as dateparser

    if value is None:
        return None
    value = str(value).strip()
    if not value or not _YEAR.search(value):
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return normalise_date(value)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown zone names: handled by the fallback below
            one = dateparser.parse(value, default=datetime(2001, 1, 1, 0, 0, 0), tzinfos=_zone)
            two = dateparser.parse(value, default=datetime(2002, 2, 2, 13, 17, 19), tzinfos=_zone)
    except (ValueError, OverflowError, TypeError):
        return None
    if (one.year, one.month, one.day) != (two.year, two.month, two.day):
        return None
    if (one.hour, one.minute) != (two.hour, two.minute):
        return one.date().isoformat()  # no time written
    if one.tzinfo is None and re.search(r"[+-]\d{2}:?\d{2}\s*$", value) is None:
        zone = re.search(r"\b([A-Z]{2,4})\s*$", value)
        tz = _zone(zone.group(1), None) if zone else None
        if tz is not None:
            one = one.replace(tzinfo=tz)
    if one.second != two.second:
        one = one.replace(second=0)
    return one.replace(microsecond=0).isoformat()


def day_of(value: str | None) -> str | None:
    """The local day (``YYYY-MM-DD``) of a stored ``published``/``updated`` value."""
    return value[:10] if value else None


def _month_day(value: str, year: int) -> date | None:
    """Month and day written without a year ("Mar. 3"), placed in ``year``."""
    from dateutil import parser as dateparser

    try:
        return dateparser.parse(value, default=datetime(year, 1, 1)).date()
    except (ValueError, OverflowError, TypeError):
        return None


def _date_in_year_before(value: str, reference: date) -> date | None:
    """The date "Mar. 3" names, in the year that puts it on or before ``reference`` (a later
    date of the same article, such as its update stamp)."""
    found = _month_day(value, reference.year)
    if found is not None and found > reference:
        found = _month_day(value, reference.year - 1)
    return found


# --------------------------------------------------------------------------- plain text
_MARKER = re.compile(r"^\s*date:?[ \t]+(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)
_STAMP = re.compile(
    r"^(?P<kind>(?:last[ ]+)?(?:updated|modified)|(?:first[ ]+)?(?:published|posted))"
    r"(?:[ ]+(?:on|at))?[ ]*:?[ ]*(?P<value>\S.*)$",
    re.IGNORECASE,
)
_CLOSERS = "\"'”’»)]"
_FINAL_PUNCT = ".!?;:,"

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_UPWORD = r"[A-Z][A-Z'’.\-]*"
_CAPWORD = r"[A-Z][\w'’.\-]*"
_DATELINE = re.compile(
    rf"""^(?:
        (?P<place>{_CAPWORD}(?:[ ]{_CAPWORD}){{0,3}}(?:,[ ]{_CAPWORD}(?:[ ]{_CAPWORD})?)?)
        (?P<country>[ ]?\[[^\]\n]{{1,40}}\])?
        (?:,?[ ](?P<date>{_MONTH}[ ]\d{{1,2}}(?:,?[ ]\d{{4}})?))?
        (?:[ ]?\((?P<outlet>[A-Z][\w.&'’ -]{{1,40}}?)\))?
        [ ]*(?:--|[:_\-—–])(?=\s)
      | \((?P<lead_outlet>[A-Z][\w.&'’ -]{{1,40}}?)\)[ ]*(?:--|[:_\-—–])?
    )""",
    re.VERBOSE,
)
#: Parenthesised words after a place that are not news agencies (party-state tags and the like).
_NOT_OUTLET = re.compile(r"^(?:[A-Z]|[RDI]-.*|AP Photo.*)$")
_CREDIT = re.compile(
    r"^(?:(?:From|Via|Courtesy of)[ ]+(?P<a>[A-Z][\w.&'’-]*(?:[ ][\w.&'’-]+){0,5})[ ]*:"
    r"|(?:Source|Credit)[ ]*:[ ]*(?P<b>[A-Z][\w.&'’-]*(?:[ ][\w.&'’-]+){0,5})\.?)$"
)


def _joined_paragraphs(lines: Iterable[str]) -> str:
    """Lines joined, at most one blank line between paragraphs."""
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


#: other breaks a text file may hold: a page break (``\\f``, as pdftotext writes between
#: pages) and a vertical tab end a line; Unicode's paragraph separator ends a paragraph
_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n\n", "\x85": "\n"})
_PAGE_BREAK = re.compile(r"\n?[\f\v]")  # "...about\n\fthe next page": one line break


def _tidy_lines(text: str) -> str:
    """Line endings as ``\\n``, no trailing spaces, at most one blank line between paragraphs."""
    text = _PAGE_BREAK.sub("\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(_BREAKS)
    return _joined_paragraphs(line.rstrip() for line in text.split("\n"))


#: Wire archives (the LDC's NYT and AP newswire, as in DUC and TDT) write "&" "<" ">" as
#: SGML entities in capitals, and typesetting codes as two-capital entities of their own.
#: A quad ("&QL;" left, "&QC;" centre, "&QR;" right) ends a typeset line: a byline, a
#: credit, a heading; the others ("&UR;", "&LR;", "&HT;" a tab...) sit inside a line.
_WIRE_CHARS = {"&AMP;": "&", "&LT;": "<", "&GT;": ">"}
_WIRE_CHAR = re.compile("|".join(_WIRE_CHARS))
#: each pattern that takes the spaces before what it drops starts only where a run of
#: spaces starts (the lookbehind), so a long run is scanned once, not once per space
_WIRE_CODE = re.compile(r"(?<![ \t])[ \t]*(?:&[A-Z]{2};[ \t]*)+")
_QUAD = re.compile(r"&Q[LCR];")
#: A scrape that escaped "&amp;" twice leaves "AT&T;", "H&M;", "R&B;": no entity is one
#: letter long, so the ";" after one is the scrape's, not the writer's.
_STRAY_ENTITY_END = re.compile(r"(?<=[A-Za-z]&[A-Z]);")


def _code_run(match: re.Match[str]) -> str:
    """A quad ends the line; another code leaves a space, none before punctuation or at a
    line's end ("Sen &UR; . &LR; Alfonse" is "Sen. Alfonse")."""
    if _QUAD.search(match.group(0)):
        return "\n\n"
    after = match.string[match.end():match.end() + 1]
    return "" if not after or after in ".,;:!?)]\n" else " "


def without_wire_codes(text: str) -> str:
    """``text`` without the wire archives' SGML codes: "AT&AMP;T" is AT&T, "Janice &UR; &LR;
    Baxter" is Janice Baxter, and a quad is a paragraph break ("By Georgeanne Brennan &QL;
    c. 1999 The San Francisco Chronicle &QL; SAN FRANCISCO _ ..." is a byline, a credit and
    the dateline's paragraph). Left in, the codes were read as words: in summaries (where
    they took budget), names and quotes."""
    if "&" not in text:
        return text
    text = _WIRE_CHAR.sub(lambda m: _WIRE_CHARS[m.group(0)], text)
    text = _STRAY_ENTITY_END.sub("", text)
    if "&" not in text or not _WIRE_CODE.search(text):
        return text
    text = _WIRE_CODE.sub(_code_run, text)
    return _joined_paragraphs(line.strip(" \t") for line in text.split("\n")).strip("\n")


#: Wire archives' notes to editors, which are no part of the story: where it may be cut
#: ("(STORY CAN END HERE. OPTIONAL MATERIAL FOLLOWS)", "(Story can end here. Optional add
#: follows.)", "(BEGIN OPTIONAL TRIM)"), where it
#: ends ("XXXX END OF STORY", "ENDIT"), the <ANNOTATION> tags the LDC put around such notes,
#: the NYT service's "nn" paragraph marks, and terms of use addressed "(EDITORS: ...)". Fixed
#: words that open the parenthesis or fill the line, so a writer's "(optional)" or "(AP)"
#: never matches.
_NOTE_HINT = re.compile(r"OPTIONAL|(?i:story can end)|END OF STORY|ENDIT|ANNOTATION>|\(EDITORS?:"
                        r"|(?<![\w'-])nn(?![\w'-])|^[ \t]*X{3,}[ \t]*$", re.M)
_NOTE_IN_PARENS = re.compile(
    r"(?<![ \t])[ \t]*\((?:(?i:story can end here)|(?:(?:BEGIN|END|FIRST|SECOND|THIRD)[ \t]+)?"
    r"OPTIONAL[ \t])[^()\n]{0,80}\)")
_EDITORS_NOTE = re.compile(r"(?<![ \t])[ \t]*\(EDITORS?:[^()\n]{0,400}\)")
_ANNOTATION_TAG = re.compile(r"(?<![ \t])[ \t]*</?ANNOTATION>")
_NOTE_LINE = re.compile(
    r"^[ \t]*(?:X{3,}(?:[ \t]*END OF STORY)?|END OF STORY|ENDIT|nn"
    r"|(?:(?:BEGIN|END|FIRST|SECOND|THIRD)[ \t]+)?OPTIONAL[ \t]+(?:TRIM|MATERIAL)"
    r"(?:[ \t]+(?:FOLLOWS|BEGINS|ENDS))?)[ \t]*$", re.M)
#: "nn" inside a paragraph: only between a sentence's end and the next one's capital
_INLINE_NN = re.compile(r"(?<=[.!?)\"'] )nn(?: (?=[A-Z`\"'‘“])|[ \t]*$)", re.M)


def without_editor_notes(text: str) -> str:
    """``text`` without the wire archives' notes to editors (``_NOTE_HINT``). Left in, "(STORY
    CAN END HERE." was read as a sentence and "OPTIONAL MATERIAL FOLLOWS) The ..." glued to
    the next one, and "STORY CAN END" was listed as an organisation."""
    if not _NOTE_HINT.search(text):
        return text
    for pattern in (_NOTE_IN_PARENS, _EDITORS_NOTE, _ANNOTATION_TAG, _NOTE_LINE, _INLINE_NN):
        text = pattern.sub("", text)
    return _joined_paragraphs(line.rstrip(" \t") for line in text.split("\n")).strip("\n")


def without_wire_markup(text: str) -> str:
    """What ingest stores of a text: without the wire archives' SGML codes
    (``without_wire_codes``) and notes to editors (``without_editor_notes``)."""
    return without_editor_notes(without_wire_codes(text))


def clean_title(title: str | None) -> str | None:
    """A record's title without wire markup; None when nothing else was there ("&HT;")."""
    cleaned = title and without_wire_markup(title)
    return title if cleaned == title else " ".join(cleaned.split()) or None


def _strip_closers(line: str) -> str:
    return line.rstrip().rstrip(_CLOSERS).rstrip()


def _looks_like_title(line: str) -> bool:
    """A headline: short, starts with a capital or digit, no sentence-final punctuation."""
    stripped = line.strip()
    if not stripped or len(stripped) > TITLE_MAX_CHARS:
        return False
    starts_well = stripped[0].isupper() or stripped[0].isdigit()
    if len(stripped.split()) > TITLE_MAX_WORDS or not starts_well:
        return False
    core = _strip_closers(stripped)
    return bool(core) and core[-1] not in _FINAL_PUNCT and _parse_dateline(stripped) is None


#: One word of a line that is nothing but a date and time, as sites print one under a
#: headline ("Thu 2 Mar 2017 01.29 GMT", "March 2, 2017 at 5:01 p.m. ET", "03/02/2017").
_DATE_WORD = re.compile(
    rf"""(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?|{_MONTH}|\d{{1,4}}(?:st|nd|rd|th)?
    |\d{{1,4}}[/.\-]\d{{1,2}}[/.\-]\d{{1,4}}(?:T[\d:.]+(?:Z|[+\-][\d:]+)?)?
    |\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?(?:[ap]\.?m\.?)?|[AaPp]\.?[Mm]\.?|at|[-–—•·]
    |(?:UTC|GMT|[A-Z]{{1,4}}T)(?:[+\-]\d{{1,2}}(?::?\d{{2}})?)?|[+\-]\d{{2}}:?\d{{2}})[,]?""",
    re.VERBOSE,
)
#: Stamps on one line part at a bar, or where an update stamp starts ("Thu 2 Mar 2017 01.29
#: GMT Last modified on Sat 25 Nov 2017 00.04 GMT", as the Guardian's page header pastes).
_STAMP_SPLIT = re.compile(r"\||(?<!last) (?=(?:last[ ]+)?(?:updated|modified)\b)", re.IGNORECASE)
#: "01.29" after a year is a time (the Guardian's style), which dateutil reads as a day.
_DOTTED_TIME = re.compile(r"(?<=\d{4} )(\d{1,2})\.(\d{2})\b")


def _stamp_datetime(value: str) -> datetime | None:
    """A stamp's full date, also with the time written "01.29"."""
    return _parse_datetime(_DOTTED_TIME.sub(r"\1:\2", value))


def _bare_date(part: str) -> datetime | None:
    """The date of a line that holds a full date and nothing but date and time words."""
    words = part.split()
    if not words or len(words) > 10 or not all(_DATE_WORD.fullmatch(w) for w in words):
        return None
    return _stamp_datetime(part)


def _parse_stamps(line: str) -> tuple[date | None, date | None, date | None, str] | None:
    """``(published, updated, bare, rest)`` if the line is date stamps ("| Updated: Aug 23,
    2017 11:20 IST", "Published: ... | Updated: ...") or a date alone ("March 2, 2017",
    ``bare``), with at most a byline beside them ("By Jane Roe | March 2, 2017": ``rest``,
    else ""); None for any other line."""
    published: date | None = None
    updated: date | None = None
    bare: date | None = None
    rest: list[str] = []
    parts = [p.strip(" \t•·") for p in _STAMP_SPLIT.split(line)]
    for part in filter(None, parts):
        match = _STAMP.match(part)
        when = _stamp_datetime(match.group("value")) if match else None
        if match and when is not None:
            kind = match.group("kind").lower()
            if "updated" in kind or "modified" in kind:
                updated = when.date()
            elif published is None:
                published = when.date()
            continue
        written = _bare_date(part)
        if written is not None:
            bare = bare or written.date()
        else:
            rest.append(part)
    if published is None and updated is None and bare is None:
        return None
    byline = " | ".join(rest)
    if rest and not _byline(byline):
        return None
    return published, updated, bare, byline


def _parse_dateline(line: str) -> tuple[str | None, str | None] | None:
    """``(outlet, month_day)`` of a dateline at the start of ``line``, or None.

    A place in capitals alone ("WASHINGTON:") is a dateline; a place in title case needs a
    bracketed country, a date or an agency to tell it from an ordinary first sentence."""
    match = _DATELINE.match(line)
    if not match:
        return None
    outlet = match.group("outlet") or match.group("lead_outlet")
    if outlet and (_NOT_OUTLET.match(outlet) or len(outlet.split()) > OUTLET_MAX_WORDS):
        return None
    place = match.group("place")
    if place is not None:
        has_more = match.group("country") or match.group("date") or outlet
        if not has_more and not re.fullmatch(rf"{_UPWORD}(?:[ ]{_UPWORD})*(?:,.*)?", place):
            return None
    return (outlet.strip() if outlet else None), match.group("date")


def _find_credit(lines: Iterable[str]) -> str | None:
    """The outlet of a credit line ("From The Guardian:") among the first body lines."""
    seen = 0
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        match = _CREDIT.match(stripped)
        if match:
            return (match.group("a") or match.group("b")).strip()
        seen += 1
        if seen >= CREDIT_LINES:
            break
    return None


#: A line longer than this is a whole paragraph on one line, never a hard-wrapped piece
#: of one (text is wrapped at 72-80 characters)
UNWRAPPED_LINE_CHARS = 100


def _split_title(text: str) -> tuple[str | None, str]:
    """``(title, body)``: the first line is a title when it looks like a headline and a blank
    line follows it (and some body follows that), or, in text whose paragraphs are single
    lines (as a copy from a web page often pastes), when the line under it is a whole
    paragraph: longer than any wrapped line, opening and closing as a sentence does."""
    first, blank, rest = text.strip("\n").partition("\n\n")
    if blank and "\n" not in first and rest.strip() and _looks_like_title(first):
        return " ".join(first.split()), rest.strip()
    first, _, rest = text.strip("\n").partition("\n")
    second = rest.split("\n", 1)[0].strip()
    if (len(second) > UNWRAPPED_LINE_CHARS and _looks_like_title(first)
            and second.lstrip("\"“‘'(«")[:1].isupper()
            and _strip_closers(second)[-1:] in (".", "!", "?")):
        return " ".join(first.split()), rest.strip()
    return None, text.strip()


def _pull_stamps(text: str) -> tuple[date | None, date | None, date | None, str]:
    """Remove stamp-only and date-only lines among the first lines of a body (a byline on
    the same line stays); returns ``(published, updated, bare, text)``, ``bare`` the date
    of a line that says nothing else, weaker than a stamp that says what it dates."""
    published: date | None = None
    updated: date | None = None
    bare: date | None = None
    kept: list[str] = []
    seen = 0
    for line in text.split("\n"):
        if seen < HEADER_LINES and line.strip():
            seen += 1
            stamps = _parse_stamps(line)
            if stamps is not None:
                published = published or stamps[0]
                updated = updated or stamps[1]
                bare = bare or stamps[2]
                if stamps[3]:
                    kept.append(stamps[3])
                continue
        kept.append(line)
    if published is None and updated is None and bare is None:
        return None, None, None, text
    return published, updated, bare, _tidy_lines("\n".join(kept)).strip()


#: one name of a byline: capitalised words, initials and name particles ("Jane Roe",
#: "J. R. Smith", "Ludwig van Beethoven", "JANE ROE")
_NAME = (r"(?!The[ ])[A-Z][\w'’.\-]*"
         r"(?:[ ](?:(?:de|da|del|der|van|von|bin|al|la|le)[ ])?[A-Z][\w'’.\-]*){1,3}")
#: a byline line: "By Jane Roe", "By Jane Roe and John Doe", "BY JANE ROE, Reuters",
#: "By Jane Roe | The Guardian"; the names only, nothing else on the line
_BYLINE = re.compile(
    rf"(?:By|BY)[ ]+(?P<names>{_NAME}(?:(?:,[ ]|,?[ ](?:and|AND|&)[ ]){_NAME}){{0,3}})"
    rf"(?:[ ]*[,|][ ]*[A-Z][\w'’.&\-]*(?:[ ][A-Z][\w'’.&\-]*){{0,3}})?[ ]*"
)


#: the line under a byline that says what the reporter is: "Associated Press Writer", "AP
#: Science Writer", "Staff Writer", "Special to The Washington Post"
_STAFF_TITLE = re.compile(
    r"(?:[A-Z][\w.&'’\-]*[ ]){0,4}(?:Writer|Correspondent|Reporter|Editor|Columnist|Staff)"
    r"|Special to [A-Z][\w.&'’\- ]{1,60}|Of [Tt]he [A-Z][\w.&'’\- ]{1,60}")
#: "By Tuesday Morning", "By March": a time, not a reporter
_WHEN = re.compile(r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|(?:Jan|Febr)uary|March|April|"
                   r"May|June|July|August|(?:Septem|Octo|Novem|Decem)ber|Today|Tonight", re.I)


def _byline(line: str) -> re.Match[str] | None:
    """The byline a whole line is ("By Jane Roe"), not a time ("By Tuesday Morning")."""
    match = _BYLINE.fullmatch(line.strip())
    return match if match and not _WHEN.match(match.group("names")) else None


def _pull_byline(text: str) -> tuple[str | None, str]:
    """``(author, text)``: a byline line among the first lines of a body ("By Jane Roe and
    John Doe") is the article's author, not its text, so the dateline under it is found and
    the reporters are not taken for people in the news. What follows it must open a new
    sentence: "By Tuesday Morning\nthe river ..." is a wrapped line of text."""
    lines = text.split("\n")
    seen = 0
    for n, line in enumerate(lines):
        if not line.strip():
            continue
        match = _byline(line)
        if match:
            end = n + 1  # with the staff title on the line right under it
            if end < len(lines) and _STAFF_TITLE.fullmatch(lines[end].strip()):
                end += 1
            rest = _tidy_lines("\n".join(lines[:n] + lines[end:])).strip()
            after = next((x for x in lines[end:] if x.strip()), "").strip()
            if rest and after.lstrip("\"“‘'(«")[:1].isupper():  # a quotation opens one too
                return " ".join(match.group("names").split()), rest
        seen += 1
        if seen >= HEADER_LINES:
            break
    return None, text


def _dateline_date(month_day: str | None, reference: date | None) -> date | None:
    """The date of a dateline: its own year if written, else the year of ``reference``."""
    if not month_day:
        return None
    written = _parse_datetime(month_day)
    if written is not None:
        return written.date()
    return _date_in_year_before(month_day, reference) if reference else None


def _as_date(value: str | None) -> date | None:
    iso = normalise_date(value)
    return date.fromisoformat(iso) if iso else None


#: A hard-wrapped paragraph's lines (an e-mail, a newsletter, a copy from a PDF) are at most
#: this wide at their widest, and at least ``WRAP_FILL`` of it but for the last
MIN_WRAP_WIDTH = 40
WRAP_FILL = 0.6
#: a list item's line: never joined to the line before it
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·–—]|\d{1,3}[.)])\s")
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*\s*$")


def _unwrapped_paragraph(paragraph: str) -> str:
    lines = paragraph.split("\n")
    if len(lines) < 2:
        return paragraph
    width = max(len(line.rstrip()) for line in lines)
    if not MIN_WRAP_WIDTH <= width <= UNWRAPPED_LINE_CHARS:
        return paragraph
    if any(len(line.rstrip()) < WRAP_FILL * width for line in lines[:-1]):
        return paragraph  # short lines inside: a list, an address, verse
    if any(_LIST_ITEM.match(line) for line in lines[1:]):
        return paragraph
    open_ends = sum(1 for line in lines[:-1] if not _SENTENCE_END.search(line))
    if open_ends * 2 < len(lines) - 1:
        return paragraph  # most lines end a sentence: one a line (a heading among them)
    out = lines[0].rstrip()
    for line in lines[1:]:
        line = line.strip()
        if re.search(r"[A-Za-z]-$", out) and line[:1].islower():
            # a word broken at the margin: a typesetter's break ("Depart-\nment") closes up,
            # a compound's own hyphen ("well-\nknown") stays
            tail = re.match(r"[a-z]+", line)
            out = (out[:-1] if tail and tail.group() in _WORD_ENDINGS else out) + line
        else:
            out += " " + line
    return out


#: endings that are no word of their own: after a hyphen at the margin they show a word a
#: typesetter broke in two, so the hyphen goes
_WORD_ENDINGS = frozenset({
    "ment", "ments", "tion", "tions", "sion", "sions", "ation", "ations", "ing", "ings",
    "ness", "ity", "ities", "ance", "ances", "ence", "ences", "ally", "ical", "ically",
    "ious", "eous", "ture", "tures", "ible", "ative", "atives", "ists", "ism", "isms",
})


def unwrapped(text: str) -> str:
    """``text`` with its hard-wrapped paragraphs joined back into one line each: lines of
    about one width, most of them running a sentence on to the next (an e-mail or newsletter
    wrapped at 70 characters, a copy from a PDF). Otherwise a sentence split by a line break
    is two pieces to the analysis: nothing could be lifted and quotes ended at the margin.
    Lists, addresses, one-sentence lines and long one-line paragraphs stay as they are."""
    if "\n" not in text:
        return text
    return "\n\n".join(_unwrapped_paragraph(p) for p in text.split("\n\n"))


#: an e-mail's header block as a mail program saves or a forward quotes it ("From: ...",
#: "Sent: ...", "Subject: ..."), after an optional "---- Forwarded message ----" line
_MAIL_FIELD = re.compile(r"(?i)(from|sent|date|to|cc|bcc|subject|reply-to)[ \t]*:[ \t]*(.*)")
_FORWARD_LINE = re.compile(r"(?i)^-{2,}[ \t]*(?:forwarded message|original message)[ \t]*-{2,}$")
_REPLY_PREFIX = re.compile(r"(?i)^(?:(?:re|fwd?|aw|wg|tr)[ \t]*:[ \t]*)+")


def _pull_mail_header(text: str) -> tuple[str | None, date | None, str]:
    """``(subject, sent, text)``: an e-mail saved as text (a press release, a newsletter)
    opens with its header block; the subject is the title if the body has none, the date
    it was sent dates it, and the block leaves the text. Text without one comes back as is."""
    lines = text.split("\n")
    start = 1 if lines and _FORWARD_LINE.match(lines[0].strip()) else 0
    fields: dict[str, str] = {}
    end = start
    while end < len(lines) and lines[end].strip():
        match = _MAIL_FIELD.fullmatch(lines[end].strip())
        if match:
            fields.setdefault(match.group(1).lower(), match.group(2).strip())
        elif not (fields and lines[end][:1] in " \t"):  # a folded header line continues
            return None, None, text
        end += 1
    if len(fields) < 2 or not ({"from", "subject"} & fields.keys()):
        return None, None, text
    subject = _REPLY_PREFIX.sub("", fields.get("subject", "")).strip() or None
    sent = _parse_datetime(fields.get("date") or fields.get("sent") or "")
    return (clean_title(subject) if subject else None), (sent.date() if sent else None), \
        "\n".join(lines[end:]).strip("\n")


def parse_text(raw: str, path: str | None = None) -> Article:
    """One plain-text article (the conventions are in the module docstring).

    Raises InputError when nothing but a header is there."""
    text = _tidy_lines(without_wire_markup(raw.lstrip("\ufeff")))
    marker_date: date | None = None
    marker = _MARKER.match(text)
    if marker:
        try:
            marker_date = date.fromisoformat(marker.group(1))
        except ValueError:
            marker_date = None
        text = text[marker.end() :]
    subject, mailed, text = _pull_mail_header(text)
    stamp_published, updated, bare, text = _pull_stamps(text)
    author, text = _pull_byline(text)  # first: a byline alone on the first line is no title
    title, body = _split_title(text)
    title = title or subject
    body = unwrapped(body)
    if not body.strip():
        raise InputError("article has no text", path)

    outlet, month_day = _parse_dateline(body) or (None, None)
    if outlet is None:
        outlet = _find_credit(body.split("\n"))
    published = (marker_date or stamp_published or bare or mailed
                 or _dateline_date(month_day, updated))
    return Article(
        id=article_id(body),
        text=body,
        title=title,
        outlet=outlet,
        published=published.isoformat() if published else None,
        updated=updated.isoformat() if updated else None,
        path=path,
        author=author,
    )


# --------------------------------------------------------------------------- HTML
_BLOCK_TAGS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption",
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


def _paragraphs(lines: Iterable[str]) -> str:
    """Non-empty lines, spaces collapsed, one paragraph each, separated by blank lines."""
    kept = (" ".join(line.split()) for line in lines)
    return "\n\n".join(line for line in kept if line)


def feed_entry_text(body: str) -> str:
    """The text of a feed entry's content or summary (HTML or plain), without what the feed
    appends to every entry ("The post ... appeared first on ...", "Continue reading...")."""
    return without_feed_footer(html_fragment_text(body)) if body.strip() else ""


_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def html_fragment_text(fragment: str) -> str:
    """Readable text of an HTML fragment (a feed entry's content or summary), paragraph per
    block element; scripts and styles dropped. Plain text comes back tidied."""
    if "<" not in fragment:
        return _paragraphs(htmllib.unescape(fragment).split("\n"))
    import lxml.html
    from lxml.etree import ParserError

    # control characters XML forbids (an escape code pasted from a terminal): lxml parses
    # past them, then refuses them when a text is set ("All strings must be XML compatible")
    fragment = _XML_FORBIDDEN.sub(" ", fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return _paragraphs(fragment.split("\n"))
    for junk in list(root.iter("script", "style", "noscript")):
        junk.drop_tree()
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
        element.text = "\n" + (element.text or "")
    for element in root.iter("br"):
        element.tail = "\n" + (element.tail or "")
    return _paragraphs(root.text_content().split("\n"))


def _drop_title_line(text: str, title: str | None) -> str:
    """Extractors often repeat the headline as the first paragraph: drop that copy."""
    if not title:
        return text
    first, _, rest = text.partition("\n\n")
    if " ".join(first.split()).casefold() == " ".join(title.split()).casefold() and rest.strip():
        return rest
    return text


def _html_fields(html: str, url: str | None) -> dict[str, Any] | None:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False
    )
    if doc is None:
        return None
    return {
        "text": doc.text or "",
        "title": doc.title,
        "date": doc.date,
        "sitename": doc.sitename,
        "url": doc.url,
        "author": doc.author,
    }


_PUBLISHED_KEYS = frozenset({
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "dc.date.issued", "dcterms.issued", "dcterms.created", "sailthru.date",
    "parsely-pub-date", "date",
})
_MODIFIED_KEYS = frozenset({
    "article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
    "last-modified", "lastmod",
})


def _json_ld_times(data: Any, found: dict[str, str]) -> None:
    if isinstance(data, dict):
        for key, slot in (("datePublished", "published"), ("dateModified", "updated")):
            value = data.get(key)
            if isinstance(value, str) and slot not in found:
                found[slot] = value
        for value in data.values():
            if isinstance(value, dict | list):
                _json_ld_times(value, found)
    elif isinstance(data, list):
        for item in data[:50]:
            _json_ld_times(item, found)


def page_timestamps(html: str) -> tuple[str | None, str | None]:
    """``(published, updated)`` as the page's metadata writes them (``article:published_time``,
    schema.org ``datePublished`` in JSON-LD or microdata, ``<time pubdate>``), normalised by
    :func:`normalise_timestamp` so their UTC offsets are kept; None where absent."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return None, None
    found: dict[str, str] = {}
    for el in root.iter("meta", "time", "span", "div", "abbr"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
        value = el.get("content") or el.get("datetime")
        if el.tag == "time" and el.get("pubdate") is not None and value:
            key = "pubdate"
        if not value or not key:
            continue
        if key in _PUBLISHED_KEYS and "published" not in found:
            found["published"] = value
        elif key in _MODIFIED_KEYS and "updated" not in found:
            found["updated"] = value
    for script in root.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            try:
                _json_ld_times(json.loads(script.text), found)
            except (ValueError, RecursionError):
                continue
    return normalise_timestamp(found.get("published")), normalise_timestamp(found.get("updated"))


def _new_year_written(page: str, year: int) -> bool:
    """Whether ``page`` (HTML, URL) writes January 1 of ``year`` out as a day: "January 1,
    2016", "1 Jan. 2016", "2016-01-01", "01/01/2016", a /2016/01/01/ path."""
    y = str(year)
    month = r"Jan(?:uary|\.)?"
    return re.search(
        rf"\b{month}\s+0?1(?:st)?,?\s+{y}\b|\b0?1(?:st)?\s+{month},?\s+{y}\b"
        rf"|\b{y}[-/.]0?1[-/.]0?1\b|\b0?1[-/.]0?1[-/.]{y}\b",
        page, re.I) is not None


def _day_not_year(found: date | None, meta: str | None, page: str) -> date | None:
    """The date trafilatura found, unless it is only a year: when nothing better is on the
    page, htmldate answers January 1 of a year it saw in a copyright line ("© 2017") or the
    text ("twice in 2016"), which would date the article months off and resolve its
    "Thursday" against that. Kept when the page's metadata or text gives that day."""
    if found is None or (found.month, found.day) != (1, 1) or meta is not None:
        return found
    return found if _new_year_written(page, found.year) else None


def parse_html(
    html: str,
    path: str | None = None,
    url: str | None = None,
    fallback_date: str | None = None,
    captured: str | None = None,
) -> Article:
    """One news page through trafilatura: main text, title, first-publication date, site name
    as outlet; ``url`` wins over the page's canonical link (given for WARC records, where it is
    the address actually fetched). ``fallback_date`` is used when the page shows no date.

    ``published`` keeps the page's own time and UTC offset when its metadata gives one (see
    :func:`page_timestamps`). ``captured`` (a WARC record's date) bounds it: a page is never
    published after it was captured, so a later date found on it is replaced by the capture
    day."""
    fields = _html_fields(html, url)
    text = _paragraphs(fields["text"].split("\n")) if fields else ""
    if not text:
        raise InputError("no article text found in the HTML page", path)
    title = " ".join(fields["title"].split()) if fields["title"] else None
    stamp_published, updated, bare, text = _pull_stamps(_drop_title_line(text, title))
    byline, text = _pull_byline(text)
    if not text:
        raise InputError("no article text found in the HTML page", path)
    meta_published, meta_updated = page_timestamps(html)
    page_date = _day_not_year(_as_date(fields["date"]), meta_published,
                              f"{url or ''}\n{html}")
    if page_date is not None and page_date == updated:
        page_date = None  # the date finder took the "Updated" stamp for the publication
    fallback = _as_date(fallback_date)
    outlet, month_day = _parse_dateline(text) or (None, None)
    day = (
        stamp_published or page_date or bare or _dateline_date(month_day, updated or fallback)
        or fallback
    )
    published = day.isoformat() if day else None
    if meta_published and (day is None or day_of(meta_published) == published) and (
        stamp_published is None or day_of(meta_published) == published
    ):
        published = meta_published  # the same day, with its time and offset
    updated_s = updated.isoformat() if updated else None
    if meta_updated and (updated is None or day_of(meta_updated) == updated_s):
        updated_s = meta_updated if meta_updated != published else updated_s
    capture_day = day_of(normalise_timestamp(captured))
    if capture_day and published and day_of(published) > capture_day:
        published = capture_day
    return Article(
        id=article_id(text),
        text=text,
        title=title,
        outlet=fields["sitename"] or outlet,
        published=published,
        updated=updated_s,
        url=url or fields["url"],
        path=path,
        author=" ".join(fields["author"].split())[:200] or None if fields["author"] else byline,
    )


def decode_html(data: bytes, declared: str | None = None) -> str:
    """HTML bytes as text: UTF-8 when they are valid UTF-8 (other encodings rarely are, and
    declarations are often wrong), else the declared charset (HTTP header, then
    ``<meta charset>``), else windows-1252: the HTML standard's default for a page that
    declares nothing, so a legacy page reads as a browser shows it instead of failing."""
    charsets = ["utf-8-sig"]
    if declared:
        charsets.append(declared)
    meta = _META_CHARSET.search(data[:SNIFF_BYTES])
    if meta:
        charsets.append(meta.group(1).decode("ascii", "replace"))
    for charset in charsets:
        try:
            return data.decode(_web_charset(charset))
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", "replace")


#: Labels the Encoding Standard reads as windows-1252: a page declaring Latin-1 or ASCII
#: that holds curly quotes or dashes was written in windows-1252 (Python's Latin-1 would
#: turn them into invisible control characters).
_WINDOWS_1252_LABELS = frozenset({
    "ascii", "us-ascii", "ansi_x3.4-1968", "cp819", "ibm819", "iso-8859-1", "iso8859-1",
    "iso_8859-1", "iso88591", "iso-ir-100", "l1", "latin1", "latin-1", "csisolatin1",
    "x-cp1252", "cp1252", "windows-1252",
})


def _web_charset(label: str) -> str:
    """A declared charset label as the codec a browser uses for it."""
    return "cp1252" if label.strip().lower() in _WINDOWS_1252_LABELS else label


# --------------------------------------------------------------------------- file plumbing
def _suffix(path: Path) -> str:
    """The extension that names the format: ``.warc.gz`` whole, and a gzipped JSONL file
    (``.jsonl.gz``, ``.ndjson.gz``) by its JSONL extension (the reader gunzips it)."""
    name = path.name.lower()
    if name.endswith(".warc.gz"):
        return ".warc.gz"
    if name.endswith(".gz") and Path(name[:-3]).suffix in JSONL_SUFFIXES:
        return Path(name[:-3]).suffix
    return path.suffix.lower()


def _kind_of(path: Path) -> str | None:
    """Reader for a file by its extension: text, markdown, html, jsonl, json, feed, xml
    (sniffed), warc."""
    suffix = _suffix(path)
    if suffix in {".warc", ".warc.gz"}:
        return "warc"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in EMAIL_SUFFIXES:
        return "email"
    if suffix in FEED_SUFFIXES:
        return "feed"
    if suffix == ".xml":
        return "xml"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    return None


def _sniff(head: bytes) -> str | None:
    """The format of a file by its first bytes, where its name does not tell."""
    if head.startswith(GZIP_MAGIC) or head.startswith(b"WARC/"):
        return "warc"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:rdf")):
        if re.search(rb"<(?:rss|feed|rdf:rdf)\b", start):
            return "feed"
        return "html" if b"<html" in start else None
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    return None


def _sniff_records(head: bytes) -> str | None:
    """"jsonl" or "csv" for records a file's name does not announce (what is piped in, a file
    with no extension): an object whose keys hold "text" on the first line, or a header line
    naming a "text" column (``newsweave articles --format csv | newsweave ingest -`` stored
    the whole export as one article)."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip()
    if len(first) > 4000:
        return None
    if first.startswith(b"{") and re.search(rb'"text"\s*:', first):
        return "jsonl"
    line = first.decode("utf-8", "replace")
    for delimiter in (",", ";", "\t"):
        names = [n.strip().strip('"').lower() for n in line.split(delimiter)]
        if len(names) >= 2 and "text" in names and all(
                0 < len(n) <= 40 and " " not in n for n in names):
            return "csv"
    return None


def _read_bytes(path: Path, limit: int, utf16: bool = False, what: str = "one article") -> bytes:
    """A whole small file, or InputError when unreadable, too large or binary; with
    ``utf16``, a file that opens with UTF-16's byte-order mark comes back as UTF-8."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"file of {size:,} bytes is over the {limit:,} limit for {what}",
                             path)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path) from None
    if utf16 and data.startswith((b"\xff\xfe", b"\xfe\xff")) \
            and not data.startswith(b"\xff\xfe\x00\x00"):
        # UTF-16 with its byte-order mark (what Windows editors call "Unicode"): text, not
        # binary, though every other byte of English is NUL; read on as UTF-8. Text has
        # spaces or line breaks: bytes that only decode are left to the checks below.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            if b"\x00" not in data[:SNIFF_BYTES]:
                text = ""  # not UTF-16 at all: the UTF-8 reader names the bad byte
            else:
                raise InputError(f"not UTF-16 text (invalid bytes at offset {exc.start})",
                                 path) from None
        if re.search(r"[ \n]", text):
            if "\x00" in text:
                raise InputError("binary file, not text", path)
            return text.encode("utf-8")
    if b"\x00" in data[:SNIFF_BYTES]:
        raise InputError("binary file, not text", path)
    return data


def _decode_utf8(data: bytes, path: Path) -> str:
    """UTF-8 (JSON has no other encoding), else InputError at the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (invalid byte at offset {exc.start})", path, line
        ) from None


def _head(path: Path, size: int = SNIFF_BYTES) -> bytes | None:
    """A file's first bytes, for the folder walk's look at what a file is (None when it
    cannot be read: its reader will report why)."""
    try:
        with path.open("rb") as stream:
            return stream.read(size)
    except OSError:
        return None


def _is_feed_xml(path: Path) -> bool:
    head = _head(path)
    return head is None or _sniff(head) in ("feed", "html")


def _walk(folder: Path) -> list[Path]:
    """Article files under ``folder``, recursively, sorted by relative path; hidden files and
    folders skipped, as are files of no known format, ``.xml`` files that are not feeds
    (sitemaps, configuration), ``.json`` files with no "text" key near their start, CSV
    files with no "text" column, a project's README, LICENSE or CHANGELOG in Markdown, and
    the folder of assets a browser saves beside a page."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not _saved_page_assets(d, files))
        for name in files:
            candidate = Path(root) / name
            kind = None if name.startswith(".") else _kind_of(candidate)
            if kind is not None and not candidate.is_file():
                continue  # devices, FIFOs, sockets, dangling links: nothing to read
            if kind == "markdown" and _PROJECT_FILE.match(name):
                continue  # a README beside the articles is about the folder
            if kind == "json" and not _holds_text_field(candidate):
                continue  # package.json, settings: not articles
            if kind in ("json", "jsonl") and _is_brief_file(candidate):
                continue  # a brief woven earlier and written beside its articles
            if kind in ("html", "markdown", "text") and _is_rendered_brief(candidate, kind):
                continue  # the same brief as a page, Markdown or text
            if kind == "csv" and not _csv_has_text_column(candidate):
                continue  # an outlet table or other sheet beside the articles
            if kind is not None and (kind != "xml" or _is_feed_xml(candidate)):
                found.append(candidate)
    return sorted(found, key=lambda p: p.relative_to(folder).parts)


def _saved_page_assets(folder: str, files: Sequence[str]) -> bool:
    """Whether ``folder`` holds the pictures, scripts and frames a browser saved beside a
    page ("Save Page As, complete": ``story.html`` and ``story_files/``): its HTML frames
    are ads and widgets, not articles."""
    for suffix in ("_files", "-Dateien", "_fichiers", "_archivos", "_arquivos", "_file"):
        if folder.endswith(suffix):
            page = folder[: -len(suffix)]
            return any(name in files for name in (f"{page}.html", f"{page}.htm"))
    return False


#: files a folder walk leaves out though their extension is read: what a project keeps
#: beside its data (README.md), never a report (given by name, they are read)
_PROJECT_FILE = re.compile(r"(?i)(?:readme|licen[cs]e|changelog|contributing|authors|notice"
                           r"|code_of_conduct|security)\b")
#: bytes of a .json file looked at for an article's "text" key during a folder walk
JSON_SNIFF_BYTES = 65536


#: the mark of newsweave's own output (the brief contract), JSON or JSON Lines
_BRIEF_SCHEMA = re.compile(rb'"schema"\s*:\s*"newsweave\.brief/')
BRIEF_IS_NO_ARTICLE = ("a brief newsweave wrote (newsweave.brief/1), not an article: give the "
                       "articles it was woven from")


def _is_brief_file(path: Path) -> bool:
    """Whether a JSON or JSONL file met in a folder walk is a brief newsweave wrote (``weave
    --format json --out brief.json`` into the folder of its articles)."""
    head = _head(path, 2048)
    return head is not None and not head.startswith(GZIP_MAGIC) and (
        _BRIEF_SCHEMA.search(head) is not None)


#: The opening of a brief rendered as Markdown or text (``render``): its headline (wrapped
#: on a terminal's width), "N sources, DATE" ("N sources" when undated; Markdown in
#: asterisks), then the Summary heading.
_RENDERED_BRIEF = re.compile(
    r"\A\s*(?:# )?(?:[^\n]+\n){1,3}[ \t]*\n[ \t]*\*?\d+ sources?(?: \(\d+ independent\))?"
    r"(?:, \d{4}-\d{2}-\d{2}[^\n]*|\*)?[ \t]*\n[ \t]*\n[ \t]*(?:## )?Summary[ \t]*\n")


def _is_rendered_brief(path: Path, kind: str) -> bool:
    """Whether an HTML, Markdown or text file met in a folder walk is a brief newsweave
    wrote (``weave --out brief.html`` into its articles' folder): read back, it was one more
    source, citing itself."""
    from newsweave.render import GENERATOR_META

    head = _head(path, 2048)
    if head is None:
        return False
    if kind == "html":
        return GENERATOR_META.encode() in head
    return _RENDERED_BRIEF.match(head.decode("utf-8", "replace")) is not None


def _holds_text_field(path: Path) -> bool:
    """Whether a .json file met in a folder walk holds an article (a "text" key near its
    start); a package.json or a settings file beside the articles is passed over."""
    head = _head(path, JSON_SNIFF_BYTES)
    return head is None or b'"text"' in head


# --------------------------------------------------------------------------- readers
def _read_text(path: Path) -> Iterator[Item]:
    yield parse_text(user_text(_read_bytes(path, MAX_ARTICLE_BYTES, utf16=True), path),
                     str(path))


#: a Markdown file's front matter, as static-site generators write it: "---", lines of
#: "key: value", "---"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>(?:[^\n]*\n){0,40}?)---[ \t]*(?:\n|\Z)")
_FRONT_FIELD = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)[ \t]*:[ \t]*(?P<value>.*?)[ \t]*$", re.M)
#: front-matter keys read, and the article field each fills
_FRONT_KEYS = {"title": "title", "date": "published", "published": "published",
               "updated": "updated", "lastmod": "updated", "author": "author",
               "outlet": "outlet", "source": "outlet", "url": "url"}


def _front_matter(source: str) -> tuple[dict[str, str], str]:
    """``(fields, rest)``: the article fields a Markdown file's front matter gives (its
    plain ``key: value`` lines; lists and nested values are skipped), and the text after."""
    match = _FRONT_MATTER.match(source)
    if not match:
        return {}, source
    fields: dict[str, str] = {}
    for line in _FRONT_FIELD.finditer(match.group("body")):
        key = _FRONT_KEYS.get(line.group("key").lower())
        value = line.group("value").strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if key and value and key not in fields:
            fields[key] = value[:2000]
    return fields, source[match.end():]


def markdown_text(source: str) -> str:
    """Plain text of a Markdown article, one paragraph per block (markdown-it renders it,
    the HTML fragment reader takes the text back; a wrapped line is no new paragraph), so
    the title, byline, date and dateline rules of plain text apply to it."""
    return html_fragment_text(_markdown_parser().render(_NEST_RUN.sub(_fewer_markers, source)))


#: container markers opening a line (quote ``>``, bullets, numbered items), 8 or more: markdown-it
#: drops whatever is nested past 20 levels (its guard against deep recursion), so a line quoted
#: 30 times in a pasted mail thread, or "- - - - ...", would lose its text; 8 levels are kept
_NEST_RUN = re.compile(r"^[ \t]*(?:(?:>|[-*+]|\d{1,9}[.)])[ \t]*){8,}", re.MULTILINE)
_NEST_MARKER = re.compile(r"(?:>|[-*+]|\d{1,9}[.)])[ \t]*")


def _fewer_markers(match: re.Match[str]) -> str:
    return "".join(m.group() for m in list(_NEST_MARKER.finditer(match.group()))[:8])


@lru_cache(maxsize=1)
def _markdown_parser() -> Any:
    """One markdown-it parser for every file (building one costs more than a short note)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True})  # inline HTML: its text, scripts dropped
    md.add_render_rule("softbreak", lambda *_args, **_kw: " ")
    md.add_render_rule("image", lambda *_args, **_kw: "")  # a picture has no text
    return md


#: markdown-it is pure Python (about 20 microseconds a block): a Markdown file is refused over
#: this many characters, twice what the text of one article may hold (markup only shrinks)
MAX_MARKDOWN_CHARS = 2 * validate.MAX_TEXT_CHARS


def _read_markdown(path: Path) -> Iterator[Item]:
    raw = user_text(_read_bytes(path, MAX_ARTICLE_BYTES, utf16=True), path)
    if len(raw) > MAX_MARKDOWN_CHARS:
        raise InputError(f"Markdown file of {len(raw):,} characters is over the "
                         f"{MAX_MARKDOWN_CHARS:,} limit", path)
    fields, source = _front_matter(raw.lstrip("\ufeff"))
    article = parse_text(markdown_text(source), str(path))
    published = record_date(fields.get("published"), "date", path) or article.published
    updated = record_date(fields.get("updated"), "updated", path) or article.updated
    yield replace(
        article, title=clean_title(fields.get("title")) or article.title,
        published=published, updated=updated, url=fields.get("url") or article.url,
        outlet=fields.get("outlet") or article.outlet,
        author=fields.get("author") or article.author)


#: multipart sections an e-mail may hold (a newsletter has a handful): the MIME parser
#: recurses into each, so a hostile nest is refused before it is parsed
MAX_MIME_MULTIPARTS = 100


def _read_email(path: Path) -> Iterator[Item]:
    """An e-mail saved as ``.eml`` (a press release, a newsletter): its text part, else its
    HTML part, read as a text file or a page is (the standard library's MIME parser undoes
    the transfer encodings and charsets); the subject is the title where the body has none,
    the date it was sent dates it where the body does not."""
    from email import message_from_bytes, policy

    data = _read_bytes(path, MAX_ARTICLE_BYTES, what="an e-mail")
    nested = len(re.findall(rb"(?i)content-type:\s*multipart/", data))
    if nested > MAX_MIME_MULTIPARTS:  # the parser recurses into each: bound it first
        raise InputError(f"e-mail with {nested:,} multipart sections (over "
                         f"{MAX_MIME_MULTIPARTS})", path)
    try:
        message = message_from_bytes(data, policy=policy.default)
        part = message.get_body(preferencelist=("plain", "html"))
        content = part.get_content() if part is not None else None
        subject, sent = str(message.get("subject") or ""), str(message.get("date") or "")
        sender = str(message.get("from") or "")
    except (ValueError, LookupError, TypeError, AttributeError, IndexError,
            RecursionError) as exc:
        raise InputError(f"unreadable e-mail: {' '.join(str(exc).split())[:200]}", path) from None
    if not isinstance(content, str) or not content.strip():
        raise InputError("e-mail with no text or HTML part", path)
    if part.get_content_type() == "text/html":
        check_html_size(content, path)
        article = parse_html(layout_tables_unwrapped(content), path=str(path),
                             fallback_date=sent or None)
    else:
        article = parse_text(content, str(path))
    from email.utils import parseaddr

    subject = _REPLY_PREFIX.sub("", " ".join(subject.split())).strip()
    when = _parse_datetime(sent) if sent else None
    title = article.title
    if not title or is_page_notice(title):  # "View this email in your browser": the subject
        title = clean_title(subject) or title
    name = " ".join(parseaddr(sender)[0].split())[:200]  # a newsletter's sender: its outlet
    yield replace(article, title=title or None, outlet=article.outlet or name or None,
                  published=article.published or (when.date().isoformat() if when else None))


_TABLE_TAGS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
_CELL_BLOCKS = frozenset({*_BLOCK_TAGS, *_TABLE_TAGS})


def layout_tables_unwrapped(html: str) -> str:
    """An HTML e-mail with its layout tables turned into blocks: mail programs need tables
    to lay out a newsletter, so its whole text sits in cells, which the extractor writes as
    Markdown rows ("| View in browser |", headline and paragraphs run into one cell, "\\|"
    for a pipe) or drops. A cell holding only inline content becomes a paragraph, every
    other table element a plain block. The page as given where it cannot be parsed."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return html
    found = False
    for element in list(root.iter(*_TABLE_TAGS)):
        found = True
        inline = element.tag in ("td", "th", "caption") and not any(
            child.tag in _CELL_BLOCKS for child in element if isinstance(child.tag, str))
        element.tag = "p" if inline else "div"
        for name in ("width", "height", "align", "valign", "colspan", "rowspan"):
            element.attrib.pop(name, None)
    return lxml.html.tostring(root, encoding="unicode") if found else html


def check_html_size(data: bytes | str, path: Path | str | None) -> None:
    """Refuse a page too big or with too many tags to parse in bounded time."""
    if len(data) > MAX_HTML_BYTES:
        raise InputError(f"HTML page of {len(data):,} bytes is over the {MAX_HTML_BYTES:,} "
                         "limit", path)
    tags = data.count(b"<" if isinstance(data, bytes) else "<")
    if tags > MAX_HTML_TAGS:
        raise InputError(f"HTML page with {tags:,} tags is over the {MAX_HTML_TAGS:,} limit",
                         path)


def _read_html(path: Path) -> Iterator[Item]:
    data = _read_bytes(path, MAX_HTML_BYTES, what="an HTML page")
    check_html_size(data, path)
    yield parse_html(decode_html(data), path=str(path))


def _lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes)`` one line at a time; ``None`` for a line over ``limit`` bytes,
    which is skipped without being held in memory."""
    number = 0
    while True:
        chunk = stream.readline(limit + 1)
        if not chunk:
            return
        number += 1
        if len(chunk) > limit and not chunk.endswith(b"\n"):
            while chunk and not chunk.endswith(b"\n"):
                chunk = stream.readline(limit + 1)
            yield number, None
            continue
        yield number, chunk


def _optional_str(record: dict[str, Any], key: str, path: Path, line: int | None) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f'"{key}" must be a string or null', path, line)
    limit = validate.MAX_FIELD_CHARS.get(key)
    # cut (a title, an outlet: ``validate.CUT_FIELDS``) or, for a URL, which can then name
    # no article, dropped, with a warning, rather than the record refused; an id is refused
    if limit is not None and len(value) > limit and key in (*validate.CUT_FIELDS, "url"):
        shown = f'"{key}" of {len(value):,} characters is over the {limit:,} limit'
        if key == "url":
            warn(f"{shown}: dropped", path, line)
            return None
        warn(f"{shown}: cut", path, line)
        value = validate.cut_to_limit(value.strip(), key)
    _check_length(key, value, path, line)
    return value.strip() or None


def _check_length(key: str, value: str, path: Path, line: int | None) -> None:
    limit = validate.MAX_FIELD_CHARS.get(key)
    if limit is not None and len(value) > limit:
        raise InputError(f'"{key}" of {len(value):,} characters is over the {limit:,} limit',
                         path, line)


def _record_id(record: dict[str, Any], text: str, path: Path, line: int | None) -> str:
    value = record.get("id")
    if value is None or value == "":
        return article_id(text)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError('"id" must be a string or an integer', path, line)
    _check_length("id", str(value), path, line)
    return str(value)


def with_aliases(record: dict[str, Any]) -> dict[str, Any]:
    """A JSON record with the names CSV columns may have (``_CSV_ALIASES``: "body",
    "headline", "date", "link", "byline"...) read as the contract's, where the contract's
    own name is absent and the value is a string (a NewsAPI "source" object stays unread)."""
    lower = {str(k).strip().lower(): k for k in record}
    out = record
    for field, aliases in _CSV_ALIASES.items():
        if field in record:
            continue
        for alias in aliases:
            key = lower.get(alias)
            if key is not None and isinstance(record[key], str):
                if out is record:
                    out = dict(record)
                out[field] = record[key]
                break
    return out


def _article_from_record(record: Any, path: Path, line: int | None) -> Article:
    """One article-contract object; only ``text`` is required (or a name CSV columns may
    have for it: ``with_aliases``)."""
    if not isinstance(record, dict):
        raise InputError("expected a JSON object (an article)", path, line)
    record = with_aliases(record)
    if str(record.get("schema", "")).startswith("newsweave.brief/"):
        raise InputError(BRIEF_IS_NO_ARTICLE, path, line)
    text = record.get("text")
    if text is None:
        hint = " (this looks like a cluster file: use --jsonl)" if "docs" in record else ""
        raise InputError(f'no "text" field{hint}', path, line)
    if not isinstance(text, str):
        raise InputError('"text" must be a string', path, line)
    _check_text(text, path, line)
    text = without_wire_markup(text)
    if not text.strip():
        raise InputError("article has no text", path, line)
    published = _optional_str(record, "published", path, line)
    return Article(
        id=_record_id(record, text, path, line),
        text=text,
        title=clean_title(_optional_str(record, "title", path, line)),
        outlet=_optional_str(record, "outlet", path, line),
        published=record_date(published, "published", path, line),
        updated=record_date(_optional_str(record, "updated", path, line), "updated", path, line),
        url=_optional_str(record, "url", path, line),
        path=str(path),
        label=_optional_str(record, "label", path, line),
        author=_optional_str(record, "author", path, line),
        language=_record_language(record, path, line),
    )


_LANGUAGE_TAG = re.compile(validate.LANGUAGE_TAG)


def _record_language(record: dict[str, Any], path: Path, line: int | None) -> str | None:
    """A record's ``language`` (what ``newsweave articles`` exports from the follower's
    detection), as the follower stores it: the primary subtag, lower case ("pt-BR" ->
    "pt"). Grouping keeps to the languages asked for, so a French report read back from an
    export stays out of the English story, as it was. A value that is no language tag is
    dropped with a warning, not the record."""
    value = _optional_str(record, "language", path, line)
    if value is None:
        return None
    tag = language_tag(value)
    if tag is None:
        warn(f'"language" {value[:40]!r} is no language tag (such as en or pt-BR): dropped',
             path, line)
    return tag


def language_tag(value: str) -> str | None:
    """The primary subtag of a language tag, lower case ("pt-BR" -> "pt"); None for a value
    that is no language tag."""
    found = _LANGUAGE_TAG.fullmatch(value)
    return found.group(1).lower() if found else None


def _check_text(text: str, path: Path | str | None, line: int | None = None) -> None:
    try:
        validate.check_text(text)
    except validate.LimitError as exc:
        raise InputError(str(exc), path, line) from None


def sane_date(
    value: str | None, field: str, path: Path | str | None = None, line: int | None = None
) -> str | None:
    """An ISO date kept only inside 1800..tomorrow; one outside is dropped with a warning
    (the article is kept, undated: a year-0 or year-99999 date is a typo or an attack, and
    date arithmetic downstream overflows on it)."""
    if value is None or validate.iso_in_range(value):
        return value
    latest = validate.latest_date().isoformat()
    warn(f'"{field}" {value} is outside {validate.MIN_YEAR}-01-01..{latest}: dropped', path, line)
    return None


def record_date(
    value: str | None, field: str, path: Path | str | None = None, line: int | None = None
) -> str | None:
    """A record's date field as ISO (``YYYY-MM-DD``, or the date and time with its offset
    when a time is given), or None with a warning when it is given but is no full date
    ("0000-01-01", "next week") or is outside 1800..tomorrow."""
    if value is None or not value.strip():
        return None
    iso = normalise_date(value)
    if iso is None and (iso := _year_day_month(value)) is not None:
        warn(f'"{field}" {value.strip()!r} read as {iso} (year, day, month)', path, line)
    elif iso is not None and (ambiguous := _AMBIGUOUS_SLASH_DATE.match(value)):
        first, second = (int(g) for g in ambiguous.groups())
        if first != second and first <= 12 and second <= 12:  # either could be the month
            warn_once("month first", f'"{field}" {value.strip()!r} read as {iso} (month first, '
                      "as every such date of this file is); write ISO YYYY-MM-DD if the day "
                      "comes first", path, line)
    if iso is None:
        shown = value if len(value) <= 40 else value[:40] + "…"
        warn(f'"{field}" {shown!r} is not a full date: dropped', path, line)
        return None
    stamp = normalise_timestamp(value)  # a time given is kept, with its offset, as feeds and
    if stamp is not None and len(stamp) > 10 and stamp[:10] == iso:  # pages keep it: an
        iso = stamp  # export of a store ingested again keeps its times
    return sane_date(iso, field, path, line)


#: "02/03/2017": February 3 to the parser (month first), March 2 to most of the world
_AMBIGUOUS_SLASH_DATE = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b")


def _year_day_month(value: str) -> str | None:
    """``1998-17-06`` as 1998-06-17: an export that writes the day before the month, read
    only where no month 13-31 exists to make it ambiguous (``1998-06-07`` stays June 7)."""
    match = _ISO_DATE.match(value.strip())
    if match is None:
        return None
    year, day, month = (int(g) for g in match.groups())
    if day <= 12:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _json_line(raw: bytes, path: Path, line: int, hook: Any = None) -> Any:
    try:
        decoded = raw.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (invalid byte at column {exc.start + 1})"
        raise InputError(message, path, line) from None
    if "\x00" in decoded:
        raise InputError("NUL byte in the line (binary data?)", path, line)
    try:
        return validate.loads(decoded, object_pairs_hook=hook)
    except json.JSONDecodeError as exc:
        # a line cut short (a writer killed mid-line) fails at its newline: "column 1" of
        # the next line, which named no place in the line itself
        where = (f"column {exc.colno}" if exc.lineno == 1 else
                 f"the line ends at column {len(decoded.splitlines()[0]) + 1}"
                 if decoded.splitlines() else "an empty line")
        raise InputError(f"malformed JSON: {exc.msg} ({where})", path, line) from None
    except validate.LimitError as exc:
        raise InputError(str(exc), path, line) from None


def _looks_binary(head: bytes) -> bool:
    """Binary data, not a text file with a stray bad byte: compressed, or more than 1 byte in
    10 a NUL (UTF-16, images) or outside valid UTF-8. A few bad bytes make their lines bad."""
    if head.startswith(GZIP_MAGIC) or head.count(b"\x00") * 10 > len(head):
        return True
    return head.decode("utf-8", "replace").count("\ufffd") * 10 > len(head)


def _open_binary(path: Path) -> IO[bytes]:
    """A JSONL file for reading line by line, gunzipped on the fly when it is compressed
    (``.jsonl.gz``: bounded as a WARC is, so a gzip bomb stops with an error); a NUL byte
    makes its line bad, not the file, unless the head of the file is plainly binary."""
    check_regular(path)
    try:
        stream: Any = path.open("rb")
        if stream.peek(2)[:2] == GZIP_MAGIC:
            limit = WARC_EXPAND_FLOOR + WARC_EXPAND_RATIO * path.stat().st_size
            stream = io.BufferedReader(_BoundedStream(stream, limit, max_line=None), 1024 * 1024)
        head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    except StreamLimitError as exc:
        stream.close()
        raise InputError(f"gzip: {exc}", path) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path) from None
    if _looks_binary(head):
        stream.close()
        raise InputError("binary file, not text", path)
    return stream


def check_regular(path: Path) -> None:
    """Refuse what is not a regular file (a device such as /dev/zero, a FIFO, a socket,
    also behind a symlink): reading one never ends or blocks."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path) from None
    if not stat.S_ISREG(mode):
        raise InputError("not a regular file (device, FIFO or socket)", path)


def _jsonl_items(
    path: Path, stream: IO[bytes], build: Callable[[Any, Path, int], Any], hook: Any = None
) -> Iterator[Any]:
    """One ``build(record, path, line)`` per non-blank line, or the InputError that line
    raised in its place, so a batch can report a bad record and go on (bounded memory). A
    gzipped file that turns out a bomb or corrupt ends with one error after its good lines."""
    lines = _lines(stream, MAX_LINE_BYTES)
    blank = bad = 0
    while True:
        try:
            line, raw = next(lines)
        except StopIteration:
            return
        except StreamLimitError as exc:
            yield InputError(f"gzip: {exc}", path)
            return
        if raw is None:
            yield InputError(f"line longer than {MAX_LINE_BYTES} bytes", path, line)
            continue
        if not raw.strip():
            blank += 1
            if blank > MAX_BLANK_LINES:  # a flood, gzipped 200 to 1: read no further
                yield InputError(f"over {MAX_BLANK_LINES:,} blank lines in a row: the rest "
                                 "of the file is not read", path, line)
                return
            continue
        blank = 0
        try:
            yield build(_json_line(raw, path, line, hook), path, line)
            bad = 0
        except InputError as exc:
            yield exc
            bad += 1
            if bad >= MAX_BAD_IN_A_ROW:
                yield InputError(f"{MAX_BAD_IN_A_ROW:,} bad records in a row: the rest of the "
                                 "file is not read (is it article JSONL?)", path, line)
                return


def _read_jsonl(path: Path) -> Iterator[Item]:
    """Article JSONL, one line at a time; blank lines are allowed."""
    with _open_binary(path) as stream:
        yield from _jsonl_items(path, stream, _article_from_record)


#: A JSON file (not JSON Lines) is parsed whole, every article object in memory at once:
#: cap it as feeds are (JSONL streams any size)
MAX_JSON_FILE_BYTES = 16 * 1024 * 1024
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _array_elements(text: str, path: Path, hook: Any = None
                    ) -> Iterator[tuple[int, Any] | InputError]:
    """``(line, value)`` for each element of the JSON array ``text`` holds, in order, each
    parsed and bounded on its own (``validate.loads``), so one bad element (a lone
    surrogate, NaN, a 40-digit number) is an error at the line it starts on and its
    neighbours are still read; malformed JSON ends the array with an error at its line."""
    decoder = json.JSONDecoder()
    index = _JSON_SPACE.match(text, _JSON_SPACE.match(text).end() + 1).end()
    if text[index:index + 1] == "]":
        yield InputError("empty JSON array: no articles", path)
        return
    while True:
        line = 1 + text.count("\n", 0, index)
        try:
            end = decoder.raw_decode(text, index)[1]
        except json.JSONDecodeError as exc:
            yield InputError(f"malformed JSON: {exc.msg} (column {exc.colno})", path,
                             exc.lineno)
            return
        except ValueError as exc:  # an integer too long to convert: its end is not known
            yield InputError(str(exc), path, line)
            return
        try:
            value = validate.loads(text[index:end], object_pairs_hook=hook)
        except validate.LimitError as exc:
            yield InputError(str(exc), path, line)
        else:
            yield line, value
        index = _JSON_SPACE.match(text, end).end()
        closer = text[index:index + 1]
        index = _JSON_SPACE.match(text, index + 1).end()
        if closer == "]" and index == len(text):
            return
        if closer != "," or index == len(text):
            where = text.count("\n", 0, index) + 1
            yield InputError("malformed JSON: expected ',' or ']' after an element", path, where)
            return


def _json_file_text(path: Path) -> str:
    """A whole JSON file's text, bounded in size and nesting before it is parsed."""
    text = _decode_utf8(_read_bytes(path, MAX_JSON_FILE_BYTES, what="a JSON file (JSONL has no "
                                    "limit)"), path)
    depth = validate.json_depth(text)
    if depth > validate.MAX_JSON_DEPTH:
        raise InputError(f"JSON nested {depth} deep (limit {validate.MAX_JSON_DEPTH})", path)
    return text


def _array_items(text: str, path: Path, build: Callable[[Any, Path, int], Any],
                 hook: Any = None) -> Iterator[Any]:
    """``build(element, path, line)`` for each element of a JSON array, or the InputError of
    a bad element (or of the malformed JSON that ends the array) in its place."""
    for element in _array_elements(text, path, hook):
        if isinstance(element, InputError):
            yield element
            continue
        line, record = element
        try:
            yield build(record, path, line)
        except InputError as exc:
            yield exc


def _read_json(path: Path) -> Iterator[Item]:
    """A ``.json`` file of article-contract objects: one object, or an array of them (what
    spreadsheets, scripts and APIs export). Each bad element is reported by the line it
    starts on and the others are read; malformed JSON ends the file at its line."""
    text = _json_file_text(path)
    if text.lstrip(" \t\r\n").startswith("["):
        yield from _array_items(text, path, _article_from_record)
        return
    try:
        value = validate.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg} (column {exc.colno})", path,
                         exc.lineno) from None
    except validate.LimitError as exc:
        raise InputError(str(exc), path) from None
    if not isinstance(value, dict):
        raise InputError("expected an article object or an array of them", path)
    if str(value.get("schema", "")).startswith("newsweave.brief/"):
        raise InputError(BRIEF_IS_NO_ARTICLE, path)
    if str(value.get("version", "")).startswith("https://jsonfeed.org/"):
        raise InputError("a JSON Feed, which is not read: give the site's RSS or Atom feed",
                         path)
    wrapper = [key for key, inner in value.items() if isinstance(inner, list) and inner
               and isinstance(inner[0], dict)]
    if "text" not in value and wrapper:
        raise InputError(f'no "text" field: the articles are wrapped in "{wrapper[0]}"; '
                         "a .json file holds one article or an array of them", path)
    yield _article_from_record(value, path, None)


#: A CSV of articles is read whole (its encoding is known only once read): cap it.
MAX_CSV_BYTES = 64 * 1024 * 1024
#: the delimiters a spreadsheet's "CSV" uses (the comma, or a semicolon where the comma is
#: the decimal mark), and tab for .tsv and Excel's "Unicode text"
_CSV_DELIMITERS = (",", ";", "\t")
#: the first characters of a cell that ``catalog.csv_cell`` guarded with an apostrophe
_GUARDED = ("'=", "'+", "'-", "'@", "'\t", "'\r", "'\n", "'|")


def _unguarded(cell: str) -> str:
    """A cell without the apostrophe ``catalog.csv_cell`` put before a formula's first
    character, or before a value's own apostrophe in front of one."""
    if cell.startswith(_GUARDED) or (cell.startswith("''") and cell[1:].startswith(_GUARDED)):
        return cell[1:]
    return cell


#: other names a sheet gives the contract's columns, read where the contract's own name is
#: not in the header
_CSV_ALIASES = {
    "text": ("body", "content", "article", "article text", "article_text", "full text",
             "full_text", "story"),
    "title": ("headline",),
    "published": ("date", "pubdate", "publish date", "publish_date", "published at",
                  "published_at", "publication date", "date published", "date_published",
                  "datepublished"),
    "outlet": ("source", "publication", "publisher", "site", "media", "newspaper"),
    "url": ("link", "address", "permalink", "article url", "article_url", "story url"),
    "author": ("byline", "authors", "writer"),
}


def _csv_columns(names: Sequence[str]) -> list[str]:
    """The contract field each column of a header fills ("" for none): its own name, else
    the first column of an alias (``_CSV_ALIASES``) when the contract's name is absent."""
    names = [name.strip().strip('"').strip().lower() for name in names]
    fields = list(names)
    for field, aliases in _CSV_ALIASES.items():
        if field in names:
            continue
        for alias in aliases:
            if alias in names:
                fields[names.index(alias)] = field
                break
    return fields


def _csv_delimiter(header: str) -> str | None:
    """The delimiter that makes ``text`` (or another name for it) one of the header's
    columns, or None."""
    for delimiter in _CSV_DELIMITERS:
        if "text" in _csv_columns(header.split(delimiter)):
            return delimiter
    return None


def _csv_has_text_column(path: Path) -> bool:
    """Whether a CSV file met in a folder walk is a table of articles (a "text" column)."""
    head = _head(path)
    if head is None:
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        header = head.decode("utf-16", "replace")
    else:
        header = head.decode("utf-8", "replace")
    return _csv_delimiter(header.lstrip("\ufeff").split("\n", 1)[0]) is not None


def _read_csv(path: Path) -> Iterator[Item]:
    """A spreadsheet of articles (``newsweave articles --format csv`` writes one): a header
    naming a ``text`` column and any of the contract's others (id, title, outlet,
    published, updated, url, label), one article a row, extra columns ignored; a bad row is
    reported at the line it starts on and the others are read. A cell the export guarded
    against running as a formula (a leading apostrophe) reads as written."""
    import csv

    from newsweave.charsets import user_text

    data = _read_bytes(path, MAX_CSV_BYTES, utf16=True, what="a CSV file (JSONL has no limit)")
    text = user_text(data, path, "save the CSV as UTF-8").lstrip("\ufeff")
    delimiter = _csv_delimiter(text.split("\n", 1)[0])
    if delimiter is None:
        raise InputError('no "text" column in the header (a CSV of articles needs one, or '
                         '"body" or "content"; the others it reads: id, title, outlet, author, '
                         "published, updated, url)", path, 1)
    csv.field_size_limit(max(csv.field_size_limit(), validate.MAX_TEXT_CHARS + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = _csv_columns(next(reader))
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield InputError(f"bad CSV: {exc}", path, start)
            return
        if not any(cell.strip() for cell in row):
            continue
        record = {name: _unguarded(cell)
                  for name, cell in zip(names, row, strict=False) if name and cell.strip()}
        try:
            yield _article_from_record(record, path, start)
        except InputError as exc:
            yield exc


def _struct_date(value: Any) -> str | None:
    """feedparser's UTC ``time.struct_time`` as ``YYYY-MM-DD``."""
    if not value:
        return None
    try:
        return date(value.tm_year, value.tm_mon, value.tm_mday).isoformat()
    except (AttributeError, ValueError):
        return None


def entry_times(entry: Any) -> tuple[str | None, str | None]:
    """``(published, updated)`` of a feed entry as written, with their own UTC offsets
    (feedparser's ``*_parsed`` values are UTC and would move an evening entry to the next
    day); feedparser's parsed value is only the fallback for strings we cannot read."""
    out: list[str | None] = []
    for key in ("published", "updated"):
        # dict.get: feedparser's own get() maps a missing "updated" to "published"
        raw = dict.get(entry, key)
        value = normalise_timestamp(raw) if isinstance(raw, str) else None
        out.append(value or _struct_date(dict.get(entry, f"{key}_parsed")))
    return out[0], out[1]


def _entry_article(entry: Any, outlet: str | None, path: Path) -> Article | None:
    """One feed entry; None for an entry that carries no text (a bare link)."""
    body = ""
    for content in entry.get("content") or []:
        body = content.get("value") or ""
        if body.strip():
            break
    if not body.strip():
        body = entry.get("summary") or ""
    text = feed_entry_text(body)
    title = " ".join(htmllib.unescape(entry.get("title") or "").split()) or None
    text = _drop_title_line(text, title)
    if not text.strip():
        return None
    published, updated = entry_times(entry)
    if published is None:  # Atom requires only <updated>: many feeds carry nothing else
        published, updated = updated, None
    dateline_outlet, _ = _parse_dateline(text) or (None, None)
    author = entry.get("author")
    return Article(
        id=article_id(text),
        text=text,
        title=title,
        outlet=outlet or dateline_outlet,
        published=published,
        updated=updated if updated != published else None,
        url=entry.get("link") or None,
        path=str(path),
        author=" ".join(author.split())[:200] or None if isinstance(author, str) else None,
    )


def _read_feed(path: Path) -> Iterator[Item]:
    """An RSS or Atom file: each entry with text becomes an article (outlet = feed title)."""
    import xml.sax

    import feedparser

    data = _read_bytes(path, MAX_FEED_BYTES, what="a feed file")
    # a stream, so nothing is ever fetched
    feed = feedparser.parse(io.BytesIO(valid_character_references(data)))
    error = feed.get("bozo_exception")
    broken = isinstance(error, xml.sax.SAXParseException)
    if not broken and not feed.get("version") and not feed.entries:
        raise InputError("not an RSS or Atom feed", path)
    outlet = " ".join((feed.feed.get("title") or "").split()) or None
    articles = [article for entry in feed.entries
                if (article := _entry_article(entry, outlet, path)) is not None]
    if broken:
        where = f" (line {error.getLineNumber()})" if error.getLineNumber() else ""
        problem = f"malformed feed XML: {error.getMessage()}{where}"
        if not feed.entries:
            raise InputError(problem, path)
        # feedparser's loose parser recovered entries (a bare "&" in one title is the
        # commonest fault): reported as a bad record, and the entries read are kept, as
        # `follow` keeps them; the count is of the entries kept, so it matches what is stored
        empty = len(feed.entries) - len(articles)
        passed = f" ({empty} without text passed over)" if empty else ""
        yield InputError(f"{problem}; read as far as it goes: {len(articles)} "
                         f"{'entry' if len(articles) == 1 else 'entries'} recovered{passed}",
                         path)
    yield from articles
    if not articles and not broken:  # a broken one was said once
        raise InputError("feed has no entry with text", path)


def _read_xml(path: Path) -> Iterator[Item]:
    try:
        with path.open("rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path) from None
    kind = _sniff(head)
    if kind == "feed":
        yield from _read_feed(path)
    elif kind == "html":
        yield from _read_html(path)
    else:
        raise InputError("XML file is not an RSS or Atom feed", path)


def _warc_article(record: Any, path: Path, offset_of: Callable[[], int]) -> Item | None:
    """An HTML response record as an article; None for records that are not article pages
    (requests, metadata, redirects and errors, images, pages without extractable text)."""
    if record.rec_type not in ("response", "resource"):
        return None
    mime = record.rec_headers.get_header("Content-Type") or ""
    charset = None
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode() or ""
        if not status.startswith("2"):
            return None
        mime = record.http_headers.get_header("Content-Type") or ""
    if "html" not in mime.lower():
        return None
    found = re.search(r"charset=([\w.:-]+)", mime, re.I)
    if found:
        charset = found.group(1)
    body = record.content_stream().read(MAX_RECORD_BYTES + 1)
    if len(body) > MAX_RECORD_BYTES:
        message = f"WARC record at offset {offset_of()}: HTML body over {MAX_RECORD_BYTES} bytes"
        return InputError(message, path)
    try:
        check_html_size(body, path)
    except InputError as exc:
        return InputError(f"WARC record at offset {offset_of()}: {exc.message}", path)
    page = decode_html(body, charset)
    url = record.rec_headers.get_header("WARC-Target-URI")
    warc_date = record.rec_headers.get_header("WARC-Date")
    try:
        return parse_html(page, path=str(path), url=url, fallback_date=warc_date,
                          captured=warc_date)
    except InputError:
        return None


class StreamLimitError(OSError):
    """A WARC or gzipped JSONL stream over the expansion or line limits, or corrupt gzip data
    (raised inside the reader's reads)."""


class _BoundedStream(io.RawIOBase):
    """The bytes of a WARC or JSONL file, gunzipped here when compressed (every gzip member in
    turn), counted: over ``limit`` bytes in all, or ``max_line`` bytes without a line break,
    reading fails with StreamLimitError, so a gzip bomb costs bounded memory and time (the
    JSONL reader bounds its lines itself: ``max_line`` None)."""

    def __init__(self, raw: IO[bytes], limit: int, max_line: int | None = WARC_MAX_LINE) -> None:
        import zlib

        self._zlib = zlib
        self._raw = raw
        self._limit = limit
        self._max_line = max_line
        self.produced = 0
        self._since_newline = 0
        self._gzip = raw.peek(2)[:2] == GZIP_MAGIC  # type: ignore[attr-defined]
        self._inflate = zlib.decompressobj(31) if self._gzip else None
        self._pending = b""

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()

    def _next_bytes(self, size: int) -> bytes:
        try:
            return self._inflated(size)
        except self._zlib.error as exc:
            raise StreamLimitError(f"corrupt gzip data ({exc})") from None

    def _inflated(self, size: int) -> bytes:
        if not self._gzip:
            return self._raw.read(size)
        while not self._pending:
            if self._inflate.eof:
                rest = self._inflate.unused_data
                self._inflate = self._zlib.decompressobj(31)
                if not rest:
                    rest = self._raw.read(64 * 1024)
                    if not rest:
                        return b""
            else:
                rest = self._inflate.unconsumed_tail or self._raw.read(64 * 1024)
                if not rest:
                    return b""  # truncated member: warcio reports the short record
            self._pending = self._inflate.decompress(rest, size)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def readinto(self, buffer: Any) -> int:
        data = self._next_bytes(min(len(buffer), 1024 * 1024))
        self.produced += len(data)
        if self.produced > self._limit:
            raise StreamLimitError(f"expands to over {self._limit:,} bytes (gzip bomb?)")
        last = data.rfind(b"\n")
        self._since_newline = len(data) - last - 1 if last != -1 else self._since_newline + len(
            data)
        if self._max_line is not None and self._since_newline > self._max_line:
            raise StreamLimitError(f"over {self._max_line:,} bytes without a line break")
        buffer[: len(data)] = data
        return len(data)


def _read_warc(path: Path) -> Iterator[Item]:
    """WARC or WARC.gz record by record (warcio streams; memory stays flat). Decompression is
    ours (``_BoundedStream``), so offsets in messages count uncompressed bytes."""
    from warcio.archiveiterator import ArchiveIterator

    class QuietIterator(ArchiveIterator):
        #: warcio writes this three-line warning to stderr itself; the records after such a
        #: record are read on, and what cannot be read is reported by ``_read_warc``
        INC_RECORD = ""

    count = 0
    try:
        with path.open("rb") as raw:
            limit = WARC_EXPAND_FLOOR + WARC_EXPAND_RATIO * path.stat().st_size
            bounded = _BoundedStream(raw, limit)
            stream = io.BufferedReader(bounded, 1024 * 1024)
            records = QuietIterator(stream)
            end = 0
            try:
                for record in records:
                    # warcio knows a record's offset only once it has been read to its end
                    item = _warc_article(record, path, records.get_record_offset)
                    offset = records.get_record_offset()
                    end = offset + records.get_record_length()
                    if getattr(record.raw_stream, "limit", 0) > 0:  # fewer bytes than declared
                        item = InputError(f"WARC record at offset {offset} is truncated", path)
                    if item is not None:
                        count += isinstance(item, Article)
                        yield item
            except Exception as exc:  # noqa: BLE001 - warcio on hostile bytes fails in many ways
                detail = " ".join(str(exc).split())[:200] or type(exc).__name__
                yield InputError(f"bad WARC record at offset {end}: {detail}", path)
                return
            stream.read()  # count what follows the last record
            if bounded.produced - end > WARC_TRAILING_SLACK:
                yield InputError(f"unreadable data after offset {end} (truncated WARC?)", path)
    except StreamLimitError as exc:
        raise InputError(f"WARC {exc}", path) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", path) from None
    if count == 0:
        raise InputError("WARC holds no HTML page with article text", path)


_READERS: dict[str, Callable[[Path], Iterator[Item]]] = {
    "text": _read_text,
    "markdown": _read_markdown,
    "html": _read_html,
    "jsonl": _read_jsonl,
    "json": _read_json,
    "csv": _read_csv,
    "email": _read_email,
    "feed": _read_feed,
    "xml": _read_xml,
    "warc": _read_warc,
}


def _read_file(path: Path, kind: str) -> Iterator[Item]:
    """The items of one file; a file-level failure comes out as one final InputError."""
    if kind == "text":
        try:
            with path.open("rb") as stream:
                head = stream.read(SNIFF_BYTES) if path.suffix == "" else b""
                sniffed = (_sniff(head) or _sniff_records(head)) if head else None
        except OSError as exc:
            yield InputError(f"cannot read file: {exc.strerror}", path)
            return
        kind = sniffed or kind
    try:
        yield from _READERS[kind](path)
    except InputError as exc:
        yield exc


def _checked(item: Item) -> Item:
    """The last word on every article any reader made: text within the limits, dates inside
    1800..tomorrow (else dropped with a warning)."""
    if isinstance(item, InputError):
        return item
    try:
        _check_text(item.text, item.path)
    except InputError as exc:
        return exc
    published = sane_date(item.published, "published", item.path)
    updated = sane_date(item.updated, "updated", item.path)
    if (published, updated) != (item.published, item.updated):
        item = replace(item, published=published, updated=updated)
    return item


def _read_path(target: Path) -> Iterator[Item]:
    """Everything under one command-line path (a file or a folder), each article checked."""
    for item in _read_path_raw(target):
        yield _checked(item)


#: what to do with a document newsweave does not read, by its extension
_SAVE_AS = {
    **dict.fromkeys((".pdf",), "save its text as a .txt file, e.g. with pdftotext"),
    **dict.fromkeys((".doc", ".docx", ".odt", ".rtf", ".pages"),
                    "save it as plain text (.txt) or as a web page (.html)"),
    **dict.fromkeys((".msg", ".mbox"), "save the message as .eml, or its text as .txt"),
    **dict.fromkeys((".mhtml", ".mht", ".webarchive"),
                    "save the page as HTML only (.html), or its text as .txt"),
    **dict.fromkeys((".xlsx", ".xls", ".ods"),
                    "save the sheet as CSV (.csv) with a column named text"),
}
#: a web address given where a file is read ("https://..."): a Path would fold its "//"
_WEB_ADDRESS = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


#: the command-line input that names standard input ("-"), as Unix tools read it
STDIN = "-"
#: how standard input is named in messages and in ``Article.path``
STDIN_NAME = "<stdin>"


def missing_input(target: str | Path) -> InputError | None:
    """The error for a command-line input that is not there (None when it is): a web
    address says what to do with one, since these commands read files."""
    if target == STDIN or Path(target).exists():
        return None
    if isinstance(target, str) and _WEB_ADDRESS.match(target):
        return InputError("a web address, not a file: save the page and give the file, or "
                          "follow the site's feed with `newsweave follow URL`", target)
    return InputError("no such file or directory", target)


def _read_path_raw(target: Path) -> Iterator[Item]:
    if not target.exists():
        yield InputError("no such file or directory", target)
        return
    if target.is_dir():
        files = _walk(target)
        if not files:
            empty = not any(not p.name.startswith(".") for p in target.iterdir())
            message = "empty folder" if empty else f"no article files in folder ({KNOWN_SUFFIXES})"
            yield InputError(message, target)
            return
        for path in files:
            yield from _read_file(path, _kind_of(path) or "text")
        return
    try:
        check_regular(target)
    except InputError as exc:
        yield exc
        return
    kind = _kind_of(target)
    if kind is None:
        advice = _SAVE_AS.get(_suffix(target))
        yield InputError(f"unsupported file type '{_suffix(target)}' "
                         f"({advice or KNOWN_SUFFIXES})", target)
        return
    yield from _read_file(target, kind)


def _stdin_suffix(head: bytes) -> str:
    """The file kind of what is piped in, by its first bytes: a page, a feed, a WARC (by
    their marks), JSONL (an object first) or JSON (an array), else plain text."""
    if head.startswith(GZIP_MAGIC):  # a WARC.gz, or gzipped JSONL: look inside
        import zlib

        try:
            inner = zlib.decompressobj(31).decompress(head, 64)
        except zlib.error:
            inner = b""
        return ".warc.gz" if not inner.lstrip().startswith((b"{", b"\n")) else ".jsonl.gz"
    kind = _sniff(head)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if kind is not None:
        return {"html": ".html", "feed": ".rss", "warc": ".warc"}[kind]
    if start.startswith(b"{"):
        return ".jsonl"
    if start.startswith(b"["):
        return ".json"
    if _sniff_records(head) == "csv":
        return ".csv"
    return ".txt"


def _read_stdin() -> Iterator[Item]:
    """What is piped in (``-``: ``pbpaste | newsweave weave -``, ``curl URL | newsweave
    weave -``), read as the file it would be (kind by its first bytes), named "<stdin>"."""
    import sys
    import tempfile

    if sys.stdin is None or sys.stdin.isatty():
        yield InputError("standard input is a terminal: pipe an article in (`pbpaste | "
                         "newsweave weave -`) or give files", STDIN_NAME)
        return
    data = sys.stdin.buffer.read(MAX_ARTICLE_BYTES + 1)
    if len(data) > MAX_ARTICLE_BYTES:
        yield InputError(f"standard input over the {MAX_ARTICLE_BYTES:,}-byte limit: give a "
                         "file instead", STDIN_NAME)
        return
    if not data.strip():
        yield InputError("nothing on standard input", STDIN_NAME)
        return
    with tempfile.TemporaryDirectory(prefix="newsweave-stdin-") as tmp:
        path = Path(tmp) / f"stdin{_stdin_suffix(data[:SNIFF_BYTES])}"
        path.write_bytes(data)
        for item in _read_path(path):
            if isinstance(item, InputError):
                yield InputError(item.message, STDIN_NAME, item.line)
            else:
                yield replace(item, path=STDIN_NAME)


def iter_articles(
    paths: Sequence[str | Path] | str | Path, on_error: ErrorHandler | None = None
) -> Iterator[Article]:
    """Articles from files and folders, streamed in a deterministic order (paths as given,
    folders recursively by sorted relative path, hidden files skipped).

    With ``on_error``, each bad file or record is handed to it and skipped; without, the first
    one is raised as InputError."""
    if isinstance(paths, str | Path):
        paths = [paths]
    for target in paths:
        missing = missing_input(target)
        if missing:
            items: Iterable[Item] = [missing]
        elif target == STDIN:
            items = _read_stdin()
        else:
            items = _read_path(Path(target))
        for item in items:
            if isinstance(item, InputError):
                if on_error is None:
                    raise item
                on_error(item)
            else:
                yield item


def read_articles(paths: Sequence[str | Path] | str | Path) -> list[Article]:
    """All articles of ``paths``, strictly: the first bad input raises InputError, and so does
    an input that yields no article at all."""
    if isinstance(paths, str | Path):
        paths = [paths]
    articles = list(iter_articles(paths))
    if not articles:
        if len(paths) == 1:
            raise InputError("no articles found", paths[0])
        raise InputError("no articles found in " + ", ".join(str(p) for p in paths))
    return articles


# --------------------------------------------------------------------------- clusters
def _without_summaries(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON object hook: reference summaries are dropped as the line is parsed, so nothing
    downstream can read them, even by mistake."""
    return {key: value for key, value in pairs if key != "summaries"}


def _cluster_doc(doc: Any, index: int, path: Path, line: int) -> Article | None:
    """One ``docs`` entry as an article; None when it has no text."""
    if not isinstance(doc, dict):
        return None
    text = doc.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        validate.check_text(text)
    except validate.LimitError as exc:
        raise InputError(f"document {index + 1}: {exc}", path, line) from None
    text = without_wire_markup(text)
    if not text.strip():
        return None
    date_value = doc.get("date")
    return Article(
        id=_record_id(doc, text, path, line),
        text=text,
        title=clean_title(_optional_str(doc, "title", path, line)),
        outlet=_optional_str(doc, "source", path, line),
        published=record_date(date_value if isinstance(date_value, str) else None, "date",
                              path, line),
        path=str(path),
    )


def unique_ids(articles: Iterable[Article]) -> tuple[Article, ...]:
    """Citations need distinct ids within one brief: repeats get a ``-2``, ``-3``... suffix.
    Two files or records of the same text (a wire story two outlets carry word for word)
    share the content id, and a given id can repeat; each stays a source of its own."""
    seen: dict[str, int] = {}
    out: list[Article] = []
    for article in articles:
        count = seen.get(article.id, 0) + 1
        seen[article.id] = count
        if count > 1:
            article = replace(article, id=f"{article.id}-{count}")
        out.append(article)
    return tuple(out)


def _cluster_from_record(record: Any, path: Path, line: int) -> Cluster:
    if not isinstance(record, dict):
        raise InputError("expected a JSON object (a cluster)", path, line)
    cluster_id = record.get("id")
    if cluster_id is None or cluster_id == "":
        cluster_id = f"line-{line}"  # its brief's story.id: said, it joins nothing of the input
        warn(f"cluster has no id: its brief's story.id is {cluster_id}", path, line)
    elif isinstance(cluster_id, bool) or not isinstance(cluster_id, str | int):
        raise InputError('"id" must be a string or an integer', path, line)
    docs = record.get("docs")
    if docs is None and "text" in record:  # an article: its id is no cluster's
        raise InputError('no "docs" list (this looks like an article file: give it as PATH, '
                         "without --jsonl)", path, line)
    if not isinstance(docs, list):
        raise InputError(f'cluster {cluster_id}: "docs" must be a list of documents', path, line)
    if len(docs) > validate.MAX_BRIEF_ARTICLES:
        raise InputError(f"cluster {cluster_id}: {len(docs):,} documents are over the "
                         f"{validate.MAX_BRIEF_ARTICLES:,} limit", path, line)
    articles = [a for i, d in enumerate(docs) if (a := _cluster_doc(d, i, path, line))]
    if not articles:
        raise InputError(f"cluster {cluster_id}: no document with text", path, line)
    query = record.get("query")
    if query is not None and not isinstance(query, str):
        raise InputError(f'cluster {cluster_id}: "query" must be a string', path, line)
    return Cluster(id=str(cluster_id), articles=unique_ids(articles), query=(query or "").strip()
                   or None)


def iter_clusters(path: str | Path) -> Iterator[Cluster | InputError]:
    """Clusters of a cluster-contract JSONL file, one line at a time (or of a JSON array of
    them, read whole, each named by the line it starts on). A bad line or a cluster
    without a usable document comes out as an InputError (with its line) in its place, so a
    batch can report it and go on. Reference ``summaries`` are never read.

    Raises InputError at once (on the call, not the first ``next``) when the file is missing,
    unreadable or binary."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or directory", path)
    if path.is_dir():
        raise InputError("is a folder, expected a cluster JSONL file", path)
    if _opens_array(path):  # a JSON array of clusters, as a script may write them
        return _array_items(_json_file_text(path), path, _cluster_from_record,
                            _without_summaries)
    return _clusters(path, _open_binary(path))


def _opens_array(path: Path) -> bool:
    """Whether a file's first character (after a byte-order mark and spaces) opens a JSON
    array: JSON, not JSON Lines."""
    head = _head(path)
    return head is not None and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")


def _clusters(path: Path, stream: IO[bytes]) -> Iterator[Cluster | InputError]:
    with stream:
        yield from _jsonl_items(path, stream, _cluster_from_record, _without_summaries)
