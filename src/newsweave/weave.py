"""Weave stage: analysed articles of one story -> a Brief (the contract's data)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence

from newsweave.analyze import analyze
from newsweave.models import (
    Article,
    Brief,
    Cluster,
    Document,
    Entity,
    Source,
    StoryInfo,
)
from newsweave.settings import DEFAULT_SUMMARY
from newsweave.summary import summarize, trim_dateline

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


def ner_entities(documents: Sequence[Document]) -> tuple[Entity, ...]:
    """Entities straight from NER, grouped by normalised surface form (no cross-variant
    resolution: that is the entities module's job)."""
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for d in documents:
        for m in d.entities:
            name = re.sub(r"[’']s$", "", m.text.strip())
            groups.setdefault((name.lower(), m.label), []).append((name, d.article.id))
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    out = []
    for i, ((_, label), hits) in enumerate(ranked, start=1):
        forms = Counter(n for n, _ in hits)
        out.append(
            Entity(
                id=f"e{i}", name=forms.most_common(1)[0][0], type=label,
                variants=tuple(sorted(forms)), sources=tuple(dict.fromkeys(s for _, s in hits)),
                mentions=len(hits),
            )
        )
    return tuple(out)


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
    return Brief(
        story=story,
        sources=make_sources(documents),
        summary=tuple(summary),
        entities=ner_entities(documents),
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
