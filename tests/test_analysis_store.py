"""Analyse once: an article's analysis round-trips through the store exactly, a brief woven
from stored analyses equals one woven from fresh ones, and a stale or broken row is
recomputed, never a crash (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_postgres import db_url, pg_server, pg_url  # noqa: F401 - fixtures

import newsweave.analysis_store as analysis_store
from newsweave.analysis_store import (
    analysis_version,
    decode_document,
    documents_for,
    encode_document,
)
from newsweave.models import brief_to_dict
from newsweave.store import open_store
from newsweave.weave import weave_documents


def _parse(doc) -> list[tuple]:
    return [(t.text, t.lemma_, t.tag_, t.dep_, t.head.i, t.ent_type_, t.is_sent_start)
            for t in doc]


def test_round_trip_is_exact(example_documents) -> None:
    for document in example_documents:
        back = decode_document(document.article, encode_document(document))
        assert back is not None
        assert back.sentences == document.sentences
        assert back.entities == document.entities
        assert back.quotes == document.quotes
        assert back.timexes == document.timexes
        assert back.vectors.dtype == np.float32
        assert np.array_equal(back.vectors, document.vectors)
        assert _parse(back.doc) == _parse(document.doc)
        assert [(e.start_char, e.end_char, e.label_) for e in back.doc.ents] == [
            (e.start_char, e.end_char, e.label_) for e in document.doc.ents]


def test_brief_from_stored_analyses_is_identical(example_documents) -> None:
    fresh = weave_documents(example_documents, story_id="s")
    stored = [decode_document(d.article, encode_document(d)) for d in example_documents]
    again = weave_documents(stored, story_id="s")
    assert json.dumps(brief_to_dict(again)) == json.dumps(brief_to_dict(fresh))


@pytest.mark.parametrize("damage", [
    lambda b: b[:-50],  # truncated
    lambda b: b"XXXX" + b[4:],  # wrong magic
    lambda b: b[:40] + bytes(40) + b[80:],  # bytes zeroed inside the compressed meta
    lambda b: b"",
])
def test_unreadable_payload_is_none(example_documents, damage) -> None:
    document = example_documents[0]
    assert decode_document(document.article, damage(encode_document(document))) is None


def test_payload_of_another_text_is_refused(example_documents) -> None:
    a, b = example_documents[:2]
    assert decode_document(b.article, encode_document(a)) is None


def test_documents_for_analyses_once_then_reads_back(
    tmp_path: Path, example_articles, db_url: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    calls: list[list[str]] = []
    import newsweave.analyze

    real = newsweave.analyze.analyze

    def counting(articles, **kw):
        calls.append([a.id for a in articles])
        return real(articles, **kw)

    monkeypatch.setattr(newsweave.analyze, "analyze", counting)
    with open_store(db_url) as store:
        store.add_articles(example_articles)
        first, analysed = documents_for(store, example_articles)
        assert analysed == len(example_articles) and len(calls) == 1
        assert store.analysis_versions() == {analysis_version(): len(example_articles)}
        second, analysed = documents_for(store, example_articles)
        assert analysed == 0 and len(calls) == 1  # all read back, nothing analysed
        brief_a = brief_to_dict(weave_documents(first, story_id="s"))
        brief_b = brief_to_dict(weave_documents(second, story_id="s"))
        assert brief_a == brief_b

        # a corrupted row is recomputed (and rewritten), the others are read back
        victim = example_articles[1].id
        store.put_analyses({victim: b"NWA1 garbage"}, analysis_version())
        _docs, analysed = documents_for(store, example_articles)
        assert analysed == 1 and calls[-1] == [victim]
        assert decode_document(example_articles[1],
                               store.get_analyses([victim])[victim][1]) is not None

        # a changed model/code version makes every stored analysis stale
        monkeypatch.setattr(analysis_store, "ANALYSIS_VERSION",
                            analysis_store.ANALYSIS_VERSION + 1)
        analysis_version.cache_clear()
        try:
            new_version = analysis_version()
            _docs, analysed = documents_for(store, example_articles)
            assert analysed == len(example_articles)
            assert store.analysis_versions() == {new_version: len(example_articles)}
        finally:
            monkeypatch.undo()
            analysis_version.cache_clear()


def test_analyses_go_with_their_article(tmp_path: Path, example_documents) -> None:
    with open_store(tmp_path / "a.db") as store:
        store.add_articles([d.article for d in example_documents])
        store.put_analyses({"not-stored": b"x", example_documents[0].article.id:
                            encode_document(example_documents[0])}, "v")
        assert set(store.get_analyses(["not-stored", example_documents[0].article.id])) == {
            example_documents[0].article.id}
