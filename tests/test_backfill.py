"""`newsweave backfill` on the local engine: every stage into the store, bad records reported
and skipped, a rerun (or a restart after a stop) redoing nothing that was finished."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest
from test_grouping_state import synthetic

from newsweave import backfill as bf
from newsweave.analysis_store import analysis_version
from newsweave.cli import main
from newsweave.store import Store


def write_jsonl(path: Path, articles, bad_at: int | None = None) -> Path:
    lines = [json.dumps(asdict(a)) for a in articles]
    if bad_at is not None:
        lines.insert(bad_at, '{"id": "broken", "text": ')  # malformed record
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def memberships(store: Store) -> list[str]:
    """Every article id once per story it is in."""
    return [aid for s in store.list_stories(limit=10_000) for aid in s.article_ids]


@pytest.fixture(autouse=True)
def tiny_shards(monkeypatch):
    """The small synthetic archives here are cut into shards of a few articles, so the
    sharded paths run (a real archive's shards hold at least 100)."""
    monkeypatch.setattr(bf, "MIN_SHARD_ARTICLES", 1)


@pytest.fixture(scope="module")
def small():
    return synthetic(n_events=4, seed=11)[:12]


def test_backfill_every_stage_then_a_rerun_redoes_nothing(tmp_path, small):
    src = write_jsonl(tmp_path / "in.jsonl", small, bad_at=3)
    db = str(tmp_path / "s.db")
    errors = []
    totals, done = {}, {}

    def progress(stage, n, total):  # the bars inside "analyse, group, weave"
        if total is not None:
            totals[stage] = total
        done[stage] = done.get(stage, 0) + n

    r = bf.backfill([src], db, workers=1, on_error=errors.append, on_progress=progress)
    assert (r.read, r.added, r.bad) == (len(small), len(small), 1)
    assert totals == done == {"prepare": len(small), "analyse": len(small),
                              "weave": r.rewoven}
    assert len(errors) == 1 and f"{src}:4" in str(errors[0])  # file:line of the bad record
    assert r.analysed == len(small) and not r.analysis_failed
    with Store(db) as store:
        assert store.analysis_versions() == {analysis_version(): len(small)}
        members = memberships(store)
        assert sorted(members) == sorted(a.id for a in small)  # each article exactly once
        assert r.stories == store.count_stories() and r.rewoven == r.stories
        assert all(len(store.brief_versions(sid)) == 1 for sid in store.story_ids())
    again = bf.backfill([src], db, workers=1)
    assert (again.added, again.already_stored, again.analysed) == (0, len(small), 0)
    assert (again.grouped, again.rewoven) == (0, 0)


def test_a_stopped_backfill_resumes_where_it_stopped(tmp_path, small, monkeypatch):
    src = write_jsonl(tmp_path / "in.jsonl", small)
    db = str(tmp_path / "s.db")
    monkeypatch.setattr(bf, "ANALYSE_CHUNK", 4)
    real = bf.Worker.analyse
    calls = []

    def stop_on_second(self, ids):
        calls.append(list(ids))
        if len(calls) == 2:
            raise KeyboardInterrupt  # the operator stops the run mid-analysis
        return real(self, ids)

    monkeypatch.setattr(bf.Worker, "analyse", stop_on_second)
    with pytest.raises(KeyboardInterrupt):
        bf.backfill([src], db, workers=1)
    monkeypatch.setattr(bf.Worker, "analyse", real)
    r = bf.backfill([src], db, workers=1)
    assert r.added == 0 and r.analysed == len(small) - 4  # the first chunk is not redone
    # grouping ran beside the analysis and was let finish when the run stopped: not redone
    assert r.grouped == 0
    with Store(db) as store:
        assert store.analysis_versions() == {analysis_version(): len(small)}
        assert sorted(memberships(store)) == sorted(a.id for a in small)
        assert all(store.brief_versions(sid) for sid in store.story_ids())


def test_skip_weave_stops_after_grouping_without_analysing(tmp_path, small):
    """`--skip-weave` ("stop after grouping") still analysed every article: 85% of the run,
    for the briefs it does not weave."""
    src = write_jsonl(tmp_path / "in.jsonl", small)
    db = str(tmp_path / "s.db")
    r = bf.backfill([src], db, workers=1, skip_weave=True)
    assert (r.analysed, r.rewoven) == (0, 0) and r.stories > 0
    with Store(db) as store:
        assert store.analysis_versions() == {}
        assert sorted(memberships(store)) == sorted(a.id for a in small)


def test_sharded_backfill_in_a_process_pool(tmp_path, small):
    src = write_jsonl(tmp_path / "in.jsonl", small)
    db = str(tmp_path / "s.db")
    r = bf.backfill([src], db, workers=2, shards=3, warmup=4, skip_weave=True)
    assert r.grouped == len(small) and r.analysed == 0  # --skip-weave: no analysis
    with Store(db) as store:
        assert sorted(memberships(store)) == sorted(a.id for a in small)
        first = {s.id: s.article_ids for s in store.list_stories(limit=100)}
    from newsweave.group import story_id_for

    order = [a.id for a in small]  # synthetic() is in date order
    for sid, ids in first.items():  # ids derive from each story's first article
        assert sid == story_id_for(min(ids, key=order.index))


def test_refined_shards_store_the_stories_of_one_shard(tmp_path, small):
    """Three shards with a warm-up too short to see their stories' beginnings, refined from
    each other's states (the default), store exactly the single sequential pass's stories."""
    src = write_jsonl(tmp_path / "in.jsonl", small)
    stories, stages = [], []
    for shards in (1, 3):
        db = str(tmp_path / f"s{shards}.db")
        bf.backfill([src], db, workers=2, shards=shards, warmup=2, skip_weave=True,
                    on_stage=stages.append)
        with Store(db) as store:
            stories.append({s.id: sorted(s.article_ids) for s in store.list_stories(limit=100)})
    assert stories[0] == stories[1]
    assert any("refinement round" in line and "converged" in line for line in stages)


def test_cli_bad_arguments_are_one_line_errors(tmp_path, capsys, small):
    assert main(["backfill", str(tmp_path / "missing.jsonl"), "--db",
                 str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    assert "missing.jsonl" in err and "Traceback" not in err and err.count("\n") == 1
    src = write_jsonl(tmp_path / "in.jsonl", small)
    assert main(["backfill", str(src), "--db", str(tmp_path / "s.db"), "--shards", "0"]) == 2
    assert "--shards" in capsys.readouterr().err
    assert main(["backfill", str(src), "--db", str(tmp_path / "s.db"), "--shards", "2",
                 "--warmup", "-1"]) == 2
    assert "--warmup must be 0 or more" in capsys.readouterr().err
    assert main(["backfill", str(src), "--db", str(tmp_path / "s.db"), "--shards", "2",
                 "--rounds", "-1"]) == 2
    assert "--rounds must be 0 or more" in capsys.readouterr().err
    # options the others make pointless: refused, not silently ignored
    for extra, said in ((["--rounds", "2"], "--rounds applies with --shards K (K above 1)"),
                        (["--warmup", "5"], "--warmup applies with --shards K (K above 1)"),
                        (["--address", "ray://x:1"], "--address names a Ray cluster: give "
                         "--engine ray")):
        assert main(["backfill", str(src), "--db", str(tmp_path / "s.db"), *extra]) == 2
        assert capsys.readouterr().err == f"newsweave: error: {said}\n"
    assert main(["backfill", str(src), "--db", str(tmp_path / "s.db"), "--words", "0"]) == 2
    assert "--words: must be a positive number, got 0" in capsys.readouterr().err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("{nope\n", encoding="utf-8")
    assert main(["backfill", str(empty), "--db", str(tmp_path / "e.db")]) == 2
    err = capsys.readouterr().err
    assert f"{empty}:1" in err and "no articles found" in err


def test_cli_a_bad_record_is_one_line_exit_2_and_the_good_ones_are_stored(tmp_path, capsys,
                                                                        small):
    """As `ingest` does: the bad record is named and skipped, the rest goes through every
    stage, and the exit code says that input was bad (it was 0)."""
    src = write_jsonl(tmp_path / "in.jsonl", small[:4], bad_at=2)
    db = str(tmp_path / "s.db")
    assert main(["backfill", str(src), "--db", db, "--workers", "1", "--skip-weave",
                 "--no-progress"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and f"{src}:3: " in captured.err
    assert "4 added" in captured.out and "1 bad record skipped" in captured.out
    with Store(db) as store:
        assert store.count_articles() == 4 and len(memberships(store)) == 4


def test_a_sharded_backfill_leaves_a_grouper_state_later_runs_continue_from(tmp_path, small):
    from newsweave.app import add_articles, group_new

    dated = [a for a in small if a.published]
    late = [dated[-1]]  # arrives after the backfill; its event has earlier reports
    early = [a for a in small if a not in late]
    src = write_jsonl(tmp_path / "in.jsonl", early)
    db = str(tmp_path / "s.db")
    r = bf.backfill([src], db, workers=1, shards=3, warmup=4, skip_weave=True)
    assert r.grouped == len(early)
    with Store(db) as store:
        assert store.load_grouper_state(with_blob=False) is not None
        add_articles(store, late)
        notices = []
        g = group_new(store, on_notice=notices.append)
        assert not g.rebuilt and not notices  # continued, not regrouped from scratch
        assert g.new_articles == 1
        assert sorted(memberships(store)) == sorted(a.id for a in small)
        story = next(s for s in store.list_stories(limit=100) if late[0].id in s.article_ids)
        event = late[0].id.split("-")[0]
        assert any(aid.startswith(event + "-") for aid in story.article_ids if aid != late[0].id)


class RecordingEngine:
    """One worker in this process, the grouper run at once when started: the order in which
    the pipeline hands out its tasks is recorded."""

    workers = 1

    def __init__(self, url: str) -> None:
        self.worker = bf.Worker(url)
        self.calls: list[tuple[str, object]] = []
        self.done: list[tuple[object, object]] = []

    def map(self, method, items, *extra):
        return (getattr(self.worker, method)(item, *extra) for item in items)

    def call(self, method, *args):
        return getattr(self.worker, method)(*args)

    def free(self) -> int:
        return 0 if self.done else 1

    def submit(self, tag, method, *args):
        self.calls.append((method, args[0] if args else None))
        self.done.append((tag, getattr(self.worker, method)(*args)))

    submit_grouper = submit

    def pending(self) -> int:
        return len(self.done)

    def wait(self):
        out, self.done = self.done, []
        return out

    def close(self) -> None:
        self.worker.store.close()


def test_the_pipeline_groups_first_then_analyses_and_weaves_the_largest_story_first(
        tmp_path, small, monkeypatch):
    monkeypatch.setattr(bf, "ANALYSE_CHUNK", 2)
    db = str(tmp_path / "s.db")
    with Store(db) as store:
        store.add_articles(small)
        engine = RecordingEngine(db)
        result = bf.BackfillResult()
        bf.Pipeline(store, engine, result, shards=1, warmup=0, words=120,
                    skip_weave=False).run()
        engine.close()
        sizes = {sid: len(m) for sid, m in store.story_memberships().items()}
        story_of = {aid: sid for sid, m in store.story_memberships().items() for aid, *_ in m}
    methods = [m for m, _ in engine.calls]
    assert methods[: methods.index("group_new")] == ["prepare"] * 6  # every lead first
    assert sorted(a for m, ids in engine.calls if m == "analyse" for a in ids) == \
        sorted(a.id for a in small)  # every article analysed exactly once
    woven = [arg for m, arg in engine.calls if m == "weave"]
    assert sorted(woven) == sorted(sizes) and result.rewoven == len(sizes)
    largest = max(sizes, key=lambda s: (sizes[s], s))
    first_weave = methods.index("weave")
    assert woven[0] == largest
    # its members were analysed first, and it was woven as soon as they were (a chunk of
    # two may carry one member of the next story)
    before = [a for m, ids in engine.calls[:first_weave] if m == "analyse" for a in ids]
    mine = [a for a in before if story_of[a] == largest]
    assert len(mine) == sizes[largest] and len(before) - len(mine) < 2
    assert before[: len(mine)] == mine
    assert result.done_at["group"] <= result.done_at["weave"]


def test_a_second_long_job_on_the_store_is_told_it_is_busy(tmp_path, small):
    """Two backfills (or a backfill beside an update) ran at once: every article analysed
    twice and every brief stored twice. A backfill holds the lock `update` holds."""
    from newsweave.store import StoreBusy

    src = write_jsonl(tmp_path / "in.jsonl", small)
    db = str(tmp_path / "s.db")
    with Store(db) as store, store.exclusive("update"):  # an update running elsewhere
        with pytest.raises(StoreBusy, match="store is busy"):
            bf.backfill([src], db, workers=1)
        assert store.count_articles() == 0  # refused before any work
    r = bf.backfill([src], db, workers=1)
    assert r.added == len(small)


def test_backfill_says_what_update_says_of_late_articles(tmp_path, small):
    """Grouping articles dated before what an earlier run grouped: `update` said so (and how
    many earlier articles a split moved), a backfill of the same articles did not."""
    from dataclasses import replace

    dated = sorted((a for a in small if a.published), key=lambda a: a.published)
    first, rest = dated[len(dated) // 2:], dated[:len(dated) // 2]
    db = str(tmp_path / "s.db")
    bf.backfill([write_jsonl(tmp_path / "a.jsonl", first)], db, skip_weave=True)
    later = [replace(a, id=a.id + "-late") for a in rest]
    r = bf.backfill([write_jsonl(tmp_path / "b.jsonl", later)], db, skip_weave=True)
    assert r.grouped == len(later) and r.regrouping is not None
    assert f"{len(later)} new articles dated before articles grouped earlier" in r.regrouping
    assert "regroups everything in date order" in r.summary()
    assert bf.changed_stories(1, 2, 0, moved=1) == (
        "1 new, 2 updated, 0 removed; moved 1 earlier one")


def test_a_ray_address_where_nothing_answers_is_one_line_before_any_work(tmp_path, small):
    """`--engine ray --address 127.0.0.1:6399` with no cluster there waited without end,
    after the whole archive was ingested, printing Ray's own logs."""
    import socket

    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = write_jsonl(tmp_path / "in.jsonl", small)
    db = tmp_path / "s.db"
    with pytest.raises(bf.InputError, match=f"cannot reach a Ray cluster at 127.0.0.1:{port}"):
        bf.backfill([src], str(db), engine="ray", address=f"127.0.0.1:{port}")
    assert not db.exists()
    with pytest.raises(bf.InputError, match=f"at ray://127.0.0.1:{port} "):  # 30 s in Ray
        bf.check_ray_address(f"ray://127.0.0.1:{port}")
    with pytest.raises(bf.InputError, match="give HOST:PORT"):
        bf.check_ray_address("no-port-here")
    bf.check_ray_address("auto")  # Ray's own to find


def test_a_ray_address_where_another_service_listens_is_one_line(tmp_path, small):
    """A listening port that is no Ray head (PostgreSQL's, the client port given without
    ray://) passed the check, and ray.init waited there without end holding the store's
    lock. A gRPC server, as Ray's GCS and Ray Client are, makes a channel ready; others not."""
    import socket
    import threading
    from concurrent import futures

    grpc = pytest.importorskip("grpc")
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen()

    def answer() -> None:  # a database's error, say, then the connection closed
        conn, _ = other.accept()
        with conn:
            conn.recv(64)
            conn.sendall(b"E\x00\x00\x00\x10SFATAL")

    threading.Thread(target=answer, daemon=True).start()
    with other, pytest.raises(bf.InputError, match="answers as a Ray cluster"):
        bf.check_ray_address(f"127.0.0.1:{other.getsockname()[1]}", timeout=1.0)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        bf.check_ray_address(f"127.0.0.1:{port}")  # a gRPC server: Ray's to judge now
        bf.check_ray_address(f"ray://127.0.0.1:{port}")
    finally:
        server.stop(None)


def test_a_ray_address_from_the_environment_is_checked_too(tmp_path, small, monkeypatch):
    """RAY_ADDRESS names the cluster when --address is not given: the same wait without
    end, and the message said "local"."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")
    src = write_jsonl(tmp_path / "in.jsonl", small)
    with pytest.raises(bf.InputError, match=f"cannot reach a Ray cluster at 127.0.0.1:{port}"):
        bf.backfill([src], str(tmp_path / "s.db"), engine="ray")


def test_a_stopped_run_ends_its_pool_workers(tmp_path):
    """A SIGTERM'd backfill left its two pool workers running without end (re-parented to
    init, 0.5-0.8 GB each, the store held open): a stopped run now ends them, and SIGTERM
    reaches the run as Ctrl-C does (``Terminated``, exit 143)."""
    db = str(tmp_path / "s.db")
    Store(db).close()
    engine = bf.LocalEngine(db, 2)
    pool = engine._get()
    list(pool.map(abs, [-1, -2]))  # both workers started
    processes = list(pool._processes.values())
    assert len(processes) == 2 and all(p.is_alive() for p in processes)
    engine.close(abort=True)
    for p in processes:
        p.join(timeout=10)
    assert not any(p.is_alive() for p in processes)
    assert issubclass(bf.Terminated, KeyboardInterrupt)


def test_more_shards_than_the_archive_fills_are_fewer_and_said(tmp_path, small, monkeypatch):
    """`--shards 1000` on 91 articles ran 88 refinement rounds (129 s against 3 s), saying
    nothing: a shard holds at least MIN_SHARD_ARTICLES, and the cut is said."""
    monkeypatch.setattr(bf, "MIN_SHARD_ARTICLES", 4)
    src = write_jsonl(tmp_path / "in.jsonl", small)
    said: list[str] = []
    r = bf.backfill([src], str(tmp_path / "s.db"), workers=2, shards=1000, warmup=4,
                    skip_weave=True, on_stage=said.append)
    assert r.grouped == len(small)
    assert "shards: 12 articles make 3 shard(s) of at least 4 (--shards 1000)" in said


def test_an_article_that_fails_analysis_is_named_alone_and_the_others_counted(tmp_path, small):
    """One article over the sentence limit blamed its whole chunk of 16 ("articles
    94b4..a182"), and the summary said "analysed 15" where 30 were stored."""
    from newsweave.models import Article

    db = str(tmp_path / "s.db")
    many = Article("manysent", " ".join(f"Officials met on day {i} and talked."
                                        for i in range(6000)), title="Many")
    with Store(db) as store:
        store.add_articles([*small[:3], many])
    worker = bf.Worker(db)
    try:
        analysed, error = worker.analyse([small[0].id, "manysent", small[1].id, small[2].id])
    finally:
        worker.store.close()
    assert analysed == 3
    assert error is not None and "manysent" in error and small[0].id not in error
    assert "over the 5,000 limit" in error


def test_a_terminated_backfill_exits_143_with_one_line(monkeypatch, capsys, tmp_path):
    def stopped(args):
        raise bf.Terminated

    from newsweave import cli_backfill

    monkeypatch.setattr(cli_backfill, "run_cli", stopped)
    assert main(["backfill", str(tmp_path), "--db", str(tmp_path / "s.db")]) == 143
    assert capsys.readouterr().err == "newsweave: error: terminated\n"


def test_the_summary_says_what_grouping_changed_as_update_does(tmp_path, small):
    """A backfill into a live store can move articles and remove stories (their links then
    redirect): the summary counts stories new, updated and removed, for one grouper and for
    a sharded regrouping alike."""
    from newsweave.wording import count

    def changes(line: str) -> tuple[int, int, int]:
        found = re.search(r"(\d+) new, (\d+) updated, (\d+) removed", line)
        assert found, line
        return tuple(int(n) for n in found.groups())

    src = write_jsonl(tmp_path / "in.jsonl", small[:8])
    db = str(tmp_path / "s.db")
    first = bf.backfill([src], db, workers=1, skip_weave=True)
    assert first.regrouping == f"{first.stories} new, 0 updated, 0 removed"
    assert f"{count(first.stories, 'story')} ({first.regrouping})" in first.summary()
    more = write_jsonl(tmp_path / "more.jsonl", small)
    second = bf.backfill([more], db, workers=2, shards=3, warmup=2, skip_weave=True)
    with Store(db) as store:
        assert second.stories == store.count_stories()
    new, _, removed = changes(second.regrouping or "")
    assert first.stories + new - removed == second.stories
