"""Load on `newsweave serve` at newsroom size: a store of ~10k articles in stories grouped by
the real incremental grouper (its state saved, so a POSTed article is grouped incrementally),
every story with a stored brief; 50 clients on loopback read story pages, the brief API, the
story list and search. A second phase adds 2 `POST /api/articles` per second beside the same
readers. The server is the real CLI (`newsweave serve`) in its own process; the clients are
asyncio in this one. Writes the `serve` section of benchmarks/RESULTS.md.

    python benchmarks/serve.py [--articles 10000] [--clients 50] [--duration 30]

The articles are the two grouping development sets (`../shared/data/clustering`, 2,015 real
reports) repeated as *editions*: edition k is every report again, its first line marked
"Edition k." (so its content is new) and its date moved k x 1000 days earlier (past the
grouper's 730-day window, so each edition groups into stories of its own); undated reports get
a fixed date per edition. Weaving a thousand stories for real would take hours on this
machine, so each story's stored brief is ONE real brief, woven once from the bundled example's
three articles, re-labelled with the story's id and headline and stored with the story's own
members and fingerprint (so the server counts it current). Reads therefore measure serving
stored briefs, which is what the server does on a read; a POST's background work is real
(incremental grouping, then weaving its story from the articles' text)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import DATA, write_section  # noqa: E402

EXAMPLE = ROOT / "examples" / "sessions-2017"
SOURCES = [DATA / "clustering" / "mixed-dev.jsonl", DATA / "clustering" / "ecbplus-dev.jsonl"]
TOKEN = "bench-token"
EDITION_SHIFT_DAYS = 1000  # > the grouper's 730-day window
UNDATED_BASE = dt.date(2012, 6, 1)
HOT_STORIES = 200  # the story pages readers ask for (each warmed once before measuring)
P99_TARGET_MS = 100  # story page and brief API
LIST_P99_TARGET_MS = 300  # list and search
POSTS_PER_S = 2.0
POST_LIMIT_S = 5.0
KINDS = ("story page", "brief API", "list", "search")
TARGETS = {"story page": P99_TARGET_MS, "brief API": P99_TARGET_MS,
           "list": LIST_P99_TARGET_MS, "search": LIST_P99_TARGET_MS}
WARM_S = 0.5  # kept for callers that wait for a cached answer


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    app_ms: list[float] = field(default_factory=list)  # the server's own Server-Timing
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def fail(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


# --------------------------------------------------------------------------- the store
def base_articles(limit: int | None = None) -> list[dict]:
    """The real reports of the grouping development sets (labels dropped: never read)."""
    records: list[dict] = []
    for path in SOURCES:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    records.append({k: r.get(k) for k in ("id", "title", "outlet", "url",
                                                          "published", "text")})
    return records[:limit] if limit else records


def edition(record: dict, k: int, article_id: str | None = None) -> dict:
    """Report ``record`` as edition ``k``: new content, dated k x 1000 days earlier."""
    raw = (record.get("published") or "")[:10]
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        day = UNDATED_BASE
    day -= dt.timedelta(days=k * EDITION_SHIFT_DAYS)
    return {**record, "id": article_id or f"e{k}-{record['id']}",
            "text": f"Edition {k}.\n\n{record['text']}", "published": day.isoformat()}


def template_brief(tmp: Path) -> str:
    """One real brief: the bundled example's three articles woven as one story."""
    from newsweave import app
    from newsweave.ingest import read_articles
    from newsweave.store import open_store

    with open_store(str(tmp / "example.db")) as store:
        articles = read_articles([EXAMPLE])
        store.add_articles(articles)
        store.save_stories({a.id: "sessions-2017" for a in articles},
                           {"sessions-2017": "Sessions, Kislyak and the Russia inquiry"})
        woven, _brief, _articles = app.weave_story(store, "sessions-2017")
        return woven.brief_json


@dataclass
class StoreInfo:
    articles: int
    editions: int
    stories: int
    copies: int
    ingest_s: float
    group_s: float
    briefs_s: float
    searches: list[str]
    built: str = ""  # when, and the 1-minute load average then


def make_store(path: Path, n_articles: int, base_limit: int | None = None) -> StoreInfo:
    """``n_articles`` (rounded up to whole editions) grouped for real, each story given the
    re-labelled template brief as its stored, current version."""
    from newsweave import app
    from newsweave.models import Article
    from newsweave.store import open_store

    base = base_articles(base_limit)
    editions = max(1, math.ceil(n_articles / len(base)))
    built = (f"{time.strftime('%H:%M', time.gmtime())} UTC, load average "
             f"{os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    brief = json.loads(template_brief(path.parent))
    with open_store(str(path)) as store:
        articles = [Article(**edition(r, k)) for k in range(editions) for r in base]
        store.add_articles(articles, batch_size=2000)
        ingest_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        app.group_new(store)
        group_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        wanted = app.current_fingerprints(store)
        headlines = store.story_headlines()
        members = store.story_memberships()
        for sid, fp in wanted.items():
            relabelled = {**brief, "story": {**brief["story"], "id": sid,
                                             "headline": headlines.get(sid) or sid}}
            store.add_brief_version(sid, [m[0] for m in members[sid]], fp,
                                    json.dumps(relabelled, ensure_ascii=False))
        briefs_s = time.perf_counter() - t0
        copies = sum(1 for ms in members.values() for m in ms if m[1])
        count = store.count_articles()
    words: dict[str, int] = {}
    for r in base:
        for w in re.findall(r"[A-Za-z]{5,}", r.get("title") or ""):
            words[w.lower()] = words.get(w.lower(), 0) + 1
    searches = [w for w, _ in sorted(words.items(), key=lambda x: -x[1])[:40]]
    return StoreInfo(count, editions, len(wanted), copies, ingest_s, group_s, briefs_s,
                     searches, built)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, workers: int, log: Path,
                 token: str | None = None) -> subprocess.Popen:
    """`newsweave serve` in its own process; its log goes to a file (a pipe nobody reads
    would fill up and stall the server)."""
    cmd = [sys.executable, "-m", "newsweave.cli", "serve", "--db", str(db), "--port", str(port),
           "--workers", str(workers)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("NEWSWEAVE_TOKEN", None)
    if token:
        env["NEWSWEAVE_TOKEN"] = token
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/stories?limit=1", timeout=2).is_success:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()[-2000:]}")
    proc.kill()
    raise SystemExit("server did not start within 60 s")


class Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams. The load generator must cost
    far less than the server it measures: httpx's async pool topped out near 200 req/s here
    (50 connections), below what the server answers, so the clients speak plain HTTP/1.1
    (GET, Content-Length bodies: all this server sends)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int, float | None]:
        """(status, body bytes, server's app time in ms) of one GET. A reused connection that
        the server closed while idle (its keep-alive timeout) is reopened once, as browsers
        do; a fresh connection failing is an error."""
        reused = self.writer is not None
        try:
            return await self._get(path)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            if not reused or getattr(exc, "partial", b""):  # a cut-off answer is an error
                raise
        return await self._get(path)

    async def _get(self, path: str) -> tuple[int, int, float | None]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n"
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            await self.close()
        timing = re.search(r"app;dur=([0-9.]+)", headers.get("server-timing", ""))
        return status, len(body), float(timing.group(1)) if timing else None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time so far of a process and its children (the uvicorn workers),
    from Linux /proc; None where unknown."""
    own = _stat(pid)
    if own is None:
        return None
    stats = [own]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (s := _stat(int(entry.name))) and s[1] == str(pid):
            stats.append(s)
    return sum(int(s[11]) + int(s[12]) for s in stats) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]



@dataclass
class Readers:
    """What the readers ask for: the hot stories and the words they search."""

    stories: list[str]
    searches: list[str]

    def path(self, kind: str, rng: random.Random) -> str:
        sid = rng.choice(self.stories)
        if kind == "story page":
            return f"/stories/{sid}"
        if kind == "brief API":
            return f"/api/stories/{sid}/brief"
        if kind == "list":
            return rng.choice(["/", "/?sort=sources", "/api/stories?sort=articles&limit=50",
                               "/?page=2", "/api/stories?sort=first_published&limit=20"])
        word = rng.choice(self.searches)
        return rng.choice([f"/?q={word}", f"/api/stories?q={word}&limit=20"])


async def client(host: str, port: int, stop_at: float, think_s: float,
                 tallies: dict[str, Tally], readers: Readers, rng: random.Random) -> None:
    conn = Connection(host, port)
    while time.perf_counter() < stop_at:
        kind = rng.choice(KINDS)
        t0 = time.perf_counter()
        try:
            status, size, app_ms = await asyncio.wait_for(
                conn.get(readers.path(kind, rng)), 30)
            elapsed = time.perf_counter() - t0
            if status != 200 or size == 0:
                tallies[kind].fail(f"HTTP {status}")
            else:
                tallies[kind].latencies.append(elapsed)
                if app_ms is not None:
                    tallies[kind].app_ms.append(app_ms)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            tallies[kind].fail(type(exc).__name__)
            await conn.close()
        if think_s:
            await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
    await conn.close()


@dataclass
class Posts:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)


async def writer(port: int, stop_at: float, records: list[dict], k: int, posts: Posts,
                 rng: random.Random, tag: str = "") -> None:
    """``POSTS_PER_S`` POSTs per second on a fixed schedule (an open loop: a slow answer does
    not delay the next POST), each a report of a new edition ``k``. The client is plain HTTP
    on loopback, made without loading a CA bundle (``verify=False``): loading one took 20 to
    100 ms of this process's event loop at the start of the phase, which delayed every
    reader's request of that moment and was counted as the server's read latency."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                 verify=False,
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        async def one(n: int) -> None:
            body = edition(rng.choice(records), k, article_id=f"post-{k}-{tag}-{n}")
            body["text"] = f"Update {tag}-{n}. {body['text']}"  # new, if drawn twice too
            t0 = time.perf_counter()
            try:
                r = await http.post("/api/articles", json=body)
                kind = str(r.status_code)
                if r.status_code == 202:
                    posts.ids.append(body["id"])
            except httpx.HTTPError as exc:
                kind = type(exc).__name__
            posts.latencies.append(time.perf_counter() - t0)
            posts.statuses[kind] = posts.statuses.get(kind, 0) + 1

        start, tasks, n = time.perf_counter(), [], 0
        while (due := start + n / POSTS_PER_S) < stop_at:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(n)))
            n += 1
        await asyncio.gather(*tasks)


async def load(port: int, clients: int, duration: float, think_s: float, readers: Readers,
               posts: Posts | None = None, records: list[dict] | None = None,
               k: int = 0) -> dict[str, Tally]:
    tallies = {kind: Tally() for kind in KINDS}
    stop_at = time.perf_counter() + duration
    jobs = [client("127.0.0.1", port, stop_at, think_s, tallies, readers, random.Random(i))
            for i in range(clients)]
    if posts is not None and records:
        jobs.append(writer(port, stop_at, records, k, posts, random.Random(99),
                           tag=f"t{think_s * 1000:g}"))
    await asyncio.gather(*jobs)
    return tallies


async def warm(port: int, readers: Readers) -> float:
    """Every hot story page and brief answered once (so the rows measure the cached path),
    and the list and search views once; returns the seconds it took."""
    t0 = time.perf_counter()
    conn = Connection("127.0.0.1", port)
    paths = [p for sid in readers.stories for p in (f"/stories/{sid}",
                                                     f"/api/stories/{sid}/brief")]
    paths += ["/", "/?sort=sources", "/api/stories?sort=articles&limit=50", "/?page=2",
              "/api/stories?sort=first_published&limit=20"]
    paths += [p for w in readers.searches for p in (f"/?q={w}", f"/api/stories?q={w}&limit=20")]
    try:
        for path in paths:
            status, _size, _app = await conn.get(path)
            if status != 200:
                raise SystemExit(f"warm-up: {path} answered {status}")
    finally:
        await conn.close()
    return time.perf_counter() - t0


def row(phase: str, think_ms: float, kind: str, t: Tally, duration: float, cpu_ms: str) -> str:
    ms = [x * 1000 for x in t.latencies]
    errors = str(t.errors) + (f" ({t.error_kinds})" if t.error_kinds else "")
    return (f"| {phase} | {think_ms:.0f} | {kind} | {len(ms) + t.errors} | "
            f"{len(ms) / duration:.0f} | {statistics.median(ms) if ms else float('nan'):.1f} | "
            f"{percentile(ms, 90):.1f} | {percentile(ms, 99):.1f} | "
            f"{max(ms) if ms else float('nan'):.1f} | "
            f"{percentile(t.app_ms, 50):.2f} / {percentile(t.app_ms, 99):.2f} | {cpu_ms} | "
            f"{errors} |")


def p99_ms(t: Tally) -> float:
    return percentile([x * 1000 for x in t.latencies], 99)


@dataclass
class Run:
    rows: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def measure(db: Path, info: StoreInfo, args: argparse.Namespace, run: Run) -> None:
    """Both phases for each think time, on one server over a copy of the store."""
    port = free_port()
    log = db.with_suffix(".log")
    server = start_server(db, port, 1, log, token=TOKEN)
    try:
        ids = httpx.get(f"http://127.0.0.1:{port}/api/stories?sort=articles&limit=200",
                        timeout=120).json()["items"]
        hot = [s["id"] for s in ids][:HOT_STORIES]
        readers = Readers(hot, info.searches[:20])
        warm_s = asyncio.run(warm(port, readers))
        run.notes.append(f"warming {len(hot)} story pages and briefs, 5 list and "
                         f"{2 * len(readers.searches)} search views took {warm_s:.1f} s")
        records = base_articles(args.base_limit)
        first_s = first_post(port, records, info.editions)
        run.notes.append(f"one POST before measuring, to start the server's job process as "
                         f"a running server has it (models loaded), was in a story after "
                         f"{first_s:.1f} s")
        for think_ms in args.think_ms:
            think_s = think_ms / 1000
            asyncio.run(load(port, args.clients, 2.0, think_s, readers))  # warm-up, dropped
            read_only: dict[str, Tally] = {}
            for phase in ("reads only", "reads + 2 POST/s"):
                posts = Posts() if phase != "reads only" else None
                run.loads.append(f"{phase}, {think_ms:.0f} ms: {os.getloadavg()[0]:.1f}")
                cpu0 = cpu_seconds(server.pid)
                tallies = asyncio.run(load(port, args.clients, args.duration, think_s,
                                           readers, posts, records, info.editions))
                cpu1 = cpu_seconds(server.pid)
                served = sum(len(t.latencies) for t in tallies.values())
                cpu_ms = (f"{(cpu1 - cpu0) / served * 1000:.2f}"
                          if cpu0 is not None and cpu1 is not None and served else "?")
                run.rows += [row(phase, think_ms, kind, t, args.duration, cpu_ms)
                             for kind, t in tallies.items()]
                if posts is None:
                    read_only = tallies
                    ok = all(t.errors == 0 and p99_ms(t) < TARGETS[k]
                             for k, t in tallies.items())
                    run.verdicts.append(
                        f"{think_ms:.0f} ms think, reads only (story page and brief API p99 "
                        f"< {P99_TARGET_MS} ms, list and search p99 < {LIST_P99_TARGET_MS} "
                        f"ms, no errors): {'met' if ok else 'NOT met'}")
                    continue
                grouped = asyncio.run(count_grouped(port, posts.ids))
                slowest = max(posts.latencies, default=float("nan"))
                ratios = {k: p99_ms(t) / p99_ms(read_only[k]) for k, t in tallies.items()}
                ok_posts = slowest < POST_LIMIT_S and set(posts.statuses) == {"202"}
                ok_reads = all(r <= 2 for r in ratios.values()) and all(
                    t.errors == 0 for t in tallies.values())
                run.rows.append(
                    f"| {phase} | {think_ms:.0f} | POST /api/articles | "
                    f"{len(posts.latencies)} | {len(posts.latencies) / args.duration:.1f} | "
                    f"{statistics.median(posts.latencies) * 1000:.1f} | "
                    f"{percentile([x * 1000 for x in posts.latencies], 90):.1f} | "
                    f"{percentile([x * 1000 for x in posts.latencies], 99):.1f} | "
                    f"{slowest * 1000:.1f} | | | statuses {posts.statuses} |")
                run.verdicts.append(
                    f"{think_ms:.0f} ms think, with 2 POST/s: slowest POST {slowest:.2f} s "
                    f"(limit {POST_LIMIT_S:.0f} s, all 202: "
                    f"{'met' if ok_posts else 'NOT met'}); read p99 / reads-only p99: "
                    + ", ".join(f"{k} {r:.2f}x" for k, r in ratios.items())
                    + f" (limit 2x, no errors: {'met' if ok_reads else 'NOT met'})")
                run.notes.append(
                    f"{think_ms:.0f} ms think: {grouped} of {len(posts.ids)} POSTed articles "
                    f"were in a story when the phase ended")
    except (OSError, asyncio.IncompleteReadError, httpx.HTTPError):
        print(f"server log:\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        server.terminate()
        server.wait(timeout=30)


def first_post(port: int, records: list[dict], k: int, limit_s: float = 180) -> float:
    """POST one report and wait until it is in a story; returns the seconds that took."""
    body = edition(records[0], k, article_id=f"post-{k}-first")
    t0 = time.perf_counter()
    r = httpx.post(f"http://127.0.0.1:{port}/api/articles", json=body, timeout=60,
                   headers={"Authorization": f"Bearer {TOKEN}"})
    if r.status_code != 202:
        raise SystemExit(f"first POST answered {r.status_code}: {r.text[:200]}")
    while time.perf_counter() - t0 < limit_s:
        got = httpx.get(f"http://127.0.0.1:{port}/api/articles/{body['id']}", timeout=30)
        if got.status_code == 200 and got.json().get("stories"):
            return time.perf_counter() - t0
        time.sleep(0.5)
    raise SystemExit(f"the first POSTed article was not grouped within {limit_s:.0f} s")


async def count_grouped(port: int, ids: list[str]) -> int:
    """How many of the POSTed articles the background worker has put in a story so far."""
    n = 0
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        for aid in ids:
            r = await http.get(f"/api/articles/{aid}")
            if r.status_code == 200 and r.json().get("stories"):
                n += 1
    return n


def build_or_copy(db: Path, args: argparse.Namespace) -> StoreInfo:
    """Build the store, or copy the one ``--cache`` kept from an earlier run (the build is
    the slow part; the measured server gets a fresh copy, as POSTs change it)."""
    cached = Path(args.cache) / f"serve-{args.articles}-{args.base_limit or 'all'}.db" \
        if args.cache else None
    meta = cached.with_suffix(".json") if cached else None
    def copy(src: Path, dst: Path) -> None:  # with SQLite's WAL, if one was left
        for suffix in ("", "-wal"):
            if Path(f"{src}{suffix}").exists():
                shutil.copy(f"{src}{suffix}", f"{dst}{suffix}")

    if cached and cached.exists() and meta and meta.exists():
        copy(cached, db)
        return StoreInfo(**json.loads(meta.read_text()))
    info = make_store(db, args.articles, args.base_limit)
    if cached and meta:
        cached.parent.mkdir(parents=True, exist_ok=True)
        copy(db, cached)
        meta.write_text(json.dumps(info.__dict__))
    return info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    ap.add_argument("--think-ms", type=float, nargs="+", default=[100.0],
                    help="pause between a client's requests; both phases per value")
    ap.add_argument("--base-limit", type=int, default=None,
                    help="use only the first N real reports (tests, quick tries)")
    ap.add_argument("--cache", help="folder to keep the built store in and reuse it from")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()
    if args.articles < 1 or args.clients < 1 or args.duration <= 0 or min(args.think_ms) < 0:
        ap.error("--articles and --clients must be >= 1, --duration > 0, --think-ms >= 0")
    missing = [str(p) for p in SOURCES if not p.exists()]
    if missing:
        print(f"error: benchmark data not found: {missing[0]}", file=sys.stderr)
        return 2

    run = Run(rows=[
        "| phase | think ms | request | requests | req/s | p50 ms | p90 ms | p99 ms | max ms "
        "| in app p50 / p99 ms | server CPU ms/req | errors |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ])
    with tempfile.TemporaryDirectory(prefix="newsweave-serve-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        info = build_or_copy(db, args)
        measure(db, info, args, run)

    think = " ".join(f"{x:g}" for x in args.think_ms)
    text = (
        f"`python benchmarks/serve.py --articles {args.articles} --clients {args.clients} "
        f"--duration {args.duration:g} --think-ms {think}"
        + (f" --base-limit {args.base_limit}" if args.base_limit else "") + "`. "
        f"**Store:** SQLite, {info.articles} articles: the {info.articles // info.editions} "
        f"real reports of the two grouping development sets as {info.editions} editions "
        f"(edition k: first line \"Edition k.\", dated k x {EDITION_SHIFT_DAYS} days earlier, "
        f"undated reports given {UNDATED_BASE} minus that), grouped by the real incremental "
        f"grouper into {info.stories} stories ({info.copies} articles flagged as copies; "
        f"ingest {info.ingest_s:.0f} s, grouping {info.group_s:.0f} s; built {info.built}"
        f"{' and kept for reuse with --cache' if args.cache else ''}). **Briefs:** every "
        f"story has a stored brief, but it is NOT its own: it is one real brief woven once "
        f"from the bundled example's three articles (`examples/sessions-2017`), re-labelled "
        f"with the story's id and headline and stored with the story's members and "
        f"fingerprint, so the server counts it current and serves it ({info.briefs_s:.1f} s to "
        f"store them all). "
        f"**Load:** `newsweave serve` (1 worker), {args.clients} keep-alive clients on "
        f"loopback in a second process on the same {os.cpu_count()}-core machine, each "
        f"request one of: the story page or the brief API of one of the {HOT_STORIES} "
        f"largest stories, a list view (`/`, sorted, page 2, the list API), a search (`/?q=` "
        f"or the API, 20 title words); each client pauses think time x 0.5-1.5 between "
        f"requests. Phase *reads + 2 POST/s* adds one more client POSTing a new report "
        f"(a further edition of a random one) every 0.5 s on a fixed schedule; the server "
        f"stores and answers it; grouping and weaving its story follow in the server's job "
        f"process (`newsweave.jobs`, nice +10; for real: MiniLM, spaCy, the join model). "
        f"{args.duration:g} s per phase after a 2 s "
        f"warm-up; " + "; ".join(run.notes) + ". 1-minute load average as each phase began: "
        + "; ".join(run.loads) + ". Columns as in the rows below: latency measured by the "
        "clients, \"in app\" the server's Server-Timing, server CPU (server and job "
        "process) per answered read.\n\n"
        + "\n".join(run.rows)
        + "\n\nTargets: " + "; ".join(run.verdicts) + ".\n"
    )
    print(text)
    if not args.no_write:
        write_section("serve", "## serve: reads and writes at 10k articles\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
