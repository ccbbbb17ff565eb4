"""The big-story benchmark runs end to end on a tiny wire story, and a second run shows the
first one's figures beside its own."""

from __future__ import annotations

from benchmarks import big_story


def test_big_story_shows_a_run_beside_another(capsys, tmp_path) -> None:
    first = tmp_path / "first.json"
    assert big_story.main(["--copies", "3", "--stories", "0", "--no-write",
                           "--json", str(first), "--label", "before"]) == 0
    assert big_story.main(["--copies", "3", "--stories", "0", "--no-write",
                           "--compare", str(first), "--label", "after"]) == 0
    rows = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("| wire story")]
    assert any("| before | 3 |" in ln for ln in rows)
    assert any("| after | 3 |" in ln for ln in rows)
