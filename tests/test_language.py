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


def test_a_text_written_without_spaces_is_judged_by_its_characters() -> None:
    """A Japanese or Chinese report is one "word" by spaces: its language was never judged,
    so it was stored with none and grouped with the English stories."""
    japanese = ("東京都は月曜日、新しい予算案を発表した。知事は記者会見で、子育て支援と防災"
                "対策に重点を置くと述べた。予算の総額は過去最大となった。")
    chinese = ("北京市政府周一公布了新的预算方案。市长在新闻发布会上表示，将重点支持教育和防灾"
               "工作。预算总额创历史新高，议会将于下月开始审议。各界人士普遍表示支持。")
    assert len(japanese.split()) == 1
    assert reliable_language(japanese) == "ja" and detect_language(japanese) == "ja"
    assert reliable_language(chinese) == "zh"
    assert reliable_language("東京都") is None  # a headline's worth is still too little
