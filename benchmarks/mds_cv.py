"""Cross-validated tuning of the summarizer on the MDS dev sets (``../shared/data/mds``).

Why: one fixed dev half invites rules fitted to its errors. Here every dataset's clusters are
dealt into k folds (whole clusters, by a hash of the id); for each fold the grid point that
scores best on the *other* folds is chosen and scored on the held-out fold, and the spread of
the per-fold scores is reported beside the mean. Leave-one-dataset-out does the same across
datasets (choose on the others, score on the one left out), which says whether a setting
carries over. Each cluster is analysed once (spaCy + embeddings) and the Documents are kept in
a pickle under /tmp, so a grid point costs only the summarizer and ROUGE.

    python benchmarks/mds_cv.py [--datasets duc2003 multinews] [--limit 125] [--folds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import shlex
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks._results import write_section
from benchmarks.mds import (
    DATASETS,
    MDS,
    _sumy_summarizer,
    _to_cluster,
    lead_summary,
    machine,
    sumy_summary,
)
from benchmarks.rouge_eval import load_clusters, load_references, score_summary

CACHE = Path("/tmp/nw_mds_cv")
#: the grid: each entry names one settings field and the values tried (the first is the
#: shipped default, so "default" is always a grid point). Kept small on purpose: fewer knobs
#: carry over better, and every point costs a full pass over the clusters.
GRID: dict[str, tuple[Any, ...]] = {
    "lead_votes": (1.0, 0.0, 0.5, 2.0),
    "lead_moment": ("one", "share", "always"),
    "copied_across_outlets_once": (True, False),
    "compress": (True, False),
}


def fold_of(cluster_id: str, folds: int) -> int:
    """A cluster's fold: a hash of its id, so folds are stable across runs and code changes."""
    return int(hashlib.sha1(cluster_id.encode()).hexdigest(), 16) % folds


def subsample(clusters: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """At most ``limit`` clusters, chosen by hash (not file order, which may be sorted)."""
    if not limit or len(clusters) <= limit:
        return clusters
    ranked = sorted(clusters, key=lambda c: hashlib.sha1(str(c["id"]).encode()).hexdigest())
    return ranked[:limit]


def analysis_key(cluster: Any) -> str:
    """What a cached analysis depends on: the texts as ingest hands them over (not the raw
    file: ingest may rewrite a text, e.g. dropping wire codes), the query, and the analysis
    version, so a cache from older code is never read as this code's."""
    from newsweave.analysis_store import ANALYSIS_VERSION

    parts = [ANALYSIS_VERSION, cluster.query,
             [(a.id, a.text, a.title, a.outlet, a.published) for a in cluster.articles]]
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()[:16]


def analysed(name: str, clusters: list[dict[str, Any]]) -> dict[str, tuple[Any, Any, Any]]:
    """cluster id -> (Documents, query vector, copy_of), analysed once and pickled under /tmp;
    copy_of (near-verbatim copies) is found as the weave finds it."""
    from newsweave.analyze import analyze
    from newsweave.embed import get_embedder
    from newsweave.group import find_copies
    from newsweave.weave import resolve_copies

    CACHE.mkdir(parents=True, exist_ok=True)
    out: dict[str, tuple[Any, Any, Any]] = {}
    for raw in clusters:
        cluster = _to_cluster(raw)
        path = CACHE / f"{name}-{analysis_key(cluster)}.pkl"
        if path.exists():
            with path.open("rb") as fh:
                documents, qv = pickle.load(fh)
        else:
            documents = analyze(cluster.articles, quotes=False, timexes=False)
            qv = get_embedder().embed([cluster.query])[0] if cluster.query else None
            with path.open("wb") as fh:
                pickle.dump((documents, qv), fh, protocol=pickle.HIGHEST_PROTOCOL)
        articles = list(cluster.articles)
        out[str(raw["id"])] = (documents, qv, resolve_copies(articles, find_copies(articles)))
    return out


def summary_redundancy(documents: Sequence[Any], summary: Sequence[Any]) -> float:
    """Redundancy of one summary: the largest MiniLM cosine between two of its sentences (the
    embeddings of the source sentences they were cut from); 0 with fewer than two.

    Why: ROUGE rewards saying the story's words, not saying each thing once; this says how
    close the two most alike summary sentences are."""
    from newsweave.nlp import sentence_of

    by_id = {d.article.id: d for d in documents}
    vecs = []
    for s in summary:
        doc = by_id[s.origin.source]
        if doc.vectors is None or not len(doc.sentences):
            return 0.0
        vecs.append(doc.vectors[sentence_of(doc.sentences, s.origin.start)])
    if len(vecs) < 2:
        return 0.0
    sims = np.stack(vecs) @ np.stack(vecs).T
    np.fill_diagonal(sims, -1.0)
    return float(sims.max())


def newsweave_scores(
    name: str, clusters: list[dict[str, Any]], cache: dict[str, tuple[Any, Any, Any]],
    refs: dict[str, list[str]], settings: Any, redundancy: list[float] | None = None,
) -> list[float]:
    """Per-cluster ROUGE-2 (the dataset's measure) of the summarizer under ``settings``; each
    summary's redundancy (``summary_redundancy``) is appended to ``redundancy`` if given."""
    from newsweave.summary import summarize

    spec = DATASETS[name]
    out = []
    for raw in clusters:
        documents, qv, copy_of = cache[str(raw["id"])]
        summary = summarize(
            documents, words=spec.words, query=raw.get("query"), query_vector=qv,
            settings=settings, copy_of=copy_of,
        )
        scores = score_summary([s.text for s in summary], refs[raw["id"]], spec.words)
        out.append(scores["rouge2"][spec.measure])
        if redundancy is not None:
            redundancy.append(summary_redundancy(documents, summary))
    return out


def baseline_scores(
    name: str, clusters: list[dict[str, Any]], refs: dict[str, list[str]], system: str
) -> list[float]:
    """Per-cluster ROUGE-2 of a baseline; kept under /tmp (sumy's LexRank on a 25-document
    cluster takes tens of seconds in pure Python, and its output never changes)."""
    spec = DATASETS[name]
    if system == "lead":
        run = lambda c: lead_summary(c, spec.words)  # noqa: E731
    else:
        summarizer = _sumy_summarizer(system)
        run = lambda c: sumy_summary(c, spec.words, summarizer)  # noqa: E731
    CACHE.mkdir(parents=True, exist_ok=True)
    out = []
    for c in clusters:
        key = hashlib.sha1(json.dumps(c, sort_keys=True).encode()).hexdigest()[:16]
        path = CACHE / f"{name}-{system}-{key}.json"
        if path.exists():
            out.append(json.loads(path.read_text()))
            continue
        score = score_summary(run(c), refs[c["id"]], spec.words)["rouge2"][spec.measure]
        path.write_text(json.dumps(score))
        out.append(score)
    return out


def fold_means(scores: Sequence[float], folds_of: Sequence[int], k: int) -> list[float]:
    per = [[s for s, f in zip(scores, folds_of, strict=True) if f == i] for i in range(k)]
    return [statistics.mean(p) for p in per if p]


def cv_select(
    table: dict[str, list[float]], folds_of: Sequence[int], k: int
) -> tuple[list[float], list[str]]:
    """For each fold: the grid point best on the other folds, scored on this fold."""
    held, chosen = [], []
    for i in range(k):
        train = [j for j, f in enumerate(folds_of) if f != i]
        test = [j for j, f in enumerate(folds_of) if f == i]
        if not test:
            continue
        best = max(table, key=lambda p: statistics.mean(table[p][j] for j in train))
        held.append(statistics.mean(table[best][j] for j in test))
        chosen.append(best)
    return held, chosen


def fmt(values: Sequence[float]) -> str:
    """mean ± standard deviation across folds (the spread a reader should weigh)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.2f} ± {sd:.2f}"


def grid_points(base: Any) -> dict[str, Any]:
    """label -> settings: the shipped point ("default") and each GRID value tried alone
    (one knob at a time: a product grid costs a pass per point and invites fitting)."""
    points = {"default": base}
    for key, values in GRID.items():
        for v in values:
            if getattr(base, key) != v:
                points[f"{key}={v}"] = replace(base, **{key: v})
    return points


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--datasets", nargs="+", choices=list(DATASETS),
                   default=["duc2003", "duc2006", "multinews", "tac2011"])
    p.add_argument("--limit", type=int, default=125,
                   help="clusters per dataset (hash sample; 125: all of Multi-News dev)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--baselines", default="lexrank,lead",
                   help="comma-separated of lexrank,textrank,lead ('' for none)")
    p.add_argument("--no-grid", action="store_true", help="score the shipped settings only")
    p.add_argument("--no-write", action="store_true", help="do not write benchmarks/RESULTS.md")
    p.add_argument("--json", metavar="FILE", help="dump per-cluster scores as JSON")
    p.add_argument("--compare", metavar="FILE",
                   help="a --json dump of an earlier run (e.g. the code before a change): its "
                        "shipped-settings scores are shown beside this run's, same folds")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from newsweave.settings import DEFAULT_SUMMARY

    args = parse_args(argv)
    argv_list = list(sys.argv[1:] if argv is None else argv)
    cmd = " ".join(["python benchmarks/mds_cv.py", *map(shlex.quote, argv_list)])
    points = {"default": DEFAULT_SUMMARY} if args.no_grid else grid_points(DEFAULT_SUMMARY)
    baselines = [b for b in args.baselines.split(",") if b]
    k = args.folds
    tables: dict[str, dict[str, list[float]]] = {}
    redundancy: dict[str, dict[str, list[float]]] = {}
    base_tables: dict[str, dict[str, list[float]]] = {}
    folds: dict[str, list[int]] = {}
    started = time.perf_counter()
    for name in args.datasets:
        spec = DATASETS[name]
        clusters = subsample(load_clusters(MDS / spec.file), args.limit)
        refs = load_references(MDS / spec.file)
        t0 = time.perf_counter()
        cache = analysed(name, clusters)
        print(f"{name}: {len(clusters)} clusters analysed/loaded in "
              f"{time.perf_counter() - t0:.0f}s", flush=True)
        folds[name] = [fold_of(str(c["id"]), k) for c in clusters]
        tables[name], redundancy[name] = {}, {}
        for label, settings in points.items():
            t0 = time.perf_counter()
            redundancy[name][label] = []
            tables[name][label] = newsweave_scores(
                name, clusters, cache, refs, settings, redundancy[name][label])
            print(f"  {label}: {fmt(fold_means(tables[name][label], folds[name], k))} "
                  f"max cos {statistics.mean(redundancy[name][label]):.3f} "
                  f"({time.perf_counter() - t0:.0f}s)", flush=True)
        base_tables[name] = {b: baseline_scores(name, clusters, refs, b) for b in baselines}
        for b, s in base_tables[name].items():
            print(f"  [{b}]: {fmt(fold_means(s, folds[name], k))}", flush=True)
    before = None
    if args.compare:
        before = json.loads(Path(args.compare).read_text(encoding="utf-8"))["tables"]
    report = render(args, cmd, points, tables, base_tables, folds, k, before, redundancy)
    print(report)
    print(f"total {time.perf_counter() - started:.0f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"tables": tables, "baselines": base_tables, "folds": folds,
             "redundancy": redundancy,
             "settings": {lbl: asdict(s) for lbl, s in points.items()}}, indent=1))
    if not args.no_write:
        write_section("mds_cv", report)
        print("wrote section 'mds_cv' of benchmarks/RESULTS.md")
    return 0


def lodo(
    tables: dict[str, dict[str, list[float]]], points: Sequence[str]
) -> dict[str, tuple[str, float]]:
    """Leave one dataset out: the point with the best mean gain over default on the other
    datasets (gains, since the datasets' score levels differ), scored on the one left out."""
    out = {}
    for held in tables:
        others = [d for d in tables if d != held]
        if not others:
            continue

        def gain(p: str, others: list[str] = others) -> float:
            return statistics.mean(
                statistics.mean(tables[d][p]) - statistics.mean(tables[d]["default"])
                for d in others
            )

        best = max(points, key=gain)
        out[held] = (best, statistics.mean(tables[held][best]))
    return out


def render(
    args: argparse.Namespace, cmd: str, points: dict[str, Any],
    tables: dict[str, dict[str, list[float]]], base_tables: dict[str, dict[str, list[float]]],
    folds: dict[str, list[int]], k: int, before: dict[str, Any] | None = None,
    redundancy: dict[str, dict[str, list[float]]] | None = None,
) -> str:
    from datetime import UTC, datetime

    lines = [
        "## Summaries, cross-validated (`benchmarks/mds_cv.py`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}. Command: `{cmd}`",
        "",
        f"ROUGE-2 (x100; recall for DUC, F1 for TAC/Multi-News) in the data README's protocol, "
        f"the summarizer alone on cached analyses (`analyze` + `summarize`, as the weave runs "
        f"them). Clusters are dealt into {k} folds by a hash of their id (at most "
        f"{args.limit} clusters per dataset, a hash sample). Each cell: mean ± standard "
        f"deviation of the {k} per-fold means (folds differ in size, so this mean is not the "
        f"mean over clusters, which a held-out set reports; that is the next column). "
        f"*CV-chosen*: for each fold the grid point best "
        f"on the other folds, scored on that fold (the estimate for unseen data). *LODO*: the "
        f"grid point with the best mean gain on the other datasets, scored on this one. "
        f"Grid labels name what differs from the shipped settings (`default`). The shipped "
        f"settings were themselves picked from a run of this grid over all folds, so "
        f"*CV-chosen* is the estimate without that selection bias. Folds a small set leaves "
        f"empty are skipped (TAC: 10 clusters). *Max cos*: redundancy, the largest MiniLM "
        f"cosine between two sentences of one summary (mean over clusters ± spread of the "
        f"fold means), shipped settings; lower says each thing fewer times.",
        "",
        "| dataset | words | clusters | "
        + ("before (`--compare`) | " if before else "")
        + "shipped settings | shipped, mean over clusters | CV-chosen | max cos | "
        + " | ".join(base_tables[next(iter(base_tables))]) + " |",
        "|---|---|---|" + ("---|" if before else "") + "---|---|---|---|"
        + "---|" * len(base_tables[next(iter(base_tables))]),
    ]
    chosen_by: dict[str, list[str]] = {}
    for name, table in tables.items():
        spec = DATASETS[name]
        held, chosen = cv_select(table, folds[name], k)
        chosen_by[name] = chosen
        base = " | ".join(fmt(fold_means(s, folds[name], k)) for s in base_tables[name].values())
        lines.append(
            f"| {spec.title} | {spec.words} | {len(folds[name])} | "
            + (f"{fmt(fold_means(before[name]['default'], folds[name], k))} | "
               if before and name in before else "— | " if before else "")
            + f"{fmt(fold_means(table['default'], folds[name], k))} | "
            + f"{statistics.mean(table['default']):.2f} | {fmt(held)} | "
            + (f"{fmt(fold_means(redundancy[name]['default'], folds[name], k))} | "
               if redundancy else "— | ")
            + f"{base} |"
        )
    if len(points) > 1:
        lines += ["", "Grid points chosen per fold:", ""]
        lines += [f"- {DATASETS[n].title}: {'; '.join(c)}" for n, c in chosen_by.items()]
        lines += ["", "Leave one dataset out (point chosen on the others -> score here, "
                  "means over clusters; shipped):", ""]
        for name, (best, score) in lodo(tables, list(points)).items():
            lines.append(f"- {DATASETS[name].title}: {best} -> {score:.2f} "
                         f"(shipped {statistics.mean(tables[name]['default']):.2f})")
        lines += ["", "Every grid point, mean ± spread over folds:", "",
                  "| point | " + " | ".join(DATASETS[n].title for n in tables) + " |",
                  "|---|" + "---|" * len(tables)]
        for p in points:
            lines.append(f"| {p} | " + " | ".join(
                fmt(fold_means(tables[n][p], folds[n], k)) for n in tables) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
