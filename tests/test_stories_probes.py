"""The story merge pass probed by ``benchmarks/stories_probes.py``."""

import numpy as np
from scipy.sparse import csr_matrix

from benchmarks.stories_probes import merge_stories


def _rows() -> tuple[csr_matrix, dict[str, int]]:
    """Unit term vectors: three quake reports (terms 0-2, a little of 3) and one vote (4-5)."""
    dense = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0], [1, 1, 0, 1, 0, 0],
                      [0, 0, 0, 0, 1, 1]], dtype=np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    return csr_matrix(dense), {"q1": 0, "q2": 1, "q3": 2, "v1": 3}


def test_merge_joins_close_stories_and_keeps_unrelated_ones_apart():
    rows, row_of = _rows()
    pred = {"q1": "s1", "q2": "s1", "q3": "s2", "v1": "s3"}
    merged = merge_stories(pred, rows, row_of, 0.5)
    assert merged["q3"] == merged["q1"] == merged["q2"]  # the quake's two stories are one
    assert merged["v1"] != merged["q1"]
    assert merge_stories(pred, rows, row_of, None) == pred
    assert len(set(merge_stories(pred, rows, row_of, 0.99).values())) == 3
