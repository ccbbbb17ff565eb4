"""Input limits shared by every reader: bounded JSON, valid Unicode, sane dates, bounded text.

Every check here runs *before* the expensive or recursive work it protects (JSON nesting is
measured before ``json.loads`` recurses; a text's length before spaCy sees it), and every
failure is a :class:`ValueError` subclass with a one-line message that the readers turn into
an ``InputError`` naming the file and line. The limits are documented in
``docs/input-limits.md``; change them there too.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

#: Deepest JSON nesting accepted (the contracts need 3: cluster -> docs -> doc).
MAX_JSON_DEPTH = 32
#: Longest integer literal accepted in JSON (ids and counts fit easily; Python's own cap is 4300).
MAX_INT_DIGITS = 32
#: Longest article text analysed. Longer texts are refused with one line: no news article is
#: this long, and every stage's cost grows with it (spaCy runs over bounded pieces below it).
MAX_TEXT_CHARS = 1_000_000
#: Most tokens (words and punctuation marks, counted as spaCy roughly would) in one article:
#: analysis time grows with tokens, not characters, and a text of punctuation is one token per
#: character. A 250,000-character news text has about 50,000.
MAX_TEXT_TOKENS = 150_000
#: Most sentences in one article: every later stage (embedding, summary selection, coverage)
#: grows with sentences, and a text of "A: A: A: ..." is one sentence per three characters.
#: A 250,000-character news text has about 1,900.
MAX_TEXT_SENTENCES = 5_000
_TOKEN = re.compile(r"\w+|[^\w\s]")
#: Most articles woven into one brief from files or one cluster (a feed of 20,000 entries is
#: an archive to ingest and group into stories, not one story).
MAX_BRIEF_ARTICLES = 1_000
#: a language tag as a record may give one ("fr", "pt-BR", "eng"); group 1: its primary
#: subtag, which ingest and the API keep
LANGUAGE_TAG = r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*"
#: Longest metadata field kept from a record (the same bounds the HTTP API sets): a title of a
#: million characters is not a title, and it would become a brief's headline.
MAX_FIELD_CHARS = {"id": 512, "title": 1000, "outlet": 200, "url": 2000, "label": 200,
                   "published": 100, "updated": 100, "source": 200, "date": 100,
                   "author": 500, "language": 50}
#: fields cut to their limit (``cut_to_limit``) rather than refused, in a record (with a
#: warning) and when a page or feed gives them (a store's own export then reads back): the
#: report is still worth reading
CUT_FIELDS = ("title", "outlet", "author", "label")


def cut_to_limit(value: str, field: str) -> str:
    """``value`` within ``field``'s limit, ending in "…" where it was cut."""
    limit = MAX_FIELD_CHARS[field]
    return value if len(value) <= limit else value[:limit - 1].rstrip() + "…"
#: Earliest publication year believed; later bound is one day after "now".
MIN_YEAR = 1800

_SURROGATE = re.compile("[\ud800-\udfff]")
#: A JSON string literal (unrolled loop: linear, no backtracking).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_EMPTY_PAIR = re.compile(r"\[\]|\{\}")


class LimitError(ValueError):
    """An input over one of the limits above, or not valid in a way JSON parsers let through."""


def json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> int:
    """Bracket nesting of a JSON text (strings ignored), counted up to ``limit + 1``: each pass
    deletes the innermost bracket pairs in C, so a hostile line costs ``limit`` linear passes
    and no recursion. Unbalanced brackets stop the count (the JSON parser reports them)."""
    skeleton = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = 0
    while skeleton and depth <= limit:
        shorter = _EMPTY_PAIR.sub("", skeleton)
        if len(shorter) == len(skeleton):
            break
        skeleton, depth = shorter, depth + 1
    # what is left does not pair up: each opener left may still nest one level deeper
    return depth + skeleton.count("[") + skeleton.count("{")


def _parse_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise LimitError(f"number with {len(literal)} digits (limit {MAX_INT_DIGITS})")
    return int(literal)


def _parse_constant(name: str) -> Any:
    raise LimitError(f"{name} is not valid JSON")


def _parse_float(literal: str) -> float:
    if len(literal) > 4 * MAX_INT_DIGITS:
        raise LimitError(f"number with {len(literal)} characters (limit {4 * MAX_INT_DIGITS})")
    return float(literal)


def find_surrogate(value: Any, depth: int = 0) -> str | None:
    """The first lone surrogate (as ``\\udXXX``) in any string, key or value of ``value``.

    Depth is bounded by :data:`MAX_JSON_DEPTH` (checked before parsing), so recursion is too."""
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        return f"\\u{ord(found.group()):04x}" if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            hit = find_surrogate(key, depth + 1) or find_surrogate(item, depth + 1)
            if hit:
                return hit
    elif isinstance(value, list):
        for item in value:
            hit = find_surrogate(item, depth + 1)
            if hit:
                return hit
    return None


def loads(text: str, object_pairs_hook: Any = None) -> Any:
    """``json.loads`` with bounds: nesting, integer size, no NaN/Infinity, no lone surrogates.

    Raises :class:`LimitError` (bounds) or ``json.JSONDecodeError`` (syntax)."""
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise LimitError(f"JSON nested {depth} deep (limit {MAX_JSON_DEPTH})")
    try:
        value = json.loads(
            text, object_pairs_hook=object_pairs_hook, parse_int=_parse_int,
            parse_constant=_parse_constant, parse_float=_parse_float,
        )
    except RecursionError:  # not reachable under MAX_JSON_DEPTH; kept as a last guard
        raise LimitError("JSON nested too deep") from None
    bad = find_surrogate(value)
    if bad:
        raise LimitError(f"lone surrogate {bad} in a string (not valid Unicode)")
    return value


def check_text(text: str) -> None:
    """Raise LimitError for an article text over :data:`MAX_TEXT_CHARS` characters or
    :data:`MAX_TEXT_TOKENS` tokens, or holding a lone surrogate (possible only from Python
    callers: decoders refuse them)."""
    if len(text) > MAX_TEXT_CHARS:
        raise LimitError(
            f"article text of {len(text):,} characters is over the {MAX_TEXT_CHARS:,} limit"
        )
    found = _SURROGATE.search(text)
    if found:
        raise LimitError(f"lone surrogate \\u{ord(found.group()):04x} in the text")
    if len(text) > MAX_TEXT_TOKENS:  # fewer characters cannot hold more tokens
        tokens = sum(1 for _ in _TOKEN.finditer(text))
        if tokens > MAX_TEXT_TOKENS:
            raise LimitError(
                f"article text of about {tokens:,} words and marks is over the "
                f"{MAX_TEXT_TOKENS:,} limit"
            )


def latest_date() -> date:
    """The latest publication date believed: one day after now (UTC)."""
    return (datetime.now(UTC) + timedelta(days=1)).date()


def date_in_range(value: date) -> bool:
    """A publication date a news article can have: from 1800 to one day after now."""
    return date(MIN_YEAR, 1, 1) <= value <= latest_date()


def iso_in_range(value: str | None) -> bool:
    """An ISO ``YYYY-MM-DD`` string (or None) within :func:`date_in_range`."""
    if value is None:
        return True
    try:
        return date_in_range(date.fromisoformat(value[:10]))
    except ValueError:
        return False
