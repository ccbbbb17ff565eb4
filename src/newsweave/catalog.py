"""The story list as readers query it: every story with its independent sources and coverage
by lean, filtered (outlet, lean, country, dates, language, full text), sorted and paged.

Built from the store in two reads (stories, and every story's members joined with their
articles) and kept in memory: at 10k articles that is a few thousand small records, and
filtering and sorting them in Python costs well under a millisecond per request, where a
per-request SQL aggregation over outlets, copies and leans would not. ``CatalogCache`` rebuilds
it when ``Store.catalog_version`` changes (stories regrouped, outlets re-imported). Full-text
search stays in the database (FTS5 / tsvector) and only narrows the ids.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import logging
import re
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newsweave.brief_diff import version_update
from newsweave.outlets import Member, OutletMatcher, story_coverage
from newsweave.render import displayable, strip_control

if TYPE_CHECKING:
    from newsweave.store import BriefVersion

log = logging.getLogger("newsweave.catalog")

SORTS = ("updated", "first_published", "sources", "articles", "changed")
DEFAULT_LANGUAGE = "en"  # articles before a language column exists are taken as English
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
HITS_CACHED = 512  # filtered, sorted id lists kept per catalog (one per distinct query)
#: what ``Catalog.memo`` keeps per catalog: small things (a story's list item, a few hundred
#: bytes) for every story of a large store; whole pages and API answers (tens of KiB) for the
#: views readers repeat
MEMO_SIZES = {"small": 20_000, "pages": 256}
CSV_COLUMNS = ("id", "headline", "first_published", "last_published", "updated_at",
               "articles", "sources", "outlets", "lean", "country", "blindspot",
               "version", "version_stored", "version_changes")


@dataclass(frozen=True)
class Entry:
    """One story as the list shows it."""

    id: str
    headline: str
    first_published: str | None
    last_published: str | None
    updated_at: str
    articles: int
    coverage: dict[str, Any]
    outlet_keys: frozenset[str]  # casefolded outlet names and domains, for the outlet filter
    languages: frozenset[str]
    outlets: tuple[str, ...] = ()  # every member's outlet (copies' too), as the reader names it
    lean_keys: frozenset[str] = frozenset()  # casefolded, for the filters
    country_keys: frozenset[str] = frozenset()
    latest: BriefVersion | None = None  # the latest stored brief (no text): what changed

    def update(self) -> dict[str, Any] | None:
        """The latest stored brief as the list shows it (``brief_diff.version_update``);
        None before the story's first brief."""
        v = self.latest
        return None if v is None else version_update(v.version, v.created, v.changes)

    @property
    def sources(self) -> int:
        return int(self.coverage["sources"])

    def summary(self) -> dict[str, Any]:
        """The list item of the API (``story_summary``'s fields, plus sources and coverage)."""
        cov = self.coverage
        return {
            "id": self.id, "headline": self.headline, "first_published": self.first_published,
            "last_published": self.last_published, "updated_at": self.updated_at,
            "articles": self.articles, "outlets": list(self.outlets),
            "sources": self.sources,
            "coverage": {k: cov[k] for k in ("lean", "country", "owner", "blindspot")},
            "latest_version": self.update(),
        }


@dataclass(frozen=True)
class ListQuery:
    """What the reader asked for; values already validated (see ``serve``)."""

    sort: str = "updated"
    q: str | None = None
    outlet: str | None = None
    lean: str | None = None
    country: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    language: str | None = None
    limit: int = 50
    offset: int = 0

    def params(self, **change: Any) -> dict[str, str]:
        """The query string that asks for this again (defaults left out), with ``change``."""
        values = {"sort": self.sort, "q": self.q, "outlet": self.outlet, "lean": self.lean,
                  "country": self.country, "from": self.date_from, "to": self.date_to,
                  "language": self.language} | change
        return {k: str(v) for k, v in values.items()
                if v not in (None, "") and not (k == "sort" and v == "updated")}


@dataclass
class Catalog:
    entries: list[Entry]
    matcher: OutletMatcher
    has_language: bool  # articles carry a language column (else all count as "en")
    _orders: dict[str, list[Entry]] = field(default_factory=dict)
    _hits: OrderedDict[tuple[Any, ...], list[Entry]] = field(default_factory=OrderedDict)
    _memo: dict[str, OrderedDict[tuple[Any, ...], Any]] = field(
        default_factory=lambda: {pool: OrderedDict() for pool in MEMO_SIZES})
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # search word(s) -> ids of the matching stories, as the store answered for this catalog
    _matching: OrderedDict[str, frozenset[str]] = field(default_factory=OrderedDict)
    # what this catalog shares with the catalogs it was updated from and into, and its place
    # among them (``Lineage``): answers are carried over, the changed stories redone
    lineage: Lineage | None = None
    generation: int = 0
    _by_id: dict[str, Entry] | None = None

    def __post_init__(self) -> None:
        if self.lineage is None:
            self.lineage = Lineage()
            self.generation = self.lineage.generation

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its data (the server's job process builds it): caches start empty."""
        return (Catalog, (self.entries, self.matcher, self.has_language))

    def entry(self, story_id: str) -> Entry | None:
        """The story's entry (None: not in the list)."""
        by_id = self._by_id
        if by_id is None:
            by_id = self._by_id = {e.id: e for e in self.entries}
        return by_id.get(story_id)

    @property
    def outlet_names(self) -> list[str]:
        return self.memo(("outlet names",), lambda: sorted(
            {n for e in self.entries for n in e.outlets}, key=str.casefold), "small")

    def page_keys(self) -> list[tuple[Any, ...]]:
        """The keys of the renderings this catalog holds, least recently used first."""
        with self._lock:
            return list(self._memo["pages"])

    def cached(self, key: tuple[Any, ...], pool: str = "pages") -> Any | None:
        """What ``memo`` holds for ``key``, without making it (None if nothing)."""
        with self._lock:
            return self._memo[pool].get(key)

    def memo(self, key: tuple[Any, ...], make: Callable[[], Any], pool: str = "pages") -> Any:
        """``make()`` once per key for this catalog (an LRU per ``pool``, see
        ``MEMO_SIZES``): what is derived from one store version (a rendered list page) stays
        right until the store changes, and then a new catalog starts empty."""
        memo = self._memo[pool]
        with self._lock:
            if key in memo:
                memo.move_to_end(key)
                return memo[key]
        value = make()
        with self._lock:
            memo[key] = value
            while len(memo) > MEMO_SIZES[pool]:
                memo.popitem(last=False)
        return value

    def select(self, query: ListQuery,
               search: Callable[[str], set[str]] | None = None) -> tuple[int, list[Entry]]:
        """(total matching, the page asked for). ``search(q)``: the ids of stories whose
        articles contain the words of ``q`` (the store's full-text search), asked only when
        the query has words and its answer is not cached yet."""
        hits = self._hits_for(_select_key(query), search)
        return len(hits), hits[query.offset: query.offset + query.limit]

    def view(self, key: tuple[Any, ...], query: ListQuery,
             search: Callable[..., set[str]] | None, make: Callable[[], Any],
             depends: Any = None) -> Any:
        """``memo(key, make)`` for a rendering of ``query``'s answer (a list page, an API
        answer) that depends on nothing but that answer and ``depends``: an earlier catalog
        of the lineage's rendering is reused when this catalog's answer is the very same list
        (no story the updates since changed is in it or joins it) and ``depends`` is equal.
        After a write, the searches and filters it did not touch are not rendered again."""
        got = self.cached(key)
        if got is not None:
            return got
        hits = self._hits_for(_select_key(query), search)
        assert self.lineage is not None
        kept = self.lineage.view(key, hits, depends)
        if kept is not None:
            return self.memo(key, lambda: kept)
        value = self.memo(key, make)
        self.lineage.keep_view(key, self.generation, hits, depends, value)
        return value

    def _hits_for(self, key: tuple[Any, ...],
                  search: Callable[[str], set[str]] | None) -> list[Entry]:
        """The filtered, sorted entries of a ``select`` key, cached. A date range is applied
        to the cached answer without it (dates vary the most between requests, so each new
        range filters the few stories the other filters let through, not all of them)."""
        with self._lock:
            hits = self._hits.get(key)
            if hits is not None:
                self._hits.move_to_end(key)
                return hits
        date_from, date_to = key[5], key[6]
        if date_from or date_to:
            base = self._hits_for((*key[:5], None, None, *key[7:]), search)
            hits = [e for e in base if _in_range(e, date_from, date_to)]
        else:
            q = key[1]
            matching = self._match(q, search) if q and search is not None else None
            hits = self._carried_hits(key, matching)
            if hits is None:
                hits = [e for e in self._ordered(key[0]) if _keep(e, key, matching)]
            assert self.lineage is not None
            self.lineage.keep_hits(key, self.generation, hits)
        with self._lock:  # one catalog = one store version: a result stays right
            self._hits[key] = hits
            while len(self._hits) > HITS_CACHED:
                self._hits.popitem(last=False)
        return hits

    def _match(self, q: str, search: Callable[..., set[str]]) -> frozenset[str]:
        """The stories matching search ``q``: asked of ``search`` once per catalog, and of
        an updated catalog only for the stories changed since a catalog it came from
        answered it (``Lineage.matching``)."""
        with self._lock:
            got = self._matching.get(q)
        if got is not None:
            return got
        assert self.lineage is not None
        got = self.lineage.matching(q, self.generation, search)
        with self._lock:
            self._matching[q] = got
            while len(self._matching) > HITS_CACHED:
                self._matching.popitem(last=False)
        return got

    def _ordered(self, sort: str) -> list[Entry]:
        """Every entry in ``sort`` order: once per catalog, and carried over from an earlier
        catalog of the lineage when one had it (a filter keeps the order)."""
        ordered = self._orders.get(sort)
        if ordered is None:
            ordered = self._carried_hits(_unfiltered(sort), None)
            if ordered is None:
                ordered = list(self.entries)
                sort_entries(ordered, sort)
            assert self.lineage is not None
            self.lineage.keep_hits(_unfiltered(sort), self.generation, ordered)
            self._orders[sort] = ordered
        return ordered

    def _carried_hits(self, key: tuple[Any, ...], matching: frozenset[str] | None
                      ) -> list[Entry] | None:
        """The answer to ``key`` (no date range) made from the one an earlier catalog of the
        lineage gave: the stories changed since are taken out and, where they pass the
        filters now, put back at their place in the order (a binary search each), so a write
        that changed a few stories costs those few, not a sort of the whole list. None: no
        earlier answer to start from."""
        assert self.lineage is not None
        carried = self.lineage.hits(key, self.generation)
        if carried is None:
            return None
        old, changed, was = carried
        if not changed:
            return old
        order = order_key(key[0])
        hits: list[Entry] | None = None  # a copy of ``old``, made at the first change
        for sid in sorted(changed):
            # each changed story's entry as ``old`` holds it (if it does) is found by its
            # place in the order: no pass over the whole list
            before = was.get(sid)
            if before is None:
                continue
            current = old if hits is None else hits
            i = bisect.bisect_left(current, order(before), key=order)
            if i < len(current) and current[i] is before:
                if hits is None:
                    hits = list(old)
                del hits[i]
        for sid in sorted(changed):
            e = self.entry(sid)
            if e is not None and _keep(e, key, matching):
                if hits is None:
                    hits = list(old)
                hits.insert(bisect.bisect_left(hits, order(e), key=order), e)
        # untouched by the changes: the very same list, so what was rendered from it stays
        return old if hits is None else hits


def outlet_key(name: str) -> str:
    """An outlet name as the filter compares it: casefolded, without what a page never shows
    (a name holding direction overrides is offered without them, and the name offered found
    nothing)."""
    return displayable(name).casefold()


def _select_key(query: ListQuery) -> tuple[Any, ...]:
    """What a ``select`` answer depends on, apart from paging (filters casefolded)."""
    return (query.sort, query.q, query.outlet and outlet_key(query.outlet),
            query.lean and query.lean.casefold(), query.country and query.country.casefold(),
            query.date_from, query.date_to, query.language and query.language.casefold())


def _unfiltered(sort: str) -> tuple[Any, ...]:
    """The ``select`` key of the whole list in ``sort`` order."""
    return (sort, None, None, None, None, None, None, None)


#: catalog generations remembered (with the stories each changed), and so how many updates
#: back an answer can still be carried over from
GENERATIONS_KEPT = 256


class Lineage:
    """What a catalog shares with those it was updated from and into (``updated_catalog``):
    which stories each update changed, and the search answers and filtered, sorted lists
    that any of them gave, each with the generation it was made for. A later catalog makes
    its answer from the latest one by redoing only the stories changed since, so an answer
    nobody asked for during a few updates is not lost (the catalog before the one asked
    alone would not have it), and it is exactly what a fresh computation would give: every
    story that may answer differently has a change stamp since, and is redone."""

    def __init__(self) -> None:
        self.generation = 0
        self._lock = threading.Lock()
        # generation -> (the generation it was updated from, the stories changed between,
        # the entries those stories had in the generation it was updated from)
        self._parents: OrderedDict[int, tuple[int, frozenset[str], dict[str, Entry]]] = (
            OrderedDict())
        self._matching: OrderedDict[str, tuple[int, frozenset[str]]] = OrderedDict()
        self._hits: OrderedDict[tuple[Any, ...], tuple[int, list[Entry]]] = OrderedDict()
        # a rendering -> (generation, the answer list it was made from, its other
        # dependencies, the rendering)
        self._views: OrderedDict[tuple[Any, ...], tuple[int, list[Entry], Any, Any]] = (
            OrderedDict())

    def advance(self, parent: int, changed: Collection[str],
                replaced: dict[str, Entry] | None = None) -> int:
        """A new generation, updated from ``parent`` by re-reading ``changed``;
        ``replaced``: the entries the changed stories had in ``parent`` (a story without
        one had none)."""
        with self._lock:
            self.generation += 1
            self._parents[self.generation] = (parent, frozenset(changed), replaced or {})
            while len(self._parents) > GENERATIONS_KEPT:
                self._parents.popitem(last=False)
            return self.generation

    def changed_between(self, older: int, newer: int) -> frozenset[str] | None:
        """The stories changed from generation ``older`` to ``newer`` (None: ``older`` is
        not one ``newer`` came from, or too far back)."""
        was = self._entries_at(older, newer)
        return None if was is None else frozenset(was)

    def _entries_at(self, older: int, newer: int) -> dict[str, Entry | None] | None:
        """The stories changed from generation ``older`` to ``newer``, each with the entry
        it had in ``older`` (None: it had none), None as ``changed_between``."""
        out: dict[str, Entry | None] = {}
        with self._lock:
            g = newer
            while g != older:
                step = self._parents.get(g)
                if step is None or g < older:
                    return None
                g, changed, replaced = step
                # walking back: an earlier step's entry overwrites a later one's
                out.update((sid, replaced.get(sid)) for sid in changed)
        return out

    def matching(self, q: str, generation: int, search: Callable[..., set[str]]
                 ) -> frozenset[str]:
        """The stories matching search ``q`` for a catalog of ``generation``: the latest
        answer with the stories changed since it re-asked (``search(q, changed)``, none when
        nothing changed), else ``search(q)`` whole."""
        with self._lock:
            cached = self._matching.get(q)
        got = None
        if cached is not None:
            changed = self.changed_between(cached[0], generation)
            if changed is not None:
                got = cached[1] if not changed else frozenset(
                    (cached[1] - changed) | set(search(q, changed)))
        if got is None:
            got = frozenset(search(q))
        _keep_latest(self._lock, self._matching, q, generation, got)
        return got

    def rematch(self, generation: int,
                search_many: Callable[[list[str], Collection[str]], dict[str, set[str]]],
                latest: int) -> None:
        """Bring the ``latest`` search answers kept (the most recently used) to
        ``generation`` at once: ``search_many(queries, changed)`` asks every one of them for
        the stories changed since its answer in one call (the store matches them in one
        scratch index), where ``matching`` would ask each query apart."""
        with self._lock:
            kept = list(self._matching.items())[-latest:] if latest > 0 else []
        groups: dict[frozenset[str], list[tuple[str, frozenset[str]]]] = defaultdict(list)
        for q, (made, answer) in kept:
            changed = self.changed_between(made, generation)
            if changed:  # empty: already current; None: too far back, asked whole if needed
                groups[changed].append((q, answer))
        for changed, items in groups.items():
            found = search_many([q for q, _ in items], changed)
            for q, answer in items:
                _keep_latest(self._lock, self._matching, q, generation,
                             frozenset((answer - changed) | found.get(q, set())))

    def hits(self, key: tuple[Any, ...], generation: int
             ) -> tuple[list[Entry], frozenset[str], dict[str, Entry | None]] | None:
        """(the latest answer to ``key``, the stories changed since, the entry each of them
        had when that answer was made): None when none can be carried over to
        ``generation``."""
        with self._lock:
            cached = self._hits.get(key)
        if cached is None:
            return None
        was = self._entries_at(cached[0], generation)
        return None if was is None else (cached[1], frozenset(was), was)

    def keep_hits(self, key: tuple[Any, ...], generation: int, hits: list[Entry]) -> None:
        _keep_latest(self._lock, self._hits, key, generation, hits)

    def view(self, key: tuple[Any, ...], hits: list[Entry], depends: Any) -> Any | None:
        """The rendering kept for ``key`` if it was made from the list ``hits`` itself and
        the same ``depends`` (None otherwise)."""
        with self._lock:
            kept = self._views.get(key)
        if kept is None or kept[1] is not hits or kept[2] != depends:
            return None
        return kept[3]

    def keep_view(self, key: tuple[Any, ...], generation: int, hits: list[Entry],
                  depends: Any, value: Any) -> None:
        with self._lock:
            kept = self._views.get(key)
            if kept is None or kept[0] <= generation:
                self._views[key] = (generation, hits, depends, value)
            self._views.move_to_end(key)
            while len(self._views) > MEMO_SIZES["pages"]:
                self._views.popitem(last=False)


def _keep_latest(lock: threading.Lock, memo: OrderedDict[Any, tuple[int, Any]], key: Any,
                 generation: int, value: Any) -> None:
    """Remember ``value`` as ``key``'s answer for ``generation`` unless a later generation's
    is kept (a reader still on an older catalog must not push a newer answer out); an LRU
    of ``HITS_CACHED``."""
    with lock:
        kept = memo.get(key)
        if kept is None or kept[0] <= generation:
            memo[key] = (generation, value)
        memo.move_to_end(key)
        while len(memo) > HITS_CACHED:
            memo.popitem(last=False)


class _Desc:
    """A value whose order is reversed inside a sort key."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


def order_key(sort: str) -> Callable[[Entry], tuple[Any, ...]]:
    """A key whose ascending order is ``sort_entries``' order (a total order: ties end at
    the id), for placing one entry in a sorted list by binary search."""
    if sort == "updated":
        return lambda e: (_Desc((_newest(e.last_published), _newest(e.updated_at))), e.id)
    primary = {
        "first_published": lambda e: _newest(e.first_published),
        "sources": lambda e: e.sources,
        "articles": lambda e: e.articles,
        "changed": _changed,
    }[sort]
    return lambda e: (_Desc((primary(e), _newest(e.last_published), _newest(e.updated_at))),
                      e.id)


def _keep(e: Entry, key: tuple[Any, ...], matching: set[str] | None) -> bool:
    """Does ``e`` pass the filters of a ``select`` key (values casefolded there)?"""
    _, _, outlet, lean, country, date_from, date_to, language = key
    if matching is not None and e.id not in matching:
        return False
    if outlet and outlet not in e.outlet_keys:
        return False
    if lean and lean not in e.lean_keys:
        return False
    if country and country not in e.country_keys:
        return False
    if language and language not in e.languages:
        return False
    return _in_range(e, date_from, date_to)


def _in_range(e: Entry, date_from: str | None, date_to: str | None) -> bool:
    """The story overlaps [from, to]; an undated story is left out once a bound is given, and
    an empty window (from after to) holds nothing."""
    if date_from and date_to and date_from > date_to:
        return False
    if date_from and (e.last_published is None or e.last_published < date_from):
        return False
    return not (date_to and (
        e.first_published is None or e.first_published[: len(date_to)] > date_to))


def _newest(value: str | None) -> tuple[bool, str]:
    """A date as a key for a descending sort that puts missing dates last."""
    return (value is not None, value or "")


def sort_entries(entries: list[Entry], sort: str) -> None:
    """In place, by stable passes (last key first): ``updated`` latest article first,
    ``first_published`` newest start first, ``sources``/``articles`` most first, ``changed``
    latest stored brief first; ties by the
    latest article, then the store's last change, then id."""
    entries.sort(key=lambda e: e.id)
    entries.sort(key=lambda e: _newest(e.updated_at), reverse=True)
    if sort != "updated":
        entries.sort(key=lambda e: _newest(e.last_published), reverse=True)
    primary = {
        "updated": lambda e: _newest(e.last_published),
        "first_published": lambda e: _newest(e.first_published),
        "sources": lambda e: e.sources,
        "articles": lambda e: e.articles,
        "changed": _changed,
    }[sort]
    entries.sort(key=primary, reverse=True)


def _changed(e: Entry) -> tuple[bool, str]:
    """When the story's latest brief was stored (stories without one last): the order of
    ``sort=changed``, which a corrected report moves up though no new article came."""
    return _newest(e.latest.created if e.latest is not None else None)


def build_catalog(store: Any) -> Catalog:
    """Every story of ``store`` with its coverage (two reads, see ``Store.catalog_rows``)."""
    matcher = OutletMatcher(store.list_outlets())
    stories, rows = store.catalog_rows()
    latest = store.latest_briefs()
    has_language = any(r.language is not None for r in rows) or (
        "language" in store.article_columns())
    return Catalog(_entries(stories, rows, matcher, latest), matcher, has_language)


#: an update touching more stories than this share of the list rebuilds it whole
UPDATE_SHARE = 0.25
#: after an update, the searches most recently answered (at most this many) are asked again
#: for the changed stories in one call (``Lineage.rematch``); older ones when next asked
REMATCH_LATEST = 64


def updated_catalog(store: Any, old: Catalog, story_ids: Collection[str]) -> Catalog:
    """``old`` with the entries of ``story_ids`` read afresh (a removed story dropped, a new
    one added), the other entries shared: after a write that changed a few stories, this
    costs reading those, not the whole store (nor unpickling a whole new list). The outlet
    table must be unchanged since ``old`` was built (its matcher is kept)."""
    stories, rows = store.catalog_rows(story_ids)
    fresh = _entries(stories, rows, old.matcher, store.latest_briefs(story_ids))
    wanted = set(story_ids)
    kept = [e for e in old.entries if e.id not in wanted]
    replaced = {sid: e for sid in wanted if (e := old.entry(sid)) is not None}
    has_language = old.has_language or any(r.language is not None for r in rows)
    assert old.lineage is not None
    # the lineage carries the old catalog's search answers and sorted, filtered lists over:
    # the new one redoes only the ``story_ids`` for them, when first asked
    new = Catalog(kept + fresh, old.matcher, has_language, lineage=old.lineage,
                  generation=old.lineage.advance(old.generation, wanted, replaced))
    with old._lock:
        small = dict(old._memo["small"])
    # a story's list item depends on its entry alone, the lean colours on the matcher (kept)
    new._memo["small"].update(
        (k, v) for k, v in small.items()
        if (k[0] == "item" and k[1] not in wanted) or k == ("colours",))
    return new


def _entries(stories: Sequence[Any], rows: Iterable[Any], matcher: OutletMatcher,
             latest: dict[str, BriefVersion] | None = None) -> list[Entry]:
    """The list entries of ``stories`` from their member rows (``Store.catalog_rows``) and
    their latest briefs (``Store.latest_briefs``)."""
    members: dict[str, list[Member]] = defaultdict(list)
    languages: dict[str, set[str]] = defaultdict(set)
    keys: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        members[r.story_id].append(Member(r.article_id, r.url, r.outlet, r.published,
                                          r.duplicate_of))
        languages[r.story_id].add((r.language or DEFAULT_LANGUAGE).casefold())
        name = matcher.display_name(r.url, r.outlet)
        if name:
            keys[r.story_id].add(outlet_key(name))
            names[r.story_id].add(name)
        for key in matcher.aliases(r.url, r.outlet):  # its row's domain, URL's domain, name
            keys[r.story_id].add(key[2:])
    entries = []
    for s in stories:
        cov = story_coverage(members[s.id], matcher)
        entries.append(Entry(
            id=s.id, headline=s.headline, first_published=s.first_published,
            last_published=s.last_published, updated_at=s.updated_at,
            articles=len(members[s.id]), coverage=cov, outlet_keys=frozenset(keys[s.id]),
            languages=frozenset(languages[s.id]),
            outlets=tuple(sorted(names[s.id], key=str.casefold)),
            lean_keys=frozenset(k.casefold() for k in cov["lean"]),
            country_keys=frozenset(k.casefold() for k in cov["country"]),
            latest=(latest or {}).get(s.id)))
    return entries


class CatalogCache:
    """One catalog per store version: checked at most every ``ttl`` seconds (a change made by
    another process shows within that), rebuilt by one thread while the others wait for it."""

    def __init__(self, store: Any, ttl: float = 1.0,
                 building: Callable[[], AbstractContextManager[Any]] | None = None,
                 warm: Callable[[Catalog, Catalog], None] | None = None) -> None:
        self.store = store
        self.ttl = ttl
        # ``warm(old, new)``: run on a catalog updated in place before it replaces the old
        # one (the server renders there again what readers asked of the old one, so no reader
        # meets an empty cache after a write; they answer from the old list meanwhile)
        self.warm = warm
        # entered around building and installing a new catalog (the server: garbage collector)
        self.building = building or nullcontext
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._version: tuple[Any, ...] | None = None
        self._checked = 0.0
        # the largest story change stamp the catalog has seen (None: rebuild whole on a
        # change): on SQLite, where stamps grow in commit order, a change then re-reads only
        # the stories stamped since (``updated_catalog``)
        self._stamp: int | None = None
        self._stamped = getattr(store, "dialect", None) == "sqlite"

    def _mark(self) -> int | None:
        """The stamp to record for a catalog about to be read (read before it, so a change
        landing meanwhile is read again next time rather than missed)."""
        if not self._stamped:
            return None
        try:
            return int(self.store.latest_story_change())
        except Exception:  # noqa: BLE001 - a store without stamps: whole rebuilds
            self._stamped = False
            return None

    def _update(self, version: tuple[Any, ...]) -> bool:
        """Bring the catalog to ``version`` by re-reading only the stories stamped since it
        was read; False when that cannot be done (no stamps, the outlet table changed, too
        many stories changed): the caller rebuilds it whole."""
        old, version_was = self._catalog, self._version
        if (old is None or version_was is None or self._stamp is None
                or version[2:4] != version_was[2:4]):
            return False
        changes = self.store.story_changes(self._stamp)
        changed = {sid for sid, _seq in changes}
        if len(changed) > max(50, UPDATE_SHARE * len(old.entries)):
            return False
        stamp = max((seq for _sid, seq in changes), default=self._stamp)
        with self.building():
            new = updated_catalog(self.store, old, changed) if changed else old
            search_many = getattr(self.store, "matching_story_ids_many", None)
            if new is not old and search_many is not None:
                assert new.lineage is not None
                try:
                    new.lineage.rematch(new.generation, search_many, REMATCH_LATEST)
                except Exception as exc:  # noqa: BLE001 - each search is asked when needed
                    log.warning("re-asking the kept searches failed: %s", exc)
            if new is not old and self.warm is not None:
                try:
                    self.warm(old, new)
                except Exception as exc:  # noqa: BLE001 - readers make what is missing
                    log.warning("warming the updated story list failed: %s", exc)
            self._catalog = new
            self._version = version
        self._stamp = stamp
        return True

    @property
    def version(self) -> tuple[Any, ...] | None:
        """The store version the current catalog was built from."""
        return self._version

    def fresh(self) -> Catalog | None:
        """The catalog if it was checked against the store within ``ttl``, else None: lets a
        request answer from memory without a thread hop or a database read."""
        catalog = self._catalog
        if catalog is not None and time.monotonic() - self._checked < self.ttl:
            return catalog
        return None

    def checked_within(self, seconds: float) -> Catalog | None:
        """The catalog if it was checked against the store within ``seconds``, else None."""
        catalog = self._catalog
        if catalog is not None and self._version is not None and \
                time.monotonic() - self._checked < seconds:
            return catalog
        return None

    def latest(self) -> Catalog | None:
        """The catalog however long ago it was checked (None before the first build and after
        ``invalidate``): what readers answer from while one background check runs."""
        return self._catalog if self._version is not None else None

    def invalidate(self) -> None:
        self._checked = 0.0
        self._version = None

    def refresh(self, build: Callable[[], tuple[tuple[Any, ...], Catalog]] | None = None
                ) -> None:
        """Bring the catalog up to date in the calling thread (the server's background worker,
        after its own write), readers answering from the previous one meanwhile: unlike
        ``invalidate``, nobody waits for the rebuild, and an unchanged store costs one check.
        ``build()`` -> (version, catalog) builds it elsewhere (the server's job process, so
        the rebuild does not hold this process's GIL); it failing, it is built here."""
        with self._lock:
            version = self.store.catalog_version()
            if self._catalog is None or version != self._version:
                if self._update(version):
                    self._checked = time.monotonic()
                    return
                stamp = self._mark()
                with self.building():
                    catalog = None
                    if build is not None:
                        try:
                            version, catalog = build()
                        except Exception:  # noqa: BLE001 - built here instead, logged
                            log.exception("building the story list in the job process failed")
                    self._catalog = catalog or build_catalog(self.store)
                    self._version = version
                self._stamp = stamp
            self._checked = time.monotonic()

    @property
    def outlets_version(self) -> tuple[Any, ...] | None:
        """The outlet table's part of ``version``: what a story page's leans depend on."""
        return None if self._version is None else self._version[2:4]

    def get(self) -> Catalog:
        """The catalog of the store as it is now (within ``ttl``). While another thread
        rebuilds it after a change made elsewhere, the previous catalog is answered rather
        than making every reader wait; after ``invalidate`` (this server's own write) all
        wait for the new one."""
        catalog = self._catalog
        if catalog is not None and time.monotonic() - self._checked < self.ttl:
            return catalog
        if catalog is not None and self._version is not None:
            if not self._lock.acquire(blocking=False):
                return catalog  # a rebuild is under way
            self._lock.release()
        with self._lock:
            if self._catalog is not None and time.monotonic() - self._checked < self.ttl:
                return self._catalog
            version = self.store.catalog_version()
            if (self._catalog is None or version != self._version) and not self._update(
                    version):
                stamp = self._mark()
                with self.building():
                    self._catalog = build_catalog(self.store)
                    self._version = version
                self._stamp = stamp
            self._checked = time.monotonic()
            return self._catalog


# --------------------------------------------------------------------------- checks, CSV
def parse_day(value: str | None, name: str) -> str | None:
    """A ``from``/``to`` bound: YYYY-MM-DD (ValueError with a message otherwise)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{name} must be a date, YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} is not a real date: {value}") from None
    return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|")


def csv_cell(value: Any, clean: bool = True) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula (= + - @ |, tab, a
    line break) gets a leading apostrophe, so an outlet or headline can never run as a
    formula, and so does one that starts with an apostrophe before such a character (the
    reader takes one apostrophe off: every value reads back as written). ``clean``: without
    control characters (a listing shown in a terminal); an article export keeps its text."""
    if value is None:
        return ""
    if isinstance(value, bool):  # as JSON writes it, not Python's True/False
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = strip_control(str(value)) if clean else str(value)
    guard = text.startswith(_FORMULA_START) or (
        text[:1] == "'" and text[1:].startswith(_FORMULA_START))
    return "'" + text if guard else text


def csv_line(cells: Sequence[str]) -> str:
    """One CSV row ending in a newline, every cell holding a line break quoted: Python's
    writer quotes only the characters of its line terminator, and left a lone carriage
    return bare, which a reader takes for the end of the row."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()[:-2] + "\n"


def _counts(counts: dict[str, int]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in counts.items())


def entries_csv(entries: Iterable[Entry]) -> Iterable[str]:
    """The stories as CSV text, a header then a line per story (streams)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")

    def flush() -> str:
        out = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return out

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for e in entries:
        cov, update = e.coverage, e.update()
        row: Sequence[Any] = (
            e.id, e.headline, e.first_published, e.last_published, e.updated_at, e.articles,
            e.sources, "; ".join(e.outlets), _counts(cov["lean"]), _counts(cov["country"]),
            cov["blindspot"], update and update["version"], update and update["created"],
            update and update["line"],
        )
        writer.writerow([csv_cell(v) for v in row])
        yield flush()
