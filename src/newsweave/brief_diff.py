"""What one stored version of a story's brief adds over another, as a reader counts it.

Pure functions over the ``newsweave.brief/1`` JSON: the store counts each new version's
changes once, when it stores it (so a list of stories can say what changed in each without
reading two briefs per story), and the application layer lists the items themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

#: the kinds of change a reader counts, in the order a line names them: (key, one, many)
CHANGE_KINDS: tuple[tuple[str, str, str], ...] = (
    ("new_headline", "new headline", "new headlines"),
    ("new_sources", "new source", "new sources"),
    ("revised_sources", "revised source", "revised sources"),
    ("left_sources", "source moved to another story", "sources moved to other stories"),
    ("new_summary", "new summary sentence", "new summary sentences"),
    ("dropped_summary", "summary sentence dropped", "summary sentences dropped"),
    ("new_quotes", "new quote", "new quotes"),
    ("dropped_quotes", "quote dropped", "quotes dropped"),
    ("new_discrepancies", "new discrepancy", "new discrepancies"),
    ("dropped_discrepancies", "discrepancy resolved", "discrepancies resolved"),
    ("new_timeline", "new timeline entry", "new timeline entries"),
    ("dropped_timeline", "timeline entry dropped", "timeline entries dropped"),
)
_KNOWN = {key for key, _, _ in CHANGE_KINDS}


def parse_brief(value: str | None) -> dict[str, Any]:
    """A stored brief's JSON; an unreadable one (a damaged row) reads as empty."""
    try:
        brief = json.loads(value or "")
    except ValueError:
        return {}
    return brief if isinstance(brief, dict) else {}


def diff_briefs(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The items of ``new`` that ``old`` lacks, compared by what a reader sees (source ids,
    sentence text, quote speaker + text, discrepancy topic + claims, timeline date + text),
    the sources of ``old`` that ``new`` no longer has (``left_sources``), and the summary
    sentences, quotes and timeline entries it no longer shows (``dropped_*``): a corrected
    figure reads as the old sentence dropped and the new one added, not as a new fact."""

    def added(key: Callable[[dict[str, Any]], Any], old_items: Any, new_items: Any) -> list:
        seen = {key(i) for i in old_items or []}
        return [i for i in new_items or [] if key(i) not in seen]

    old_cov, new_cov = old.get("coverage") or {}, new.get("coverage") or {}

    def sentence(s: dict[str, Any]) -> Any:
        return s.get("text")

    def quote(q: dict[str, Any]) -> Any:
        return q.get("speaker"), q.get("text")

    def entry(t: dict[str, Any]) -> Any:
        return t.get("date"), t.get("text")

    def discrepancy(d: dict[str, Any]) -> Any:
        return d.get("topic"), tuple(c.get("text") for c in d.get("claims") or [])

    old_headline = (old.get("story") or {}).get("headline")
    new_headline = (new.get("story") or {}).get("headline")
    return {
        # the story's headline chosen again (its articles changed, or a corrected title)
        "new_headline": ([{"headline": new_headline, "was": old_headline}]
                         if old and new_headline and new_headline != old_headline else []),
        "new_sources": added(lambda s: s.get("id"), old.get("sources"), new.get("sources")),
        "left_sources": [dict(s) for s in added(lambda s: s.get("id"), new.get("sources"),
                                                old.get("sources"))],
        "new_summary": added(sentence, old.get("summary"), new.get("summary")),
        "dropped_summary": added(sentence, new.get("summary"), old.get("summary")),
        "new_quotes": added(quote, old.get("quotes"), new.get("quotes")),
        "dropped_quotes": added(quote, new.get("quotes"), old.get("quotes")),
        "new_discrepancies": added(discrepancy, old_cov.get("discrepancies"),
                                   new_cov.get("discrepancies")),
        # outlets that agree now (a correction), or the source that disagreed has left
        "dropped_discrepancies": added(discrepancy, new_cov.get("discrepancies"),
                                       old_cov.get("discrepancies")),
        "new_timeline": added(entry, old.get("timeline"), new.get("timeline")),
        "dropped_timeline": added(entry, new.get("timeline"), old.get("timeline")),
    }


def revised_sources(changes: Mapping[str, Any], new: Mapping[str, Any], revised: set[str]
                    ) -> list[dict[str, Any]]:
    """The sources of ``new`` whose text was stored again between the two versions
    (``revised``: the ids the store found, among the articles both versions were woven
    from), those new to the story left out: they count as new."""
    joined = {s.get("id") for s in changes.get("new_sources") or []}
    return [s for s in new.get("sources") or []
            if s.get("id") in revised and s.get("id") not in joined]


def change_counts(changes: Mapping[str, Any]) -> dict[str, int]:
    """How many items of each kind ``changes`` (``diff_briefs`` plus ``revised_sources``)
    holds, the kinds with none left out."""
    return {key: len(changes.get(key) or []) for key, _, _ in CHANGE_KINDS
            if changes.get(key)}


def counts_line(counts: Mapping[str, int]) -> str:
    """"2 new sources, 1 new discrepancy" (empty when nothing a reader counts changed)."""
    parts = []
    for key, one, many in CHANGE_KINDS:
        n = int(counts.get(key) or 0)
        if n > 0:
            parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def changes_line(changes: Mapping[str, Any]) -> str:
    """``counts_line`` of the items in ``changes``."""
    return counts_line(change_counts(changes))


def dump_counts(counts: Mapping[str, int]) -> str:
    """The stored form of ``change_counts`` (compact JSON, kinds in a fixed order)."""
    return json.dumps({k: int(v) for k, v in counts.items() if k in _KNOWN and v},
                      separators=(",", ":"), sort_keys=True)


def load_counts(value: str | None) -> dict[str, int] | None:
    """A stored count of changes read back; None when none was stored (a version stored
    before counts were kept) or the value is damaged. Unknown kinds are dropped."""
    if not value:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return {k: v for k, v in data.items()
            if k in _KNOWN and isinstance(v, int) and not isinstance(v, bool) and v > 0}


def version_update(version: int, created: str, changes: Mapping[str, int] | None
                   ) -> dict[str, Any]:
    """A stored version as a list of stories shows its latest: ``version``, ``created``,
    ``changes`` (``change_counts``; None when stored before the counts were kept) and
    ``line``, the counts in words ("new story" for a first brief; empty when unknown)."""
    if version == 1:
        line = "new story"
    elif changes is None:
        line = ""
    else:
        line = counts_line(changes) or "woven again, nothing a reader counts changed"
    return {"version": version, "created": created,
            "changes": None if changes is None else dict(changes), "line": line}
