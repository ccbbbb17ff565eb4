"""Step 1 of training the quote tagger: token features and gold tags for PolNeAR train and dev.

Runs in the project's environment (spaCy, the rules). Parses each split once through
``newsweave.analyze.get_nlp()`` (cached as a spaCy DocBin in ``--cache``), runs the rules,
turns every token into ``newsweave.quote_model.token_fields`` and the gold attributions into
BIO tags, builds the feature vocabularies from train (values seen at least ``--min-count``
times) and writes ``features.npz`` + ``vocabs.json`` to ``--cache``. Step 2 is
``training/train_quote_tagger.py``.

Run: ``PYTHONPATH=src .venv/bin/python training/quote_features.py [--cache /tmp/newsweave-qt]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.quotes import gold_spans, load  # noqa: E402
from benchmarks.quotes_cv import parse_all  # noqa: E402
from newsweave.quote_model import FIELDS, PAD, TAGS, UNK, span_labels, token_fields  # noqa: E402
from newsweave.quotes import extract_quotes  # noqa: E402

#: vocabulary caps per field (the rest are small closed sets)
CAPS = {"word": 20000, "lemma": 12000, "suffix": 3000, "shape": 400}


def gold_tag_spans(record: dict) -> list[tuple[str, int, int]]:
    """Gold spans in claiming order: sources and cues first (so a nested attribution keeps
    its source and cue), then contents shortest first (a content nested in another stays
    whole; the outer one resumes after it)."""
    sq, contents = [], []
    for q in record["quotes"]:
        contents += [("C", a, b) for a, b in q["parts"]]
        if q.get("speaker_start") is not None:
            sq.append(("S", q["speaker_start"], q["speaker_end"]))
        if q.get("cue_start") is not None:
            sq.append(("Q", q["cue_start"], q["cue_end"]))
    return sq + sorted(contents, key=lambda s: s[2] - s[1])


def split_features(split: str, cache: Path) -> tuple[list, list, list, list]:
    docs = load(split, None)
    t0 = time.perf_counter()
    parsed = parse_all(split, docs, cache)
    t1 = time.perf_counter()
    fields, tags, offsets, gold = [], [], [], []
    for record, doc in zip(docs, parsed, strict=True):
        fields.append(token_fields(doc, extract_quotes(doc)))
        tags.append([TAGS.index(t) for t in span_labels(len(doc), doc, gold_tag_spans(record))])
        offsets.append([(t.idx, t.idx + len(t)) for t in doc])
        g = gold_spans(record)
        gold.append({"text": record["text"], "content": g.content, "sources": sorted(g.sources),
                     "cues": sorted(g.cues)})
    print(f"{split}: {len(docs)} docs, parse {t1 - t0:.0f} s, features "
          f"{time.perf_counter() - t1:.0f} s", flush=True)
    return fields, tags, offsets, gold


def build_vocabs(fields: Sequence[Sequence[Sequence[str]]], min_count: int) -> list[dict]:
    counts = [Counter() for _ in FIELDS]
    for doc in fields:
        for row in doc:
            for j, v in enumerate(row):
                counts[j][v] += 1
    vocabs = []
    for j, name in enumerate(FIELDS):
        common = [v for v, c in counts[j].most_common(CAPS.get(name)) if c >= min_count]
        vocabs.append({v: i + 2 for i, v in enumerate(sorted(common))})
    return vocabs


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/newsweave-qt"))
    ap.add_argument("--min-count", type=int, default=2)
    args = ap.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    out: dict[str, np.ndarray] = {}
    data = {s: split_features(s, args.cache) for s in ("train", "dev")}
    vocabs = build_vocabs(data["train"][0], args.min_count)
    gold_all = {}
    for split, (fields, tags, offsets, gold) in data.items():
        ids = [np.array([[vocabs[j].get(v, UNK) for j, v in enumerate(row)] for row in doc],
                        dtype=np.int32).reshape(-1, len(FIELDS)) for doc in fields]
        lengths = np.array([len(d) for d in ids], dtype=np.int64)
        out[f"{split}_ids"] = np.concatenate(ids)
        out[f"{split}_tags"] = np.concatenate([np.array(t, dtype=np.int8) for t in tags])
        out[f"{split}_offsets"] = np.concatenate(
            [np.array(o, dtype=np.int32).reshape(-1, 2) for o in offsets])
        out[f"{split}_lengths"] = lengths
        gold_all[split] = gold
    np.savez_compressed(args.cache / "features.npz", **out)
    (args.cache / "vocabs.json").write_text(json.dumps(
        {"fields": list(FIELDS), "tags": list(TAGS), "pad": PAD, "unk": UNK,
         "vocabs": vocabs}), encoding="utf-8")
    (args.cache / "gold.json").write_text(json.dumps(gold_all), encoding="utf-8")
    print("vocab sizes:", {f: len(v) for f, v in zip(FIELDS, vocabs, strict=True)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
