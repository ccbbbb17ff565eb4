"""The form and source-list fuzz harness runs, counts every case, and finds nothing on a small
run: a 5xx, unescaped markup, a broken error line or a lost article fails here."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fuzz_forms import failed, run_forms, run_sources, summarize  # noqa: E402


def test_a_small_run_counts_every_case_and_finds_nothing():
    outcomes = run_forms(per=3, hang=60.0, seed=10) + run_sources(per=6, hang=60.0, seed=10)
    table = summarize(outcomes)
    assert {k: v["inputs"] for k, v in table.items()} == {
        "upload": 27, "fields": 3, "filename": 3, "opml": 6, "url-list": 6}
    assert [o for o in outcomes if failed(o)] == []
    assert table["url-list"]["stored something"] == 6  # a bad line never loses the others
    assert sum(v["stored something"] for v in table.values()) > 0
