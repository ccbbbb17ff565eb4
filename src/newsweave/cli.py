"""Command line: a thin shell over the stage modules. User mistakes become one line on
stderr and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from newsweave import __version__
from newsweave.errors import InputError

EXIT_USAGE = 2
FORMATS = ("text", "markdown", "json", "html", "jsonl")

Handler = Callable[[argparse.Namespace], int]


def _err(message: str) -> None:
    print(f"newsweave: error: {message}", file=sys.stderr)


def _write_output(text: str, out: str | None) -> None:
    """Write to --out atomically (a failed run never leaves half a file) or to stdout."""
    if out is None or out == "-":
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
        return
    tmp = f"{out}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except OSError as exc:
        raise InputError(f"cannot write output: {exc.strerror}", out) from None


# --------------------------------------------------------------------------- weave
def _cmd_weave(args: argparse.Namespace) -> int:
    from newsweave import cli_weave

    return cli_weave.run(args)


def _add_weave(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "weave",
        help="weave articles into one cited brief",
        description="Weave news articles (files, folders, HTML pages, article JSONL) into one "
        "brief whose every sentence cites the sources that carry it. With --jsonl, weave each "
        "cluster of a cluster-contract JSONL file and write one brief per line.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="article files or folders")
    p.add_argument("--words", type=int, default=120, help="summary word budget (default 120)")
    p.add_argument(
        "--format", choices=FORMATS, default=None,
        help="output format (default: text, or jsonl with --jsonl)",
    )
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--jsonl", metavar="FILE", help="batch mode: a cluster-contract JSONL file")
    p.add_argument("--id", dest="story_id", help="story id for the brief (default: derived)")
    p.add_argument("--db", metavar="URL", help="weave from a store (SQLite path or postgresql://)")
    p.add_argument("--story", metavar="ID", help="with --db: the story to weave")
    p.add_argument("--all", action="store_true", help="with --db: every story, one per line")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(handler=_cmd_weave)


# -- subcommands register here (one _add_* function each) --
REGISTRARS: list[Callable[[argparse._SubParsersAction], None]] = [_add_weave]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsweave",
        description="Weave many news reports of one story into a grounded, cited brief.",
    )
    parser.add_argument("--version", action="version", version=f"newsweave {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except InputError as exc:
        _err(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
