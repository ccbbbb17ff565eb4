"""Time expressions and the timeline: each resolver on hand-made cases, then the example."""

from __future__ import annotations

from datetime import date

import pytest

from newsweave.models import Article, Document
from newsweave.timeline import (
    build_timeline,
    clause_depth,
    date_sort_key,
    dateline_length,
    extract_timexes,
    in_side_phrase,
    main_dates,
    resolve_ago,
    resolve_day_month,
    resolve_month,
    resolve_relative_unit,
    resolve_weekday,
    update_paragraphs,
)

THURSDAY = date(2017, 3, 2)

SMALL = {
    "a": (
        "2017-03-02",
        "Pelosi on Wednesday called for him to resign. The speech on Tuesday night was praised. "
        "Flynn was fired last month. The senator spoke twice last year with the ambassador. "
        "They met in September in his office. He testified on 10 January before the committee. "
        "The hearing took place in early 2017. The vote will take place on Friday. "
        "He served for two years and is 70 years old. "
        "Officials met on Jan. 10, 2017 and again on March 5. The deal was signed in July 2016. "
        "The report was dated 2017-02-14.",
    ),
    "b": (
        "2017-01-05",
        "The talks began in December. Prices rose last month. "
        "The law passed in 2015, officials said.",
    ),
    "c": (
        None,
        "The ceasefire began on Monday. Both sides said it held. It was agreed on 4 March 2016.",
    ),
    "f": (
        None,
        "Thursday, April 5, 2007\n\nThe sailors arrived home on Wednesday after their capture "
        "on March 23.",
    ),
    "g": (
        "2017-03-02",
        "The new car goes on sale in early April. Pelosi says on Wednesday that he must go. "
        "Crowds rehearsed for the planned Oct. 1 parade. He said he would visit on Saturday. "
        "The minister was expected in Ankara on Monday. He told reporters Thursday he'd stay. "
        "Fans camp out for the May 19 opening. Ms. August waved. "
        "Stores will sell the toys starting March 20. Leaders prepared to meet Friday. "
        "The bill must pass by midnight Saturday. Friday's statement is clear.",
    ),
    "d": (
        "2017-03-02",
        "WASHINGTON (Reuters) - Senator Jeff Sessions met the Russian ambassador in September in "
        "his office. Large protests were held in 2015 across the state.",
    ),
    "h": (
        "2017-03-02",
        "Pelosi on Wednesday called for him to resign following a report that he did not "
        "disclose two conversations last year. "
        "He met the ambassador twice, in July at the convention, and in September in his "
        "office.",
    ),
    "s": (
        "2017-03-02",
        "The council voted to impose the limits, which take effect on June 15. "
        "Council leader Alan Brooks, who was first elected in 2016, said the delay was needed. "
        "Households must cut their use after the board approved the limits on Monday. "
        "Ward has rarely spoken since leaving the cabinet in 2013. "
        "Stocks fell sharply after Monday's vote in the Senate. "
        "The conversation that took place in September was private. "
        "Fines of up to $500 will begin in July, the board said. "
        "The talks ended on Friday, Feb. 24, without a deal. "
        "Prices have doubled since 2015 across the region.",
    ),
    "n": (
        "2024-01-02",
        "Crews restored power to 1950 homes overnight. The utility hired 2000 extra line "
        "workers. Turnout was the lowest since the 2016 elections. Prices fell in 1999.",
    ),
    "e": (
        "2017-03-03",
        "New York [USA], Mar. 3 (ANI): Jeff Sessions met the Russian ambassador in his Senate "
        "office in September. The president spoke on Thursday about the economy.",
    ),
}


@pytest.fixture(scope="session")
def small_documents():
    """The hand-written articles above, analysed once (real spaCy and MiniLM)."""
    from newsweave.analyze import analyze

    articles = [Article(id=k, text=text, published=pub) for k, (pub, text) in SMALL.items()]
    return {d.article.id: d for d in analyze(articles)}


def values(document) -> list[tuple[str, str]]:
    return [(t.text, t.value) for t in extract_timexes(document)]


# --------------------------------------------------------------------------- pure resolvers
@pytest.mark.parametrize(
    ("weekday", "expected"),
    [
        ("Monday", date(2017, 2, 27)),
        ("Tuesday", date(2017, 2, 28)),
        ("Wednesday", date(2017, 3, 1)),
        ("Thursday", date(2017, 3, 2)),  # the publication day itself (AP style)
        ("Friday", date(2017, 2, 24)),
        ("Saturday", date(2017, 2, 25)),
        ("sunday", date(2017, 2, 26)),
    ],
)
def test_weekday_is_the_most_recent_one_up_to_publication(weekday, expected):
    assert resolve_weekday(weekday, THURSDAY) == expected


def test_weekday_in_the_future_tense_points_forward():
    assert resolve_weekday("Friday", THURSDAY, future=True) == date(2017, 3, 3)
    assert resolve_weekday("Thursday", THURSDAY, future=True) == THURSDAY
    assert resolve_weekday("Wednesday", THURSDAY, future=True) == date(2017, 3, 8)


@pytest.mark.parametrize(
    ("month", "published", "expected"),
    [
        (9, THURSDAY, (2016, 9)),  # after the publication month: last year's
        (2, THURSDAY, (2017, 2)),  # before it: this year's
        (3, THURSDAY, (2017, 3)),  # the publication month itself
        (12, date(2017, 1, 5), (2016, 12)),  # year rollover
    ],
)
def test_month_is_the_most_recent_past_one(month, published, expected):
    assert resolve_month(month, published) == expected


def test_month_in_the_future_tense():
    assert resolve_month(2, THURSDAY, future=True) == (2018, 2)
    assert resolve_month(9, THURSDAY, future=True) == (2017, 9)


def test_relative_units():
    assert resolve_relative_unit("last", "month", THURSDAY) == "2017-02"
    assert resolve_relative_unit("last", "month", date(2017, 1, 15)) == "2016-12"
    assert resolve_relative_unit("last", "year", THURSDAY) == "2016"
    assert resolve_relative_unit("this", "year", THURSDAY) == "2017"
    assert resolve_relative_unit("next", "month", date(2016, 12, 3)) == "2017-01"
    # a week keeps only the precision it has: its month, else its year, else nothing
    assert resolve_relative_unit("last", "week", THURSDAY) == "2017-02"
    assert resolve_relative_unit("last", "week", date(2017, 3, 8)) == "2017"
    assert resolve_relative_unit("last", "week", date(2017, 1, 4)) == ""


def test_day_and_month_without_year():
    assert resolve_day_month(10, 1, THURSDAY) == date(2017, 1, 10)
    assert resolve_day_month(2, 3, THURSDAY) == THURSDAY
    assert resolve_day_month(5, 3, THURSDAY) == date(2016, 3, 5)
    assert resolve_day_month(5, 3, THURSDAY, future=True) == date(2017, 3, 5)
    assert resolve_day_month(20, 12, date(2017, 1, 5)) == date(2016, 12, 20)
    assert resolve_day_month(29, 2, date(2017, 3, 2)) == date(2016, 2, 29)
    assert resolve_day_month(29, 2, date(2017, 1, 2), future=True) == date(2020, 2, 29)
    assert resolve_day_month(31, 4, THURSDAY) is None


def test_ago():
    assert resolve_ago(3, "day", THURSDAY) == "2017-02-27"
    assert resolve_ago(2, "month", THURSDAY) == "2017-01"
    assert resolve_ago(2, "year", THURSDAY) == "2015"


def test_date_sort_key_orders_by_earliest_day_then_precision():
    dates = ["2016-07", "2016-01-01", "2016", "2015-12", "2016-01"]
    assert sorted(dates, key=date_sort_key) == [
        "2015-12",
        "2016",
        "2016-01",
        "2016-01-01",
        "2016-07",
    ]


@pytest.mark.parametrize(
    ("sentence", "dateline"),
    [
        ("WASHINGTON: US Attorney General", "WASHINGTON: "),
        ("New York [USA], Mar. 3 (ANI): U.S. President", "New York [USA], Mar. 3 (ANI): "),
        ("LONDON, March 3 (Reuters) - The bank", "LONDON, March 3 (Reuters) - "),
        ("Trump: I have total confidence", ""),
        ("Sessions met the ambassador", ""),
    ],
)
def test_dateline_length(sentence, dateline):
    assert sentence[: dateline_length(sentence)] == dateline


# --------------------------------------------------------------------------- extraction
def test_extract_resolves_every_kind(small_documents):
    assert values(small_documents["a"]) == [
        ("Wednesday", "2017-03-01"),
        ("Tuesday night", "2017-02-28"),
        ("last month", "2017-02"),
        ("last year", "2016"),
        ("September", "2016-09"),
        ("10 January", "2017-01-10"),
        ("early 2017", "2017"),
        ("Friday", "2017-03-03"),  # "will take place": forward
        ("Jan. 10, 2017", "2017-01-10"),
        ("March 5", "2016-03-05"),
        ("July 2016", "2016-07"),
        ("2017-02-14", "2017-02-14"),
    ]  # "two years" (a duration) and "70 years old" (an age) are not times


def test_extract_offsets_and_sentences(small_documents):
    document = small_documents["a"]
    for timex in extract_timexes(document):
        assert document.article.text[timex.start : timex.end] == timex.text
        sentence = document.sentences[timex.sentence]
        assert sentence.start <= timex.start < sentence.end


def test_extract_year_rollover_and_bare_years(small_documents):
    assert values(small_documents["b"]) == [
        ("December", "2016-12"),
        ("last month", "2016-12"),
        ("2015", "2015"),
    ]


def test_a_number_counting_things_is_no_year(small_documents):
    # "1950 homes", "2000 extra line workers": counts (spaCy tags both DATE); "the 2016
    # elections" and "in 1999" stay years
    assert values(small_documents["n"]) == [("2016", "2016"), ("1999", "1999")]


def test_undated_article_keeps_only_absolute_dates(small_documents):
    assert values(small_documents["c"]) == [("4 March 2016", "2016-03-04")]


def test_undated_article_is_anchored_on_a_full_date_in_its_opening(small_documents):
    assert values(small_documents["f"]) == [
        ("Thursday, April 5, 2007", "2007-04-05"),
        ("Wednesday", "2007-04-04"),
        ("March 23", "2007-03-23"),
    ]


def test_tense_sets_the_direction(small_documents):
    assert values(small_documents["g"]) == [
        ("early April", "2017-04"),  # present tense: upcoming
        ("Wednesday", "2017-03-01"),  # a present reporting verb still reports the past
        ("Oct. 1", "2017-10-01"),  # "the planned ..."
        ("Saturday", "2017-03-04"),  # "would visit"
        ("Monday", "2017-03-06"),  # "was expected"
        ("Thursday", "2017-03-02"),  # "he'd" belongs to the reported clause, not to "told"
        ("May 19", "2017-05-19"),  # a date naming a noun: the nearer reading
        ("March 20", "2017-03-20"),  # the gerund takes the tense of "will sell"
        ("Friday", "2017-03-03"),  # an infinitive of intent lies ahead
        ("Saturday", "2017-03-04"),  # "must pass"
        ("Friday", "2017-02-24"),  # a weekday naming a noun looks back
    ]  # "Ms. August" is a name


def test_what_a_vote_decides_lies_ahead():
    """"voted on Wednesday to raise fares starting July 1" in a June 6 report: the vote is
    past, the rise ahead (it was dated July 1 of the year before)."""
    from newsweave.analyze import analyze

    (document,) = analyze([Article(id="v", published="2024-06-06", text=(
        "The regional transit authority voted on Wednesday to raise bus and subway fares by "
        "25 cents starting July 1, the first increase in five years."))])
    assert values(document) == [("Wednesday", "2024-06-05"), ("July 1", "2024-07-01")]


# --------------------------------------------------------------------------- timeline
def test_timeline_merges_sources_orders_and_skips_stamps(small_documents):
    timeline = build_timeline([small_documents["d"], small_documents["e"]])
    assert [(e.date, e.sources) for e in timeline] == [
        ("2015", ("d",)),
        ("2016-09", ("d", "e")),
        ("2017-03-02", ("e",)),  # "Thursday" in a Friday story; the "Mar. 3" stamp is skipped
    ]
    september = timeline[1]
    assert september.text.startswith("Senator Jeff Sessions met")  # dateline trimmed
    assert september.expression == "September"
    assert timeline[2].text.startswith("The president spoke on Thursday")


def test_timeline_keeps_distinct_events_of_one_date_apart(small_documents):
    timeline = build_timeline([small_documents["a"]])
    dates = [e.date for e in timeline]
    assert dates == sorted(dates, key=date_sort_key)
    jan10 = [e for e in timeline if e.date == "2017-01-10"]
    assert len(jan10) == 2  # the testimony and the officials' meeting are two events


def test_a_date_in_a_side_clause_does_not_date_the_sentence(small_documents):
    document = small_documents["h"]
    depths = {t.text: clause_depth(document.doc, t.start, t.end) for t in document.timexes}
    assert depths["Wednesday"] < depths["last year"]
    timeline = build_timeline([document])
    by_date = {e.date: e.text for e in timeline}
    # Pelosi's call is Wednesday's event; "last year" dates the conversations, not the call
    assert by_date["2017-03-01"].startswith("Pelosi on Wednesday")
    assert "2016" not in by_date
    # two dates joined in the main clause both date it
    assert by_date["2016-07"].startswith("He met the ambassador twice")
    assert by_date["2016-09"].startswith("He met the ambassador twice")


def test_a_lone_date_in_an_aside_or_a_before_after_phrase_dates_no_event(small_documents):
    document = small_documents["s"]
    side = {t.text for t in document.timexes
            if in_side_phrase(document.doc, t.start, t.end)}
    # a set-off relative clause; a phrase placing another event before or after ("after the
    # board approved ... on Monday", "after Monday's vote", "since leaving ... in 2013"); the
    # bound of a span ("doubled since 2015" is no 2015 event)
    assert side == {"June 15", "2016", "Monday", "2013", "2015"}
    timeline = build_timeline([document])
    assert [e.date for e in timeline] == ["2016-09", "2017-02-24", "2017-07"]
    # kept: a restrictive clause telling the event itself, a date standing beside another
    # ("Friday, Feb. 24"), a future event
    texts = " ".join(e.text for e in timeline)
    assert "voted" not in texts and "Brooks" not in texts and "Stocks" not in texts
    assert in_side_phrase(None, 0, 4) is False


def test_one_days_event_told_two_ways_with_one_figure_is_one_entry():
    """Two outlets' "postponed a vote on a $48 million plan" and "put off its vote on the $48
    million repair plan" (cosine 0.60, one name in common) were two entries of one day."""
    from newsweave.analyze import analyze

    docs = analyze([
        Article(id="a", published="2024-03-06", text=(
            "The Riverton City Council on Tuesday postponed a vote on a $48 million plan to "
            "repair the Harbor Bridge, saying engineers needed more time.")),
        Article(id="b", published="2024-03-06", text=(
            "The City Council put off its vote on the $48 million repair plan on Tuesday, a "
            "decision that drew boos from residents.")),
        Article(id="c", published="2024-03-06", text=(
            "The council on Tuesday approved a $12 million budget for school repairs across "
            "the county, officials said.")),
    ])
    tuesday = [e.sources for e in build_timeline(docs) if e.date == "2024-03-05"]
    assert sorted(tuesday) == [("a", "b"), ("c",)]  # another figure: another event


def test_the_end_of_a_span_is_no_event():
    """"Roads will stay closed until Saturday" was listed as a Saturday event."""
    from newsweave.analyze import analyze

    (doc,) = analyze([Article(id="u", published="2024-03-14", text=(
        "Roads in the valley will stay closed until Saturday, officials said. The shelter "
        "opened on Wednesday."))])
    assert [(e.date, e.expression) for e in build_timeline([doc])] == [
        ("2024-03-13", "Wednesday")]


def test_main_dates_keeps_everything_without_a_parse(small_documents):
    parsed = small_documents["h"]
    bare = Document(article=parsed.article, sentences=parsed.sentences,
                    timexes=parsed.timexes, doc=None)
    assert main_dates(bare, bare.timexes) == list(bare.timexes)
    assert len(main_dates(parsed, parsed.timexes)) == len(parsed.timexes) - 1


def test_example_timeline(example_documents):
    timeline = build_timeline(example_documents)
    by_date: dict[str, list[str]] = {}
    for entry in timeline:
        by_date.setdefault(entry.date, []).append(entry.text)
    assert [e.date for e in timeline] == sorted((e.date for e in timeline), key=date_sort_key)
    assert any("July" in t and "Republican convention" in t for t in by_date["2016-07"])
    assert any("September" in t for t in by_date["2016-09"])
    assert any("10 January testimony" in t for t in by_date["2017-01-10"])
    assert any("Tuesday night" in t for t in by_date["2017-02-28"])
    assert any("Pelosi on Wednesday" in t for t in by_date["2017-03-01"])
    assert any('"total" confidence' in t for t in by_date["2017-03-02"])
    assert any("according to AP on Thursday" in t for t in by_date["2017-03-02"])
    assert any(t.startswith('"Last year, the senator had') for t in by_date["2016"])
    # Pelosi's call is listed on Wednesday only, not under the "last year" of its side clause;
    # nor are today's calls to recuse, dated only inside "after ... the 2016 campaign season"
    # or "after a ... report that ... he spoke twice last year"
    assert not any("Pelosi on Wednesday" in t for t in by_date["2016"])
    assert not any("campaign season" in t or "This comes after" in t for t in by_date["2016"])
    assert any("Flynn" in t and "last month" in t for t in by_date["2017-02"])
    assert any("early 2017" in t for t in by_date["2017"])
    ids = [d.article.id for d in example_documents]
    september = next(e for e in timeline if e.date == "2016-09")
    assert set(september.sources) == {ids[1], ids[2]}  # one meeting, told by two outlets
    early = next(e for e in timeline if e.date == "2017")
    assert set(early.sources) == {ids[0], ids[2]}  # the copied paragraph
    assert not any(e.text.startswith(("WASHINGTON", "New York [USA]")) for e in timeline)
    assert "2017-03-03" not in by_date  # the ANI dateline stamp is not an event


def test_nothing_to_date():
    empty = Document(article=Article(id="x", text="", published="2017-03-02"), sentences=())
    assert extract_timexes(empty) == ()
    assert build_timeline([empty]) == ()


def test_a_page_notice_is_no_event_and_names_no_one():
    """A copyright line carries a year; a call to follow the site names a network: neither
    belongs to the story's timeline or its people."""
    from newsweave.analyze import analyze
    from newsweave.entities import resolve_entities
    from newsweave.timeline import build_timeline

    text = ("The council approved the flood barrier on Tuesday after a long debate, the mayor "
            "said.\n\nFollow us on Twitter @planetnews for the latest updates.\n\n"
            "© 2016 Thomson Reuters. All rights reserved.")
    (doc,) = analyze([Article(id="a", text=text, published="2017-03-02")])
    timeline = build_timeline([doc])
    assert [e.date for e in timeline] == ["2017-02-28"]
    names = {e.name for e in resolve_entities([doc])[0]}
    assert not names & {"Twitter", "Thomson Reuters"}


def test_an_update_paragraph_is_dated_from_the_update():
    # a Thursday story updated on Friday: "Friday" in the marked paragraph is the update's day,
    # not the Friday a week before publication; the rest still reads from publication
    from newsweave.analyze import analyze

    text = (
        "The council put off its vote on Tuesday.\n"
        "UPDATE, Friday morning: The mayor said Friday that the bridge will close.\n"
        "Officials said on Friday last week that cracks had grown."
    )
    [document] = analyze([Article(id="u", text=text, published="2024-03-07",
                                  updated="2024-03-08T09:15:00")])
    assert values(document) == [
        ("Tuesday", "2024-03-05"),
        ("Friday morning", "2024-03-08"),
        ("Friday", "2024-03-08"),
        ("Friday", "2024-03-01"),
        ("last week", "2024"),
    ]
    assert update_paragraphs("Updated figures show a rise.\nUpdate (9:15): more.") == [(29, 49)]
