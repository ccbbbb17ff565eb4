"""Cross-source entity resolution: hand-made mentions for each rule, then the real example."""

from __future__ import annotations

import pytest

from newsweave.entities import (
    acronym_of,
    canonical_name,
    clean_surface,
    entity_for_name,
    entity_for_span,
    fold,
    given_names_compatible,
    is_junk,
    name_tokens,
    resolve_entities,
    thing_key,
)
from newsweave.models import Article, Document, EntityMention, Sentence


def make_doc(article_id: str, *mentions: tuple[str, str]) -> Document:
    """A document whose text is its mentions joined by '. ', each mention a spaCy-like span."""
    parts, spans, pos = [], [], 0
    for text, label in mentions:
        spans.append(EntityMention(pos, pos + len(text), text, label, len(spans)))
        parts.append(text)
        pos += len(text) + 2
    article = Article(id=article_id, text=". ".join(parts))
    return Document(article=article, sentences=(), entities=tuple(spans))


def by_name(entities, name):
    found = [e for e in entities if e.name == name]
    assert found, f"no entity named {name!r} in {[e.name for e in entities]}"
    return found[0]


# --------------------------------------------------------------------------- pure helpers
def test_clean_surface_strips_possessives_and_articles():
    assert clean_surface("Donald Trump's") == "Donald Trump"
    assert clean_surface("Sessions’") == "Sessions"
    assert clean_surface("the Federal Bureau of Investigation") == "Federal Bureau of Investigation"
    assert clean_surface("Alex Weingarten\ufeff") == "Alex Weingarten"  # a page's BOM


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Gary” Thomas", "Gary Thomas"),  # "“Miner Gary” Thomas": the nickname's closing mark
        ('The New National Campaign "Pledge', "New National Campaign"),  # a slogan's opening
        ("National Music Publishers' Association “Celebration of the American Songwriter",
         "National Music Publishers' Association"),
        ("a ‘Competitive Renewable Energy Zone", "Competitive Renewable Energy Zone"),
        ("another National Institute of Drug Abuse", "National Institute of Drug Abuse"),
        ("an Associated Press", "Associated Press"),
        # a nickname in its marks, an apostrophe, a capital article stay
        ("Ivan L. “Chip” Frederick", "Ivan L. “Chip” Frederick"),
        ("Debra D’Agostino", "Debra D’Agostino"),
        ("A Tribe Called Quest", "A Tribe Called Quest"),
    ],
)
def test_clean_surface_drops_a_stray_quotation_mark_and_lower_case_articles(written, name):
    assert clean_surface(written) == name


@pytest.mark.parametrize(
    ("written", "junk"),
    [("TX 76101", True), ("Texas 77210", True), ("P.O. Box 4260", True),
     ("Boeing 747", False), ("Windows 2000", False), ("Apollo 11", False)],
)
def test_a_postal_code_or_box_is_no_entity(written, junk):
    assert is_junk(written) is junk


@pytest.mark.parametrize(
    ("written", "tokens"),
    [
        ("Attorney General Jeff Sessions", ("Jeff", "Sessions")),
        ("Mr. Trump", ("Trump",)),
        ("President Donald Trump", ("Donald", "Trump")),
        ("Russian Ambassador Sergei Kislyak", ("Sergei", "Kislyak")),
        ("Martin Luther King Jr.", ("Martin", "Luther", "King Jr.")),
        ("President", ("President",)),
    ],
)
def test_name_tokens_strip_titles(written, tokens):
    assert name_tokens(written) == tokens


def test_transliteration_folding():
    assert fold("Sergey") == fold("Sergei")
    assert fold("Aleksandr") == fold("Alexander")
    assert given_names_compatible("Mohammed", "Muhammad")
    assert given_names_compatible("J.", "Jeff")
    assert not given_names_compatible("Donald", "Ivanka")
    assert not given_names_compatible("Maria", "Mario")
    # an inner "j" transliterates the glide "y" (Hebrew and Slavic names across outlets)
    assert given_names_compatible("Benjamin", "Binyamin")
    assert given_names_compatible("Sonja", "Sonya")
    assert not given_names_compatible("Jan", "Ian")
    assert not given_names_compatible("Anja", "Anna")
    # the Arabic article and the French "ch" for "sh"; a leading "ch" stays (Chen, Shen)
    assert fold("al-Safadi") == fold("Safadi") and fold("el-Sisi") == fold("Sisi")
    assert fold("Zourabichvili") == fold("Zurabishvili")
    assert fold("Chen") != fold("Shen")
    assert fold("Alan") == "alan"  # no article without its hyphen


def test_transliterated_names_are_one_person():
    docs = [
        make_doc("a", ("Ayman Safadi", "PERSON"), ("Salome Zourabichvili", "PERSON")),
        make_doc("b", ("Aiman al-Safadi", "PERSON"), ("Salome Zurabishvili", "PERSON")),
    ]
    entities, _ = resolve_entities(docs)
    assert {e.name for e in entities if e.type == "PERSON"} == {
        "Ayman Safadi", "Salome Zourabichvili"}
    assert set(by_name(entities, "Ayman Safadi").variants) == {"Ayman Safadi", "Aiman al-Safadi"}


def test_a_hyphen_and_a_british_spelling_are_one_name():
    """"Clementine Nkweta-Salami" and "Clementine Nkweta Salami" were two people; "World
    Health Organisation" and "Organization" two bodies, so "WHO" joined neither."""
    docs = [
        make_doc("a", ("Clementine Nkweta-Salami", "PERSON"), ("WHO", "ORG"),
                 ("World Health Organization", "ORG")),
        make_doc("b", ("Clementine Nkweta Salami", "PERSON"),
                 ("World Health Organisation", "ORG")),
    ]
    entities, _ = resolve_entities(docs)
    people = [e for e in entities if e.type == "PERSON"]
    assert len(people) == 1 and set(people[0].variants) == {
        "Clementine Nkweta-Salami", "Clementine Nkweta Salami"}
    who = [e for e in entities if e.type == "ORG"]
    assert len(who) == 1 and who[0].mentions == 3


def test_a_shortened_organisation_name_joins_the_one_it_shortens():
    docs = [
        make_doc("a", ("Riverton City Council", "ORG"), ("City Council", "ORG"),
                 ("UN Security Council", "ORG"), ("Senate Intelligence Committee", "ORG")),
        make_doc("b", ("City Council", "ORG"), ("Council", "ORG"), ("Security Council", "ORG"),
                 ("House Intelligence Committee", "ORG"), ("Intelligence Committee", "ORG")),
    ]
    entities, _ = resolve_entities(docs)
    names = {e.name for e in entities}
    assert by_name(entities, "Riverton City Council").mentions == 3
    assert by_name(entities, "UN Security Council").mentions == 2
    # one word is too weak; two longer names it could shorten leave it apart
    assert {"Council", "Intelligence Committee", "Senate Intelligence Committee",
            "House Intelligence Committee"} <= names


def test_acronyms_and_keys():
    assert acronym_of("Federal Bureau of Investigation") == "FBI"
    assert acronym_of("the Department of Justice") == "DJ"
    assert acronym_of("Washington") == ""
    assert thing_key("WASHINGTON") == thing_key("Washington")
    assert thing_key("U.S.") == thing_key("US") == thing_key("the United States")


def test_canonical_name_prefers_complete_then_frequent_then_first():
    seen = [("Sergei Kislyak", (0, 1)), ("Sergey Kislyak", (1, 1)), ("Kislyak", (1, 5))]
    assert canonical_name(seen) == "Sergei Kislyak"
    seen.append(("Sergey Kislyak", (2, 0)))
    assert canonical_name(seen) == "Sergey Kislyak"
    assert canonical_name([("WASHINGTON", (0, 0)), ("Washington", (1, 0))]) == "Washington"
    # a picture credit glued to the name is no fuller form of it
    credit = [("Eva Longoria/Instagram Eva Longoria", (0, 0)), ("Eva Longoria", (0, 9))]
    assert canonical_name(credit) == "Eva Longoria"


# --------------------------------------------------------------------------- resolution
def test_surname_after_full_name_in_another_source_and_title_stripping():
    docs = [
        make_doc("a", ("Attorney General Jeff Sessions", "PERSON"), ("Sessions", "NORP")),
        make_doc("b", ("Sessions", "ORG"), ("General Sessions", "ORG"), ("Sessions'", "PERSON")),
    ]
    entities, links = resolve_entities(docs)
    assert len(entities) == 1
    sessions = entities[0]
    assert sessions.name == "Jeff Sessions"
    assert sessions.type == "PERSON"
    assert sessions.mentions == 5
    assert sessions.sources == ("a", "b")
    assert set(sessions.variants) == {"Jeff Sessions", "Sessions"}
    assert set(links.values()) == {sessions.id} and len(links) == 5


def test_father_and_son_stay_apart():
    docs = [make_doc("a", ("Donald Trump Jr.", "PERSON"), ("Donald Trump", "PERSON"))]
    entities, _ = resolve_entities(docs)
    assert sorted(e.name for e in entities) == ["Donald Trump", "Donald Trump Jr."]


def test_transliterated_first_names_are_one_person():
    docs = [
        make_doc("a", ("Sergey Kislyak", "PERSON")),
        make_doc("b", ("Sergei Kislyak", "PERSON"), ("Kislyak", "ORG")),
        make_doc("c", ("Washington Sergey Kislyak", "ORG")),
    ]
    entities, links = resolve_entities(docs)
    assert len(entities) == 1
    kislyak = entities[0]
    assert kislyak.name == "Sergey Kislyak"
    assert {"Sergey Kislyak", "Sergei Kislyak", "Kislyak"} == set(kislyak.variants)
    assert links[("c", 0)] == kislyak.id


def test_different_people_sharing_a_surname_stay_apart():
    docs = [
        make_doc(
            "a",
            ("Donald Trump", "PERSON"),
            ("Trump", "PERSON"),
            ("Ivanka Trump", "PERSON"),
            ("Trump", "PERSON"),
        ),
        make_doc("b", ("Trump", "ORG"), ("Donald Trump", "PERSON")),
    ]
    entities, links = resolve_entities(docs)
    donald, ivanka = by_name(entities, "Donald Trump"), by_name(entities, "Ivanka Trump")
    assert donald.id != ivanka.id
    first_bare = docs[0].entities[1].start  # right after "Donald Trump"
    second_bare = docs[0].entities[3].start  # right after "Ivanka Trump": the last one named
    assert links[("a", first_bare)] == donald.id
    assert links[("a", second_bare)] == ivanka.id
    # no full name precedes it in its own article: the most mentioned Trump
    assert links[("b", 0)] == donald.id
    assert "Ivanka Trump" not in donald.variants


def test_acronym_joins_its_expansion_across_sources():
    docs = [
        make_doc("a", ("the Federal Bureau of Investigation", "ORG")),
        make_doc("b", ("FBI", "ORG"), ("F.B.I.", "ORG")),
    ]
    entities, _ = resolve_entities(docs)
    assert len(entities) == 1
    fbi = entities[0]
    assert fbi.name == "Federal Bureau of Investigation"
    assert set(fbi.variants) == {"Federal Bureau of Investigation", "FBI", "F.B.I."}
    assert fbi.sources == ("a", "b")


def test_case_and_country_variants_merge_and_junk_is_dropped():
    docs = [
        make_doc("a", ("WASHINGTON", "GPE"), ("US", "GPE"), ("Mar", "PERSON"), ("2017", "ORG")),
        make_doc("b", ("Washington", "GPE"), ("U.S.", "GPE"), ("the United States", "GPE")),
    ]
    entities, links = resolve_entities(docs)
    names = sorted(e.name for e in entities)
    assert names == ["United States", "Washington"]
    assert by_name(entities, "United States").mentions == 3
    assert by_name(entities, "Washington").variants == ("WASHINGTON", "Washington")
    assert len(links) == 5  # "Mar" and "2017" are not entities


def test_acronym_needs_a_spelled_out_name():
    docs = [make_doc("a", ("U.S. Senate", "ORG"), ("U.S.", "GPE"), ("New York City", "GPE"))]
    docs.append(make_doc("b", ("NYC", "GPE"), ("United States", "GPE")))
    entities, _ = resolve_entities(docs)
    assert by_name(entities, "United States").variants == ("U.S.", "United States")
    assert by_name(entities, "U.S. Senate").mentions == 1
    assert set(by_name(entities, "New York City").variants) == {"New York City", "NYC"}


def test_spelling_variants_first_names_and_false_people():
    docs = [
        make_doc("a", ("Barack Obama", "PERSON"), ("Dylan Farrow", "PERSON"), ("Dylan", "PERSON")),
        make_doc(
            "b",
            ("Barak Obama", "PERSON"),
            ("TV3 New Zealand", "PERSON"),
            ("New Zealand", "GPE"),
            ("Woody Allen’s 1995", "PERSON"),
            ("Woody Allen", "PERSON"),
            ("Dylan", "PERSON"),  # a first name alone in another article: not enough
            ("Tony Awards", "PERSON"),
            ("Tony", "PERSON"),
        ),
    ]
    entities, _ = resolve_entities(docs)
    obama = [e for e in entities if "Obama" in e.name]
    assert len(obama) == 1 and set(obama[0].variants) == {"Barack Obama", "Barak Obama"}
    assert by_name(entities, "Dylan Farrow").mentions == 2
    assert by_name(entities, "Dylan").mentions == 1
    assert by_name(entities, "Tony").mentions == 1
    assert by_name(entities, "New Zealand").type == "GPE"
    assert by_name(entities, "New Zealand").mentions == 1
    assert by_name(entities, "Woody Allen").mentions == 2


def test_surname_does_not_join_a_place():
    docs = [make_doc("a", ("George Washington", "PERSON"), ("Washington", "GPE"))]
    entities, _ = resolve_entities(docs)
    assert {e.name for e in entities} == {"George Washington", "Washington"}


def test_ids_follow_mention_order_and_lookups():
    docs = [
        make_doc("a", ("Nancy Pelosi", "PERSON"), ("CNN", "ORG"), ("Pelosi", "PERSON")),
        make_doc("b", ("CNN", "ORG"), ("CNN", "ORG")),
    ]
    entities, links = resolve_entities(docs)
    assert [(e.id, e.name, e.mentions) for e in entities] == [
        ("e1", "CNN", 3),
        ("e2", "Nancy Pelosi", 2),
    ]
    assert entity_for_name("Ms. Pelosi", entities) == "e2"
    assert entity_for_name("cnn", entities) == "e1"
    assert entity_for_name("a senior administration official", entities) is None
    start = docs[0].entities[2].start
    assert entity_for_span(docs[0], links, start, start + 3) == "e2"


# --------------------------------------------------------------------------- the example
def test_example_entities(example_documents):
    entities, links = resolve_entities(example_documents)
    ids = [d.article.id for d in example_documents]
    kislyak = [e for e in entities if "Kislyak" in e.name]
    assert len(kislyak) == 1
    assert {"Sergey Kislyak", "Sergei Kislyak"} <= set(kislyak[0].variants)
    assert set(kislyak[0].sources) == set(ids)
    fbi = [e for e in entities if "FBI" in e.variants]
    assert len(fbi) == 1 and "Federal Bureau of Investigation" in fbi[0].variants
    sessions = by_name(entities, "Jeff Sessions")
    assert "Sessions" in sessions.variants and sessions.type == "PERSON"
    assert sessions.mentions >= 8 and set(sessions.sources) == set(ids)
    trumps = [e for e in entities if e.type == "PERSON" and "Trump" in e.name]
    assert [e.name for e in trumps] == ["Donald Trump"]
    assert [e.mentions for e in entities] == sorted((e.mentions for e in entities), reverse=True)
    assert set(links.values()) == {e.id for e in entities}


def test_no_mentions_no_entities():
    empty = Document(article=Article(id="x", text=""), sentences=())
    assert resolve_entities([empty]) == ((), {})


def test_a_function_word_the_tagger_ran_a_name_into_is_cut():
    from newsweave.entities import clean_surface

    assert clean_surface("Pantelis Vekios of") == "Pantelis Vekios"
    assert clean_surface("Clinton and") == "Clinton"
    # inside a name they stay
    assert clean_surface("Bank of America") == "Bank of America"
    assert clean_surface("Saved by the Bell") == "Saved by the Bell"


def test_a_person_run_into_an_of_phrase_is_the_person_before_it():
    from newsweave.entities import _before_of

    assert _before_of("Barksdale of Clark") == "Barksdale"
    # an office stays whole
    assert _before_of("Secretary of State") == "Secretary of State"


def test_a_word_without_a_capital_or_a_link_is_no_entity():
    docs = [make_doc("a", ("lava", "PERSON"), ("kittens", "PERSON"), ("Kilauea", "LOC"),
                     ("http://www.wagc.com", "PERSON"), ("Twitter @jmetr22b", "PERSON"),
                     ("iPhone", "PRODUCT"), ("Amazon.com", "ORG"), ("XXXX", "PERSON"),
                     ("X X X", "ORG"), ("XTO Energy", "ORG"), ("\x97 UPDATE", "PERSON"),
                     ("VIDEO", "ORG"))]
    entities, _links = resolve_entities(docs)
    assert sorted(e.name for e in entities) == ["Amazon.com", "Kilauea", "XTO Energy", "iPhone"]


def test_a_possessive_is_no_part_of_a_name():
    # a name's possessive, whatever its apostrophe, ends the name
    assert clean_surface("Julia Roberts‘ half-sister") == "Julia Roberts"
    assert clean_surface("Jeff Sessions' aide") == "Jeff Sessions"
    assert clean_surface("Woody Allen’s 1995") == "Woody Allen"
    assert clean_surface("Nickelodeon Kids' Choice Awards") == "Nickelodeon Kids' Choice Awards"
    # a possessive in lower case before the name; a title in capitals stays
    assert clean_surface("their Academy Award") == "Academy Award"
    assert clean_surface("His Holiness") == "His Holiness"


def test_a_page_control_glued_to_a_name_is_no_part_of_it():
    from newsweave.entities import clean_surface

    assert clean_surface("CLOSE Yu Darvish") == "Yu Darvish"
    assert clean_surface("ADVERTISEMENT Pete Davidson") == "Pete Davidson"
    assert clean_surface("\u2022 Johnny Manziel") == "Johnny Manziel"  # a link list's bullet
    # a headline's verb the tagger glued on; a name that is "Said" stays
    assert clean_surface("Said Kate") == "Kate"
    assert clean_surface("Meet Kate Gosselin") == "Kate Gosselin"
    assert clean_surface("Edward Said") == "Edward Said"
    # a byline's share button or a caption's label the tagger ran into the name
    assert clean_surface("Justin Sink - Tweet Jon Huntsman") == "Jon Huntsman"
    assert clean_surface("Image caption Supporters") == "Supporters"
    assert clean_surface("Story Continued Below Conservatives") == "Conservatives"
    # an acronym that belongs to the name stays
    assert clean_surface("FBI Director James Comey") == "FBI Director James Comey"


def test_a_person_the_tagger_called_an_organisation_is_one_person():
    """"Piers Morgan" tagged ORG, "Morgan" PERSON: one person, shown in full."""
    doc = make_doc("a", ("Piers Morgan", "ORG"), ("Morgan", "PERSON"), ("Morgan", "PERSON"))
    entities, _ = resolve_entities([doc])
    morgan = by_name(entities, "Piers Morgan")
    assert morgan.type == "PERSON" and set(morgan.variants) == {"Piers Morgan", "Morgan"}


@pytest.mark.parametrize(
    ("org", "mentions"),
    [
        # a team: its first word is a place
        ("Houston Astros", (("Houston", "GPE"), ("Houston Astros", "ORG"),
                            ("Astros", "PERSON"), ("Astros", "PERSON"))),
        # a bank beside a person tagged in full with its last word
        ("Goldman Sachs", (("Goldman Sachs", "ORG"), ("Jeffrey Sachs", "PERSON"),
                           ("Sachs", "PERSON"), ("Sachs", "PERSON"))),
        # the surname alone only once: too little to go on
        ("Interent Explorer", (("Interent Explorer", "ORG"), ("Explorer", "PERSON"))),
    ],
)
def test_an_organisation_stays_one_when_the_evidence_for_a_person_is_thin(org, mentions):
    entities, _ = resolve_entities([make_doc("a", *mentions)])
    assert by_name(entities, org).type == "ORG"


def test_a_surname_with_two_letters_swapped_is_a_typo_of_the_one_person():
    doc = make_doc("a", ("Jon Huntsman", "PERSON"), ("Hunstman", "PERSON"), ("Huntsman", "PERSON"))
    entities, _ = resolve_entities([doc])
    huntsman = by_name(entities, "Jon Huntsman")
    assert "Hunstman" in huntsman.variants and len(entities) == 1
    # a short name is left alone: "Lee" / "Lea" may be two people
    entities, _ = resolve_entities([make_doc("b", ("Spike Lee", "PERSON"), ("Lea", "PERSON"))])
    assert len(entities) == 2


def test_dateline_places_and_staff_credits_are_no_entities():
    text = ("NEW YORK (Reuters) - Sessions spoke in Washington. (Reporting by Jane Roe; "
            "Editing by John Doe)")

    def at(name: str, label: str) -> EntityMention:
        start = text.index(name)
        return EntityMention(start, start + len(name), name, label, 0)

    doc = Document(article=Article(id="a", text=text), sentences=(), entities=(
        at("NEW YORK", "GPE"), at("Reuters", "ORG"), at("Sessions", "PERSON"),
        at("Washington", "GPE"), at("Jane Roe", "PERSON"), at("John Doe", "PERSON")))
    entities, _links = resolve_entities([doc])
    assert sorted(e.name for e in entities) == ["Sessions", "Washington"]


def test_who_contributed_to_the_report_is_no_entity():
    first = "Rubio spoke in Miami on Monday."
    staff = "Tom Foreman Jr. and Jessica Gresko contributed to this report."
    text = f"{first} {staff}"
    at = text.index("Tom")
    doc = Document(
        article=Article(id="a", text=text),
        sentences=(Sentence(0, 0, len(first), first), Sentence(1, at, len(text), staff)),
        entities=(EntityMention(0, 5, "Rubio", "PERSON", 0),
                  EntityMention(15, 20, "Miami", "GPE", 0),
                  EntityMention(at, at + 15, "Tom Foreman Jr.", "PERSON", 1),
                  EntityMention(text.index("Jessica"), text.index("Jessica") + 14,
                                "Jessica Gresko", "PERSON", 1)))
    entities, _links = resolve_entities([doc])
    assert sorted(e.name for e in entities) == ["Miami", "Rubio"]


def test_a_pictures_credit_is_no_entity():
    text = ("Sessions spoke in Washington.\n\nSessions at his hearing in January. "
            "Photograph: Jim Lo Scalzo/EPA\n\nHe denied it.")

    def at(name: str, label: str, nth: int = 0) -> EntityMention:
        start = text.index(name) if not nth else text.index(name, text.index(name) + 1)
        return EntityMention(start, start + len(name), name, label, 0)

    doc = Document(article=Article(id="a", text=text), sentences=(), entities=(
        at("Sessions", "PERSON"), at("Washington", "GPE"), at("Sessions", "PERSON", 1),
        at("Jim Lo Scalzo", "PERSON"), at("EPA", "ORG")))
    entities, _links = resolve_entities([doc])
    assert sorted(e.name for e in entities) == ["Sessions", "Washington"]


def test_a_name_owning_a_foreign_minister_is_a_place_not_the_person_of_that_surname():
    """The tagger calls "Jordan" in "Jordan's foreign minister" a person, and it joined the
    donor "Michael Jordan" of another report, listed as in all three."""

    def doc(article_id: str, text: str, name: str, label: str) -> Document:
        start = text.index(name)
        mention = EntityMention(start, start + len(name), name, label, 0)
        return Document(article=Article(id=article_id, text=text), sentences=(),
                        entities=(mention,))

    docs = [doc("a", "Starmer met Jordan's foreign minister in London.", "Jordan", "PERSON"),
            doc("b", "Michael Jordan, a Labour donor, was at the dinner.", "Michael Jordan",
                "PERSON"),
            doc("c", "He met Jordan's top diplomat on Monday.", "Jordan", "PERSON"),
            doc("d", "Jordan said the team would win on Monday.", "Jordan", "PERSON")]
    entities, _ = resolve_entities(docs)
    assert by_name(entities, "Michael Jordan").sources == ("b", "d")
    assert by_name(entities, "Jordan").type == "GPE"
    assert by_name(entities, "Jordan").sources == ("a", "c")


def test_a_leaders_minister_after_the_leaders_full_name_stays_the_leader():
    text = "Nelson Mandela spoke on Monday. Mandela's health minister said the plan would work."
    first = EntityMention(0, 14, "Nelson Mandela", "PERSON", 0)
    start = text.index("Mandela's")
    alone = EntityMention(start, start + 7, "Mandela", "PERSON", 1)
    entities, _ = resolve_entities([Document(article=Article(id="a", text=text), sentences=(),
                                             entities=(first, alone))])
    assert [(e.name, e.type, e.mentions) for e in entities] == [("Nelson Mandela", "PERSON", 2)]
