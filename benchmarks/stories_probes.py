"""Two probes of story grouping that need no grouper change, cross-validated as in
``stories_cv.py`` (5 folds over whole stories / ECB+ topics, whole-stream view): a story merge
pass after grouping, and the join threshold picked out of fold. Neither ships (issue 15, stop
28); this script keeps the numbers rerunnable.

- Merge pass: each fold's predicted stories merged greedily (closest pair first) while the
  cosine of their TF-IDF centroids (scikit-learn, sublinear tf, English stop words, fitted on
  the set) is at least a cutoff; the cutoff (or no merge) picked on the training folds'
  articles of the same grouped stream, the held fold scored.
- Out-of-fold threshold: the training stories cut in two halves (``cross_part``); per half, a
  model fitted without it groups the whole training stream, the half's articles are scored
  per threshold; the best mean picks the threshold of the model fitted on all training folds.

    python benchmarks/stories_probes.py              # about 15 minutes on two free cores
    python benchmarks/stories_probes.py --no-write
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import write_section  # noqa: E402
from benchmarks.stories import (  # noqa: E402
    SETS,
    TRAIN_THRESHOLDS,
    CachedEmbedder,
    Data,
    bcubed,
    cross_part,
    load,
    run_ours,
)
from benchmarks.stories_cv import fit, fold_of, select, spread  # noqa: E402
from newsweave.models import Article  # noqa: E402
from newsweave.settings import GroupSettings  # noqa: E402

#: centroid cosines tried by the merge pass; None: no merge
MERGE_GRID: tuple[float | None, ...] = (None, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def tfidf_rows(articles: list[Article]):
    """L2-normalised TF-IDF rows of title + text, in article order."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)\
        .fit_transform([f"{a.title or ''}\n{a.text}" for a in articles])


def merge_stories(pred: dict[str, str], rows, row_of: dict[str, int],
                  cutoff: float | None) -> dict[str, str]:
    """Greedy average-centroid merge: the pair of stories whose summed TF-IDF vectors are most
    cosine-similar is merged while that cosine is at least ``cutoff``."""
    if cutoff is None:
        return pred
    from scipy.sparse import csr_matrix

    ids = sorted(set(pred.values()))
    index = {s: i for i, s in enumerate(ids)}
    members = csr_matrix((np.ones(len(pred)), ([index[s] for s in pred.values()],
                                               [row_of[a] for a in pred])),
                         shape=(len(ids), rows.shape[0]))
    gram = (members @ rows @ (members @ rows).T).toarray()  # centroid dot products
    alive = np.ones(len(ids), dtype=bool)
    root = list(range(len(ids)))
    while alive.sum() > 1:
        norms = np.sqrt(np.clip(np.diag(gram), 1e-12, None))
        cos = gram / norms[:, None] / norms[None, :]
        np.fill_diagonal(cos, -1.0)
        cos[~alive, :] = -1.0
        cos[:, ~alive] = -1.0
        i, j = np.unravel_index(int(np.argmax(cos)), cos.shape)
        if cos[i, j] < cutoff:
            break
        gram[i, :] += gram[j, :]
        gram[:, i] += gram[:, j]
        alive[j] = False
        root[j] = int(i)

    def top(k: int) -> int:
        while root[k] != k:
            k = root[k]
        return k
    return {a: ids[top(index[s])] for a, s in pred.items()}


def oof_threshold(train: Data, embedder) -> tuple[float, dict[float, float]]:
    """The threshold of best mean F1 over the two halves' articles, each half scored in the whole
    training stream grouped by a model fitted without it (the higher one on a tie)."""
    grid: dict[float, list[float]] = {t: [] for t in TRAIN_THRESHOLDS}
    for half in range(2):
        sub = select(train, lambda n, lb, h=half: cross_part(n, lb, 2) != h)
        model = fit(sub, embedder, 4, dagger=1)
        for t in TRAIN_THRESHOLDS:
            for name, (articles, labels) in train.items():
                keep = {a.id for a in articles if cross_part(name, labels[a.id], 2) == half}
                pred = run_ours(articles, GroupSettings(), embedder,
                                replace(model, threshold=t))[0]
                grid[t].append(bcubed(pred, labels, keep)[2])
    means = {t: statistics.fmean(v) for t, v in grid.items()}
    return max(means, key=lambda t: (means[t], t)), means


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    data = {name: load(name) for name in SETS}
    tfidf = {name: (tfidf_rows(arts), {a.id: i for i, a in enumerate(arts)})
             for name, (arts, _) in data.items()}
    embedder = CachedEmbedder()
    embedder.embed(["warm up"])
    settings = GroupSettings()
    cols: dict[str, dict[str, list[float]]] = {
        name: {"shipped": [], "merge": [], "oof": []} for name in SETS}
    picks: list[str] = []
    for k in range(args.folds):
        start = time.perf_counter()
        train = select(data, lambda n, lb, k=k: fold_of(n, lb, args.folds) != k)
        model = fit(train, embedder, 4, dagger=1)
        oof, _ = oof_threshold(train, embedder)
        preds, held, trained = {}, {}, {}
        for name, (articles, labels) in data.items():
            preds[name] = run_ours(articles, settings, embedder, model)[0]
            held[name] = {a.id for a in articles if fold_of(name, labels[a.id], args.folds) == k}
            trained[name] = {a.id for a in articles} - held[name]
        merged = {c: {n: merge_stories(preds[n], *tfidf[n], c) for n in SETS} for c in MERGE_GRID}
        cutoff = max(MERGE_GRID, key=lambda c: (round(statistics.fmean(
            bcubed(merged[c][n], data[n][1], trained[n])[2] for n in SETS), 4), c is None))
        for name, (articles, labels) in data.items():
            cols[name]["shipped"].append(bcubed(preds[name], labels, held[name])[2])
            cols[name]["merge"].append(bcubed(merged[cutoff][name], labels, held[name])[2])
            pred = run_ours(articles, settings, embedder, replace(model, threshold=oof))[0]
            cols[name]["oof"].append(bcubed(pred, labels, held[name])[2])
        picks.append(f"fold {k}: threshold {model.threshold} in-sample, {oof} out of fold; "
                     f"merge cutoff {cutoff}")
        print(picks[-1], {n: {c: round(v[-1], 3) for c, v in cols[n].items()} for n in SETS},
              f"({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
    lines = [
        "## Story grouping probes (`benchmarks/stories_probes.py`)", "",
        f"{args.folds}-fold CV as in `stories_cv.py` (shipped recipe per fold, each whole set "
        "grouped as one stream, the held fold scored; B-cubed F1, mean ± sd, then per fold). "
        "*Merge pass*: predicted stories merged by TF-IDF centroid cosine, cutoff picked on the "
        "training folds' articles. *Out-of-fold threshold*: picked by models fitted without "
        "each half of the training stories. Neither ships.", "",
        "| set | shipped | + merge pass | out-of-fold threshold |", "|---|---|---|---|"]
    for name in SETS:
        cells = [f"{spread(v)} ({', '.join(f'{x:.3f}' for x in v)})"
                 for v in cols[name].values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", *(f"- {p}" for p in picks)]
    text = "\n".join(lines)
    if not args.no_write:
        write_section("stories-probes", text)
    print(text)


if __name__ == "__main__":
    main()
