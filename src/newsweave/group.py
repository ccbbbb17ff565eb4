"""Online story grouping: articles arrive in published-date order and each one joins an
existing story or opens a new one.

Why this shape (measured on the dev sets, see ``benchmarks/stories.py``): TF-IDF alone confuses
stories that share words, MiniLM embeddings alone merge look-alike events (two earthquakes) that
names keep apart, so each article is compared to candidate stories on several signals at once
(embedding of title + lead, TF-IDF over the article, overlap of capitalised names and of the
lead's figures) and a small learned model (``JoinModel``) over those, and over how busy the
stream is, decides whether it joins; a young story that turns out to hold two look-alike events
is split in two. Candidates come from an HNSW
index over the recent articles (hnswlib), plus a few stories that share the article's heaviest
TF-IDF terms (for a lead of page furniture, which embeds far from its story), inside a sliding
time window, so the cost per article
and the memory stay flat however long the stream runs. Two young running topics (reports
months apart) may also be merged when their centroids meet (``merge_cosine``, off: it did not
carry over in cross-validation). Near-verbatim copies (syndication) are
found with MinHash LSH and join their original's story; text that recurs across unrelated
articles (scrape-failure boilerplate, wire-service slugs) is stripped before anything is
compared, or it would glue unrelated stories together."""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import math
import re
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources

import numpy as np

from newsweave.boilerplate import is_known_boilerplate, name_boxes, trim_dateline, without
from newsweave.models import Article
from newsweave.nlp import TITLE_ABBREVIATIONS
from newsweave.settings import GroupSettings

__all__ = [
    "GroupSettings",
    "StoryAssignment",
    "StoryGrouper",
    "first_sentence",
    "headline_copy",
    "group_articles",
    "group_stream",
    "story_headline",
    "story_id_for",
]


@dataclass(frozen=True)
class StoryAssignment:
    article_id: str
    story_id: str
    duplicate_of: str | None = None  # the earlier near-verbatim copy (syndication), else None
    #: set when a young story was split and this earlier article moved out of it: the
    #: assignment replaces the one given before
    moved_from: str | None = None


#: Called with (article id, candidate story ids, feature rows) before each join decision;
#: the benchmark uses it to collect training rows for the join model.
Observer = Callable[[str, list[str], np.ndarray], None]

#: What the grouper computes of an (article, candidate story) pair, in this order. The shipped
#: model reads all but the busy x similarity products: cross-validated over whole stories
#: (``benchmarks/stories_cv.py``, issue 15) they keyed the join threshold on how busy each dev
#: stream happened to be and cost mixed stories recall on every fold.
FEATURES = (
    "emb_centroid", "emb_max", "tfidf", "entities", "story_names",
    "emb_cohesion", "tfidf_cohesion", "singleton", "gap_years", "log_words",
    "lead_names", "numbers", "has_numbers", "busy", "idle",
    "busy*emb_centroid", "busy*tfidf", "busy*entities", "busy*singleton",
    "lead_full_names", "has_full_names",
)


@dataclass(frozen=True)
class JoinModel:
    """The learned join decision: a small ensemble of one-hidden-layer networks over the
    standardised features, whose mean is the probability that the article belongs to the
    candidate story. Non-linear because the right threshold moves with the stream: a busy
    stream of unrelated stories lets looser matches join, a quiet one of look-alike events
    (two earthquakes) wants close ones. Fitted by ``benchmarks/stories.py --train``."""

    features: tuple[str, ...]
    #: join when the probability is at least this (tuned with the model)
    threshold: float
    mean: np.ndarray
    scale: np.ndarray
    #: (hidden weights, hidden bias, output weights, output bias) per network
    nets: tuple[tuple[np.ndarray, np.ndarray, np.ndarray, float], ...]

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` hold all of ``FEATURES``; a model fitted on fewer reads only its own."""
        if self.features != FEATURES:
            rows = rows[:, [FEATURES.index(f) for f in self.features]]
        x = (rows - self.mean) / self.scale
        out = np.zeros(len(rows))
        for w1, b1, w2, b2 in self.nets:
            z = np.maximum(x @ w1 + b1, 0.0) @ w2 + b2
            out += 1.0 / (1.0 + np.exp(-z))
        return out / len(self.nets)

    def to_json(self) -> dict:
        return {
            "features": list(self.features), "threshold": self.threshold,
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "nets": [{"w1": w1.tolist(), "b1": b1.tolist(), "w2": w2.tolist(), "b2": b2}
                     for w1, b1, w2, b2 in self.nets],
        }

    @classmethod
    def from_json(cls, data: dict) -> JoinModel:
        if not set(data["features"]) <= set(FEATURES):
            raise ValueError("join model was fitted on features the grouper does not compute: "
                             "refit it with benchmarks/stories.py --train")
        if len(data["mean"]) != len(data["features"]):
            raise ValueError("join model's standardisation does not match its features")
        return cls(
            tuple(data["features"]), float(data["threshold"]), np.asarray(data["mean"]),
            np.asarray(data["scale"]),
            tuple((np.asarray(n["w1"]), np.asarray(n["b1"]), np.asarray(n["w2"]),
                   float(n["b2"])) for n in data["nets"]),
        )


@lru_cache(maxsize=1)
def default_join_model() -> JoinModel:
    """The shipped model (package data ``data/join_model.json``)."""
    path = resources.files("newsweave") / "data" / "join_model.json"
    return JoinModel.from_json(json.loads(path.read_text(encoding="utf-8")))


#: a term-candidate lookup reads this many of the latest live articles per term, and a term
#: candidate's best embedding match is taken over this many of its latest articles: the cost
#: per article stays flat however common a term grows
TERM_POSTINGS = 64


# --------------------------------------------------------------------------- text features
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*[a-z0-9]|[a-z]")
_UNIT_SPLIT = re.compile(r"\n+|(?<=[.!?])\s+(?=[\"'A-Z(])")
_NORM = re.compile(r"[^a-z0-9]+")
_CAP_RUN = re.compile(
    r"\b[A-Z][A-Za-z0-9'&\-]*(?:(?:(?<=\b[A-Z])\.)?\s+(?:(?:of|de|del|la|van|von|al|bin|the|and)\s+)?"
    r"[A-Z][A-Za-z0-9'&\-]*)*"
)
_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours said says say told new one two three year
    years last first like get got make made many much may might must per since still us well
    will via week weeks day days today yesterday monday tuesday wednesday thursday friday
    saturday sunday mr mrs ms according people time""".split()
)
_NOT_NAMES = frozenset(
    """the a an he she it they we i you his her its their our this that these those there here
    but and or if in on at for by with from to of as when while after before however meanwhile
    also then so yet mr mrs ms dr monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec today yesterday tomorrow according
    what why how where who which some many most all no not one two three""".split()
)
def _hash(text: str) -> int:
    """A stable (process-independent) hash: stories must come out the same on every run."""
    return zlib.crc32(text.encode("utf-8"))


def _page_text(text: str) -> str:
    """The text with page boxes glued into its sentences cut (``boilerplate.name_boxes``: The
    Hill's linked headlines after a name), as the analysis and the summary read it: their
    headlines belong to other stories and would pull the article towards them."""
    return without(text, name_boxes(text))


def _units(text: str) -> list[str]:
    """Paragraphs and sentences: the grain at which boilerplate repeats."""
    return [u for u in (p.strip() for p in _UNIT_SPLIT.split(text)) if u]


def _unit_key(unit: str) -> int | None:
    norm = _NORM.sub(" ", unit.lower()).strip()
    return _hash(norm) if len(norm) >= 20 else None


def _day(published: str | None) -> int | None:
    """Days since year 1 (``date.toordinal``), or None when missing or unparsable."""
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None


def _tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


def _opens_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 4) : start]
    if "\n" in before:
        return True
    before = text[:start].rstrip(" \"'\u201c\u2018(")
    return not before or before[-1] in ".!?:"


def _entities(text: str) -> set[str]:
    """Capitalised phrases (names of people, places, organisations), normalised: a cheap stand-in
    for NER that costs microseconds, which keeps full NLP out of the ingest path. A lone word
    capitalised only because it opens a sentence ("Perennial party girl ...") is not a name."""
    found: set[str] = set()
    for match in _CAP_RUN.finditer(text):
        words = match.group(0).replace(".", " ").split()
        if len(words) == 1 and _opens_sentence(text, match.start()):
            continue
        while words and words[0].lower() in _NOT_NAMES:
            words = words[1:]
        while words and words[-1].lower() in _NOT_NAMES:
            words = words[:-1]
        if words and (len(words) > 1 or len(words[0]) > 2):
            found.add(" ".join(words).lower())
    return found


_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w])")


def _numbers(text: str) -> set[str]:
    """Figures in the lead (ages, tolls, magnitudes, sums, years): two events of the same kind
    (two earthquakes, two heists) share their words but rarely their figures."""
    return {m.group(0).replace(",", "") for m in _NUMBER.finditer(text)}


def _shingles(tokens: Sequence[str], size: int) -> set[bytes]:
    if len(tokens) < size:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)}


def _cohesion(sum_sq: float, n: int) -> float:
    """How tight a story is: the mean cosine of a member to the sum of the others, from the
    squared norm of the sum of n unit vectors (0 for a single article). Loose stories (a
    long-running topic) accept looser matches than tight ones (one event), so the join model
    sees it beside each similarity: the threshold adapts per story."""
    if n < 2 or sum_sq <= 0:
        return 0.0
    return (sum_sq - n) / (n * math.sqrt(sum_sq))


def _span_days(story: _Story) -> int:
    """Days between a story's first and last dated report (0 when undated)."""
    if story.first_day is None or story.last_day is None:
        return 0
    return story.last_day - story.first_day


def _most_common(counts: Counter, n: int) -> list[tuple]:
    """``Counter.most_common`` with ties broken by key, not by insertion order: names reach
    a story from sets of hashed strings, whose order changes from one process to the next
    (string hashing is salted), and the stories must come out the same on every run."""
    return heapq.nsmallest(n, counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _two_parts(members: Sequence[_Member], method: str = "average") -> np.ndarray | None:
    """Cut a story's articles in two by hierarchical clustering (scipy; ``method`` "average" or
    "ward") on the mean of embedding and TF-IDF cosine; part labels in member order, or None
    when there is nothing to cut. How small a part may be is the caller's rule
    (``split_min_part``)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.sparse import csr_matrix

    n = len(members)
    if n < 2:
        return None
    vectors = np.stack([m.vector for m in members])
    rows = np.repeat(np.arange(n), [len(m.term_keys) for m in members])
    keys = np.concatenate([m.term_keys for m in members])
    _, cols = np.unique(keys, return_inverse=True)
    terms = csr_matrix((np.concatenate([m.term_weights for m in members]), (rows, cols)))
    similarity = 0.5 * (vectors @ vectors.T) + 0.5 * (terms @ terms.T).toarray()
    distance = np.clip(1.0 - similarity, 0.0, None)
    if method == "ward":  # Ward needs a Euclidean distance: sqrt(2(1 - cos)) for unit vectors
        distance = np.sqrt(2.0 * distance)
    condensed = distance[np.triu_indices(n, k=1)]
    return fcluster(linkage(condensed, method), 2, "maxclust")


def _prune_units(seen: dict[int, tuple[int, frozenset[str]]], keep: int
                 ) -> dict[int, tuple[int, frozenset[str]]]:
    """Forget units seen once, then the least seen, down to ``keep`` (known boilerplate, count
    -1, stays): halving keeps the cost per article constant however long the stream runs."""
    kept = {k: v for k, v in seen.items() if v[0] != 1}
    if len(kept) > keep:
        ranked = sorted(kept.items(), key=lambda kv: (kv[1][0] >= 0, -kv[1][0]))
        kept = dict(ranked[:keep])
    return kept


def story_id_for(first_article_id: str) -> str:
    """Stable story id: derived from the id of the article that opened the story."""
    return "s-" + hashlib.sha1(first_article_id.encode("utf-8")).hexdigest()[:12]


# --------------------------------------------------------------------------- headline
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Za-z .'\-]{1,40}(?:,\s*[A-Za-z .'\-]{1,30})?"
    r"(?:\s*\[[^\]]{1,30}\])?(?:,?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
    r"\s*(?:\((?:[A-Za-z .\-]{1,30})\))?\s*(?:--|—|–|_|:)\s+)"
)


#: a period that ends an abbreviation, not the sentence: a title or month ("Dr.", "Sen.",
#: "Nov."), an initial ("Anthony C."), a dotted acronym ("U.S.", "D.C."); a lead cut there
#: made stories headed "Dr." or "The U.S."
_ABBREVIATION_END = re.compile(
    r"(?<![\w.])(?:(?:Mr|Mrs|Ms|Dr|St|Mt|Ft|Gen|Sen|Rep|Gov|Pres|Prof|Rev|Jr|Sr|Inc|Corp|Co|"
    r"Ltd|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Ave|Blvd|Rd|vs|etc|"
    + "|".join(a.rstrip(".") for a in TITLE_ABBREVIATIONS)  # the ranks the parser keeps whole
    + r")|(?:[A-Za-z]\.)+[A-Za-z]|[A-Z])\.$")


def first_sentence(text: str, max_words: int = 25) -> str:
    """The lead's first sentence, without its dateline, at most ``max_words`` words; a
    period that ends an abbreviation ends no sentence."""
    body = _DATELINE.sub("", text.strip(), count=1).strip()
    first = body
    for end in re.finditer(r"[.!?](?=\s)", body):
        if end.group() == "." and _ABBREVIATION_END.search(body, 0, end.end()):
            continue
        first = body[:end.end()]
        break
    words = first.split()
    return " ".join(words[:max_words]) + (" ..." if len(words) > max_words else "")


def headline_copy(article: Article) -> Article:
    """What ``story_headline`` needs of an article (title, lead sentence, date), without the
    rest of its text: kept per story while a stream is grouped."""
    return Article(id=article.id, text=first_sentence(article.text), title=article.title,
                   published=article.published)


def story_headline(articles: Sequence[Article]) -> str:
    """A representative title: the title sharing most words with the other titles (ties go to the
    earliest), else the first sentence of the earliest article's lead without its dateline."""
    if not articles:
        return ""
    dated = sorted(articles, key=lambda a: (_day(a.published) is None, _day(a.published) or 0))
    titles = [a.title.strip() for a in dated if a.title and a.title.strip()]
    if titles:
        bags = [set(_tokens(t)) for t in titles]

        def centrality(i: int) -> float:
            return sum(
                len(bags[i] & other) / (len(bags[i] | other) or 1)
                for j, other in enumerate(bags)
                if j != i
            )

        return titles[max(range(len(titles)), key=lambda i: (centrality(i), -i))]
    for article in dated:
        if article.text.strip():
            return first_sentence(article.text)
    return ""


# --------------------------------------------------------------------------- state
@dataclass(frozen=True)
class _Read:
    """An article's text with boilerplate stripped, and its hashed terms and names."""

    title: str
    body: str
    units: list[int]
    tokens: list[str]
    terms: Counter[int]  # empty when too short to compare
    entities: set[int]


@dataclass(eq=False)
class _Prepared:
    """What the grouper needs of one article, computed before the join decision."""

    article: Article
    day: int | None
    content_words: int
    lead: str
    tf: dict[int, float]
    entities: set[int]
    minhash: object | None  # datasketch MinHash
    units: list[int]
    lead_names: set[int] = field(default_factory=set)
    full_names: set[int] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    vector: np.ndarray | None = None
    weighted: dict[int, float] = field(default_factory=dict)
    #: its terms were counted by ``prime`` with the rest of the window (a batch IDF): a term
    #: no other article of the window has is then known to be its own
    batch_idf: bool = False


@dataclass(eq=False)
class _Member:
    """What a young story keeps of each article so that it can re-check itself (``_split``):
    compact arrays, not the text. ``article`` is a slim copy (title, first sentence, date)."""

    article: Article
    slot: int
    seq: int
    day: int | None
    content_words: int
    vector: np.ndarray
    term_keys: np.ndarray
    term_weights: np.ndarray
    entities: np.ndarray
    lead_names: np.ndarray
    full_names: np.ndarray
    numbers: tuple[str, ...]
    duplicate_of: str | None

    def prepared(self) -> _Prepared:
        return _Prepared(
            self.article, self.day, self.content_words, "", {}, set(self.entities.tolist()),
            None, [], lead_names=set(self.lead_names.tolist()),
            full_names=set(self.full_names.tolist()), numbers=set(self.numbers),
            vector=self.vector,
            weighted=dict(zip(self.term_keys.tolist(), self.term_weights.tolist(), strict=True)),
        )


@dataclass(eq=False)
class _Story:
    id: str
    vector_sum: np.ndarray
    terms: dict[int, float] = field(default_factory=dict)
    terms_norm: float = 0.0
    terms_sq: float = 0.0  # squared norm of the unpruned TF-IDF sum, tracked incrementally
    entities: Counter[int] = field(default_factory=Counter)
    numbers: Counter[str] = field(default_factory=Counter)
    size: int = 0
    last_day: int | None = None
    #: the earliest dated article's day: a story whose reports span months is a running topic,
    #: which the split check leaves to its average-linkage rule (``split_event_days``)
    first_day: int | None = None
    last_seq: int = 0
    slots: list[int] = field(default_factory=list)
    #: kept until the story outgrows the last split check, then dropped (None)
    members: list[_Member] | None = field(default_factory=list)
    top_names: list[tuple[int, int]] | None = None  # ``_story_names`` cache


class StoryGrouper:
    """Online grouping. Feed articles in published-date order (undated ones last); each call
    returns the article's assignment at once. Earlier assignments change only when a young
    story splits (``_split``); ``take_moves`` hands those changes out."""

    def __init__(self, settings: GroupSettings | None = None, embedder=None,
                 join_model: JoinModel | None = None) -> None:
        import hnswlib
        from datasketch import MinHash, MinHashLSH

        self.s = settings or GroupSettings()
        self._embedder = embedder
        self._model = join_model  # the shipped one, loaded at the first decision
        self._minhash_cls = MinHash
        self._permutations = MinHash(num_perm=self.s.minhash_perm, seed=1).permutations
        self._lsh = MinHashLSH(threshold=min(self.s.duplicate_candidates, self.s.duplicate_jaccard),
                               num_perm=self.s.minhash_perm)
        self._index = hnswlib.Index(space="ip", dim=384)
        self._capacity = 1024
        self._index.init_index(
            max_elements=self._capacity, ef_construction=100, M=16, random_seed=7,
            allow_replace_deleted=True,
        )
        self._index.set_ef(max(64, 2 * self.s.neighbours))
        self._index.set_num_threads(1)
        self._df = np.zeros(1 << self.s.hash_bits, dtype=np.int32)
        self._entity_df = np.zeros(1 << self.s.hash_bits, dtype=np.int32)
        self._docs = 0
        self._primed: set[str] = set()  # articles whose frequencies ``prime`` already counted
        self._read_ahead: dict[str, _Read] = {}  # what ``prime`` read, until grouped
        self._seq = 0
        self._clock: int | None = None  # newest published day seen
        self._stories: dict[str, _Story] = {}
        self._slot_story: dict[int, str] = {}
        self._slot_article: dict[int, tuple[str, np.ndarray | None]] = {}
        #: term -> live slots whose heaviest terms hold it (a dict as an ordered set, in slot
        #: order), and slot -> those terms: ``_term_candidates``' inverted index
        self._term_slots: dict[int, dict[int, None]] = {}
        self._slot_terms: dict[int, tuple[int, ...]] = {}
        #: unit key -> (articles seen in, a few of their stories); count -1: known boilerplate
        self._unit_seen: dict[int, tuple[int, frozenset[str]]] = {}
        #: stories of the latest assignments: how many run at once tells a busy stream (many
        #: unrelated stories interleaved) from a quiet one, where look-alike reports compete
        self._recent: deque[str] = deque(maxlen=self.s.busy_articles)
        self._live = 0
        self._deleted = 0
        self._next_slot = 0
        #: assignments changed by story splits, handed out by ``take_moves``
        self._moves: list[tuple[Article, StoryAssignment]] = []
        #: revised articles withdrawn from a story that others still hold: id -> that story
        #: (``withdraw``; read when the article is grouped again, in the same run)
        self._withdrawn: dict[str, str] = {}

    # ------------------------------------------------------------------ public
    def prime(self, articles: Sequence[Article]) -> None:
        """Read a batch before grouping it: boilerplate is then known from its first occurrence
        (a unit in ``boilerplate_articles`` or more distinct articles, exact copies counted
        once, is stripped) and IDF is the batch's from the first article on."""
        self._learn_boilerplate(articles)
        for article in articles:
            self._read_ahead_one(article)

    def _learn_boilerplate(self, articles: Sequence[Article]) -> None:
        counts: Counter[int] = Counter()
        seen_texts: set[int] = set()
        for article in articles:
            key = _hash(_NORM.sub(" ", article.text.lower()))
            if key in seen_texts:
                continue
            seen_texts.add(key)
            units = _units(_page_text(article.text))
            counts.update({k for k in map(_unit_key, units) if k is not None})
        for key, n in counts.items():
            if n >= self.s.boilerplate_articles:
                self._unit_seen[key] = (-1, frozenset())

    def _read_ahead_one(self, article: Article) -> None:
        """Read an article of the batch and count its terms in the document frequencies (the
        whole batch's, as a batch IDF)."""
        read = self._read(article)
        self._read_ahead[article.id] = read
        if read.terms:
            self._df[list(read.terms)] += 1
            self._entity_df[list(read.entities)] += 1
            self._docs += 1
            self._primed.add(article.id)

    def add(self, article: Article) -> StoryAssignment:
        return self.add_many([article])[0]

    def add_many(
        self,
        articles: Sequence[Article],
        forced: Sequence[str] | None = None,
        observer: Observer | None = None,
    ) -> list[StoryAssignment]:
        """Group a chunk (embedded in one batch), in the given order. ``forced`` names the story of
        each article instead of deciding (teacher forcing, used only to collect training rows for
        the join model through ``observer``)."""
        prepared = [self._prepare(a) for a in articles]
        self._attach(prepared, self._embed(prepared))
        return [self._assign(p, forced[i] if forced else None, observer)
                for i, p in enumerate(prepared)]

    def add_window(self, articles: Sequence[Article]) -> Iterator[list[StoryAssignment]]:
        """``prime`` the window, then group it chunk by chunk (``embed_chunk`` articles). Each
        chunk's MiniLM embedding starts in a worker thread as soon as the chunk is read, while
        the rest of the window is read (ONNX Runtime releases the GIL, so both cores work);
        assignment starts once the whole window is read, its IDF complete. Yields each chunk's
        assignments."""
        from concurrent.futures import ThreadPoolExecutor

        self._learn_boilerplate(articles)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = []
            for chunk in _chunks(articles, self.s.embed_chunk):
                for article in chunk:
                    self._read_ahead_one(article)
                prepared = [self._prepare(a) for a in chunk]
                pending.append((prepared, pool.submit(self._embed, prepared)))
            for prepared, future in pending:
                yield self._assign_chunk(prepared, future)

    def _assign_chunk(self, prepared: list[_Prepared], future) -> list[StoryAssignment]:
        self._attach(prepared, future.result())
        return [self._assign(p, None, None) for p in prepared]

    def lead_of(self, article: Article) -> str:
        """The title + lead this grouper would embed for ``article`` now ('' when it has too
        few words to be grouped by content): a backfill embeds these ahead, in parallel."""
        return self._prepare(article).lead

    def _embed(self, prepared: Sequence[_Prepared]) -> np.ndarray:
        leads = [p.lead for p in prepared if p.lead]
        return self._get_embedder().embed(leads) if leads else np.zeros((0, 384), np.float32)

    @staticmethod
    def _attach(prepared: Sequence[_Prepared], vectors: np.ndarray) -> None:
        it = iter(vectors)
        for p in prepared:
            if p.lead:
                p.vector = next(it)

    def take_moves(self) -> list[tuple[Article, StoryAssignment]]:
        """Earlier articles moved to another story by a split since the last call, each with a
        slim copy of its article (title, first sentence, date): they replace the assignments
        given before."""
        moves, self._moves = self._moves, []
        return moves

    @property
    def story_count(self) -> int:
        return len(self._stories)

    @property
    def active_articles(self) -> int:
        return self._live

    # ------------------------------------------------------------------ preparation
    def _get_embedder(self):
        if self._embedder is None:
            from newsweave.embed import get_embedder

            self._embedder = get_embedder()
        return self._embedder

    def _is_boilerplate(self, unit: str, key: int | None, known: bool) -> bool:
        if known and is_known_boilerplate(unit):
            return True
        if key is None:
            return False
        seen = self._unit_seen.get(key)
        if seen is None:
            return False
        count, stories = seen
        return count < 0 or count >= self.s.boilerplate_stream_articles or \
            len(stories) >= self.s.boilerplate_stories

    def _strip(self, article: Article) -> tuple[str, list[int]]:
        """The article's text without boilerplate units, and the keys of the units kept."""
        kept: list[str] = []
        keys: list[int] = []
        known = is_known_boilerplate(article.text)  # rare: test each unit only then
        for unit in _units(_page_text(article.text)):
            key = _unit_key(unit)
            if not self._is_boilerplate(unit, key, known):
                kept.append(unit)
                if key is not None:
                    keys.append(key)
        return "\n".join(kept), keys

    def _term_counts(self, title: str, tokens: list[str]) -> Counter[int]:
        mask = (1 << self.s.hash_bits) - 1
        counts = Counter(_hash(t) & mask for t in tokens)
        counts.update(_hash(t) & mask for t in _tokens(title))  # the title counts twice
        return counts

    def _entity_keys(self, title: str, body: str) -> set[int]:
        mask = (1 << self.s.hash_bits) - 1
        name_text = title + "\n" + " ".join(body.split()[: self.s.entity_words])
        return {_hash(e) & mask for e in _entities(name_text)}

    def _read(self, article: Article) -> _Read:
        body, keys = self._strip(article)
        # a dateline ("OTTAWA, January 12 (Xinhua) --") says where and when a report was
        # filed, not what it is about: it would fill the embedded lead and its names. A
        # place with its state ("KANSAS CITY, Mo. _") stays: measured, it helps more than
        # it misleads (a local story's reports are filed from one place)
        body = body[trim_dateline(body, states=False):]
        tokens = _tokens(body)
        title = (article.title or "").strip()
        if len(tokens) < self.s.min_content_words:
            return _Read(title, body, keys, tokens, Counter(), set())
        return _Read(title, body, keys, tokens, self._term_counts(title, tokens),
                     self._entity_keys(title, body))

    def _prepare(self, article: Article) -> _Prepared:
        """What the decision needs; the text was read by ``prime`` already when it saw the
        article (then boilerplate learned since is not stripped from it: a rare miss)."""
        read = self._read_ahead.pop(article.id, None) or self._read(article)
        title, body, keys, tokens = read.title, read.body, read.units, read.tokens
        day = _day(article.published)
        if not read.terms:
            return _Prepared(article, day, len(tokens), "", {}, set(), None, keys)
        lead = (title + ". " if title else "") + " ".join(body.split()[: self.s.lead_words])
        tf = {k: 1.0 + math.log(c) for k, c in read.terms.items()}
        minhash = self._minhash_cls(
            num_perm=self.s.minhash_perm, hashfunc=zlib.crc32, scheme="affine32",
            permutations=self._permutations,
        )
        minhash.update_batch(list(_shingles(tokens, self.s.shingle_words)))
        head = title + "\n" + " ".join(body.split()[: self.s.lead_name_words])
        mask = (1 << self.s.hash_bits) - 1
        names = _entities(head)
        return _Prepared(article, day, len(tokens), lead, tf, read.entities, minhash, keys,
                         lead_names={_hash(e) & mask for e in names},
                         full_names={_hash(e) & mask for e in names if " " in e},
                         numbers=_numbers(head))

    # ------------------------------------------------------------------ decision
    def _idf(self, keys: np.ndarray, df: np.ndarray) -> np.ndarray:
        return np.log((self._docs + 1.0) / (df[keys] + 1.0)) + 1.0

    def _weighted(self, tf: dict[int, float]) -> dict[int, float]:
        """The article's unit-length TF-IDF vector under the IDF of the stream so far."""
        if not tf:
            return {}
        keys = np.fromiter(tf.keys(), dtype=np.int64, count=len(tf))
        vals = np.fromiter(tf.values(), dtype=np.float64, count=len(tf))
        vals *= self._idf(keys, self._df)
        vals /= float(np.linalg.norm(vals)) or 1.0
        return dict(zip(keys.tolist(), vals.tolist(), strict=True))

    @staticmethod
    def _tfidf_cos(weighted: dict[int, float], story: _Story) -> float:
        """Cosine to the story's centroid (sum of its members' unit TF-IDF vectors)."""
        if not weighted or not story.terms_norm:
            return 0.0
        terms = story.terms
        return sum(weighted[k] * terms[k] for k in weighted.keys() & terms.keys()) \
            / story.terms_norm

    def _name_idf(self, p: _Prepared) -> dict[int, float]:
        """IDF of each of the article's names, computed once for all its candidate stories."""
        names = p.entities | p.lead_names | p.full_names
        keys = np.fromiter(names, dtype=np.int64, count=len(names))
        return dict(zip(keys.tolist(), self._idf(keys, self._entity_df).tolist(), strict=True))

    @staticmethod
    def _entity_overlap(entities: set[int], story: _Story, idf: dict[int, float]) -> float:
        """Share of the article's name weight (IDF) that the story already carries."""
        if not entities or not story.entities:
            return 0.0
        total = math.fsum(idf[k] for k in entities)
        return math.fsum(idf[k] for k in entities & story.entities.keys()) / total

    @staticmethod
    def _story_names(entities: set[int], story: _Story, top: int = 5) -> float:
        """Share of the story's most frequent names that the article mentions: a report of a
        different event of the same kind (another earthquake) names other people and places."""
        if story.top_names is None:  # cached until the story changes: many articles ask
            story.top_names = _most_common(story.entities, top)
        names = story.top_names
        total = sum(c for _, c in names)
        return sum(c for k, c in names if k in entities) / total if total else 0.0

    def _features(
        self, p: _Prepared, weighted: dict[int, float], story: _Story,
        emb_max: float, busy: float, idf: dict[int, float] | None = None,
    ) -> list[float]:
        idf = self._name_idf(p) if idf is None else idf
        norm = float(np.linalg.norm(story.vector_sum))
        centroid = float(p.vector @ story.vector_sum) / norm if norm and p.vector is not None \
            else 0.0
        gap = 0.0
        if p.day is not None and story.last_day is not None:
            gap = abs(p.day - story.last_day) / 365.0
        n = len(story.slots)
        tfidf = self._tfidf_cos(weighted, story)
        entities = self._entity_overlap(p.entities, story, idf)
        single = 1.0 if n == 1 else 0.0
        return [
            centroid,
            emb_max,
            tfidf,
            entities,
            self._story_names(p.entities, story),
            _cohesion(norm * norm, n),
            _cohesion(story.terms_sq, n),
            single,
            gap,
            math.log1p(p.content_words) / 5.0,  # similarities run lower between long reports
            self._entity_overlap(p.lead_names, story, idf),
            sum(1 for x in p.numbers if x in story.numbers) / len(p.numbers) if p.numbers
            else 0.0,
            1.0 if p.numbers and story.numbers else 0.0,
            busy,
            math.log1p(self._seq - story.last_seq) / 5.0,
            busy * centroid, busy * tfidf, busy * entities, busy * single,
            self._entity_overlap(p.full_names, story, idf),
            1.0 if p.full_names else 0.0,
        ]

    def _busy(self) -> float:
        """Share of distinct stories among the latest ``busy_articles`` assignments."""
        return len(set(self._recent)) / self.s.busy_articles

    def _join_model(self) -> JoinModel:
        if self._model is None:
            self._model = default_join_model()
        return self._model

    def _join_probability(self, rows: np.ndarray) -> np.ndarray:
        return self._join_model().probability(rows)

    def _join_threshold(self) -> float:
        if self.s.join_threshold is not None:
            return self.s.join_threshold
        return self._join_model().threshold

    def _in_window(self, p: _Prepared, story: _Story) -> bool:
        if p.day is None or story.last_day is None:
            return True
        return abs(p.day - story.last_day) <= self.s.window_days

    def _neighbours(self, vector: np.ndarray) -> list[tuple[int, float]]:
        k = min(self.s.neighbours, self._live)
        while k > 0:
            try:
                labels, dists = self._index.knn_query(vector[None, :], k=k, num_threads=1)
                return [(int(lb), 1.0 - float(d)) for lb, d in zip(labels[0], dists[0],
                                                                  strict=True)]
            except RuntimeError:  # fewer live neighbours reachable than asked for
                k //= 2
        return []

    def _duplicate_of(self, p: _Prepared) -> tuple[int, str] | None:
        """The earliest live article this one copies near-verbatim, if any."""
        if p.minhash is None or self._live == 0:
            return None
        mine = p.minhash.hashvalues
        # earliest first, so the first that qualifies is the answer: a stream of many copies
        # of one text (every earlier copy a candidate) was quadratic in their Jaccard checks
        for slot in sorted(self._lsh.query(p.minhash)):
            article_id, hashes = self._slot_article[slot]
            story = self._stories.get(self._slot_story[slot])
            if hashes is None or story is None or not self._in_window(p, story):
                continue
            if np.count_nonzero(hashes == mine) / len(mine) >= self.s.duplicate_jaccard:
                return slot, article_id
        return None

    def _assign(self, p: _Prepared, forced: str | None, observer: Observer | None
                ) -> StoryAssignment:
        self._seq += 1
        if p.day is not None:
            self._clock = p.day if self._clock is None else max(self._clock, p.day)
        if p.vector is None:  # nothing left to compare once boilerplate is stripped
            story = self._open(p, forced)
            self._after(p, story)
            return StoryAssignment(p.article.id, story.id)
        if p.article.id in self._primed:
            self._primed.discard(p.article.id)
            p.batch_idf = True
        else:
            self._docs += 1
            self._df[list(p.tf)] += 1
            self._entity_df[list(p.entities)] += 1
        p.weighted = self._weighted(p.tf)

        duplicate = self._duplicate_of(p) if forced is None else None
        if duplicate is not None:
            story = self._stories[self._slot_story[duplicate[0]]]
        else:
            story = self._decide(p, forced, observer)
        self._join(p, story, duplicate[1] if duplicate else None)
        self._after(p, story, duplicate is not None)
        assigned = StoryAssignment(p.article.id, story.id, duplicate[1] if duplicate else None)
        # the window may have just evicted the story (an undated report joining a story whose
        # last dated one left the window): a split would then make a story of freed slots
        if forced is None and story.members is not None and \
                len(story.members) in self.s.split_checks and self._stories.get(story.id) is story:
            moved = self._split(story)
            if moved is not None and p.article.id in moved:
                assigned = StoryAssignment(p.article.id, moved[p.article.id],
                                           assigned.duplicate_of)
                self._moves = [m for m in self._moves if m[0].id != p.article.id]
        left = self._withdrawn.pop(p.article.id, None)
        if forced is None and left is not None and left != assigned.story_id:
            self._merge_left(left, assigned.story_id)
        held = self._stories.get(assigned.story_id)
        if forced is None and held is not None and self.s.merge_cosine is not None:
            merged = self._merge_running(held)
            if merged is not None and p.article.id in merged:
                assigned = StoryAssignment(p.article.id, merged[p.article.id],
                                           assigned.duplicate_of)
                self._moves = [m for m in self._moves if m[0].id != p.article.id]
        return assigned

    def _decide(self, p: _Prepared, forced: str | None, observer: Observer | None) -> _Story:
        best_sim: dict[str, float] = {}
        for slot, sim in self._neighbours(p.vector):
            key = self._slot_story.get(slot)
            if key is not None and sim > best_sim.get(key, -1.0):
                best_sim[key] = sim
        best_sim.update(self._term_candidates(p, best_sim))
        candidates = [
            self._stories[k] for k in best_sim if self._in_window(p, self._stories[k])
        ]
        choice: _Story | None = None
        if candidates:
            busy = self._busy()  # the same for every candidate
            idf = self._name_idf(p)
            rows = np.array(
                [self._features(p, p.weighted, s, best_sim[s.id], busy, idf) for s in candidates]
            )
            if observer is not None:
                observer(p.article.id, [s.id for s in candidates], rows)
            if forced is None:
                probs = self._join_probability(rows)
                top = int(np.argmax(probs))
                if probs[top] >= self._join_threshold():
                    choice = candidates[top]
        if forced is not None:
            choice = self._stories.get(forced)
        return choice if choice is not None else self._open(p, forced)

    def _top_terms(self, p: _Prepared, query: bool) -> list[int]:
        """The article's ``candidate_terms`` heaviest TF-IDF terms that another article may
        share: a query uses only terms some earlier article used too (document frequency
        above 1, this one counted); the index keeps any term unless the batch IDF already
        shows no other article of the window has it."""
        if not p.weighted:
            return []
        items = list(p.weighted.items())
        if query or p.batch_idf:
            keys = np.fromiter(p.weighted.keys(), dtype=np.int64, count=len(items))
            shared = (self._df[keys] > 1).tolist()
            items = [kv for kv, ok in zip(items, shared, strict=True) if ok]
        top = heapq.nsmallest(self.s.candidate_terms, items, key=lambda kv: (-kv[1], kv[0]))
        return [k for k, _ in top]

    def _term_candidates(self, p: _Prepared, known: dict[str, float]) -> dict[str, float]:
        """Up to ``term_candidates`` stories beyond ``known`` (the neighbours' stories) whose
        recent articles share the article's heaviest terms, ranked by the weight of the terms
        shared, each with its best embedding match (the ``emb_max`` feature). Why: a lead
        that is page furniture (share buttons, "UPDATE:") embeds far from its story, so the
        neighbours miss the story that its words name."""
        if self.s.term_candidates <= 0 or p.vector is None or not self._term_slots:
            return {}
        score: dict[str, float] = {}
        shared: Counter[str] = Counter()
        for term in self._top_terms(p, query=True):
            slots = self._term_slots.get(term)
            if not slots:
                continue
            hit = {self._slot_story[slot] for slot in itertools.islice(reversed(slots),
                                                                        TERM_POSTINGS)}
            for sid in hit - known.keys():
                score[sid] = score.get(sid, 0.0) + p.weighted[term]
                shared[sid] += 1
        ranked = sorted(
            (sid for sid in score if shared[sid] >= self.s.term_min_shared
             and self._in_window(p, self._stories[sid])),
            key=lambda sid: (-score[sid], -self._stories[sid].last_seq, sid),
        )[: self.s.term_candidates]
        found: dict[str, float] = {}
        for sid in ranked:
            vectors = np.asarray(self._index.get_items(self._stories[sid].slots[-TERM_POSTINGS:]),
                                 dtype=np.float32)
            found[sid] = float(np.max(vectors @ p.vector))
        return found

    def _index_terms(self, p: _Prepared, slot: int) -> None:
        if self.s.term_candidates <= 0:
            return
        terms = tuple(self._top_terms(p, query=False))
        if terms:
            self._slot_terms[slot] = terms
            for term in terms:
                self._term_slots.setdefault(term, {})[slot] = None

    def _unindex_terms(self, slot: int) -> None:
        for term in self._slot_terms.pop(slot, ()):
            slots = self._term_slots[term]
            del slots[slot]
            if not slots:
                del self._term_slots[term]

    # ------------------------------------------------------------------ bookkeeping
    def _open(self, p: _Prepared, forced: str | None) -> _Story:
        story_id = forced if forced is not None else story_id_for(p.article.id)
        story = self._stories.get(story_id)
        if story is None:
            story = _Story(story_id, np.zeros(384, dtype=np.float32))
            self._stories[story_id] = story
        return story

    def _join(self, p: _Prepared, story: _Story, duplicate_of: str | None = None) -> None:
        self._absorb(story, p)
        slot = self._add_vector(p.vector)
        story.slots.append(slot)
        self._slot_story[slot] = story.id
        hashes = p.minhash.hashvalues if p.minhash is not None else None
        self._slot_article[slot] = (p.article.id, hashes)
        if p.minhash is not None:
            self._lsh.insert(slot, p.minhash, check_duplication=False)
        self._index_terms(p, slot)
        if story.members is not None:
            if len(story.members) >= max(self.s.split_checks, default=0):
                story.members = None  # grown past the last check: a settled story
            else:
                story.members.append(self._member(p, slot, duplicate_of))

    def _member(self, p: _Prepared, slot: int, duplicate_of: str | None) -> _Member:
        return _Member(
            headline_copy(p.article), slot, self._seq, p.day, p.content_words, p.vector,
            np.fromiter(p.weighted.keys(), dtype=np.int64, count=len(p.weighted)),
            np.fromiter(p.weighted.values(), dtype=np.float32, count=len(p.weighted)),
            np.fromiter(p.entities, dtype=np.int64, count=len(p.entities)),
            np.fromiter(p.lead_names, dtype=np.int64, count=len(p.lead_names)),
            np.fromiter(p.full_names, dtype=np.int64, count=len(p.full_names)),
            tuple(sorted(p.numbers)), duplicate_of,
        )

    def _absorb(self, story: _Story, p: _Prepared, norm: bool = True) -> None:
        """Add an article to the story's centroids and name counts (not to the index);
        ``norm=False`` leaves the TF-IDF norm for the caller to compute once."""
        story.vector_sum += p.vector
        story.top_names = None
        if p.weighted:
            terms = story.terms
            dot = sum(p.weighted[k] * terms[k] for k in p.weighted.keys() & terms.keys())
            story.terms_sq += 2.0 * dot + 1.0
        for key, w in p.weighted.items():
            story.terms[key] = story.terms.get(key, 0.0) + w
        story.entities.update(p.entities)
        story.numbers.update(p.numbers)
        self._bound(story)
        if norm:
            story.terms_norm = math.sqrt(sum(w * w for w in story.terms.values()))

    def _bound(self, story: _Story) -> None:
        """Keep a story's heaviest TF-IDF terms and most frequent names and figures, so its
        memory stays flat however many articles join."""
        if len(story.terms) > 2 * self.s.story_terms:
            top = sorted(story.terms.items(), key=lambda kv: -kv[1])[: self.s.story_terms]
            story.terms = dict(top)
        if len(story.numbers) > 2 * self.s.story_entities:
            story.numbers = Counter(dict(_most_common(story.numbers, self.s.story_entities)))
        if len(story.entities) > 2 * self.s.story_entities:
            story.entities = Counter(dict(_most_common(story.entities, self.s.story_entities)))

    # ------------------------------------------------------------------ split check
    def _split(self, story: _Story) -> dict[str, str] | None:
        """Re-check a young story: cut its articles in two over embedding and TF-IDF
        similarity, then ask the join model whether each part's articles would join the other
        part as a story. Why: in a quiet stream the first report of a second, look-alike event
        (another fire at the same chain's store) can join the first event's one-article story,
        and every later report of either event then follows; with a few reports on each side,
        the names each side repeats and the other lacks make the difference plain.

        Two rules, by how long the story has run. An event-like story (its dated reports within
        ``split_event_days``, or undated) is cut by Ward linkage, which looks for two compact
        halves, and split when the *mean* of the two parts' join probabilities is below
        ``split_probability``: two look-alike events read as one running story to average
        linkage, which mostly cuts off an outlier. A running topic (reports months apart) is
        broad by nature, so Ward would cut it between sub-themes; it is cut by average linkage
        and split only when *both* parts' probabilities are below ``split_probability``. The
        part without the story's first article becomes a story of its own. Returns the moved
        article ids -> new story id, or None."""
        members = story.members or []
        if self.s.split_probability <= 0:
            return None
        event = self.s.split_event_days is not None and \
            _span_days(story) <= self.s.split_event_days
        parts = _two_parts(members, "ward" if event else "average")
        if parts is None:
            return None
        keep = [m for m, part in zip(members, parts, strict=True) if part == parts[0]]
        move = [m for m, part in zip(members, parts, strict=True) if part != parts[0]]
        if min(len(keep), len(move)) < self.s.split_min_part:
            return None
        new_id = story_id_for(move[0].article.id)
        if new_id in self._stories:
            return None
        busy = self._busy()
        prepared = {id(m): m.prepared() for m in members}
        to_keep = self._part_probability(move, keep, busy, prepared)
        to_move = self._part_probability(keep, move, busy, prepared)
        joined = 0.5 * (to_keep + to_move) if event else max(to_keep, to_move)
        if joined >= self.s.split_probability:
            return None
        self._rebuild(story, keep, prepared)
        other = _Story(new_id, np.zeros(384, dtype=np.float32))
        self._stories[new_id] = other
        self._rebuild(other, move, prepared)
        for m in move:
            self._slot_story[m.slot] = new_id
            self._moves.append((m.article, StoryAssignment(m.article.id, new_id, m.duplicate_of,
                                                           moved_from=story.id)))
        return {m.article.id: new_id for m in move}

    def _running(self, story: _Story) -> bool:
        """A young running topic: dated reports more than ``split_event_days`` apart."""
        return story.members is not None and story.first_day is not None and \
            self.s.split_event_days is not None and _span_days(story) > self.s.split_event_days

    def _merge_running(self, story: _Story) -> dict[str, str] | None:
        """Merge ``story`` with the running topic whose MiniLM centroid is nearest, when both
        are young running topics and the cosine reaches ``merge_cosine``: the smaller story's
        articles move into the larger (ties: into the older). Returns the moved article ids ->
        story id, or None."""
        if self.s.merge_cosine is None or not self._running(story):
            return None
        others = [t for t in self._stories.values() if t is not story and self._running(t)]
        norm = float(np.linalg.norm(story.vector_sum))
        if not others or not norm:
            return None
        sums = np.stack([t.vector_sum for t in others])
        norms = np.linalg.norm(sums, axis=1)
        cos = (sums @ story.vector_sum) / np.maximum(norms * norm, 1e-9)
        best = int(np.argmax(cos))
        if float(cos[best]) < self.s.merge_cosine:
            return None
        other = others[best]
        if self.s.merge_by_model:
            members = (story.members or []) + (other.members or [])
            prepared = {id(m): m.prepared() for m in members}
            busy = self._busy()
            to_other = self._part_probability(story.members or [], other.members or [], busy,
                                              prepared)
            to_story = self._part_probability(other.members or [], story.members or [], busy,
                                              prepared)
            if max(to_other, to_story) < self.s.split_probability:
                return None
        older = min((story, other), key=lambda t: t.members[0].seq)
        keep, gone = (story, other) if (story.size, story is older) > (other.size, other is older) \
            else (other, story)
        self._absorb_story(keep, gone)
        for m in gone.members or []:
            self._slot_story[m.slot] = keep.id
            self._moves.append((m.article, StoryAssignment(m.article.id, keep.id, m.duplicate_of,
                                                           moved_from=gone.id)))
        del self._stories[gone.id]
        self._recent = deque((keep.id if sid == gone.id else sid for sid in self._recent),
                             maxlen=self.s.busy_articles)
        return {m.article.id: keep.id for m in gone.members or []}

    def _merge_left(self, left_id: str, joined_id: str) -> dict[str, str] | None:
        """A revised article, grouped again, joined another story than the one it was
        withdrawn from, which others had joined after it. They may have joined for the stub's
        sake (reports of the event its full text belongs to, gathered around the stub):
        when the join model says the left story's articles would join the new one as a story
        (mean probability at least ``split_probability``, the split check's bar), they
        follow it. Both must be young stories (their members kept). Returns the moved
        article ids -> story id, or None."""
        left, joined = self._stories.get(left_id), self._stories.get(joined_id)
        if left is None or joined is None or not left.members or not joined.members:
            return None
        prepared = {id(m): m.prepared() for m in left.members + joined.members}
        if self._part_probability(left.members, joined.members, self._busy(), prepared) < \
                self.s.split_probability:
            return None
        moved = list(left.members)
        self._absorb_story(joined, left)
        for m in moved:
            self._slot_story[m.slot] = joined.id
            self._moves.append((m.article, StoryAssignment(m.article.id, joined.id,
                                                           m.duplicate_of, moved_from=left.id)))
        del self._stories[left.id]
        self._recent = deque((joined.id if sid == left.id else sid for sid in self._recent),
                             maxlen=self.s.busy_articles)
        return {m.article.id: joined.id for m in moved}

    def _absorb_story(self, keep: _Story, gone: _Story) -> None:
        """Add ``gone``'s centroids, names, dates and members to ``keep`` (not the slot map)."""
        dot = sum(w * keep.terms[k] for k, w in gone.terms.items() if k in keep.terms)
        keep.terms_sq += gone.terms_sq + 2.0 * dot
        for key, w in gone.terms.items():
            keep.terms[key] = keep.terms.get(key, 0.0) + w
        keep.entities.update(gone.entities)
        keep.numbers.update(gone.numbers)
        self._bound(keep)
        keep.terms_norm = math.sqrt(sum(w * w for w in keep.terms.values()))
        keep.vector_sum = keep.vector_sum + gone.vector_sum
        keep.top_names = None
        keep.size += gone.size
        keep.last_seq = max(keep.last_seq, gone.last_seq)
        keep.first_day = min((d for d in (keep.first_day, gone.first_day) if d is not None),
                             default=None)  # undated stories: only a merge of left stories
        keep.last_day = max((d for d in (keep.last_day, gone.last_day) if d is not None),
                            default=None)
        members = sorted((keep.members or []) + (gone.members or []), key=lambda m: m.seq)
        keep.slots = [m.slot for m in members]
        keep.members = members if len(members) < max(self.s.split_checks, default=0) else None

    def _part_probability(self, articles: list[_Member], story: list[_Member], busy: float,
                          prepared: dict[int, _Prepared]) -> float:
        """Mean join probability of ``articles`` to a story made of ``story``."""
        target = _Story("part", np.zeros(384, dtype=np.float32))
        self._rebuild(target, story, prepared)
        vectors = np.stack([m.vector for m in story])
        best = (np.stack([m.vector for m in articles]) @ vectors.T).max(axis=1)
        rows = [self._features(prepared[id(m)], prepared[id(m)].weighted, target, float(b), busy)
                for m, b in zip(articles, best, strict=True)]
        return float(np.mean(self._join_probability(np.array(rows))))

    def _rebuild(self, story: _Story, members: list[_Member],
                 prepared: dict[int, _Prepared]) -> None:
        story.vector_sum = np.zeros(384, dtype=np.float32)
        story.terms, story.terms_norm, story.terms_sq = {}, 0.0, 0.0
        story.entities, story.numbers = Counter(), Counter()
        for m in members:
            self._absorb(story, prepared[id(m)], norm=False)
        story.terms_norm = math.sqrt(sum(w * w for w in story.terms.values()))
        story.slots = [m.slot for m in members]
        story.members = list(members)
        story.size = len(members)
        story.last_seq = max(m.seq for m in members)
        days = [m.day for m in members if m.day is not None]
        story.last_day = max(days) if days else None
        story.first_day = min(days) if days else None

    def _after(self, p: _Prepared, story: _Story, duplicate: bool = False) -> None:
        self._recent.append(story.id)
        story.size += 1
        story.last_seq = self._seq
        if p.day is not None:
            story.last_day = p.day if story.last_day is None else max(story.last_day, p.day)
            story.first_day = p.day if story.first_day is None else min(story.first_day, p.day)
        if not duplicate:  # a syndicated copy repeats its original's text: count that once
            for key in p.units:
                count, stories = self._unit_seen.get(key, (0, frozenset()))
                if count >= 0:
                    if len(stories) < self.s.boilerplate_stories:
                        stories = stories | {story.id}
                    self._unit_seen[key] = (count + 1, stories)
        if len(self._unit_seen) > self.s.max_units:
            self._unit_seen = _prune_units(self._unit_seen, self.s.max_units // 2)
        if self._seq % 256 == 0 or self._live > self.s.max_active_articles:
            self._evict()

    def _add_vector(self, vector: np.ndarray) -> int:
        if self._deleted == 0 and self._live >= self._capacity:
            self._capacity *= 2
            self._index.resize_index(self._capacity)
        slot = self._next_slot
        self._next_slot += 1
        self._index.add_items(vector[None, :], [slot], num_threads=1,
                              replace_deleted=self._deleted > 0)
        if self._deleted:
            self._deleted -= 1
        self._live += 1
        return slot

    def held_young(self, article_ids: Iterable[str]) -> set[str]:
        """Those of ``article_ids`` that a young story holds (``withdraw`` would take them
        out); a settled story's articles and those outside the window are not."""
        wanted = set(article_ids)
        out = {aid for slot, (aid, _) in self._slot_article.items() if aid in wanted
               and (story := self._stories.get(self._slot_story.get(slot, ""))) is not None
               and story.members is not None}
        return out | {aid for aid in wanted - out if self._slotless_story(aid) is not None}

    def _slotless_story(self, article_id: str) -> _Story | None:
        """The story of one an article too short to compare opened (it holds no slot)."""
        story = self._stories.get(story_id_for(article_id))
        return story if story is not None and not story.slots and story.size == 1 else None

    def withdraw_many(self, article_ids: Iterable[str]) -> dict[str, str]:
        """``withdraw`` each article: id -> the story it was withdrawn from (held ones only).
        The articles' slots are looked up once, so a re-crawl that revised thousands of
        articles costs one pass over the window, not one per article."""
        wanted = set(article_ids)
        slots = {aid: slot for slot, (aid, _) in self._slot_article.items() if aid in wanted}
        out: dict[str, str] = {}
        for aid in sorted(wanted):
            story = self.withdraw(aid, slots.get(aid, -1))
            if story is not None:
                out[aid] = story
        return out

    def withdraw(self, article_id: str, slot: int | None = None) -> str | None:
        """Take an article out of the young story that holds it, as if it had never been
        grouped, and return that story's id; None when it is not held, or is held by a
        settled story (one past the last split check), which a revision does not move.

        Why: a revised article's new text is new to the grouper, and the first capture of a
        live page is often a stub (a headline and a paragraph) that the full report would
        not have been grouped by. The resumable grouper withdraws it and groups the new
        text as it groups a new article. The story is rebuilt from its other members (a
        young story keeps them for its split checks) or, left empty, dropped; the article's
        vector, terms and MinHash leave the indexes, and its counts the document
        frequencies. ``slot``: the article's, when the caller looked it up (-1: none)."""
        if slot is None:
            slot = next((s for s, (aid, _) in self._slot_article.items() if aid == article_id),
                        -1)
        if slot < 0:  # too short to compare: grouped alone, holding no slot
            alone = self._slotless_story(article_id)
            if alone is None:
                return None
            del self._stories[alone.id]
            return alone.id
        story = self._stories.get(self._slot_story.get(slot, ""))
        member = None if story is None or story.members is None else \
            next((m for m in story.members if m.slot == slot), None)
        if story is None or member is None:
            return None
        rest = [m for m in story.members or [] if m is not member]
        if len(member.term_keys):  # its terms and names were counted when it was grouped
            self._docs = max(0, self._docs - 1)
            self._df[member.term_keys] = np.maximum(self._df[member.term_keys] - 1, 0)
            self._entity_df[member.entities] = np.maximum(self._entity_df[member.entities] - 1, 0)
        self._drop_slot(slot)
        if rest:
            self._rebuild(story, rest, {id(m): m.prepared() for m in rest})
            self._withdrawn[article_id] = story.id
        else:
            del self._stories[story.id]
        return story.id

    def _evict(self) -> None:
        """Drop stories that left the time window, then the least recently active ones while
        over capacity: their articles leave the index (slots are reused) and the LSH."""
        expired = [
            s for s in self._stories.values()
            if self._clock is not None and s.last_day is not None
            and self._clock - s.last_day > self.s.window_days
        ]
        if self._live > self.s.max_active_articles:
            by_age = sorted(self._stories.values(), key=lambda s: s.last_seq)
            excess = self._live - int(0.9 * self.s.max_active_articles)
            for story in by_age:
                if excess <= 0:
                    break
                expired.append(story)
                excess -= len(story.slots)
        for story in expired:
            if self._stories.pop(story.id, None) is None:
                continue
            for slot in story.slots:
                self._drop_slot(slot)

    def _drop_slot(self, slot: int) -> None:
        """An article leaves the index, the term postings and the LSH (its slot is reused)."""
        self._index.mark_deleted(slot)
        self._live -= 1
        self._deleted += 1
        del self._slot_story[slot]
        self._unindex_terms(slot)
        _, hashes = self._slot_article.pop(slot)
        if hashes is not None:
            self._lsh.remove(slot)


# --------------------------------------------------------------------------- batch API
def _date_order(articles: Sequence[Article]) -> list[int]:
    """Published-date order, undated last, input order among equals."""
    return sorted(
        range(len(articles)),
        key=lambda i: (_day(articles[i].published) is None, _day(articles[i].published) or 0, i),
    )


def _chunks(items: Sequence[Article], size: int) -> Iterator[Sequence[Article]]:
    for lo in range(0, len(items), size):
        yield items[lo : lo + size]


def group_articles(
    articles: Iterable[Article], settings: GroupSettings | None = None, *, embedder=None,
    join_model: JoinModel | None = None,
) -> list[StoryAssignment]:
    """Group a batch: sort by published date (undated last, then input order) and stream it
    through the grouper. Assignments come back in that processing order. ``embedder``
    replaces the MiniLM embedder (benchmarks cache it)."""
    items = list(articles)
    ordered = [items[i] for i in _date_order(items)]
    final: dict[str, StoryAssignment] = {}
    for _, assigned in group_stream(ordered, settings, embedder=embedder,
                                    join_model=join_model):
        final[assigned.article_id] = assigned  # a move replaces the first assignment
    return list(final.values())


def group_stream(
    articles: Iterable[Article], settings: GroupSettings | None = None, *, embedder=None,
    join_model: JoinModel | None = None, grouper: StoryGrouper | None = None,
) -> Iterator[tuple[Article, StoryAssignment]]:
    """Group articles that arrive already in published-date order, holding one window of
    ``prime_window`` articles at a time (memory stays flat however long the stream): each
    window is read first (boilerplate known from its first occurrence, IDF up to date), then
    grouped in embedding-sized chunks whose embedding starts while the window is still being
    read (``StoryGrouper.add_window``). ``grouper`` continues an existing one."""
    if grouper is None:
        grouper = StoryGrouper(settings, embedder=embedder, join_model=join_model)
    s = grouper.s
    window: list[Article] = []

    def flush() -> Iterator[tuple[Article, StoryAssignment]]:
        chunks = list(_chunks(window, s.embed_chunk))
        for chunk, assigned in zip(chunks, grouper.add_window(window), strict=True):
            yield from zip(chunk, assigned, strict=True)
            yield from grouper.take_moves()

    for article in articles:
        window.append(article)
        if len(window) >= s.prime_window:
            yield from flush()
            window = []
    if window:
        yield from flush()


def find_copies(
    articles: Sequence[Article], settings: GroupSettings | None = None
) -> dict[str, str]:
    """Article id -> id of the earlier article in ``articles`` it copies near-verbatim
    (syndication), by the grouper's rule: Jaccard of word shingles >= ``duplicate_jaccard``.
    For one story's articles (a weave of plain files) exact set Jaccard is cheap, so no MinHash.
    Earlier means published-date order, undated last; a copy of a copy maps to the original."""
    s = settings or GroupSettings()
    order = _date_order(articles)
    shingles: list[set[bytes] | None] = []
    for i in order:
        tokens = _tokens(articles[i].text)
        usable = len(tokens) >= s.min_content_words
        shingles.append(_shingles(tokens, s.shingle_words) if usable else None)
    copies: dict[str, str] = {}
    for j, mine in enumerate(shingles):
        if not mine:
            continue
        for i in range(j):
            theirs = shingles[i]
            if not theirs or min(len(mine), len(theirs)) < s.duplicate_jaccard * max(
                len(mine), len(theirs)
            ):  # the size ratio bounds the Jaccard: skip the intersection
                continue
            shared = len(mine & theirs)
            if shared >= s.duplicate_jaccard * (len(mine) + len(theirs) - shared):
                earlier, mine_id = articles[order[i]].id, articles[order[j]].id
                if copies.get(earlier, earlier) != mine_id:
                    copies[mine_id] = copies.get(earlier, earlier)
                break
    return copies
