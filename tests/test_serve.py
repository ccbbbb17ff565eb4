"""The web app over a real SQLite store: every API route (good and bad input, tokens, size
limits, unknown and malformed ids), the pages (escaping, citations, empty sections), headers.

Briefs here come from a small hand-made ``brief_fn`` so the tests need no models; the browser
tests (test_browser.py) run the real weave."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from fastapi.testclient import TestClient

from newsweave.cli import build_parser, main
from newsweave.ingest import article_id, read_articles
from newsweave.models import (
    Article,
    Brief,
    Claim,
    Coverage,
    Discrepancy,
    Entity,
    Origin,
    Quote,
    QuoteVariant,
    SharedPassage,
    Source,
    StoryInfo,
    SummarySentence,
    TimelineEntry,
    UniqueFacts,
)
from newsweave.serve import (
    CSP,
    MAX_FORM_BYTES,
    MAX_JSON_BYTES,
    BriefCache,
    CachedStory,
    create_app,
    locate_support,
    mark_segments,
    parse_partial_date,
    safe_url,
    story_view,
    timeline_chart,
)
from newsweave.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sessions-2017"
SCHEMA = json.loads((ROOT / "src" / "newsweave" / "data" / "brief.schema.json").read_text())
TOKEN = "s3cret-token"
STORY = "sessions-2017"
EVIL = 'Breaking <script>alert("pwned")</script> news from <b>nowhere</b>. It was "bad" & worse.'


def first_sentence(text: str) -> tuple[int, int]:
    end = text.find(". ")
    return 0, (end + 1 if end > 0 else len(text))


def hand_brief(articles: Sequence[Article], story_id: str) -> Brief:
    """A brief with every section filled, built from the articles without any model: each
    article's first sentence, cited by every article."""
    ids = tuple(a.id for a in articles)
    summary = []
    for a in articles:
        start, end = first_sentence(a.text)
        summary.append(SummarySentence(a.text[start:end], ids, Origin(a.id, start, end)))
    first = articles[0]
    return Brief(
        story=StoryInfo(story_id, first.title or "Untitled", "2017-03-02", "2017-03-03"),
        sources=tuple(Source(a.id, a.title, a.outlet, a.published, a.url, None, a.words)
                      for a in articles),
        summary=tuple(summary),
        quotes=(Quote("Jeff Sessions", "I never met with any Russian officials",
                      tuple(QuoteVariant(i, "I never met with any Russian officials", 0, 38,
                                         direct=n == 0) for n, i in enumerate(ids)), "e1"),),
        entities=(Entity("e1", "Jeff Sessions", "PERSON", ("Jeff Sessions", "Sessions"), ids, 9),),
        timeline=(TimelineEntry("2017-03-01", "The Post reported the meetings.", ids[:1],
                                "on Wednesday"),
                  TimelineEntry("2016-07", "Sessions met Kislyak at a convention.", ids),
                  TimelineEntry("2016", "The campaign season.", ids[-1:])),
        coverage=Coverage(
            shared_passages=(SharedPassage(ids[:2], "a passage both carry"),),
            unique=(UniqueFacts(ids[0], ("Only this outlet says so.",)),),
            discrepancies=(Discrepancy("Flynn", (Claim("Flynn resigned", ids[:1]),
                                                 Claim("Flynn was fired", ids[1:2])), "fact"),),
        ),
    )


def empty_brief(articles: Sequence[Article], story_id: str) -> Brief:
    return Brief(StoryInfo(story_id, "Empty"), (), ())


def one_story(store: Store) -> None:
    """Group by hand: every stored article in one story (grouping has its own tests)."""
    ids = [a.id for a in store.iter_articles()]
    store.save_stories({i: STORY for i in ids}, {STORY: "Sessions and the Russian ambassador"})


class Calls:
    """A brief_fn wrapper that counts weaves (to see the cache work)."""

    def __init__(self, fn=hand_brief) -> None:
        self.fn = fn
        self.count = 0

    def __call__(self, articles: Sequence[Article], story_id: str) -> Brief:
        self.count += 1
        return self.fn(articles, story_id)


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(str(tmp_path / "serve.db"))
    s.add_articles(read_articles([EXAMPLE]))
    one_story(s)
    yield s
    s.close()


@pytest.fixture()
def weaves() -> Calls:
    return Calls()


@pytest.fixture()
def client(store: Store, weaves: Calls) -> Iterator[TestClient]:
    app = create_app(store, TOKEN, brief_fn=weaves, group_fn=one_story, row_ttl=0.0)
    with TestClient(app) as c:
        yield c


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def idle(c: TestClient) -> None:
    """Let the background worker finish what requests queued (some weave with the real
    models, which take far longer on a loaded 2-core machine)."""
    assert c.app.state.background.wait_idle(120)


def ready(c: TestClient, path: str):
    """GET ``path`` once its brief is woven: the first read queues the weave and answers 202."""
    r = c.get(path)
    if r.status_code == 202:
        assert r.headers["retry-after"]
        idle(c)
        r = c.get(path)
    return r


# --------------------------------------------------------------------------- API: reads
def test_list_stories(client: TestClient, store: Store) -> None:
    body = client.get("/api/stories").json()
    assert body["total"] == 1
    (item,) = body["items"]
    assert item["id"] == STORY
    assert item["articles"] == 3
    assert item["first_published"] == "2017-03-02" and item["last_published"] == "2017-03-03"
    assert set(item["outlets"]) == {"ANI", "The Guardian"}


def test_list_stories_paging_and_search(client: TestClient, store: Store) -> None:
    store.add_articles([Article("other1", "Floods hit the valley town of Hallstatt on Monday.",
                                published="2018-05-01")])
    store.save_stories({"other1": "floods"}, {"floods": "Floods in Hallstatt"})
    page = client.get("/api/stories", params={"limit": 1}).json()
    assert page["total"] == 2 and [s["id"] for s in page["items"]] == ["floods"]  # newest first
    page2 = client.get("/api/stories", params={"limit": 1, "offset": 1}).json()
    assert [s["id"] for s in page2["items"]] == [STORY]
    found = client.get("/api/stories", params={"q": "Kislyak"}).json()
    assert [s["id"] for s in found["items"]] == [STORY] and found["total"] == 1
    assert client.get("/api/stories", params={"q": "Hallstatt"}).json()["items"][0]["id"] == (
        "floods"
    )
    assert client.get("/api/stories", params={"q": "zyzzyva"}).json() == {
        "items": [], "total": 0, "limit": 50, "offset": 0, "sort": "updated"}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 10_000}, {"offset": -1},
                                    {"limit": "ten"}, {"q": "x" * 201}])
def test_list_stories_bad_params(client: TestClient, params: dict) -> None:
    r = client.get("/api/stories", params=params)
    assert r.status_code == 422
    assert r.json()["detail"]  # a readable message, not only a list


def test_story_detail(client: TestClient, store: Store) -> None:
    body = client.get(f"/api/stories/{STORY}").json()
    assert body["id"] == STORY and body["articles"] == 3
    assert {s["id"] for s in body["sources"]} == set(store.get_story(STORY).article_ids)
    assert all(s["words"] > 50 for s in body["sources"])


def test_changes_name_a_source_that_moved_to_another_story(
    client: TestClient, store: Store
) -> None:
    """A later grouping run moves one source out (a split, or its revised text grouped
    again): the next version says so, and where it went."""
    assert ready(client, f"/api/stories/{STORY}/brief").status_code == 200
    moved = sorted(store.get_story(STORY).article_ids)[0]
    store.save_stories({moved: "s-elsewhere"}, {"s-elsewhere": "Another story"})
    assert ready(client, f"/api/stories/{STORY}/brief").headers["x-brief-version"] == "1"
    idle(client)
    changes = client.get(f"/api/stories/{STORY}/changes", params={"since": 1}).json()
    assert changes["version"] == 2
    assert [(s["id"], s["now_in"]) for s in changes["left_sources"]] == [
        (moved, ["s-elsewhere"])]
    page = client.get(f"/stories/{STORY}").text
    assert "1 source moved to another story" in page
    title = store.get_article(moved).title
    assert f'“{title}” is now in <a href="/stories/s-elsewhere">another story</a>' in page


def test_a_story_merged_away_redirects_to_where_its_articles_are(
    client: TestClient, store: Store
) -> None:
    """A bookmarked story that a later run merged into another (or left when its only
    article was grouped again) leads to the story holding its articles, not to a 404; an old
    version of it is its own and is not redirected."""
    assert ready(client, f"/api/stories/{STORY}/brief").status_code == 200
    ids = [a.id for a in store.iter_articles()]
    store.save_stories({i: "s-after" for i in ids}, {"s-after": "Sessions, merged"})
    assert store.get_story(STORY) is None
    for path in (f"/api/stories/{STORY}", f"/api/stories/{STORY}/brief", f"/stories/{STORY}"):
        moved = client.get(path + "?x=1", follow_redirects=False)
        assert moved.status_code == 307, path
        assert moved.headers["location"] == path.replace(STORY, "s-after") + "?x=1"
    assert client.get(f"/api/stories/{STORY}").json()["id"] == "s-after"  # followed
    # its stored versions stay readable where the version list and the feeds link them
    # (they answered 404 "no story")
    old = client.get(f"/stories/{STORY}?version=1", follow_redirects=False)
    assert old.status_code == 200 and "You are reading version 1" in old.text
    brief = client.get(f"/api/stories/{STORY}/brief?version=1", follow_redirects=False)
    assert brief.status_code == 200 and brief.json()["story"]["id"] == STORY
    assert client.get(f"/stories/{STORY}?version=2", follow_redirects=False).status_code == 404
    listed = client.get(f"/api/stories/{STORY}/versions", follow_redirects=False)
    assert listed.status_code == 200 and [v["version"] for v in listed.json()] == [1]
    assert client.get("/stories/no-such-id", follow_redirects=False).status_code == 404


@pytest.mark.parametrize("path", ["/api/stories/{}", "/api/stories/{}/brief", "/api/articles/{}"])
def test_unknown_and_malformed_ids(client: TestClient, path: str) -> None:
    missing = client.get(path.format("no-such-id"))
    assert missing.status_code == 404 and "no-such-id" in missing.json()["detail"]
    if path.startswith("/api/articles"):  # any id ingest keeps: a URL, "weird id", "ünï"
        for possible in ["bad%20id", "-dash-first", "x" * 129, "semi%3Bcolon", "a%2Fb"]:
            assert client.get(path.format(possible)).status_code == 404, possible
        bad = ["%20bad", "bad%20", "x" * 513, "nul%00id"]
    else:
        bad = ["bad%20id", "-dash-first", "x" * 129, "semi%3Bcolon"]
    for value in bad:
        assert client.get(path.format(value)).status_code == 422, value


def test_the_being_woven_page_does_not_reload_itself(client: TestClient) -> None:
    """A page that reloads every few seconds moves a screen reader back to its top, with no
    way to stop it (WCAG 2.2.1): the page says so, offers a link and lets the script ask."""
    page = client.get(f"/stories/{STORY}")
    assert page.status_code == 202 and "being woven" in page.text
    assert "http-equiv" not in page.text and "refresh" not in page.text.lower()
    assert f'data-poll="/api/stories/{STORY}/brief"' in page.text
    assert f'<a id="weaving-link" href="/stories/{STORY}">Check again</a>' in page.text
    assert "<title>Being woven: " in page.text
    idle(client)


def test_brief_validates_and_is_cached(client: TestClient, store: Store, weaves: Calls) -> None:
    pending = client.get(f"/api/stories/{STORY}/brief")
    assert pending.status_code == 202 and pending.json()["status"] == "weaving"
    assert pending.headers["retry-after"] == "3"
    idle(client)
    first = client.get(f"/api/stories/{STORY}/brief")
    assert first.status_code == 200 and first.headers["x-brief-version"] == "1"
    brief = first.json()
    jsonschema.validate(brief, SCHEMA)
    assert brief["story"]["id"] == STORY and len(brief["sources"]) == 3
    client.get(f"/api/stories/{STORY}/brief")
    assert client.get(f"/stories/{STORY}").status_code == 200
    assert weaves.count == 1  # brief API and story page share one stored weave
    # the story changes (an article joins): the stored brief is served, marked stale, while
    # the new one is woven in the background
    store.add_articles([Article("late1", "Sessions recused himself on Thursday, officials said.",
                                outlet="AP", published="2017-03-04")])
    one_story(store)
    stale = client.get(f"/api/stories/{STORY}/brief")
    assert stale.status_code == 200 and stale.headers["x-brief-stale"] == "1"
    assert stale.content == first.content
    idle(client)
    again = client.get(f"/api/stories/{STORY}/brief")
    assert weaves.count == 2 and again.headers["x-brief-version"] == "2"
    assert "x-brief-stale" not in again.headers
    assert "late1" in {s["id"] for s in again.json()["sources"]}
    # versions and what changed
    versions = client.get(f"/api/stories/{STORY}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    assert "late1" in versions[1]["articles"] and "late1" not in versions[0]["articles"]
    # a client that saw version 1 asks for the rest, without the article ids
    rest = client.get(f"/api/stories/{STORY}/versions", params={"after": 1, "articles": False})
    assert rest.json() == [{"version": 2, "created": versions[1]["created"],
                            "changes": versions[1]["changes"]}]
    assert versions[0]["changes"] == {}  # a story's first brief
    assert client.get(f"/api/stories/{STORY}/versions", params={"after": 2}).json() == []
    old = client.get(f"/api/stories/{STORY}/brief", params={"version": 1})
    assert old.content == first.content and old.headers["x-brief-version"] == "1"
    changes = client.get(f"/api/stories/{STORY}/changes", params={"since": 1}).json()
    assert [s["id"] for s in changes["new_sources"]] == ["late1"]
    assert changes["since"] == 1 and changes["version"] == 2
    # counted once, when version 2 was stored: the same as what /changes lists
    assert versions[1]["changes"] == {k: len(v) for k, v in changes.items()
                                      if isinstance(v, list) and v}
    assert versions[1]["changes"]["new_sources"] == 1
    page = client.get(f"/stories/{STORY}").text
    assert "Updated since version 1: 1 new source, 1 new summary sentence" in page
    assert f'href="/stories/{STORY}?version=1"' in page
    old_page = client.get(f"/stories/{STORY}", params={"version": 1}).text
    assert "You are reading version 1 of 2" in old_page and "late1" not in old_page
    assert client.get(f"/api/stories/{STORY}/brief", params={"version": 3}).status_code == 404
    assert client.get(f"/api/stories/{STORY}/changes", params={"since": 9}).status_code == 404
    assert client.get(f"/api/stories/{STORY}/changes").status_code == 422
    # any two versions: version 1 against itself adds nothing
    same = client.get(f"/api/stories/{STORY}/changes", params={"since": 1, "version": 1})
    assert same.json()["version"] == 1 and same.json()["new_sources"] == []
    missing = client.get(f"/api/stories/{STORY}/changes", params={"since": 1, "version": 5})
    assert missing.status_code == 404 and "no stored version 5" in missing.text
    assert client.get("/api/stories/nope/versions").status_code == 404
    nope = client.get("/api/stories/nope/changes", params={"since": 1})
    assert nope.status_code == 404 and nope.json()["detail"] == "no story nope"
    back = client.get(f"/api/stories/{STORY}/changes", params={"since": 2, "version": 1})
    assert back.status_code == 422 and "must not be above version" in back.text


def test_atom_feeds_of_story_updates(client: TestClient, store: Store) -> None:
    """`/feed.atom` and `/stories/{id}/feed.atom`: each stored brief an entry saying what it
    added; a poll that finds nothing new is answered 304."""
    import feedparser

    assert ready(client, f"/api/stories/{STORY}/brief").status_code == 200
    store.add_articles([Article(id="late1", text="Sessions spoke again on Friday. He said "
                                "he would testify.", outlet="AP", published="2017-03-04")])
    one_story(store)
    client.get(f"/api/stories/{STORY}/brief")
    idle(client)
    r = client.get("/feed.atom")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo
    assert [e.link for e in feed.entries] == [  # root-relative: no Host header is echoed
        f"/stories/{STORY}?version=2", f"/stories/{STORY}?version=1"]
    forged = client.get("/feed.atom", headers={"Host": "evil.example"})
    assert b"evil.example" not in forged.content
    assert feed.entries[0].summary.startswith("Updated: 1 new source")
    assert "<li>New source: " in feed.entries[0].content[0].value  # and which one
    assert feed.entries[1].summary.startswith("New story: ")
    again = client.get("/feed.atom", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    one = feedparser.parse(client.get(f"/stories/{STORY}/feed.atom").content)
    assert len(one.entries) == 2 and one.feed.title.endswith(" · newsweave")
    assert client.get("/stories/nope/feed.atom").status_code == 404
    page = client.get(f"/stories/{STORY}").text
    assert f'type="application/atom+xml" title="Updates of this story" href="/stories/{STORY}' \
           '/feed.atom"' in page
    assert 'href="/feed.atom"' in client.get("/").text
    # HEAD is answered as GET, without the body: what a monitor or a feed reader asks first
    head = client.head("/feed.atom")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == r.headers["etag"]
    assert head.headers["content-length"] == str(len(client.get("/feed.atom").content))
    assert client.head(f"/stories/{STORY}").status_code == 200
    assert client.head("/api/stories").headers["content-type"] == "application/json"
    # a wrong method names the right ones (RFC 9110), on a feed and on a page alike
    for path in ("/feed.atom", f"/stories/{STORY}"):
        wrong = client.request("TRACE", path)
        assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]


def test_a_feed_follows_the_stories_a_list_filter_keeps(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`/feed.atom` takes the story list's filters: its entries are the latest stored briefs
    of the stories the list keeps (the same as picking them from every brief), its links
    and title name the filter, and a brief of another story leaves its ETag unchanged."""
    import random

    import feedparser

    import newsweave.serve

    monkeypatch.setattr(newsweave.serve, "FEED_ENTRIES", 5)
    s = open_store(str(tmp_path / "feeds.db"))
    topics = {"storm": "Gazette", "election": "Herald", "harbour": "Gazette"}
    stories = {}
    for i in range(12):
        topic = list(topics)[i % 3]
        a = Article(id=f"a{i}", text=f"Report {i} on the {topic} in the city.",
                    title=f"{topic.title()} {i}", outlet=topics[topic], published="2017-03-02")
        s.add_articles([a])
        stories[a.id] = f"s-{topic}-{i}"
    s.save_stories(stories, {sid: sid for sid in stories.values()})
    rng = random.Random(60)
    woven = [sid for sid in stories.values() for _ in range(rng.randint(0, 3))]
    rng.shuffle(woven)
    for n, sid in enumerate(woven):
        s.add_brief_version(sid, [sid], f"f{n}", json.dumps({"sources": [], "summary": [
            {"text": f"Sentence {n}."}], "story": {"headline": sid}}))
    every = s.recent_brief_versions(10_000)
    with TestClient(create_app(s, None, brief_fn=hand_brief, group_fn=lambda st: None)) as c:
        for params in ({"q": "storm"}, {"outlet": "Gazette"}, {"outlet": "Herald", "q": "city"},
                       {}):
            kept = {i["id"] for i in c.get("/api/stories", params=params | {"limit": 200}
                                           ).json()["items"]}
            r = c.get("/feed.atom", params=params)
            feed = feedparser.parse(r.content)
            expected = [(v.story_id, v.version) for v in every if v.story_id in kept][:5]
            assert [(e.link.split("?")[0].split("/")[-1], int(e.link.split("=")[-1]))
                    for e in feed.entries] == expected, params
            self_link = [x.href for x in feed.feed.links if x.rel == "self"][0]
            assert self_link.split("?")[0] == "/feed.atom"
            assert parse_qs(urlsplit(self_link).query) == {k: [v] for k, v in params.items()}
            assert (params.get("q") or "") in feed.feed.title
        storm = c.get("/feed.atom", params={"q": "storm"})
        assert "(search: storm)" in feedparser.parse(storm.content).feed.title
        # another story's new brief: the storm feed is unchanged, the Herald one is not
        herald = c.get("/feed.atom", params={"outlet": "Herald"})
        s.add_brief_version("s-election-1", ["s-election-1"], "new", json.dumps({"summary": [
            {"text": "New."}]}))
        time.sleep(1.1)  # past the story list's re-check interval
        assert c.get("/feed.atom", params={"q": "storm"}, headers={
            "If-None-Match": storm.headers["etag"]}).status_code == 304
        changed = c.get("/feed.atom", params={"outlet": "Herald"}, headers={
            "If-None-Match": herald.headers["etag"]})
        assert changed.status_code == 200
        assert "s-election-1" in feedparser.parse(changed.content).entries[0].link
        assert feedparser.parse(c.get("/feed.atom", params={"q": "zyzzyva"}).content
                                ).entries == []
        bad = c.get("/feed.atom", params={"from": "2017-02-30"})
        assert bad.status_code == 422 and "from" in bad.json()["detail"]
        page = c.get("/", params={"q": "storm"}).text
        assert 'id="feed-link" href="/feed.atom?q=storm"' in page
        assert 'title="Updates of these stories" href="/feed.atom?q=storm"' in page
        assert 'id="feed-link" href="/feed.atom"' in c.get("/").text
    s.close()


def test_story_change_by_another_writer_shows_within_ttl(store: Store, weaves: Calls) -> None:
    with TestClient(create_app(store, TOKEN, brief_fn=weaves, row_ttl=0.3)) as c:
        assert c.get(f"/api/stories/{STORY}").json()["articles"] == 3
        ready(c, f"/api/stories/{STORY}/brief")
        store.add_articles([Article("late2", "Another report on the recusal.")])
        one_story(store)  # as an ingest in another process would
        time.sleep(0.35)
        assert ready(c, f"/api/stories/{STORY}/brief").headers["x-brief-stale"] == "1"
        idle(c)
        time.sleep(0.35)
        assert len(c.get(f"/api/stories/{STORY}/brief").json()["sources"]) == 4
        assert weaves.count == 2


def test_article(client: TestClient, store: Store) -> None:
    aid = store.get_story(STORY).article_ids[0]
    body = client.get(f"/api/articles/{aid}").json()
    stored = store.get_article(aid)
    assert body["id"] == aid and body["text"] == stored.text
    assert body["stories"] == [STORY]
    assert "path" not in body  # server file paths stay private


# --------------------------------------------------------------------------- API: writes
def test_post_article_needs_token(client: TestClient, store: Store) -> None:
    article = {"text": "A brand new report about the attorney general."}
    missing = client.post("/api/articles", json=article)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "token" in missing.json()["detail"]
    wrong = client.post("/api/articles", json=article, headers=auth("nope"))
    assert wrong.status_code == 403
    basic = client.post("/api/articles", json=article, headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    assert store.get_article(article_id(article["text"])) is None


def test_post_article_read_only_server(store: Store) -> None:
    with TestClient(create_app(store, None, brief_fn=hand_brief)) as c:
        r = c.post("/api/articles", json={"text": "Anything."}, headers=auth())
    assert r.status_code == 403 and "disabled" in r.json()["detail"]


def test_post_article_adds_and_groups(client: TestClient, store: Store) -> None:
    article = {"text": "  Sessions will recuse himself, he said on Thursday.\n", "title": "Recusal",
               "outlet": "Reuters", "published": "2017-03-03", "url": "https://example.com/r",
               "unknown_field": 1}
    r = client.post("/api/articles", json=article, headers=auth())
    assert r.status_code == 202
    body = r.json()
    assert body["id"] == article_id(article["text"]) and body["added"] is True
    assert body["ids"] == [body["id"]]
    assert r.headers["location"] == f"/api/articles/{body['id']}"  # where to follow it
    idle(client)  # grouped, and its story woven, in the background
    assert client.get(f"/api/articles/{body['id']}").json()["stories"] == [STORY]
    assert client.app.state.background.group_errors == 0
    stored = store.get_article(body["id"])
    assert stored.text == article["text"]  # kept exactly as given: offsets index it
    assert (stored.title, stored.outlet, stored.published) == ("Recusal", "Reuters", "2017-03-03")
    again = client.post("/api/articles", json=article, headers=auth())
    assert again.status_code == 200 and again.json()["added"] is False
    assert client.get(f"/api/stories/{STORY}").json()["articles"] == 4


def test_post_article_reads_a_record_as_ingest_does(client: TestClient, store: Store) -> None:
    """The same record is the same article, posted or ingested: the names a sheet's columns
    may have ("headline", "date", "link", "byline") and the author, update stamp and language
    were dropped by the API (answered 202, stored with no date, so "on Monday" dated nothing)."""
    record = {"text": "The Wobblecorp factory closed on Monday, workers said.",
              "headline": "Wobblecorp factory closes", "date": "2017-03-06",
              "byline": "Jane Roe", "link": "https://alias.example.com/wobblecorp",
              "updated": "2017-03-07T09:00:00Z", "language": "en-GB", "outlet": "Gazette\n"}
    r = client.post("/api/articles", json=record, headers=auth())
    assert r.status_code == 202
    posted = store.get_article(r.json()["id"])
    [ingested] = ingested_record(record)
    for field in ("title", "published", "updated", "author", "url", "language", "outlet"):
        assert getattr(posted, field) == getattr(ingested, field), field
    assert (posted.title, posted.published, posted.author, posted.language) == (
        "Wobblecorp factory closes", "2017-03-06", "Jane Roe", "en")
    read = client.get(f"/api/articles/{posted.id}").json()  # and read back as stored
    assert (read["author"], read["language"], read["updated"]) == (
        "Jane Roe", "en", "2017-03-07T09:00:00+00:00")
    bad = client.post("/api/articles", json={**record, "language": "not a tag!"},
                      headers=auth())
    assert bad.status_code == 422 and "language" in bad.text
    bad = client.post("/api/articles", json={**record, "updated": "yesterday"}, headers=auth())
    assert bad.status_code == 422 and "updated must be an ISO date" in bad.text


def ingested_record(record: dict) -> list:
    """What ``newsweave ingest`` reads from ``record`` as a line of a JSONL file."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one.jsonl"
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        return list(read_articles([path]))


def test_post_article_reads_wire_codes_as_ingest_does(client: TestClient, store: Store) -> None:
    article = {"text": "AT&AMP;T said on Thursday it would appeal. &QL; XXXX END OF STORY",
               "title": "&HT;"}
    r = client.post("/api/articles", json=article, headers=auth())
    assert r.status_code == 202
    stored = store.get_article(r.json()["id"])
    assert (stored.text, stored.title) == ("AT&T said on Thursday it would appeal.", None)
    assert r.json()["id"] == article_id(stored.text)
    empty = client.post("/api/articles", json={"text": "&QL; &UR;"}, headers=auth())
    assert empty.status_code == 422 and "text is empty" in empty.text


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2017-03-01T21:30:00-05:00", "2017-03-01T21:30:00-05:00"),  # kept, not made UTC
        ("2017-03-01T21:30-0500", "2017-03-01T21:30:00-05:00"),
        ("2017-03-01T23:59:59.5Z", "2017-03-01T23:59:59+00:00"),
        ("2017-03-01 21:30", "2017-03-01T21:30:00"),  # no zone written: none invented
        ("2017-03-01", "2017-03-01"),
    ],
)
def test_post_article_published_timestamp_keeps_its_offset(
    client: TestClient, store: Store, given: str, stored: str
) -> None:
    r = client.post("/api/articles", json={"text": f"Council vote at {given}.",
                                           "published": given}, headers=auth())
    assert r.status_code == 202, r.text
    assert store.get_article(r.json()["id"]).published == stored
    assert client.get(f"/api/articles/{r.json()['id']}").json()["published"] == stored


@pytest.mark.parametrize("given", ["2999-01-01", "1500-01-01T10:00:00Z"])
def test_post_article_drops_a_date_no_article_has(
    client: TestClient, store: Store, given: str
) -> None:
    """As ``ingest`` drops them, with a warning: a year-2999 date would head the story list
    until 2999. The article is kept (the date's form is valid: the schema allows it)."""
    r = client.post("/api/articles", json={"text": "A comet hit a farm, officials said.",
                                           "published": given}, headers=auth())
    assert r.status_code == 202, r.text
    assert "outside 1800-01-01" in r.json()["warnings"][0]
    assert store.get_article(r.json()["id"]).published is None
    r = client.post("/add", data={"token": TOKEN, "text": "A ship sank.", "published": given})
    assert r.status_code == 202 and "outside 1800-01-01" in r.text
    assert store.get_article(article_id("A ship sank.")).published is None
    ok = client.post("/api/articles", json={"text": "A dated one.", "published": "2017-03-01"},
                     headers=auth())
    assert "warnings" not in ok.json()


def test_post_of_a_stored_text_names_the_article_that_holds_it(
        client: TestClient, store: Store) -> None:
    """A client re-posting a text under no id (or another id) learns where it is stored."""
    text = "The council voted to close the old bridge on Tuesday, the mayor said."
    first = client.post("/api/articles", json={"text": text, "id": "bridge-1"}, headers=auth())
    assert first.status_code == 202
    again = client.post("/api/articles", json={"text": "  " + text + "\n"}, headers=auth())
    assert again.status_code == 200 and again.json()["id"] == "bridge-1", again.text
    assert again.json()["ids"] == ["bridge-1"] and again.json()["added"] is False


def test_openapi_documents_published_timestamps(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ArticleIn"]
    published = schema["properties"]["published"]
    assert "offset" in published["description"]
    assert "2017-03-01T21:30:00-05:00" in published["examples"]


def test_openapi_says_whitespace_alone_is_no_text(client: TestClient) -> None:
    """The schema states what the server checks: a text of only spaces (a no-break space
    too) is refused, so a schema-valid request is never one the server rejects."""
    import re

    pattern = client.get("/openapi.json").json()["components"]["schemas"]["ArticleIn"][
        "properties"]["text"]["pattern"]
    assert re.search(pattern, "\u00a0 \n") is None and re.search(pattern, " a ")
    r = client.post("/api/articles", json={"text": "\u00a0"}, headers=auth())
    assert r.status_code == 422 and "text is empty" in r.text


def test_post_article_keeps_given_id_and_refuses_taken_id(client: TestClient) -> None:
    r = client.post("/api/articles", json={"id": "wire-42", "text": "One text."}, headers=auth())
    assert r.status_code == 202 and r.json()["id"] == "wire-42"
    clash = client.post("/api/articles", json={"id": "wire-42", "text": "Another text."},
                        headers=auth())
    assert clash.status_code == 409 and "wire-42" in clash.json()["detail"]


def test_post_article_survives_grouping_failure(store: Store) -> None:
    def broken(_store: Store) -> None:
        raise RuntimeError("grouper exploded")

    with TestClient(create_app(store, TOKEN, brief_fn=hand_brief, group_fn=broken)) as c:
        r = c.post("/api/articles", json={"text": "Stored even so."}, headers=auth())
        assert r.status_code == 202
        idle(c)
        assert c.app.state.background.group_errors == 1
        assert c.get(f"/api/articles/{r.json()['id']}").status_code == 200
        assert c.get("/").status_code == 200


def test_post_answers_before_grouping_finishes(store: Store) -> None:
    """A write is acknowledged at once: slow grouping happens after the 202."""
    def slow(s: Store) -> None:
        time.sleep(1.5)
        one_story(s)

    with TestClient(create_app(store, TOKEN, brief_fn=hand_brief, group_fn=slow)) as c:
        t0 = time.monotonic()
        r = c.post("/api/articles", json={"text": "Quick to store."}, headers=auth())
        took = time.monotonic() - t0
        assert r.status_code == 202 and took < 1.0, took
        assert c.get(f"/api/articles/{r.json()['id']}").json()["stories"] == []
        idle(c)
        assert c.get(f"/api/articles/{r.json()['id']}").json()["stories"] == [STORY]


@pytest.mark.parametrize(
    ("payload", "status", "needle"),
    [
        ({}, 422, "text"),
        ({"text": ""}, 422, "text"),
        ({"text": "   \n "}, 422, "empty"),
        ({"text": 42}, 422, "text"),
        ({"text": "ok", "published": "March 3"}, 422, "YYYY-MM-DD"),
        ({"text": "ok", "published": "2017-02-30"}, 422, "YYYY-MM-DD"),
        ({"text": "ok", "published": "Wed, 01 Mar 2017 21:30 -0500"}, 422, "YYYY-MM-DD"),
        ({"text": "ok", "published": "2017-03-01T25:00:00Z"}, 422, "YYYY-MM-DD"),
        ({"text": "ok", "published": "2017-03-01T21:30:00-05:00 x"}, 422, "YYYY-MM-DD"),
        ({"text": "ok", "id": "has space"}, 422, "id"),
        ([{"text": "a list"}], 422, "object"),
    ],
)
def test_post_article_bad_input(client: TestClient, payload, status: int, needle: str) -> None:
    r = client.post("/api/articles", json=payload, headers=auth())
    assert r.status_code == status
    assert needle.lower() in r.json()["detail"].lower()


def test_post_article_malformed_json(client: TestClient) -> None:
    r = client.post("/api/articles", content=b'{"text": "unterminated',
                    headers={**auth(), "Content-Type": "application/json"})
    assert r.status_code == 400 and "json" in r.json()["detail"].lower()
    # the body is the field, the position is said (the position was given as the field "8")
    (error,) = r.json()["errors"]
    assert error["field"] == "body" and "at character" in error["message"]
    # a body Python's JSON parser refuses after reading it: the documented "errors" too
    big = b'{"text": "ok", "n": ' + b"9" * 4301 + b"}"
    r = client.post("/api/articles", content=big,
                    headers={**auth(), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "body", r.text


def test_post_article_oversize_body(client: TestClient, store: Store) -> None:
    big = {"text": "word " * (MAX_JSON_BYTES // 5 + 10)}
    r = client.post("/api/articles", json=big, headers=auth())
    assert r.status_code == 413 and "too large" in r.json()["detail"]
    assert r.headers["content-security-policy"] == CSP

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts streamed bytes
        yield b'{"text": "'
        for _ in range(MAX_JSON_BYTES // 4096 + 2):
            yield b"x" * 4096
        yield b'"}'

    streamed = client.post("/api/articles", content=chunks(),
                           headers={**auth(), "Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert store.count_articles() == 3
    # the add form's too-large upload is a page, as its other errors are (it was raw JSON)
    page = client.post("/add", data={"token": TOKEN},
                       files=[("files", ("big.txt", b"x" * (MAX_FORM_BYTES + 10), "text/plain"))])
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "request body too large" in page.text and 'href="/add"' in page.text


# --------------------------------------------------------------------------- headers, static, docs
@pytest.mark.parametrize("path", ["/", f"/stories/{STORY}", "/api/stories", "/add",
                                  "/api/stories/nope", "/stories/nope", "/static/app.js",
                                  "/openapi.json"])
def test_csp_on_every_response(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["server-timing"].startswith("app;dur=")


def test_docs_and_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/stories", "/api/stories/{story_id}", "/api/stories/{story_id}/brief",
            "/api/articles/{article_id}", "/api/articles"} <= set(spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/stories/{story_id}/brief" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    assert "<script>" not in docs.text  # no inline script, even on the docs page
    assert "unsafe-inline" not in docs.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/static/../serve.py", "/static/%2e%2e/serve.py",
                                  "/static/..%2fserve.py", "/static/nope.js"])
def test_static_stays_in_its_folder(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "create_app" not in r.text


def test_static_files(client: TestClient) -> None:
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "addEventListener" in js.text
    assert client.get("/static/style.css").status_code == 200


# --------------------------------------------------------------------------- pages
def test_index_page(client: TestClient) -> None:
    html = client.get("/").text
    assert "Sessions and the Russian ambassador" in html
    assert f'href="/stories/{STORY}"' in html
    assert "3 articles" in html and "2 outlets" in html
    searched = client.get("/", params={"q": "zyzzyva"}).text
    assert "No stories found" in searched and 'value="zyzzyva"' in searched


def test_the_list_says_what_changed_in_each_story(client: TestClient, store: Store) -> None:
    """Each story of the list (page, API, CSV) says which version of its brief is the latest,
    when it was stored and what it added, counted when it was stored."""
    assert 'class="update' not in client.get("/").text  # no brief yet
    ready(client, f"/api/stories/{STORY}/brief")
    assert re.search(r"Version 1, \d{4}-\d\d-\d\d \d\d:\d\d UTC: "
                     r'<span class="changes">new story</span>', client.get("/").text)
    store.add_articles([Article("late1", "Sessions recused himself on Thursday, officials said.",
                                outlet="AP", published="2017-03-04")])
    one_story(store)
    client.get(f"/api/stories/{STORY}/brief")  # stale: woven again in the background
    idle(client)
    page = client.get("/").text
    line = re.search(r'Version 2, [^:]+:\d\d UTC: <span class="changes">([^<]*)</span>', page)
    assert line and line.group(1).startswith("1 new source")
    [item] = client.get("/api/stories").json()["items"]
    latest = item["latest_version"]
    assert client.get(f"/api/stories/{STORY}").json()["latest_version"] == latest
    assert latest["version"] == 2 and latest["changes"]["new_sources"] == 1
    assert latest["line"] == line.group(1) and latest["created"][:4].isdigit()
    rows = list(csv.DictReader(io.StringIO(client.get("/api/stories.csv").text)))
    assert [(r["version"], r["version_changes"]) for r in rows] == [("2", line.group(1))]
    changed = client.get("/api/stories", params={"sort": "changed"}).json()
    assert changed["sort"] == "changed" and changed["items"][0]["latest_version"] == latest
    assert '<option value="changed">Latest change</option>' in page


def test_index_paging(client: TestClient, store: Store) -> None:
    arts = [Article(f"p{i}", f"Story number {i} about topic {i}.", published=f"2019-01-{i + 1:02d}")
            for i in range(25)]
    store.add_articles(arts)
    store.save_stories({a.id: f"st-{a.id}" for a in arts}, {f"st-{a.id}": a.text for a in arts})
    first = client.get("/").text
    assert "page 1 of 2" in first and 'rel="next" href="/?page=2"' in first
    second = client.get("/?page=2").text
    assert "Sessions and the Russian ambassador" in second and 'rel="prev"' in second


def test_story_page_citations_point_at_marks(client: TestClient, store: Store) -> None:
    html = ready(client, f"/stories/{STORY}").text
    assert html.count('<a class="cite') == 9  # 3 sentences x 3 citations
    for aid in store.get_story(STORY).article_ids:
        assert f'href="/articles/{aid}"' in html
    assert 'id="c0-1" class="cited"' in html and 'data-target="c0-1"' in html
    # sections filled from the brief
    for text in ["Jeff Sessions", "I never met with any Russian officials", "quoted",
                 "reported", "on Wednesday", "a passage both carry", "Flynn was fired",
                 "Only this outlet says so.", "<svg", "<circle", "●", "✓"]:
        assert text in html, text
    assert "<script>" not in html and "onclick" not in html  # no inline script or handlers
    # timeline oldest first
    assert html.index("The campaign season") < html.index("Sessions met Kislyak") < html.index(
        "The Post reported")


def test_story_page_empty_sections(store: Store) -> None:
    with TestClient(create_app(store, TOKEN, brief_fn=empty_brief)) as c:
        html = ready(c, f"/stories/{STORY}").text
    for text in ["No summary", "No quotes found", "No entities found", "No dated events found",
                 "No shared passages found", "No discrepancies found", "No sources"]:
        assert text in html, text


def test_weave_failure_is_a_clear_500(store: Store) -> None:
    def broken(articles: Sequence[Article], story_id: str) -> Brief:
        raise ValueError("no sentences")

    with TestClient(create_app(store, TOKEN, brief_fn=broken)) as c:
        api = ready(c, f"/api/stories/{STORY}/brief")
        page = c.get(f"/stories/{STORY}")
    assert api.status_code == 500 and "could not weave" in api.json()["detail"]
    assert page.status_code == 500 and "could not weave" in page.text
    assert page.headers["content-security-policy"] == CSP


def test_story_page_unknown_and_malformed(client: TestClient) -> None:
    missing = client.get("/stories/nope")
    assert missing.status_code == 404 and "Not found" in missing.text
    assert "text/html" in missing.headers["content-type"]
    assert client.get("/stories/bad%20id").status_code == 400
    assert client.get("/articles/%20bad").status_code == 400
    assert client.get("/articles/bad%20id").status_code == 404  # a possible id, not stored
    assert client.get("/articles/nope").status_code == 404


def test_article_page(client: TestClient, store: Store) -> None:
    aid = store.get_story(STORY).article_ids[0]
    html = client.get(f"/articles/{aid}").text
    assert "Sessions and the Russian ambassador" in html and f'href="/stories/{STORY}"' in html


def test_malicious_article_is_escaped(client: TestClient, store: Store) -> None:
    evil = Article("evil1", EVIL, title="<img src=x onerror=alert(1)>", outlet="<i>Bad</i>",
                   url="javascript:alert(1)")
    store.add_articles([evil])
    store.save_stories({"evil1": "evil-story"}, {"evil-story": "<script>alert(2)</script>"})
    pages = [ready(client, p).text for p in ["/", "/stories/evil-story", "/articles/evil1",
                                         "/?q=%3Cscript%3E"]]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>nowhere" not in html
        assert "javascript:alert" not in html.replace("javascript:alert(1)</", "")
    story, article = pages[1], pages[2]
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in story
    assert "&lt;img src=x onerror=alert(1)&gt;" in article
    assert 'href="javascript:' not in story + article  # a javascript: URL never becomes a link


def test_direction_overrides_and_controls_from_articles_are_not_shown(
        client: TestClient, store: Store) -> None:
    """Escaping leaves U+202E alone: an outlet named "Evil \u202e tuO" reversed the text
    after it on every page that listed it; a search for U+0001 put it into <title>."""
    tricky = Article("bidi1", "The dam held after the storm, engineers said on Monday.",
                     title="Dam holds \u2066after\u2069 storm", outlet="Evil \u202e tuO",
                     published="2017-03-02")
    store.add_articles([tricky])
    store.save_stories({"bidi1": "bidi-story"}, {"bidi-story": "Dam \u202eholds"})
    pages = [ready(client, p).text for p in ["/", "/stories/bidi-story", "/articles/bidi1",
                                         "/?q=%01dam"]]
    for html in pages:
        assert not any(c in html for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2069\x01")
    assert "Evil  tuO" in pages[1] and "Dam holds after storm" in pages[2]
    # the outlet filter takes the name as the page offers it (it found nothing for it)
    for name in ("Evil  tuO", "Evil \u202e tuO"):
        listed = client.get("/api/stories", params={"outlet": name}).json()
        assert [i["id"] for i in listed["items"]] == ["bidi-story"], name


# --------------------------------------------------------------------------- add form
def test_add_form_needs_token(client: TestClient, store: Store) -> None:
    assert 'name="token"' in client.get("/add").text
    no_token = client.post("/add", data={"text": "A pasted report."})
    assert no_token.status_code == 401 and "write token is required" in no_token.text
    wrong = client.post("/add", data={"text": "A pasted report.", "token": "nope"})
    assert wrong.status_code == 403 and "wrong write token" in wrong.text
    assert store.count_articles() == 3
    # the page's title says it failed, and the field in error points at why (WCAG 3.3.1)
    assert "<title>Error: wrong write token · Add articles · newsweave</title>" in wrong.text
    assert 'aria-invalid="true" aria-describedby="add-error"' in wrong.text


def test_a_read_only_server_offers_no_add_form(store: Store) -> None:
    """Without a token the server showed the whole form (and the nav link to it), though
    every submission was refused."""
    with TestClient(create_app(store, None, row_ttl=0.0)) as read_only:
        page = read_only.get("/add").text
        assert "read-only" in page and 'name="token"' not in page
        assert '<form class="add"' not in page
        assert 'href="/add"' not in read_only.get("/").text
        assert read_only.post("/add", data={"text": "x"}).status_code == 403


def test_add_form_keeps_input_after_an_error(client: TestClient) -> None:
    r = client.post("/add", data={"token": "nope", "title": "<b>T</b>", "text": EVIL})
    assert r.status_code == 403
    assert "&lt;b&gt;T&lt;/b&gt;" in r.text and "&lt;script&gt;alert" in r.text
    assert "<script>alert" not in r.text and "nope" not in r.text  # the token is never echoed


def test_add_form_paste_and_upload(client: TestClient, store: Store) -> None:
    pasted = "date 2017-03-03\nSessions recuses himself\n\nWASHINGTON: Sessions stepped aside."
    files = [
        ("files", ("wire.txt", b"Kislyak met Sessions twice, the Post said.", "text/plain")),
        ("files", ("feed.jsonl", b'{"id": "j1", "text": "From JSONL.", "outlet": "AP"}\n',
                   "application/octet-stream")),
    ]
    r = client.post("/add", data={"token": TOKEN, "text": pasted, "outlet": "Reuters"},
                    files=files)
    assert r.status_code == 202, r.text
    assert "Added 3 article(s)" in r.text and "in the background" in r.text
    assert store.count_articles() == 6
    body = "WASHINGTON: Sessions stepped aside."
    stored = store.get_article(article_id(body))
    assert stored.text == body and stored.title == "Sessions recuses himself"
    assert (stored.outlet, stored.published) == ("Reuters", "2017-03-03")
    assert store.get_article("j1").outlet == "AP"
    idle(client)  # the new articles joined the story in the background
    assert store.article_stories("j1") == [STORY]


def test_add_form_keeps_a_published_timestamp_offset(client: TestClient, store: Store) -> None:
    body = "The council met late on Wednesday."
    r = client.post("/add", data={"token": TOKEN, "text": body,
                                  "published": "2017-03-01T21:30-0500"})
    assert r.status_code == 202, r.text
    assert store.get_article(article_id(body)).published == "2017-03-01T21:30:00-05:00"


@pytest.mark.parametrize(
    ("data", "files", "needle"),
    [
        ({}, None, "paste an article"),
        ({"published": "yesterday"}, None, "YYYY-MM-DD"),
        ({"title": "T" * 1001}, None, "title is over 1,000 characters"),
        ({"outlet": "O" * 201}, None, "outlet is over 200 characters"),
        ({}, [("files", ("x.txt", b"\xff\xfe\x00bin", "text/plain"))], "x.txt"),
        ({}, [("files", ("x.jsonl", b"{not json\n", "text/plain"))], "x.jsonl:1"),
        ({}, [("files", ("x.exe", b"MZ", "application/octet-stream"))], "unsupported"),
    ],
)
def test_add_form_bad_input(client: TestClient, store: Store, data, files, needle) -> None:
    r = client.post("/add", data={"token": TOKEN, **data}, files=files)
    assert r.status_code == 400
    assert needle in r.text
    assert store.count_articles() == 3


def _add_page_lists(html: str, list_id: str) -> list[str]:
    """The items of the add page's list ``list_id`` (skipped records, warnings), as text."""
    block = html.split(f'id="{list_id}"', 1)[1].split("</ul>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()).replace("&#34;", '"')
            .replace("&#39;", "'") for item in block.split("<li>")[1:]]


def test_add_form_keeps_the_good_records_beside_bad_ones(client: TestClient, store: Store) -> None:
    """One bad line of an uploaded JSONL or CSV file lost the whole submission (400, nothing
    stored), where `newsweave ingest` stores the good records and names each bad one. The
    form now does the same, and shows the warnings (a date dropped) that went only to the
    server's stderr, naming the uploaded file, not a temporary path."""
    jsonl = (b'{"id": "g1", "text": "A good report of the council vote on Tuesday."}\n'
             b"{not json\n"
             b'{"id": "g2", "text": "Another good report, on the flood.", "published": '
             b'"yesterday"}\n')
    table = (b"id,title,text,published\n1,A,Good text about the vote.,2017-03-02\n"
             b"2,B,,2017-03-02\n")
    r = client.post("/add", data={"token": TOKEN}, files=[
        ("files", ("x.jsonl", jsonl, "text/plain")), ("files", ("y.csv", table, "text/csv"))])
    assert r.status_code == 202, r.text
    assert store.get_article("g1") and store.get_article("g2") and store.get_article("1")
    assert "Added 3 article(s)" in r.text
    skipped = _add_page_lists(r.text, "add-skipped")
    assert skipped[0].startswith("x.jsonl:2: malformed JSON")
    assert skipped[1] == 'y.csv:3: no "text" field'
    assert _add_page_lists(r.text, "add-warnings") == [
        "x.jsonl:3: \"published\" 'yesterday' is not a full date: dropped"]
    assert "newsweave-upload" not in r.text


def test_add_form_with_no_good_record_lists_every_bad_one(client: TestClient, store: Store) -> None:
    bad = b"".join(b"{not json %d\n" % n for n in range(30))
    r = client.post("/add", data={"token": TOKEN}, files=[
        ("files", ("x.jsonl", bad, "text/plain")),
        ("files", ("y.txt", b"\xff\xfe\x00bin", "text/plain"))])
    assert r.status_code == 400 and store.count_articles() == 3
    skipped = _add_page_lists(r.text, "add-skipped")
    assert len(skipped) == 20 and skipped[0].startswith("x.jsonl:1: malformed JSON")
    assert "and 11 more" in r.text  # 30 lines and the binary file: 31, of which 20 shown


def test_feeds_page_shows_each_feed_escaped_failing_first(client: TestClient,
                                                          store: Store) -> None:
    """`serve --follow`'s operator sees in the browser what `newsweave feeds` prints: a
    remote site's words (its failure message, its address) are text, never markup."""
    from newsweave.store import FeedState

    assert "No feed has been polled" in client.get("/feeds").text
    store.save_feed_state(FeedState(url="https://news.example/sitemap.xml", kind="news sitemap",
                                    found_on="https://news.example/", last_status="200",
                                    checked_at="2026-12-07T12:00:00+00:00"))
    store.save_feed_state(FeedState(url="https://bad.example/<script>x</script>", failures=2,
                                    last_status="HTTP 500 <b>boom</b>", kind="RSS feed",
                                    checked_at="2026-12-07T12:00:00+00:00"))
    store.save_feed_state(FeedState(url="javascript:alert(1)", failures=1,
                                    last_status="only http and https"))
    page = client.get("/feeds")
    assert page.status_code == 200
    html = page.text
    assert "2 failing" in html and "<script>x" not in html and "<b>boom" not in html
    assert "&lt;b&gt;boom&lt;/b&gt;" in html and "2 failures in a row" in html
    rows = html.split("<tbody>")[1].split("<tr")[1:]
    assert "bad.example" in rows[0] and "javascript:" in rows[1] and "news.example" in rows[2]
    assert 'href="javascript:' not in html  # only http(s) addresses are links
    assert 'href="https://news.example/sitemap.xml"' in rows[2]
    assert "news sitemap" in rows[2] and "found on https://news.example/" in rows[2]
    assert 'href="/feeds"' in client.get("/").text


# --------------------------------------------------------------------------- pure helpers
def test_mark_segments_overlaps_share_a_mark() -> None:
    text = "One. Two three. Four."
    segments, alias = mark_segments(text, [(5, 15, "b"), (0, 4, "a"), (7, 12, "c"), (40, 50, "z")])
    assert "".join(s.text for s in segments) == text
    assert [(s.text, s.mark) for s in segments if s.mark] == [("One.", "a"), ("Two three.", "b")]
    assert alias == {"a": "a", "b": "b", "c": "b"}  # c overlaps b; z is out of range


def test_locate_support() -> None:
    text = "The mayor opened a bridge. Rain fell all week in the valley. Shops closed early."
    start, end = locate_support(text, "Heavy rain fell in the valley for a week.")
    assert text[start:end] == "Rain fell all week in the valley."
    assert locate_support(text, "Completely unrelated astronomy sentence.") is None


def test_timeline_chart_and_dates() -> None:
    assert parse_partial_date("2016-07").isoformat() == "2016-07-01"
    assert parse_partial_date("2016").isoformat() == "2016-01-01"
    assert parse_partial_date("someday") is None and parse_partial_date("2017-02-30") is None
    chart = timeline_chart([
        {"date": "2016", "text": "a"}, {"date": "2017-01-01", "text": "b"},
        {"date": "2017-01-01", "text": "c"}, {"date": "2016-12-31", "text": "e"},
        {"date": "?", "text": "d"},
    ])
    p1, p2, p3, p4 = chart.points  # the undated entry has no dot
    assert [p.number for p in chart.points] == [1, 2, 3, 4]
    assert p1.x < p4.x <= p2.x == p3.x
    assert p3.y < p2.y and p4.y < p2.y  # same or nearby date: stacked, never overlapping
    assert all(0 < p.y < chart.axis_y < chart.height for p in chart.points)
    assert timeline_chart([{"date": "unknown", "text": "x"}]) is None


def test_safe_url() -> None:
    assert safe_url("https://example.com/a") == "https://example.com/a"
    assert safe_url("javascript:alert(1)") is None and safe_url(None) is None


def test_story_view_resolves_citations_without_origin() -> None:
    a = Article("a", "Alpha said the vote failed. Nothing else.")
    b = Article("b", "Weather first. The vote failed, Alpha said on Monday.")
    brief = {"sources": [{"id": "a"}, {"id": "b"}],
             "summary": [{"text": "Alpha said the vote failed.", "citations": ["a", "b"],
                          "origin": {"source": "a", "start": 0, "end": 27}}]}
    view = story_view(brief, [a, b])
    cites = view["summary"][0]["cites"]
    assert [c["target"] for c in cites] == ["c0-1", "c0-2"]
    marked_b = [s.text for s in view["sources"][1]["segments"] if s.mark]
    assert marked_b == ["The vote failed, Alpha said on Monday."]


def test_story_view_marks_the_sentence_the_weave_found_not_a_guess() -> None:
    """The page guessed each citation's sentence by shared words and marked ANI's opening
    sentence (Trump's "total" confidence, many words in common) for a statement of
    Sessions' that ANI carries further down; the brief's ``evidence`` says where."""
    a = Article("a", "Sessions said he never met Russian officials.")
    b = Article("b", "Trump said Sessions never met Russian officials, he said. "
                     "Separately, the attorney general denied any meetings.")
    brief = {"sources": [{"id": "a"}, {"id": "b"}],
             "summary": [{"text": "Sessions said he never met Russian officials.",
                          "citations": ["a", "b"],
                          "origin": {"source": "a", "start": 0, "end": 45},
                          "evidence": [{"source": "a", "start": 0, "end": 45},
                                       {"source": "b", "start": 58, "end": 111}]}]}
    view = story_view(brief, [a, b])
    marked_b = [s.text for s in view["sources"][1]["segments"] if s.mark]
    assert marked_b == ["Separately, the attorney general denied any meetings."]
    # an evidence span past the text (a revised article) falls back to the guess
    brief["summary"][0]["evidence"][1] = {"source": "b", "start": 58, "end": 9999}
    marked_b = [s.text for s in story_view(brief, [a, b])["sources"][1]["segments"] if s.mark]
    assert marked_b == ["Trump said Sessions never met Russian officials, he said."]


def test_story_view_reads_a_statement_as_its_shown_form() -> None:
    a = Article("a", "Lee said that the levee was \u201cold\u201d.")
    brief = {"sources": [{"id": "a"}], "summary": [],
             "quotes": [{"speaker": "Ann Lee", "text": "that the levee was \u201cold\u201d",
                         "sources": [{"source": "a", "text": "that the levee was \u201cold\u201d",
                                      "direct": False},
                                     {"source": "a", "text": "old", "direct": True}]}]}
    (quote,) = story_view(brief, [a])["quotes"]
    assert quote["direct"] is False  # reported, though a piece of it is quoted
    assert quote["text"] == "the levee was \u201cold\u201d"


def test_story_view_shows_a_stance_with_its_cue() -> None:
    a = Article("a", "Brussels did not want a trade war.")
    brief = {"sources": [{"id": "a"}], "summary": [],
             "quotes": [{"speaker": "Brussels", "text": "a trade war",
                         "sources": [{"source": "a", "text": "a trade war", "direct": False,
                                      "cue": "did not want", "stance": True}]}]}
    (quote,) = story_view(brief, [a])["quotes"]
    assert (quote["stance"], quote["text"]) == ("did not want", "a trade war")


def test_story_view_typesets_the_archives_quotation_marks() -> None:
    text = "Lee said ``the levee held.'' Then"
    a = Article("a", text)
    brief = {"sources": [{"id": "a"}],
             "summary": [{"text": text, "citations": ["a"],
                          "origin": {"source": "a", "start": 0, "end": len(text)}}],
             "quotes": [{"speaker": "Ann Lee", "text": "the levee held.",
                         "sources": [{"source": "a", "text": "the levee held.",
                                      "direct": True}]}]}
    view = story_view(brief, [a])
    assert view["summary"][0]["text"] == "Lee said \u201cthe levee held.\u201d Then"
    # the article itself is shown as written, its marks where the citation points
    assert "".join(seg.text for seg in view["sources"][0]["segments"]) == text


def doubtful_brief(articles: Sequence[Article], story_id: str) -> Brief:
    """The hand brief plus a quote whose speaker is doubtful (it comes last, as weave ranks)."""
    base = hand_brief(articles, story_id)
    doubt = Quote(None, "the deal may have collapsed",
                  (QuoteVariant(articles[0].id, "the deal may have collapsed", direct=False),),
                  confidence=0.0, low_confidence=True)
    return Brief(base.story, base.sources, base.summary, (*base.quotes, doubt), base.entities,
                 base.timeline, base.coverage)


def test_story_page_folds_doubtful_speakers(store: Store) -> None:
    with TestClient(create_app(store, TOKEN, brief_fn=doubtful_brief)) as c:
        page = ready(c, f"/stories/{STORY}").text
        brief = ready(c, f"/api/stories/{STORY}/brief").json()
    jsonschema.validate(brief, SCHEMA)
    assert [q.get("low_confidence") for q in brief["quotes"]] == [False, True]
    fold = page.index("(speaker uncertain)")
    assert page.index("I never met with any Russian") < fold < page.index("may have collapsed")
    assert page.rindex("<details", 0, fold) > page.index("I never met with any Russian")


def many_quotes_brief(articles: Sequence[Article], story_id: str) -> Brief:
    """The hand brief with 20 sure quotes before the doubtful one: more than the page shows
    before its "more" fold."""
    base = doubtful_brief(articles, story_id)
    sure = tuple(Quote(f"Speaker {n}", f"statement number {n}",
                       (QuoteVariant(articles[n % len(articles)].id, f"statement number {n}"),))
                 for n in range(20))
    return Brief(base.story, base.sources, base.summary, (*sure, *base.quotes[1:]),
                 base.entities, base.timeline, base.coverage)


def test_story_page_folds_doubtful_speakers_on_their_own_after_many_sure_ones(
        store: Store) -> None:
    """Past 15 sure entries the doubtful one sat in the plain "N more" fold among sure ones,
    with no "speaker uncertain" label; and no ledger row linked to its sources."""
    with TestClient(create_app(store, TOKEN, brief_fn=many_quotes_brief)) as c:
        page = ready(c, f"/stories/{STORY}").text
    ledger = page[page.index('<section id="quotes">'):page.index('<section id="entities">')]
    assert re.findall(r"<summary>([^<]*)</summary>", ledger) == [
        "5 more", "1 more (speaker uncertain)"]
    fold = ledger.index("(speaker uncertain)")
    assert ledger.index("statement number 19") < fold < ledger.index("may have collapsed")
    assert '<a href="#src-1" data-source="src-1">' in ledger


def test_brief_cache_invalidates_old_versions() -> None:
    cache = BriefCache(size=2)
    made: list[str] = []

    def make(tag: str):
        return lambda: made.append(tag) or CachedStory({"tag": tag})

    assert cache.get_or_make(("s", "t1"), make("a")).brief == {"tag": "a"}
    assert cache.get_or_make(("s", "t1"), make("b")).brief == {"tag": "a"}
    cache.get_or_make(("s", "t2"), make("c"))
    assert cache.peek(("s", "t1")) is None and len(cache) == 1  # stale version dropped
    cache.get_or_make(("x", "t"), make("d"))
    cache.get_or_make(("y", "t"), make("e"))
    assert len(cache) == 2 and made == ["a", "c", "d", "e"]


# --------------------------------------------------------------------------- CLI
def test_cli_serve_arguments() -> None:
    args = build_parser().parse_args(["serve", "--db", "x.db"])
    assert (args.host, args.port, args.token) == ("127.0.0.1", 8000, None)
    args = build_parser().parse_args(["serve", "--port", "9001", "--token", "t"])
    assert (args.port, args.token) == (9001, "t")


def test_cli_serve_missing_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.db"
    assert main(["serve", "--db", str(missing)]) == 2
    assert "no such database" in capsys.readouterr().err
    assert not missing.exists()  # a mistyped --db does not create a store
    assert main(["serve", "--db", str(missing), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    # uvicorn bound port 99999 (claiming to listen on it) and served every request a 503
    # under --max-connections 0; -1 was uvicorn's own error lines
    for option, value, said in (("--port", "99999", "--port must be 1 to 65535, got 99999"),
                                ("--port", "-1", "--port must be 1 to 65535, got -1"),
                                ("--max-connections", "0", "--max-connections must be at least "
                                 "1, got 0")):
        assert main(["serve", "--db", str(missing), option, value]) == 2
        assert capsys.readouterr().err == f"newsweave: error: {said}\n"


def test_cli_serve_on_a_port_in_use_is_one_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """uvicorn printed six log lines ("Application startup complete" among them) and exited
    3; the port is tried before anything starts."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        db = tmp_path / "n.db"
        open_store(str(db)).close()
        assert main(["serve", "--db", str(db), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"newsweave: error: cannot listen on 127.0.0.1:{port}: ")
    assert "pick another --port" in err and len(err.splitlines()) == 1


def test_cli_serve_refuses_follower_options_without_follow(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`serve --interval 5` (no --follow) started a server that follows nothing."""
    db = tmp_path / "n.db"
    open_store(str(db)).close()
    for option, value in (("--interval", "5"), ("--contact", "ops@example.org")):
        assert main(["serve", "--db", str(db), option, value]) == 2
        assert capsys.readouterr().err == (f"newsweave: error: {option} applies with --follow "
                                           "SOURCE (the follower inside the server)\n")


def test_default_server_weaves_from_stored_analyses(store: Store) -> None:
    """No injected weave: the background worker weaves with the real models, storing each
    article's analysis and the brief as version 1; a second server process reads both."""
    with TestClient(create_app(store, TOKEN)) as c:
        assert ready(c, f"/api/stories/{STORY}/brief").status_code == 200
    assert sum(store.analysis_versions().values()) == 3
    assert [v.version for v in store.brief_versions(STORY)] == [1]
    with TestClient(create_app(store, TOKEN)) as c:  # another process, same store
        r = c.get(f"/api/stories/{STORY}/brief")
        assert r.status_code == 200 and r.headers["x-brief-version"] == "1"
        assert {s["id"] for s in r.json()["sources"]} == set(store.get_story(STORY).article_ids)


def test_a_weave_keeps_the_other_stories_cached(tmp_path: Path, monkeypatch) -> None:
    """A background weave drops only its own story's cached state: other stories keep
    answering without a database round trip."""
    from newsweave import app as app_module

    s = open_store(str(tmp_path / "two.db"))
    first, *rest = read_articles([EXAMPLE])
    s.add_articles([first, *rest])
    s.save_stories({first.id: "s1"} | {a.id: "s2" for a in rest}, {"s1": "One", "s2": "Two"})
    app = create_app(s, TOKEN, brief_fn=hand_brief, group_fn=lambda st: None, row_ttl=60.0)
    with TestClient(app) as c:
        assert ready(c, "/api/stories/s1/brief").status_code == 200
        assert ready(c, "/api/stories/s2/brief").status_code == 200
        looked_up: list[str] = []
        real = app_module.current_brief
        monkeypatch.setattr(app_module, "current_brief",
                            lambda st, sid, *a: looked_up.append(sid) or real(st, sid, *a))
        c.app.state.background.request_weave("s1")
        idle(c)
        assert c.get("/api/stories/s2/brief").status_code == 200
        assert looked_up == []  # s2's state stayed cached
        assert c.get("/api/stories/s1/brief").headers["x-brief-version"] == "1"
        assert looked_up == ["s1"]  # s1's was read afresh after its weave
    s.close()


def test_post_article_with_a_stored_url_is_its_new_version(client: TestClient,
                                                            store: Store) -> None:
    """A corrected report posted again under its URL: the stored article takes the new
    text (same id, one article in its story) and the story is re-woven with it."""
    url = "https://example.com/2017/03/03/recusal"
    first = {"text": "Sessions will recuse himself, he said on Thursday.", "url": url,
             "outlet": "Reuters", "published": "2017-03-03"}
    r = client.post("/api/articles", json=first, headers=auth())
    aid = r.json()["id"]
    idle(client)
    assert client.get(f"/api/articles/{aid}").json()["stories"] == [STORY]
    fixed = dict(first, text="Sessions will recuse himself from any inquiry, he said on "
                 "Thursday.", url=url + "?utm_source=rss")
    r = client.post("/api/articles", json=fixed, headers=auth())
    assert r.status_code == 202 and r.json()["id"] == aid and r.json()["added"] is False
    assert "new version" in r.json()["detail"]
    idle(client)
    assert store.get_article(aid).text == fixed["text"]
    assert client.get(f"/api/stories/{STORY}").json()["articles"] == 4
    brief = ready(client, f"/api/stories/{STORY}/brief")
    assert brief.status_code == 200 and "from any inquiry" in brief.text
    story_page = client.get(f"/stories/{STORY}").text
    assert "1 revised source" in story_page  # "Updated since ..."
    assert story_page.count('class="revised"') == 1 and "2 versions</a>" in story_page
    versions = client.get(f"/api/stories/{STORY}/versions").json()
    changes = client.get(f"/api/stories/{STORY}/changes?since={len(versions) - 1}")
    assert [s["id"] for s in changes.json()["revised_sources"]] == [aid]
    # the version before shows the text it was woven from, which its offsets index
    before = client.get(f"/stories/{STORY}?version={len(versions) - 1}").text
    assert first["text"] in before and "from any inquiry" not in before


def test_an_article_page_shows_its_versions_and_what_the_latest_changed(
        client: TestClient, store: Store) -> None:
    url = "https://example.com/2017/03/03/denial"
    first = {"text": "Sessions said he never met Russian officials about the campaign.",
             "url": url, "title": "Denial"}
    aid = client.post("/api/articles", json=first, headers=auth()).json()["id"]
    fixed = dict(first, text="Sessions said he never met Russian officials <b>to discuss</b> "
                 "the campaign.", title="Denial, corrected", updated="2017-03-04")
    assert client.post("/api/articles", json=fixed, headers=auth()).json()["id"] == aid
    body = client.get(f"/api/articles/{aid}").json()
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["text"] == fixed["text"] and "text" not in body["versions"][0]
    two = client.get(f"/api/articles/{aid}/versions/2").json()
    assert {"kind": "removed", "text": "about "} in two["changes"]
    assert {"kind": "added", "text": "<b>to discuss</b> "} in two["changes"]
    one = client.get(f"/api/articles/{aid}/versions/1").json()
    assert one["text"] == first["text"] and one["changes"] is None
    assert client.get(f"/api/articles/{aid}/versions/3").status_code == 404
    page = client.get(f"/articles/{aid}").text
    assert "<del>about </del>" in page and "<ins>&lt;b&gt;to discuss&lt;/b&gt; </ins>" in page
    assert f'href="/articles/{aid}?version=1"' in page and "<b>" not in page
    old = client.get(f"/articles/{aid}?version=1").text
    assert first["text"] in old and "What version 1 changed" not in old
    untitled = Article("untitled1", "The dam held after the storm, engineers said.")
    store.add_articles([untitled])
    shown = client.get("/articles/untitled1").text  # the tab says what the heading says
    assert "<title>Untitled article · newsweave</title>" in shown
    assert "<h1>Untitled article</h1>" in shown
    # its header is version 1's: it gave the current title, update stamp and word count
    assert "<h1>Denial</h1>" in old and "updated 2017-03-04</span>" not in old
    assert "<span>10 words</span>" in old
    assert "<h1>Denial, corrected</h1>" in page
    assert "<span>11 words</span>" in page
    assert client.get(f"/articles/{aid}?version=7").status_code == 404
    untouched = client.get(f"/articles/{store.get_story(STORY).article_ids[0]}").text
    assert "Versions" not in untouched


def test_a_page_captured_many_times_lists_its_first_shown_and_latest_versions(
        client: TestClient, store: Store) -> None:
    from newsweave.serve import LISTED_VERSIONS

    url = "https://example.com/live/storm"
    texts = [f"Update {i}: the storm moved north overnight, officials said." for i in range(60)]
    store.add_articles([Article(id=article_id(t), text=t, url=url, title="Live: the storm")
                        for t in texts])
    aid = article_id(texts[0])
    page = client.get(f"/articles/{aid}?version=10").text
    listed = [int(v) for v in re.findall(r'<li data-version="(\d+)"', page)]
    tail = LISTED_VERSIONS - 5
    assert listed == [1, 10, *range(61 - tail, 61)]
    assert "… 8 more versions" in page and f"… {60 - tail - 10} more versions" in page
    assert "Update 9:" in page and "(current)" in page
    assert len(client.get(f"/api/articles/{aid}").json()["versions"]) == 60


def test_a_story_with_many_versions_lists_its_first_shown_and_latest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A story followed for weeks is woven again after every round that changed it: its page
    lists the first version, the one shown and the latest ones, says how many are left out,
    and reads the article lists of those it lists only."""
    from newsweave import app as app_layer
    from newsweave.models import brief_to_dict
    from newsweave.serve import LISTED_VERSIONS

    s = open_store(str(tmp_path / "many.db"))
    articles = [Article(id=f"a{i}", text=f"Report {i}: the storm reached the coast.",
                        title=f"Storm {i}", outlet="Paper", published="2021-05-01")
                for i in range(80)]
    s.add_articles(articles)
    s.save_stories({a.id: "s-storm" for a in articles}, {"s-storm": "Storm"})
    wanted = app_layer.current_brief(s, "s-storm").wanted
    for v in range(1, 61):  # version v was woven from v + 19 articles
        members = articles[:v + 19]
        s.add_brief_version("s-storm", [a.id for a in members], wanted,
                            json.dumps(brief_to_dict(hand_brief(members, "s-storm"))))
    read: list[Any] = []
    real_versions, real_counts = s.brief_versions, getattr(s, "brief_article_counts", None)
    monkeypatch.setattr(s, "brief_versions", lambda sid, articles=True, **kw: read.append(
        ("lists", articles)) or real_versions(sid, *([] if articles else [articles]), **kw))
    if real_counts is not None:
        monkeypatch.setattr(s, "brief_article_counts", lambda sid, vs: read.append(
            ("counts", sorted(vs))) or real_counts(sid, vs))
    tail = LISTED_VERSIONS - 5
    LISTED = r"version (\d+)(?:</a>| \(shown\))?, \d{4}-"  # noqa: N806
    app = create_app(s, TOKEN, brief_fn=hand_brief, group_fn=lambda st: None)
    with TestClient(app) as c:
        page = c.get("/stories/s-storm").text
        listed = [int(v) for v in re.findall(LISTED, page)]
        assert listed == [1, *range(61 - tail, 61)]
        assert "60 versions</summary>" in page and f"… {60 - tail - 1} more versions" in page
        assert "version 60 (shown), " in page and "79 articles: " in page
        # what each listed version added, counted when it was stored
        assert re.search(r'79 articles: <span class="changes">1 new source\b', page)
        assert ("lists", True) not in read
        assert [r for r in read if r[0] == "counts"] == [("counts", [1, *range(61 - tail, 61)])]
        old = c.get("/stories/s-storm", params={"version": 10}).text
        listed = [int(v) for v in re.findall(LISTED, old)]
        assert listed == [1, 10, *range(61 - tail, 61)]
        assert "You are reading version 10 of 60" in old and "version 10 (shown), " in old
        # what it added, where a feed entry's link lands: its stored counts
        assert ("You are reading version 10 of 60 of this brief, which added over version 9:"
                " 1 new source") in old
        assert '<a href="/stories/s-storm">version 60</a>' in old  # the latest: the page
        assert "… 8 more versions" in old and "29 articles: " in old
    s.close()


def test_a_page_captured_many_times_reads_only_the_texts_it_shows(
        client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A live page followed for days keeps hundreds of texts: its page, its API record and
    one version's record read the one or two texts they show or compare, and count the
    words of the others without reading them."""
    url = "https://example.com/live/flood"
    texts = [f"Update {i}: the river rose {'again ' * i}overnight, officials said."
             for i in range(40)]
    store.add_articles([Article(id=article_id(t), text=t, url=url, title="Live: the flood")
                        for t in texts])
    aid = article_id(texts[0])
    seen: list[str] = []

    def counting(name: str) -> None:
        method = getattr(store, name, None)
        if method is None:
            return

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            out = method(*args, **kwargs)
            seen.extend(t for t in texts if t in repr(out))
            return out
        monkeypatch.setattr(store, name, wrapper)

    for name in ("article_versions", "article_version_texts", "article_revisions"):
        counting(name)
    body = client.get(f"/api/articles/{aid}").json()
    assert [v["words"] for v in body["versions"]] == [len(t.split()) for t in texts]
    assert seen == []  # the current text comes with the article, not its versions
    page = client.get(f"/articles/{aid}?version=12").text
    assert "<ins>again </ins>" in page and texts[11] in page
    assert sorted(seen) == sorted([texts[10], texts[11]])
    seen.clear()
    one = client.get(f"/api/articles/{aid}/versions/40").json()
    assert one["text"] == texts[39] and {"kind": "added", "text": "again "} in one["changes"]
    assert sorted(seen) == sorted([texts[38], texts[39]])


def test_post_article_under_its_own_id_and_url_again_is_its_new_version(
        client: TestClient, store: Store) -> None:
    """A CMS posting its correction under the same id and URL: 202, a new version (it said
    "already stored" when the given id was the stored one)."""
    first = {"id": "cms-77", "url": "https://example.com/2017/03/03/denial",
             "text": "Sessions said he never met Russian officials about the campaign."}
    assert client.post("/api/articles", json=first, headers=auth()).status_code == 202
    fixed = dict(first, text=first["text"].replace("about", "to discuss"))
    r = client.post("/api/articles", json=fixed, headers=auth())
    assert r.status_code == 202 and r.json()["id"] == "cms-77"
    assert "new version" in r.json()["detail"]
    assert store.get_article("cms-77").text == fixed["text"]


# --------------------------------------------------------------------------- list and headers
def guardian_left(store: Store) -> None:
    """An outlet table naming one of the example's outlets (the others stay unrated)."""
    from newsweave.outlets import Outlet

    store.import_outlets([Outlet("theguardian.com", "The Guardian", "left", "GB", "GMG")])


def test_a_list_page_past_the_end_is_a_404_linking_to_page_1(
        client: TestClient, store: Store) -> None:
    """`/?page=3` of a two-page list said "page 3 of 2" with 200 and an empty list; a 404
    now, linking to the same list's first page. Page 1 of an empty list stays a page."""
    arts = [Article(f"p{i}", f"Story number {i} about topic {i}.", published=f"2019-01-{i + 1:02d}")
            for i in range(25)]
    store.add_articles(arts)
    store.save_stories({a.id: f"st-{a.id}" for a in arts}, {f"st-{a.id}": a.text for a in arts})
    assert client.get("/?page=2").status_code == 200
    for _ in range(2):  # rendered, then from the list's page cache
        past = client.get("/", params={"page": 3, "sort": "sources"})
        assert past.status_code == 404 and "of 2" not in past.text
        assert "There is no page 3 of this list: it has 2 pages." in past.text
        assert '<a id="back" href="/?sort=sources">Back to page 1</a>' in past.text
    searched = client.get("/", params={"q": "zyzzyva", "page": 2})
    assert searched.status_code == 404 and 'href="/?q=zyzzyva"' in searched.text
    empty = client.get("/", params={"q": "zyzzyva"})
    assert empty.status_code == 200 and "No stories found" in empty.text


def test_feeds_answer_if_none_match_as_the_brief_api_does(client: TestClient) -> None:
    """`If-None-Match: *` is a 304 on the feeds too (it was on the brief API only), and the
    feed's ETag is compared as a whole tag, not found as a substring of the header."""
    assert ready(client, f"/api/stories/{STORY}/brief").status_code == 200
    for path in ("/feed.atom", f"/stories/{STORY}/feed.atom"):
        etag = client.get(path).headers["etag"]
        assert client.get(path, headers={"If-None-Match": "*"}).status_code == 304, path
        listed = client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
        assert listed.status_code == 304 and listed.headers["etag"] == etag
        assert client.get(path, headers={"If-None-Match": f"{etag}x"}).status_code == 200
    brief = f"/api/stories/{STORY}/brief"
    assert client.get(brief, headers={"If-None-Match": "*"}).status_code == 304


def test_a_lean_or_country_no_outlet_has_shows_in_its_control(
        client: TestClient, store: Store) -> None:
    """`/?lean=foo&country=ZZ` empties the list: the controls showed "any" (and Apply then
    dropped the filter); the value now shows, selected, saying no outlet has it."""
    guardian_left(store)
    page = client.get("/", params={"lean": "foo", "country": "ZZ"}).text
    assert "0 stories" in page
    assert '<option value="foo" selected>foo (no outlet has it)</option>' in page
    assert '<option value="ZZ" selected>ZZ (no outlet has it)</option>' in page
    known = client.get("/", params={"lean": "LEFT", "country": "gb"}).text
    assert '<option value="left" selected>left</option>' in known
    assert '<option value="GB" selected>GB</option>' in known and "no outlet has it" not in known
    unrated = client.get("/", params={"lean": "unrated"}).text  # a filter the table implies
    assert "1 story" in unrated and '<option value="unrated" selected>unrated</option>' in unrated


def test_outlet_and_language_filters_take_what_a_user_types(
        client: TestClient, store: Store) -> None:
    """A `www.` host or a URL finds the outlet its registered domain names, as articles map
    to outlets; a regional language tag finds articles of its language."""
    guardian_left(store)

    def total(**params: str) -> int:
        return client.get("/api/stories", params=params).json()["total"]

    assert total(outlet="theguardian.com") == 1
    assert total(outlet="www.theguardian.com") == 1
    assert total(outlet="https://www.TheGuardian.com/us-news/2017/mar/02/x") == 1
    assert total(outlet="The Guardian") == 1 and total(outlet="www.example.com") == 0
    assert total(language="en-US") == 1 and total(language="EN-gb") == 1
    assert total(language="fr-FR") == 0
    assert 'name="language" form="search-form" value="en"' in client.get(
        "/", params={"language": "en-US"}).text


def test_an_old_version_page_counts_its_own_sources(client: TestClient, store: Store) -> None:
    """Version 1 of a story woven from 3 articles, read once a 4th joined: its header said
    "4 articles" and the story's dates now; it says the version's own."""
    assert ready(client, f"/api/stories/{STORY}/brief").status_code == 200
    store.add_articles([Article("late1", "Sessions recused himself on Thursday, officials said.",
                                outlet="AP", published="2017-03-04")])
    one_story(store)
    client.get(f"/api/stories/{STORY}/brief")
    idle(client)
    old = client.get(f"/stories/{STORY}", params={"version": 1}).text
    assert "You are reading version 1 of 2" in old
    assert "<span>2017-03-02 – 2017-03-03</span>" in old and "<span>3 articles</span>" in old
    assert "<span>2 outlets</span>" in old
    now = client.get(f"/stories/{STORY}").text
    assert "<span>2017-03-02 – 2017-03-04</span>" in now and "<span>4 articles</span>" in now
    # and its own headline, as its feed entry gives it (it showed the story's headline now)
    then = client.get(f"/api/stories/{STORY}/brief", params={"version": 1}).json()
    headline = then["story"]["headline"]
    assert headline != store.get_story(STORY).headline
    from html import escape

    assert f"<h1>{escape(headline)}</h1>" in old


def test_a_page_says_what_is_wrong_with_its_address_in_a_readers_words(
        client: TestClient) -> None:
    """The page showed the validator's words ("query.version: Input should be a valid
    integer, unable to parse string as an integer"); the API keeps them for programs."""
    page = client.get(f"/stories/{STORY}", params={"version": "abc"})
    assert page.status_code == 422
    assert "version must be a whole number, not &#39;abc&#39;" in page.text
    assert "Input should be" not in page.text
    assert "page must be 1 or more" in client.get("/", params={"page": 0}).text
    api = client.get(f"/api/stories/{STORY}/brief", params={"version": "abc"}).json()
    assert api["detail"].startswith("query.version: Input should be a valid integer")


def test_a_wrong_method_names_every_method_the_path_takes(client: TestClient) -> None:
    """`DELETE /add` said `Allow: GET` though the form posts to it (two routes share the
    path; Starlette named the first's only). HEAD is answered wherever GET is."""
    def allowed(method: str, path: str) -> set[str]:
        r = client.request(method, path)
        assert r.status_code == 405, path
        return {m.strip() for m in r.headers["allow"].split(",")}

    assert allowed("DELETE", "/add") == {"GET", "HEAD", "POST"}
    assert allowed("PUT", "/api/articles") == {"POST"}
    assert allowed("TRACE", f"/stories/{STORY}") == {"GET", "HEAD"}


def test_a_store_that_does_not_answer_is_a_503_with_a_retry_hint(
        store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """While PostgreSQL restarted, every read that reached it was a bare 500 with a
    traceback in the log; it is a 503 with Retry-After and one log line."""
    from sqlalchemy.exc import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with TestClient(create_app(store, TOKEN)) as c:
        article_id = next(store.iter_articles()).id
        monkeypatch.setattr(store, "get_article", down)
        api = c.get(f"/api/articles/{article_id}")
        page = c.get(f"/articles/{article_id}")
    assert api.status_code == 503 and api.headers["retry-after"] == "5"
    assert api.json()["detail"] == "the store is unavailable; try again shortly"
    assert page.status_code == 503 and "the store is unavailable" in page.text
    assert "Traceback" not in caplog.text and "connection refused" in caplog.text


def test_a_held_story_page_and_brief_are_served_while_the_store_is_down(
        store: Store, weaves: Calls, monkeypatch: pytest.MonkeyPatch) -> None:
    """During a PostgreSQL outage the story page and brief just rendered answered 503 (each
    read checks the store for a newer version first), though the README promises pages held
    in memory; they are served as held, marked stale. Others stay 503."""
    from sqlalchemy.exc import OperationalError

    from newsweave.changes import ChangeWatch

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    # as on PostgreSQL: no watch over the file, each read checks the store
    monkeypatch.setattr(ChangeWatch, "for_store", classmethod(lambda cls, _store: None))
    with TestClient(create_app(store, TOKEN, brief_fn=weaves, row_ttl=0.0)) as c:
        brief = ready(c, f"/api/stories/{STORY}/brief")
        page = c.get(f"/stories/{STORY}")
        assert page.status_code == 200
        monkeypatch.setattr(store, "get_story", down)
        held = c.get(f"/api/stories/{STORY}/brief")
        assert held.status_code == 200 and held.headers["x-brief-stale"] == "1"
        assert held.json() == brief.json()
        held_page = c.get(f"/stories/{STORY}")
        assert held_page.status_code == 200 and held_page.text == page.text
        assert c.get("/stories/no-such-story").status_code == 503  # nothing held
        assert c.get(f"/api/stories/{STORY}").status_code == 503  # not a held rendering


def test_one_count_of_outlets_on_every_page_and_domains_filter(
        client: TestClient, store: Store) -> None:
    """The story page's header and the story API counted raw outlet strings ("Guardian" and
    "The Guardian": two) while the list counted the table's names, and a page naming no
    outlet counted none; each now names the outlet as the list does (table, own name,
    domain), and a domain typed into the outlet filter finds pages of it outside the table."""
    guardian_left(store)
    arts = [
        Article("o1", "The harbour bridge closed on Monday for repairs.", outlet="Guardian",
                url="https://www.theguardian.com/a1", published="2019-02-01"),
        Article("o2", "Repairs shut the harbour bridge on Monday morning.",
                outlet="The Guardian", published="2019-02-01"),
        Article("o3", "The bridge over the harbour is closed for repairs.",
                url="https://edition.cnn.com/b", published="2019-02-02"),
    ]
    store.add_articles(arts)
    store.save_stories({a.id: "st-outlets" for a in arts}, {"st-outlets": "Harbour bridge"})
    listed = next(s for s in client.get("/api/stories").json()["items"] if s["id"] == "st-outlets")
    assert listed["outlets"] == ["cnn.com", "The Guardian"]
    assert client.get("/api/stories/st-outlets").json()["outlets"] == listed["outlets"]
    page = ready(client, "/stories/st-outlets")
    assert "<span>2 outlets</span>" in page.text
    found = client.get("/api/stories", params={"outlet": "cnn.com"}).json()
    assert [s["id"] for s in found["items"]] == ["st-outlets"]


def test_a_report_in_another_language_is_marked_so_for_screen_readers(
        client: TestClient, store: Store) -> None:
    """French text was served as lang="en": a screen reader read it with an English voice."""
    store.add_articles([Article("fr1", "Le barrage a cédé dans la nuit de lundi à mardi.",
                                title="Le barrage cède", language="fr")])
    store.save_stories({"fr1": "st-fr"}, {"st-fr": "Le barrage cède"})
    assert '<article class="article-page" lang="fr">' in client.get("/articles/fr1").text
    page = ready(client, "/stories/st-fr")
    assert '<div class="article-text" lang="fr">' in page.text


def test_the_brief_api_names_source_files_without_their_folders(store: Store) -> None:
    """An ingest's file paths are the operator's disk layout (a home folder): the brief API
    gave them whole; it now gives the file's name, as the standalone page does."""
    import dataclasses

    def with_paths(articles: Sequence[Article], story_id: str) -> Brief:
        brief = hand_brief(articles, story_id)
        return dataclasses.replace(brief, sources=tuple(
            dataclasses.replace(s, path=f"/home/alice/leaks/{a.id}.txt")
            for s, a in zip(brief.sources, articles, strict=True)))

    with TestClient(create_app(store, None, brief_fn=with_paths, row_ttl=0.0)) as c:
        first = c.get(f"/api/stories/{STORY}/brief")
        while first.status_code == 202:
            time.sleep(0.05)
            first = c.get(f"/api/stories/{STORY}/brief")
        paths = [s["path"] for s in first.json()["sources"]]
        # what changed between versions names them so too (it gave the whole path)
        moved = sorted(store.get_story(STORY).article_ids)[0]
        store.save_stories({moved: "s-elsewhere"}, {"s-elsewhere": "Another story"})
        assert ready(c, f"/api/stories/{STORY}/brief").headers["x-brief-version"] == "1"
        idle(c)
        changes = c.get(f"/api/stories/{STORY}/changes", params={"since": 1}).json()
    assert paths and all(p.endswith(".txt") and "/" not in p for p in paths)
    assert [s["path"] for s in changes["left_sources"]] == [f"{moved}.txt"]


def test_post_article_holds_the_text_to_ingests_limits(client: TestClient, store: Store) -> None:
    """A text over the token limit was stored (ingest refuses it) and then left out of every
    brief of its story; a 250,000-character Greek text, escaped as json.dumps writes it
    (1.5 MB), was refused by a 1 MiB body cap although it is within the limits."""
    from newsweave.validate import MAX_TEXT_TOKENS

    over = client.post("/api/articles", json={"text": "[ " * (MAX_TEXT_TOKENS + 10)},
                       headers=auth())
    assert over.status_code == 422 and "150,000 limit" in over.text
    greek = "Η βουλή ψήφισε τον προϋπολογισμό την Τρίτη. " * 5700
    body = json.dumps({"text": greek})  # ASCII-escaped, as a client sends it by default
    assert len(body) > 1 << 20
    ok = client.post("/api/articles", content=body,
                     headers={**auth(), "Content-Type": "application/json"})
    assert ok.status_code == 202, ok.text
    assert store.count_articles() == 4


def test_an_article_not_sent_as_json_is_a_415(client: TestClient) -> None:
    """A form post or text/plain body was a 422 whose message named an empty field ("valid
    dictionary"): it is a 415 saying what to send."""
    body = json.dumps({"text": "The council met on Monday."})
    for kind in ("text/plain", "application/x-www-form-urlencoded"):
        r = client.post("/api/articles", content=body,
                        headers={**auth(), "Content-Type": kind})
        assert r.status_code == 415 and "application/json" in r.json()["detail"]
        assert kind in r.json()["detail"]
    ok = client.post("/api/articles", content=body,
                     headers={**auth(), "Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 202
