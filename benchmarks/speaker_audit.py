"""Who a brief lists as speakers: weave a sample of the MDS dev clusters and sort the
confident quotes (not ``low_confidence``) by what ``quotes.is_agent`` says of their speaker.

Issue 15 asks that every listed speaker be a person, a group, an organisation or a described
source, never a thing. PolNeAR cannot measure that (it counts documents and polls as
sources), so this audit reads the system's own briefs: a speaker ``is_agent`` is unsure of
(None) is shown although nothing says it can speak; False should never be shown. The
references are never read. The unsure ones are listed for a reader to judge.

Usage: ``python benchmarks/speaker_audit.py [--every 4] [--datasets multinews duc2006 ...]
[--no-write]`` (every 4th cluster of each set, about 4 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import write_section
from benchmarks.mds import DATASETS, MDS, _to_cluster
from benchmarks.rouge_eval import load_clusters


def audit(name: str, every: int) -> tuple[int, Counter, Counter]:
    """(clusters woven, confident quotes by is_agent verdict, unsure speakers) of one set."""
    from newsweave.quotes import is_agent
    from newsweave.weave import weave_articles

    clusters = load_clusters(MDS / DATASETS[name].file)[::every]
    verdicts: Counter = Counter()
    unsure: Counter = Counter()
    for raw in clusters:
        articles = [a for a in _to_cluster(raw).articles if a.text.strip()]
        for quote in weave_articles(articles).quotes:
            if quote.low_confidence:
                continue
            verdict = is_agent(quote.speaker)
            verdicts[verdict] += 1
            if verdict is None:
                unsure[quote.speaker] += 1
    return len(clusters), verdicts, unsure


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", nargs="+", default=["multinews", "duc2006", "duc2003",
                                                      "tac2011"], choices=sorted(DATASETS))
    ap.add_argument("--every", type=int, default=4, help="weave every Nth cluster")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    cmd = " ".join(["python benchmarks/speaker_audit.py",
                    *map(shlex.quote, sys.argv[1:] if argv is None else argv)])
    rows, notes = [], []
    started = time.perf_counter()
    for name in args.datasets:
        n, verdicts, unsure = audit(name, args.every)
        shown = sum(verdicts.values())
        rows.append(f"| {DATASETS[name].title} | {n} | {shown} | {verdicts[True]} | "
                    f"{verdicts[None]} | {verdicts[False]} |")
        listed = ", ".join(f"{s!r}" + (f" ({c})" if c > 1 else "")
                           for s, c in unsure.most_common())
        notes.append(f"- {DATASETS[name].title}: {listed or 'none'}")
        print(rows[-1], flush=True)
    text = (
        "## Who briefs list as speakers (`benchmarks/speaker_audit.py`)\n\n"
        f"Command: `{cmd}` ({time.perf_counter() - started:.0f} s). Every "
        f"{args.every}th cluster of each MDS dev set woven whole (`weave_articles`); the "
        "confident quotes (not `low_confidence`) counted by what `quotes.is_agent` says of the "
        "speaker: *sure* (a name, a person, a body of people), *unsure* (shown, though nothing "
        "says it can speak), *not an agent* (should never be shown). References are never "
        "read.\n\n"
        "| dataset | clusters | confident quotes | sure | unsure | not an agent |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\nUnsure speakers shown:\n\n"
        + "\n".join(notes) + "\n"
    )
    print(text)
    if not args.no_write:
        write_section("speaker_audit", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
