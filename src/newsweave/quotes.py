"""Who said what: direct quotations and reported speech, with their speakers.

Rules over the spaCy parse (``newsweave.analyze.get_nlp()``), in three steps:

1. **Pieces.** Quotation marks (straight and curly, a curly mark typed the wrong way round
   read by its position) are paired within a paragraph; a quote still open at the end of a
   paragraph ends there (the next paragraph reopens it, the newspaper convention for
   multi-paragraph quotes). Each piece becomes one direct record.
2. **Cues.** Speech verbs from a lexicon (said, says, told, added, according to, ...) and
   stance verbs (criticized, praised, wants, ...) outside quotation marks. A cue's speaker is
   its subject ("who" stands for the noun it modifies, or for the name that noun is in
   apposition to: "Lionel Sosa, a consultant who said"; a possessive "Sessions' statement
   said" gives Sessions; "according to X" gives X; a passive "was asked" gives none); the
   clause it governs, when not itself a quotation, is a reported statement. Headline-style
   "Rubio: I still believe ..." paragraphs are attributions too.
3. **Attribution.** A piece takes the cue whose clause holds it, else the nearest cue of its
   sentences, else a verb framing it (``"...," Kelly charged``; ``Cruz continued: "..."``,
   also across a paragraph break); a piece with none continues the previous quote of its
   paragraph, or of the previous paragraph when it opens its own. One- to three-word pieces,
   and title-case ones up to six words, need a cue whose clause holds them (else they are
   titles or scare quotes); they continue a quote only when they resume it right after its
   cue or hold a verb of their own. A "he"/"she"
   speaker goes to the earlier person or described source that the learned ranker of
   ``newsweave.pronoun_model`` scores highest (gender from first names and titles; unknown
   fits both); "they" to the last group that spoke within reach, else the nearest plural
   subject that can speak; "it" to the nearest singular non-person subject.

``group_quotes`` folds the same statement told by several outlets into one ``Quote``.
These rules were tuned on the PolNeAR train split; ``benchmarks/quotes.py`` measures them.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from newsweave.boilerplate import (
    inner_furniture,
    leading_furniture,
    link_label_spans,
    trim_dateline,
)
from newsweave.entities import TITLES
from newsweave.errors import InputError
from newsweave.models import Document, Entity, Quote, QuoteMention, QuoteVariant
from newsweave.pronoun_model import Candidate, Layout, default_pronoun_model
from newsweave.pronoun_model import surname as _surname
from newsweave.quote_marks import (
    DOUBLED_APOSTROPHE,
    DOUBLED_BACKTICK,
    QUOTE_MARKS,
    has_quote_mark,
    single_quotes_as_double,
    with_closing_mark,
)

_DOUBLED = frozenset({DOUBLED_APOSTROPHE, DOUBLED_BACKTICK})
OPENERS = frozenset('“')
CLOSERS = frozenset('”')

#: lemmas of verbs that attribute speech, writing or a stated position to a source.
SPEECH_LEMMAS = frozenset(
    """say tell add state write note claim argue explain insist warn announce report declare
    acknowledge admit suggest assert contend maintain deny confirm reply respond recall
    continue ask tweet observe remark predict conclude reveal indicate stress emphasize
    emphasise testify complain concede caution urge allege estimate disclose promise vow
    pledge agree believe think quip joke boast brag charge counter mention repeat reiterate
    recount describe shout scream yell post comment concur lament demand assure hint signal
    point find show"""
    .split()
)
#: of those, the ones that attribute a quotation even without a clause (``"...," he said``).
DIRECT_ONLY_LEMMAS = frozenset({"call", "begin", "start", "go", "put", "tell", "interject"})
#: verbs that attribute a stance rather than words (praise, blame, want): what they govern
#: is an attribution too in news-attribution corpora such as PolNeAR.
STANCE_LEMMAS = frozenset(
    """criticize criticise praise accuse blame mock attack slam blast condemn thank endorse
    support back oppose reject dismiss defend want plan urge vow label""".split()
)
_STANCE_OBJECT_DEPS = frozenset({"dobj", "xcomp", "prep", "oprd", "attr"})
#: nouns whose possessor is the source: "Sessions' statement said".
UTTERANCE_NOUNS = frozenset(
    """statement letter tweet remarks remark email e-mail message release post memo note
    comments comment speech testimony spokesman spokeswoman spokesperson campaign office
    aide aides lawyer attorney""".split()
)
#: of those, the ones that are people speaking for the possessor: keep them as written.
_SPOKESPEOPLE = frozenset(
    {"spokesman", "spokeswoman", "spokesperson", "aide", "aides", "lawyer", "attorney"}
)
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
_NP_LEFT_DEPS = frozenset(
    {"det", "amod", "compound", "nmod", "poss", "nummod", "quantmod", "case", "advmod", "npadvmod"}
)
_NP_RIGHT_PREPS = frozenset({"for", "of", "at", "from", "with", "in", "on"})
MALE_PRONOUNS = frozenset({"he", "him", "his", "himself"})
FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "herself"})
PLURAL_PRONOUNS = frozenset({"they", "them", "we", "us"})
PRONOUNS = MALE_PRONOUNS | FEMALE_PRONOUNS | PLURAL_PRONOUNS | frozenset({"i", "you", "it"})


def is_pronoun(word: str) -> bool:
    """Whether a speaker as written is a pronoun; "US" in capitals is the country."""
    return word.lower() in PRONOUNS and word != "US"


_MALE_TITLES = frozenset({"mr", "mr.", "sir", "lord", "king", "prince"})
_FEMALE_TITLES = frozenset({"mrs", "mrs.", "ms", "ms.", "miss", "madam", "lady", "queen"})
#: common first names by gender: enough to keep "she said" off the nearest man.
_FEMALE_NAMES = frozenset(
    """hillary nancy sarah elizabeth mary patricia jennifer linda barbara susan jessica karen
    lisa betty margaret sandra ashley kimberly emily donna michelle carol amanda melissa
    deborah stephanie rebecca laura sharon cynthia kathleen amy angela anna brenda pamela
    nicole samantha katherine christine debra rachel catherine carolyn janet ruth maria
    heather diane virginia julie joyce victoria kelly christina lauren joan evelyn olivia
    judith megan cheryl martha andrea frances hannah jacqueline ann gloria jean kathryn
    alice teresa sara janice doris madison julia grace judy abigail marie denise beverly
    amber theresa marilyn danielle diana brittany natalie sophia rose isabella alexis kayla
    charlotte chelsea ivanka melania kellyanne huma debbie condoleezza carly nikki sheryl
    dianne kirsten tammy susana jeanne loretta valerie hope kamala tulsi marine federica
    sonia elena jill omarosa stormy""".split()
) | frozenset(
    # more common first names (US usage), none often a man's, a month or a place
    """agnes alicia alison allison amelia angelina anne annie ariana audrey barbra becky beth
    betsy beyonce bonnie brooke candace carla carmen caroline cathy cecilia cindy claire
    colleen connie darlene dolores dorothy edith eileen elaine eleanor elise ella ellen
    ellie emma erica erika erin esther ethel eva felicia gail gillian gina greta gretchen
    gwen harriet hazel heidi helen hilary holly irene iris irma ivana jane jeanette jeanine
    jenna jessie joanna jocelyn joni josephine juanita karla kate kathy katie katrina katy
    kristen kristi kristin krystal leah lena lillian lily lois lorraine lucy madeleine
    malia marcia margo marian marianne marjorie marlene marsha maxine meghan megyn melinda
    mia michaela michele mika mildred miriam molly monica myra nadia naomi nina nora norma
    olga oprah pam patty paula peggy penny phyllis priscilla rachael ramona regina rita
    roberta rosa rosalind roseanne rosie roxanne sabrina sally selena serena sheila shelley
    shirley sofia stella sue susanna suzanne sylvia tamara tanya tara tessa tiffany tina
    trisha vanessa vera vicki vivian wanda wendy whitney yolanda yvonne zoe""".split()
)
_MALE_NAMES = frozenset(
    """donald bernie bernard barack joe joseph john james robert michael william david richard
    charles thomas christopher daniel matthew anthony mark paul steven steve andrew kenneth
    joshua kevin brian george timothy ronald edward jason jeffrey jeff ryan jacob gary
    nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory frank
    alexander raymond patrick jack dennis jerry tyler aaron jose adam henry nathan douglas
    zachary peter kyle walter ethan jeremy harold keith christian roger noah gerald carl
    terry sean austin arthur lawrence jesse dylan bryan jordan billy bruce albert willie
    gabriel logan alan juan wayne roy ralph randy eugene vincent russell elijah louis bobby
    philip johnny mike mitch ted marco chris jeb rand ben newt mitt reince corey rudy
    vladimir sergey sergei jared rex rick harry chuck tim bill jim tom bob dick al
    lyndon jimmy herbert franklin dwight woodrow abraham martin rahm rod hakeem reid marty
    nick tony dan ron""".split()
) | frozenset(
    # more common first names (US usage and frequent in world news), none often a woman's
    """ahmed ali abdul boris brent brett carlos chad clint colin craig curtis dale darrell
    dean derek devin dmitry don doug earl ed eddie elliott emmanuel ernest evan floyd fred
    glenn gordon greg hank herman howard hugh hugo ian igor isaac ivan jake javier jerome
    joel jon jorge josh julian karl ken kurt lamar lance leon leonard lloyd lou luis luke
    manuel marc marcus mario marvin matt max melvin miguel mohammed muhammad neil nelson
    norman omar orrin oscar owen pedro pete phil rafael ray reggie ricardo rob rodney ross
    sam saul seth simon stan stanley stuart todd tommy travis trey troy tucker victor vince
    wade wallace warren wesley will winston""".split()
)
_PERSON_LABELS = frozenset({"PERSON"})
_SOURCE_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE"})
_EDGE_PUNCT = " \t\r\n,;:.—–-"
#: words that open a question, never a source ("to find out what insects attack ...")
_QUESTION_WORDS = frozenset({"what", "how", "why", "whether", "where", "when"})
#: subjects that never name a source ("it said" is a document at best; "which" dangles).
_NON_SOURCES = frozenset({"it", "which", "that", "this", "what", "there", "these", "those",
                          # "Nothing has worked to help Miles": a subject, never a source
                          "nothing", "something", "everything", "anything",
                          # "whomever wants to see can": nobody in particular
                          "whoever", "whomever"})
#: tokens that end a page's furniture inside what the parser took as one noun phrase: a
#: bullet or bar of a link list, and the words of a share button or picture caption ("By
#: Justin Sink - Tweet Jon Huntsman announced", "Image caption Supporters said"), and a
#: video player's "CLOSE" button or an ad slot ("CLOSE Scientists say")
_FURNITURE_TOKENS = frozenset({"•", "|", "·", "»", "Tweet", "caption", "CLOSE",
                               "ADVERTISEMENT"})
#: dashes that may open what the parser took as a name
_DASHES = frozenset({"-", "--", "–", "—", "---", "_"})  # "_": the archives' dash
#: a picture agency's credit after a photographer's name ("Kevin Winter/Getty",
#: "Axelle/Bauer-Griffin/FilmMagic"); a pollster's pair ("Reuters/Ipsos") is a name
_PICTURE_CREDIT = re.compile(
    r"/(?:Getty|FilmMagic|WireImage|Shutterstock|Invision|Corbis|Splash|Rex)\b")


# --------------------------------------------------------------------------- pieces
@dataclass(frozen=True)
class Piece:
    """The text between one pair of quotation marks (marks excluded), in one paragraph."""

    start: int
    end: int
    open_mark: int
    close_mark: int | None  # None: still open at the end of its paragraph
    paragraph: int
    mark: str = '"'

    @property
    def outer_end(self) -> int:
        """End of the closing mark (or of the content when the quote runs to paragraph end)."""
        return self.close_mark + len(self.mark) if self.close_mark is not None else self.end


#: a non-blank line: a line break ends a paragraph in news text
_LINE = re.compile(r"[^\n]*\S[^\n]*")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the non-blank lines: a line break ends a paragraph in news text."""
    return [m.span() for m in _LINE.finditer(text)]


def _strip_span(text: str, start: int, end: int, chars: str = " \t\r\n") -> tuple[int, int]:
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


def _marks(text: str, start: int, end: int) -> Iterable[tuple[int, str]]:
    """(offset, mark) for each quotation mark in text[start:end]; a doubled apostrophe
    ('' , the New York Times' straight double quote) is one mark, and so is a doubled curly
    single quote, which some feeds set for a double one (“That should have stood out,’’)."""
    i = start
    while i < end:
        ch = text[i]
        if ch in QUOTE_MARKS:
            yield i, ch
        elif ch == "'" and text.startswith("''", i) and i + 1 < end:
            yield i, DOUBLED_APOSTROPHE
            i += 1
        elif ch == "`" and text.startswith("``", i) and i + 1 < end:
            yield i, DOUBLED_BACKTICK
            i += 1
        elif ch in "‘’" and i + 1 < end and text[i + 1] == ch:
            yield i, "“" if ch == "‘" else "”"
            i += 1
        i += 1


def _curly_role(text: str, i: int, glyph: str) -> str:
    """A curly mark typed the wrong way round (``unusual,“ said``) acts by its position:
    glued to the word before and followed by a space it closes; the reverse opens."""
    if glyph not in OPENERS and glyph not in CLOSERS:
        return glyph
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if glyph in OPENERS and not before.isspace() and (after.isspace() or after in ".,;:"):
        return "”"
    if glyph in CLOSERS and before.isspace() and after.isalnum():
        return "“"
    return glyph


def _straight_shape(text: str, i: int) -> str:
    """How a straight mark sits: "open" (after a space, before a word: ``said: "The``),
    "close" (after a word or its stop, before a space: ``job." The``), else "either"."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if (before.isspace() or before in "([") and after.isalnum():
        return "open"
    if (before.isalnum() or before in ".,!?;…") and (after.isspace() or after in ".,;:)"):
        return "close"
    return "either"


def find_pieces(text: str) -> list[Piece]:
    """Pair quotation marks paragraph by paragraph; an unclosed quote ends with its paragraph
    (with its sentence in a page flattened onto one line, ``_open_end``).

    A straight mark toggles; a curly opener (or the archives' ``) while a quote is open closes
    the open one first (a missing closer is likelier than a nested double quote). In a page
    flattened onto one line, a straight mark reads by its shape where the toggle would pair
    marks the wrong way round: one shaped to close while nothing is open lost its opener and
    opens nothing, one shaped to open while a quote is open starts a new quote (a quotation
    running on into the next paragraph reopens it: ``available. "There can be``), or one
    lost mark would make the text between two quotations a quotation."""
    pieces: list[Piece] = []
    for para, (p_start, p_end) in enumerate(paragraphs(text)):
        open_at: int | None = None
        open_mark = ""
        flat = len(text[p_start:p_end].split()) > FLAT_PARAGRAPH_WORDS
        for i, glyph in _marks(text, p_start, p_end):
            mark = _curly_role(text, i, glyph)
            shape = _straight_shape(text, i) if flat and mark == '"' else "either"
            opener = mark == DOUBLED_BACKTICK  # opens a quote that its '' closes
            if open_at is None:
                if mark not in CLOSERS and shape != "close":
                    open_at, open_mark = i, mark
                continue
            if mark in OPENERS or opener or (shape == "open" and open_mark == '"'):
                pieces.append(_piece(text, open_at, open_mark, _open_end(text, open_at, i, flat),
                                     None, para))
                open_at, open_mark = i, mark
                continue
            if (mark == DOUBLED_APOSTROPHE) != (open_mark in _DOUBLED):
                continue  # a '' never closes a " or “ quote, nor the reverse
            if flat and len(text[open_at:i].split()) > FLAT_PARAGRAPH_WORDS:
                # a closing mark this far on in a flattened page closes no quote of this
                # opener: a mark was lost between them
                pieces.append(_piece(text, open_at, open_mark, _open_end(text, open_at, i, True),
                                     None, para))
            else:
                pieces.append(_piece(text, open_at, open_mark, i, i, para))
            open_at = None
        if open_at is not None:
            pieces.append(_piece(text, open_at, open_mark, _open_end(text, open_at, p_end, flat),
                                 None, para))
    return [p for p in pieces if p.end > p.start]


#: words of a "paragraph" longer than any real one (PolNeAR: 99.9% hold at most 173, the
#: longest 417): a page flattened onto one line, as Multi-News' are (median 453 words)
FLAT_PARAGRAPH_WORDS = 200
_SENTENCE_END = re.compile(r"[.!?][’'\"”]?(?=\s+[A-Z“\"‘(])")


def _open_end(text: str, open_at: int, end: int, flat: bool) -> int:
    """Where a quote left open ends: at ``end`` (its paragraph's end, or the next opener), as
    in news text a quote running on into the next paragraph does; in a page flattened onto
    one line (``flat``), with its sentence (else one lost closing mark would make the rest of
    the page a quotation)."""
    if not flat:
        return end
    found = _SENTENCE_END.search(text, open_at, end)
    return found.end() if found else end


def _piece(text: str, open_at: int, mark: str, end: int, close: int | None, para: int) -> Piece:
    start, end = _strip_span(text, open_at + len(mark), end)
    return Piece(
        start=start, end=end, open_mark=open_at, close_mark=close, paragraph=para, mark=mark
    )


# --------------------------------------------------------------------------- speakers
@dataclass(frozen=True)
class Speaker:
    """A source mention as written, with its character span; pronouns are resolved later."""

    text: str
    start: int
    end: int
    pronoun: bool = False
    #: characters of the whole source mention as PolNeAR marks it: titles and appositions
    #: included ("Minnesota Gov. Mark Dayton", "Clinton, 35, the daughter of ..."), relative
    #: clauses left out; None: the same as start/end
    mention: tuple[int, int] | None = None
    #: the parts of a coordinated source ("Grassley", "Leahy"), each named as alone; empty
    #: for one source
    parts: tuple[str, ...] = ()


def _text_of(doc) -> str:
    """``doc.text``, built once per Doc: spaCy rebuilds it from every token on each access,
    which made quote finding quadratic in an article's length (minutes at 250k characters)."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


def _ents_of(doc) -> tuple[list[int], tuple]:
    """``doc.ents`` (also rebuilt per access) once per Doc, with their start tokens for
    bisection."""
    cached = doc.user_data.get(_ENTS_KEY)
    if cached is None:
        ents = tuple(doc.ents)
        cached = doc.user_data[_ENTS_KEY] = ([e.start for e in ents], ents)
    return cached


_TEXT_KEY = ("newsweave", "text")
_ENTS_KEY = ("newsweave", "ents")


def _containing_entity(token):
    """The named entity a token belongs to, if any."""
    if not token.ent_type_:
        return None
    starts, ents = _ents_of(token.doc)
    at = bisect.bisect_right(starts, token.i) - 1
    if at >= 0 and ents[at].start <= token.i < ents[at].end:
        return ents[at]
    return None


_HYPHENS = frozenset({"-", "‐", "–"})


def _whole_words(doc, left: int, right: int) -> tuple[int, int]:
    """Token range ``[left, right)`` widened over words hyphenated to its ends: the parser
    may hang "white-" or "-author" elsewhere, which left "haired Yoda" and "study co"."""
    while (left >= 2 and doc[left - 1].text in _HYPHENS and not doc[left - 1].whitespace_
           and not doc[left - 2].whitespace_ and doc[left - 2].is_alpha):
        left -= 2
    while (right + 1 < len(doc) and doc[right].text in _HYPHENS
           and not doc[right - 1].whitespace_ and not doc[right].whitespace_
           and doc[right + 1].is_alpha):
        right += 2
    return left, right


def _edge_without_clauses(token) -> int:
    """The last token of ``token``'s phrase, leaving out a relative clause set off by a
    comma, which describes a noun inside it: "a spokesman for the Transportation Safety Board
    of Canada, which is in charge of the investigation, said" ends at "Canada" ("27 percent of
    those who named a candidate" stays whole)."""
    doc = token.doc
    right = token.i
    stack = [token]
    while stack:
        tok = stack.pop()
        right = max(right, tok.i)
        stack.extend(c for c in tok.children if not (
            c.dep_ == "relcl" and c.left_edge.i > 0 and doc[c.left_edge.i - 1].text == ","))
    return right


#: adjectives after a source noun that belong to its description: "people familiar with the
#: matter", "sources close to the president"
_SOURCING_ADJECTIVES = frozenset({"familiar", "close", "knowledgeable", "briefed"})


def _noun_phrase(head) -> tuple[int, int]:
    """Token range of a source noun phrase: modifiers on the left, "for/of X" on the right;
    relative clauses and appositions are left out (they describe, they are not the name)."""
    left = head.i
    for child in head.lefts:
        if child.dep_ in _NP_LEFT_DEPS:
            left = min(left, child.left_edge.i)
    right = head.i
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ in _NP_RIGHT_PREPS and child.i == right + 1:
            right = max(right, _edge_without_clauses(child))
        elif child.dep_ in ("compound", "case") and child.i == right + 1:
            right = child.i
        elif (child.dep_ in ("amod", "acl") and child.lower_ in _SOURCING_ADJECTIVES
              and child.i == right + 1 and any(c.dep_ == "prep" for c in child.children)):
            right = max(right, _edge_without_clauses(child))  # "people familiar with ..."
    doc = head.doc
    while left < head.i and (doc[left].is_punct or doc[left].is_space):
        left += 1
    while right > head.i and (doc[right].is_punct or doc[right].is_space):
        right -= 1
    return _whole_words(doc, left, right + 1)


#: children of a source noun that are no part of its mention: clauses about it
_MENTION_CUT_DEPS = frozenset({"relcl", "acl", "advcl", "punct", "cc", "conj", "prep"})


def _mention_span(token) -> tuple[int, int]:
    """Characters of the full noun phrase a source token heads: its left modifiers (titles,
    determiners) and appositions, up to the first clause or preposition after it."""
    doc = token.doc
    right = token.i
    for child in token.rights:
        if child.dep_ == "appos" or (child.dep_ in ("compound", "nummod", "case", "npadvmod")):
            right = max(right, child.right_edge.i)
        elif child.dep_ in _MENTION_CUT_DEPS and child.dep_ != "punct":
            break
    left = token.left_edge.i
    while right > token.i and (doc[right].is_punct or doc[right].is_space):
        right -= 1
    while left < token.i and (doc[left].is_punct or doc[left].is_space):
        left += 1
    left, end = _whole_words(doc, left, right + 1)
    span = doc[left:end]
    return span.start_char, span.end_char


def _speaker_from_token(token) -> Speaker:
    """The source for a subject token: the name or description to show (entity text, a
    possessor of an utterance noun as in "Sessions' statement", or the described noun phrase
    "a senior official"), with the span of the whole mention (``Speaker.mention``)."""
    speaker = _speaker_name(token)
    if speaker.pronoun:
        return speaker
    return replace(_coordinated(token, speaker), mention=_mention_span(token))


def _is_group_part(token) -> bool:
    """A name, an organisation or a plural noun: what coordinated sources are made of. A
    singular description is left out: "the former first lady and senator" is one person, and
    so is "Steve Bell, senior director ..., and a Republican who headed ..."."""
    if any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in token.children):
        return False
    return token.pos_ == "PROPN" or token.tag_ in ("NNS", "NNPS") or (
        token.ent_type_ in _SOURCE_LABELS and token.ent_iob_ != "O")


def _clause_free(doc, left: int, right: int, head) -> bool:
    """No verb of another clause between two conjuncts (tokens ``left`` < i < ``right``),
    except inside a clause that describes ``head`` ("Carson, who claimed ..., and Trump"): a
    verb there means the parser joined nouns across clauses."""
    described = {t.i for c in head.children if c.dep_ in ("relcl", "acl", "appos")
                 for t in c.subtree}
    return not any(doc[i].pos_ in ("VERB", "AUX") and i not in described
                   for i in range(left + 1, right))


def _companion(token):
    """The source joined to ``token`` by "along with" / "together with" ("Ms. Epstein, along
    with Judge Posner and William Landes, wrote"), else None: they act as one group."""
    for prep in token.children:
        if prep.dep_ != "prep" or any(c.dep_ == "appos" and c.i < prep.i
                                      for c in token.children):
            continue  # after a description: "Miller, one of the negotiators, along with ..."
        if prep.lower_ in ("along", "together"):
            prep = next((c for c in prep.children if c.lower_ == "with"), None)
        elif not (prep.lower_ == "with" and any(
                c.lower_ in ("along", "together") for c in prep.children)):
            continue
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep else None
        if obj is not None and _is_group_part(obj):
            return obj
    return None


def _conjuncts(token) -> list:
    """The names or plural nouns coordinated with ``token`` ("Cohen and Brad DeLong",
    "Democrats and Republicans", "Epstein, along with Posner and Landes"), in text order,
    ``token`` first; empty when none."""
    if not _is_group_part(token):
        return []
    chain, last = [token], token
    companion = _companion(token)
    while True:
        nxt = [c for c in last.children if c.dep_ == "conj" and _is_group_part(c)
               and _clause_free(token.doc, last.i, c.i, last)]
        if not nxt and companion is not None:
            nxt, companion = [companion], None
        if not nxt:
            break
        last = nxt[0]
        chain.append(last)
    return chain if len(chain) > 1 else []


def _coordinated(token, speaker: Speaker) -> Speaker:
    """The whole group when the source is several: coordinated sources ("Democrats and
    Republicans said", "Mike Crapo and Jim Risch said") are one source, not the first of them;
    a plural title before the names it stands beside ("Senators Mike Crapo and Jim Risch",
    "The economists Stephen Cohen and Brad DeLong") is shown with them, since the title alone
    ("Senators") says nobody. Each part is named as it would be alone, so a clause about one
    of them ("Carson, who claimed ..., and Trump") is left out."""
    head = token
    if token.pos_ == "NOUN" and token.tag_ == "NNS":
        apposed = [c for c in token.rights if c.dep_ == "appos" and c.ent_type_ == "PERSON"
                   and c.left_edge.i == token.i + 1]
        if apposed:
            head = apposed[0]
    # a conjunct inside the name as the tagger gave it is part of that name, not another
    # source: "Dow Jones & Co.", "Procter & Gamble"
    chain = [t for n, t in enumerate(_conjuncts(head)) if n == 0 or t.idx >= speaker.end]
    chain = chain if len(chain) > 1 else []
    if not chain and head is token:
        return speaker
    parts = [_speaker_name(t) for t in (chain or [head])]
    if head is not token:  # the title first, then the names it stands beside
        first = token.doc.text[speaker.start:parts[0].end]
        names = [first] + [p.text for p in parts[1:]]
    else:
        names = [speaker.text] + [p.text for p in parts[1:]]
    if len(names) == 1:
        return replace(speaker, text=names[0], end=max(speaker.end, parts[-1].end))
    text = _joined(names)
    if len(text) > _LONGEST_NAME:
        return speaker
    return replace(speaker, text=text, end=max(speaker.end, parts[-1].end),
                   parts=tuple(names))


def _joined(names: Sequence[str]) -> str:
    """"A and B", "A, B and C": two names or more."""
    return ", ".join(names[:-1]) + " and " + names[-1]


def _apposed_name(noun):
    """The name a description stands beside ("Lionel Sosa, a consultant and a Republican who
    said ..." -> Sosa; "Kerlikowske, the commissioner, who conceded" -> Kerlikowske): the
    relative clause describes the person the description is in apposition to, and the
    description alone is no source. Conjoined descriptions are climbed on the way; a plain
    conjunct ("Bush and Christie, who ...") is left as it is."""
    node = noun
    for _ in range(4):
        if node.dep_ == "appos" and node.head.pos_ == "PROPN":
            return node.head
        if node.dep_ not in ("appos", "conj") or node.head.pos_ not in ("NOUN", "PROPN"):
            return noun
        node = node.head
    return noun


def _without_leading_function_words(span):
    """A name the tagger opened on a capitalised preposition or conjunction ("Without
    Bloomberg", "Neither Cruz", "Among Latinos"), a headline's verb ("Said Kate", "Meet Kate
    Gosselin"), a lower-case word ("details Zimmerman") or a video's clock ("01:43
    Zimmerman"), without it: no name begins so."""
    start = span.start
    while start < span.end - 1 and (span.doc[start].pos_ in ("ADP", "SCONJ", "CCONJ")
                                    or span.doc[start].lower_ in _NOT_NAME_OPENERS
                                    or _CLOCK.fullmatch(span.doc[start].text)
                                    or _lower_word(span.doc[start].text)):
        start += 1
    return span if start == span.start else span.doc[start:span.end]


def _without_trailing_function_words(span):
    """An entity the tagger ran into a preposition, conjunction, article or dash, without it:
    "Pantelis Vekios of the Health Ministry" was tagged "Pantelis Vekios of", "the Tax Policy
    Center - half a percentage point" "the Tax Policy Center - half"."""
    end = span.end
    while end > span.start + 1 and (
            span.doc[end - 1].pos_ in ("ADP", "CCONJ", "DET") and span.doc[end - 1].is_lower
            or span.doc[end - 1].text in _DASHES):
        end -= 1
    return span if end == span.end else span.doc[span.start:end]


def _person_before_of(ent):
    """A person's name the tagger ran into an "of" phrase, as the person: "Cynthia Callard of
    Physicians for a Smoke-Free Canada" tagged as the organisation "Cynthia Callard of
    Physicians" (taken when the words before "of" open on a known first name), "Warden asked
    Barksdale of Clark" tagged as the person "Barksdale of Clark" (whose last word would
    otherwise be Clark's full name). An office stays whole ("Secretary of State")."""
    if ent.label_ not in ("ORG", "PERSON"):
        return ent
    of = next((t.i for t in ent if t.lower_ == "of"), None)
    if of is None or of == ent.start or any(t.pos_ != "PROPN" for t in ent.doc[ent.start:of]):
        return ent
    if ent.doc[of - 1].lower_.strip(".") in TITLES:
        return ent
    if ent.label_ == "ORG" and (
            of - ent.start < 2 or _gender_of_name(ent.doc[ent.start].text, None) is None):
        return ent
    return ent.doc[ent.start:of]


def with_given_names(ent):
    """A person's name with the given names the tagger left out of it ("Enver Solomon" tagged
    as "Solomon"): capitalised proper nouns the parser attaches to the name as compounds, right
    before it, no title ("Senator") and no other entity's word ("Labour")."""
    if ent.label_ != "PERSON":
        return ent
    doc, start = ent.doc, ent.start
    while (start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].dep_ == "compound"
           and ent.start <= doc[start - 1].head.i < ent.end and not doc[start - 1].ent_type_
           and doc[start - 1].is_title and doc[start - 1].is_alpha
           and doc[start - 1].lower_ not in TITLES
           and doc[start - 1].lower_ not in _NOT_NAME_OPENERS):
        start -= 1
    if start == ent.start:
        return ent
    from spacy.tokens import Span

    return Span(doc, start, ent.end, label=ent.label)


def _past_time(noun):
    """The noun a "who" describes, past a time phrase the parser hung it on ("re-elect Sen.
    Rob Portman this year, who endorsed ...": Portman, not "this year")."""
    if noun.ent_type_ not in _TIME_TYPES:
        return noun
    doc = noun.doc
    start = noun.left_edge.i
    for i in range(start - 1, max(noun.sent.start, start - 4) - 1, -1):
        if doc[i].pos_ in ("PROPN", "NOUN") and doc[i].dep_ != "compound":
            return doc[i]
    return noun


_NOT_PERSON = frozenset({"ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT",
                         "WORK_OF_ART", "LAW", "LANGUAGE"})
#: entity types of a place, which no "who" describes
_PLACES = frozenset({"GPE", "LOC", "FAC"})


def _past_place(noun):
    """The noun a "who" describes, past the place the parser hung it on ("Alan Berger, a
    gynecologist from Englewood, New Jersey, who said ...": the gynecologist, then Berger; not
    "Englewood"): a place is never a "who", the clause describes who is from there."""
    node = noun
    for _ in range(4):
        if node.ent_type_ not in _PLACES:
            break
        if node.dep_ == "pobj" and node.head.dep_ == "prep":
            node = node.head.head
        elif node.dep_ in ("appos", "compound", "conj") and node.head.i != node.i:
            node = node.head
        else:
            return noun
    return node if node.pos_ in ("NOUN", "PROPN") and node.ent_type_ not in _PLACES else noun


def _beside_who(who, noun):
    """The name a "who" follows, where the parser hung the clause on a common noun further
    back ("found guilty of using steroids is Truyol, who said ...": Truyol, not "steroids"):
    a "who" clause describes a person and stands right after the person's name."""
    doc = who.doc
    if (who.lower_ != "who" or who.i < 2 or doc[who.i - 1].text != ","
            or noun.pos_ == "PROPN" or noun.ent_type_ in _SOURCE_LABELS):
        return noun
    name = doc[who.i - 2]  # a name, not one of a body or a place ("... for Principles, who")
    person = name.pos_ == "PROPN" and name.ent_type_ not in _NOT_PERSON
    return name if person and name.i != noun.i else noun


#: endings of an abstract noun that a capital at the start of a clause made "PROPN"
#: ("Emancipation freed him", "Prohibition ended"): an act or a state, no one a "he" can be
_ABSTRACT_ENDINGS = ("tion", "sion", "ness", "ism")
#: words a name never opens with, which a headline or a page's label glues before one
_NOT_NAME_OPENERS = frozenset({"neither", "either", "said", "says", "meet"})
#: a video's clock ("01:43") left before the name that follows it
_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")


def _lower_word(word: str) -> bool:
    """A lower-case word that is no particle of a name ("details" in "details Zimmerman", a
    headline's verb the tagger took in; "de" of "de Blasio" stays)."""
    return word.isalpha() and word.islower() and word not in _NAME_PARTICLES


def _past_furniture(span):
    """``span`` from after the last piece of page furniture inside it (``_FURNITURE_TOKENS``,
    a picture credit such as "Kevin Winter/Getty" or "Axelle/Bauer-Griffin/FilmMagic"): a
    flattened page glues a byline's share button or a caption's credit onto the name that
    opens the next sentence, and the parser reads them as one phrase. The last token always
    stays."""
    cut = span.start
    for tok in span[:-1]:
        if tok.text in _FURNITURE_TOKENS:
            cut = tok.i + 1
        elif _PICTURE_CREDIT.search(tok.text_with_ws + tok.nbor().text):
            # the agency's name after the slash goes too ("Reuters/Ipsos poll" stays whole)
            cut = min(tok.i + (2 if tok.text.endswith("/") else 1), span.end - 1)
    while cut < span.end - 1 and span.doc[cut].text in _DASHES:
        cut += 1  # a caption's dash before the name: "BOOK-TALK -- Norman Laurilla"
    return span if cut == span.start else span.doc[cut:span.end]


#: what may follow a comma inside one name ("Apple, Inc.", "Martin Luther King, Jr.")
_AFTER_NAME_COMMA = frozenset({"inc", "ltd", "co", "corp", "llc", "plc", "jr", "sr", "ii",
                               "iii", "iv", "esq", "phd", "md"})


def _past_comma(ent):
    """An entity the tagger ran across a comma up to the subject ("According to the Associated
    Press, Schiller appeared"): the subject's name after the comma, not the phrase before it;
    a company's or a person's suffix after a comma stays ("Apple, Inc.")."""
    commas = [t.i for t in ent[:-1] if t.text == ","]
    if not commas:
        return ent
    rest = ent.doc[commas[-1] + 1:ent.end]
    if (commas[-1] == ent.start or not len(rest)
            or any(t.pos_ != "PROPN" or t.lower_.strip(".") in _AFTER_NAME_COMMA for t in rest)):
        return ent
    return rest


def _speaker_name(token) -> Speaker:
    doc = token.doc
    if token.text in _DASHES:  # the archives' "_" taken for the subject, the name before it
        names = [c for c in token.lefts if c.dep_ == "compound"]
        token = names[-1] if names else token
    if token.dep_ in ("nsubj", "nsubjpass") and token.lower_ in ("who", "that", "which") and (
        token.head.dep_ == "relcl"
    ):
        noun = _beside_who(token, _apposed_name(_past_place(_past_time(token.head.head))))
        return replace(_speaker_from_token(noun),
                       mention=(token.idx, token.idx + len(token)))
    if is_pronoun(token.text):
        return Speaker(token.text, token.idx, token.idx + len(token), pronoun=True)
    if token.lemma_.lower() in UTTERANCE_NOUNS and token.lower_ not in _SPOKESPEOPLE and not (
            token.ent_type_ in _SOURCE_LABELS and token.pos_ == "PROPN"):  # "the National Post"
        for child in token.lefts:
            if child.dep_ in ("poss", "nmod", "compound") and (
                child.pos_ == "PROPN" or child.ent_type_ in _SOURCE_LABELS
            ):
                return _speaker_from_token(child)
    ent = _containing_entity(token)
    if ent is not None and ent.label_ in _SOURCE_LABELS and ent.root.i == token.i and (
            not ent.text.islower()):  # "commerce ministry": a description, not a name
        if ent.label_ == "PERSON":  # an organisation may ("For Our Future")
            ent = _without_leading_function_words(with_given_names(ent))
        ent = _person_before_of(
            _without_trailing_function_words(_past_comma(_past_furniture(ent))))
        return Speaker(ent.text, ent.start_char, ent.end_char)
    if token.pos_ == "PROPN" and not token.text.islower():  # "foreign ministry": a noun
        left = token.i
        while left > 0 and doc[left - 1].dep_ == "compound" and doc[left - 1].head.i == token.i:
            left -= 1
        span = _past_furniture(doc[slice(*_whole_words(doc, left, token.i + 1))])
        if not len(span) or span[-1].lower_.strip(".") not in TITLES or any(
                t.ent_type_ == "PERSON" for t in span):
            return Speaker(span.text, span.start_char, span.end_char)
        # an office without a name is a description, read whole: "The President", "the
        # Prime Minister", not "President"
    left, right = _noun_phrase(token)
    day = left
    while day < token.i and doc[day].tag_ != "POS" and (
            doc[day].lower_ in _DAY_WORDS
            or day > left and (doc[day].ent_type_ in _TIME_TYPES or doc[day].is_punct)):
        day += 1  # and the date after the day: "Wednesday, August 13, 2008 Officials"
    if doc[day].tag_ != "POS":
        left = day  # a day the parser glued on: "Thursday state officials told", "Yesterday
        # officials said"; "Monday night's results" keep their day
    span = _past_furniture(doc[left:right])
    return Speaker(span.text, span.start_char, span.end_char)


def _subject_of(verb, inside=None, depth: int = 0):
    """The subject of a speech verb, climbing through "and added" / ", saying" / xcomp.
    A subject inside quotation marks is the parser's mistake, never the speaker. Of two
    subjects (", the force ..., said Kakalios"), the one right after ", said" is the inverted
    attribution's speaker: the parse took a piece of what was said for the other. A clausal
    subject ("In a section of neatly kept homes ..., X said") or a verb taken for a nominal
    one ("Dressed in a crisp white shirt ..., X said") is a misparse, never a speaker."""
    subjects = [c for c in verb.children
                if c.dep_ == "nsubj" and c.pos_ != "VERB" and (inside is None or not inside(c.idx))]
    if len(subjects) > 1 and verb.i > 0 and verb.nbor(-1).text == ",":
        after = [c for c in subjects if c.left_edge.i == verb.i + 1]
        if after:
            return after[0]
    if subjects:
        return _past_date(_apposed_before(subjects[0], verb), inside)
    for child in verb.children:
        if child.dep_ == "agent":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    return grand
    for child in verb.children:
        if child.dep_ == "nsubjpass":
            # "X is quoted as saying": the passive subject speaks; "X was asked": it does not
            return child if verb.lemma_ == "quote" else None
    if depth < 3 and verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.i != verb.i:
        return _subject_of(verb.head, inside, depth + 1)
    return None


#: entity types of a subject that never speaks: a day or an hour the parser took for the
#: subject ("Saturday at the party convention Sen. Elizabeth Warren said")
_TIME_TYPES = frozenset({"DATE", "TIME"})
#: the words of a day glued before a subject ("Friday night police said")
_DAY_WORDS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                        "sunday", "yesterday", "today", "tonight", "morning", "afternoon",
                        "evening", "night"})


def _apposed_before(subject, verb):
    """The source right before the verb that the parser hung, as an apposition, on a common
    noun of the reported clause ("tested positive for the steroid nandrolone, the
    International Amateur Athletic Federation (IAAF) said": the federation)."""
    if subject.ent_type_ in _SOURCE_LABELS:
        return subject
    for child in subject.children:
        first = child.left_edge.i
        if child.dep_ == "appos" and child.ent_type_ in _SOURCE_LABELS and (
            child.right_edge.i == verb.i - 1 and first > 0 and child.doc[first - 1].text == ","
        ):
            return child
    return subject


def _past_date(subject, inside=None):
    """A subject that is a date or time stands for the person named inside its phrase (the
    parse hung "Sen. Elizabeth Warren" on "Saturday"), else for no one."""
    if subject.ent_type_ not in _TIME_TYPES:
        return subject
    people = [t for t in subject.subtree if t.ent_type_ == "PERSON" and t.dep_ != "compound"
              and (inside is None or not inside(t.idx))]
    return people[-1] if people else None


# --------------------------------------------------------------------------- cues
@dataclass(frozen=True)
class Cue:
    """An attributing expression: its verb token, speaker, and the clause it governs."""

    token: int
    text: str
    speaker: Speaker | None
    content: tuple[int, int] | None  # character span of the governed clause, if any
    sentence: int
    span: tuple[int, int] | None = None  # characters of the cue, first to last word


def _cue_tokens(verb) -> list:
    """The cue's words: the verb with its auxiliaries, negation and particle close by
    ("has said", "did not say", "called for")."""
    parts = [t for t in verb.children if t.dep_ in ("aux", "neg", "prt") and t.i < verb.i + 2]
    toks = [t for t in sorted([verb, *parts], key=lambda t: t.i) if t.i >= verb.i - 2]
    # a manner adverb right before the cue is part of it ("now says", "boldly claimed")
    first = toks[0].i
    while first > 0 and verb.doc[first - 1].dep_ == "advmod" and verb.doc[first - 1].head == verb:
        first -= 1
        toks.insert(0, verb.doc[first])
    return toks


def _cue_text(verb) -> str:
    return " ".join(t.text for t in _cue_tokens(verb))


def _cue_span(verb) -> tuple[int, int]:
    toks = _cue_tokens(verb)
    return toks[0].idx, toks[-1].idx + len(toks[-1])


#: prepositions that set a scene (where, when) or a path rather than say what a stance is
#: about: "defended him in front of the media" attributes no content, and with "slams into
#: the ground" or "backed through the gate" the verb is motion, not a stance.
_SETTING_PREPS = frozenset(
    """in at on during before after near inside outside since until throughout amid across
    behind beside within into onto through toward towards""".split()
)


def _object_span(verb) -> tuple[int, int] | None:
    """What a stance verb is about: its object and complements up to the clause's end
    ("criticized him for repeated votes against the bill"). A bare pronoun object in a
    setting ("defended him in front of the media") is a target, not a statement: none."""
    kids = [c for c in verb.rights if c.dep_ in _STANCE_OBJECT_DEPS]
    about = [c for c in kids if not (c.dep_ == "prep" and c.lower_ in _SETTING_PREPS)]
    if not about or all(c.pos_ == "PRON" and c.n_rights == 0 for c in about):
        return None
    doc = verb.doc
    start = min(k.left_edge.i for k in kids)
    end = max(k.right_edge.i for k in kids) + 1
    span = doc[start:end]
    s, e = _strip_span(_text_of(doc), span.start_char, span.end_char, _EDGE_PUNCT)
    return (s, e) if e > s else None


def _clause_span(tok) -> tuple[int, int]:
    """Characters of a governed clause, less an "according to X" tail (a second source).
    Coordinated and relative clauses stay: cutting them lost more than it won on train."""
    doc = tok.doc
    start, end = tok.left_edge.i, tok.right_edge.i + 1
    for t in doc[start:end]:
        if t.lower_ == "according" and t.i > start:
            end = min(end, t.i)
    span = doc[start:end]
    text = _text_of(doc)
    s, e = with_closing_mark(text, *_strip_span(text, span.start_char, span.end_char,
                                                 _EDGE_PUNCT))
    return _clause_past_dateline(text, *_past_tweet_signatures(text, s, e))


def _clause_past_dateline(text: str, start: int, end: int) -> tuple[int, int]:
    """A clause the parse began at the story's dateline ("OSLO (Reuters) - China and other
    emerging economies have overtaken ..., a U.N.-backed alliance said") starts after it:
    the place and the agency are no part of what was said. Only a clause that opens a line
    can start at one."""
    if start and text[start - 1] != "\n":
        return start, end
    cut = trim_dateline(text[start:end])
    if not 0 < cut < end - start:
        return start, end
    return _first_nonspace(text, start + cut), end


#: the signature that ends an embedded tweet: "— Aviation Policing (@MPSHeathrow) April 17,
#: 2016" (every repeat bounded)
_TWEET_END = re.compile(r"\(@\w{1,15}\)[ \t]{1,3}[A-Z][a-z]{2,8}\.?[ \t]{1,3}\d{1,2},[ \t]{1,3}"
                        r"(?:19|20)\d\d\b[ \t]*")


def _past_tweet_signatures(text: str, start: int, end: int) -> tuple[int, int]:
    """A clause whose parse ran back over an embedded tweet on a flattened page starts
    after the tweet's signature: the tweet is someone else's words."""
    ends = [m.end() for m in _TWEET_END.finditer(text, start, end)]
    return (ends[-1], end) if ends and ends[-1] < end else (start, end)


#: a closing mark (after the sentence's stop) right after a span


def _parenthetical_content(verb, subject, sent) -> tuple[int, int] | None:
    """"In the long run, many economists say, this effect could ripple ...": a speech verb
    set off by commas inside its sentence attributes the whole sentence."""
    doc = verb.doc
    left = subject.left_edge.i
    right = max([verb.i] + [c.right_edge.i for c in verb.rights if c.dep_ in ("dobj", "npadvmod")])
    if left <= sent.start or right + 1 >= sent.end - 1 or subject.i > verb.i:
        return None
    if doc[left - 1].text != "," or doc[right + 1].text != ",":
        return None
    return _strip_span(_text_of(doc), sent.start_char, sent.end_char, _EDGE_PUNCT)


def _according_to(token):
    """The source token X when ``token`` starts "according to X", else None."""
    if token.lower_ != "according":
        return None
    for child in token.children:
        if child.lower_ == "to":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    return grand
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if nxt is not None and nxt.lower_ == "to" and nxt.i + 1 < len(token.doc):
        return nxt.nbor(1)
    return None


def _according_content(token, sent) -> tuple[int, int]:
    """The statement an "according to X" phrase attributes: its sentence minus the phrase."""
    doc = token.doc
    phrase_start = token.left_edge.i
    phrase_end = token.right_edge.i + 1  # not max(subtree): a chain of phrases was quadratic
    text = _text_of(doc)
    before = _strip_span(text, sent.start_char, doc[phrase_start].idx, _EDGE_PUNCT)
    after_char = doc[phrase_end].idx if phrase_end < len(doc) else len(text)
    after = _strip_span(text, after_char, sent.end_char, _EDGE_PUNCT)
    return before if before[1] - before[0] >= after[1] - after[0] else after


def _past_dateline(subject, skip):
    """The name after a dateline the parser took for the subject ("CLEVELAND, July 19 (UPI)
    — Former Attorney General Michael Mukasey told"): its apposition outside ``skip``."""
    if subject is None or not skip(subject.idx):
        return None
    return next((c for c in subject.children if c.dep_ == "appos" and not skip(c.idx)), None)


def _name_run_end(doc, i: int) -> int:
    """The last token of the name or noun phrase starting at ``i`` ("David Brock", "Rubio
    spokesman Alex Conant", "the statement"): the token that stands for the whole."""
    j = i
    while j + 1 < len(doc) and doc[j + 1].pos_ in ("PROPN", "NOUN") and (
        doc[j].pos_ in ("PROPN", "NOUN", "DET", "ADJ")
    ):
        j += 1
    return j


#: quotation-mark tokens: double marks, and the doubled apostrophe of straight-quoted text
_MARK_TOKENS = frozenset(QUOTE_MARKS | {"''", "``"})
#: tokens that can close a quotation right before an inverted cue ('"...," said X')
_CLOSING_MARKS = _MARK_TOKENS | {"’", "'"}


def _adjacent_source(verb, skip):
    """A source next to a speech verb that the parser gave no subject, the verb right after
    a quotation: inverted ('"...," said David Brock, a ...'; '"...," read the statement') or
    named between the closing mark and the verb ('"...," Gene Sperling, an adviser, said').
    Taken only when the parse offers nothing, never over a subject it found."""
    doc = verb.doc
    before = verb.i - 1
    while before >= 0 and doc[before].is_space:
        before -= 1
    if before < 1 or doc[before].text not in _CLOSING_MARKS:
        set_off = _set_off_name(doc, before, skip)
        if set_off is not None:
            return set_off
        # preposed: '"...," NAME[, apposition,] said', no verb between
        j = before
        while j >= 0 and verb.i - j <= 16 and doc[j].text not in _MARK_TOKENS and (
            doc[j].pos_ not in ("VERB", "AUX") and doc[j].text not in ".;:!?"
        ):
            j -= 1
        if j < 0 or verb.i - j > 16 or doc[j].text not in _MARK_TOKENS:
            return None
        first = doc[j + 1] if j + 1 < verb.i else None
        if first is None or first.pos_ != "PROPN" or skip(first.idx):
            return None
        return doc[_name_run_end(doc, first.i)]
    # inverted: '"...," said NAME'
    if verb.i + 1 >= len(doc):
        return None
    first = doc[verb.i + 1]
    if skip(first.idx) or first.pos_ not in ("PROPN", "DET"):
        return None
    end = _name_run_end(doc, first.i)
    return doc[end] if doc[end].pos_ in ("PROPN", "NOUN") else None


def _set_off_name(doc, comma: int, skip):
    """A person's name set off by commas right before a verb the parser gave no subject ("In
    a statement to the Observer, her senior policy adviser, Jake Sullivan, said: ...": the
    parse hung the name, as an apposition, on "Observer")."""
    if comma < 1 or doc[comma].text != ",":
        return None
    name = doc[comma - 1]
    if name.ent_type_ != "PERSON" or name.dep_ not in ("appos", "conj") or skip(name.idx):
        return None
    while name.dep_ == "conj" and name.head.ent_type_ == "PERSON":  # "Megahan and Harman"
        name = name.head
    return name


def find_cues(doc, inside_quote, not_source=None) -> list[Cue]:
    """Every speech cue outside quotation marks, with its speaker and governed clause.
    ``not_source(offset)`` marks more text no subject is taken from (a dateline: the parser
    often makes "Washington (AFP) - Democrat Hillary Clinton has ..." a second subject)."""
    skip = inside_quote if not_source is None else (
        lambda offset: inside_quote(offset) or not_source(offset))
    sent_index = {}
    for n, sent in enumerate(doc.sents):
        for tok in sent:
            sent_index[tok.i] = n
    sents = list(doc.sents)
    cues: list[Cue] = []
    for tok in doc:
        if inside_quote(tok.idx):
            continue
        obj = _according_to(tok)
        if obj is not None:
            sent = sents[sent_index[tok.i]]
            cues.append(
                Cue(
                    token=tok.i,
                    text="according to",
                    speaker=_speaker_from_token(obj),
                    content=_according_content(tok, sent),
                    sentence=sent_index[tok.i],
                    span=(tok.idx, tok.nbor(1).idx + len(tok.nbor(1))),
                )
            )
            continue
        lemma = tok.lemma_.lower()
        if tok.pos_ not in ("VERB", "AUX") or (
            lemma not in SPEECH_LEMMAS
            and lemma not in DIRECT_ONLY_LEMMAS
            and lemma not in STANCE_LEMMAS
        ):
            continue
        if _at_fault(tok) or _hedge(tok):
            continue
        subject = _subject_of(tok, skip)
        if subject is None and not_source is not None:
            subject = _past_dateline(_subject_of(tok, inside_quote), skip)
        adjacent = subject is None and (lemma in SPEECH_LEMMAS or lemma in DIRECT_ONLY_LEMMAS)
        if adjacent:
            subject = _adjacent_source(tok, skip)
        if subject is not None and subject.lower_ == "it" and lemma != "say":
            subject = None
        clause = None
        for child in tok.children:
            if child.dep_ == "ccomp" and lemma in SPEECH_LEMMAS:
                clause = _clause_span(child)
                break
        if adjacent and subject is not None and clause is not None and (
            clause[0] <= subject.idx < clause[1]
        ):
            clause = None  # the parse put the name inside what was said
        if clause is not None and subject is not None:
            clause = _with_free_relative(subject, clause)
        if clause is None and lemma in SPEECH_LEMMAS and subject is not None:
            clause = _parenthetical_content(tok, subject, sents[sent_index[tok.i]])
        if clause is None and lemma in STANCE_LEMMAS:
            clause = _object_span(tok)
            if clause is None or subject is None or subject.lower_ in _NON_SOURCES:
                continue
        if subject is None and clause is None:
            continue
        cues.append(
            Cue(
                token=tok.i,
                text=_cue_text(tok),
                speaker=_speaker_from_token(subject) if subject is not None else None,
                content=clause,
                sentence=sent_index[tok.i],
                span=_cue_span(tok),
            )
        )
    return cues


def _hedge(verb) -> bool:
    """"It's fair to say ...", "it is safe to say", "needless to say": the writer's own hedge
    on an infinitive "say" after an adjective, not anyone's statement."""
    if verb.lemma_ != "say" or not any(c.dep_ == "aux" and c.lower_ == "to"
                                       for c in verb.children):
        return False
    head = verb.head
    if head.pos_ == "ADJ":  # "Needless to say"
        return True
    return head.lemma_ == "be" and any(c.dep_ == "acomp" for c in head.children) and any(
        c.dep_ in ("nsubj", "expl") and c.lower_ == "it" for c in head.children)


def _at_fault(verb) -> bool:
    """"Obama is to blame", "may have his own party to blame": an infinitive "blame" after
    "be"/"have" says who is at fault, not who blames anyone ("seemed to blame" does blame)."""
    return (
        verb.lemma_ == "blame"
        and verb.head.i != verb.i
        and verb.head.lemma_ in ("be", "have")
        and any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)
    )


def _with_free_relative(subject, clause: tuple[int, int]) -> tuple[int, int]:
    """'what US officials say was a cyber campaign': the clause's subject is the "what" before
    the source, so the content starts there (as PolNeAR marks it); without it the statement
    reads "was a cyber campaign"."""
    first = subject.left_edge.i
    if first == 0:
        return clause
    before = subject.doc[first - 1]
    if before.lower_ == "what" and before.idx < clause[0]:
        return before.idx, clause[1]
    return clause


# --------------------------------------------------------------------------- pronouns
#: head nouns of a description that give its gender ("his wife", "the spokesman"); compounds
#: of "-woman"/"-man" are read by ``_gender_of_description`` too
_FEMALE_NOUNS = frozenset(
    """woman wife mother daughter sister girl grandmother granddaughter aunt niece widow lady
    actress queen princess duchess nun mom""".split()
)
_MALE_NOUNS = frozenset(
    """man husband father son brother boy grandfather grandson uncle nephew widower actor
    king prince duke priest dad""".split()
)


def _gender_of_description(text: str) -> str | None:
    """"f"/"m" when a description's head noun says ("his wife", "a spokeswoman"), else None.
    Read up to its first comma or relative clause: "Her father, Brad, 39" is a father."""
    head = _head_word(re.split(r",|\s+(?:who|whose|which|that)\b", text)[0])
    if head in _FEMALE_NOUNS or (head.endswith("woman") and head not in _NOT_PERSON_COMPOUNDS):
        return "f"
    if head in _MALE_NOUNS or (head.endswith("man") and head not in _NOT_PERSON_COMPOUNDS
                               and not head.endswith("human")):
        return "m"
    return None


def _gender_of_name(name: str, titled: str | None) -> str | None:
    if titled in _MALE_TITLES:
        return "m"
    if titled in _FEMALE_TITLES:
        return "f"
    first = name.split()[0].lower().strip(".") if name.split() else ""
    if first in _FEMALE_NAMES:
        return "f"
    if first in _MALE_NAMES:
        return "m"
    return None


@dataclass(frozen=True)
class PersonMention:
    """A mention of a person outside quotes: a candidate antecedent for "he"/"she"."""

    start: int
    end: int
    text: str
    gender: str | None
    subject: bool = False  # the mention heads a clause subject: the likeliest antecedent
    speaker: bool = False  # the mention is the source of a speech cue
    #: one of coordinated names ("Bush and Christie"): the pair is a "they", not a "he"
    conjoined: bool = False
    #: a "he"/"she" already resolved, standing for the person it names (``text``)
    chained: bool = False


def _apposed_gender(root) -> str | None:
    """The gender a description in apposition gives a name: "Deripaska's spokeswoman,
    Larisa Belyaeva" and "Larisa Belyaeva, his spokeswoman" name a woman."""
    if root.dep_ == "appos" and root.head.pos_ == "NOUN":
        return _gender_of_description(root.head.text)
    for child in root.children:
        if child.dep_ == "appos" and child.pos_ == "NOUN":
            return _gender_of_description(child.text)
    return None


def _name_end(root) -> int | None:
    """Token index after a person name whose root is ``root``, or None when the name only
    modifies a noun ("the Obama administration", "a Trump interview": no person is
    mentioned). A first name the tagger split from its surname ("Chris" PERSON, "Christie"
    ORG) takes the surname along."""
    if root.dep_ != "compound":
        return root.i + 1
    head = root.head
    if head.i == root.i + 1 and head.pos_ == "PROPN" and head.is_title:
        ent = _containing_entity(head)
        if ent is None or len(ent) == 1:
            return head.i + 1
    return None


def _conjoined(token) -> bool:
    return token.dep_ == "conj" or any(c.dep_ == "conj" for c in token.children)


def person_mentions(doc, inside_quote) -> list[PersonMention]:
    """Person mentions outside quotes, each with a gender guessed from its first name or a
    title. A surname of a person named in full counts as a mention wherever it recurs (also
    where the tagger calls it an organisation: the small model tags "Christie" ORG half the
    time), and so does a proper-noun subject the tagger left untyped (it misses "Sessions"
    alone). A name that only modifies a noun ("the Obama administration") is no mention."""
    genders: dict[str, str | None] = {}
    quoted: dict[str, str | None] = {}  # genders from titled names inside quotations
    mixed: set[str] = set()
    surnames: set[str] = set()
    found: list[tuple[int, int, str, str | None, bool, bool]] = []
    covered: set[int] = set()
    typed: set[int] = set()  # tokens of a one-word entity of another type
    ents = [e for e in doc.ents if e.label_ in _PERSON_LABELS]
    # surnames of names given in full: alone, such a word is the surname, whatever first
    # name it also is ("Scott" after "Eugenie C. Scott" is no man)
    full = {_surname(e.text) for e in ents if len(e.text.split()) > 1}
    for ent in doc.ents:
        if ent.label_ in _PERSON_LABELS or len(ent) > 1:
            covered.update(range(ent.start, ent.end))
        else:
            typed.add(ent.start)
    for ent in ents:
        if inside_quote(ent.start_char):
            # no antecedent inside a quotation, but its "Mr Deripaska" says he is a man
            before = doc[ent.start - 1].lower_ if ent.start > 0 else None
            if before in _MALE_TITLES | _FEMALE_TITLES:
                quoted.setdefault(_surname(ent.text), _gender_of_name(ent.text, before))
            continue
        end = _name_end(ent.root)
        if end is None:
            continue
        span = _without_leading_function_words(doc[ent.start : max(end, ent.end)])
        covered.update(range(span.start, span.end))
        name = span.text.strip()
        if not name:
            continue
        prev = doc[ent.start - 1].lower_ if ent.start > 0 else None
        surname = _surname(name)
        alone = len(name.split()) == 1 and prev not in _MALE_TITLES | _FEMALE_TITLES
        gender = None if alone and surname in full else (
            _gender_of_name(name, prev) or _apposed_gender(ent.root))
        surnames.add(surname)
        titled = len(name.split()) > 1 or prev in _MALE_TITLES | _FEMALE_TITLES
        if titled and gender is not None:
            seen = genders.setdefault(surname, gender)
            if seen != gender:
                mixed.add(surname)  # a family: Donald and Melania Trump
        root = doc[span.end - 1] if span.end > ent.end else ent.root
        found.append((span.start_char, span.end_char, name, gender,
                      root.dep_ in _SUBJECT_DEPS, _conjoined(root)))
    for tok in doc:
        if tok.i in covered or not tok.is_title or inside_quote(tok.idx):
            continue
        if tok.dep_ == "compound" and _name_end(tok) is None:
            continue
        subject = tok.dep_ in _SUBJECT_DEPS
        known = tok.lower_ in genders or tok.lower_ in surnames
        if known or (subject and tok.pos_ == "PROPN" and tok.i not in typed
                     and not tok.lower_.endswith(_ABSTRACT_ENDINGS)
                     and tok.lower_.strip(".") not in TITLES):  # "Inspector General" is no one
            found.append((tok.idx, tok.idx + len(tok), tok.text, None, subject, _conjoined(tok)))
    found.sort()
    for surname, gender in quoted.items():
        if genders.setdefault(surname, gender) != gender:
            mixed.add(surname)
    for surname in mixed:
        genders[surname] = None
    furniture = _furniture_spans(doc)
    return [
        PersonMention(
            s, e, name, g if g is not None else genders.get(_surname(name)), subj, conjoined=c
        )
        for s, e, name, g, subj, c in found
        if not any(a <= s < b for a, b in furniture)
    ]


def _furniture_spans(doc) -> list[tuple[int, int]]:
    """Characters of the page furniture glued to the front of a sentence
    (``boilerplate.leading_furniture``: a video's embed box, a share bar, a caption's
    credit): a "Drone" in "Embed FROM AUG. 10: Drone spotted at Newark Airport 1:20 autoplay
    ... Copy this code to your website or blog" is no one a "he" can be."""
    spans = []
    for sent in doc.sents:
        cut = leading_furniture(sent.text)
        if cut:
            spans.append((sent.start_char, sent.start_char + cut))
    return spans


class _Spans:
    """Character spans sorted by start, with each prefix's furthest end: whether any span
    covers an offset or overlaps a range is then a binary search (testing every span for
    every mention made a long article quadratic)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _e in ordered]
        self._reach = list(itertools.accumulate((e for _s, e in ordered), max))

    def cover(self, offset: int) -> bool:
        """Some span has start <= offset < end."""
        n = bisect.bisect_right(self._starts, offset)
        return n > 0 and self._reach[n - 1] > offset

    def overlap(self, start: int, end: int) -> bool:
        """Some span has span start < end and start < span end."""
        n = bisect.bisect_left(self._starts, end)
        return n > 0 and self._reach[n - 1] > start


def _source_spans(cues: Sequence[Cue]) -> _Spans:
    """The spans of the cues' sources written as names or descriptions (not pronouns)."""
    return _Spans((c.speaker.start, c.speaker.end) for c in cues
                  if c.speaker is not None and not c.speaker.pronoun)


def mark_speakers(persons: Sequence[PersonMention], cues: Sequence[Cue]) -> list[PersonMention]:
    """Flag the person mentions that are a speech cue's source: the likeliest antecedent of
    a later "he said" is the last one who spoke (reporters keep the speaker as the topic)."""
    spans = _source_spans(cues)
    return [replace(p, speaker=True) if spans.overlap(p.start, p.end) else p for p in persons]


#: how far back (characters) the last speaker, else a subject, is preferred over a nearer
#: mention; ``benchmarks/quotes_cv.py`` tries others, each fold choosing on the rest
SUBJECT_REACH = 400


def pronoun_gender(pronoun: str) -> str | None:
    """"m" for he/him/his, "f" for she/her, else None."""
    low = pronoun.lower().strip()
    return "m" if low in MALE_PRONOUNS else "f" if low in FEMALE_PRONOUNS else None


def resolve_pronoun(pronoun: str, offset: int, persons: Sequence[PersonMention]) -> str | None:
    """The person a "he"/"she" before ``offset`` refers to: the last fitting person who
    spoke close by, else the nearest fitting subject mention close by, else the nearest
    fitting mention; gender unknown fits either. One of coordinated names ("Bush and
    Christie") never fits: together they are a "they"."""
    want = pronoun_gender(pronoun)
    if want is None:
        return None
    starts = [p.start for p in persons]
    end = bisect.bisect_left(starts, offset)
    fitting = [
        i for i in range(end - 1, -1, -1)
        if persons[i].gender in (want, None) and not persons[i].conjoined
    ]
    if not fitting:
        return None
    known = [i for i in fitting if persons[i].gender == want]
    # speaker continuity: "X said ... He added" - the last fitting person who spoke
    spoke = [
        i for i in fitting if persons[i].speaker and offset - persons[i].start <= SUBJECT_REACH
    ]
    if spoke:
        return _fullest(_as(persons[spoke[0]], want), persons[: spoke[0]])
    for pool in (known, fitting):
        close = [i for i in pool if offset - persons[i].start <= SUBJECT_REACH]
        subjects = [i for i in close if persons[i].subject]
        if subjects:
            return _fullest(_as(persons[subjects[0]], want), persons[: subjects[0]])
    best = known[0] if known else fitting[0]
    return _fullest(_as(persons[best], want), persons[:best])


def _as(person: PersonMention, gender: str | None) -> PersonMention:
    """The mention with the gender a pronoun gives it, where its own is unknown."""
    return replace(person, gender=gender) if person.gender is None and gender else person


def _fullest(person: PersonMention, earlier: Sequence[PersonMention]) -> str:
    """A surname-only mention stands for the last full name that ends with it and does not
    contradict its gender ("Murphy" said by a "he" is not "Anne Marie Murphy"); a
    possessive "'s" is no part of the name."""
    text = re.sub(r"\s*['’]s?$", "", person.text.strip()) or person.text
    if len(text.split()) > 1:
        return text
    surname = _surname(text)
    for other in reversed(earlier):
        fits = person.gender is None or other.gender in (None, person.gender)
        if fits and len(other.text.split()) > 1 and _surname(other.text) == surname:
            return re.sub(r"\s*['’]s?$", "", other.text.strip())
    return text


#: how "he"/"she" find their person: ``learned`` (``newsweave.pronoun_model``, a ranker
#: fitted on PolNeAR's training months) or ``rules`` (``resolve_pronoun``)
PRONOUN_RESOLVER = "learned"
#: person mentions (and as many described sources) a pronoun looks back over: bounds the
#: work on huge inputs; a news article rarely names that many people before a pronoun
LOOK_BACK = 300


class SpeakerResolver:
    """Names the speakers of one article. A "he"/"she" resolved once becomes a mention of
    its person, spoken and with the pronoun's gender: "X said. ... she added. ... she
    continued" keeps X, where the names alone would drift to whoever was mentioned last."""

    def __init__(
        self,
        persons: Sequence[PersonMention],
        names: Sequence[tuple[int, str]] = (),
        groups: Sequence[GroupMention] = (),
        described: Sequence[Speaker] = (),
        layout: Layout | None = None,
        reported: Sequence[tuple[int, int]] = (),
    ) -> None:
        self.persons = list(persons)
        #: the content spans of the article's speech cues
        self._reported = _Spans(reported)
        self.names = names
        self._full_names = full_names(names)
        self.groups = groups
        self.described = sorted(described, key=lambda d: d.start)
        self.layout = layout
        self._done: dict[int, str | None] = {}

    def candidates(self, before: int, gender: str | None = None) -> list[Candidate]:
        """The person mentions and described sources before offset ``before`` (the nearest
        ``LOOK_BACK`` of each), in text order, as the pronoun model sees them. A surname
        whose gender is unknown takes the full name of ``gender`` (the pronoun's): a "he"
        that is "Bush" is not "Laura Bush"."""
        persons = self.persons
        end = bisect.bisect_left(persons, before, key=lambda p: p.start)

        def fullest(n: int) -> Callable[[], str]:
            person = _as(persons[n], gender)
            return lambda: _fullest(person, persons[:n])

        found = [
            Candidate(p.start, p.text, p.gender, p.subject, p.speaker, chained=p.chained,
                      reported=self._inside_reported(p.start),
                      full=None if p.chained else fullest(n))
            for n in range(max(0, end - LOOK_BACK), end)
            if not (p := persons[n]).conjoined and not _indefinite(p.text)
        ]
        end = bisect.bisect_left(self.described, before, key=lambda d: d.start)
        found += [
            Candidate(d.start, d.text, _gender_of_description(d.text), True, True,
                      described=True)
            for d in self.described[max(0, end - LOOK_BACK):end]
            if not _indefinite(d.text)
        ]
        return sorted(found, key=lambda c: c.start)

    def _inside_reported(self, offset: int) -> bool:
        """Whether ``offset`` lies inside the content of a speech cue."""
        return self._reported.cover(offset)

    def _person(self, speaker: Speaker, gender: str) -> str | None:
        if PRONOUN_RESOLVER != "learned" or self.layout is None:
            return resolve_pronoun(speaker.text, speaker.start, self.persons)
        chosen = default_pronoun_model().choose(
            gender, speaker.start, self.candidates(speaker.start, gender), self.layout
        )
        return None if chosen is None else chosen.name

    def resolve(
        self, speaker: Speaker | None, content: tuple[int, int] | None = None
    ) -> str | None:
        """The speaker's name: a pronoun's referent, a short form's full name ("the Post" ->
        "Washington Post"), else the mention as written. A "they" never refers to a
        subject of the statement it introduces (``content``)."""
        if speaker is None:
            return None
        if speaker.parts:  # each of coordinated sources: "Grassley and Leahy" in full
            return _joined([full_name(p, speaker.start, self.names, self._full_names)
                            for p in speaker.parts])
        if not speaker.pronoun:
            return full_name(speaker.text, speaker.start, self.names, self._full_names)
        gender = pronoun_gender(speaker.text)
        if gender is not None:
            if speaker.start not in self._done:
                name = self._person(speaker, gender)
                self._done[speaker.start] = name
                if name is not None:
                    mention = PersonMention(speaker.start, speaker.end, name, gender, True, True,
                                            chained=True)
                    at = bisect.bisect_left(self.persons, speaker.start, key=lambda p: p.start)
                    self.persons.insert(at, mention)
            if self._done[speaker.start] is not None:
                return self._done[speaker.start]
        groups = self.groups
        if content is not None:
            groups = [g for g in groups if not content[0] <= g.start < content[1]]
        found = resolve_group_pronoun(speaker.text, speaker.start, groups)
        if not found:
            return speaker.text
        # a short form in full, as for a named speaker: "it" after "The United Nations human
        # rights office" is the United Nations, not "Nations"
        at = next((g.start for g in groups if g.text == found), speaker.start)
        return self._named_group(full_name(found, at, self.names, self._full_names), groups)

    def _named_group(self, text: str, groups: Sequence[GroupMention]) -> str:
        """A group headed by "he"/"she" ("He and his partner") with the person named: the
        pronoun resolved as a speaker's would be ("Manny Gomez and his partner"), without
        becoming a spoken mention that later pronouns chain to (it did not speak)."""
        first = text.split(maxsplit=1)
        gender = (pronoun_gender(first[0])
                  if len(first) == 2 and first[0].lower() in ("he", "she") else None)
        group = next((g for g in groups if g.text == text), None)
        if gender is None or group is None:
            return text
        name = self._person(Speaker(first[0], group.start, group.start + len(first[0]),
                                    pronoun=True), gender)
        return f"{name} {first[1]}" if name else text


def _one_person(doc, speaker: Speaker) -> bool:
    """A source mention that can be a "he"/"she": not a plural ("voters", "officials") and
    not a body of people ("the party", "her family", "29 percent", "The Human Genome
    Project"), nor a country or city ("Russia said": a government). Other entity types are
    no guide: the small model tags surnames ORG."""
    span = doc.char_span(speaker.start, speaker.end, alignment_mode="expand")
    if span is not None and len(span) and (
            span.root.tag_ in ("NNS", "NNPS") or span.root.ent_type_ == "GPE"):
        return False
    return _head_word(speaker.text) not in BODY_NOUNS


#: characters of the longest person mention looked for around a source mention
_LONGEST_NAME = 200


def _described_sources(
    doc, persons: Sequence[PersonMention], cues: Sequence[Cue]
) -> tuple[list[Speaker], set[int]]:
    """The cue sources that are descriptions of one person ("the official", not "voters",
    not a document), and the indices of the persons named in apposition to a description
    ("Another superdelegate, Michael Brown, said": the name is the candidate, not the
    description)."""
    described, apposed = [], set()
    starts = [p.start for p in persons]  # in text order
    for cue in cues:
        speaker = cue.speaker
        if speaker is None or speaker.pronoun:
            continue
        lo, hi = speaker.mention or (speaker.start, speaker.end)
        lo, hi = min(lo, speaker.start), max(hi, speaker.end)
        near = range(bisect.bisect_left(starts, lo - _LONGEST_NAME),
                     bisect.bisect_left(starts, hi))
        if any(persons[n].start < speaker.end and speaker.start < persons[n].end
               for n in near):
            continue  # a name: the person mention is the candidate
        inner = [n for n in near if lo <= persons[n].start and persons[n].end <= hi]
        if inner:
            apposed.add(inner[0])
        elif is_agent(speaker.text) is True and _one_person(doc, speaker):
            described.append(speaker)
    return described, apposed


def speaker_resolver(doc, text: str, inside, cues: Sequence[Cue]) -> SpeakerResolver:
    """The article's resolver, with every cue's speaker already resolved in text order (so
    that pronouns chain: "X said ... he added ... he went on")."""
    persons = mark_speakers(person_mentions(doc, inside), cues)
    described, apposed = _described_sources(doc, persons, cues)
    if PRONOUN_RESOLVER == "learned":  # the rules keep their own marking
        persons = [replace(p, speaker=True) if n in apposed else p
                   for n, p in enumerate(persons)]
    layout = Layout([s.start_char for s in doc.sents], [p[0] for p in paragraphs(text)])
    spans = _source_spans(cues)
    groups = [replace(g, speaker=True) if spans.cover(g.start) else g
              for g in group_mentions(doc, inside)]
    reported = [c.content for c in cues if c.content is not None]
    resolver = SpeakerResolver(persons, proper_names(doc, inside), groups, described, layout,
                               reported)
    for cue in sorted((c for c in cues if c.speaker is not None), key=lambda c: c.speaker.start):
        resolver.resolve(cue.speaker)
    return resolver


# --------------------------------------------------------------------------- extraction
def _quote_lookup(pieces: Sequence[Piece]):
    bounds = sorted((p.open_mark, p.outer_end) for p in pieces)
    starts = [b[0] for b in bounds]

    def inside(offset: int) -> bool:
        i = bisect.bisect_right(starts, offset) - 1
        return i >= 0 and bounds[i][0] <= offset < bounds[i][1]

    return inside


def _words_outside(text: str, start: int, end: int, pieces: Sequence[Piece]) -> bool:
    """Whether text[start:end] has a word outside the quotation pieces in it: if not, the
    clause is just a quotation, already a record of its own."""
    mask = [True] * (end - start)
    for p in pieces:
        for i in range(max(start, p.start), min(end, p.end)):
            mask[i - start] = False
    return any(keep and ch.isalnum() for keep, ch in zip(mask, text[start:end], strict=True))


def _quoted_share(start: int, end: int, pieces: Sequence[Piece]) -> float:
    if end <= start:
        return 0.0
    covered = sum(max(0, min(end, p.end) - max(start, p.start)) for p in pieces)
    return covered / (end - start)


def _choose_cue(piece: Piece, candidates: Sequence[Cue], doc) -> Cue | None:
    """The cue whose clause holds the piece, else the nearest verb cue with a speaker, with
    "according to" last (it usually names the outlet that carried the speaker's words)."""
    holding = [c for c in candidates if _holds(c, piece)]
    spoken = [c for c in holding if c.speaker is not None and c.text != "according to"]
    if spoken:
        return min(spoken, key=lambda c: c.content[1] - c.content[0])
    ranked = sorted(
        (c for c in candidates if c.speaker is not None),
        key=lambda c: (c.text == "according to", _distance(doc[c.token].idx, piece)),
    )
    return ranked[0] if ranked else None


def _distance(offset: int, piece: Piece) -> int:
    if offset < piece.open_mark:
        return piece.open_mark - offset
    end = piece.close_mark if piece.close_mark is not None else piece.end
    return max(0, offset - end)


def _sentences_of(doc, start: int, end: int, sent_starts: Sequence[int]) -> range:
    first = max(0, bisect.bisect_right(sent_starts, start) - 1)
    last = max(first, bisect.bisect_left(sent_starts, end) - 1)
    return range(first, last + 1)


@dataclass(frozen=True)
class GroupMention:
    """A subject that is no single person (a group, an organisation, a document): a
    candidate antecedent for "they" (plural) or "it" (singular)."""

    start: int
    text: str
    plural: bool
    agent: bool | None = None  # ``is_agent`` of the text
    speaker: bool = False  # the source of a speech cue


#: how far back (characters) "they"/"it" look for their antecedent: pronouns refer to
#: something the reader met a sentence or two before
GROUP_REACH = 600


def group_mentions(doc, inside) -> list[GroupMention]:
    """Clause subjects outside quotes that are not persons or pronouns, with their number
    (a plural noun, or coordinated subjects, are plural)."""
    out = []
    for tok in doc:
        if tok.dep_ not in _SUBJECT_DEPS or inside(tok.idx):
            continue
        if is_pronoun(tok.text):  # "She and her defenders argue ...": they, later
            partner = next((c for c in tok.children if c.dep_ == "conj"
                            and c.pos_ in ("NOUN", "PROPN")), None)
            if partner is not None and tok.lower_ not in ("it", "they", "them"):
                span = doc[tok.i:partner.right_edge.i + 1]
                out.append(GroupMention(span.start_char, span.text, True,
                                        is_agent(partner.text)))
            continue
        if tok.lower_ in _NON_SOURCES or tok.pos_ not in ("NOUN", "PROPN"):
            continue
        together = any(c.dep_ == "conj" for c in tok.children) or _companion(tok) is not None
        if tok.ent_type_ == "PERSON" and not together:
            continue
        speaker = _speaker_from_token(tok)
        plural = tok.tag_ in ("NNS", "NNPS") or together or _plural_agent_noun(tok)
        out.append(GroupMention(speaker.start, speaker.text, plural, is_agent(speaker.text)))
    return out


def _plural_agent_noun(tok) -> bool:
    """A plural agent noun the tagger took for a name when it opens a paragraph ("Aides said
    ...": NNP), which a later "they" can stand for."""
    low = tok.lower_
    return tok.tag_ == "NNP" and low.endswith("s") and _singular_noun(low) != low and (
        _singular_noun(low) in AGENT_NOUNS)


def resolve_group_pronoun(
    pronoun: str, offset: int, groups: Sequence[GroupMention]
) -> str | None:
    """"they" -> the last plural group before it that spoke, else the nearest plural subject
    that can speak (people, a group); "it" -> the nearest singular non-person subject that is
    an organisation or a document (a report), not a thing ``is_agent`` is unsure of; each
    within ``GROUP_REACH`` characters; else None."""
    low = pronoun.lower()
    if low in ("they", "them"):
        want = True
    elif low == "it":
        want = False
    else:
        return None
    fits = []
    for group in reversed(groups):
        if group.start >= offset:
            continue
        if offset - group.start > GROUP_REACH:
            break
        # "they": people or a group; "it": a body or a document, never a thing nothing says
        # can speak ("the declaration said ... it said": not "temperature")
        if group.plural == want and (group.agent if want else group.agent is not None):
            fits.append(group)
    if want:  # the last group that spoke, as for "he"/"she": the speaker stays the topic
        fits.sort(key=lambda g: not g.speaker)
    return fits[0].text if fits else None


def proper_names(doc, inside) -> list[tuple[int, str]]:
    """(offset, text) of the named entities outside quotes that can speak, in text order."""
    ents = (_person_before_of(_past_comma(_past_furniture(
                _without_leading_function_words(with_given_names(e)) if e.label_ == "PERSON"
                else e)))
            for e in doc.ents if e.label_ in _SOURCE_LABELS)
    return [(e.start_char, e.text.strip()) for e in ents
            if not inside(e.start_char) and e.text.strip()]


def _bare(name: str) -> list[str]:
    words = re.sub(r"['’]s?$", "", name.strip()).split()
    if words and words[0].lower() == "the":
        words = words[1:]
    return words


#: last word -> (starts, full names) of an article's names of two words or more, in text
#: order: what ``full_name`` looks a short form up in
FullNames = dict[str, tuple[list[int], list[str]]]


def full_names(names: Sequence[tuple[int, str]]) -> FullNames:
    """The lookup ``full_name`` needs, built once per article (scanning every earlier name
    for every short form made an article of many names quadratic)."""
    index: FullNames = {}
    for start, name in sorted(names):
        full = _bare(name)
        if len(full) > 1:
            starts, fulls = index.setdefault(full[-1], ([], []))
            starts.append(start)
            fulls.append(" ".join(full))
    return index


def full_name(written: str, offset: int, names: Sequence[tuple[int, str]],
              index: FullNames | None = None) -> str:
    """A one-word name ("Post", "the Post") stands for the nearest earlier longer name of
    the article that ends with it ("Washington Post"): a short form refers back to the full
    form a reader has already seen, as a surname does to the full name. ``index``:
    ``full_names(names)``, when the caller looks up many."""
    words = _bare(written)
    if len(words) != 1 or not words[0][:1].isupper():
        return written
    starts, fulls = (index if index is not None else full_names(names)).get(words[0], ([], []))
    before = bisect.bisect_left(starts, offset)
    return fulls[before - 1] if before else written


#: lines after the first that may still open with a dateline: a headline (and a byline)
#: can come before the body's first line when title and text arrive as one
DATELINE_LINES = 3
#: end of a leading dateline ("WASHINGTON:", "London (Reuters) -"), else 0: a place that
#: says where the story was filed, never who spoke (the rule the summary trims by)
dateline_end = trim_dateline


def dateline_spans(text: str) -> list[tuple[int, int]]:
    """Datelines at the start of the text or of one of its first ``DATELINE_LINES`` lines.
    After the first line only the dash forms count ("Washington (AFP) –", "CLEVELAND, July
    19 (UPI) —"): a later line opening "TAPPER:" is a transcript's speaker label."""
    spans = []
    first = itertools.islice(_LINE.finditer(text), DATELINE_LINES)  # not every paragraph
    for n, (start, end) in enumerate(m.span() for m in first):
        head = dateline_end(text[:end] if n == 0 else text[start:end])
        if head and (n == 0 or not text[start:start + head].rstrip().endswith(":")):
            spans.append((0 if n == 0 else start, start + head if n else head))
    return spans


def _framing_subject(verb, inside):
    """The subject of a verb that frames a quote without a speech lemma, if it can be a source."""
    subject = _subject_of(verb, inside)
    if subject is None or inside(subject.idx) or subject.lower_ in _NON_SOURCES:
        return None
    return subject if subject.pos_ in ("NOUN", "PROPN", "PRON") else None


#: tokens after a closing mark searched for the verb that frames the quote (a longer reach
#: gained 0.001 in cross-validation: not worth keeping)
_FRAME_REACH = 4


def _adjacent_verb_cue(doc, piece: Piece, inside) -> Cue | None:
    """Any verb that frames the quote: ``"...," Kelly charged`` right after the closing mark,
    or ``Cruz continued: "..."`` just before the opening mark (also across a paragraph
    break after a colon). Its subject is the speaker."""
    text = _text_of(doc)
    candidates = []
    if piece.close_mark is not None:
        after = doc.char_span(piece.close_mark, piece.outer_end, alignment_mode="expand")
        if after is not None:
            for tok in doc[after.end : after.end + _FRAME_REACH]:
                if "\n" in tok.text:
                    break  # the framing verb sits in the quote's own paragraph
                if not inside(tok.idx):
                    candidates.append(tok)
    before = text[: piece.open_mark].rstrip(" \t")
    if before.endswith((":", ",")):
        colon = doc.char_span(len(before) - 1, len(before), alignment_mode="expand")
        if colon is not None:
            candidates += list(reversed(doc[max(0, colon.start - 8) : colon.start]))
    for tok in candidates:
        if tok.is_punct and tok.text not in ",:":
            break
        if tok.pos_ in ("VERB", "AUX") and not inside(tok.idx):
            subject = _framing_subject(tok, inside)
            if subject is not None:
                speaker = _speaker_from_token(subject)
                return Cue(tok.i, _cue_text(tok), speaker, None, -1, _cue_span(tok))
    return None


def _clause_subject_cue(doc, piece: Piece, inside) -> Cue | None:
    """A quotation set inside a clause of the writer's ("Babar pondered who might
    “testify for our innocence”"): quotation marks give someone's words, and the clause
    that holds them says whose, through its subject, whatever its verb."""
    span = doc.char_span(piece.start, piece.end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    tok = span.root
    for _ in range(12):
        if tok.head.i == tok.i:
            return None
        tok = tok.head
        if inside(tok.idx):
            continue
        if tok.pos_ in ("VERB", "AUX"):
            subject = _framing_subject(tok, inside)
            if subject is None:
                return None
            speaker = _speaker_from_token(subject)
            if not speaker.pronoun and is_agent(speaker.text) is False:
                return None
            return Cue(tok.i, _cue_text(tok), speaker, None, -1, _cue_span(tok))
    return None


def _name_cue(doc, piece: Piece, paras: Sequence[tuple[int, int]]) -> Cue | None:
    """A name set off by punctuation next to the quote: ``More from Jones: "..."`` before
    it, or a signature line ``- Bernie Sanders.`` after it (in its paragraph or the next)."""
    text = doc.text
    p_start = paras[piece.paragraph][0]
    before = text[p_start : piece.open_mark].rstrip(" \t")
    candidates = []
    if before.endswith(":"):
        end = p_start + len(before) - 1  # the colon
        party = re.search(r"\s*\([^()]{1,12}\)\s*$", text[max(p_start, end - 16) : end])
        if party is not None:  # "Rep. Trey Gowdy (R-S.C.):"
            end -= len(party.group(0))
        window = doc.char_span(max(p_start, end - 40), end, alignment_mode="contract")
        if window is not None:
            candidates += [e for e in window.ents if e.end_char >= end - 1]
    after_at = piece.outer_end
    sig = re.match(r"[ \t]*\n*[ \t]*[-—–―]+[ \t]*", text[after_at : after_at + 8])
    if sig is not None:
        start = after_at + sig.end()
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        window = doc.char_span(start, line_end, alignment_mode="contract")
        if window is not None and len(window) <= 8:
            candidates += [e for e in window.ents if e.start_char <= start + 1]
    for ent in candidates:
        if ent.label_ in ("PERSON", "ORG", "NORP"):
            speaker = Speaker(ent.text, ent.start_char, ent.end_char)
            return Cue(ent.root.i, ":", speaker, None, -1, None)
    return None


def extract_quotes(doc, text: str | None = None) -> list[QuoteMention]:
    """Direct quotation pieces and reported statements of one parsed article, in text order.

    ``text`` defaults to ``doc.text``; offsets index it exactly. An article that quotes
    only in curly single quotes is read with them as double ones
    (``quote_marks.single_quotes_as_double``); each record's text is the article's own."""
    text = _text_of(doc) if text is None else text
    marked = single_quotes_as_double(text)
    found = _extract_quotes(doc, marked)
    if marked is text:
        return found
    return [replace(q, text=text[q.start:q.end]) for q in found]


def _extract_quotes(doc, text: str) -> list[QuoteMention]:
    pieces = find_pieces(text)
    inside = _quote_lookup(pieces)
    # no cue or speaker in a dateline, nor in a line linking to another article ("Related:
    # Trump says he has total confidence in Sessions": a headline, not Trump's statement)
    datelines = dateline_spans(text) + link_label_spans(text)

    def in_dateline(offset: int) -> bool:
        return any(a <= offset < b for a, b in datelines)

    cues = find_cues(doc, inside, in_dateline)
    sents = list(doc.sents)
    cues = [
        replace(c, speaker=None) if c.speaker is not None and in_dateline(c.speaker.start) else c
        for c in cues
    ]
    resolver = speaker_resolver(doc, text, inside, cues)
    sent_starts = [s.start_char for s in sents]
    paras = paragraphs(text)
    by_sentence: dict[int, list[Cue]] = {}
    for cue in cues:
        by_sentence.setdefault(cue.sentence, []).append(cue)

    records: list[QuoteMention] = []
    last_direct: tuple[int, Cue | None, str | None] | None = None  # (paragraph, cue, speaker)
    for piece in pieces:
        opens_paragraph = piece.open_mark == paras[piece.paragraph][0]
        window = _sentences_of(doc, piece.open_mark, piece.end, sent_starts)
        near = [c for n in window for c in by_sentence.get(n, [])]
        if not near:
            # "...," he said, "..." split into sentences of their own by the parser
            after = window[-1] + 1
            para_end = paras[piece.paragraph][1]
            if after < len(sents) and sent_starts[after] < para_end and (
                len(sents[after]) <= 6 or piece.close_mark is not None
                and text[piece.close_mark + 1:sent_starts[after]].strip() == ""
            ):
                near = by_sentence.get(after, [])
                if len(sents[after]) > 6:  # '"...!" US Senator Jeff Sessions said as he ...'
                    near = [c for c in near if c.content is None and c.speaker is not None
                            and c.token - sents[after].start <= 8]
        cue = _choose_cue(piece, near, doc)
        if cue is not None and _is_short(piece, text) and not (
            _holds(cue, piece) or _introduced(cue, piece, text)
        ):
            cue = None
        basis = None if cue is None else "clause" if _holds(cue, piece) else "near"
        if cue is None and not _is_short(piece, text):
            cue = _adjacent_verb_cue(doc, piece, inside)
            basis = "framing"
        if cue is None and not _is_short(piece, text):
            cue, basis = _name_cue(doc, piece, paras), "name"
        if cue is None and opens_paragraph and piece.paragraph > 0:
            basis = "colon"
            prev_start, prev_end = paras[piece.paragraph - 1]
            if text[prev_start:prev_end].rstrip().endswith(":"):
                last = _sentences_of(doc, prev_end - 1, prev_end, sent_starts)[-1]
                cue = _choose_cue(piece, by_sentence.get(last, []), doc) or _colon_cue(
                    doc, prev_end, inside
                )
        speaker = resolver.resolve(cue.speaker) if cue is not None else None
        if cue is None and last_direct is not None and (
            not _is_short(piece, text) or _resumes(last_direct[1], piece, text)
            or _says_something(doc, piece, text)
        ):  # a title or a scare quote beside a quotation is not more of it
            para, prev_cue, prev_speaker = last_direct
            if para == piece.paragraph or (para == piece.paragraph - 1 and opens_paragraph):
                cue, speaker, basis = prev_cue, prev_speaker, "continued"
        if cue is None and not _is_short(piece, text):
            cue = _clause_subject_cue(doc, piece, inside)
            basis = "subject"
            speaker = resolver.resolve(cue.speaker) if cue is not None else None
        if cue is None:
            if _is_short(piece, text):
                continue
            last_direct = (piece.paragraph, None, None)
            direct = piece.mark != DOUBLED_APOSTROPHE
            records.append(_record(text, piece.start, piece.end, None, None, direct))
            continue
        last_direct = (piece.paragraph, cue, speaker)
        direct = piece.mark != DOUBLED_APOSTROPHE
        records.append(_record(text, piece.start, piece.end, speaker, cue, direct, basis))

    spoken = sorted(doc[c.token].idx for c in cues if c.speaker is not None)
    for cue in cues:
        if cue.content is None or cue.speaker is None:
            continue
        start, end = cue.content
        end = inner_furniture(text, start, end) or end  # what was said ends at the page's
        # furniture; a clause mostly in quotation marks stays: it is the attribution's content
        # (a mixed quote, "that “...”"), and its pieces join it as parts of one attribution
        if end - start < 8 or not _words_outside(text, start, end, pieces):
            continue
        if cue.text == "according to" and _relays(cue, spoken, doc):
            continue
        if _verbless_lead_in(doc, start, end, cue):
            continue
        speaker = resolver.resolve(cue.speaker, (start, end))
        basis = "according" if cue.text == "according to" else (
            "stance" if doc[cue.token].lemma_.lower() in STANCE_LEMMAS else "clause"
        )
        records.append(_record(text, start, end, speaker, cue, False, basis))
    for cue in headline_cues(doc, paras, inside):
        start, end = cue.content
        if _quoted_share(start, end, pieces) < 0.5:
            records.append(_record(text, start, end, cue.speaker.text, cue, False, "headline"))
    turns = transcript_turns(text, paras)
    if turns:  # a transcript: each turn is its speaker's words; a label is no one's subject,
        # and a stance inside a turn is talk ("Home Secretary, thank you for joining us")
        labels = [(t.speaker_start, t.cue_end) for t in turns]
        records = [r for r in records if not (
            r.speaker_start is not None and any(a <= r.speaker_start < b for a, b in labels)
            or r.basis == "stance" and any(t.start <= r.start < t.end for t in turns))] + turns
    records.sort(key=lambda r: (r.start, not r.direct))
    return with_parts([_mention_past_dateline(r, datelines, text) for r in records])


def _verbless_lead_in(doc, start: int, end: int, cue: Cue) -> bool:
    """Words before a cue with no verb among them are no statement but the sentence's lead-in
    ("In a post on X, Spotify chief executive Daniel Ek wrote: ..." read "In a post on X,
    Spotify" as Ek's words: the tagger took the name for a verb, which a capital inside a
    sentence says it is not); "according to" takes a noun as its content."""
    if cue.text == "according to" or end > doc[cue.token].idx:
        return False
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and not any(
        t.pos_ in ("VERB", "AUX") and (t.is_lower or t.is_sent_start) for t in span)


#: a transcript's speaker label opening a paragraph: one to three words in capitals and a
#: colon ("TAPPER: ...", "JAKE TAPPER: ..."); a single letter (Q:, A:) names no one
_TURN_LABEL = re.compile(r"([A-Z][A-Z'’.-]+(?: [A-Z][A-Z'’.-]+){0,2}):[ \t]+(?=\S)")
#: capitals before a colon that label a note, not a speaker
_NOT_SPEAKERS = frozenset({"UPDATE", "UPDATED", "BREAKING", "NOTE", "EDITOR'S NOTE",
                           "CORRECTION", "CLARIFICATION", "WATCH", "READ MORE", "RELATED",
                           "PHOTO", "VIDEO", "ADVERTISEMENT", "SOURCE", "SOURCES"})


def transcript_turns(text: str, paras: Sequence[tuple[int, int]]) -> list[QuoteMention]:
    """The turns of an interview transcript ("TAPPER: ... / PATEL: No. We respect the
    court."), each its speaker's words as one record (``direct``: a transcript's words are
    verbatim). Only where the text reads as a transcript: two speakers or more, one of them
    speaking twice, so a lone "UPDATE:" or a dateline is no speaker."""
    found = []
    for start, end in paras:
        label = _TURN_LABEL.match(text, start, end)
        if label and label[1] not in _NOT_SPEAKERS:
            found.append((label, end))
    names = Counter(label[1] for label, _ in found)
    if len(names) < 2 or max(names.values()) < 2:
        return []
    turns = []
    for label, end in found:
        start, stop = label.end(), len(text[:end].rstrip())
        if len(text[start:stop].split()) < 2:
            continue
        turns.append(QuoteMention(
            start=start, end=stop, text=text[start:stop], speaker=label[1].title(),
            direct=True, speaker_start=label.start(1), speaker_end=label.end(1), cue=":",
            cue_start=label.end(1), cue_end=label.end(1) + 1, basis="colon"))
    return turns


def _mention_past_dateline(record: QuoteMention, datelines: Sequence[tuple[int, int]],
                           text: str) -> QuoteMention:
    """A speaker mention that the parse ran back into a dateline starts after it: "New York
    [USA], Mar. 3 (ANI): U.S. President Donald Trump" is "U.S. President Donald Trump"."""
    a, b = record.speaker_start, record.speaker_end
    if a is None or b is None:
        return record
    for start, end in datelines:
        if start <= a < end < b:
            while end < b and text[end].isspace():
                end += 1
            return replace(record, speaker_start=end)
    return record


#: longest source prefix (in tokens) of a headline-style "Source: statement" paragraph
HEADLINE_SOURCE_TOKENS = 6


def headline_cues(doc, paras: Sequence[tuple[int, int]], inside) -> list[Cue]:
    """Headline-style attributions, ``Rubio: I Still Believe Trump Can't Be Trusted``: a
    paragraph opening with a short name (a person or organisation) and a colon."""
    out: list[Cue] = []
    text = _text_of(doc)
    for p_start, p_end in paras:
        colon = text.find(":", p_start, p_end)
        if colon < 0 or inside(colon):
            continue
        prefix = doc.char_span(p_start, colon, alignment_mode="contract")
        if prefix is None or not 0 < len(prefix) <= HEADLINE_SOURCE_TOKENS:
            continue
        names = [e for e in prefix.ents if e.label_ in ("PERSON", "ORG")]
        if not names or prefix.text.isupper():
            continue
        flat = len(text[p_start:p_end].split()) > FLAT_PARAGRAPH_WORDS
        # in a page flattened onto one line the headline is its first sentence
        start, end = _strip_span(text, colon + 1, _open_end(text, colon + 1, p_end, flat),
                                 _EDGE_PUNCT)
        if len(text[start:end].split()) < 3:
            continue
        speaker = Speaker(prefix.text, prefix.start_char, prefix.end_char)
        out.append(Cue(prefix.end, ":", speaker, (start, end), -1, (colon, colon + 1)))
    return out


def _relays(cue: Cue, spoken: Sequence[int], doc) -> bool:
    """"X says ..., according to AP": the outlet relays X's statement; X's is the one kept.
    ``spoken``: the offsets of the cues with a source, sorted (a binary search: testing
    every cue for every "according to" made a chain of them quadratic)."""
    start, end = cue.content
    inside = bisect.bisect_left(spoken, end) - bisect.bisect_left(spoken, start)
    own = cue.speaker is not None and start <= doc[cue.token].idx < end
    return inside > int(own)


def _colon_cue(doc, para_end: int, inside) -> Cue | None:
    """``Jared Potts echoed:`` closing the previous paragraph introduces the next quote."""
    text = _text_of(doc)
    end = len(text[:para_end].rstrip())
    colon = doc.char_span(end - 1, end, alignment_mode="expand")
    if colon is None:
        return None
    for tok in reversed(doc[max(0, colon.start - 10) : colon.start]):
        if tok.pos_ in ("VERB", "AUX") and not inside(tok.idx):
            subject = _framing_subject(tok, inside)
            if subject is not None:
                speaker = _speaker_from_token(subject)
                return Cue(tok.i, _cue_text(tok), speaker, None, -1, _cue_span(tok))
    return None


def _first_nonspace(text: str, start: int) -> int:
    while start < len(text) and text[start].isspace():
        start += 1
    return start


def _introduced(cue: Cue, piece: Piece, text: str) -> bool:
    """A short quotation ending in a comma, question or exclamation mark with its cue right
    after the closing mark ('"The bullying," Fox's Chris Wallace said'): words someone
    said, not a title or a scare quote."""
    if cue.span is None or piece.close_mark is None:
        return False
    if text[piece.start : piece.end].rstrip()[-1:] not in (",", "?", "!"):
        return False
    between = text[piece.close_mark + 1 : cue.span[0]]
    return 0 <= len(between) <= 60 and not any(ch in between for ch in '.;:!?"“”')


def _is_short(piece: Piece, text: str) -> bool:
    """One- to three-word quotes are often titles or scare quotes unless a cue governs them,
    and so is a piece of up to six words capitalised as a title ("One Life to Live,", "No
    Country for Old Men,"): a film, a song, a show, not words someone said."""
    words = text[piece.start : piece.end].split()
    return len(words) <= 3 or (len(words) <= _TITLE_WORDS and _title_case(words))


def _says_something(doc, piece: Piece, text: str) -> bool:
    """A short piece that is a clause of its own ('"They see that."'), not a title
    ('"Trainwreck."') or a phrase set off ('"a narcissistic psychopath"'): it holds a verb."""
    words = text[piece.start : piece.end].split()
    if _title_case(words) and len(words) > 1:
        return False
    span = doc.char_span(piece.start, piece.end, alignment_mode="expand")
    return span is not None and any(t.pos_ in ("VERB", "AUX") for t in span)


def _resumes(cue: Cue | None, piece: Piece, text: str) -> bool:
    """Whether a piece takes up the quotation its cue interrupted ('"We will not back down,"
    Lee said, "not this year."'): it opens right after the cue and a comma."""
    if cue is None or cue.span is None or not 0 <= piece.open_mark - cue.span[1] <= 40:
        return False
    between = text[cue.span[1] : piece.open_mark]
    return between.rstrip().endswith(",") and not any(ch in between for ch in '.;!?"“”')


#: the longest quotation read as a title when every word is capitalised
_TITLE_WORDS = 6
#: words a title leaves in lower case ("King of the Hill", "Gone with the Wind")
_TITLE_SMALL = frozenset("a an the of to in on at for and or but nor with by from as vs".split())


def _title_case(words: Sequence[str]) -> bool:
    """Every word capitalised but a title's small ones, the first one included."""
    letters = [re.sub(r"^[^\w]+", "", w) for w in words]
    if not letters or not letters[0][:1].isupper():
        return False
    return all(w[:1].isupper() or not w[:1].isalpha() or w.lower().rstrip(".,!?") in _TITLE_SMALL
               for w in letters)


#: a clause's edges lose their punctuation; a piece may run this far past them ("win,")
_CLAUSE_SLACK = 2


def _holds(cue: Cue, piece: Piece) -> bool:
    """Whether the piece lies inside the clause the cue governs."""
    if cue.content is None:
        return False
    start, end = cue.content
    return start - _CLAUSE_SLACK <= piece.start and piece.end <= end + _CLAUSE_SLACK


def _record(
    text: str,
    start: int,
    end: int,
    speaker: str | None,
    cue: Cue | None,
    direct: bool,
    basis: str | None = None,
) -> QuoteMention:
    src = cue.speaker if cue is not None else None
    span = (src.mention or (src.start, src.end)) if src is not None else (None, None)
    return QuoteMention(
        start=start,
        end=end,
        text=text[start:end],
        speaker=speaker,
        direct=direct,
        speaker_start=span[0],
        speaker_end=span[1],
        cue=cue.text if cue is not None else None,
        cue_start=cue.span[0] if cue is not None and cue.span is not None else None,
        cue_end=cue.span[1] if cue is not None and cue.span is not None else None,
        basis=basis if src is not None else None,
    )


def _merge_spans(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Disjoint spans in text order: a span inside or overlapping another joins it."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return tuple((a, b) for a, b in out)


def with_parts(records: Sequence[QuoteMention]) -> list[QuoteMention]:
    """Give each record the content parts of its attribution: the records that share one
    cue (the same cue and speaker mention) make one attribution, as in PolNeAR, so the two
    pieces of ``"A," he said, "B."`` are its two parts and a quote inside the reported clause
    around it adds none."""
    groups: dict[object, list[int]] = {}
    for n, r in enumerate(records):
        key = (r.cue_start, r.cue_end, r.speaker_start) if r.cue_start is not None else n
        groups.setdefault(key, []).append(n)
    parts: dict[int, tuple[tuple[int, int], ...]] = {}
    for members in groups.values():
        merged = _merge_spans((records[n].start, records[n].end) for n in members)
        for n in members:
            parts[n] = merged
    return [replace(r, parts=parts[n]) for n, r in enumerate(records)]


def extract_quotes_from_text(text: str) -> list[QuoteMention]:
    """Parse ``text`` with the shared pipeline and extract its quotes."""
    from newsweave.nlp import parse_texts

    return extract_quotes(next(iter(parse_texts([text]))), text)


# --------------------------------------------------------------------------- speaker kinds
#: things that can "say" or "show" in news prose but are no one: documents, counts, findings.
#: A list of who said what names people, groups and organisations, so these are no speakers.
NON_AGENT_NOUNS = frozenset(
    """report reports poll polls survey surveys study studies data record records document
    documents analysis analyses article articles story stories memo memos book books video
    videos footage evidence figure figures number numbers research finding findings review
    audit filing filings paper papers news statement statements letter letters email emails
    tweet tweets release website site page message messages transcript chart map
    model models projection projections estimate estimates tally count result results index
    law laws bill bills rule rules order orders complaint lawsuit indictment ruling decision
    ad ads headline headlines photo photos image images it this that which what there
    statistics test tests declaration declarations warning warnings quote quotes disclosure
    disclosures coverage text texts code movie movies film films file files questionnaire
    assessment assessments hearing hearings sheet lesson lessons guideline guidelines
    advertisement advertisements note notes label labels warrant warrants communique
    communiques treaty treaties fact facts charge charges case cases interview interviews
    effect effects nature plan plans debate debates fight fights lawsuits booklet booklets
    profile profiles word words trial trials injury injuries verse verses microphone
    microphones account accounts name names lack secrecy song songs item items date dates
    product products show shows circular thing things opinion objective problem strategy
    blast leaflet leaflets platform controversy death deaths outbreak discovery discoveries
    diagnosis lake profit profits success detail details marketplace addendum postscript
    disclaimer testimony testimonies schedule schedules biography biographies memoir memoirs
    diary diaries request requests proposal proposals draft drafts agreement agreements
    understanding understandings relationship relationships hack hacks overdose overdoses
    apology apologies editorial editorials textbook textbooks outline outlines odds gains
    act acts issue issues pamphlet pamphlets autopsy autopsies suit suits disease diseases
    agenda agendas material materials reform reforms language opinions cable cables effort
    efforts posts blitz crisis crises seat seats bag bags airbag airbags hormone hormones
    foot feet playback ceremony ceremonies sheets advisory advisories anniversary
    anniversaries tip tips terms""".split()
)
#: a page's own notices, whatever else the label holds ("Latest Update, July 14: ...")
_PAGE_NOTICE = re.compile(r"\b(?:updated?|updates|corrections?|clarifications?|editor'?s note"
                          r"|image (?:caption|copyright)|getty images)\b|\bcredit:"
                          # a wire photo's credit, agency first: "REUTERS/Brian Snyder"
                          r"|\b(?-i:REUTERS|AFP|EPA|AP|XINHUA)/", re.I)
#: heads of descriptions that name a person or a body of people ("a senior official",
#: "the administration"); agent suffixes (-er, -or, -ist, -ian) catch most of the rest.
AGENT_NOUNS = frozenset(
    """official officials source sources aide aides adviser advisers advisor spokesman
    spokeswoman spokesperson person people insider insiders critic critics expert experts
    analyst analysts economist economists lawyer lawyers attorney attorneys representative
    representatives leader leaders lawmaker lawmakers senator senators governor president
    secretary minister candidate candidates nominee chairman chairwoman chair director chief
    head judge judges justice justices prosecutor prosecutors investigator investigators agent
    agents officer officers witness witnesses friend friends colleague colleagues ally allies
    opponent opponents rival rivals supporter supporters resident residents citizen citizens
    worker workers employee employees man men woman women staff staffer staffers campaign
    administration government committee department agency office team group party police
    defence defense
    court panel board council congress senate house union company firm network media press
    family community majority minority coalition organization institute foundation
    association commission military army ministry embassy leadership caucus voters public
    service services tribunal jury juries refugee refugees migrant migrants immigrant
    immigrants district districts newlywed newlyweds sophomore sophomores freshman freshmen
    seniors teen teens teenager teenagers billionaire billionaires millionaire millionaires
    junkie junkies samaritan studio studios retailer retailers store stores school schools
    crowd members member democrats republicans conservatives liberals activists protesters
    spokespeople sheriff mayor diplomat diplomats counsel clerk pastor doctor doctors
    physician scientist scientists researcher researchers student students parent parents
    mother father son daughter wife husband groups delegate delegates veteran veterans
    sons daughters wives husbands mothers fathers brother brothers sister sisters relative
    relatives mom dad actress actresses actor actors star stars individual individuals
    participant participants operative operatives tribe tribes rebel rebels militant
    militants guerrilla guerrillas warlord warlords executive executives advocate advocates
    merchant merchants enthusiast enthusiasts recruit recruits adult adults chief chiefs
    knight knights bank banks agencies courts associate associates pilot copilot co-pilot
    consultant classmate side crew
    scholar scholars hopeful hopefuls tycoon magnate mogul admiral general generals surgeon
    surgeons neurosurgeon nurse nurses captain colonel sergeant lieutenant envoy envoys
    children kids fan fans victim victims families couple crowds troops navy parliament
    legislature cabinet regime authorities authority host hosts pundit pundits pope cardinal
    bishop king kings prince princess queen sibling siblings boy boys girl girls station
    stations outlet outlets newspaper newspapers daily airline airlines college colleges
    university universities city cities county counties town state states nation nations
    federation delegation delegations corporation corporations opposition mission missions
    division alliance intelligence business businesses charity charities municipality
    presidency monarchy dynasty junta wing management establishment cousin cousins uncle
    uncles aunt aunts nephew nephews niece nieces grandmother grandfather grandson
    granddaughter grandparents fiance fiancee girlfriend boyfriend widow widower twin twins
    neighbor neighbors neighbour neighbours imam imams rabbi rabbis priest priests cleric
    clerics sheikh monk monks nun nuns coach coaches chef moderates hardliners hard-liners
    restaurateur restaurateurs housewife housewives passer-by passers-by principal
    principals folks radio television industry industries pontiff gymnast gymnasts
    contestant contestants athlete athletes comic comics comedian comedians detective
    detectives native natives assailant assailants camp affiliate affiliates magazine
    magazines country countries hospital hospitals voice voices""".split()
)
#: agent nouns that name a body of people, never one person: such a source speaks ("the party
#: said") but a later "he"/"she" is never it
BODY_NOUNS = frozenset(
    """campaign administration government committee department agency office team group party
    police court panel board council congress senate house union company firm network media
    press family community majority minority coalition organization institute foundation
    association commission military army ministry embassy leadership caucus public crowd
    navy parliament legislature cabinet regime authority station outlet newspaper daily
    airline college university city county town state nation federation delegation
    corporation opposition mission division alliance intelligence business charity
    municipality presidency monarchy dynasty junta wing management establishment staff
    couple percent percentage half third quarter plurality dozen handful lot lots number
    line part bunch project programme program""".split()
)
#: compounds of "-man"/"-woman" that name a person ("businessman", "congresswoman",
#: "gunmen"); not these, which only end like them
_PERSON_COMPOUND = re.compile(r"..+(?:man|men|woman|women|person|people)$")
_NOT_PERSON_COMPOUNDS = frozenset(
    "german germans ottoman talisman caiman doberman walkman abdomen specimen regimen "
    "acumen stamen".split()
)
_AGENT_SUFFIXES = ("er", "ers", "or", "ors", "ist", "ists", "ian", "ians", "ent", "ents")
#: "-ment" nouns name an act or its result (achievements, payments), never someone who
#: speaks, though they end like "students" and "opponents" (the bodies that speak,
#: "government", "department", are agent nouns)
_ABSTRACT_SUFFIXES = ("ment", "ments")
#: heads that name an act, a state or a quality ("the beating", "the investigation", "the
#: ferocity of the campaign", "the brevity of the debate"): no one who speaks, though a brief
#: would otherwise list them as unsure speakers. Bodies that end so ("administration",
#: "authority", "intelligence") are agent nouns, which are checked first.
_ABSTRACT_HEADS = ("tion", "tions", "sion", "sions", "ness", "ity", "ing", "ance", "ence",
                   "ism", "isms", "ment", "ments")
_NOT_AGENT_SUFFIXED = frozenset(
    """paper papers letter letters number numbers order orders matter poster computer chapter
    register power powers document documents statement statements moment comment comments
    content event events tower towers incident incidents accident accidents""".split()
)


def written_speaker(mention: QuoteMention, text: str) -> str | None:
    """The speaker mention as the article writes it ("he"), before any resolution."""
    if mention.speaker_start is None or mention.speaker_end is None:
        return mention.speaker
    return text[mention.speaker_start : mention.speaker_end]


#: pronouns that only point at a speaker, like "he": left as written, they name no one
_REFERRING = PRONOUNS | {"who", "whom", "me", "myself"}
#: indefinite pronouns: "some said ..., others said ..." tells a reader no one in particular
INDEFINITE_SOURCES = frozenset(
    """some others many most several few both all one another someone somebody anyone
    anybody everyone everybody nobody none each either neither""".split()
) | {"no one", "the other", "the others", "the rest", "many others", "some others"}


def _indefinite(speaker: str) -> bool:
    return " ".join(speaker.lower().split()) in INDEFINITE_SOURCES


def speaker_kind(mention: QuoteMention, text: str) -> str:
    """How the speaker is given: ``named`` (a name), ``described`` ("a senior official"),
    ``pronoun`` (resolved to a name), ``unresolved`` (a pronoun left as is), ``indefinite``
    ("others", "some") or ``none``."""
    if not mention.speaker:
        return "none"
    if _indefinite(mention.speaker):
        return "indefinite"  # as written, or what a pronoun was resolved to
    written = written_speaker(mention, text) or mention.speaker
    if written.strip().lower() in _REFERRING:
        return "unresolved" if mention.speaker.strip().lower() in _REFERRING else "pronoun"
    parts = [p for p in _COORDINATION.split(mention.speaker) if p.strip()]
    named = all((words := _bare(p)) and _looks_like_name(" ".join(words)) for p in parts)
    return "named" if parts and named else "described"  # "Crapo and Risch": two names


def _head_word(speaker: str) -> str:
    """The head noun of a description: the last word before "for/of/at/from/with/who", or
    before an adjective that sources it ("a source familiar with the matter": source)."""
    words = re.split(r"\s+(?:for|of|at|from|with|who|in|on|to|"
                     + "|".join(sorted(_SOURCING_ADJECTIVES)) + r")\s+", speaker.strip(),
                     maxsplit=1)
    tail = re.findall(r"[A-Za-z][A-Za-z\-']*", words[0])
    return tail[-1].lower() if tail else ""


#: words that take a part of what follows "of": the speaker is what the part is of
_PARTITIVES = frozenset(
    """one two three four five six seven eight nine ten dozen dozens hundreds thousands
    millions scores some many most several each all both few none half part line number
    handful lot lots majority minority group""".split()
)
#: a web link inside a would-be speaker
_LINK = re.compile(r"https?://|\bwww\.|\bpic\.twitter\.com/|\b[\w-]+\.(?:com|org|net)/")
#: what joins coordinated sources: "A and B", "A, B and C", "A & B"
_COORDINATION = re.compile(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*")


def _singular_noun(word: str) -> str:
    """A plural's singular by its ending ("companies" -> "company", "pilots" -> "pilot"), so
    the agent list need not hold both forms; a word not ending in "s" is returned as is."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


#: the one survey that speaks: an agency ("the U.S. Geological Survey said"), not a poll
_GEOLOGICAL_SURVEY = re.compile(r"\bGeological Survey\b")


#: a name written in capitals, dotted or not ("U.S.", "US", "U.N."); "US" is then the
#: country, not the pronoun "us"
_ABBREVIATION = re.compile(r"(?:[A-Z]\.){2,4}|[A-Z]{2,5}")


def is_agent(speaker: str | None) -> bool | None:
    """Whether a speaker string names someone who can speak: True for names, people and
    bodies of people, False for pronouns and documents ("reports"), None when unsure."""
    bare = re.sub(r"['’](?:re|ve|ll|d|m)$", "", speaker.strip().lower()) if speaker else ""
    if _ABBREVIATION.fullmatch(speaker.strip() if speaker else "") and bare not in (
            PRONOUNS | _NON_SOURCES) - {"us"}:
        return True  # "U.S.", "US", "U.N.": a country or a body written in capitals
    if not bare or bare in PRONOUNS | _NON_SOURCES:  # "We're": a pronoun and its verb
        return False
    if not re.search(r"[^\W\d_]{2}", re.sub(r"['’]s\b", "", speaker)):
        return False  # a stray dash, code or possessive "’s" the parser took
    if bare.split()[0] in _QUESTION_WORDS:
        return False  # a question's word: "varied according to how fast", "what insects"
    if _LINK.search(speaker):
        return False  # a tweet's text or a link taken as a name ("Thx Amtrak pic.twitter...")
    if _PAGE_NOTICE.search(speaker):
        return False  # the page's notice before a colon, not a speaker
    parts = [p for p in _COORDINATION.split(speaker) if re.search(r"[^\W\d_]{2}", p)]
    if len(parts) > 1:  # "Democrats and Republicans": one sure speaker makes a group
        verdicts = [is_agent(p) for p in parts]
        return True if True in verdicts else False if False in verdicts else None
    head = re.sub(r"^(?:ex|former)-", "", _head_word(speaker))  # "her ex-husband"
    partitive = re.match(r"\s*(?:\w+\s+){0,2}?(\w+)\s+of\s+(\S.*)", speaker)
    if partitive and partitive[1].lower() in _PARTITIVES:
        return is_agent(partitive[2])  # "Hundreds of viewers", "One of his attorneys"
    if head in NON_AGENT_NOUNS and not _GEOLOGICAL_SURVEY.search(speaker):
        return False  # before the name test: "Reports" may open a sentence
    words = _bare(speaker)
    if words and _looks_like_name(" ".join(words)):
        return True
    if head in _NOT_AGENT_SUFFIXED or _singular_noun(head) in _NOT_AGENT_SUFFIXED:
        return False  # "computers", "posters": the -er of a thing
    if head in AGENT_NOUNS or _singular_noun(head) in AGENT_NOUNS:  # "pilots", "companies"
        return True
    if _PERSON_COMPOUND.match(head) and head not in _NOT_PERSON_COMPOUNDS:
        return True
    if head.endswith(_AGENT_SUFFIXES) and not head.endswith(_ABSTRACT_SUFFIXES):
        return True
    if head.endswith(_ABSTRACT_HEADS):
        return False
    return None


#: how a speaker can be found (``QuoteMention.basis``): the cue's clause holds the content;
#: the nearest cue of its sentences; a stance verb's object; "according to X"; a headline
#: "X: ..."; a name before a colon or on a signature line; the subject of the clause holding
#: the quotation; a verb framing it; a colon ending the paragraph before; the quote before
BASES = ("clause", "near", "stance", "according", "headline", "name", "subject", "framing",
         "colon", "continued")
#: share of speakers found right, per basis and kind of mention, measured by
#: ``benchmarks/quotes_cv.py`` over PolNeAR train + dev (rounded, smoothed toward the overall
#: rate; only the pairs seen at least 20 times; see benchmarks/RESULTS.md; refreshed at stop 46).
SPEAKER_CONFIDENCE: dict[str, float] = {
    "clause/named": 0.98, "clause/described": 0.93, "clause/pronoun": 0.92,
    "near/named": 0.95, "near/described": 0.84, "near/pronoun": 0.89,
    "stance/named": 0.94, "stance/described": 0.88, "stance/pronoun": 0.77,
    "according/named": 0.97, "according/described": 0.96,
    "headline/named": 0.99, "name/named": 0.96, "subject/named": 0.75,
    "framing/named": 0.87, "framing/described": 0.67, "framing/pronoun": 0.83,
}
#: a basis/kind the table lacks
DEFAULT_CONFIDENCE = 0.7

#: verbs of evidence: what a thing does to a claim ("the autopsy shows", "abnormal rainfalls
#: suggesting", "the forecast predicts"); with a subject not known to be an agent, the
#: statement is evidence, not a speaker's (every form, as a cue may be inflected)
_EVIDENTIAL_BASES = ("suggest", "indicate", "show", "reveal", "demonstrate", "prove",
                     "confirm", "imply", "predict", "find", "read", "mean", "signal",
                     "forecast", "conclude", "estimate", "project")


def _verb_forms(base: str) -> set[str]:
    """A regular verb's forms ("indicate": indicates, indicated, indicating; "imply": implies,
    implied)."""
    stem = base[:-1] if base.endswith(("e", "y")) else base
    if base.endswith("y"):
        return {base, stem + "ies", stem + "ied", base + "ing"}
    return {base, base + "s", base + "es", base + "ed", base + "d", stem + "ing"}


_EVIDENTIAL_FORMS = frozenset(
    {f for base in _EVIDENTIAL_BASES for f in _verb_forms(base)}
    | {"shown", "found", "meant", "proven", "signalled", "signalling"})


def is_evidential_cue(cue: str | None) -> bool:
    """Whether a cue's verb is one of evidence ("also shows", "to indicate", "has shown")."""
    words = re.findall(r"[a-z]+", (cue or "").lower())
    return bool(words) and words[-1] in _EVIDENTIAL_FORMS


#: below this a quote's speaker is doubtful: flagged in JSON, folded away on the page
LOW_CONFIDENCE = 0.5


def mention_confidence(mention: QuoteMention, text: str) -> float:
    """How likely the mention's speaker is right, from how it was found (the table), 0 for
    none, an unresolved pronoun or an indefinite one (PolNeAR marks "others" as a source, but
    it tells a reader no one), lowered when the speaker may be no agent, and 0 when a
    subject not known to be an agent "shows" or "suggests": that is evidence, not speech."""
    kind = speaker_kind(mention, text)
    if kind in ("none", "unresolved", "indefinite"):
        return 0.0
    conf = SPEAKER_CONFIDENCE.get(f"{mention.basis}/{kind}", DEFAULT_CONFIDENCE)
    agent = is_agent(mention.speaker)
    if agent is False or (agent is None and is_evidential_cue(mention.cue)):
        return 0.0
    return conf if agent else conf * 0.7


# --------------------------------------------------------------------------- grouping
#: person shift between direct and reported speech ("I never met" / "he never met"):
#: pronouns fold to their number, forms of be/have to the lemma.
_FOLD = {
    **dict.fromkeys("i me my mine myself he him his himself she her hers herself".split(), "3sg"),
    **dict.fromkeys("we us our ours ourselves they them their theirs themselves".split(), "3pl"),
    **dict.fromkeys("am is are was were be been being 's 're 'm".split(), "be"),
    **dict.fromkeys("have has had 've".split(), "have"),
    "n't": "not",
}
#: a fragment this short joins a fuller quote only when the speakers agree.
MIN_FRAGMENT_TOKENS = 4
#: share of the shorter statement's words (and word pairs) the longer must carry.
OVERLAP_WORDS = 0.8
OVERLAP_BIGRAMS = 0.6


def statement_tokens(text: str) -> tuple[str, ...]:
    """Words of a statement, case and punctuation dropped, quotes unified, person folded."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'").lower()
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?|n't|'[a-z]+", text)
    out: list[str] = []
    for w in words:
        if w.endswith("n't"):
            out.extend([_FOLD.get(w[:-3], w[:-3]), "not"])
        elif "'" in w and not w.startswith("'"):
            stem, _, tail = w.partition("'")
            out.extend([_FOLD.get(stem, stem), _FOLD.get("'" + tail, "'" + tail)])
        else:
            out.append(_FOLD.get(w, w))
    return tuple(out)


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    return any(tuple(longer[i : i + n]) == tuple(shorter) for i in range(len(longer) - n + 1))


def _bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:], strict=False))


def same_statement(a: Sequence[str], b: Sequence[str]) -> bool:
    """One statement when the shorter is a fragment of the longer (contiguous, after
    normalising), or nearly all its words and word pairs recur there."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return False
    if _contains(long_, short):
        return True
    if len(short) < 4:
        return False
    words = set(short)
    if len(words & set(long_)) / len(words) < OVERLAP_WORDS:
        return False
    pairs = _bigrams(short)
    return bool(pairs) and len(pairs & _bigrams(long_)) / len(pairs) >= OVERLAP_BIGRAMS


@dataclass(frozen=True)
class _Item:
    source: str
    mention: QuoteMention
    tokens: tuple[str, ...]
    entity: str | None
    confidence: float = 0.0
    #: the source wrote a pronoun ("he said") that the resolver named: a weaker witness
    pronoun: bool = False


@lru_cache(maxsize=65536)
def _name_key(name: str) -> str:
    name = re.sub(r"['’]s?$", "", name.strip())
    return re.sub(r"\s+", " ", name).lower()


@dataclass(frozen=True)
class EntityIndex:
    """A story's entities by the keys ``match_entity`` looks them up by: every name and
    variant (the first entity that has it), and the people by each variant's last word.
    Built once per brief: scanning every entity for every statement was quadratic."""

    by_key: dict[str, Entity]
    by_last: dict[str, list[Entity]]


def entity_index(entities: Sequence[Entity]) -> EntityIndex:
    by_key: dict[str, Entity] = {}
    by_last: dict[str, list[Entity]] = {}
    for entity in entities:
        for variant in (entity.name, *entity.variants):
            by_key.setdefault(_name_key(variant), entity)
        if entity.type == "PERSON":
            lasts = (words[-1] for v in entity.variants if (words := _name_key(v).split()))
            for last in dict.fromkeys(lasts):
                by_last.setdefault(last, []).append(entity)
    return EntityIndex(by_key, by_last)


def match_entity(speaker: str | None, entities: Sequence[Entity],
                 index: EntityIndex | None = None) -> Entity | None:
    """The entity a speaker string names: a variant as written, else a unique surname.
    ``index``: ``entity_index(entities)``, when the caller matches many speakers."""
    if not speaker or is_pronoun(speaker):
        return None
    index = index if index is not None else entity_index(entities)
    key = _name_key(speaker)
    if key in index.by_key:
        return index.by_key[key]
    words = key.split()
    if not words or not _looks_like_name(speaker):
        return None  # "a spokeswoman for Sessions" is not Sessions
    hits = index.by_last.get(words[-1], [])
    return hits[0] if len(hits) == 1 else None


#: agent nouns in the plural, and nouns of many people ("People", "Police"): never a name
_PLURAL_AGENTS = frozenset(
    {w for w in AGENT_NOUNS if w != _singular_noun(w) and _singular_noun(w) in AGENT_NOUNS}
    | {"people", "police", "men", "women", "staff", "voters", "residents", "witnesses"})
#: lowercase particles inside a name ("Luiz Inacio da Silva", "Ludwig van Beethoven")
_NAME_PARTICLES = frozenset(
    "da de del della di do dos du la le van von der den ter bin al el".split()
)


def _looks_like_name(text: str) -> bool:
    """Every word capitalised (a name, perhaps with a title), unlike a description; a
    hyphenated name's later parts ("Ban Ki-moon") and inner particles ("da Silva") may be
    lowercase. A plural noun of people opening a sentence ("Officials said", "Sources
    said") is a description, though capitalised."""
    words = text.split()
    if len(words) == 1 and words[0].lower() in _PLURAL_AGENTS:
        return False
    return any(w not in _NAME_PARTICLES for w in words) and all(
        w[:1].isupper() or not w[:1].isalpha() or w in _NAME_PARTICLES
        or _ARABIC_ARTICLE.match(w) for w in words)


#: an Arabic name's article joined to it: "Salah el-Fathali", "Saleh al-Humaidi"
_ARABIC_ARTICLE = re.compile(r"(?:al|el|ad|ar|as|ash|at|az|ud)-[A-Z]")


def _speakers_clash(a: _Item, b: _Item) -> bool:
    if a.entity and b.entity:
        return a.entity != b.entity
    sa, sb = a.mention.speaker, b.mention.speaker
    if not sa or not sb or is_pronoun(sa) or is_pronoun(sb):
        return False
    return _surname(sa) != _surname(sb) and not (a.entity or b.entity)


#: cues that deny what their content says: a statement under one is the opposite of the
#: same words under "said" or "confirmed"
_DENIALS = re.compile(r"\b(?:den(?:y|ies|ied|ying)|refut\w*|dismiss\w*|reject\w*|disput\w*|"
                      r"rebut\w*|contest\w*)\b", re.IGNORECASE)


def is_denial(cue: str | None) -> bool:
    """Whether a cue denies what its content says ("denied", "rejected", "disputed")."""
    return bool(cue) and _DENIALS.search(cue) is not None


def _joinable(a: _Item, b: _Item) -> bool:
    if a.source == b.source:
        # within one article: a piece inside the reported clause it belongs to; overlapping
        # under one cue ('he said there was nothing "misleading" because he "was asked ..."')
        # they are one statement even when the piece's closing stop lies past the clause
        ma, mb = a.mention, b.mention
        inner = ma.start >= mb.start and ma.end <= mb.end
        outer = mb.start >= ma.start and mb.end <= ma.end
        same_cue = ma.cue_start is not None and ma.cue_start == mb.cue_start and (
            ma.start < mb.end and mb.start < ma.end)
        return (inner or outer or same_cue) and ma.direct != mb.direct
    if is_denial(a.mention.cue) != is_denial(b.mention.cue):
        return False  # "confirmed that it will cut 300 jobs" is no "denied that it will ..."
    short = min(len(a.tokens), len(b.tokens))
    if short < MIN_FRAGMENT_TOKENS and not (a.entity and a.entity == b.entity):
        return False
    if _speakers_clash(a, b) and short < 8:
        return False
    return same_statement(a.tokens, b.tokens)


def _touching(items: Sequence[_Item]) -> dict[int, set[int]]:
    """``i`` -> the later items ``j`` of the same source whose spans touch it."""
    touching: dict[int, set[int]] = {}
    by_source: dict[str, list[int]] = {}
    for n, item in enumerate(items):
        by_source.setdefault(item.source, []).append(n)
    for members in by_source.values():
        members = sorted(members, key=lambda n: items[n].mention.start)
        for at, i in enumerate(members):
            end = items[i].mention.end
            for j in members[at + 1:]:
                if items[j].mention.start > end:
                    break
                touching.setdefault(min(i, j), set()).add(max(i, j))
    return touching


def join_statements(items: Sequence[_Item]) -> list[int]:
    """Per item, the root of its statement: the components of every pair ``_joinable``
    accepts, found from far fewer pairs.

    Across sources ``_joinable`` reads only an item's words, entity, speaker and whether its cue
    denies them (its signature), so a statement that a wire story puts in 1,000 outlets is 1,000
    twins, and every pair of them (half a million) would be tried. Instead one item per source
    for two sources stands for each signature: twins in two sources or more are one statement
    when two of them join (they all join each other); twins in one source join whatever their
    first joins across sources; a signature that cannot join its own twin (no words, or fewer
    than ``MIN_FRAGMENT_TOKENS`` without a named speaker) joins nothing across sources. One
    source's touching pieces are tried as before."""
    parent = list(range(len(items)))

    def union(i: int, j: int) -> None:
        parent[_find(parent, j)] = _find(parent, i)

    # the quoted pieces of one attribution ('"A," Pelosi said. "B."': one cue, the same
    # parts) are one statement, whatever their words
    pieces: dict[tuple, int] = {}
    for n, item in enumerate(items):
        if _split_quotation(item.mention):
            key = (item.source, item.mention.cue_start, item.mention.parts)
            if key in pieces:
                union(pieces[key], n)
            else:
                pieces[key] = n
    for i, later in _touching(items).items():
        for j in sorted(later):
            if _find(parent, i) != _find(parent, j) and _joinable(items[i], items[j]):
                union(i, j)
    by_signature: dict[tuple, list[int]] = {}
    for n, item in enumerate(items):
        by_signature.setdefault((item.tokens, item.entity, item.mention.speaker,
                                 is_denial(item.mention.cue)), []).append(n)
    stand_ins: list[int] = []
    one_source: dict[int, list[int]] = {}  # the first of twins in one source -> the others
    for twins in by_signature.values():
        first = items[twins[0]]
        if not _joinable(first, replace(first, source=first.source + "\x00")):
            continue
        firsts = [twins[0]]
        for n in twins[1:]:
            if items[n].source != first.source:
                firsts.append(n)
                break
        stand_ins.extend(firsts)
        if len(firsts) == 2:
            for n in twins[1:]:
                union(twins[0], n)
        elif len(twins) > 1:
            one_source[twins[0]] = twins[1:]
    stand_ins.sort()
    joined_across: set[int] = set()
    for a, b in candidate_pairs([items[n] for n in stand_ins]):
        i, j = stand_ins[a], stand_ins[b]
        across = items[i].source != items[j].source
        flag = across and any(n in one_source and n not in joined_across for n in (i, j))
        if (flag or _find(parent, i) != _find(parent, j)) and _joinable(items[i], items[j]):
            union(i, j)
            if across:
                joined_across.update((i, j))
    for head, others in one_source.items():
        if head in joined_across:
            for n in others:
                union(head, n)
    return [_find(parent, i) for i in range(len(items))]


def candidate_pairs(items: Sequence[_Item]) -> Iterator[tuple[int, int]]:
    """The pairs (i < j) that ``_joinable`` can accept, found without trying every pair (a
    story of a few thousand statements made that millions of checks per weave):

    - in one source, pieces whose spans touch (inside, around, or overlapping under a cue);
    - across sources, pairs where the longer holds one of the shorter's ``k`` rarest words
      (``_words_to_miss``): ``same_statement`` wants the longer to carry all of the
      shorter's words (a fragment) or ``OVERLAP_WORDS`` of them, so missing k fails it.
    The components ``group_quotes`` builds from these are those of all pairs. Yielded by
    ``i``, so memory stays with one item's candidates however many pairs qualify."""
    touching = _touching(items)
    holders: dict[str, list[int]] = {}  # word -> the items that hold it
    for n, item in enumerate(items):
        for word in set(item.tokens):
            holders.setdefault(word, []).append(n)
    keys: list[list[str]] = []  # per item, its rarest words
    key_holders: dict[str, list[int]] = {}  # word -> the items it is a rare word of
    for n, item in enumerate(items):
        words = sorted(set(item.tokens), key=lambda w: (len(holders[w]), w))
        keys.append(words[:_words_to_miss(len(words))])
        for word in keys[-1]:
            key_holders.setdefault(word, []).append(n)
    for i, item in enumerate(items):
        size, source = len(item.tokens), item.source
        found = set(touching.get(i, ()))
        for word in keys[i]:  # ``item`` the shorter: the longer holds one of its rare words
            found.update(j for j in holders[word] if j > i and items[j].source != source
                         and size <= len(items[j].tokens))
        for word in set(item.tokens):  # ``item`` the longer: it holds one of the other's
            found.update(j for j in key_holders.get(word, ()) if j > i
                         and items[j].source != source and len(items[j].tokens) <= size)
        for j in sorted(found):
            yield i, j


def _words_to_miss(distinct: int) -> int:
    """How many of a statement's ``distinct`` words another must lack for
    ``same_statement``'s share (``OVERLAP_WORDS``, compared as it compares it) to fail."""
    if not distinct:
        return 0
    return next(k for k in range(1, distinct + 1) if (distinct - k) / distinct < OVERLAP_WORDS)


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _mentions_of(document: Document) -> Sequence[QuoteMention]:
    if document.quotes:
        return document.quotes
    if document.doc is not None:
        return extract_quotes(document.doc, document.article.text)
    return ()


def outermost(mentions: Sequence[QuoteMention]) -> list[QuoteMention]:
    """The attributions less the stances told inside another attribution's content: in
    "Lavrov said Russia was not planning to attack other countries" Russia's "planning" and
    "to attack" are Lavrov's claim, not statements of Russia's (the brief listed "Russia:
    (reported) to attack other countries"). The record keeps them, as annotated corpora mark
    nested sources; words said inside a report stay ("Some said ..., while others said ...":
    a clause the parser hung inside the first). The quoted words of a dropped stance go with
    it ('Moscow wanted a Ukraine that was "friendly"': Lavrov's words)."""
    reported = _Spans(part for m in mentions for part in (m.parts or ((m.start, m.end),)))
    nested = [m.speaker_start is not None and reported.cover(m.speaker_start) for m in mentions]
    stances = {m.cue_start for m, inside in zip(mentions, nested, strict=True)
               if inside and m.basis == "stance"}
    return [m for m, inside in zip(mentions, nested, strict=True)
            if not (inside and (m.basis == "stance" or m.cue_start in stances))]


def _apposed_entity(
    mention: QuoteMention, text: str, entities: Sequence[Entity],
    index: EntityIndex | None = None,
) -> Entity | None:
    """The person a described speaker is set beside ("Indonesia's foreign minister, Ali
    Alatas, has said"): the record keeps the description (as annotators mark the source),
    the brief names the person a reader can look up."""
    a, b = mention.speaker_start, mention.speaker_end
    if a is None or b is None or not mention.speaker or is_pronoun(mention.speaker):
        return None
    written = text[a:b]
    head, sep, name = written.partition(", ")
    name = name.strip().rstrip(",").strip()
    if not sep or head.strip() != mention.speaker.strip() or not _looks_like_name(name):
        return None
    entity = match_entity(name, entities, index)
    if entity is None:
        return None
    if entity.type == "PERSON":
        return entity
    # a person the small tagger took for an organisation ("Amnesty International UK's
    # director, Sacha Deshmukh"): a name of two or three words beside an office
    office = head.split()[-1].lower().strip(".,'’") if head.split() else ""
    if entity.type == "ORG" and office in TITLES and 2 <= len(name.split()) <= 3:
        return entity
    return None


def _written_out(entity: Entity | None, mention: QuoteMention, text: str) -> Entity | None:
    """The person a surname-only speaker names, unless the article writes that person's full
    name only after it (past its opening lines: ``_OPENING_CHARS``). News names a person in
    full first: '"Now, this is real simple," President Obama told a crowd' opens an article
    that introduces Michelle Obama later, so that Obama is someone else. An article that
    never writes the full name (the Guardian's "Sessions") keeps the story's person."""
    speaker, at = mention.speaker, mention.speaker_end  # or inside the mention itself
    if (entity is None or entity.type != "PERSON" or not speaker or len(speaker.split()) > 1
            or at is None):
        return entity
    found = [text.find(v) for v in entity.variants if len(v.split()) > 1]
    found = [i for i in found if i >= 0]
    return entity if not found or min(found) < max(at, _OPENING_CHARS) else None


#: a headline (and a byline glued to it on a flattened page) may name a person by surname
#: before the body names them in full: "Huntsman to skip Nevada debate ... Jon Huntsman
#: announced"; a full name within this many opening characters counts as written first
_OPENING_CHARS = 300


def group_quotes(
    documents: Sequence[Document], entities: Sequence[Entity] = ()
) -> tuple[Quote, ...]:
    """One ``Quote`` per statement across sources, with one variant per source.

    Fragments join the fuller quote that contains them, reported speech joins the direct
    quote it reports (person shift aware), and quotes whose speakers resolve to different
    people are never merged. ``text`` is the fullest verbatim (preferably direct) form."""
    items: list[_Item] = []
    index = entity_index(entities)
    for document in documents:
        for m in outermost(_mentions_of(document)):
            entity = _written_out(match_entity(m.speaker, entities, index), m,
                                  document.article.text) or _apposed_entity(
                m, document.article.text, entities, index)
            entity_id = entity.id if entity is not None else None
            conf = mention_confidence(m, document.article.text)
            a, b = m.speaker_start, m.speaker_end
            written = document.article.text[a:b] if a is not None and b is not None else ""
            items.append(
                _Item(document.article.id, m, statement_tokens(m.text), entity_id, conf,
                      pronoun=is_pronoun(written))
            )
    groups: dict[int, list[_Item]] = {}
    for item, root in zip(items, join_statements(items), strict=True):
        groups.setdefault(root, []).append(item)
    by_id = {e.id: e for e in entities}
    order = {d.article.id: n for n, d in enumerate(documents)}
    quotes = [
        _quote_of(sorted(members, key=lambda i: (order[i.source], i.mention.start)), by_id)
        for members in groups.values()
    ]
    quotes.sort(key=lambda q: (order.get(q.sources[0].source, 0), q.sources[0].start or 0))
    return tuple(rank_quotes(quotes, by_id))


def importance(quote: Quote, by_id: dict[str, Entity] | None = None) -> float:
    """How much a statement matters to a reader: carried by more outlets first, then a
    named speaker (more so one the story mentions often), a direct quotation, confidence."""
    by_id = by_id or {}
    outlets = len({v.source for v in quote.sources})
    entity = by_id.get(quote.speaker_entity or "")
    prominent = min(1.0, entity.mentions / 10) if entity is not None else 0.0
    named = 1.0 if quote.speaker and _looks_like_name(" ".join(_bare(quote.speaker))) else 0.0
    direct = 1.0 if any(v.direct for v in quote.sources) else 0.0
    return outlets + 0.5 * named + 0.5 * prominent + 0.3 * direct + 0.4 * (quote.confidence or 0)


def rank_quotes(quotes: Sequence[Quote], by_id: dict[str, Entity] | None = None) -> list[Quote]:
    """Confident statements by importance, then the doubtful ones (stable within ties)."""
    return sorted(quotes, key=lambda q: (q.low_confidence, -importance(q, by_id)))


def _fullness(item: _Item) -> tuple[bool, int]:
    return (item.mention.direct, len(item.tokens))


def _dropped(item: _Item, members: Sequence[_Item]) -> bool:
    """A source's piece inside another of its pieces of the statement adds nothing, except a
    direct quote that makes up most of the reported clause around it (that clause goes,
    unless it quotes something else before it: then the quote is the clause's tail,
    'nothing "misleading" ... because he "was asked ..."', and both stay)."""
    m = item.mention
    for other in members:
        o = other.mention
        if other is item or other.source != item.source:
            continue
        if o.start <= m.start and m.end <= o.end and (o.start, o.end) != (m.start, m.end):
            return not (m.direct and not o.direct and _covers_most(m, o))
        inside_m = m.start <= o.start and o.end <= m.end and (o.start, o.end) != (m.start, m.end)
        if inside_m and o.direct and not m.direct and _replaces(o, m):
            return True
    return False


def _replaces(direct: QuoteMention, clause: QuoteMention) -> bool:
    before = clause.text[:max(direct.start - clause.start, 0)]
    before = before[:-2] if before.endswith(DOUBLED_BACKTICK) else before[:-1]  # its opener
    return _covers_most(direct, clause) and not has_quote_mark(before)


def _covers_most(inner: QuoteMention, outer: QuoteMention) -> bool:
    return (inner.end - inner.start) * 2 >= outer.end - outer.start


#: the most characters between two quoted pieces of one attribution read as one statement:
#: '"A," Pelosi said in a statement. "B."' (the cue between them), not a piece tied to a
#: cue paragraphs away
PIECES_GAP = 150


def _split_quotation(mention: QuoteMention) -> bool:
    """Whether a mention is one whole quoted piece of an attribution quoted in several
    pieces that stand close together."""
    parts = sorted(mention.parts)
    return (mention.direct and len(parts) > 1 and mention.cue_start is not None
            and (mention.start, mention.end) in {tuple(p) for p in parts}
            and all(b[0] - a[1] <= PIECES_GAP
                    for a, b in zip(parts, parts[1:], strict=False)))


def _pieces_text(best: _Item, kept: Sequence[_Item]) -> str:
    """The text a statement shows: ``best``'s, or, where it is one quoted piece of an
    attribution and that source's other pieces are kept beside it, the pieces in order with
    "…" where the attribution stood (each piece verbatim, the comma that joined a piece to
    "he said" left out)."""
    m = best.mention
    if not _split_quotation(m):
        return m.text
    siblings = sorted((i.mention for i in kept if i.source == best.source
                       and _split_quotation(i.mention) and i.mention.parts == m.parts
                       and i.mention.cue_start == m.cue_start),
                      key=lambda x: x.start)
    if len(siblings) < 2:
        return m.text
    texts = [x.text.rstrip() for x in siblings]
    return " \u2026 ".join([t.rstrip(",;:").rstrip() or t for t in texts[:-1]] + texts[-1:])


def _quote_of(members: Sequence[_Item], by_id: dict[str, Entity]) -> Quote:
    kept = [item for item in members if not _dropped(item, members)] or list(members)
    longest = max(len(i.tokens) for i in kept)
    # the fullest verbatim form: a direct quote unless it is only a fragment of the statement
    # (shorter than half of it, or a clause's tail that opens in lower case: 'because he
    # "was asked ..."' reads whole only in the reported clause around it)
    best = max(kept, key=lambda i: (i.mention.direct and 2 * len(i.tokens) >= longest
                                    and not (len(kept) > 1 and i.mention.text[:1].islower()),
                                    len(i.tokens)))
    # a source that names the speaker outvotes one whose "he" the resolver named: the same
    # words attributed by name elsewhere tell who "he" is
    named_votes = Counter(i.entity for i in members if i.entity and not i.pronoun)
    entity_votes = named_votes or Counter(i.entity for i in members if i.entity)
    entity_id = entity_votes.most_common(1)[0][0] if entity_votes else None
    if entity_id is not None:
        speaker: str | None = by_id[entity_id].name
    else:
        named = Counter(
            i.mention.speaker for i in members
            if i.mention.speaker and not is_pronoun(i.mention.speaker)
            and is_agent(i.mention.speaker) is not False
        )
        speaker = named.most_common(1)[0][0] if named else None
    confidence = quote_confidence(members, speaker, entity_id)
    return Quote(
        speaker=speaker,
        text=_pieces_text(best, kept),
        sources=tuple(
            QuoteVariant(
                source=item.source,
                text=item.mention.text,
                start=item.mention.start,
                end=item.mention.end,
                speaker_as_written=(
                    speaker if item.pronoun and named_votes and item.entity != entity_id
                    else item.mention.speaker),
                direct=item.mention.direct,
                speaker_start=item.mention.speaker_start,
                speaker_end=item.mention.speaker_end,
                cue=item.mention.cue,
                cue_start=item.mention.cue_start,
                cue_end=item.mention.cue_end,
                parts=item.mention.parts,
                stance=item.mention.basis == "stance" and not item.mention.direct,
            )
            for item in kept
        ),
        speaker_entity=entity_id,
        confidence=round(confidence, 3),
        low_confidence=speaker is None or confidence < LOW_CONFIDENCE,
    )


def quote_confidence(members: Sequence[_Item], speaker: str | None, entity: str | None) -> float:
    """The chance the statement's speaker is right: each source that names this speaker is
    a separate witness (noisy-or over sources of their best mention); 0 without a speaker."""
    if speaker is None:
        return 0.0
    best: dict[str, float] = {}
    for item in members:
        agrees = (entity is not None and item.entity == entity) or (
            item.mention.speaker is not None
            and _name_key(item.mention.speaker) == _name_key(speaker)
        )
        if agrees:
            best[item.source] = max(best.get(item.source, 0.0), item.confidence)
    doubt = 1.0
    for conf in best.values():
        doubt *= 1.0 - conf
    return 1.0 - doubt


# --------------------------------------------------------------------------- records
def quote_record(mention: QuoteMention) -> dict:
    """The ``newsweave quotes`` output form of one mention."""
    return {
        "start": mention.start,
        "end": mention.end,
        "text": mention.text,
        "speaker": mention.speaker,
        "direct": mention.direct,
        "speaker_start": mention.speaker_start,
        "speaker_end": mention.speaker_end,
        "cue": mention.cue,
        "cue_start": mention.cue_start,
        "cue_end": mention.cue_end,
        "parts": [list(p) for p in mention.parts or ((mention.start, mention.end),)],
    }


def mention_namer(doc, text: str | None = None):
    """``(start, end, content) -> name``: the speaker name the rules give a source mention
    found elsewhere (the learned tagger's): its head's name or description, a pronoun
    resolved to its referent, a short form to the full name (``content``: the statement's
    span or None)."""
    text = _text_of(doc) if text is None else text
    inside = _quote_lookup(find_pieces(text))
    resolver = speaker_resolver(doc, text, inside, find_cues(doc, inside))

    def name(start: int, end: int, content: tuple[int, int] | None = None) -> str | None:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None or not len(span):
            return None
        return resolver.resolve(_speaker_from_token(span.root), content)

    return name


def learned_refiner(model: str):
    """``(doc, rules' records, text) -> records``: the rules' records as they are, or (for
    ``--model learned`` or ``learned-fast``) re-spanned by that learned tagger in
    ``newsweave.quote_model``."""
    if model not in ("learned", "learned-fast"):
        return lambda _doc, records, _text: records
    from newsweave.quote_model import ModelFileError, get_tagger, learned_quotes

    try:
        tagger = get_tagger(model)
    except ModelFileError as exc:
        raise InputError(str(exc)) from exc
    def refine(doc, records, text):
        return learned_quotes(doc, records, text, tagger)

    refine.prefetch = tagger.prefetch  # type: ignore[attr-defined]  # cli_quotes: encoder early
    return refine
