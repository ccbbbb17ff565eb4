"""Versioned schema of the store, one entry per version, never edited once released.

Each migration holds the DDL for both back ends: the tables are the same, only full-text
search differs (an FTS5 table kept in sync by triggers on SQLite, a generated ``tsvector``
column with a GIN index on PostgreSQL). ``Store`` applies the pending ones on open, each in
one transaction, and records it in ``schema_version``; a new schema change is a new entry at
the end of ``MIGRATIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]

    def statements(self, dialect: str) -> tuple[str, ...]:
        return self.sqlite if dialect == "sqlite" else self.postgresql


#: Created before any migration runs; the highest version in it is the schema's version.
SCHEMA_VERSION_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)

# Columns shared by both back ends. ``seq`` orders articles by arrival and is the FTS5 rowid;
# ``id`` is the public id (given in the input, else the content hash); ``content_hash`` makes
# re-ingesting a no-op. Dates are ISO strings, which sort correctly as text on both back ends.
_ARTICLE_COLUMNS = """
    id TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    title TEXT,
    outlet TEXT,
    published TEXT,
    updated TEXT,
    url TEXT,
    path TEXT,
    label TEXT,
    ingested_at TEXT NOT NULL"""

_STORY_TABLES = (
    "CREATE TABLE stories ("
    " id TEXT PRIMARY KEY, headline TEXT NOT NULL,"
    " first_published TEXT, last_published TEXT, updated_at TEXT NOT NULL)",
    "CREATE INDEX stories_last_published ON stories (last_published)",
    "CREATE TABLE story_articles ("
    " story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,"
    " article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,"
    " duplicate_of TEXT,"
    " PRIMARY KEY (story_id, article_id))",
    "CREATE INDEX story_articles_article ON story_articles (article_id)",
)

INITIAL = Migration(
    version=1,
    name="articles, full-text search, stories",
    sqlite=(
        f"CREATE TABLE articles (seq INTEGER PRIMARY KEY AUTOINCREMENT, {_ARTICLE_COLUMNS})",
        "CREATE INDEX articles_published ON articles (published)",
        # External-content FTS5: the text is stored once, in ``articles``.
        "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles',"
        " content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2')",
        "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN"
        " INSERT INTO articles_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);"
        " END",
        "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN"
        " INSERT INTO articles_fts (articles_fts, rowid, title, text)"
        " VALUES ('delete', old.seq, old.title, old.text); END",
        "CREATE TRIGGER articles_fts_update AFTER UPDATE ON articles BEGIN"
        " INSERT INTO articles_fts (articles_fts, rowid, title, text)"
        " VALUES ('delete', old.seq, old.title, old.text);"
        " INSERT INTO articles_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);"
        " END",
        *_STORY_TABLES,
    ),
    postgresql=(
        f"CREATE TABLE articles (seq BIGSERIAL PRIMARY KEY, {_ARTICLE_COLUMNS},"
        # A tsvector holds at most 1 MB: index the first 200k characters of huge pages.
        " tsv tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig,"
        " coalesce(title, '') || ' ' || left(text, 200000))) STORED)",
        "CREATE INDEX articles_published ON articles (published)",
        "CREATE INDEX articles_tsv ON articles USING GIN (tsv)",
        *_STORY_TABLES,
    ),
)

LEAD_VECTORS = Migration(
    version=2,
    name="lead vector cache",
    # key: sha1 of the embedding model's name and the text embedded; vector: float32 bytes.
    # Grouping embeds each article's title + lead; a rerun of ``stories`` reads it back here.
    sqlite=("CREATE TABLE lead_vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)",),
    postgresql=("CREATE TABLE lead_vectors (key TEXT PRIMARY KEY, vector BYTEA NOT NULL)",),
)

GROUPER_STATE = Migration(
    version=4,
    name="grouper state",
    # One row (id 1): the online grouper's window, so ``newsweave stories`` groups only the
    # articles that arrived since. ``format``: the blob's layout version (an unknown one means
    # a full regroup); ``last_seq``: the highest article seq grouped; ``generation``: bumped
    # by every save, so a run that loaded an older state cannot overwrite a newer one.
    # ``grouper_stories``: one blob per story the grouper holds, so that a run rewrites
    # only the stories it changed; ``grouper_state.state`` holds the rest (counters,
    # document frequencies, boilerplate memory, index layout).
    sqlite=(
        "CREATE TABLE grouper_state (id INTEGER PRIMARY KEY, format INTEGER NOT NULL,"
        " last_seq INTEGER NOT NULL, generation INTEGER NOT NULL, state BLOB NOT NULL,"
        " updated_at TEXT NOT NULL)",
        "CREATE TABLE grouper_stories (story_id TEXT PRIMARY KEY, state BLOB NOT NULL)",
    ),
    postgresql=(
        "CREATE TABLE grouper_state (id INTEGER PRIMARY KEY, format INTEGER NOT NULL,"
        " last_seq BIGINT NOT NULL, generation BIGINT NOT NULL, state BYTEA NOT NULL,"
        " updated_at TEXT NOT NULL)",
        "CREATE TABLE grouper_stories (story_id TEXT PRIMARY KEY, state BYTEA NOT NULL)",
    ),
)

MIGRATIONS: tuple[Migration, ...] = (INITIAL, LEAD_VECTORS, GROUPER_STATE)
LATEST = MIGRATIONS[-1].version
