import pytest

from newsweave.wording import count


@pytest.mark.parametrize(("n", "noun", "expected"), [
    (1, "story", "1 story"), (0, "story", "0 stories"), (2, "story", "2 stories"),
    (1, "article", "1 article"), (3, "article", "3 articles"),
    (2, "near-duplicate copy", "2 near-duplicate copies"), (1, "bad record", "1 bad record"),
])
def test_count_is_singular_only_for_one(n, noun, expected):
    assert count(n, noun) == expected
