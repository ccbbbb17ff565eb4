"""Multi-document summarization benchmark: newsweave vs sumy LexRank/TextRank and Lead.

All systems run on the same clusters in the same run and are scored by ``rouge_eval`` as
``../shared/data/mds/README.md`` prescribes. newsweave runs as its batch CLI in a child
process on a copy of the clusters with ``summaries`` removed, so it cannot read references.

    python benchmarks/mds.py [--datasets duc2003 tac2011] [--limit 5] [--systems lead,lexrank]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import DATA, peak_rss_mb, write_section
from benchmarks.rouge_eval import (
    load_clusters,
    load_references,
    mean_scores,
    score_summary,
    split_sentences,
)

MDS = DATA / "mds"
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Dataset:
    file: str
    words: int
    measure: str  # "r" (recall, DUC convention) or "f" (F1)
    title: str


DATASETS: dict[str, Dataset] = {
    "duc2003": Dataset("duc2003_task2.jsonl", 100, "r", "DUC 2003 Task 2"),
    "duc2006": Dataset("duc2006-dev25.jsonl", 250, "r", "DUC 2006 (dev 25)"),
    "tac2011": Dataset("tac2011_multiling_en.jsonl", 250, "f", "TAC 2011 MultiLing EN"),
    "multinews": Dataset("multinews-dev125.jsonl", 260, "f", "Multi-News (dev 125)"),
}
SYSTEMS = ("newsweave", "lexrank", "textrank", "lead")
Summaries = dict[str, list[str]]


@dataclass(frozen=True)
class SystemRun:
    """One system's summaries on one dataset, with what producing them cost."""

    name: str
    summaries: Summaries
    seconds: float
    peak_rss_mb: float
    note: str = ""


# --------------------------------------------------------------------------- baselines
def doc_sentences(cluster: dict[str, Any]) -> list[list[str]]:
    """Each document's sentences, by the shared regex splitter (no NLTK data needed)."""
    return [split_sentences(doc.get("text") or "") for doc in cluster.get("docs", [])]


def fill_budget(ranked: Sequence[str], words: int) -> list[str]:
    """Take sentences in the given order until ``words`` whitespace words are reached."""
    out: list[str] = []
    total = 0
    for sentence in ranked:
        if total >= words:
            break
        out.append(sentence)
        total += len(sentence.split())
    return out


def lead_summary(cluster: dict[str, Any], words: int) -> list[str]:
    """Lead baseline: first sentences of each document, round-robin over documents."""
    docs = doc_sentences(cluster)
    depth = max((len(d) for d in docs), default=0)
    ordered = [d[i] for i in range(depth) for d in docs if i < len(d)]
    return fill_budget(ordered, words)


class _WordTokenizer:
    """sumy's word filter (letters, inner apostrophes/hyphens) without NLTK's tokenizer data."""

    _WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['-])*")

    def to_words(self, text: str) -> tuple[str, ...]:
        return tuple(self._WORD.findall(text))


def _sumy_summarizer(algorithm: str) -> Any:
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    classes = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer}
    summarizer = classes[algorithm](Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return summarizer


def sumy_ranked(cluster: dict[str, Any], summarizer: Any) -> list[str]:
    """All the cluster's sentences in sumy's rank order (best first).

    sumy hands ``sentences_count`` the rating-sorted list before re-sorting by position,
    so a callable count captures the rank order without touching sumy's internals."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    tokenizer = _WordTokenizer()
    paragraphs = [
        Paragraph([Sentence(s, tokenizer) for s in sents])
        for sents in doc_sentences(cluster)
        if sents
    ]
    ranked: list[Any] = []

    def capture(infos: list[Any]) -> list[Any]:
        ranked.extend(infos)
        return infos

    summarizer(ObjectDocumentModel(paragraphs), capture)
    return [str(info.sentence) for info in ranked]


def sumy_summary(cluster: dict[str, Any], words: int, summarizer: Any) -> list[str]:
    """sumy's rank order up to the budget, no redundancy filter (as the README's anchors)."""
    return fill_budget(sumy_ranked(cluster, summarizer), words)


def load_average() -> float:
    """1-minute load average: timings on a shared machine only mean something beside it."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def run_inline(
    name: str,
    clusters: list[dict[str, Any]],
    summarize: Callable[[dict[str, Any]], list[str]],
) -> SystemRun:
    """Run an in-process system over all clusters, timed."""
    load = load_average()
    start = time.perf_counter()
    summaries = {c["id"]: summarize(c) for c in clusters}
    seconds = time.perf_counter() - start
    note = f"load {load:.1f}-{load_average():.1f}; bench process peak RSS"
    return SystemRun(name, summaries, seconds, peak_rss_mb(), note=note)


# --------------------------------------------------------------------------- newsweave
def newsweave_command(in_path: Path, out_path: Path, words: int) -> list[str]:
    return [
        sys.executable, "-m", "newsweave.cli", "weave", "--jsonl", str(in_path),
        "--format", "jsonl", "--words", str(words), "--no-progress", "--out", str(out_path),
    ]


def briefs_to_summaries(lines: Sequence[str]) -> Summaries:
    """Map each brief (one JSON per line) to its summary sentences by ``story.id``."""
    out: Summaries = {}
    for line in lines:
        if line.strip():
            brief = json.loads(line)
            out[brief["story"]["id"]] = [s["text"] for s in brief.get("summary", [])]
    return out


def run_newsweave_cli(
    clusters: list[dict[str, Any]], words: int, timeout: float | None = None
) -> SystemRun:
    """Weave the clusters with the batch CLI in a child; time it and read the child's peak RSS.

    The child gets a temp file written from ``clusters``, which hold no ``summaries``. A child
    still running after ``timeout`` seconds is killed (its clusters then score 0), so one hang
    cannot stall the whole benchmark."""
    with tempfile.TemporaryDirectory(prefix="nw-mds-") as tmp:
        in_path, out_path = Path(tmp) / "clusters.jsonl", Path(tmp) / "briefs.jsonl"
        with in_path.open("w", encoding="utf-8") as fh:
            for cluster in clusters:
                assert "summaries" not in cluster
                fh.write(json.dumps(cluster, ensure_ascii=False) + "\n")
        env = dict(os.environ, HF_HUB_OFFLINE="1")
        load = load_average()
        start = time.perf_counter()
        proc = subprocess.Popen(
            newsweave_command(in_path, out_path, words), stderr=subprocess.PIPE, env=env,
            text=True,
        )
        timer = threading.Timer(timeout, proc.kill) if timeout else None
        if timer:
            timer.start()
        stderr = proc.stderr.read() if proc.stderr else ""
        _, status, usage = os.wait4(proc.pid, 0)
        if timer:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        lines = out_path.read_text(encoding="utf-8").splitlines() if out_path.exists() else []
    summaries = briefs_to_summaries(lines)
    missing = len(clusters) - len(summaries)
    killed = " (killed at --timeout)" if proc.returncode == -signal.SIGKILL else ""
    note = f"load {load:.1f}-{load_average():.1f}; exit {proc.returncode}{killed}" + (
        f", {missing} clusters without a brief" if missing else ""
    )
    if proc.returncode != 0 or missing:
        tail = stderr.strip().splitlines()[-3:]
        print(f"newsweave: {note}; stderr tail: {tail}", file=sys.stderr)
    return SystemRun("newsweave", summaries, seconds, usage.ru_maxrss / 1024, note=note)


def _to_cluster(raw: dict[str, Any]) -> Any:
    """A newsweave Cluster from a contract cluster dict (``summaries`` never read)."""
    from newsweave.ingest import clean_title, without_wire_markup
    from newsweave.models import Article, Cluster

    cid = str(raw["id"])
    articles = tuple(
        Article(
            id=str(doc.get("id") or f"{cid}-{i}"),
            text=without_wire_markup(doc.get("text") or ""),  # as ``newsweave ingest`` reads it
            title=clean_title(doc.get("title")),
            outlet=doc.get("source"),
            published=doc.get("date"),
        )
        for i, doc in enumerate(raw.get("docs", []))
    )
    return Cluster(id=cid, articles=articles, query=raw.get("query"))


def _weave_summary(
    raw: dict[str, Any],
    words: int,
    summary_only: bool,
    cache: dict[str, Any] | None,
    summary_kwargs: dict[str, Any],
) -> list[str]:
    """One cluster's summary sentences, by the full weave or by analysis + summarize only."""
    cluster = _to_cluster(raw)
    if not summary_only:
        from newsweave.weave import weave_cluster

        return [s.text for s in weave_cluster(cluster, words=words).summary]
    from newsweave.analyze import analyze
    from newsweave.embed import get_embedder
    from newsweave.summary import summarize

    key = str(raw["id"])
    documents = cache.get(key) if cache is not None else None
    if documents is None:
        documents = analyze(cluster.articles)
        if cache is not None:
            cache[key] = documents
    query_vector = get_embedder().embed([cluster.query])[0] if cluster.query else None
    summary = summarize(
        documents, words=words, query=cluster.query, query_vector=query_vector, **summary_kwargs
    )
    return [s.text for s in summary]


def run_inprocess(
    dataset: str,
    limit: int | None = None,
    words: int | None = None,
    *,
    summary_only: bool = False,
    cache: dict[str, Any] | None = None,
    **summary_kwargs: Any,
) -> dict[str, Any]:
    """Fast tuning loop: weave in this process and return mean ROUGE (x100) on ``dataset``.

    By default each cluster goes through ``newsweave.weave.weave_cluster``. With
    ``summary_only=True`` only ``analyze`` + ``summarize`` run (the only parts ROUGE sees),
    ``summary_kwargs`` (e.g. ``settings=SummarySettings(...)``) go to ``summarize``, and a
    ``cache`` dict passed by the caller keeps analysed documents between calls, so trying
    settings costs only the summarizer. Returns ``{"dataset", "clusters", "words", "measure",
    "seconds", "scores"}``, ``scores`` being ``{"rouge1"|"rouge2"|"rougeLsum": {"p","r","f"}}``."""
    if summary_kwargs and not summary_only:
        raise ValueError("summary_kwargs need summary_only=True")
    spec = DATASETS[dataset]
    budget = words or spec.words
    clusters = load_clusters(MDS / spec.file)[:limit]
    refs = load_references(MDS / spec.file)
    start = time.perf_counter()
    scores = [
        score_summary(
            _weave_summary(raw, budget, summary_only, cache, summary_kwargs),
            refs[raw["id"]],
            budget,
        )
        for raw in clusters
    ]
    return {
        "dataset": dataset,
        "clusters": len(clusters),
        "words": budget,
        "measure": spec.measure,
        "seconds": time.perf_counter() - start,
        "scores": mean_scores(scores),
    }


# --------------------------------------------------------------------------- driver
def run_dataset(
    name: str, systems: Sequence[str], limit: int | None, timeout: float | None = None
) -> list[dict[str, Any]]:
    """Run and score every requested system on one dataset; one row per system."""
    spec = DATASETS[name]
    clusters = load_clusters(MDS / spec.file)[:limit]
    refs = load_references(MDS / spec.file)
    runs: list[SystemRun] = []
    for system in systems:
        if system == "newsweave":
            runs.append(run_newsweave_cli(clusters, spec.words, timeout))
        elif system == "lead":
            runs.append(run_inline("Lead", clusters, lambda c: lead_summary(c, spec.words)))
        else:
            summarizer = _sumy_summarizer(system)
            label = {"lexrank": "sumy LexRank", "textrank": "sumy TextRank"}[system]
            runs.append(
                run_inline(label, clusters, lambda c, s=summarizer: sumy_summary(c, spec.words, s))
            )
    rows = []
    for run in runs:
        scores = mean_scores(
            [score_summary(run.summaries.get(c["id"], []), refs[c["id"]], spec.words)
             for c in clusters]
        )
        rows.append({
            "system": run.name,
            "scores": scores,
            "clusters_per_s": len(clusters) / run.seconds if run.seconds else float("inf"),
            "peak_rss_mb": run.peak_rss_mb,
            "note": run.note,
        })
    return rows


def format_table(name: str, rows: list[dict[str, Any]], clusters: int) -> str:
    spec = DATASETS[name]
    measure = "recall" if spec.measure == "r" else "F1"
    lines = [
        f"### {spec.title}: {clusters} clusters, {spec.words} words, ROUGE {measure}",
        "",
        "| system | R-1 | R-2 | R-Lsum | clusters/s | peak RSS MB | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        s = row["scores"]
        lines.append(
            f"| {row['system']} | {s['rouge1'][spec.measure]:.2f} | "
            f"{s['rouge2'][spec.measure]:.2f} | {s['rougeLsum'][spec.measure]:.2f} | "
            f"{row['clusters_per_s']:.2f} | {row['peak_rss_mb']:.0f} | {row['note']} |"
        )
    return "\n".join(lines)


def r2_margin(name: str, rows: list[dict[str, Any]]) -> str | None:
    """newsweave's R-2 minus the better of LexRank and TextRank, as a sentence."""
    m = DATASETS[name].measure
    r2 = {row["system"]: row["scores"]["rouge2"][m] for row in rows}
    rivals = {k: v for k, v in r2.items() if k.startswith("sumy")}
    if "newsweave" not in r2 or not rivals:
        return None
    best = max(rivals, key=rivals.__getitem__)
    diff = r2["newsweave"] - rivals[best]
    return (
        f"{DATASETS[name].title}: newsweave R-2 {r2['newsweave']:.2f} vs {best} "
        f"{rivals[best]:.2f}: margin {diff:+.2f}"
    )


ANCHORS = """Anchors and goals (from `../shared/data/mds/README.md`; rouge-score reads about 1 point
lower in R-1 and 0-0.35 lower in R-2 than ROUGE-1.5.5):
- Goal on DUC (100 words, R-2 recall): the best classic extractive systems, ICSISumm/DPP on
  DUC 2004, about 9.6 R-2 recall with rouge-score (sumy LexRank 8.3 there). Our DUC 2004 copy is
  held out; DUC 2003 (same kind, same budget) is the nearest set here.
- Goal on Multi-News (R-2 F1): Hi-MAP 14.9 (full test set; LexRank 13.6 on the 250-sample).
- README anchors with this protocol: DUC 2003 (all 30 clusters) LexRank 7.67, TextRank 6.93,
  Lead 5.68 R-2 recall; TAC 2011 LexRank 17.08 R-2 F1; Multi-News 250-sample LexRank 13.64,
  TextRank 13.07, Lead 13.56 R-2 F1. The baselines are sensitive to the sentence split: on
  TAC 2011, LexRank reads 15.74 R-2 F1 with our splitter and 16.58 with a naive split at every
  [.!?] + space (measured 2026-11-23), against the README's 17.08."""


def goal_lines(results: dict[str, list[dict[str, Any]]]) -> list[str]:
    """How far newsweave's R-2 is from the stated goals, where the dataset ran."""
    out = []
    goals = {"duc2003": (9.6, "ICSISumm/DPP (DUC 2004)"), "multinews": (14.9, "Hi-MAP")}
    for name, (goal, who) in goals.items():
        m = DATASETS[name].measure
        for row in results.get(name, []):
            if row["system"] == "newsweave":
                r2 = row["scores"]["rouge2"][m]
                out.append(
                    f"- {DATASETS[name].title}: newsweave R-2 {r2:.2f} vs {who} {goal}: "
                    f"{r2 - goal:+.2f}"
                )
    return out


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({model}), Python {sys.version.split()[0]}"


def render(results: dict[str, list[dict[str, Any]]], sizes: dict[str, int], cmd: str) -> str:
    margins = [m for name in results if (m := r2_margin(name, results[name]))]
    parts = [
        "## Multi-document summarization (`benchmarks/mds.py`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Command: `{cmd}`",
        "",
        "Protocol: rouge-score 0.1.2, ROUGE-1/2/Lsum with stemming, each summary cut to exactly "
        "the word budget, one sentence per line for ROUGE-Lsum (references split by the same "
        "regex splitter), P/R/F per reference averaged over references, x100; recall for DUC, "
        "F1 for TAC and Multi-News.",
        "",
        "Systems, all on the same clusters in the same run: **newsweave** runs as "
        "`newsweave weave --jsonl ... --format jsonl --words N` in a child process on a temp "
        "copy of the clusters with `summaries` removed, so it never sees the references; its "
        "clusters/s includes process start and model loading, and its peak RSS is the child's. "
        "**sumy** 0.13.0 LexRank and TextRank run in the benchmark process (peak RSS is that "
        "process's) with English stemmer and stop words; sumy's default tokenizer needs NLTK "
        "data downloaded at run time, so sentences come from our regex splitter "
        "(`benchmarks/rouge_eval.py: split_sentences`) and words from a regex tokenizer; all "
        "the cluster's documents form one sumy document and sentences are taken in rank order "
        "up to the budget with no redundancy filter. **Lead**: first sentences of each document, "
        "round-robin.",
        "",
        "Timings: this machine is shared with other jobs; `notes` gives the 1-minute load "
        "average before and after each system's run (with 2 cores, a load above 2 means "
        "clusters/s reads low). ROUGE does not depend on load.",
        "",
    ]
    ran = {row["system"] for rows in results.values() for row in rows}
    if "newsweave" not in ran:
        parts += ["**newsweave was not run in this run** (see the command): baselines only.", ""]
    for name, rows in results.items():
        parts += [format_table(name, rows, sizes[name]), ""]
    if margins:
        parts += ["R-2 margin of newsweave over the better of LexRank and TextRank:", ""]
        parts += [f"- {m}" for m in margins] + [""]
    parts += [ANCHORS, ""]
    goals = goal_lines(results)
    if goals:
        parts += ["Distance to the goals (R-2):", "", *goals]
    return "\n".join(parts)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS))
    p.add_argument("--limit", type=int, help="first N clusters per dataset (quick runs)")
    p.add_argument(
        "--systems", default=",".join(SYSTEMS),
        help=f"comma-separated subset of {','.join(SYSTEMS)} (default: all)",
    )
    p.add_argument("--no-write", action="store_true", help="do not write benchmarks/RESULTS.md")
    p.add_argument(
        "--timeout", type=float, default=3600,
        help="kill newsweave after this many seconds per dataset (default 3600)",
    )
    p.add_argument("--json", metavar="FILE", help="also dump the raw rows as JSON to FILE")
    args = p.parse_args(argv)
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(args.systems) - set(SYSTEMS)
    if unknown:
        p.error(f"unknown systems: {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    argv_list = list(sys.argv[1:] if argv is None else argv)
    cmd = " ".join(["python benchmarks/mds.py", *map(shlex.quote, argv_list)])
    results: dict[str, list[dict[str, Any]]] = {}
    sizes: dict[str, int] = {}
    for name in args.datasets:
        sizes[name] = len(load_clusters(MDS / DATASETS[name].file)[: args.limit])
        results[name] = run_dataset(name, args.systems, args.limit, args.timeout)
        print(format_table(name, results[name], sizes[name]), flush=True)
        if margin := r2_margin(name, results[name]):
            print(margin)
        print(flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    if not args.no_write:
        write_section("mds", render(results, sizes, cmd))
        print(f"wrote section 'mds' of {Path(__file__).parent / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
