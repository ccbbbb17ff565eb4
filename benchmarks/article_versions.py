"""What many versions cost a reader: a live page's article page at N captures, and a living
story's page at N stored briefs.

A follower stores every changed capture of a page as the article's next version, so a live
page followed for a week holds hundreds. Synthetic pages (made at run time, no data read):
one article captured N times, each capture about ``--words`` words with one paragraph new,
in a fresh SQLite store that also holds 500 other stories (2,000 reports, 1,500 stored
briefs). Timed in process through the web app (FastAPI's test client, no
network), median of ``--repeats`` requests after one warm-up:

- ``GET /api/articles/{id}``: the article and its versions' metadata;
- ``GET /articles/{id}``: its page (the current text, what the latest capture changed);
- ``GET /articles/{id}?version=N/2``: an older version's page;
- ``GET /api/articles/{id}/versions/N/2``: one version's text and changes.

A story followed for weeks is woven again after every round that changed it, each brief
stored as its next version: one story of 200 articles with N stored briefs (each listing the
articles it was woven from, 20 to 200), timed the same way:

- ``GET /stories/{id}?version=N/2``: an older version's page (rendered on every request; the
  current one is cached until the story changes, then rendered the same way), and its size;
- ``GET /api/stories/{id}/versions``: the list of versions with their article ids;
- ``app.story_history``: what ``newsweave history STORY`` lists (every version, each with
  what it added over the one before), timed once;
- ``GET /stories/{id}/feed.atom``: the story's Atom feed of updates (stop 59), first request,
  later ones and a conditional one, beside the size of the list of versions a client polled
  before to learn the same.

Each tree runs in a child process of its own (its own store: an older newsweave cannot open a
newer schema). ``--baseline REV`` also runs the same requests on git revision REV's source (or
on a ``src`` folder) in the same run, alternating per size: before stop 59 every one of these
requests read the text of every version.

Usage: ``python benchmarks/article_versions.py [--sizes 10 100 1000 3000] [--words 1500]
[--story-sizes 10 300 3000] [--brief-kb 0] [--repeats 5] [--baseline REV] [--no-write]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402

WORDS = ("council harbour bridge budget storm ferry police court minister election vote "
         "hospital school river market festival station airport union strike report").split()
ENDPOINTS = ("api article", "page, current", "page, version N/2", "api version N/2")


def captures(n: int, words: int, seed: int = 59) -> list[str]:
    """``n`` captures of one live page: paragraphs of 50 words, one replaced per capture."""
    rng = random.Random(seed)

    def paragraph(i: int) -> str:
        return f"Update {i}: " + " ".join(rng.choice(WORDS) for _ in range(48)) + "."

    paras = [paragraph(i) for i in range(max(words // 50, 2))]
    out = []
    for i in range(n):
        paras[i % len(paras)] = paragraph(len(paras) + i)
        out.append("\n\n".join(paras))
    return out


def median_ms(client: Any, path: str, repeats: int, headers: dict[str, str] | None = None
              ) -> float:
    """Median milliseconds of ``repeats`` GETs of ``path``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        client.get(path, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def table(sizes: list[int], results: dict[str, dict[int, dict[str, float]]],
          columns: tuple[str, ...]) -> list[str]:
    """A Markdown table: a row per size and tree, a column per measure."""
    lines = ["| N | tree | " + " | ".join(columns) + " |", "|---|---|" + "---|" * len(columns)]
    for n in sizes:
        for name, by_size in results.items():
            lines.append(f"| {n} | {name} | "
                         + " | ".join(f"{by_size[n][c]:.1f}" for c in columns) + " |")
    return lines


def child(n: int, words: int, repeats: int) -> dict[str, float]:
    """Median milliseconds per endpoint over a fresh store holding one page captured ``n``
    times (run inside the tree under test)."""
    from fastapi.testclient import TestClient

    from newsweave.ingest import article_id
    from newsweave.models import Article
    from newsweave.serve import create_app
    from newsweave.store import open_store

    texts = captures(n, words)
    url = "https://example.com/live/storm"
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "s.db") as store:
        background(store)
        store.add_articles([Article(id=article_id(t), text=t, url=url, title="Live: storm")
                            for t in texts])
        aid = article_id(texts[0])
        half = max(n // 2, 1)
        paths = dict(zip(ENDPOINTS, (f"/api/articles/{aid}", f"/articles/{aid}",
                                     f"/articles/{aid}?version={half}",
                                     f"/api/articles/{aid}/versions/{half}"), strict=True))
        out: dict[str, float] = {}
        with TestClient(create_app(store, None)) as client:
            for name, path in paths.items():
                assert client.get(path).status_code == 200, path
                out[name] = median_ms(client, path, repeats)
        return out


STORY_ENDPOINTS = ("story page, version N/2", "page KB", "api versions", "history")
#: the rest of the store each child builds first: stories of a few reports, each woven a
#: few times, so every query meets a table of realistic size, not one story alone
BACKGROUND_STORIES, BACKGROUND_REPORTS, BACKGROUND_VERSIONS = 500, 4, 3


def reports(prefix: str, n: int, seed: int = 59) -> list[Any]:
    """``n`` distinct synthetic reports of about 80 words."""
    from newsweave.models import Article

    rng = random.Random(f"{seed}{prefix}")
    return [Article(id=f"{prefix}{i:04d}", text=" ".join(rng.choice(WORDS) for _ in range(80)),
                    title=f"Report {prefix}{i}", outlet=f"paper{i % 13}.example",
                    published="2021-05-01") for i in range(n)]


def brief_json(story_id: str, members: list[Any], v: int, pad_kb: int = 0) -> str:
    """A stored brief's JSON as the weave writes it, sources and a summary filled; with
    ``pad_kb``, entities added until it is about that many KB (a real story's brief, with its
    quotes, entities, timeline and coverage, is 100-200 KB: the stop 65 audit's EgyptAir
    briefs were 170 KB)."""
    entities = []
    size = 0
    while size < pad_kb * 1024:
        i = len(entities)
        entity = {"id": f"e{i}", "name": f"Person {i} Example", "type": "PERSON",
                  "variants": [f"Person {i} Example", f"Example {i}", f"Mr Example {i}"],
                  "sources": [a.id for a in members[:8]], "mentions": 3 + i % 7}
        entities.append(entity)
        size += len(json.dumps(entity)) + 2
    return json.dumps({
        "schema": "newsweave.brief/1", "story": {"id": story_id, "headline": "Storm"},
        "sources": [{"id": a.id, "title": a.title, "outlet": a.outlet,
                     "published": a.published, "url": None, "path": None,
                     "words": a.words} for a in members],
        "summary": [{"text": f"{a.text[:120]} ({v}).", "citations": [a.id]}
                    for a in members[:5]],
        "quotes": [], "entities": entities, "timeline": [],
        "coverage": {"shared_passages": [], "unique": [], "discrepancies": []}})


def background(store: Any) -> None:
    """Fill a store with ``BACKGROUND_STORIES`` other stories before the one timed."""
    others = reports("b", BACKGROUND_STORIES * BACKGROUND_REPORTS)
    store.add_articles(others)
    story = {a.id: f"s-{i // BACKGROUND_REPORTS:04d}" for i, a in enumerate(others)}
    store.save_stories(story, {sid: "Other story" for sid in set(story.values())})
    for i in range(BACKGROUND_STORIES):
        members = others[i * BACKGROUND_REPORTS:(i + 1) * BACKGROUND_REPORTS]
        for v in range(1, BACKGROUND_VERSIONS + 1):
            store.add_brief_version(f"s-{i:04d}", [a.id for a in members], f"f{v}",
                                    brief_json(f"s-{i:04d}", members, v))


def story_child(n: int, repeats: int, pad_kb: int = 0) -> dict[str, float]:
    """Median milliseconds (and the page's size) over a fresh store holding one story of
    200 articles with ``n`` stored briefs (run inside the tree under test)."""
    from fastapi.testclient import TestClient

    from newsweave import app as app_layer
    from newsweave.serve import create_app
    from newsweave.store import open_store

    articles = reports("a", 200)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "s.db") as store:
        background(store)
        store.add_articles(articles)
        store.save_stories({a.id: "s-storm" for a in articles}, {"s-storm": "Storm"})
        wanted = app_layer.current_brief(store, "s-storm").wanted
        for v in range(1, n + 1):
            members = articles[:20 + 180 * v // n]
            store.add_brief_version("s-storm", [a.id for a in members], wanted,
                                    brief_json("s-storm", members, v, pad_kb))
        half = max(n // 2, 1)
        out: dict[str, float] = {}
        with TestClient(create_app(store, None, group_fn=lambda s: None)) as client:
            for name, path in ((STORY_ENDPOINTS[0], f"/stories/s-storm?version={half}"),
                               (STORY_ENDPOINTS[2], "/api/stories/s-storm/versions")):
                first = client.get(path)
                assert first.status_code == 200, path
                if name == STORY_ENDPOINTS[0]:
                    out[STORY_ENDPOINTS[1]] = len(first.content) / 1024
                out[name] = median_ms(client, path, repeats)
            out |= _feed_timings(client, repeats)
        # what `newsweave history` reads and works out: every version, each against the one
        # before (once: seconds at thousands of versions)
        start = time.perf_counter()
        assert len(app_layer.story_history(store, "s-storm")) == n
        out[STORY_ENDPOINTS[3]] = (time.perf_counter() - start) * 1000
        return out


#: what a client polls to learn that a story changed: the Atom feed (first request, later
#: ones, and a conditional one when nothing changed), beside the API's list of versions
FEED_COLUMNS = ("versions list KB", "feed, first", "feed, again", "feed, 304", "feed KB")


def _feed_timings(client: Any, repeats: int) -> dict[str, float]:
    """Milliseconds of the story's Atom feed (NaN on a tree without feeds)."""
    listing = client.get("/api/stories/s-storm/versions")
    out = {FEED_COLUMNS[0]: len(listing.content) / 1024}
    start = time.perf_counter()
    first = client.get("/stories/s-storm/feed.atom")
    spent = (time.perf_counter() - start) * 1000
    if first.status_code != 200:
        return out | {c: float("nan") for c in FEED_COLUMNS[1:]}
    unchanged = {"If-None-Match": first.headers["etag"]}
    assert client.get("/stories/s-storm/feed.atom", headers=unchanged).status_code == 304
    return out | {
        FEED_COLUMNS[1]: spent,
        FEED_COLUMNS[2]: median_ms(client, "/stories/s-storm/feed.atom", repeats),
        FEED_COLUMNS[3]: median_ms(client, "/stories/s-storm/feed.atom", repeats, unchanged),
        FEED_COLUMNS[4]: len(first.content) / 1024}


def tree_of(rev: str, into: Path) -> Path:
    """The source of git revision ``rev``, unpacked into ``into``."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def trees_under_test(baseline: str | None, tmp: Path) -> dict[str, Path]:
    """This tree's source, and ``baseline``'s when given: a ``src`` folder, or a git
    revision unpacked into ``tmp``."""
    trees = {"this tree": ROOT / "src"}
    if baseline and (Path(baseline) / "newsweave").is_dir():
        trees[baseline] = Path(baseline)
    elif baseline:
        trees[baseline] = tree_of(baseline, tmp)
    return trees


def child_result(script: str, src: Path, *argv: str) -> dict[str, float]:
    """Run ``script`` with ``argv`` on the source ``src`` in a child process of its own; the
    JSON object its last line prints."""
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{ROOT}", HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, script, *argv], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_child(src: Path, n: int, words: int, repeats: int, story: bool = False,
              pad_kb: int = 0) -> dict[str, float]:
    return child_result(__file__, src, "--story-child" if story else "--child", str(n),
                        "--words", str(words), "--repeats", str(repeats),
                        "--brief-kb", str(pad_kb))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000, 3000])
    p.add_argument("--words", type=int, default=1500)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--baseline", metavar="REV",
                   help="git revision (or a source folder) to run beside this tree")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--story-sizes", type=int, nargs="*", default=[10, 300, 3000])
    p.add_argument("--brief-kb", type=int, default=0,
                   help="pad each stored brief of the story to about this many KB (0: "
                   "sources and a summary only, about 16 KB at 200 sources)")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--story-child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.words, args.repeats)))
        return
    if args.story_child is not None:
        print(json.dumps(story_child(args.story_child, args.repeats, args.brief_kb)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        trees = trees_under_test(args.baseline, Path(tmp))
        results = {name: {} for name in trees}
        stories = {name: {} for name in trees}
        for n in args.sizes:
            for name, src in trees.items():
                results[name][n] = run_child(src, n, args.words, args.repeats)
                print(name, n, {k: round(v, 1) for k, v in results[name][n].items()},
                      flush=True)
        for n in args.story_sizes:
            for name, src in trees.items():
                stories[name][n] = run_child(src, n, args.words, args.repeats, story=True,
                                             pad_kb=args.brief_kb)
                print(name, "story", n, {k: round(v, 1) for k, v in stories[name][n].items()},
                      flush=True)
    lines = [
        "## Many versions: a live page, a living story (`benchmarks/article_versions.py`)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores. "
        f"Command: `python benchmarks/article_versions.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        f"One article captured N times (about {args.words} words a capture, one 50-word "
        f"paragraph new each time) in a fresh SQLite store that also holds "
        f"{BACKGROUND_STORIES} other stories ({BACKGROUND_STORIES * BACKGROUND_REPORTS:,} "
        f"reports, {BACKGROUND_STORIES * BACKGROUND_VERSIONS:,} stored briefs); median "
        "milliseconds of "
        f"{args.repeats} requests through the web app in process, after one warm-up. Each tree "
        "ran in its own child process, sizes alternating between trees.",
        "",
        *table(args.sizes, results, ENDPOINTS),
        "", "One story of 200 articles with N stored briefs (each woven from 20 to 200 of them"
        + (f", each padded to about {args.brief_kb} KB with entities" if args.brief_kb else "")
        + "), "
        "in a store holding the same other stories, the same way: an older version's page "
        "(rendered on every request) with its size, the API's list of versions, and "
        "`app.story_history` (what `newsweave history STORY` lists: every version with what "
        "it added over the one before; one run).", "",
        *table(args.story_sizes, stories, STORY_ENDPOINTS),
        "", "What a client polls to learn that the story changed, same stores and runs: the "
        "API's list of versions (all of them, with their article ids: its size) against the "
        "story's Atom feed (its latest 50 versions, each with what it added; the first "
        "request works out those lines, later ones reuse them, and a conditional request "
        "when nothing changed answers 304). Milliseconds; a tree without feeds reads nan.", "",
        *table(args.story_sizes, stories, FEED_COLUMNS),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section("article-versions", text)


if __name__ == "__main__":
    main()
