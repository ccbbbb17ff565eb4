"""Extractive multi-document summary with citations.

Selection is budgeted greedy maximisation of concept coverage (Gillick & Favre's ICSI idea:
lemma bigrams weighted by how many documents carry them, so what many sources say wins), with
embedding centrality, lead position and an optional query as tie-breaking evidence, and MMR-style
redundancy removal. Every chosen sentence cites every source that carries the same information
(embedding paraphrase or strong content overlap), not just the one it was taken from."""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from newsweave.boilerplate import (
    caption_spans,
    is_known_boilerplate,
    is_page_pointer,
    leading_furniture,
    link_label_spans,
    name_boxes,
    trim_dateline,
    wire_mark_end,
    without,
)
from newsweave.coverage import NUMBER_WORDS
from newsweave.language import main_language, reliable_language
from newsweave.models import Document, Origin, Sentence, SummarySentence
from newsweave.quote_marks import quotes_balanced
from newsweave.settings import (
    DEFAULT_CITATIONS,
    DEFAULT_SUMMARY,
    CitationSettings,
    SummarySettings,
)
from newsweave.timeline import DAY_BESIDE_MONTH

#: discourse openers that need the sentence before them
_DANGLING_OPENERS = frozenset(
    "but and or so yet however still also moreover furthermore besides instead meanwhile "
    "nevertheless nonetheless then thus therefore hence otherwise likewise similarly".split()
)
#: pronouns whose antecedent is lost when the sentence is lifted out of its article
_DANGLING_PRONOUNS = frozenset(
    "he she they it his her their its him them this these those that such there".split()
)


#: a sentence is a copy of another when their concepts overlap this much (Jaccard); only pairs
#: with embeddings at least this close are compared (a copy is always that close)
COPY_JACCARD = 0.6
COPY_COSINE = 0.85

#: "It has emerged that ...", "It was reported that ...": an empty "it" needs no antecedent
_EXPLETIVE_IT = re.compile(
    r"^\s*It\s+(?:has|had|is|was)\s+(?:been\s+|now\s+|also\s+)?(?:emerged|reported|revealed|"
    r"learned|learnt|understood|believed|alleged|claimed|confirmed|announced)\s+that\b"
)


@dataclass(frozen=True)
class Candidate:
    doc: int
    sent: int
    start: int  # article offsets of the text we would print (dateline trimmed)
    end: int
    text: str
    words: int
    concepts: frozenset[str]
    content: frozenset[str]
    #: a compressed form of the sentence (parts deleted, see ``newsweave.compress``); ``start``
    #: and ``end`` still span the whole sentence it was cut from
    compressed: bool = False
    #: share of the whole sentence's words a compressed form keeps (1 for a whole sentence)
    kept: float = 1.0
    #: on a picture's caption line or a line linking to another article
    #: (``boilerplate.caption_spans``, ``link_label_spans``): counted, never lifted
    page_line: bool = False


#: ", he said" inside or at the end of a sentence: its speaker is a pronoun
_PRONOUN_SAID = re.compile(
    r"[,;]\s*(?:he|she|they)\s+(?:said|says|added|adds|told|noted|explained|argued|insisted|"
    r"wrote|continued)\b"
)
#: a word written with a capital after the first: a name the pronoun may stand for
_LATER_CAPITAL = re.compile(r"(?<=\s)[“\"'`(]*[A-Z]")


def is_dangling(text: str) -> bool:
    """True when the sentence leans on context it would lose in a summary: an opener such as
    "But", a pronoun first, or a statement whose speaker is a "he" with no name before it
    ("... each year, he said."). (A sentence that is one quotation, with no speaker, is kept:
    leaving it out cost Multi-News 0.12 ROUGE-2, docs/summary-tuning.md, stop 52.)"""
    words = re.findall(r"[A-Za-z']+", text[:60])
    if not words:
        return True
    first = words[0].lower()
    if first in _DANGLING_OPENERS:
        return True
    if first in _DANGLING_PRONOUNS:
        return not _EXPLETIVE_IT.match(text)
    if re.match(r"^[\"“”']?\s*(he|she|they)\s+(said|says|added|told)\b", text, re.I):
        return True
    said = _PRONOUN_SAID.search(text)
    return bool(said) and not _LATER_CAPITAL.search(text, 0, said.start())


def _looks_like_sentence(text: str) -> bool:
    # a sentence cut out of a longer quotation (an opening mark with no close, or the
    # reverse) misleads when lifted on its own; the news archives' ``quote'' counts too
    if not quotes_balanced(text):
        return False
    stripped = text.rstrip("\"'”’) ")
    if not stripped or stripped[-1] not in ".!?":
        return False
    if stripped.endswith("..."):  # cut short (a teaser, a trailing-off quote): not whole
        return False
    if text.endswith("?") or text.rstrip("\"”").endswith("?"):
        return False
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) < 0.5


def _lemmas(doc, start: int, end: int,
            skip: Sequence[tuple[int, int]] = ()) -> list[tuple[str, bool]]:
    """(lemma, is_content) for tokens of a char span of a spaCy doc, leaving out the tokens
    that start inside ``skip`` (article offsets: page boxes cut from the sentence)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return []
    return [_token_lemma(tok) for tok in span if not (tok.is_punct or tok.is_space)
            and not any(a <= tok.idx < b for a, b in skip)]


def _token_lemma(tok) -> tuple[str, bool]:
    lemma = tok.lemma_.lower() if tok.lemma_ else tok.lower_
    return lemma, not tok.is_stop and any(c.isalnum() for c in lemma)


def _concepts(lemmas: list[tuple[str, bool]]) -> frozenset[str]:
    """Lemma bigrams with at least one content word, plus content unigrams (prefixed)."""
    grams = {
        f"{a}_{b}"
        for (a, ca), (b, cb) in zip(lemmas, lemmas[1:], strict=False)
        if ca or cb
    }
    grams.update(f"u:{w}" for w, c in lemmas if c)
    return frozenset(grams)


def sentence_units(documents: Sequence[Document]) -> list[Candidate]:
    """Every sentence of every document as a unit (page furniture glued to its front and a
    leading dateline trimmed, a page box glued inside it cut out), liftable or not; a scrape
    failure's sentence (``boilerplate.is_known_boilerplate``) is no unit at all."""
    out: list[Candidate] = []
    for di, document in enumerate(documents):
        text = document.article.text
        # the analysis parsed the text with these boxes blanked (``nlp.tokenizable``), so no
        # sentence ends inside one; the sentence's text still holds them
        boxes = name_boxes(text)
        box_ends = [b for _a, b in boxes]
        page_lines = caption_spans(text) + link_label_spans(text)
        for sent in document.sentences:
            cut = leading_furniture(sent.text)
            if sent.index < 2 or cut:  # furniture may end a caption before the story's start
                cut += trim_dateline(sent.text[cut:])
            else:  # a teaser glued before a wire dateline further down the page
                cut = wire_mark_end(sent.text)
            start, end = sent.start + cut, sent.end
            body = text[start:end]
            inside = []
            for a, b in boxes[bisect.bisect_right(box_ends, start):]:
                if a >= end:
                    break
                inside.append((max(a, start), min(b, end)))
            if inside:
                body = without(body, [(a - start, b - start) for a, b in inside]).strip()
            if is_known_boilerplate(body):
                continue
            if document.doc is not None:
                lemmas = _lemmas(document.doc, start, end, inside)
            else:
                lemmas = [(w.lower(), len(w) > 3) for w in re.findall(r"\w+", body)]
            out.append(
                Candidate(
                    doc=di, sent=sent.index, start=start, end=end, text=body,
                    words=len(body.split()), concepts=_concepts(lemmas),
                    content=frozenset(w for w, c in lemmas if c),
                    page_line=any(a <= start < b for a, b in page_lines),
                )
            )
    return out


def foreign_documents(documents: Sequence[Document]) -> set[int]:
    """Indexes of the documents in another language than most of the story's (the article's
    recorded language, else the detected one, for a text of at least ``RELIABLE_WORDS``
    words; a shorter one counts as unknown); none when no language has a majority."""
    langs = [reliable_language(d.article.text, d.article.language) for d in documents]
    main = main_language(langs)
    if main is None:
        return set()
    return {i for i, lang in enumerate(langs) if lang is not None and lang != main}


def liftable(unit: Candidate, settings: SummarySettings) -> bool:
    """Fit to be lifted out of its article on its own: a whole, plain, self-contained
    sentence of a sensible length, not a page's furniture."""
    return (
        settings.min_words <= unit.words <= settings.max_words
        and _looks_like_sentence(unit.text)
        and not is_dangling(unit.text)
        and not is_page_pointer(unit.text)
        and not unit.page_line
    )


def candidates(documents: Sequence[Document], settings: SummarySettings) -> list[Candidate]:
    """Every sentence fit to be lifted out of its article on its own."""
    return [u for u in sentence_units(documents) if liftable(u, settings)]


def compressed_units(
    documents: Sequence[Document], units: Sequence[Candidate], settings: SummarySettings
) -> list[Candidate]:
    """The liftable compressed forms of every whole sentence (``newsweave.compress``): a
    sentence too long to lift may become liftable once its asides are cut."""
    from newsweave.compress import compressions

    out: list[Candidate] = []
    for u in units:
        document = documents[u.doc]
        if document.doc is None or u.words < settings.min_words:
            continue
        if u.text != document.article.text[u.start : u.end]:
            continue  # a page box was cut from it: the parse's deletions would not line up
        if is_page_pointer(u.text) or u.page_line:
            continue  # a caption stays one with its date cut off
        span = document.doc.char_span(u.start, u.end, alignment_mode="expand")
        if span is None or span.start_char != u.start:
            continue
        for text, cut in compressions(span):
            kept = [
                (lemma, content)
                for tok in span
                if not any(a <= tok.idx - u.start < b for a, b in cut)
                and not (tok.is_punct or tok.is_space)
                for lemma, content in [_token_lemma(tok)]
            ]
            v = Candidate(
                doc=u.doc, sent=u.sent, start=u.start, end=u.end, text=text,
                words=len(text.split()), concepts=_concepts(kept),
                content=frozenset(w for w, c in kept if c), compressed=True,
                kept=len(text.split()) / u.words,
            )
            if liftable(v, settings):
                out.append(v)
    return out


def concept_weights(
    cands: Sequence[Candidate], n_docs: int, query: str | None,
    settings: SummarySettings = DEFAULT_SUMMARY, origin_of: Sequence[int] | None = None,
    sentence_origin: Sequence[int] | None = None,
    titles: Mapping[int, frozenset[str]] | None = None,
    moment: float = 1.0,
) -> dict[str, float]:
    """Weight of each concept: how many independent documents carry it (``origin_of`` maps a
    document to the one it copies near-verbatim, so syndication does not count twice). A
    concept only one source has carries no cross-source weight (with a single document,
    everything counts). ``sentence_origin`` (per candidate, the document it was copied from)
    does the same for single sentences one outlet lifted from another.

    With ``settings.lead_votes``, each independent document whose lead (its headline, from
    ``titles``, or its first sentence of ``min_words`` or more) carries a concept adds that
    many votes more, times ``moment`` (``lead_vote_scale``: by default 1 for reports of one
    news moment, else 0): an outlet puts what it judges most important first, and reports of
    one news moment lead with the same core."""
    def source(k: int, c: Candidate) -> int:
        doc = sentence_origin[k] if sentence_origin is not None else c.doc
        return origin_of[doc] if origin_of is not None else doc

    docs_of: dict[str, set[int]] = {}
    for k, c in enumerate(cands):
        for g in c.concepts:
            docs_of.setdefault(g, set()).add(source(k, c))
    votes = settings.lead_votes * moment
    leads: dict[str, set[int]] = {}  # concept -> independent documents whose lead carries it
    if votes:
        first: dict[int, int] = {}
        for c in cands:
            if c.words >= settings.min_words:
                first[c.doc] = min(first.get(c.doc, c.sent), c.sent)
        for k, c in enumerate(cands):
            if first.get(c.doc) == c.sent:
                for g in c.concepts:
                    leads.setdefault(g, set()).add(source(k, c))
        for doc, concepts in (titles or {}).items():
            for g in concepts:
                leads.setdefault(g, set()).add(origin_of[doc] if origin_of is not None else doc)
    if origin_of is not None:
        n_docs = len(set(origin_of))
    min_df = 1 if n_docs < 2 else max(2, round(settings.min_df_share * n_docs))
    query_words = {_stem(w) for w in re.findall(r"[A-Za-z]{3,}", query or "")}
    weights: dict[str, float] = {}
    for g, ds in docs_of.items():
        df = len(ds)
        if df < min_df:
            continue
        w = (df + votes * len(leads.get(g, ()))) ** settings.df_power
        if g.startswith("u:"):
            w *= settings.unigram_weight
        if query_words and any(_stem(p) in query_words for p in g.removeprefix("u:").split("_")):
            w *= settings.query_concept_boost
        weights[g] = w
    return weights


def news_moment(documents: Sequence[Document]) -> float:
    """Share of the documents published within a day of the median publication date (an
    undated document counts as within): 1 for reports of one news moment, low for a story
    followed over weeks, whose leads each report that day's development."""
    from datetime import date

    days = []
    for d in documents:
        try:
            days.append(date.fromisoformat((d.article.published or "")[:10]).toordinal())
        except ValueError:
            continue
    if len(days) < 2:
        return 1.0
    median = sorted(days)[len(days) // 2]
    within = sum(abs(x - median) <= 1 for x in days) + len(documents) - len(days)
    return within / len(documents)


def lead_vote_scale(documents: Sequence[Document], mode: str) -> float:
    """What lead votes are multiplied by (``SummarySettings.lead_moment``): "one": 1 for
    reports of one news moment, else 0; "share": ``news_moment``; "always": 1."""
    if mode == "always":
        return 1.0
    share = news_moment(documents)
    if mode == "share":
        return share
    if mode == "one":
        return 1.0 if share >= 1.0 else 0.0
    raise ValueError(f"lead_moment must be one, share or always, not {mode!r}")


def title_concepts(documents: Sequence[Document]) -> dict[int, frozenset[str]]:
    """Concepts of each document's title (an all-capitals headline read in lower case)."""
    from newsweave.nlp import get_nlp

    idx = [i for i, d in enumerate(documents) if (d.article.title or "").strip()]
    texts = [(documents[i].article.title or "").strip() for i in idx]
    texts = [t.lower() if t.isupper() else t for t in texts]
    return {
        i: _concepts([_token_lemma(t) for t in doc if not (t.is_punct or t.is_space)])
        for i, doc in zip(idx, get_nlp().pipe(texts), strict=True)
    }


def _vector(documents: Sequence[Document], c: Candidate) -> np.ndarray | None:
    vecs = documents[c.doc].vectors
    if vecs is None or getattr(vecs, "shape", (0, 0))[1] == 0:
        return None
    return vecs[c.sent]


def select(
    documents: Sequence[Document],
    words: int,
    query: str | None = None,
    query_vector: np.ndarray | None = None,
    settings: SummarySettings = DEFAULT_SUMMARY,
    copy_of: Mapping[str, str] | None = None,
) -> list[Candidate]:
    """Budgeted greedy selection; returns chosen candidates in reading order. ``copy_of``:
    article id -> the article it copies, whose concepts it does not corroborate."""
    units = sentence_units(documents)
    cands = [u for u in units if liftable(u, settings)]
    if settings.compress:
        cands += compressed_units(documents, units, settings)
    if settings.one_language:
        foreign = foreign_documents(documents)
        cands = [c for c in cands if c.doc not in foreign]
    if not cands:
        return []
    origin_of = None
    if copy_of:
        index = {d.article.id: i for i, d in enumerate(documents)}
        origin_of = [index.get(copy_of.get(d.article.id, d.article.id), i)
                     for i, d in enumerate(documents)]
    vecs = [_vector(documents, c) for c in cands]
    have_vecs = all(v is not None for v in vecs)
    mat = np.stack(vecs) if have_vecs else None
    # what the sources say: every sentence, or only the liftable ones
    basis, basis_mat = cands, mat
    if settings.df_all_sentences:
        basis = units
        basis_mat = _unit_matrix(documents, units) if mat is not None else None
    lifted = None
    if settings.copied_sentences_once:
        lifted = copied_sentences(basis, basis_mat)
    elif settings.copied_across_outlets_once:
        lifted = copied_sentences(basis, basis_mat, [d.article.outlet for d in documents])
    moment = lead_vote_scale(documents, settings.lead_moment)
    titles = title_concepts(documents) if settings.lead_votes * moment else None
    weights = concept_weights(
        basis, len(documents), query, settings, origin_of, lifted, titles, moment)
    if mat is not None:
        centroid = mat.mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
        centrality = mat @ centroid
        qsim = mat @ query_vector if query_vector is not None else np.zeros(len(cands))
    else:
        centrality = np.zeros(len(cands))
        qsim = np.zeros(len(cands))
    total_w = sum(weights.values()) or 1.0
    # scale extras to a typical sentence's coverage (whole sentences: compressed forms are
    # extra choices, not extra sentences)
    norm = total_w / max(sum(not c.compressed for c in cands), 1) * 4
    cover = _coverage_matrix(documents, mat, origin_of, settings)
    if cover is not None:
        sims, target_w = cover
        # covering every target sentence fully is worth coverage_weight x all concepts
        fl_scale = settings.coverage_weight * total_w / max(float(target_w.sum()), 1e-9)
        reached = np.zeros(sims.shape[1], dtype=sims.dtype)
    heads = _title_matrix(documents, mat, origin_of, settings)
    if heads is not None:
        # covering every headline fully is worth title_weight x all concepts
        head_scale = settings.title_weight * total_w / heads.shape[1]
        heads_reached = np.zeros(heads.shape[1], dtype=heads.dtype)
    # a compressed form shares its sentence's embedding; credit it with only the share of
    # the sentence it keeps, or every cut would look free
    share = np.array([c.kept ** settings.kept_power for c in cands])
    static = [
        share[i] * norm * (
            settings.centrality_weight * float(centrality[i])
            + settings.position_weight / math.sqrt(1 + c.sent)
        )
        for i, c in enumerate(cands)
    ]
    relevance = np.zeros(len(cands))
    if query_vector is not None:
        relevance += 0.5 * _relevance(qsim)
    if query:
        relevance += 0.5 * _relevance(_lexical_relevance(query, cands))
    boost = 1.0 + settings.query_weight * relevance
    covered: set[str] = set()
    chosen: list[int] = []
    used = 0

    def gain_of(i: int) -> float:
        c = cands[i]
        gain = sum(weights.get(g, 0.0) for g in c.concepts if g not in covered)
        if cover is not None:  # facility location: what it adds over the sentences reached
            gain += float(np.maximum(sims[i] - reached, 0.0) @ target_w) * fl_scale * share[i]
        if heads is not None:
            gain += float(np.maximum(heads[i] - heads_reached, 0.0).sum()) * head_scale * share[i]
        return boost[i] * (gain + static[i]) / (c.words ** settings.cost_exponent)

    # Lazy greedy: concept weights are non-negative and the coverage term is submodular, so a
    # candidate's gain only falls as concepts and sentences get covered, and a gain computed
    # earlier bounds it from above. Each round takes
    # the candidate with the highest gain (lowest index on a tie) exactly as a full rescan
    # would, but rescans only the few whose bound could still win: a long article of repeated
    # sentences (thousands of redundant candidates) no longer costs a rescan per rejection.
    heap = [(-gain_of(i), i) for i in range(len(cands))]
    heapq.heapify(heap)
    while heap:
        _, best = heapq.heappop(heap)
        if used + cands[best].words > words:
            continue  # over the budget now, and the budget only shrinks
        fresh = (-gain_of(best), best)
        if heap and fresh > heap[0]:
            heapq.heappush(heap, fresh)
            continue
        if _redundant(cands, mat, chosen, best, settings):
            continue
        chosen.append(best)
        used += cands[best].words
        covered |= cands[best].concepts
        if cover is not None:
            reached = np.maximum(reached, sims[best])
        if heads is not None:
            heads_reached = np.maximum(heads_reached, heads[best])
    picked = [cands[i] for i in chosen]
    return order(documents, picked)


def _unit_matrix(documents: Sequence[Document], units: Sequence[Candidate]) -> np.ndarray:
    return np.stack([documents[u.doc].vectors[u.sent] for u in units])


def copied_sentences(
    cands: Sequence[Candidate], mat: np.ndarray | None,
    outlets: Sequence[str | None] | None = None,
) -> list[int]:
    """Per candidate, the document it was lifted from: its own, unless a sentence of an earlier
    document says it near-verbatim (shared concepts, Jaccard >= COPY_JACCARD). With
    ``outlets`` (per document; None when unknown), only a copy from another known outlet
    counts: an outlet repeating its own sentence in an update is left as its own, and so is a
    page whose outlet is unknown (Multi-News: the cross-validated grid keeps such copies on
    every dev set, ``docs/summary-tuning.md``, fifteenth pass).

    Why: one outlet copying another's sentence is not a second source for its details (the
    same reason syndicated articles do not corroborate), and otherwise every bigram of a copied
    sentence looks like something all sources report, so it wins the budget on volume.

    Candidates in document order (as ``sentence_units`` gives them) with vectors take
    ``_copied_in_order``, which gives the same answer without a pass over every close pair: a
    wire story in 1,000 outlets has half a million pairs per sentence."""
    docs = [c.doc for c in cands]
    if mat is not None and all(a <= b for a, b in zip(docs, docs[1:], strict=False)):
        return _copied_in_order(cands, mat, outlets)
    return _copied_pairwise(cands, mat, outlets)


def _copy_allowed(
    a: Candidate, b: Candidate, outlets: Sequence[str | None] | None
) -> bool:
    if a.doc == b.doc or not a.concepts or not b.concepts:
        return False
    return outlets is None or (
        outlets[a.doc] is not None and outlets[b.doc] is not None
        and outlets[a.doc] != outlets[b.doc]
    )


def _near_verbatim(a: Candidate, b: Candidate) -> bool:
    return len(a.concepts & b.concepts) / len(a.concepts | b.concepts) >= COPY_JACCARD


def _copied_pairwise(
    cands: Sequence[Candidate], mat: np.ndarray | None,
    outlets: Sequence[str | None] | None,
) -> list[int]:
    """``copied_sentences`` by every close pair in row order, the later document's sentence
    taking the earlier one's origin."""
    origin = [c.doc for c in cands]
    if mat is not None:
        close = mat @ mat.T >= COPY_COSINE
        pairs = zip(*np.nonzero(np.triu(close, 1)), strict=True)
    else:
        pairs = ((i, j) for i in range(len(cands)) for j in range(i + 1, len(cands)))
    for i, j in pairs:
        a, b = cands[i], cands[j]
        if _copy_allowed(a, b, outlets) and _near_verbatim(a, b):
            first, later = (i, j) if a.doc < b.doc else (j, i)
            origin[later] = origin[first]
    return origin


#: rows of cosines computed at once: memory for this many times the candidates, not their square
_COPY_BLOCK = 256


def _copied_in_order(
    cands: Sequence[Candidate], mat: np.ndarray, outlets: Sequence[str | None] | None
) -> list[int]:
    """``_copied_pairwise`` for candidates in document order. There the later of a pair is
    always the higher index, and pairs go row by row, so a candidate ends with the origin of
    the last earlier candidate it copies, which was final by then: that one is found by
    walking back from it, and the walk stops there."""
    n = len(cands)
    doc = np.fromiter((c.doc for c in cands), dtype=np.int64, count=n)
    usable = np.fromiter((bool(c.concepts) for c in cands), dtype=bool, count=n)
    code = np.zeros(n, dtype=np.int64)
    if outlets is not None:
        names: dict[str, int] = {}
        code = np.array([-1 if outlets[d] is None else names.setdefault(outlets[d], len(names))
                         for d in doc.tolist()], dtype=np.int64)
        usable &= code >= 0
    origin = [c.doc for c in cands]
    for lo in range(0, n, _COPY_BLOCK):
        hi = min(lo + _COPY_BLOCK, n)
        close = mat[lo:hi] @ mat[:hi].T >= COPY_COSINE
        for j in range(lo, hi):
            if not usable[j]:
                continue
            near = np.flatnonzero(close[j - lo, :j])
            near = near[usable[near] & (doc[near] != doc[j])]
            if outlets is not None:
                near = near[code[near] != code[j]]
            for i in near[::-1].tolist():
                if _near_verbatim(cands[i], cands[j]):
                    origin[j] = origin[i]
                    break
    return origin


def _coverage_matrix(
    documents: Sequence[Document], mat: np.ndarray | None, origin_of: Sequence[int] | None,
    settings: SummarySettings,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Clipped cosine of every candidate (rows) to every sentence of every independent
    document (columns), with each column's weight.

    Why: a facility-location coverage term (Lin & Bilmes 2011) rewards a sentence by how much
    of the whole story it stands for, so a fact that every outlet reports in its own words
    (no shared bigrams) still wins, and once one sentence says it a paraphrase gains little.
    Syndicated copies add no targets (they would count one report twice)."""
    if mat is None or settings.coverage_weight <= 0:
        return None
    keep = range(len(documents)) if origin_of is None else sorted(set(origin_of))
    blocks = [documents[i].vectors for i in keep if len(documents[i].sentences)]
    if not blocks:
        return None
    targets = np.concatenate(blocks, axis=0)
    weights = np.ones(len(targets), dtype=targets.dtype)
    return np.clip(mat @ targets.T, 0.0, None), weights


def _title_matrix(
    documents: Sequence[Document], mat: np.ndarray | None, origin_of: Sequence[int] | None,
    settings: SummarySettings,
) -> np.ndarray | None:
    """Clipped cosine of every candidate (rows) to every claim (clause) of every independent
    document's title.

    Why: a headline is its outlet's own judgement of what matters most, so covering each
    outlet's headline claims is a coverage target of its own (facility location over them); as
    one target among hundreds of sentences a title would weigh nothing. A headline is split
    into its clauses because one sentence matching half of it ("Democrats seek resignation")
    must not count as covering the other half ("Trump stands by Sessions")."""
    if mat is None or settings.title_weight <= 0:
        return None
    keep = range(len(documents)) if origin_of is None else sorted(set(origin_of))
    titles = [t for i in keep if (t := (documents[i].article.title or "").strip())]
    if not titles:
        return None
    from newsweave.compress import headline_clauses
    from newsweave.embed import get_embedder
    from newsweave.nlp import get_nlp

    claims = [c for doc in get_nlp().pipe(titles) for c in headline_clauses(doc)]
    if not claims:
        return None
    tvecs = get_embedder().embed(claims).astype(mat.dtype)
    return np.clip(mat @ tvecs.T, 0.0, None)


def _redundant(
    cands: Sequence[Candidate], mat: np.ndarray | None, chosen: list[int], i: int,
    settings: SummarySettings,
) -> bool:
    """Says again what a chosen sentence says: a close paraphrase, or a related sentence
    sharing most of its content words; or another form of a chosen sentence."""
    for j in chosen:
        if (cands[j].doc, cands[j].sent) == (cands[i].doc, cands[i].sent):
            return True
        overlap = _overlap(cands[i].content, cands[j].content)
        if mat is None:
            if overlap > 0.7:
                return True
            continue
        cos = float(mat[j] @ mat[i])
        if cos >= settings.redundancy_cosine or (
            cos >= settings.redundancy_related_cosine and overlap >= settings.redundancy_overlap
        ):
            return True
    return False


def _stem(word: str) -> str:
    """Crude plural/verb-s folding, enough to match query words against lemmas."""
    word = word.lower()
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def _lexical_relevance(query: str, cands: Sequence[Candidate]) -> np.ndarray:
    """Share of the query's content words a sentence contains."""
    from spacy.lang.en.stop_words import STOP_WORDS

    terms = {_stem(w) for w in re.findall(r"[A-Za-z][A-Za-z\-]{2,}", query)
             if w.lower() not in STOP_WORDS}
    if not terms:
        return np.zeros(len(cands))
    return np.array([len(terms & {_stem(w) for w in c.content}) / len(terms) for c in cands])


def _relevance(qsim: np.ndarray) -> np.ndarray:
    """Query similarity rescaled to [0, 1] within the cluster (0 at or below the mean), so the
    query reorders sentences of this cluster whatever the absolute cosine level."""
    if not len(qsim):
        return qsim
    lo, hi = float(qsim.mean()), float(qsim.max())
    return np.clip((qsim - lo) / max(hi - lo, 1e-6), 0.0, 1.0)


def order(documents: Sequence[Document], picked: Sequence[Candidate]) -> list[Candidate]:
    """Reading order: by the article's publication date, then position in the article."""
    def key(c: Candidate) -> tuple:
        published = documents[c.doc].article.published or "9999"
        return (published, c.sent / max(len(documents[c.doc].sentences), 1), c.doc, c.sent)

    return sorted(picked, key=key)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def supporting_evidence(
    documents: Sequence[Document],
    chosen: Candidate,
    settings: CitationSettings = DEFAULT_CITATIONS,
) -> list[Origin]:
    """The sentence in every source that carries the chosen sentence's information, own first."""
    own = documents[chosen.doc]
    evidence = [Origin(source=own.article.id, start=chosen.start, end=chosen.end)]
    seen = {own.article.id}
    vec = _vector(documents, chosen)
    for di, document in enumerate(documents):
        if di == chosen.doc or document.article.id in seen:
            continue
        sent = _carrier(document, chosen, vec, settings)
        if sent is not None:
            evidence.append(Origin(source=document.article.id, start=sent.start, end=sent.end))
            seen.add(document.article.id)
    return evidence


def _carrier(document: Document, chosen: Candidate, vec, settings: CitationSettings):
    """The sentence that paraphrases the chosen one (high cosine), or a related sentence
    sharing most of its content words; None when the document does not carry it."""
    if not document.sentences:
        return None
    figures, spelled = _figures(chosen.text), _figures(chosen.text, words=True)
    counted = _counted(chosen.text)

    def other_figures(sent: Sentence) -> bool:  # "killed 62" carries no "killed 35"
        # figures in digits that differ, unless their words agree ("Twelve ... and 30" carries
        # "12 ... and thirty"); words alone set nothing apart ("two weeks" is no count)
        text = document.article.text[sent.start:sent.end]
        return (_disjoint(figures, _figures(text))
                and _disjoint(spelled, _figures(text, words=True))) or _recounted(
            counted, _counted(text))

    sims = None
    if vec is not None and document.vectors is not None and document.vectors.shape[1]:
        sims = document.vectors @ vec
        best = int(np.argmax(sims))
        if float(sims[best]) >= settings.cosine and not other_figures(document.sentences[best]):
            return document.sentences[best]
    # without embeddings only the lexical test is left, so ask more of it
    need = settings.support_overlap if sims is not None else settings.lexical_only_overlap
    best_sent, best_overlap = None, need
    for sent in document.sentences:
        if sims is not None and float(sims[sent.index]) < settings.support_cosine:
            continue
        overlap = _overlap(chosen.content, _content_words(document, sent.start, sent.end))
        if overlap >= best_overlap and not other_figures(sent):
            best_sent, best_overlap = sent, overlap
    return best_sent


_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")


#: counts written as words that are figures ("Twelve people were killed"; "one" is as often
#: no count: "one of the", "no one")
_WORD_FIGURE = re.compile(r"(?<![\w-])(" + "|".join(sorted(set(NUMBER_WORDS) - {"one", "zero"},
                                                         key=len, reverse=True))
                          + r")(?![\w-])", re.IGNORECASE)  # "twenty-five" is no 20


def _figures(text: str, words: bool = False) -> frozenset[str]:
    """The counts and amounts a sentence states ("1,200" and "1200" alike; with ``words``,
    "twelve" as 12 too), without its dates (a year, a day beside its month), which two
    reports of one fact often give differently or not at all."""
    undated = DAY_BESIDE_MONTH.sub(" ", text)
    values = [_figure_value(m.group()) for m in _FIGURE.finditer(undated)]
    if words:
        values += [str(NUMBER_WORDS[m.group().lower()]) for m in _WORD_FIGURE.finditer(undated)]
    return frozenset(v for v in values if v is not None)


def _figure_value(written: str) -> str | None:
    """A figure as compared ("1,200" and "1200" alike, "007" as "7"); None for a year."""
    value = written.replace(",", "")
    if value.isdigit():
        if len(value) == 4 and 1800 <= int(value) <= 2100:
            return None
        value = str(int(value))
    return value


#: a figure and the word after it ("12 people", "30 homes", "3 more bodies", "four people")
_COUNTED = re.compile(r"(?<![\w.,$£€])(\d+(?:[.,]\d+)*|"
                      + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
                      + r")\s+(?:(?:more|other|extra|additional)\s+)?([a-z]{3,})\b",
                      re.IGNORECASE)


def _counted(text: str) -> dict[str, frozenset[str]]:
    """What a sentence counts, by the counted word ("killed 12 people and injured 30 on
    Monday" -> people: 12; "30 on" counts nothing; "killing four people" -> people: 4);
    dates and a year are no counts."""
    from spacy.lang.en.stop_words import STOP_WORDS

    out: dict[str, set[str]] = {}
    for m in _COUNTED.finditer(DAY_BESIDE_MONTH.sub(" ", text)):
        written, word = m.group(1), m.group(2)
        if not word.islower():
            continue  # "One Direction", "Seven Seas": a name, not a count
        value = _figure_value(str(NUMBER_WORDS[written.lower()])
                              if written.lower() in NUMBER_WORDS else written)
        if value is None or word in STOP_WORDS:
            continue
        out.setdefault(word[:-1] if word.endswith("s") and len(word) > 3 else word,
                       set()).add(value)
    return {k: frozenset(v) for k, v in out.items()}


def _recounted(a: dict[str, frozenset[str]], b: dict[str, frozenset[str]]) -> bool:
    """The two sentences count one thing differently ("killed 15 people and injured 30" and
    "killed 12 people and injured 30" share the 30, yet disagree on the dead)."""
    return any(not (a[word] & b[word]) for word in a.keys() & b.keys())


def _disjoint(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both state numbers and share none: the other sentence reports different figures, so it
    does not carry this one's (a death toll of 62 is no source for one of 35)."""
    return bool(a) and bool(b) and not (a & b)


def _content_words(document: Document, start: int, end: int) -> frozenset[str]:
    if document.doc is not None:
        return frozenset(w for w, c in _lemmas(document.doc, start, end) if c)
    return frozenset(w.lower() for w in re.findall(r"\w{4,}", document.article.text[start:end]))


def summarize(
    documents: Sequence[Document],
    words: int = DEFAULT_SUMMARY.words,
    query: str | None = None,
    query_vector: np.ndarray | None = None,
    settings: SummarySettings = DEFAULT_SUMMARY,
    citation_settings: CitationSettings = DEFAULT_CITATIONS,
    copy_of: Mapping[str, str] | None = None,
) -> list[SummarySentence]:
    """The cited summary: each sentence with its origin span and every supporting source."""
    picked = select(documents, words, query, query_vector, settings, copy_of)
    out = []
    for c in picked:
        evidence = supporting_evidence(documents, c, citation_settings)
        out.append(
            SummarySentence(
                text=c.text,
                citations=tuple(e.source for e in evidence),
                origin=evidence[0],
                evidence=tuple(evidence),
            )
        )
    return out
