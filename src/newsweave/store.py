"""The article and story store: SQLite by default (one file), PostgreSQL by URL, one code path.

Articles are keyed by a hash of their content, so ingesting the same report twice is a no-op;
an id given in the input stays the article's public id. Every write is one transaction (a
batch of articles, or a whole grouping run), so a process killed at any moment leaves the
store as it was after its last commit and a rerun adds exactly what is missing. The schema is
versioned (``newsweave.migrations``) and brought up to date when a store is opened.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    false,
    func,
    inspect,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.elements import ColumnElement

from newsweave.errors import InputError
from newsweave.ingest import article_id
from newsweave.migrations import LATEST, MIGRATIONS, SCHEMA_VERSION_DDL
from newsweave.models import Article

#: Where the store lives when no --db is given.
DEFAULT_DB = "newsweave.db"
#: Articles per write transaction: large enough to amortise the commit (an fsync), small
#: enough that a killed ingest loses little work and memory stays flat.
BATCH_SIZE = 500
#: Ids per ``IN (...)`` list: far below SQLite's 32,766 bound-parameter limit.
IN_CHUNK = 500
#: Seconds a SQLite writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Serialises concurrent migrations of one PostgreSQL database (an arbitrary constant).
PG_MIGRATION_LOCK = 0x6E657773
#: Serialises grouping runs on one PostgreSQL database (an arbitrary constant).
PG_GROUPING_LOCK = 0x67727570
#: A wrong host should fail fast with a clear message, not hang the command.
PG_CONNECT_TIMEOUT_S = 10

_metadata = MetaData()
articles_t = Table(
    "articles",
    _metadata,
    Column("seq", Integer, primary_key=True),
    Column("id", Text, nullable=False, unique=True),
    Column("content_hash", Text, nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("title", Text),
    Column("outlet", Text),
    Column("published", Text),
    Column("updated", Text),
    Column("url", Text),
    Column("path", Text),
    Column("label", Text),
    Column("ingested_at", Text, nullable=False),
)
stories_t = Table(
    "stories",
    _metadata,
    Column("id", Text, primary_key=True),
    Column("headline", Text, nullable=False),
    Column("first_published", Text),
    Column("last_published", Text),
    Column("updated_at", Text, nullable=False),
)
story_articles_t = Table(
    "story_articles",
    _metadata,
    Column("story_id", Text, primary_key=True),
    Column("article_id", Text, primary_key=True),
    Column("duplicate_of", Text),
)
lead_vectors_t = Table(
    "lead_vectors",
    _metadata,
    Column("key", Text, primary_key=True),
    Column("vector", LargeBinary, nullable=False),
)
grouper_state_t = Table(
    "grouper_state",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("format", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("generation", Integer, nullable=False),
    Column("state", LargeBinary, nullable=False),
    Column("updated_at", Text, nullable=False),
)
grouper_stories_t = Table(
    "grouper_stories",
    _metadata,
    Column("story_id", Text, primary_key=True),
    Column("state", LargeBinary, nullable=False),
)
schema_version_t = Table(
    "schema_version",
    _metadata,
    Column("version", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("applied_at", Text, nullable=False),
)

_ARTICLE_FIELDS = ("id", "text", "title", "outlet", "published", "updated", "url", "path", "label")
_ARTICLE_COLS = tuple(articles_t.c[name] for name in _ARTICLE_FIELDS)


@dataclass(frozen=True)
class StoryRow:
    id: str
    headline: str
    first_published: str | None
    last_published: str | None
    article_ids: tuple[str, ...]
    outlets: tuple[str, ...]
    updated_at: str


@dataclass(frozen=True)
class AddResult:
    added: int
    skipped: int  # already stored (same content hash, or an id already used by other text)
    id_conflicts: int = 0  # of ``skipped``: a given id already taken by a different text

    def __add__(self, other: AddResult) -> AddResult:
        return AddResult(
            self.added + other.added,
            self.skipped + other.skipped,
            self.id_conflicts + other.id_conflicts,
        )


@dataclass(frozen=True)
class SaveResult:
    """What a ``save_stories`` call changed (stories whose membership or headline moved)."""

    created: int
    updated: int
    removed: int
    unchanged: int


# --------------------------------------------------------------------------- pure helpers
def content_hash(text: str) -> str:
    """The dedup key: ingest's content id (SHA-256 of the text up to whitespace and Unicode
    compatibility forms), so an article ingested without an id is keyed by its own id."""
    return article_id(text)


def resolve_url(url: str | os.PathLike[str] | None) -> str:
    """A --db value as a SQLAlchemy URL: a path or ``sqlite:///path`` -> SQLite, a
    ``postgresql://`` (or ``postgres://``) URL -> PostgreSQL through psycopg 3."""
    raw = DEFAULT_DB if url is None or str(url) == "" else str(url)
    scheme, sep, rest = raw.partition("://")
    if not sep:
        return f"sqlite:///{raw}"
    scheme = scheme.lower()
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return f"postgresql+psycopg://{rest}"
    if scheme == "sqlite":
        return raw
    raise InputError(f"unsupported database URL {_safe(raw)!r} (use a file path or postgresql://)")


def _safe(url: str) -> str:
    """The URL without its password, for error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def _one_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(orig).splitlines() if ln.strip()]
    return lines[0] if lines else type(orig).__name__


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def search_terms(query: str) -> list[str]:
    """The words of a user's search box: every one must match (the same on both back ends,
    and no FTS5 or tsquery syntax can leak through)."""
    return re.findall(r"\w+", query)


def _article(row: Any) -> Article:
    return Article(**{name: row._mapping[name] for name in _ARTICLE_FIELDS})


def _published_order() -> tuple[ColumnElement[Any], ...]:
    return (articles_t.c.published.asc().nulls_last(), articles_t.c.seq)


# --------------------------------------------------------------------------- engine set-up
def _sqlite_events(engine: Engine) -> None:
    """WAL (readers never block the writer), foreign keys, a busy timeout, and explicit
    BEGIN: IMMEDIATE for writes, so two writers queue instead of failing on lock upgrade."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("newsweave_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _make_engine(url: str, create: bool) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"bad database URL {_safe(url)!r}") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            path = Path(database)
            if not create and not path.is_file():
                raise InputError("no such database (run `newsweave ingest` first)", database)
            if path.is_dir():
                raise InputError("is a directory, not a database file", database)
            if not path.parent.is_dir():
                raise InputError("folder does not exist", path.parent)
    elif parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    else:
        raise InputError(f"unsupported database {parsed.get_backend_name()!r}")
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise InputError(f"bad database URL {_safe(url)!r}: {_one_line(exc)}") from None
    if engine.dialect.name == "sqlite":
        _sqlite_events(engine)
    return engine


def _schema_version(conn: Connection) -> int:
    """The applied schema version, 0 for a database newsweave has never opened."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(select(func.max(schema_version_t.c.version))).scalar() or 0


def _migrate(conn: Connection, dialect: str) -> int:
    """Apply pending migrations inside the caller's transaction; return the schema version."""
    if dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
    conn.exec_driver_sql(SCHEMA_VERSION_DDL)
    current = conn.execute(select(func.max(schema_version_t.c.version))).scalar() or 0
    if current > LATEST:
        raise InputError(
            f"database schema version {current} is newer than this newsweave knows ({LATEST})"
        )
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        for statement in migration.statements(dialect):
            conn.exec_driver_sql(statement)
        conn.execute(
            schema_version_t.insert().values(
                version=migration.version, name=migration.name, applied_at=_now()
            )
        )
        current = migration.version
    return current


# --------------------------------------------------------------------------- the store
class Store:
    """Articles and stories in one database. Methods open short-lived connections from a
    pool, so one Store may be shared by threads; reads see the last committed state."""

    def __init__(self, url: str | os.PathLike[str] | None = None, create: bool = True) -> None:
        self.url = resolve_url(url)
        shown = _safe(str(url)) if url else DEFAULT_DB
        self.engine = _make_engine(self.url, create)
        self.dialect = self.engine.dialect.name
        try:
            with self.engine.connect() as conn:
                version = _schema_version(conn)
            if version != LATEST:  # only then take the write lock (readers never wait)
                with self._write() as conn:
                    version = _migrate(conn, self.dialect)
            self.schema_version = version
        except InputError:
            self.engine.dispose()
            raise
        except (SQLAlchemyError, OSError) as exc:
            self.engine.dispose()
            raise InputError(f"cannot open database {shown}: {_one_line(exc)}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(newsweave_write=True)
            with conn.begin():
                yield conn

    def _insert(self, tbl: Table) -> Any:
        dialect = sqlite_dialect if self.dialect == "sqlite" else pg_dialect
        return dialect.insert(tbl)

    # ----------------------------------------------------------------------- full-text
    def _matching_seqs(self, terms: Sequence[str]) -> Any:
        """A subquery of the ``seq`` of every article containing all ``terms``."""
        if self.dialect == "sqlite":
            return (
                select(literal_column("rowid"))
                .select_from(table("articles_fts"))
                .where(text("articles_fts MATCH :fq").bindparams(fq=_fts5_query(terms)))
            )
        return select(articles_t.c.seq).where(
            text("articles.tsv @@ plainto_tsquery('english', :fq)").bindparams(fq=" ".join(terms))
        )

    def search_articles(self, query: str, limit: int = 20, offset: int = 0) -> list[Article]:
        """Articles containing every word of ``query`` (stemmed), best match first."""
        terms = search_terms(query)
        if not terms:
            return []
        if self.dialect == "sqlite":
            stmt = (
                select(*_ARTICLE_COLS)
                .select_from(
                    articles_t.join(
                        table("articles_fts"),
                        literal_column("articles_fts.rowid") == articles_t.c.seq,
                    )
                )
                .where(text("articles_fts MATCH :fq").bindparams(fq=_fts5_query(terms)))
                .order_by(text("bm25(articles_fts)"), articles_t.c.seq)
            )
        else:
            tsq = "plainto_tsquery('english', :fq)"
            stmt = (
                select(*_ARTICLE_COLS)
                .where(text(f"articles.tsv @@ {tsq}").bindparams(fq=" ".join(terms)))
                .order_by(
                    text(f"ts_rank(articles.tsv, {tsq.replace(':fq', ':rq')}) DESC").bindparams(
                        rq=" ".join(terms)
                    ),
                    articles_t.c.seq,
                )
            )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.limit(limit).offset(offset))
            return [_article(r) for r in rows]

    # ----------------------------------------------------------------------- articles
    def add_articles(
        self, articles: Iterable[Article], batch_size: int = BATCH_SIZE
    ) -> AddResult:
        """Store new articles, ``batch_size`` per transaction; an article whose content is
        already stored is skipped, so any rerun of the same input adds nothing."""
        total = AddResult(0, 0)
        for batch in _chunks(articles, batch_size):
            total += self._add_batch(batch)
        return total

    def _add_batch(self, batch: Sequence[Article]) -> AddResult:
        now = _now()
        rows: dict[str, dict[str, Any]] = {}
        seen_ids: set[str] = set()
        dup_in_batch = conflicts = 0
        for art in batch:
            digest = content_hash(art.text)
            if digest in rows:
                dup_in_batch += 1
                continue
            if art.id in seen_ids:
                dup_in_batch += 1
                conflicts += 1
                continue
            seen_ids.add(art.id)
            row = {name: getattr(art, name) for name in _ARTICLE_FIELDS}
            row.update(content_hash=digest, ingested_at=now)
            rows[digest] = row
        with self._write() as conn:
            stored_hashes = set(
                conn.scalars(
                    select(articles_t.c.content_hash).where(articles_t.c.content_hash.in_(rows))
                )
            )
            fresh = [r for h, r in rows.items() if h not in stored_hashes]
            taken_ids = set(
                conn.scalars(
                    select(articles_t.c.id).where(articles_t.c.id.in_([r["id"] for r in fresh]))
                )
            )
            conflicts += sum(1 for r in fresh if r["id"] in taken_ids)
            fresh = [r for r in fresh if r["id"] not in taken_ids]
            added = 0
            if fresh:
                stmt = (
                    self._insert(articles_t).on_conflict_do_nothing().returning(articles_t.c.id)
                )
                added = len(conn.execute(stmt, fresh).all())
        return AddResult(added=added, skipped=len(batch) - added, id_conflicts=conflicts)

    def get_article(self, article_id: str) -> Article | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(*_ARTICLE_COLS).where(articles_t.c.id == article_id)).first()
        return _article(row) if row is not None else None

    def get_articles(self, article_ids: Sequence[str]) -> list[Article]:
        """The stored articles among ``article_ids``, in the order asked (unknown ids left out)."""
        found: dict[str, Article] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(article_ids, IN_CHUNK):
                for row in conn.execute(select(*_ARTICLE_COLS).where(articles_t.c.id.in_(chunk))):
                    found[row.id] = _article(row)
        return [found[i] for i in article_ids if i in found]

    def count_articles(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(articles_t)).scalar_one()

    def iter_articles(
        self, since: str | None = None, until: str | None = None
    ) -> Iterator[Article]:
        """Stored articles in published-date order, undated last, streamed (memory stays flat).
        ``since``/``until`` are inclusive ISO dates; with either, undated articles are left out."""
        stmt = select(*_ARTICLE_COLS)
        if since:
            stmt = stmt.where(articles_t.c.published >= since)
        if until:
            stmt = stmt.where(func.substr(articles_t.c.published, 1, len(until)) <= until)
        stmt = stmt.order_by(*_published_order())
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=BATCH_SIZE).execute(stmt)
            for row in result:
                yield _article(row)

    # ----------------------------------------------------------------------- vectors
    def get_vectors(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Cached embedding vectors (raw bytes) of the given keys that are stored."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, bytes] = {}
        with self.engine.connect() as conn:
            for lo in range(0, len(wanted), BATCH_SIZE):
                chunk = wanted[lo : lo + BATCH_SIZE]
                stmt = select(lead_vectors_t.c.key, lead_vectors_t.c.vector).where(
                    lead_vectors_t.c.key.in_(chunk))
                found.update((row.key, bytes(row.vector)) for row in conn.execute(stmt))
        return found

    def put_vectors(self, vectors: Mapping[str, bytes]) -> None:
        """Cache embedding vectors; keys already stored keep their vector."""
        if not vectors:
            return
        rows = [{"key": k, "vector": v} for k, v in vectors.items()]
        with self._write() as conn:
            conn.execute(self._insert(lead_vectors_t).on_conflict_do_nothing(), rows)

    # ----------------------------------------------------------------------- stories
    def save_stories(
        self,
        assignments: Mapping[str, str],
        headlines: Mapping[str, str],
        duplicates: Mapping[str, str] | None = None,
    ) -> SaveResult:
        """Record a grouping run in one transaction: ``assignments`` maps article id -> story
        id (an assigned article leaves any story it was in), ``headlines`` story id ->
        headline, ``duplicates`` article id -> the article it copies. Only stories whose
        members or headline change get a new ``updated_at``; stories left empty are removed."""
        with self._write() as conn:
            result, _ = self._save_stories(conn, assignments, headlines, duplicates or {})
        return result

    def _save_stories(
        self,
        conn: Connection,
        assignments: Mapping[str, str],
        headlines: Mapping[str, str],
        duplicates: Mapping[str, str],
    ) -> tuple[SaveResult, set[str]]:
        """``save_stories`` inside the caller's transaction; also returns the ids of the
        stories it changed (created, updated or removed)."""
        now = _now()
        sa = story_articles_t
        old: dict[str, tuple[str, str | None]] = {}
        for chunk in _chunks(assignments, IN_CHUNK):
            q = select(sa.c.article_id, sa.c.story_id, sa.c.duplicate_of).where(
                sa.c.article_id.in_(chunk)
            )
            for aid, sid, dup in conn.execute(q):
                old[aid] = (sid, dup)
        changed = [
            aid
            for aid, sid in assignments.items()
            if old.get(aid) != (sid, duplicates.get(aid))
        ]
        touched = {assignments[a] for a in changed} | {old[a][0] for a in changed if a in old}
        existing: dict[str, str] = {}
        for chunk in _chunks(set(assignments.values()) | set(headlines) | touched, IN_CHUNK):
            q = select(stories_t.c.id, stories_t.c.headline).where(stories_t.c.id.in_(chunk))
            existing.update((i, h) for i, h in conn.execute(q))
        touched |= {s for s, h in headlines.items() if s in existing and existing[s] != h}
        for chunk in _chunks(changed, IN_CHUNK):
            conn.execute(sa.delete().where(sa.c.article_id.in_(chunk)))
        new_stories = [
            {"id": s, "headline": headlines.get(s, ""), "updated_at": now}
            for s in touched
            if s not in existing
        ]
        if new_stories:
            conn.execute(stories_t.insert(), new_stories)
        if changed:
            conn.execute(
                sa.insert(),
                [
                    {"story_id": assignments[a], "article_id": a,
                     "duplicate_of": duplicates.get(a)}
                    for a in changed
                ],
            )
        removed = self._refresh_stories(conn, touched, headlines, existing, now)
        created = len(new_stories)
        stories = set(assignments.values()) | set(headlines)
        return SaveResult(
            created=created,
            updated=len(touched) - created - removed,
            removed=removed,
            unchanged=len(stories - touched),
        ), touched

    def _refresh_stories(
        self,
        conn: Connection,
        story_ids: set[str],
        headlines: Mapping[str, str],
        existing: Mapping[str, str],
        now: str,
    ) -> int:
        """Recompute dates of ``story_ids`` from their members; delete the empty ones."""
        sa = story_articles_t
        removed = 0
        for chunk in _chunks(sorted(story_ids), IN_CHUNK):
            q = (
                select(
                    sa.c.story_id,
                    func.min(articles_t.c.published),
                    func.max(articles_t.c.published),
                )
                .join(articles_t, articles_t.c.id == sa.c.article_id)
                .where(sa.c.story_id.in_(chunk))
                .group_by(sa.c.story_id)
            )
            spans = {sid: (first, last) for sid, first, last in conn.execute(q)}
            empty = [s for s in chunk if s not in spans]
            if empty:
                gone = conn.execute(stories_t.delete().where(stories_t.c.id.in_(empty)))
                removed += gone.rowcount
            for sid, (first, last) in spans.items():
                conn.execute(
                    stories_t.update()
                    .where(stories_t.c.id == sid)
                    .values(
                        headline=headlines.get(sid, existing.get(sid, "")),
                        first_published=first,
                        last_published=last,
                        updated_at=now,
                    )
                )
        return removed

    def _story_rows(self, conn: Connection, rows: Sequence[Any]) -> list[StoryRow]:
        ids = [r.id for r in rows]
        members: dict[str, list[str]] = {i: [] for i in ids}
        outlets: dict[str, set[str]] = {i: set() for i in ids}
        sa = story_articles_t
        for chunk in _chunks(ids, IN_CHUNK):
            q = (
                select(sa.c.story_id, articles_t.c.id, articles_t.c.outlet)
                .join(articles_t, articles_t.c.id == sa.c.article_id)
                .where(sa.c.story_id.in_(chunk))
                .order_by(*_published_order())
            )
            for sid, aid, outlet in conn.execute(q):
                members[sid].append(aid)
                if outlet:
                    outlets[sid].add(outlet)
        return [
            StoryRow(
                id=r.id,
                headline=r.headline,
                first_published=r.first_published,
                last_published=r.last_published,
                article_ids=tuple(members[r.id]),
                outlets=tuple(sorted(outlets[r.id])),
                updated_at=r.updated_at,
            )
            for r in rows
        ]

    def _stories_query(self, query: str | None) -> Any:
        stmt = select(stories_t)
        if query and query.strip():
            terms = search_terms(query)
            if not terms:
                return stmt.where(false())
            sa = story_articles_t
            matching = (
                select(sa.c.story_id)
                .join(articles_t, articles_t.c.id == sa.c.article_id)
                .where(articles_t.c.seq.in_(self._matching_seqs(terms)))
            )
            stmt = stmt.where(stories_t.c.id.in_(matching))
        return stmt

    def list_stories(
        self, limit: int = 50, offset: int = 0, query: str | None = None
    ) -> list[StoryRow]:
        """Stories, newest (latest published article) first; ``query``: only stories with a
        member article containing every word of it."""
        stmt = (
            self._stories_query(query)
            .order_by(
                stories_t.c.last_published.desc().nulls_last(),
                stories_t.c.updated_at.desc(),
                stories_t.c.id,
            )
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            return self._story_rows(conn, conn.execute(stmt).all())

    def count_stories(self, query: str | None = None) -> int:
        stmt = select(func.count()).select_from(self._stories_query(query).subquery())
        with self.engine.connect() as conn:
            return conn.execute(stmt).scalar_one()

    def story_ids(self) -> list[str]:
        """Every story id, in ``list_stories`` order (cheap: ids only)."""
        stmt = select(stories_t.c.id).order_by(
            stories_t.c.last_published.desc().nulls_last(),
            stories_t.c.updated_at.desc(),
            stories_t.c.id,
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(stmt))

    def get_story(self, story_id: str) -> StoryRow | None:
        with self.engine.connect() as conn:
            rows = conn.execute(select(stories_t).where(stories_t.c.id == story_id)).all()
            found = self._story_rows(conn, rows)
        return found[0] if found else None

    def story_articles(self, story_id: str) -> list[Article]:
        """Members of a story in published-date order, undated last ([] for an unknown id)."""
        stmt = (
            select(*_ARTICLE_COLS)
            .join(story_articles_t, story_articles_t.c.article_id == articles_t.c.id)
            .where(story_articles_t.c.story_id == story_id)
            .order_by(*_published_order())
        )
        with self.engine.connect() as conn:
            return [_article(r) for r in conn.execute(stmt)]

    def story_duplicates(self, story_id: str) -> dict[str, str]:
        """Article id -> the article it is a near-verbatim copy of, within one story."""
        sa = story_articles_t
        stmt = select(sa.c.article_id, sa.c.duplicate_of).where(
            sa.c.story_id == story_id, sa.c.duplicate_of.is_not(None)
        )
        with self.engine.connect() as conn:
            return {a: d for a, d in conn.execute(stmt)}

    def article_stories(self, article_id: str) -> list[str]:
        stmt = (
            select(story_articles_t.c.story_id)
            .where(story_articles_t.c.article_id == article_id)
            .order_by(story_articles_t.c.story_id)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(stmt))

    # ----------------------------------------------------------------------- grouper state
    def max_seq(self) -> int:
        """The highest article ``seq`` stored (0 when empty)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(articles_t.c.seq))).scalar() or 0

    def iter_ungrouped(self, after_seq: int = 0) -> Iterator[tuple[int, Article]]:
        """(seq, article) of every article above ``after_seq`` that is in no story yet, in
        arrival (seq) order, streamed. The grouper continues from its saved state with these."""
        sa = story_articles_t
        stmt = (
            select(articles_t.c.seq, *_ARTICLE_COLS)
            .outerjoin(sa, sa.c.article_id == articles_t.c.id)
            .where(articles_t.c.seq > after_seq, sa.c.article_id.is_(None))
            .order_by(articles_t.c.seq)
        )
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=BATCH_SIZE).execute(stmt)
            for row in result:
                yield row.seq, _article(row)

    def iter_by_seq(self) -> Iterator[tuple[int, Article]]:
        """(seq, article) of every stored article in arrival order, streamed."""
        stmt = select(articles_t.c.seq, *_ARTICLE_COLS).order_by(articles_t.c.seq)
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=BATCH_SIZE).execute(stmt)
            for row in result:
                yield row.seq, _article(row)

    def load_grouper_state(self, with_blob: bool = True
                           ) -> tuple[int, int, int, bytes | None] | None:
        """The saved grouper state as (format, last_seq, generation, blob), or None;
        ``with_blob=False`` leaves the blob (None) for a cheap look at the generation."""
        g = grouper_state_t
        blob = g.c.state if with_blob else literal_column("NULL")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(g.c.format, g.c.last_seq, g.c.generation, blob).where(g.c.id == 1)
            ).first()
        if row is None:
            return None
        return row[0], row[1], row[2], None if row[3] is None else bytes(row[3])

    def load_grouper_stories(self) -> list[bytes]:
        """The saved grouper state's per-story blobs (``grouper_stories``)."""
        with self.engine.connect() as conn:
            return [bytes(b) for b in conn.scalars(select(grouper_stories_t.c.state))]

    def drop_grouper_state(self) -> None:
        """Forget the grouper state: the next grouping run regroups every article."""
        with self._write() as conn:
            conn.execute(grouper_state_t.delete())
            conn.execute(grouper_stories_t.delete())

    def head_articles(self, story_ids: Iterable[str], limit: int,
                      conn: Connection | None = None) -> dict[str, list[Article]]:
        """The first ``limit`` members of each story in arrival (seq) order: what a headline
        is chosen from, the same whichever run grouped them."""
        sa = story_articles_t
        out: dict[str, list[Article]] = {}
        with (self.engine.connect() if conn is None else _borrowed(conn)) as c:
            for chunk in _chunks(sorted(set(story_ids)), IN_CHUNK):
                rank = func.row_number().over(partition_by=sa.c.story_id,
                                              order_by=articles_t.c.seq).label("rank")
                inner = (
                    select(sa.c.story_id, articles_t.c.seq, *_ARTICLE_COLS, rank)
                    .join(articles_t, articles_t.c.id == sa.c.article_id)
                    .where(sa.c.story_id.in_(chunk))
                    .subquery()
                )
                q = (select(inner).where(inner.c.rank <= limit)
                     .order_by(inner.c.story_id, inner.c.seq))
                for row in c.execute(q):
                    out.setdefault(row.story_id, []).append(_article(row))
        return out

    def save_grouping(
        self,
        assignments: Mapping[str, str],
        duplicates: Mapping[str, str],
        headline: Any,
        head_limit: int,
        state: tuple[int, int, bytes],
        generation: int | None,
        all_headlines: bool = False,
        story_states: Mapping[str, bytes] | None = None,
        gone: Iterable[str] = (),
        replace_all: bool = False,
    ) -> tuple[SaveResult, set[str]]:
        """Record an incremental grouping run and the grouper state it ends in, in one
        transaction, so a killed run leaves both as they were. ``headline`` maps a story's
        first ``head_limit`` members (seq order) to its headline; it is recomputed for the
        stories whose membership changed (every story with ``all_headlines``). ``state`` is
        (format, last_seq, blob) of the core, ``story_states`` story id -> blob of the stories
        it changed, ``gone`` the stories it no longer holds (``replace_all``: drop every saved
        story first); ``generation`` the one loaded (None: none was), checked so that a run
        that started from an older state never overwrites a newer one."""
        g = grouper_state_t
        with self._write() as conn:
            current = conn.execute(select(g.c.generation).where(g.c.id == 1)).scalar()
            if current != generation:
                raise StoreBusyError(
                    "store is busy: another grouping run saved its stories first (run again)")
            result, touched = self._save_stories(conn, assignments, {}, duplicates)
            wanted = set(assignments.values()) if all_headlines else set(touched)
            heads = self.head_articles(wanted, head_limit, conn)
            for sid, members in heads.items():
                conn.execute(stories_t.update().where(stories_t.c.id == sid)
                             .values(headline=headline(members)))
            gs = grouper_stories_t
            story_states = story_states or {}
            if replace_all:
                conn.execute(gs.delete())
            else:
                for chunk in _chunks(set(gone) | set(story_states), IN_CHUNK):
                    conn.execute(gs.delete().where(gs.c.story_id.in_(chunk)))
            if story_states:
                conn.execute(gs.insert(), [{"story_id": k, "state": v}
                                           for k, v in story_states.items()])
            fmt, last_seq, blob = state
            row = {"format": fmt, "last_seq": last_seq, "state": blob, "updated_at": _now(),
                   "generation": (current or 0) + 1}
            if current is None:
                conn.execute(g.insert().values(id=1, **row))
            else:
                conn.execute(g.update().where(g.c.id == 1).values(**row))
        return result, touched

    @contextmanager
    def grouping_lock(self, wait: float = 0.0) -> Iterator[None]:
        """Held for a whole grouping run, so that two runs never interleave: a PostgreSQL
        session advisory lock, or an flock on a file beside a SQLite database (both are
        released when the process dies, so a killed run never leaves the store locked).
        Waits up to ``wait`` seconds, then raises ``StoreBusyError``."""
        import time

        deadline = time.monotonic() + wait
        if self.dialect == "postgresql":
            with self.engine.connect() as conn:
                while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                       {"k": PG_GROUPING_LOCK}).scalar():
                    conn.commit()
                    if time.monotonic() >= deadline:
                        raise StoreBusyError(BUSY_MESSAGE)
                    time.sleep(0.2)
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_GROUPING_LOCK})
                    conn.commit()
            return
        database = make_url(self.url).database or ""
        if database in ("", ":memory:"):
            yield
            return
        import fcntl

        with open(database + "-grouping.lock", "a+b") as fh:
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreBusyError(BUSY_MESSAGE) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _borrowed(conn: Connection) -> Iterator[Connection]:
    """The caller's connection, left open (the ``with`` of a fresh one closes it)."""
    yield conn


class StoreBusyError(InputError):
    """Another process is grouping this store."""


BUSY_MESSAGE = "store is busy: another grouping run is in progress (try again when it ends)"


def _fts5_query(terms: Sequence[str]) -> str:
    """Each word as an FTS5 string (implicit AND), so user text is never FTS5 syntax."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def open_store(url: str | os.PathLike[str] | None = None, create: bool = True) -> Store:
    """Open (creating and migrating if needed) the store at ``url``; None -> ./newsweave.db.
    ``create=False`` refuses a SQLite file that does not exist yet (read-only commands)."""
    return Store(url, create=create)
