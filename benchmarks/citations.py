"""What the figure and discrepancy rules of the summary's citations take away, over the MDS
dev sets.

Each cluster is analysed and summarised at its dataset's budget (as ``benchmarks/mds.py``
runs the summarizer; reference summaries are never read). For each summary sentence the
supporting sources are found with the figure rules (a sentence stating other counts or
amounts, ``summary._disjoint``, or counting one thing differently, ``summary._recounted``, is
no carrier) and with them switched off; then the sources the brief's own discrepancies set
against the sentence are taken away (``coverage.contradicted_sources``, as ``weave`` does).
The table counts the supporting citations each way; a seeded sample of the pairs the rules
drop (the summary sentence, the sentence no longer cited) is printed, to be read: the rules
have no parameter to tune, so what they drop is checked by reading, not scored.

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
    """The evidence (``Origin`` per cited source) of ``chosen`` with the figure rules (other
    figures, one thing counted differently) and without them."""
    from newsweave import summary

    ruled = summary.supporting_evidence(documents, chosen)
    shipped = summary._disjoint, summary._recounted
    summary._disjoint = summary._recounted = lambda _a, _b: False
    try:
        plain = summary.supporting_evidence(documents, chosen)
    finally:
        summary._disjoint, summary._recounted = shipped
    return ruled, plain


def _discrepancies(documents: list[Any]) -> tuple[Any, ...]:
    """The brief's own discrepancies, as ``weave_documents`` finds them."""
    from newsweave.coverage import find_discrepancies
    from newsweave.entities import resolve_entities
    from newsweave.quotes import group_quotes

    entities, _mentions = resolve_entities(documents)
    return find_discrepancies(documents, entities, group_quotes(documents, entities))


def run_dataset(name: str, limit: int | None) -> dict[str, Any]:
    from newsweave.analyze import analyze
    from newsweave.coverage import contradicted_sources
    from newsweave.settings import DEFAULT_SUMMARY
    from newsweave.summary import select

    spec = DATASETS[name]
    lines = (MDS / spec.file).read_text(encoding="utf-8").splitlines()
    raws = [json.loads(line) for line in lines if line.strip()][:limit]
    sentences = with_rule = without = shipped = 0
    dropped: list[tuple[str, str, str, str]] = []
    for raw in raws:
        cluster = _to_cluster(raw)
        documents = analyze(cluster.articles)
        texts = {d.article.id: d.article.text for d in documents}
        discrepancies = _discrepancies(documents)
        for chosen in select(documents, spec.words, None, None, DEFAULT_SUMMARY, None):
            ruled, plain = evidence_both_ways(documents, chosen)
            contrary = contradicted_sources(ruled, discrepancies)
            sentences += 1
            with_rule += len(ruled) - 1  # the sentence's own source is no support
            without += len(plain) - 1
            shipped += len(ruled) - 1 - len(contrary)
            kept = {e.source for e in ruled}
            dropped += [("figures", cluster.id, chosen.text, texts[e.source][e.start:e.end])
                        for e in plain if e.source not in kept]
            dropped += [("discrepancy", cluster.id, chosen.text, texts[e.source][e.start:e.end])
                        for e in ruled if e.source in contrary]
    return {"dataset": spec.title, "clusters": len(raws), "sentences": sentences,
            "without": without, "with": with_rule, "shipped": shipped, "dropped": dropped}


def render(rows: list[dict[str, Any]], sample: list[tuple[str, str, str, str]], cmd: str,
           seconds: float) -> str:
    out = [
        "## Citations: the different-figures and discrepancy rules (`benchmarks/citations.py`)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {seconds:.0f} s. "
        f"Command: `{cmd}`", "",
        "Supporting citations (sources other than a summary sentence's own) of the summaries "
        "the shipped settings pick: with no rule; with the figure rules (a sentence stating "
        "other counts or amounts, dates aside, or counting one thing differently, carries no "
        "summary sentence); and as shipped, also without the sources that the brief's own "
        "discrepancies (fact, number, date) set against the sentence. Summary selection does "
        "not change: citations are found after it.", "",
        "| dataset | clusters | summary sentences | citations, no rule | figure rules "
        "| as shipped | dropped |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['dataset']} | {r['clusters']} | {r['sentences']} | {r['without']} | "
                   f"{r['with']} | {r['shipped']} | {r['without'] - r['shipped']} |")
    total = sum(len(r["dropped"]) for r in rows)
    out += ["", f"A seeded sample of {len(sample)} of the {total} dropped pairs, to read "
            "(the rule, the summary sentence / the sentence of the source no longer cited, cut "
            "at 160 characters):", ""]
    for rule, cid, chosen, carrier in sample:
        out.append(f"- {cid} ({rule}): “{chosen[:160]}” / “{carrier[:160]}”")
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
