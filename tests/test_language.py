"""Language detection and a story's main language (``language.py``)."""

from __future__ import annotations

import pytest

from newsweave.language import RELIABLE_WORDS, detect_language, main_language, reliable_language

ENGLISH = ("The harbour authority closed the northern pier on Monday after inspectors found "
           "deep cracks in its concrete supports.")
DUTCH = ("De havenautoriteit heeft maandag de noordelijke pier gesloten nadat inspecteurs "
         "diepe scheuren in de betonnen steunen hadden gevonden.")


def test_detects_english_and_dutch() -> None:
    assert detect_language(ENGLISH) == "en"
    assert detect_language(DUTCH) == "nl"


@pytest.mark.parametrize("text", ["", "Breaking", "Two words"])
def test_too_short_to_tell(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(("languages", "main"), [
    (["en", "en", "nl"], "en"),
    (["en", None, None, "nl", "en"], "en"),  # unknown ones do not count
    (["en", "nl"], None),  # a tie: no majority
    (["en", "nl", "de"], None),
    ([None, None], None),
    ([], None),
])
def test_main_language_needs_a_majority(languages: list[str | None], main: str | None) -> None:
    assert main_language(languages) == main


def test_a_short_text_is_not_judged() -> None:
    """A headline-length text full of names can read as another language; below
    ``RELIABLE_WORDS`` words the language is left unknown."""
    short = "Angela Merkel meets Emmanuel Macron in Berlin"
    assert reliable_language(short) is None
    long = " ".join([ENGLISH] * 4)
    assert len(long.split()) >= RELIABLE_WORDS and reliable_language(long) == "en"
    assert reliable_language(" ".join([DUTCH] * 4)) == "nl"
    assert reliable_language(long, recorded="fr") == "fr"  # the stored language is trusted
    assert reliable_language(short, recorded="nl") is None  # but not for a headline
