"""How the paths stops 53 and 54 made linear grow with their input: each timed at two sizes, one
double the other, on synthetic text made at run time. A ratio near 2 is linear; near 4 is
quadratic (what each was before; see docs/fuzz.md, "Stop 53" and "Stop 54").

- wire markup (``ingest.without_wire_markup``) on a run of spaces beside a wire code;
- the quote finder (``quotes.extract_quotes``, parse not timed) on a chain of "according to"
  phrases, and on a chain of names and speech cues ("Smith, who said that Jones, ");
- the reader's ``serve.sentence_spans`` on short sentences with abbreviations;
- the weave's statement join (``quotes.group_quotes``) on one article of many speakers;
- the grouper (``group.group_stream``) on a stream of copies of one text;
- the shared passages of a story (``coverage.find_shared_passages``, analysis not timed) on
  ``big_story.py``'s wire story (the founding example's first report in many outlets), and
  the whole weave of that story (``weave.weave_documents``: summary, statements, coverage),
  stop 54.

Writes the ``scaling`` section of benchmarks/RESULTS.md::

    python benchmarks/scaling.py [--scale 1.0] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from benchmarks._results import write_section  # noqa: E402
from benchmarks.big_story import wire_articles  # noqa: E402


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _wire(n: int) -> Callable[[], object]:
    from newsweave.ingest import without_wire_markup

    text = "He said. &UR; OPTIONAL (" + " " * n + "x &LR; y."
    return lambda: without_wire_markup(text)


def _quotes(unit: str, n: int) -> Callable[[], object]:
    from newsweave.nlp import parse_texts
    from newsweave.quotes import extract_quotes

    (doc,) = parse_texts([unit * (n // len(unit))])
    return lambda: extract_quotes(doc)


def _sentences(n: int) -> Callable[[], object]:
    from newsweave.serve import sentence_spans

    text = "Mr. Ab went to the U.S. on Monday. " * (n // 35)
    return lambda: sentence_spans(text)


def _statements(n: int) -> Callable[[], object]:
    from newsweave.analyze import analyze
    from newsweave.models import Article
    from newsweave.quotes import group_quotes

    rng = random.Random(1)
    first = ["John", "Mary", "Ahmed", "Olga", "Pedro", "Grace", "Omar", "Elena"]
    last = ["Smith", "Jones", "Khan", "Wang", "Garcia", "Kim", "Rossi", "Cohen", "Novak"]
    text = "".join(
        f"{rng.choice(first)} {rng.choice(last)}{chr(97 + i % 26)}{chr(97 + i // 26 % 26)} "
        f"said the {rng.choice(['bridge', 'school', 'port', 'dam'])} plan number {i} "
        "would go ahead. " for i in range(n))
    documents = analyze([Article(id="x", text=text)])
    return lambda: group_quotes(documents)


def _copies(n: int) -> Callable[[], object]:
    from newsweave.group import group_stream
    from newsweave.models import Article

    text = "The mayor said the new bridge would open on Monday despite protests. " * 5
    articles = [Article(id=f"c{i}", text=text, published="2020-01-01") for i in range(n)]
    group_stream(articles[:2])  # models loaded before timing
    return lambda: list(group_stream(articles))


def _wire_story(n: int) -> Callable[[], object]:
    from newsweave.analyze import analyze
    from newsweave.coverage import find_shared_passages

    documents = analyze(wire_articles(n), quotes=False, timexes=False)
    find_shared_passages(documents[:2])  # libraries loaded before timing
    return lambda: find_shared_passages(documents)


def _wire_weave(n: int) -> Callable[[], object]:
    from newsweave.analyze import analyze
    from newsweave.weave import weave_documents

    documents = analyze(wire_articles(n))
    weave_documents(documents[:2])  # models loaded before timing
    return lambda: weave_documents(documents)


CASES: list[tuple[str, str, Callable[[int], Callable[[], object]], int]] = [
    ("wire markup beside a run of spaces", "characters", _wire, 1_000_000),
    ('"according to" chain, quote finder', "characters", lambda n: _quotes("according to ", n),
     64_000),
    ('"Smith, who said that Jones, " chain, quote finder', "characters",
     lambda n: _quotes("Smith, who said that Jones, ", n), 50_000),
    ("reader's sentence spans", "characters", _sentences, 500_000),
    ("statement join of one brief", "statements", _statements, 1_000),
    ("grouper on copies of one text", "articles", _copies, 1_000),
    ("shared passages of a wire story", "sources", _wire_story, 200),
    ("whole weave of a wire story", "sources", _wire_weave, 200),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every size by this")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--only", metavar="TEXT", help="only the paths whose name holds TEXT "
                    "(e.g. 'wire story'); implies --no-write")
    args = ap.parse_args(argv)
    rows = ["| path | unit | size n | seconds at n | seconds at 2n | ratio |",
            "|---|---|---:|---:|---:|---:|"]
    for name, unit, make, size in CASES:
        if args.only and args.only not in name:
            continue
        n = max(2, int(size * args.scale))
        small, large = _timed(make(n)), _timed(make(2 * n))
        row = (f"| {name} | {unit} | {n:,} | {small:.3f} | {large:.3f} | "
               f"{large / max(small, 1e-9):.1f} |")
        print(row, flush=True)
        rows.append(row)
    cmd = "python benchmarks/scaling.py" + (f" --scale {args.scale}" if args.scale != 1 else "")
    section = (
        "## Scaling of the linear paths of stops 53 and 54 (`benchmarks/scaling.py`)\n\n"
        f"`{cmd}`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Each path timed "
        "at a size n and at 2n on synthetic input made at run time (parses and analyses "
        "not timed); a ratio near 2 is linear, near 4 quadratic, as each was before stop 53 "
        "or 54 (`docs/fuzz.md`). Small timings are noisy on a shared machine. The statement join's "
        "statements differ by one word, so each shares the word share with a quarter of the "
        "others: the candidate pairs grow with the square, which shows beyond these sizes; "
        "the grouper's LSH query still returns every earlier copy of a text. Stop 53's code on "
        "the wire story: section *big-story*.\n\n" + "\n".join(rows) + "\n")
    print(section)
    if not (args.no_write or args.only):
        write_section("scaling", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
