"""What the different-figures rule of the summary's citations takes away, over the MDS dev sets.

Each cluster is analysed and summarised at its dataset's budget (as ``benchmarks/mds.py``
runs the summarizer; reference summaries are never read). For each summary sentence the
supporting sources are found twice: with the shipped rule (a sentence stating other counts or
amounts is no carrier, ``summary._disjoint``) and with it switched off. The table counts the
supporting citations each way; a seeded sample of the pairs the rule drops (the summary
sentence, the sentence no longer cited) is printed, to be read: the rule has no parameter to
tune, so what it drops is checked by reading, not scored.

    python benchmarks/citations.py [--datasets duc2003,duc2006,tac2011,multinews]
        [--limit N] [--sample 12] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import write_section  # noqa: E402
from benchmarks.mds import DATASETS, MDS, _to_cluster  # noqa: E402


def evidence_both_ways(documents: list[Any], chosen: Any) -> tuple[list[Any], list[Any]]:
    """The evidence (``Origin`` per cited source) of ``chosen`` with the rule and without."""
    from newsweave import summary

    ruled = summary.supporting_evidence(documents, chosen)
    shipped = summary._disjoint
    summary._disjoint = lambda _a, _b: False
    try:
        plain = summary.supporting_evidence(documents, chosen)
    finally:
        summary._disjoint = shipped
    return ruled, plain


def run_dataset(name: str, limit: int | None) -> dict[str, Any]:
    from newsweave.analyze import analyze
    from newsweave.settings import DEFAULT_SUMMARY
    from newsweave.summary import select

    spec = DATASETS[name]
    lines = (MDS / spec.file).read_text(encoding="utf-8").splitlines()
    raws = [json.loads(line) for line in lines if line.strip()][:limit]
    sentences = with_rule = without = 0
    dropped: list[tuple[str, str, str]] = []
    for raw in raws:
        cluster = _to_cluster(raw)
        documents = analyze(cluster.articles)
        texts = {d.article.id: d.article.text for d in documents}
        for chosen in select(documents, spec.words, None, None, DEFAULT_SUMMARY, None):
            ruled, plain = evidence_both_ways(documents, chosen)
            sentences += 1
            with_rule += len(ruled) - 1  # the sentence's own source is no support
            without += len(plain) - 1
            kept = {e.source for e in ruled}
            dropped += [(cluster.id, chosen.text, texts[e.source][e.start:e.end])
                        for e in plain if e.source not in kept]
    return {"dataset": spec.title, "clusters": len(raws), "sentences": sentences,
            "without": without, "with": with_rule, "dropped": dropped}


def render(rows: list[dict[str, Any]], sample: list[tuple[str, str, str]], cmd: str,
           seconds: float) -> str:
    out = [
        "## Citations: the different-figures rule (`benchmarks/citations.py`)", "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {seconds:.0f} s. "
        f"Command: `{cmd}`", "",
        "Supporting citations (sources other than a summary sentence's own) of the summaries "
        "the shipped settings pick, found with the rule that a sentence stating other counts "
        "or amounts (dates aside) carries no summary sentence, and without it. Summary "
        "selection does not change: citations are found after it.", "",
        "| dataset | clusters | summary sentences | citations without the rule | with it "
        "| dropped |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['dataset']} | {r['clusters']} | {r['sentences']} | {r['without']} | "
                   f"{r['with']} | {r['without'] - r['with']} |")
    total = sum(r["without"] - r["with"] for r in rows)
    out += ["", f"A seeded sample of {len(sample)} of the {total} dropped pairs, to read "
            "(summary sentence / the sentence of the source no longer cited, cut at 160 "
            "characters):", ""]
    for cid, chosen, carrier in sample:
        out.append(f"- {cid}: “{chosen[:160]}” / “{carrier[:160]}”")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="duc2003,duc2006,tac2011,multinews")
    parser.add_argument("--limit", type=int, default=None, help="clusters per dataset")
    parser.add_argument("--sample", type=int, default=12, help="dropped pairs to print")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = [run_dataset(name, args.limit) for name in args.datasets.split(",")]
    every = [pair for r in rows for pair in r["dropped"]]
    sample = random.Random(63).sample(every, min(args.sample, len(every)))
    cmd = "python benchmarks/citations.py" + (f" {' '.join(argv)}" if argv else "")
    text = render(rows, sample, cmd, time.perf_counter() - started)
    print(text)
    if not args.no_write:
        write_section("citations", text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
