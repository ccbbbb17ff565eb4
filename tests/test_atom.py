"""Atom feeds of story updates: well-formed, links a reader resolves against the feed's own
address (none built from a client's Host header), every text escaped, and read back by the
feed parser newsweave's follower uses."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import feedparser

from newsweave.atom import entry_summary, updates_feed

SITE = "http://127.0.0.1:8000"


def update(version: int, changes: str = "", headline: str = "Storm reaches the coast",
           story: str = "s-storm", sources: int = 3) -> dict:
    return {"story_id": story, "version": version, "created": f"2026-12-0{version}T08:00:00+00:00",
            "headline": headline, "sources": sources, "changes": changes}


def test_entries_say_what_each_version_added_and_link_to_it() -> None:
    body = updates_feed([update(2, "1 new source, 2 new quotes"), update(1)],
                        "newsweave: story updates", "/feed.atom")
    ET.fromstring(body)  # well-formed
    feed = feedparser.parse(body, response_headers={
        "content-location": f"{SITE}/feed.atom", "content-type": "application/atom+xml"})
    assert not feed.bozo and feed.feed.title == "newsweave: story updates"
    assert feed.feed.updated == "2026-12-02T08:00:00+00:00"
    assert [e.title for e in feed.entries] == ["Storm reaches the coast (version 2)",
                                               "Storm reaches the coast (version 1)"]
    assert [e.link for e in feed.entries] == [f"{SITE}/stories/s-storm?version=2",
                                              f"{SITE}/stories/s-storm?version=1"]
    ids = [e.id for e in feed.entries]
    assert all(i.startswith("urn:uuid:") for i in ids) and len(set(ids)) == 2
    again = feedparser.parse(updates_feed([update(2)], "t", "/feed.atom"))
    assert again.entries[0].id == ids[0]  # an entry keeps its id in every later feed
    assert feed.entries[0].summary == "Updated: 1 new source, 2 new quotes."
    assert feed.entries[1].summary == "New story: 3 sources."
    assert any(link.rel == "self" and link.href == f"{SITE}/feed.atom"
               for link in feed.feed.links)
    assert b"127.0.0.1" not in body


def test_hostile_text_is_escaped_and_what_xml_cannot_carry_is_dropped() -> None:
    evil = 'Breaking <script>alert("x")</script> & \x1b[31mred\x00 news\ufffe'
    body = updates_feed([update(1, headline=evil, story="s/../x y")], "t", "/feed.atom")
    assert b"<script>" not in body and b"\x1b" not in body and b"\x00" not in body
    feed = feedparser.parse(body)
    assert not feed.bozo
    assert feed.entries[0].title == (
        'Breaking <script>alert("x")</script> & [31mred news (version 1)')
    assert feed.entries[0].link == "/stories/s%2F..%2Fx%20y?version=1"


def test_an_empty_feed_is_still_valid() -> None:
    feed = feedparser.parse(updates_feed([], "t", "/feed.atom"))
    assert not feed.bozo and feed.entries == []


def test_summary_of_a_version_that_changed_nothing_a_reader_sees() -> None:
    assert entry_summary(update(4)) == "Woven again; nothing a reader sees changed."
    assert entry_summary(update(1, sources=1)) == "New story: 1 source."


def test_an_entry_lists_what_it_added_with_every_item_escaped() -> None:
    items = ["New source: Storm hits <b>coast</b> (AP)",
             'Mayor: \u201c<script>alert("x")</script> we are safe\u201d']
    body = updates_feed([update(2, "1 new source, 1 new quote") | {"items": items}], "t",
                        "/feed.atom")
    assert b"<script>" not in body and b"<b>" not in body
    feed = feedparser.parse(body)
    (content,) = feed.entries[0].content
    assert content.type == "text/html"
    assert content.value.startswith("<ul><li>New source: Storm hits &lt;b&gt;coast&lt;/b&gt;")
    assert "&lt;script&gt;" in content.value and "<script>" not in content.value


def test_no_direction_override_reaches_a_feed_reader() -> None:
    """Pages drop U+202E; the feeds kept it, so an entry read backwards past a quote."""
    items = ["Olsen: \u201c\u202eThis is fine\u201d", "New source: Dam \u2066holds\u2069"]
    body = updates_feed([update(2, "2 new quotes", headline="Dam \u202eholds")
                         | {"items": items}], "t", "/feed.atom")
    text = body.decode("utf-8")
    assert not any(c in text for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    feed = feedparser.parse(body)
    assert feed.entries[0].title == "Dam holds (version 2)"
    assert "This is fine" in feed.entries[0].content[0].value
