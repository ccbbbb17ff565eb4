"""Speed of weaving the founding example: in-process once models are loaded, and the whole
`newsweave weave examples/sessions-2017` command (start-up and model loading included).

    python benchmarks/example_speed.py [--runs N] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402

EXAMPLE = ROOT / "examples" / "sessions-2017"


def in_process(runs: int) -> tuple[float, list[float]]:
    from newsweave.analyze import get_nlp
    from newsweave.embed import get_embedder
    from newsweave.ingest import read_articles
    from newsweave.weave import weave_articles

    start = time.perf_counter()
    get_nlp()
    get_embedder()
    load = time.perf_counter() - start
    articles = read_articles([EXAMPLE])
    weave_articles(articles)  # first call warms caches (imports, lazy tables)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        weave_articles(articles)
        times.append(time.perf_counter() - t)
    return load, times


def command(runs: int) -> list[float]:
    exe = Path(sys.executable).with_name("newsweave")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([str(exe), "weave", str(EXAMPLE)], check=True, capture_output=True,
                       env={**os.environ, "HF_HUB_OFFLINE": "1"})
        times.append(time.perf_counter() - t)
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    load, weave = in_process(args.runs)
    cmd = command(args.runs)
    load_avg = os.getloadavg()[0]
    lines = [
        "## Weaving the example (`benchmarks/example_speed.py`)", "",
        f"`python benchmarks/example_speed.py --runs {args.runs}` on {os.cpu_count()} cores "
        f"(1-minute load average {load_avg:.1f} at the end). Full brief: summary, quotes, "
        "entities, timeline, coverage.", "",
        "| what | median s | min s | max s |", "|---|---:|---:|---:|",
        f"| model loading (spaCy + MiniLM), once per process | {load:.2f} | | |",
        f"| weave 3 articles, models loaded | {statistics.median(weave):.3f} | {min(weave):.3f} "
        f"| {max(weave):.3f} |",
        f"| whole `newsweave weave examples/sessions-2017` command | {statistics.median(cmd):.2f} "
        f"| {min(cmd):.2f} | {max(cmd):.2f} |",
        "", "Targets (issue 2): under 1 s once models are loaded; the command under 6 s.",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("example-speed", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
