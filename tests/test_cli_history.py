"""`newsweave history`: a story's stored versions and what each added, for a terminal or a
script. Briefs are written straight into the store (no models run)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_postgres import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from newsweave import app
from newsweave.cli import main
from newsweave.models import Article
from newsweave.store import Store, open_store

ARTICLES = [Article(id=f"a{i}", text=f"Report {i} on the harbour bridge vote.",
                    title=f"Bridge vote {i}", outlet=f"Paper {i}", published=f"2021-05-0{i}")
            for i in range(1, 4)]


def source(a: Article) -> dict[str, Any]:
    return {"id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published,
            "url": None, "path": None, "words": a.words}


def brief(members: list[Article], quotes: list[dict[str, Any]] = (),
          timeline: list[dict[str, Any]] = ()) -> str:
    return json.dumps({
        "schema": "newsweave.brief/1", "story": {"id": "s-a", "headline": "Bridge vote"},
        "sources": [source(a) for a in members],
        "summary": [{"text": f"The council voted ({len(members)} reports).",
                     "citations": [a.id for a in members]}],
        "quotes": list(quotes), "entities": [], "timeline": list(timeline),
        "coverage": {"shared_passages": [], "unique": [], "discrepancies": []}})


def quote(speaker: str | None, text: str, direct: bool, low: bool = False) -> dict[str, Any]:
    return {"speaker": speaker, "text": text, "low_confidence": low, "confidence": 0.9,
            "sources": [{"source": "a2", "text": text, "direct": direct}]}


HOSTILE = "Mayor \x1b[31mRed\x1b[0m"


@pytest.fixture()
def db(db_url: str) -> str:  # noqa: F811 - the fixture imported above
    """Story s-a: version 1 (a1), version 2 (a1, a2; two statements, one dated entry),
    version 3 (a2 only: a1 moved to story s-b, which has no brief yet); on both back ends."""
    url = db_url
    a1, a2, _ = ARTICLES
    with open_store(url) as store:
        store.add_articles(ARTICLES)
        store.save_stories({a1.id: "s-a"}, {"s-a": "Bridge vote"})
        store.add_brief_version("s-a", [a1.id], "f1", brief([a1]))
        store.save_stories({a2.id: "s-a"}, {"s-a": "Bridge vote"})
        quotes = [quote(HOSTILE, "The bridge opens in March,", True),
                  quote(None, "that the vote was rushed", False, low=True)]
        timeline = [{"date": "2022-03", "text": "The bridge opens.", "sources": ["a2"]}]
        store.add_brief_version("s-a", [a1.id, a2.id], "f2", brief([a1, a2], quotes, timeline))
        store.save_stories({a1.id: "s-b"}, {"s-b": "Ferry strike"})
        store.add_brief_version("s-a", [a2.id], "f3", brief([a2], quotes, timeline))
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["history", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_each_version_says_what_it_added_over_the_one_before(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "s-a", "--db", db)
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "Story s-a: Bridge vote" and lines[1] == "3 versions, oldest first:"
    assert lines[2].endswith("UTC  1 source  new story")  # as `stories --list` says it
    assert lines[3].endswith("2 sources  1 new source, 1 new summary sentence, 1 summary "
                             "sentence dropped, 2 new quotes, 1 new timeline entry")
    # against version 2, not the first: a source that left, the new sentence and the one it
    # replaced count
    assert lines[4].endswith("1 source  1 source moved to another story, "
                             "1 new summary sentence, 1 summary sentence dropped")
    rc, out, _ = run(capsys, "s-a", "--db", db, "--format", "json")
    history = json.loads(out)
    assert [(v["version"], v["sources"]) for v in history] == [(1, 1), (2, 2), (3, 1)]
    assert history[0]["changes"] == "new story" and history[2]["headline"] == "Bridge vote"


def test_last_lists_the_latest_versions_against_the_ones_before(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "s-a", "--db", db, "--last", "1")
    assert rc == 0
    lines = out.splitlines()
    assert lines[1] == "3 versions, the latest 1 listed, oldest first:" and len(lines) == 3
    assert lines[2].startswith("  version 3  ")  # still against version 2, read for it
    assert lines[2].endswith("1 source moved to another story, 1 new summary sentence, "
                             "1 summary sentence dropped")
    rc, out, _ = run(capsys, "s-a", "--db", db, "--last", "9", "--format", "json")
    assert [v["version"] for v in json.loads(out)] == [1, 2, 3]


def test_since_lists_each_change_with_untrusted_text_made_harmless(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "s-a", "--db", db, "--since", "1")
    assert rc == 0 and err == ""
    assert out.startswith("Story s-a, version 3 against version 1: 1 new source, 1 source "
                          "moved to another story, 2 new quotes, 1 new timeline entry\n")
    assert "\x1b" not in out and "Mayor [31mRed[0m: \u201cThe bridge opens in March\u201d" in out
    assert "unattributed (speaker uncertain): (reported) the vote was rushed" in out
    assert "New timeline entries:\n  - 2022-03: The bridge opens." in out
    assert "New in the summary" not in out  # version 3's sentence reads as version 1's

    rc, out, _ = run(capsys, "s-a", "--db", db, "--since", "2", "--format", "json")
    changes = json.loads(out)
    assert (changes["since"], changes["version"]) == (2, 3)
    assert [(s["id"], s["now_in"]) for s in changes["left_sources"]] == [("a1", ["s-b"])]
    rc, out, _ = run(capsys, "s-a", "--db", db, "--since", "2")
    assert "Sources now in another story:\n  - Bridge vote 1 (Paper 1, 2021-05-01) [a1], " \
           "now in story s-b" in out


def test_version_compares_two_earlier_versions(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "s-a", "--db", db, "--since", "1", "--version", "2")
    assert rc == 0
    assert out.startswith("Story s-a, version 2 against version 1: 1 new source,")
    assert "New sources:\n  - Bridge vote 2 (Paper 2, 2021-05-02) [a2]" in out
    rc, out, _ = run(capsys, "s-a", "--db", db, "--since", "3", "--version", "3")
    assert rc == 0 and "version 3 against version 3: nothing a reader sees changed" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["nope"], "no story nope in "),
    (["s-b"], "story s-b has no stored brief yet: `newsweave update` weaves it"),
    (["s-a", "--since", "9"], "--since 9: story s-a has no stored version 9 (it has "
                              "versions 1-3)"),
    (["s-a", "--since", "1", "--version", "0"], "--version 0: story s-a has no stored "
                                               "version 0"),
    (["s-a", "--version", "2"], "--version M compares with --since N: give both"),
    (["s-a", "--since", "3", "--version", "2"], "--since 3 is above --version 2"),
    (["s-a", "--last", "0"], "--last takes a number from 1"),
    (["s-a", "--last", "2", "--since", "1"], "without --since"),
])
def test_a_mistake_is_one_line_and_exit_2(db: str, capsys: pytest.CaptureFixture[str],
                                          argv: list[str], message: str) -> None:
    rc, out, err = run(capsys, argv[0], "--db", db, *argv[1:])
    assert rc == 2 and out == ""
    assert err.startswith("newsweave: error: ") and message in err
    assert len(err.splitlines()) == 1


def test_a_story_merged_away_keeps_its_history_and_names_where_its_articles_are(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with open_store(db) as store:
        store.save_stories({"a2": "s-b"}, {"s-b": "Ferry strike"})  # s-a is left empty
        assert store.get_story("s-a") is None
    rc, out, err = run(capsys, "s-a", "--db", db)
    assert rc == 0 and "3 versions, oldest first:" in out
    assert err == "newsweave: story s-a is no longer stored: its articles are in story s-b now\n"
    rc, out, err = run(capsys, "s-a", "--db", db, "--format", "json")
    assert len(json.loads(out)) == 3 and "in story s-b now" in err


def test_story_history_diffs_consecutive_versions(db: str) -> None:
    with open_store(db) as store:
        assert isinstance(store, Store)
        lines = [v["changes"] for v in app.story_history(store, "s-a")]
        assert lines[0] == "new story"  # as the text and the story list say (JSON had "")
        assert app.story_history(store, "s-a", last=1)[0]["changes"] != "new story"
        assert lines[2] == ("1 source moved to another story, 1 new summary sentence, "
                            "1 summary sentence dropped")
        assert app.brief_changes(store, "s-a", 1, 2)["version"] == 2
        assert app.brief_changes(store, "s-a", 1, 7) is None


def test_history_reads_the_counts_stored_with_each_version(
        db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each version's line comes from the counts stored with it, so a history of thousands
    of versions asks no per-version query; a version stored before the counts were kept is
    compared as before, to the same line."""
    from sqlalchemy import text

    with open_store(db) as store:
        asked: list[int] = []
        real = store.revised_between
        monkeypatch.setattr(store, "revised_between",
                            lambda *a: asked.append(1) or real(*a))
        stored = app.story_history(store, "s-a")
        assert asked == [] and stored[2]["changes"].startswith("1 source moved")
        assert app.story_updates(store, 10)[0]["changes"] == stored[2]["changes"]
        assert asked == []  # no source was revised: the feed asks nothing either
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM brief_changes"))
        assert [v["counts"] for v in stored] == [
            {}, {"new_sources": 1, "new_summary": 1, "dropped_summary": 1, "new_quotes": 2,
                 "new_timeline": 1},
            {"left_sources": 1, "new_summary": 1, "dropped_summary": 1}]
        again = app.story_history(store, "s-a")
        assert [v["counts"] for v in again] == [None] * 3 and len(asked) == 2
        assert [v | {"counts": None} for v in stored] == again


def test_story_updates_are_the_latest_versions_newest_first_each_against_the_one_before(
        db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(db) as store:
        cache: dict = {}
        updates = app.story_updates(store, 10, cache=cache)
        assert [(u["story_id"], u["version"]) for u in updates] == [
            ("s-a", 3), ("s-a", 2), ("s-a", 1)]
        assert updates[0]["changes"] == ("1 source moved to another story, 1 new summary "
                                         "sentence, 1 summary sentence dropped")
        assert updates[0]["items"] == [
            "Now in another story: Bridge vote 1 (Paper 1)",
            "In the summary: The council voted (1 reports).",
            "No longer in the summary: The council voted (2 reports)."]
        assert updates[1]["items"][0] == "New source: Bridge vote 2 (Paper 2)"
        assert f"{HOSTILE}: \u201cThe bridge opens in March\u201d" in updates[1]["items"]
        # reported speech is not put between quotation marks in an update either
        assert "Unattributed: (reported) the vote was rushed" in updates[1]["items"]
        assert updates[2]["changes"] == "" and updates[2]["sources"] == 1
        assert updates[2]["items"] == ["The council voted (1 reports)."]  # what happened
        assert cache[("s-a", 3)] == app.Update("Bridge vote", 1, updates[0]["changes"],
                                               tuple(updates[0]["items"]))
        # a stored version never changes: it is reused, and no brief is read for it
        cache[("s-a", 3)] = app.Update("Cached", 1, "cached", ())
        monkeypatch.setattr(store, "get_brief_version", None)
        assert app.story_updates(store, 1, "s-a", cache)[0]["changes"] == "cached"
        assert app.story_updates(store, 5, "s-b") == []


def test_a_revised_source_is_not_called_a_correction():
    """A teaser completed by its page later is a new text under the same URL, not
    necessarily the outlet's correction: the heading says only what is known."""
    from newsweave.cli_history import changes_text

    changes = {"version": 2, "since": 1, "new_sources": [], "left_sources": [],
               "revised_sources": [{"id": "a1", "title": "Bridge vote"}],
               "new_summary": [], "new_quotes": [], "new_discrepancies": [],
               "new_timeline": []}
    out = changes_text("s-a", changes)
    assert "Revised sources (a new text under the same URL):\n  - Bridge vote [a1]" in out
    assert "corrected" not in out


def test_a_source_that_came_back_is_not_said_to_be_in_no_story(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """a1 left s-a in version 3 and came back later (its text restored): read afterwards,
    version 3's change said "in no story now" though this story holds it again."""
    a1 = ARTICLES[0]
    with open_store(db) as store:
        store.save_stories({a1.id: "s-a"}, {"s-a": "Bridge vote"})
    rc, out, _ = run(capsys, "s-a", "--db", db, "--since", "2", "--version", "3")
    assert rc == 0 and "[a1], back in this story since" in out and "no story now" not in out
    rc, out, _ = run(capsys, "s-a", "--db", db, "--since", "2", "--version", "3",
                     "--format", "json")
    (left,) = json.loads(out)["left_sources"]
    assert (left["now_in"], left["back"]) == ([], True)
