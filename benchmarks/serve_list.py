"""Load on the story list at newsroom size: a store of ~10k articles (synthetic reports from
40 outlet domains with an outlet table, grouped into stories of 1-9 articles with some
syndicated copies), and 50 clients on loopback asking for the filtered and sorted list page
and list API. The server is the real CLI (`newsweave serve`) in its own process; the clients
are benchmarks/serve.py's minimal keep-alive HTTP/1.1 client. Writes the `serve-list` section
of benchmarks/RESULTS.md.

    python benchmarks/serve_list.py [--articles 10000] [--clients 50] [--duration 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402
from benchmarks.serve import (  # noqa: E402
    P99_TARGET_MS,
    Connection,
    Tally,
    cpu_seconds,
    free_port,
    percentile,
    start_server,
)

LEANS = ("left", "lean left", "center", "lean right", "right")
COUNTRIES = ("US", "GB", "IN", "AU", "CA")
# what a reader asks: the list filtered by lean and dates, sorted by sources; the API sorted
# by articles, filtered by country; a full-text search narrowed by lean
ENDPOINTS = {
    "list page: lean=left, from/to, sort=sources":
        "/?sort=sources&lean=left&from=2017-03-01&to=2017-09-30",
    "list page 3: sort=articles, country=GB": "/?sort=articles&country=GB&page=3",
    "list API: sort=first_published, outlet, limit 50":
        "/api/stories?sort=first_published&outlet=outlet7.com&limit=50",
    "list API: q=harbour, lean=right": "/api/stories?q=harbour&lean=right",
}
#: a list page whose dates vary per request (~33k variants): mostly not in the page cache,
#: so this row measures filtering, sorting and rendering
UNCACHED = "list page: random from/to, sort=sources, lean=right"


def uncached_path(rng: random.Random) -> str:
    start = 1483228800 + rng.randrange(365) * 86400
    end = start + rng.randint(30, 120) * 86400
    day = "%Y-%m-%d"
    return (f"/?sort=sources&lean=right&from={time.strftime(day, time.gmtime(start))}"
            f"&to={time.strftime(day, time.gmtime(end))}")
WORDS = ("council harbour budget strike election court storm vaccine rail trade minister "
         "report police museum river school bank market farm energy").split()
FILLER = [f"w{i}" for i in range(2000)]  # the body's other words: a topic word stays rare


def make_store(path: Path, n_articles: int, seed: int = 7) -> tuple[int, int]:
    """``n_articles`` short reports in stories of 1-9, 40 outlets; (stories, copies)."""
    from newsweave.models import Article
    from newsweave.outlets import Outlet
    from newsweave.store import open_store

    rng = random.Random(seed)
    outlets = [Outlet(f"outlet{i}.com", f"Outlet {i}", LEANS[i % len(LEANS)],
                      COUNTRIES[i % len(COUNTRIES)], f"Owner {i % 12}") for i in range(40)]
    articles: list[Article] = []
    assignments: dict[str, str] = {}
    headlines: dict[str, str] = {}
    copies: dict[str, str] = {}
    story = 0
    while len(articles) < n_articles:
        sid = f"story-{story}"
        topic = rng.sample(WORDS, 3)
        day = rng.randrange(365)
        size = min(rng.randint(1, 9), n_articles - len(articles))
        first_id = None
        for k in range(size):
            aid = f"a{len(articles)}"
            o = rng.choice(outlets)
            published = time.strftime("%Y-%m-%d", time.gmtime(1483228800 + (day + k) * 86400))
            text = " ".join(rng.choice(FILLER) for _ in range(60))
            articles.append(Article(aid, f"{' '.join(topic)} {text} {aid}.",
                                    title=f"{' '.join(topic).title()} {aid}", outlet=o.name,
                                    url=f"https://www.{o.domain}/news/{aid}",
                                    published=published))
            assignments[aid] = sid
            if first_id is None:
                first_id = aid
            elif rng.random() < 0.15:
                copies[aid] = first_id
        headlines[sid] = " ".join(topic).title()
        story += 1
    store = open_store(str(path))
    store.add_articles(articles, batch_size=2000)
    store.save_stories(assignments, headlines, copies)
    store.import_outlets(outlets)
    store.close()
    return story, len(copies)


async def client(port: int, stop_at: float, think_s: float, tallies: dict[str, Tally],
                 rng: random.Random) -> None:
    names = [*ENDPOINTS, UNCACHED]
    conn = Connection("127.0.0.1", port)
    while time.perf_counter() < stop_at:
        name = rng.choice(names)
        path = uncached_path(rng) if name == UNCACHED else ENDPOINTS[name]
        t0 = time.perf_counter()
        try:
            status, size, app_ms = await asyncio.wait_for(conn.get(path), 30)
            if status != 200 or size == 0:
                tallies[name].fail(f"HTTP {status}")
            else:
                tallies[name].latencies.append(time.perf_counter() - t0)
                if app_ms is not None:
                    tallies[name].app_ms.append(app_ms)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            tallies[name].fail(type(exc).__name__)
            await conn.close()
        if think_s:
            await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
    await conn.close()


async def load(port: int, clients: int, duration: float, think_s: float) -> dict[str, Tally]:
    tallies = {name: Tally() for name in [*ENDPOINTS, UNCACHED]}
    stop_at = time.perf_counter() + duration
    await asyncio.gather(*(client(port, stop_at, think_s, tallies, random.Random(i))
                           for i in range(clients)))
    return tallies


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=15.0, help="seconds per think time")
    ap.add_argument("--think-ms", type=float, nargs="+", default=[0.0, 100.0])
    ap.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()
    if args.articles < 1 or args.clients < 1 or args.duration <= 0 or min(args.think_ms) < 0:
        ap.error("--articles and --clients must be >= 1, --duration > 0, --think-ms >= 0")
    rows = [
        "| think ms | request | requests | req/s | p50 ms | p90 ms | p99 ms | max ms "
        "| in app p50 / p99 ms | server CPU ms/req | errors |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts, loads = [], []
    with tempfile.TemporaryDirectory(prefix="newsweave-list-bench-") as tmp:
        db = Path(tmp) / "list.db"
        t0 = time.perf_counter()
        stories, n_copies = make_store(db, args.articles)
        build_s = time.perf_counter() - t0
        port = free_port()
        server = start_server(db, port, args.workers, db.with_suffix(".log"))
        try:
            t0 = time.perf_counter()  # the first list request builds the catalog
            httpx.get(f"http://127.0.0.1:{port}/?lean=left", timeout=120).raise_for_status()
            cold_s = time.perf_counter() - t0
            for _ in range(4 * args.workers):  # each worker builds its own catalog
                for path in ENDPOINTS.values():
                    httpx.get(f"http://127.0.0.1:{port}{path}", timeout=60).raise_for_status()
            for think_ms in args.think_ms:
                asyncio.run(load(port, args.clients, 2.0, think_ms / 1000))  # warm-up, dropped
                loads.append(os.getloadavg()[0])
                cpu0 = cpu_seconds(server.pid)
                tallies = asyncio.run(load(port, args.clients, args.duration, think_ms / 1000))
                cpu1 = cpu_seconds(server.pid)
                served = sum(len(t.latencies) for t in tallies.values())
                cpu_ms = (f"{(cpu1 - cpu0) / served * 1000:.2f}"
                          if cpu0 is not None and cpu1 is not None and served else "?")
                ok = True
                for name, t in tallies.items():
                    ms = [x * 1000 for x in t.latencies]
                    p99 = percentile(ms, 99)
                    ok &= t.errors == 0 and p99 < P99_TARGET_MS
                    shown = ("`/?sort=sources&lean=right&from=(random)&to=(random)`"
                             if name == UNCACHED else f"`{ENDPOINTS[name]}`")
                    rows.append(
                        f"| {think_ms:.0f} | {shown} | {len(ms) + t.errors} | "
                        f"{len(ms) / args.duration:.0f} | {percentile(ms, 50):.1f} | "
                        f"{percentile(ms, 90):.1f} | {p99:.1f} | {max(ms, default=0):.1f} | "
                        f"{percentile(t.app_ms, 50):.2f} / {percentile(t.app_ms, 99):.2f} | "
                        f"{cpu_ms} | {t.errors} |")
                verdicts.append(f"{think_ms:.0f} ms think time: {'met' if ok else 'NOT met'}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    think = " ".join(f"{x:g}" for x in args.think_ms)
    text = (
        f"`python benchmarks/serve_list.py --articles {args.articles} --clients {args.clients} "
        f"--duration {args.duration:g} --think-ms {think} --workers {args.workers}`: a SQLite "
        f"store of {args.articles} "
        f"synthetic articles from 40 outlet domains (outlet table imported: 5 leans, 5 "
        f"countries) in {stories} stories of 1-9 articles, {n_copies} flagged as copies "
        f"(built in {build_s:.0f} s). `newsweave serve --workers {args.workers}`; "
        f"{args.clients} keep-alive "
        f"clients on loopback, each request one of the five below at random, {args.duration:g} "
        f"s per think time after a 2 s warm-up; the first list request, which builds the "
        f"in-memory catalog from the store, took {cold_s * 1000:.0f} ms. The four fixed "
        f"requests repeat, so after their first answer they come from the per-store-version "
        f"caches (filtered ids, rendered page); the random-dates row is mostly uncached (a "
        f"new filter, sort and render per request). Clients and server "
        f"share this {os.cpu_count()}-core machine (1-minute load average "
        f"{', '.join(f'{x:.1f}' for x in loads)} as the runs began). Columns as in the serve "
        f"section above.\n\n" + "\n".join(rows)
        + f"\n\nTarget, zero errors and p99 < {P99_TARGET_MS} ms: {'; '.join(verdicts)}.\n")
    print(text)
    if not args.no_write:
        write_section("serve-list", "## serve: the story list at 10k articles\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
