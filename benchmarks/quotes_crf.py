"""Experiment: a CRF span tagger (content / source / cue) over spaCy token features and the
rules' own spans, trained on PolNeAR train, scored with the exact-span measure on dev.

Not shipped: the package keeps the rules unless this beats them (see benchmarks/RESULTS.md).
One BIO sequence per paragraph; labels C (content), S (source), Q (cue); where gold
attributions nest, the first label a token gets stays. Features: the word and its shape,
lemma, part of speech, dependency, entity type, inside-quotation flag, whether the lemma is a
speech verb, the rules' label for the token, and the same for the neighbours.

Run: ``.venv/bin/python benchmarks/quotes_crf.py [--cache DIR] [--train-limit N]
[--iterations N]``; the seed is fixed (crfsuite's L-BFGS is deterministic) and the script
prints its training time.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import write_section  # noqa: E402
from benchmarks.quotes import (  # noqa: E402
    ExactTally,
    gold_spans,
    load,
    newsweave_attributions,
    spans_of,
)
from benchmarks.quotes_cv import parse_all  # noqa: E402

LABELS = ("C", "S", "Q")


def _label_tokens(doc, spans: Sequence[tuple[str, int, int]]) -> list[str]:
    """BIO labels per token from (label, start, end) character spans; first label wins."""
    out = ["O"] * len(doc)
    for label, start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            continue
        for k, tok in enumerate(span):
            if out[tok.i] == "O":
                out[tok.i] = ("B-" if k == 0 else "I-") + label
    return out


def gold_labels(doc, record: dict) -> list[str]:
    spans = []
    for q in record["quotes"]:
        spans += [("C", a, b) for a, b in q["parts"]]
        if q.get("speaker_start") is not None:
            spans.append(("S", q["speaker_start"], q["speaker_end"]))
        if q.get("cue_start") is not None:
            spans.append(("Q", q["cue_start"], q["cue_end"]))
    return _label_tokens(doc, spans)


def rule_labels(doc) -> list[str]:
    from newsweave.quotes import extract_quotes

    spans = []
    for parts, source, cue in newsweave_attributions(extract_quotes(doc)):
        spans += [("C", a, b) for a, b in parts]
        if source is not None:
            spans.append(("S", *source))
        if cue is not None:
            spans.append(("Q", *cue))
    return _label_tokens(doc, spans)


def token_features(doc, rules: Sequence[str]) -> list[list[str]]:
    from newsweave.quotes import SPEECH_LEMMAS, STANCE_LEMMAS, find_pieces

    inside = [False] * len(doc)
    for p in find_pieces(doc.text):
        span = doc.char_span(p.start, p.end, alignment_mode="expand")
        if span is not None:
            for t in span:
                inside[t.i] = True
    base = []
    for t in doc:
        lemma = t.lemma_.lower()
        shape = "X" if t.is_title else "XX" if t.is_upper else "x" if t.is_lower else "o"
        base.append([
            f"w={t.lower_}", f"suf={t.lower_[-3:]}", f"shape={shape}", f"pos={t.pos_}",
            f"tag={t.tag_}", f"dep={t.dep_}", f"hdep={t.head.dep_}", f"hpos={t.head.pos_}",
            f"ent={t.ent_iob_}{t.ent_type_}", f"inq={inside[t.i]}", f"rule={rules[t.i]}",
            f"speech={lemma in SPEECH_LEMMAS or lemma in STANCE_LEMMAS}",
            f"hspeech={t.head.lemma_.lower() in SPEECH_LEMMAS}",
            f"punct={t.text if t.is_punct else '-'}",
        ])
    feats = []
    for i in range(len(doc)):
        f = list(base[i])
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < len(doc):
                f += [f"{off}:{x}" for x in base[j] if x.split("=")[0] in (
                    "w", "pos", "dep", "rule", "inq", "speech", "punct")]
            else:
                f.append(f"{off}:edge")
        feats.append(f)
    return feats


def paragraph_slices(doc) -> list[tuple[int, int]]:
    """Token ranges of the paragraphs (a token holding a line break closes one)."""
    out, start = [], 0
    for t in doc:
        if "\n" in t.text_with_ws:
            if t.i + 1 > start:
                out.append((start, t.i + 1))
            start = t.i + 1
    if start < len(doc):
        out.append((start, len(doc)))
    return out


def decode(doc, labels: Sequence[str]) -> list[tuple[list, tuple | None, tuple | None]]:
    """Tagged runs as exact-span units: each content run a part, each S/Q run a span."""
    from newsweave.quote_model import tag_runs

    out = []
    for kind, a, b in tag_runs(labels):
        span = (doc[a].idx, doc[b - 1].idx + len(doc[b - 1]))
        if kind == "C":
            out.append(([span], None, None))
        elif kind == "S":
            out.append(([], span, None))
        else:
            out.append(([], None, span))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    import pycrfsuite

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--train-limit", type=int, default=None)
    ap.add_argument("--iterations", type=int, default=60)
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.01)
    ap.add_argument("--model", type=Path, default=Path("/tmp/newsweave_quotes.crfsuite"))
    ap.add_argument("--write", action="store_true", help="write the RESULTS.md section")
    args = ap.parse_args(argv)
    train = load("train", None)
    dev = load("dev", None)
    train_docs = parse_all("train", train, args.cache)
    dev_docs = parse_all("dev", dev, args.cache)
    if args.train_limit:
        train, train_docs = train[: args.train_limit], train_docs[: args.train_limit]
    t0 = time.perf_counter()
    trainer = pycrfsuite.Trainer(verbose=False)
    for record, doc in zip(train, train_docs, strict=True):
        feats = token_features(doc, rule_labels(doc))
        gold = gold_labels(doc, record)
        for a, b in paragraph_slices(doc):
            trainer.append(feats[a:b], gold[a:b])
    feat_s = time.perf_counter() - t0
    trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iterations,
                        "feature.possible_transitions": True})
    t1 = time.perf_counter()
    trainer.train(str(args.model))
    train_s = time.perf_counter() - t1
    tagger = pycrfsuite.Tagger()
    tagger.open(str(args.model))
    crf, rules = ExactTally(), ExactTally()
    t2 = time.perf_counter()
    for record, doc in zip(dev, dev_docs, strict=True):
        feats = token_features(doc, rule_labels(doc))
        labels: list[str] = []
        for a, b in paragraph_slices(doc):
            labels += tagger.tag(feats[a:b])
        gold = gold_spans(record)
        crf.add(gold, spans_of(record["text"], decode(doc, labels)))
        from newsweave.quotes import extract_quotes

        rules.add(gold, spans_of(record["text"], newsweave_attributions(extract_quotes(doc))))
    tag_s = time.perf_counter() - t2
    header = ("| system | content P / R / **F1** | source P / R / **F1** | cue P / R / **F1** |\n"
              "|---|---|---|---|")
    table = "\n".join([header, rules.row("rules"), crf.row("CRF over features + rule labels")])
    note = (f"train {len(train)} articles, features {feat_s:.0f} s, L-BFGS {args.iterations} "
            f"iterations c1={args.c1} c2={args.c2}: {train_s:.0f} s; dev tagging (features and "
            f"rules included) {tag_s:.0f} s for {len(dev)} articles; model "
            f"{args.model.stat().st_size / 1e6:.1f} MB")
    print(table)
    print(note)
    if args.write:
        write_section("quotes_crf", (
            "## Quote spans: CRF experiment (`benchmarks/quotes_crf.py`, not shipped)\n\n"
            "Exact spans on the PolNeAR dev month, same measure as the Quotes section. "
            "A CRF tagger (python-crfsuite) over spaCy token features and the rules' own "
            "labels, trained on the train months; one BIO sequence per paragraph. Note: the "
            "CRF has no attribution grouping, so each tagged content run counts as one part. "
            "Not shipped: the package runs the rules (mapping the CRF's spans onto the rules' "
            "attributions and speakers, and measuring that hybrid, is left to do)."
            f"\n\n{table}\n\n{note}\n"
        ))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
