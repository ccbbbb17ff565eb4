"""Time shards for grouping an archive in parallel, and the merge at their boundaries.

The grouper is sequential: each article is decided against the stories before it. An archive
is cut instead into ``k`` slices of its date order (undated articles last, as the grouper takes
them), each grouped on its own after replaying a warm-up of the ``warmup`` articles just before
its start, so that stories running across a boundary are already open when the slice begins.
The warm-up articles belong to the slice before; the merge joins each story of a slice to the
earlier story that holds most of its warm-up articles (earlier stories are never merged with
each other), so a story on both sides of a boundary becomes one. Final story ids are derived
from each merged story's first article (``group.story_id_for``), as the single-process grouper
derives them. With one shard nothing is merged: the result is the single pass itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from newsweave.group import story_id_for

#: one shard's result: article id -> (local story label, id of the article it copies or None)
ShardResult = dict[str, tuple[str, str | None]]
#: groups the article ids given (in order) and returns their assignments
GroupFn = Callable[[Sequence[str]], ShardResult]


@dataclass(frozen=True)
class Shard:
    """One slice: ``warmup`` ids replayed first (owned by earlier slices), then ``owned``."""

    index: int
    warmup: tuple[str, ...]
    owned: tuple[str, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return self.warmup + self.owned


def plan_shards(ordered_ids: Sequence[str], k: int, warmup: int) -> list[Shard]:
    """Cut ids in grouping order into ``k`` contiguous slices of (nearly) equal size, each
    with the ``warmup`` ids before it as its warm-up."""
    if k < 1:
        raise ValueError("shards must be at least 1")
    n = len(ordered_ids)
    k = max(1, min(k, n))
    bounds = [round(i * n / k) for i in range(k + 1)]
    return [
        Shard(i, tuple(ordered_ids[max(0, lo - warmup) : lo]), tuple(ordered_ids[lo:hi]))
        for i, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]


def merge_shards(shards: Sequence[Shard], results: Sequence[ShardResult]
                 ) -> tuple[dict[str, str], dict[str, str]]:
    """Merge shard results into (article id -> story id, article id -> copied article id).
    Shards are merged in order; a story of shard i joins the (already merged) story that holds
    most of its warm-up articles, ties to the earliest such story."""
    final: dict[str, int] = {}  # article id -> merged story number
    duplicates: dict[str, str] = {}
    next_story = 0
    for shard, result in zip(shards, results, strict=True):
        votes: dict[str, Counter[int]] = defaultdict(Counter)
        for aid in shard.warmup:
            if aid in result and aid in final:
                votes[result[aid][0]][final[aid]] += 1
        mapping: dict[str, int] = {}
        for local, counter in votes.items():
            best = max(counter.values())
            mapping[local] = min(s for s, c in counter.items() if c == best)
        for aid in shard.owned:
            local, dup = result[aid]
            if local not in mapping:
                mapping[local] = next_story
                next_story += 1
            final[aid] = mapping[local]
            if dup is not None:
                duplicates[aid] = dup
    order = [aid for shard in shards for aid in shard.owned]
    first: dict[int, str] = {}
    for aid in order:
        first.setdefault(final[aid], aid)
    return {aid: story_id_for(first[final[aid]]) for aid in order}, duplicates


def group_sharded(ordered_ids: Sequence[str], k: int, warmup: int,
                  group_fn: GroupFn, map_fn: Callable | None = None
                  ) -> tuple[dict[str, str], dict[str, str]]:
    """Plan, group every shard (``map_fn(group_fn, id_lists)`` runs them, in parallel when it
    is a pool's map; the built-in ``map`` otherwise) and merge."""
    shards = plan_shards(ordered_ids, k, warmup)
    runner = map_fn or map
    results = list(runner(group_fn, [list(s.ids) for s in shards]))
    return merge_shards(shards, results)


# --------------------------------------------------------------------------- scoring
def bcubed(pred: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of ``pred`` against ``gold`` over the articles both
    label: per article, the share of its predicted story that shares its gold story, and the
    share of its gold story that its predicted story holds."""
    items = [a for a in pred if a in gold]
    if not items:
        return 0.0, 0.0, 0.0
    pred_of: dict[str, set[str]] = defaultdict(set)
    gold_of: dict[str, set[str]] = defaultdict(set)
    for a in items:
        pred_of[pred[a]].add(a)
        gold_of[gold[a]].add(a)
    p = r = 0.0
    for a in items:
        mine, theirs = pred_of[pred[a]], gold_of[gold[a]]
        both = len(mine & theirs)
        p += both / len(mine)
        r += both / len(theirs)
    p, r = p / len(items), r / len(items)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def agreement(a: Mapping[str, str], b: Mapping[str, str]) -> float:
    """B-cubed F1 of one grouping against the other as if it were gold (symmetric)."""
    return bcubed(a, b)[2]
