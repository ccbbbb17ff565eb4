from newsweave.analyze import analyze
from newsweave.models import Article


def test_sentences_index_article_text_exactly():
    text = "WASHINGTON: The Senate voted on Tuesday.\n\nCALLS TO RESIGN\n\nPelosi spoke. He left."
    (doc,) = analyze([Article(id="a", text=text)])
    assert [s.text for s in doc.sentences] == [
        "WASHINGTON: The Senate voted on Tuesday.", "CALLS TO RESIGN", "Pelosi spoke.", "He left.",
    ]
    for s in doc.sentences:
        assert text[s.start : s.end] == s.text
    assert doc.vectors.shape == (4, 384)


def test_entities_have_offsets_and_sentences(example_documents):
    doc = example_documents[1]
    names = {m.text for m in doc.entities if m.label == "PERSON"}
    assert "Sergei Kislyak" in names
    for m in doc.entities:
        assert doc.article.text[m.start : m.end] == m.text
        s = doc.sentences[m.sentence]
        assert s.start <= m.start < s.end + 1


def test_batch_equals_single():
    arts = [Article(id="a", text="Alice Smith went to Paris."), Article(id="b", text="Bob ran.")]
    both = analyze(arts)
    one = analyze(arts[:1])
    assert [s.text for s in both[0].sentences] == [s.text for s in one[0].sentences]
    assert abs(float(both[0].vectors[0] @ one[0].vectors[0]) - 1) < 1e-4


def test_a_page_box_of_headlines_is_not_read_as_speakers_or_names():
    """The Hill's box after a name (the legal name glued to linked headlines, up to "MORE")
    is blanked before parsing: the senator speaks, the headlines are no speakers, no names and
    no sentence ends, and every offset still indexes the original text."""
    text = ("\u201cIt\u2019s going to be a big battle,\u201d said Sen. Orrin Hatch Orrin Grant "
            "HatchAppeals court nominees languish as Flake demands tariff vote. Overnight "
            "Health Care: Trump nominee vows to restore trust MORE (R-Utah), a former chairman "
            "of the Judiciary Committee. \u201cWe need someone ready,\u201d said Sen. John "
            "Kennedy John Neely KennedyMORE (R-La.), another member.")
    doc = analyze([Article(id="hill", text=text)])[0]
    speakers = {q.speaker for q in doc.quotes}
    assert {"Orrin Hatch", "John Kennedy"} <= speakers
    assert not any("Flake" in s or "Overnight" in s or "MORE" in s for s in speakers if s)
    assert not any("Overnight" in e.text or "Flake" in e.text for e in doc.entities)
    assert len(doc.sentences) == 2
    for s in doc.sentences:
        assert text[s.start:s.end] == s.text


def test_a_given_name_the_tagger_left_out_is_part_of_the_persons_name():
    """spaCy tags only "Solomon" in "Enver Solomon, chief executive of ..., said": the given
    name the parser hangs on it as a compound belongs to the name, for "who is who" and for
    the speaker; a title before a name ("Senator") stays out."""
    text = ("Enver Solomon, chief executive of the Refugee Council, said: \u201cToday\u2019s "
            "ruling is a victory for common sense.\u201d\n\nSenator Warren said it was late.")
    (doc,) = analyze([Article(id="a", text=text)], embed=False)
    names = {m.text for m in doc.entities if m.label == "PERSON"}
    assert "Enver Solomon" in names and "Solomon" not in names
    assert not any(n.startswith("Senator") for n in names)
    assert [q.speaker for q in doc.quotes][:1] == ["Enver Solomon"]
