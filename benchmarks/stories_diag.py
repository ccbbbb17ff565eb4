"""Why recall is lost: for each article that opened a new story although earlier articles of
its labelled story were already grouped, was its story among the candidates at all (else the
HNSW neighbours / time window missed it), and if so, what did the join model give it?
Run on TRAINING folds only (``--fold k`` leaves fold k out): rules read off the errors of the
fold that is scored would be fitted to it (issue 15).

    python benchmarks/stories_diag.py --fold 0
"""

from __future__ import annotations

import argparse
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
        print(name, bcubed(group_ours(articles, settings, embedder, model), labels),
              diagnose(name, articles, labels, model, embedder, settings))


if __name__ == "__main__":
    main()
