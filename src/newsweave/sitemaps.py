"""Sitemaps as feeds: the XML lists of pages a news site keeps for search engines.

Many news sites publish no RSS or Atom feed, or feeds of a few sections only, but every
large one keeps a *news sitemap* (the sitemaps.org ``<urlset>`` with Google's ``news:``
extension: each article's URL, headline and publication time, the last two days of them) and
names it in its robots.txt (``Sitemap:`` lines). The follower reads such a sitemap as it
reads a feed: each ``<url>`` is an entry (no teaser text: the page gives the text), and a
``<sitemapindex>`` lists sitemaps to poll in turn.

A sitemap may list 50,000 URLs, most of them old pages; what is new is what it dates
recently. So the entries taken are those dated within ``MAX_AGE`` (a news sitemap's own
window), newest first; an undated entry says nothing about when it was written and is passed
over. Pure functions: fetching, pacing and storing stay in :mod:`newsweave.follow`.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newsweave.charsets import valid_character_references

#: entries dated before ``now - MAX_AGE`` are not news any more (a news sitemap lists two days)
MAX_AGE = timedelta(days=2)
#: sitemaps of an index polled per round: the recent ones, news sitemaps first
MAX_CHILDREN = 5
#: the protocol's own cap on URLs per sitemap (and sitemaps per index); more are not read
MAX_URLS = 50_000
#: the protocol's cap on a sitemap's size, uncompressed (50 MB); a flat sitemap of a large
#: site runs to megabytes, past the limit a page or feed is held to (``--max-bytes``)
MAX_SITEMAP_BYTES = 50 * 1024 * 1024

_ROOT = re.compile(rb"<(?:[\w.-]+:)?(urlset|sitemapindex)[\s>/]")
_START = re.compile(rb"^(?:\s|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.S)


class SitemapError(ValueError):
    """A body that claims to be a sitemap but cannot be read as one."""


@dataclass(frozen=True)
class SitemapUrl:
    """One ``<url>``: where the page is, and what the sitemap says of it."""

    loc: str
    title: str | None = None  # news:title
    published: str | None = None  # news:publication_date, ISO 8601 as written
    modified: str | None = None  # lastmod
    outlet: str | None = None  # news:publication/news:name

    @property
    def when(self) -> datetime | None:
        """The latest date the sitemap gives the page (UTC), None when it gives none."""
        dates = [d for d in (parse_date(self.published), parse_date(self.modified)) if d]
        return max(dates) if dates else None


@dataclass(frozen=True)
class SitemapLink:
    """One ``<sitemap>`` of an index."""

    loc: str
    modified: str | None = None


@dataclass(frozen=True)
class Sitemap:
    """A parsed sitemap: ``urls`` of a ``<urlset>``, or ``children`` of a ``<sitemapindex>``."""

    urls: tuple[SitemapUrl, ...] = ()
    children: tuple[SitemapLink, ...] = ()
    index: bool = False
    #: ``<url>`` or ``<sitemap>`` elements past ``MAX_URLS``, not read
    dropped: int = 0
    #: the first error of a sitemap read in spite of broken XML ("... (line 3)"), else None
    problem: str | None = None

    @property
    def kind(self) -> str:
        """"sitemap index", "news sitemap" (any page given ``news:`` tags) or "sitemap"."""
        if self.index:
            return INDEX_KIND
        news = any(u.title or u.published or u.outlet for u in self.urls)
        return "news sitemap" if news else "sitemap"


#: what a sitemap index is called in the feed list (``Sitemap.kind``)
INDEX_KIND = "sitemap index"


def is_sitemap(body: bytes) -> bool:
    """Whether a (decompressed) body's root element is a ``<urlset>`` or ``<sitemapindex>``."""
    head = body[:8192].lstrip(b"\xef\xbb\xbf")
    start = _START.match(head)
    rest = head[start.end():] if start else head
    return bool(_ROOT.match(rest))


def size_limit(head: bytes, limit: int) -> tuple[int, str]:
    """The size limit for a body that starts with ``head`` (decoded, or a gzip file's first
    bytes), and what it is of: ``MAX_SITEMAP_BYTES`` (or ``limit``, when higher) for a
    sitemap, else ``limit`` for any body."""
    from newsweave.ingest import GZIP_MAGIC

    if head.startswith(GZIP_MAGIC):  # a sitemap.xml.gz served as a file
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 8192)
        except zlib.error:
            return limit, ""
    if is_sitemap(head):
        return max(limit, MAX_SITEMAP_BYTES), "a sitemap"
    return limit, ""


def gunzip(body: bytes, limit: int, what: str = "") -> bytes:
    """A gzip file's content (a ``sitemap.xml.gz`` served as a file, not as an encoding),
    decompressed up to ``limit`` bytes (the limit ``what`` is held to): SitemapError past it
    or when it is no gzip."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decoder.decompress(body, limit + 1)
    except zlib.error as exc:
        raise SitemapError(f"corrupt gzip file ({exc})") from None
    if len(out) > limit:
        of = f" of {what}" if what else ""
        raise SitemapError(f"over the {limit:,}-byte limit{of} once decompressed")
    if not decoder.eof:
        raise SitemapError("truncated gzip file")
    return out


def parse_date(value: str | None) -> datetime | None:
    """A W3C datetime as sitemaps write it ("2026-12-07", "2026-12-07T10:00Z", with seconds,
    fractions or an offset) in UTC; a date alone is its day's start; None when unreadable."""
    if not value:
        return None
    text = value.strip()
    if len(text) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(text)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # year 1 east of UTC is year 0 in UTC: no datetime
        return None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element) -> str | None:
    try:
        value = " ".join((element.text or "").split()) if element is not None else ""
    except UnicodeDecodeError:  # bytes a recovering parse kept as they came: no text
        return None
    return value or None


def _child(element, name: str):
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


#: "&" that starts no entity or character reference: a URL's query written unescaped, the
#: commonest fault of sitemaps in the wild ("?id=1&page=2"); escaped before parsing, since a
#: recovering parser would drop "&page" and fetch another page
_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z_][\w.-]{0,40}|#[0-9]{1,8}|#x[0-9A-Fa-f]{1,8});)")


def parse_sitemap(body: bytes) -> Sitemap:
    """The URLs (or child sitemaps) of a sitemap body. Read as a stream, each ``<url>``
    dropped once read (a 50,000-URL sitemap of 20 MB holds one entry in memory at a time),
    without entity expansion, DTDs or network access. Broken XML is read as far as the
    parser can recover, as feeds are (``problem`` says what was wrong); SitemapError when
    nothing of a sitemap can be read."""
    from lxml import etree

    body = _BARE_AMPERSAND.sub(b"&amp;", valid_character_references(body))
    events = etree.iterparse(io.BytesIO(body), events=("start", "end"), resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False, recover=True)
    kind = None
    urls: list[SitemapUrl] = []
    links: list[SitemapLink] = []
    dropped = 0
    try:
        for event, element in events:
            if kind is None:  # the root's start
                kind = _local(element.tag)
                if kind not in ("urlset", "sitemapindex"):
                    raise SitemapError(f"root element <{kind}> is no urlset or sitemapindex")
                continue
            if event != "end" or element.getparent() is None or \
                    element.getparent().getparent() is not None:
                continue  # only the root's children, once read whole
            name = _local(element.tag)
            if name == "url" and kind == "urlset":
                if len(urls) < MAX_URLS:
                    entry = _url(element)
                    if entry is not None:
                        urls.append(entry)
                else:
                    dropped += 1
            elif name == "sitemap" and kind == "sitemapindex":
                loc = _text(_child(element, "loc"))
                if loc is not None and len(links) < MAX_URLS:
                    links.append(SitemapLink(loc, _text(_child(element, "lastmod"))))
                elif loc is not None:
                    dropped += 1
            element.clear(keep_tail=False)
            while element.getprevious() is not None:  # what was read goes
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        if kind is None or _fatal(exc.msg):
            raise SitemapError(f"malformed sitemap XML: {_error_text(exc.msg, exc.lineno)}"
                               ) from None
    errors = list(events.error_log)
    problem = _error_text(errors[0].message, errors[0].line) if errors else None
    fatal = next((e for e in errors if _fatal(e.message)), None)
    if fatal is not None or (problem and not urls and not links):
        first = fatal or errors[0]
        raise SitemapError(f"malformed sitemap XML: {_error_text(first.message, first.line)}")
    if kind is None:
        raise SitemapError("malformed sitemap XML: no root element")
    if kind == "sitemapindex":
        return Sitemap(children=tuple(links), index=True, dropped=dropped, problem=problem)
    return Sitemap(urls=tuple(urls), dropped=dropped, problem=problem)


def _fatal(message: object) -> bool:
    """A parser stop that no recovery may read past: an entity bomb."""
    return "amplification" in str(message) or "entity" in str(message).lower() and \
        "loop" in str(message).lower()


def xml_error(message: object) -> str:
    """libxml2's message on one line (some are worded over two), without the line and column
    it repeats at its end, at most 200 characters: sitemaps' and OPML files' errors."""
    return re.sub(r"\s*,? line \d+, column \d+$", "", " ".join(str(message).split()))[:200]


def _error_text(message: object, line: object) -> str:
    where = f" (line {line})" if isinstance(line, int) and line > 0 else ""
    return f"{xml_error(message)}{where}"


def _url(element) -> SitemapUrl | None:
    loc = _text(_child(element, "loc"))
    if loc is None:
        return None
    news = _child(element, "news")
    title = published = outlet = None
    if news is not None:
        title = _text(_child(news, "title"))
        published = _text(_child(news, "publication_date"))
        publication = _child(news, "publication")
        if publication is not None:
            outlet = _text(_child(publication, "name"))
    return SitemapUrl(loc, title, published, _text(_child(element, "lastmod")), outlet)


def looks_like_article(url: str) -> bool:
    """Whether a page a general sitemap lists may be a report, not a site's own page: not its
    front page, nor what courlan knows as listings and furniture (tag, category, author and
    archive pages, logins, feeds, images and other files). A news sitemap lists articles
    only, so its pages are not asked."""
    from urllib.parse import urlsplit

    from courlan.filters import path_filter, type_filter

    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.path.strip("/") == "" and not parts.query:
        return False
    return (not _section_front(parts.path, parts.query) and type_filter(url, strict=True)
            and path_filter(parts.path, parts.query))


_DIGIT_OR_DOT = re.compile(r"[\d.]")


def _section_front(path: str, query: str) -> bool:
    """A section front or site page (``/politics/``, ``/world/europe``, ``/about-us``):
    at most two path segments, none with a digit, a dot or more than one hyphen, and no
    query. A report's address carries a slug of several words, a date or an id; none of the
    379 report addresses in the development data looks like this."""
    segments = [s for s in path.split("/") if s]
    return not query and 0 < len(segments) <= 2 and all(
        not _DIGIT_OR_DOT.search(s) and s.count("-") + s.count("_") <= 1 for s in segments)


def recent_urls(urls: Sequence[SitemapUrl], now: datetime,
                max_age: timedelta = MAX_AGE) -> tuple[list[SitemapUrl], int, int]:
    """(the URLs dated within ``max_age`` of ``now``, newest first; how many are undated;
    how many are older). A date in the future counts as now (clocks differ)."""
    dated: list[tuple[datetime, int, SitemapUrl]] = []
    undated = old = 0
    for n, url in enumerate(urls):
        when = url.when
        if when is None:
            undated += 1
        elif when < now - max_age:
            old += 1
        else:
            dated.append((min(when, now), -n, url))
    dated.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [url for _, _, url in dated], undated, old


def pick_children(children: Sequence[SitemapLink], now: datetime,
                  limit: int = MAX_CHILDREN, max_age: timedelta = MAX_AGE) -> list[str]:
    """The sitemaps of an index worth polling: not dated older than ``max_age`` (an archive
    month), those whose address says "news" first, then the most recently modified, then in
    the index's order; at most ``limit``."""
    ranked = []
    for n, link in enumerate(children):
        when = parse_date(link.modified)
        if when is not None and when < now - max_age:
            continue
        news = "news" in link.loc.lower()
        ranked.append((not news, -(when.timestamp() if when else float("-inf")), n, link.loc))
    ranked.sort()
    return list(dict.fromkeys(loc for *_, loc in ranked))[:limit]
