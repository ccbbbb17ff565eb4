"""Server hardening: relative trailing-slash redirects, ids that hold '/', the offline docs
page, and an OpenAPI document that names every status the API answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_serve import STORY, TOKEN, hand_brief, one_story, ready

from newsweave.ingest import read_articles
from newsweave.models import Article
from newsweave.serve import create_app, path_segment
from newsweave.store import Store, open_store

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sessions-2017"
SLASHED = "https://news.example/2017/03/02/sessions"


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(str(tmp_path / "serve.db"))
    articles = read_articles([EXAMPLE])
    first = articles[0]
    s.add_articles([Article(id=SLASHED, text=first.text + " Extra.", title="Slashed id"),
                    *articles])
    one_story(s)
    yield s
    s.close()


@pytest.fixture()
def client(store: Store) -> Iterator[TestClient]:
    app = create_app(store, TOKEN, brief_fn=hand_brief, group_fn=one_story, row_ttl=0.0)
    with TestClient(app, follow_redirects=False) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "location"),
    [("/api/stories/", "/api/stories"), ("/api/stories/?limit=2", "/api/stories?limit=2"),
     ("/stories/x/", "/stories/x")],
)
def test_trailing_slash_redirect_is_relative(client: TestClient, path: str, location: str):
    r = client.get(path, headers={"Host": "evil.test"})
    assert r.status_code == 308
    assert r.headers["location"] == location
    assert "evil.test" not in r.headers["location"].split("/")[:3]


@pytest.mark.parametrize("path", ["/articles/%2F", "/articles/%2e%2e%2f", "/stories/x%2F",
                                  "/api/stories%2F"])
def test_an_encoded_trailing_slash_is_no_redirect_loop(client: TestClient, path: str):
    """A trailing "%2F" decodes to a slash the redirect cannot strip: it answered 308 to the
    same address, a loop, or Starlette redirected it to an absolute URL built from the Host
    header (found by a random walk over the pages' URLs)."""
    r = client.get(path, headers={"Host": "evil.test"})
    assert r.status_code in (400, 404) and r.headers.get("location") is None


def test_redirect_never_becomes_protocol_relative() -> None:
    import asyncio

    from newsweave.serve import _slash_redirect

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "//evil.test/",
             "raw_path": b"//evil.test/", "query_string": b""}
    asyncio.run(_slash_redirect(scope, send))
    assert dict(sent[0]["headers"])[b"location"] == b"/evil.test"


def test_ids_with_slashes_are_encoded_and_routed(client: TestClient) -> None:
    page = ready(client, f"/stories/{STORY}")
    assert page.status_code == 200
    assert f"/articles/{path_segment(SLASHED)}" in page.text
    assert "%2F" in path_segment(SLASHED)
    article = client.get(f"/articles/{path_segment(SLASHED)}")
    assert article.status_code == 200 and "Slashed id" in article.text


def test_the_api_serves_every_article_id_the_store_hands_out(client: TestClient,
                                                            store: Store) -> None:
    """A URL as id (JSONL often gives one), "weird id", "ünïcödé": the story API lists them,
    and /api/articles/{id} refused them (404 for a "/", 422 for the rest)."""
    store.add_articles([Article(id="weird id", text="A spaced report, officials said.",
                                title="Spaced"),
                        Article(id="ünïcödé", text="A unicode report, officials said.",
                                title="Unicode")])
    for aid, title in ((SLASHED, "Slashed id"), ("weird id", "Spaced"), ("ünïcödé", "Unicode")):
        one = client.get(f"/api/articles/{path_segment(aid)}")
        assert one.status_code == 200 and one.json()["title"] == title, aid
        version = client.get(f"/api/articles/{path_segment(aid)}/versions/1")
        assert version.status_code == 200 and version.json()["id"] == aid, aid


def test_an_id_with_spaces_inside_opens_its_page(client: TestClient, store: Store) -> None:
    """ingest keeps "weird id with spaces"; its page answered 400 "malformed id", the one
    broken link of a crawl. Spaces around an id are still refused."""
    store.add_articles([Article(id="weird id with spaces", text="A spaced report, officials "
                                "said on Monday.", title="Spaced id")])
    page = client.get(f"/articles/{path_segment('weird id with spaces')}")
    assert page.status_code == 200 and "Spaced id" in page.text
    assert client.get("/articles/%20weird").status_code == 400


def test_docs_page_is_self_contained(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "<script" not in docs.text and "https://" not in docs.text
    assert "POST /api/articles" in docs.text and "409" in docs.text


def test_openapi_documents_error_statuses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/articles"]["post"]["responses"]
    assert {"200", "202", "400", "401", "403", "409", "413", "422"} <= set(post)
    assert {"404", "422"} <= set(spec["paths"]["/api/stories/{story_id}"]["get"]["responses"])
    published = spec["components"]["schemas"]["ArticleIn"]["properties"]["published"]
    assert "date" in str(published)
    # and the statuses really come with the documented body
    r = client.post("/api/articles", json={"text": "x", "published": "2017-13-40"},
                    headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 422 and set(r.json()) == {"detail", "errors"}
    r = client.get("/api/stories/nope")
    assert r.status_code == 404 and "detail" in r.json()
