"""benchmarks/fuzz.py: its random inputs are reproducible and grow with --per-category, and
a tiny real run counts what the CLI did (exit codes, good records kept, CPU time)."""

from __future__ import annotations

import random

from benchmarks import fuzz


def test_random_mutations_are_reproducible_and_sized() -> None:
    first = list(fuzz._random_lines(random.Random(3), 30))
    again = list(fuzz._random_lines(random.Random(3), 30))
    assert first == again and len(first) == 30
    assert all(cat == "random-mutation" and "\n" not in line for cat, _n, line in first)
    assert len({line for *_x, line in first}) == 30  # 30 different inputs
    assert all(fuzz.GOOD_ID not in line for *_x, line in first)  # the good record stays apart


def test_summary_counts_each_outcome() -> None:
    def outcome(code: int | None, **kw: object) -> fuzz.Outcome:
        base = {"command": "ingest", "category": "c", "name": "n", "exit_code": code,
                "traceback": False, "one_line_errors": True, "good_kept": True,
                "seconds": 1.0, "cpu_seconds": 0.5, "peak_mb": 50.0, "hang": False}
        return fuzz.Outcome(**{**base, **kw})

    table = fuzz.summarize([outcome(2), outcome(0, peak_mb=80.0), outcome(1, traceback=True),
                            outcome(None, hang=True, seconds=60.0, cpu_seconds=59.0),
                            outcome(2, good_kept=False, one_line_errors=False)])
    row = table["ingest"]
    assert row["inputs"] == 5 and row["exit_2"] == 2 and row["exit_0"] == 1
    assert row["other_exit"] == 2 and row["tracebacks"] == 1 and row["hangs"] == 1
    assert row["good_record_lost"] == 1 and row["multi_line_or_stray_stderr"] == 1
    assert row["peak_mb"] == 80.0 and row["max_seconds"] == 60.0
    assert row["max_cpu_seconds"] == 59.0


def test_tiny_run_through_the_cli() -> None:
    outcomes = fuzz.run(1, 120.0, {"ingest"}, {"nan"})
    (one,) = outcomes  # the article file with a NaN line between two good records
    assert one.exit_code == 2 and not one.traceback and one.one_line_errors
    assert one.good_kept is True and not one.hang and one.cpu_seconds > 0


def test_file_mutations_cover_every_format_reproducibly(tmp_path) -> None:
    def made(folder: str) -> list[tuple[str, bytes]]:
        (tmp_path / folder).mkdir()
        return [(c.name, c.path.read_bytes())
                for c in fuzz._mutated_files(tmp_path / folder, random.Random(5), 2)]

    first = made("a")
    assert first == made("b") and len(first) == 2 * len(fuzz._FORMATS)
    assert {name.split("-", 1)[1] for name, _ in first} == set(fuzz._FORMATS)


def test_mutated_files_through_ingest_are_one_line_each() -> None:
    """Every format's random edit through the CLI: no traceback, stray line or hang (a
    Markdown file with a control character ended the whole ingest before stop 61)."""
    outcomes = fuzz.run(1, 120.0, {"ingest"}, {"file-mutation"}, seed=3)
    assert len(outcomes) == len(fuzz._FORMATS)
    assert not [o for o in outcomes if o.traceback or not o.one_line_errors or o.hang
                or o.exit_code not in (0, 2)]
