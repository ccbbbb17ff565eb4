"""Counts as a reader reads them: "1 story", "2 stories", "0 articles"."""

from __future__ import annotations

#: nouns whose plural is not the noun plus "s"
_PLURALS = {"story": "stories", "entry": "entries", "copy": "copies", "duplicate copy":
            "duplicate copies", "near-duplicate copy": "near-duplicate copies",
            "failure": "failures", "bad file or record": "bad files or records"}


def count(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1."""
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {_PLURALS.get(noun, noun + 's')}"
