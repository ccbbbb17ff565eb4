"""`newsweave follow` (poll feeds into a store), `newsweave feeds` (how each followed feed
fares) and `newsweave articles` (export the store)."""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from newsweave.cli_utils import show_progress
from newsweave.errors import InputError

#: Columns of `newsweave articles`, in order.
ARTICLE_COLUMNS = (
    "id", "url", "title", "outlet", "author", "published", "updated", "language", "text",
    "revisions", "text_from", "label",  # label: the article contract's, an evaluation's key
)


#: Upper bounds of the follower's options: a week between rounds or requests to one site, an
#: hour per request, 1 GiB per response (held in memory).
MAX_INTERVAL_S = 7 * 24 * 3600.0
MAX_TIMEOUT_S = 3600.0
MAX_BYTES_OPTION = 1024**3


def parse_languages(value: str | None) -> tuple[str, ...]:
    """``--languages en,fr`` as ISO 639-1 codes; ``all`` for every language."""
    if value is None:
        return ("en",)
    codes = tuple(dict.fromkeys(c.strip().lower() for c in value.split(",") if c.strip()))
    if not codes or any(not re.fullmatch(r"[a-z]{2,3}|all", c) for c in codes):
        raise InputError(f"--languages: expected codes like en,fr (got {value!r})")
    return codes


def _positive(value: float, flag: str, most: float, zero_ok: bool = False) -> None:
    """A number within (0 or above 0) .. ``most``: "nan" and "inf" parse as floats, and
    reached the round as errors (a NaN timeout) or as waits that never end."""
    if not math.isfinite(value):
        raise InputError(f"{flag} must be a number (got {value!r})")
    if value < 0 or (value == 0 and not zero_ok):
        raise InputError(f"{flag} must be {'zero or more' if zero_ok else 'positive'}")
    if value > most:
        raise InputError(f"{flag} is at most {most:,.0f} (got {value:,.0f})")


def check_options(args: argparse.Namespace) -> None:
    """The follower's numeric options and languages, checked before anything is opened."""
    _positive(args.interval, "--interval", MAX_INTERVAL_S)
    _positive(args.host_delay, "--host-delay", MAX_INTERVAL_S, zero_ok=True)
    _positive(args.max_bytes, "--max-bytes", MAX_BYTES_OPTION)
    _positive(args.timeout, "--timeout", MAX_TIMEOUT_S)
    parse_languages(args.languages)


def make_follower(args: argparse.Namespace, store: Any, stop: threading.Event | None = None,
                  sources: list[str] | None = None) -> Any:
    """A Follower from the command-line options (shared by `follow` and `serve --follow`)."""
    from newsweave.follow import Follower, read_sources

    check_options(args)
    return Follower(
        store, sources if sources is not None else read_sources(args.sources),
        interval=args.interval, host_delay=args.host_delay, contact=args.contact,
        languages=parse_languages(args.languages), max_bytes=args.max_bytes,
        timeout=args.timeout, stop=stop,
    )


def usable_sources(names: list[str], prefix: str,
                   quiet: bool = False) -> tuple[list[str], list[InputError]]:
    """The source URLs ``names`` give, each bad one printed as a line starting with
    ``prefix`` (unless ``quiet``: a check before the real start) and skipped; InputError
    when none is usable, after those lines (the one bad source's own error, when there was
    one: a single line)."""
    from newsweave.follow import read_sources

    bad: list[InputError] = []

    def say() -> None:
        for error in bad:
            print(f"{prefix}{error}", file=sys.stderr, flush=True)

    try:
        sources = read_sources(names, on_error=bad.append)
    except InputError:
        if len(bad) == 1:
            raise bad[0] from None
        say()
        raise
    if not quiet:
        say()
    return sources, bad


def _languages_for_grouping(codes: tuple[str, ...]) -> tuple[str, ...] | None:
    return None if "all" in codes else codes


#: versions a round's log names, each with what it added (a busy round weaves hundreds)
CHANGE_LINES = 20


def updater(store: Any, languages: tuple[str, ...],
            report: Callable[[str], None]) -> Callable[[Any], bool]:
    """The after-round hook: the incremental update, its failure reported, never fatal."""
    from newsweave.follow import _after_round

    def update(_round: Any) -> bool:
        try:
            result = _after_round(store, _languages_for_grouping(languages))
        except Exception as exc:  # noqa: BLE001 - the follower must go on (retried next round)
            message = " ".join(str(exc).split())[:300] or type(exc).__name__
            report(f"newsweave: follow: update after the round failed: {message}")
            return False
        summary = getattr(result, "summary", None)
        if callable(summary):
            report(f"newsweave: follow: {summary()}")
        woven = getattr(result, "woven", None)
        lines = woven.change_lines() if hasattr(woven, "change_lines") else []
        for line in lines[:CHANGE_LINES]:  # what each stored version added
            report(f"newsweave: follow: {line}")
        if len(lines) > CHANGE_LINES:
            report(f"newsweave: follow: ... and {len(lines) - CHANGE_LINES} more "
                   "(newsweave history STORY says what each added)")
        for story_id, reason in getattr(woven, "failed", ()):  # kept stale: retried next update
            report(f"newsweave: follow: skipped: story {story_id}: {reason}")
        return True

    return update


def run_follow(args: argparse.Namespace) -> int:
    """One round (--once; exit 0 once it finished, failures one line each on stderr; 130 or
    143 when Ctrl-C or SIGTERM stopped it first) or rounds forever until Ctrl-C or SIGTERM,
    which stop after the articles in hand (a second Ctrl-C at once). A bad
    source (a file, a list's line, an OPML outline) is one line and skipped, the others
    followed, and the exit code is 2; none usable: exit 2 before anything is fetched."""
    from newsweave.store import open_store

    check_options(args)
    sources, bad = usable_sources(args.sources, "newsweave: skipped: ")
    languages = parse_languages(args.languages)
    stop = threading.Event()
    store = open_store(args.db)
    try:
        store.require_writable()
    except InputError:
        store.close()
        raise
    follower = make_follower(args, store, stop, sources)

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        with stop_on_signals(stop, say) as got, round_progress(show_progress(args), follower):
            if args.once:
                report = follower.run_round()
                print(report.summary(), flush=True)
                if report.stopped:  # the round did not finish: 128 + the signal, as a shell
                    return 128 + (got[0] if got else signal.SIGINT)
                return 2 if bad else 0
            follower.run_forever(
                after_round=updater(store, languages, say),
                on_round=lambda r: print(r.summary(), flush=True),
            )
            say("newsweave: follow: stopped")
            return 2 if bad else 0
    finally:
        follower.close()
        store.close()


@contextmanager
def round_progress(enabled: bool, follower: Any) -> Iterator[None]:
    """A live line on stderr with the round's counts so far, for a person watching (a first
    round on a large site runs for minutes with only failures said); nothing into a pipe or
    a log, nothing with --no-progress. Lines said meanwhile print above it."""
    if not enabled:
        yield
        return
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    done = threading.Event()
    started = time.monotonic()

    def line() -> Text:  # as text: no markup read in it, no numbers coloured
        report = follower.current
        return Text("" if report is None else report.progress(time.monotonic() - started),
                    no_wrap=True, overflow="ellipsis")

    with Live(line(), console=Console(stderr=True), transient=True, redirect_stderr=True,
              auto_refresh=False) as live:
        def tick() -> None:
            while not done.wait(0.5):
                live.update(line(), refresh=True)

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join(2)


@contextmanager
def stop_on_signals(stop: threading.Event, say: Callable[[str], None]) -> Iterator[list[int]]:
    """Ctrl-C or SIGTERM set ``stop`` (the follower stops after the articles in hand, said at
    once); a second Ctrl-C stops now (a long after-round update is not waited for). Yields
    the signals received."""
    got: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        got.append(signum)
        stop.set()
        say("newsweave: follow: stopping after the articles in hand (Ctrl-C again: at once)")

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield got
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --------------------------------------------------------------------------- feeds
#: Columns of `newsweave feeds`, in order.
FEED_COLUMNS = ("url", "kind", "found_on", "state", "checked_at", "last_status",
                "failures", "next_poll", "last_new", "quiet", "pages_tried", "pages_failed",
                "page_error")


def _forget(store: Any, urls: list[str]) -> int:
    """``feeds --forget``: drop the feeds named (and those found on them); a URL that is no
    listed feed is one line, exit 2."""
    from newsweave.follow import one_spelling
    from newsweave.wording import count

    store.require_writable()
    # a feed is listed as ``follow`` wrote it down (``one_spelling``): "HTTP://X/./rss#top"
    # names it too, and so does the spelling an older store kept
    spelled = {u: one_spelling(u) if "://" in u else u for u in urls}
    gone = store.forget_feeds(list(dict.fromkeys([*urls, *spelled.values()])))
    for url in gone:
        print(f"forgot {url}")
    unknown = [u for u in dict.fromkeys(urls) if u not in gone and spelled[u] not in gone]
    for url in unknown:
        print(f"newsweave: skipped: {url!r} is no listed feed (newsweave feeds lists them)",
              file=sys.stderr)
    print(f"{count(len(gone), 'feed')} forgotten", file=sys.stderr)
    return 2 if unknown else 0


def run_feeds(args: argparse.Namespace) -> int:
    """Every followed feed with its health (``app.feed_health``): a table to read, JSON lines
    or CSV for monitoring; exit 0 even when feeds fail (that is what it reports)."""
    from datetime import UTC, datetime

    from newsweave.app import feed_health
    from newsweave.catalog import csv_cell
    from newsweave.render import strip_control
    from newsweave.store import open_store
    from newsweave.wording import count

    if args.forget and (args.failing or args.format != "text"):  # they shape a listing
        flag = "--failing" if args.failing else "--format"
        raise InputError(f"{flag} shapes the listing: --forget lists nothing")
    store = open_store(args.db, create=False)
    try:
        if args.forget:
            return _forget(store, args.forget)
        feeds = feed_health(store, datetime.now(UTC).isoformat(timespec="seconds"))
    finally:
        store.close()
    if args.failing:
        feeds = [f for f in feeds if f["state"] in ("failing", "pages failing")]
    if args.format == "jsonl":
        for f in feeds:
            sys.stdout.write(json.dumps(f, ensure_ascii=False) + "\n")
        return 0
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(FEED_COLUMNS)
        for f in feeds:
            writer.writerow([csv_cell(f[c]) for c in FEED_COLUMNS])
        return 0
    failing = sum(f["state"] in ("failing", "pages failing") for f in feeds)
    what = "failing feed" if args.failing else "followed feed"
    print(f"{count(len(feeds), what)}" + (f", {failing} failing" if failing and not args.failing
                                          else "") + (":" if feeds else ""))
    for f in feeds:
        when = (f["checked_at"] or "")[:16].replace("T", " ")
        line = (f"  {f['state']:<7} {when + ' UTC' if when else 'never':<20}  "
                f"{f['kind'] or '':<13}  {f['url']}")
        if f["found_on"]:
            line += f"  (found on {f['found_on']})"
        if f["state"] == "failing":
            retry = (f["next_poll"] or "")[:16].replace("T", " ")
            line += (f"\n          {count(f['failures'], 'failure')} in a row: "
                     f"{f['last_status']}" + (f"; next try {retry} UTC" if retry else
                                              "; tried again next round"))
        elif f["last_status"]:
            line += f"  (HTTP {f['last_status']})"
        if f["quiet"]:
            since = f["last_new"][:16].replace("T", " ")
            line += f"\n          quiet: nothing new since {since} UTC"
        if f["pages_failed"]:
            line += (f"\n          pages: {f['pages_failed']} of {f['pages_tried']} failed at "
                     f"the last poll with new entries: {f['page_error']}")
        print(strip_control(line))
    return 0


# --------------------------------------------------------------------------- articles
def run_articles(args: argparse.Namespace) -> int:
    """Stored articles as JSON lines (default) or CSV, published-date order."""
    from newsweave.catalog import csv_cell, csv_line
    from newsweave.cli_store import _check_date
    from newsweave.cli_utils import output_sink
    from newsweave.store import open_store

    since = _check_date(args.since, "--since")
    store = open_store(args.db, create=False)
    try:
        if args.story is not None and store.get_story(args.story) is None:
            raise InputError(f"unknown story id {args.story!r}")
        rows = store.iter_listing(since=since, story=args.story)
        columns = ARTICLE_COLUMNS
        if args.all_versions:
            rows = _every_version(store, rows)
            columns = (*ARTICLE_COLUMNS, "version")
        with output_sink(args.out) as fh:
            if args.format == "csv":
                fh.write(csv_line(columns))
                for row in rows:  # the stored text as it is, a lone carriage return quoted
                    fh.write(csv_line([csv_cell(row.get(c), clean=False) for c in columns]))
            else:
                for row in rows:
                    record = {c: row.get(c) for c in columns}
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        store.close()
    return 0


def _every_version(store: Any, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each listed article once per version, oldest first (``version``; the current one is
    numbered ``revisions``): ingested into a store in this order, the export rebuilds the
    same versions, since every row carries the article's id and URL."""
    for row in rows:
        if (row.get("revisions") or 1) <= 1:
            yield row | {"version": 1}
            continue
        for version in store.article_versions(row["id"]):  # each with its own byline
            yield row | {k: version[k] for k in ("title", "author", "published", "updated",
                                                  "text", "version")}


# --------------------------------------------------------------------------- parsers
def add_follow_options(p: argparse.ArgumentParser, sources_required: bool = True) -> None:
    """The follower's options (``serve --follow`` takes the same ones)."""
    from newsweave.fetch import (
        DEFAULT_HOST_DELAY_S,
        DEFAULT_INTERVAL_S,
        DEFAULT_MAX_BYTES,
        DEFAULT_TIMEOUT_S,
    )

    p.add_argument("--interval", type=float, default=DEFAULT_INTERVAL_S, metavar="S",
                   help=f"seconds between rounds (default {DEFAULT_INTERVAL_S:g})")
    p.add_argument("--host-delay", type=float, default=DEFAULT_HOST_DELAY_S, metavar="S",
                   help="at most one request per site per S seconds (default 1)")
    p.add_argument("--contact", metavar="C",
                   help="contact (URL or e-mail) added to the User-Agent for site owners")
    p.add_argument("--languages", metavar="CODES",
                   help="languages grouped into stories, e.g. en,fr or all (default en); "
                   "others are stored and counted")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="N",
                   help="refuse responses larger than N bytes, decompressed (default 5 MB; "
                   "a sitemap may be up to 50 MB, the protocol's limit, or N when higher)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                   help=f"connect/read timeout per request (default {DEFAULT_TIMEOUT_S:g} s)")


def add_parsers(sub: argparse._SubParsersAction, db_help: str) -> None:
    p = sub.add_parser(
        "follow",
        help="poll news feeds or sitemaps and store their articles",
        description="Follow feeds live: each SOURCE is a feed URL (RSS or Atom), a sitemap "
        "URL (a news sitemap, or a sitemap index: its pages dated within two days are its "
        "entries, at most 100 new ones per sitemap per round, newest first), a site URL (its "
        "feeds are discovered, else the sitemaps its robots.txt names), an OPML file or a "
        "text file of URLs; a bad one is named in one line and skipped (exit 2), the others "
        "followed. Each round polls every feed "
        "(conditional GET), fetches new entries' article pages politely (robots.txt, one "
        "request per site per --host-delay, none while a site's 429 pause lasts, kept for "
        "the next run too; at most 200 new entries per feed per round) and stores "
        "them; without --once it runs until "
        "Ctrl-C or SIGTERM and updates the stories after each round that stored something. "
        "Ctrl-C or SIGTERM stops after the articles in hand (a second Ctrl-C at once). Exit "
        "status: 0 when done (or stopped, without --once); 2 when a source was bad; with "
        "--once, 130 or 143 when Ctrl-C or SIGTERM stopped the round before it finished.",
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="a feed, sitemap or site URL (feed: URLs too), an OPML file or a text "
                   "file of URLs, one per line")
    p.add_argument("--db", metavar="URL", help=db_help)
    p.add_argument("--once", action="store_true", help="poll once, then exit")
    p.add_argument("--no-progress", action="store_true",
                   help="no live line of the round's counts (shown only on a terminal)")
    add_follow_options(p)
    p.set_defaults(handler=run_follow)

    f = sub.add_parser(
        "feeds",
        help="how each followed feed fares",
        description="List the feeds `follow` (or `serve --follow`) polls, failing ones first: "
        "what each is (RSS or Atom feed, news sitemap, sitemap, sitemap index, or a site "
        "whose page names its feeds), the site or index it was found on, when it was last "
        "polled (a feed whose polls found nothing new for two days is marked quiet), its "
        "last HTTP status or why it failed, how many polls in a row failed, and when a "
        "failing feed is tried again (a failing feed is polled less and less often, up to "
        "once a day). Exit 0 whatever their state.",
    )
    f.add_argument("--db", metavar="URL", help=db_help)
    f.add_argument("--failing", action="store_true",
                   help="only the feeds whose last poll failed, or none of whose pages could "
                   "be fetched at its last poll with new entries")
    f.add_argument("--forget", nargs="+", metavar="URL",
                   help="drop these feeds from the list, with those found on them (a site's "
                   "feeds, an index's sitemaps): for sources you no longer follow. Their "
                   "entries stay remembered; a follower still given one lists it again")
    f.add_argument("--format", choices=("text", "jsonl", "csv"), default="text",
                   help="a list to read (default), JSON lines or CSV")
    f.set_defaults(handler=run_feeds)

    a = sub.add_parser(
        "articles",
        help="export the stored articles",
        description="List the stored articles (id, url, title, outlet, author, published, "
        "updated, language, text, revisions, text_from, label; with --all-versions also "
        "version) as JSON lines or CSV.",
    )
    a.add_argument("--db", metavar="URL", help=db_help)
    a.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    a.add_argument("--since", metavar="DATE", help="only articles published on or after DATE")
    a.add_argument("--story", metavar="ID", help="only the articles of one story")
    a.add_argument("--all-versions", action="store_true",
                   help="a row for every version of an article stored again under its URL "
                   "with a new text (oldest first, numbered in a 'version' column); "
                   "ingesting the export rebuilds them")
    a.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    a.set_defaults(handler=run_articles)
