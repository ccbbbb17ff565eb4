"""Following sites through their news sitemaps, beside following their RSS feeds, in one run.
Writes the `follow-sitemaps` section of RESULTS.md.

    python benchmarks/follow_sitemaps.py [--articles 48] [--outlets 4] [--replay 60]
                                         [--urls 50000] [--no-live]

Three parts, on loopback sites of `benchmarks/follow.py` (each outlet its own origin, serving an
RSS feed, a news sitemap, a sitemap index naming it, a robots.txt naming the index, and a home
page without feed links), through the real follower into fresh SQLite stores:

1. *burst*: every article already listed, one round with ``--host-delay 0``, the outlets
   followed by their feed URL, their news sitemap URL, or their home page (robots.txt ->
   index -> news sitemap); then a round with nothing new. Requests and CPU per article.
2. *live* (skipped with ``--no-live``): entries appear over ``--replay`` seconds, polled every
   5 s with the default politeness, each round followed by the incremental update, once through
   the feeds and once through the sitemaps: feed-to-brief latency.
3. *reading one large listing*, each reader in its own child process: a news sitemap of
   ``--urls`` pages (the protocol's cap is 50,000) read by ``newsweave.sitemaps`` (parse, keep
   the pages of the last two days, newest first), the same sitemap by trafilatura's sitemap
   reader (addresses only, no dates), and an RSS feed of the same entries by feedparser (what
   the follower reads for a feed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from benchmarks._results import write_section  # noqa: E402

SOURCES = {"RSS feed": "/feed.xml", "news sitemap": "/news-sitemap.xml",
           "home page (robots.txt -> index -> sitemap)": "/"}


def listing(kind: str, urls: int) -> bytes:
    """A news sitemap (``kind`` "sitemap") or an RSS feed ("rss") of ``urls`` entries, dated
    one every 10 minutes back from now (so 288 in the last two days)."""
    now = datetime.now(UTC)
    out = []
    if kind == "sitemap":
        out.append('<?xml version="1.0" encoding="UTF-8"?><urlset '
                   'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                   'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">')
    else:
        out.append('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                   "<title>Big</title><link>https://www.example.com/</link>")
    for n in range(urls):
        when = now - timedelta(minutes=10 * n)
        link = f"https://www.example.com/{when:%Y/%m/%d}/story-{n}-about-the-council-budget"
        title = f"Council passes budget, part {n}"
        if kind == "sitemap":
            out.append(f"<url><loc>{link}</loc><lastmod>{when.isoformat()}</lastmod>"
                       "<news:news><news:publication><news:name>Big</news:name>"
                       "<news:language>en</news:language></news:publication>"
                       f"<news:publication_date>{when.isoformat()}</news:publication_date>"
                       f"<news:title>{title}</news:title></news:news></url>")
        else:
            out.append(f"<item><title>{title}</title><link>{link}</link>"
                       f"<pubDate>{when:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>")
    out.append("</urlset>" if kind == "sitemap" else "</channel></rss>")
    return "".join(out).encode()


def _peak_kb() -> int:
    """This process's peak RSS in KiB: VmHWM, which starts afresh at exec (``ru_maxrss``
    keeps the parent's peak across fork and exec, so a child of a large process reads it)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def child(reader: str, path: str) -> None:
    """Run one reader on one file in this (fresh) process; print time and memory as JSON."""
    base = _peak_kb()
    body = Path(path).read_bytes()
    if reader == "newsweave":
        from newsweave.sitemaps import parse_sitemap, recent_urls
    elif reader == "trafilatura":
        from trafilatura.sitemaps import SitemapObject
    else:
        import feedparser
    base = max(base, _peak_kb() - len(body) // 1024)
    cpu0 = time.process_time()
    if reader == "newsweave":
        parsed = parse_sitemap(body)
        kept, _undated, _old = recent_urls(parsed.urls, datetime.now(UTC))
        found, recent = len(parsed.urls), len(kept)
    elif reader == "trafilatura":
        sm = SitemapObject("https://www.example.com", "example.com", [])
        sm.current_url, sm.content = "https://www.example.com/sitemap.xml", body.decode("utf-8")
        sm.extract_sitemap_links()
        found, recent = len(sm.urls), None
    else:
        import io

        parsed = feedparser.parse(io.BytesIO(body))
        found, recent = len(parsed.entries), None
    cpu = time.process_time() - cpu0
    peak = _peak_kb()
    print(json.dumps({"cpu": cpu, "found": found, "recent": recent,
                      "mem_mb": (peak - base) / 1024}))


def read_large(urls: int) -> list[dict]:
    import tempfile

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for kind in ("sitemap", "rss"):
            files[kind] = Path(tmp) / f"{kind}.xml"
            files[kind].write_bytes(listing(kind, urls))
        for reader, kind, what in (
                ("newsweave", "sitemap", "newsweave.sitemaps: parse + pages of the last 2 days"),
                ("trafilatura", "sitemap", "trafilatura SitemapObject: addresses only"),
                ("feedparser", "rss", "feedparser, RSS feed of the same entries")):
            out = subprocess.run([sys.executable, __file__, "--child", reader, str(files[kind])],
                                 capture_output=True, text=True, check=True,
                                 env={**os.environ, "HF_HUB_OFFLINE": "1"})
            result = json.loads(out.stdout.strip().splitlines()[-1])
            result.update(reader=what, mb=files[kind].stat().st_size / 1e6)
            rows.append(result)
            print(result, flush=True)
    return rows


def render(args: argparse.Namespace, bursts: dict, lives: dict, large: list[dict]) -> str:
    lines = ["## Following sites through their sitemaps (`benchmarks/follow_sitemaps.py`)", "",
             f"`python benchmarks/follow_sitemaps.py --articles {args.articles} --outlets "
             f"{args.outlets} --replay {args.replay:g} --urls {args.urls}"
             + (" --no-live" if args.no_live else "") + f"`, run "
             f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on 2 shared cores (load average "
             f"{os.getloadavg()[0]:.1f} at the end). The first {args.articles} dated articles "
             f"of `mixed-dev.jsonl` as {args.outlets} loopback outlets (the sites of "
             "`benchmarks/follow.py`: each serves an RSS feed, a news sitemap, a sitemap index "
             "naming it beside an archive month, a robots.txt naming the index, and a home page "
             "without feed links), through the real follower into fresh SQLite stores, each way "
             "of following in the same run.", "",
             "**Burst**: every article listed, one round at host-delay 0, then a round with "
             "nothing new (requests include robots.txt).", "",
             "| followed by | articles stored | failures | requests | round s | CPU-s / article "
             "| requests, quiet round | stored, quiet round |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, b in bursts.items():
        lines.append(f"| {name} | {b['added']:.0f} | {b['failures']:.0f} | {b['requests']} | "
                     f"{b['wall']:.2f} | {b['cpu_per_article']:.3f} | {b['quiet_requests']} | "
                     f"{b['quiet_added']} |")
    if lives:
        lines += ["", f"**Live**: entries appear over {args.replay:g} s, polled every 5 s "
                  "(host-delay 1 s), the incremental update after each round that stored "
                  "something; latency from an entry's appearance to the first stored brief "
                  "version listing its article.", "",
                  "| followed by | articles in a brief | feed-to-brief p50 / p95 / max s | "
                  "feed-to-story p50 / p95 s | rounds | CPU-s / article |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name, lv in lives.items():
            lines.append(f"| {name} | {lv['briefed']} of {args.articles} | {lv['p50']:.1f} / "
                         f"{lv['p95']:.1f} / {lv['max']:.1f} | {lv['story_p50']:.1f} / "
                         f"{lv['story_p95']:.1f} | {lv['rounds']} | "
                         f"{lv['cpu'] / max(lv['briefed'], 1):.3f} |")
    lines += ["", f"**Reading one large listing** of {args.urls:,} entries (one every 10 "
              "minutes back from now), each reader in a fresh child process; memory is the "
              "growth of the child's peak RSS while reading (the file's bytes included).", "",
              "| reader | file MB | CPU s | peak RSS growth MB | entries found | of the last 2 "
              "days |", "|---|---:|---:|---:|---:|---:|"]
    for r in large:
        found = "" if r["found"] is None else f"{r['found']:,}"
        recent = "" if r["recent"] is None else f"{r['recent']:,}"
        lines.append(f"| {r['reader']} | {r['mb']:.1f} | {r['cpu']:.2f} | {r['mem_mb']:.0f} | "
                     f"{found} | {recent} |")
    from newsweave.fetch import DEFAULT_MAX_BYTES
    from newsweave.sitemaps import MAX_SITEMAP_BYTES

    biggest = max(r["mb"] for r in large if r["reader"].startswith("newsweave"))
    if biggest * 1e6 > DEFAULT_MAX_BYTES:
        within = biggest * 1e6 <= MAX_SITEMAP_BYTES
        lines += ["", f"A sitemap of {args.urls:,} news entries is {biggest:.0f} MB, over the "
                  f"follower's default response cap for pages and feeds (`--max-bytes`, "
                  f"{DEFAULT_MAX_BYTES:,} bytes) "
                  + (f"but within a sitemap's own ({MAX_SITEMAP_BYTES:,} bytes, the protocol's "
                     "50 MB): the follower reads it at the defaults." if within else
                     f"and a sitemap's own ({MAX_SITEMAP_BYTES:,} bytes): it is refused.")
                  + " A news sitemap proper lists at most 1,000 articles (about "
                  f"{biggest * 1000 / args.urls:.1f} MB here)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=48)
    parser.add_argument("--outlets", type=int, default=4)
    parser.add_argument("--replay", type=float, default=60.0)
    parser.add_argument("--urls", type=int, default=50_000)
    parser.add_argument("--no-live", action="store_true", help="skip the live part")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    from benchmarks.follow import burst, live, load_items

    items = load_items(args.articles)
    bursts = {}
    for name, source in SOURCES.items():
        bursts[name] = burst(items, args.outlets, source)
        print(name, bursts[name], flush=True)
    lives = {}
    if not args.no_live:
        for name in ("RSS feed", "news sitemap"):
            lives[name] = live(items, args.outlets, args.replay, 5.0, 1.0, SOURCES[name])
            print(name, lives[name], flush=True)
    large = read_large(args.urls)
    text = render(args, bursts, lives, large)
    print(text)
    if not args.no_write:
        write_section("follow-sitemaps", text)


if __name__ == "__main__":
    main()
