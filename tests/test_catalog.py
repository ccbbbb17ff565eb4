"""The story list: every sort, filter and paging combination through ``GET /api/stories``,
the CSV export (route and CLI, formula cells defused), the HTML list's controls and pictures,
bad parameters (422, never 500), and the catalog following store changes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from newsweave.catalog import CatalogCache, ListQuery, build_catalog, csv_cell
from newsweave.cli import main
from newsweave.models import Article, Brief, StoryInfo
from newsweave.outlets import Outlet
from newsweave.serve import create_app
from newsweave.store import Store, open_store

TABLE = [
    Outlet("theguardian.com", "The Guardian", "left", "GB", "GMG"),
    Outlet("cnn.com", "CNN", "left", "US", "WBD"),
    Outlet("msnbc.com", "MSNBC", "left", "US", "NBCU"),
    Outlet("foxnews.com", "Fox News", "right", "US", "Fox Corporation"),
    Outlet("aninews.in", "ANI", "center", "IN", "ANI Media"),
]
EVIL_NAME = '<script>alert("x")</script>&Co'
EVIL_LEAN = '"><svg onload=alert(1)>'


def art(aid: str, domain: str | None, published: str | None, words: str = "",
        outlet: str | None = None) -> Article:
    return Article(aid, f"Report {aid} about {words or 'things'} and more words here.",
                   title=f"Title {aid}", outlet=outlet,
                   url=f"https://www.{domain}/{aid}" if domain else None, published=published)


# story -> (headline, members); copies by hand below
STORIES = {
    "mixed": ("Mixed coverage", [art("m1", "theguardian.com", "2017-03-01", "budget"),
                                 art("m2", "foxnews.com", "2017-03-02", "budget"),
                                 art("m3", "aninews.in", "2017-03-03", "budget")]),
    "lefty": ("Only the left", [art("l1", "theguardian.com", "2017-04-01", "strike"),
                                art("l2", "theguardian.com", "2017-04-02", "strike"),
                                art("l3", "cnn.com", "2017-04-02", "strike"),
                                art("l4", "msnbc.com", "2017-04-03", "strike"),
                                art("l5", "foxnews.com", "2017-04-04", "strike")]),  # a copy
    "early": ("An early story", [art("e1", "cnn.com", "2016-12-30", "snow"),
                                 art("e2", None, "2017-05-09", "snow", outlet="ANI")]),
    "undated": ("No date", [art("u1", None, None, "kites")]),
}
COPIES = {"l5": "l3"}


def hand_brief(articles, story_id: str) -> Brief:
    return Brief(StoryInfo(story_id, "x"), (), ())


def fill(store: Store) -> None:
    store.add_articles([a for _, members in STORIES.values() for a in members])
    store.save_stories({a.id: sid for sid, (_, ms) in STORIES.items() for a in ms},
                       {sid: h for sid, (h, _) in STORIES.items()}, COPIES)
    store.import_outlets(TABLE)


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(str(tmp_path / "list.db"))
    fill(s)
    yield s
    s.close()


@pytest.fixture()
def client(store: Store) -> Iterator[TestClient]:
    app = create_app(store, "tok", brief_fn=hand_brief, group_fn=lambda s: None, row_ttl=0.0)
    with TestClient(app) as c:
        yield c


def ids(client: TestClient, **params) -> list[str]:
    r = client.get("/api/stories", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] >= len(body["items"])
    return [s["id"] for s in body["items"]]


# --------------------------------------------------------------------------- items
def test_items_carry_sources_and_coverage(client: TestClient) -> None:
    items = {s["id"]: s for s in client.get("/api/stories").json()["items"]}
    lefty = items["lefty"]
    assert lefty["articles"] == 5
    assert lefty["outlets"] == ["CNN", "Fox News", "MSNBC", "The Guardian"]  # copies' too
    # Guardian twice counts once; Fox's copy of CNN counts none: Guardian, CNN, MSNBC
    assert lefty["sources"] == 3
    assert lefty["coverage"]["lean"] == {"left": 3}
    assert lefty["coverage"]["blindspot"] == "right"
    assert items["mixed"]["sources"] == 3
    assert items["mixed"]["coverage"]["lean"] == {"left": 1, "center": 1, "right": 1}
    assert items["mixed"]["coverage"]["blindspot"] is None
    assert items["early"]["coverage"]["country"] == {"IN": 1, "US": 1}  # ANI matched by name
    assert items["undated"]["coverage"]["lean"] == {"unrated": 1}


def test_story_detail_coverage(client: TestClient) -> None:
    body = client.get("/api/stories/lefty").json()
    assert body["coverage"] == {"lean": {"left": 3}, "country": {"US": 2, "GB": 1},
                                "owner": {"GMG": 1, "NBCU": 1, "WBD": 1}, "blindspot": "right"}
    assert body["independent_sources"] == 3
    by_id = {s["id"]: s for s in body["sources"]}
    assert by_id["l5"]["copy_of"] == "l3"
    assert by_id["l5"]["outlet_info"]["name"] == "Fox News"
    assert by_id["l1"]["outlet_info"]["lean"] == "left"


# --------------------------------------------------------------------------- sorts
@pytest.mark.parametrize("sort, expected", [
    ("updated", ["early", "lefty", "mixed", "undated"]),
    ("first_published", ["lefty", "mixed", "early", "undated"]),
    ("sources", ["lefty", "mixed", "early", "undated"]),
    ("articles", ["lefty", "mixed", "early", "undated"]),
])
def test_sorts(client: TestClient, sort: str, expected: list[str]) -> None:
    assert ids(client, sort=sort) == expected
    if sort == "updated":
        assert ids(client) == expected  # the default


def test_sort_ties_break_by_latest_article(client: TestClient, store: Store) -> None:
    # mixed and early both have 3 / 2 sources; add a story with 3 sources, newer than mixed
    store.add_articles([art("n1", "cnn.com", "2017-03-20"), art("n2", "foxnews.com",
                                                                  "2017-03-21"),
                        art("n3", "aninews.in", "2017-03-22")])
    store.save_stories({"n1": "newer", "n2": "newer", "n3": "newer"}, {"newer": "Newer"})
    assert ids(client, sort="sources") == ["lefty", "newer", "mixed", "early", "undated"]


# --------------------------------------------------------------------------- filters
@pytest.mark.parametrize("params, expected", [
    ({"outlet": "CNN"}, ["early", "lefty"]),
    ({"outlet": "cnn"}, ["early", "lefty"]),  # any case
    ({"outlet": "foxnews.com"}, ["lefty", "mixed"]),  # by domain
    ({"outlet": "ANI"}, ["early", "mixed"]),  # early's ANI has no URL: matched by name
    ({"outlet": "Nobody"}, []),
    ({"lean": "right"}, ["mixed"]),  # lefty's Fox article is a copy: not a right source
    ({"lean": "LEFT"}, ["early", "lefty", "mixed"]),
    ({"lean": "unrated"}, ["undated"]),
    ({"country": "IN"}, ["early", "mixed"]),
    ({"country": "gb"}, ["lefty", "mixed"]),
    ({"from": "2017-04-02"}, ["early", "lefty"]),  # overlaps: early runs to May
    ({"to": "2017-03-01"}, ["early", "mixed"]),
    ({"from": "2017-03-02", "to": "2017-03-31"}, ["early", "mixed"]),
    ({"from": "2017-05-10"}, []),
    ({"language": "en"}, ["early", "lefty", "mixed", "undated"]),  # no column: all English
    ({"language": "fr"}, []),
    ({"q": "strike"}, ["lefty"]),
    ({"q": "budget", "lean": "center"}, ["mixed"]),
    ({"q": "budget", "lean": "center", "country": "US"}, ["mixed"]),
    ({"q": "budget", "country": "GB", "outlet": "ANI"}, ["mixed"]),
    ({"q": "snow", "lean": "right"}, []),
    ({"lean": "left", "sort": "first_published"}, ["lefty", "mixed", "early"]),
    ({"lean": "left", "sort": "articles", "from": "2017-01-01"}, ["lefty", "mixed", "early"]),
    ({"outlet": "CNN", "sort": "sources", "to": "2017-04-30"}, ["lefty", "early"]),
    # empty form fields mean "any"
    ({"lean": "", "country": "  "}, ["early", "lefty", "mixed", "undated"]),
])
def test_filters(client: TestClient, params: dict, expected: list[str]) -> None:
    body = client.get("/api/stories", params=params).json()
    assert [s["id"] for s in body["items"]] == expected
    assert body["total"] == len(expected)


def test_language_filter(store: Store, client: TestClient) -> None:
    with store.engine.begin() as conn:
        if "language" not in store.article_columns():
            conn.execute(text("ALTER TABLE articles ADD COLUMN language TEXT"))
        conn.execute(text("UPDATE articles SET language = 'fr' WHERE id IN ('e1', 'u1')"))
        conn.execute(text("UPDATE articles SET language = 'en' WHERE language IS NULL"))
    client.app.state.catalogs.invalidate()  # a schema change alone does not bump the version
    assert ids(client, language="fr") == ["early", "undated"]
    assert ids(client, language="en") == ["early", "lefty", "mixed"]
    assert ids(client, language="de") == []


# --------------------------------------------------------------------------- paging
@pytest.mark.parametrize("sort", ["updated", "first_published", "sources", "articles"])
@pytest.mark.parametrize("filters", [{}, {"lean": "left"}, {"q": "budget snow strike kites"},
                                     {"from": "2017-01-01"}])
def test_paging_walks_every_item_once(client: TestClient, sort: str, filters: dict) -> None:
    full = client.get("/api/stories", params={"sort": sort, **filters}).json()
    walked = []
    for offset in range(0, full["total"] + 2, 2):
        page = client.get("/api/stories",
                          params={"sort": sort, "limit": 2, "offset": offset, **filters}).json()
        assert page["total"] == full["total"] and page["limit"] == 2
        assert page["offset"] == offset
        walked += [s["id"] for s in page["items"]]
    assert walked == [s["id"] for s in full["items"]]


def test_from_after_to_is_a_422_as_the_docs_say(client: TestClient) -> None:
    """A reversed range answered an empty list, so a slip read as "no stories"; the docs
    (outlets.md) and the parameter's own description called it an error."""
    params = {"from": "2017-05-01", "to": "2017-04-01"}
    body = client.get("/api/stories", params=params)
    assert body.status_code == 422
    assert "to (2017-04-01) is before from (2017-05-01)" in body.json()["detail"]
    page = client.get("/", params=params)
    assert page.status_code == 422 and "is before from" in page.text
    same = client.get("/api/stories", params={"from": "2017-05-01", "to": "2017-05-01"})
    assert same.status_code == 200


@pytest.mark.parametrize("params", [
    {"offset": "99999999999999999999"}, {"offset": 10_000_001}, {"offset": -1},
    {"limit": 0}, {"limit": 201}, {"limit": "1.5"}, {"offset": "zero"},
    {"sort": "popularity"}, {"sort": ""},
    {"from": "yesterday"}, {"from": "2017-02-30"}, {"to": "2017-13-01"}, {"to": "2017-3-1"},
    {"language": "english!"}, {"language": "e"},
    {"q": "x" * 201}, {"outlet": "x" * 201}, {"lean": "x" * 101},
])
def test_bad_params_are_422_with_a_message(client: TestClient, params: dict) -> None:
    paths = ["/api/stories"]
    if params.get("limit") != 201:  # the CSV may be longer than an API page
        paths.append("/api/stories.csv")
    for path in paths:
        r = client.get(path, params=params)
        assert r.status_code == 422, (path, params, r.text)
        assert r.json()["detail"]
    if "limit" not in params and "offset" not in params:  # the page pages with ?page=
        page = client.get("/", params=params)
        assert page.status_code == 422 and "<h1" in page.text


@pytest.mark.parametrize("page", ["0", "-1", "x", "100001", "99999999999999999999"])
def test_bad_page_number_is_422(client: TestClient, page: str) -> None:
    assert client.get("/", params={"page": page}).status_code == 422


# --------------------------------------------------------------------------- CSV
def parse_csv(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


def test_csv_route_uses_the_same_filters(client: TestClient) -> None:
    r = client.get("/api/stories.csv", params={"lean": "left", "sort": "sources"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = parse_csv(r.text)
    assert [row["id"] for row in rows] == ids(client, lean="left", sort="sources")
    lefty = rows[0]
    assert lefty["sources"] == "3" and lefty["blindspot"] == "right"
    assert lefty["lean"] == "left: 3"


def test_csv_cells_cannot_run_as_formulas(client: TestClient, store: Store) -> None:
    for value, shown in [("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2", "'-2"),
                         ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("plain", "plain"), (None, ""),
                         (3, "3")]:
        assert csv_cell(value) == shown
    store.add_articles([art("h1", "evil.com", "2018-01-01", "hostile")])
    store.save_stories({"h1": "hostile"}, {"hostile": '=HYPERLINK("http://x","click")'})
    store.import_outlets([Outlet("evil.com", "@evil", "-left", None, None)])
    rows = parse_csv(client.get("/api/stories.csv", params={"q": "hostile"}).text)
    assert rows[0]["headline"] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert rows[0]["outlets"] == "'@evil" and rows[0]["lean"] == "'-left: 1"


def test_cli_stories_list_csv(tmp_path: Path, store: Store,
                              capsys: pytest.CaptureFixture[str]) -> None:
    db = store.url.removeprefix("sqlite:///")
    assert main(["stories", "--db", db, "--list", "--format", "csv"]) == 0
    rows = parse_csv(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["early", "lefty", "mixed", "undated"]
    assert {r["id"]: r["sources"] for r in rows}["lefty"] == "3"
    assert main(["stories", "--db", db, "--list", "--format", "csv", "--since",
                 "2017-04-02"]) == 0
    assert [r["id"] for r in parse_csv(capsys.readouterr().out)] == ["early", "lefty"]


# --------------------------------------------------------------------------- the HTML list
def test_list_page_keeps_controls_in_links(client: TestClient) -> None:
    page = client.get("/", params={"lean": "left", "sort": "sources", "country": "US",
                                   "from": "2017-01-01"})
    assert page.status_code == 200
    html = page.text
    assert '<option value="sources" selected>' in html
    assert '<option value="left" selected>left</option>' in html
    assert '<option value="US" selected>US</option>' in html
    assert 'name="from" form="search-form" value="2017-01-01"' in html
    assert ('href="/api/stories.csv?sort=sources&amp;lean=left&amp;country=US&amp;'
            'from=2017-01-01"') in html
    # each filter on its own: mixed has a left source (Guardian) and a US one (Fox)
    assert html.count('<li class="story">') == 3
    assert 'class="lean-bar"' in html and "Independent sources by lean: left 3" in html
    assert "blindspot: right" in html


def test_list_page_pager_keeps_filters(client: TestClient, store: Store) -> None:
    extra = [art(f"p{i}", "cnn.com", f"2019-01-{i + 1:02d}", "paging") for i in range(25)]
    store.add_articles(extra)
    store.save_stories({a.id: f"s-{a.id}" for a in extra}, {f"s-{a.id}": a.id for a in extra})
    html = client.get("/", params={"outlet": "CNN"}).text
    assert "page 1 of 2" in html
    assert 'href="/?outlet=CNN&amp;page=2"' in html
    second = client.get("/", params={"outlet": "CNN", "page": 2}).text
    assert 'href="/?outlet=CNN"' in second and second.count('<li class="story">') == 7


def test_hostile_outlet_fields_are_escaped_everywhere(client: TestClient, store: Store) -> None:
    store.import_outlets([Outlet("cnn.com", EVIL_NAME, EVIL_LEAN, EVIL_NAME, EVIL_NAME)])
    if client.get("/stories/lefty").status_code == 202:  # the first read queues the weave
        assert client.app.state.background.wait_idle(30)
    for path in ("/", "/?lean=" + EVIL_LEAN, "/stories/lefty"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<svg onload" not in html, path
        assert "&lt;script&gt;" in html or "&#34;&gt;&lt;svg onload" in html, path
    story = client.get("/stories/lefty").text
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in story  # in the chart's labels, as text


# --------------------------------------------------------------------------- the catalog
def test_catalog_follows_regrouping_and_outlet_changes(store: Store) -> None:
    cache = CatalogCache(store, ttl=0.0)
    first = cache.get()
    assert cache.get() is first  # nothing changed: not rebuilt
    store.import_outlets([Outlet("foxnews.com", "Fox News", "center")])
    second = cache.get()
    assert second is not first
    mixed = next(e for e in second.entries if e.id == "mixed")
    assert mixed.coverage["lean"] == {"left": 1, "center": 2}
    store.save_stories({"u1": "mixed"}, {})
    assert next(e for e in cache.get().entries if e.id == "mixed").articles == 4


def test_catalog_select_directly(store: Store) -> None:
    catalog = build_catalog(store)
    total, page = catalog.select(ListQuery(sort="articles", limit=1, offset=1))
    assert total == 4 and [e.id for e in page] == ["mixed"]
    assert catalog.outlet_names == ["ANI", "CNN", "Fox News", "MSNBC", "The Guardian"]


# --------------------------------------------------------------------------- the story page
@pytest.fixture()
def example_client(tmp_path: Path) -> Iterator[tuple[TestClient, Store]]:
    from newsweave.ingest import read_articles
    from tests.test_serve import EXAMPLE, hand_brief, one_story

    s = open_store(str(tmp_path / "example.db"))
    s.add_articles(read_articles([EXAMPLE]))
    one_story(s)
    s.import_outlets([Outlet("theguardian.com", "The Guardian", "left", "GB", "GMG"),
                      Outlet("aninews.in", "ANI", "center", "IN", "ANI Media")])
    with TestClient(create_app(s, "tok", brief_fn=hand_brief, group_fn=one_story,
                               row_ttl=0.0)) as c:
        if c.get("/stories/sessions-2017").status_code == 202:  # the first read queues the weave
            assert c.app.state.background.wait_idle(30)
        yield c, s
    s.close()


def test_story_page_shows_leans_beside_unique_facts_and_discrepancies(example_client) -> None:
    client, _ = example_client
    html = client.get("/stories/sessions-2017").text
    # hand_brief: the first source (The Guardian) has the unique fact and the first claim
    assert '<summary>The Guardian <span class="tag lean">left</span> (1)</summary>' in html
    assert 'Flynn resigned</span> <span class="muted">— The Guardian <span class="tag lean">' \
           'left</span>' in html
    assert 'id="independent-sources">3</b>' in html
    assert "By country</dt><dd>GB 1, IN 1</dd>" in html
    assert 'class="coverage-chart"' in html and "<desc id=\"time-chart-d\">3 dated articles" in html


def test_story_page_follows_an_outlet_reimport(example_client) -> None:
    client, store = example_client
    assert '<span class="tag lean">left</span>' in client.get("/stories/sessions-2017").text
    store.import_outlets([Outlet("theguardian.com", "The Guardian", "centre-left", "GB")])
    html = client.get("/stories/sessions-2017").text  # same brief, re-rendered page
    assert '<span class="tag lean">centre-left</span>' in html
    assert '<span class="tag lean">left</span>' not in html


def test_readers_get_the_old_catalog_while_it_rebuilds(store: Store, monkeypatch) -> None:
    import threading

    from newsweave import catalog as catalog_module

    cache = CatalogCache(store, ttl=0.0)
    old = cache.get()
    started, release = threading.Event(), threading.Event()
    real_build = catalog_module.build_catalog

    def slow_build(s):
        started.set()
        release.wait(10)
        return real_build(s)

    monkeypatch.setattr(catalog_module, "build_catalog", slow_build)
    store.import_outlets([Outlet("foxnews.com", "Fox News", "center")])  # a change elsewhere
    rebuilt = []
    worker = threading.Thread(target=lambda: rebuilt.append(cache.get()))
    worker.start()
    assert started.wait(10)
    assert cache.get() is old  # not blocked behind the rebuild
    release.set()
    worker.join(10)
    assert rebuilt and rebuilt[0] is not old and cache.get() is rebuilt[0]
    cache.invalidate()  # this server's own write: readers wait for the new catalog
    assert cache.get() is not rebuilt[0]


def test_refresh_rebuilds_in_the_caller_while_readers_keep_the_old(store: Store,
                                                                  monkeypatch) -> None:
    import threading

    from newsweave import catalog as catalog_module

    cache = CatalogCache(store, ttl=0.0)
    old = cache.get()
    cache.refresh()
    assert cache.get() is old  # the store did not change: one check, no rebuild
    started, release = threading.Event(), threading.Event()
    real_build = catalog_module.build_catalog

    def slow_build(s):
        started.set()
        release.wait(10)
        return real_build(s)

    monkeypatch.setattr(catalog_module, "build_catalog", slow_build)
    store.import_outlets([Outlet("aninews.in", "ANI", "center-right", "IN")])  # our own write
    worker = threading.Thread(target=cache.refresh)  # as the background worker does
    worker.start()
    assert started.wait(10)
    assert cache.get() is old  # readers are not held up by the rebuild
    release.set()
    worker.join(10)
    new = cache.get()
    assert new is not old and "center-right" in new.matcher.leans


def test_story_page_is_not_rerendered_by_another_storys_change(example_client,
                                                              monkeypatch) -> None:
    from newsweave import serve as serve_module

    client, store = example_client
    renders: list[int] = []
    real_view = serve_module.story_view
    monkeypatch.setattr(serve_module, "story_view",
                        lambda *a: renders.append(1) or real_view(*a))
    first = client.get("/stories/sessions-2017").text
    n = len(renders)
    store.add_articles([Article("other-1", "Another report entirely.", title="Other")])
    store.save_stories({"other-1": "other"}, {"other": "Another story"})
    assert client.get("/api/stories").json()["total"] == 2  # the list follows at once
    assert client.get("/stories/sessions-2017").text == first
    assert len(renders) == n  # served from the cached page
    store.import_outlets([Outlet("theguardian.com", "The Guardian", "centre-left", "GB")])
    assert "centre-left" in client.get("/stories/sessions-2017").text
    assert len(renders) == n + 1  # the leans it shows changed: rendered again


def test_refresh_builds_elsewhere_and_falls_back_here(store: Store) -> None:
    cache = CatalogCache(store, ttl=0.0)
    cache.get()
    store.import_outlets([Outlet("aninews.in", "ANI", "center-right", "IN")])
    made = build_catalog(store)
    cache.refresh(lambda: (store.catalog_version(), made))
    assert cache.get() is made
    store.import_outlets([Outlet("aninews.in", "ANI", "centre", "IN")])

    def broken() -> tuple:
        raise RuntimeError("the job process ended")

    cache.refresh(broken)  # built here instead
    assert cache.get() is not made and "centre" in cache.get().matcher.leans


# --------------------------------------------------------------------------- updates in place
def test_order_key_is_the_sort_order_ties_included() -> None:
    """Binary search places an entry where ``sort_entries`` would: same dates, counts and
    missing dates tie, the later keys and then the id decide."""
    import random

    from newsweave.catalog import SORTS, Entry, order_key, sort_entries
    from newsweave.store import BriefVersion

    rng = random.Random(7)
    days = [None, "2017-03-01", "2017-03-02", "2017-03-02T10:00:00+00:00"]
    briefs = [None, BriefVersion("s", 1, "2026-12-07T10:00:00+00:00", (), "f"),
              BriefVersion("s", 4, "2026-12-07T11:00:00+00:00", (), "f")]
    entries = [Entry(id=f"s{i:02d}", headline="h", first_published=rng.choice(days),
                     last_published=rng.choice(days), updated_at=rng.choice(["a", "b"]),
                     articles=rng.randint(1, 3), coverage={"sources": rng.randint(1, 3)},
                     outlet_keys=frozenset(), languages=frozenset(),
                     latest=rng.choice(briefs))
               for i in range(60)]
    assert "changed" in SORTS
    for sort in SORTS:
        by_passes = list(entries)
        sort_entries(by_passes, sort)
        assert [e.id for e in sorted(entries, key=order_key(sort))] == [
            e.id for e in by_passes], sort


def test_answers_carried_over_many_updates_equal_a_fresh_computation(tmp_path: Path) -> None:
    """Random writes (new stories, moves, removals, headlines), each followed by an update of
    the list in place; some queries asked after some updates only. Every answer equals the
    one a list built from scratch gives, and a search answered once is asked again only for
    the stories changed since (never whole, never more stories than changed)."""
    import random

    store = open_store(str(tmp_path / "carry.db"))
    fill(store)
    store.import_outlets(TABLE)
    rng = random.Random(11)
    words = ["budget", "strike", "snow", "kites", "zeta"]
    domains = ["theguardian.com", "cnn.com", "foxnews.com", "aninews.in", None]
    queries = [ListQuery(sort=sort, q=q, lean=lean, limit=99)
               for sort in ("updated", "first_published", "sources", "articles", "changed")
               for q in (None, "budget", "strike report", "zeta")
               for lean in (None, "left")]
    queries += [ListQuery(q="snow", date_from="2017-03-02", limit=99),
                ListQuery(outlet="cnn", sort="sources", limit=2, offset=1)]
    cache = CatalogCache(store, ttl=0.0)
    asked: list[tuple[str, object]] = []

    def search(q: str, within=None) -> set[str]:
        asked.append((q, None if within is None else frozenset(within)))
        return store.matching_story_ids(q, within)

    many = store.matching_story_ids_many

    def search_many(qs: list[str], within) -> dict[str, set[str]]:  # the list's own re-asks
        asked.extend((q, frozenset(within)) for q in qs)
        return many(qs, within)

    store.matching_story_ids_many = search_many

    def check(catalog, chosen: list[ListQuery]) -> None:
        fresh = build_catalog(store)
        for query in chosen:
            total, page = catalog.select(query, search)
            want_total, want = fresh.select(query, store.matching_story_ids)
            assert (total, [e.id for e in page]) == (want_total, [e.id for e in want]), query
            assert [e for e in page] == list(want)  # the entries too, not only the order
            shown = (total, [e.id for e in page])
            rendered = catalog.view(("page", query), query, search,
                                    lambda shown=shown: shown)  # reused when untouched
            assert rendered == (want_total, [e.id for e in want]), query

    check(cache.get(), queries)
    since: dict[str, set[str]] = {q: set() for q, _ in asked}  # changed since last answered
    n = 0
    for step in range(25):
        stories = sorted({e.id for e in cache.get().entries})
        kind = rng.choice(["new", "move", "headline", "new", "brief"])
        if kind == "new":
            n += 1
            day = rng.choice([None, f"2017-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"])
            a = art(f"n{n}", rng.choice(domains), day, rng.choice(words))
            store.add_articles([a])
            target = rng.choice(stories + [f"new{n}"])
            store.save_stories({a.id: target}, {target: f"Story {target}"})
        elif kind == "move":
            members = store.story_memberships()
            sid = rng.choice(sorted(members))
            aid = rng.choice([m[0] for m in members[sid]])
            store.save_stories({aid: rng.choice(stories)}, {})  # may empty (remove) a story
        elif kind == "brief":  # a story woven again: it comes first in sort=changed
            sid = rng.choice(stories)
            store.add_brief_version(sid, [], f"f{step}", "{}")
        else:
            sid = rng.choice(stories)
            store.save_stories({}, {sid: f"Headline {step}"})
        changed = {sid for sid, _ in store.story_changes(cache._stamp or 0)}
        for q in since:
            since[q] |= changed
        before = len(asked)
        check(cache.get(), rng.sample(queries, 6) if step < 24 else queries)
        for q, within in asked[before:]:
            if q in since:  # answered before: only what changed since is asked again
                assert within == since[q], (q, within, since[q])
            since[q] = set()
    assert any(within is not None and len(within) < len(cache.get().entries)
               for _q, within in asked)
    store.close()


def test_a_rendering_is_reused_after_a_write_only_if_its_answer_is_untouched(
        store: Store) -> None:
    """A list page or API answer rendered for one catalog is reused by the updated one when
    the write changed nothing it shows (the same answer list, the same other inputs); a write
    that adds a story to its answer, or other inputs, make it again."""
    cache = CatalogCache(store, ttl=0.0)
    made: list[int] = []

    def render(catalog, query: ListQuery, depends: object = "d") -> object:
        def make() -> object:
            made.append(1)
            total, page = catalog.select(query, store.matching_story_ids)
            return (total, tuple(e.id for e in page))
        return catalog.view(("page", query), query, store.matching_story_ids, make, depends)

    budget, everything = ListQuery(q="budget"), ListQuery()
    first = render(cache.get(), budget)
    assert first == (1, ("mixed",)) and len(made) == 1
    render(cache.get(), everything)
    assert len(made) == 2

    store.add_articles([art("s9", "cnn.com", "2017-06-01", "strike")])
    store.save_stories({"s9": "new"}, {"new": "A new story"})
    second = cache.get()
    assert second.generation > 0  # updated in place, not rebuilt
    assert render(second, budget) is first and len(made) == 2  # untouched: reused
    assert render(second, everything)[0] == 5 and len(made) == 3  # a new story: made again

    store.add_articles([art("k9", "cnn.com", "2017-06-02", "kites")])
    store.save_stories({"k9": "new"}, {})
    assert render(cache.get(), budget, depends="other") == first and len(made) == 4

    store.add_articles([art("b9", "cnn.com", "2017-06-03", "budget")])
    store.save_stories({"b9": "new"}, {})  # the new story now matches the search too
    assert render(cache.get(), budget, depends="other") == (2, ("new", "mixed"))
    assert len(made) == 5


def test_an_updated_list_is_warmed_before_it_replaces_the_old(store: Store) -> None:
    """``warm(old, new)`` runs on the list updated after a write while readers still get the
    old one; what it makes is there for the first reader of the new one."""
    seen: list[tuple[object, object, object]] = []
    budget = ListQuery(q="budget")

    def warm(old, new) -> None:
        seen.append((old, new, cache.latest()))
        new.view(("page", budget), budget, store.matching_story_ids,
                 lambda: new.select(budget, store.matching_story_ids)[0])

    cache = CatalogCache(store, ttl=0.0, warm=warm)
    first = cache.get()
    assert seen == []  # a whole build has nothing to warm from
    store.add_articles([art("b9", "cnn.com", "2017-06-02", "budget")])
    store.save_stories({"b9": "new"}, {"new": "A new story"})
    second = cache.get()
    assert [(o, n) for o, n, _ in seen] == [(first, second)]
    assert seen[0][2] is first  # readers had the old list while it was warmed
    assert second.cached(("page", budget)) == 2  # the new story counted, before anyone asked


def test_list_pages_asked_before_a_write_are_made_for_the_new_list(tmp_path: Path) -> None:
    """Through the server: after another process's write, the search page readers asked for
    is made for the updated list before it is installed, and shows the new story."""
    s = open_store(str(tmp_path / "warm.db"))
    fill(s)
    app = create_app(s, "tok", brief_fn=hand_brief, group_fn=lambda st: None)
    with TestClient(app) as c:
        assert "Mixed coverage" in c.get("/", params={"q": "budget"}).text
        assert c.get("/api/stories", params={"q": "budget"}).json()["total"] == 1
        s.add_articles([art("b9", "cnn.com", "2017-06-02", "budget")])
        s.save_stories({"b9": "new"}, {"new": "A brand new story"})
        app.state.catalogs.refresh()
        latest = app.state.catalogs.latest()
        assert latest.generation > 0  # updated in place
        keys = latest.page_keys()
        assert {k[0] for k in keys} == {"index", "api"}  # both made before anyone asked
        assert "A brand new story" in c.get("/", params={"q": "budget"}).text
        assert c.get("/api/stories", params={"q": "budget"}).json()["total"] == 2
    s.close()


def test_warming_pauses_between_slices(tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The updating thread makes the views in slices, sleeping (holding no GIL) after each
    and once before the first: with a slice of no time, a pause after every view."""
    import newsweave.serve as serve_module

    s = open_store(str(tmp_path / "pace.db"))
    fill(s)
    app = create_app(s, "tok", brief_fn=hand_brief, group_fn=lambda st: None)
    pauses: list[float] = []
    with TestClient(app) as c:
        for q in ("budget", "strike", "snow"):
            assert c.get("/", params={"q": q}).status_code == 200
        s.add_articles([art("b9", "cnn.com", "2017-06-02", "budget")])
        s.save_stories({"b9": "new"}, {"new": "A brand new story"})
        asked = len(app.state.catalogs.latest().page_keys())
        monkeypatch.setattr(serve_module, "WARM_SLICE_S", 0.0)
        monkeypatch.setattr(serve_module.time, "sleep", pauses.append)
        app.state.catalogs.refresh()
        monkeypatch.undo()
        assert app.state.catalogs.latest().generation > 0
        assert pauses == [serve_module.WARM_PAUSE_S] * (1 + asked)
        assert "A brand new story" in c.get("/", params={"q": "budget"}).text
    s.close()


def test_the_first_reader_after_a_quiet_spell_gets_the_list_as_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a quiet spell the story list answered the first reader from memory and checked
    in the background, so another process's ingest 30 s before was missing from that answer
    (while search found it); a list checked longer ago than ``STALE_LIST_S`` is checked
    first. The clock is moved by hand: no waiting in a test."""
    import types

    import newsweave.catalog as catalog_module

    now = [1000.0]  # the catalog's clock only (the event loop keeps the real one)
    monkeypatch.setattr(catalog_module, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    s = open_store(str(tmp_path / "quiet.db"))
    fill(s)
    app = create_app(s, "tok", brief_fn=hand_brief, group_fn=lambda st: None, row_ttl=1.0)
    with TestClient(app) as c:
        before = c.get("/api/stories").json()["total"]
        s.add_articles([art("b9", "cnn.com", "2017-06-02", "budget")])  # another process
        s.save_stories({"b9": "new"}, {"new": "A brand new story"})
        now[0] += 30.0  # a quiet half minute
        assert c.get("/api/stories").json()["total"] == before + 1
    s.close()
