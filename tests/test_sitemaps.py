"""Reading sitemaps as feeds: what is parsed, what counts as recent, which sitemaps of an
index are polled, and hostile bodies (entities, gzip bombs, broken XML)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest

from newsweave import sitemaps
from newsweave.sitemaps import (
    SitemapError,
    SitemapLink,
    SitemapUrl,
    gunzip,
    is_sitemap,
    looks_like_article,
    parse_date,
    parse_sitemap,
    pick_children,
    recent_urls,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- generated -->
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:n="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc> https://news.example/2026/12/07/budget </loc>
    <lastmod>2026-12-07T11:00:00+01:00</lastmod>
    <n:news>
      <n:publication><n:name>Example  News</n:name><n:language>en</n:language></n:publication>
      <n:publication_date>2026-12-07T09:30:00+01:00</n:publication_date>
      <n:title>Council passes
        the budget</n:title>
    </n:news>
  </url>
  <url><loc>https://news.example/about</loc></url>
  <url><lastmod>2026-12-07</lastmod></url>
</urlset>"""


def test_a_news_sitemap_gives_each_page_its_title_dates_and_outlet():
    assert is_sitemap(NEWS)
    parsed = parse_sitemap(NEWS)
    assert not parsed.index and parsed.dropped == 0
    assert len(parsed.urls) == 2  # a <url> without <loc> is no page
    first, second = parsed.urls
    assert first == SitemapUrl("https://news.example/2026/12/07/budget",
                               "Council passes the budget", "2026-12-07T09:30:00+01:00",
                               "2026-12-07T11:00:00+01:00", "Example News")
    assert first.when == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # the later of the two
    assert second == SitemapUrl("https://news.example/about") and second.when is None


def test_an_index_lists_its_sitemaps():
    body = (b'\xef\xbb\xbf<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<sitemap><loc>https://x.example/news.xml</loc><lastmod>2026-12-07</lastmod>"
            b"</sitemap><sitemap><loc>/2019-01.xml</loc></sitemap><sitemap/></sitemapindex>")
    assert is_sitemap(body)
    parsed = parse_sitemap(body)
    assert parsed.index and not parsed.urls
    assert parsed.children == (SitemapLink("https://x.example/news.xml", "2026-12-07"),
                               SitemapLink("/2019-01.xml"))


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
    b"<!doctype html><html><body><urlset></urlset></body></html>",
    b"<feed xmlns='http://www.w3.org/2005/Atom'/>",
    b"urlset",
    b"",
])
def test_feeds_pages_and_text_are_no_sitemaps(body):
    assert not is_sitemap(body)


def test_broken_xml_is_read_as_far_as_it_goes_with_its_first_error():
    parsed = parse_sitemap(b"<urlset>\n<url><loc>https://a/</loc></url>\n<url><loc>x</url>")
    assert [u.loc for u in parsed.urls] == ["https://a/", "x"]
    assert parsed.problem == "Opening and ending tag mismatch: loc line 3 and url (line 3)"
    assert parse_sitemap(NEWS).problem is None
    with pytest.raises(SitemapError, match=r"malformed sitemap XML: .*\(line 2\)"):
        parse_sitemap(b"<urlset>\n<url<<<")  # nothing readable
    with pytest.raises(SitemapError, match="no urlset"):
        parse_sitemap(b"<html><body/></html>")


def test_an_unescaped_ampersand_in_an_address_is_read_as_written():
    """The commonest fault of real sitemaps: a query written with a bare "&". A recovering
    parser would drop "&page" and the follower fetch another page."""
    parsed = parse_sitemap(b"<urlset><url><loc>https://a.example/story?id=7&page=2&amp;x=1"
                           b"&#38;y=2</loc></url></urlset>")
    assert [u.loc for u in parsed.urls] == ["https://a.example/story?id=7&page=2&x=1&y=2"]
    assert parsed.problem is None


def test_an_entity_bomb_is_refused():
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY l0 "lol">{lol}]>'
            "<urlset><url><loc>https://a.example/&l9;</loc></url></urlset>").encode()
    with pytest.raises(SitemapError, match=r"^malformed sitemap XML: [^\n]*\(line 1\)$"):
        parse_sitemap(bomb)


def test_an_external_entity_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file://{secret}">]>'
            "<urlset><url><loc>https://a.example/&x;</loc></url></urlset>").encode()
    parsed = parse_sitemap(body)
    assert all("TOP-SECRET" not in u.loc for u in parsed.urls)


def test_urls_past_the_protocol_cap_are_counted_not_read(monkeypatch):
    monkeypatch.setattr(sitemaps, "MAX_URLS", 3)
    body = b"<urlset>" + b"".join(
        b"<url><loc>https://a.example/%d</loc></url>" % n for n in range(5)) + b"</urlset>"
    parsed = parse_sitemap(body)
    assert [u.loc[-1] for u in parsed.urls] == ["0", "1", "2"] and parsed.dropped == 2


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-12-07", datetime(2026, 12, 7, tzinfo=UTC)),
    ("2026-12-07T10:00Z", datetime(2026, 12, 7, 10, 0, tzinfo=UTC)),
    ("2026-12-07T10:00:30.250+02:00", datetime(2026, 12, 7, 8, 0, 30, 250000, tzinfo=UTC)),
    ("2026-12-07T10:00:00", datetime(2026, 12, 7, 10, 0, tzinfo=UTC)),
    ("yesterday", None),
    ("2026-13-40", None),
    ("9" * 100, None),
    (None, None),
    ("0001-01-01T00:00:00+05:00", None),  # year 0 in UTC: it raised OverflowError
    ("9999-12-31T23:59:59-05:00", None),
])
def test_w3c_dates(value, expected):
    assert parse_date(value) == expected


def test_recent_pages_come_newest_first_and_old_or_undated_ones_are_counted():
    def at(hours: float, loc: str) -> SitemapUrl:
        stamp = (NOW - timedelta(hours=hours)).isoformat()
        return SitemapUrl(loc, published=stamp)

    urls = [at(30, "b"), at(1, "a"), SitemapUrl("undated"), at(72, "old"),
            at(-5, "future"), SitemapUrl("lastmod-only", modified="2026-12-06")]
    kept, undated, old = recent_urls(urls, NOW)
    assert [u.loc for u in kept] == ["future", "a", "b", "lastmod-only"]
    assert (undated, old) == (1, 1)


def test_children_of_an_index_news_first_then_newest_archives_left_out():
    links = [SitemapLink("https://x/2019-01.xml", "2019-02-01"),
             SitemapLink("https://x/pages.xml"),
             SitemapLink("https://x/sections.xml", "2026-12-07T08:00Z"),
             SitemapLink("https://x/sitemap-news.xml"),
             SitemapLink("https://x/video.xml", "2026-12-07T11:00Z")]
    assert pick_children(links, NOW) == ["https://x/sitemap-news.xml", "https://x/video.xml",
                                         "https://x/sections.xml", "https://x/pages.xml"]
    assert pick_children(links, NOW, limit=2) == ["https://x/sitemap-news.xml",
                                                  "https://x/video.xml"]


def test_gunzip_is_bounded():
    body = b"<urlset/>" + b" " * 10_000
    assert gunzip(gzip.compress(body), 20_000) == body
    with pytest.raises(SitemapError, match="over the 1,000-byte limit"):
        gunzip(gzip.compress(body), 1_000)
    with pytest.raises(SitemapError, match="corrupt gzip"):
        gunzip(b"\x1f\x8b" + b"not gzip at all", 1_000)
    with pytest.raises(SitemapError, match="truncated gzip file"):
        gunzip(gzip.compress(body)[:30], 20_000)


def test_a_character_reference_to_no_character_spoils_no_page():
    """``&#xD800;`` in a date: lxml's recovering parser kept it as bytes no decoder takes,
    and reading the element's text raised (found by benchmarks/fuzz_follow.py)."""
    body = NEWS.replace(b"<n:publication_date>20", b"<n:publication_date>20&#xD800;").replace(
        b"<n:title>Council", b"<n:title>Council &#x110000;")
    parsed = parse_sitemap(body)
    assert parsed.urls[0].title == "Council \ufffd passes the budget"
    assert parsed.urls[0].published == "20\ufffd26-12-07T09:30:00+01:00"
    assert parsed.urls[0].when == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # lastmod's


def test_a_declared_encoding_is_honoured():
    latin = (b'<?xml version="1.0" encoding="ISO-8859-1"?><urlset><url><loc>https://a.example/'
             b"caf\xe9</loc></url></urlset>")
    assert parse_sitemap(latin).urls[0].loc == "https://a.example/caf\u00e9"


@pytest.mark.parametrize(("url", "article"), [
    ("https://x.example/2026/12/07/council-passes-budget", True),
    ("https://x.example/news/council-passes-budget-123", True),
    ("https://x.example/politics/", False),  # section fronts and site pages
    ("https://x.example/world/europe", False),
    ("https://x.example/about-us", False),
    ("https://x.example/opinion/why-the-budget-fails", True),  # a slug of words
    # a two-word slug under a section reads as a section ("/world/middle-east"): not fetched
    ("https://x.example/politics/sessions-recuses", False),
    ("https://x.example/story?id=265672", True),  # an id in the query
    ("https://x.example/world/europe/39150155", True),
    ("https://x.example/", False),
    ("https://x.example", False),
    ("https://x.example/tag/budget", False),
    ("https://x.example/author/jane-roe", False),
    ("https://x.example/category/world/page/2", False),
    ("https://x.example/login", False),
    ("https://x.example/media/chart.png", False),
    ("http://[x/", False),
])
def test_what_a_general_sitemap_lists_that_is_no_report(url, article):
    assert looks_like_article(url) is article



def test_a_sitemap_is_held_to_the_protocols_size_not_a_pages():
    from newsweave.sitemaps import MAX_SITEMAP_BYTES, size_limit

    assert size_limit(NEWS[:8192], 1_000) == (MAX_SITEMAP_BYTES, "a sitemap")
    assert size_limit(gzip.compress(NEWS)[:8192], 1_000) == (MAX_SITEMAP_BYTES, "a sitemap")
    assert size_limit(NEWS, MAX_SITEMAP_BYTES * 2) == (MAX_SITEMAP_BYTES * 2, "a sitemap")
    assert size_limit(b"<rss><channel>", 1_000) == (1_000, "")
    assert size_limit(b"\x1f\x8b broken gzip", 1_000) == (1_000, "")
