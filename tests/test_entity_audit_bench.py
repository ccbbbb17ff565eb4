"""The entity audit compares a story's entities with and without the report-maker rules, and
leaves the rules switched on after it."""

from __future__ import annotations

import newsweave.entities as entities
from benchmarks.entity_audit import compare
from newsweave.models import Article


def test_compare_shows_what_the_rules_drop() -> None:
    text = ("NEW YORK (Reuters) - Senator Chuck Schumer met Jeff Sessions in Washington on "
            "Thursday. (Reporting by Jane Roe; Editing by John Doe)")
    was, kept = compare([Article(id="a", text=text)])
    names = {n for n, _t in was} - {n for n, _t in kept}
    assert {"Jane Roe", "John Doe"} <= names
    assert "Jeff Sessions" in {n for n, _t in kept}
    assert entities.byline_spans(text)  # the rules are back on
