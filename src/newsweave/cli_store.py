"""`newsweave ingest`, `newsweave stories` and `newsweave weave --db`: the commands over the store.

Thin shells: reading is ``newsweave.ingest``, grouping ``newsweave.group``, weaving
``newsweave.weave``; this module streams between them and the store and reports progress.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from newsweave.app import (  # noqa: F401 - GroupCounts: its old home
    DEFAULT_LANGUAGES,
    HEADLINE_SAMPLE,
    GroupCounts,
    group_store,
)
from newsweave.cli_utils import (
    output_sink,
    progress_bar,
    show_progress,
    terminated_on_signals,
)
from newsweave.errors import InputError, Repeats
from newsweave.grouping_state import StoreEmbedder  # noqa: F401 - moved there, kept importable
from newsweave.models import Article
from newsweave.store import BATCH_SIZE, AddResult, BriefVersion, Store, StoryRow, open_store
from newsweave.wording import count

#: Longest wait between two ingest commits when the input is slow to parse.
BATCH_SECONDS = 2.0
#: Stories fetched per page when listing or weaving them all.
PAGE = 500
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


def _writable(store: Store) -> None:
    """A writing command on a store it cannot write: one line naming the store, before any
    input is read (closing the store first, since the caller's ``finally`` may not run)."""
    try:
        store.require_writable()
    except InputError:
        store.close()
        raise


# --------------------------------------------------------------------------- ingest
@dataclass(frozen=True)
class IngestCounts:
    read: int
    added: int
    already_stored: int
    bad: int
    id_conflicts: int = 0  # of already_stored: a given id that the store holds for other text
    revised: int = 0  # new text under the URL of a stored article: its new version
    older: int = 0  # of already_stored: a version dated before the one stored
    shrunk: int = 0  # of already_stored: a text that lost most of its URL's stored words
    #: records saying they are in a language grouping leaves out by default
    other_language: int = 0
    retitled: int = 0  # of already_stored: the same text under a corrected headline

    def summary(self) -> str:
        notes = []
        if self.id_conflicts:
            notes.append(f"{self.id_conflicts} of them: id already used by a different text")
        if self.older:
            notes.append(f"{self.older} of them: dated before the stored version of its URL")
        if self.retitled:
            notes.append(f"{self.retitled} of them: a corrected headline, stored")
        if self.shrunk:
            notes.append(f"{self.shrunk} of them: most of its URL's stored text lost (a "
                         "withdrawal notice or a broken page?), the stored text kept")
        detail = f" ({'; '.join(notes)})" if notes else ""
        revised = (f", {count(self.revised, 'new version')} of stored articles"
                   if self.revised else "")
        languages = (f"; {self.other_language} in another language than "
                     f"{', '.join(DEFAULT_LANGUAGES)}: kept out of stories unless `stories "
                     "--languages` names it" if self.other_language else "")
        return (
            f"read {count(self.read, 'article')}: {self.added} added{revised}, "
            f"{self.already_stored} already stored{detail}, "
            f"{count(self.bad, 'bad record')} skipped{languages}"
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

    other_language = 0

    def counted(articles: Iterable[Article]) -> Iterator[Article]:
        nonlocal other_language
        for article in articles:
            if on_read is not None:
                on_read()
            if article.language and article.language not in DEFAULT_LANGUAGES:
                other_language += 1
            yield article

    total = AddResult(0, 0)
    read = 0
    stream = counted(iter_articles(list(paths), on_error=count_bad))
    for batch in _batches(stream, batch_size):
        total += store.add_articles(batch, batch_size=batch_size)
        read += len(batch)
    return IngestCounts(
        read=read, added=total.added, already_stored=total.skipped, bad=bad,
        id_conflicts=total.id_conflicts, revised=total.revised, older=total.older,
        shrunk=total.shrunk, other_language=other_language, retitled=total.retitled,
    )


def run_ingest(args: argparse.Namespace) -> int:
    """Exit 0 when every input was good; 2 when a bad file or record was reported and skipped
    (the good ones are stored all the same), the input held nothing usable, a path is missing
    or the store cannot be opened."""
    from newsweave.ingest import missing_input

    for path in args.paths:
        if (missing := missing_input(path)) is not None:
            raise missing
    store = open_store(args.db)
    _writable(store)
    show = show_progress(args)
    try:
        with progress_bar(show, "articles") as progress:
            task = progress.add_task("ingesting", total=None)

            repeats = Repeats()

            def report(err: InputError) -> None:
                if repeats.show(err):
                    progress.console.print(f"newsweave: skipped: {err}", markup=False,
                                           soft_wrap=True)

            counts = ingest_paths(
                store, args.paths, on_error=report,
                on_read=lambda: progress.advance(task),
            )
            for line in repeats.more():
                progress.console.print(f"newsweave: {line}", markup=False, soft_wrap=True)
    finally:
        store.close()
    print(counts.summary())
    if counts.read == 0:
        raise InputError("no articles found in the given paths")
    return 2 if counts.bad else 0  # the good records are stored; the bad ones were reported


# --------------------------------------------------------------------------- stories
def _story_dict(story: StoryRow, latest: BriefVersion | None = None) -> dict[str, Any]:
    """A story as ``--format jsonl`` prints it; ``latest_version``: its latest stored brief,
    what it added (``brief_diff.version_update``), None before the first."""
    from newsweave.brief_diff import version_update

    return {
        "id": story.id,
        "headline": story.headline,
        "first_published": story.first_published,
        "last_published": story.last_published,
        "articles": list(story.article_ids),
        "latest_version": None if latest is None else version_update(
            latest.version, latest.created, latest.changes),
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


def _table_time(value: str | None) -> str:
    """A stored date or time as the table shows it: to the minute, without its offset."""
    return value[:16].replace("T", " ") if value else "-"


def _stories_table(stories: Iterable[StoryRow], latest: dict[str, BriefVersion]) -> Any:
    from rich.markup import escape
    from rich.table import Table

    from newsweave.brief_diff import version_update
    from newsweave.render import strip_control

    table = Table(title="Stories", show_lines=False)
    # times as "2017-03-02 20:00" (JSON and CSV keep the offset), free to wrap at the space:
    # on 80 columns (a pipe, cron mail) full ISO stamps left the headline no width at all
    table.add_column("id", no_wrap=True)
    table.add_column("first")
    table.add_column("last")
    table.add_column("articles", justify="right")
    table.add_column("headline", min_width=16, ratio=3)
    table.add_column("latest brief", min_width=8, ratio=1)
    for s in stories:
        headline = s.headline
        if len(headline) > TABLE_HEADLINE_CHARS:
            headline = headline[: TABLE_HEADLINE_CHARS - 1] + "…"
        v, brief = latest.get(s.id), "-"
        if v is not None:
            update = version_update(v.version, v.created, v.changes)
            brief = f"v{v.version}" + (f": {update['line']}" if update["line"] else "")
        table.add_row(  # a headline is article text: no escape sequence reaches the terminal
            escape(strip_control(s.id)), _table_time(s.first_published),
            _table_time(s.last_published), str(len(s.article_ids)),
            escape(strip_control(headline)), brief,
        )
    return table


def _check_date(value: str | None, flag: str) -> str | None:
    from newsweave.ingest import normalise_date

    if value is None:
        return None
    norm = normalise_date(value)
    if norm is None:
        raise InputError(f"{flag}: not a date: {value!r} (use YYYY-MM-DD)")
    both = re.fullmatch(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\s*", value)
    if both and int(both.group(1)) <= 12 and int(both.group(2)) <= 12 and (
            both.group(1) != both.group(2)):
        # 02/03/2017: February 3 or March 2? A window is not guessed
        raise InputError(f"{flag}: {value!r} reads two ways (day and month): use YYYY-MM-DD")
    return norm


def _languages(value: str | None) -> tuple[str, ...] | None:
    """``--languages`` for grouping: None (every language) for ``all``."""
    from newsweave.cli_follow import parse_languages

    codes = parse_languages(value)
    return None if "all" in codes else codes


def _group(store: Store, args: argparse.Namespace, since: str | None, until: str | None
           ) -> str:
    """Group the articles not grouped yet (``app.group_new``), every article with
    --rebuild, or only a date window with --since/--until (a one-off regrouping of that window,
    after which the next plain run regroups everything). Returns the summary line."""
    from newsweave.app import group_new

    languages = _languages(getattr(args, "languages", None))
    windowed = since is not None or until is not None
    if windowed and getattr(args, "rebuild", False):
        raise InputError("--rebuild regroups every article: leave out --since/--until")
    with progress_bar(show_progress(args), "articles") as progress:
        if windowed:
            task = progress.add_task("grouping", total=None)
            summary = group_store(store, since, until, lambda: progress.advance(task),
                                  languages=languages).summary()
            return (f"{summary}; only the window's articles were regrouped, from scratch (a "
                    "story crossing its edges is split): the next plain `stories` or `update` "
                    "regroups every article")
        task = progress.add_task("grouping", total=None)

        def notice(line: str) -> None:
            progress.console.print(f"newsweave: {line}", markup=False, soft_wrap=True)

        result = group_new(store, lambda: progress.advance(task),
                           rebuild=getattr(args, "rebuild", False), on_notice=notice,
                           languages=languages)
    return result.summary()


def _sort(args: argparse.Namespace) -> str:
    return getattr(args, "sort", None) or "updated"


def run_stories(args: argparse.Namespace) -> int:
    """Group (unless --list), then print a summary, a table (--list) or JSONL (--format)."""
    since = _check_date(args.since, "--since")
    until = _check_date(args.until, "--until")
    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    if args.list and getattr(args, "rebuild", False):
        raise InputError("--rebuild regroups every article: --list only lists, leave one out")
    store = open_store(args.db, create=False)
    try:
        listing = args.list or args.format in ("jsonl", "csv")
        if not args.list:
            _writable(store)
            summary = _group(store, args, since, until)
            print(summary, file=sys.stderr if listing else sys.stdout)
        if not listing:
            return 0
        if args.format == "csv":
            from newsweave.catalog import ListQuery, build_catalog, entries_csv

            catalog = build_catalog(store)
            _, entries = catalog.select(ListQuery(sort=_sort(args), limit=len(catalog.entries)))
            for chunk in entries_csv(e for e in entries
                                     if in_window(e, since, until)):  # type: ignore[arg-type]
                sys.stdout.write(chunk)
            return 0
        stories: Iterable[StoryRow] = iter_stories(store)
        if _sort(args) != "updated":  # the store lists newest first; others: the list's order
            from newsweave.catalog import ListQuery, build_catalog

            catalog = build_catalog(store)
            _, entries = catalog.select(ListQuery(sort=_sort(args),
                                                  limit=max(len(catalog.entries), 1)))
            rows = {s.id: s for s in stories}
            stories = [rows[e.id] for e in entries if e.id in rows]
        stories = (s for s in stories if in_window(s, since, until))
        latest = store.latest_briefs()
        if args.format == "jsonl":
            for s in stories:
                sys.stdout.write(json.dumps(_story_dict(s, latest.get(s.id)),
                                            ensure_ascii=False) + "\n")
        else:
            from newsweave.cli_utils import table_console

            table_console().print(_stories_table(stories, latest))
    finally:
        store.close()
    return 0


# --------------------------------------------------------------------------- weave --db
def _write_line(fh: TextIO, text: str) -> None:
    fh.write(text if text.endswith("\n") else text + "\n")


def weave_from_store(args: argparse.Namespace) -> int:
    """`weave --db URL --story ID` (one brief, any format) or `weave --db URL --all` (one JSON
    brief per line, newest story first; a story that fails is reported and skipped)."""
    from newsweave.app import weave_story
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
            _woven, brief, articles = weave_story(store, story_id, args.words)
            text = render(brief, args.format or "text", texts={a.id: a.text for a in articles})
            with output_sink(args.out) as fh:
                _write_line(fh, text)
            return 0
        fmt = args.format or "jsonl"
        if fmt != "jsonl":
            raise InputError(f"--all writes one JSON brief per line: use --format jsonl, not {fmt}")
        _writable(store)
        with store.exclusive("update"):
            _keep_words(store, args.words)
            return _weave_all(store, args)
    finally:
        store.close()


def _keep_words(store: Store, words: int | None) -> None:
    """A given ``--words`` becomes the store's word budget, said in one line when it changes
    (``update`` and ``weave --all``; ``backfill`` says it from its result)."""
    from newsweave.app import budget_notice, set_brief_words

    if words is not None and (notice := budget_notice(set_brief_words(store, words), words)):
        print(notice, file=sys.stderr)


def _workers(args: argparse.Namespace) -> int | None:
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise InputError("--workers must be at least 1")
    return workers


def _reweave_with_progress(store: Store, args: argparse.Namespace, force: bool) -> Any:
    """``app.reweave`` behind a progress bar; each failing story is one line on stderr."""
    from newsweave.app import reweave

    workers = _workers(args)
    with progress_bar(show_progress(args), "stories") as progress:
        task = progress.add_task("weaving", total=None)

        def on_story(story_id: str, error: str | None) -> None:
            if error is not None:
                progress.console.print(f"newsweave: skipped: story {story_id}: {error}",
                                       markup=False, soft_wrap=True)
            progress.advance(task)

        return reweave(store, force=force, workers=workers,
                       on_total=lambda n: progress.update(task, total=n), on_story=on_story)


def _write_current(store: Store, out: str | None, skip: set[str]) -> None:
    """Every story's current stored brief, one JSON line each, newest story first."""
    with output_sink(out) as fh:
        for sid in store.story_ids():
            if sid in skip:
                continue
            version = store.get_brief_version(sid)
            if version is not None:
                _write_line(fh, version.brief)


def _weave_all(store: Store, args: argparse.Namespace) -> int:
    result = _reweave_with_progress(store, args, force=getattr(args, "force", False))
    _write_current(store, args.out, {sid for sid, _ in result.failed})
    print(f"newsweave: {result.summary()}", file=sys.stderr)
    if result.failed:
        print(f"newsweave: {len(result.failed)} of {count(result.total, 'story')} skipped",
              file=sys.stderr)
    return 2 if result.failed else 0


# --------------------------------------------------------------------------- update
def run_update(args: argparse.Namespace) -> int:
    """`newsweave update --db URL`: group new articles, then re-weave the stories that
    changed (stored as new versions). Prints what it did; exit 2 when a story failed."""
    from newsweave.app import change_line, update

    workers = _workers(args)
    store = open_store(args.db, create=False)
    try:
        _writable(store)
        _keep_words(store, args.words)
        changes = getattr(args, "changes", False)
        # each line as soon as what it says is committed: a stopped update (SIGTERM, Ctrl-C)
        # has said what it grouped and which versions it stored (it said nothing before)
        with terminated_on_signals(), progress_bar(show_progress(args), "items") as progress:
            grouping = progress.add_task("grouping", total=None)  # the new ones: not known
            weaving = progress.add_task("weaving", total=None)

            def on_story(story_id: str, error: str | None) -> None:
                if error is not None:
                    progress.console.print(f"newsweave: skipped: story {story_id}: {error}",
                                           markup=False, soft_wrap=True)
                progress.advance(weaving)

            def said(line: str) -> None:
                print(line, flush=True)

            result = update(
                store, workers=workers,
                on_article=lambda: progress.advance(grouping),
                on_total=lambda n: progress.update(weaving, total=n), on_story=on_story,
                on_grouped=lambda grouped: said(grouped.summary()),
                on_stored=(lambda v: said(change_line(v))) if changes else None,
            )
    finally:
        store.close()
    print(result.woven.summary())
    if result.woven.failed:
        print(f"newsweave: {len(result.woven.failed)} of {count(result.woven.total, 'story')} "
              "skipped",
              file=sys.stderr)
    return 2 if result.woven.failed else 0
