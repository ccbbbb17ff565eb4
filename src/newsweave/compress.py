"""Sentence compression by deleting parts a sentence reads well without.

Why: a summary budget is counted in words, and news sentences carry words a summary reader does
not need there: the attribution tail of a reported fact ("..., according to CNN."), a bracketed
aside ("(Mar 2)"), a comma-bounded description of a name ("Sessions, a former senator from
Alabama, who was ..., did not disclose"), or a trailing comma-bounded adverbial clause. A long
sentence whose core is what several sources say then no longer costs a third of the budget.

Only deletions whose grammar is safe by construction are made (each is a dependency subtree
bounded by commas or brackets, so the rest is still a sentence), and never inside a quotation:
shortening what someone said would misquote them. The summarizer offers the compressed forms
beside the whole sentence and its budgeted gain decides which (if any) to take."""

from __future__ import annotations

import re
from collections.abc import Iterable

from newsweave.quote_marks import has_quote_mark, leaves_quote_open

#: what may stand between a subject and its verb once an aside is cut
_BEFORE_VERB = frozenset({"aux", "auxpass", "neg", "advmod"})
#: the longest bracketed aside that is dropped (tokens inside the brackets)
MAX_BRACKET_TOKENS = 8
#: no deletion may leave fewer than this share of the sentence's words
MIN_KEPT_SHARE = 0.4


def _inside_quote(text: str, offset: int) -> bool:
    """True when ``offset`` of a sentence lies inside a quotation (the news archives'
    ``this'' too)."""
    return leaves_quote_open(text[:offset])


def _starts_aside_of(tok, noun) -> bool:
    """``tok`` opens a further aside of ``noun`` (a second description, a relative clause):
    the chain of asides is cut together, and the verb must follow the last one."""
    return any(t.head == noun and t.dep_ in {"appos", "relcl"} and t.left_edge == tok
               for t in (tok, *tok.ancestors))


def deletable_ranges(span) -> list[tuple[int, int]]:
    """Character ranges (relative to the span's start) that can be deleted from a spaCy span
    of one sentence, each leaving a grammatical sentence."""
    if len(span) < 4:
        return []
    text = span.text
    base = span.start_char
    first, last = span.start, span.end - 1
    doc = span.doc
    while last > first and doc[last].is_space:
        last -= 1
    final = doc[last] if doc[last].text in {".", "!", "?"} else None
    out: list[tuple[int, int]] = []

    def bounded(a: int, b: int, noun=None) -> tuple[int, int] | None:
        """The range for tokens a..b: with the comma before and the comma after (a middle
        aside), or from the comma before up to the final full stop (a tail). A middle aside
        of ``noun`` must be followed by the verb that noun depends on (or its auxiliary):
        "Sessions, a former senator, did not ..." — not by the next item of a list that the
        parser took for an apposition ("cruelty, maltreatment of prisoners, disobeying ...")."""
        if a - 1 < first or doc[a - 1].text != ",":
            return None
        if final is not None and b + 1 == final.i:
            return doc[a - 1].idx - base, final.idx - base
        if b + 2 <= last and doc[b + 1].text == ",":
            after = doc[b + 2]
            if noun is not None and not (after == noun.head or (
                    after.head == noun.head and after.dep_ in _BEFORE_VERB)
                    or _starts_aside_of(after, noun)):
                return None
            return doc[a - 1].idx - base, doc[b + 1].idx + 1 - base
        return None

    for tok in span:
        rng: tuple[int, int] | None = None
        if tok.dep_ == "appos" and tok.head.i >= first:
            a, b = tok.left_edge.i, tok.right_edge.i
            if a > tok.head.i and not any(t.dep_ == "cc" and t.head == tok for t in span):
                rng = bounded(a, b, tok.head)
        elif tok.dep_ == "relcl" and tok.left_edge.lower_ in {"who", "which", "whose", "whom"}:
            rng = bounded(tok.left_edge.i, tok.right_edge.i, tok.head)
        elif tok.lower_ == "according" and tok.i + 1 <= last and doc[tok.i + 1].lower_ == "to":
            b = tok.right_edge.i
            if tok.i == first and b + 1 <= last and doc[b + 1].text == ",":
                rng = (0, doc[b + 1].idx + 1 - base)
            else:
                rng = bounded(tok.i, b)
        elif tok.dep_ == "advcl" and tok.head.dep_ == "ROOT":
            a, b = tok.left_edge.i, tok.right_edge.i
            if a > tok.head.i and final is not None and b + 1 == final.i:
                rng = bounded(a, b)
        elif tok.text == "(" and tok.i > first:
            close = next((t.i for t in doc[tok.i + 1 : min(last, tok.i + MAX_BRACKET_TOKENS + 2)]
                          if t.text == ")"), None)
            if close is not None:
                start = tok.idx - base
                while start > 0 and text[start - 1] == " ":
                    start -= 1
                rng = (start, doc[close].idx + 1 - base)
        if rng is None or rng[0] >= rng[1]:
            continue
        piece = text[rng[0] : rng[1]]
        if has_quote_mark(piece) or _inside_quote(text, rng[0]):
            continue
        out.append(rng)
    return out


def _groups(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Touching or overlapping ranges merged: a description and the relative clause after it
    share a comma, and deleting one without the other would leave a stray comma."""
    merged: list[list[int]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def apply(text: str, ranges: Iterable[tuple[int, int]]) -> str:
    """``text`` without ``ranges``, tidied: no space before punctuation, one space between
    words, a capital first letter (an "According to X," opener may have been cut)."""
    out, pos = [], 0
    for a, b in sorted(ranges):
        out.append(text[pos:a])
        pos = max(pos, b)
    out.append(text[pos:])
    kept = re.sub(r"\s+([,.;:!?])", r"\1", "".join(out))
    kept = re.sub(r"\s{2,}", " ", kept).strip()
    return kept[:1].upper() + kept[1:]


def compressions(span) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
    """Shorter forms of one sentence (a spaCy span), each with the character ranges (relative
    to the span's start) it leaves out: each deletable group alone, and all of them together;
    without duplicates, and none that keeps under MIN_KEPT_SHARE of the words."""
    groups = _groups(deletable_ranges(span))
    if not groups:
        return []
    choices = [[g] for g in groups]
    if len(groups) > 1:
        choices.append(groups)
    words = len(span.text.split())
    out: list[tuple[str, tuple[tuple[int, int], ...]]] = []
    for choice in choices:
        short = apply(span.text, choice)
        if (short != span.text and all(short != o for o, _ in out)
                and len(short.split()) >= MIN_KEPT_SHARE * words):
            out.append((short, tuple(choice)))
    return out


#: dependency labels of a clause that can stand as a claim of its own inside a headline
_CLAUSE_DEPS = frozenset({"advcl", "conj", "parataxis"})


def headline_clauses(doc) -> list[str]:
    """The claims of a parsed headline, one per clause: "Trump stands by Sessions as Democrats
    seek resignation" says two things, and a summary sentence should be judged against each.
    Splits at a colon or semicolon, and detaches a verb clause that has its own subject
    (dropping its "as"/"and" opener); pieces of one word are dropped."""
    pieces: list[list] = [[]]
    for tok in doc:
        if tok.text in {":", ";", "--", "—"}:
            pieces.append([])
        else:
            pieces[-1].append(tok)
    out: list[str] = []
    for piece in pieces:
        ids = {t.i for t in piece}
        heads = [t for t in piece if t.dep_ in _CLAUSE_DEPS and t.pos_ in {"VERB", "AUX"}
                 and any(c.dep_ in {"nsubj", "nsubjpass"} for c in t.children)]
        taken: set[int] = set()
        clauses = []
        for h in sorted(heads, key=lambda t: -len(list(t.subtree))):
            sub = [t for t in h.subtree if t.i in ids and t.i not in taken]
            sub = [t for t in sub if not (t.dep_ in {"mark", "cc"} and t.head == h)]
            taken |= {t.i for t in h.subtree}
            clauses.append(sub)
        clauses.append([t for t in piece if t.i not in taken])
        for toks in clauses:
            words = [t.text for t in sorted(toks, key=lambda t: t.i) if not t.is_punct]
            if len(words) >= 2:
                out.append(" ".join(words))
    return out
