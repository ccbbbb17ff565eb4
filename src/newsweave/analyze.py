"""Analysis stage: sentences, entities (spaCy) and sentence embeddings (MiniLM) per article.

Models load once, lazily, and articles go through them in batches (``nlp.pipe``; one
length-sorted embedding pass over all sentences of a call)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from newsweave.errors import InputError
from newsweave.models import Article, Document, EntityMention, Sentence
from newsweave.nlp import get_nlp, parse_texts, sentence_of
from newsweave.quotes import extract_quotes, with_given_names
from newsweave.timeline import extract_timexes

__all__ = ["ENTITY_LABELS", "analyze", "get_nlp", "sentence_of"]

#: entity labels worth tracking across sources (numbers and dates are handled elsewhere)
ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "PRODUCT"})
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=[A-Z\"“(])")


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
        for ent in map(with_given_names, doc.ents)
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
