"""Shared by the benchmark scripts: each one owns a marked section of RESULTS.md."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HEADER = (
    "# Benchmark results\n\n"
    "Each section is written by the script named in it; rerun the script to refresh it.\n"
)


def write_section(name: str, markdown: str, path: Path = RESULTS) -> None:
    """Replace (or append) the block between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    block = f"<!-- {name}:start -->\n{markdown.rstrip()}\n<!-- {name}:end -->"
    pattern = re.compile(
        rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S
    )
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else (
        text.rstrip() + "\n\n" + block + "\n"
    )
    path.write_text(text, encoding="utf-8")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
