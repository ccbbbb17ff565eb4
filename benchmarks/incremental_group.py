"""Incremental grouping (``grouping_state.group_new``, issue 11 item 2): what grouping only the
new articles costs against regrouping everything, and how the cost of one new article changes
as the store grows.

    python benchmarks/incremental_group.py [--part dev|calls|both] [--sizes 1000,10000,100000]
                                           [--calls 5] [--no-write]

dev: mixed-dev.jsonl in publication-date order (as news arrives); 95% ingested and grouped
(setup), then 5% more ingested and grouped twice from the same starting store: incrementally
(the saved state loaded from the store, as a new `stories` process does) and from scratch
(``--rebuild``). Both embed the new 5% leads and read the others from the vector cache; the
stories must come out identical.

calls: stores holding N articles (synthetic: each mixes the sentences of two dev articles, so
texts are unique), then one new article added and grouped, ``--calls`` times: "warm" keeps the
grouper in the process between calls (a server), "cold" loads the state from the store first
(a new process). Beyond the grouper's window (``max_active_articles``, 10,000) older articles
are only rows in the store: the 100k store is 90k such older articles (already grouped) plus
the 10k store's articles, stories and grouper state.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import DATA, peak_rss_mb, write_section  # noqa: E402

DEV = DATA / "clustering" / "mixed-dev.jsonl"
#: Stores are built in a fresh temporary folder per run (removed at the end), so runs from
#: several checkouts never share files.
WORK = Path(".")


def _articles():
    from newsweave.ingest import clean_title, without_wire_markup
    from newsweave.models import Article

    rows = [json.loads(line) for line in DEV.open(encoding="utf-8")]
    # as news arrives: by publication date (undated last), so the last 5% are the newest
    rows.sort(key=lambda r: (r.get("published") is None, r.get("published") or ""))
    return [Article(id=r["id"], text=without_wire_markup(r["text"]),
                    title=clean_title(r.get("title")), published=r.get("published"),
                    outlet=r.get("outlet")) for r in rows]


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-grouping.lock"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def _stories(store) -> dict:
    return {s.id: frozenset(s.article_ids) for s in store.list_stories(limit=1_000_000)}


def _state_bytes(store) -> int:
    from sqlalchemy import text

    with store.engine.connect() as conn:
        core = conn.execute(text("SELECT coalesce(sum(length(state)), 0) FROM grouper_state"))
        parts = conn.execute(text("SELECT coalesce(sum(length(state)), 0) FROM grouper_stories"))
        return int(core.scalar()) + int(parts.scalar())


# --------------------------------------------------------------------------- dev: 5% vs full
def bench_dev() -> dict:
    from newsweave import grouping_state
    from newsweave.embed import get_embedder
    from newsweave.grouping_state import group_new
    from newsweave.store import open_store

    articles = _articles()
    cut = int(len(articles) * 0.95)
    get_embedder()  # load the model outside the timings
    base, full = _fresh(WORK / "dev-inc.db"), _fresh(WORK / "dev-full.db")
    start = time.perf_counter()
    with open_store(base) as store:
        store.add_articles(articles[:cut])
        group_new(store)
    setup = time.perf_counter() - start
    shutil.copy(base, full)
    for path in (base, full):
        with open_store(path) as store:
            store.add_articles(articles[cut:])
    grouping_state._LIVE.clear()  # a new process: the state is read from the store
    with open_store(base) as store:
        start = time.perf_counter()
        inc = group_new(store)
        t_inc = time.perf_counter() - start
        inc_stories = _stories(store)
        state = _state_bytes(store)
    with open_store(full) as store:
        start = time.perf_counter()
        rebuilt = group_new(store, rebuild=True)
        t_full = time.perf_counter() - start
        full_stories = _stories(store)
    return {"articles": len(articles), "old": cut, "new": inc.new_articles, "setup_s": setup,
            "inc_s": t_inc, "full_s": t_full, "same": inc_stories == full_stories,
            "stories": len(full_stories), "changed": len(inc.changed),
            "full_articles": rebuilt.new_articles, "state_mb": state / 2**20}


# --------------------------------------------------------------------------- calls
def _synthetic(dev, n: int, seed: int):
    """``n`` unique articles, each the title and sentences of one dev article interleaved
    with the sentences of another, dated one day apart every 50 articles."""
    import re
    from datetime import date, timedelta

    from newsweave.models import Article

    rng = random.Random(seed)
    split = re.compile(r"(?<=[.!?])\s+")
    out = []
    day0 = date(2020, 1, 1)
    for k in range(n):
        a, b = dev[rng.randrange(len(dev))], dev[rng.randrange(len(dev))]
        sa, sb = split.split(a.text)[:12], split.split(b.text)[:6]
        body = []
        for i in range(max(len(sa), len(sb))):
            body += sa[i : i + 1] + sb[i : i + 1]
        out.append(Article(id=f"syn-{seed}-{k}", title=a.title, text=" ".join(body),
                           published=(day0 + timedelta(days=k // 50)).isoformat(),
                           outlet=a.outlet))
    return out


def _filler(n: int):
    """Small, distinct older articles: only rows in the store, far outside the window."""
    from newsweave.models import Article

    return [Article(id=f"old-{k}", title=f"Archived report {k}",
                    text=f"Archived report number {k} about matter {k % 997} from district "
                    f"{k % 101}, filed in the old archive.", published="2010-01-01")
            for k in range(n)]


def _per_call(store, new_articles, warm: bool, settings) -> list[float]:
    from newsweave import grouping_state
    from newsweave.grouping_state import group_new

    times = []
    for article in new_articles:
        store.add_articles([article])
        if not warm:
            grouping_state._LIVE.clear()
        start = time.perf_counter()
        result = group_new(store, settings=settings)
        times.append(time.perf_counter() - start)
        assert result.new_articles == 1 and not result.rebuilt, result
    return times


def _copy_into_big(small_db: Path, big_db: Path, fill: int) -> None:
    """The 100k store: ``fill`` older articles grouped into stories long ago, then the small
    store's articles with their stories and the grouper state it saved."""
    from sqlalchemy import text

    from newsweave.store import open_store

    with open_store(_fresh(big_db)) as big:
        filler = _filler(fill)
        big.add_articles(filler, batch_size=5000)
        big.save_stories({a.id: f"s-old-{k // 5}" for k, a in enumerate(filler)},
                         {f"s-old-{k}": f"Archived story {k}" for k in range(fill // 5 + 1)})
        with open_store(small_db) as small:
            arts = [a for _, a in small.iter_by_seq()]
            big.add_articles(arts, batch_size=5000)
            pairs = {}
            for s in small.list_stories(limit=1_000_000):
                pairs.update((aid, s.id) for aid in s.article_ids)
            heads = {s.id: s.headline for s in small.list_stories(limit=1_000_000)}
            dups = {}
            for sid in small.story_ids():
                dups.update(small.story_duplicates(sid))
            big.save_stories(pairs, heads, dups)
            with small.engine.connect() as src, big.engine.begin() as dst:
                row = src.execute(text("SELECT format, generation, state FROM grouper_state")
                                  ).one()
                dst.execute(text("DELETE FROM grouper_state"))
                dst.execute(text(
                    "INSERT INTO grouper_state VALUES (1, :f, :s, :g, :b, 'copied')"),
                    {"f": row[0], "s": big.max_seq(), "g": row[1], "b": row[2]})
                dst.execute(text("DELETE FROM grouper_stories"))
                for sid, blob in src.execute(text("SELECT story_id, state FROM grouper_stories")):
                    dst.execute(text("INSERT INTO grouper_stories VALUES (:i, :b)"),
                                {"i": sid, "b": blob})


def bench_calls(sizes: list[int], calls: int, window: int) -> list[dict]:
    from newsweave import grouping_state
    from newsweave.embed import get_embedder
    from newsweave.grouping_state import group_new
    from newsweave.settings import GroupSettings
    from newsweave.store import open_store

    get_embedder()
    dev = _articles()
    settings = GroupSettings(max_active_articles=window)
    rows = []
    built: dict[int, tuple[Path, float]] = {}
    for n in sizes:
        grouped = min(n, window)
        if grouped not in built:  # a store whose grouper holds ``grouped`` articles
            base = _fresh(WORK / f"calls-base-{grouped}.db")
            start = time.perf_counter()
            with open_store(base) as store:
                store.add_articles(_synthetic(dev, grouped, seed=1), batch_size=2000)
                group_new(store, settings=settings)
            built[grouped] = (base, time.perf_counter() - start)
        base, setup = built[grouped]
        db = _fresh(WORK / f"calls-{n}.db")
        if n > grouped:
            _copy_into_big(base, db, n - grouped)
        else:
            shutil.copy(base, db)
        grouping_state._LIVE.clear()
        with open_store(db) as store:
            stored = store.count_articles()
            news = _synthetic(dev, 2 * calls + 1, seed=1000 + n)
            _per_call(store, news[:1], False, settings)  # the first call also loads the state
            warm = _per_call(store, news[1 : calls + 1], True, settings)
            cold = _per_call(store, news[calls + 1 :], False, settings)
            rows.append({"stored": stored, "grouped_window": grouped, "setup_s": setup,
                         "warm_ms": 1000 * statistics.median(warm),
                         "cold_ms": 1000 * statistics.median(cold),
                         "state_mb": _state_bytes(store) / 2**20, "window": window})
        print(rows[-1], flush=True)
    return rows


# --------------------------------------------------------------------------- report
def render(dev: dict | None, calls: list[dict] | None, cmd: str) -> str:
    lines = ["## Incremental grouping (`benchmarks/incremental_group.py`)", "",
             f"`{cmd}`, one process, MiniLM loaded before the timings, SQLite, on the shared "
             "2-core box.", ""]
    if dev:
        ratio = dev["inc_s"] / dev["full_s"]
        lines += [
            f"**5% new articles vs a full run** (mixed-dev, {dev['articles']} articles in "
            f"publication-date order: {dev['old']} grouped first, then {dev['new']} added):", "",
            "| run | articles grouped | seconds |", "|---|---:|---:|",
            f"| incremental (`stories`, state read from the store) | {dev['new']} | "
            f"{dev['inc_s']:.2f} |",
            f"| full (`stories --rebuild`) | {dev['full_articles']} | {dev['full_s']:.2f} |",
            "",
            f"Incremental / full: **{ratio:.0%}** (target ≤ 25%). Same stories: "
            f"**{'yes' if dev['same'] else 'NO'}** ({dev['stories']} stories, {dev['changed']} "
            f"changed by the increment). Saved grouper state: {dev['state_mb']:.1f} MiB. "
            f"Setup (grouping the first 95%): {dev['setup_s']:.1f} s.", ""]
    if calls:
        lines += [f"**One new article** (median of the calls; grouper window "
                  f"`max_active_articles` = {calls[0]['window']:,}; warm: grouper kept in the "
                  "process, as a server; cold: state read from the store first, as a new "
                  "process):", "",
                  "| stored articles | in the grouper's window | warm ms | cold ms | "
                  "state MiB |", "|---:|---:|---:|---:|---:|"]
        for r in calls:
            lines.append(f"| {r['stored']:,} | {r['grouped_window']:,} | {r['warm_ms']:.0f} | "
                         f"{r['cold_ms']:.0f} | {r['state_mb']:.1f} |")
        first, last = calls[0], calls[-1]
        lines += ["", f"Largest / smallest store: warm {last['warm_ms'] / first['warm_ms']:.1f}x,"
                  f" cold {last['cold_ms'] / first['cold_ms']:.1f}x (target ≤ 2x).", ""]
    lines.append(f"Peak memory: {peak_rss_mb():.0f} MiB.")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--part", choices=("dev", "calls", "both"), default="both")
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--window", type=int, default=10_000,
                    help="the grouper's max_active_articles (grouping that many articles "
                    "builds the stores: a smaller one keeps the run short)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    global WORK
    WORK = Path(tempfile.mkdtemp(prefix="newsweave-incremental-bench-"))
    try:
        dev = bench_dev() if args.part in ("dev", "both") else None
        if dev:
            print(dev, flush=True)
        calls = bench_calls([int(x) for x in args.sizes.split(",")], args.calls,
                            args.window) if args.part in ("calls", "both") else None
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    text = render(dev, calls, "python benchmarks/incremental_group.py " + " ".join(
        argv if argv is not None else sys.argv[1:]))
    print(text)
    if not args.no_write:
        write_section("incremental-group" if args.part == "both"
                      else f"incremental-group-{args.part}", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
