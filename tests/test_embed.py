import numpy as np

from newsweave.embed import DIM, get_embedder


def test_vectors_are_unit_length_and_ordered():
    texts = ["The senator met the ambassador twice.", "Stocks fell sharply on Monday.", "x"]
    vecs = get_embedder().embed(texts)
    assert vecs.shape == (3, DIM)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    # order preserved although batches are length-sorted
    again = get_embedder().embed(list(reversed(texts)))
    assert np.allclose(vecs, again[::-1], atol=1e-5)


def test_paraphrases_score_higher_than_unrelated():
    a, b, c = get_embedder().embed([
        "Sessions met the Russian ambassador twice last year.",
        "The attorney general spoke two times with Russia's envoy in 2016.",
        "The recipe needs two cups of flour and an egg.",
    ])
    assert a @ b > 0.5
    assert a @ b > a @ c + 0.3


def test_empty_input():
    assert get_embedder().embed([]).shape == (0, DIM)
