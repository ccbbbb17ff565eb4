"""The live-page benchmark's captures are what it says (one paragraph new each time) and its
timed requests all answer on this tree."""

from __future__ import annotations

from benchmarks import article_versions as bench


def test_each_capture_replaces_one_paragraph_and_keeps_the_length() -> None:
    texts = bench.captures(5, 300)
    assert len(set(texts)) == 5
    for before, after in zip(texts, texts[1:], strict=False):
        old, new = before.split("\n\n"), after.split("\n\n")
        assert len(old) == len(new) == 6
        assert sum(a != b for a, b in zip(old, new, strict=True)) == 1
    assert all(280 <= len(t.split()) <= 320 for t in texts)


def test_every_timed_request_answers() -> None:
    times = bench.child(4, 200, repeats=1)
    assert set(times) == set(bench.ENDPOINTS) and all(t > 0 for t in times.values())


def test_every_timed_story_request_answers() -> None:
    times = bench.story_child(3, repeats=1)
    assert set(times) == set(bench.STORY_ENDPOINTS) | set(bench.FEED_COLUMNS)
    assert all(t > 0 for t in times.values())
