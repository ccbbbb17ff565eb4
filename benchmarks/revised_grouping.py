"""Live pages: what grouping does with articles first captured as stubs, then revised.

A follower or a daily export often captures a live page before its report is written: a
headline and its first sentences. The full report then arrives as a new version of the same
URL. This script replays each labelled dev stream (`../shared/data/clustering/`: mixed-dev,
ecbplus-dev) through the store the way `newsweave update` groups it: articles in published-
date order, in rounds of ``--round`` articles, `group_new` after each round. In each round a
share ``--share`` of the articles of over 60 words (picked by a seeded draw) arrives as a
*stub*, its first sentences up to 30 words under the same headline; its full text arrives in
the next round under the same URL and id, so the store keeps it as the article's next
version. Arms, all in the same run and on the same draws:

- *full texts*: every article arrives whole (the reference: no live pages);
- *stubs, kept*: revised articles keep the story their stub was grouped into (newsweave
  until stop 58; emulated by hiding the queue of revised articles from the grouper);
- *stubs, regrouped*: the shipped behaviour: an article whose text is mostly new against
  the one it was grouped by (`versions.mostly_new`) is withdrawn from its young story and
  grouped again;
- *stubs under a generic headline*: the same, the stub titled "Breaking news" (a site
  that writes the headline with the report);
- *corrections, kept* and *corrections, regrouped*: the same articles arrive whole, and a
  round later a corrected version (one word changed, a line appended): a correction should
  move nothing.

B-cubed F1 over every article of the stream and over the revised ones, and the agreement
with the *full texts* arm (B-cubed F1 of the arm's stories scored against that arm's).
Mean ± standard deviation over ``--seeds`` draws.

A second table (``--scale N``, 0 to skip) times the bookkeeping at scale: a store of N
synthetic articles (random words; a stand-in embedder, a vector per text from its hash, so
the model's time does not hide the grouper's), grouped; then N/2 of them revised with mostly
new texts and grouped again; then N/2 new articles grouped. The two runs' seconds compare
regrouping revised articles with grouping as many new ones.

Usage: ``python benchmarks/revised_grouping.py [--seeds 1 2 3 4 5] [--share 0.3]
[--round 50] [--sets mixed-dev ecbplus-dev] [--scale 10000] [--no-write]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from benchmarks._results import write_section  # noqa: E402
from benchmarks.stories import bcubed, load  # noqa: E402
from newsweave import grouping_state  # noqa: E402
from newsweave.models import Article  # noqa: E402
from newsweave.store import Store  # noqa: E402

STUB_WORDS = 30
SENTENCE_END = re.compile(r"(?<=[.!?\"'])\s+(?=[A-Z\"'])")


#: the headline of a live page before its report is written, in the *generic* arms
GENERIC_HEADLINE = "Breaking news"


def stub_of(article: Article, headline: str | None = None) -> Article:
    """The first sentences of the report, up to ``STUB_WORDS`` words, under its headline
    (or ``headline``)."""
    kept: list[str] = []
    for sentence in SENTENCE_END.split(article.text):
        kept.append(sentence)
        if len(" ".join(kept).split()) >= STUB_WORDS:
            break
    return replace(article, text=" ".join(kept), title=headline or article.title)


def corrected(article: Article, rng: random.Random) -> Article:
    words = article.text.split(" ")
    at = rng.randrange(len(words))
    words[at] += "s"
    return replace(article, text=" ".join(words) + "\n\nThis article has been corrected.")


@contextmanager
def regrouping(on: bool) -> Iterator[None]:
    """Off: the grouper never sees the queue of revised articles (as before stop 58)."""
    if on:
        yield
        return
    real = Store.pending_regroups
    Store.pending_regroups = lambda self: {}  # type: ignore[method-assign]
    try:
        yield
    finally:
        Store.pending_regroups = real  # type: ignore[method-assign]


def replay(articles: list[Article], mode: str, share: float, seed: int, size: int,
           folder: Path) -> tuple[dict[str, str], set[str], int, int]:
    """Group ``articles`` in rounds as a store does, into a new store in ``folder``;
    (assignments, revised ids, regrouped, regrouped into another story)."""
    rng = random.Random(seed)
    store = Store(f"sqlite:///{tempfile.mkdtemp(dir=folder)}/store.db")
    grouping_state._LIVE.clear()
    waiting: list[Article] = []
    revised: set[str] = set()
    regrouped = elsewhere = 0
    for lo in range(0, len(articles) + size, size):
        batch, waiting = list(waiting), []
        for article in articles[lo : lo + size]:
            first = article
            if mode != "full" and rng.random() < share and len(article.text.split()) > 60:
                first = {"stub": stub_of(article), "fix": article,
                         "generic": stub_of(article, GENERIC_HEADLINE)}[mode]
                later = corrected(article, rng) if mode == "fix" else article
                if first.text != later.text:
                    revised.add(article.id)
                    waiting.append(later)
            batch.append(first)
        if not batch:
            break
        store.add_articles(batch)
        result = grouping_state.group_new(store, languages=None)
        regrouped += result.regrouped
        elsewhere += result.regrouped_elsewhere
    pred = {m[0]: sid for sid, members in store.story_memberships().items() for m in members}
    store.close()
    return pred, revised, regrouped, elsewhere


def stream(name: str) -> tuple[list[Article], dict[str, str]]:
    articles, labels = load(name)
    articles = [replace(a, url=f"https://news.example.org/{name}/{a.id}") for a in articles]
    order = sorted(range(len(articles)), key=lambda i: (
        articles[i].published is None, articles[i].published or "", i))
    return [articles[i] for i in order], labels


class HashEmbedder:
    """A unit vector per text, drawn from the text's hash: no model time in the timings."""

    def embed(self, texts: list[str]) -> np.ndarray:
        out = []
        for text in texts:
            seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
            vector = np.random.default_rng(seed).standard_normal(384).astype("float32")
            out.append(vector / np.linalg.norm(vector))
        return np.stack(out) if out else np.zeros((0, 384), "float32")


def scale(n: int, folder: Path) -> list[str]:
    """Rows of the scale table: grouping N articles, regrouping N/2 revised, N/2 new."""
    rng = random.Random(58)
    vocabulary = [f"w{i}" for i in range(3000)]

    def words(k: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(k))

    articles = [Article(id=f"a{i}", text=f"{words(40)} Item {i}.", title=f"Report {i}",
                        published=f"2024-01-{i % 28 + 1:02d}", url=f"https://x.example/{i}")
                for i in range(n)]
    store = Store(f"sqlite:///{tempfile.mkdtemp(dir=folder)}/store.db")
    embedder = HashEmbedder()
    store.add_articles(articles)
    rows = []
    t0 = time.perf_counter()
    first = grouping_state.group_new(store, embedder=embedder, languages=None)
    rows.append(f"| group {n:,} articles from scratch | {time.perf_counter() - t0:.1f} | "
                f"{first.new_articles:,} grouped |")
    half = n // 2
    store.add_articles([replace(a, text=f"{a.text} {words(200)}") for a in articles[:half]])
    t0 = time.perf_counter()
    again = grouping_state.group_new(store, embedder=embedder, languages=None)
    rows.append(f"| then {half:,} of them revised (mostly new texts) | "
                f"{time.perf_counter() - t0:.1f} | {again.regrouped:,} regrouped |")
    store.add_articles([Article(id=f"n{i}", text=f"{words(240)} Item n{i}.", title=f"New {i}",
                                published="2024-01-28", url=f"https://x.example/n{i}")
                        for i in range(half)])
    t0 = time.perf_counter()
    new = grouping_state.group_new(store, embedder=embedder, languages=None)
    rows.append(f"| then {half:,} new articles | {time.perf_counter() - t0:.1f} | "
                f"{new.new_articles:,} grouped |")
    store.close()
    return rows


def mean_sd(values: list[float], digits: int = 3) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.{digits}f} ± {sd:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--share", type=float, default=0.3)
    ap.add_argument("--round", type=int, default=50, dest="size")
    ap.add_argument("--sets", nargs="*", default=["mixed-dev", "ecbplus-dev"])
    ap.add_argument("--scale", type=int, default=10_000)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    arms = [("stubs, kept", "stub", False), ("stubs, regrouped", "stub", True),
            ("stubs under a generic headline, kept", "generic", False),
            ("stubs under a generic headline, regrouped", "generic", True),
            ("corrections, kept", "fix", False), ("corrections, regrouped", "fix", True)]
    lines = [
        "## Revised articles: stubs of live pages, then their reports "
        "(`benchmarks/revised_grouping.py`)",
        "",
        f"Each labelled dev stream replayed through a store in rounds of {args.size} articles "
        f"(`group_new` after each round); in each round {args.share:.0%} of the articles of "
        f"over 60 words arrive as a stub (first sentences, up to {STUB_WORDS} words, same "
        "headline, or \"Breaking news\" in the generic arms) and a round later as the full "
        "report, a new version under the same URL; "
        "or, in the correction arms, whole and a round later corrected (one word, one line "
        "added). *Kept*: revised articles keep their story (before stop 58); *regrouped*: "
        "the shipped rules (an article whose text is mostly new against the one it was "
        "grouped by is grouped again, and the reports gathered round it may follow it). "
        "*Agreement* is the B-cubed "
        "F1 of the arm's stories scored against those of the full-text arm. Mean ± standard "
        "deviation over "
        f"seeds {', '.join(map(str, args.seeds))}.",
        "",
        "| set | arm | revised articles | B3 F1, all | B3 F1, revised ones | "
        "agreement with full texts | "
        "regrouped (in another story) | F1 gain over kept, per seed | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in args.sets:
            articles, labels = stream(name)
            t0 = time.perf_counter()
            ref, _, _, _ = replay(articles, "full", 0.0, 0, args.size, folder)
            ref_f1 = bcubed(ref, labels)[2]
            row = (f"| {name} | full texts | 0 | {ref_f1:.3f} | | | | | "
                   f"{time.perf_counter() - t0:.0f} |")
            print(row, flush=True)
            lines.append(row)
            kept: dict[str, list[float]] = {}  # mode -> F1 per seed with regrouping off
            for label, mode, on in arms:
                f1s, part, moved, counts, sizes, secs = [], [], [], [], [], []
                for seed in args.seeds:
                    t0 = time.perf_counter()
                    with regrouping(on):
                        pred, revised, regrouped, elsewhere = replay(
                            articles, mode, args.share, seed, args.size, folder)
                    secs.append(time.perf_counter() - t0)
                    f1s.append(bcubed(pred, labels)[2])
                    part.append(bcubed(pred, labels, revised)[2])
                    moved.append(bcubed(pred, ref)[2])
                    counts.append((regrouped, elsewhere))
                    sizes.append(len(revised))
                gains = "" if not on else ", ".join(
                    f"{b - a:+.3f}" for a, b in zip(kept[mode], f1s, strict=True))
                kept.setdefault(mode, f1s)
                row = (f"| {name} | {label} | {statistics.mean(sizes):.0f} | {mean_sd(f1s)} | "
                       f"{mean_sd(part)} | {mean_sd(moved)} | "
                       f"{statistics.mean(c[0] for c in counts):.0f} "
                       f"({statistics.mean(c[1] for c in counts):.0f}) | "
                       f"{gains} | {statistics.mean(secs):.0f} |")
                print(row, flush=True)
                lines.append(row)
        if args.scale:
            lines += ["", f"Bookkeeping at scale (`--scale {args.scale}`, synthetic texts, "
                      "stand-in embedder):", "", "| run | seconds | articles |",
                      "|---|---|---|"]
            for row in scale(args.scale, folder):
                print(row, flush=True)
                lines.append(row)
    if not args.no_write:
        write_section("revised-grouping", "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
