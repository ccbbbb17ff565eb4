"""Which language a text is in: the follower records it on each article (grouping keeps to
the languages asked for), and the summary lifts no sentence from a report in another language
than the story's own."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

#: Text given to the language detector (its cost grows with length; a lead is enough).
LANGUAGE_SAMPLE_CHARS = 2000


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (py3langid, model shipped in the wheel); None
    for a text of fewer than three words."""
    return _detect_sample(text[:LANGUAGE_SAMPLE_CHARS])


#: characters of scripts written without spaces between words (Han, kana, Hangul
#: syllables, Thai, Lao, Khmer, Myanmar): each counts as a word, as a word there is one to
#: three of them
_UNSPACED = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff"
                       "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def word_count(text: str, at_most: int | None = None) -> int:
    """Words of ``text`` for judging its language: space-separated words, and for a script
    without spaces its characters (a Japanese report of 800 characters is one "word" by
    spaces, and its language was never judged: it was grouped with the English stories)."""
    words = len(text.split(maxsplit=at_most) if at_most is not None else text.split())
    if at_most is not None and words >= at_most:
        return words
    return words + len(_UNSPACED.findall(text))


@lru_cache(maxsize=2048)
def _detect_sample(sample: str) -> str | None:
    """Cached: a story is re-woven as its reports arrive, and each weave asks again."""
    if word_count(sample, 3) < 3:
        return None
    import py3langid

    code, _score = py3langid.classify(sample)
    return code or None


#: Fewer words than this are too few to judge a report's language by: over the 1,292 reports
#: of the MDS dev sets (one of them Dutch), py3langid read the first 8 words as another
#: language than English 18% of the time, the first 40 words 0.4% (the Dutch one among them),
#: the first 60 only for the Dutch one ("Angela Merkel meets Emmanuel Macron in Berlin" reads
#: as Dutch).
RELIABLE_WORDS = 60


def reliable_language(text: str, recorded: str | None = None) -> str | None:
    """The language of a text long enough to be judged (``recorded``, the one stored with
    the article, else ``detect_language``), else None (unknown): a language recorded for a
    headline-length text was guessed from too little."""
    if word_count(text, RELIABLE_WORDS) < RELIABLE_WORDS:
        return None
    return recorded or detect_language(text)


def main_language(languages: Iterable[str | None]) -> str | None:
    """The language more than half of the known ones share, else None (no clear majority)."""
    known = [lang for lang in languages if lang]
    if not known:
        return None
    lang, n = Counter(known).most_common(1)[0]
    return lang if 2 * n > len(known) else None
