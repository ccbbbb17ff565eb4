"""Time expressions resolved against each article's published date, and the story timeline.

News rarely prints full dates: "on Wednesday", "last month", "in September" only mean something
against the day the article came out. :func:`extract_timexes` finds those expressions (own
patterns, plus spaCy's DATE entities for forms the patterns miss) and resolves each with small
pure functions (:func:`resolve_weekday`, :func:`resolve_month`, ...), keeping the precision the
text gives: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``. :func:`build_timeline` turns each resolved
expression into the event told in its sentence and merges the same event across sources.

Conventions (AP style, which most wire copy follows): a weekday name means the most recent such
day up to and including the publication day ("Thursday" in a Thursday story is that day); a
month or day without a year means its most recent occurrence not after publication. The tense of
the governing verb (from spaCy's parse) can turn that around: the future ("will vote on
Friday", "was expected on Monday") points forward, the present ("goes on sale in June") points
forward when that is within ``PRESENT_FORWARD_DAYS``, and a date that only names a noun ("the
May 19 opening") takes whichever reading is nearer. An undated article is resolved against a full
date in its opening lines when it has one."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from newsweave.boilerplate import is_page_notice
from newsweave.figures import amounts
from newsweave.models import Document, Origin, Sentence, TimelineEntry, Timex
from newsweave.nlp import sentence_of

# --------------------------------------------------------------------------- vocabulary
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

_MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()
_MONTH_ABBREVIATIONS = "Jan Feb Mar Apr Jun Jul Aug Sept Sep Oct Nov Dec".split()
_WEEKDAY_NAMES = [w.capitalize() for w in WEEKDAYS]


def _title_or_upper(words: Sequence[str]) -> str:
    """Alternatives for capitalised or all-capital words ("July", "JULY"; not "july")."""
    return "|".join(f"{w}|{w.upper()}" for w in words)


_MONTH_RE = rf"(?:{_title_or_upper(_MONTH_NAMES)}|(?:{_title_or_upper(_MONTH_ABBREVIATIONS)})\.?)"
_DAY_RE = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR_RE = r"(?:1[89]\d\d|20\d\d)"
#: a day beside its month ("March 2", "2 March", "Mar. 2nd"): a date, not a count (the
#: summary's citations tell counts apart, ``summary._figures``)
DAY_BESIDE_MONTH = re.compile(rf"\b(?:{_MONTH_RE})\s+{_DAY_RE}\b|\b{_DAY_RE}\s+(?:{_MONTH_RE})")
_WEEKDAY_RE = rf"(?:{_title_or_upper(_WEEKDAY_NAMES)})"
#: "Thursday, April 5": a weekday before a date is part of it
_WEEKDAY_PREFIX = rf"(?:\b{_WEEKDAY_RE},?\s+(?:the\s+)?)?"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))?"
_QUALIFIER = r"(?:(?:early|late|mid|the\s+(?:start|beginning|end|middle)\s+of)[\s-]+)"
_NUMBER = r"(?:\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
#: what follows a four-digit number that is not a year ("1830 GMT", "2000 percent")
_NOT_YEAR = r"(?:percent|per\s+cent|GMT|UTC|hours|hrs|local|people|troops|miles|feet|km|meters)"
#: words before a bare year that make it a time ("in 2016", "since 2014", "the 2016 campaign")
_YEAR_CONTEXT = re.compile(
    r"(?:\b(?:in|since|until|till|by|during|before|after|from|through|of|early|late|mid|the|"
    r"between|and|to|for)\s*|-)$",
    re.IGNORECASE,
)

#: one pattern per kind of expression, tried in this order (first kind wins an overlap)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rx))
    for kind, rx in (
        ("iso", r"\b(?P<y>\d{4}) ?- ?(?P<m>[01]\d) ?- ?(?P<d>[0-3]\d)\b"),
        (
            "month_day",
            rf"(?=[A-Z]){_WEEKDAY_PREFIX}\b(?P<mon>{_MONTH_RE})\s+(?P<d>{_DAY_RE})\b"
            rf"(?:,?\s+(?P<y>{_YEAR_RE})\b)?",
        ),
        (
            "day_month",
            rf"(?=[A-Z\d]){_WEEKDAY_PREFIX}\b(?P<d>{_DAY_RE})\s+(?:of\s+)?(?P<mon>{_MONTH_RE})"
            rf"(?:,?\s+(?P<y>{_YEAR_RE}))?\b",
        ),
        (
            "month_year",
            rf"(?=[A-Zelmt])\b(?:{_QUALIFIER})?(?P<mon>{_MONTH_RE}),?\s+(?P<y>{_YEAR_RE})\b",
        ),
        (
            "weekday",
            rf"(?=[A-Zltnop])(?i:\b(?P<rel>last|this|next|on|past)\s+)?\b(?P<wd>{_WEEKDAY_RE})\b(?i:{_PART_OF_DAY})",
        ),
        (
            "relative_day",
            r"(?i)(?=[ty])\b(?P<rd>today|yesterday|tomorrow|tonight|this\s+(?:morning|afternoon|evening))\b",
        ),
        (
            "relative_unit",
            r"(?i)(?=[ltne])\b(?P<rel>last|this|next|earlier\s+this|later\s+this)\s+(?P<unit>week|month|year)\b",
        ),
        (
            "ago",
            rf"(?i)(?=[\daotfsen])\b(?P<n>{_NUMBER})\s+(?P<unit>day|week|month|year)s?\s+ago\b",
        ),
        (
            "month",
            rf"(?=[isubdltnemfoaISUBDLTNEMFOA])(?i:\b(?P<rel>in|since|until|till|by|during|last|this|next|early|late|mid|"
            rf"from|through|of|before|after)[\s-]+(?:(?:early|late|mid)[\s-]+)?)"
            rf"(?P<mon>{_MONTH_RE})(?![\w-]|\.\w|\s+\d)",
        ),
        ("qualified_year", rf"(?i)(?=[elmt])\b{_QUALIFIER}(?P<y>{_YEAR_RE})\b"),
        (
            "year",
            rf"(?=[12])(?<![\d$£€.,/-])\b(?P<y>{_YEAR_RE})\b(?![\d%/:-]|\.\d|,\d|\s*{_NOT_YEAR})",
        ),
    )
)


@dataclass(frozen=True)
class TimeCandidate:
    """A stretch of text that may be a time expression, before resolution."""

    start: int
    end: int
    kind: str
    groups: dict[str, str | None]


# --------------------------------------------------------------------------- pure resolvers
def resolve_weekday(weekday: str, published: date, *, future: bool = False) -> date:
    """The most recent ``weekday`` on or before ``published`` (or the next one on or after it
    when ``future``): the AP convention, where "Thursday" in a Thursday story is that day."""
    target = WEEKDAYS.index(weekday.lower())
    if future:
        return published + timedelta(days=(target - published.weekday()) % 7)
    return published - timedelta(days=(published.weekday() - target) % 7)


def resolve_month(month: int, published: date, *, future: bool = False) -> tuple[int, int]:
    """(year, month) of the most recent ``month`` not after publication (next one if future)."""
    if future:
        return (published.year if month >= published.month else published.year + 1, month)
    return (published.year if month <= published.month else published.year - 1, month)


def resolve_day_month(
    day: int, month: int, published: date, *, future: bool = False
) -> date | None:
    """A day and month without a year: their most recent occurrence up to publication (the
    next one from it when ``future``); None for a day no year has (April 31)."""
    year = published.year
    if future:
        if (month, day) < (published.month, published.day):
            year += 1
    elif (month, day) > (published.month, published.day):
        year -= 1
    step = 1 if future else -1
    for offset in range(0, 8 * step, step):  # February 29 waits for a leap year
        found = _safe_date(year + offset, month, day)
        if found:
            return found
    return None


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """(year, month) moved by ``delta`` months, across year boundaries."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def week_value(monday: date) -> str:
    """An honest value for the week starting ``monday``: its month when the whole week lies in
    one month, else its year, else nothing (a week across New Year has no single value)."""
    sunday = monday + timedelta(days=6)
    if (monday.year, monday.month) == (sunday.year, sunday.month):
        return f"{monday.year:04d}-{monday.month:02d}"
    return f"{monday.year:04d}" if monday.year == sunday.year else ""


def resolve_relative_unit(rel: str, unit: str, published: date) -> str:
    """ "last month", "this year", "earlier this week"... as YYYY-MM or YYYY ("" if unknowable)."""
    rel = " ".join(rel.lower().split())
    delta = {"last": -1, "next": 1}.get(rel, 0)
    unit = unit.lower()
    if unit == "year":
        return f"{published.year + delta:04d}"
    if unit == "month":
        year, month = shift_month(published.year, published.month, delta)
        return f"{year:04d}-{month:02d}"
    monday = published - timedelta(days=published.weekday()) + timedelta(weeks=delta)
    return week_value(monday)


def resolve_ago(n: int, unit: str, published: date) -> str:
    """ "three days ago" → a day; weeks or months ago → the month; years ago → the year."""
    unit = unit.lower()
    if unit == "day":
        return (published - timedelta(days=n)).isoformat()
    if unit == "week":
        return (published - timedelta(weeks=n)).isoformat()[:7]
    if unit == "month":
        year, month = shift_month(published.year, published.month, -n)
        return f"{year:04d}-{month:02d}"
    return f"{published.year - n:04d}"


def parse_published(value: str | None) -> date | None:
    """The article's published ISO date (``YYYY-MM-DD``; a longer timestamp is cut), or None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_number(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def resolve_candidate(
    candidate: TimeCandidate, published: date | None, *, future: bool = False
) -> str | None:
    """The value of one candidate: YYYY-MM-DD, YYYY-MM or YYYY; None when it cannot be resolved
    (a relative expression in an undated article, an impossible date)."""
    g = candidate.groups
    kind = candidate.kind
    year = int(g["y"]) if g.get("y") else None
    if kind in ("iso", "month_day", "day_month"):
        month = int(g["m"]) if kind == "iso" else _month_number(g["mon"] or "")
        day = int(re.sub(r"\D", "", g["d"] or ""))
        if year is not None:
            found = _safe_date(year, month, day)
        elif published is not None:
            found = resolve_day_month(day, month, published, future=future)
        else:
            found = None
        return found.isoformat() if found else None
    if kind == "month_year":
        return f"{year:04d}-{_month_number(g['mon'] or ''):02d}"
    if kind in ("qualified_year", "year"):
        return f"{year:04d}"
    if published is None:
        return None
    if kind == "weekday":
        rel = (g.get("rel") or "").lower()
        when = resolve_weekday(g["wd"] or "", published, future=future or rel == "next")
        if rel == "last" and when == published:
            when -= timedelta(days=7)
        elif rel == "next" and when == published:
            when += timedelta(days=7)
        return when.isoformat()
    if kind == "relative_day":
        offset = {"yesterday": -1, "tomorrow": 1}.get((g["rd"] or "").lower(), 0)
        return (published + timedelta(days=offset)).isoformat()
    if kind == "relative_unit":
        return resolve_relative_unit(g["rel"] or "", g["unit"] or "", published) or None
    if kind == "ago":
        raw = (g["n"] or "").lower()
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        return resolve_ago(n, g["unit"] or "", published)
    if kind == "month":
        rel = (g.get("rel") or "").lower()
        month = _month_number(g["mon"] or "")
        if rel == "this":
            y, m = published.year, month
        elif rel == "next":
            y, m = resolve_month(month, published, future=True)
            if m == published.month and y == published.year:
                y += 1
        else:
            y, m = resolve_month(month, published, future=future)
            if rel == "last" and (y, m) == (published.year, published.month):
                y -= 1
        return f"{y:04d}-{m:02d}"
    return None


# --------------------------------------------------------------------------- finding
class DisjointSpans:
    """Non-overlapping ``[start, end)`` spans kept sorted, so "does this span overlap one of
    them?" is a binary search, not a scan of all: a long article has thousands of matches,
    and scanning them all per match was quadratic (seconds at 250,000 characters)."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in spans:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        """Add a span; one overlapping spans already held is merged with them (their union
        answers both questions below the same way), so they stay disjoint and sorted. An
        empty span holds nothing and is not kept."""
        if end <= start:
            return
        lo = hi = bisect_left(self.starts, start)
        if lo > 0 and self.ends[lo - 1] > start:
            lo -= 1
        while hi < len(self.starts) and self.starts[hi] < end:
            hi += 1
        if lo < hi:
            start, end = min(start, self.starts[lo]), max(end, self.ends[hi - 1])
        self.starts[lo:hi] = [start]
        self.ends[lo:hi] = [end]

    def overlaps(self, start: int, end: int) -> bool:
        """True if some held span (s, e) has s < end and start < e. Held spans are disjoint
        and sorted, so their ends are sorted too: only the last one starting before ``end``
        can reach past ``start``."""
        i = bisect_left(self.starts, end)
        return i > 0 and self.ends[i - 1] > start

    def contains(self, pos: int) -> bool:
        """True if some held span (s, e) has s <= pos < e."""
        i = bisect_right(self.starts, pos)
        return i > 0 and self.ends[i - 1] > pos


def find_candidates(text: str) -> list[TimeCandidate]:
    """Every pattern match in ``text``, overlaps resolved: earlier kinds in ``_PATTERNS`` and
    then longer matches win. Month names must be capitalised ("march" and "may" are verbs) and,
    alone, follow a temporal word ("in July"); bare years are filtered by the caller."""
    found: list[TimeCandidate] = []
    taken = DisjointSpans()
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if start == end or taken.overlaps(start, end):
                continue
            if kind == "weekday" and _named_day(text, start, end):
                continue
            found.append(TimeCandidate(start, end, kind, match.groupdict()))
            taken.add(start, end)
    return sorted(found, key=lambda c: c.start)


#: a weekday inside a name: a holiday ("Good Friday", "Super Tuesday") or a paper ("Sunday Times")
_DAY_NAME_BEFORE = frozenset(
    {"good", "black", "super", "ash", "cyber", "holy", "easter", "palm", "bloody", "maundy", "fat"}
)
_DAY_NAME_AFTER = re.compile(
    r"\s+(?:Times|Telegraph|Express|Mirror|Herald|Post|Mail|Star|Independent|Sport|School|"
    r"Night\s+Football|Bloody)\b"
)


def _named_day(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 12) : start].split()
    if before and before[-1].lower() in _DAY_NAME_BEFORE:
        return True
    return bool(_DAY_NAME_AFTER.match(text, end))


def _bare_year_ok(text: str, start: int, date_spans: DisjointSpans,
                  counts: frozenset[int] = frozenset()) -> bool:
    """A bare year counts inside a spaCy DATE or after a temporal word ("since 1984"), unless
    it counts things (``counts``, see :func:`count_starts`)."""
    if start in counts:
        return False
    if date_spans.contains(start):
        return True
    return bool(_YEAR_CONTEXT.search(text[max(0, start - 20) : start]))


def count_starts(doc) -> frozenset[int]:
    """Where a four-digit number counts things: the number of a plural noun with no article
    or possessive before it ("power to 1950 homes", "hired 2000 extra workers"). spaCy tags
    them DATE; "the 2016 elections" and "Trump's 2016 campaign" stay years."""
    if doc is None:
        return frozenset()
    out = set()
    for tok in doc:
        if (tok.dep_ == "nummod" and tok.head.tag_ == "NNS" and tok.head.i > tok.i
                and len(tok.text) == 4 and tok.text.isdigit()
                and (tok.i == 0 or doc[tok.i - 1].tag_ not in ("DT", "PRP$", "POS", "WP$"))):
            out.add(tok.idx)
    return frozenset(out)


def _spacy_date_spans(doc) -> list[tuple[int, int]]:
    if doc is None:
        return []
    return [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "DATE"]


_BARE_MONTH = re.compile(_MONTH_RE)
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+$")


def _name_context(text: str, start: int, end: int) -> bool:
    """A month name used as a name: "Ms. August", "April Ryan"."""
    return bool(_HONORIFIC.search(text[max(0, start - 6) : start])) or bool(
        re.match(r"\s+[A-Z][a-z]", text[end : end + 3])
    )


def _spacy_extra_candidates(doc, text: str, taken: Sequence[TimeCandidate]) -> list[TimeCandidate]:
    """spaCy DATE entities that our patterns missed but can parse in full (e.g. "Dec 5th")."""
    extra: list[TimeCandidate] = []
    held = DisjointSpans((c.start, c.end) for c in taken)
    for start, end in _spacy_date_spans(doc):
        if held.overlaps(start, end):
            continue
        piece = text[start:end]
        if _BARE_MONTH.fullmatch(piece) and not _name_context(text, start, end):
            extra.append(TimeCandidate(start, end, "month", {"mon": piece, "rel": None}))
            continue
        for cand in find_candidates(piece):
            if cand.kind != "year":
                extra.append(
                    TimeCandidate(cand.start + start, cand.end + start, cand.kind, cand.groups)
                )
    return extra


#: auxiliaries that put the verb after publication ("will meet", "said he would meet",
#: "must pass by Friday"); a perfect ("might have met") is caught before them
_FUTURE_AUX = frozenset(
    {"will", "'ll", "shall", "wo", "would", "might", "must", "should", "can", "may", "ca"}
)
#: verbs of intent whose infinitive lies ahead ("prepared to meet Wednesday")
_INTENT = frozenset(
    {"plan", "expect", "prepare", "hope", "want", "intend", "aim", "vow", "promise", "threaten",
     "schedule", "decide", "agree", "pledge", "seek", "vote", "opt", "choose", "resolve"}
)  # fmt: skip
_FUTURE_LEFT = re.compile(r"\b(?:going|due|set|scheduled|expected|planning|poised)\s+to\s*$")
#: passive verbs of planning: "was expected in Ankara on Monday" is ahead
_PLANNED = frozenset({"expect", "schedule", "plan", "set", "slate"})
#: reporting verbs: in the present tense ("says Tuesday") they still report a past statement
_REPORTING = frozenset(
    {"say", "tell", "announce", "report", "confirm", "deny", "claim", "add", "state", "warn"}
)
#: words right before the expression that mark an upcoming date ("the planned Oct. 1 parade")
_UPCOMING = re.compile(r"\b(?:planned|upcoming|scheduled|coming|forthcoming)\s+$", re.IGNORECASE)
#: a present-tense verb ("goes on sale in early June", "results are released in December")
#: points forward when the forward reading is within this many days of publication
PRESENT_FORWARD_DAYS = 275


def tense(doc, start: int, end: int, text: str | None = None) -> str:
    """ "future", "present" or "past": the tense of the verb that governs the span; "nominal"
    when the span only modifies a noun ("the May 19 opening", "his 10 January testimony") or
    hangs on no verb, so the tense says nothing about it."""
    if doc is None:
        return "past"
    text = doc.text if text is None else text  # pass the text: Doc.text is rebuilt per call
    if _UPCOMING.search(text[max(0, start - 16) : start]):
        return "future"
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return "past"
    modifier = span.root.dep_ in ("nmod", "compound", "amod", "poss")
    if modifier and span.root.head.pos_ in ("NOUN", "PROPN"):
        return "nominal"
    token, intended = _governing_verb(span.root)
    if token is None:
        return "nominal"
    if intended:
        return "future"
    auxes = _auxiliaries(token)
    words = {a.lower_.replace("’", "'") for a in auxes}
    if token.tag_ == "VBN" and any(a.lemma_ == "have" for a in auxes):
        return "past"  # "has met", "might have met", "would have met"
    if words & _FUTURE_AUX or ("'d" in words and token.tag_ == "VB"):
        return "future"  # "will meet", "said he would meet", "he'd spend"
    if _FUTURE_LEFT.search(text[max(0, token.idx - 25) : token.idx].lower()):
        return "future"  # "is set to meet"
    if token.lemma_ in _PLANNED and any(a.dep_ == "auxpass" for a in auxes):
        return "future"  # "was expected in Ankara on Monday"
    aux_tags = {a.tag_ for a in auxes}
    if token.tag_ == "VBD" or "VBD" in aux_tags or (token.tag_ == "VBN" and auxes):
        return "past"  # "met", "was fired", "has met"
    if token.lemma_ in _REPORTING:
        return "past"  # "Pelosi says on Wednesday": a report of what was said
    if token.tag_ in ("VBZ", "VBP") or aux_tags & {"VBZ", "VBP"}:
        return "present"  # "goes on sale", "is meeting"
    return "past"


def _governing_verb(token) -> tuple[object | None, bool]:
    """The verb a time expression hangs on; for an infinitive ("advances to play Saturday") or
    a bare gerund ("will sell toys starting May 3") the verb that carries the tense. The flag
    says an infinitive hung on a verb of intent ("prepared to meet Wednesday"): ahead."""
    for _ in range(4):
        if token.pos_ in ("VERB", "AUX") or token.head.i == token.i:
            break
        token = token.head
    if token.pos_ not in ("VERB", "AUX"):
        return None, False
    intended = False
    for _ in range(3):
        own_aux = [c for c in token.children if c.dep_ in ("aux", "auxpass")]
        infinitive = token.tag_ == "VB" and own_aux and all(c.tag_ == "TO" for c in own_aux)
        gerund = token.tag_ == "VBG" and not own_aux  # "will sell toys starting May 3"
        if not (infinitive or gerund) or token.head.i == token.i:
            break
        if token.head.pos_ not in ("VERB", "AUX"):
            break
        token = token.head
        intended = intended or (bool(infinitive) and token.lemma_ in _INTENT)
    return token, intended


def _auxiliaries(verb) -> list:
    """The verb's own auxiliaries: left of it and not across punctuation (spaCy sometimes
    hangs a quoted clause's "would" on the attribution verb)."""
    out = []
    for child in verb.children:
        if child.dep_ not in ("aux", "auxpass") or child.i > verb.i:
            continue
        between = verb.doc[child.i + 1 : verb.i]
        if verb.i - child.i <= 4 and not any(t.is_punct for t in between):
            out.append(child)
    return out


def first_day(value: str) -> date:
    """The earliest day a resolved value can mean ("2016-07" → 2016-07-01)."""
    return date.fromisoformat(date_sort_key(value)[0])


_DIRECTED = frozenset({"weekday", "month", "month_day", "day_month"})


def _resolve_in_context(cand: TimeCandidate, reference: date | None, when: str) -> str | None:
    """Resolve with the sentence's tense: the future points forward; the present does when
    the forward reading is within ``PRESENT_FORWARD_DAYS``; a date that only names a noun
    ("the May 19 opening") takes the nearer reading; everything else looks back."""
    if cand.kind not in _DIRECTED or reference is None or when == "past":
        return resolve_candidate(cand, reference)
    if when == "nominal" and cand.kind == "weekday":
        return resolve_candidate(cand, reference)
    forward = resolve_candidate(cand, reference, future=True)
    if when == "future" or forward is None:
        return forward
    backward = resolve_candidate(cand, reference)
    ahead = (first_day(forward) - reference).days
    if when == "present":
        return forward if ahead <= PRESENT_FORWARD_DAYS else backward
    behind = (reference - first_day(backward)).days if backward else ahead + 1
    return forward if ahead < behind else backward


#: a paragraph an update added, marked as such: "UPDATE, Friday morning: ...", "Update (9:15
#: a.m.): ...", "UPDATED: ..."; a sentence that only opens with the word ("Updated figures
#: show ...") is no such mark
_UPDATE_MARK = re.compile(r"[^\S\n]*[*_\[(]*(?:UPDATE[DS]?|Update[ds]?)\b[^\S\n]*(?:[:,(\[—–-]|\d)")


def update_paragraphs(text: str) -> list[tuple[int, int]]:
    """The spans of the paragraphs an update marks: their weekdays and "today" are the update
    day's (the article's ``updated`` stamp), not the first publication's (a Friday update of a
    Thursday story said "Friday", which read a week back)."""
    out = []
    pos = 0
    for line in text.split("\n"):
        if _UPDATE_MARK.match(line):
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _anchor(candidates: Sequence[TimeCandidate], sentences: Sequence[Sentence]) -> date | None:
    """For an undated article, a full date in its first two sentences (a headline or dateline
    "Thursday, April 5, 2007") stands in for the publication date."""
    limit = sentences[1].end if len(sentences) > 1 else (sentences[0].end if sentences else 300)
    for cand in candidates:
        if cand.start >= limit:
            break
        if cand.kind in ("iso", "month_day", "day_month") and cand.groups.get("y"):
            value = resolve_candidate(cand, None)
            if value:
                return date.fromisoformat(value)
    return None


_LEADING_PREP = re.compile(
    r"^(?:on|in|since|until|till|by|during|from|through|of|before|after)\s+", re.IGNORECASE
)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading preposition ("on Wednesday" → "Wednesday"): the expression, not the
    phrase; qualifiers that change the meaning ("last", "early") stay."""
    span = text[start:end]
    m = _LEADING_PREP.match(span)
    if m and m.end() < len(span):
        start += m.end()
    while end > start and text[end - 1] in " ,.":
        end -= 1
    return start, end


def extract_timexes(document: Document) -> tuple[Timex, ...]:
    """Every time expression in the article, resolved against its published date (in an
    undated article, against a full date in its opening, else only absolute dates resolve).
    Durations ("two years") and ages are not matched."""
    text = document.article.text
    published = parse_published(document.article.published)
    doc = document.doc
    date_spans = DisjointSpans(_spacy_date_spans(doc))
    counts = count_starts(doc)
    candidates = [
        c
        for c in find_candidates(text)
        if c.kind != "year" or _bare_year_ok(text, c.start, date_spans, counts)
    ]
    candidates += _spacy_extra_candidates(doc, text, candidates)
    candidates.sort(key=lambda c: c.start)
    reference = published or _anchor(candidates, document.sentences)
    updated = parse_published(document.article.updated)
    updates = DisjointSpans(update_paragraphs(text)) if updated else DisjointSpans()
    out: list[Timex] = []
    for cand in candidates:
        here = updated if updates.contains(cand.start) else reference
        value = _resolve_in_context(cand, here, tense(doc, cand.start, cand.end, text))
        if not value:
            continue
        start, end = _trim(text, cand.start, cand.end)
        sentence = sentence_of(document.sentences, start) if document.sentences else 0
        out.append(
            Timex(start=start, end=end, text=text[start:end], value=value, sentence=sentence)
        )
    return tuple(out)


# --------------------------------------------------------------------------- timeline
#: cosine of MiniLM sentence vectors at which two same-date sentences tell the same event
#: (paraphrases of one event across outlets score ~0.7-0.9; different events of one day <0.6)
MERGE_COSINE = 0.7
#: content-word overlap (share of the smaller sentence's words) that also counts as the same event
MERGE_OVERLAP = 0.6
MERGE_MIN_SHARED = 4
#: a lower cosine suffices when the two sentences share this many names (same actors, same date:
#: "Sessions met Kislyak ... in September" told two ways scores ~0.62)
NAMED_COSINE = 0.6
NAMED_SHARED = 2

#: a leading dateline: "WASHINGTON:", "New York [USA], Mar. 3 (ANI):", "LONDON (Reuters) -"
DATELINE = re.compile(
    r"^\s*(?P<place>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})"
    r"(?P<region>\s*\[[^\]\n]{1,30}\])?"
    rf"(?P<date>,?\s+{_MONTH_RE}\s+\d{{1,2}}(?:,\s*\d{{4}})?)?"
    r"(?P<agency>\s*\([^)\n]{1,30}\))?"
    r"\s*(?::|--|—|–|-)\s+"
)


def dateline_length(sentence: str) -> int:
    """Characters of a leading dateline in ``sentence`` (0 if none). A capitalised word and a
    colon alone is not enough ("Trump: ..."): the place must be in capitals or come with a
    region, a date or an agency."""
    m = DATELINE.match(sentence)
    if not m:
        return 0
    place = m.group("place")
    if place.isupper() or m.group("region") or m.group("date") or m.group("agency"):
        return m.end()
    return 0


def _is_stamp(document: Document, timex: Timex, sentence: Sentence) -> bool:
    """The article's own date stamp, not an event: inside the dateline, or a parenthesised
    publication date ("on Thursday (Mar 2)")."""
    if timex.start < sentence.start + dateline_length(sentence.text) and timex.sentence <= 1:
        return True
    text = document.article.text
    before = text[max(0, timex.start - 1) : timex.start]
    after = text[timex.end : timex.end + 1]
    published = parse_published(document.article.published)
    return (
        before == "("
        and after == ")"
        and published is not None
        and timex.value == published.isoformat()
    )


@dataclass
class _Event:
    date: str
    text: str
    expression: str
    sources: list[str]
    vectors: list[np.ndarray]
    words: list[frozenset[str]]
    names: list[frozenset[str]]
    order: tuple[int, int]
    spans: list[Origin]
    figures: list[frozenset[float]]


_STOP = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "at", "for", "and", "or", "but", "with", "by",
    "from", "as", "is", "was", "were", "be", "been", "has", "have", "had", "that", "this",
    "which", "who", "he", "she", "it", "they", "his", "her", "its", "their", "said", "says",
    "last", "next",
})  # fmt: skip


_TIME_WORDS = frozenset(WEEKDAYS) | frozenset(_MONTHS) | {
    "year", "month", "week", "today", "yesterday", "tonight", "night", "morning", "early", "late",
}  # fmt: skip
_NOT_NAMES = _TIME_WORDS | _STOP


def content_words(text: str) -> frozenset[str]:
    """Lower-cased content words, for the lexical side of event matching; time words are left
    out, since every sentence of one date shares them."""
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _NOT_NAMES)


def names(text: str) -> frozenset[str]:
    """Capitalised words past the first (people, places, bodies), minus months and weekdays."""
    words = re.findall(r"(?<=\s)[A-Z][\w'’-]+", text)
    return frozenset(
        w.lower().removesuffix("'s").removesuffix("’s")
        for w in words
        if w.lower() not in _NOT_NAMES
    )


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared share of the smaller word set; 0 under ``MERGE_MIN_SHARED`` shared words, so
    two short sentences do not merge on a word or two."""
    shared = len(a & b)
    if shared < MERGE_MIN_SHARED:
        return 0.0
    return shared / min(len(a), len(b))


#: a lower cosine still when the two sentences of one date state the same figure ("a vote on a
#: $48 million plan" postponed / "put off its vote on the $48 million repair plan": 0.60)
FIGURE_COSINE = 0.5


def _same_event(
    event: _Event, vector: np.ndarray | None, words: frozenset[str], named: frozenset[str],
    figures: frozenset[float] = frozenset(),
) -> bool:
    if any(_overlap(words, w) >= MERGE_OVERLAP for w in event.words):
        return True
    if vector is None or vector.size == 0:
        return False
    for v, other, told in zip(event.vectors, event.names, event.figures, strict=True):
        cosine = float(np.dot(v, vector))
        if cosine >= MERGE_COSINE or (
            cosine >= NAMED_COSINE and len(named & other) >= NAMED_SHARED
        ) or (cosine >= FIGURE_COSINE and figures & told):
            return True
    return False


def date_sort_key(value: str) -> tuple[str, int]:
    """Order dates by the earliest day a value could mean, the coarser value first on a tie
    ("2016" before "2016-01" before "2016-01-01")."""
    parts = value.split("-")
    padded = "-".join(parts + ["01"] * (3 - len(parts)))
    return padded, len(parts)


def event_text(sentence: Sentence) -> str:
    """The sentence with any leading dateline removed."""
    return sentence.text[dateline_length(sentence.text) :].strip()


def _timexes(document: Document) -> Iterable[Timex]:
    return document.timexes or extract_timexes(document)


#: of the dates in one sentence, those hanging this many steps deeper in the parse than the
#: one nearest the main verb date a side event, not the sentence's: one step allows a second
#: date joined to the first ("in July ..., and in September")
SIDE_DATE_DEPTH = 2


def clause_depth(doc, start: int, end: int) -> int | None:
    """Steps from the expression's head word up to its sentence's root in the parse (None
    without a parse): how far from the main clause a date hangs."""
    if doc is None:
        return None
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    token, depth = span.root, 0
    while token.head.i != token.i and depth < 64:
        token, depth = token.head, depth + 1
    return depth


#: words that set a phrase's event before or after the one it hangs on ("after the board approved
#: the limits on Monday", "since leaving Parliament in 2013"): a date inside such a phrase dates
#: that other event, unless the word takes the date itself ("after Monday", "since 2015")
_SEQUENCE_WORDS = frozenset({"after", "before", "following", "since", "until", "till", "prior"})
#: a date these take is where a state begins or ends, no event of the sentence's ("the
#: roads stay closed until Saturday" is no Saturday event, "the third fire since 2021" no
#: 2021 one)
_SPAN_BOUNDS = frozenset({"since", "until", "till"})
#: a clause or noun phrase set off by punctuation adds a side fact about a noun ("the
#: restrictions, which take effect on June 15", "Brooks, who was first elected in 2016, said")
_ASIDE_DEPS = frozenset({"relcl", "appos"})
_ASIDE_OPENERS = frozenset({",", "(", "—", "–", "-"})


def _set_off(token) -> bool:
    """Whether the phrase ``token`` heads follows a comma, bracket or dash."""
    first = token.left_edge.i
    return first > 0 and token.doc[first - 1].text in _ASIDE_OPENERS


def _sequence_word(token) -> bool:
    """``token`` is a sequence preposition, or a clause introduced by one as its marker."""
    if token.dep_ in {"prep", "mark"} and token.lower_ in _SEQUENCE_WORDS:
        return True
    return token.dep_ == "advcl" and any(
        child.dep_ == "mark" and child.lower_ in _SEQUENCE_WORDS for child in token.children
    )


def in_side_phrase(doc, start: int, end: int) -> bool:
    """Whether the expression dates a side fact, not its sentence's event: it sits in a
    relative clause or apposition set off by punctuation, or in a phrase that places another
    event before or after ("after the board approved the limits on Monday"). False without a
    parse. The expression's own preposition does not count ("after Monday"), nor a date
    standing in apposition to another ("on Thursday, March 2"), unless it bounds a span
    ("until Saturday", "since 2021")."""
    if doc is None:
        return False
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return False
    token = span.root
    if token.dep_ == "appos":
        token = token.head  # the date it stands beside
    if token.head.dep_ == "prep" and token.dep_ == "pobj":
        if token.head.lower_ in _SPAN_BOUNDS:
            return True  # the start or end of a span: "closed until Saturday", "since 2021"
        token = token.head  # its own preposition
    steps = 0
    while token.head.i != token.i and steps < 64:
        token, steps = token.head, steps + 1
        if (token.dep_ in _ASIDE_DEPS and _set_off(token)) or _sequence_word(token):
            return True
    return False


def main_dates(document: Document, timexes: Sequence[Timex]) -> list[Timex]:
    """The expressions that date their sentence's own event. A sentence with several dates
    tells its main event at the one nearest the main verb; a date deep in a side clause dates
    something else ("Pelosi on Wednesday called for Sessions to resign following the report
    that he did not disclose two conversations last year" is Wednesday's event, not last
    year's), so the timeline does not list the sentence under it. So does a lone date in an
    aside or a before/after phrase (``in_side_phrase``): "The board voted to impose the
    restrictions, which take effect on June 15" is no June 15 vote, and is left out."""
    by_sentence: dict[int, list[int]] = {}
    for n, timex in enumerate(timexes):
        by_sentence.setdefault(timex.sentence, []).append(n)
    side = {n for n, t in enumerate(timexes) if in_side_phrase(document.doc, t.start, t.end)}
    for group in by_sentence.values():
        if len({timexes[n].value for n in group}) < 2:
            continue  # one date (or one date said twice): nothing to choose
        depths = [clause_depth(document.doc, timexes[n].start, timexes[n].end) for n in group]
        if None in depths:
            continue
        nearest = min(depths)
        side.update(n for n, d in zip(group, depths, strict=True)
                    if d >= nearest + SIDE_DATE_DEPTH)
    return [t for n, t in enumerate(timexes) if n not in side]


def build_timeline(
    documents: Sequence[Document], apart: Callable[[Origin, Origin], bool] | None = None
) -> tuple[TimelineEntry, ...]:
    """One entry per dated event, oldest first. The event is the sentence holding the time
    expression (dateline trimmed; a date in a side clause does not date it: ``main_dates``);
    sentences of the same date that say the same thing
    (embedding cosine or content-word overlap) are one entry listing all their sources,
    unless ``apart`` says two of them disagree (the brief's discrepancies: "resigned" and
    "was fired" on one day are two entries, not one listing the outlet that said the other)."""
    events: list[_Event] = []
    for doc_index, document in enumerate(documents):
        seen: set[tuple[int, str]] = set()
        if not document.sentences:
            continue
        dated = [t for t in _timexes(document)
                 if not _is_stamp(document, t, document.sentences[t.sentence])
                 and not is_page_notice(document.sentences[t.sentence].text)]
        for timex in main_dates(document, dated):
            if (timex.sentence, timex.value) in seen:
                continue
            sentence = document.sentences[timex.sentence]
            seen.add((timex.sentence, timex.value))
            text = event_text(sentence)
            if len(content_words(text)) < 2:
                continue
            vector = _vector(document, timex.sentence)
            words, named, figures = content_words(text), names(text), amounts(text)
            source = document.article.id
            span = Origin(source, sentence.start, sentence.end)
            match = next(
                (
                    e
                    for e in events
                    if e.date == timex.value and _same_event(e, vector, words, named, figures)
                    and not (apart and any(apart(other, span) for other in e.spans))
                ),
                None,
            )
            if match is None:
                match = _Event(
                    timex.value, text, timex.text, [], [], [], [], (doc_index, timex.start), [],
                    [],
                )
                events.append(match)
            match.spans.append(span)
            if source not in match.sources:
                match.sources.append(source)
            if vector is not None:
                match.vectors.append(vector)
                match.names.append(named)
                match.figures.append(figures)
            match.words.append(words)
    events.sort(key=lambda e: (date_sort_key(e.date), e.order))
    return tuple(
        TimelineEntry(date=e.date, text=e.text, sources=tuple(e.sources), expression=e.expression)
        for e in events
    )


def _vector(document: Document, index: int) -> np.ndarray | None:
    vectors = document.vectors
    if vectors is None or len(vectors) <= index:
        return None
    row = np.asarray(vectors[index], dtype=np.float32)
    return row if row.size else None
