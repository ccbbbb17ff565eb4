"""The store on both back ends: every test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from test_postgres import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from newsweave.errors import InputError
from newsweave.ingest import article_id
from newsweave.migrations import INITIAL, LATEST, SCHEMA_VERSION_DDL
from newsweave.models import Article
from newsweave.store import (
    AddResult,
    FeedState,
    Store,
    content_hash,
    open_store,
    resolve_url,
    search_terms,
)


def art(i: int | str, text: str, published: str | None = None, **kw: str) -> Article:
    return Article(id=str(i), text=text, published=published, **kw)


SESSIONS = art(
    "ani", "Attorney General Jeff Sessions met the Russian ambassador Sergey Kislyak twice.",
    "2017-03-03", title="Trump stands by Sessions", outlet="ANI",
)
FLYNN = art(
    "wp", "Michael Flynn resigned as national security adviser after talks with Kislyak.",
    "2017-03-02", title="Flynn out", outlet="Washington Post",
)
QUAKE = art("ap", "An earthquake struck central Italy on Wednesday, killing dozens.", None,
            title="Quake", outlet="AP")


@pytest.fixture
def store(db_url: str) -> Store:  # noqa: F811 - the fixture imported above
    s = open_store(db_url)
    yield s
    s.close()


def test_a_bad_port_or_a_password_in_the_query_is_one_safe_line() -> None:
    """A port that is no number crashed every command with a 49-line traceback, and a
    password given as ?password= was printed in clear."""
    with pytest.raises(InputError) as bad:
        open_store("postgresql://nw@127.0.0.1:notaport/a1")
    assert str(bad.value) == ("bad database URL 'postgresql://nw@127.0.0.1:notaport/a1': the "
                              "port is not a number")
    with pytest.raises(InputError) as refused:
        open_store("postgresql://u@127.0.0.1:1/a1?password=s3cret&sslmode=disable")
    assert "s3cret" not in str(refused.value) and "password=***&sslmode" in str(refused.value)


def test_a_nul_character_is_stored_alike_on_both_stores(store: Store) -> None:
    """One escaped \\u0000 in a record stopped a PostgreSQL ingest ("text fields cannot contain
    NUL"), losing the good records after it, while SQLite kept it: dropped on both."""
    bad = Article("r\x00", "The council met on Monday.\x00 It voted.", title="Vo\x00te",
                  outlet="AP\x00", url="https://x.test/a\x00")
    result = store.add_articles([bad, QUAKE])
    assert result.added == 2
    (kept,) = [a for a in store.iter_articles() if a.id != QUAKE.id]
    assert (kept.id, kept.text, kept.title, kept.outlet, kept.url) == (
        "r\ufffd", "The council met on Monday. It voted.", "Vote", "AP", "https://x.test/a")
    outcome, _ = store.save_followed(Article("f", "Fetched \x00 text of a page.", title="T"),
                                     "https://x.test/f")
    assert outcome == "added"


# --------------------------------------------------------------------------- pure helpers
def test_resolve_url_maps_paths_and_postgres_scheme() -> None:
    assert resolve_url(None) == "sqlite:///newsweave.db"
    assert resolve_url("data/x.db") == "sqlite:///data/x.db"
    assert resolve_url("sqlite:////abs/x.db") == "sqlite:////abs/x.db"
    assert resolve_url("postgresql://u@h:5/db") == "postgresql+psycopg://u@h:5/db"
    assert resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(InputError, match="unsupported database URL"):
        resolve_url("mysql://u:secret@h/db")


def test_bad_url_error_hides_password() -> None:
    with pytest.raises(InputError) as err:
        resolve_url("mysql://u:secret@h/db")
    assert "secret" not in str(err.value)


def test_content_hash_is_ingest_id_and_ignores_whitespace() -> None:
    assert content_hash("A  b\nc ") == content_hash("A b c") == article_id("A b c")
    assert content_hash("A b c") != content_hash("A b d")


def test_search_terms_strip_query_syntax() -> None:
    assert search_terms('Kislyak" OR NEAR(x* -y)') == ["Kislyak", "OR", "NEAR", "x", "y"]


# --------------------------------------------------------------------------- opening
def test_new_store_is_migrated(store: Store) -> None:
    assert store.schema_version == LATEST
    assert store.count_articles() == 0


def test_missing_sqlite_file_refused_without_create(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such database"):
        open_store(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_not_a_database_is_input_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("this is not sqlite " * 100)
    with pytest.raises(InputError, match="not a database"):
        open_store(junk)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?, 'future', 'now')", (LATEST + 1,))
    with pytest.raises(InputError, match="newer than this newsweave"):
        open_store(path)


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopen_keeps_data(db_url: str) -> None:  # noqa: F811
    with open_store(db_url) as s:
        s.add_articles([SESSIONS])
    with open_store(db_url) as s:
        assert s.get_article("ani") == SESSIONS
        assert s.schema_version == LATEST


# --------------------------------------------------------------------------- articles
def test_add_is_idempotent_by_content(store: Store) -> None:
    assert store.add_articles([SESSIONS, FLYNN]) == AddResult(added=2, skipped=0)
    # same text under another id, and with different whitespace: already stored
    again = [art("other-id", SESSIONS.text), art("wp", FLYNN.text.replace(" ", "  "))]
    assert store.add_articles(again) == AddResult(added=0, skipped=2)
    assert store.count_articles() == 2
    assert store.get_article("other-id") is None


def test_given_id_is_kept_and_all_fields_round_trip(store: Store) -> None:
    full = Article(id="given-1", text="Body text here.", title="T", outlet="O",
                   published="2020-05-01", updated="2020-05-02", url="http://x/1",
                   path="a/b.txt", label="story-9")
    store.add_articles([full])
    assert store.get_article("given-1") == full
    assert store.get_article("nope") is None


def test_duplicates_inside_one_batch(store: Store) -> None:
    result = store.add_articles([SESSIONS, SESSIONS, art("x", SESSIONS.text)])
    assert (result.added, result.skipped) == (1, 2)


def test_taken_id_with_other_text_is_skipped_and_counted(store: Store) -> None:
    store.add_articles([SESSIONS])
    result = store.add_articles([art("ani", "A different report entirely.")])
    assert result == AddResult(added=0, skipped=1, id_conflicts=1)
    assert store.get_article("ani") == SESSIONS


def test_batches_commit_independently(store: Store) -> None:
    many = [art(f"n{i}", f"Numbered report {i} about nothing much.") for i in range(23)]
    assert store.add_articles(many, batch_size=5).added == 23
    assert store.add_articles(many + [QUAKE], batch_size=7) == AddResult(1, 23)


def test_iter_articles_orders_by_date_undated_last(store: Store) -> None:
    store.add_articles([QUAKE, SESSIONS, FLYNN])
    assert [a.id for a in store.iter_articles()] == ["wp", "ani", "ap"]
    assert [a.id for a in store.iter_articles(since="2017-03-03")] == ["ani"]
    assert [a.id for a in store.iter_articles(until="2017-03-02")] == ["wp"]
    assert [a.id for a in store.iter_articles("2017-03-01", "2017-03-04")] == ["wp", "ani"]


def test_get_articles_keeps_order_and_drops_unknown(store: Store) -> None:
    store.add_articles([QUAKE, SESSIONS, FLYNN])
    assert [a.id for a in store.get_articles(["wp", "zzz", "ap"])] == ["wp", "ap"]


def test_full_text_search_stems_and_ranks(store: Store) -> None:
    store.add_articles([SESSIONS, FLYNN, QUAKE])
    assert {a.id for a in store.search_articles("kislyak")} == {"ani", "wp"}
    assert [a.id for a in store.search_articles("resigning Kislyak")] == ["wp"]  # stemmed
    assert [a.id for a in store.search_articles("earthquakes italy")] == ["ap"]
    assert store.search_articles("kislyak earthquake") == []
    assert store.search_articles('"*') == []  # no words: nothing, and no syntax error
    assert len(store.search_articles("kislyak", limit=1)) == 1
    first = store.search_articles("kislyak", limit=1)[0].id
    assert store.search_articles("kislyak", limit=1, offset=1)[0].id != first


def test_common_words_are_searchable_on_both_stores(store: Store) -> None:
    """PostgreSQL's `english` search drops stop words: "WHO" (the health body), "IT" and
    "will" found nothing there, and "WHO health" matched without "who", while SQLite found
    them (migration 14: the same stemmer, no stop list)."""
    who = Article("who", "The WHO said it will send health experts to the region.",
                  title="WHO sends experts")
    other = Article("health", "Health officials met on Monday to discuss the budget.",
                    title="Budget talks")
    store.add_articles([who, other])
    assert [a.id for a in store.search_articles("WHO")] == ["who"]
    assert [a.id for a in store.search_articles("who health")] == ["who"]
    assert [a.id for a in store.search_articles("will")] == ["who"]
    assert {a.id for a in store.search_articles("the")} == {"who", "health"}


def test_search_survives_fts_syntax_in_query(store: Store) -> None:
    store.add_articles([SESSIONS])
    assert [a.id for a in store.search_articles('"Sessions (Kislyak* -:^')] == ["ani"]


# --------------------------------------------------------------------------- stories
def _grouped(store: Store) -> None:
    store.add_articles([SESSIONS, FLYNN, QUAKE])
    store.save_stories(
        {"ani": "russia", "wp": "russia", "ap": "quake"},
        {"russia": "Sessions and Kislyak", "quake": "Italy quake"},
        duplicates={"wp": "ani"},
    )


def test_matching_within_a_few_stories_equals_the_whole_match_cut_to_them(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-article seek used for a few stories and the whole-index match used for many
    answer the same, for words in one member, in two members (no match: every word must be in
    one article), stemmed, none, and for unknown and removed stories."""
    import newsweave.store as store_module

    store.add_articles([SESSIONS, FLYNN, QUAKE, art("x", "Kislyak spoke to reporters.")])
    store.save_stories({"ani": "russia", "wp": "russia", "ap": "quake", "x": "talk"},
                       {"russia": "Sessions", "quake": "Quake", "talk": "Talk"})
    everything = {"russia", "quake", "talk", "nope"}
    queries = ["kislyak", "resigning kislyak", "sessions flynn", "earthquakes", "zzz", '"*',
               "kislyak reporters"]
    seek = {q: store.matching_story_ids(q, everything) for q in queries}
    monkeypatch.setattr(store_module, "SEEK_WITHIN_MAX", 0)  # the whole-index path
    whole = {q: store.matching_story_ids(q, everything) for q in queries}
    assert seek == whole
    assert seek["kislyak"] == {"russia", "talk"} and seek["resigning kislyak"] == {"russia"}
    assert seek["sessions flynn"] == set() and seek["earthquakes"] == {"quake"}
    assert seek["kislyak reporters"] == {"talk"} and seek['"*'] == set()
    monkeypatch.setattr(store_module, "SEEK_WITHIN_MAX", 25)
    assert store.matching_story_ids("kislyak", {"talk", "quake"}) == {"talk"}
    store.save_stories({"x": "russia"}, {})  # "talk" left empty: removed
    assert store.get_story("talk") is None
    assert store.matching_story_ids("kislyak", everything) == {"russia"}
    assert store.matching_story_ids("kislyak") == {"russia"}


def test_matching_many_in_a_scratch_index_equals_one_query_at_a_time(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """``matching_story_ids_many`` (the few stories' articles indexed afresh with the store's
    tokenizer, every query matched there at once) answers each query as
    ``matching_story_ids`` does: stemmed, accented, title words, every word in one article,
    query syntax, removed and unknown stories, an article in two stories; and the same where
    it falls back to one query at a time (text too long, no tokenizer to read)."""
    import newsweave.store as store_module

    store.add_articles([SESSIONS, FLYNN, QUAKE, art("x", "Kislyak spoke to reporters."),
                        Article("cafe", "A café opened.", title="Naïve Résumé")])
    store.save_stories({"ani": "russia", "wp": "russia", "ap": "quake", "x": "talk",
                        "cafe": "food"},
                       {"russia": "Sessions", "quake": "Quake", "talk": "Talk", "food": "F"})
    store.save_stories({"x": "russia"}, {})  # "talk" left empty: removed
    with store.engine.begin() as conn:  # one article in two stories
        conn.exec_driver_sql("INSERT INTO story_articles (story_id, article_id) "
                             "VALUES ('quake', 'x')")
    within = {"russia", "quake", "talk", "food", "nope"}
    queries = ["kislyak", "resigning kislyak", "sessions flynn", "earthquakes", "zzz", '"*',
               "kislyak reporters", "cafe", "naive resume", "résumé", "", "spoke"]
    one_by_one = {q: store.matching_story_ids(q, within) for q in queries}
    assert one_by_one["kislyak"] == {"russia", "quake"} and one_by_one["spoke"] == {"russia",
                                                                                   "quake"}
    assert one_by_one["sessions flynn"] == set()
    assert store.matching_story_ids_many(queries, within) == one_by_one
    assert store.matching_story_ids_many(queries, {"quake"}) == {
        q: store.matching_story_ids(q, {"quake"}) for q in queries}
    assert store.matching_story_ids_many([], within) == {}
    if store.dialect != "sqlite":  # PostgreSQL asks one query at a time
        return
    assert one_by_one["cafe"] == {"food"} and one_by_one["naive resume"] == {"food"}
    assert store._fts_tokenizer() == "'porter unicode61 remove_diacritics 2'"
    asked: list[str] = []
    real = store.matching_story_ids
    monkeypatch.setattr(store, "matching_story_ids",
                        lambda q, w=None: asked.append(q) or real(q, w))
    assert store.matching_story_ids_many(queries, within) == one_by_one
    assert asked == []  # all in the scratch index
    monkeypatch.setattr(store_module, "SCRATCH_MAX_CHARS", 10)
    assert store.matching_story_ids_many(queries, within) == one_by_one
    assert asked == queries  # too much text: one query at a time
    monkeypatch.setattr(store_module, "SCRATCH_MAX_CHARS", 2_000_000)
    monkeypatch.setattr(store, "_tokenizer", "")  # nothing to read it from
    asked.clear()
    assert store.matching_story_ids_many(queries, within) == one_by_one
    assert asked == queries


def test_save_and_read_stories(store: Store) -> None:
    _grouped(store)
    russia = store.get_story("russia")
    assert russia is not None
    assert russia.headline == "Sessions and Kislyak"
    assert russia.article_ids == ("wp", "ani")  # published order
    assert (russia.first_published, russia.last_published) == ("2017-03-02", "2017-03-03")
    assert russia.outlets == ("ANI", "Washington Post")
    assert [a.id for a in store.story_articles("russia")] == ["wp", "ani"]
    assert store.article_stories("wp") == ["russia"]
    assert store.story_duplicates("russia") == {"wp": "ani"}
    assert store.get_story("missing") is None
    assert store.story_articles("missing") == []
    assert store.article_stories("missing") == []


def test_list_stories_newest_first_with_search_and_paging(store: Store) -> None:
    _grouped(store)
    assert [s.id for s in store.list_stories()] == ["russia", "quake"]  # undated last
    assert [s.id for s in store.list_stories(limit=1, offset=1)] == ["quake"]
    assert [s.id for s in store.list_stories(query="resigned")] == ["russia"]
    assert store.list_stories(query="!!") == []
    assert store.count_stories() == 2
    assert store.count_stories(query="italy") == 1
    assert store.story_ids() == ["russia", "quake"]


def test_regrouping_moves_articles_and_bumps_only_changed_stories(store: Store) -> None:
    _grouped(store)
    before = {s.id: s.updated_at for s in store.list_stories()}
    result = store.save_stories({"ani": "russia", "wp": "flynn"}, {"flynn": "Flynn out"})
    assert (result.created, result.updated, result.removed) == (1, 1, 0)
    after = {s.id: s for s in store.list_stories()}
    assert after["quake"].updated_at == before["quake"]
    assert after["russia"].updated_at > before["russia"]
    assert after["russia"].article_ids == ("ani",)
    assert after["russia"].first_published == "2017-03-03"
    assert store.article_stories("wp") == ["flynn"]
    assert store.story_duplicates("russia") == {}


def test_saving_the_same_grouping_changes_nothing(store: Store) -> None:
    _grouped(store)
    before = store.list_stories()
    result = store.save_stories(
        {"ani": "russia", "wp": "russia", "ap": "quake"},
        {"russia": "Sessions and Kislyak", "quake": "Italy quake"},
        duplicates={"wp": "ani"},
    )
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert store.list_stories() == before


def test_new_headline_alone_bumps_updated_at(store: Store) -> None:
    _grouped(store)
    old = store.get_story("quake")
    store.save_stories({}, {"quake": "Deadly quake in Italy"})
    new = store.get_story("quake")
    assert new.headline == "Deadly quake in Italy" and new.updated_at > old.updated_at


def test_emptied_story_is_removed(store: Store) -> None:
    _grouped(store)
    result = store.save_stories({"ap": "russia"}, {})
    assert result.removed == 1
    assert store.get_story("quake") is None
    assert store.count_stories() == 1
    assert store.get_story("russia").headline == "Sessions and Kislyak"


def test_failed_save_changes_nothing(store: Store) -> None:
    """One transaction: an unknown article id aborts the whole grouping run."""
    _grouped(store)
    before = store.list_stories()
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error
        store.save_stories({"ap": "russia", "no-such-article": "quake"}, {})
    assert store.list_stories() == before


# --------------------------------------------------------------------------- vectors
def test_vector_cache_round_trip_keeps_first_value(db_url: str) -> None:  # noqa: F811
    with open_store(db_url) as s:
        assert s.get_vectors(["a", "b"]) == {}
        s.put_vectors({"a": b"\x00\x01", "b": b"\x02"})
        s.put_vectors({"a": b"\xff", "c": b"\x03"})  # a is cached already: kept as it was
        assert s.get_vectors(["a", "b", "c", "d", "a"]) == {
            "a": b"\x00\x01", "b": b"\x02", "c": b"\x03"}


def test_version_1_database_is_upgraded_on_open(tmp_path: Path) -> None:
    """A store written before the vector cache existed gains it, data intact."""
    path = tmp_path / "v1.db"
    with sqlite3.connect(path) as conn:
        conn.execute(SCHEMA_VERSION_DDL)
        for statement in INITIAL.sqlite:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, 'initial', 'then')")
        conn.execute(
            "INSERT INTO articles (id, content_hash, text, ingested_at) "
            "VALUES ('x', 'h', 'Old text.', 'then')")
    with open_store(path) as s:
        assert s.schema_version == LATEST > 1
        assert s.get_article("x").text == "Old text."
        s.put_vectors({"k": b"v"})
        assert s.get_vectors(["k"]) == {"k": b"v"}
        # version 6 (follow): old rows get one revision, no language, no canonical URL
        (row,) = s.iter_listing()
        assert (row["revisions"], row["language"], row["canonical_url"]) == (1, None, None)
        assert [a.id for a in s.iter_articles(languages=("en",))] == ["x"]


# --------------------------------------------------------------------------- followed web
def test_save_followed_revises_same_url_and_never_duplicates(store: Store) -> None:
    from newsweave.store import FeedState

    url = "https://example.org/a"
    first = Article(id="u1", text="Version one of the report.", title="T", url=url,
                    published="2017-03-01T21:30:00-05:00", language="en", author="Ann")
    assert store.save_followed(first, url, [url + "?utm_source=x"], "fp1") == ("added", "u1")
    assert store.followed_entry(url + "?utm_source=x") == ("fp1", "u1")
    assert store.save_followed(first, url, [url], "fp1") == ("unchanged", "u1")
    second = Article(id="other-id", text="Version two of the report, corrected.", url=url)
    assert store.save_followed(second, url, [url], "fp2") == ("revised", "u1")
    assert store.count_articles() == 1
    stored = store.get_article("u1")
    assert stored.text.startswith("Version two")
    assert stored.published == "2017-03-01T21:30:00-05:00"  # first publication kept
    assert stored.author == "Ann" and stored.language == "en"
    old = store.article_revisions("u1")
    assert [(r["revision"], r["text"]) for r in old] == [(1, "Version one of the report.")]
    rows = list(store.iter_listing())
    assert rows[0]["revisions"] == 2 and rows[0]["text_from"] == "page"
    # a teaser never replaces the page's text
    teaser = Article(id="x", text="Short teaser.", url=url)
    assert store.save_followed(teaser, url, [url], "fp3", text_from="feed")[0] == "unchanged"
    # the same text under another URL is a duplicate, not a second article
    copy = Article(id="u2", text="Version two of the report, corrected.")
    assert store.save_followed(copy, "https://example.org/b", [], "fp") == ("duplicate", "u1")
    assert store.count_articles() == 1
    store.save_feed_state(FeedState(url="https://example.org/feed", etag='"x"', failures=2))
    store.save_feed_state(FeedState(url="https://example.org/feed", etag='"y"'))
    state = store.feed_state("https://example.org/feed")
    assert (state.etag, state.failures) == ('"y"', 0)
    assert store.feed_state("https://nowhere.example/") is None
    store.save_feed_state(FeedState(url="https://a.example/rss", failures=1))
    assert [f.url for f in store.feed_states()] == [
        "https://a.example/rss", "https://example.org/feed"]
    # forgetting a feed drops those found on it too (a cycle of found_on ends)
    store.save_feed_state(FeedState(url="https://a.example/s.xml", found_on="https://a.example/rss"))
    store.save_feed_state(FeedState(url="https://a.example/loop", found_on="https://a.example/loop"))
    assert store.forget_feeds(["https://a.example/rss", "https://none.example/"]) == [
        "https://a.example/rss", "https://a.example/s.xml"]
    assert store.forget_feeds(["https://a.example/loop"]) == ["https://a.example/loop"]
    assert [f.url for f in store.feed_states()] == ["https://example.org/feed"]
    # the version texts an article page reads: the current one and those asked for
    assert store.article_version_texts("u1", [1, 2]) == {
        1: "Version one of the report.", 2: "Version two of the report, corrected."}
    assert [v["words"] for v in store.article_versions("u1", texts=False)] == [5, 6]


def test_brief_versions_list_without_article_lists_and_count_the_asked(store: Store) -> None:
    """A story woven again for weeks: its versions listed without reading their article
    lists, and the lists counted only for the versions a page shows."""
    for n in (1, 2, 3):
        store.add_brief_version("s", [f"a{i}" for i in range(n)], f"f{n}", "{}")
    light = store.brief_versions("s", articles=False)
    assert [(v.version, v.articles) for v in light] == [(1, ()), (2, ()), (3, ())]
    assert [len(v.articles) for v in store.brief_versions("s")] == [1, 2, 3]
    assert store.brief_article_counts("s", [3, 1, 7]) == {1: 1, 3: 3}
    assert store.brief_article_counts("s", []) == {}
    assert [v.version for v in store.brief_versions("s", articles=False, after=1)] == [2, 3]


def test_iter_articles_languages_filter(store: Store) -> None:
    store.add_articles([
        Article(id="en", text="An English report.", language="en"),
        Article(id="fr", text="Un article en français.", language="fr"),
        Article(id="file", text="Read from a file, language unknown."),
    ])
    assert {a.id for a in store.iter_articles(languages=("en",))} == {"en", "file"}
    assert {a.id for a in store.iter_articles()} == {"en", "fr", "file"}
    assert store.count_by_language() == {"en": 1, "fr": 1, None: 1}


def test_add_brief_version_if_changed_stores_no_identical_second_version(store: Store) -> None:
    """Two writers weaving the same story (the follower's update, the server's worker) store
    one version, not two identical ones; a changed brief is still the next version."""
    first = store.add_brief_version("s", ["a"], "fp1", '{"v": 1}', if_changed=True)
    same = store.add_brief_version("s", ["a"], "fp1", '{"v": 1}', if_changed=True)
    assert (first.version, same.version) == (1, 1)
    assert [v.version for v in store.brief_versions("s")] == [1]
    changed = store.add_brief_version("s", ["a", "b"], "fp2", '{"v": 2}', if_changed=True)
    assert changed.version == 2 and store.get_brief_version("s").brief == '{"v": 2}'
    forced = store.add_brief_version("s", ["a", "b"], "fp2", '{"v": 2}')  # --force: stored
    assert forced.version == 3


def brief_json(sources: list[str], summary: list[str], quotes: list[tuple[str, str]] = ()
               ) -> str:
    return json.dumps({"sources": [{"id": i} for i in sources],
                       "summary": [{"text": t} for t in summary],
                       "quotes": [{"speaker": sp, "text": t} for sp, t in quotes]})


def test_each_stored_brief_counts_what_it_added(store: Store) -> None:
    """A new version stores what it adds over the version it follows (counted once, in the
    storing transaction), so a list of stories reads it without reading two briefs."""
    store.add_articles([Article(id=i, text=f"Report {i} on the storm.",
                                url=f"https://example.org/{i}") for i in "abc"])
    first = store.add_brief_version("s", ["a", "b"], "f1", brief_json(["a", "b"], ["One."]))
    assert first.changes == {}
    assert store.add_articles([Article(  # a correction of b, stored under its URL
        id="b", text="Report b on the storm, corrected.", url="https://example.org/b")]).revised
    second = store.add_brief_version("s", ["a", "b", "c"], "f2", brief_json(
        ["a", "b", "c"], ["One.", "Two.", "Three."], [("Mayor", "We are ready.")]))
    assert second.changes == {"new_sources": 1, "revised_sources": 1, "new_summary": 2,
                              "new_quotes": 1}
    third = store.add_brief_version("s", ["a", "c"], "f3", brief_json(["a", "c"], ["One."]))
    assert third.changes == {"left_sources": 1, "dropped_summary": 2, "dropped_quotes": 1}
    # the same counts come back from every listing
    assert [v.changes for v in store.brief_versions("s", articles=False)] == [
        {}, second.changes, third.changes]
    assert store.get_brief_version("s", 2).changes == second.changes
    assert store.brief_change_counts("s", [3, 1, 9]) == {1: {}, 3: third.changes,
                                                         9: None}
    assert store.brief_change_counts("s", []) == {}
    assert [v.changes for v in store.brief_versions("s", changes=False)] == [None] * 3
    assert [v.version for v in store.recent_brief_versions(2)] == [3, 2]
    store.add_brief_version("t", ["a"], "g1", brief_json(["a"], ["Other."]))
    latest = store.latest_briefs()
    assert {k: (v.version, v.changes) for k, v in latest.items()} == {
        "s": (3, third.changes), "t": (1, {})}
    assert set(store.latest_briefs(["t", "nope"])) == {"t"}
    # the newest briefs of some stories (a filtered feed): newest first, others left out
    assert [(v.story_id, v.version) for v in store.recent_brief_versions(
        3, story_ids=["s", "nope"])] == [("s", 3), ("s", 2), ("s", 1)]
    assert [v.story_id for v in store.recent_brief_versions(1, story_ids={"t", "s"})] == ["t"]
    assert store.recent_brief_versions(3, story_ids=[]) == []
    with pytest.raises(ValueError):
        store.recent_brief_versions(3, story_ids=[f"s{i}" for i in range(501)])
    # the same brief stored again counts nothing; one after a damaged row counts all it has
    same = store.add_brief_version("s", ["a", "c"], "f3", brief_json(["a", "c"], ["One."]))
    assert same.changes == {}
    unchanged = store.add_brief_version("s", ["a", "c"], "f3", "{}", if_changed=True)
    assert unchanged.version == same.version and unchanged.changes == {}
    store.add_brief_version("u", ["a"], "h1", "not json")
    assert store.add_brief_version("u", ["a"], "h2", brief_json(["a"], ["X."])).changes == {
        "new_sources": 1, "new_summary": 1}


# --------------------------------------------------------------------------- article URLs
PAGE = "https://example.org/2017/03/02/sessions-russia"
V1 = "Sessions met the Russian ambassador twice in 2016, officials said."
V2 = "Sessions met the Russian ambassador twice in 2016, the Justice Department confirmed."


def page(text: str, url: str = PAGE, id: str | None = None, **kw: str) -> Article:
    """An ingested record: its id is its content id unless the record gives one."""
    return Article(id=id or article_id(text), text=text, url=url, **kw)


def test_new_text_under_a_stored_article_url_revises_it(store: Store) -> None:
    """Tomorrow's export with a corrected article: one article, holding the new text, the
    old text kept as its earlier version, its story touched so its brief is rebuilt."""
    store.add_articles([page(V1, published="2017-03-02", title="Sessions met envoy")])
    first_id = article_id(V1)
    store.save_stories({first_id: "russia"}, {"russia": "Sessions"})
    before = store.get_story("russia").updated_at
    tracked = page(V2, url=PAGE + "?utm_source=newsletter#comments", updated="2017-03-03")
    result = store.add_articles([tracked])
    assert (result.added, result.revised, result.skipped) == (0, 1, 0)
    assert result.revised_ids == (first_id,)
    assert store.count_articles() == 1
    stored = store.get_article(first_id)
    assert stored.text == V2 and stored.published == "2017-03-02"
    assert stored.updated == "2017-03-03" and stored.title == "Sessions met envoy"
    assert [r["text"] for r in store.article_revisions(first_id)] == [V1]
    assert store.story_articles("russia")[0].text == V2
    assert store.get_story("russia").updated_at > before
    # a rerun of both exports changes nothing: V1 is a known earlier version, V2 is stored
    again = store.add_articles([page(V1), tracked])
    assert (again.added, again.revised, again.skipped) == (0, 0, 2)
    assert len(store.article_revisions(first_id)) == 1


def test_a_version_dated_before_the_stored_one_is_skipped(store: Store) -> None:
    store.add_articles([page(V2, updated="2017-03-03T10:00:00-05:00")])
    result = store.add_articles([page(V1, updated="2017-03-02T09:00:00-05:00")])
    assert (result.added, result.revised, result.older, result.skipped) == (0, 0, 1, 1)
    assert store.get_article(article_id(V2)).text == V2


def test_a_capture_from_before_the_days_correction_is_older(store: Store) -> None:
    """The corrected page (updated 20:00 that day) stored first, then a bare-dated capture of
    the same day: it became the current text, shown with the correction's stamp."""
    store.add_articles([page(V2, published="2017-03-02", updated="2017-03-02T20:00:00+00:00")])
    result = store.add_articles([page(V1, published="2017-03-02")])
    assert (result.added, result.revised, result.older) == (0, 0, 1)
    assert store.get_article(article_id(V2)).text == V2


def test_a_posted_stub_then_its_report_is_one_article(store: Store) -> None:
    """Each save of a live page posted with its URL and headline: the report is the stub's
    next version (and waits to be grouped again), as the follower makes it."""
    headline = "Breaking: attorney general"
    stub = "Attorney General news: developing. This page will be updated with more details."
    store.add_articles([page(stub, title=headline)])
    result = store.add_articles([page(V2 + " " + " ".join([V1] * 8), title=headline)])
    assert (result.added, result.revised) == (0, 1)
    assert store.count_articles() == 1


def test_versions_in_one_batch_end_as_one_article_holding_the_last(store: Store) -> None:
    result = store.add_articles([page(V1), page(V2), page("An unrelated report.", url=None)])
    assert (result.added, result.revised) == (2, 1)
    assert store.get_article(article_id(V1)).text == V2


def test_records_giving_their_own_ids_under_one_url_stay_apart(store: Store) -> None:
    """ECB+ files three reports under one page of a broadcaster: their own ids say they are
    three articles, so none replaces another (and a record repeating the stored id, with
    new text, is that article's new version)."""
    live = "http://www.itv.com/news/westcountry/story/2013-07-21/wellington-supermarket-fire/"
    texts = ["Fire crews fought a blaze.", "The store stays shut.", "Police ruled out arson."]
    result = store.add_articles([page(t, url=live, id=f"14_{i}") for i, t in enumerate(texts)])
    assert (result.added, result.revised) == (3, 0)
    result = store.add_articles([page("Fire crews fought a large blaze.", url=live, id="14_0")])
    assert (result.added, result.revised) == (0, 1)
    assert store.get_article("14_0").text == "Fire crews fought a large blaze."
    assert store.count_articles() == 3


def test_front_pages_and_odd_urls_name_no_article(store: Store) -> None:
    records = [page("One report.", url="https://example.org/"),
               page("Another report.", url="https://example.org/"),
               page("A third.", url="n/a"), page("A fourth.", url="n/a")]
    assert store.add_articles(records).added == 4


def test_an_article_ingested_before_urls_were_keys_is_found_by_its_url(
        store: Store, db_url: str) -> None:  # noqa: F811
    from sqlalchemy import text

    store.add_articles([page(V1)])
    with store.engine.begin() as conn:  # as a store written before version 8 holds it
        conn.execute(text("UPDATE articles SET canonical_url = NULL"))
    result = store.add_articles([page(V2)])
    assert (result.added, result.revised) == (0, 1)
    (row,) = store.iter_listing()
    assert (row["text"], row["canonical_url"]) == (V2, PAGE)


def test_other_reports_filed_under_one_url_are_not_versions(store: Store) -> None:
    """An export that gives every record its feed's address: reports sharing neither their
    headline nor most of their text stay apart; a rewrite that keeps its headline is a
    version."""
    feed = "https://example.org/rss/politics.xml"
    one = page("Sessions met the Russian ambassador twice in 2016.", url=feed, title="Envoy")
    two = page("Flooding closed three bridges in the valley on Monday.", url=feed, title="Flood")
    result = store.add_articles([one, two])
    assert (result.added, result.revised) == (2, 0)
    rewrite = page("Rain kept three bridges shut for a second day.", url=feed, title="Flood")
    result = store.add_articles([rewrite])
    assert (result.added, result.revised) == (1, 0)  # the feed's URL names the first, Envoy
    section = "https://example.org/news"  # a scrape of a section: its name as every headline
    reports = [page(t, url=section, title="News | The Gazette") for t in (
        "The attorney general denied meeting Russian officials about the campaign.",
        "Three bridges in the valley stayed closed after the flood on Tuesday.",
        "The council approved a new budget for the harbour.")]
    assert store.add_articles(reports).added == 3
    story = page("The attorney general met the envoy twice in 2016, he confirmed.",
                 url=PAGE, title="Sessions met envoy")
    store.add_articles([story])
    retold = page("Sessions confirmed on Thursday that he had met the Russian envoy twice.",
                  url=PAGE, title="Sessions met envoy")
    assert store.add_articles([retold]).revised == 1


def test_the_follower_revises_an_article_ingested_before_urls_were_keys(store: Store) -> None:
    from sqlalchemy import text

    store.add_articles([page(V1)])
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET canonical_url = NULL"))
    assert store.save_followed(page(V2), PAGE, [PAGE], "fp") == ("revised", article_id(V1))
    assert store.count_articles() == 1


def test_a_version_kept_before_revision_hashes_is_still_known(store: Store) -> None:
    from sqlalchemy import text

    store.add_articles([page(V1)])
    assert store.add_articles([page(V2)]).revised == 1
    (kept,) = store.article_revisions(article_id(V1))
    assert kept["content_hash"] == content_hash(V1)
    with store.engine.begin() as conn:  # as the follower kept it before version 8
        conn.execute(text("UPDATE article_revisions SET content_hash = NULL"))
    assert store.add_articles([page(V1)]).revised == 0
    assert store.get_article(article_id(V1)).text == V2


def test_many_versions_in_one_batch_each_become_a_revision(store: Store) -> None:
    """A live page captured again and again (one WARC, one export): every capture after the
    first is the next version of the stored article, in one batch or over several."""
    texts = [f"Update {i}: the storm moved north, officials said." for i in range(7)]
    store.add_articles([page(texts[0], title="Live: the storm")])
    result = store.add_articles([page(t, title="Live: the storm") for t in texts[1:]])
    assert (result.added, result.revised) == (0, 6)
    other = [t.replace("storm", "flood") for t in texts[:3]]
    result = store.add_articles([page(t, title="Live: the flood", url=PAGE + "?x=1")
                                 for t in other])  # another page: one article, 2 versions
    assert (result.added, result.revised) == (1, 2)
    kept = store.article_revisions(article_id(texts[0]))
    assert [r["revision"] for r in kept] == [1, 2, 3, 4, 5, 6]
    assert store.get_article(article_id(texts[0])).text == texts[6]


def test_revised_between_finds_each_new_text_in_its_window(store: Store) -> None:
    """An article revised twice: the first new text counts in the window it was stored in,
    though the row's stamp is the second's."""
    import time

    v3 = V2 + " He denied it."
    store.add_articles([page(V1)])
    stamps = []
    for text in (V2, v3):
        time.sleep(0.002)
        stamps.append(datetime_now())
        time.sleep(0.002)
        assert store.add_articles([page(text)]).revised == 1
    time.sleep(0.002)
    stamps.append(datetime_now())
    aid = article_id(V1)
    assert store.revised_between([aid, "other"], stamps[0], stamps[1]) == {aid}  # V2
    assert store.revised_between([aid], stamps[1], stamps[2]) == {aid}  # v3
    assert store.revised_between([aid], stamps[2], "9999") == set()
    assert store.revised_between(["other"], "", "9999") == set()
    # the text each brief stored at those times was woven from (none: the current one)
    assert [store.texts_at([aid], t).get(aid, ("current",))[0] for t in stamps] == [
        V1, V2, "current"]


def datetime_now() -> str:
    from newsweave.store import _now

    return _now()


def test_two_versions_under_one_given_id_in_one_batch(store: Store) -> None:
    """A day's export holding a report and its correction, both under the CMS's own id and
    URL: one article with two versions (the same id under another URL is still a conflict)."""
    result = store.add_articles([page(V1, id="cms-1"), page(V2, id="cms-1"),
                                 page("Another text.", id="cms-1", url=PAGE + "-2")])
    assert (result.added, result.revised, result.id_conflicts) == (1, 1, 1)
    assert store.get_article("cms-1").text == V2


def test_a_version_7_store_is_upgraded_and_its_articles_found_by_url(db_url: str) -> None:  # noqa: F811
    """A store written by stop 56 (schema 7): its ingested article has no canonical URL and
    its kept revisions no hash or word count; after the upgrade on open, a correction revises
    it, a rerun of the old text is known and its versions list with their word counts."""
    from sqlalchemy import text

    from newsweave.migrations import MIGRATIONS
    from newsweave.store import _make_engine, resolve_url

    engine = _make_engine(resolve_url(db_url), True)
    dialect = engine.dialect.name
    with engine.begin() as conn:
        conn.exec_driver_sql(SCHEMA_VERSION_DDL)
        for migration in MIGRATIONS[:7]:
            for statement in migration.statements(dialect):
                conn.exec_driver_sql(statement)
            conn.execute(text("INSERT INTO schema_version VALUES (:v, :n, 'then')"),
                         {"v": migration.version, "n": migration.name})
        conn.execute(text(
            "INSERT INTO articles (id, content_hash, text, url, ingested_at, revisions) "
            "VALUES ('old', :h, :t, :u, 'then', 2)"), {"h": content_hash(V1), "t": V1, "u": PAGE})
        conn.execute(text(
            "INSERT INTO article_revisions (article_id, revision, text, fetched_at) "
            "VALUES ('old', 1, 'The very first text of it.', 'before')"))
        for v, summary in ((1, []), (2, ["Said."])):
            conn.execute(text(
                "INSERT INTO story_briefs (story_id, version, created, articles, fingerprint,"
                " brief) VALUES ('s', :v, :c, '[\"old\"]', 'f', :b)"),
                {"v": v, "c": f"then{v}", "b": brief_json(["old"], summary)})
        conn.execute(text("INSERT INTO feeds (url, failures, checked_at) "
                          "VALUES ('https://a.example/rss', 0, 'then')"))
    engine.dispose()
    with open_store(db_url) as s:
        assert s.schema_version == LATEST == 16
        assert s.setting("brief_words") is None  # migration 16: no setting yet
        # a feed polled before migration 13 is not known to be a feed or a sitemap yet
        assert s.feed_state("https://a.example/rss") == FeedState(
            url="https://a.example/rss", checked_at="then")
        # a brief stored before migration 12 counted nothing: unknown, not "no change"
        assert [v.changes for v in s.brief_versions("s")] == [None, None]
        assert s.latest_briefs()["s"].changes is None
        # until an update counts the latest one, stamping the story (the list shows it)
        stamp = s.latest_story_change()
        assert s.fill_latest_changes() == 1 and s.fill_latest_changes() == 0
        assert [v.changes for v in s.brief_versions("s")] == [None, {"new_summary": 1}]
        assert s.story_change("s") > stamp
        assert s.add_brief_version("s", ["old"], "g", brief_json(["old"], ["New."])).changes \
            == {"new_summary": 1, "dropped_summary": 1}
        assert s.add_articles([page("The very first text of it.")]).revised == 0  # known
        assert s.add_articles([page(V2)]).revised_ids == ("old",)
        assert [r["revision"] for r in s.article_revisions("old")] == [1, 2]
        assert s.get_article("old").text == V2
        # a kept text from before migration 10 has no stored word count: it is counted
        listed = s.article_versions("old", texts=False)
        assert [v["words"] for v in listed] == [6, len(V1.split()), len(V2.split())]
        assert all("text" not in v for v in listed)
        assert s.article_version_texts("old", [1, 3, 9]) == {
            1: "The very first text of it.", 3: V2}
        assert [v["text"] for v in s.article_versions("old")] == [
            "The very first text of it.", V1, V2]


def test_a_rerun_of_a_version_unlike_the_latest_is_still_known(store: Store) -> None:
    """A live report grew paragraph by paragraph, each day's text like the day before's but
    not like the last: a rerun of day 2's export is still a known version, not an article."""
    parts = ["Storm warning issued for the coast on Monday evening, forecasters said.",
             "Schools closed early and ferries were cancelled as winds rose above 90 km/h.",
             "Two people were hurt and 40,000 homes lost power overnight, the utility said.",
             "Crews restored power to most homes by Wednesday, and the ferries sailed again."]
    days = [" ".join(parts[max(0, i - 1):i + 1]) for i in range(4)]
    store.add_articles([page(days[0])])
    for day in days[1:]:
        assert store.add_articles([page(day)]).revised == 1
    again = store.add_articles([page(days[1])])
    assert (again.added, again.revised, again.skipped) == (0, 0, 1)
    assert store.count_articles() == 1


def test_a_very_long_url_in_another_script_is_an_identity_on_both_back_ends(
        store: Store) -> None:
    """2,000 characters of Chinese in a URL are 18,000 once percent-encoded, past a
    PostgreSQL B-tree entry: the key is the site and a digest, and the raw URL's index holds
    its first 200 characters, so ingest neither fails nor loses the batch."""
    from sqlalchemy import text

    path = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(1990))
    url = "https://example.org/" + path
    assert store.add_articles([page(V1, url=url), page("Another report.", url=None)]).added == 2
    assert store.add_articles([page(V2, url=url)]).revised == 1
    with store.engine.begin() as conn:  # as ingested before version 8: found by its raw URL
        conn.execute(text("UPDATE articles SET canonical_url = NULL"))
    v3 = V2 + " He denied it."
    assert store.add_articles([page(v3, url=url)]).revised_ids == (article_id(V1),)
    assert store.get_article(article_id(V1)).text == v3


# --------------------------------------------------------------------------- this stop's review
def _followed(store: Store, text: str, title: str, text_from: str = "page") -> str:
    url = "https://example.org/a"
    return store.save_followed(Article(id="a1", text=text, title=title, url=url,
                                       published="2023-03-07"), url, [url],
                               title + text[-12:], text_from=text_from)[0]


def test_a_corrected_headline_leaves_the_texts_versions_as_they_were(store: Store) -> None:
    """A title-only correction stamped ``ingested_at``: the current text then read as stored
    at the correction, so a brief woven before it was shown with the previous text."""
    assert _followed(store, "alpha one two", "T1") == "added"
    assert _followed(store, "beta one two three", "T2") == "revised"
    brief = store.add_brief_version("s", ["a1"], "f", json.dumps({"sources": [{"id": "a1"}]}))
    before = store.article_versions("a1", texts=False)
    assert _followed(store, "beta one two three", "T2 corrected") == "retitled"
    assert store.get_article("a1").title == "T2 corrected"
    assert store.texts_at(["a1"], brief.created) == {}  # woven from the current text
    assert [v["stored"] for v in store.article_versions("a1", texts=False)] == [
        v["stored"] for v in before]


def test_a_teaser_is_never_taken_for_a_shrunk_page(store: Store) -> None:
    """The page failed and the feed's short teaser came instead: not "the page now reads as
    10 words" (the page never answered), just not stored over the page's text."""
    long_text = " ".join(f"word{i}" for i in range(200))
    assert _followed(store, long_text, "T") == "added"
    assert _followed(store, "A teaser of ten words or so, as feeds give.", "T",
                     text_from="feed") == "unchanged"
    assert _followed(store, "Home World Politics", "T") == "shrunk"
    assert store.get_article("a1").text == long_text


def test_a_forced_weave_of_the_same_brief_makes_the_stored_one_current(store: Store) -> None:
    """``unless_same`` kept the old fingerprint: the story stayed stale and the next plain
    update stored the identical brief as a new version after all."""
    store.add_brief_version("s", ["a"], "fp-old", '{"b": 1}')
    kept = store.add_brief_version("s", ["a"], "fp-new", '{"b": 1}', unless_same=True)
    assert (kept.version, kept.fingerprint) == (1, "fp-new")
    assert store.latest_fingerprints()["s"] == (1, "fp-new")
    assert store.add_brief_version("s", ["a"], "fp-new", '{"b": 1}', if_changed=True).version == 1


def _url_article(text: str, published: str | None = None, updated: str | None = None,
                 title: str = "Paint factory fire") -> Article:
    from newsweave.ingest import article_id

    return Article(article_id(text), text, title=title, url="https://post.example/news/fire",
                   published=published, updated=updated)


FIRE = ("A fire at a paint factory in Riverton forced the evacuation of 300 homes on Monday, "
        "said fire chief Dana Whitlock at the scene of the blaze. ") * 5


def test_a_version_dated_only_by_published_keeps_its_date(tmp_path) -> None:
    """v2 came dated only by a later ``published``: its date was dropped, so v3, dated
    between v1 and v2, was taken for the latest and replaced v2's added paragraph."""
    with open_store(str(tmp_path / "s.db")) as store:
        store.add_articles([_url_article(FIRE, "2024-01-01")])
        v2 = FIRE + "On Wednesday the blaze was put out."
        assert store.add_articles([_url_article(v2, "2024-01-03")]).revised == 1
        v3 = FIRE.replace("300 homes", "350 homes")
        result = store.add_articles([_url_article(v3, "2024-01-02")])
        assert (result.revised, result.older) == (0, 1)
        (stored,) = store.iter_articles()
        assert stored.text == v2 and stored.published == "2024-01-01"
        assert stored.updated == "2024-01-03"


def test_a_correction_taken_back_later_is_the_next_version(tmp_path) -> None:
    """v3 repeats v1's text, dated after v2 (the outlet took its correction back): it was
    skipped as a known earlier text and the wrong figure stayed for good. A rerun of the
    first export (its own, older date) still changes nothing."""
    with open_store(str(tmp_path / "s.db")) as store:
        store.add_articles([_url_article(FIRE, "2024-01-01")])
        wrong = FIRE.replace("300 homes", "3,000 homes")
        store.add_articles([_url_article(wrong, "2024-01-01", "2024-01-02T09:00:00+00:00")])
        rerun = store.add_articles([_url_article(FIRE, "2024-01-01")])
        assert rerun.revised == 0 and next(iter(store.iter_articles())).text == wrong
        back = store.add_articles([_url_article(FIRE, "2024-01-01", "2024-01-03T09:00:00+00:00")])
        assert back.revised == 1 and next(iter(store.iter_articles())).text == FIRE


def test_a_withdrawal_notice_is_not_the_articles_new_version(tmp_path) -> None:
    """"This article has been withdrawn" under a long report's URL and headline became its
    version (and then a story of its own); as the follower does, the stored text stays."""
    with open_store(str(tmp_path / "s.db")) as store:
        store.add_articles([_url_article(FIRE, "2024-01-01")])
        notice = "This article has been withdrawn at the request of the publisher."
        result = store.add_articles([_url_article(notice, "2024-01-02")])
        assert (result.revised, result.shrunk, result.skipped) == (0, 1, 1)
        assert next(iter(store.iter_articles())).text == FIRE


def test_a_corrected_headline_over_the_same_text_is_stored_on_ingest(tmp_path) -> None:
    """The follower stores a page retitled over the same text; ingest dropped it silently
    as "already stored". A rerun of the older export does not put the old title back."""
    with open_store(str(tmp_path / "s.db")) as store:
        store.add_articles([_url_article(FIRE, "2024-01-01", title="MYSTERIES OF FLIGHT")])
        fixed = _url_article(FIRE, "2024-01-01", "2024-01-02T09:00:00+00:00",
                             title="MYSTERIES OF FLIGHT 990")
        assert store.add_articles([fixed]).retitled == 1
        again = store.add_articles([_url_article(FIRE, "2024-01-01", title="MYSTERIES OF FLIGHT")])
        assert again.retitled == 0
        (stored,) = store.iter_articles()
        assert (stored.title, stored.updated) == ("MYSTERIES OF FLIGHT 990",
                                                  "2024-01-02T09:00:00+00:00")
