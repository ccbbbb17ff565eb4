"""`newsweave serve`: a web reader and JSON API over the store.

Pages are rendered on the server (Jinja2, autoescaped: article text is never trusted) with a
little plain JavaScript from ``static/`` for the citation highlights; a strict
Content-Security-Policy forbids inline script. Briefs are served from the store (each a
version of its story, see ``newsweave.app``) and cached by story id + version. No read waits
for heavy work: a story whose brief is missing or stale is woven once by the background worker
(``newsweave.background``) while the page says so, and a write stores its articles and is
answered ``202 Accepted`` at once, grouping and weaving following in the background.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import hashlib
import heapq
import hmac
import json
import logging
import math
import re
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsweave import app as app_layer
from newsweave.atom import MEDIA_TYPE as ATOM_TYPE
from newsweave.atom import updates_feed
from newsweave.background import Background
from newsweave.brief_diff import counts_line, version_update
from newsweave.catalog import (
    LANGUAGE_RE,
    CatalogCache,
    ListQuery,
    entries_csv,
    parse_day,
)
from newsweave.changes import ChangeWatch
from newsweave.charts import lean_bar, lean_colours, time_chart
from newsweave.errors import Collected, InputError, collect_warnings
from newsweave.jobs import JobProcess
from newsweave.models import Article, Brief
from newsweave.outlets import (
    UNRATED,
    Member,
    OutletMatcher,
    registered_domain,
    story_coverage,
)
from newsweave.quote_marks import typeset
from newsweave.render import (
    denial_cue,
    displayable,
    quotation,
    reported_text,
    safe_url,
    shown_as_quote,
    speaker_label,
    stance_cue,
)
from newsweave.store import StoreUnavailable
from newsweave.validate import LANGUAGE_TAG
from newsweave.wording import count

log = logging.getLogger("newsweave.serve")

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"  # article and story ids: no slashes, no spaces
ID_RE = re.compile(ID_PATTERN)
#: a story page or brief the server may hold (``held_story``)
_STORY_ID = ID_PATTERN[1:-1]
_HELD_PATH = re.compile(rf"/(?:stories/({_STORY_ID})|api/stories/({_STORY_ID})/brief)")
#: a story list checked longer ago than this is checked before it is answered (within it,
#: readers answer from it while one background check runs)
STALE_LIST_S = 5.0
#: one article as JSON: its text at the 1,000,000-character limit in another script, written
#: with JSON's \u escapes (as Python's json.dumps does by default), is about 6 MB
MAX_JSON_BYTES = 7 << 20
MAX_FORM_BYTES = 4 << 20  # the add form may carry several uploaded files
PAGE_SIZE = 20  # stories per page of the story list
API_MAX_LIMIT = 200
MAX_OFFSET = 10_000_000  # far past any store; a larger one is a 422, not an overflow
CSV_MAX_ROWS = 100_000
CACHE_SIZE = 256  # briefs kept in memory (each a few tens of KiB)
ROW_TTL_S = 1.0  # how stale a story row may be: bounds how late another process's write shows
WARM_VIEWS = 64  # list pages and API answers made again for a list updated after a write
#: the updating thread makes those views in slices of about this much CPU time (seconds),
#: each followed by a pause of ``WARM_PAUSE_S`` in which it holds no GIL, so the event loop
#: meets it for at most one slice at a time (see ``warm_views``)
WARM_SLICE_S = 0.001
WARM_PAUSE_S = 0.002
FULL_GC_EVERY_S = 3600.0  # frozen objects are looked at by the cycle collector this often
WEAVING_RETRY_S = 3  # a page or client asked to come back while a brief is woven
LEDGER_TOP = 15  # quotes shown before the "more" fold
STORE_RETRY_S = 5  # Retry-After of a 503 while the database does not answer
ROSTER_TOP = 12  # entities shown before the "more" fold (most mentioned first)
LABEL_WORDS = 6  # a source without an outlet is named by the start of its title
SUPPORT_MIN_OVERLAP = 0.3  # share of a summary sentence's words a cited sentence must carry
TOKEN_ENV = "NEWSWEAVE_TOKEN"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: Longest article id a page route takes (ids from JSONL may hold '/', as URLs do: their
#: links percent-encode every character outside the unreserved set).
PAGE_ID_MAX = 512
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)

BriefFn = Callable[[Sequence[Article], str], Brief]
GroupFn = Callable[[Any], None]


# --------------------------------------------------------------------------- pure helpers
def valid_id(value: str) -> bool:
    return bool(ID_RE.match(value))


def path_segment(value: Any) -> str:
    """An id as one URL path segment: every character outside the unreserved set
    percent-encoded, '/' included, so an id like a URL still reaches its page."""
    from urllib.parse import quote

    return quote(str(value), safe="")


def api_reference(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The OpenAPI document as rows for the /docs page (rendered on the server from the app's
    own schema: nothing loads from elsewhere, so the page works offline)."""
    rows: list[dict[str, Any]] = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [
                {"name": p.get("name"), "where": p.get("in"), "required": p.get("required", False),
                 "schema": json.dumps(p.get("schema", {}), sort_keys=True),
                 "description": p.get("description", "")}
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            rows.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "params": params,
                "body": json.dumps(body.get("schema", {}), sort_keys=True) if body else "",
                "responses": [{"status": code, "description": r.get("description", "")}
                              for code, r in sorted(op.get("responses", {}).items())],
            })
    return rows


def source_label(source: dict[str, Any], number: int) -> str:
    """How a source is named on the page: its outlet, else its title (shortened)."""
    if source.get("outlet"):
        return source["outlet"]
    if source.get("title"):
        return _short(source["title"], LABEL_WORDS)
    return f"Source {number}"


_WORD_RE = re.compile(r"\w{3,}")
_BREAK_RE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)|\n")
_ABBREVIATION_RE = re.compile(
    r"(?:\b(?:[A-Z]\.)+|\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|St|Jr|Sr|Jan|Feb|Mar|Apr|Jun|"
    r"Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|vs)\.)$"
)


#: characters before a stop in which an abbreviation is looked for: the longest listed one
#: ("Sept.") or a run of initials ("U.S.A.") fits well inside it
_ABBREVIATION_REACH = 40


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Rough sentence boundaries (enough to find a cited sentence, not to summarise): a stop
    before white space, unless it ends an abbreviation ("U.S.", "Mr."), or a line break."""
    cuts, start = [], 0
    for m in _BREAK_RE.finditer(text):
        # the abbreviation is read in the few characters before the stop, not from the text's
        # start: searching the whole prefix at every stop made a long text quadratic
        if m.group() != "\n" and _ABBREVIATION_RE.search(
                text, max(0, m.end() - _ABBREVIATION_REACH), m.end()):
            continue
        cuts.append((start, m.end()))
        start = m.end()
    cuts.append((start, len(text)))
    spans = []
    for s, e in cuts:
        chunk = text[s:e]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((s + lead, s + len(chunk.rstrip())))
    return spans


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD_RE.findall(text)}


def locate_support(text: str, sentence: str) -> tuple[int, int] | None:
    """The span of ``text`` that best carries ``sentence`` (a citation without an origin span).

    Scored by the share of the sentence's words it contains; None below
    ``SUPPORT_MIN_OVERLAP`` so a weak guess is never highlighted."""
    wanted = _words(sentence)
    if not wanted:
        return None
    best, best_score = None, 0.0
    for start, end in sentence_spans(text):
        score = len(wanted & _words(text[start:end])) / len(wanted)
        if score > best_score:
            best, best_score = (start, end), score
    return best if best_score >= SUPPORT_MIN_OVERLAP else None


@dataclass(frozen=True)
class Segment:
    """A piece of article text; ``mark`` is the id of the <mark> it is shown in, if any."""

    text: str
    mark: str | None = None


def mark_segments(
    text: str, spans: Iterable[tuple[int, int, str]]
) -> tuple[list[Segment], dict[str, str]]:
    """Cut ``text`` at the requested (start, end, key) spans.

    Overlapping spans cannot nest as <mark>s, so a span overlapping an earlier one is shown
    by that one: the returned map sends every key to the mark id that displays it."""
    placed: list[tuple[int, int, str]] = []
    alias: dict[str, str] = {}
    for start, end, key in sorted(spans, key=lambda s: (s[0], -s[1])):
        start, end = max(0, start), min(len(text), end)
        if end <= start:
            continue
        if placed and start < placed[-1][1]:
            alias[key] = placed[-1][2]
            continue
        placed.append((start, end, key))
        alias[key] = key
    segments: list[Segment] = []
    pos = 0
    for start, end, key in placed:
        if start > pos:
            segments.append(Segment(text[pos:start]))
        segments.append(Segment(text[start:end], key))
        pos = end
    if pos < len(text):
        segments.append(Segment(text[pos:]))
    return segments, alias


def parse_partial_date(value: str | None) -> dt.date | None:
    """YYYY, YYYY-MM or YYYY-MM-DD as the first day of its period; None if not a date."""
    if not value:
        return None
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


@dataclass(frozen=True)
class TimelinePoint:
    number: int
    x: float
    y: float
    date: str
    text: str


@dataclass(frozen=True)
class TimelineChart:
    points: tuple[TimelinePoint, ...]
    width: int
    height: int
    axis_y: int


TIMELINE_WIDTH, TIMELINE_PAD = 720, 30  # SVG user units
DOT_R, DOT_STEP = 7, 16  # dot radius; vertical distance between stacked dots


def timeline_chart(entries: Sequence[dict[str, Any]]) -> TimelineChart | None:
    """Dots on a linear date axis, numbered as the list below the chart. A dot that would
    overlap an earlier one (same or nearby date) goes up a level, so every number stays
    readable; the chart grows to fit the tallest stack."""
    dated = [(parse_partial_date(e.get("date")), i, e) for i, e in enumerate(entries, start=1)]
    dated = [(d, i, e) for d, i, e in dated if d is not None]
    if not dated:
        return None
    lo = min(d for d, _, _ in dated).toordinal()
    hi = max(d for d, _, _ in dated).toordinal()
    usable = TIMELINE_WIDTH - 2 * TIMELINE_PAD
    placed: list[tuple[float, int, int, dict[str, Any]]] = []  # x, level, number, entry
    for d, number, e in dated:
        x = round(TIMELINE_PAD + (0.5 if hi == lo else (d.toordinal() - lo) / (hi - lo)) * usable,
                  1)
        level = 0
        while any(lv == level and abs(px - x) < 2 * DOT_R + 1 for px, lv, _, _ in placed):
            level += 1
        placed.append((x, level, number, e))
    top = max(lv for _, lv, _, _ in placed)
    axis_y = DOT_R + 4 + top * DOT_STEP + DOT_R + 6
    points = tuple(
        TimelinePoint(number, x, axis_y - DOT_R - 6 - level * DOT_STEP, e["date"],
                      e.get("text", ""))
        for x, level, number, e in placed
    )
    return TimelineChart(points, TIMELINE_WIDTH, axis_y + 24, axis_y)


# --------------------------------------------------------------------------- view models
def _short(text: str, words: int = 14) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + "…"


def _plain_words(text: str) -> str:
    """Text compared up to case, punctuation and spacing (is a variant worded differently?)."""
    return " ".join(w.lower() for w in re.findall(r"\w+", text))


def ledger_groups(quotes: list[dict[str, Any]], top: int) -> list[dict[str, Any]]:
    """The quote ledger as the page shows it: the first ``top`` sure entries, the other sure
    ones folded as "N more", and the doubtful ones (last in a brief) folded on their own as
    "speaker uncertain", however many sure ones come before them."""
    sure = [q for q in quotes if not q["low"]]
    doubtful = [q for q in quotes if q["low"]]
    groups = [{"rows": sure[:top], "fold": None}, {"rows": sure[top:], "fold": "more"},
              {"rows": doubtful, "fold": "uncertain"}]
    return [g for g in groups if g["rows"]]


def story_view(brief: dict[str, Any], articles: Sequence[Article],
               leans: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the story page shows, with every citation resolved to a <mark> id.
    ``leans``: article id -> its outlet's lean (from the outlet table), shown beside it."""
    texts = {a.id: a.text for a in articles}
    languages = {a.id: a.language for a in articles if a.language}
    leans = leans or {}
    sources = list(brief.get("sources") or [])
    number = {s["id"]: k for k, s in enumerate(sources, start=1)}
    label = {s["id"]: source_label(s, number[s["id"]]) for s in sources}

    def tagged(ids: Iterable[str]) -> list[dict[str, str | None]]:
        return [{"label": label.get(i, i), "lean": leans.get(i)} for i in ids]

    spans: dict[str, list[tuple[int, int, str]]] = {s["id"]: [] for s in sources}
    summary = []
    for i, item in enumerate(brief.get("summary") or []):
        origin = item.get("origin") or {}
        # where the weave found each source carrying the sentence (``evidence``), else a
        # guess by shared words: the guess marked ANI's first sentence for a statement its
        # fifth carries
        found = {e.get("source"): (e.get("start"), e.get("end"))
                 for e in [*(item.get("evidence") or []), origin] if isinstance(e, dict)}
        cites = []
        for sid in item.get("citations") or []:
            if sid not in number:
                continue
            key = f"c{i}-{number[sid]}"
            text = texts.get(sid, "")
            start, end = found.get(sid, (None, None))
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
                span: tuple[int, int] | None = (start, end)
            else:
                span = locate_support(text, item["text"])
            if span:
                spans[sid].append((span[0], span[1], key))
            cites.append({"num": number[sid], "source": sid, "key": key, "label": label[sid],
                          "origin": origin.get("source") == sid})
        cites.sort(key=lambda c: c["num"])
        summary.append({"index": i, "text": typeset(item["text"]), "cites": cites})

    source_views = []
    aliases: dict[str, str] = {}
    for s in sources:
        segments, alias = mark_segments(texts.get(s["id"], ""), spans[s["id"]])
        aliases.update(alias)
        source_views.append({
            "num": number[s["id"]], "id": s["id"], "label": label[s["id"]],
            "title": s.get("title"), "outlet": s.get("outlet"), "published": s.get("published"),
            "url": safe_url(s.get("url")), "segments": segments, "lean": leans.get(s["id"]),
            "missing": s["id"] not in texts, "copy_of": number.get(s.get("copy_of") or ""),
            "updated": s.get("updated"),
            "language": languages.get(s["id"]),  # a screen reader reads it in its language
        })
    for item in summary:
        for c in item["cites"]:
            c["target"] = aliases.get(c["key"])

    quotes = []
    for q in brief.get("quotes") or []:
        canonical = _plain_words(q.get("text", ""))
        variants = [
            {"label": label.get(v["source"], v["source"]), "num": number.get(v["source"]),
             "text": typeset(v.get("text", "")), "direct": v.get("direct", True),
             "speaker_as_written": v.get("speaker_as_written"),
             "differs": _plain_words(v.get("text", "")) != canonical}
            for v in q.get("sources") or []
        ]
        firsts: dict[str, Any] = {}  # an outlet's two reports are one outlet here
        for v in variants:
            firsts.setdefault(v["label"], v["num"])
        outlets = [{"label": lab, "num": num} for lab, num in firsts.items()]
        text = typeset(q.get("text", ""))
        direct = shown_as_quote(text, ((v["text"], v["direct"]) for v in variants))
        stance = None if direct else stance_cue(
            q.get("text", ""), ((str(v.get("text")), bool(v.get("stance")), v.get("cue"))
                                for v in q.get("sources") or [])) or denial_cue(
            q.get("text", ""), ((str(v.get("text")), v.get("cue"))
                                for v in q.get("sources") or []))
        quotes.append({"speaker": speaker_label(q.get("speaker")),
                       "text": quotation(text) if direct else text if stance else reported_text(
                           text, [q.get("speaker"), *(v["speaker_as_written"] for v in variants)]),
                       "direct": direct, "stance": stance,
                       "outlets": outlets, "variants": variants,
                       "low": bool(q.get("low_confidence"))})

    entities = [
        {"name": e.get("name", ""), "type": e.get("type", ""),
         "variants": [v for v in e.get("variants") or [] if v != e.get("name")],
         "sources": _labels(e.get("sources") or [], label),
         "mentions": e.get("mentions", 0)}
        for e in brief.get("entities") or []
    ]

    entries = sorted(
        brief.get("timeline") or [],
        key=lambda e: (parse_partial_date(e.get("date")) or dt.date.max, e.get("date", "")),
    )
    timeline = [
        {"number": n, "date": e.get("date", ""), "text": typeset(e.get("text", "")),
         "expression": e.get("expression"),
         "sources": _labels(e.get("sources") or [], label)}
        for n, e in enumerate(entries, start=1)
    ]

    coverage = brief.get("coverage") or {}
    matrix = [
        {"index": item["index"], "text": _short(item["text"]),
         "cells": [
             next(("origin" if c["origin"] else "cited" for c in item["cites"]
                   if c["source"] == s["id"]), "")
             for s in sources
         ]}
        for item in summary
    ]
    return {
        "sources": source_views,
        "summary": summary,
        "quotes": quotes,
        "entities": entities,
        "roster_top": ROSTER_TOP,
        "ledger": ledger_groups(quotes, LEDGER_TOP),
        "timeline": timeline,
        "chart": timeline_chart(entries),
        "matrix": matrix,
        "shared": [{"sources": _labels(p.get("sources") or [], label),
                    "text": typeset(p.get("text", ""))}
                   for p in coverage.get("shared_passages") or []],
        "unique": [{"source": label.get(u.get("source"), u.get("source")),
                    "lean": leans.get(u.get("source")),
                    "sentences": [typeset(t) for t in u.get("sentences") or []]}
                   for u in coverage.get("unique") or [] if u.get("sentences")],
        "discrepancies": [
            {"topic": d.get("topic", ""), "kind": d.get("kind"),
             "claims": [{"text": typeset(c.get("text", "")),
                         "sources": [label.get(s, s) for s in c.get("sources") or []],
                         "outlets": tagged(c.get("sources") or [])}
                        for c in d.get("claims") or []]}
            for d in coverage.get("discrepancies") or []
        ],
    }


def _labels(ids: Iterable[str], label: Mapping[str, str]) -> list[str]:
    """Sources as a reader names them, each outlet once ("Reuters = AP", not "Reuters =
    Reuters = AP" for two Reuters reports)."""
    return list(dict.fromkeys(label.get(s, s) for s in ids))


def story_summary(row: Any) -> dict[str, Any]:
    """A StoryRow as the API and the list page show it."""
    return {
        "id": row.id, "headline": row.headline, "first_published": row.first_published,
        "last_published": row.last_published, "updated_at": row.updated_at,
        "articles": len(row.article_ids), "outlets": list(row.outlets),
    }


def version_summary(row: Any, members: Sequence[str], articles: Sequence[Article],
                    brief: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``story_summary`` for an old brief version: its own headline (``brief``'s), article
    count (``members``, the ids it was woven from) and its sources' dates and outlets, not
    the story's now (a version of 3 sources read under a header saying 5 articles, and
    under today's headline while its feed entry gave the old one)."""
    dates = sorted(a.published for a in articles if a.published)
    story = (brief or {}).get("story")
    headline = story.get("headline") if isinstance(story, Mapping) else None
    return story_summary(row) | ({"headline": headline} if headline else {}) | {
        "articles": len(members), "first_published": dates[0] if dates else None,
        "last_published": dates[-1] if dates else None,
        "outlets": sorted({a.outlet for a in articles if a.outlet})}


@dataclass(frozen=True)
class PastLastPage:
    """What the list page renders to for a page past the list's end (kept in the page cache
    as a page is): the route answers 404 linking to the first page, not "page 4 of 3"."""

    pages: int


def filter_options(known: Sequence[str], active: str | None,
                   valid: Collection[str] = ()) -> list[dict[str, Any]]:
    """The choices of a list filter's <select>: ``known``, plus the active value when it is
    none of them (typed into the URL), selected, so the control says what empties the list
    rather than "any" (and Apply keeps it). ``valid``: values that filter though not listed
    (``unrated``), shown without the "no outlet" note."""
    wanted = active.casefold() if active else None
    options = [{"value": v, "label": v, "selected": v.casefold() == wanted} for v in known]
    if active and not any(o["selected"] for o in options):
        note = "" if wanted in {v.casefold() for v in valid} else " (no outlet has it)"
        options.append({"value": active, "label": active + note, "selected": True})
    return options


def story_members(articles: Sequence[Article], copies: dict[str, str]) -> list[Member]:
    return [Member(a.id, a.url, a.outlet, a.published, copies.get(a.id)) for a in articles]


def coverage_view(articles: Sequence[Article], copies: dict[str, str],
                  matcher: OutletMatcher) -> dict[str, Any]:
    """The story page's "who covers it": counts, the lean bar, the chart over time, and each
    article's lean (for the sources and the unique facts and discrepancies)."""
    coverage = story_coverage(story_members(articles, copies), matcher)
    colours = lean_colours(matcher.leans, matcher.sides)
    leans, names = {}, {}
    for a in articles:
        outlet = matcher.match(a.url, a.outlet)
        leans[a.id] = outlet.lean if outlet and outlet.lean else UNRATED
        names[a.id] = matcher.display_name(a.url, a.outlet)
    return {
        "coverage": coverage,
        "bar": lean_bar(coverage["lean"], colours, width=320, height=18),
        "chart": time_chart([(a.published, leans[a.id], names[a.id]) for a in articles],
                            colours),
        "leans": leans,
        "has_table": bool(matcher.outlets),
        "outlets": outlet_names(names.values()),
    }


def outlet_names(names: Iterable[str | None]) -> list[str]:
    """The outlets a story's articles come from, as the list names them (the table's name,
    else the article's own, else its domain): one count of outlets on every page."""
    return sorted({n for n in names if n}, key=str.casefold)


def article_json(article: Article, stories: Sequence[str],
                 versions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """An article as the API gives it; ``versions``: its versions' metadata (no texts)."""
    return {
        "id": article.id, "title": article.title, "outlet": article.outlet,
        "published": article.published, "updated": article.updated, "url": article.url,
        "author": article.author, "language": article.language, "label": article.label,
        "text": article.text, "words": article.words, "stories": list(stories),
        "versions": [_version_meta(v) for v in versions],
    }


#: entries of the Atom feeds of story updates (``/feed.atom``, ``/stories/{id}/feed.atom``)
FEED_ENTRIES = 50

#: versions an article's or a story's page lists in full; one with more lists its first, the
#: one shown and the latest ones, with the number left out between
LISTED_VERSIONS = 30


def listed_versions(versions: Sequence[dict[str, Any]], shown: int) -> list[Any]:
    """The versions the article page lists, in order; an int in the list counts the versions
    left out at that place."""
    if len(versions) <= LISTED_VERSIONS:
        return list(versions)
    tail = list(versions[-(LISTED_VERSIONS - 5):])
    keep = {id(v) for v in tail} | {id(versions[0])} | {
        id(v) for v in versions if v["version"] == shown}
    out: list[Any] = []
    gap = 0
    for v in versions:
        if id(v) in keep:
            if gap:
                out.append(gap)
                gap = 0
            out.append(v)
        else:
            gap += 1
    return out


def _version_meta(version: dict[str, Any]) -> dict[str, Any]:
    return {k: version[k] for k in ("version", "stored", "title", "updated", "words")}


# --------------------------------------------------------------------------- input
#: ``published`` as the API takes it: an ISO 8601 date, or date and time with an optional UTC
#: offset (``Z`` or ``+HH:MM``); other spellings (RFC 2822, week dates) are refused
_ISO_PUBLISHED = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def _published_schema(schema: dict[str, Any]) -> None:
    """``published`` as OpenAPI should say it: an ISO date or date-time, or empty / null."""
    description = schema.get("description")
    examples = schema.get("examples")
    schema.clear()
    schema.update({"anyOf": [{"type": "string", "format": "date"},
                             {"type": "string", "format": "date-time"},
                             {"type": "string", "maxLength": 0}, {"type": "null"}],
                   "description": description, "examples": examples})


#: The longest title and outlet name taken from the API and the add form (as the form's
#: ``maxlength`` says): a 50,000-character outlet would fill every list page's outlet choices.
TITLE_MAX, OUTLET_MAX = 1000, 200


class ArticleIn(BaseModel):
    """One article per the article contract; only ``text`` is required."""

    model_config = ConfigDict(extra="ignore")

    # the schema says what the validator checks (some character other than whitespace), so a
    # client or a schema-driven test knows that "\u00a0" alone is refused (as is a text of
    # wire codes alone, "&QL;", which the description names)
    text: str = Field(min_length=1, description="the article's full text, stored as given but "
                      "for a wire archive's SGML codes and notes to editors, read as `newsweave "
                      "ingest` reads them (\"AT&AMP;T\" is AT&T, \"(BEGIN OPTIONAL TRIM)\" "
                      "goes; a text of codes alone is empty)",
                      json_schema_extra={"pattern": r"\S"})
    id: str | None = Field(default=None, pattern=ID_PATTERN, description="kept as the id")
    title: str | None = Field(default=None, max_length=TITLE_MAX)
    outlet: str | None = Field(default=None, max_length=OUTLET_MAX)
    published: str | None = Field(
        default=None, max_length=40,
        description="first publication: an ISO 8601 date (`2017-03-01`) or date and time, "
        "best with the UTC offset it was written in (`2017-03-01T21:30:00-05:00`; `Z` for "
        "UTC). Stored as written, offset kept (`Z` becomes `+00:00`, fractions of a second "
        "are dropped), so the article's relative dates resolve against its own local day. A date "
        "before 1800 or after tomorrow is dropped (the article is kept) with a warning",
        examples=["2017-03-01", "2017-03-01T21:30:00-05:00"],
        json_schema_extra=_published_schema)
    url: str | None = Field(default=None, max_length=2000)
    label: str | None = Field(default=None, max_length=200)
    author: str | None = Field(default=None, max_length=500)
    updated: str | None = Field(
        default=None, max_length=40,
        description="a later update's stamp, in the form `published` takes; never the "
        "publishing date", json_schema_extra=_published_schema)
    language: str | None = Field(
        default=None, max_length=50, description="a language tag (`en`, `pt-BR`): its primary "
        "subtag is kept; an article in a language not grouped stays out of stories",
        json_schema_extra={"pattern": rf"^\s*(?:{LANGUAGE_TAG})?\s*$"})

    @model_validator(mode="before")
    @classmethod
    def _with_aliases(cls, value: Any) -> Any:
        """A record named as ``newsweave ingest`` also reads it ("headline", "date", "link",
        "byline", "body"...: the names a sheet's columns may have), where the contract's own
        names are absent: the same record is the same article, posted or ingested."""
        from newsweave.ingest import with_aliases

        return with_aliases(value) if isinstance(value, dict) else value

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str | None) -> str | None:
        from newsweave.ingest import language_tag

        if not value or not value.strip():
            return None
        tag = language_tag(value.strip())
        if tag is None:
            raise ValueError("language must be a language tag such as en or pt-BR")
        return tag

    @field_validator("published", "updated")
    @classmethod
    def _stamp(cls, value: str | None, info: ValidationInfo) -> str | None:
        return cls._iso_date(value, info.field_name)

    @classmethod
    def _iso_date(cls, value: str | None, field: str | None = None) -> str | None:
        """An ISO date, or date and time with an optional offset, normalised as the follower
        stores feed dates (``ingest.normalise_timestamp``): the offset is kept, never turned
        into UTC, so the local day (the first ten characters) stays the one the source meant."""
        from newsweave.ingest import normalise_timestamp

        if not value:
            return None
        value = value.strip()
        message = (f"{field or 'published'} must be an ISO date or date-time, YYYY-MM-DD or "
                   "YYYY-MM-DDTHH:MM[:SS][+HH:MM|Z]")
        if not _ISO_PUBLISHED.fullmatch(value):
            raise ValueError(message)
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(message) from None
        normalised = normalise_timestamp(value)
        if normalised is None or normalised[:10] != value[:10]:
            raise ValueError(message)
        return normalised

    @field_validator("text")
    @classmethod
    def _has_text(cls, value: str) -> str:
        """The text as ``newsweave ingest`` stores a record's (wire markup read), not empty."""
        from newsweave import validate
        from newsweave.ingest import without_wire_markup

        try:  # the limits ingest holds a record to (a text over them was stored, then left
            validate.check_text(value)  # out of every brief of its story without a word)
        except validate.LimitError as exc:
            raise ValueError(str(exc)) from None
        value = without_wire_markup(value)
        if not value.strip():
            raise ValueError("text is empty")
        return value

    def to_article(self) -> Article:
        """The article to store; a ``published`` date outside 1800..tomorrow is dropped with
        a warning (``errors.warn``), as ``newsweave ingest`` drops it: a year-2999 typo would
        head the story list until 2999."""
        from newsweave.ingest import article_id, clean_title, sane_date

        return Article(
            id=self.id or article_id(self.text), text=self.text,
            title=clean_title(self.title or None), outlet=(self.outlet or "").strip() or None,
            published=sane_date(self.published, "published"), url=self.url or None,
            label=self.label or None, author=(self.author or "").strip() or None,
            updated=sane_date(self.updated, "updated"), language=self.language,
        )


#: Bad records and warnings the add page lists (of all its files together); more are counted.
ADD_LISTED = 20


def articles_from_upload(name: str, data: bytes, skipped: Collected,
                         warnings: Collected) -> list[Article]:
    """The good articles of an uploaded file, read by the ingest readers chosen by its
    extension as for files on disk (text, Markdown, HTML, article JSONL, JSON or CSV, e-mail,
    RSS/Atom, WARC). Each bad file or record goes to ``skipped`` and each repair (a date
    dropped) to ``warnings``, as ``newsweave ingest`` reports them, naming the uploaded
    file: the good records beside a bad one are kept."""
    from newsweave.ingest import iter_articles

    original = Path(name).name or "upload"
    suffix = "".join(Path(original.lower()).suffixes[-2:])
    suffix = suffix if re.fullmatch(r"(\.[a-z0-9]{1,8}){1,2}", suffix) else ""
    bad = Collected(skipped.limit)
    with tempfile.TemporaryDirectory(prefix="newsweave-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        with collect_warnings(warnings.limit) as warned:
            articles = list(iter_articles([path], on_error=bad.add))
    if not articles and not bad.total:
        bad.add(InputError("no articles found"))
    for found, into in ((bad, skipped), (warned, warnings)):
        for error in found.items:
            into.add(InputError(error.message, original, error.line))
        into.more += found.more
    return [replace(a, path=original) for a in articles]


def pasted_article(text: str, title: str | None, outlet: str | None,
                   published: str | None) -> Article:
    """Pasted text read like a plain-text file (``date`` marker, title line, dateline), the
    form's fields winning over what the text says."""
    from newsweave.ingest import parse_text

    article = parse_text(text, None)
    return replace(article, title=title or article.title, outlet=outlet or article.outlet,
                   published=published or article.published)


def _without_folders(brief: dict[str, Any]) -> dict[str, Any]:
    """The brief as the API serves it: each source file's name without its folders (an
    ingest's paths are the operator's disk layout, e.g. a home folder, not the reader's
    business); the same object when no source has a folder."""
    return _sources_without_folders(brief, ("sources",))


#: the source lists of what changed between two versions (``app.brief_changes``)
_CHANGED_SOURCES = ("new_sources", "revised_sources", "left_sources")


def _sources_without_folders(answer: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """``answer`` with the sources listed under ``keys`` naming their files without folders;
    the same object when none has a folder."""
    from newsweave.render import file_name

    def bare(sources: Any) -> Any:
        return [{**s, "path": file_name(s["path"])}
                if isinstance(s, dict) and s.get("path") else s for s in sources or []]

    if not any(isinstance(s, dict) and s.get("path") and file_name(s["path"]) != s["path"]
               for key in keys for s in answer.get(key) or []):
        return answer
    return {**answer, **{key: bare(answer[key]) for key in keys if key in answer}}


# --------------------------------------------------------------------------- caching
@dataclass
class CachedStory:
    """A woven brief and its renderings, made once per story version."""

    brief: dict[str, Any]
    page: bytes | None = None  # the story page, encoded once
    page_version: Any = None  # (outlet table version, story generation, row) rendered with
    json: bytes | None = None
    version: int = 0  # the stored version this is (0: not a stored brief)
    articles: tuple[str, ...] = ()  # the members it was woven from
    created: str = ""  # when it was stored: its members' texts are those of that time


@dataclass
class RecentRows:
    """Story rows looked up in the last ``ttl`` seconds. Every request needs the row's
    ``updated_at`` to find the brief; a database round trip per request would cost more than
    serving the cached page, so a change made by another process (an ingest) shows within
    ``ttl`` seconds, one made through this server at once."""

    ttl: float = ROW_TTL_S
    size: int = 4096
    _rows: OrderedDict[str, tuple[float, Any]] = field(default_factory=OrderedDict)

    def get(self, key: str) -> Any | None:
        hit = self._rows.get(key)
        if hit is None or time.monotonic() - hit[0] > self.ttl:
            return None
        return hit[1]

    def put(self, key: str, row: Any) -> None:
        self._rows[key] = (time.monotonic(), row)
        self._rows.move_to_end(key)
        while len(self._rows) > self.size:
            self._rows.popitem(last=False)

    def clear(self) -> None:
        self._rows.clear()

    def drop(self, key: str) -> None:
        self._rows.pop(key, None)

    def last(self, key: str) -> Any | None:
        """The row however long ago it was looked up (what to serve while the store is
        down)."""
        hit = self._rows.get(key)
        return None if hit is None else hit[1]


class Generations:
    """A counter per story, moved whenever the story's cached state is dropped (and one for
    all stories). What a request reads from the store is cached only if the story's counter
    did not move while it read: a change noticed meanwhile is never overwritten by the older
    state that read found."""

    def __init__(self) -> None:
        self._epoch = 0
        self._stories: dict[str, int] = {}

    def of(self, story_id: str) -> tuple[int, int]:
        return self._epoch, self._stories.get(story_id, 0)

    def bump(self, story_ids: Iterable[str] | None) -> None:
        """Move the counters of ``story_ids`` (None: of every story)."""
        if story_ids is None:
            self._epoch += 1
            self._stories.clear()
            return
        for sid in story_ids:
            self._stories[sid] = self._stories.get(sid, 0) + 1


@dataclass
class BriefCache:
    """LRU of woven briefs keyed by (story id, updated_at); one weave per key at a time."""

    size: int = CACHE_SIZE
    _items: OrderedDict[tuple[str, str], CachedStory] = field(default_factory=OrderedDict)
    _latest: dict[str, tuple[str, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _key_locks: dict[tuple[str, str], threading.Lock] = field(default_factory=dict)

    def peek(self, key: tuple[str, str]) -> CachedStory | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def get_or_make(
        self, key: tuple[str, str], make: Callable[[], CachedStory]
    ) -> CachedStory:
        item = self.peek(key)
        if item is not None:
            return item
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            item = self.peek(key)
            if item is None:
                item = make()
                self._put(key, item)
        with self._lock:
            self._key_locks.pop(key, None)
        return item

    def _put(self, key: tuple[str, str], item: CachedStory) -> None:
        with self._lock:
            old = self._latest.get(key[0])
            if old is not None and old != key:
                self._items.pop(old, None)  # the story changed: its old brief is stale
            self._latest[key[0]] = key
            self._items[key] = item
            while len(self._items) > self.size:
                dropped, _ = self._items.popitem(last=False)
                if self._latest.get(dropped[0]) == dropped:
                    del self._latest[dropped[0]]

    def __len__(self) -> int:
        return len(self._items)


class HeapFreezer:
    """Entered while the server builds (or receives) and installs a new story list: the
    cycle collector is paused meanwhile, and everything alive at the end is moved out of its
    sight (``gc.freeze``). The list of a 10k-article store is hundreds of thousands of
    objects: the collector's passes over them while they were unpickled, and its later full
    passes over them and the imported modules, held the GIL for 200-600 ms each, several
    per rebuild, stalling every request of that moment (and freeing nothing). Frozen objects
    are still freed by reference counting (an old list is); cyclic garbage frozen by chance
    (a request in flight) is collected by one full pass at most ``FULL_GC_EVERY_S`` later."""

    _lock = threading.Lock()  # one pause at a time, whichever app (tests run several)

    def __init__(self, every_s: float = FULL_GC_EVERY_S) -> None:
        self.every_s = every_s
        self._last_full = time.monotonic()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            enabled = gc.isenabled()
            if enabled:
                gc.collect(1)  # young garbage now (cheap), so little of it gets frozen
            gc.disable()
            try:
                yield
            finally:
                if time.monotonic() - self._last_full > self.every_s:
                    gc.unfreeze()
                    gc.collect()
                    self._last_full = time.monotonic()
                gc.freeze()
                if enabled:
                    gc.enable()


# --------------------------------------------------------------------------- middleware
class GuardMiddleware:
    """Security headers (and a Server-Timing) on every response, and request bodies capped
    before they are read: a declared Content-Length over the limit is refused at once, a
    streamed body as soon as it passes it. A HEAD request is answered as its GET is, without
    the body (uptime monitors, link checkers and some feed readers ask HEAD first)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        raw: bytes = scope.get("raw_path") or path.encode()
        # a trailing slash as written: "/x/%2F" decodes to a trailing slash that no redirect
        # can strip, and sending it to itself was a redirect loop
        if raw != b"/" and raw.endswith(b"/") and scope.get("method") in ("GET", "HEAD"):
            await _slash_redirect(scope, send)
            return
        csp = CSP
        limit = MAX_JSON_BYTES if path.startswith("/api/") else MAX_FORM_BYTES
        started = refused = False
        t0 = time.perf_counter()
        head = scope.get("method") == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 already went out: whatever the app says now is dropped
            if head and message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b""}
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", csp.encode()))
                headers.extend(SECURITY_HEADERS)
                # time inside the app, apart from queueing: tells a slow app from a busy host
                spent = (time.perf_counter() - t0) * 1000
                headers.append((b"server-timing", f"app;dur={spent:.2f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send_with_headers, limit, page=not path.startswith("/api/"))
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not started:
                    await _too_large(send_with_headers, limit,
                                     page=not path.startswith("/api/"))
                    refused = True
                    return {"type": "http.disconnect"}  # the app stops reading, as if hung up
            return message

        await self.app(scope, limited_receive, send_with_headers)


async def _slash_redirect(scope: Scope, send: Send) -> None:
    """308 to the same path without its trailing slash. The Location is relative (a path):
    never built from the request's Host header, so a forged Host cannot redirect a client
    elsewhere; leading slashes collapse to one, so it cannot become "//other.host" either."""
    raw = scope.get("raw_path") or scope.get("path", "").encode()
    target = b"/" + raw.strip(b"/")
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    await send({"type": "http.response.start", "status": 308,
                "headers": [(b"location", target), (b"content-length", b"0"),
                            *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": b""})


async def _too_large(send: Send, limit: int, page: bool = False) -> None:
    """The 413, before the app reads the body: JSON for the API, a short page for a form
    (the add form's upload answered raw JSON where its other errors are pages)."""
    detail = f"request body too large (limit {limit:,} bytes)"
    if page:
        body = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>413 · "
                f"newsweave</title></head><body><h1>Too large</h1><p>{detail}: send fewer or "
                "smaller files.</p><p><a href=\"/add\">Back to the add form</a></p></body>"
                "</html>").encode()
        kind = b"text/html; charset=utf-8"
    else:
        body, kind = json.dumps({"detail": detail}).encode(), b"application/json"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", kind),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- the app
def _gone_story(store: Any, story_id: str) -> Any:
    """A story that is no longer stored (merged away, emptied by a regrouping) as its latest
    stored brief saw it, so its old versions stay readable where the feeds and the version
    list link them (they answered 404 "no story"); None if it has no stored brief."""
    from newsweave.store import StoryRow

    latest = store.get_brief_version(story_id)
    if latest is None:
        return None
    try:
        told = json.loads(latest.brief).get("story") or {}
    except (ValueError, AttributeError):
        told = {}
    return StoryRow(story_id, str(told.get("headline") or story_id),
                    told.get("first_published"), told.get("last_published"),
                    tuple(latest.articles), (), latest.created)


def _default_group_fn(store: Any) -> None:
    """Group the stored articles into stories, as ``newsweave stories`` does."""
    app_layer.group_new(store)


class BriefPending(Exception):
    """A story has no stored brief yet: it is being woven in the background."""

    def __init__(self, row: Any) -> None:
        super().__init__(row.id)
        self.row = row


class StoryMoved(Exception):
    """A story that is no longer stored, whose articles are now in another one."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__(old)
        self.old, self.new = old, new


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """Every error the API answers: one readable line, plus per-field errors for 400/422."""

    detail: str
    errors: list[FieldErrorOut] | None = None


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a route can answer, all as ErrorOut."""
    what = {
        400: "malformed JSON body", 401: "no write token given", 403: "writes disabled or "
        "wrong token", 404: "no such story or article", 409: "the id is used by another "
        "article", 413: "request body over the size limit", 415: "the body is not sent as "
        "JSON (Content-Type: application/json)", 422: "a parameter or field "
        "fails validation", 500: "the story could not be woven",
    }
    return {code: {"model": ErrorOut, "description": what[code]} for code in codes}


#: sources that left a story linked to where they went, on its page (the line counts them all)
MOVED_LINKS = 5

#: OpenAPI entry of the redirect a story merged into another answers (``StoryMoved``)
MOVED = {307: {"description": "the story is no longer stored: a later grouping run merged it "
               "into another (or grouped its only article again); `Location` names the story "
               "that holds its articles now"}}

StoryIdPath = Annotated[str, PathParam(pattern=ID_PATTERN, max_length=128)]
#: An article id as ingest keeps it (a URL, "weird id", "ünïcödé"): no control character and
#: no space around it; a "/" in it is sent as %2F. The API refused ids the store hands out.
ARTICLE_ID_PATTERN = (r"^[^\s\x00-\x1f\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f]*"
                      r"[^\s\x00-\x1f\x7f-\x9f])?$")
ArticleIdPath = Annotated[str, PathParam(pattern=ARTICLE_ID_PATTERN, min_length=1,
                                         max_length=PAGE_ID_MAX)]


_TEXT_OR_NULL = {"type": ["string", "null"]}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
#: one story as lists give it (``catalog.Entry.summary``), stated in the OpenAPI document
STORY_ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "headline", "first_published", "last_published", "updated_at",
                 "articles", "outlets", "sources", "coverage", "latest_version"],
    "properties": {
        "id": {"type": "string"}, "headline": _TEXT_OR_NULL,
        "first_published": _TEXT_OR_NULL, "last_published": _TEXT_OR_NULL,
        "updated_at": _TEXT_OR_NULL,
        "articles": {"type": "integer", "description": "member articles"},
        "outlets": {"type": "array", "items": {"type": "string"}},
        "sources": {"type": "integer", "description": "independent sources (copies once)"},
        "coverage": {"type": "object", "required": ["lean", "country", "owner", "blindspot"],
                     "properties": {"lean": _COUNTS, "country": _COUNTS, "owner": _COUNTS,
                                    "blindspot": _TEXT_OR_NULL}},
        "latest_version": {
            "type": ["object", "null"], "description": "the latest stored brief, or null",
            "required": ["version", "created", "changes", "line"],
            "properties": {"version": {"type": "integer"}, "created": {"type": "string"},
                           "changes": {"type": ["object", "null"],
                                       "additionalProperties": {"type": "integer"}},
                           "line": {"type": "string"}}},
    },
}
STORY_LIST_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["items", "total", "limit", "offset", "sort"],
    "properties": {"items": {"type": "array", "items": STORY_ITEM_SCHEMA},
                   "total": {"type": "integer"}, "limit": {"type": "integer"},
                   "offset": {"type": "integer"}, "sort": {"type": "string"}},
}


@lru_cache(maxsize=1)
def brief_schema() -> dict[str, Any]:
    """The brief contract (package data ``brief.schema.json``) as the OpenAPI document states
    the brief endpoint's answer: a client generator gets the brief's fields, not "object"."""
    from importlib import resources

    schema = json.loads((resources.files("newsweave") / "data" / "brief.schema.json")
                        .read_text(encoding="utf-8"))
    return {k: v for k, v in schema.items() if not k.startswith("$")}


def _error_item(error: dict[str, Any]) -> dict[str, str]:
    """One ``errors`` item: the field as a dotted path; a body that is no JSON at all is the
    field ``body``, its position said in the message (the position was taken for a field
    named "8")."""
    loc = tuple(error.get("loc", ()))
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "json_invalid":
        at = loc[1] if len(loc) > 1 else None
        return {"field": "body", "message": message + (f" at character {at}" if at is not None
                                                       else "")}
    return {"field": ".".join(str(p) for p in loc if p != "body"), "message": message}


def reader_message(errors: Sequence[dict[str, Any]]) -> str:
    """What a bad address means, as a page says it to a reader ("version must be a whole
    number, not 'abc'"), where the API's ``detail`` keeps the validator's words for a
    program ("query.version: Input should be a valid integer, unable to parse ...")."""
    said = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body")]
        name = loc[-1] if loc else "the address"
        ctx = error.get("ctx") or {}
        given = error.get("input")
        shown = f", not {str(given)[:40]!r}" if isinstance(given, str | int) else ""
        kind = error.get("type", "")
        if kind in ("int_parsing", "int_type", "int_from_float"):
            said.append(f"{name} must be a whole number{shown}")
        elif kind == "greater_than_equal":
            said.append(f"{name} must be {ctx.get('ge')} or more{shown}")
        elif kind == "less_than_equal":
            said.append(f"{name} must be {ctx.get('le')} or less{shown}")
        elif kind == "literal_error":
            said.append(f"{name} must be {ctx.get('expected', 'one of the listed values')}"
                        f"{shown}")
        elif kind == "string_too_long":
            said.append(f"{name} is too long (at most {ctx.get('max_length')} characters)")
        else:
            said.append(str(error.get("msg", "invalid")))
    return "; ".join(said) or "the address is not valid"


def _invalid_query(field_name: str, message: str) -> RequestValidationError:
    """A 422 naming the query parameter, in the shape FastAPI's own validation uses."""
    return RequestValidationError([{"loc": ("query", field_name), "msg": message,
                                    "type": "value_error"}])


def _day_schema(schema: dict[str, Any]) -> None:
    """``from``/``to`` as OpenAPI should say them: an ISO date, or empty (or blank: a form's
    stray space) for none (the server checks them itself, with its own messages)."""
    description = schema.get("description")
    schema.clear()
    schema.update({"anyOf": [{"type": "string", "format": "date"},
                             {"type": "string", "pattern": r"^\s*$", "maxLength": 10},
                             {"type": "null"}],
                   "description": description})


def _language_schema(schema: dict[str, Any]) -> None:
    """``language`` as the server accepts it: a code such as en or pt-BR, or empty."""
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "string":
            option["pattern"] = r"^\s*([A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?)?\s*$"


def outlet_filter(value: str | None) -> str | None:
    """The outlet filter as the list keys articles: a URL or a ``www.`` host typed in stands for
    its registered domain (``outlets.registered_domain``, which maps articles to outlets), so
    ``www.theguardian.com`` finds what ``theguardian.com`` finds. Names and bare domains stay
    as given (an outlet may be named "news.example.org" in the articles themselves)."""
    if value and ("://" in value or value.casefold().startswith("www.")):
        return registered_domain(value) or value
    return value


def language_filter(value: str | None) -> str | None:
    """A language tag's primary subtag (``en-US`` -> ``en``): articles carry ISO 639-1 codes
    (the follower's detector says no region), so a regional tag would match nothing."""
    return value.split("-")[0] if value else value


async def list_query(
    sort: Annotated[Literal["updated", "first_published", "sources", "articles", "changed"],
                    Query(description="updated: latest article first; first_published: "
                          "newest start first; sources / articles: most first; changed: "
                          "latest stored brief first (a corrected report moves its story "
                          "up too)")] = "updated",
    q: Annotated[str | None, Query(max_length=200, description="full-text search")] = None,
    outlet: Annotated[str | None, Query(max_length=200, description=(
        "an outlet's name or domain (any member article); a URL or www. host stands for its "
        "registered domain"))] = None,
    lean: Annotated[str | None, Query(max_length=100, description=(
        "an independent source of this lean"))] = None,
    country: Annotated[str | None, Query(max_length=100)] = None,
    date_from: Annotated[str | None, Query(alias="from", max_length=10, description=(
        "YYYY-MM-DD: stories with an article on or after"), json_schema_extra=_day_schema)
    ] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10, description=(
        "YYYY-MM-DD: stories with an article on or before (not before `from`)"),
        json_schema_extra=_day_schema)] = None,
    language: Annotated[str | None, Query(max_length=20, description=(
        "ISO 639 code of a member article (all are 'en' until articles carry one); a "
        "regional tag matches its language: en-US finds en"),
        json_schema_extra=_language_schema)] = None,
) -> ListQuery:
    """The story list's sort and filters from the query string (paging is the route's)."""
    def clean(value: str | None) -> str | None:
        return (value or "").strip() or None

    try:
        day_from = parse_day(date_from, "from")
        day_to = parse_day(date_to, "to")
    except ValueError as exc:
        raise _invalid_query("from" if "from" in str(exc) else "to", str(exc)) from None
    if day_from and day_to and day_from > day_to:  # a window no story can be in: a slip
        raise _invalid_query("to", f"to ({day_to}) is before from ({day_from}): swap them")
    lang = clean(language)
    if lang and not LANGUAGE_RE.match(lang):
        raise _invalid_query("language", "language must be a code such as en or pt-BR")
    return ListQuery(sort=sort, q=clean(q), outlet=outlet_filter(clean(outlet)),
                     lean=clean(lean), country=clean(country), date_from=day_from,
                     date_to=day_to, language=language_filter(lang))


ListParams = Annotated[ListQuery, Depends(list_query)]


def create_app(
    store: Any,
    token: str | None,
    brief_fn: BriefFn | None = None,
    group_fn: GroupFn | None = None,
    row_ttl: float = ROW_TTL_S,
) -> FastAPI:
    """The web app over ``store``. Writes need ``token`` (none: the server is read-only).

    ``brief_fn(articles, story_id)`` weaves a story (default: ``app.weave_story`` from the
    stored analyses, 120 words); ``group_fn(store)`` groups stories after new articles arrive
    (default: ``app.group_new``); both run in the background worker, never on a request.
    On a SQLite file store a story's cached state is dropped as soon as any process changes
    the story (``newsweave.changes``); elsewhere (PostgreSQL) ``row_ttl`` bounds how late
    another process's change to a story shows (seconds)."""
    regroup = group_fn or _default_group_fn
    cache = BriefCache()
    watch = ChangeWatch.for_store(store)
    ttl = math.inf if watch is not None else row_ttl  # the watch says when a row is stale
    rows = RecentRows(ttl=ttl)
    states = RecentRows(ttl=ttl)  # story id -> app.CurrentBrief, as fresh as its row
    gens = Generations()
    def warm_views(old: Any, new: Any) -> None:
        """Before an updated story list replaces ``old``: the list pages and API answers
        readers asked of ``old`` (the latest ``WARM_VIEWS``) made for ``new``, in the
        updating thread, one after another. Most are reused (``Catalog.view``: the write did
        not touch them); the searches are asked again for the changed stories only. Without
        this, the first readers after a write all made them at once in worker threads,
        queueing on the GIL (search p99 in app 360-400 ms beside 2 POSTs a second).

        It works in slices of ``WARM_SLICE_S`` of CPU, sleeping ``WARM_PAUSE_S`` after
        each (and once first, after the list's update itself). Run straight through, the
        tens of ms of Python held the GIL in turns with the event loop, and every request of
        that moment waited up to one switch interval for it at each of its system calls."""
        time.sleep(WARM_PAUSE_S)
        began = time.thread_time()
        for key in old.page_keys()[-WARM_VIEWS:]:
            if key[0] == "index":
                index_page(key[2], key[3], new)
            elif key[0] == "api":
                list_json(key[1], key, new)
            if time.thread_time() - began >= WARM_SLICE_S:
                time.sleep(WARM_PAUSE_S)
                began = time.thread_time()

    catalogs = CatalogCache(store, ttl=row_ttl, building=HeapFreezer(), warm=warm_views)
    write_lock = threading.Lock()

    # the real models run in a child process (jobs.py: the readers keep this one's GIL);
    # injected functions (tests) and an in-memory store stay in the worker thread
    jobs = (JobProcess(store.url) if group_fn is None and brief_fn is None
            and not store.url.endswith(":memory:") else None)

    def drop(changed: Iterable[str] | None) -> None:
        """Read the ``changed`` stories' rows, states and pages afresh (None: every
        story's)."""
        gens.bump(changed)
        if changed is None:
            rows.clear()
            states.clear()
        for sid in changed or ():
            rows.drop(sid)
            states.drop(sid)

    def look() -> None:
        """Drop what any process changed since the last look (no database read when nothing
        was committed: cheap enough for the event loop on every story request)."""
        if watch is not None:
            changed = watch.poll()
            if changed is None or changed:
                drop(changed)

    def forget(changed: Sequence[str] | None = None) -> None:
        """Grouping finished (in the background worker): read the ``changed`` stories' rows
        afresh (None: every story's), and rebuild the story list while readers keep
        answering from the previous one (they would all wait for it otherwise)."""
        drop(changed)
        catalogs.refresh(jobs.catalog if jobs is not None else None)

    def group_job(article_ids: list[str]) -> list[str]:
        """Group new articles (under the store's update lock, so a ``newsweave update`` in
        another process is waited for, not raced); the stories they joined are woven next."""
        changed = None
        if jobs is not None:
            changed = jobs.group()
        else:
            with store.exclusive("update"):
                regroup(store)
        forget(changed)
        return sorted({sid for aid in dict.fromkeys(article_ids)
                       for sid in store.article_stories(aid)})

    def weave_job(story_id: str) -> str:
        """Weave and store one story's brief; only that story's cached state is dropped (a
        new brief changes no story row and not the story list, so the other stories' cached
        answers stay)."""
        if jobs is not None:
            fingerprint = jobs.weave(story_id)  # at the store's word budget
        else:
            fingerprint = app_layer.weave_and_store(
                store, story_id, weave_fn=brief_fn, only_if_changed=True
            ).fingerprint
        drop([story_id])
        return fingerprint

    # group_job forgets what it changed, weave_job its own story: nothing left to do after
    background = Background(group_job, weave_job, on_change=lambda: None)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, finalize=_shown,
    )
    env.filters["segment"] = path_segment

    app = FastAPI(
        title="newsweave",
        summary="Stories woven from many news reports, every sentence citing its sources.",
        docs_url=None, redoc_url=None,
        # trailing slashes are redirected by GuardMiddleware, with a relative Location;
        # Starlette's own redirect (reached by an encoded "%2F") builds it from the Host header
        redirect_slashes=False,
    )
    app.add_middleware(GuardMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.store = store
    app.state.cache = cache
    app.state.background = background
    app.router.on_shutdown.append(background.stop)
    if jobs is not None:
        app.router.on_shutdown.append(jobs.close)
    if watch is not None:
        app.router.on_shutdown.append(watch.close)
    app.state.look = look  # tests: what a request does first
    app.state.catalogs = catalogs

    async def db(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A blocking store call off the event loop (the Store pools its connections)."""
        return await run_in_threadpool(fn, *args, **kwargs)

    checking: set[asyncio.Task[Any]] = set()  # the one background catalog check under way

    def catalog_for_read() -> Any | None:
        """The story-list catalog a read answers from on the event loop, without waiting:
        the current one; when it was not checked against the store within ``row_ttl``, ONE
        background check starts and readers answer from this one meanwhile (as
        ``CatalogCache.get`` does while a rebuild runs), rather than every reader of that
        moment hopping to a worker thread to check (those hops queued on the GIL behind each
        other: a tail of 100-200 ms every second under load). None: no catalog to answer
        from (the first, or after this server's own write), or ``row_ttl`` 0 (always
        check): the caller reads in a thread."""
        fresh = catalogs.fresh()
        if fresh is not None or catalogs.ttl <= 0:
            return fresh
        # answered unchecked only while it was checked a moment ago (a busy server checks
        # every ``row_ttl``): the first reader after a quiet spell got the list as it was
        # before another process's ingest, however long ago that was, and waits for one
        # check instead
        current = catalogs.checked_within(STALE_LIST_S)
        if current is not None and not checking:
            task = asyncio.get_running_loop().create_task(db(catalogs.get))
            checking.add(task)
            task.add_done_callback(_checked)
        return current

    def _checked(task: asyncio.Task[Any]) -> None:
        checking.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("checking the story list failed: %s", task.exception())

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(writable=token is not None, **context)
        return HTMLResponse(html, status_code=status)

    def is_api(request: Request) -> bool:
        """Answered for programs (JSON errors): the API and the Atom feeds."""
        path = request.url.path
        return path.startswith("/api/") or path.endswith(".atom")

    # ---------------------------------------------------------------- errors
    def allowed_methods(request: Request) -> str:
        """Every method some route takes at this path, for a 405's ``Allow`` (RFC 9110 asks
        for all of them): Starlette names only the first matching route's, so ``/add`` (a GET
        and a POST route) said ``GET``. HEAD goes with GET (``GuardMiddleware`` answers it)."""
        path = request.scope.get("path", "")
        methods = {m for r in app.router.routes if getattr(r, "methods", None)
                   and r.path_regex.match(path) for m in r.methods}
        if "GET" in methods:
            methods.add("HEAD")
        return ", ".join(sorted(methods))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        if is_api(request):
            body: dict[str, Any] = {"detail": exc.detail}
            if exc.status_code == 400:  # FastAPI's own "error parsing the body": as /docs says
                body["errors"] = [{"field": "body", "message": str(exc.detail)}]
            return JSONResponse(body, exc.status_code, headers=headers)
        page = render("error.html", exc.status_code, code=exc.status_code,
                      message=str(exc.detail), query="")
        page.headers.update(headers or {})  # e.g. a 405's Allow, which RFC 9110 requires
        return page

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.method == "POST" and request.url.path == "/api/articles":
            given = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if given != "application/json" and not given.endswith("+json"):
                # a form post or text/plain read as no body at all: "field: valid dictionary"
                shown = given or "none"
                return JSONResponse({"detail": "send the article as JSON (Content-Type: "
                                     f"application/json), not {shown[:60]}", "errors": []}, 415)
        errors = [_error_item(e) for e in exc.errors()]
        bad_json = any(e.get("type") == "json_invalid" for e in exc.errors())
        status = 400 if bad_json else 422
        message = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                            for e in errors)
        if is_api(request):
            return JSONResponse({"detail": message, "errors": errors}, status)
        return render("error.html", status, code=status, message=reader_message(exc.errors()),
                      query="")

    def check_token(given: str | None) -> None:
        if token is None:
            raise HTTPException(403, "writes are disabled: start the server with --token "
                                     f"or {TOKEN_ENV}")
        if not given:
            raise HTTPException(401, "a write token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(403, "wrong write token")

    def bearer(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    # ---------------------------------------------------------------- briefs
    async def stored_brief(
        row: Any, version: int | None = None
    ) -> tuple[CachedStory, app_layer.CurrentBrief]:
        """The story's latest stored brief (or ``version``). A missing or stale latest brief
        is queued for the background worker; a missing one raises ``BriefPending`` (or a 500
        naming the reason when weaving this very state already failed)."""
        state = states.get(row.id)
        if state is None:
            seen = gens.of(row.id)
            state = await db(app_layer.current_brief, store, row.id, None, False)
            if gens.of(row.id) == seen:  # else a change was noticed meanwhile: not cached
                states.put(row.id, state)
        if version is None:
            if state.stale:
                failed = background.failure(row.id, state.wanted)
                if failed is None:
                    background.request_weave(row.id, state.wanted)
                if state.version is None:
                    if failed is not None:
                        raise HTTPException(500, f"could not weave story {row.id}: {failed}")
                    raise BriefPending(row)
            assert state.version is not None
            version = state.version.version

        def load() -> CachedStory:
            stored = store.get_brief_version(row.id, version)
            if stored is None:
                raise HTTPException(404, f"story {row.id} has no version {version}")
            try:
                brief = json.loads(stored.brief)
            except ValueError:
                raise HTTPException(500, f"the stored brief of story {row.id} (version "
                                         f"{stored.version}) is unreadable") from None
            served = _without_folders(brief)
            raw = stored.brief.encode() if served is brief else json.dumps(
                served, ensure_ascii=False).encode()
            return CachedStory(brief, json=raw, version=stored.version,
                               articles=stored.articles, created=stored.created)

        key = (row.id, str(version))
        entry = cache.peek(key)  # a stored version never changes: no thread hop when cached
        if entry is None:
            entry = await run_in_threadpool(cache.get_or_make, key, load)
        return entry, state

    def pending_response(request: Request, row: Any) -> Response:
        headers = {"Retry-After": str(WEAVING_RETRY_S)}
        if is_api(request):
            return JSONResponse({"status": "weaving", "detail": f"the brief of story {row.id} "
                                 "is being woven; ask again shortly"}, 202, headers=headers)
        html = env.get_template("weaving.html").render(
            writable=token is not None, story=story_summary(row), retry=WEAVING_RETRY_S,
            query="")
        return HTMLResponse(html, 202, headers=headers)

    @app.exception_handler(StoreUnavailable)
    async def _store_down(request: Request, exc: StoreUnavailable) -> Response:
        """The database did not answer (PostgreSQL restarting, a failover, a locked SQLite
        file): a 503 with a retry hint and one log line, not a 500 with a traceback per
        request; the server answers again once the store does."""
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
        log.warning("store unavailable for %s: %s", request.url.path, reason)
        held = held_story(request)
        if held is not None:
            return held
        return await _http_error(request, HTTPException(
            503, "the store is unavailable; try again shortly",
            headers={"Retry-After": str(STORE_RETRY_S)}))

    def held_story(request: Request) -> Response | None:
        """A story page or current brief this server holds, for a read the store cannot
        answer now (its freshness check failed): served as it was, marked stale, rather than
        a 503 for the pages readers want most while the list page kept working."""
        found = _HELD_PATH.fullmatch(request.url.path)
        if request.method not in ("GET", "HEAD") or found is None or request.url.query:
            return None
        story_id, brief = found.group(1) or found.group(2), found.group(2) is not None
        state = states.last(story_id)
        if state is None or state.version is None:
            return None
        entry = cache.peek((story_id, str(state.version.version)))
        body = None if entry is None else (entry.json if brief else entry.page)
        if entry is None or body is None:
            return None
        headers = {"X-Brief-Version": str(entry.version), "X-Brief-Stale": "1",
                   "Cache-Control": "no-store"}
        media = "application/json" if brief else "text/html; charset=utf-8"
        return Response(body, media_type=media, headers=headers)

    @app.exception_handler(BriefPending)
    async def _pending(request: Request, exc: BriefPending) -> Response:
        return pending_response(request, exc.row)

    @app.exception_handler(StoryMoved)
    async def _moved(request: Request, exc: StoryMoved) -> Response:
        """A temporary redirect: the old id may return (a story id is its first article's,
        which a later split could set apart again)."""
        parts = request.url.path.split("/")
        path = "/".join(exc.new if part == exc.old else part for part in parts)
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(path + query, 307)

    async def story_row(story_id: str, follow: bool = True) -> Any:
        """The stored story; a story merged into another, or left when its only article was
        grouped again, redirects to the story that holds its articles now (``follow``; not
        for an old version of it, whose numbers are its own)."""
        look()
        row = rows.get(story_id)
        if row is None:
            seen = gens.of(story_id)
            row = await db(store.get_story, story_id)
            if row is None:
                moved = await db(store.successor_story, story_id) if follow else None
                if moved is not None:
                    raise StoryMoved(story_id, moved)
                gone = None if follow else await db(_gone_story, store, story_id)
                if gone is not None:  # its stored versions stay readable (feeds link them)
                    return gone
                raise HTTPException(404, f"no story {story_id}")
            if gens.of(story_id) == seen:
                rows.put(story_id, row)
        return row

    def cached_latest(story_id: str) -> tuple[Any, CachedStory] | None:
        """The story's row and current latest brief when memory holds both and nothing
        changed the story since (``look``): answered on the event loop, no thread, no
        database read. None: the full path (reads, a stale notice, a weave to queue)."""
        look()
        row, state = rows.get(story_id), states.get(story_id)
        if row is None or state is None or state.stale or state.version is None:
            return None
        entry = cache.peek((story_id, str(state.version.version)))
        return None if entry is None else (row, entry)

    def story_history(row: Any, entry: CachedStory, viewing: int | None,
                      stale: bool) -> dict[str, Any]:
        """What the page says about versions: the list, and what the shown one adds over
        the one before it (the current one: worked out, with the stories moved sources are
        in now; an earlier one, which a feed entry links to: its stored counts)."""
        versions = app_layer.brief_versions(store, row.id, articles=False, changes=False)
        listed = listed_versions(versions, viewing or entry.version)
        shown = [v["version"] for v in listed if not isinstance(v, int)]
        counts = store.brief_article_counts(row.id, shown)
        added = store.brief_change_counts(row.id, shown)
        listed = [v if isinstance(v, int) else v | {
            "articles": counts.get(v["version"], 0),
            "line": counts_line(added.get(v["version"]) or {})} for v in listed]
        history: dict[str, Any] = {"total": len(versions), "listed": listed,
                                   "latest": versions[-1]["version"] if versions else None,
                                   "shown": entry.version, "viewing": viewing, "stale": stale,
                                   "changes": "", "since": None, "moved": []}
        if viewing is not None and viewing > 1:
            history.update(changes=counts_line(added.get(viewing) or {}), since=viewing - 1)
        if viewing is None and entry.version > 1:
            changes = app_layer.brief_changes(store, row.id, entry.version - 1)
            if changes is not None:
                moved = [{"title": s.get("title") or s.get("outlet") or s.get("id"),
                          "story": s["now_in"][0]}
                         for s in changes["left_sources"] if s.get("now_in")]
                history.update(changes=app_layer.changes_line(changes),
                               since=entry.version - 1, moved=moved[:MOVED_LINKS])
        return history

    def render_story(row: Any, entry: CachedStory, viewing: int | None = None,
                     stale: bool = False) -> bytes:
        articles = store.get_articles(list(entry.articles)) if entry.articles else (
            store.story_articles(row.id))
        if entry.created:  # a member revised since: show the text the brief's offsets index
            then = store.texts_at([a.id for a in articles], entry.created)
            articles = [replace(a, text=then[a.id][0], title=then[a.id][1] or a.title)
                        if a.id in then else a for a in articles]
        who = coverage_view(articles, store.story_duplicates(row.id), catalogs.get().matcher)
        view = story_view(entry.brief, articles, who["leans"])
        counts = store.revision_counts([a.id for a in articles])
        for source in view["sources"]:  # a corrected article: its versions are a click away
            source["versions"] = counts.get(source["id"], 1)
        # an old version's header counts its own sources, as its version list line does
        story = (version_summary(row, entry.articles, articles, entry.brief)
                 if viewing is not None and entry.articles else story_summary(row))
        story["outlets"] = who["outlets"]
        html = env.get_template("story.html").render(
            writable=token is not None, story=story, view=view, who=who, query="",
            history=story_history(row, entry, viewing, stale))
        return html.encode("utf-8")

    def select_stories(query: ListQuery, catalog: Any = None) -> tuple[int, list[Any], Any]:
        catalog = catalog or catalogs.get()
        total, entries = catalog.select(query, store.matching_story_ids)
        return total, entries, catalog

    def page_id(value: str) -> str:
        if not valid_id(value):
            raise HTTPException(400, "malformed id")
        return value

    # ---------------------------------------------------------------- writes
    def add_and_queue(articles: list[Article]) -> dict[str, Any]:
        """Store the articles (one short transaction) and queue their grouping and weaving
        for the background worker; nothing heavy happens here."""
        with write_lock:
            result = app_layer.add_articles(store, articles)
            ids = list(dict.fromkeys(a.id for a in articles))
            stored = [i for i in ids if store.get_article(i) is not None]
            revised = list(dict.fromkeys(result.revised_ids))
            touched = sorted({s for i in revised for s in store.article_stories(i)})
            same_text = {a.id: found for a in articles if a.id not in stored
                         and a.id not in revised and (found := store.id_with_text(a.text))}
        if result.added:
            background.request_group(stored)
        for story_id in touched:  # a new version of a member: the brief is re-woven
            background.request_weave(story_id)
        return {"added": result.added, "skipped": result.skipped,
                "ids": stored + [i for i in revised if i not in stored],
                "id_conflicts": result.id_conflicts, "revised": revised,
                "same_text": same_text, "older": result.older, "shrunk": result.shrunk}

    # ---------------------------------------------------------------- API
    def list_json(query: ListQuery, key: tuple[Any, ...], catalog: Any = None) -> bytes:
        catalog = catalog or catalogs.get()

        def make() -> bytes:
            total, entries, _ = select_stories(query, catalog)
            return json.dumps({"items": [e.summary() for e in entries], "total": total,
                               "limit": query.limit, "offset": query.offset,
                               "sort": query.sort}, ensure_ascii=False).encode()

        # made again after a write only when the write changed this answer
        return catalog.view(key, query, store.matching_story_ids, make)

    @app.get("/api/stories", tags=["api"],
             summary="Stories: sorted, filtered and paged, each with its sources and coverage",
             responses={200: {"description": "a page of stories and how many match",
                              "content": {"application/json": {"schema": STORY_LIST_SCHEMA}}},
                        **_errors(422)})
    async def api_stories(
        params: ListParams,
        limit: Annotated[int, Query(ge=1, le=API_MAX_LIMIT)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> Response:
        query = replace(params, limit=limit, offset=offset)
        key = ("api", query)
        catalog, body = catalog_for_read(), None
        if catalog is not None:
            # in memory, no database read (a search only once cached): a thread hop would
            # cost more than the work
            body = catalog.cached(key)
            if body is None and not query.q:
                body = list_json(query, key, catalog)
        if body is None:
            body = await db(list_json, query, key)
        return Response(body, media_type="application/json")

    @app.get("/api/stories.csv", tags=["api"],
             summary="The story list as CSV (same sort and filters as /api/stories)",
             response_class=StreamingResponse,
             responses={200: {"description": "one row per story, a header row first",
                              "content": {"text/csv": {"schema": {"type": "string"}}}},
                        **_errors(422)})
    async def api_stories_csv(
        params: ListParams,
        limit: Annotated[int, Query(ge=1, le=CSV_MAX_ROWS)] = CSV_MAX_ROWS,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> StreamingResponse:
        query = replace(params, limit=limit, offset=offset)
        _, entries, _ = await db(select_stories, query)
        return StreamingResponse(
            entries_csv(entries), media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="stories.csv"'})

    @app.get("/api/stories/{story_id}", tags=["api"], summary="One story and its sources",
             responses={**_errors(404, 422), **MOVED})
    async def api_story(story_id: StoryIdPath) -> dict[str, Any]:
        row = await story_row(story_id)
        articles = await db(store.story_articles, row.id)
        copies = await db(store.story_duplicates, row.id)
        matcher = (await db(catalogs.get)).matcher
        out = story_summary(row)
        out["outlets"] = outlet_names(matcher.display_name(a.url, a.outlet) for a in articles)
        coverage = story_coverage(story_members(articles, copies), matcher)
        out["sources"] = []
        for a in articles:
            outlet = matcher.match(a.url, a.outlet)
            out["sources"].append({
                "id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published,
                "url": a.url, "words": a.words, "copy_of": copies.get(a.id),
                "outlet_info": outlet.as_dict() if outlet else None})
        out["independent_sources"] = coverage["sources"]
        out["coverage"] = {k: coverage[k] for k in ("lean", "country", "owner", "blindspot")}
        latest = (await db(store.latest_briefs, [row.id])).get(row.id)
        out["latest_version"] = None if latest is None else version_update(
            latest.version, latest.created, latest.changes)  # as the list items say it
        return out

    @app.get("/api/stories/{story_id}/brief", tags=["api"],
             summary="The story's brief (contract newsweave.brief/1)",
             description="The latest stored brief, or stored version `version`. Headers: "
             "`X-Brief-Version` (the version served) and `X-Brief-Stale: 1` when the story "
             "changed since and an updated brief is being woven in the background. A stored "
             "version never changes: its `ETag` (`\"v<version>\"`) sent back in "
             "`If-None-Match` is answered `304` while that version is still the one served.",
             responses={
                 200: {"description": "the brief (newsweave.brief/1)",
                       "content": {"application/json": {"schema": brief_schema()}}},
                 304: {"description": "not modified: the version named in `If-None-Match` "
                                      "is the one that would be served"},
                 **MOVED,
                 202: {"description": "no brief is stored yet: it is being woven; ask again "
                                      "after `Retry-After` seconds",
                       "content": {"application/json": {"example": {
                           "status": "weaving", "detail": "the brief of story s is being "
                           "woven; ask again shortly"}}}},
                 **_errors(404, 422, 500),
             })
    async def api_brief(
        request: Request,
        story_id: StoryIdPath,
        version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    ) -> Response:
        hit = cached_latest(story_id) if version is None else None
        if hit is not None:
            entry, stale = hit[1], False
        else:
            row = await story_row(story_id, follow=version is None)
            entry, state = await stored_brief(row, version)
            stale = version is None and state.stale
        etag = f'"v{entry.version}"'
        headers = {"X-Brief-Version": str(entry.version), "ETag": etag}
        if stale:
            headers["X-Brief-Stale"] = "1"
        if _not_modified(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(entry.json, media_type="application/json", headers=headers)

    @app.get("/api/stories/{story_id}/versions", tags=["api"],
             summary="The stored versions of a story's brief, oldest first",
             description="Each `version`, `created` and `articles` (the ids it was woven "
             "from). `after=N` lists only the versions after N (a client that saw N polls "
             "for the rest); `articles=false` leaves out the article ids, which make the list "
             "heavy for a story woven thousands of times.",
             responses=_errors(404, 422))
    async def api_versions(
        story_id: StoryIdPath, after: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        articles: bool = True,
    ) -> list[dict[str, Any]]:
        versions = await db(app_layer.brief_versions, store, story_id, articles, after)
        if not versions and await db(store.get_story, story_id) is None:
            raise HTTPException(404, f"no story {story_id}")
        return versions

    @app.get("/api/stories/{story_id}/changes", tags=["api"],
             summary="What the current brief adds over version `since`",
             description="A new headline (`new_headline`: the headline and the one it "
             "replaced), new sources (with their ids), summary sentences, quotes, "
             "discrepancies and timeline entries of the latest stored version that version "
             "`since` lacks, the sources of both whose article took a new text in "
             "between (`revised_sources`), and the sources that left the story since "
             "(`left_sources`: a later grouping run moved them; `now_in` names the stories "
             "holding them now, `back` whether this story holds it again); "
             "`dropped_summary`, `dropped_quotes`, `dropped_discrepancies` "
             "and `dropped_timeline`: what version `since` showed and the latest no longer "
             "does (a corrected figure is its old sentence dropped and the new one added; a "
             "discrepancy dropped is resolved: the outlets agree now, or the one that "
             "disagreed left). With `version` (not below "
             "`since`), what that version adds over `since` instead of the latest.",
             responses={**_errors(422), 404: {
                 "model": ErrorOut, "description": "no such story, or no such version of it"}})
    async def api_changes(
        story_id: StoryIdPath, since: Annotated[int, Query(ge=1, le=1_000_000)],
        version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    ) -> dict[str, Any]:
        if version is not None and since > version:  # a reversed diff reads as its opposite
            raise HTTPException(422, f"since ({since}) must not be above version ({version}):"
                                " the answer is what a version adds over an earlier one")
        changes = await db(app_layer.brief_changes, store, story_id, since, version)
        if changes is None:
            if (await db(store.get_brief_version, story_id) is None
                    and await db(store.get_story, story_id) is None):
                raise HTTPException(404, f"no story {story_id}")
            missing = since if version is None or await db(
                store.get_brief_version, story_id, since) is None else version
            raise HTTPException(404, f"story {story_id} has no stored version {missing}")
        return _sources_without_folders(changes, _CHANGED_SOURCES)

    @app.get("/api/feeds", tags=["api"], summary="The followed feeds and how each fares",
             description="Every feed the follower polls (`serve --follow` or `newsweave "
             "follow` on this store), failing ones first: `state` (`ok`, `failing`, `pages "
             "failing`: it answers but none of its new entries' pages could be fetched, `not "
             "polled yet`), `pages_tried`, `pages_failed`, `page_error` (its last poll with "
             "new entries), `checked_at` (last poll, UTC), `last_status` (the HTTP status, or "
             "why the last poll failed), `failures` (in a row) and `next_poll` (when a failing "
             "feed is tried again; null: at the next round), `kind` (`RSS feed`, `Atom feed`, "
             "`feed`, `news sitemap`, `sitemap`, `sitemap index` or `site`; null until read), "
             "`found_on` (the site or index it was found on; null: named by the user), "
             "`last_new` (when a poll last found a new or changed entry, or first polled it) "
             "and `quiet` (a feed whose polls found nothing new for two days: it answers, but "
             "may be dead). "
             "For monitoring; `newsweave feeds` prints the same.")
    async def api_feeds() -> list[dict[str, Any]]:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return await db(app_layer.feed_health, store, now)

    # before the article's own route: its `path` id would take ".../versions/2" too
    @app.get("/api/articles/{article_id:path}/versions/{version}", tags=["api"],
             summary="One version of an article, and what it changed",
             description="An article stored again under its URL with a new text keeps "
             "every earlier text. Version N's text, and `changes`: the runs of words it "
             "removed from and added to version N-1 (`same`, `removed`, `added`, `gap` for "
             "unchanged words left out), null for version 1 or texts over 20,000 words.",
             responses=_errors(404, 422))
    async def api_article_version(
        article_id: ArticleIdPath, version: Annotated[int, PathParam(ge=1, le=1_000_000)]
    ) -> dict[str, Any]:
        versions = await db(app_layer.article_versions, store, article_id, version)
        if not versions:
            raise HTTPException(404, f"no article {article_id}")
        chosen = next((v for v in versions if v["version"] == version), None)
        if chosen is None:
            raise HTTPException(404, f"article {article_id} has no version {version}")
        changes = app_layer.version_changes(versions, version)
        return _version_meta(chosen) | {
            "id": article_id, "published": chosen["published"], "text": chosen["text"],
            "changes": None if changes is None else [
                {"kind": c.kind, "text": c.text} for c in changes]}

    @app.get("/api/articles/{article_id:path}", tags=["api"],
             summary="One article and its stories",
             responses=_errors(404, 422))
    async def api_article(article_id: ArticleIdPath) -> dict[str, Any]:
        article = await db(store.get_article, article_id)
        if article is None:
            raise HTTPException(404, f"no article {article_id}")
        return article_json(article, await db(store.article_stories, article_id),
                            await db(app_layer.article_versions, store, article_id,
                                     texts=False))

    @app.post("/api/articles", tags=["api"], status_code=202,
              summary="Add one article (bearer write token); it joins a story in the background",
              description="The article is stored at once and the answer names its id; grouping "
              "it into a story and weaving that story's brief follow in the background (see "
              "`GET /api/articles/{id}` for its stories).",
              responses={
                  200: {"description": "already stored (the same text): nothing to do; "
                        "`id` names the stored article"},
                  202: {"description": "stored (or, with the URL of a stored article and "
                        "other text, stored as that article's new version, under its id); "
                        "grouping and weaving are queued. `warnings`, when present, lists "
                        "what was repaired (a date outside 1800..tomorrow dropped)"},
                  **_errors(400, 401, 403, 409, 413, 415, 422),
              })
    async def api_add_article(request: Request, body: ArticleIn) -> JSONResponse:
        check_token(bearer(request))
        with collect_warnings() as warned:
            article = body.to_article()
        result = await run_in_threadpool(add_and_queue, [article])
        other = result["same_text"].get(article.id)
        if result["added"]:
            status, detail = 202, "stored; grouping and weaving queued"
        elif result["revised"]:
            article = replace(article, id=result["revised"][0])
            status, detail = 202, ("stored as the new version of the article with the same URL;"
                                   " its stories are re-woven in the background")
        elif result["id_conflicts"]:
            raise HTTPException(409, f"id {article.id} is already used by another article")
        elif result["older"]:
            status, detail = 200, ("dated before the stored version of the article with the "
                                   "same URL: the stored text stays")
        elif result["shrunk"]:
            status, detail = 200, ("most of the stored text of the article with the same URL "
                                   "would be lost (a withdrawal notice or a broken page?): the "
                                   "stored text stays")
        elif article.id in result["ids"]:
            status, detail = 200, "already stored"
        elif other:
            article = replace(article, id=other)
            status, detail = 200, "the same text is already stored, under this id"
        else:  # stored and gone meanwhile (another writer): nothing to name
            status, detail = 200, "the same text is already stored"
        stored = article.id if article.id in result["ids"] or article.id == other else None
        answer = {"id": stored, "ids": [stored] if stored else [],
                  "added": bool(result["added"]), "detail": detail}
        if warned.items:
            answer["warnings"] = [e.message for e in warned.items]
        # where to follow it: the article, whose `stories` say where it went once grouped
        headers = {"Location": f"/api/articles/{quote(stored, safe='')}"} if stored else None
        return JSONResponse(answer, status, headers=headers)

    # ---------------------------------------------------------------- pages
    def render_index(query: ListQuery, page: int, catalog: Any) -> bytes | PastLastPage:
        total, entries, catalog = select_stories(query, catalog)
        pages = max(1, -(-total // PAGE_SIZE))  # an empty list is one (empty) page
        if page > pages:
            return PastLastPage(pages)
        colours = catalog.memo(("colours",), lambda: lean_colours(
            catalog.matcher.leans, catalog.matcher.sides), "small")
        item = env.get_template("_story_item.html")

        def render_item(e: Any) -> Markup:
            story = e.summary() | {"bar": lean_bar(e.coverage["lean"], colours)}
            return Markup(item.render(s=story))  # autoescaped when rendered

        stories = [catalog.memo(("item", e.id), lambda e=e: render_item(e), "small")
                   for e in entries]

        def page_url(n: int) -> str:
            return _with_query("/", query.params(page=n if n > 1 else None))

        html = env.get_template("index.html").render(
            writable=token is not None, stories=stories, total=total, query=query.q or "",
            list=query, filtered=any(query.params(sort=None).values()), page=page,
            pages=pages, outlets=catalog.outlet_names,
            leans=filter_options(catalog.matcher.leans, query.lean, (UNRATED,)),
            countries=filter_options(catalog.matcher.countries, query.country),
            csv_url=_with_query("/api/stories.csv", query.params()), page_url=page_url,
            feed_url=_with_query("/feed.atom", query.params(sort=None)))
        return html.encode("utf-8")

    def past_last_page(query: ListQuery, page: int, pages: int) -> HTMLResponse:
        """A 404 for ``/?page=N`` past the end (a stale bookmark, a list that shrank), with
        a link to the same list's first page."""
        message = f"There is no page {page} of this list: it has {count(pages, 'page')}."
        return render("error.html", 404, code=404, message=message, query=query.q or "",
                      back=_with_query("/", query.params()), back_label="Back to page 1")

    def index_page(query: ListQuery, page: int, catalog: Any = None) -> bytes | PastLastPage:
        """The list page, rendered once per store version and query (readers repeat the
        same few views: the front page, a lean, a country)."""
        catalog = catalog or catalogs.get()
        # made again after a write only when the write changed this answer or the outlet
        # names the filters offer
        return catalog.view(("index", token is not None, query, page), query,
                            store.matching_story_ids,
                            lambda: render_index(query, page, catalog), catalog.outlet_names)

    # (story, version) -> what a feed says of it (``app.Update``: a few KB at most)
    feed_entries: dict[tuple[str, int], Any] = {}

    def feed_stories(query: ListQuery) -> list[str]:
        """The stories of the list ``query`` filters whose latest briefs were stored last, at
        most ``FEED_ENTRIES``, read from the story list in memory: each of the latest
        ``FEED_ENTRIES`` briefs of the list's stories is of one of them (a story whose latest
        brief is older than theirs has ``FEED_ENTRIES`` newer briefs above any of its own)."""
        catalog = catalogs.get()
        _, hits = catalog.select(replace(query, limit=max(len(catalog.entries), 1), offset=0),
                                 store.matching_story_ids)
        woven = heapq.nlargest(FEED_ENTRIES, (e for e in hits if e.latest is not None),
                               key=lambda e: (e.latest.created, e.id))
        return [e.id for e in woven]

    def updates_atom(request: Request, story_id: str | None,
                     query: ListQuery | None = None) -> Response:
        """An Atom feed of the latest stored briefs (``atom.updates_feed``): of one story,
        of the stories a list's filters keep (``query``; its sort is ignored), or of all.
        Its ETag is the list of (story, version) it holds, so a poll that finds nothing new
        is answered 304 from one indexed query, without reading a brief."""
        filters = {} if query is None else query.params(sort=None)
        if filters:
            assert query is not None
            recent = store.recent_brief_versions(FEED_ENTRIES, story_ids=feed_stories(query))
        else:
            recent = store.recent_brief_versions(FEED_ENTRIES, story_id)
        if story_id is not None and not recent and store.get_story(story_id) is None:
            raise HTTPException(404, f"no story {story_id}")
        listed = repr((sorted(filters.items()),
                       [(v.story_id, v.version) for v in recent])).encode()
        etag = '"' + hashlib.sha256(listed).hexdigest()[:24] + '"'
        if _not_modified(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers={"ETag": etag})
        if len(feed_entries) > 5_000:  # bounded (100 feeds' entries): cheap to make again
            feed_entries.clear()
        updates = app_layer.story_updates(store, FEED_ENTRIES, story_id, feed_entries, recent)
        if story_id is not None:
            title = f"{updates[0]['headline'] if updates else story_id} · newsweave"
            page = f"/stories/{quote(story_id, safe='')}"
            path = f"{page}/feed.atom"
        else:
            title = "newsweave: story updates" + (" (" + ", ".join(
                f"{'search' if k == 'q' else k}: {v}" for k, v in filters.items()) + ")"
                if filters else "")
            page, path = _with_query("/", filters), _with_query("/feed.atom", filters)
        body = updates_feed(updates, title, path, page)
        return Response(body, media_type=ATOM_TYPE, headers={"ETag": etag})

    @app.get("/feed.atom", tags=["feeds"], response_class=Response,
             summary="Atom feed: the latest story updates across the store, or of a list",
             description=f"The latest {FEED_ENTRIES} stored briefs of every story, newest "
             "first: each entry is one version of a story, titled with its headline and "
             "version, saying what it added over the version before (new, revised and moved "
             "sources, summary sentences, quotes, discrepancies, timeline entries) and "
             "linking to that version's page. The story list's filters (`q`, `outlet`, "
             "`lean`, `country`, `from`, `to`, `language`) follow only the stories they keep, "
             "as `GET /api/stories` lists them (`sort` is ignored: newest first). "
             "Conditional GET with `If-None-Match`.",
             responses={200: {"content": {"application/atom+xml": {}}},
                        304: {"description": "no new version since the ETag given"},
                        **_errors(422)})
    async def feed_all(request: Request, params: ListParams) -> Response:
        return await run_in_threadpool(updates_atom, request, None, params)

    @app.get("/stories/{story_id}/feed.atom", tags=["feeds"], response_class=Response,
             summary="Atom feed: one story's updates",
             description=f"The latest {FEED_ENTRIES} stored versions of one story's brief, "
             "newest first, each saying what it added over the one before.",
             responses={200: {"content": {"application/atom+xml": {}}},
                        304: {"description": "no new version since the ETag given"},
                        **_errors(404, 422)})
    async def feed_story(request: Request, story_id: StoryIdPath) -> Response:
        return await run_in_threadpool(updates_atom, request, story_id)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(
        params: ListParams,
        page: Annotated[int, Query(ge=1, le=100000)] = 1,
    ) -> HTMLResponse:
        query = replace(params, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        catalog, html = catalog_for_read(), None
        if catalog is not None:
            # in memory, no database read (a rendered page, or a few stories' cached items to
            # join; a search only once cached): a thread hop would cost more than the work
            html = catalog.cached(("index", token is not None, query, page))
            if html is None and not query.q:
                html = index_page(query, page, catalog)
        if html is None:
            html = await db(index_page, query, page)
        if isinstance(html, PastLastPage):
            return past_last_page(query, page, html.pages)
        return HTMLResponse(html)

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    async def story_page(
        story_id: str, version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None
    ) -> HTMLResponse:
        hit = cached_latest(page_id(story_id)) if version is None else None
        if hit is not None and catalog_for_read() is not None:
            row, entry = hit
            if entry.page is not None and entry.page_version == (
                    catalogs.outlets_version, gens.of(row.id), row):
                return HTMLResponse(entry.page)  # from memory, on the event loop
        row = await story_row(page_id(story_id), follow=version is None)
        entry, state = await stored_brief(row, version)
        stale = version is None and state.stale
        if version is not None or stale:  # an old version or a notice: not the cached page
            page = await run_in_threadpool(render_story, row, entry, version, stale)
            return HTMLResponse(page)
        if catalog_for_read() is None:  # the page shows outlet leans: re-rendered when they
            await db(catalogs.get)  # change
        # re-rendered when the outlet table or this story changes (its row, members, their
        # text, its briefs: ``gens`` moves), not on every write; the counter is read before
        # rendering, so a change noticed while rendering makes the next request render again
        page_version = (catalogs.outlets_version, gens.of(row.id), row)
        if entry.page is None or entry.page_version != page_version:
            entry.page_version = page_version
            entry.page = await run_in_threadpool(render_story, row, entry)
        return HTMLResponse(entry.page)

    @app.get("/articles/{article_id:path}", response_class=HTMLResponse,
             include_in_schema=False)
    async def article_page(
        article_id: str, version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None
    ) -> HTMLResponse:
        # an id as ingest keeps it: spaces inside it too ("weird id"), none around it
        if not 0 < len(article_id) <= PAGE_ID_MAX or not article_id.isprintable() or (
                article_id != article_id.strip()):
            raise HTTPException(400, "malformed id")
        article = await db(store.get_article, article_id)
        if article is None:
            raise HTTPException(404, f"no article {article_id}")
        versions = await db(app_layer.article_versions, store, article_id, version)
        shown = versions[-1]["version"] if version is None else version
        chosen = next((v for v in versions if v["version"] == shown), None)
        if chosen is None:
            raise HTTPException(404, f"article {article_id} has no version {version}")
        story_ids = await db(store.article_stories, article.id)
        stories = [r for r in [await db(store.get_story, s) for s in story_ids] if r]
        if shown != versions[-1]["version"]:  # an old version's header is its own: title,
            article = replace(  # dates and words (it gave the current one's above old text)
                article, title=chosen.get("title"), published=chosen.get("published"),
                updated=chosen.get("updated"), text=chosen.get("text", article.text))
        return render("article.html", article=article, url=safe_url(article.url),
                      stories=[story_summary(r) for r in stories], query="",
                      versions=versions, listed=listed_versions(versions, shown), shown=chosen,
                      changes=await run_in_threadpool(app_layer.version_changes, versions,
                                                      shown))

    @app.get("/add", response_class=HTMLResponse, include_in_schema=False)
    async def add_form() -> HTMLResponse:
        return render("add.html", message=None, error=None, added=[], form={}, query="",
                      skipped=None, warnings=None)

    def read_submission(text: str, meta: dict[str, str | None], uploads: list[tuple[str, bytes]]
                        ) -> tuple[list[Article], Collected, Collected]:
        """The good articles of one form submission, the bad files or records skipped and
        the warnings; InputError when the form's own fields are unusable or nothing was
        given."""
        from newsweave.ingest import sane_date

        for name, longest in (("title", TITLE_MAX), ("outlet", OUTLET_MAX)):
            if len(meta[name] or "") > longest:
                raise InputError(f"the {name} is over {longest:,} characters")
        skipped, warnings = Collected(ADD_LISTED), Collected(ADD_LISTED)
        if meta["published"]:
            with collect_warnings(ADD_LISTED) as warned:
                published = sane_date(ArticleIn._iso_date(meta["published"]), "published")
            meta = {**meta, "published": published}
            for warning in warned.items:
                warnings.add(warning)
        if not text.strip() and not uploads:
            raise InputError("paste an article's text or choose files to upload")
        articles = [pasted_article(text, **meta)] if text.strip() else []
        for name, data in uploads:
            articles.extend(articles_from_upload(name, data, skipped, warnings))
        return articles, skipped, warnings

    @app.post("/add", response_class=HTMLResponse, include_in_schema=False)
    async def add_submit(request: Request) -> HTMLResponse:
        form = await request.form(max_files=50, max_fields=20)
        values = {k: str(form.get(k) or "") for k in ("title", "outlet", "published", "text")}

        def again(status: int, error: str, skipped: Collected | None = None,
                  warnings: Collected | None = None) -> HTMLResponse:
            # the user's input comes back (escaped) so a mistake costs no retyping; never
            # the token
            return render("add.html", status, message=None, error=error, added=[], form=values,
                          query="", skipped=skipped, warnings=warnings)

        try:
            check_token(str(form.get("token") or "").strip() or None)
        except HTTPException as exc:
            return again(exc.status_code, str(exc.detail))
        meta = {k: values[k].strip() or None for k in ("title", "outlet", "published")}
        uploads = [(u.filename, await u.read()) for u in form.getlist("files")
                   if not isinstance(u, str) and u.filename]
        try:
            articles, skipped, warnings = await run_in_threadpool(
                read_submission, values["text"], meta, uploads)
        except (InputError, ValueError) as exc:
            return again(400, str(exc))
        if not articles:
            bad = count(skipped.total, "bad file or record")
            return again(400, f"no article could be read: {bad} skipped", skipped, warnings)
        result = await run_in_threadpool(add_and_queue, articles)
        titles = {a.id: a.title for a in articles}
        added = [{"id": aid, "title": titles.get(aid) or aid, "stories": []}
                 for aid in result["ids"]]
        message = (f"Added {result['added']} article(s)"
                   + (f", {len(result['revised'])} new version(s) of stored articles"
                      if result["revised"] else "")
                   + (f", {result['skipped']} already stored" if result["skipped"] else "")
                   + ("; they join their stories in the background" if result["added"] else ""))
        return render("add.html", 202 if result["added"] else 200, message=message, error=None,
                      added=added, form={}, query="", skipped=skipped, warnings=warnings)

    @app.get("/feeds", response_class=HTMLResponse, include_in_schema=False)
    async def feeds_page() -> HTMLResponse:
        """The followed feeds as an operator checks them (``GET /api/feeds`` as a page)."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        feeds = [f | {"link": safe_url(f["url"])}
                 for f in await db(app_layer.feed_health, store, now)]
        return render("feeds.html", feeds=feeds, query="",
                      failing=sum(f["state"] in ("failing", "pages failing") for f in feeds))

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return render("docs.html", api=api_reference(app.openapi()), query="")

    return app


def _shown(value: Any) -> Any:
    """Every value a template writes, without the control and direction-override characters
    a page never shows (``render.displayable``): an outlet named with U+202E reversed the
    text after it. Markup stays Markup (removing characters makes no tag)."""
    if isinstance(value, Markup):
        return Markup(displayable(str(value)))
    return displayable(value) if isinstance(value, str) else value


def _etags(header: str | None) -> set[str]:
    """The entity tags of an ``If-None-Match`` header (weak ones compared as strong: a
    brief version's bytes never change); ``*`` stands for any."""
    if not header:
        return set()
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def _not_modified(header: str | None, etag: str) -> bool:
    """Does ``If-None-Match`` name ``etag``, or ``*`` (RFC 9110: any current representation)?
    One rule for the brief API and the feeds, compared tag by tag, not as a substring."""
    asked = _etags(header)
    return etag in asked or "*" in asked


def _with_query(path: str, params: dict[str, str]) -> str:
    """``path`` with ``params`` as its query string (percent-encoded; Jinja escapes the rest)."""
    from urllib.parse import urlencode

    return f"{path}?{urlencode(params)}" if params else path


# --------------------------------------------------------------------------- processes
DB_ENV = "NEWSWEAVE_SERVE_DB"  # hands the store URL to worker processes
#: how long a thread may hold the GIL before another is let in (Python's default is 5 ms).
#: After a write, a server thread updates the story list and re-asks cached searches for a
#: few tens of milliseconds; with the default, a read arriving then waits up to 5 ms per
#: hand-over, which doubled the p99 of 5 ms cached reads. 1 ms keeps that wait small
#: (benchmarks/serve.py, 10k articles, 100 ms think, four runs each on a quiet box: read p99
#: with 2 POST/s over reads-only 1.0-2.1x at 1 ms against 1.9-2.9x at 5 ms).
SWITCH_INTERVAL_S = 0.001


def short_gil_turns() -> None:
    import sys

    sys.setswitchinterval(SWITCH_INTERVAL_S)


def app_from_env() -> FastAPI:
    """uvicorn's app factory for ``--workers`` > 1: each worker process opens its own store
    connection pool and keeps its own brief cache."""
    import os

    from newsweave.store import open_store

    short_gil_turns()
    return create_app(open_store(os.environ[DB_ENV], create=False),
                      os.environ.get(TOKEN_ENV) or None)
