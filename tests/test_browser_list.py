"""The story list's controls and the coverage pictures in headless Chromium (see
test_browser.py for the set-up): controls change the list and stay in the URL, the coverage
chart renders (screenshots in ``test-artifacts/``), and a hostile outlet name and lean stay
text inside the SVG. Briefs come from a hand-made ``brief_fn``: no models needed here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from newsweave.ingest import read_articles
from newsweave.models import Article
from newsweave.outlets import Outlet
from newsweave.serve import create_app
from newsweave.store import Store, open_store
from tests.test_browser import EXAMPLE, browser, shot, start_uvicorn  # noqa: F401 - fixture
from tests.test_serve import hand_brief

STORY = "sessions-2017"
EVIL_NAME = '<img src=x onerror="window.__pwned=1">ANI'
EVIL_LEAN = "<b>center</b>"
FILLER = 24  # more than one page of stories (20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:

    store: Store = open_store(str(tmp_path_factory.mktemp("list") / "list.db"))
    # ANI's report gets its URL, so it maps to the (hostile) aninews.in row by domain
    articles = [replace(a, url="https://www.aninews.in/news/world/a1") if a.outlet == "ANI"
                else a for a in read_articles([EXAMPLE])]
    filler = [Article(f"f{i}", f"Filler report {i} on the harbour works, day {i}.",
                      outlet="The Guardian" if i % 2 else "Fox News",
                      published=f"2018-02-{i + 1:02d}") for i in range(FILLER)]
    store.add_articles(articles + filler)
    store.save_stories({a.id: STORY for a in articles} | {a.id: f"s{a.id}" for a in filler},
                       {STORY: "Sessions and Kislyak"} | {f"s{a.id}": f"Harbour day {a.id}"
                                                         for a in filler})
    store.import_outlets([Outlet("theguardian.com", "The Guardian", "left", "GB", "GMG"),
                          Outlet("aninews.in", EVIL_NAME, EVIL_LEAN, "IN", EVIL_NAME),
                          Outlet("foxnews.com", "Fox News", "right", "US", "Fox")])
    app = create_app(store, "tok", brief_fn=hand_brief, group_fn=lambda s: None)
    srv, thread, base = start_uvicorn(app)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture()
def page(browser, server: str) -> Iterator[object]:  # noqa: F811 - the shared browser
    context = browser.new_context(viewport={"width": 1300, "height": 1000}, base_url=server)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert errors == [], errors


def query(pg) -> dict[str, list[str]]:
    return parse_qs(urlsplit(pg.url).query)


def test_list_controls_filter_sort_and_stay_in_the_url(page) -> None:
    page.goto("/")
    assert "25 stories, page 1 of 2" in page.locator("#story-count").inner_text()
    page.select_option('select[name="lean"]', "right")
    page.click("#apply")
    page.wait_for_url("**/?lean=right")  # empty fields and the default sort left out
    assert "12 stories" in page.locator("#story-count").inner_text()
    assert page.locator('select[name="lean"]').input_value() == "right"
    page.select_option('select[name="sort"]', "first_published")
    page.fill('input[name="from"]', "2018-02-10")
    page.click("#apply")
    page.wait_for_function("() => location.search.includes('from=')")
    assert query(page) == {"sort": ["first_published"], "lean": ["right"],
                           "from": ["2018-02-10"]}
    heads = page.locator("a.headline").all_inner_texts()
    assert heads[0] == "Harbour day f22" and len(heads) == 7  # f10..f22 even, newest first
    assert page.locator('input[name="from"]').input_value() == "2018-02-10"
    csv_href = page.locator("#csv-link").get_attribute("href")
    assert csv_href == "/api/stories.csv?sort=first_published&lean=right&from=2018-02-10"
    shot(page, "story-list-filtered")
    # the header search keeps the controls too
    page.fill('input[name="q"]', "harbour")
    page.press('input[name="q"]', "Enter")
    page.wait_for_function("() => location.search.includes('q=')")
    assert query(page)["lean"] == ["right"] and query(page)["q"] == ["harbour"]


def test_pager_keeps_filters(page) -> None:
    page.goto("/?outlet=The%20Guardian&sort=sources")
    assert "13 stories" in page.locator("#story-count").inner_text()
    page.goto("/?sort=articles")
    page.click('a[rel="next"]')
    page.wait_for_url("**/?sort=articles&page=2")
    assert page.locator("li.story").count() == 5
    assert page.locator('select[name="sort"]').input_value() == "articles"


def test_list_coverage_bars(page) -> None:
    page.goto("/")
    bars = page.locator("li.story svg.lean-bar")
    assert bars.count() == 20
    page.goto("/?sort=sources")  # the example story has the most sources
    first = page.locator("li.story").first
    assert first.locator("a.headline").get_attribute("href") == f"/stories/{STORY}"
    label = first.locator("svg.lean-bar title").first.text_content()
    assert label == f"Independent sources by lean: left 1, {EVIL_LEAN} 1, unrated 1"
    shot(page, "story-list-bars")


def open_story(pg, story: str) -> None:
    """The story page, through the "being woven" page when its brief is not stored yet: that
    page asks the API by itself (no reload) and says when the brief is ready."""
    pg.goto(f"/stories/{story}")
    if pg.locator("#weaving").count():
        pg.wait_for_function("() => document.getElementById('weaving-status').textContent"
                             ".includes('ready')", timeout=60_000)
        pg.click("#weaving-link")
        pg.wait_for_selector("section#summary")


def test_coverage_chart_renders_and_escapes_hostile_outlet(page) -> None:
    open_story(page, STORY)
    chart = page.locator("svg.coverage-chart")
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 80
    segments = chart.locator("rect.seg")
    assert segments.count() == 3  # 2017-03-02: left + unrated; 2017-03-03: the hostile lean
    heights = [float(segments.nth(i).get_attribute("height")) for i in range(3)]
    assert all(h > 0 for h in heights)
    assert chart.get_attribute("role") == "img"
    assert "3 dated articles, counted per day" in chart.locator("desc").text_content()
    # the hostile outlet and lean are text: no <img>/<b> element, no script ran
    assert chart.locator("img").count() == 0 and chart.locator("b").count() == 0
    assert page.locator("main img").count() == 0
    titles = chart.locator("rect.seg title").all_text_contents()
    assert f"2017-03-03: {EVIL_LEAN} 1 ({EVIL_NAME})" in titles
    assert page.evaluate("() => window.__pwned === undefined")
    legend = chart.locator("text.legend").all_text_contents()
    assert legend[0] == "left" and EVIL_LEAN[:13] in legend[1]
    assert page.locator("#independent-sources").inner_text() == "3"
    chart.screenshot(path=str(_artifact("coverage-chart.png")))
    shot(page, "story-coverage")


def _artifact(name: str):
    from tests.test_browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
