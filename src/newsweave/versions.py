"""When two records are versions of one article: the same URL-named report, corrected or
updated. The store applies these rules to what is ingested (a new version revises the stored
article) and ``weave`` to the files it is given (the latest version is woven)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from newsweave.models import Article
from newsweave.urls import article_key

#: share of the shorter text's word pairs that the other must hold for a new text under an
#: article's URL to be its version: with the same headline, and when the headline changed too
SAME_HEADLINE_OVERLAP = 0.2
VERSION_OVERLAP = 0.5


def same_report(old_title: str | None, old_text: str, title: str | None, text: str) -> bool:
    """Whether a new text under a stored article's URL is a version of that report: most of
    the word pairs of the shorter text in the longer one (a correction, an update that adds
    paragraphs), or a fifth of them under the same headline (a rewrite), or, under the same
    headline of three words or more, a stub's text under ``SHRUNK_MIN_WORDS`` words followed
    by a full report (a CMS saving a live page; the follower already took it for the page's
    next text). Different reports that an export files under one URL (a feed's or a
    section's address, often with the site's name for every headline) share none of that, and
    stay articles of their own."""
    a, b = _word_pairs(old_text), _word_pairs(text)
    if not a or not b:
        return False
    same_headline = bool(title and old_title and _folded(title) == _folded(old_title))
    if same_headline and len(title.split()) >= 3 and \
            len(old_text.split()) < SHRUNK_MIN_WORDS < len(text.split()):
        return True  # a live page's stub, then its report under the headline it kept
    share = SAME_HEADLINE_OVERLAP if same_headline else VERSION_OVERLAP
    return len(a & b) >= share * min(len(a), len(b))


#: A page text under fewer than this share of the stored page text's words is taken for a
#: failed extraction (a page's menu when its template broke, a paywall's notice, "this
#: story was removed"), not for the outlet's new version: corrections add or change a few
#: sentences, and a live page grows.
SHRUNK_SHARE = 0.25
#: ...of a stored text at least this long (a stub may be rewritten into something shorter).
SHRUNK_MIN_WORDS = 80


def lost_most(old_text: str, new_text: str) -> bool:
    """Whether ``new_text`` keeps under ``SHRUNK_SHARE`` of a long ``old_text``'s words."""
    old_words = len(old_text.split())
    return old_words >= SHRUNK_MIN_WORDS and len(new_text.split()) < SHRUNK_SHARE * old_words


def mostly_new(old_text: str, text: str) -> bool:
    """Whether a new version's text is mostly new: fewer than half of its word pairs were
    in the old one. So was the first capture of a live page, a headline and a paragraph,
    against the full report; a correction or an added paragraph is not."""
    old, new = _word_pairs(old_text), _word_pairs(text)
    return len(old & new) < VERSION_OVERLAP * len(new)


def version_of(old_id: str, old_title: str | None, old_text: str, new_id: str,
               new_content_id: str, new_title: str | None, new_text: str) -> bool:
    """Whether a record under an article's URL is a version of that article (the one rule
    of the store and of ``weave``): always when it gives the article's own id (an export
    of the store, ``--all-versions``: a live page rewritten under a new headline is kept as
    its versions whatever the texts share); not when it gives an id of its own that is not
    the article's (``new_id`` other than ``new_content_id``, the id its text gives), nor
    when the texts are too unlike (``same_report``)."""
    if new_id != new_content_id:
        return new_id == old_id
    return same_report(old_title, old_text, new_title, new_text)


def _folded(value: str) -> str:
    return " ".join(value.casefold().split())


def _word_pairs(value: str) -> set[tuple[str, str]]:
    words = re.findall(r"\w+", value.casefold())
    return set(zip(words, words[1:], strict=False))


def dated_before(new: str | None, stored: str | None) -> bool:
    """Whether stamp ``new`` is strictly earlier than ``stored`` (ISO dates or timestamps);
    False when either is missing or unreadable. A bare date, or one timestamp with an
    offset and one without, is compared by day only."""
    if not new or not stored:
        return False
    try:
        a, b = datetime.fromisoformat(new), datetime.fromisoformat(stored)
    except ValueError:
        return False
    if len(new) <= 10 or len(stored) <= 10 or (a.tzinfo is None) != (b.tzinfo is None):
        return a.date() < b.date()
    return a < b


def older_text(new_published: str | None, new_updated: str | None,
               old_published: str | None, old_updated: str | None) -> bool:
    """Whether a new text of an article is older than the one held: its stamp (update, else
    publication) is earlier; or, the same day by ``dated_before``, the held text carries an
    update stamp not before the new text's publication while the new text carries none (a
    capture of the page from before that day's correction: "2017-03-02" against
    "2017-03-02T20:00:00Z")."""
    if dated_before(new_updated or new_published, old_updated or old_published):
        return True
    return bool(not new_updated and old_updated and new_published
                and not dated_before(old_updated, new_published))


def stamp(article: Article) -> str | None:
    """The time a version speaks for: its update stamp, else its first publication."""
    return article.updated or article.published


def latest_versions(
    articles: Iterable[Article], content_id: Callable[[str], str]
) -> tuple[list[Article], list[tuple[Article, Article]]]:
    """``articles`` with each URL-named report once, in its latest version (by its stamp,
    else the later in input order), and the (left out, the version kept instead) pairs.
    Records giving ids of their own (not the earlier record's), or too unlike each other
    (``same_report``), are not versions of each other; records without an article URL are
    all kept.
    ``content_id(text)``: the id a record without a given id has."""
    kept: list[Article] = []
    where: dict[str, int] = {}  # article URL -> index in ``kept`` of its latest version
    seen: dict[str, set[str]] = {}  # article URL -> content ids of its versions so far
    dropped: list[tuple[Article, int]] = []
    for article in articles:
        key = article_key(article.url)
        if key is None:
            kept.append(article)
            continue
        cid = content_id(article.text)
        at = where.get(key)
        if at is not None and cid in seen[key]:
            dropped.append((article, at))  # a version seen before: the same page again
            continue
        seen.setdefault(key, set()).add(cid)
        prev = kept[at] if at is not None else None
        if prev is None or not version_of(prev.id, prev.title, prev.text, article.id, cid,
                                          article.title, article.text):
            if at is None:
                where[key] = len(kept)
            kept.append(article)
            continue
        if older_text(article.published, article.updated, prev.published, prev.updated) \
                or lost_most(prev.text, article.text):
            dropped.append((article, at))  # older, or a withdrawal notice (as the store)
        else:
            dropped.append((kept[at], at))
            kept[at] = article
    return kept, [(old, kept[at]) for old, at in dropped]


# --------------------------------------------------------------------------- what changed
#: texts longer than this (in words) are not compared: difflib's matcher can be quadratic
MAX_DIFF_WORDS = 20_000


@dataclass(frozen=True)
class Change:
    """A run of words of a text comparison: ``same``, ``removed`` (old text only),
    ``added`` (new text only) or ``gap`` (unchanged words left out); ``text`` keeps its
    spacing."""

    kind: str
    text: str


def text_changes(old: str, new: str, context: int = 12) -> list[Change] | None:
    """What a new version changed, word by word (a reflowed line is no change), unchanged
    runs cut to ``context`` words on each side of a change; None when either text is over
    ``MAX_DIFF_WORDS`` words."""
    a, b = re.findall(r"\S+\s*", old), re.findall(r"\S+\s*", new)
    if len(a) > MAX_DIFF_WORDS or len(b) > MAX_DIFF_WORDS:
        return None
    matcher = SequenceMatcher(None, [w.strip() for w in a], [w.strip() for w in b],
                              autojunk=False)
    out: list[Change] = []
    opcodes = matcher.get_opcodes()
    if all(op == "equal" for op, *_ in opcodes):
        return [Change("same", new)]
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            words = b[j1:j2]
            head = words[:context] if n > 0 else []
            tail = words[-context:] if n < len(opcodes) - 1 else []
            if len(head) + len(tail) >= len(words):
                out.append(Change("same", "".join(words)))
            else:
                if head:
                    out.append(Change("same", "".join(head)))
                out.append(Change("gap", "… "))
                if tail:
                    out.append(Change("same", "".join(tail)))
            continue
        if i2 > i1:
            out.append(Change("removed", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(Change("added", "".join(b[j1:j2])))
    return out
