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
