"""The web server's heavy background jobs (grouping, weaving with the real models) in one
child process at a lower CPU priority.

Run in a thread of the server, such a job holds the server's GIL for much of its work, so
every reader waits behind it (a 10k-article store read at 8x its usual p99 beside 2 POSTs a
second), and the kernel cannot tell its work from a reader's. In a child process at
``JOB_NICE`` the event loop keeps its own GIL and the kernel runs readers first. The child is
started on the first job, stays (its models and grouper state stay loaded), opens the store by
its URL, and is started again if it dies. Jobs are sent one at a time (the server's
``Background`` worker already runs them one at a time)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from newsweave.store import Store, StoreBusy

#: added to the child's nice value: readers in the server process come first
JOB_NICE = 10


class JobFailed(RuntimeError):
    """A job raised in the child: its first line, as the parent can show it."""


def _group(store: Store) -> list[str] | None:
    """Group the new articles; the ids of the stories that changed (None: all were
    regrouped, so any may have)."""
    from newsweave import app

    with store.exclusive("update"):  # a `newsweave update` in another process is not raced
        result = app.group_new(store)
    return None if result.rebuilt else list(result.changed)


def _weave(store: Store, story_id: str, words: int) -> str:
    from newsweave import app

    return app.weave_and_store(store, story_id, words, only_if_changed=True).fingerprint


def _catalog(store: Store) -> tuple[tuple[Any, ...], Any]:
    """The story list's catalog and the store version it was built from (pickled back as
    its data: unpickling it costs the server a fraction of building it)."""
    from newsweave.catalog import build_catalog

    version = store.catalog_version()
    return version, build_catalog(store)


def _info(store: Store) -> tuple[int, int]:
    """(pid, nice value) of the child: tests check the work really runs there."""
    return os.getpid(), os.nice(0)


JOBS: dict[str, Callable[..., Any]] = {"group": _group, "weave": _weave, "catalog": _catalog,
                                       "info": _info}


def _portable(exc: BaseException) -> BaseException:
    """What the parent gets back: ``StoreBusy`` as itself (the worker retries it), anything
    else as ``JobFailed`` with its first line (an exception need not pickle)."""
    if isinstance(exc, StoreBusy):
        return StoreBusy(str(exc))
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return JobFailed((lines[0] if lines else type(exc).__name__)[:300])


def _serve(conn: Connection, url: str, nice: int) -> None:
    """The child: answer jobs until the parent closes the pipe."""
    with contextlib.suppress(OSError):  # not allowed here: the separate GIL still helps
        os.nice(nice)
    store = Store(url, create=False)
    while True:
        try:
            name, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send((True, JOBS[name](store, *args)))
        except Exception as exc:  # noqa: BLE001 - sent back, shown by the parent
            conn.send((False, _portable(exc)))


class JobProcess:
    """The child process that runs the server's jobs, over the store at ``url``."""

    def __init__(self, url: str, nice: int = JOB_NICE) -> None:
        self.url = url
        self.nice = nice
        self._lock = threading.Lock()  # one job at a time
        self._spawning = threading.Lock()  # held only while a child is started or stopped
        self._proc: Any = None
        self._conn: Connection | None = None
        self._closed = False

    def _start(self) -> Connection:
        with self._spawning:  # close() never sees a child half started
            if self._closed:
                raise JobFailed("the server is stopping")
            if self._proc is not None and self._proc.is_alive() and self._conn is not None:
                return self._conn
            ctx = multiprocessing.get_context("spawn")  # no copy of the server's threads
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child, self.url, self.nice),
                               name="newsweave-jobs", daemon=True)
            proc.start()
            child.close()
            self._proc, self._conn = proc, parent
            return parent

    def call(self, name: str, *args: Any) -> Any:
        """Run job ``name`` in the child and return its result (raising what it raised)."""
        with self._lock:
            if self._closed:
                raise JobFailed("the server is stopping")
            conn = self._start()
            try:
                conn.send((name, args))
                ok, value = conn.recv()
            except (EOFError, OSError):
                self._proc, self._conn = None, None  # started afresh on the next job
                raise JobFailed("the background job process ended unexpectedly") from None
        if not ok:
            raise value
        return value

    def group(self) -> list[str] | None:
        return self.call("group")

    def weave(self, story_id: str, words: int) -> str:
        return self.call("weave", story_id, words)

    def catalog(self) -> tuple[tuple[Any, ...], Any]:
        return self.call("catalog")

    def close(self) -> None:
        """Stop the child at once (a job in progress is abandoned: the store keeps what it
        committed). Safe to call from any thread, while a job runs."""
        with self._spawning:
            self._closed = True
            proc, conn = self._proc, self._conn
        if proc is not None:
            proc.terminate()
            proc.join(5)
        if conn is not None:
            conn.close()
