"""The follower's fuzz harness runs, counts every case, and finds nothing on a small run: a
regression of the bugs it found (feeds lost to a character reference, a bad link or
undecodable bytes) fails here."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fuzz_follow import run, summarize  # noqa: E402


def test_a_small_run_counts_every_case_and_finds_nothing(capsys):
    # seed 10 caught a bug on the code before stop 61 (cases shift a little with the port)
    outcomes = run(per=8, hang=60.0, seed=10)
    table = summarize(outcomes)
    assert {k: v["inputs"] for k, v in table.items()} == {
        "feed": 8, "sitemap": 8, "plain-sitemap": 8, "index": 8, "page": 8, "headers": 8,
        "pause": 8, "robots": 8}
    assert not [o for o in outcomes if o.raised or o.caught_bugs or o.stray_lines or o.hang
                or o.good_kept is False]
    assert all(o.good_kept for o in outcomes if o.category == "page")
    assert table["page"]["stored something"] == 8
