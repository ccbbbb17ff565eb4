"""The cross-validation harness: folds by cluster, choice made on the other folds only."""

from benchmarks.mds_cv import cv_select, fold_means, fold_of, lodo, subsample


def test_fold_of_is_stable_and_spreads():
    ids = [f"cluster-{i}" for i in range(200)]
    folds = [fold_of(i, 5) for i in ids]
    assert folds == [fold_of(i, 5) for i in ids]
    counts = [folds.count(k) for k in range(5)]
    assert min(counts) > 20  # every fold gets a fair share


def test_cv_select_chooses_on_the_other_folds_only():
    # point "a" wins on folds 1-2 and is poor on fold 0; "b" is the reverse
    folds = [0, 0, 1, 1, 2, 2]
    table = {"a": [1.0, 1.0, 9.0, 9.0, 9.0, 9.0], "b": [9.0, 9.0, 1.0, 1.0, 2.0, 2.0]}
    held, chosen = cv_select(table, folds, 3)
    assert chosen[0] == "a" and held[0] == 1.0  # fold 0 scored with what the others chose
    # fold 1: on folds 0 and 2, "b" averages 5.5 and "a" 5.0, so "b" is scored on fold 1
    assert chosen[1] == "b" and held[1] == 1.0
    assert fold_means(table["a"], folds, 3) == [1.0, 9.0, 9.0]


def test_lodo_scores_the_left_out_dataset_with_the_others_choice():
    tables = {
        "x": {"default": [1.0, 1.0], "p": [3.0, 3.0]},
        "y": {"default": [5.0, 5.0], "p": [4.0, 4.0]},
        "z": {"default": [2.0, 2.0], "p": [4.0, 4.0]},
    }
    out = lodo(tables, ["default", "p"])
    assert out["y"] == ("p", 4.0)  # chosen on x and z, where p gains
    assert out["x"][0] == "p"


def test_subsample_is_by_hash_not_file_order():
    clusters = [{"id": f"c{i}"} for i in range(30)]
    picked = subsample(clusters, 10)
    assert len(picked) == 10
    assert picked == subsample(list(reversed(clusters)), 10)
    assert subsample(clusters, None) == clusters


def test_summary_redundancy_is_the_closest_pair_of_summary_sentences():
    from benchmarks.mds_cv import summary_redundancy
    from newsweave.analyze import analyze
    from newsweave.models import Article, Origin, SummarySentence

    text = ("The levee at Elmsford failed after three days of heavy rain on Tuesday. "
            "After days of heavy rain the Elmsford levee gave way on Tuesday. "
            "Local bakeries handed out free bread to the volunteers at the shelters.")
    docs = analyze([Article(id="a", text=text)], quotes=False, timexes=False)
    sents = docs[0].sentences

    def pick(*idx):
        return [SummarySentence(text=sents[i].text, citations=("a",),
                                origin=Origin(source="a", start=sents[i].start, end=sents[i].end))
                for i in idx]

    repeated, varied = summary_redundancy(docs, pick(0, 1)), summary_redundancy(docs, pick(0, 2))
    assert repeated > 0.7 > varied
    assert summary_redundancy(docs, pick(0)) == 0.0


def test_grid_points_change_one_knob_at_a_time():
    """Each grid point is the shipped settings with one GRID value changed, and each GRID's
    first value is what ships (so "default" is a point of the grid it is compared with)."""
    from dataclasses import asdict

    from benchmarks.mds_cv import GRID, grid_points
    from newsweave.settings import DEFAULT_SUMMARY

    points = grid_points(DEFAULT_SUMMARY)
    assert points["default"] is DEFAULT_SUMMARY
    assert all(getattr(DEFAULT_SUMMARY, k) == v[0] for k, v in GRID.items())
    base = asdict(DEFAULT_SUMMARY)
    for label, settings in points.items():
        changed = {k for k, v in asdict(settings).items() if v != base[k]}
        assert len(changed) == (label != "default"), label
    assert len(points) == 1 + sum(len(v) - 1 for v in GRID.values())


def test_table_reports_the_mean_over_clusters_beside_the_fold_mean():
    """Folds of unequal size: the mean of fold means is not the mean over clusters, which is
    what a held-out set reports, so the table gives both."""
    import argparse

    from benchmarks.mds_cv import render

    folds = [0, 0, 0, 1]  # three clusters in fold 0, one in fold 1
    tables = {"multinews": {"default": [10.0, 10.0, 10.0, 20.0]}}
    args = argparse.Namespace(limit=4)
    out = render(args, "cmd", {"default": None}, tables, {"multinews": {"lead": [1.0] * 4}},
                 {"multinews": folds}, 2)
    row = next(line for line in out.splitlines() if line.startswith("| Multi-News"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3].startswith("15.00")  # fold means 10 and 20
    assert cells[4] == "12.50"  # over the four clusters
