"""Story grouping benchmark: B-cubed precision/recall/F1 and articles/s of ``newsweave.group``
beside single-pass TF-IDF and TF-IDF + MiniLM baselines, on the two labelled sets in
``../shared/data/clustering/``; ``newsweave ingest`` + ``newsweave stories`` timed as a user runs
them; and a 100k-article synthetic stream through the store and the grouper for memory.

Labels are read only to split and to score: the articles handed to the grouper carry none.
Split: a story (mixed-dev) or an ECB+ topic (both of its events together) is in the tuning half
when the first hex digit of sha1(key) is even; the report fits a join model on that half by the
shipped recipe and scores it on the other half (held-out) and on all. The shipped model is the
same recipe fitted on all of both dev sets (since stop 32: on unseen streams the recipe gains
from 20% to 40% of the stories and is level or better beyond, ``stories_cv.py
--learning-curve``), so the held-out rows describe the recipe, not the shipped weights; the
command-line rate and the stream use the shipped model.

    python benchmarks/stories.py            # report (writes section `stories` of RESULTS.md)
    python benchmarks/stories.py --train    # refit the shipped join model on all of both dev
                                            # sets: teacher-forced rows, then one DAgger round
                                            # (writes src/newsweave/data/join_model.json)
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import DATA, peak_rss_mb, write_section  # noqa: E402
from newsweave.group import (  # noqa: E402
    FEATURES,
    JoinModel,
    StoryGrouper,
    group_articles,
    story_id_for,
)
from newsweave.ingest import clean_title, without_wire_markup  # noqa: E402
from newsweave.models import Article  # noqa: E402
from newsweave.settings import GroupSettings  # noqa: E402

SETS = ("mixed-dev", "ecbplus-dev")
MIRANDA = 0.940  # Miranda et al. 2018, English news stream clustering, B-cubed F1


# --------------------------------------------------------------------------- data
def load(name: str) -> tuple[list[Article], dict[str, str]]:
    """Articles without labels, and the labels kept aside for scoring."""
    articles, labels = [], {}
    path = DATA / "clustering" / f"{name}.jsonl"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            articles.append(Article(  # text and title as ``newsweave ingest`` stores them
                id=row["id"], text=without_wire_markup(row["text"]),
                title=clean_title(row.get("title")),
                outlet=row.get("outlet"), published=row.get("published"), url=row.get("url"),
            ))
            labels[row["id"]] = row["label"]
    return articles, labels


def split_key(name: str, label: str) -> str:
    """ECB+ labels are topic + a/b: both events of a topic go to the same half."""
    return re.sub(r"[ab]$", "", label) if name.startswith("ecbplus") else label


def is_tuning(name: str, label: str) -> bool:
    return int(hashlib.sha1(split_key(name, label).encode()).hexdigest()[0], 16) % 2 == 0


def halves(name: str, articles: list[Article], labels: dict[str, str]) -> dict[str, list[Article]]:
    tune = [a for a in articles if is_tuning(name, labels[a.id])]
    held = [a for a in articles if not is_tuning(name, labels[a.id])]
    return {"tune": tune, "held-out": held, "all": articles}


# --------------------------------------------------------------------------- scoring
def bcubed(pred: dict[str, str], gold: dict[str, str], keep: set[str] | None = None
           ) -> tuple[float, float, float]:
    """B-cubed over articles, as the data README defines it; with ``keep``, averaged over
    those articles only, their predicted and labelled stories still taken whole (a held fold
    scored inside the full stream it was grouped in)."""
    p_members: dict[str, set[str]] = defaultdict(set)
    g_members: dict[str, set[str]] = defaultdict(set)
    for aid, sid in pred.items():
        p_members[sid].add(aid)
        g_members[gold[aid]].add(aid)
    scored = [aid for aid in pred if keep is None or aid in keep]
    if not scored:
        return 0.0, 0.0, 0.0
    precision = recall = 0.0
    for aid in scored:
        sid = pred[aid]
        both = len(p_members[sid] & g_members[gold[aid]])
        precision += both / len(p_members[sid])
        recall += both / len(g_members[gold[aid]])
    precision /= len(scored)
    recall /= len(scored)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


class CachedEmbedder:
    """The real embedder behind a text cache (at most ``limit`` entries, oldest dropped first),
    so tuning loops and the resampled stream embed each distinct lead once."""

    def __init__(self, limit: int | None = None) -> None:
        from newsweave.embed import get_embedder

        self.inner = get_embedder()
        self.cache: dict[str, np.ndarray] = {}
        self.misses = 0
        self.limit = limit

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if todo:
            self.misses += len(todo)
            for text, vec in zip(todo, self.inner.embed(todo), strict=True):
                self.cache[text] = vec
        out = np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, 384))
        if self.limit is not None and len(self.cache) > self.limit:  # bounded: drop oldest
            for key in list(self.cache)[: len(self.cache) - self.limit]:
                del self.cache[key]
        return out


def run_ours(articles: list[Article], settings: GroupSettings, embedder=None, join_model=None
             ) -> tuple[dict[str, str], float, int, float]:
    """Assignments, wall seconds, copies flagged, and CPU seconds (all threads of this
    process: on a shared machine the wall clock also counts other people's work)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = group_articles(articles, settings, embedder=embedder, join_model=join_model)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    pred = {a.article_id: a.story_id for a in out}
    return pred, seconds, sum(bool(a.duplicate_of) for a in out), cpu


# --------------------------------------------------------------------------- baseline
def _date_key(article: Article, index: int) -> tuple[bool, str, int]:
    return (article.published is None, article.published or "", index)


def tfidf_gram(articles: list[Article]) -> tuple[list[Article], np.ndarray]:
    """Date-ordered articles and the cosine matrix of their TF-IDF vectors (scikit-learn,
    sublinear tf, English stop words, IDF fitted on the set being grouped)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    ordered = [a for _, a in sorted(enumerate(articles), key=lambda p: _date_key(p[1], p[0]))]
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)\
        .fit_transform([f"{a.title or ''}\n{a.text}" for a in ordered])
    return ordered, (matrix @ matrix.T).toarray()


def single_pass(ordered: list[Article], gram: np.ndarray, threshold: float) -> dict[str, str]:
    """Single-pass clustering: each article joins the cluster whose centroid (sum of member
    vectors) is most cosine-similar, if at least ``threshold``, else opens a new one. Dot
    products and centroid norms come from the Gram matrix, exactly."""
    members: list[list[int]] = []
    norms2: list[float] = []
    pred: dict[str, str] = {}
    for i, article in enumerate(ordered):
        best, best_sim = -1, -1.0
        for c, idx in enumerate(members):
            sim = float(gram[i, idx].sum()) / (norms2[c] ** 0.5 or 1.0)
            if sim > best_sim:
                best, best_sim = c, sim
        if best >= 0 and best_sim >= threshold:
            norms2[best] += 2 * float(gram[i, members[best]].sum()) + float(gram[i, i])
            members[best].append(i)
        else:
            best = len(members)
            members.append([i])
            norms2.append(float(gram[i, i]))
        pred[article.id] = f"c{best}"
    return pred


def tune_baseline(articles: list[Article], labels: dict[str, str]) -> float:
    ordered, gram = tfidf_gram(articles)
    grid = [round(t, 2) for t in np.arange(0.05, 0.61, 0.025)]
    return max(grid, key=lambda t: bcubed(single_pass(ordered, gram, t), labels)[2])


# --------------------------------------------------------------------------- training
MODEL_PATH = Path(__file__).resolve().parents[1] / "src" / "newsweave" / "data" / "join_model.json"


def collect_rows(articles: list[Article], labels: dict[str, str], embedder,
                 base: GroupSettings, ids: list[str] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Teacher forcing: replay the tuning stream with every article put in its true story and
    record the features of each candidate story with whether it was the right one; ``ids``,
    when given, receives each row's article id (to leave some stories' rows out)."""
    rows: list[np.ndarray] = []
    ys: list[np.ndarray] = []

    def observe(article_id: str, story_ids: list[str], feats: np.ndarray) -> None:
        rows.append(feats)
        ys.append(np.array([sid == labels[article_id] for sid in story_ids], dtype=int))
        if ids is not None:
            ids.extend([article_id] * len(story_ids))

    grouper = StoryGrouper(base, embedder=embedder)
    ordered = [a for _, a in sorted(enumerate(articles), key=lambda p: _date_key(p[1], p[0]))]
    grouper.prime(ordered)
    for lo in range(0, len(ordered), 256):
        chunk = ordered[lo : lo + 256]
        grouper.add_many(chunk, forced=[labels[a.id] for a in chunk], observer=observe)
    return np.vstack(rows), np.concatenate(ys)


def collect_free_rows(articles: list[Article], labels: dict[str, str], embedder,
                      base: GroupSettings, model, keep: set[str] | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The stream grouped by ``model`` itself, each candidate story's features recorded with
    whether the story was opened by an article of the right label (with ``keep``, only the
    decisions of those articles). Why: teacher-forced rows only show clean stories, while a
    running grouper meets the stories its own wrong joins made (exposure bias; one round of
    DAgger, Ross et al. 2011)."""
    owner = {story_id_for(a.id): labels[a.id] for a in articles}
    rows: list[np.ndarray] = []
    ys: list[np.ndarray] = []

    def observe(article_id: str, story_ids: list[str], feats: np.ndarray) -> None:
        if keep is not None and article_id not in keep:
            return
        rows.append(feats)
        ys.append(np.array([owner.get(sid) == labels[article_id] for sid in story_ids],
                           dtype=int))

    grouper = StoryGrouper(base, embedder=embedder, join_model=model)
    ordered = [a for _, a in sorted(enumerate(articles), key=lambda p: _date_key(p[1], p[0]))]
    grouper.prime(ordered)
    for lo in range(0, len(ordered), 256):
        grouper.add_many(ordered[lo : lo + 256], observer=observe)
    if not rows:
        return np.zeros((0, len(FEATURES))), np.zeros(0, dtype=int)
    return np.vstack(rows), np.concatenate(ys)


def free_streams(name: str, articles: list[Article], labels: dict[str, str], parts: int
                 ) -> Iterator[list[Article]]:
    """The streams the DAgger round groups: the whole set, then (``parts`` > 0) its stories
    split into ``parts`` smaller streams by a hash of the story (ECB+: of the topic). Why: the
    whole set is a busy stream, a part a quiet one; rows from one regime only teach the model
    to join too little (or too much) in the other."""
    yield articles
    keys = {a.id: int(hashlib.sha1(split_key(name, labels[a.id]).encode()).hexdigest(), 16)
            for a in articles}
    for part in range(parts):
        yield [a for a in articles if keys[a.id] % parts == part]


def replays(name: str, articles: list[Article], labels: dict[str, str], extra: int
            ) -> Iterator[list[Article]]:
    """The tuning stream as it is, then (ECB+, undated) ``extra`` more with each topic's
    articles in another order: the decision that matters most there, whether the first
    report of the second event joins the first event's one-article story, occurs once per
    topic and order, so a few orders give the model more of it. Topics stay in sequence:
    mixing them would turn a quiet stream into a busy one."""
    yield articles
    if not name.startswith("ecbplus"):
        return
    for seed in range(1, extra + 1):
        rng = random.Random(seed)
        blocks: dict[str, list[Article]] = defaultdict(list)
        for article in articles:
            blocks[split_key(name, labels[article.id])].append(article)
        order: list[Article] = []
        for block in blocks.values():
            block = list(block)
            rng.shuffle(block)
            order.extend(block)
        yield order


def fit_join_model(x: np.ndarray, y: np.ndarray, threshold: float, nets: int = 5,
                   hidden: int = 16, alpha: float = 0.1, bag: bool = False):
    """An ensemble of ``nets`` one-hidden-layer networks over the standardised rows, each from
    its own seed and, with ``bag``, on its own bootstrap sample of the rows."""
    from sklearn.neural_network import MLPClassifier

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    xs = (x - mean) / scale
    fitted = []
    for seed in range(nets):
        rows = np.random.default_rng(seed).integers(0, len(y), len(y)) if bag else \
            np.arange(len(y))
        m = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=alpha, max_iter=3000,
                          random_state=seed).fit(xs[rows], y[rows])
        fitted.append((m.coefs_[0], m.intercepts_[0], m.coefs_[1][:, 0],
                       float(m.intercepts_[1][0])))
    return JoinModel(FEATURES, threshold, mean, scale, tuple(fitted))


#: the join model's inputs: every computed feature but the four busy x similarity products.
#: Cross-validated (``stories_cv.py``), the products cost mixed stories 0.03 F1 on every fold
#: (they let the network key its threshold on how busy the dev stream is) for 0.01 on ECB+
TRAIN_FEATURES = tuple(f for f in FEATURES if not f.startswith("busy*"))
#: smaller streams (besides the whole set) the DAgger round groups, see ``free_streams``;
#: none: with 4, the CV's whole-stream view fell on three folds of three run (stop 25)
DAGGER_PARTS = 0
#: join thresholds tried (the cross-validated pick sat at 0.05-0.15)
TRAIN_THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.35)


Data = dict[str, tuple[list[Article], dict[str, str]]]


def teacher_rows(sets: Data, embedder, base: GroupSettings, extra_orders: int = 4,
                 mixed_orders: int = 0, features: tuple[str, ...] = TRAIN_FEATURES,
                 ids: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Teacher-forced rows (``features`` only) of every set: as filed, ECB+ replayed in
    ``extra_orders`` more orders (``replays``), mixed in ``mixed_orders`` shuffled ones;
    ``ids``, when given, receives each row's article id."""
    cols = [FEATURES.index(f) for f in features]
    xs, ys = [], []
    for name, (articles, labels) in sets.items():
        if not articles:
            continue
        orders = list(replays(name, articles, labels, extra_orders))
        if not name.startswith("ecbplus"):
            orders += list(reordered(name, articles, labels, mixed_orders))
        for order in orders:
            x, y = collect_rows(order, labels, embedder, base, ids)
            xs.append(x[:, cols])
            ys.append(y)
    return np.vstack(xs), np.concatenate(ys)


def cross_part(name: str, label: str, parts: int) -> int:
    """The cross-fitting part of a story (ECB+: of its topic), salted apart from the CV folds."""
    if parts < 2:
        return 0
    key = "crossfit:" + split_key(name, label)
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % parts


def threshold_grid(model, sets: Data, embedder, base: GroupSettings,
                   thresholds: tuple[float, ...], log=None) -> dict[float, list[float]]:
    """B-cubed F1 of each set (each grouped whole) under each join threshold."""
    grid: dict[float, list[float]] = {}
    for threshold in thresholds:
        trial = replace(model, threshold=threshold)
        grid[threshold] = [bcubed(run_ours(a, base, embedder, trial)[0], lb)[2]
                           for a, lb in sets.values() if a]
        if log is not None:
            log(f"threshold {threshold}: F1 {[round(f, 4) for f in grid[threshold]]}")
    return grid


#: thresholds whose mean F1 is within this of the best count as tied, and the highest of them
#: is picked: one fold's F1 moves by that much with nothing changed (RESULTS, stop 26), and a
#: lower threshold bought with less than that joins more unrelated stories
THRESHOLD_TOLERANCE = 0.0


def best_threshold(grid: dict[float, list[float]]) -> float:
    """The threshold of best mean F1; on a tie (within ``THRESHOLD_TOLERANCE``) the higher one
    (fewer joins)."""
    means = {t: sum(f) / len(f) for t, f in grid.items()}
    best = max(means.values())
    return max(t for t, m in means.items() if m >= best - THRESHOLD_TOLERANCE - 1e-12)


def fit_recipe(sets: Data, embedder, extra_orders: int = 4,
               features: tuple[str, ...] = TRAIN_FEATURES, mixed_orders: int = 0,
               settings: GroupSettings | None = None,
               thresholds: tuple[float, ...] = TRAIN_THRESHOLDS, alpha: float = 0.1,
               dagger: int = 1, dagger_parts: int = DAGGER_PARTS, log=None,
               crossfit: int = 0, nets: int = 5, bag: bool = False
               ) -> tuple[JoinModel, dict[float, list[float]]]:
    """The join model's training recipe, shared by ``--train`` (on the tuning halves) and the
    cross-validation (on the training folds): a network ensemble (weight decay ``alpha``) on
    teacher-forced rows (``teacher_rows``); ``dagger`` rounds in which the sets, grouped by
    the model with its threshold picked, add their candidate rows (``collect_free_rows``, on
    ``free_streams``) and the model is refitted; then the threshold of best mean F1 over the
    sets, each grouped whole (in-sample). With ``crossfit`` = k >= 2 the stories are cut into
    k parts (``cross_part``) and each part's decisions in the round are taken by a model
    fitted without that part's rows, so the round sees the errors the model makes on stories
    it never learnt from. Returns the model and that threshold grid."""
    base = settings or GroupSettings()
    cols = [FEATURES.index(f) for f in features]
    ids: list[str] = []
    x, y = teacher_rows(sets, embedder, base, extra_orders, mixed_orders, features, ids)
    xs, ys = [x], [y]
    if log is not None:
        log(f"{len(y)} teacher-forced rows")
    model = replace(fit_join_model(x, y, threshold=0.5, alpha=alpha, nets=nets, bag=bag),
                    features=features)
    # crossfit: per part, a model fitted without that part's stories' teacher-forced rows,
    # and the part's article ids (whose decisions it takes in each DAgger round)
    crossed: list[tuple[JoinModel, set[str]]] = []
    if crossfit >= 2 and dagger:
        part = {a.id: cross_part(name, labels[a.id], crossfit)
                for name, (articles, labels) in sets.items() for a in articles}
        row_part = np.array([part[i] for i in ids])
        crossed = [(replace(fit_join_model(x[row_part != j], y[row_part != j], threshold=0.5,
                                           alpha=alpha, nets=nets, bag=bag), features=features),
                    {i for i, p in part.items() if p == j}) for j in range(crossfit)]
    for _ in range(int(dagger)):
        grid = threshold_grid(model, sets, embedder, base, thresholds, log)
        first = replace(model, threshold=best_threshold(grid))
        movers = [(replace(m, threshold=first.threshold), keep) for m, keep in crossed] \
            or [(first, None)]
        for name, (articles, labels) in sets.items():
            for stream in free_streams(name, articles, labels, dagger_parts) if articles else ():
                for mover, keep in movers:
                    fx, fy = collect_free_rows(stream, labels, embedder, base, mover, keep)
                    xs.append(fx[:, cols])
                    ys.append(fy)
        x, y = np.vstack(xs), np.concatenate(ys)
        model = replace(fit_join_model(x, y, threshold=0.5, alpha=alpha, nets=nets, bag=bag),
                        features=features)
        if log is not None:
            log(f"dagger: first model threshold {first.threshold}, {len(y)} rows in all")
    grid = threshold_grid(model, sets, embedder, base, thresholds, log)
    return replace(model, threshold=best_threshold(grid)), grid


def train(data: Data, embedder=None, extra_orders: int = 4,
          features: tuple[str, ...] = TRAIN_FEATURES,
          thresholds: tuple[float, ...] = TRAIN_THRESHOLDS, dagger: int = 1,
          dagger_parts: int = DAGGER_PARTS, part: str = "all"
          ) -> tuple[JoinModel, dict[float, list[float]]]:
    """Fit the join model on one part of both sets (``fit_recipe``; the threshold is picked
    there too): ``"all"`` ships, ``"tune"`` leaves the held-out halves unseen."""
    tunes = {name: (halves(name, a, lb)[part], lb) for name, (a, lb) in data.items()}
    return fit_recipe(tunes, embedder or CachedEmbedder(), extra_orders, features,
                      thresholds=thresholds, dagger=dagger, dagger_parts=dagger_parts,
                      log=lambda line: print(line, file=sys.stderr, flush=True))


SPLIT_GRID = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def tune_split(data: dict[str, tuple[list[Article], dict[str, str]]], embedder=None,
               join_model: JoinModel | None = None) -> dict[float, list[float]]:
    """Tuning-half B-cubed F1 of each set for each ``split_probability`` (0: no split check),
    with ``join_model`` (the shipped one by default); the default in ``GroupSettings`` is the
    middle of the values with the best mean."""
    embedder = embedder or CachedEmbedder()
    grid: dict[float, list[float]] = {}
    for value in SPLIT_GRID:
        trial = replace(GroupSettings(), split_probability=value)
        grid[value] = [
            round(bcubed(run_ours(halves(n, a, lb)["tune"], trial, embedder, join_model)[0],
                         lb)[2], 4)
            for n, (a, lb) in data.items()
        ]
        print(f"split_probability {value}: tune F1 {grid[value]}", file=sys.stderr, flush=True)
    return grid


def reordered(name: str, articles: list[Article], labels: dict[str, str], n: int
              ) -> Iterator[list[Article]]:
    """``n`` other arrival orders of a half: ECB+ topics with their articles shuffled (as
    ``replays``), mixed-dev shuffled whole (the dated articles still go in date order, so this
    interleaves the undated Multi-News stories, which the file keeps together)."""
    if name.startswith("ecbplus"):
        yield from itertools.islice(replays(name, articles, labels, n), 1, None)
        return
    for seed in range(1, n + 1):
        order = list(articles)
        random.Random(seed).shuffle(order)
        yield order


def order_spread(data: dict[str, tuple[list[Article], dict[str, str]]], n: int = 5,
                 embedder=None, join_model: JoinModel | None = None) -> list[str]:
    """Held-out F1 over ``n`` other arrival orders, with and without the split check: one
    order's F1 swings by a few points when one early decision flips."""
    embedder = embedder or CachedEmbedder()
    lines = ["| set | system | F1 as filed | F1 over other orders: mean (min-max) |",
             "|---|---|---|---|"]
    for name, (articles, labels) in data.items():
        half = halves(name, articles, labels)["held-out"]
        for label, value in (("newsweave", None), ("without the split check", 0.0)):
            settings = GroupSettings() if value is None else \
                replace(GroupSettings(), split_probability=value)
            scores = [bcubed(run_ours(order, settings, embedder, join_model)[0], labels)[2]
                      for order in [half, *reordered(name, half, labels, n)]]
            rest = scores[1:]
            lines.append(f"| {name} held-out | {label} | {scores[0]:.3f} | "
                         f"{sum(rest) / len(rest):.3f} ({min(rest):.3f}-{max(rest):.3f}) |")
            print(lines[-1], file=sys.stderr, flush=True)
    return lines


# --------------------------------------------------------------------------- synthetic stream
def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def synthetic(pool: list[Article], n: int, seed: int = 13) -> Iterator[Article]:
    """``n`` articles resampled from the dev articles, streamed: each is a copy with one sentence
    past the first three dropped and a number there changed, dated 1,000 articles a day."""
    rng = random.Random(seed)
    base = 738000  # 2021-07-29 as an ordinal day
    from datetime import date

    for i in range(n):
        src = pool[rng.randrange(len(pool))]
        sentences = re.split(r"(?<=[.!?])\s+", src.text)
        head, tail = sentences[:3], sentences[3:]  # the lead stays as it was
        if len(tail) > 1:
            del tail[rng.randrange(len(tail))]
        body = re.sub(r"\b\d+\b", lambda m: str(int(m.group(0)) + rng.randrange(1, 9)),
                      " ".join(tail), count=1)
        text = " ".join(head) + " " + body + f" Ref {i}."
        yield Article(id=f"syn-{i:06d}", text=text, title=src.title, outlet=src.outlet,
                      published=date.fromordinal(base + i // 1000).isoformat())


def stream(pool: list[Article], n: int, checkpoints: Sequence[int],
           on_checkpoint=None) -> list[dict]:
    """What ``newsweave ingest`` then ``newsweave stories`` do, in this process so memory can be
    read as it goes: ``Store.add_articles`` 1,000 at a time into SQLite, then ``group_stream``
    over ``Store.iter_articles``. MiniLM leads come from a cache (see the results)."""
    from newsweave.group import group_stream
    from newsweave.store import Store

    embedder = CachedEmbedder(limit=len(pool))
    out: list[dict] = []

    def mark(phase: str, done: int, start: float, **extra) -> None:
        seconds = time.perf_counter() - start
        out.append({"phase": phase, "articles": done, "seconds": seconds,
                    "rate": done / seconds, "rss": current_rss_mb(), "peak": peak_rss_mb(),
                    **extra})
        print(out[-1], file=sys.stderr, flush=True)
        if on_checkpoint is not None:
            on_checkpoint(out)

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "bench.db"))
        done, start, batch = 0, time.perf_counter(), []
        for article in synthetic(pool, n):
            batch.append(article)
            if len(batch) == 1000:
                store.add_articles(batch)
                done += len(batch)
                batch = []
                if done in checkpoints:
                    mark("ingest", done, start)
        grouper = StoryGrouper(GroupSettings(), embedder=embedder)
        start = time.perf_counter()
        for done, _ in enumerate(group_stream(store.iter_articles(), grouper=grouper), 1):
            if done in checkpoints:
                mark("group", done, start, active=grouper.active_articles,
                     stories=grouper.story_count, misses=embedder.misses)
        store.close()
    return out


# --------------------------------------------------------------------------- report
def fmt(p: float, r: float, f: float) -> str:
    return f"{p:.3f} | {r:.3f} | {f:.3f}"


def lead_text(article: Article, words: int) -> str:
    """What the MiniLM baseline embeds: the grouper's lead (title + first words)."""
    head = " ".join(article.text.split()[:words])
    return f"{article.title}. {head}" if article.title else head


def mixed_gram(ordered: list[Article], tfidf: np.ndarray, embedder, alpha: float,
               words: int) -> np.ndarray:
    vectors = embedder.embed([lead_text(a, words) for a in ordered])
    return alpha * tfidf + (1.0 - alpha) * (vectors @ vectors.T)


def tune_mixed_baseline(articles: list[Article], labels: dict[str, str], embedder,
                        words: int) -> tuple[float, float]:
    """(alpha, threshold) of the TF-IDF + MiniLM single-pass baseline, best on the tuning half."""
    ordered, gram = tfidf_gram(articles)
    best = (-1.0, 0.0, 0.0)
    for alpha in (0.3, 0.5, 0.7):
        combined = mixed_gram(ordered, gram, embedder, alpha, words)
        for t in np.arange(0.1, 0.71, 0.025):
            f1 = bcubed(single_pass(ordered, combined, float(t)), labels)[2]
            best = max(best, (f1, alpha, round(float(t), 3)))
    return best[1], best[2]


def cli_rate(paths: Sequence[Path]) -> dict:
    """``newsweave ingest`` then ``newsweave stories`` as a user runs them (fresh processes,
    models loaded inside the timing), on a temporary SQLite store."""
    import resource
    import subprocess

    exe = str(Path(sys.executable).parent / "newsweave")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "cli.db")
        for step, argv in (("ingest", ["ingest", *map(str, paths), "--db", db]),
                           ("stories", ["stories", "--db", db]),
                           ("rerun", ["stories", "--db", db])):
            start = time.perf_counter()
            subprocess.run([exe, *argv, "--no-progress"], check=True, capture_output=True)
            out[step] = time.perf_counter() - start
        out["rss"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def report(data: dict[str, tuple[list[Article], dict[str, str]]], n_stream: int,
           write: bool) -> str:
    """Dev-set table first (the section is written then), then the command-line rate, then
    the stream, rewriting the section at every checkpoint so a long run leaves its numbers
    behind as it goes."""
    settings = GroupSettings()
    from newsweave.embed import get_embedder

    get_embedder().embed(["warm up"])  # model load is not grouping time
    embedder = CachedEmbedder()  # for the MiniLM baseline only
    lines = [
        "| set | part | articles | system | B3 P | B3 R | B3 F1 | articles/s | per CPU-s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    summary = []
    cache = CachedEmbedder()  # the split grid and the order spread embed the same leads
    # the recipe fitted on the tuning halves alone: the shipped model has seen both halves
    split_model = train(data, cache, part="tune")[0]
    split_grid = tune_split(data, cache, split_model)
    spread = order_spread(data, embedder=cache, join_model=split_model)
    for name, (articles, labels) in data.items():
        parts = halves(name, articles, labels)
        threshold = tune_baseline(parts["tune"], labels)
        alpha, mixed_t = tune_mixed_baseline(parts["tune"], labels, embedder,
                                             settings.lead_words)
        for part in ("held-out", "all"):
            items = parts[part]
            pred, seconds, dups, cpu = run_ours(items, settings, None, split_model)
            ours = bcubed(pred, labels)
            lines.append(f"| {name} | {part} | {len(items)} | newsweave | {fmt(*ours)} | "
                         f"{len(items) / seconds:.1f} | {len(items) / cpu:.1f} |")
            unsplit = replace(settings, split_probability=0.0)
            pred, seconds, _, cpu = run_ours(items, unsplit, None, split_model)
            lines.append(f"| {name} | {part} | {len(items)} | newsweave without the split "
                         f"check | {fmt(*bcubed(pred, labels))} | {len(items) / seconds:.1f} | "
                         f"{len(items) / cpu:.1f} |")
            start, base_cpu = time.perf_counter(), time.process_time()
            ordered, gram = tfidf_gram(items)
            base = bcubed(single_pass(ordered, gram, threshold), labels)
            base_seconds = time.perf_counter() - start
            base_cpu = time.process_time() - base_cpu
            lines.append(f"| {name} | {part} | {len(items)} | TF-IDF single-pass "
                         f"(threshold {threshold}) | {fmt(*base)} | "
                         f"{len(items) / base_seconds:.1f} | {len(items) / base_cpu:.1f} |")
            embedder.cache.clear()  # its rate includes embedding, like ours
            start, mixed_cpu = time.perf_counter(), time.process_time()
            mixed = bcubed(single_pass(ordered, mixed_gram(ordered, gram, embedder, alpha,
                                                           settings.lead_words), mixed_t),
                           labels)
            mixed_seconds = time.perf_counter() - start
            mixed_cpu = time.process_time() - mixed_cpu
            lines.append(f"| {name} | {part} | {len(items)} | TF-IDF + MiniLM single-pass "
                         f"(alpha {alpha}, threshold {mixed_t}) | {fmt(*mixed)} | "
                         f"{len(items) / mixed_seconds:.1f} | {len(items) / mixed_cpu:.1f} |")
            summary.append((name, part, ours[2], base[2], mixed[2], dups))
            print(*lines[-3:], sep="\n", file=sys.stderr, flush=True)
    rss_dev = peak_rss_mb()
    paths = [DATA / "clustering" / f"{name}.jsonl" for name in data]
    cli = cli_rate(paths)
    cli["articles"] = sum(len(a) for a, _ in data.values())
    print(cli, file=sys.stderr, flush=True)

    def render(rows: list[dict]) -> str:
        return _markdown(settings, lines, summary, rss_dev, cli, n_stream, rows, split_grid,
                         spread, split_model)

    def save(rows: list[dict]) -> None:
        if write:
            write_section("stories", render(rows))

    save([])
    rows = stream(data["mixed-dev"][0] + data["ecbplus-dev"][0], n_stream,
                  [c for c in (10_000, 25_000, 50_000, 100_000) if c <= n_stream], save)
    return render(rows)


def _markdown(settings: GroupSettings, lines: list[str], summary: list[tuple], rss_dev: float,
              cli: dict, n_stream: int, rows: list[dict], split_grid: dict[float, list[float]],
              spread: list[str], split_model: JoinModel) -> str:
    from newsweave.group import default_join_model

    model = default_join_model()
    margins = "; ".join(
        f"{name} {part}: {ours:.3f} vs {base:.3f} TF-IDF ({ours - base:+.3f}) and {mixed:.3f} "
        f"TF-IDF + MiniLM ({ours - mixed:+.3f}), {MIRANDA - ours:.3f} below Miranda et al.'s "
        f"0.940; {dups} syndicated copies flagged"
        for name, part, ours, base, mixed, dups in summary
    )
    n = cli["articles"]
    total = cli["ingest"] + cli["stories"]
    s = settings
    text = [
        "## Story grouping (`benchmarks/stories.py`)",
        "",
        "B-cubed over articles as `../shared/data/clustering/README.md` defines it; labels are "
        "read only to split and score. **Split:** a story (mixed-dev) or an ECB+ topic (both "
        "events together) belongs to the tuning half when the first hex digit of sha1(key) is "
        "even; a join model fitted on that half by the shipped recipe (threshold "
        f"{split_model.threshold}) groups the rows below, and the baselines' settings were "
        "tuned on that half only; *held-out* is the other half grouped on its own, *all* the "
        "whole set. The shipped model is the same recipe fitted on all of both sets, so these "
        "rows describe the recipe: the shipped weights have seen both halves. "
        "newsweave uses one model and one threshold for both sets; each baseline gets its "
        "settings tuned per set (on that set's tuning half) and its IDF fitted on the very "
        "articles it groups; the TF-IDF + MiniLM baseline compares alpha x TF-IDF cosine + "
        "(1 - alpha) x MiniLM cosine of the same title + lead newsweave embeds. articles/s is "
        "grouping time with MiniLM embedding included (model already loaded); per CPU-s divides "
        "by this process's CPU time instead (both cores' threads summed). All systems run in the "
        f"same process; 1-minute load average {os.getloadavg()[0]:.1f} when this was written "
        "(2 cores).",
        "",
        *lines,
        "",
        f"Margins and distance to the published mark: {margins}.",
        "",
        f"**As a user runs it** (fresh processes, model loading included): `newsweave ingest` "
        f"of both dev files ({n:,} articles) into a new SQLite store took {cli['ingest']:.1f} s, "
        f"`newsweave stories` {cli['stories']:.1f} s: **{n / total:.0f} articles/s** for ingest "
        f"+ grouping ({n / cli['stories']:.0f}/s grouping alone); peak RSS of those processes "
        f"{cli['rss']:.0f} MiB. Running `newsweave stories` again over the same store took "
        f"{cli['rerun']:.1f} s ({n / cli['rerun']:.0f} articles/s): the title + lead vectors "
        "come from the store's vector cache, so a rerun after new articles arrive embeds only "
        "theirs.",
        "",
        "Shipped join model (`src/newsweave/data/join_model.json`, fitted by `--train` on "
        "all of both dev sets: teacher-forced rows, then one DAgger round of rows from the "
        f"sets as that model groups them; used by the command-line rate and the stream): "
        f"mean of "
        f"{len(model.nets)} one-hidden-layer networks ({len(model.nets[0][1])} units) over the "
        f"standardised features {', '.join(model.features)} (of the grouper's {len(FEATURES)}); "
        f"join threshold {model.threshold}. "
        f"Window {s.window_days} days, {s.neighbours} HNSW neighbours plus up to "
        f"{s.term_candidates} stories sharing the article's {s.candidate_terms} heaviest terms, "
        f"title + {s.lead_words} "
        f"lead words embedded, duplicate Jaccard {s.duplicate_jaccard}. Peak RSS after the dev "
        f"runs: {rss_dev:.0f} MiB.",
        "",
        f"**Split check** (`StoryGrouper._split`): a story re-checks itself at sizes "
        f"{', '.join(map(str, s.split_checks))}: its articles are cut in two (mean of MiniLM "
        "and TF-IDF cosine) and the part without its first article becomes a story of its own "
        "when the join model says the parts would not join each other: an event-like story "
        f"(dated reports within {s.split_event_days} days, or undated) is cut by Ward linkage "
        "and split when the mean of the two parts' mean join probabilities is below "
        f"{s.split_probability}; a longer-running topic is cut by average linkage and split "
        f"when each part's is below {s.split_probability}. Tuning-half F1 "
        f"({' / '.join(SETS)}) by that probability, 0 meaning no check: "
        + "; ".join(f"{k}: {' / '.join(f'{f:.3f}' for f in v)}" for k, v in split_grid.items())
        + ". The rows *without the split check* show what it adds on the other half.",
        "",
        "**Arrival order.** One early decision can merge or split a whole ECB+ topic, so a "
        "half's F1 moves by a few points with the order its articles arrive in. The held-out "
        "halves again in 5 other orders (ECB+: each topic's articles shuffled; mixed-dev: "
        "shuffled whole, which interleaves the undated Multi-News stories that the file keeps "
        "together, a busier stream than the file's):",
        "",
        *spread,
        "",
        "Caveat: this model family (network ensemble, ECB+ tuning topics replayed in 4 more "
        "orders) was picked among about ten variants whose held-out scores were printed beside "
        "the tuning ones, and the split check was designed after reading the held-out errors "
        "(whole ECB+ topics merged by one early wrong join), so the held-out rows are somewhat "
        "optimistic. The join model variants scored 0.84-0.90 (mixed) and 0.86-0.89 (ECB+) "
        "held-out; variants chosen for their tuning score alone (more features, other sizes) "
        "did no better. The split probability itself was read off the tuning grid above. "
        "The shipped feature set (the busy x similarity products left out), threshold grid "
        "and the DAgger round were chosen by cross-validation over whole stories "
        "(`stories_cv.py`, section *Story grouping, cross-validated*), not on these halves; "
        "the model before issue 15, picked with "
        "these held-out rows in view, read 0.895 (mixed-dev) and 0.911 (ecbplus-dev) here.",
        "",
        f"**Synthetic stream** ({n_stream:,} articles resampled from both dev sets: one body "
        "sentence dropped, one number changed, 1,000 a day): `Store.add_articles` into SQLite "
        "1,000 at a time (ingest rows), then `group_stream` over `Store.iter_articles` as "
        "`newsweave stories` does (group rows), in one process so RSS is read as it goes. Leads "
        "repeat across resampled copies, so MiniLM vectors come from a cache here (leads "
        "embedded = cache misses): this run measures the store, the grouper and memory; the "
        "rows above give the rate with embedding.",
        "",
        "| phase | articles | seconds | articles/s | RSS MiB | peak RSS MiB | articles in index | "
        "stories held | leads embedded |",
        "|---|---|---|---|---|---|---|---|---|",
        *(f"| {r['phase']} | {r['articles']:,} | {r['seconds']:.0f} | {r['rate']:.0f} | "
          f"{r['rss']:.0f} | {r['peak']:.0f} | {r.get('active', '')} | "
          f"{r.get('stories', '')} | {r.get('misses', '')} |"
          for r in rows),
    ]
    return "\n".join(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="refit the join model and print it")
    parser.add_argument("--train-part", choices=("all", "tune"), default="all",
                        help="with --train: fit on all of both dev sets (what ships) or on "
                             "their tuning halves only (default: all)")
    parser.add_argument("--tune-split", action="store_true",
                        help="print the tuning-half F1 of each split_probability and stop")
    parser.add_argument("--stream", type=int, default=100_000, help="synthetic stream size")
    parser.add_argument("--no-write", action="store_true",
                        help="print only (with --train: fit, but leave join_model.json as is)")
    args = parser.parse_args()
    data = {name: load(name) for name in SETS}
    if args.tune_split:
        tune_split(data)
        return
    if args.train:
        model, grid = train(data, part=args.train_part)
        best = [round(f, 4) for f in grid[model.threshold]]
        where = "in-sample F1 on all" if args.train_part == "all" else "tuning F1"
        if args.no_write:
            print(f"threshold {model.threshold}, {where} {best} (not written)")
            return
        MODEL_PATH.write_text(json.dumps(model.to_json()) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH} (threshold {model.threshold}, {where} {best})")
        return
    print(report(data, args.stream, write=not args.no_write))


if __name__ == "__main__":
    main()
