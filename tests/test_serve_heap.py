"""The server's story list is built with the cycle collector paused and then frozen out of
its sight (``serve.HeapFreezer``), and a reader never waits for the list's periodic check."""

from __future__ import annotations

import gc
import time
from pathlib import Path

from fastapi.testclient import TestClient
from test_serve import EXAMPLE, STORY, TOKEN, hand_brief, one_story

import newsweave.serve as serve_module
from newsweave.catalog import CatalogCache
from newsweave.ingest import read_articles
from newsweave.serve import HeapFreezer, create_app
from newsweave.store import open_store


def test_freezer_pauses_collector_and_freezes_what_was_built() -> None:
    gc.unfreeze()
    freezer = HeapFreezer()
    assert gc.isenabled()
    with freezer():
        assert not gc.isenabled()  # no collector passes over a list being built
        built = [[i] for i in range(1000)]
    assert gc.isenabled() and gc.get_freeze_count() >= len(built)
    gc.disable()  # a collector the caller had paused stays paused
    with freezer():
        pass
    assert not gc.isenabled()
    gc.enable()
    gc.unfreeze()


def test_freezer_collects_frozen_cycles_after_its_interval() -> None:
    gc.unfreeze()
    freezer = HeapFreezer(every_s=0.0)
    with freezer():
        pass
    assert gc.get_freeze_count() > 0
    time.sleep(0.01)
    before = gc.get_freeze_count()
    with freezer():  # past its interval: unfreeze, one full pass, freeze again
        cycle: list = []
        cycle.append(cycle)
        del cycle
    assert gc.get_freeze_count() <= before  # the cycle was collected, not frozen
    gc.unfreeze()


def test_catalog_rebuild_runs_inside_building(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "c.db"))
    store.add_articles(read_articles([EXAMPLE]))
    one_story(store)
    entered: list[bool] = []

    class Building:
        def __enter__(self) -> None:
            entered.append(gc.isenabled())

        def __exit__(self, *exc: object) -> None:
            return None

    cache = CatalogCache(store, ttl=0.0, building=Building)
    assert cache.get().entries and entered == [True]
    cache.get()  # store unchanged: checked, not rebuilt
    assert len(entered) == 1
    cache.refresh()
    assert len(entered) == 1
    store.close()


def test_readers_do_not_wait_for_the_list_check(tmp_path: Path, monkeypatch) -> None:
    """Once the list is older than row_ttl, one background check runs; the list, the story
    page and the brief API answer from memory meanwhile, with no worker-thread hop each."""
    store = open_store(str(tmp_path / "r.db"))
    store.add_articles(read_articles([EXAMPLE]))
    one_story(store)
    ttl = 0.2
    app = create_app(store, TOKEN, brief_fn=hand_brief, group_fn=lambda s: None, row_ttl=ttl)
    with TestClient(app) as c:
        assert c.get(f"/api/stories/{STORY}/brief").status_code == 202
        assert c.app.state.background.wait_idle(30)
        for path in ("/", f"/stories/{STORY}", f"/api/stories/{STORY}/brief", "/api/stories"):
            assert c.get(path).status_code == 200
        hops: list[str] = []
        real_hop = serve_module.run_in_threadpool

        async def counted(fn, *args, **kwargs):
            hops.append(getattr(fn, "__name__", repr(fn)))
            return await real_hop(fn, *args, **kwargs)

        monkeypatch.setattr(serve_module, "run_in_threadpool", counted)
        time.sleep(ttl + 0.05)  # the list is now older than row_ttl
        started = time.monotonic()
        for _ in range(3):
            for path in ("/", f"/stories/{STORY}", f"/api/stories/{STORY}/brief",
                         "/api/stories"):
                assert c.get(path).status_code == 200
        # one check per row_ttl at most (a loaded machine may take longer than one ttl for
        # the 12 reads), never one per read
        allowed = 1 + int((time.monotonic() - started) / ttl)
        assert hops.count("get") <= min(allowed, 6) and set(hops) <= {"get"}
    store.close()


def test_the_server_hands_the_gil_over_every_millisecond():
    """A thread updating the story list after a write lets the event loop in every 1 ms."""
    import sys

    from newsweave import serve

    before = sys.getswitchinterval()
    try:
        serve.short_gil_turns()
        assert sys.getswitchinterval() == serve.SWITCH_INTERVAL_S == 0.001
    finally:
        sys.setswitchinterval(before)
