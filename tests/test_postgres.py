"""A real PostgreSQL server for the store tests, and the checks only PostgreSQL needs.

The session fixture finds Debian's server binaries (``/usr/lib/postgresql/*/bin``), installs
the ``postgresql`` package when they are missing and we are root, creates a throw-away cluster
in a temp folder (as the ``postgres`` user when run as root: initdb refuses root), starts it
on 127.0.0.1 on a free port with its socket in that folder, and stops it at the end. The
``db_url`` fixture, used by the store and CLI tests, runs each of them on SQLite and on this
server. Tests skip, saying why, only when no server can be had.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "newsweave"
PG_DB = "newsweave_test"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class PgServer:
    bin_dir: Path
    data_dir: Path
    port: int

    def url(self, database: str = PG_DB) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"


def find_pg_bin() -> Path | None:
    """The newest installed server's bin folder (Debian keeps them off PATH)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _install_postgresql() -> str | None:
    """apt-get install postgresql (root only); the reason it failed, or None."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "PostgreSQL server not installed (and not root, so cannot apt-get install it)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"]
    for cmd in (install, ["apt-get", "update", "-q"], install):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode == 0 and cmd is install and find_pg_bin() is not None:
            return None
    return f"apt-get install postgresql failed: {done.stderr.strip()[-300:]}"


def _run_user() -> str | None:
    """The user the server runs as: root may not run it, so a system account then."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        if subprocess.run(["id", "-u", name], capture_output=True).returncode == 0:
            return name
    return None


def _as(user: str | None, cmd: list[str]) -> list[str]:
    return cmd if user is None else ["runuser", "-u", user, "--", *cmd]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@functools.cache
def _server() -> PgServer | str:
    """Start the one server of this test run (both test modules that use it share it and it
    stops at exit), or say why there is none."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        reason = _install_postgresql()
        bin_dir = find_pg_bin()
        if bin_dir is None:
            return reason or "PostgreSQL server binaries not found"
    user = _run_user()
    if os.geteuid() == 0 and user is None:
        return "running as root with no unprivileged user to run PostgreSQL as"
    # Short path under /tmp: the socket path must stay under 107 bytes, and the server
    # user must be able to reach it (pytest's tmp dirs are private to root).
    base = Path(tempfile.mkdtemp(prefix="nwpg-", dir="/tmp" if os.path.isdir("/tmp") else None))
    data = base / "data"
    if user is not None:
        shutil.chown(base, user)
    port = _free_port()
    try:
        subprocess.run(
            _as(user, [str(bin_dir / "initdb"), "-D", str(data), "-U", PG_USER, "-A", "trust",
                       "-E", "UTF8", "--no-locale", "--no-sync"]),
            check=True, capture_output=True, timeout=START_TIMEOUT_S,
        )
        options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        subprocess.run(
            _as(user, [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"),
                       "-w", "-t", str(START_TIMEOUT_S), "-o", options, "start"]),
            check=True, capture_output=True, timeout=START_TIMEOUT_S + 10,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log = (base / "log").read_text(errors="replace") if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        detail = (getattr(exc, "stderr", b"") or b"").decode(errors="replace")
        return f"could not start PostgreSQL: {detail[-300:]} {log[-300:]}"

    def stop() -> None:
        subprocess.run(
            _as(user, [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True, timeout=START_TIMEOUT_S,
        )
        shutil.rmtree(base, ignore_errors=True)

    atexit.register(stop)
    server = PgServer(bin_dir=bin_dir, data_dir=data, port=port)
    import psycopg

    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {PG_DB}")
    return server


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    server = _server()
    if isinstance(server, str):
        pytest.skip(server)
    return server


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The test database, emptied: every test starts from a store that was never opened."""
    import psycopg

    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return pg_server.url()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store location on each back end."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return request.getfixturevalue("pg_url")


# --------------------------------------------------------------------------- PostgreSQL only
def test_schema_has_tsvector_index_and_version(pg_url: str) -> None:
    from newsweave.migrations import LATEST
    from newsweave.store import open_store

    store = open_store(pg_url)
    store.close()
    import psycopg

    with psycopg.connect(pg_url) as conn:
        indexes = {r[0]: r[1] for r in conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'articles'")}
        version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    assert "USING gin (tsv)" in indexes["articles_tsv"]
    assert version == LATEST


def test_concurrent_opens_migrate_once(pg_url: str) -> None:
    """Two processes opening a new database at once: the advisory lock lets one migrate."""
    from concurrent.futures import ThreadPoolExecutor

    from newsweave.migrations import LATEST, MIGRATIONS
    from newsweave.store import open_store

    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: open_store(pg_url), range(4)))
    assert {s.schema_version for s in stores} == {LATEST}
    for s in stores:
        s.close()
    import psycopg

    with psycopg.connect(pg_url) as conn:
        # one row per migration (versions may have gaps: each helper branch owns a number)
        count = conn.execute("SELECT count(*) FROM schema_version").fetchone()[0]
        assert count == len(MIGRATIONS)


def test_unknown_database_is_input_error(pg_server: PgServer) -> None:
    from newsweave.errors import InputError
    from newsweave.store import open_store

    with pytest.raises(InputError, match="cannot open database.*does not exist"):
        open_store(pg_server.url("no_such_db"))


def test_outlets_and_story_list_on_postgresql(pg_url: str) -> None:
    """The outlet upsert (ON CONFLICT DO UPDATE), the catalog's reads and the full-text
    narrowing of the story list on PostgreSQL."""
    from newsweave.catalog import ListQuery, build_catalog
    from newsweave.models import Article
    from newsweave.outlets import Outlet
    from newsweave.store import open_store

    with open_store(pg_url) as store:
        store.add_articles([
            Article("a1", "Harbour strike spreads to the docks.", url="https://www.cnn.com/a1",
                    published="2017-03-01"),
            Article("a2", "Harbour strike spreads to the docks, workers say.",
                    url="https://foxnews.com/a2", published="2017-03-02"),
            Article("b1", "Snow closes the passes.", outlet="ANI", published="2017-04-01"),
        ])
        store.save_stories({"a1": "s1", "a2": "s1", "b1": "s2"}, {"s1": "Strike", "s2": "Snow"},
                           {"a2": "a1"})
        assert store.import_outlets([Outlet("cnn.com", "CNN", "left", "US"),
                                     Outlet("aninews.in", "ANI", "center", "IN")]) == (2, 0, 0, 0)
        assert store.import_outlets([Outlet("cnn.com", "CNN", "lean left", "US")]) == (0, 1, 0, 0)
        assert store.import_outlets([Outlet("cnn.com", "CNN", "lean left", "US")],
                                    replace=True) == (0, 0, 1, 1)  # same row; ANI removed
        assert store.import_outlets([Outlet("aninews.in", "ANI", "center", "IN")]) == (1, 0, 0, 0)
        catalog = build_catalog(store)
        total, entries = catalog.select(ListQuery(sort="sources"))
        assert total == 2
        s1 = next(e for e in entries if e.id == "s1")
        assert s1.articles == 2 and s1.sources == 1  # the copy folds onto CNN's original
        assert s1.coverage["lean"] == {"lean left": 1}
        total, hits = catalog.select(ListQuery(q="harbour"), store.matching_story_ids)
        assert [e.id for e in hits] == ["s1"]
        assert [e.id for e in catalog.select(ListQuery(lean="center"))[1]] == ["s2"]
        # each story's latest brief and what it added; the list re-read when one is stored
        from newsweave.catalog import updated_catalog

        before = store.catalog_version()
        store.add_brief_version("s2", ["b1"], "g1", '{"sources": [{"id": "b1"}]}')
        store.add_brief_version("s1", ["a1"], "f1", '{"sources": [{"id": "a1"}]}')
        store.add_brief_version("s1", ["a1", "a2"], "f2",
                                '{"sources": [{"id": "a1"}, {"id": "a2"}]}')
        assert store.catalog_version() != before
        fresh = updated_catalog(store, catalog, ["s1", "s2"])
        (s1,) = [e for e in fresh.entries if e.id == "s1"]
        assert s1.update()["version"] == 2 and s1.update()["line"] == "1 new source"
        assert [e.id for e in fresh.select(ListQuery(sort="changed"))[1]] == ["s1", "s2"]
        assert [e.id for e in build_catalog(store).select(ListQuery(sort="changed"))[1]] == [
            "s1", "s2"]


def test_two_writers_revising_one_article_number_every_version(pg_url: str) -> None:
    """Two processes storing new versions of one article at once (an ingest and the
    follower): each reads the stored row FOR UPDATE, so neither numbers its version after the
    same one (before, the second failed its whole batch on the revisions' primary key)."""
    import threading

    from newsweave.ingest import article_id
    from newsweave.models import Article
    from newsweave.store import open_store

    url = "https://example.org/live/storm"
    first = "Update: the storm moved north, officials said, and more."
    base = open_store(pg_url)
    base.add_articles([Article(id=article_id(first), text=first, url=url, title="Live")])
    errors: list[str] = []

    def writer(tag: str) -> None:
        store = open_store(pg_url)
        try:
            for i in range(25):
                text = f"Update {tag}{i}: the storm moved north, officials said, and more."
                store.add_articles([Article(id=article_id(text), text=text, url=url,
                                            title="Live")])
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            errors.append(repr(exc)[:300])
        finally:
            store.close()

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [r["revision"] for r in base.article_revisions(article_id(first))] == list(
        range(1, 51))
    base.close()


def test_a_role_granted_only_select_is_refused_before_any_input_is_read(
        pg_url: str, pg_server: PgServer) -> None:
    """The write probe read only transaction_read_only: a SELECT-only role read all of its
    input and failed at the first commit ("permission denied for table articles")."""
    import psycopg

    from newsweave.errors import InputError
    from newsweave.store import open_store

    open_store(pg_url).close()  # the schema, made by the owner
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS nw_reader")
        conn.execute("CREATE ROLE nw_reader LOGIN")
        conn.execute("GRANT USAGE ON SCHEMA public TO nw_reader")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO nw_reader")
    reader_url = pg_url.replace(f"//{PG_USER}@", "//nw_reader@")
    try:
        store = open_store(reader_url)
        try:
            with pytest.raises(InputError, match="store is read-only for this role"):
                store.require_writable()
        finally:
            store.close()
        owner = open_store(pg_url)
        owner.require_writable()  # the owner may write
        owner.close()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("DROP OWNED BY nw_reader")
            conn.execute("DROP ROLE nw_reader")


def test_a_reading_command_makes_no_store_in_a_database_newsweave_never_opened(
        pg_url: str) -> None:
    """`stories --list` pointed at another database made sixteen tables there; SQLite says
    "no such database" of a file that does not exist."""
    import psycopg

    from newsweave.errors import InputError
    from newsweave.store import open_store

    with pytest.raises(InputError, match="no newsweave store in this database"):
        open_store(pg_url, create=False)
    with psycopg.connect(pg_url) as conn:
        tables = conn.execute("SELECT count(*) FROM information_schema.tables "
                              "WHERE table_schema = 'public'").fetchone()[0]
    assert tables == 0
    open_store(pg_url).close()  # a writing command makes it
    open_store(pg_url, create=False).close()


def test_publication_order_is_sqlites_on_a_database_with_a_language_collation(
        pg_url: str) -> None:
    """On a database whose text sorts by an English collation (ICU's here), "…-05:00" came
    before "…+00:00" while SQLite sorts bytes: the export's order, and the order grouping
    reads, differed between the back ends."""
    import psycopg

    from newsweave.models import Article
    from newsweave.store import open_store

    with psycopg.connect(pg_url) as conn:
        icu = conn.execute("SELECT collname FROM pg_collation WHERE collname = 'en-US-x-icu'"
                           ).fetchone()
    if icu is None:
        pytest.skip("this PostgreSQL has no ICU collation")
    london = Article("london", "The London report.", published="2017-03-01T21:30:00+00:00")
    york = Article("new-york", "The New York report.", published="2017-03-01T21:30:00-05:00")
    with open_store(pg_url) as store:
        store.add_articles([york, london])
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute('ALTER TABLE articles ALTER COLUMN published TYPE text '
                     'COLLATE "en-US-x-icu"')
        by_language = [r[0] for r in conn.execute(
            "SELECT id FROM articles ORDER BY published")]
    assert by_language == ["new-york", "london"]  # what the database's own order says
    with open_store(pg_url) as store:
        assert [r["id"] for r in store.iter_listing()] == ["london", "new-york"]  # SQLite's
