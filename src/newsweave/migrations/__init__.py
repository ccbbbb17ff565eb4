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


def _analyses_and_briefs(blob: str) -> tuple[str, ...]:
    return (
        # One analysis per article (``newsweave.analysis_store``): ``version`` names the code
        # and models that made it; another version is recomputed, never mixed in.
        "CREATE TABLE article_analyses ("
        " article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,"
        f" version TEXT NOT NULL, payload {blob} NOT NULL, created TEXT NOT NULL)",
        # Every woven brief is a version of its story, never overwritten. ``articles``: the
        # member ids (JSON list); ``fingerprint``: a hash of what the brief was woven from
        # (members, copy flags, headline, analysis version), so an unchanged story is not
        # re-woven. No foreign key: a story regrouped away keeps its history.
        "CREATE TABLE story_briefs ("
        " story_id TEXT NOT NULL, version INTEGER NOT NULL, created TEXT NOT NULL,"
        " articles TEXT NOT NULL, fingerprint TEXT NOT NULL, brief TEXT NOT NULL,"
        " PRIMARY KEY (story_id, version))",
    )


ANALYSES_AND_BRIEFS = Migration(
    version=3,
    name="stored analyses, brief versions",
    sqlite=_analyses_and_briefs("BLOB"),
    postgresql=_analyses_and_briefs("BYTEA"),
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

_OUTLETS_DDL = (
    # One row per registered domain (``bbc.co.uk``); articles map here by their URL's domain, or
    # by ``name`` when they carry no URL. ``lean``, ``country`` and ``owner`` are free text: the
    # user's own table, newsweave ships no ratings.
    "CREATE TABLE outlets ("
    " domain TEXT PRIMARY KEY, name TEXT NOT NULL, lean TEXT, country TEXT, owner TEXT,"
    " updated_at TEXT NOT NULL)",
    "CREATE INDEX outlets_name ON outlets (name)",
)

OUTLETS = Migration(version=5, name="outlets", sqlite=_OUTLETS_DDL, postgresql=_OUTLETS_DDL)

# Version 6: following feeds over HTTP (``newsweave follow``). An article fetched from the web
# is identified by its canonical URL (unique when set); a later fetch of the same URL with other
# text replaces the row's text and keeps the superseded version in ``article_revisions``.
# ``feeds`` keeps each feed's conditional-GET validators and back-off; ``followed_entries``
# maps each entry link seen to the fingerprint of its feed entry, so an unchanged entry is
# never fetched again.
_FOLLOW_COMMON = (
    "ALTER TABLE articles ADD COLUMN author TEXT",
    "ALTER TABLE articles ADD COLUMN language TEXT",
    "ALTER TABLE articles ADD COLUMN canonical_url TEXT",
    "ALTER TABLE articles ADD COLUMN revisions INTEGER NOT NULL DEFAULT 1",
    # 'page' (the article page's own text) or 'feed' (the feed's teaser: the page failed)
    "ALTER TABLE articles ADD COLUMN text_from TEXT",
    "CREATE UNIQUE INDEX articles_canonical_url ON articles (canonical_url)",
    "CREATE TABLE article_revisions ("
    " article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,"
    " revision INTEGER NOT NULL, text TEXT NOT NULL, title TEXT, author TEXT,"
    " published TEXT, updated TEXT, fetched_at TEXT NOT NULL,"
    " PRIMARY KEY (article_id, revision))",
    "CREATE TABLE feeds ("
    " url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,"
    " failures INTEGER NOT NULL DEFAULT 0, next_poll TEXT, last_status TEXT,"
    " checked_at TEXT)",
    "CREATE TABLE followed_entries ("
    " url TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, article_id TEXT, seen_at TEXT NOT NULL)",
)
FOLLOW = Migration(
    version=6,
    name="followed feeds, article revisions, language and author",
    sqlite=_FOLLOW_COMMON,
    postgresql=_FOLLOW_COMMON,
)


# A change stamp per story, kept by triggers in the same transaction as the change itself, so
# every writer (this process, a CLI in another, the server's job process) records it without
# knowing about caches: the server drops a story's cached page and brief when its stamp moves.
# ``seq`` grows with every change to a story's row, membership (and copy flags), its members'
# stored text or metadata, or its stored brief versions; rows are never deleted (a removed
# story is a change too), so "seq > last seen" finds every story changed since.
def _story_change_sqlite(story: str) -> str:
    return ("INSERT OR REPLACE INTO story_changes (story_id, seq) VALUES"
            f" ({story}, (SELECT coalesce(max(seq), 0) + 1 FROM story_changes));")


_STORY_CHANGES_SQLITE = (
    "CREATE TABLE story_changes (story_id TEXT PRIMARY KEY, seq INTEGER NOT NULL)",
    "CREATE INDEX story_changes_seq ON story_changes (seq)",
    "CREATE TRIGGER stories_changed_insert AFTER INSERT ON stories BEGIN"
    f" {_story_change_sqlite('new.id')} END",
    "CREATE TRIGGER stories_changed_update AFTER UPDATE ON stories BEGIN"
    f" {_story_change_sqlite('old.id')} {_story_change_sqlite('new.id')} END",
    "CREATE TRIGGER stories_changed_delete AFTER DELETE ON stories BEGIN"
    f" {_story_change_sqlite('old.id')} END",
    "CREATE TRIGGER story_articles_changed_insert AFTER INSERT ON story_articles BEGIN"
    f" {_story_change_sqlite('new.story_id')} END",
    "CREATE TRIGGER story_articles_changed_update AFTER UPDATE ON story_articles BEGIN"
    f" {_story_change_sqlite('old.story_id')} {_story_change_sqlite('new.story_id')} END",
    "CREATE TRIGGER story_articles_changed_delete AFTER DELETE ON story_articles BEGIN"
    f" {_story_change_sqlite('old.story_id')} END",
    "CREATE TRIGGER story_briefs_changed_insert AFTER INSERT ON story_briefs BEGIN"
    f" {_story_change_sqlite('new.story_id')} END",
    "CREATE TRIGGER story_briefs_changed_delete AFTER DELETE ON story_briefs BEGIN"
    f" {_story_change_sqlite('old.story_id')} END",
    "CREATE TRIGGER articles_changed_update AFTER UPDATE ON articles BEGIN"
    " INSERT OR REPLACE INTO story_changes (story_id, seq)"
    " SELECT story_id, (SELECT coalesce(max(seq), 0) + 1 FROM story_changes)"
    " FROM story_articles WHERE article_id = new.id; END",
)

_PG_STAMP = ("INSERT INTO story_changes (story_id, seq) VALUES ({}, nextval('story_change_seq'))"
             " ON CONFLICT (story_id) DO UPDATE SET seq = EXCLUDED.seq;")
_STORY_CHANGES_PG = (
    "CREATE SEQUENCE story_change_seq",
    "CREATE TABLE story_changes (story_id TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
    "CREATE INDEX story_changes_seq ON story_changes (seq)",
    "CREATE FUNCTION newsweave_story_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    f" IF TG_OP <> 'INSERT' THEN {_PG_STAMP.format('OLD.id')} END IF;"
    f" IF TG_OP <> 'DELETE' THEN {_PG_STAMP.format('NEW.id')} END IF;"
    " RETURN NULL; END $$",
    "CREATE FUNCTION newsweave_story_member_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    f" IF TG_OP <> 'INSERT' THEN {_PG_STAMP.format('OLD.story_id')} END IF;"
    f" IF TG_OP <> 'DELETE' THEN {_PG_STAMP.format('NEW.story_id')} END IF;"
    " RETURN NULL; END $$",
    "CREATE FUNCTION newsweave_story_article_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " INSERT INTO story_changes (story_id, seq)"
    " SELECT story_id, nextval('story_change_seq') FROM story_articles"
    " WHERE article_id = NEW.id"
    " ON CONFLICT (story_id) DO UPDATE SET seq = EXCLUDED.seq;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER stories_changed AFTER INSERT OR UPDATE OR DELETE ON stories"
    " FOR EACH ROW EXECUTE FUNCTION newsweave_story_row_changed()",
    "CREATE TRIGGER story_articles_changed AFTER INSERT OR UPDATE OR DELETE ON story_articles"
    " FOR EACH ROW EXECUTE FUNCTION newsweave_story_member_changed()",
    "CREATE TRIGGER story_briefs_changed AFTER INSERT OR DELETE ON story_briefs"
    " FOR EACH ROW EXECUTE FUNCTION newsweave_story_member_changed()",
    "CREATE TRIGGER articles_changed AFTER UPDATE ON articles"
    " FOR EACH ROW EXECUTE FUNCTION newsweave_story_article_changed()",
)
STORY_CHANGES = Migration(
    version=7,
    name="story change stamps",
    sqlite=_STORY_CHANGES_SQLITE,
    postgresql=_STORY_CHANGES_PG,
)

# Version 8: ingest keys an article by its canonical URL too (a corrected version revises the
# stored article). Articles ingested before have no canonical URL; the store finds them by
# their exact URL, through this index (of its first 200 characters: a PostgreSQL B-tree entry
# stops at 2,704 bytes, and a URL may hold 2,000 characters of another script). A superseded
# text keeps its content hash, so a rerun of an older export is known at once however many
# versions an article has (rows written before have none: their texts are hashed when asked).
_URL_INDEX = (
    "CREATE INDEX articles_url ON articles (substr(url, 1, 200))",
    "ALTER TABLE article_revisions ADD COLUMN content_hash TEXT",
    "CREATE INDEX article_revisions_hash ON article_revisions (article_id, content_hash)",
)
URL_INDEX = Migration(version=8, name="article URL index, hashes of superseded texts",
                      sqlite=_URL_INDEX, postgresql=_URL_INDEX)

# Version 9: an article revised after it was grouped waits here until its text is mostly new
# against the one the grouper grouped (``base``, a revision in ``article_revisions``), and is
# then grouped again (the first capture of a live page is often a stub). ``revision`` says which
# text the row is for, so a run that read an older one does not clear the row of a revision
# stored while it ran; ``checked`` is the last revision a run found not mostly new yet.
_REGROUP = (
    "CREATE TABLE regroup_pending (article_id TEXT PRIMARY KEY, revision INTEGER NOT NULL,"
    " base INTEGER NOT NULL, checked INTEGER NOT NULL DEFAULT 0)",
)
REGROUP = Migration(version=9, name="revised articles waiting to be regrouped",
                    sqlite=_REGROUP, postgresql=_REGROUP)

# Version 10: a superseded text keeps its word count, so listing an article's versions (a live
# page followed for a week has hundreds) reads no text. Rows written before have none: their
# texts are counted when listed.
_REVISION_WORDS = ("ALTER TABLE article_revisions ADD COLUMN words INTEGER",)
REVISION_WORDS = Migration(version=10, name="word counts of superseded texts",
                           sqlite=_REVISION_WORDS, postgresql=_REVISION_WORDS)

# Version 11: the feeds of updates read the newest stored briefs of every story.
_BRIEFS_BY_TIME = ("CREATE INDEX story_briefs_created ON story_briefs (created)",)
BRIEFS_BY_TIME = Migration(version=11, name="stored briefs by time",
                           sqlite=_BRIEFS_BY_TIME, postgresql=_BRIEFS_BY_TIME)

# Version 12: what each stored brief added over the version before it, counted when stored
# (``brief_diff.change_counts`` as JSON; ``{}`` for a story's first brief), so the list of
# stories says what changed in each without reading two briefs per story. A table of its own,
# not a column of ``story_briefs``: SQLite appends an added column after ``brief``, and
# reading it would walk every brief's overflow pages (a listing of 3,000 versions read 1.3x
# slower, a feed's 304 3x). Versions stored before have no row: a reader is told only that
# the story was updated, until ``Store.fill_latest_changes`` (run by each update) counts the
# latest one of each story. A row stamps its story (trigger), so the list shows it.
_BRIEF_CHANGES = (
    "CREATE TABLE brief_changes (story_id TEXT NOT NULL, version INTEGER NOT NULL,"
    " changes TEXT NOT NULL, PRIMARY KEY (story_id, version))",
)
BRIEF_CHANGES = Migration(
    version=12, name="what each stored brief changed",
    sqlite=(*_BRIEF_CHANGES,
            "CREATE TRIGGER brief_changes_insert AFTER INSERT ON brief_changes BEGIN"
            f" {_story_change_sqlite('new.story_id')} END"),
    postgresql=(*_BRIEF_CHANGES,
                "CREATE TRIGGER brief_changes_changed AFTER INSERT ON brief_changes"
                " FOR EACH ROW EXECUTE FUNCTION newsweave_story_member_changed()"))

# Version 13: what each followed source is (an RSS or Atom feed, a news sitemap, a sitemap
# index, a site whose page names its feeds), which source it was found on, and when a poll
# last found a new or changed entry in it, so an operator reading ``newsweave feeds`` sees
# where a failing sitemap came from and which feed answers but has gone quiet. Rows written
# before have none of them until their next poll.
_FEED_KINDS = ("ALTER TABLE feeds ADD COLUMN kind TEXT",
               "ALTER TABLE feeds ADD COLUMN found_on TEXT",
               "ALTER TABLE feeds ADD COLUMN last_new TEXT")
FEED_KINDS = Migration(version=13, name="what each followed feed is, and where it was found",
                       sqlite=_FEED_KINDS, postgresql=_FEED_KINDS)

# Version 14 (PostgreSQL only): full-text search without stop words. PostgreSQL's `english`
# configuration drops "the", "who", "will", "it", so a search for the WHO or "IT" found
# nothing there while SQLite's FTS5 (porter stemmer, no stop list) found them. The same
# English stemmer with no stop list (`newsweave_english`), and the column recomputed.
SEARCH_CONFIG = "newsweave_english"
NO_STOP_WORDS = Migration(
    version=14, name="full-text search keeps stop words (PostgreSQL)", sqlite=(),
    postgresql=(
        "CREATE TEXT SEARCH DICTIONARY newsweave_stem (TEMPLATE = snowball, LANGUAGE = english)",
        f"CREATE TEXT SEARCH CONFIGURATION {SEARCH_CONFIG} (COPY = english)",
        f"ALTER TEXT SEARCH CONFIGURATION {SEARCH_CONFIG} ALTER MAPPING REPLACE english_stem"
        " WITH newsweave_stem",
        "DROP INDEX IF EXISTS articles_tsv",
        "ALTER TABLE articles DROP COLUMN tsv",
        f"ALTER TABLE articles ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector("
        f"'{SEARCH_CONFIG}'::regconfig, coalesce(title, '') || ' ' || left(text, 200000)))"
        " STORED",
        "CREATE INDEX articles_tsv ON articles USING GIN (tsv)",
    ))

# Version 15: how a feed's pages fared at its last poll that listed new entries (a feed whose
# every page was refused, by robots.txt, a 403 or a site's day-long pause, read "ok" in
# `newsweave feeds`, the operator's only view of it), and the pauses sites asked for (a
# 429's Retry-After on a page was forgotten by the next `follow --once` of a cron job).
_PAGE_HEALTH = (
    "ALTER TABLE feeds ADD COLUMN pages_tried INTEGER",
    "ALTER TABLE feeds ADD COLUMN pages_failed INTEGER",
    "ALTER TABLE feeds ADD COLUMN page_error TEXT",
    "CREATE TABLE site_pauses (origin TEXT PRIMARY KEY, until TEXT NOT NULL)",
)
PAGE_HEALTH = Migration(
    version=15, name="how each feed's pages fared; sites' pauses; publication order by bytes",
    sqlite=_PAGE_HEALTH, postgresql=(
        *_PAGE_HEALTH,
        # the order ``store._published_order`` reads (COLLATE "C": SQLite's), indexed
        'CREATE INDEX articles_published_bytes ON articles (published COLLATE "C")',
    ))

# Version 16: settings a store keeps for every process that weaves it: the summary's word
# budget (`update --words 80` in cron and a server weaving at 120 stored a new version of an
# unchanged story at each turn, each the other's summary).
_SETTINGS = ("CREATE TABLE store_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",)
SETTINGS = Migration(version=16, name="settings the store keeps (the brief word budget)",
                     sqlite=_SETTINGS, postgresql=_SETTINGS)

MIGRATIONS: tuple[Migration, ...] = (
    INITIAL, LEAD_VECTORS, ANALYSES_AND_BRIEFS, GROUPER_STATE, OUTLETS, FOLLOW,
    STORY_CHANGES, URL_INDEX, REGROUP, REVISION_WORDS, BRIEFS_BY_TIME, BRIEF_CHANGES,
    FEED_KINDS, NO_STOP_WORDS, PAGE_HEALTH, SETTINGS,
)
LATEST = MIGRATIONS[-1].version
