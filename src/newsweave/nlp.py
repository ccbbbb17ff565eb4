"""The shared spaCy pipeline and the offset helpers every analyzer uses.

Kept apart from ``analyze.py`` so that the analyzers ``analyze`` calls (quotes, timeline) can
import these without importing ``analyze`` back (no import cycle)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from newsweave.models import Sentence
from newsweave.settings import SPACY_MODEL


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
