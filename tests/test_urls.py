"""An article's URL as its identity."""

from __future__ import annotations

import pytest

from newsweave.urls import article_key, canonical_url


def test_canonical_url_drops_tracking_fragment_and_default_port() -> None:
    assert canonical_url("https://Example.org:443/a?utm_source=x&id=3#c") == (
        "https://example.org/a?id=3")


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://example.org/2017/03/02/story?utm_medium=rss", "https://example.org/2017/03/02/story"),
        ("https://example.org/?p=123", "https://example.org/?p=123"),
        ("https://example.org/", None),  # a front page names no one article
        ("https://example.org", None),
        ("ftp://example.org/file", None),
        ("/2017/03/02/story", None),
        ("n/a", None),
        ("", None),
        (None, None),
        ("https://example.org/" + "a" * 3000, None),
        ("http://[::1", None),
    ],
)
def test_article_key(url: str | None, key: str | None) -> None:
    assert article_key(url) == key


def test_a_canonical_url_past_the_index_limit_is_its_site_and_a_digest() -> None:
    from newsweave.urls import MAX_KEY_BYTES

    long_a = "https://example.org/" + "\u6c35" * 1500
    long_b = "https://example.org/" + "\u6c35" * 1499 + "x"
    key = canonical_url(long_a)
    assert key.startswith("https://example.org/#sha256=") and len(key.encode()) < MAX_KEY_BYTES
    assert key == canonical_url(long_a + "#comments") != canonical_url(long_b)
    assert article_key(long_a) == key
