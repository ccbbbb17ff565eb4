"""Outlets: the user's own table of news outlets (domain, name, lean, country, owner), how an
article finds its outlet, and who covers a story.

newsweave ships the mechanism, not ratings: ``lean`` is free text from the user's CSV. An
article maps to an outlet by its URL's registered domain (``www.bbc.co.uk/news/...`` ->
``bbc.co.uk``, by the public-suffix list bundled with the ``tld`` package, never fetched),
else by its outlet name. Coverage counts *independent sources*: syndicated copies fold onto
the article they copy (the store's ``duplicate_of`` flags, as the weave counts origins), and
several original reports of one outlet count once.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsweave.charsets import user_text
from newsweave.errors import InputError
from newsweave.render import strip_control

COLUMNS = ("domain", "name", "lean", "country", "owner")
MAX_FIELD = 300  # longest outlet field kept (a name, an owner): longer is a broken file
#: A blindspot needs this many independent sources with a known side, so one or two reports
#: never make one.
BLINDSPOT_MIN_SOURCES = 3
#: ... and the side's share of them must be at most this ("no or almost no coverage").
BLINDSPOT_MAX_SHARE = 0.1
UNRATED = "unrated"  # the lean bucket of sources with no outlet row (or no lean in it)


@dataclass(frozen=True)
class Outlet:
    domain: str
    name: str
    lean: str | None = None
    country: str | None = None
    owner: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"domain": self.domain, "name": self.name, "lean": self.lean,
                "country": self.country, "owner": self.owner}


# --------------------------------------------------------------------------- domains
#: a host name's label in ASCII (after IDNA): letters, digits, inner hyphens
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


@lru_cache(maxsize=65536)
def _host_domain(host: str) -> str | None:
    """``host``'s registered domain in ASCII (``bücher.de`` as ``xn--bcher-kva.de``, as
    HTTP and feeds deliver it), or None for what is no host name ("foo bar.com", "-x-.com",
    two hosts in one value) or a public suffix itself ("com", "co.uk")."""
    from tld import get_fld, is_tld

    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    try:
        domain = get_fld(ascii_host, fix_protocol=True, fail_silently=True)
        return None if not domain or is_tld(domain) else domain
    except Exception:  # tld raises its own errors for odd hosts; treat them as "no domain"
        return None


def registered_domain(url: str | None) -> str | None:
    """The registrable domain of a URL (``https://news.bbc.co.uk/x`` -> ``bbc.co.uk``);
    None for no URL, an IP address or a host outside the public-suffix list."""
    if not url:
        return None
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        host = (urlsplit(text).hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if not host or re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):
        return None
    return _host_domain(host)


# --------------------------------------------------------------------------- the CSV
def _clean(value: str | None) -> str | None:
    """A cell as stored: one Unicode form (NFC, so "Süddeutsche" typed either way is one
    name), without control characters or direction overrides (a name shown in a terminal or
    a page must not recolour or reverse it), and without the apostrophe ``outlets list
    --format csv`` puts before a leading ``= + - @`` to keep spreadsheets from running it as
    a formula, so a listed table imports back unchanged."""
    value = strip_control(unicodedata.normalize("NFC", value or "")).strip()
    if value[:1] == "'" and (value[1:2] in ("=", "+", "-", "@", "|") or (
            value[1:2] == "'" and value[2:3] in ("=", "+", "-", "@", "|"))):
        value = value[1:]
    return value or None


def _delimiter(text: str) -> str:
    """The CSV's delimiter: a comma, unless the header names every column only when split at
    semicolons or tabs (what a spreadsheet saves as "CSV" where the comma is the decimal
    mark)."""
    first = text.split("\n", 1)[0]
    for delimiter in (",", ";", "\t"):
        names = {h.strip().strip('"').lower() for h in first.split(delimiter)}
        if names >= set(COLUMNS):
            return delimiter
    return ","


def read_outlets_csv(path: str | Path) -> list[Outlet]:
    """Every row of an outlets CSV (header ``domain,name,lean,country,owner``, any order,
    extra columns ignored), validated whole before anything is stored: an error names the
    file and line (missing column, bad encoding, broken row, duplicate domain)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or "cannot read", path) from None
    text = user_text(data, path, "save the CSV as UTF-8")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError("a NUL byte: not a CSV file", path, line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"bad CSV: {exc}", path, 1) from None
    if not header or not any(h.strip() for h in header):
        raise InputError(f"empty: expected the header {','.join(COLUMNS)}", path, 1)
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} (the header needs "
                         f"{','.join(COLUMNS)})", path, 1)
    where = {c: names.index(c) for c in COLUMNS}
    outlets: list[Outlet] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InputError(f"{len(row)} fields, the header has {len(header)}", path, start)
            values = {c: _clean(row[i]) for c, i in where.items()}
            for c, v in values.items():
                if v is not None and len(v) > MAX_FIELD:
                    raise InputError(f"{c} is longer than {MAX_FIELD} characters", path, start)
            raw = values["domain"]
            if raw is None:
                raise InputError("domain is empty", path, start)
            domain = registered_domain(raw)
            if domain is None:
                raise InputError(f"not a domain: {raw!r}", path, start)
            if values["name"] is None:
                raise InputError(f"name is empty for {domain}", path, start)
            if domain in seen:
                raise InputError(f"duplicate domain {domain} (first on line {seen[domain]})",
                                 path, start)
            seen[domain] = start
            outlets.append(Outlet(domain, values["name"], values["lean"], values["country"],
                                  values["owner"]))
    except csv.Error as exc:
        raise InputError(f"bad CSV: {exc}", path, line + 1) from None
    return outlets


# --------------------------------------------------------------------------- matching
def name_key(name: str) -> str:
    """An outlet name as names are compared: one Unicode form, any case."""
    return unicodedata.normalize("NFC", name).strip().casefold()


class OutletMatcher:
    """Finds an article's outlet row: by its URL's registered domain, else by its outlet name
    (case-insensitive), else none."""

    def __init__(self, outlets: Iterable[Outlet]) -> None:
        self.outlets = list(outlets)
        self.by_domain = {o.domain: o for o in self.outlets}
        self.by_name: dict[str, Outlet] = {}
        for o in self.outlets:
            self.by_name.setdefault(name_key(o.name), o)
        leans = {o.lean for o in self.outlets if o.lean}
        self.sides = lean_sides(leans)
        rank = {"left": 0, "": 1, "right": 2}
        self.leans = sorted(leans, key=lambda x: (rank.get(self.sides[x], 3), x.casefold()))
        self.countries = sorted({o.country for o in self.outlets if o.country}, key=str.casefold)

    def match(self, url: str | None, outlet_name: str | None) -> Outlet | None:
        domain = registered_domain(url)
        if domain is not None and domain in self.by_domain:
            return self.by_domain[domain]
        if outlet_name:
            return self.by_name.get(name_key(outlet_name))
        return None

    def aliases(self, url: str | None, outlet_name: str | None) -> list[str]:
        """Every key an article's outlet is known by (its row's domain, its URL's registered
        domain, its own name): two articles sharing any of them are of one outlet, so an
        outlet missing from the table counts once whether an article gives its URL, its name
        or both."""
        keys = []
        outlet = self.match(url, outlet_name)
        if outlet is not None:  # rows of one name are one outlet (bbc.com and bbc.co.uk)
            keys += [f"d:{outlet.domain}", f"n:{name_key(outlet.name)}"]
        domain = registered_domain(url)
        if domain is not None:
            keys.append(f"d:{domain}")
        if outlet_name and outlet_name.strip():
            keys.append(f"n:{name_key(outlet_name)}")
        return list(dict.fromkeys(keys))

    def display_name(self, url: str | None, outlet_name: str | None) -> str | None:
        """What a reader calls the outlet: the table's name, else the article's own, else its
        URL's registered domain (a page read from a crawl or a URL list names no outlet)."""
        outlet = self.match(url, outlet_name)
        if outlet is not None:
            return outlet.name
        if outlet_name and outlet_name.strip():
            return outlet_name.strip()
        return registered_domain(url)


def same_outlet(sources: Sequence[tuple[str | None, str | None]],
                matcher: OutletMatcher | None = None) -> list[int]:
    """For (url, outlet name) pairs, an outlet number each: sources sharing any key an
    outlet is known by (``OutletMatcher.aliases``: a row's domain, a registered domain, a
    name), directly or through another, share it; a source with none is an outlet of its
    own. Without ``matcher`` no table is needed: what one outlet alone reports, and what
    outlets copy from each other, are told apart from what it repeats in its own reports."""
    matcher = matcher or OutletMatcher(())
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    keys = []
    for i, (url, name) in enumerate(sources):
        aliases = matcher.aliases(url, name) or [f"#{i}"]
        for other in aliases[1:]:
            parent[find(other)] = find(aliases[0])
        keys.append(aliases[0])
    numbers: dict[str, int] = {}
    return [numbers.setdefault(find(k), len(numbers)) for k in keys]


# --------------------------------------------------------------------------- coverage
def lean_side(lean: str, use_words: bool) -> str:
    """The side a lean counts for in the blindspot rule: with ``use_words`` a lean containing
    the word "left" ("lean left", "centre-left") is ``left``, "right" ``right``, anything else
    (center, mixed) no side (""); without, every lean is its own side."""
    if not use_words:
        return lean.casefold()
    words = set(re.findall(r"[a-z]+", lean.casefold()))
    if "left" in words and "right" not in words:
        return "left"
    if "right" in words and "left" not in words:
        return "right"
    return ""


def lean_sides(leans: Iterable[str]) -> dict[str, str]:
    """Lean -> side for a table's lean vocabulary (see ``lean_side``): by the words left and
    right when the table uses them, else each lean stands for itself."""
    leans = list(leans)
    use_words = any(lean_side(x, True) for x in leans)
    return {x: lean_side(x, use_words) for x in leans}


def blindspot(lean_counts: Mapping[str, int], sides: Mapping[str, str]) -> str | None:
    """The side a story's coverage (almost) misses while others carry it, or None.

    Independent sources with a lean are summed per side (``sides``: the table's leans ->
    side; leans of no side, such as center, are left out). With at least
    ``BLINDSPOT_MIN_SOURCES`` of them, a side of the table holding at most
    ``BLINDSPOT_MAX_SHARE`` of them is a blindspot, when it is the only such side (a story
    that two sides both miss names none)."""
    per_side: Counter[str] = Counter()
    for lean, n in lean_counts.items():
        side = sides.get(lean)
        if side:
            per_side[side] += n
    total = sum(per_side.values())
    if total < BLINDSPOT_MIN_SOURCES:
        return None
    all_sides = sorted({s for s in sides.values() if s})
    low = [s for s in all_sides if per_side[s] <= BLINDSPOT_MAX_SHARE * total]
    return low[0] if len(low) == 1 and len(all_sides) > 1 else None


@dataclass(frozen=True)
class Member:
    """What coverage needs of one article of a story."""

    id: str
    url: str | None
    outlet: str | None
    published: str | None
    duplicate_of: str | None = None


def fold_copies(members: Sequence[Member]) -> dict[str, str]:
    """Article id -> the id standing for its origin, as ``weave.resolve_copies`` decides:
    copy chains collapse to the first original; an original outside the story is stood in
    for by its earliest copy here."""
    present = {m.id for m in members}
    copies = {m.id: m.duplicate_of for m in members if m.duplicate_of}

    def root(aid: str) -> str:
        path = [aid]
        while (nxt := copies.get(path[-1])) is not None:
            if nxt in path:
                return min(path[path.index(nxt):])
            path.append(nxt)
        return path[-1]

    order = sorted(range(len(members)),
                   key=lambda i: (members[i].published is None, members[i].published or "", i))
    stand_in: dict[str, str] = {}
    head_of: dict[str, str] = {}
    for i in order:
        aid = members[i].id
        r = root(aid)
        head_of[aid] = r if r in present else stand_in.setdefault(r, aid)
    return head_of


def story_coverage(members: Sequence[Member], matcher: OutletMatcher) -> dict[str, Any]:
    """Who covers a story: independent sources (copies folded onto their origins, one per
    outlet) counted by lean, country and owner, plus the blindspot (see ``blindspot``).

    ``sources`` is their number; a source with no outlet row, or no lean in it, counts under
    ``lean["unrated"]``; ``outlets`` names the sources' outlets."""
    by_id = {m.id: m for m in members}
    head_of = fold_copies(members)
    heads = [by_id[h] for h in dict.fromkeys(head_of[m.id] for m in members)]
    # one outlet: every article sharing a domain or a name with another
    numbers = same_outlet([(m.url, m.outlet) for m in heads], matcher)
    seen: dict[int, Outlet | None] = {}
    names: dict[int, str] = {}
    for root, m in zip(numbers, heads, strict=True):
        outlet = matcher.match(m.url, m.outlet)
        if seen.get(root) is None:
            seen[root] = outlet
        name = matcher.display_name(m.url, m.outlet)
        if name and (root not in names or outlet is not None):
            names[root] = name
    lean: Counter[str] = Counter()
    country: Counter[str] = Counter()
    owner: Counter[str] = Counter()
    for outlet in seen.values():
        lean[outlet.lean if outlet and outlet.lean else UNRATED] += 1
        if outlet and outlet.country:
            country[outlet.country] += 1
        if outlet and outlet.owner:
            owner[outlet.owner] += 1
    rated = {k: v for k, v in lean.items() if k != UNRATED}
    return {
        "sources": len(seen),
        "lean": _ordered(lean, matcher.leans),
        "country": dict(sorted(country.items(), key=lambda kv: (-kv[1], kv[0]))),
        "owner": dict(sorted(owner.items(), key=lambda kv: (-kv[1], kv[0]))),
        "blindspot": blindspot(rated, matcher.sides),
        "outlets": sorted(set(names.values()), key=str.casefold),
    }


def _ordered(counts: Mapping[str, int], vocabulary: Sequence[str]) -> dict[str, int]:
    """Lean counts in the table's order (so charts keep one order), unrated last."""
    keys = [v for v in vocabulary if counts.get(v)]
    keys += sorted(k for k in counts if k not in keys and k != UNRATED)
    if counts.get(UNRATED):
        keys.append(UNRATED)
    return {k: counts[k] for k in keys}
