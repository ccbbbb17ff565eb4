"""The learned pronoun ranker under k-fold cross-validation, beside the rules in the same run.

The fitting and scoring live with the training (``training/train_pronoun_model.py --cv``);
this entry runs them from ``benchmarks/`` like every other measurement and writes the
section "Pronoun speakers: the learned ranker" of benchmarks/RESULTS.md.

Run: ``.venv/bin/python benchmarks/pronoun_cv.py [--k 5 | --by-month] [--cache DIR] [--no-write]``
(``--cache`` keeps the spaCy parses between runs, as in ``quotes_cv.py``). About 2 minutes
with cached parses on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))

import train_pronoun_model  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--cache", type=Path, default=None, help="folder for the parsed DocBins")
    ap.add_argument("--by-month", action="store_true",
                    help="leave one calendar month out instead of K hashed folds")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    ap.add_argument("--target", choices=("strict", "fitting"), default="strict",
                    help="which gold source the ranker learns to name")
    args = ap.parse_args(argv)
    forward = ["--cv", str(args.k), "--target", args.target]
    if args.cache is not None:
        forward += ["--cache", str(args.cache)]
    if args.no_write:
        forward.append("--no-write")
    if args.by_month:
        forward.append("--by-month")
    return train_pronoun_model.main(forward)


if __name__ == "__main__":
    raise SystemExit(main())
