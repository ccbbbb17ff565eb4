"""`newsweave ingest`, `stories` and `weave --db`, end to end on SQLite and PostgreSQL,
including an ingest killed with SIGKILL mid-way and run again."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from test_postgres import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from newsweave.cli import main
from newsweave.cli_store import in_window
from newsweave.group import StoryAssignment
from newsweave.ingest import article_id
from newsweave.models import Article
from newsweave.store import StoryRow, open_store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sessions-2017"


def write_jsonl(path: Path, records: Iterable[dict | str]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


def corpus(tmp_path: Path) -> Path:
    """A folder with two text articles and a JSONL file holding one malformed line."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "date 2021-06-01\nFloods hit the valley\n\nHeavy rain flooded the valley on Monday, "
        "officials said.\n", encoding="utf-8")
    (folder / "b.txt").write_text(
        "date 2021-06-02\nValley floods recede\n\nThe floods in the valley receded on Tuesday "
        "as rain eased.\n", encoding="utf-8")
    write_jsonl(folder / "c.jsonl", [
        {"id": "q1", "title": "Quake shakes port city", "published": "2021-06-03",
         "outlet": "Wire", "text": "An earthquake shook the port city on Wednesday."},
        '{"id": "broken", "text": ',
        {"id": "q2", "title": "Quake aftershocks", "published": "2021-06-04",
         "outlet": "Daily", "text": "Aftershocks rattled the port city on Thursday."},
    ])
    return folder


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


# --------------------------------------------------------------------------- ingest
def test_ingest_reports_bad_record_and_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db_url: str,  # noqa: F811
) -> None:
    folder = corpus(tmp_path)
    rc, out, err = run_cli(capsys, "ingest", str(folder), "--db", db_url, "--no-progress")
    assert rc == 2  # the good records are stored; the bad one is reported
    assert "read 4 articles: 4 added, 0 already stored, 1 bad record skipped" in out
    bad = [line for line in err.splitlines() if "skipped" in line]
    assert len(bad) == 1 and "c.jsonl:2" in bad[0]
    rc, out, _ = run_cli(capsys, "ingest", str(folder), "--db", db_url, "--no-progress")
    assert rc == 2 and "4 already stored" in out and "0 added" in out
    with open_store(db_url) as store:
        assert store.count_articles() == 4
        assert store.get_article("q1").outlet == "Wire"


def test_ingest_summary_names_id_conflicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    first = write_jsonl(tmp_path / "1.jsonl", [{"id": "x", "text": "First text."}])
    second = write_jsonl(tmp_path / "2.jsonl", [{"id": "x", "text": "Other text."}])
    run_cli(capsys, "ingest", str(first), "--db", db)
    rc, out, _ = run_cli(capsys, "ingest", str(second), "--db", db)
    assert rc == 0
    assert "0 added, 1 already stored (1 of them: id already used by a different text)" in out


def test_ingest_missing_path_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.db"
    rc, _, err = run_cli(capsys, "ingest", str(tmp_path / "nope"), "--db", str(db))
    assert rc == 2
    assert err.strip().count("\n") == 0 and "nope: no such file or directory" in err
    assert not db.exists()


@pytest.mark.parametrize(
    ("db", "message"),
    [("missing-dir/x.db", "folder does not exist"), ("mysql://h/db", "unsupported database URL")],
)
def test_ingest_bad_db_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str, message: str
) -> None:
    target = db if "://" in db else str(tmp_path / db)
    rc, _, err = run_cli(capsys, "ingest", str(EXAMPLE), "--db", target)
    assert rc == 2 and message in err and err.strip().count("\n") == 0


def test_ingest_of_only_bad_records_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", ["{not json", '{"id": "x"}'])
    rc, out, err = run_cli(capsys, "ingest", str(bad), "--db", str(tmp_path / "s.db"))
    assert rc == 2
    assert "read 0 articles" in out and "no articles found" in err


# --------------------------------------------------------------------------- stories
def first_word_grouping(articles: Iterable[Article], **_options: object
                        ) -> Iterator[tuple[Article, StoryAssignment]]:
    """Stand-in grouper: a story per first title word; same outlet 'Wire' = a copy."""
    first: dict[str, str] = {}
    for a in articles:
        sid = "s-" + (a.title or "untitled").split()[0].lower()
        dup = first.get(sid) if a.outlet == "Wire" else None
        first.setdefault(sid, a.id)
        yield a, StoryAssignment(a.id, sid, dup)


@pytest.fixture
def stand_in_grouper(monkeypatch: pytest.MonkeyPatch) -> None:
    import newsweave.group

    monkeypatch.setattr(newsweave.group, "group_stream", first_word_grouping)
    monkeypatch.setattr(newsweave.group, "story_headline", lambda arts: arts[0].title or "")


@pytest.mark.usefixtures("stand_in_grouper")
def test_stories_groups_saves_and_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # the table as a wide terminal shows it
    run_cli(capsys, "ingest", str(corpus(tmp_path)), "--db", db_url, "--no-progress")
    rc, out, _ = run_cli(capsys, "stories", "--db", db_url)
    assert rc == 0
    assert "grouped all 4 articles from scratch: 3 stories changed (3 new, 0 updated, " \
        "0 removed), 3 stories in all" in out
    rc, out, _ = run_cli(capsys, "stories", "--db", db_url, "--list", "--format", "jsonl")
    stories = [json.loads(line) for line in out.splitlines()]
    assert [s["id"] for s in stories] == ["s-quake", "s-valley", "s-floods"]
    quake = stories[0]
    assert quake == {"id": "s-quake", "headline": "Quake shakes port city",
                     "first_published": "2021-06-03", "last_published": "2021-06-04",
                     "articles": ["q1", "q2"], "latest_version": None}
    rc, out, _ = run_cli(capsys, "stories", "--db", db_url, "--list")
    assert rc == 0 and "Quake shakes port city" in out and "2021-06-04" in out
    # each story says what its latest stored brief added
    with open_store(db_url) as store:
        for sources in (["q1"], ["q1", "q2"]):
            store.add_brief_version("s-quake", sources, str(sources), json.dumps(
                {"sources": [{"id": i} for i in sources]}))
    rc, out, _ = run_cli(capsys, "stories", "--db", db_url, "--list", "--format", "jsonl")
    latest = json.loads(out.splitlines()[0])["latest_version"]
    assert (latest["version"], latest["changes"], latest["line"]) == (
        2, {"new_sources": 1}, "1 new source")
    rc, out, _ = run_cli(capsys, "stories", "--db", db_url, "--list")
    assert rc == 0 and "v2: 1 new source" in out
    # latest stored brief first (a story without one last), in every format
    with open_store(db_url) as store:
        store.add_brief_version("s-valley", ["v1"], "v", "{}")
    for fmt in ("jsonl", "csv", "text"):
        rc, out, _ = run_cli(capsys, "stories", "--db", db_url, "--list", "--sort", "changed",
                             "--format", fmt)
        order = [sid for sid in re.findall(r"s-(?:quake|valley|floods)", out)]
        assert rc == 0 and list(dict.fromkeys(order)) == ["s-valley", "s-quake", "s-floods"]
    # a second run has nothing new to group and changes nothing
    rc, out, _ = run_cli(capsys, "stories", "--db", db_url)
    assert "grouped 0 new articles: 0 stories changed (0 new, 0 updated, 0 removed)" in out


def test_stories_applies_a_split_to_earlier_articles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A split moves articles already assigned: the saved story holds them, the count of
    grouped articles does not double, and a story whose headline sample moved away still
    gets a headline."""
    import newsweave.app
    import newsweave.group

    def split_late(articles: Iterable[Article], **_options: object
                   ) -> Iterator[tuple[Article, StoryAssignment]]:
        seen = []
        for a in articles:
            seen.append(a)
            yield a, StoryAssignment(a.id, "s-all")
        yield seen[0], StoryAssignment(seen[0].id, "s-split", moved_from="s-all")
        yield seen[1], StoryAssignment(seen[1].id, "s-split", moved_from="s-all")

    monkeypatch.setattr(newsweave.group, "group_stream", split_late)
    monkeypatch.setattr(newsweave.app, "HEADLINE_SAMPLE", 2)
    db = str(tmp_path / "split.db")
    run_cli(capsys, "ingest", str(corpus(tmp_path)), "--db", db, "--no-progress")
    rc, out, _ = run_cli(capsys, "stories", "--db", db)
    assert rc == 0 and "grouped all 4 articles from scratch" in out
    assert "2 stories in all" in out
    rc, out, _ = run_cli(capsys, "stories", "--db", db, "--list", "--format", "jsonl")
    stories = {s["id"]: s for s in map(json.loads, out.splitlines())}
    assert len(stories["s-split"]["articles"]) == 2 and len(stories["s-all"]["articles"]) == 2
    assert all(s["headline"] for s in stories.values())


@pytest.mark.usefixtures("stand_in_grouper")
def test_stories_window_and_jsonl_keep_stdout_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    run_cli(capsys, "ingest", str(corpus(tmp_path)), "--db", db, "--no-progress")
    rc, out, err = run_cli(capsys, "stories", "--db", db, "--since", "2021-06-02",
                           "--until", "2021-06-03", "--format", "jsonl")
    assert rc == 0 and "grouped 2 articles" in err
    # what a window costs is said: stories across its edges split, a full regroup next
    assert "only the window's articles were regrouped" in err and "next plain" in err
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["s-quake", "s-valley"]


def test_stories_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run_cli(capsys, "stories", "--db", str(tmp_path / "none.db"))
    assert rc == 2 and "no such database" in err
    rc, _, err = run_cli(capsys, "stories", "--db", str(tmp_path / "none.db"), "--list",
                         "--rebuild")  # nothing was rebuilt, silently
    assert rc == 2 and "--rebuild regroups every article: --list only lists" in err
    db = str(tmp_path / "s.db")
    open_store(db).close()
    rc, _, err = run_cli(capsys, "stories", "--db", db, "--since", "yesterday-ish")
    assert rc == 2 and "--since: not a date" in err
    rc, _, err = run_cli(capsys, "stories", "--db", db, "--since", "2021-02-02",
                         "--until", "2021-01-01")
    assert rc == 2 and "is after" in err


def test_in_window_overlap() -> None:
    story = StoryRow("s", "h", "2021-01-05", "2021-01-09", ("a",), (), "t")
    undated = StoryRow("u", "h", None, None, ("b",), (), "t")
    assert in_window(story, None, None) and in_window(undated, None, None)
    assert in_window(story, "2021-01-09", None) and not in_window(story, "2021-01-10", None)
    assert in_window(story, None, "2021-01-05") and not in_window(story, None, "2021-01-04")
    assert not in_window(undated, "2021-01-01", None)


# --------------------------------------------------------------------------- end to end
def test_ingest_group_weave_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db_url: str  # noqa: F811
) -> None:
    """The real grouper and weaver over the founding example, on both back ends."""
    import jsonschema

    schema = json.loads((ROOT / "src/newsweave/data/brief.schema.json").read_text())
    assert run_cli(capsys, "ingest", str(EXAMPLE), "--db", db_url, "--no-progress")[0] == 0
    assert run_cli(capsys, "stories", "--db", db_url)[0] == 0
    with open_store(db_url) as store:
        stories = store.list_stories()
    assert sum(len(s.article_ids) for s in stories) == 3
    story = stories[0]
    rc, out, _ = run_cli(capsys, "weave", "--db", db_url, "--story", story.id, "--format", "json")
    assert rc == 0
    brief = json.loads(out)
    jsonschema.validate(brief, schema)
    assert brief["story"]["id"] == story.id and brief["story"]["headline"] == story.headline
    assert {s["id"] for s in brief["sources"]} == set(story.article_ids)
    out_file = tmp_path / "all.jsonl"
    rc, _, _ = run_cli(capsys, "weave", "--db", db_url, "--all", "--format", "jsonl",
                       "--out", str(out_file), "--no-progress")
    assert rc == 0
    briefs = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert [b["story"]["id"] for b in briefs] == [s.id for s in stories]
    for b in briefs:
        jsonschema.validate(b, schema)


def test_weave_db_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "s.db")
    open_store(db).close()
    cases = [
        (["--story", "nope"], "unknown story id 'nope'"),
        ([], "give either --story ID or --all"),
        (["--story", "x", "--all"], "give either --story ID or --all"),
        (["--all", "--format", "html"], "use --format jsonl"),
    ]
    for extra, message in cases:
        rc, _, err = run_cli(capsys, "weave", "--db", db, *extra)
        assert rc == 2 and message in err, (extra, err)
    rc, _, err = run_cli(capsys, "weave", "--db", str(tmp_path / "none.db"), "--all")
    assert rc == 2 and "no such database" in err


# --------------------------------------------------------------------------- crash
CRASH_ARTICLES = 5000
#: Kill once this many rows are committed: at least two batches in, well before the end.
KILL_AFTER = 1000


def crash_corpus(path: Path) -> tuple[Path, set[str]]:
    """Generated articles, half with a given id; returns the ids the store must end with."""
    records, ids = [], set()
    for i in range(CRASH_ARTICLES):
        body = f"Report number {i} from the wire: council {i % 97} voted on budget line {i}."
        record = {"text": body, "title": f"Item {i}", "published": f"2022-01-{i % 28 + 1:02d}"}
        if i % 2:
            record["id"] = f"given-{i}"
        records.append(record)
        ids.add(record.get("id") or article_id(body))
    return write_jsonl(path, records), ids


def test_killed_ingest_rerun_stores_every_article_once(
    tmp_path: Path, db_url: str  # noqa: F811
) -> None:
    source, expected_ids = crash_corpus(tmp_path / "many.jsonl")
    cmd = [sys.executable, "-m", "newsweave.cli", "ingest", str(source), "--db", db_url,
           "--no-progress"]
    watcher = open_store(db_url)  # creates the schema, so the poll below is a plain read
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if watcher.count_articles() >= KILL_AFTER:
                break
            time.sleep(0.005)
        assert proc.poll() is None, f"ingest ended before the kill: {proc.stderr.read()!r}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    partial = watcher.count_articles()
    assert KILL_AFTER <= partial < CRASH_ARTICLES
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert (f"read {CRASH_ARTICLES} articles: {CRASH_ARTICLES - partial} added, "
            f"{partial} already stored") in rerun.stdout
    with watcher.engine.connect() as conn:
        total, ids, hashes = conn.execute(text(
            "SELECT count(*), count(DISTINCT id), count(DISTINCT content_hash) FROM articles"
        )).one()
        stored_ids = set(conn.execute(text("SELECT id FROM articles")).scalars())
    watcher.close()
    assert total == ids == hashes == CRASH_ARTICLES
    assert stored_ids == expected_ids


# --------------------------------------------------------------------------- vector cache
class CountingEmbedder:
    """A stand-in model: a fixed vector per text, counting the texts it is asked for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def embed(self, texts):
        import numpy as np

        self.calls.extend(texts)
        return np.stack([np.full(384, float(len(t)), dtype=np.float32) for t in texts])


def test_store_embedder_embeds_each_lead_once_and_returns_exact_vectors(
    tmp_path: Path, db_url: str  # noqa: F811
) -> None:
    import numpy as np

    from newsweave.app import StoreEmbedder

    with open_store(db_url) as store:
        first = StoreEmbedder(store, CountingEmbedder())
        a = first.embed(["one lead", "another lead", "one lead"])
        assert first.inner.calls == ["one lead", "another lead"]
        again = StoreEmbedder(store, CountingEmbedder())  # a later run: all cached
        b = again.embed(["another lead", "one lead", "new"])
        assert again.inner.calls == ["new"] and again.embedded == 1
        assert np.array_equal(b[0], a[1]) and np.array_equal(b[1], a[0])
        assert b.dtype == np.float32 and b.shape == (3, 384)


def test_rerun_of_stories_reuses_cached_vectors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsweave.grouping_state as cs

    made: list[cs.StoreEmbedder] = []
    real = cs.StoreEmbedder

    def spy(store, inner=None):
        made.append(real(store, inner))
        return made[-1]

    monkeypatch.setattr(cs, "StoreEmbedder", spy)
    db = str(tmp_path / "v.db")
    words = ("the regional council approved a new budget for schools roads and clinics after a "
             "long debate between mayors farmers and teachers about taxes").split()
    rows = [{"id": f"r{i}", "title": f"Council budget vote {i}", "published": f"2022-01-0{i}",
             "text": " ".join(words[i:] + words[:i]) + "."} for i in range(1, 4)]
    write_jsonl(tmp_path / "long.jsonl", rows)
    run_cli(capsys, "ingest", str(tmp_path / "long.jsonl"), "--db", db, "--no-progress")
    _, first, _ = run_cli(capsys, "stories", "--db", db)
    _, second, _ = run_cli(capsys, "stories", "--db", db, "--rebuild")
    assert made[0].embedded == 3 and made[1].embedded == 0
    assert "(0 new, 0 updated, 0 removed)" in second and first.split(":")[0] in second


def test_ingest_of_a_web_address_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out, err = run_cli(capsys, "ingest", "https://example.com/feed.rss", "--db",
                           str(tmp_path / "n.db"), "--no-progress")
    assert rc == 2 and out == ""
    assert "https://example.com/feed.rss: a web address, not a file" in err
    assert "newsweave follow URL" in err and not (tmp_path / "n.db").exists()


def test_articles_csv_export_reads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """What `articles --format csv` writes, `ingest` reads: the same articles, ids and all."""
    first, second = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    run_cli(capsys, "ingest", str(corpus(tmp_path)), "--db", first, "--no-progress")
    export = tmp_path / "articles.csv"
    assert run_cli(capsys, "articles", "--db", first, "--format", "csv", "--out",
                   str(export))[0] == 0
    rc, out, err = run_cli(capsys, "ingest", str(export), "--db", second, "--no-progress")
    assert rc == 0 and "read 4 articles: 4 added" in out, err
    with open_store(first) as a, open_store(second) as b:
        ids = [x.id for x in a.iter_articles()]
        assert sorted(ids) == sorted(x.id for x in b.iter_articles())
        assert [(x.text, x.title, x.outlet, x.published) for x in a.get_articles(ids)] == [
            (x.text, x.title, x.outlet, x.published) for x in b.get_articles(ids)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_articles_export_of_every_version_rebuilds_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str,
) -> None:
    """`articles --all-versions`: a row per version, oldest first; ingested into an empty
    store, the export gives the same article with the same versions."""
    url = "https://paper.example/2021/05/03/bridge"
    texts = ["The council approved a bridge costing 2 million dollars on Monday, officials said.",
             "The council approved a bridge costing 2.5 million dollars on Monday, officials said.",
             "The council approved a bridge costing 2.5 million dollars on Monday, officials "
             "said. Work starts in June."]
    first, second = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    for i, t in enumerate(texts):
        day = write_jsonl(tmp_path / f"day{i}.jsonl", [{"text": t, "url": url, "title": "Bridge",
                                                        "published": "2021-05-03"}])
        run_cli(capsys, "ingest", str(day), "--db", first, "--no-progress")
    export = tmp_path / f"all.{fmt}"
    assert run_cli(capsys, "articles", "--db", first, "--all-versions", "--format", fmt,
                   "--out", str(export))[0] == 0
    rc, out, err = run_cli(capsys, "ingest", str(export), "--db", second, "--no-progress")
    assert rc == 0 and "1 added, 2 new versions of stored articles" in out, err
    with open_store(first) as a, open_store(second) as b:
        (aid,) = [x.id for x in a.iter_articles()]
        assert [x.id for x in b.iter_articles()] == [aid]
        assert [v["text"] for v in b.article_versions(aid)] == texts
        assert [v["text"] for v in a.article_versions(aid)] == texts


FLOOD = ("Floods swept through Lowmoor on Tuesday after two days of heavy rain, and rescue "
         "teams evacuated forty homes near the harbour bridge, the council said. The river "
         "Calder rose by two metres overnight and the bridge was closed to traffic. Residents "
         "of Lowmoor gathered at the school, which opened as a shelter. Council leader Mara "
         "Ellison said the cost of the flood damage in Lowmoor would not be known for weeks.")
STUB = ("Emergency crews were called out early this morning and officials say more details "
        "will follow as soon as they are confirmed.")


def test_stories_regroups_a_stub_revised_by_tomorrows_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Day 1's export holds a live page as a stub; day 2's holds its report under the same
    URL: `stories` says it grouped the revised article again, and it joins its event."""
    db = str(tmp_path / "news.db")

    def record(rid: str, title: str, body: str) -> dict:
        return {"id": rid, "title": title, "text": body, "published": "2023-03-07",
                "url": f"https://gazette.example.org/news/{rid}"}

    day1 = write_jsonl(tmp_path / "day1.jsonl", [
        record("a1", "Floods in Lowmoor", FLOOD),
        record("a2", "Lowmoor flood: homes evacuated", FLOOD.replace("Tuesday", "Tuesday "
               "morning") + " More rain is forecast for Thursday."),
        record("live", "Breaking news", STUB)])
    day2 = write_jsonl(tmp_path / "day2.jsonl", [
        record("live", "Lowmoor floods: school opens as a shelter", f"{STUB} {FLOOD}")])
    run_cli(capsys, "ingest", str(day1), "--db", db, "--no-progress")
    run_cli(capsys, "stories", "--db", db, "--no-progress")
    with open_store(db) as store:
        assert store.article_stories("live") != store.article_stories("a1")
    _, out, _ = run_cli(capsys, "ingest", str(day2), "--db", db, "--no-progress")
    assert "1 new version of stored articles" in out
    rc, out, _ = run_cli(capsys, "stories", "--db", db, "--no-progress")
    assert rc == 0 and "regrouped 1 revised article (1 now in another story)" in out
    with open_store(db) as store:
        assert store.article_stories("live") == store.article_stories("a1")


def test_stories_list_prints_hostile_headlines_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A headline is a report's own words: rich markup in it is printed, not read (an
    unbalanced "[/]" used to end the listing with a traceback)."""
    db = str(tmp_path / "hostile.db")
    with open_store(db) as store:
        store.add_articles([Article(id="h1", text="A report.", title="x")])
        store.save_stories({"h1": "s-h"}, {"s-h": "Markets [/] fall [bold]sharply[/bold]"})
    rc, out, err = run_cli(capsys, "stories", "--db", db, "--list")
    assert rc == 0 and "[/]" in out and "[bold]sharply[/bold]" in out


def test_story_table_keeps_its_headline_on_80_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pipe or cron mail is 80 columns: full ISO stamps in unwrappable columns left the
    headline, article count and latest brief no width at all."""
    monkeypatch.setenv("COLUMNS", "80")
    db = str(tmp_path / "n.db")
    with open_store(db) as store:
        store.add_articles([
            Article(id="a1", text="Floods closed the river road.", title="Floods",
                    published="2026-12-07T09:00:00+00:00"),
            Article(id="a2", text="The river road reopened at noon.", title="Road reopens",
                    published="2026-12-07T14:30:00-05:00")])
        store.save_stories({"a1": "s-floods", "a2": "s-floods"},
                           {"s-floods": "Floods close the river road"})
    rc, out, _ = run_cli(capsys, "stories", "--db", db, "--list")
    assert rc == 0 and "Floods close" in out and "2026-12-07" in out and "14:30" in out
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_ingested_again_keeps_its_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """A record's time was cut to its date ("2024-05-14T08:30:00-04:00" came back as
    "2024-05-14"), so an export of a store ingested again lost every time."""
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a1", "text": "The council met on Tuesday.",
                                  "published": "2024-05-14T08:30:00-04:00",
                                  "updated": "2024-05-14T12:00:00-04:00"}) + "\n")
    first, second = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    run_cli(capsys, "ingest", str(source), "--db", first)
    exported = tmp_path / f"out.{fmt}"
    assert run_cli(capsys, "articles", "--db", first, "--format", fmt, "--out",
                   str(exported))[0] == 0
    run_cli(capsys, "ingest", str(exported), "--db", second)
    with open_store(second) as store:
        again = store.get_article("a1")
    assert (again.published, again.updated) == ("2024-05-14T08:30:00-04:00",
                                                "2024-05-14T12:00:00-04:00")


def test_a_piped_story_table_keeps_whole_rows_and_no_escape_sequence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Piped with no COLUMNS, rich laid the table out at 80 columns and cut its last column
    ("v1: n"); a headline's colour and window-title sequences reached the terminal."""
    monkeypatch.delenv("COLUMNS", raising=False)
    db = str(tmp_path / "p.db")
    headline = ("Trump stands by Sessions as Democrats seek resignation over Russia revelation"
                " \x1b[31mRED\x1b[0m \x1b]0;pwned\x07")
    with open_store(db) as store:
        store.add_articles([Article(id="a1", text="Floods closed the river road.",
                                    published="2017-03-02")])
        store.save_stories({"a1": "s-long"}, {"s-long": headline})
    rc, out, _ = run_cli(capsys, "stories", "--db", db, "--list")
    assert rc == 0 and "\x1b" not in out and "\x07" not in out
    row = next(line for line in out.splitlines() if "s-long" in line)
    assert "Russia revelation" in row and row.rstrip().endswith("│")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_reads_back_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """What ``articles`` writes, ``ingest`` reads back as it was: a text or title holding a
    lone carriage return (the CSV left it bare: the text was cut and the next rows became
    bad records), a value that itself starts with an apostrophe before "=", the language
    (read back, so a French report stays out of the English story), and a page rewritten
    under a new headline kept as its article's second version (an id conflict, dropped)."""
    first, second = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    url = "https://news.example/2024/05/blast"
    with open_store(first) as store:
        store.add_articles([
            Article("cr", "Old Mac line ends.\rSecond line.\rThird.", title="First\rSecond"),
            Article("ap", "'=' is the sign of equality, the teacher said.", title="'-isms"),
            Article("fr", "Paris interdit les vieilles voitures dans le centre.", language="fr",
                    label="duc2006-D0614E"),
        ])
        store.save_followed(Article("live", "Breaking: explosion reported downtown. More soon.",
                                    title="Breaking news", url=url), url)
        store.save_followed(Article("live", "Gas leak caused the station blast, officials "
                                    "say. Two people were hurt and the line is closed.",
                                    title="Gas leak caused station blast", url=url), url)
    exported = tmp_path / f"out.{fmt}"
    assert run_cli(capsys, "articles", "--db", first, "--format", fmt, "--all-versions",
                   "--out", str(exported))[0] == 0
    rc, out, err = run_cli(capsys, "ingest", str(exported), "--db", second)
    assert rc == 0 and "bad record" in out and "0 bad records" in out, (out, err)
    assert "1 in another language than en" in out
    with open_store(first) as a, open_store(second) as b:
        for aid in ("cr", "ap", "fr", "live"):
            old, new = a.get_article(aid), b.get_article(aid)
            assert (new.text, new.title, new.language, new.label) == (
                old.text, old.title, old.language, old.label)
        assert len(b.article_versions("live")) == 2


def test_a_date_that_reads_two_ways_is_refused_as_a_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--since 02/03/2017` was taken as February 3 without a word (ingest warns of it)."""
    db = str(tmp_path / "d.db")
    with open_store(db) as store:
        store.add_articles([Article("a", "Floods closed the road.", published="2017-03-10")])
    rc, _, err = run_cli(capsys, "articles", "--db", db, "--since", "02/03/2017")
    assert rc == 2 and "reads two ways" in err and "YYYY-MM-DD" in err
    rc, out, _ = run_cli(capsys, "articles", "--db", db, "--since", "12/25/2016")
    assert rc == 0 and '"a"' in out


def test_long_fields_from_a_page_read_back_from_the_stores_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A page's 1,259-character <title> and 279-character site name were stored whole, and
    the store's own export was then refused record by record ("over the 1,000 limit"): a
    store is cut to a record's limits, and a record over them is cut (or its URL dropped)
    with a warning, not refused."""
    page = tmp_path / "long.html"
    page.write_text("<html><head><title>" + "Very long headline " * 66 + "</title>"
                    '<meta property="og:site_name" content="' + "S" * 279 + '"></head><body>'
                    "<article><p>" + "The council approved the harbour bridge budget on "
                    "Monday after a long debate. " * 8 + "</p></article></body></html>")
    first, second = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    assert run_cli(capsys, "ingest", str(page), "--db", first)[0] == 0
    with open_store(first) as store:
        (stored,) = store.iter_articles()
    assert len(stored.title) <= 1000 and stored.title.endswith("…")
    assert stored.outlet is None or len(stored.outlet) <= 200
    exported = tmp_path / "out.jsonl"
    run_cli(capsys, "articles", "--db", first, "--out", str(exported))
    rc, out, err = run_cli(capsys, "ingest", str(exported), "--db", second)
    assert rc == 0 and "1 added" in out and err == ""
    record = {"id": "w", "text": "A wire report on the vote.", "title": "T" * 1200,
              "url": "https://news.example/" + "p" * 2100}
    wire = tmp_path / "wire.jsonl"
    wire.write_text(json.dumps(record) + "\n")
    rc, out, err = run_cli(capsys, "ingest", str(wire), "--db", second)
    assert rc == 0 and "1 added" in out
    assert '"title" of 1,200 characters is over the 1,000 limit: cut' in err
    assert "dropped" in err and len(err.strip().splitlines()) == 2
    with open_store(second) as store:
        got = store.get_article("w")
    assert len(got.title) == 1000 and got.url is None


def test_every_version_is_exported_with_its_own_byline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--all-versions` put the current author on every version, and a re-import made that
    misattribution permanent."""
    db, url = str(tmp_path / "v.db"), "https://news.example/2024/fire"
    text = "Fire burns homes in Riverton, the fire service said on Monday. "
    with open_store(db) as store:
        for n, (author, homes) in enumerate([("Alice Writer", "homes"),
                                             ("Bob Editor", "20 homes"),
                                             ("Carol Desk", "25 homes")]):
            store.add_articles([Article("fire", text.replace("homes", homes) * 3,
                                        title="Fire", url=url, author=author,
                                        published="2024-01-01",
                                        updated=f"2024-01-0{n + 1}T09:00:00+00:00")])
    rc, out, _ = run_cli(capsys, "articles", "--db", db, "--all-versions")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["version"], r["author"]) for r in rows] == [
        (1, "Alice Writer"), (2, "Bob Editor"), (3, "Carol Desk")]
