"""Weaving with near-verbatim copies (syndication): a copy is flagged on its source, and it
adds no independent origin to a summary sentence or a coverage count; from files and from
the store."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from newsweave.cli import main
from newsweave.group import find_copies
from newsweave.models import Article, Brief
from newsweave.render import render_html, render_markdown
from newsweave.store import open_store
from newsweave.weave import count_origins, resolve_copies, weave_articles

BODY = (
    "Flood waters swept through the river town of Marlow on Monday, forcing hundreds of "
    "families from their homes as the Tamsin River burst its banks after three days of rain. "
    "Mayor Helen Brooks said emergency crews rescued forty-two people from rooftops and cars "
    "overnight. \"We have never seen the water rise this fast,\" Brooks told reporters outside "
    "the town hall. The regional weather office recorded 180 millimetres of rain since Friday, "
    "more than the usual total for the whole of October. Schools across the district stayed "
    "closed, and the main bridge into Marlow was shut after engineers found cracks in one of "
    "its supports. Volunteers filled sandbags at the football ground while the army sent two "
    "helicopters to reach farms cut off by the flood. Insurers expect claims to run into "
    "millions, and the county council opened three shelters in church halls for residents "
    "who could not return home. Forecasters warned that more rain could fall on Wednesday."
)
ORIGINAL = "By Jane Roe, Wire Service\n" + BODY
COPY = "Staff and agencies, Daily Courier\n" + BODY
OTHER = (
    "Hundreds of residents of Marlow were evacuated on Monday when the Tamsin River flooded "
    "the town. Emergency crews rescued forty-two people from rooftops and cars overnight, "
    "Mayor Helen Brooks said. Farmers outside the town counted hundreds of drowned sheep, and "
    "the local hospital moved patients from its ground floor to upper wards as a precaution. "
    "A spokesman for the water company said drinking water was safe but asked people to boil "
    "it for a week. The government promised an emergency fund for the worst-hit households."
)


def articles() -> list[Article]:
    """The copy comes first in input order but was published later: the original is earlier."""
    return [
        Article(id="copy", text=COPY, title="Floods hit Marlow", outlet="Daily Courier",
                published="2021-10-05"),
        Article(id="orig", text=ORIGINAL, title="Floods hit Marlow", outlet="Wire",
                published="2021-10-04"),
        Article(id="other", text=OTHER, title="Marlow evacuated as river floods",
                outlet="Gazette", published="2021-10-05"),
    ]


# --------------------------------------------------------------------------- detection
def test_find_copies_flags_verbatim_copy_with_new_byline() -> None:
    assert find_copies(articles()) == {"copy": "orig"}


def test_find_copies_collapses_chains_and_skips_short_texts() -> None:
    second = Article(id="copy2", text="Updated\n" + COPY, published="2021-10-06")
    short = [Article(id=f"s{i}", text="Floods hit Marlow.", published="2021-10-04")
             for i in range(2)]
    found = find_copies([*articles(), second, *short])
    assert found == {"copy": "orig", "copy2": "orig"}
    assert find_copies(articles()[1:]) == {}


def test_resolve_copies_points_every_copy_at_a_present_source() -> None:
    arts = [Article(id=i, text="x", published=f"2021-01-0{n}") for n, i in
            enumerate(["b", "c", "d"], start=1)]
    # chains collapse; "a" (the original) is not in the set: its earliest copy stands in
    assert resolve_copies(arts, {"b": "a", "c": "b", "d": "z"}) == {"c": "b"}
    assert resolve_copies(arts, {"c": "b", "d": "c"}) == {"c": "b", "d": "b"}
    assert resolve_copies(arts, {"b": "c", "c": "b"}) == {"c": "b"}  # a cycle ends


def test_count_origins_collapses_copies() -> None:
    copy_of = {"copy": "orig"}
    assert count_origins(["orig", "copy"], copy_of) == 1
    assert count_origins(["orig", "copy", "other"], copy_of) == 2
    assert count_origins(["copy"], copy_of) == 1


# --------------------------------------------------------------------------- weave
@pytest.fixture(scope="module")
def brief() -> Brief:
    return weave_articles(articles())


def test_brief_flags_the_copy_on_its_source(brief: Brief) -> None:
    copy_of = {s.id: s.copy_of for s in brief.sources}
    assert copy_of == {"copy": "orig", "orig": None, "other": None}


def test_copy_citation_adds_no_origin(brief: Brief) -> None:
    assert brief.summary
    for s in brief.summary:
        roots = {"orig" if c == "copy" else c for c in s.citations}
        assert s.origins == len(roots), s
    both = [s for s in brief.summary if {"orig", "copy"} <= set(s.citations)]
    assert both, "the copy should be cited beside its original"
    assert all(s.origins < len(s.citations) for s in both)
    other = [s for s in both if "other" in s.citations]
    assert other and all(s.origins == 2 for s in other)  # a different article does count


def test_fact_in_original_and_copy_only_is_unique_to_one_origin(brief: Brief) -> None:
    unique = {u.source: u.sentences for u in brief.coverage.unique}
    assert "copy" not in unique  # the copy adds nothing of its own
    assert any("180 millimetres" in s for s in unique.get("orig", ()))


def test_given_copies_override_detection() -> None:
    plain = weave_articles(articles(), copies={})
    assert all(s.copy_of is None for s in plain.sources)
    assert all(s.origins == len(s.citations) for s in plain.summary)
    # counted as two sources, the copy made the original's facts look corroborated
    assert not any("180 millimetres" in t for u in plain.coverage.unique for t in u.sentences)


def test_renderers_show_copies_and_independent_count(brief: Brief) -> None:
    md = render_markdown(brief)
    assert "3 sources (2 independent)" in md
    assert "(copy of [2])" in md  # sources are numbered in input order: copy, orig, other
    assert "(2 independent)" in md.split("## Summary")[1].split("##")[0]
    page = render_html(brief)
    assert "(copy of [2])" in page and "3 sources (2 independent)" in page


# --------------------------------------------------------------------------- store
def test_store_story_weaves_with_copy_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(
        json.dumps({"id": a.id, "text": a.text, "title": a.title, "outlet": a.outlet,
                    "published": a.published}) + "\n"
        for a in articles()
    ), encoding="utf-8")
    db = str(tmp_path / "s.db")
    assert main(["ingest", str(feed), "--db", db, "--no-progress"]) == 0
    assert main(["stories", "--db", db]) == 0
    with open_store(db) as store:
        story = next(s for s in store.list_stories() if "copy" in s.article_ids)
        assert store.story_duplicates(story.id) == {"copy": "orig"}
    capsys.readouterr()
    from fastapi.testclient import TestClient

    from newsweave.serve import create_app

    with pytest.MonkeyPatch.context() as mp:  # the store's flags are used, not re-detected
        mp.setattr("newsweave.weave.find_copies", lambda arts: {})
        assert main(["weave", "--db", db, "--story", story.id, "--format", "json"]) == 0
        woven = json.loads(capsys.readouterr().out)
        # the web reader's source list marks the copy, from the same flags
        with open_store(db) as store, TestClient(create_app(store, None)) as client:
            if client.get(f"/stories/{story.id}").status_code == 202:  # woven in background
                assert client.app.state.background.wait_idle(30)
            page = client.get(f"/stories/{story.id}").text
    copy_of = {s["id"]: s["copy_of"] for s in woven["sources"]}
    assert copy_of["copy"] == "orig" and copy_of["orig"] is None
    assert all(s["origins"] <= len(s["citations"]) for s in woven["summary"])
    number = {s["id"]: n for n, s in enumerate(woven["sources"], start=1)}
    assert f"copy of [{number['orig']}]" in page and page.count("copy of [") == 1


def test_a_source_on_the_other_side_of_a_discrepancy_is_not_cited() -> None:
    """"was fired" is no source for "resigned": the brief's own discrepancy of that fact
    takes the citation away, while the sentence keeps the sources that agree."""
    from newsweave.coverage import contradicted_sources
    from newsweave.models import Claim, Discrepancy, Origin

    fact = Discrepancy(topic="Grant: resigned vs was fired", kind="fact", claims=(
        Claim("Grant resigned", ("a",), (Origin("a", 10, 24),)),
        Claim("Grant was fired", ("b",), (Origin("b", 0, 15),))))
    spelling = dataclasses.replace(fact, kind="spelling")
    evidence = (Origin("a", 0, 40), Origin("b", 0, 30), Origin("c", 0, 30))
    assert contradicted_sources(evidence, [fact]) == {"b"}
    assert contradicted_sources(evidence, [spelling]) == frozenset()
    # the sentence is on neither side: nothing to take away
    assert contradicted_sources((Origin("a", 50, 60), Origin("b", 0, 30)), [fact]) == frozenset()
    brief = weave_articles([
        Article(id="a", text="Norland's chief executive, Paula Grant, resigned on Tuesday. "
                "The company said the warehouse would reopen in May.", published="2024-03-12"),
        Article(id="b", text="Norland's chief executive, Paula Grant, was fired by the board on "
                "Tuesday. The company said the warehouse would reopen in May.",
                published="2024-03-12"),
    ])
    assert any(d.topic.endswith("resigned vs was fired") for d in brief.coverage.discrepancies)
    for s in brief.summary:
        if "resigned" in s.text:
            assert s.citations == ("a",) and s.origins == 1
        if "was fired" in s.text:
            assert s.citations == ("b",)
    # nor does the timeline list the firing's outlet under the resignation (they were one
    # entry citing both); the sentence both carry stays one
    tuesday = {e.text: e.sources for e in brief.timeline if e.date == "2024-03-12"}
    assert {t: src for t, src in tuesday.items() if "Grant" in t} == {
        "Norland's chief executive, Paula Grant, resigned on Tuesday.": ("a",),
        "Norland's chief executive, Paula Grant, was fired by the board on Tuesday.": ("b",)}


def test_a_sources_published_is_the_date_the_contract_asks_for() -> None:
    """`sources[].published` carried a time and offset where the contract says "ISO date
    (YYYY-MM-DD)", and the story's last date too when its latest report had one; the time
    stays, as `published_at` (extra to the contract)."""
    brief = weave_articles([
        Article(id="a", text="The council put off its vote on Tuesday.",
                published="2024-03-05T23:40:00-05:00"),
        Article(id="b", text="The council delayed the vote on Tuesday, members said.",
                published="2024-03-06"),
    ])
    by_id = {s.id: s for s in brief.sources}
    assert by_id["a"].published == "2024-03-05"  # its own local day, not UTC's
    assert by_id["a"].published_at == "2024-03-05T23:40:00-05:00"
    assert by_id["b"].published == "2024-03-06" and by_id["b"].published_at is None
    assert (brief.story.first_published, brief.story.last_published) == (
        "2024-03-05", "2024-03-06")


def test_a_revised_source_says_when_it_was_updated() -> None:
    """The brief's sources carried no update stamp though ingest reads one: a reader could
    not see that a report was revised, or when (the update-dated paragraphs depend on it)."""
    brief = weave_articles([
        Article(id="a", text="The council put off its vote on Tuesday.", title="Vote put off",
                published="2024-03-07", updated="2024-03-08T09:15:00+00:00"),
        Article(id="b", text="The council delayed the bridge vote on Tuesday.",
                title="Vote delayed", published="2024-03-06"),
    ])
    by_id = {s.id: s for s in brief.sources}
    assert (by_id["a"].updated, by_id["b"].updated) == ("2024-03-08T09:15:00+00:00", None)
    from newsweave.render import render_json, render_text

    sources = {s["id"]: s for s in json.loads(render_json(brief))["sources"]}
    assert sources["a"]["updated"] == "2024-03-08T09:15:00+00:00"
    assert sources["b"]["updated"] is None
    assert "2024-03-07 — updated 2024-03-08T09:15:00+00:00" in render_text(brief)
