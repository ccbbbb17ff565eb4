"""One entity per real-world referent across all sources, built from spaCy's entity mentions.

Outlets name the same person or body many ways: "Attorney General Jeff Sessions", "Sessions",
"Sessions'"; "Sergey" and "Sergei Kislyak"; "FBI" and "the Federal Bureau of Investigation";
"WASHINGTON" and "Washington"; "US", "U.S." and "the United States". :func:`resolve_entities`
folds those into one :class:`~newsweave.models.Entity` each and returns, beside them, which entity
every mention belongs to, so quotes and coverage can link their spans.

People are resolved in passes, from the most to the least evidence: full names first (grouped by
surname and a compatible first name: equal, an initial, or a transliteration variant), then
mentions that name a known person in part (a surname, a first name, a full name inside a
mislabelled span), then what is left. Two full names that share a surname with incompatible
first names ("Donald Trump", "Ivanka Trump") are never merged; a bare "Trump" joins the one last
named in the same article, else the most mentioned. spaCy's small model often labels a surname
as ORG or NORP ("Sessions"), so a surname of a known person joins that person whatever its
label, except place labels (GPE, LOC), where the place reading is the likely one."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from newsweave.boilerplate import (
    byline_spans,
    is_page_notice,
    is_staff_line,
    leading_furniture,
    photo_credit_spans,
)
from newsweave.models import Document, Entity

PERSON = "PERSON"
#: labels whose surname-like mentions stay places ("Washington", "Jordan")
_PLACE_LABELS = frozenset({"GPE", "LOC"})

#: words that precede a name as a title or office, lower-cased, dots removed
TITLES = frozenset(
    """mr mrs ms miss mx dr prof professor sir dame lord lady president vice vice-president
    general gen attorney secretary senator sen rep representative congressman congresswoman
    governor gov mayor ambassador speaker leader minister premier chancellor judge justice chief
    director commissioner chairman chairwoman chair spokesman spokeswoman spokesperson adviser
    advisor king queen prince princess pope father rev reverend bishop cardinal rabbi imam
    sheikh colonel col major maj captain capt lieutenant lt sergeant sgt admiral adm officer
    detective inspector deputy agent coach counsel prosecutor sheriff dean""".split()
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
#: last words that end names of things, not people
_NOT_SURNAMES = frozenset(
    {"awards", "award", "prize", "act", "party", "committee", "foundation", "institute",
     "university", "college", "club", "center", "centre", "festival", "fund", "news", "times"}
)  # fmt: skip
#: company-form words that do not change the referent ("Apple Inc." = "Apple")
_LEGAL_SUFFIXES = frozenset(
    {"inc", "corp", "corporation", "co", "ltd", "llc", "plc", "limited", "ag", "sa", "gmbh"}
)
_MONTHS_DAYS = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday""".split()
)
#: words skipped when reading an acronym off a name ("Federal Bureau of Investigation" → FBI)
_ACRONYM_SKIP = frozenset({"of", "the", "and", "for", "in", "on", "at", "to", "&", "de", "du"})
#: spellings of the same country that no acronym rule joins ("America" is left alone: ambiguous)
_ALIASES = {
    "us": "united states",
    "usa": "united states",
    "united states of america": "united states",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "un": "united nations",
    "eu": "european union",
}
_POSSESSIVE = re.compile(r"(?:['’‘]s|['’‘])$")  # "‘": a page's apostrophe typed the wrong way
#: a possessive inside the mention: the name ends there ("Woody Allen's 1995", "Julia Roberts'
#: half-sister"); a plural's before a capital is inside a name ("Kids' Choice Awards")
_INNER_POSSESSIVE = re.compile(r"(?:['’‘]s\s|(?<=s)['’‘]\s+(?=[a-z])).*$")
#: lower-case particles inside personal names ("Ludwig van Beethoven", "Osama bin Laden")
_PARTICLES = frozenset(
    "de da del della der den di do dos du el la le van von bin ibn al ben ter zu".split()
)
#: the Arabic article written onto a surname ("al-Safadi", "el-Sisi"): not part of the
#: name another outlet writes without it
_ARTICLE_PREFIX = re.compile(r"^(?:al|el)[-‐'’](?=\w{3})")
#: transliteration patterns folded before comparing given names (Sergey/Sergei,
#: Aleksandr/Alexander, Yuri/Yury, Mohammed/Mohamed)
_TRANSLIT = (
    ("ksandr", "xander"),
    ("ks", "x"),
    ("ck", "k"),
    ("ey", "ei"),
    ("iy", "i"),
    ("y", "i"),
    ("ph", "f"),
    ("kh", "h"),
    ("ou", "u"),
)
_VOWELS = frozenset("aeiouy")


# --------------------------------------------------------------------------- names
#: characters that show nothing: zero-width spaces, a byte-order mark, and control codes (a
#: page decoded with the wrong code page leaves "\x97", Windows' dash, before "UPDATE")
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")


#: a web page's controls, in capitals, that the tagger glued to the name after them
#: ("CLOSE Yu Darvish": a video player's close button)
_CONTROL_WORDS = (r"(?:CLOSE|ADVERTISEMENT|WATCH|WATCHED|VIDEO|PHOTOS?|SHARE|EMBED|REPLAY"
                  r"|UPDATES?|ARTICLE|ENDIT)")
#: one of those controls alone ("UPDATE"), as the tagger sometimes lists it
_CONTROL_ALONE = re.compile(rf"^{_CONTROL_WORDS}$")
_PAGE_CONTROL = re.compile(
    rf"^(?:{_CONTROL_WORDS}\s+)+(?=[A-Z][a-z])"
    # and a headline's verb the tagger took into the name ("Said Kate", "Meet Kate Gosselin"),
    # as the quote rules drop it (``quotes._NOT_NAME_OPENERS``)
    r"|^(?:Said|Says|Meet|SAID|SAYS|MEET)\s+(?=[A-Z][a-z])")


#: page furniture the tagger ran into a name, up to the name that follows it: a byline's share
#: button ("Justin Sink - Tweet Jon Huntsman"), a caption's label, a link list's bar or bullet
#: (as ``quotes._past_furniture`` cuts a speaker)
_FURNITURE = re.compile(r"^.*(?:\b(?:Tweet|caption)|[|•·»])\s+(?=[A-Z][a-z])")


#: a function word the tagger ran a name into, at its end ("Pantelis Vekios of the Health
#: Ministry" tagged "Pantelis Vekios of"): no name ends on one
_TRAILING_FUNCTION_WORD = re.compile(
    r"(?:\s+(?:of|and|the|for|at|in|on|to|with|from|by|or|a|an))+$")


#: a quotation mark the tagger took into a name without its partner (``_without_stray_quote``)
_DOUBLE_MARKS = '"“”'


def _without_stray_quote(text: str) -> str:
    """A name without a quotation mark whose partner is outside it: an opening mark ends the
    name ("The New National Campaign “Pledge" is the campaign, not its slogan's first word),
    a closing one goes ("“Miner Gary” Thomas" was tagged "Gary” Thomas")."""
    doubles = [i for i, c in enumerate(text) if c in _DOUBLE_MARKS]
    singles = [i for i, c in enumerate(text) if c == "‘"]
    if len(doubles) == 1 and not singles:
        at = doubles[0]
    elif len(singles) == 1 and not doubles and "’" not in text[singles[0]:]:
        at = singles[0]
    else:
        return text
    opening = text[at] in "“‘" or (text[at] == '"' and (at == 0 or text[at - 1] == " "))
    before = text[:at].rstrip()
    if opening and any(c.isupper() for c in before):
        return before
    return (before + " " + text[at + 1:].lstrip() if opening else before + text[at + 1:]).strip()


def clean_surface(text: str) -> str:
    """A mention as a name: whitespace collapsed, possessive and leading article dropped
    ("the Federal Bureau of Investigation" → "Federal Bureau of Investigation", "Trump's",
    "their Academy Award"),
    and a page control in capitals or a headline's verb before it ("CLOSE Yu Darvish" → "Yu
    Darvish", "Said Kate" → "Kate")."""
    text = _INVISIBLE.sub("", text)  # a zero-width space or byte-order mark the page left
    text = " ".join(text.split()).strip(' ,;:"“”()[]•·|»\\')  # and a link list's bullet
    text = _without_stray_quote(text)
    text = _PAGE_CONTROL.sub("", _FURNITURE.sub("", text))
    cut = leading_furniture(text)  # as the summary cuts it: "Story Continued Below X"
    text = text[cut:].lstrip() if 0 < cut < len(text) else text
    text = _INNER_POSSESSIVE.sub("", text)  # "Woody Allen’s 1995": the name ends at the 's
    text = _POSSESSIVE.sub("", text).strip()
    text = _TRAILING_FUNCTION_WORD.sub("", text) or text
    # a leading article, or a possessive in lower case ("their Academy Award", "another
    # National Institute of Drug Abuse"; "His Holiness" and "A Tribe Called Quest" keep theirs)
    return re.sub(r"^(?:the|The|THE|his|her|its|their|our|my|your|an?|another)\s+", "", text)


def _bare(token: str) -> str:
    return token.lower().strip(".,")


def strip_titles(tokens: Sequence[str]) -> tuple[str, ...]:
    """Tokens after the last title word, keeping at least one ("Russian Ambassador Sergei
    Kislyak" → Sergei Kislyak; "Mr. Trump" → Trump; "President" stays)."""
    cut = 0
    for i, token in enumerate(tokens[:-1]):
        if _bare(token) in TITLES:
            cut = i + 1
    return tuple(tokens[cut:])


def name_tokens(text: str) -> tuple[str, ...]:
    """A person mention as name tokens: cleaned, titles removed; a generational suffix stays
    glued to the surname ("Donald Trump Jr." is not "Donald Trump")."""
    tokens = clean_surface(text).split()
    if len(tokens) > 2 and _bare(tokens[-1]) in _SUFFIXES:
        tokens = [*tokens[:-2], f"{tokens[-2].rstrip(',')} {tokens[-1]}"]
    return strip_titles(tokens)


def surname(tokens: Sequence[str]) -> str:
    """The family name of name tokens, without a generational suffix ("King Jr." → "King")."""
    return tokens[-1].split()[0] if tokens else ""


def is_person_name(tokens: Sequence[str]) -> bool:
    """Whether tokens can be a personal name: capitalised words (particles aside), no digits
    (spaCy sometimes reads "TV3 New Zealand" or "Tony Awards" as a person)."""
    if tokens and tokens[-1].lower() in _NOT_SURNAMES:
        return False
    for token in tokens:
        if any(c.isdigit() for c in token) or not any(c.isalpha() for c in token):
            return False
        if not (token[0].isupper() or token.lower() in _PARTICLES
                or _ARTICLE_PREFIX.sub("", token)[:1].isupper()):  # "al-Safadi"
            return False
    return bool(tokens)


@lru_cache(maxsize=65536)
def fold(name: str) -> str:
    """A name part folded for comparison: case, accents, doubled letters, an Arabic article
    and common transliteration variants removed ("Sergey" and "Sergei" both fold to
    "sergei", "al-Safadi" to "safadi"); an inner "ch" is the French spelling of "sh"
    ("Zourabichvili" = "Zurabishvili"; a leading one stays: Chen is not Shen)."""
    text = _ARTICLE_PREFIX.sub("", unicodedata.normalize("NFKD", name.lower()))
    text = "".join(c for c in text if c.isalnum())
    for old, new in _TRANSLIT:
        text = text.replace(old, new)
    text = text[:1] + text[1:].replace("ch", "sh")
    return re.sub(r"(.)\1+", r"\1", text)


def _vowel_variant(a: str, b: str) -> bool:
    """Same length, same first and last letter, differing only in inner vowels
    ("mohamed"/"muhamad"), an inner "j" counting as the glide it transliterates
    ("benjamin"/"binyamin", "sonja"/"sonya"; "y" is already folded to "i"); a different
    final vowel (Maria/Mario) is another person."""
    if len(a) != len(b) or len(a) < 4 or a[0] != b[0] or a[-1] != b[-1]:
        return False
    glides = _VOWELS | {"j"}
    return all(x == y or (x in glides and y in glides) for x, y in zip(a, b, strict=True))


def given_names_compatible(a: str, b: str) -> bool:
    """Whether two first names can belong to one person: equal after folding, an initial of
    the other ("J." / "Jeff"), or a vowel-only transliteration variant."""
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return False
    if fa == fb:
        return True
    if len(fa) == 1 or len(fb) == 1:
        return fa[0] == fb[0]
    return _vowel_variant(fa, fb)


def acronym_of(name: str) -> str:
    """Initials of a multi-word name's capitalised words, skipping "of/the/and" ("" when a
    word is lower-case or the name is one word): "Federal Bureau of Investigation" → "FBI"."""
    words = [w for w in re.split(r"[\s-]+", clean_surface(name)) if w]
    kept = [w for w in words if w.lower() not in _ACRONYM_SKIP]
    if len(kept) < 2 or not all(w[0].isupper() and w[1:].islower() for w in kept):
        return ""  # lower-case words, or abbreviations inside ("U.S. Senate" is not "US")
    return "".join(w[0] for w in kept)


def as_acronym(name: str) -> str:
    """The letters of an acronym mention ("F.B.I." → "FBI"), or "" if it is not one."""
    letters = name.replace(".", "").replace(" ", "")
    if 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper():
        return letters
    return ""


#: "-isation", "-ise" and kin spelled the British way ("Organisation", "organised")
_BRITISH_IS = re.compile(r"(?<=[a-z]{3})is(?=ation|ations|ed|er|ers|ing)")


def thing_key(name: str) -> str:
    """The grouping key of a non-person name: case, dots, spacing and company-form suffixes
    folded, aliases applied ("WASHINGTON" = "Washington"; "U.S." = "US" = "United States")."""
    words = clean_surface(name).replace(".", "").replace(",", " ").lower().split()
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words = words[:-1]
    # British and American spellings of one name ("World Health Organisation")
    words = [_BRITISH_IS.sub("iz", w) for w in words]
    key = " ".join(words)
    return _ALIASES.get(key, key)


#: a web address or handle the tagger took for a name
_LINK = re.compile(r"https?://|www\.|@\w")  # "Amazon.com" is a name
#: a postal address's state and ZIP code, or a post-office box ("TX 76101", "Texas 77210",
#: "P.O. Box 1413"), which the tagger reads as a place or an organisation
_POSTAL = re.compile(r"^(?:P\.?\s?O\.?\s+Box\s+\d+|(?:[A-Z]{2}|[A-Z][a-z]+)\s+\d{5}(?:-\d{4})?)$")


def is_junk(text: str) -> bool:
    """Mentions that name nothing: single characters, numbers, month or weekday names (spaCy
    reads the "Mar" of a "(Mar 2)" stamp as a person), bare titles, words with no capital
    (the tagger's "lava", "kittens", "marijuana": a name is written with one), links, a
    page's control alone ("UPDATE"), the wire's "XXXX" placeholder (its "XXXX END OF
    STORY" line) and a postal address's ZIP code or box ("TX 76101")."""
    cleaned = clean_surface(text)
    letters = [c for c in cleaned if c.isalpha()]
    if len(letters) < 2 or not any(c.isupper() for c in letters) or set(letters) == {"X"}:
        return True
    if _LINK.search(cleaned) or _CONTROL_ALONE.match(cleaned) or _POSTAL.match(cleaned):
        return True
    bare = _bare(cleaned)
    return bare in _MONTHS_DAYS or bare in TITLES


# --------------------------------------------------------------------------- grouping
@dataclass
class _Mention:
    doc: int
    source: str
    start: int
    label: str
    surface: str
    tokens: tuple[str, ...]

    @property
    def order(self) -> tuple[int, int]:
        return (self.doc, self.start)


@dataclass(eq=False)
class _Group:
    person: bool
    members: list[tuple[_Mention, str]] = field(default_factory=list)
    #: full names (token tuples) and where each was written, for person groups
    names: list[tuple[str, ...]] = field(default_factory=list)
    named_at: list[tuple[int, int]] = field(default_factory=list)
    merged_into: _Group | None = None

    def add(self, mention: _Mention, variant: str) -> None:
        self.members.append((mention, variant))

    def root(self) -> _Group:
        group = self
        while group.merged_into is not None:
            group = group.merged_into
        return group


def _before_of(surface: str) -> str:
    """A person the tagger ran into an "of" phrase, as the person: "Warden asked Barksdale of
    Clark" tagged "Barksdale of Clark" (whose last word then matched Clark's surname); an
    office ("Archbishop of Canterbury") stays whole."""
    head, of, _ = surface.partition(" of ")
    if not of or not head or _bare(head.split()[-1]) in TITLES:
        return surface
    return head


#: what only a country or a body has, after a possessive: "Jordan's foreign minister",
#: "Jordan's top diplomat", "Georgia's president" (the tagger calls such a "Jordan" a
#: person, and it then joined "Michael Jordan" of another report)
_STATE_OWNED = re.compile(
    r"['’]s\s+(?:(?:top|chief|senior|former|new|deputy|foreign|prime|interior|defen[cs]e|"
    r"finance|health|economy|justice|acting|outgoing|first|national|state|main|elected|"
    r"military|central|top-ranking)\s+){0,2}(?:minister|ministry|diplomats?|"
    r"president|ambassador|embassy|army|armed\s+forces|military|parliament|capital|"
    r"economy|king|queen|monarch|constitution|currency|borders?|citizens|population|"
    r"central\s+bank|prime\s+minister)\b")


def _as_owner_of_state(text: str, end: int, surname: str, named: set[str]) -> bool:
    """A one-word name followed by what only a state or body owns ("Jordan's foreign
    minister"), in an article that names no person of that surname in full: a place, not a
    person (a leader's minister, "Mandela's health minister", comes after "Nelson Mandela";
    "Blair's government" is no such phrase)."""
    return fold(surname) not in named and bool(_STATE_OWNED.match(text, end))


def _mentions(documents: Sequence[Document]) -> list[_Mention]:
    """The entity mentions of the stories' text: a dateline's place and agency and the
    reporters of a staff credit or of a "... contributed to this report." sentence and a
    picture's credit are who made the report, not who is in it; a page's notice about
    itself ("© 2017 Thomson Reuters", "Follow us on Twitter") names no one in it either."""
    out: list[_Mention] = []
    for doc_index, document in enumerate(documents):
        text = document.article.text
        credits = byline_spans(text) + photo_credit_spans(text) + [
            (s.start, s.end) for s in document.sentences
            if is_staff_line(s.text) or is_page_notice(s.text)]
        named = {fold(m.text.split()[-1]) for m in document.entities
                 if m.label == PERSON and " " in m.text.strip()}
        for m in document.entities:
            if is_junk(m.text) or any(a <= m.start < b for a, b in credits):
                continue
            surface = clean_surface(m.text)
            label = m.label
            if label == PERSON:
                surface = _before_of(surface)
                if " " not in surface and _as_owner_of_state(text, m.end, surface, named):
                    label = "GPE"
            tokens = name_tokens(surface) if label == PERSON else tuple(surface.split())
            out.append(_Mention(doc_index, document.article.id, m.start, label, surface, tokens))
    return out


#: full names by folded surname: (group, folded name tokens) pairs
_NameIndex = dict[str, list[tuple[_Group, tuple[str, ...]]]]


def _cluster_full_names(mentions: Sequence[_Mention]) -> tuple[list[_Group], _NameIndex]:
    """Person groups from PERSON mentions of two or more name tokens, longest names first so a
    partial name ("Isgur Flores") finds the full one ("Sarah Isgur Flores")."""
    full = [
        m for m in mentions if m.label == PERSON and len(m.tokens) >= 2 and is_person_name(m.tokens)
    ]
    full += _people_tagged_as_organisations(mentions, {fold(m.tokens[-1]) for m in full})
    groups: list[_Group] = []
    index: _NameIndex = {}
    for mention in sorted(full, key=lambda m: (-len(m.tokens), m.order)):
        group = _find_full(index, mention.tokens)
        if group is None:
            group = _Group(person=True)
            groups.append(group)
        folded = tuple(fold(t) for t in mention.tokens)
        index.setdefault(folded[-1], []).append((group, folded))
        if len(folded) >= 3:  # "Nkweta Salami" is the "Nkweta-Salami" of another outlet
            joined = (*folded[:-2], folded[-2] + folded[-1])
            index.setdefault(joined[-1], []).append((group, joined))
        group.names.append(mention.tokens)
        group.named_at.append(mention.order)
    return groups, index


#: a word of a personal name in an organisation's mention: capitalised, then lower case
_NAME_WORD = re.compile(r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?")


def _people_tagged_as_organisations(
    mentions: Sequence[_Mention], surnames: set[str]
) -> list[_Mention]:
    """Organisation mentions that are a person's full name: the small model tags "Piers
    Morgan" and "Uta Pippig" ORG while it tags the surname alone PERSON. Two name words
    whose last one is used alone as a person at least twice, whose first is no place or
    people ("Houston Astros"), and no one tagged PERSON in full bears that surname
    ("Goldman Sachs" beside "Jeffrey Sachs" stays a bank)."""
    alone = Counter(fold(m.tokens[0]) for m in mentions if m.label == PERSON and len(m.tokens) == 1)
    places = {fold(t) for m in mentions if m.label in _PLACE_LABELS | {"NORP"} for t in m.tokens}
    out = []
    for m in mentions:
        if m.label != "ORG" or len(m.tokens) != 2:
            continue
        first, last = fold(m.tokens[0]), fold(m.tokens[-1])
        if (alone[last] >= 2 and last not in surnames and first not in places
                and is_person_name(m.tokens) and all(_NAME_WORD.fullmatch(t) for t in m.tokens)):
            out.append(replace(m, label=PERSON))
    return out


def _find_full(index: _NameIndex, tokens: Sequence[str]) -> _Group | None:
    """The person with this full name (or a compatible one), else the only person whose name
    ends with these tokens."""
    folded = tuple(fold(t) for t in tokens)
    suffix_hits: dict[int, _Group] = {}
    for group, name in index.get(folded[-1], ()):
        if given_names_compatible(name[0], folded[0]):
            return group
        if len(name) > len(folded) and name[-len(folded) :] == folded:
            suffix_hits[id(group)] = group
    return next(iter(suffix_hits.values())) if len(suffix_hits) == 1 else None


def _match_full(index: _NameIndex, tokens: Sequence[str]) -> tuple[_Group, int] | None:
    """The person whose full name a mention holds, whole or as its last tokens
    ("Washington Sergey Kislyak" → Sergey Kislyak); returns the group and the tokens used."""
    for size in range(len(tokens), 1, -1):
        found = _find_full(index, tokens[-size:])
        if found is not None:
            return found, size
    return None


def _pick_by_surname(
    candidates: Sequence[_Group], mention: _Mention, last_named: dict[int, tuple[int, int]]
) -> _Group:
    """Among people sharing a surname: the one named last before the mention in its own
    article, else the most mentioned, else the first named."""
    if len(candidates) == 1:
        return candidates[0]
    preceding = [
        (last_named[id(g)], g)
        for g in candidates
        if id(g) in last_named
        and last_named[id(g)][0] == mention.doc
        and last_named[id(g)][1] < mention.start
    ]
    if preceding:
        return max(preceding, key=lambda p: p[0])[1]
    return min(candidates, key=lambda g: (-len(g.named_at), min(g.named_at)))


def _assign_people(
    mentions: Sequence[_Mention], groups: Sequence[_Group], index: _NameIndex
) -> list[_Mention]:
    """Attach every mention that names a known full-name person; return the rest."""
    by_surname: dict[str, list[_Group]] = {}
    by_given: dict[str, list[_Group]] = {}
    for group in groups:
        for name in group.names:
            by_surname.setdefault(fold(surname(name)), []).append(group)
            by_given.setdefault(fold(name[0]), []).append(group)
    by_surname = {k: list({id(g): g for g in v}.values()) for k, v in by_surname.items()}
    by_given = {k: list({id(g): g for g in v}.values()) for k, v in by_given.items()}
    last_named: dict[int, tuple[int, int]] = {}
    rest: list[_Mention] = []
    for mention in sorted(mentions, key=lambda m: m.order):
        if mention.label in _PLACE_LABELS:
            rest.append(mention)
            continue
        tokens = mention.tokens if mention.label == PERSON else name_tokens(mention.surface)
        if mention.label == PERSON and not is_person_name(tokens):
            rest.append(mention)
            continue
        hit = _match_full(index, tokens) if len(tokens) >= 2 else None
        if hit is not None:
            group, size = hit
            group.add(mention, " ".join(tokens[-size:]))
            last_named[id(group)] = mention.order
            continue
        if len(tokens) == 1:
            key = fold(tokens[0])
            surname_groups = by_surname.get(key, []) or _transposed(key, by_surname)
            if surname_groups:
                _pick_by_surname(surname_groups, mention, last_named).add(mention, tokens[0])
                continue
            given = by_given.get(key, [])
            named = last_named.get(id(given[0])) if len(given) == 1 else None
            if mention.label == PERSON and named is not None and named[0] == mention.doc:
                # "Ivanka" after "Ivanka Trump" in the same article; a first name alone across
                # articles is weak evidence ("Oscar" the award vs "Oscar Maximillian")
                given[0].add(mention, tokens[0])
                continue
        rest.append(mention)
    return rest


def _transposed(key: str, by_surname: dict[str, list[_Group]]) -> list[_Group]:
    """The one person whose surname a long surname-only mention spells with two neighbouring
    letters swapped ("Hunstman" for Huntsman): a typo, not another person. Nothing when the
    mention is short or more than one person fits."""
    if len(key) < 6:
        return []
    found = {id(g): g for i in range(len(key) - 1) if key[i] != key[i + 1]
             for g in by_surname.get(key[:i] + key[i + 1] + key[i] + key[i + 2:], [])}
    return list(found.values()) if len(found) == 1 else []


def _group_rest(mentions: Sequence[_Mention]) -> list[_Group]:
    """Single-name people (a surname never given in full) and everything that is not a
    person, grouped by key; a surname seen as PERSON pulls in its mislabelled mentions."""
    people: dict[str, _Group] = {}
    for mention in mentions:
        if mention.label == PERSON and len(mention.tokens) == 1:
            key = fold(mention.tokens[0])
            people.setdefault(key, _Group(person=True)).add(mention, mention.tokens[0])
    things: dict[str, _Group] = {}
    for mention in mentions:
        if mention.label == PERSON and len(mention.tokens) == 1:
            continue
        tokens = name_tokens(mention.surface)
        if mention.label not in _PLACE_LABELS and len(tokens) == 1:
            person = people.get(fold(tokens[0]))
            if person is not None:
                person.add(mention, tokens[0])
                continue
        if mention.label == PERSON:
            # an unmatched multi-token person that is not a full name already clustered
            key = "person:" + " ".join(fold(t) for t in mention.tokens)
            people.setdefault(key, _Group(person=True)).add(mention, " ".join(mention.tokens))
            continue
        key = thing_key(mention.surface)
        things.setdefault(key, _Group(person=False)).add(mention, mention.surface)
    _merge_plurals(things)
    _merge_acronyms(things)
    _merge_shortened(things)
    return list(people.values()) + [g for g in things.values() if g.merged_into is None]


def _merge_plurals(things: dict[str, _Group]) -> None:
    """ "Russians" and "Russian" (NORP) are one group."""
    for key, group in things.items():
        single = things.get(key[:-1]) if key.endswith("s") else None
        if single is not None and _label(group) == _label(single) == "NORP":
            _absorb(single, group)


def _merge_acronyms(things: dict[str, _Group]) -> None:
    """An acronym joins the one multi-word name whose initials it spells."""
    by_initials: dict[str, list[_Group]] = {}
    for group in things.values():
        for _, variant in group.members:
            letters = acronym_of(variant)
            if letters and group not in by_initials.get(letters, []):
                by_initials.setdefault(letters, []).append(group)
    for group in list(things.values()):
        if group.merged_into is not None:
            continue
        letters = {as_acronym(v) for _, v in group.members} - {""}
        letters -= {acronym_of(v) for _, v in group.members}  # spelled out already
        for acronym in letters:
            targets = [g.root() for g in by_initials.get(acronym, []) if g.root() is not group]
            if len({id(t) for t in targets}) == 1:
                _absorb(targets[0], group)
                break


def _merge_shortened(things: dict[str, _Group]) -> None:
    """An organisation named by the last two or more words of a longer name joins it ("City
    Council" → "Riverton City Council", "Security Council" → "UN Security Council") when the
    longer names it could shorten are one nested chain; with two ("Senate Intelligence
    Committee", "House Intelligence Committee") it could be either and stays apart. One word
    ("Council", "House") is too weak: "the House" is no shortening of "the White House"."""
    orgs = {key: g for key, g in things.items() if g.merged_into is None and _label(g) == "ORG"}
    for key, group in sorted(orgs.items(), key=lambda kv: len(kv[0])):
        if len(key.split()) < 2:
            continue
        longer = sorted((k for k in orgs if k.endswith(" " + key)), key=len)
        if longer and all(longer[-1].endswith(" " + k) for k in longer[:-1]):
            _absorb(orgs[longer[-1]], group)


def _absorb(target: _Group, group: _Group) -> None:
    target = target.root()
    if target is group or group.merged_into is not None:
        return
    target.members.extend(group.members)
    group.members = []
    group.merged_into = target


def _label(group: _Group) -> str:
    counts = Counter(m.label for m, _ in group.members)
    first: dict[str, tuple[int, int]] = {}
    for m, _ in group.members:
        first.setdefault(m.label, m.order)
    return max(counts, key=lambda label: (counts[label], [-x for x in first[label]]))


def canonical_name(variants: Sequence[tuple[str, tuple[int, int]]]) -> str:
    """The most complete form (most words), then not all capitals, then the most frequent,
    then the most capitalised ("Committee" over "committee"), then the first seen. A form
    with a slash loses first: a picture credit glued to the name ("Eva Longoria/Instagram
    Eva Longoria") is no fuller form of it."""
    counts = Counter(v for v, _ in variants)
    first: dict[str, tuple[int, int]] = {}
    for v, order in variants:
        first.setdefault(v, order)
    return min(
        counts,
        key=lambda v: (
            "/" in v,
            -len(v.split()),
            v.isupper() and len(v) > 3,
            -counts[v],
            -sum(w[:1].isupper() for w in v.split()),
            first[v],
        ),
    )


def _entity(group: _Group, sources_order: Sequence[str]) -> tuple[Entity, list[_Mention]]:
    members = sorted(group.members, key=lambda mv: mv[0].order)
    variants = [(v, m.order) for m, v in members]
    mentions = [m for m, _ in members]
    seen_sources = {m.source for m in mentions}
    entity = Entity(
        id="",
        name=canonical_name(variants),
        type=PERSON if group.person else _label(group),
        variants=tuple(dict.fromkeys(v for v, _ in variants)),
        sources=tuple(s for s in sources_order if s in seen_sources),
        mentions=len(members),
    )
    return entity, mentions


def resolve_entities(
    documents: Sequence[Document],
) -> tuple[tuple[Entity, ...], dict[tuple[str, int], str]]:
    """Entities across all documents, most mentioned first (ids ``e1``, ``e2``... in that order),
    and the link of every kept mention, ``(article id, mention start) → entity id``."""
    mentions = _mentions(documents)
    people, index = _cluster_full_names(mentions)
    rest = _assign_people(mentions, people, index)
    groups = [g for g in people if g.members] + _group_rest(rest)
    sources_order = list(dict.fromkeys(d.article.id for d in documents))
    built = [_entity(g, sources_order) for g in groups if g.members]
    built.sort(key=lambda em: (-em[0].mentions, em[1][0].order))
    entities: list[Entity] = []
    links: dict[tuple[str, int], str] = {}
    for rank, (entity, members) in enumerate(built, start=1):
        entity_id = f"e{rank}"
        entities.append(replace(entity, id=entity_id))
        for m in members:
            links[(m.source, m.start)] = entity_id
    return tuple(entities), links


# --------------------------------------------------------------------------- lookups
def entity_for_span(
    document: Document, links: dict[tuple[str, int], str], start: int, end: int
) -> str | None:
    """The entity of the first mention in ``document`` overlapping ``[start, end)`` (e.g. a
    quote's speaker span), or None."""
    for m in document.entities:
        if m.start < end and start < m.end:
            found = links.get((document.article.id, m.start))
            if found:
                return found
    return None


def entity_for_name(name: str, entities: Sequence[Entity]) -> str | None:
    """The entity a written name refers to ("Sessions", "Mr. Trump", "the FBI"): an exact
    variant (case-insensitive, titles stripped), else a unique person surname; None for
    descriptions ("a senior administration official")."""
    tokens = name_tokens(name)
    if not tokens:
        return None
    wanted = " ".join(tokens).lower()
    key = thing_key(name)
    for entity in entities:
        for variant in entity.variants:
            if variant.lower() == wanted or (entity.type != PERSON and thing_key(variant) == key):
                return entity.id
    if len(tokens) == 1:
        wanted_surname = fold(tokens[0])
        hits = [
            e
            for e in entities
            if e.type == PERSON
            and any(fold(surname(name_tokens(v))) == wanted_surname for v in e.variants)
        ]
        if hits:
            return max(hits, key=lambda e: e.mentions).id
    return None
