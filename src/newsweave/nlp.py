"""The shared spaCy pipeline and the offset helpers every analyzer uses.

Kept apart from ``analyze.py`` so that the analyzers ``analyze`` calls (quotes, timeline) can
import these without importing ``analyze`` back (no import cycle)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from newsweave.boilerplate import name_boxes
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
    for title in TITLE_ABBREVIATIONS:
        nlp.tokenizer.add_special_case(title, [{"ORTH": title}])
    nlp.add_pipe("newsweave_paragraphs", before="parser")
    return nlp


#: titles the model's tokenizer splits at their period ("Sgt" + "."), which then ends the
#: sentence before the name ('..., said Sgt.' | 'Ron Galaviz with the State Police.'): kept
#: whole, as it keeps "Gen." and "Sen." ("Sr." is left out: it often ends a sentence)
TITLE_ABBREVIATIONS = (
    "Sgt.", "Maj.", "Lt.", "Col.", "Capt.", "Cpl.", "Pvt.", "Spc.", "Det.", "Insp.", "Supt.",
    "Cmdr.", "Cdr.", "Atty.", "Brig.", "Msgr.", "Amb.", "Asst.", "Hon.", "Sens.", "Reps.",
)


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
    """``text`` with over-long non-space runs broken by spaces and page boxes glued inside its
    sentences blanked (``boilerplate.name_boxes``: their headlines would be read as speakers,
    names and sentence ends), character for character the same length (the copy spaCy sees;
    sentences and quotes keep indexing the original)."""
    text = _LONG_RUN.sub(_break_run, text)
    boxes = name_boxes(text)
    if not boxes:
        return text
    parts, at = [], 0
    for a, b in boxes:  # one pass: a hostile text may hold a box every few words
        parts += [text[at:a], " " * (b - a)]
        at = b
    parts.append(text[at:])
    return "".join(parts)


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
