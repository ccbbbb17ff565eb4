"""The application layer: briefs stored as versions, re-weaving only what changed, the
``weave --all`` / ``update`` commands, the update lock and a killed update run again
(real spaCy + MiniLM; SQLite and PostgreSQL where the store is involved)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_postgres import db_url, pg_server, pg_url  # noqa: F401 - fixtures

import newsweave.analysis_store as analysis_store
from newsweave import app
from newsweave.cli import main
from newsweave.models import Article
from newsweave.store import StoreBusy, open_store

ROOT = Path(__file__).resolve().parents[1]

PLACES = ["Harbor", "Valley", "Ridge", "Delta", "Summit", "Prairie", "Canyon", "Meadow",
          "Island", "Forest", "Lakeside", "Orchard"]


def synthetic(n: int) -> list[Article]:
    """Small, distinct, analysable reports: one town each."""
    out = []
    for i, place in enumerate(PLACES[:n]):
        text = (f"{place}ton council approved a new bridge on Monday, officials said. "
                f"Mayor Anna {place} said the bridge would open in March 2022. "
                f"\"This is a great day for {place}ton,\" she told reporters. "
                f"The project will cost {i + 2} million dollars, according to the council.")
        out.append(Article(id=f"t{i:02d}", text=text, title=f"{place}ton approves bridge",
                           outlet=f"Paper {i}", published=f"2021-05-{i + 1:02d}"))
    return out


def _members(store, sid: str) -> list[str]:
    return list(store.get_story(sid).article_ids)


# --------------------------------------------------------------------------- versions
def test_story_gaining_an_article_gets_version_2(
    example_articles, db_url: str  # noqa: F811
) -> None:
    a0, a1, a2 = example_articles
    with open_store(db_url) as store:
        store.add_articles(example_articles)
        store.save_stories({a0.id: "s-a", a2.id: "s-b"}, {"s-a": "Story A", "s-b": "Story B"})
        first = app.reweave(store, workers=1)
        assert first.summary() == "2 of 2 stories rewoven" and not first.failed
        assert first.analysed == 2
        b_v1 = store.get_brief_version("s-b")
        assert b_v1.version == 1 and b_v1.articles == (a2.id,)

        assert app.reweave(store, workers=1).summary() == "0 of 2 stories rewoven"

        store.save_stories({a1.id: "s-a"}, {"s-a": "Story A"})  # story A gains a1
        again = app.reweave(store, workers=1)
        assert again.rewoven == ["s-a"] and again.analysed == 1  # only a1 is analysed
        versions = app.brief_versions(store, "s-a")
        assert [v["version"] for v in versions] == [1, 2]
        assert set(versions[1]["articles"]) == {a0.id, a1.id}
        assert versions[0]["articles"] == [a0.id]
        assert versions[0]["created"] <= versions[1]["created"]
        changes = app.brief_changes(store, "s-a", 1)
        assert [s["id"] for s in changes["new_sources"]] == [a1.id]
        assert changes["since"] == 1 and changes["version"] == 2
        assert "1 new source" in app.changes_line(changes)

        # the untouched story kept its brief, byte for byte, and its version number
        b_now = store.get_brief_version("s-b")
        assert (b_now.version, b_now.brief) == (1, b_v1.brief)
        assert json.loads(b_now.brief)["story"]["headline"] == "Story B"
        current = app.current_brief(store, "s-a")
        assert current.version.version == 2 and not current.stale

        forced = app.reweave(store, force=True, workers=1)
        assert forced.summary() == "2 of 2 stories rewoven (0 new versions stored)"
        assert forced.analysed == 0
        # woven again, the same brief: no second version saying "nothing changed"
        assert store.get_brief_version("s-b").version == 1 and forced.stored == []


def test_changed_analysis_version_reanalyses(
    example_articles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(tmp_path / "v.db") as store:
        store.add_articles(example_articles)
        store.save_stories({a.id: "s" for a in example_articles}, {"s": "S"})
        assert app.reweave(store, workers=1).analysed == 3
        monkeypatch.setattr(analysis_store, "ANALYSIS_VERSION", 99)
        analysis_store.analysis_version.cache_clear()
        try:
            assert app.current_brief(store, "s").stale
            result = app.reweave(store, workers=1)
            assert result.rewoven == ["s"] and result.analysed == 3
            assert set(store.analysis_versions()) == {analysis_store.analysis_version()}
        finally:
            monkeypatch.undo()
            analysis_store.analysis_version.cache_clear()


def test_diff_briefs_names_what_is_new() -> None:
    old = {"sources": [{"id": "a"}], "summary": [{"text": "One."}], "quotes": [],
           "timeline": [{"date": "2021-01-01", "text": "x"}],
           "coverage": {"discrepancies": [{"topic": "toll", "claims": [{"text": "3 dead"}]}]}}
    new = {"sources": [{"id": "a"}, {"id": "b"}], "summary": [{"text": "One."}, {"text": "Two."}],
           "quotes": [{"speaker": "Ann", "text": "Hi"}],
           "timeline": [{"date": "2021-01-01", "text": "x"}, {"date": "2021-01-02", "text": "y"}],
           "coverage": {"discrepancies": [
               {"topic": "toll", "claims": [{"text": "3 dead"}]},
               {"topic": "toll", "claims": [{"text": "3 dead"}, {"text": "4 dead"}]}]}}
    changes = app.diff_briefs(old, new)
    assert [s["id"] for s in changes["new_sources"]] == ["b"]
    assert [s["text"] for s in changes["new_summary"]] == ["Two."]
    assert len(changes["new_quotes"]) == 1 and len(changes["new_timeline"]) == 1
    assert len(changes["new_discrepancies"]) == 1
    assert app.changes_line(changes) == ("1 new source, 1 new summary sentence, 1 new quote, "
                                         "1 new discrepancy, 1 new timeline entry")
    assert app.changes_line(app.diff_briefs(new, new)) == ""
    back = app.diff_briefs(new, old)  # b left: a split, a merge or a regrouping moved it
    assert [s["id"] for s in back["left_sources"]] == ["b"] and back["new_sources"] == []
    assert app.changes_line(back).startswith("1 source moved to another story")
    # a correction that makes the outlets agree is said, not silently gone
    assert [d["claims"][1]["text"] for d in back["dropped_discrepancies"]] == ["4 dead"]
    assert "1 discrepancy resolved" in app.changes_line(back)


# --------------------------------------------------------------------------- CLI
def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_weave_all_reports_k_of_n_and_skips_a_failing_story(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = synthetic(3)
    db = str(tmp_path / "w.db")
    with open_store(db) as store:
        store.add_articles(articles)
        store.save_stories({a.id: f"s-{a.id}" for a in articles},
                           {f"s-{a.id}": a.title for a in articles})
    rc, out, err = _run(capsys, "weave", "--db", db, "--all", "--no-progress", "--workers", "1")
    assert rc == 0 and "3 of 3 stories rewoven" in err
    first = out.splitlines()
    assert len(first) == 3 and {json.loads(x)["story"]["id"] for x in first} == {
        "s-t00", "s-t01", "s-t02"}
    rc, out, err = _run(capsys, "weave", "--db", db, "--all", "--no-progress")
    assert rc == 0 and "0 of 3 stories rewoven" in err and out.splitlines() == first

    import newsweave.weave

    real = newsweave.weave.weave_documents

    def broken(documents, **kw):
        if kw.get("story_id") == "s-t01":
            raise ValueError("date value out of range\nmore detail")
        return real(documents, **kw)

    monkeypatch.setattr(newsweave.weave, "weave_documents", broken)
    rc, out, err = _run(capsys, "weave", "--db", db, "--all", "--force", "--no-progress",
                        "--workers", "1")
    assert rc == 2
    assert "skipped: story s-t01: date value out of range" in err and "more detail" not in err
    assert "2 of 3 stories rewoven" in err
    assert {json.loads(x)["story"]["id"] for x in out.splitlines()} == {"s-t00", "s-t02"}
    with open_store(db) as store:
        assert [v.version for v in store.brief_versions("s-t00")] == [1]  # the same brief
        assert [v.version for v in store.brief_versions("s-t01")] == [1]


def test_two_workers_weave_what_one_does(tmp_path: Path) -> None:
    articles = synthetic(4)
    with open_store(tmp_path / "p.db") as store:
        store.add_articles(articles)
        store.save_stories({a.id: f"s-{a.id}" for a in articles}, {})
        one = app.reweave(store, workers=1)
        briefs = {s: store.get_brief_version(s).brief for s in one.rewoven}
        two = app.reweave(store, force=True, workers=2)
        assert sorted(two.rewoven) == sorted(one.rewoven) and not two.failed
        assert {s: store.get_brief_version(s).brief for s in two.rewoven} == briefs


def test_update_is_refused_while_another_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db_url: str  # noqa: F811
) -> None:
    with open_store(db_url) as store:
        store.add_articles(synthetic(1))
        with store.exclusive("update"):
            with pytest.raises(StoreBusy), store.exclusive("update"):
                pass
            rc, _, err = _run(capsys, "update", "--db", db_url, "--no-progress")
            assert rc == 2 and "store is busy" in err
        with store.exclusive("update"):  # released: taken again at once
            pass



def test_a_corrected_article_in_the_next_export_is_a_new_version_of_its_brief(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ingest`` of tomorrow's export, which carries a corrected report under the same URL,
    then ``update``: the story keeps one article per report and its brief's next version
    reads the correction."""
    (base,) = synthetic(1)
    reports = [{"text": base.text.replace("approved", wording), "title": base.title,
                "outlet": f"Paper {i}", "published": base.published,
                "url": f"https://paper{i}.example/2021/05/bridge"}
               for i, wording in enumerate(("approved", "has approved"))]
    corrected = dict(reports[1], text=reports[1]["text"].replace("2 million", "2.5 million"))

    def export(name: str, records: list[dict[str, str]]) -> str:
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        return str(path)

    day1, day2 = export("day1.jsonl", reports), export("day2.jsonl", [reports[0], corrected])
    db = str(tmp_path / "c.db")
    assert _run(capsys, "ingest", day1, "--db", db, "--no-progress")[0] == 0
    rc, out, _ = _run(capsys, "update", "--db", db, "--no-progress", "--changes")
    assert rc == 0 and re.search(r"^s-\w+ v1: new story$", out, re.M)
    rc, out, _ = _run(capsys, "ingest", day2, "--db", db, "--no-progress")
    assert rc == 0
    assert "0 added, 1 new version of stored articles, 1 already stored" in out
    rc, out, _ = _run(capsys, "update", "--db", db, "--no-progress", "--changes")
    # what each version stored added, a line each (the summary's counts, as stored)
    assert rc == 0 and re.search(r"^s-\w+ v2: 1 revised source\b", out, re.M)
    with open_store(db) as store:  # as a store upgraded from before the counts were kept
        counted = store.latest_briefs()
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM brief_changes")
        assert {v.changes for v in store.latest_briefs().values()} == {None}
    assert _run(capsys, "update", "--db", db, "--no-progress", "--changes")[1].endswith(
        "0 of 1 story rewoven\n")  # nothing woven: no line
    with open_store(db) as store:  # but the latest brief's counts are filled in
        assert {k: v.changes for k, v in store.latest_briefs().items()} == {
            k: v.changes for k, v in counted.items()}
    with open_store(db) as store:
        assert store.count_articles() == 2
        (story,) = store.list_stories()
        versions = app.brief_versions(store, story.id)
        assert [v["version"] for v in versions] == [1, 2]
        latest = store.get_brief_version(story.id).brief
        assert "2.5 million dollars" in latest
        assert "2.5 million dollars" not in store.get_brief_version(story.id, 1).brief
        changes = app.brief_changes(store, story.id, 1)
        revised_id = next(r["id"] for r in store.iter_listing() if r["revisions"] == 2)
        assert [s["id"] for s in changes["revised_sources"]] == [revised_id]
        assert changes["new_sources"] == []
        assert app.changes_line(changes).startswith("1 revised source")


GROUP_EACH_ALONE = """
import sys
import newsweave.group as g
from newsweave.group import StoryAssignment

def each_alone(articles, **_options):
    for a in articles:
        yield a, StoryAssignment(a.id, "s-" + a.id)

g.group_stream = each_alone
g.story_headline = lambda arts: arts[0].title or ""
from newsweave.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_killed_update_reruns_to_a_consistent_store(tmp_path: Path) -> None:
    """SIGKILL `update` once its first brief is stored, run it again: every story ends with
    exactly one complete current brief per change, none half-written."""
    db = str(tmp_path / "k.db")
    articles = synthetic(12)
    with open_store(db) as store:
        store.add_articles(articles)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1"}
    argv = [sys.executable, "-c", GROUP_EACH_ALONE, "update", "--db", db, "--no-progress",
            "--workers", "1"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    stored = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            with open_store(db) as store:
                stored = len(store.latest_fingerprints())
            if stored >= 2:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "update finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with open_store(db) as store:
        partial = store.latest_fingerprints()
    assert 2 <= len(partial) < 12
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{12 - len(partial)} of 12 stories rewoven" in done.stdout
    with open_store(db) as store:
        wanted = app.current_fingerprints(store)
        latest = store.latest_fingerprints()
        assert {s: fp for s, (_v, fp) in latest.items()} == wanted
        for sid in wanted:
            versions = store.brief_versions(sid)
            assert [v.version for v in versions] == [1]  # killed work was not stored twice
            brief = json.loads(store.get_brief_version(sid).brief)
            assert [s["id"] for s in brief["sources"]] == _members(store, sid)
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "0 of 12 stories rewoven" in again.stdout


def test_a_terminated_update_has_said_what_it_did(tmp_path: Path) -> None:
    """SIGTERM to `update --changes` once briefs are stored: the grouping it committed and
    each version it stored were said as they happened (it said nothing at all, and the rerun
    found nothing left to say about them); exit 143."""
    db = str(tmp_path / "t.db")
    with open_store(db) as store:
        store.add_articles(synthetic(12))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1"}
    argv = [sys.executable, "-c", GROUP_EACH_ALONE, "update", "--db", db, "--no-progress",
            "--workers", "1", "--changes"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            with open_store(db) as store:
                if len(store.latest_fingerprints()) >= 2:
                    break
            time.sleep(0.2)
        assert proc.poll() is None, "update finished before it could be stopped"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143 and err.endswith("newsweave: error: terminated\n")
    lines = out.splitlines()
    assert lines[0].startswith("grouped all 12 articles from scratch")
    with open_store(db) as store:
        stored = len(store.latest_fingerprints())
    said = [line for line in lines[1:] if line.endswith(" v1: new story")]
    assert 2 <= len(said) == stored < 12


# --------------------------------------------------------------------------- layering
@pytest.mark.parametrize(("module", "absent"), [
    ("newsweave.serve", "newsweave.cli_store"),  # the web server never imports CLI modules
    ("newsweave.app", "newsweave.cli_store"),
    ("newsweave.timeline", "newsweave.analyze"),  # no analyze -> timeline -> analyze circle
    ("newsweave.quotes", "newsweave.analyze"),
])
def test_import_layers(module: str, absent: str) -> None:
    code = f"import sys, {module}; sys.exit(1 if {absent!r} in sys.modules else 0)"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=120).returncode == 0


def test_weave_one_story_uses_and_fills_stored_analyses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = synthetic(2)
    db = str(tmp_path / "one.db")
    with open_store(db) as store:
        store.add_articles(articles)
        store.save_stories({a.id: "s" for a in articles}, {"s": "Bridges"})
    rc, first, _ = _run(capsys, "weave", "--db", db, "--story", "s", "--format", "json")
    assert rc == 0 and json.loads(first)["story"]["headline"] == "Bridges"
    with open_store(db) as store:
        assert sum(store.analysis_versions().values()) == 2
        assert store.brief_versions("s") == []  # --story writes a brief, stores no version
    rc, again, _ = _run(capsys, "weave", "--db", db, "--story", "s", "--format", "json")
    assert rc == 0 and again == first


def test_a_text_stored_while_a_story_is_woven_counts_for_the_next_version(tmp_path) -> None:
    """The version was stamped when stored, after weaving: a revision stored meanwhile was
    counted as "revised" in a version woven from the old text, not in the next one that
    shows it, and the old version's page showed the new text beside the old brief."""
    from test_serve import hand_brief

    from newsweave.store import open_store

    url = "https://news.example/2021/05/bridge"
    first = Article("b1", "The council voted on the harbour bridge on Monday. " * 3,
                    title="Bridge vote", url=url, published="2021-05-01")
    with open_store(str(tmp_path / "s.db")) as store:
        store.add_articles([first, Article("b2", "A second report on the bridge vote.")])
        store.save_stories({"b1": "s-b", "b2": "s-b"}, {"s-b": "Bridge vote"})
        app.weave_and_store(store, "s-b", weave_fn=hand_brief)
        store.add_articles([Article("b3", "A third report on the bridge vote today.")])
        store.save_stories({"b3": "s-b"}, {"s-b": "Bridge vote"})
        woven, _, read = app.weave_story(store, "s-b", weave_fn=hand_brief)  # reads texts
        fixed = Article("b1", first.text.replace("Monday", "Tuesday"), title="Bridge vote",
                        url=url, published="2021-05-01")
        assert store.add_articles([fixed]).revised == 1  # stored while weaving
        two = store.add_brief_version(woven.story_id, woven.articles, woven.fingerprint,
                                      woven.brief_json, read_at=woven.read_at)
        assert "revised_sources" not in (two.changes or {})
        assert store.texts_at([a.id for a in read], two.created)["b1"][0] == first.text
        three = app.weave_and_store(store, "s-b", weave_fn=hand_brief)
        assert (three.changes or {}).get("revised_sources") == 1


def test_a_new_headline_is_a_change_a_reader_is_told_of() -> None:
    """The headline changed at version 7 and back at 12, and no change line said so: only
    the feed's entry titles showed it."""
    old = {"story": {"headline": "Timeline for EgyptAir Flight 990"}, "sources": [{"id": "a"}]}
    new = {"story": {"headline": "EgyptAir 990 flight data recorder recovered"},
           "sources": [{"id": "a"}]}
    changes = app.diff_briefs(old, new)
    assert changes["new_headline"] == [{"headline": new["story"]["headline"],
                                        "was": old["story"]["headline"]}]
    assert app.changes_line(changes) == "1 new headline"
    assert app.diff_briefs(new, new)["new_headline"] == []
    assert app.diff_briefs({}, new)["new_headline"] == []  # a first version: nothing was


def test_a_feed_entry_names_every_kind_its_line_counts() -> None:
    """An entry counted "2 quotes dropped" without naming them (nor dropped timeline
    entries, nor discrepancies)."""
    old = {"story": {"headline": "Flood"}, "sources": [{"id": "a"}],
           "quotes": [{"speaker": "Ann", "text": "We are safe"}],
           "timeline": [{"date": "2021-01-01", "text": "Rain began."}],
           "coverage": {"discrepancies": [{"topic": "toll", "claims": [
               {"text": "3 dead"}, {"text": "4 dead"}]}]}}
    new = {"story": {"headline": "Flood recedes"}, "sources": [{"id": "a"}], "quotes": [],
           "timeline": [{"date": "2021-01-02", "text": "The river fell."}],
           "coverage": {"discrepancies": []}}
    items = app.update_items(app.diff_briefs(old, new) | {"revised_sources": []}, new)
    assert items == ["New headline: Flood recedes (was: Flood)",
                     "Quote no longer listed: Ann: \u201cWe are safe\u201d",
                     "Discrepancy resolved: toll: 3 dead / 4 dead",
                     "In the timeline: 2021-01-02: The river fell.",
                     "No longer in the timeline: 2021-01-01: Rain began."]


def test_the_word_budget_is_the_stores_for_every_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`update --words 80` in cron and a server weaving at 120 disagreed on what a current
    brief is: each stored a new version of every story the other wove. A given --words is
    now the store's budget, which every later weave of the store reads."""
    db = str(tmp_path / "w.db")
    with open_store(db) as store:
        store.add_articles(synthetic(3))
        assert app.brief_words(store) == 120  # never set
    assert main(["update", "--db", db, "--words", "30", "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "woven at 30 words from now on (they were at 120" in err
    with open_store(db) as store:
        assert app.brief_words(store) == 30
        sid = store.story_ids()[0]
        versions = len(store.brief_versions(sid))
        # what the server asks (no words given): the stored brief is current
        assert not app.current_brief(store, sid).stale
        again = app.update(store)  # a plain update, as cron or the follower runs it
        assert again.woven.summary().startswith("0 of") and len(store.brief_versions(sid)) \
            == versions
        assert app.current_brief(store, sid, words=120).stale  # another budget: stale
    assert main(["update", "--db", db, "--words", "30", "--no-progress"]) == 0
    assert "from now on" not in capsys.readouterr().err  # unchanged: nothing said
