"""An article's URL as its identity, shared by the follower and the store.

The follower keys each fetched page by its canonical URL; ingest keys a file's article the
same way when it names one, so a corrected version of a page (in tomorrow's export, a second
WARC capture, the follower's next fetch) revises the stored article instead of adding a
second copy of it to its story.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

#: A canonical URL longer than this (UTF-8 bytes) is kept as its site and a digest: the
#: store's unique index on it is a PostgreSQL B-tree, whose entries stop at 2,704 bytes, and
#: an address of 2,000 characters in another script is 18,000 once percent-encoded
MAX_KEY_BYTES = 1000


def canonical_url(url: str) -> str:
    """An article's identity: courlan's normalisation (lower-case host, default port and
    tracking parameters such as ``utm_*``, ``fbclid`` removed, query sorted) without the
    fragment; over ``MAX_KEY_BYTES``, the site and a SHA-256 of that form."""
    return _bounded(_normal_form(url))


def _normal_form(url: str) -> str:
    from courlan import normalize_url

    try:
        normal = normalize_url(url)
    except (ValueError, TypeError):
        normal = url
    parts = urlsplit(normal)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _bounded(key: str) -> str:
    raw = key.encode("utf-8", "surrogatepass")
    if len(raw) <= MAX_KEY_BYTES:
        return key
    parts = urlsplit(key)
    return f"{parts.scheme}://{parts.netloc[:255]}/#sha256={hashlib.sha256(raw).hexdigest()}"


def article_key(url: str | None) -> str | None:
    """The canonical URL of a record's ``url`` where it can name one article: an http(s)
    address with a host and a path or query past the site's front page. None for anything
    else (no URL, a relative path, a placeholder, a home page that an export gives every
    record of a site, an address over 2,048 characters, which no record field holds: a
    page's own link tag could): such records keep being told apart by their text."""
    if not url or len(url) > 2048:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    normal = _normal_form(url.strip())
    canon = urlsplit(normal)
    if canon.path.strip("/") == "" and not canon.query:
        return None
    return _bounded(normal)
