"""Story change stamps (migration 7) on both back ends, the ``ChangeWatch`` over them, and the
server's story cache driven by it: a brief or membership written by another process shows on
the very next read, and a cached read touches neither the database nor a worker thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from test_postgres import db_url, pg_server, pg_url  # noqa: F401 - fixtures
from test_serve import EVIL, EXAMPLE, STORY, TOKEN, hand_brief, idle, one_story, ready

from newsweave import app as app_layer
from newsweave.changes import ChangeWatch
from newsweave.ingest import read_articles
from newsweave.models import Article
from newsweave.serve import CSP, create_app
from newsweave.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]


def stamps(store: Store) -> dict[str, int]:
    return dict(store.story_changes())


# --------------------------------------------------------------------------- store stamps
def test_every_story_change_moves_its_stamp_only(db_url: str) -> None:  # noqa: F811
    store = open_store(db_url)
    try:
        a, b, c = read_articles([EXAMPLE])
        store.add_articles([a, b, c])
        assert stamps(store) == {}  # articles alone belong to no story
        store.save_stories({a.id: "s1", b.id: "s1", c.id: "s2"}, {"s1": "One", "s2": "Two"})
        first = stamps(store)
        assert set(first) == {"s1", "s2"}

        store.add_brief_version("s1", [a.id, b.id], "fp", json.dumps({"v": 1}))
        after_brief = stamps(store)
        assert after_brief["s1"] > max(first.values()) and after_brief["s2"] == first["s2"]
        assert store.story_changes(after=max(first.values())) == [("s1", after_brief["s1"])]
        assert store.story_change("s1") == after_brief["s1"] and store.story_change("x") == 0

        store.save_stories({b.id: "s2"}, {})  # b moves: both stories change
        moved = stamps(store)
        assert moved["s1"] > after_brief["s1"] and moved["s2"] > after_brief["s2"]

        with store.engine.begin() as conn:  # a member's text revised (as the follower does)
            conn.execute(text("UPDATE articles SET title = 'Revised' WHERE id = :i"),
                         {"i": c.id})
        revised = stamps(store)
        assert revised["s2"] > moved["s2"] and revised["s1"] == moved["s1"]

        store.save_stories({a.id: "s2"}, {})  # s1 left empty: removed, a change too
        assert store.get_story("s1") is None
        assert stamps(store)["s1"] > revised["s1"]
        # stamps never go back: asking from the largest seen misses nothing
        assert max(stamps(store).values()) == max(s for _, s in store.story_changes())
    finally:
        store.close()


# --------------------------------------------------------------------------- the watch
WRITER = """
import json, sys
from newsweave.store import open_store
store = open_store(sys.argv[1], create=False)
store.add_brief_version(sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], sys.argv[5])
store.close()
"""


def other_process_stores_brief(db: Path, story: str, articles: list[str], fingerprint: str,
                               brief: str) -> None:
    """A brief version written by another process (as the job process or a CLI would)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-c", WRITER, str(db), story, json.dumps(articles),
                    fingerprint, brief], check=True, env=env, timeout=120)


def watched_stories(db: Path) -> tuple[Store, list[Article], ChangeWatch | None]:
    """The founding example in a new store as two stories (s1: the first article, s2: the
    other two), and a change watch started on it."""
    store = open_store(str(db))
    articles = read_articles([EXAMPLE])
    a, b, c = articles
    store.add_articles(articles)
    store.save_stories({a.id: "s1", b.id: "s2", c.id: "s2"}, {"s1": "One", "s2": "Two"})
    return store, articles, ChangeWatch.for_store(store)


def test_watch_names_what_another_process_changed(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    store, (a, b, c), watch = watched_stories(db)
    assert watch is not None
    assert watch.poll() == set()  # nothing committed since it started
    store.add_articles([Article("lone", "An article in no story.")])
    assert watch.poll() == set()  # a commit, but no story changed
    other_process_stores_brief(db, "s2", [b.id, c.id], "fp", "{}")
    assert watch.poll() == {"s2"}
    assert watch.poll() == set()
    store.save_stories({a.id: "s2"}, {})
    assert watch.poll() == {"s1", "s2"}
    watch.close()
    store.close()


def test_watch_only_for_sqlite_files_with_stamps(tmp_path: Path) -> None:
    assert ChangeWatch.for_store(SimpleNamespace(url="sqlite:///:memory:")) is None
    assert ChangeWatch.for_store(SimpleNamespace(url="postgresql://u@127.0.0.1/x")) is None
    old = tmp_path / "old.db"
    import sqlite3

    sqlite3.connect(old).execute("CREATE TABLE t (x)").connection.close()
    assert ChangeWatch.for_store(SimpleNamespace(url=f"sqlite:///{old}")) is None


# --------------------------------------------------------------------------- the server
@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[TestClient, Store, Path]]:
    db = tmp_path / "serve.db"
    store = open_store(str(db))
    store.add_articles(read_articles([EXAMPLE]))
    one_story(store)
    # a long row_ttl: only the change watch can make another process's change show at once
    app = create_app(store, TOKEN, brief_fn=hand_brief, group_fn=lambda s: None, row_ttl=60.0)
    with TestClient(app) as c:
        assert ready(c, f"/api/stories/{STORY}/brief").status_code == 200
        assert c.get(f"/stories/{STORY}").status_code == 200
        yield c, store, db
    store.close()


def count_queries(store: Store) -> list[str]:
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: seen.append(statement))
    return seen


def test_cached_story_reads_touch_no_database(served, monkeypatch) -> None:
    c, store, _db = served
    import newsweave.serve as serve_module

    hops: list[object] = []
    real_hop = serve_module.run_in_threadpool

    async def counted(fn, *args, **kwargs):
        hops.append(fn)
        return await real_hop(fn, *args, **kwargs)

    monkeypatch.setattr(serve_module, "run_in_threadpool", counted)
    queries = count_queries(store)
    for _ in range(5):
        brief = c.get(f"/api/stories/{STORY}/brief")
        page = c.get(f"/stories/{STORY}")
        assert brief.status_code == page.status_code == 200
    assert queries == [] and hops == []
    # the headers the full path sets are all still there
    assert brief.headers["x-brief-version"] == "1" and "x-brief-stale" not in brief.headers
    assert brief.headers["content-type"] == "application/json"
    assert page.headers["content-type"].startswith("text/html")
    for r in (brief, page):
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["server-timing"].startswith("app;dur=")


def test_new_version_from_another_process_is_served_at_once(served) -> None:
    c, store, db = served
    old = c.get(f"/api/stories/{STORY}/brief").json()
    state = app_layer.current_brief(store, STORY)
    assert not state.stale
    new = json.loads(state.version.brief)
    new["summary"][0]["text"] = EVIL
    other_process_stores_brief(db, STORY, list(state.version.articles), state.wanted,
                               json.dumps(new))
    # no sleep, no TTL: the very next reads serve version 2
    r = c.get(f"/api/stories/{STORY}/brief")
    assert r.headers["x-brief-version"] == "2" and r.json()["summary"][0]["text"] == EVIL
    assert r.json() != old
    page = c.get(f"/stories/{STORY}").text
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page  # still escaped
    assert "Updated since version 1" in page
    assert c.get(f"/stories/{STORY}").text == page  # and cached again


def test_membership_change_elsewhere_marks_brief_stale_at_once(served, tmp_path) -> None:
    c, store, db = served
    other = open_store(str(db))  # a second pool: as another process's connections
    other.add_articles([Article("late", "Another report on the recusal.")])
    one_story(other)
    r = c.get(f"/api/stories/{STORY}/brief")
    assert r.status_code == 200 and r.headers["x-brief-stale"] == "1"
    assert c.get(f"/api/stories/{STORY}").json()["articles"] == 4
    idle(c)  # the stale brief was queued for weaving: version 2 has the new member
    r = c.get(f"/api/stories/{STORY}/brief")
    assert r.headers["x-brief-version"] == "2" and "x-brief-stale" not in r.headers
    assert "late" in {s["id"] for s in r.json()["sources"]}
    other.close()


def test_a_change_during_a_read_is_not_cached_over(served, monkeypatch) -> None:
    """A state read from the store while another process changes the story, the change
    noticed (by another request) before the read ends, is not kept: otherwise the old state
    would stay cached, as nothing new would be noticed again."""
    c, store, db = served
    state = app_layer.current_brief(store, STORY)
    members, wanted = list(state.version.articles), state.wanted
    real = app_layer.current_brief
    wrote: list[bool] = []

    def racing(st, sid, *a):
        got = real(st, sid, *a)  # version 2 is read ...
        if not wrote:  # ... and then version 3 lands before the server caches what it read
            wrote.append(True)
            other_process_stores_brief(db, STORY, members, wanted, json.dumps({"v": 3}))
            c.app.state.look()  # another request notices it meanwhile
        return got

    monkeypatch.setattr(app_layer, "current_brief", racing)
    other_process_stores_brief(db, STORY, members, wanted, json.dumps({"v": 2}))
    r = c.get(f"/api/stories/{STORY}/brief")
    assert wrote and r.headers["x-brief-version"] == "2"  # what that read found
    r = c.get(f"/api/stories/{STORY}/brief")
    assert r.headers["x-brief-version"] == "3" and r.json() == {"v": 3}


# --------------------------------------------------------------------------- the story list
def test_story_list_updated_in_place_matches_a_rebuild(tmp_path: Path) -> None:
    """After writes to a few stories, the catalog re-reads only those (stamped since) and
    ends equal to one built from scratch: moved, new, removed and revised stories."""
    from newsweave.catalog import CatalogCache, ListQuery, build_catalog

    store = open_store(str(tmp_path / "list.db"))
    a, b, c = read_articles([EXAMPLE])
    store.add_articles([a, b, c])
    store.save_stories({a.id: "s1", b.id: "s1", c.id: "s2"}, {"s1": "One", "s2": "Two"})
    cache = CatalogCache(store, ttl=0.0)
    first = cache.get()
    asked: list[object] = []

    def search(q: str, within=None) -> set[str]:
        asked.append(within)
        return store.matching_story_ids(q, within)

    many = store.matching_story_ids_many

    def search_many(qs: list[str], within) -> dict[str, set[str]]:  # the list's own re-asks
        asked.extend(set(within) for _ in qs)
        return many(qs, within)

    store.matching_story_ids_many = search_many  # type: ignore[method-assign]

    def searched(catalog) -> list[str]:
        return [e.id for e in catalog.select(ListQuery(q="report", limit=99), search)[1]]

    assert searched(first) and asked == [None]
    read: list[object] = []
    real_rows = store.catalog_rows
    store.catalog_rows = lambda ids=None: read.append(ids) or real_rows(ids)  # type: ignore

    queries = [ListQuery(sort=sort, limit=99) for sort in
               ("updated", "first_published", "sources", "articles")] + [
        ListQuery(q="report", limit=99), ListQuery(q="sessions", sort="sources", limit=99),
        ListQuery(outlet="reuters", limit=99), ListQuery(date_from="2017-03-03", limit=99)]

    def answers(catalog) -> list[list[str]]:
        return [[e.id for e in catalog.select(q, search)[1]] for q in queries]

    answers(first)  # answered by the first list: later lists carry them over

    def same_as_rebuilt() -> list[object]:
        """What the cache read to update itself; its entries and its answers to the queries
        (carried over from the list before) checked against a rebuild."""
        n = len(read)
        got = cache.get()
        reads = read[n:]
        want = build_catalog(store)
        key = lambda e: e.id  # noqa: E731
        assert sorted(got.entries, key=key) == sorted(want.entries, key=key)
        assert answers(got) == answers(want)
        return reads

    store.add_articles([Article("late", "Another report.", outlet="Reuters",
                                published="2017-03-04")])
    store.save_stories({"late": "s3", b.id: "s2"}, {"s3": "Three"})  # new story, a move
    n = len(asked)
    assert same_as_rebuilt() == [{"s1", "s2", "s3"}]  # only the stamped stories were read
    # the searches the old list answered are asked again for the changed stories only (the
    # rebuilt list, for comparison, asks them whole)
    assert asked[n:] == [{"s1", "s2", "s3"}] * 2 + [None] * 2
    assert "s3" in searched(cache.get())
    assert cache.get() is not first
    with store.engine.begin() as conn:  # a revised member (as the follower does)
        conn.execute(text("UPDATE articles SET outlet = 'AP', title = 'New' WHERE id = :i"),
                     {"i": c.id})
        conn.execute(text("UPDATE stories SET updated_at = 'z' WHERE id = 's2'"))
    assert same_as_rebuilt() == [{"s2"}]
    store.save_stories({a.id: "s3"}, {})  # s1 emptied: removed from the list
    assert same_as_rebuilt() == [{"s1", "s3"}]
    assert "s1" not in {e.id for e in cache.get().entries}
    store.close()


def test_brief_etag_answers_304_until_a_new_version(served) -> None:
    c, store, db = served
    first = c.get(f"/api/stories/{STORY}/brief")
    assert first.headers["etag"] == '"v1"'
    again = c.get(f"/api/stories/{STORY}/brief", headers={"If-None-Match": '"v1"'})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["x-brief-version"] == "1" and again.headers["etag"] == '"v1"'
    assert c.get(f"/api/stories/{STORY}/brief",
                 headers={"If-None-Match": 'W/"v0", W/"v1"'}).status_code == 304
    assert c.get(f"/api/stories/{STORY}/brief",
                 headers={"If-None-Match": '"v9"'}).status_code == 200
    state = app_layer.current_brief(store, STORY)
    other_process_stores_brief(db, STORY, list(state.version.articles), state.wanted,
                               state.version.brief)
    r = c.get(f"/api/stories/{STORY}/brief", headers={"If-None-Match": '"v1"'})
    assert r.status_code == 200 and r.headers["etag"] == '"v2"' and r.json()
    old = c.get(f"/api/stories/{STORY}/brief", params={"version": 1},
                headers={"If-None-Match": '"v1"'})
    assert old.status_code == 304  # version 1 itself never changes


def test_watch_asks_sqlite_only_after_a_commit(tmp_path: Path) -> None:
    """Between commits a poll reads the WAL-index header and nothing else; any commit, by
    this process or another, makes the next poll ask SQLite once (the stamps, no
    data_version first), and a change is never missed."""
    import newsweave.changes as changes_module

    db = tmp_path / "h.db"
    store, (a, b, c), watch = watched_stories(db)
    assert watch is not None and watch._shm is not None
    asked: list[str] = []
    real = watch._conn

    class Counting:  # every statement the watch sends to SQLite
        def execute(self, sql: str, *args: object) -> object:
            asked.append(sql)
            return real.execute(sql, *args)

        def close(self) -> None:
            real.close()

    watch._conn = Counting()  # type: ignore[assignment]
    for _ in range(5):
        assert watch.poll() == set()
    assert asked == []  # nothing committed: no SQLite call at all
    other_process_stores_brief(db, "s2", [b.id, c.id], "fp", "{}")
    assert watch.poll() == {"s2"} and len(asked) == 1
    assert watch.poll() == set() and len(asked) == 1
    store.add_articles([Article("lone", "An article in no story.")])
    assert watch.poll() == set() and len(asked) == 2  # a commit: asked, nothing changed
    store.save_stories({a.id: "s2"}, {})
    assert watch.poll() == {"s1", "s2"}
    watch.close()

    # no header to read (not in WAL mode, or it cannot be read): every poll asks SQLite
    monkey = pytest.MonkeyPatch()
    monkey.setattr(changes_module.os, "pread", lambda *_a: (_ for _ in ()).throw(OSError()))
    try:
        blind = ChangeWatch.for_store(store)
        assert blind is not None
        store.save_stories({a.id: "s1"}, {})
        assert blind.poll() == {"s1", "s2"}
        assert blind.poll() == set()
        blind.close()
    finally:
        monkey.undo()
    store.close()
