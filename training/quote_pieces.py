"""Step 1c of training the fine-tuned context tagger: MiniLM wordpieces of PolNeAR train and
dev, in the windows the package's ``ContextEncoder`` cuts, each piece mapped to its spaCy token.

Runs in the project's environment (the package's own tokenizer and ``piece_windows``, so
training sees exactly the windows the package will run). Reads step 1's ``features.npz``
(token offsets) and writes ``pieces.npz`` to ``--cache``: per split the piece ids, the
owning token of each piece (-1 for none; an index into the document's tokens), the pieces
per document and the windows (document, first piece, last piece + 1). Derived from PolNeAR:
keep it in the cache, never in the repository.

Run: ``PYTHONPATH=src .venv/bin/python training/quote_pieces.py [--cache /tmp/newsweave-qt]``
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.quotes import load  # noqa: E402
from newsweave.embed import wordpiece_tokenizer  # noqa: E402
from newsweave.quote_model import piece_windows  # noqa: E402


def piece_owners(offsets: np.ndarray, token_offsets: np.ndarray) -> np.ndarray:
    """The token holding each piece's first character (-1 for none), as ``pool_pieces``."""
    if not len(offsets) or not len(token_offsets):
        return np.full(len(offsets), -1, dtype=np.int64)
    owner = np.searchsorted(token_offsets[:, 0], offsets[:, 0], side="right") - 1
    ok = (owner >= 0) & (offsets[:, 0] < token_offsets[np.maximum(owner, 0), 1])
    return np.where(ok, owner, -1)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/newsweave-qt"))
    args = ap.parse_args(argv)
    tok = wordpiece_tokenizer()
    z = np.load(args.cache / "features.npz")
    out = {}
    for split in ("train", "dev"):
        docs = load(split, None)
        lengths, offsets = z[f"{split}_lengths"], z[f"{split}_offsets"]
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        ids, owners, counts, windows = [], [], [], []
        for d, doc in enumerate(docs):
            enc = tok.encode(doc["text"], add_special_tokens=False)
            po = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
            ids.append(np.asarray(enc.ids, dtype=np.int32))
            owners.append(piece_owners(po, offsets[bounds[d]:bounds[d + 1]].astype(np.int64))
                          .astype(np.int32))
            counts.append(len(enc.ids))
            windows += [(d, a, b) for a, b in piece_windows(enc.tokens, enc.offsets,
                                                             doc["text"])]
        out[f"{split}_ids"] = np.concatenate(ids)
        out[f"{split}_owner"] = np.concatenate(owners)
        out[f"{split}_counts"] = np.asarray(counts, dtype=np.int64)
        out[f"{split}_windows"] = np.asarray(windows, dtype=np.int64)
        print(f"{split}: {len(docs)} docs, {sum(counts)} pieces, {len(windows)} windows",
              flush=True)
    np.savez(args.cache / "pieces.npz", **out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
