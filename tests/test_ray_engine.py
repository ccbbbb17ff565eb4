"""`newsweave backfill --engine ray` in Ray's local mode: one small cluster for the module
(``ray.init`` takes seconds and about a gigabyte), shut down at the end. A worker killed in
the middle of a task is restarted and the task retried; every article, story and brief ends
up stored exactly once."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from test_backfill import memberships, write_jsonl
from test_grouping_state import synthetic

from newsweave import backfill as bf
from newsweave.analysis_store import analysis_version
from newsweave.store import Store

ray = pytest.importorskip("ray")


@pytest.fixture(autouse=True)
def tiny_shards(monkeypatch):
    """Shards of a few articles, so the small archives here run the sharded paths."""
    monkeypatch.setattr(bf, "MIN_SHARD_ARTICLES", 1)


@pytest.fixture(scope="module")
def cluster():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    # the flaky worker below is defined here: ship it by value, workers cannot import tests
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.shutdown()


class Flaky(bf.Worker):
    """Parks in its first analyse and first weave call, writing its pid to a marker file, until
    the test kills the process; later calls (the retries) run normally."""

    marks = ""

    def _park(self, name: str) -> None:
        marker = Path(self.marks) / name
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        time.sleep(120)

    def analyse(self, ids):
        self._park("analyse")
        return super().analyse(ids)

    def weave(self, story_id, words):
        self._park("weave")
        return super().weave(story_id, words)


def killer(marks: Path, names: list[str], killed: list[int], stop: threading.Event) -> None:
    for name in names:
        marker = marks / name
        while not stop.is_set():
            if marker.exists() and marker.read_text():
                pid = int(marker.read_text())
                time.sleep(0.5)  # well inside the task
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                break
            time.sleep(0.1)


def test_killed_workers_are_retried_and_every_article_is_stored_once(
    cluster, tmp_path, monkeypatch
):
    from newsweave import ray_engine

    articles = synthetic(n_events=4, seed=11)[:10]
    src = write_jsonl(tmp_path / "in.jsonl", articles, bad_at=2)
    marks = tmp_path / "marks"
    marks.mkdir()
    Flaky.marks = str(marks)
    monkeypatch.setattr(ray_engine, "Worker", Flaky)
    killed: list[int] = []
    stop = threading.Event()
    thread = threading.Thread(target=killer, args=(marks, ["analyse", "weave"], killed, stop))
    thread.start()
    try:
        errors = []
        r = bf.backfill([src], str(tmp_path / "s.db"), engine="ray", workers=2,
                        on_error=errors.append)
    finally:
        stop.set()
        thread.join()
    assert len(killed) == 2  # one worker killed mid-analysis, one mid-weave
    assert r.bad == 1 and len(errors) == 1
    assert r.analysed == len(articles) and not r.analysis_failed and not r.weave_failed
    with Store(str(tmp_path / "s.db")) as store:
        assert store.analysis_versions() == {analysis_version(): len(articles)}
        assert sorted(memberships(store)) == sorted(a.id for a in articles)
        assert r.rewoven == store.count_stories() > 0
        assert all(len(store.brief_versions(sid)) == 1 for sid in store.story_ids())
    assert ray.is_initialized()  # the engine leaves a cluster it did not start running


def test_sharded_on_ray_equals_sharded_locally(cluster, tmp_path):
    articles = synthetic(n_events=4, seed=11)[:12]
    src = write_jsonl(tmp_path / "in.jsonl", articles)
    stories = []
    for engine in ("ray", "local"):
        db = str(tmp_path / f"{engine}.db")
        r = bf.backfill([src], db, engine=engine, workers=1 if engine == "local" else 2,
                        shards=3, warmup=4, skip_weave=True)
        assert r.grouped == len(articles)
        with Store(db) as store:
            stories.append({s.id: set(s.article_ids) for s in store.list_stories(limit=100)})
    assert stories[0] == stories[1]


def test_a_cluster_it_starts_keeps_rays_log_lines_off_stderr(monkeypatch):
    """Ray's INFO ("Started a local Ray instance") and WARNING lines came between the
    backfill's stage lines."""
    import logging
    from types import SimpleNamespace

    from newsweave import ray_engine

    calls = []
    fake = SimpleNamespace(is_initialized=lambda: False, init=lambda **kw: calls.append(kw),
                           remote=lambda **_kw: (lambda cls: cls))
    monkeypatch.setattr(ray_engine, "_ray", lambda: fake)
    ray_engine.RayEngine("sqlite:///x.db", 1)
    ray_engine.RayEngine("sqlite:///x.db", 1, address="ray://h:1")
    assert [c["logging_level"] for c in calls] == [logging.ERROR, logging.ERROR]
    assert all(c["log_to_driver"] is False for c in calls)


def test_the_callers_stop_handlers_outlive_ray_init(monkeypatch):
    """``ray.init`` puts its own SIGTERM handler in place: a backfill stopped by SIGTERM died
    with Ray's crash dump and exit 1 or 134, not "terminated" and 143 as documented."""
    import signal
    from types import SimpleNamespace

    from newsweave import ray_engine

    def ray_init(**_kw):
        signal.signal(signal.SIGTERM, lambda *_a: None)  # as Ray does
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def ours(*_a):
        raise SystemExit(143)

    fake = SimpleNamespace(is_initialized=lambda: False, init=ray_init,
                           remote=lambda **_kw: (lambda cls: cls))
    monkeypatch.setattr(ray_engine, "_ray", lambda: fake)
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        signal.signal(signal.SIGTERM, ours)
        ray_engine.RayEngine("sqlite:///x.db", 1)
        assert signal.getsignal(signal.SIGTERM) is ours
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
