"""Text that is never news: scrape failures of crawled pages, a page's pointers elsewhere
("click here"), and the furniture before a story's first word (datelines, wire marks).

A page that captured a widget or an archive notice instead of (or beside) the article carries
one of these phrases. They are recognised on sight, because a single page holds them once and
frequency alone cannot tell; the grouper finds the rest by how often a unit recurs across
stories (``newsweave.group``). The summary never lifts or counts such a sentence: corroborated
across the pages that embed the same widget, it would otherwise look like the story's core."""

from __future__ import annotations

import re
from collections.abc import Iterator

#: lower-case phrases of scrape failures seen in crawled news data (Twitter's location
#: widget, the Wayback Machine's crawl notice, cookie/JavaScript/newsletter interstitials,
#: media players that did not load, calls to click or subscribe)
KNOWN_BOILERPLATE = (
    "tweet with a location", "add location information to your tweets",
    "delete your tweet location history",
    "alexa internet has been donating", "wayback machine", "these crawls are part of an effort",
    "enable javascript", "javascript is disabled", "please enable cookies", "we use cookies",
    "by continuing to browse this site", "by continuing to use this site",
    "sign up for our newsletter", "your browser is out of date",
    "your browser does not support",
    "media playback is unsupported on your device",
    "rating is available when the video has been rented",
    "click here to", "unlimited digital access",
    # stop 33: an app's or newsletter's sign-up box, the location widget's other wording,
    # the Wayback Machine's notice on pages whose capture is withheld
    "get push notifications with news", "get breaking news alerts",
    "news and stories that matter, delivered weekday mornings",
    "switch location on/off before each tweet", "warc files associated with this crawl",
    # stop 41: the Wayback Machine's notice in other words, a robot check
    "fix all broken links on the web", "not a robot by clicking",
    # stop 43: a video player's countdown
    "wait 1 second to continue",
)

#: page furniture a scrape glues to the front of a sentence: an ad slot, a share bar, a
#: video player's or photo credit's "Close" button, a "continued below" jump, a player
#: notice, a picture's copyright line up to its caption (the caption itself is kept: it
#: describes the story), a video's embed box, CNN's "Story highlights" bullets, a photo
#: credit
_LEADING_FURNITURE = re.compile(
    r"\s*(?:"
    r"ADVERTISEMENT\b|Advertisement(?=\s+[A-Z“\"])|CLOSE(?=\s+[A-Z“\"])"
    r"|Story Continued Below\b"
    r"|(?:(?:Share|Tweet|Send|Link|Email|Pin|WhatsApp|View Comments|Comments)\s+){2,}"
    r"|Tweet View Comments\b"
    r"|Media playback is unsupported on your device(?:\s+Media caption)?"
    r"|Media caption\b|Image caption\b"
    r"|Image copyright\b.{0,80}?\bImage caption\b"
    r"|\|?\s*Photo by [^|]{1,40}?\s+Close\b"
    r"|.{0,300}?\bCopy this code to your website or blog\b"  # a video player's embed box
    r"|Story highlights\b.{0,400}?\(CNN\)"  # CNN's bullet points, up to its wire mark
    # a photo credit closing the caption before ("(AP Photo/Susan Walsh) (Associated Press)",
    # "(Photo: USA TODAY)", "Photo: Tomassio Boddi (Getty Images)")
    r"|\((?:[A-Z][A-Za-z]{1,12}\s+)?Photo(?:/|:\s|\s+by\s)[^()]{1,60}\)"
    r"(?:\s*\((?:Associated Press|AP|Reuters|AFP|Getty Images)\))?"
    r"|Photo:\s[^()]{1,40}\((?:Getty Images|AP|Reuters|AFP)\)"
    # an agency's credit in capitals, one word after its slash ("(THE CANADIAN
    # PRESS/HO-www.example.com)"), a gallery's "View larger image" link
    r"|\([A-Z][A-Z .]{1,30}/[^()\s]{1,60}\)|View larger image\b"
    # a picture credit's agency left in front of the next sentence ("(Associated Press)
    # WEST PALM BEACH, Fla. (AP) — President ...": the caption it closed was cut before it),
    # or a broadcaster's mark in capitals ("... in downtown Ottawa. (CBC) Police removed")
    r"|\((?:Associated Press|Reuters|[A-Z]{2,5})\)(?=\s+[A-Z“\"])"
    # the New York Times' jump and sign-up links, its "Photo" label before a dateline
    r"|Continue reading the main story\b|Newsletter Sign Up\b"
    r"|Photo(?=\s+[A-Z]{3,}[A-Z .,]*\s+[—–-]\s)"
    # a link to other pages in brackets ("(PHOTOS: Pols speak out on gun control)")
    r"|\((?:VIDEO|PHOTOS?|Interactive|Related|Read more|See also|Graphic|Gallery)\s*:[^()]{1,80}\)"
    # a page's update or video timestamp before the sentence ("Update: The NTSB has ...",
    # "(Published Monday, Nov. 19, 2018) Rapper Snoop Dogg ...")
    r"|(?:UPDATE|Update|UPDATED|Updated)\s*(?:\([^()]{0,40}\))?\s*[:—–]\s+(?=[A-Z“\"])"
    r"|\(Published [^()]{1,50}\)(?=\s+[A-Z“\"])"
    r"|Published on (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2},"
    r" \d{4}(?=\s+[A-Z“\"])"
    # a live page's update stamp before the sentence it added ("[Updated at 5:15 p.m. PDT
    # April 10: Tracking how ...")
    r"|\[Updated (?:at|on)\b(?:[^:\]\[]|:(?=\d)){1,60}[:\]]"
    # a share bar in words ("Share on Facebook Share on Twitter"), an embedded video's
    # "Watch:" label, the Washington Post's "Caption" label (the caption itself is kept)
    r"|(?:Share on (?:Facebook|Twitter|WhatsApp|LinkedIn|Pinterest|Reddit|Email)\s*){1,6}"
    r"|(?:Watch|Caption)(?::|(?=\s+[A-Z][a-z]))(?=\s+[A-Z“\"])"
    # a caption's name with a reader-submitted picture's credit ("Luka Magnotta SUBMITTED
    # IMAGE Police have named ...")
    r"|(?:[A-Z][\w.'’-]*\s+){0,4}SUBMITTED\s+(?:IMAGE|PHOTO)\b(?=\s+[A-Z“\"])"
    r")[\s:|]*"
)
#: an embedded tweet's signature, "— Name (@handle) Month D, YYYY" (or a year closing the
#: sentence), with the tweet's own words before it in the same sentence: the sentence
#: splitter glues the signature to the report's next sentence ("— Amtrak (@Amtrak)
#: September 7, 2016 Amtrak later cleared up")
_TWEET_SIGNATURE = re.compile(  # every repeat bounded: tried at a sentence's front only
    r"[^\n]{0,280}?[^()\n]{1,60}?\(@\w{1,15}\)[ \t]{1,3}"
    r"(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.?[ \t]{1,3}\d{1,2},"
    r"[ \t]{1,3}(?:19|20)\d\d\b|(?:19|20)\d\d\W{0,3}$)\W{0,3}"
)


def is_known_boilerplate(text: str) -> bool:
    """Whether ``text`` holds a phrase of a known scrape failure."""
    low = text.lower()
    return any(phrase in low for phrase in KNOWN_BOILERPLATE)


#: a web page pointing elsewhere ("Find more details ... here.", "Read more about the case
#: here.", "Watch the video below.") or a live page's header (AP's "The Latest on ... (all
#: times local): 5:35 p.m."): page furniture that reads as a sentence, never news to
#: summarise. (Photo credits are not here: the page glues them to a real sentence, so
#: ``leading_furniture`` cuts them instead.)
_POINTER = re.compile(
    r"\b(?:click|tap|find|read|learn|watch|sign up|subscribe|check out|more details"
    r"|more information)\b[^.!?]{0,80}\b(?:here|below)\s*[.!:]?\W*$"
    r"|\(all times local\)",
    re.IGNORECASE,
)
#: a page's own notes that read as sentences: a picture's caption in the wire services' form
#: ("In this Oct. 27, 2012 file photo, X appears at ...", "This August 2012 photo shows
#: ...", "Eric Holder, left, listens to ...": only a caption places people left and right)
#: describes an image beside the story, and an update note ("Updated with a statement from
#: ...") says how the page changed, not what happened
_PAGE_NOTE = re.compile(
    r"^\W*(?:FILE\s*[-–—]\s*)?In this\b.{0,80}?\b(?:file |undated |handout )?"
    r"(?:photo|image|picture)\b(?!-)"
    r"|^\W*This\b.{0,60}?\b(?:photo|image|picture)\b.{0,60}?\b(?:shows|released|provided)\b"
    r"|(?-i:\b[A-Z][\w.'’-]{0,40}, (?:(?:second |third |far )?(?:left|right)|cent(?:er|re)|top"
    r"|bottom|foreground|background),)"
    r"|^\W*Updated (?:with|to include)\b"
    r"|^(?:Tell us|Let us know)\b[^.!?]{0,80}\b(?:our|in the comments|below)\b"
    # a link headline inside the text ("RELATED: Snoop Dogg Is Releasing ..."), a Vimeo
    # embed's caption ("Escape Maneuver in a Flying Fly from Michael Dickinson on Vimeo.")
    r"|(?-i:\b(?:RELATED|SEE ALSO|READ MORE|ALSO READ|PHOTOS?|VIDEOS?|WATCH|GALLERY):)"
    # an embedded tweet's picture link: the sentence is the embed, not the report
    r"|\bpic\.twitter\.com/"
    r"|\bfrom (?-i:[A-Z])[^.!?]{0,40} on Vimeo\.?$"
    # a reporter's contact line ("Ty Burr can be reached at tburr@globe.com."), a
    # correction or update notice about the page itself
    r"|\bcan be reached at\s+(?:\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}|\S+@|\S+\(at\)"
    r"|[\w.-]+\.(?:com|org|net)\b|the e-mail)"
    r"|^\W*(?:Correction|Clarification|Editor[’']s note)\s*:"
    r"|\bAn earlier version of this (?:article|story|report)\b"
    r"|\bThis (?:article|story|report) has been (?:updated|corrected)\b"
    # a list of links under a heading ("More on the migrant crisis: The refugees who ..."),
    # a copyright line ("© 2018 KREM-TV", a picture's "© EPA/...")
    r"|^\W*More on\b[^.!?:]{0,60}:|©"
    # a picture credit left in the text ("REUTERS/Steve Dipaola", "WXCHASING via REUTERS",
    # "Cody Duty,AP Photo/Houston Chronicle", a page's "Buy Photo" button)
    r"|(?-i:\bREUTERS/|\bvia REUTERS\b|(?<!\()\bAP Photo/|\bBuy Photo\b"
    r"|^\W*Photo: via\b)",
    re.IGNORECASE,
)
#: a news agency's photo caption: it closes on the place and full date of the picture,
#: with or without the weekday ("... in Kabul, Afghanistan, Wednesday, Sept. 15, 2010.",
#: "... in Puna, May 6, 2018."), often with the photo credit after it; a report's own
#: sentence says "on Wednesday" and leaves the year out (a weekday right before the date
#: without its own comma, "on Tuesday, Nov. 6, 2012.", is a report's)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|March|Mar\.|April|Apr\.|May|June|July"
          r"|Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?"
          r"|Dec(?:ember|\.)?)")
_CAPTION_DATE = re.compile(
    rf"(?<!day),\s(?:{_WEEKDAY},?\s)?{_MONTH}\s\d{{1,2}},\s(?:19|20)\d\d\W{{0,3}}"
    r"(?:\((?:AP|Reuters|AFP)\b[^()]{0,60}\)\W{0,3})*$"
)


#: a page's notices about itself, never an event of the story nor a name in it: a
#: copyright line, "All rights reserved", a call to follow the site or its reporter, a note
#: of where the article first appeared
_PAGE_NOTICE = re.compile(
    r"©|\bAll rights reserved\b|^\W*(?:Follow|Like) us on\b"
    # "Copyright 2000 Rodale Press Inc.", "Copyright Associated Press", not "Copyright
    # infringement suits rose" or "Copyright Office officials said ..."
    r"|^\W*Copyright\s+(?:\(c\)\s*)?(?:(?:19|20)\d\d\b"
    r"|(?-i:[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,5})\W*$)"
    # where the page's own article first ran ("This article originally appeared on ..."),
    # not a news report's "The report was published on Tuesday"
    r"|^\W*This (?:article|story|post) (?:was )?(?:originally |first )?"
    r"(?:appeared|published|posted)\b"
    # a call to sign up for the site's newsletter or alerts, opening the sentence ("Sign up
    # for the Guardian's daily US morning briefing"), not "Voters can sign up for ..."
    r"|^\W*(?:Sign up|Subscribe)\s+(?:for|to|now)\b"
    # an e-mail newsletter's own lines: why it came, where else to read it, how to stop it
    # ("You are receiving this email because you signed up for ...", "View this email in
    # your browser", "Unsubscribe | Manage preferences"), opening the sentence
    r"|^\W*You(?:'re|’re| are) receiving this (?:e-?mail|newsletter|message)\b"
    r"|^\W*View (?:this|it|the) (?:e-?mail |newsletter |message )?(?:in|on) (?:your|a|the) "
    r"(?:web )?browser\b"
    r"|^\W*(?:Unsubscribe|Manage (?:your )?(?:preferences|subscriptions?|e-?mail settings))\b"
    # a reporter's promotion of their own account, opening the sentence: "Follow Jane Roe on
    # Twitter at ..." (the name capitalised: not "Follow the money on Twitter")
    r"|^\W*Follow\s+(?-i:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})\s+(?:on|at)\s+"
    r"(?:Twitter|Facebook|Instagram|Threads|Bluesky|X\b)",
    re.IGNORECASE,
)


def is_page_notice(text: str) -> bool:
    """A sentence in which the page speaks of itself (``_PAGE_NOTICE``): the timeline takes
    no date from it and the entities no name."""
    return _PAGE_NOTICE.search(text) is not None


#: a line that links to another article: "Related: Trump says he has total confidence in
#: Sessions", "RELATED: ...", "Read more: ...", "See also: ..."; its headline's words
#: are no one's statement. A headline is short: a long line after the label is a text
#: without line breaks, not a link
_LINK_LABEL = re.compile(
    r"(?m)^[^\S\n]*[\"“']?(?:RELATED|Related|READ MORE|Read more|SEE ALSO|See also|ALSO READ"
    r"|Also read)\s*:[^\n]{0,200}$")


#: the same label alone on its line, the linked headline on the next: "Read More\nTrump
#: says he has 'total' confidence in Sessions" (a headline: no sentence-final stop)
_LINK_LABEL_LINE = re.compile(
    r"(?m)^[^\S\n]*(?:RELATED|Related|READ MORE|Read [Mm]ore|SEE ALSO|See also|ALSO READ"
    r"|Also read|More on this story|Most [Rr]ead)[^\S\n]*:?[^\S\n]*\n"
    r"[^\S\n]*[^\n]{1,200}?(?<![.!?][\"”’'])(?<![.!?])[^\S\n]*$")


def link_label_spans(text: str) -> list[tuple[int, int]]:
    """The lines of ``text`` that are links to other articles (``_LINK_LABEL``, and a label
    alone on its line with the headline under it, ``_LINK_LABEL_LINE``)."""
    spans = [m.span() for m in _LINK_LABEL.finditer(text)]
    return sorted(spans + [m.span() for m in _LINK_LABEL_LINE.finditer(text)])


#: a picture's credit that closes its caption's line: "Photograph: Jim Lo Scalzo/EPA",
#: "Photo: J. Scott Applewhite/AP", "(Photo by Jane Roe/Getty Images)", "Image credit:
#: NASA"; a name, no sentence after it (a stop only after an initial)
_PHOTO_CREDIT = re.compile(
    r"(?:^|(?<=[.!?”\"')\]])\s|\s(?=[(\[]))[(\[]?(?:Photograph|Photo|Picture|Image|Illustration)s?"
    r"(?:\s+[Cc]redit)?\s*(?::|\bby\b)(?:[^\n.!?]|(?<=\b[A-Z])\.){1,80}$")
#: a caption is a line of at most this many words: a credit at the end of a longer line
#: (a text with no line breaks) says nothing of what comes before it
CAPTION_MAX_WORDS = 60


def _captions(text: str) -> Iterator[tuple[int, int, int]]:
    """``(line start, credit start, line end)`` of each caption line (``_PHOTO_CREDIT``)."""
    for line in re.finditer(r"[^\n]+", text):
        if len(line.group().split()) <= CAPTION_MAX_WORDS:
            credit = _PHOTO_CREDIT.search(line.group())
            if credit:
                yield line.start(), line.start() + credit.start(), line.end()


def caption_spans(text: str) -> list[tuple[int, int]]:
    """The lines of ``text`` that caption a picture (they end on its credit): what the
    picture shows, never a sentence the summary lifts."""
    return [(start, end) for start, _credit, end in _captions(text)]


def photo_credit_spans(text: str) -> list[tuple[int, int]]:
    """The credits that end caption lines ("Photograph: Jim Lo Scalzo/EPA"): who took the
    picture, like a byline, is no one in the story."""
    return [(credit, end) for _start, credit, end in _captions(text)]


def is_page_pointer(text: str) -> bool:
    """A sentence that belongs to the page, not to the story (``_POINTER``, ``_PAGE_NOTE``,
    ``_PAGE_NOTICE``, a contributor line: :func:`is_staff_line`); the summary never lifts
    one, but it still counts as a unit of what the sources say."""
    return bool(
        _POINTER.search(text) or _PAGE_NOTE.search(text) or _CAPTION_DATE.search(text.strip())
        or is_page_notice(text) or is_staff_line(text)
    )


#: The Hill's inline box after a politician's name: the full legal name, its last word glued
#: to the first of a few linked headlines, closed by "MORE" ("Sen. John Cornyn John
#: CornynCollins, Murkowski to play ... MORE (Texas) said"); the name before it stays.
#: ``_BOX_NAME`` finds the name's repeat, the box runs from there to the first "MORE"
_BOX_NAME = re.compile(
    r"\b(?P<last>[A-Z][\w'’-]+)\s(?:[A-Z(][\w.()'’\"-]*\s){0,4}?(?P=last)(?=[A-Z0-9‘'\"“])"
)
_BOX_END = re.compile(r"(?:\s|(?<=[a-z]))MORE\b")  # an empty box: "John Neely KennedyMORE"
#: the longest box (characters from the name's repeat to "MORE")
BOX_REACH = 700


def name_boxes(text: str) -> list[tuple[int, int]]:
    """Character ranges of page boxes glued inside a sentence (``_BOX_NAME``), to cut so
    the sentence reads as the report wrote it; empty when there are none. Each "MORE" is
    looked back from, no further than the "MORE" before it, so the cost stays linear."""
    if "MORE" not in text:  # nearly every text: skip the scan
        return []
    out: list[tuple[int, int]] = []
    floor = 0
    for end in _BOX_END.finditer(text):
        m = _BOX_NAME.search(text, max(floor, end.start() - BOX_REACH), end.end())
        if m:
            out.append((m.end("last"), end.end()))
        floor = end.end()
    return out


def without(text: str, ranges: list[tuple[int, int]]) -> str:
    """``text`` with ``ranges`` (sorted, disjoint) cut out; each cut closes up to one space,
    or to none before closing punctuation ("McConnell’s", "Cornyn (Texas)")."""
    if not ranges:
        return text
    parts = [text[: ranges[0][0]].rstrip()]
    ends = [a for a, _b in ranges[1:]] + [len(text)]
    for (_a, b), nxt in zip(ranges, ends, strict=True):
        piece = text[b:nxt].strip()
        if piece:
            parts.append(piece if piece[0] in "’'.,;:)" else " " + piece)
    return "".join(parts)


#: page furniture a flattened page leaves inside what the parser took as one sentence, where
#: no sentence of the story goes on after it: a player's notice, a picture's label, an ad slot
_INNER_FURNITURE = re.compile(
    r"\s(?:Media playback is unsupported on your device|Media caption|Image caption"
    r"|Image copyright|ADVERTISEMENT|Story Continued Below|Continue reading the main story)\b"
)


def inner_furniture(text: str, start: int, end: int) -> int | None:
    """Where page furniture begins inside ``text[start:end]`` (None if it holds none): a
    statement ends there ("the door is currently locked Media playback is unsupported on your
    device Media caption Christian Fraser on ...")."""
    found = _INNER_FURNITURE.search(text, start, end)
    return None if found is None else found.start()


def leading_furniture(text: str) -> int:
    """Characters of page furniture glued to the front of a sentence, to cut (0 if none);
    repeated markers ("ADVERTISEMENT Story Continued Below ...") are cut together."""
    cut = 0
    tweet = "(@" in text  # nearly every sentence: skip the signature's scan
    while m := _LEADING_FURNITURE.match(text, cut) or (
        tweet and _TWEET_SIGNATURE.match(text, cut)
    ):
        if m.end() == cut:
            break
        cut = m.end()
    return cut


#: a dateline opening the first sentence: "WASHINGTON:", "LONDON (AP) _", "New York [USA],
#: Mar. 3 (ANI):", "PHOENIX _", "BEIJING, March 3 (Reuters) -"; ``_STATE_DATELINE`` also
#: takes a state or country after the place: "KANSAS CITY, Mo. _", "RIO DE JANEIRO, Brazil
#: _", "BUENA PARK, Calif. -"
_DATELINE_HEAD = (r"^\s*(?:date\s+\d{4}-\d{2}-\d{2}\s+)?"
                  r"(?:[A-Z][A-Za-z.\-']*(?:\s+[A-Z][A-Za-z.\-']*){0,3}"
                  r"(?:\s*\[[^\]]{1,30}\])?")
_DATELINE_STATE = (r"(?:,\s*(?:[A-Z][a-z]+\.?(?:\s+[A-Z][a-z]+)?|(?:[A-Z][a-z]?\.){1,3})"
                   r"(?=\s*[(_:—–-]))?")
_DATELINE_TAIL = (r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
                  r"(?:\s*\([A-Za-z .\-]{1,30}\))?\s*(?::|_{1,2}|--|—|–|-)\s+)")
_DATELINE = re.compile(_DATELINE_HEAD + _DATELINE_TAIL)
_STATE_DATELINE = re.compile(_DATELINE_HEAD + _DATELINE_STATE + _DATELINE_TAIL)
_DATE_STAMP = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s+")
#: a wire dateline's agency mark ("CHICAGO, Jan 6 (Reuters) -", "London (CNN)"): a lead
#: sentence's text before it is page furniture (highlights, bullets, a byline, a caption)
_AGENCY_MARK = re.compile(
    r"\((?:Reuters|AP|AFP|CNN|UPI|Bloomberg|dpa|Xinhua)\)\s*(?:[-—–:]+|_{1,2})?\s+(?=[A-Z“\"])"
)
#: how far into a lead sentence an agency mark still opens the story
_AGENCY_REACH = 400
_UPPER_DATELINE = re.compile(r"^[A-Z][A-Z .,'\-]+$")


def wire_mark_end(text: str) -> int:
    """End of a wire agency's dateline mark within the sentence's first ``_AGENCY_REACH``
    characters ("... (Associated Press) NEW DELHI (AP) — India's ..."), else 0: what comes
    before it is page furniture (a caption, a teaser), unless it holds a quotation."""
    mark = _AGENCY_MARK.search(text, 0, _AGENCY_REACH)
    if mark is not None and '"' not in text[: mark.start()] and "“" not in text[: mark.start()]:
        return mark.end()
    return 0


#: what a feed appends to an entry's text, at its end: WordPress's "The post <title>
#: appeared first on <site>." line, and a teaser's jump link ("Continue reading...", "Read
#: more »", "[…]")
_FEED_FOOTER = re.compile(
    r"(?:(?<=\n)[ \t]*The post [^\n]{1,300}? appeared first on [^\n]{1,200}?"
    r"|\[(?:…|\.\.\.)\]"
    r"|(?:Continue reading|Read more|Read the full (?:story|article))[ \t]*(?:…|\.\.\.|»|→)?)$")


def without_feed_footer(text: str) -> str:
    """A feed entry's text without what the feed appends to every entry (``_FEED_FOOTER``):
    no part of the story, and the same words under every entry of a site. Only the last
    800 characters are searched, one footer at a time from the end."""
    cut = max(0, len(text) - 800)
    tail = text[cut:]
    found = False
    while (m := _FEED_FOOTER.search(stripped := tail.rstrip())) is not None:
        tail, found = stripped[: m.start()], True
    return text[:cut] + tail.rstrip() if found else text


#: a wire story's staff credit, in parentheses: "(Reporting by Jane Roe; Editing by John
#: Doe)", "(Additional reporting by ...)", "(Writing by ...)", "(Compiled by ... for AP)"
_STAFF_CREDIT = re.compile(
    r"\((?:Additional\s+)?(?:Reporting|Writing|Editing|Compiled|Research|Produced|"
    r"Translated)\s+by\b[^()\n]{1,300}\)", re.I)


#: a staff line in prose, which ends on it: "Josh Dawsey contributed to this report.",
#: "Globe correspondent Hilary Sargent contributed reporting." (not "The agency contributed
#: to the report, which found ...")
_CONTRIBUTED = re.compile(
    r"\bcontributed (?:reporting|(?:to )?(?:this|the) (?:report|story|article))\W*$")


#: an agency's mark closing a story or a paragraph: "... nothing to apologize for. (ANI)",
#: "(Reuters)": one word in parentheses, where the text ends
_CLOSING_AGENCY = re.compile(r"\((?:[A-Z]{2,6}|[A-Z][a-z]{2,12})\)[ \t]*(?=\n|\Z)")


def byline_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that name who made the report, not who is in it: a leading dateline
    (with the agency and any byline a wire mark ends), the staff credits in parentheses and
    an agency's mark closing the story (a sentence saying who contributed is
    :func:`is_staff_line`)."""
    spans = [(0, end)] if (end := trim_dateline(text)) else []
    return spans + [m.span() for m in _STAFF_CREDIT.finditer(text)] + [
        m.span() for m in _CLOSING_AGENCY.finditer(text)]


def is_staff_line(sentence: str) -> bool:
    """Whether a sentence ends saying who "contributed to this report" (or "contributed
    reporting"): the report's staff, not people in the news; the summary never lifts it
    (:func:`is_page_pointer`) and the entities take no name from it."""
    return _CONTRIBUTED.search(sentence) is not None


def trim_dateline(text: str, states: bool = True) -> int:
    """Characters of a leading dateline ("WASHINGTON:", "LONDON (AP) _", "KANSAS CITY, Mo.
    _") to cut; with a wire agency's mark further in ("* Highlights * By Julie Steenhuysen
    CHICAGO, Jan 6 (Reuters) - U.S. researchers ..."), everything up to the story's first
    word. ``states=False`` leaves a place with its state or country ("AUSTIN, Texas _") and
    a capital place with a date but no agency: what the story grouper reads (measured, it
    groups better with the place: docs/story-grouping-evaluation.md, stop 47)."""
    mark = wire_mark_end(text)
    if mark:
        return mark
    m = (_STATE_DATELINE if states else _DATELINE).match(text)
    if not m:
        stamp = _DATE_STAMP.match(text)  # a bare "date 2017-03-02" left by plain-text ingest
        return stamp.end() if stamp else 0
    head = m.group(0)
    core = re.sub(r"[\[(].*$", "", head).strip(" :_-—–,")
    # accept all-caps place names (the state or country after one may be in any case), or
    # anything with an agency/bracket marker
    place = core.split(",")[0] if states else core
    if _UPPER_DATELINE.match(place) or "(" in head or "[" in head or \
            head.lstrip().lower().startswith("date"):
        return len(head)
    return 0
