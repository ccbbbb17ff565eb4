"""End to end in a real browser: Debian's headless Chromium, driven by Playwright, against a
real uvicorn server on loopback over a SQLite store holding the example story, with the real
weave. Screenshots go to ``test-artifacts/`` (kept out of git).

Chromium comes from Debian's packages (``chromium``, ``chromium-driver``); the set-up installs
them when missing and it runs as root, and skips with the reason only when it cannot."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from newsweave.ingest import read_articles
from newsweave.serve import create_app
from newsweave.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sessions-2017"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TOKEN = "browser-token"
STORY = "sessions-2017"
HEADLINE = "Sessions, Kislyak and the Russia inquiry"
# the add form answers 401 without the token: Chromium logs that status; anything else fails
EXPECTED_HTTP_ERROR = "Failed to load resource: the server responded with a status of 401"
WEAVE_TIMEOUT_S = 180  # first brief: loads spaCy and the embedder on a busy 2-core machine


def _install_chromium() -> str | None:
    """Make sure Debian's Chromium is there; the reason it cannot be, else None."""
    if os.path.exists(CHROMIUM):
        return None
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"{CHROMIUM} is missing and apt-get cannot install it here (needs root)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"]
    try:
        if subprocess.run(install, env=env, capture_output=True, timeout=900).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600)
            done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                return f"apt-get install chromium failed: {done.stderr.strip()[-300:]}"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"apt-get install chromium failed: {exc}"
    return None if os.path.exists(CHROMIUM) else f"{CHROMIUM} still missing after apt-get"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = _install_chromium()
    if reason:
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def start_uvicorn(app: Any) -> tuple[Any, threading.Thread, str]:
    """``app`` served by a real uvicorn in a thread on a free loopback port, once it is up:
    (server, thread, base URL); stop it with ``server.should_exit = True``, ``thread.join()``."""
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    return srv, thread, f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def woven_server(store: Store, story: str) -> Iterator[str]:
    """A real uvicorn on a free loopback port serving ``store``, whose ``story`` is woven
    before the browser looks, so page loads are not timed against model loading (the first
    request queues the weave, 202, and the background worker stores the brief). The store is
    closed when the server stops."""
    srv, thread, base = start_uvicorn(create_app(store, TOKEN))
    try:
        deadline = time.monotonic() + WEAVE_TIMEOUT_S
        warm = httpx.get(f"{base}/api/stories/{story}/brief", timeout=WEAVE_TIMEOUT_S)
        while warm.status_code == 202 and time.monotonic() < deadline:
            time.sleep(0.5)
            warm = httpx.get(f"{base}/api/stories/{story}/brief", timeout=WEAVE_TIMEOUT_S)
        assert warm.status_code == 200, warm.text
        yield base
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn on a free loopback port, with the real weave and real grouping."""

    db = tmp_path_factory.mktemp("browser") / "serve.db"
    store: Store = open_store(str(db))
    articles = read_articles([EXAMPLE])
    store.add_articles(articles)
    store.save_stories({a.id: STORY for a in articles}, {STORY: HEADLINE})
    with woven_server(store, STORY) as base:
        yield base


@pytest.fixture()
def page(browser, server: str) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=server)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error"
          and not m.text.startswith(EXPECTED_HTTP_ERROR) else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    # a CSP violation or a script error shows up here
    assert errors == [], errors


def shot(pg, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def test_story_list(page) -> None:
    page.goto("/")
    link = page.locator(f'a.headline[href="/stories/{STORY}"]')
    assert link.inner_text() == HEADLINE
    meta = page.locator("li.story .meta").first.inner_text()
    assert "3 articles" in meta and "2 outlets" in meta
    shot(page, "story-list")


def test_search(page) -> None:
    page.goto("/")
    page.fill('input[name="q"]', "Kislyak")
    page.press('input[name="q"]', "Enter")
    page.wait_for_url("**/?q=Kislyak")
    assert page.locator("li.story").count() == 1
    assert "Stories matching" in page.locator("h1").inner_text()
    shot(page, "search")
    page.fill('input[name="q"]', "zyzzyva")
    page.press('input[name="q"]', "Enter")
    page.wait_for_url("**/?q=zyzzyva")
    assert page.locator("li.story").count() == 0
    assert "No stories found" in page.locator("p.none").inner_text()


def test_story_citation_highlights_sentence(page) -> None:
    page.goto("/")
    page.click(f'a.headline[href="/stories/{STORY}"]')
    page.wait_for_url(f"**/stories/{STORY}")
    sentences = page.locator("#summary .sent")
    assert sentences.count() >= 2
    cites = page.locator("#summary a.cite")
    assert cites.count() >= sentences.count()  # every sentence cites at least one source
    shot(page, "story")

    # pick a citation into the last source, so it has to scroll the sources panel
    target_cite = cites.nth(cites.count() - 1)
    mark_id = target_cite.get_attribute("data-target")
    assert mark_id, "the citation has no highlighted sentence"
    mark = page.locator(f"mark#{mark_id}")
    assert "active" not in (mark.get_attribute("class") or "")
    target_cite.click()
    page.wait_for_function(
        "id => document.getElementById(id).classList.contains('active')", arg=mark_id)
    page.wait_for_timeout(600)  # smooth scrolling
    assert mark.is_visible()
    box, panel = mark.bounding_box(), page.locator("#sources").bounding_box()
    assert panel["y"] <= box["y"] and box["y"] + box["height"] <= panel["y"] + panel["height"]
    colour = mark.evaluate("m => getComputedStyle(m).backgroundColor")
    assert colour == "rgb(255, 207, 74)"  # the active highlight, not the plain one
    assert len(mark.inner_text().split()) >= 4  # a whole sentence, not a stray word
    shot(page, "citation-clicked", full_page=False)

    # hovering another citation previews its sentence
    first = cites.nth(0)
    first.hover()
    preview = page.locator("#cite-preview")
    preview.wait_for(state="visible")
    first_mark = page.locator(f"mark#{first.get_attribute('data-target')}")
    assert first_mark.inner_text().strip()[:30] in preview.inner_text()
    assert "hover" in first_mark.get_attribute("class")
    shot(page, "citation-hover", full_page=False)


def test_a_citation_followed_by_keyboard_moves_the_focus_to_its_sentence(page) -> None:
    """Enter on a citation focuses the cited sentence and puts it in the URL, as the plain
    link would (the script had cancelled both, so a keyboard or screen-reader user stayed
    on the citation); Escape first closes the preview, then goes back to the citation."""
    page.goto(f"/stories/{STORY}")
    cite = page.locator("#summary a.cite").nth(1)
    mark_id = cite.get_attribute("data-target")
    assert mark_id and cite.get_attribute("aria-describedby") == mark_id
    assert cite.get_attribute("aria-label").startswith(f"{cite.inner_text()} ")
    cite.focus()
    preview = page.locator("#cite-preview")
    preview.wait_for(state="visible")
    page.keyboard.press("Escape")
    preview.wait_for(state="hidden")
    cite.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id",
                           arg=mark_id)
    assert page.evaluate("location.hash") == f"#{mark_id}"
    page.keyboard.press("Escape")
    page.wait_for_function("id => document.activeElement.getAttribute('data-target') === id",
                           arg=mark_id)


WIDE_STORY = "five-outlets"


@pytest.fixture(scope="module")
def wide_server(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A story told by five outlets: its summary-by-outlet table is wider than a phone (the
    example has three sources, whose tables fit). After ``server``: the models are loaded."""
    from newsweave.models import Article

    store: Store = open_store(str(tmp_path_factory.mktemp("wide") / "wide.db"))
    outlets = ["Riverton Daily", "Valley Times", "Harbor Herald", "Metro Wire", "County Post"]
    articles = [Article(
        id=f"w{n}", outlet=outlet, url=f"https://{outlet.split()[0].lower()}.example/{n}",
        published="2024-03-05", title=f"Harbor Bridge closes ({outlet})",
        text=f"The Harbor Bridge closed to all traffic on Tuesday after inspectors found "
             f"cracks in two steel beams, {outlet} reported. About 31,000 vehicles cross the "
             f"bridge every day. Mayor Jane Okafor said repairs would take {n + 2} weeks.")
        for n, outlet in enumerate(outlets)]
    store.add_articles(articles)
    store.save_stories({a.id: WIDE_STORY for a in articles}, {WIDE_STORY: "Harbor Bridge"})
    with woven_server(store, WIDE_STORY) as base:
        yield base


def test_a_five_outlet_story_page_reflows_on_a_narrow_screen(browser, wide_server: str) -> None:
    """The hidden labels of a table's cells ("carries it") were placed against the page, not
    the table's scroll box, and widened the page of a story with four or more outlets."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=wide_server)
    try:
        pg = context.new_page()
        pg.goto(f"/stories/{WIDE_STORY}")
        assert pg.locator(".table-scroll").count() > 0
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, width
    finally:
        context.close()


def test_the_story_page_reflows_on_a_narrow_screen(browser, server: str) -> None:
    """At 320 CSS pixels (1280 at 400% zoom) the page never scrolls sideways: the column
    does not grow to its widest table, tables scroll in their own box, long words wrap."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=server)
    try:
        pg = context.new_page()
        for path in (f"/stories/{STORY}", "/", "/add", "/docs"):
            pg.goto(path)
            width = pg.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, (path, width)
        shot(pg, "story-320")
    finally:
        context.close()


def test_story_sections_render(page) -> None:
    page.goto(f"/stories/{STORY}")
    for section in ["summary", "quotes", "entities", "timeline", "coverage"]:
        assert page.locator(f"section#{section}").is_visible(), section
    assert page.locator("table.matrix tbody tr").count() == page.locator("#summary .sent").count()
    assert page.locator("table.roster tbody tr").count() > 3  # entities from NER


def test_article_page(page) -> None:
    page.goto(f"/stories/{STORY}")
    page.locator("a", has_text="article page").first.click()
    page.wait_for_url("**/articles/*")
    assert page.locator(f'a[href="/stories/{STORY}"]').inner_text() == HEADLINE
    assert len(page.locator(".article-text").inner_text().split()) > 100
    shot(page, "article")


def test_add_form_without_and_with_token(page) -> None:
    text = ("WASHINGTON: Attorney General Jeff Sessions recused himself on Thursday from any "
            "inquiry into contacts between the Trump campaign and Russia, after it emerged he "
            "had met Ambassador Sergey Kislyak twice.")
    page.goto("/add")
    page.fill('input[name="title"]', "Sessions recuses himself")
    page.fill('input[name="outlet"]', "Wire")
    page.fill('textarea[name="text"]', text)
    page.click('form.add button[type="submit"]')
    error = page.locator("#add-error")
    assert "write token is required" in error.inner_text()
    shot(page, "add-without-token")

    page.fill('input[name="token"]', TOKEN)
    page.fill('input[name="title"]', "Sessions recuses himself")
    page.fill('textarea[name="text"]', text)
    page.click('form.add button[type="submit"]')
    result = page.locator("#add-result")
    assert "Added 1 article(s)" in result.inner_text()
    shot(page, "add-with-token")
    result.locator("a").first.click()
    page.wait_for_url("**/articles/*")
    assert page.locator("h1").inner_text() == "Sessions recuses himself"
