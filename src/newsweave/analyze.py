"""Analysis stage: sentences, entities (spaCy) and sentence embeddings (MiniLM) per article.

Models load once, lazily, and articles go through them in batches (``nlp.pipe``; one
length-sorted embedding pass over all sentences of a call)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache

import numpy as np

from newsweave.errors import InputError
from newsweave.models import Article, Document, EntityMention, Sentence
from newsweave.settings import SPACY_MODEL

#: entity labels worth tracking across sources (numbers and dates are handled elsewhere)
ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "PRODUCT"})
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=[A-Z\"“(])")


@lru_cache(maxsize=1)
def get_nlp():
    """The process-wide spaCy pipeline, with paragraph breaks forced as sentence breaks."""
    import spacy
    from spacy.language import Language

    if "newsweave_paragraphs" not in Language.factories:

        @Language.component("newsweave_paragraphs")
        def _paragraphs(doc):
            for token in doc[1:]:
                prev = doc[token.i - 1]
                if "\n" in prev.text_with_ws[len(prev.text) :] or (
                    prev.is_space and "\n" in prev.text
                ):
                    token.is_sent_start = True
            return doc

    nlp = spacy.load(SPACY_MODEL)
    nlp.add_pipe("newsweave_paragraphs", before="parser")
    return nlp


#: spaCy parses a long text in pieces of about this many characters, cut at a paragraph break
#: (else a line break, else a space) and joined back into one Doc: memory per piece is bounded
#: and spaCy's own 1,000,000-character limit never applies (``validate.MAX_TEXT_CHARS`` does).
PIECE_CHARS = 20_000
#: A run of non-space characters longer than this gets a space every this many characters in
#: the copy spaCy tokenizes (same length, so offsets hold): the tokenizer's prefix and suffix
#: splitting is quadratic in a token's length ("[" * 50000 took minutes).
MAX_TOKEN_CHARS = 100
_LONG_RUN = re.compile(rf"\S{{{MAX_TOKEN_CHARS + 1},}}")


def _break_run(match: re.Match[str]) -> str:
    run = match.group()
    step = MAX_TOKEN_CHARS
    return " ".join(run[i : i + step - 1] for i in range(0, len(run), step - 1))[: len(run)]


def tokenizable(text: str) -> str:
    """``text`` with over-long non-space runs broken by spaces, character for character the
    same length (the copy spaCy sees; sentences and quotes keep indexing the original)."""
    return _LONG_RUN.sub(_break_run, text)


def pieces(text: str, size: int = PIECE_CHARS) -> list[str]:
    """Consecutive slices of ``text`` (joined, they are ``text``) of at most about ``size``
    characters each, cut after a paragraph break, else a line break, else a space."""
    out: list[str] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = window.rfind(sep, size // 2)
            if cut != -1:
                cut += len(sep)
                break
        if cut <= 0:
            cut = size
        out.append(text[start : start + cut])
        start += cut
    out.append(text[start:])
    return out


def parse_texts(texts: Iterable[str], batch_size: int = 16) -> Iterator:
    """One spaCy Doc per text, in order, streamed: long texts go through the pipeline in
    :func:`pieces` joined back with ``Doc.from_docs`` (``doc.text`` equals the text, offsets
    exact, up to :func:`tokenizable`'s spaces in runs over ``MAX_TOKEN_CHARS``)."""
    from spacy.tokens import Doc

    nlp = get_nlp()

    def tagged() -> Iterator[tuple[str, bool]]:
        for text in texts:
            parts = pieces(tokenizable(text))
            for i, part in enumerate(parts):
                yield part, i == len(parts) - 1

    held: list = []
    for doc, last in nlp.pipe(tagged(), as_tuples=True, batch_size=batch_size):
        held.append(doc)
        if last:
            yield held[0] if len(held) == 1 else Doc.from_docs(held, ensure_whitespace=False)
            held = []


#: a dateline the parser cut off as its own "sentence" ("WASHINGTON:", "LONDON (AP) _")
_BARE_DATELINE = re.compile(r"^[A-Z][A-Z .,'\-]{1,40}(?:\([A-Za-z .]{1,20}\))?\s*(?::|_|--|—)$")


def _sentences(doc, text: str | None = None) -> list[Sentence]:
    spans: list[tuple[int, int]] = []
    text = doc.text if text is None else text
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end <= start:
            continue
        if spans and _BARE_DATELINE.match(text[spans[-1][0] : spans[-1][1]]) and "\n" not in (
            text[spans[-1][1] : start]
        ):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return [Sentence(index=i, start=a, end=b, text=text[a:b]) for i, (a, b) in enumerate(spans)]


def sentence_of(sentences: Sequence[Sentence], offset: int) -> int:
    """Index of the sentence holding a character offset (binary search over starts)."""
    lo, hi = 0, len(sentences) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sentences[mid].start <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _entities(doc, sentences: Sequence[Sentence], text: str) -> list[EntityMention]:
    if not sentences:
        return []
    return [
        EntityMention(
            start=ent.start_char,
            end=ent.end_char,
            text=text[ent.start_char : ent.end_char],
            label=ent.label_,
            sentence=sentence_of(sentences, ent.start_char),
        )
        for ent in doc.ents
        if ent.label_ in ENTITY_LABELS and ent.text.strip()
    ]


def analyze(
    articles: Sequence[Article],
    *,
    embed: bool = True,
    keep_doc: bool = True,
    quotes: bool = True,
    timexes: bool = True,
    on_error: Callable[[InputError], None] | None = None,
) -> list[Document]:
    """Analyse articles together: one spaCy pass and one embedding pass for all of them.
    ``quotes``/``timexes`` switch off the analyzers a caller does not need (summary-only runs).

    An article over the limits of ``newsweave.validate`` (characters, tokens, sentences) is an
    InputError naming it: raised, or with ``on_error`` handed to it and left out."""
    from newsweave.quotes import extract_quotes
    from newsweave.timeline import extract_timexes
    from newsweave.validate import MAX_TEXT_SENTENCES, LimitError, check_text

    def refuse(err: InputError) -> None:
        if on_error is None:
            raise err
        on_error(err)

    kept: list[Article] = []
    for article in articles:
        try:
            check_text(article.text)
        except LimitError as exc:
            refuse(InputError(f"article {article.id}: {exc}", article.path))
        else:
            kept.append(article)
    docs = list(parse_texts(a.text for a in kept))
    documents: list[Document] = []
    for article, doc in zip(kept, docs, strict=True):
        sentences = _sentences(doc, article.text)
        if len(sentences) > MAX_TEXT_SENTENCES:
            refuse(InputError(f"article {article.id}: {len(sentences):,} sentences is over "
                              f"the {MAX_TEXT_SENTENCES:,} limit", article.path))
            continue
        document = Document(
            article=article,
            sentences=tuple(sentences),
            entities=tuple(_entities(doc, sentences, article.text)),
            quotes=tuple(extract_quotes(doc, article.text)) if quotes else (),
            doc=doc,
        )
        if timexes:
            document.timexes = extract_timexes(document)
        if not keep_doc:
            document.doc = None
        documents.append(document)
    if embed:
        from newsweave.embed import get_embedder

        texts = [s.text for d in documents for s in d.sentences]
        vectors = get_embedder().embed(texts)
        pos = 0
        for d in documents:
            n = len(d.sentences)
            d.vectors = vectors[pos : pos + n]
            pos += n
    else:
        for d in documents:
            d.vectors = np.zeros((len(d.sentences), 0), dtype=np.float32)
    return documents
