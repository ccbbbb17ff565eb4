"""`newsweave history STORY`: how a stored story's brief changed, version by version.

The web reader shows it on the story page and the API at ``/versions`` and ``/changes``; this
is the same for a terminal or a script (``app.story_history``, ``app.brief_changes``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any

from newsweave.brief_diff import changes_line
from newsweave.errors import InputError
from newsweave.render import statement_text, strip_control
from newsweave.wording import count


def add_parser(sub: argparse._SubParsersAction, db_help: str) -> None:
    p = sub.add_parser(
        "history",
        help="how a story's brief changed, version by version",
        description="List the stored versions of a story's brief (each stored by `update`, "
        "`weave --all` or the server when the story changed), oldest first, with what each "
        "added over the one before it (new, revised and departed sources, summary sentences, "
        "quotes, discrepancies and timeline entries) and the summary sentences, quotes and "
        "timeline entries it no longer shows. With --since N, show in full what the "
        "latest version (or --version M) adds over version N, as the story page's \"Updated "
        "since\" line and `/api/stories/{id}/changes?since=N` do.",
    )
    p.add_argument("story", metavar="STORY", help="story id (as `stories --list` prints it)")
    p.add_argument("--db", metavar="URL", help=db_help)
    p.add_argument("--since", type=int, metavar="N",
                   help="show what changed after version N, item by item")
    p.add_argument("--version", type=int, metavar="M",
                   help="with --since: compare with version M (not below N) instead of the "
                   "latest")
    p.add_argument("--last", type=int, metavar="K",
                   help="list only the latest K versions (default: all)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text for reading (default) or JSON: with --since, the object "
                   "GET /api/stories/ID/changes gives; without, one row per version (version, "
                   "created, headline, sources, changes: its line, counts: as stored), not "
                   "the /versions rows (whose changes are the counts)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from newsweave import app
    from newsweave.store import open_store

    if args.version is not None and args.since is None:
        raise InputError("--version M compares with --since N: give both")
    if args.last is not None and (args.last < 1 or args.since is not None):
        raise InputError("--last K lists the latest K versions: K from 1, without --since"
                         if args.last >= 1 else "--last takes a number from 1")
    store = open_store(args.db, create=False)
    try:
        versions = app.brief_versions(store, args.story, articles=False, changes=False)
        if not versions:
            raise InputError(_missing(store, args.story))
        numbers = [v["version"] for v in versions]
        if args.since is None:
            history = app.story_history(store, args.story, args.last)
            out = (json.dumps(history, ensure_ascii=False, indent=1) if args.format == "json"
                   else history_text(args.story, history, len(numbers)))
        else:
            for flag, n in (("--since", args.since), ("--version", args.version)):
                if n is not None and n not in numbers:
                    raise InputError(f"{flag} {n}: story {args.story} has no stored version "
                                     f"{n} (it has {_span(numbers)})")
            if args.version is not None and args.since > args.version:
                raise InputError(f"--since {args.since} is above --version {args.version}: "
                                 "the changes are what a version adds over an earlier one")
            changes = app.brief_changes(store, args.story, args.since, args.version)
            if changes is None:  # deleted while we read
                raise InputError(_missing(store, args.story))
            out = (json.dumps(changes, ensure_ascii=False, indent=1) if args.format == "json"
                   else changes_text(args.story, changes))
        gone = None if store.get_story(args.story) is not None else (
            store.successor_story(args.story) or "")
    finally:
        store.close()
    sys.stdout.write(out.rstrip("\n") + "\n")
    if gone is not None:  # its versions stay readable, as the web reader's ?version=N pages
        where = f": its articles are in story {gone} now" if gone else ""
        print(f"newsweave: story {args.story} is no longer stored{where}", file=sys.stderr)
    return 0


def _missing(store: Any, story_id: str) -> str:
    """Why a story has no history: gone (and where its articles are), never woven, unknown."""
    if store.get_story(story_id) is not None:
        return (f"story {story_id} has no stored brief yet: `newsweave update` weaves it")
    successor = store.successor_story(story_id)
    if successor is not None:
        return (f"story {story_id} is no longer stored: its articles are in story "
                f"{successor} now")
    return f"no story {story_id} in {store.shown}"


def _span(numbers: list[int]) -> str:
    return f"version {numbers[0]}" if len(numbers) == 1 else f"versions {numbers[0]}-{numbers[-1]}"


def _clean(text: Any) -> str:
    """Untrusted text for a terminal: control characters (escape sequences) out, one line."""
    return " ".join(strip_control(str(text or "")).split())


def history_text(story_id: str, history: list[dict[str, Any]], total: int) -> str:
    latest = history[-1]
    shown = "" if len(history) == total else f", the latest {len(history)} listed"
    lines = [f"Story {_clean(story_id)}: {_clean(latest['headline'])}",
             f"{count(total, 'version')}{shown}, oldest first:"]
    for v in history:
        stored = str(v["created"])[:16].replace("T", " ")
        line = f"  version {v['version']}  {stored} UTC  {count(v['sources'], 'source')}"
        if v["changes"]:
            line += f"  {v['changes']}"
        elif v["version"] == 1:  # as `stories --list` and the web reader call it
            line += "  new story"
        else:
            line += "  (nothing a reader sees changed)"
        lines.append(line)
    return "\n".join(lines)


def _source(s: dict[str, Any]) -> str:
    name = _clean(s.get("title") or s.get("path") or s.get("id"))
    about = ", ".join(_clean(x) for x in (s.get("outlet"), s.get("published")) if x)
    return f"{name}{f' ({about})' if about else ''} [{_clean(s.get('id'))}]"


def _quote(q: dict[str, Any]) -> str:
    """As the brief's text shows a statement: a quotation in marks, reported speech marked
    so, a speaker the extractor doubts flagged."""
    said = _clean(statement_text(q))
    doubt = " (speaker uncertain)" if q.get("low_confidence") else ""
    return f"{_clean(q.get('speaker')) or 'unattributed'}{doubt}: {said}"


def changes_text(story_id: str, changes: dict[str, Any]) -> str:
    said = changes_line(changes) or "nothing a reader sees changed"
    lines = [f"Story {_clean(story_id)}, version {changes['version']} against version "
             f"{changes['since']}: {said}"]

    def section(title: str, items: Iterable[str]) -> None:
        items = list(items)
        if items:
            lines.extend(["", f"{title}:", *(f"  - {i}" for i in items)])

    section("New headline", (f"{_clean(h.get('headline'))} (was: {_clean(h.get('was'))})"
                             for h in changes.get("new_headline") or []))
    section("New sources", (_source(s) for s in changes["new_sources"]))
    section("Revised sources (a new text under the same URL)",
            (_source(s) for s in changes["revised_sources"]))
    section("Sources now in another story", (
        _source(s) + (f", now in story {', '.join(_clean(i) for i in s['now_in'])}"
                      if s.get("now_in") else ", back in this story since"
                      if s.get("back") else ", in no story now")
        for s in changes["left_sources"]))
    section("New in the summary", (_clean(s.get("text")) for s in changes["new_summary"]))
    section("No longer in the summary", (_clean(s.get("text"))
                                         for s in changes.get("dropped_summary") or []))
    section("New quotes", (_quote(q) for q in changes["new_quotes"]))
    section("Quotes no longer listed", (_quote(q) for q in changes.get("dropped_quotes") or []))
    section("New discrepancies", (
        f"{_clean(d.get('topic'))}: " + " / ".join(_clean(c.get("text"))
                                                   for c in d.get("claims") or [])
        for d in changes["new_discrepancies"]))
    section("Discrepancies resolved (no longer found)", (
        f"{_clean(d.get('topic'))}: " + " / ".join(_clean(c.get("text"))
                                                   for c in d.get("claims") or [])
        for d in changes.get("dropped_discrepancies") or []))
    section("New timeline entries", (f"{_clean(t.get('date'))}: {_clean(t.get('text'))}"
                                     for t in changes["new_timeline"]))
    section("Timeline entries dropped", (f"{_clean(t.get('date'))}: {_clean(t.get('text'))}"
                                         for t in changes.get("dropped_timeline") or []))
    return "\n".join(lines)
