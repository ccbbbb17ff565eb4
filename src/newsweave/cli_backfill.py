"""``newsweave backfill``: files into a woven store in parallel (``newsweave.backfill``), with
a progress bar per stage and a summary line."""

from __future__ import annotations

import sys
from typing import Any

from newsweave.cli_utils import progress_bar, show_progress, terminated_on_signals
from newsweave.errors import InputError


def run_cli(args: Any) -> int:
    """`newsweave backfill`: bad records are reported on stderr and skipped while the good
    ones go through every stage, as `ingest` does; exit 2 when any input was bad or an
    article's analysis or a story's weave failed (each said in one line), as well as for bad
    arguments, missing paths or no articles; else 0. SIGTERM (and SIGHUP) stop it as Ctrl-C
    does: the workers are stopped, the store left consistent."""
    with terminated_on_signals():
        return _run_cli(args)


def _run_cli(args: Any) -> int:
    from newsweave.backfill import backfill

    with progress_bar(show_progress(args), "articles") as bar:
        tasks: dict[str, Any] = {}

        def say(line: str) -> None:
            bar.console.print(line, markup=False, soft_wrap=True)

        def report(err: InputError) -> None:
            say(f"newsweave: skipped: {err}")

        def stage(name: str) -> None:
            if not args.no_progress:
                say(f"newsweave: backfill: {name}")

        def progress(kind: str, done: int, total: int | None) -> None:
            """A bar per stage inside "analyse, group, weave" (it was 30 s of silence for
            200 articles): articles embedded and analysed, stories woven."""
            if kind not in tasks:
                label = {"prepare": "embedding", "analyse": "analysing", "weave": "weaving"}
                tasks[kind] = bar.add_task(label.get(kind, kind), total=total,
                                           unit="stories" if kind == "weave" else "articles")
            elif total is not None:
                bar.update(tasks[kind], total=total)
            if done:
                bar.advance(tasks[kind], done)

        result = backfill(
            args.paths, args.db, engine=args.engine, address=args.address,
            workers=args.workers, shards=args.shards, warmup=args.warmup, rounds=args.rounds,
            skip_weave=args.skip_weave, words=args.words,
            on_error=report, on_stage=stage, on_progress=progress,
        )
    from newsweave.app import budget_notice

    if (notice := budget_notice(result.words_before, result.words)) is not None:
        print(notice, file=sys.stderr)
    for line in result.analysis_failed:
        print(f"newsweave: analysis failed: {line}", file=sys.stderr)
    for sid, reason in result.weave_failed:
        print(f"newsweave: weave failed: {sid}: {reason}", file=sys.stderr)
    print(result.summary())
    return 2 if result.bad or result.analysis_failed or result.weave_failed else 0
