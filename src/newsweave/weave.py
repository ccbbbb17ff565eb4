"""Weave stage: analysed articles of one story -> a Brief (the contract's data)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from newsweave.analyze import analyze
from newsweave.boilerplate import trim_dateline
from newsweave.coverage import build_coverage, contradicted_sources, opposed
from newsweave.entities import resolve_entities
from newsweave.errors import InputError
from newsweave.group import find_copies
from newsweave.models import (
    Article,
    Brief,
    Cluster,
    Discrepancy,
    Document,
    Source,
    StoryInfo,
    SummarySentence,
)
from newsweave.quotes import group_quotes
from newsweave.settings import DEFAULT_SUMMARY
from newsweave.summary import summarize
from newsweave.timeline import build_timeline

HEADLINE_WORDS = 16


def story_id_for(articles: Sequence[Article]) -> str:
    """Stable id for an ad-hoc story: a hash of its sorted article ids."""
    digest = hashlib.sha1("\n".join(sorted(a.id for a in articles)).encode()).hexdigest()
    return f"story-{digest[:12]}"


def make_headline(documents: Sequence[Document], summary_texts: Sequence[str]) -> str:
    """The earliest article's title; failing that, the summary's first sentence, shortened."""
    titled = [d.article for d in documents if d.article.title]
    if titled:
        titled.sort(key=lambda a: (a.published or "9999", a.id))
        return titled[0].title.strip()
    if not summary_texts:
        return "Untitled story"
    text = summary_texts[0]
    text = text[trim_dateline(text):]
    words = text.split()
    if len(words) <= HEADLINE_WORDS:
        return text.rstrip(".")
    return " ".join(words[:HEADLINE_WORDS]).rstrip(",;:") + "…"


def make_sources(
    documents: Sequence[Document], copy_of: Mapping[str, str] | None = None
) -> tuple[Source, ...]:
    copy_of = copy_of or {}
    return tuple(
        Source(
            id=d.article.id, title=d.article.title, outlet=d.article.outlet,
            # its local day: an Article's first ten characters always are
            published=d.article.published[:10] if d.article.published else None,
            url=d.article.url, path=d.article.path,
            words=d.article.words, copy_of=copy_of.get(d.article.id),
            updated=d.article.updated if d.article.updated != d.article.published else None,
            published_at=d.article.published if d.article.published and len(
                d.article.published) > 10 else None,
        )
        for d in documents
    )


def _root(article_id: str, copies: Mapping[str, str]) -> str:
    """Follow copy -> original links to the first article (the least id of a cycle, which a
    store should never hold but must not loop on)."""
    path = [article_id]
    while (nxt := copies.get(path[-1])) is not None:
        if nxt in path:
            return min(path[path.index(nxt):])
        path.append(nxt)
    return path[-1]


def resolve_copies(articles: Sequence[Article], copies: Mapping[str, str]) -> dict[str, str]:
    """Copy id -> the article in ``articles`` that stands for its origin: chains collapse to
    the first original, and when that original is not among ``articles`` (outside the story or
    the date window) its earliest copy here stands in for it, so every id points to a source."""
    present = {a.id for a in articles}
    order = sorted(
        range(len(articles)),
        key=lambda i: (articles[i].published is None, articles[i].published or "", i),
    )
    stand_in: dict[str, str] = {}
    out: dict[str, str] = {}
    for i in order:
        aid = articles[i].id
        root = _root(aid, copies)
        head = root if root in present else stand_in.setdefault(root, aid)
        if head != aid:
            out[aid] = head
    return out


def count_origins(citations: Sequence[str], copy_of: Mapping[str, str]) -> int:
    """Independent origins among cited sources: a syndicated copy adds no corroboration."""
    return len({copy_of.get(c, c) for c in citations})


def weave_documents(
    documents: Sequence[Document],
    *,
    story_id: str | None = None,
    words: int = DEFAULT_SUMMARY.words,
    query: str | None = None,
    copies: Mapping[str, str] | None = None,
) -> Brief:
    """Everything a brief holds, computed from documents already analysed. ``copies`` (article
    id -> the article it copies near-verbatim, e.g. the store's) is found here when not given."""
    query_vector = None
    if query:
        from newsweave.embed import get_embedder

        query_vector = get_embedder().embed([query])[0]
    articles = [d.article for d in documents]
    if copies is None:
        copies = find_copies(articles)
    copy_of = resolve_copies(articles, copies)
    summary = summarize(documents, words=words, query=query, query_vector=query_vector,
                        copy_of=copy_of)
    dates = sorted(d.article.published[:10] for d in documents if d.article.published)
    story = StoryInfo(
        id=story_id or story_id_for(articles),
        headline=make_headline(documents, [s.text for s in summary]),
        first_published=dates[0] if dates else None,
        last_published=dates[-1] if dates else None,
    )
    entities, _mentions = resolve_entities(documents)
    quotes = group_quotes(documents, entities)
    coverage = build_coverage(documents, entities, quotes, copies=copy_of)
    summary = [_without_contrary(s, coverage.discrepancies, copy_of) for s in summary]
    return Brief(
        story=story,
        sources=make_sources(documents, copy_of),
        summary=tuple(summary),
        quotes=quotes,
        entities=entities,
        timeline=build_timeline(
            documents, lambda a, b: opposed(a, b, coverage.discrepancies)),
        coverage=coverage,
    )


def _without_contrary(sentence: SummarySentence, discrepancies: Sequence[Discrepancy],
                      copy_of: Mapping[str, str]) -> SummarySentence:
    """The sentence citing no source that the brief's own discrepancies set against it, with
    its count of independent origins."""
    drop = contradicted_sources(sentence.evidence, discrepancies)
    evidence = tuple(e for e in sentence.evidence if e.source not in drop)
    citations = tuple(c for c in sentence.citations if c not in drop)
    return replace(sentence, citations=citations, evidence=evidence,
                   origins=count_origins(citations, copy_of))


def weave_articles(
    articles: Sequence[Article],
    *,
    story_id: str | None = None,
    words: int = DEFAULT_SUMMARY.words,
    query: str | None = None,
    copies: Mapping[str, str] | None = None,
    on_error: Callable[[InputError], None] | None = None,
) -> Brief:
    """Analyse and weave one story's articles. ``copies``: article id -> id of the article it
    copies (the store's near-verbatim duplicates); None finds them among ``articles``.

    Raises InputError (naming the article) for a text over the limits of
    ``newsweave.validate``; a date outside 1800..tomorrow (a store filled before the check) is
    ignored, as ingest would have dropped it. With ``on_error``, such an article is handed to
    it and left out of the brief instead; InputError is still raised when none is left."""
    articles = [_sane_dates(a) for a in articles]
    documents = analyze(articles, on_error=on_error)
    if articles and not documents:
        raise InputError("no article within the limits is left to weave")
    return weave_documents(documents, story_id=story_id, words=words, query=query, copies=copies)


def _sane_dates(article: Article) -> Article:
    from newsweave.validate import iso_in_range

    published = article.published if iso_in_range(article.published) else None
    updated = article.updated if iso_in_range(article.updated) else None
    if (published, updated) == (article.published, article.updated):
        return article
    return replace(article, published=published, updated=updated)


def weave_cluster(cluster: Cluster, words: int = DEFAULT_SUMMARY.words) -> Brief:
    """A cluster-contract story (its references, if any, were never loaded)."""
    return weave_articles(cluster.articles, story_id=cluster.id, words=words, query=cluster.query)
