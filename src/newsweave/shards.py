"""Time shards for grouping an archive in parallel: a first pass, refinement from each
other's states, and (without refinement) the merge at their boundaries.

The grouper is sequential: each article is decided against the stories before it. An archive
is cut instead into ``k`` slices of its date order (undated articles last, as the grouper takes
them), each first grouped on its own after replaying a warm-up of the ``warmup`` articles just
before its start. ``refine_shards`` then regroups shards from the grouper state the shard
before ended in, round after round, until nothing changes: the single pass, story ids included.
Without refinement, ``merge_shards`` joins each story of a slice to the earlier story that
holds most of its warm-up articles (earlier stories are never merged with each other; a
slice whose warm-up is the whole history before it keeps its own partition instead), and
story ids are derived from each merged story's first article (``group.story_id_for``), as the
single-process grouper derives them. With one shard the result is the single pass itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    most of its warm-up articles, ties to the earliest such story.

    A shard whose warm-up is everything before it grouped the whole history the single pass
    had at its end, so its partition of all its articles replaces the merged one: that keeps
    the splits with which it moved earlier articles to a story of their own (the vote alone
    would send them back). With a warm-up at least as long as the stream every shard is such a
    shard, and the merge is the single pass."""
    final: dict[str, int] = {}  # article id -> merged story number
    duplicates: dict[str, str] = {}
    next_story = 0
    seen = 0  # articles owned by the shards before this one
    for shard, result in zip(shards, results, strict=True):
        complete = len(shard.warmup) == seen and all(aid in result for aid in shard.warmup)
        seen += len(shard.owned)
        mapping: dict[str, int] = {}  # local story -> merged story number
        if not complete:
            votes: dict[str, Counter[int]] = defaultdict(Counter)
            for aid in shard.warmup:
                if aid in result and aid in final:
                    votes[result[aid][0]][final[aid]] += 1
            for local, counter in votes.items():
                best = max(counter.values())
                mapping[local] = min(s for s, c in counter.items() if c == best)
        for aid in shard.ids if complete else shard.owned:
            local, dup = result[aid]
            if local not in mapping:
                mapping[local] = next_story
                next_story += 1
            final[aid] = mapping[local]
            if dup is None:
                duplicates.pop(aid, None)  # a complete shard may have regrouped an earlier copy
            else:
                duplicates[aid] = dup
    order = [aid for shard in shards for aid in shard.owned]
    first: dict[int, str] = {}
    for aid in order:
        first.setdefault(final[aid], aid)
    return {aid: story_id_for(first[final[aid]]) for aid in order}, duplicates


# --------------------------------------------------------------------------- refinement
#: a grouper state handed from one shard to the next: (core blob, story id -> story blob),
#: the parts of ``grouping_state.dump_state``
State = tuple[bytes, dict[str, bytes]]


@dataclass(frozen=True)
class ShardRun:
    """One shard grouped: its assignments (the owned articles, plus earlier ones a story split
    moved) and the grouper state it ended in."""

    result: ShardResult
    state: State


#: runs shards from given states: ``fn([(state, ids), ...]) -> [ShardRun, ...]``, each
#: continuing a grouper from ``state`` over ``ids`` (in parallel where it can)
RerunFn = Callable[[list[tuple[State, list[str]]]], Iterable[ShardRun]]


@dataclass
class Refined:
    """Sharded grouping refined towards the single pass (``refine_shards``)."""

    assignments: dict[str, str]
    duplicates: dict[str, str]
    state: State  # the last shard's: what a single pass would hold at the end
    rounds: int  # refinement rounds run
    reruns: int  # shard runs in those rounds (the first pass not counted)
    converged: bool  # the last round changed no end state a later shard starts from: exact


def refine_shards(shards: Sequence[Shard], first: Sequence[ShardRun], rerun: RerunFn,
                  max_rounds: int | None = None) -> Refined:
    """Refine a first, warm-up-started pass over the shards into the single pass's grouping.

    Why: the grouper is path-dependent (a story split or one early join changes later
    decisions), so shards started from a warm-up alone disagree with the single pass by more
    than any merge at the boundaries can repair (RESULTS.md, section *Time shards*). Each
    round restarts, in parallel (``rerun``), every shard ``k`` > 0 whose predecessor changed
    in the round before, from the *state* that shard ``k - 1`` ended in. Shard 0 starts from
    nothing and is exact, so after round ``r`` shards ``0..r`` are exact: ``len(shards) - 1``
    rounds that re-run every shard give exactly the single pass, story ids included (they
    travel in the states). A round skips a shard whose predecessor ended in exactly the same
    state (byte for byte) as in the round before: grouping is deterministic, so that shard
    would group exactly as it did. Rounds stop when a round changes no end state of a shard
    that has a successor; the result is then exactly the single pass, however few rounds it
    took. ``max_rounds`` (at least 1, default ``len(shards) - 1``) bounds the rounds; a run cut
    short by it is approximate (``converged`` False)."""
    k = len(shards)
    limit = k - 1 if max_rounds is None else min(max_rounds, k - 1)
    if k > 1 and limit < 1:
        raise ValueError("refinement needs at least one round (merge_shards merges without)")
    runs = list(first)
    changed = [True] * k  # the first pass started every shard k > 0 from a guess: its end
    # state (and so its successor's start) may change
    rounds = reruns = 0
    while rounds < limit and any(changed[: k - 1]):
        todo = [i for i in range(1, k) if changed[i - 1]]
        new = list(rerun([(runs[i - 1].state, list(shards[i].owned)) for i in todo]))
        rounds += 1
        reruns += len(todo)
        changed = [False] * k
        for i, run in zip(todo, new, strict=True):
            changed[i] = run.state != runs[i].state
            runs[i] = run
    assignments: dict[str, str] = {}
    duplicates: dict[str, str] = {}
    for run in runs:  # in order: a later shard's move of an earlier article overrides
        for aid, (sid, dup) in run.result.items():
            assignments[aid] = sid
            if dup is None:
                duplicates.pop(aid, None)
            else:
                duplicates[aid] = dup
    return Refined(assignments, duplicates, runs[-1].state, rounds, reruns,
                   not any(changed[: k - 1]))


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
