"""`newsweave weave`: files -> one brief, or a cluster JSONL -> one brief per line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from newsweave.cli_utils import count_lines, output_sink, progress_bar, show_progress
from newsweave.errors import InputError, Repeats
from newsweave.models import Article
from newsweave.settings import DEFAULT_SUMMARY
from newsweave.validate import MAX_BRIEF_ARTICLES
from newsweave.wording import count


def _check_combination(args: argparse.Namespace) -> None:
    """An option that would be ignored with the others given is refused, said in one line:
    a user who typed it expected it to do something."""
    db = getattr(args, "db", None)
    if getattr(args, "force", False) and not (db and args.all):
        raise InputError("--force applies to --db --all (re-weave every stored story)")
    if not db and (getattr(args, "story", None) or getattr(args, "all", False)):
        flag = "--story" if getattr(args, "story", None) else "--all"
        raise InputError(f"{flag} weaves from a store: give --db URL")
    if args.story_id is not None and (db or args.jsonl):
        raise InputError("--id names the brief woven from files; a stored story and a "
                         "cluster file's clusters keep their own ids")


def run(args: argparse.Namespace) -> int:
    if args.workers is not None and not (getattr(args, "db", None) and args.all):
        # one brief is one process's work: said, not silently ignored
        raise InputError("--workers applies to --db --all (many stories); one brief is woven "
                         "in one process")
    _check_combination(args)
    if getattr(args, "db", None):
        from newsweave.cli_store import weave_from_store

        return weave_from_store(args)  # at the store's word budget unless given
    if args.words is None:
        args.words = DEFAULT_SUMMARY.words
    if args.jsonl:
        if args.paths:
            raise InputError("give either PATH... or --jsonl, not both")
        return run_batch(args)
    if not args.paths:
        raise InputError("nothing to weave: give article files or folders, or --jsonl FILE")
    return run_files(args)


def run_files(args: argparse.Namespace) -> int:
    """One brief from the good articles; each bad file or record is one line on stderr, and
    the exit code is 2 if there was any (the brief is still written)."""
    from newsweave.ingest import article_id, iter_articles, unique_ids
    from newsweave.render import render
    from newsweave.versions import latest_versions
    from newsweave.weave import weave_articles

    fmt = args.format or "text"
    bad: list[InputError] = []
    latest, dropped = latest_versions(iter_articles(args.paths, on_error=bad.append), article_id)
    _warn_left_out(dropped)
    articles = list(unique_ids(latest))
    if len(bad) == 1 and not articles:
        raise bad[0]  # the one thing wrong, as the one line
    repeats = Repeats()
    for line in [f"skipped: {err}" for err in bad if repeats.show(err)] + repeats.more():
        print(f"newsweave: {line}", file=sys.stderr)
    if not articles:
        if len(args.paths) == 1:
            raise InputError("no articles found", args.paths[0])
        raise InputError("no articles found in " + ", ".join(str(p) for p in args.paths))
    if len(articles) > MAX_BRIEF_ARTICLES:
        raise InputError(f"{len(articles):,} articles are over the {MAX_BRIEF_ARTICLES:,} one "
                         "brief can weave: ingest them and group them with `newsweave stories`")
    def refused(err: InputError) -> None:  # an article over the limits, found while weaving
        bad.append(err)
        print(f"newsweave: skipped: {err}", file=sys.stderr)

    brief = weave_articles(articles, story_id=args.story_id, words=args.words, on_error=refused)
    text = render(brief, fmt, texts={a.id: a.text for a in articles})
    with output_sink(args.out) as fh:
        fh.write(text if text.endswith("\n") else text + "\n")
    if bad:
        print(f"newsweave: {count(len(bad), 'bad input')} skipped", file=sys.stderr)
    return 2 if bad else 0


def _warn_left_out(dropped: Sequence[tuple[Article, Article]]) -> None:
    """One warning per page given in several versions (its latest is the brief's source):
    naming the file left out where there is one, else counting them."""
    from newsweave.errors import warn

    by_kept: dict[int, list[Article]] = {}
    kept_of: dict[int, Article] = {}
    for old, kept in dropped:
        by_kept.setdefault(id(kept), []).append(old)
        kept_of[id(kept)] = kept
    for key, olds in by_kept.items():
        kept = kept_of[key]
        if len(olds) == 1 and olds[0].path != kept.path:
            warn(f"an earlier version of {kept.path or kept.url}, left out (same URL)",
                 olds[0].path or olds[0].url)
        else:
            warn(f"{count(len(olds), 'earlier version')} of {kept.url} left out (same URL; "
                 "the latest is woven)", kept.path)


def _unique_cluster_id(cluster: Any, given: dict[str, int], path: str, console: Any) -> Any:
    """The cluster, its id made unique in the output: a repeated id ("D0608H" for two
    different clusters) gave two briefs of one story.id, which a consumer keyed on it
    silently collapsed; the second is woven as "D0608H-2", said in one line."""
    from dataclasses import replace

    key = str(cluster.id)
    n = given.get(key, 0) + 1
    given[key] = n
    if n == 1:
        return cluster
    new_id = f"{key}-{n}"
    console.print(f"newsweave: warning: {path}: cluster id {key} given again (cluster {n} "
                  f"with it): its brief's story.id is {new_id}", markup=False, soft_wrap=True)
    return replace(cluster, id=new_id)


def run_batch(args: argparse.Namespace) -> int:
    """One brief per cluster, in input order; a bad cluster is reported and skipped."""
    from newsweave.ingest import iter_clusters
    from newsweave.render import render
    from newsweave.weave import weave_cluster

    fmt = args.format or "jsonl"
    if fmt not in ("jsonl", "json"):
        raise InputError(f"--jsonl writes one JSON brief per line (or, with --format json, "
                         f"one JSON array of them): --format {fmt} is not supported in batch "
                         "mode")
    total = count_lines(args.jsonl)
    bad = seen = written = 0
    given: dict[str, int] = {}  # cluster id -> how many clusters gave it so far
    show = show_progress(args)
    repeats = Repeats()
    with output_sink(args.out) as fh, progress_bar(show, "clusters") as progress:
        task = progress.add_task("weaving", total=total)
        for item in iter_clusters(args.jsonl):
            seen += 1
            if isinstance(item, InputError):
                bad += 1
                if repeats.show(item):
                    progress.console.print(f"newsweave: skipped: {item}", markup=False,
                                           soft_wrap=True)
            else:
                item = _unique_cluster_id(item, given, args.jsonl, progress.console)
                try:
                    brief = weave_cluster(item, words=args.words)
                except InputError as err:  # an article over the limits, found while weaving
                    bad += 1
                    progress.console.print(f"newsweave: skipped: {args.jsonl}: cluster "
                                           f"{item.id}: {err}", markup=False, soft_wrap=True)
                else:
                    # --format json: one JSON array, a brief per line in it (it was JSONL
                    # under a .json name, which no JSON reader opens)
                    if fmt == "json":
                        fh.write(("[\n" if not written else ",\n") + render(brief, "jsonl"))
                    else:
                        fh.write(render(brief, "jsonl") + "\n")
                    written += 1
            progress.advance(task)
        if not seen:  # an empty or blank file: said, as every other empty input is, and
            raise InputError("no clusters found: the file is empty", args.jsonl)  # no --out
        if fmt == "json":
            fh.write("\n]\n" if written else "[]\n")
    for line in repeats.more():
        print(f"newsweave: {line}", file=sys.stderr)
    if bad and not show:
        print(f"newsweave: {bad} of {count(seen, 'cluster')} skipped", file=sys.stderr)
    # a count to end on, as ingest and update do: a nightly batch's log told "woven 183"
    # from "woven 0" by nothing
    where = f" to {args.out}" if args.out and args.out != "-" else ""
    print(f"newsweave: {count(written, 'brief')} written{where}", file=sys.stderr)
    return 2 if bad else 0

