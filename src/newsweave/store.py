"""The article and story store: SQLite by default (one file), PostgreSQL by URL, one code path.

Articles are keyed by a hash of their content, so ingesting the same report twice is a no-op;
an id given in the input stays the article's public id. Every write is one transaction (a
batch of articles, or a whole grouping run), so a process killed at any moment leaves the
store as it was after its last commit and a rerun adds exactly what is missing. The schema is
versioned (``newsweave.migrations``) and brought up to date when a store is opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    case,
    cast,
    create_engine,
    event,
    false,
    func,
    inspect,
    literal_column,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    NoSuchModuleError,
    OperationalError,
    SAWarning,
    SQLAlchemyError,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from newsweave.brief_diff import (
    change_counts,
    diff_briefs,
    dump_counts,
    load_counts,
    parse_brief,
    revised_sources,
)
from newsweave.errors import InputError
from newsweave.ingest import article_id
from newsweave.migrations import LATEST, MIGRATIONS, SCHEMA_VERSION_DDL
from newsweave.models import Article
from newsweave.urls import article_key
from newsweave.versions import dated_before, lost_most, older_text, version_of

#: Where the store lives when no --db is given.
DEFAULT_DB = "newsweave.db"
#: Articles per write transaction: large enough to amortise the commit (an fsync), small
#: enough that a killed ingest loses little work and memory stays flat.
BATCH_SIZE = 500
#: Ids per ``IN (...)`` list: far below SQLite's 32,766 bound-parameter limit.
IN_CHUNK = 500
#: ``matching_story_ids(within=...)`` seeks each member article of at most this many stories
#: in the full-text index; more, and one match over the whole index is cheaper
SEEK_WITHIN_MAX = 25
#: ``matching_story_ids_many`` indexes the few stories' member articles afresh in a scratch
#: full-text index when their text is at most this long (characters); longer, it seeks them
#: in the store's index once per query instead
SCRATCH_MAX_CHARS = 2_000_000
#: queries per statement over the scratch index (SQLite allows 500 terms in a compound select)
SCRATCH_QUERIES = 200
#: Seconds a SQLite writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Serialises concurrent migrations of one PostgreSQL database (an arbitrary constant).
PG_MIGRATION_LOCK = 0x6E657773
#: Serialises grouping runs on one PostgreSQL database (an arbitrary constant).
PG_GROUPING_LOCK = 0x67727570
#: A wrong host should fail fast with a clear message, not hang the command.
PG_CONNECT_TIMEOUT_S = 10

#: in-process locks of in-memory stores (no file to lock)
_MEMORY_LOCKS: dict[tuple[int, str], threading.Lock] = {}


#: what a store call raises when its database does not answer (a PostgreSQL restart or
#: failover, a locked SQLite file): the server answers 503 for it
StoreUnavailable = OperationalError


class StoreBusy(InputError):
    """Another process holds the lock a long job needs (exit 2, one line, nothing changed)."""


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
    Column("author", Text),
    Column("language", Text),
    Column("canonical_url", Text),
    Column("revisions", Integer, nullable=False, server_default=text("1")),
    Column("text_from", Text),
)
article_revisions_t = Table(
    "article_revisions",
    _metadata,
    Column("article_id", Text, primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("title", Text),
    Column("author", Text),
    Column("published", Text),
    Column("updated", Text),
    Column("fetched_at", Text, nullable=False),
    Column("content_hash", Text),
    Column("words", Integer),
)
feeds_t = Table(
    "feeds",
    _metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("failures", Integer, nullable=False, server_default=text("0")),
    Column("next_poll", Text),
    Column("last_status", Text),
    Column("checked_at", Text),
    Column("kind", Text),
    Column("found_on", Text),
    Column("last_new", Text),
    Column("pages_tried", Integer),  # migration 15: its last poll with new entries
    Column("pages_failed", Integer),
    Column("page_error", Text),
)
#: migration 16: settings every process working on the store reads (the brief word budget)
store_settings_t = Table(
    "store_settings",
    _metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
#: migration 15: a pause a site asked for (429, 503 with Retry-After), kept across runs
site_pauses_t = Table(
    "site_pauses",
    _metadata,
    Column("origin", Text, primary_key=True),
    Column("until", Text, nullable=False),
)
followed_entries_t = Table(
    "followed_entries",
    _metadata,
    Column("url", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("article_id", Text),
    Column("seen_at", Text, nullable=False),
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
article_analyses_t = Table(
    "article_analyses",
    _metadata,
    Column("article_id", Text, primary_key=True),
    Column("version", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created", Text, nullable=False),
)
story_briefs_t = Table(
    "story_briefs",
    _metadata,
    Column("story_id", Text, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("created", Text, nullable=False),
    Column("articles", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("brief", Text, nullable=False),
)
#: migration 12: what each stored brief added over the version before it
#: (``brief_diff.change_counts`` as JSON); no row for a version stored before
brief_changes_t = Table(
    "brief_changes",
    _metadata,
    Column("story_id", Text, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("changes", Text, nullable=False),
)
#: kept by triggers (migration 7): a stamp per story that moves whenever the story changes
story_changes_t = Table(
    "story_changes",
    _metadata,
    Column("story_id", Text, primary_key=True),
    Column("seq", Integer, nullable=False),
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
#: articles revised after they were grouped (migration 9): the latest revision, the one the
#: grouper grouped (``base``) and the last one a run found not mostly new yet (``checked``)
regroup_pending_t = Table(
    "regroup_pending",
    _metadata,
    Column("article_id", Text, primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("base", Integer, nullable=False),
    Column("checked", Integer, nullable=False, server_default=text("0")),
)
schema_version_t = Table(
    "schema_version",
    _metadata,
    Column("version", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("applied_at", Text, nullable=False),
)
outlets_t = Table(
    "outlets",
    _metadata,
    Column("domain", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("lean", Text),
    Column("country", Text),
    Column("owner", Text),
    Column("updated_at", Text, nullable=False),
)

_ARTICLE_FIELDS = (
    "id", "text", "title", "outlet", "published", "updated", "url", "path", "label", "author",
    "language",
)
_ARTICLE_COLS = tuple(articles_t.c[name] for name in _ARTICLE_FIELDS)


def without_nul(article: Article) -> Article:
    """The article without NUL characters (U+0000): PostgreSQL's text cannot hold one and
    SQLite's can, so one escaped "\\u0000" in an export stopped a PostgreSQL ingest while
    SQLite kept it; dropped on both stores alike (a NUL shows nothing to a reader). An id
    keeps its place with U+FFFD, so two ids that differ only there stay two. Its title,
    outlet, author and label are cut to a record's limits (``within_limits``)."""
    changed = {name: value.replace("\x00", "\ufffd" if name == "id" else "")
               for name in _ARTICLE_FIELDS
               if isinstance(value := getattr(article, name), str) and "\x00" in value}
    return within_limits(replace(article, **changed) if changed else article)


def within_limits(article: Article) -> Article:
    """The article with a title, outlet, author or label over the limit an article record
    has cut to it (ending in "…"): a page's 1,259-character <title> was stored whole, and
    the store's export was then refused by ``ingest``."""
    from newsweave.validate import CUT_FIELDS, cut_to_limit

    changed = {name: cut_to_limit(value, name) for name in CUT_FIELDS
               if isinstance(value := getattr(article, name), str)
               and cut_to_limit(value, name) != value}
    return replace(article, **changed) if changed else article


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
class BriefVersion:
    """One stored brief of a story (``brief`` is the ``newsweave.brief/1`` JSON text; empty
    when only the listing was asked for)."""

    story_id: str
    version: int
    created: str
    articles: tuple[str, ...]
    fingerprint: str
    brief: str = ""
    #: what it added over the version before (``brief_diff.change_counts``); {} for a
    #: story's first brief, None for one stored before the counts were kept
    changes: dict[str, int] | None = None


@dataclass(frozen=True)
class FeedState:
    """A followed feed between rounds: conditional-GET validators and back-off.
    ``next_poll`` is an ISO UTC time before which the feed is not polled (None: due)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    next_poll: str | None = None
    last_status: str | None = None
    checked_at: str | None = None
    #: "RSS feed", "Atom feed", "feed", "news sitemap", "sitemap", "sitemap index" or "site"
    #: (a page whose feed links or robots.txt sitemaps are followed); None until read once
    kind: str | None = None
    found_on: str | None = None  # the site or index it was found on; None: named by the user
    last_new: str | None = None  # when a poll last found a new or changed entry (ISO UTC)
    #: of the entries its last poll with new ones listed: pages tried, pages that failed (or
    #: waited for a site's pause), and the last failure's words
    pages_tried: int | None = None
    pages_failed: int | None = None
    page_error: str | None = None


@dataclass(frozen=True)
class Pending:
    """A revised article waiting to be grouped again (table ``regroup_pending``)."""

    revision: int  # its latest revision
    base: int  # the revision the grouper grouped (kept in ``article_revisions``)
    checked: int  # the last revision a run found not mostly new against ``base`` (0: none)


@dataclass(frozen=True)
class AddResult:
    added: int
    skipped: int  # already stored (same content hash, or an id already used by other text)
    id_conflicts: int = 0  # of ``skipped``: a given id already taken by a different text
    revised: int = 0  # same article URL, new text: the stored article now holds it
    older: int = 0  # of ``skipped``: same article URL, text dated before the stored one
    revised_ids: tuple[str, ...] = ()
    #: of ``skipped``: same article URL, a text that lost most of the stored one's words (a
    #: withdrawal notice, a paywall's, a broken page): the stored text stays (``lost_most``)
    shrunk: int = 0
    #: of ``skipped``: a stored text under its URL with a corrected headline, dated later
    retitled: int = 0

    def __add__(self, other: AddResult) -> AddResult:
        return AddResult(
            self.added + other.added,
            self.skipped + other.skipped,
            self.id_conflicts + other.id_conflicts,
            self.revised + other.revised,
            self.older + other.older,
            self.revised_ids + other.revised_ids,
            self.shrunk + other.shrunk,
            self.retitled + other.retitled,
        )


class OutletImport(NamedTuple):
    """What ``Store.import_outlets`` did: rows added, rows changed, rows already as given,
    rows removed (``replace``)."""

    added: int
    updated: int
    unchanged: int = 0
    removed: int = 0


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
    """The URL without its password, for error messages: the one before the host and the
    one libpq takes as ``?password=``."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # a port that is no number
        shown = re.sub(r"//([^:/@]*):[^@/]*@", r"//\1:***@", url)
    shown = shown.replace("postgresql+psycopg://", "postgresql://", 1)  # as the user wrote it
    return re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", shown)


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
    """The words of a user's search box: every one must match, and no FTS5 or tsquery
    syntax can leak through. Both back ends stem English and keep common words (PostgreSQL's
    ``newsweave_english``, migration 14); they still differ on accents, which SQLite's FTS5
    drops (README)."""
    return re.findall(r"\w+", query)


def _article(row: Any) -> Article:
    return Article(**{name: row._mapping[name] for name in _ARTICLE_FIELDS})


class _bytewise(FunctionElement):  # noqa: N801 - SQLAlchemy's naming for SQL constructs
    """A text column compared byte by byte, as SQLite compares text: on PostgreSQL
    ``COLLATE "C"``. A database made with an English locale (ICU's, glibc's) sorts
    "2017-03-01T21:30:00-05:00" and "...+00:00" by letters first, ignoring the punctuation,
    so its export and the order grouping reads differed from SQLite's."""

    inherit_cache = True
    name = "bytewise"


@compiles(_bytewise)
def _bytewise_default(element: Any, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_bytewise, "postgresql")
def _bytewise_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'


def _published_order() -> tuple[ColumnElement[Any], ...]:
    return (_bytewise(articles_t.c.published).asc().nulls_last(), articles_t.c.seq)


# --------------------------------------------------------------------------- article URLs
def _rows_by_url(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Canonical URL -> the stored article it names, for the URL-keyed ``rows``. Articles
    stored before ingest keyed URLs have no canonical URL: the latest one with the same URL
    stands in (found through the ``url`` index)."""
    a = articles_t
    keyed = [r for r in rows if r.get("canonical_url")]
    found: dict[str, Any] = {}
    for chunk in _chunks({r["canonical_url"] for r in keyed}, IN_CHUNK):
        # FOR UPDATE (PostgreSQL; SQLite's writers are serial already): two writers revising
        # one article would both number their version after the same one
        stmt = select(a).where(a.c.canonical_url.in_(chunk)).with_for_update()
        for row in conn.execute(stmt):
            found[row.canonical_url] = row
    by_raw = {r["url"]: r["canonical_url"] for r in keyed if r["canonical_url"] not in found}
    for chunk in _chunks(by_raw, IN_CHUNK):
        prefixes = list({u[:URL_INDEXED] for u in chunk})
        stmt = select(a).where(_url_prefix().in_(prefixes)).order_by(a.c.seq).with_for_update()
        for row in conn.execute(stmt):  # (no test of canonical_url in SQL: SQLite would
            if row.canonical_url is None and row.url in by_raw:  # scan its NULLs instead)
                found[by_raw[row.url]] = row  # in arrival order: the latest wins
    return found


#: characters of ``articles.url`` the index of migration 8 holds
URL_INDEXED = 200


def _url_prefix() -> ColumnElement[Any]:
    """``substr(url, 1, 200)`` written as the index is (literal bounds: SQLite uses an index
    on an expression only where the query repeats it exactly)."""
    return func.substr(articles_t.c.url, literal_column("1"), literal_column(str(URL_INDEXED)))


def _place_by_url(
    conn: Connection, row: dict[str, Any], old: Any, now: str
) -> tuple[str, str] | None:
    """What a new text under a stored article's URL does: ``("revised", id)`` (it is that
    article's new version, or an earlier version dated after the stored one: a correction
    taken back), ``("skipped", id)`` (one of its earlier versions: a rerun of an older
    export), ``("older", id)`` (dated before the stored text, which stays), ``("shrunk",
    id)`` (it lost most of the stored text's words: a withdrawal notice, a paywall, a broken
    page; the stored text stays, as the follower keeps a page's), or None
    (to be stored as an article of its own: no stored article has its URL, or the record
    gives an id of its own that is not the stored article's, as a dataset that files several
    reports under one page does; it then has no canonical URL)."""
    if old is None:
        return None
    new_stamp, stored_stamp = row.get("updated") or row.get("published"), (
        old.updated or old.published)
    if _is_earlier_version(conn, old.id, row["content_hash"]):
        if not dated_before(stored_stamp, new_stamp):
            return "skipped", old.id
        # an earlier text dated after the stored one: the outlet took a correction back
        # (a rerun of an older export carries its own, older stamp)
    elif not version_of(old.id, old.title, old.text, row["id"], row["content_hash"],
                        row.get("title"), row["text"]):
        row["canonical_url"] = None
        return None
    if older_text(row.get("published"), row.get("updated"), old.published, old.updated):
        return "older", old.id
    if lost_most(old.text, row["text"]):  # a withdrawal notice, a paywall, a broken page
        return "shrunk", old.id
    _revise(conn, old, row, row["content_hash"], now, text_from=None,
            canonical_url=row["canonical_url"])
    return "revised", old.id


def _same_article_url(a: str | None, b: str | None) -> bool:
    key = article_key(a)
    return key is not None and key == article_key(b)


def _is_earlier_version(conn: Connection, article_id: str, digest: str) -> bool:
    r = article_revisions_t
    mine = r.c.article_id == article_id
    if conn.execute(select(r.c.revision).where(mine, r.c.content_hash == digest)).first():
        return True
    legacy = conn.scalars(select(r.c.text).where(mine, r.c.content_hash.is_(None)))
    return any(content_hash(t) == digest for t in legacy)  # kept before migration 8


def _revise(
    conn: Connection, old: Any, row: Mapping[str, Any], digest: str, now: str,
    text_from: str | None, canonical_url: str | None = None,
) -> None:
    """Make ``row``'s text the stored article ``old``'s latest version: the old one goes to
    ``article_revisions``, the id and first publication date stay, the stored analysis (of
    the old text) goes, and the stories holding it are touched so their briefs are
    rebuilt."""
    a = articles_t
    conn.execute(
        article_revisions_t.insert().values(
            article_id=old.id, revision=old.revisions, text=old.text,
            title=old.title, author=old.author, published=old.published,
            updated=old.updated, fetched_at=old.ingested_at, content_hash=old.content_hash,
            words=len(old.text.split()),
        )
    )
    conn.execute(
        a.update().where(a.c.id == old.id).values(
            text=row["text"], content_hash=digest,
            title=row.get("title") or old.title, author=row.get("author") or old.author,
            published=old.published or row.get("published"),
            updated=_version_stamp(old, row),
            language=row.get("language") or old.language,
            revisions=old.revisions + 1, ingested_at=now, text_from=text_from,
            canonical_url=old.canonical_url or canonical_url,
        )
    )
    conn.execute(article_analyses_t.delete().where(article_analyses_t.c.article_id == old.id))
    member_of = select(story_articles_t.c.story_id).where(
        story_articles_t.c.article_id == old.id)
    touched = conn.execute(
        stories_t.update().where(stories_t.c.id.in_(member_of)).values(updated_at=now))
    if touched.rowcount:  # grouped already: the next grouping run compares the texts
        rp = regroup_pending_t
        waiting = conn.execute(
            rp.update().where(rp.c.article_id == old.id).values(revision=old.revisions + 1))
        if not waiting.rowcount:  # the grouper grouped the text superseded now
            conn.execute(rp.insert().values(article_id=old.id, revision=old.revisions + 1,
                                            base=old.revisions, checked=0))


def _version_stamp(old: Any, row: Mapping[str, Any]) -> str | None:
    """The update stamp a new version is stored with: its own, else its publication date
    where that differs from the article's first (an export that dates a correction only by
    ``published``: kept as the version's date, so a version dated between the two is seen to
    be older and skipped, not taken for the latest), else the stored one."""
    if row.get("updated"):
        return row["updated"]
    published = row.get("published")
    if published and old.published and published != old.published:
        return published
    return old.updated


def _retitle_stored(conn: Connection, rows: Sequence[Mapping[str, Any]], now: str) -> int:
    """Records whose text is stored already, under their own URL, with another headline
    and dated after the stored one: the outlet corrected the headline (as the follower finds
    a page retitled): the title and stamp are stored (``_retitle``); how many. An undated
    record, or an older one (a rerun of an earlier export), changes nothing. One query per
    chunk, and only for records that could be such a correction (a URL, a title, a date)."""
    wanted = {r["content_hash"]: r for r in rows
              if (r.get("updated") or r.get("published")) and (r.get("title") or "").strip()
              and article_key(r.get("url")) is not None}
    done = 0
    for chunk in _chunks(list(wanted), IN_CHUNK):
        for old in conn.execute(select(articles_t).where(
                articles_t.c.content_hash.in_(chunk))).all():
            row = wanted[old.content_hash]
            title = row["title"].strip()
            if (old.canonical_url != article_key(row.get("url")) or not old.title
                    or old.title == title or not dated_before(
                        old.updated or old.published, row.get("updated") or row.get("published"))):
                continue
            _retitle(conn, old, title, _version_stamp(old, row), now)
            done += 1
    return done


#: Appended to a stored brief's fingerprint when a member's title was corrected: it then
#: matches no fingerprint a weave computes, so the story reads as stale and is re-woven.
RETITLED_MARK = "~retitled"


def _retitle(conn: Connection, old: Any, title: str, updated: str | None, now: str) -> None:
    """A corrected headline over the same text: no new version of the text (its
    ``ingested_at``, when the current text was stored, stays), but the stored title and
    update stamp change, and the stories holding the article are touched and queued in
    ``regroup_pending`` as a revision is, so the next grouping run chooses their headline
    again; their latest briefs are marked stale (the fingerprint, of texts and headline,
    does not see a member's title), so the next update re-weaves them with the new title."""
    a, t = articles_t, story_briefs_t
    conn.execute(a.update().where(a.c.id == old.id).values(
        title=title, updated=updated or old.updated))
    member_of = select(story_articles_t.c.story_id).where(
        story_articles_t.c.article_id == old.id)
    touched = conn.execute(
        stories_t.update().where(stories_t.c.id.in_(member_of)).values(updated_at=now))
    if not touched.rowcount:
        return
    latest = (select(t.c.story_id, func.max(t.c.version).label("v"))
              .where(t.c.story_id.in_(member_of)).group_by(t.c.story_id))
    for story_id, version in conn.execute(latest).all():
        conn.execute(t.update().where(t.c.story_id == story_id, t.c.version == version)
                     .values(fingerprint=t.c.fingerprint + RETITLED_MARK))
    rp = regroup_pending_t
    waiting = conn.execute(
        rp.update().where(rp.c.article_id == old.id).values(checked=0))  # taken up again
    if not waiting.rowcount:  # same text: the grouper finds nothing new in it
        conn.execute(rp.insert().values(article_id=old.id, revision=old.revisions,
                                        base=old.revisions, checked=0))


# --------------------------------------------------------------------------- engine set-up
def _sqlite_events(engine: Engine, read_only: bool = False) -> None:
    """WAL (readers never block the writer), foreign keys, a busy timeout, and explicit
    BEGIN: IMMEDIATE for writes, so two writers queue instead of failing on lock upgrade.
    A read-only connection leaves the journal mode alone (setting it is a write)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if not read_only:
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
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is no number
        why = ": the port is not a number" if isinstance(exc, ValueError) else ""
        raise InputError(f"bad database URL {_safe(url)!r}{why}") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            path = Path(database)
            if path.is_dir():
                raise InputError("is a directory, not a database file", database)
            if path.exists() and not path.is_file():
                raise InputError("not a regular file (a device, FIFO or socket), not a database",
                                 database)
            if not create and not path.is_file():
                raise InputError("no such database (`newsweave ingest`, `follow` or `outlets "
                                 "import` starts one)", database)
            if not create and path.stat().st_size == 0:
                raise InputError("empty file (0 bytes), not a newsweave store (run `newsweave "
                                 "ingest` to start one)", database)
            if not path.parent.is_dir():
                raise InputError("not a folder" if path.parent.exists()
                                 else "folder does not exist", path.parent)
    elif parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    else:
        raise InputError(f"unsupported database {parsed.get_backend_name()!r}")
    try:
        with warnings.catch_warnings():  # an ignored URL option is an error, not two lines
            warnings.simplefilter("error", SAWarning)
            engine = create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError, SAWarning) as exc:
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
        #: the store as messages name it (no password)
        self.shown = shown
        #: True when the SQLite file could only be opened for reading (see _open_read_only)
        self.read_only = False
        self._tokenizer: str | None = None  # see _fts_tokenizer ("": none to be read)
        self.engine = _make_engine(self.url, create)
        self.dialect = self.engine.dialect.name
        try:
            with self.engine.connect() as conn:
                version = _schema_version(conn)
            if version == 0 and not create and self.dialect == "postgresql":
                # a reading command pointed at another database (".../postgres") made sixteen
                # tables there; SQLite says the same of a file that does not exist
                raise InputError("no newsweave store in this database (run `newsweave ingest` "
                                 "first)", shown)
            if version != LATEST:  # only then take the write lock (readers never wait)
                with self._write() as conn:
                    version = _migrate(conn, self.dialect)
            self.schema_version = version
        except InputError as exc:
            self.engine.dispose()
            if exc.path is None and type(exc) is InputError:
                raise InputError(exc.message, shown) from None
            raise
        except (SQLAlchemyError, OSError) as exc:
            self.engine.dispose()
            if not self._open_read_only(exc):
                raise InputError(f"cannot open database {shown}: {_one_line(exc)}") from None

    def _open_read_only(self, failure: BaseException) -> bool:
        """Reopen a SQLite store that could not be opened for writing (a read-only file or
        folder) for reading only, so listing and serving still work; False if that is not
        the case or does not help. A read-only folder cannot hold the -wal/-shm files WAL
        needs, so the file is then read as immutable, which is safe only with no pending WAL
        (a non-empty -wal file means a writer may be active: that is refused)."""
        if self.dialect != "sqlite":
            return False
        path = Path(make_url(self.url).database or "")
        if not path.name or not path.is_file():
            return False
        folder_writable = os.access(path.parent, os.W_OK)
        if ("readonly" not in _one_line(failure).replace("-", "")
                and folder_writable and os.access(path, os.W_OK)):
            return False
        wal = Path(f"{path}-wal")
        pending_wal = wal.exists() and wal.stat().st_size > 0
        if not folder_writable and pending_wal:
            return False
        mode = "mode=ro" if folder_writable else "immutable=1"
        ro_url = f"sqlite:///file:{quote(str(path.resolve()))}?{mode}&uri=true"
        engine = create_engine(ro_url)
        _sqlite_events(engine, read_only=True)
        try:
            with engine.connect() as conn:
                version = _schema_version(conn)
        except SQLAlchemyError:
            engine.dispose()
            return False
        if version == 0:
            engine.dispose()
            raise InputError("read-only, and not a newsweave store: cannot start one here",
                             self.shown)
        if version != LATEST:
            engine.dispose()
            what = "newer than this newsweave knows" if version > LATEST else "older"
            raise InputError(f"read-only store at schema version {version} ({what}; this "
                             f"newsweave uses {LATEST}): it cannot be migrated", self.shown)
        self.engine, self.read_only, self.schema_version = engine, True, version
        return True

    def require_writable(self) -> None:
        """Fail before any work, naming the store, when the store cannot be written (a
        read-only file, folder or file system; a read-only PostgreSQL server), so a writing
        command never reads and parses its input only to fail at the first commit. The
        probe is a real write (SQLite: the header's user_version set to itself), rolled back;
        on PostgreSQL the server's read-only setting and the role's table privileges."""
        hint = ": writing commands need write access to the file and its folder"
        if self.read_only:
            raise InputError(f"store is read-only{hint}", self.shown)
        try:
            if self.dialect == "sqlite":
                with self._write() as conn:
                    current = int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
                    conn.exec_driver_sql(f"PRAGMA user_version = {current}")
                    conn.rollback()
            else:
                with self.engine.connect() as conn:
                    if conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on":
                        raise InputError("store is read-only (transaction_read_only is on)",
                                         self.shown)
                    # a role granted only SELECT: said now, not at the first commit after
                    # all the input was read
                    denied = list(conn.execute(text(
                        "SELECT t FROM unnest(CAST(:tables AS text[])) AS t WHERE NOT ("
                        "has_table_privilege(t, 'INSERT') AND has_table_privilege(t, 'UPDATE')"
                        " AND has_table_privilege(t, 'DELETE'))"),
                        {"tables": [t.name for t in _metadata.sorted_tables]}).scalars())
                    if denied:
                        raise InputError(f"store is read-only for this role (no INSERT, UPDATE "
                                         f"or DELETE on {', '.join(denied[:3])}"
                                         f"{', ...' if len(denied) > 3 else ''})", self.shown)
        except SQLAlchemyError as exc:
            raise InputError(f"cannot write to the store ({_one_line(exc)}){hint}",
                             self.shown) from None

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
            text("articles.tsv @@ plainto_tsquery('newsweave_english', :fq)").bindparams(
                fq=" ".join(terms))
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
            tsq = "plainto_tsquery('newsweave_english', :fq)"
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
        seen_ids: dict[str, str | None] = {}  # given id -> the URL of its first record
        dup_in_batch = conflicts = 0
        for art in map(without_nul, batch):
            digest = content_hash(art.text)
            if digest in rows:
                dup_in_batch += 1
                continue
            if art.id in seen_ids and not _same_article_url(seen_ids[art.id], art.url):
                dup_in_batch += 1
                conflicts += 1
                continue
            seen_ids.setdefault(art.id, art.url)  # the same id and URL again: a new version
            row = {name: getattr(art, name) for name in _ARTICLE_FIELDS}
            row.update(content_hash=digest, ingested_at=now)
            rows[digest] = row
        with self._write() as conn:
            stored_hashes = set(
                conn.scalars(
                    select(articles_t.c.content_hash).where(articles_t.c.content_hash.in_(rows))
                )
            )
            retitled = _retitle_stored(conn, [rows[h] for h in stored_hashes], now)
            fresh = [r for h, r in rows.items() if h not in stored_hashes]
            for r in fresh:
                r["canonical_url"] = article_key(r["url"])
            # an article URL already stored: the new text revises that article. A record
            # repeating a URL that an earlier record of this batch stored or revised waits
            # until then, and is placed against the stored row as it is by that time.
            known = _rows_by_url(conn, [r for r in fresh if r["canonical_url"]])
            new: list[dict[str, Any]] = []
            later: list[dict[str, Any]] = []
            outcomes: list[tuple[str, str]] = []
            touched: set[str] = set()
            for r in fresh:
                key = r["canonical_url"]
                if key is not None and key in touched:
                    later.append(r)
                    continue
                outcome = _place_by_url(conn, r, known.get(key) if key else None, now)
                if outcome is None:
                    new.append(r)
                else:
                    outcomes.append(outcome)
                if key is not None and (outcome is not None or r["canonical_url"] is not None):
                    touched.add(key)
            taken_ids = set(
                conn.scalars(
                    select(articles_t.c.id).where(articles_t.c.id.in_([r["id"] for r in new]))
                )
            )
            conflicts += sum(1 for r in new if r["id"] in taken_ids)
            new = [r for r in new if r["id"] not in taken_ids]
            added = 0
            if new:
                stmt = (
                    self._insert(articles_t).on_conflict_do_nothing().returning(articles_t.c.id)
                )
                added = len(conn.execute(stmt, new).all())
            for r in later:
                old = _rows_by_url(conn, [r]).get(r["canonical_url"])
                outcome = _place_by_url(conn, r, old, now)
                if outcome is not None:
                    outcomes.append(outcome)
                elif conn.execute(select(articles_t.c.id).where(
                        articles_t.c.id == r["id"])).first() is not None:
                    conflicts += 1
                else:
                    stmt = (self._insert(articles_t).values(**r).on_conflict_do_nothing()
                            .returning(articles_t.c.id))
                    added += len(conn.execute(stmt).all())
        revised_ids = tuple(i for kind, i in outcomes if kind == "revised")
        older = sum(1 for kind, _ in outcomes if kind == "older")
        shrunk = sum(1 for kind, _ in outcomes if kind == "shrunk")
        return AddResult(
            added=added, skipped=len(batch) - added - len(revised_ids), id_conflicts=conflicts,
            revised=len(revised_ids), older=older, revised_ids=revised_ids, shrunk=shrunk,
            retitled=retitled,
        )

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
        self,
        since: str | None = None,
        until: str | None = None,
        languages: Collection[str] | None = None,
    ) -> Iterator[Article]:
        """Stored articles in published-date order, undated last, streamed (memory stays flat).
        ``since``/``until`` are inclusive ISO dates; with either, undated articles are left out.
        ``languages``: only articles in one of them, or of unknown language (files ingested
        from disk are not language-tagged)."""
        stmt = select(*_ARTICLE_COLS)
        if languages is not None:
            lang = articles_t.c.language
            stmt = stmt.where(lang.is_(None) | lang.in_(list(languages)))
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

    # ----------------------------------------------------------------------- analyses
    def get_analyses(self, article_ids: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        """Stored analyses of the given articles: article id -> (version, payload)."""
        t = article_analyses_t
        found: dict[str, tuple[str, bytes]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(dict.fromkeys(article_ids), IN_CHUNK):
                q = select(t.c.article_id, t.c.version, t.c.payload).where(
                    t.c.article_id.in_(chunk))
                found.update((r.article_id, (r.version, bytes(r.payload))) for r in conn.execute(q))
        return found

    def put_analyses(self, payloads: Mapping[str, bytes], version: str) -> None:
        """Store analyses (replacing any older row of the same article) in one transaction;
        an article deleted meanwhile is skipped."""
        if not payloads:
            return
        t = article_analyses_t
        now = _now()
        with self._write() as conn:
            present = set()
            for chunk in _chunks(payloads, IN_CHUNK):
                present.update(conn.scalars(select(articles_t.c.id).where(
                    articles_t.c.id.in_(chunk))))
            rows = [{"article_id": a, "version": version, "payload": p, "created": now}
                    for a, p in payloads.items() if a in present]
            if not rows:
                return
            stmt = self._insert(t)
            stmt = stmt.on_conflict_do_update(
                index_elements=[t.c.article_id],
                set_={"version": stmt.excluded.version, "payload": stmt.excluded.payload,
                      "created": stmt.excluded.created},
            )
            conn.execute(stmt, rows)

    def analysis_versions(self) -> dict[str, int]:
        """How many stored analyses each version has (for reports and tests)."""
        t = article_analyses_t
        with self.engine.connect() as conn:
            q = select(t.c.version, func.count()).group_by(t.c.version)
            return {v: n for v, n in conn.execute(q)}

    # ----------------------------------------------------------------------- brief versions
    def add_brief_version(
        self, story_id: str, articles: Sequence[str], fingerprint: str, brief: str,
        if_changed: bool = False, unless_same: bool = False, read_at: str | None = None,
    ) -> BriefVersion:
        """Store a new brief as the story's next version, in one transaction (a killed run
        leaves either the whole version or none of it), with what it adds over the latest
        one (``brief_diff.change_counts``), counted against the version it really follows
        whichever writer stored that. ``if_changed``: when the latest version already has
        this fingerprint (another writer, e.g. the server's worker beside the follower's
        update, wove the same story meanwhile), store nothing and return that version
        (without its text), checked inside the same transaction. ``unless_same``: the same
        when the latest version holds this very brief over the same articles (a forced
        re-weave that changed nothing: "nothing a reader sees changed" was stored again).
        ``read_at``: when the weave read its articles (``_now``'s form): the version is
        stamped then, not when it is stored, so a text stored while it was woven is the next
        version's revision (never after the latest stored version's stamp)."""
        t = story_briefs_t
        created = _now()
        with self._write() as conn:
            if self.dialect == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": story_id})
            last = conn.execute(
                _with_changes(select(t.c.version, t.c.created, t.c.articles, t.c.fingerprint))
                .where(t.c.story_id == story_id).order_by(t.c.version.desc()).limit(1)
            ).first()
            same = unless_same and last is not None and _parse_list(last.articles) == tuple(
                articles) and conn.execute(select(t.c.brief).where(
                    t.c.story_id == story_id, t.c.version == last.version)).scalar() == brief
            if same and last.fingerprint != fingerprint:  # the same brief from newer inputs:
                conn.execute(t.update().where(  # current now, so it is not woven again
                    t.c.story_id == story_id, t.c.version == last.version
                ).values(fingerprint=fingerprint))
            if last is not None and (same or (if_changed and last.fingerprint == fingerprint)):
                return BriefVersion(story_id, last.version, last.created,
                                    _parse_list(last.articles),
                                    fingerprint if same else last.fingerprint,
                                    changes=load_counts(last.changes))
            if read_at is not None and read_at < created:
                created = max(read_at, last.created) if last is not None else read_at
            counts = {} if last is None else self._counts_since(
                conn, story_id, last, brief, articles, created)
            version = 1 if last is None else last.version + 1
            conn.execute(t.insert().values(
                story_id=story_id, version=version, created=created,
                articles=_json_list(articles), fingerprint=fingerprint, brief=brief))
            conn.execute(brief_changes_t.insert().values(
                story_id=story_id, version=version, changes=dump_counts(counts)))
        return BriefVersion(story_id, version, created, tuple(articles), fingerprint, brief,
                            counts)

    def fill_latest_changes(self, limit: int = 500) -> int:
        """Count what the latest brief of each story added where no count is stored (a
        version stored before migration 12), at most ``limit`` stories, each in its own
        short transaction; returns how many were counted. Each row stamps its story, so the
        list shows it. Run by every update: a store upgraded with thousands of stories is
        filled over a few updates, then this costs one read."""
        t, c = story_briefs_t, brief_changes_t
        latest = (select(t.c.story_id, func.max(t.c.version).label("v"))
                  .group_by(t.c.story_id).subquery())
        missing = (select(latest.c.story_id, latest.c.v)
                   .select_from(latest.outerjoin(c, (c.c.story_id == latest.c.story_id)
                                                 & (c.c.version == latest.c.v)))
                   .where(c.c.story_id.is_(None)).order_by(latest.c.story_id).limit(limit))
        with self.engine.connect() as conn:
            todo = conn.execute(missing).all()
        done = 0
        for story_id, version in todo:
            with self._write() as conn:
                rows = {r.version: r for r in conn.execute(
                    select(t.c.version, t.c.created, t.c.articles, t.c.brief)
                    .where(t.c.story_id == story_id, t.c.version.in_([version - 1, version])))}
                new = rows.get(version)
                if new is None:
                    continue
                counts: dict[str, int] | None = {}
                if version > 1:
                    last = rows.get(version - 1)
                    counts = None if last is None else self._counts_since(
                        conn, story_id, last, new.brief, _parse_list(new.articles),
                        new.created, last.brief)
                if counts is None:  # the version before is gone: nothing to count against
                    continue
                conn.execute(self._insert(c).values(
                    story_id=story_id, version=version, changes=dump_counts(counts)
                ).on_conflict_do_nothing())
                done += 1
        return done

    def _counts_since(self, conn: Connection, story_id: str, last: Any, brief: str,
                      articles: Sequence[str], created: str, old_text: str | None = None
                      ) -> dict[str, int]:
        """What ``brief`` adds over the story's stored version ``last`` (read inside the
        storing transaction; its text read here unless given), counted as
        ``app.brief_changes`` lists it."""
        t = story_briefs_t
        if old_text is None:
            old_text = conn.execute(select(t.c.brief).where(
                t.c.story_id == story_id, t.c.version == last.version)).scalar()
        old, new = parse_brief(old_text), parse_brief(brief)
        changes = diff_briefs(old, new)
        before = set(_parse_list(last.articles))
        revised = _revised_between(conn, [i for i in articles if i in before], last.created,
                                   created)
        changes["revised_sources"] = revised_sources(changes, new, revised)
        return change_counts(changes)

    def brief_versions(self, story_id: str, articles: bool = True, after: int = 0,
                       changes: bool = True) -> list[BriefVersion]:
        """A story's stored versions after version ``after``, oldest first, without their
        brief text, and without their article lists unless ``articles`` (a story followed
        for a month has thousands of versions, each listing its hundreds of articles), nor
        what each added unless ``changes`` (``brief_change_counts`` reads it for a few)."""
        t = story_briefs_t
        listed = t.c.articles if articles else literal_column("'[]'").label("articles")
        q = select(t.c.story_id, t.c.version, t.c.created, listed, t.c.fingerprint)
        q = (_with_changes(q) if changes else q.add_columns(literal_column("NULL").label(
            "changes"))).where(t.c.story_id == story_id, t.c.version > after)
        counts = _counts_reader()
        with self.engine.connect() as conn:
            return [BriefVersion(r.story_id, r.version, r.created, _parse_list(r.articles),
                                 r.fingerprint, changes=counts(r.changes))
                    for r in conn.execute(q.order_by(t.c.version))]

    def brief_change_counts(self, story_id: str, versions: Iterable[int]
                            ) -> dict[int, dict[str, int] | None]:
        """Version -> what it added (``BriefVersion.changes``) for each of ``versions``
        (None where no counts are stored: a version stored before migration 12, or none):
        the few a page lists, without joining the counts of thousands."""
        c = brief_changes_t
        wanted = sorted(set(versions))
        out: dict[int, dict[str, int] | None] = dict.fromkeys(wanted)
        if not wanted:
            return {}
        q = select(c.c.version, c.c.changes).where(c.c.story_id == story_id,
                                                   c.c.version.in_(wanted))
        with self.engine.connect() as conn:
            out.update((r.version, load_counts(r.changes)) for r in conn.execute(q))
        return out

    def recent_brief_versions(self, limit: int, story_id: str | None = None,
                              story_ids: Collection[str] | None = None) -> list[BriefVersion]:
        """The latest ``limit`` stored briefs, newest first, of every story, of one, or of
        those of ``story_ids`` (at most ``IN_CHUNK``): what changed lately, for the feeds of
        updates (no brief text, no article lists, no counts: a feed's 304 reads only these
        rows)."""
        t = story_briefs_t
        q = select(t.c.story_id, t.c.version, t.c.created, t.c.fingerprint)
        if story_id is not None:
            q = q.where(t.c.story_id == story_id)
        if story_ids is not None:
            if not story_ids:
                return []
            if len(story_ids) > IN_CHUNK:
                raise ValueError(f"at most {IN_CHUNK} stories at once")
            q = q.where(t.c.story_id.in_(sorted(story_ids)))
        q = q.order_by(t.c.created.desc(), t.c.story_id, t.c.version.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [BriefVersion(r.story_id, r.version, r.created, (), r.fingerprint)
                    for r in conn.execute(q)]

    def latest_briefs(self, story_ids: Collection[str] | None = None
                      ) -> dict[str, BriefVersion]:
        """Story id -> its latest stored brief's ``version``, ``created`` and ``changes``
        (no text, no article list), for every story with one (or those of ``story_ids``):
        what the list of stories says was last updated, in one read."""
        t = story_briefs_t
        latest = select(t.c.story_id, func.max(t.c.version)).group_by(t.c.story_id)
        counts = _counts_reader()
        out: dict[str, BriefVersion] = {}
        with self.engine.connect() as conn:
            chunks = [None] if story_ids is None else _chunks(sorted(story_ids), IN_CHUNK)
            for chunk in chunks:
                wanted = latest if chunk is None else latest.where(t.c.story_id.in_(chunk))
                q = _with_changes(select(t.c.story_id, t.c.version, t.c.created,
                                         t.c.fingerprint)
                                  ).where(tuple_(t.c.story_id, t.c.version).in_(wanted))
                for sid, version, created, fp, changes in conn.execute(q):
                    out[sid] = BriefVersion(sid, version, created, (), fp,
                                            changes=counts(changes))
        return out

    def brief_article_counts(self, story_id: str, versions: Iterable[int]) -> dict[int, int]:
        """Version -> how many articles it was woven from, for those of ``versions`` stored:
        the few a page lists, without reading the others' lists."""
        t = story_briefs_t
        wanted = sorted(set(versions))
        if not wanted:
            return {}
        q = select(t.c.version, t.c.articles).where(t.c.story_id == story_id,
                                                    t.c.version.in_(wanted))
        with self.engine.connect() as conn:
            return {r.version: len(_parse_list(r.articles)) for r in conn.execute(q)}

    def get_brief_version(self, story_id: str, version: int | None = None) -> BriefVersion | None:
        """One stored version (None: the latest) with its brief text; None when absent."""
        t = story_briefs_t
        q = _with_changes(select(t)).where(t.c.story_id == story_id)
        q = q.where(t.c.version == version) if version is not None else q
        q = q.order_by(t.c.version.desc()).limit(1)
        with self.engine.connect() as conn:
            r = conn.execute(q).first()
        if r is None:
            return None
        return BriefVersion(r.story_id, r.version, r.created, _parse_list(r.articles),
                            r.fingerprint, r.brief, load_counts(r.changes))

    def brief_outlines(self, story_id: str) -> dict[int, tuple[str, int]]:
        """Version -> (headline, number of sources) of a story's stored briefs, read by the
        database's own JSON functions: a history of thousands of versions lists them
        without sending and parsing every brief (half a gigabyte for 3,000 versions of a
        real story). Empty when a stored brief is no JSON the database reads (a damaged
        row): the caller then reads each brief itself."""
        t = story_briefs_t
        if self.dialect == "sqlite":
            headline = func.json_extract(t.c.brief, "$.story.headline")
            sources = func.json_array_length(t.c.brief, "$.sources")
        else:
            doc = cast(t.c.brief, JSON)
            headline = func.json_extract_path_text(doc, "story", "headline")
            sources = func.json_array_length(func.json_extract_path(doc, "sources"))
        q = select(t.c.version, headline.label("headline"), sources.label("sources")).where(
            t.c.story_id == story_id)
        try:
            with self.engine.connect() as conn:
                return {r.version: (r.headline if isinstance(r.headline, str) else "",
                                    int(r.sources or 0)) for r in conn.execute(q)}
        except SQLAlchemyError:
            return {}

    def latest_brief_info(self, story_id: str) -> BriefVersion | None:
        """The latest stored version of a story without its brief text (None: none)."""
        t = story_briefs_t
        q = (select(t.c.story_id, t.c.version, t.c.created, t.c.articles, t.c.fingerprint)
             .where(t.c.story_id == story_id).order_by(t.c.version.desc()).limit(1))
        with self.engine.connect() as conn:
            r = conn.execute(q).first()
        if r is None:
            return None
        return BriefVersion(r.story_id, r.version, r.created, _parse_list(r.articles),
                            r.fingerprint)

    def successor_story(self, story_id: str) -> str | None:
        """Where a story that is no longer stored went (merged into another, or its only
        article grouped again after a revision): the story now holding most of the articles
        its latest brief was woven from (ties: the least id). None when the story is stored,
        never had a brief, or none of those articles is in a story now."""
        if self.get_story(story_id) is not None:
            return None
        info = self.latest_brief_info(story_id)
        if info is None or not info.articles:
            return None
        sa = story_articles_t
        q = (select(sa.c.story_id, func.count()).where(sa.c.article_id.in_(info.articles[:500]))
             .group_by(sa.c.story_id).order_by(func.count().desc(), sa.c.story_id).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return None if row is None else row[0]

    def latest_fingerprints(self) -> dict[str, tuple[int, str]]:
        """Story id -> (latest version, its fingerprint), for every story with a brief."""
        t = story_briefs_t
        latest = (select(t.c.story_id, func.max(t.c.version).label("v"))
                  .group_by(t.c.story_id).subquery())
        q = select(t.c.story_id, t.c.version, t.c.fingerprint).join(
            latest, (latest.c.story_id == t.c.story_id) & (latest.c.v == t.c.version))
        with self.engine.connect() as conn:
            return {r.story_id: (r.version, r.fingerprint) for r in conn.execute(q)}

    def story_headlines(self) -> dict[str, str]:
        """Story id -> headline, for every story."""
        with self.engine.connect() as conn:
            return {i: h for i, h in conn.execute(select(stories_t.c.id, stories_t.c.headline))}

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold the store's ``name`` lock for a long job (``update``), so two such jobs never
        interleave; one already held raises ``StoreBusy`` at once rather than waiting. SQLite:
        an advisory lock on a file beside the database; PostgreSQL: a session advisory lock.
        Either is released when the process dies, so a killed run never leaves it held."""
        if self.dialect == "postgresql":
            key = int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "big") & 0x7FFFFFFF
            with self.engine.connect() as conn:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"),
                                   {"a": PG_MIGRATION_LOCK, "b": key}).scalar()
                conn.commit()
                if not got:
                    raise StoreBusy(f"store is busy: another {name} is running")
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"),
                                 {"a": PG_MIGRATION_LOCK, "b": key})
                    conn.commit()
            return
        database = make_url(self.url).database or ""
        if database in ("", ":memory:"):
            lock = _MEMORY_LOCKS.setdefault((id(self), name), threading.Lock())
            if not lock.acquire(blocking=False):
                raise StoreBusy(f"store is busy: another {name} is running")
            try:
                yield
            finally:
                lock.release()
            return
        import fcntl

        path = f"{database}.{name}.lock"
        try:
            fh = open(path, "a+b")  # noqa: SIM115 - held for the whole job
        except OSError as exc:
            raise InputError(f"cannot create lock file: {exc.strerror}", path) from None
        try:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreBusy(f"store is busy: another {name} is running") from None
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        finally:
            fh.close()

    def story_memberships(self) -> dict[str, list[tuple[str, str | None, str]]]:
        """Story id -> its members as (article id, duplicate_of, content hash), sorted by id:
        what a brief fingerprint is made of, read in one pass (the hash, because a followed
        article's text can be revised under the same id)."""
        sa = story_articles_t
        q = (select(sa.c.story_id, sa.c.article_id, sa.c.duplicate_of, articles_t.c.content_hash)
             .join(articles_t, articles_t.c.id == sa.c.article_id)
             .order_by(sa.c.story_id, sa.c.article_id))
        out: dict[str, list[tuple[str, str | None, str]]] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(q):
                out.setdefault(r.story_id, []).append(
                    (r.article_id, r.duplicate_of, r.content_hash))
        return out

    def id_with_text(self, text: str) -> str | None:
        """The id of the stored article whose current text is ``text`` (up to whitespace and
        Unicode compatibility forms, as deduplication compares), None if none is."""
        q = select(articles_t.c.id).where(articles_t.c.content_hash == content_hash(text))
        with self.engine.connect() as conn:
            return conn.scalars(q.limit(1)).first()

    def content_hashes(self, article_ids: Sequence[str]) -> dict[str, str]:
        """Article id -> the hash of its current text."""
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(dict.fromkeys(article_ids), IN_CHUNK):
                q = select(articles_t.c.id, articles_t.c.content_hash).where(
                    articles_t.c.id.in_(chunk))
                out.update((i, h) for i, h in conn.execute(q))
        return out

    # ----------------------------------------------------------------------- grouper state
    def max_seq(self) -> int:
        """The highest article ``seq`` stored (0 when empty)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(articles_t.c.seq))).scalar() or 0

    def iter_ungrouped(self, after_seq: int = 0, languages: Collection[str] | None = None
                       ) -> Iterator[tuple[int, Article]]:
        """(seq, article) of every article above ``after_seq`` that is in no story yet, in
        published-date order (undated last, then arrival), streamed: the order a one-shot run
        takes, so the earliest report of a copied text is its original. The grouper continues
        from its saved state with these. ``languages``: only articles in one of them, or of
        unknown language."""
        sa = story_articles_t
        stmt = (
            select(articles_t.c.seq, *_ARTICLE_COLS)
            .outerjoin(sa, sa.c.article_id == articles_t.c.id)
            .where(articles_t.c.seq > after_seq, sa.c.article_id.is_(None))
            .order_by(*_published_order())
        )
        if languages is not None:
            lang = articles_t.c.language
            stmt = stmt.where(lang.is_(None) | lang.in_(list(languages)))
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=BATCH_SIZE).execute(stmt)
            for row in result:
                yield row.seq, _article(row)

    def iter_by_seq(self, languages: Collection[str] | None = None
                    ) -> Iterator[tuple[int, Article]]:
        """(seq, article) of every stored article in published-date order (undated last, then
        arrival), streamed (``languages``: only articles in one of them, or of unknown
        language)."""
        stmt = select(articles_t.c.seq, *_ARTICLE_COLS).order_by(*_published_order())
        if languages is not None:
            lang = articles_t.c.language
            stmt = stmt.where(lang.is_(None) | lang.in_(list(languages)))
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

    def pending_regroups(self) -> dict[str, Pending]:
        """Articles revised since they were grouped: id -> its ``Pending`` row."""
        rp = regroup_pending_t
        q = select(rp.c.article_id, rp.c.revision, rp.c.base, rp.c.checked)
        with self.engine.connect() as conn:
            return {r.article_id: Pending(r.revision, r.base, r.checked) for r in conn.execute(q)}

    def revision_texts(self, wanted: Mapping[str, int]) -> dict[str, str]:
        """Article id -> the text of its revision ``wanted[id]`` (a superseded one)."""
        t = article_revisions_t
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(wanted.items()), IN_CHUNK // 2):
                q = select(t.c.article_id, t.c.text).where(
                    tuple_(t.c.article_id, t.c.revision).in_(chunk))
                out.update((aid, body) for aid, body in conn.execute(q))
        return out

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
        regrouped: Mapping[str, int] | None = None,
        checked: Mapping[str, int] | None = None,
    ) -> tuple[SaveResult, set[str]]:
        """Record an incremental grouping run and the grouper state it ends in, in one
        transaction, so a killed run leaves both as they were. ``headline`` maps a story's
        first ``head_limit`` members (seq order) to its headline; it is recomputed for the
        stories whose membership changed or that hold a revised article of ``regrouped`` or
        ``checked`` (every story with ``all_headlines``). ``state`` is
        (format, last_seq, blob) of the core, ``story_states`` story id -> blob of the stories
        it changed, ``gone`` the stories it no longer holds (``replace_all``: drop every saved
        story first); ``generation`` the one loaded (None: none was), checked so that a run
        that started from an older state never overwrites a newer one. ``regrouped``: the
        ``pending_regroups`` rows this run is done with (article id -> revision), ``checked``
        those it found not mostly new yet; a row whose article was revised again meanwhile
        stays as it is for the next run."""
        g = grouper_state_t
        with self._write() as conn:
            current = conn.execute(select(g.c.generation).where(g.c.id == 1)).scalar()
            if current != generation:
                raise StoreBusy(
                    "store is busy: another grouping run saved its stories first (run again)")
            result, touched = self._save_stories(conn, assignments, {}, duplicates)
            wanted = set(assignments.values()) if all_headlines else set(touched)
            # a member's new text or corrected title may change the headline too
            revised = sorted(set(regrouped or {}) | set(checked or {}))
            for chunk in _chunks(revised, IN_CHUNK):
                wanted.update(conn.scalars(select(story_articles_t.c.story_id).where(
                    story_articles_t.c.article_id.in_(chunk))))
            heads = self.head_articles(wanted, head_limit, conn)
            for sid, members in heads.items():
                chosen = headline(members)  # written only where it changed
                conn.execute(stories_t.update().where(stories_t.c.id == sid,
                                                      stories_t.c.headline != chosen)
                             .values(headline=chosen))
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
            rp = regroup_pending_t
            for chunk in _chunks(sorted((regrouped or {}).items()), IN_CHUNK // 2):
                conn.execute(rp.delete().where(tuple_(rp.c.article_id, rp.c.revision)
                                               .in_(chunk)))
            for aid, revision in (checked or {}).items():
                conn.execute(rp.update().where(rp.c.article_id == aid,
                                               rp.c.revision == revision)
                             .values(checked=revision))
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
        Waits up to ``wait`` seconds, then raises ``StoreBusy``."""
        import time

        deadline = time.monotonic() + wait
        if self.dialect == "postgresql":
            with self.engine.connect() as conn:
                while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                       {"k": PG_GROUPING_LOCK}).scalar():
                    conn.commit()
                    if time.monotonic() >= deadline:
                        raise StoreBusy(BUSY_MESSAGE)
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
                        raise StoreBusy(BUSY_MESSAGE) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # ----------------------------------------------------------------------- outlets
    def import_outlets(self, outlets: Sequence[Any], replace: bool = False) -> OutletImport:
        """Upsert outlet rows (``newsweave.outlets.Outlet``) in one transaction; with
        ``replace`` the table holds exactly these afterwards. Rows equal to the stored ones
        are left alone (a re-import of the same file changes nothing, and says so)."""
        fields = ("name", "lean", "country", "owner")
        now = _now()
        rows = {o.domain: {**o.as_dict(), "updated_at": now} for o in outlets}
        with self._write() as conn:
            known = {r.domain: tuple(r[1:]) for r in conn.execute(
                select(outlets_t.c.domain, *(outlets_t.c[f] for f in fields)))}
            gone = [d for d in known if d not in rows] if replace else []
            for chunk in _chunks(gone, IN_CHUNK):
                conn.execute(outlets_t.delete().where(outlets_t.c.domain.in_(chunk)))
            changed = [r for d, r in rows.items()
                       if known.get(d) != tuple(r[f] for f in fields)]
            if changed:
                stmt = self._insert(outlets_t)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[outlets_t.c.domain],
                    set_={c: stmt.excluded[c] for c in (*fields, "updated_at")},
                )
                conn.execute(stmt, changed)
        added = sum(1 for r in changed if r["domain"] not in known)
        return OutletImport(added, len(changed) - added, len(rows) - len(changed), len(gone))

    def list_outlets(self) -> list[Any]:
        """Every outlet row (``newsweave.outlets.Outlet``), by name."""
        from newsweave.outlets import Outlet

        stmt = select(outlets_t.c.domain, outlets_t.c.name, outlets_t.c.lean,
                      outlets_t.c.country, outlets_t.c.owner).order_by(
            func.lower(outlets_t.c.name), outlets_t.c.domain)
        with self.engine.connect() as conn:
            return [Outlet(*row) for row in conn.execute(stmt)]

    def catalog_version(self) -> tuple[Any, ...]:
        """Changes whenever a story's membership, headline or copies change, a brief or its
        counts are stored (any change stamp, ``story_changes``), or the outlet table
        changes: a cheap check (three aggregate reads, the stamps' on an index) for caches
        built over them. Items 2 and 3 are the outlet table's part
        (``CatalogCache.outlets_version``)."""
        with self.engine.connect() as conn:
            stories = conn.execute(select(func.count(), func.max(stories_t.c.updated_at))).one()
            outlets = conn.execute(select(func.count(), func.max(outlets_t.c.updated_at))).one()
            stamp = conn.execute(select(func.max(story_changes_t.c.seq))).scalar()
        return (*stories, *outlets, stamp)

    def story_changes(self, after: int = 0) -> list[tuple[str, int]]:
        """(story id, change stamp) of every story changed since stamp ``after`` (0: all
        ever changed), oldest change first. The stamps are written by triggers in the
        changing transaction itself, whoever the writer; on SQLite they grow in commit order,
        so asking again with the largest stamp seen misses no change."""
        stmt = (select(story_changes_t.c.story_id, story_changes_t.c.seq)
                .where(story_changes_t.c.seq > after).order_by(story_changes_t.c.seq))
        with self.engine.connect() as conn:
            return [(sid, seq) for sid, seq in conn.execute(stmt)]

    def latest_story_change(self) -> int:
        """The largest change stamp so far (0: none)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(story_changes_t.c.seq))).scalar() or 0

    def story_change(self, story_id: str) -> int:
        """A story's change stamp (0: never changed since the stamps were kept): equal
        stamps mean an unchanged story, whoever wrote meanwhile."""
        stmt = select(story_changes_t.c.seq).where(story_changes_t.c.story_id == story_id)
        with self.engine.connect() as conn:
            return conn.execute(stmt).scalar() or 0

    def article_columns(self) -> set[str]:
        """The columns ``articles`` has now (later migrations add some)."""
        with self.engine.connect() as conn:
            return {c["name"] for c in inspect(conn).get_columns("articles")}

    def catalog_rows(self, story_ids: Collection[str] | None = None
                     ) -> tuple[list[Any], list[Any]]:
        """Every story row, and every (story, member) pair with what the story list needs of
        the member (url, outlet, published, duplicate_of, and ``language`` when the column
        exists, else None): two reads, however many stories. ``story_ids``: only those
        stories' (one read transaction, so the two agree)."""
        sa = story_articles_t
        language = (literal_column("articles.language") if "language" in self.article_columns()
                    else literal_column("NULL")).label("language")
        members = (
            select(sa.c.story_id, sa.c.article_id, sa.c.duplicate_of, articles_t.c.url,
                   articles_t.c.outlet, articles_t.c.published, language)
            .join(articles_t, articles_t.c.id == sa.c.article_id)
            .order_by(sa.c.story_id, *_published_order())
        )
        story_rows = select(stories_t)
        if story_ids is None:
            with self.engine.connect() as conn:
                stories = conn.execute(story_rows).all()
                rows = conn.execute(members).all()
            return stories, rows
        stories, rows = [], []
        with self.engine.connect() as conn, conn.begin():
            for chunk in _chunks(sorted(story_ids), IN_CHUNK):
                stories += conn.execute(story_rows.where(stories_t.c.id.in_(chunk))).all()
                rows += conn.execute(members.where(sa.c.story_id.in_(chunk))).all()
        return stories, rows

    def matching_story_ids(self, query: str, within: Collection[str] | None = None
                           ) -> set[str]:
        """Ids of the stories with a member article containing every word of ``query``
        (``within``: only among those stories)."""
        if within is not None and len(within) <= SEEK_WITHIN_MAX:
            return self._matching_within(query, within)
        found = self._stories_query(query).subquery()
        stmt = select(found.c.id)
        with self.engine.connect() as conn:
            if within is None:
                return set(conn.scalars(stmt))
            out: set[str] = set()
            for chunk in _chunks(sorted(within), IN_CHUNK):
                out.update(conn.scalars(stmt.where(found.c.id.in_(chunk))))
            return out

    def matching_story_ids_many(self, queries: Sequence[str], within: Collection[str]
                                ) -> dict[str, set[str]]:
        """``matching_story_ids(q, within)`` for every ``q`` of ``queries`` at once. After a
        write the server asks each search it keeps again for the stories the write changed.
        On SQLite the few member articles of those stories are indexed afresh in a scratch
        in-memory FTS5 table with the store's own tokenizer (their text read once), and every
        query is matched there in one statement: at 10k articles 20 searches cost about 2.5 ms
        this way, against 15 to 25 ms of seeks in the store's index (an FTS5 match there
        walks the whole index entry of each common word, once per query). A document matches
        a query by its own words alone, so the answers are the same."""
        wanted = list(dict.fromkeys(queries))
        if (self.dialect != "sqlite" or not wanted or not within
                or len(within) > SEEK_WITHIN_MAX):
            return {q: self.matching_story_ids(q, within) for q in wanted}
        tokenizer = self._fts_tokenizer()
        sa = story_articles_t
        stmt = (select(sa.c.story_id, articles_t.c.seq, articles_t.c.title, articles_t.c.text)
                .join(articles_t, articles_t.c.id == sa.c.article_id)
                .where(sa.c.story_id.in_(sorted(within)),
                       select(stories_t.c.id).where(stories_t.c.id == sa.c.story_id).exists()))
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        if tokenizer is None or sum(len(r.text or "") + len(r.title or "")
                                    for r in rows) > SCRATCH_MAX_CHARS:
            return {q: self.matching_story_ids(q, within) for q in wanted}
        stories_of: dict[int, set[str]] = {}
        for r in rows:
            stories_of.setdefault(r.seq, set()).add(r.story_id)
        out: dict[str, set[str]] = {q: set() for q in wanted}
        asked = [(q, _fts5_query(terms)) for q in wanted if (terms := search_terms(q))]
        if not rows or not asked:
            return out
        scratch = sqlite3.connect(":memory:")
        try:
            scratch.execute(f"CREATE VIRTUAL TABLE scratch USING fts5(title, text, "
                            f"tokenize={tokenizer})")
            scratch.executemany("INSERT INTO scratch (rowid, title, text) VALUES (?, ?, ?)",
                                {(r.seq, r.title, r.text) for r in rows})
            for start in range(0, len(asked), SCRATCH_QUERIES):
                part = asked[start:start + SCRATCH_QUERIES]
                sql = " UNION ALL ".join(
                    f"SELECT {i}, rowid FROM scratch WHERE scratch MATCH ?"
                    for i in range(len(part)))
                for i, seq in scratch.execute(sql, [fq for _q, fq in part]):
                    out[part[i][0]] |= stories_of[seq]
        finally:
            scratch.close()
        return out

    def _fts_tokenizer(self) -> str | None:
        """The ``tokenize=...`` argument of the store's ``articles_fts`` table as written in
        its schema (a quoted SQL string), None where it cannot be read."""
        if self._tokenizer is None:
            with self.engine.connect() as conn:
                ddl = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").scalar()
            found = re.search(r"tokenize\s*=\s*('(?:[^']|'')*')", ddl or "")
            self._tokenizer = found.group(1) if found else ""
        return self._tokenizer or None

    def _matching_within(self, query: str, within: Collection[str]) -> set[str]:
        """``matching_story_ids`` for a few stories: each of their member articles is looked
        up in the full-text index by its row (a seek), instead of matching the whole index
        and keeping the few hits among those stories. After a write the server re-asks every
        search it answered for the stories the write changed: at 10k articles this costs
        about a millisecond where the whole-index match cost 10 to 20."""
        terms = search_terms(query)
        if not terms:
            return set()
        sa = story_articles_t
        if self.dialect == "sqlite":
            hit: Any = (
                select(literal_column("1")).select_from(table("articles_fts"))
                .where(text("articles_fts MATCH :fq").bindparams(fq=_fts5_query(terms)),
                       literal_column("articles_fts.rowid") == articles_t.c.seq)
                .exists())
        else:
            hit = text("articles.tsv @@ plainto_tsquery('newsweave_english', :fq)").bindparams(
                fq=" ".join(terms))
        stmt = (select(sa.c.story_id).distinct()
                .join(articles_t, articles_t.c.id == sa.c.article_id)
                .where(hit, select(stories_t.c.id).where(stories_t.c.id == sa.c.story_id)
                       .exists()))
        out: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(within), IN_CHUNK):
                out.update(conn.scalars(stmt.where(sa.c.story_id.in_(chunk))))
        return out

    # ----------------------------------------------------------------------- followed web
    def _upsert(self, tbl: Table, row: Mapping[str, Any], key: str) -> Any:
        stmt = self._insert(tbl).values(**row)
        return stmt.on_conflict_do_update(
            index_elements=[tbl.c[key]], set_={k: v for k, v in row.items() if k != key}
        )

    def feed_state(self, url: str) -> FeedState | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(feeds_t).where(feeds_t.c.url == url)).first()
        return FeedState(**row._mapping) if row is not None else None

    def feed_states(self) -> list[FeedState]:
        """Every feed the follower has polled (or is backing off from), by URL."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(feeds_t).order_by(feeds_t.c.url)).all()
        return [FeedState(**row._mapping) for row in rows]

    def save_feed_state(self, state: FeedState) -> None:
        with self._write() as conn:
            conn.execute(self._upsert(feeds_t, asdict(state), "url"))

    def site_pauses(self, now: str) -> dict[str, str]:
        """Origin -> the ISO UTC time until which the site asked for no requests, for the
        pauses not over at ``now`` (those over are dropped)."""
        t = site_pauses_t
        with self._write() as conn:
            conn.execute(t.delete().where(t.c.until <= now))
            return {r.origin: r.until for r in conn.execute(select(t.c.origin, t.c.until))}

    def setting(self, name: str) -> str | None:
        """A setting the store keeps for every process working on it (``store_settings``),
        or None when never set."""
        t = store_settings_t
        with self.engine.connect() as conn:
            return conn.execute(select(t.c.value).where(t.c.name == name)).scalar()

    def set_setting(self, name: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(self._upsert(store_settings_t, {"name": name, "value": value}, "name"))

    def save_site_pause(self, origin: str, until: str) -> None:
        """Keep a site's pause (a later one wins) for the next run of the follower."""
        t = site_pauses_t
        with self._write() as conn:
            old = conn.execute(select(t.c.until).where(t.c.origin == origin)).scalar()
            if old is None or old < until:
                conn.execute(self._upsert(t, {"origin": origin, "until": until}, "origin"))

    def set_page_health(self, url: str, tried: int, failed: int, error: str | None) -> None:
        """How a poll's pages fared (nothing else of the feed's row)."""
        with self._write() as conn:
            conn.execute(feeds_t.update().where(feeds_t.c.url == url).values(
                pages_tried=tried, pages_failed=failed,
                page_error=None if error is None else error[:300]))

    def set_feed_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Store a feed's ETag and Last-Modified (nothing else of its row): once every entry
        of the poll that gave them is handled."""
        with self._write() as conn:
            conn.execute(feeds_t.update().where(feeds_t.c.url == url).values(
                etag=etag, last_modified=last_modified))

    def forget_feed_validators(self, url: str) -> None:
        """Drop a feed's ETag and Last-Modified (nothing else of its row), so its next poll is
        a full fetch: an entry of it is waiting for a later round (a page to retry, a site's
        pause, a sitemap's surplus), and a 304 would leave it waiting until the feed changes."""
        with self._write() as conn:
            conn.execute(feeds_t.update().where(feeds_t.c.url == url).values(
                etag=None, last_modified=None))

    def forget_feeds(self, urls: Iterable[str]) -> list[str]:
        """Drop the feeds ``urls`` and those found on them (a site's feeds, an index's
        sitemaps, and theirs), in one transaction; the URLs dropped, in order. Their entries
        stay remembered: followed again, a feed fetches no page it already stored."""
        with self._write() as conn:
            found_on = {row.url: row.found_on for row in conn.execute(
                select(feeds_t.c.url, feeds_t.c.found_on))}
            gone: list[str] = []
            todo = [u for u in urls if u in found_on]
            while todo:
                url = todo.pop(0)
                if url in gone:
                    continue
                gone.append(url)
                todo.extend(u for u, parent in found_on.items() if parent == url)
            for start in range(0, len(gone), IN_CHUNK):
                chunk = gone[start:start + IN_CHUNK]
                conn.execute(feeds_t.delete().where(feeds_t.c.url.in_(chunk)))
        return gone

    def followed_entry(self, url: str) -> tuple[str, str | None] | None:
        """``(fingerprint, article id)`` recorded for an entry link, or None if never seen."""
        stmt = select(followed_entries_t.c.fingerprint, followed_entries_t.c.article_id).where(
            followed_entries_t.c.url == url
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return (row[0], row[1]) if row is not None else None

    def forget_entries(self, urls: Iterable[str]) -> None:
        """Forget entry links recorded as handled: their pages are fetched again when a feed
        lists them (one stored with what proved to be a site's cookie wall)."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return
        with self._write() as conn:
            for chunk in _chunks(wanted, IN_CHUNK):
                conn.execute(followed_entries_t.delete().where(
                    followed_entries_t.c.url.in_(chunk)))

    def mark_entries(
        self, urls: Iterable[str], fingerprint: str, article_id: str | None = None,
        conn: Connection | None = None,
    ) -> None:
        """Record entry links as handled (their feed entry's fingerprint)."""
        rows = [
            {"url": u, "fingerprint": fingerprint, "article_id": article_id, "seen_at": _now()}
            for u in dict.fromkeys(urls)
        ]
        if not rows:
            return
        if conn is None:
            with self._write() as own:
                for row in rows:
                    own.execute(self._upsert(followed_entries_t, row, "url"))
            return
        for row in rows:
            conn.execute(self._upsert(followed_entries_t, row, "url"))

    def save_followed(
        self,
        article: Article,
        canonical_url: str,
        entry_urls: Sequence[str] = (),
        fingerprint: str = "",
        text_from: str = "page",
    ) -> tuple[str, str]:
        """Store an article fetched from the web, identified by ``canonical_url``, and mark its
        entry links handled, in one transaction (a follower killed at any point re-fetches at
        most this one article, and never stores it twice). Returns ``(outcome, article id)``:
        ``added``; ``revised`` (same URL, other text: the old text is kept in
        ``article_revisions`` and the row holds the latest; stories holding it are touched so
        cached briefs are rebuilt); ``unchanged``; ``shrunk`` (same URL, a text that lost
        most of the stored page text's words: a broken template, a paywall, a page emptied;
        the stored text stays, see ``lost_most``); ``retitled`` (same text under a corrected
        headline: the title and update stamp are stored, ``_retitle``); or ``duplicate`` (its
        text is already stored
        under another article)."""
        a = articles_t
        article = without_nul(article)
        canonical_url = canonical_url.replace("\x00", "")
        digest = content_hash(article.text)
        now = _now()
        with self._write() as conn:
            wanted = {"canonical_url": canonical_url, "url": article.url or canonical_url}
            old = _rows_by_url(conn, [wanted]).get(canonical_url)
            same_text = conn.execute(select(a.c.id).where(a.c.content_hash == digest)).first()
            if old is None:
                taken = conn.execute(select(a.c.id).where(a.c.id == article.id)).first()
                if same_text is not None or taken is not None:
                    other = (same_text or taken)[0]
                    self.mark_entries(entry_urls, fingerprint, other, conn)
                    return "duplicate", other
                row = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
                row.update(content_hash=digest, ingested_at=now, canonical_url=canonical_url,
                           revisions=1, text_from=text_from)
                conn.execute(a.insert().values(**row))
                self.mark_entries(entry_urls, fingerprint, article.id, conn)
                return "added", article.id
            old_id = old.id
            outcome = "unchanged"
            if old.content_hash != digest and same_text is not None:
                outcome = "duplicate"
            elif (old.content_hash != digest and old.text_from == "page"
                  and text_from == "page" and lost_most(old.text, article.text)):
                outcome = "shrunk"
            elif (old.content_hash == digest and article.title
                  and article.title != old.title and text_from == "page"):
                _retitle(conn, old, article.title, article.updated, now)
                outcome = "retitled"
            elif old.content_hash != digest and not (
                text_from == "feed" and old.text_from == "page"
            ):  # a teaser never replaces a page's text
                row = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
                _revise(conn, old, row, digest, now, text_from=text_from,
                        canonical_url=canonical_url)
                outcome = "revised"
            self.mark_entries(entry_urls, fingerprint, old_id, conn)
            return outcome, old_id

    def revised_between(self, article_ids: Sequence[str], after: str, until: str) -> set[str]:
        """The articles among ``article_ids`` that took a new text in (``after``, ``until``]
        (stored timestamps): each version after the first starts when it was stored, which
        is its row's ``ingested_at`` for the latest and ``fetched_at`` for a kept one."""
        with self.engine.connect() as conn:
            return _revised_between(conn, article_ids, after, until)

    def revision_counts(self, article_ids: Sequence[str]) -> dict[str, int]:
        """Article id -> its number of versions, for the articles among ``article_ids`` that
        have more than one."""
        a = articles_t
        out: dict[str, int] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(dict.fromkeys(article_ids), IN_CHUNK):
                out.update(conn.execute(select(a.c.id, a.c.revisions).where(
                    a.c.id.in_(chunk), a.c.revisions > 1)).all())
        return out

    def texts_at(self, article_ids: Sequence[str], when: str) -> dict[str, tuple[str, str | None]]:
        """Article id -> (text, title) of the version it had at ``when`` (a stored
        timestamp), for the articles among ``article_ids`` revised since: what a brief stored
        then was woven from, so its offsets index that text."""
        a, r = articles_t, article_revisions_t
        out: dict[str, tuple[str, str | None]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(dict.fromkeys(article_ids), IN_CHUNK):
                later = conn.scalars(select(a.c.id).where(
                    a.c.id.in_(chunk), a.c.revisions > 1, a.c.ingested_at > when)).all()
                for aid in later:
                    then = conn.execute(
                        select(r.c.text, r.c.title)
                        .where(r.c.article_id == aid, r.c.fetched_at <= when)
                        .order_by(r.c.revision.desc()).limit(1)).first()
                    if then is not None:
                        out[aid] = (then.text, then.title)
        return out

    def article_versions(self, article_id: str, texts: bool = True) -> list[dict[str, Any]]:
        """Every version of an article, oldest first and the current last, each as
        ``version``, ``stored`` (when its text was stored), ``title``, ``author``,
        ``published``, ``updated``, ``words`` and, with ``texts``, ``text``; empty for an
        unknown id.
        Without ``texts`` no superseded text is read (a live page followed for a week has
        hundreds): only those kept before migration 10, which has no word count."""
        a, r = articles_t, article_revisions_t
        cols = (a.c.revisions, a.c.ingested_at, a.c.title, a.c.author, a.c.published,
                a.c.updated, a.c.text)
        body = r.c.text if texts else case((r.c.words.is_(None), r.c.text), else_=None)
        kept_q = select(r.c.revision, r.c.fetched_at, r.c.title, r.c.author, r.c.published,
                        r.c.updated, r.c.words, body.label("text")).where(
            r.c.article_id == article_id).order_by(r.c.revision)
        with self.engine.connect() as conn:
            row = conn.execute(select(*cols).where(a.c.id == article_id)).first()
            if row is None:
                return []
            kept = conn.execute(kept_q).all()
        out = []
        for k in kept:
            v = {"version": k.revision, "stored": k.fetched_at, "title": k.title,
                 "author": k.author, "published": k.published, "updated": k.updated,
                 "words": len(k.text.split()) if k.words is None else k.words}
            out.append(v | {"text": k.text} if texts else v)
        current = {"version": row.revisions, "stored": row.ingested_at, "title": row.title,
                   "author": row.author, "published": row.published, "updated": row.updated,
                   "words": len(row.text.split())}
        return [*out, current | {"text": row.text} if texts else current]

    def article_version_texts(self, article_id: str, versions: Iterable[int]
                              ) -> dict[int, str]:
        """Version number -> text, for those of ``versions`` the article has: the one or two
        texts a page shows or compares, without reading the others."""
        a, r = articles_t, article_revisions_t
        wanted = sorted(set(versions))
        out: dict[int, str] = {}
        if not wanted:
            return out
        with self.engine.connect() as conn:
            current = conn.execute(select(a.c.revisions, a.c.text).where(
                a.c.id == article_id)).first()
            if current is None:
                return out
            if current.revisions in wanted:
                out[current.revisions] = current.text
            out.update(conn.execute(select(r.c.revision, r.c.text).where(
                r.c.article_id == article_id, r.c.revision.in_(wanted))).all())
        return out

    def article_revisions(self, article_id: str) -> list[dict[str, Any]]:
        """Superseded versions of an article (followed or ingested under one URL), oldest first
        (the row holds the latest)."""
        r = article_revisions_t
        stmt = select(r).where(r.c.article_id == article_id).order_by(r.c.revision)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(stmt)]

    def count_by_language(self) -> dict[str | None, int]:
        stmt = select(articles_t.c.language, func.count()).group_by(articles_t.c.language)
        with self.engine.connect() as conn:
            return {lang: n for lang, n in conn.execute(stmt)}

    def iter_listing(
        self, since: str | None = None, story: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Stored articles as export rows (``newsweave articles``), published-date order."""
        a = articles_t
        cols = (*_ARTICLE_COLS, a.c.revisions, a.c.text_from, a.c.canonical_url)
        stmt = select(*cols)
        if since:
            stmt = stmt.where(a.c.published >= since)
        if story is not None:
            stmt = stmt.join(story_articles_t, story_articles_t.c.article_id == a.c.id).where(
                story_articles_t.c.story_id == story
            )
        stmt = stmt.order_by(*_published_order())
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=BATCH_SIZE).execute(stmt):
                yield dict(row._mapping)



@contextmanager
def _borrowed(conn: Connection) -> Iterator[Connection]:
    """The caller's connection, left open (the ``with`` of a fresh one closes it)."""
    yield conn


BUSY_MESSAGE = "store is busy: another grouping run is in progress (try again when it ends)"


def _json_list(items: Sequence[str]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def _parse_list(value: str) -> tuple[str, ...]:
    try:
        items = json.loads(value)
    except ValueError:
        return ()
    return tuple(str(i) for i in items) if isinstance(items, list) else ()


def _counts_reader() -> Callable[[str | None], dict[str, int] | None]:
    """``load_counts`` for one listing: most versions share a few stored values, each parsed
    once (a copy each, so no two versions share a dict)."""
    parsed: dict[str | None, dict[str, int] | None] = {}

    def read(value: str | None) -> dict[str, int] | None:
        if value not in parsed:
            parsed[value] = load_counts(value)
        found = parsed[value]
        return None if found is None else dict(found)

    return read


def _with_changes(q: Any) -> Any:
    """``q``, a select from ``story_briefs``, with each version's stored ``changes`` (NULL
    for a version stored before migration 12)."""
    t, c = story_briefs_t, brief_changes_t
    return q.add_columns(c.c.changes).select_from(t.outerjoin(
        c, (c.c.story_id == t.c.story_id) & (c.c.version == t.c.version)))


def _revised_between(conn: Connection, article_ids: Sequence[str], after: str, until: str
                     ) -> set[str]:
    """``Store.revised_between`` on an open connection (inside a transaction, too)."""
    a, r = articles_t, article_revisions_t
    found: set[str] = set()
    for chunk in _chunks(dict.fromkeys(article_ids), IN_CHUNK):
        found.update(conn.scalars(select(a.c.id).where(
            a.c.id.in_(chunk), a.c.revisions > 1,
            a.c.ingested_at > after, a.c.ingested_at <= until)))
        found.update(conn.scalars(select(r.c.article_id).where(
            r.c.article_id.in_(chunk), r.c.revision > 1,
            r.c.fetched_at > after, r.c.fetched_at <= until)))
    return found


def _fts5_query(terms: Sequence[str]) -> str:
    """Each word as an FTS5 string (implicit AND), so user text is never FTS5 syntax."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def open_store(url: str | os.PathLike[str] | None = None, create: bool = True) -> Store:
    """Open (creating and migrating if needed) the store at ``url``; None -> ./newsweave.db.
    ``create=False`` refuses a SQLite file that does not exist yet, and a PostgreSQL
    database newsweave never opened (read-only commands)."""
    return Store(url, create=create)
