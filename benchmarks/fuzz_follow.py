"""Hostile sites for the follower: random edits of feeds, sitemaps, article pages and response
headers, served on loopback, each followed for one round by the real follower.

    python benchmarks/fuzz_follow.py [--per-category 40] [--seed 10] [--json out.json]

Categories (``--per-category`` inputs each, random edits of a valid body: hostile pieces of
``fuzz.py`` and XML ones spliced in, spans cut or repeated up to 2,000 times, characters
swapped):

- ``feed``: an RSS feed whose entries link a good page and two others;
- ``sitemap``: a news sitemap of the same, dated now;
- ``plain-sitemap``: a general sitemap of the same (``<lastmod>`` only, no news tags);
- ``index``: a sitemap index naming the news sitemap (and itself);
- ``page``: a valid feed listing the good page and a mutated article page;
- ``headers``: a valid feed sent with a hostile Content-Type, Content-Encoding or a gzip body
  that lies;
- ``pause``: a site asking for a pause (429, or 503) with an edited Retry-After, on one of the
  feed's pages or on the feed itself;
- ``robots``: an edited robots.txt (Crawl-delay, Request-rate, Sitemap, rules) beside a valid
  feed; the longest delay honoured is lowered to 10 ms for the run, so a site asking for a
  slow pace is not counted as a hang.

Each case gets a fresh store and one ``Follower.run_round()`` (in this process, so a case costs
milliseconds, not a model load), and counts: an exception out of the round (the follower must
never raise), a failure line that names a Python exception (a bug the round's safety net
caught: ``URL: TypeError: ...``), a report line that is not one ``newsweave: follow:`` line, a
round over ``--hang`` seconds, and for ``page`` (the one category where the good entry is
certain to be readable) whether the good page was stored. The exit code is 1 if any of them
happened.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from benchmarks.fuzz import SENT, mutate  # noqa: E402

PAGE_TEXT = " ".join([SENT] * 12)
HEADERS = [
    {"Content-Type": "application/rss+xml; charset=x-nonsense"},
    {"Content-Type": "application/rss+xml; charset=utf-16"},
    {"Content-Type": "text/html"},
    {"Content-Encoding": "br"},
    {"Content-Encoding": "gzip"},  # a body that is not gzip
    {"Content-Encoding": "gzip, gzip"},
    {"Content-Type": "application/x-gzip", "gzip-body": "truncated"},
    {"Content-Length": "5"},
    {"Content-Type": "\x00\x01"},
    {"Last-Modified": "Mon, 99 Foo 20260 99:99:99 GMT", "ETag": '"' + "e" * 5000},
]


@dataclass
class Outcome:
    category: str
    name: str
    raised: str | None
    caught_bugs: list[str]
    stray_lines: int
    seconds: float
    hang: bool
    good_kept: bool | None
    added: int
    failures: int


class Site:
    """A loopback site whose responses each case sets."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                status, headers, body = site.routes.get(
                    self.path.split("?")[0], (404, {}, b"not found"))
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        if key != "gzip-body":
                            self.send_header(key, value)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (ConnectionError, ValueError):
                    pass

            def log_message(self, *_a: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def page(title: str, text: str) -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in text.split(". ") if p)
    return (f"<html><head><title>{title}</title>"
            f'<meta property="article:published_time" content="2026-12-07T09:00:00+00:00">'
            f"</head><body><article><h1>{title}</h1>{paras}</article></body></html>").encode()


def rss(base: str, links: list[str]) -> str:
    items = "".join(f"<item><title>Story {n}</title><link>{base}{link}</link>"
                    f"<pubDate>Mon, 07 Dec 2026 09:0{n}:00 +0000</pubDate>"
                    f"<description>Teaser {n}: {SENT}</description></item>"
                    for n, link in enumerate(links))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Fuzz Wire</title><link>{base}/</link>{items}</channel></rss>")


def plain_sitemap(base: str, links: list[str]) -> str:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    urls = "".join(f"<url><loc>{base}{link}</loc><lastmod>{now}</lastmod></url>"
                   for link in links)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def sitemap(base: str, links: list[str]) -> str:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    urls = "".join(f"<url><loc>{base}{link}</loc><lastmod>{now}</lastmod><news:news>"
                   "<news:publication><news:name>Fuzz</news:name><news:language>en"
                   f"</news:language></news:publication><news:publication_date>{now}"
                   f"</news:publication_date><news:title>Story {n}</news:title></news:news>"
                   "</url>" for n, link in enumerate(links))
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/'
            'schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"{urls}</urlset>")


#: Report addresses (a slug and an id): a general sitemap's section fronts are not fetched.
GOOD, OTHER = "/news/council-passes-budget-7", "/news/other-report-7"


ROBOTS = ("# robots\nUser-agent: *\nCrawl-delay: 1\nRequest-rate: 1/2\nDisallow: /private/\n"
          "Allow: /news/\nSitemap: {base}/news.xml\n\nUser-agent: newsweave\nDisallow:\n")


def cases(rng: random.Random, per: int, base: str):
    """(category, name, routes, source path, whether the good page must be stored)."""
    good = {GOOD: (200, {"Content-Type": "text/html; charset=utf-8"},
                      page("Council passes budget", PAGE_TEXT)),
            OTHER: (200, {"Content-Type": "text/html"}, page("Other", PAGE_TEXT[::-1]))}
    xml = {"Content-Type": "application/xml"}
    links = [GOOD, OTHER, "/news/missing-report-7"]
    for n in range(per):
        body = mutate(rss(base, links), rng)
        yield "feed", f"f{n}", {**good, "/src": (200, xml, body.encode("utf-8", "surrogatepass"))
                                }, "/src", False
    for n in range(per):
        body = mutate(sitemap(base, links), rng)
        yield "sitemap", f"s{n}", {**good, "/src": (200, xml, body.encode(
            "utf-8", "surrogatepass"))}, "/src", False
    for n in range(per):
        body = mutate(plain_sitemap(base, links), rng)
        yield "plain-sitemap", f"g{n}", {**good, "/src": (200, xml, body.encode(
            "utf-8", "surrogatepass"))}, "/src", False
    for n in range(per):
        index = ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 f"<sitemap><loc>{base}/news.xml</loc></sitemap>"
                 f"<sitemap><loc>{base}/src</loc></sitemap></sitemapindex>")
        body = mutate(index, rng)
        yield "index", f"i{n}", {**good, "/news.xml": (200, xml, sitemap(base, links).encode()),
                                 "/src": (200, xml, body.encode("utf-8", "surrogatepass"))
                                 }, "/src", False
    for n in range(per):
        mutant = mutate(page("Mutant page", PAGE_TEXT).decode(), rng)
        yield "page", f"p{n}", {**good, "/mutant": (200, {"Content-Type": "text/html"},
                                                    mutant.encode("utf-8", "surrogatepass")),
                                "/src": (200, xml, rss(base, [GOOD, "/mutant"]).encode())
                                }, "/src", True
    for n in range(per):
        headers = dict(rng.choice(HEADERS))
        body = rss(base, links).encode()
        if headers.get("gzip-body") == "truncated":
            body = gzip.compress(body)[: rng.randint(5, 60)]
        elif "gzip" in headers.get("Content-Encoding", "") and rng.random() < 0.5:
            body = gzip.compress(body)[:-rng.randint(1, 8)]
        yield "headers", f"h{n}", {**good, "/src": (200, headers, body)}, "/src", False
    for n in range(per):
        # a site asking for a pause (429, or 503 with Retry-After) with an edited Retry-After,
        # on a page or on the feed itself
        status = rng.choice((429, 503))
        when = mutate(rng.choice(("120", "0", "Wed, 21 Oct 2026 07:28:00 GMT")), rng)
        retry = {"Retry-After": when.encode("utf-8", "surrogatepass").decode("latin-1",
                                                                           "replace")[:300]}
        feed = (200, xml, rss(base, [OTHER, GOOD]).encode())
        if n % 2:
            yield "pause", f"r{n}", {**good, OTHER: (status, retry, b""), "/src": feed
                                     }, "/src", False
        else:
            yield "pause", f"r{n}", {**good, "/src": (status, retry, b"")}, "/src", False
    for n in range(per):
        # an edited robots.txt (delays, rates, sitemaps, rules) beside a valid feed; the
        # harness lowers the longest delay honoured to 10 ms, so a slow-asking site is no hang
        robots = mutate(ROBOTS.format(base=base), rng)
        yield "robots", f"b{n}", {**good, "/robots.txt": (200, {"Content-Type": "text/plain"},
                                                          robots.encode("utf-8", "surrogatepass")),
                                  "/src": (200, xml, rss(base, links).encode())}, "/src", False


_EXCEPTION = re.compile(r": [A-Z]\w*(?:Error|Exception|Warning)\b: ")


def run(per: int, hang: float, seed: int) -> list[Outcome]:
    import newsweave.fetch
    from newsweave.follow import Follower
    from newsweave.store import open_store

    rng = random.Random(seed)
    site = Site()
    outcomes = []
    longest = newsweave.fetch.MAX_CRAWL_DELAY_S
    newsweave.fetch.MAX_CRAWL_DELAY_S = 0.01  # see the robots category
    try:
        with tempfile.TemporaryDirectory(prefix="newsweave-fuzz-follow-") as tmp:
            for n, (category, name, routes, source, has_good) in enumerate(
                    cases(rng, per, site.base)):
                site.routes = routes
                store = open_store(Path(tmp) / f"s{n}.db")
                lines: list[str] = []
                follower = Follower(store, [site.base + source], host_delay=0.0, timeout=5.0,
                                    report=lines.append)
                result: dict[str, Any] = {}

                def one_round(f=follower, out=result) -> None:
                    try:
                        out["report"] = f.run_round()
                    except BaseException as exc:  # noqa: BLE001 - counted, never hidden
                        out["raised"] = f"{type(exc).__name__}: {exc}"[:300]

                started = time.monotonic()
                worker = threading.Thread(target=one_round, daemon=True)
                worker.start()
                worker.join(hang)
                seconds = time.monotonic() - started
                hung = worker.is_alive()
                if hung:
                    follower.stop.set()
                    worker.join(30)
                report = result.get("report")
                good = None
                if has_good and report is not None:
                    good = any(r["url"].endswith(GOOD) for r in store.iter_listing())
                outcome = Outcome(
                    category=category, name=name, raised=result.get("raised"),
                    caught_bugs=[ln[:300] for ln in lines if _EXCEPTION.search(ln)],
                    stray_lines=sum(1 for ln in lines
                                    if "\n" in ln or not ln.startswith("newsweave: follow: ")),
                    seconds=round(seconds, 2), hang=hung, good_kept=good,
                    added=report.added if report else 0,
                    failures=len(report.failures) if report else 0)
                outcomes.append(outcome)
                flag = " ".join(f for f, on in (
                    ("RAISED", outcome.raised), ("BUG", outcome.caught_bugs),
                    ("STRAY", outcome.stray_lines), ("HANG", hung),
                    ("LOST", good is False)) if on)
                print(f"{category:8} {name:6} added={outcome.added} failures={outcome.failures} "
                      f"{seconds:5.2f}s {flag}", flush=True)
                if outcome.caught_bugs or outcome.raised:
                    print("   ", outcome.raised or outcome.caught_bugs[0], flush=True)
                follower.close()
                store.close()
    finally:
        site.close()
        newsweave.fetch.MAX_CRAWL_DELAY_S = longest
    return outcomes


def summarize(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    table: dict[str, Counter] = {}
    for o in outcomes:
        row = table.setdefault(o.category, Counter())
        row["inputs"] += 1
        row["stored something"] += o.added > 0
        row["with failure lines"] += o.failures > 0
        row["raised"] += bool(o.raised)
        row["bugs caught by the round"] += bool(o.caught_bugs)
        row["stray lines"] += o.stray_lines
        row["hangs"] += o.hang
        row["good page lost"] += o.good_kept is False
        row["slowest s"] = max(row["slowest s"], o.seconds)
    return {k: dict(v) for k, v in table.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-category", type=int, default=10)
    parser.add_argument("--hang", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    outcomes = run(args.per_category, args.hang, args.seed)
    table = summarize(outcomes)
    print(json.dumps(table, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"summary": table, "outcomes": [asdict(o) for o in outcomes]}, indent=1))
    bad = sum(o.hang or bool(o.raised) or bool(o.caught_bugs) or bool(o.stray_lines)
              or o.good_kept is False for o in outcomes)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
