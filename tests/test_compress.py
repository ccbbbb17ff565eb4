"""Sentence compression: deletions that leave a grammatical sentence, never inside a quote."""

import pytest

from newsweave.compress import compressions, headline_clauses
from newsweave.nlp import get_nlp


def _forms(text: str) -> list[str]:
    doc = get_nlp()(text)
    return [short for short, _ in compressions(doc[:])]


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("The levee failed after three days of heavy rain, according to the mayor of the town.",
         "The levee failed after three days of heavy rain."),
        ("Sessions, a former senator from Alabama, who was among the early backers of the "
         "campaign, did not disclose the meetings with the ambassador when he was asked at his "
         "confirmation hearing in January.",
         "Sessions did not disclose the meetings with the ambassador when he was asked at his "
         "confirmation hearing in January."),
        ("The company reported a loss of five million dollars on Tuesday (March 2) in its "
         "annual statement.",
         "The company reported a loss of five million dollars on Tuesday in its annual "
         "statement."),
        ("According to the police, the suspect fled the scene in a stolen car on Monday night.",
         "The suspect fled the scene in a stolen car on Monday night."),
    ],
)
def test_compressions(text, short):
    assert short in _forms(text)


def test_every_form_is_a_deletion_of_the_sentence():
    text = ("Sessions, a former senator from Alabama, who was among the early backers of the "
            "campaign, did not disclose the meetings, according to the newspaper.")
    doc = get_nlp()(text)
    for short, cut in compressions(doc[:]):
        kept = "".join(ch for k, ch in enumerate(text) if not any(a <= k < b for a, b in cut))
        assert short.split() == kept.split()
        assert short.endswith(".") and short[0].isupper()


def test_quotation_is_never_cut():
    text = ("\u201cThe plan, which we drafted in May with the council, is dead,\u201d the mayor "
            "told reporters at the hall.")
    assert all("which we drafted" in form for form in _forms(text))


def test_an_archive_quotation_is_never_cut():
    """The news archives write ``quote'': a description inside one is someone's words too."""
    text = ("``The plan, which we drafted in May with the council, is dead,'' the mayor told "
            "reporters at the hall.")
    assert all("which we drafted" in form for form in _forms(text))


def test_short_sentence_is_not_cut_to_a_stub():
    assert _forms("Smith, the mayor, resigned.") == [] or all(
        len(f.split()) >= 2 for f in _forms("Smith, the mayor, resigned.")
    )


def test_headline_clauses():
    nlp = get_nlp()
    claims = headline_clauses(nlp("Mayor stands by police chief as critics seek his resignation"))
    assert len(claims) == 2
    assert any(c.startswith("Mayor stands by") for c in claims)
    assert any("critics seek his resignation" in c for c in claims)
    assert headline_clauses(nlp("Flood forces 4,000 from their homes")) == [
        "Flood forces 4,000 from their homes"
    ]


def test_list_item_taken_for_an_apposition_is_not_cut():
    text = ("The charges include cruelty, maltreatment of prisoners, disobeying a superior "
            "officer, willful dereliction of duty and making false statements.")
    assert all("maltreatment of prisoners" in form for form in _forms(text))
