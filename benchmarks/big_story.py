"""The weave of one big story: a wire report carried by many outlets, and many different
articles woven as one story. Analysis is timed apart; the weave is timed whole and by its
costliest parts, with the peak memory of the run.

- wire story: the founding example's first report (``examples/sessions-2017``) in ``--copies``
  outlets, each copy under its own byline and closing line, a third without the last
  paragraph (what a syndicated story looks like across a feed);
- mixed story: the articles of the ``--stories`` largest stories of
  ``../shared/data/clustering/mixed-dev.jsonl`` woven as one (the labels only pick the
  articles; left out when the data is absent).

Run it on another tree (``--json F`` there) and pass ``--compare F`` here to put both side by
side. Writes the ``big-story`` section of benchmarks/RESULTS.md::

    python benchmarks/big_story.py [--copies 1000] [--stories 10] [--json F] [--compare F]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from benchmarks._results import DATA, peak_rss_mb, write_section  # noqa: E402

PARTS = ("summary", "statements", "shared passages", "unique facts", "discrepancies")


def wire_articles(copies: int) -> list:
    from newsweave.models import Article

    path = ROOT / "examples" / "sessions-2017" / "000_77eaf4156b17a544.txt"
    body = path.read_text(encoding="utf-8").split("\n", 1)[1]
    paragraphs = body.split("\n\n")
    out = []
    for i in range(copies):
        kept = paragraphs[:-1] if i % 3 == 1 else paragraphs
        text = (f"By Reporter {i} of Outlet {i}\n\n" + "\n\n".join(kept)
                + f"\n\nOutlet {i} contributed reporting from city number {i} today.")
        out.append(Article(id=f"w{i:05d}", text=text, outlet=f"Outlet {i}",
                           published=f"2017-03-02T{10 + i % 10:02d}:{i % 60:02d}:00"))
    return out


def mixed_articles(stories: int) -> list:
    from newsweave.ingest import clean_title, without_wire_markup
    from newsweave.models import Article

    path = DATA / "clustering" / "mixed-dev.jsonl"
    if stories <= 0 or not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    sizes = collections.Counter(r["label"] for r in rows)
    keep = {label for label, _n in sizes.most_common(stories)}
    return [Article(id=r["id"], text=without_wire_markup(r["text"]),
                    title=clean_title(r.get("title")), outlet=r.get("outlet"),
                    published=r.get("published"))
            for r in rows if r["label"] in keep]


def _timed(run) -> tuple[float, object]:
    start = time.perf_counter()
    out = run()
    return time.perf_counter() - start, out


def measure(articles: list) -> dict[str, float]:
    """Seconds to analyse, to weave, and for each costly part of the weave run alone."""
    from newsweave.analyze import analyze
    from newsweave.coverage import find_discrepancies, find_shared_passages, find_unique
    from newsweave.entities import resolve_entities
    from newsweave.group import find_copies
    from newsweave.quotes import group_quotes
    from newsweave.summary import summarize
    from newsweave.weave import resolve_copies, weave_documents

    analysis, documents = _timed(lambda: analyze(articles))
    weave_documents(documents[:2])  # models and libraries loaded before timing
    out = {"articles": len(articles), "analysis": analysis}
    out["weave"], _brief = _timed(lambda: weave_documents(documents))
    copy_of = resolve_copies(articles, find_copies(articles))
    entities, _mentions = resolve_entities(documents)
    quotes = group_quotes(documents, entities)
    out["summary"], _ = _timed(lambda: summarize(documents, copy_of=copy_of))
    out["statements"], _ = _timed(lambda: group_quotes(documents, entities))
    out["shared passages"], _ = _timed(lambda: find_shared_passages(documents))
    out["unique facts"], _ = _timed(lambda: find_unique(documents, copies=copy_of))
    out["discrepancies"], _ = _timed(lambda: find_discrepancies(documents, entities, quotes))
    return out


def _row(name: str, r: dict[str, float], label: str) -> str:
    parts = " | ".join(f"{r[p]:.1f}" for p in PARTS)
    return (f"| {name} | {label} | {r['articles']:,} | {r['analysis']:.1f} | {r['weave']:.1f} "
            f"| {parts} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1000, help="outlets carrying the wire story")
    ap.add_argument("--stories", type=int, default=10,
                    help="largest mixed-dev stories woven as one (0: none)")
    ap.add_argument("--json", metavar="FILE", help="write the measurements here")
    ap.add_argument("--compare", metavar="FILE", help="a --json of a run on another tree, "
                    "shown beside this one")
    ap.add_argument("--label", default="this tree", help="name of this tree in the table")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    stories = {"wire story": wire_articles(args.copies),
               "mixed stories as one": mixed_articles(args.stories)}
    results = {}
    for name, articles in stories.items():
        if len(articles) >= 2:
            results[name] = measure(articles)
            print(name, json.dumps({k: round(v, 2) for k, v in results[name].items()}),
                  flush=True)
    results_meta = {"label": args.label, "peak_rss_mb": peak_rss_mb(), "results": results}
    if args.json:
        Path(args.json).write_text(json.dumps(results_meta, indent=1), encoding="utf-8")
    before = json.loads(Path(args.compare).read_text()) if args.compare else None
    rows = ["| story | code | articles | analysis s | weave s | "
            + " | ".join(f"{p} s" for p in PARTS) + " |",
            "|---|---|---:|---:|---:|" + "---:|" * len(PARTS)]
    for name, r in results.items():
        if before and name in before["results"]:
            rows.append(_row(name, before["results"][name], before["label"]))
        rows.append(_row(name, r, args.label))
    peaks = f"peak memory {results_meta['peak_rss_mb']:.0f} MB" + (
        f" ({before['label']}: {before['peak_rss_mb']:.0f} MB)" if before else "")
    cmd = "python benchmarks/big_story.py" + (
        f" --copies {args.copies}" if args.copies != 1000 else "") + (
        f" --stories {args.stories}" if args.stories != 10 else "")
    section = (
        "## The weave of one big story (`benchmarks/big_story.py`)\n\n"
        f"`{cmd}`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {peaks}. "
        "Analysis is timed apart; the weave whole, then each of its costliest parts run "
        "alone (summary, statement join, and the coverage detectors). The wire story is the "
        "founding example's first report in many outlets, each under its own byline and "
        "closing line; the mixed story is the largest mixed-dev stories woven as one.\n\n"
        + "\n".join(rows) + "\n")
    print(section)
    if not args.no_write:
        write_section("big-story", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
