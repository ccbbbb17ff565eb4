"""Plain typed data passed between the stages. Offsets are character offsets into
``Article.text``, half-open, so every claim in a brief can point back to its source."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_ID = "newsweave.brief/1"


# --------------------------------------------------------------------------- ingest
@dataclass(frozen=True)
class Article:
    """One news report as ingested. ``published`` is the first publication, never a later
    "Updated:" stamp (that goes to ``updated``): an ISO date ``YYYY-MM-DD``, or, where the
    source gives the time, a local timestamp with its own UTC offset
    (``2017-03-01T21:30:00-05:00``), so its first ten characters are always the article's own
    local day. ``author`` and ``language`` (ISO 639-1) are set by the web follower."""

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    updated: str | None = None
    url: str | None = None
    path: str | None = None
    label: str | None = None
    author: str | None = None
    language: str | None = None

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Cluster:
    """Articles about one story, to be woven into one brief (the cluster contract)."""

    id: str
    articles: tuple[Article, ...]
    query: str | None = None


# --------------------------------------------------------------------------- analyze
@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class EntityMention:
    start: int
    end: int
    text: str
    label: str
    sentence: int


@dataclass(frozen=True)
class QuoteMention:
    """A quotation or reported statement in one article (filled by the quotes analyzer)."""

    start: int
    end: int
    text: str
    speaker: str | None
    direct: bool
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    #: the content of the whole attribution this record belongs to (every record sharing its
    #: cue), as disjoint (start, end) spans in text order: two pieces for ``"A," he said, "B."``
    parts: tuple[tuple[int, int], ...] = ()
    #: how the speaker was found (``newsweave.quotes.BASES``): the cue's clause holds the
    #: content, a cue nearby, a verb framing the quote, a quote continued, ...; None: no speaker
    basis: str | None = None


@dataclass(frozen=True)
class Timex:
    """A time expression resolved against the article's published date."""

    start: int
    end: int
    text: str
    value: str  # YYYY-MM-DD, YYYY-MM or YYYY
    sentence: int


@dataclass(eq=False)
class Document:
    """One analysed article: the container every analyzer reads and annotates.

    ``doc`` is the spaCy ``Doc`` (kept for analyzers that need the parse; never serialized);
    ``vectors`` holds one L2-normalised embedding row per sentence."""

    article: Article
    sentences: tuple[Sentence, ...]
    entities: tuple[EntityMention, ...] = ()
    quotes: tuple[QuoteMention, ...] = ()
    timexes: tuple[Timex, ...] = ()
    vectors: Any = None
    doc: Any = None


# --------------------------------------------------------------------------- brief
@dataclass(frozen=True)
class StoryInfo:
    id: str
    headline: str
    first_published: str | None = None
    last_published: str | None = None


@dataclass(frozen=True)
class Source:
    id: str
    title: str | None
    outlet: str | None
    published: str | None
    url: str | None = None
    path: str | None = None
    words: int = 0
    #: the source this one copies near-verbatim (syndication), if any; extra to the contract
    copy_of: str | None = None
    #: the article's update stamp (a revised report: "Updated: March 8"), never its
    #: publication; extra to the contract
    updated: str | None = None
    #: the publication time with its UTC offset, when the source gives one (``published`` is
    #: its local day, the date the contract asks for); extra to the contract
    published_at: str | None = None


@dataclass(frozen=True)
class Origin:
    source: str
    start: int
    end: int


@dataclass(frozen=True)
class SummarySentence:
    """``evidence``: the sentence in each cited source that carries this one (origin first)."""

    text: str
    citations: tuple[str, ...]
    origin: Origin | None = None
    evidence: tuple[Origin, ...] = ()
    #: independent origins among ``citations`` (a copy and its original count once); 0 when
    #: not computed. Extra to the contract
    origins: int = 0


@dataclass(frozen=True)
class QuoteVariant:
    source: str
    text: str
    start: int | None = None
    end: int | None = None
    speaker_as_written: str | None = None
    direct: bool = True
    #: offsets into this source's text of the speaker mention and the cue ("said"), and the
    #: attribution's content pieces (see ``QuoteMention.parts``)
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    parts: tuple[tuple[int, int], ...] = ()
    #: the cue states a stance ("rejected", "praised", "did not want"), not words: the text is
    #: what the stance is about, shown after its cue rather than as reported speech; written
    #: to JSON only when true
    stance: bool = False


@dataclass(frozen=True)
class Quote:
    speaker: str | None
    text: str
    sources: tuple[QuoteVariant, ...]
    speaker_entity: str | None = None
    #: how sure the speaker is right, 0-1 (``newsweave.quotes.speaker_confidence``); None when
    #: not computed. ``low_confidence`` quotes are folded away on the page
    confidence: float | None = None
    low_confidence: bool = False


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    type: str
    variants: tuple[str, ...]
    sources: tuple[str, ...]
    mentions: int = 0


@dataclass(frozen=True)
class TimelineEntry:
    date: str
    text: str
    sources: tuple[str, ...]
    expression: str | None = None


@dataclass(frozen=True)
class SharedPassage:
    sources: tuple[str, ...]
    text: str
    #: where each source carries the passage (for highlighting); extra to the contract
    spans: tuple[Origin, ...] = ()


@dataclass(frozen=True)
class UniqueFacts:
    source: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    text: str
    sources: tuple[str, ...]
    #: the evidence for the claim in each source; extra to the contract
    spans: tuple[Origin, ...] = ()


@dataclass(frozen=True)
class Discrepancy:
    topic: str
    claims: tuple[Claim, ...]
    kind: str | None = None


@dataclass(frozen=True)
class Coverage:
    shared_passages: tuple[SharedPassage, ...] = ()
    unique: tuple[UniqueFacts, ...] = ()
    discrepancies: tuple[Discrepancy, ...] = ()


@dataclass(frozen=True)
class Brief:
    story: StoryInfo
    sources: tuple[Source, ...]
    summary: tuple[SummarySentence, ...]
    quotes: tuple[Quote, ...] = ()
    entities: tuple[Entity, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    coverage: Coverage = field(default_factory=Coverage)


#: optional offsets the contract types as integers: omitted rather than written as null
_OMIT_IF_NONE = frozenset(
    {"start", "end", "speaker_start", "speaker_end", "cue_start", "cue_end", "confidence"}
)


#: flags written only when set, so briefs without them read as before
_OMIT_IF_FALSE = frozenset({"stance"})


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {
            k: _plain(v) for k, v in value.items()
            if not (v is None and k in _OMIT_IF_NONE) and not (v is False and k in _OMIT_IF_FALSE)
        }
    return value


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """The brief contract (``newsweave.brief/1``): the one place a Brief becomes JSON."""
    out = {"schema": SCHEMA_ID}
    out.update(_plain(asdict(brief)))
    return out
