"""The web server's background worker: grouping and weaving off the request path.

A write stores its articles and is answered at once; a read of a story whose brief is missing
or stale is answered from what is stored. The heavy work those leave behind (group the new
articles, weave a story) queues here and runs in one daemon thread, one job at a time (the
models are shared and the cores few). Grouping comes first, so a story is never woven from
members about to change. A grouping that finds the store busy (a ``newsweave update`` in
another process) is retried a little later; a failing weave is remembered for the state it
failed on, so a page can say so instead of asking again and again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from newsweave.store import StoreBusy

log = logging.getLogger("newsweave.background")

#: seconds before a grouping that found the store busy is tried again
BUSY_RETRY_S = 2.0
#: failed weaves remembered (story id -> what failed)
FAILURES_KEPT = 1024


@dataclass(frozen=True)
class Failure:
    wanted: str | None  # the fingerprint of the story state that failed to weave
    reason: str


class Background:
    """One worker thread. ``group_fn(article_ids)`` groups the new articles and returns the
    stories to weave next; ``weave_fn(story_id)`` weaves one story and stores its brief,
    returning the fingerprint it wove; ``on_change()`` runs after either succeeds (the server
    drops its cached rows there)."""

    def __init__(
        self,
        group_fn: Callable[[list[str]], Iterable[str]],
        weave_fn: Callable[[str], str | None],
        on_change: Callable[[], None] = lambda: None,
        busy_retry_s: float = BUSY_RETRY_S,
    ) -> None:
        self._group_fn = group_fn
        self._weave_fn = weave_fn
        self._on_change = on_change
        self._busy_retry_s = busy_retry_s
        self._cond = threading.Condition()
        self._new_articles: list[str] = []
        self._group_after = 0.0  # monotonic time before which grouping is not retried
        self._weaves: OrderedDict[str, str | None] = OrderedDict()  # story id -> wanted
        self._failures: OrderedDict[str, Failure] = OrderedDict()
        self._running = False  # a job is in progress
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.group_errors = 0

    # ----------------------------------------------------------------- requests
    def _start(self) -> None:
        if self._thread is None and not self._stopped:
            self._thread = threading.Thread(target=self._loop, name="newsweave-background",
                                            daemon=True)
            self._thread.start()

    def request_group(self, article_ids: Iterable[str]) -> None:
        with self._cond:
            self._new_articles.extend(article_ids)
            self._start()
            self._cond.notify_all()

    def request_weave(self, story_id: str, wanted: str | None = None) -> None:
        """Queue a weave of ``story_id`` (once: a queued request is not duplicated)."""
        with self._cond:
            if story_id not in self._weaves:
                self._weaves[story_id] = wanted
            self._start()
            self._cond.notify_all()

    def pending(self, story_id: str) -> bool:
        with self._cond:
            return story_id in self._weaves

    def failure(self, story_id: str, wanted: str | None) -> str | None:
        """Why the last weave of this story state failed (None: it did not, or it changed)."""
        with self._cond:
            failed = self._failures.get(story_id)
        return failed.reason if failed is not None and failed.wanted == wanted else None

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until no job is queued or running (tests; a graceful stop)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._new_articles or self._weaves or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
        return True

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    # ----------------------------------------------------------------- the loop
    def _next(self) -> tuple[str, object] | None:
        """The next job, grouping first; None once stopped. Called holding the lock."""
        while not self._stopped:
            now = time.monotonic()
            if self._new_articles and now >= self._group_after:
                ids, self._new_articles = self._new_articles, []
                return "group", ids
            if self._weaves:
                return "weave", self._weaves.popitem(last=False)
            wait = self._group_after - now if self._new_articles else None
            self._cond.wait(wait)
        return None

    def _loop(self) -> None:
        while True:
            with self._cond:
                job = self._next()
                if job is None:
                    return
                self._running = True
            try:
                if job[0] == "group":
                    self._group(job[1])  # type: ignore[arg-type]
                else:
                    self._weave(*job[1])  # type: ignore[misc]
            finally:
                with self._cond:
                    self._running = False
                    self._cond.notify_all()

    def _group(self, article_ids: list[str]) -> None:
        try:
            stories = list(self._group_fn(article_ids))
        except StoreBusy:
            with self._cond:  # another process is updating the store: try again shortly
                self._new_articles = article_ids + self._new_articles
                self._group_after = time.monotonic() + self._busy_retry_s
            return
        except Exception as exc:  # noqa: BLE001 - the articles stay stored; logged, not fatal
            if self._stopped:  # the server is shutting down: the next start groups them
                log.warning("story grouping interrupted by shutdown")
                return
            self.group_errors += 1
            _log_failure("story grouping failed after adding articles", exc)
            return
        self._on_change()
        for sid in stories:
            self.request_weave(sid)

    def _weave(self, story_id: str, wanted: str | None) -> None:
        try:
            self._weave_fn(story_id)
        except Exception as exc:  # noqa: BLE001 - remembered and shown, one line
            if self._stopped:  # the server is shutting down: woven again when next asked
                log.warning("weaving story %s interrupted by shutdown", story_id)
                return
            _log_failure(f"weaving story {story_id} failed", exc)
            reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200] or type(
                exc).__name__
            with self._cond:
                self._failures[story_id] = Failure(wanted, reason)
                while len(self._failures) > FAILURES_KEPT:
                    self._failures.popitem(last=False)
            return
        with self._cond:
            self._failures.pop(story_id, None)
        self._on_change()


def _log_failure(what: str, exc: BaseException) -> None:
    """One line in the server's log (a hostile article must not fill it with tracebacks);
    the traceback only with ``NEWSWEAVE_DEBUG=1``, for bug reports."""
    import os

    reason = (str(exc).splitlines() or [""])[0][:300] or type(exc).__name__
    log.error("%s: %s", what, reason, exc_info=bool(os.environ.get("NEWSWEAVE_DEBUG")))

