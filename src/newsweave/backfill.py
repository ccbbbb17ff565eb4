"""`newsweave backfill`: a whole archive through every stage, in parallel, into one store.

Stages, each resumable because each skips what the store already holds:

1. ingest: files/JSONL/WARC through ``ingest.iter_articles`` into the store (content-deduplicated,
   so a rerun adds nothing twice); a bad record is reported (file:line) and skipped.
2. analyse: the articles without an analysis of the current version are analysed in parallel,
   a chunk per task, and stored per article (``analysis_store``; an upsert, so a task retried
   after a worker died stores each analysis once).
3. group: with one shard, ``grouping_state.group_new`` (continues from the saved grouper state;
   the sequential grouper, one process or one Ray actor); with ``shards`` > 1, the date order is
   cut into time shards grouped in parallel and merged (``shards``).
4. weave: every story whose stored brief is missing or stale, one task per story; each brief is
   stored by the driver when its task returns, so a retried task stores it once.

Engines: ``local`` runs tasks in a process pool on this machine; ``ray`` on a Ray cluster
(``ray_engine``). Both run the same ``Worker`` methods: one store connection and one set of
loaded models per worker process (or actor).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from newsweave.errors import InputError
from newsweave.models import Article
from newsweave.shards import ShardResult, merge_shards, plan_shards
from newsweave.store import DEFAULT_DB, Store, open_store

ENGINES = ("local", "ray")
#: articles per analysis task: large enough that spaCy batches, small enough to spread
ANALYSE_CHUNK = 16
#: articles stored per ingest transaction
INGEST_BATCH = 500
#: default warm-up (articles replayed before each time shard): the grouper's own memory bound
#: (``GroupSettings.max_active_articles``), so a shard sees every article the single pass
#: could still compare with (measured: 500 was too short on the dev sets, RESULTS.md)
WARMUP = 10_000


# --------------------------------------------------------------------------- worker side
def _reason(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]


class Worker:
    """What one worker process (or Ray actor) runs: it opens the store once and keeps the
    models it loads (spaCy, MiniLM) for every task it is given."""

    def __init__(self, url: str) -> None:
        self.store = Store(url, create=False)

    def analyse(self, ids: Sequence[str]) -> tuple[int, str | None]:
        """Analyse and store the given articles that lack a current analysis; returns how
        many were analysed, and a one-line error when the chunk failed."""
        from newsweave.analysis_store import documents_for

        try:
            articles = self.store.get_articles(list(ids))
            _docs, analysed = documents_for(self.store, articles)
        except Exception as exc:  # noqa: BLE001 - the driver reports the chunk and goes on
            return 0, _reason(exc)
        return analysed, None

    def group_shard(self, ids: Sequence[str]) -> ShardResult:
        """Group one time shard (warm-up then owned ids) with a fresh sequential grouper."""
        from newsweave.grouping_state import StoreEmbedder

        articles = self.store.get_articles(list(ids))
        return group_ordered(articles, embedder=StoreEmbedder(self.store))

    def group_new(self) -> Any:
        from newsweave.app import group_new

        return group_new(self.store, wait=60.0)

    def weave(self, story_id: str, words: int) -> tuple[str, Any, str | None]:
        from newsweave.app import weave_story

        try:
            woven, _brief, _articles = weave_story(self.store, story_id, words)
        except Exception as exc:  # noqa: BLE001 - one story's failure skips only it
            return story_id, None, _reason(exc)
        return story_id, woven, None


def group_ordered(articles: Sequence[Article], embedder: Any = None, settings: Any = None
                  ) -> ShardResult:
    """One sequential pass of the causal grouper over ``articles`` in the order given:
    article id -> (story id, copied article id); a later move replaces an assignment."""
    from newsweave.group import group_stream
    from newsweave.grouping_state import ResumableGrouper

    grouper = ResumableGrouper(settings, embedder=embedder)
    out: ShardResult = {}
    for article, assigned in group_stream(articles, grouper=grouper):
        out[article.id] = (assigned.story_id, assigned.duplicate_of)
    return out


_worker: Worker | None = None


def _init_local(url: str) -> None:
    global _worker
    _worker = Worker(url)


def _call_local(method: str, *args: Any) -> Any:
    assert _worker is not None
    return getattr(_worker, method)(*args)


# --------------------------------------------------------------------------- engines
class Engine(Protocol):
    workers: int

    def map(self, method: str, items: Sequence[Any], *extra: Any) -> Iterator[Any]: ...

    def call(self, method: str, *args: Any) -> Any: ...

    def close(self) -> None: ...


class LocalEngine:
    """A process pool of ``workers`` spawned processes (no forked model threads), started on
    first use; results come back in input order."""

    def __init__(self, url: str, workers: int) -> None:
        self.url, self.workers = url, workers
        self._pool: ProcessPoolExecutor | None = None
        self._here: Worker | None = None  # --workers 1: tasks run in this process

    def _local(self) -> Worker:
        if self._here is None:
            self._here = Worker(self.url)
        return self._here

    def _get(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing

            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_local, initargs=(self.url,))
        return self._pool

    def map(self, method: str, items: Sequence[Any], *extra: Any) -> Iterator[Any]:
        if self.workers <= 1:
            worker = self._local()
            return (getattr(worker, method)(item, *extra) for item in items)
        pool = self._get()
        futures = [pool.submit(_call_local, method, item, *extra) for item in items]
        return (f.result() for f in futures)

    def call(self, method: str, *args: Any) -> Any:
        return getattr(self._local(), method)(*args)

    def close(self) -> None:
        if self._here is not None:
            self._here.store.close()
            self._here = None
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def make_engine(engine: str, url: str, workers: int, address: str | None = None) -> Engine:
    if engine == "local":
        return LocalEngine(url, workers)
    if engine == "ray":
        from newsweave.ray_engine import RayEngine

        return RayEngine(url, workers, address)
    raise InputError(f"unknown engine {engine!r} (use one of: {', '.join(ENGINES)})")


# --------------------------------------------------------------------------- stages
@dataclass
class BackfillResult:
    read: int = 0
    added: int = 0
    already_stored: int = 0
    bad: int = 0
    analysed: int = 0
    analysis_failed: list[str] = field(default_factory=list)
    grouped: int = 0  # articles grouped by this run
    stories: int = 0
    rewoven: int = 0
    weave_failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
        return (
            f"read {self.read} articles ({self.added} added, {self.already_stored} already "
            f"stored, {self.bad} bad records skipped); analysed {self.analysed}; grouped "
            f"{self.grouped} into {self.stories} stories; wove {self.rewoven} briefs"
            f"{f' ({len(self.weave_failed)} failed)' if self.weave_failed else ''} [{stages}]"
        )


def ingest(store: Store, paths: Sequence[str | Path], result: BackfillResult,
           on_error: Callable[[InputError], None]) -> None:
    """Stream articles into the store, one transaction per ``INGEST_BATCH``."""
    from newsweave.ingest import iter_articles

    def bad(err: InputError) -> None:
        result.bad += 1
        on_error(err)

    batch: list[Article] = []

    def flush() -> None:
        added = store.add_articles(batch)
        result.read += len(batch)
        result.added += added.added
        result.already_stored += added.skipped
        batch.clear()

    for article in iter_articles(list(paths), on_error=bad):
        batch.append(article)
        if len(batch) >= INGEST_BATCH:
            flush()
    if batch:
        flush()


def unanalysed_ids(store: Store) -> list[str]:
    """Ids (arrival order) of the articles with no stored analysis of the current version."""
    from sqlalchemy import and_, select

    from newsweave.analysis_store import analysis_version
    from newsweave.store import article_analyses_t, articles_t

    aa = article_analyses_t
    stmt = (
        select(articles_t.c.id)
        .outerjoin(aa, and_(aa.c.article_id == articles_t.c.id,
                            aa.c.version == analysis_version()))
        .where(aa.c.article_id.is_(None))
        .order_by(articles_t.c.seq)
    )
    with store.engine.connect() as conn:
        return list(conn.scalars(stmt))


def grouping_order(store: Store) -> list[str]:
    """Every article id in the grouper's date order: published date, undated last, then
    arrival."""
    from sqlalchemy import select

    from newsweave.store import _published_order, articles_t

    with store.engine.connect() as conn:
        return list(conn.scalars(select(articles_t.c.id).order_by(*_published_order())))


def has_ungrouped(store: Store) -> bool:
    return next(iter(store.iter_ungrouped(0)), None) is not None


def _chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def analyse_chunks(store: Store, engine: Engine, result: BackfillResult) -> None:
    """Analyse, in parallel chunks, every article lacking a current analysis."""
    chunks = _chunks(unanalysed_ids(store), ANALYSE_CHUNK)
    for chunk, (n, error) in zip(chunks, engine.map("analyse", chunks), strict=True):
        result.analysed += n
        if error is not None:
            result.analysis_failed.append(f"articles {chunk[0]}..{chunk[-1]}: {error}")


def group_shards(store: Store, engine: Engine, shards: int, warmup: int) -> int:
    """Regroup every stored article in ``shards`` time shards (in parallel) and save the
    merged stories; the saved grouper state is dropped (the next incremental run regroups).
    Returns the articles grouped."""
    from newsweave.app import HEADLINE_SAMPLE
    from newsweave.group import headline_copy, story_headline

    order = grouping_order(store)
    plan = plan_shards(order, shards, warmup)
    results = list(engine.map("group_shard", [list(s.ids) for s in plan]))
    assignments, duplicates = merge_shards(plan, results)
    members: dict[str, list[str]] = {}
    for aid in order:  # date order: the first members choose the headline
        members.setdefault(assignments[aid], []).append(aid)
    headlines = {}
    for sid, ids in members.items():
        heads = [headline_copy(a) for a in store.get_articles(ids[:HEADLINE_SAMPLE])]
        headlines[sid] = story_headline(heads)
    store.save_stories(assignments, headlines, duplicates)
    store.drop_grouper_state()
    return len(assignments)


def reweave_stories(store: Store, engine: Engine, result: BackfillResult, words: int) -> None:
    """Weave the stories whose stored brief is missing or stale, one task per story; the
    driver stores each brief as its task returns (a retried task stores it once)."""
    from newsweave.app import current_fingerprints

    wanted = current_fingerprints(store, words)
    stored = store.latest_fingerprints()
    todo = [sid for sid in store.story_ids()
            if sid in wanted and stored.get(sid, (0, ""))[1] != wanted[sid]]
    for sid, woven, error in engine.map("weave", todo, words):
        if woven is None:
            result.weave_failed.append((sid, error or "failed"))
            continue
        store.add_brief_version(woven.story_id, woven.articles, woven.fingerprint,
                                woven.brief_json)
        result.rewoven += 1


def backfill(
    paths: Sequence[str | Path],
    url: str | None,
    *,
    engine: str = "local",
    address: str | None = None,
    workers: int | None = None,
    shards: int = 1,
    warmup: int = WARMUP,
    skip_weave: bool = False,
    words: int | None = None,
    on_error: Callable[[InputError], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> BackfillResult:
    """Ingest ``paths`` into the store at ``url`` and analyse, group and (unless
    ``skip_weave``) weave it, skipping whatever an earlier (possibly killed) run finished."""
    from newsweave.app import BRIEF_WORDS

    for path in paths:
        if not Path(path).exists():
            raise InputError("no such file or directory", path)
    if shards < 1:
        raise InputError(f"--shards must be at least 1, not {shards}")
    if warmup < 0:
        raise InputError(f"--warmup must be 0 or more, not {warmup}")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r} (use one of: {', '.join(ENGINES)})")
    if url is not None and str(url).endswith(":memory:"):
        raise InputError("backfill needs a store other processes can open, not :memory:")
    if url is None or "://" not in str(url):  # workers may run in another directory
        url = str(Path(url or DEFAULT_DB).resolve())
    result = BackfillResult()
    store = open_store(url)
    stage = on_stage or (lambda _s: None)

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        stage(name)
        started = time.perf_counter()
        out = fn()
        result.seconds[name] = time.perf_counter() - started
        return out

    try:
        timed("ingest", lambda: ingest(store, paths, result, on_error or (lambda _e: None)))
        if result.read == 0 and store.count_articles() == 0:
            raise InputError("no articles found in the given paths")
        eng = make_engine(engine, store.url, workers or max(1, os.cpu_count() or 1), address)
        try:
            timed("analyse", lambda: analyse_chunks(store, eng, result))
            if shards > 1:
                if has_ungrouped(store):
                    result.grouped = timed("group", lambda: group_shards(store, eng, shards,
                                                                         warmup))
            else:
                grouped = timed("group", lambda: eng.call("group_new"))
                result.grouped = grouped.new_articles
            result.stories = store.count_stories()
            if not skip_weave:
                timed("weave", lambda: reweave_stories(store, eng, result, words or BRIEF_WORDS))
        finally:
            eng.close()
    finally:
        store.close()
    return result


# --------------------------------------------------------------------------- CLI
def run_cli(args: Any) -> int:
    """`newsweave backfill`: bad records are reported on stderr and skipped; exit 0 when the
    store ends up holding articles, 2 for bad arguments, missing paths or no articles."""
    import sys

    def report(err: InputError) -> None:
        print(f"newsweave: skipped: {err}", file=sys.stderr)

    def stage(name: str) -> None:
        if not args.no_progress:
            print(f"newsweave: backfill: {name}", file=sys.stderr)

    result = backfill(
        args.paths, args.db, engine=args.engine, address=args.address, workers=args.workers,
        shards=args.shards, warmup=args.warmup, skip_weave=args.skip_weave, words=args.words,
        on_error=report, on_stage=stage,
    )
    for line in result.analysis_failed:
        print(f"newsweave: analysis failed: {line}", file=sys.stderr)
    for sid, reason in result.weave_failed:
        print(f"newsweave: weave failed: {sid}: {reason}", file=sys.stderr)
    print(result.summary())
    return 0
