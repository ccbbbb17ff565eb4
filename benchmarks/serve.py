"""Load on `newsweave serve`: concurrent clients on loopback against the story page and the
brief API of the example story, after one warm-up weave (so what is measured is the cached
path). The server is the real CLI (`newsweave serve`) in its own process; the clients are
httpx async in this one. Writes the `serve` section of benchmarks/RESULTS.md.

    python benchmarks/serve.py [--clients 50] [--duration 30] [--think-ms 0]

With ``--think-ms 0`` every client sends its next request as soon as the last one is answered
(a closed loop at saturation: latency is then concurrency / throughput); a think time models
readers who pause between requests."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
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

from benchmarks._results import write_section  # noqa: E402

EXAMPLE = ROOT / "examples" / "sessions-2017"
STORY = "sessions-2017"
FILLER_STORIES = 200  # other stories in the store, so the list and search do real work
ENDPOINTS = {"story page": f"/stories/{STORY}", "brief API": f"/api/stories/{STORY}/brief"}
P99_TARGET_MS = 100
WARM_S = 0.5  # a brief answered faster than this came from the cache


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    app_ms: list[float] = field(default_factory=list)  # the server's own Server-Timing
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def fail(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


def make_store(path: Path) -> None:
    """The example articles as one story, plus filler stories of one article each."""
    from newsweave.ingest import read_articles
    from newsweave.models import Article
    from newsweave.store import open_store

    store = open_store(str(path))
    articles = read_articles([EXAMPLE])
    rng = random.Random(7)
    words = " ".join(a.text for a in articles).split()
    filler = [
        Article(f"f{i}", " ".join(rng.choice(words) for _ in range(300)) + f" filler{i}.",
                published=f"2017-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
        for i in range(FILLER_STORIES)
    ]
    store.add_articles(articles + filler)
    assignments = {a.id: STORY for a in articles} | {a.id: f"story-{a.id}" for a in filler}
    headlines = {STORY: "Sessions, Kislyak and the Russia inquiry"} | {
        f"story-{a.id}": f"Filler story {a.id}" for a in filler}
    store.save_stories(assignments, headlines)
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    """`newsweave serve` in its own process; its log goes to a file (a pipe nobody reads
    would fill up and stall the server)."""
    cmd = [sys.executable, "-m", "newsweave.cli", "serve", "--db", str(db), "--port", str(port),
           "--workers", str(workers)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
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


async def client(
    host: str, port: int, stop_at: float, think_s: float, tallies: dict[str, Tally],
    rng: random.Random,
) -> None:
    names = list(ENDPOINTS)
    conn = Connection(host, port)
    while time.perf_counter() < stop_at:
        name = rng.choice(names)
        t0 = time.perf_counter()
        try:
            status, size, app_ms = await asyncio.wait_for(conn.get(ENDPOINTS[name]), 30)
            elapsed = time.perf_counter() - t0
            if status != 200 or size == 0:
                tallies[name].fail(f"HTTP {status}")
            else:
                tallies[name].latencies.append(elapsed)
                if app_ms is not None:
                    tallies[name].app_ms.append(app_ms)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            tallies[name].fail(type(exc).__name__)
            await conn.close()
        if think_s:
            await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
    await conn.close()


async def load(port: int, clients: int, duration: float, think_s: float) -> dict[str, Tally]:
    tallies = {name: Tally() for name in ENDPOINTS}
    stop_at = time.perf_counter() + duration
    await asyncio.gather(*(client("127.0.0.1", port, stop_at, think_s, tallies,
                                  random.Random(i)) for i in range(clients)))
    return tallies


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


async def warm_all_workers(port: int, workers: int, deadline_s: float = 600) -> float:
    """Until a round of concurrent brief requests all come back fast, every worker has woven
    the brief (each process keeps its own cache). Returns the seconds it took."""
    t0 = time.perf_counter()
    conns = [Connection("127.0.0.1", port) for _ in range(4 * workers)]
    try:
        while time.perf_counter() - t0 < deadline_s:
            async def timed(conn: Connection) -> float:
                start = time.perf_counter()
                status, _size, _app = await conn.get(ENDPOINTS["brief API"])
                # 202: that worker is still weaving the brief in the background
                return time.perf_counter() - start if status == 200 else float("inf")

            if max(await asyncio.gather(*(timed(c) for c in conns))) < WARM_S:
                return time.perf_counter() - t0
        raise SystemExit("the server did not warm up")
    finally:
        for conn in conns:
            await conn.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def table_rows(
    workers: int, think_ms: float, tallies: dict[str, Tally], duration: float, cpu_ms: str
) -> tuple[list[str], bool]:
    rows, ok = [], True
    for name, t in tallies.items():
        ms = [x * 1000 for x in t.latencies]
        p99 = percentile(ms, 99)
        ok &= t.errors == 0 and p99 < P99_TARGET_MS
        errors = str(t.errors) + (f" ({t.error_kinds})" if t.error_kinds else "")
        rows.append(
            f"| {workers} | {think_ms:.0f} | {name} | {len(ms) + t.errors} | "
            f"{len(ms) / duration:.0f} | {statistics.median(ms) if ms else float('nan'):.1f} | "
            f"{percentile(ms, 90):.1f} | {p99:.1f} | {max(ms) if ms else float('nan'):.1f} | "
            f"{percentile(t.app_ms, 50):.2f} / {percentile(t.app_ms, 99):.2f} | {cpu_ms} | "
            f"{errors} |"
        )
    return rows, ok


@dataclass
class Runs:
    rows: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    cold_s: list[float] = field(default_factory=list)


def run_server(workers: int, args: argparse.Namespace, db: Path, runs: Runs) -> None:
    """One server configuration under each think time."""
    port = free_port()
    log = db.with_suffix(f".{workers}.log")
    server = start_server(db, port, workers, log)
    try:
        t0 = time.perf_counter()
        # the first read queues the weave (202) and the background worker stores the brief
        while True:
            first = httpx.get(f"http://127.0.0.1:{port}{ENDPOINTS['brief API']}", timeout=300)
            first.raise_for_status()
            if first.status_code == 200 or time.perf_counter() - t0 > 300:
                break
            time.sleep(0.2)
        runs.cold_s.append(time.perf_counter() - t0)
        asyncio.run(warm_all_workers(port, workers))
        for think_ms in args.think_ms:
            asyncio.run(load(port, args.clients, 2.0, think_ms / 1000))  # warm-up, dropped
            runs.loads.append(os.getloadavg()[0])
            cpu_before = cpu_seconds(server.pid)
            tallies = asyncio.run(load(port, args.clients, args.duration, think_ms / 1000))
            cpu_after = cpu_seconds(server.pid)
            served = sum(len(t.latencies) for t in tallies.values())
            cpu_ms = (f"{(cpu_after - cpu_before) / served * 1000:.2f}"
                      if cpu_before is not None and cpu_after is not None and served else "?")
            more, ok = table_rows(workers, think_ms, tallies, args.duration, cpu_ms)
            runs.rows += more
            runs.verdicts.append(f"{workers} worker(s), {think_ms:.0f} ms think time: "
                                 f"{'met' if ok else 'NOT met'}")
    except (OSError, asyncio.IncompleteReadError, httpx.HTTPError):
        print(f"server log ({workers} workers):\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of measured load")
    ap.add_argument("--think-ms", type=float, nargs="+", default=[0.0, 100.0],
                    help="pause between a client's requests; one run per value (default 0 100)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                    help="server processes; one server per value (default 1 2)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()
    if args.clients < 1 or args.duration <= 0 or min(args.think_ms) < 0 or min(args.workers) < 1:
        ap.error("--clients and --workers must be >= 1, --duration > 0, --think-ms >= 0")

    runs = Runs(rows=[
        "| workers | think ms | endpoint | requests | req/s | p50 ms | p90 ms | p99 ms | max ms "
        "| in app p50 / p99 ms | server CPU ms/req | errors |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ])
    with tempfile.TemporaryDirectory(prefix="newsweave-serve-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        make_store(db)
        for workers in args.workers:
            run_server(workers, args, db, runs)

    think = " ".join(f"{x:g}" for x in args.think_ms)
    workers = " ".join(str(w) for w in args.workers)
    text = (
        f"`python benchmarks/serve.py --clients {args.clients} --duration {args.duration:.0f} "
        f"--workers {workers} --think-ms {think}`: {args.clients} concurrent keep-alive clients "
        f"on loopback, {args.duration:.0f} s per row pair; each request picks the story page "
        f"or the brief API of the 3-article example story at random. Think time 0 is a closed "
        f"loop at saturation (latency = concurrency / throughput); otherwise each client "
        f"pauses (think time × 0.5–1.5) between requests, like readers. Server: `newsweave "
        f"serve --workers N` (uvicorn with httptools and uvloop) over SQLite with "
        f"{FILLER_STORIES + 1} stories. The clients run in a second process on the same "
        f"{os.cpu_count()}-core machine, whose 1-minute load average was "
        f"{', '.join(f'{x:.1f}' for x in runs.loads)} as the runs began (other work shares it). "
        f"The first, uncached brief (real weave, models loading) took "
        f"{', '.join(f'{x:.1f}' for x in runs.cold_s)} s; the rows are the cached path (a 2 s "
        f"warm-up is dropped). Latencies are measured by the clients (request written to "
        f"response read); \"in app\" is the server's own Server-Timing (request in to response "
        f"start), so the gap between the two is waiting for a CPU and the event loop; server "
        f"CPU is user + system time of all server processes over the run, per answered "
        f"request.\n\n"
        + "\n".join(runs.rows)
        + f"\n\nTarget, zero errors and p99 < {P99_TARGET_MS} ms: {'; '.join(runs.verdicts)}.\n"
    )
    print(text)
    if not args.no_write:
        write_section("serve", "## serve: load on the web reader and API\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
