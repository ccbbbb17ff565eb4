"""The story-list benchmark's timed steps all run on this tree, and the briefs it stores
count what they add (so it times the counting it says it times)."""

from __future__ import annotations

import json

from benchmarks import story_list_updates as bench
from benchmarks.article_versions import reports


def test_every_timed_step_runs() -> None:
    times = bench.child(25, repeats=1)
    assert set(times) == set(bench.COLUMNS) and all(t > 0 for t in times.values())


def test_its_briefs_grow_from_version_to_version(tmp_path) -> None:
    from newsweave.store import open_store

    members = reports("t", 8)
    with open_store(tmp_path / "s.db") as store:
        store.add_articles(members)
        store.add_brief_version("s", [a.id for a in members[:4]], "f1",
                                bench.brief_json("s", members[:4], 1))
        second = store.add_brief_version("s", [a.id for a in members], "f2",
                                         bench.brief_json("s", members, 2))
    assert second.changes["new_sources"] == 4 and second.changes["new_quotes"] == 4
    assert len(json.loads(bench.brief_json("s", members, 2))["summary"]) == 6
