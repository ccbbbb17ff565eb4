"""The live-page benchmark's stubs and corrections are what it says, and its replay stores
a stub's report as the article's next version, which the shipped rule regroups."""

from __future__ import annotations

import random
from pathlib import Path

from benchmarks import revised_grouping as bench
from newsweave.models import Article

REPORT = ("Floods swept through Lowmoor on Tuesday after two days of heavy rain. Rescue teams "
          "evacuated 40 homes near the harbour bridge, officials said. The river rose by two "
          "metres overnight and the bridge was closed to traffic until further notice. "
          "Residents gathered at the school, which opened as a shelter for the night. "
          "The council said the cost of the damage would not be known for weeks.")


def test_stub_is_the_first_sentences_up_to_thirty_words() -> None:
    article = Article(id="a", text=REPORT, title="Floods in Lowmoor")
    stub = bench.stub_of(article)
    assert REPORT.startswith(stub.text) and stub.text.endswith("until further notice.")
    assert 30 <= len(stub.text.split()) < len(REPORT.split()) and stub.title == article.title
    generic = bench.stub_of(article, bench.GENERIC_HEADLINE)
    assert (generic.text, generic.title) == (stub.text, "Breaking news")


def test_correction_changes_one_word_and_adds_a_line() -> None:
    fixed = bench.corrected(Article(id="a", text=REPORT), random.Random(1))
    words, new = REPORT.split(" "), fixed.text.split("\n\n")[0].split(" ")
    assert sum(a != b for a, b in zip(words, new, strict=True)) == 1
    assert fixed.text.endswith("This article has been corrected.")


def test_replay_regroups_a_stub_only_when_asked(tmp_path: Path) -> None:
    events = [("Floods in Lowmoor", REPORT),
              ("Fire at Harwick mill", REPORT.replace("Floods swept through Lowmoor",
                                                       "A fire destroyed the mill in Harwick")
               .replace("heavy rain", "a dry spell"))]
    more = " ".join(f"Witness {i} described the scene to reporters." for i in range(12))
    articles = [Article(id=f"{e}-{r}", title=title, text=f"Report {r} of {e}. {text} {more}",
                        published=f"2023-03-{r + 1:02d}", url=f"https://x.example/{e}/{r}")
                for e, (title, text) in enumerate(events) for r in range(4)]
    articles.sort(key=lambda a: a.published or "")
    for on in (False, True):
        with bench.regrouping(on):
            pred, revised, regrouped, _ = bench.replay(articles, "stub", 1.0, 1, 4, tmp_path)
        assert revised == {a.id for a in articles} and set(pred) == revised
        assert (regrouped > 0) is on


def test_scale_part_times_regrouping_beside_new_articles(capsys) -> None:
    assert bench.main(["--sets", "--scale", "60", "--no-write"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert [r.split(" | ")[2] for r in rows] == ["60 grouped |", "30 regrouped |", "30 grouped |"]
