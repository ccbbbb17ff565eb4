"""`newsweave follow` against a replayed dev set: several "outlets", each its own loopback web
site (its own origin, so per-site pacing applies as on the web) with an RSS feed and article
pages, entries appearing on the feeds over time. Writes the `follow` section of RESULTS.md.

    python benchmarks/follow.py [--articles 48] [--replay 90] [--interval 5] [--outlets 4]

Two phases, both through the real follower (``newsweave.follow.Follower``: HTTP client,
trafilatura, language detection, store writes) on a fresh SQLite store:

1. *burst*: every article already on the feeds, one round with ``--host-delay 0``: articles
   fetched per second and CPU-seconds per article (process CPU, all threads) of fetching,
   extracting and storing.
2. *live*: entries appear one by one over ``--replay`` seconds; the follower polls every
   ``--interval`` seconds with the default politeness (1 s per site) and, after each round that
   stored something, runs its after-round hook: ``app.update`` (group the new articles, then
   re-weave the stories that changed into new stored brief versions), timed per story.
   Feed-to-brief latency: from the moment an entry appears on its feed to the ``created`` time
   of the first stored brief version of its story that lists the article.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from benchmarks._results import DATA, peak_rss_mb, write_section  # noqa: E402

DEV = DATA / "clustering" / "mixed-dev.jsonl"


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """The follower closing its kept-alive connections at the end is not news."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Outlet:
    """One loopback site: ``/feed.xml`` lists the entries visible now, newest first;
    ``/news-sitemap.xml`` lists them as a news sitemap (dated when they appeared), which
    ``/sitemap-index.xml`` and ``/robots.txt`` name, and the home page ``/`` has no feed link."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[dict[str, Any]] = []  # visible entries
        self.lock = threading.Lock()
        outlet = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                status, ctype, body = outlet.respond(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_a: object) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, item: dict[str, Any]) -> None:
        from datetime import UTC, datetime

        listed = datetime.now(UTC).isoformat(timespec="seconds")
        with self.lock:
            self.items.insert(0, {**item, "listed": listed})

    def respond(self, path: str) -> tuple[int, str, bytes]:
        with self.lock:
            items = list(self.items)
        if path == "/feed.xml":
            out = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                   f"<title>{html.escape(self.name)}</title><link>{self.base}/</link>"]
            for it in items[:50]:
                teaser = html.escape(it["text"][:300])
                out.append(f"<item><title>{html.escape(it['title'])}</title>"
                           f"<link>{self.base}/a/{it['id']}</link><guid>{it['id']}</guid>"
                           f"<pubDate>{it['pubdate']}</pubDate>"
                           f"<description>{teaser}</description></item>")
            out.append("</channel></rss>")
            return 200, "application/rss+xml", "".join(out).encode()
        if path == "/news-sitemap.xml":
            out = ['<?xml version="1.0" encoding="UTF-8"?><urlset '
                   'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                   'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">']
            for it in items[:1000]:
                out.append(f"<url><loc>{self.base}/a/{it['id']}</loc><news:news>"
                           f"<news:publication><news:name>{html.escape(self.name)}</news:name>"
                           "<news:language>en</news:language></news:publication>"
                           f"<news:publication_date>{it['listed']}</news:publication_date>"
                           f"<news:title>{html.escape(it['title'])}</news:title>"
                           "</news:news></url>")
            out.append("</urlset>")
            return 200, "application/xml", "".join(out).encode()
        if path == "/sitemap-index.xml":
            return 200, "application/xml", (
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{self.base}/sitemaps/2016-12.xml</loc>"
                "<lastmod>2017-01-01</lastmod></sitemap>"
                f"<sitemap><loc>{self.base}/news-sitemap.xml</loc></sitemap>"
                "</sitemapindex>").encode()
        if path == "/robots.txt":
            return 200, "text/plain", f"Sitemap: {self.base}/sitemap-index.xml\n".encode()
        if path == "/":
            return 200, "text/html; charset=utf-8", (
                f"<html><head><title>{html.escape(self.name)}</title></head>"
                "<body>Home</body></html>").encode()
        if path.startswith("/a/"):
            for it in items:
                if path == f"/a/{it['id']}":
                    paras = "".join(f"<p>{html.escape(p)}</p>" for p in it["text"].split("\n\n")
                                    if p.strip())
                    page = (f"<html><head><title>{html.escape(it['title'])}</title>"
                            f'<meta property="article:published_time" content="{it["iso"]}">'
                            f"</head><body><article><h1>{html.escape(it['title'])}</h1>{paras}"
                            "</article></body></html>")
                    return 200, "text/html; charset=utf-8", page.encode()
        return 404, "text/plain", b"not found"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def load_items(count: int) -> list[dict[str, Any]]:
    """The first ``count`` dated, titled articles of the dev set, in published order."""
    from datetime import UTC, datetime

    rows = []
    with DEV.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("published") and row.get("title") and len(row["text"]) > 400:
                rows.append(row)
    rows.sort(key=lambda r: r["published"])
    items = []
    for i, row in enumerate(rows[:count]):
        when = datetime.fromisoformat(row["published"]).replace(
            hour=9 + i % 10, tzinfo=UTC)
        items.append({"id": f"{i:04d}-{row['id']}", "title": row["title"], "text": row["text"],
                      "pubdate": format_datetime(when), "iso": when.isoformat()})
    return items


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def burst(items: list[dict[str, Any]], outlets: int, source: str = "/feed.xml"
          ) -> dict[str, float]:
    """One round with every entry up and no pacing; ``source``: the path each outlet is
    followed by (its feed, its news sitemap, or its home page)."""
    from newsweave.follow import Follower
    from newsweave.store import open_store

    sites = [Outlet(f"Outlet {k}") for k in range(outlets)]
    for i, it in enumerate(items):
        sites[i % outlets].publish(it)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "burst.db")
        follower = Follower(store, [s.base + source for s in sites], host_delay=0.0,
                            report=lambda _l: None)
        from newsweave.language import detect_language

        detect_language("warm the language model up before timing")
        cpu0, wall0 = time.process_time(), time.monotonic()
        report = follower.run_round()
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        requests = follower.fetcher.requests
        again = follower.run_round()  # nothing new: what a quiet poll costs
        quiet = follower.fetcher.requests - requests
        follower.close()
        store.close()
    for s in sites:
        s.close()
    return {"added": report.added, "failures": len(report.failures), "wall": wall,
            "rate": report.added / wall, "cpu_per_article": cpu / max(report.added, 1),
            "requests": requests, "quiet_requests": quiet, "quiet_added": again.added}


def _epoch(created: str) -> float:
    """A stored brief version's ``created`` (UTC ISO time) as seconds since the epoch."""
    from datetime import datetime

    return datetime.fromisoformat(created).timestamp()


def live(items: list[dict[str, Any]], outlets: int, replay: float, interval: float,
         host_delay: float, source: str = "/feed.xml") -> dict[str, Any]:
    from newsweave.embed import get_embedder
    from newsweave.follow import Follower, _after_round, canonical_url
    from newsweave.ingest import article_id
    from newsweave.nlp import get_nlp
    from newsweave.store import open_store

    get_embedder()  # the model loads are start-up cost, not latency
    get_nlp()
    sites = [Outlet(f"Outlet {k}") for k in range(outlets)]
    appeared: dict[str, float] = {}  # article id -> when its entry appeared (epoch s)
    briefed: dict[str, float] = {}  # article id -> when the first brief listing it was stored
    own_weave: dict[str, float] = {}  # article id -> weave time of the story of that brief
    grouped: dict[str, float] = {}  # article id -> end of the grouping that put it in a story
    stop = threading.Event()
    rounds: list[float] = []
    updates: list[float] = []
    groupings: list[float] = []
    weaves: list[float] = []  # seconds per story woven (analysis of new members included)
    load = [os.getloadavg()]

    def replayer() -> None:
        start = time.monotonic()
        for i, it in enumerate(items):
            due = start + i * replay / len(items)
            if stop.wait(max(0.0, due - time.monotonic())):
                return
            site = sites[i % outlets]
            key = canonical_url(f"{site.base}/a/{it['id']}")
            appeared[article_id("url " + key)] = time.time()
            site.publish(it)

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "live.db")
        follower = Follower(store, [s.base + source for s in sites], interval=interval,
                            host_delay=host_delay, report=lambda _l: None, stop=stop)

        def after(_report: Any) -> None:
            """The follower's after-round hook (``_after_round`` = ``app.update``), timed."""
            marks = [time.monotonic()]
            woven: dict[str, float] = {}

            def on_total(_n: int) -> None:  # grouping (and the staleness check) done
                groupings.append(time.monotonic() - marks[0])
                now = time.time()
                for aid in [a for a in appeared if a not in grouped]:
                    if store.article_stories(aid):
                        grouped[aid] = now
                marks.append(time.monotonic())

            def on_story(story_id: str, _error: str | None) -> None:
                now = time.monotonic()
                woven[story_id] = now - marks[-1]
                marks.append(now)

            _after_round(store, ("en",), on_total=on_total, on_story=on_story)
            updates.append(time.monotonic() - marks[0])
            weaves.extend(woven.values())
            done = time.time()
            for aid in list(appeared):
                if aid in briefed:
                    continue
                for sid in store.article_stories(aid):
                    grouped.setdefault(aid, done)  # (when on_total was not called)
                    first = next((v for v in store.brief_versions(sid) if aid in v.articles),
                                 None)
                    if first is not None:
                        briefed[aid] = _epoch(first.created)
                        own_weave[aid] = woven.get(sid, float("nan"))
            if len(briefed) == len(items):
                stop.set()

        feeder = threading.Thread(target=replayer, daemon=True)
        cpu0, wall0 = time.process_time(), time.monotonic()
        feeder.start()
        watchdog = threading.Timer(replay + 90, stop.set)
        watchdog.start()
        follower.run_forever(after_round=after, on_round=lambda r: rounds.append(r.seconds))
        watchdog.cancel()
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        stories = store.count_stories()
        versions = sum(len(store.brief_versions(sid)) for sid in store.story_ids())
        follower.close()
        store.close()
    load.append(os.getloadavg())
    for s in sites:
        s.close()
    latencies = [briefed[a] - appeared[a] for a in briefed]
    to_story = [grouped[a] - appeared[a] for a in grouped]
    within = sum(1 for a in briefed
                 if briefed[a] - appeared[a] <= 2 * interval + own_weave.get(a, 0.0))
    return {
        "briefed": len(briefed), "grouped": len(grouped), "stories": stories,
        "versions": versions, "wall": wall, "cpu": cpu,
        "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
        "max": max(latencies) if latencies else float("nan"),
        "story_p50": percentile(to_story, 50), "story_p95": percentile(to_story, 95),
        "within": within,
        "rounds": len(rounds), "round_p50": statistics.median(rounds) if rounds else 0.0,
        "updates": len(updates),
        "update_p50": statistics.median(updates) if updates else 0.0,
        "update_max": max(updates) if updates else 0.0,
        "group_p50": statistics.median(groupings) if groupings else 0.0,
        "weaves": len(weaves), "weave_p50": percentile(weaves, 50),
        "weave_p95": percentile(weaves, 95),
        "weave_max": max(weaves) if weaves else float("nan"),
        "load_start": load[0], "load_end": load[1],
    }


def render(args: argparse.Namespace, b: dict[str, float], lv: dict[str, Any]) -> str:
    target = 2 * args.interval + lv["weave_p95"]
    verdict = "met" if lv["p95"] <= target else "missed"
    la, lb = lv["load_start"], lv["load_end"]
    return f"""## follow

`python benchmarks/follow.py --articles {args.articles} --replay {args.replay:g} --interval \
{args.interval:g} --outlets {args.outlets}`: the first {args.articles} dated articles of \
`mixed-dev.jsonl` served as {args.outlets} outlets, each its own loopback site (RSS feed + \
article pages), through the real follower into a fresh SQLite store. The machine has 2 CPU \
cores shared with other work: load average {la[0]:.1f} / {la[1]:.1f} / {la[2]:.1f} (1 / 5 / \
15 min) when the live phase started, {lb[0]:.1f} / {lb[1]:.1f} / {lb[2]:.1f} when it ended.

| phase | measure | value |
|---|---|---|
| burst (all entries up, host-delay 0) | articles fetched, extracted, stored | {b['added']:.0f} \
in {b['wall']:.1f} s ({b['failures']:.0f} failures) |
| | articles fetched / s | {b['rate']:.1f} |
| | CPU-s / article (fetch + trafilatura + language + store) | {b['cpu_per_article']:.3f} |
| live (entries appear over {args.replay:g} s, interval {args.interval:g} s, host-delay \
{args.host_delay:g} s) | articles in a stored brief | {lv['briefed']} of {args.articles} \
({lv['stories']} stories, {lv['versions']} brief versions) |
| | **feed-to-brief latency** p50 / p95 / max | **{lv['p50']:.1f} s / {lv['p95']:.1f} s** / \
{lv['max']:.1f} s |
| | articles within 2 intervals + their story's weave time | {lv['within']} of \
{lv['briefed']} |
| | feed-to-story latency (grouped, before weaving) p50 / p95 | {lv['story_p50']:.1f} s / \
{lv['story_p95']:.1f} s |
| | weave time per story (incl. analysing its new articles) p50 / p95 / max | \
{lv['weave_p50']:.2f} s / {lv['weave_p95']:.2f} s / {lv['weave_max']:.2f} s ({lv['weaves']} \
weaves) |
| | after-round update (`app.update`: group + re-weave) p50 / max; grouping p50 | \
{lv['update_p50']:.2f} s / {lv['update_max']:.2f} s; {lv['group_p50']:.2f} s |
| | rounds; round time p50; updates | {lv['rounds']}; {lv['round_p50']:.2f} s; \
{lv['updates']} |
| | CPU-s per article, whole live run (fetch, group, analyse, weave) | \
{lv['cpu'] / max(lv['briefed'], 1):.3f} |

Target: p95 under two intervals plus the weave time of the story (p95 weave time here, \
{target:.1f} s): **{verdict}**. Feed-to-brief latency runs from the moment an entry appears on \
its feed to the `created` time of the first stored brief version of its story whose `articles` \
list the article. While updates take less than an interval, it is at worst one interval \
(the entry appears just after a poll) plus the \
round (pages fetched at one per second per site) plus the update, which groups the new \
articles and then re-weaves every changed story one after another: an article whose story is \
woven last in an update waits for the others' weaves too; the next round starts when the \
update ends or one interval after the previous round started, whichever is later. The \
models are loaded before timing (start-up cost, not latency). CPU is the \
whole process's, so it includes the loopback sites serving the pages (small: static strings). \
Peak RSS {peak_rss_mb():.0f} MiB.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=48)
    parser.add_argument("--replay", type=float, default=90.0, help="seconds entries appear over")
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--outlets", type=int, default=4)
    parser.add_argument("--host-delay", type=float, default=1.0)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    items = load_items(args.articles)
    b = burst(items, args.outlets)
    print("burst", b, flush=True)
    lv = live(items, args.outlets, args.replay, args.interval, args.host_delay)
    print("live", lv, flush=True)
    text = render(args, b, lv)
    print(text)
    if not args.no_write:
        write_section("follow", text)


if __name__ == "__main__":
    main()
