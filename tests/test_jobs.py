"""The server's job process: jobs run in a child at a lower CPU priority, its failures come
back as one line, a dead child is replaced, and closing stops it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsweave.jobs import IDLE_ENV, JOB_IDLE, JOB_NICE, JobFailed, JobProcess
from newsweave.store import open_store


@pytest.fixture()
def jobs(tmp_path: Path) -> Iterator[JobProcess]:
    store = open_store(str(tmp_path / "jobs.db"))
    p = JobProcess(store.url)
    yield p
    p.close()
    store.close()


def test_jobs_run_in_a_niced_child(jobs: JobProcess) -> None:
    pid, nice, _policies = jobs.call("info")
    assert pid != os.getpid()
    assert nice == min(19, os.nice(0) + JOB_NICE)
    assert jobs.call("info")[0] == pid  # the same child stays for the next job


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="no SCHED_IDLE on this OS")
def test_the_child_runs_in_the_idle_class_and_its_threads_too(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "idle.db"))
    idle, plain = JobProcess(store.url, idle=True), JobProcess(store.url, idle=False)
    try:
        _pid, _nice, policies = idle.call("info")
        assert policies and set(policies) == {os.SCHED_IDLE}
        _pid, _nice, policies = plain.call("info")
        assert policies and os.SCHED_IDLE not in policies
    finally:
        idle.close()
        plain.close()
        store.close()
    assert os.sched_getscheduler(0) != os.SCHED_IDLE  # the server itself is untouched


def test_the_idle_class_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(IDLE_ENV, "0")
    assert JobProcess("sqlite:///x.db").idle is False
    monkeypatch.setenv(IDLE_ENV, "1")
    assert JobProcess("sqlite:///x.db").idle is JOB_IDLE


def test_a_failing_job_is_one_line_and_the_child_stays(jobs: JobProcess) -> None:
    pid = jobs.call("info")[0]
    with pytest.raises(JobFailed, match="unknown story id 'nope'"):
        jobs.weave("nope", 120)
    assert jobs.call("info")[0] == pid


def test_a_dead_child_is_replaced_and_close_stops_it(jobs: JobProcess) -> None:
    pid = jobs.call("info")[0]
    os.kill(pid, 9)
    jobs._proc.join(5)
    new_pid = jobs.call("info")[0]
    assert new_pid != pid
    jobs.close()
    assert not jobs._proc.is_alive()
    with pytest.raises(JobFailed):
        jobs.call("info")


def test_the_story_list_is_built_in_the_child(tmp_path: Path) -> None:
    from newsweave.catalog import ListQuery, build_catalog
    from newsweave.models import Article

    store = open_store(str(tmp_path / "list.db"))
    store.add_articles([Article("a", "One report.", published="2017-03-01"),
                        Article("b", "Another report.", published="2017-03-02")])
    store.save_stories({"a": "s1", "b": "s2"}, {"s1": "First", "s2": "Second"})
    jobs = JobProcess(store.url)
    try:
        version, catalog = jobs.catalog()
    finally:
        jobs.close()
    assert version == store.catalog_version()
    here = build_catalog(store)
    query = ListQuery(sort="first_published")
    assert [e.id for e in catalog.select(query)[1]] == [e.id for e in here.select(query)[1]]
    assert [e.headline for e in catalog.entries] == [e.headline for e in here.entries]
    store.close()


def test_group_names_the_stories_it_changed(tmp_path: Path) -> None:
    from newsweave.ingest import read_articles

    example = Path(__file__).resolve().parents[1] / "examples" / "sessions-2017"
    store = open_store(str(tmp_path / "group.db"))
    first, *rest = read_articles([example])
    store.add_articles(rest)
    jobs = JobProcess(store.url)
    try:
        jobs.group()  # the first run (no saved grouper state yet)
        before = set(store.story_ids())
        assert jobs.group() == []  # nothing new: nothing changed
        store.add_articles([first])
        changed = jobs.group()
    finally:
        jobs.close()
    assert changed and set(changed) >= set(store.article_stories(first.id))
    assert set(changed) <= before | set(store.story_ids())
    store.close()
