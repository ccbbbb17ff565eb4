"""What saying "what changed" in the story list costs: counting each new brief version's
changes when it is stored (stop 60), against working them out when a list is read.

Each stored brief now carries what it added over the version before it (schema 12), counted
inside the transaction that stores it, so the list of stories (page, API, CSV,
``stories --list``) names each story's latest version and its changes without reading any
brief. Synthetic stores made at run time (no data read): N stories of 4 reports, each woven
3 times, plus one story of 200 reports woven 20 times, in a fresh SQLite store per tree.
Median milliseconds of ``--repeats``:

- ``store, 4 sources`` / ``store, 200 sources``: ``Store.add_brief_version`` of a new brief of
  a small story / of the big one (the new cost: it reads the previous brief and diffs it);
- ``catalog``: building the whole story list from the store (``build_catalog``);
- ``version check``: ``Store.catalog_version``, which every list request may ask (it now
  also reads the newest brief's time, on the index of migration 11);
- ``list update``: the story list brought up to date after a brief of one story was stored
  (``updated_catalog``: that story re-read, now with its latest brief);
- ``page``: ``GET /?page=2``, a list page of 20 stories, each saying what changed (cached
  once rendered, as the server keeps it until the list changes);
- ``on read, 20``: what a list page would spend instead, working out the changes of its 20
  stories at read time from their two latest briefs (``app.brief_changes``), the way the
  feeds do;
- ``feed`` / ``feed, filtered``: ``GET /feed.atom`` and ``GET /feed.atom?outlet=...`` (one
  outlet of 13: the latest briefs of the stories the list keeps; a tree without filtered
  feeds answers the unfiltered one).

``--baseline REV`` runs the same on git revision REV's source (or a ``src`` folder) in the
same run, each tree in a child process of its own.

Usage: ``python benchmarks/story_list_updates.py [--sizes 500 5000] [--repeats 7]
[--baseline REV] [--no-write]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402
from benchmarks.article_versions import (  # noqa: E402
    child_result,
    reports,
    table,
    trees_under_test,
)

COLUMNS = ("store, 4 sources", "store, 200 sources", "catalog", "version check",
           "list update", "page", "on read, 20", "feed", "feed, filtered")
REPORTS, VERSIONS, BIG, BIG_VERSIONS = 4, 3, 200, 20


def brief_json(story_id: str, members: list[Any], v: int) -> str:
    """A brief's JSON with what a woven one holds: every source, a summary, quotes and a
    timeline that grow from version to version."""
    return json.dumps({
        "schema": "newsweave.brief/1", "story": {"id": story_id, "headline": "Storm"},
        "sources": [{"id": a.id, "title": a.title, "outlet": a.outlet,
                     "published": a.published, "url": None, "path": None,
                     "words": a.words} for a in members],
        "summary": [{"text": f"{a.text[:160]} ({v}).", "citations": [a.id]}
                    for a in members[-6:]],
        "quotes": [{"speaker": f"Official {i}", "text": a.text[:120], "sources": [a.id]}
                   for i, a in enumerate(members[:40])],
        "entities": [], "timeline": [{"date": "2021-05-01", "text": a.text[:80],
                                      "sources": [a.id]} for a in members[:10]],
        "coverage": {"shared_passages": [], "unique": [], "discrepancies": []}})


def timed(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def child(n: int, repeats: int) -> dict[str, float]:
    """The medians above over a fresh store of ``n`` small stories and one big one (run
    inside the tree under test)."""
    from fastapi.testclient import TestClient

    from newsweave import app as app_layer
    from newsweave.catalog import build_catalog, updated_catalog
    from newsweave.serve import create_app
    from newsweave.store import open_store

    small = reports("b", n * REPORTS)
    big = reports("a", BIG)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "s.db") as store:
        store.add_articles(small + big)
        story = {a.id: f"s-{i // REPORTS:05d}" for i, a in enumerate(small)}
        story |= {a.id: "s-big" for a in big}
        store.save_stories(story, {sid: "A story" for sid in set(story.values())})
        for i in range(n):
            members = small[i * REPORTS:(i + 1) * REPORTS]
            for v in range(1, VERSIONS + 1):
                store.add_brief_version(f"s-{i:05d}", [a.id for a in members[:v + 1]], f"f{v}",
                                        brief_json(f"s-{i:05d}", members[:v + 1], v))
        for v in range(1, BIG_VERSIONS + 1):
            members = big[:BIG * v // BIG_VERSIONS]
            store.add_brief_version("s-big", [a.id for a in members], f"g{v}",
                                    brief_json("s-big", members, v))
        count = iter(range(10**6))
        out: dict[str, float] = {}
        out[COLUMNS[0]] = timed(lambda: store.add_brief_version(
            "s-00000", [a.id for a in small[:REPORTS]], "x",
            brief_json("s-00000", small[:REPORTS], 100 + next(count))), repeats)
        out[COLUMNS[1]] = timed(lambda: store.add_brief_version(
            "s-big", [a.id for a in big], "y", brief_json("s-big", big, 100 + next(count))),
            repeats)
        out[COLUMNS[2]] = timed(lambda: build_catalog(store), max(3, repeats // 2))
        out[COLUMNS[3]] = timed(store.catalog_version, repeats)
        catalog = build_catalog(store)

        def list_update() -> None:
            store.add_brief_version("s-00001", [a.id for a in small[4:8]], "z", brief_json(
                "s-00001", small[4:8], 200 + next(count)))
            start = time.perf_counter()
            updated_catalog(store, catalog, ["s-00001"])
            times.append((time.perf_counter() - start) * 1000)

        times: list[float] = []
        for _ in range(repeats):
            list_update()
        out[COLUMNS[4]] = statistics.median(times)
        with TestClient(create_app(store, None, group_fn=lambda s: None)) as client:
            assert client.get("/api/stories?limit=50").status_code == 200
            out[COLUMNS[5]] = timed(lambda: client.get("/?page=2"), repeats)
            out[COLUMNS[7]] = timed(lambda: client.get("/feed.atom"), repeats)
            out[COLUMNS[8]] = timed(lambda: client.get("/feed.atom?outlet=paper3.example"),
                                    repeats)
        first20 = [f"s-{i:05d}" for i in range(20)]
        out[COLUMNS[6]] = timed(lambda: [app_layer.brief_changes(
            store, sid, store.latest_brief_info(sid).version - 1) for sid in first20], repeats)
        return out


def run_child(src: Path, n: int, repeats: int) -> dict[str, float]:
    return child_result(__file__, src, "--child", str(n), "--repeats", str(repeats))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--baseline", metavar="REV",
                   help="git revision (or a source folder) to run beside this tree")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.repeats)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        trees = trees_under_test(args.baseline, Path(tmp))
        results: dict[str, dict[int, dict[str, float]]] = {name: {} for name in trees}
        for n in args.sizes:
            for name, src in trees.items():
                results[name][n] = run_child(src, n, args.repeats)
                print(name, n, {k: round(v, 1) for k, v in results[name][n].items()},
                      flush=True)
    lines = [
        "## What changed, in the story list (`benchmarks/story_list_updates.py`)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores. "
        f"Command: `python benchmarks/story_list_updates.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        f"N stories of {REPORTS} reports woven {VERSIONS} times each, plus one story of {BIG} "
        f"reports woven {BIG_VERSIONS} times, in a fresh SQLite store per tree (synthetic "
        "briefs with sources, summary, quotes and timeline). Median milliseconds of "
        f"{args.repeats}: storing a new brief version (small story, big story), building the "
        "whole story list, the list's version check, bringing the list up to date after one "
        "story's brief was stored, a list page (`GET /?page=2`), and, for comparison, "
        "working out the changes of 20 stories at read time from their two latest briefs; "
        "then the Atom feed of updates, unfiltered and filtered by one outlet of 13 (a tree "
        "without filtered feeds ignores the filter). "
        "Each tree ran in its own child process, sizes alternating between trees.",
        "",
        *table(args.sizes, results, COLUMNS),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section("story-list-updates", text)


if __name__ == "__main__":
    main()
