"""The learned quote tagger: decoding, labelling, the shipped model files, the CLI option."""

from __future__ import annotations

import hashlib
import itertools
import json
import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

from newsweave.models import QuoteMention
from newsweave.quote_model import (
    CONTEXT_DIM,
    FIELDS,
    META_FILE,
    MODEL_FILE,
    TAGS,
    ContextEncoder,
    ModelFileError,
    QuoteTagger,
    TaggedSpan,
    encode_fields,
    get_tagger,
    group_spans,
    learned_quotes,
    piece_windows,
    pool_pieces,
    span_labels,
    tag_runs,
    token_fields,
    viterbi,
)


@pytest.fixture(scope="session")
def nlp():
    from newsweave.analyze import get_nlp

    return get_nlp()


def _model_files() -> tuple[bytes, dict]:
    data = resources.files("newsweave") / "data"
    return (data / MODEL_FILE).read_bytes(), json.loads((data / META_FILE).read_text("utf-8"))


# --------------------------------------------------------------------------- decoding
def _path_score(path, em, trans, start, end) -> float:
    s = start[path[0]] + em[0, path[0]] + end[path[-1]]
    for i in range(1, len(path)):
        s += trans[path[i - 1], path[i]] + em[i, path[i]]
    return float(s)


@pytest.mark.parametrize("seed", range(5))
def test_viterbi_finds_the_best_path_by_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, k = 5, 3
    em, trans = rng.normal(size=(n, k)), rng.normal(size=(k, k))
    start, end = rng.normal(size=k), rng.normal(size=k)
    best = max(itertools.product(range(k), repeat=n),
               key=lambda p: _path_score(p, em, trans, start, end))
    assert viterbi(em, trans, start, end) == list(best)


def test_viterbi_obeys_a_forbidden_transition():
    # the emissions alone say O then I-C; O -> I-C is forbidden, so B-C must open the run
    o, b, i = TAGS.index("O"), TAGS.index("B-C"), TAGS.index("I-C")
    em = np.full((2, len(TAGS)), -5.0)
    em[0, o], em[1, i], em[1, b] = 2.0, 2.0, 1.5
    trans = np.zeros((len(TAGS), len(TAGS)))
    trans[o, i] = -100.0
    zeros = np.zeros(len(TAGS))
    assert [TAGS[t] for t in viterbi(em, trans, zeros, zeros)] == ["O", "B-C"]
    assert viterbi(np.zeros((0, len(TAGS))), trans, zeros, zeros) == []


def test_tag_runs_split_on_b_and_on_a_change_of_kind():
    tags = ["O", "B-C", "I-C", "B-C", "I-S", "I-S", "O", "I-Q", "B-Q"]
    assert tag_runs(tags) == [("C", 1, 3), ("C", 3, 4), ("S", 4, 6), ("Q", 7, 8), ("Q", 8, 9)]


def test_span_labels_first_claim_wins_and_the_other_span_resumes(nlp):
    doc = nlp("He said the senator told him no.")
    # a content "the senator told him no" holding a source "the senator" and a cue "told"
    spans = [("S", 8, 19), ("Q", 20, 24), ("C", 8, 31)]
    assert span_labels(len(doc), doc, spans) == [
        "O", "O", "B-S", "I-S", "B-Q", "B-C", "I-C", "O"]


def test_group_spans_gives_each_content_its_sentence_cue_and_source(nlp):
    text = "Smith said the plan works. Jones disagreed."
    doc = nlp(text)
    spans = [TaggedSpan("S", 0, 5), TaggedSpan("Q", 6, 10), TaggedSpan("C", 11, 25),
             TaggedSpan("S", 27, 32)]
    ((parts, source, cue),) = group_spans(doc, spans)
    assert [(p.start, p.end) for p in parts] == [(11, 25)]
    assert (source.start, cue.start) == (0, 6)


# --------------------------------------------------------------------------- model files
def test_shipped_model_files_fit_each_other():
    model, meta = _model_files()
    assert hashlib.sha256(model).hexdigest() == meta["onnx_sha256"]
    assert tuple(meta["tags"]) == TAGS and tuple(meta["fields"]) == FIELDS
    assert len(model) < 20_000_000
    data = resources.files("newsweave") / "data"
    shipped = sum(len((data / f).read_bytes()) for f in
                  ("quote_tagger.onnx", "quote_tagger.json", "quote_tagger_fast.onnx",
                   "quote_tagger_fast.json", meta.get("context", {}).get("encoder_file")
                   or "quote_tagger.json"))
    assert shipped < 50_000_000  # the budget for what the models add
    tagger = get_tagger()
    k = len(TAGS)
    assert np.asarray(tagger.transitions).shape == (k, k)
    # every id each vocabulary can produce indexes the model's tables: the largest ones run
    top = np.array([[max(v.values(), default=1) for v in tagger.vocabs]] * 3, dtype=np.int64)
    ctx = np.ones((3, CONTEXT_DIM), dtype=np.float32) if tagger.uses_context else None
    em = tagger.emissions(top, ctx)
    assert em.shape == (3, k) and np.isfinite(em).all()
    assert tagger.emissions(np.zeros((0, len(FIELDS)), dtype=np.int64)).shape == (0, k)


def test_a_named_encoder_file_is_checked_before_use():
    model, meta = _model_files()
    if "context" not in meta:
        pytest.skip("the shipped tagger reads no context")
    name = meta["context"].get("encoder_file")
    if name:
        data = resources.files("newsweave") / "data"
        assert hashlib.sha256((data / name).read_bytes()).hexdigest() == \
            meta["context"]["encoder_sha256"]
    else:
        name = "minilm-vocab.txt"  # any shipped file: its digest is not the one given
    wrong = {**meta, "context": {**meta["context"], "encoder_file": name,
                                 "encoder_sha256": "0" * 64}}
    with pytest.raises(ModelFileError, match="checksum"):
        QuoteTagger(model, wrong).encoder  # noqa: B018


def test_a_model_under_comparison_reads_its_encoder_from_its_own_folder(tmp_path):
    model, meta = _model_files()
    name = meta.get("context", {}).get("encoder_file")
    if not name:
        pytest.skip("the shipped tagger names no encoder file")
    data = resources.files("newsweave") / "data"
    blob = (data / name).read_bytes()
    (tmp_path / name).write_bytes(blob)
    states = QuoteTagger(model, meta, encoder_dir=str(tmp_path)).encoder.token_states(
        "He said so.", np.array([[0, 2]]))
    assert states.shape == (1, CONTEXT_DIM) and np.abs(states).sum() > 0
    (tmp_path / name).write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    with pytest.raises(ModelFileError, match="checksum"):
        QuoteTagger(model, meta, encoder_dir=str(tmp_path)).encoder  # noqa: B018
    with pytest.raises(ModelFileError, match="cannot read"):
        QuoteTagger(model, meta, encoder_dir=str(tmp_path / "nowhere")).encoder  # noqa: B018


def test_fast_variant_is_the_tagger_without_context():
    fast, full = get_tagger("learned-fast"), get_tagger("learned")
    assert full.uses_context and not fast.uses_context
    assert fast.meta["onnx_sha256"] != full.meta["onnx_sha256"]
    fast.prefetch(["He said so."])  # a no-op without context
    assert not fast._pending


def test_altered_model_file_is_refused():
    model, meta = _model_files()
    with pytest.raises(ModelFileError, match="checksum"):
        QuoteTagger(model[:-1] + bytes([model[-1] ^ 1]), meta)
    with pytest.raises(ModelFileError, match="fields"):
        QuoteTagger(model, {**meta, "fields": list(FIELDS[:-1])})


def test_encode_fields_maps_unseen_values_to_unk():
    vocabs = [{"said": 2}] + [{} for _ in FIELDS[1:]]
    ids = encode_fields([["said"] + ["-"] * (len(FIELDS) - 1),
                         ["zyzzyva"] + ["-"] * (len(FIELDS) - 1)], vocabs)
    assert ids[:, 0].tolist() == [2, 1] and (ids[:, 1:] == 1).all()


def test_runtime_never_imports_torch(tmp_path):
    code = (
        "import sys\n"
        "from newsweave.analyze import get_nlp\n"
        "from newsweave.quote_model import get_tagger\n"
        "doc = get_nlp()('The mayor said the bridge would reopen in May.')\n"
        "get_tagger().spans(doc, [])\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_context_entry_must_fit_the_model_inputs():
    model, meta = _model_files()
    if "context" in meta:
        broken = {k: v for k, v in meta.items() if k != "context"}
    else:
        broken = {**meta, "context": {"dim": CONTEXT_DIM, "input": "ctx"}}
    with pytest.raises(ModelFileError, match="context"):
        QuoteTagger(model, broken)


# --------------------------------------------------------------------------- context
def test_piece_windows_cover_every_piece_and_cut_at_sentence_ends():
    words = (["a"] * 9 + ["."]) * 30  # 300 pieces, a sentence end every 10
    text = " ".join(words)
    offsets, at = [], 0
    for w in words:
        offsets.append((at, at + len(w)))
        at += len(w) + 1
    wins = piece_windows(words, offsets, text, width=64, min_cut=20)
    assert wins[0][0] == 0 and wins[-1][1] == len(words)
    assert all(a == b for (_, a), (b, _) in itertools.pairwise(wins))
    assert all(0 < b - a <= 64 for a, b in wins)
    assert all(words[b - 1] == "." for a, b in wins)  # every cut after a full stop
    # no sentence end in reach: a hard cut at the width
    assert piece_windows(["x"] * 150, [(i, i + 1) for i in range(150)], "x" * 150,
                         width=64) == [(0, 64), (64, 128), (128, 150)]


def test_pool_pieces_averages_a_token_s_pieces_and_zeros_white_space():
    offsets = np.array([[0, 3], [3, 5], [6, 8]])
    states = np.array([[1.0, 0.0], [3.0, 2.0], [5.0, 5.0]], dtype=np.float32)
    tokens = np.array([[0, 5], [5, 6], [6, 8]])  # "unhappy" = 2 pieces; a space token
    out = pool_pieces(offsets, states, tokens)
    assert out.tolist() == [[2.0, 1.0], [0.0, 0.0], [5.0, 5.0]]


@pytest.fixture(scope="module")
def encoder():
    return ContextEncoder()


def test_context_states_depend_on_the_sentence(encoder):
    a = "She sat on the bank of the river."
    b = "She put money in the bank on Monday."
    va = encoder.token_states(a, np.array([[15, 19]]))[0]
    vb = encoder.token_states(b, np.array([[21, 25]]))[0]
    assert va.shape == (CONTEXT_DIM,) and np.isfinite(va).all() and np.abs(va).sum() > 0
    cos = float(va @ vb / np.linalg.norm(va) / np.linalg.norm(vb))
    assert 0.3 < cos < 0.99  # the same word, not the same vector


def test_long_text_is_read_in_windows_with_every_piece_filled(encoder):
    text = " ".join(f"Officials said item {i} was ready." for i in range(60))  # ~480 pieces
    offsets, states = encoder.piece_states(text)
    assert len(offsets) > 3 * 126
    assert (np.abs(states).sum(axis=1) > 0).all()


def test_prefetched_context_equals_the_inline_one(nlp):
    tagger = get_tagger()
    if not tagger.uses_context:
        pytest.skip("the shipped tagger reads no context")
    doc = nlp("The mayor said the bridge would reopen in May. Critics disagreed.")
    inline = tagger.context(doc)
    tagger.prefetch([doc.text])
    assert doc.text in tagger._pending
    assert np.allclose(tagger.context(doc), inline, atol=1e-5)
    assert doc.text not in tagger._pending  # taken once, not kept


# --------------------------------------------------------------------------- behaviour
def test_tagger_finds_a_reported_statement_the_rules_see(nlp):
    from newsweave.quotes import extract_quotes

    text = "The governor said that the state budget would be balanced by June."
    doc = nlp(text)
    rules = extract_quotes(doc, text)
    fields = token_fields(doc, rules)
    assert len(fields) == len(doc) and all(len(row) == len(FIELDS) for row in fields)
    kinds = {s.kind: text[s.start:s.end] for s in get_tagger().spans(doc, rules)}
    assert kinds.get("Q") == "said"
    assert kinds.get("S") == "The governor"
    assert "the state budget would be balanced by June" in kinds.get("C", "")


def test_learned_quotes_keep_direct_pieces_and_share_parts(nlp):
    from newsweave.quotes import extract_quotes

    text = "“We will win,” Pelosi said, “and we will win big.”"
    doc = nlp(text)
    rules = extract_quotes(doc, text)
    found = learned_quotes(doc, rules, text)
    direct = [q for q in found if q.direct]
    assert {q.text for q in direct} >= {"We will win,", "and we will win big."}
    assert all(q.speaker == "Pelosi" and q.cue == "said" for q in direct)
    assert len({q.parts for q in direct}) == 1


def test_learned_quotes_keep_uncovered_rules_pieces(nlp):
    text = "Nothing here."
    doc = nlp(text)
    kept = QuoteMention(0, 7, "Nothing", "X", True)
    assert kept in learned_quotes(doc, [kept], text)


GOVERNOR = "The governor said that the state budget would be balanced by June."


def _quotes_cli(tmp_path, model: str) -> dict:
    """The one quote record ``newsweave quotes --model MODEL`` writes for ``GOVERNOR``."""
    from newsweave.cli import main

    src = tmp_path / "articles.jsonl"
    src.write_text(json.dumps({"id": "a", "text": GOVERNOR}) + "\n", encoding="utf-8")
    out = tmp_path / "quotes.jsonl"
    assert main(["quotes", "--jsonl", str(src), "--out", str(out), "--no-progress",
                 "--model", model]) == 0
    (line,) = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    (q,) = line["quotes"]
    return q


def test_cli_model_learned_writes_spans(tmp_path):
    text = GOVERNOR
    q = _quotes_cli(tmp_path, "learned")
    assert text[q["cue_start"]:q["cue_end"]] == "said"
    assert text[q["speaker_start"]:q["speaker_end"]] == "The governor"
    assert q["parts"] == [[q["start"], q["end"]]]


def test_cli_model_learned_fast_writes_the_same_kind_of_record(tmp_path):
    text = GOVERNOR
    q = _quotes_cli(tmp_path, "learned-fast")
    assert text[q["cue_start"]:q["cue_end"]] == "said"
    assert text[q["speaker_start"]:q["speaker_end"]] == "The governor"


def test_cli_unreadable_model_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    from newsweave import quote_model
    from newsweave.cli import main

    def broken(_variant: str = "learned") -> QuoteTagger:
        raise ModelFileError(f"{MODEL_FILE}: checksum 000000000000 does not match {META_FILE}")

    monkeypatch.setattr(quote_model, "get_tagger", broken)
    src = tmp_path / "articles.jsonl"
    src.write_text(json.dumps({"text": "He said so."}) + "\n", encoding="utf-8")
    assert main(["quotes", "--jsonl", str(src), "--no-progress", "--model", "learned"]) == 2
    err = capsys.readouterr().err
    assert "checksum" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
