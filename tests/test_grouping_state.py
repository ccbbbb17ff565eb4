"""Incremental grouping (``grouping_state.group_new``): grouping in several runs gives the same
stories as one run over the same articles in the same arrival order, on SQLite and PostgreSQL;
a state that cannot be used means a full regroup with a notice; runs never interleave."""

from __future__ import annotations

import json
import random
import zlib
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text
from test_postgres import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from newsweave import grouping_state
from newsweave.cli import main
from newsweave.grouping_state import (
    ExactIndex,
    ResumableGrouper,
    StateError,
    dump_state,
    group_new,
    load_state,
)
from newsweave.models import Article
from newsweave.settings import GroupSettings
from newsweave.store import Pending, Store, StoreBusy, open_store
from newsweave.versions import mostly_new

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "clustering" / "mixed-dev.jsonl"


class PerTextEmbedder:
    """The real MiniLM, one vector per distinct text, kept: every run of every store sees the
    same vector for a lead (batched inference may differ in the last bits with the batch)."""

    def __init__(self) -> None:
        from newsweave.embed import get_embedder

        self.inner = get_embedder()
        self.vectors: dict[str, np.ndarray] = {}

    def embed(self, texts):
        todo = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if todo:
            self.vectors.update(zip(todo, self.inner.embed(todo), strict=True))
        return np.stack([self.vectors[t] for t in texts])


@pytest.fixture(scope="module")
def embedder() -> PerTextEmbedder:
    return PerTextEmbedder()


PLACES = ["Harwick", "Lowmoor", "Tarrow", "Kentmere", "Brindle", "Oxhey", "Calder", "Marlow",
          "Fenwick", "Ashby", "Dunmore", "Greyhaven", "Pelling", "Rossiter", "Stanwell",
          "Thornbury", "Upwood", "Whitcombe", "Yarrow", "Bellmere", "Corbridge", "Eastleigh",
          "Hollins", "Kirkby"]
KINDS = [
    ("fire", "A fire destroyed the {thing} in {place} on {day}, and {person} of the fire "
     "service said {n} crews fought the blaze for hours."),
    ("flood", "Floods swept through {place} on {day} after heavy rain, and {person} said {n} "
     "homes near the {thing} were evacuated by rescue teams."),
    ("vote", "The council of {place} voted on {day} to approve the {thing}, with {person} "
     "saying {n} members backed the plan after a long debate."),
    ("strike", "Workers at the {thing} in {place} went on strike on {day}, and union leader "
     "{person} said {n} staff had walked out over pay."),
]
THINGS = ["Northgate Market", "old mill", "harbour bridge", "Riverside clinic", "bus depot"]
PEOPLE = ["Alan Crowther", "Priya Naidoo", "Dean Whitlock", "Mara Ellison", "Tomas Reyes",
          "Ines Okafor", "Ruth Benning", "Olu Adebayo"]
BOILERPLATE = "Subscribe to the Gazette newsletter for the latest news from our region every day."


def synthetic(n_events: int = 24, seed: int = 3) -> list[Article]:
    """Reports of look-alike local events, interleaved in date order: some outlets append
    the same newsletter line (boilerplate to learn mid-stream), some reports are wire copies,
    a few are undated."""
    rng = random.Random(seed)
    out: list[Article] = []
    for e in range(n_events):
        kind, template = KINDS[e % len(KINDS)]
        place, thing = PLACES[e], THINGS[(e * 3) % len(THINGS)]
        person, n = PEOPLE[(e * 5) % len(PEOPLE)], 10 + 7 * e
        start = 1 + (e * 11) % 27
        for r in range(rng.randint(2, 9)):
            day = start + r // 2
            body = template.format(thing=thing, place=place, day=f"March {day}",
                                   person=person, n=n)
            extra = rng.choice([
                f"Residents of {place} gathered to watch as officials assessed the damage.",
                f"{person} promised a full report on the {kind} within a week.",
                f"Local businesses near the {thing} stayed closed for the day.",
            ])
            text_ = f"{body} {extra} Report {r} on the {kind} in {place}."
            if rng.random() < 0.4:
                text_ += "\n\n" + BOILERPLATE
            published = None if rng.random() < 0.05 else f"2023-03-{min(day, 28):02d}"
            out.append(Article(id=f"e{e}-r{r}", title=f"{kind.title()} in {place}: report {r}",
                               text=text_, published=published, outlet=f"o{r % 3}"))
            if rng.random() < 0.15:  # a wire copy of this report
                out.append(Article(id=f"e{e}-r{r}-copy", title=f"{kind.title()} in {place}",
                                   text=text_ + " (Wire)", published=published, outlet="wire"))
    out.sort(key=lambda a: (a.published or "9999", a.id))
    return out


def stories_of(store: Store) -> dict[str, tuple[frozenset[str], str]]:
    return {s.id: (frozenset(s.article_ids), s.headline)
            for s in store.list_stories(limit=100_000)}


def duplicates_of(store: Store) -> dict[str, str]:
    out: dict[str, str] = {}
    for sid in store.story_ids():
        out.update(store.story_duplicates(sid))
    return out


def in_chunks(store: Store, articles: list[Article], fraction: float, embedder,
              new_process: bool = True) -> list:
    """Add the articles a ``fraction`` at a time, grouping after each. ``new_process``: each
    run loads the saved state (as separate `stories` runs do), not the one kept in memory."""
    step = max(1, int(len(articles) * fraction))
    results = []
    for lo in range(0, len(articles), step):
        store.add_articles(articles[lo : lo + step])
        if new_process:
            grouping_state._LIVE.clear()
        results.append(group_new(store, embedder=embedder))
    return results


# --------------------------------------------------------------------------- equivalence
def dev_sample() -> list[Article]:
    if not DEV.is_file():
        pytest.skip(f"no dev data at {DEV}")
    rows = [json.loads(line) for line in DEV.open(encoding="utf-8")][::4]
    return [Article(id=r["id"], text=r["text"], title=r.get("title"),
                    published=r.get("published"), outlet=r.get("outlet")) for r in rows]


@pytest.fixture(scope="module")
def dev_one_shot(tmp_path_factory: pytest.TempPathFactory, embedder) -> tuple:
    articles = dev_sample()
    with open_store(tmp_path_factory.mktemp("one") / "one.db") as store:
        store.add_articles(articles)
        result = group_new(store, embedder=embedder)
        return articles, stories_of(store), duplicates_of(store), result


@pytest.mark.parametrize("fraction", [0.05, 0.2, 0.5])
def test_incremental_equals_one_shot_on_dev_sample(
    tmp_path: Path, embedder, dev_one_shot: tuple, fraction: float
) -> None:
    articles, one_shot, one_dups, first = dev_one_shot
    assert len(articles) > 300 and first.rebuilt and first.new_articles == len(articles)
    with open_store(tmp_path / "inc.db") as store:
        runs = in_chunks(store, articles, fraction, embedder)
        assert sum(r.new_articles for r in runs) == len(articles)
        assert not any(r.rebuilt for r in runs[1:])
        assert stories_of(store) == one_shot
        assert duplicates_of(store) == one_dups
        again = group_new(store, embedder=embedder, rebuild=True)
        assert again.rebuilt and again.changed == () and stories_of(store) == one_shot


def test_a_run_says_how_many_new_articles_are_dated_before_earlier_ones(
    tmp_path: Path, embedder
) -> None:
    """Runs equal one run only while each run's articles are dated after those grouped
    before (docs/incremental-grouping.md); a late-dated article is grouped against the
    stories as they stand, which the summary now says (an audit split a date-ordered file
    whose '1998-30-06' reads as June 30, and its stories differed without a word)."""
    articles = synthetic()
    dated = [a for a in articles if a.published]
    half = len(dated) // 2
    with open_store(tmp_path / "late.db") as store:
        store.add_articles(dated[:half])
        assert group_new(store, embedder=embedder).late == 0  # a first run: none is late
        store.add_articles(dated[half:])
        on_time = group_new(store, embedder=embedder)
        assert on_time.late == 0 and "dated before" not in on_time.summary()
        early = Article(id="late-1", text="Flooding closed the old bridge in Riverton on "
                        "Monday, officials said.", published="2023-03-01")
        store.add_articles([early])
        late = group_new(store, embedder=embedder)
        assert late.new_articles == 1 and late.late == 1
        assert "1 new article dated before articles grouped earlier" in late.summary()


def test_incremental_equals_one_shot_on_both_back_ends(
    tmp_path: Path, embedder, db_url: str  # noqa: F811
) -> None:
    articles = synthetic()
    with open_store(tmp_path / "one.db") as store:
        store.add_articles(articles)
        first = group_new(store, embedder=embedder)
        one_shot, one_dups = stories_of(store), duplicates_of(store)
    assert first.duplicates > 0  # wire copies found
    assert 8 <= len(one_shot) < len(articles)  # templated events: some merge
    with open_store(db_url) as store:
        runs = in_chunks(store, articles, 0.2, embedder, new_process=False)  # as a server
        assert stories_of(store) == one_shot and duplicates_of(store) == one_dups
        assert runs[-1].changed and len(runs[-1].changed) < len(one_shot)
        # every article in exactly one story
        with store.engine.connect() as conn:
            per_article = conn.execute(text(
                "SELECT count(*), count(DISTINCT article_id) FROM story_articles")).one()
        assert per_article[0] == per_article[1] == len(articles)


def test_boilerplate_learned_between_prepare_and_decision_is_applied(embedder) -> None:
    """An article prepared before the line became boilerplate is prepared again at its turn,
    so a chunked run strips exactly what a one-at-a-time run strips."""
    articles = synthetic()
    small = GroupSettings(embed_chunk=1)
    one = ResumableGrouper(small, embedder=embedder)
    by_one = [one.add_many([a])[0] for a in articles]
    batched = ResumableGrouper(GroupSettings(embed_chunk=256), embedder=embedder)
    by_chunk = [a for chunk in batched.add_window(articles) for a in chunk]
    assert batched.reprepared > 0
    assert [(a.article_id, a.story_id) for a in by_chunk] == \
        [(a.article_id, a.story_id) for a in by_one]


# --------------------------------------------------------------------------- state
def test_state_round_trip_continues_identically(embedder) -> None:
    articles = synthetic()
    half = len(articles) // 2
    terms = GroupSettings(term_candidates=5)  # term postings saved and restored too
    whole = ResumableGrouper(terms, embedder=embedder)
    straight = [a for chunk in whole.add_window(articles) for a in chunk]
    first = ResumableGrouper(terms, embedder=embedder)
    for _ in first.add_window(articles[:half]):
        pass
    first.take_moves()
    saved = dump_state(first)
    assert saved.gone == set() and set(saved.stories) == set(first._stories)
    restored = load_state(saved.core, list(saved.stories.values()), grouping_state.FORMAT,
                          terms, embedder=embedder)
    spans = {k: (s.first_day, s.last_day) for k, s in first._stories.items()}
    assert {k: (s.first_day, s.last_day) for k, s in restored._stories.items()} == spans
    assert any(f is not None and f < last for f, last in spans.values())  # the split gate's input
    with pytest.raises(StateError, match="stories do not match"):  # a story row lost
        load_state(saved.core, list(saved.stories.values())[1:], grouping_state.FORMAT, terms)
    assert first._term_slots and restored._term_slots == first._term_slots
    assert {k: list(v) for k, v in restored._term_slots.items()} == \
        {k: list(v) for k, v in first._term_slots.items()}  # postings in the same order
    rest = [a for chunk in restored.add_window(articles[half:]) for a in chunk]
    assert rest == straight[half:]
    assert restored.story_count == whole.story_count


@pytest.mark.parametrize("damage", ["garbage", "story", "format", "settings"])
def test_unusable_state_regroups_everything_with_a_notice(
    tmp_path: Path, embedder, damage: str
) -> None:
    articles = synthetic(8)
    with open_store(tmp_path / "s.db") as store:
        store.add_articles(articles[:20])
        group_new(store, embedder=embedder)
        store.add_articles(articles[20:])
        grouping_state._LIVE.clear()  # as in another process
        settings = None
        with store.engine.begin() as conn:
            if damage == "garbage":
                conn.execute(text("UPDATE grouper_state SET state = :b"), {"b": b"PK\x03junk"})
            elif damage == "story":
                conn.execute(text("UPDATE grouper_stories SET state = :b WHERE story_id IN "
                                  "(SELECT min(story_id) FROM grouper_stories)"), {"b": b"x"})
            elif damage == "format":
                conn.execute(text("UPDATE grouper_state SET format = 99"))
            else:
                settings = GroupSettings(neighbours=7)
        notices: list[str] = []
        result = group_new(store, embedder=embedder, settings=settings,
                           on_notice=notices.append)
        assert result.rebuilt and result.new_articles == len(articles)
        assert len(notices) == 1 and "regrouping every article" in notices[0]
        assert "\n" not in notices[0]
        assert result.notice == notices[0]


@pytest.mark.parametrize("new_process", [False, True])
def test_state_for_other_languages_regroups_instead_of_skipping_left_out_articles(
    tmp_path: Path, embedder, new_process: bool
) -> None:
    from dataclasses import replace

    tagged = [replace(a, language="fr" if i % 4 == 0 else "en")
              for i, a in enumerate(synthetic(6))]
    french = [a.id for a in tagged if a.language == "fr"]

    def run(languages, notices=None):
        if new_process:
            grouping_state._LIVE.clear()  # as in another process: the saved state is read
        return group_new(store, embedder=embedder, languages=languages,
                         on_notice=None if notices is None else notices.append)

    with open_store(tmp_path / "s.db") as store:
        store.add_articles(tagged)
        assert run(("en",)).new_articles == len(tagged) - len(french)
        assert all(store.article_stories(a) == [] for a in french)
        same = run(("EN",))
        assert not same.rebuilt and same.new_articles == 0  # same languages: continued
        notices: list[str] = []
        widened = run(None, notices)
        assert widened.rebuilt and widened.new_articles == len(tagged)
        assert notices == [widened.notice] and "languages en, not all" in widened.notice
        assert all(store.article_stories(a) for a in french)
        again = run(None)
        assert not again.rebuilt and again.new_articles == 0


def test_unreadable_blob_is_a_state_error_not_a_crash() -> None:
    for blob in (b"", b"not zlib", zlib.compress(b"\x05\x00\x00\x00{}"),
                 grouping_state.pack({}, {"x": np.zeros(3, dtype=object).astype("U1")})):
        with pytest.raises(StateError):
            load_state(blob, [], grouping_state.FORMAT)
    with pytest.raises(StateError, match="format"):
        load_state(b"", [], 0)
    grouper = ResumableGrouper()
    core = dump_state(grouper).core
    with pytest.raises(StateError, match="unreadable"):
        load_state(core, [b"junk"], grouping_state.FORMAT)


def test_cli_stories_prints_notice_and_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], embedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(grouping_state, "StoreEmbedder", lambda store: embedder)
    articles = synthetic(6)
    db = str(tmp_path / "c.db")
    with open_store(db) as store:
        store.add_articles(articles[:15])
    assert main(["stories", "--db", db, "--no-progress"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("grouped all 15 articles from scratch")
    with open_store(db) as store:
        store.add_articles(articles[15:])
    assert main(["stories", "--db", db, "--no-progress"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith(f"grouped {len(articles) - 15} new articles: ")
    # a windowed regroup rewrites assignments: the next plain run starts over, and says so
    assert main(["stories", "--db", db, "--no-progress", "--since", "2023-03-01"]) == 0
    capsys.readouterr()
    grouping_state._LIVE.clear()
    assert main(["stories", "--db", db, "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "no saved grouper state: regrouping every article" in err
    assert out.startswith(f"grouped all {len(articles)} articles from scratch")
    assert main(["stories", "--db", db, "--rebuild", "--since", "2023-03-01"]) == 2


# --------------------------------------------------------------------------- faults
def test_failed_run_leaves_store_as_it_was_and_rerun_finishes(
    tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = synthetic(10)
    with open_store(tmp_path / "one.db") as store:
        store.add_articles(articles)
        group_new(store, embedder=embedder)
        one_shot = stories_of(store)
    with open_store(tmp_path / "k.db") as store:
        store.add_articles(articles[:25])
        group_new(store, embedder=embedder)
        before, state = stories_of(store), store.load_grouper_state()
        store.add_articles(articles[25:])

        def die(*_args, **_kwargs):
            raise KeyboardInterrupt  # killed inside the saving transaction

        monkeypatch.setattr(Store, "head_articles", die)
        with pytest.raises(KeyboardInterrupt):
            group_new(store, embedder=embedder)
        monkeypatch.undo()
        assert stories_of(store) == before and store.load_grouper_state() == state
        result = group_new(store, embedder=embedder)
        assert not result.rebuilt and result.new_articles == len(articles) - 25
        assert stories_of(store) == one_shot


def test_second_grouping_run_is_told_the_store_is_busy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db_url: str  # noqa: F811
) -> None:
    with open_store(db_url) as store, store.grouping_lock():
        with open_store(db_url) as other, pytest.raises(StoreBusy):
            group_new(other, wait=0.3)
        assert main(["stories", "--db", db_url, "--no-progress"]) == 2
        _, err = capsys.readouterr()
        assert "store is busy" in err and err.strip().count("\n") == 0
    with open_store(db_url) as store, store.grouping_lock():  # released: taken again
        pass


def test_stale_generation_is_refused(tmp_path: Path, embedder) -> None:
    """A run that started from an older state never overwrites a newer one."""
    with open_store(tmp_path / "g.db") as store:
        store.add_articles(synthetic(4))
        group_new(store, embedder=embedder)
        with pytest.raises(StoreBusy):
            store.save_grouping({}, {}, lambda _m: "", 1, (1, 0, b""), generation=None)


# --------------------------------------------------------------------------- exact index
def test_exact_index_answers_like_brute_force_and_reuses_rows() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 384)).astype(np.float32)
    index = ExactIndex(capacity=4)
    index.add_items(vectors, list(range(100, 150)))
    for label in (103, 120, 121):
        index.mark_deleted(label)
    index.add_items(vectors[:1], [500], replace_deleted=True)
    assert index.row_of[500] == 3  # the lowest emptied row is reused
    query = rng.normal(size=(1, 384)).astype(np.float32)
    labels, dists = index.knn_query(query, k=10)
    live = [i for i in range(50) if 100 + i not in (103, 120, 121)]
    sims = {100 + i: float(vectors[i] @ query[0]) for i in live} | {500: float(vectors[0] @
                                                                            query[0])}
    expected = sorted(sims, key=lambda lb: (-sims[lb], lb))[:10]
    assert labels[0].tolist() == expected
    assert np.allclose(1.0 - dists[0], [sims[lb] for lb in expected], atol=1e-5)
    with pytest.raises(RuntimeError):
        index.knn_query(query, k=49)  # 48 live


def test_stories_killed_mid_run_leaves_store_as_it_was(tmp_path: Path) -> None:
    """SIGKILL while `stories` groups new articles (after their leads were embedded): no
    assignment and no state of that run is in the store; a rerun groups them, and the stories
    are those a full regroup gives."""
    import os
    import signal
    import subprocess
    import sys
    import time

    articles = synthetic()
    db = str(tmp_path / "kill.db")
    cmd = [sys.executable, "-m", "newsweave.cli", "stories", "--db", db, "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    with open_store(db) as store:
        store.add_articles(articles[:40])
    assert subprocess.run(cmd, env=env, capture_output=True, timeout=300).returncode == 0
    with open_store(db) as store:
        store.add_articles(articles[40:])
        before, state = stories_of(store), store.load_grouper_state()
        with store.engine.connect() as conn:
            cached = conn.execute(text("SELECT count(*) FROM lead_vectors")).scalar()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                with store.engine.connect() as conn:
                    if conn.execute(text("SELECT count(*) FROM lead_vectors")).scalar() > cached:
                        break
                time.sleep(0.005)
            assert proc.poll() is None, "stories ended before the kill"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        assert stories_of(store) == before and store.load_grouper_state() == state
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith(f"grouped {len(articles) - 40} new articles")
    with open_store(db) as store:
        incremental = stories_of(store)
    rebuild = subprocess.run(cmd + ["--rebuild"], env=env, capture_output=True, text=True,
                             timeout=300)
    assert rebuild.returncode == 0 and "0 stories changed" in rebuild.stdout, rebuild.stdout
    with open_store(db) as store:
        assert stories_of(store) == incremental


# --------------------------------------------------------------------------- revised articles
STUB = ("Emergency crews were called out early this morning and officials say more details "
        "will follow as soon as they are confirmed.")


def _live_page(article: Article, stub: bool) -> Article:
    """``article`` as a live page captures it: first a stub under a generic headline, then
    the full report under the same URL (the stub's sentence still opening it)."""
    url = f"https://gazette.example.org/news/{article.id}"
    if stub:
        return Article(id=article.id, text=STUB, title="Breaking news",
                       published=article.published, outlet=article.outlet, url=url)
    return Article(id=article.id, text=STUB + " " + article.text, title=article.title,
                   published=article.published, outlet=article.outlet, url=url)


def _story_of(store: Store, article_id: str) -> str:
    (story,) = store.article_stories(article_id)
    return story


def _event_reports(articles: list[Article]) -> tuple[Article, list[str]]:
    """A dated report of an event with at least four dated reports, and the others' ids."""
    by_event: dict[str, list[Article]] = {}
    for a in articles:
        if a.published and not a.id.endswith("-copy"):
            by_event.setdefault(a.id.split("-")[0], []).append(a)
    reports = next(r for r in by_event.values() if len(r) >= 4)
    return reports[-1], [a.id for a in reports[:-1]]


def test_revised_stub_is_regrouped_with_its_event(
    tmp_path: Path, embedder, db_url: str  # noqa: F811
) -> None:
    """The first capture of a live page is a stub that says nothing of its event; once the
    full report revises it, the next run groups the new text: it joins its event's story,
    and the stub's story of one goes. Before, the article stayed in the stub's story."""
    articles = synthetic()
    target, siblings = _event_reports(articles)
    with open_store(db_url) as store:
        store.add_articles([_live_page(a, stub=True) if a.id == target.id else a
                            for a in articles])
        group_new(store, embedder=embedder)
        event_story = _story_of(store, siblings[0])
        stub_story = _story_of(store, target.id)
        assert stub_story != event_story  # the stub said nothing of the event
        assert store.add_articles([_live_page(target, stub=False)]).revised == 1
        assert set(store.pending_regroups()) == {target.id}
        grouping_state._LIVE.clear()  # as the next `stories` or `update` process
        result = group_new(store, embedder=embedder)
        assert not result.rebuilt and result.new_articles == 0
        assert (result.regrouped, result.regrouped_elsewhere) == (1, 1)
        assert "regrouped 1 revised article (1 now in another story)" in result.summary()
        assert _story_of(store, target.id) == event_story
        assert store.get_story(stub_story) is None or stub_story == event_story
        assert store.pending_regroups() == {}
        # the saved state is whole: the next run continues from it
        grouping_state._LIVE.clear()
        later = Article(id="late", text=target.text + " Officials thanked volunteers.",
                        title=target.title, published=target.published, outlet="o9")
        store.add_articles([later])
        again = group_new(store, embedder=embedder)
        assert not again.rebuilt and again.new_articles == 1 and again.regrouped == 0


def test_corrected_article_keeps_its_story_and_is_not_regrouped(
    tmp_path: Path, embedder
) -> None:
    """A correction leaves most of the text as it was: the story it is in stays its story,
    and no run re-decides it (re-deciding every corrected article would move some)."""
    articles = [Article(id=a.id, text=a.text, title=a.title, published=a.published,
                        outlet=a.outlet, url=f"https://gazette.example.org/news/{a.id}")
                for a in synthetic()]
    target, _ = _event_reports(articles)
    with open_store(tmp_path / "s.db") as store:
        store.add_articles(articles)
        group_new(store, embedder=embedder)
        before = stories_of(store)
        fixed = Article(id=target.id, text=target.text.replace("said", "says", 1)
                        + " This report was corrected.", title=target.title,
                        published=target.published, outlet=target.outlet, url=target.url)
        assert store.add_articles([fixed]).revised == 1
        assert store.pending_regroups()[target.id] == Pending(2, 1, 0)
        result = group_new(store, embedder=embedder)
        assert result.regrouped == 0 and stories_of(store) == before
        # kept, checked: the next run reads its texts again only if it is revised again
        assert store.pending_regroups()[target.id] == Pending(2, 1, 2)


def test_a_page_growing_a_paragraph_at_a_time_is_regrouped_once_mostly_new(
    tmp_path: Path, embedder
) -> None:
    """A live page grows by a paragraph per capture, each version less than half new
    against the one before; grouped between captures. The texts are compared with the one
    the grouper grouped (the stub), so once that is less than half of the page, the article
    is grouped again and joins its event; compared capture to capture, it never would be."""
    articles = synthetic()
    target, siblings = _event_reports(articles)
    stub = _live_page(target, stub=True)
    with open_store(tmp_path / "s.db") as store:
        store.add_articles([stub if a.id == target.id else a for a in articles])
        group_new(store, embedder=embedder)
        event_story = _story_of(store, siblings[0])
        assert _story_of(store, target.id) != event_story
        words, text_, runs = target.text.split(), STUB, []
        while words:
            step = max(1, len(text_.split()) // 3)  # a quarter of each capture is new
            grown, words = f"{text_} {' '.join(words[:step])}", words[step:]
            assert not mostly_new(text_, grown)  # each capture: mostly the one before
            text_ = grown
            store.add_articles([Article(id=target.id, text=text_, title=target.title,
                                        published=target.published, url=stub.url)])
            runs.append(group_new(store, embedder=embedder))
        assert [r.regrouped for r in runs].count(1) == 1 and sum(r.regrouped for r in runs) == 1
        assert _story_of(store, target.id) == event_story


def test_a_revision_stored_while_a_run_groups_waits_for_the_next(
    db_url: str  # noqa: F811
) -> None:
    """A run clears only the rows of the revisions it read: one stored meanwhile stays."""
    page = "https://gazette.example.org/news/live"
    with open_store(db_url) as store:
        store.add_articles([Article(id="a", text=STUB, url=page)])
        store.save_stories({"a": "s1"}, {"s1": "Breaking news"})
        text2 = STUB + " " + synthetic()[0].text
        text3 = text2 + " " + " ".join(f"Update {i} from the scene." for i in range(40))
        store.add_articles([Article(id="a", text=text2, url=page)])
        assert store.pending_regroups() == {"a": Pending(2, 1, 0)}
        assert store.revision_texts({"a": 1}) == {"a": STUB}  # the text the grouper grouped
        read = {aid: p.revision for aid, p in store.pending_regroups().items()}
        store.add_articles([Article(id="a", text=text3, url=page)])  # while the run groups
        assert store.pending_regroups() == {"a": Pending(3, 1, 0)}  # its base stays
        store.save_grouping({}, {}, lambda members: "", 25, (2, 0, b""), None,
                            regrouped=read, checked=read)
        assert store.pending_regroups() == {"a": Pending(3, 1, 0)}  # neither cleared nor checked
        store.save_grouping({}, {}, lambda members: "", 25, (2, 0, b""), 1, checked={"a": 3})
        assert store.pending_regroups() == {"a": Pending(3, 1, 3)}
        store.save_grouping({}, {}, lambda members: "", 25, (2, 0, b""), 2, regrouped={"a": 3})
        assert store.pending_regroups() == {}


FLOODS = [
    "Floods swept through Lowmoor on Tuesday after two days of heavy rain, and rescue teams "
    "evacuated forty homes near the harbour bridge, the council said.",
    "The river Calder burst its banks at Lowmoor on Tuesday, flooding forty homes near the "
    "harbour bridge; council leader Mara Ellison said rescue teams worked through the night.",
    "Forty families in Lowmoor spent the night in the school after the Calder flooded their "
    "homes near the harbour bridge on Tuesday, Mara Ellison of the council said.",
]
FIRES = [
    "A fire destroyed the old mill in Harwick on Monday, and Alan Crowther of the fire service "
    "said twelve crews fought the blaze for hours.",
    "Twelve fire crews fought for hours to save the old mill in Harwick on Monday, but the "
    "building was lost, fire officer Alan Crowther said.",
]


def _report(rid: str, body: str, title: str) -> Article:
    return Article(id=rid, text=body + " " + body, title=title, published="2023-03-07")


@pytest.mark.parametrize("others", ["flood", "fire"])
def test_stories_gathered_round_a_stub_follow_its_report_only_when_alike(
    embedder, others: str
) -> None:
    """Reports that joined a stub's story, before the stub's report was written, follow it
    to the story its report joins when the join model says they would join it (reports of
    the same flood), not when they are of something else (a fire the stub was taken for)."""
    g = ResumableGrouper(embedder=embedder)
    wire = _report("wire", FLOODS[0], "Floods in Lowmoor")
    g.add_many([wire, _report("f1", FLOODS[1], "Lowmoor floods")], forced=["s-T", "s-T"])
    stub = Article(id="live", text=STUB + " Police closed several roads and asked drivers "
                   "to keep away from the town centre until further notice.",
                   title="Breaking news", published="2023-03-07")
    gathered = [_report(f"o{i}", body, "Lowmoor" if others == "flood" else "Harwick")
                for i, body in enumerate(FLOODS[2:] + FLOODS[2:] if others == "flood"
                                         else FIRES)]
    g.add_many([stub, *gathered], forced=["s-S"] * (1 + len(gathered)))
    assert g.withdraw_many(["live"]) == {"live": "s-S"}
    report = Article(id="live", text=wire.text + " (Wire)", title="Floods in Lowmoor",
                     published="2023-03-07")
    (assigned,) = g.add_many([report])
    assert assigned.story_id == "s-T" and assigned.duplicate_of == "wire"  # the copy's story
    moves = {a.id: m.story_id for a, m in g.take_moves()}
    if others == "flood":
        assert moves == {a.id: "s-T" for a in gathered} and "s-S" not in g._stories
    else:
        assert moves == {} and g._stories["s-S"].size == len(gathered)
