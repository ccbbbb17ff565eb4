"""Who "he" or "she" is: a learned ranker over the earlier mentions of an article.

The rules of ``quotes.resolve_pronoun`` prefer the last fitting person who spoke, else a
nearby subject. A ranker weighs the same cues together (distance, who spoke last, subject
position, gender, how often the person is named) and also lets described sources ("the
official", "a spokeswoman") be the antecedent, which names alone never are. It is a
log-linear model over hand-made features, fitted on PolNeAR's training months
(``training/train_pronoun_model.py``) and shipped as ``data/pronoun_model.json``: a dot
product per candidate, no model runtime needed.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

#: features of one (pronoun, candidate) pair, in the order of the model's weights
FEATURES = (
    "log_chars",        # log(1 + characters from the candidate to the pronoun)
    "nearest",          # the nearest fitting candidate
    "second",           # the second nearest
    "log_rank",         # log(1 + fitting candidates between the two)
    "speaker",          # the candidate is the source of a speech cue
    "last_speaker",     # ... and the nearest such candidate
    "subject",          # the candidate heads a clause subject
    "last_subject",     # ... and the nearest such candidate
    "gender_known",     # its gender is known and fits
    "gender_unknown_she",  # gender unknown and the pronoun is "she" (most unknowns are men)
    "described",        # a description, not a name ("the official")
    "indefinite",       # ... introduced with "a"/"an" ("a spokesman")
    "chained",          # an earlier pronoun already resolved to this person
    "full_name",        # written with two words or more
    "log_mentions",     # log(1 + earlier mentions of the same surname)
    "latest_of_name",   # the latest mention of its surname (not an older one of the same)
    "same_sentence",
    "previous_sentence",
    "same_paragraph",
    "previous_paragraph",
    "beyond_reach",     # more than 400 characters back
    # pairs the linear score cannot form by itself
    "last_speaker_same_paragraph",
    "last_speaker_opens_paragraph",  # the pronoun's sentence opens a new paragraph
    "last_subject_previous_sentence",
    "nearest_same_sentence",
    "chained_last_speaker",
    "described_close",  # a description in the same or the previous sentence
    "gender_known_nearest",
    "named_as_last_speaker",  # another mention of the nearest speaker's surname
    "reported",  # inside what an earlier cue reports ("X claimed that Obama is to blame")
)

#: candidates considered per pronoun: the nearest ones (older mentions rarely win)
MAX_CANDIDATES = 25


@dataclass(frozen=True)
class Candidate:
    """An earlier mention a pronoun may refer to, with what the features need to know."""

    start: int
    written: str  # as written in the article (or, chained, the name the pronoun got)
    gender: str | None
    subject: bool = False
    speaker: bool = False
    described: bool = False
    chained: bool = False
    #: inside the content of an earlier speech cue: someone spoken of, not who speaks
    reported: bool = False
    #: the name it stands for (a surname's fullest form), worked out only when asked: only
    #: the chosen candidate's is needed
    full: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.full() if self.full is not None else self.written


@dataclass(frozen=True)
class Layout:
    """Sentence and paragraph starts (character offsets, ascending) of one article."""

    sentences: Sequence[int]
    paragraphs: Sequence[int]

    def sentence(self, offset: int) -> int:
        return bisect.bisect_right(self.sentences, offset)

    def paragraph(self, offset: int) -> int:
        return bisect.bisect_right(self.paragraphs, offset)


@lru_cache(maxsize=65536)
def surname(name: str) -> str:
    """The last word of a name, lower case, without a possessive ("Clinton's" -> "clinton"):
    how two mentions of one person are matched."""
    words = re.sub(r"['’]s?$", "", name.strip()).split()
    return words[-1].lower().strip(".,") if words else ""


def fitting(gender: str, candidates: Sequence[Candidate], offset: int) -> list[Candidate]:
    """The candidates before ``offset`` whose gender fits, nearest first, at most
    ``MAX_CANDIDATES``."""
    out = []
    for cand in reversed(candidates):
        if cand.start >= offset or cand.gender not in (gender, None):
            continue
        out.append(cand)
        if len(out) == MAX_CANDIDATES:
            break
    return out


def features(
    gender: str, offset: int, pool: Sequence[Candidate], everything: Sequence[Candidate],
    layout: Layout,
) -> list[list[float]]:
    """One feature row per candidate of ``pool`` (from ``fitting``, nearest first);
    ``everything`` is every candidate of the article, for how often a name recurs."""
    counts = Counter(surname(c.written) for c in everything
                     if not c.described and c.start < offset)
    sent, para = layout.sentence(offset), layout.paragraph(offset)
    opens = layout.paragraph(layout.sentences[sent - 1]) != layout.paragraph(
        layout.sentences[sent - 2]) if sent >= 2 else sent == 1
    speaker_name = next(
        (surname(c.written) for c in pool if c.speaker and not c.described), ""
    )
    rows = []
    seen_speaker = seen_subject = False
    seen_names: set[str] = set()
    for rank, cand in enumerate(pool):
        chars = max(0, offset - cand.start)
        name = "" if cand.described else surname(cand.written)
        c_sent, c_para = layout.sentence(cand.start), layout.paragraph(cand.start)
        first = cand.written.split()[0].lower() if cand.written.split() else ""
        row = {
            "log_chars": math.log1p(chars) / 8.0,
            "nearest": rank == 0,
            "second": rank == 1,
            "log_rank": math.log1p(rank) / 3.0,
            "speaker": cand.speaker,
            "last_speaker": cand.speaker and not seen_speaker,
            "subject": cand.subject,
            "last_subject": cand.subject and not seen_subject,
            "gender_known": cand.gender == gender,
            "gender_unknown_she": cand.gender is None and gender == "f",
            "described": cand.described,
            "indefinite": cand.described and first in ("a", "an"),
            "chained": cand.chained,
            "full_name": not cand.described and len(cand.written.split()) > 1,
            "log_mentions": math.log1p(counts.get(name, 0)) / 3.0 if name else 0.0,
            "latest_of_name": bool(name) and name not in seen_names,
            "same_sentence": c_sent == sent,
            "previous_sentence": c_sent == sent - 1,
            "same_paragraph": c_para == para,
            "previous_paragraph": c_para == para - 1,
            "beyond_reach": chars > 400,
        }
        last_speaker = row["last_speaker"]
        row |= {
            "last_speaker_same_paragraph": last_speaker and c_para == para,
            "last_speaker_opens_paragraph": last_speaker and opens,
            "last_subject_previous_sentence": row["last_subject"] and c_sent == sent - 1,
            "nearest_same_sentence": rank == 0 and c_sent == sent,
            "chained_last_speaker": cand.chained and last_speaker,
            "described_close": cand.described and c_sent >= sent - 1,
            "gender_known_nearest": rank == 0 and cand.gender == gender,
            "named_as_last_speaker": bool(name) and name == speaker_name
            and not last_speaker,
            "reported": cand.reported,
        }
        seen_speaker |= cand.speaker
        seen_subject |= cand.subject
        if name:
            seen_names.add(name)
        rows.append([float(row[f]) for f in FEATURES])
    return rows


@dataclass(frozen=True)
class PronounModel:
    """Weights of the log-linear ranker, one per feature."""

    weights: tuple[float, ...]

    def scores(self, rows: Sequence[Sequence[float]]) -> list[float]:
        return [sum(w * x for w, x in zip(self.weights, row, strict=True)) for row in rows]

    def choose(
        self, gender: str, offset: int, candidates: Sequence[Candidate], layout: Layout
    ) -> Candidate | None:
        """The likeliest antecedent among ``candidates`` (text order) of a pronoun of
        ``gender`` ("m"/"f") at ``offset``, or None when none fits."""
        pool = fitting(gender, candidates, offset)
        if not pool:
            return None
        scores = self.scores(features(gender, offset, pool, candidates, layout))
        return pool[max(range(len(pool)), key=scores.__getitem__)]

    @classmethod
    def from_json(cls, data: dict) -> PronounModel:
        if tuple(data["features"]) != FEATURES:
            raise ValueError("pronoun model features differ from this code's")
        return cls(tuple(float(w) for w in data["weights"]))


@lru_cache(maxsize=1)
def default_pronoun_model() -> PronounModel:
    """The shipped model (package data ``data/pronoun_model.json``)."""
    path = resources.files("newsweave") / "data" / "pronoun_model.json"
    return PronounModel.from_json(json.loads(path.read_text(encoding="utf-8")))
