"""`newsweave ingest`, `newsweave stories` and `newsweave weave --db`: the commands over the store.

Thin shells: reading is ``newsweave.ingest``, grouping ``newsweave.group``, weaving
``newsweave.weave``; this module streams between them and the store and reports progress.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from newsweave.cli_utils import output_sink, progress_bar, show_progress
from newsweave.errors import InputError
from newsweave.models import Article
from newsweave.store import BATCH_SIZE, AddResult, Store, StoryRow, open_store

#: Longest wait between two ingest commits when the input is slow to parse.
BATCH_SECONDS = 2.0
#: Stories fetched per page when listing or weaving them all.
PAGE = 500
#: members per story whose titles and lead sentences are kept to choose its headline
HEADLINE_SAMPLE = 25
#: Longest headline shown in the --list table (the JSONL output keeps it whole).
TABLE_HEADLINE_CHARS = 80


def _batches(
    items: Iterable[Article], size: int, seconds: float = BATCH_SECONDS
) -> Iterator[list[Article]]:
    """Batches of ``size`` items, cut early once ``seconds`` have passed, so a slow source
    (HTML through trafilatura) still commits, and shows up in the store, every few seconds."""
    batch: list[Article] = []
    started = time.monotonic()
    for item in items:
        batch.append(item)
        if len(batch) >= size or time.monotonic() - started >= seconds:
            yield batch
            batch, started = [], time.monotonic()
    if batch:
        yield batch


# --------------------------------------------------------------------------- ingest
@dataclass(frozen=True)
class IngestCounts:
    read: int
    added: int
    already_stored: int
    bad: int
    id_conflicts: int = 0  # of already_stored: a given id that the store holds for other text

    def summary(self) -> str:
        conflicts = (
            f" ({self.id_conflicts} of them: id already used by a different text)"
            if self.id_conflicts else ""
        )
        return (
            f"read {self.read} articles: {self.added} added, {self.already_stored} already "
            f"stored{conflicts}, {self.bad} bad records skipped"
        )


def ingest_paths(
    store: Store,
    paths: Iterable[str | Path],
    on_error: Callable[[InputError], None],
    on_read: Callable[[], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestCounts:
    """Stream articles from ``paths`` into ``store``, one transaction per batch: memory holds
    one batch whatever the input size, and a killed run loses at most the batch in flight."""
    from newsweave.ingest import iter_articles

    bad = 0

    def count_bad(err: InputError) -> None:
        nonlocal bad
        bad += 1
        on_error(err)

    def counted(articles: Iterable[Article]) -> Iterator[Article]:
        for article in articles:
            if on_read is not None:
                on_read()
            yield article

    total = AddResult(0, 0)
    read = 0
    stream = counted(iter_articles(list(paths), on_error=count_bad))
    for batch in _batches(stream, batch_size):
        total += store.add_articles(batch, batch_size=batch_size)
        read += len(batch)
    return IngestCounts(
        read=read, added=total.added, already_stored=total.skipped, bad=bad,
        id_conflicts=total.id_conflicts,
    )


def run_ingest(args: argparse.Namespace) -> int:
    """Exit 0 when every input was good; 2 when a bad file or record was reported and skipped
    (the good ones are stored all the same), the input held nothing usable, a path is missing
    or the store cannot be opened."""
    for path in args.paths:
        if not Path(path).exists():
            raise InputError("no such file or directory", path)
    store = open_store(args.db)
    show = show_progress(args)
    try:
        with progress_bar(show, "articles") as progress:
            task = progress.add_task("ingesting", total=None)

            def report(err: InputError) -> None:
                progress.console.print(f"newsweave: skipped: {err}", markup=False, soft_wrap=True)

            counts = ingest_paths(
                store, args.paths, on_error=report,
                on_read=lambda: progress.advance(task),
            )
    finally:
        store.close()
    print(counts.summary())
    if counts.read == 0:
        raise InputError("no articles found in the given paths")
    return 2 if counts.bad else 0  # the good records are stored; the bad ones were reported


# --------------------------------------------------------------------------- stories
def _story_dict(story: StoryRow) -> dict[str, Any]:
    return {
        "id": story.id,
        "headline": story.headline,
        "first_published": story.first_published,
        "last_published": story.last_published,
        "articles": list(story.article_ids),
    }


def iter_stories(store: Store) -> Iterator[StoryRow]:
    """Every story, newest first, a page at a time."""
    offset = 0
    while page := store.list_stories(limit=PAGE, offset=offset):
        yield from page
        offset += len(page)


def in_window(story: StoryRow, since: str | None, until: str | None) -> bool:
    """A story overlaps [since, until] (inclusive dates); undated stories only without bounds."""
    if since is None and until is None:
        return True
    if story.first_published is None or story.last_published is None:
        return False
    if since is not None and story.last_published < since:
        return False
    return not (until is not None and story.first_published[: len(until)] > until)


@dataclass(frozen=True)
class GroupCounts:
    articles: int
    stories: int
    created: int
    updated: int
    removed: int
    duplicates: int

    def summary(self) -> str:
        return (
            f"grouped {self.articles} articles into {self.stories} stories "
            f"({self.created} new, {self.updated} updated, {self.removed} removed); "
            f"{self.duplicates} near-duplicate copies flagged"
        )


class StoreEmbedder:
    """MiniLM behind the store's vector cache (``lead_vectors``): grouping embeds each
    article's title + lead, which is most of its cost, so a rerun of ``stories`` after new
    articles arrive embeds only the new leads. Vectors are kept exactly (float32), so a rerun
    decides exactly as the first run did. Called from the grouper's worker thread, which gets a
    connection of its own from the pool."""

    MODEL = "all-MiniLM-L6-v2/int8/v1"

    def __init__(self, store: Store, inner: Any = None) -> None:
        self.store = store
        self.inner = inner
        self.embedded = 0  # leads actually run through the model

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.MODEL}\0{text}".encode()).hexdigest()

    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        if self.inner is None:
            from newsweave.embed import get_embedder

            self.inner = get_embedder()
        keys = [self._key(t) for t in texts]
        found = {k: np.frombuffer(v, dtype="<f4") for k, v in self.store.get_vectors(keys).items()}
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if todo:
            fresh = self.inner.embed(list(todo.values())).astype("<f4")
            self.embedded += len(todo)
            new = dict(zip(todo, fresh, strict=True))
            self.store.put_vectors({k: v.tobytes() for k, v in new.items()})
            found.update(new)
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, 384), "<f4")


def group_store(
    store: Store, since: str | None = None, until: str | None = None, on_article=None
) -> GroupCounts:
    """Group the stored articles (published-date order, undated last) into stories and save
    the assignments and headlines in one transaction. Articles stream from the store through
    the grouper; what is kept per story for its headline is bounded (``HEADLINE_SAMPLE``
    titles and lead sentences), so memory does not grow with the articles' text."""
    from newsweave.group import group_stream, headline_copy, story_headline

    assignments: dict[str, str] = {}
    duplicates: dict[str, str] = {}
    samples: dict[str, list[Article]] = {}
    embedder = None if store.url.endswith(":memory:") else StoreEmbedder(store)
    for article, assigned in group_stream(store.iter_articles(since, until), embedder=embedder):
        assignments[article.id] = assigned.story_id
        if assigned.duplicate_of:
            duplicates[article.id] = assigned.duplicate_of
        if assigned.moved_from is not None:  # a split moved an earlier article: not a new one
            old = samples.get(assigned.moved_from, [])
            samples[assigned.moved_from] = [a for a in old if a.id != article.id]
        sample = samples.setdefault(assigned.story_id, [])
        if len(sample) < HEADLINE_SAMPLE:
            sample.append(headline_copy(article))
        if on_article is not None and assigned.moved_from is None:
            on_article()
    for sid in [sid for sid, arts in samples.items() if not arts]:  # a split took them all
        members = [aid for aid, story in assignments.items() if story == sid]
        samples[sid] = [headline_copy(a) for a in store.get_articles(members[:HEADLINE_SAMPLE])]
    headlines = {sid: story_headline(arts) for sid, arts in samples.items()}
    saved = store.save_stories(assignments, headlines, duplicates)
    return GroupCounts(
        articles=len(assignments),
        stories=len(samples),
        created=saved.created,
        updated=saved.updated,
        removed=saved.removed,
        duplicates=len(duplicates),
    )


def _stories_table(stories: Iterable[StoryRow]) -> Any:
    from rich.table import Table

    table = Table(title="Stories", show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("first", no_wrap=True)
    table.add_column("last", no_wrap=True)
    table.add_column("articles", justify="right")
    table.add_column("headline")
    for s in stories:
        headline = s.headline
        if len(headline) > TABLE_HEADLINE_CHARS:
            headline = headline[: TABLE_HEADLINE_CHARS - 1] + "…"
        table.add_row(
            s.id, s.first_published or "-", s.last_published or "-",
            str(len(s.article_ids)), headline,
        )
    return table


def _check_date(value: str | None, flag: str) -> str | None:
    from newsweave.ingest import normalise_date

    if value is None:
        return None
    norm = normalise_date(value)
    if norm is None:
        raise InputError(f"{flag}: not a date: {value!r} (use YYYY-MM-DD)")
    return norm


def run_stories(args: argparse.Namespace) -> int:
    """Group (unless --list), then print a summary, a table (--list) or JSONL (--format)."""
    since = _check_date(args.since, "--since")
    until = _check_date(args.until, "--until")
    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    store = open_store(args.db, create=False)
    try:
        listing = args.list or args.format == "jsonl"
        if not args.list:
            total = store.count_articles() if since is None and until is None else None
            with progress_bar(show_progress(args), "articles") as progress:
                task = progress.add_task("grouping", total=total)
                counts = group_store(store, since, until, lambda: progress.advance(task))
            print(counts.summary(), file=sys.stderr if listing else sys.stdout)
        if not listing:
            return 0
        stories = (s for s in iter_stories(store) if in_window(s, since, until))
        if args.format == "jsonl":
            for s in stories:
                sys.stdout.write(json.dumps(_story_dict(s), ensure_ascii=False) + "\n")
        else:
            from rich.console import Console

            Console().print(_stories_table(stories))
    finally:
        store.close()
    return 0


# --------------------------------------------------------------------------- weave --db
def _brief_for(store: Store, story: StoryRow, words: int) -> tuple[Any, list[Article]]:
    from newsweave.weave import weave_articles

    articles = store.story_articles(story.id)
    if not articles:
        raise InputError(f"story {story.id!r} has no articles")
    brief = weave_articles(articles, story_id=story.id, words=words,
                           copies=store.story_duplicates(story.id))
    if story.headline:
        brief = replace(brief, story=replace(brief.story, headline=story.headline))
    return brief, articles


def _write_line(fh: TextIO, text: str) -> None:
    fh.write(text if text.endswith("\n") else text + "\n")


def weave_from_store(args: argparse.Namespace) -> int:
    """`weave --db URL --story ID` (one brief, any format) or `weave --db URL --all` (one JSON
    brief per line, newest story first; a story that fails is reported and skipped)."""
    from newsweave.render import render

    story_id = getattr(args, "story", None)
    weave_all = getattr(args, "all", False)
    if getattr(args, "paths", None) or getattr(args, "jsonl", None):
        raise InputError("with --db, weave stored stories: give --story ID or --all, not files")
    if bool(story_id) == bool(weave_all):
        raise InputError("with --db, give either --story ID or --all")
    store = open_store(args.db, create=False)
    try:
        if story_id:
            story = store.get_story(story_id)
            if story is None:
                raise InputError(f"unknown story id {story_id!r}")
            brief, articles = _brief_for(store, story, args.words)
            text = render(brief, args.format or "text", texts={a.id: a.text for a in articles})
            with output_sink(args.out) as fh:
                _write_line(fh, text)
            return 0
        fmt = args.format or "jsonl"
        if fmt != "jsonl":
            raise InputError(f"--all writes one JSON brief per line: use --format jsonl, not {fmt}")
        return _weave_all(store, args)
    finally:
        store.close()


def _weave_all(store: Store, args: argparse.Namespace) -> int:
    from newsweave.render import render

    ids = store.story_ids()
    show = show_progress(args)
    bad = 0
    with output_sink(args.out) as fh, progress_bar(show, "stories") as progress:
        task = progress.add_task("weaving", total=len(ids))
        for sid in ids:
            story = store.get_story(sid)
            if story is None:  # removed by a concurrent grouping run
                progress.advance(task)
                continue
            try:
                brief, _ = _brief_for(store, story, args.words)
            except Exception as err:  # noqa: BLE001 - one failing story must not stop the rest
                from newsweave.cli import describe_failure

                bad += 1
                reason = err if isinstance(err, InputError) else describe_failure(err)
                progress.console.print(
                    f"newsweave: skipped: story {sid}: {reason}", markup=False, soft_wrap=True
                )
            else:
                _write_line(fh, render(brief, "jsonl"))
            progress.advance(task)
    if bad:
        print(f"newsweave: {bad} of {len(ids)} stories skipped", file=sys.stderr)
    return 2 if bad else 0
