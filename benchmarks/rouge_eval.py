"""ROUGE scoring exactly as ``../shared/data/mds/README.md`` prescribes, so numbers compare.

rouge-score 0.1.2 with stemming; the summary cut to exactly the word budget; sentences on
separate lines for ROUGE-Lsum; P/R/F per reference, averaged over references, times 100.
References are loaded apart from the clusters so no system can ever see them.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from statistics import mean
from typing import Any

METRICS = ("rouge1", "rouge2", "rougeLsum")

# Tokens that end in a period without ending a sentence (lower-cased, period stripped).
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "cmdr", "adm", "gov",
    "sen", "rep", "rev", "st", "jr", "sr", "messrs", "inc", "co", "corp", "ltd", "bros", "no",
    "vs", "etc", "al", "jan", "feb", "mar", "apr", "aug", "sep", "sept", "oct", "nov", "dec",
    "ft", "mt", "ave", "blvd", "calif", "fla", "conn", "ariz", "colo", "tenn", "okla",
})
_BOUNDARY = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*\s+")
_STARTER = re.compile(r"[\"'\u201c\u2018(\[]*[A-Z0-9]")


def _is_abbreviation(text: str, end: int) -> bool:
    """True when the period ending at ``end`` closes an abbreviation or an initial."""
    token = text[:end].rsplit(None, 1)[-1] if text[:end].strip() else ""
    token = token.lstrip("\"'(\u201c\u2018[").rstrip(".")
    if not token:
        return False
    if re.fullmatch(r"[A-Za-z](\.[A-Za-z])*", token):  # "W." in "George W. Bush", "U.S."
        return True
    return token.lower() in _ABBREVIATIONS


def split_sentences(text: str) -> list[str]:
    """A dependency-free sentence split (blank lines are hard breaks).

    Used for the baselines' input and the references' ROUGE-Lsum lines; sumy's own
    splitter would need NLTK data downloaded at run time, which cannot work here."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        block = " ".join(block.split())
        start = 0
        for m in _BOUNDARY.finditer(block):
            end = m.end()
            if end >= len(block) or not _STARTER.match(block, end):
                continue
            punct_end = m.start() + len(m.group(0).rstrip().rstrip("\"'\u201d\u2019)]"))
            if block[punct_end - 1] == "." and _is_abbreviation(block, punct_end):
                continue
            out.append(block[start:end].strip())
            start = end
        if block[start:].strip():
            out.append(block[start:].strip())
    return out


def truncate_words(sentences: list[str], budget: int) -> list[str]:
    """Cut to exactly ``budget`` whitespace words (fewer only if the input is shorter),
    keeping one sentence per item so ROUGE-Lsum still sees the breaks."""
    out: list[str] = []
    left = budget
    for sentence in sentences:
        if left <= 0:
            break
        words = sentence.split()[:left]
        if words:
            out.append(" ".join(words))
            left -= len(words)
    return out


@lru_cache(maxsize=1)
def _scorer() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)


def score_summary(
    sentences: list[str], references: list[str], budget: int
) -> dict[str, dict[str, float]]:
    """ROUGE-1/2/Lsum of one summary: P/R/F per reference, averaged (ROUGE-1.5.5 ``-f A``), x100."""
    if not references:
        raise ValueError("a summary needs at least one reference to be scored")
    prediction = "\n".join(truncate_words(sentences, budget))
    per_ref = [
        _scorer().score("\n".join(split_sentences(ref)), prediction) for ref in references
    ]
    return {
        m: {
            "p": 100 * mean(s[m].precision for s in per_ref),
            "r": 100 * mean(s[m].recall for s in per_ref),
            "f": 100 * mean(s[m].fmeasure for s in per_ref),
        }
        for m in METRICS
    }


def mean_scores(scores: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Macro-average of per-cluster scores (each cluster counts once)."""
    if not scores:
        return {m: {k: 0.0 for k in "prf"} for m in METRICS}
    return {m: {k: mean(s[m][k] for s in scores) for k in "prf"} for m in METRICS}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def load_clusters(path: str | Path) -> list[dict[str, Any]]:
    """The clusters as systems may see them: every field but ``summaries``."""
    return [
        {k: v for k, v in row.items() if k != "summaries"} for row in _read_jsonl(Path(path))
    ]


def load_references(path: str | Path) -> dict[str, list[str]]:
    """Reference summaries by cluster id, for scoring only (kept apart from the clusters)."""
    return {row["id"]: list(row.get("summaries") or []) for row in _read_jsonl(Path(path))}
