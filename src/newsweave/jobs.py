"""The web server's heavy background jobs (grouping, weaving with the real models) in one
child process at the lowest CPU priority.

Run in a thread of the server, such a job holds the server's GIL for much of its work, so
every reader waits behind it (a 10k-article store read at 8x its usual p99 beside 2 POSTs a
second), and the kernel cannot tell its work from a reader's. In a child process at
``JOB_NICE`` the event loop keeps its own GIL and the kernel runs readers first. The child is
started on the first job, stays (its models and grouper state stay loaded), opens the store by
its URL, and is started again if it dies. Jobs are sent one at a time (the server's
``Background`` worker already runs them one at a time).

On Linux the child also runs under ``SCHED_IDLE`` (``JOB_IDLE``): a nice value only shrinks
its share, and a reader waking up can still wait for the job's time slice to end (nice 19
beside readers gave the same read tail as nice 10); an idle-class task is preempted at once
by any normal one, so the readers' tail no longer carries the models' work. It still runs
whenever a core has nothing else to do (on a 2-core box serving 50 clients and 2 POSTs a
second, every POST was grouped within the phase). ``NEWSWEAVE_JOB_IDLE=0`` keeps the plain
nice value, for a machine whose cores are never idle (there the job would wait)."""

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
#: run the child under SCHED_IDLE where the OS has it (see above); the environment variable
#: ``IDLE_ENV`` = 0 turns it off
JOB_IDLE = True
IDLE_ENV = "NEWSWEAVE_JOB_IDLE"


class JobFailed(RuntimeError):
    """A job raised in the child: its first line, as the parent can show it."""


def _group(store: Store) -> list[str] | None:
    """Group the new articles; the ids of the stories that changed (None: all were
    regrouped, so any may have)."""
    from newsweave import app

    with store.exclusive("update"):  # a `newsweave update` in another process is not raced
        result = app.group_new(store)
    return None if result.rebuilt else list(result.changed)


def _weave(store: Store, story_id: str, words: int | None) -> str:
    from newsweave import app

    return app.weave_and_store(store, story_id, words, only_if_changed=True).fingerprint


def _catalog(store: Store) -> tuple[tuple[Any, ...], Any]:
    """The story list's catalog and the store version it was built from (pickled back as
    its data: unpickling it costs the server a fraction of building it)."""
    from newsweave.catalog import build_catalog

    version = store.catalog_version()
    return version, build_catalog(store)


def _info(store: Store) -> tuple[int, int, list[int] | None]:
    """(pid, nice value, scheduling policy of each of its threads; None where the OS does
    not say) of the child: tests check the work really runs there, as low as promised."""
    policies = None
    if hasattr(os, "sched_getscheduler"):
        with contextlib.suppress(OSError):
            policies = [os.sched_getscheduler(int(tid)) for tid in os.listdir("/proc/self/task")]
    return os.getpid(), os.nice(0), policies


def lowest_priority(nice: int, idle: bool) -> bool:
    """Lower the calling process's CPU priority: ``nice`` added to its nice value, then (if
    ``idle``) the SCHED_IDLE class. Threads started afterwards inherit both (the models'
    thread pools). True when SCHED_IDLE was set."""
    with contextlib.suppress(OSError):  # not allowed here: the separate GIL still helps
        os.nice(nice)
    if not idle or not hasattr(os, "SCHED_IDLE"):
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except OSError:
        return False
    return True


def idle_wanted() -> bool:
    """``JOB_IDLE``, unless the environment says ``NEWSWEAVE_JOB_IDLE=0``."""
    return JOB_IDLE and os.environ.get(IDLE_ENV, "1").strip() not in ("0", "false", "no")


JOBS: dict[str, Callable[..., Any]] = {"group": _group, "weave": _weave, "catalog": _catalog,
                                       "info": _info}


def _portable(exc: BaseException) -> BaseException:
    """What the parent gets back: ``StoreBusy`` as itself (the worker retries it), anything
    else as ``JobFailed`` with its first line (an exception need not pickle)."""
    if isinstance(exc, StoreBusy):
        return StoreBusy(str(exc))
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return JobFailed((lines[0] if lines else type(exc).__name__)[:300])


def _serve(conn: Connection, url: str, nice: int, idle: bool = False) -> None:
    """The child: answer jobs until the parent closes the pipe."""
    lowest_priority(nice, idle)
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

    def __init__(self, url: str, nice: int = JOB_NICE, idle: bool | None = None) -> None:
        self.url = url
        self.nice = nice
        self.idle = idle_wanted() if idle is None else idle
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
            proc = ctx.Process(target=_serve, args=(child, self.url, self.nice, self.idle),
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

    def weave(self, story_id: str, words: int | None = None) -> str:
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
