"""The follower against a real HTTP server on loopback (no mocks of the HTTP layer): feeds and
pages that change between polls, and every fault a remote site can send."""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsweave.errors import InputError
from newsweave.fetch import Fetcher, FetchError, user_agent
from newsweave.follow import Follower, RoundReport, canonical_url, discover_feeds, read_sources
from newsweave.models import Article
from newsweave.store import open_store

REPO = Path(__file__).resolve().parents[1]

Reply = tuple[int, dict[str, str], bytes]


class _QuietServer(ThreadingHTTPServer):
    """The test site: a client that hangs up early (a timeout test, a closed fetcher) is no
    error worth a traceback in the test log; anything else still prints one."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Site:
    """A loopback web site whose routes tests change between polls; it logs every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], Reply] | Reply] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                site.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = site.routes.get(self.path.split("?")[0])
                if route is None:
                    status, headers, body = 404, {}, b"not found"
                elif callable(route):
                    status, headers, body = route(self)
                else:
                    status, headers, body = route
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.log if p.split("?")[0] == path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.close()


@pytest.fixture
def other_site() -> Iterator[Site]:
    s = Site()
    yield s
    s.close()


def page(title: str, body: str, published: str | None = None, canonical: str | None = None,
         charset: str = "utf-8", author: str | None = None) -> bytes:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    meta += f'<meta name="author" content="{author}">' if author else ""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    html = (f"<html><head><title>{title}</title>{meta}{link}</head><body><article>"
            f"<h1>{title}</h1>{paras}</article></body></html>")
    return html.encode(charset)


def rss(items: list[tuple[str, str, str | None]], title: str = "Wire") -> bytes:
    """``items``: (title, link or "", pubDate)."""
    out = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
           f"<title>{title}</title><link>http://x/</link>"]
    for item_title, link, date in items:
        out.append(f"<item><title>{item_title}</title>")
        if link:
            out.append(f"<link>{link}</link>")
        if date:
            out.append(f"<pubDate>{date}</pubDate>")
        out.append(f"<description>Teaser of {item_title}, as the feed gives it.</description>"
                   "</item>")
    out.append("</channel></rss>")
    return "".join(out).encode()


HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/rss+xml"}

BODY_A = ("The city council approved the new budget on Tuesday after a long debate.\n\n"
          "Officials said the plan funds schools, roads and two new libraries next year.\n\n"
          "The vote was seven to two, with the mayor saying the plan was fair to everyone.\n\n"
          "Opponents said the budget leaves too little for parks and asked for a review of "
          "the spending in the spring, when the first figures for the year come in.")
BODY_B = ("Flooding closed the river road early on Wednesday morning, the police said.\n\n"
          "Drivers were told to use the northern bridge until the water goes down again.\n\n"
          "Engineers expect to inspect the road surface once the flood has passed.")


def follower(store, sources, **kw) -> Follower:
    kw.setdefault("host_delay", 0.0)
    kw.setdefault("timeout", 2.0)
    kw.setdefault("interval", 60.0)
    lines: list[str] = []
    f = Follower(store, sources, report=lines.append, **kw)
    f.lines = lines  # type: ignore[attr-defined]
    return f


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "follow.db")
    yield s
    s.close()


# --------------------------------------------------------------------------- the happy path
def test_round_stores_articles_with_offsets_then_304_and_revisions(site, store):
    etag = '"v1"'

    def feed(handler: BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        items = [("Budget passes", site.url("/a?utm_source=rss#top"),
                  "Wed, 01 Mar 2017 21:30 -0500"),
                 ("Road closed", site.url("/b"), "Thu, 02 Mar 2017 07:00 -0500")]
        return 200, {**XML, "ETag": etag}, rss(items)

    site.routes["/feed"] = feed
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    site.routes["/b"] = (200, HTML, page("Road closed", BODY_B, author="Jane Roe",
                                         published="2017-03-02T07:00:00-05:00"))
    f = follower(store, [site.url("/feed")])
    report = f.run_round()
    assert (report.added, report.failures) == (2, [])
    rows = {r["url"]: r for r in store.iter_listing()}
    a = rows[site.url("/a")]  # tracking parameter and fragment gone
    assert a["published"] == "2017-03-01T21:30:00-05:00"  # the feed's offset, local day kept
    assert a["language"] == "en" and a["text_from"] == "page" and a["revisions"] == 1
    assert a["text"].startswith("The city council approved")
    b = rows[site.url("/b")]
    assert (b["published"], b["author"], b["title"]) == (
        "2017-03-02T07:00:00-05:00", "Jane Roe", "Road closed")
    assert (a["outlet"], a["updated"]) == ("Wire", None)  # the feed's title as outlet
    ua = dict(site.log)["/feed"]["user-agent"]
    assert ua == user_agent() and ua.startswith("newsweave/")

    # second round: the feed answers 304 and no page is fetched again
    pages_before = site.hits("/a") + site.hits("/b")
    report = f.run_round()
    assert (report.not_modified, report.added, report.entries) == (1, 0, 0)
    assert site.hits("/a") + site.hits("/b") == pages_before

    # the feed changes (new ETag, edited entry): the page is fetched again and, its text having
    # changed, stored as a new revision of the same article
    etag = '"v2"'
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A.replace("seven", "eight")))
    site.routes["/feed"] = lambda h: (200, {**XML, "ETag": etag}, rss([
        ("Budget passes (updated)", site.url("/a"), "Wed, 01 Mar 2017 21:30 -0500")]))
    report = f.run_round()
    assert (report.revised, report.added) == (1, 0)
    assert store.count_articles() == 2
    row = {r["url"]: r for r in store.iter_listing()}[site.url("/a")]
    assert row["revisions"] == 2 and "eight to two" in row["text"]
    assert "seven to two" in store.article_revisions(row["id"])[0]["text"]
    f.close()


def test_an_entry_the_round_did_not_store_is_fetched_next_round_behind_a_304(site, store):
    """The feed's ETag was saved before its pages were fetched: an entry left unstored (a
    store error, a stop, a kill) was never fetched again while the feed answered 304."""
    from sqlalchemy.exc import OperationalError

    etag = '"v1"'
    site.routes["/feed"] = lambda h: ((304, {"ETag": etag}, b"")
                                      if h.headers.get("If-None-Match") == etag else
                                      (200, {**XML, "ETag": etag}, rss([
                                          ("Budget passes", site.url("/a"), None),
                                          ("Road closed", site.url("/b"), None)])))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    site.routes["/b"] = (200, HTML, page("Road closed", BODY_B))
    real = store.save_followed
    broken = {"left": 1}

    def save_followed(article, *args, **kwargs):  # the store is locked once, for /b
        if article.url and article.url.endswith("/b") and broken["left"]:
            broken["left"] -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(article, *args, **kwargs)

    store.save_followed = save_followed
    f = follower(store, [site.url("/feed")])
    first = f.run_round()
    assert first.added == 1 and any("store error" in m for m in first.failures)
    assert store.feed_state(site.url("/feed")).etag is None  # the poll is not settled
    second = f.run_round()
    assert (second.not_modified, second.added) == (0, 1) and store.count_articles() == 2
    assert store.feed_state(site.url("/feed")).etag == etag  # every entry handled now
    assert f.run_round().not_modified == 1
    f.close()


def test_last_modified_is_sent_back(site, store):
    stamp = formatdate(usegmt=True)

    def feed(handler: BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-Modified-Since") == stamp:
            return 304, {}, b""
        return 200, {**XML, "Last-Modified": stamp}, rss([])

    site.routes["/feed"] = feed
    f = follower(store, [site.url("/feed")])
    f.run_round()
    assert f.run_round().not_modified == 1
    assert store.feed_state(site.url("/feed")).last_modified == stamp
    f.close()


def test_site_url_discovers_its_feed_and_duplicates_across_feeds_are_one_article(site, store):
    site.routes["/"] = (200, HTML, b'<html><head><link rel="alternate" '
                        b'type="application/atom+xml" href="/f1"><link rel="alternate" '
                        b'type="application/rss+xml" href="/f2"></head><body>Home</body></html>')
    same = [("Budget passes", site.url("/a"), "Wed, 01 Mar 2017 21:30 -0500")]
    site.routes["/f1"] = (200, XML, rss(same, "One"))
    site.routes["/f2"] = (200, XML, rss(same + [("Road", site.url("/a?fbclid=x"), None)], "Two"))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    f = follower(store, [site.url("/")])
    report = f.run_round()
    assert report.added == 1 and store.count_articles() == 1
    assert site.hits("/a") == 1  # the same article is fetched once per round
    f.close()


# --------------------------------------------------------------------------- faults
def test_faults_are_one_line_each_and_never_stop_the_round(site, store):
    site.routes["/feed"] = (200, XML, rss([
        ("Good", site.url("/good"), None),
        ("Error page", site.url("/err"), None),
        ("Loop", site.url("/loop1"), None),
        ("Private", site.url("/private/x"), None),
        ("Huge", site.url("/huge"), None),
        ("No link", "", None),
    ]))
    site.routes["/robots.txt"] = (200, {}, b"User-agent: newsweave\nDisallow: /private/\n")
    site.routes["/good"] = (200, HTML, page("Good", BODY_A))
    site.routes["/err"] = (500, {}, b"boom")
    site.routes["/loop1"] = (302, {"Location": "/loop2"}, b"")
    site.routes["/loop2"] = (302, {"Location": "/loop1"}, b"")
    site.routes["/private/x"] = (200, HTML, page("Secret", BODY_B))
    site.routes["/huge"] = (200, HTML, b"<html><body><p>" + b"word " * 400_000 + b"</p></body>")
    site.routes["/broken.xml"] = (200, XML, b"<rss><channel><item><title>x</titl")
    f = follower(store, [site.url("/feed"), site.url("/broken.xml"), site.url("/gone")],
                 max_bytes=1_000_000)
    report = f.run_round()
    text = "\n".join(report.failures)
    # every failed page falls back to the feed teaser (marked) and is named in one line
    assert site.url("/err") in text and "HTTP 500" in text
    assert "more than 5 redirects" in text
    assert "robots.txt" in text and site.hits("/private/x") == 0
    assert "1000000-byte limit" in text
    assert site.url("/gone") in text and "HTTP 404" in text
    assert any(site.url("/broken.xml") in ln and "malformed feed XML" in ln for ln in f.lines)
    assert any("has no link" in line for line in f.lines)
    assert all("\n" not in line for line in report.failures)
    rows = {r["url"]: r for r in store.iter_listing()}
    assert rows[site.url("/good")]["text_from"] == "page"
    assert rows[site.url("/err")]["text_from"] == "feed"
    assert rows[site.url("/err")]["text"].startswith("Teaser of Error page")
    # the failing feed backs off: it is not polled in the next round
    before = site.hits("/gone")
    assert f.run_round().backing_off >= 1 and site.hits("/gone") == before
    state = store.feed_state(site.url("/gone"))
    assert state.failures == 1 and state.next_poll is not None
    f.close()


def test_feeds_lists_each_followed_feed_failing_first(site, store, tmp_path, capsys):
    """`newsweave feeds` and `GET /api/feeds`: which followed feeds answer, which fail (how
    many times in a row, why, and when they are tried again), for an operator."""
    from fastapi.testclient import TestClient

    from newsweave.cli import main
    from newsweave.serve import create_app

    db = str(tmp_path / "follow.db")
    assert main(["feeds", "--db", db]) == 0
    assert capsys.readouterr().out == "0 followed feeds\n"
    site.routes["/feed"] = (200, XML, rss([("Good", site.url("/good"), None)]))
    site.routes["/good"] = (200, HTML, page("Good", BODY_A))
    f = follower(store, [site.url("/feed"), site.url("/gone")])
    f.run_round()
    f.close()
    assert main(["feeds", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2 followed feeds, 1 failing:"
    assert lines[1].startswith("  failing ") and lines[1].endswith(site.url("/gone"))
    assert lines[2].startswith("          1 failure in a row: ") and "HTTP 404" in lines[2]
    assert "; next try " in lines[2] and lines[2].endswith(" UTC")
    assert site.url("/gone") not in lines[2]  # the failure's message named it: said once
    assert lines[3].startswith("  ok ") and lines[3].endswith(f"{site.url('/feed')}  (HTTP 200)")
    assert " RSS feed " in lines[3] and "found on" not in lines[3]
    assert main(["feeds", "--db", db, "--failing", "--format", "jsonl"]) == 0
    (only,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (only["url"], only["state"], only["failures"]) == (site.url("/gone"), "failing", 1)
    assert only["next_poll"] > only["checked_at"]
    assert main(["feeds", "--db", db, "--format", "csv"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0] == ("url,kind,found_on,state,checked_at,last_status,failures,next_poll,"
                            "last_new,quiet,pages_tried,pages_failed,page_error")
    rows = list(csv.DictReader(csv_lines))
    assert len(rows) == 2 and all(r["quiet"] == "false" for r in rows)
    assert {r["url"]: (r["pages_tried"], r["pages_failed"]) for r in rows} == {
        site.url("/feed"): ("1", "0"), site.url("/gone"): ("", "")}
    with TestClient(create_app(store, None)) as c:
        feeds = c.get("/api/feeds").json()
    assert [(x["url"], x["state"]) for x in feeds] == [
        (site.url("/gone"), "failing"), (site.url("/feed"), "ok")]
    assert feeds[1]["last_status"] == "200" and feeds[1]["next_poll"] is None


def test_an_entry_link_too_long_to_key_is_one_line_and_the_rest_is_stored(site, store):
    """A hostile feed's 1,500-character link in another script (4,500 bytes, 13,500 once
    percent-encoded): the store keys followed entries by their link, and on PostgreSQL a key
    that long fails the whole article's transaction; it is skipped in one line."""
    long_link = site.url("/" + "\u6c49" * 1500)
    site.routes["/feed"] = (200, XML, rss([("Long", long_link, None),
                                           ("Good", site.url("/good"), None)]))
    site.routes["/good"] = (200, HTML, page("Good", BODY_A))
    f = follower(store, [site.url("/feed")])
    report = f.run_round()
    assert report.added == 1
    assert any("2,000-byte limit: skipped" in line and "\n" not in line for line in f.lines)
    f.close()


def test_slow_site_does_not_hold_up_another(site, other_site, store):
    release = threading.Event()

    def slow(_h: BaseHTTPRequestHandler) -> Reply:
        release.wait(10)
        return 200, XML, rss([])

    site.routes["/feed"] = slow
    other_site.routes["/feed"] = (200, XML, rss([("Quick", other_site.url("/q"), None)]))
    other_site.routes["/q"] = (200, HTML, page("Quick", BODY_B))
    f = follower(store, [site.url("/feed"), other_site.url("/feed")], timeout=1.0, deadline=1.5)
    started = time.monotonic()
    report = f.run_round()
    release.set()
    assert time.monotonic() - started < 5  # the client timeout, not the server's 10 s
    assert report.added == 1
    assert any(site.url("/feed") in line and "timed out" in line for line in report.failures)
    f.close()


def test_gzip_and_cp1252_page_without_charset(site, store):
    body = page("Café reopens", "Le café du coin a rouvert ses portes mardi matin. "
                "The café on the corner reopened on Tuesday morning after the repairs, "
                "its owner said, and customers queued outside.", charset="cp1252")
    site.routes["/feed"] = (200, {**XML, "Content-Encoding": "gzip"},
                            gzip.compress(rss([("Café", site.url("/c"), None)])))
    site.routes["/c"] = (200, {"Content-Type": "text/html"}, body)  # no charset anywhere
    f = follower(store, [site.url("/feed")])
    assert f.run_round().added == 1
    (row,) = store.iter_listing()
    assert "café on the corner" in row["text"] and "\ufffd" not in row["text"]
    assert any(h.get("accept-encoding") == "gzip, deflate" for _, h in site.log)
    f.close()


def test_gzip_bomb_is_refused_by_its_decompressed_size(site):
    bomb = gzip.compress(b"\0" * 50_000_000)  # ~50 kB on the wire
    site.routes["/bomb"] = (200, {"Content-Encoding": "gzip"}, bomb)
    fetcher = Fetcher(host_delay=0, max_bytes=1_000_000, trusted_origins=[site.base])
    with fetcher, pytest.raises(FetchError) as err:
        fetcher.get(site.url("/bomb"))
    assert "limit" in str(err.value) and site.url("/bomb") in str(err.value)


def test_non_http_redirect_and_host_pacing(site):
    site.routes["/ftp"] = (302, {"Location": "file:///etc/passwd"}, b"")
    site.routes["/x"] = (200, {}, b"ok")
    with Fetcher(host_delay=0.3, trusted_origins=[site.base]) as fetcher:
        with pytest.raises(FetchError, match="only http and https"):
            fetcher.get(site.url("/ftp"))
        started = time.monotonic()
        for _ in range(3):
            fetcher.get(site.url("/x"))
        assert time.monotonic() - started >= 0.6  # 3 requests, >= 0.3 s apart


def test_billion_laughs_is_not_expanded(site, store):
    lol = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "lollollollollollollollollollol">'
           + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                     for i in range(9))
           + ']><rss version="2.0"><channel><title>&j;</title><item><title>Laugh</title>'
           f'<link>{site.url("/l")}</link><description>&j;</description></item>'
           "</channel></rss>")
    site.routes["/feed"] = (200, XML, lol.encode())
    site.routes["/l"] = (500, {}, b"")
    f = follower(store, [site.url("/feed")])
    started = time.monotonic()
    report = f.run_round()
    assert time.monotonic() - started < 10
    for row in store.iter_listing():  # whatever was kept, it is not the expansion
        assert len(row["text"]) < 10_000 and "lollollol" not in row["text"]
    assert report.failures  # reported, not crashed
    assert any("malformed feed XML" in ln and "amplification" in ln for ln in f.lines)
    f.close()


def test_external_entity_is_not_read(site, store, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
           f'<rss version="2.0"><channel><title>t</title><item><title>X</title>'
           f'<link>{site.url("/x")}</link><description>&x;</description></item></channel></rss>')
    site.routes["/feed"] = (200, XML, xxe.encode())
    site.routes["/x"] = (404, {}, b"")
    f = follower(store, [site.url("/feed")])
    f.run_round()
    assert all("TOPSECRET" not in r["text"] for r in store.iter_listing())
    f.close()


# --------------------------------------------------------------------------- sources, urls
def test_read_sources_opml_and_url_list(tmp_path):
    opml = tmp_path / "subs.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    '<outline text="News"><outline type="rss" xmlUrl="https://a.example/feed"/>'
                    '<outline type="rss" xmlUrl="https://b.example/rss"/></outline>'
                    "</body></opml>")
    listing = tmp_path / "urls.txt"
    listing.write_text("# my feeds\nhttps://c.example/   # the wire, comment after it\n\n"
                       "https://a.example/feed\nhttps://e.example/p#frag\n")
    # one feed spelled four ways is one source (each had its own polls and `feeds` row)
    assert read_sources([str(opml), str(listing), "http://d.example/f", "HTTP://D.example/./f",
                         "http://d.example/x/../f#top", "https://u:PaSs@Q.example/F?A=1"]) == [
        "https://a.example/feed", "https://b.example/rss", "https://c.example/",
        "https://e.example/p", "http://d.example/f", "https://u:PaSs@q.example/F?A=1"]
    bad = tmp_path / "bad.txt"
    bad.write_text("https://ok.example/\nftp://nope.example/\n")
    with pytest.raises(InputError, match=r"bad.txt:2: not an http\(s\) URL"):
        read_sources([str(bad)])
    with pytest.raises(InputError, match="no such file"):
        read_sources([str(tmp_path / "missing.opml")])
    with pytest.raises(InputError, match="is a folder, expected a SOURCE"):
        read_sources([str(tmp_path)])
    nul = tmp_path / "nul.opml"  # libxml2 words this error over two lines
    nul.write_bytes(b'<opml version="2.0"><body>\x00<outline xmlUrl="http://a.example/"/>'
                    b"</body></opml>")
    with pytest.raises(InputError) as err:
        read_sources([str(nul)])
    said = (f"{nul}:1: malformed OPML: Invalid character: Char 0x0 out of allowed range; read "
            "as far as it goes: 1 with an xmlUrl")
    assert str(err.value) == said
    skipped: list[InputError] = []  # read as far as it goes, as feeds and sitemaps are
    assert read_sources([str(nul)], on_error=skipped.append) == ["http://a.example/"]
    assert [str(e) for e in skipped] == [said]
    ref = tmp_path / "ref.opml"  # a reference to no character, in a file read leniently
    ref.write_text('<opml version="2.0"><body><outline xmlUrl="https&#xD800;://a.example/"/>'
                   '<outline xmlUrl="https://b.example/rss"/></body></opml>')
    assert read_sources([str(ref)], on_error=skipped.append) == ["https://b.example/rss"]
    cut = tmp_path / "cut.opml"  # nothing with an address survives: the file is bad
    cut.write_text('<opml version="2.0"><body><outline text="News" xmlU')
    with pytest.raises(InputError, match="no usable source URLs given"):
        read_sources([str(cut)], on_error=skipped.append)
    assert str(skipped[-1]).startswith(f"{cut}:1: malformed OPML: ")
    # a list saved by Notepad as "Unicode" (UTF-16 with its mark) reads as the same URLs
    notepad = tmp_path / "notepad.txt"
    notepad.write_bytes("https://c.example/\r\nhttps://a.example/feed\r\n".encode("utf-16"))
    assert read_sources([str(notepad)]) == ["https://c.example/", "https://a.example/feed"]


def test_canonical_url_and_discovery():
    assert canonical_url("https://Example.org:443/a?utm_source=x&id=3#c") == (
        "https://example.org/a?id=3")
    html = ('<link rel="alternate" type="application/rss+xml" href="/rss">'
            '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">')
    assert discover_feeds(html, "https://s.example/news/") == ["https://s.example/rss"]


def test_languages_kept_out_of_grouping_by_default(site, store):
    fr = ("Le conseil municipal a adopté le nouveau budget mardi après un long débat. "
          "Les responsables ont déclaré que le plan finance les écoles et les routes. "
          "Le vote a été acquis par sept voix contre deux, et le maire a estimé que le plan "
          "était juste pour tout le monde. L'opposition a demandé un nouvel examen des "
          "dépenses au printemps, quand les premiers chiffres de l'année seront connus.")
    brief = "Angela Merkel meets Emmanuel Macron in Berlin."
    site.routes["/feed"] = (200, XML, rss([("Budget", site.url("/fr"), None),
                                          ("Budget passes", site.url("/en"), None),
                                          ("Merkel in Berlin", site.url("/brief"), None)]))
    site.routes["/fr"] = (200, HTML, page("Budget", fr))
    site.routes["/en"] = (200, HTML, page("Budget passes", BODY_A))
    site.routes["/brief"] = (200, HTML, page("Merkel in Berlin", brief))
    f = follower(store, [site.url("/feed")])
    report = f.run_round()
    # a brief too short to judge is of unknown language, and so grouped (py3langid would
    # have read this English line as Dutch and left it out)
    assert (report.added, report.other_language) == (3, 1)
    assert store.count_by_language() == {"en": 1, "fr": 1, None: 1}
    assert sorted(str(a.language) for a in store.iter_articles(languages=("en",))) == \
        ["None", "en"]
    f.close()


# --------------------------------------------------------------------------- the command
def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "newsweave.cli", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


def test_year_on_a_page_is_no_date_the_feed_gives_the_day(site, store):
    """A page without date metadata whose text names a year ("in 2016", "© 2019") is dated
    by its feed entry, not January 1 of that year (htmldate's guess)."""
    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"),
                                            "Thu, 02 Mar 2017 07:00 -0500")]))
    body = BODY_A + "\n\nThe last budget, in 2016, was approved without a debate."
    html = page("Budget passes", body).replace(b"</body>", b"<footer>(c) 2019 Planet</footer>"
                                                        b"</body>")
    site.routes["/a"] = (200, HTML, html)
    report = follower(store, [site.url("/feed")]).run_round()
    assert (report.added, report.failures) == (1, [])
    (row,) = store.iter_listing()
    assert row["published"] == "2017-03-02T07:00:00-05:00"


def test_cli_once_and_articles_export(site, tmp_path):
    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None),
                                          ("Broken", site.url("/e"), None)]))
    site.routes["/a"] = (200, HTML, page("=Budget passes", BODY_A))
    site.routes["/e"] = (500, {}, b"")
    db = str(tmp_path / "cli.db")
    done = _cli("follow", site.url("/feed"), "--db", db, "--once", "--host-delay", "0")
    assert done.returncode == 0, done.stderr
    assert "2 articles added" in done.stdout
    errors = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and site.url("/e") in errors[0] and "Traceback" not in done.stderr
    out = _cli("articles", "--db", db)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert {r["text_from"] for r in rows} == {"page", "feed"}
    assert set(rows[0]) >= {"id", "url", "title", "outlet", "author", "published", "updated",
                            "language", "text", "revisions"}
    as_csv = _cli("articles", "--db", db, "--format", "csv")
    assert as_csv.stdout.splitlines()[0].startswith("id,url,title,outlet,author,published")
    assert "'=Budget passes" in as_csv.stdout  # no spreadsheet formula from a page title
    bad = _cli("follow", "ftp://x.example/", "--db", db, "--once")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "ftp://" in bad.stderr
    assert _cli("articles", "--db", db, "--story", "nope").returncode == 2


def test_sigkilled_follower_restarted_stores_every_article_once(site, tmp_path):
    n = 12
    items = [(f"Story {i}", site.url(f"/p{i}"), None) for i in range(n)]
    site.routes["/feed"] = (200, XML, rss(items))

    def slow_page(i: int) -> Callable[[BaseHTTPRequestHandler], Reply]:
        def reply(_h: BaseHTTPRequestHandler) -> Reply:
            time.sleep(0.15)
            return 200, HTML, page(f"Story {i}", BODY_A.replace("budget", f"budget number {i}"))
        return reply

    for i in range(n):
        site.routes[f"/p{i}"] = slow_page(i)
    db = str(tmp_path / "kill.db")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "newsweave.cli", "follow", site.url("/feed"), "--db", db,
           "--host-delay", "0", "--interval", "3600"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(site.hits(f"/p{i}") for i in range(n)) < 4:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    with open_store(db) as s:
        partial = s.count_articles()
    assert 0 < partial < n  # killed mid-round, some articles stored
    done = _cli("follow", site.url("/feed"), "--db", db, "--once", "--host-delay", "0")
    assert done.returncode == 0, done.stderr
    with open_store(db) as s:
        rows = list(s.iter_listing())
    assert len(rows) == n and len({r["url"] for r in rows}) == n
    assert sorted(r["title"] for r in rows) == sorted(f"Story {i}" for i in range(n))


def test_sigterm_stops_cleanly(site, tmp_path):
    site.routes["/feed"] = (200, XML, rss([]))
    db = str(tmp_path / "term.db")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsweave.cli", "follow", site.url("/feed"), "--db", db,
         "--host-delay", "0", "--interval", "3600"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and site.hits("/feed") < 1:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err and "round:" in out


def test_sigterm_stops_a_once_round_after_the_articles_in_hand(site, tmp_path):
    """--once had no SIGTERM handler (`timeout` around a cron job killed it mid-article,
    no summary); now it stops as Ctrl-C does, says so at once, and exits 143."""
    started = threading.Event()

    def slow(_handler):
        started.set()
        time.sleep(1.0)
        return 200, HTML, page("Budget passes", BODY_A)

    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None),
                                           ("Road closed", site.url("/b"), None)]))
    site.routes["/a"] = slow
    site.routes["/b"] = slow
    db = str(tmp_path / "once.db")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsweave.cli", "follow", site.url("/feed"), "--db", db,
         "--host-delay", "0", "--once"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert started.wait(60)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "stopping after the articles in hand" in err and "Traceback" not in err
    assert "round:" in out


def test_serve_follow_runs_the_follower_inside_the_server(site, tmp_path):
    import socket
    import urllib.request

    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None),
                                          ("Road closed", site.url("/b"), None)]))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    site.routes["/b"] = (200, HTML, page("Road closed", BODY_B))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsweave.cli", "serve", "--db", str(tmp_path / "s.db"),
         "--port", str(port), "--follow", site.url("/feed"), "ftp://a.example/",
         "--host-delay", "0", "--interval", "3600"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        stories: list = []
        while time.monotonic() < deadline and not stories:
            time.sleep(0.5)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/stories") as resp:
                    stories = json.load(resp)["items"]
            except OSError:
                continue
        assert stories, "no story appeared"
        assert sum(s["articles"] for s in stories) == 2
        # the follower's after-round update also wove the stories: their briefs are stored
        url = f"http://127.0.0.1:{port}/api/stories/{stories[0]['id']}/brief"
        status, version, brief = 0, None, {}
        while time.monotonic() < deadline + 60 and status != 200:
            with urllib.request.urlopen(url) as resp:
                status, version, brief = resp.status, resp.headers["X-Brief-Version"], \
                    json.load(resp)
            time.sleep(0.5)
        assert status == 200 and version == "1"
        assert len(brief["sources"]) == stories[0]["articles"]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Traceback" not in err
    assert "stories rewoven" in err and "update after the round failed" not in err
    # a bad source is said once, as the follower starts, and the good one followed
    assert err.count("newsweave: follow: skipped: not an http(s) URL: 'ftp://a.example/'") == 1


# --------------------------------------------------------------------------- fetch details
def test_robots_unreachable_disallows_and_missing_allows(site, other_site):
    site.routes["/robots.txt"] = (503, {}, b"down")
    site.routes["/x"] = (200, {}, b"ok")
    other_site.routes["/x"] = (200, {}, b"ok")  # robots.txt: 404
    with Fetcher(host_delay=0, trusted_origins=[site.base, other_site.base]) as fetcher:
        with pytest.raises(FetchError, match=r"robots.txt unreadable \(HTTP 503\): not fetched"):
            fetcher.get(site.url("/x"))
        assert fetcher.get(other_site.url("/x")).body == b"ok"
        assert site.hits("/x") == 0
        # a site that does not answer at all is said to be unreachable, not its robots.txt
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            down = f"http://127.0.0.1:{free.getsockname()[1]}/x"
        fetcher.trust(down)
        with pytest.raises(FetchError, match=r"site unreachable \(.*\): not fetched"):
            fetcher.get(down)
    # a site that answers, but with a robots.txt that cannot be read, is not "unreachable"
    other_site.routes["/robots.txt"] = (302, {"Location": "/robots.txt"}, b"")
    with Fetcher(host_delay=0, trusted_origins=[other_site.base]) as fetcher, \
            pytest.raises(FetchError, match=r"robots.txt unreadable \(.*redirect"):
        fetcher.get(other_site.url("/x"))


def test_crawl_delay_and_contact_in_user_agent(site):
    site.routes["/robots.txt"] = (200, {}, b"User-agent: *\nCrawl-delay: 1\n")
    site.routes["/x"] = (200, {}, b"ok")
    with Fetcher(host_delay=0, contact="ops@example.org", trusted_origins=[site.base]) as fetcher:
        started = time.monotonic()
        fetcher.get(site.url("/x"))
        fetcher.get(site.url("/x"))
        assert time.monotonic() - started >= 1.0  # the delay is honoured between two requests
    assert dict(site.log)["/x"]["user-agent"].endswith("(+ops@example.org)")
    # ... and between robots.txt and the first request after it (that went at --host-delay)
    with Fetcher(host_delay=0, trusted_origins=[site.base]) as fetcher:
        started = time.monotonic()
        fetcher.get(site.url("/x"))
        assert time.monotonic() - started >= 1.0
    # a header is ASCII: a name with accents failed every request ("unexpected
    # UnicodeEncodeError"); its accents are folded away, control characters dropped
    assert user_agent("José Müller <jose@example.org>\x07").endswith(
        "(+Jose Muller <jose@example.org>)")
    with Fetcher(host_delay=0, contact="José <j@example.org>",
                 trusted_origins=[site.base]) as fetcher:
        assert fetcher.get(site.url("/x")).status == 200


def test_cap_holds_without_content_length(site):
    site.routes["/big"] = lambda h: (200, {"Transfer-Encoding": "chunked"},
                                     b"".join(b"%x\r\n%s\r\n" % (len(c), c)
                                              for c in [b"y" * 100_000] * 3) + b"0\r\n\r\n")
    fetcher = Fetcher(host_delay=0, max_bytes=150_000, trusted_origins=[site.base])
    with fetcher, pytest.raises(FetchError, match="150000-byte limit"):
        fetcher.get(site.url("/big"))
    with Fetcher(host_delay=0, max_bytes=400_000, trusted_origins=[site.base]) as fetcher:
        assert len(fetcher.get(site.url("/big")).body) == 300_000


def test_unexpected_error_is_one_line_naming_the_url(site, store, monkeypatch):
    import newsweave.ingest

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("extractor fell over\nwith a second line")

    monkeypatch.setattr(newsweave.ingest, "parse_html", broken)
    site.routes["/feed"] = (200, XML, rss([("A", site.url("/a"), None)]))
    site.routes["/a"] = (200, HTML, page("A", BODY_A))
    f = follower(store, [site.url("/feed")])
    report = f.run_round()
    assert report.failures == [
        f"{site.url('/a')}: RuntimeError: extractor fell over with a second line"]
    f.close()


def test_update_runs_after_changed_rounds_and_is_retried_after_a_failure(site, store):
    site.routes["/feed"] = (200, XML, rss([("A", site.url("/a"), None)]))
    site.routes["/a"] = (200, HTML, page("A", BODY_A))
    f = follower(store, [site.url("/feed")], interval=0.01)
    calls: list[int] = []

    def after(report) -> bool:
        calls.append(report.added)
        if len(calls) == 2:
            f.stop.set()
        return len(calls) > 1  # the first update fails

    rounds: list[int] = []
    f.run_forever(after_round=after, on_round=lambda r: rounds.append(r.added))
    assert calls == [1, 0]  # retried after the failure, although the second round added nothing
    assert rounds[:2] == [1, 0]
    f.close()


def test_interval_runs_from_round_start_to_round_start_update_included(site, store):
    """A slow update is not followed by a whole interval more: the next round is due
    ``interval`` seconds after the previous one started (the documented meaning)."""
    import threading

    class Recording(threading.Event):
        waits: list[float] = []

        def wait(self, timeout: float | None = None) -> bool:
            self.waits.append(timeout or 0.0)
            self.set()  # one round is enough
            return True

    site.routes["/feed"] = (200, XML, rss([("A", site.url("/a"), None)]))
    site.routes["/a"] = (200, HTML, page("A", BODY_A))
    stop = Recording()
    f = follower(store, [site.url("/feed")], interval=6.0, stop=stop)
    rounds: list[float] = []
    f.run_forever(after_round=lambda _r: time.sleep(5.0), on_round=lambda r:
                  rounds.append(r.seconds))
    f.close()
    assert len(stop.waits) == 1 and rounds
    # the old behaviour waited 6.0 - round time (> 1 s unless the round itself took 5 s):
    # the 5 s update came on top of the interval
    assert stop.waits[0] <= max(0.0, 6.0 - rounds[0] - 5.0) + 1e-6 <= 1.0 + 1e-6


def test_updater_reports_summary_failed_stories_and_a_failed_update(monkeypatch, store):
    from newsweave import follow as follow_mod
    from newsweave.app import ReweaveResult, UpdateResult
    from newsweave.cli_follow import updater
    from newsweave.errors import InputError

    class Grouped:
        def summary(self) -> str:
            return "grouped 2 new articles"

    from newsweave.store import BriefVersion

    stored = [BriefVersion("s1", 2, "2026-12-07T10:00:00+00:00", (), "f",
                           changes={"new_sources": 1, "new_quotes": 2})]
    outcome: list = [UpdateResult(Grouped(), ReweaveResult(3, ["s1"], [("s2", "no text")],
                                                           stored=stored))]

    def fake(_store, _languages=None, **_kw):
        if isinstance(outcome[0], Exception):
            raise outcome[0]
        return outcome[0]

    monkeypatch.setattr(follow_mod, "_after_round", fake)
    lines: list[str] = []
    hook = updater(store, ("en",), lines.append)
    assert hook(None) is True
    assert lines == ["newsweave: follow: grouped 2 new articles; 1 of 3 stories rewoven",
                     "newsweave: follow: s1 v2: 1 new source, 2 new quotes",
                     "newsweave: follow: skipped: story s2: no text"]
    # a busy round names the first versions and counts the rest
    many = [BriefVersion(f"s{i}", 1, "t", (), "f", changes={}) for i in range(25)]
    outcome[0] = UpdateResult(Grouped(), ReweaveResult(30, [f"s{i}" for i in range(25)],
                                                       stored=many))
    lines.clear()
    assert hook(None) is True
    assert lines[1] == "newsweave: follow: s0 v1: new story" and len(lines) == 22
    assert lines[-1].startswith("newsweave: follow: ... and 5 more")
    outcome[0] = InputError("store is busy: another update is running\nsecond line")
    assert hook(None) is False  # retried after the next round
    assert lines[-1] == ("newsweave: follow: update after the round failed: store is busy: "
                         "another update is running second line")


def test_feed_cannot_point_the_follower_at_a_private_address(site, other_site, store):
    """A feed (or a redirect) naming a loopback/private address that is not one of the
    sources is refused: no server-side request forgery through the follower."""
    other_site.routes["/admin"] = (200, HTML, page("Internal", BODY_B))
    site.routes["/feed"] = (200, XML, rss([("Internal", other_site.url("/admin"), None),
                                          ("Hop", site.url("/hop"), None)]))
    site.routes["/hop"] = (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    f = follower(store, [site.url("/feed")])
    report = f.run_round()
    text = "\n".join(report.failures)
    assert other_site.hits("/admin") == 0 and other_site.hits("/robots.txt") == 0
    assert text.count("refused: a private or loopback address") == 2
    assert "169.254.169.254" in text
    f.close()
    # asking again will not help: the next round tries neither again (three more rounds of
    # refusals, the feed asked in full each time, before)
    f = follower(store, [site.url("/feed")], interval=0.01)
    again = f.run_round()
    assert again.failures == [] and again.entries == 0
    f.close()


def test_after_round_groups_and_weaves_english_only_by_default(store):
    from newsweave.follow import _after_round
    from newsweave.models import Article

    fr = ("Le conseil municipal a adopté le nouveau budget mardi après un long débat. "
          "Les responsables ont déclaré que le plan finance les écoles et les routes.")
    store.add_articles([
        Article(id="en", text=BODY_A, title="Budget passes", language="en",
                published="2017-03-01T21:30:00-05:00"),
        Article(id="fr", text=fr, title="Budget adopté", language="fr", published="2017-03-01"),
        Article(id="file", text=BODY_B, title="Road closed", published="2017-03-02"),
    ])
    woven: list[str] = []
    result = _after_round(store, on_story=lambda sid, _err: woven.append(sid))
    assert result.grouped.new_articles == 2  # the French article stays out of the stories
    assert store.article_stories("fr") == [] and store.article_stories("en")
    sid = store.article_stories("en")[0]
    assert store.get_story(sid).first_published.startswith("2017-03-01")
    # the update re-wove every story it changed: each has a stored brief listing its members
    assert sorted(woven) == sorted(result.woven.rewoven) == sorted(store.story_ids())
    (version,) = store.brief_versions(sid)
    assert "en" in version.articles and "fr" not in version.articles
    brief = json.loads(store.get_brief_version(sid).brief)
    assert brief["story"]["id"] == sid and "en" in {src["id"] for src in brief["sources"]}
    # --languages all: the state saved for English only is not continued (the French article
    # lies below its sequence number and would never be grouped): every article is regrouped
    again = _after_round(store, None)
    assert again.grouped.rebuilt and "languages en, not all" in again.grouped.notice
    assert store.article_stories("fr") and again.grouped.new_articles == 3
    for story_id in store.story_ids():  # and every story's latest brief lists its members
        latest = store.get_brief_version(story_id)
        assert sorted(latest.articles) == sorted(store.get_story(story_id).article_ids)
    assert _after_round(store, None).grouped.new_articles == 0  # continued, not regrouped


def test_teaser_is_replaced_by_the_page_once_it_answers(site, store):
    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    site.routes["/a"] = (503, {}, b"")
    f = follower(store, [site.url("/feed")])
    assert f.run_round().teasers == 1
    assert [r["text_from"] for r in store.iter_listing()] == ["feed"]
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    assert f.run_round().revised == 1  # the unchanged entry's page is tried again
    (row,) = store.iter_listing()
    assert (row["text_from"], row["revisions"]) == ("page", 2)
    assert row["text"].startswith("The city council")
    hits = site.hits("/a")
    f.run_round()
    assert site.hits("/a") == hits  # done: the page is not fetched again
    f.close()


def _etag_feed(site, items):
    """A feed that answers 304 to its own ETag, as a well-behaved site does until it
    publishes something new."""
    def feed(handler: BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {**XML, "ETag": '"v1"'}, rss(items)
    return feed


def test_a_page_left_for_a_later_round_is_fetched_though_the_feed_answers_304(site, store):
    """A page that failed (its teaser kept) or whose site asked for a pause waits for a later
    round; the unchanged feed's 304 must not keep it waiting until the feed changes."""
    site.routes["/feed"] = _etag_feed(site, [("Budget passes", site.url("/a"), None)])
    site.routes["/a"] = (503, {}, b"")
    f = follower(store, [site.url("/feed")])
    assert f.run_round().teasers == 1
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    assert f.run_round().revised == 1  # the feed was fetched in full, the page retried
    assert [r["text_from"] for r in store.iter_listing()] == ["page"]
    report = f.run_round()  # nothing waits now: the feed's validators are sent again
    assert (report.not_modified, report.entries) == (1, 0)
    f.close()

    site.routes["/other"] = _etag_feed(site, [("Road closed", site.url("/b"), None)])
    site.routes["/b"] = (429, {"Retry-After": "0"}, b"")
    f = follower(store, [site.url("/other")])
    assert f.run_round().paused == 1
    site.routes["/b"] = (200, HTML, page("Road closed", BODY_B))
    assert f.run_round().added == 1
    f.close()


def test_a_page_that_lost_most_of_its_text_does_not_replace_the_stored_report(site, store):
    """A page whose article body comes out empty (a broken template, a paywall) extracts
    as a few words of menu: kept out, with a line, the full report stays; a correction that
    changes a sentence is still a new version."""
    long_report = BODY_A + "\n\n" + FLOOD
    items = [("Budget passes", site.url("/a"), None)]
    site.routes["/feed"] = (200, XML, rss(items))
    site.routes["/a"] = (200, HTML, page("Budget passes", long_report))
    f = follower(store, [site.url("/feed")])
    assert f.run_round().added == 1
    broken = (b"<html><head><title>Budget passes</title></head><body><nav>Home World Politics"
              b"</nav><article><h1>Budget passes</h1><p>By Staff Reporter</p></article>"
              b"</body></html>")
    site.routes["/a"] = (200, HTML, broken)
    site.routes["/feed"] = (200, XML, rss([("Budget passes (updated)", site.url("/a"), None)]))
    report = f.run_round()
    assert (report.revised, report.unchanged) == (0, 1)
    (row,) = store.iter_listing()
    assert (row["revisions"], row["text"]) == (1, long_report)
    assert any("a small part of the stored text" in line and "/a" in line for line in f.lines)
    fixed = long_report.replace("seven to two", "eight to one")
    site.routes["/a"] = (200, HTML, page("Budget passes", fixed))
    site.routes["/feed"] = (200, XML, rss([("Budget passes (corrected)", site.url("/a"), None)]))
    assert f.run_round().revised == 1
    assert next(store.iter_listing())["text"] == fixed
    f.close()


def test_a_page_that_keeps_failing_is_retried_a_bounded_number_of_times(site, store):
    from newsweave.follow import TEASER_RETRIES

    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    site.routes["/a"] = (500, {}, b"")
    f = follower(store, [site.url("/feed")])
    for _ in range(TEASER_RETRIES + 3):
        f.run_round()
    assert site.hits("/a") == TEASER_RETRIES + 1
    assert store.count_articles() == 1
    f.close()


FLOOD = ("Floods swept through Lowmoor on Tuesday after two days of heavy rain, and rescue "
         "teams evacuated forty homes near the harbour bridge, the council said.\n\n"
         "The river Calder rose by two metres overnight and the bridge was closed to traffic. "
         "Residents of Lowmoor gathered at the school, which opened as a shelter.\n\n"
         "Council leader Mara Ellison said the cost of the flood damage in Lowmoor would not "
         "be known for weeks, and asked residents to stay away from the river banks.")
STUB = ("Emergency crews were called out early this morning and officials say more details "
        "will follow as soon as they are confirmed.")


def test_live_page_first_captured_as_a_stub_joins_its_story_once_written(site, store):
    """The follower captures a live page while it is a stub (a generic headline, one
    sentence); a later round fetches the written report under the same URL, a new version of
    the article. The next update groups that text again: the report joins the story of the
    other reports of its event, instead of staying in the stub's story of one."""
    from newsweave import app

    date = "Tue, 07 Mar 2023 09:00 +0000"
    items = [("Floods in Lowmoor", site.url("/a"), date),
             ("Lowmoor flood: homes evacuated", site.url("/b"), date),
             ("Breaking news", site.url("/live"), date)]
    site.routes["/feed"] = lambda h: (200, XML, rss(items))
    site.routes["/a"] = (200, HTML, page("Floods in Lowmoor", FLOOD))
    site.routes["/b"] = (200, HTML, page("Lowmoor flood: homes evacuated",
                                         FLOOD.replace("Tuesday", "Tuesday morning")
                                         + "\n\nMore rain is forecast for Thursday."))
    site.routes["/live"] = (200, HTML, page("Breaking news", STUB))
    f = follower(store, [site.url("/feed")])
    assert f.run_round().added == 3
    app.group_new(store)
    ids = {r["url"]: r["id"] for r in store.iter_listing()}
    (event,) = store.article_stories(ids[site.url("/a")])
    assert store.article_stories(ids[site.url("/b")]) == [event]
    assert store.article_stories(ids[site.url("/live")]) != [event]  # the stub's own story

    items[2] = ("Lowmoor floods: school opens as a shelter", site.url("/live"), date)
    site.routes["/live"] = (200, HTML, page("Lowmoor floods: school opens as a shelter",
                                            STUB + "\n\n" + FLOOD))
    assert f.run_round().revised == 1
    result = app.group_new(store)
    assert (result.regrouped, result.regrouped_elsewhere, result.new_articles) == (1, 1, 0)
    assert store.article_stories(ids[site.url("/live")]) == [event]
    f.close()


def test_a_corrected_headline_over_the_same_text_is_stored_and_heads_its_story(site, store):
    """A headline correction changes the title and update stamp, not the text: it was an
    "unchanged" entry, and the story kept a headline no article had any more."""
    from newsweave import app

    item = ("Council passes budgte", site.url("/a"), "Tue, 07 Mar 2023 09:00 +0000")
    site.routes["/feed"] = lambda h: (200, XML, rss([item]))
    site.routes["/a"] = (200, HTML, page("Council passes budgte", BODY_A))
    f = follower(store, [site.url("/feed")])
    assert f.run_round().added == 1
    app.group_new(store)
    (row,) = store.iter_listing()
    (story,) = store.article_stories(row["id"])
    assert store.get_story(story).headline == "Council passes budgte"

    item = ("Council passes budget", site.url("/a"), "Tue, 07 Mar 2023 09:00 +0000")
    site.routes["/a"] = (200, HTML, page("Council passes budget", BODY_A))
    assert f.run_round().revised == 1
    (row,) = store.iter_listing()
    assert (row["title"], row["revisions"], row["text"]) == ("Council passes budget", 1, BODY_A)
    result = app.group_new(store)
    assert result.regrouped_elsewhere == 0 and store.article_stories(row["id"]) == [story]
    assert store.get_story(story).headline == "Council passes budget"
    f.close()


# --------------------------------------------------------------------------- sitemaps
SITEMAP = {"Content-Type": "application/xml"}


def _ago(hours: float) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")


def news_sitemap(items: list[tuple[str, str | None, str | None]], outlet: str = "Daily") -> bytes:
    """``items``: (link, publication date or None, title or None); a news sitemap."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
           'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">']
    for link, date, title in items:
        out.append(f"<url><loc>{link}</loc>")
        if date or title:
            out.append(f"<news:news><news:publication><news:name>{outlet}</news:name>"
                       "<news:language>en</news:language></news:publication>"
                       + (f"<news:publication_date>{date}</news:publication_date>" if date
                          else "")
                       + (f"<news:title>{title}</news:title>" if title else "")
                       + "</news:news>")
        out.append("</url>")
    out.append("</urlset>")
    return "".join(out).encode()


def sitemap_index(links: list[tuple[str, str | None]]) -> bytes:
    body = "".join(f"<sitemap><loc>{loc}</loc>"
                   + (f"<lastmod>{mod}</lastmod>" if mod else "") + "</sitemap>"
                   for loc, mod in links)
    return (f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}'
            "</sitemapindex>").encode()


def test_a_news_sitemap_is_followed_like_a_feed(site, store):
    """Its recently dated pages are fetched, each with the sitemap's headline, time and
    outlet where the page has none; an old page is not news; the next poll is conditional."""
    etag = '"s1"'

    def sitemap(handler: BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {**SITEMAP, "ETag": etag}, news_sitemap([
            (site.url("/a"), _ago(3), "Budget passes"),
            ("/b", _ago(1), "Road closed"),  # relative: resolved against the sitemap
            (site.url("/old"), _ago(24 * 30), "Last month's news"),
        ])

    site.routes["/news-sitemap.xml"] = sitemap
    site.routes["/a"] = (200, HTML, page("", BODY_A))
    site.routes["/b"] = (200, HTML, page("Road closed", BODY_B,
                                         published="2017-03-02T07:00:00-05:00"))
    site.routes["/old"] = (200, HTML, page("Old", BODY_B))
    f = follower(store, [site.url("/news-sitemap.xml")])
    report = f.run_round()
    assert (report.added, report.entries, report.failures) == (2, 2, [])
    assert site.hits("/old") == 0
    rows = {r["url"]: r for r in store.iter_listing()}
    a = rows[site.url("/a")]
    assert (a["title"], a["outlet"], a["text_from"]) == ("Budget passes", "Daily", "page")
    assert a["published"][:10] == _ago(3)[:10] and a["text"].startswith("The city council")
    assert rows[site.url("/b")]["published"] == "2017-03-02T07:00:00-05:00"  # the page's own
    report = f.run_round()
    assert (report.not_modified, report.entries, report.added) == (1, 0, 0)
    assert store.feed_state(site.url("/news-sitemap.xml")).etag == etag
    f.close()


def test_a_site_without_feeds_is_followed_through_its_robots_sitemaps(site, store):
    """No feed link on the home page: the sitemaps robots.txt names are polled, an index's
    news sitemap first, a gzipped one read, an archive month of the index left alone."""
    site.routes["/robots.txt"] = (200, {}, (
        f"User-agent: *\nDisallow: /private/\nSitemap: {site.url('/sitemap-index.xml')}\n"
        "Sitemap: /relative-is-ignored.xml\n").encode())
    site.routes["/"] = (200, HTML, b"<html><head><title>Home</title></head><body>Hi</body></html>")
    site.routes["/sitemap-index.xml"] = (200, SITEMAP, sitemap_index([
        (site.url("/sitemaps/2019-01.xml"), "2019-02-01"),
        (site.url("/sitemaps/news.xml.gz"), None),
    ]))
    site.routes["/sitemaps/news.xml.gz"] = (200, {"Content-Type": "application/x-gzip"},
                                            gzip.compress(news_sitemap([
                                                (site.url("/a"), _ago(2), "Budget passes"),
                                                (site.url("/private/p"), _ago(2), "Hidden"),
                                            ])))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    f = follower(store, [site.url("/")])
    report = f.run_round()
    assert report.added == 1 and store.count_articles() == 1
    assert site.hits("/sitemaps/2019-01.xml") == 0 and site.hits("/private/p") == 0
    assert any("/private/p" in line and "robots.txt" in line for line in report.failures)
    assert report.feeds == 2  # the index and its news sitemap; the home page is no feed
    f.run_round()  # the site's sitemaps are remembered: the home page is not read again
    assert site.hits("/") == 1 and site.hits("/sitemap-index.xml") == 2
    f.close()


def test_a_static_sitemap_index_still_leads_to_its_changed_news_sitemap(site, store):
    """An index file that never changes answers 304 to a conditional request: the follower
    stopped there, and the news sitemap it lists (each poll a new report) was never read
    again. An index is asked without validators; each sitemap it lists keeps its own."""
    site.routes["/index.xml"] = (200, {**SITEMAP, "ETag": '"idx1"'}, sitemap_index(
        [(site.url("/news.xml"), None)]))
    reports = [(site.url("/a"), _ago(2), "Budget passes")]
    site.routes["/news.xml"] = lambda _h: (200, SITEMAP, news_sitemap(reports))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    site.routes["/b"] = (200, HTML, page("River road floods", BODY_B))
    f = follower(store, [site.url("/index.xml")])
    assert f.run_round().added == 1
    reports.append((site.url("/b"), _ago(1), "River road floods"))
    assert f.run_round().added == 1 and store.count_articles() == 2
    index_asks = [h for p, h in site.log if p == "/index.xml"]
    assert len(index_asks) == 2 and all("if-none-match" not in h for h in index_asks)
    f.close()


def test_a_sitemap_whose_dates_always_change_still_gets_every_page(site, store, monkeypatch):
    """A CMS writing every page's date as the time it made the sitemap: each poll changed
    every entry, and the cap went on the same stored pages every round; the rest never
    came. Pages never fetched come first now."""
    import newsweave.follow as follow_module

    monkeypatch.setattr(follow_module, "MAX_SITEMAP_NEW", 2)
    polls = [0]

    def sitemap(handler: BaseHTTPRequestHandler) -> Reply:
        polls[0] += 1
        now = _ago(0.01 * polls[0])  # a new date for every page on every poll
        return 200, SITEMAP, news_sitemap([(site.url(f"/p{n}"), now, f"Story {n}")
                                           for n in range(5)])

    site.routes["/sitemap.xml"] = sitemap
    for n in range(5):
        site.routes[f"/p{n}"] = (200, HTML, page(f"Story {n}", BODY_A.replace(
            "Tuesday", f"day {n}")))
    f = follower(store, [site.url("/sitemap.xml")])
    for _ in range(3):
        f.run_round()
    assert store.count_articles() == 5
    f.close()


def test_a_large_sitemap_is_taken_newest_first_a_bounded_number_per_round(
        site, store, monkeypatch):
    import newsweave.follow as follow_module

    monkeypatch.setattr(follow_module, "MAX_SITEMAP_NEW", 2)
    items = [(site.url(f"/p{n}"), _ago(n + 1), f"Story {n}") for n in range(5)]

    def sitemap(handler: BaseHTTPRequestHandler) -> Reply:  # unchanged: a 304 to its ETag
        if handler.headers.get("If-None-Match") == '"s1"':
            return 304, {"ETag": '"s1"'}, b""
        return 200, {**SITEMAP, "ETag": '"s1"'}, news_sitemap(items)

    site.routes["/sitemap.xml"] = sitemap
    for n in range(5):
        site.routes[f"/p{n}"] = (200, HTML, page(f"Story {n}", BODY_A.replace(
            "Tuesday", f"day {n}")))
    f = follower(store, [site.url("/sitemap.xml")])
    taken, deferred = [], []
    for _ in range(3):
        report = f.run_round()
        taken.append(sorted(p for p, _ in site.log if p.startswith("/p")))
        deferred.append(report.deferred)
        site.log.clear()
    assert taken == [["/p0", "/p1"], ["/p2", "/p3"], ["/p4"]]
    assert deferred == [3, 1, 0]
    assert ("1 page over a feed's or sitemap's cap left for the next rounds"
            in RoundReport(deferred=1).summary())
    assert "left for" not in report.summary()
    assert store.count_articles() == 5
    f.close()


def test_bad_sitemaps_are_one_line_each(site, store):
    site.routes["/undated.xml"] = (200, SITEMAP, news_sitemap(
        [(site.url("/a"), None, None), (site.url("/b"), None, None)]))
    site.routes["/broken.xml"] = (200, SITEMAP, b"<urlset><url><loc>x</loc></urlset>")
    site.routes["/loop.xml"] = (200, SITEMAP, sitemap_index([(site.url("/loop.xml"), None)]))
    from newsweave.sitemaps import MAX_SITEMAP_BYTES

    # ~50 kB on the wire, past the protocol's 50 MB once decompressed
    site.routes["/bomb.xml.gz"] = (200, {}, gzip.compress(
        b"<urlset>" + b" " * (MAX_SITEMAP_BYTES + 1_000)))
    site.routes["/deep0.xml"] = (200, SITEMAP, sitemap_index([(site.url("/deep1.xml"), None)]))
    site.routes["/deep1.xml"] = (200, SITEMAP, sitemap_index([(site.url("/deep2.xml"), None)]))
    site.routes["/deep2.xml"] = (200, SITEMAP, sitemap_index([(site.url("/deep3.xml"), None)]))
    urls = [site.url(p) for p in ("/undated.xml", "/broken.xml", "/loop.xml", "/bomb.xml.gz",
                                  "/deep0.xml")]
    f = follower(store, urls, max_bytes=1_000_000)
    report = f.run_round()
    assert store.count_articles() == 0 and site.hits("/a") == 0
    lines = "\n".join(f.lines)
    assert "undated.xml: the sitemap dates none of its 2 pages" in lines
    assert any("/broken.xml: malformed sitemap XML: " in ln and "(line 1); 1 page read" in ln
               for ln in f.lines)  # read as far as it goes, as a feed is
    assert any("/bomb.xml.gz" in ln and f"over the {MAX_SITEMAP_BYTES:,}-byte limit of a "
               "sitemap once decompressed" in ln for ln in report.failures)
    assert site.hits("/loop.xml") == 1  # an index listing itself is polled once a round
    assert site.hits("/deep2.xml") == 1 and site.hits("/deep3.xml") == 0
    assert any("/deep2.xml: a sitemap index inside 2 others" in ln for ln in report.failures)
    assert all("\n" not in ln and "Traceback" not in ln for ln in f.lines)
    f.close()


def test_a_listing_of_bad_links_is_a_few_lines_and_a_count(site, store):
    """A hostile sitemap (or feed) of thousands of unusable links says so in a few lines a
    round, not a line each."""
    items = [(f"ftp://files.example/{n}", _ago(1), f"Bad {n}") for n in range(40)]
    items.append((site.url("/a"), _ago(1), "Budget passes"))
    site.routes["/sitemap.xml"] = (200, SITEMAP, news_sitemap(items))
    site.routes["/feed"] = (200, XML, rss([(f"B{n}", f"mailto:x{n}@example.org", None)
                                           for n in range(12)]))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    f = follower(store, [site.url("/sitemap.xml"), site.url("/feed")])
    assert f.run_round().added == 1
    mine = [ln for ln in f.lines if "/sitemap.xml" in ln]
    assert len(mine) == 6 and mine[-1].endswith("35 more entries skipped for their links")
    theirs = [ln for ln in f.lines if "/feed" in ln]
    assert len(theirs) == 6 and theirs[-1].endswith("7 more entries skipped for their links")
    f.close()


def test_a_lone_surrogate_in_a_feed_spoils_no_entry(site, store):
    """``&#xD800;`` names no character, and feedparser's loose parser crashed on it: the
    whole feed was lost (found by benchmarks/fuzz_follow.py). It is now U+FFFD."""
    body = rss([("Budget &#xD800; passes", site.url("/a"), "Wed, 01 Mar 2017 21:30 -0500"),
                ("Road closed", site.url("/b"), None)]).replace(
        b"<title>Wire</title>", b"<title>Wire &#xDFFF;</title>").replace(
        b"Teaser of Road closed", b"Teaser &#xD800; of Road closed")
    site.routes["/feed"] = (200, XML, body)
    site.routes["/a"] = (404, {}, b"")  # so the teaser is what is stored
    site.routes["/b"] = (200, HTML, page("Road closed", BODY_B))
    f = follower(store, [site.url("/feed")])
    report = f.run_round()
    assert report.added == 2, f.lines
    rows = {r["url"]: r for r in store.iter_listing()}
    a = rows[site.url("/a")]
    assert a["title"] == "Budget \ufffd passes" and a["outlet"] == "Wire \ufffd"
    assert not any("Error:" in ln for ln in f.lines)
    f.close()


def test_links_no_request_can_be_made_to_are_skipped_not_fatal(site, store):
    """"http://[x" made urlsplit raise and "http://a..b/" the host's IDNA encoding: a bad
    link in a feed or an index lost every entry of it (found by benchmarks/fuzz_follow.py)."""
    bad = ["http://[x/story", "http://127.0.0..xml/y", "http://a.example:99999999999/z",
           "http://" + "a" * 70 + ".example/w"]
    site.routes["/feed"] = (200, XML, rss([(f"Bad {n}", link, None)
                                           for n, link in enumerate(bad)]
                                          + [("Budget passes", site.url("/a"), None)]))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    site.routes["/index.xml"] = (200, SITEMAP, sitemap_index(
        [(link, None) for link in bad] + [(site.url("/news.xml"), None)]))
    site.routes["/news.xml"] = (200, SITEMAP, news_sitemap([(site.url("/b"), _ago(1), "Road")]))
    site.routes["/b"] = (200, HTML, page("Road closed", BODY_B))
    f = follower(store, [site.url("/feed"), site.url("/index.xml")])
    report = f.run_round()
    assert report.added == 2 and not any(
        "Error:" in ln or "Exception:" in ln for ln in f.lines), f.lines
    assert sum("skipped" in ln for ln in f.lines) == 2 * len(bad)
    assert any("not a valid URL" in ln for ln in f.lines)
    assert any("not a valid host name" in ln for ln in f.lines)
    f.close()


def test_a_general_sitemap_gives_its_reports_not_its_front_tag_or_author_pages(site, store):
    def general(paths: list[str]) -> bytes:
        urls = "".join(f"<url><loc>{site.url(p)}</loc><lastmod>{_ago(1)}</lastmod></url>"
                       for p in paths)
        return (f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}'
                "</urlset>").encode()

    site.routes["/sitemap.xml"] = (200, SITEMAP, general(
        ["/", "/tag/budget", "/author/jane-roe", "/politics/", "/world/europe",
         "/2026/12/07/council-passes-budget"]))
    site.routes["/listings.xml"] = (200, SITEMAP, general(["/", "/tag/budget"]).replace(
        b"</urlset>", f"<url><loc>http://[x/</loc><lastmod>{_ago(1)}</lastmod></url>"
                      "</urlset>".encode()))  # a bad address in a general sitemap: skipped
    site.routes["/2026/12/07/council-passes-budget"] = (200, HTML, page("Budget", BODY_A))
    f = follower(store, [site.url("/sitemap.xml"), site.url("/listings.xml")])
    report = f.run_round()
    assert report.added == 1 and report.entries == 1
    assert site.hits("/") == 0 and site.hits("/tag/budget") == 0
    assert site.hits("/politics/") == 0 and site.hits("/world/europe") == 0
    assert any(ln.endswith("/listings.xml: none of the sitemap's 2 recent pages looks like a "
                           "report (front page, section fronts, tag, author or archive pages, "
                           "files): nothing taken") for ln in f.lines), f.lines
    assert any("'http://[x/' is not a valid URL" in ln for ln in f.lines)
    assert not any("Error:" in ln for ln in f.lines)
    f.close()



def test_a_sites_feeds_are_found_again_after_a_day(site, store, monkeypatch):
    """A follower runs for weeks: a site that adds a feed (or moves its sitemap) is read
    again once its discovered feeds are a day old, not only at start."""
    import newsweave.follow as follow_module

    site.routes["/"] = (200, HTML, b'<html><head><link rel="alternate" '
                        b'type="application/rss+xml" href="/f1"></head><body>Home</body></html>')
    site.routes["/f1"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    f = follower(store, [site.url("/")])
    f.run_round()
    f.run_round()
    assert site.hits("/") == 1  # within the day: the feeds found are used
    site.routes["/"] = (200, HTML, b'<html><head><link rel="alternate" '
                        b'type="application/rss+xml" href="/f2"></head><body>Home</body></html>')
    site.routes["/f2"] = (200, XML, rss([("Road closed", site.url("/b"), None)]))
    site.routes["/b"] = (200, HTML, page("Road closed", BODY_B))
    monkeypatch.setattr(follow_module, "REDISCOVER_S", 0.0)
    report = f.run_round()
    assert site.hits("/") == 2 and report.added == 1 and store.count_articles() == 2
    f.close()


def test_follow_help_names_the_sitemap_rules_as_coded(capsys):
    """`follow --help` states the sitemap window and per-round cap: they are the code's."""
    from newsweave import sitemaps
    from newsweave.cli import main
    from newsweave.follow import MAX_SITEMAP_NEW

    with pytest.raises(SystemExit):
        main(["follow", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"at most {MAX_SITEMAP_NEW} new ones per sitemap per round" in text
    assert f"dated within {sitemaps.MAX_AGE.days} days" in text.replace("two days", "2 days")
    assert "robots.txt" in text and "sitemap index" in text


def test_a_site_that_recovers_is_no_longer_listed_failing(site, store):
    """A site URL that failed once and then answers is recorded as polled: `newsweave feeds`
    showed it failing for good (the success path saved nothing). Its page's validators are
    not kept: a 304 for the page would leave its feeds unpolled."""
    from newsweave.app import feed_health

    site.routes["/"] = (503, {}, b"down")
    f = follower(store, [site.url("/")], interval=0.0)
    f.run_round()
    assert store.feed_state(site.url("/")).failures == 1
    site.routes["/"] = (200, {**HTML, "ETag": '"home"'},
                        b'<html><head><link rel="alternate" type="application/rss+xml" '
                        b'href="/f1"></head><body>Home</body></html>')
    site.routes["/f1"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    assert f.run_round().added == 1
    rows = {r["url"]: r for r in feed_health(store)}
    home = rows[site.url("/")]
    assert (home["state"], home["failures"]) == ("ok", 0)
    assert home["kind"] == "site"
    assert store.feed_state(site.url("/")).etag is None
    feed = rows[site.url("/f1")]
    assert (feed["kind"], feed["found_on"]) == ("RSS feed", site.url("/"))
    f.close()


def test_feeds_says_what_each_source_is_and_where_it_was_found(site, store):
    """An operator reading `newsweave feeds` tells a news sitemap from an index or a feed,
    and sees which site or index each discovered one came from."""
    from newsweave.app import feed_health

    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    site.routes["/robots.txt"] = (200, {}, (
        f"User-agent: *\nSitemap: {site.url('/index.xml')}\n").encode())
    site.routes["/"] = (200, HTML, b"<html><body>Home, no feed link</body></html>")
    site.routes["/index.xml"] = (200, XML, (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{site.url('/news.xml')}</loc></sitemap></sitemapindex>").encode())
    site.routes["/news.xml"] = (200, XML, (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{site.url('/a')}</loc><news:news><news:publication><news:name>Wire"
        "</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{now}</news:publication_date><news:title>Budget passes"
        "</news:title></news:news></url></urlset>").encode())
    site.routes["/atom"] = (200, {"Content-Type": "application/atom+xml"},
                            b'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title></feed>')
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    f = follower(store, [site.url("/"), site.url("/atom")])
    assert f.run_round().added == 1
    rows = {r["url"]: (r["kind"], r["found_on"]) for r in feed_health(store)}
    assert rows == {site.url("/"): ("site", None),
                    site.url("/index.xml"): ("sitemap index", site.url("/")),
                    site.url("/news.xml"): ("news sitemap", site.url("/index.xml")),
                    site.url("/atom"): ("Atom feed", None)}
    f.close()


def _big_sitemap(site: Site, n: int) -> bytes:
    """A general sitemap of ``n`` old pages (~70 bytes each) and one report of the hour."""
    old = "".join(f"<url><loc>{site.url(f'/archive/old-report-{i}')}</loc>"
                  "<lastmod>2016-01-01</lastmod></url>" for i in range(n))
    return ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + old
            + f"<url><loc>{site.url('/news/council-passes-budget-7')}</loc><lastmod>{_ago(1)}"
            "</lastmod></url></urlset>").encode()


@pytest.mark.parametrize("served", ["plain", "gzip-encoding", "gzip-file"])
def test_a_sitemap_may_be_larger_than_a_page(site, store, served):
    """A flat sitemap of a big site runs to megabytes (the protocol allows 50 MB); a page
    or feed that large is refused. The sitemap's own limit applies once its first bytes
    show a sitemap, however it is compressed."""
    body = _big_sitemap(site, 4_000)
    assert len(body) > 300_000
    path = "/sitemap.xml.gz" if served == "gzip-file" else "/sitemap.xml"
    headers = dict(SITEMAP)
    if served != "plain":
        body = gzip.compress(body)
    if served == "gzip-encoding":
        headers["Content-Encoding"] = "gzip"
    site.routes[path] = (200, headers, body)
    site.routes["/news/council-passes-budget-7"] = (200, HTML, page("Budget", BODY_A))
    site.routes["/feed"] = (200, XML, rss([(f"Item {i}", site.url(f"/i{i}"), None)
                                            for i in range(4_000)]))
    f = follower(store, [site.url(path), site.url("/feed")], max_bytes=150_000)
    report = f.run_round()
    assert report.added == 1, f.lines
    assert [ln for ln in report.failures if "byte limit" in ln] == [
        f"{site.url('/feed')}: response over the 150000-byte limit "
        f"({len(site.routes['/feed'][2])} bytes): refused"]
    f.close()


def test_a_sitemap_over_its_own_limit_is_refused(site, store, monkeypatch):
    import newsweave.sitemaps

    monkeypatch.setattr(newsweave.sitemaps, "MAX_SITEMAP_BYTES", 200_000)
    site.routes["/sitemap.xml"] = (200, SITEMAP, _big_sitemap(site, 4_000))
    site.routes["/sitemap.xml.gz"] = (200, SITEMAP, gzip.compress(_big_sitemap(site, 4_000)))
    f = follower(store, [site.url("/sitemap.xml"), site.url("/sitemap.xml.gz")],
                 max_bytes=150_000)
    report = f.run_round()
    assert report.added == 0
    assert set(report.failures) == {
        f"{site.url('/sitemap.xml')}: response over the 200000-byte limit of a sitemap "
        f"({len(_big_sitemap(site, 4_000))} bytes): refused",
        f"{site.url('/sitemap.xml.gz')}: over the 200,000-byte limit of a sitemap once "
        "decompressed"}, report.failures
    f.close()


def test_a_bad_source_is_one_line_and_the_others_are_followed(site, tmp_path, capsys):
    """A mistyped URL in a subscription list stopped the follower from starting; now it is
    named (file and line) and skipped, the rest followed, and the exit code says so. A
    source no request can be made to was an "unexpected ValueError"."""
    from newsweave.cli import main

    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    listing = tmp_path / "feeds.txt"
    listing.write_text(f"{site.url('/feed')}\nhttp://[x/\nftp://a.example/\n"
                       f"feed://x.example:99999/rss\n")
    opml = tmp_path / "subs.opml"
    opml.write_text('<opml version="2.0"><body><outline xmlUrl="javascript:alert(1)"/>'
                    f'<outline xmlUrl="feed:{site.url("/feed")}"/></body></opml>')
    db = str(tmp_path / "f.db")
    assert main(["follow", str(listing), str(opml), "--once", "--db", db,
                 "--host-delay", "0"]) == 2
    err = capsys.readouterr().err.splitlines()
    skipped = [line for line in err if line.startswith("newsweave: skipped: ")]
    assert skipped == [
        f"newsweave: skipped: {listing}:2: not a valid URL (Invalid IPv6 URL): 'http://[x/'",
        f"newsweave: skipped: {listing}:3: not an http(s) URL: 'ftp://a.example/'",
        f"newsweave: skipped: {listing}:4: not a valid URL (Port out of range 0-65535): "
        "'http://x.example:99999/rss'",
        f"newsweave: skipped: {opml}:1: not an http(s) URL: 'javascript:alert(1)'"]
    with open_store(db) as s:
        assert s.count_articles() == 1  # the good feed, named twice (feed: form), polled once
    assert site.hits("/feed") == 1
    assert main(["follow", "http://[x", "--once", "--db", db]) == 2
    assert capsys.readouterr().err.splitlines() == [  # the one source: its error, one line
        "newsweave: error: not a valid URL (Invalid IPv6 URL): 'http://[x'"]
    assert main(["follow", "http://[x", "ftp://a.example/", "--once", "--db", db]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "newsweave: skipped: not a valid URL (Invalid IPv6 URL): 'http://[x'",
        "newsweave: skipped: not an http(s) URL: 'ftp://a.example/'",
        "newsweave: error: no usable source URLs given"]


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--timeout", "nan", "--timeout must be a number (got nan)"),
    ("--interval", "inf", "--interval must be a number (got inf)"),
    ("--host-delay", "-1", "--host-delay must be zero or more"),
    ("--interval", "0", "--interval must be positive"),
    ("--timeout", "1e9", "--timeout is at most 3,600 (got 1,000,000,000)"),
    ("--max-bytes", "99999999999", "--max-bytes is at most 1,073,741,824"),
])
def test_follow_options_out_of_range_are_one_line_before_anything_opens(
        tmp_path, capsys, option, value, said):
    """"nan" and "inf" parse as numbers: a NaN --timeout reached every request as a
    ValueError line, an infinite --host-delay a wait that never ends."""
    from newsweave.cli import main

    db = tmp_path / "o.db"
    assert main(["follow", "http://127.0.0.1:9/feed", "--once", "--db", str(db),
                 option, value]) == 2
    assert capsys.readouterr().err.startswith(f"newsweave: error: {said}")
    assert not db.exists()


# --------------------------------------------------------------------------- rate limits
def test_a_site_that_asks_for_a_pause_gets_no_request_until_it_ends(site, other_site):
    """429 with Retry-After (seconds or an HTTP date): no request to that site until then,
    the others untouched; a hostile "ten years" pauses a day; a 429 without one a minute;
    a 503 without one is a plain failure."""
    from datetime import UTC, datetime, timedelta

    from newsweave.fetch import MAX_PAUSE_S, Paused, pause_asked

    site.routes["/a"] = (429, {"Retry-After": "120"}, b"slow down")
    site.routes["/b"] = (200, HTML, b"<html>b</html>")
    other_site.routes["/c"] = (200, HTML, b"<html>c</html>")
    with Fetcher(host_delay=0, trusted_origins=[site.base, other_site.base]) as fetcher:
        with pytest.raises(FetchError) as err:
            fetcher.get(site.url("/a"))
        assert "HTTP 429: the site asks for a pause until " in str(err.value)
        # with its date: a pause of a day read as over when it named a time alone
        assert f"until {err.value.pause_until:%Y-%m-%d %H:%M:%S} UTC" in str(err.value)
        left = (err.value.pause_until - datetime.now(UTC)).total_seconds()
        assert 100 < left <= 120
        with pytest.raises(Paused, match="not fetched: the site asked for a pause until"):
            fetcher.get(site.url("/b"))
        assert site.hits("/b") == 0 and fetcher.get(other_site.url("/c")).status == 200
    later = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 250 < pause_asked(429, later) <= 300
    assert pause_asked(503, "315360000") == MAX_PAUSE_S  # ten years: a day
    assert pause_asked(429, "soon") == pause_asked(429, None) == 60.0
    assert pause_asked(503, None) is None and pause_asked(500, "120") is None
    assert pause_asked(429, "Mon, 01 Jan 2001 00:00:00 GMT") == 0.0  # past: no pause


def test_the_follower_leaves_a_paused_sites_pages_for_a_later_round(site, store):
    """A site's 429 on its first page: its other pages are not requested this round, none is
    stored from its teaser or counted as a try, one line says so, and a later round (the
    pause over) fetches them all. A feed's own 429 puts its next poll past the pause."""
    from datetime import UTC, datetime

    site.routes["/feed"] = (200, XML, rss([(f"Report {n}", site.url(f"/p{n}"), None)
                                           for n in range(3)]))
    site.routes["/p0"] = (429, {"Retry-After": "30"}, b"")
    for n in (1, 2):
        site.routes[f"/p{n}"] = (200, HTML, page(f"Report {n}", BODY_A.replace("seven", str(n))))
    f = follower(store, [site.url("/feed")])
    report = f.run_round()
    assert (report.added, report.teasers, report.paused, report.failures) == (0, 0, 3, [])
    assert site.hits("/p0") == 1 and site.hits("/p1") + site.hits("/p2") == 0
    assert "3 pages left for the next rounds at sites that asked for a pause" in report.summary()
    assert sum("asks for a pause" in line for line in f.lines) == 1
    assert store.followed_entry(canonical_url(site.url("/p1"))) is None
    f.close()
    site.routes["/p0"] = (200, HTML, page("Report 0", BODY_B))
    assert store.site_pauses("9999") == {}  # a later run, the pause over (read: dropped)
    f = follower(store, [site.url("/feed")])  # a later run: the pause is over
    assert f.run_round().added == 3
    f.close()
    site.routes["/feed"] = (429, {"Retry-After": "3600"}, b"")
    f = follower(store, [site.url("/feed")], interval=60.0)
    assert len(f.run_round().failures) == 1
    state = store.feed_state(site.url("/feed"))
    assert (datetime.fromisoformat(state.next_poll) - datetime.now(UTC)).total_seconds() > 3500
    f.close()


def test_a_429_robots_txt_is_no_permission(site):
    """RFC 9309 lets a 4xx robots.txt mean "no rules", but a 429 is the site asking for
    less: nothing is fetched while it lasts."""
    site.routes["/robots.txt"] = (429, {"Retry-After": "60"}, b"")
    site.routes["/x"] = (200, {}, b"ok")
    with Fetcher(host_delay=0, trusted_origins=[site.base]) as fetcher, \
            pytest.raises(FetchError):
        fetcher.get(site.url("/x"))
    assert site.hits("/x") == 0


def test_a_feed_that_answers_but_lists_nothing_new_is_marked_quiet(site, store, tmp_path,
                                                                    capsys):
    """A feed stuck on the same entries answers 200 every poll, so it never looked wrong;
    `newsweave feeds` now says when a poll last found something new, and marks a feed quiet
    after two days without."""
    from dataclasses import replace

    from newsweave.app import QUIET_DAYS, feed_health
    from newsweave.cli import main

    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    f = follower(store, [site.url("/feed")])
    f.run_round()
    first = store.feed_state(site.url("/feed"))
    assert first.last_new == first.checked_at
    (row,) = feed_health(store)
    assert row["quiet"] is False
    # the same entries polled again, days later (the stored times moved back to stand in)
    old = "2026-01-01T00:00:00+00:00"
    store.save_feed_state(replace(first, last_new=old))
    f.run_round()
    again = store.feed_state(site.url("/feed"))
    assert again.last_new == old and again.checked_at > old
    (row,) = feed_health(store)
    assert row["quiet"] is True and QUIET_DAYS == 2
    f.close()
    assert main(["feeds", "--db", str(tmp_path / "follow.db")]) == 0
    out = capsys.readouterr().out
    assert "quiet: nothing new since 2026-01-01 00:00 UTC" in out
    site.routes["/feed"] = (200, XML, rss([("Road closed", site.url("/b"), None)]))
    site.routes["/b"] = (200, HTML, page("Road closed", BODY_B))
    f = follower(store, [site.url("/feed")])
    f.run_round()  # something new: no longer quiet
    assert feed_health(store)[0]["quiet"] is False
    f.close()
    # a feed polled before schema 13 (no last_new) that answers 304 starts its count too
    store.save_feed_state(replace(store.feed_state(site.url("/feed")), last_new=None,
                                  etag='"same"'))
    site.routes["/feed"] = (304, {"ETag": '"same"'}, b"")
    f = follower(store, [site.url("/feed")])
    assert f.run_round().not_modified == 1
    state = store.feed_state(site.url("/feed"))
    assert state.last_new == state.checked_at
    f.close()


def test_robots_txt_is_read_as_rfc_9309_says(site):
    """urllib's parser took the first rule that matched ("Allow: /" let "/private/" through),
    knew no wildcards, and read a file opening with a byte-order mark as no rules."""
    site.routes["/robots.txt"] = (200, {}, (
        "\ufeffUser-agent: *\nAllow: /\nDisallow: /private/\nDisallow: /*print=\n"
        "Disallow: /print/*.html$\n").encode())
    with Fetcher(host_delay=0, trusted_origins=[site.base]) as fetcher:
        for path in ("/private/p1.html", "/news/n1.html?print=1", "/print/x.html"):
            assert not fetcher.allowed(site.url(path)), path
        for path in ("/news/n1.html", "/print/x.htmlx", "/"):
            assert fetcher.allowed(site.url(path)), path


def test_an_oversized_robots_txt_is_read_as_far_as_the_limit(site):
    """A robots.txt past 512 KiB (its rules, then 600 KB of comments) was read as no rules
    at all; RFC 9309 asks for at least its first 500 KiB to be parsed."""
    from newsweave.fetch import ROBOTS_MAX_BYTES

    padding = "# " + "x" * 98 + "\n"
    body = "User-agent: *\nDisallow: /private/\n" + padding * (ROBOTS_MAX_BYTES // 100 + 1000)
    site.routes["/robots.txt"] = (200, {}, body.encode())
    with Fetcher(host_delay=0, trusted_origins=[site.base]) as fetcher:
        assert not fetcher.allowed(site.url("/private/p1.html"))
        assert fetcher.allowed(site.url("/news/a.html"))


def test_robots_delays_are_read_without_overflow_and_request_rate_counts(site):
    """A Crawl-delay of 400 digits raised OverflowError and lost the feed; it is now "as slow
    as we go" (60 s). Request-rate 1/10 (one request per 10 s) is honoured as Crawl-delay is."""
    from protego import Protego

    from newsweave.fetch import MAX_CRAWL_DELAY_S, bounded_delays, robots_delay

    def delay(text: str) -> float:
        return robots_delay(Protego.parse(bounded_delays(text)), "newsweave/1")

    assert delay("User-agent: *\nCrawl-delay: " + "9" * 400) == MAX_CRAWL_DELAY_S
    assert delay("User-agent: *\nRequest-rate: 1/" + "9" * 400) == MAX_CRAWL_DELAY_S
    assert delay("User-agent: *\nRequest-rate: 1/10") == 10.0
    assert delay("User-agent: *\nCrawl-delay: 3\nRequest-rate: 1/2") == 3.0
    assert delay("User-agent: *\nRequest-rate: 0/0\nCrawl-delay: -1") == 0.0
    site.routes["/robots.txt"] = (200, {}, ("User-agent: *\nCrawl-delay: " + "9" * 400).encode())
    with Fetcher(host_delay=0, trusted_origins=[site.base]) as fetcher:
        assert fetcher.allowed(site.url("/x"))  # read, not raised
        assert fetcher._crawl_delays[site.base] == MAX_CRAWL_DELAY_S


def test_a_page_canonical_no_request_can_be_made_to_is_not_the_articles_address(site, store):
    """A page's `<link rel=canonical>` on its own host but a port past 65535 became the
    stored article's address (a link no one can open); the fetched address is kept instead."""
    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    html = page("Budget passes", BODY_A).replace(
        b"<head>", b'<head><link rel="canonical" href="http://127.0.0.1:99999/a">')
    site.routes["/a"] = (200, HTML, html)
    f = follower(store, [site.url("/feed")])
    assert f.run_round().added == 1
    assert [r["url"] for r in store.iter_listing()] == [site.url("/a")]
    f.close()


def test_feeds_forget_drops_a_source_and_what_was_found_on_it(site, store, tmp_path, capsys):
    """A feed once followed stayed listed for good, with its last state of a month ago;
    `feeds --forget SITE` drops the site and the index and sitemap found on it, and says so."""
    from newsweave.cli import main
    from newsweave.store import FeedState

    for state in (FeedState(url="https://news.example/", kind="site"),
                  FeedState(url="https://news.example/sitemap.xml", kind="sitemap index",
                            found_on="https://news.example/"),
                  FeedState(url="https://news.example/news.xml", kind="news sitemap",
                            found_on="https://news.example/sitemap.xml"),
                  FeedState(url="https://other.example/rss", kind="RSS feed")):
        store.save_feed_state(state)
    db = str(tmp_path / "follow.db")
    assert main(["feeds", "--db", db, "--forget", "https://news.example/",
                 "https://nowhere.example/feed"]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "forgot https://news.example/", "forgot https://news.example/sitemap.xml",
        "forgot https://news.example/news.xml"]
    assert "'https://nowhere.example/feed' is no listed feed" in captured.err
    assert "3 feeds forgotten" in captured.err
    assert [f.url for f in store.feed_states()] == ["https://other.example/rss"]
    # a listing's options with --forget were silently ignored
    assert main(["feeds", "--db", db, "--forget", "https://other.example/rss", "--format",
                 "csv"]) == 2
    assert capsys.readouterr().err == ("newsweave: error: --format shapes the listing: "
                                       "--forget lists nothing\n")
    # written another way ("HTTPS://", "./", a fragment): the feed it names
    assert main(["feeds", "--db", db, "--forget", "HTTPS://Other.example/./rss#x"]) == 0
    assert store.feed_states() == []


def test_a_headline_corrected_after_a_checked_small_revision_still_heads_its_story(store):
    """A small revision grouped (its pending row checked), then a corrected headline: the
    row was skipped as checked and the story kept the old headline."""
    from newsweave import app

    url = "https://example.org/a"

    def save(text: str, title: str) -> str:
        return store.save_followed(Article(id="a1", text=text, title=title, url=url,
                                           published="2023-03-07"), url, [url],
                                   title + text[-20:])[0]

    assert save(FLOOD, "Floods in Lowmoor") == "added"
    app.group_new(store)
    (story,) = store.article_stories("a1")
    revised = FLOOD.replace("forty homes", "forty-two homes")
    assert save(revised, "Floods in Lowmoor") == "revised"
    app.group_new(store)
    assert save(revised, "Lowmoor floods: school opens as a shelter") == "retitled"
    app.group_new(store)
    assert store.get_story(story).headline == "Lowmoor floods: school opens as a shelter"


def test_a_members_corrected_title_reaches_its_storys_brief(store):
    """The fingerprint holds the members' texts and the story's headline, not each member's
    title: a corrected title of a member that is not the headline left the brief current,
    its source list showing the old title for good."""
    import json

    from newsweave import app

    def save(aid: str, text: str, title: str) -> str:
        url = f"https://example.org/{aid}"
        return store.save_followed(Article(id=aid, text=text, title=title, url=url,
                                           published="2023-03-07"), url, [url],
                                   title + text[-20:])[0]

    save("a1", FLOOD, "Floods in Lowmoor")
    save("a2", FLOOD.replace("forty homes", "forty-one homes"), "Lowmoor floods: 41 homes")
    app.group_new(store)
    (story,) = store.article_stories("a1")
    assert store.article_stories("a2") == [story]
    app.reweave(store, workers=1)
    assert not app.current_brief(store, story).stale
    assert save("a2", FLOOD.replace("forty homes", "forty-one homes"),
                "Lowmoor floods: 41 homes evacuated") == "retitled"
    assert app.current_brief(store, story).stale  # re-woven by the next update
    app.group_new(store)
    app.reweave(store, workers=1)
    titles = {s["id"]: s["title"] for s in json.loads(
        store.get_brief_version(story).brief)["sources"]}
    assert titles["a2"] == "Lowmoor floods: 41 homes evacuated"


def test_a_robots_txt_redirected_to_an_internal_address_is_not_followed(site, other_site):
    """robots.txt followed its redirects unchecked: any site a feed links to could have the
    follower send a GET to a loopback or internal service that is no source."""
    site.routes["/robots.txt"] = (302, {"Location": other_site.url("/internal/admin")}, b"")
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    with Fetcher(host_delay=0, trusted_origins=[site.base]) as fetcher:
        response = fetcher.get(site.url("/a"))
    assert response.status == 200  # no robots.txt to read: the page is allowed
    assert other_site.hits("/internal/admin") == 0


def test_a_server_dripping_bytes_is_cut_off_at_the_deadline():
    """The deadline was checked every 64 KiB: a feed sent a byte at a time was read whole,
    however long it took (125 s against a 12 s deadline), and a stop waited for it."""
    import socket

    sent = {"bytes": 0}
    total = 400

    def serve(listener: socket.socket) -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                         + f"Content-Length: {total}\r\n\r\n".encode())
            for _ in range(total):
                try:
                    conn.sendall(b" ")
                except OSError:
                    return
                sent["bytes"] += 1
                time.sleep(0.05)

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    thread = threading.Thread(target=serve, args=(listener,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/feed"
    with Fetcher(host_delay=0, timeout=1.0, deadline=1.0, trusted_origins=[url]) as fetcher:
        fetcher._host(url).robots_until = float("inf")  # no robots.txt request first
        with pytest.raises(FetchError, match="took longer than 1 s"):
            fetcher.get(url)
    assert sent["bytes"] < total  # cut off mid-body, not read to the end
    listener.close()


def test_a_title_only_entry_whose_page_failed_once_is_tried_again_behind_a_304(site, store):
    """No teaser to keep: the entry was recorded as nothing and, the feed answering 304,
    never tried again after a passing 500; now its page is tried in the next rounds (up to
    ``TEASER_RETRIES``), then given up on with one line."""
    from newsweave.follow import TEASER_RETRIES

    etag = '"t1"'
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            b"<link>http://x/</link><item><title>Budget passes</title><link>"
            + site.url("/a").encode() + b"</link></item></channel></rss>")
    site.routes["/feed"] = lambda h: ((304, {"ETag": etag}, b"")
                                      if h.headers.get("If-None-Match") == etag
                                      else (200, {**XML, "ETag": etag}, feed))
    site.routes["/a"] = (500, HTML, b"oops")
    f = follower(store, [site.url("/feed")])
    first = f.run_round()
    assert first.added == 0 and any("tried again next round" in m for m in first.failures)
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    assert f.run_round().added == 1 and store.count_articles() == 1
    site.routes["/b"] = (404, HTML, b"gone")  # a page that never comes: given up on
    feed = feed.replace(b"</channel>", b"<item><title>Gone</title><link>"
                        + site.url("/b").encode() + b"</link></item></channel>")
    etag = '"t2"'
    lines = [m for _ in range(TEASER_RETRIES + 2) for m in f.run_round().failures]
    assert sum("/b" in m for m in lines) == TEASER_RETRIES + 1
    assert "skipped after" in lines[-1]
    f.close()


def test_a_stop_stores_no_teaser_and_counts_no_failure(site, store):
    """Ctrl-C or SIGTERM while a page was fetched stored the feed's teaser as the article's
    first version, for good, and counted a failure: the page is fetched on the next run."""
    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    started = threading.Event()

    def slow(_handler):
        started.set()
        time.sleep(1.5)
        return 200, HTML, page("Budget passes", BODY_A)

    site.routes["/a"] = slow
    f = follower(store, [site.url("/feed")], timeout=5.0)
    threading.Thread(target=lambda: (started.wait(5), f.stop.set()), daemon=True).start()
    report = f.run_round()
    assert report.stopped and report.added == 0 and report.failures == []
    assert store.count_articles() == 0
    f.stop.clear()
    assert f.run_round().added == 1
    assert store.iter_listing().__next__()["revisions"] == 1
    f.close()


def test_a_page_timing_out_while_stopping_stores_no_teaser(site, store):
    """A page sending nothing holds a stop until its timeout: the teaser was then stored in
    its place (docs: no teaser for the pages in flight) and a failure said."""
    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    started = threading.Event()

    def silent(_handler):
        started.set()
        time.sleep(2.5)  # past the 1 s timeout: the fetch fails, not "stopped"
        return 200, HTML, page("Budget passes", BODY_A)

    site.routes["/a"] = silent
    f = follower(store, [site.url("/feed")], timeout=1.0)
    threading.Thread(target=lambda: (started.wait(5), f.stop.set()), daemon=True).start()
    report = f.run_round()
    assert report.added == 0 and report.failures == []
    assert store.count_articles() == 0
    f.close()


def test_a_site_answering_every_page_with_one_wall_is_tried_again(site, store):
    """Every article answered with the same consent page: the first was stored with the
    wall's text and the others marked handled as its duplicates, for good and unsaid; now
    they are said and tried again, and stored once the site answers again."""
    etag = '"w1"'
    wall = page("Before you continue", "We use cookies and data to deliver and maintain "
                "our services, and to measure audience engagement and site statistics.")
    site.routes["/feed"] = lambda h: ((304, {"ETag": etag}, b"")
                                      if h.headers.get("If-None-Match") == etag else
                                      (200, {**XML, "ETag": etag}, rss([
                                          ("Budget passes", site.url("/a"), None),
                                          ("Road closed", site.url("/b"), None)])))
    site.routes["/a"] = (200, HTML, wall)
    site.routes["/b"] = (200, HTML, wall)
    f = follower(store, [site.url("/feed")])
    first = f.run_round()
    assert (first.added, first.duplicates) == (1, 1)
    assert any("on the same site (a cookie wall" in line for line in f.lines)
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    site.routes["/b"] = (200, HTML, page("Road closed", BODY_B))
    f.run_round()
    texts = sorted(r["text"][:20] for r in store.iter_listing())
    assert texts == ["Flooding closed the ", "The city council app"]  # the wall replaced
    f.close()


def test_a_feed_failing_after_a_redirect_is_named_as_listed(site, store):
    """stderr named only the redirect's target, and `feeds` showed a status the listed
    address never returned."""
    site.routes["/old-feed"] = (301, {"Location": site.url("/new-feed")}, b"")
    site.routes["/new-feed"] = (500, HTML, b"oops")
    f = follower(store, [site.url("/old-feed")])
    (line,) = f.run_round().failures
    assert line == (f"{site.url('/old-feed')} (redirected to {site.url('/new-feed')}): "
                    "HTTP 500")
    assert store.feed_state(site.url("/old-feed")).last_status == (
        f"HTTP 500 (redirected to {site.url('/new-feed')})")
    f.close()


def test_a_site_pacing_its_pages_does_not_hold_the_worker_from_other_sites(
        site, other_site, store):
    """A worker slept through a site's Crawl-delay between its pages: with every worker on
    such sites, the other feeds waited (30 s behind eight of them). With one worker, the
    other site's feed is now asked while the slow site waits for its turn."""
    order: list[str] = []

    def logged(name, reply):
        def route(_handler):
            order.append(name)
            return reply
        return route

    site.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"},
                                  b"User-agent: *\nCrawl-delay: 1\n")
    site.routes["/feed"] = logged("slow feed", (200, XML, rss(
        [(f"Story {n}", site.url(f"/p{n}"), None) for n in range(3)])))
    for n in range(3):
        site.routes[f"/p{n}"] = logged(f"slow p{n}", (200, HTML, page(
            f"Story {n}", BODY_A.replace("Tuesday", f"day {n}"))))
    other_site.routes["/feed"] = logged("other feed", (200, XML, rss(
        [("Road closed", other_site.url("/b"), None)])))
    other_site.routes["/b"] = logged("other page", (200, HTML, page("Road closed", BODY_B)))
    f = follower(store, [site.url("/feed"), other_site.url("/feed")], workers=1)
    assert f.run_round().added == 4
    assert order.index("other feed") < order.index("slow p1")
    f.close()


def test_feeds_says_when_a_feed_answers_but_none_of_its_pages_can_be_fetched(
        site, store, tmp_path, capsys):
    """A feed whose every page was refused (robots.txt, a 403, a site's day-long pause)
    read "ok" in `newsweave feeds`, and `--failing` listed nothing."""
    from newsweave.cli import main

    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None),
                                           ("Road closed", site.url("/b"), None)]))
    site.routes["/a"] = (403, HTML, b"forbidden")
    site.routes["/b"] = (403, HTML, b"forbidden")
    f = follower(store, [site.url("/feed")])
    f.run_round()
    f.close()
    db = str(tmp_path / "follow.db")
    assert main(["feeds", "--db", db, "--failing"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 failing feed:\n  pages failing ")
    assert "pages: 2 of 2 failed at the last poll with new entries: " in out
    assert "HTTP 403" in out


def test_a_sites_pause_is_kept_for_the_next_run(site, store):
    """A page's "429, Retry-After: 86400" was kept in the follower's memory only: each cron
    `--once` run asked the site again. The next follower on the store asks nothing of it."""
    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    site.routes["/a"] = (429, {"Retry-After": "86400"}, b"slow down")
    f = follower(store, [site.url("/feed")])
    f.run_round()
    f.close()
    asked = len(site.log)
    again = follower(store, [site.url("/feed")])  # a new run: a new fetcher
    report = again.run_round()
    again.close()
    assert len(site.log) == asked  # not even the feed or robots.txt
    assert report.backing_off == 1 or report.paused_sites


def test_a_pause_asked_by_robots_txt_is_kept_for_the_next_run(site, store):
    """robots.txt answering "429, Retry-After: 3600" named the pause in its message but
    kept none: the next cron run asked for robots.txt again seconds later."""
    site.routes["/robots.txt"] = (429, {"Retry-After": "3600"}, b"slow down")
    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    f = follower(store, [site.url("/feed")], interval=0.01)  # the feed's own back-off: none
    first = f.run_round()
    f.close()
    assert site.hits("/robots.txt") == 1 and site.hits("/feed") == 0
    assert any("robots.txt unreadable" in line for line in first.failures)
    time.sleep(0.05)
    again = follower(store, [site.url("/feed")], interval=0.01)
    report = again.run_round()
    again.close()
    assert site.hits("/robots.txt") == 1  # the next run asked nothing of the site
    assert report.backing_off == 1 or report.paused_sites


def test_one_page_in_two_feeds_under_two_headlines_is_not_fetched_every_round(site, store):
    """The entry's link kept one fingerprint: a feed listing the page under another headline
    overwrote it, and the other feed then had the page fetched again, round after round."""
    site.routes["/politics"] = (200, XML, rss([("Politics: Budget passes", site.url("/a"),
                                                None)]))
    site.routes["/world"] = (200, XML, rss([("World: Budget passes", site.url("/a"), None)]))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    for feeds in (["/politics"], ["/world"], ["/politics"], ["/world"]):
        f = follower(store, [site.url(u) for u in feeds])
        f.run_round()
        f.close()
    assert site.hits("/a") == 2 and store.count_articles() == 1  # first, and the new listing


def test_a_huge_feed_is_taken_a_bounded_number_of_entries_per_round(site, store, monkeypatch):
    """A feed of thousands of entries held one round for most of an hour: like a
    sitemap's, a feed's new entries are taken a bounded number per round."""
    import newsweave.follow as follow_module

    monkeypatch.setattr(follow_module, "MAX_FEED_NEW", 2)
    site.routes["/feed"] = (200, XML, rss([(f"Story {n}", site.url(f"/p{n}"), None)
                                           for n in range(5)]))
    for n in range(5):
        site.routes[f"/p{n}"] = (200, HTML, page(f"Story {n}", BODY_A.replace(
            "Tuesday", f"day {n}")))
    f = follower(store, [site.url("/feed")])
    added = [f.run_round().added for _ in range(3)]
    assert added == [2, 2, 1] and store.count_articles() == 5
    f.close()


def test_a_round_in_progress_can_be_watched(site, store, capsys):
    """A first round on a large site ran for minutes with nothing said until its summary:
    a terminal shows a live line of the round's counts (``round_progress``), drawn from the
    follower's round under way; lines from the workers come out whole, one write each."""
    from newsweave.cli_follow import round_progress
    from newsweave.follow import RoundReport, _stderr_line

    report = RoundReport(feeds=3, entries=12, added=8, revised=1, failures=["x"])
    assert report.progress(14.2) == ("following: 3 feeds, 12 entries, 8 added, 1 revised, "
                                     "1 failure (14 s)")
    site.routes["/feed"] = (200, XML, rss([("Budget passes", site.url("/a"), None)]))
    site.routes["/a"] = (200, HTML, page("Budget passes", BODY_A))
    f = follower(store, [site.url("/feed")])
    seen: list[RoundReport | None] = []
    site.routes["/a"] = lambda _h: (seen.append(f.current), (200, HTML, page("Budget passes",
                                                                             BODY_A)))[1]
    with round_progress(True, f):  # not a terminal here: it must only not get in the way
        assert f.run_round().added == 1
    assert seen and seen[0] is not None and seen[0].feeds == 1  # the round under way
    assert f.current is None  # between rounds
    f.close()
    capsys.readouterr()
    _stderr_line("newsweave: follow: one line")
    assert capsys.readouterr().err == "newsweave: follow: one line\n"
