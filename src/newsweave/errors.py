"""Errors a user can cause: the CLI prints them as one line and exits with code 2."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

#: Characters that would break a one-line message or act on a terminal: C0 and C1 controls
#: (line breaks, ESC), and the bidirectional overrides that make "gnp.exe" read "exe.png".
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile("[\n\r\x0b\x0c]+")


def printable(text: str) -> str:
    """``text`` with each control or direction-override character written as its escape
    (``\\n``, ``\\x1b``, ``\\u202e``): a file named with a line break or a colour code is
    named on one line, as it is, and recolours no terminal."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def one_line(text: str) -> str:
    """A message on one line: its line breaks become spaces (a library's error worded over
    two lines), any other control character its escape, as ``printable`` writes it."""
    return printable(_BREAKS.sub(" ", text))


@dataclass
class InputError(Exception):
    """Bad input, located as precisely as we can (file, and line for JSONL)."""

    message: str
    path: str | Path | None = None
    line: int | None = None

    def __str__(self) -> str:
        return f"{where(self.path, self.line)}{one_line(self.message)}"


#: Lines said for one problem of one file before the rest are only counted.
REPEATS_SHOWN = 3


class Terminated(KeyboardInterrupt):
    """A SIGTERM (``kill``, ``timeout``, a scheduler) turned into an interrupt, so a long
    command stops as Ctrl-C stops it (its workers ended, its store consistent); exit 143."""


@dataclass
class Repeats:
    """Each skipped record said, but one problem of one file (a whole file of the wrong kind
    gives the same error on each of its 200 lines) at most ``REPEATS_SHOWN`` times, the rest
    counted in one line at the end."""

    seen: dict[tuple[str | None, str], int] = field(default_factory=dict)

    def show(self, err: InputError) -> bool:
        """Count ``err``; whether it is to be said (one of its problem's first few)."""
        key = (None if err.path is None else str(err.path), err.message)
        self.seen[key] = self.seen.get(key, 0) + 1
        return self.seen[key] <= REPEATS_SHOWN

    def more(self) -> list[str]:
        """A line per problem said fewer times than it happened."""
        return [f"{where(path)}{n - REPEATS_SHOWN:,} more skipped for the same reason "
                f"({one_line(message)})" for (path, message), n in self.seen.items()
                if n > REPEATS_SHOWN]


def where(path: str | Path | None, line: int | None = None) -> str:
    """``file:line: `` (or ``file: ``, or nothing) for the start of a one-line message; the
    file's name as ``printable`` writes it."""
    if path is None:
        return ""
    name = printable(str(path))
    return f"{name}:{line}: " if line is not None else f"{name}: "


@dataclass
class Collected:
    """Located messages (bad records, warnings) kept up to ``limit``, the rest only counted:
    a hostile upload of a million bad lines costs a count, not a million messages."""

    limit: int = 100
    items: list[InputError] = field(default_factory=list)
    more: int = 0
    once: set[tuple[str, str]] = field(default_factory=set)  # ``warn_once``'s, per collection

    def add(self, error: InputError) -> None:
        if len(self.items) < self.limit:
            self.items.append(error)
        else:
            self.more += 1

    @property
    def total(self) -> int:
        return len(self.items) + self.more


#: Where ``warn`` puts warnings instead of stderr while ``collect_warnings`` runs (per thread
#: or task: the server reads several users' uploads at once).
_COLLECTED: ContextVar[Collected | None] = ContextVar("newsweave_warnings", default=None)


def warn(message: str, path: str | Path | None = None, line: int | None = None) -> None:
    """A one-line warning on stderr for input that was repaired, not refused (a date out of
    range dropped): the record is still used and the exit code is unchanged. Within
    ``collect_warnings``, kept for the caller instead."""
    collected = _COLLECTED.get()
    if collected is not None:
        collected.add(InputError(message, path, line))
        return
    print(f"newsweave: warning: {where(path, line)}{one_line(message)}", file=sys.stderr)


#: (kind, file) pairs a ``warn_once`` warning was given for, outside ``collect_warnings``
_WARNED_ONCE: set[tuple[str, str]] = set()


def warn_once(kind: str, message: str, path: str | Path | None = None,
              line: int | None = None) -> None:
    """``warn``, but once per ``kind`` of repair and file: a CSV of month-first dates is one
    warning, not one per row. Within ``collect_warnings``, once per collection."""
    collected = _COLLECTED.get()
    seen = collected.once if collected is not None else _WARNED_ONCE
    key = (kind, str(path))
    if key in seen:
        return
    if len(seen) < 10_000:  # bounded: a long-running process reads many files
        seen.add(key)
    warn(message, path, line)


@contextmanager
def collect_warnings(limit: int = 100) -> Iterator[Collected]:
    """The warnings ``warn`` gives within the block, located as errors are: the server shows
    them to whoever sent the input, where the CLI prints them."""
    collected = Collected(limit)
    token = _COLLECTED.set(collected)
    try:
        yield collected
    finally:
        _COLLECTED.reset(token)


def check_file(path: str | Path, expected: str) -> Path:
    """``path`` as a Path when it names a regular file; else InputError saying what it is
    instead (a folder, a device, FIFO or socket, which a read could block on or never end,
    or nothing), so a folder is never reported as a missing file or a device."""
    found = Path(path)
    if found.is_dir():
        raise InputError(f"is a folder, expected {expected}", path)
    if not found.exists():
        raise InputError(f"no such file (expected {expected})", path)
    if not found.is_file():
        raise InputError(f"not a regular file (device, FIFO or socket), expected {expected}",
                         path)
    return found


def log_warnings_one_line() -> None:
    """A logged warning (a library's, as warcio's "Replacing spaces in invalid
    WARC-Target-URI ...", or one a backfill worker process logs) as one ``newsweave:
    warning:`` line on stderr, where Python's last-resort handler prints it bare."""
    import logging

    class OneLine(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            try:
                text = " ".join(record.getMessage().split())[:300]
            except Exception:  # noqa: BLE001 - a library's bad format string
                text = " ".join(str(record.msg).split())[:300]
            print(f"newsweave: warning: {record.name}: {text}", file=sys.stderr)

    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(OneLine(logging.WARNING))
