"""Render stage: a Brief as terminal text, Markdown, JSON or one standalone HTML page.

Article text and URLs are untrusted: the HTML renderer escapes every piece of text and links
only http(s) URLs; Markdown escapes every character that could start markup (so no raw HTML,
link or image from an article survives); terminal output drops control characters (escape
sequences)."""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from newsweave.models import (
    Brief,
    Origin,
    Quote,
    Source,
    SummarySentence,
    TimelineEntry,
    brief_to_dict,
)
from newsweave.quote_marks import typeset
from newsweave.settings import DEFAULT_SUMMARY

FORMATS = ("text", "markdown", "json", "html", "jsonl")

#: ASCII punctuation that can open Markdown or HTML markup; each gets a backslash (CommonMark
#: shows a backslash-escaped punctuation character literally).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&])")
#: C0 and C1 control characters except tab and newline: ANSI escape sequences start with one.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def md(text: str | None) -> str:
    """Untrusted text as Markdown that renders as exactly that text (the archives' quotation
    marks typeset): no HTML, no links."""
    return _MD_SPECIAL.sub(r"\\\1", strip_control(typeset(text or "")))


#: What a page never shows of an article's text: control characters, and the bidirectional
#: embeddings, overrides and isolates that make the text after them read right to left
#: ("Evil \u202e tuo" shown as "Evil out"), disguising what stands beside them.
_NOT_SHOWN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def displayable(text: str) -> str:
    """``text`` without what a page never shows (``_NOT_SHOWN``); escaping stays the
    caller's (Jinja's autoescape, ``_esc``)."""
    return _NOT_SHOWN.sub("", text)


def _esc(text: str) -> str:
    """Untrusted text as HTML, the archives' quotation marks typeset (``x'' -> “x”)."""
    return html.escape(displayable(typeset(text)))


def strip_control(text: str) -> str:
    """``text`` without control characters (other than tab and newline) or direction
    overrides: nothing read from an article can move a terminal's cursor, recolour it, set
    its title or make the text beside it read backwards."""
    return _CONTROL.sub("", text)


#: characters left as they are in a link; the rest (quotes, angle brackets, other scripts)
#: are percent-encoded, as a browser would send them: a valid address in every page
_URL_SAFE = ":/?#[]@!$&'()*+,;=%-._~"


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL without spaces or control characters,
    with what an address may not hold raw percent-encoded, else None: a ``javascript:`` or
    ``data:`` URL from an article must never become a link."""
    if not url or _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


def file_name(path: str | None) -> str | None:
    """A source file's name without its folders: a brief is shared, the reader's own disk
    layout is nobody's business (and a long path widened the page)."""
    if not path:
        return None
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or path


def _source_label(source: Source) -> str:
    """Plain text (callers escape it for their format)."""
    bits = [source.outlet or source.title or file_name(source.path) or source.id]
    if source.title and source.outlet:
        bits.append(f"“{source.title}”")
    if source.published:
        bits.append(source.published)
    if source.updated:  # a reader sees the report was revised, and when
        bits.append(f"updated {source.updated}")
    return " — ".join(bits)


def _source_labels(sources: Sequence[Source]) -> dict[str, str]:
    """Source id -> its label, with the id added where two would read the same (thirteen
    undated, untitled reports of one outlet were thirteen lines reading "WikiNews")."""
    from collections import Counter

    labels = {s.id: _source_label(s) for s in sources}
    repeated = {label for label, n in Counter(labels.values()).items() if n > 1}
    return {sid: f"{label} ({sid})" if label in repeated and label != sid else label
            for sid, label in labels.items()}


def _numbering(brief: Brief) -> dict[str, int]:
    return {s.id: i for i, s in enumerate(brief.sources, start=1)}


def _marks(citations: Sequence[str], numbers: Mapping[str, int]) -> str:
    return "".join(f"[{numbers[c]}]" for c in citations if c in numbers)


def _independent(sentence: SummarySentence, numbers: Mapping[str, int]) -> str:
    """" (2 independent)" when syndicated copies make the citations overstate corroboration."""
    cited = sum(1 for c in sentence.citations if c in numbers)
    return f" ({sentence.origins} independent)" if 0 < sentence.origins < cited else ""


def _copy_note(source: Source, numbers: Mapping[str, int]) -> str:
    return f" (copy of [{numbers[source.copy_of]}])" if source.copy_of in numbers else ""


#: an empty summary says why: short texts and small budgets (--words 5) leave nothing to lift
_NO_SUMMARY = (f"(no sentence could be extracted: a summary lifts whole sentences of "
               f"{DEFAULT_SUMMARY.min_words} to {DEFAULT_SUMMARY.max_words} words that fit its "
               "word budget)")


def _source_count(brief: Brief) -> str:
    """"1 source", "3 sources", or "3 sources (2 independent)" when some are copies of
    others."""
    n = len(brief.sources)
    copies = sum(1 for s in brief.sources if s.copy_of)
    return f"{n} source{'' if n == 1 else 's'}" + (
        f" ({n - copies} independent)" if copies else "")


def render_json(brief: Brief, indent: int | None = 2) -> str:
    return json.dumps(brief_to_dict(brief), ensure_ascii=False, indent=indent)


def render_markdown(brief: Brief) -> str:
    numbers = _numbering(brief)
    lines = [f"# {md(brief.story.headline)}", ""]
    if brief.story.first_published:
        span = brief.story.first_published
        if brief.story.last_published and brief.story.last_published != span:
            span += f" to {brief.story.last_published}"
        lines += [f"*{_source_count(brief)}, {span}*", ""]
    elif brief.sources:  # undated: still how many (and a folder walk knows it for a brief)
        lines += [f"*{_source_count(brief)}*", ""]
    lines += ["## Summary", ""]
    for sentence in brief.summary:  # one paragraph each: every sentence carries its citations
        marks = _marks(sentence.citations, numbers) + _independent(sentence, numbers)
        lines += [f"{md(sentence.text)} {marks}", ""]
    if not brief.summary:
        lines += [_NO_SUMMARY]
    lines += _markdown_sections(brief, numbers)
    lines += ["", "## Sources", ""]
    labels = _source_labels(brief.sources)
    lines += [f"{numbers[s.id]}. {md(labels[s.id])}{_copy_note(s, numbers)}"
              + (f" <{url}>" if (url := safe_url(s.url)) and ">" not in url else "")
              for s in brief.sources]
    return "\n".join(lines) + "\n"


def shown_as_quote(text: str, forms: Iterable[tuple[str, bool]]) -> bool:
    """Whether a statement's ``text`` is a quotation: the form (text, direct) it was taken
    from says, so a reported clause around a quoted piece is still reported speech; any
    direct form when none matches."""
    forms = list(forms)
    return next((direct for form, direct in forms if form == text),
                any(direct for _, direct in forms))


def quotation(text: str) -> str:
    """A quotation as a brief shows it between marks: without the comma, semicolon or colon
    that joined it to "he said" in its article ("It is false," -> "It is false"); the
    contract's text keeps the span as written."""
    return text.rstrip().rstrip(",;:").rstrip() or text


def stance_cue(text: str, forms: Iterable[tuple[str, bool, str | None]]) -> str | None:
    """The cue to show before a statement that states a stance ("rejected", "did not want"):
    the words a reader needs, where "(reported)" before "a trade war" would say the
    opposite of "did not want a trade war". ``forms``: (text, stance, cue) of its variants;
    None when the form shown is no stance."""
    return next((" ".join(cue.split()) for form, stance, cue in forms
                 if form == text and stance and cue and cue.strip()), None)


def _reported_label(quote: Quote) -> str:
    return stance_cue(quote.text, ((v.text, v.stance, v.cue) for v in quote.sources)) or (
        denial_cue(quote.text, ((v.text, v.cue) for v in quote.sources)) or "reported")


def denial_cue(text: str, forms: Iterable[tuple[str, str | None]]) -> str | None:
    """The cue of a statement its source denies ("denied"), shown where "(reported)" would
    read as the source saying it: "(reported) it will cut 300 jobs" from "Norvell Foods denied
    that it will cut 300 jobs" said the opposite. None for a statement no cue denies."""
    from newsweave.quotes import is_denial

    return next((" ".join(cue.split()) for form, cue in forms
                 if form == text and cue and is_denial(cue)), None)


def statement_text(quote: Mapping[str, Any]) -> str:
    """A brief's statement (its JSON form) as a line of plain text shows it: a quotation in
    marks, reported speech marked "(reported)"; used where a statement stands alone (what
    changed, the feeds' update items)."""
    text = str(quote.get("text") or "")
    variants = [v for v in quote.get("sources") or [] if isinstance(v, Mapping)]
    if not variants or shown_as_quote(text, ((str(v.get("text")), bool(v.get("direct")))
                                             for v in variants)):
        return f"\u201c{quotation(text)}\u201d"  # no forms to tell by: as it always was
    cue = stance_cue(text, ((str(v.get("text")), bool(v.get("stance")), v.get("cue"))
                            for v in variants)) or denial_cue(
        text, ((str(v.get("text")), v.get("cue")) for v in variants))
    if cue:
        return f"({cue}) {text}"
    return f"(reported) {reported_text(text, [quote.get('speaker')])}"


def _is_direct(quote: Quote) -> bool:
    return shown_as_quote(quote.text, ((v.text, v.direct) for v in quote.sources))


#: The verbs of "what X <verb> was ...": a source's word for what the thing is ("what he told
#: reporters was" keeps its words: dropping "told" would leave "reporters was").
_FREE_RELATIVE_VERBS = frozenset(
    """say says said call calls called describe describes described claim claims claimed
    believe believes believed consider considers considered allege alleges alleged
    estimate estimates estimated see sees saw think thinks thought""".split())


def reported_text(text: str, speakers: Iterable[str | None] = ()) -> str:
    """Reported speech as a reader takes it after "(reported)": without the "that" that joined
    it to its verb ("that the meetings took place" -> "the meetings took place"), and without
    the source and verb of a free relative that names one of ``speakers`` ("what US officials
    say was a cyber campaign" -> "…was a cyber campaign": the speaker stands before it
    already). The contract's text keeps the span as annotated corpora mark it."""
    for name in speakers:
        if name and text.lower().startswith(f"what {name.lower()} "):
            verb_and_rest = text[5 + len(name):].split(maxsplit=1)
            if (len(verb_and_rest) == 2 and verb_and_rest[0].lower() in _FREE_RELATIVE_VERBS
                    and len(verb_and_rest[1].split()) > 2):
                return "\u2026" + verb_and_rest[1]
    return text[5:].lstrip() if text.startswith("that ") and len(text.split()) > 2 else text


def _quote_sources(quote: Quote) -> list[str]:
    """Each source once, in the order its variants come (a source quoting a statement in two
    pieces is still one citation)."""
    return list(dict.fromkeys(v.source for v in quote.sources))


def speaker_label(speaker: str | None) -> str:
    """A statement's speaker as a list shows it: a description opening on "the" or "a"
    capitalised, as an entry starts ("the Massachusetts Nurses Association" and "The
    Massachusetts Nurses Association" were two speakers to a reader); "unattributed" for
    none. A name is as written ("de Boer")."""
    if not speaker:
        return "unattributed"
    first = speaker.split(maxsplit=1)[0]
    return speaker[0].upper() + speaker[1:] if first in ("the", "a", "an") else speaker


def other_speakers(quote: Quote) -> list[tuple[str, list[str]]]:
    """(name, sources) of the outlets that give the statement to someone else by name: one
    quotation given to the mayor by one outlet and to his budget director by another is
    one statement (its words say so), but a reader must see that the outlets disagree on
    who said it. Names only, of two words or more, sharing no word with the speaker shown:
    "Mayor Mike Johnston" and "Johnston" are the same man, "a city official" no rival."""
    own = {w.lower().strip(".,") for w in (quote.speaker or "").split()}
    if not own:
        return []
    out: dict[str, list[str]] = {}
    for v in quote.sources:
        words = (v.speaker_as_written or "").split()
        if (len(words) >= 2 and all(w[:1].isupper() for w in words)
                and not own & {w.lower().strip(".,") for w in words}
                and v.source not in out.setdefault(" ".join(words), [])):
            out[" ".join(words)].append(v.source)
    return [(name, sources) for name, sources in out.items() if sources]


def _split_confident(quotes: Sequence[Quote]) -> tuple[list[Quote], list[Quote]]:
    """(confident, doubtful): doubtful speakers are shown apart, folded on the page."""
    return [q for q in quotes if not q.low_confidence], [q for q in quotes if q.low_confidence]


def _markdown_sections(brief: Brief, numbers: Mapping[str, int]) -> list[str]:
    out: list[str] = []
    if brief.quotes:
        out += ["", "## Who said what", ""]
        confident, doubtful = _split_confident(brief.quotes)
        for n, group in enumerate((confident, doubtful)):
            if n and group:
                out += ["", "*Speaker uncertain:*", ""]
            for q in group:
                marks = _marks(_quote_sources(q), numbers)
                said = (f"“{md(quotation(q.text))}”" if _is_direct(q)
                        else f"*({md(_reported_label(q))})* "
                        f"{md(reported_text(q.text, [q.speaker]))}")
                rival = "".join(f" ({md(name)} in {_marks(ids, numbers)})"
                                for name, ids in other_speakers(q))
                out.append(f"- **{md(speaker_label(q.speaker))}**{rival}: {said} {marks}")
    if brief.entities:
        out += ["", "## Who and what", ""]
        for e in brief.entities[:15]:
            extra = f" (also: {', '.join(md(v) for v in e.variants if v != e.name)})" if len(
                e.variants) > 1 else ""
            out.append(f"- {md(e.name)} ({md(e.type)}){extra} {_marks(e.sources, numbers)}")
    if brief.timeline:
        out += ["", "## Timeline", ""]
        out += [f"- **{md(t.date)}** {md(t.text)}{_dated_by(t, md)} {_marks(t.sources, numbers)}"
                for t in brief.timeline]
    cov = brief.coverage
    if cov.shared_passages or cov.unique or cov.discrepancies:
        out += ["", "## Coverage", ""]
        for d in cov.discrepancies:
            out.append(f"- Discrepancy ({md(d.kind or 'fact')}): {md(d.topic)}")
            out += [f"  - {md(c.text)} {_marks(c.sources, numbers)}" for c in d.claims]
        for p in cov.shared_passages:
            out.append(f"- Shared passage {_marks(p.sources, numbers)}: “{md(p.text)}”")
        for u in cov.unique:
            for sent in u.sentences:
                out.append(f"- Only {_marks([u.source], numbers)}: {md(sent)}")
    return out


def render_text(brief: Brief, width: int | None = None, color: bool = False) -> str:
    """Terminal rendering through rich (plain when not a TTY)."""
    from rich.console import Console
    from rich.markdown import Markdown

    buf = io.StringIO()
    console = Console(file=buf, width=width or 100, force_terminal=color, color_system=(
        "auto" if color else None), highlight=False)
    console.print(Markdown(render_markdown(brief)))
    if color:
        return buf.getvalue()
    # rich pads each line to the width: in a file or a pipe that is trailing spaces
    return "\n".join(line.rstrip() for line in strip_control(buf.getvalue()).split("\n"))


_CSS = """
body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222;
overflow-wrap:anywhere}
h1{font-size:1.6rem}sup a{text-decoration:none}.meta{color:#666}
article.source{border-top:1px solid #ddd;margin-top:1.5rem;padding-top:.5rem}
time{font-weight:600;margin-right:.4em}
article.source p{white-space:pre-wrap}mark:target{background:#ffd54f;outline:2px solid #f9a825}
"""


#: Says what wrote the page (HTML's own way): a folder walk passes over a brief saved beside
#: its articles instead of reading it as one more source that cites itself.
GENERATOR_META = "<meta name=generator content=newsweave>"


def render_html(brief: Brief, texts: Mapping[str, str] | None = None) -> str:
    """One standalone page: each citation links to the supporting sentence in its source
    (shown when ``texts``, source id -> article text, is given; else to the source entry)."""
    esc = _esc
    numbers = _numbering(brief)
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8>{GENERATOR_META}",
        "<meta name=viewport content='width=device-width,initial-scale=1'>",
        f"<title>{esc(brief.story.headline)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{esc(brief.story.headline)}</h1>",
        f"<p class=meta>{_source_count(brief)} · {esc(brief.story.first_published or '')}"
        f"{(' – ' + esc(brief.story.last_published)) if brief.story.last_published else ''}</p>",
        "<h2>Summary</h2><ol class=summary>",
    ]
    for i, s in enumerate(brief.summary):
        links = []
        spans = {e.source for e in _evidence(s)} if texts else set()
        for c in s.citations:
            if c not in numbers:
                continue
            target = f"#s{i}-{numbers[c]}" if c in spans else f"#src-{numbers[c]}"
            links.append(f"<a href='{target}'>[{numbers[c]}]</a>")
        parts.append(f"<li>{esc(s.text)} <sup>{''.join(links)}</sup>"
                     f"{esc(_independent(s, numbers))}</li>")
    parts.append("</ol>")
    parts.append(_html_sections(brief, numbers))
    parts.append("<h2>Sources</h2>")
    labels = _source_labels(brief.sources)
    for src in brief.sources:
        n = numbers[src.id]
        url = safe_url(src.url)
        link = (f" <a href='{esc(url)}' rel='noopener noreferrer nofollow'>original article</a>"
                if url else "")
        parts.append(f"<article class=source id='src-{n}'><h3>[{n}] {esc(labels[src.id])}"
                     f"{esc(_copy_note(src, numbers))}{link}</h3>")
        if texts and src.id in texts:
            parts.append(f"<p>{_marked_text(texts[src.id], brief, src.id, numbers)}</p>")
        parts.append("</article>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _evidence(sentence: SummarySentence) -> tuple[Origin, ...]:
    if sentence.evidence:
        return sentence.evidence
    return (sentence.origin,) if sentence.origin else ()


def _plain(text: str) -> str:
    """Article text as HTML: escaped, without the direction overrides that would show the
    rest of the page backwards (sliced first, so the offsets of the marks hold)."""
    return html.escape(displayable(text))


def _marked_text(text: str, brief: Brief, source_id: str, numbers: Mapping[str, int]) -> str:
    """The source's text, escaped, with each sentence a summary item cites wrapped in a mark."""
    spans = sorted(
        (e.start, e.end, f"s{i}-{numbers[source_id]}")
        for i, s in enumerate(brief.summary)
        for e in _evidence(s)
        if e.source == source_id
    )
    out, pos = [], 0
    for start, end, anchor in spans:
        if start < pos:
            continue
        out.append(_plain(text[pos:start]))
        out.append(f"<mark id='{anchor}'>{_plain(text[start:end])}</mark>")
        pos = end
    out.append(_plain(text[pos:]))
    return "".join(out)


def _html_sections(brief: Brief, numbers: Mapping[str, int]) -> str:
    esc = _esc

    def cite(ids: Sequence[str]) -> str:
        return "".join(
            f"<a href='#src-{numbers[i]}'>[{numbers[i]}]</a>" for i in ids if i in numbers
        )

    out: list[str] = []
    if brief.quotes:
        out.append("<h2>Who said what</h2><ul class=quotes>")
        confident, doubtful = _split_confident(brief.quotes)
        for n, group in enumerate((confident, doubtful)):
            if n and group:
                out.append(f"</ul><details class=doubtful><summary>{len(group)} with an "
                           "uncertain speaker</summary><ul class=quotes>")
            for q in group:
                said = (f"“{esc(quotation(q.text))}”" if _is_direct(q)
                        else f"<i>({esc(_reported_label(q))}) "
                        f"{esc(reported_text(q.text, [q.speaker]))}</i>")
                rival = "".join(f" <small>({esc(name)} in {cite(ids)})</small>"
                                for name, ids in other_speakers(q))
                out.append(f"<li><b>{esc(speaker_label(q.speaker))}</b>{rival}: {said} "
                           f"<sup>{cite(_quote_sources(q))}</sup></li>")
        out.append("</ul></details>" if doubtful else "</ul>")
    if brief.entities:
        out.append("<h2>Who and what</h2><ul class=entities>")
        for e in brief.entities[:20]:
            variants = ", ".join(esc(v) for v in e.variants if v != e.name)
            extra = f" <small>also: {variants}</small>" if variants else ""
            out.append(f"<li>{esc(e.name)} <small>{esc(e.type)}</small>{extra} "
                       f"<sup>{cite(e.sources)}</sup></li>")
        out.append("</ul>")
    if brief.timeline:
        out.append("<h2>Timeline</h2>")
        out.append(timeline_svg(brief.timeline))
        out.append("<ul class=timeline>")
        for t in brief.timeline:
            out.append(f"<li><time>{esc(t.date)}</time> {esc(t.text)}{_dated_by(t, esc)} "
                       f"<sup>{cite(t.sources)}</sup></li>")
        out.append("</ul>")
    cov = brief.coverage
    if cov.discrepancies or cov.shared_passages or cov.unique:
        out.append("<h2>Coverage</h2>")
        for d in cov.discrepancies:
            claims = "".join(f"<li>{esc(c.text)} <sup>{cite(c.sources)}</sup></li>"
                             for c in d.claims)
            out.append(f"<p><b>{esc(d.kind or 'fact')}</b>: {esc(d.topic)}</p><ul>{claims}</ul>")
        for p in cov.shared_passages:
            out.append(f"<p>Shared passage <sup>{cite(p.sources)}</sup>: "
                       f"<q>{esc(p.text)}</q></p>")
        for u in cov.unique:
            items = "".join(f"<li>{esc(sent)}</li>" for sent in u.sentences)
            out.append(f"<p>Only <sup>{cite([u.source])}</sup> reports:</p><ul>{items}</ul>")
    return "\n".join(out)


def _day_number(value: str) -> int | None:
    """A partial ISO date (YYYY, YYYY-MM, YYYY-MM-DD) as a day count, at its first day."""
    import datetime as dt

    parts = value.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        return dt.date(year, month, day).toordinal()
    except (ValueError, IndexError):
        return None


def _dated_by(entry: TimelineEntry, escape) -> str:
    """The words that gave an entry its date (“last year”), as the web reader shows them: a
    sentence often names more than its own event, and the reader should see which phrase
    was read."""
    if not entry.expression or entry.expression.strip() == entry.date:
        return ""  # "2016" dated by "2016" says nothing more
    return f" (“{escape(entry.expression)}”)"


def timeline_svg(entries: Sequence[TimelineEntry], width: int = 760) -> str:
    """A horizontal axis with one dot per dated entry (hover shows what happened)."""
    points = [(d, e) for e in entries if (d := _day_number(e.date)) is not None]
    if not points:
        return ""
    lo, hi = min(d for d, _ in points), max(d for d, _ in points)
    span = max(hi - lo, 1)
    pad, height = 40, 90
    x = lambda d: pad + (width - 2 * pad) * (d - lo) / span  # noqa: E731
    parts = [f"<svg class=timeline-figure viewBox='0 0 {width} {height}' width='100%' "
             "role=img aria-label='Timeline of dated events (listed below)'>"
             f"<line x1={pad} y1=40 x2={width - pad} y2=40 stroke='#888'/>"]
    labelled: list[float] = []
    for d, e in points:
        cx = x(d)
        radius = 4 + min(len(e.sources), 4)
        parts.append(f"<circle cx='{cx:.1f}' cy=40 r={radius} fill='#1565c0' opacity=.75>"
                     f"<title>{html.escape(e.date)}: {_esc(e.text)}</title></circle>")
        if all(abs(cx - other) > 70 for other in labelled):
            labelled.append(cx)
            parts.append(f"<text x='{cx:.1f}' y=68 font-size=12 text-anchor=middle>"
                         f"{html.escape(e.date)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def render(brief: Brief, fmt: str, texts: Mapping[str, str] | None = None) -> str:
    """Dispatch on format name; ``texts`` (source id -> article text) lets HTML show sources."""
    if fmt == "json":
        return render_json(brief)
    if fmt == "jsonl":
        return render_json(brief, indent=None)
    if fmt == "markdown":
        return render_markdown(brief)
    if fmt == "html":
        return render_html(brief, texts)
    if fmt == "text":
        return render_text(brief)
    raise ValueError(f"unknown format {fmt!r}")
