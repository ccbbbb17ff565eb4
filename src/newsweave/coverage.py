"""Coverage: what outlets copied from each other, what only one outlet says, where they differ.

Three detectors over analysed ``Document``s, composed by ``build_coverage``:

* **Shared passages** (syndication, copying): MinHash over word shingles of every sentence and
  MinHashLSH (datasketch) propose sentence pairs across articles; a token-level alignment
  (a longest common subsequence, rapidfuzz, on a window of neighbouring sentences) keeps the maximal
  runs of at least ``min_shared_words`` words that match with only small gaps. Text that is
  quoted speech on both sides, with its attribution ("U.S. Attorney Monica Feld said"), is not
  copying (two outlets quoting one statement) and is left to the quote ledger. Each sentence
  is aligned with its like in at most ``align_partners`` other sources, the earliest
  published, so a wire story in hundreds of outlets stays linear.
* **Unique**: per source, informative sentences that no other source carries (embedding
  cosine or content-lemma overlap, or a caller's own support test).
* **Discrepancies**: no NLI model ships offline, so sentences are aligned first and then
  compared by cues, each claim carrying its evidence span:
  ``fact`` (a person's departure told as "resigned" vs "was fired"; denied vs admitted;
  won vs lost; a verb negated on one side only), ``number`` (different counts of the same
  noun), ``date`` (different dates of the same event), ``attribution`` (one quotation, two
  speakers) and ``spelling`` (two spellings of one name). Every rule errs towards silence:
  a false discrepancy costs more trust than a missed one.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

import numpy as np

from newsweave.boilerplate import is_page_pointer, trim_dateline
from newsweave.figures import amounts
from newsweave.models import (
    Claim,
    Coverage,
    Discrepancy,
    Document,
    Entity,
    Origin,
    Quote,
    SharedPassage,
    UniqueFacts,
)
from newsweave.outlets import same_outlet
from newsweave.quote_marks import with_closing_mark
from newsweave.timeline import WEEKDAYS

#: ``support(document, sentence_index, other)`` is True when ``other`` carries that sentence.
Support = Callable[[Document, int, Document], bool]


@dataclass(frozen=True)
class CoverageSettings:
    """Thresholds of the coverage detectors, with what each trades."""

    #: word n-gram size of the MinHash shingles: 3 tolerates punctuation and small edits.
    shingle: int = 3
    #: permutations per MinHash: 128 keeps the Jaccard estimate within about +-0.09.
    num_perm: int = 128
    #: LSH only proposes candidates, the alignment decides, so the threshold is low (recall).
    lsh_threshold: float = 0.3
    #: each sentence is aligned with its like in at most this many other sources, the
    #: earliest published; more sources join the passage through them (a wire story carried
    #: by hundreds of outlets stays linear). Above a DUC or TAC cluster's ten sources.
    align_partners: int = 10
    #: a copied run must have this many matching words ("nearly word for word" passages).
    min_shared_words: int = 12
    #: matching blocks this few words apart (an inserted "under oath") join one passage.
    max_gap: int = 3
    #: words of the shared run outside quotation marks on both sides; fewer means two outlets
    #: quoting one statement, which the quote ledger shows, not copying.
    min_unquoted_words: int = 5
    #: another source carries a sentence at this MiniLM cosine ...
    carry_cosine: float = 0.7
    #: ... or when this share of the shorter sentence's content lemmas recur there ...
    carry_overlap: float = 0.5
    #: ... or both moderately: a paraphrase with a typo ("rescue himself") or other words.
    carry_both_cosine: float = 0.5
    carry_both_overlap: float = 0.4
    #: sentences shorter than this are headings, credits or fragments, never "unique facts".
    min_unique_words: int = 6
    #: unique sentences listed per source (the most informative ones, in article order).
    unique_per_source: int = 5
    #: sentences must be this similar before their numbers or dates are compared.
    align_cosine: float = 0.7
    #: ... and this similar before a negation on one side only counts.
    negation_cosine: float = 0.55


DEFAULT_COVERAGE = CoverageSettings()

# --------------------------------------------------------------------------- text helpers
_FOLD = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
    }
)
_WORD = re.compile(r"\w+(?:['.]\w+)*")


def fold(text: str) -> str:
    """Curly quotes and dashes to ASCII, one character for one, so offsets survive."""
    return text.translate(_FOLD)


@dataclass(frozen=True)
class _Token:
    norm: str
    start: int
    end: int
    quoted: bool


def quoted_mask(text: str) -> bytearray:
    """1 for every character inside double quotation marks. The state resets at each line
    break: a quote left open at a paragraph's end is reopened by the next paragraph."""
    mask = bytearray(len(text))
    inside = False
    for i, ch in enumerate(text):
        if ch == "\n":
            inside = False
        elif ch == "“":
            inside = True
        elif ch == "”":
            inside = False
        elif ch == '"':
            inside = not inside
        elif inside:
            mask[i] = 1
    return mask


def word_tokens(text: str) -> list[_Token]:
    """Lower-cased word tokens with offsets; possessives and contractions stay one token."""
    mask = quoted_mask(text)
    return [
        _Token(m.group().lower(), m.start(), m.end(), bool(mask[m.start()]))
        for m in _WORD.finditer(fold(text))
    ]


def _quoted_or_attribution(tokens: Sequence[_Token], document: Document) -> list[bool]:
    """Per token: inside a quotation, or part of a quotation's attribution (its speaker and
    cue, "U.S. Attorney Monica Feld said"): two outlets quoting one statement with its
    speaker copy nothing of each other, yet those five words made it a shared passage."""
    spans = sorted((a, b) for q in document.quotes for a, b in (
        (q.speaker_start, q.speaker_end), (q.cue_start, q.cue_end))
        if a is not None and b is not None and a < b)
    if not spans:
        return [t.quoted for t in tokens]
    starts = [a for a, _ in spans]
    out = []
    for t in tokens:
        i = _bisect_left(starts, t.start + 1) - 1
        out.append(t.quoted or (i >= 0 and t.start < spans[i][1]))
    return out


def _sentence_token_ranges(tokens: Sequence[_Token], document: Document) -> list[tuple[int, int]]:
    starts = [t.start for t in tokens]
    out = []
    for s in document.sentences:
        lo = _bisect_left(starts, s.start)
        hi = _bisect_left(starts, s.end)
        out.append((lo, hi))
    return out


def _bisect_left(values: Sequence[int], x: int) -> int:
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _publication_order(documents: Sequence[Document]) -> dict[str, int]:
    """Rank of each article id: earliest published first, input order breaking ties."""
    ranked = sorted(
        range(len(documents)),
        key=lambda i: (documents[i].article.published or "9999", i),
    )
    return {documents[i].article.id: rank for rank, i in enumerate(ranked)}


# --------------------------------------------------------------------------- shared passages
def _shingles(words: Sequence[str], n: int) -> set[bytes]:
    if len(words) < n:
        return {" ".join(words).encode()}
    return {" ".join(words[k : k + n]).encode() for k in range(len(words) - n + 1)}


def _equal_blocks(a: Sequence[Any], b: Sequence[Any]) -> list[tuple[int, int, int]]:
    """``(a_start, b_start, size)`` of the matched stretches of a longest common subsequence
    of two token sequences. rapidfuzz computes it in C++ with a bit-parallel algorithm, about
    25x faster than ``difflib.SequenceMatcher``; a syndicated story of 171 reports needs some
    60,000 window alignments, which is what bounded its brief. The longest common
    subsequence keeps the most matched words, where difflib keeps the longest block first:
    the two agree on copied passages, which are long blocks."""
    from rapidfuzz.distance import LCSseq

    return [
        (op.src_start, op.dest_start, op.src_end - op.src_start)
        for op in LCSseq.opcodes(a, b)
        if op.tag == "equal"
    ]


def _runs_of_blocks(
    a: Sequence[Any],
    b: Sequence[Any],
    quoted_a: Sequence[bool],
    quoted_b: Sequence[bool],
    settings: CoverageSettings,
) -> list[tuple[int, int, int, int]]:
    """Matched blocks of ``a`` and ``b`` joined across gaps of at most ``max_gap`` words on
    both sides, short edge blocks dropped, then stretched over equal words at either edge (a
    common subsequence may have matched such a word elsewhere), kept when
    they hold ``min_shared_words`` matched words, ``min_unquoted_words`` of them outside
    quotation marks on both sides."""
    runs: list[tuple[int, int, int, int]] = []
    group: list[tuple[int, int, int]] = []

    def flush() -> None:
        # edge blocks of one or two words may be a tie the subsequence broke the wrong way
        # ("a" of "a candidate" for "a" of "a former"): they are dropped, and the stretch
        # below takes back the equal words that really adjoin the run
        lo, hi = 0, len(group)
        while lo < hi - 1 and group[lo][2] < 3:
            lo += 1
        while hi - 1 > lo and group[hi - 1][2] < 3:
            hi -= 1
        kept = group[lo:hi]
        if not kept:
            return
        a0, b0 = kept[0][0], kept[0][1]
        a1, b1 = kept[-1][0] + kept[-1][2], kept[-1][1] + kept[-1][2]
        spans = list(kept)
        while a0 > 0 and b0 > 0 and a[a0 - 1] == b[b0 - 1]:
            a0, b0 = a0 - 1, b0 - 1
            spans.append((a0, b0, 1))
        while a1 < len(a) and b1 < len(b) and a[a1] == b[b1]:
            spans.append((a1, b1, 1))
            a1, b1 = a1 + 1, b1 + 1
        matched = sum(size for _x, _y, size in spans)
        if matched < settings.min_shared_words:
            return
        # most runs are plain prose: a bound from quoted words per side spares the exact count
        quoted = sum(sum(quoted_a[x : x + n]) + sum(quoted_b[y : y + n]) for x, y, n in spans)
        unquoted = matched - quoted
        if unquoted < settings.min_unquoted_words:
            unquoted = sum(
                1
                for x, y, n in spans
                for k in range(n)
                if not quoted_a[x + k] and not quoted_b[y + k]
            )
        if unquoted >= settings.min_unquoted_words:
            runs.append((a0, a1, b0, b1))

    for blk in _equal_blocks(a, b):
        if group:
            pa, pb, psize = group[-1]
            if blk[0] - (pa + psize) > settings.max_gap or blk[1] - (pb + psize) > settings.max_gap:
                flush()
                group = []
        group.append(blk)
    flush()
    return runs


def aligned_runs(
    a: Sequence[_Token], b: Sequence[_Token], settings: CoverageSettings = DEFAULT_COVERAGE
) -> list[tuple[int, int, int, int]]:
    """Maximal nearly identical runs of two token lists as ``(a0, a1, b0, b1)`` half-open
    token ranges: matching blocks joined across gaps of at most ``max_gap`` words, kept when
    they hold ``min_shared_words`` matching words, enough of them outside quotation marks."""
    return _runs_of_blocks(
        [t.norm for t in a],
        [t.norm for t in b],
        [t.quoted for t in a],
        [t.quoted for t in b],
        settings,
    )


def _merge_runs(
    runs: Iterable[tuple[int, int, int, int]], gap: int
) -> list[tuple[int, int, int, int]]:
    """Join runs found from overlapping windows when they touch on both sides."""
    merged: list[list[int]] = []
    for a0, a1, b0, b1 in sorted(set(runs)):
        for m in merged:
            if a0 <= m[1] + gap and m[0] <= a1 + gap and b0 <= m[3] + gap and m[2] <= b1 + gap:
                m[0], m[1], m[2], m[3] = min(m[0], a0), max(m[1], a1), min(m[2], b0), max(m[3], b1)
                break
        else:
            merged.append([a0, a1, b0, b1])
    return [(m[0], m[1], m[2], m[3]) for m in merged]


def _window(ranges: Sequence[tuple[int, int]], index: int) -> tuple[int, int]:
    """Token range of a sentence and its neighbours: a passage may cross sentence splits."""
    lo = ranges[max(index - 1, 0)][0]
    hi = ranges[min(index + 1, len(ranges) - 1)][1]
    return lo, hi


def _candidate_pairs(
    docs: Sequence[Document],
    tokens: Sequence[Sequence[_Token]],
    ranges: Sequence[Sequence[tuple[int, int]]],
    settings: CoverageSettings,
) -> set[tuple[tuple[int, int], tuple[int, int]]]:
    """Sentence pairs ``((doc, sentence), (doc, sentence))`` of two sources that MinHash LSH
    finds alike, for the alignment to judge. Each sentence is paired with its like in at most
    ``align_partners`` other sources, the earliest published: a wire story carried by 400
    outlets then costs 400 alignments per sentence, not 80,000, and every copy still joins
    the passage through the earliest ones (its span is what it shares with them)."""
    from datasketch import MinHash, MinHashLSH

    # one LSH entry per distinct sentence (its shingle set), with every sentence carrying it
    entry_of: dict[frozenset[bytes], int] = {}
    carriers: list[list[tuple[int, int]]] = []
    for di, doc_ranges in enumerate(ranges):
        # a sentence a source repeats word for word is matched at its first occurrence only:
        # an article of one repeated sentence made this quadratic (minutes for 250k characters)
        seen: set[int] = set()
        for si, (lo, hi) in enumerate(doc_ranges):
            words = [t.norm for t in tokens[di][lo:hi]]
            if len(words) < settings.min_unique_words:
                continue
            entry = entry_of.setdefault(frozenset(_shingles(words, settings.shingle)),
                                        len(entry_of))
            if entry == len(carriers):
                carriers.append([])
            if entry not in seen:
                seen.add(entry)
                carriers[entry].append((di, si))
    if not carriers:
        return set()
    hashes = MinHash.bulk([set(shingles) for shingles in entry_of], num_perm=settings.num_perm)
    lsh = MinHashLSH(threshold=settings.lsh_threshold, num_perm=settings.num_perm)
    for entry, mh in enumerate(hashes):
        lsh.insert(entry, mh)
    order = _publication_order(docs)
    rank = [order[d.article.id] for d in docs]
    pairs: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    for entry, mh in enumerate(hashes):
        alike = [key for hit in lsh.query(mh) for key in carriers[hit]]
        by_doc: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for key in alike:
            by_doc[key[0]].append(key)
        # the earliest sources carrying it: one more than the cap, as one may be the asker's
        first = sorted(by_doc, key=lambda di: (rank[di], di))[: settings.align_partners + 1]
        for key in carriers[entry]:
            partners = [di for di in first if di != key[0]][: settings.align_partners]
            for di in partners:
                for other in by_doc[di]:
                    pairs.add((key, other) if key < other else (other, key))
    return pairs


def find_shared_passages(
    documents: Sequence[Document], settings: CoverageSettings = DEFAULT_COVERAGE
) -> tuple[SharedPassage, ...]:
    """Passages that two or more sources carry nearly word for word, each as the earliest
    published source has it, with every carrying source and its span (``spans``)."""
    docs = list(documents)
    if len(docs) < 2:
        return ()
    tokens = [word_tokens(d.article.text) for d in docs]
    ranges = [_sentence_token_ranges(t, d) for t, d in zip(tokens, docs, strict=True)]
    vocabulary: dict[str, int] = {}  # words as ints: rapidfuzz compares those fastest
    codes = [[vocabulary.setdefault(t.norm, len(vocabulary)) for t in doc] for doc in tokens]
    quoted = [_quoted_or_attribution(doc, d) for doc, d in zip(tokens, docs, strict=True)]

    pairs = _candidate_pairs(docs, tokens, ranges, settings)
    if not pairs:
        return ()
    outlet = same_outlet([(d.article.url, d.article.outlet) for d in docs])

    runs: dict[tuple[int, int], list[tuple[int, int, int, int]]] = defaultdict(list)
    for (da, sa), (db, sb) in sorted(pairs):
        a_lo, a_hi = _window(ranges[da], sa)
        b_lo, b_hi = _window(ranges[db], sb)
        found = _runs_of_blocks(
            codes[da][a_lo:a_hi],
            codes[db][b_lo:b_hi],
            quoted[da][a_lo:a_hi],
            quoted[db][b_lo:b_hi],
            settings,
        )
        runs[(da, db)].extend(
            (a0 + a_lo, a1 + a_lo, b0 + b_lo, b1 + b_lo) for a0, a1, b0, b1 in found
        )

    uf = _UnionFind()
    for (da, db), doc_runs in runs.items():
        for a0, a1, b0, b1 in _merge_runs(doc_runs, settings.max_gap):
            node_a = (da, tokens[da][a0].start, tokens[da][a1 - 1].end)
            node_b = (db, tokens[db][b0].start, tokens[db][b1 - 1].end)
            uf.union(node_a, node_b)
    # spans of one source that overlap belong to one passage (A copied by B and by C)
    nodes = sorted(uf.parent)
    for n1, n2 in zip(nodes, nodes[1:], strict=False):
        if n1[0] == n2[0] and n2[1] < n1[2]:
            uf.union(n1, n2)
    components: dict[Any, list[tuple[int, int, int]]] = defaultdict(list)
    for node in nodes:
        components[uf.find(node)].append(node)

    order = _publication_order(docs)
    passages = []
    for members in components.values():
        per_doc: dict[int, tuple[int, int]] = {}
        for di, start, end in members:
            if di not in per_doc or end - start > per_doc[di][1] - per_doc[di][0]:
                per_doc[di] = (start, end)
        if len({outlet[di] for di in per_doc}) < 2:  # an outlet repeating its own copy
            continue
        ranked = sorted(per_doc, key=lambda di: order[docs[di].article.id])
        first = ranked[0]
        start, end = per_doc[first]
        passages.append(
            (
                order[docs[first].article.id],
                start,
                SharedPassage(
                    sources=tuple(docs[di].article.id for di in ranked),
                    text=docs[first].article.text[start:end],
                    spans=tuple(Origin(docs[di].article.id, *per_doc[di]) for di in ranked),
                ),
            )
        )
    passages.sort(key=lambda p: (p[0], p[1]))
    return tuple(p[2] for p in passages)


# --------------------------------------------------------------------------- unique
_STOP: frozenset[str] | None = None


def _stopwords() -> frozenset[str]:
    global _STOP
    if _STOP is None:
        from spacy.lang.en.stop_words import STOP_WORDS

        _STOP = frozenset(STOP_WORDS)
    return _STOP


def content_lemmas(document: Document, index: int) -> frozenset[str]:
    """Lemmas of a sentence's content words (spaCy's when parsed, else lower-cased words)."""
    sentence = document.sentences[index]
    stop = _stopwords()
    if document.doc is not None:
        span = document.doc.char_span(sentence.start, sentence.end, alignment_mode="expand")
        if span is not None:
            return frozenset(
                t.lemma_.lower()
                for t in span
                if (t.is_alpha or t.like_num) and not t.is_stop and t.lemma_.lower() not in stop
            )
    return frozenset(
        w for w in (m.group().lower() for m in _WORD.finditer(fold(sentence.text))) if w not in stop
    )


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller set found in the other (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _has_vectors(document: Document) -> bool:
    v = document.vectors
    return v is not None and getattr(v, "ndim", 0) == 2 and v.shape[1] > 0


_HEADING = re.compile(r"^[^a-z]*$")  # no lower-case letter: "CALLS TO RESIGN", "(ANI)"


def is_trivial(text: str, min_words: int = DEFAULT_COVERAGE.min_unique_words) -> bool:
    """Headings, credits ("From The Guardian:"), datelines and fragments carry no fact."""
    stripped = text.strip()
    if len(stripped.split()) < min_words:
        return True
    if stripped.endswith(":") or _HEADING.match(stripped):
        return True
    return stripped[-1] not in ".!?\"”')" and not stripped[-1].isalnum()


#: a sentence that ends on its speech verb ("..., the President said.") and quotes nothing
_ENDS_ON_VERB = re.compile(
    r"\b(?:said|says|told\s+(?:\w+\s+){0,2}?\w+|added|asked|replied|responded|answered|"
    r"wrote|stated|declared|insisted|tweeted)\s*[.:]\s*$",
    re.I,
)
_QUOTE_MARKS = "\"“”"


def hands_over(text: str, following: str | None) -> bool:
    """True when ``text`` introduces a quotation that the next sentence holds ("When asked
    if he should recuse himself, the President said." + '"I don't think so."'): shown alone,
    it reports that something was said but not what."""
    return (
        following is not None
        and following.lstrip()[:1] in _QUOTE_MARKS
        and not any(mark in text for mark in _QUOTE_MARKS)
        and _ENDS_ON_VERB.search(text) is not None
    )


def _with_its_quote(document: Document, index: int) -> str:
    """The sentence as a reader should see it: with the quotation it hands over to, without
    a wire dateline ("BAYVILLE (State Wire) — "), and with the closing quotation mark the
    sentence splitter left to the next sentence ('... was "the most important race.' + '"')."""
    sentence = document.sentences[index]
    text = document.article.text
    shown = sentence.text
    if index + 1 < len(document.sentences):
        following = document.sentences[index + 1]
        whole = text[sentence.start : following.end]
        gap = text[sentence.end : following.start]
        if "\n" not in gap and whole.startswith(sentence.text) and hands_over(
            sentence.text, following.text
        ):
            shown = whole
    start, end = with_closing_mark(text, sentence.start, sentence.start + len(shown))
    shown = text[start:end]
    return shown[trim_dateline(shown):]


def _informativeness(document: Document, index: int) -> tuple[int, int]:
    """More named entities and numbers first, then longer."""
    sentence = document.sentences[index]
    names = sum(1 for e in document.entities if e.sentence == index)
    numbers = len(re.findall(r"\d", sentence.text)) > 0
    return names + int(numbers), len(sentence.text.split())


#: cells of the block of products ``_Carried`` computes at once (times 12 bytes of memory)
_BLOCK_CELLS = 2_000_000


class _Carried:
    """Whether other sources carry each sentence of a source, by ``find_unique``'s tests: a
    sentence of theirs holds ``carry_overlap`` of its content lemmas (the share of the smaller
    set), or is as close as ``carry_cosine``, or both moderately (``carry_both_*``).

    Every sentence of the story at once, as sparse lemma and dense vector products: tested one
    sentence against one source at a time, a story of 250 sources took a minute here."""

    def __init__(self, docs: Sequence[Document], lemmas: Sequence[Sequence[frozenset[str]]],
                 settings: CoverageSettings) -> None:
        from scipy.sparse import csr_matrix

        self.settings = settings
        self.offsets = np.cumsum([0] + [len(rows) for rows in lemmas])
        vocabulary: dict[str, int] = {}
        cols = [vocabulary.setdefault(w, len(vocabulary))
                for rows in lemmas for row in rows for w in sorted(row)]
        sizes = np.array([len(row) for rows in lemmas for row in rows], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(sizes)])
        total = int(self.offsets[-1])
        self.matrix = csr_matrix(
            (np.ones(len(cols), dtype=np.float64), np.array(cols, dtype=np.int64), indptr),
            shape=(total, max(len(vocabulary), 1)),
        )
        self.sizes = sizes
        # a source's vectors count only when it has one per sentence
        self.with_vectors = [_has_vectors(d) and len(d.vectors) == len(d.sentences)
                             for d in docs]
        withv = [d.vectors for d, ok in zip(docs, self.with_vectors, strict=True) if ok]
        dim = withv[0].shape[1] if withv else 0
        # the type a pair's own product would have (embeddings are float32)
        dtype = np.result_type(*[v.dtype for v in withv]) if withv else np.float32
        self.vectors = np.zeros((total, dim), dtype=dtype)
        for k, (d, ok) in enumerate(zip(docs, self.with_vectors, strict=True)):
            if ok and d.vectors.shape[1] == dim:
                self.vectors[self.offsets[k]:self.offsets[k + 1]] = np.asarray(d.vectors)
            else:
                self.with_vectors[k] = False
        self.owner = np.repeat(np.arange(len(docs)), np.diff(self.offsets))  # row -> source
        self.row_has_vectors = np.array(self.with_vectors, dtype=bool)[self.owner]
        self.matrix_t = self.matrix.T.tocsr()
        self._block: tuple[int, int, np.ndarray, np.ndarray] | None = None

    def _products(self, di: int) -> tuple[np.ndarray, np.ndarray]:
        """Lemmas shared with, and cosines to, every sentence of the story, for the sentences
        of source ``di``: computed for a block of neighbouring sources at once (about
        ``_BLOCK_CELLS`` cells), as one product per source of a dozen sentences wastes most
        of its time outside the arithmetic. Every column is kept; callers mask."""
        lo, hi = int(self.offsets[di]), int(self.offsets[di + 1])
        if self._block is None or not (self._block[0] <= lo and hi <= self._block[1]):
            total = len(self.sizes)
            end = max(hi, min(lo + max(_BLOCK_CELLS // max(total, 1), 1), total))
            end = int(self.offsets[np.searchsorted(self.offsets, end)])  # whole sources
            self._block = (lo, end, (self.matrix[lo:end] @ self.matrix_t).toarray(),
                           self.vectors[lo:end] @ self.vectors.T)
        start, _end, common, cos = self._block
        return common[lo - start:hi - start], cos[lo - start:hi - start]

    def by(self, di: int, others: Sequence[int]) -> np.ndarray:
        """Per sentence of source ``di``: True when one of ``others`` carries it."""
        s = self.settings
        lo, hi = int(self.offsets[di]), int(self.offsets[di + 1])
        chosen = np.zeros(len(self.with_vectors), dtype=bool)
        chosen[list(others)] = True
        theirs = chosen[self.owner]  # the other sources' sentences, as a mask over all
        if hi == lo or not theirs.any():
            return np.zeros(hi - lo, dtype=bool)
        common, cos = self._products(di)
        smaller = np.minimum(self.sizes[lo:hi][:, None], self.sizes[None, :])
        shares = np.divide(common, smaller, out=np.zeros_like(common), where=smaller > 0)
        carried = ((shares >= s.carry_overlap) & theirs).any(axis=1)
        if self.with_vectors[di]:
            near = theirs & self.row_has_vectors  # the others' sentences with vectors
            if near.any():
                # compared as a Python float, as ``float(row.max())`` was
                carried |= ((cos.astype(np.float64) >= s.carry_cosine) & near).any(axis=1)
                carried |= ((cos >= s.carry_both_cosine)
                            & (shares >= s.carry_both_overlap) & near).any(axis=1)
        return carried


def _figure_index(docs: Sequence[Document]) -> dict[float, list[tuple[int, int]]]:
    """(source, sentence) of every sentence stating each figure (``amounts``): looked up, not
    searched, for a story of a thousand sources."""
    index: dict[float, list[tuple[int, int]]] = defaultdict(list)
    for di, doc in enumerate(docs):
        for j, sentence in enumerate(doc.sentences):
            for value in amounts(sentence.text):
                index[value].append((di, j))
    return index


def _same_figure_elsewhere(docs: Sequence[Document], index: dict[float, list[tuple[int, int]]],
                           di: int, i: int, others: Sequence[int], cosine: float) -> bool:
    """Another source tells the sentence's figure in a related sentence (both state it and
    their vectors come within ``cosine``): "£10 million in additional aid through the United
    Nations" and "£10m to UN agencies" share few words, and were each listed as the one
    outlet's own fact."""
    own = docs[di]
    if not _has_vectors(own) or len(own.vectors) <= i:
        return False
    wanted = set(others)
    for value in amounts(own.sentences[i].text):
        for oi, j in index.get(value, ()):
            other = docs[oi]
            if (oi in wanted and _has_vectors(other) and j < len(other.vectors)
                    and float(np.dot(own.vectors[i], other.vectors[j])) >= cosine):
                return True
    return False


def find_unique(
    documents: Sequence[Document],
    support: Support | None = None,
    settings: CoverageSettings = DEFAULT_COVERAGE,
    copies: Mapping[str, str] | None = None,
) -> tuple[UniqueFacts, ...]:
    """Per source (input order), up to ``unique_per_source`` informative sentences whose
    information no other source carries, in article order. Sources with none are left out.
    ``copies`` (copy id -> original id): a copy does not make its original's facts shared (one
    origin), while the original does cover its copy's, so a copy lists only what it added."""
    copies = copies or {}
    docs = list(documents)
    if len(docs) < 2:
        return ()
    lemmas = [[content_lemmas(d, i) for i in range(len(d.sentences))] for d in docs]
    carried = _Carried(docs, lemmas, settings) if support is None else None

    outlet = same_outlet([(d.article.url, d.article.outlet) for d in docs])
    figures = _figure_index(docs)
    out = []
    for di, doc in enumerate(docs):
        candidates = [
            i
            for i, s in enumerate(doc.sentences)
            if not is_trivial(s.text, settings.min_unique_words)
            # what belongs to the page is no fact of the story ("Madera Tribune staff
            # contributed to this report.", a copyright line, "Read more about ..."): the
            # summary's own test
            and not is_page_pointer(s.text)
        ]
        # other outlets' reports: what an outlet's own two reports both carry is still
        # that outlet's alone; listed once, under its first report that carries it
        others = [oi for oi in range(len(docs)) if oi != di and outlet[oi] != outlet[di]
                  and copies.get(docs[oi].article.id) != doc.article.id]
        before = [oi for oi in range(di) if outlet[oi] == outlet[di]]
        if carried is not None:
            elsewhere = carried.by(di, others)
            earlier = carried.by(di, before) if before else [False] * len(doc.sentences)
            unique = [i for i in candidates if not elsewhere[i] and not earlier[i]]
        else:
            assert support is not None
            unique = [i for i in candidates
                      if not any(support(doc, i, docs[oi]) for oi in others + before)]
        unique = [i for i in unique if not _same_figure_elsewhere(
            docs, figures, di, i, others + before, settings.carry_both_cosine)]
        best = sorted(unique, key=lambda i: _informativeness(doc, i), reverse=True)
        keep = sorted(best[: settings.unique_per_source])
        # a quotation shown with the sentence that hands over to it is not listed again
        keep = [i for i in keep if not (i - 1 in keep and _with_its_quote(doc, i - 1)
                                        != doc.sentences[i - 1].text)]
        if keep:
            out.append(
                UniqueFacts(
                    source=doc.article.id,
                    sentences=tuple(_with_its_quote(doc, i) for i in keep),
                )
            )
    return tuple(out)


# --------------------------------------------------------------------------- names
PRONOUNS = frozenset(
    "i me my we us our you he him his she her it its they them their this that who one".split()
)
_DETERMINERS = frozenset("a an the one another some".split())
_INDEFINITE = frozenset("a an one another some".split())
#: words that precede a name without being part of it ("Attorney General Jeff Sessions").
TITLES = frozenset(
    """mr mrs ms miss dr prof sir dame lord lady president vice prime minister secretary
    attorney general senator sen rep representative congressman congresswoman governor gov
    mayor speaker leader house minority majority judge justice chief ambassador adviser advisor
    spokesman spokeswoman spokesperson former first us u.s. russian russia's national security
    deputy director chairman chairwoman chair ceo king queen prince princess pope rev
    reverend gen colonel col lt captain capt sgt officer agent democratic republican""".split()
)
_UTTERANCE = frozenset(
    "statement statements tweet tweets letter email release remarks comments post memo".split()
)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def name_tokens(name: str) -> list[str]:
    """A name without titles, possessive, punctuation and case: "Attorney General Jeff
    Sessions'" -> ["jeff", "sessions"]."""
    text = fold(name).replace("-", " ")
    text = re.sub(r"'s?\b|'$", "", text.strip())
    words = [w.strip(".,;:()[]\"'").lower() for w in text.split()]
    words = [w.replace(".", "") for w in words if w]
    while words and (words[0] in TITLES or words[0] in _DETERMINERS) and len(words) > 1:
        words = words[1:]
    return [w for w in words if w]


@lru_cache(maxsize=65536)
def surname(name: str) -> str:
    """The last word of a name (``name_tokens``); cached, as discrepancy checks ask for the
    same names tens of thousands of times in a large story."""
    toks = name_tokens(name)
    return toks[-1] if toks else ""


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute), for short names."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _skeleton(word: str) -> str:
    """Consonant skeleton: transliterations vary vowels, y/i/j and doubled letters."""
    w = _ascii(word).lower()
    w = w[:1] + w[1:].replace("ch", "sh")  # the French "ch" ("Zourabichvili"); Chen is not Shen
    w = w.replace("ph", "f").replace("ck", "k").replace("kh", "h")
    w = re.sub(r"[cq]", "k", w)
    w = re.sub(r"[aeiouyj]", "", w)
    return re.sub(r"(.)\1+", r"\1", w)


def spelling_variant(a: str, b: str) -> bool:
    """Two spellings of one name part ("sergey"/"sergei", "muhammad"/"mohammed"), not two
    names ("dan"/"don", "john"/"joan" are kept apart by length and skeleton)."""
    a, b = a.lower(), b.lower()
    if a == b or not a.isalpha() or not b.isalpha():
        return False
    if edit_distance(a, b) > 2 or _skeleton(a) != _skeleton(b):
        return False
    if min(len(a), len(b)) >= 5:
        return True
    # short names: only the i/y/j alternation of transliteration ("yuri"/"yury")
    return min(len(a), len(b)) >= 4 and re.sub("[iyj]", "i", a) == re.sub("[iyj]", "i", b)


#: the Arabic article, a word of its own once a hyphen splits it ("al-Safadi" → al safadi)
_NAME_ARTICLES = frozenset({"al", "el"})


def _without_articles(tokens: Sequence[str]) -> list[str]:
    return [t for i, t in enumerate(tokens) if t not in _NAME_ARTICLES or i == len(tokens) - 1]


def _name_differs_in_spelling(a: Sequence[str], b: Sequence[str]) -> bool:
    """Two forms of one name, part for part, at least one part spelled another way ("Aiman
    al-Safadi" / "Ayman Safadi": the article is no spelling of its own)."""
    a, b = _without_articles(a), _without_articles(b)
    if len(a) != len(b) or list(a) == list(b):
        return False
    return all(x == y or spelling_variant(x, y) for x, y in zip(a, b, strict=True))


# --------------------------------------------------------------------------- spelling
def _occurrences(documents: Sequence[Document], form: str) -> list[Origin]:
    pattern = re.compile(r"(?<!\w)" + re.escape(form) + r"(?!\w)")
    return [
        Origin(d.article.id, m.start(), m.end())
        for d in documents
        for m in pattern.finditer(d.article.text)
    ]


def _clean_form(text: str) -> str:
    """A surface form without leading titles and trailing possessive, as written."""
    words = fold(text).split()
    original = text.split()
    if len(words) != len(original):
        return text.strip()
    while len(words) > 2 and words[0].strip(".").lower() in TITLES:
        words, original = words[1:], original[1:]
    out = " ".join(original)
    return re.sub(r"['’]s?$", "", out).strip()


def _spelling_groups(
    documents: Sequence[Document], entities: Sequence[Entity]
) -> list[tuple[str, list[str]]]:
    """(display name, surface forms) of names written two ways."""
    groups: list[tuple[str, list[str]]] = []
    if entities:
        for ent in entities:
            forms = sorted({_clean_form(v) for v in ent.variants if v.strip()})
            toks = {f: name_tokens(f) for f in forms}
            differing = [
                f
                for f in forms
                if any(_name_differs_in_spelling(toks[f], toks[g]) for g in forms if g != f)
            ]
            if len(differing) >= 2:
                groups.append((ent.name, differing))
        return groups
    by_surname: dict[str, set[str]] = defaultdict(set)
    for d in documents:
        for e in d.entities:
            if e.label != "PERSON":
                continue
            form = _clean_form(e.text)
            if len(name_tokens(form)) >= 2 and form[:1].isupper():
                by_surname[surname(form)].add(form)
    uf = _UnionFind()
    for forms in by_surname.values():
        forms_sorted = sorted(forms)
        for i, f in enumerate(forms_sorted):
            for g in forms_sorted[i + 1 :]:
                if _name_differs_in_spelling(name_tokens(f), name_tokens(g)):
                    uf.union(f, g)
    comps: dict[str, list[str]] = defaultdict(list)
    for form in sorted(uf.parent):
        comps[uf.find(form)].append(form)
    for forms in comps.values():
        if len(forms) >= 2:
            groups.append((max(forms, key=len), forms))
    return groups


def find_spelling_discrepancies(
    documents: Sequence[Document], entities: Sequence[Entity] = ()
) -> list[Discrepancy]:
    """Names written two ways ("Sergey"/"Sergei" Kislyak) by different sources. Case, titles,
    possessives and surname-only mentions are not spellings; nor are different names."""
    order = _publication_order(documents)
    out = []
    for display, forms in _spelling_groups(documents, entities):
        by_form = {f: _occurrences(documents, f) for f in forms}
        sources = {f: _ordered({o.source for o in occ}, order) for f, occ in by_form.items()}
        used = [f for f in forms if sources[f]]
        # each spelling its own sources: an article that writes both ("Patricia" and
        # "Patrick" Kennedy) most likely names two people
        if len(used) < 2 or any(
            set(sources[f]) & set(sources[g]) for f in used for g in used if f != g
        ):
            continue
        used.sort(key=lambda f: (min(order[s] for s in sources[f]), f))
        claims = tuple(
            Claim(text=f, sources=sources[f], spans=_first_per_source(by_form[f])) for f in used
        )
        out.append(
            Discrepancy(
                topic=f"Spelling of {surname_display(display)}", claims=claims, kind="spelling"
            )
        )
    return out


def surname_display(name: str) -> str:
    words = re.sub(r"['’]s?$", "", name.strip()).split()
    return words[-1] if words else name


def _ordered(sources: Iterable[str], order: dict[str, int]) -> tuple[str, ...]:
    return tuple(sorted(set(sources), key=lambda s: order.get(s, len(order))))


def _first_per_source(origins: Iterable[Origin]) -> tuple[Origin, ...]:
    seen: dict[str, Origin] = {}
    for o in origins:
        seen.setdefault(o.source, o)
    return tuple(seen.values())


# --------------------------------------------------------------------------- attribution
@dataclass(frozen=True)
class _Said:
    source: str
    text: str
    speaker: str | None
    start: int | None
    end: int | None


def speaker_key(speaker: str | None) -> tuple[str, str, bool] | None:
    """How a speaker compares: ("name", surname, _) or ("desc", words, indefinite); None for
    no speaker or a pronoun (a resolved pronoun is the resolver's claim, not the outlet's)."""
    if not speaker or not speaker.strip():
        return None
    text = fold(speaker).strip()
    # "Sessions' statement said" is Sessions speaking
    m = re.match(r"^(.*?)'s?\s+(\w+)$", text)
    if m and m.group(2).lower() in _UTTERANCE:
        text = m.group(1)
    words = [w.strip(".,;:()[]\"'") for w in text.split()]
    words = [w for w in words if w]
    if not words or (len(words) == 1 and words[0].lower() in PRONOUNS):
        return None
    first, last = words[0].lower(), words[-1]
    if first in _DETERMINERS or last[:1].islower():
        rest = [w.lower() for w in words if w.lower() not in _DETERMINERS]
        return ("desc", " ".join(rest), first in _INDEFINITE or first not in _DETERMINERS)
    return ("name", surname(text), False)


def speakers_differ(a: tuple[str, str, bool], b: tuple[str, str, bool]) -> bool:
    """Two names with different surnames, or two anonymous descriptions neither of which
    narrows the other ("a White House official" vs "a senior administration official").
    A name against a description ("the president" vs "Trump") may be one person: not flagged."""
    if a[0] != b[0]:
        return False
    if a[0] == "name":
        # "Allsop" / "Allsopp": one speaker spelled two ways (a spelling, not an attribution)
        return a[1] != b[1] and not spelling_variant(a[1], b[1])
    if not (a[2] and b[2]):
        return False
    wa, wb = set(a[1].split()), set(b[1].split())
    return not (wa <= wb or wb <= wa)


def _quote_words(text: str) -> list[str]:
    return [m.group().lower() for m in _WORD.finditer(fold(text))]


def _same_statement(a: str, b: str, min_words: int = 4, share: float = 0.8) -> bool:
    """One quotation when most of the shorter one's content words run in order through the
    other (function words alone make "we can't rely on miracles" look like another quote)."""
    stop = _stopwords()
    wa = [w for w in _quote_words(a) if w not in stop]
    wb = [w for w in _quote_words(b) if w not in stop]
    if min(len(wa), len(wb)) < min_words:
        return False
    matcher = SequenceMatcher(None, wa, wb, autojunk=False)
    matched = sum(blk.size for blk in matcher.get_matching_blocks())
    return matched / min(len(wa), len(wb)) >= share


def _written(variant, text: str | None) -> str | None:
    """The speaker as the source wrote it ("he", not the name the resolver gave the "he"):
    an outlet that wrote "he" attributes nothing a reader could hold against another's."""
    a, b = variant.speaker_start, variant.speaker_end
    if text is not None and a is not None and b is not None and 0 <= a < b <= len(text):
        return text[a:b]
    return variant.speaker_as_written


def _said_groups(documents: Sequence[Document], quotes: Sequence[Quote]) -> list[list[_Said]]:
    """Direct quotations of one statement across sources. Reported speech is left out: its
    wording is the outlet's, and "according to AP" names a relay, not a speaker."""
    if quotes:
        texts = {d.article.id: d.article.text for d in documents}
        return [
            [
                _Said(v.source, v.text, _written(v, texts.get(v.source)), v.start, v.end)
                for v in q.sources
                if v.direct
            ]
            for q in quotes
        ]
    mentions = []
    for d in documents:
        for q in d.quotes:
            if not q.direct:
                continue
            written = q.speaker
            if q.speaker_start is not None and q.speaker_end is not None:
                written = d.article.text[q.speaker_start : q.speaker_end]
            mentions.append(_Said(d.article.id, q.text, written, q.start, q.end))
    uf = _UnionFind()
    for i, a in enumerate(mentions):
        uf.find(i)
        for j in range(i + 1, len(mentions)):
            b = mentions[j]
            if a.source != b.source and _same_statement(a.text, b.text):
                uf.union(i, j)
    groups: dict[int, list[_Said]] = defaultdict(list)
    for i, m in enumerate(mentions):
        groups[uf.find(i)].append(m)
    return [g for g in groups.values() if len({m.source for m in g}) >= 2]


def _evidence(documents: dict[str, Document], said: _Said) -> tuple[str, Origin | None]:
    """The sentence(s) holding the quotation and, nearby, its speaker, as written."""
    doc = documents.get(said.source)
    if doc is None or said.start is None or said.end is None or not doc.sentences:
        return f"{said.speaker}: “{said.text}”", None
    idx = [i for i, s in enumerate(doc.sentences) if s.start < said.end and said.start < s.end]
    if not idx:
        return f"{said.speaker}: “{said.text}”", None
    lo, hi = idx[0], idx[-1]
    text = doc.article.text
    if said.speaker and said.speaker not in text[doc.sentences[lo].start : doc.sentences[hi].end]:
        if hi + 1 < len(doc.sentences) and said.speaker in doc.sentences[hi + 1].text:
            hi += 1
        elif lo > 0 and said.speaker in doc.sentences[lo - 1].text:
            lo -= 1
    start, end = doc.sentences[lo].start, doc.sentences[hi].end
    return text[start:end], Origin(said.source, start, end)


def _merge_origins(origins: Iterable[Origin]) -> tuple[Origin, ...]:
    """Overlapping spans of one source as one span (two pieces of one quotation)."""
    given = list(origins)
    rank: dict[str, int] = {}
    for o in given:
        rank.setdefault(o.source, len(rank))
    out: list[Origin] = []
    for o in sorted(given, key=lambda o: (rank[o.source], o.start)):
        if out and out[-1].source == o.source and o.start < out[-1].end:
            out[-1] = Origin(o.source, out[-1].start, max(out[-1].end, o.end))
        else:
            out.append(o)
    return tuple(out)


def _short(text: str, words: int = 8) -> str:
    parts = " ".join(text.split()).split(" ")
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _names_word(text: str, word: str) -> bool:
    return (
        re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", fold(text), re.IGNORECASE) is not None
    )


def _is_named(document: Document | None, key: tuple[str, str, bool]) -> bool:
    """A speaker's name the source's own NER knows as a person or organisation (not a
    headline fragment taken for a name)."""
    if document is None:
        return False
    return any(surname(e.text) == key[1] for e in document.entities if e.label in ("PERSON", "ORG"))


def find_attribution_discrepancies(
    documents: Sequence[Document], quotes: Sequence[Quote] = ()
) -> list[Discrepancy]:
    """One statement attributed to different speakers by different sources. Uses grouped
    ``quotes`` when given, else aligns ``document.quotes`` across sources by their words."""
    order = _publication_order(documents)
    by_id = {d.article.id: d for d in documents}
    out = []
    for group in _said_groups(documents, quotes):
        keyed: dict[tuple[str, str, bool], list[_Said]] = defaultdict(list)
        for said in group:
            key = speaker_key(said.speaker)
            if key is not None and (key[0] == "desc" or _is_named(by_id.get(said.source), key)):
                keyed[key].append(said)
        keys = list(keyed)
        differing = {
            k for k in keys if any(speakers_differ(k, other) for other in keys if other != k)
        }
        if len(differing) < 2:
            continue
        claims = []
        ambiguous = False
        for key in sorted(differing, key=lambda k: min(order.get(s.source, 0) for s in keyed[k])):
            saids = sorted(keyed[key], key=lambda s: order.get(s.source, 0))
            evidence = [_evidence(by_id, s) for s in saids]
            # a source whose own sentence also names the other speaker ("Griffiths asked
            # Sheen ...") does not contradict: which of the two spoke is the extractor's call
            others = {k[1] for k in differing if k[0] == "name" and k != key}
            ambiguous |= any(_names_word(text, name) for text, _ in evidence for name in others)
            claims.append(
                Claim(
                    text=evidence[0][0],
                    sources=_ordered((s.source for s in saids), order),
                    spans=_merge_origins(o for _, o in evidence if o is not None),
                )
            )
        if ambiguous or len({s for c in claims for s in c.sources}) < 2:
            continue
        longest = max(group, key=lambda s: len(s.text)).text
        out.append(
            Discrepancy(
                topic=f"Who said: “{_short(longest)}”", claims=tuple(claims), kind="attribution"
            )
        )
    return out


# --------------------------------------------------------------------------- parsed cues
#: (contrast group, class, label) of event verbs: within a group, two classes for one person
#: cannot both be true ("resigned" vs "was fired"). Target: which argument is the person.
_DEPARTURE_VOLUNTARY = frozenset({"resign", "quit"})
_DEPARTURE_FORCED = frozenset({"fire", "dismiss", "oust", "sack", "axe"})
_FORCING = frozenset({"force", "compel", "pressure", "push"})
#: verb -> (group, side, label, role): two sources telling one group's event on different
#: sides contradict each other ("confirmed" / "denied"); one side's labels ("admitted",
#: "confirmed") do not
_CONTRASTS: dict[str, tuple[str, str, str, str]] = {
    "deny": ("admission", "denied", "denied", "nsubj"),
    "admit": ("admission", "admitted", "admitted", "nsubj"),
    "acknowledge": ("admission", "admitted", "admitted", "nsubj"),
    "confess": ("admission", "admitted", "admitted", "nsubj"),
    "confirm": ("admission", "admitted", "confirmed", "nsubj"),
    "win": ("outcome", "won", "won", "nsubj"),
    "lose": ("outcome", "lost", "lost", "nsubj"),
    "die": ("survival", "died", "died", "nsubj"),
    "survive": ("survival", "survived", "survived", "nsubj"),
    "convict": ("verdict", "convicted", "was convicted", "patient"),
    "acquit": ("verdict", "acquitted", "was acquitted", "patient"),
}
#: words that place two versions in a sequence ("initially denied ... later admitted").
_SEQUENCE = frozenset(
    "initially first later eventually then previously earlier originally subsequently since "
    "once afterwards finally".split()
)
_MODALS = frozenset("can could may might must shall should will would ought".split())
#: governing verbs under which a clause is wanted, not told ("called for Sessions to resign").
_REQUESTS = frozenset(
    "call demand urge ask want seek press expect hope plan threaten refuse decline consider".split()
)
#: reporting verbs: a clause under them is someone's statement, which the quote ledger shows.
_REPORTING = frozenset(
    "say tell claim insist argue assert state write report allege accuse deny add note "
    "suggest think believe".split()
)
_LIGHT_VERBS = frozenset({"be", "have", "do", "say", "get", "make", "go", "come", "take"})


def _parsed(documents: Sequence[Document]) -> list[Any]:
    """Each document's spaCy parse, parsing (in one batch) those analysed without it."""
    missing = [i for i, d in enumerate(documents) if d.doc is None]
    docs = [d.doc for d in documents]
    if missing:
        from newsweave.nlp import parse_texts

        parsed = parse_texts(documents[i].article.text for i in missing)
        for i, doc in zip(missing, parsed, strict=True):
            docs[i] = doc
    return docs


def _person_of(token) -> Any | None:
    """The PERSON entity span a subject or object token names (itself or its apposition)."""
    doc = token.doc
    for cand in [token, *[c for c in token.children if c.dep_ == "appos"]]:
        if cand.ent_type_ == "PERSON":
            for ent in doc.ents:
                if ent.label_ == "PERSON" and ent.start <= cand.i < ent.end:
                    return ent
    return None


def _asserted(verb, quoted: bytearray, reported: bool = False) -> bool:
    """Told as fact: not wanted, possible, asked, conditional or quoted. With ``reported``,
    a clause under "said"/"told" counts (the outlet's account of who said it); one under a
    denial or a negated verb never does."""
    if quoted[verb.idx]:
        return False
    if any(c.dep_ in ("aux", "auxpass") and c.lower_ in _MODALS for c in verb.children):
        return False
    if any(c.dep_ == "mark" and c.lower_ in ("if", "whether", "unless") for c in verb.children):
        return False
    node = verb
    while node.dep_ in ("ccomp", "xcomp", "conj") and node.head.i != node.i:
        head = node.head
        lemma = head.lemma_.lower()
        if lemma in _REQUESTS or lemma == "deny" or _negated(head):
            return False
        if lemma in _REPORTING and not reported:
            return False
        if head.lemma_.lower() in _FORCING:
            break
        node = head
    sent = verb.sent.text.rstrip()
    return not sent.endswith("?")


def _negated(verb) -> bool:
    return any(c.dep_ == "neg" or c.lower_ in ("never", "not", "n't") for c in verb.children)


def _clause_span(verb) -> tuple[int, int]:
    """Character span of a verb's own clause: its arguments, without adverbial clauses,
    coordinated clauses or relative clauses hanging off it."""
    keep = [verb]
    for child in verb.children:
        if child.dep_ in ("advcl", "conj", "cc", "punct", "mark", "relcl", "parataxis", "dep"):
            continue
        keep.extend(child.subtree)
    # "just weeks after X resigned": what precedes the clause's own "after" modifies it
    marks = [c.i for c in verb.children if c.dep_ == "mark" and c.i < verb.i]
    idx = sorted(t.i for t in keep if not t.is_space and not (marks and t.i < marks[0]))
    doc = verb.doc
    lo, hi = idx[0], idx[-1]
    while lo < hi and (doc[lo].is_punct or doc[lo].dep_ == "cc"):
        lo += 1
    while hi > lo and doc[hi].is_punct:
        hi -= 1
    return doc[lo].idx, doc[hi].idx + len(doc[hi].text)


@dataclass(frozen=True)
class _Event:
    """One told event about a person in one source."""

    source: str
    person: str  # surname key
    name: str  # the name as written
    group: str
    cls: str
    label: str
    start: int
    end: int
    sequenced: bool
    objects: frozenset[str]
    person_named: bool = True  # False for a body ("The company"), held to closer objects


def _object_lemmas(verb, person_span) -> frozenset[str]:
    inside = set(range(person_span.start, person_span.end)) if person_span is not None else set()
    return frozenset(
        t.lemma_.lower()
        for c in verb.children
        if c.dep_ in ("dobj", "pobj", "prep", "attr", "dative", "xcomp", "ccomp", "pcomp")
        for t in c.subtree
        if t.i not in inside and (t.is_alpha or t.like_num) and not t.is_stop
    )


def _departure(verb) -> tuple[str, str, Any] | None:
    """(class, label, person token) of a departure verb: resigned / was fired / forced out."""
    lemma = verb.lemma_.lower()
    subj = [c for c in verb.children if c.dep_ == "nsubj"]
    subjpass = [c for c in verb.children if c.dep_ == "nsubjpass"]
    dobj = [c for c in verb.children if c.dep_ == "dobj"]
    particle = {c.lower_ for c in verb.children if c.dep_ == "prt"}
    if lemma in _DEPARTURE_VOLUNTARY or (lemma == "step" and "down" in particle):
        head = verb.head
        infinitive = any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)
        if infinitive and head.i != verb.i and head.lemma_.lower() in _FORCING:
            person = subj or [c for c in head.children if c.dep_ == "dobj"]
            return ("forced", "was forced to resign", person[0]) if person else None
        if verb.tag_ == "VB" and not any(c.lemma_ == "do" for c in verb.children):
            return None  # "must resign", "calls to resign": not a departure that happened
        return ("voluntary", "resigned", subj[0]) if subj else None
    if lemma in _DEPARTURE_FORCED or (lemma in _FORCING and particle & {"out"}):
        person = subjpass or dobj
        if not person:
            return None
        label = "was forced out" if lemma in _FORCING else "was fired"
        if verb.tag_ == "VB" and not any(c.lemma_ == "do" for c in verb.children):
            return None
        return ("forced", label, person[0])
    return None


def _actor_of(token) -> tuple[str, str] | None:
    """(key, as written) of a body that denies, confirms or wins: an organisation, country or
    group named by the tagger ("Norland", "Russia"), or a noun with a definite article ("The
    company", "the ministry"); None for a pronoun or an indefinite noun ("a witness")."""
    if token.lower_ in PRONOUNS:
        return None
    if token.ent_type_ in ("ORG", "GPE", "NORP"):
        for ent in token.doc.ents:
            if ent.start <= token.i < ent.end:
                return ent.text.lower(), _clean_form(ent.text)
    if token.pos_ == "NOUN" and any(
        c.dep_ in ("det", "poss") and c.lower_ in ("the", "its", "their") for c in token.children
    ):
        return "the " + token.lemma_.lower(), "The " + token.text
    return None


def _events(documents: Sequence[Document], parses: Sequence[Any]) -> list[_Event]:
    events = []
    for document, doc in zip(documents, parses, strict=True):
        quoted = quoted_mask(document.article.text)
        for verb in doc:
            if verb.pos_ != "VERB" or not _asserted(verb, quoted, reported=True):
                continue
            lemma = verb.lemma_.lower()
            found: tuple[str, str, str, Any] | None = None
            if (dep := _departure(verb)) is not None:
                found = ("departure", dep[0], dep[1], dep[2])
            elif lemma in _CONTRASTS:
                group, side, label, role = _CONTRASTS[lemma]
                deps = ("nsubj",) if role == "nsubj" else ("nsubjpass", "dobj")
                args = [c for c in verb.children if c.dep_ in deps]
                if args and verb.tag_ != "VB":
                    found = (group, side, label, args[0])
            if found is None or _negated(verb):
                continue
            person = _person_of(found[3])
            actor = (surname(person.text), _clean_form(person.text)) if person is not None \
                else None if found[0] == "departure" else _actor_of(found[3])
            if actor is None:
                continue
            anchor = verb.head if found[1] == "forced" and verb.head.lemma_ in _FORCING else verb
            start, end = _clause_span(anchor)
            events.append(
                _Event(
                    source=document.article.id,
                    person=actor[0],
                    name=actor[1],
                    group=found[0],
                    cls=found[1],
                    label=found[2],
                    start=start,
                    end=end,
                    sequenced=any(
                        t.lower_ in _SEQUENCE for t in (*verb.children, *anchor.children)
                    ),
                    objects=_object_lemmas(verb, person),
                    person_named=person is not None,
                )
            )
    return events


def find_event_discrepancies(
    documents: Sequence[Document], parses: Sequence[Any] | None = None
) -> list[Discrepancy]:
    """One person's event told in contrasting ways by different sources ("Michael Flynn
    resigned" / "was fired"). Aligned by the person and the event's class, not by whole-
    sentence similarity: the sentences around such verbs are seldom paraphrases."""
    parses = parses if parses is not None else _parsed(documents)
    order = _publication_order(documents)
    texts = {d.article.id: d.article.text for d in documents}
    by_slot: dict[tuple[str, str], list[_Event]] = defaultdict(list)
    for ev in _events(documents, parses):
        by_slot[(ev.person, ev.group)].append(ev)
    out = []
    for (_, group), events in by_slot.items():
        if group != "departure":
            # denied/admitted, won/lost ...: only about the same thing, never in a sequence
            if any(ev.sequenced for ev in events):
                continue
            # a body's denial and another's confirmation must be of the same thing: most of
            # what one is about is in the other ("denied that a gas leak had been reported")
            need = 0.0 if all(ev.person_named for ev in events) else 0.5
            objs = [ev.objects for ev in events]
            if not all(
                any(overlap(a, b) > need for j, b in enumerate(objs) if j != i)
                for i, a in enumerate(objs)
            ):
                continue
        classes = {ev.cls for ev in events}
        sources_by_class = {c: {ev.source for ev in events if ev.cls == c} for c in classes}
        if len(classes) < 2 or len(set().union(*sources_by_class.values())) < 2:
            continue
        if all(s1 == s2 for s1 in sources_by_class.values() for s2 in sources_by_class.values()):
            continue
        by_label: dict[str, list[_Event]] = defaultdict(list)
        for ev in sorted(events, key=lambda e: (order[e.source], e.start)):
            by_label[ev.label].append(ev)
        claims = []
        for _label, evs in by_label.items():
            first_per_source = {}
            for ev in evs:
                first_per_source.setdefault(ev.source, ev)
            head = evs[0]
            claims.append(
                Claim(
                    text=texts[head.source][head.start : head.end],
                    sources=_ordered(first_per_source, order),
                    spans=tuple(
                        Origin(e.source, e.start, e.end) for e in first_per_source.values()
                    ),
                )
            )
        name = max((ev.name for ev in events), key=len)
        topic = f"{name}: " + " vs ".join(by_label)
        out.append(Discrepancy(topic=topic, claims=tuple(claims), kind="fact"))
    return out


# ------------------------------------------------------------------ negation, numbers, dates
@dataclass(frozen=True)
class _Clause:
    """A verb told as fact in one sentence, with who does it and what it is about."""

    source: int  # document index
    sentence: int
    subject: str
    name: str  # the subject as written, for the topic
    lemma: str
    passive: bool
    negated: bool
    objects: frozenset[str]
    start: int
    end: int


def _object_heads(verb) -> frozenset[str]:
    """Head lemmas of what a verb is about ("met [with] the ambassador" -> ambassador): the
    negation cue compares these, not every word under the verb."""
    heads = set()
    for c in verb.children:
        if c.dep_ in ("dobj", "attr", "dative", "oprd"):
            heads.add(c.lemma_.lower())
        elif c.dep_ == "prep":
            heads.update(g.lemma_.lower() for g in c.children if g.dep_ == "pobj")
    return frozenset(heads)


def _subject_key(verb) -> tuple[str, bool, str] | None:
    """(key, passive, as written) of a verb's named subject; None for pronouns and nouns."""
    for c in verb.children:
        if c.dep_ in ("nsubj", "nsubjpass"):
            person = _person_of(c)
            if person is not None:
                return surname(person.text), c.dep_ == "nsubjpass", _clean_form(person.text)
            if c.ent_type_ in ("ORG", "GPE", "NORP") and c.lower_ not in PRONOUNS:
                return c.lower_, c.dep_ == "nsubjpass", c.text
    return None


def _sentence_index(document: Document, offset: int) -> int:
    starts = [s.start for s in document.sentences]
    return max(_bisect_left(starts, offset + 1) - 1, 0)


def _clauses(documents: Sequence[Document], parses: Sequence[Any]) -> list[_Clause]:
    out = []
    for di, (document, doc) in enumerate(zip(documents, parses, strict=True)):
        if not document.sentences:
            continue
        quoted = quoted_mask(document.article.text)
        for verb in doc:
            if verb.pos_ != "VERB" or verb.lemma_.lower() in _LIGHT_VERBS | _REPORTING:
                continue
            if verb.dep_ in ("relcl", "acl", "amod") or not _asserted(verb, quoted):
                continue
            key = _subject_key(verb)
            if key is None:
                continue
            start, end = _clause_span(verb)
            out.append(
                _Clause(
                    source=di,
                    sentence=_sentence_index(document, verb.idx),
                    subject=key[0],
                    name=key[2],
                    lemma=verb.lemma_.lower(),
                    passive=key[1],
                    negated=_negated(verb),
                    objects=_object_heads(verb),
                    start=start,
                    end=end,
                )
            )
    return out


def _sentence_cosine(documents: Sequence[Document], a: _Clause, b: _Clause) -> float | None:
    da, db = documents[a.source], documents[b.source]
    if not (_has_vectors(da) and _has_vectors(db)):
        return None
    return float(np.dot(da.vectors[a.sentence], db.vectors[b.sentence]))


def find_negation_discrepancies(
    documents: Sequence[Document],
    parses: Sequence[Any] | None = None,
    settings: CoverageSettings = DEFAULT_COVERAGE,
) -> list[Discrepancy]:
    """The same verb about the same subject and object, negated in one source only
    ("Sessions met the ambassador" / "Sessions did not meet the ambassador")."""
    parses = parses if parses is not None else _parsed(documents)
    order = _publication_order(documents)
    clauses = _clauses(documents, parses)
    out: list[Discrepancy] = []
    seen: set[tuple[str, str]] = set()
    for i, a in enumerate(clauses):
        for b in clauses[i + 1 :]:
            if a.source == b.source or a.negated == b.negated:
                continue
            if (a.subject, a.lemma, a.passive) != (b.subject, b.lemma, b.passive):
                continue
            if not a.objects & b.objects:
                continue
            cos = _sentence_cosine(documents, a, b)
            if cos is not None and cos < settings.negation_cosine:
                continue
            if (a.subject, a.lemma) in seen:
                continue
            seen.add((a.subject, a.lemma))
            pos, neg = (b, a) if a.negated else (a, b)
            claims = []
            for c in (pos, neg):
                doc = documents[c.source]
                claims.append(
                    Claim(
                        text=doc.article.text[c.start : c.end],
                        sources=(doc.article.id,),
                        spans=(Origin(doc.article.id, c.start, c.end),),
                    )
                )
            claims.sort(key=lambda c: order[c.sources[0]])
            out.append(
                Discrepancy(
                    topic=f"{max(a.name, b.name, key=len)}: {a.lemma} vs not {a.lemma}",
                    claims=tuple(claims),
                    kind="fact",
                )
            )
    return out


#: counts written as words, as news writes small numbers ("four people"): 0-20 and the tens
NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {w: 10 * i for i, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split(),
                                     start=3)}
_FREQUENCY = {"once": 1, "twice": 2, "thrice": 3}
_APPROX = frozenset(
    "about around nearly almost over under more less than some approximately roughly up least "
    "most several dozens hundreds thousands much many".split()
)


#: modifiers that make a count about another group than a similar count elsewhere.
_ANOTHER_SET = frozenset("other another additional more further new extra remaining".split())


def number_value(text: str) -> float | None:
    """The value of "25", "1,200", "3.5" or "two"; None for anything else."""
    t = text.lower().replace(",", "")
    if t in NUMBER_WORDS:
        return float(NUMBER_WORDS[t])
    try:
        return float(t)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Count:
    source: int
    sentence: int
    noun: str
    value: float
    text: str
    start: int
    end: int


def _of_object(noun) -> str:
    """The 'of X' of 'percent of the national area': what a count counts is part of its key."""
    for prep in noun.children:
        if prep.dep_ == "prep" and prep.lower_ == "of":
            for obj in prep.children:
                if obj.dep_ == "pobj":
                    return " of " + obj.lemma_.lower()
    return ""


def _modifiers(noun) -> str:
    """Adjectives of a counted noun: "displaced people" are not "people" killed."""
    mods = [c.lemma_.lower() for c in noun.children if c.dep_ == "amod" and c.i < noun.i]
    return "".join(m + " " for m in mods)


def _counts(documents: Sequence[Document], parses: Sequence[Any]) -> list[_Count]:
    """Exact counts of a noun ("two conversations") or an event ("met twice", "three times")
    outside quotations; approximate ones ("over 25") and years are left out."""
    out = []
    for di, (document, doc) in enumerate(zip(documents, parses, strict=True)):
        if not document.sentences:
            continue
        quoted = quoted_mask(document.article.text)
        for tok in doc:
            if quoted[tok.idx]:
                continue
            noun = None
            value = None
            if tok.dep_ == "nummod" and tok.head.pos_ in ("NOUN", "PROPN"):
                if any(c.lower_ in _ANOTHER_SET for c in tok.head.children):
                    continue  # "four other soldiers" counts a different group
                value = number_value(tok.text)
                noun = _modifiers(tok.head) + tok.head.lemma_.lower() + _of_object(tok.head)
                if noun == "time" and tok.head.head.pos_ == "VERB":
                    noun = tok.head.head.lemma_.lower() + " (times)"
                anchor = tok.head
            elif tok.lower_ in _FREQUENCY and tok.head.pos_ == "VERB":
                value = float(_FREQUENCY[tok.lower_])
                noun = tok.head.lemma_.lower() + " (times)"
                anchor = tok
            if value is None or noun is None or 1900 <= value <= 2100:
                continue
            # distances and other measures depend on from where: too loose to compare
            if tok.ent_type_ in ("DATE", "TIME", "QUANTITY"):
                continue
            if any(c.lower_ in _APPROX for c in tok.children):
                continue
            if tok.i > 0 and doc[tok.i - 1].lower_ in _APPROX:
                continue
            lo, hi = min(tok.i, anchor.i), max(tok.i, anchor.i)
            start, end = doc[lo].idx, doc[hi].idx + len(doc[hi].text)
            out.append(
                _Count(
                    di,
                    _sentence_index(document, tok.idx),
                    noun,
                    value,
                    doc.text[start:end],
                    start,
                    end,
                )
            )
    return out


def _names_in(document: Document, index: int) -> frozenset[str]:
    return frozenset(
        surname(e.text) if e.label == "PERSON" else e.text.lower()
        for e in document.entities
        if e.sentence == index and e.label in ("PERSON", "ORG", "GPE", "FAC", "EVENT")
    )


def _aligned(
    documents: Sequence[Document], a: tuple[int, int], b: tuple[int, int], threshold: float
) -> bool:
    """Two sentences about the same thing: close embeddings and a shared name."""
    da, db = documents[a[0]], documents[b[0]]
    if not (_has_vectors(da) and _has_vectors(db)):
        return False
    if float(np.dot(da.vectors[a[1]], db.vectors[b[1]])) < threshold:
        return False
    return bool(_names_in(da, a[1]) & _names_in(db, b[1]))


def _sentence_claim(documents: Sequence[Document], di: int, si: int) -> Claim:
    """A sentence as a claim, without its wire dateline ("EASTPORT — "), its span the same."""
    doc = documents[di]
    s = doc.sentences[si]
    cut = trim_dateline(s.text)
    return Claim(text=s.text[cut:], sources=(doc.article.id,),
                 spans=(Origin(doc.article.id, s.start + cut, s.end),))


def find_number_discrepancies(
    documents: Sequence[Document],
    parses: Sequence[Any] | None = None,
    settings: CoverageSettings = DEFAULT_COVERAGE,
) -> list[Discrepancy]:
    """Aligned sentences that count the same noun differently (two vs three meetings)."""
    parses = parses if parses is not None else _parsed(documents)
    counts = _counts(documents, parses)
    by_sentence: dict[tuple[int, int], list[_Count]] = defaultdict(list)
    for c in counts:
        by_sentence[(c.source, c.sentence)].append(c)
    # per sentence, the nouns it counts once (two counts of one noun are two things)
    single: dict[tuple[int, int], dict[str, float]] = {}
    for key in sorted(by_sentence):
        values: dict[str, set[float]] = defaultdict(set)
        for c in by_sentence[key]:
            values[c.noun].add(c.value)
        single[key] = {noun: next(iter(v)) for noun, v in values.items() if len(v) == 1}
    holders: dict[str, list[tuple[int, int]]] = defaultdict(list)  # in sentence order
    for key, nouns in single.items():
        for noun in nouns:
            holders[noun].append(key)
    aligned: dict[tuple[tuple[int, int], tuple[int, int]], bool] = {}
    # each noun once, from the first pair of aligned sentences in sentence order that counts
    # it differently: sentences that all give one count (syndicated copies) need no pair
    found: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    for noun, keys in holders.items():
        if len({single[k][noun] for k in keys}) < 2:
            continue
        pair = _first_aligned_pair(documents, keys, [single[k][noun] for k in keys],
                                   settings.align_cosine, aligned)
        if pair is not None:
            found.append((*pair, noun))
    out = []
    order = _publication_order(documents)
    for ka, kb, noun in sorted(found):
        if _risen_since(documents, order, (ka, single[ka][noun]), (kb, single[kb][noun])):
            continue
        # every sentence told of the same thing joins the side of its count: the four
        # reports of "killing four/five/four/six people" are three sides, not "four vs five"
        sides: dict[float, list[tuple[int, int]]] = {single[ka][noun]: [ka],
                                                     single[kb][noun]: [kb]}
        for k in _near(documents, holders[noun], (ka, kb), settings.align_cosine):
            if k not in (ka, kb) and any(_aligned_once(aligned, documents, k, x,
                                                       settings.align_cosine) for x in (ka, kb)):
                sides.setdefault(single[k][noun], []).append(k)
        said = [next(c.text for c in by_sentence[keys[0]] if c.noun == noun)
                for keys in sides.values()]
        out.append(
            Discrepancy(
                topic=f"How many {noun.replace(' (times)', ' times')}: {' vs '.join(said)}",
                claims=tuple(_side_claim(documents, keys, order) for keys in sides.values()),
                kind="number",
            )
        )
    return out


def _near(documents: Sequence[Document], keys: Sequence[tuple[int, int]],
          to: Sequence[tuple[int, int]], threshold: float) -> list[tuple[int, int]]:
    """The sentences of ``keys`` whose vector comes within ``threshold`` of one of ``to``'s,
    found by one product: a noun counted by 1,000 sources asks ``_aligned`` of the few."""
    usable = [k for k in keys if _has_vectors(documents[k[0]])]
    if not usable or not all(_has_vectors(documents[d]) for d, _ in to):
        return []
    mat = np.stack([np.asarray(documents[d].vectors[i]) for d, i in usable])
    ref = np.stack([np.asarray(documents[d].vectors[i]) for d, i in to])
    close = ((mat @ ref.T) >= threshold - 1e-3).any(axis=1)
    return [k for k, near in zip(usable, close.tolist(), strict=True) if near]


def _side_claim(documents: Sequence[Document], keys: Sequence[tuple[int, int]],
                order: dict[str, int]) -> Claim:
    """The sentences giving one side of a discrepancy as one claim: the first one's words,
    every source that gives it."""
    claims = [_sentence_claim(documents, *k) for k in keys]
    return Claim(text=claims[0].text,
                 sources=_ordered((s for c in claims for s in c.sources), order),
                 spans=tuple(sp for c in claims for sp in c.spans))


#: a report telling its count as a rise: "the death toll rose to 15", "found three more
#: bodies", a headline "Toll rises to 7"
_RISE = re.compile(
    r"\b(?:rose|risen|rises|rising|climbed|climbs|jumped|increased|grew)\s+to\b|"
    r"\b\w+\s+(?:more|additional|further)\s+(?:bodies|deaths|dead|victims|people|cases|"
    r"casualties|fatalities)\b|\btoll\s+(?:rose|rises|has\s+risen|climbed|climbs)\b",
    re.IGNORECASE)


def _risen_since(documents: Sequence[Document], order: dict[str, int],
                 a: tuple[tuple[int, int], float], b: tuple[tuple[int, int], float]) -> bool:
    """Two counts that tell a development, not a disagreement: the later report gives the
    higher count and says it rose ("killed 4" at 08:00, "killed 7 ... after rescuers found
    three more bodies" at 18:30)."""
    da, db = documents[a[0][0]], documents[b[0][0]]
    if (da.article.published or "") == (db.article.published or ""):
        return False  # no order to tell a rise by
    (kl, vl), (_ke, ve) = (b, a) if order[db.article.id] > order[da.article.id] else (a, b)
    if vl <= ve:
        return False
    later = documents[kl[0]]
    said = later.sentences[kl[1]].text + "\n" + (later.article.title or "")
    return _RISE.search(said) is not None


def _first_aligned_pair(
    documents: Sequence[Document], keys: Sequence[tuple[int, int]], values: Sequence[float],
    threshold: float, memo: dict[tuple[tuple[int, int], tuple[int, int]], bool],
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The first pair of ``keys`` (in their order) from two sources with different
    ``values`` that ``_aligned`` accepts. Cosines of 256 sentences at a time sieve the pairs
    (a margin below ``threshold`` absorbs rounding), so a noun that 1,000 sources count in
    1,000 ways costs matrix rows, not half a million Python calls; so do the shared names.
    ``_aligned`` decides."""
    value_of = dict(zip(keys, values, strict=True))
    usable = [k for k in keys if _has_vectors(documents[k[0]])]  # ``_aligned`` needs vectors
    rows = [np.asarray(documents[d].vectors[i]) for d, i in usable]
    if len(usable) < 2:
        return None
    from scipy.sparse import csr_matrix

    mat = np.stack(rows)
    source = np.array([k[0] for k in usable])
    value = np.array([value_of[k] for k in usable], dtype=np.float64)
    # the names each sentence holds, as a sparse incidence matrix: ``_aligned`` wants one shared
    vocabulary: dict[str, int] = {}
    names = [sorted(vocabulary.setdefault(n, len(vocabulary)) for n in _names_in(documents[d], i))
             for d, i in usable]
    incidence = csr_matrix(
        (np.ones(sum(map(len, names))), np.array([c for row in names for c in row], dtype=np.int64),
         np.concatenate([[0], np.cumsum([len(row) for row in names])])),
        shape=(len(usable), max(len(vocabulary), 1)))
    for lo in range(0, len(usable), 256):
        block = mat[lo:lo + 256] @ mat.T
        shared = (incidence[lo:lo + 256] @ incidence.T).toarray() > 0
        for r in range(block.shape[0]):
            a = lo + r
            near = np.flatnonzero((block[r, a + 1:] >= threshold - 1e-3) & shared[r, a + 1:])
            near += a + 1
            near = near[(source[near] != source[a]) & (value[near] != value[a])]
            for b in near.tolist():
                if _aligned_once(memo, documents, usable[a], usable[b], threshold):
                    return usable[a], usable[b]
    return None


def _aligned_once(
    memo: dict[tuple[tuple[int, int], tuple[int, int]], bool],
    documents: Sequence[Document], a: tuple[int, int], b: tuple[int, int], threshold: float,
) -> bool:
    if (a, b) not in memo:
        memo[(a, b)] = _aligned(documents, a, b, threshold)
    return memo[(a, b)]


_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november "
        "december".split()
    )
}
_MONTHS.update({m[:3]: v for m, v in list(_MONTHS.items())})
_MONTHS["sept"] = 9


def absolute_date(text: str) -> tuple[int | None, int | None, int | None] | None:
    """(year, month, day) of an absolute date expression ("10 January", "Jan. 10, 2017",
    "September 2016", "2016"), fields it does not give as None; None when relative."""
    words = re.findall(r"[a-z]+|\d+", text.lower())
    year = month = day = None
    for w in words:
        if w.isdigit():
            n = int(w)
            if 1900 <= n <= 2100 and year is None:
                year = n
            elif 1 <= n <= 31 and day is None:
                day = n
            else:
                return None
        elif w in _MONTHS and month is None:
            month = _MONTHS[w]
        elif w in ("in", "on", "of", "the", "th", "st", "nd", "rd"):
            continue
        else:
            return None
    if day is not None and month is None:
        return None
    if year is None and month is None:
        return None
    return year, month, day


def _conflict(a: tuple[int | None, ...], b: tuple[int | None, ...]) -> bool:
    """Dates differ in a field both state ("2017-03-01" vs "2017-03-02"; not "March" vs
    "2017-03-02"; "March 11" vs "March 10", neither with its year, do)."""
    for x, y in zip(a, b, strict=True):
        if x is not None and y is not None and x != y:
            return True
        if (x is None) != (y is None):
            return False
    return False


@dataclass(frozen=True)
class _When:
    source: int
    sentence: int
    verb: str
    parts: tuple[int | None, int | None, int | None]
    text: str
    subject: str = ""  # the verb's subject noun ("explosion"), "" for a pronoun or none
    #: a weekday's date is its article's reading of it: comparable only with another read
    #: against the same publication day ("would reopen on Wednesday" / "on Thursday" in two
    #: reports of April 10); None for a date the text states outright
    reference: str | None = None


def _dates(documents: Sequence[Document], parses: Sequence[Any]) -> list[_When]:
    """Dates the text states outright (day, month, year as written), outside quotations,
    each with the verb it dates; found by the timeline analyzer's timexes when present,
    else spaCy's DATE entities."""
    out = []
    for di, (document, doc) in enumerate(zip(documents, parses, strict=True)):
        if not document.sentences:
            continue
        quoted = quoted_mask(document.article.text)
        items: list[tuple[int, int, str, tuple[int | None, int | None, int | None] | None]] = []
        if document.timexes:
            # compare what the text states, not the year a resolver supplied for "February 27"
            items = [(t.start, t.end, t.text, absolute_date(t.text)) for t in document.timexes]
        else:
            items = [
                (e.start_char, e.end_char, e.text, absolute_date(e.text))
                for e in doc.ents
                if e.label_ == "DATE"
            ]
        day = (document.article.published or "")[:10] or None
        weekdays = {(t.start, t.end): t.value for t in document.timexes
                    if t.text.lower() in WEEKDAYS and re.fullmatch(r"\d{4}-\d\d-\d\d",
                                                                           t.value)}
        for start, end, text, parts in items:
            # relative expressions ("last Thursday") resolve uncertainly: compare only dates
            # the text states outright, and a bare weekday as its article resolved it
            reference = None
            if (start, end) in weekdays and day and not quoted[start]:
                year, month, date_of_month = weekdays[(start, end)].split("-")
                parts, reference = (int(year), int(month), int(date_of_month)), day
            if parts is None or quoted[start]:
                continue
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None:
                continue
            node = span.root
            while node.pos_ != "VERB" and node.head.i != node.i:
                node = node.head
            if node.pos_ != "VERB":
                continue
            out.append(
                _When(di, _sentence_index(document, start), node.lemma_.lower(), parts, text,
                      _subject_noun(node), reference)
            )
    return out


def _subject_noun(verb) -> str:
    """The lemma of a verb's subject when it is a noun or a name ("The explosion happened
    on ..." -> explosion); "" for a pronoun or no subject."""
    for c in verb.children:
        if c.dep_ in ("nsubj", "nsubjpass") and c.pos_ in ("NOUN", "PROPN"):
            return c.lemma_.lower()
    return ""


def _same_act(documents: Sequence[Document], a: _When, b: _When, threshold: float) -> bool:
    """Two dated clauses about the same act: aligned sentences (``_aligned``), or, where the
    sentences name no one ("The explosion happened on March 11"), the same verb of the same
    subject noun in sentences still close in meaning."""
    if _aligned(documents, (a.source, a.sentence), (b.source, b.sentence), threshold):
        return True
    if not a.subject or a.subject != b.subject or a.verb != b.verb:
        return False
    da, db = documents[a.source], documents[b.source]
    if not (_has_vectors(da) and _has_vectors(db)):
        return False
    return float(np.dot(da.vectors[a.sentence], db.vectors[b.sentence])) >= threshold


def find_date_discrepancies(
    documents: Sequence[Document],
    parses: Sequence[Any] | None = None,
    settings: CoverageSettings = DEFAULT_COVERAGE,
) -> list[Discrepancy]:
    """Aligned sentences that date the same verb differently; a sentence with two dates for
    the verb (met in July and in September) is left alone."""
    parses = parses if parses is not None else _parsed(documents)
    by_key: dict[tuple[int, int, str], list[_When]] = defaultdict(list)
    for w in _dates(documents, parses):
        by_key[(w.source, w.sentence, w.verb)].append(w)
    single = {k: v[0] for k, v in by_key.items() if len(v) == 1}
    keys = sorted(single)
    out = []
    seen: set[str] = set()
    for i, ka in enumerate(keys):
        for kb in keys[i + 1 :]:
            if ka[0] == kb[0] or ka[2] != kb[2] or ka[2] in seen:
                continue
            wa, wb = single[ka], single[kb]
            if (wa.reference or wb.reference) and wa.reference != wb.reference:
                continue  # a weekday against a date, or against another day's weekday
            if not _conflict(wa.parts, wb.parts):
                continue
            if not _same_act(documents, wa, wb, settings.align_cosine):
                continue
            seen.add(ka[2])
            out.append(
                Discrepancy(
                    topic=f"When ({ka[2]}): {wa.text} vs {wb.text}",
                    claims=(
                        _sentence_claim(documents, *ka[:2]),
                        _sentence_claim(documents, *kb[:2]),
                    ),
                    kind="date",
                )
            )
    return out


# --------------------------------------------------------------------------- composition
#: discrepancy kinds whose sides cannot both be true (two spellings, or two descriptions of
#: one speaker, can)
_CONTRARY_KINDS = frozenset({"fact", "number", "date"})


def _overlaps(a: Origin, b: Origin) -> bool:
    return a.source == b.source and a.start < b.end and b.start < a.end


def opposed(a: Origin, b: Origin, discrepancies: Sequence[Discrepancy]) -> bool:
    """Whether two passages are on different sides of one of ``discrepancies`` that cannot
    have both sides true (a fact, a number, a date)."""
    for d in discrepancies:
        if d.kind not in _CONTRARY_KINDS:
            continue
        side_a = {i for i, c in enumerate(d.claims) if any(_overlaps(a, sp) for sp in c.spans)}
        side_b = {i for i, c in enumerate(d.claims) if any(_overlaps(b, sp) for sp in c.spans)}
        if side_a and side_b and not side_a & side_b:
            return True
    return False


def contradicted_sources(
    evidence: Sequence[Origin], discrepancies: Sequence[Discrepancy]
) -> frozenset[str]:
    """The cited sources whose evidence is on the other side of one of the brief's own
    discrepancies from the sentence (``evidence[0]``): "was fired" is no source for
    "resigned", nor "denied" for "confirmed", nor "killed 12" for "killed 15"."""
    if not evidence:
        return frozenset()
    own, out = evidence[0], set()
    for d in discrepancies:
        if d.kind not in _CONTRARY_KINDS:
            continue
        sides = [i for i, c in enumerate(d.claims) if any(_overlaps(own, sp) for sp in c.spans)]
        if len(sides) != 1:
            continue
        for i, claim in enumerate(d.claims):
            if i == sides[0]:
                continue
            out.update(e.source for e in evidence[1:]
                       if any(_overlaps(e, sp) for sp in claim.spans))
    return frozenset(out)


def find_discrepancies(
    documents: Sequence[Document],
    entities: Sequence[Entity] = (),
    quotes: Sequence[Quote] = (),
    settings: CoverageSettings = DEFAULT_COVERAGE,
) -> tuple[Discrepancy, ...]:
    """Every kind of discrepancy, in the order fact, attribution, spelling, number, date.
    Each has at least two claims, from different sources, every claim naming its sources."""
    docs = list(documents)
    if len(docs) < 2:
        return ()
    parses = _parsed(docs)
    found = [
        *find_event_discrepancies(docs, parses),
        *find_negation_discrepancies(docs, parses, settings),
        *find_attribution_discrepancies(docs, quotes),
        *find_spelling_discrepancies(docs, entities),
        *find_number_discrepancies(docs, parses, settings),
        *find_date_discrepancies(docs, parses, settings),
    ]
    out = []
    seen: set[tuple[str | None, str]] = set()
    for d in found:
        sources = {s for c in d.claims for s in c.sources}
        if len(d.claims) < 2 or len(sources) < 2 or (d.kind, d.topic) in seen:
            continue
        seen.add((d.kind, d.topic))
        out.append(d)
    return tuple(out)


def build_coverage(
    documents: Sequence[Document],
    entities: Sequence[Entity] = (),
    quotes: Sequence[Quote] = (),
    support: Support | None = None,
    settings: CoverageSettings = DEFAULT_COVERAGE,
    copies: Mapping[str, str] | None = None,
) -> Coverage:
    """The brief's coverage section: shared passages, unique facts, discrepancies.
    ``copies`` (copy id -> original id) keeps a copy from counting as a second origin. A
    passage nearly word for word in two sources that one of the discrepancies sets against
    each other ("closed on March 11" / "on March 10") is no shared passage: shown, it told the
    reader both sources say the first one's words."""
    discrepancies = find_discrepancies(documents, entities, quotes, settings)
    passages = tuple(
        p for p in find_shared_passages(documents, settings)
        if not any(opposed(a, b, discrepancies)
                   for a in p.spans for b in p.spans if a.source != b.source))
    return Coverage(
        shared_passages=passages,
        unique=find_unique(documents, support, settings, copies),
        discrepancies=discrepancies,
    )
