"""Command line: a thin shell over the stage modules. User mistakes become one line on
stderr and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import NoReturn

from newsweave import __version__
from newsweave.errors import InputError, Terminated, log_warnings_one_line

EXIT_USAGE = 2
FORMATS = ("text", "markdown", "json", "html", "jsonl")

Handler = Callable[[argparse.Namespace], int]


def _err(message: str) -> None:
    from newsweave.errors import one_line

    print(f"newsweave: error: {one_line(message)}", file=sys.stderr)


# --------------------------------------------------------------------------- weave
def _cmd_weave(args: argparse.Namespace) -> int:
    from newsweave import cli_weave

    return cli_weave.run(args)


def _add_weave(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "weave",
        help="weave articles into one cited brief",
        description="Weave news articles (files and folders: text, Markdown, HTML, article "
        "JSONL, JSON or CSV, e-mail, RSS/Atom, WARC) into one "
        "brief whose every sentence cites the sources that carry it (a page given in several "
        "versions, by its URL, is one source: its latest). With --jsonl, weave each "
        "cluster of a cluster-contract JSONL file and write one brief per line.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help=_PATHS_HELP)
    p.add_argument("--words", type=word_budget, default=None,
                   help="summary word budget (default 120; with --db, the store's budget, "
                   "and --all keeps a given one as the store's)")
    p.add_argument(
        "--format", choices=FORMATS, default=None,
        help="output format (default: text, or jsonl with --jsonl)",
    )
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--jsonl", metavar="FILE", help="batch mode: a cluster-contract JSONL file "
                   "(gzipped or not) or a JSON array of clusters")
    p.add_argument("--id", dest="story_id", help="story id for the brief (default: derived)")
    p.add_argument("--db", metavar="URL", help="weave from a store (SQLite path or postgresql://)")
    p.add_argument("--story", metavar="ID", help="with --db: the story to weave")
    p.add_argument("--all", action="store_true",
                   help="with --db: re-weave the stories that changed since their stored brief "
                   "(stored as new versions), then write every story's current brief, one per line")
    p.add_argument("--force", action="store_true",
                   help="with --all: re-weave every story (a brief that comes out the same as "
                   "the stored one is not stored again)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="with --all: weave in N processes (default: one per core, at most one "
                   "per 8 stories to weave)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(handler=_cmd_weave)


# -- subcommands register here (one _add_* function each) --
REGISTRARS: list[Callable[[argparse._SubParsersAction], None]] = [_add_weave]


# --------------------------------------------------------------------------- serve
def _cmd_serve(args: argparse.Namespace) -> int:
    from newsweave import cli_serve

    return cli_serve.run(args)


def _add_serve(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="web reader and HTTP API over a store",
        description="Serve the stories of a store as web pages and a JSON API (OpenAPI docs at "
        "/docs). Writes (POST /api/articles, the add form) need the token from --token or "
        "the NEWSWEAVE_TOKEN environment variable; without one the server is read-only.",
    )
    p.add_argument("--db", metavar="URL", help="store: a SQLite path (default ./newsweave.db) "
                   "or postgresql://...")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--token", help="write token (default: $NEWSWEAVE_TOKEN)")
    p.add_argument("--max-connections", type=int, default=None,
                   help="refuse connections beyond this many (503); default: no limit")
    p.add_argument("--workers", type=int, default=1,
                   help="server processes (default 1; each keeps its own brief cache)")
    from newsweave import cli_follow

    p.add_argument("--follow", nargs="+", metavar="SOURCE",
                   help="also follow these feeds (feed, sitemap or site URLs, OPML or URL-list "
                   "files) into the store, "
                   "in a background thread; the `follow` options below apply")
    cli_follow.add_follow_options(p)
    p.set_defaults(handler=_cmd_serve)


REGISTRARS.append(_add_serve)


# --------------------------------------------------------------------------- ingest, stories
def _cmd_ingest(args: argparse.Namespace) -> int:
    from newsweave import cli_store

    return cli_store.run_ingest(args)


def _cmd_stories(args: argparse.Namespace) -> int:
    from newsweave import cli_store

    return cli_store.run_stories(args)


_PATHS_HELP = "article files or folders; - reads standard input"
_DB_HELP = "store: a SQLite file (default ./newsweave.db) or postgresql://user@host:port/db"


def _add_ingest(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="add articles to a store",
        description="Stream articles from files and folders (text, Markdown, HTML, article "
        "JSONL, JSON or CSV, e-mail, RSS/Atom, WARC) into a store. Already stored articles (same "
        "content) are skipped, so rerunning after an interruption is safe; a new text under "
        "the URL of a stored article (a corrected report in the next export, a second "
        "capture) is that article's new version, and `newsweave update` re-weaves its "
        "stories; a bad record is reported and skipped.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help=_PATHS_HELP)
    p.add_argument("--db", metavar="URL", help=_DB_HELP)
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(handler=_cmd_ingest)


def _add_stories(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stories",
        help="group stored articles into stories, or list them",
        description="Group the stored articles that are in no story yet into stories (in "
        "publication order, then arrival order, continuing from the grouper state the last "
        "run saved) and save them, "
        "with the articles of young stories whose text a new version made mostly new (a live "
        "page first stored as a stub, then as the full report); --rebuild regroups every "
        "article; with --list, only print the stored stories.",
    )
    p.add_argument("--db", metavar="URL", help=_DB_HELP)
    p.add_argument("--since", metavar="DATE", help="with --list: only stories with an article "
                   "on or after DATE; without it: regroup only the articles published on or "
                   "after DATE, from scratch (a story crossing DATE is split, and the next "
                   "plain run regroups every article)")
    p.add_argument("--until", metavar="DATE", help="as --since, for articles published on or "
                   "before DATE")
    p.add_argument("--list", action="store_true",
                   help="list stories instead of grouping, each with its latest stored brief's "
                   "version and what that version added (\"v7: 1 new source, 2 new quotes\")")
    p.add_argument("--sort", choices=("updated", "first_published", "sources", "articles",
                                      "changed"), default="updated",
                   help="listing order, as the web list's: latest article first (updated, "
                   "the default), newest start first, most sources, most articles, or latest "
                   "stored brief first (changed)")
    p.add_argument("--rebuild", action="store_true",
                   help="regroup every stored article from scratch, not only the new ones")
    p.add_argument("--languages", metavar="CODES",
                   help="languages grouped, e.g. en,fr or all (default en; articles of unknown "
                   "language, such as files that give none, are always grouped; a record's "
                   "\"language\" and the follower's detection are kept)")
    p.add_argument("--format", choices=("text", "jsonl", "csv"), default=None,
                   help="listing format: a table (text), one JSON story per line (jsonl, with "
                   "latest_version), or CSV with sources, coverage by lean and the latest "
                   "version (csv)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(handler=_cmd_stories)


def _cmd_update(args: argparse.Namespace) -> int:
    from newsweave import cli_store

    return cli_store.run_update(args)


def _add_update(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "update",
        help="group new articles, then re-weave the stories that changed",
        description="Bring a store up to date: group the new articles into stories (and the "
        "revised ones whose text is mostly new, as `stories` does), then "
        "weave the stories whose members changed since their stored brief and store each new "
        "brief as the story's next version. One update runs at a time per store; a second is "
        "told the store is busy. Each line is printed once what it says is committed (the "
        "grouping, then with --changes each stored version), so a stopped update (Ctrl-C, "
        "SIGTERM: exit 130, 143) has said what it did; the store stays consistent: run it "
        "again.",
    )
    p.add_argument("--db", metavar="URL", help=_DB_HELP)
    p.add_argument("--words", type=word_budget, default=None,
                   help="summary word budget, kept as the store's from now on (the server "
                   "and the follower weave at it too); default: the store's, else 120")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="weave in N processes (default: one per core, at most one per 8 "
                   "stories to weave)")
    p.add_argument("--changes", action="store_true",
                   help="after the summary, a line per brief version stored: the story, its "
                   "version and what it added (\"s-1a2b v7: 1 new source, 2 new quotes\")")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(handler=_cmd_update)


REGISTRARS.extend([_add_ingest, _add_stories, _add_update])


# --------------------------------------------------------------------------- backfill
def _cmd_backfill(args: argparse.Namespace) -> int:
    from pathlib import Path

    from newsweave import backfill
    from newsweave.store import DEFAULT_DB, open_store

    # an option the others make pointless is refused, not silently ignored
    if args.shards == 1 and (args.warmup is not None or args.rounds is not None):
        flag = "--warmup" if args.warmup is not None else "--rounds"
        raise InputError(f"{flag} applies with --shards K (K above 1)")
    if args.address and args.engine != "ray":
        raise InputError("--address names a Ray cluster: give --engine ray")
    if args.warmup is None:
        args.warmup = backfill.WARMUP
    target = str(args.db or DEFAULT_DB)
    postgres = target.startswith("postgres")  # a new database is made a store here
    if postgres or Path(target).is_file():  # never create a SQLite file here
        with open_store(target, create=postgres) as store:  # one line before any work
            store.require_writable()
    from newsweave import cli_backfill

    return cli_backfill.run_cli(args)


def _add_backfill(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backfill",
        help="ingest, analyse, group and weave an archive in parallel",
        description="Run a whole archive through every stage into a store: ingest (bad records "
        "reported and skipped), analyse each article once, group into stories, weave briefs. "
        "Stages run in a local process pool or on a Ray cluster. A stopped backfill, run "
        "again, resumes: what is stored, analysed, grouped or woven is not redone. Exit 2 "
        "when a record was bad or an analysis or weave failed (the rest is done), else 0.",
    )
    p.add_argument("paths", nargs="+", metavar="INPUT", help=_PATHS_HELP)
    p.add_argument("--db", metavar="URL", help=_DB_HELP)
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local process pool (default) or Ray (pip install 'newsweave[ray]')")
    p.add_argument("--address", metavar="ADDR", help="with --engine ray: the cluster to join "
                   "(default: start a local one)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes or actors, each one core (its embedding on one "
                   "thread; default: one per core)")
    p.add_argument("--shards", type=int, default=1, metavar="K",
                   help="group K time shards in parallel (default 1: the sequential grouper, "
                   "continuing from its saved state); each shard first replays a warm-up, "
                   "then refinement rounds restart shards from the state the shard before "
                   "ended in until nothing changes, which gives the single pass's stories; "
                   "a shard holds at least 100 articles (fewer shards where K would not)")
    p.add_argument("--warmup", type=int, default=None, metavar="N",
                   help="with --shards: articles replayed before each shard's first pass "
                   "(default 10000)")
    p.add_argument("--rounds", type=int, default=None, metavar="R",
                   help="with --shards: at most R refinement rounds (default: until nothing "
                   "changes, at most K-1, which is exact); 0: none, the first pass's shards "
                   "are merged where their warm-ups overlap (faster, approximate)")
    p.add_argument("--skip-weave", action="store_true",
                   help="stop after grouping: no analysis, no briefs (a later `update` "
                   "analyses and weaves)")
    p.add_argument("--words", type=word_budget, default=None,
                   help="summary word budget, kept as the store's from now on (the server "
                   "and the follower weave at it too); default: the store's, else 120")
    p.add_argument("--no-progress", action="store_true", help="no stage lines on stderr")
    p.set_defaults(handler=_cmd_backfill)


REGISTRARS.append(_add_backfill)


# --------------------------------------------------------------------------- quotes
def _cmd_quotes(args: argparse.Namespace) -> int:
    from newsweave import cli_quotes

    return cli_quotes.run_cli(args)


def _add_quotes(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "quotes",
        help="list the quotations and reported statements of each article",
        description="Extract direct quotations (one record per quoted piece) and reported "
        "speech, with their speakers, from article files or article-contract JSONL; one JSON "
        "line per article: "
        '{"id", "quotes": [{"start", "end", "text", "speaker", "direct", "speaker_start", '
        '"speaker_end", "cue", "cue_start", "cue_end", "parts"}]}, offsets into the article '
        "text as given (speaker: the name to show, a \"he\"/\"she\" resolved to its person by "
        "a small learned ranker, docs/quotes.md; speaker_* span the speaker mention as "
        "written, cue_* the cue; parts: the attribution's content pieces).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="article files or folders (text, Markdown, HTML, JSONL, JSON, CSV, "
                   "e-mail, RSS/Atom, WARC; - reads standard input): each record also gives "
                   "the file (\"path\") and the article's text as read (\"text\"), which the "
                   "offsets index")
    p.add_argument("--jsonl", metavar="FILE", help="article-contract JSONL file, gzipped or "
                   "not, or a JSON array of articles (offsets index each text as given; a record "
                   "without an id is named by its line number, in an array by its place, so "
                   "the output lines up with the input)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--model", choices=("rules", "learned", "learned-fast"), default="rules",
                   help="rules: the hand-written extractor (default); learned: content, "
                   "source and cue spans from the shipped BiLSTM-CRF tagger (ONNX) reading "
                   "the token states of three MiniLM layers fine-tuned with it, speakers "
                   "named by the rules where they agree; learned-fast: an earlier tagger "
                   "without MiniLM (less accurate, about 0.65 of the CPU; see "
                   "docs/quote-model.md)")
    p.set_defaults(handler=_cmd_quotes)


REGISTRARS.append(_add_quotes)


# --------------------------------------------------------------------------- outlets
def _cmd_outlets(args: argparse.Namespace) -> int:
    from newsweave import cli_outlets

    if args.outlets_command == "import":
        return cli_outlets.run_import(args)
    return cli_outlets.run_list(args)


def _add_outlets(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "outlets",
        help="import or list the outlet table (lean, country, owner)",
        description="Your own table of outlets (CSV columns domain,name,lean,country,owner) "
        "for the coverage views: articles map to an outlet by their URL's registered domain, "
        "else by outlet name. See docs/outlets.md.",
    )
    osub = p.add_subparsers(dest="outlets_command", metavar="ACTION", required=True)
    imp = osub.add_parser("import", help="import (or update) outlets from a CSV file")
    imp.add_argument("file", metavar="FILE.csv", help="CSV: domain,name,lean,country,owner")
    imp.add_argument("--db", metavar="URL", help=_DB_HELP)
    imp.add_argument("--replace", action="store_true",
                     help="drop outlets not in the file (default: keep them)")
    lst = osub.add_parser("list", help="list the stored outlets")
    lst.add_argument("--db", metavar="URL", help=_DB_HELP)
    lst.add_argument("--format", choices=("text", "csv"), default="text")
    p.set_defaults(handler=_cmd_outlets)


REGISTRARS.append(_add_outlets)


# --------------------------------------------------------------------------- follow, articles
def _add_follow(sub: argparse._SubParsersAction) -> None:
    from newsweave import cli_follow

    cli_follow.add_parsers(sub, _DB_HELP)


REGISTRARS.append(_add_follow)


# --------------------------------------------------------------------------- history
def _add_history(sub: argparse._SubParsersAction) -> None:
    from newsweave import cli_history

    cli_history.add_parser(sub, _DB_HELP)


REGISTRARS.append(_add_history)


def word_budget(value: str) -> int:
    """``--words``: a whole number of words above 0 (``update --words 0`` stored an empty
    summary as every story's new version)."""
    try:
        words = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of words, got {value!r}"
                                         ) from None
    if words < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {words}")
    return words


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line, as every other user error is ("--words
    nan" printed five lines of usage first), naming the command's --help."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        sys.stderr.write(f"newsweave: error: {text} (see: {self.prog} --help)\n")
        raise _UsageError(EXIT_USAGE)


class _UsageError(SystemExit):
    """A mistyped command line: ``main`` returns exit code 2 for it, as for every other user
    error (a SystemExit still, for whoever calls ``parse_args`` directly)."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsweave",
        description="Weave many news reports of one story into a grounded, cited brief.",
    )
    parser.add_argument("--version", action="version", version=f"newsweave {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in REGISTRARS:
        register(sub)
    return parser


def _one_line_warnings() -> None:
    """A library's Python warning as one ``newsweave: warning:`` line (its default form is
    two lines, the second a line of library source); NEWSWEAVE_DEBUG=1 keeps the default."""

    def show(message: Warning | str, category: type[Warning], _filename: str, _lineno: int,
             file: object = None, _line: str | None = None) -> None:
        text = " ".join(str(message).split())[:300]
        print(f"newsweave: warning: {category.__name__}: {text}", file=sys.stderr)

    warnings.showwarning = show  # type: ignore[assignment]
    log_warnings_one_line()


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not os.environ.get("NEWSWEAVE_DEBUG"):
        _one_line_warnings()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError:
        return EXIT_USAGE
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except InputError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except Terminated:  # backfill's SIGTERM: 128 + 15, as the shell says it
        _err("terminated")
        return 143
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last guard: one line, never a traceback
        if os.environ.get("NEWSWEAVE_DEBUG"):
            raise
        _err(describe_failure(exc, _store_name(args)))
        return EXIT_USAGE


def _store_name(args: argparse.Namespace) -> str | None:
    """The store a command works on, as messages show it (no password), or None."""
    if not hasattr(args, "db"):
        return None
    from newsweave.store import DEFAULT_DB, _safe

    return _safe(str(args.db)) if args.db else DEFAULT_DB


def describe_failure(exc: BaseException, store: str | None = None) -> str:
    """One line for a failure no stage turned into an InputError: the store (disk full,
    read-only, corrupted file; named when known), the file system, memory, or a bug
    (NEWSWEAVE_DEBUG=1 shows the traceback)."""
    detail = " ".join(str(exc).split())[:300]
    module = type(exc).__module__
    if module.startswith(("sqlalchemy", "sqlite3", "psycopg")):
        orig = getattr(exc, "orig", None)
        detail = " ".join(str(orig or exc).split("\n")[0].split())[:300]
        return f"store error: {store + ': ' if store else ''}{detail}"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or detail}"
    if isinstance(exc, MemoryError):
        return "out of memory (input too large?)"
    return f"unexpected {type(exc).__name__}: {detail} (set NEWSWEAVE_DEBUG=1 for details)"


if __name__ == "__main__":
    sys.exit(main())
