"""What issue 3's analysis (quotes, time expressions, entities, timeline, coverage) adds to the
time of weaving: the same DUC clusters woven summary-only and in full, in one process.

    python benchmarks/weave_cost.py [--limit N] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import DATA, write_section  # noqa: E402
from benchmarks.rouge_eval import load_clusters  # noqa: E402


def _cluster(raw):
    from newsweave.ingest import clean_title, without_wire_markup
    from newsweave.models import Article, Cluster

    arts = tuple(
        Article(id=str(d.get("id") or f"{raw['id']}-{i}"), text=without_wire_markup(d["text"]),
                title=clean_title(d.get("title")),
                outlet=d.get("source"), published=d.get("date"))
        for i, d in enumerate(raw["docs"])
    )
    return Cluster(id=raw["id"], articles=arts, query=raw.get("query"))


def summary_only(cluster, words):
    """The issue-2 pipeline: parse, entities, embeddings, cited summary."""
    from newsweave.analyze import analyze
    from newsweave.summary import summarize

    docs = analyze(cluster.articles, quotes=False, timexes=False)
    return summarize(docs, words=words)


def full(cluster, words):
    from newsweave.weave import weave_cluster

    return weave_cluster(cluster, words=words)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    for name, file, words in (("DUC 2003", "duc2003_task2.jsonl", 100),
                              ("DUC 2006", "duc2006-dev25.jsonl", 250)):
        clusters = [_cluster(r) for r in load_clusters(DATA / "mds" / file)[: args.limit]]
        summary_only(clusters[0], words)  # load models outside the timing
        times = {}
        for label, fn in (("summary only", summary_only), ("full brief", full)):
            start = time.perf_counter()
            for c in clusters:
                fn(c, words)
            times[label] = time.perf_counter() - start
        extra = 100 * (times["full brief"] / times["summary only"] - 1)
        rows.append((name, len(clusters), times["summary only"], times["full brief"], extra))
        print(f"{name}: {len(clusters)} clusters, summary only {times['summary only']:.1f} s, "
              f"full {times['full brief']:.1f} s, +{extra:.0f}%", flush=True)
    md = ["## Cost of the full brief (`benchmarks/weave_cost.py`)", "",
          f"`python benchmarks/weave_cost.py --limit {args.limit}`: the same clusters woven "
          "summary-only (parse, NER, embeddings, cited summary) and in full (plus quotes, time "
          "expressions, entities, quote grouping, timeline, coverage), in one process, models "
          "loaded before timing.", "",
          "| set | clusters | summary only s | full brief s | added |", "|---|---:|---:|---:|---:|"]
    md += [f"| {n} | {k} | {a:.1f} | {b:.1f} | +{e:.0f}% |" for n, k, a, b, e in rows]
    if not args.no_write:
        write_section("weave-cost", "\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
