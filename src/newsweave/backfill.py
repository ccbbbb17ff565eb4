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

import heapq
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from newsweave.errors import (
    InputError,
    Terminated,  # noqa: F401 - what a stopped run raises here
    log_warnings_one_line,
)
from newsweave.models import Article
from newsweave.shards import (
    ShardResult,
    ShardRun,
    State,
    merge_shards,
    plan_shards,
    refine_shards,
)
from newsweave.store import DEFAULT_DB, SaveResult, Store, open_store
from newsweave.wording import count

ENGINES = ("local", "ray")
#: articles per analysis task: large enough that spaCy batches, small enough to spread
ANALYSE_CHUNK = 16
#: articles stored per ingest transaction
INGEST_BATCH = 500
#: default warm-up (articles replayed before each time shard): the grouper's own memory bound
#: (``GroupSettings.max_active_articles``), so a shard sees every article the single pass
#: could still compare with (measured: 500 was too short on the dev sets, RESULTS.md)
WARMUP = 10_000
#: the fewest articles a time shard is given: more shards than that only add refinement
#: rounds (up to K-1: ``--shards 1000`` on 91 articles grouped in 129 s, not 3 s)
MIN_SHARD_ARTICLES = 100
#: ``on_progress(stage, done, total)``: ``done`` items more of ``stage`` ("prepare",
#: "analyse", "weave"); ``total`` when it becomes known (weaving's after grouping), else None
Progress = Callable[[str, int, int | None], None]


# --------------------------------------------------------------------------- worker side
def _reason(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]


class Worker:
    """What one worker process (or Ray actor) runs: it opens the store once and keeps the
    models it loads (spaCy, MiniLM) for every task it is given."""

    def __init__(self, url: str) -> None:
        from newsweave.embed import one_core

        one_core()  # a worker is one core: N workers use N cores, not 2N threads
        self.store = Store(url, create=False)
        self._leads: Any = None  # a fresh grouper, only to compute leads as grouping will

    def prepare(self, ids: Sequence[str]) -> int:
        """Embed, into the store's lead-vector cache, the title + lead the grouper will embed
        for each of these articles, so that the sequential grouper finds them cached (its cost
        is mostly this embedding). A lead computed here that grouping computes differently
        (boilerplate learned from other articles) is a cache miss the grouper embeds itself:
        the vectors do not depend on the batch they are computed in. Returns leads embedded."""
        from newsweave.group import StoryGrouper
        from newsweave.grouping_state import StoreEmbedder

        if self._leads is None:
            self._leads = StoryGrouper()
        articles = self.store.get_articles(list(ids))
        leads = [lead for a in articles if (lead := self._leads.lead_of(a))]
        embedder = StoreEmbedder(self.store)
        embedder.embed(leads)
        return embedder.embedded

    def analyse(self, ids: Sequence[str]) -> tuple[int, str | None]:
        """Analyse and store the given articles that lack a current analysis; returns how
        many were analysed, and a one-line error when the chunk failed."""
        from newsweave.analysis_store import documents_for

        try:
            articles = self.store.get_articles(list(ids))
            _docs, analysed = documents_for(self.store, articles)
        except Exception:  # noqa: BLE001 - one by one, so only the bad article is named
            analysed, errors = 0, []
            for article in articles:
                try:
                    analysed += documents_for(self.store, [article])[1]
                except Exception as exc:  # noqa: BLE001 - the driver reports it, goes on
                    reason = _reason(exc)
                    errors.append(reason if article.id in reason
                                  else f"article {article.id}: {reason}")
            return analysed, "; ".join(errors) or None
        return analysed, None

    def group_shard(self, ids: Sequence[str], keep_state: bool = False
                    ) -> ShardResult | ShardRun:
        """Group one time shard (warm-up then owned ids) with a fresh sequential grouper;
        ``keep_state``: with the state it ended in, for ``continue_shard``."""
        from newsweave.grouping_state import StoreEmbedder

        articles = self.store.get_articles(list(ids))
        if keep_state:
            return group_run(articles, embedder=StoreEmbedder(self.store))
        return group_ordered(articles, embedder=StoreEmbedder(self.store))

    def continue_shard(self, item: tuple[State, Sequence[str]]) -> ShardRun:
        """Group a shard's own articles from the state the shard before it ended in
        (``shards.refine_shards``)."""
        from newsweave.grouping_state import StoreEmbedder

        state, ids = item
        articles = self.store.get_articles(list(ids))
        return group_run(articles, embedder=StoreEmbedder(self.store), state=state)

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
    return _group(articles, embedder, settings, None, keep_state=False)[0]


def group_run(articles: Sequence[Article], embedder: Any = None, settings: Any = None,
              state: State | None = None) -> ShardRun:
    """``group_ordered`` from a fresh grouper or from a saved ``state``, returning the state
    the grouper ends in as well (``shards.refine_shards`` hands it to the next shard)."""
    result, end = _group(articles, embedder, settings, state, keep_state=True)
    assert end is not None
    return ShardRun(result, end)


def _group(articles: Sequence[Article], embedder: Any, settings: Any, state: State | None,
           keep_state: bool) -> tuple[ShardResult, State | None]:
    """The pass both run. A fresh grouper is marked with the languages a backfill groups
    (all), so that later incremental runs continue from a state it saves."""
    from newsweave.app import DEFAULT_LANGUAGES
    from newsweave.group import group_stream
    from newsweave.grouping_state import (
        FORMAT,
        ResumableGrouper,
        dump_state,
        language_key,
        load_state,
    )

    if state is None:
        grouper = ResumableGrouper(settings, embedder=embedder)
        grouper.languages = language_key(DEFAULT_LANGUAGES)
    else:
        grouper = load_state(state[0], state[1].values(), FORMAT, settings=settings,
                             embedder=embedder)
    out: ShardResult = {}
    for article, assigned in group_stream(articles, grouper=grouper):
        out[article.id] = (assigned.story_id, assigned.duplicate_of)
    if not keep_state:
        return out, None
    saved = dump_state(grouper)
    return out, (saved.core, saved.stories)


_worker: Worker | None = None


def _init_local(url: str) -> None:
    global _worker
    log_warnings_one_line()  # a spawned worker's warnings read as the driver's do
    _worker = Worker(url)


def _call_local(method: str, *args: Any) -> Any:
    assert _worker is not None
    return getattr(_worker, method)(*args)


# --------------------------------------------------------------------------- engines
class Engine(Protocol):
    """Where tasks run. ``submit``/``wait`` drive the pipelined stages: at most ``free()``
    tasks are handed out at a time, so the driver picks each next task when a worker frees
    up; ``submit_grouper`` runs the sequential grouper beside them."""

    workers: int

    def map(self, method: str, items: Sequence[Any], *extra: Any) -> Iterator[Any]: ...

    def call(self, method: str, *args: Any) -> Any: ...

    def free(self) -> int: ...

    def submit(self, tag: Any, method: str, *args: Any) -> None: ...

    def submit_grouper(self, tag: Any, method: str, *args: Any) -> None: ...

    def pending(self) -> int: ...

    def wait(self) -> list[tuple[Any, Any]]: ...

    def close(self, abort: bool = False) -> None:
        """Release the workers; ``abort``: the run was stopped, so work under way is
        dropped rather than waited for."""


class LocalEngine:
    """A process pool of ``workers`` spawned processes (no forked model threads), started on
    first use; ``map`` results come back in input order. With one worker, tasks run in the
    calling process (one after another, as the one pool process would run them). The grouper
    runs in a thread of the calling process, with a store connection of its own, beside the
    workers (as the grouper actor does on Ray)."""

    def __init__(self, url: str, workers: int) -> None:
        self.url, self.workers = url, workers
        self._pool: ProcessPoolExecutor | None = None
        self._here: Worker | None = None  # --workers 1: tasks run in this process
        self._grouper: Worker | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._pending: dict[Future, tuple[Any, bool]] = {}  # future -> (tag, on a worker)

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

    def free(self) -> int:
        return self.workers - sum(1 for _tag, on_worker in self._pending.values() if on_worker)

    def submit(self, tag: Any, method: str, *args: Any) -> None:
        if self.workers <= 1:
            future: Future = Future()
            try:
                future.set_result(getattr(self._local(), method)(*args))
            except Exception as exc:  # noqa: BLE001 - raised by wait(), as a pool's would be
                future.set_exception(exc)
        else:
            future = self._get().submit(_call_local, method, *args)
        self._pending[future] = (tag, True)

    def submit_grouper(self, tag: Any, method: str, *args: Any) -> None:
        if self._grouper is None:
            self._grouper = Worker(self.url)
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grouper")
        future = self._thread.submit(getattr(self._grouper, method), *args)
        self._pending[future] = (tag, False)

    def pending(self) -> int:
        return len(self._pending)

    def wait(self) -> list[tuple[Any, Any]]:
        done, _ = wait_futures(list(self._pending), return_when=FIRST_COMPLETED)
        return [(self._pending.pop(f)[0], f.result()) for f in done]

    def close(self, abort: bool = False) -> None:
        if abort and self._pool is not None:
            # stopped (Ctrl-C, SIGTERM): the workers end now, or a SIGTERM'd run left them
            # running without end, each holding its models and the store open
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
        if self._thread is not None:  # a grouping run under way finishes and saves
            self._thread.shutdown(wait=True)
            self._thread = None
        for worker in (self._here, self._grouper):
            if worker is not None:
                worker.store.close()
        self._here = self._grouper = None
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self._pending.clear()


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
    revised: int = 0  # new text under a stored article's URL: that article's new version
    already_stored: int = 0
    bad: int = 0
    analysed: int = 0
    analysis_failed: list[str] = field(default_factory=list)
    grouped: int = 0  # articles grouped by this run
    stories: int = 0
    #: what grouping changed, as ``update`` counts it ("0 new, 1 updated, 1 removed"): a
    #: rerun or a sharded regrouping of a live store can move articles and remove stories
    #: whose links then redirect; None when grouping was skipped
    regrouping: str | None = None
    rewoven: int = 0
    weave_failed: list[tuple[str, str]] = field(default_factory=list)
    embedded: int = 0  # lead vectors computed ahead of grouping
    #: the store's word budget before ``--words`` set it (None: not given)
    words_before: int | None = None
    words: int = 0  # the word budget the briefs were woven at
    seconds: dict[str, float] = field(default_factory=dict)
    #: seconds into the overlapped stages when each was finished (prepare, group, analyse,
    #: weave); stages overlap, so these are not durations
    done_at: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
        if self.done_at:
            stages += " (" + ", ".join(f"{k} done at {v:.1f}s" for k, v in
                                      sorted(self.done_at.items(), key=lambda kv: kv[1])) + ")"
        revised = f"{count(self.revised, 'new version')}, " if self.revised else ""
        return (
            f"read {count(self.read, 'article')} ({self.added} added, {revised}"
            f"{self.already_stored} "
            f"already stored, {count(self.bad, 'bad record')} skipped); analysed "
            f"{self.analysed}; grouped {self.grouped} into {count(self.stories, 'story')}"
            f"{f' ({self.regrouping})' if self.regrouping else ''}; wove "
            f"{count(self.rewoven, 'brief')}"
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
        result.revised += added.revised
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


def changed_stories(created: int, updated: int, removed: int, regrouped: int = 0,
                    elsewhere: int = 0, moved: int = 0, late: int = 0) -> str:
    """What a grouping changed, counted as ``update`` counts it: "0 new, 1 updated, 1
    removed", with the revised articles regrouped and how many moved, the earlier articles a
    split moved, and the new ones dated before what an earlier run grouped (``update`` said
    both, a backfill of the same articles neither)."""
    line = f"{created} new, {updated} updated, {removed} removed"
    if moved:
        line += f"; moved {moved} earlier {'one' if moved == 1 else 'ones'}"
    if regrouped:
        line += (f"; regrouped {count(regrouped, 'revised article')}, {elsewhere} now in "
                 "another story")
    if late:
        line += (f"; {count(late, 'new article')} dated before articles grouped earlier "
                 "(grouped against the stories as they stand; `stories --rebuild` regroups "
                 "everything in date order)")
    return line


def group_shards(store: Store, engine: Engine, shards: int, warmup: int,
                 rounds: int | None = None, report: Callable[[str], None] | None = None
                 ) -> tuple[int, SaveResult]:
    """Regroup every stored article in ``shards`` time shards (in parallel) and save the
    stories together with a grouper state that later incremental runs (``stories``,
    ``update``) continue from. ``rounds`` 0: each shard starts from its warm-up alone and
    the shards are merged at their boundaries (``merge_shards``; the state is rebuilt by
    ``replay_state``); otherwise up to ``rounds`` refinement rounds (default: until nothing
    changes, at most ``shards - 1``) restart shards from their predecessors' states
    (``refine_shards``), and the last shard's state is saved as is. Returns the articles
    grouped and what saving them changed."""
    from newsweave.app import DEFAULT_LANGUAGES
    from newsweave.group import story_headline
    from newsweave.grouping_state import FORMAT, HEADLINE_SAMPLE, dump_state

    pending = store.pending_regroups()  # grouped below by their current texts
    order = grouping_order(store)
    fewer = max(1, min(shards, len(order) // MIN_SHARD_ARTICLES))
    if fewer < shards and report is not None:
        report(f"shards: {len(order):,} articles make {fewer} shard(s) of at least "
               f"{MIN_SHARD_ARTICLES} (--shards {shards})")
    shards = fewer
    plan = plan_shards(order, shards, warmup)
    id_lists = [list(s.ids) for s in plan]
    if rounds == 0:
        results = list(engine.map("group_shard", id_lists))
        assignments, duplicates = merge_shards(plan, results)
        state = None
    else:
        first = list(engine.map("group_shard", id_lists, True))
        refined = refine_shards(plan, first, lambda items: engine.map("continue_shard", items),
                                max_rounds=rounds)
        assignments, duplicates, state = (refined.assignments, refined.duplicates,
                                          refined.state)
        if report is not None:
            report(f"shards: {refined.rounds} refinement round(s), {refined.reruns} shard "
                   f"re-run(s), {'converged' if refined.converged else 'NOT converged'}")
    with store.grouping_lock(60.0):
        info = store.load_grouper_state(with_blob=False)
        if state is None:
            grouper = replay_state(store, order, assignments, duplicates,
                                   min(len(order), max(warmup, 1)), DEFAULT_LANGUAGES)
            saved = dump_state(grouper)
            state = (saved.core, saved.stories)
        saved, _ = store.save_grouping(
            assignments, duplicates, story_headline, HEADLINE_SAMPLE,
            (FORMAT, max_seq(store), state[0]), None if info is None else info[2],
            all_headlines=True, story_states=state[1], replace_all=True,
            regrouped={aid: p.revision for aid, p in pending.items()})
    return len(assignments), saved


def max_seq(store: Store) -> int:
    from sqlalchemy import func, select

    from newsweave.store import articles_t

    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.max(articles_t.c.seq))) or 0)


def replay_state(store: Store, order: Sequence[str], assignments: dict[str, str],
                 duplicates: dict[str, str], tail: int, languages: Sequence[str] | None
                 ) -> Any:
    """A grouper holding the merged stories as a single pass would hold them at the end:
    the last ``tail`` articles (date order) replayed with their merged story forced (no
    decisions, no splits; lead vectors come from the store's cache). The incremental grouper
    compares a new article with the stories it holds, so it continues from the sharded run
    instead of regrouping the archive."""
    from newsweave.grouping_state import ResumableGrouper, StoreEmbedder, language_key

    grouper = ResumableGrouper(embedder=StoreEmbedder(store))
    grouper.languages = language_key(languages)
    ids = list(order[len(order) - tail :])
    step = grouper.s.embed_chunk
    for lo in range(0, len(ids), step):
        chunk = store.get_articles(ids[lo : lo + step])
        grouper.add_many(chunk, forced=[assignments[a.id] for a in chunk])
    return grouper


def ungrouped_ids(store: Store) -> list[str]:
    """Ids of the articles in no story yet, in the grouper's date order."""
    from sqlalchemy import select

    from newsweave.store import _published_order, articles_t, story_articles_t

    sa = story_articles_t
    stmt = (select(articles_t.c.id).outerjoin(sa, sa.c.article_id == articles_t.c.id)
            .where(sa.c.article_id.is_(None)).order_by(*_published_order()))
    with store.engine.connect() as conn:
        return list(conn.scalars(stmt))


class Pipeline:
    """The analyse, group and weave stages overlapped, so that few workers wait.

    A backfill's serial part is the sequential grouper and, among the weaves, the largest
    story (its weave is one task, and the largest story can hold half the archive). The driver
    therefore hands out tasks one at a time as workers free up, in this order:

    1. ``prepare``: every ungrouped article's lead vector, in parallel (the grouper's cost is
       mostly embedding leads; with them cached it is a few milliseconds per article);
    2. grouping then starts beside the workers (a thread of the driver locally, the grouper
       actor on Ray) while they ``analyse`` chunks of articles;
    3. once grouping is done, the remaining analysis is reordered so that the largest stories'
       members come first, and each story to weave is handed out as soon as all its members
       are analysed, before any further analysis (largest story first).

    With ``shards`` > 1 grouping itself runs on the workers (``group_shards``), after
    ``prepare`` and before any analysis. The work done does not depend on the number of
    workers (one worker runs the same tasks, one after another), only the order does, and
    with it nothing stored: analyses and lead vectors do not depend on the batch they are
    computed in, and grouping sees only the cached lead vectors.
    """

    def __init__(self, store: Store, engine: Engine, result: BackfillResult, *, shards: int,
                 warmup: int, words: int, skip_weave: bool, rounds: int | None = None,
                 on_stage: Callable[[str], None] | None = None,
                 on_progress: Progress | None = None) -> None:
        self.store, self.engine, self.result = store, engine, result
        self.shards, self.warmup, self.words, self.skip_weave = shards, warmup, words, skip_weave
        self.rounds, self.on_stage = rounds, on_stage
        self.progress = on_progress or (lambda _kind, _done, _total: None)
        # --skip-weave stops after grouping: the analyses only weaving reads (85% of a run)
        # are left to the `update` that weaves
        self.to_analyse = [] if skip_weave else unanalysed_ids(store)
        self.next_analyse = 0
        self.unanalysed = set(self.to_analyse)
        self.analysing = 0
        needs_grouping = shards == 1 or has_ungrouped(store)
        self.prepare = _chunks(ungrouped_ids(store), ANALYSE_CHUNK) if needs_grouping else []
        self.preparing = len(self.prepare)
        self.group = "waiting" if needs_grouping else "skip"  # -> running -> done
        self.waiting: dict[str, set[str]] = {}  # story to weave -> members not yet analysed
        self.story_of: dict[str, list[str]] = {}
        self.sizes: dict[str, int] = {}
        self.ready: list[tuple[int, str]] = []  # stories to weave now: (-size, id) heap
        self.started = time.perf_counter()

    def _mark(self, name: str) -> None:
        self.result.done_at[name] = time.perf_counter() - self.started

    def _next(self) -> tuple[Any, str, tuple[Any, ...]] | None:
        if self.prepare:
            chunk = self.prepare.pop(0)
            return ("prepare", chunk), "prepare", (chunk,)
        if self.ready:
            _size, sid = heapq.heappop(self.ready)
            return ("weave", sid), "weave", (sid, self.words)
        if self.shards > 1 and self.group != "done":
            return None  # sharded grouping takes the workers first
        if self.next_analyse < len(self.to_analyse):
            lo = self.next_analyse
            chunk = self.to_analyse[lo : lo + ANALYSE_CHUNK]
            self.next_analyse += len(chunk)
            self.analysing += 1
            return ("analyse", chunk), "analyse", (chunk,)
        return None

    def _grouped(self) -> None:
        """Grouping is done: find the stories to weave and put their members first."""
        from newsweave.app import current_fingerprints

        self.group = "done"
        self._mark("group")
        self.result.stories = self.store.count_stories()
        if self.skip_weave:
            return
        wanted = current_fingerprints(self.store, self.words)
        stored = self.store.latest_fingerprints()
        members = self.store.story_memberships()
        todo = [sid for sid in self.store.story_ids()
                if sid in wanted and stored.get(sid, (0, ""))[1] != wanted[sid]]
        self.progress("weave", 0, len(todo))
        for sid in todo:
            ids = [m[0] for m in members.get(sid, [])]
            self.sizes[sid] = len(ids)
            self.waiting[sid] = {a for a in ids if a in self.unanalysed}
            for aid in self.waiting[sid]:
                self.story_of.setdefault(aid, []).append(sid)
            if not self.waiting[sid]:
                heapq.heappush(self.ready, (-len(ids), sid))
        rank: dict[str, int] = {}
        for sid in sorted(todo, key=lambda s: (-self.sizes[s], s)):
            for aid in sorted(self.waiting[sid]):
                rank.setdefault(aid, len(rank))
        lo = self.next_analyse
        rest = self.to_analyse[lo:]
        pos = {aid: i for i, aid in enumerate(rest)}
        self.to_analyse[lo:] = sorted(rest, key=lambda aid: (rank.get(aid, len(rank)), pos[aid]))

    def _done(self, tag: Any, value: Any) -> None:
        kind, what = tag[0], tag[1] if len(tag) > 1 else None
        result = self.result
        if kind in ("prepare", "analyse"):
            self.progress(kind, len(what), None)
        elif kind == "weave":
            self.progress(kind, 1, None)
        if kind == "prepare":
            self.preparing -= 1
            result.embedded += value
            if not self.preparing:
                self._mark("prepare")
        elif kind == "group":
            result.grouped = value.new_articles
            result.regrouping = changed_stories(value.created, value.updated, value.removed,
                                                value.regrouped, value.regrouped_elsewhere,
                                                value.moved, value.late)
            self._grouped()
        elif kind == "analyse":
            self.analysing -= 1
            n, error = value
            result.analysed += n
            if error is not None:  # it names the article (and its file)
                result.analysis_failed.append(error)
            for aid in what:
                self.unanalysed.discard(aid)
                for sid in self.story_of.pop(aid, []):
                    self.waiting[sid].discard(aid)
                    if not self.waiting[sid]:
                        heapq.heappush(self.ready, (-self.sizes[sid], sid))
            if not self.analysing and self.next_analyse >= len(self.to_analyse):
                self._mark("analyse")
        elif kind == "weave":
            sid, woven, error = value
            if woven is None:
                result.weave_failed.append((sid, error or "failed"))
            else:
                self.store.add_brief_version(woven.story_id, woven.articles, woven.fingerprint,
                                             woven.brief_json, read_at=woven.read_at)
                result.rewoven += 1

    def run(self) -> None:
        engine = self.engine
        self.progress("prepare", 0, sum(len(chunk) for chunk in self.prepare))
        self.progress("analyse", 0, len(self.to_analyse))
        while True:
            if self.group == "skip":
                self._grouped()
            if self.group == "waiting" and not self.preparing:
                if self.shards == 1:
                    engine.submit_grouper(("group",), "group_new")
                    self.group = "running"
                elif not engine.pending():  # the workers are free for the shards
                    self.result.grouped, saved = group_shards(
                        self.store, engine, self.shards, self.warmup, self.rounds,
                        self.on_stage)
                    self.result.regrouping = changed_stories(saved.created, saved.updated,
                                                             saved.removed)
                    self._grouped()
            while engine.free() > 0:
                task = self._next()
                if task is None:
                    break
                tag, method, args = task
                engine.submit(tag, method, *args)
            if not engine.pending():  # and no task left to hand out
                if self.group == "done":
                    break
                continue  # grouping starts at the top of the loop
            for tag, value in engine.wait():
                self._done(tag, value)
        self._mark("weave" if not self.skip_weave else "analyse")


def backfill(
    paths: Sequence[str | Path],
    url: str | None,
    *,
    engine: str = "local",
    address: str | None = None,
    workers: int | None = None,
    shards: int = 1,
    warmup: int = WARMUP,
    rounds: int | None = None,
    skip_weave: bool = False,
    words: int | None = None,
    on_error: Callable[[InputError], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_progress: Progress | None = None,
) -> BackfillResult:
    """Ingest ``paths`` into the store at ``url`` and analyse, group and (unless
    ``skip_weave``) weave it, skipping whatever an earlier (possibly killed) run finished."""
    from newsweave.app import brief_words, set_brief_words
    from newsweave.ingest import missing_input

    for path in paths:
        if (missing := missing_input(path)) is not None:
            raise missing
    if shards < 1:
        raise InputError(f"--shards must be at least 1, not {shards}")
    if warmup < 0:
        raise InputError(f"--warmup must be 0 or more, not {warmup}")
    if rounds is not None and rounds < 0:
        raise InputError(f"--rounds must be 0 or more, not {rounds}")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    if words is not None and words < 1:
        raise InputError(f"--words must be a positive number, got {words}")
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r} (use one of: {', '.join(ENGINES)})")
    if url is not None and str(url).endswith(":memory:"):
        raise InputError("backfill needs a store other processes can open, not :memory:")
    if engine == "ray":  # before the archive is read, not after (RAY_ADDRESS: Ray's own)
        check_ray_address(address or os.environ.get("RAY_ADDRESS"))
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
        # one long job at a time, as `update` holds it: a second backfill (or an update) is
        # told the store is busy before any work, rather than analysing everything again and
        # storing every brief twice
        with store.exclusive("update"):
            if words is not None:  # the store's budget from now on, for every process
                result.words_before = set_brief_words(store, words)
            words = result.words = brief_words(store)
            timed("ingest", lambda: ingest(store, paths, result, on_error or (lambda _e: None)))
            if result.read == 0 and store.count_articles() == 0:
                raise InputError("no articles found in the given paths")
            eng = make_engine(engine, store.url, workers or max(1, os.cpu_count() or 1),
                              address)
            try:
                pipeline = Pipeline(store, eng, result, shards=shards, warmup=warmup,
                                    words=words, skip_weave=skip_weave,
                                    rounds=rounds, on_stage=on_stage, on_progress=on_progress)
                timed("analyse, group, weave", pipeline.run)
            except BaseException:
                eng.close(abort=True)
                raise
            eng.close()
    finally:
        store.close()
    return result


def check_ray_address(address: str | None, timeout: float = 3.0) -> None:
    """A cluster named as HOST:PORT (or ray://HOST:PORT, Ray Client) answers there:
    ``ray.init`` waits without end for a head node that is not there (printing its own
    logs), Ray Client for 30 s. ``auto`` fails fast in Ray itself."""
    import socket

    if not address or address == "auto":
        return
    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "ray"):
        return  # another scheme: Ray's to judge
    host, sep, port = rest.rstrip("/").rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise InputError(f"--address {address!r}: give HOST:PORT, auto or ray://HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout).close()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise InputError(f"cannot reach a Ray cluster at {address} ({why})") from None
    if not _speaks_grpc(f"{host}:{port}", timeout):  # another service: ray.init waited there
        raise InputError(f"nothing at {address} answers as a Ray cluster (gRPC): give the head "
                         "node's GCS port (6379 unless set), or ray://HOST:10001 for Ray Client")


def _speaks_grpc(target: str, timeout: float) -> bool:
    """Whether a gRPC server (Ray's GCS, Ray Client) answers at ``target``: grpcio, which
    Ray brings, opens a channel there; a database or a web server never makes it ready.
    Without grpcio (no Ray installed) it is Ray's to judge."""
    try:
        import grpc
    except ImportError:
        return True
    channel = grpc.insecure_channel(target)
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
        return True
    except grpc.FutureTimeoutError:
        return False
    finally:
        channel.close()
