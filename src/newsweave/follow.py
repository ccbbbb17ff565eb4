"""Follow the news live: poll feeds, fetch each new entry's article page, store it.

A *source* is a feed URL, a sitemap URL (a news sitemap, or an index of sitemaps), a site URL
(its feeds are discovered from ``<link rel=alternate>``, else the sitemaps its robots.txt
names), an OPML file, or a text file of URLs. A *round* polls every due feed once (conditional
GET with the ETag/Last-Modified kept in the store), and for each entry not seen before, or
whose feed entry changed, fetches the article page through the polite client
(:mod:`newsweave.fetch`). A sitemap is polled as a feed (:mod:`newsweave.sitemaps`: its
recently dated pages are its entries).

Work is queued per origin and drained by a pool of threads, one origin per thread at a time,
so a slow or failing site holds up only its own queue. Each article is stored in its own
transaction together with the entry links that led to it, so a follower killed at any point
and restarted stores every article exactly once.

Identity is the canonical URL (the page's ``<link rel=canonical>`` when it is on the same
host, else the address fetched), normalised by courlan (tracking parameters, default ports)
without its fragment; the same URL with other text is a new revision, never a second article.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import io
import re
import sys
import threading
import time
import xml.sax
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from newsweave.errors import InputError, check_file
from newsweave.fetch import (
    DEFAULT_HOST_DELAY_S,
    DEFAULT_INTERVAL_S,
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT_S,
    HEAD_BYTES,
    Fetcher,
    FetchError,
    Paused,
    Response,
    Stopped,
    check_url,
    origin,
)
from newsweave.ingest import GZIP_MAGIC
from newsweave.language import reliable_language
from newsweave.models import Article
from newsweave.sitemaps import (
    INDEX_KIND,
    Sitemap,
    SitemapError,
    SitemapLink,
    gunzip,
    is_sitemap,
    looks_like_article,
    parse_sitemap,
    pick_children,
    recent_urls,
    size_limit,
    xml_error,
)
from newsweave.store import FeedState, Store
from newsweave.urls import canonical_url
from newsweave.wording import count

#: An entry link longer than this (UTF-8 bytes) is skipped: the store keys followed entries
#: by their link, and a PostgreSQL B-tree entry stops at 2,704 bytes
MAX_LINK_BYTES = 2000

#: Threads draining origin queues: origins beyond this wait for a free thread, never for
#: a slow origin in particular.
WORKERS = 8
#: Back-off of a failing feed: ``interval * 2**(failures-1)``, at most this long.
MAX_BACKOFF_S = 24 * 3600.0
#: Rounds in which the page of an entry stored from its feed teaser is tried again.
TEASER_RETRIES = 3
_TEASER_MARK = ":teaser-try-"
#: an entry link's recorded fingerprints (one per feed listing it differently), joined
_FINGERPRINTS_SEP = "|"
MAX_ENTRY_FINGERPRINTS = 4
#: Lines read from a text file of URLs, and outlines from an OPML file.
MAX_SOURCES = 10_000
#: New pages taken from one sitemap per round, newest first: a sitemap may date hundreds of
#: pages within its window; the rest wait for the next rounds (one request per site per
#: host delay, so a first round stays minutes long, not hours)
MAX_SITEMAP_NEW = 100
#: ... and from one feed: a feed of 3,000 entries (an archive served as RSS) took about 50
#: minutes of one round at the default host delay; the rest wait for the next rounds
MAX_FEED_NEW = 200
#: An index inside an index is followed (some sites nest by year, then month); deeper is not
MAX_INDEX_DEPTH = 2
#: Lines about entries skipped for their links, per feed and round; the rest are counted
SKIP_LINES = 5
#: Feeds followed of those a site's page announces (or its robots.txt names)
MAX_DISCOVERED = 20
#: Seconds a site's discovered feeds are used before its page is read again (a site adds a
#: feed, moves its sitemap): a day, so a follower that runs for weeks notices
REDISCOVER_S = 24 * 3600.0
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")

Reporter = Callable[[str], None]


# --------------------------------------------------------------------------- sources
def read_sources(args: Sequence[str],
                 on_error: Callable[[InputError], None] | None = None) -> list[str]:
    """The URLs named by the command line: URLs as given, OPML files' ``xmlUrl`` outlines,
    text files' lines (blank lines and ``#`` comments skipped). A bad file, line or outline
    raises InputError naming it; with ``on_error``, it is handed there and skipped, so one
    mistyped URL of a 200-feed subscription list does not stop the other 199. InputError
    when no usable URL is left."""

    def bad(error: InputError) -> None:
        if on_error is None:
            raise error
        on_error(error)

    urls: list[str] = []
    for arg in args:
        try:
            if "://" in arg or arg.lower().startswith("feed:"):
                urls.append(_check_url(arg, None, None))
                continue
            path = check_file(arg, "a SOURCE: a URL, an OPML file or a URL list")
            try:
                data = path.read_bytes()[: 16 * 1024 * 1024]
            except OSError as exc:
                raise InputError(f"cannot read file: {exc.strerror}", arg) from None
        except InputError as exc:
            bad(exc)
            continue
        read = _opml_urls if re.search(rb"<opml\b", data[:4096], re.I) else _list_urls
        try:
            urls.extend(read(data, arg, bad))
        except InputError as exc:  # the whole file: unreadable, or too many URLs
            bad(exc)
    if not urls:
        raise InputError("no usable source URLs given")
    return list(dict.fromkeys(urls))


def _check_url(url: str, path: str | None, line: int | None) -> str:
    """An http(s) URL a request can be made to (``feed:`` URLs, as browsers hand feeds on,
    read as the http(s) URL they wrap); InputError naming the file and line otherwise."""
    url = url.strip()
    lowered = url.lower()
    if lowered.startswith("feed://"):
        url = "http://" + url[len("feed://"):]
    elif lowered.startswith("feed:"):
        url = url[len("feed:"):]
    if not re.match(r"https?://", url, re.I):
        raise InputError(f"not an http(s) URL: {url[:200]!r}", path, line)
    try:
        check_url(url)
    except FetchError as exc:  # "http://[x", a host IDNA refuses, a port past 65535
        raise InputError(f"{exc.message}: {url[:200]!r}", path, line) from None
    return one_spelling(url)


def one_spelling(url: str) -> str:
    """A source URL as one spelling of it: scheme and host in lower case, "." and ".." taken
    out of the path, no fragment (the server never sees one). A list naming one feed as
    ".../rss.xml", ".../rss.xml#x" and "HTTP://..././rss.xml" had it polled three times a
    round and listed three times by ``feeds``."""
    parts = urlsplit(url)
    user, at, host = parts.netloc.rpartition("@")  # a password keeps its case
    root = urlunsplit((parts.scheme.lower(), user + at + host.lower(), "/", "", ""))
    resolved = urlsplit(urljoin(root, parts.path or "/"))
    return urlunsplit(resolved._replace(query=parts.query))


def _list_urls(data: bytes, path: str, bad: Callable[[InputError], None]) -> list[str]:
    from newsweave.charsets import user_text

    text = user_text(data, path, "save the list as UTF-8")
    urls = []
    for number, line in enumerate(text.splitlines(), 1):
        # a comment after the URL ("https://a.example/feed  # wire") is no part of it; a
        # fragment has no space before its "#"
        line = re.split(r"\s#", line, maxsplit=1)[0].strip()
        if line and not line.startswith("#"):
            try:
                urls.append(_check_url(line, path, number))
            except InputError as exc:
                bad(exc)
        if len(urls) > MAX_SOURCES:
            raise InputError(f"more than {MAX_SOURCES} URLs", path)
    return urls


def _opml_urls(data: bytes, path: str, bad: Callable[[InputError], None]) -> list[str]:
    """Feed URLs of an OPML subscription list; entities are never expanded and no DTD or
    network resource is loaded. Broken XML is read as far as the parser recovers (an
    exported list with one bad character keeps its other feeds): the first error goes to
    ``bad``, and is raised when no outline with an address could be read."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, recover=True)
    from newsweave.charsets import valid_character_references

    try:  # "&#xD800;" names no character: the recovering parser kept bytes no one decodes
        root = etree.fromstring(valid_character_references(data), parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise InputError(f"malformed OPML: {xml_error(exc.msg)}", path, line) from None
    errors = list(parser.error_log)
    broken = (InputError(f"malformed OPML: {xml_error(errors[0].message)}", path,
                         errors[0].line if errors[0].line > 0 else None) if errors else None)
    if root is None:
        raise broken or InputError("malformed OPML: no root element", path)
    urls = []
    listed = 0
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl") or outline.get("xmlurl")
        if url:
            listed += 1
            try:
                urls.append(_check_url(url, path, outline.sourceline))
            except InputError as exc:
                bad(exc)
        if len(urls) > MAX_SOURCES:
            raise InputError(f"more than {MAX_SOURCES} outlines", path)
    if not listed:
        raise broken or InputError("OPML file has no outline with an xmlUrl", path)
    if broken is not None:
        broken.message += f"; read as far as it goes: {listed} with an xmlUrl"
        bad(broken)
    return urls


# --------------------------------------------------------------------------- URLs
def discover_feeds(page: str, base: str) -> list[str]:
    """Feed URLs a page announces with ``<link rel="alternate" type="application/rss+xml">``
    (or Atom), resolved against ``base``; http(s) only."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.document_fromstring(page)
    except (ParserError, ValueError):
        return []
    found = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in _FEED_TYPES and href:
            url = urljoin(base, href)
            if urlsplit(url).scheme in ("http", "https"):
                found.append(url)
    return list(dict.fromkeys(found))


def resolve_link(base: str, link: str) -> tuple[str, str | None]:
    """(``link`` made absolute against ``base``, None) when it is an http(s) URL a request
    can be made to, else (the link, why not): "http://[x" or "http://a..b/" in a feed or a
    sitemap is one skipped entry, never an error that loses the rest of the feed."""
    try:
        link = urljoin(base, link)
        check_url(link)
    except ValueError as exc:
        return link, f"{link[:200]!r} is not a valid URL ({exc})"
    except FetchError as exc:
        return link, f"{link[:200]!r}: {exc.message}"
    return link, None


def _teaser_tries(recorded: str, fingerprint: str) -> int:
    """Failed page tries recorded for an entry stored from its teaser (0: the entry changed)."""
    prefix = fingerprint + _TEASER_MARK
    if recorded.startswith(prefix) and recorded[len(prefix):].isdigit():
        return int(recorded[len(prefix):])
    return 0


def _parse_utc(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)  # unreadable: due now
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _same_host(a: str, b: str) -> bool:
    return (urlsplit(a).hostname or "") == (urlsplit(b).hostname or "")


# --------------------------------------------------------------------------- decoding
def decode_page(response: Response) -> str:
    """An HTML body as text, by the rule files and WARC records follow too
    (:func:`newsweave.ingest.decode_html`): UTF-8, the declared charset, else windows-1252."""
    from newsweave.ingest import decode_html

    return decode_html(response.body, response.charset)


# --------------------------------------------------------------------------- report
@dataclass
class RoundReport:
    feeds: int = 0
    not_modified: int = 0
    backing_off: int = 0
    entries: int = 0  # new or changed entries seen
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    duplicates: int = 0
    teasers: int = 0  # stored from the feed's teaser (page failed)
    other_language: int = 0  # added in a language kept out of grouping
    deferred: int = 0  # new pages left for later rounds (``MAX_SITEMAP_NEW``, ``MAX_FEED_NEW``)
    paused: int = 0  # pages left for later rounds: their site asked for a pause (429)
    paused_sites: set[str] = field(default_factory=set, repr=False)  # said once a round
    #: feeds whose validators this round dropped (one write each, not one a waiting page)
    refetch_feeds: set[str] = field(default_factory=set, repr=False)
    failures: list[str] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.revised)

    def progress(self, seconds: float) -> str:
        """The round so far, for a person watching a long one (the summary comes at its end)."""
        return (f"following: {count(self.feeds, 'feed')}, {count(self.entries, 'entry')}, "
                f"{self.added} added, {self.revised} revised, "
                f"{count(len(self.failures), 'failure')} ({seconds:.0f} s)")

    def summary(self) -> str:
        return (
            f"round: {count(self.feeds, 'feed')} polled ({self.not_modified} not modified, "
            f"{self.backing_off} backing off), {self.entries} new or changed "
            f"{'entry' if self.entries == 1 else 'entries'}: {count(self.added, 'article')} "
            f"added, {self.revised} revised, {self.unchanged} unchanged, "
            f"{count(self.duplicates, 'duplicate')}; "
            + (f"{self.deferred} {'page' if self.deferred == 1 else 'pages'} over a feed's or "
               "sitemap's cap left for the next rounds; " if self.deferred else "")
            + (f"{self.paused} {'page' if self.paused == 1 else 'pages'} left for the next "
               "rounds at sites that asked for a pause; " if self.paused else "")
            + f"{self.teasers} from feed teasers; "
            f"{self.other_language} not in the grouped languages; "
            f"{count(len(self.failures), 'failure')}"
            f" ({self.seconds:.1f} s)"
        )


_STDERR_LOCK = threading.Lock()


def _stderr_line(line: str) -> None:
    """One line on stderr in one write: the workers' lines never run into each other
    (``print`` writes the text and its newline apart: "...not fetchednewsweave: follow: ...")."""
    with _STDERR_LOCK:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


@dataclass(frozen=True)
class _Entry:
    feed_url: str
    outlet: str | None
    link: str
    key: str  # canonical form of the link
    fingerprint: str
    title: str | None
    teaser: str
    published: str | None
    updated: str | None
    from_sitemap: bool = False


# --------------------------------------------------------------------------- the follower
#: a site's next turn further off than this frees the worker for other sites meanwhile
HANDOFF_S = 0.05


@dataclass
class _PageTally:
    """How the pages of one feed's poll fared (``Store.set_page_health``)."""

    tried: int = 0
    failed: int = 0
    error: str | None = None


class _OriginQueues:
    """Tasks queued per origin, each origin drained by at most one pool thread at a time. A
    worker never sleeps through a site's pacing (``--host-delay``, a Crawl-delay) between its
    tasks: the site's queue is taken up again when its turn comes (``wait_before``), and the
    worker serves other sites meanwhile (eight slow sites held every worker, and the other
    feeds waited 30 s)."""

    def __init__(self, pool: ThreadPoolExecutor, stop: threading.Event,
                 on_error: Callable[[str, BaseException], None],
                 wait_before: Callable[[str], float] | None = None) -> None:
        self.pool = pool
        self.stop = stop
        self.on_error = on_error
        self.wait_before = wait_before
        self.queues: dict[str, deque[tuple[str, Callable[[], None]]]] = {}
        self.active: set[str] = set()
        self.pending = 0
        self.cond = threading.Condition()

    def submit(self, url: str, task: Callable[[], None]) -> None:
        key = origin(url)
        with self.cond:
            self.queues.setdefault(key, deque()).append((url, task))
            self.pending += 1
            if key in self.active:
                return
            self.active.add(key)
        self.pool.submit(self._drain, key)

    def _drain(self, key: str) -> None:
        while True:
            with self.cond:
                queue = self.queues[key]
                if not queue:
                    self.active.discard(key)
                    return
                url = queue[0][0]
                wait = (self.wait_before(url) if self.wait_before is not None
                        and not self.stop.is_set() else 0.0)
                if wait > HANDOFF_S:  # the site stays active: resumed when its turn comes
                    threading.Thread(target=self._resume, args=(key, wait), daemon=True,
                                     name="follow-wait").start()
                    return
                url, task = queue.popleft()
            try:
                if not self.stop.is_set():
                    task()
            except Stopped:
                pass
            except Exception as exc:  # noqa: BLE001 - one bad page must not end the round
                self.on_error(url, exc)
            finally:
                with self.cond:
                    self.pending -= 1
                    self.cond.notify_all()

    def _resume(self, key: str, wait: float) -> None:
        self.stop.wait(wait)  # a stop resumes it at once (its tasks are then skipped)
        self.pool.submit(self._drain, key)

    def wait(self) -> None:
        with self.cond:
            while self.pending:
                self.cond.wait(0.5)


class Follower:
    """Polls sources round after round into ``store`` (thread-safe store, one fetcher)."""

    def __init__(
        self,
        store: Store,
        sources: Sequence[str],
        interval: float = DEFAULT_INTERVAL_S,
        host_delay: float = DEFAULT_HOST_DELAY_S,
        contact: str | None = None,
        languages: Sequence[str] = ("en",),
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = DEFAULT_TIMEOUT_S,
        deadline: float | None = None,
        workers: int = WORKERS,
        report: Reporter | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.sources = list(sources)
        self.interval = interval
        self.languages = tuple(languages)
        self.workers = max(1, workers)
        self.stop = stop or threading.Event()
        self.report = report or _stderr_line
        #: the round under way (its counts grow as it goes), for a progress line; None between
        self.current: RoundReport | None = None
        self.fetcher = Fetcher(
            contact=contact, host_delay=host_delay, timeout=timeout,
            deadline=deadline if deadline is not None else max(3 * timeout, timeout + 10),
            max_bytes=max_bytes, stop=self.stop, trusted_origins=self.sources,
        )
        # site URL -> (its feeds or sitemaps, when they were found: time.monotonic())
        self._discovered: dict[str, tuple[list[str], float]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.fetcher.close()

    # ----------------------------------------------------------------------- rounds
    def run_round(self) -> RoundReport:
        """Poll every due feed once and store what is new; failures are reported one line
        each (and listed in the report), never raised."""
        started = time.monotonic()
        report = RoundReport()
        self.current = report
        seen: set[str] = set()

        def fail(message: str) -> None:
            with self._lock:
                report.failures.append(message)
            self.report(f"newsweave: follow: {message}")

        def on_error(url: str, exc: BaseException) -> None:
            if isinstance(exc, FetchError):
                fail(str(exc))
            elif type(exc).__module__.startswith(("sqlalchemy", "sqlite3", "psycopg")):
                orig = getattr(exc, "orig", None) or exc  # the driver's words, not the SQL
                detail = " ".join(str(orig).split("\n")[0].split())[:300]
                fail(f"{url}: store error: {getattr(self.store, 'shown', 'store')}: {detail}")
            else:  # a bug: named, one line, the round goes on
                fail(f"{url}: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}")

        now = datetime.now(UTC)
        for site, until in self.store.site_pauses(now.isoformat(timespec="seconds")).items():
            self.fetcher.pause(site, _parse_utc(until))  # asked for in an earlier run
        with ThreadPoolExecutor(self.workers, thread_name_prefix="follow") as pool:
            queues = _OriginQueues(pool, self.stop, on_error, self.fetcher.wait_before)
            for url in self.sources:
                queues.submit(url, lambda u=url: self._poll_source(u, queues, report, seen, fail))
            try:
                queues.wait()
            except KeyboardInterrupt:
                self.stop.set()
                queues.wait()
        report.seconds = time.monotonic() - started
        report.stopped = self.stop.is_set()
        self.current = None
        return report

    def run_forever(self, after_round: Callable[[RoundReport], Any] | None = None,
                    on_round: Callable[[RoundReport], None] | None = None) -> None:
        """Rounds every ``interval`` seconds until ``stop`` is set (Ctrl-C, SIGTERM). After a
        round that stored something, ``after_round`` runs (and again after the next rounds
        while it returns False, so a failed update is retried). ``interval`` runs from the start
        of one round to the start of the next, the update included: an update that takes longer
        than the interval is followed by the next round at once, not by another interval."""
        dirty = False
        while not self.stop.is_set():
            started = time.monotonic()
            report = self.run_round()
            if on_round is not None:
                on_round(report)
            dirty = dirty or report.changed
            if after_round is not None and dirty and not self.stop.is_set():
                dirty = after_round(report) is False
            self.stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    # ----------------------------------------------------------------------- feeds
    def _poll_source(self, url: str, queues: _OriginQueues, report: RoundReport,
                     seen: set[str], fail: Reporter) -> None:
        found = self._discovered.get(url)
        if found is not None and time.monotonic() - found[1] < REDISCOVER_S:
            self._follow(found[0], url, url, queues, report, seen, fail, 0)
            return
        self._poll_feed(url, queues, report, seen, fail, site_ok=True)

    def _poll_feed(self, url: str, queues: _OriginQueues, report: RoundReport, seen: set[str],
                   fail: Reporter, site_ok: bool = False, depth: int = 0,
                   found_on: str | None = None) -> None:
        with self._lock:  # a feed named twice (or an index listing itself) is polled once
            if "feed " + url in seen:
                return
            seen.add("feed " + url)
        state = self.store.feed_state(url) or FeedState(url=url, found_on=found_on)
        now = datetime.now(UTC)
        if state.next_poll and _parse_utc(state.next_poll) > now:
            with self._lock:
                report.backing_off += 1
            return
        with self._lock:
            report.feeds += 1
        # a sitemap index asks without validators: its 304 would leave its sitemaps unpolled
        # (a static index file answers 304 for ever while the news sitemap it lists changes)
        conditional = state.kind != INDEX_KIND
        try:
            response = self.fetcher.get(url, state.etag if conditional else None,
                                        state.last_modified if conditional else None,
                                        FEED_ACCEPT, limit_for=self._size_limit)
            if response.not_modified:
                with self._lock:
                    report.not_modified += 1
                state = self._feed_ok(state, response)
                if state.last_new is None:  # polled before schema 13: its quiet count starts
                    self.store.save_feed_state(replace(state, last_new=state.checked_at))
                return
            body = response.body
            if body.startswith(GZIP_MAGIC):  # a sitemap.xml.gz served as a file
                body = self._gunzipped(url, body)
            sitemap = None
            kind = "site"
            if is_sitemap(body):
                try:
                    sitemap = parse_sitemap(body)
                except SitemapError as exc:
                    raise FetchError(url, str(exc)) from None
                kind = sitemap.kind
                entries = self._sitemap_entries(url, sitemap, response.url, now)
            else:
                read = self._entries(url, response, body)
                kind, entries = read if read is not None else ("site", None)
            if entries is None:  # an HTML page: a site, whose feeds we look for
                feeds = self._usable(
                    url, response.url,
                    discover_feeds(decode_page(response), response.url) if site_ok else [])
                if site_ok and not feeds:  # no feed: the sitemaps its robots.txt names
                    feeds = pick_children([SitemapLink(u) for u in self._usable(
                        url, response.url, self.fetcher.sitemaps(response.url))], now)
                feeds = feeds[:MAX_DISCOVERED]
                if not feeds:
                    raise FetchError(url, "not an RSS or Atom feed or a sitemap, and no feed "
                                          "link or robots.txt sitemap found")
                self._discovered[url] = (feeds, time.monotonic())
                # a site's page keeps no validators: its 304 would leave its feeds unpolled
                self._feed_ok(state, response, kind, validators=False)
                self._follow(feeds, url, response.url, queues, report, seen, fail, depth)
                with self._lock:
                    report.feeds -= 1
                return
        except Paused as exc:  # its site's pause, asked on another request: not polled now
            with self._lock:
                report.feeds -= 1
                report.backing_off += 1
                first = origin(exc.url) not in report.paused_sites
                report.paused_sites.add(origin(exc.url))
            if first:
                self.report(f"newsweave: follow: {exc}")
            return
        except FetchError as exc:
            # failed after a redirect: the listed address first, as `feeds` lists it
            moved = f" (redirected to {exc.url})" if exc.url != url else ""
            if exc.pause_until is not None:  # the site's, for every run and every feed of it
                self.store.save_site_pause(origin(exc.url),
                                           exc.pause_until.isoformat(timespec="seconds"))
            self._feed_failed(state, f"{exc.message}{moved}", exc.pause_until)
            fail(f"{url}{moved}: {exc.message}")
            return
        # the validators wait until every new entry is handled: a round stopped, killed or
        # failing to store would otherwise leave them behind a 304 until the feed changes
        index = sitemap is not None and sitemap.index
        state = self._feed_ok(state, response, kind, validators=False)
        if index:
            if depth >= MAX_INDEX_DEPTH:
                fail(f"{url}: a sitemap index inside {count(depth, 'other')}: its sitemaps "
                     "are not followed")
                return
            usable = set(self._usable(url, response.url, [c.loc for c in sitemap.children]))
            children = pick_children(
                [replace(c, loc=urljoin(response.url, c.loc)) for c in sitemap.children
                 if c.loc in usable], now)
            self._follow(children, url, response.url, queues, report, seen, fail, depth + 1)
            return
        todo: list[tuple[_Entry, int]] = []
        deferred = False
        wanted: list[tuple[_Entry, int, bool]] = []  # (entry, tries, seen before)
        for entry in entries:
            with self._lock:
                if entry.key in seen:
                    continue
                seen.add(entry.key)
            known = self.store.followed_entry(entry.key)
            tries = 0
            if known is not None:
                if entry.fingerprint in known[0].split(_FINGERPRINTS_SEP):
                    continue  # as one of the feeds that carry it last listed it
                tries = _teaser_tries(known[0], entry.fingerprint)
            wanted.append((entry, tries, known is not None))
        # the cap takes pages never fetched first (newest first), then changed ones: a CMS
        # writing every <lastmod> as the time it made the sitemap spent the whole cap on
        # pages already stored, every round, and the rest never came
        wanted.sort(key=lambda w: w[2])
        for entry, tries, _known in wanted:
            if len(todo) >= (MAX_SITEMAP_NEW if entry.from_sitemap else MAX_FEED_NEW):
                with self._lock:  # the newest were taken; the next rounds take these
                    seen.discard(entry.key)
                    report.deferred += 1
                deferred = True
                continue
            todo.append((entry, tries))
        if todo or state.last_new is None:  # for `newsweave feeds`: a feed that answers
            # but has gone quiet shows it (its first poll starts the count)
            self.store.save_feed_state(replace(state, last_new=state.checked_at))
        if deferred:  # a 304 next round would leave them waiting until the sitemap changes
            self._refetch_next_round(url, report)
        elif not todo:
            self._keep_validators(url, response, [])
        left = [len(todo)]
        tally = _PageTally()
        for entry, tries in todo:  # after the state is saved: a page may forget its validators
            with self._lock:
                report.entries += 1
            queues.submit(entry.link, lambda e=entry, t=tries: self._fetch_then_settle(
                e, report, fail, t, left, response, [e for e, _ in todo], tally))

    def _fetch_then_settle(self, entry: _Entry, report: RoundReport, fail: Reporter,
                           tries: int, left: list[int], response: Response,
                           entries: Sequence[_Entry], tally: _PageTally) -> None:
        """Fetch one entry's article; after its feed's last one, keep the feed's validators
        if every entry of the poll is recorded and none waits for the next round, and store
        how its pages fared (``newsweave feeds``)."""
        problems: list[str] = []

        def fail_one(message: str) -> None:
            problems.append(message)
            fail(message)

        try:
            self._fetch_article(entry, report, fail_one, tries, problems)
        finally:
            with self._lock:
                tally.tried += 1
                if problems:
                    tally.failed += 1
                    tally.error = problems[-1]
                left[0] -= 1
                done = left[0] == 0
                last = done and entry.feed_url not in report.refetch_feeds
            if done and not self.stop.is_set():
                self.store.set_page_health(entry.feed_url, tally.tried, tally.failed,
                                           tally.error)
            if last and not self.stop.is_set():
                self._keep_validators(entry.feed_url, response, entries)

    def _keep_validators(self, url: str, response: Response,
                         entries: Sequence[_Entry]) -> None:
        """The poll's ETag and Last-Modified, stored when each of ``entries`` is recorded
        as handled (stored, a duplicate, given up on): a 304 then loses nothing."""
        if not (response.etag or response.last_modified):
            return
        if any(e.fingerprint not in (self.store.followed_entry(e.key) or ("",))[0].split(
                _FINGERPRINTS_SEP) for e in entries):
            return
        self.store.set_feed_validators(url, response.etag, response.last_modified)

    def _follow(self, feeds: Sequence[str], found_on: str, base: str, queues: _OriginQueues,
                report: RoundReport, seen: set[str], fail: Reporter, depth: int) -> None:
        """Poll ``feeds`` (found on the source ``found_on``, whose address after redirects is
        ``base``: a site's links, its robots.txt, an index) in their origins' queues; those on
        ``base``'s own origin are the user's site, so a private address is as trusted as the
        source itself."""
        for feed in feeds:
            if origin(feed) == origin(base):
                self.fetcher.trust(feed)
        for feed in feeds:
            queues.submit(feed, lambda f=feed: self._poll_feed(
                f, queues, report, seen, fail, depth=depth, found_on=found_on))

    def _usable(self, url: str, base: str, links: Sequence[str]) -> list[str]:
        """The ``links`` (feeds or sitemaps ``url`` names) that can be fetched, as given;
        the others skipped with a line each (the first ``SKIP_LINES``)."""
        usable, skipped = [], [0]
        for link in links:
            if self._entry_link(url, base, link, None, skipped, "listed") is not None:
                usable.append(link)
        self._more_skipped(url, skipped)
        return usable

    def _size_limit(self, head: bytes) -> tuple[int, str]:
        """A sitemap's size limit (up to the protocol's 50 MB) or a feed's (``--max-bytes``),
        told from the body's first bytes."""
        return size_limit(head, self.fetcher.max_bytes)

    def _gunzipped(self, url: str, body: bytes) -> bytes:
        try:
            return gunzip(body, *self._size_limit(body[:HEAD_BYTES]))
        except SitemapError as exc:
            raise FetchError(url, str(exc)) from None

    def _feed_ok(self, state: FeedState, response: Response, kind: str | None = None,
                 validators: bool = True) -> FeedState:
        """Record a good poll (and return it); ``validators=False`` keeps no ETag or
        Last-Modified."""
        saved = replace(
            state, kind=kind or state.kind,
            etag=(response.etag or state.etag) if validators else None,
            last_modified=((response.last_modified or state.last_modified) if validators
                           else None),
            failures=0, next_poll=None, last_status=str(response.status),
            checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.store.save_feed_state(saved)
        return saved

    def _feed_failed(self, state: FeedState, message: str,
                     pause_until: datetime | None = None) -> None:
        """Back off: ``interval × 2^(failures−1)``, at most a day, and not before the time the
        site asked for (429 or 503 with Retry-After)."""
        failures = state.failures + 1
        wait = min(self.interval * 2 ** (failures - 1), MAX_BACKOFF_S)
        now = datetime.now(UTC)
        next_poll = now + timedelta(seconds=wait)
        if pause_until is not None:
            next_poll = max(next_poll, pause_until)
        self.store.save_feed_state(replace(
            state, failures=failures, last_status=message[:200],
            next_poll=next_poll.isoformat(timespec="seconds"),
            checked_at=now.isoformat(timespec="seconds"),
        ))

    def _entries(self, url: str, response: Response,
                 body: bytes) -> tuple[str, list[_Entry]] | None:
        """What a feed body is ("RSS feed", "Atom feed" or "feed") and its entries; None when
        the body is an HTML page (not a feed).

        feedparser parses with expat, which refuses external entities and caps entity
        amplification (billion laughs), and its loose fallback expands only character
        references; entry HTML is sanitized by feedparser before we read its text."""
        import feedparser

        from newsweave.charsets import valid_character_references
        from newsweave.ingest import _sniff, entry_times, feed_entry_text

        head = body[:8192]
        kind = _sniff(head)
        if kind == "html" or (kind is None and b"<html" in head.lower()):
            return None
        # a stream, never a string: feedparser would open a string naming a URL or a file
        parsed = feedparser.parse(io.BytesIO(valid_character_references(body)),
                                  sanitize_html=True,
                                  resolve_relative_uris=True,
                                  response_headers={"content-location": response.url})
        error = parsed.get("bozo_exception")
        if not parsed.get("version") and not parsed.entries:
            why = f": {' '.join(str(error).split())[:200]}" if error else ""
            raise FetchError(url, f"malformed or not a feed{why}")
        if isinstance(error, xml.sax.SAXParseException):
            # feedparser's loose parser recovered what it could: reported, and used
            self.report(f"newsweave: follow: {url}: malformed feed XML: {error.getMessage()} "
                        f"(line {error.getLineNumber()}); {len(parsed.entries)} entries read")
        outlet = " ".join((parsed.feed.get("title") or "").split())[:200] or None
        out = []
        skipped = [0]
        for raw in parsed.entries:
            link = (raw.get("link") or "").strip()
            title = " ".join(htmllib.unescape(raw.get("title") or "").split())[:500] or None
            link = self._entry_link(url, response.url, link, title, skipped)
            if link is None:
                continue
            body = ""
            for content in raw.get("content") or []:
                body = content.get("value") or ""
                if body.strip():
                    break
            body = body if body.strip() else (raw.get("summary") or "")
            teaser = feed_entry_text(body)
            published, updated = entry_times(raw)
            fingerprint = hashlib.sha1(
                "\0".join([title or "", published or "", updated or "", teaser]).encode()
            ).hexdigest()
            out.append(_Entry(url, outlet, link, canonical_url(link), fingerprint, title, teaser,
                              published, updated if updated != published else None))
        self._more_skipped(url, skipped)
        version = parsed.get("version") or ""
        kind = ("RSS feed" if version.startswith("rss") else
                "Atom feed" if version.startswith("atom") else "feed")
        return kind, out

    def _entry_link(self, url: str, base: str, link: str, title: str | None,
                    skipped: list[int], what: str = "entry") -> str | None:
        """An entry's link resolved against the feed's address; None when it is missing, not
        http(s) or too long to key: one line each for the first ``SKIP_LINES`` of a feed,
        then only counted in ``skipped`` (a hostile feed of 50,000 bad links is not 50,000
        lines a round)."""
        why = None
        if not link:
            why = f"{what} {title or '(untitled)'!r} has no link"
        else:
            link, why = resolve_link(base, link)
            if why is None and len(link.encode("utf-8", "surrogatepass")) > MAX_LINK_BYTES:
                why = (f"an entry link of {len(link):,} characters is over the "
                       f"{MAX_LINK_BYTES:,}-byte limit")
            elif why is not None:
                why = f"{what} link {why}"
        if why is None:
            return link
        skipped[0] += 1
        if skipped[0] <= SKIP_LINES:
            self.report(f"newsweave: follow: {url}: {why}: skipped")
        return None

    def _more_skipped(self, url: str, skipped: list[int]) -> None:
        if skipped[0] > SKIP_LINES:
            self.report(f"newsweave: follow: {url}: {skipped[0] - SKIP_LINES:,} more entries "
                        "skipped for their links")

    def _sitemap_entries(self, url: str, sitemap: Sitemap, base: str,
                         now: datetime) -> list[_Entry]:
        """The pages a sitemap dates within its window, newest first, as feed entries with
        no teaser (the page gives the text); none for an index (its sitemaps are polled).
        Their dates stay as written (cut to 100 characters) until a page is fetched: a
        sitemap may date thousands of pages of which a round fetches ``MAX_SITEMAP_NEW``."""
        if sitemap.dropped:
            self.report(f"newsweave: follow: {url}: sitemap lists more than "
                        f"{len(sitemap.urls) + len(sitemap.children):,} entries: "
                        f"{sitemap.dropped:,} more not read")
        if sitemap.problem:  # read as far as the parser recovered, as a feed is
            read = count(len(sitemap.children) if sitemap.index else len(sitemap.urls),
                         "sitemap" if sitemap.index else "page")
            self.report(f"newsweave: follow: {url}: malformed sitemap XML: {sitemap.problem}; "
                        f"{read} read")
        if sitemap.index:
            return []
        urls, undated, _old = recent_urls(sitemap.urls, now)
        if not urls and undated:
            self.report(f"newsweave: follow: {url}: the sitemap dates none of its "
                        f"{count(undated, 'page')} (no <lastmod> or news publication date), "
                        "so none can be told new: nothing taken")
        out = []
        skipped = [0]
        listings = 0
        for item in urls:
            title = item.title[:500] if item.title else None
            link = self._entry_link(url, base, item.loc, title, skipped)
            if link is None:
                continue
            if item.published is None and title is None and not looks_like_article(link):
                listings += 1  # a general sitemap's front page, a section, tag or author page
                continue
            published = item.published[:100] if item.published else None
            updated = item.modified[:100] if item.modified else None
            fingerprint = hashlib.sha1(
                "\0".join([title or "", published or "", updated or "", ""]).encode()
            ).hexdigest()
            out.append(_Entry(url, item.outlet[:200] if item.outlet else None, link,
                              canonical_url(link), fingerprint, title, "", published,
                              updated if updated != published else None, from_sitemap=True))
        self._more_skipped(url, skipped)
        if listings and not out:
            self.report(f"newsweave: follow: {url}: none of the sitemap's "
                        f"{count(listings, 'recent page')} looks like a report (front page, "
                        "section fronts, tag, author or archive pages, files): nothing taken")
        return out

    # ----------------------------------------------------------------------- articles
    def _paused(self, exc: FetchError, report: RoundReport) -> None:
        """A page whose site asked for a pause (429) waits for a later round (no teaser
        stored, no try counted): one line per site and round; the pause is kept in the
        store, so the next run (a cron job's `--once`) does not ask the site either."""
        if exc.pause_until is not None and not isinstance(exc, Paused):
            self.store.save_site_pause(origin(exc.url),
                                       exc.pause_until.isoformat(timespec="seconds"))
        with self._lock:
            report.paused += 1
            first = origin(exc.url) not in report.paused_sites
            report.paused_sites.add(origin(exc.url))
        if first:
            self.report(f"newsweave: follow: {exc}: its pages wait for a later round")

    def _refetch_next_round(self, feed_url: str, report: RoundReport) -> None:
        """Have ``feed_url`` fetched in full next round (an entry of it waits: a page to
        retry, a paused site, a sitemap's surplus), with one write a round however many of
        its pages wait."""
        with self._lock:
            if feed_url in report.refetch_feeds:
                return
            report.refetch_feeds.add(feed_url)
        self.store.forget_feed_validators(feed_url)

    def _fetch_article(self, entry: _Entry, report: RoundReport, fail: Reporter,
                       tries: int = 0, problems: list[str] | None = None) -> None:
        """Fetch, extract and store one entry's article. ``tries``: earlier rounds in which
        its page failed and the teaser was kept (the page is retried ``TEASER_RETRIES``
        times, then the teaser stays)."""
        from newsweave.ingest import article_id, day_of, normalise_timestamp, parse_html

        article: Article | None = None
        final = entry.link
        text_from = "page"
        try:
            response = self.fetcher.get(entry.link, accept=PAGE_ACCEPT)
            final = response.url
            article = parse_html(decode_page(response), path=None, url=None)
        except (FetchError, InputError) as exc:
            if isinstance(exc, FetchError) and exc.pause_until is not None:
                self._paused(exc, report)
                self._refetch_next_round(entry.feed_url, report)
                if problems is not None:  # for the feed's health: its pages wait
                    problems.append(str(exc))
                return
            if isinstance(exc, FetchError) and exc.message == "stopped" or self.stop.is_set():
                # the user's stop, no page failure (a page in flight that timed out while
                # stopping too: its teaser was stored): fetched whole on the next run
                return
            where = entry.link
            lasting = isinstance(exc, FetchError) and exc.lasting
            if isinstance(exc, FetchError):
                why = exc.message
                if exc.url != entry.link:  # failed after a redirect: say where
                    where = f"{entry.link} (redirected to {exc.url})"
            else:
                why = exc.message
            if lasting:  # a private address, a page robots.txt disallows: never asked again
                tries = TEASER_RETRIES  # (it was, three more rounds, the feed asked in full)
            if not entry.teaser.strip():
                lister = "a sitemap gives no text" if entry.from_sitemap else (
                    "the feed has no text for it either")
                if lasting:
                    self.store.mark_entries([entry.key], entry.fingerprint)
                    fail(f"{where}: {why}; {lister}: skipped")
                elif tries < TEASER_RETRIES:  # a page failing once (a 500, a timeout) is tried
                    # again in the next rounds, as a teaser's page is, even behind a 304
                    self.store.mark_entries(
                        [entry.key], f"{entry.fingerprint}{_TEASER_MARK}{tries + 1}")
                    self._refetch_next_round(entry.feed_url, report)
                    fail(f"{where}: {why}; {lister}: tried again next round")
                else:
                    self.store.mark_entries([entry.key], entry.fingerprint)
                    fail(f"{where}: {why}; {lister}: skipped after "
                         f"{TEASER_RETRIES + 1} tries")
                return
            fail(f"{where}: {why}; kept the feed's teaser instead")
            text_from = "feed"
        page_canonical = article.url if article is not None else None
        identity = final
        if page_canonical:  # the page's own canonical address, on its host, if usable
            canonical, why = resolve_link(final, page_canonical)
            if why is None and _same_host(canonical, final):
                identity = canonical
        key = canonical_url(identity)
        if article is None:
            article = Article(id="", text=entry.teaser, title=entry.title)
        if entry.from_sitemap:  # dates as the sitemap wrote them: normalised now, when used
            entry = replace(entry, published=normalise_timestamp(entry.published),
                            updated=normalise_timestamp(entry.updated))
        published = article.published
        if entry.published and (
            published is None or (len(published) == 10 and day_of(entry.published) == published)
        ):
            published = entry.published  # the feed's time, with the offset it was written in
        updated = article.updated or entry.updated
        article = replace(
            article,
            id=article_id("url " + key),
            title=article.title or entry.title,
            outlet=article.outlet or entry.outlet,
            published=published,
            updated=updated if updated != published else None,
            url=key,
            path=None,
            language=reliable_language(article.text),
        )
        links = [entry.key, key, canonical_url(final)]
        mark = entry.fingerprint
        if text_from == "feed" and tries < TEASER_RETRIES:
            mark = f"{entry.fingerprint}{_TEASER_MARK}{tries + 1}"  # the page is retried,
            self._refetch_next_round(entry.feed_url, report)  # even when the feed is a 304
        from sqlalchemy.exc import IntegrityError

        previous = self.store.followed_entry(entry.key)
        try:
            outcome, stored_id = self.store.save_followed(
                article, key, links, mark, text_from=text_from
            )
        except IntegrityError:  # another worker stored the same URL a moment ago: now a lookup
            outcome, stored_id = self.store.save_followed(
                article, key, links, mark, text_from=text_from
            )
        with self._lock:
            if outcome == "added":
                report.added += 1
                report.new_ids.append(stored_id)
                if text_from == "feed":
                    report.teasers += 1
                if article.language and article.language not in self.languages:
                    report.other_language += 1
            elif outcome in ("revised", "retitled"):
                report.revised += 1
                report.new_ids.append(stored_id)
            elif outcome in ("unchanged", "shrunk"):
                report.unchanged += 1
            else:
                report.duplicates += 1
        if (outcome == "unchanged" and mark == entry.fingerprint and previous is not None
                and previous[1] == stored_id and _TEASER_MARK not in previous[0]):
            # the same page listed by several feeds under their own headlines: each feed's
            # listing is remembered, so none of them has it fetched again every round
            kept = dict.fromkeys([mark, *previous[0].split(_FINGERPRINTS_SEP)])
            self.store.mark_entries(links, _FINGERPRINTS_SEP.join(
                list(kept)[:MAX_ENTRY_FINGERPRINTS]), stored_id)
        if outcome == "duplicate" and tries < TEASER_RETRIES:
            self._same_site_copy(entry, links, stored_id, final, key, tries, report)
        if outcome == "shrunk":
            self.report(f"newsweave: follow: {final}: the page now reads as "
                        f"{count(len(article.text.split()), 'word')}, a small part of the "
                        "stored text (a broken or emptied page?): kept the stored text")

    def _same_site_copy(self, entry: _Entry, links: Sequence[str], other_id: str,
                        final: str, key: str, tries: int, report: RoundReport) -> None:
        """A new page of a site whose text is that of another page of the same site: a
        cookie wall, a maintenance or error page answered with 200 rather than a report
        filed twice. It is said, and the page tried again in the next rounds (up to
        ``TEASER_RETRIES``), not marked handled for good at the wall's text."""
        from newsweave.outlets import registered_domain

        other = self.store.get_article(other_id)
        if other is None or not other.url or canonical_url(other.url) == key:
            return
        site = registered_domain(final)
        if not (_same_host(other.url, final) or (
                site is not None and registered_domain(other.url) == site)):
            return
        self.store.mark_entries(links, f"{entry.fingerprint}{_TEASER_MARK}{tries + 1}",
                                other_id)
        self.store.forget_entries([canonical_url(other.url)])  # stored with the wall's text
        self._refetch_next_round(entry.feed_url, report)
        self.report(f"newsweave: follow: {final}: the same text as {other.url}, on the same "
                    "site (a cookie wall or an error page?): tried again next round")


# --------------------------------------------------------------------------- after a round
def _after_round(store: Store, languages: Iterable[str] | None = ("en",),
                 **progress: Callable[..., None]) -> Any:
    """The incremental update after a round that stored something (``app.update``: group the
    new articles, re-weave the stories that changed). ``progress``: ``app.update``'s
    ``on_total`` / ``on_story`` callbacks (the benchmark times each story's weave with them)."""
    from newsweave import app

    return app.update(store, languages=None if languages is None else tuple(languages),
                      **progress)
