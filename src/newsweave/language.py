"""Which language a text is in: the follower records it on each article (grouping keeps to
the languages asked for), and the summary lifts no sentence from a report in another language
than the story's own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

#: Text given to the language detector (its cost grows with length; a lead is enough).
LANGUAGE_SAMPLE_CHARS = 2000


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (py3langid, model shipped in the wheel); None
    for a text of fewer than three words."""
    return _detect_sample(text[:LANGUAGE_SAMPLE_CHARS])


@lru_cache(maxsize=2048)
def _detect_sample(sample: str) -> str | None:
    """Cached: a story is re-woven as its reports arrive, and each weave asks again."""
    if len(sample.split()) < 3:
        return None
    import py3langid

    code, _score = py3langid.classify(sample)
    return code or None


def main_language(languages: Iterable[str | None]) -> str | None:
    """The language more than half of the known ones share, else None (no clear majority)."""
    known = [lang for lang in languages if lang]
    if not known:
        return None
    lang, n = Counter(known).most_common(1)[0]
    return lang if 2 * n > len(known) else None
