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


def test_one_core_keeps_the_vectors_and_uses_one_thread():
    """A backfill worker embeds on one thread (``embed.one_core``): same vectors, one thread.
    Run in a child process, as the setting is process-wide."""
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from newsweave import embed\n"
        "texts = ['The senator met the ambassador twice.'] * 40 + ['Stocks fell.'] * 40\n"
        "before = embed.get_embedder().embed(texts, batch_size=8)\n"
        "threads = embed.get_embedder()._pool._max_workers\n"
        "embed.one_core()\n"
        "after = embed.get_embedder().embed(texts, batch_size=8)\n"
        "print(threads, embed.get_embedder()._pool._max_workers, np.allclose(before, after))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, then, same = out.stdout.split()
    assert int(first) >= 1 and then == "1" and same == "True"


def test_a_backfill_worker_is_one_core(tmp_path):
    import subprocess
    import sys

    from newsweave.store import Store

    db = tmp_path / "w.db"
    Store(str(db)).close()
    code = (
        "from newsweave import backfill, embed\n"
        f"backfill.Worker({str(db)!r})\n"
        "print(embed.get_embedder()._pool._max_workers)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
