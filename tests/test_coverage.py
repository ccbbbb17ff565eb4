"""Coverage: shared passages, unique facts and discrepancies, on the founding example and on
small hand-written cases (positive and negative for every detector)."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import pytest

from newsweave.coverage import (
    DEFAULT_COVERAGE,
    absolute_date,
    aligned_runs,
    build_coverage,
    find_attribution_discrepancies,
    find_discrepancies,
    find_shared_passages,
    find_spelling_discrepancies,
    find_unique,
    hands_over,
    is_trivial,
    number_value,
    speaker_key,
    speakers_differ,
    spelling_variant,
    word_tokens,
)
from newsweave.entities import resolve_entities
from newsweave.models import Article, Coverage, Entity, Quote, QuoteMention, QuoteVariant

COPIED = (
    "Sessions, a former senator from Alabama who was among Trump’s early and most vocal "
    "surrogates on the campaign trail, did not disclose the conversations"
)


def _analyze(*texts: str, dates: tuple[str, ...] | None = None):
    from newsweave.analyze import analyze

    dates = dates or tuple(f"2020-01-0{i + 1}" for i in range(len(texts)))
    return analyze(
        [
            Article(id=f"s{i}", text=t, published=d)
            for i, (t, d) in enumerate(zip(texts, dates, strict=True))
        ]
    )


def _kinds(discrepancies) -> list[str | None]:
    return [d.kind for d in discrepancies]


# --------------------------------------------------------------------------- the example
@pytest.fixture(scope="session")
def example_ids(example_documents):
    """Article ids by file order: 000 (Guardian), 002 (Washington), 004 (ANI)."""
    return [d.article.id for d in example_documents]


@pytest.fixture(scope="session")
def example_coverage(example_documents):
    return build_coverage(example_documents)


def test_example_copied_paragraph_is_one_shared_passage(example_coverage, example_ids):
    g, _, ani = example_ids
    passages = [p for p in example_coverage.shared_passages if "Senate confirmation" in p.text]
    assert len(passages) == 1
    passage = passages[0]
    assert passage.sources == (g, ani)  # earliest published first
    # as the earliest source writes it (curly apostrophes), across the "under oath" insertion
    assert passage.text.startswith(COPIED)
    assert passage.text.endswith("between Trump’s campaign and Moscow")
    spans = {o.source: o for o in passage.spans}
    assert set(spans) == {g, ani}


def test_example_spans_point_at_the_passage(example_documents, example_coverage):
    texts = {d.article.id: d.article.text for d in example_documents}
    for passage in example_coverage.shared_passages:
        for origin in passage.spans:
            piece = texts[origin.source][origin.start : origin.end]
            assert piece.startswith("Sessions, a former senator from Alabama")
            assert piece.endswith("Moscow")


def test_example_quotes_both_outlets_carry_are_not_copying(example_coverage):
    # "This is the latest attack ..." and "I never met with any Russian officials ..." are
    # quoted by several outlets: the quote ledger shows them, not shared passages
    for passage in example_coverage.shared_passages:
        assert "latest attack" not in passage.text
        assert "I never met" not in passage.text


def test_example_flynn_resigned_vs_fired(example_coverage, example_ids):
    g, wash, ani = example_ids
    flynn = [d for d in example_coverage.discrepancies if "Flynn" in d.topic]
    assert len(flynn) == 1
    d = flynn[0]
    assert d.kind == "fact"
    by_source = {c.sources: c.text for c in d.claims}
    assert by_source[(g,)] == (
        "former national security adviser Michael Flynn resigned for arguably similar reasons"
    )
    assert "was fired" in by_source[(wash,)]
    assert "to resign" in by_source[(ani,)]
    for claim in d.claims:
        assert "Flynn" in claim.text
        (origin,) = claim.spans
        assert origin.source == claim.sources[0]


def test_example_kislyak_spellings(example_coverage, example_ids):
    g, wash, ani = example_ids
    spelling = [d for d in example_coverage.discrepancies if d.kind == "spelling"]
    assert [d.topic for d in spelling] == ["Spelling of Kislyak"]
    claims = {c.text: c.sources for c in spelling[0].claims}
    assert claims == {"Sergey Kislyak": (g, ani), "Sergei Kislyak": (wash,)}


def test_example_has_no_other_discrepancies(example_coverage):
    # conservative: nothing else in the three articles is told two ways by the cues (the
    # analyzers fill quotes and timexes, so attribution, number and date cues all ran)
    assert _kinds(example_coverage.discrepancies) == ["fact", "attribution", "spelling"]


def _mention(text: str, quote: str, speaker: str | None) -> QuoteMention:
    start = text.index(quote)
    s_start = text.index(speaker) if speaker else None
    return QuoteMention(
        start=start,
        end=start + len(quote),
        text=quote,
        speaker=speaker,
        direct=True,
        speaker_start=s_start,
        speaker_end=s_start + len(speaker) if speaker else None,
    )


def test_example_latest_attack_has_two_attributions(example_documents, example_ids):
    g, _, ani = example_ids
    docs = [dataclasses.replace(d, quotes=()) for d in example_documents]  # fixture untouched
    attack = {
        0: (
            "This is the latest attack against the Trump administration by partisan Democrats",
            "a senior administration official",
        ),
        2: (
            "This is the latest attack against the Trump Administration by partisan Democrats",
            "A White House official",
        ),
    }
    for i, (quote, speaker) in attack.items():
        mention = _mention(docs[i].article.text, quote, speaker)
        docs[i] = dataclasses.replace(docs[i], quotes=(mention,))
    found = find_attribution_discrepancies(docs)
    assert len(found) == 1
    d = found[0]
    assert d.kind == "attribution" and d.topic.startswith("Who said: “This is the latest attack")
    assert [c.sources for c in d.claims] == [(g,), (ani,)]
    assert "a senior administration official said" in d.claims[0].text
    assert "A White House official said" in d.claims[1].text


def test_example_attribution_with_the_quotes_analyzer(example_documents, example_ids):
    assert any(d.quotes for d in example_documents)  # analyze() ran the quotes analyzer
    found = find_discrepancies(example_documents)
    attack = [d for d in found if d.kind == "attribution" and "latest attack" in d.topic]
    assert len(attack) == 1
    assert {s for c in attack[0].claims for s in c.sources} == {example_ids[0], example_ids[2]}
    # no other statement is attributed two ways ("he said" resolved by the analyzer is skipped)
    assert len([d for d in found if d.kind == "attribution"]) == 1


def test_example_unique_facts(example_documents, example_coverage, example_ids):
    unique = {u.source: u.sentences for u in example_coverage.unique}
    assert set(unique) == set(example_ids)
    texts = {d.article.id: d.article.text for d in example_documents}
    for source, sentences in unique.items():
        assert 1 <= len(sentences) <= 5
        positions = [texts[source].index(s) for s in sentences]
        assert positions == sorted(positions)  # article order
        for s in sentences:
            assert "former senator from Alabama" not in s  # carried by two outlets
            assert not is_trivial(s)
    assert any("one of Russia's top spies" in s for s in unique[example_ids[2]])


def test_example_coverage_matches_the_contract(example_coverage):
    import jsonschema

    schema = json.loads(
        (resources.files("newsweave") / "data" / "brief.schema.json").read_text(encoding="utf-8")
    )
    sub = schema["properties"]["coverage"]
    jsonschema.validate(json.loads(json.dumps(dataclasses.asdict(example_coverage))), sub)


# --------------------------------------------------------------------------- shared passages
LONG = (
    "The regional council approved a plan on Tuesday to rebuild the flooded river embankment "
    "with reinforced concrete walls and a new pumping station near the old mill."
)


def test_no_shared_passage_across_the_sides_of_a_discrepancy():
    """Two outlets' near-identical sentences "closed on March 11" / "on March 10" were shown
    as one shared passage in the first's words, beside the date discrepancy they make."""
    from newsweave.coverage import build_coverage

    docs = _analyze(
        "The Tay Road Bridge closed on March 11 after engineers found cracks in two support "
        "bearings. The bridge would reopen on Wednesday, Tayside Council said, once temporary "
        "supports were in place.",
        "The Tay Road Bridge closed on March 10 after engineers discovered cracks in two "
        "support bearings. The bridge would reopen on Thursday, according to Tayside Council.",
        dates=("2024-03-12", "2024-03-12"),
    )
    assert find_shared_passages(docs)  # nearly word for word ...
    coverage = build_coverage(docs)
    assert {d.kind for d in coverage.discrepancies} == {"date"}  # ... but set against
    assert coverage.shared_passages == ()


def test_shared_passage_across_three_sources_with_curly_quotes():
    curly = LONG.replace("old mill", "town’s old mill")
    straight = LONG.replace("old mill", "town's old mill")
    docs = _analyze(
        f"Heavy rain fell all week. {curly} Residents welcomed it.",
        f"{straight} The work starts in May.",
        f"Officials spoke at length. {straight}",
    )
    (passage,) = find_shared_passages(docs)
    assert passage.sources == ("s0", "s1", "s2")
    assert passage.text.startswith("The regional council approved") and "town’s" in passage.text
    assert len(passage.spans) == 3


def test_copied_run_across_sentences_is_one_passage_with_gap():
    a = (
        "The mayor said the bridge would close for repairs. Engineers found deep cracks in two "
        "of the steel supports during a routine inspection last month."
    )
    b = (
        "The mayor said the old bridge would close for repairs. Engineers found deep cracks in "
        "two of the steel supports during a routine inspection last month."
    )
    (passage,) = find_shared_passages(_analyze(a, b))
    assert passage.text == a[:-1]  # "old" inserted: one passage, both sentences


def test_paraphrase_is_not_a_shared_passage():
    docs = _analyze(
        LONG,
        "On Tuesday councillors backed rebuilding the embankment that the river flooded, using "
        "concrete walls and adding a pumping station close to the mill.",
    )
    assert find_shared_passages(docs) == ()


def test_the_same_quotation_is_not_a_shared_passage():
    quote = (
        "We will rebuild every home that the water destroyed and we will not rest until the "
        "last family is back"
    )
    docs = _analyze(
        f"“{quote},” the governor said on Monday.", f'Governor Ann Lee told reporters: "{quote}."'
    )
    assert find_shared_passages(docs) == ()


def _wire_copies(n: int) -> list:
    """``n`` outlets carrying one wire story, each under its own first line, a few adding one."""
    second = (
        "Work on the embankment is expected to take two years and cost the council about "
        "forty million pounds, officials said."
    )
    texts = [
        f"Filed by desk {i}. {LONG} {second}"
        + (" Local shops stayed open all day." if i % 3 else "")
        for i in range(n)
    ]
    dates = tuple(f"2020-01-01T{i // 60:02d}:{i % 60:02d}:00" for i in range(n))
    return _analyze(*texts, dates=dates)


def test_a_wire_story_in_many_sources_is_aligned_with_the_earliest_ones(monkeypatch):
    import newsweave.coverage as coverage

    docs = _wire_copies(40)
    calls = []
    real = coverage._runs_of_blocks
    monkeypatch.setattr(coverage, "_runs_of_blocks",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    (passage,) = find_shared_passages(docs)
    assert passage.sources == tuple(f"s{i}" for i in range(40))
    assert LONG in passage.text and passage.text.endswith("officials said")
    for span, doc in zip(passage.spans, docs, strict=True):
        assert LONG in doc.article.text[span.start : span.end]
    # three shared sentences (one in 27 sources): every pair would be 1,911 alignments
    assert len(calls) <= 3 * 40 * DEFAULT_COVERAGE.align_partners


def test_the_alignment_cap_changes_nothing_below_it():
    docs = _wire_copies(8)
    wide = dataclasses.replace(DEFAULT_COVERAGE, align_partners=100)
    narrow = dataclasses.replace(DEFAULT_COVERAGE, align_partners=7)
    assert find_shared_passages(docs, narrow) == find_shared_passages(docs, wide)
    assert find_shared_passages(docs, dataclasses.replace(DEFAULT_COVERAGE, align_partners=1)) != ()


def test_aligned_runs_joins_small_gaps_and_drops_short_runs():
    a = word_tokens("one two three four five six seven eight nine ten eleven twelve thirteen")
    b = word_tokens("one two three four five six X seven eight nine ten eleven twelve thirteen")
    assert aligned_runs(a, b) == [(0, 13, 0, 14)]
    short = word_tokens("one two three four five six seven")
    assert aligned_runs(short, short) == []


def test_aligned_runs_start_where_the_copy_starts_despite_subsequence_ties(monkeypatch):
    # a longest common subsequence may break a tie the wrong way: "a" paired with the "a" of
    # "a candidate", "Sessions" with an earlier mention. The run must still begin at
    # "Sessions, a former senator", as the founding example's copied paragraph does.
    from newsweave import coverage

    copied = "Sessions, a former senator from Alabama, did not disclose the talks at his hearing"
    a = word_tokens(f"He said it was false. {copied} in January.")
    b = word_tokens(f"Sessions backed him as a candidate. {copied} last month.")
    start_a = [t.norm for t in a].index("sessions")
    start_b = [t.norm for t in b].index("sessions", 1)

    def tied(x, y):  # "sessions" left out, "a" taken from "a candidate" (4 words before)
        return [(start_a + 1, start_b - 2, 1), (start_a + 2, start_b + 2, 12)]

    monkeypatch.setattr(coverage, "_equal_blocks", tied)
    [(a0, a1, b0, b1)] = aligned_runs(a, b)
    assert (a0, b0) == (start_a, start_b)
    assert [t.norm for t in a[a0:a1]] == [t.norm for t in b[b0:b1]]
    assert a[a1 - 1].norm == "hearing"


def test_aligned_runs_count_quoted_words_on_both_sides():
    said = "the plan will go ahead on Tuesday despite the protests in the capital city"
    quoted = word_tokens(f'"{said}," she said.')
    plain = word_tokens(f"The minister said {said}.")
    assert aligned_runs(quoted, quoted) == []  # quoted on both sides: not copying
    assert aligned_runs(plain, plain)  # prose on both sides is


# --------------------------------------------------------------------------- unique
def test_unique_keeps_what_only_one_source_says():
    docs = _analyze(
        "From Reuters:\n\nThe river burst its banks in Leeds on Sunday, flooding hundreds of "
        "homes. The city's football stadium will host evacuated families for at least a week.",
        "Hundreds of homes in Leeds were flooded on Sunday when the river burst its banks.",
    )
    unique = find_unique(docs)
    assert [u.source for u in unique] == ["s0"]
    assert unique[0].sentences == (
        "The city's football stadium will host evacuated families for at least a week.",
    )


def test_one_figure_told_in_other_words_is_no_outlets_own():
    """"£10 million in additional aid through the United Nations" and "£10m to UN agencies"
    share few words: each was listed as its outlet's own fact."""
    from newsweave.coverage import amounts

    assert amounts("send £10 million in aid") == amounts("give £10m to agencies") == {1e7}
    assert amounts("in 1999 there were 7 cases") == frozenset()
    docs = _analyze(
        "Labour leader Keir Starmer met aid groups in London on Monday. Starmer said Britain "
        "would send £10 million in additional aid through the United Nations.",
        "Keir Starmer met aid agencies in London on Monday. Labour will give £10m to UN "
        "agencies, Sir Keir said. The party's conference opens next week in Liverpool.",
    )
    listed = [t for u in find_unique(docs) for t in u.sentences]
    assert not any("£10" in t for t in listed), listed
    assert any("Liverpool" in t for t in listed)  # what only one says is still listed


def test_unique_is_per_outlet_not_per_report():
    """What only Reuters reports, in both its reports, is Reuters' alone (it was listed
    nowhere: each report carried the other's fact), once, under its first report; and a
    passage Reuters repeats in its own second report is no passage shared between outlets."""
    from dataclasses import replace

    cables = ("Engineers found that three of the bridge's steel cables had corroded badly "
              "since the last inspection in 2019.")
    docs = _analyze(
        "The Springfield council voted on Monday to close the harbour bridge for repairs. "
        + cables,
        "The harbour bridge in Springfield will close on Monday for repairs, the council "
        "decided. " + cables,
        "Springfield's council voted to shut the harbour bridge for repairs on Monday. Local "
        "shop owners near the harbour said they feared losing customers for months.",
    )
    outlets = ("Reuters", "Reuters", "AP")
    docs = [replace(d, article=replace(d.article, outlet=o))
            for d, o in zip(docs, outlets, strict=True)]
    unique = {u.source: u.sentences for u in find_unique(docs)}
    assert any("steel cables" in s for s in unique.get("s0", ()))
    assert not any("steel cables" in s for s in unique.get("s1", ()))
    assert any("shop owners" in s for s in unique["s2"])
    assert not any("steel cables" in p.text for p in find_shared_passages(docs))


def test_unique_uses_the_callers_support_test():
    docs = _analyze(
        "The stadium will host evacuated families for at least a week in Leeds.",
        "Rain is forecast to continue across northern England until Friday evening.",
    )
    assert len(find_unique(docs)) == 2
    assert find_unique(docs, support=lambda doc, i, other: True) == ()


def test_a_sentence_that_hands_over_to_a_quotation():
    said = "Asked whether the minister would resign, the spokesman said."
    assert hands_over(said, '"Not this week."')
    assert hands_over("Asked about it, she told reporters:", "“We will see.”")
    assert not hands_over(said, "The bridge reopened on Monday.")  # nothing quoted next
    assert not hands_over(said, None)
    # the quotation is in the sentence itself
    assert not hands_over('"We will rebuild," the spokesman said.', '"By spring."')
    # the verb does not end the sentence: the content is in it
    assert not hands_over("The spokesman said the bridge would reopen.", '"By spring."')


def test_unique_fact_shown_with_the_quotation_it_introduces():
    docs = _analyze(
        "Floods closed the Leeds bridge on Sunday. Asked when it would reopen, the council "
        'leader said. "Not before the spring, and only if the rain stops." Engineers from '
        "three cities arrived on Monday to inspect the damaged supports.",
        "Floods closed the Leeds bridge on Sunday.",
    )
    (unique,) = find_unique(docs)
    said = [s for s in unique.sentences if "council leader said" in s]
    assert said == ['Asked when it would reopen, the council leader said. "Not before the '
                    'spring, and only if the rain stops."']
    # the quotation is not listed a second time on its own
    assert sum("Not before the spring" in s for s in unique.sentences) == 1


def test_trivial_sentences():
    assert is_trivial("From The Guardian:")
    assert is_trivial("CALLS TO RESIGN AS SCANDAL GROWS IN THE CAPITAL")
    assert is_trivial("(ANI)")
    assert not is_trivial("Sessions has so far resisted calls to recuse himself.")


# --------------------------------------------------------------------------- facts
def test_resigned_vs_fired_is_a_fact_discrepancy():
    docs = _analyze(
        "Acme said on Monday that John Smith resigned as chief executive after the scandal.",
        "John Smith was fired as chief executive of Acme after the accounting scandal.",
    )
    (d,) = find_discrepancies(docs)
    assert d.kind == "fact" and d.topic == "John Smith: resigned vs was fired"
    assert [c.sources for c in d.claims] == [("s0",), ("s1",)]
    assert d.claims[1].text.startswith("John Smith was fired")


@pytest.mark.parametrize(
    "other",
    [
        "John Smith stepped down as chief executive of Acme on Monday.",  # agrees
        "Shareholders had called for John Smith to resign as chief executive of Acme.",  # a wish
        "John Smith should resign as chief executive of Acme, the union said.",  # a modal
    ],
)
def test_agreeing_or_unasserted_departures_are_not_flagged(other):
    docs = _analyze("John Smith resigned as chief executive of Acme on Monday.", other)
    assert find_discrepancies(docs) == ()


def test_negation_on_one_side_only():
    docs = _analyze(
        "John Smith met the Russian ambassador in Paris last week.",
        "John Smith did not meet the Russian ambassador in Paris last week.",
    )
    (d,) = find_discrepancies(docs)
    assert d.kind == "fact" and d.topic == "John Smith: meet vs not meet"
    assert "did not meet" in d.claims[1].text


def test_paraphrases_that_agree_are_not_flagged():
    docs = _analyze(
        "John Smith met the Russian ambassador in Paris last week, officials said.",
        "Last week in Paris, John Smith held a meeting with the Russian ambassador.",
        "John Smith met with the Russian ambassador in Paris on Tuesday.",
    )
    assert find_discrepancies(docs) == ()


def test_denied_vs_admitted_unless_told_as_a_sequence():
    docs = _analyze(
        "Mary Jones denied taking the money from the charity, the court heard.",
        "Mary Jones admitted taking the money from the charity, the court heard.",
    )
    assert _kinds(find_discrepancies(docs)) == ["fact"]
    docs = _analyze(
        "Mary Jones initially denied taking the money from the charity.",
        "Mary Jones admitted taking the money from the charity.",
    )
    assert find_discrepancies(docs) == ()


def test_a_body_confirming_what_another_source_says_it_denied():
    docs = _analyze(
        "The company confirmed that a gas leak had been reported at the site the day before "
        "the blast.",
        "The company denied that a gas leak had been reported at the site the day before "
        "the blast.",
    )
    (d,) = find_discrepancies(docs)
    assert d.kind == "fact" and d.topic == "The company: confirmed vs denied"
    # about different things, a body's denial and confirmation do not contradict each other
    docs = _analyze(
        "The company confirmed that it would close two plants next year.",
        "The company denied that its managers had ignored safety warnings.",
    )
    assert find_discrepancies(docs) == ()


# --------------------------------------------------------------------------- numbers and dates
QUAKE = (
    "The earthquake in Van killed {} people and destroyed the old market, officials in Turkey said."
)


def test_different_counts_are_a_number_discrepancy():
    (d,) = find_discrepancies(_analyze(QUAKE.format(12), QUAKE.format(15)))
    assert d.kind == "number" and "12 people" in d.topic and "15 people" in d.topic
    assert [c.sources for c in d.claims] == [("s0",), ("s1",)]


def test_every_source_of_a_count_is_on_its_side():
    """Four reports counting the dead four, five, four and six ways were "four vs five": the
    third report was on no side, and the fourth's six was never set against anything."""
    (d,) = find_discrepancies(_analyze(QUAKE.format("four"), QUAKE.format("five"),
                                       QUAKE.format("four"), QUAKE.format("six")))
    assert d.topic == "How many people: four people vs five people vs six people"
    assert [c.sources for c in d.claims] == [("s0", "s2"), ("s1",), ("s3",)]
    assert [len(c.spans) for c in d.claims] == [2, 1, 1]


@pytest.mark.parametrize(
    "other", [QUAKE.format("twelve"), QUAKE.format("about 15"), QUAKE.format("15 other")]
)
def test_equal_or_approximate_counts_are_not_flagged(other):
    assert find_discrepancies(_analyze(QUAKE.format(12), other)) == ()


PARK = (
    "The new park in Yunnan covers 40,000 hectares of forest, or {} percent of the {}, "
    "officials said."
)


def test_shares_of_different_wholes_are_not_one_count():
    same = find_discrepancies(
        _analyze(PARK.format(11, "province's land"), PARK.format(3, "province's land"))
    )
    assert [d.topic for d in same] == ["How many percent of land: 11 percent vs 3 percent"]
    other = _analyze(PARK.format(11, "province's land"), PARK.format(3, "country's protected area"))
    assert find_discrepancies(other) == ()


def test_different_dates_for_one_event():
    docs = _analyze(
        "John Smith met the Russian ambassador in Paris on 10 January 2017.",
        "John Smith met the Russian ambassador in Paris on 12 January 2017.",
    )
    (d,) = find_discrepancies(docs)
    assert d.kind == "date" and "10 January 2017" in d.topic and "12 January 2017" in d.topic


def test_different_days_without_a_year_or_a_name():
    # no year on either side and no name in either sentence: the same act of the same subject
    docs = _analyze(
        "The explosion happened on March 11 at 6:15 a.m., as the morning shift was arriving.",
        "The explosion happened on March 10 shortly after 6 a.m., witnesses said.",
    )
    (d,) = find_discrepancies(docs)
    assert d.kind == "date" and d.topic == "When (happen): March 11 vs March 10"
    # "March" against "March 10" is no conflict: one only gives less
    docs = _analyze(
        "The explosion happened in March, as the morning shift was arriving.",
        "The explosion happened on March 10 shortly after 6 a.m., witnesses said.",
    )
    assert find_discrepancies(docs) == ()


def test_two_weekdays_read_against_one_publication_day_are_two_dates():
    """"would reopen on Wednesday" and "on Thursday" in two reports of the same day: the
    weekday is as certain as a date there, and was passed over as relative (the summary
    cited the Thursday report for Wednesday)."""
    reopen = "Highway crews said the road over Granite Ridge would reopen on {}."
    docs = _analyze(reopen.format("Wednesday"), reopen.format("Thursday"),
                    dates=("2017-04-10", "2017-04-10"))
    (d,) = find_discrepancies(docs)
    assert d.kind == "date" and d.topic == "When (reopen): Wednesday vs Thursday"
    # read against two different days, a weekday could be the same date: left alone
    docs = _analyze(reopen.format("Wednesday"), reopen.format("Thursday"),
                    dates=("2017-04-10", "2017-04-11"))
    assert find_discrepancies(docs) == ()


def test_same_date_written_differently_is_not_flagged():
    docs = _analyze(
        "John Smith met the Russian ambassador in Paris on 10 January 2017.",
        "On January 10, 2017, John Smith met the Russian ambassador in Paris.",
    )
    assert find_discrepancies(docs) == ()


def test_absolute_date_and_number_parsing():
    assert absolute_date("10 January") == (None, 1, 10)
    assert absolute_date("Jan. 10, 2017") == (2017, 1, 10)
    assert absolute_date("September 2016") == (2016, 9, None)
    assert absolute_date("last month") is None
    assert absolute_date("10") is None
    assert number_value("1,200") == 1200 and number_value("two") == 2
    assert number_value("several") is None


# --------------------------------------------------------------------------- spelling
def test_transliterated_first_name_is_a_spelling_discrepancy():
    docs = _analyze(
        "Talks were led by Sergey Lavrov in Geneva.", "Sergei Lavrov led the talks in Geneva."
    )
    (d,) = find_spelling_discrepancies(docs)
    assert d.topic == "Spelling of Lavrov"
    assert [(c.text, c.sources) for c in d.claims] == [
        ("Sergey Lavrov", ("s0",)),
        ("Sergei Lavrov", ("s1",)),
    ]


def test_a_transliteration_and_an_article_are_spellings():
    docs = _analyze(
        "Salome Zourabichvili met Ayman Safadi in Paris on Monday.",
        "Salome Zurabishvili met Aiman al-Safadi in Paris on Monday.",
    )
    entities, _ = resolve_entities(docs)
    found = find_spelling_discrepancies(docs, entities)
    topics = {d.topic: [c.text for c in d.claims] for d in found}
    assert topics == {"Spelling of Zourabichvili": ["Salome Zourabichvili", "Salome Zurabishvili"],
                      "Spelling of Safadi": ["Ayman Safadi", "Aiman al-Safadi"]}


def test_different_people_are_not_spellings():
    docs = _analyze(
        "Jane Smith and her lawyer Dan Brown spoke to reporters.",
        "John Smith and Don Brown spoke to reporters on Friday.",
    )
    assert find_spelling_discrepancies(docs) == []


def test_a_source_writing_both_names_means_two_people():
    docs = _analyze(
        "Patricia Kennedy and her cousin Patrick Kennedy opened the library.",
        "Patricia Kennedy opened the library on Friday.",
    )
    assert find_spelling_discrepancies(docs) == []


def test_spelling_from_resolved_entities():
    docs = _analyze(
        "Ambassador Sergey Kislyak met the senator. The FBI declined to comment.",
        "Sergei Kislyak's meeting was examined by the Federal Bureau of Investigation.",
    )
    entities = [
        Entity(
            "e1",
            "Sergey Kislyak",
            "PERSON",
            ("Ambassador Sergey Kislyak", "Sergei Kislyak's", "Kislyak"),
            ("s0", "s1"),
        ),
        Entity(
            "e2",
            "Federal Bureau of Investigation",
            "ORG",
            ("FBI", "Federal Bureau of Investigation"),
            ("s0", "s1"),
        ),
    ]
    (d,) = find_spelling_discrepancies(docs, entities)
    assert [(c.text, c.sources) for c in d.claims] == [
        ("Sergey Kislyak", ("s0",)),
        ("Sergei Kislyak", ("s1",)),
    ]


def test_spelling_variant_rules():
    assert spelling_variant("sergey", "sergei")
    assert spelling_variant("muhammad", "mohammed")
    assert spelling_variant("yuri", "yury")
    assert not spelling_variant("john", "joan")
    assert not spelling_variant("dan", "don")
    assert not spelling_variant("mike", "michael")
    assert not spelling_variant("smith", "smith")


# --------------------------------------------------------------------------- attribution
def test_grouped_quote_with_two_speakers():
    quote = Quote(
        speaker=None,
        text="We will not back down",
        sources=(
            QuoteVariant("s0", "We will not back down", speaker_as_written="an aide to the mayor"),
            QuoteVariant("s1", "We will not back down", speaker_as_written="a union official"),
            QuoteVariant("s2", "We will not back down", speaker_as_written="he"),
        ),
    )
    (d,) = find_attribution_discrepancies(_analyze("A.", "B.", "C."), [quote])
    assert d.kind == "attribution"
    assert [c.sources for c in d.claims] == [("s0",), ("s1",)]


def test_a_he_the_resolver_named_is_no_outlets_attribution():
    """One outlet wrote "he said" and the resolver named the "he" (wrongly, as it named
    Michael Flynn for Sessions in the founding example). What the outlet wrote is "he", so
    nothing is held against the outlet that names the speaker."""
    said = "We will not back down on the budget"
    docs = _analyze(
        f'"{said}," Paul Ryan told reporters on Tuesday.',
        f'Michael Flynn resigned last month. "{said}," he said in a statement.',
    )
    ryan, he = docs[0].article.text.index("Paul Ryan"), docs[1].article.text.index("he said")
    quote = Quote(
        speaker="Paul Ryan",
        text=said,
        sources=(
            QuoteVariant("s0", said, 1, 1 + len(said), speaker_as_written="Paul Ryan",
                         speaker_start=ryan, speaker_end=ryan + 9),
            QuoteVariant("s1", said, speaker_as_written="Michael Flynn",
                         speaker_start=he, speaker_end=he + 2),
        ),
    )
    assert find_attribution_discrepancies(docs, [quote]) == []
    # the same variant without its offsets still counts the name it was given
    unplaced = dataclasses.replace(quote, sources=(
        quote.sources[0], dataclasses.replace(quote.sources[1], speaker_start=None)))
    assert len(find_attribution_discrepancies(docs, [unplaced])) == 1


def test_grouped_quote_named_two_ways_needs_names_the_source_knows():
    said = "We will not back down on the budget"
    docs = _analyze(
        f'"{said}," Paul Ryan told reporters on Tuesday.',
        f'"{said}," Sean Spicer said at the White House.',
        f'"{said}," Bodyguards Tell said.',
    )
    variants = (
        QuoteVariant("s0", said, 1, 1 + len(said), speaker_as_written="Paul Ryan"),
        QuoteVariant("s1", said, speaker_as_written="Sean Spicer"),  # no offsets
    )
    (d,) = find_attribution_discrepancies(docs, [Quote(None, said, variants)])
    assert [c.sources for c in d.claims] == [("s0",), ("s1",)]
    assert d.claims[0].text == docs[0].article.text  # the sentence as written
    assert d.claims[1].text == "Sean Spicer: “We will not back down on the budget”"
    # a source that names both people near the quotation leaves the speaker open
    both = _analyze(
        f'"{said}," Paul Ryan told reporters.', f'"{said}," Sean Spicer told Paul Ryan.'
    )
    located = tuple(dataclasses.replace(v, start=1, end=1 + len(said)) for v in variants)
    assert find_attribution_discrepancies(both, [Quote(None, said, located)]) == []
    # a "name" that the source's NER does not know is no evidence of another speaker
    odd = (variants[0], QuoteVariant("s2", said, speaker_as_written="Bodyguards Tell"))
    assert find_attribution_discrepancies(docs, [Quote(None, said, odd)]) == []


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sessions", "Attorney General Jeff Sessions"),  # one name, written two ways
        ("Sessions’ statement", "Jeff Sessions"),  # his statement is him
        ("an official", "a senior official"),  # one narrows the other
        ("the president", "Trump"),  # a role and a name may be one person
        ("he", "Jeff Sessions"),  # a pronoun is the resolver's claim, not the outlet's
        ("Professor David Allsop", "David Allsopp"),  # one name spelled two ways
    ],
)
def test_speakers_that_may_be_one_person(a, b):
    ka, kb = speaker_key(a), speaker_key(b)
    assert ka is None or kb is None or not speakers_differ(ka, kb)


def test_speakers_that_differ():
    assert speakers_differ(speaker_key("Paul Ryan"), speaker_key("Sean Spicer"))
    assert speakers_differ(
        speaker_key("a senior administration official"), speaker_key("A White House official")
    )


def test_build_coverage_with_one_source_is_empty():
    assert (
        build_coverage(_analyze("John Smith resigned on Monday after the scandal.")) == Coverage()
    )


def test_the_woven_example_holds_one_attribution_discrepancy(example_articles):
    """The brief (grouped quotes) flags the one real one, the "latest attack" told by "a
    senior administration official" and "A White House official"; Sessions' denial, which
    ANI introduces with "he said", is no discrepancy whatever the resolver named the "he"."""
    from newsweave.weave import weave_articles

    brief = weave_articles(example_articles)
    found = [d for d in brief.coverage.discrepancies if d.kind == "attribution"]
    assert [d.topic[:30] for d in found] == ["Who said: “This is the latest "]


@pytest.mark.parametrize("cells", [2_000_000, 1, 30])
def test_carried_by_others_matches_one_source_at_a_time(monkeypatch, cells):
    """``find_unique``'s whole-story products (``_Carried``) answer as testing each sentence
    against each other source does: lemma share of the smaller set, cosine, or both; with
    the products computed for the whole story, one source, or a few sources at a time."""
    from types import SimpleNamespace

    import numpy as np

    import newsweave.coverage as coverage
    from newsweave.coverage import _Carried, overlap

    monkeypatch.setattr(coverage, "_BLOCK_CELLS", cells)
    s = DEFAULT_COVERAGE
    rng = np.random.default_rng(3)
    vocab = [f"w{k}" for k in range(10)]
    for _trial in range(40):
        docs, lemmas = [], []
        for _d in range(int(rng.integers(2, 7))):
            n = int(rng.integers(0, 5))
            vecs = rng.normal(size=(n, 8)).astype(np.float32)
            vecs[:, :4] += 3  # near sentences as well as far ones
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
            if rng.random() < 0.2:
                vecs = np.zeros((n, 0), dtype=np.float32)  # a source without vectors
            docs.append(SimpleNamespace(vectors=vecs, sentences=list(range(n))))
            lemmas.append([frozenset(w for w in vocab if rng.random() < 0.3) for _ in range(n)])
        carried = _Carried(docs, lemmas, s)
        for di in rng.permutation(len(docs)).tolist():  # any order: blocks are recomputed
            others = [oi for oi in range(len(docs)) if oi != di and rng.random() < 0.8]
            want = []
            for si in range(len(docs[di].sentences)):
                hit = False
                for oi in others:
                    shares = np.array([overlap(lemmas[di][si], t) for t in lemmas[oi]] or [0.0])
                    if shares.max() >= s.carry_overlap:
                        hit = True
                    elif docs[di].vectors.shape[1] and docs[oi].vectors.shape[1] and len(
                            lemmas[oi]):
                        row = docs[di].vectors[si] @ docs[oi].vectors.T
                        hit = float(row.max()) >= s.carry_cosine or bool(
                            ((row >= s.carry_both_cosine)
                             & (shares >= s.carry_both_overlap)).any())
                    if hit:
                        break
                want.append(hit)
            assert carried.by(di, others).tolist() == want


def test_first_aligned_pair_is_the_first_of_every_pair():
    """The sieved search for a noun's differing counts (``_first_aligned_pair``) returns the
    first pair in sentence order that trying every pair with ``_aligned`` returns."""
    from types import SimpleNamespace

    import numpy as np

    from newsweave.coverage import _aligned, _first_aligned_pair

    rng = np.random.default_rng(5)
    for _trial in range(60):
        docs = []
        bases = rng.normal(size=(3, 8))
        for _d in range(int(rng.integers(2, 6))):
            n = int(rng.integers(1, 5))
            vecs = bases[rng.integers(0, 3, size=n)] + rng.normal(scale=0.4, size=(n, 8))
            vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
            if rng.random() < 0.15:
                vecs = np.zeros((n, 0), dtype=np.float32)
            entities = [SimpleNamespace(text=str(rng.choice(["Paris", "Acme", "Lyon"])),
                                        label="GPE", sentence=int(rng.integers(0, n)))
                        for _ in range(int(rng.integers(0, 4)))]
            docs.append(SimpleNamespace(vectors=vecs, entities=entities))
        keys = sorted({(int(d), int(rng.integers(0, len(docs[d].vectors))))
                       for d in rng.integers(0, len(docs), size=8)})
        values = [float(rng.choice([1.0, 2.0, 3.0])) for _ in keys]
        want = next(((ka, kb) for n, ka in enumerate(keys) for m, kb in enumerate(keys)
                     if m > n and ka[0] != kb[0] and values[n] != values[m]
                     and _aligned(docs, ka, kb, 0.7)), None)
        assert _first_aligned_pair(docs, keys, values, 0.7, {}) == want


def test_what_only_one_outlet_reports_reads_as_a_reader_should_see_it():
    """A staff credit was listed as a fact, a wire dateline kept, and a quotation lost its
    closing mark to the next sentence."""
    docs = _analyze(
        "The council approved the budget on Monday after a long debate in the chamber.",
        "BAYVILLE (State Wire) — Federal prosecutors charged the port director with bribery "
        "on Tuesday. Mrs. Clinton said the race was \"the most important in the country.\" "
        "Tribune staff contributed to this report.",
    )
    only = {u.source: u.sentences for u in find_unique(docs)}["s1"]
    assert only[0].startswith("Federal prosecutors charged")  # no dateline
    assert not any("contributed to this report" in s for s in only)
    from newsweave.quote_marks import with_closing_mark

    text = 'She said the race was "the most important.” Then she left.'
    cut = text.index("”")
    assert with_closing_mark(text, 0, cut) == (0, cut + 1)  # the splitter's cut, mended
    text = 'He left. "Yes," she said.'
    assert with_closing_mark(text, 0, 8) == (0, 8)  # no quotation left open: as it was


def test_one_statement_quoted_with_its_speaker_is_no_shared_passage():
    """Two outlets quoting a prosecutor's line with "U.S. Attorney Monica Feld said" shared
    five unquoted words, the threshold: the attribution now counts with the quotation."""
    quote = ('"Public office is a public trust, and Mr. Pratt sold it to the highest bidder '
             'for cash, a boat and luxury trips," U.S. Attorney Monica Feld said.')
    docs = _analyze("Federal prosecutors charged the port director on Tuesday. " + quote,
                    "The port's board met in an emergency session on Wednesday. " + quote)
    assert find_shared_passages(docs) == ()
    copied = ("The man who ran the port for seven years was led away in handcuffs from his "
              "home in Milford early on Tuesday morning, neighbours said.")
    docs = _analyze("Prosecutors acted fast. " + copied, "A second report. " + copied)
    assert len(find_shared_passages(docs)) == 1  # prose copied still is


def test_a_later_higher_count_told_as_a_rise_is_no_disagreement():
    """A toll that rose during the day (4 at 08:00; 7 at 18:30 "after rescuers found three
    more bodies") was shown as two outlets disagreeing."""
    first = "Flash floods killed 4 people in Cedar Falls overnight, police said on Tuesday."
    later = ("Flash floods killed 7 people in Cedar Falls overnight, police said on Tuesday, "
             "after rescuers found three more bodies downstream.")
    dates = ("2024-06-04T08:00:00+00:00", "2024-06-04T18:30:00+00:00")
    assert find_discrepancies(_analyze(first, later, dates=dates)) == ()
    # the same two counts with no rise told, or the higher one first, still disagree
    plain = later.replace(", after rescuers found three more bodies downstream", "")
    assert _kinds(find_discrepancies(_analyze(first, plain, dates=dates))) == ["number"]
    assert _kinds(find_discrepancies(_analyze(later, first, dates=dates))) == ["number"]
