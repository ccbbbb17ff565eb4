"""An article's URL as its identity, shared by the follower and the store.

The follower keys each fetched page by its canonical URL; ingest keys a file's article the
same way when it names one, so a corrected version of a page (in tomorrow's export, a second
WARC capture, the follower's next fetch) revises the stored article instead of adding a
second copy of it to its story.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def canonical_url(url: str) -> str:
    """An article's identity: courlan's normalisation (lower-case host, default port and
    tracking parameters such as ``utm_*``, ``fbclid`` removed, query sorted) without the
    fragment."""
    from courlan import normalize_url

    try:
        normal = normalize_url(url)
    except (ValueError, TypeError):
        normal = url
    parts = urlsplit(normal)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def article_key(url: str | None) -> str | None:
    """The canonical URL of a record's ``url`` where it can name one article: an http(s)
    address with a host and a path or query past the site's front page. None for anything
    else (no URL, a relative path, a placeholder, a home page that an export gives every
    record of a site): such records keep being told apart by their text."""
    if not url or len(url) > 2048:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    key = canonical_url(url.strip())
    canon = urlsplit(key)
    if canon.path.strip("/") == "" and not canon.query:
        return None
    return key
