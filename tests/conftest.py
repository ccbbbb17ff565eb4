"""Shared test set-up."""

import sys
from pathlib import Path

# The benchmark helpers (``benchmarks/``) are tested too; make the repo root importable.
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import os  # noqa: E402

import pytest  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
EXAMPLE = Path(ROOT) / "examples" / "sessions-2017"


@pytest.fixture(scope="session")
def example_articles():
    """The three founding-example reports, ingested."""
    from newsweave.ingest import read_articles

    return read_articles([EXAMPLE])


@pytest.fixture(scope="session")
def example_documents(example_articles):
    """The example analysed once (real spaCy + MiniLM) and shared by every test."""
    from newsweave.analyze import analyze

    return analyze(example_articles)
