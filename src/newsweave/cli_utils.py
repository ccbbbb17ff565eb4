"""Helpers the subcommands share: atomic output, progress bars on stderr, line counts."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from contextlib import contextmanager
from typing import Any

from newsweave.errors import InputError, Terminated


@contextmanager
def output_sink(out: str | None):
    """stdout, or a temp file renamed over ``out`` only when the run finishes, so a failed
    run never leaves half a file and never clobbers an existing one. An ``out`` that is not
    a regular file (/dev/null, /dev/stdout, a FIFO) is written in place: renaming over it
    would replace the device itself (as root, /dev/null) with a file; a symlink to a file
    keeps its link (the file it points at is replaced)."""
    if out is None or out == "-":
        yield sys.stdout
        return
    if os.path.isdir(out):  # said now: the rename at the end would fail after all the work
        raise InputError("is a folder: --out takes a file name", out)
    if os.path.exists(out) and not os.path.isfile(out) and not os.path.isdir(out):
        try:
            fh = open(out, "w", encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise InputError(f"cannot write output: {exc.strerror}", out) from None
        with fh:
            yield fh
        return
    if os.path.islink(out):
        out = os.path.realpath(out)
    if _is_database(out):  # `--out news.db` for `--db news.db`: the store, not an output
        raise InputError("is a SQLite database (a store?): --out never replaces one; name "
                         "another file", out)
    tmp = f"{out}.tmp-{os.getpid()}"
    # the file a user keeps private stays so, while it is written too: the temp file is made
    # with the target's mode (at the umask's default before, 644: embargoed briefs readable
    # by others for the whole run), or 600 until the run ends when there is no target yet
    mode = stat.S_IMODE(os.stat(out).st_mode) if os.path.isfile(out) else None
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        fh = open(fd, "w", encoding="utf-8")  # noqa: SIM115 - closed below, renamed on success
    except OSError as exc:
        raise InputError(f"cannot write output: {exc.strerror}", out) from None
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        with terminated_on_signals():
            yield fh
        fh.close()
        if mode is None:  # a new file: as the umask makes one
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    finally:
        if not fh.closed:
            fh.close()
        if os.path.exists(tmp):
            os.unlink(tmp)


def _is_database(path: str) -> bool:
    """Whether ``path`` is an existing SQLite file (its 16-byte header)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


@contextmanager
def terminated_on_signals():
    """SIGTERM and SIGHUP (``timeout``, ``kill``, a closed terminal) raise ``Terminated`` as
    Ctrl-C raises KeyboardInterrupt, so the temp file of an output is removed, not left
    beside it; in the main thread only (where Python runs signal handlers)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        raise Terminated()

    wanted = [s for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s)]
    previous = {s: signal.signal(getattr(signal, s), terminated) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(getattr(signal, s), handler)


def show_progress(args: argparse.Namespace) -> bool:
    """Progress bars only for a person watching: not with --no-progress, not into a pipe."""
    return not getattr(args, "no_progress", False) and sys.stderr.isatty()


def progress_bar(enabled: bool, unit: str = "items") -> Any:
    """A rich progress bar on stderr: count (of a total when known), rate, elapsed time."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed or 0:,.1f} {task.fields.get('unit', unit)}/s")  # per bar

    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        RateColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), disable=not enabled, transient=False,
    )


def count_lines(path: str) -> int | None:
    """Non-blank lines, for a progress bar's total (None if unreadable, the reader reports
    it, gzipped or a JSON array: then lines are not records)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
            if head[:2] == b"\x1f\x8b" or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"[":
                return None  # gzipped, or a JSON array: its lines are not its records
            fh.seek(0)
            return sum(1 for line in fh if line.strip())
    except OSError:
        return None


#: the width a text table is laid out at when standard output is no terminal (a pipe, a file,
#: cron mail): wide enough that no row is cut or wrapped, so ``grep`` and ``cut`` see whole rows
PIPE_WIDTH = 10_000


def table_console() -> Any:
    """A console for a text table: the terminal's width (or ``COLUMNS`` where set), else
    ``PIPE_WIDTH`` (rich assumed 80 columns in a pipe and cut the last column of a story
    list with a long headline)."""
    from rich.console import Console

    piped = not sys.stdout.isatty() and not os.environ.get("COLUMNS")
    return Console(width=PIPE_WIDTH if piped else None)
