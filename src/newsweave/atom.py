"""Atom feeds of story updates: each stored brief is an entry saying what it added.

A reader follows a living story, or the whole newsroom, in any feed reader (and newsweave's own
follower reads them back). The entries come from ``app.story_updates``; this module only
writes them as Atom (RFC 4287) with the standard library's XML writer, which escapes every
text, after dropping the characters XML 1.0 cannot carry (an article title may hold any)."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from newsweave.render import strip_control
from newsweave.wording import count

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
#: what XML 1.0 forbids: C0 controls but tab and newline, and the non-characters
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    """Text a feed reader shows: no character XML 1.0 cannot carry, and no control or
    direction override (an article's U+202E read the rest of an entry backwards)."""
    return _NOT_XML.sub("", strip_control(str(value or "")))


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _text(text)
    return el


def entry_summary(update: dict[str, Any]) -> str:
    """What an update tells a reader: the changes over the version before, or, for a story's
    first brief, how many sources it weaves."""
    if update["changes"]:
        return f"Updated: {update['changes']}."
    if update["version"] == 1:
        return f"New story: {count(update['sources'], 'source')}."
    return "Woven again; nothing a reader sees changed."


def _urn(*parts: Any) -> str:
    """A stable absolute id (Atom wants one) that names no host."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "newsweave:" + "/".join(map(str, parts))).urn


def updates_feed(updates: Sequence[dict[str, Any]], title: str, self_path: str,
                 page_path: str = "/") -> bytes:
    """An Atom document of ``updates`` (newest first); ``self_path``: the feed's own path,
    ``page_path``: the page it follows (the list, a filtered list, a story).
    Links are root-relative, resolved by the reader against the feed's address: never built
    from the request's Host header, which a client chooses. An entry's link is the stored
    version's page, which never changes; its id is a URN of the story and version."""
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _add(feed, "title", title)
    _add(feed, "id", _urn("feed", self_path))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_path)
    _add(feed, "link", rel="alternate", type="text/html", href=page_path)
    _add(feed, "updated", updates[0]["created"] if updates else "1970-01-01T00:00:00+00:00")
    _add(feed, "generator", "newsweave")
    for u in updates:
        page = f"/stories/{quote(u['story_id'], safe='')}?version={u['version']}"
        entry = _add(feed, "entry")
        _add(entry, "title", f"{u['headline']} (version {u['version']})")
        _add(entry, "id", _urn("story", u["story_id"], u["version"]))
        _add(entry, "link", rel="alternate", type="text/html", href=page)
        _add(entry, "updated", u["created"])
        _add(entry, "summary", entry_summary(u))
        if u.get("items"):  # what it added, item by item: escaped here, unescaped by readers
            _add(entry, "content", "<ul>" + "".join(
                f"<li>{html.escape(_text(item))}</li>" for item in u["items"]) + "</ul>",
                type="html")
        author = _add(entry, "author")
        _add(author, "name", "newsweave")
    ET.register_namespace("", ATOM_NS)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
