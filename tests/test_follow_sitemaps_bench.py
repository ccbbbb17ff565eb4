"""The sitemap benchmark's readers read the same listing alike (so its table compares like with
like), each in its own child process."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.follow_sitemaps import listing, read_large  # noqa: E402


def test_every_reader_finds_every_entry_and_ours_keeps_the_last_two_days():
    rows = read_large(400)
    found = {r["reader"].split(":")[0].split(" ")[0]: r["found"] for r in rows}
    assert found == {"newsweave.sitemaps": 400, "trafilatura": 400, "feedparser,": 400}
    ours = next(r for r in rows if r["reader"].startswith("newsweave"))
    assert ours["recent"] in (288, 289)  # one entry every 10 minutes, two days back
    assert all(r["mem_mb"] >= 0 and r["cpu"] >= 0 for r in rows)


def test_listing_is_a_news_sitemap_or_a_feed():
    from newsweave.sitemaps import is_sitemap, parse_sitemap

    body = listing("sitemap", 3)
    assert is_sitemap(body) and len(parse_sitemap(body).urls) == 3
    assert not is_sitemap(listing("rss", 3))
