"""The backfill's stages on Ray (``pip install newsweave[ray]``).

Each worker is a Ray actor running ``backfill.Worker``: it opens the store once and keeps its
models (spaCy, MiniLM) loaded for every task. Actors ask for half a CPU (``ACTOR_CPUS``): with a
whole CPU each, two actors on a two-CPU machine leave nothing for the driver's own tasks and
the job can wait forever for resources. An actor that dies mid-task is restarted and the task
retried (``max_restarts``, ``max_task_retries``); every task is idempotent (analyses are
upserts, shards and weaves return values the driver stores once), so a retry leaves each
article, story and brief stored exactly once. The sequential grouper runs as one actor.

``address`` joins an existing cluster (``ray://host:10001`` or ``auto``); without it a local
cluster is started and shut down at the end. A cluster's workers must all reach the store, so
on more than one machine it is PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from newsweave.backfill import Worker
from newsweave.errors import InputError

#: CPUs each actor asks for: fractional, so a small machine never starves (see module doc)
ACTOR_CPUS = 0.5
#: how often a dead actor is restarted, and a task on it retried
RESTARTS = 3


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise InputError("--engine ray needs Ray: pip install 'newsweave[ray]'") from exc
    return ray


#: the stop signals whose handlers the caller set (``cli_utils.terminated_on_signals``): a stop
#: says "terminated" and exits 143; ``ray.init`` puts its own in their place, and a SIGTERM
#: then died with Ray's crash dump and exit 1 or 134
_STOP_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")


def _signal_handlers() -> dict[int, Any]:
    """The current handlers of the stop signals (only the main thread may set them)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.getsignal(sig) for name in _STOP_SIGNALS
            if (sig := getattr(signal, name, None)) is not None}


def _restore_signal_handlers(handlers: dict[int, Any]) -> None:
    for sig, handler in handlers.items():
        if handler is not None and signal.getsignal(sig) is not handler:
            signal.signal(sig, handler)


class RayEngine:
    """``workers`` worker actors (plus one grouper actor, created when first needed)."""

    def __init__(self, url: str, workers: int, address: str | None = None,
                 worker_cls: type | None = None) -> None:
        ray = _ray()
        self.ray, self.url, self.workers = ray, url, workers
        self._owns = False
        if not ray.is_initialized():
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            handlers = _signal_handlers()
            try:
                if address:
                    ray.init(address=address, include_dashboard=False, log_to_driver=False,
                             logging_level=logging.ERROR)
                else:  # Ray's own INFO/WARNING lines on stderr drowned the stage lines
                    ray.init(num_cpus=max(1, workers), include_dashboard=False,
                             log_to_driver=False, logging_level=logging.ERROR)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = address or os.environ.get("RAY_ADDRESS") or "a local cluster"
                raise InputError(f"cannot start or reach Ray ({where}): "
                                 f"{str(exc).splitlines()[0] if str(exc) else exc!r}") from exc
            finally:
                _restore_signal_handlers(handlers)
            self._owns = True
        self._remote = ray.remote(num_cpus=ACTOR_CPUS, max_restarts=RESTARTS,
                                  max_task_retries=RESTARTS)(worker_cls or Worker)
        self._actors: list[Any] = []
        self._idle: list[Any] = []
        self._pending: dict[Any, tuple[Any, Any]] = {}  # object ref -> (tag, actor or None)
        self._grouper: Any = None

    def _pool(self) -> Any:
        from ray.util import ActorPool

        if not self._actors:
            self._actors = [self._remote.remote(self.url) for _ in range(self.workers)]
            self._idle = list(self._actors)
        return ActorPool(self._actors)

    def map(self, method: str, items: Sequence[Any], *extra: Any) -> Iterator[Any]:
        """Results in input order, tasks spread over the actors as they free up."""
        if not items:
            return iter(())
        return self._pool().map(lambda actor, item: getattr(actor, method).remote(item, *extra),
                                list(items))

    def call(self, method: str, *args: Any) -> Any:
        """One call on the grouper actor (the sequential grouper is one actor)."""
        if self._grouper is None:
            self._grouper = self._remote.remote(self.url)
        return self.ray.get(getattr(self._grouper, method).remote(*args))

    def free(self) -> int:
        if not self._actors:
            self._pool()
        return len(self._idle)

    def submit(self, tag: Any, method: str, *args: Any) -> None:
        """Start one task on an idle actor (``free()`` says how many are idle)."""
        self.free()
        actor = self._idle.pop()
        self._pending[getattr(actor, method).remote(*args)] = (tag, actor)

    def submit_grouper(self, tag: Any, method: str, *args: Any) -> None:
        """Start one call on the grouper actor, beside the workers."""
        if self._grouper is None:
            self._grouper = self._remote.remote(self.url)
        self._pending[getattr(self._grouper, method).remote(*args)] = (tag, None)

    def pending(self) -> int:
        return len(self._pending)

    def wait(self) -> list[tuple[Any, Any]]:
        """Block until a started task is done; (tag, result) of those done. A task whose
        actor died is retried by Ray (``max_task_retries``) before its result arrives."""
        ready, _ = self.ray.wait(list(self._pending), num_returns=1)
        out = []
        for ref in ready:
            tag, actor = self._pending.pop(ref)
            if actor is not None:
                self._idle.append(actor)
            out.append((tag, self.ray.get(ref)))
        return out

    def close(self, abort: bool = False) -> None:
        for actor in [*self._actors, *([self._grouper] if self._grouper else [])]:
            self.ray.kill(actor)
        self._actors, self._grouper, self._idle = [], None, []
        self._pending.clear()
        if self._owns:
            self.ray.shutdown()
            self._owns = False
