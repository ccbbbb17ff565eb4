"""Group only what is new: the online grouper's window survives between runs in the store.

``group_new(store)`` loads the grouper as the last run left it (table ``grouper_state``,
migration 4), feeds it only the articles that are in no story yet, in arrival (``seq``) order,
and saves the new assignments, the headlines of the stories that changed and the grouper's new
state in one transaction. Why a grouper of its own (``ResumableGrouper``) rather than
``StoryGrouper`` as ``group_articles`` runs it:

* it is causal: each article is decided from the articles before it only (no read-ahead of a
  window for document frequencies and boilerplate), so grouping in several runs decides
  exactly as grouping in one;
* its nearest-neighbour search is exact (``ExactIndex``, numpy) instead of an HNSW graph,
  whose shape depends on a random level generator that a saved index does not restore;
* its whole state serialises to a versioned blob of plain arrays and JSON (``dump_state`` /
  ``load_state``), never pickle; a state that is unreadable, of another format or made with
  other settings or another join model is not used: every article is regrouped, with a notice.

The state is bounded like the grouper's window (``max_active_articles`` articles, their stories,
hashed document frequencies, ``max_units`` boilerplate units), so loading it and grouping one
new article cost the same however large the archive grows.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from newsweave import group as group_mod
from newsweave.group import (
    JoinModel,
    StoryAssignment,
    StoryGrouper,
    _Member,
    _Prepared,
    _Story,
    default_join_model,
)
from newsweave.models import Article
from newsweave.settings import GroupSettings
from newsweave.store import Pending, Store
from newsweave.versions import mostly_new
from newsweave.wording import count

__all__ = ["ExactIndex", "GroupResult", "ResumableGrouper", "SavedState", "StateError",
           "StoreEmbedder", "dump_state",
           "group_new", "load_state"]

#: Layout version of the saved blob; a blob of any other version is regrouped from scratch.
FORMAT = 2  # 2: each story saves its articles' term postings (``slot_terms``)
#: Members per story whose titles a headline is chosen from (the first ones by arrival).
HEADLINE_SAMPLE = 25
#: PostgreSQL hands out ``seq`` values before commit, so an article with a lower seq can
#: become visible after a higher one was grouped: look this far back for ungrouped ones.
PG_SEQ_SLACK = 1000
DIM = 384


class StateError(ValueError):
    """A saved grouper state that cannot be used (unreadable, old format, other settings)."""


class StoreEmbedder:
    """MiniLM behind the store's vector cache (``lead_vectors``): grouping embeds each
    article's title + lead, which is most of its cost, so a rerun of ``stories`` after new
    articles arrive embeds only the new leads. Vectors are kept exactly (float32), so a rerun
    decides exactly as the first run did. Called from the grouper's worker thread, which gets a
    connection of its own from the pool."""

    MODEL = "all-MiniLM-L6-v2/int8/v1"

    def __init__(self, store: Store, inner: Any = None) -> None:
        self.store = store
        self.inner = inner
        self.embedded = 0  # leads actually run through the model

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.MODEL}\0{text}".encode()).hexdigest()

    def embed(self, texts: Sequence[str]) -> Any:
        if self.inner is None:
            from newsweave.embed import get_embedder

            self.inner = get_embedder()
        keys = [self._key(t) for t in texts]
        found = {k: np.frombuffer(v, dtype="<f4") for k, v in self.store.get_vectors(keys).items()}
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if todo:
            fresh = self.inner.embed(list(todo.values())).astype("<f4")
            self.embedded += len(todo)
            new = dict(zip(todo, fresh, strict=True))
            self.store.put_vectors({k: v.tobytes() for k, v in new.items()})
            found.update(new)
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, 384), "<f4")


# --------------------------------------------------------------------------- exact index
class ExactIndex:
    """What the grouper asks of its hnswlib index, answered exactly with numpy: the inner
    product with every live vector, top k by similarity, ties by label. The answer depends
    only on the vectors added and removed, so a restored index answers like the original.
    Bounded by the grouper's window (``max_active_articles``), one query is one matrix-vector
    product over at most that many rows (about a millisecond at 10,000)."""

    def __init__(self, capacity: int = 1024) -> None:
        self.mat = np.zeros((capacity, DIM), dtype=np.float32)
        self.labels = np.full(capacity, -1, dtype=np.int64)
        self.used = 0  # rows ever filled (high-water mark)
        self.free: list[int] = []  # heap of emptied rows, reused lowest first
        self.row_of: dict[int, int] = {}

    def _grow(self, rows: int) -> None:
        if rows <= len(self.labels):
            return
        size = max(rows, 2 * len(self.labels))
        mat = np.zeros((size, DIM), dtype=np.float32)
        mat[: self.used] = self.mat[: self.used]
        labels = np.full(size, -1, dtype=np.int64)
        labels[: self.used] = self.labels[: self.used]
        self.mat, self.labels = mat, labels

    def resize_index(self, capacity: int) -> None:
        self._grow(capacity)

    def set_ef(self, _ef: int) -> None:
        """Nothing to tune: the search is exact."""

    def set_num_threads(self, _n: int) -> None:
        """One thread: numpy's product is fast enough at this size."""

    def add_items(self, data: np.ndarray, ids: Sequence[int], num_threads: int = 1,
                  replace_deleted: bool = False) -> None:
        for vector, label in zip(data, ids, strict=True):
            if replace_deleted and self.free:
                row = heapq.heappop(self.free)
            else:
                row = self.used
                self._grow(row + 1)
                self.used += 1
            self.mat[row] = vector
            self.labels[row] = int(label)
            self.row_of[int(label)] = row

    def mark_deleted(self, label: int) -> None:
        row = self.row_of.pop(int(label))
        self.labels[row] = -1
        heapq.heappush(self.free, row)

    def vector(self, label: int) -> np.ndarray:
        return self.mat[self.row_of[label]].copy()

    def get_items(self, labels: Sequence[int]) -> np.ndarray:
        return self.mat[[self.row_of[int(label)] for label in labels]]

    def knn_query(self, data: np.ndarray, k: int = 1, num_threads: int = 1
                  ) -> tuple[np.ndarray, np.ndarray]:
        if k > len(self.row_of):
            raise RuntimeError("fewer live vectors than asked for")
        labels = self.labels[: self.used]
        sims = self.mat[: self.used] @ data[0]
        sims = np.where(labels >= 0, sims, -np.inf)
        top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
        top = top[np.lexsort((labels[top], -sims[top]))]
        return labels[top][None, :], (1.0 - sims[top]).astype(np.float32)[None, :]


# --------------------------------------------------------------------------- the grouper
class ResumableGrouper(StoryGrouper):
    """``StoryGrouper`` made causal and exact, so that its state can be saved after any article
    and a grouper restored from it continues exactly as one that never stopped (module doc).
    Articles are still prepared and embedded a chunk at a time (batched MiniLM, in a worker
    thread); when boilerplate learned from the articles assigned since would strip an article
    differently, it is prepared (and embedded) again just before its decision."""

    def __init__(self, settings: GroupSettings | None = None, embedder: Any = None,
                 join_model: JoinModel | None = None) -> None:
        super().__init__(settings, embedder=embedder, join_model=join_model)
        self._index = ExactIndex()
        self.reprepared = 0  # articles prepared again at their turn (boilerplate learned)
        self._saved_ids: set[str] = set()  # stories in the saved state (``dump_state``)
        #: bumped whenever a unit becomes (or stops being) boilerplate: an article prepared
        #: in an earlier epoch may strip differently now
        self._strip_epoch = 0
        #: the article languages this grouper was fed (sorted codes; None: all): saved with
        #: the state, so a run for other languages regroups instead of silently skipping the
        #: articles an earlier run left out (they lie below the saved sequence number)
        self.languages: list[str] | None = None

    def add_window(self, articles: Sequence[Article]) -> Iterator[list[StoryAssignment]]:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = []
            for lo in range(0, len(articles), self.s.embed_chunk):
                prepared = [self._prepare(a) for a in articles[lo : lo + self.s.embed_chunk]]
                pending.append((prepared, pool.submit(self._embed, prepared)))
            for prepared, future in pending:
                yield self._assign_chunk(prepared, future)

    def _prepare(self, article: Article) -> _Prepared:
        p = super()._prepare(article)
        p.epoch = self._strip_epoch  # type: ignore[attr-defined]
        return p

    def _assign(self, p: _Prepared, forced: str | None, observer: Any) -> StoryAssignment:
        if getattr(p, "epoch", None) != self._strip_epoch:  # some unit's status changed since
            _, kept = self._strip(p.article)
            if kept != p.units:  # boilerplate learned since it was prepared: prepare it now
                p = self._prepare(p.article)
                self._attach([p], self._embed([p]))
                self.reprepared += 1
        return super()._assign(p, forced, observer)

    def _after(self, p: _Prepared, story: _Story, duplicate: bool = False) -> None:
        """Count the article's units (``StoryGrouper._after``), and note when that makes a
        unit boilerplate or forgets units: articles prepared before are then checked again."""
        seen = self._unit_seen
        before = [self._is_boilerplate("", key, False) for key in p.units]
        super()._after(p, story, duplicate)
        if self._unit_seen is not seen or \
                before != [self._is_boilerplate("", key, False) for key in p.units]:
            self._strip_epoch += 1


_FINGERPRINTS: dict[tuple[GroupSettings, int], tuple[JoinModel, str]] = {}


#: ``ResumableGrouper.languages`` of a state saved before the languages were recorded: such a
#: state is continued whatever the languages asked for (as it was before)
UNRECORDED = "unrecorded"


def language_key(languages: Sequence[str] | None) -> list[str] | None:
    """The languages a grouping run admits, as saved with its state (None: all)."""
    return None if languages is None else sorted({c.lower() for c in languages})


def fingerprint(settings: GroupSettings, model: JoinModel) -> str:
    """What a state's decisions depend on besides the articles: another value, another state.
    Kept per (settings, model) pair, the model held so that its id is not reused."""
    key = (settings, id(model))
    if key not in _FINGERPRINTS:
        text = json.dumps([asdict(settings), model.to_json()], sort_keys=True, default=list)
        _FINGERPRINTS[key] = (model, hashlib.sha1(text.encode()).hexdigest())
    return _FINGERPRINTS[key][1]


# --------------------------------------------------------------------------- (de)serialise
#: The only array types a saved state may hold (read with ``np.frombuffer``, never pickle).
_DTYPES = frozenset({"<f4", "<f8", "|i1", "<i4", "<i8", "<u8", "|b1"})


def pack(meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """JSON ``meta`` and numeric ``arrays`` as one zlib-compressed blob: a length-prefixed
    JSON header (meta, and each array's dtype and shape) followed by the raw array bytes."""
    specs, chunks = [], []
    for name, arr in arrays.items():
        arr = np.ascontiguousarray(arr)
        dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        arr = arr.astype(dtype, copy=False)
        specs.append([name, arr.dtype.str, list(arr.shape)])
        chunks.append(arr.tobytes())
    head = json.dumps({"meta": meta, "arrays": specs}).encode()
    return zlib.compress(len(head).to_bytes(4, "little") + head + b"".join(chunks), 1)


def unpack(blob: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """``pack``'s inverse; ``StateError`` when the blob is not one."""
    try:
        raw = zlib.decompress(blob)
        size = int.from_bytes(raw[:4], "little")
        head = json.loads(raw[4 : 4 + size])
        pos, arrays = 4 + size, {}
        for name, dtype, shape in head["arrays"]:
            if dtype not in _DTYPES or any(int(n) < 0 for n in shape):
                raise StateError(f"array {name!r} of type {dtype!r}")
            items = int(np.prod(shape, dtype=np.int64))
            nbytes = items * np.dtype(dtype).itemsize
            if pos + nbytes > len(raw):
                raise StateError("truncated")
            arrays[name] = np.frombuffer(raw, dtype=dtype, count=items, offset=pos).reshape(
                shape)
            pos += nbytes
        if pos != len(raw):
            raise StateError("trailing bytes")
        return head["meta"], arrays
    except StateError:
        raise
    except (zlib.error, ValueError, TypeError, KeyError, IndexError) as exc:
        raise StateError(f"unreadable ({type(exc).__name__})") from None


def _ragged(parts: Sequence[np.ndarray], dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(p) for p in parts], dtype=np.int64)
    flat = np.concatenate([np.asarray(p, dtype=dtype) for p in parts]) if parts else \
        np.zeros(0, dtype=dtype)
    return lengths, flat


def _split_ragged(lengths: np.ndarray, flat: np.ndarray) -> list[np.ndarray]:
    if int(lengths.sum()) != len(flat) or (lengths < 0).any():
        raise StateError("ragged array lengths do not add up")
    return np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else []


@dataclass
class SavedState:
    """A grouper's state in parts: ``core`` (counters, document frequencies, boilerplate
    memory, the index layout) and one blob per story held (its centroids, its articles'
    vectors and MinHashes, its members while young). A run rewrites the core and only the
    stories it changed (``stories``), and deletes the ones it evicted (``gone``), so saving
    after one new article writes a few stories, not the whole window."""

    core: bytes
    stories: dict[str, bytes]
    gone: set[str]


def dump_story(g: ResumableGrouper, story: _Story) -> bytes:
    index = g._index
    members = story.members or []
    slot_articles = [g._slot_article[slot] for slot in story.slots]
    meta = {
        "id": story.id, "terms_norm": story.terms_norm, "terms_sq": story.terms_sq,
        "size": story.size, "last_day": story.last_day, "first_day": story.first_day,
        "last_seq": story.last_seq,
        "young": story.members is not None, "numbers": list(story.numbers.items()),
        "slots": story.slots, "rows": [index.row_of[slot] for slot in story.slots],
        "articles": [aid for aid, _ in slot_articles],
        "hashed": [h is not None for _, h in slot_articles],
        "members": [[m.article.id, m.article.text, m.article.title, m.article.published,
                     m.slot, m.seq, m.day, m.content_words, list(m.numbers), m.duplicate_of]
                    for m in members],
    }
    perm = g.s.minhash_perm
    arrays = {
        "vector_sum": story.vector_sum.astype(np.float32, copy=False),
        "terms_k": np.fromiter(story.terms.keys(), np.int64, len(story.terms)),
        "terms_v": np.fromiter(story.terms.values(), np.float64, len(story.terms)),
        "ents_k": np.fromiter(story.entities.keys(), np.int64, len(story.entities)),
        "ents_n": np.fromiter(story.entities.values(), np.int64, len(story.entities)),
        "hashes": np.stack([h if h is not None else np.zeros(perm, np.uint64)
                            for _, h in slot_articles]).astype(np.uint64)
        if slot_articles else np.zeros((0, perm), np.uint64),
        "vectors": np.stack([index.mat[index.row_of[slot]] for slot in story.slots])
        if story.slots else np.zeros((0, DIM), np.float32),
    }
    for name, parts, dtype in (
        ("m_terms_k", [m.term_keys for m in members], np.int64),
        ("m_terms_v", [m.term_weights for m in members], np.float32),
        ("m_ents", [m.entities for m in members], np.int64),
        ("m_lead", [m.lead_names for m in members], np.int64),
        ("m_full", [m.full_names for m in members], np.int64),
        ("slot_terms", [np.array(g._slot_terms.get(slot, ()), np.int64)
                        for slot in story.slots], np.int64),
    ):
        arrays[name + "_len"], arrays[name] = _ragged(parts, dtype)
    return pack(meta, arrays)


def dump_core(g: ResumableGrouper) -> bytes:
    if g._read_ahead or g._primed or g._moves:
        raise ValueError("a grouper is saved between articles, not in the middle of a window")
    index = g._index
    meta = {
        "format": FORMAT, "fingerprint": fingerprint(g.s, g._join_model()),
        "languages": g.languages,
        "docs": g._docs, "seq": g._seq, "clock": g._clock, "live": g._live,
        "deleted": g._deleted, "next_slot": g._next_slot, "capacity": g._capacity,
        "recent": list(g._recent), "reprepared": g.reprepared,
        "index_used": index.used, "index_free": index.free,
        "story_order": list(g._stories),
    }
    # the few stories each boilerplate unit was seen in, as indices into one list of ids
    # (only their number and membership matter, so set order does not)
    names: dict[str, int] = {}
    seen = g._unit_seen.values()
    lengths = np.fromiter((len(st) for _, st in seen), dtype=np.int8, count=len(seen))
    flat = [names.setdefault(sid, len(names)) for _, st in seen for sid in st]
    meta["unit_story_ids"] = list(names)
    arrays = {"unit_story_len": lengths, "unit_story_at": np.array(flat, dtype=np.int32)}
    for name, df in (("df", g._df), ("entity_df", g._entity_df)):
        nz = np.flatnonzero(df)
        arrays[name + "_at"], arrays[name + "_n"] = nz.astype(np.int32), df[nz]
    arrays["unit_keys"] = np.fromiter(g._unit_seen.keys(), np.int64, len(g._unit_seen))
    arrays["unit_counts"] = np.fromiter((c for c, _ in g._unit_seen.values()), np.int64,
                                        len(g._unit_seen))
    return pack(meta, arrays)


def dump_state(g: ResumableGrouper, changed: Iterable[str] | None = None) -> SavedState:
    """The grouper's state (``SavedState``): every story, or only ``changed`` ones (those
    still held) plus the ids of the stories dropped since the state was loaded or saved."""
    held = set(g._stories)
    wanted = held if changed is None else held & set(changed)
    state = SavedState(dump_core(g), {sid: dump_story(g, g._stories[sid]) for sid in wanted},
                       g._saved_ids - held)
    g._saved_ids = held
    return state


def load_state(core: bytes, stories: Iterable[bytes], fmt: int,
               settings: GroupSettings | None = None, join_model: JoinModel | None = None,
               embedder: Any = None) -> ResumableGrouper:
    """A grouper restored from ``dump_state``'s parts; ``StateError`` when they are not
    usable (other format, other settings or join model, unreadable or inconsistent)."""
    if fmt != FORMAT:
        raise StateError(f"saved in format {fmt}, this newsweave reads {FORMAT}")
    g = ResumableGrouper(settings, embedder=embedder, join_model=join_model)
    try:
        meta, arrays = unpack(core)
        _restore_core(g, meta, arrays)
        restored = [_restore_story(g, *unpack(blob)) for blob in stories]
        _restore_index(g, meta, restored)
    except StateError:
        raise
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise StateError(f"unreadable ({type(exc).__name__}: {exc})") from None
    return g


def _restore_core(g: ResumableGrouper, meta: dict, a: dict[str, np.ndarray]) -> None:
    if meta["format"] != FORMAT:
        raise StateError(f"saved in format {meta['format']}, this newsweave reads {FORMAT}")
    if meta["fingerprint"] != fingerprint(g.s, g._join_model()):
        raise StateError("made with other grouping settings or another join model")
    g.languages = meta.get("languages", UNRECORDED)  # a state saved before languages were
    g._docs, g._seq, g._clock = int(meta["docs"]), int(meta["seq"]), meta["clock"]
    g._live, g._deleted = int(meta["live"]), int(meta["deleted"])
    g._next_slot, g._capacity = int(meta["next_slot"]), int(meta["capacity"])
    g._recent = deque(meta["recent"], maxlen=g.s.busy_articles)
    g.reprepared = int(meta["reprepared"])
    size = 1 << g.s.hash_bits
    for name, df in (("df", g._df), ("entity_df", g._entity_df)):
        at = a[name + "_at"]
        if len(at) != len(a[name + "_n"]) or (len(at) and (at.min() < 0 or at.max() >= size)):
            raise StateError("document frequencies out of range")
        df[at] = a[name + "_n"]
    names = meta["unit_story_ids"]
    lengths, at = a["unit_story_len"].astype(np.int64), a["unit_story_at"]
    if not (len(a["unit_keys"]) == len(a["unit_counts"]) == len(lengths)) or \
            (len(at) and (at.min() < 0 or at.max() >= len(names))):
        raise StateError("boilerplate units do not match")
    ids = [names[i] for i in at.tolist()]
    ends = np.cumsum(lengths)
    if (lengths < 0).any() or (len(ends) and int(ends[-1]) != len(ids)):
        raise StateError("boilerplate units do not match")
    single = {sid: frozenset((sid,)) for sid in names}  # most units: one story, shared
    sets = [single[ids[lo]] if hi - lo == 1 else frozenset(ids[lo:hi]) for lo, hi in
            zip((ends - lengths).tolist(), ends.tolist(), strict=True)]
    g._unit_seen = dict(zip(a["unit_keys"].tolist(),
                            zip(a["unit_counts"].tolist(), sets, strict=True), strict=True))


def _restore_story(g: ResumableGrouper, meta: dict, a: dict[str, np.ndarray]
                   ) -> tuple[_Story, list[int], np.ndarray]:
    """The story, the index row of each of its articles and their vectors (placed by
    ``_restore_index``, which also hands the members their vectors)."""
    from datasketch import MinHash

    story = _Story(str(meta["id"]), a["vector_sum"].astype(np.float32).copy(),
                   terms_norm=float(meta["terms_norm"]), terms_sq=float(meta["terms_sq"]),
                   size=int(meta["size"]), last_day=meta["last_day"],
                   first_day=meta.get("first_day", meta["last_day"]),
                   last_seq=int(meta["last_seq"]))
    if story.vector_sum.shape != (DIM,):
        raise StateError("story vector of the wrong size")
    story.terms = dict(zip(a["terms_k"].tolist(), a["terms_v"].tolist(), strict=True))
    story.entities = Counter(dict(zip(a["ents_k"].tolist(), a["ents_n"].tolist(),
                                      strict=True)))
    story.numbers = Counter({str(k): int(c) for k, c in meta["numbers"]})
    story.slots = [int(s) for s in meta["slots"]]
    rows = [int(r) for r in meta["rows"]]
    hashes = a["hashes"]
    if not (len(rows) == len(story.slots) == len(meta["articles"]) == len(meta["hashed"])
            == len(hashes)) or hashes.shape[1:] != (g.s.minhash_perm,):
        raise StateError("story articles do not match")
    for slot, aid, ok, h in zip(story.slots, meta["articles"], meta["hashed"], hashes,
                                strict=True):
        g._slot_story[slot] = story.id
        g._slot_article[slot] = (str(aid), h.copy() if ok else None)
        if ok:
            g._lsh.insert(slot, MinHash(num_perm=g.s.minhash_perm, hashvalues=h,
                                        scheme="affine32", permutations=g._permutations),
                          check_duplication=False)
    terms = _split_ragged(a["slot_terms_len"], a["slot_terms"])
    if len(terms) != len(story.slots):
        raise StateError("story terms do not match its articles")
    for slot, keys in zip(story.slots, terms, strict=True):
        if len(keys):
            g._slot_terms[slot] = tuple(keys.tolist())
    story.members = [] if meta["young"] else None
    rag = {name: _split_ragged(a[name + "_len"], a[name])
           for name in ("m_terms_k", "m_terms_v", "m_ents", "m_lead", "m_full")}
    if any(len(parts) != len(meta["members"]) for parts in rag.values()):
        raise StateError("member arrays do not match the members")
    for j, (aid, text, title, published, slot, seq, day, words, numbers, dup) in \
            enumerate(meta["members"]):
        if story.members is None or slot not in g._slot_story:
            raise StateError("members do not match the story")
        story.members.append(_Member(
            Article(id=aid, text=text, title=title, published=published), int(slot), int(seq),
            day, int(words), None, rag["m_terms_k"][j].copy(), rag["m_terms_v"][j].copy(),
            rag["m_ents"][j].copy(), rag["m_lead"][j].copy(), rag["m_full"][j].copy(),
            tuple(numbers), dup))
    return story, rows, a["vectors"]


def _restore_index(g: ResumableGrouper, meta: dict,
                   restored: list[tuple[_Story, list[int], np.ndarray]]) -> None:
    """Stories in their saved order, and the index rebuilt row for row as it was (so a
    search ties exactly as before); members get their vectors from it."""
    by_id = {story.id: (story, rows, vectors) for story, rows, vectors in restored}
    order = meta["story_order"]
    if len(by_id) != len(restored) or set(order) != set(by_id):
        raise StateError("stories do not match the saved story order")
    index = ExactIndex(max(1024, int(meta["index_used"])))
    index.used = int(meta["index_used"])
    for story, rows, vectors in restored:
        if vectors.shape != (len(rows), DIM) or any(not 0 <= r < index.used for r in rows):
            raise StateError("story vectors do not match the index")
        for slot, row, vector in zip(story.slots, rows, vectors, strict=True):
            index.mat[row] = vector
            index.labels[row] = slot
            index.row_of[slot] = row
    index.free = [int(r) for r in meta["index_free"]]
    heapq.heapify(index.free)
    if len(index.row_of) != g._live or len(set(index.row_of.values())) != g._live or \
            set(index.free) & set(index.row_of.values()):
        raise StateError("index does not hold the live articles")
    g._index = index
    for slot in sorted(g._slot_terms):  # postings in slot order, as they were built
        for term in g._slot_terms[slot]:
            g._term_slots.setdefault(term, {})[slot] = None
    g._stories = {sid: by_id[sid][0] for sid in order}
    for story in g._stories.values():
        for m in story.members or []:
            m.vector = index.vector(m.slot)
    g._saved_ids = set(g._stories)


# --------------------------------------------------------------------------- group_new
@dataclass(frozen=True)
class GroupResult:
    """What a ``group_new`` run did."""

    new_articles: int  # articles grouped for the first time
    moved: int  # earlier articles moved by a young story's split check
    changed: tuple[str, ...]  # ids of stories created, changed or removed (sorted)
    created: int
    updated: int
    removed: int
    stories: int  # stories in the store afterwards
    duplicates: int  # of the new articles: near-verbatim copies flagged
    rebuilt: bool  # every article was regrouped (asked for, or no usable state)
    notice: str | None = None  # why a rebuild was needed, when not asked for
    regrouped: int = 0  # revised articles grouped again (their young stories re-decided)
    regrouped_elsewhere: int = 0  # of those: now in another story than before
    #: of the new articles: dated before the day of the latest one an earlier run grouped,
    #: so grouped against the stories as they stand (one run in date order could differ)
    late: int = 0

    def summary(self) -> str:
        what = (f"grouped {'' if self.new_articles == 1 else 'all '}"
                f"{count(self.new_articles, 'article')} from scratch" if self.rebuilt
                else f"grouped {count(self.new_articles, 'new article')}")
        moved = (f" (and moved {self.moved} earlier "
                 f"{'one' if self.moved == 1 else 'ones'})" if self.moved else "")
        if self.regrouped:
            moved += (f"; regrouped {count(self.regrouped, 'revised article')}"
                      f" ({self.regrouped_elsewhere} now in another story)")
        late = (f"; {count(self.late, 'new article')} dated before articles grouped earlier "
                "(grouped against the stories as they stand; `stories --rebuild` regroups "
                "everything in date order)" if self.late else "")
        return (
            f"{what}{moved}: {count(len(self.changed), 'story')} changed ({self.created} new, "
            f"{self.updated} updated, {self.removed} removed), {count(self.stories, 'story')} "
            f"in all; {count(self.duplicates, 'near-duplicate copy')} flagged{late}"
        )


#: Per process, the grouper the last run saved, by store: a server grouping each POST does
#: not parse the state again while no other process has grouped the store.
_LIVE: dict[str, tuple[int, str, ResumableGrouper]] = {}


def group_new(
    store: Store,
    progress: Callable[[], None] | None = None,
    *,
    rebuild: bool = False,
    embedder: Any = None,
    settings: GroupSettings | None = None,
    join_model: JoinModel | None = None,
    wait: float = 0.0,
    on_notice: Callable[[str], None] | None = None,
    languages: Sequence[str] | None = None,
) -> GroupResult:
    """Group the articles not in any story yet, continuing from the saved grouper state, and
    save assignments, changed headlines and the new state in one transaction. ``rebuild``
    regroups every article from scratch. ``progress`` is called once per newly grouped article;
    ``on_notice`` gets a one-line reason when a saved state cannot be used. ``embedder``
    replaces the store's vector-cached MiniLM. Another process grouping the same store: wait up
    to ``wait`` seconds, then ``StoreBusy``."""
    s = settings or GroupSettings()
    model = join_model or default_join_model()
    if embedder is None and not store.url.endswith(":memory:"):
        embedder = StoreEmbedder(store)
    with store.grouping_lock(wait):
        info = store.load_grouper_state(with_blob=False)
        generation = None if info is None else info[2]
        grouper: ResumableGrouper | None = None
        notice = None
        live = _LIVE.pop(store.url, None)  # back only once this run has saved
        wanted = language_key(languages)
        if info is not None and not rebuild:
            fmt, last_seq, _, _ = info
            if live is not None and live[0] == generation and live[1] == fingerprint(s, model):
                grouper = live[2]
                grouper._embedder = embedder
            else:
                core = store.load_grouper_state()
                try:
                    grouper = load_state(core[3] if core else b"",
                                         store.load_grouper_stories(), fmt, s, model, embedder)
                except StateError as err:
                    notice = f"saved grouper state not used ({err}): regrouping every article"
            if grouper is not None and grouper.languages not in (wanted, UNRECORDED):
                had = ",".join(grouper.languages or ["all"])
                notice = (f"saved grouper state is for languages {had}, not "
                          f"{','.join(wanted or ['all'])}: regrouping every article")
                grouper = None
        elif not rebuild and store.count_stories():
            notice = "no saved grouper state: regrouping every article"
        full = grouper is None
        if full:
            grouper = ResumableGrouper(s, embedder=embedder, join_model=model)
            last_seq = 0
            source: Iterator[tuple[int, Article]] = store.iter_by_seq(languages)
        else:
            floor = last_seq - PG_SEQ_SLACK if store.dialect == "postgresql" else last_seq
            source = store.iter_ungrouped(max(0, floor), languages)
        grouper.languages = wanted
        if notice and on_notice is not None:
            on_notice(notice)
        top = [last_seq]
        moved_ids: set[str] = set()
        dirty: set[str] = set()  # stories this run changed: their saved part is rewritten
        pending = store.pending_regroups()
        # a rebuild groups every current text: each row is done with
        revised = Revised({}, [], {aid: p.revision for aid, p in pending.items()}, {})
        if not full and pending:
            revised = _withdraw_revised(grouper, store, pending, wanted)
        withdrawn, withdrawn_articles = revised.withdrawn, revised.articles
        dirty.update(withdrawn.values())

        clock = None if full else grouper._clock  # the latest day grouped before this run
        late = [0]

        def feed() -> Iterator[Article]:
            yield from withdrawn_articles
            for seq, article in source:
                top[0] = max(top[0], seq)
                day = group_mod._day(article.published)
                if clock is not None and day is not None and day < clock:
                    late[0] += 1
                yield article

        assignments: dict[str, str] = {}
        duplicates: dict[str, str] = {}
        new = 0
        for article, assigned in group_mod.group_stream(feed(), grouper=grouper):
            if assigned.moved_from is None and article.id in withdrawn:
                pass  # a revised article grouped again: counted apart
            elif assigned.moved_from is None:
                new += 1
                if progress is not None:
                    progress()
            elif article.id not in assignments:  # grouped by an earlier run
                assignments.setdefault(article.id, "")  # counted below as moved
                duplicates.pop(article.id, None)
                moved_ids.add(article.id)
            assignments[article.id] = assigned.story_id
            dirty.add(assigned.story_id)
            if assigned.moved_from is not None:
                dirty.add(assigned.moved_from)
            if assigned.duplicate_of:
                duplicates[article.id] = assigned.duplicate_of
        moved = len(moved_ids)
        elsewhere = sum(1 for aid, sid in withdrawn.items() if assignments.get(aid) != sid)
        if not full and not assignments and not revised.done and not revised.checked:
            _LIVE[store.url] = (generation, fingerprint(s, model), grouper)
            return GroupResult(0, 0, (), 0, 0, 0, store.count_stories(), 0, False, None)
        saved_state = dump_state(grouper, None if full else dirty)

        def headline(members: list[Article]) -> str:
            return group_mod.story_headline(members)

        saved, touched = store.save_grouping(
            assignments, duplicates, headline, HEADLINE_SAMPLE,
            (FORMAT, top[0], saved_state.core), generation, all_headlines=full,
            story_states=saved_state.stories, gone=saved_state.gone, replace_all=full,
            regrouped=revised.done, checked=revised.checked)
        _LIVE[store.url] = ((generation or 0) + 1, fingerprint(s, model), grouper)
    return GroupResult(
        new_articles=new, moved=moved, changed=tuple(sorted(touched)), created=saved.created,
        updated=saved.updated, removed=saved.removed, stories=store.count_stories(),
        duplicates=sum(1 for a in duplicates if a not in moved_ids and a not in withdrawn),
        rebuilt=full, notice=notice, regrouped=len(withdrawn), regrouped_elsewhere=elsewhere,
        late=late[0],
    )


@dataclass
class Revised:
    """What a run does with the revised articles waiting in ``regroup_pending``."""

    withdrawn: dict[str, str]  # article id -> the story it was withdrawn from, to group again
    articles: list[Article]  # those articles, in published-date order (undated last)
    done: dict[str, int]  # rows this run is done with (article id -> revision)
    checked: dict[str, int]  # rows found not mostly new yet (kept, marked checked)


def _withdraw_revised(grouper: ResumableGrouper, store: Store, pending: dict[str, Pending],
                      languages: list[str] | None) -> Revised:
    """Withdraw from their young stories the revised articles whose text is now mostly new
    against the one the grouper grouped (``versions.mostly_new``), to group them again. A
    text grown a paragraph at a time is compared with that first text, not with the last
    revision, so a live page's growth is seen however it arrives. An article held by no young
    story (settled, or out of the window) or of another language than the run's keeps its
    story, and its row goes; one not mostly new yet keeps its row, checked, so the next run
    reads its texts only if it is revised again."""
    young = grouper.held_young(pending)
    done = {aid: p.revision for aid, p in pending.items() if aid not in young}
    fresh = sorted(aid for aid in young if pending[aid].revision != pending[aid].checked)
    # a corrected headline over the same text (``Store._retitle``): nothing new to group by,
    # checked at once (its story's headline is chosen again all the same)
    retitled = {aid: pending[aid].revision for aid in fresh
                if pending[aid].base == pending[aid].revision}
    fresh = [aid for aid in fresh if aid not in retitled]
    articles: dict[str, Article] = {}
    for article in store.get_articles(fresh):
        if languages is None or article.language is None or \
                article.language.lower() in languages:
            articles[article.id] = article
        else:
            done[article.id] = pending[article.id].revision
    bases = store.revision_texts({aid: pending[aid].base for aid in articles})
    again = [aid for aid, a in articles.items() if mostly_new(bases.get(aid, ""), a.text)]
    checked = {aid: pending[aid].revision for aid in articles if aid not in again} | retitled
    withdrawn = grouper.withdraw_many(again)
    done.update((aid, pending[aid].revision) for aid in again)
    ordered = sorted((articles[aid] for aid in withdrawn),
                     key=lambda a: (a.published is None, a.published or ""))
    return Revised(withdrawn, ordered, done, checked)
