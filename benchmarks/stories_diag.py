"""Why recall is lost: for each article that opened a new story although earlier articles of
its labelled story were already grouped, was its story among the candidates at all (else the
HNSW neighbours / time window missed it), and if so, what did the join model give it?
Run on TRAINING folds only (``--fold k`` leaves fold k out): rules read off the errors of the
fold that is scored would be fitted to it (issue 15).

    python benchmarks/stories_diag.py --fold 0
    python benchmarks/stories_diag.py --fold 0 --shipped --ceilings

``--ceilings`` asks where the lost B-cubed F1 is, before anyone builds a pass to win it back:
the F1 if every predicted story were moved whole into the one holding most of its labelled
story (a perfect story merge), if every predicted story were cut by label (a perfect split),
if only one-article stories were moved (a perfect late re-offer of singletons), and how well
story-level similarities (MiniLM centroid cosine, TF-IDF centroid cosine, IDF-weighted name
cosine, overlap of the ten most frequent names, and the mean of centroid and name cosine)
tell predicted stories of one labelled story from the rest (ROC AUC over all pairs, and F1
after merging the most similar pairs). Stories that left the time window are kept for it
(eviction off), which moves the grouping itself a little.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.stories import SETS, CachedEmbedder, _date_key, bcubed, load, run_ours  # noqa: E402
from benchmarks.stories_cv import fit, fold_of, select  # noqa: E402
from newsweave.group import FEATURES, StoryGrouper, default_join_model, story_id_for  # noqa: E402
from newsweave.settings import GroupSettings  # noqa: E402


def diagnose(name: str, articles, labels, model, embedder, settings: GroupSettings) -> dict:
    seen: dict[str, list[tuple[list[str], np.ndarray]]] = defaultdict(list)

    def observe(article_id: str, story_ids: list[str], rows: np.ndarray) -> None:
        seen[article_id].append((story_ids, rows))

    grouper = StoryGrouper(settings, embedder=embedder, join_model=model)
    ordered = [a for _, a in sorted(enumerate(articles), key=lambda p: _date_key(p[1], p[0]))]
    grouper.prime(ordered)
    story_label: dict[str, Counter] = defaultdict(Counter)
    labelled_before: set[str] = set()
    kinds: Counter = Counter()
    missed_probs: list[float] = []
    missed_rows: list[np.ndarray] = []
    for lo in range(0, len(ordered), 256):
        chunk = ordered[lo: lo + 256]
        out = grouper.add_many(chunk, observer=observe)
        for article, assigned in zip(chunk, out, strict=True):
            label = labels[article.id]
            opened = assigned.story_id == story_id_for(article.id)
            if opened and label in labelled_before:
                cands = seen[article.id][-1] if seen[article.id] else ([], np.zeros((0, 1)))
                own = [i for i, sid in enumerate(cands[0])
                       if story_label[sid] and story_label[sid].most_common(1)[0][0] == label]
                if not own:
                    kinds["own story not among candidates"] += 1
                else:
                    probs = model.probability(cands[1][own])
                    kinds["candidate, below threshold"] += 1
                    missed_probs.append(float(probs.max()))
                    missed_rows.append(cands[1][own][int(np.argmax(probs))])
            elif not opened:
                kinds["joined"] += 1
            else:
                kinds["opened (first of its story)"] += 1
            story_label[assigned.story_id][label] += 1
            labelled_before.add(label)
    out = {"kinds": dict(kinds)}
    if missed_probs:
        out["missed prob median"] = statistics.median(missed_probs)
        rows = np.array(missed_rows)
        out["missed feature medians"] = {f: round(float(np.median(rows[:, i])), 3)
                                         for i, f in enumerate(FEATURES)}
    return out


def relabel(pred: dict[str, str], target: dict[str, str]) -> dict[str, str]:
    """Each article's predicted story replaced through ``target`` (story -> story)."""
    return {a: target.get(s, s) for a, s in pred.items()}


def merged_pairs(pred: dict[str, str], pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Predicted stories joined along ``pairs`` (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
    return {a: find(s) for a, s in pred.items()}


def ceilings(articles, labels, model, embedder, settings: GroupSettings) -> dict:
    """Oracle merge / split / singleton re-offer F1, and story-pair separability."""
    from sklearn.metrics import roc_auc_score

    from newsweave.group import _date_order, group_stream

    grouper = StoryGrouper(settings, embedder=embedder, join_model=model)
    grouper._evict = lambda: None  # keep every story for the pair table
    pred = {a.id: s.story_id for a, s in
            group_stream([articles[i] for i in _date_order(articles)], grouper=grouper)}
    members: dict[str, list[str]] = defaultdict(list)
    for a, s in pred.items():
        members[s].append(a)
    majority = {s: Counter(labels[a] for a in arts).most_common(1)[0][0]
                for s, arts in members.items()}
    home: dict[str, Counter] = defaultdict(Counter)
    for a, s in pred.items():
        home[labels[a]][s] += 1
    best_home = {lab: c.most_common(1)[0][0] for lab, c in home.items()}
    out = {"grouped": bcubed(pred, labels), "stories": len(members),
           "labelled stories": len({labels[a] for a in pred})}
    out["perfect merge"] = bcubed(relabel(pred, {s: best_home[majority[s]]
                                                 for s in members}), labels)
    out["perfect split"] = bcubed({a: (s, labels[a]) for a, s in pred.items()}, labels)
    out["perfect singleton re-offer"] = bcubed(relabel(pred, {
        s: best_home[majority[s]] for s, arts in members.items() if len(arts) == 1}), labels)
    ids = [s for s in members if s in grouper._stories]
    stories = [grouper._stories[s] for s in ids]
    vecs = np.stack([s.vector_sum / max(float(np.linalg.norm(s.vector_sum)), 1e-9)
                     for s in stories])
    emb = vecs @ vecs.T
    # the stories' names as IDF-weighted vectors (log counts) and their ten most frequent
    # names: does naming the same people and places tell a topic's fragments apart from
    # look-alike events?
    def name_idf(key: int) -> float:
        return math.log((grouper._docs + 1.0) / (grouper._entity_df[key] + 1.0)) + 1.0

    names = [{k: (1.0 + math.log(c)) * name_idf(k) for k, c in s.entities.items()}
             for s in stories]
    name_norms = [math.sqrt(sum(v * v for v in n.values())) for n in names]
    tops = [{k for k, _ in s.entities.most_common(10)} for s in stories]
    pairs, same, sims = [], [], []
    for i, a in enumerate(stories):
        for j in range(i + 1, len(stories)):
            b = stories[j]
            dot = sum(w * b.terms.get(k, 0.0) for k, w in a.terms.items())
            norm = a.terms_norm * b.terms_norm
            pairs.append((ids[i], ids[j]))
            same.append(majority[ids[i]] == majority[ids[j]])
            name_norm = name_norms[i] * name_norms[j]
            name_cos = sum(w * names[j].get(k, 0.0) for k, w in names[i].items()) / name_norm \
                if name_norm else 0.0
            smaller = min(sum(map(name_idf, tops[i])), sum(map(name_idf, tops[j]))) or 1.0
            top_overlap = sum(map(name_idf, tops[i] & tops[j])) / smaller
            sims.append((float(emb[i, j]), dot / norm if norm else 0.0, name_cos, top_overlap,
                         0.5 * float(emb[i, j]) + 0.5 * name_cos))
    same_arr, sim_arr = np.array(same), np.array(sims)
    for col, name in enumerate(("centroid cosine", "TF-IDF centroid cosine", "name cosine",
                                "top-10 name overlap (IDF share of the smaller story's)",
                                "mean of centroid and name cosine")):
        if same_arr.any() and not same_arr.all():
            out[f"{name}: AUC"] = round(float(roc_auc_score(same_arr, sim_arr[:, col])), 3)
        order = np.argsort(-sim_arr[:, col])
        for top in (10, 25, 50):
            chosen = [pairs[k] for k in order[:top]]
            out[f"{name}: {top} most similar pairs merged"] = (
                int(same_arr[order[:top]].sum()), bcubed(merged_pairs(pred, chosen), labels))
    return out


def group_ours(articles, settings, embedder, model) -> dict[str, str]:
    return run_ours(articles, settings, embedder, model)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--shipped", action="store_true",
                        help="use the shipped join model instead of fitting one (quicker)")
    parser.add_argument("--neighbours", type=int, default=GroupSettings().neighbours)
    parser.add_argument("--window-days", type=int, default=GroupSettings().window_days)
    parser.add_argument("--ceilings", action="store_true",
                        help="where the lost F1 is: perfect merge / split / singleton re-offer, "
                             "and how well story-level similarities separate fragments")
    args = parser.parse_args()
    data = {name: load(name) for name in SETS}
    train = select(data, lambda n, lb: fold_of(n, lb, args.folds) != args.fold)
    embedder = CachedEmbedder()
    model = default_join_model() if args.shipped else fit(train, embedder, 4)
    print(f"model {'shipped' if args.shipped else 'fitted'}, scored on folds != {args.fold}, "
          f"threshold {model.threshold}")
    for name, (articles, labels) in train.items():
        settings = replace(GroupSettings(), neighbours=args.neighbours,
                           window_days=args.window_days)
        if args.ceilings:
            for key, value in ceilings(articles, labels, model, embedder, settings).items():
                print(f"{name}  {key}: {_rounded(value)}")
            continue
        print(name, bcubed(group_ours(articles, settings, embedder, model), labels),
              diagnose(name, articles, labels, model, embedder, settings))


def _rounded(value):
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, tuple):
        return tuple(_rounded(v) for v in value)
    return value


if __name__ == "__main__":
    main()
