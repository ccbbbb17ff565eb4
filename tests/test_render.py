from newsweave.models import (
    Brief,
    Claim,
    Coverage,
    Discrepancy,
    Origin,
    Quote,
    QuoteVariant,
    Source,
    StoryInfo,
    SummarySentence,
    TimelineEntry,
)
from newsweave.render import render, reported_text, timeline_svg

EVIL = "<img src=x onerror=alert(1)>"


def brief() -> Brief:
    text_a = f"Intro. The mayor {EVIL} said the levee failed. End."
    start = text_a.index("The mayor")
    end = text_a.index(" End.")
    return Brief(
        story=StoryInfo(id="s1", headline=f"Flood {EVIL}", first_published="2024-05-01",
                        last_published="2024-05-02"),
        sources=(Source(id="a", title="T <b>", outlet="AP", published="2024-05-01"),
                 Source(id="b", title=None, outlet=None, published="2024-05-02")),
        summary=(SummarySentence(text=text_a[start:end], citations=("a", "b"),
                                 origin=Origin("a", start, end),
                                 evidence=(Origin("a", start, end), Origin("b", 0, 9))),),
        quotes=(Quote(speaker="Mayor <x>", text="It failed", sources=(
            QuoteVariant(source="a", text="It failed", direct=True),)),),
        timeline=(TimelineEntry(date="2024-04", text="Rain began <now>", sources=("a",),
                                expression="in April <b>"),
                  TimelineEntry(date="2024-05-01", text="Levee failed", sources=("a", "b"))),
        coverage=Coverage(discrepancies=(Discrepancy(topic="dead <count>", kind="number", claims=(
            Claim(text="3 died", sources=("a",)), Claim(text="4 died", sources=("b",)))),)),
    ), {"a": text_a, "b": "Levee broke on Monday."}


def test_html_escapes_everything_and_links_evidence():
    b, texts = brief()
    page = render(b, "html", texts=texts)
    assert EVIL not in page and "T <b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<x>" not in page and "<now>" not in page and "<count>" not in page
    # both citations link to the sentence marked in each source
    assert "href='#s0-1'" in page and "href='#s0-2'" in page
    assert "<mark id='s0-1'>" in page and "<mark id='s0-2'>Levee bro</mark>" in page
    assert "<svg class=timeline-figure" in page
    assert "aria-label='Timeline of dated events (listed below)'" in page  # not "timeline"
    assert "(“in April &lt;b&gt;”)" in page  # the words that dated the entry, escaped


def texts_of(_b):
    return brief()[1]


def test_markdown_and_json_carry_all_sections():
    b, _ = brief()
    md = render(b, "markdown")
    for heading in ("## Summary", "## Who said what", "## Timeline", "## Coverage", "## Sources"):
        assert heading in md
    assert "[1][2]" in md
    assert "Rain began" in md and "“in April" in md
    import json

    data = json.loads(render(b, "json"))
    assert data["schema"] == "newsweave.brief/1"
    origin = data["summary"][0]["origin"]
    assert origin["source"] == "a"
    assert texts_of(b)["a"][origin["start"] : origin["end"]] == data["summary"][0]["text"]
    assert data["coverage"]["discrepancies"][0]["claims"][1]["sources"] == ["b"]
    assert "\n" not in render(b, "jsonl")


def test_timeline_svg_orders_points_by_date():
    svg = timeline_svg([TimelineEntry(date="2017", text="a", sources=("x",)),
                        TimelineEntry(date="2017-12-31", text="b", sources=("x",))])
    xs = [float(part.split("'")[1]) for part in svg.split("<circle cx=")[1:]]
    assert xs[0] < xs[1]
    assert timeline_svg([]) == ""


def test_who_said_what_cites_each_source_once_and_folds_doubtful_speakers():
    b, texts = brief()
    said = Quote(speaker="Mayor Lee", text="It failed", sources=(
        QuoteVariant(source="a", text="It failed"), QuoteVariant(source="a", text="failed"),
        QuoteVariant(source="b", text="It failed")), confidence=0.99)
    doubt = Quote(speaker=None, text="the levee was old", sources=(
        QuoteVariant(source="b", text="the levee was old", direct=False),),
        confidence=0.0, low_confidence=True)
    b = Brief(b.story, b.sources, b.summary, (said, doubt), b.entities, b.timeline, b.coverage)
    md = render(b, "markdown")
    assert "“It failed” [1][2]" in md and "[1][1]" not in md
    assert md.index("Mayor Lee") < md.index("*Speaker uncertain:*") < md.index("levee was old")
    page = render(b, "html", texts=texts)
    fold = page.index("<details class=doubtful>")
    assert page.index("Mayor Lee") < fold < page.index("the levee was old")
    body = page[page.index("Who said what"):fold]
    assert body.count("[1]</a>") == 1 and body.count("[2]</a>") == 1
    assert '"low_confidence": true' in render(b, "json")


def test_reported_statement_shown_without_its_joining_that():
    assert reported_text("that the meetings took place") == "the meetings took place"
    assert reported_text("That is false") == "That is false"  # a sentence's own "That"
    assert reported_text("that") == "that"
    b, texts = brief()
    spoke = Quote(speaker="Ann Lee", text="that the levee was old", sources=(
        QuoteVariant(source="a", text="that the levee was old", direct=False),
        QuoteVariant(source="a", text="old", direct=True)), confidence=0.9)
    b = Brief(b.story, b.sources, b.summary, (spoke,), b.entities, b.timeline, b.coverage)
    md = render(b, "markdown")
    # reported, though a piece of it is quoted: the variant shown decides
    assert "*(reported)* the levee was old" in md and "“that" not in md
    assert "<i>(reported) the levee was old</i>" in render(b, "html", texts=texts)
    assert '"text": "that the levee was old"' in render(b, "json")  # the contract keeps it


def test_a_quotation_is_shown_without_the_comma_that_joined_it_to_said():
    """“... It is false,” ended in the comma of '..., he said' in every format."""
    b, texts = brief()
    said = Quote(speaker="Ann Lee", text="It is false,", sources=(
        QuoteVariant(source="a", text="It is false,", direct=True),), confidence=0.9)
    b = Brief(b.story, b.sources, b.summary, (said,), b.entities, b.timeline, b.coverage)
    assert "\u201cIt is false\u201d" in render(b, "markdown")
    assert "\u201cIt is false\u201d" in render(b, "text")
    assert "\u201cIt is false\u201d" in render(b, "html", texts=texts)
    assert '"text": "It is false,"' in render(b, "json")  # the contract keeps the span


def test_a_stance_is_shown_with_its_cue_not_as_reported_speech():
    """"Brussels did not want a trade war" was listed as "Brussels: (reported) a trade war",
    the opposite of what was said: a stance shows its cue ("did not want")."""
    b, texts = brief()
    stance = Quote(speaker="Brussels", text="a trade war", sources=(
        QuoteVariant(source="a", text="a trade war", direct=False, cue="did not want",
                     stance=True),), confidence=0.9)
    b = Brief(b.story, b.sources, b.summary, (stance,), b.entities, b.timeline, b.coverage)
    assert "**Brussels**: *(did not want)* a trade war" in render(b, "markdown")
    assert "(did not want) a trade war" in render(b, "text")
    assert "<i>(did not want) a trade war</i>" in render(b, "html", texts=texts)
    assert '"stance": true' in render(b, "json")
    plain = Brief(b.story, b.sources, b.summary, (Quote("Ann Lee", "it rained", (
        QuoteVariant(source="a", text="it rained", direct=False, cue="said"),)),),
        b.entities, b.timeline, b.coverage)
    assert "stance" not in render(plain, "json")  # written only when set


def test_reported_free_relative_not_shown_with_its_speaker_twice():
    text = "what US intelligence officials say was a Russian cyber campaign to upend the race"
    assert reported_text(text, ["US intelligence officials"]) == (
        "\u2026was a Russian cyber campaign to upend the race")
    assert reported_text(text, ["Jeff Sessions", None]) == text  # another speaker: as written
    assert reported_text("what he says was false", ["he"]) == "what he says was false"  # short
    told = "what officials told reporters was a cyber campaign on the race"
    assert reported_text(told, ["officials"]) == told  # "told" is not the whole verb phrase
    b, texts = brief()
    spoke = Quote(speaker="US intelligence officials", text=text, sources=(
        QuoteVariant(source="a", text=text, direct=False),), confidence=0.9)
    b = Brief(b.story, b.sources, b.summary, (spoke,), b.entities, b.timeline, b.coverage)
    assert "*(reported)* \u2026was a Russian" in render(b, "markdown")
    assert "<i>(reported) \u2026was a Russian" in render(b, "html", texts=texts)
    assert f'"text": "{text}"' in render(b, "json")  # the contract keeps the span


def test_archive_marks_are_typeset_for_a_reader_but_kept_in_json():
    import json

    text = "He said ``the levee held.'' Then"
    b = Brief(
        story=StoryInfo(id="s1", headline="Flood"),
        sources=(Source(id="a", title="T", outlet="AP", published=None),),
        summary=(SummarySentence(text=text, citations=("a",), origin=Origin("a", 0, len(text))),),
        quotes=(Quote(speaker="Mayor", text="''It held,'' he said", sources=(
            QuoteVariant(source="a", text="''It held,'' he said", direct=True),)),),
    )
    for fmt in ("markdown", "html", "text"):
        page = render(b, fmt, texts={"a": text})
        assert "\u201cthe levee held.\u201d" in page, fmt
        assert "\u201cIt held,\u201d" in page, fmt
    assert json.loads(render(b, "json"))["summary"][0]["text"] == text


def test_source_count_reads_as_english():
    b, _ = brief()
    assert "*2 sources, " in render(b, "markdown")
    one = Brief(b.story, b.sources[:1], (), (), b.entities, (), Coverage())
    for fmt in ("markdown", "text", "html"):
        page = render(one, fmt)
        assert "1 source" in page and "1 sources" not in page


def test_empty_summary_says_what_a_summary_can_lift():
    b, _ = brief()
    empty = Brief(b.story, b.sources, (), b.quotes, b.entities, b.timeline, b.coverage)
    for fmt in ("markdown", "text"):
        page = " ".join(render(empty, fmt).split())  # the terminal wraps long lines
        assert "whole sentences of 8 to 55 words that fit its word budget" in page


def test_text_brief_has_no_trailing_spaces():
    """rich pads every line to the width; in a file or a pipe that was trailing spaces."""
    b, _ = brief()
    text = render(b, "text")
    assert text.strip() and not [line for line in text.splitlines() if line.endswith(" ")]


def test_html_brief_shows_no_direction_override_from_an_article():
    """html.escape leaves U+202E alone: a headline holding one read backwards after it."""
    b, texts = brief()
    b = Brief(StoryInfo(id="s1", headline="Dam \u202eholds"), b.sources, b.summary, b.quotes,
              b.entities, b.timeline, b.coverage)
    page = render(b, "html", texts=texts)
    assert "\u202e" not in page and "Dam holds" in page


def test_sources_that_would_read_the_same_are_told_apart_by_id():
    """Thirteen undated, untitled reports of one outlet were thirteen "WikiNews" lines."""
    b, _ = brief()
    same = tuple(Source(id=f"w{i}", title=None, outlet="WikiNews", published=None)
                 for i in range(3))
    b = Brief(b.story, (*b.sources, *same), b.summary, b.quotes, b.entities, b.timeline,
              b.coverage)
    md = render(b, "markdown")
    assert all(f"{i + 3}. WikiNews (w{i})\n" in md for i in range(3))
    assert "2. b — 2024-05-02\n" in md  # told apart already: as it was
    assert "WikiNews (w1)" in render(b, "html")


def test_text_brief_shows_no_direction_override_either():
    b, _ = brief()
    b = Brief(StoryInfo(id="s1", headline="Dam \u202eholds"), b.sources, b.summary, b.quotes,
              b.entities, b.timeline, b.coverage)
    assert "\u202e" not in render(b, "text") and "Dam holds" in render(b, "text")


def test_html_brief_source_text_shows_no_direction_override_and_marks_hold():
    """The article text under each source had kept U+202E, so everything after it (the
    cited sentences too) read backwards; the marks still wrap the same words."""
    b, texts = brief()
    texts = {"a": texts["a"].replace(" End.", " \u202eEnd."), "b": "Levee\u202e broke."}
    page = render(b, "html", texts=texts)
    assert "\u202e" not in page
    assert "<mark id='s0-1'>The mayor &lt;img" in page and "<mark id='s0-2'>Levee br</mark>" in page
    assert "the levee failed.</mark> End." in page
    assert "<main>" in page and "</main></body>" in page


def test_html_brief_links_are_valid_addresses_and_files_are_named_without_folders():
    """A URL holding a raw quote or angle bracket is percent-encoded (escaped, it was safe
    but no valid address); a source known only by its file is named by the file's name,
    not the reader's folders."""
    b, texts = brief()
    evil = Source(id="c", title=None, outlet=None, published=None,
                  url='https://example.com/a?x="><script>', path="/home/ana/news/in/c.txt")
    b = Brief(b.story, (*b.sources, evil), b.summary, b.quotes, b.entities, b.timeline,
              b.coverage)
    page = render(b, "html", texts=texts)
    assert "href='https://example.com/a?x=%22%3E%3Cscript%3E'" in page
    assert "/home/ana" not in page and "[3] c.txt" in page
    assert "3. c.txt" in render(b, "markdown")


def test_html_brief_shows_what_only_one_outlet_reports():
    """The standalone page had the "Coverage" heading and nothing under it when a story's
    only coverage finding was what one outlet alone reports (Markdown and JSON had it)."""
    from newsweave.models import UniqueFacts

    b, texts = brief()
    only = Coverage(unique=(UniqueFacts(source="b", sentences=("Levee <broke> on Monday.",)),))
    b = Brief(b.story, b.sources, b.summary, b.quotes, b.entities, b.timeline, only)
    page = render(b, "html", texts=texts)
    assert "Only <sup><a href='#src-2'>[2]</a></sup> reports:" in page
    assert "<li>Levee &lt;broke&gt; on Monday.</li>" in page


def test_an_outlet_naming_another_speaker_is_shown_beside_the_speaker():
    from dataclasses import replace

    from newsweave.models import Quote, QuoteVariant
    from newsweave.render import other_speakers

    quote = Quote(speaker="Mike Johnston", text="No new taxes, period", sources=(
        QuoteVariant("a", "No new taxes, period", speaker_as_written="Mayor Mike Johnston"),
        QuoteVariant("b", "No new taxes, period", speaker_as_written="Justin Lopez"),
        QuoteVariant("c", "No new taxes, period", speaker_as_written="a city official"),
        QuoteVariant("d", "No new taxes, period", speaker_as_written="Johnston"),
        QuoteVariant("b", "period", speaker_as_written="Justin Lopez"),
    ))
    assert other_speakers(quote) == [("Justin Lopez", ["b"])]
    assert other_speakers(replace(quote, speaker=None)) == []


def test_a_description_opening_a_list_entry_is_capitalised():
    """"the Massachusetts Nurses Association" and "The Massachusetts Nurses Association"
    read as two speakers; a name keeps its own case."""
    from newsweave.render import speaker_label

    assert speaker_label("the Massachusetts Nurses Association") == (
        "The Massachusetts Nurses Association")
    assert speaker_label("a senior administration official") == (
        "A senior administration official")
    assert speaker_label("de Boer") == "de Boer" and speaker_label(None) == "unattributed"
    assert speaker_label("theater critics") == "theater critics"
