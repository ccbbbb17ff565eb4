"""Weave stage: analysed articles of one story -> a Brief (the contract's data)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from newsweave.analyze import analyze
from newsweave.coverage import build_coverage
from newsweave.entities import resolve_entities
from newsweave.models import Article, Brief, Cluster, Document, Source, StoryInfo
from newsweave.quotes import group_quotes
from newsweave.settings import DEFAULT_SUMMARY
from newsweave.summary import summarize, trim_dateline
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


def make_sources(documents: Sequence[Document]) -> tuple[Source, ...]:
    return tuple(
        Source(
            id=d.article.id, title=d.article.title, outlet=d.article.outlet,
            published=d.article.published, url=d.article.url, path=d.article.path,
            words=d.article.words,
        )
        for d in documents
    )


def weave_documents(
    documents: Sequence[Document],
    *,
    story_id: str | None = None,
    words: int = DEFAULT_SUMMARY.words,
    query: str | None = None,
) -> Brief:
    """Everything a brief holds, computed from documents already analysed."""
    query_vector = None
    if query:
        from newsweave.embed import get_embedder

        query_vector = get_embedder().embed([query])[0]
    summary = summarize(documents, words=words, query=query, query_vector=query_vector)
    dates = sorted(d.article.published for d in documents if d.article.published)
    story = StoryInfo(
        id=story_id or story_id_for([d.article for d in documents]),
        headline=make_headline(documents, [s.text for s in summary]),
        first_published=dates[0] if dates else None,
        last_published=dates[-1] if dates else None,
    )
    entities, _mentions = resolve_entities(documents)
    quotes = group_quotes(documents, entities)
    return Brief(
        story=story,
        sources=make_sources(documents),
        summary=tuple(summary),
        quotes=quotes,
        entities=entities,
        timeline=build_timeline(documents),
        coverage=build_coverage(documents, entities, quotes),
    )


def weave_articles(
    articles: Sequence[Article],
    *,
    story_id: str | None = None,
    words: int = DEFAULT_SUMMARY.words,
    query: str | None = None,
) -> Brief:
    """Analyse and weave one story's articles."""
    return weave_documents(analyze(articles), story_id=story_id, words=words, query=query)


def weave_cluster(cluster: Cluster, words: int = DEFAULT_SUMMARY.words) -> Brief:
    """A cluster-contract story (its references, if any, were never loaded)."""
    return weave_articles(cluster.articles, story_id=cluster.id, words=words, query=cluster.query)
