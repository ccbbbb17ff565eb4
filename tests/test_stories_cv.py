"""Story-grouping scoring for the CV harness: a held fold scored inside the whole stream."""

from benchmarks.stories import bcubed


def test_bcubed_kept_on_every_article_is_plain_bcubed():
    pred = {"a": "s1", "b": "s1", "c": "s2", "d": "s2"}
    gold = {"a": "x", "b": "y", "c": "y", "d": "y"}
    assert bcubed(pred, gold, set(pred)) == bcubed(pred, gold)


def test_bcubed_kept_counts_wrong_company_from_outside_the_held_fold():
    """Article "a" (held) shares its predicted story with "b" of another fold and another
    story: its precision is 1/2 though "b" is not scored itself."""
    pred = {"a": "s1", "b": "s1", "c": "s2"}
    gold = {"a": "x", "b": "y", "c": "x"}
    p, r, f1 = bcubed(pred, gold, {"a"})
    assert p == 0.5  # "a" is grouped with "b", a different story
    assert r == 0.5  # "a"'s story also holds "c", predicted elsewhere
    assert bcubed(pred, gold, set()) == (0.0, 0.0, 0.0)


def test_free_rows_show_the_grouper_its_own_wrong_joins():
    """One DAgger round (``collect_free_rows``): with a model that joins everything, the
    pension-vote reports meet the quake's story as their only candidate and that row is
    labelled wrong; teacher forcing never shows a merged story (the vote has its own)."""
    import numpy as np

    from benchmarks.stories import collect_free_rows, collect_rows
    from newsweave.embed import get_embedder
    from newsweave.group import FEATURES, JoinModel
    from newsweave.settings import GroupSettings
    from tests.test_group import QUAKE, VOTE

    n = len(FEATURES)
    always = JoinModel(FEATURES, 0.5, np.zeros(n), np.ones(n),
                       ((np.zeros((n, 1)), np.zeros(1), np.zeros(1), 10.0),))
    articles = [*QUAKE, *VOTE]
    labels = {a.id: "quake" if a.id.startswith("q") else "vote" for a in articles}
    embedder = get_embedder()
    x, y = collect_free_rows(articles, labels, embedder, GroupSettings(), always)
    assert x.shape == (len(articles) - 1, n)  # every article after the first meets one story
    assert y.tolist().count(0) == len(VOTE)  # the vote reports' rows: the quake's story
    assert y.tolist().count(1) == len(QUAKE) - 1
    _, forced = collect_rows(articles, labels, embedder, GroupSettings())
    assert forced.sum() == len(articles) - 2  # teacher forcing: each joins its own story
    votes = {a.id for a in VOTE}  # cross-fitting: only some articles' decisions are kept
    kx, ky = collect_free_rows(articles, labels, embedder, GroupSettings(), always, votes)
    assert kx.shape == (len(VOTE), n) and ky.tolist() == [0] * len(VOTE)


def test_cross_parts_keep_stories_and_topics_whole():
    from benchmarks.stories import cross_part

    labels = [f"{t}{e}" for t in range(60) for e in "ab"]
    parts = {lb: cross_part("ecbplus-dev", lb, 2) for lb in labels}
    assert set(parts.values()) == {0, 1}
    assert all(parts[f"{t}a"] == parts[f"{t}b"] for t in range(60))  # both events of a topic
    assert {cross_part("mixed-dev", lb, 1) for lb in labels} == {0}


def test_free_streams_are_the_whole_set_then_stories_kept_whole_in_parts():
    from benchmarks.stories import free_streams
    from newsweave.models import Article

    articles = [Article(id=f"a{i}", title="t", text="x") for i in range(40)]
    labels = {a.id: f"{i % 10}{'ab'[i % 2]}" for i, a in enumerate(articles)}
    streams = list(free_streams("ecbplus-dev", articles, labels, 3))
    assert streams[0] == articles and len(streams) == 4
    parts = streams[1:]
    assert sorted(a.id for p in parts for a in p) == sorted(a.id for a in articles)
    for part in parts:  # an ECB+ topic (both events) never straddles two parts
        topics = {labels[a.id][:-1] for a in part}
        assert all(labels[a.id][:-1] not in topics for p in parts if p is not part for a in p)
    assert list(free_streams("mixed-dev", articles, labels, 0)) == [articles]


def test_best_threshold_takes_the_best_mean_and_the_higher_one_on_a_tie():
    from benchmarks.stories import best_threshold

    assert best_threshold({0.05: [0.8, 0.9], 0.1: [0.9, 0.9], 0.2: [0.7, 0.7]}) == 0.1
    assert best_threshold({0.05: [0.9, 0.8], 0.1: [0.8, 0.9], 0.2: [0.5, 0.5]}) == 0.1


def test_nested_threshold_refuses_dagger_rounds_before_any_work():
    """The inner folds label teacher-forced rows only: the two would not line up."""
    import pytest

    from benchmarks.stories_cv import fit

    with pytest.raises(ValueError, match="DAgger"):
        fit({}, None, 0, inner=lambda name, label: 0, dagger=1)


def test_only_folds_runs_those_folds_alone_and_no_lodo(monkeypatch):
    """``--only-folds``: the folds asked for, each fitted once, and no leave-one-dataset-out
    rows (a screen, not a table to keep)."""
    from types import SimpleNamespace

    import benchmarks.stories_cv as cv
    from newsweave.models import Article

    fitted: list[int] = []

    def fake_fit(train, *args, **kwargs):
        fitted.append(sum(len(a) for a, _ in train.values()))
        return SimpleNamespace(threshold=0.1)

    monkeypatch.setattr(cv, "fit", fake_fit)
    monkeypatch.setattr(cv, "score", lambda *a, **k: {"p": 1.0, "r": 1.0, "f1": 1.0,
                                                      "orders": 1.0, "order_min": 1.0,
                                                      "order_max": 1.0})
    monkeypatch.setattr(cv, "tfidf_threshold", lambda *a: 0.1)
    monkeypatch.setattr(cv, "tfidf_f1", lambda *a: 0.5)
    monkeypatch.setattr(cv, "run_ours", lambda *a, **k: ({}, None))
    monkeypatch.setattr(cv, "bcubed", lambda *a: (1.0, 1.0, 1.0))
    data = {}
    for name in ("mixed-dev", "ecbplus-dev"):
        arts = [Article(id=f"{name}{i}", title="t", text="x") for i in range(30)]
        data[name] = (arts, {a.id: f"{i % 10}{'ab'[i % 2]}" for i, a in enumerate(arts)})
    logged: list[str] = []
    lines = cv.evaluate(data, 5, 0, 0, None, log=logged.append, only=(1, 3))
    assert len(fitted) == 2  # two folds, no LODO fits
    assert [line.split()[1] for line in logged] == ["1", "1", "3", "3"]
    assert len(lines) == 2 and all("(folds 1, 3 only)" in line for line in lines)
    fitted.clear()
    assert len(cv.evaluate(data, 5, 0, 0, None, log=logged.append)) == 4  # all folds + LODO
    assert len(fitted) == 5 + 2


def test_learning_curve_scores_every_size_on_the_same_unseen_streams(monkeypatch):
    """``--learning-curve``: in each rotation the models of every size are scored on one test
    stream of whole folds that none of them was fitted on, and a larger model's training
    folds include the smaller one's."""
    from types import SimpleNamespace

    import benchmarks.stories_cv as cv
    from newsweave.models import Article

    data = {}
    for name in ("mixed-dev", "ecbplus-dev"):
        arts = [Article(id=f"{name}{i}", title="t", text="x") for i in range(60)]
        data[name] = (arts, {a.id: f"{i % 20}{'ab'[i % 2]}" for i, a in enumerate(arts)})
    fold = {a.id: cv.fold_of(name, labels[a.id], 5)
            for name, (arts, labels) in data.items() for a in arts}
    fits: list[set[int]] = []
    scored: list[tuple[int, set[int]]] = []

    def fake_fit(train, *args, **kwargs):
        fits.append({fold[a.id] for arts, _ in train.values() for a in arts})
        return SimpleNamespace(threshold=0.1)

    def fake_run(stream, *args, **kwargs):
        scored.append((len(fits) - 1, {fold[a.id] for a in stream}))
        return {a.id: "s" for a in stream}, 0.0, 0, 0.0

    monkeypatch.setattr(cv, "fit", fake_fit)
    monkeypatch.setattr(cv, "run_ours", fake_run)
    curve = cv.learning_curve(data, 5, None, sizes=(1, 2), test_folds=3, log=lambda s: None)
    assert set(curve) == {1, 2} and all(len(f1s) == 5 for f1s in curve[1].values())
    assert [len(f) for f in fits] == [1, 2] * 5
    for rotation in range(5):
        small, large = fits[2 * rotation], fits[2 * rotation + 1]
        assert small < large
        streams = [folds for i, folds in scored if i in (2 * rotation, 2 * rotation + 1)]
        assert len(streams) == 4 and all(s == streams[0] for s in streams)  # same streams
        assert len(streams[0]) == 3 and not streams[0] & large  # never fitted on
    text = cv.curve_markdown(curve, 5, 3)
    assert "| 2 of 5 (40%) |" in text and "--curve-test-folds 3" in text
