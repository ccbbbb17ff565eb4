"""Quote attribution on PolNeAR (``../shared/data/quotes/``): newsweave vs textacy.

Metrics follow ``../shared/data/quotes/README.md``:

- quote pieces: the quotation-mark-delimited pieces inside gold direct contents against
  predicted direct quotes; *exact* when equal after stripping surrounding whitespace, quote
  marks and punctuation, *overlap* when the overlap is at least 50% of the longer span;
  one-to-one matching;
- all attributions: every gold attribution (direct or not) against predicted attributions
  by 50% overlap, one-to-one. A predicted attribution is the union of the records that share
  one cue and speaker mention (the two pieces of a split quote, or a reported clause with a
  partial quote inside, are one attribution, as in the gold annotation); the same rule
  groups textacy's triples;
- exact spans as CofeNet (COLING 2022) reports PolNeAR: content (each part of each
  attribution, counted as a multiset), source and cue (each distinct span of an article
  once); a predicted span counts when its offsets equal a gold span's after trimming
  whitespace, quote marks and edge punctuation at both ends;
- speaker accuracy over matched gold attributions with a source, on named sources (names and
  descriptions) and on pronoun sources separately. A gold pronoun counts as correct when the
  prediction names the nearest preceding gold source that is not a pronoun (strict) or any
  non-pronoun source the annotators attribute in that article (lenient): the converted data
  carries no coreference chains. *Fitting* (``Tally.pron_fit_ok``, reported by
  ``quotes_cv.py`` and ``pronoun_cv.py``) takes the nearest preceding gold source that can be
  a person of the pronoun's gender (``fits_pronoun``), nearer the README's chain definition.

Run: ``.venv/bin/python benchmarks/quotes.py [--split dev|train] [--limit N]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import DATA, write_section  # noqa: E402

QUOTE_DIR = DATA / "quotes"
MARKS = '"“”'
STRIP = " \t\r\n\u00a0" + MARKS + "'‘’.,;:!?—–-()[]…"
#: gold sources that refer back rather than name: personal and relative pronouns ("who"
#: heads a relative clause whose antecedent is the source).
PRONOUNS = frozenset(
    "he she they i we it him her them you his hers their its who whom which".split()
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Gold:
    attributions: list[dict]
    pieces: list[Span]


# --------------------------------------------------------------------------- gold
def gold_pieces(text: str, quote: dict) -> list[Span]:
    """Quotation-mark-delimited pieces inside one gold direct content. Parts separated only
    by white space are one stretch (the conversion splits some contents at sentences)."""
    stretches: list[list[int]] = []
    for start, end in sorted(quote["parts"]):
        if stretches and not text[stretches[-1][1] : start].strip():
            stretches[-1][1] = max(stretches[-1][1], end)
        else:
            stretches.append([start, end])
    out: list[Span] = []
    for start, end in stretches:
        open_at = None
        for i in range(start, end):
            ch = text[i]
            if ch not in MARKS:
                continue
            if open_at is None:
                if ch == "”":
                    if i > start and not any(s.start >= start for s in out):
                        out.append(_span(text, start, i, quote["speaker"]))
                    continue
                open_at = i
            elif ch == "“":
                out.append(_span(text, open_at + 1, i, quote["speaker"]))
                open_at = i
            else:
                out.append(_span(text, open_at + 1, i, quote["speaker"]))
                open_at = None
        if open_at is not None:
            out.append(_span(text, open_at + 1, end, quote["speaker"]))
    return [s for s in out if norm(s.text)]


def _span(text: str, start: int, end: int, speaker: str | None = None) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end], speaker)


def gold_of(doc: dict) -> Gold:
    text = doc["text"]
    seen: dict[tuple[int, int], Span] = {}
    for q in doc["quotes"]:
        if q["direct"]:
            for piece in gold_pieces(text, q):
                seen.setdefault((piece.start, piece.end), piece)
    return Gold(attributions=doc["quotes"], pieces=sorted(seen.values(), key=lambda s: s.start))


# --------------------------------------------------------------------------- matching
def norm(text: str) -> str:
    return text.strip(STRIP)


def overlap_ratio(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    longer = max(a[1] - a[0], b[1] - b[0])
    return inter / longer if inter > 0 and longer > 0 else 0.0


def match(
    gold: Sequence[tuple[int, int]],
    pred: Sequence[tuple[int, int]],
    ok: Callable[[int, int], bool],
) -> list[tuple[int, int]]:
    """One-to-one greedy matching by decreasing overlap among pairs that ``ok`` accepts."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            r = overlap_ratio(g, p)
            if r > 0 and ok(gi, pi):
                pairs.append((r, gi, pi))
    pairs.sort(reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for _r, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gi, pi))
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# --------------------------------------------------------------------------- speakers
_TITLES = frozenset(
    "mr mrs ms dr sen rep gov president senator former the a an us u.s. secretary".split()
)


def _words(name: str) -> list[str]:
    name = re.split(r",| who | which ", name)[0]
    name = re.sub(r"['’]s?\b", "", name.lower())
    return [w.strip(".") for w in re.findall(r"[\w.\-]+", name) if w.strip(".")]


def same_source(pred: str | None, gold: str | None) -> bool:
    """Same person or description: equal after normalising, or one's head word (the surname
    or the described noun) appears in the other."""
    if not pred or not gold:
        return False
    p, g = _words(pred), _words(gold)
    if not p or not g:
        return False
    if p == g:
        return True
    p_core = [w for w in p if w not in _TITLES] or p
    g_core = [w for w in g if w not in _TITLES] or g
    return p_core[-1] in g_core or g_core[-1] in p_core


def is_pronoun(name: str | None) -> bool:
    return bool(name) and name.strip().lower() in PRONOUNS


#: head nouns that give a described source's gender ("a spokeswoman"), for ``fits_pronoun``
_FEMALE_HEADS = frozenset(
    """woman spokeswoman chairwoman congresswoman businesswoman councilwoman assemblywoman
    anchorwoman policewoman mother wife daughter sister actress girl grandmother queen lady
    widow aunt niece""".split()
)
_MALE_HEADS = frozenset(
    """man spokesman chairman congressman businessman councilman assemblyman anchorman
    policeman father husband son brother actor boy grandfather king widower uncle
    nephew""".split()
)
#: singular head nouns ending in "s"
_SINGULAR_S = frozenset("boss press business witness campus status".split())


def fits_pronoun(pronoun: str, source: str) -> bool:
    """Whether a gold source can be what a "he"/"she" stands for: one person of a gender
    that does not contradict the pronoun, never a document, a group or coordinated names.
    The data README scores a pronoun against "the nearest preceding full name of a fitting
    person in the gold annotation's chain"; the converted data has no chains, so the strict
    measure takes the nearest source even when it is "multiple reports" or a man for "she".
    Gender comes from a title, the system's list of first names (``newsweave.quotes``) or a
    gendered head noun; unknown fits. The source is read up to its first comma or relative
    clause (an apposition describes; the head names). Other pronouns take any source."""
    from newsweave import quotes as nq

    want = {"he": "m", "she": "f"}.get(pronoun.strip().lower())
    if want is None:
        return True
    core = re.split(r",|\s+(?:who|whose|which)\s+", source.strip())[0].strip() or source
    if nq.is_agent(core) is False or re.search(r"\b(?:and|along with)\b|&", core):
        return False
    words = nq._bare(core)
    head = nq._head_word(core)
    named = bool(words) and nq._looks_like_name(" ".join(words))
    if not named and head.endswith("s") and head not in _SINGULAR_S:
        return False  # a plural description: "aides", "the authorities"
    gender = None
    if named:
        title = words[0].lower()
        titled = title if title in nq._MALE_TITLES | nq._FEMALE_TITLES else None
        gender = nq._gender_of_name(" ".join(words[1:] if titled else words) or title, titled)
    if gender is None:
        gender = "f" if head in _FEMALE_HEADS else "m" if head in _MALE_HEADS else None
    return gender in (None, want)


def fitting_referent(quotes: Sequence[dict], index: int) -> str | None:
    """The nearest preceding non-pronoun gold source that ``fits_pronoun`` the gold pronoun
    of attribution ``index``: the *fitting* pronoun measure's referent."""
    here = quotes[index]["speaker_start"] or quotes[index]["start"]
    pronoun = quotes[index]["speaker"] or ""
    before = sorted(
        (q for q in quotes if q["speaker"] and not is_pronoun(q["speaker"])
         and q["speaker_start"] and q["speaker_start"] < here),
        key=lambda q: -q["speaker_start"],
    )
    return next((q["speaker"] for q in before if fits_pronoun(pronoun, q["speaker"])), None)


def pronoun_referents(quotes: Sequence[dict], index: int) -> tuple[str | None, list[str]]:
    """(nearest preceding non-pronoun gold source, every non-pronoun gold source)."""
    here = quotes[index]["speaker_start"] or quotes[index]["start"]
    named = [
        q for q in quotes if q["speaker"] and not is_pronoun(q["speaker"]) and q["speaker_start"]
    ]
    before = [q for q in named if q["speaker_start"] < here]
    nearest = max(before, key=lambda q: q["speaker_start"])["speaker"] if before else None
    return nearest, [q["speaker"] for q in named]


# --------------------------------------------------------------------------- exact spans
def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of a span less whitespace, quote marks and edge punctuation at both ends."""
    while start < end and text[start] in STRIP:
        start += 1
    while end > start and text[end - 1] in STRIP:
        end -= 1
    return start, end


@dataclass(frozen=True)
class Spans:
    """One article's attributions as exact-F1 units: content parts (a list, so repeats
    count), and the distinct source and cue spans."""

    content: list[tuple[int, int]]
    sources: set[tuple[int, int]]
    cues: set[tuple[int, int]]


def spans_of(
    text: str,
    attributions: Sequence[tuple[Sequence[tuple[int, int]], tuple | None, tuple | None]],
) -> Spans:
    """(content parts, source span or None, cue span or None) per attribution -> ``Spans``;
    empty spans after trimming are dropped."""
    content: list[tuple[int, int]] = []
    sources: set[tuple[int, int]] = set()
    cues: set[tuple[int, int]] = set()
    for parts, source, cue in attributions:
        for a, b in parts:
            t = trim(text, a, b)
            if t[1] > t[0]:
                content.append(t)
        for span, bucket in ((source, sources), (cue, cues)):
            if span is not None and span[0] is not None:
                t = trim(text, *span)
                if t[1] > t[0]:
                    bucket.add(t)
    return Spans(content, sources, cues)


def gold_spans(doc: dict) -> Spans:
    text = doc["text"]
    return spans_of(
        text,
        [
            (
                [tuple(p) for p in q["parts"]],
                (q["speaker_start"], q["speaker_end"]) if q.get("speaker_start") is not None
                else None,
                (q["cue_start"], q["cue_end"]) if q.get("cue_start") is not None else None,
            )
            for q in doc["quotes"]
        ],
    )


@dataclass
class ExactTally:
    """tp / predicted / gold counts of the three exact-span measures."""

    counts: dict[str, list[int]] = field(
        default_factory=lambda: {k: [0, 0, 0] for k in ("content", "source", "cue")}
    )

    def add(self, gold: Spans, pred: Spans) -> None:
        g, p = Counter(gold.content), Counter(pred.content)
        self._add("content", sum((g & p).values()), len(pred.content), len(gold.content))
        self._add("source", len(gold.sources & pred.sources), len(pred.sources),
                  len(gold.sources))
        self._add("cue", len(gold.cues & pred.cues), len(pred.cues), len(gold.cues))

    def _add(self, key: str, tp: int, n_pred: int, n_gold: int) -> None:
        c = self.counts[key]
        c[0] += tp
        c[1] += n_pred
        c[2] += n_gold

    def f1(self, key: str) -> float:
        return prf(*self.counts[key])[2]

    def row(self, name: str) -> str:
        cells = []
        for key in ("content", "source", "cue"):
            p, r, f = prf(*self.counts[key])
            cells.append(f"{p:.3f} / {r:.3f} / **{f:.3f}**")
        return f"| {name} | " + " | ".join(cells) + " |"


EXACT_HEADER = (
    "| system | content P / R / **F1** | source P / R / **F1** | cue P / R / **F1** |\n"
    "|---|---|---|---|"
)
#: published on PolNeAR's test month (token BIO chunks over sentences): a reference, not a
#: same-run measurement
PUBLISHED = (
    "| *CofeNet (COLING 2022), published, test month* | **0.729** | **0.832** | **0.753** |",
    "| *BERT-CRF, published, test month* | **0.710** | **0.822** | **0.749** |",
)


def exact_tally(docs: Sequence[dict], preds: Sequence, keep=None) -> ExactTally:
    tally = ExactTally()
    for n, (doc, pred) in enumerate(zip(docs, preds, strict=True)):
        if keep is None or keep[n]:
            tally.add(gold_spans(doc), spans_of(doc["text"], pred[2]))
    return tally


# --------------------------------------------------------------------------- scoring
@dataclass
class Tally:
    exact_tp: int = 0
    overlap_tp: int = 0
    pieces_pred: int = 0
    pieces_gold: int = 0
    attr_tp: int = 0
    attr_pred: int = 0
    attr_gold: int = 0
    named_ok: int = 0
    named_n: int = 0
    pron_ok: int = 0
    pron_strict_ok: int = 0
    pron_fit_ok: int = 0
    pron_n: int = 0
    piece_spk_ok: int = 0
    piece_spk_n: int = 0

    def row(self, name: str, extra: str = "") -> str:
        ep, er, ef = prf(self.exact_tp, self.pieces_pred, self.pieces_gold)
        op, orr, of = prf(self.overlap_tp, self.pieces_pred, self.pieces_gold)
        ap, ar, af = prf(self.attr_tp, self.attr_pred, self.attr_gold)
        named = self.named_ok / self.named_n if self.named_n else 0.0
        pron = self.pron_ok / self.pron_n if self.pron_n else 0.0
        strict = self.pron_strict_ok / self.pron_n if self.pron_n else 0.0
        piece = self.piece_spk_ok / self.piece_spk_n if self.piece_spk_n else 0.0
        return (
            f"| {name} | {ep:.3f} / {er:.3f} / **{ef:.3f}** | {op:.3f} / {orr:.3f} / {of:.3f} "
            f"| {ap:.3f} / {ar:.3f} / **{af:.3f}** | **{named:.3f}** ({self.named_n}) "
            f"| {pron:.3f} / {strict:.3f} ({self.pron_n}) | {piece:.3f} ({self.piece_spk_n}) "
            f"|{extra}"
        )


def score(doc: dict, pieces: Sequence[Span], attributions: Sequence[Span], tally: Tally) -> None:
    """Add one document's predictions (direct pieces; grouped attributions) to ``tally``."""
    gold = gold_of(doc)
    text = doc["text"]
    del text
    g_sp = [(g.start, g.end) for g in gold.pieces]
    p_sp = [(p.start, p.end) for p in pieces]
    tally.pieces_gold += len(g_sp)
    tally.pieces_pred += len(p_sp)
    exact = match(
        g_sp, p_sp, lambda gi, pi: norm(gold.pieces[gi].text) == norm(pieces[pi].text)
    )
    tally.exact_tp += len(exact)
    overlap = match(g_sp, p_sp, lambda gi, pi: overlap_ratio(g_sp[gi], p_sp[pi]) >= 0.5)
    tally.overlap_tp += len(overlap)
    for gi, pi in overlap:
        if gold.pieces[gi].speaker and not is_pronoun(gold.pieces[gi].speaker):
            tally.piece_spk_n += 1
            tally.piece_spk_ok += same_source(pieces[pi].speaker, gold.pieces[gi].speaker)

    ga = gold.attributions
    ga_sp = [(q["start"], q["end"]) for q in ga]
    pa_sp = [(a.start, a.end) for a in attributions]
    tally.attr_gold += len(ga_sp)
    tally.attr_pred += len(pa_sp)
    matched = match(ga_sp, pa_sp, lambda gi, pi: overlap_ratio(ga_sp[gi], pa_sp[pi]) >= 0.5)
    tally.attr_tp += len(matched)
    for gi, pi in matched:
        gspk = ga[gi]["speaker"]
        pspk = attributions[pi].speaker
        if not gspk:
            continue
        if is_pronoun(gspk):
            tally.pron_n += 1
            nearest, named = pronoun_referents(ga, gi)
            strict = same_source(pspk, nearest) and not is_pronoun(pspk)
            tally.pron_strict_ok += strict
            tally.pron_fit_ok += not is_pronoun(pspk) and same_source(
                pspk, fitting_referent(ga, gi))
            tally.pron_ok += strict or (
                not is_pronoun(pspk) and any(same_source(pspk, n) for n in named)
            )
        else:
            tally.named_n += 1
            tally.named_ok += same_source(pspk, gspk)


def group_attributions(records: Sequence[tuple[int, int, str | None, object]]) -> list[Span]:
    """Records (start, end, speaker, key) sharing a key become one attribution span."""
    groups: dict[object, list[tuple[int, int, str | None]]] = {}
    for start, end, speaker, key in records:
        groups.setdefault(key, []).append((start, end, speaker))
    out = []
    for items in groups.values():
        start = min(i[0] for i in items)
        end = max(i[1] for i in items)
        out.append(Span(start, end, "", items[0][2]))
    return out


# --------------------------------------------------------------------------- systems
def newsweave_predict(
    parsed: Sequence, model: str = "rules", tagger=None
) -> tuple[list[tuple[list, list, list]], float]:
    """Our extractor over already parsed documents (``model``: ``rules``, or ``learned`` for
    ``newsweave quotes --model learned``, with the shipped tagger or ``tagger``); returns
    predictions and seconds spent."""
    from newsweave.quote_model import learned_quotes
    from newsweave.quotes import extract_quotes, learned_refiner

    refine = learned_refiner(model)  # loads the tagger outside the timing
    if tagger is not None:
        def refine(doc, records, text):
            return learned_quotes(doc, records, text, tagger)
    t0 = time.perf_counter()
    results = [refine(doc, extract_quotes(doc), doc.text) for doc in parsed]
    elapsed = time.perf_counter() - t0
    out = []
    for recs in results:
        pieces = [Span(r.start, r.end, r.text, r.speaker) for r in recs if r.direct]
        keyed = [
            (
                r.start,
                r.end,
                r.speaker,
                (r.speaker_start, r.speaker_end, r.cue) if r.speaker_start is not None
                else ("solo", r.start),
            )
            for r in recs
        ]
        out.append((pieces, group_attributions(keyed), newsweave_attributions(recs)))
    return out, elapsed


def tagger_attributions(parsed: Sequence, tagger=None) -> list[tuple[list, list, list]]:
    """Every span the learned tagger (the shipped one, or ``tagger``) tags (no rules records
    kept, no grouping: a source or cue with no content near it counts too), as exact-span
    units."""
    from newsweave.quote_model import get_tagger
    from newsweave.quotes import extract_quotes

    tagger = tagger or get_tagger()
    out = []
    for doc in parsed:
        spans = tagger.spans(doc, extract_quotes(doc))
        attrs: list = [([(p.start, p.end)], None, None) for p in spans if p.kind == "C"]
        attrs += [([], (p.start, p.end), None) for p in spans if p.kind == "S"]
        attrs += [([], None, (p.start, p.end)) for p in spans if p.kind == "Q"]
        out.append(([], [], attrs))
    return out


def newsweave_attributions(records: Sequence) -> list[tuple[list, tuple | None, tuple | None]]:
    """Our records as attributions: the records sharing a cue are one, with their parts."""
    seen: dict[object, tuple[list, tuple | None, tuple | None]] = {}
    for n, r in enumerate(records):
        key = (r.cue_start, r.cue_end, r.speaker_start) if r.cue_start is not None else n
        if key in seen:
            continue
        parts = [tuple(p) for p in r.parts] or [(r.start, r.end)]
        source = (r.speaker_start, r.speaker_end) if r.speaker_start is not None else None
        cue = (r.cue_start, r.cue_end) if r.cue_start is not None else None
        seen[key] = (parts, source, cue)
    return list(seen.values())


def textacy_predict(parsed: Sequence) -> tuple[list[tuple[list, list, list]], float, list[bool]]:
    """textacy's direct_quotations over the same parsed documents. A document it rejects
    (unbalanced quotation marks raise ValueError) predicts nothing; ``ok`` marks the rest."""
    from textacy.extract.triples import direct_quotations

    ok: list[bool] = []
    out = []
    t0 = time.perf_counter()
    for doc in parsed:
        try:
            triples = list(direct_quotations(doc))
            ok.append(True)
        except ValueError:
            ok.append(False)
            triples = []
        pieces, keyed = [], []
        attributions: dict[object, tuple[list, tuple | None, tuple | None]] = {}
        for tri in triples:
            content = tri.content
            inner = _span(doc.text, content.start_char, content.end_char)
            s, e = inner.start, inner.end
            if e > s and doc.text[s] in MARKS:
                s += 1
            if e > s and doc.text[e - 1] in MARKS:
                e -= 1
            speaker = " ".join(t.text for t in tri.speaker)
            piece = _span(doc.text, s, e, speaker)
            pieces.append(piece)
            key = (tuple(t.i for t in tri.speaker), tuple(t.i for t in tri.cue))
            keyed.append((content.start_char, content.end_char, speaker, key))
            entry = attributions.setdefault(
                key, ([], _token_span(tri.speaker), _token_span(tri.cue))
            )
            entry[0].append((content.start_char, content.end_char))
        out.append((pieces, group_attributions(keyed), list(attributions.values())))
    return out, time.perf_counter() - t0, ok


def _token_span(tokens) -> tuple[int, int] | None:
    toks = list(tokens)
    if not toks:
        return None
    return min(t.idx for t in toks), max(t.idx + len(t) for t in toks)


def tally_of(docs: Sequence[dict], preds: Sequence[tuple], keep=None) -> Tally:
    tally = Tally()
    for n, (doc, (pieces, attrs, _spans)) in enumerate(zip(docs, preds, strict=True)):
        if keep is None or keep[n]:
            score(doc, pieces, attrs, tally)
    return tally


def common_speaker_accuracy(docs: Sequence[dict], a: Sequence[tuple], b: Sequence[tuple],
                            pronouns: bool = False) -> tuple[int, float, float]:
    """Speaker accuracy of two systems on the same gold attributions: those with a named
    (non-pronoun) source, or with ``pronouns`` a pronoun source scored leniently, that both
    match by 50% overlap. Returns (n, accuracy a, accuracy b)."""
    n = ok_a = ok_b = 0
    for doc, pa, pb in zip(docs, a, b, strict=True):
        ga = doc["quotes"]
        g_sp = [(q["start"], q["end"]) for q in ga]
        found = []
        for attrs in (pa[1], pb[1]):
            sp = [(x.start, x.end) for x in attrs]
            pairs = match(g_sp, sp, lambda gi, pi, g=g_sp, p=sp: overlap_ratio(g[gi], p[pi]) >= 0.5)
            found.append({gi: attrs[pi].speaker for gi, pi in pairs})
        for gi in found[0].keys() & found[1].keys():
            gold = ga[gi]["speaker"]
            if not gold or is_pronoun(gold) != pronouns:
                continue
            n += 1
            if pronouns:
                named = pronoun_referents(ga, gi)[1]
                ok_a += not is_pronoun(found[0][gi]) and any(
                    same_source(found[0][gi], x) for x in named)
                ok_b += not is_pronoun(found[1][gi]) and any(
                    same_source(found[1][gi], x) for x in named)
            else:
                ok_a += same_source(found[0][gi], gold)
                ok_b += same_source(found[1][gi], gold)
    return n, ok_a / n if n else 0.0, ok_b / n if n else 0.0


def load(split: str, limit: int | None) -> list[dict]:
    path = QUOTE_DIR / f"polnear_{split}.jsonl"
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return docs[:limit] if limit else docs


HEADER = (
    "| system | pieces exact P / R / **F1** | pieces overlap P / R / F1 "
    "| all attributions P / R / **F1** | speaker acc. named (n) "
    "| speaker acc. pronoun lenient / strict (n) | speaker acc. on matched pieces (n) |\n"
    "|---|---|---|---|---|---|---|"
)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "train"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--no-textacy", action="store_true")
    ap.add_argument("--no-learned", action="store_true", help="skip the learned tagger rows")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    ap.add_argument("--compare-tagger", type=Path, action="append", default=[], metavar="DIR",
                    help="also score the quote_tagger.onnx/.json in DIR (another model); "
                    "repeatable")
    args = ap.parse_args(argv)
    docs = load(args.split, args.limit)
    from newsweave.analyze import get_nlp

    nlp = get_nlp()  # loaded once, outside the timings
    t0 = time.perf_counter()
    parsed = list(nlp.pipe((d["text"] for d in docs), batch_size=16))
    parse_s = time.perf_counter() - t0
    ours, ours_s = newsweave_predict(parsed)
    rows = [tally_of(docs, ours).row("newsweave (rules)")]
    exact_rows = [exact_tally(docs, ours).row("newsweave (rules)")]
    notes = []
    if not args.no_learned:
        learned, learned_s = newsweave_predict(parsed, "learned")
        rows.append(tally_of(docs, learned).row("newsweave `--model learned`"))
        exact_rows.append(exact_tally(docs, learned).row("newsweave `--model learned`"))
        exact_rows.append(exact_tally(docs, tagger_attributions(parsed)).row(
            "learned tagger, every tagged span (no grouping, no rules records)"))
        n_common, acc_rules, acc_learned = common_speaker_accuracy(docs, ours, learned)
        n_pron, pron_rules, pron_learned = common_speaker_accuracy(docs, ours, learned, True)
        notes.append(
            f"Speaker accuracy on the gold attributions both newsweave rows match (the "
            f"learned row's own columns also count the attributions only it finds): named "
            f"sources ({n_common}) rules {acc_rules:.3f}, `--model learned` "
            f"{acc_learned:.3f}; pronoun sources, lenient ({n_pron}) rules "
            f"{pron_rules:.3f}, `--model learned` {pron_learned:.3f}."
        )
    for other_dir in [] if args.no_learned else args.compare_tagger:
        from newsweave.quote_model import META_FILE, MODEL_FILE, QuoteTagger

        other = QuoteTagger((other_dir / MODEL_FILE).read_bytes(), json.loads(
            (other_dir / META_FILE).read_text(encoding="utf-8")), encoder_dir=str(other_dir))
        name = f"`--model learned`, other tagger ({other_dir.name})"
        theirs_l, other_s = newsweave_predict(parsed, "learned", other)
        rows.append(tally_of(docs, theirs_l).row(f"newsweave {name}"))
        exact_rows.append(exact_tally(docs, theirs_l).row(f"newsweave {name}"))
        exact_rows.append(exact_tally(docs, tagger_attributions(parsed, other)).row(
            f"{name}, every tagged span"))
        notes.append(f"{name}: rules and tagger {other_s:.1f} s for {len(docs)} docs "
                     f"after the parse.")
    if not args.no_textacy:
        theirs, theirs_s, ok = textacy_predict(parsed)
        exact_rows.append(exact_tally(docs, theirs).row("textacy 0.13.0 direct_quotations"))
        rows.append(tally_of(docs, theirs).row("textacy 0.13.0 direct_quotations"))
        accepted = sum(ok)
        rows.append(
            tally_of(docs, ours, ok).row(f"newsweave, only the {accepted} docs textacy accepts")
        )
        rows.append(
            tally_of(docs, theirs, ok).row(f"textacy, only the {accepted} docs it accepts")
        )
        notes.append(
            f"textacy rejected {len(docs) - accepted} of {len(docs)} documents (unbalanced "
            "quotation marks); in the full rows they count as predicting nothing, the last two "
            "rows score both systems on the documents textacy accepts."
        )
        notes.append(
            f"Extraction time after the shared parse: newsweave {1000 * ours_s / len(docs):.1f} "
            f"ms/doc, textacy {1000 * theirs_s / len(docs):.1f} ms/doc."
        )
    gold_pieces_n = tally_of(docs, ours).pieces_gold
    n_attr = sum(len(d["quotes"]) for d in docs)
    words = sum(len(d["text"].split()) for d in docs)
    total = parse_s + ours_s
    notes.insert(
        0,
        f"PolNeAR {args.split}: {len(docs)} articles, {n_attr} gold attributions, "
        f"{gold_pieces_n} gold quote pieces.",
    )
    notes.append(
        f"newsweave speed, spaCy parse included: {len(docs) / total:.2f} docs/s "
        f"({words / total:.0f} words/s; parse {parse_s:.1f} s, quote extraction {ours_s:.1f} s "
        f"for {len(docs)} docs) on the shared 2-core machine."
    )
    if not args.no_learned:
        total_l = parse_s + learned_s
        notes.append(
            f"newsweave `--model learned` speed, the same parse included: "
            f"{len(docs) / total_l:.2f} docs/s ({words / total_l:.0f} words/s; rules and "
            f"tagger {learned_s:.1f} s for {len(docs)} docs)."
        )
    table = "\n".join([HEADER, *rows])
    table += "\n\nExact spans (CofeNet's measure):\n\n" + "\n".join(
        [EXACT_HEADER, *exact_rows, *PUBLISHED]
    )
    print(table)
    print()
    print("\n".join(notes))
    if not args.no_write and args.split == "dev" and not args.limit:
        write_section("quotes", _section(table, "\n\n".join(notes)))
    return 0


def _section(table: str, notes: str) -> str:
    return (
        "## Quotes (`benchmarks/quotes.py`)\n\n"
        "PolNeAR dev month, definitions from `../shared/data/quotes/README.md` (see the "
        "script's docstring for the two points the README leaves open: the records sharing a "
        "cue and speaker mention form one predicted attribution, for both systems; a gold "
        "pronoun source is scored *lenient* (the prediction names the nearest preceding "
        "non-pronoun gold source or any source the annotators name in that article) and "
        "*strict* (only the nearest one; a lower bound, since the converted data has no "
        "coreference chains and the nearest gold source is often not the referent)). "
        "Gold sources \"who\"/\"which\" count as pronouns. *Named* = every non-pronoun "
        "source, names and descriptions. The last column: speaker accuracy over matched "
        "quote pieces with a non-pronoun gold source.\n\n"
        "newsweave (rules) = the hand-written rules of `src/newsweave/quotes.py`, designed "
        "on the train split only. newsweave `--model learned` = the same rules plus the "
        "shipped BiLSTM-CRF span tagger (`src/newsweave/quote_model.py`, ONNX; it reads "
        "the parse features and each token's state from the first three layers of "
        "all-MiniLM-L6-v2, fine-tuned with the tagger (`training/finetune_quote_tagger.py`, "
        "int8 weights); trained on the train split, its epoch, encoder depth and the "
        "choice of fine-tuning chosen on this dev month, so these dev numbers carry that "
        "selection; see docs/quote-model.md): content, source and cue spans from the "
        "tagger, speaker names from the rules' resolver. Rows *other tagger* "
        "(`--compare-tagger`), same run: *frozen-l3-tagger* is the previous `learned` "
        "model (the same network over frozen states of the same three MiniLM layers, not "
        "shipped any more); "
        "*no-context-tagger* is the tagger without MiniLM, shipped as "
        "`--model learned-fast`. "
        "Exact spans: "
        "CofeNet's measure (see the "
        "script's docstring); the published rows are PolNeAR's test month in token BIO "
        "chunks, a reference rather than a same-run measurement. "
        "Both systems read the same spaCy parse (`en_core_web_sm` 3.8.0 through "
        "`newsweave.analyze.get_nlp()`), same documents, same run; textacy 0.13.0 is "
        "installed in the project's `.venv` beside the pinned spaCy/numpy (`bench` extra). "
        "Anchors from the README (held-out month): textacy quote-piece exact F1 0.77, "
        "all-attribution F1 0.24; Gender Gap Tracker all-attribution F1 0.45.\n\n"
        f"{table}\n\n{notes}\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
