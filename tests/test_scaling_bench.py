"""The scaling benchmark runs end to end at a tiny size and prints one row per path."""

from __future__ import annotations

from benchmarks import scaling


def test_scaling_prints_a_row_per_path(capsys) -> None:
    assert scaling.main(["--scale", "0.002", "--no-write"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines()
            if line.startswith("| ") and not line.startswith("| path")]
    assert len(rows) == 2 * len(scaling.CASES)  # as found, then in the section
    assert {row.split(" | ")[0][2:] for row in rows} == {name for name, *_ in scaling.CASES}
